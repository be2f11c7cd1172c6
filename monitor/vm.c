/*
 * VM construction and the run loop.
 *
 * Guest RAM is a pmap of machine pages allocated on first touch, so a large
 * -m costs nothing until the guest touches it. The run loop has kvmtool's shape: the engine
 * returns an exit reason and a switch turns it into the process exit status
 * (0 powered off / test passed, 2 wedged, 3 limit or timeout, 4 test failed).
 *
 * The Malta machine is the board of devices/ plus the host side: guest time,
 * the CPU's interrupt lines, power events and the console, handed to the
 * board as struct malta_host. Devices only flag power events; the run loop
 * acts on them (power off, or reset and boot again unless -no-reboot).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "dbt/dbt.h"
#include "monitor/console.h"
#include "monitor/internal.h"

#define TESTBENCH_BOOTROM_BASE 0x1FC00000u
#define TESTBENCH_BOOTROM_SIZE 0x00100000u

static void vm_cpu_irq(void *opaque, int n, int level)
{
    cp0_set_irq(opaque, n, level);
}

static uint64_t vm_icount(void *ctx)
{
    return ((struct vcpu *)ctx)->icount;
}

/* ---- the host side of the Malta board ---- */

static uint64_t malta_host_now_ns(void *ctx)
{
    return vm_guest_ns(ctx);
}

static void malta_host_cpu_irq(void *ctx, int line, int level)
{
    struct vm *vm = ctx;
    cp0_set_irq(vm->vcpu, line, level);
}

static void malta_host_power(void *ctx, enum malta_power what)
{
    struct vm *vm = ctx;
    vm->stop = true;
    vm->stop_reason = what == MALTA_POWER_OFF ? VM_STOP_POWEROFF : VM_STOP_RESET;
    vcpu_kick(vm->vcpu);
}

static void malta_host_attention(void *ctx)
{
    struct vm *vm = ctx;
    vcpu_kick(vm->vcpu);
}

static void malta_host_serial_out(void *ctx, uint8_t byte)
{
    struct vm *vm = ctx;
    if (vm->console)
        console_write(vm->console, &byte, 1);
}

void vm_console_pump(struct vm *vm)
{
    struct console *c = vm->console;
    if (!c || !console_pending(c))
        return;
    unsigned room = malta_console_room(vm->malta);
    if (!room)
        return;
    uint8_t buf[64];
    size_t n = console_read(c, buf, room < sizeof(buf) ? room : sizeof(buf));
    unsigned took = malta_console_input(vm->malta, buf, (unsigned)n);
    if (took < n)
        console_unread(c, buf + took, n - took);
}

/* The output side of -serial, opened before the guest runs so a bad path is a usage error. */
static int serial_open_output(const struct vm_config *cfg, char *err, size_t errlen)
{
    switch (cfg->serial) {
    case SERIAL_STDIO:
        return STDOUT_FILENO;
    case SERIAL_FILE: {
        int fd = open(cfg->serial_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) {
            snprintf(err, errlen, "-serial file:%s: %s", cfg->serial_path, strerror(errno));
            return -errno;
        }
        return fd;
    }
    default:
        return -1;
    }
}

