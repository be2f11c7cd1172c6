/*
 * Machine memory: the monitor's pool of 4 KiB machine pages and the memmap
 * that describes each of them (Disco's machine memory, VMware's MPNs).
 *
 * The pool is one address-space reservation (MAP_NORESERVE, anywhere: no
 * placement constraint), so a machine page number is an index and its host
 * address one shift and add away; the host kernel backs a page when it is
 * first written, and a freed page is handed back to it (MADV_DONTNEED), so
 * it reads as zero when it is handed out again. Pages never handed out are
 * taken in order; freed ones are reused first. The memmap is a second
 * reservation of one descriptor per page, touched only for pages in use.
 *
 * Owners ((pmap id, guest page) pairs) let a change of a machine page find
 * every mapping of it: its pmaps' software TLBs for a shootdown, and their
 * translations. A private page has one owner, kept inline; a shared page
 * keeps the others in a small array.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "shadow-mmu/shadow_mmu.h"

static pthread_mutex_t *mm_lock(struct machmem *mm)
{
    return (pthread_mutex_t *)mm->lock;
}

int machmem_init(struct machmem *mm, uint64_t max_bytes)
{
    memset(mm, 0, sizeof(*mm));
    uint64_t pages = max_bytes >> MACH_PAGE_BITS;
    if (pages == 0 || pages >= MPN_NONE >> 1)
        return -EINVAL;
    mm->lock = malloc(sizeof(pthread_mutex_t));
    if (!mm->lock)
        return -ENOMEM;
    pthread_mutex_init(mm_lock(mm), NULL);
    void *base = mmap(NULL, pages << MACH_PAGE_BITS, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED)
        goto fail;
    void *map = mmap(NULL, pages * sizeof(struct mpage), PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (map == MAP_FAILED) {
        munmap(base, pages << MACH_PAGE_BITS);
        goto fail;
    }
    mm->base = base;
    mm->map = map;
    mm->max_pages = (uint32_t)pages;
    mm->free_head = MPN_NONE;
    return 0;
fail:;
    int rc = -errno;
    pthread_mutex_destroy(mm_lock(mm));
    free(mm->lock);
    mm->lock = NULL;
    return rc;
}

void machmem_destroy(struct machmem *mm)
{
    if (!mm->lock)
        return;
    for (uint32_t m = 0; m < mm->next; m++)
        free(mm->map[m].more);
    munmap(mm->base, (size_t)mm->max_pages << MACH_PAGE_BITS);
    munmap(mm->map, (size_t)mm->max_pages * sizeof(struct mpage));
    pthread_mutex_destroy(mm_lock(mm));
    free(mm->lock);
    memset(mm, 0, sizeof(*mm));
}

/* Address space for 64 GiB of machine memory (it costs page tables only where touched); smaller
 * reservations are tried if the host refuses. */
#define MACHMEM_DEFAULT_BYTES (64ull << 30)

static struct machmem default_pool;
static pthread_once_t default_once = PTHREAD_ONCE_INIT;
static bool default_ok;

static void default_init(void)
{
    for (uint64_t bytes = MACHMEM_DEFAULT_BYTES; bytes >= (1ull << 30); bytes >>= 1)
        if (machmem_init(&default_pool, bytes) == 0) {
            default_ok = true;
            return;
        }
}

struct machmem *machmem_default(void)
{
    pthread_once(&default_once, default_init);
    return default_ok ? &default_pool : NULL;
}

mpn_t machmem_alloc(struct machmem *mm)
{
    pthread_mutex_lock(mm_lock(mm));
    mpn_t m = mm->free_head;
    if (m != MPN_NONE) {
        mm->free_head = (mpn_t)mm->map[m].owner0;
    } else if (mm->next < mm->max_pages) {
        m = mm->next++;
    } else {
        pthread_mutex_unlock(mm_lock(mm));
        return MPN_NONE;
    }
    struct mpage *d = &mm->map[m];
    free(d->more);
    *d = (struct mpage){.refs = 1};
    mm->in_use++;
    pthread_mutex_unlock(mm_lock(mm));
    return m;
}

void machmem_get(struct machmem *mm, mpn_t m)
{
    pthread_mutex_lock(mm_lock(mm));
    mm->map[m].refs++;
    pthread_mutex_unlock(mm_lock(mm));
}

