/*
 * Translation of branches and jumps with their delay slots.
 *
 * The branch condition is the value of its operands before the delay slot
 * (Vol. II, "Branch delay slot"). When the slot does not write them, the
 * slot is emitted first and the compare after it, directly feeding the
 * jcc; when it does and is plain (no memory access or call), the compare
 * and jcc come first and the slot is emitted on each edge; otherwise the
 * condition (or jr's target) is latched into struct vcpu before the slot. A link register is written before the slot, so the
 * slot sees it (as the interpreter does). Branch-likely evaluates first and
 * runs the slot only on the taken edge.
 *
 * A beq/bne against $zero right after slt/sltu/slti/sltiu of the same
 * register branches on the compare itself (cmp + jcc) rather than testing
 * the 0/1 it produced; the 0/1 is still written, since the register stays
 * architecturally visible.
 *
 * Direct targets leave through chainable exits; jr/jalr probe the jump
 * cache inline and jump straight into the next block on a hit. The FP
 * branches take their condition from a helper (CU1 and the condition code,
 * dbt/fpu.h) and branch on it like a latched condition.
 */
#include <string.h>

#include "dbt/translate.h"

enum cond_kind { C_ALWAYS, C_EQ, C_NE, C_LEZ, C_GTZ, C_LTZ, C_GEZ };

struct branch {
    enum cond_kind kind;
    unsigned rs, rt;
    uint32_t target;
    bool likely, link;
};

static enum x64_cc invert(enum x64_cc cc)
{
    return (enum x64_cc)(cc ^ 1);
}

/* Evaluates the condition at translation time if both operands are known. */
static bool const_cond(struct tr_ctx *c, const struct branch *b, bool *taken)
{
    uint32_t a, t = 0;
    if (b->kind == C_ALWAYS) {
        *taken = true;
        return true;
    }
    if (!tr_is_const(c, b->rs, &a))
        return false;
    if ((b->kind == C_EQ || b->kind == C_NE) && !tr_is_const(c, b->rt, &t))
        return false;
    int32_t s = (int32_t)a;
    switch (b->kind) {
    case C_EQ: *taken = a == t; break;
    case C_NE: *taken = a != t; break;
    case C_LEZ: *taken = s <= 0; break;
    case C_GTZ: *taken = s > 0; break;
    case C_LTZ: *taken = s < 0; break;
    default: *taken = s >= 0; break;
    }
    return true;
}

/* Emits the compare for the condition (operands read now) and returns the "taken" condition code. */
static enum x64_cc emit_cond(struct tr_ctx *c, const struct branch *b, const struct tr_cmp *fuse, bool flags)
{
    struct x64_emitter *e = &c->hot;
    if (fuse && flags) {
        /* the slt's own compare is still in the flags: branch on it with no compare at all */
        enum x64_cc lt = (enum x64_cc)fuse->cc;
        return b->kind == C_NE ? lt : invert(lt);
    }
    if (fuse) {
        /* beq/bne rd, $zero after rd = (x < y): branch on x < y directly */
        uint32_t xv;
        bool ximm = tr_is_const(c, fuse->rs, &xv);
        int hx = ximm ? -1 : tr_get(c, fuse->rs);
        enum x64_cc lt;
        if (fuse->rt == 0xFF) {
            if (ximm) {
                x64_mov_r32_imm32(e, X64_RAX, xv);
                hx = X64_RAX;
            }
            x64_alu_r32_imm32(e, X64_CMP, hx, fuse->imm);
            lt = fuse->is_unsigned ? X64_CC_B : X64_CC_L;
        } else {
            uint32_t yv;
            bool yimm = tr_is_const(c, fuse->rt, &yv);
            int hy = yimm ? -1 : tr_get(c, fuse->rt);
            if (ximm) {
                x64_alu_r32_imm32(e, X64_CMP, hy, (int32_t)xv);
                lt = fuse->is_unsigned ? X64_CC_A : X64_CC_G;
            } else if (yimm) {
                x64_alu_r32_imm32(e, X64_CMP, hx, (int32_t)yv);
                lt = fuse->is_unsigned ? X64_CC_B : X64_CC_L;
            } else {
                x64_alu_r32_r32(e, X64_CMP, hx, hy);
                lt = fuse->is_unsigned ? X64_CC_B : X64_CC_L;
            }
        }
        return b->kind == C_NE ? lt : invert(lt);
    }
    uint32_t av, tv;
    bool aimm = tr_is_const(c, b->rs, &av);
    int ha = aimm ? -1 : tr_get(c, b->rs);
    if (b->kind == C_EQ || b->kind == C_NE) {
        bool timm = tr_is_const(c, b->rt, &tv);
        int ht = timm ? -1 : tr_get(c, b->rt);
        if (aimm) {
            if (av == 0)
                x64_test_r32_r32(e, ht, ht);
            else
                x64_alu_r32_imm32(e, X64_CMP, ht, (int32_t)av);
        } else if (timm) {
            if (tv == 0)
                x64_test_r32_r32(e, ha, ha);
            else
                x64_alu_r32_imm32(e, X64_CMP, ha, (int32_t)tv);
        } else {
            x64_alu_r32_r32(e, X64_CMP, ha, ht);
        }
        return b->kind == C_EQ ? X64_CC_E : X64_CC_NE;
    }
    x64_test_r32_r32(e, ha, ha);
    switch (b->kind) {
    case C_LEZ: return X64_CC_LE;
    case C_GTZ: return X64_CC_G;
    case C_LTZ: return X64_CC_S;
    default: return X64_CC_NS;
    }
}

