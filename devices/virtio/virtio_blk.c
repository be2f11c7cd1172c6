/*
 * virtio-blk over the legacy PCI transport (PCI 1AF4:1001, subsystem 0002, class 0x0100 as
 * QEMU shows it: /work/shared/docs/vmm-facts.md §1.2). Requests (Linux
 * include/uapi/linux/virtio_blk.h): a 16-byte header {type, ioprio, sector} in the readable
 * bytes, the data, and one status byte, the last writable byte. The chain is read as two byte
 * streams (readable, writable), so any split of header, data and status across buffers works.
 *
 * Threads. The vCPU thread parses a request, pins the guest pages of its data in the VM's pmap
 * (pmap_pin: private first for a read) and queues it with their RAM-view addresses as an iovec;
 * the device's I/O thread runs the backend call (preadv / pwritev straight between the image and
 * guest RAM; it may block in the host kernel) and moves the request to the done list, then kicks
 * the vCPU thread (struct virtio_host). The vCPU thread (virtio_blk_poll, from the board's
 * update) runs the write hook over a read's data (translations of those bytes die, as for any
 * DMA), unpins, writes the status, adds the used element and raises INTA. So the rings, the
 * translation cache and the interrupt controllers are only ever touched by the vCPU thread, and
 * the I/O thread only ever writes the data bytes of pages no pmap change can take away while it
 * does (a read the guest races with its own buffer sees what it raced with, never another VM's
 * memory). Data outside a pmap's RAM, and reads of shared files (below), go through a bounce
 * buffer the vCPU thread copies.
 *
 * Shared base (the global buffer cache, shadow-mmu/bufcache.h). A read whose bytes come from a
 * file that several drives of the monitor read (blk_extent: a read-only image, an overlay's
 * backing file) is served on the I/O thread from the cache's machine pages (read from the host
 * once per monitor); whole pages that land on whole guest pages are only held there, and the
 * vCPU thread maps them into the VM's pmap copy-on-write instead of copying (deliver_read).
 * Mapping removes the guest's old page, which the pmap rules allow only with the VM's vCPUs
 * out of translated code: here the VM's one vCPU is in its board update or in the notify's
 * MMIO callout, and its own software-TLB entries of the page are shot down before it goes on
 * (an SMP guest will need the pmap's acknowledgement first).
 *
 * Write-back cache. The device offers VIRTIO_BLK_F_FLUSH, so the guest already treats it as a
 * disk with a volatile write cache (Linux drivers/block/virtio_blk.c: write cache "write back"),
 * and a write it has not flushed may be lost in a crash. So an OUT request's data is copied out
 * of the guest when it is taken and the request completes at the vCPU's next look at the board,
 * while the I/O thread writes it behind (at most WRITEBACK_MAX_BYTES held so; past that a write
 * completes when written, as before). The I/O thread runs requests in order, so a later read sees
 * the write and a FLUSH returns only after every earlier write is on the host and fdatasync'd; a
 * write the host refused fails the next FLUSH (the guest's fsync sees EIO). Deterministic runs
 * (synchronous) complete writes when written. On the bench host this takes the host write (0.6
 * ms for 1 MiB) off the guest's path: its next request overlaps it.
 *
 * Limits a hostile guest cannot get past: a request's data is at most seg_max * size_max bytes
 * (what the config promises the driver), the data bytes in flight (bounced or pinned) are bounded (a request
 * that would exceed them waits in the ring), a request past the end of the disk or a write to
 * a read-only drive fails with IOERR, a request with no status byte breaks the device
 * (NEEDS_RESET: nowhere to say it failed).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "devices/block/block.h"
#include "devices/virtio/virtio.h"
#include "shadow-mmu/bufcache.h"

/* Feature bits (Linux include/uapi/linux/virtio_blk.h). */
#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_F_DISCARD 13
#define VIRTIO_BLK_F_WRITE_ZEROES 14

#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_T_DISCARD 11
#define VIRTIO_BLK_T_WRITE_ZEROES 13
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2
#define VIRTIO_BLK_ID_BYTES 20
#define VIRTIO_BLK_WZ_UNMAP 1u

/* struct virtio_blk_config offsets (same header). */
#define CFG_CAPACITY 0
#define CFG_SIZE_MAX 8
#define CFG_SEG_MAX 12
#define CFG_BLK_SIZE 20
#define CFG_NUM_QUEUES 34
#define CFG_MAX_DISCARD_SECTORS 36
#define CFG_MAX_DISCARD_SEG 40
#define CFG_DISCARD_ALIGN 44
#define CFG_MAX_WZ_SECTORS 48
#define CFG_MAX_WZ_SEG 52
#define CFG_WZ_MAY_UNMAP 56
#define CFG_LEN 60 /* BAR 0 is then 128 bytes, as QEMU's (vmm-facts.md §1.2) */

/* mvisor's choices: QEMU's queue is 256, 128 keeps a popped chain small; seg_max leaves room
 * for header and status in a direct chain. One request is at most SEG_MAX * SIZE_MAX. */
#define QUEUE_SIZE 128
#define SEG_MAX (QUEUE_SIZE - 2)
#define SIZE_MAX_BYTES (64u << 10)
#define REQ_MAX_BYTES ((uint64_t)SEG_MAX * SIZE_MAX_BYTES)
#define INFLIGHT_MAX_BYTES (32ull << 20)
#define DISCARD_MAX_SECTORS (1u << 22) /* 2 GiB per segment */
#define DISCARD_ALIGN_SECTORS 8        /* 4 KiB */
/* Written data the device holds without its host write being done (the write-back cache). */
#define WRITEBACK_MAX_BYTES (4ull << 20)

