/*
 * The CP1 of the 24Kf: FCSR, the register files, and every COP1/COP1X
 * instruction but the FP branches (control flow, which each engine does
 * itself with fpu_usable and fpu_cc). The interpreter calls fpu_exec, the
 * translator fpu_helper, so both run this code. The arithmetic itself is
 * fpu_ieee.c; this file decides what the 24Kf does around it.
 *
 * The 24Kf's FPU handles neither denormal operands nor tiny results in
 * hardware ("FS/FO/FN: options to avoid unimplemented exceptions when
 * handling tiny numbers ... For full IEEE-compatibility you must set
 * FCSR[FS,FO,FN] == [0,0,0]", Programming the MIPS32 74K Core Family, 6.4,
 * the same FPU family). So with FCSR.FS = 0 an arithmetic or conversion
 * instruction with a denormal operand, or whose result is tiny, raises
 * Unimplemented Operation (Cause.E) and the kernel's emulator computes the
 * IEEE result. With FS = 1 denormal operands count as zeros of their sign
 * (setting Inexact, as Linux arch/mips/math-emu/ieee754int.h FLUSHSP does)
 * and a tiny result is replaced, setting Underflow and Inexact, by zero, or
 * by the smallest normal number when rounding toward it (+ for RP, - for RM;
 * Linux arch/mips/math-emu/ieee754sp.c ieee754sp_format, the R4000 manual's
 * "Flush to Zero" table).
 *
 * Choices where the manuals leave the 24Kf open (each tested in tests/isa/fpu):
 *  - a NaN operand decides first (the result is the NaN: fpu_ieee.c), then
 *    denormal operands, then the operation; E replaces every other cause bit;
 *  - compares never raise E (they are exact on denormals; with FS they
 *    compare flushed operands silently); moves, loads and stores never flush;
 *  - abs/neg are arithmetic (no ABS2008): a signalling NaN raises V, a quiet
 *    one passes unchanged, sign included; nmadd/nmsub do not negate a NaN;
 *  - madd and friends: the product rounded (and flushed or trapped when tiny)
 *    before the addition, as Release 2 requires of unfused multiply-add;
 *  - recip/rsqrt: correctly rounded 1/x and div(1, sqrt(x));
 *  - with FR = 0 an odd register as a 64-bit operand, the L format, luxc1/
 *    suxc1, recip.d/rsqrt.d raise Reserved Instruction (QEMU's 24Kf does too);
 *  - reserved COP1/COP1X encodings raise RI (CpU first without CU1);
 *  - ctc1 traps when it leaves a Cause bit with its Enable (or E) set, except
 *    a write to FCCR, which holds only condition codes;
 *  - FCSR.FO and FCSR.FN of that FPU family are not modelled (they read 0,
 *    as on QEMU's 24Kf), nor FIR.Has2008 features: NaNs are legacy.
 */
#include <string.h>

#include "dbt/fpu.h"
#include "dbt/internal.h"
#include "dbt/translate.h"

/* ---- state helpers ---- */

static inline bool fr1(const struct vcpu *v)
{
    return (v->cp0.status & ST_FR) != 0;
}

bool fpu_usable(struct vcpu *v)
{
    if (v->cp0.status & ST_CU1)
        return true;
    cp0_raise_cpu(v, 1);
    return false;
}

bool fpu_reg64_ok(struct vcpu *v, unsigned r)
{
    if (fr1(v) || !(r & 1))
        return true;
    cp0_raise(v, EXC_RI);
    return false;
}

bool fpu_fr1_ok(struct vcpu *v)
{
    if (fr1(v))
        return true;
    cp0_raise(v, EXC_RI);
    return false;
}

static inline uint64_t get(const struct vcpu *v, unsigned r, bool dbl)
{
    return dbl ? fpu_get_d(v, r) : fpu_get_w(v, r);
}

static inline void put(struct vcpu *v, unsigned r, bool dbl, uint64_t x)
{
    if (dbl)
        fpu_set_d(v, r, x);
    else
        fpu_set_w(v, r, (uint32_t)x);
}

