/*
 * A VM's pages follow its vCPUs (issue 16's "the pages follow"): when every vCPU of a VM is put on
 * another node (QMP numa-set-node, a scheduler moving it for balance), the pages it used lately
 * go with it at its next slice end, in one batch, instead of waiting until each is read remotely
 * often enough to be queued (64 accesses), looked at and moved 64 a round. Under delay=on, a
 * moved VM reading an 8 MiB file spent most of its next pass over it in remote accesses, each
 * through the slow path and a spin, before the counted policy had caught up (README "Where (b)'s
 * and (d)'s guest time goes").
 *
 * "Lately" is what the counting saw: a page's record carries the VM slice it was last counted in
 * (struct numa_page.seen); the pages counted within the last NUMA_FOLLOW_SLICES slices (at least
 * two sampling gaps) follow, the most recent first, NUMA_FOLLOW_MAX at most. Pages it has not
 * counted are left to the policy, which moves them once they are read from the new node.
 */
#include <stdlib.h>

#include "numa/internal.h"

struct follow_page {
    uint32_t gpfn, age;
};

static int younger_first(const void *a, const void *b)
{
    uint32_t x = ((const struct follow_page *)a)->age, y = ((const struct follow_page *)b)->age;
    return x < y ? -1 : x > y;
}

/* Slices since page record pg was last counted in nv (UINT32_MAX: never). Lock held. */
static uint32_t age_of(const struct numa_vm *nv, const struct numa_page *pg)
{
    if (!pg || !pg->seen)
        return UINT32_MAX;
    return (uint32_t)__atomic_load_n(&nv->slices, __ATOMIC_RELAXED) + 1u - pg->seen;
}

void numa_follow_mark(struct numa_vm *nv, struct numa_page *pg)
{
    /* a vCPU on a thread of its own folds while the first vCPU's slice end counts slices */
    pg->seen = (uint32_t)__atomic_load_n(&nv->slices, __ATOMIC_RELAXED) + 1u;
}

unsigned numa_follow(struct numa_vm *nv)
{
    struct numa *n = nv->numa;
    struct pmap *p = nv->pmap;
    if (!__atomic_exchange_n(&nv->follow, false, __ATOMIC_RELAXED) || n->cfg.policy < NUMA_POLICY_MIGRATE)
        return 0;
    if (numa_vm_split(nv))
        return 0; /* a VM split over nodes: its pages are judged one by one by the policy */
    unsigned node = numa_cpu_node(nv, 0);
    uint32_t window = n->cfg.sample * 2 > NUMA_FOLLOW_SLICES ? n->cfg.sample * 2 : NUMA_FOLLOW_SLICES;
    struct follow_page *fp = malloc(p->npages * sizeof(*fp));
    if (!fp)
        return 0;
    unsigned k = 0;
    for (uint32_t gpfn = 0; gpfn < p->npages; gpfn++) {
        bool cow;
        mpn_t m = pmap_lookup(p, gpfn, &cow);
        if (m == PMAP_NONE || cow || machmem_info(n->mm, m).node == node)
            continue; /* not there, shared with other VMs (replication's), or there already */
        pthread_mutex_lock(&n->lock);
        struct numa_page *pg = numa_page_rec(n, m);
        uint32_t age = age_of(nv, pg);
        bool capped = !pg || pg->moves >= NUMA_MAX_MOVES;
        pthread_mutex_unlock(&n->lock);
        if (age <= window && !capped)
            fp[k++] = (struct follow_page){.gpfn = gpfn, .age = age};
    }
    if (k > NUMA_FOLLOW_MAX) {
        qsort(fp, k, sizeof(*fp), younger_first);
        k = NUMA_FOLLOW_MAX;
    }
    uint32_t *g = malloc((k + 1) * sizeof(*g));
    unsigned *nodes = malloc((k + 1) * sizeof(*nodes)), moved = 0;
    if (g && nodes) {
        for (unsigned i = 0; i < k; i++) {
            g[i] = fp[i].gpfn;
            nodes[i] = node;
        }
        moved = numa_migrate_batch(nv, g, nodes, k);
        __atomic_fetch_add(&nv->followed, moved, __ATOMIC_RELAXED);
    }
    free(g);
    free(nodes);
    free(fp);
    return moved;
}