/* Translates the delay slot (instruction k + 1). */
static void emit_slot(struct tr_ctx *c)
{
    c->k++;
    c->pc += 4;
    c->in_ds = true;
    c->stamp++;
    c->cmp.valid = false;
    tr_insn(c, &c->insn[c->k]);
    /* Back to the branch for its exits (their retired counts are explicit). */
    c->k--;
    c->pc -= 4;
    c->in_ds = false;
}

struct rc_snapshot {
    struct tr_greg g[32];
    int8_t owner[16];
};

/* After the compare (cc: taken): the taken edge inline behind a jcc on its negation, the slot and
 * then the loop's back edge or the exit to the target; the register cache comes back as it was
 * before the slot, for the other edge. */
static void taken_edge(struct tr_ctx *c, const struct branch *b, enum x64_cc cc, bool loop, uint32_t retired)
{
    struct x64_emitter *e = &c->hot;
    size_t nt = x64_jcc_rel32(e, invert(cc), 0);
    struct rc_snapshot snap;
    memcpy(snap.g, c->g, sizeof(c->g));
    memcpy(snap.owner, c->owner, sizeof(c->owner));
    emit_slot(c);
    if (!c->ended) {
        if (loop)
            tr_loop_back(c);
        else
            tr_exit_static(c, b->target, retired);
    }
    x64_patch_rel32(e, nt, e->len);
    memcpy(c->g, snap.g, sizeof(c->g));
    memcpy(c->owner, snap.owner, sizeof(c->owner));
    c->ended = false;
}

