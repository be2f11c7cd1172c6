/*
 * Per-vCPU replicas inside one VM (Disco section 4.2.3's replication of read-shared pages, for
 * the vCPUs of one SMP guest on several nodes).
 *
 * A VM has one pmap and one RAM view, so its vCPUs share one mapping per guest page: a page both
 * vCPUs of a split VM read is local to one of them only. Here each node the VM's vCPUs are on may
 * have a view of its own (a reservation the size of the VM's RAM, empty but where a page has a
 * replica on that node: that page maps the replica, read-only). A vCPU's software TLB fills
 * from its node's view when its node has a replica of the page, from the VM's view otherwise;
 * while a page has replicas every vCPU's entry of it is read-only, whichever copy it maps, so a
 * store takes the slow path.
 *
 * The pmap marks a replicated page (pmap_replica_mark: its bit, under the pmap's lock, refused
 * for a page a DMA transfer holds); any change of its bytes or mapping (a store's pmap_page for
 * writing, a copy-on-write break, a remap, a discard) calls vrep_drop first, which takes the
 * replicas back before the change lands: each replica's slot is cleared, its view page is
 * remapped read-only onto the VM's own page (a load already past its software-TLB probe reads
 * that page, never a freed one), every vCPU's entry of the page is shot down, the mark cleared,
 * the replicas freed. A fill that raced with it looks again after itself (numa_replica_recheck)
 * and drops what it filled, as a fill racing with code marking does (shadow-mmu/memory.c).
 *
 * Replicas are made by the policy at the end of vCPU 0's slice, with the VM's other vCPUs held
 * out of guest code (numa_slice_moves), so no store of theirs races the copy.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "numa/internal.h"

/* The VM's replica state, made at its first replica (NULL before: nothing to look at). */
static struct numa_vrep *vrep_of(const struct numa_vm *nv)
{
    return __atomic_load_n(&nv->vrep, __ATOMIC_ACQUIRE);
}

static uint8_t *view_page(const struct numa_vrep *v, unsigned node, uint32_t gpfn)
{
    return v->view[node] + ((size_t)gpfn << MACH_PAGE_BITS);
}