static inline void set_gpr(struct vcpu *v, unsigned r, uint32_t val)
{
    if (r)
        v->gpr[r] = val;
}

static void set_cc(struct vcpu *v, unsigned cc, bool val)
{
    uint32_t bit = cc == 0 ? FCSR_FCC0 : 1u << (24 + cc);
    v->fpu.fcsr = val ? v->fpu.fcsr | bit : v->fpu.fcsr & ~bit;
}

/* ---- the 24Kf's rules around the IEEE core ---- */

struct fctx {
    struct fp_status st;
    bool fs; /* FCSR.FS: flush denormals */
};

static inline void fctx_init(const struct vcpu *v, struct fctx *c)
{
    c->st.rm = v->fpu.fcsr & FCSR_RM;
    c->st.flags = 0;
    c->fs = (v->fpu.fcsr & FCSR_FS) != 0;
}

static inline bool is_nan(bool dbl, uint64_t x)
{
    return dbl ? fp64_is_nan(x) : fp32_is_nan((uint32_t)x);
}

static inline uint64_t sign_mask(bool dbl)
{
    return dbl ? 1ull << 63 : 1ull << 31;
}

/* A denormal operand: flushed with FS, else Unimplemented Operation (false). */
static inline bool operand(struct fctx *c, bool dbl, uint64_t *x)
{
    bool denormal = dbl ? fp64_is_denormal(*x) : fp32_is_denormal((uint32_t)*x);
    if (!denormal)
        return true;
    if (!c->fs) {
        c->st.flags |= FPX_E;
        return false;
    }
    *x &= sign_mask(dbl);
    c->st.flags |= FPX_I;
    return true;
}

/* A tiny result of the core: replaced with FS, else Unimplemented Operation. */
static inline uint64_t result(struct fctx *c, bool dbl, uint64_t r)
{
    if (!(c->st.flags & FPX_TINY))
        return r;
    c->st.flags &= ~FPX_TINY;
    if (!c->fs) {
        c->st.flags |= FPX_E;
        return r;
    }
    c->st.flags |= FPX_U | FPX_I;
    bool neg = (r & sign_mask(dbl)) != 0;
    bool to_min = (c->st.rm == FP_RP && !neg) || (c->st.rm == FP_RM && neg);
    uint64_t min_normal = dbl ? 1ull << 52 : 1ull << 23;
    return (neg ? sign_mask(dbl) : 0) | (to_min ? min_normal : 0);
}

enum arith { A_ADD, A_SUB, A_MUL, A_DIV };

static inline uint64_t arith(struct fctx *c, bool dbl, enum arith op, uint64_t a, uint64_t b)
{
    if (c->st.flags & FPX_E)
        return 0;
    if (!is_nan(dbl, a) && !is_nan(dbl, b) && (!operand(c, dbl, &a) || !operand(c, dbl, &b)))
        return 0;
    uint64_t r;
    if (dbl) {
        switch (op) {
        case A_ADD: r = fp64_add(a, b, &c->st); break;
        case A_SUB: r = fp64_sub(a, b, &c->st); break;
        case A_MUL: r = fp64_mul(a, b, &c->st); break;
        default: r = fp64_div(a, b, &c->st); break;
        }
    } else {
        uint32_t x = (uint32_t)a, y = (uint32_t)b;
        switch (op) {
        case A_ADD: r = fp32_add(x, y, &c->st); break;
        case A_SUB: r = fp32_sub(x, y, &c->st); break;
        case A_MUL: r = fp32_mul(x, y, &c->st); break;
        default: r = fp32_div(x, y, &c->st); break;
        }
    }
    return result(c, dbl, r);
}

static uint64_t square_root(struct fctx *c, bool dbl, uint64_t a)
{
    if (!is_nan(dbl, a) && !operand(c, dbl, &a))
        return 0;
    return result(c, dbl, dbl ? fp64_sqrt(a, &c->st) : fp32_sqrt((uint32_t)a, &c->st));
}