static void conditional(struct tr_ctx *c, const struct branch *b)
{
    struct x64_emitter *e = &c->hot;
    const struct mips_insn *slot = &c->insn[c->k + 1];
    uint32_t fall = c->pc + 8;
    uint32_t retired = c->k + 2; /* the branch and its slot */
    /* The block goes on at fall (dbt/translate.c): the taken edge becomes a side exit that writes
     * the state back out of line, the fall-through path keeps every register where it is. */
    bool side = c->k + 2 < c->n;
    uint32_t slot_writes = tr_insn_writes(slot);
    struct tr_cmp prev = c->cmp;
    /* nothing emitted since the slt: its flags are live until this branch emits an instruction
     * other than a move */
    bool flags_live = prev.valid && prev.hot_end == c->hot.len;
    const struct tr_cmp *fuse = NULL;
    if (prev.valid && prev.rd == b->rs && b->rt == 0 && (b->kind == C_EQ || b->kind == C_NE) &&
        prev.rd != prev.rs && prev.rd != prev.rt) {
        uint32_t srcs = (1u << prev.rs) | (prev.rt != 0xFF ? 1u << prev.rt : 0);
        if (!(slot_writes & (srcs | (1u << prev.rd))))
            fuse = &prev;
    }
    if (b->link)
        tr_set_const(c, 31, c->pc + 8); /* written whether taken or not, before the slot */

    bool taken;
    if (const_cond(c, b, &taken)) {
        if (!taken && b->likely) {
            tr_exit_static(c, fall, retired - 1);
            return;
        }
        emit_slot(c);
        if (c->ended)
            return;
        if (taken && !side && tr_loops_to(c, b->target)) {
            tr_loop_back(c);
            c->ended = true;
        } else if (!taken && side) {
            return; /* straight on */
        } else {
            tr_exit_static(c, taken ? b->target : fall, retired);
        }
        return;
    }

    uint32_t operands = (1u << b->rs) | (1u << b->rt);
    bool latch = (slot_writes & operands & ~1u) != 0;
    /* A loop's back edge keeps the registers where they are: no write-back before the compare (the
     * exit edge writes back on its own path). */
    /* Only the final branch is a loop's back edge: a side exit back to the start retires part of
     * the block and leaves through an ordinary exit. */
    bool loop = !side && tr_loops_to(c, b->target);
    if (b->likely) {
        if (!loop)
            tr_writeback(c, e, true);
        enum x64_cc cc = emit_cond(c, b, fuse, false);
        taken_edge(c, b, cc, loop, retired);
        tr_exit_static(c, fall, retired - 1);
        return;
    }
    enum x64_cc cc;
    bool fused_flags = false;
    if (latch && prev.valid && prev.rd == b->rs && b->rt == 0 && (b->kind == C_EQ || b->kind == C_NE)) {
        /* The compare comes before the slot, so a fused slt may feed it whatever the slot writes, and
         * when the slt was the instruction just before, its flags do (the write-back between is moves
         * alone), even if it overwrote one of its sources. */
        if (flags_live) {
            fuse = &prev;
            fused_flags = true;
        } else if (prev.rd != prev.rs && prev.rd != prev.rt) {
            fuse = &prev;
        }
    }
    if (latch && !side && tr_slot_plain(slot, c->flags)) {
        /* The slot writes an operand, is plain and the block ends here: branch on the compare before
         * the slot, the slot then emitted on each edge (as a likely branch's), rather than the
         * condition latched in memory and tested again after the slot. (A side exit keeps its taken
         * edge out of the hot path: the latch below.) */
        if (!loop)
            tr_writeback(c, e, true);
        cc = emit_cond(c, b, fuse, fused_flags);
        taken_edge(c, b, cc, loop, retired);
        emit_slot(c);
        if (!c->ended)
            tr_exit_static(c, fall, retired);
        return;
    }
    if (latch) {
        /* the condition as one byte of latch 0, set and tested here alone */
        cc = emit_cond(c, b, fuse, fused_flags);
        x64_setcc_m8(e, cc, X64_R15, VOFF_LATCH(0));
        emit_slot(c);
        if (c->ended)
            return;
        if (!loop && !side)
            tr_writeback(c, e, true);
        x64_cmp_m8_imm8(e, X64_R15, VOFF_LATCH(0), 0);
        cc = X64_CC_NE;
    } else {
        emit_slot(c);
        if (c->ended)
            return;
        if (!loop && !side)
            tr_writeback(c, e, true);
        cc = emit_cond(c, b, fuse, false);
    }
    if (side) {
        tr_side_exit(c, cc, b->target, retired);
        return;
    }
    if (loop) {
        if (tr_loop_in_place(c)) {
            tr_jcc_to(c, e, cc, SECT_HOT, c->loop_head);
        } else {
            size_t nt = x64_jcc_rel32(e, invert(cc), 0);
            tr_loop_back(c);
            x64_patch_rel32(e, nt, e->len);
        }
        tr_exit_static(c, fall, retired);
        return;
    }
    size_t tk = x64_jcc_rel32(e, cc, 0);
    tr_exit_static(c, fall, retired);
    x64_patch_rel32(e, tk, e->len);
    c->ended = false;
    tr_exit_static(c, b->target, retired);
}

