/*
 * IEEE 754 binary32/binary64 arithmetic in integers, with MIPS legacy NaNs.
 *
 * Why not the host's SSE unit: its results are the same for ordinary numbers,
 * but the rounding mode and flags live in MXCSR (saved, set and read around
 * every operation), its NaNs use the other quiet bit, and the compiler may
 * fold or contract host expressions. Doing the arithmetic on integers makes
 * every result a function of the operands and the rounding mode alone, the
 * same in the interpreter and in anything that calls these functions. The
 * unit test tests/unit/test_fpu_ieee.c checks this file against the host FPU
 * (an independent IEEE implementation) over many random and edge operands in
 * every rounding mode, flags included.
 *
 * Representation: an unpacked finite nonzero value is sign, exponent e and a
 * 64-bit significand with its leading 1 at bit 62, value = sig * 2^(e - 62);
 * bits shifted out are ORed into bit 0 ("jamming"), so rounding sees them.
 * Both formats share the code through a small format descriptor; the generic
 * functions are always inlined into the per-format entry points below, so each
 * is compiled with its format's constants folded in.
 */
#include "dbt/fpu.h"

#define GENERIC static inline __attribute__((always_inline))

struct fmt {
    unsigned fbits;  /* fraction bits: 23 or 52 */
    int bias;        /* 127 or 1023; also the largest unbiased exponent */
    uint64_t emask;  /* all-ones biased exponent: 0xFF or 0x7FF */
    uint64_t dnan;   /* the default NaN */
};

static const struct fmt F32 = {23, 127, 0xFF, FP32_DEFAULT_NAN};
static const struct fmt F64 = {52, 1023, 0x7FF, FP64_DEFAULT_NAN};

enum cls { C_ZERO, C_FINITE, C_INF, C_QNAN, C_SNAN };

struct unp {
    enum cls cls;
    bool sign;
    int exp;
    uint64_t sig;
};

static inline uint64_t sign_bit(const struct fmt *f)
{
    return 1ull << (f->fbits + (f->fbits == 23 ? 8 : 11));
}

static inline uint64_t shift_right_jam(uint64_t x, unsigned d)
{
    if (d == 0)
        return x;
    if (d >= 64)
        return x != 0;
    return (x >> d) | ((x & ((1ull << d) - 1)) != 0);
}

GENERIC struct unp unpack(const struct fmt *f, uint64_t x)
{
    struct unp u = {0};
    u.sign = (x & sign_bit(f)) != 0;
    uint64_t frac = x & ((1ull << f->fbits) - 1);
    uint64_t be = (x >> f->fbits) & f->emask;
    if (be == f->emask) {
        u.cls = frac == 0 ? C_INF : (frac >> (f->fbits - 1)) & 1 ? C_SNAN : C_QNAN;
    } else if (be == 0) {
        if (frac == 0) {
            u.cls = C_ZERO;
        } else {
            /* denormal: value = frac * 2^(1 - bias - fbits); normalise to bit 62 */
            int k = 63 - __builtin_clzll(frac);
            u.cls = C_FINITE;
            u.sig = frac << (62 - k);
            u.exp = 1 - f->bias - (int)f->fbits + k;
        }
    } else {
        u.cls = C_FINITE;
        u.sig = (frac | (1ull << f->fbits)) << (62 - f->fbits);
        u.exp = (int)be - f->bias;
    }
    return u;
}

static inline uint64_t pack_zero(const struct fmt *f, bool sign)
{
    return sign ? sign_bit(f) : 0;
}

static inline uint64_t pack_inf(const struct fmt *f, bool sign)
{
    return pack_zero(f, sign) | (f->emask << f->fbits);
}

/* The largest finite magnitude. */
static inline uint64_t pack_max(const struct fmt *f, bool sign)
{
    return pack_zero(f, sign) | ((f->emask - 1) << f->fbits) | ((1ull << f->fbits) - 1);
}

