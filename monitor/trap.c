/*
 * Trap-and-emulate (--exec trap): the monitor's half of a privileged
 * instruction that trapped out of translated guest-kernel code.
 *
 * Translated code tells only where (pc, and in_ds for a delay slot) and
 * the cause, as hardware tells a hypervisor through EPC, Cause.BD and
 * ExcCode. Everything else is found again here, the way a VMM running a
 * deprivileged kernel finds it: the instruction word is read through the
 * guest's own address translation at trap time (a miss delivers the TLB
 * refill to the guest, as the hardware would on the fetch), decoded with
 * the one decoder, and emulated with the same cp0_* functions the
 * translator's callouts and the interpreter use. In a delay slot the
 * branch at pc - 4 is decoded too and its outcome computed from the
 * registers before the slot is emulated (its link register is already
 * written, as on hardware; a branch whose condition reads its own link
 * register is UNPREDICTABLE for exactly this reason, Vol. II BLTZAL/JALR).
 * The branch is then completed; a block lookup resumes at the result.
 */
#include <string.h>

#include "dbt/dbt.h"
#include "monitor/internal.h"

/* Reads the instruction word at va as the CPU's fetch would; false after delivering the fault. */
static bool trap_fetch(struct vcpu *v, uint32_t va, uint32_t *word)
{
    if (va & 3) {
        cp0_raise_addr(v, EXC_ADEL, va, false);
        return false;
    }
    struct mmu_result r;
    enum mmu_fault f = mmu_translate(&v->tlb, (enum mmu_mode)v->mmu_mode, v->cp0.entryhi & 0xFF, va, MMU_FETCH, &r);
    if (f != MMU_OK) {
        cp0_raise_addr(v, f == MMU_ADDR_ERROR ? EXC_ADEL : EXC_TLBL, va, f == MMU_TLB_REFILL);
        return false;
    }
    const uint8_t *h = physmap_host(&v->vm->physmap, r.pa, 4);
    if (!h) {
        /* Translated code only comes from RAM; anything else is read as the bus reads it. */
        *word = (uint32_t)physmap_io_read(&v->vm->physmap, r.pa, 4);
        return true;
    }
    uint32_t w;
    memcpy(&w, h, 4);
    *word = w;
    return true;
}

/* FCSR condition code cc (FCC0 at bit 23, FCC1..7 at bits 25..31: Vol. I-A, FCSR). */
static bool fp_cc(const struct vcpu *v, unsigned cc)
{
    uint32_t f = v->fpu.fcsr;
    return cc == 0 ? (f >> 23) & 1 : (f >> (24 + cc)) & 1;
}

/* Where control goes after the delay slot of the branch `br` at bpc, from the registers now. */
static uint32_t branch_next(const struct vcpu *v, const struct mips_insn *br, uint32_t bpc)
{
    const uint32_t *r = v->gpr;
    int32_t rs = (int32_t)r[br->rs], rt = (int32_t)r[br->rt];
    uint32_t target = bpc + 4 + ((uint32_t)br->simm << 2), fall = bpc + 8;
    bool taken;
    switch (br->op) {
    case MIPS_OP_J: case MIPS_OP_JAL: return ((bpc + 4) & 0xF0000000u) | br->target;
    case MIPS_OP_JR: case MIPS_OP_JR_HB: case MIPS_OP_JALR: case MIPS_OP_JALR_HB: return r[br->rs];
    case MIPS_OP_BEQ: case MIPS_OP_BEQL: taken = rs == rt; break;
    case MIPS_OP_BNE: case MIPS_OP_BNEL: taken = rs != rt; break;
    case MIPS_OP_BLEZ: case MIPS_OP_BLEZL: taken = rs <= 0; break;
    case MIPS_OP_BGTZ: case MIPS_OP_BGTZL: taken = rs > 0; break;
    case MIPS_OP_BLTZ: case MIPS_OP_BLTZL: case MIPS_OP_BLTZAL: case MIPS_OP_BLTZALL: taken = rs < 0; break;
    case MIPS_OP_BGEZ: case MIPS_OP_BGEZL: case MIPS_OP_BGEZAL: case MIPS_OP_BGEZALL: taken = rs >= 0; break;
    case MIPS_OP_BC1F: case MIPS_OP_BC1FL: taken = !fp_cc(v, br->fcc); break;
    case MIPS_OP_BC1T: case MIPS_OP_BC1TL: taken = fp_cc(v, br->fcc); break;
    default: taken = false; break;
    }
    /* A likely branch's slot only runs when it is taken: a trap there means it was. */
    if (br->flags & MIPS_F_LIKELY)
        return target;
    return taken ? target : fall;
}

