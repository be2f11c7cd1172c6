/*
 * SMP guests, step one: the vCPUs of a -smp VM (the 34Kf's VPEs, monitor/mt.c)
 * run on the one host thread that runs the VM, in a fixed interleaving.
 *
 * Each round gives every VPE that may run (mt_vpe_runs) a quantum of
 * SMP_QUANTUM_INSNS instructions, in VPE order, through the same engine
 * call a single vCPU makes (its slice bound is the quantum). Because the
 * quanta are instruction counts and the order is fixed, a deterministic run
 * is as reproducible with two vCPUs as with one.
 *
 * What the interleaving guarantees the guest:
 *  - Memory: one vCPU runs at a time, so every access is sequentially
 *    consistent; the guest's smp_mb() (no instruction in this kernel) needs
 *    nothing more.
 *  - LL/SC: a vCPU's LL bit is cleared when its quantum ends (as an
 *    exception return clears it), so an sc never succeeds over another
 *    vCPU's stores between its ll and itself.
 *  - Time: in deterministic mode the timeline counts the instructions of all
 *    vCPUs (monitor/vcpu.c): a VPE that runs alone sees Count advance at
 *    the usual rate, two share it, as two VPEs share one 34K pipeline. Each
 *    VPE has its own Count bias and Compare. In real-time mode Count is the
 *    host clock for both. Every quantum starts with an event check, since
 *    the clock moved while the others ran.
 *  - Interrupts: devices interrupt VPE 0 only (the i8259 and the UART are
 *    wired to the first CPU, as QEMU's Malta does without a CPS); the
 *    other VPE gets its timer and the software interrupts (IPIs) VPE 0
 *    writes into its Cause with mttc0. A waiting VPE is woken at its next
 *    turn by what its interrupt check finds.
 *  - WAIT: a VPE that waits gives its turn away; the VM is idle only when
 *    every running VPE waits, and then one WAIT stands for all
 *    (monitor/vcpu.c, vcpu_wait).
 * Latency of a device interrupt or a control request (QMP) while VPE 1
 * runs: at most one quantum.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dbt/dbt.h"
#include "monitor/internal.h"

int smp_create(struct vm *vm)
{
    /* Each vCPU on its own thread: asked for, or the default for -smp 2 in real time under the
     * translator (--smp-threads 1 keeps the turns on one thread; so does trap-and-emulate unless
     * --smp-threads 2 asks). */
    bool threads = vm->cfg.smp_threads == 2 || (vm->cfg.smp_threads == 0 && vm->cfg.exec == EXEC_DBT);
    if (vm->cfg.smp > 1 && threads && !vm->cfg.deterministic) {
        int rc = smp_threads_create(vm);
        if (rc < 0)
            return rc;
    }
    for (unsigned i = 1; i < vm->cfg.smp && i < VM_MAX_VCPUS; i++) {
        struct vcpu *v = aligned_alloc(64, (sizeof(struct vcpu) + 63) & ~(size_t)63);
        if (!v)
            return -ENOMEM;
        memset(v, 0, sizeof(*v));
        v->vm = vm;
        v->id = i;
        v->max_insns = vm->cfg.max_insns;
        v->slice_end = UINT64_MAX;
        vm->vcpus[i] = v;
        vm->nr_vcpus = i + 1;
        int rc = pmap_attach_stlb(&vm->pmap, &v->stlb);
        if (rc < 0)
            return rc;
    }
    return 0;
}

void smp_destroy(struct vm *vm)
{
    smp_threads_destroy(vm);
    for (unsigned i = 1; i < vm->nr_vcpus; i++) {
        free(vm->vcpus[i]);
        vm->vcpus[i] = NULL;
    }
    vm->nr_vcpus = vm->vcpus[0] ? 1 : 0;
}

uint64_t smp_icount_sum(const struct vm *vm)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < vm->nr_vcpus; i++)
        n += vm->vcpus[i]->icount;
    return n;
}

bool smp_others_busy(const struct vcpu *v)
{
    const struct vm *vm = v->vm;
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        const struct vcpu *o = vm->vcpus[i];
        if (o != v && mt_vpe_runs(o) && !o->waiting)
            return true;
    }
    return false;
}

enum vcpu_exit smp_run_slice(struct vm *vm, uint64_t max_insns)
{
    if (vm->smp)
        return smp_run_threads(vm);
    uint64_t start = smp_icount_sum(vm);
    for (;;) {
        bool idle = true, ran = false;
        uint64_t wake_ns = UINT64_MAX;
        for (unsigned i = 0; i < vm->nr_vcpus; i++) {
            struct vcpu *v = vm->vcpus[i];
            if (!mt_vpe_runs(v))
                continue;
            ran = true;
            uint64_t quantum_end = v->icount + SMP_QUANTUM_INSNS;
            v->slice_end = quantum_end;
            vcpu_kick(v); /* the clock moved while the others ran: check events first */
            enum vcpu_exit why = vm->dbt ? dbt_run(v) : dbt_interp_run(v);
            v->llbit = 0; /* another vCPU runs next: no sc may succeed across its stores */
            v->slice_end = UINT64_MAX;
            switch (why) {
            case VCPU_EXIT_SLICE:
                /* Ended before its quantum: the scheduler wants the worker back (EXIT_REQ_PREEMPT,
                 * monitor/sched.c), or the VPE stopped itself. The caller decides. */
                if (v->icount < quantum_end)
                    return VCPU_EXIT_SLICE;
                idle = false;
                break;
            case VCPU_EXIT_WAIT:
                if (v->wait_until_ns < wake_ns)
                    wake_ns = v->wait_until_ns;
                break;
            case VCPU_EXIT_NONE:
                idle = false;
                break;
            default:
                return why; /* a stop, a limit, a control request: the caller acts on it */
            }
        }
        if (!ran) {
            /* No VPE left that may run (all halted or inactive): nothing can start one again. */
            vm->vcpu->wedge_reason = 3;
            return VCPU_EXIT_WEDGED;
        }
        if (idle) {
            /* Every vCPU waits (or none runs): the VM sleeps until the earliest wake-up. */
            vm->vcpu->wait_until_ns = wake_ns == UINT64_MAX ? host_monotonic_ns() + 1000000ull : wake_ns;
            return VCPU_EXIT_WAIT;
        }
        if (max_insns && smp_icount_sum(vm) - start >= max_insns)
            return VCPU_EXIT_SLICE;
    }
}
