/*
 * The reference interpreter: executes MIPS32r2 integer code one decoded
 * instruction at a time. It is the oracle the translator is checked
 * against, so each instruction is written as the manual's pseudo-code
 * (MIPS32 Architecture for Programmers Vol. II, Release 2) reads, with the
 * UNPREDICTABLE cases defined once in dbt/internal.h so every engine
 * shares them.
 *
 * Control flow: v->pc is the instruction to execute and v->in_ds says it
 * sits in a delay slot, in which case v->ds_target is where control goes
 * after it. A taken or untaken (non-likely) branch sets in_ds for the next
 * instruction; a likely branch that is not taken skips its slot. An
 * exception leaves pc at the vector and retires nothing.
 *
 * Memory goes through the software TLB (one compare, one add); misses,
 * MMIO and faults take mem_slow().
 */
#include <inttypes.h>
#include <string.h>

#include "dbt/dbt.h"
#include "dbt/fpu.h"
#include "dbt/internal.h"

#define WEDGE_EXCEPTIONS 64 /* exceptions in a row without one retired instruction */

enum exec_result {
    EX_NEXT,        /* retire; go to the sequential successor */
    EX_BRANCH,      /* retire; the next instruction is a delay slot, then ds_target */
    EX_SKIP_SLOT,   /* retire; branch-likely not taken: skip the delay slot */
    EX_JUMPED,      /* retire; pc already set (eret) */
    EX_EXCEPTION,   /* an exception was delivered: nothing retires */
    EX_WAIT,        /* retire, then sleep until an interrupt */
};

/* ---- memory (the slow path is dbt_mem_slow, shared with the translator) ---- */

static inline bool mem_slow(struct vcpu *v, uint32_t va, unsigned size, enum mmu_access acc, uint32_t *val,
                            uint32_t mask, uint32_t badva)
{
    return dbt_mem_slow(v, va, size, acc, val, mask, badva, NULL);
}

static inline uint8_t *stlb_hit(struct vcpu *v, uint32_t va, unsigned size, enum mmu_access acc)
{
    const struct stlb_entry *e = &v->stlb.e[v->mmu_mode][stlb_index(va)];
    uint64_t tag = acc == MMU_STORE ? e->tag_write : acc == MMU_FETCH ? e->tag_code : e->tag_read;
    if (tag == ((uint64_t)va & (STLB_PAGE_MASK | (size - 1))))
        return (uint8_t *)(uintptr_t)(va + e->addend);
    return NULL;
}

static inline bool load(struct vcpu *v, uint32_t va, unsigned size, uint32_t *val)
{
    uint8_t *h = stlb_hit(v, va, size, MMU_LOAD);
    if (h) {
        switch (size) {
        case 1: *val = *h; break;
        case 2: { uint16_t x; memcpy(&x, h, 2); *val = x; break; }
        default: memcpy(val, h, 4); break;
        }
        return true;
    }
    return mem_slow(v, va, size, MMU_LOAD, val, 0xFFFFFFFFu, va);
}

static inline bool store(struct vcpu *v, uint32_t va, unsigned size, uint32_t val)
{
    uint8_t *h = stlb_hit(v, va, size, MMU_STORE);
    if (h) {
        if (__builtin_expect(v->vm->store_hook != NULL, 0))
            v->vm->store_hook(v, va, size, val, 0xFFFFFFFFu, h);
        memcpy(h, &val, size); /* little-endian host and guest */
        return true;
    }
    return mem_slow(v, va, size, MMU_STORE, &val, 0xFFFFFFFFu, va);
}

static inline bool fetch(struct vcpu *v, uint32_t pc, uint32_t *word)
{
    uint8_t *h = stlb_hit(v, pc, 4, MMU_FETCH);
    if (h) {
        memcpy(word, h, 4);
        return true;
    }
    return mem_slow(v, pc, 4, MMU_FETCH, word, 0xFFFFFFFFu, pc);
}

