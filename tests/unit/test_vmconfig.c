/*
 * Unit tests of the per-VM options (monitor/options.c) and the --vm-config file
 * (monitor/vmconfig.c): every per-VM option gives the same machine from the command line and
 * from a config file; relative paths in a config file are the file's folder's (-kernel,
 * -initrd, -serial file: and unix:), nothing else is rewritten; the one-string form of
 * "options" splits on any blank; and each refused file says where (file, line:column for bad
 * JSON, the VM's name or its position).
 */
#define _GNU_SOURCE /* asprintf, mkdtemp */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "monitor/options.h"
#include "monitor/sched.h"
#include "monitor/vmconfig.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/mvisor-test-vmconfig-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char *cmd;
    assert_true(asprintf(&cmd, "rm -rf '%s'", dir) > 0);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    return 0;
}

/* Writes text to dir/name (a subfolder is made if name has one); returns the path. */
static char *write_file(const char *name, const char *text)
{
    char *path, *slash;
    assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
    slash = strrchr(path, '/');
    *slash = 0;
    mkdir(path, 0700);
    *slash = '/';
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static void parse_argv(struct vmopt *o, int argc, char **argv)
{
    char err[300];
    vmopt_init(o, NULL);
    for (int i = 0; i < argc; i++) {
        int rc = vmopt_parse(o, argc, argv, &i, err, sizeof(err));
        if (rc != 1)
            fail_msg("argument %s: %d (%s)", argv[i], rc, rc < 0 ? err : "not a per-VM option");
    }
}

static void assert_str_same(const char *a, const char *b)
{
    if (!a || !b)
        assert_ptr_equal(a, b);
    else
        assert_string_equal(a, b);
}

/* Every field an option sets; the name comes from "name" in a file, from -name on a command line. */
static void assert_same_machine(const struct vmopt *a, const struct vmopt *b)
{
    const struct vm_config *x = &a->cfg, *y = &b->cfg;
    assert_int_equal(x->machine, y->machine);
    assert_int_equal(x->exec, y->exec);
    assert_int_equal(x->no_chain, y->no_chain);
    assert_int_equal(x->code_kib, y->code_kib);
    assert_int_equal(x->ram_mb, y->ram_mb);
    assert_str_same(x->kernel, y->kernel);
    assert_str_same(x->initrd, y->initrd);
    assert_str_same(x->append, y->append);
    assert_int_equal(x->deterministic, y->deterministic);
    assert_int_equal(x->seed_given, y->seed_given);
    assert_int_equal(x->seed, y->seed);
    assert_int_equal(x->max_insns, y->max_insns);
    assert_true(x->timeout_s == y->timeout_s);
    assert_int_equal(x->tlb_entries, y->tlb_entries);
    assert_int_equal(x->cpu, y->cpu);
    assert_str_same(x->trace, y->trace);
    assert_int_equal(a->trace.on, b->trace.on);
    assert_int_equal(a->trace.pc_lo, b->trace.pc_lo);
    assert_int_equal(a->trace.pc_hi, b->trace.pc_hi);
    assert_int_equal(x->no_reboot, y->no_reboot);
    assert_int_equal(x->serial, y->serial);
    assert_str_same(x->serial_path, y->serial_path);
    assert_int_equal(x->weight, y->weight);
    assert_int_equal(x->ndrives, y->ndrives);
    for (unsigned i = 0; i < x->ndrives; i++) {
        assert_str_same(x->drives[i].file, y->drives[i].file);
        assert_str_same(x->drives[i].id, y->drives[i].id);
        assert_int_equal(x->drives[i].format, y->drives[i].format);
        assert_int_equal(x->drives[i].cache, y->drives[i].cache);
        assert_int_equal(x->drives[i].readonly, y->drives[i].readonly);
    }
    assert_int_equal(x->ndisks, y->ndisks);
    for (unsigned i = 0; i < x->ndisks; i++) {
        assert_int_equal(x->disks[i].drive, y->disks[i].drive);
        assert_int_equal(x->disks[i].slot, y->disks[i].slot);
        assert_str_same(x->disks[i].serial, y->disks[i].serial);
    }
}

/* Each argument vector (absolute paths) parsed from argv and from a config file's "options". */
static void test_argv_and_file_agree(void **state)
{
    (void)state;
    static const char *const cases[][24] = {
        {"-M", "testbench", "-m", "16", "-kernel", "/k/prog.elf", "--deterministic", "--seed", "7", "--exec",
         "interp", "--max-insns", "1000", "--tlb-entries", "8", "--weight", "300", NULL},
        {"-M", "malta", "-m", "512M", "-kernel", "/k/vmlinuz", "-initrd", "/k/rd.gz", "-append",
         "console=ttyS0 panic=-1", "-cpu", "24Kc", "-serial", "file:/k/console.log", "-no-reboot",
         "--timeout", "2.5", "--no-chain", "--code-buffer", "64", "--trace", "pc=80000000-80001000", NULL},
        {"-machine", "malta,accel=tcg", "-kernel", "/k/vmlinuz", "-serial", "unix:/k/tty.sock,server=on,wait=off",
         "--exec", "trap", "-smp", "1", "-nographic", "-display", "none", "-monitor", "none", "-nodefaults",
         NULL},
        {"-kernel", "/k/vmlinuz", "-serial", "none", "-m", "1G", NULL},
        {"-kernel", "/k/vmlinuz", "-drive", "file=/k/a,,b.img,format=raw,if=none,id=d0,readonly=on,cache=none",
         "-device", "virtio-blk-pci,drive=d0,addr=0x13,serial=S1", "-drive", "file=/k/c.img,if=virtio,cache=unsafe",
         NULL},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        char *argv[24];
        int argc = 0;
        char json[2048] = "[{\"name\": \"v\", \"options\": [";
        for (; cases[c][argc]; argc++) {
            argv[argc] = (char *)cases[c][argc];
            snprintf(json + strlen(json), sizeof(json) - strlen(json), "%s\"%s\"", argc ? ", " : "",
                     cases[c][argc]);
        }
        strcat(json, "]}]");
        struct vmopt from_argv, *from_file;
        unsigned n;
        char err[300];
        parse_argv(&from_argv, argc, argv);
        char *path = write_file("agree.json", json);
        if (vmconfig_load(path, 10, &from_file, &n, err, sizeof(err)) != 0)
            fail_msg("case %zu: %s", c, err);
        assert_int_equal(n, 1);
        assert_string_equal(from_file[0].cfg.name, "v");
        assert_same_machine(&from_argv, &from_file[0]);
        free(path);
    }
}

static void test_relative_paths(void **state)
{
    (void)state;
    char *path = write_file("sub/vms.json",
                            "[{\"name\": \"r\", \"options\": [\"-kernel\", \"k/vmlinuz\", \"-initrd\", \"rd.gz\",\n"
                            "  \"-append\", \"root=x/y\", \"-serial\", \"file:logs/c.log\"]},\n"
                            " {\"name\": \"a\", \"options\": [\"-kernel\", \"/abs/vmlinuz\", \"-serial\",\n"
                            "  \"unix:tty.sock,server=on,wait=off\"]}]\n");
    struct vmopt *v;
    unsigned n;
    char err[300], *want;
    assert_int_equal(vmconfig_load(path, 10, &v, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 2);
    assert_true(asprintf(&want, "%s/sub/k/vmlinuz", dir) > 0);
    assert_string_equal(v[0].cfg.kernel, want);
    free(want);
    assert_true(asprintf(&want, "%s/sub/rd.gz", dir) > 0);
    assert_string_equal(v[0].cfg.initrd, want);
    free(want);
    assert_true(asprintf(&want, "%s/sub/logs/c.log", dir) > 0);
    assert_int_equal(v[0].cfg.serial, SERIAL_FILE);
    assert_string_equal(v[0].cfg.serial_path, want);
    free(want);
    assert_string_equal(v[0].cfg.append, "root=x/y"); /* not a path of the monitor's */
    assert_string_equal(v[1].cfg.kernel, "/abs/vmlinuz");
    assert_true(asprintf(&want, "%s/sub/tty.sock", dir) > 0);
    assert_int_equal(v[1].cfg.serial, SERIAL_UNIX);
    assert_string_equal(v[1].cfg.serial_path, want);
    free(want);
    assert_int_equal(v[0].cfg.weight, SCHED_WEIGHT_DEFAULT);
    free(path);
}

/* -drive and -device as QEMU spells them: ",," is a comma, addr is hexadecimal, disks without
 * addr fill 0x12 upward around the ones placed; a relative file= is the config file's folder's. */
static void test_disks(void **state)
{
    (void)state;
    char *argv[] = {"-kernel", "/k/vmlinuz", "-drive", "file=/k/a,,b.img,if=none,id=d0,format=qcow2",
                    "-drive", "file=/k/c.img,if=virtio", "-device", "virtio-blk-pci,drive=d0,addr=12.0",
                    "-drive", "file=/k/d.img,if=virtio,readonly=on"};
    struct vmopt o;
    char err[300];
    parse_argv(&o, sizeof(argv) / sizeof(argv[0]), argv);
    assert_int_equal(vmopt_check(&o, err, sizeof(err)), 0);
    assert_int_equal(o.cfg.ndrives, 3);
    assert_string_equal(o.cfg.drives[0].file, "/k/a,b.img");
    assert_int_equal(o.cfg.drives[0].format, BLK_FORMAT_QCOW2);
    assert_int_equal(o.cfg.drives[1].format, BLK_FORMAT_PROBE);
    assert_int_equal(o.cfg.drives[1].cache, BLK_CACHE_WRITEBACK);
    assert_true(o.cfg.drives[2].readonly);
    assert_int_equal(o.cfg.ndisks, 3); /* c (if=virtio), a (-device), d (if=virtio) */
    int slots[VM_MAX_DISKS];
    assert_int_equal(vmopt_disk_slots(&o.cfg, slots, err, sizeof(err)), 0);
    assert_int_equal(o.cfg.disks[0].drive, 1);
    assert_int_equal(slots[0], 0x13); /* 0x12 is taken by addr=12 */
    assert_int_equal(o.cfg.disks[1].drive, 0);
    assert_int_equal(slots[1], 0x12);
    assert_int_equal(slots[2], 0x14);

    char *path = write_file("d/vms.json", "[{\"name\": \"d\", \"options\": [\"-kernel\", \"/k/vmlinuz\",\n"
                                          "  \"-drive\", \"file=img/disk.raw,if=virtio\"]}]\n");
    struct vmopt *v;
    unsigned n;
    char *want;
    assert_int_equal(vmconfig_load(path, 10, &v, &n, err, sizeof(err)), 0);
    assert_true(asprintf(&want, "%s/d/img/disk.raw", dir) > 0);
    assert_string_equal(v[0].cfg.drives[0].file, want);
    free(want);
    free(path);
}

static void test_string_options(void **state)
{
    (void)state;
    char *path = write_file("str.json", "[{\"name\": \"s\", \"weight\": 5,\n"
                                        "  \"options\": \"  -M\\ttestbench\\n -kernel   /x.elf --seed 3  \"}]");
    struct vmopt *v;
    unsigned n;
    char err[300];
    assert_int_equal(vmconfig_load(path, 10, &v, &n, err, sizeof(err)), 0);
    assert_int_equal(v[0].cfg.machine, MACHINE_TESTBENCH);
    assert_string_equal(v[0].cfg.kernel, "/x.elf");
    assert_true(v[0].cfg.seed_given);
    assert_int_equal(v[0].cfg.seed, 3);
    assert_int_equal(v[0].cfg.weight, 5);
    free(path);
}

/* Refused files: the message must hold each of the strings given. */
static void refused(const char *text, unsigned max, const char *want1, const char *want2)
{
    char *path = write_file("bad.json", text), err[400];
    struct vmopt *v;
    unsigned n;
    assert_true(vmconfig_load(path, max, &v, &n, err, sizeof(err)) < 0);
    if (!strstr(err, want1) || (want2 && !strstr(err, want2)))
        fail_msg("'%s' lacks '%s' / '%s'", err, want1, want2 ? want2 : "");
    assert_non_null(strstr(err, "bad.json"));
    for (const char *c = err; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7F)
            fail_msg("'%s' holds control character %#x: not one line", err, *c);
    free(path);
}

static void test_refused(void **state)
{
    (void)state;
    refused("[\n {\"name\": \"a\",\n  \"options\" [\"-kernel\", \"/k\"]}\n]", 10, "bad.json:3:", "bad JSON");
    refused("[{\"name\": \"a\", \"name\": \"b\", \"options\": \"-kernel /k\"}]", 10, "bad.json:1:", "duplicate");
    refused("[]", 10, "empty", NULL);
    refused("{}", 10, "not a list", NULL);
    refused("[{\"name\": \"a\", \"options\": \"-kernel /k\"}, 5]", 10, "VM 2", "not an object");
    refused("[{\"options\": \"-kernel /k\"}]", 10, "VM 1", "no \"name\"");
    refused("[{\"name\": \"a\", \"options\": \"-kernel /k\", \"opts\": 1}]", 10, "vm \"a\"", "unknown key \"opts\"");
    refused("[{\"name\": \"a\", \"options\": \"-M malta\"}]", 10, "vm \"a\"", "no -kernel");
    refused("[{\"name\": \"a\", \"options\": \"-kernel /k\"}, {\"name\": \"a\", \"options\": \"-kernel /k\"}]", 10,
            "vm \"a\"", "twice (VMs 1 and 2");
    refused("[{\"name\": \"a\", \"options\": \"-kernel /k\", \"weight\": 10001}]", 10, "vm \"a\"", "weight 10001");
    refused("[{\"name\": \"a\", \"options\": \"-kernel /k\", \"weight\": 2.5}]", 10, "vm \"a\"", "whole number");
    refused("[{\"name\": \"a\", \"options\": \"-kernel /k -qmp unix:x,server,nowait\"}]", 10, "vm \"a\"",
            "-qmp is an option of the whole monitor");
    refused("[{\"name\": \"a\", \"options\": \"-kernel /k -foo\"}]", 10, "vm \"a\": unsupported option -foo", NULL);
    refused("[{\"name\": \"a\", \"options\": \"-kernel /k stray\"}]", 10, "vm \"a\"", "unexpected argument 'stray'");
    /* the file's strings are quoted with their control characters made '?' (one line, no escapes) */
    refused("[{\"name\": \"a\", \"options\": \"-kernel /k\", \"op\\nts\": 1}]", 10, "unknown key \"op?ts\"", NULL);
    refused("[{\"name\": \"a\", \"options\": [\"-kernel\", \"/k\", \"-fo\\u001b[2Jo\"]}]", 10,
            "unsupported option -fo?[2Jo", NULL);
    refused("[{\"name\": \"a\", \"options\": \"-kernel /k\"}, {\"name\": \"b\", \"options\": \"-kernel /k\"}]", 1,
            "2 VMs, at most 1", NULL);
    char *missing;
    assert_true(asprintf(&missing, "%s/none.json", dir) > 0);
    struct vmopt *v;
    unsigned n;
    char err[300];
    assert_true(vmconfig_load(missing, 10, &v, &n, err, sizeof(err)) < 0);
    assert_non_null(strstr(err, "none.json: cannot read: No such file"));
    free(missing);
}

static void test_monitor_wide(void **state)
{
    (void)state;
    assert_true(vmopt_monitor_wide("-qmp"));
    assert_true(vmopt_monitor_wide("--stats"));
    assert_true(vmopt_monitor_wide("--profile=json:x"));
    assert_true(vmopt_monitor_wide("--clone"));
    assert_false(vmopt_monitor_wide("-kernel"));
    assert_false(vmopt_monitor_wide("--statsx"));
    assert_false(vmopt_monitor_wide("stats"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_argv_and_file_agree),
        cmocka_unit_test(test_relative_paths),
        cmocka_unit_test(test_disks),
        cmocka_unit_test(test_string_options),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_monitor_wide),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
