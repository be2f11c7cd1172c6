/*
 * The per-VM pmap: guest-physical RAM page -> machine page (Disco's pmap).
 *
 * An entry is a machine page number, PMAP_NONE until the page is first
 * touched (then the page's home machine page is taken and installed with
 * one compare-and-swap, so any thread may touch), or a shared page with
 * PMAP_COW: reads use it, the first write copies it home. Every change of
 * an entry that was mapped shoots down the software-TLB entries of the
 * pmap's vCPUs that may hold the old page, found by canonical page number,
 * and nothing else. Translated code is keyed by guest-physical address, so
 * it survives a remap untouched.
 *
 * The RAM view: the pmap keeps a contiguous host mapping of the VM's RAM,
 * page g showing whatever machine page the pmap maps at g (one mapping of
 * the pool's memory file over the home run, and a page remapped in place
 * when its entry leaves home: copy-on-write sharing, a move). Host
 * addresses of RAM handed out (software TLB, C copies) are view addresses,
 * and translated kernel code reaches kseg0 RAM through the view's base: a
 * remap changes what a view page shows, never where it is.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "shadow-mmu/shadow_mmu.h"

static pthread_mutex_t *pmap_lock(const struct pmap *p)
{
    return (pthread_mutex_t *)p->lock;
}

static pthread_mutex_t *pool_lock(struct machmem *mm)
{
    return (pthread_mutex_t *)mm->lock;
}

int pmap_init(struct pmap *p, struct machmem *mm, uint64_t size, gpa_t canon_base)
{
    return pmap_init_prefix(p, mm, size, canon_base, 0);
}

/* The view and a prefix in front of it, in one reservation: [prefix][view]. */
static void *map_view(struct machmem *mm, mpn_t home, uint64_t pages, size_t prefix)
{
    size_t bytes = (size_t)pages << MACH_PAGE_BITS;
    uint8_t *base = mmap(NULL, prefix + bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED)
        return MAP_FAILED;
    if ((prefix && mmap(base, prefix, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
                       MAP_FAILED) ||
        mmap(base + prefix, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED | MAP_NORESERVE, mm->fd,
             (off_t)home << MACH_PAGE_BITS) == MAP_FAILED) {
        int e = errno;
        munmap(base, prefix + bytes);
        errno = e;
        return MAP_FAILED;
    }
    return base + prefix;
}

int pmap_init_prefix(struct pmap *p, struct machmem *mm, uint64_t size, gpa_t canon_base, size_t prefix)
{
    memset(p, 0, sizeof(*p));
    prefix = (prefix + MACH_PAGE_SIZE - 1) & ~(size_t)(MACH_PAGE_SIZE - 1);
    uint64_t pages = (size + MACH_PAGE_SIZE - 1) >> MACH_PAGE_BITS;
    if (!mm || pages == 0 || pages >= PMAP_COW || (canon_base & (MACH_PAGE_SIZE - 1)))
        return -EINVAL;
    p->pte = malloc(pages * sizeof(*p->pte));
    p->lock = malloc(sizeof(pthread_mutex_t));
    if (!p->pte || !p->lock) {
        free(p->pte);
        free(p->lock);
        return -ENOMEM;
    }
    for (uint64_t i = 0; i < pages; i++)
        atomic_init(&p->pte[i], PMAP_NONE);
    pthread_mutex_init(pmap_lock(p), NULL);
    p->mm = mm;
    p->npages = (uint32_t)pages;
    p->canon_base = canon_base;
    p->home = machmem_reserve(mm, (uint32_t)pages);
    void *view = p->home == MPN_NONE ? MAP_FAILED : map_view(mm, p->home, pages, prefix);
    if (view == MAP_FAILED) {
        int rc = p->home == MPN_NONE ? -ENOMEM : -errno;
        if (p->home != MPN_NONE)
            machmem_unreserve(mm, p->home, (uint32_t)pages);
        pthread_mutex_destroy(pmap_lock(p));
        free(p->pte);
        free(p->lock);
        memset(p, 0, sizeof(*p));
        return rc;
    }
    p->view = view;
    p->prefix = prefix;
    pthread_mutex_lock(pool_lock(mm));
    unsigned id = 0;
    while (id < MACHMEM_MAX_PMAPS && mm->pmaps[id])
        id++;
    if (id < MACHMEM_MAX_PMAPS)
        mm->pmaps[id] = p;
    pthread_mutex_unlock(pool_lock(mm));
    if (id == MACHMEM_MAX_PMAPS) {
        munmap(p->view - prefix, prefix + (pages << MACH_PAGE_BITS));
        machmem_unreserve(mm, p->home, (uint32_t)pages);
        pthread_mutex_destroy(pmap_lock(p));
        free(p->pte);
        free(p->lock);
        memset(p, 0, sizeof(*p));
        return -ENOSPC;
    }
    p->id = id;
    return 0;
}

void pmap_destroy(struct pmap *p)
{
    if (!p->mm)
        return;
    p->n_stlb = 0; /* the vCPUs go with the VM: no shootdown to do */
    pmap_discard(p, 0, p->npages);
    pthread_mutex_lock(pool_lock(p->mm));
    p->mm->pmaps[p->id] = NULL;
    pthread_mutex_unlock(pool_lock(p->mm));
    munmap(p->view - p->prefix, p->prefix + ((size_t)p->npages << MACH_PAGE_BITS));
    machmem_unreserve(p->mm, p->home, p->npages);
    pthread_mutex_destroy(pmap_lock(p));
    free(p->pte);
    free(p->lock);
    free((void *)atomic_load(&p->pins));
    free((void *)atomic_load(&p->replica_bits));
    memset(p, 0, sizeof(*p));
}

int pmap_attach_stlb(struct pmap *p, struct stlb *s)
{
    pthread_mutex_lock(pmap_lock(p));
    int rc = p->n_stlb < PMAP_MAX_STLBS ? 0 : -ENOSPC;
    if (rc == 0)
        p->stlb[p->n_stlb++] = s;
    pthread_mutex_unlock(pmap_lock(p));
    return rc;
}

static unsigned shoot(struct pmap *p, uint32_t gpfn, uint32_t n)
{
    unsigned dropped = 0;
    for (unsigned i = 0; i < p->n_stlb; i++)
        dropped += stlb_flush_ppns(p->stlb[i], pmap_ppn(p, gpfn), n);
    atomic_fetch_add_explicit(&p->st.shootdowns, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&p->st.shot_entries, dropped, memory_order_relaxed);
    return dropped;
}

unsigned pmap_shootdown(struct pmap *p, uint32_t gpfn)
{
    return gpfn < p->npages ? shoot(p, gpfn, 1) : 0;
}

mpn_t pmap_lookup(const struct pmap *p, uint32_t gpfn, bool *cow)
{
    uint32_t e = gpfn < p->npages ? atomic_load_explicit(&p->pte[gpfn], memory_order_acquire) : PMAP_NONE;
    if (cow)
        *cow = e != PMAP_NONE && (e & PMAP_COW);
    return e == PMAP_NONE ? PMAP_NONE : e & ~PMAP_COW;
}

static inline uint8_t *view_page(const struct pmap *p, uint32_t gpfn)
{
    return p->view + ((size_t)gpfn << MACH_PAGE_BITS);
}

/* Whether a DMA transfer holds page gpfn (pmap_pin); read under the pmap's lock by every change
 * that would take the page's machine page away. */
static bool pinned(const struct pmap *p, uint32_t gpfn)
{
    _Atomic uint16_t *pins = atomic_load_explicit(&p->pins, memory_order_acquire);
    return pins && atomic_load_explicit(&pins[gpfn], memory_order_acquire);
}

/* Pages [gpfn, gpfn + n) are about to change bytes or mapping: their NUMA per-vCPU replicas
 * (numa/vreplica.c) go first, so no vCPU reads a stale copy after the change. */
static void replicas_drop(struct pmap *p, uint32_t gpfn, uint32_t n)
{
    if (!atomic_load_explicit(&p->replica_bits, memory_order_acquire))
        return;
    for (uint32_t i = 0; i < n; i++)
        if (pmap_replicated(p, gpfn + i))
            p->replica_drop(p, gpfn + i);
}

int pmap_replica_mark(struct pmap *p, uint32_t gpfn)
{
    if (gpfn >= p->npages)
        return -EINVAL;
    pthread_mutex_lock(pmap_lock(p));
    _Atomic uint64_t *b = atomic_load_explicit(&p->replica_bits, memory_order_relaxed);
    if (!b) {
        b = calloc((p->npages + 63) / 64, sizeof(*b));
        atomic_store_explicit(&p->replica_bits, b, memory_order_release);
    }
    int rc = !b ? -ENOMEM : pinned(p, gpfn) ? -EBUSY : 0;
    if (!rc)
        atomic_fetch_or_explicit(&b[gpfn / 64], 1ull << (gpfn % 64), memory_order_seq_cst);
    pthread_mutex_unlock(pmap_lock(p));
    return rc;
}

/* Makes view page gpfn show machine page m (read-only for a shared one). Atomic for other threads:
 * a concurrent read sees the old page or the new one. */
static int view_map(struct pmap *p, uint32_t gpfn, mpn_t m, bool writable)
{
    void *at = mmap(view_page(p, gpfn), MACH_PAGE_SIZE, writable ? PROT_READ | PROT_WRITE : PROT_READ,
                    MAP_SHARED | MAP_FIXED, p->mm->fd, (off_t)m << MACH_PAGE_BITS);
    return at == MAP_FAILED ? -errno : 0;
}

/* Whether entry e maps gpfn away from its home page (what costs the view host mappings). */
static bool away(const struct pmap *p, uint32_t gpfn, uint32_t e)
{
    return e != PMAP_NONE && (e & ~PMAP_COW) != p->home + gpfn;
}

/* Whether page g (entry e; prev the entry of g - 1) starts a run of pages away from home: the
 * host merges consecutive view pages mapping consecutive file pages with the same rights into
 * one mapping, so a run costs the same as one page. */
static bool run_start(const struct pmap *p, uint32_t g, uint32_t e, uint32_t prev)
{
    if (!away(p, g, e))
        return false;
    if (g == 0 || !away(p, g - 1, prev) || ((prev ^ e) & PMAP_COW))
        return true;
    return (prev & ~PMAP_COW) + 1 != (e & ~PMAP_COW);
}

/* Counts entry g's change from old to new_e (entries around it as they are) in the pool's runs. */
static void away_change(struct pmap *p, uint32_t g, uint32_t old, uint32_t new_e)
{
    uint32_t prev = g ? atomic_load_explicit(&p->pte[g - 1], memory_order_relaxed) : PMAP_NONE;
    int d = (int)run_start(p, g, new_e, prev) - (int)run_start(p, g, old, prev);
    if (g + 1 < p->npages) {
        uint32_t next = atomic_load_explicit(&p->pte[g + 1], memory_order_relaxed);
        d += (int)run_start(p, g + 1, next, new_e) - (int)run_start(p, g + 1, next, old);
    }
    if (d)
        atomic_fetch_add_explicit(&p->mm->away_runs, d, memory_order_relaxed);
}

/* Lets the machine page of an old entry go (its owner gpfn). */
static void release_entry(struct pmap *p, uint32_t gpfn, uint32_t old)
{
    if (old == PMAP_NONE)
        return;
    machmem_del_owner(p->mm, old & ~PMAP_COW, MPAGE_OWNER(p->id, gpfn));
    machmem_put(p->mm, old & ~PMAP_COW);
}

/* Entry gpfn (locked) goes from old to new_e: the view first, then the entry, then the shootdown
 * of the old page's software-TLB entries, then the old page goes. */
static int replace(struct pmap *p, uint32_t gpfn, uint32_t old, uint32_t new_e)
{
    mpn_t m = new_e & ~PMAP_COW;
    replicas_drop(p, gpfn, 1);
    if (m != p->home + gpfn || old == PMAP_NONE || (old & ~PMAP_COW) != p->home + gpfn) {
        int rc = view_map(p, gpfn, m, !(new_e & PMAP_COW));
        if (rc < 0)
            return rc;
    }
    away_change(p, gpfn, old, new_e);
    atomic_store_explicit(&p->pte[gpfn], new_e, memory_order_release);
    if (old != PMAP_NONE)
        shoot(p, gpfn, 1);
    release_entry(p, gpfn, old);
    return 0;
}

/* Takes gpfn's home page (one reference, owner recorded), or a pool page if it is busy. */
static mpn_t take_page(struct pmap *p, uint32_t gpfn)
{
    mpn_t m = machmem_take_home(p->mm, p->home + gpfn);
    if (m == MPN_NONE)
        m = machmem_alloc(p->mm);
    if (m != MPN_NONE)
        machmem_add_owner(p->mm, m, MPAGE_OWNER(p->id, gpfn));
    return m;
}

/* Gives the copy-on-write page at gpfn (entry e, locked) a private copy, at home. */
static uint32_t break_cow(struct pmap *p, uint32_t gpfn, uint32_t e)
{
    mpn_t m = e & ~PMAP_COW;
    struct machmem *mm = p->mm;
    mpn_t n = take_page(p, gpfn);
    if (n == MPN_NONE)
        return PMAP_NONE;
    memcpy(machmem_page(mm, n), machmem_page(mm, m), MACH_PAGE_SIZE);
    if (replace(p, gpfn, e, n) < 0) {
        machmem_del_owner(mm, n, MPAGE_OWNER(p->id, gpfn));
        machmem_put(mm, n);
        return PMAP_NONE;
    }
    atomic_fetch_add_explicit(&p->st.cow_copies, 1, memory_order_relaxed);
    if (mm->numa_cow_break)
        mm->numa_cow_break(mm, m); /* a write: the page's NUMA replicas collapse */
    return n;
}

uint8_t *pmap_page(struct pmap *p, uint32_t gpfn, bool write, bool *cow)
{
    if (gpfn >= p->npages)
        return NULL;
    uint32_t e = atomic_load_explicit(&p->pte[gpfn], memory_order_acquire);
    while (__builtin_expect(e == PMAP_NONE, 0)) {
        /* First touch: the home page, already where the view shows page gpfn. */
        mpn_t m = machmem_take_home(p->mm, p->home + gpfn);
        if (m == MPN_NONE) {
            sched_yield(); /* another thread is installing it */
            e = atomic_load_explicit(&p->pte[gpfn], memory_order_acquire);
            continue;
        }
        machmem_add_owner(p->mm, m, MPAGE_OWNER(p->id, gpfn));
        uint32_t expect = PMAP_NONE;
        if (atomic_compare_exchange_strong(&p->pte[gpfn], &expect, m)) {
            e = m;
            atomic_fetch_add_explicit(&p->st.touched, 1, memory_order_relaxed);
        } else {
            machmem_del_owner(p->mm, m, MPAGE_OWNER(p->id, gpfn));
            machmem_put(p->mm, m);
            e = expect;
        }
    }
    if (__builtin_expect(write && atomic_load_explicit(&p->replica_bits, memory_order_relaxed) != NULL, 0))
        replicas_drop(p, gpfn, 1); /* a store is coming: the replicas go before it lands */
    if (__builtin_expect((e & PMAP_COW) && write, 0)) {
        pthread_mutex_lock(pmap_lock(p));
        e = atomic_load_explicit(&p->pte[gpfn], memory_order_acquire);
        if (e & PMAP_COW)
            e = break_cow(p, gpfn, e);
        pthread_mutex_unlock(pmap_lock(p));
        if (e == PMAP_NONE)
            return NULL;
    }
    if (cow)
        *cow = (e & PMAP_COW) != 0;
    return view_page(p, gpfn);
}

int pmap_map_cow(struct pmap *p, uint32_t gpfn, mpn_t m)
{
    return pmap_map_cow_run(p, gpfn, m, 1);
}

int pmap_map_cow_run(struct pmap *p, uint32_t gpfn, mpn_t m, uint32_t n)
{
    if (n == 0 || gpfn >= p->npages || n > p->npages - gpfn || m == MPN_NONE || m >= p->mm->max_pages ||
        n > p->mm->max_pages - m)
        return -EINVAL;
    /* Room in the host's mappings: a run adds at most two runs (itself, and the rest of a run it
     * cuts). */
    if (atomic_load_explicit(&p->mm->away_runs, memory_order_relaxed) + 2 > p->mm->away_limit) {
        atomic_fetch_add_explicit(&p->mm->away_refused, n, memory_order_relaxed);
        return -ENOSPC;
    }
    for (uint32_t i = 0; i < n; i++) {
        machmem_get(p->mm, m + i);
        int rc = machmem_add_owner(p->mm, m + i, MPAGE_OWNER(p->id, gpfn + i));
        if (rc < 0) {
            machmem_put(p->mm, m + i);
            while (i--) {
                machmem_del_owner(p->mm, m + i, MPAGE_OWNER(p->id, gpfn + i));
                machmem_put(p->mm, m + i);
            }
            return rc;
        }
        machmem_set_flags(p->mm, m + i, MPAGE_COW | MPAGE_SHARED, 0);
    }
    pthread_mutex_lock(pmap_lock(p));
    replicas_drop(p, gpfn, n);
    int rc = 0;
    for (uint32_t i = 0; i < n && !rc; i++)
        if (pinned(p, gpfn + i))
            rc = -EBUSY; /* a transfer in flight writes there: the caller copies instead */
    /* One remap of the view for the run, then the entries, then the old pages go. */
    if (!rc) {
        void *at = mmap(view_page(p, gpfn), (size_t)n << MACH_PAGE_BITS, PROT_READ,
                        MAP_SHARED | MAP_FIXED | MAP_POPULATE, p->mm->fd, (off_t)m << MACH_PAGE_BITS);
        rc = at == MAP_FAILED ? -errno : 0;
    }
    /* The old pages go after one shootdown of the run, in one go (a hole punched per run). */
    mpn_t small[64], *olds = n <= 64 ? small : malloc(n * sizeof(*olds));
    size_t k = 0;
    for (uint32_t i = 0; rc == 0 && i < n; i++) {
        uint32_t old = atomic_load_explicit(&p->pte[gpfn + i], memory_order_acquire);
        away_change(p, gpfn + i, old, (m + i) | PMAP_COW);
        atomic_store_explicit(&p->pte[gpfn + i], (m + i) | PMAP_COW, memory_order_release);
        if (old == PMAP_NONE)
            continue;
        if (olds) {
            machmem_del_owner(p->mm, old & ~PMAP_COW, MPAGE_OWNER(p->id, gpfn + i));
            olds[k++] = old & ~PMAP_COW;
        } else {
            shoot(p, gpfn + i, 1);
            release_entry(p, gpfn + i, old);
        }
    }
    if (k) {
        shoot(p, gpfn, n);
        machmem_put_many(p->mm, olds, k);
    }
    if (olds != small)
        free(olds);
    pthread_mutex_unlock(pmap_lock(p));
    if (rc < 0) {
        for (uint32_t i = 0; i < n; i++) {
            machmem_del_owner(p->mm, m + i, MPAGE_OWNER(p->id, gpfn + i));
            machmem_put(p->mm, m + i);
        }
        return rc;
    }
    atomic_fetch_add_explicit(&p->st.shared_maps, n, memory_order_relaxed);
    return 0;
}

int pmap_merge_page(struct pmap *p, uint32_t gpfn, mpn_t m)
{
    if (gpfn >= p->npages || m == MPN_NONE || m >= p->mm->max_pages)
        return -EINVAL;
    if (atomic_load_explicit(&p->mm->away_runs, memory_order_relaxed) + 2 > p->mm->away_limit) {
        atomic_fetch_add_explicit(&p->mm->away_refused, 1, memory_order_relaxed);
        return -ENOSPC;
    }
    uint64_t owner = MPAGE_OWNER(p->id, gpfn);
    machmem_get(p->mm, m);
    int rc = machmem_add_owner(p->mm, m, owner);
    if (rc < 0) {
        machmem_put(p->mm, m);
        return rc;
    }
    machmem_set_flags(p->mm, m, MPAGE_COW | MPAGE_SHARED, 0);
    pthread_mutex_lock(pmap_lock(p));
    uint32_t e = atomic_load_explicit(&p->pte[gpfn], memory_order_acquire);
    uint8_t *page = view_page(p, gpfn);
    if (e == PMAP_NONE || (e & PMAP_COW) || (e & ~PMAP_COW) == m || pinned(p, gpfn)) {
        rc = -EAGAIN; /* gone, shared meanwhile, or a transfer in flight */
        goto undo;
    }
    /* Write-protected first: from here a store through any host address of the page faults
     * instead of landing in a copy about to be dropped; then no software-TLB entry may still
     * let a store through without the slow path; only then do the bytes count. */
    if (mprotect(page, MACH_PAGE_SIZE, PROT_READ) < 0) {
        rc = -errno;
        goto undo;
    }
    shoot(p, gpfn, 1);
    if (memcmp(page, machmem_page(p->mm, m), MACH_PAGE_SIZE) != 0) {
        rc = -EAGAIN;
    } else {
        rc = replace(p, gpfn, e, m | PMAP_COW);
        if (rc == 0) {
            pthread_mutex_unlock(pmap_lock(p));
            atomic_fetch_add_explicit(&p->st.shared_maps, 1, memory_order_relaxed);
            return 0;
        }
    }
    mprotect(page, MACH_PAGE_SIZE, PROT_READ | PROT_WRITE);
undo:
    pthread_mutex_unlock(pmap_lock(p));
    machmem_del_owner(p->mm, m, owner);
    machmem_put(p->mm, m);
    return rc;
}

int pmap_move(struct pmap *p, uint32_t gpfn)
{
    if (gpfn >= p->npages)
        return -EINVAL;
    pthread_mutex_lock(pmap_lock(p));
    uint32_t e = atomic_load_explicit(&p->pte[gpfn], memory_order_acquire);
    int rc = 0;
    if (e == PMAP_NONE || (e & PMAP_COW) || pinned(p, gpfn)) {
        /* nothing to move / shared: not ours to move / a transfer in flight */
        rc = e == PMAP_NONE ? -ENOENT : -EBUSY;
        goto out;
    }
    mpn_t n = machmem_alloc(p->mm);
    if (n == MPN_NONE) {
        rc = -ENOMEM;
        goto out;
    }
    memcpy(machmem_page(p->mm, n), machmem_page(p->mm, e), MACH_PAGE_SIZE);
    machmem_add_owner(p->mm, n, MPAGE_OWNER(p->id, gpfn));
    rc = replace(p, gpfn, e, n);
    if (rc < 0) {
        machmem_del_owner(p->mm, n, MPAGE_OWNER(p->id, gpfn));
        machmem_put(p->mm, n);
        goto out;
    }
    atomic_fetch_add_explicit(&p->st.moves, 1, memory_order_relaxed);
out:
    pthread_mutex_unlock(pmap_lock(p));
    return rc;
}

/* A batch of migrations (the NUMA policy's round): what pmap_move does per page, with the lock,
 * the view remaps, the shootdown and the release of the old pages shared by the batch. A move is
 * a copy, then the view shows the copy; the vCPUs' entries keep view addresses, so an entry
 * filled meanwhile reads the old page or the copy, both the same bytes (the VM's other vCPUs are
 * held out of guest code by the caller, so no store lands between the copy and the remap). */
unsigned pmap_move_many(struct pmap *p, const uint32_t *gpfns, const mpn_t *dst, unsigned n, int *rc)
{
    if (n == 0)
        return 0;
    uint32_t lo = gpfns[0], span = gpfns[n - 1] - gpfns[0] + 1;
    uint64_t *bits = calloc((span + 63) / 64, sizeof(*bits));
    mpn_t *olds = malloc(n * sizeof(*olds));
    if (!bits || !olds || gpfns[n - 1] >= p->npages) {
        free(bits);
        free(olds);
        for (unsigned i = 0; i < n; i++)
            rc[i] = gpfns[n - 1] >= p->npages ? -EINVAL : -ENOMEM;
        return 0;
    }
    unsigned moved = 0;
    /* The copies' memory made and mapped in one call per run of dst (a fault per page costs
     * more than the copy: it was most of a move's time); the source is read through the view,
     * where the guest has just been using it. */
    for (unsigned i = 0; i < n;) {
        unsigned j = i + 1;
        while (j < n && dst[j] == dst[j - 1] + 1)
            j++;
        madvise(machmem_page(p->mm, dst[i]), (size_t)(j - i) << MACH_PAGE_BITS, MADV_POPULATE_WRITE);
        i = j;
    }
    pthread_mutex_lock(pmap_lock(p));
    for (unsigned i = 0; i < n; i++) {
        uint32_t e = atomic_load_explicit(&p->pte[gpfns[i]], memory_order_acquire);
        rc[i] = e == PMAP_NONE ? -ENOENT : (e & PMAP_COW) || pinned(p, gpfns[i]) ? -EBUSY : 0;
        if (rc[i] == 0)
            memcpy(machmem_page(p->mm, dst[i]), view_page(p, gpfns[i]), MACH_PAGE_SIZE);
    }
    for (unsigned i = 0; i < n;) {
        if (rc[i]) {
            i++;
            continue;
        }
        /* a run: consecutive guest pages to consecutive machine pages, one remap */
        unsigned j = i + 1;
        while (j < n && !rc[j] && gpfns[j] == gpfns[j - 1] + 1 && dst[j] == dst[j - 1] + 1)
            j++;
        void *at = mmap(view_page(p, gpfns[i]), (size_t)(j - i) << MACH_PAGE_BITS, PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_FIXED | MAP_POPULATE, p->mm->fd, (off_t)dst[i] << MACH_PAGE_BITS);
        for (unsigned k = i; k < j; k++) {
            if (at == MAP_FAILED) {
                rc[k] = -errno;
                continue;
            }
            uint32_t g = gpfns[k], e = atomic_load_explicit(&p->pte[g], memory_order_acquire);
            machmem_add_owner(p->mm, dst[k], MPAGE_OWNER(p->id, g));
            away_change(p, g, e, dst[k]);
            atomic_store_explicit(&p->pte[g], dst[k], memory_order_release);
            machmem_del_owner(p->mm, e, MPAGE_OWNER(p->id, g));
            olds[moved++] = e;
            bits[(g - lo) / 64] |= 1ull << ((g - lo) % 64);
        }
        i = j;
    }
    if (moved) {
        unsigned dropped = 0;
        for (unsigned i = 0; i < p->n_stlb; i++)
            dropped += stlb_flush_ppn_set(p->stlb[i], pmap_ppn(p, lo), span, bits);
        atomic_fetch_add_explicit(&p->st.shootdowns, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&p->st.shot_entries, dropped, memory_order_relaxed);
        atomic_fetch_add_explicit(&p->st.moves, moved, memory_order_relaxed);
    }
    pthread_mutex_unlock(pmap_lock(p));
    machmem_put_many(p->mm, olds, moved);
    free(olds);
    free(bits);
    return moved;
}

void pmap_discard(struct pmap *p, uint32_t gpfn, uint32_t n)
{
    if (gpfn >= p->npages)
        return;
    if (n > p->npages - gpfn)
        n = p->npages - gpfn;
    mpn_t *freed = malloc(n * sizeof(*freed));
    size_t k = 0;
    pthread_mutex_lock(pmap_lock(p));
    replicas_drop(p, gpfn, n);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t e = atomic_load_explicit(&p->pte[gpfn + i], memory_order_acquire);
        if (e == PMAP_NONE || pinned(p, gpfn + i))
            continue; /* (a page under a transfer stays: only a misbehaving guest gives it away) */
        /* A page away from home: the view shows home again (it reads as zero once released). */
        if ((e & ~PMAP_COW) != p->home + gpfn + i)
            view_map(p, gpfn + i, p->home + gpfn + i, true);
        away_change(p, gpfn + i, e, PMAP_NONE);
        atomic_store_explicit(&p->pte[gpfn + i], PMAP_NONE, memory_order_release);
        machmem_del_owner(p->mm, e & ~PMAP_COW, MPAGE_OWNER(p->id, gpfn + i));
        if (freed)
            freed[k++] = e & ~PMAP_COW;
        else
            machmem_put(p->mm, e & ~PMAP_COW);
    }
    if (k || !freed)
        shoot(p, gpfn, n); /* one pass over each software TLB for the whole range */
    pthread_mutex_unlock(pmap_lock(p));
    if (freed) {
        atomic_fetch_add_explicit(&p->st.discarded, k, memory_order_relaxed);
        machmem_put_many(p->mm, freed, k);
        free(freed);
    }
}

