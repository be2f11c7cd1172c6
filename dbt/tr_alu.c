/*
 * Translation of the integer ALU: arithmetic, logic, shifts, compares,
 * conditional moves, multiply/divide and HI/LO, SPECIAL3 bit fields,
 * traps. Results come from the same definitions as the interpreter
 * (dbt/internal.h) for every UNPREDICTABLE case: x86 masks 32-bit shift
 * counts to 5 bits exactly as MIPS does, ext/ins fields are computed at
 * translation time, and division goes to a helper that calls interp_div.
 *
 * Operands that are known constants fold at translation time; otherwise
 * the x86 two-operand forms are used in place when the destination is a
 * source, and through rax when that would clobber a source.
 */
#include "dbt/translate.h"

/* An operand: an immediate (known constant) or a host register. */
struct opnd {
    bool imm;
    uint32_t val;
    int reg;
};

static struct opnd src(struct tr_ctx *c, unsigned g)
{
    struct opnd o = {0};
    if (tr_is_const(c, g, &o.val)) {
        o.imm = true;
        return o;
    }
    o.reg = tr_get(c, g);
    return o;
}

static void mov_opnd(struct x64_emitter *e, int dst, struct opnd o)
{
    if (o.imm)
        x64_mov_r32_imm32(e, dst, o.val);
    else if (o.reg != dst)
        x64_mov_r32_r32(e, dst, o.reg);
}

static void alu_opnd(struct x64_emitter *e, enum x64_alu op, int dst, struct opnd o)
{
    if (o.imm)
        x64_alu_r32_imm32(e, op, dst, (int32_t)o.val);
    else
        x64_alu_r32_r32(e, op, dst, o.reg);
}

static uint32_t fold(enum x64_alu op, uint32_t a, uint32_t b)
{
    switch (op) {
    case X64_ADD: return a + b;
    case X64_SUB: return a - b;
    case X64_AND: return a & b;
    case X64_OR: return a | b;
    case X64_XOR: return a ^ b;
    default: return 0;
    }
}

/* rd = a op b for a non-trapping ALU op; nor = complement afterwards. */
static void alu3(struct tr_ctx *c, enum x64_alu op, bool nor, unsigned rd, unsigned ra, struct opnd a,
                 unsigned rb, struct opnd b, bool commutative)
{
    struct x64_emitter *e = &c->hot;
    if (rd == 0)
        return;
    if (a.imm && b.imm) {
        uint32_t r = fold(op, a.val, b.val);
        tr_set_const(c, rd, nor ? ~r : r);
        return;
    }
    /* x op 0 for add/sub/or/xor (the move idioms: or/addu rd, rs, $zero; addiu rd, rs, 0) */
    bool b_ident = b.imm && b.val == 0 && (op == X64_ADD || op == X64_SUB || op == X64_OR || op == X64_XOR);
    bool a_ident = a.imm && a.val == 0 && commutative && (op == X64_ADD || op == X64_OR || op == X64_XOR);
    if (b_ident || a_ident) {
        struct opnd from = b_ident ? a : b;
        unsigned rfrom = b_ident ? ra : rb;
        if (rfrom == rd && !nor)
            return;
        int h = tr_dest(c, rd);
        if (rfrom != rd)
            x64_mov_r32_r32(e, h, from.reg);
        if (nor)
            x64_not_r32(e, h); /* nor rd, rs, $zero: not */
        tr_written(c, rd);
        return;
    }
    int h;
    if (op == X64_ADD && !nor && rd != ra && rd != rb) {
        /* three-operand add: one lea (32-bit, so it wraps as addu does; flags are not wanted) */
        h = tr_dest(c, rd);
        if (a.imm)
            x64_lea_r32_disp(e, h, b.reg, (int32_t)a.val);
        else if (b.imm)
            x64_lea_r32_disp(e, h, a.reg, (int32_t)b.val);
        else
            x64_lea_r32_bisd(e, h, a.reg, b.reg, 0, 0);
    } else if (op == X64_SUB && !nor && b.imm && !a.imm && rd != ra) {
        h = tr_dest(c, rd);
        x64_lea_r32_disp(e, h, a.reg, (int32_t)(0u - b.val));
    } else if (!a.imm && rd == ra) {
        h = tr_dest(c, rd);
        alu_opnd(e, op, h, b);
    } else if (!b.imm && rd == rb && commutative) {
        h = tr_dest(c, rd);
        alu_opnd(e, op, h, a);
    } else if (!b.imm && rd == rb) {
        mov_opnd(e, X64_RAX, a);
        alu_opnd(e, op, X64_RAX, b);
        h = tr_dest(c, rd);
        x64_mov_r32_r32(e, h, X64_RAX);
    } else {
        h = tr_dest(c, rd);
        mov_opnd(e, h, a);
        alu_opnd(e, op, h, b);
    }
    if (nor)
        x64_not_r32(e, h);
    tr_written(c, rd);
}

