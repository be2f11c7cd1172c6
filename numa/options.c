/*
 * --numa's value: the topology, the latency model and the placement policy, as key=value items
 * separated by commas. Every bad value gets one message naming the key and its range.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numa/numa.h"

static const char *const policy_names[] = {
    [NUMA_POLICY_NONE] = "none",
    [NUMA_POLICY_FIRST_TOUCH] = "first-touch",
    [NUMA_POLICY_MIGRATE] = "migrate",
    [NUMA_POLICY_REPLICATE] = "migrate+replicate",
};

const char *numa_policy_name(enum numa_policy p)
{
    return (unsigned)p < sizeof(policy_names) / sizeof(policy_names[0]) ? policy_names[p] : "?";
}

static int bad(char *err, size_t errlen, const char *fmt, const char *a, unsigned lo, unsigned hi)
{
    char what[160];
    snprintf(what, sizeof(what), fmt, a);
    if (hi)
        snprintf(err, errlen, "--numa: %s (%u..%u)", what, lo, hi);
    else
        snprintf(err, errlen, "--numa: %s", what);
    return -EINVAL;
}

static bool parse_uint(const char *v, unsigned lo, unsigned hi, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long n = strtoul(v, &end, 10);
    if (errno || end == v || *end || *v == '-' || *v == '+' || n < lo || n > hi)
        return false;
    *out = (unsigned)n;
    return true;
}

int numa_parse(const char *spec, struct numa_config *cfg, char *err, size_t errlen)
{
    *cfg = (struct numa_config){.cpus_per_node = 1, .local_ns = NUMA_DEFAULT_LOCAL_NS,
                                .remote_ns = NUMA_DEFAULT_REMOTE_NS, .policy = NUMA_POLICY_REPLICATE,
                                .sample = NUMA_DEFAULT_SAMPLE};
    char buf[256];
    if (strlen(spec) >= sizeof(buf))
        return bad(err, errlen, "the value is too long%s", "", 0, 0);
    strcpy(buf, spec);
    bool have_nodes = false;
    for (char *save = NULL, *it = strtok_r(buf, ",", &save); it; it = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(it, '=');
        if (!eq)
            return bad(err, errlen, "'%s' is not key=value", it, 0, 0);
        *eq = 0;
        const char *k = it, *v = eq + 1;
        if (!strcmp(k, "nodes")) {
            if (!parse_uint(v, 1, NUMA_MAX_NODES, &cfg->nodes))
                return bad(err, errlen, "nodes=%s is out of range", v, 1, NUMA_MAX_NODES);
            have_nodes = true;
        } else if (!strcmp(k, "cpus-per-node")) {
            if (!parse_uint(v, 1, NUMA_MAX_CPUS_PER_NODE, &cfg->cpus_per_node))
                return bad(err, errlen, "cpus-per-node=%s is out of range", v, 1, NUMA_MAX_CPUS_PER_NODE);
        } else if (!strcmp(k, "local-ns")) {
            if (!parse_uint(v, 1, NUMA_MAX_NS, &cfg->local_ns))
                return bad(err, errlen, "local-ns=%s is out of range", v, 1, NUMA_MAX_NS);
        } else if (!strcmp(k, "remote-ns")) {
            if (!parse_uint(v, 1, NUMA_MAX_NS, &cfg->remote_ns))
                return bad(err, errlen, "remote-ns=%s is out of range", v, 1, NUMA_MAX_NS);
        } else if (!strcmp(k, "sample")) {
            if (!parse_uint(v, 1, NUMA_MAX_SAMPLE, &cfg->sample))
                return bad(err, errlen, "sample=%s is out of range", v, 1, NUMA_MAX_SAMPLE);
        } else if (!strcmp(k, "audit") || !strcmp(k, "delay")) {
            bool *flag = !strcmp(k, "audit") ? &cfg->audit : &cfg->delay;
            if (strcmp(v, "on") && strcmp(v, "off")) {
                snprintf(err, errlen, "--numa: %s=%s: on or off", k, v);
                return -EINVAL;
            }
            *flag = !strcmp(v, "on");
        } else if (!strcmp(k, "policy")) {
            unsigned p = 0;
            while (p < sizeof(policy_names) / sizeof(policy_names[0]) && strcmp(v, policy_names[p]))
                p++;
            if (p == sizeof(policy_names) / sizeof(policy_names[0]))
                return bad(err, errlen, "policy=%s: none, first-touch, migrate or migrate+replicate", v, 0, 0);
            cfg->policy = (enum numa_policy)p;
        } else {
            return bad(err, errlen,
                       "unknown key '%s' (nodes, cpus-per-node, local-ns, remote-ns, delay, policy, sample, audit)", k, 0, 0);
        }
    }
    if (!have_nodes)
        return bad(err, errlen, "nodes=N is required%s", "", 0, 0);
    if (cfg->remote_ns < cfg->local_ns)
        return bad(err, errlen, "remote-ns must be at least local-ns%s", "", 0, 0);
    return 0;
}
