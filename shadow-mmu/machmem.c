/*
 * Machine memory: the monitor's pool of 4 KiB machine pages and the memmap
 * that describes each of them (Disco's machine memory, VMware's MPNs).
 *
 * The pool is one sparse memory file (memfd) mapped shared at one place
 * (anywhere: no placement constraint), so a machine page number is a file
 * page, an index, and its host address one shift and add away; a pmap can
 * map the same file pages a second time as its VM's contiguous RAM view
 * (shadow-mmu/pmap.c). The host kernel backs a page when it is first
 * touched, and a freed page's memory is punched out of the file, so it
 * reads as zero when it is handed out again. Pages never handed out are
 * taken in order, singly or as a pmap's run of home pages; freed single
 * pages are reused first. The memmap is a second reservation of one
 * descriptor per page, touched only for pages in use.
 *
 * Owners ((pmap id, guest page) pairs) let a change of a machine page find
 * every mapping of it: its pmaps' software TLBs for a shootdown, and their
 * translations. A private page has one owner, kept inline; a shared page
 * keeps the others in a small array.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "shadow-mmu/bufcache.h"
#include "shadow-mmu/shadow_mmu.h"

static pthread_mutex_t *mm_lock(struct machmem *mm)
{
    return (pthread_mutex_t *)mm->lock;
}

/* How many runs of pmap pages may live away from home: each may cost two host mappings (VMAs),
 * and the host's vm.max_map_count (Linux mm/mmap.c; 65530 by default) bounds the process's; a
 * quarter of them stay for everything else (code buffers, views, the monitor's own, and
 * copy-on-write breaks, which may split a run). */
#define MAP_COUNT_DEFAULT 65530
static int64_t away_limit(void)
{
    uint64_t n = MAP_COUNT_DEFAULT;
    FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
    if (f) {
        unsigned long long v;
        if (fscanf(f, "%llu", &v) == 1)
            n = v;
        fclose(f);
    }
    return (int64_t)(n / 4 * 3 / 2);
}

int machmem_init(struct machmem *mm, uint64_t max_bytes)
{
    memset(mm, 0, sizeof(*mm));
    mm->fd = -1;
    uint64_t pages = max_bytes >> MACH_PAGE_BITS;
    if (pages == 0 || pages >= MPN_NONE >> 1)
        return -EINVAL;
    mm->lock = malloc(sizeof(pthread_mutex_t));
    if (!mm->lock)
        return -ENOMEM;
    pthread_mutex_init(mm_lock(mm), NULL);
    mm->fd = memfd_create("mvisor-machine-memory", MFD_CLOEXEC);
    if (mm->fd < 0)
        goto fail;
    if (ftruncate(mm->fd, (off_t)(pages << MACH_PAGE_BITS)) < 0)
        goto fail;
    void *base = mmap(NULL, pages << MACH_PAGE_BITS, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, mm->fd, 0);
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
    mm->away_limit = away_limit();
    return 0;
fail:;
    int rc = -errno;
    if (mm->fd >= 0)
        close(mm->fd);
    mm->fd = -1;
    pthread_mutex_destroy(mm_lock(mm));
    free(mm->lock);
    mm->lock = NULL;
    return rc;
}

void machmem_destroy(struct machmem *mm)
{
    if (!mm->lock)
        return;
    bufcache_free(mm->bufcache);
    for (uint32_t m = 0; m < mm->next; m++)
        free(mm->map[m].more);
    munmap(mm->base, (size_t)mm->max_pages << MACH_PAGE_BITS);
    munmap(mm->map, (size_t)mm->max_pages * sizeof(struct mpage));
    close(mm->fd);
    pthread_mutex_destroy(mm_lock(mm));
    free(mm->lock);
    memset(mm, 0, sizeof(*mm));
}

/* Address space for 256 GiB of machine memory (it costs page tables only where touched): room
 * for 1024 VMs of 256 MiB, as a pool of 64 GiB refused the 256th VM of an idle launch. The memmap
 * beside it is 2 GiB of address space, backed only where pages were handed out. Smaller
 * reservations are tried if the host refuses, down to MACHMEM_MIN_BYTES. Under an address-space
 * limit (RLIMIT_AS) the pool starts at the largest power of two within half of it, leaving the
 * rest to the VMs' RAM views, code buffers and the monitor itself. */
