/*
 * The placement policy (Disco section 4.2.3) over the pmap's own mechanisms.
 *
 * Migration is pmap_move (copy to a fresh page, pmap update, the view remapped, shootdown of
 * every software-TLB entry of the page through the back-map, old page freed), run on the VM's
 * own thread between slices with the copy allocated on the VM's node. It only takes private
 * pages: a store cannot race the copy, as every vCPU of the VM is on this thread (DMA from an
 * I/O thread could, which is a limit stated in the README).
 *
 * Replication takes pages that are mapped copy-on-write (the boot files' pages several VMs
 * share, the buffer cache's): they are read-only for every mapper, so a copy is exact whoever
 * runs. A page's replica set keeps one copy per node (the master on its own node); a VM maps
 * its node's copy with pmap_map_cow, the same remap and shootdown as page sharing. A write
 * (a copy-on-write break of any copy: a guest wrote its page) marks the set: the next slice end
 * of any VM collapses it, handing every holder of a replica (found by the memmap's owners) to
 * its VM, which maps the page back to the master at its own next slice end; the replicas are
 * freed once the last holder has (Disco's rule: the first write collapses them). Every pmap
 * change numa/ makes is thus made on the thread of the pmap's VM. The writer now
 * has a private copy; the master is still read-only for the VMs that share it, so the policy
 * may replicate it again for those that keep reading it, within the page's cap of moves (each
 * copy made counts). Translated blocks are keyed by guest-physical address and survive all of
 * it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "numa/internal.h"

uint64_t numa_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void count_move(struct numa *n, struct pmap *p, uint64_t shot0, uint64_t t0)
{
    uint64_t shot = atomic_load_explicit(&p->st.shot_entries, memory_order_relaxed) - shot0;
    atomic_fetch_add_explicit(&n->st.shootdowns, shot, memory_order_relaxed);
    atomic_fetch_add_explicit(&n->st.move_ns, numa_now_ns() - t0, memory_order_relaxed);
}

int numa_migrate(struct numa_vm *nv, uint32_t gpfn)
{
    return numa_migrate_to(nv, gpfn, numa_cpu_node(nv, 0));
}

int numa_migrate_to(struct numa_vm *nv, uint32_t gpfn, unsigned node)
{
    struct numa *n = nv->numa;
    struct pmap *p = nv->pmap;
    bool cow;
    mpn_t old = pmap_lookup(p, gpfn, &cow);
    if (old == PMAP_NONE || cow)
        return old == PMAP_NONE ? -ENOENT : -EBUSY;
    uint64_t t0 = numa_now_ns(), shot0 = atomic_load_explicit(&p->st.shot_entries, memory_order_relaxed);
    unsigned saved = machmem_thread_node();
    machmem_set_thread_node(node);
    int rc = pmap_move(p, gpfn);
    machmem_set_thread_node(saved);
    if (rc < 0) {
        atomic_fetch_add_explicit(&n->st.moves_failed, 1, memory_order_relaxed);
        return rc;
    }
    mpn_t m = pmap_lookup(p, gpfn, NULL);
    if (m != PMAP_NONE)
        machmem_set_node(n->mm, m, node);
    pthread_mutex_lock(&n->lock);
    struct numa_page *o = numa_page_rec(n, old), *pg = m == PMAP_NONE ? NULL : numa_page_rec(n, m);
    uint16_t moves = o ? o->moves : 0;
    uint8_t cpus = o ? o->cpus : 0;
    if (o)
        *o = (struct numa_page){0}; /* freed by the move */
    if (pg)
        *pg = (struct numa_page){.moves = (uint16_t)(moves + 1), .cpus = cpus};
    pthread_mutex_unlock(&n->lock);
    count_move(n, p, shot0, t0);
    atomic_fetch_add_explicit(&n->st.migrations, 1, memory_order_relaxed);
    __atomic_fetch_add(&nv->migrated, 1, __ATOMIC_RELAXED);
    return 0;
}

