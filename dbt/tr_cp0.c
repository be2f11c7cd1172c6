/*
 * Translation of privileged instructions: tr_priv() is the one switch
 * point. In a block translated for kernel mode (TB_F_KERNEL: kernel mode,
 * or CP0 usable through Status.CU0) with the translator strategy, each
 * becomes either an inline load/store of virtual CP0 state, where the
 * semantics of cp0_read/cp0_write are a plain field access, or a callout
 * into those same functions (monitor/cp0.c), so every engine shares one
 * implementation. A callout that changes what the block was translated for
 * (Status, the TLB under mapped code) or makes an interrupt deliverable
 * returns a status that leaves the block right after the instruction. In
 * a user block the same instructions raise Coprocessor Unusable, as the
 * hardware would: user code reaches the monitor only through exceptions.
 *
 * The trap-and-emulate strategy (TB_F_TRAP) is the other branch of this
 * switch point: in a kernel block the privileged instruction is not
 * translated at all. It leaves translated code the way a guest exception
 * does (registers written back, pc and in_ds of the instruction stored,
 * icount exact, no chaining), returning only DBT_RET_TRAP and the cause a
 * deprivileged kernel would take; the monitor (monitor/trap.c) re-fetches
 * the word through the guest's address translation, decodes and emulates
 * it, and the run loop resumes with a normal block lookup. Nothing about
 * the instruction is kept in the exit, and nothing is patched afterwards.
 */
#include "dbt/translate.h"

/* cp0_read cases that are a plain field read (checked against monitor/cp0.c). */
static int32_t pure_read_off(unsigned reg, unsigned sel)
{
    switch (reg * 8 + sel) {
    case CP0_INDEX * 8: return VOFF_CP0(index);
    case CP0_RANDOM * 8: return VOFF_CP0(random);
    case CP0_ENTRYLO0 * 8: return VOFF_CP0(entrylo0);
    case CP0_ENTRYLO1 * 8: return VOFF_CP0(entrylo1);
    case CP0_CONTEXT * 8: return VOFF_CP0(context);
    case CP0_CONTEXT * 8 + 2: return VOFF_CP0(userlocal);
    case CP0_PAGEMASK * 8: return VOFF_CP0(pagemask);
    case CP0_WIRED * 8: return VOFF_CP0(wired);
    case CP0_HWRENA * 8: return VOFF_CP0(hwrena);
    case CP0_BADVADDR * 8: return VOFF_CP0(badvaddr);
    case CP0_ENTRYHI * 8: return VOFF_CP0(entryhi);
    case CP0_COMPARE * 8: return VOFF_CP0(compare);
    case CP0_STATUS * 8: return VOFF_CP0(status);
    case CP0_STATUS * 8 + 1: return VOFF_CP0(intctl);
    case CP0_STATUS * 8 + 2: return VOFF_CP0(srsctl);
    case CP0_EPC * 8: return VOFF_CP0(epc);
    case CP0_PRID * 8 + 1: return VOFF_CP0(ebase);
    case CP0_CONFIG * 8: return VOFF_CP0(config0);
    case CP0_LLADDR * 8: return VOFF_CP0(lladdr);
    case CP0_WATCHLO * 8: return VOFF_CP0(watchlo);
    case CP0_WATCHHI * 8: return VOFF_CP0(watchhi);
    case CP0_ERRCTL * 8: return VOFF_CP0(errctl);
    case CP0_TAGLO * 8: return VOFF_CP0(taglo);
    case CP0_TAGLO * 8 + 1: return VOFF_CP0(datalo);
    case CP0_TAGHI * 8: return VOFF_CP0(taghi);
    case CP0_TAGHI * 8 + 1: return VOFF_CP0(datahi);
    case CP0_ERROREPC * 8: return VOFF_CP0(errorepc);
    case CP0_DESAVE * 8: return VOFF_CP0(desave);
    default: return -1;
    }
}

