/*
 * The command line. QEMU's spelling where QEMU has an option (so existing
 * `qemu-system-mipsel -M malta` command lines keep working), long options
 * for mvisor's own. Every bad option is one line on stderr and exit 1.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dbt/dbt.h"
#include "monitor/internal.h"
#include "monitor/qmp.h"
#include "monitor/sched.h"
#include "monitor/unixsock.h"

static const char usage_text[] =
    "usage: mvisor [options] -kernel FILE\n"
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
    "  -cpu MODEL          CPU model: 24Kf (MIPS32r2 with its FPU; the default) or 24Kc\n"
    "                      (no FPU: the guest kernel emulates floating point)\n"
    "  -serial DEV         ttyS0: stdio or mon:stdio (default; raw terminal, Ctrl-A h for help),\n"
    "                      file:PATH (output only), none (disconnected), or\n"
    "                      unix:PATH,server=on,wait=off (a socket; `socat - UNIX-CONNECT:PATH`\n"
    "                      attaches, one client at a time; output while none is there is dropped)\n"
    "  -qmp unix:PATH,server=on,wait=off\n"
    "                      QMP control socket (QEMU's protocol: qmp_capabilities, query-status,\n"
    "                      stop, cont, system_reset, system_powerdown, quit, query-cpus-fast,\n"
    "                      query-version, query-vms, query-commands; README \"QMP\")\n"
    "  -name NAME          the VM's name (QMP query-vms and the `vm` argument; default vm0)\n"
    "  -no-reboot          a guest reset stops mvisor (status 0, 'guest reset' on stderr)\n"
    "                      instead of booting again\n"
    "  -nographic, -display none, -monitor none, -nodefaults, -smp 1\n"
    "                      accepted for compatibility (mvisor has no display or monitor)\n"
    "\n"
    "mvisor options:\n"
    "  --exec MODE         how guest code executes: dbt (translated to x86-64, privileged\n"
    "                      instructions as callouts or inline; the default), trap (translated,\n"
    "                      privileged instructions trap to the monitor and are emulated) or\n"
    "                      interp (the reference interpreter)\n"
    "  --no-chain          translated blocks never jump into each other: each returns to the\n"
    "                      run loop (for lockstep and debugging)\n"
    "  --perfmap           write /tmp/perf-PID.map so perf names translated guest blocks\n"
    "  --code-buffer KiB   size of the VM's translation code buffer, 64..1048576 (default\n"
    "                      32768; memory is committed as code is written; a small buffer makes\n"
    "                      the cache flush often, for testing)\n"
    "  --deterministic     time is a function of executed instructions only\n"
    "  --seed N            fixes the initial Count and the TLB Random sequence (printed when chosen)\n"
    "  --max-insns N       stop after N guest instructions (exit 3)\n"
    "  --timeout SECONDS   stop after this much host time (exit 3)\n"
    "  --trace SPEC        trace executed instructions to stderr: pc=LO-HI,insn=FROM-TO\n"
    "  --tlb-entries N     guest TLB size (1..64, default 16)\n"
    "  --stats             print instruction count and speed at exit\n"
    "  --profile           print a profile at exit and on SIGUSR1: translation cache (lookups,\n"
    "                      hit rate, chaining, invalidations, time translating), privileged\n"
    "                      operations by kind (host cycles per trap with --exec trap), memory\n"
    "                      (software TLB, refills, MMIO by device), instructions and host time\n"
    "                      by guest mode\n"
    "  --profile=json:FILE the same as JSON into FILE at exit\n"
    "  --insn-words FILE   at exit, write every distinct instruction word executed (hex, sorted)\n"
    "  -h, --help          this text\n"
    "\n"
    "Exit status: 0 guest powered off (or reset under -no-reboot) or test passed, 1 usage or\n"
    "host error, 2 guest wedged, 3 time or instruction limit reached, 4 the test device\n"
    "reported a failure.\n";

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

/* -m: MiB, optionally with a unit M or G (QEMU's spelling), or size=... as QEMU also accepts. */
static uint64_t parse_ram_mb(const char *s)
{
    char buf[32];
    if (!strncmp(s, "size=", 5))
        s += 5;
    snprintf(buf, sizeof(buf), "%s", s);
    size_t n = strlen(buf);
    uint64_t scale = 1;
    if (n > 1 && (buf[n - 1] == 'M' || buf[n - 1] == 'm')) {
        buf[n - 1] = 0;
    } else if (n > 1 && (buf[n - 1] == 'G' || buf[n - 1] == 'g')) {
        buf[n - 1] = 0;
        scale = 1024;
    }
    uint64_t v = parse_u64("-m", buf, 0, UINT64_MAX / 1024);
    if (v == 0 || v * scale > 2048) {
        fprintf(stderr, "mvisor: -m %s is out of range (1..2048 MiB)\n", s);
        exit(1);
    }
    return v * scale;
}

