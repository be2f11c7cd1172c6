/*
 * The command line and the monitor's run. QEMU's spelling where QEMU has an
 * option (so existing `qemu-system-mipsel -M malta` command lines keep
 * working), long options for mvisor's own. The options that describe one VM
 * are parsed by monitor/options.c (the same for a --vm-config file's VMs);
 * the monitor's own (-qmp, --vm-config, --clone, --run-dir, --host-cpus and
 * what is reported at exit) are here. Every bad option is one line on stderr
 * and exit 1, before any VM runs: every VM is created and booted first, then
 * the scheduler runs them all and the worst status is the monitor's.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dbt/dbt.h"
#include "monitor/internal.h"
#include "monitor/memlimit.h"
#include "monitor/options.h"
#include "monitor/overlay.h"
#include "monitor/qmp.h"
#include "monitor/sandbox.h"
#include "monitor/sched.h"
#include "monitor/unixsock.h"
#include "monitor/vmconfig.h"
#include "monitor/vmset.h"
#include "numa/numa.h"
#include "shadow-mmu/bufcache.h"
#include "shadow-mmu/pageshare.h"

static const char usage_text[] =
    "usage: mvisor [options] -kernel FILE\n"
    "       mvisor [monitor options] --vm-config FILE\n"
    "\n"
    "Machine (QEMU-compatible spelling):\n"
    "  -M, -machine NAME   malta (default: the MIPS Malta board, Core LV, GT-64120, PIIX4) or\n"
    "                      testbench (bare test machine: RAM, a writable boot window at\n"
    "                      0x1FC00000, the test device at 0x1FB00000)\n"
    "  -m MiB              guest RAM in MiB, 1..2048 (default 256; a suffix M or G is allowed).\n"
    "                      Malta kernels without HIGHMEM use only the first 256 MiB; testbench\n"
    "                      has at most 256\n"
    "  -kernel FILE        ELF32 little-endian MIPS executable to boot\n"
    "  -initrd FILE        initial ramdisk (malta), placed high in low RAM as YAMON does\n"
    "  -append STRING      kernel command line (malta)\n"
    "  -cpu MODEL          CPU model: 24Kf (MIPS32r2 with its FPU; the default), 24Kc\n"
    "                      (no FPU: the guest kernel emulates floating point) or 34Kf (a 24Kf\n"
    "                      with the MT ASE: two VPEs for -smp 2)\n"
    "  -smp N, cpus=N      CPUs: 1, or 2 with -cpu 34Kf on malta (--exec dbt or trap)\n"
    "  --smp-threads N     -smp 2 in real time: 2 runs each vCPU on its own host thread (the\n"
    "                      default with --exec dbt), 1 both on one in turns (the default\n"
    "                      with --exec trap or --deterministic)\n"
    "  -serial DEV         ttyS0: stdio or mon:stdio (default; raw terminal, Ctrl-A h for help),\n"
    "                      file:PATH (output only), none (disconnected), or\n"
    "                      unix:PATH,server=on,wait=off (a socket; `socat - UNIX-CONNECT:PATH`\n"
    "                      attaches, one client at a time; output while none is there is dropped)\n"
    "  -qmp unix:PATH,server=on,wait=off\n"
    "                      QMP control socket (QEMU's protocol: qmp_capabilities, query-status,\n"
    "                      stop, cont, system_reset, system_powerdown, quit, query-cpus-fast,\n"
    "                      query-version, query-vms, query-blockstats, query-buffer-cache,\n"
    "                      query-sharing, query-numa, query-commands; README \"QMP\")\n"
    "  -name NAME          the VM's name (QMP query-vms and the `vm` argument, consoles, the exit\n"
    "                      report; default vm0)\n"
    "  -no-reboot          a guest reset stops mvisor (status 0, 'guest reset' on stderr)\n"
    "                      instead of booting again\n"
    "  -drive file=F,if=none,id=ID[,format=raw|qcow2][,readonly=on][,snapshot=on]\n"
    "        [,cache=writeback|none|unsafe|writethrough|directsync]\n"
    "                      a disk image (malta); -drive file=F,if=virtio also plugs it in;\n"
    "                      snapshot=on: writes go to a temporary qcow2 overlay, the image is\n"
    "                      never written\n"
    "  -snapshot           snapshot=on for every drive\n"
    "  -device virtio-blk-pci,drive=ID[,addr=SLOT][,serial=S]\n"
    "                      the image as a virtio disk (/dev/vda...); SLOT hexadecimal as in QEMU:\n"
    "                      0x12-0x15, 0xb, 0xc (the slots with an interrupt; default: the next free)\n"
    "  -device virtio-balloon-pci[,addr=SLOT][,free-page-reporting=on|off][,page-poison=on|off]\n"
    "        [,deflate-on-oom=on|off][,guest-stats-polling-interval=SECONDS]\n"
    "                      a memory balloon (QMP balloon, query-balloon); free-page reporting on\n"
    "  -nographic, -display none, -monitor none, -nodefaults\n"
    "                      accepted for compatibility (mvisor has no display or monitor)\n"
    "\n"
    "mvisor options:\n"
    "  --exec MODE         how guest code executes: dbt (translated to x86-64, privileged\n"
    "                      instructions as callouts or inline; the default), trap (translated,\n"
    "                      privileged instructions trap to the monitor and are emulated) or\n"
    "                      interp (the reference interpreter)\n"
    "  --no-chain          translated blocks never jump into each other: each returns to the\n"
    "                      run loop (for lockstep and debugging)\n"
    "  --code-buffer KiB   size of the VM's translation code buffer, 64..1048576 (default\n"
    "                      32768; memory is committed as code is written; a small buffer makes\n"
    "                      the cache flush often, for testing)\n"
    "  --idle-trim SECONDS a VM that ran under 5 M guest instructions a second over this long\n"
    "                      gives its translations' memory back (default 10; 0: never)\n"
    "  --idle-slack MS     a VM whose only wake-ups have been short timer ticks for a second\n"
    "                      takes its timer interrupts on a grid of MS milliseconds shared by\n"
    "                      all VMs, up to MS late; its clock stays exact (default 16; 0: never)\n"
    "  --deterministic     time is a function of executed instructions only\n"
    "  --seed N            fixes the initial Count and the TLB Random sequence (printed when chosen)\n"
    "  --max-insns N       stop after N guest instructions (exit 3)\n"
    "  --timeout SECONDS   stop after this much host time (exit 3)\n"
    "  --trace SPEC        trace executed instructions to stderr: pc=LO-HI,insn=FROM-TO\n"
    "  --tlb-entries N     guest TLB size (1..64, default 16)\n"
    "  --weight N          the VM's share of the host CPUs against other VMs, 1..10000\n"
    "                      (default 100)\n"
    "  --numa-node N[,mem=M][,vcpus=A:B] with --numa: the VM's vCPUs run on node N (default: the VMs in\n"
    "                      turn over the nodes), its memory first touched on node M (default N);\n"
    "                      vcpus=: vCPU 0 on node A, vCPU 1 on B (an SMP guest over two nodes)\n"
    "\n"
    "Monitor options (for all its VMs):\n"
    "  --vm-config FILE    run the VMs a JSON file lists: [{\"name\": NAME, \"options\": [...],\n"
    "                      \"weight\": N}, ...] (options as on this command line; relative paths\n"
    "                      from the file's folder); no VM options on the command line then\n"
    "  --clone N           run N copies (1..1024) of the command line's VM, named vm0..vmN-1\n"
    "                      (NAME0.. with -name NAME); each draws its own seed unless --seed;\n"
    "                      each writable drive of a clone is its own new qcow2 overlay over the\n"
    "                      image, RUNDIR/NAME.ID.qcow2 (NAME.driveN.qcow2 without id=), kept\n"
    "                      at exit (the same for VMs of --vm-config that write one image)\n"
    "  --run-dir DIR       with several VMs (or this option), ttyS0 of each VM without -serial\n"
    "                      goes to DIR/NAME.log and to the socket DIR/NAME.sock (attach with\n"
    "                      `socat - UNIX-CONNECT:DIR/NAME.sock`); default ${TMPDIR:-/tmp}/mvisor-PID\n"
    "  --host-cpus N       host threads that run the VMs, 1..256 (default: one per online CPU)\n"
    "  --boot-stagger N    at most N VMs boot at once; the next starts when one goes idle, has\n"
    "                      run 10 s of host CPU (1 s in user code), is paused or ended\n"
    "                      (default 4 per host thread; 0: all)\n"
    "  --buffer-cache MiB  bound of the buffer cache that VMs reading one read-only image or\n"
    "                      backing file share (its pages are read from the host once and mapped\n"
    "                      copy-on-write into the guests; README \"Disks\"); 0 turns it off\n"
    "                      (default 256)\n"
    "  --mem-limit SIZE    machine memory the VMs may take (MiB, or a M or G suffix): above it\n"
    "                      balloons are inflated, the VM with the most idle memory first, and\n"
    "                      each request is said on stderr (VMs need -device virtio-balloon-pci)\n"
    "  --page-sharing      content-based page sharing: a scanner thread hashes the VMs' guest\n"
    "                      pages and maps identical ones (and pages of zeroes) onto one\n"
    "                      read-only machine page copy-on-write (QMP query-sharing, --profile;\n"
    "                      README \"Page sharing\"), at most 10000 pages a second\n"
    "  --page-sharing=N    the same at most N pages a second, 1..10000000\n"
    "  --numa nodes=N[,cpus-per-node=C][,local-ns=L][,remote-ns=R][,delay=on|off][,policy=P]\n"
    "                      run the VMs on a simulated ccNUMA machine of N nodes (1..8; README\n"
    "                      \"NUMA\"): accesses counted per page and node, remote ones modelled at R ns\n"
    "                      against L (default 300 and 900); P none (pages round-robin),\n"
    "                      first-touch, migrate, migrate+replicate (the default); QMP query-numa;\n"
    "                      ,sample=N: counting slices at least one in N (default 64; 1: all)\n"
    "  --perfmap           write /tmp/perf-PID.map so perf names translated guest blocks\n"
    "  -sandbox on|off     a system-call filter (seccomp) once the VMs run: no programs, no new\n"
    "                      processes, no tracing, mounting or module loading (default on; off\n"
    "                      in sanitizer builds)\n"
    "  --stats             print instruction count and speed at exit (per VM)\n"
    "  --profile           print a profile at exit and on SIGUSR1: translation cache (lookups,\n"
    "                      hit rate, chaining, invalidations, time translating), privileged\n"
    "                      operations by kind (host cycles per trap with --exec trap), memory\n"
    "                      (software TLB, refills, MMIO by device), instructions and host time\n"
    "                      by guest mode\n"
    "  --profile=json:FILE the same as JSON into FILE at exit (several VMs: {NAME: profile, ...})\n"
    "  --insn-words FILE   at exit, write every distinct instruction word executed (hex, sorted;\n"
    "                      one VM only)\n"
    "  -h, --help          this text\n"
    "\n"
    "Exit status: 0 guest powered off (or reset under -no-reboot) or test passed, 1 usage or\n"
    "host error, 2 guest wedged, 3 time or instruction limit reached, 4 the test device\n"
    "reported a failure. With several VMs, one line per VM on stderr at the end and the worst\n"
    "status (1, then 2, 4, 3, 0).\n";


static void die_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "mvisor: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see mvisor --help)\n");
    exit(1);
}

static uint64_t parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max)
{
    char *end;
    if (!s || !*s || *s == '-')
        die_usage("%s needs a non-negative number", opt);
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end)
        die_usage("invalid number for %s", opt);
    if (v < min || v > max) {
        fprintf(stderr, "mvisor: %s %s is out of range (%" PRIu64 "..%" PRIu64 ")\n", opt, s, min, max);
        exit(1);
    }
    return v;
}

static const char *need_arg(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc)
        die_usage("option %s needs an argument", argv[*i]);
    return argv[++*i];
}

/* What the monitor reports at exit, for every VM. */
struct report {
    bool stats, profile;
    const char *profile_json;
    const char *insn_words;
};

