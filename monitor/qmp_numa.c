/*
 * QMP query-numa (mvisor's own command, monitor-wide): the simulated ccNUMA machine's
 * topology and model, what its policy did, the machine pages on each node, and per VM its
 * node and accesses by the node of the memory they reached (numa/numa.h). Without --numa:
 * {"enabled": false}. Runs on the QMP thread: everything it reads is atomic.
 */
#include "monitor/internal.h"
#include "monitor/qmp.h"
#include "numa/numa.h"

static json_t *u64_list(const uint64_t *v, unsigned n)
{
    json_t *a = json_array();
    for (unsigned k = 0; k < n; k++)
        json_array_append_new(a, json_integer((json_int_t)v[k]));
    return a;
}

json_t *qmp_numa_query(struct vm **vms, unsigned n)
{
    struct numa *nm = n && vms[0]->mm ? vms[0]->mm->numa : NULL;
    if (!nm)
        return json_pack("{s:b}", "enabled", 0);
    const struct numa_config *cfg = numa_config_of(nm);
    const struct numa_stats *st = numa_stats_of(nm);
    uint64_t pages[NUMA_MAX_NODES];
    numa_pages_per_node(nm, pages);
    uint64_t mig = atomic_load(&st->migrations), rep = atomic_load(&st->replications);
    json_t *r = json_pack("{s:b, s:i, s:i, s:s, s:i, s:i, s:b, s:i}", "enabled", 1, "nodes", (int)cfg->nodes,
                          "cpus-per-node", (int)cfg->cpus_per_node, "policy", numa_policy_name(cfg->policy),
                          "local-ns", (int)cfg->local_ns, "remote-ns", (int)cfg->remote_ns, "delay", cfg->delay,
                          "sample", (int)(cfg->sample > 1 ? cfg->sample : 1));
    json_t *more = json_pack("{s:I, s:I, s:I, s:I, s:I, s:f, s:I, s:o}", "migrations", (json_int_t)mig,
                             "replications", (json_int_t)rep, "replicas", (json_int_t)atomic_load(&st->replicas),
                             "collapses", (json_int_t)atomic_load(&st->collapses), "shootdowns",
                             (json_int_t)atomic_load(&st->shootdowns), "us-per-move",
                             mig + rep ? (double)atomic_load(&st->move_ns) / 1e3 / (double)(mig + rep) : 0.0,
                             "moves-failed", (json_int_t)atomic_load(&st->moves_failed), "pages-per-node",
                             u64_list(pages, cfg->nodes));
    json_object_update(r, more);
    json_decref(more);
    json_t *list = json_array();
    for (unsigned i = 0; i < n; i++) {
        if (!vms[i]->numa)
            continue;
        struct numa_vm_report v;
        numa_vm_report(vms[i]->numa, &v);
        json_t *o = json_pack("{s:s, s:i, s:i, s:o, s:o, s:I, s:I, s:I, s:I, s:I}", "vm", vm_name(vms[i]), "node",
                              (int)v.node, "mem-node", (int)v.mem_node, "accesses", u64_list(v.acc, cfg->nodes),
                              "block-entries", u64_list(v.fetch, cfg->nodes), "local", (json_int_t)v.local,
                              "remote", (json_int_t)v.remote, "stall-ns", (json_int_t)v.stall_ns, "stall-ns-r15",
                              (json_int_t)v.stall_ns_r15, "uma-ns", (json_int_t)v.uma_ns);
        json_t *m = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "migrated", (json_int_t)v.migrated, "replicated",
                              (json_int_t)v.replicated, "shared-local", (json_int_t)v.shared_local, "shared-remote",
                              (json_int_t)v.shared_remote, "slices", (json_int_t)v.slices, "counted-slices",
                              (json_int_t)v.counted_slices);
        json_object_update(o, m);
        json_decref(m);
        uint64_t cn[PMAP_MAX_STLBS];
        for (unsigned k = 0; k < v.ncpus; k++)
            cn[k] = v.cpu_node[k];
        json_object_set_new(o, "vcpu-nodes", u64_list(cn, v.ncpus));
        json_array_append_new(list, o);
    }
    json_object_set_new(r, "vms", list);
    return r;
}

const char *qmp_numa_set_node(struct vm *vm, json_t *args)
{
    if (!vm->numa)
        return "the VM is not on a NUMA machine (--numa)";
    json_t *node = args ? json_object_get(args, "node") : NULL, *cpu = args ? json_object_get(args, "vcpu") : NULL;
    if (!node || !json_is_integer(node))
        return "Parameter 'node' is missing or not an integer";
    if (cpu && !json_is_integer(cpu))
        return "Invalid parameter type for 'vcpu', expected: integer";
    json_int_t nd = json_integer_value(node), i = cpu ? json_integer_value(cpu) : -1;
    if (nd < 0 || nd >= NUMA_MAX_NODES || (cpu && (i < 0 || i >= (json_int_t)vm->nr_vcpus)) ||
        numa_vm_set_node(vm->numa, (int)i, (unsigned)nd) < 0)
        return "no such node or vCPU";
    return NULL;
}