/* A unix socket spec of -qmp or -serial; the path goes to buf. */
static const char *parse_socket(const char *opt, const char *s, char *buf, size_t len)
{
    char err[300];
    if (unixsock_parse(s, buf, len, err, sizeof(err)) < 0) {
        fprintf(stderr, "mvisor: %s: %s (see mvisor --help)\n", opt, err);
        exit(1);
    }
    return buf;
}

/* -name NAME or QEMU's -name guest=NAME: what QMP calls the VM. */
static const char *parse_name(const char *s)
{
    if (!strncmp(s, "guest=", 6))
        s += 6;
    size_t n = strlen(s);
    if (n == 0 || n > 64 || strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") != n)
        die_usage("-name '%s': 1 to 64 letters, digits, '.', '_' or '-'", s);
    return s;
}

/* -serial: where ttyS0 goes. */
static void parse_serial(const char *s, struct vm_config *cfg)
{
    static char sock_path[108];
    if (!strncmp(s, "unix:", 5)) {
        cfg->serial = SERIAL_UNIX;
        cfg->serial_path = parse_socket("-serial", s, sock_path, sizeof(sock_path));
        return;
    }
    if (!strcmp(s, "stdio") || !strcmp(s, "mon:stdio")) {
        cfg->serial = SERIAL_STDIO;
    } else if (!strncmp(s, "file:", 5) && s[5]) {
        cfg->serial = SERIAL_FILE;
        cfg->serial_path = s + 5;
    } else if (!strcmp(s, "none") || !strcmp(s, "null")) {
        cfg->serial = SERIAL_NONE;
    } else {
        die_usage("unsupported -serial %s (stdio, mon:stdio, file:PATH, unix:PATH,server=on,wait=off or none)", s);
    }
}

static const char *need_arg(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc)
        die_usage("option %s needs an argument", argv[*i]);
    return argv[++*i];
}

