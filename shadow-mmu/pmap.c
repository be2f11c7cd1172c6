/*
 * The per-VM pmap: guest-physical RAM page -> machine page (Disco's pmap).
 *
 * An entry is a machine page number, PMAP_NONE until the page is first
 * touched (then a zeroed machine page is allocated and installed with one
 * compare-and-swap, so any thread may touch), or a shared page with
 * PMAP_COW: reads use it, the first write copies it (or claims it, when no
 * one else maps it any more). Every change of an entry that was mapped
 * shoots down the software-TLB entries of the pmap's vCPUs that may hold
 * the old page, found by canonical page number, and nothing else.
 * Translated code is keyed by guest-physical address, so it survives a
 * remap untouched.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

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
    memset(p, 0, sizeof(*p));
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
    pthread_mutex_lock(pool_lock(mm));
    unsigned id = 0;
    while (id < MACHMEM_MAX_PMAPS && mm->pmaps[id])
        id++;
    if (id < MACHMEM_MAX_PMAPS)
        mm->pmaps[id] = p;
    pthread_mutex_unlock(pool_lock(mm));
    if (id == MACHMEM_MAX_PMAPS) {
        pthread_mutex_destroy(pmap_lock(p));
        free(p->pte);
        free(p->lock);
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
    pthread_mutex_destroy(pmap_lock(p));
    free(p->pte);
    free(p->lock);
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

/* Replaces the (locked) entry gpfn = old by new_e, shoots the old page down and lets it go. */
static void replace(struct pmap *p, uint32_t gpfn, uint32_t old, uint32_t new_e)
{
    atomic_store_explicit(&p->pte[gpfn], new_e, memory_order_release);
    if (old == PMAP_NONE)
        return;
    shoot(p, gpfn, 1);
    machmem_del_owner(p->mm, old & ~PMAP_COW, MPAGE_OWNER(p->id, gpfn));
    machmem_put(p->mm, old & ~PMAP_COW);
}

/* Makes the copy-on-write page at gpfn private: a copy, or the page itself if nobody else holds it. */
static uint32_t break_cow(struct pmap *p, uint32_t gpfn, uint32_t e)
{
    mpn_t m = e & ~PMAP_COW;
    struct machmem *mm = p->mm;
    if (machmem_info(mm, m).refs == 1) {
        /* The others let it go: it is ours. Entries for it stay valid for reads; the copy-on-write
         * tag of their stores only sends them back here once. */
        machmem_set_flags(mm, m, 0, MPAGE_COW | MPAGE_SHARED);
        atomic_store_explicit(&p->pte[gpfn], m, memory_order_release);
        atomic_fetch_add_explicit(&p->st.cow_claims, 1, memory_order_relaxed);
        return m;
    }
    mpn_t n = machmem_alloc(mm);
    if (n == MPN_NONE)
        return PMAP_NONE;
    memcpy(machmem_page(mm, n), machmem_page(mm, m), MACH_PAGE_SIZE);
    machmem_add_owner(mm, n, MPAGE_OWNER(p->id, gpfn));
    replace(p, gpfn, e, n);
    atomic_fetch_add_explicit(&p->st.cow_copies, 1, memory_order_relaxed);
    return n;
}

uint8_t *pmap_page(struct pmap *p, uint32_t gpfn, bool write, bool *cow)
{
    if (gpfn >= p->npages)
        return NULL;
    uint32_t e = atomic_load_explicit(&p->pte[gpfn], memory_order_acquire);
    if (__builtin_expect(e == PMAP_NONE, 0)) {
        mpn_t m = machmem_alloc(p->mm);
        if (m == MPN_NONE)
            return NULL;
        machmem_add_owner(p->mm, m, MPAGE_OWNER(p->id, gpfn));
        uint32_t expect = PMAP_NONE;
        if (atomic_compare_exchange_strong(&p->pte[gpfn], &expect, m)) {
            e = m;
            atomic_fetch_add_explicit(&p->st.touched, 1, memory_order_relaxed);
        } else {
            /* Another thread touched it first: use its page. */
            machmem_del_owner(p->mm, m, MPAGE_OWNER(p->id, gpfn));
            machmem_put(p->mm, m);
            e = expect;
        }
    }
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
    return machmem_page(p->mm, e & ~PMAP_COW);
}

int pmap_map_cow(struct pmap *p, uint32_t gpfn, mpn_t m)
{
    if (gpfn >= p->npages || m == MPN_NONE || m >= p->mm->max_pages)
        return -EINVAL;
    machmem_get(p->mm, m);
    int rc = machmem_add_owner(p->mm, m, MPAGE_OWNER(p->id, gpfn));
    if (rc < 0) {
        machmem_put(p->mm, m);
        return rc;
    }
    machmem_set_flags(p->mm, m, MPAGE_COW | MPAGE_SHARED, 0);
    pthread_mutex_lock(pmap_lock(p));
    uint32_t old = atomic_load_explicit(&p->pte[gpfn], memory_order_acquire);
    replace(p, gpfn, old, m | PMAP_COW);
    pthread_mutex_unlock(pmap_lock(p));
    atomic_fetch_add_explicit(&p->st.shared_maps, 1, memory_order_relaxed);
    return 0;
}

int pmap_move(struct pmap *p, uint32_t gpfn)
{
    if (gpfn >= p->npages)
        return -EINVAL;
    pthread_mutex_lock(pmap_lock(p));
    uint32_t e = atomic_load_explicit(&p->pte[gpfn], memory_order_acquire);
    int rc = 0;
    if (e == PMAP_NONE || (e & PMAP_COW)) {
        rc = e == PMAP_NONE ? -ENOENT : -EBUSY; /* nothing to move / shared: not ours to move */
        goto out;
    }
    mpn_t n = machmem_alloc(p->mm);
    if (n == MPN_NONE) {
        rc = -ENOMEM;
        goto out;
    }
    memcpy(machmem_page(p->mm, n), machmem_page(p->mm, e), MACH_PAGE_SIZE);
    machmem_add_owner(p->mm, n, MPAGE_OWNER(p->id, gpfn));
    replace(p, gpfn, e, n);
    atomic_fetch_add_explicit(&p->st.moves, 1, memory_order_relaxed);
out:
    pthread_mutex_unlock(pmap_lock(p));
    return rc;
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
    for (uint32_t i = 0; i < n; i++) {
        uint32_t e = atomic_exchange_explicit(&p->pte[gpfn + i], PMAP_NONE, memory_order_acq_rel);
        if (e == PMAP_NONE)
            continue;
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
