/*
 * The split virtqueue in its legacy layout (Linux include/uapi/linux/virtio_ring.h, vring_init
 * with VIRTIO_PCI_VRING_ALIGN): descriptor table, available ring, then the used ring on the
 * next 4 KiB boundary, all little-endian like the guest.
 *
 * The rings are guest memory and the guest is not trusted. Every address taken from them (the
 * rings themselves, each buffer, an indirect table) must lie wholly in one RAM region of the
 * physmap, never in MMIO or ROM, so a device's DMA can only ever reach the VM's own RAM pages
 * through the pmap. A chain is walked at most as many steps as its table has entries, which
 * bounds it and catches loops; an indirect table is accepted only at the head of a chain and
 * never inside another one; device-writable buffers must follow the readable ones. Anything
 * else is VIRTQ_BROKEN, and the transport then puts the device in NEEDS_RESET.
 *
 * Ring accesses go through physmap_read/physmap_write like any host access: the writes break
 * copy-on-write and call the write hook that kills translated code over what they overwrite.
 * This runs on the vCPU thread only, so the guest is never running while a ring is updated;
 * the fences still give the order the driver relies on (used element before used index).
 */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include "devices/virtio/virtio.h"
#include "shadow-mmu/shadow_mmu.h"

bool virtq_ram_ok(const struct physmap *pm, uint64_t gpa, uint64_t len)
{
    const struct mem_region *r = physmap_find(pm, gpa);
    return r && r->pmap && len <= r->size - (gpa - r->base);
}

static uint64_t ring_bytes_avail(uint16_t size)
{
    return 6 + 2ull * size; /* flags, idx, ring[size], used_event */
}

static uint64_t ring_bytes_used(uint16_t size)
{
    return 6 + 8ull * size; /* flags, idx, ring[size] of {id, len}, avail_event */
}

void virtq_setup(struct virtq *q, struct physmap *pm, uint16_t size, uint32_t pfn)
{
    q->pm = pm;
    q->size = size;
    q->pfn = pfn;
    q->last_avail = 0;
    q->used_idx = 0;
    q->desc = (uint64_t)pfn << VIRTIO_PCI_QUEUE_ADDR_SHIFT;
    q->avail = q->desc + (uint64_t)VIRTQ_DESC_SIZE * size;
    q->used = (q->avail + ring_bytes_avail(size) + VIRTIO_PCI_VRING_ALIGN - 1) & ~(uint64_t)(VIRTIO_PCI_VRING_ALIGN - 1);
}

void virtq_reset(struct virtq *q)
{
    struct physmap *pm = q->pm;
    uint16_t size = q->size;
    memset(q, 0, sizeof(*q));
    q->pm = pm;
    q->size = size;
}

static bool ring_ok(const struct virtq *q)
{
    return virtq_ram_ok(q->pm, q->desc, (uint64_t)VIRTQ_DESC_SIZE * q->size) &&
           virtq_ram_ok(q->pm, q->avail, ring_bytes_avail(q->size)) &&
           virtq_ram_ok(q->pm, q->used, ring_bytes_used(q->size));
}

static int read16(const struct virtq *q, uint64_t gpa, uint16_t *v)
{
    return physmap_read(q->pm, gpa, v, 2);
}

struct vdesc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
};

static int read_desc(const struct virtq *q, uint64_t table, uint16_t i, struct vdesc *d)
{
    uint8_t raw[VIRTQ_DESC_SIZE];
    int rc = physmap_read(q->pm, table + (uint64_t)VIRTQ_DESC_SIZE * i, raw, sizeof(raw));
    if (rc < 0)
        return rc;
    memcpy(&d->addr, raw, 8);
    memcpy(&d->len, raw + 8, 4);
    memcpy(&d->flags, raw + 12, 2);
    memcpy(&d->next, raw + 14, 2);
    return 0;
}

static enum virtq_pop broken(const char **why, const char *what)
{
    if (why)
        *why = what;
    return VIRTQ_BROKEN;
}

enum virtq_pop virtq_pop(struct virtq *q, struct virtq_elem *e, const char **why)
{
    if (!virtq_ready(q))
        return VIRTQ_EMPTY;
    if (!ring_ok(q))
        return broken(why, "the queue's rings are not in guest RAM");
    uint16_t avail_idx, head;
    if (read16(q, q->avail + 2, &avail_idx) < 0)
        return broken(why, "the available ring is not readable");
    if (avail_idx == q->last_avail)
        return VIRTQ_EMPTY;
    if ((uint16_t)(avail_idx - q->last_avail) > q->size)
        return broken(why, "the available index ran more than the queue size ahead");
    /* The entries were written before the index (the driver's barrier); read them after it. */
    atomic_thread_fence(memory_order_acquire);
    if (read16(q, q->avail + 4 + 2ull * (q->last_avail % q->size), &head) < 0)
        return broken(why, "the available ring is not readable");
    if (head >= q->size)
        return broken(why, "a chain head is outside the descriptor table");
    q->last_avail++;

