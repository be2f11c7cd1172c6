/*
 * The simulated ccNUMA machine: its nodes, each VM's place on them, and the access counts.
 *
 * Counting plays FLASH's directory with the software TLB, and samples: some scheduler slices of
 * a VM are counting slices, whose blocks are the ones translated with TB_F_COUNT (dbt_tb_flags
 * picks them; the others are the same bytes as without NUMA, kernel kseg0 loads through the
 * direct window). While the policy moves the VM's pages every slice counts; once a round moves
 * nothing the gap between counting slices doubles, up to cfg.sample (1 in 64 by default), and a
 * round that moves something makes the next slice count again: dense while placement changes,
 * sparse (and cheap) once it has settled. A slice that maps NUMA_WS_NEW_PAGES pages or more
 * from elsewhere (the buffer cache's or boot files' pages mapped copy-on-write, homed where they
 * were read), or a vCPU put on another node, makes the next NUMA_WS_WINDOW slices count: that
 * is where the policy has work (a first touch lands on the toucher's node and needs nothing),
 * and without it the policy would hear of the new pages only at the end of the current gap (up
 * to 64 slices later). A counting block adds one to a
 * counter beside the software-TLB entry of every load and store that hits it (struct stlb.cnt,
 * same index as the entry; its kseg0 loads take the probe) and to a per-code-page slot on every
 * block it enters (struct stlb.fetch). The counts are folded here on the vCPU's own thread, each
 * weighted by the slices its counting slice stands for (itself and those skipped before it: an
 * estimate of every slice's accesses): when the software TLB reuses an
 * entry for another page (its fold callback) and at the end of every counting slice
 * (numa_fold_all). A fold turns an entry's canonical page into the machine page
 * the pmap maps now and charges the accesses to that page's home node: per VM, per node
 * totals, and the latency model's stall (L for a local page, R for a remote one, and the UMA
 * bound with every access at L). With a policy that moves pages, the fold also keeps per-page,
 * per-node counts (numa_page) and queues a page for the policy once it is hot from a node that
 * is not its home.
 *
 * audit=on counts every slice for the report while the policy hears only the slices the sampling
 * picks: the placement sampled counting gets, measured exactly (bench-numa compares the two).
 *
 * Each vCPU charges its accesses by its own node (struct numa_cpu, the software TLB's fold
 * opaque); a vCPU on a host thread of its own (an SMP vCPU with --smp-threads 2) folds its own
 * counts at the end of its slices, and its candidates join the VM's list under the machine's
 * lock. A VM has one pmap: a page its vCPUs on two nodes both read is local to one of them only.
 *
 * Limits: sampling by slice sees a phase shorter than the gap in part or not at all, and the
 * policy hears of a page only after a counting slice; accesses the translator does not probe (the interpreter, the trap path's emulated
 * accesses, the partial-word and linked accesses that go to helpers, DMA) are not counted;
 * a flush leaves an entry's counts in place and they fold with the page the pmap maps at the
 * next fold, so a page moved in between is charged for accesses made to its old copy.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "numa/internal.h"

static struct numa_cpu *fold_cpu(void *opaque)
{
    return opaque;
}

int numa_create(struct machmem *mm, const struct numa_config *cfg)
{
    if (mm->numa)
        return -EEXIST;
    struct numa *n = calloc(1, sizeof(*n));
    if (!n)
        return -ENOMEM;
    n->mm = mm;
    n->cfg = *cfg;
    n->n_chunks = (mm->max_pages >> NUMA_CHUNK_BITS) + 1;
    n->chunks = calloc(n->n_chunks, sizeof(*n->chunks));
    if (!n->chunks) {
        free(n);
        return -ENOMEM;
    }
    pthread_mutex_init(&n->lock, NULL);
    mm->numa_nodes = cfg->nodes;
    mm->numa_interleave = cfg->policy == NUMA_POLICY_NONE;
    mm->numa_cow_break = numa_cow_break;
    mm->numa = n;
    return 0;
}

void numa_destroy(struct machmem *mm)
{
    struct numa *n = mm->numa;
    if (!n)
        return;
    mm->numa = NULL;
    mm->numa_cow_break = NULL;
    mm->numa_nodes = 0;
    /* Each set once, through its master: the replicas forget it first (a replica's record may
     * come after its master's). */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n->n_chunks; i++)
            for (size_t k = 0; n->chunks[i] && k < (1u << NUMA_CHUNK_BITS); k++) {
                struct numa_page *pg = &n->chunks[i][k];
                bool master = pg->rset && pg->rset->master == (mpn_t)(i << NUMA_CHUNK_BITS | k);
                if (pass == 0 && pg->rset && !master)
                    pg->rset = NULL;
                else if (pass == 1 && master)
                    free(pg->rset);
            }
    for (size_t i = 0; i < n->n_chunks; i++)
        free(n->chunks[i]);
    free(n->chunks);
    pthread_mutex_destroy(&n->lock);
    free(n);
}