/* Whether to round the magnitude up, given the kept lsb and the discarded bits rb (half = the
 * weight of the first discarded bit). */
static inline bool round_up(unsigned rm, bool sign, bool lsb, uint64_t rb, uint64_t half)
{
    switch (rm) {
    case FP_RN: return rb > half || (rb == half && lsb);
    case FP_RZ: return false;
    case FP_RP: return rb != 0 && !sign;
    default: return rb != 0 && sign;
    }
}

/*
 * Rounds sign * sig * 2^(exp - 62) (sig's leading 1 at bit 62, lost bits jammed into bit 0)
 * to the format, with gradual underflow and overflow, and packs it.
 */
GENERIC uint64_t round_pack(const struct fmt *f, bool sign, int exp, uint64_t sig, struct fp_status *st)
{
    const unsigned p = f->fbits + 1, sh = 62 - f->fbits;
    const int emin = 1 - f->bias;
    const uint64_t rmask = (1ull << sh) - 1, half = 1ull << (sh - 1);
    bool tiny = false;
    if (exp < emin) {
        /* Tiny after rounding: below 2^emin once rounded to p bits with an unbounded exponent.
         * Only a value just below 2^emin can round up to it. */
        if (exp < emin - 1) {
            tiny = true;
        } else {
            uint64_t q = sig >> sh;
            tiny = !(q == (1ull << p) - 1 && round_up(st->rm, sign, 1, sig & rmask, half));
        }
        sig = shift_right_jam(sig, (unsigned)(emin - exp));
        exp = emin;
    }
    uint64_t rb = sig & rmask;
    uint64_t q = sig >> sh;
    if (round_up(st->rm, sign, q & 1, rb, half))
        q++;
    if (q >> p) { /* carried into a new binade */
        q >>= 1;
        exp++;
    }
    if (rb) {
        st->flags |= FPX_I;
        if (tiny)
            st->flags |= FPX_U;
    }
    if (tiny)
        st->flags |= FPX_TINY;
    if (exp > f->bias) {
        st->flags |= FPX_O | FPX_I;
        bool to_inf = st->rm == FP_RN || (st->rm == FP_RP && !sign) || (st->rm == FP_RM && sign);
        return to_inf ? pack_inf(f, sign) : pack_max(f, sign);
    }
    uint64_t be = (q >> (p - 1)) ? (uint64_t)(exp + f->bias) : 0; /* no hidden bit: denormal or zero */
    return pack_zero(f, sign) | (be << f->fbits) | (q & ((1ull << f->fbits) - 1));
}

/* NaN operands of a two-operand operation: true and *r set if one of them decides the result. */
GENERIC bool nan2(const struct fmt *f, uint64_t a, const struct unp *ua, uint64_t b, const struct unp *ub,
                 uint64_t *r, struct fp_status *st)
{
    if (ua->cls == C_SNAN || ub->cls == C_SNAN) {
        st->flags |= FPX_V;
        *r = f->dnan;
        return true;
    }
    if (ua->cls == C_QNAN) {
        *r = a;
        return true;
    }
    if (ub->cls == C_QNAN) {
        *r = b;
        return true;
    }
    return false;
}

GENERIC uint64_t invalid(const struct fmt *f, struct fp_status *st)
{
    st->flags |= FPX_V;
    return f->dnan;
}

