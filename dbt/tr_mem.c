/*
 * Translation of loads and stores: the inline software-TLB probe (one
 * compare of the page tag, one add of the host addend) on the hot path,
 * and an out-of-line slow path that calls a stub shared by every site
 * (dbt/tr_stubs.c), which calls the shared slow path (shadow-mmu/memory.c)
 * through a helper that writes the register state back and records the
 * exact PC/BD and instruction count. The probe is emitted in one
 * place, emit_probe(), after dynamips' mips64_emit_memop_fast64 and QEMU's
 * prepare_host_addr: the tag compared is va & (page mask | (size - 1)), so
 * a misaligned access, an empty entry and every flagged page (MMIO, code,
 * copy-on-write) all miss with the same single compare.
 *
 * The partial-word accesses (lwl/lwr/swl/swr) probe inline too and merge with
 * a double shift; the linked ones (ll/sc) are rarer and go straight to
 * helpers that share the interpreter's definitions.
 */
#include "dbt/translate.h"

/* Leaves va in eax and, on a hit, host address in rax; jumps to the returned cold offset on a miss. */
/* The base operand: a host register (fetched before the destination is allocated), or a constant. */
struct base_opnd {
    bool imm;
    uint32_t val;
    int reg;
};

static struct base_opnd get_base(struct tr_ctx *c, unsigned base)
{
    struct base_opnd b = {0};
    if (tr_is_const(c, base, &b.val))
        b.imm = true;
    else
        b.reg = tr_get(c, base);
    return b;
}

size_t tr_emit_stlb_probe(struct x64_emitter *e, unsigned mode, unsigned size, bool store, bool count)
{
    int32_t ent = VOFF_STLB(mode);
    int32_t tag = store ? (int32_t)offsetof(struct stlb_entry, tag_write) : (int32_t)offsetof(struct stlb_entry, tag_read);
    /* rcx = index * 32 = (va >> 12 & (STLB_SIZE - 1)) << 5; a rotate does as well as the shift
     * (the bits it wraps around are masked off) and with BMI2 needs no copy first */
    if (x64_have_bmi2()) {
        x64_rorx_r32_r32_imm(e, X64_RCX, X64_RAX, STLB_PAGE_BITS - 5);
    } else {
        x64_mov_r32_r32(e, X64_RCX, X64_RAX);
        x64_shift_r32_imm(e, X64_SHR, X64_RCX, STLB_PAGE_BITS - 5);
    }
    x64_alu_r32_imm32(e, X64_AND, X64_RCX, (int32_t)((STLB_SIZE - 1) << 5));
    x64_mov_r32_r32(e, X64_RDX, X64_RAX);
    x64_alu_r32_imm32(e, X64_AND, X64_RDX, (int32_t)(uint32_t)(STLB_PAGE_MASK | (size - 1)));
    x64_alu_r64_mbi(e, X64_CMP, X64_RDX, X64_R15, X64_RCX, ent + tag);
    size_t miss = x64_jcc_rel32(e, X64_CC_NE, 0);
    x64_alu_r64_mbi(e, X64_ADD, X64_RAX, X64_R15, X64_RCX, ent + (int32_t)offsetof(struct stlb_entry, addend));
    /* NUMA counting: one add to the entry's counter (same index); only in counting blocks */
    if (count)
        x64_alu_m64bi_imm8(e, X64_ADD, X64_R15, X64_RCX, VOFF_STLB_CNT(mode, store ? MMU_STORE : MMU_LOAD), 1);
    return miss;
}

/* With va in eax: the one-compare probe into e for the block's mode; returns the miss jne's rel32
 * field (in e). On a hit it falls through with the host address in rax. */
static size_t emit_probe_va(struct tr_ctx *c, struct x64_emitter *e, unsigned size, bool store)
{
    return tr_emit_stlb_probe(e, c->flags & TB_F_MODE_MASK, size, store, (c->flags & TB_F_COUNT) != 0);
}