const struct numa_config *numa_config_of(const struct numa *n)
{
    return &n->cfg;
}

const struct numa_stats *numa_stats_of(const struct numa *n)
{
    return &n->st;
}

void numa_pages_per_node(struct numa *n, uint64_t *out)
{
    memset(out, 0, n->cfg.nodes * sizeof(*out));
    machmem_node_counts(n->mm, out, n->cfg.nodes);
}

struct numa_page *numa_page_rec(struct numa *n, mpn_t m)
{
    size_t c = m >> NUMA_CHUNK_BITS;
    if (c >= n->n_chunks)
        return NULL;
    if (!n->chunks[c])
        n->chunks[c] = calloc((size_t)1 << NUMA_CHUNK_BITS, sizeof(struct numa_page));
    return n->chunks[c] ? &n->chunks[c][m & ((1u << NUMA_CHUNK_BITS) - 1)] : NULL;
}

uint32_t numa_page_count(struct numa *n, mpn_t m, unsigned node)
{
    pthread_mutex_lock(&n->lock);
    struct numa_page *pg = numa_page_rec(n, m);
    uint32_t c = pg && node < NUMA_MAX_NODES ? pg->acc[node] : 0;
    pthread_mutex_unlock(&n->lock);
    return c;
}

static uint32_t sat_add(uint32_t a, uint64_t b)
{
    return b >= UINT32_MAX - a ? UINT32_MAX : a + (uint32_t)b;
}

/* Charges accesses (loads + stores; fetch: block entries) of canonical page ppn made by vCPU c:
 * acc to the report and the model, pacc (pstores of them stores) to the policy's per-page counts. */
