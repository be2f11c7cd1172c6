/*
 * The options that describe one VM: the machine, its memory, kernel, console, engine, limits
 * and scheduler weight. One parser serves the command line and each VM of a --vm-config file
 * (whose "options" use the same spellings), so both accept exactly the same things. It never
 * prints or exits: a bad option is a message the caller prefixes with where it came from.
 * QEMU's spelling where QEMU has an option, long options for mvisor's own; -opt and --opt
 * alike, as QEMU accepts both.
 */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "dbt/dbt.h"
#include "monitor/options.h"
#include "monitor/sched.h"
#include "monitor/unixsock.h"
#include "numa/numa.h"

/* The parser's state for one option: where the message goes. */
struct optctx {
    char *err;
    size_t errlen;
};

static int fail(struct optctx *c, int kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct optctx *c, int kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, c->errlen, fmt, ap);
    va_end(ap);
    return kind;
}

void vmopt_init(struct vmopt *o, const char *base_dir)
{
    memset(o, 0, sizeof(*o));
    o->cfg.machine = MACHINE_MALTA;
    o->cfg.ram_mb = 256;
    o->cfg.tlb_entries = MTLB_DEFAULT_ENTRIES;
    o->cfg.weight = SCHED_WEIGHT_DEFAULT;
    o->trace.pc_hi = UINT32_MAX;
    o->trace.icount_hi = UINT64_MAX;
    o->base_dir = base_dir;
}

bool vmopt_name_ok(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= VMOPT_NAME_MAX &&
           strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/* A path from the options: relative ones are taken from base_dir (a config file's folder). */
static const char *resolve(const struct vmopt *o, const char *path)
{
    char *p;
    if (!o->base_dir || path[0] == '/' || asprintf(&p, "%s/%s", o->base_dir, path) < 0)
        return path;
    return p;
}

static int parse_u64(struct optctx *c, const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end;
    if (!s || !*s || *s == '-')
        return fail(c, VMOPT_USAGE, "%s needs a non-negative number", opt);
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end)
        return fail(c, VMOPT_USAGE, "invalid number for %s", opt);
    if (v < min || v > max)
        return fail(c, VMOPT_BAD, "%s %s is out of range (%" PRIu64 "..%" PRIu64 ")", opt, s, min, max);
    *out = v;
    return 0;
}

/* -m: MiB, optionally with a unit M or G (QEMU's spelling), or size=... as QEMU also accepts. */
static int parse_ram_mb(struct optctx *c, const char *s, uint64_t *out)
{
    char buf[32];
    if (!strncmp(s, "size=", 5))
        s += 5;
    snprintf(buf, sizeof(buf), "%s", s);
    size_t n = strlen(buf);
    uint64_t scale = 1, v;
    if (n > 1 && (buf[n - 1] == 'M' || buf[n - 1] == 'm')) {
        buf[n - 1] = 0;
    } else if (n > 1 && (buf[n - 1] == 'G' || buf[n - 1] == 'g')) {
        buf[n - 1] = 0;
        scale = 1024;
    }
    int rc = parse_u64(c, "-m", buf, 0, UINT64_MAX / 1024, &v);
    if (rc < 0)
        return rc;
    if (v == 0 || v * scale > 2048)
        return fail(c, VMOPT_BAD, "-m %s is out of range (1..2048 MiB)", s);
    *out = v * scale;
    return 0;
}

/* -serial: where ttyS0 goes. A socket's or a file's relative path is resolved (base_dir). */
static int parse_serial(struct optctx *c, struct vmopt *o, const char *s)
{
    struct vm_config *cfg = &o->cfg;
    if (!strncmp(s, "unix:", 5)) {
        const char *spec = s;
        if (o->base_dir && s[5] && s[5] != '/' && s[5] != ',' && asprintf((char **)&spec, "unix:%s/%s", o->base_dir, s + 5) < 0)
            spec = s;
        char *path = malloc(108), e[300];
        if (!path)
            return fail(c, VMOPT_BAD, "out of memory");
        if (unixsock_parse(spec, path, 108, e, sizeof(e)) < 0) {
            free(path);
            return fail(c, VMOPT_USAGE, "-serial: %s", e);
        }
        cfg->serial = SERIAL_UNIX;
        cfg->serial_path = path;
        return 0;
    }
    if (!strcmp(s, "stdio") || !strcmp(s, "mon:stdio")) {
        cfg->serial = SERIAL_STDIO;
    } else if (!strncmp(s, "file:", 5) && s[5]) {
        cfg->serial = SERIAL_FILE;
        cfg->serial_path = resolve(o, s + 5);
    } else if (!strcmp(s, "none") || !strcmp(s, "null")) {
        cfg->serial = SERIAL_NONE;
    } else {
        return fail(c, VMOPT_USAGE,
                    "unsupported -serial %s (stdio, mon:stdio, file:PATH, unix:PATH,server=on,wait=off or none)", s);
    }
    return 0;
}