/* A batch's page, for sorting by guest page. */
struct batch_move {
    uint32_t gpfn;
    unsigned node;
};

static int by_gpfn(const void *a, const void *b)
{
    uint32_t x = ((const struct batch_move *)a)->gpfn, y = ((const struct batch_move *)b)->gpfn;
    return x < y ? -1 : x > y;
}

/* Fresh machine pages for the batch, on each page's node: one run per node, handed out in guest
 * page order, so consecutive guest pages get consecutive machine pages (one view remap for them,
 * pmap_move_many). */
static void batch_alloc(struct machmem *mm, const struct batch_move *b, mpn_t *dst, unsigned n)
{
    unsigned saved = machmem_thread_node();
    for (unsigned node = 0; node < NUMA_MAX_NODES; node++) {
        unsigned c = 0;
        for (unsigned i = 0; i < n; i++)
            c += b[i].node == node;
        if (!c)
            continue;
        machmem_set_thread_node(node);
        mpn_t run = machmem_alloc_run(mm, c);
        for (unsigned i = 0, k = 0; i < n; i++) {
            if (b[i].node != node)
                continue;
            dst[i] = run != MPN_NONE ? run + k++ : machmem_alloc(mm);
            if (dst[i] != MPN_NONE && machmem_info(mm, dst[i]).node != node)
                machmem_set_node(mm, dst[i], node);
        }
    }
    machmem_set_thread_node(saved);
}

unsigned numa_migrate_batch(struct numa_vm *nv, const uint32_t *gpfns, const unsigned *nodes, unsigned n)
{
    struct numa *numa = nv->numa;
    struct pmap *p = nv->pmap;
    if (n == 0)
        return 0;
    struct batch_move *b = malloc(n * sizeof(*b));
    mpn_t *dst = malloc(n * sizeof(*dst)), *old = malloc(n * sizeof(*old)), *drop = malloc(n * sizeof(*drop));
    uint32_t *g = malloc(n * sizeof(*g));
    int *rc = malloc(n * sizeof(*rc));
    unsigned moved = 0, k = 0, nd = 0;
    if (!b || !dst || !old || !drop || !g || !rc)
        goto out;
    uint64_t t0 = numa_now_ns(), shot0 = atomic_load_explicit(&p->st.shot_entries, memory_order_relaxed);
    for (unsigned i = 0; i < n; i++)
        b[i] = (struct batch_move){.gpfn = gpfns[i], .node = nodes[i] % numa->cfg.nodes};
    qsort(b, n, sizeof(*b), by_gpfn);
    for (unsigned i = 0; i < n; i++) {
        bool cow;
        mpn_t m = pmap_lookup(p, b[i].gpfn, &cow);
        if ((i && b[i].gpfn == b[k - 1].gpfn) || m == PMAP_NONE || cow)
            continue; /* a page twice (the first node wins), gone, or shared */
        old[k] = m;
        b[k++] = b[i];
    }
    batch_alloc(numa->mm, b, dst, k);
    unsigned ok = 0;
    for (unsigned i = 0; i < k; i++) {
        if (dst[i] == MPN_NONE)
            continue;
        g[ok] = b[i].gpfn;
        dst[ok] = dst[i];
        old[ok] = old[i];
        b[ok++] = b[i];
    }
    if (ok < k)
        atomic_fetch_add_explicit(&numa->st.moves_failed, k - ok, memory_order_relaxed);
    moved = pmap_move_many(p, g, dst, ok, rc);
    pthread_mutex_lock(&numa->lock);
    for (unsigned i = 0; i < ok; i++) {
        if (rc[i]) {
            drop[nd++] = dst[i];
            continue;
        }
        struct numa_page *o = numa_page_rec(numa, old[i]), *pg = numa_page_rec(numa, dst[i]);
        uint16_t moves = o ? o->moves : 0;
        uint8_t cpus = o ? o->cpus : 0;
        if (o)
            *o = (struct numa_page){0}; /* freed by the move */
        if (pg)
            *pg = (struct numa_page){.moves = (uint16_t)(moves + 1), .cpus = cpus};
    }
    pthread_mutex_unlock(&numa->lock);
    machmem_put_many(numa->mm, drop, nd);
    if (nd)
        atomic_fetch_add_explicit(&numa->st.moves_failed, nd, memory_order_relaxed);
    if (moved) {
        count_move(numa, p, shot0, t0);
        atomic_fetch_add_explicit(&numa->st.migrations, moved, memory_order_relaxed);
        __atomic_fetch_add(&nv->migrated, moved, __ATOMIC_RELAXED);
    }
out:
    free(b);
    free(dst);
    free(old);
    free(drop);
    free(g);
    free(rc);
    return moved;
}

