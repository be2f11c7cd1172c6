/*
 * The MT ASE of the 34Kf (-cpu 34Kf): two VPEs with one TC each, as Linux's
 * MT SMP ("VSMP", arch/mips/kernel/smp-mt.c) expects of a 34K core.
 *
 * Each vCPU of the VM is one VPE and its one TC, TC n bound to VPE n for
 * good: TCBind reads that binding and drops writes (Linux only ever writes
 * it to the same value, smvp_tc_init). Every VPE has its whole CP0 and its
 * own TLB (MVPControl.STLB = 0, MVPConf0.TLBS = 0: no sharing to offer).
 * The registers follow the MIPS MT ASE specification (MD00378) and Linux
 * arch/mips/include/asm/mipsmtregs.h for the field positions:
 *  - MVPControl (0,1) EVP, VPC; MVPConf0 (0,2) PVPE and PTC from -smp;
 *    MVPConf1 reads 0.
 *  - VPEControl (1,1) TargTC, TE; VPEConf0 (1,2) VPA, MVP, XTC (written
 *    only in configuration state, MVPControl.VPC, by a master VPE);
 *    VPEConf1 and the scheduling registers read 0.
 *  - TCStatus (2,1) A, DA, IXMT, DT kept; TCU, TKSU and TASID read from
 *    the VPE's Status and EntryHi (one TC per VPE: the same state); writes
 *    to those three are dropped. IXMT does not hold interrupts back: Linux
 *    only sets it on a TC that does not run yet.
 *  - TCBind (2,2), TCRestart (2,3) the TC's pc, TCHalt (2,4) H,
 *    TCContext (2,5).
 * mftr/mttr reach the TC that VPEControl.TargTC names (and its VPE's CP0),
 * when the executing VPE is a master (VPEConf0.MVP); otherwise their own,
 * as QEMU's mips_cpu_map_tc does. dvpe/evpe change MVPControl.EVP only on a
 * master VPE; while EVP is clear only the VPE that cleared it runs.
 *
 * The run state of a VPE is VPA && TCStatus.A && !TCHalt.H && (EVP, or it
 * is the VPE that ran dvpe); the SMP run loop (monitor/smp.c) asks before
 * each quantum. A change that stops the executing VPE ends its quantum.
 */
#include <string.h>

#include "dbt/dbt.h"
#include "monitor/internal.h"

#define MVPCONTROL_EVP (1u << 0)
#define MVPCONTROL_VPC (1u << 1)
#define VPECONTROL_TARGTC 0xFFu
#define VPECONTROL_TE (1u << 15)
#define VPECONF0_VPA (1u << 0)
#define VPECONF0_MVP (1u << 1)
#define VPECONF0_XTC_SHIFT 21
#define VPECONF0_XTC (0xFFu << VPECONF0_XTC_SHIFT)
#define TCSTATUS_IXMT (1u << 10)
#define TCSTATUS_A (1u << 13)
#define TCSTATUS_DA (1u << 15)
#define TCSTATUS_DT (1u << 20)
#define TCSTATUS_KEPT (TCSTATUS_A | TCSTATUS_DA | TCSTATUS_IXMT | TCSTATUS_DT)
#define TCHALT_H (1u << 0)
#define TCBIND_CURTC_SHIFT 21

static bool is_mt(const struct vm *vm)
{
    return vm->cfg.cpu == CPU_34KF;
}

bool mt_present(const struct vm *vm)
{
    return is_mt(vm);
}

static bool is_master(const struct vcpu *v)
{
    return (v->mt.vpeconf0 & VPECONF0_MVP) != 0;
}

void mt_reset(struct vm *vm)
{
    smp_mt_reset(vm);
    vm->mvpcontrol = MVPCONTROL_EVP;
    vm->dvpe_by = 0;
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        struct mt_vpe *m = &vm->vcpus[i]->mt;
        memset(m, 0, sizeof(*m));
        m->vpeconf0 = (uint32_t)i << VPECONF0_XTC_SHIFT;
        m->tchalt = TCHALT_H;
        if (i == 0) {
            /* After reset VPE 0 runs TC 0, and is the master (MD00378, VPEConf0 and TCStatus). */
            m->vpeconf0 |= VPECONF0_VPA | VPECONF0_MVP;
            m->tcstatus = TCSTATUS_A;
            m->tchalt = 0;
        }
    }
}