static void report_vm(struct vmset *s, unsigned i, const struct report *r, double secs, FILE *pf)
{
    struct vm *vm = s->v[i].vm;
    if ((r->stats || (r->profile && !r->profile_json)) && s->n > 1)
        fprintf(stderr, "== vm %s ==\n", vm_name(vm));
    if (r->stats) {
        uint64_t insns = smp_icount_sum(vm); /* every vCPU's (-smp) */
        fprintf(stderr, "stats: insns=%" PRIu64 " seconds=%.3f mips=%.1f\n", insns, secs,
                secs > 0 ? (double)insns / secs / 1e6 : 0.0);
        dbt_print_stats(vm, stderr);
    }
    if (r->profile && pf) {
        if (r->profile_json && s->n > 1)
            fprintf(pf, "%s\"%s\": ", i ? ",\n" : "{", vm_name(vm));
        profile_write(vm, pf, r->profile_json != NULL);
        if (r->profile_json && s->n > 1 && i == s->n - 1)
            fprintf(pf, "}\n");
    }
}

/* Creates and boots every VM (nothing runs yet); one line and false on the first that fails. */
static bool create_all(struct vmset *s, const struct report *r)
{
    char err[512], where[200];
    for (unsigned i = 0; i < s->n; i++) {
        struct vmset_vm *v = &s->v[i];
        const struct vm_config *cfg = &v->opt.cfg;
        struct vm *vm = calloc(1, sizeof(*vm));
        if (!vm) {
            fprintf(stderr, "mvisor: %sout of memory\n", vmset_where(s, i, where, sizeof(where)));
            return false;
        }
        if (vm_create(vm, cfg, err, sizeof(err)) < 0) {
            free(vm);
            fprintf(stderr, "mvisor: %s%s\n", vmset_where(s, i, where, sizeof(where)), err);
            return false;
        }
        v->vm = vm;
        vm_set_trace(vm, &v->opt.trace);
        if (r->insn_words && !dbt_insn_words_start(vm)) {
            fprintf(stderr, "mvisor: --insn-words: out of memory\n");
            return false;
        }
        if (vm_boot(vm, err, sizeof(err)) < 0) {
            fprintf(stderr, "mvisor: %s%s\n", vmset_where(s, i, where, sizeof(where)), err);
            return false;
        }
        if (cfg->machine == MACHINE_MALTA) {
            /* What is printed about a VM that is not alone names it. */
            if (s->n > 1 || s->config)
                snprintf(where, sizeof(where), "%s: ", vm_name(vm));
            else
                where[0] = 0;
            if (cfg->ram_mb > 256)
                fprintf(stderr, "mvisor: %snote: -m %" PRIu64 ": a Malta kernel without HIGHMEM (such as Debian's "
                        "4kc-malta) uses only the first 256 MiB\n", where, cfg->ram_mb);
            fprintf(stderr, "mvisor: %sseed %" PRIu64 " (%s; reproduce with --deterministic --seed %" PRIu64 ")\n",
                    where, cfg->seed, cfg->deterministic ? "deterministic" : "real time", cfg->seed);
        }
    }
    return true;
}