/* abs.fmt/neg.fmt are arithmetic without FIR.Has2008 (Vol. II ABS.fmt, NEG.fmt). */
static uint64_t sign_op(struct fctx *c, bool dbl, uint64_t a, bool negate)
{
    if (is_nan(dbl, a)) {
        if (dbl ? fp64_is_snan(a) : fp32_is_snan((uint32_t)a)) {
            c->st.flags |= FPX_V;
            return dbl ? FP64_DEFAULT_NAN : FP32_DEFAULT_NAN;
        }
        return a;
    }
    if (!operand(c, dbl, &a))
        return 0;
    return negate ? a ^ sign_mask(dbl) : a & ~sign_mask(dbl);
}

/* The negation of nmadd/nmsub: arithmetic like neg.fmt, so a NaN result is not negated. */
static uint64_t negate_result(struct fctx *c, bool dbl, uint64_t r)
{
    if ((c->st.flags & FPX_E) || is_nan(dbl, r))
        return r;
    return r ^ sign_mask(dbl);
}

/* Unfused multiply-add (Vol. II MADD.fmt, Release 2): the product is rounded, with the
 * 24Kf's tiny-result rule applying to it as to any result, then added. */
static uint64_t madd(struct fctx *c, bool dbl, uint64_t fs, uint64_t ft, uint64_t fr, bool sub)
{
    uint64_t p = arith(c, dbl, A_MUL, fs, ft);
    return arith(c, dbl, sub ? A_SUB : A_ADD, p, fr);
}

/* Floating point to a bits-wide integer, rounded with rm. */
static uint64_t to_int(struct fctx *c, bool dbl, uint64_t a, unsigned bits, unsigned rm)
{
    if (!is_nan(dbl, a) && !operand(c, dbl, &a))
        return 0;
    int64_t r = dbl ? fp64_to_int(a, bits, rm, &c->st) : fp32_to_int((uint32_t)a, bits, rm, &c->st);
    return bits == 32 ? (uint32_t)r : (uint64_t)r;
}

/* Between formats (dbl: from double to single; else single to double). */
static uint64_t convert(struct fctx *c, bool from_dbl, uint64_t a)
{
    if (!is_nan(from_dbl, a) && !operand(c, from_dbl, &a))
        return 0;
    if (from_dbl)
        return result(c, false, fp64_to_fp32(a, &c->st));
    return fp32_to_fp64((uint32_t)a, &c->st); /* exact: never tiny */
}

/* c.cond.fmt (Vol. II C.cond.fmt): cond bit 3 makes a quiet NaN invalid too. */
static bool compare(struct fctx *c, bool dbl, uint64_t a, uint64_t b, unsigned cond)
{
    if (c->fs) {
        if (dbl ? fp64_is_denormal(a) : fp32_is_denormal((uint32_t)a))
            a &= sign_mask(dbl);
        if (dbl ? fp64_is_denormal(b) : fp32_is_denormal((uint32_t)b))
            b &= sign_mask(dbl);
    }
    enum fp_rel r = dbl ? fp64_compare(a, b, &c->st) : fp32_compare((uint32_t)a, (uint32_t)b, &c->st);
    if (r == FP_UN && (cond & 8))
        c->st.flags |= FPX_V;
    return ((cond & 4) && r == FP_LT) || ((cond & 2) && r == FP_EQ) || ((cond & 1) && r == FP_UN);
}

/*
 * Ends an arithmetic instruction (Vol. I-A, FCSR and FP exceptions): Cause is replaced by
 * what it raised (E alone when the FPU could not do it). An enabled cause, or E, raises the
 * Floating Point exception: the destination is not written and Flags do not change (returns
 * true). Otherwise Flags accumulate the cause and the caller writes the result.
 */
static inline bool commit(struct vcpu *v, const struct fctx *c)
{
    unsigned x = c->st.flags & 0x3F;
    if (x & FPX_E)
        x = FPX_E;
    uint32_t f = (v->fpu.fcsr & ~FCSR_CAUSE) | ((uint32_t)x << FCSR_CAUSE_SHIFT);
    if ((x & FPX_E) || (x & (f >> FCSR_ENABLES_SHIFT) & 0x1F)) {
        v->fpu.fcsr = f;
        cp0_raise(v, EXC_FPE);
        return true;
    }
    v->fpu.fcsr = f | ((uint32_t)x << FCSR_FLAGS_SHIFT);
    return false;
}

