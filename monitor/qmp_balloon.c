/*
 * QMP's view of a VM's balloon (monitor/qmp.c calls these on its own thread):
 *
 *   balloon {"value": BYTES}   QEMU's command: the memory the guest should keep; the balloon
 *                              asks for the rest (capped at the VM's RAM, as QEMU does)
 *   query-balloon              QEMU's: {"actual": BYTES}, the memory the guest has now
 *   query-balloon-stats        mvisor's spelling of QEMU's guest-stats property (qom-get
 *                              .../guest-stats): the driver's last statistics as "stats"
 *                              (QEMU's stat-* names, -1 for what it never sent) and
 *                              "last-update", plus what the device did: pages inflated,
 *                              deflated and reported, and what it refused; "pool-bytes", the
 *                              monitor's machine memory in use (what --mem-limit bounds). It
 *                              also asks the guest for fresh statistics, which the next query
 *                              shows.
 *
 * The device outlives the QMP server (the VMs are destroyed after it stops); its counters are
 * relaxed atomics and a new target is handed to the vCPU thread (virtio_balloon_request_target).
 */
#include <errno.h>

#include "devices/virtio/virtio.h"
#include "monitor/internal.h"
#include "monitor/qmp.h"

static struct virtio_balloon *balloon_of(struct vm *vm)
{
    return vm->malta ? malta_virtio_balloon(vm->malta) : NULL;
}

int qmp_balloon_set(struct vm *vm, uint64_t bytes)
{
    struct virtio_balloon *b = balloon_of(vm);
    if (!b)
        return -ENODEV;
    if (bytes > vm->ram_size)
        bytes = vm->ram_size;
    virtio_balloon_request_target(b, (uint32_t)((vm->ram_size - bytes) >> 12));
    return 0;
}

static json_int_t ld(const _Atomic uint64_t *c)
{
    return (json_int_t)atomic_load_explicit(c, memory_order_relaxed);
}

json_t *qmp_balloon_query(struct vm *vm)
{
    struct virtio_balloon *b = balloon_of(vm);
    if (!b)
        return NULL;
    uint64_t held = (uint64_t)atomic_load(&virtio_balloon_stats(b)->actual) << 12;
    return json_pack("{s:I}", "actual", (json_int_t)(held < vm->ram_size ? vm->ram_size - held : 0));
}

json_t *qmp_balloon_query_stats(struct vm *vm)
{
    /* QEMU hw/virtio/virtio-balloon.c balloon_stat_names, by VIRTIO_BALLOON_S_* tag */
    static const char *const names[VIRTIO_BALLOON_STAT_TAGS] = {
        "stat-swap-in",          "stat-swap-out",         "stat-major-faults", "stat-minor-faults",
        "stat-free-memory",      "stat-total-memory",     "stat-available-memory", "stat-disk-caches",
        "stat-htlb-pgalloc",     "stat-htlb-pgfail",
    };
    struct virtio_balloon *b = balloon_of(vm);
    if (!b)
        return NULL;
    const struct virtio_balloon_stats *st = virtio_balloon_stats(b);
    json_t *stats = json_object();
    uint32_t tags = atomic_load(&st->guest_tags);
    for (unsigned t = 0; t < VIRTIO_BALLOON_STAT_TAGS; t++)
        json_object_set_new(stats, names[t], json_integer((tags >> t) & 1 ? ld(&st->guest[t]) : -1));
    json_t *o = json_pack("{s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "stats", stats,
                          "last-update", (json_int_t)atomic_load(&st->last_update), "updates", ld(&st->guest_updates),
                          "target-pages", (json_int_t)atomic_load(&st->target), "actual-pages",
                          (json_int_t)atomic_load(&st->actual), "inflated-pages", ld(&st->inflated),
                          "deflated-pages", ld(&st->deflated), "reported-pages", ld(&st->reported),
                          "reported-poison-pages", ld(&st->reported_poison), "reported-kept-pages",
                          ld(&st->reported_kept), "bad-pfns", ld(&st->bad_pfns), "bad-buffers",
                          ld(&st->bad_buffers));
    /* the monitor's machine memory in use (every VM's), what --mem-limit bounds */
    if (o && vm->mm)
        json_object_set_new(o, "pool-bytes", json_integer((json_int_t)(atomic_load(&vm->mm->in_use) << MACH_PAGE_BITS)));
    virtio_balloon_request_stats(b);
    return o;
}