/* A node number at *p (0..NUMA_MAX_NODES-1), *p moved past it; false if none. */
static bool numa_node_at(const char **p, unsigned long *out)
{
    char *end;
    errno = 0;
    if (**p == '-' || **p == '+')
        return false;
    *out = strtoul(*p, &end, 10);
    bool ok = !errno && end != *p && *out < NUMA_MAX_NODES;
    *p = end;
    return ok;
}

/* --numa-node N[,mem=M][,vcpus=A:B]: the VM's node, the node its memory is first touched on, and
 * each vCPU's node (an SMP guest split over two nodes); the machine's size is checked once --numa
 * is known (monitor/main.c). */
static int parse_numa_node(struct optctx *c, const char *v, struct vm_config *cfg)
{
    const char *p = v;
    unsigned long n, m;
    bool ok = numa_node_at(&p, &n);
    while (ok && *p) {
        if (!strncmp(p, ",mem=", 5)) {
            p += 5;
            ok = numa_node_at(&p, &m);
            cfg->numa_mem_node = (unsigned)m + 1;
        } else if (!strncmp(p, ",vcpus=", 7)) {
            p += 7;
            for (unsigned i = 0; ok; i++) {
                ok = i < sizeof(cfg->numa_vcpu_node) && numa_node_at(&p, &m);
                if (ok)
                    cfg->numa_vcpu_node[i] = (unsigned char)(m + 1);
                if (*p != ':')
                    break;
                p++;
            }
        } else {
            ok = false;
        }
    }
    if (!ok)
        return fail(c, VMOPT_BAD, "--numa-node takes N[,mem=M][,vcpus=A:B] (nodes 0..%u, up to %u vCPUs), not '%s'",
                    NUMA_MAX_NODES - 1, (unsigned)sizeof(cfg->numa_vcpu_node), v);
    cfg->numa_node = (unsigned)n + 1;
    return 0;
}