/* The replica set of m (lock held), made with m as its master if it has none (the set then
 * holds a reference to its master); NULL if collapsing, capped or out of memory. */
static struct numa_rset *rset_of(struct numa *n, mpn_t m, unsigned home)
{
    struct numa_page *pg = numa_page_rec(n, m);
    if (!pg)
        return NULL;
    if (pg->rset) {
        struct numa_rset *r = pg->rset;
        struct numa_page *mp = numa_page_rec(n, r->master);
        return r->collapse || !mp || mp->moves >= NUMA_MAX_MOVES ? NULL : r;
    }
    struct numa_rset *r = pg->moves < NUMA_MAX_MOVES ? malloc(sizeof(*r)) : NULL;
    if (!r)
        return NULL;
    *r = (struct numa_rset){.master = m};
    for (unsigned k = 0; k < NUMA_MAX_NODES; k++)
        r->rep[k] = MPN_NONE;
    r->rep[home] = m;
    pg->rset = r;
    machmem_get(n->mm, m);
    return r;
}

int numa_replicate(struct numa_vm *nv, uint32_t gpfn)
{
    return numa_replicate_to(nv, gpfn, numa_cpu_node(nv, 0));
}

int numa_replicate_to(struct numa_vm *nv, uint32_t gpfn, unsigned node)
{
    struct numa *n = nv->numa;
    struct machmem *mm = n->mm;
    struct pmap *p = nv->pmap;
    bool cow;
    mpn_t m = pmap_lookup(p, gpfn, &cow);
    if (m == PMAP_NONE || !cow)
        return m == PMAP_NONE ? -ENOENT : -EINVAL;
    uint64_t t0 = numa_now_ns(), shot0 = atomic_load_explicit(&p->st.shot_entries, memory_order_relaxed);
    unsigned home = machmem_info(mm, m).node % n->cfg.nodes;
    pthread_mutex_lock(&n->lock);
    struct numa_rset *r = rset_of(n, m, home);
    if (!r) {
        pthread_mutex_unlock(&n->lock);
        return -EBUSY;
    }
    mpn_t master = r->master, local = r->rep[node];
    pthread_mutex_unlock(&n->lock);
    if (local == m)
        return 0;
    if (local == MPN_NONE) {
        unsigned saved = machmem_thread_node();
        machmem_set_thread_node(node);
        mpn_t c = machmem_alloc(mm);
        machmem_set_thread_node(saved);
        if (c == MPN_NONE) {
            atomic_fetch_add_explicit(&n->st.moves_failed, 1, memory_order_relaxed);
            return -ENOMEM;
        }
        machmem_set_node(mm, c, node);
        memcpy(machmem_page(mm, c), machmem_page(mm, master), MACH_PAGE_SIZE);
        machmem_set_flags(mm, c, MPAGE_REPLICA | MPAGE_SHARED | MPAGE_COW, 0);
        pthread_mutex_lock(&n->lock);
        /* the set may have collapsed meanwhile: r is only used if the master still names it */
        struct numa_page *mp = numa_page_rec(n, master), *cp = numa_page_rec(n, c);
        bool same = mp && mp->rset == r && !r->collapse;
        if (same && r->rep[node] == MPN_NONE && cp) {
            r->rep[node] = c; /* the allocation's reference is the set's hold */
            *cp = (struct numa_page){.rset = r};
            if (mp->moves < UINT16_MAX)
                mp->moves++; /* a copy made: what the cap counts */
            local = c;
            c = MPN_NONE;
        } else if (same) {
            local = r->rep[node];
        }
        pthread_mutex_unlock(&n->lock);
        if (c != MPN_NONE)
            machmem_put(mm, c); /* lost a race, or the set went */
        else
            atomic_fetch_add_explicit(&n->st.replicas, 1, memory_order_relaxed);
        if (local == MPN_NONE)
            return -EBUSY;
    }
    int rc = pmap_map_cow(p, gpfn, local);
    if (rc < 0) {
        atomic_fetch_add_explicit(&n->st.moves_failed, 1, memory_order_relaxed);
        return rc;
    }
    count_move(n, p, shot0, t0);
    atomic_fetch_add_explicit(&n->st.replications, 1, memory_order_relaxed);
    __atomic_fetch_add(&nv->replicated, 1, __ATOMIC_RELAXED);
    return 0;
}