/* Returns whether the page was queued for the policy. */
static bool charge(struct numa_cpu *c, uint32_t ppn, uint64_t acc, uint64_t pacc, uint64_t pstores, bool fetch)
{
    struct numa_vm *nv = c->nv;
    struct pmap *p = nv->pmap;
    uint32_t gpfn = ppn - pmap_ppn(p, 0);
    if (gpfn >= p->npages)
        return false; /* not RAM (the boot ROM, flash) */
    bool cow;
    mpn_t m = pmap_lookup(p, gpfn, &cow);
    if (m == PMAP_NONE)
        return false;
    struct numa *n = nv->numa;
    unsigned node = __atomic_load_n(&c->node, __ATOMIC_RELAXED);
    unsigned home = machmem_info(n->mm, m).node;
    if (home >= NUMA_MAX_NODES)
        home = 0;
    if (home != node && numa_vreplica_of(nv, node, gpfn) != MPN_NONE)
        home = node; /* the vCPU reads its node's replica */
    bool policy = n->cfg.policy >= NUMA_POLICY_MIGRATE && pacc;
    bool shared = cow, queue = false;
    if (policy || nv->n_stlb > 1) {
        pthread_mutex_lock(&n->lock);
        struct numa_page *pg = numa_page_rec(n, m);
        if (pg && nv->n_stlb > 1) {
            /* a page of a VM of several vCPUs is shared once two of them reached it */
            pg->cpus |= (uint8_t)(1u << (c->idx & 7));
            shared |= (pg->cpus & (pg->cpus - 1)) != 0;
        }
        if (pg && policy) {
            numa_follow_mark(nv, pg);
            pg->acc[node] = sat_add(pg->acc[node], pacc);
            pg->writes = sat_add(pg->writes, pstores);
            queue = home != node && !(pg->queued & (1u << node)) && pg->acc[node] >= NUMA_HOT &&
                    pg->moves < NUMA_MAX_MOVES && nv->n_cand < NUMA_CAND_MAX;
            if (queue) {
                pg->queued |= (uint8_t)(1u << node);
                nv->cand[nv->n_cand++] = NUMA_CAND(m, node, gpfn);
            }
        }
        pthread_mutex_unlock(&n->lock);
    }
    /* relaxed atomics: QMP reads them from its own thread, and a VM's vCPUs may charge from two */
    __atomic_fetch_add(&(fetch ? nv->fetch : nv->acc)[home], acc, __ATOMIC_RELAXED);
    if (cow)
        __atomic_fetch_add(&nv->shared[home], acc, __ATOMIC_RELAXED);
    bool local = home == node;
    __atomic_fetch_add(local ? &nv->local : &nv->remote, acc, __ATOMIC_RELAXED);
    if (shared)
        __atomic_fetch_add(local ? &nv->shared_local : &nv->shared_remote, acc, __ATOMIC_RELAXED);
    __atomic_fetch_add(&nv->stall_ns, acc * (local ? n->cfg.local_ns : n->cfg.remote_ns), __ATOMIC_RELAXED);
    __atomic_fetch_add(&nv->uma_ns, acc * n->cfg.local_ns, __ATOMIC_RELAXED);
    return queue;
}

/* What one counted access stands for: for the policy, the slices its counting slice samples (0:
 * audit=on's slice the sampling would not have counted); for the report, the same without audit,
 * and itself with it (every slice counted). */
static uint64_t policy_weight(const struct numa_vm *nv)
{
    unsigned w = __atomic_load_n(&nv->weight, __ATOMIC_RELAXED);
    if (nv->numa->cfg.audit && !__atomic_load_n(&nv->sampled, __ATOMIC_RELAXED))
        return 0;
    return w ? w : 1;
}

static uint64_t report_weight(const struct numa_vm *nv)
{
    unsigned w = __atomic_load_n(&nv->weight, __ATOMIC_RELAXED);
    return nv->numa->cfg.audit || !w ? 1 : w;
}

static void charge_counts(struct numa_cpu *c, uint32_t ppn, uint64_t acc, uint64_t stores, bool fetch)
{
    uint64_t pw = policy_weight(c->nv);
    charge(c, ppn, acc * report_weight(c->nv), acc * pw, stores * pw, fetch);
}

static void fold_entry(void *opaque, uint32_t ppn, const struct stlb_count *c)
{
    charge_counts(fold_cpu(opaque), ppn, c->n[MMU_LOAD] + c->n[MMU_STORE], c->n[MMU_STORE], false);
}