/* rd = a op b, raising Integer Overflow instead of writing when it overflows (add, sub, addi). */
static void alu3_trap(struct tr_ctx *c, enum x64_alu op, unsigned rd, struct opnd a, struct opnd b)
{
    struct x64_emitter *e = &c->hot;
    if (a.imm && b.imm) {
        int32_t r;
        bool ov = op == X64_ADD ? __builtin_add_overflow((int32_t)a.val, (int32_t)b.val, &r)
                                : __builtin_sub_overflow((int32_t)a.val, (int32_t)b.val, &r);
        if (ov) {
            tr_raise(c, e, EXC_OV);
            return;
        }
        tr_set_const(c, rd, (uint32_t)r);
        return;
    }
    mov_opnd(e, X64_RAX, a);
    alu_opnd(e, op, X64_RAX, b);
    size_t stub = c->cold.len;
    tr_jcc_to(c, e, X64_CC_O, SECT_COLD, stub);
    tr_raise(c, &c->cold, EXC_OV);
    if (rd == 0)
        return;
    int h = tr_dest(c, rd);
    x64_mov_r32_r32(e, h, X64_RAX);
    tr_written(c, rd);
}

/* Emits cmp a, b and returns the condition code for "a < b" (swapping when a is an immediate). */
static enum x64_cc emit_less(struct tr_ctx *c, struct opnd a, struct opnd b, bool is_unsigned)
{
    struct x64_emitter *e = &c->hot;
    if (a.imm) {
        /* a < b  <=>  b > a */
        x64_alu_r32_imm32(e, X64_CMP, b.reg, (int32_t)a.val);
        return is_unsigned ? X64_CC_A : X64_CC_G;
    }
    if (b.imm)
        x64_alu_r32_imm32(e, X64_CMP, a.reg, (int32_t)b.val);
    else
        x64_alu_r32_r32(e, X64_CMP, a.reg, b.reg);
    return is_unsigned ? X64_CC_B : X64_CC_L;
}

static void slt(struct tr_ctx *c, unsigned rd, unsigned rs, unsigned rt, bool has_imm, int32_t imm, bool is_unsigned)
{
    if (rd == 0)
        return;
    struct opnd a = src(c, rs);
    struct opnd b = has_imm ? (struct opnd){.imm = true, .val = (uint32_t)imm} : src(c, rt);
    if (a.imm && b.imm) {
        bool lt = is_unsigned ? a.val < b.val : (int32_t)a.val < (int32_t)b.val;
        tr_set_const(c, rd, lt);
        return;
    }
    enum x64_cc cc = emit_less(c, a, b, is_unsigned);
    struct x64_emitter *e = &c->hot;
    x64_setcc_r8(e, cc, X64_RAX);
    int h = tr_dest(c, rd);
    x64_movzx_r32_r8(e, h, X64_RAX);
    tr_written(c, rd);
    /* Remembered so a following beq/bne on rd can branch on the compare itself. */
    c->cmp = (struct tr_cmp){.valid = true, .rd = (uint8_t)rd, .rs = (uint8_t)rs,
                             .rt = has_imm ? 0xFF : (uint8_t)rt, .imm = imm, .is_unsigned = is_unsigned,
                             .cc = (uint8_t)cc, .hot_end = e->len};
}