/* ---- control registers ---- */

/*
 * cfc1/ctc1 (Vol. I-A, FPU control registers): 0 FIR (read only), 25 FCCR (FCC7-0), 26 FEXR
 * (Cause and Flags), 28 FENR (Enables, FS at bit 2, RM), 31 FCSR. Other numbers are
 * UNPREDICTABLE: defined here as reading 0 and ignoring writes.
 */
static uint32_t cfc1(const struct vcpu *v, unsigned reg)
{
    uint32_t f = v->fpu.fcsr;
    switch (reg) {
    case 0: return v->fpu.fir;
    case 25: return ((f >> 24) & 0xFEu) | ((f >> 23) & 1u);
    case 26: return f & 0x0003F07Cu;
    case 28: return (f & 0x00000F83u) | ((f >> 22) & 4u);
    case 31: return f;
    default: return 0;
    }
}

/* Returns true if the write raised the Floating Point exception: a write of Cause or the
 * Enables (FCSR, FEXR, FENR) that leaves a Cause bit with its Enable set, or E, traps at the
 * ctc1 itself, after the write (Vol. I-A, FCSR: software can so simulate an exception).
 * FCCR writes only condition codes and never traps (QEMU checks after any ctc1). */
static bool ctc1(struct vcpu *v, unsigned reg, uint32_t val)
{
    uint32_t f = v->fpu.fcsr;
    switch (reg) {
    case 25:
        v->fpu.fcsr = (f & 0x017FFFFFu) | ((val & 0xFEu) << 24) | ((val & 1u) << 23);
        return false;
    case 26: f = (f & ~0x0003F07Cu) | (val & 0x0003F07Cu); break;
    case 28: f = (f & ~0x01000F83u) | (val & 0x00000F83u) | ((val & 4u) << 22); break;
    case 31: f = (f & ~FCSR_WRITABLE) | (val & FCSR_WRITABLE); break;
    default: return false;
    }
    v->fpu.fcsr = f;
    uint32_t cause = (f >> FCSR_CAUSE_SHIFT) & 0x3F;
    uint32_t enabled = ((f >> FCSR_ENABLES_SHIFT) & 0x1F) | FPX_E;
    if (cause & enabled) {
        cp0_raise(v, EXC_FPE);
        return true;
    }
    return false;
}

/* ---- loads and stores ---- */

/* One aligned 32-bit access as every engine makes it: the software TLB (one compare), else
 * the shared slow path, which faults, refills, dispatches MMIO and reports a store into
 * translated code (*smc). */
static bool mem_word(struct vcpu *v, uint32_t va, enum mmu_access acc, uint32_t *val, bool *smc)
{
    const struct stlb_entry *e = &v->stlb.e[v->mmu_mode][stlb_index(va)];
    uint64_t tag = acc == MMU_STORE ? e->tag_write : e->tag_read;
    if (tag == ((uint64_t)va & (STLB_PAGE_MASK | 3))) {
        uint8_t *h = (uint8_t *)(uintptr_t)(va + e->addend);
        if (acc == MMU_STORE) {
            if (__builtin_expect(v->vm->store_hook != NULL, 0))
                v->vm->store_hook(v, va, 4, *val, 0xFFFFFFFFu, h);
            memcpy(h, val, 4); /* little-endian host and guest */
        } else {
            memcpy(val, h, 4);
        }
        return true;
    }
    return dbt_mem_slow(v, va, 4, acc, val, 0xFFFFFFFFu, va, smc);
}

/*
 * lwc1 ... suxc1 (Vol. II LWC1, LDC1, LWXC1, LDXC1, LUXC1 and the stores): base + offset or
 * base + index; luxc1/suxc1 ignore bits 2:0 of the sum. A doubleword must be aligned (AdEL/
 * AdES otherwise), so both of its words are in one page; the low word is at the lower address.
 */