static void vrep_drop(struct pmap *p, uint32_t gpfn)
{
    struct numa_vm *nv = p->replica_opaque;
    struct numa_vrep *v = vrep_of(nv);
    struct machmem *mm = p->mm;
    mpn_t freed[NUMA_MAX_NODES];
    unsigned nf = 0;
    pthread_mutex_lock(&v->lock);
    if (!pmap_replicated(p, gpfn)) {
        pthread_mutex_unlock(&v->lock);
        return; /* another writer took them back first */
    }
    mpn_t m = pmap_lookup(p, gpfn, NULL);
    for (unsigned k = 0; k < NUMA_MAX_NODES; k++) {
        if (!v->rep[k])
            continue;
        mpn_t r = atomic_exchange_explicit(&v->rep[k][gpfn], MPN_NONE, memory_order_seq_cst);
        if (r == MPN_NONE)
            continue;
        /* A load past its probe reads the VM's own page from here on (the same bytes until the
         * change the caller makes, which a vCPU then sees through its refilled entry). */
        if (m == PMAP_NONE || mmap(view_page(v, k, gpfn), MACH_PAGE_SIZE, PROT_READ, MAP_SHARED | MAP_FIXED, mm->fd,
                                   (off_t)m << MACH_PAGE_BITS) == MAP_FAILED)
            mmap(view_page(v, k, gpfn), MACH_PAGE_SIZE, PROT_NONE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
        freed[nf++] = r;
    }
    _Atomic uint64_t *bits = atomic_load_explicit(&p->replica_bits, memory_order_acquire);
    atomic_fetch_and_explicit(&bits[gpfn / 64], ~(1ull << (gpfn % 64)), memory_order_seq_cst);
    /* every vCPU's entry of the page: the replicas' and the read-only ones of the VM's view */
    unsigned shot = 0;
    for (unsigned i = 0; i < p->n_stlb; i++)
        shot += stlb_flush_ppns(p->stlb[i], pmap_ppn(p, gpfn), 1);
    pthread_mutex_unlock(&v->lock);
    machmem_put_many(mm, freed, nf);
    struct numa *n = nv->numa;
    atomic_fetch_add_explicit(&n->st.shootdowns, shot, memory_order_relaxed);
    atomic_fetch_add_explicit(&n->st.collapses, 1, memory_order_relaxed);
    __atomic_fetch_add(&nv->vrep_collapses, 1, __ATOMIC_RELAXED);
}

/* Makes the VM's replica state (on vCPU 0's thread, the policy's). */
static struct numa_vrep *vrep_make(struct numa_vm *nv)
{
    struct numa_vrep *v = vrep_of(nv);
    if (v)
        return v;
    v = calloc(1, sizeof(*v));
    if (!v)
        return NULL;
    pthread_mutex_init(&v->lock, NULL);
    nv->pmap->replica_opaque = nv;
    nv->pmap->replica_drop = vrep_drop;
    __atomic_store_n(&nv->vrep, v, __ATOMIC_RELEASE);
    return v;
}

/* Node k's view and slots (under v->lock); 0 or -ENOMEM. */
static int vrep_node(struct numa_vrep *v, struct pmap *p, unsigned k)
{
    if (v->rep[k])
        return 0;
    size_t bytes = (size_t)p->npages << MACH_PAGE_BITS;
    uint8_t *view = mmap(NULL, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    _Atomic mpn_t *rep = view == MAP_FAILED ? NULL : malloc(p->npages * sizeof(*rep));
    if (!rep) {
        if (view != MAP_FAILED)
            munmap(view, bytes);
        return -ENOMEM;
    }
    for (uint32_t g = 0; g < p->npages; g++)
        atomic_init(&rep[g], MPN_NONE);
    v->view[k] = view;
    atomic_store_explicit(&v->rep[k], rep, memory_order_release);
    return 0;
}

int numa_vreplicate(struct numa_vm *nv, uint32_t gpfn, unsigned node)
{
    struct numa *n = nv->numa;
    struct pmap *p = nv->pmap;
    struct machmem *mm = n->mm;
    if (node >= n->cfg.nodes || gpfn >= p->npages)
        return -EINVAL;
    mpn_t m = pmap_lookup(p, gpfn, NULL);
    if (m == PMAP_NONE)
        return -ENOENT;
    if (machmem_info(mm, m).node == node)
        return -EEXIST; /* the VM's own page is already there */
    struct numa_vrep *v = vrep_make(nv);
    if (!v)
        return -ENOMEM;
    uint64_t t0 = numa_now_ns();
    int rc = pmap_replica_mark(p, gpfn);
    if (rc < 0)
        return rc;
    unsigned saved = machmem_thread_node();
    machmem_set_thread_node(node);
    mpn_t r = machmem_alloc(mm);
    machmem_set_thread_node(saved);
    if (r == MPN_NONE)
        return -ENOMEM; /* the mark stays: the next store takes it back */
    if (machmem_info(mm, r).node != node)
        machmem_set_node(mm, r, node);
    machmem_set_flags(mm, r, MPAGE_REPLICA, 0);
    pthread_mutex_lock(&v->lock);
    rc = vrep_node(v, p, node);
    if (!rc && !pmap_replicated(p, gpfn))
        rc = -EAGAIN; /* a store took the mark back before the copy: nothing to copy for */
    if (!rc && atomic_load_explicit(&v->rep[node][gpfn], memory_order_relaxed) != MPN_NONE)
        rc = -EEXIST;
    if (!rc) {
        /* the bytes as they are: every store from here on comes through vrep_drop first */
        memcpy(machmem_page(mm, r), p->view + ((size_t)gpfn << MACH_PAGE_BITS), MACH_PAGE_SIZE);
        if (mmap(view_page(v, node, gpfn), MACH_PAGE_SIZE, PROT_READ, MAP_SHARED | MAP_FIXED | MAP_POPULATE, mm->fd,
                 (off_t)r << MACH_PAGE_BITS) == MAP_FAILED)
            rc = -errno;
    }
    if (!rc)
        atomic_store_explicit(&v->rep[node][gpfn], r, memory_order_seq_cst);
    pthread_mutex_unlock(&v->lock);
    if (rc) {
        machmem_put(mm, r);
        if (rc != -EEXIST && rc != -EAGAIN)
            atomic_fetch_add_explicit(&n->st.moves_failed, 1, memory_order_relaxed);
        return rc;
    }
    /* writable entries of the page (any vCPU's) go: from now on a store takes the slow path */
    uint64_t shot0 = atomic_load_explicit(&p->st.shot_entries, memory_order_relaxed);
    pmap_shootdown(p, gpfn);
    atomic_fetch_add_explicit(&n->st.shootdowns, atomic_load_explicit(&p->st.shot_entries, memory_order_relaxed) - shot0,
                              memory_order_relaxed);
    atomic_fetch_add_explicit(&n->st.move_ns, numa_now_ns() - t0, memory_order_relaxed);
    atomic_fetch_add_explicit(&n->st.replicas, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&n->st.replications, 1, memory_order_relaxed);
    __atomic_fetch_add(&nv->replicated, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&nv->vreplicas, 1, __ATOMIC_RELAXED);
    return 0;
}

mpn_t numa_vreplica_of(const struct numa_vm *nv, unsigned node, uint32_t gpfn)
{
    struct numa_vrep *v = vrep_of(nv);
    if (!v || node >= NUMA_MAX_NODES || gpfn >= nv->pmap->npages)
        return MPN_NONE;
    _Atomic mpn_t *rep = atomic_load_explicit(&v->rep[node], memory_order_acquire);
    return rep ? atomic_load_explicit(&rep[gpfn], memory_order_seq_cst) : MPN_NONE;
}

void numa_replica_fill(struct numa_vm *nv, unsigned cpu, uint32_t ppn, uint8_t **host, bool *writable)
{
    struct pmap *p = nv->pmap;
    uint32_t gpfn = ppn - pmap_ppn(p, 0);
    if (!vrep_of(nv) || cpu >= nv->n_stlb || !pmap_replicated(p, gpfn))
        return;
    *writable = false; /* a store must come through the slow path and take the replicas back */
    unsigned node = numa_cpu_node(nv, cpu);
    if (numa_vreplica_of(nv, node, gpfn) != MPN_NONE)
        *host = view_page(vrep_of(nv), node, gpfn);
}

bool numa_replica_recheck(struct numa_vm *nv, unsigned cpu, uint32_t ppn, bool replica, bool writable)
{
    if (!vrep_of(nv))
        return false;
    /* Dekker's order with vrep_drop: it clears the slot, then scans; this fill stored its entry,
     * then looks. One of the two sees the other. */
    MEM_FENCE();
    struct pmap *p = nv->pmap;
    uint32_t gpfn = ppn - pmap_ppn(p, 0);
    if (writable)
        return pmap_replicated(p, gpfn); /* marked since: the entry must not take stores */
    return replica && numa_vreplica_of(nv, numa_cpu_node(nv, cpu), gpfn) == MPN_NONE;
}

void numa_vrep_free(struct numa_vm *nv)
{
    struct numa_vrep *v = vrep_of(nv);
    if (!v)
        return;
    struct pmap *p = nv->pmap;
    for (unsigned k = 0; k < NUMA_MAX_NODES; k++) {
        if (!v->rep[k])
            continue;
        for (uint32_t g = 0; g < p->npages; g++) {
            mpn_t r = atomic_load_explicit(&v->rep[k][g], memory_order_relaxed);
            if (r != MPN_NONE)
                machmem_put(p->mm, r);
        }
        munmap(v->view[k], (size_t)p->npages << MACH_PAGE_BITS);
        free((void *)v->rep[k]);
    }
    _Atomic uint64_t *bits = atomic_load_explicit(&p->replica_bits, memory_order_acquire);
    if (bits)
        memset((void *)bits, 0, (p->npages + 63) / 64 * sizeof(*bits));
    p->replica_drop = NULL;
    pthread_mutex_destroy(&v->lock);
    free(v);
    nv->vrep = NULL;
}