int main(int argc, char **argv)
{
    struct vm_config cfg = {.machine = MACHINE_MALTA, .ram_mb = 256, .tlb_entries = MTLB_DEFAULT_ENTRIES};
    bool stats = false, serial_given = false;
    bool profile = false;
    const char *profile_json = NULL;
    const char *exec_mode = "dbt";
    const char *insn_words = NULL;
    const char *qmp_path = NULL;
    char qmp_buf[108];
    struct dbt_trace trace = {.pc_hi = UINT32_MAX, .icount_hi = UINT64_MAX}; /* --trace (off unless given) */

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        /* QEMU accepts both -opt and --opt; so do we. */
        const char *o = (a[0] == '-' && a[1] == '-') ? a + 1 : a;
        if (!strcmp(o, "-h") || !strcmp(o, "-help")) {
            fputs(usage_text, stdout);
            return 0;
        } else if (!strcmp(o, "-M") || !strcmp(o, "-machine")) {
            const char *m = need_arg(argc, argv, &i);
            if (!strcmp(m, "malta") || !strncmp(m, "malta,", 6))
                cfg.machine = MACHINE_MALTA;
            else if (!strcmp(m, "testbench"))
                cfg.machine = MACHINE_TESTBENCH;
            else
                die_usage("unknown machine '%s' (malta or testbench)", m);
        } else if (!strcmp(o, "-m")) {
            cfg.ram_mb = parse_ram_mb(need_arg(argc, argv, &i));
        } else if (!strcmp(o, "-kernel")) {
            cfg.kernel = need_arg(argc, argv, &i);
        } else if (!strcmp(o, "-initrd")) {
            cfg.initrd = need_arg(argc, argv, &i);
        } else if (!strcmp(o, "-append")) {
            cfg.append = need_arg(argc, argv, &i);
        } else if (!strcmp(o, "-cpu")) {
            const char *c = need_arg(argc, argv, &i);
            if (!strcmp(c, "24Kc"))
                cfg.cpu = CPU_24KC;
            else if (!strcmp(c, "24Kf"))
                cfg.cpu = CPU_24KF;
            else
                die_usage("unsupported CPU '%s' (24Kc or 24Kf)", c);
        } else if (!strcmp(o, "-smp")) {
            const char *s = need_arg(argc, argv, &i);
            if (strcmp(s, "1") && strcmp(s, "cpus=1"))
                die_usage("-smp %s: only one CPU is supported", s);
        } else if (!strcmp(o, "-serial")) {
            if (serial_given)
                die_usage("%s", "only one -serial is supported (ttyS0)");
            serial_given = true;
            parse_serial(need_arg(argc, argv, &i), &cfg);
        } else if (!strcmp(o, "-qmp")) {
            if (qmp_path)
                die_usage("%s", "only one -qmp is supported");
            qmp_path = parse_socket("-qmp", need_arg(argc, argv, &i), qmp_buf, sizeof(qmp_buf));
        } else if (!strcmp(o, "-name")) {
            cfg.name = parse_name(need_arg(argc, argv, &i));
        } else if (!strcmp(o, "-display") || !strcmp(o, "-monitor")) {
            const char *d = need_arg(argc, argv, &i);
            if (strcmp(d, "none"))
                die_usage(!strcmp(o, "-display") ? "unsupported -display %s (only none: mvisor has no display)"
                                                 : "unsupported -monitor %s (only none: mvisor has no monitor)",
                          d);
        } else if (!strcmp(o, "-no-reboot")) {
            cfg.no_reboot = true;
        } else if (!strcmp(o, "-nographic") || !strcmp(o, "-nodefaults")) {
            /* accepted: mvisor has no graphics, and its only default device is ttyS0 on stdio */
        } else if (!strcmp(o, "-insn-words")) {
            insn_words = need_arg(argc, argv, &i);
        } else if (!strcmp(o, "-exec")) {
            exec_mode = need_arg(argc, argv, &i);
            if (!strcmp(exec_mode, "dbt"))
                cfg.exec = EXEC_DBT;
            else if (!strcmp(exec_mode, "trap"))
                cfg.exec = EXEC_TRAP;
            else if (!strcmp(exec_mode, "interp"))
                cfg.exec = EXEC_INTERP;
            else
                die_usage("unknown execution mode '%s' (dbt, trap or interp)", exec_mode);
        } else if (!strcmp(o, "-no-chain")) {
            cfg.no_chain = true;
        } else if (!strcmp(o, "-perfmap")) {
            cfg.perfmap = true;
        } else if (!strcmp(o, "-code-buffer")) {
            cfg.code_kib = parse_u64("--code-buffer", need_arg(argc, argv, &i), DBT_MIN_CODE_KIB, DBT_MAX_CODE_KIB);
        } else if (!strcmp(o, "-deterministic")) {
            cfg.deterministic = true;
        } else if (!strcmp(o, "-seed")) {
            cfg.seed = parse_u64("--seed", need_arg(argc, argv, &i), 0, UINT64_MAX);
            cfg.seed_given = true;
        } else if (!strcmp(o, "-max-insns")) {
            cfg.max_insns = parse_u64("--max-insns", need_arg(argc, argv, &i), 1, UINT64_MAX);
        } else if (!strcmp(o, "-timeout")) {
            const char *s = need_arg(argc, argv, &i);
            char *end;
            cfg.timeout_s = strtod(s, &end);
            if (*end || !(cfg.timeout_s > 0))
                die_usage("--timeout needs a positive number of seconds, not '%s'", s);
        } else if (!strcmp(o, "-trace")) {
            char err[200];
            cfg.trace = need_arg(argc, argv, &i);
            if (!dbt_trace_parse(cfg.trace, &trace, err, sizeof(err))) {
                fprintf(stderr, "mvisor: --trace: %s\n", err);
                return 1;
            }
        } else if (!strcmp(o, "-tlb-entries")) {
            cfg.tlb_entries = (unsigned)parse_u64("--tlb-entries", need_arg(argc, argv, &i), 1, MTLB_MAX_ENTRIES);
        } else if (!strcmp(o, "-stats")) {
            stats = true;
        } else if (!strcmp(o, "-profile")) {
            profile = true;
        } else if (!strncmp(o, "-profile=", 9)) {
            if (strncmp(o + 9, "json:", 5) || !o[14])
                die_usage("--profile takes no value or =json:FILE, not '%s'", o + 9);
            profile = true;
            profile_json = o + 14;
        } else if (a[0] == '-') {
            die_usage("unsupported option %s", a);
        } else {
            die_usage("unexpected argument '%s'", a);
        }
    }
    if (!cfg.kernel)
        die_usage("%s", "no -kernel given");
    if (cfg.machine == MACHINE_TESTBENCH) {
        if (cfg.ram_mb > 256)
            die_usage("%s", "-m: the testbench machine has at most 256 MiB of RAM");
        if (cfg.initrd || cfg.append)
            die_usage("%s", "-initrd and -append need the malta machine");
    }
    /* A deterministic run is reproducible without --seed; a real-time one draws a seed. */
    if (!cfg.seed_given && !cfg.deterministic)
        cfg.seed = host_monotonic_ns() ^ ((uint64_t)getpid() << 32);
    if (qmp_path && cfg.machine != MACHINE_MALTA)
        die_usage("%s", "-qmp needs the malta machine");
    if (qmp_path && cfg.serial == SERIAL_UNIX && !strcmp(qmp_path, cfg.serial_path))
        die_usage("-qmp and -serial cannot share the socket %s", qmp_path);
    if (insn_words && cfg.exec != EXEC_INTERP)
        die_usage("%s", "--insn-words records what the interpreter executes: add --exec interp");

    cfg.profile = profile;
    struct vm vm;
    char err[512];
    /* The socket first: a path that cannot be used is a usage error before anything runs. */
    struct qmp_server *qmp = NULL;
    if (qmp_path) {
        int rc = qmp_server_open(&qmp, qmp_path, err, sizeof(err));
        if (rc < 0) {
            fprintf(stderr, "mvisor: -qmp unix:%s: %s\n", qmp_path, err);
            return 1;
        }
    }
    if (vm_create(&vm, &cfg, err, sizeof(err)) < 0) {
        qmp_server_stop(qmp);
        fprintf(stderr, "mvisor: %s\n", err);
        return 1;
    }
    vm_set_trace(&vm, &trace);
    if (insn_words && !dbt_insn_words_start(&vm)) {
        qmp_server_stop(qmp);
        vm_destroy(&vm);
        fprintf(stderr, "mvisor: --insn-words: out of memory\n");
        return 1;
    }
    if (vm_boot(&vm, err, sizeof(err)) < 0) {
        qmp_server_stop(qmp);
        vm_destroy(&vm);
        fprintf(stderr, "mvisor: %s\n", err);
        return 1;
    }
    if (cfg.machine == MACHINE_MALTA) {
        if (cfg.ram_mb > 256)
            fprintf(stderr, "mvisor: note: -m %" PRIu64 ": a Malta kernel without HIGHMEM (such as Debian's "
                    "4kc-malta) uses only the first 256 MiB\n", cfg.ram_mb);
        fprintf(stderr, "mvisor: seed %" PRIu64 " (%s; reproduce with --deterministic --seed %" PRIu64 ")\n",
                cfg.seed, cfg.deterministic ? "deterministic" : "real time", cfg.seed);
    }
    /* Running (console up, state "running") before the QMP server answers anyone. */
    if (vm_start(&vm) < 0) {
        qmp_server_stop(qmp);
        vm_destroy(&vm);
        return 1;
    }
    if (qmp) {
        int rc = qmp_server_add_vm(qmp, &vm);
        if (rc == 0)
            rc = qmp_server_start(qmp);
        if (rc < 0) {
            fprintf(stderr, "mvisor: -qmp unix:%s: cannot start its thread\n", qmp_path);
            qmp_server_stop(qmp);
            vm_destroy(&vm);
            return 1;
        }
    }
    if (profile && profile_start(&vm) < 0) {
        qmp_server_stop(qmp);
        vm_destroy(&vm);
        fprintf(stderr, "mvisor: --profile: out of memory\n");
        return 1;
    }
    uint64_t t0 = host_monotonic_ns();
    struct vm *vms[1] = {&vm};
    int status;
    int rc = sched_run(vms, 1, &(struct sched_config){0}, &status);
    if (rc < 0) {
        fprintf(stderr, "mvisor: cannot start the scheduler: %s\n", strerror(-rc));
        status = 1;
    }
    qmp_server_stop(qmp);
    double secs = (double)(host_monotonic_ns() - t0) / 1e9;
    if (stats) {
        fprintf(stderr, "stats: insns=%" PRIu64 " seconds=%.3f mips=%.1f\n", vm.vcpu->icount, secs,
                secs > 0 ? (double)vm.vcpu->icount / secs / 1e6 : 0.0);
        dbt_print_stats(&vm, stderr);
    }
    if (profile) {
        FILE *pf = profile_json ? fopen(profile_json, "w") : stderr;
        if (!pf) {
            fprintf(stderr, "mvisor: cannot write the profile to %s\n", profile_json);
        } else {
            profile_write(&vm, pf, profile_json != NULL);
            if (pf != stderr)
                fclose(pf);
        }
        profile_stop(&vm);
    }
    if (insn_words && dbt_insn_words_write(&vm, insn_words, err, sizeof(err)) < 0) {
        vm_destroy(&vm);
        fprintf(stderr, "mvisor: --insn-words: %s\n", err);
        return status ? status : 1;
    }
    vm_destroy(&vm);
    return status;
}