void numa_cow_break(struct machmem *mm, mpn_t m)
{
    struct numa *n = mm->numa;
    if (!n)
        return;
    pthread_mutex_lock(&n->lock);
    struct numa_page *pg = numa_page_rec(n, m);
    if (pg && pg->rset && !pg->rset->collapse) {
        pg->rset->collapse = true;
        pg->rset->next_pending = n->pending_sets;
        n->pending_sets = pg->rset;
        atomic_fetch_add_explicit(&n->pending, 1, memory_order_relaxed);
    }
    pthread_mutex_unlock(&n->lock);
}

/* Hands every holder of replica c to its VM's inbox: the VM maps the page back to master on its
 * own thread, as it makes every other change of its pmap. */
static void hand_back(struct numa *n, mpn_t c, mpn_t master)
{
    struct machmem *mm = n->mm;
    uint64_t small[16];
    unsigned k = machmem_owners(mm, c, small, 16);
    uint64_t *own = small;
    if (k > 16) {
        own = malloc(k * sizeof(*own));
        if (!own)
            return; /* they keep the replica: still an exact read-only copy */
        unsigned again = machmem_owners(mm, c, own, k);
        if (again < k)
            k = again;
    }
    for (unsigned i = 0; i < k; i++) {
        struct numa_remap *r = malloc(sizeof(*r));
        if (!r)
            break;
        *r = (struct numa_remap){.gpfn = MPAGE_OWNER_GPFN(own[i]), .replica = c, .master = master};
        machmem_get(mm, master);
        pthread_mutex_lock(&n->lock);
        struct numa_vm *nv = n->vms[MPAGE_OWNER_ID(own[i])];
        if (nv) {
            r->next = nv->inbox;
            nv->inbox = r;
        }
        pthread_mutex_unlock(&n->lock);
        if (!nv) {
            machmem_put(mm, master);
            free(r);
        }
    }
    if (own != small)
        free(own);
}

unsigned numa_apply_remaps(struct numa_vm *nv)
{
    struct numa *n = nv->numa;
    struct pmap *p = nv->pmap;
    pthread_mutex_lock(&n->lock);
    struct numa_remap *r = nv->inbox;
    nv->inbox = NULL;
    pthread_mutex_unlock(&n->lock);
    unsigned done = 0;
    while (r) {
        struct numa_remap *next = r->next;
        bool cow;
        if (pmap_lookup(p, r->gpfn, &cow) == r->replica && cow) {
            uint64_t shot0 = atomic_load_explicit(&p->st.shot_entries, memory_order_relaxed);
            if (pmap_map_cow(p, r->gpfn, r->master) == 0) {
                done++;
                atomic_fetch_add_explicit(&n->st.shootdowns,
                                          atomic_load_explicit(&p->st.shot_entries, memory_order_relaxed) - shot0,
                                          memory_order_relaxed);
            }
        }
        machmem_put(n->mm, r->master);
        free(r);
        r = next;
    }
    return done;
}