/* ---- helpers ---- */

static inline uint32_t branch_target(uint32_t pc, const struct mips_insn *in)
{
    return pc + 4 + ((uint32_t)in->simm << 2);
}

/* A branch or jump in a delay slot is UNPREDICTABLE (Vol. II, "Branch delay slot"): defined here as
 * a Reserved Instruction exception, the behaviour Release 6 later made architectural. */
static inline enum exec_result take_branch(struct vcpu *v, bool in_ds, bool cond, uint32_t target,
                                           bool likely, uint32_t pc)
{
    if (in_ds) {
        cp0_raise(v, EXC_RI);
        return EX_EXCEPTION;
    }
    if (cond) {
        v->ds_target = target;
        return EX_BRANCH;
    }
    if (likely)
        return EX_SKIP_SLOT;
    v->ds_target = pc + 8;
    return EX_BRANCH;
}

static inline enum exec_result priv_check(struct vcpu *v)
{
    if (cp0_usable(v))
        return EX_NEXT;
    cp0_raise_cpu(v, 0);
    return EX_EXCEPTION;
}

/* ---- one instruction ---- */

static enum exec_result exec(struct vcpu *v, const struct mips_insn *in, uint32_t pc, bool in_ds)
{
    uint32_t *r = v->gpr;
    uint32_t rs = r[in->rs], rt = r[in->rt];
    uint32_t val;

