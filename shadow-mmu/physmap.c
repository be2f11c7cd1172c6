/*
 * The VM's guest-physical address space: a sorted array of non-overlapping
 * regions, each RAM (a window onto pages of the VM's pmap), host-buffer
 * memory (ROM, flash) or a device's register ops. The set of regions is
 * fixed when the board is built, so a binary search over a small array is
 * all the lookup needs. Unassigned space reads as 0 and drops writes, like
 * the Malta's silent empty slots (QEMU hw/mips/malta.c covers
 * 0-0x1FFFFFFF with one); devices that need all-ones for master aborts
 * register their own window.
 *
 * Host accesses to RAM (loader, YAMON, DMA) go page by page through the
 * pmap: a write breaks copy-on-write first, and every write of memory -
 * copies, zeroing, discards, RAM stores through the io path - calls the
 * write hook with the canonical address, so translations of what it
 * overwrites die whichever alias it came through.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "shadow-mmu/shadow_mmu.h"

static int physmap_insert(struct physmap *pm, const struct mem_region *nr)
{
    if (nr->size == 0 || nr->base + nr->size < nr->base)
        return -EINVAL;
    if (pm->n >= PHYSMAP_MAX_REGIONS)
        return -ENOSPC;
    unsigned pos = 0;
    while (pos < pm->n && pm->r[pos].base < nr->base)
        pos++;
    if (pos > 0 && pm->r[pos - 1].base + pm->r[pos - 1].size > nr->base)
        return -EEXIST;
    if (pos < pm->n && nr->base + nr->size > pm->r[pos].base)
        return -EEXIST;
    memmove(&pm->r[pos + 1], &pm->r[pos], (pm->n - pos) * sizeof(pm->r[0]));
    pm->r[pos] = *nr;
    pm->n++;
    return 0;
}

int physmap_add_ram(struct physmap *pm, const char *name, gpa_t base, uint64_t size, uint8_t *host,
                    bool readonly)
{
    if (!host)
        return -EINVAL;
    struct mem_region r = {.name = name, .base = base, .size = size, .host = host, .readonly = readonly};
    return physmap_insert(pm, &r);
}

int physmap_add_pmap(struct physmap *pm, const char *name, gpa_t base, uint64_t size, struct pmap *p,
                     uint32_t first_page)
{
    if (!p || ((base | size) & (MACH_PAGE_SIZE - 1)) || first_page > p->npages ||
        (size >> MACH_PAGE_BITS) > p->npages - first_page)
        return -EINVAL;
    struct mem_region r = {.name = name, .base = base, .size = size, .pmap = p, .first_page = first_page};
    return physmap_insert(pm, &r);
}

int physmap_add_mmio(struct physmap *pm, const char *name, gpa_t base, uint64_t size,
                     const struct mem_region_ops *ops, void *opaque)
{
    if (!ops)
        return -EINVAL;
    struct mem_region r = {.name = name, .base = base, .size = size, .ops = ops, .opaque = opaque};
    return physmap_insert(pm, &r);
}

const struct mem_region *physmap_find(const struct physmap *pm, gpa_t pa)
{
    unsigned lo = 0, hi = pm->n;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        const struct mem_region *r = &pm->r[mid];
        if (pa < r->base)
            hi = mid;
        else if (pa - r->base >= r->size)
            lo = mid + 1;
        else
            return r;
    }
    return NULL;
}

static inline uint32_t region_gpfn(const struct mem_region *r, gpa_t pa)
{
    return r->first_page + (uint32_t)((pa - r->base) >> MACH_PAGE_BITS);
}

static gpa_t region_canon(const struct mem_region *r, gpa_t pa)
{
    if (!r->pmap)
        return pa;
    return r->pmap->canon_base + ((gpa_t)region_gpfn(r, pa) << MACH_PAGE_BITS) + (pa & (MACH_PAGE_SIZE - 1));
}

gpa_t physmap_canon(const struct physmap *pm, gpa_t pa)
{
    const struct mem_region *r = physmap_find(pm, pa);
    return r ? region_canon(r, pa) : pa;
}

/* The region holding all of [pa, pa+len), if it is memory. */
static const struct mem_region *mem_range(const struct physmap *pm, gpa_t pa, uint64_t len)
{
    const struct mem_region *r = physmap_find(pm, pa);
    if (!r || !mem_region_is_mem(r) || len > r->size - (pa - r->base))
        return NULL;
    return r;
}

