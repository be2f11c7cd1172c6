/*
 * The helpers translated code calls: memory slow paths, exceptions, and
 * callouts into the virtual CP0. Each runs with the guest state exactly as
 * the interpreter would have it before the instruction (registers written
 * back, pc/in_ds set where it can fault, icount exact), and answers with a
 * 64-bit value whose bits 32.. are a status (translate.h DBT_ST_*): an
 * exception was delivered, or the block must be left after this
 * instruction because an event became due (a device interrupt, an enabled
 * interrupt, the machine stopping) or translated code was overwritten.
 * The semantics are the interpreter's and the cp0 functions', called, not
 * copied.
 */
#include <string.h>

#include "dbt/fpu.h"
#include "dbt/translate.h"
#include "numa/numa.h"

/* Leave the block after this instruction if the interpreter would look at events before the next. */
static inline uint64_t after(struct vcpu *v)
{
    if (v->icount + 1 >= v->next_event || atomic_load_explicit(&v->exit_request, memory_order_relaxed))
        return DBT_ST_EXIT;
    return 0;
}

static inline bool pc_mapped(uint32_t pc)
{
    return pc < 0x80000000u || pc >= 0xC0000000u;
}

uint64_t dbt_h_load(struct vcpu *v, uint32_t va, uint32_t op)
{
    unsigned size = op == MIPS_OP_LW ? 4 : (op == MIPS_OP_LH || op == MIPS_OP_LHU) ? 2 : 1;
    uint32_t val;
    if (!dbt_mem_slow(v, va, size, MMU_LOAD, &val, 0xFFFFFFFFu, va, NULL))
        return DBT_ST_EXC;
    if (op == MIPS_OP_LB)
        val = (uint32_t)(int32_t)(int8_t)val;
    else if (op == MIPS_OP_LH)
        val = (uint32_t)(int32_t)(int16_t)val;
    return val | after(v);
}

uint64_t dbt_h_store(struct vcpu *v, uint32_t va, uint32_t val, uint32_t op)
{
    unsigned size = op == MIPS_OP_SW ? 4 : op == MIPS_OP_SH ? 2 : 1;
    bool smc = false;
    if (!dbt_mem_slow(v, va, size, MMU_STORE, &val, 0xFFFFFFFFu, va, &smc))
        return DBT_ST_EXC;
    return (smc ? DBT_ST_EXIT : 0) | after(v);
}

/*
 * The slow paths of inline loads and stores (dbt/tr_mem.c), called through the shared stubs of
 * dbt/tr_stubs.c, take the instruction count, delay-slot bit and destination register in their
 * argument (translate.h DBT_SLOW_*) and the instruction's PC, and leave the vCPU as the exit
 * trampoline wants it when the block must be left: icount exact on the way in; on the way out the
 * budget recomputed for the rest of the block, or, when the block is left, for the instruction
 * (an exception: not retired) or after it (retired: its loaded value stored, pc past it). A budget
 * gone negative (the access moved the next event into the rest of the block) leaves after the
 * instruction where the site asks for it. Translated code did all of that around every call, some
 * 110 bytes of cold code per memory access; a site is now a call of a stub, a jump back and a
 * 15-byte record (19 for a store of a constant) (translate.h TR_SLOW_REC_*), and the helper also writes back the site's dirty
 * registers from the host registers the stub saved, by the record's map.
 */
static inline void slow_enter(struct vcpu *v, uint32_t arg, uint32_t pc, uint64_t map, const uint64_t *regs)
{
    /* the site's dirty registers, from the host registers the stub saved (TR_WB_MAP_BITS each) */
    map &= (1ull << (TR_WB_MAP_BITS * TR_NHOST)) - 1; /* the register's index above it */
    for (unsigned i = 0; map; i++, map >>= TR_WB_MAP_BITS) {
        unsigned g = (unsigned)(map & ((1u << TR_WB_MAP_BITS) - 1));
        if (g)
            v->gpr[g] = (uint32_t)regs[i];
    }
    v->icount = v->next_event - (uint64_t)v->dbt_budget - ((arg >> DBT_SLOW_REM_SHIFT) & 0xFFu);
    v->pc = pc;
    v->in_ds = (arg & DBT_SLOW_DS) != 0;
}