/* Bounce buffers kept for the next requests (vCPU thread only): a fresh one is fresh host memory
 * to fault in, page by page (about 5 ms for 1 MiB on the paravirtualised bench host, where every
 * fault is an exit), for each request that bounces. At most POOL_BUFS of them, POOL_MAX_BYTES in
 * all (the write-back cache's 4 MiB and the request being taken, at 1 MiB each), so an idle
 * disk keeps at most that much host memory; a buffer past it is freed after use. */
#define POOL_BUFS 8
#define POOL_MAX_BYTES (6ull << 20)
#define POOL_GRAIN (64u << 10)
struct blk_pool {
    void *buf[POOL_BUFS];
    size_t cap[POOL_BUFS];
    unsigned n;
    uint64_t bytes;
};

/* A page-aligned buffer of at least len bytes (what a cache=none backend hands to O_DIRECT). */
static void *pool_get(struct blk_pool *p, size_t len, size_t *cap)
{
    int best = -1;
    for (unsigned i = 0; i < p->n; i++)
        if (p->cap[i] >= len && (best < 0 || p->cap[i] < p->cap[best]))
            best = (int)i;
    if (best >= 0) {
        void *b = p->buf[best];
        *cap = p->cap[best];
        p->bytes -= *cap;
        p->n--;
        p->buf[best] = p->buf[p->n];
        p->cap[best] = p->cap[p->n];
        return b;
    }
    size_t c = (len + POOL_GRAIN - 1) / POOL_GRAIN * POOL_GRAIN;
    void *b = NULL;
    if (posix_memalign(&b, 4096, c ? c : POOL_GRAIN))
        return NULL;
    *cap = c ? c : POOL_GRAIN;
    return b;
}

static void pool_put(struct blk_pool *p, void *b, size_t cap)
{
    if (p->n < POOL_BUFS && p->bytes + cap <= POOL_MAX_BYTES) {
        p->buf[p->n] = b;
        p->cap[p->n++] = cap;
        p->bytes += cap;
    } else {
        free(b);
    }
}

static void pool_drain(struct blk_pool *p)
{
    while (p->n)
        free(p->buf[--p->n]);
    p->bytes = 0;
}

/* A page of a read served from the buffer cache by mapping: the data's byte x goes to a
 * page-aligned guest page, which will map machine page m (held by the request). */
struct blk_map {
    uint64_t x;
    mpn_t m;
};

struct blk_req {
    struct blk_req *next;
    struct virtq_elem *e;
    uint32_t type;
    uint64_t off, len;   /* bytes on the disk (IN/OUT: the data; DISCARD/WZ: the range) */
    bool unmap;
    bool early;          /* OUT completed to the guest when queued (the write-back cache) */
    uint8_t *buf;        /* IN/OUT data */
    struct blk_pool *pool; /* buf's, to go back to (cap bytes), or NULL: malloc'd */
    size_t cap;
    uint8_t status;
    struct machmem *mm;  /* of maps' pages */
    struct blk_map *maps; /* IN from the buffer cache: pages to map instead of copy, by x */
    unsigned nmaps;
    /* IN/OUT straight from / into guest RAM (no buf): the data as RAM-view addresses, the
     * pages pinned in pp meanwhile */
    struct iovec *iov;
    int niov;
    struct pmap *pp;
    uint32_t *pins;
    unsigned npins;
};

struct virtio_blk {
    struct virtio_pci vp;
    struct physmap *pm;
    struct blk *b;
    struct machmem *mm;        /* the pool of the VM's RAM */
    struct bufcache *bc;       /* its buffer cache, NULL if off */
    struct bufcache_file files[8]; /* the shareable files it registered with the cache */
    unsigned nfiles;
    uint8_t *reread;           /* vCPU thread: bitmap of pmap pages found reused as read buffers */
    uint32_t reread_pages;
    struct virtio_host host;
    char serial[VIRTIO_BLK_ID_BYTES];
    uint8_t config[CFG_LEN];
    /* vCPU thread only */
    struct blk_req *held;      /* popped, waiting for room in the in-flight budget */
    struct blk_pool pool;
    struct blk_req *acks, **acks_tail; /* early writes to complete at the next poll */
    uint64_t inflight_bytes;
    unsigned inflight;
    uint64_t early_bytes;      /* of early writes not yet written */
    /* I/O thread only: an early write failed and no FLUSH has said so yet */
    bool early_failed;
    /* shared with the I/O thread, under lock */
    pthread_mutex_t lock;
    pthread_cond_t work, idle;
    struct blk_req *todo, **todo_tail, *done, **done_tail;
    unsigned busy;             /* queued or running on the I/O thread */
    bool quit;
    _Atomic bool has_done;     /* done is not empty: lets the poll skip the lock */
    pthread_t thread;
    bool thread_started;
};

static void req_free(struct blk_req *r)
{
    if (!r)
        return;
    for (unsigned i = 0; i < r->nmaps; i++)
        if (r->maps[i].m != MPN_NONE)
            machmem_put(r->mm, r->maps[i].m);
    free(r->maps);
    for (unsigned i = 0; i < r->npins; i++)
        pmap_unpin(r->pp, r->pins[i]);
    free(r->pins);
    free(r->iov);
    if (r->pool)
        pool_put(r->pool, r->buf, r->cap);
    else
        free(r->buf);
    free(r->e);
    free(r);
}

/* ---- the I/O thread --------------------------------------------------------------------- */

static uint8_t blk_status(int rc)
{
    if (rc == 0)
        return VIRTIO_BLK_S_OK;
    return rc == -ENOTSUP || rc == -EOPNOTSUPP ? VIRTIO_BLK_S_UNSUPP : VIRTIO_BLK_S_IOERR;
}

/* Data byte x of a request lands at guest address *gpa; whether a whole page-aligned guest page
 * starts there in one segment (so a machine page can be mapped at it). */