static bool tc_runs(const struct vcpu *v)
{
    if (!is_mt(v->vm))
        return v->id == 0;
    return (v->mt.vpeconf0 & VPECONF0_VPA) && (v->mt.tcstatus & TCSTATUS_A) && !(v->mt.tchalt & TCHALT_H);
}

bool mt_vpe_runs(const struct vcpu *v)
{
    const struct vm *vm = v->vm;
    if (is_mt(vm) && !(vm->mvpcontrol & MVPCONTROL_EVP) && vm->dvpe_by != v->id)
        return false;
    return tc_runs(v);
}

/*
 * With each vCPU on its own thread a dvpe stops the other VPE as on one thread, through the
 * scheduler (smp_evp_changed in monitor/smp_thread.c: the other is held out of guest code until
 * the evpe). What this adds is the configuration state: a VPE does not start while a master
 * configures it (MVPControl.VPC set, EVP clear: Linux's smvp_boot_secondary sets up the new
 * VPE's pc, sp and gp there before it lets it go).
 */
bool mt_vpe_runs_threaded(const struct vcpu *v)
{
    const struct vm *vm = v->vm;
    if (is_mt(vm) && (vm->mvpcontrol & (MVPCONTROL_EVP | MVPCONTROL_VPC)) == MVPCONTROL_VPC &&
        vm->dvpe_by != v->id)
        return false;
    return tc_runs(v);
}

/* Whether v runs now as its thread sees it. */
static bool vpe_runs(const struct vcpu *v)
{
    return v->vm->smp ? mt_vpe_runs_threaded(v) : mt_vpe_runs(v);
}

/* After exec changed run states: if it stopped itself, its quantum ends after this instruction. */
static void run_state_changed(struct vcpu *exec)
{
    if (!vpe_runs(exec))
        atomic_fetch_or_explicit(&exec->exit_request, EXIT_REQ_PREEMPT, memory_order_relaxed);
    for (unsigned i = 0; i < exec->vm->nr_vcpus; i++) {
        struct vcpu *o = exec->vm->vcpus[i];
        if (smp_remote(o))
            atomic_fetch_or_explicit(&o->exit_request, EXIT_REQ_INTERRUPT, memory_order_relaxed);
        else
            vcpu_kick(o);
    }
    smp_mt_changed(exec->vm);
}

static uint32_t mvpconf0(const struct vm *vm)
{
    uint32_t n = vm->nr_vcpus - 1;
    /* TCA (bit 15): TCs allocatable; PVPE 13:10 and PTC 7:0: the last VPE and TC numbers. */
    return (1u << 15) | n << 10 | n;
}

/* The MT registers of target as read (exec = target) or reached by mftr from exec. */
static bool mt_read(struct vcpu *t, unsigned reg, unsigned sel, uint32_t *val)
{
    struct vm *vm = t->vm;
    switch (reg * 8 + sel) {
    case 0 * 8 + 1: *val = vm->mvpcontrol; return true;
    case 0 * 8 + 2: *val = mvpconf0(vm); return true;
    case 0 * 8 + 3: *val = 0; return true; /* MVPConf1 */
    case 1 * 8 + 1: *val = t->mt.vpecontrol; return true;
    case 1 * 8 + 2: *val = t->mt.vpeconf0; return true;
    case 1 * 8 + 3: case 1 * 8 + 4: case 1 * 8 + 5: case 1 * 8 + 6: case 1 * 8 + 7:
        *val = 0; /* VPEConf1, YQMask, VPESchedule, VPEScheFBack, VPEOpt: not modelled */
        return true;
    case 2 * 8 + 1:
        *val = (t->mt.tcstatus & TCSTATUS_KEPT) | (t->cp0.status & 0xF0000000u) |
               (t->cp0.status & ST_KSU) << 8 | (t->cp0.entryhi & 0xFF);
        return true;
    case 2 * 8 + 2: *val = t->id << TCBIND_CURTC_SHIFT | t->id; return true;
    case 2 * 8 + 3: *val = t->pc; return true;
    case 2 * 8 + 4: *val = t->mt.tchalt; return true;
    case 2 * 8 + 5: *val = t->mt.tccontext; return true;
    case 2 * 8 + 6: case 2 * 8 + 7: *val = 0; return true; /* TCSchedule, TCScheFBack */
    default: return false;
    }
}