struct numa_vm *numa_vm_attach(struct machmem *mm, struct pmap *p, int node, int mem_node)
{
    struct numa *n = mm->numa;
    if (!n)
        return NULL;
    struct numa_vm *nv = calloc(1, sizeof(*nv));
    uint64_t *cand = calloc(NUMA_CAND_MAX, sizeof(*cand)), *spare = calloc(NUMA_CAND_MAX, sizeof(*spare));
    if (!nv || !cand || !spare) {
        free(nv);
        free(cand);
        free(spare);
        return NULL;
    }
    pthread_mutex_lock(&n->lock);
    if (node < 0)
        node = (int)(n->next_node++ % n->cfg.nodes);
    n->vms[p->id] = nv;
    pthread_mutex_unlock(&n->lock);
    nv->numa = n;
    nv->pmap = p;
    nv->cand = cand;
    nv->cand_spare = spare;
    nv->node = (unsigned)node % n->cfg.nodes;
    nv->mem_fixed = mem_node >= 0;
    nv->mem_node = mem_node < 0 ? nv->node : (unsigned)mem_node % n->cfg.nodes;
    for (unsigned i = 0; i < PMAP_MAX_STLBS; i++)
        nv->cpu[i] = (struct numa_cpu){.nv = nv, .idx = i, .node = nv->node};
    return nv;
}

void numa_vm_detach(struct numa_vm *nv)
{
    if (!nv)
        return;
    for (unsigned i = 0; i < nv->n_stlb; i++) {
        nv->stlb[i]->fold = NULL;
        nv->stlb[i]->fold_opaque = NULL;
    }
    struct numa *n = nv->numa;
    pthread_mutex_lock(&n->lock);
    n->vms[nv->pmap->id] = NULL;
    struct numa_remap *r = nv->inbox;
    nv->inbox = NULL;
    pthread_mutex_unlock(&n->lock);
    while (r) {
        struct numa_remap *next = r->next;
        machmem_put(n->mm, r->master);
        free(r);
        r = next;
    }
    numa_vrep_free(nv);
    free(nv->cand);
    free(nv->cand_spare);
    free(nv);
}

void numa_vm_add_stlb(struct numa_vm *nv, struct stlb *s)
{
    if (nv->n_stlb == PMAP_MAX_STLBS)
        return;
    s->fold_opaque = &nv->cpu[nv->n_stlb];
    nv->stlb[nv->n_stlb++] = s;
    s->fold = fold_entry;
}

static void fold_array(struct numa_cpu *cpu, struct stlb_count *c, const uint32_t *ppn, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (c[i].n[MMU_LOAD] | c[i].n[MMU_STORE]) {
            fold_entry(cpu, ppn[i], &c[i]);
            c[i] = (struct stlb_count){0};
        }
}

/* A fetch slot's count, taken (the translator may charge it from another vCPU's thread). */
static void fold_fetch(struct numa_cpu *c, struct stlb *s, unsigned i)
{
    uint64_t f = __atomic_exchange_n(&s->fetch[i], 0, __ATOMIC_RELAXED);
    if (f)
        charge_counts(c, __atomic_load_n(&s->fetch_ppn[i], __ATOMIC_RELAXED), f, 0, true);
}

/* vCPU k's counts (on the thread it runs on). */
static void fold_one(struct numa_vm *nv, unsigned k)
{
    struct stlb *s = nv->stlb[k];
    struct numa_cpu *c = &nv->cpu[k];
    for (unsigned m = 0; m < MMU_NMODES; m++) {
        fold_array(c, s->cnt[m], s->ppn[m], STLB_SIZE);
        fold_array(c, s->victim_cnt[m], s->victim_ppn[m], STLB_VICTIMS);
    }
    for (unsigned i = 0; i < STLB_FETCH_SLOTS; i++)
        if (__atomic_load_n(&s->fetch[i], __ATOMIC_RELAXED))
            fold_fetch(c, s, i);
}

void numa_fold_all(struct numa_vm *nv)
{
    for (unsigned k = 0; k < nv->n_stlb; k++)
        fold_one(nv, k);
}