static bool guest_page_at(const struct virtq_elem *e, uint64_t x, uint64_t *gpa)
{
    uint64_t pos = 0;
    for (unsigned i = e->n_out; i < e->n_out + e->n_in; i++) {
        const struct virtq_seg *s = &e->seg[i];
        if (x < pos + s->len) {
            *gpa = s->gpa + (x - pos);
            return (*gpa & (MACH_PAGE_SIZE - 1)) == 0 && pos + s->len - x >= MACH_PAGE_SIZE;
        }
        pos += s->len;
    }
    return false;
}

#define CACHE_RUN 64 /* file pages asked of the buffer cache at once */

/* Data bytes [x, x + ex->len) from the buffer cache: whole pages that line up with a whole guest
 * page are kept to be mapped on delivery, the rest copied into the bounce buffer; pages the
 * cache could not read are read the ordinary way. */
static int read_cached(struct virtio_blk *d, struct blk_req *r, uint64_t x, const struct blk_extent *ex)
{
    struct blk *b = d->b;
    struct blk_share_stats *st = &b->share;
    struct bufcache_file id = {.dev = ex->dev, .ino = ex->ino, .size = ex->file_size, .mtime_ns = ex->mtime_ns};
    if (bufcache_file_users(d->bc, &id) < 2) {
        /* nobody to share it with: read past the cache */
        atomic_fetch_add_explicit(&st->direct, ex->len, memory_order_relaxed);
        return b->ops->read(b, r->off + x, r->buf + x, ex->len);
    }
    uint64_t fo = ex->file_off, end = fo + ex->len;
    uint64_t p = fo >> MACH_PAGE_BITS, pend = (end + MACH_PAGE_SIZE - 1) >> MACH_PAGE_BITS;
    int rc = 0;
    while (p < pend) {
        uint32_t n = pend - p < CACHE_RUN ? (uint32_t)(pend - p) : CACHE_RUN;
        mpn_t ms[CACHE_RUN];
        uint64_t got = 0;
        bufcache_get(d->bc, &id, ex->fd, p, n, ms, &got);
        atomic_fetch_add_explicit(&st->host, got, memory_order_relaxed);
        for (uint32_t i = 0; i < n; i++) {
            uint64_t pstart = (p + i) << MACH_PAGE_BITS;
            uint64_t lo = fo > pstart ? fo : pstart;
            uint64_t hi = end < pstart + MACH_PAGE_SIZE ? end : pstart + MACH_PAGE_SIZE;
            uint64_t xx = x + (lo - fo), len = hi - lo, gpa;
            if (ms[i] == MPN_NONE || rc < 0) {
                /* not in the cache (or an earlier page failed: just let go) */
                if (rc == 0) {
                    rc = b->ops->read(b, r->off + xx, r->buf + xx, len);
                    atomic_fetch_add_explicit(&st->direct, len, memory_order_relaxed);
                }
                if (ms[i] != MPN_NONE)
                    machmem_put(d->mm, ms[i]);
                continue;
            }
            if (len == MACH_PAGE_SIZE && guest_page_at(r->e, xx, &gpa)) {
                if (!r->maps) {
                    r->maps = malloc((r->len / MACH_PAGE_SIZE + 1) * sizeof(*r->maps));
                    r->mm = d->mm;
                }
                if (r->maps) {
                    r->maps[r->nmaps++] = (struct blk_map){.x = xx, .m = ms[i]};
                    continue;
                }
            }
            memcpy(r->buf + xx, machmem_page(d->mm, ms[i]) + (lo & (MACH_PAGE_SIZE - 1)), len);
            atomic_fetch_add_explicit(&st->copied, len, memory_order_relaxed);
            machmem_put(d->mm, ms[i]);
        }
        p += n;
    }
    return rc;
}

/* A read through the buffer cache: extent by extent, shareable bytes from the cache, the rest
 * (the writable top image, zero clusters, ...) from the backend. */
static int read_shared(struct virtio_blk *d, struct blk_req *r)
{
    struct blk *b = d->b;
    for (uint64_t x = 0; x < r->len;) {
        struct blk_extent ex;
        int rc = blk_extent(b, r->off + x, r->len - x, &ex);
        if (rc == -ENOTSUP) {
            ex = (struct blk_extent){.len = r->len - x, .fd = -1};
            rc = 0;
        }
        if (rc < 0)
            return rc;
        if (ex.len == 0 || ex.len > r->len - x || ex.len % BLK_SECTOR)
            return -EIO;
        if (ex.fd >= 0) {
            rc = read_cached(d, r, x, &ex);
        } else {
            rc = b->ops->read(b, r->off + x, r->buf + x, ex.len);
            atomic_fetch_add_explicit(&b->share.direct, ex.len, memory_order_relaxed);
        }
        if (rc < 0)
            return rc;
        x += ex.len;
    }
    return 0;
}

