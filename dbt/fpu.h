/*
 * dbt/ internals: the FPU (CP1) of the 24Kf, shared by every execution engine.
 *
 * Two layers. fpu_ieee.c is IEEE 754 binary32/binary64 arithmetic done with
 * integers (no host floating point at all, so no host rounding mode, no
 * contraction into FMA, no x86 NaN conventions can leak in), with the MIPS
 * legacy NaN encoding. fpu.c applies the 24Kf's rules on top (FCSR, the
 * Unimplemented Operation cases, flush to zero, register files for FR = 0/1)
 * and executes decoded instructions. Not for use outside dbt/.
 */
#ifndef MVISOR_DBT_FPU_H
#define MVISOR_DBT_FPU_H

#include <stdbool.h>
#include <stdint.h>

#include "dbt/dbt.h"

/* Exception bits, in the order of the FCSR Flags/Enables/Cause fields (Vol. I-A, FCSR). */
#define FPX_I 0x01u /* inexact */
#define FPX_U 0x02u /* underflow */
#define FPX_O 0x04u /* overflow */
#define FPX_Z 0x08u /* division by zero */
#define FPX_V 0x10u /* invalid operation */
#define FPX_E 0x20u /* unimplemented operation (a Cause bit only) */
/* Not an FCSR bit: the core's result was tiny (nonzero and below 2^Emin after rounding). */
#define FPX_TINY 0x100u

/* FCSR (CP1 control register 31) fields. */
#define FCSR_RM 0x00000003u
#define FCSR_FLAGS_SHIFT 2
#define FCSR_ENABLES_SHIFT 7
#define FCSR_CAUSE_SHIFT 12
#define FCSR_CAUSE (0x3Fu << FCSR_CAUSE_SHIFT)
#define FCSR_FCC0 (1u << 23)
#define FCSR_FS (1u << 24)
/* Writable bits: FCC7-1, FS, FCC0, Cause, Enables, Flags, RM. 22:18 read 0 (see fpu.c). */
#define FCSR_WRITABLE 0xFF83FFFFu

/* Rounding modes (FCSR.RM). */
enum { FP_RN = 0, FP_RZ = 1, FP_RP = 2, FP_RM = 3 };

/* The legacy default NaNs ("a new quiet NaN", Vol. I-A): the quiet bit is the MSB of the
 * fraction and is 0 for a quiet NaN, the opposite of x86 and IEEE 754-2008. */
#define FP32_DEFAULT_NAN 0x7FBFFFFFu
#define FP64_DEFAULT_NAN 0x7FF7FFFFFFFFFFFFull

/* Rounding mode in, exception bits (FPX_*) accumulated out. */
struct fp_status {
    unsigned rm;
    unsigned flags;
};

/* ---- fpu_ieee.c: IEEE arithmetic with legacy MIPS NaNs -------------------------------
 *
 * A signalling NaN operand raises V and gives the default NaN; otherwise a quiet NaN
 * operand is the result (the first one, in operand order). Denormal operands and results
 * are handled exactly (gradual underflow): the 24Kf's own denormal rules live in fpu.c.
 * Tininess is detected after rounding, loss of accuracy as inexact (Vol. I-A, Underflow).
 */
uint32_t fp32_add(uint32_t a, uint32_t b, struct fp_status *st);
uint32_t fp32_sub(uint32_t a, uint32_t b, struct fp_status *st);
uint32_t fp32_mul(uint32_t a, uint32_t b, struct fp_status *st);
uint32_t fp32_div(uint32_t a, uint32_t b, struct fp_status *st);
uint32_t fp32_sqrt(uint32_t a, struct fp_status *st);
uint64_t fp64_add(uint64_t a, uint64_t b, struct fp_status *st);
uint64_t fp64_sub(uint64_t a, uint64_t b, struct fp_status *st);
uint64_t fp64_mul(uint64_t a, uint64_t b, struct fp_status *st);
uint64_t fp64_div(uint64_t a, uint64_t b, struct fp_status *st);
uint64_t fp64_sqrt(uint64_t a, struct fp_status *st);

/* Format conversions. A quiet NaN keeps its sign and the top of its payload (the default
 * NaN if the narrowed payload would be zero, i.e. read as infinity). */
uint64_t fp32_to_fp64(uint32_t a, struct fp_status *st);
uint32_t fp64_to_fp32(uint64_t a, struct fp_status *st);
/* Integers to floating point (rounded with st->rm). */
uint32_t fp32_from_int(int64_t x, struct fp_status *st);
uint64_t fp64_from_int(int64_t x, struct fp_status *st);
/*
 * Floating point to a bits-wide (32 or 64) signed integer, rounded with rm. NaN, infinity
 * and values that round outside the range raise V and give 2^(bits-1) - 1, the MIPS legacy
 * default (Vol. II CVT.W.fmt), whatever the sign. Returned sign-extended.
 */