unsigned numa_collapse_pending(struct numa *n)
{
    if (!atomic_load_explicit(&n->pending, memory_order_relaxed))
        return 0;
    unsigned done = 0;
    for (;;) {
        pthread_mutex_lock(&n->lock);
        struct numa_rset *s = n->pending_sets, r;
        if (s) {
            n->pending_sets = s->next_pending;
            r = *s;
            for (unsigned k = 0; k < NUMA_MAX_NODES; k++) {
                struct numa_page *pg = s->rep[k] == MPN_NONE ? NULL : numa_page_rec(n, s->rep[k]);
                if (pg)
                    pg->rset = NULL;
            }
            free(s);
            atomic_fetch_sub_explicit(&n->pending, 1, memory_order_relaxed);
        }
        pthread_mutex_unlock(&n->lock);
        if (!s)
            break;
        for (unsigned k = 0; k < NUMA_MAX_NODES; k++) {
            if (r.rep[k] == MPN_NONE || r.rep[k] == r.master)
                continue;
            hand_back(n, r.rep[k], r.master);
            machmem_put(n->mm, r.rep[k]); /* the set's hold: freed once no pmap maps it */
        }
        machmem_put(n->mm, r.master);
        atomic_fetch_add_explicit(&n->st.collapses, 1, memory_order_relaxed);
        done++;
    }
    return done;
}

/* A candidate and how hot its queued page is from the node that wants it, for the round's order. */
struct hot_cand {
    uint64_t cand;
    uint32_t heat;
};