int vmopt_parse(struct vmopt *o, int argc, char *const *argv, int *i, char *err, size_t errlen)
{
    struct optctx c = {err, errlen};
    struct vm_config *cfg = &o->cfg;
    const char *a = argv[*i];
    if (a[0] != '-')
        return 0;
    /* QEMU accepts both -opt and --opt; so do we. */
    const char *o1 = a[1] == '-' ? a + 1 : a;
    /* Options without an argument. */
    if (!strcmp(o1, "-no-reboot")) {
        cfg->no_reboot = true;
        return 1;
    }
    if (!strcmp(o1, "-nographic") || !strcmp(o1, "-nodefaults"))
        return 1; /* accepted: mvisor has no graphics, and its only default device is ttyS0 */
    if (!strcmp(o1, "-no-chain")) {
        cfg->no_chain = true;
        return 1;
    }
    if (!strcmp(o1, "-deterministic")) {
        cfg->deterministic = true;
        return 1;
    }
    if (!strcmp(o1, "-snapshot")) {
        cfg->snapshot = true;
        return 1;
    }
    static const char *const with_arg[] = {
        "-M", "-machine", "-m", "-kernel", "-initrd", "-append", "-cpu", "-smp", "-serial", "-name",
        "-display", "-monitor", "-exec", "-code-buffer", "-idle-trim", "-idle-slack", "-seed", "-max-insns", "-timeout", "-trace",
        "-tlb-entries", "-weight", "-drive", "-device", "-netdev", "-nic", "-net", "-numa-node", "-smp-threads",
    };
    bool known = false;
    for (size_t k = 0; k < sizeof(with_arg) / sizeof(with_arg[0]) && !known; k++)
        known = !strcmp(o1, with_arg[k]);
    if (!known)
        return 0;
    if (*i + 1 >= argc)
        return fail(&c, VMOPT_USAGE, "option %s needs an argument", a);
    const char *v = argv[++*i];
    uint64_t n = 0;
    int rc = 0;
    if (!strcmp(o1, "-M") || !strcmp(o1, "-machine")) {
        if (!strcmp(v, "malta") || !strncmp(v, "malta,", 6))
            cfg->machine = MACHINE_MALTA;
        else if (!strcmp(v, "testbench"))
            cfg->machine = MACHINE_TESTBENCH;
        else
            rc = fail(&c, VMOPT_USAGE, "unknown machine '%s' (malta or testbench)", v);
    } else if (!strcmp(o1, "-m")) {
        rc = parse_ram_mb(&c, v, &cfg->ram_mb);
    } else if (!strcmp(o1, "-kernel")) {
        cfg->kernel = resolve(o, v);
    } else if (!strcmp(o1, "-initrd")) {
        cfg->initrd = resolve(o, v);
    } else if (!strcmp(o1, "-append")) {
        cfg->append = v;
    } else if (!strcmp(o1, "-cpu")) {
        if (!strcmp(v, "24Kc"))
            cfg->cpu = CPU_24KC;
        else if (!strcmp(v, "24Kf"))
            cfg->cpu = CPU_24KF;
        else if (!strcmp(v, "34Kf"))
            cfg->cpu = CPU_34KF;
        else
            rc = fail(&c, VMOPT_USAGE, "unsupported CPU '%s' (24Kc, 24Kf or 34Kf)", v);
    } else if (!strcmp(o1, "-smp")) {
        /* QEMU's -smp N or -smp cpus=N (its topology keys are not taken). */
        const char *num = !strncmp(v, "cpus=", 5) ? v + 5 : v;
        char *end;
        unsigned long k = *num >= '0' && *num <= '9' ? strtoul(num, &end, 10) : 0;
        if (!k || *end || k > 64)
            rc = fail(&c, VMOPT_USAGE, "-smp %s: give the number of CPUs (N or cpus=N)", v);
        else
            cfg->smp = (unsigned)k;
    } else if (!strcmp(o1, "-smp-threads")) {
        /* -smp 2: 1 runs both vCPUs on one thread in turns, 2 each on its own (monitor/smp.c). */
        if (strcmp(v, "1") && strcmp(v, "2"))
            rc = fail(&c, VMOPT_USAGE, "--smp-threads %s: 1 or 2", v);
        else
            cfg->smp_threads = (unsigned)(*v - '0');
    } else if (!strcmp(o1, "-serial")) {
        if (o->serial_given)
            return fail(&c, VMOPT_USAGE, "only one -serial is supported (ttyS0)");
        o->serial_given = true;
        rc = parse_serial(&c, o, v);
    } else if (!strcmp(o1, "-name")) {
        /* -name NAME or QEMU's -name guest=NAME: what QMP calls the VM. */
        if (!strncmp(v, "guest=", 6))
            v += 6;
        if (!vmopt_name_ok(v))
            return fail(&c, VMOPT_USAGE, "-name '%s': 1 to %d letters, digits, '.', '_' or '-'", v, VMOPT_NAME_MAX);
        cfg->name = v;
        o->name_given = true;
    } else if (!strcmp(o1, "-display") || !strcmp(o1, "-monitor")) {
        if (strcmp(v, "none"))
            rc = fail(&c, VMOPT_USAGE, "unsupported %s %s (only none: mvisor has no %s)", o1, v,
                      !strcmp(o1, "-display") ? "display" : "monitor");
    } else if (!strcmp(o1, "-exec")) {
        if (!strcmp(v, "dbt"))
            cfg->exec = EXEC_DBT;
        else if (!strcmp(v, "trap"))
            cfg->exec = EXEC_TRAP;
        else if (!strcmp(v, "interp"))
            cfg->exec = EXEC_INTERP;
        else
            rc = fail(&c, VMOPT_USAGE, "unknown execution mode '%s' (dbt, trap or interp)", v);
    } else if (!strcmp(o1, "-code-buffer")) {
        rc = parse_u64(&c, "--code-buffer", v, DBT_MIN_CODE_KIB, DBT_MAX_CODE_KIB, &cfg->code_kib);
    } else if (!strcmp(o1, "-idle-trim")) {
        rc = parse_u64(&c, "--idle-trim", v, 0, 3600, &cfg->idle_trim_s);
        cfg->idle_trim_given = rc == 0;
    } else if (!strcmp(o1, "-idle-slack")) {
        rc = parse_u64(&c, "--idle-slack", v, 0, SCHED_IDLE_SLACK_MAX_MS, &cfg->idle_slack_ms);
        cfg->idle_slack_given = rc == 0;
    } else if (!strcmp(o1, "-seed")) {
        rc = parse_u64(&c, "--seed", v, 0, UINT64_MAX, &cfg->seed);
        cfg->seed_given = rc == 0;
    } else if (!strcmp(o1, "-max-insns")) {
        rc = parse_u64(&c, "--max-insns", v, 1, UINT64_MAX, &cfg->max_insns);
    } else if (!strcmp(o1, "-timeout")) {
        char *end;
        cfg->timeout_s = strtod(v, &end);
        if (*end || !(cfg->timeout_s > 0))
            rc = fail(&c, VMOPT_USAGE, "--timeout needs a positive number of seconds, not '%s'", v);
    } else if (!strcmp(o1, "-trace")) {
        char e[200];
        cfg->trace = v;
        if (!dbt_trace_parse(v, &o->trace, e, sizeof(e)))
            rc = fail(&c, VMOPT_BAD, "--trace: %s", e);
    } else if (!strcmp(o1, "-tlb-entries")) {
        rc = parse_u64(&c, "--tlb-entries", v, 1, MTLB_MAX_ENTRIES, &n);
        cfg->tlb_entries = (unsigned)n;
    } else if (!strcmp(o1, "-drive")) {
        rc = vmopt_parse_drive(o, v, err, errlen);
    } else if (!strcmp(o1, "-device")) {
        rc = vmopt_parse_device(o, v, err, errlen);
    } else if (!strcmp(o1, "-netdev")) {
        rc = vmopt_parse_netdev(o, v, err, errlen);
    } else if (!strcmp(o1, "-nic")) {
        rc = vmopt_parse_nic(o, v, err, errlen);
    } else if (!strcmp(o1, "-net")) {
        if (strcmp(v, "none"))
            rc = fail(&c, VMOPT_USAGE, "unsupported -net %s (none; use -netdev with -device, or -nic)", v);
    } else if (!strcmp(o1, "-numa-node")) {
        rc = parse_numa_node(&c, v, cfg);
    } else if (!strcmp(o1, "-weight")) {
        rc = parse_u64(&c, "--weight", v, SCHED_WEIGHT_MIN, SCHED_WEIGHT_MAX, &n);
        cfg->weight = (unsigned)n;
        o->weight_given = true;
    }
    return rc < 0 ? rc : 1;
}