static size_t emit_probe(struct tr_ctx *c, struct base_opnd b, int32_t simm, unsigned size, bool store)
{
    struct x64_emitter *e = &c->hot;
    if (b.imm) {
        x64_mov_r32_imm32(e, X64_RAX, b.val + (uint32_t)simm);
    } else if (simm) {
        x64_lea_r32_disp(e, X64_RAX, b.reg, simm);
    } else {
        x64_mov_r32_r32(e, X64_RAX, b.reg);
    }
    size_t cold = c->cold.len;
    size_t miss = emit_probe_va(c, e, size, store);
    tr_fixup(c, e, miss, SECT_COLD, cold);
    return cold;
}

static void emit_host_load(struct x64_emitter *e, unsigned op, int hd)
{
    switch (op) {
    case MIPS_OP_LB: x64_movsx_r32_m8bi(e, hd, X64_RAX, -1); break;
    case MIPS_OP_LBU: x64_movzx_r32_m8bi(e, hd, X64_RAX, -1); break;
    case MIPS_OP_LH: x64_movsx_r32_m16bi(e, hd, X64_RAX, -1); break;
    case MIPS_OP_LHU: x64_movzx_r32_m16bi(e, hd, X64_RAX, -1); break;
    default: x64_mov_r32_mbi(e, hd, X64_RAX, -1, 0); break;
    }
}

/* The slow path, in cold code with va in eax: a call of the shared stub (dbt/tr_stubs.c), the jump
 * back to the hot path at join, and the site's record (translate.h TR_SLOW_REC_*), the write-back
 * included (the hot path keeps its registers dirty); the helper syncs icount, the budget, pc and
 * in_ds from it, and the stub leaves the block when it must, or comes back with every host register
 * as it was but a load's destination. dest: a load's destination register (0: none); reg: the host
 * register of a store's value or a load's destination (-1: none; a store's constant val_imm). */
static void emit_slow_path(struct tr_ctx *c, enum tr_stub stub, uint32_t op, unsigned dest, int reg,
                           uint32_t val_imm, size_t join)
{
    struct x64_emitter *ce = &c->cold;
    uint64_t map = tr_writeback_map(c, ce);
    _Static_assert(TR_MAX_INSNS < 256, "the instruction count fits its 8 bits of the argument");
    _Static_assert(MIPS_OP_COUNT <= DBT_SLOW_OP_MASK + 1, "an op fits its bits of the argument");
    _Static_assert(TR_WB_MAP_BITS * TR_NHOST <= TR_SLOW_REG_SHIFT && TR_SLOW_REG_SHIFT + 4 <= 8 * TR_SLOW_MAP_BYTES &&
                       TR_NHOST < TR_SLOW_REG_IMM, "the host register's index fits above the map");
    op |= (c->n - c->k) << DBT_SLOW_REM_SHIFT | dest << DBT_SLOW_DEST_SHIFT;
    if (c->in_ds)
        op |= DBT_SLOW_DS;
    else if (c->k + 1 < c->n)
        op |= DBT_SLOW_CHECK;
    int slot = reg >= 0 ? tr_host_slot(reg) : -1;
    uint64_t which = reg == X64_R11 ? TR_SLOW_REG_IMM : slot >= 0 ? (uint64_t)slot : TR_SLOW_REG_NONE;
    if (reg >= 0 && reg != X64_R11 && slot < 0)
        c->failed = true; /* not a register of the cache: cannot happen, never emit a wrong record */
    size_t at = x64_call_rel32_field(ce);
    tr_fixup(c, ce, at, SECT_ABS, (uint64_t)(uintptr_t)c->tc->stub[stub]);
    tr_jmp_to(c, ce, SECT_HOT, join);
    x64_u32(ce, op);
    x64_u32(ce, c->pc);
    uint64_t word = map | which << TR_SLOW_REG_SHIFT;
    for (unsigned i = 0; i < TR_SLOW_MAP_BYTES; i++)
        x64_byte(ce, (uint8_t)(word >> (8 * i)));
    if (which == TR_SLOW_REG_IMM)
        x64_u32(ce, val_imm);
}

/*
 * Kernel loads in kseg0 RAM skip the software TLB: kseg0 is a fixed window onto physical memory
 * (PRA 4.3), so host = view + (va ^ 0x80000000), view being the pmap's RAM view, whose pages
 * show whatever machine page the pmap maps (a remap changes what a page shows, never where it
 * is), at a fixed distance from the vCPU (r15) or read from it. Rotating the offset right by
 * log2(size) moves a misaligned address's low bits to the top, so one unsigned compare checks
 * both the window and the alignment, and the rotated value indexes the view with the access size
 * as scale.
 */