static bool mt_write(struct vcpu *exec, struct vcpu *t, unsigned reg, unsigned sel, uint32_t val)
{
    struct vm *vm = t->vm;
    bool config = is_master(exec) && (vm->mvpcontrol & MVPCONTROL_VPC);
    switch (reg * 8 + sel) {
    case 0 * 8 + 1:
        /* EVP and VPC are a master VPE's to write; STLB stays 0 (one TLB per VPE). */
        if (is_master(exec)) {
            if ((vm->mvpcontrol ^ val) & MVPCONTROL_EVP & ~val)
                vm->dvpe_by = exec->id;
            vm->mvpcontrol = val & (MVPCONTROL_EVP | MVPCONTROL_VPC);
            smp_evp_changed(exec, (vm->mvpcontrol & MVPCONTROL_EVP) != 0);
            run_state_changed(exec);
        }
        return true;
    case 0 * 8 + 2: case 0 * 8 + 3: return true; /* MVPConf0/1: fixed */
    case 1 * 8 + 1:
        t->mt.vpecontrol = val & (VPECONTROL_TARGTC | VPECONTROL_TE);
        return true;
    case 1 * 8 + 2:
        if (config) {
            t->mt.vpeconf0 = val & (VPECONF0_VPA | VPECONF0_MVP | VPECONF0_XTC);
            run_state_changed(exec);
        }
        return true;
    case 1 * 8 + 3: case 1 * 8 + 4: case 1 * 8 + 5: case 1 * 8 + 6: case 1 * 8 + 7:
        return true;
    case 2 * 8 + 1:
        t->mt.tcstatus = val & TCSTATUS_KEPT;
        run_state_changed(exec);
        return true;
    case 2 * 8 + 2: return true; /* TCBind: the binding is fixed */
    case 2 * 8 + 3:
        /* A TC's restart address; the executing TC's own is UNPREDICTABLE to write: dropped. */
        if (t != exec) {
            t->pc = val;
            t->in_ds = 0;
        }
        return true;
    case 2 * 8 + 4:
        t->mt.tchalt = val & TCHALT_H;
        run_state_changed(exec);
        return true;
    case 2 * 8 + 5: t->mt.tccontext = val; return true;
    case 2 * 8 + 6: case 2 * 8 + 7: return true;
    default: return false;
    }
}

bool mt_cp0_read(struct vcpu *v, unsigned reg, unsigned sel, uint32_t *val)
{
    if (!is_mt(v->vm) || reg > 2 || !sel)
        return false;
    smp_mt_lock(v->vm);
    bool ok = mt_read(v, reg, sel, val);
    smp_mt_unlock(v->vm);
    return ok;
}

bool mt_cp0_write(struct vcpu *v, unsigned reg, unsigned sel, uint32_t val)
{
    if (!is_mt(v->vm) || reg > 2 || !sel)
        return false;
    smp_mt_lock(v->vm);
    bool ok = mt_write(v, v, reg, sel, val);
    smp_mt_unlock(v->vm);
    return ok;
}

/* The TC mftr/mttr reach: VPEControl.TargTC's from a master VPE, else the executing one's own.
 * NULL for a TC number past the last (reads 0, writes dropped). */
static struct vcpu *target_tc(struct vcpu *v)
{
    if (!is_master(v))
        return v;
    unsigned tc = v->mt.vpecontrol & VPECONTROL_TARGTC;
    return tc < v->vm->nr_vcpus ? v->vm->vcpus[tc] : NULL;
}

/* Another running VPE's Cause, as its own thread last wrote it, with the IPIs not yet merged: a
 * snapshot that only decides which software-interrupt bits an mttc0 newly raises. Its thread
 * writes Cause without atomics (its own register), hence no ThreadSanitizer here. */
static MEM_NO_TSAN uint32_t peek_cause(const struct vcpu *t)
{
    return __atomic_load_n(&t->cp0.cause, __ATOMIC_RELAXED) | atomic_load_explicit(&t->ipi_pending, memory_order_relaxed);
}

