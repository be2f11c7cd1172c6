/*
 * VM construction and the run loop.
 *
 * Guest RAM is reserved lazily (MAP_NORESERVE), so a large -m costs nothing
 * until the guest touches it. The run loop has kvmtool's shape: the engine
 * returns an exit reason and a switch turns it into the process exit status
 * (0 powered off / test passed, 2 wedged, 3 limit or timeout, 4 test failed).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "dbt/dbt.h"
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

int vm_create(struct vm *vm, const struct vm_config *cfg, char *err, size_t errlen)
{
    memset(vm, 0, sizeof(*vm));
    vm->cfg = *cfg;
    vm->ram_size = cfg->ram_mb << 20;
    /* Below 2 GiB if the host allows: the translator then reaches kseg0 RAM with an absolute disp32. */
    vm->ram = mmap(NULL, vm->ram_size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_32BIT, -1, 0);
    if (vm->ram == MAP_FAILED)
        vm->ram = mmap(NULL, vm->ram_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                       -1, 0);
    if (vm->ram == MAP_FAILED) {
        vm->ram = NULL;
        snprintf(err, errlen, "cannot reserve %" PRIu64 " MiB of guest RAM: %s", cfg->ram_mb,
                 strerror(errno));
        return -ENOMEM;
    }
    int rc = physmap_add_ram(&vm->physmap, "ram", 0, vm->ram_size, vm->ram, false);
    if (rc < 0)
        goto err_map;

    vm->vcpu = aligned_alloc(64, (sizeof(struct vcpu) + 63) & ~(size_t)63);
    if (!vm->vcpu) {
        rc = -ENOMEM;
        goto err_map;
    }
    memset(vm->vcpu, 0, sizeof(*vm->vcpu));
    vm->vcpu->vm = vm;
    vm->vcpu->max_insns = cfg->max_insns;

    switch (cfg->machine) {
    case MACHINE_TESTBENCH:
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
        snprintf(err, errlen, "machine 'malta' is not implemented yet; use -M testbench");
        rc = -ENOSYS;
        goto err_quiet;
    }

    vm->clock.deterministic = cfg->deterministic;
    vm->clock.count_hz = 100000000ull;
    vm->clock.insns_per_count = CPU_CCRES;
    vm->clock.host_start_ns = host_monotonic_ns();
    vcpu_reset(vm->vcpu);
    if (cfg->exec == EXEC_DBT) {
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
    if (vm->ram)
        munmap(vm->ram, vm->ram_size);
    if (vm->bootrom)
        munmap(vm->bootrom, TESTBENCH_BOOTROM_SIZE);
    free(vm->vcpu);
    vm->ram = NULL;
    vm->bootrom = NULL;
    vm->vcpu = NULL;
}

int vm_run(struct vm *vm)
{
    struct vcpu *v = vm->vcpu;
    if (vm->cfg.timeout_s > 0)
        vm->deadline_s = host_monotonic_s() + vm->cfg.timeout_s;
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
            return 0;
        case VCPU_EXIT_LIMIT:
            fprintf(stderr, "mvisor: instruction limit reached (%" PRIu64 " instructions, pc %08x)\n", v->icount, v->pc);
            return 3;
        case VCPU_EXIT_TIMEOUT:
            fprintf(stderr, "mvisor: timeout after %.1f s (%" PRIu64 " instructions)\n", vm->cfg.timeout_s,
                    v->icount);
            return 3;
        case VCPU_EXIT_WEDGED:
            fprintf(stderr, "mvisor: guest wedged: %s\n",
                    v->wedge_reason == 1 ? "wait with every wake-up source masked"
                                         : "exception loop without progress");
            vcpu_dump(v, stderr);
            return 2;
        case VCPU_EXIT_USER_QUIT:
            return 0;
        }
    }
}