static void shift_imm(struct tr_ctx *c, enum x64_shift op, unsigned rd, unsigned rt, unsigned sa)
{
    if (rd == 0)
        return;
    struct opnd b = src(c, rt);
    if (b.imm) {
        uint32_t v = b.val, r;
        switch (op) {
        case X64_SHL: r = v << sa; break;
        case X64_SHR: r = v >> sa; break;
        case X64_SAR: r = (uint32_t)((int32_t)v >> sa); break;
        default: r = sa ? (v >> sa) | (v << (32 - sa)) : v; break;
        }
        tr_set_const(c, rd, r);
        return;
    }
    int h = tr_dest(c, rd);
    if (op == X64_SHL && sa >= 1 && sa <= 3 && h != b.reg) {
        /* sll by 1..3 into another register: one lea (rt + rt, or rt * 4 / 8 with no base) */
        if (sa == 1)
            x64_lea_r32_bisd(&c->hot, h, b.reg, b.reg, 0, 0);
        else
            x64_lea_r32_bisd(&c->hot, h, -1, b.reg, sa, 0);
        tr_written(c, rd);
        return;
    }
    mov_opnd(&c->hot, h, b);
    if (sa)
        x64_shift_r32_imm(&c->hot, op, h, sa);
    tr_written(c, rd);
}

static void shift_var(struct tr_ctx *c, enum x64_shift op, unsigned rd, unsigned rt, unsigned rs)
{
    if (rd == 0)
        return;
    uint32_t s;
    if (tr_is_const(c, rs, &s)) {
        shift_imm(c, op, rd, rt, s & 31);
        return;
    }
    struct x64_emitter *e = &c->hot;
    struct opnd cnt = src(c, rs);
    struct opnd b = src(c, rt);
    x64_mov_r32_r32(e, X64_RCX, cnt.reg); /* x86 masks a 32-bit shift count to 5 bits, as MIPS does */
    mov_opnd(e, X64_RAX, b);
    x64_shift_r32_cl(e, op, X64_RAX);
    int h = tr_dest(c, rd);
    x64_mov_r32_r32(e, h, X64_RAX);
    tr_written(c, rd);
}

static void movzn(struct tr_ctx *c, const struct mips_insn *in, bool on_zero)
{
    unsigned rd = in->rd;
    if (rd == 0)
        return;
    uint32_t t;
    if (tr_is_const(c, in->rt, &t)) {
        if ((t == 0) != on_zero)
            return;
        struct opnd a = src(c, in->rs);
        if (a.imm) {
            tr_set_const(c, rd, a.val);
        } else if (rd != in->rs) {
            int h = tr_dest(c, rd);
            x64_mov_r32_r32(&c->hot, h, a.reg);
            tr_written(c, rd);
        }
        return;
    }
    struct x64_emitter *e = &c->hot;
    struct opnd a = src(c, in->rs);
    int ht = tr_get(c, in->rt);
    tr_get(c, rd); /* the old value stays when the condition fails */
    int h = tr_dest(c, rd);
    int from = a.reg;
    if (a.imm) {
        x64_mov_r32_imm32(e, X64_RAX, a.val);
        from = X64_RAX;
    }
    x64_test_r32_r32(e, ht, ht);
    x64_cmov_r32_r32(e, on_zero ? X64_CC_E : X64_CC_NE, h, from);
    tr_written(c, rd);
}

static void mult(struct tr_ctx *c, const struct mips_insn *in, bool is_signed)
{
    struct x64_emitter *e = &c->hot;
    struct opnd a = src(c, in->rs), b = src(c, in->rt);
    mov_opnd(e, X64_RAX, a);
    int r = b.reg;
    if (b.imm) {
        x64_mov_r32_imm32(e, X64_RCX, b.val);
        r = X64_RCX;
    }
    if (is_signed)
        x64_imul1_r32(e, r);
    else
        x64_mul1_r32(e, r);
    x64_mov_m32_r32(e, X64_R15, VOFF_LO, X64_RAX);
    x64_mov_m32_r32(e, X64_R15, VOFF_HI, X64_RDX);
}