int vmopt_check(const struct vmopt *o, char *err, size_t errlen)
{
    struct optctx c = {err, errlen};
    const struct vm_config *cfg = &o->cfg;
    if (!cfg->kernel)
        return fail(&c, VMOPT_USAGE, "no -kernel given");
    if (cfg->machine == MACHINE_TESTBENCH) {
        if (cfg->ram_mb > 256)
            return fail(&c, VMOPT_USAGE, "-m: the testbench machine has at most 256 MiB of RAM");
        if (cfg->initrd || cfg->append)
            return fail(&c, VMOPT_USAGE, "-initrd and -append need the malta machine");
        if (cfg->ndisks)
            return fail(&c, VMOPT_USAGE, "disks need the malta machine (the testbench has no PCI bus)");
        if (cfg->nnics)
            return fail(&c, VMOPT_USAGE, "network cards need the malta machine (the testbench has no PCI bus)");
        if (cfg->balloon)
            return fail(&c, VMOPT_USAGE, "the balloon needs the malta machine (the testbench has no PCI bus)");
    }
    if (cfg->smp > 1) {
        if (cfg->smp > VM_MAX_VCPUS || cfg->cpu != CPU_34KF || cfg->machine != MACHINE_MALTA ||
            cfg->exec == EXEC_INTERP)
            return fail(&c, VMOPT_USAGE, "-smp %u: SMP is -smp 2 with -cpu 34Kf on the malta machine, "
                        "executed by --exec dbt or trap (the interpreter runs one CPU)", cfg->smp);
    }
    if (cfg->smp_threads == 2 && (cfg->smp < 2 || cfg->deterministic))
        return fail(&c, VMOPT_USAGE, "--smp-threads 2: needs -smp 2 in real time (deterministic runs take "
                    "the vCPUs in turns on one thread)");
    int nrc = vmopt_check_net(cfg, err, errlen);
    if (nrc < 0)
        return nrc;
    const char *file;
    if (vmopt_shared_writable(cfg, cfg, &file))
        return fail(&c, VMOPT_BAD, "disk image %s is used twice and written", file);
    int slots[VM_MAX_DISKS], nic_slots[VM_MAX_NICS];
    int prc = vmopt_pci_slots(cfg, slots, nic_slots, err, errlen);
    if (prc < 0 || !cfg->balloon)
        return prc;
    return vmopt_balloon_slot(cfg, err, errlen) < 0 ? VMOPT_BAD : 0;
}

bool vmopt_monitor_wide(const char *a)
{
    static const char *const names[] = {
        "-qmp", "-vm-config", "-clone", "-run-dir", "-host-cpus", "-buffer-cache", "-page-sharing", "-stats", "-profile", "-perfmap",
        "-insn-words", "-h", "-help", "-mem-limit", "-numa",
    };
    if (a[0] != '-')
        return false;
    const char *o = a[1] == '-' ? a + 1 : a;
    for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
        size_t n = strlen(names[k]);
        if (!strncmp(o, names[k], n) && (o[n] == 0 || o[n] == '='))
            return true;
    }
    return false;
}
