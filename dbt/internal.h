/*
 * dbt/ internals: instruction semantics shared by the interpreter and (later)
 * the translator's helpers, so both engines give the same answer for every
 * case the architecture leaves UNPREDICTABLE. Each choice is stated where
 * it is made; all of them are safe for the host (no SIGFPE, no undefined
 * shifts).
 */
#ifndef MVISOR_DBT_INTERNAL_H
#define MVISOR_DBT_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "dbt/dbt.h"

/* ---- the shared memory slow path (shadow-mmu/memory.c) ---- */

/* Exception code of an MMU fault for an access kind. */
enum exc_code dbt_fault_code(enum mmu_fault f, enum mmu_access acc);
/* The slow path of a load, store or fetch: faults (raising the guest exception, returning false),
 * refills the software TLB, dispatches MMIO, and invalidates translated code a store overwrites
 * (setting *smc if smc is not NULL). */
bool dbt_mem_slow(struct vcpu *v, uint32_t va, unsigned size, enum mmu_access acc, uint32_t *val,
                  uint32_t mask, uint32_t badva, bool *smc);
/* The store slow path up to the write: translates va for a 4-byte store (raising what it raises:
 * false), breaks copy-on-write, invalidates the code it overwrites, and gives the host address of
 * the word in *host; for MMIO or ROM it makes the whole store of val itself and gives NULL. */
bool dbt_mem_store_ptr(struct vcpu *v, uint32_t va, uint32_t val, uint8_t **host, bool *smc);
/* sc with vCPUs on several threads: a compare-and-exchange against the value the ll read; *ok is
 * sc's result. False after raising an exception. */
bool dbt_sc_store(struct vcpu *v, uint32_t va, uint32_t val, uint32_t *ok, bool *smc);
/* Marks every software-TLB entry of the page with canonical address canon as holding code. */
void dbt_stlb_mark_code(struct vcpu *v, gpa_t canon);
/* physmap write hook: invalidates translations in [pa, pa + len). */
void dbt_host_write_hook(void *opaque, gpa_t pa, uint64_t len);

/*
 * div: quotient to LO, remainder to HI, rounding toward zero (Vol. II DIV).
 * Division by zero is UNPREDICTABLE; defined as HI = rs and LO = -1 for a
 * non-negative dividend, +1 for a negative one (what a non-restoring
 * divider with a zero divisor yields). INT_MIN / -1 overflows; defined as
 * LO = INT_MIN, HI = 0 (the wrapped quotient and an exact remainder).
 */
static inline void interp_div(struct vcpu *v, uint32_t rs, uint32_t rt)
{
    int32_t a = (int32_t)rs, b = (int32_t)rt;
    if (b == 0) {
        v->lo = a >= 0 ? 0xFFFFFFFFu : 1u;
        v->hi = rs;
    } else if (a == INT32_MIN && b == -1) {
        v->lo = 0x80000000u;
        v->hi = 0;
    } else {
        v->lo = (uint32_t)(a / b);
        v->hi = (uint32_t)(a % b);
    }
}

/* divu by zero: defined as LO = 0xFFFFFFFF, HI = rs. */
static inline void interp_divu(struct vcpu *v, uint32_t rs, uint32_t rt)
{
    if (rt == 0) {
        v->lo = 0xFFFFFFFFu;
        v->hi = rs;
    } else {
        v->lo = rs / rt;
        v->hi = rs % rt;
    }
}

/*
 * ext rt, rs, pos, size: size = msbd + 1. pos + size > 32 is UNPREDICTABLE;
 * defined as extracting the bits that exist (those above bit 31 read 0).
 */
static inline uint32_t interp_ext(uint32_t rs, unsigned lsb, unsigned msbd)
{
    unsigned size = msbd + 1;
    uint64_t mask = (size >= 32) ? 0xFFFFFFFFull : ((1ull << size) - 1);
    return (uint32_t)(((uint64_t)rs >> lsb) & mask);
}

/*
 * ins rt, rs, pos, size: msb = pos + size - 1. msb < lsb is UNPREDICTABLE;
 * defined as leaving rt unchanged.
 */
static inline uint32_t interp_ins(uint32_t rt, uint32_t rs, unsigned lsb, unsigned msb)
{
    if (msb < lsb)
        return rt;
    unsigned size = msb - lsb + 1;
    uint64_t field = (size >= 32) ? 0xFFFFFFFFull : ((1ull << size) - 1);
    uint32_t mask = (uint32_t)(field << lsb);
    return (rt & ~mask) | ((uint32_t)((uint64_t)rs << lsb) & mask);
}

/*
 * Unaligned word access on a little-endian CPU (Vol. II LWL/LWR/SWL/SWR,
 * the little-endian byte tables). b = address & 3; w = the aligned word.
 * lwl fills the most significant b+1 bytes of rt from the bytes at
 * offsets 0..b; lwr fills the least significant 4-b bytes from b..3.
 */
static inline uint32_t interp_lwl(uint32_t rt, uint32_t w, unsigned b)
{
    unsigned sh = 8 * (3 - b);
    uint32_t keep = sh ? (0xFFFFFFFFu >> (32 - sh)) : 0;
    return (w << sh) | (rt & keep);
}

static inline uint32_t interp_lwr(uint32_t rt, uint32_t w, unsigned b)
{
    unsigned sh = 8 * b;
    uint32_t keep = sh ? ~(0xFFFFFFFFu >> sh) : 0;
    return (w >> sh) | (rt & keep);
}

/* swl stores the most significant b+1 bytes of rt at offsets 0..b of the word. */
static inline void interp_swl(uint32_t rt, unsigned b, uint32_t *w, uint32_t *mask)
{
    unsigned sh = 8 * (3 - b);
    *w = rt >> sh;
    *mask = 0xFFFFFFFFu >> sh;
}

/* swr stores the least significant 4-b bytes of rt at offsets b..3 of the word. */
static inline void interp_swr(uint32_t rt, unsigned b, uint32_t *w, uint32_t *mask)
{
    unsigned sh = 8 * b;
    *w = rt << sh;
    *mask = 0xFFFFFFFFu << sh;
}

/* The condition of the trap instructions (Vol. II TEQ..TNEI). */
static inline bool interp_trap_cond(const struct mips_insn *in, uint32_t rs, uint32_t rt)
{
    uint32_t imm = (uint32_t)in->simm;
    switch (in->op) {
    case MIPS_OP_TGE: return (int32_t)rs >= (int32_t)rt;
    case MIPS_OP_TGEU: return rs >= rt;
    case MIPS_OP_TLT: return (int32_t)rs < (int32_t)rt;
    case MIPS_OP_TLTU: return rs < rt;
    case MIPS_OP_TEQ: return rs == rt;
    case MIPS_OP_TNE: return rs != rt;
    case MIPS_OP_TGEI: return (int32_t)rs >= in->simm;
    case MIPS_OP_TGEIU: return rs >= imm; /* immediate sign-extended, compared unsigned */
    case MIPS_OP_TLTI: return (int32_t)rs < in->simm;
    case MIPS_OP_TLTIU: return rs < imm;
    case MIPS_OP_TEQI: return rs == imm;
    case MIPS_OP_TNEI: return rs != imm;
    default: return false;
    }
}

#endif
