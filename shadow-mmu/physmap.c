/*
 * The VM's guest-physical address space: a sorted array of non-overlapping
 * regions, each either host memory (RAM, ROM) or a device's register ops.
 * The set of regions is fixed when the board is built, so a binary search
 * over a small array is all the lookup needs. Unassigned space reads as 0
 * and drops writes, like the Malta's silent empty slots (QEMU
 * hw/mips/malta.c covers 0-0x1FFFFFFF with one); devices that need
 * all-ones for master aborts register their own window.
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

uint8_t *physmap_host(const struct physmap *pm, gpa_t pa, uint64_t len)
{
    const struct mem_region *r = physmap_find(pm, pa);
    if (!r || !r->host || len > r->size - (pa - r->base))
        return NULL;
    return r->host + (pa - r->base);
}

int physmap_write(struct physmap *pm, gpa_t pa, const void *src, uint64_t len)
{
    if (len == 0)
        return 0;
    uint8_t *h = physmap_host(pm, pa, len);
    if (!h)
        return -EFAULT;
    memcpy(h, src, len);
    if (pm->write_hook)
        pm->write_hook(pm->write_hook_opaque, pa, len);
    return 0;
}

int physmap_zero(struct physmap *pm, gpa_t pa, uint64_t len)
{
    if (len == 0)
        return 0;
    uint8_t *h = physmap_host(pm, pa, len);
    if (!h)
        return -EFAULT;
    memset(h, 0, len);
    return 0;
}

int physmap_discard(struct physmap *pm, gpa_t pa, uint64_t len)
{
    if (len == 0)
        return 0;
    uint8_t *h = physmap_host(pm, pa, len);
    if (!h)
        return -EFAULT;
    /* Whole host pages go back to the kernel (they read as zero again, and cost nothing until
     * touched); the partial pages at either end are cleared in place. */
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t lo = ((uintptr_t)h + page - 1) & ~(page - 1), hi = ((uintptr_t)h + len) & ~(page - 1);
    if (lo >= hi || madvise((void *)lo, hi - lo, MADV_DONTNEED) < 0) {
        memset(h, 0, len);
        return 0;
    }
    memset(h, 0, lo - (uintptr_t)h);
    memset((void *)hi, 0, (uintptr_t)h + len - hi);
    return 0;
}

int physmap_read(const struct physmap *pm, gpa_t pa, void *dst, uint64_t len)
{
    uint8_t *h = physmap_host(pm, pa, len);
    if (!h)
        return -EFAULT;
    memcpy(dst, h, len);
    return 0;
}

uint64_t physmap_io_read(const struct physmap *pm, gpa_t pa, unsigned size)
{
    const struct mem_region *r = physmap_find(pm, pa);
    if (!r || pa - r->base + size > r->size)
        return 0;
    uint64_t off = pa - r->base;
    if (r->host) {
        uint64_t v = 0;
        memcpy(&v, r->host + off, size); /* host is little-endian like the guest */
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
    if (r->host) {
        if (!r->readonly)
            memcpy(r->host + off, &val, size);
        return;
    }
    if (r->ops->write)
        r->ops->write(r->opaque, off, val, size);
}
