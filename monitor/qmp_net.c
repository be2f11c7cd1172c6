/*
 * QMP's view of a VM's network cards (monitor/qmp.c calls these on its own thread):
 *
 *   set_link {"name": ID, "up": BOOL}   QEMU's command: ID is the card's -netdev id (or the id a
 *                                       -nic made: "nic#0" ...); down, the card neither sends
 *                                       nor receives and the guest sees its carrier go
 *   query-nics                          mvisor's: per card its netdev, MAC, slot, link, frames
 *                                       and bytes each way, and every drop by cause; the
 *                                       switch's backpressure (tx-held, rx-refused: not drops;
 *                                       rx-deaf-dropped, rx-flood-dropped)
 *
 * The cards and backends are fixed once the VM is built and outlive the QMP server (the VMs
 * are destroyed after it stops); their counters are relaxed atomics, and a link change is
 * handed to the VM's vCPU thread (virtio_net_request_link).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "devices/virtio/virtio.h"
#include "monitor/internal.h"
#include "monitor/options.h"
#include "monitor/qmp.h"

static unsigned netdev_index(const struct vm *vm, const char *id)
{
    for (unsigned k = 0; k < vm->cfg.nnetdevs; k++)
        if (!strcmp(vm->cfg.netdevs[k].id, id))
            return k;
    return 0;
}

int qmp_net_set_link(struct vm *vm, const char *name, bool up)
{
    if (!vm->malta)
        return -ENOENT;
    for (unsigned i = 0; i < vm->cfg.nnics; i++) {
        if (strcmp(vm->cfg.nics[i].netdev, name))
            continue;
        struct virtio_net *n = malta_virtio_net(vm->malta, i);
        if (!n)
            return -ENOENT;
        virtio_net_request_link(n, up);
        return 0;
    }
    return -ENOENT;
}

static json_int_t ld(const _Atomic uint64_t *c)
{
    return (json_int_t)atomic_load_explicit(c, memory_order_relaxed);
}

json_t *qmp_net_query_nics(struct vm *vm)
{
    json_t *list = json_array();
    if (!vm->malta)
        return list;
    int disk_slots[VM_MAX_DISKS], nic_slots[VM_MAX_NICS];
    char err[200];
    if (vmopt_pci_slots(&vm->cfg, disk_slots, nic_slots, err, sizeof(err)) < 0)
        return list;
    for (unsigned i = 0; i < vm->cfg.nnics; i++) {
        struct virtio_net *n = malta_virtio_net(vm->malta, i);
        if (!n)
            continue;
        const struct virtio_net_stats *st = virtio_net_stats(n);
        struct netdev *nd = vm->netdev[netdev_index(vm, vm->cfg.nics[i].netdev)];
        uint8_t m[6];
        vmopt_nic_mac(&vm->cfg, i, m);
        char mac[18];
        snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
        json_t *o = json_pack("{s:s, s:s, s:i, s:b, s:I, s:I, s:I, s:I, s:{s:I, s:I, s:I}, s:{s:I, s:I, s:I}, s:I}",
                              "netdev", vm->cfg.nics[i].netdev, "mac", mac, "slot", nic_slots[i], "link-up",
                              virtio_net_link_up(n), "tx-frames", ld(&st->tx_frames), "tx-bytes", ld(&st->tx_bytes),
                              "rx-frames", ld(&st->rx_frames), "rx-bytes", ld(&st->rx_bytes), "tx-dropped", "runt",
                              ld(&st->tx_runt), "oversize", ld(&st->tx_oversize), "bad-header",
                              ld(&st->tx_bad_header), "rx-dropped", "not-ready", ld(&st->rx_not_ready), "queue-full",
                              ld(&st->rx_queue_full), "too-big", ld(&st->rx_too_big), "backend-dropped",
                              nd ? ld(&netdev_stats(nd)->dropped) : 0);
        if (o) {
            /* backpressure (devices/net/switch.c): not drops */
            json_object_set_new(o, "tx-held", json_integer((json_int_t)ld(&st->tx_held)));
            json_object_set_new(o, "rx-refused", json_integer((json_int_t)ld(&st->rx_refused)));
            json_object_set_new(o, "rx-deaf-dropped",
                                json_integer(nd ? (json_int_t)ld(&netdev_stats(nd)->rx_deaf_dropped) : 0));
            json_object_set_new(o, "rx-flood-dropped",
                                json_integer(nd ? (json_int_t)ld(&netdev_stats(nd)->rx_flood_dropped) : 0));
            /* TSO (devices/net/gso.c): large frames sent, received whole, cut up for this guest */
            json_object_set_new(o, "tx-gso", json_integer((json_int_t)ld(&st->tx_gso)));
            json_object_set_new(o, "rx-gso", json_integer((json_int_t)ld(&st->rx_gso)));
            json_object_set_new(o, "rx-segmented", json_integer((json_int_t)ld(&st->rx_segmented)));
            json_array_append_new(list, o);
        }
    }
    return list;
}
