/*
 * numa: a simulated ccNUMA machine under the VMs (Disco's FLASH, on a host that is not one).
 *
 * Topology: nodes, each with cpus_per_node physical CPUs (the scheduler's worker threads take
 * the identity of a CPU of the node of the vCPU they run: each vCPU has a node, its VM's unless
 * put elsewhere, struct numa_cpu) and a share of machine memory: every machine page has a home
 * node in the memmap (struct mpage.node), set when the page is handed out, by the node of the
 * CPU that first touches it (or round-robin without a policy). An access is local or remote by
 * the node of the vCPU that made it.
 *
 * Counting (numa/machine.c), sampled by scheduler slice: in a counting slice the blocks run are
 * translations that bump a counter beside each software-TLB entry on every load and store that
 * hits it, and one per code page on every block they enter (TB_F_COUNT); the counts are folded,
 * weighted by the slices they stand for, into per-page, per-node totals (and the latency model)
 * when an entry is reused and at the end of the slice. The other slices run the plain blocks. The model charges an access L ns when the
 * page is on the accessing CPU's node and R ns when not.
 *
 * Policy (numa/policy.c, Disco section 4.2.3): a hot private page used from a node that is not
 * its home migrates there; a hot copy-on-write shared page read from several nodes gets a
 * read-only replica on each reading node; a write to a replicated page collapses its replicas
 * back to the one page; moves per page are capped and each round is bounded.
 */
#ifndef MVISOR_NUMA_H
#define MVISOR_NUMA_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "shadow-mmu/shadow_mmu.h"

/* A single-node machine is what every VM runs on without --numa. */
#define NUMA_DEFAULT_NODES 1
#define NUMA_MAX_NODES 8
#define NUMA_MAX_CPUS_PER_NODE 64
/* FLASH's latencies (Disco section 5.1): a local miss 300 ns, a remote one 900 ns. */
#define NUMA_DEFAULT_LOCAL_NS 300u
#define NUMA_DEFAULT_REMOTE_NS 900u
#define NUMA_MAX_NS 1000000u
/* The longest gap between two counting slices of a VM, by default (numa/machine.c). */
#define NUMA_DEFAULT_SAMPLE 64u
#define NUMA_MAX_SAMPLE 1024u

enum numa_policy {
    NUMA_POLICY_NONE,        /* pages round-robin over the nodes, never moved */
    NUMA_POLICY_FIRST_TOUCH, /* pages on the node that first touches them, never moved */
    NUMA_POLICY_MIGRATE,     /* first touch, and hot remote private pages migrate */
    NUMA_POLICY_REPLICATE,   /* the same, and read-shared pages get per-node replicas */
};

struct numa_config {
    unsigned nodes;         /* 0: no NUMA machine */
    unsigned cpus_per_node;
    unsigned local_ns, remote_ns;
    bool delay;             /* remote accesses take the slow path and spin R - L */
    enum numa_policy policy;
    unsigned sample;        /* counting slices of a VM at least one in this many (0 or 1: every slice, exact) */
    bool audit;             /* every slice counted for the report, the policy fed the sampled ones */
};

/* Parses --numa's value (nodes=N[,cpus-per-node=C][,local-ns=L][,remote-ns=R][,delay=on|off]
 * [,policy=...][,sample=N]) into cfg (defaults filled in); 0, or -EINVAL with a message in err. */
int numa_parse(const char *spec, struct numa_config *cfg, char *err, size_t errlen);
const char *numa_policy_name(enum numa_policy p);

/* What the policy did (monitor-wide). */
struct numa_stats {
    _Atomic uint64_t migrations;   /* private pages copied to the node that uses them */
    _Atomic uint64_t replications; /* guest pages mapped to a replica on their node */
    _Atomic uint64_t replicas;     /* replica pages made */
    _Atomic uint64_t collapses;    /* replica sets collapsed back to one page by a write */
    _Atomic uint64_t shootdowns;   /* software-TLB entries the moves shot down */
    _Atomic uint64_t move_ns;      /* host time the moves took (migrations and replications) */
    _Atomic uint64_t moves_failed; /* moves refused (pool, host mappings) */
    _Atomic uint64_t rounds;       /* policy rounds run */
};