/* The instruction retired: control moves on (to the branch's destination after a slot). */
static void retire(struct vcpu *v, uint32_t next)
{
    v->pc = next;
    v->in_ds = 0;
    v->icount++;
    v->exc_streak = 0;
    v->prof.insns[1]++;
}

enum vcpu_exit trap_emulate(struct vcpu *v, unsigned cause)
{
    uint32_t pc = v->pc, word;
    bool bd = v->in_ds != 0;
    v->prof.last_trap_kind = -1;
    if (!trap_fetch(v, pc, &word))
        return VCPU_EXIT_NONE;
    struct mips_insn in;
    mips_decode(word, &in);
    int kind = dbt_priv_kind(&in);
    if (kind < 0) {
        /* Not what traps: the block that trapped is gone or was made for other bytes. Run the
         * instruction as the reference interpreter does; the next lookup translates afresh. */
        return dbt_interp_run_until(v, v->icount + 1);
    }
    if (!cp0_usable(v)) {
        /* The guest itself would take this trap (user mode): reflect it, as a hypervisor does. */
        if (cause == EXC_CPU)
            cp0_raise_cpu(v, 0);
        else
            cp0_raise(v, (enum exc_code)cause);
        return VCPU_EXIT_NONE;
    }
    uint32_t next = pc + 4;
    if (bd) {
        uint32_t bword;
        if (!trap_fetch(v, pc - 4, &bword))
            return VCPU_EXIT_NONE;
        struct mips_insn br;
        mips_decode(bword, &br);
        next = branch_next(v, &br, pc - 4);
    }
    v->prof.trap_count[kind]++;
    v->prof.last_trap_kind = kind;
    if (__builtin_expect(v->prof_on, 0))
        v->prof.priv[kind]++;

    uint32_t *r = v->gpr, val;
    switch (in.op) {
    case MIPS_OP_MFC0:
        val = cp0_read(v, in.rd, in.sel);
        if (in.rt)
            r[in.rt] = val;
        break;
    case MIPS_OP_MTC0: cp0_write(v, in.rd, in.sel, r[in.rt]); break;
    case MIPS_OP_DI: case MIPS_OP_EI:
        val = in.op == MIPS_OP_DI ? cp0_di(v) : cp0_ei(v);
        if (in.rt)
            r[in.rt] = val;
        break;
    case MIPS_OP_RDPGPR: case MIPS_OP_WRPGPR:
        /* One shadow register set (SRSCtl.HSS = 0): the previous set is the current one. */
        if (in.rd)
            r[in.rd] = r[in.rt];
        break;
    case MIPS_OP_TLBR: cp0_tlbr(v); break;
    case MIPS_OP_TLBWI: cp0_tlbwi(v); break;
    case MIPS_OP_TLBWR: cp0_tlbwr(v); break;
    case MIPS_OP_TLBP: cp0_tlbp(v); break;
    case MIPS_OP_CACHE:
        /* no cache is modelled: every operation is a no-op that never faults, but for
         * Hit_Invalidate_I with the vCPUs on two threads (dbt_icache_invalidate) */
        if (v->vm->smp && in.rt == CACHE_HIT_INVALIDATE_I)
            dbt_icache_invalidate(v, r[in.rs] + (uint32_t)in.simm);
        break;
    case MIPS_OP_RDHWR:
        if (!cp0_rdhwr(v, in.rd, &val)) {
            cp0_raise(v, EXC_RI);
            return VCPU_EXIT_NONE;
        }
        if (in.rt)
            r[in.rt] = val;
        break;
    case MIPS_OP_ERET:
        if (bd) { /* UNPREDICTABLE in a delay slot: RI, as the interpreter defines it */
            cp0_raise(v, EXC_RI);
            return VCPU_EXIT_NONE;
        }
        cp0_eret(v); /* sets pc */
        v->icount++;
        v->exc_streak = 0;
        v->prof.insns[1]++;
        return VCPU_EXIT_NONE;
    case MIPS_OP_WAIT:
        retire(v, next);
        return vcpu_wait(v);
    case MIPS_OP_MFTR: case MIPS_OP_MTTR: case MIPS_OP_DVPE: case MIPS_OP_EVPE: case MIPS_OP_DMT:
    case MIPS_OP_EMT:
        /* Only a CPU with the MT ASE traps here (the translator raises RI on the others). */
        val = mt_exec(v, &in);
        if (mt_dest(&in))
            r[mt_dest(&in)] = val;
        break;
    default: /* DERET: no EJTAG (Config1.EP = 0) */
        cp0_raise(v, EXC_RI);
        return VCPU_EXIT_NONE;
    }
    retire(v, next);
    return VCPU_EXIT_NONE;
}