static void blk_run(struct virtio_blk *d, struct blk_req *r)
{
    struct blk *b = d->b;
    int rc = -ENOTSUP;
    switch (r->type) {
    case VIRTIO_BLK_T_IN:
        atomic_fetch_add_explicit(&b->share.reads, 1, memory_order_relaxed);
        if (r->iov) {
            rc = blk_readv(b, r->off, r->iov, r->niov, r->len);
            atomic_fetch_add_explicit(&b->share.direct, r->len, memory_order_relaxed);
        } else if (d->bc && r->len) {
            rc = read_shared(d, r);
        } else {
            rc = b->ops->read(b, r->off, r->buf, r->len);
            atomic_fetch_add_explicit(&b->share.direct, r->len, memory_order_relaxed);
        }
        break;
    case VIRTIO_BLK_T_OUT:
        rc = r->iov ? blk_writev(b, r->off, r->iov, r->niov, r->len) : b->ops->write(b, r->off, r->buf, r->len);
        break;
    case VIRTIO_BLK_T_FLUSH:
        /* cache=unsafe ignores the guest's flushes (QEMU's cache=unsafe) in devices/block,
         * which still counts them and writes qcow2 metadata in order, without fdatasync. */
        rc = b->ops->flush(b);
        if (d->early_failed) {
            rc = rc ? rc : -EIO;
            d->early_failed = false;
        }
        break;
    case VIRTIO_BLK_T_DISCARD:
        if (b->ops->discard)
            rc = b->ops->discard(b, r->off, r->len);
        break;
    case VIRTIO_BLK_T_WRITE_ZEROES:
        if (b->ops->write_zeroes)
            rc = b->ops->write_zeroes(b, r->off, r->len, r->unmap);
        break;
    }
    /* No write cache offered: what changed the disk is on stable storage before it completes. */
    if (!rc && r->type != VIRTIO_BLK_T_IN && r->type != VIRTIO_BLK_T_FLUSH && blk_cache_writethrough(b->cache))
        rc = b->ops->flush(b);
    r->status = blk_status(rc);
}

static void *blk_thread(void *arg)
{
    struct virtio_blk *d = arg;
    pthread_mutex_lock(&d->lock);
    for (;;) {
        while (!d->todo && !d->quit)
            pthread_cond_wait(&d->work, &d->lock);
        if (!d->todo)
            break;
        struct blk_req *r = d->todo;
        d->todo = r->next;
        if (!d->todo)
            d->todo_tail = &d->todo;
        pthread_mutex_unlock(&d->lock);

        blk_run(d, r);
        if (r->early && r->status != VIRTIO_BLK_S_OK)
            d->early_failed = true;

        pthread_mutex_lock(&d->lock);
        r->next = NULL;
        *d->done_tail = r;
        d->done_tail = &r->next;
        d->busy--;
        if (!d->busy)
            pthread_cond_broadcast(&d->idle);
        atomic_store_explicit(&d->has_done, true, memory_order_release);
        pthread_mutex_unlock(&d->lock);
        /* Synchronous (deterministic) devices are waited for by the vCPU thread itself: no
         * kick, so nothing but guest state decides when the vCPU looks at the board. */
        if (d->host.kick && !d->host.synchronous)
            d->host.kick(d->host.ctx);
        pthread_mutex_lock(&d->lock);
    }
    pthread_mutex_unlock(&d->lock);
    return NULL;
}

/* ---- the vCPU side ---------------------------------------------------------------------- */

/* Status byte, used element, interrupt: the request is over for the guest. */
static void blk_complete(struct virtio_blk *d, struct blk_req *r, uint32_t data_written)
{
    struct virtio_pci *vp = &d->vp;
    struct virtq_elem *e = r->e;
    if (virtq_copy_to(d->pm, e, e->in_bytes - 1, &r->status, 1) != 1 ||
        virtq_push(&vp->vq[0], e->head, data_written + 1) < 0) {
        virtio_pci_broken(vp, "a request's status or the used ring is no longer writable");
        return;
    }
    virtio_pci_queue_done(vp, 0);
}

static void blk_submit(struct virtio_blk *d, struct blk_req *r)
{
    d->inflight++;
    d->inflight_bytes += r->buf || r->iov ? r->len : 0;
    pthread_mutex_lock(&d->lock);
    r->next = NULL;
    *d->todo_tail = r;
    d->todo_tail = &r->next;
    d->busy++;
    pthread_cond_signal(&d->work);
    pthread_mutex_unlock(&d->lock);
}

/* Whether sectors [sector, sector + bytes/512) are on the disk. */
static bool blk_in_range(const struct virtio_blk *d, uint64_t sector, uint64_t bytes)
{
    uint64_t size = d->b->size;
    return sector <= size / BLK_SECTOR && bytes <= size - sector * BLK_SECTOR;
}

/* The pmap page behind guest-physical gpa, if it is RAM of a pmap. */
static bool guest_ram_page(const struct physmap *pm, uint64_t gpa, struct pmap **p, uint32_t *gpfn)
{
    const struct mem_region *r = physmap_find(pm, gpa);
    if (!r || !r->pmap || gpa - r->base + MACH_PAGE_SIZE > r->size)
        return false;
    *p = r->pmap;
    *gpfn = r->first_page + (uint32_t)((gpa - r->base) >> MACH_PAGE_BITS);
    return true;
}

/* Whether a read may find bytes another drive of the monitor reads too (the buffer cache then
 * serves it, mapping pages where it can, so it goes through the bounce buffer). */
static bool blk_sharing(struct virtio_blk *d)
{
    for (unsigned i = 0; d->bc && i < d->nfiles; i++)
        if (bufcache_file_users(d->bc, &d->files[i]) >= 2)
            return true;
    return false;
}

/*
 * Sets up an IN or OUT request's data as the guest's own pages (a preadv / pwritev on the I/O
 * thread, no bounce buffer and no copy on the vCPU thread): every page of the data pinned in
 * the VM's pmap (made private first for IN), its bytes as RAM-view addresses, neighbours in one
 * iovec entry. A pinned page keeps its machine page until the request is freed: page sharing,
 * the balloon and the buffer cache's mapping leave it alone, so the transfer lands where the
 * guest will look. False (nothing pinned) when some byte is not in a pmap's RAM: then the
 * request bounces as before.
 */