GENERIC uint64_t add(const struct fmt *f, uint64_t a, uint64_t b, bool subtract, struct fp_status *st)
{
    struct unp ua = unpack(f, a), ub = unpack(f, b);
    uint64_t r;
    if (nan2(f, a, &ua, b, &ub, &r, st))
        return r;
    if (subtract)
        ub.sign = !ub.sign;
    if (ua.cls == C_INF || ub.cls == C_INF) {
        if (ua.cls == C_INF && ub.cls == C_INF && ua.sign != ub.sign)
            return invalid(f, st); /* inf - inf */
        return pack_inf(f, ua.cls == C_INF ? ua.sign : ub.sign);
    }
    if (ua.cls == C_ZERO && ub.cls == C_ZERO) /* x + x keeps the sign; x - x is +0, -0 rounding down */
        return pack_zero(f, ua.sign == ub.sign ? ua.sign : st->rm == FP_RM);
    if (ub.cls == C_ZERO)
        return round_pack(f, ua.sign, ua.exp, ua.sig, st);
    if (ua.cls == C_ZERO)
        return round_pack(f, ub.sign, ub.exp, ub.sig, st);
    if (ua.exp < ub.exp || (ua.exp == ub.exp && ua.sig < ub.sig)) {
        struct unp t = ua;
        ua = ub;
        ub = t;
    }
    uint64_t bs = shift_right_jam(ub.sig, (unsigned)(ua.exp - ub.exp));
    int exp = ua.exp;
    uint64_t s;
    if (ua.sign == ub.sign) {
        s = ua.sig + bs; /* < 2^64: both below 2^63 */
        if (s >> 63) {
            s = (s >> 1) | (s & 1);
            exp++;
        }
    } else {
        s = ua.sig - bs;
        if (s == 0)
            return pack_zero(f, st->rm == FP_RM);
        /* With an alignment shift of 2 or more s >= 2^61: the jammed bit moves by at most one
         * place and stays far below the rounding position. Smaller shifts were exact. */
        int lz = __builtin_clzll(s) - 1;
        s <<= lz;
        exp -= lz;
    }
    return round_pack(f, ua.sign, exp, s, st);
}

GENERIC uint64_t mul(const struct fmt *f, uint64_t a, uint64_t b, struct fp_status *st)
{
    struct unp ua = unpack(f, a), ub = unpack(f, b);
    uint64_t r;
    if (nan2(f, a, &ua, b, &ub, &r, st))
        return r;
    bool sign = ua.sign != ub.sign;
    if (ua.cls == C_INF || ub.cls == C_INF) {
        if (ua.cls == C_ZERO || ub.cls == C_ZERO)
            return invalid(f, st); /* 0 * inf */
        return pack_inf(f, sign);
    }
    if (ua.cls == C_ZERO || ub.cls == C_ZERO)
        return pack_zero(f, sign);
    unsigned __int128 prod = (unsigned __int128)ua.sig * ub.sig; /* leading 1 at bit 124 or 125 */
    int exp = ua.exp + ub.exp;
    unsigned shift = 62;
    if ((uint64_t)(prod >> 125)) {
        shift = 63;
        exp++;
    }
    uint64_t s = (uint64_t)(prod >> shift) | ((prod & (((unsigned __int128)1 << shift) - 1)) != 0);
    return round_pack(f, sign, exp, s, st);
}

GENERIC uint64_t divide(const struct fmt *f, uint64_t a, uint64_t b, struct fp_status *st)
{
    struct unp ua = unpack(f, a), ub = unpack(f, b);
    uint64_t r;
    if (nan2(f, a, &ua, b, &ub, &r, st))
        return r;
    bool sign = ua.sign != ub.sign;
    if (ua.cls == C_INF)
        return ub.cls == C_INF ? invalid(f, st) : pack_inf(f, sign);
    if (ub.cls == C_INF)
        return pack_zero(f, sign);
    if (ub.cls == C_ZERO) {
        if (ua.cls == C_ZERO)
            return invalid(f, st); /* 0 / 0 */
        st->flags |= FPX_Z;
        return pack_inf(f, sign);
    }
    if (ua.cls == C_ZERO)
        return pack_zero(f, sign);
    /* q = floor(siga * 2^63 / sigb): siga / sigb lies in (1/2, 2), so 2^62 < q < 2^64 */
    unsigned __int128 num = (unsigned __int128)ua.sig << 63;
    uint64_t q = (uint64_t)(num / ub.sig);
    bool rem = (uint64_t)(num % ub.sig) != 0;
    int exp = ua.exp - ub.exp;
    if (q >> 63)
        q = (q >> 1) | (q & 1);
    else
        exp--;
    return round_pack(f, sign, exp, q | rem, st);
}