static void load_kseg0(struct tr_ctx *c, const struct mips_insn *in, unsigned size, struct base_opnd b, int hd)
{
    struct x64_emitter *e = &c->hot;
    unsigned k = size == 4 ? 2 : size == 2 ? 1 : 0;
    /* va ^ 0x80000000 = va + 0x80000000 in 32 bits: folded into the address computation */
    if (b.imm)
        x64_mov_r32_imm32(e, X64_RAX, (b.val + (uint32_t)in->simm) ^ 0x80000000u);
    else
        x64_lea_r32_disp(e, X64_RAX, b.reg, (int32_t)((uint32_t)in->simm + 0x80000000u));
    if (k)
        x64_shift_r32_imm(e, X64_ROR, X64_RAX, k);
    x64_alu_r32_imm32(e, X64_CMP, X64_RAX, (int32_t)(c->kseg0_window >> k));
    size_t cold = c->cold.len;
    tr_jcc_to(c, e, X64_CC_AE, SECT_COLD, cold);
    enum x64_load kind;
    switch (in->op) {
    case MIPS_OP_LB: kind = X64_LDSX8; break;
    case MIPS_OP_LBU: kind = X64_LDZX8; break;
    case MIPS_OP_LH: kind = X64_LDSX16; break;
    case MIPS_OP_LHU: kind = X64_LDZX16; break;
    default: kind = X64_LD32; break;
    }
    if (c->kseg0_disp) {
        /* the view at a fixed distance from the vCPU: one access, as cheap as an absolute window */
        x64_load_bis(e, kind, hd, X64_R15, X64_RAX, k, c->kseg0_disp);
    } else {
        x64_mov_r64_m64(e, X64_RDX, X64_R15, VOFF_KSEG0_VIEW);
        x64_load_bis(e, kind, hd, X64_RDX, X64_RAX, k, 0);
    }
    size_t join = e->len;
    /* Outside the window (kseg2, kuseg, kseg1): the address back, then the software TLB, out of line
     * through the probe shared by every such site (dbt/tr_stubs.c): a call and a jne, 7 bytes of cold
     * code instead of 42 for a probe of its own, and a kernel block has as many loads as a fifth of its
     * instructions. A miss leaves eax = va for the slow call that follows. */
    struct x64_emitter *ce = &c->cold;
    if (k)
        x64_shift_r32_imm(ce, X64_ROL, X64_RAX, k);
    x64_alu_r32_imm32(ce, X64_XOR, X64_RAX, (int32_t)0x80000000u);
    unsigned mode = c->flags & TB_F_MODE_MASK;
    if (mode > MMU_KERNEL_ERL)
        c->failed = true; /* the window is a kernel block's (translate.c): never call a stub not made */
    size_t at = x64_call_rel32_field(ce);
    tr_fixup(c, ce, at, SECT_ABS, (uint64_t)(uintptr_t)c->tc->stub[tr_kprobe_stub(mode, size)]);
    size_t miss = x64_jcc_rel8(ce, X64_CC_NE);
    emit_host_load(ce, in->op, hd);
    tr_jmp_to(c, ce, SECT_HOT, join);
    x64_patch_rel8(ce, miss, ce->len);
}

static void load(struct tr_ctx *c, const struct mips_insn *in)
{
    unsigned size = (in->op == MIPS_OP_LW) ? 4 : (in->op == MIPS_OP_LH || in->op == MIPS_OP_LHU) ? 2 : 1;
    unsigned rt = in->rt;
    struct x64_emitter *e = &c->hot;
    /* Base first (it may be rt), then the destination, so hot and cold paths agree on it. */
    struct base_opnd b = get_base(c, in->rs);
    int hd = rt ? tr_dest(c, rt) : X64_RAX;
    uint32_t known = b.val + (uint32_t)in->simm;
    bool kseg0 = c->kseg0_window && (!b.imm || (known >= 0x80000000u && known < 0xA0000000u));
    if (kseg0) {
        load_kseg0(c, in, size, b, hd);
    } else {
        emit_probe(c, b, in->simm, size, false);
        emit_host_load(e, in->op, hd);
    }
    emit_slow_path(c, TR_STUB_LOAD, in->op, rt, rt ? hd : -1, 0, e->len);
    if (rt)
        tr_written(c, rt);
}