void machmem_put(struct machmem *mm, mpn_t m)
{
    pthread_mutex_lock(mm_lock(mm));
    struct mpage *d = &mm->map[m];
    if (--d->refs > 0) {
        if (d->refs == 1 && !(d->flags & MPAGE_FILE))
            d->flags &= (uint8_t)~MPAGE_SHARED;
        pthread_mutex_unlock(mm_lock(mm));
        return;
    }
    free(d->more);
    d->more = NULL;
    d->more_cap = 0;
    d->n_owners = 0;
    d->flags = 0;
    d->owner0 = mm->free_head;
    mm->free_head = m;
    mm->in_use--;
    pthread_mutex_unlock(mm_lock(mm));
    /* Back to the host: it reads as zero when handed out again. Outside the lock: nobody maps it. */
    if (madvise(machmem_page(mm, m), MACH_PAGE_SIZE, MADV_DONTNEED) < 0)
        memset(machmem_page(mm, m), 0, MACH_PAGE_SIZE);
}

static int cmp_mpn(const void *a, const void *b)
{
    mpn_t x = *(const mpn_t *)a, y = *(const mpn_t *)b;
    return x < y ? -1 : x > y;
}

void machmem_put_many(struct machmem *mm, mpn_t *ms, size_t n)
{
    size_t freed = 0;
    pthread_mutex_lock(mm_lock(mm));
    for (size_t i = 0; i < n; i++) {
        struct mpage *d = &mm->map[ms[i]];
        if (--d->refs > 0) {
            if (d->refs == 1 && !(d->flags & MPAGE_FILE))
                d->flags &= (uint8_t)~MPAGE_SHARED;
            continue;
        }
        free(d->more);
        d->more = NULL;
        d->more_cap = 0;
        d->n_owners = 0;
        d->flags = 0;
        d->owner0 = mm->free_head;
        mm->free_head = ms[i];
        mm->in_use--;
        ms[freed++] = ms[i];
    }
    pthread_mutex_unlock(mm_lock(mm));
    /* One madvise per run of consecutive machine pages. */
    qsort(ms, freed, sizeof(*ms), cmp_mpn);
    for (size_t i = 0; i < freed;) {
        size_t j = i + 1;
        while (j < freed && ms[j] == ms[j - 1] + 1)
            j++;
        size_t len = (j - i) << MACH_PAGE_BITS;
        if (madvise(machmem_page(mm, ms[i]), len, MADV_DONTNEED) < 0)
            memset(machmem_page(mm, ms[i]), 0, len);
        i = j;
    }
}

void machmem_set_flags(struct machmem *mm, mpn_t m, uint8_t set, uint8_t clear)
{
    pthread_mutex_lock(mm_lock(mm));
    mm->map[m].flags = (uint8_t)((mm->map[m].flags & ~clear) | set);
    pthread_mutex_unlock(mm_lock(mm));
}

int machmem_add_owner(struct machmem *mm, mpn_t m, uint64_t owner)
{
    int rc = 0;
    pthread_mutex_lock(mm_lock(mm));
    struct mpage *d = &mm->map[m];
    if (d->n_owners == 0) {
        d->owner0 = owner;
    } else {
        uint32_t k = d->n_owners - 1u;
        if (k == d->more_cap) {
            uint32_t cap = d->more_cap ? 2 * d->more_cap : 4;
            uint64_t *more = realloc(d->more, cap * sizeof(*more));
            if (!more || d->n_owners == UINT16_MAX) {
                free(more == d->more ? NULL : more);
                rc = -ENOMEM;
                goto out;
            }
            d->more = more;
            d->more_cap = cap;
        }
        d->more[k] = owner;
        d->flags |= MPAGE_SHARED;
    }
    d->n_owners++;
out:
    pthread_mutex_unlock(mm_lock(mm));
    return rc;
}

void machmem_del_owner(struct machmem *mm, mpn_t m, uint64_t owner)
{
    pthread_mutex_lock(mm_lock(mm));
    struct mpage *d = &mm->map[m];
    if (d->n_owners > 0) {
        if (d->owner0 == owner) {
            if (d->n_owners > 1)
                d->owner0 = d->more[d->n_owners - 2];
            d->n_owners--;
        } else {
            for (unsigned i = 0; i + 1 < d->n_owners; i++)
                if (d->more[i] == owner) {
                    d->more[i] = d->more[d->n_owners - 2];
                    d->n_owners--;
                    break;
                }
        }
    }
    pthread_mutex_unlock(mm_lock(mm));
}

struct mpage machmem_info(struct machmem *mm, mpn_t m)
{
    pthread_mutex_lock(mm_lock(mm));
    struct mpage d = mm->map[m];
    pthread_mutex_unlock(mm_lock(mm));
    d.more = NULL;
    return d;
}

bool machmem_has_owner(struct machmem *mm, mpn_t m, uint64_t owner)
{
    bool found = false;
    pthread_mutex_lock(mm_lock(mm));
    const struct mpage *d = &mm->map[m];
    if (d->n_owners > 0 && d->owner0 == owner)
        found = true;
    for (unsigned i = 0; !found && i + 1 < d->n_owners; i++)
        found = d->more[i] == owner;
    pthread_mutex_unlock(mm_lock(mm));
    return found;
}