void numa_note_code(struct numa_vm *nv, uint32_t ppn)
{
    unsigned slot = ppn & (STLB_FETCH_SLOTS - 1);
    for (unsigned k = 0; k < nv->n_stlb; k++) {
        struct stlb *s = nv->stlb[k];
        if (__atomic_load_n(&s->fetch_ppn[slot], __ATOMIC_RELAXED) == ppn)
            continue;
        /* Another page's blocks counted here so far: theirs, then the slot is this page's. */
        fold_fetch(&nv->cpu[k], s, slot);
        __atomic_store_n(&s->fetch_ppn[slot], ppn, __ATOMIC_RELAXED);
    }
}

/* The node the calling thread's first touches land on for vCPU idx. */
static unsigned touch_node(const struct numa_vm *nv, unsigned idx)
{
    return nv->mem_fixed ? nv->mem_node : numa_cpu_node(nv, idx);
}

void numa_slice_begin(struct numa_vm *nv)
{
    machmem_set_thread_node(touch_node(nv, 0));
    bool sampled = nv->skip == 0;
    __atomic_store_n(&nv->sampled, sampled, __ATOMIC_RELAXED);
    if (sampled) {
        __atomic_store_n(&nv->weight, nv->since + 1, __ATOMIC_RELAXED);
        nv->since = 0;
    }
    __atomic_store_n(&nv->counting, sampled || nv->numa->cfg.audit, __ATOMIC_RELAXED);
}

void numa_vcpu_slice_begin(struct numa_vm *nv, unsigned idx)
{
    if (idx >= nv->n_stlb)
        return;
    struct numa_cpu *c = &nv->cpu[idx];
    __atomic_store_n(&c->own_thread, true, __ATOMIC_RELAXED);
    c->counted = numa_counting(nv);
    machmem_set_thread_node(touch_node(nv, idx));
}

void numa_vcpu_slice_end(struct numa_vm *nv, unsigned idx)
{
    if (idx >= nv->n_stlb)
        return;
    /* counts are made only in a counting slice of the VM, which may have begun or ended during
     * this vCPU's slice */
    if (nv->cpu[idx].counted || numa_counting(nv))
        fold_one(nv, idx);
}

bool numa_slice_moves(const struct numa_vm *nv)
{
    struct numa *n = nv->numa;
    if (n->cfg.policy < NUMA_POLICY_MIGRATE)
        return false;
    if (numa_counting(nv))
        return true; /* its fold may queue pages the round then moves */
    pthread_mutex_lock(&n->lock);
    bool work = nv->n_cand || nv->inbox || n->pending || __atomic_load_n(&nv->follow, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&n->lock);
    return work;
}

int numa_vm_set_node(struct numa_vm *nv, int idx, unsigned node)
{
    if (node >= nv->numa->cfg.nodes || idx >= (int)nv->n_stlb || idx < -1)
        return -EINVAL;
    for (unsigned i = 0; i < nv->n_stlb; i++)
        if (idx < 0 || (unsigned)idx == i)
            __atomic_store_n(&nv->cpu[i].node, node, __ATOMIC_RELAXED);
    if (idx <= 0)
        __atomic_store_n(&nv->node, node, __ATOMIC_RELAXED);
    __atomic_store_n(&nv->moved, true, __ATOMIC_RELAXED); /* its pages are now remote: count densely */
    __atomic_store_n(&nv->follow, true, __ATOMIC_RELAXED);  /* and the ones it used lately follow */
    return 0;
}

void numa_slice_end(struct numa_vm *nv)
{
    numa_slice_end_held(nv, true);
}