bool physmap_is_mem(const struct physmap *pm, gpa_t pa, uint64_t len)
{
    return mem_range(pm, pa, len) != NULL;
}

uint8_t *physmap_host(const struct physmap *pm, gpa_t pa, uint64_t len)
{
    const struct mem_region *r = mem_range(pm, pa, len);
    if (!r)
        return NULL;
    if (r->host)
        return r->host + (pa - r->base);
    if (len > MACH_PAGE_SIZE - (pa & (MACH_PAGE_SIZE - 1)))
        return NULL;
    uint8_t *page = pmap_page(r->pmap, region_gpfn(r, pa), false, NULL);
    return page ? page + (pa & (MACH_PAGE_SIZE - 1)) : NULL;
}

int physmap_page(struct physmap *pm, gpa_t pa, bool write, struct physmap_page *out)
{
    const struct mem_region *r = physmap_find(pm, pa);
    if (!r || !mem_region_is_mem(r))
        return -ENOENT;
    out->r = r;
    out->readonly = r->readonly;
    out->canon = region_canon(r, pa);
    gpa_t page = pa & ~(gpa_t)(MACH_PAGE_SIZE - 1);
    if (r->host) {
        out->cow = false;
        out->host = r->host + (pa - r->base) - (pa - page);
        out->whole = page >= r->base && page - r->base + MACH_PAGE_SIZE <= r->size;
        return 0;
    }
    out->whole = true;
    out->host = pmap_page(r->pmap, region_gpfn(r, pa), write, &out->cow);
    return out->host ? 0 : -ENOMEM;
}

int physmap_map_cow(struct physmap *pm, gpa_t pa, mpn_t m, uint32_t n)
{
    const struct mem_region *r = mem_range(pm, pa, (uint64_t)n << MACH_PAGE_BITS);
    if (!r || !r->pmap || (pa & (MACH_PAGE_SIZE - 1)) || n == 0)
        return -EFAULT;
    int rc = pmap_map_cow_run(r->pmap, region_gpfn(r, pa), m, n);
    if (rc == 0 && pm->write_hook)
        pm->write_hook(pm->write_hook_opaque, region_canon(r, pa), (uint64_t)n << MACH_PAGE_BITS);
    return rc;
}

/* What a host access does to each piece of a range, within one page of RAM or one host buffer. */
enum host_op { OP_WRITE, OP_ZERO, OP_READ };

/* Guest RAM as the host sees it: the guest's own bytes, not the monitor's state (no TSan). */
static MEM_NO_TSAN void host_copy(enum host_op op, uint8_t *h, uint8_t *buf, uint64_t n)
{
    switch (op) {
    case OP_WRITE: memcpy(h, buf, n); break;
    case OP_ZERO: memset(h, 0, n); break;
    case OP_READ: memcpy(buf, h, n); break;
    }
}

static int host_access(const struct physmap *pm, gpa_t pa, uint8_t *buf, uint64_t len, enum host_op op, bool hook)
{
    if (len == 0)
        return 0;
    const struct mem_region *r = mem_range(pm, pa, len);
    if (!r)
        return -EFAULT;
    if (r->host) {
        host_copy(op, r->host + (pa - r->base), buf, len);
    } else {
        uint64_t done = 0;
        while (done < len) {
            gpa_t at = pa + done;
            uint64_t off = at & (MACH_PAGE_SIZE - 1), n = MACH_PAGE_SIZE - off;
            if (n > len - done)
                n = len - done;
            uint8_t *page = pmap_page(r->pmap, region_gpfn(r, at), op != OP_READ, NULL);
            if (!page)
                return -ENOMEM;
            host_copy(op, page + off, buf ? buf + done : NULL, n);
            done += n;
        }
    }
    if (hook && op != OP_READ && pm->write_hook)
        pm->write_hook(pm->write_hook_opaque, region_canon(r, pa), len);
    return 0;
}