static int64_t rtc_start_unix_ns(const struct vm_config *cfg)
{
    if (cfg->deterministic)
        return RTC_START_DETERMINISTIC_NS;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static int vm_create_malta(struct vm *vm, char *err, size_t errlen)
{
    struct malta_host host = {
        .ctx = vm,
        .now_ns = malta_host_now_ns,
        .cpu_irq = malta_host_cpu_irq,
        .power = malta_host_power,
        .attention = malta_host_attention,
        .serial_out = malta_host_serial_out,
    };
    int rc = malta_create(&vm->malta, &vm->physmap, &vm->pmap, vm->ram_size, &host,
                          rtc_start_unix_ns(&vm->cfg), err, errlen);
    if (rc < 0)
        return rc;
    vm->serial_fd = serial_open_output(&vm->cfg, err, errlen);
    if (vm->serial_fd < -1)
        return vm->serial_fd;
    return 0;
}

int vm_create(struct vm *vm, const struct vm_config *cfg, char *err, size_t errlen)
{
    memset(vm, 0, sizeof(*vm));
    vm->cfg = *cfg;
    vm->ram_size = cfg->ram_mb << 20;
    /* Guest RAM is pages of the monitor's machine memory, allocated on first touch. Its canonical
     * addresses are where all of it is seen: 0x80000000 on the Malta, 0 on the test machine. */
    vm->mm = machmem_default();
    /* The vCPU lives right in front of the RAM view (pmap_init_prefix): translated code then
     * reaches kseg0 RAM at a fixed distance from the vCPU it runs on. */
    int prc = vm->mm ? pmap_init_prefix(&vm->pmap, vm->mm, vm->ram_size,
                                        cfg->machine == MACHINE_MALTA ? MALTA_RAM_ALL_BASE : 0,
                                        sizeof(struct vcpu))
                     : -ENOMEM;
    if (prc < 0) {
        snprintf(err, errlen, "cannot set up %" PRIu64 " MiB of guest RAM: %s", cfg->ram_mb, strerror(-prc));
        return prc;
    }
    vm->serial_fd = -1;
    int rc;

    vm->clock.deterministic = cfg->deterministic;
    vm->clock.count_hz = VM_COUNT_HZ;
    vm->clock.insns_per_count = CPU_CCRES;
    vm->clock.host_start_ns = host_monotonic_ns();

    vm->vcpu = (struct vcpu *)(vm->pmap.view - vm->pmap.prefix);
    memset(vm->vcpu, 0, sizeof(*vm->vcpu));
    vm->vcpu->vm = vm;
    rc = pmap_attach_stlb(&vm->pmap, &vm->vcpu->stlb);
    if (rc < 0)
        goto err_map;
    vm->vcpu->max_insns = cfg->max_insns;

    switch (cfg->machine) {
    case MACHINE_TESTBENCH:
        rc = physmap_add_pmap(&vm->physmap, "ram", 0, vm->ram_size, &vm->pmap, 0);
        if (rc < 0)
            goto err_map;
        vm->bootrom = mmap(NULL, TESTBENCH_BOOTROM_SIZE, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (vm->bootrom == MAP_FAILED) {
            vm->bootrom = NULL;
            rc = -ENOMEM;
            goto err_map;
        }
        rc = physmap_add_ram(&vm->physmap, "bootrom", TESTBENCH_BOOTROM_BASE, TESTBENCH_BOOTROM_SIZE,
                             vm->bootrom, false);
        if (rc < 0)
            goto err_map;
        vm->testdev.console = cfg->console_out ? cfg->console_out : stdout;
        vm->testdev.stop = &vm->stop;
        vm->testdev.icount = vm_icount;
        vm->testdev.icount_ctx = vm->vcpu;
        for (int i = 0; i < 6; i++)
            vm->testdev.irq[i] = (struct irq_line){.set = vm_cpu_irq, .opaque = vm->vcpu, .n = i};
        rc = testdev_init(&vm->testdev, &vm->physmap);
        if (rc < 0)
            goto err_map;
        break;
    case MACHINE_MALTA:
        rc = vm_create_malta(vm, err, errlen);
        if (rc < 0)
            goto err_quiet;
        break;
    }

    /* kseg0 (physical 0..512 MiB) onto the RAM window at 0: the pmap's RAM view, for translated
     * kernel loads. */
    const struct mem_region *low = physmap_find(&vm->physmap, 0);
    if (low && low->pmap && low->base == 0) {
        vm->vcpu->kseg0_view = low->pmap->view + ((size_t)low->first_page << MACH_PAGE_BITS);
        vm->vcpu->kseg0_window = (uint32_t)(low->size < 0x20000000u ? low->size : 0x20000000u);
        int64_t d = vm->vcpu->kseg0_view - (uint8_t *)vm->vcpu;
        vm->vcpu->kseg0_disp = d > 0 && d + vm->vcpu->kseg0_window <= INT32_MAX ? (int32_t)d : 0;
    }
    vcpu_reset(vm->vcpu);
    if (cfg->exec == EXEC_DBT || cfg->exec == EXEC_TRAP) {
        rc = dbt_engine_init(vm, err, errlen);
        if (rc < 0)
            goto err_quiet;
    }
    return 0;

err_map:
    snprintf(err, errlen, "cannot set up the machine: %s", strerror(-rc));
err_quiet:
    vm_destroy(vm);
    return rc;
}

void vm_destroy(struct vm *vm)
{
    dbt_engine_destroy(vm);
    if (vm->console) {
        console_close(vm->console);
        free(vm->console);
        vm->console = NULL;
    }
    if (vm->serial_fd > STDERR_FILENO)
        close(vm->serial_fd);
    vm->serial_fd = -1;
    malta_destroy(vm->malta);
    vm->malta = NULL;
    if (vm->bootrom)
        munmap(vm->bootrom, TESTBENCH_BOOTROM_SIZE);
    vm->bootrom = NULL;
    vm->vcpu = NULL;
    pmap_destroy(&vm->pmap); /* the vCPU's memory with it */
}

/* The host side of ttyS0: stdin/stdout (or a file, or nothing) and the input thread. */
static int vm_open_console(struct vm *vm)
{
    vm->console = calloc(1, sizeof(*vm->console));
    if (!vm->console)
        return -ENOMEM;
    int in = vm->cfg.serial == SERIAL_STDIO ? STDIN_FILENO : -1;
    int rc = console_open(vm->console, in, vm->serial_fd, &vm->vcpu->exit_request);
    if (rc < 0) {
        console_close(vm->console);
        free(vm->console);
        vm->console = NULL;
    }
    return rc;
}

static void vm_report_time(struct vm *vm)
{
    const struct vclock *c = &vm->clock;
    if (c->rtc_skips)
        fprintf(stderr, "mvisor: RTC fast-forward: skipped %.3f guest seconds (%" PRIu64
                " jumps) while the guest polled the RTC update flag with interrupts off\n",
                (double)c->rtc_skipped_ticks / (double)c->count_hz, c->rtc_skips);
}

/* A guest reset: the board goes back to its firmware state, RAM is cleared, the kernel boots
 * again. Guest time keeps running, as the RTC's does on a real board. */
static int vm_reboot(struct vm *vm)
{
    char err[512];
    malta_reset(vm->malta);
    physmap_discard(&vm->physmap, MALTA_RAM_ALL_BASE, vm->ram_size);
    /* The next boot rewrites code pages from the host, which the translator's store tracking
     * does not see: start it afresh. */
    if (vm->dbt)
        dbt_flush(vm);
    vcpu_reset(vm->vcpu);
    vm->stop = false;
    vm->stop_reason = VM_STOP_NONE;
    vm->resets++;
    if (vm_boot(vm, err, sizeof(err)) < 0) {
        fprintf(stderr, "mvisor: cannot boot again after the guest reset: %s\n", err);
        return -1;
    }
    return 0;
}

int vm_run(struct vm *vm)
{
    struct vcpu *v = vm->vcpu;
    int status;
    if (vm->cfg.timeout_s > 0)
        vm->deadline_s = host_monotonic_s() + vm->cfg.timeout_s;
    if (vm->malta && vm_open_console(vm) < 0) {
        fprintf(stderr, "mvisor: cannot start the console: %s\n", strerror(errno));
        return 1;
    }
    for (;;) {
        enum vcpu_exit why = vm->dbt ? dbt_run(v) : dbt_interp_run(v);
        switch (why) {
        case VCPU_EXIT_NONE:
            continue;
        case VCPU_EXIT_STOP:
            if (vm->cfg.machine == MACHINE_TESTBENCH) {
                if (vm->testdev.state == TESTDEV_PASSED) {
                    fprintf(stderr, "mvisor: test passed (%u checks, %" PRIu64 " instructions)\n",
                            vm->testdev.check, v->icount);
                    return 0;
                }
                fprintf(stderr, "mvisor: test FAIL at check %u (result %u), pc %08x\n",
                        vm->testdev.check, vm->testdev.result, v->pc);
                return 4;
            }
            if (vm->stop_reason == VM_STOP_RESET) {
                if (vm->cfg.no_reboot) {
                    status = 0;
                    fprintf(stderr, "mvisor: guest reset (-no-reboot: stopping)\n");
                    goto out;
                }
                if (vm_reboot(vm) < 0) {
                    status = 1;
                    goto out;
                }
                continue;
            }
            status = 0; /* powered off */
            goto out;
        case VCPU_EXIT_LIMIT:
            fprintf(stderr, "mvisor: instruction limit reached (%" PRIu64 " instructions, pc %08x)\n", v->icount, v->pc);
            status = 3;
            goto out;
        case VCPU_EXIT_TIMEOUT:
            fprintf(stderr, "mvisor: timeout after %.1f s (%" PRIu64 " instructions)\n", vm->cfg.timeout_s,
                    v->icount);
            status = 3;
            goto out;
        case VCPU_EXIT_WEDGED:
            if (vm->console)
                console_close(vm->console); /* the dump goes to a sane terminal */
            fprintf(stderr, "mvisor: guest wedged: %s\n",
                    v->wedge_reason == 1 ? "wait with every wake-up source masked"
                                         : "exception loop without progress");
            vcpu_dump(v, stderr);
            if (vm->malta)
                malta_dump(vm->malta, stderr);
            status = 2;
            goto out;
        case VCPU_EXIT_USER_QUIT:
            status = 0;
            goto out;
        case VCPU_EXIT_SIGNAL:
            if (vm->console)
                console_close(vm->console);
            fprintf(stderr, "mvisor: stopped by signal %d\n", console_signal(vm->console));
            status = 1;
            goto out;
        }
    }
out:
    if (vm->console)
        console_close(vm->console);
    vm_report_time(vm);
    return status;
}