GENERIC uint64_t square_root(const struct fmt *f, uint64_t a, struct fp_status *st)
{
    struct unp ua = unpack(f, a);
    if (ua.cls == C_SNAN)
        return invalid(f, st);
    if (ua.cls == C_QNAN || ua.cls == C_ZERO)
        return a; /* sqrt(-0) = -0 (IEEE 754 5.4.1) */
    if (ua.sign)
        return invalid(f, st);
    if (ua.cls == C_INF)
        return a;
    /* R = sig * 2^s with e - 62 - s even and R's leading 1 at bit 124 or 125, so that
     * sqrt(value) = isqrt(R) * 2^((e - 62 - s) / 2) with the root's leading 1 at bit 62. */
    unsigned s = 62 + (unsigned)(ua.exp & 1);
    unsigned __int128 rad = (unsigned __int128)ua.sig << s;
    uint64_t root = 0;
    for (int i = 62; i >= 0; i--) {
        uint64_t t = root | (1ull << i);
        if ((unsigned __int128)t * t <= rad)
            root = t;
    }
    bool inexact = (unsigned __int128)root * root != rad;
    return round_pack(f, false, ua.exp >> 1, root | inexact, st); /* exp >> 1 is floor(e / 2) */
}

GENERIC uint64_t convert(const struct fmt *from, const struct fmt *to, uint64_t a, struct fp_status *st)
{
    struct unp u = unpack(from, a);
    switch (u.cls) {
    case C_SNAN:
        return invalid(to, st);
    case C_QNAN: {
        /* Keep the sign and the payload's top (Linux arch/mips/math-emu/sp_fdp.c, dp_fsp.c) */
        uint64_t frac = a & ((1ull << from->fbits) - 1);
        frac = from->fbits > to->fbits ? frac >> (from->fbits - to->fbits) : frac << (to->fbits - from->fbits);
        if (frac == 0)
            return to->dnan;
        return pack_inf(to, u.sign) | frac;
    }
    case C_INF:
        return pack_inf(to, u.sign);
    case C_ZERO:
        return pack_zero(to, u.sign);
    default:
        return round_pack(to, u.sign, u.exp, u.sig, st);
    }
}

GENERIC uint64_t from_int(const struct fmt *f, int64_t x, struct fp_status *st)
{
    if (x == 0)
        return 0;
    bool sign = x < 0;
    uint64_t m = sign ? 0 - (uint64_t)x : (uint64_t)x;
    int k = 63 - __builtin_clzll(m);
    uint64_t sig = k <= 62 ? m << (62 - k) : (m >> 1) | (m & 1);
    return round_pack(f, sign, k, sig, st);
}

GENERIC int64_t to_int(const struct fmt *f, uint64_t a, unsigned bits, unsigned rm, struct fp_status *st)
{
    const int64_t dflt = (int64_t)((1ull << (bits - 1)) - 1);
    struct unp u = unpack(f, a);
    if (u.cls == C_ZERO)
        return 0;
    if (u.cls != C_FINITE || u.exp > 63) {
        st->flags |= FPX_V;
        return dflt;
    }
    /* value = sig * 2^(exp - 62): the integer part is sig >> (62 - exp) */
    uint64_t q, rb, half;
    if (u.exp == 63) { /* only -2^63 itself fits */
        q = u.sig << 1;
        rb = 0;
        half = 1;
    } else if (62 - u.exp >= 64) {
        q = 0;
        rb = 1; /* some fraction below one half */
        half = 2;
    } else if (u.exp == 62) {
        q = u.sig;
        rb = 0;
        half = 1;
    } else {
        unsigned fracbits = (unsigned)(62 - u.exp);
        q = u.sig >> fracbits;
        rb = u.sig & ((1ull << fracbits) - 1);
        half = 1ull << (fracbits - 1);
    }
    if (round_up(rm, u.sign, q & 1, rb, half))
        q++;
    uint64_t limit = (1ull << (bits - 1)) - (u.sign ? 0 : 1);
    if (q > limit) {
        st->flags |= FPX_V;
        return dflt;
    }
    if (rb)
        st->flags |= FPX_I;
    return u.sign ? (int64_t)(0 - q) : (int64_t)q;
}