static int hotter_first(const void *a, const void *b)
{
    uint32_t x = ((const struct hot_cand *)a)->heat, y = ((const struct hot_cand *)b)->heat;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* The hottest candidates first: with a bounded number of moves a round, a page read millions of
 * times (a boot-time shared page) must not wait behind a thousand pages barely over the mark. */
static void order_by_heat(struct numa *n, uint64_t *cand, unsigned nc)
{
    struct hot_cand *h = malloc(nc * sizeof(*h));
    if (!h)
        return; /* queue order then */
    pthread_mutex_lock(&n->lock);
    for (unsigned i = 0; i < nc; i++) {
        struct numa_page *pg = numa_page_rec(n, (mpn_t)(cand[i] >> 32));
        h[i] = (struct hot_cand){.cand = cand[i], .heat = pg ? pg->acc[NUMA_CAND_NODE(cand[i])] : 0};
    }
    pthread_mutex_unlock(&n->lock);
    qsort(h, nc, sizeof(*h), hotter_first);
    for (unsigned i = 0; i < nc; i++)
        cand[i] = h[i].cand;
    free(h);
}

bool numa_vm_split(const struct numa_vm *nv)
{
    for (unsigned i = 1; i < nv->n_stlb; i++)
        if (numa_cpu_node(nv, i) != numa_cpu_node(nv, 0))
            return true;
    return false;
}

void numa_policy_round(struct numa_vm *nv, unsigned max_moves)
{
    struct numa *n = nv->numa;
    struct pmap *p = nv->pmap;
    unsigned moves = 0, i = 0;
    atomic_fetch_add_explicit(&n->st.rounds, 1, memory_order_relaxed);
    /* The list is the round's while it runs: a vCPU on a thread of its own may queue meanwhile. */
    pthread_mutex_lock(&n->lock);
    uint64_t *cand = nv->cand;
    unsigned nc = nv->n_cand;
    nv->cand = nv->cand_spare;
    nv->n_cand = 0;
    pthread_mutex_unlock(&n->lock);
    if (max_moves > NUMA_MOVES_PER_ROUND)
        max_moves = NUMA_MOVES_PER_ROUND; /* the round's batch of migrations */
    if (nc > max_moves)
        order_by_heat(n, cand, nc);
    bool split = numa_vm_split(nv);
    uint32_t mig_gpfn[NUMA_MOVES_PER_ROUND];
    unsigned mig_node[NUMA_MOVES_PER_ROUND], n_mig = 0;
    for (; i < nc && moves < max_moves; i++) {
        uint32_t gpfn = NUMA_CAND_GPFN(cand[i]);
        unsigned node = NUMA_CAND_NODE(cand[i]);
        mpn_t queued = (mpn_t)(cand[i] >> 32);
        bool cow;
        mpn_t m = pmap_lookup(p, gpfn, &cow);
        unsigned home = m == PMAP_NONE ? node : machmem_info(n->mm, m).node;
        pthread_mutex_lock(&n->lock);
        /* the page queued, which the guest page may no longer map (moved, collapsed, broken) */
        struct numa_page *q = numa_page_rec(n, queued);
        if (q)
            q->queued &= (uint8_t)~(1u << node);
        struct numa_page *pg = m == PMAP_NONE ? NULL : numa_page_rec(n, m);
        uint64_t total = 0, mine = 0, writes = 0;
        bool capped = true;
        if (pg) {
            for (unsigned k = 0; k < NUMA_MAX_NODES; k++)
                total += pg->acc[k];
            mine = pg->acc[node];
            writes = pg->writes;
            pg->writes /= 2;
            capped = pg->moves >= NUMA_MAX_MOVES;
            /* the counts decay at each look: what matters is the recent use */
            for (unsigned k = 0; k < NUMA_MAX_NODES; k++)
                pg->acc[k] /= 2;
        }
        pthread_mutex_unlock(&n->lock);
        if (home == node || capped)
            continue;
        /* a VM on one node makes all its accesses there now: what other nodes counted is the
         * past of a vCPU moved since (its counts halve only at each look) */
        bool most = mine * 4 >= total * 3 || (!split && node == numa_cpu_node(nv, 0));
        /* read by the VM's vCPUs on several nodes and (nearly) never written: Disco's
         * replication, inside the VM (numa/vreplica.c) */
        bool read_shared = split && n->cfg.policy == NUMA_POLICY_REPLICATE && writes * NUMA_READ_MOSTLY <= total;
        if (!cow && most) {
            /* A private page used mostly from this node (a VM's own vCPUs: all of its uses):
             * moved with the round's others at its end, under one shootdown. */
            mig_gpfn[n_mig] = gpfn;
            mig_node[n_mig++] = node;
            moves++;
        } else if (cow && n->cfg.policy == NUMA_POLICY_REPLICATE && (!split || most)) {
            /* the VM's own mapping of a page shared with other VMs: its node's copy */
            if (numa_replicate_to(nv, gpfn, node) == 0)
                moves++;
        } else if (read_shared && numa_vreplicate(nv, gpfn, node) == 0) {
            pthread_mutex_lock(&n->lock);
            struct numa_page *r = numa_page_rec(n, m);
            if (r && r->moves < UINT16_MAX)
                r->moves++; /* a copy made: what the cap counts */
            pthread_mutex_unlock(&n->lock);
            moves++;
        }
    }
    moves -= n_mig - numa_migrate_batch(nv, mig_gpfn, mig_node, n_mig);
    /* the rest wait for the next round, before what was queued meanwhile */
    pthread_mutex_lock(&n->lock);
    unsigned rest = nc - i;
    memmove(cand, cand + i, rest * sizeof(*cand));
    for (unsigned k = 0; k < nv->n_cand; k++) {
        if (rest < NUMA_CAND_MAX) {
            cand[rest++] = nv->cand[k];
            continue;
        }
        struct numa_page *q = numa_page_rec(n, (mpn_t)(nv->cand[k] >> 32));
        if (q)
            q->queued &= (uint8_t)~(1u << NUMA_CAND_NODE(nv->cand[k])); /* dropped: may queue again */
    }
    nv->cand_spare = nv->cand;
    nv->cand = cand;
    nv->n_cand = rest;
    pthread_mutex_unlock(&n->lock);
    nv->last_moves = moves;
}