static bool blk_direct(struct virtio_blk *d, struct blk_req *r, bool in)
{
    struct virtq_elem *e = r->e;
    unsigned first = in ? e->n_out : 0, nseg = in ? e->n_in : e->n_out;
    uint64_t skip = in ? 0 : 16, left = r->len; /* OUT: past the header */
    unsigned maxp = (unsigned)(r->len >> MACH_PAGE_BITS) + 2 * nseg + 1;
    r->iov = malloc(maxp * sizeof(*r->iov));
    r->pins = malloc(maxp * sizeof(*r->pins));
    for (unsigned k = first; r->iov && r->pins && k < first + nseg && left; k++) {
        const struct virtq_seg *sg = &e->seg[k];
        if (skip >= sg->len) {
            skip -= sg->len;
            continue;
        }
        uint64_t gpa = sg->gpa + skip, n = sg->len - skip < left ? sg->len - skip : left;
        skip = 0;
        while (n) {
            uint64_t po = gpa & (MACH_PAGE_SIZE - 1), c = MACH_PAGE_SIZE - po < n ? MACH_PAGE_SIZE - po : n;
            struct pmap *p;
            uint32_t g;
            if (r->npins == maxp || !guest_ram_page(d->pm, gpa - po, &p, &g) || (r->pp && p != r->pp))
                goto undo;
            uint8_t *h = pmap_pin(p, g, in);
            if (!h)
                goto undo;
            r->pp = p;
            r->pins[r->npins++] = g;
            h += po;
            struct iovec *last = r->niov ? &r->iov[r->niov - 1] : NULL;
            if (last && (uint8_t *)last->iov_base + last->iov_len == h)
                last->iov_len += c;
            else
                r->iov[r->niov++] = (struct iovec){.iov_base = h, .iov_len = c};
            gpa += c;
            n -= c;
            left -= c;
        }
    }
    if (r->iov && r->pins && !left)
        return true;
undo:
    for (unsigned i = 0; i < r->npins; i++)
        pmap_unpin(r->pp, r->pins[i]);
    free(r->iov);
    free(r->pins);
    r->iov = NULL;
    r->pins = NULL;
    r->niov = 0;
    r->npins = 0;
    r->pp = NULL;
    return false;
}

/* A direct IN wrote guest RAM behind the translator's back: the write hook (code invalidation),
 * segment by segment, as a copy through the physmap would have called it. */
static void blk_direct_written(struct virtio_blk *d, struct blk_req *r)
{
    struct physmap *pm = d->pm;
    const struct virtq_elem *e = r->e;
    uint64_t left = r->len;
    for (unsigned k = e->n_out; pm->write_hook && k < e->n_out + e->n_in && left; k++) {
        uint64_t n = e->seg[k].len < left ? e->seg[k].len : left;
        pm->write_hook(pm->write_hook_opaque, physmap_canon(pm, e->seg[k].gpa), n);
        left -= n;
    }
}

/*
 * Turns a popped chain into a request. Returns 1 to submit it to the I/O thread, 0 if it was
 * answered here (an error or GET_ID), -1 if the device broke.
 */
static int blk_parse(struct virtio_blk *d, struct blk_req *r)
{
    struct virtq_elem *e = r->e;
    if (e->in_bytes < 1) {
        virtio_pci_broken(&d->vp, "a request without a status byte");
        return -1;
    }
    uint8_t hdr[16];
    if (e->out_bytes < sizeof(hdr) || virtq_copy_from(d->pm, e, 0, hdr, sizeof(hdr)) != sizeof(hdr)) {
        r->status = VIRTIO_BLK_S_IOERR;
        return 0;
    }
    uint64_t sector;
    memcpy(&r->type, hdr, 4);
    memcpy(&sector, hdr + 8, 8);
    uint64_t out_data = e->out_bytes - sizeof(hdr), in_data = e->in_bytes - 1;
    r->status = VIRTIO_BLK_S_IOERR;
    switch (r->type) {
    case VIRTIO_BLK_T_IN:
    case VIRTIO_BLK_T_OUT: {
        bool in = r->type == VIRTIO_BLK_T_IN;
        uint64_t len = in ? in_data : out_data;
        if (len % BLK_SECTOR || len > REQ_MAX_BYTES || !blk_in_range(d, sector, len))
            return 0;
        if (!in && d->b->readonly)
            return 0;
        r->off = sector * BLK_SECTOR;
        r->len = len;
        r->early = !in && len && !d->host.synchronous && !blk_cache_writethrough(d->b->cache) &&
                   d->early_bytes + len <= WRITEBACK_MAX_BYTES;
        if (len && !r->early && (!in || !blk_sharing(d)) && blk_direct(d, r, in))
            return 1;
        r->buf = pool_get(&d->pool, len ? len : BLK_SECTOR, &r->cap);
        if (!r->buf)
            return 0;
        r->pool = &d->pool;
        if (!in && virtq_copy_from(d->pm, e, sizeof(hdr), r->buf, len) != (long)len)
            return 0;
        return 1;
    }
    case VIRTIO_BLK_T_FLUSH:
        return 1;
    case VIRTIO_BLK_T_GET_ID: {
        uint64_t n = in_data < VIRTIO_BLK_ID_BYTES ? in_data : VIRTIO_BLK_ID_BYTES;
        if (virtq_copy_to(d->pm, e, 0, d->serial, n) != (long)n)
            return 0;
        r->len = n;
        r->status = VIRTIO_BLK_S_OK;
        return 0;
    }
    case VIRTIO_BLK_T_DISCARD:
    case VIRTIO_BLK_T_WRITE_ZEROES: {
        bool wz = r->type == VIRTIO_BLK_T_WRITE_ZEROES;
        uint32_t feature = wz ? VIRTIO_BLK_F_WRITE_ZEROES : VIRTIO_BLK_F_DISCARD;
        if (!(d->vp.host_features & (1u << feature))) {
            r->status = VIRTIO_BLK_S_UNSUPP;
            return 0;
        }
        /* One segment {sector, num_sectors, flags} (max_*_seg is 1 in the config). */
        uint8_t seg[16];
        if (out_data != sizeof(seg) || virtq_copy_from(d->pm, e, sizeof(hdr), seg, sizeof(seg)) != sizeof(seg))
            return 0;
        uint64_t s;
        uint32_t n, flags;
        memcpy(&s, seg, 8);
        memcpy(&n, seg + 8, 4);
        memcpy(&flags, seg + 12, 4);
        if ((flags & ~VIRTIO_BLK_WZ_UNMAP) || (!wz && flags)) {
            r->status = VIRTIO_BLK_S_UNSUPP;
            return 0;
        }
        if (d->b->readonly || n > DISCARD_MAX_SECTORS || !blk_in_range(d, s, (uint64_t)n * BLK_SECTOR))
            return 0;
        r->off = s * BLK_SECTOR;
        r->len = (uint64_t)n * BLK_SECTOR;
        r->unmap = flags & VIRTIO_BLK_WZ_UNMAP;
        return 1;
    }
    default:
        r->status = VIRTIO_BLK_S_UNSUPP;
        return 0;
    }
}

