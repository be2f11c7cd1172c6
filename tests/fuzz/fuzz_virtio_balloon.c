/*
 * Fuzzing virtio-balloon's queues and registers (devices/virtio/virtio_balloon.c, virtqueue.c,
 * virtio_pci.c) against fake guest memory: the input is a guest driver's command sequence
 * (tests/fuzz/virtio_cmds.h) after the Linux probe, over every queue the features give
 * (inflate, deflate, stats, free-page reporting), with the host's requests in between. The
 * first byte picks the device's properties. Whatever the PFN lists, stats buffers, reports,
 * descriptors, rings and registers say: no bad memory access, DMA never reaches the device
 * window, the balloon's counters only grow (but when the host's own requests move them), and
 * a device in NEEDS_RESET takes no more PFNs, stats or reports until a reset.
 *
 * The harness's own command 7 SUB: SUB & 3 = 0 the driver's reset and set-up again, 1 the host
 * asks for a target of U32 pages, 2 for fresh statistics, 3 the clock moves U16 ms and the
 * vCPU thread polls the balloon.
 */
#include <stdint.h>
#include <string.h>

#include "tests/fuzz/virtio_cmds.h"

#define NQ 4 /* inflate, deflate, stats, reporting: the most a feature set gives */

static struct virtio_balloon *dev;
static uint64_t clock_ns;

static uint64_t fake_now(void *ctx)
{
    (void)ctx;
    return clock_ns;
}

static void actual_changed(void *ctx, uint32_t pages)
{
    (void)ctx, (void)pages;
}

static void poll_dev(void)
{
    virtio_balloon_poll(dev);
}

/* each queue's rings three pages apart, below DATA */
static const uint32_t rings[NQ] = {0x1000, 0x5000, 0x9000, 0xD000};

/* What the device has taken from the guest so far; must never go down. */
static uint64_t work_done(const struct virtio_balloon_stats *st)
{
    return atomic_load(&st->inflated) + atomic_load(&st->deflated) + atomic_load(&st->reported) +
           atomic_load(&st->reported_kept) + atomic_load(&st->bad_pfns) + atomic_load(&st->bad_buffers) +
           atomic_load(&st->guest_updates);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool machine;
    if (!machine) {
        rig_machine_init();
        machine = true;
    }
    /* a new device for every input, its properties from the first byte */
    uint8_t props = size > 0 ? data[0] : 0;
    struct virtio_balloon_opts opts = {.deflate_on_oom = props & 1, .free_page_reporting = props & 2,
                                       .page_poison = props & 4, .stats_interval_s = (props >> 4) & 3};
    struct virtio_balloon_host host = {.io = {.kick = kick, .synchronous = true}, .now_ns = fake_now,
                                       .actual_changed = actual_changed};
    clock_ns = 1000000000u;
    assert_int_equal(physmap_zero(&pm, 0, RAM_SIZE), 0);
    assert_int_equal(virtio_balloon_create(&dev, &pm, &opts, &host), 0);
    vp = virtio_balloon_pci(dev);
    virtio_pci_attach(vp, NULL, -1, (struct irq_line){.set = set_irq});
    driver_setup(NQ, rings);
    mmio_accesses = 0;
    const struct virtio_balloon_stats *st = virtio_balloon_stats(dev);
    struct cmd_in in = {.p = data, .n = size, .at = size > 0};
    while (in.at < in.n) {
        uint8_t c = in_u8(&in);
        bool dead = vp->status & VIRTIO_CONFIG_S_NEEDS_RESET;
        uint64_t before = work_done(st);
        if (!run_cmd(&in, c, NQ, poll_dev)) {
            uint8_t sub = in_u8(&in);
            switch (sub & 3) {
            case 0: driver_setup(NQ, rings); break;
            case 1: virtio_balloon_request_target(dev, in_u32(&in)); break;
            case 2: virtio_balloon_request_stats(dev); break;
            default:
                clock_ns += (uint64_t)in_u16(&in) * 1000000u;
                virtio_balloon_poll(dev);
                break;
            }
            continue;
        }
        uint64_t after = work_done(st);
        if (after < before) {
            fprintf(stderr, "fuzz_virtio_balloon: a counter went down (%llu -> %llu)\n",
                    (unsigned long long)before, (unsigned long long)after);
            abort();
        }
        if (dead && (vp->status & VIRTIO_CONFIG_S_NEEDS_RESET) && after != before) {
            fprintf(stderr, "fuzz_virtio_balloon: a device in NEEDS_RESET took buffers\n");
            abort();
        }
        if (mmio_accesses) {
            fprintf(stderr, "fuzz_virtio_balloon: DMA reached the device window\n");
            abort();
        }
    }
    virtio_balloon_poll(dev);
    virtio_balloon_destroy(dev);
    dev = NULL;
    return 0;
}