static inline uint64_t slow_leave(struct vcpu *v, uint32_t arg, uint64_t st)
{
    if (st & DBT_ST_EXC) {
        v->dbt_budget = (int64_t)(v->next_event - v->icount); /* pc is the vector; nothing retired */
        return st;
    }
    uint32_t rem = (arg >> DBT_SLOW_REM_SHIFT) & 0xFFu;
    v->dbt_budget = (int64_t)(v->next_event - v->icount - rem);
    if (arg & DBT_SLOW_DS) {
        v->in_ds = 0; /* in a delay slot the branch still completes; the next entry sees the event */
        return (uint32_t)st;
    }
    if ((st & DBT_ST_EXIT) || (v->dbt_budget < 0 && (arg & DBT_SLOW_CHECK))) {
        unsigned dest = (arg >> DBT_SLOW_DEST_SHIFT) & 31u;
        if (dest)
            v->gpr[dest] = (uint32_t)st;
        v->dbt_budget += rem - 1; /* retired: the trampoline's icount counts it */
        v->pc += 4;
        return (uint32_t)st | DBT_ST_EXIT;
    }
    return (uint32_t)st;
}

uint64_t dbt_h_load_slow(struct vcpu *v, uint32_t va, const uint8_t *rec, uint64_t *regs)
{
    uint32_t arg, pc;
    uint64_t map = 0;
    memcpy(&arg, rec, 4);
    memcpy(&pc, rec + 4, 4);
    memcpy(&map, rec + 8, TR_SLOW_MAP_BYTES); /* little-endian, as the host */
    slow_enter(v, arg, pc, map, regs);
    unsigned slot = (unsigned)(map >> TR_SLOW_REG_SHIFT) & 0xFu;
    uint32_t op = arg & DBT_SLOW_OP_MASK;
    uint64_t st;
    if (op == MIPS_OP_LWL || op == MIPS_OP_LWR) /* the merge's other half: rt, in the register that takes it */
        st = dbt_h_lwlr(v, va, slot < TR_NHOST ? (uint32_t)regs[slot] : 0, op);
    else
        st = dbt_h_load(v, va, op);
    st = slow_leave(v, arg, st);
    if (!(st >> 32) && slot < TR_NHOST)
        regs[slot] = (uint32_t)st; /* the stub restores it into the destination's host register */
    return st;
}

uint64_t dbt_h_store_slow(struct vcpu *v, uint32_t va, const uint8_t *rec, uint64_t *regs)
{
    uint32_t arg, pc, val;
    uint64_t map = 0;
    memcpy(&arg, rec, 4);
    memcpy(&pc, rec + 4, 4);
    memcpy(&map, rec + 8, TR_SLOW_MAP_BYTES);
    unsigned slot = (unsigned)(map >> TR_SLOW_REG_SHIFT) & 0xFu;
    if (slot < TR_NHOST)
        val = (uint32_t)regs[slot];
    else
        memcpy(&val, rec + 8 + TR_SLOW_MAP_BYTES, 4); /* TR_SLOW_REG_IMM */
    slow_enter(v, arg, pc, map, regs);
    uint32_t op = arg & DBT_SLOW_OP_MASK;
    if (op == MIPS_OP_SWL || op == MIPS_OP_SWR)
        return slow_leave(v, arg, dbt_h_swlr(v, va, val, op));
    return slow_leave(v, arg, dbt_h_store(v, va, val, op));
}

/* A partial access's word in guest RAM: races on it between vCPUs are the guest's (no
 * ThreadSanitizer, as the other guest memory accesses, shadow-mmu/memory.c). */
static inline MEM_NO_TSAN void ram_word_read(uint32_t *w, const void *h)
{
    memcpy(w, h, 4);
}

static inline MEM_NO_TSAN void ram_word_merge(void *h, uint32_t w, uint32_t mask)
{
    uint32_t old;
    memcpy(&old, h, 4);
    old = (old & ~mask) | (w & mask);
    memcpy(h, &old, 4);
}

/* The aligned word of a partial access, through the software TLB like the interpreter. */
static bool word_load(struct vcpu *v, uint32_t va, uint32_t *w, uint32_t badva)
{
    const struct stlb_entry *e = &v->stlb.e[v->mmu_mode][stlb_index(va)];
    if (e->tag_read == (va & STLB_PAGE_MASK)) {
        ram_word_read(w, (const void *)(uintptr_t)(va + e->addend));
        return true;
    }
    return dbt_mem_slow(v, va, 4, MMU_LOAD, w, 0xFFFFFFFFu, badva, NULL);
}