static bool load_store(struct vcpu *v, const struct mips_insn *in, bool *smc)
{
    uint32_t base = v->gpr[in->rs], index = v->gpr[in->rt], va, w[2];
    unsigned r; /* the FPR */
    bool dbl = false, st = false;
    switch ((enum mips_op)in->op) {
    case MIPS_OP_LWC1: va = base + (uint32_t)in->simm; r = in->rt; break;
    case MIPS_OP_SWC1: va = base + (uint32_t)in->simm; r = in->rt; st = true; break;
    case MIPS_OP_LDC1: va = base + (uint32_t)in->simm; r = in->rt; dbl = true; break;
    case MIPS_OP_SDC1: va = base + (uint32_t)in->simm; r = in->rt; dbl = st = true; break;
    case MIPS_OP_LWXC1: va = base + index; r = in->sa; break;
    case MIPS_OP_SWXC1: va = base + index; r = in->rd; st = true; break;
    case MIPS_OP_LDXC1: va = base + index; r = in->sa; dbl = true; break;
    case MIPS_OP_SDXC1: va = base + index; r = in->rd; dbl = st = true; break;
    case MIPS_OP_LUXC1:
        if (!fpu_fr1_ok(v))
            return true;
        va = (base + index) & ~7u; r = in->sa; dbl = true;
        break;
    default: /* SUXC1 */
        if (!fpu_fr1_ok(v))
            return true;
        va = (base + index) & ~7u; r = in->rd; dbl = st = true;
        break;
    }
    if (dbl && !fpu_reg64_ok(v, r))
        return true;
    if (!dbl) {
        if (!st)
            return mem_word(v, va, MMU_LOAD, w, smc) ? (fpu_set_w(v, r, w[0]), false) : true;
        w[0] = fpu_get_w(v, r);
        return !mem_word(v, va, MMU_STORE, w, smc);
    }
    if (va & 7) {
        cp0_raise_addr(v, st ? EXC_ADES : EXC_ADEL, va, false);
        return true;
    }
    if (st) {
        uint64_t d = fpu_get_d(v, r);
        w[0] = (uint32_t)d;
        w[1] = (uint32_t)(d >> 32);
        return !mem_word(v, va, MMU_STORE, &w[0], smc) || !mem_word(v, va + 4, MMU_STORE, &w[1], smc);
    }
    if (!mem_word(v, va, MMU_LOAD, &w[0], smc) || !mem_word(v, va + 4, MMU_LOAD, &w[1], smc))
        return true;
    fpu_set_d(v, r, w[0] | ((uint64_t)w[1] << 32));
    return false;
}

/* ---- instructions ---- */

/* The index of an op within the S (or D) block of MIPS_FP_FMT_OPS. */
#define K(name) (MIPS_OP_##name##_S - MIPS_OP_ADD_S)

