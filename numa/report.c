/*
 * What the NUMA machine reports: per VM, its accesses by the node of the memory they reached
 * (local is its own node's), the latency model's stall time against the UMA bound; monitor-wide,
 * what the policy did and the machine pages on each node. --profile prints it (text or JSON)
 * and QMP query-numa answers with the same figures (monitor/qmp_numa.c).
 */
#include <inttypes.h>

#include "numa/internal.h"

static uint64_t rd(const uint64_t *x)
{
    return __atomic_load_n(x, __ATOMIC_RELAXED);
}

void numa_vm_report(const struct numa_vm *nv, struct numa_vm_report *r)
{
    const struct numa_config *cfg = &nv->numa->cfg;
    *r = (struct numa_vm_report){.node = numa_cpu_node(nv, 0), .mem_node = nv->mem_node, .nodes = cfg->nodes,
                                 .ncpus = nv->n_stlb};
    for (unsigned i = 0; i < nv->n_stlb; i++)
        r->cpu_node[i] = numa_cpu_node(nv, i);
    for (unsigned k = 0; k < cfg->nodes; k++) {
        r->acc[k] = rd(&nv->acc[k]);
        r->fetch[k] = rd(&nv->fetch[k]);
    }
    /* local or remote by the node of the vCPU that made the access, when it made it */
    r->local = rd(&nv->local);
    r->remote = rd(&nv->remote);
    r->shared_local = rd(&nv->shared_local);
    r->shared_remote = rd(&nv->shared_remote);
    r->stall_ns = rd(&nv->stall_ns);
    r->uma_ns = rd(&nv->uma_ns);
    r->stall_ns_r15 = cfg->local_ns * r->local + cfg->local_ns * r->remote * 3 / 2;
    r->slices = __atomic_load_n(&nv->slices, __ATOMIC_RELAXED);
    r->counted_slices = __atomic_load_n(&nv->counted_slices, __ATOMIC_RELAXED);
    r->migrated = rd(&nv->migrated);
    r->replicated = rd(&nv->replicated);
    r->followed = rd(&nv->followed);
    r->delay_loads = rd(&nv->delay_loads);
    r->delay_stores = rd(&nv->delay_stores);
    r->delay_ns = rd(&nv->delay_ns);
    r->slice_end_ns = rd(&nv->slice_end_ns);
    r->hold_ns = rd(&nv->hold_ns);
}

static void json_list(FILE *f, const char *key, const uint64_t *v, unsigned n)
{
    fprintf(f, "\"%s\": [", key);
    for (unsigned k = 0; k < n; k++)
        fprintf(f, "%s%" PRIu64, k ? ", " : "", v[k]);
    fprintf(f, "]");
}

static double share(uint64_t part, uint64_t all)
{
    return all ? 100.0 * (double)part / (double)all : 0.0;
}

