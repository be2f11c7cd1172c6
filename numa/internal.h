/* numa/ internal: the machine's state, shared by its files (numa/numa.h is the interface). */
#ifndef MVISOR_NUMA_INTERNAL_H
#define MVISOR_NUMA_INTERNAL_H

#include <pthread.h>

#include "numa/numa.h"

/* Accesses from one node that make a page worth a look by the policy. */
#define NUMA_HOT 64u
/* Moves of one page at most (its migrations, the replicas made of it): a page that keeps moving
 * stays. */
#define NUMA_MAX_MOVES 8u
/* The policy runs every this many slices of a VM (a slice is up to 4 M guest instructions), and
 * makes at most this many moves a round: its rate is bounded by the VM's own progress. */
#define NUMA_POLICY_EVERY 1u
#define NUMA_MOVES_PER_ROUND 64u
/* Pages a VM's slice maps copy-on-write from elsewhere (the buffer cache's, the boot files') that
 * mark a new working set: the next slices count, so the sampled policy hears of the new pages at
 * once instead of after its current gap. */
#define NUMA_WS_NEW_PAGES 32u
/* ... and the slices that then count, one after another, before the gap doubles again: the
 * policy needs a few rounds to find and move a new set (64 moves a round). */
#define NUMA_WS_WINDOW 8u
/* A page of a VM split over nodes gets per-vCPU replicas if at most one of this many of its
 * accesses is a store (a store takes the replicas back, so a page written often is left). */
#define NUMA_READ_MOSTLY 16u
/* When a VM's vCPUs are put on another node, the pages counted in its last this many slices (at
 * least two sampling gaps) follow at once, at most NUMA_FOLLOW_MAX of them (numa/follow.c). */
#define NUMA_FOLLOW_SLICES 128u
#define NUMA_FOLLOW_MAX 8192u
/* Candidate pages a VM keeps for its next round. */
#define NUMA_CAND_MAX 8192u

#define NUMA_CHUNK_BITS 12

/* A candidate: machine page, the node that wants it, guest page. */
#define NUMA_CAND(m, node, gpfn) ((uint64_t)(m) << 32 | (uint64_t)(node) << 28 | (gpfn))
#define NUMA_CAND_GPFN(c) ((uint32_t)(c) & 0x0fffffffu)
#define NUMA_CAND_NODE(c) (((uint32_t)(c) >> 28) & 0xfu)

/* The policy's record of one machine page (allocated by chunk on first use). */
struct numa_page {
    uint32_t acc[NUMA_MAX_NODES]; /* accesses from each node since the policy last looked */
    uint32_t writes;
    uint32_t seen;                /* its VM's slice count + 1 when last counted (0: never) */
    uint16_t moves;
    uint8_t queued;               /* bit k: in the candidate list of a VM, for node k */
    uint8_t cpus;                 /* bit i: vCPU i of its VM reached it (VMs of several vCPUs) */
    struct numa_rset *rset;       /* the replica set it is master or replica of, or NULL */
};

/* A page and its replicas: every node's copy (the master on its own node). */
struct numa_rset {
    mpn_t master;
    mpn_t rep[NUMA_MAX_NODES];
    bool collapse;
    struct numa_rset *next_pending; /* marked for collapse: the list numa_collapse_pending takes */
};

/* Per-vCPU replicas of one VM (numa/vreplica.c): each node's view of the VM's RAM (empty but
 * where a page has a replica there) and its replica of each guest page, MPN_NONE for none. */
struct numa_vrep {
    pthread_mutex_t lock; /* making and dropping replicas; taken inside a pmap's lock */
    uint8_t *view[NUMA_MAX_NODES];
    _Atomic(_Atomic mpn_t *) rep[NUMA_MAX_NODES];
};
/* Frees a VM's per-vCPU replicas (its detach). */
void numa_vrep_free(struct numa_vm *nv);

/* A guest page to map back from a collapsed set's replica to its master (by the VM's own thread). */
struct numa_remap {
    uint32_t gpfn;
    mpn_t replica, master; /* the entry holds a reference to master */
    struct numa_remap *next;
};

struct numa {
    struct machmem *mm;
    struct numa_config cfg;
    pthread_mutex_t lock;  /* records, replica sets; taken inside a pmap's lock, never around one */
    struct numa_page **chunks;
    size_t n_chunks;
    struct numa_rset *pending_sets; /* marked for collapse */
    _Atomic unsigned pending;       /* how many */
    unsigned next_node;       /* round-robin placement of VMs */
    struct numa_vm *vms[MACHMEM_MAX_PMAPS]; /* by pmap id: whose inbox a remap goes to */
    struct numa_stats st;
};

/* The monotonic clock in ns (what a move's time is measured with). */
uint64_t numa_now_ns(void);
/* The record of m (lock held), or NULL if out of memory. */
struct numa_page *numa_page_rec(struct numa *n, mpn_t m);
/* Notes that pg was counted in nv's current slice (lock held), and moves nv's recently counted
 * pages to its node after its vCPUs were put there (on its thread, at a slice end); how many. */
void numa_follow_mark(struct numa_vm *nv, struct numa_page *pg);
unsigned numa_follow(struct numa_vm *nv);
/* The pool's hook: a copy-on-write break copied m (the writer's pmap lock held). */
void numa_cow_break(struct machmem *mm, mpn_t m);

#endif