/* Takes what the driver made available, as far as the in-flight budget allows. */
static void blk_process(struct virtio_blk *d)
{
    struct virtio_pci *vp = &d->vp;
    struct virtq *q = &vp->vq[0];
    while (virtq_ready(q) && !(vp->status & VIRTIO_CONFIG_S_NEEDS_RESET)) {
        struct blk_req *r = d->held;
        d->held = NULL;
        if (!r) {
            r = calloc(1, sizeof(*r));
            struct virtq_elem *e = r ? malloc(sizeof(*e)) : NULL;
            if (!e) {
                free(r);
                return; /* host out of memory: the chain stays available, a later kick retries */
            }
            r->e = e;
            const char *why = NULL;
            enum virtq_pop got = virtq_pop(q, e, &why);
            if (got != VIRTQ_GOT) {
                req_free(r);
                if (got == VIRTQ_BROKEN)
                    virtio_pci_broken(vp, why);
                return;
            }
            int rc = blk_parse(d, r);
            if (rc < 0) {
                req_free(r);
                return;
            }
            if (rc == 0) {
                blk_complete(d, r, r->type == VIRTIO_BLK_T_GET_ID && r->status == VIRTIO_BLK_S_OK ? (uint32_t)r->len : 0);
                req_free(r);
                continue;
            }
        }
        uint64_t bounce = r->buf || r->iov ? r->len : 0;
        if (d->inflight && d->inflight_bytes + bounce > INFLIGHT_MAX_BYTES) {
            d->held = r;
            return;
        }
        if (r->early) {
            /* The data is copied out of the guest: the request is over for it at the vCPU's
             * next look at the board (not from inside the notify), and written behind. */
            struct blk_req *ack = calloc(1, sizeof(*ack));
            if (ack) {
                ack->e = r->e;
                r->e = NULL;
                ack->status = VIRTIO_BLK_S_OK;
                *d->acks_tail = ack;
                d->acks_tail = &ack->next;
                d->early_bytes += r->len;
                if (d->host.kick)
                    d->host.kick(d->host.ctx);
            } else {
                r->early = false; /* completed when written, as any other */
            }
        }
        blk_submit(d, r);
    }
}

/* Copies machine pages [m, m + n) to the request's data from byte x. */
static bool copy_pages(struct virtio_blk *d, struct blk_req *r, uint64_t x, mpn_t m, unsigned n)
{
    for (unsigned k = 0; k < n; k++)
        if (virtq_copy_to(d->pm, r->e, x + (uint64_t)k * MACH_PAGE_SIZE, machmem_page(d->mm, m + k),
                          MACH_PAGE_SIZE) != MACH_PAGE_SIZE)
            return false;
    atomic_fetch_add_explicit(&d->b->share.copied, (uint64_t)n * MACH_PAGE_SIZE, memory_order_relaxed);
    return true;
}

/*
 * A read's data into guest RAM (vCPU thread): buffer-cache pages mapped copy-on-write where the
 * I/O thread found whole guest pages for them, the rest copied from the bounce buffer. Mapping
 * replaces the guest's page, so its software-TLB entries are shot down and its translations
 * dropped (pmap_map_cow_run, the write hook), as for any DMA. A run of consecutive guest pages
 * getting consecutive machine pages is one remap of the RAM view (a host mmap each is what
 * mapping costs). A page that already maps another file page copy-on-write is a buffer the guest
 * reads into again and again (O_DIRECT into one user buffer): remapping it each time would cost a
 * host mmap per page per read, so it is copied (its copy-on-write break brings it home once) and
 * remembered, and every later read into it is a plain copy. (A page-cache page the guest reuses
 * for other data is then copied too: some sharing lost, never correctness.)
 */