void numa_report_vm(const struct numa_vm *nv, FILE *f, bool json)
{
    if (!nv) {
        if (json)
            fprintf(f, "  \"numa\": null,\n");
        return;
    }
    struct numa *n = nv->numa;
    const struct numa_config *cfg = &n->cfg;
    const struct numa_stats *st = &n->st;
    struct numa_vm_report r;
    numa_vm_report(nv, &r);
    uint64_t pages[NUMA_MAX_NODES];
    numa_pages_per_node(n, pages);
    uint64_t mig = atomic_load(&st->migrations), rep = atomic_load(&st->replications),
             reps = atomic_load(&st->replicas), col = atomic_load(&st->collapses), shot = atomic_load(&st->shootdowns),
             move_ns = atomic_load(&st->move_ns), failed = atomic_load(&st->moves_failed);
    double us_per_move = mig + rep ? (double)move_ns / 1e3 / (double)(mig + rep) : 0.0;
    if (json) {
        fprintf(f, "  \"numa\": {\"nodes\": %u, \"cpus_per_node\": %u, \"policy\": \"%s\", \"local_ns\": %u, "
                "\"remote_ns\": %u, \"delay\": %s, \"sample\": %u, \"audit\": %s, \"counted_slices\": %" PRIu64
                ", \"slices\": %" PRIu64 ", \"node\": %u, \"mem_node\": %u, ",
                cfg->nodes, cfg->cpus_per_node, numa_policy_name(cfg->policy), cfg->local_ns, cfg->remote_ns,
                cfg->delay ? "true" : "false", cfg->sample > 1 ? cfg->sample : 1, cfg->audit ? "true" : "false",
                r.counted_slices, r.slices, r.node,
                r.mem_node);
        uint64_t cn[PMAP_MAX_STLBS];
        for (unsigned i = 0; i < r.ncpus; i++)
            cn[i] = r.cpu_node[i];
        json_list(f, "vcpu_nodes", cn, r.ncpus);
        fprintf(f, ", ");
        json_list(f, "accesses", r.acc, cfg->nodes);
        fprintf(f, ", ");
        json_list(f, "block_entries", r.fetch, cfg->nodes);
        fprintf(f, ", \"shared_local\": %" PRIu64 ", \"shared_remote\": %" PRIu64, r.shared_local, r.shared_remote);
        fprintf(f, ", \"local\": %" PRIu64 ", \"remote\": %" PRIu64 ", \"stall_ns\": %" PRIu64
                ", \"stall_ns_r15\": %" PRIu64 ", \"uma_ns\": %" PRIu64 ", \"migrated\": %" PRIu64
                ", \"replicated\": %" PRIu64 ", \"followed\": %" PRIu64 ", ",
                r.local, r.remote, r.stall_ns, r.stall_ns_r15, r.uma_ns, r.migrated, r.replicated, r.followed);
        fprintf(f, "\"delay_loads\": %" PRIu64 ", \"delay_stores\": %" PRIu64 ", \"delay_ns\": %" PRIu64
                ", \"slice_end_ns\": %" PRIu64 ", \"hold_ns\": %" PRIu64 ", ",
                r.delay_loads, r.delay_stores, r.delay_ns, r.slice_end_ns, r.hold_ns);
        fprintf(f, "\"machine\": {\"migrations\": %" PRIu64 ", \"replications\": %" PRIu64 ", \"replicas\": %" PRIu64
                ", \"collapses\": %" PRIu64 ", \"shootdowns\": %" PRIu64 ", \"us_per_move\": %.3f, \"moves_failed\": %"
                PRIu64 ", ",
                mig, rep, reps, col, shot, us_per_move, failed);
        json_list(f, "pages_per_node", pages, cfg->nodes);
        fprintf(f, "}},\n");
        return;
    }
    fprintf(f, "\nNUMA (%u nodes x %u CPUs, policy %s, L %u ns, R %u ns%s): this VM on node %u, memory first "
            "touched on node %u\n",
            cfg->nodes, cfg->cpus_per_node, numa_policy_name(cfg->policy), cfg->local_ns, cfg->remote_ns,
            cfg->delay ? ", delay on" : "", r.node, r.mem_node);
    if (r.ncpus > 1) {
        fprintf(f, "  vCPU nodes:");
        for (unsigned i = 0; i < r.ncpus; i++)
            fprintf(f, " %u", r.cpu_node[i]);
        fprintf(f, " (local and remote by the node of the vCPU that made the access)\n");
    }
    fprintf(f, "  counted %" PRIu64 " of %" PRIu64 " slices (gaps up to %u, each count weighted by its gap%s)\n",
            r.counted_slices, r.slices, cfg->sample > 1 ? cfg->sample : 1,
            cfg->audit ? "; audit: every slice counted, the policy hears the sampled ones" : "");
    fprintf(f, "  accesses %" PRIu64 " local, %" PRIu64 " remote (%.1f%% local); by node:", r.local, r.remote,
            share(r.local, r.local + r.remote));
    for (unsigned k = 0; k < cfg->nodes; k++)
        fprintf(f, " %u: %" PRIu64 " + %" PRIu64 " block entries", k, r.acc[k], r.fetch[k]);
    fprintf(f, "\n  of them to shared pages %" PRIu64 " local, %" PRIu64 " remote (%.1f%% local)", r.shared_local,
            r.shared_remote, share(r.shared_local, r.shared_local + r.shared_remote));
    fprintf(f, "\n  modelled memory stall %.3f s (R/L = 1.5: %.3f s; UMA bound %.3f s)\n", (double)r.stall_ns / 1e9,
            (double)r.stall_ns_r15 / 1e9, (double)r.uma_ns / 1e9);
    fprintf(f, "  this VM's pages migrated %" PRIu64 " (%" PRIu64 " following its vCPUs to another node), mapped to a "
            "replica %" PRIu64 "\n", r.migrated, r.followed, r.replicated);
    if (cfg->delay)
        fprintf(f, "  delay=on: %" PRIu64 " remote loads and %" PRIu64 " stores through the slow path, %.3f s in their "
                "check and spin\n", r.delay_loads, r.delay_stores, (double)r.delay_ns / 1e9);
    fprintf(f, "  slice ends (folds, policy, map-backs) %.3f s on the VM's thread, %.3f s of it with the other vCPUs "
            "held\n", (double)r.slice_end_ns / 1e9, (double)r.hold_ns / 1e9);
    fprintf(f, "  machine: %" PRIu64 " migrations, %" PRIu64 " replications (%" PRIu64 " replica pages), %" PRIu64
            " collapses, %" PRIu64 " software-TLB entries shot down, %.1f us per move, %" PRIu64 " refused\n",
            mig, rep, reps, col, shot, us_per_move, failed);
    fprintf(f, "  machine pages per node:");
    for (unsigned k = 0; k < cfg->nodes; k++)
        fprintf(f, " %u: %" PRIu64, k, pages[k]);
    fprintf(f, "\n");
}