static void store(struct tr_ctx *c, const struct mips_insn *in)
{
    unsigned size = in->op == MIPS_OP_SW ? 4 : in->op == MIPS_OP_SH ? 2 : 1;
    struct x64_emitter *e = &c->hot;
    if (c->observe_stores) {
        uint32_t bval;
        if (tr_is_const(c, in->rs, &bval))
            x64_mov_r32_imm32(e, X64_R11, bval + (uint32_t)in->simm);
        else
            x64_lea_r32_disp(e, X64_R11, tr_get(c, in->rs), in->simm);
        tr_load_scratch(c, e, X64_RDX, in->rt);
        x64_mov_r32_imm32(e, X64_RCX, in->op);
        tr_callout_ev(c, (const void *)dbt_h_store, true, 0);
        return;
    }
    uint32_t cval;
    bool vimm = tr_is_const(c, in->rt, &cval);
    int hv = vimm ? X64_R11 : tr_get(c, in->rt);
    emit_probe(c, get_base(c, in->rs), in->simm, size, true);
    if (vimm)
        x64_mov_r32_imm32(e, X64_R11, cval);
    switch (size) {
    case 1: x64_mov_mbi_r8(e, X64_RAX, -1, hv); break;
    case 2: x64_mov_mbi_r16(e, X64_RAX, -1, hv); break;
    default: x64_mov_mbi_r32(e, X64_RAX, -1, hv); break;
    }
    emit_slow_path(c, TR_STUB_STORE, in->op, 0, hv, vimm ? cval : 0, e->len);
}

/*
 * lwl/lwr/swl/swr inline (Vol. II LWL..SWR, the little-endian byte tables; dbt/internal.h
 * interp_lwl..interp_swr are the same merges in C): one probe of the access's own byte (its aligned
 * word lies in the same page, so a 1-byte tag compare validates the word), the host address rounded
 * down to the word, and the merge as a double shift by cl: with b = va & 3,
 *   lwl  sh = 8 * (3 - b): (w << sh) | (rt & low sh bits)     = shld w, ror(rt, sh)
 *   lwr  sh = 8 * b:       (w >> sh) | (rt & high sh bits)    = shrd w, rol(rt, sh)
 *   swl  sh = 8 * (3 - b): (rt >> sh) | (old & high sh bits)  = shrd rt, rol(old, sh)
 *   swr  sh = 8 * b:       (rt << sh) | (old & low sh bits)   = shld rt, ror(old, sh)
 * (a count of 0 leaves both shifts' destinations as they are: the whole word or the whole rt). The
 * host address keeps b in its low bits (pages are host-page aligned), so cl comes from it. A miss
 * takes the load's or store's shared slow path with the unaligned va, whose helper does the access
 * as the interpreter does (dbt/helpers.c).
 */
static void partial_shift(struct x64_emitter *e, bool high)
{
    /* rcx = host address, low bits b: cl = 8 * (3 - b) when high, else 8 * b (mod 32 for the shifts) */
    x64_mov_r32_r32(e, X64_RCX, X64_RAX);
    if (high)
        x64_not_r32(e, X64_RCX);
    x64_shift_r32_imm(e, X64_SHL, X64_RCX, 3);
    x64_alu_r64_imm32(e, X64_AND, X64_RAX, -4);
}

static void load_partial(struct tr_ctx *c, const struct mips_insn *in)
{
    struct x64_emitter *e = &c->hot;
    bool lwl = in->op == MIPS_OP_LWL;
    unsigned rt = in->rt;
    struct base_opnd b = get_base(c, in->rs);
    int hd = -1;
    if (rt) {
        tr_get(c, rt); /* the merge keeps part of rt: its value in the register that takes the result */
        hd = tr_dest(c, rt);
    }
    emit_probe(c, b, in->simm, 1, false);
    if (rt) {
        partial_shift(e, lwl);
        x64_mov_r32_mbi(e, X64_RAX, X64_RAX, -1, 0);
        x64_mov_r32_r32(e, X64_RDX, hd);
        x64_shift_r32_cl(e, lwl ? X64_ROR : X64_ROL, X64_RDX);
        if (lwl)
            x64_shld_r32_r32_cl(e, X64_RAX, X64_RDX);
        else
            x64_shrd_r32_r32_cl(e, X64_RAX, X64_RDX);
        x64_mov_r32_r32(e, hd, X64_RAX);
    }
    emit_slow_path(c, TR_STUB_LOAD, in->op, rt, hd, 0, e->len);
    if (rt)
        tr_written(c, rt);
}