/* madd/maddu/msub/msubu: HI:LO +/-= rs * rt (64-bit). */
static void madd(struct tr_ctx *c, const struct mips_insn *in, bool is_signed, bool sub)
{
    struct x64_emitter *e = &c->hot;
    struct opnd a = src(c, in->rs), b = src(c, in->rt);
    mov_opnd(e, X64_RAX, a);
    mov_opnd(e, X64_RCX, b);
    if (is_signed) {
        x64_movsxd_r64_r32(e, X64_RAX, X64_RAX);
        x64_movsxd_r64_r32(e, X64_RCX, X64_RCX);
    }
    x64_imul_r64_r64(e, X64_RAX, X64_RCX); /* zero-extended operands: the exact unsigned product */
    x64_mov_r32_m32(e, X64_RDX, X64_R15, VOFF_HI);
    x64_shift_r64_imm(e, X64_SHL, X64_RDX, 32);
    x64_mov_r32_m32(e, X64_RCX, X64_R15, VOFF_LO);
    x64_alu_r64_r64(e, X64_OR, X64_RDX, X64_RCX);
    x64_alu_r64_r64(e, sub ? X64_SUB : X64_ADD, X64_RDX, X64_RAX);
    x64_mov_m32_r32(e, X64_R15, VOFF_LO, X64_RDX);
    x64_shift_r64_imm(e, X64_SHR, X64_RDX, 32);
    x64_mov_m32_r32(e, X64_R15, VOFF_HI, X64_RDX);
}

static void mul(struct tr_ctx *c, const struct mips_insn *in)
{
    unsigned rd = in->rd;
    struct opnd a = src(c, in->rs), b = src(c, in->rt);
    if (rd == 0)
        return;
    if (a.imm && b.imm) {
        tr_set_const(c, rd, (uint32_t)((int64_t)(int32_t)a.val * (int32_t)b.val));
        return;
    }
    struct x64_emitter *e = &c->hot;
    if (a.imm) {
        struct opnd t = a;
        a = b;
        b = t;
    }
    /* a is a register now; the low 32 bits of a product do not depend on signedness */
    if (b.imm) {
        x64_mov_r32_imm32(e, X64_RCX, b.val);
        b = (struct opnd){.reg = X64_RCX};
    }
    int h = tr_dest(c, rd);
    if (h == b.reg) {
        x64_imul_r32_r32(e, h, a.reg); /* rd is rt: the product commutes */
    } else {
        if (h != a.reg)
            x64_mov_r32_r32(e, h, a.reg);
        x64_imul_r32_r32(e, h, b.reg);
    }
    tr_written(c, rd);
}

static void clz(struct tr_ctx *c, const struct mips_insn *in, bool ones)
{
    unsigned rd = in->rd;
    if (rd == 0)
        return;
    struct opnd a = src(c, in->rs);
    if (a.imm) {
        uint32_t x = ones ? ~a.val : a.val;
        tr_set_const(c, rd, x ? (uint32_t)__builtin_clz(x) : 32);
        return;
    }
    struct x64_emitter *e = &c->hot;
    x64_mov_r32_r32(e, X64_RCX, a.reg);
    if (ones)
        x64_not_r32(e, X64_RCX);
    if (x64_have_lzcnt()) {
        x64_lzcnt_r32_r32(e, X64_RAX, X64_RCX);
    } else {
        /* clz = 31 - bsr, with bsr of 0 taken as -1 */
        x64_bsr_r32_r32(e, X64_RAX, X64_RCX);
        x64_mov_r32_imm32(e, X64_RDX, 0xFFFFFFFFu);
        x64_cmov_r32_r32(e, X64_CC_E, X64_RAX, X64_RDX);
        x64_neg_r32(e, X64_RAX);
        x64_alu_r32_imm32(e, X64_ADD, X64_RAX, 31);
    }
    int h = tr_dest(c, rd);
    x64_mov_r32_r32(e, h, X64_RAX);
    tr_written(c, rd);
}