/* The branch whose condition is already in latch 0 (nonzero = taken): slot, then the two exits. */
static void latched(struct tr_ctx *c, uint32_t target, bool likely)
{
    struct x64_emitter *e = &c->hot;
    uint32_t fall = c->pc + 8;
    if (likely) {
        tr_writeback(c, e, true);
        x64_alu_m32_imm32(e, X64_CMP, X64_R15, VOFF_LATCH(0), 0);
        size_t nt = x64_jcc_rel32(e, X64_CC_E, 0);
        struct rc_snapshot snap;
        memcpy(snap.g, c->g, sizeof(c->g));
        memcpy(snap.owner, c->owner, sizeof(c->owner));
        emit_slot(c);
        if (!c->ended)
            tr_exit_static(c, target, c->n);
        x64_patch_rel32(e, nt, e->len);
        memcpy(c->g, snap.g, sizeof(c->g));
        memcpy(c->owner, snap.owner, sizeof(c->owner));
        c->ended = false;
        tr_exit_static(c, fall, c->n - 1);
        return;
    }
    emit_slot(c);
    if (c->ended)
        return;
    tr_writeback(c, e, true);
    x64_alu_m32_imm32(e, X64_CMP, X64_R15, VOFF_LATCH(0), 0);
    size_t tk = x64_jcc_rel32(e, X64_CC_NE, 0);
    tr_exit_static(c, fall, c->n);
    x64_patch_rel32(e, tk, e->len);
    c->ended = false;
    tr_exit_static(c, target, c->n);
}

/* bc1f/bc1t(l): CU1 and the FP condition code through a helper before the slot (dbt/fpu.h). */
static void fp_branch(struct tr_ctx *c, const struct mips_insn *in)
{
    struct x64_emitter *e = &c->hot;
    bool want = in->op == MIPS_OP_BC1T || in->op == MIPS_OP_BC1TL;
    x64_mov_r32_imm32(e, X64_R11, (uint32_t)in->fcc | (want ? 1u << 8 : 0));
    tr_callout(c, (const void *)dbt_h_fpcond, true, 0);
    x64_mov_m32_r32(e, X64_R15, VOFF_LATCH(0), X64_RAX);
    latched(c, c->pc + 4 + ((uint32_t)in->simm << 2), (in->flags & MIPS_F_LIKELY) != 0);
}

/* The inline jump-cache probe for a target PC in eax, into e: on a hit it jumps to the block;
 * on a miss it falls through (rax, rcx, rdx, r11 clobbered). */
static void emit_jc_probe(struct tr_ctx *c, struct x64_emitter *e)
{
    /* idx * 32 of tb_jc_hash(pc) = ((pc >> 4) & 0x3F00 | ((pc >> 2) ^ (pc >> 10)) & 0xFF) << 5
     * = (pc << 1) & 0x7E000 | ((pc << 3) ^ (pc >> 5)) & 0x1FE0; rotates (BMI2 rorx, no copy
     * needed) do as well as the shifts, every bit they wrap around being masked off */
    _Static_assert(TB_JC_PAGE_BITS == 6 && TB_JC_SUB_BITS == 8 && sizeof(struct tb_jc_entry) == 32,
                   "the inline jump-cache hash below");
    if (x64_have_bmi2()) {
        x64_rorx_r32_r32_imm(e, X64_RCX, X64_RAX, 31);
        x64_alu_r32_imm32(e, X64_AND, X64_RCX, 0x7E000);
        x64_rorx_r32_r32_imm(e, X64_RDX, X64_RAX, 29);
        x64_rorx_r32_r32_imm(e, X64_R11, X64_RAX, 5);
    } else {
        x64_lea_r32_bisd(e, X64_RCX, X64_RAX, X64_RAX, 0, 0);
        x64_alu_r32_imm32(e, X64_AND, X64_RCX, 0x7E000);
        x64_lea_r32_bisd(e, X64_RDX, -1, X64_RAX, 3, 0);
        x64_mov_r32_r32(e, X64_R11, X64_RAX);
        x64_shift_r32_imm(e, X64_SHR, X64_R11, 5);
    }
    x64_alu_r32_r32(e, X64_XOR, X64_RDX, X64_R11);
    x64_alu_r32_imm32(e, X64_AND, X64_RDX, 0x1FE0);
    x64_alu_r32_r32(e, X64_OR, X64_RCX, X64_RDX);
    unsigned mode = c->flags & TB_F_MODE_MASK;
    uint32_t flags = c->flags & ~TB_F_DS; /* a delay-slot block goes on to an ordinary one */
    if (mode == MMU_USER || mode == MMU_SUPERVISOR) {
        /* Every PC user or supervisor code can fetch is mapped: the key holds the ASID. */
        x64_movzx_r32_m8(e, X64_RDX, X64_R15, VOFF_CP0(entryhi));
        x64_shift_r64_imm(e, X64_SHL, X64_RDX, 32 + TB_JC_ASID_SHIFT);
        x64_mov_r64_imm64(e, X64_R11, (uint64_t)(flags | TB_JC_ASID_TAG) << 32);
        x64_alu_r64_r64(e, X64_OR, X64_RDX, X64_R11);
    } else {
        /* Kernel code: the unmapped key, so only kseg0/kseg1 targets can hit; a mapped one
         * (kseg2) goes back to the run loop. */
        x64_mov_r64_imm64(e, X64_RDX, (uint64_t)flags << 32);
    }
    x64_alu_r64_r64(e, X64_OR, X64_RDX, X64_RAX);
    x64_alu_r64_mbi(e, X64_CMP, X64_RDX, X64_R15, X64_RCX, VOFF_JC);
    size_t miss = x64_jcc_rel32(e, X64_CC_NE, 0);
    tr_prof_count(c, e, VOFF_PROF(jc_inline_hits[(c->flags & TB_F_KERNEL) != 0]));
    x64_jmp_m64_bi(e, X64_R15, X64_RCX, VOFF_JC + (int32_t)offsetof(struct tb_jc_entry, code));
    x64_patch_rel32(e, miss, e->len);
}