#define MACHMEM_DEFAULT_BYTES (256ull << 30)
#define MACHMEM_MIN_BYTES (16ull << 20)

static struct machmem default_pool;
static pthread_once_t default_once = PTHREAD_ONCE_INIT;
static bool default_ok;

static void default_init(void)
{
    uint64_t start = MACHMEM_DEFAULT_BYTES;
    struct rlimit as;
    if (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY)
        while (start > MACHMEM_MIN_BYTES && start > as.rlim_cur / 2)
            start >>= 1;
    for (uint64_t bytes = start; bytes >= MACHMEM_MIN_BYTES; bytes >>= 1)
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

/* Gives the memory of pages [m, m + n) back to the host: they read as zero afterwards. */
static void release(struct machmem *mm, mpn_t m, size_t n)
{
    if (fallocate(mm->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)m << MACH_PAGE_BITS,
                  (off_t)(n << MACH_PAGE_BITS)) < 0)
        memset(machmem_page(mm, m), 0, n << MACH_PAGE_BITS);
}

/* The last reference of m went (lock held): a home page stays its pmap's, others go to the free
 * list once released. Its memory is released by the caller, outside the lock, and only then
 * may the page be handed out again (finish_release): a page taken before the hole was punched
 * would lose what its new owner wrote into it. */
static void drop_page(struct machmem *mm, mpn_t m)
{
    struct mpage *d = &mm->map[m];
    free(d->more);
    d->more = NULL;
    d->more_cap = 0;
    d->n_owners = 0;
    mm->in_use--;
    d->flags = (uint8_t)((d->flags & MPAGE_LOOSE) | MPAGE_RELEASING);
}

/* Pages [ms[0..n)) are released: they may be handed out again. */
static void finish_release(struct machmem *mm, const mpn_t *ms, size_t n)
{
    pthread_mutex_lock(mm_lock(mm));
    for (size_t i = 0; i < n; i++) {
        struct mpage *d = &mm->map[ms[i]];
        d->flags &= (uint8_t)~MPAGE_RELEASING;
        if (d->flags & MPAGE_LOOSE) {
            d->owner0 = mm->free_head;
            mm->free_head = ms[i];
        }
    }
    pthread_mutex_unlock(mm_lock(mm));
}

/* A home run is taken from pages never handed out, whose descriptors are still all-zero, which is
 * what an unused home page's is: reserving one writes nothing, and the memmap of a VM's RAM is
 * backed only where its guest touched pages (an idle 256 MiB guest: about a fifth of its 2 MiB). */
mpn_t machmem_reserve(struct machmem *mm, uint32_t n)
{
    pthread_mutex_lock(mm_lock(mm));
    mpn_t first = MPN_NONE;
    if (n && n <= mm->max_pages - mm->next) {
        first = mm->next;
        mm->next += n;
    }
    pthread_mutex_unlock(mm_lock(mm));
    return first;
}

void machmem_unreserve(struct machmem *mm, mpn_t first, uint32_t n)
{
    /* Released before any of them is free to be handed out (only their pmap, going, takes them
     * until then). */
    release(mm, first, n);
    pthread_mutex_lock(mm_lock(mm));
    for (uint32_t i = 0; i < n; i++) {
        struct mpage *d = &mm->map[first + i];
        if (d->refs || (d->flags & MPAGE_RELEASING)) {
            /* still mapped by someone (must not happen: home pages are never shared), or its
             * last put is releasing it: that one frees it, no longer a home page */
            d->flags |= MPAGE_LOOSE;
            continue;
        }
        d->flags = MPAGE_LOOSE;
        d->owner0 = mm->free_head;
        mm->free_head = first + i;
    }
    pthread_mutex_unlock(mm_lock(mm));
}

static _Thread_local unsigned thread_node;

void machmem_set_thread_node(unsigned node)
{
    thread_node = node;
}

unsigned machmem_thread_node(void)
{
    return thread_node;
}

/* The home node of a page handed out now: one node, round-robin, or the allocating thread's
 * (first touch). */