uint8_t *pmap_pin(struct pmap *p, uint32_t gpfn, bool write)
{
    if (gpfn >= p->npages)
        return NULL;
    pthread_mutex_lock(pmap_lock(p));
    _Atomic uint16_t *pins = atomic_load_explicit(&p->pins, memory_order_relaxed);
    if (!pins) {
        pins = calloc(p->npages, sizeof(*pins));
        atomic_store_explicit(&p->pins, pins, memory_order_release);
    }
    bool ok = pins && atomic_load_explicit(&pins[gpfn], memory_order_relaxed) < UINT16_MAX;
    if (ok)
        atomic_fetch_add_explicit(&pins[gpfn], 1, memory_order_acq_rel);
    pthread_mutex_unlock(pmap_lock(p));
    if (!ok)
        return NULL;
    /* pinned first: a copy-on-write break now gives a private page nothing can take back */
    uint8_t *h = pmap_page(p, gpfn, write, NULL);
    if (!h)
        pmap_unpin(p, gpfn);
    return h;
}

void pmap_unpin(struct pmap *p, uint32_t gpfn)
{
    _Atomic uint16_t *pins = atomic_load_explicit(&p->pins, memory_order_acquire);
    if (pins && gpfn < p->npages)
        atomic_fetch_sub_explicit(&pins[gpfn], 1, memory_order_acq_rel);
}

void pmap_count(const struct pmap *p, uint64_t *private_pages, uint64_t *shared_pages)
{
    uint64_t priv = 0, shared = 0;
    for (uint32_t i = 0; i < p->npages; i++) {
        uint32_t e = atomic_load_explicit(&p->pte[i], memory_order_relaxed);
        if (e == PMAP_NONE)
            continue;
        if (e & PMAP_COW)
            shared++;
        else
            priv++;
    }
    *private_pages = priv;
    *shared_pages = shared;
}