/* cp0_write cases that store (val & mask) into a field with no side effect; *mask = 0 if none. */
static int32_t pure_write_off(unsigned reg, unsigned sel, uint32_t *mask)
{
    *mask = 0xFFFFFFFFu;
    switch (reg * 8 + sel) {
    case CP0_ENTRYLO0 * 8: *mask = 0x03FFFFFFu; return VOFF_CP0(entrylo0);
    case CP0_ENTRYLO1 * 8: *mask = 0x03FFFFFFu; return VOFF_CP0(entrylo1);
    case CP0_CONTEXT * 8 + 2: return VOFF_CP0(userlocal);
    case CP0_EPC * 8: return VOFF_CP0(epc);
    case CP0_WATCHLO * 8: return VOFF_CP0(watchlo);
    case CP0_TAGLO * 8: return VOFF_CP0(taglo);
    case CP0_TAGLO * 8 + 1: return VOFF_CP0(datalo);
    case CP0_TAGHI * 8: return VOFF_CP0(taghi);
    case CP0_TAGHI * 8 + 1: return VOFF_CP0(datahi);
    case CP0_ERROREPC * 8: return VOFF_CP0(errorepc);
    case CP0_DESAVE * 8: return VOFF_CP0(desave);
    default: return -1;
    }
}

static void set_rt_from_rax(struct tr_ctx *c, unsigned rt)
{
    if (!rt)
        return;
    int h = tr_dest(c, rt);
    x64_mov_r32_r32(&c->hot, h, X64_RAX);
    tr_written(c, rt);
}

static void mfc0(struct tr_ctx *c, const struct mips_insn *in)
{
    struct x64_emitter *e = &c->hot;
    int32_t off = pure_read_off(in->rd, in->sel);
    if (off >= 0) {
        if (in->rt) {
            int h = tr_dest(c, in->rt);
            x64_mov_r32_m32(e, h, X64_R15, off);
            tr_written(c, in->rt);
        }
        return;
    }
    x64_mov_r32_imm32(e, X64_R11, in->rd * 8u + in->sel);
    tr_callout(c, (const void *)dbt_h_mfc0, false, in->rt);
    set_rt_from_rax(c, in->rt);
}

static void mtc0(struct tr_ctx *c, const struct mips_insn *in)
{
    struct x64_emitter *e = &c->hot;
    uint32_t mask;
    int32_t off = pure_write_off(in->rd, in->sel, &mask);
    if (off >= 0) {
        tr_load_scratch(c, e, X64_RAX, in->rt);
        if (mask != 0xFFFFFFFFu)
            x64_alu_r32_imm32(e, X64_AND, X64_RAX, (int32_t)mask);
        x64_mov_m32_r32(e, X64_R15, off, X64_RAX);
        return;
    }
    tr_load_scratch(c, e, X64_RDX, in->rt);
    x64_mov_r32_imm32(e, X64_R11, in->rd * 8u + in->sel);
    x64_mov_r32_imm32(e, X64_RCX, c->flags);
    tr_callout_ev(c, (const void *)dbt_h_mtc0, true, 0);
}

static void kernel_op(struct tr_ctx *c, const struct mips_insn *in)
{
    struct x64_emitter *e = &c->hot;
    switch (in->op) {
    case MIPS_OP_MFC0: mfc0(c, in); break;
    case MIPS_OP_MTC0: mtc0(c, in); break;
    case MIPS_OP_DI:
        /* Clearing IE never makes an interrupt deliverable: inline. */
        x64_mov_r32_m32(e, X64_RAX, X64_R15, VOFF_CP0(status));
        set_rt_from_rax(c, in->rt);
        x64_alu_r32_imm32(e, X64_AND, X64_RAX, (int32_t)~ST_IE);
        x64_mov_m32_r32(e, X64_R15, VOFF_CP0(status), X64_RAX);
        break;
    case MIPS_OP_EI:
        tr_callout(c, (const void *)dbt_h_ei, false, in->rt);
        set_rt_from_rax(c, in->rt);
        break;
    case MIPS_OP_RDPGPR: case MIPS_OP_WRPGPR:
        /* One shadow register set: the previous set is the current one (as the interpreter). */
        if (in->rd) {
            uint32_t val;
            if (tr_is_const(c, in->rt, &val)) {
                tr_set_const(c, in->rd, val);
            } else {
                int hs = tr_get(c, in->rt);
                int h = tr_dest(c, in->rd);
                if (h != hs)
                    x64_mov_r32_r32(e, h, hs);
                tr_written(c, in->rd);
            }
        }
        break;
    case MIPS_OP_TLBR: case MIPS_OP_TLBWI: case MIPS_OP_TLBWR: case MIPS_OP_TLBP:
        x64_mov_r32_imm32(e, X64_R11, in->op);
        tr_callout(c, (const void *)dbt_h_tlb, true, 0);
        break;
    case MIPS_OP_ERET:
        tr_callout(c, (const void *)dbt_h_eret, true, 0);
        /* cp0_eret set pc; eret ends the block, so nothing is left to correct */
        x64_mov_r32_imm32(e, X64_RAX, DBT_RET_PLAIN);
        tr_exit_jmp(c, e);
        c->ended = true;
        break;
    case MIPS_OP_WAIT:
        tr_exit_plain_imm(c, e, c->pc + 4, c->k + 1, DBT_RET_WAIT);
        break;
    case MIPS_OP_CACHE:
        /* No cache is modelled: every operation is a no-op that never faults, but for
         * Hit_Invalidate_I with the vCPUs on two threads (dbt_icache_invalidate). */
        if (c->v->vm->smp && in->rt == CACHE_HIT_INVALIDATE_I) {
            uint32_t bval;
            if (tr_is_const(c, in->rs, &bval))
                x64_mov_r32_imm32(e, X64_R11, bval + (uint32_t)in->simm);
            else
                x64_lea_r32_disp(e, X64_R11, tr_get(c, in->rs), in->simm);
            tr_callout(c, (const void *)dbt_h_icache_inval, true, 0);
        }
        break;
    case MIPS_OP_MFTR: case MIPS_OP_MTTR: case MIPS_OP_DVPE: case MIPS_OP_EVPE: case MIPS_OP_DMT:
    case MIPS_OP_EMT:
        /* Rare (SMP bring-up, IPIs): one helper, and the block is left after it, since another
         * VPE may start or stop. */
        x64_mov_r32_imm32(e, X64_R11, in->raw);
        tr_callout(c, (const void *)dbt_h_mt, true, mt_dest(in));
        set_rt_from_rax(c, mt_dest(in));
        break;
    default: /* DERET: no EJTAG (Config1.EP = 0) */
        tr_raise(c, e, EXC_RI);
        break;
    }
}