    switch ((enum mips_op)in->op) {
    /* ---- shifts ---- */
    case MIPS_OP_SLL: r[in->rd] = rt << in->sa; break;
    case MIPS_OP_SRL: r[in->rd] = rt >> in->sa; break;
    case MIPS_OP_SRA: r[in->rd] = (uint32_t)((int32_t)rt >> in->sa); break;
    case MIPS_OP_ROTR: r[in->rd] = in->sa ? (rt >> in->sa) | (rt << (32 - in->sa)) : rt; break;
    case MIPS_OP_SLLV: r[in->rd] = rt << (rs & 31); break;
    case MIPS_OP_SRLV: r[in->rd] = rt >> (rs & 31); break;
    case MIPS_OP_SRAV: r[in->rd] = (uint32_t)((int32_t)rt >> (rs & 31)); break;
    case MIPS_OP_ROTRV: {
        unsigned s = rs & 31;
        r[in->rd] = s ? (rt >> s) | (rt << (32 - s)) : rt;
        break;
    }
    case MIPS_OP_SYNC:
        if (v->vm->smp)
            MEM_FENCE(); /* as translated: an mfence between threads */
        break;
    case MIPS_OP_SSNOP: case MIPS_OP_EHB: case MIPS_OP_PAUSE:
    case MIPS_OP_PREF: case MIPS_OP_SYNCI:
        /* No caches or pipeline to model; synci never faults here (devices/malta/README.md §2.3). */
        break;

    /* ---- ALU ---- */
    case MIPS_OP_ADD: {
        int32_t s;
        if (__builtin_add_overflow((int32_t)rs, (int32_t)rt, &s)) {
            cp0_raise(v, EXC_OV);
            return EX_EXCEPTION;
        }
        r[in->rd] = (uint32_t)s;
        break;
    }
    case MIPS_OP_ADDU: r[in->rd] = rs + rt; break;
    case MIPS_OP_SUB: {
        int32_t s;
        if (__builtin_sub_overflow((int32_t)rs, (int32_t)rt, &s)) {
            cp0_raise(v, EXC_OV);
            return EX_EXCEPTION;
        }
        r[in->rd] = (uint32_t)s;
        break;
    }
    case MIPS_OP_SUBU: r[in->rd] = rs - rt; break;
    case MIPS_OP_AND: r[in->rd] = rs & rt; break;
    case MIPS_OP_OR: r[in->rd] = rs | rt; break;
    case MIPS_OP_XOR: r[in->rd] = rs ^ rt; break;
    case MIPS_OP_NOR: r[in->rd] = ~(rs | rt); break;
    case MIPS_OP_SLT: r[in->rd] = (int32_t)rs < (int32_t)rt; break;
    case MIPS_OP_SLTU: r[in->rd] = rs < rt; break;
    case MIPS_OP_MOVZ: if (rt == 0) r[in->rd] = rs; break;
    case MIPS_OP_MOVN: if (rt != 0) r[in->rd] = rs; break;
    case MIPS_OP_ADDI: {
        int32_t s;
        if (__builtin_add_overflow((int32_t)rs, in->simm, &s)) {
            cp0_raise(v, EXC_OV);
            return EX_EXCEPTION;
        }
        r[in->rt] = (uint32_t)s;
        break;
    }
    case MIPS_OP_ADDIU: r[in->rt] = rs + (uint32_t)in->simm; break;
    case MIPS_OP_SLTI: r[in->rt] = (int32_t)rs < in->simm; break;
    case MIPS_OP_SLTIU: r[in->rt] = rs < (uint32_t)in->simm; break;
    case MIPS_OP_ANDI: r[in->rt] = rs & in->uimm; break;
    case MIPS_OP_ORI: r[in->rt] = rs | in->uimm; break;
    case MIPS_OP_XORI: r[in->rt] = rs ^ in->uimm; break;
    case MIPS_OP_LUI: r[in->rt] = in->uimm << 16; break;

    /* ---- HI/LO ---- */
    case MIPS_OP_MFHI: r[in->rd] = v->hi; break;
    case MIPS_OP_MFLO: r[in->rd] = v->lo; break;
    case MIPS_OP_MTHI: v->hi = rs; break;
    case MIPS_OP_MTLO: v->lo = rs; break;
    case MIPS_OP_MULT: {
        int64_t p = (int64_t)(int32_t)rs * (int32_t)rt;
        v->lo = (uint32_t)p;
        v->hi = (uint32_t)((uint64_t)p >> 32);
        break;
    }
    case MIPS_OP_MULTU: {
        uint64_t p = (uint64_t)rs * rt;
        v->lo = (uint32_t)p;
        v->hi = (uint32_t)(p >> 32);
        break;
    }
    case MIPS_OP_DIV:
        interp_div(v, rs, rt);
        break;
    case MIPS_OP_DIVU:
        interp_divu(v, rs, rt);
        break;
    case MIPS_OP_MADD: case MIPS_OP_MADDU: case MIPS_OP_MSUB: case MIPS_OP_MSUBU: {
        uint64_t acc = ((uint64_t)v->hi << 32) | v->lo;
        uint64_t p = (in->op == MIPS_OP_MADD || in->op == MIPS_OP_MSUB)
                         ? (uint64_t)((int64_t)(int32_t)rs * (int32_t)rt)
                         : (uint64_t)rs * rt;
        acc = (in->op == MIPS_OP_MADD || in->op == MIPS_OP_MADDU) ? acc + p : acc - p;
        v->lo = (uint32_t)acc;
        v->hi = (uint32_t)(acc >> 32);
        break;
    }
    case MIPS_OP_MUL:
        /* HI and LO are UNPREDICTABLE after mul: defined as unchanged. */
        r[in->rd] = (uint32_t)((int64_t)(int32_t)rs * (int32_t)rt);
        break;
    case MIPS_OP_CLZ: r[in->rd] = rs ? (uint32_t)__builtin_clz(rs) : 32; break;
    case MIPS_OP_CLO: r[in->rd] = ~rs ? (uint32_t)__builtin_clz(~rs) : 32; break;

    /* ---- SPECIAL3 ---- */
    case MIPS_OP_EXT:
        r[in->rt] = interp_ext(rs, in->pos, in->size);
        break;
    case MIPS_OP_INS:
        r[in->rt] = interp_ins(rt, rs, in->pos, in->size);
        break;
    case MIPS_OP_WSBH:
        r[in->rd] = ((rt & 0x00FF00FFu) << 8) | ((rt >> 8) & 0x00FF00FFu);
        break;
    case MIPS_OP_SEB: r[in->rd] = (uint32_t)(int32_t)(int8_t)rt; break;
    case MIPS_OP_SEH: r[in->rd] = (uint32_t)(int32_t)(int16_t)rt; break;
    case MIPS_OP_RDHWR:
        if (!cp0_rdhwr(v, in->rd, &val)) {
            cp0_raise(v, EXC_RI);
            return EX_EXCEPTION;
        }
        r[in->rt] = val;
        break;

    /* ---- branches and jumps ---- */
    case MIPS_OP_J:
        return take_branch(v, in_ds, true, ((pc + 4) & 0xF0000000u) | in->target, false, pc);
    case MIPS_OP_JAL:
        if (in_ds)
            return take_branch(v, in_ds, false, 0, false, pc);
        r[31] = pc + 8;
        return take_branch(v, in_ds, true, ((pc + 4) & 0xF0000000u) | in->target, false, pc);
    case MIPS_OP_JR: case MIPS_OP_JR_HB:
        return take_branch(v, in_ds, true, rs, false, pc);
    case MIPS_OP_JALR: case MIPS_OP_JALR_HB:
        if (in_ds)
            return take_branch(v, in_ds, false, 0, false, pc);
        r[in->rd] = pc + 8; /* the target was read into rs first, so jalr rd == rs is defined */
        return take_branch(v, in_ds, true, rs, false, pc);
    case MIPS_OP_BEQ: return take_branch(v, in_ds, rs == rt, branch_target(pc, in), false, pc);
    case MIPS_OP_BNE: return take_branch(v, in_ds, rs != rt, branch_target(pc, in), false, pc);
    case MIPS_OP_BLEZ: return take_branch(v, in_ds, (int32_t)rs <= 0, branch_target(pc, in), false, pc);
    case MIPS_OP_BGTZ: return take_branch(v, in_ds, (int32_t)rs > 0, branch_target(pc, in), false, pc);
    case MIPS_OP_BLTZ: return take_branch(v, in_ds, (int32_t)rs < 0, branch_target(pc, in), false, pc);
    case MIPS_OP_BGEZ: return take_branch(v, in_ds, (int32_t)rs >= 0, branch_target(pc, in), false, pc);
    case MIPS_OP_BEQL: return take_branch(v, in_ds, rs == rt, branch_target(pc, in), true, pc);
    case MIPS_OP_BNEL: return take_branch(v, in_ds, rs != rt, branch_target(pc, in), true, pc);
    case MIPS_OP_BLEZL: return take_branch(v, in_ds, (int32_t)rs <= 0, branch_target(pc, in), true, pc);
    case MIPS_OP_BGTZL: return take_branch(v, in_ds, (int32_t)rs > 0, branch_target(pc, in), true, pc);
    case MIPS_OP_BLTZL: return take_branch(v, in_ds, (int32_t)rs < 0, branch_target(pc, in), true, pc);
    case MIPS_OP_BGEZL: return take_branch(v, in_ds, (int32_t)rs >= 0, branch_target(pc, in), true, pc);
    case MIPS_OP_BLTZAL: case MIPS_OP_BGEZAL: case MIPS_OP_BLTZALL: case MIPS_OP_BGEZALL: {
        if (in_ds)
            return take_branch(v, in_ds, false, 0, false, pc);
        bool cond = (in->op == MIPS_OP_BLTZAL || in->op == MIPS_OP_BLTZALL) ? (int32_t)rs < 0
                                                                            : (int32_t)rs >= 0;
        r[31] = pc + 8; /* written whether or not the branch is taken; rs was read first */
        return take_branch(v, in_ds, cond, branch_target(pc, in),
                           in->op == MIPS_OP_BLTZALL || in->op == MIPS_OP_BGEZALL, pc);
    }

    /* ---- traps ---- */
    case MIPS_OP_SYSCALL: cp0_raise(v, EXC_SYS); return EX_EXCEPTION;
    case MIPS_OP_BREAK: cp0_raise(v, EXC_BP); return EX_EXCEPTION;
    case MIPS_OP_TGE: case MIPS_OP_TGEU: case MIPS_OP_TLT: case MIPS_OP_TLTU: case MIPS_OP_TEQ:
    case MIPS_OP_TNE: case MIPS_OP_TGEI: case MIPS_OP_TGEIU: case MIPS_OP_TLTI: case MIPS_OP_TLTIU:
    case MIPS_OP_TEQI: case MIPS_OP_TNEI:
        if (interp_trap_cond(in, rs, rt)) {
            cp0_raise(v, EXC_TR);
            return EX_EXCEPTION;
        }
        break;

    /* ---- loads and stores ---- */
    case MIPS_OP_LB: if (!load(v, rs + (uint32_t)in->simm, 1, &val)) return EX_EXCEPTION;
        r[in->rt] = (uint32_t)(int32_t)(int8_t)val; break;
    case MIPS_OP_LBU: if (!load(v, rs + (uint32_t)in->simm, 1, &val)) return EX_EXCEPTION;
        r[in->rt] = val; break;
    case MIPS_OP_LH: if (!load(v, rs + (uint32_t)in->simm, 2, &val)) return EX_EXCEPTION;
        r[in->rt] = (uint32_t)(int32_t)(int16_t)val; break;
    case MIPS_OP_LHU: if (!load(v, rs + (uint32_t)in->simm, 2, &val)) return EX_EXCEPTION;
        r[in->rt] = val; break;
    case MIPS_OP_LW: if (!load(v, rs + (uint32_t)in->simm, 4, &val)) return EX_EXCEPTION;
        r[in->rt] = val; break;
    case MIPS_OP_SB: if (!store(v, rs + (uint32_t)in->simm, 1, rt)) return EX_EXCEPTION; break;
    case MIPS_OP_SH: if (!store(v, rs + (uint32_t)in->simm, 2, rt)) return EX_EXCEPTION; break;
    case MIPS_OP_SW: if (!store(v, rs + (uint32_t)in->simm, 4, rt)) return EX_EXCEPTION; break;
    case MIPS_OP_LWL: case MIPS_OP_LWR: {
        uint32_t va = rs + (uint32_t)in->simm, w;
        uint8_t *h = stlb_hit(v, va & ~3u, 4, MMU_LOAD);
        if (h)
            memcpy(&w, h, 4);
        else if (!mem_slow(v, va & ~3u, 4, MMU_LOAD, &w, 0xFFFFFFFFu, va))
            return EX_EXCEPTION;
        r[in->rt] = in->op == MIPS_OP_LWL ? interp_lwl(rt, w, va & 3) : interp_lwr(rt, w, va & 3);
        break;
    }
    case MIPS_OP_SWL: case MIPS_OP_SWR: {
        uint32_t va = rs + (uint32_t)in->simm, mask, w;
        if (in->op == MIPS_OP_SWL)
            interp_swl(rt, va & 3, &w, &mask);
        else
            interp_swr(rt, va & 3, &w, &mask);
        uint8_t *h = stlb_hit(v, va & ~3u, 4, MMU_STORE);
        if (h) {
            if (__builtin_expect(v->vm->store_hook != NULL, 0))
                v->vm->store_hook(v, va & ~3u, 4, w & mask, mask, h);
            uint32_t old;
            memcpy(&old, h, 4);
            old = (old & ~mask) | (w & mask);
            memcpy(h, &old, 4);
        } else if (!mem_slow(v, va & ~3u, 4, MMU_STORE, &w, mask, va)) {
            return EX_EXCEPTION;
        }
        break;
    }
    case MIPS_OP_LL: {
        uint32_t va = rs + (uint32_t)in->simm;
        if (!load(v, va, 4, &val))
            return EX_EXCEPTION;
        struct mmu_result mr;
        if (mmu_translate(&v->tlb, (enum mmu_mode)v->mmu_mode, v->cp0.entryhi & 0xFF, va, MMU_LOAD, &mr) ==
            MMU_OK)
            v->cp0.lladdr = (uint32_t)(mr.pa >> 4); /* 24K LLAddr holds PA[31:4] */
        v->llbit = 1;
        v->llval = val;
        r[in->rt] = val;
        break;
    }
    case MIPS_OP_SC: {
        uint32_t va = rs + (uint32_t)in->simm;
        if (va & 3) {
            cp0_raise_addr(v, EXC_ADES, va, false);
            return EX_EXCEPTION;
        }
        if (v->llbit && v->vm->smp) {
            /* vCPUs on two threads: atomic against the other's stores (dbt/helpers.c) */
            uint32_t ok;
            if (!dbt_sc_store(v, va, rt, &ok, NULL))
                return EX_EXCEPTION;
            r[in->rt] = ok;
        } else if (v->llbit) {
            if (!store(v, va, 4, rt))
                return EX_EXCEPTION;
            r[in->rt] = 1;
        } else {
            /* Vol. II SC translates for a store before it tests LLbit: a failing sc still faults. */
            struct mmu_result mr;
            enum mmu_fault f = mmu_translate(&v->tlb, (enum mmu_mode)v->mmu_mode, v->cp0.entryhi & 0xFF, va,
                                             MMU_STORE, &mr);
            if (f != MMU_OK) {
                cp0_raise_addr(v, dbt_fault_code(f, MMU_STORE), va, f == MMU_TLB_REFILL);
                return EX_EXCEPTION;
            }
            r[in->rt] = 0;
        }
        v->llbit = 0;
        break;
    }
    case MIPS_OP_CACHE:
        /* Privileged; no cache is modelled, so every operation is a no-op that never faults
         * (but Hit_Invalidate_I with the vCPUs on two threads: dbt_icache_invalidate). */
        if (priv_check(v) != EX_NEXT)
            return EX_EXCEPTION;
        if (v->vm->smp && in->rt == CACHE_HIT_INVALIDATE_I)
            dbt_icache_invalidate(v, rs + (uint32_t)in->simm);
        break;

    /* ---- CP0 ---- */
    case MIPS_OP_MFC0:
        if (priv_check(v) != EX_NEXT)
            return EX_EXCEPTION;
        r[in->rt] = cp0_read(v, in->rd, in->sel);
        break;
    case MIPS_OP_MTC0:
        if (priv_check(v) != EX_NEXT)
            return EX_EXCEPTION;
        cp0_write(v, in->rd, in->sel, rt);
        break;
    case MIPS_OP_DI: case MIPS_OP_EI:
        if (priv_check(v) != EX_NEXT)
            return EX_EXCEPTION;
        r[in->rt] = in->op == MIPS_OP_DI ? cp0_di(v) : cp0_ei(v);
        break;
    case MIPS_OP_RDPGPR: case MIPS_OP_WRPGPR:
        /* One shadow register set (SRSCtl.HSS = 0): the previous set is the current one. */
        if (priv_check(v) != EX_NEXT)
            return EX_EXCEPTION;
        r[in->rd] = rt;
        break;
    case MIPS_OP_TLBR: if (priv_check(v) != EX_NEXT) return EX_EXCEPTION; cp0_tlbr(v); break;
    case MIPS_OP_TLBWI: if (priv_check(v) != EX_NEXT) return EX_EXCEPTION; cp0_tlbwi(v); break;
    case MIPS_OP_TLBWR: if (priv_check(v) != EX_NEXT) return EX_EXCEPTION; cp0_tlbwr(v); break;
    case MIPS_OP_TLBP: if (priv_check(v) != EX_NEXT) return EX_EXCEPTION; cp0_tlbp(v); break;
    case MIPS_OP_ERET:
        if (priv_check(v) != EX_NEXT)
            return EX_EXCEPTION;
        if (in_ds) { /* eret in a delay slot is UNPREDICTABLE: defined as RI, like other jumps */
            cp0_raise(v, EXC_RI);
            return EX_EXCEPTION;
        }
        cp0_eret(v);
        return EX_JUMPED;
    case MIPS_OP_WAIT:
        if (priv_check(v) != EX_NEXT)
            return EX_EXCEPTION;
        return EX_WAIT;
    case MIPS_OP_MFTR: case MIPS_OP_MTTR: case MIPS_OP_DVPE: case MIPS_OP_EVPE: case MIPS_OP_DMT:
    case MIPS_OP_EMT:
        if (!mt_present(v->vm)) { /* no MT ASE on this CPU: reserved in every mode */
            cp0_raise(v, EXC_RI);
            return EX_EXCEPTION;
        }
        if (priv_check(v) != EX_NEXT)
            return EX_EXCEPTION;
        {
            uint32_t val = mt_exec(v, in);
            if (mt_dest(in))
                r[mt_dest(in)] = val;
        }
        break;

    /* ---- the FPU: branches here (they are control flow), everything else in dbt/fpu.c ---- */
    case MIPS_OP_BC1F: case MIPS_OP_BC1T: case MIPS_OP_BC1FL: case MIPS_OP_BC1TL: {
        if (!fpu_usable(v))
            return EX_EXCEPTION;
        bool want = in->op == MIPS_OP_BC1T || in->op == MIPS_OP_BC1TL;
        return take_branch(v, in_ds, fpu_cc(v, in->fcc) == want, branch_target(pc, in),
                           (in->flags & MIPS_F_LIKELY) != 0, pc);
    }
    case MIPS_OP_MOVF: case MIPS_OP_MOVT: case MIPS_OP_COP1: case MIPS_OP_COP1X: case MIPS_OP_PREFX:
    case MIPS_OP_MFC1 ... MIPS_OP_MTHC1: case MIPS_OP_ADD_S ... MIPS_OP_CVT_D_L:
    case MIPS_OP_MADD_S ... MIPS_OP_NMSUB_D: case MIPS_OP_LWXC1 ... MIPS_OP_SUXC1:
    case MIPS_OP_LWC1: case MIPS_OP_LDC1: case MIPS_OP_SWC1: case MIPS_OP_SDC1:
        if (fpu_exec(v, in))
            return EX_EXCEPTION;
        break;

    /* ---- coprocessor 2: none present, so always Coprocessor Unusable ---- */
    case MIPS_OP_COP2: case MIPS_OP_LWC2: case MIPS_OP_LDC2: case MIPS_OP_SWC2: case MIPS_OP_SDC2:
        cp0_raise_cpu(v, 2);
        return EX_EXCEPTION;

    /* No EJTAG (Config1.EP = 0): sdbbp and deret are reserved instructions (PRA, EJTAG chapter). */
    case MIPS_OP_SDBBP: case MIPS_OP_DERET: case MIPS_OP_INVALID: default:
        cp0_raise(v, EXC_RI);
        return EX_EXCEPTION;
    }
    return EX_NEXT;
}