static void ext(struct tr_ctx *c, const struct mips_insn *in)
{
    unsigned rt = in->rt;
    if (rt == 0)
        return;
    struct opnd a = src(c, in->rs);
    if (a.imm) {
        tr_set_const(c, rt, interp_ext(a.val, in->pos, in->size));
        return;
    }
    struct x64_emitter *e = &c->hot;
    unsigned size = in->size + 1u;
    int h = tr_dest(c, rt);
    if (h != a.reg)
        x64_mov_r32_r32(e, h, a.reg);
    if (in->pos)
        x64_shift_r32_imm(e, X64_SHR, h, in->pos);
    if (size < 32)
        x64_alu_r32_imm32(e, X64_AND, h, (int32_t)((1u << size) - 1));
    tr_written(c, rt);
}

static void ins(struct tr_ctx *c, const struct mips_insn *in)
{
    unsigned rt = in->rt, lsb = in->pos, msb = in->size;
    if (rt == 0 || msb < lsb)
        return; /* msb < lsb: defined as rt unchanged (dbt/internal.h) */
    unsigned size = msb - lsb + 1;
    uint32_t mask = (uint32_t)(((size >= 32) ? 0xFFFFFFFFull : ((1ull << size) - 1)) << lsb);
    struct opnd a = src(c, in->rs);
    uint32_t old;
    if (a.imm && tr_is_const(c, rt, &old)) {
        tr_set_const(c, rt, interp_ins(old, a.val, lsb, msb));
        return;
    }
    struct x64_emitter *e = &c->hot;
    mov_opnd(e, X64_RAX, a);
    if (lsb)
        x64_shift_r32_imm(e, X64_SHL, X64_RAX, lsb);
    x64_alu_r32_imm32(e, X64_AND, X64_RAX, (int32_t)mask);
    tr_get(c, rt);
    int h = tr_dest(c, rt);
    x64_alu_r32_imm32(e, X64_AND, h, (int32_t)~mask);
    x64_alu_r32_r32(e, X64_OR, h, X64_RAX);
    tr_written(c, rt);
}

/* Unary rd = f(rt) through rax: wsbh, seb, seh. */
static void unary(struct tr_ctx *c, const struct mips_insn *in)
{
    unsigned rd = in->rd;
    if (rd == 0)
        return;
    struct opnd b = src(c, in->rt);
    uint32_t v = b.val;
    if (b.imm) {
        switch (in->op) {
        case MIPS_OP_WSBH: v = ((v & 0x00FF00FFu) << 8) | ((v >> 8) & 0x00FF00FFu); break;
        case MIPS_OP_SEB: v = (uint32_t)(int32_t)(int8_t)v; break;
        default: v = (uint32_t)(int32_t)(int16_t)v; break;
        }
        tr_set_const(c, rd, v);
        return;
    }
    struct x64_emitter *e = &c->hot;
    switch (in->op) {
    case MIPS_OP_WSBH:
        x64_mov_r32_r32(e, X64_RAX, b.reg);
        x64_bswap_r32(e, X64_RAX);
        x64_shift_r32_imm(e, X64_ROL, X64_RAX, 16);
        break;
    case MIPS_OP_SEB: case MIPS_OP_SEH: {
        int h = tr_dest(c, rd);
        if (in->op == MIPS_OP_SEB)
            x64_movsx_r32_r8(e, h, b.reg);
        else
            x64_movsx_r32_r16(e, h, b.reg);
        tr_written(c, rd);
        return;
    }
    default: break;
    }
    int h = tr_dest(c, rd);
    x64_mov_r32_r32(e, h, X64_RAX);
    tr_written(c, rd);
}