static void store_partial(struct tr_ctx *c, const struct mips_insn *in)
{
    struct x64_emitter *e = &c->hot;
    bool swl = in->op == MIPS_OP_SWL;
    uint32_t cval;
    bool vimm = tr_is_const(c, in->rt, &cval);
    int hv = vimm ? X64_R11 : tr_get(c, in->rt);
    emit_probe(c, get_base(c, in->rs), in->simm, 1, true);
    partial_shift(e, swl);
    x64_mov_r32_mbi(e, X64_RDX, X64_RAX, -1, 0);
    x64_shift_r32_cl(e, swl ? X64_ROL : X64_ROR, X64_RDX);
    if (vimm)
        x64_mov_r32_imm32(e, X64_R11, cval);
    else
        x64_mov_r32_r32(e, X64_R11, hv);
    if (swl)
        x64_shrd_r32_r32_cl(e, X64_R11, X64_RDX);
    else
        x64_shld_r32_r32_cl(e, X64_R11, X64_RDX);
    x64_mov_mbi_r32(e, X64_RAX, -1, X64_R11);
    emit_slow_path(c, TR_STUB_STORE, in->op, 0, hv, vimm ? cval : 0, e->len);
}

/* ll/sc, and swl/swr where stores are observed: helpers with the interpreter's semantics. */
static void via_helper(struct tr_ctx *c, const struct mips_insn *in)
{
    struct x64_emitter *e = &c->hot;
    uint32_t bval;
    if (tr_is_const(c, in->rs, &bval))
        x64_mov_r32_imm32(e, X64_R11, bval + (uint32_t)in->simm);
    else
        x64_lea_r32_disp(e, X64_R11, tr_get(c, in->rs), in->simm);
    const void *fn;
    bool writes_rt = true;
    switch (in->op) {
    case MIPS_OP_LWL: case MIPS_OP_LWR:
        tr_load_scratch(c, e, X64_RDX, in->rt);
        x64_mov_r32_imm32(e, X64_RCX, in->op);
        fn = (const void *)dbt_h_lwlr;
        break;
    case MIPS_OP_SWL: case MIPS_OP_SWR:
        tr_load_scratch(c, e, X64_RDX, in->rt);
        x64_mov_r32_imm32(e, X64_RCX, in->op);
        fn = (const void *)dbt_h_swlr;
        writes_rt = false;
        break;
    case MIPS_OP_LL:
        fn = (const void *)dbt_h_ll;
        break;
    default: /* SC */
        tr_load_scratch(c, e, X64_RDX, in->rt);
        fn = (const void *)dbt_h_sc;
        break;
    }
    unsigned rt = writes_rt ? in->rt : 0;
    tr_callout_ev(c, fn, true, rt);
    if (rt) {
        int h = tr_dest(c, rt);
        x64_mov_r32_r32(e, h, X64_RAX);
        tr_written(c, rt);
    }
}

bool tr_mem(struct tr_ctx *c, const struct mips_insn *in)
{
    switch (in->op) {
    case MIPS_OP_LB: case MIPS_OP_LBU: case MIPS_OP_LH: case MIPS_OP_LHU: case MIPS_OP_LW:
        load(c, in);
        return true;
    case MIPS_OP_SB: case MIPS_OP_SH: case MIPS_OP_SW:
        store(c, in);
        return true;
    case MIPS_OP_LWL: case MIPS_OP_LWR:
        load_partial(c, in);
        return true;
    case MIPS_OP_SWL: case MIPS_OP_SWR:
        if (c->observe_stores)
            via_helper(c, in);
        else
            store_partial(c, in);
        return true;
    case MIPS_OP_LL: case MIPS_OP_SC:
        via_helper(c, in);
        return true;
    default:
        return false;
    }
}