/* The machine, one per machine-memory pool (mm->numa). */
struct numa;

/* Makes mm a NUMA machine as cfg says; 0 or -errno. Called once, before any VM's page is made. */
int numa_create(struct machmem *mm, const struct numa_config *cfg);
void numa_destroy(struct machmem *mm);
const struct numa_config *numa_config_of(const struct numa *n);
const struct numa_stats *numa_stats_of(const struct numa *n);
/* Machine pages in use on each node (nodes entries of out). */
void numa_pages_per_node(struct numa *n, uint64_t *out);

/* One vCPU's place: its node (that of its VM unless --numa-node ...,vcpus= or QMP
 * numa-set-node put it elsewhere), and whether it runs on a host thread of its own (an SMP vCPU
 * with --smp-threads 2: it folds its own counts at the end of its slices). */
struct numa_cpu {
    struct numa_vm *nv;
    unsigned idx;
    unsigned node;   /* atomic: QMP moves it from its thread */
    bool own_thread; /* atomic */
    bool counted;    /* its own thread: the slice began as a counting one */
};

/* One VM's place in the machine: the node its vCPUs run on, the node its memory is first
 * touched on (normally the same), and what it accessed where. */
struct numa_vm {
    struct numa *numa;
    struct pmap *pmap;
    struct stlb *stlb[PMAP_MAX_STLBS];
    unsigned n_stlb;
    unsigned node, mem_node; /* node: vCPU 0's (atomic) */
    bool mem_fixed;          /* mem_node given (--numa-node N,mem=M); else each vCPU's own node */
    struct numa_cpu cpu[PMAP_MAX_STLBS];
    /* accesses and block entries charged by the node of the vCPU that made them: local or
     * remote, and of them those to shared pages (copy-on-write, or reached by several vCPUs) */
    uint64_t local, remote, shared_local, shared_remote;
    /* accesses (loads + stores, and block entries) to memory of each node */
    uint64_t acc[NUMA_MAX_NODES], fetch[NUMA_MAX_NODES];
    uint64_t shared[NUMA_MAX_NODES]; /* of both, those to copy-on-write shared pages (and replicas) */
    uint64_t stall_ns; /* the model's memory stall time of those accesses */
    uint64_t uma_ns;   /* the same with every access local (the UMA bound) */
    uint64_t slices;
    bool counting;     /* this slice is a counting one (read by every vCPU thread of the VM) */
    uint64_t counted_slices;
    /* Sampling (numa/machine.c): slices between two counting ones (1 .. cfg.sample), slices to
     * skip before the next, those skipped since the last, what a count of this slice stands for
     * (the slices it samples), and the moves of the VM's last policy round. */
    unsigned gap, skip, since, weight, last_moves;
    uint64_t ws_pages; /* the pmap's pages mapped copy-on-write from elsewhere, at the last slice end */
    bool moved;        /* a vCPU was put on another node (atomic) */
    bool follow;       /* ... and its recently used pages are to follow it (atomic, numa/follow.c) */
    uint64_t followed; /* pages moved so */
    uint64_t ws_resets; /* slice ends that found a new working set and closed the gap */
    unsigned dense;     /* slices still to count one after another (after a new working set) */
    bool sampled;      /* the sampling picked this slice (with audit=on every slice counts) */
    uint64_t migrated, replicated, remapped_back; /* this VM's pages moved by the policy */
    struct numa_remap *inbox; /* its guest pages to map back to a master (numa/policy.c) */
    struct numa_vrep *vrep;   /* per-vCPU replicas inside the VM (numa/vreplica.c), or NULL */
    uint64_t vreplicas, vrep_collapses; /* of them: made, and taken back by a store */
    /* Where the host time goes (--profile): delay=on's remote loads and stores (each through the
     * slow path and a spin) and the host ns spent in their check and spin; the VM thread's ns at
     * slice ends (folds, policy rounds, collapses, map-backs) and, for an SMP VM, with the other
     * vCPUs held around them. */
    uint64_t delay_loads, delay_stores, delay_ns, slice_end_ns, hold_ns;
    uint64_t *cand;    /* guest pages the fold found hot and remote (machine page << 32 | node
                          that wants it << 28 | guest page, as queued): the policy's next round;
                          under the machine's lock (a vCPU on its own thread queues too) */
    uint64_t *cand_spare; /* the round's own list while it runs */
    unsigned n_cand;
};