uint64_t dbt_h_lwlr(struct vcpu *v, uint32_t va, uint32_t rt, uint32_t op)
{
    uint32_t w;
    if (!word_load(v, va & ~3u, &w, va))
        return DBT_ST_EXC;
    uint32_t r = op == MIPS_OP_LWL ? interp_lwl(rt, w, va & 3) : interp_lwr(rt, w, va & 3);
    return r | after(v);
}

uint64_t dbt_h_swlr(struct vcpu *v, uint32_t va, uint32_t rt, uint32_t op)
{
    uint32_t w, mask;
    if (op == MIPS_OP_SWL)
        interp_swl(rt, va & 3, &w, &mask);
    else
        interp_swr(rt, va & 3, &w, &mask);
    uint32_t a = va & ~3u;
    struct stlb_entry *e = &v->stlb.e[v->mmu_mode][stlb_index(a)];
    bool smc = false;
    if (e->tag_write == (a & STLB_PAGE_MASK)) {
        uint8_t *h = (uint8_t *)(uintptr_t)(a + e->addend);
        if (__builtin_expect(v->vm->store_hook != NULL, 0))
            v->vm->store_hook(v, a, 4, w & mask, mask, h);
        ram_word_merge(h, w, mask);
    } else if (!dbt_mem_slow(v, a, 4, MMU_STORE, &w, mask, va, &smc)) {
        return DBT_ST_EXC;
    }
    return (smc ? DBT_ST_EXIT : 0) | after(v);
}

uint64_t dbt_h_ll(struct vcpu *v, uint32_t va)
{
    uint32_t val;
    if (!dbt_mem_slow(v, va, 4, MMU_LOAD, &val, 0xFFFFFFFFu, va, NULL))
        return DBT_ST_EXC;
    struct mmu_result mr;
    if (mmu_translate(&v->tlb, (enum mmu_mode)v->mmu_mode, v->cp0.entryhi & 0xFF, va, MMU_LOAD, &mr) == MMU_OK)
        v->cp0.lladdr = (uint32_t)(mr.pa >> 4); /* 24K LLAddr holds PA[31:4], as the interpreter */
    v->llbit = 1;
    v->llval = val;
    return val | after(v);
}

/*
 * sc with the vCPUs on two host threads (--smp-threads 2): the store happens only if the word
 * still holds what the ll read, as one locked compare-and-exchange, so an sc fails when the other
 * vCPU changed the word since the ll. It admits ABA: if the other vCPU wrote the word and then
 * wrote the old value back, the sc succeeds. Linux's ll/sc sequences (atomic_t, cmpxchg, bit ops,
 * spinlocks and their tickets) compute the new value from the value the ll read alone, so a
 * store that changed nothing in the end changes nothing they rely on. The locked instruction is
 * also a full fence, as the kernel's atomics expect. MMIO and ROM take the plain store.
 */
/* The word is guest RAM: races on it between vCPUs are the guest's (no ThreadSanitizer, as the
 * other guest memory accesses, shadow-mmu/memory.c). */
MEM_NO_TSAN bool dbt_sc_store(struct vcpu *v, uint32_t va, uint32_t val, uint32_t *ok, bool *smc)
{
    uint8_t *h = NULL;
    if (!dbt_mem_store_ptr(v, va, val, &h, smc))
        return false;
    uint32_t expected = v->llval;
    *ok = h ? __atomic_compare_exchange_n((uint32_t *)(void *)h, &expected, val, false, __ATOMIC_SEQ_CST,
                                          __ATOMIC_SEQ_CST)
            : 1;
    v->llbit = 0;
    return true;
}

uint64_t dbt_h_sc(struct vcpu *v, uint32_t va, uint32_t rt)
{
    if (va & 3) {
        cp0_raise_addr(v, EXC_ADES, va, false);
        return DBT_ST_EXC;
    }
    uint32_t result;
    bool smc = false;
    if (v->llbit && v->vm->smp) {
        if (!dbt_sc_store(v, va, rt, &result, &smc))
            return DBT_ST_EXC;
    } else if (v->llbit) {
        if (!dbt_mem_slow(v, va, 4, MMU_STORE, &rt, 0xFFFFFFFFu, va, &smc))
            return DBT_ST_EXC;
        result = 1;
    } else {
        /* Vol. II SC translates for a store before it tests LLbit: a failing sc still faults. */
        struct mmu_result mr;
        enum mmu_fault f = mmu_translate(&v->tlb, (enum mmu_mode)v->mmu_mode, v->cp0.entryhi & 0xFF, va,
                                         MMU_STORE, &mr);
        if (f != MMU_OK) {
            cp0_raise_addr(v, dbt_fault_code(f, MMU_STORE), va, f == MMU_TLB_REFILL);
            return DBT_ST_EXC;
        }
        result = 0;
    }
    v->llbit = 0;
    return result | (smc ? DBT_ST_EXIT : 0) | after(v);
}