static void trace_insn(struct vcpu *v, uint32_t pc, uint32_t word)
{
    const struct dbt_trace *t = &v->vm->trace;
    if (pc < t->pc_lo || pc > t->pc_hi || v->icount < t->icount_lo || v->icount > t->icount_hi)
        return;
    char buf[160];
    fprintf(t->out ? t->out : stderr, "%10" PRIu64 " %s\n", v->icount, dbt_disasm(word, pc, buf, sizeof(buf)));
}

/* One instruction (retired or faulted), without looking at events; the lockstep replayer's step. */
bool dbt_interp_step(struct vcpu *v)
{
    uint32_t pc = v->pc, word;
    if (!fetch(v, pc, &word))
        return false;
    struct mips_insn in;
    mips_decode(word, &in);
    bool in_ds = v->in_ds;
    enum exec_result res = exec(v, &in, pc, in_ds);
    v->gpr[0] = 0;
    switch (res) {
    case EX_NEXT: case EX_WAIT:
        /* WAIT retires; the caller that wants to sleep looks at the instruction itself */
        v->pc = in_ds ? v->ds_target : pc + 4;
        v->in_ds = 0;
        break;
    case EX_BRANCH:
        v->pc = pc + 4;
        v->in_ds = 1;
        break;
    case EX_SKIP_SLOT:
        v->pc = pc + 8;
        v->in_ds = 0;
        break;
    case EX_JUMPED:
        break;
    case EX_EXCEPTION:
        return false;
    }
    v->icount++;
    v->exc_streak = 0;
    return res == EX_WAIT;
}