/* Trap-and-emulate: leave like an exception at this instruction, which does not retire here. */
static void trap_exit(struct tr_ctx *c, enum exc_code cause)
{
    struct x64_emitter *e = &c->hot;
    tr_writeback(c, e, true);
    tr_set_pc(c, e);
    tr_icount_fix(c, e, c->k);
    x64_mov_r32_imm32(e, X64_RAX, DBT_RET_TRAP | (uint32_t)cause << DBT_RET_CAUSE_SHIFT);
    tr_exit_jmp(c, e);
    c->ended = true;
}

bool tr_priv(struct tr_ctx *c, const struct mips_insn *in)
{
    bool trap = (c->flags & (TB_F_TRAP | TB_F_KERNEL)) == (TB_F_TRAP | TB_F_KERNEL);
    switch (in->op) {
    case MIPS_OP_RDHWR:
        if (trap) {
            /* A deprivileged kernel's rdhwr of a register HWREna does not enable raises RI. */
            trap_exit(c, EXC_RI);
            return true;
        }
        /* Not privileged as such: cp0_rdhwr decides (HWREna), raising RI when refused. */
        x64_mov_r32_imm32(&c->hot, X64_R11, in->rd);
        tr_callout(c, (const void *)dbt_h_rdhwr, true, in->rt);
        set_rt_from_rax(c, in->rt);
        return true;
    case MIPS_OP_MFC0: case MIPS_OP_MTC0: case MIPS_OP_DI: case MIPS_OP_EI: case MIPS_OP_RDPGPR:
    case MIPS_OP_WRPGPR: case MIPS_OP_TLBR: case MIPS_OP_TLBWI: case MIPS_OP_TLBWR: case MIPS_OP_TLBP:
    case MIPS_OP_ERET: case MIPS_OP_DERET: case MIPS_OP_WAIT: case MIPS_OP_CACHE:
        break;
    case MIPS_OP_MFTR: case MIPS_OP_MTTR: case MIPS_OP_DVPE: case MIPS_OP_EVPE: case MIPS_OP_DMT:
    case MIPS_OP_EMT:
        if (!mt_present(c->v->vm)) {
            tr_raise(c, &c->hot, EXC_RI); /* no MT ASE: reserved in every mode */
            return true;
        }
        break;
    default:
        return false;
    }
    if (!(c->flags & TB_F_KERNEL)) {
        tr_raise(c, &c->hot, EXC_CPU); /* Coprocessor Unusable, CE = 0 */
        return true;
    }
    if (trap)
        trap_exit(c, EXC_CPU); /* Coprocessor Unusable, CE = 0 */
    else
        kernel_op(c, in);
    return true;
}