/* mftr: rt, u, sel, h name the register in the target TC (MD00378, MFTR). */
static uint32_t mftr(struct vcpu *v, struct vcpu *t, const struct mips_insn *in)
{
    bool u = in->raw & (1u << 5), h = in->raw & (1u << 4);
    unsigned sel = in->raw & 7, rt = in->rt;
    uint32_t val = 0;
    if (!u) {
        if (t != v && rt == CP0_CAUSE && sel == 0 && v->vm->smp && vpe_runs(t))
            return peek_cause(t); /* its own thread owns its Cause */
        if (t == v || !mt_read(t, rt, sel, &val))
            val = cp0_read(t, rt, sel);
        return val;
    }
    switch (sel) {
    case 0: return t->gpr[rt];
    case 1: return rt == 0 ? t->lo : rt == 1 ? t->hi : 0; /* accumulator 0 only (no DSP) */
    case 2: return h ? (uint32_t)(t->fpu.fpr[rt] >> 32) : (uint32_t)t->fpu.fpr[rt];
    case 3: return 0;
    case 4: return rt == 0 ? t->fpu.fir : rt == 31 ? t->fpu.fcsr : 0;
    default: return 0;
    }
}

static void mttr(struct vcpu *v, struct vcpu *t, const struct mips_insn *in, uint32_t val)
{
    bool u = in->raw & (1u << 5), h = in->raw & (1u << 4);
    unsigned sel = in->raw & 7, rd = in->rd;
    if (!u) {
        if (t != v && rd == CP0_CAUSE && sel == 0 && v->vm->smp && vpe_runs(t)) {
            /* An IPI to a VPE running on the other thread: its software-interrupt bits, set
             * atomically (monitor/smp_thread.c); a clear of them is left to that VPE itself. */
            uint32_t bits = val & CAUSE_IP_SW & ~(peek_cause(t) & CAUSE_IP_SW);
            if (bits)
                smp_raise_sw(t, bits);
            return;
        }
        if (!mt_write(v, t, rd, sel, val))
            cp0_write(t, rd, sel, val);
        return;
    }
    switch (sel) {
    case 0:
        if (rd)
            t->gpr[rd] = val;
        break;
    case 1:
        if (rd == 0)
            t->lo = val;
        else if (rd == 1)
            t->hi = val;
        break;
    case 2:
        if (h)
            t->fpu.fpr[rd] = (t->fpu.fpr[rd] & 0xFFFFFFFFull) | (uint64_t)val << 32;
        else
            t->fpu.fpr[rd] = (t->fpu.fpr[rd] & ~0xFFFFFFFFull) | val;
        break;
    case 4:
        if (rd == 31 && t->fpu.fir)
            t->fpu.fcsr = val;
        break;
    default:
        break;
    }
}

unsigned mt_dest(const struct mips_insn *in)
{
    return in->op == MIPS_OP_MFTR ? in->rd : in->op == MIPS_OP_MTTR ? 0 : in->rt;
}

static uint32_t exec_locked(struct vcpu *v, const struct mips_insn *in);

uint32_t mt_exec(struct vcpu *v, const struct mips_insn *in)
{
    smp_mt_lock(v->vm);
    uint32_t r = exec_locked(v, in);
    smp_mt_unlock(v->vm);
    return r;
}

static uint32_t exec_locked(struct vcpu *v, const struct mips_insn *in)
{
    struct vm *vm = v->vm;
    uint32_t old = 0;
    switch (in->op) {
    case MIPS_OP_MFTR: {
        struct vcpu *t = target_tc(v);
        return t ? mftr(v, t, in) : 0;
    }
    case MIPS_OP_MTTR: {
        struct vcpu *t = target_tc(v);
        if (t)
            mttr(v, t, in, v->gpr[in->rt]);
        return 0;
    }
    case MIPS_OP_DVPE: case MIPS_OP_EVPE:
        old = vm->mvpcontrol;
        if (is_master(v)) {
            if (in->op == MIPS_OP_DVPE) {
                if (old & MVPCONTROL_EVP)
                    vm->dvpe_by = v->id;
                vm->mvpcontrol &= ~MVPCONTROL_EVP;
            } else {
                vm->mvpcontrol |= MVPCONTROL_EVP;
            }
            smp_evp_changed(v, (vm->mvpcontrol & MVPCONTROL_EVP) != 0);
            run_state_changed(v);
        }
        return old;
    case MIPS_OP_DMT: case MIPS_OP_EMT:
        /* One TC per VPE: TE changes nothing that runs. */
        old = v->mt.vpecontrol;
        if (in->op == MIPS_OP_DMT)
            v->mt.vpecontrol &= ~VPECONTROL_TE;
        else
            v->mt.vpecontrol |= VPECONTROL_TE;
        return old;
    default:
        return 0;
    }
}