void numa_slice_end_held(struct numa_vm *nv, bool may_move)
{
    struct numa *n = nv->numa;
    if (numa_counting(nv)) {
        /* the slice's counts (those of vCPUs on threads of their own fold there); the other
         * slices' blocks leave them at zero */
        for (unsigned k = 0; k < nv->n_stlb; k++)
            if (!__atomic_load_n(&nv->cpu[k].own_thread, __ATOMIC_RELAXED))
                fold_one(nv, k);
        __atomic_fetch_add(&nv->counted_slices, 1, __ATOMIC_RELAXED); /* QMP reads them */
    }
    __atomic_fetch_add(&nv->slices, 1, __ATOMIC_RELAXED);
    nv->last_moves = 0;
    if (n->cfg.policy >= NUMA_POLICY_MIGRATE && may_move) {
        /* Moves are made by the node that wants the page: the copy lands on it. */
        machmem_set_thread_node(numa_cpu_node(nv, 0));
        nv->last_moves += numa_follow(nv);
        if (nv->slices % NUMA_POLICY_EVERY == 0 && __atomic_load_n(&nv->n_cand, __ATOMIC_RELAXED))
            numa_policy_round(nv, NUMA_MOVES_PER_ROUND);
        machmem_set_thread_node(numa_cpu_node(nv, 0));
        numa_collapse_pending(n);
        nv->remapped_back += numa_apply_remaps(nv);
        machmem_set_thread_node(touch_node(nv, 0));
    }
    /* the next counting slice: at once while pages move or a new working set arrives, else
     * after a gap twice the last */
    unsigned most = n->cfg.sample > 1 ? n->cfg.sample : 1;
    /* pages mapped from elsewhere (not numa/'s own maps to and from replicas): first touches
     * land on the toucher's node and need nothing */
    uint64_t ws = atomic_load_explicit(&nv->pmap->st.shared_maps, memory_order_relaxed) -
                  __atomic_load_n(&nv->replicated, __ATOMIC_RELAXED) - nv->remapped_back;
    bool new_ws = ws - nv->ws_pages >= NUMA_WS_NEW_PAGES || __atomic_exchange_n(&nv->moved, false, __ATOMIC_RELAXED);
    nv->ws_pages = ws;
    if (new_ws && most > 1 && !nv->last_moves && !nv->dense)
        __atomic_fetch_add(&nv->ws_resets, 1, __ATOMIC_RELAXED);
    if (new_ws)
        nv->dense = NUMA_WS_WINDOW;
    if (nv->last_moves || nv->dense) {
        nv->dense -= nv->dense > 0;
        nv->gap = 1;
        nv->skip = 0;
    } else if (nv->sampled) {
        nv->gap = nv->gap * 2 > most ? most : nv->gap ? nv->gap * 2 : 1;
        nv->skip = nv->gap - 1;
    } else {
        nv->skip--;
    }
    if (!nv->sampled)
        nv->since++;
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

bool numa_delay_access(struct numa_vm *nv, unsigned cpu, uint32_t ppn, bool store, bool *end_slice)
{
    struct numa *n = nv->numa;
    if (!n->cfg.delay || cpu >= nv->n_stlb)
        return false;
    struct pmap *p = nv->pmap;
    uint32_t gpfn = ppn - pmap_ppn(p, 0);
    mpn_t m = gpfn < p->npages ? pmap_lookup(p, gpfn, NULL) : PMAP_NONE;
    unsigned node = numa_cpu_node(nv, cpu);
    if (m == PMAP_NONE || machmem_info(n->mm, m).node == node ||
        (!store && numa_vreplica_of(nv, node, gpfn) != MPN_NONE))
        return false;
    uint64_t t0 = mono_ns();
    /* A VM on one node wants every remote page it uses on that node (numa_policy_round): once
     * one is queued its slice ends, and the round at its end moves the page, instead of the
     * rest of the page's accesses (a pass over a file: a thousand) all paying the spin. */
    if (charge(&nv->cpu[cpu], ppn, 1, 1, store, false) && end_slice && !numa_vm_split(nv))
        *end_slice = true;
    uint64_t until = mono_ns() + (n->cfg.remote_ns - n->cfg.local_ns), now;
    while ((now = mono_ns()) < until)
        __builtin_ia32_pause();
    __atomic_fetch_add(store ? &nv->delay_stores : &nv->delay_loads, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&nv->delay_ns, now - t0, __ATOMIC_RELAXED);
    return true;
}