/*
 * A kernel block's jr/jalr with the target PC in eax (stored in struct vcpu): an inline cache, a
 * chain guarded by the one PC it was chained for (cache/cache.h, struct tb's ic_* fields). The
 * idle kernel's timer tick makes ~100 indirect jumps, 82% of them to the one target their site
 * reaches most; a jump-cache probe loads an entry of a 512 KiB table that is cold by the next
 * tick, where the guard is an immediate in code the host fetches anyway. Only kseg0/kseg1 blocks
 * and targets chain (as direct exits: exec.c's may_chain), so no ASID is involved.
 */
static void emit_inline_cache(struct tr_ctx *c, struct x64_emitter *e)
{
    struct x64_emitter *ce = &c->cold;
    unsigned n = c->n_exits++;
    struct tb *tb = c->tb;
    x64_byte(e, 0x3D); /* cmp eax, imm32 (Intel SDM Vol. 2, CMP: 3D id) */
    tb->ic_imm_ofs = (uint32_t)e->len;
    x64_u32(e, TB_IC_TARGET);
    /* jne rel32 with the field 4-byte aligned (one atomic store patches it), CS prefixes as padding */
    while ((e->len + 2) % 4)
        x64_byte(e, 0x2E);
    size_t miss = x64_jcc_rel32(e, X64_CC_NE, 0);
    size_t request = ce->len;
    tr_fixup(c, e, miss, SECT_COLD, request);
    tb->ic_miss_ofs = (uint32_t)miss;
    tr_prof_count(c, e, VOFF_PROF(ic_hits[(c->flags & TB_F_KERNEL) != 0]));
    size_t at = x64_jmp_rel32_aligned(e);
    tr_fixup(c, e, at, SECT_COLD, request);
    tb->jmp_patch_ofs[n] = (uint32_t)at;
    tb->jmp_reset_ofs[n] = (uint32_t)request; /* made absolute (cold base added) at layout */
    c->exit_sect[n] = SECT_HOT;
    tb->jmp_target[n] = TB_IC_TARGET;
    tb->ic_exit = (uint8_t)n;
    /* the chain request: the run loop chains the guard and the jmp to the block it finds */
    x64_mov_r64_imm64(ce, X64_RAX, (uint64_t)(uintptr_t)tb | n);
    tr_exit_jmp(c, ce);
    /* another target once the site is set: the jump cache, then the run loop */
    tb->ic_probe_ofs = (uint32_t)ce->len;
    emit_jc_probe(c, ce);
    x64_mov_r32_imm32(ce, X64_RAX, DBT_RET_PLAIN);
    tr_exit_jmp(c, ce);
}