    memset(e, 0, offsetof(struct virtq_elem, seg));
    e->head = head;
    uint64_t table = q->desc;
    unsigned table_size = q->size, steps = 0, nseg = 0;
    bool in_indirect = false;
    uint16_t i = head;
    for (;;) {
        struct vdesc d;
        if (steps++ >= table_size)
            return broken(why, "a descriptor chain loops or is longer than its table");
        if (read_desc(q, table, i, &d) < 0)
            return broken(why, "a descriptor is not readable");
        if (d.flags & VRING_DESC_F_INDIRECT) {
            if (!q->indirect)
                return broken(why, "an indirect descriptor without VIRTIO_RING_F_INDIRECT_DESC");
            if (in_indirect)
                return broken(why, "an indirect descriptor inside an indirect table");
            if (steps != 1 || (d.flags & VRING_DESC_F_NEXT))
                return broken(why, "an indirect descriptor that is not a whole chain");
            if (d.len == 0 || d.len % VIRTQ_DESC_SIZE || d.len / VIRTQ_DESC_SIZE > VIRTQ_MAX_INDIRECT)
                return broken(why, "an indirect table of a bad size");
            if (!virtq_ram_ok(q->pm, d.addr, d.len))
                return broken(why, "an indirect table outside guest RAM");
            in_indirect = true;
            table = d.addr;
            table_size = d.len / VIRTQ_DESC_SIZE;
            steps = 0;
            i = 0;
            continue;
        }
        if (d.len) {
            if (!virtq_ram_ok(q->pm, d.addr, d.len))
                return broken(why, "a buffer outside guest RAM");
            if (nseg >= VIRTQ_MAX_SEGS)
                return broken(why, "too many buffers in a chain");
            if (d.flags & VRING_DESC_F_WRITE) {
                e->in_bytes += d.len;
                e->n_in++;
            } else {
                if (e->n_in)
                    return broken(why, "a readable buffer after a writable one");
                e->out_bytes += d.len;
                e->n_out++;
            }
            e->seg[nseg++] = (struct virtq_seg){.gpa = d.addr, .len = d.len};
        }
        if (!(d.flags & VRING_DESC_F_NEXT))
            break;
        i = d.next;
        if (i >= table_size)
            return broken(why, "a chain's next index is outside its table");
    }
    return VIRTQ_GOT;
}

int virtq_push(struct virtq *q, uint16_t head, uint32_t len)
{
    if (!virtq_ready(q) || !virtq_ram_ok(q->pm, q->used, ring_bytes_used(q->size)))
        return -EFAULT;
    uint8_t el[8];
    uint32_t id = head;
    memcpy(el, &id, 4);
    memcpy(el + 4, &len, 4);
    int rc = physmap_write(q->pm, q->used + 4 + 8ull * (q->used_idx % q->size), el, sizeof(el));
    if (rc < 0)
        return rc;
    /* The element must be visible before the index that publishes it. */
    atomic_thread_fence(memory_order_release);
    q->used_idx++;
    return physmap_write(q->pm, q->used + 2, &q->used_idx, 2);
}

bool virtq_should_notify(const struct virtq *q)
{
    uint16_t flags = 0;
    atomic_thread_fence(memory_order_seq_cst);
    if (read16(q, q->avail, &flags) < 0)
        return true;
    return !(flags & VRING_AVAIL_F_NO_INTERRUPT);
}

/* Walks segments [first, first + n) of e from byte off, copying len bytes each way. */
static long seg_copy(struct physmap *pm, const struct virtq_elem *e, unsigned first, unsigned n, uint64_t off,
                     uint8_t *buf, uint64_t len, bool to_guest)
{
    uint64_t done = 0;
    for (unsigned k = first; k < first + n && done < len; k++) {
        const struct virtq_seg *s = &e->seg[k];
        if (off >= s->len) {
            off -= s->len;
            continue;
        }
        uint64_t chunk = s->len - off;
        if (chunk > len - done)
            chunk = len - done;
        int rc = to_guest ? physmap_write(pm, s->gpa + off, buf + done, chunk)
                          : physmap_read(pm, s->gpa + off, buf + done, chunk);
        if (rc < 0)
            return rc;
        done += chunk;
        off = 0;
    }
    return (long)done;
}

long virtq_copy_from(struct physmap *pm, const struct virtq_elem *e, uint64_t off, void *dst, uint64_t len)
{
    return seg_copy(pm, e, 0, e->n_out, off, dst, len, false);
}

long virtq_copy_to(struct physmap *pm, const struct virtq_elem *e, uint64_t off, const void *src, uint64_t len)
{
    return seg_copy(pm, e, e->n_out, e->n_in, off, (uint8_t *)(uintptr_t)src, len, true);
}