GENERIC enum fp_rel compare(const struct fmt *f, uint64_t a, uint64_t b, struct fp_status *st)
{
    struct unp ua = unpack(f, a), ub = unpack(f, b);
    if (ua.cls >= C_QNAN || ub.cls >= C_QNAN) {
        if (ua.cls == C_SNAN || ub.cls == C_SNAN)
            st->flags |= FPX_V;
        return FP_UN;
    }
    if (ua.cls == C_ZERO && ub.cls == C_ZERO)
        return FP_EQ; /* -0 == +0 */
    /* Sign-magnitude to an ordered integer. */
    uint64_t sb = sign_bit(f);
    int64_t ka = (a & sb) ? -(int64_t)(a & ~sb) : (int64_t)a;
    int64_t kb = (b & sb) ? -(int64_t)(b & ~sb) : (int64_t)b;
    return ka < kb ? FP_LT : ka == kb ? FP_EQ : FP_GT;
}

/* ---- the exported functions ---- */

uint32_t fp32_add(uint32_t a, uint32_t b, struct fp_status *st) { return (uint32_t)add(&F32, a, b, false, st); }
uint32_t fp32_sub(uint32_t a, uint32_t b, struct fp_status *st) { return (uint32_t)add(&F32, a, b, true, st); }
uint32_t fp32_mul(uint32_t a, uint32_t b, struct fp_status *st) { return (uint32_t)mul(&F32, a, b, st); }
uint32_t fp32_div(uint32_t a, uint32_t b, struct fp_status *st) { return (uint32_t)divide(&F32, a, b, st); }
uint32_t fp32_sqrt(uint32_t a, struct fp_status *st) { return (uint32_t)square_root(&F32, a, st); }
uint64_t fp64_add(uint64_t a, uint64_t b, struct fp_status *st) { return add(&F64, a, b, false, st); }
uint64_t fp64_sub(uint64_t a, uint64_t b, struct fp_status *st) { return add(&F64, a, b, true, st); }
uint64_t fp64_mul(uint64_t a, uint64_t b, struct fp_status *st) { return mul(&F64, a, b, st); }
uint64_t fp64_div(uint64_t a, uint64_t b, struct fp_status *st) { return divide(&F64, a, b, st); }
uint64_t fp64_sqrt(uint64_t a, struct fp_status *st) { return square_root(&F64, a, st); }

uint64_t fp32_to_fp64(uint32_t a, struct fp_status *st) { return convert(&F32, &F64, a, st); }
uint32_t fp64_to_fp32(uint64_t a, struct fp_status *st) { return (uint32_t)convert(&F64, &F32, a, st); }
uint32_t fp32_from_int(int64_t x, struct fp_status *st) { return (uint32_t)from_int(&F32, x, st); }
uint64_t fp64_from_int(int64_t x, struct fp_status *st) { return from_int(&F64, x, st); }

int64_t fp32_to_int(uint32_t a, unsigned bits, unsigned rm, struct fp_status *st)
{
    return to_int(&F32, a, bits, rm, st);
}

int64_t fp64_to_int(uint64_t a, unsigned bits, unsigned rm, struct fp_status *st)
{
    return to_int(&F64, a, bits, rm, st);
}

enum fp_rel fp32_compare(uint32_t a, uint32_t b, struct fp_status *st) { return compare(&F32, a, b, st); }
enum fp_rel fp64_compare(uint64_t a, uint64_t b, struct fp_status *st) { return compare(&F64, a, b, st); }
