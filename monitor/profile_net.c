/*
 * The network cards' part of --profile. Per card: how long a frame waited on the host before
 * its guest had it (queued while the card's queue was empty, until the vCPU thread took it: the
 * wake-up of a vCPU sleeping in WAIT, or the next look at the board of a running one), the
 * guest's turnaround (a frame given to it until its next transmit, within
 * VIRTIO_NET_TURN_MAX_NS: for a ping, the echo request to its reply), and the bytes copied out
 * of and into guest memory beside how many of them lay on whole page-aligned guest pages, and
 * how many received bytes filled whole pages that were whole pages of the sender's too at the
 * same offset in the frame: all that remapping pages between VMs instead of copying (Disco's)
 * could move. No page is remapped: the remapped figure is 0 by construction and printed so
 * that the comparison is in one place. The counters are the vCPU thread's atomics; a SIGUSR1 profile may be a frame
 * behind.
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>

#include "devices/devices.h"
#include "devices/virtio/virtio.h"
#include "monitor/internal.h"

static struct virtio_net *card(const struct vm *vm, unsigned i)
{
    return vm->malta ? malta_virtio_net(vm->malta, i) : NULL;
}

void profile_nets_start(struct vm *vm)
{
    for (unsigned i = 0; i < vm->cfg.nnics; i++)
        if (card(vm, i))
            virtio_net_set_profiling(card(vm, i), true);
}

static double mean_us(uint64_t sum_ns, uint64_t n)
{
    return n ? (double)sum_ns / (double)n / 1e3 : 0.0;
}

void profile_nets(const struct vm *vm, FILE *f, bool json)
{
    bool first = true;
    for (unsigned i = 0; i < vm->cfg.nnics; i++) {
        struct virtio_net *c = card(vm, i);
        if (!c)
            continue;
        const struct virtio_net_stats *s = virtio_net_stats(c);
        uint64_t wn = atomic_load(&s->wake_n), tn = atomic_load(&s->turn_n);
        double wm = mean_us(atomic_load(&s->wake_ns), wn), tm = mean_us(atomic_load(&s->turn_ns), tn);
        double wx = (double)atomic_load(&s->wake_max_ns) / 1e3, tx = (double)atomic_load(&s->turn_max_ns) / 1e3;
        uint64_t out = atomic_load(&s->tx_bytes), in = atomic_load(&s->rx_bytes);
        uint64_t pout = atomic_load(&s->tx_page_bytes), pin = atomic_load(&s->rx_page_bytes);
        uint64_t rem = atomic_load(&s->rx_remappable_bytes);
        const char *name = vm->cfg.nics[i].netdev;
        if (json) {
            fprintf(f, "%s\n    {\"netdev\": \"%s\", \"rx_wake\": {\"n\": %" PRIu64 ", \"mean_us\": %.1f, \"max_us\": %.1f}"
                    ", \"turnaround\": {\"n\": %" PRIu64 ", \"mean_us\": %.1f, \"max_us\": %.1f}, \"copied_out_bytes\": %"
                    PRIu64 ", \"copied_in_bytes\": %" PRIu64 ", \"remapped_bytes\": 0, \"page_aligned_out_bytes\": %"
                    PRIu64 ", \"page_aligned_in_bytes\": %" PRIu64 ", \"remappable_in_bytes\": %" PRIu64 "}",
                    first ? "  \"nics\": [" : ",", name, wn, wm, wx, tn, tm, tx, out, in, pout, pin, rem);
        } else {
            if (first)
                fprintf(f, "\nnetwork cards (host time before the guest had a frame; bytes copied, and those on whole "
                        "page-aligned guest pages)\n");
            fprintf(f, "  %s: rx wake-up (queued while empty -> the vCPU took it) %" PRIu64 ", mean %.1f us, max %.1f "
                    "us; guest turnaround (a frame given -> its next transmit within %.0f ms) %" PRIu64 ", mean %.1f us, "
                    "max %.1f us\n", name, wn, wm, wx, (double)VIRTIO_NET_TURN_MAX_NS / 1e6, tn, tm, tx);
            fprintf(f, "      bytes copied out of the guest %" PRIu64 " (%" PRIu64 " on whole page-aligned pages), into it %"
                    PRIu64 " (%" PRIu64 ", of which %" PRIu64 " whole pages of the sender's at the same frame offset: "
                    "remappable); remapped 0\n", out, pout, in, pin, rem);
        }
        first = false;
    }
    if (json)
        fprintf(f, "%s", first ? "  \"nics\": [],\n" : "\n  ],\n");
}