/* Trap instructions: the condition as a compare, the trap out of line. */
static void trap(struct tr_ctx *c, const struct mips_insn *in)
{
    struct opnd a = src(c, in->rs);
    bool has_imm = in->op >= MIPS_OP_TGEI && in->op <= MIPS_OP_TNEI;
    struct opnd b = has_imm ? (struct opnd){.imm = true, .val = (uint32_t)in->simm} : src(c, in->rt);
    if (a.imm && b.imm) {
        if (interp_trap_cond(in, a.val, b.val))
            tr_raise(c, &c->hot, EXC_TR);
        return;
    }
    struct x64_emitter *e = &c->hot;
    bool swapped = false;
    if (a.imm) {
        struct opnd t = a;
        a = b;
        b = t;
        swapped = true;
    }
    alu_opnd(e, X64_CMP, a.reg, b);
    enum x64_cc cc;
    switch (in->op) {
    case MIPS_OP_TGE: case MIPS_OP_TGEI: cc = swapped ? X64_CC_LE : X64_CC_GE; break;
    case MIPS_OP_TGEU: case MIPS_OP_TGEIU: cc = swapped ? X64_CC_BE : X64_CC_AE; break;
    case MIPS_OP_TLT: case MIPS_OP_TLTI: cc = swapped ? X64_CC_G : X64_CC_L; break;
    case MIPS_OP_TLTU: case MIPS_OP_TLTIU: cc = swapped ? X64_CC_A : X64_CC_B; break;
    case MIPS_OP_TEQ: case MIPS_OP_TEQI: cc = X64_CC_E; break;
    default: cc = X64_CC_NE; break;
    }
    size_t stub = c->cold.len;
    tr_jcc_to(c, e, cc, SECT_COLD, stub);
    tr_raise(c, &c->cold, EXC_TR);
}