/* The loop of both entry points: until = UINT64_MAX runs until an exit reason. */
static inline enum vcpu_exit interp_loop(struct vcpu *v, uint64_t until)
{
    if (__builtin_expect(v->waiting, 0)) {
        enum vcpu_exit why = vcpu_wait(v); /* the WAIT the last call returned in goes on */
        if (why != VCPU_EXIT_NONE)
            return why;
    }
    for (;;) {
        /* Before the event check, so a caller's own run loop handles the events at `until`. */
        if (v->icount >= until && !v->in_ds)
            return VCPU_EXIT_NONE;
        if (__builtin_expect(v->icount >= v->next_event ||
                                 atomic_load_explicit(&v->exit_request, memory_order_relaxed),
                             0)) {
            enum vcpu_exit why = vcpu_events(v);
            if (why != VCPU_EXIT_NONE)
                return why;
        }
        if (__builtin_expect(v->exc_streak > WEDGE_EXCEPTIONS, 0)) {
            v->wedge_reason = 2;
            return VCPU_EXIT_WEDGED;
        }
        uint32_t pc = v->pc, word;
        if (!fetch(v, pc, &word))
            continue;
        if (__builtin_expect(v->observe != 0, 0)) {
            if (v->observe & VCPU_OBS_TRACE)
                trace_insn(v, pc, word);
            if (v->observe & VCPU_OBS_WORDS)
                dbt_insn_words_add(v->vm->insn_words, word);
        }
        struct mips_insn in;
        mips_decode(word, &in);
        bool in_ds = v->in_ds;
        uint32_t mode0 = v->mmu_mode;
        enum exec_result res = exec(v, &in, pc, in_ds);
        v->gpr[0] = 0;
        if (__builtin_expect(v->prof_on, 0) && res != EX_EXCEPTION)
            dbt_prof_interp(v, &in, mode0 == MMU_KERNEL || mode0 == MMU_KERNEL_ERL || (v->cp0.status & ST_CU0));
        switch (res) {
        case EX_NEXT:
            v->pc = in_ds ? v->ds_target : pc + 4;
            v->in_ds = 0;
            break;
        case EX_BRANCH:
            v->pc = pc + 4;
            v->in_ds = 1;
            break;
        case EX_SKIP_SLOT:
            v->pc = pc + 8;
            v->in_ds = 0;
            break;
        case EX_JUMPED:
            break;
        case EX_EXCEPTION:
            continue;
        case EX_WAIT:
            v->pc = in_ds ? v->ds_target : pc + 4;
            v->in_ds = 0;
            v->icount++;
            v->exc_streak = 0;
            {
                enum vcpu_exit why = vcpu_wait(v);
                if (why != VCPU_EXIT_NONE)
                    return why;
            }
            continue;
        }
        v->icount++;
        v->exc_streak = 0;
    }
}

enum vcpu_exit dbt_interp_run(struct vcpu *v)
{
    return interp_loop(v, UINT64_MAX);
}

enum vcpu_exit dbt_interp_run_until(struct vcpu *v, uint64_t until)
{
    return interp_loop(v, until);
}