/* One instruction of fmt S or D; k is its index in the format's block. */
static bool fmt_op(struct vcpu *v, const struct mips_insn *in, bool dbl, int k)
{
    const unsigned fd = in->sa, fs = in->rd, ft = in->rt;
    struct fctx c;
    fctx_init(v, &c);
    uint64_t r;
    unsigned bits = 32, rm = c.st.rm;
    bool to_long = false;

    /* Operand validity: 64-bit operands need an even register with FR = 0 (r64 ORs them),
     * the L format and recip.d/rsqrt.d need FR = 1 (as on QEMU's 24Kf; the manual leaves
     * both UNPREDICTABLE). The fd field of c.cond and the ft field of movf/movt/movz/movn
     * are no FPRs. */
    unsigned r64 = 0;
    bool need_fr1 = false;
    switch (k) {
    case K(ROUND_L): case K(TRUNC_L): case K(CEIL_L): case K(FLOOR_L): case K(CVT_L):
        need_fr1 = to_long = true;
        break;
    case K(RECIP): case K(RSQRT):
        need_fr1 = dbl;
        break;
    case K(ADD): case K(SUB): case K(MUL): case K(DIV):
        r64 = dbl ? fd | fs | ft : 0;
        break;
    case K(SQRT): case K(ABS): case K(MOV): case K(NEG): case K(MOVF): case K(MOVT): case K(MOVZ):
    case K(MOVN):
        r64 = dbl ? fd | fs : 0;
        break;
    case K(ROUND_W): case K(TRUNC_W): case K(CEIL_W): case K(FLOOR_W): case K(CVT_W):
        r64 = dbl ? fs : 0;
        break;
    case K(CVT_D):
        r64 = dbl ? fs : fd;
        break;
    default: /* c.cond */
        r64 = dbl ? fs | ft : 0;
        break;
    }
    if (need_fr1 ? !fpu_fr1_ok(v) : !fpu_reg64_ok(v, r64))
        return true;

    switch (k) {
    /* non-arithmetic moves: no FCSR change at all (Vol. II MOV.fmt, MOVF.fmt, ...) */
    case K(MOV): put(v, fd, dbl, get(v, fs, dbl)); return false;
    case K(MOVF): if (!fpu_cc(v, in->fcc)) put(v, fd, dbl, get(v, fs, dbl)); return false;
    case K(MOVT): if (fpu_cc(v, in->fcc)) put(v, fd, dbl, get(v, fs, dbl)); return false;
    case K(MOVZ): if (v->gpr[ft] == 0) put(v, fd, dbl, get(v, fs, dbl)); return false;
    case K(MOVN): if (v->gpr[ft] != 0) put(v, fd, dbl, get(v, fs, dbl)); return false;

    case K(ADD): r = arith(&c, dbl, A_ADD, get(v, fs, dbl), get(v, ft, dbl)); break;
    case K(SUB): r = arith(&c, dbl, A_SUB, get(v, fs, dbl), get(v, ft, dbl)); break;
    case K(MUL): r = arith(&c, dbl, A_MUL, get(v, fs, dbl), get(v, ft, dbl)); break;
    case K(DIV): r = arith(&c, dbl, A_DIV, get(v, fs, dbl), get(v, ft, dbl)); break;
    case K(SQRT): r = square_root(&c, dbl, get(v, fs, dbl)); break;
    case K(ABS): r = sign_op(&c, dbl, get(v, fs, dbl), false); break;
    case K(NEG): r = sign_op(&c, dbl, get(v, fs, dbl), true); break;
    /*
     * recip/rsqrt: "the numeric accuracy ... is implementation dependent" (Vol. II RECIP.fmt);
     * defined as the correctly rounded 1 / x and 1 / sqrt(x) computed as div(1, sqrt(x)),
     * the values QEMU gives, so they meet IEEE accuracy for 1/x.
     */
    case K(RECIP): r = arith(&c, dbl, A_DIV, dbl ? 0x3FF0000000000000ull : 0x3F800000u, get(v, fs, dbl)); break;
    case K(RSQRT):
        r = square_root(&c, dbl, get(v, fs, dbl));
        r = arith(&c, dbl, A_DIV, dbl ? 0x3FF0000000000000ull : 0x3F800000u, r);
        break;

    case K(ROUND_L): bits = 64; rm = FP_RN; goto conv;
    case K(TRUNC_L): bits = 64; rm = FP_RZ; goto conv;
    case K(CEIL_L): bits = 64; rm = FP_RP; goto conv;
    case K(FLOOR_L): bits = 64; rm = FP_RM; goto conv;
    case K(CVT_L): bits = 64; goto conv;
    case K(ROUND_W): rm = FP_RN; goto conv;
    case K(TRUNC_W): rm = FP_RZ; goto conv;
    case K(CEIL_W): rm = FP_RP; goto conv;
    case K(FLOOR_W): rm = FP_RM; goto conv;
    case K(CVT_W):
    conv:
        r = to_int(&c, dbl, get(v, fs, dbl), bits, rm);
        if (commit(v, &c))
            return true;
        put(v, fd, to_long, r);
        return false;

    case K(CVT_D): /* the slot after the block: cvt.d.s in S, cvt.s.d in D */
        r = convert(&c, dbl, get(v, fs, dbl));
        if (commit(v, &c))
            return true;
        put(v, fd, !dbl, r);
        return false;

    default: /* c.cond.fmt */
        if (k >= K(C_F) && k <= K(C_NGT)) {
            bool cond = compare(&c, dbl, get(v, fs, dbl), get(v, ft, dbl), (unsigned)(k - K(C_F)));
            if (commit(v, &c))
                return true;
            set_cc(v, in->fcc, cond);
            return false;
        }
        cp0_raise(v, EXC_RI);
        return true;
    }
    if (commit(v, &c))
        return true;
    put(v, fd, dbl, r);
    return false;
}