bool tr_alu(struct tr_ctx *c, const struct mips_insn *in)
{
    struct x64_emitter *e = &c->hot;
    unsigned rs = in->rs, rt = in->rt, rd = in->rd;
    struct opnd imm_s = {.imm = true, .val = (uint32_t)in->simm};
    struct opnd imm_u = {.imm = true, .val = in->uimm};
    switch ((enum mips_op)in->op) {
    case MIPS_OP_SLL: shift_imm(c, X64_SHL, rd, rt, in->sa); return true;
    case MIPS_OP_SRL: shift_imm(c, X64_SHR, rd, rt, in->sa); return true;
    case MIPS_OP_SRA: shift_imm(c, X64_SAR, rd, rt, in->sa); return true;
    case MIPS_OP_ROTR: shift_imm(c, X64_ROR, rd, rt, in->sa); return true;
    case MIPS_OP_SLLV: shift_var(c, X64_SHL, rd, rt, rs); return true;
    case MIPS_OP_SRLV: shift_var(c, X64_SHR, rd, rt, rs); return true;
    case MIPS_OP_SRAV: shift_var(c, X64_SAR, rd, rt, rs); return true;
    case MIPS_OP_ROTRV: shift_var(c, X64_ROR, rd, rt, rs); return true;
    case MIPS_OP_SYNC:
        /* vCPUs on two host threads (--smp-threads 2): x86-64 lets a store pass a later load, so
         * sync is an mfence (README "SMP guests", memory order); one thread has nothing to order. */
        if (c->v->vm->smp) {
            x64_byte(&c->hot, 0x0F);
            x64_byte(&c->hot, 0xAE);
            x64_byte(&c->hot, 0xF0);
        }
        return true;
    case MIPS_OP_SSNOP: case MIPS_OP_EHB: case MIPS_OP_PAUSE:
    case MIPS_OP_PREF: case MIPS_OP_SYNCI:
        return true; /* no caches or pipeline to model (devices/malta/README.md §2.3) */

    case MIPS_OP_ADD: alu3_trap(c, X64_ADD, rd, src(c, rs), src(c, rt)); return true;
    case MIPS_OP_SUB: alu3_trap(c, X64_SUB, rd, src(c, rs), src(c, rt)); return true;
    case MIPS_OP_ADDI: alu3_trap(c, X64_ADD, rt, src(c, rs), imm_s); return true;
    case MIPS_OP_ADDU: alu3(c, X64_ADD, false, rd, rs, src(c, rs), rt, src(c, rt), true); return true;
    case MIPS_OP_SUBU: alu3(c, X64_SUB, false, rd, rs, src(c, rs), rt, src(c, rt), false); return true;
    case MIPS_OP_AND: alu3(c, X64_AND, false, rd, rs, src(c, rs), rt, src(c, rt), true); return true;
    case MIPS_OP_OR: alu3(c, X64_OR, false, rd, rs, src(c, rs), rt, src(c, rt), true); return true;
    case MIPS_OP_XOR: alu3(c, X64_XOR, false, rd, rs, src(c, rs), rt, src(c, rt), true); return true;
    case MIPS_OP_NOR: alu3(c, X64_OR, true, rd, rs, src(c, rs), rt, src(c, rt), true); return true;
    case MIPS_OP_ADDIU: alu3(c, X64_ADD, false, rt, rs, src(c, rs), 0, imm_s, true); return true;
    case MIPS_OP_ANDI: alu3(c, X64_AND, false, rt, rs, src(c, rs), 0, imm_u, true); return true;
    case MIPS_OP_ORI: alu3(c, X64_OR, false, rt, rs, src(c, rs), 0, imm_u, true); return true;
    case MIPS_OP_XORI: alu3(c, X64_XOR, false, rt, rs, src(c, rs), 0, imm_u, true); return true;
    case MIPS_OP_LUI: tr_set_const(c, rt, in->uimm << 16); return true;
    case MIPS_OP_SLT: slt(c, rd, rs, rt, false, 0, false); return true;
    case MIPS_OP_SLTU: slt(c, rd, rs, rt, false, 0, true); return true;
    case MIPS_OP_SLTI: slt(c, rt, rs, 0, true, in->simm, false); return true;
    case MIPS_OP_SLTIU: slt(c, rt, rs, 0, true, in->simm, true); return true;
    case MIPS_OP_MOVZ: movzn(c, in, true); return true;
    case MIPS_OP_MOVN: movzn(c, in, false); return true;

    case MIPS_OP_MFHI: case MIPS_OP_MFLO:
        if (rd) {
            int h = tr_dest(c, rd);
            x64_mov_r32_m32(e, h, X64_R15, in->op == MIPS_OP_MFHI ? VOFF_HI : VOFF_LO);
            tr_written(c, rd);
        }
        return true;
    case MIPS_OP_MTHI: case MIPS_OP_MTLO: {
        struct opnd a = src(c, rs);
        int32_t off = in->op == MIPS_OP_MTHI ? VOFF_HI : VOFF_LO;
        if (a.imm)
            x64_mov_m32_imm32(e, X64_R15, off, a.val);
        else
            x64_mov_m32_r32(e, X64_R15, off, a.reg);
        return true;
    }
    case MIPS_OP_MULT: mult(c, in, true); return true;
    case MIPS_OP_MULTU: mult(c, in, false); return true;
    case MIPS_OP_MADD: madd(c, in, true, false); return true;
    case MIPS_OP_MADDU: madd(c, in, false, false); return true;
    case MIPS_OP_MSUB: madd(c, in, true, true); return true;
    case MIPS_OP_MSUBU: madd(c, in, false, true); return true;
    case MIPS_OP_MUL: mul(c, in); return true;
    case MIPS_OP_DIV: case MIPS_OP_DIVU:
        tr_load_scratch(c, e, X64_R11, rs);
        tr_load_scratch(c, e, X64_RDX, rt);
        tr_callout(c, in->op == MIPS_OP_DIV ? (const void *)dbt_h_div : (const void *)dbt_h_divu, false, 0);
        return true;
    case MIPS_OP_CLZ: clz(c, in, false); return true;
    case MIPS_OP_CLO: clz(c, in, true); return true;
    case MIPS_OP_EXT: ext(c, in); return true;
    case MIPS_OP_INS: ins(c, in); return true;
    case MIPS_OP_WSBH: case MIPS_OP_SEB: case MIPS_OP_SEH: unary(c, in); return true;

    case MIPS_OP_TGE: case MIPS_OP_TGEU: case MIPS_OP_TLT: case MIPS_OP_TLTU: case MIPS_OP_TEQ:
    case MIPS_OP_TNE: case MIPS_OP_TGEI: case MIPS_OP_TGEIU: case MIPS_OP_TLTI: case MIPS_OP_TLTIU:
    case MIPS_OP_TEQI: case MIPS_OP_TNEI:
        trap(c, in);
        return true;
    default:
        return false;
    }
}