/* Joins the VM whose RAM is p to mm's machine: on node (-1: the next in round-robin order),
 * memory first touched on mem_node (-1: the same). NULL without a machine or on error. */
struct numa_vm *numa_vm_attach(struct machmem *mm, struct pmap *p, int node, int mem_node);
void numa_vm_detach(struct numa_vm *nv);
/* A vCPU's software TLB: its counts fold into nv. */
void numa_vm_add_stlb(struct numa_vm *nv, struct stlb *s);
/* Around a slice of the VM on the calling thread: the thread plays a CPU of the VM's node; after
 * it, the counts fold and, every few slices, the policy runs a bounded round. */
void numa_slice_begin(struct numa_vm *nv);
void numa_slice_end(struct numa_vm *nv);
/* The same, moving pages only if may_move: an SMP VM whose other vCPUs were not held (pages a
 * vCPU on its own thread queued after numa_slice_moves looked wait for the next slice end). */
void numa_slice_end_held(struct numa_vm *nv, bool may_move);
/* Whether numa_slice_end has pages to move or map back (its caller then holds the VM's other
 * vCPUs out of guest code around it: a migration must not race a store). */
bool numa_slice_moves(const struct numa_vm *nv);
/* Around a slice of vCPU idx on a host thread of its own (an SMP vCPU other than the first):
 * the thread plays a CPU of the vCPU's node, and the vCPU's counts fold on it afterwards. */
void numa_vcpu_slice_begin(struct numa_vm *nv, unsigned idx);
void numa_vcpu_slice_end(struct numa_vm *nv, unsigned idx);
/* Puts vCPU idx (-1: every vCPU) of the VM on node; 0, or -EINVAL for no such node or vCPU.
 * From any thread: the vCPU's next accesses are charged from there, its next first touches
 * land there and the policy moves its pages there. */
int numa_vm_set_node(struct numa_vm *nv, int idx, unsigned node);
static inline unsigned numa_cpu_node(const struct numa_vm *nv, unsigned idx)
{
    return __atomic_load_n(&nv->cpu[idx].node, __ATOMIC_RELAXED);
}
/* Whether the VM's current slice counts accesses: its blocks are then the TB_F_COUNT ones. */
static inline bool numa_counting(const struct numa_vm *nv)
{
    return __atomic_load_n(&nv->counting, __ATOMIC_RELAXED);
}
/* Folds every count of the VM's software TLBs now (also done by numa_slice_end). */
void numa_fold_all(struct numa_vm *nv);
/* delay=on: whether a load or store of canonical page ppn by vCPU cpu of nv is remote; if so it is
 * counted here and the calling thread spins R - L ns (the caller then leaves it out of the
 * software TLB so the next access comes here again). false without delay=on. *end_slice is set
 * when the access queued the page for a VM on one node: the caller ends the slice soon, so the
 * policy moves it. */
bool numa_delay_access(struct numa_vm *nv, unsigned cpu, uint32_t ppn, bool store, bool *end_slice);
/* Whether the VM's vCPUs are on more than one node. */
bool numa_vm_split(const struct numa_vm *nv);
/* The translator names the code page of fetch slot (ppn & (STLB_FETCH_SLOTS - 1)). */
void numa_note_code(struct numa_vm *nv, uint32_t ppn);