_Static_assert(MIPS_OP_CVT_D_S - MIPS_OP_ADD_S == MIPS_OP_C_NGT_S - MIPS_OP_ADD_S + 1 &&
                   MIPS_OP_CVT_S_D - MIPS_OP_ADD_D == MIPS_OP_CVT_D_S - MIPS_OP_ADD_S,
               "cvt.d.s / cvt.s.d follow their format's block");
#define K_CVT_D (MIPS_OP_CVT_D_S - MIPS_OP_ADD_S)

static bool exec(struct vcpu *v, const struct mips_insn *in, bool *smc)
{
    if (!fpu_usable(v))
        return true;
    if (in->flags & (MIPS_F_LOAD | MIPS_F_STORE))
        return load_store(v, in, smc);
    uint32_t *gpr = v->gpr;
    int op = in->op;
    if (op >= MIPS_OP_ADD_S && op <= MIPS_OP_CVT_D_S)
        return fmt_op(v, in, false, op == MIPS_OP_CVT_D_S ? K_CVT_D : op - MIPS_OP_ADD_S);
    if (op >= MIPS_OP_ADD_D && op <= MIPS_OP_CVT_S_D)
        return fmt_op(v, in, true, op == MIPS_OP_CVT_S_D ? K_CVT_D : op - MIPS_OP_ADD_D);

    struct fctx c;
    fctx_init(v, &c);
    const unsigned fd = in->sa, fs = in->rd, ft = in->rt, fr = in->rs;
    bool dbl = false;
    uint64_t r;
    switch ((enum mips_op)in->op) {
    /* moves between register files; mfc1/mtc1 touch the low word only (see struct fpu). A
     * GPR destination of $zero is never written: translated code relies on it holding 0. */
    case MIPS_OP_MFC1: set_gpr(v, in->rt, fpu_get_w(v, fs)); return false;
    case MIPS_OP_MTC1: fpu_set_w(v, fs, gpr[in->rt]); return false;
    case MIPS_OP_MFHC1:
        if (!fpu_reg64_ok(v, fs))
            return true;
        set_gpr(v, in->rt, (uint32_t)(fpu_get_d(v, fs) >> 32));
        return false;
    case MIPS_OP_MTHC1:
        if (!fpu_reg64_ok(v, fs))
            return true;
        fpu_set_d(v, fs, (fpu_get_d(v, fs) & 0xFFFFFFFFull) | ((uint64_t)gpr[in->rt] << 32));
        return false;
    case MIPS_OP_CFC1: set_gpr(v, in->rt, cfc1(v, fs)); return false;
    case MIPS_OP_CTC1: return ctc1(v, fs, gpr[in->rt]);
    case MIPS_OP_MOVF: if (!fpu_cc(v, in->fcc)) set_gpr(v, in->rd, gpr[in->rs]); return false;
    case MIPS_OP_MOVT: if (fpu_cc(v, in->fcc)) set_gpr(v, in->rd, gpr[in->rs]); return false;
    case MIPS_OP_PREFX: return false; /* no caches to prefetch into */

    /* integer to floating point: never a denormal operand or tiny result */
    case MIPS_OP_CVT_S_W: r = fp32_from_int((int32_t)fpu_get_w(v, fs), &c.st); break;
    case MIPS_OP_CVT_D_W:
        if (!fpu_reg64_ok(v, fd))
            return true;
        r = fp64_from_int((int32_t)fpu_get_w(v, fs), &c.st);
        dbl = true;
        break;
    case MIPS_OP_CVT_S_L:
        if (!fpu_fr1_ok(v))
            return true;
        r = fp32_from_int((int64_t)fpu_get_d(v, fs), &c.st);
        break;
    case MIPS_OP_CVT_D_L:
        if (!fpu_fr1_ok(v))
            return true;
        r = fp64_from_int((int64_t)fpu_get_d(v, fs), &c.st);
        dbl = true;
        break;

    case MIPS_OP_MADD_S: case MIPS_OP_MSUB_S: case MIPS_OP_NMADD_S: case MIPS_OP_NMSUB_S:
    case MIPS_OP_MADD_D: case MIPS_OP_MSUB_D: case MIPS_OP_NMADD_D: case MIPS_OP_NMSUB_D: {
        dbl = in->op == MIPS_OP_MADD_D || in->op == MIPS_OP_MSUB_D || in->op == MIPS_OP_NMADD_D ||
              in->op == MIPS_OP_NMSUB_D;
        if (dbl && !fpu_reg64_ok(v, fd | fs | ft | fr))
            return true;
        bool sub = in->op == MIPS_OP_MSUB_S || in->op == MIPS_OP_MSUB_D || in->op == MIPS_OP_NMSUB_S ||
                   in->op == MIPS_OP_NMSUB_D;
        bool neg = in->op == MIPS_OP_NMADD_S || in->op == MIPS_OP_NMADD_D || in->op == MIPS_OP_NMSUB_S ||
                   in->op == MIPS_OP_NMSUB_D;
        r = madd(&c, dbl, get(v, fs, dbl), get(v, ft, dbl), get(v, fr, dbl), sub);
        if (neg)
            r = negate_result(&c, dbl, r);
        break;
    }

    default: /* MIPS_OP_COP1, MIPS_OP_COP1X: no instruction of this FPU */
        cp0_raise(v, EXC_RI);
        return true;
    }
    if (commit(v, &c))
        return true;
    put(v, fd, dbl, r);
    return false;
}