/* jr/jalr: the target from a register, through an inline cache or the jump cache. */
static void indirect(struct tr_ctx *c, const struct mips_insn *in)
{
    struct x64_emitter *e = &c->hot;
    const struct mips_insn *slot = &c->insn[c->k + 1];
    unsigned rs = in->rs;
    bool link = in->op == MIPS_OP_JALR || in->op == MIPS_OP_JALR_HB;
    unsigned rd = link ? in->rd : 0;
    uint32_t tval;
    bool timm = tr_is_const(c, rs, &tval);
    bool latch = !timm && ((tr_insn_writes(slot) & (1u << rs)) || (rd && rd == rs));
    if (latch) {
        tr_load_scratch(c, e, X64_RAX, rs);
        x64_mov_m32_r32(e, X64_R15, VOFF_LATCH(1), X64_RAX);
    }
    if (rd)
        tr_set_const(c, rd, c->pc + 8);
    emit_slot(c);
    if (c->ended)
        return;
    if (timm) {
        tr_exit_static(c, tval, c->n);
        return;
    }
    tr_writeback(c, e, true);
    if (latch)
        x64_mov_r32_m32(e, X64_RAX, X64_R15, VOFF_LATCH(1));
    else
        tr_load_scratch(c, e, X64_RAX, rs);
    x64_mov_m32_r32(e, X64_R15, VOFF_PC, X64_RAX);
    unsigned mode = c->flags & TB_F_MODE_MASK;
    bool unmapped = c->tb->pc >= 0x80000000u && c->tb->pc < 0xC0000000u;
    if (c->chain && (mode == MMU_KERNEL || mode == MMU_KERNEL_ERL) && unmapped && c->n_exits < TB_MAX_EXITS) {
        emit_inline_cache(c, e);
        c->ended = true;
        return;
    }
    if (c->chain)
        emit_jc_probe(c, e);
    x64_mov_r32_imm32(e, X64_RAX, DBT_RET_PLAIN);
    tr_exit_jmp(c, e);
    c->ended = true;
}

/* The condition, target and link of a direct branch; false for jr/jalr and the FP branches. */
static bool direct_branch(const struct tr_ctx *c, const struct mips_insn *in, struct branch *out)
{
    struct branch b = {.rs = in->rs, .rt = in->rt, .likely = (in->flags & MIPS_F_LIKELY) != 0,
                       .target = c->pc + 4 + ((uint32_t)in->simm << 2)};
    switch ((enum mips_op)in->op) {
    case MIPS_OP_J: case MIPS_OP_JAL:
        b.kind = C_ALWAYS;
        b.target = ((c->pc + 4) & 0xF0000000u) | in->target;
        b.link = in->op == MIPS_OP_JAL;
        break;
    case MIPS_OP_BEQ: case MIPS_OP_BEQL: b.kind = C_EQ; break;
    case MIPS_OP_BNE: case MIPS_OP_BNEL: b.kind = C_NE; break;
    case MIPS_OP_BLEZ: case MIPS_OP_BLEZL: b.kind = C_LEZ; break;
    case MIPS_OP_BGTZ: case MIPS_OP_BGTZL: b.kind = C_GTZ; break;
    case MIPS_OP_BLTZ: case MIPS_OP_BLTZL: b.kind = C_LTZ; break;
    case MIPS_OP_BGEZ: case MIPS_OP_BGEZL: b.kind = C_GEZ; break;
    case MIPS_OP_BLTZAL: case MIPS_OP_BLTZALL: b.kind = C_LTZ; b.link = true; break;
    case MIPS_OP_BGEZAL: case MIPS_OP_BGEZALL: b.kind = C_GEZ; b.link = true; break;
    default:
        return false;
    }
    if (b.kind != C_EQ && b.kind != C_NE)
        b.rt = 0;
    *out = b;
    return true;
}

bool tr_branch(struct tr_ctx *c, const struct mips_insn *in)
{
    struct branch b;
    c->cmp.valid = c->cmp.valid && c->k > 0;
    switch ((enum mips_op)in->op) {
    case MIPS_OP_JR: case MIPS_OP_JR_HB: case MIPS_OP_JALR: case MIPS_OP_JALR_HB:
        indirect(c, in);
        return true;
    case MIPS_OP_BC1F: case MIPS_OP_BC1T: case MIPS_OP_BC1FL: case MIPS_OP_BC1TL:
        fp_branch(c, in);
        return true;
    default:
        break;
    }
    if (!direct_branch(c, in, &b))
        return false;
    if (b.link && b.rs == 31 && b.kind != C_ALWAYS) {
        /* bltzal ra: the condition reads ra before the link overwrites it */
        struct x64_emitter *e = &c->hot;
        int h = tr_get(c, 31);
        x64_test_r32_r32(e, h, h);
        x64_setcc_r8(e, b.kind == C_LTZ ? X64_CC_S : X64_CC_NS, X64_RAX);
        x64_movzx_r32_r8(e, X64_RAX, X64_RAX);
        x64_mov_m32_r32(e, X64_R15, VOFF_LATCH(0), X64_RAX);
        tr_set_const(c, 31, c->pc + 8);
        latched(c, b.target, b.likely);
        return true;
    }
    conditional(c, &b);
    return true;
}