static bool deliver_read(struct virtio_blk *d, struct blk_req *r)
{
    struct blk_share_stats *st = &d->b->share;
    uint64_t pos = 0;
    for (unsigned i = 0; i < r->nmaps;) {
        struct blk_map *mp = &r->maps[i];
        if (mp->x > pos && virtq_copy_to(d->pm, r->e, pos, r->buf + pos, mp->x - pos) != (long)(mp->x - pos))
            return false;
        uint64_t gpa = 0;
        struct pmap *p = NULL;
        uint32_t g = 0;
        bool ram = guest_page_at(r->e, mp->x, &gpa) && guest_ram_page(d->pm, gpa, &p, &g);
        bool cow = false;
        mpn_t cur = ram ? pmap_lookup(p, g, &cow) : PMAP_NONE;
        unsigned n = 1;
        bool ok;
        if (ram && !d->reread && p->npages) {
            d->reread = calloc((p->npages + 7) / 8, 1);
            d->reread_pages = d->reread ? p->npages : 0;
        }
        bool reused = ram && g < d->reread_pages && (d->reread[g / 8] & (1u << (g % 8)));
        if (ram && !reused && cow && cur != mp->m && (machmem_info(d->mm, cur).flags & MPAGE_FILE)) {
            reused = true;
            if (g < d->reread_pages)
                d->reread[g / 8] |= (uint8_t)(1u << (g % 8));
        }
        if (ram && cow && cur == mp->m) {
            atomic_fetch_add_explicit(&st->mapped, MACH_PAGE_SIZE, memory_order_relaxed); /* already there */
            ok = true;
        } else if (ram && !reused) {
            uint64_t g2;
            while (i + n < r->nmaps && r->maps[i + n].x == mp->x + (uint64_t)n * MACH_PAGE_SIZE &&
                   r->maps[i + n].m == mp->m + n && guest_page_at(r->e, r->maps[i + n].x, &g2) &&
                   g2 == gpa + (uint64_t)n * MACH_PAGE_SIZE)
                n++;
            if (physmap_map_cow(d->pm, gpa, mp->m, n) == 0) {
                atomic_fetch_add_explicit(&st->mapped, (uint64_t)n * MACH_PAGE_SIZE, memory_order_relaxed);
                ok = true;
            } else {
                /* not one RAM region after all, or no room for more mappings: copied */
                ok = copy_pages(d, r, mp->x, mp->m, n);
            }
        } else {
            ok = copy_pages(d, r, mp->x, mp->m, 1);
        }
        for (unsigned k = 0; k < n; k++) {
            machmem_put(d->mm, r->maps[i + k].m);
            r->maps[i + k].m = MPN_NONE;
        }
        if (!ok)
            return false;
        pos = mp->x + (uint64_t)n * MACH_PAGE_SIZE;
        i += n;
    }
    return pos >= r->len || virtq_copy_to(d->pm, r->e, pos, r->buf + pos, r->len - pos) == (long)(r->len - pos);
}

/* Hands what the I/O thread finished to the guest; false if there was nothing. */
static bool blk_deliver(struct virtio_blk *d)
{
    if (!atomic_exchange_explicit(&d->has_done, false, memory_order_acquire))
        return false;
    pthread_mutex_lock(&d->lock);
    struct blk_req *list = d->done;
    d->done = NULL;
    d->done_tail = &d->done;
    pthread_mutex_unlock(&d->lock);
    if (!list)
        return false;
    while (list) {
        struct blk_req *r = list;
        list = r->next;
        d->inflight--;
        d->inflight_bytes -= r->buf || r->iov ? r->len : 0;
        if (r->early) {
            /* the guest had its completion when the request was queued */
            d->early_bytes -= r->len;
            req_free(r);
            continue;
        }
        uint32_t data = 0;
        if (r->type == VIRTIO_BLK_T_IN && r->iov) {
            blk_direct_written(d, r);
            if (r->status == VIRTIO_BLK_S_OK)
                data = (uint32_t)r->len;
        } else if (r->type == VIRTIO_BLK_T_IN && r->status == VIRTIO_BLK_S_OK) {
            if (!deliver_read(d, r))
                r->status = VIRTIO_BLK_S_IOERR;
            else
                data = (uint32_t)r->len;
        }
        if (!(d->vp.status & VIRTIO_CONFIG_S_NEEDS_RESET))
            blk_complete(d, r, data);
        req_free(r);
    }
    return true;
}

static void blk_wait_idle(struct virtio_blk *d)
{
    pthread_mutex_lock(&d->lock);
    while (d->busy)
        pthread_cond_wait(&d->idle, &d->lock);
    pthread_mutex_unlock(&d->lock);
}

/* Completes the early writes queued since the last poll. */
static void blk_ack(struct virtio_blk *d)
{
    struct blk_req *list = d->acks;
    d->acks = NULL;
    d->acks_tail = &d->acks;
    while (list) {
        struct blk_req *a = list;
        list = a->next;
        if (!(d->vp.status & VIRTIO_CONFIG_S_NEEDS_RESET))
            blk_complete(d, a, 0);
        req_free(a);
    }
}

void virtio_blk_poll(struct virtio_blk *d)
{
    if (d->acks)
        blk_ack(d);
    /* Room in the budget again: take what waited. */
    if (blk_deliver(d))
        blk_process(d);
}

unsigned virtio_blk_inflight(const struct virtio_blk *d)
{
    return d->inflight;
}

static void blk_notify(void *dev, unsigned q)
{
    struct virtio_blk *d = dev;
    if (q != 0)
        return;
    blk_process(d);
    /* Deterministic runs: the I/O thread still does the I/O, but the guest sees every request
     * done when its notify returns, so when it completes depends on guest state only. */
    while (d->host.synchronous && d->inflight) {
        blk_wait_idle(d);
        blk_deliver(d);
        blk_process(d);
    }
}

static uint32_t blk_config_read(void *dev, unsigned off, unsigned size)
{
    struct virtio_blk *d = dev;
    uint32_t v = 0;
    memcpy(&v, d->config + off, size);
    return v;
}

static void blk_config_write(void *dev, unsigned off, uint32_t val, unsigned size)
{
    (void)dev; /* nothing is writable without VIRTIO_BLK_F_CONFIG_WCE */
    (void)off;
    (void)val;
    (void)size;
}