uint64_t dbt_h_raise(struct vcpu *v, uint32_t code)
{
    if ((code & 0xFF) == EXC_CPU)
        cp0_raise_cpu(v, code >> 8);
    else
        cp0_raise(v, (enum exc_code)code);
    return DBT_ST_EXC;
}

uint64_t dbt_h_div(struct vcpu *v, uint32_t rs, uint32_t rt)
{
    interp_div(v, rs, rt);
    return 0;
}

uint64_t dbt_h_divu(struct vcpu *v, uint32_t rs, uint32_t rt)
{
    interp_divu(v, rs, rt);
    return 0;
}

uint64_t dbt_h_mfc0(struct vcpu *v, uint32_t regsel)
{
    uint32_t val = cp0_read(v, regsel >> 3, regsel & 7);
    return val | after(v);
}

uint64_t dbt_h_mtc0(struct vcpu *v, uint32_t regsel, uint32_t val, uint32_t tb_flags)
{
    uint32_t asid = v->cp0.entryhi & 0xFF;
    cp0_write(v, regsel >> 3, regsel & 7, val);
    if (dbt_tb_flags(v) != tb_flags)
        return DBT_ST_EXIT; /* the rest of the block was translated for another mode */
    if ((v->cp0.entryhi & 0xFF) != asid && pc_mapped(v->pc))
        return DBT_ST_EXIT; /* the code being run may map differently now */
    return after(v);
}

uint64_t dbt_h_tlb(struct vcpu *v, uint32_t op)
{
    switch (op) {
    case MIPS_OP_TLBR: cp0_tlbr(v); break;
    case MIPS_OP_TLBWI: cp0_tlbwi(v); break;
    case MIPS_OP_TLBWR: cp0_tlbwr(v); break;
    default: cp0_tlbp(v); break;
    }
    if (op != MIPS_OP_TLBP && pc_mapped(v->pc))
        return DBT_ST_EXIT;
    return after(v);
}

uint64_t dbt_h_eret(struct vcpu *v)
{
    cp0_eret(v);
    return 0;
}

uint64_t dbt_h_icache_inval(struct vcpu *v, uint32_t va)
{
    dbt_icache_invalidate(v, va);
    return after(v);
}

uint64_t dbt_h_mt(struct vcpu *v, uint32_t raw)
{
    struct mips_insn in;
    mips_decode(raw, &in);
    return mt_exec(v, &in) | DBT_ST_EXIT;
}

uint64_t dbt_h_ei(struct vcpu *v)
{
    return cp0_ei(v) | after(v);
}

uint64_t dbt_h_rdhwr(struct vcpu *v, uint32_t hwr)
{
    uint32_t val;
    if (!cp0_rdhwr(v, hwr, &val)) {
        cp0_raise(v, EXC_RI);
        return DBT_ST_EXC;
    }
    return val | after(v);
}

uint32_t dbt_tb_flags(const struct vcpu *v)
{
    uint32_t st = v->cp0.status;
    uint32_t f = v->mmu_mode & TB_F_MODE_MASK;
    if (st & ST_CU0)
        f |= TB_F_CU0;
    if (st & ST_EXL)
        f |= TB_F_EXL;
    if (st & ST_ERL)
        f |= TB_F_ERL;
    if (cp0_usable(v))
        f |= TB_F_KERNEL;
    if (v->vm->cfg.exec == EXEC_TRAP)
        f |= TB_F_TRAP;
    if (v->vm->numa && numa_counting(v->vm->numa))
        f |= TB_F_COUNT;
    return f;
}

uint64_t dbt_h_fpcond(struct vcpu *v, uint32_t fcc_want)
{
    /* No "leave after": this is a branch, whose delay slot still has to run. */
    if (!fpu_usable(v))
        return DBT_ST_EXC;
    return fpu_cc(v, fcc_want & 7) == ((fcc_want >> 8) & 1);
}