/*
 * A branch in the last word of a page, its delay slot on the next page (dbt/translate.c): the
 * branch retires here, its link written and its destination decided (the operands read before
 * the link, as always), and the block leaves with the interpreter's delay-slot state: pc at the
 * slot, in_ds set, ds_target the destination. The run loop then looks the slot up as a delay-slot
 * block (TB_F_DS) of the next page's own translation, which that page's code tracking guards, so
 * a remapped or rewritten next page is seen as for any block. A likely branch not taken skips its
 * slot: a chainable exit past it.
 */
static void split_leave(struct tr_ctx *c)
{
    struct x64_emitter *e = &c->hot;
    x64_mov_m32_imm32(e, X64_R15, VOFF_PC, c->pc + 4);
    x64_mov_m32_imm32(e, X64_R15, VOFF_IN_DS, 1);
    x64_mov_r32_imm32(e, X64_RAX, DBT_RET_PLAIN);
    tr_exit_jmp(c, e);
    c->ended = true;
}

void tr_branch_split(struct tr_ctx *c, const struct mips_insn *in)
{
    struct x64_emitter *e = &c->hot;
    uint32_t fall = c->pc + 8;
    c->cmp.valid = false;
    struct branch b;
    if (!direct_branch(c, in, &b)) {
        /* jr/jalr (split_ok keeps the FP branches out): the target read before the link */
        unsigned rd = (in->op == MIPS_OP_JALR || in->op == MIPS_OP_JALR_HB) ? in->rd : 0;
        tr_load_scratch(c, e, X64_RAX, in->rs);
        if (rd)
            tr_set_const(c, rd, fall);
        tr_writeback(c, e, true);
        x64_mov_m32_r32(e, X64_R15, VOFF_DS_TARGET, X64_RAX);
        split_leave(c);
        return;
    }
    bool taken;
    if (const_cond(c, &b, &taken)) {
        if (b.link)
            tr_set_const(c, 31, fall);
        if (!taken && b.likely) {
            tr_exit_static(c, fall, c->n);
            return;
        }
        tr_writeback(c, e, true);
        x64_mov_m32_imm32(e, X64_R15, VOFF_DS_TARGET, taken ? b.target : fall);
        split_leave(c);
        return;
    }
    /* the condition into al before anything else can touch the flags (a zero immediate is an xor) */
    enum x64_cc cc = emit_cond(c, &b, NULL, false);
    x64_setcc_r8(e, cc, X64_RAX);
    x64_movzx_r32_r8(e, X64_RAX, X64_RAX);
    if (b.link)
        tr_set_const(c, 31, fall);
    tr_writeback(c, e, true);
    if (b.likely) {
        x64_test_r32_r32(e, X64_RAX, X64_RAX);
        size_t tk = x64_jcc_rel32(e, X64_CC_NE, 0);
        tr_exit_static(c, fall, c->n);
        x64_patch_rel32(e, tk, e->len);
        c->ended = false;
        x64_mov_m32_imm32(e, X64_R15, VOFF_DS_TARGET, b.target);
        split_leave(c);
        return;
    }
    /* ds_target = taken ? target : fall, without a branch: fall + (-taken & (target - fall)) */
    x64_neg_r32(e, X64_RAX);
    x64_alu_r32_imm32(e, X64_AND, X64_RAX, (int32_t)(b.target - fall));
    x64_alu_r32_imm32(e, X64_ADD, X64_RAX, (int32_t)fall);
    x64_mov_m32_r32(e, X64_R15, VOFF_DS_TARGET, X64_RAX);
    split_leave(c);
}

void tr_ds_exit(struct tr_ctx *c)
{
    struct x64_emitter *e = &c->hot;
    tr_writeback(c, e, true);
    x64_mov_r32_m32(e, X64_RAX, X64_R15, VOFF_DS_TARGET);
    x64_mov_m32_r32(e, X64_R15, VOFF_PC, X64_RAX);
    x64_mov_m32_imm32(e, X64_R15, VOFF_IN_DS, 0);
    if (c->chain)
        emit_jc_probe(c, e);
    x64_mov_r32_imm32(e, X64_RAX, DBT_RET_PLAIN);
    tr_exit_jmp(c, e);
    c->ended = true;
}