/* Waits for the I/O thread to finish what it has, then drops every request. */
static void blk_reset(void *dev)
{
    struct virtio_blk *d = dev;
    blk_wait_idle(d);
    pthread_mutex_lock(&d->lock);
    struct blk_req *list = d->done;
    d->done = NULL;
    d->done_tail = &d->done;
    pthread_mutex_unlock(&d->lock);
    while (list) {
        struct blk_req *r = list;
        list = r->next;
        if (r->type == VIRTIO_BLK_T_IN && r->iov)
            blk_direct_written(d, r);
        req_free(r);
    }
    req_free(d->held);
    d->held = NULL;
    while (d->acks) {
        struct blk_req *a = d->acks;
        d->acks = a->next;
        req_free(a);
    }
    d->acks_tail = &d->acks;
    d->inflight = 0;
    d->inflight_bytes = 0;
    d->early_bytes = 0;
    d->early_failed = false; /* a reset loses the cache's error with its contents */
}

static const struct virtio_dev_ops blk_dev_ops = {
    .notify = blk_notify,
    .config_read = blk_config_read,
    .config_write = blk_config_write,
    .reset = blk_reset,
};

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

int virtio_blk_create(struct virtio_blk **out, struct physmap *pm, struct blk *b, const char *serial,
                      const struct virtio_host *host)
{
    struct virtio_blk *d = calloc(1, sizeof(*d));
    if (!d)
        return -ENOMEM;
    d->pm = pm;
    d->b = b;
    /* The buffer cache of the pool the VM's RAM is in, when the backend can say where its bytes
     * come from (an image opened by blk_open). */
    for (unsigned i = 0; i < pm->n && !d->mm; i++)
        if (pm->r[i].pmap)
            d->mm = pm->r[i].pmap->mm;
    struct blk_extent probe;
    if (d->mm && b->ops->extent && b->size && blk_extent(b, 0, BLK_SECTOR, &probe) != -ENOTSUP)
        d->bc = bufcache_of(d->mm);
    if (d->bc) {
        struct blk_extent f[8];
        int n = blk_shareable_files(b, f, 8);
        for (int i = 0; i < n; i++) {
            d->files[i] = (struct bufcache_file){.dev = f[i].dev, .ino = f[i].ino, .size = f[i].file_size,
                                                 .mtime_ns = f[i].mtime_ns};
            bufcache_file_open(d->bc, &d->files[i]);
        }
        d->nfiles = n > 0 ? (unsigned)n : 0;
    }
    if (host)
        d->host = *host;
    if (serial)
        memcpy(d->serial, serial, strnlen(serial, sizeof(d->serial))); /* not terminated when 20 long */
    d->todo_tail = &d->todo;
    d->done_tail = &d->done;
    d->acks_tail = &d->acks;

    uint32_t f = 1u << VIRTIO_BLK_F_SIZE_MAX | 1u << VIRTIO_BLK_F_SEG_MAX | 1u << VIRTIO_BLK_F_BLK_SIZE |
                 1u << VIRTIO_RING_F_INDIRECT_DESC;
    /* Without FLUSH Linux treats the disk as write-through (drivers/block/virtio_blk.c
     * virtblk_get_cache_mode), as on QEMU with cache.writeback=off. */
    if (!blk_cache_writethrough(b->cache))
        f |= 1u << VIRTIO_BLK_F_FLUSH;
    if (b->readonly)
        f |= 1u << VIRTIO_BLK_F_RO;
    if (!b->readonly && b->ops->discard)
        f |= 1u << VIRTIO_BLK_F_DISCARD;
    if (!b->readonly && b->ops->write_zeroes)
        f |= 1u << VIRTIO_BLK_F_WRITE_ZEROES;

    uint64_t cap = b->size / BLK_SECTOR;
    memcpy(d->config + CFG_CAPACITY, &cap, 8);
    put32(d->config + CFG_SIZE_MAX, SIZE_MAX_BYTES);
    put32(d->config + CFG_SEG_MAX, SEG_MAX);
    put32(d->config + CFG_BLK_SIZE, BLK_SECTOR);
    d->config[CFG_NUM_QUEUES] = 1;
    put32(d->config + CFG_MAX_DISCARD_SECTORS, DISCARD_MAX_SECTORS);
    put32(d->config + CFG_MAX_DISCARD_SEG, 1);
    put32(d->config + CFG_DISCARD_ALIGN, DISCARD_ALIGN_SECTORS);
    put32(d->config + CFG_MAX_WZ_SECTORS, DISCARD_MAX_SECTORS);
    put32(d->config + CFG_MAX_WZ_SEG, 1);
    d->config[CFG_WZ_MAY_UNMAP] = 1;

    /* Class 0x0100 (SCSI storage controller), as QEMU's virtio-blk-pci. */
    virtio_pci_init(&d->vp, pm, VIRTIO_PCI_DEVICE_BLK, VIRTIO_ID_BLOCK, 0x010000, f, 1, QUEUE_SIZE, CFG_LEN,
                    &blk_dev_ops, d);

    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->work, NULL);
    pthread_cond_init(&d->idle, NULL);
    int rc = pthread_create(&d->thread, NULL, blk_thread, d);
    if (rc) {
        virtio_blk_destroy(d);
        return -rc;
    }
    d->thread_started = true;
    *out = d;
    return 0;
}

void virtio_blk_destroy(struct virtio_blk *d)
{
    if (!d)
        return;
    if (d->thread_started) {
        pthread_mutex_lock(&d->lock);
        d->quit = true;
        pthread_cond_signal(&d->work);
        pthread_mutex_unlock(&d->lock);
        pthread_join(d->thread, NULL);
    }
    blk_reset(d);
    for (unsigned i = 0; i < d->nfiles; i++)
        bufcache_file_close(d->bc, &d->files[i]);
    free(d->reread);
    pool_drain(&d->pool);
    pthread_cond_destroy(&d->work);
    pthread_cond_destroy(&d->idle);
    pthread_mutex_destroy(&d->lock);
    free(d);
}

struct virtio_pci *virtio_blk_pci(struct virtio_blk *d)
{
    return &d->vp;
}