int64_t fp32_to_int(uint32_t a, unsigned bits, unsigned rm, struct fp_status *st);
int64_t fp64_to_int(uint64_t a, unsigned bits, unsigned rm, struct fp_status *st);

/* Ordering of two values; a signalling NaN operand raises V (a quiet one does not). */
enum fp_rel { FP_LT, FP_EQ, FP_GT, FP_UN };
enum fp_rel fp32_compare(uint32_t a, uint32_t b, struct fp_status *st);
enum fp_rel fp64_compare(uint64_t a, uint64_t b, struct fp_status *st);

/* Classification of raw values. */
static inline bool fp32_is_nan(uint32_t x) { return (x & 0x7FFFFFFFu) > 0x7F800000u; }
static inline bool fp64_is_nan(uint64_t x) { return (x & ~(1ull << 63)) > 0x7FF0000000000000ull; }
static inline bool fp32_is_snan(uint32_t x) { return fp32_is_nan(x) && (x & 0x00400000u); }
static inline bool fp64_is_snan(uint64_t x) { return fp64_is_nan(x) && (x & (1ull << 51)); }
static inline bool fp32_is_denormal(uint32_t x) { return (x & 0x7F800000u) == 0 && (x & 0x007FFFFFu); }
static inline bool fp64_is_denormal(uint64_t x)
{
    return (x & 0x7FF0000000000000ull) == 0 && (x & 0x000FFFFFFFFFFFFFull);
}

/* ---- fpu.c: the CP1 of the 24Kf ----------------------------------------------------- */

/* True if CP1 is usable (Status.CU1); otherwise raises Coprocessor Unusable (CE = 1). */
bool fpu_usable(struct vcpu *v);
/*
 * True if r may name a 64-bit operand: always with Status.FR = 1; an even register with
 * FR = 0. Otherwise raises Reserved Instruction (the manual leaves it UNPREDICTABLE).
 */
bool fpu_reg64_ok(struct vcpu *v, unsigned r);
/* True if 64-bit integer (L) operations and luxc1/suxc1 are available (FR = 1); else RI. */
bool fpu_fr1_ok(struct vcpu *v);

/*
 * Executes a decoded CP1 instruction other than a branch (bc1f ... bc1tl, which are control
 * flow and stay with each engine): arithmetic, conversions, compares, register moves (mfc1
 * ... ctc1, mov/movf/movt/movz/movn.fmt), the GPR moves movf/movt, the loads and stores
 * (through the software TLB and the shared slow path), prefx, and the reserved COP1/COP1X
 * encodings. Checks CU1, then the encoding, then executes. Returns true if an exception was
 * delivered (nothing retired, pc at the vector).
 */
bool fpu_exec(struct vcpu *v, const struct mips_insn *in);
/*
 * The same for translated code, as a callout (dbt/translate.h conventions): decodes word,
 * executes it, returns DBT_ST_EXC after an exception; otherwise the new value of the GPR the
 * instruction writes (see fpu_gpr_dest), with DBT_ST_EXIT if the block must be left after
 * it (a store into translated code, or an event due).
 */
uint64_t fpu_helper(struct vcpu *v, uint32_t word);
/* The GPR a CP1 instruction writes (mfc1, mfhc1, cfc1: rt; movf/movt: rd), 0 if none. */
unsigned fpu_gpr_dest(const struct mips_insn *in);

/* The condition code cc (0-7) of FCSR, as bc1f/bc1t/movf/movt read it. */
static inline bool fpu_cc(const struct vcpu *v, unsigned cc)
{
    uint32_t f = v->fpu.fcsr;
    return cc == 0 ? (f >> 23) & 1 : (f >> (24 + cc)) & 1;
}

/* The register files (see struct fpu). 32-bit writes keep the other half of the FPR. */
static inline uint32_t fpu_get_w(const struct vcpu *v, unsigned r)
{
    return (uint32_t)v->fpu.fpr[r];
}

static inline void fpu_set_w(struct vcpu *v, unsigned r, uint32_t x)
{
    v->fpu.fpr[r] = (v->fpu.fpr[r] & 0xFFFFFFFF00000000ull) | x;
}

/* 64-bit operand r (even when FR = 0: callers check with fpu_reg64_ok). */
static inline uint64_t fpu_get_d(const struct vcpu *v, unsigned r)
{
    if (v->cp0.status & ST_FR)
        return v->fpu.fpr[r];
    return (v->fpu.fpr[r] & 0xFFFFFFFFull) | (v->fpu.fpr[(r + 1) & 31] << 32);
}

static inline void fpu_set_d(struct vcpu *v, unsigned r, uint64_t x)
{
    if (v->cp0.status & ST_FR) {
        v->fpu.fpr[r] = x;
    } else {
        fpu_set_w(v, r, (uint32_t)x);
        fpu_set_w(v, (r + 1) & 31, (uint32_t)(x >> 32));
    }
}

#endif