/* The policy (numa/policy.c). One round for nv's hot pages: at most max_moves moves. */
void numa_policy_round(struct numa_vm *nv, unsigned max_moves);
/* Moves guest page gpfn of nv to nv's node (copy, pmap update, shootdown): 0 or -errno. */
int numa_migrate(struct numa_vm *nv, uint32_t gpfn);
int numa_migrate_to(struct numa_vm *nv, uint32_t gpfn, unsigned node);
/* Moves nv's guest pages gpfns[i] to nodes[i] together (a policy round's migrations: one hold
 * of the pmap, one shootdown, pmap_move_many); private pages only. Returns how many moved. */
unsigned numa_migrate_batch(struct numa_vm *nv, const uint32_t *gpfns, const unsigned *nodes, unsigned n);
/* Maps nv's copy-on-write page gpfn to its replica on nv's node (made if none): 0 or -errno. */
int numa_replicate(struct numa_vm *nv, uint32_t gpfn);
int numa_replicate_to(struct numa_vm *nv, uint32_t gpfn, unsigned node);
/* Per-vCPU replicas (numa/vreplica.c): a read-only copy of nv's guest page gpfn on node, which
 * the VM's vCPUs on that node read; the next store to the page by anyone (or any other change of
 * it) takes every copy back before it lands. 0 or -errno (-EEXIST: the page or a copy is on node
 * already; -EBUSY: a DMA transfer holds the page). On vCPU 0's thread, the VM's others held. */
int numa_vreplicate(struct numa_vm *nv, uint32_t gpfn, unsigned node);
/* nv's replica of gpfn on node, MPN_NONE if none. */
mpn_t numa_vreplica_of(const struct numa_vm *nv, unsigned node, uint32_t gpfn);
/* A software-TLB fill of canonical page ppn by vCPU cpu: a replicated page is filled read-only,
 * from the vCPU's node's copy if it has one (*host then its view address). */
void numa_replica_fill(struct numa_vm *nv, unsigned cpu, uint32_t ppn, uint8_t **host, bool *writable);
/* After the fill (replica: *host was changed; writable: the entry takes stores): whether the
 * entry must be dropped again, a replica having been made or taken back meanwhile. */
bool numa_replica_recheck(struct numa_vm *nv, unsigned cpu, uint32_t ppn, bool replica, bool writable);
/* Collapses every replica set a write has marked: each mapping of a replica is handed to its
 * VM's inbox, and the set lets its replicas and master go. Returns the sets collapsed. */
unsigned numa_collapse_pending(struct numa *n);
/* Maps nv's guest pages in its inbox back to their masters (on nv's own thread); how many. */
unsigned numa_apply_remaps(struct numa_vm *nv);
/* Per-page counters the policy reads (tests): accesses from each node since its last decision. */
uint32_t numa_page_count(struct numa *n, mpn_t m, unsigned node);

/* What one VM did on the machine, read from any thread (numa/report.c). */
struct numa_vm_report {
    unsigned node, mem_node, nodes;
    unsigned ncpus, cpu_node[PMAP_MAX_STLBS]; /* each vCPU's node now */
    uint64_t acc[NUMA_MAX_NODES], fetch[NUMA_MAX_NODES]; /* to memory of each node */
    uint64_t local, remote;            /* accesses and block entries together */
    uint64_t shared_local, shared_remote; /* of them, to shared pages (boot files, buffer cache; in a
                                            VM of several vCPUs also pages two of them reached) */
    uint64_t stall_ns, uma_ns;         /* the model at R, and the UMA bound (every access at L) */
    uint64_t stall_ns_r15;             /* the model with R = 1.5 L (a modern two-socket host) */
    uint64_t migrated, replicated;     /* its pages the policy moved */
    uint64_t followed;                 /* of the migrated, those that followed a move of its vCPUs */
    uint64_t slices, counted_slices;   /* its scheduler slices, and those that counted */
    uint64_t delay_loads, delay_stores, delay_ns, slice_end_ns, hold_ns; /* struct numa_vm's */
};
void numa_vm_report(const struct numa_vm *nv, struct numa_vm_report *r);
/* --profile: the VM's figures and the machine's (text, or a JSON member "numa": {...},). */
void numa_report_vm(const struct numa_vm *nv, FILE *f, bool json);

#endif