int physmap_write(struct physmap *pm, gpa_t pa, const void *src, uint64_t len)
{
    return host_access(pm, pa, (uint8_t *)(uintptr_t)src, len, OP_WRITE, true);
}

int physmap_zero(struct physmap *pm, gpa_t pa, uint64_t len)
{
    return host_access(pm, pa, NULL, len, OP_ZERO, true);
}

int physmap_read(const struct physmap *pm, gpa_t pa, void *dst, uint64_t len)
{
    return host_access(pm, pa, dst, len, OP_READ, false);
}

int physmap_discard(struct physmap *pm, gpa_t pa, uint64_t len)
{
    if (len == 0)
        return 0;
    const struct mem_region *r = mem_range(pm, pa, len);
    if (!r)
        return -EFAULT;
    if (r->host) {
        /* Whole host pages go back to the kernel (they read as zero again, and cost nothing until
         * touched); the partial pages at either end are cleared in place. */
        uint8_t *h = r->host + (pa - r->base);
        uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
        uintptr_t lo = ((uintptr_t)h + page - 1) & ~(page - 1), hi = ((uintptr_t)h + len) & ~(page - 1);
        if (lo >= hi || madvise((void *)lo, hi - lo, MADV_DONTNEED) < 0) {
            host_copy(OP_ZERO, h, NULL, len);
        } else {
            host_copy(OP_ZERO, h, NULL, lo - (uintptr_t)h);
            host_copy(OP_ZERO, (uint8_t *)hi, NULL, (uintptr_t)h + len - hi);
        }
    } else {
        /* Whole pages go back to machine memory; partial ones at either end are cleared. */
        gpa_t lo = (pa + MACH_PAGE_SIZE - 1) & ~(gpa_t)(MACH_PAGE_SIZE - 1);
        gpa_t hi = (pa + len) & ~(gpa_t)(MACH_PAGE_SIZE - 1);
        if (lo >= hi)
            return host_access(pm, pa, NULL, len, OP_ZERO, true);
        pmap_discard(r->pmap, region_gpfn(r, lo), (uint32_t)((hi - lo) >> MACH_PAGE_BITS));
        int rc = 0; /* the ends without their own hook call: one call covers the range below */
        if (lo > pa)
            rc = host_access(pm, pa, NULL, lo - pa, OP_ZERO, false);
        if (rc == 0 && pa + len > hi)
            rc = host_access(pm, hi, NULL, pa + len - hi, OP_ZERO, false);
        if (rc < 0)
            return rc;
    }
    if (pm->write_hook)
        pm->write_hook(pm->write_hook_opaque, region_canon(r, pa), len);
    return 0;
}

uint64_t physmap_io_read(const struct physmap *pm, gpa_t pa, unsigned size)
{
    const struct mem_region *r = physmap_find(pm, pa);
    if (!r || pa - r->base + size > r->size)
        return 0;
    uint64_t off = pa - r->base;
    if (mem_region_is_mem(r)) {
        uint64_t v = 0; /* host is little-endian like the guest */
        if (physmap_read(pm, pa, &v, size) < 0)
            return 0;
        return v;
    }
    return r->ops->read ? r->ops->read(r->opaque, off, size) : 0;
}

void physmap_io_write(const struct physmap *pm, gpa_t pa, uint64_t val, unsigned size)
{
    const struct mem_region *r = physmap_find(pm, pa);
    if (!r || pa - r->base + size > r->size)
        return;
    uint64_t off = pa - r->base;
    if (mem_region_is_mem(r)) {
        if (!r->readonly)
            physmap_write((struct physmap *)(uintptr_t)pm, pa, &val, size);
        return;
    }
    if (r->ops->write)
        r->ops->write(r->opaque, off, val, size);
}