static uint8_t new_node(const struct machmem *mm, mpn_t m)
{
    if (mm->numa_nodes <= 1)
        return 0;
    return (uint8_t)(mm->numa_interleave ? m % mm->numa_nodes : thread_node % mm->numa_nodes);
}

void machmem_set_node(struct machmem *mm, mpn_t m, unsigned node)
{
    pthread_mutex_lock(mm_lock(mm));
    mm->map[m].node = (uint8_t)node;
    pthread_mutex_unlock(mm_lock(mm));
}

mpn_t machmem_take_home(struct machmem *mm, mpn_t m)
{
    pthread_mutex_lock(mm_lock(mm));
    struct mpage *d = &mm->map[m];
    mpn_t r = MPN_NONE;
    if (!(d->flags & (MPAGE_LOOSE | MPAGE_RELEASING)) && d->refs == 0) {
        free(d->more);
        *d = (struct mpage){.refs = 1, .node = new_node(mm, m)};
        mm->in_use++;
        r = m;
    }
    pthread_mutex_unlock(mm_lock(mm));
    return r;
}

static mpn_t alloc_page(struct machmem *mm, bool fresh)
{
    pthread_mutex_lock(mm_lock(mm));
    mpn_t m = mm->free_head;
    if (fresh && mm->next < mm->max_pages) {
        m = mm->next++;
    } else if (m != MPN_NONE) {
        mm->free_head = (mpn_t)mm->map[m].owner0;
    } else if (mm->next < mm->max_pages) {
        m = mm->next++;
    } else {
        pthread_mutex_unlock(mm_lock(mm));
        return MPN_NONE;
    }
    struct mpage *d = &mm->map[m];
    free(d->more);
    *d = (struct mpage){.refs = 1, .flags = MPAGE_LOOSE, .node = new_node(mm, m)};
    mm->in_use++;
    pthread_mutex_unlock(mm_lock(mm));
    return m;
}

mpn_t machmem_alloc(struct machmem *mm)
{
    return alloc_page(mm, false);
}

mpn_t machmem_alloc_fresh(struct machmem *mm)
{
    return alloc_page(mm, true);
}

mpn_t machmem_alloc_run(struct machmem *mm, uint32_t n)
{
    pthread_mutex_lock(mm_lock(mm));
    mpn_t first = MPN_NONE;
    if (n && n <= mm->max_pages - mm->next) {
        first = mm->next;
        mm->next += n;
        for (uint32_t i = 0; i < n; i++)
            mm->map[first + i] = (struct mpage){.refs = 1, .flags = MPAGE_LOOSE, .node = new_node(mm, first + i)};
        mm->in_use += n;
    }
    pthread_mutex_unlock(mm_lock(mm));
    return first;
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
    drop_page(mm, m);
    pthread_mutex_unlock(mm_lock(mm));
    /* Back to the host, outside the lock: nobody maps it any more. */
    release(mm, m, 1);
    finish_release(mm, &m, 1);
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
        drop_page(mm, ms[i]);
        ms[freed++] = ms[i];
    }
    pthread_mutex_unlock(mm_lock(mm));
    /* One hole punched per run of consecutive machine pages. */
    qsort(ms, freed, sizeof(*ms), cmp_mpn);
    for (size_t i = 0; i < freed;) {
        size_t j = i + 1;
        while (j < freed && ms[j] == ms[j - 1] + 1)
            j++;
        release(mm, ms[i], j - i);
        i = j;
    }
    finish_release(mm, ms, freed);
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

unsigned machmem_owners(struct machmem *mm, mpn_t m, uint64_t *out, unsigned max)
{
    pthread_mutex_lock(mm_lock(mm));
    const struct mpage *d = &mm->map[m];
    unsigned n = d->n_owners;
    for (unsigned i = 0; i < n && i < max; i++)
        out[i] = i == 0 ? d->owner0 : d->more[i - 1];
    pthread_mutex_unlock(mm_lock(mm));
    return n;
}

void machmem_node_counts(struct machmem *mm, uint64_t *per_node, unsigned nodes)
{
    pthread_mutex_lock(mm_lock(mm));
    for (mpn_t m = 0; m < mm->next; m++)
        if (mm->map[m].refs && mm->map[m].node < nodes)
            per_node[mm->map[m].node]++;
    pthread_mutex_unlock(mm_lock(mm));
}