int main(int argc, char **argv)
{
    /* The parsed options live until the process exits (every VM points at their strings);
     * static, so that they stay reachable after main returns and LeakSanitizer reports only
     * what nothing points at any more. */
    static struct vmopt cl; /* the command line's VM */
    struct report rep = {0};
    bool perfmap = false;
    bool sandbox = sandbox_default();
    const char *qmp_path = NULL, *vm_config = NULL, *run_dir = NULL, *first_vm_opt = NULL;
    unsigned clones = 0;
    uint64_t mem_limit = 0;
    uint32_t share_rate = 0; /* --page-sharing: pages per second, 0 = off */
    struct pageshare *share = NULL;
    struct sched_config sc = {.host_cpus = 0};
    struct numa_config numa_cfg = {.nodes = 0};
    char qmp_buf[108], err[600];

    /* A fixed mmap threshold: glibc otherwise raises it to the size of the largest mapped block
     * freed (a VM's boot frees its 16 MiB kernel file), and every later large buffer (a VM's
     * translator state, pmap, the sharing scanner's tables, rebuilt every pass) comes from the
     * brk heap, whose freed holes stay resident: 4 MiB of heap per VM at 8 VMs with sharing. */
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    vmopt_init(&cl, NULL);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        /* QEMU accepts both -opt and --opt; so do we. */
        const char *o = (a[0] == '-' && a[1] == '-') ? a + 1 : a;
        if (!strcmp(o, "-h") || !strcmp(o, "-help")) {
            fputs(usage_text, stdout);
            return 0;
        } else if (!strcmp(o, "-qmp")) {
            if (qmp_path)
                die_usage("%s", "only one -qmp is supported");
            const char *spec = need_arg(argc, argv, &i);
            if (unixsock_parse(spec, qmp_buf, sizeof(qmp_buf), err, sizeof(err)) < 0) {
                fprintf(stderr, "mvisor: -qmp: %s (see mvisor --help)\n", err);
                return 1;
            }
            qmp_path = qmp_buf;
        } else if (!strcmp(o, "-vm-config")) {
            if (vm_config)
                die_usage("%s", "only one --vm-config is supported");
            vm_config = need_arg(argc, argv, &i);
        } else if (!strcmp(o, "-clone")) {
            clones = (unsigned)parse_u64("--clone", need_arg(argc, argv, &i), 1, VMSET_MAX_VMS);
        } else if (!strcmp(o, "-run-dir")) {
            run_dir = need_arg(argc, argv, &i);
            if (!*run_dir)
                die_usage("%s", "--run-dir needs a folder");
        } else if (!strcmp(o, "-host-cpus")) {
            sc.host_cpus = (unsigned)parse_u64("--host-cpus", need_arg(argc, argv, &i), 1, SCHED_MAX_HOST_CPUS);
        } else if (!strcmp(o, "-boot-stagger")) {
            sc.boot_stagger = (unsigned)parse_u64("--boot-stagger", need_arg(argc, argv, &i), 0, VMSET_MAX_VMS);
            sc.boot_stagger_given = true;
        } else if (!strcmp(o, "-buffer-cache")) {
            uint64_t mib = parse_u64("--buffer-cache", need_arg(argc, argv, &i), 0, 1u << 20);
            bufcache_set_default_limit(mib << (20 - MACH_PAGE_BITS));
        } else if (!strcmp(o, "-mem-limit")) {
            const char *v = need_arg(argc, argv, &i);
            char *end;
            errno = 0;
            unsigned long long n = strtoull(v, &end, 10);
            unsigned shift = 20;
            if (*end == 'G' || *end == 'g')
                shift = 30, end++;
            else if (*end == 'M' || *end == 'm')
                end++;
            if (errno || end == v || *end || *v == '-' || n == 0 || n > (1ull << (50 - shift)))
                die_usage("--mem-limit takes a size in MiB (or with a M or G suffix), not '%s'", v);
            mem_limit = (uint64_t)n << shift;
        } else if (!strcmp(o, "-page-sharing")) {
            share_rate = PAGESHARE_DEFAULT_RATE;
        } else if (!strncmp(o, "-page-sharing=", 14)) {
            share_rate = (uint32_t)parse_u64("--page-sharing", o + 14, 1, PAGESHARE_MAX_RATE);
        } else if (!strcmp(o, "-numa")) {
            if (numa_parse(need_arg(argc, argv, &i), &numa_cfg, err, sizeof(err)) < 0)
                die_usage("%s", err);
        } else if (!strcmp(o, "-insn-words")) {
            rep.insn_words = need_arg(argc, argv, &i);
        } else if (!strcmp(o, "-perfmap")) {
            perfmap = true;
        } else if (!strcmp(o, "-sandbox")) {
            const char *v = need_arg(argc, argv, &i);
            if (strcmp(v, "on") && strcmp(v, "off"))
                die_usage("-sandbox takes on or off, not '%s'", v);
            sandbox = !strcmp(v, "on");
        } else if (!strcmp(o, "-stats")) {
            rep.stats = true;
        } else if (!strcmp(o, "-profile")) {
            rep.profile = true;
        } else if (!strncmp(o, "-profile=", 9)) {
            if (strncmp(o + 9, "json:", 5) || !o[14])
                die_usage("--profile takes no value or =json:FILE, not '%s'", o + 9);
            rep.profile = true;
            rep.profile_json = o + 14;
        } else {
            int rc = vmopt_parse(&cl, argc, argv, &i, err, sizeof(err));
            if (rc < 0) {
                fprintf(stderr, "mvisor: %s%s\n", err, rc == VMOPT_USAGE ? " (see mvisor --help)" : "");
                return 1;
            }
            if (rc == 0)
                die_usage(a[0] == '-' ? "unsupported option %s" : "unexpected argument '%s'", a);
            if (!first_vm_opt)
                first_vm_opt = a;
        }
    }

    struct vmset set;
    if (vm_config) {
        if (first_vm_opt) {
            fprintf(stderr, "mvisor: %s is an option of one VM: with --vm-config, each VM's options go in the "
                    "file (its \"options\")\n", first_vm_opt);
            return 1;
        }
        if (clones)
            die_usage("%s", "--clone and --vm-config do not go together (list the VMs in the file)");
        static struct vmopt *opts; /* as cl: lives until exit */
        unsigned n;
        if (vmconfig_load(vm_config, VMSET_MAX_VMS, &opts, &n, err, sizeof(err)) < 0) {
            fprintf(stderr, "mvisor: %s\n", err);
            return 1;
        }
        vmset_from_list(&set, opts, n, vm_config);
        free(opts);
    } else {
        int rc = vmopt_check(&cl, err, sizeof(err));
        if (rc < 0) {
            fprintf(stderr, "mvisor: %s%s\n", err, rc == VMOPT_USAGE ? " (see mvisor --help)" : "");
            return 1;
        }
        if (vmset_from_cmdline(&set, &cl, clones, err, sizeof(err)) < 0) {
            fprintf(stderr, "mvisor: %s\n", err);
            vmset_destroy(&set);
            return 1;
        }
    }
    if (set.n == 0) {
        fprintf(stderr, "mvisor: out of memory\n");
        return 1;
    }
    /* Which drives write an overlay instead of their image (-snapshot, clones, shared images). */
    if (overlay_plan(&set, clones != 0, err, sizeof(err)) < 0) {
        fprintf(stderr, "mvisor: %s\n", err);
        vmset_destroy(&set);
        return 1;
    }
    /* The monitor's options that every VM carries out. */
    for (unsigned i = 0; i < set.n; i++) {
        struct vm_config *cfg = &set.v[i].opt.cfg;
        char where[200];
        cfg->perfmap = perfmap;
        cfg->profile = rep.profile;
        if (qmp_path && cfg->machine != MACHINE_MALTA) {
            fprintf(stderr, "mvisor: %s-qmp needs the malta machine (see mvisor --help)\n",
                    vmset_where(&set, i, where, sizeof(where)));
            vmset_destroy(&set);
            return 1;
        }
        if (rep.insn_words && cfg->exec != EXEC_INTERP)
            die_usage("%s", "--insn-words records what the interpreter executes: add --exec interp");
    }
    if (rep.insn_words && set.n > 1)
        die_usage("%s", "--insn-words records one VM: not with several");
    /* A deterministic run is reproducible without --seed; a real-time one draws a seed per VM. */
    vmset_draw_seeds(&set);
    bool run_dir_defaulted;
    if (vmset_consoles(&set, run_dir, qmp_path, &run_dir_defaulted, err, sizeof(err)) < 0) {
        fprintf(stderr, "mvisor: %s\n", err);
        vmset_destroy(&set);
        return 1;
    }

    /* perf's map of this process: emptied once here, then every VM's translator appends to it. */
    if (perfmap) {
        char path[64];
        snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)getpid());
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) {
            fprintf(stderr, "mvisor: --perfmap: cannot create %s: %s\n", path, strerror(errno));
            vmset_destroy(&set);
            return 1;
        }
        close(fd);
    }
    /* The socket first: a path that cannot be used is a usage error before anything runs. */
    struct qmp_server *qmp = NULL;
    if (qmp_path) {
        int rc = qmp_server_open(&qmp, qmp_path, err, sizeof(err));
        if (rc < 0) {
            fprintf(stderr, "mvisor: -qmp unix:%s: %s\n", qmp_path, err);
            vmset_destroy(&set);
            return 1;
        }
    }
    /* The NUMA machine before any VM's page is made (every page gets a home node). */
    for (unsigned i = 0; i < set.n; i++) {
        const struct vm_config *cfg = &set.v[i].opt.cfg;
        char where[200];
        unsigned top = cfg->numa_node > cfg->numa_mem_node ? cfg->numa_node : cfg->numa_mem_node;
        for (unsigned k = 0; k < sizeof(cfg->numa_vcpu_node); k++)
            top = cfg->numa_vcpu_node[k] > top ? cfg->numa_vcpu_node[k] : top;
        if (top > numa_cfg.nodes) {
            fprintf(stderr, "mvisor: %s--numa-node: %s\n", vmset_where(&set, i, where, sizeof(where)),
                    numa_cfg.nodes ? "no such node (see --numa nodes=)" : "needs --numa");
            qmp_server_stop(qmp);
            vmset_destroy(&set);
            return 1;
        }
    }
    if (numa_cfg.nodes) {
        struct machmem *mm = machmem_default();
        int rc = mm ? numa_create(mm, &numa_cfg) : -ENOMEM;
        if (rc < 0) {
            fprintf(stderr, "mvisor: --numa: %s\n", strerror(-rc));
            qmp_server_stop(qmp);
            vmset_destroy(&set);
            return 1;
        }
    }
    err[0] = 0;
    if (overlay_make(&set, err, sizeof(err)) < 0 || !create_all(&set, &rep)) {
        if (err[0])
            fprintf(stderr, "mvisor: %s\n", err);
        /* Nothing ran: the overlays made for this run go again. */
        overlay_discard(&set, true);
        qmp_server_stop(qmp);
        vmset_destroy(&set);
        return 1;
    }
    if (run_dir_defaulted && set.n > 1)
        fprintf(stderr, "mvisor: consoles in %s (NAME.log; Malta VMs also NAME.sock: socat - UNIX-CONNECT:%s/NAME.sock)\n",
                set.run_dir, set.run_dir);
    if (run_dir_defaulted && set.need_run_dir)
        fprintf(stderr, "mvisor: disk overlays in %s (NAME.DRIVE.qcow2, kept at exit)\n", set.run_dir);
    /* Running (console up, state "running") before the QMP server answers anyone. */
    struct vm **vms = calloc(set.n, sizeof(*vms));
    int *status = calloc(set.n, sizeof(*status));
    if (!vms || !status) {
        fprintf(stderr, "mvisor: out of memory\n");
        qmp_server_stop(qmp);
        vmset_destroy(&set);
        return 1;
    }
    for (unsigned i = 0; i < set.n; i++) {
        vms[i] = set.v[i].vm;
        if (vm_start(vms[i]) < 0) {
            qmp_server_stop(qmp);
            vmset_destroy(&set);
            return 1;
        }
    }
    if (share_rate) {
        int rc = pageshare_create(&share, vms[0]->mm, share_rate);
        for (unsigned i = 0; i < set.n && rc == 0; i++)
            if (vms[i]->mm == vms[0]->mm && !(vms[i]->share = pageshare_add(share, &vms[i]->pmap)))
                rc = -ENOMEM;
        if (rc == 0)
            rc = pageshare_start(share);
        if (rc < 0) {
            fprintf(stderr, "mvisor: --page-sharing: cannot start the scanner: %s\n", strerror(-rc));
            qmp_server_stop(qmp);
            vmset_destroy(&set);
            return 1;
        }
    }

    vmset_attach_logs(&set);
    if (qmp) {
        int rc = 0;
        for (unsigned i = 0; i < set.n && rc == 0; i++)
            rc = qmp_server_add_vm(qmp, vms[i]);
        if (rc == 0)
            rc = qmp_server_start(qmp);
        if (rc < 0) {
            fprintf(stderr, "mvisor: -qmp unix:%s: cannot start its thread\n", qmp_path);
            qmp_server_stop(qmp);
            vmset_destroy(&set);
            return 1;
        }
    }
    for (unsigned i = 0; i < set.n && rep.profile; i++) {
        if (profile_start(vms[i]) < 0) {
            qmp_server_stop(qmp);
            vmset_destroy(&set);
            fprintf(stderr, "mvisor: --profile: out of memory\n");
            return 1;
        }
    }

    struct memlimit *ml = NULL;
    if (mem_limit && memlimit_start(&ml, mem_limit, vms, set.n) < 0)
        fprintf(stderr, "mvisor: --mem-limit: cannot start its thread; running without the limit\n");
    /* Everything is set up: from here on the monitor only runs what it has. */
    if (sandbox && sandbox_enable(err, sizeof(err)) < 0) {
        fprintf(stderr, "mvisor: -sandbox on: %s (-sandbox off runs without it)\n", err);
        memlimit_stop(ml);
        if (share)
            pageshare_stop(share);
        qmp_server_stop(qmp);
        vmset_destroy(&set);
        return 1;
    }
    uint64_t t0 = host_monotonic_ns();
    int worst = sched_run(vms, set.n, &sc, status);
    memlimit_stop(ml);
    if (share)
        pageshare_stop(share);
    qmp_server_stop(qmp);
    double secs = (double)(host_monotonic_ns() - t0) / 1e9;
    if (worst < 0) {
        fprintf(stderr, "mvisor: cannot start the scheduler's threads: %s\n", strerror(-worst));
        vmset_destroy(&set);
        return 1;
    }

    FILE *pf = NULL;
    if (rep.profile) {
        pf = rep.profile_json ? fopen(rep.profile_json, "w") : stderr;
        if (!pf)
            fprintf(stderr, "mvisor: cannot write the profile to %s\n", rep.profile_json);
    }
    for (unsigned i = 0; i < set.n; i++)
        report_vm(&set, i, &rep, secs, pf);
    if (pf && pf != stderr)
        fclose(pf);
    for (unsigned i = 0; i < set.n && rep.profile; i++)
        profile_stop(vms[i]);
    if (set.n > 1)
        for (unsigned i = 0; i < set.n; i++)
            fprintf(stderr, "mvisor: %s: exit %d (%s)\n", vm_name(vms[i]), status[i],
                    vmset_exit_reason(&set, i, status[i]));
    if (rep.insn_words && dbt_insn_words_write(vms[0], rep.insn_words, err, sizeof(err)) < 0) {
        fprintf(stderr, "mvisor: --insn-words: %s\n", err);
        for (unsigned i = 0; i < set.n; i++)
            vms[i]->share = NULL;
        pageshare_destroy(share);
        vmset_destroy(&set);
        return worst ? worst : 1;
    }
    for (unsigned i = 0; i < set.n; i++)
        vms[i]->share = NULL;
    pageshare_destroy(share);
    vmset_destroy(&set);
    free(vms);
    free(status);
    return worst;
}