bool fpu_exec(struct vcpu *v, const struct mips_insn *in)
{
    return exec(v, in, NULL);
}

/*
 * Decoded words for fpu_helper: translated code passes the raw word (a TB keeps no decoded
 * instructions), and decoding costs as much as the FP operation itself, while a loop runs the
 * same few words again and again. Per thread, so vCPU threads never share it.
 */
#define DECODE_CACHE 64
static _Thread_local struct mips_insn decode_cache[DECODE_CACHE];

static const struct mips_insn *decoded(uint32_t word)
{
    struct mips_insn *in = &decode_cache[(word ^ (word >> 11) ^ (word >> 21)) & (DECODE_CACHE - 1)];
    if (in->raw != word || in->op == MIPS_OP_INVALID) /* op INVALID: an empty slot (raw 0) */
        mips_decode(word, in);
    return in;
}

uint64_t fpu_helper(struct vcpu *v, uint32_t word)
{
    const struct mips_insn *in = decoded(word);
    bool smc = false;
    if (exec(v, in, &smc))
        return DBT_ST_EXC;
    unsigned dest = fpu_gpr_dest(in);
    uint32_t val = dest ? v->gpr[dest] : 0;
    /* leave the block after it: a store into translated code, or an event that is due */
    if (smc || v->icount + 1 >= v->next_event || atomic_load_explicit(&v->exit_request, memory_order_relaxed))
        return val | DBT_ST_EXIT;
    return val;
}

unsigned fpu_gpr_dest(const struct mips_insn *in)
{
    switch ((enum mips_op)in->op) {
    case MIPS_OP_MFC1: case MIPS_OP_MFHC1: case MIPS_OP_CFC1: return in->rt;
    case MIPS_OP_MOVF: case MIPS_OP_MOVT: return in->rd;
    default: return 0;
    }
}
