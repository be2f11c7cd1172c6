/*
 * The translator's block loop: finds where a block ends, emits its entry
 * check, hands each instruction to its class translator, emits the exits,
 * then lays hot and cold code out in the code buffer and resolves fixups.
 *
 * A block is at most TR_MAX_INSNS instructions of one guest page, ending
 * after a branch and its delay slot, after an instruction that always
 * leaves (syscall, eret, wait, a reserved instruction...), or at the page
 * end. A branch whose slot holds something that must not sit in a
 * translated slot (a branch, mtc0, a TLB write...) ends the block before
 * it: the run loop interprets that pair. A branch in the last word of a
 * page (its slot on the next one) ends a split block: the branch retires
 * there and leaves pc at the slot with in_ds and ds_target set, as the
 * interpreter keeps them, and the slot runs as a delay-slot block of its
 * own (TB_F_DS: that one instruction, then on to ds_target). So no block
 * spans two pages, and each page's code is checked and invalidated alone.
 *
 * The register cache maps guest registers to ten host registers (five
 * callee-saved, five caller-saved) with LRU eviction; values known at
 * translation time stay constants until an instruction needs them in a
 * register, so lui+ori is one mov when the value is finally stored.
 */
#include <string.h>

#include "dbt/fpu.h"
#include "dbt/translate.h"
#include "numa/numa.h"

/* Generated code hard-codes these: the static asserts freeze them (monitor/vcpu.c freezes gpr..lo). */
_Static_assert(offsetof(struct vcpu, in_ds) == 140, "frozen offset");
_Static_assert(offsetof(struct vcpu, llbit) == 148, "frozen offset");
_Static_assert(offsetof(struct vcpu, cp0) == 160, "frozen offset");
_Static_assert(offsetof(struct vcpu, cp0.status) == 160, "frozen offset");
_Static_assert(offsetof(struct vcpu, cp0.epc) == 168, "frozen offset");
_Static_assert(offsetof(struct vcpu, icount) % 8 == 0, "icount is updated with 64-bit ops");
_Static_assert(offsetof(struct vcpu, next_event) % 8 == 0, "next_event is compared with 64-bit ops");
_Static_assert(sizeof(struct vcpu) < (1u << 30), "every field is reachable with a disp32 from r15");
_Static_assert(offsetof(struct vcpu, jc) % 32 == 0, "jump-cache entries are indexed by a shift");
_Static_assert(sizeof(struct stlb_entry) == 32 && offsetof(struct stlb_entry, addend) == 24,
               "the inline probe hard-codes the software-TLB entry");
_Static_assert(offsetof(struct tb_jc_entry, code) == 8, "the inline jump-cache probe jumps through +8");

static const int8_t host_regs[TR_NHOST] = {X64_RBX, X64_RBP, X64_R12, X64_R13, X64_R14,
                                           X64_RSI, X64_RDI, X64_R8,  X64_R9,  X64_R10};

static inline bool caller_saved(int h)
{
    return h == X64_RSI || h == X64_RDI || (h >= X64_R8 && h <= X64_R11);
}

/* ---- fixups and calls ---- */

void tr_fixup(struct tr_ctx *c, struct x64_emitter *e, size_t at, enum tr_sect target_sect, uint64_t target)
{
    if (c->n_fix >= TR_MAX_FIXUPS) {
        c->failed = true;
        return;
    }
    c->fix[c->n_fix++] = (struct tr_fixup){.sect = (uint8_t)tr_sect_of(c, e), .target_sect = (uint8_t)target_sect,
                                           .at = (uint32_t)at, .target = target};
}

void tr_jmp_to(struct tr_ctx *c, struct x64_emitter *e, enum tr_sect sect, size_t target)
{
    size_t at = x64_jmp_rel32(e, 0);
    tr_fixup(c, e, at, sect, target);
}

void tr_jcc_to(struct tr_ctx *c, struct x64_emitter *e, enum x64_cc cc, enum tr_sect sect, size_t target)
{
    size_t at = x64_jcc_rel32(e, cc, 0);
    tr_fixup(c, e, at, sect, target);
}

/* Helpers are called through the code buffer's own thunk (cache/codebuf.c), so a call site is a
 * rel32 call wherever the buffer lies. */
void tr_call(struct tr_ctx *c, struct x64_emitter *e, const void *fn)
{
    const uint8_t *thunk = tcache_thunk(c->tc, fn);
    if (!thunk) {
        c->failed = true; /* more distinct helpers than thunks: a build-time mistake, not a guest's */
        return;
    }
    size_t at = x64_call_rel32_field(e);
    tr_fixup(c, e, at, SECT_ABS, (uint64_t)(uintptr_t)thunk);
}

void tr_exit_jmp(struct tr_ctx *c, struct x64_emitter *e)
{
    tr_jmp_to(c, e, SECT_ABS, (uint64_t)(uintptr_t)c->tc->exit_code);
}

/* ---- register cache ---- */

bool tr_is_const(const struct tr_ctx *c, unsigned g, uint32_t *val)
{
    if (g == 0) {
        *val = 0;
        return true;
    }
    if (c->g[g].is_const) {
        *val = c->g[g].cval;
        return true;
    }
    return false;
}

static void touch(struct tr_ctx *c, int h)
{
    c->used_at[h] = c->stamp;
}

/* Stores g's value to memory if it is dirty (from the hot path), marking it clean. */
static void flush_one(struct tr_ctx *c, unsigned g)
{
    struct tr_greg *r = &c->g[g];
    if (!r->dirty || r->pending)
        return;
    if (r->host >= 0)
        x64_mov_m32_r32(&c->hot, X64_R15, VOFF_GPR(g), r->host);
    else if (r->is_const)
        x64_mov_m32_imm32(&c->hot, X64_R15, VOFF_GPR(g), r->cval);
    r->dirty = false;
}

static int alloc_host(struct tr_ctx *c, unsigned g)
{
    if (c->loop) {
        /* A loop block keeps each of its registers in one host register (translate_block). */
        int h = c->fixed[g];
        if (h < 0) {
            c->loop_bail = true;
            h = host_regs[0];
        }
        if (c->owner[h] >= 0 && (unsigned)c->owner[h] != g) {
            c->loop_bail = true; /* cannot happen with a one-to-one assignment; never emit wrong code */
            c->g[c->owner[h]].host = -1;
        }
        touch(c, h);
        return h;
    }
    int best = -1;
    for (unsigned i = 0; i < TR_NHOST; i++) {
        int h = host_regs[i];
        if (c->owner[h] < 0) {
            touch(c, h);
            return h;
        }
        if (c->used_at[h] == c->stamp)
            continue;
        if (best < 0 || c->used_at[h] < c->used_at[best])
            best = h;
    }
    /* Evict the least recently used register not used by the current instruction. */
    unsigned victim = (unsigned)c->owner[best];
    flush_one(c, victim);
    c->g[victim].host = -1;
    c->g[victim].pending = false;
    c->owner[best] = -1;
    touch(c, best);
    return best;
}

int tr_get(struct tr_ctx *c, unsigned g)
{
    struct tr_greg *r = &c->g[g];
    if (r->host >= 0) {
        touch(c, r->host);
        return r->host;
    }
    int h = alloc_host(c, g);
    if (r->is_const)
        x64_mov_r32_imm32(&c->hot, h, r->cval);
    else
        x64_mov_r32_m32(&c->hot, h, X64_R15, VOFF_GPR(g));
    r->host = (int8_t)h;
    c->owner[h] = (int8_t)g;
    return h;
}

int tr_dest(struct tr_ctx *c, unsigned g)
{
    struct tr_greg *r = &c->g[g];
    if (r->host >= 0) {
        touch(c, r->host);
        r->is_const = false;
        return r->host;
    }
    if (r->is_const) {
        flush_one(c, g); /* memory must hold the old value until the new one is written */
        r->is_const = false;
    }
    int h = alloc_host(c, g);
    r->host = (int8_t)h;
    r->pending = true;
    c->owner[h] = (int8_t)g;
    return h;
}

void tr_written(struct tr_ctx *c, unsigned g)
{
    struct tr_greg *r = &c->g[g];
    r->dirty = true;
    r->pending = false;
    r->is_const = false;
    c->touched |= 1u << g;
}

void tr_set_const(struct tr_ctx *c, unsigned g, uint32_t val)
{
    if (g == 0)
        return;
    struct tr_greg *r = &c->g[g];
    if (r->host >= 0)
        c->owner[r->host] = -1;
    r->host = -1;
    r->pending = false;
    r->is_const = true;
    r->cval = val;
    r->dirty = true;
    c->touched |= 1u << g;
}

void tr_load_scratch(struct tr_ctx *c, struct x64_emitter *e, int scratch, unsigned g)
{
    uint32_t val;
    if (tr_is_const(c, g, &val))
        x64_mov_r32_imm32(e, scratch, val);
    else if (c->g[g].host >= 0 && !c->g[g].pending)
        x64_mov_r32_r32(e, scratch, c->g[g].host);
    else
        x64_mov_r32_m32(e, scratch, X64_R15, VOFF_GPR(g));
}

void tr_writeback(struct tr_ctx *c, struct x64_emitter *e, bool mark)
{
    for (uint32_t m = c->touched & ~1u; m; m &= m - 1) {
        unsigned g = (unsigned)__builtin_ctz(m);
        struct tr_greg *r = &c->g[g];
        if (!r->dirty || r->pending)
            continue;
        if (r->host >= 0)
            x64_mov_m32_r32(e, X64_R15, VOFF_GPR(g), r->host);
        else if (r->is_const)
            x64_mov_m32_imm32(e, X64_R15, VOFF_GPR(g), r->cval);
        if (mark)
            r->dirty = false;
    }
}

int tr_host_slot(int h)
{
    for (unsigned i = 0; i < TR_NHOST; i++)
        if (host_regs[i] == h)
            return (int)i;
    return -1;
}

uint64_t tr_writeback_map(struct tr_ctx *c, struct x64_emitter *e)
{
    uint64_t map = 0;
    for (unsigned i = 0; i < TR_NHOST; i++) {
        int h = host_regs[i];
        int g = c->owner[h];
        if (g > 0 && c->g[g].dirty && !c->g[g].pending)
            map |= (uint64_t)g << (TR_WB_MAP_BITS * i);
    }
    /* what no host register holds: dirty constants */
    for (uint32_t m = c->touched & ~1u; m; m &= m - 1) {
        unsigned g = (unsigned)__builtin_ctz(m);
        const struct tr_greg *r = &c->g[g];
        if (r->dirty && !r->pending && r->host < 0 && r->is_const)
            x64_mov_m32_imm32(e, X64_R15, VOFF_GPR(g), r->cval);
    }
    return map;
}

void tr_forget_caller_saved(struct tr_ctx *c)
{
    for (unsigned i = 0; i < TR_NHOST; i++) {
        int h = host_regs[i];
        if (!caller_saved(h) || c->owner[h] < 0)
            continue;
        struct tr_greg *r = &c->g[c->owner[h]];
        r->host = -1;
        r->pending = false;
        c->owner[h] = -1;
    }
}

/* ---- state at the current instruction ---- */

void tr_icount_fix(struct tr_ctx *c, struct x64_emitter *e, uint32_t retired)
{
    if (retired < c->n)
        x64_alu_m64_imm32(e, X64_ADD, X64_R15, VOFF_BUDGET, (int32_t)(c->n - retired));
}

void tr_icount_sync(struct tr_ctx *c, struct x64_emitter *e, int scratch)
{
    /* icount = next_event - budget - (instructions of the block from k on) */
    x64_mov_r64_m64(e, scratch, X64_R15, VOFF_NEXT_EVENT);
    x64_alu_r64_m64(e, X64_SUB, scratch, X64_R15, VOFF_BUDGET);
    if (c->k < c->n)
        x64_alu_r64_imm32(e, X64_SUB, scratch, (int32_t)(c->n - c->k));
    x64_mov_m64_r64(e, X64_R15, VOFF_ICOUNT, scratch);
}

void tr_budget_resync(struct tr_ctx *c, struct x64_emitter *e, uint32_t retired)
{
    /* budget = next_event - (icount + instructions still to retire on this path); the flags are
     * left by its last subtraction, for callers that test the sign (callout) */
    x64_mov_r64_m64(e, X64_RDX, X64_R15, VOFF_NEXT_EVENT);
    x64_alu_r64_m64(e, X64_SUB, X64_RDX, X64_R15, VOFF_ICOUNT);
    if (retired > c->k)
        x64_alu_r64_imm32(e, X64_SUB, X64_RDX, (int32_t)(retired - c->k));
    x64_mov_m64_r64(e, X64_R15, VOFF_BUDGET, X64_RDX);
}

void tr_set_pc(struct tr_ctx *c, struct x64_emitter *e)
{
    x64_mov_m32_imm32(e, X64_R15, VOFF_PC, c->pc);
    if (c->in_ds)
        x64_mov_m32_imm32(e, X64_R15, VOFF_IN_DS, 1);
}

static void callout(struct tr_ctx *c, const void *fn, bool set_pc, unsigned dest, bool moves_events)
{
    struct x64_emitter *e = &c->hot;
    tr_writeback(c, e, true);
    if (set_pc)
        tr_set_pc(c, e);
    tr_icount_sync(c, e, X64_RAX);
    x64_mov_r64_r64(e, X64_RDI, X64_R15);
    x64_mov_r64_r64(e, X64_RSI, X64_R11);
    tr_call(c, e, fn);
    tr_budget_resync(c, e, c->n);
    struct x64_emitter *ce = &c->cold;
    /* A negative budget: the helper moved the next event before the end of the block (Compare
     * written, say); leave after this instruction (cold, below), as a status exit does. */
    size_t cold_over = ce->len;
    if (moves_events && !c->in_ds && c->k + 1 < c->n) {
        tr_jcc_to(c, e, X64_CC_S, SECT_COLD, cold_over);
        x64_alu_r32_r32(ce, X64_XOR, X64_RCX, X64_RCX); /* no status: the retired exit below */
    }
    /* The status test goes out of line; the common case falls through. */
    x64_mov_r64_r64(e, X64_RCX, X64_RAX);
    x64_shift_r64_imm(e, X64_SHR, X64_RCX, 32);
    size_t cold_at = ce->len;
    tr_jcc_to(c, e, X64_CC_NE, SECT_COLD, cold_at);
    if (set_pc && c->in_ds)
        x64_mov_m32_imm32(e, X64_R15, VOFF_IN_DS, 0);
    size_t join = e->len;
    /* cold: rcx != 0 */
    x64_test_r32_imm32(ce, X64_RCX, (uint32_t)(DBT_ST_EXC >> 32));
    size_t exit_after = x64_jcc_rel32(ce, X64_CC_E, 0);
    tr_icount_fix(c, ce, c->k);
    x64_mov_r32_imm32(ce, X64_RAX, DBT_RET_PLAIN);
    tr_exit_jmp(c, ce);
    x64_patch_rel32(ce, exit_after, ce->len);
    if (!c->in_ds) {
        if (dest)
            x64_mov_m32_r32(ce, X64_R15, VOFF_GPR(dest), X64_RAX);
        tr_icount_fix(c, ce, c->k + 1);
        x64_mov_m32_imm32(ce, X64_R15, VOFF_PC, c->pc + 4);
        x64_mov_r32_imm32(ce, X64_RAX, DBT_RET_PLAIN);
        tr_exit_jmp(c, ce);
    } else {
        if (set_pc)
            x64_mov_m32_imm32(ce, X64_R15, VOFF_IN_DS, 0);
        tr_jmp_to(c, ce, SECT_HOT, join);
    }
    tr_forget_caller_saved(c);
}

void tr_callout(struct tr_ctx *c, const void *fn, bool set_pc, unsigned dest)
{
    callout(c, fn, set_pc, dest, false);
}

void tr_callout_ev(struct tr_ctx *c, const void *fn, bool set_pc, unsigned dest)
{
    callout(c, fn, set_pc, dest, true);
}

void tr_raise(struct tr_ctx *c, struct x64_emitter *e, enum exc_code code)
{
    tr_writeback(c, e, e == &c->hot);
    tr_set_pc(c, e);
    tr_icount_sync(c, e, X64_RAX);
    x64_mov_r64_r64(e, X64_RDI, X64_R15);
    x64_mov_r32_imm32(e, X64_RSI, (uint32_t)code);
    tr_call(c, e, (const void *)dbt_h_raise);
    tr_budget_resync(c, e, c->k); /* the instruction did not retire */
    x64_mov_r32_imm32(e, X64_RAX, DBT_RET_PLAIN);
    tr_exit_jmp(c, e);
    if (e == &c->hot)
        c->ended = true;
}

/* ---- exits ---- */

/* The chainable jump to a static guest PC, from e (hot, or cold for a side exit); state written
 * back and icount fixed by the caller. */
static void exit_chain(struct tr_ctx *c, struct x64_emitter *e, uint32_t target)
{
    if (c->n_exits >= TB_MAX_EXITS) {
        tr_exit_plain_imm(c, e, target, c->n, DBT_RET_PLAIN);
        return;
    }
    unsigned n = c->n_exits++;
    /* The rel32 field is 4-byte aligned so chaining can patch it with one atomic store. */
    size_t at = x64_jmp_rel32_aligned(e);
    size_t stub = c->cold.len; /* the unchained stub, cold */
    tr_fixup(c, e, at, SECT_COLD, stub);
    c->tb->jmp_patch_ofs[n] = (uint32_t)at;
    c->exit_sect[n] = (uint8_t)tr_sect_of(c, e); /* both made absolute (section bases added) at layout */
    c->tb->jmp_reset_ofs[n] = (uint32_t)stub;
    c->tb->jmp_target[n] = target;
    struct x64_emitter *ce = &c->cold;
    bool unmapped_both = c->tb->pc >= 0x80000000u && c->tb->pc < 0xC0000000u && target >= 0x80000000u &&
                         target < 0xC0000000u;
    /* The stub: this exit's tb | n for the run loop, and a shared tail (dbt/tr_stubs.c) that sets pc
     * from tb->jmp_target[n]; never chained across mapped pages, such an exit probes the jump cache
     * there first (TLB changes keep it exact) and goes straight in on a hit. */
    x64_mov_r64_imm64(ce, X64_RAX, (uint64_t)(uintptr_t)c->tb | n);
    enum tr_stub tail = TR_STUB_EXIT;
    if (c->chain && (target >> 12) != (c->tb->pc >> 12) && !unmapped_both) {
        int32_t slot = VOFF_JC + (int32_t)(tb_jc_hash(target) * sizeof(struct tb_jc_entry));
        if (tb_pc_mapped(target)) {
            /* the key holds the current ASID (cache/cache.h): the stub builds it */
            x64_mov_r32_imm32(ce, X64_RCX, (uint32_t)slot);
            tail = !c->v->prof_on ? TR_STUB_EXIT_JC
                   : (c->flags & TB_F_KERNEL) ? TR_STUB_EXIT_JC_PROF_K : TR_STUB_EXIT_JC_PROF_U;
        } else {
            /* an unmapped target of mapped code (rare): its key is a constant, probed here */
            x64_mov_r64_imm64(ce, X64_RCX, (uint64_t)target | ((uint64_t)c->flags << 32));
            x64_alu_r64_m64(ce, X64_CMP, X64_RCX, X64_R15, slot);
            size_t miss = x64_jcc_rel32(ce, X64_CC_NE, 0);
            tr_prof_count(c, ce, VOFF_PROF(jc_inline_hits[(c->flags & TB_F_KERNEL) != 0]));
            x64_jmp_m64(ce, X64_R15, slot + (int32_t)offsetof(struct tb_jc_entry, code));
            x64_patch_rel32(ce, miss, ce->len);
        }
    }
    tr_jmp_to(c, ce, SECT_ABS, (uint64_t)(uintptr_t)c->tc->stub[tail]);
}

void tr_exit_static(struct tr_ctx *c, uint32_t target, uint32_t retired)
{
    struct x64_emitter *e = &c->hot;
    tr_writeback(c, e, true);
    tr_icount_fix(c, e, retired);
    exit_chain(c, e, target);
    c->ended = true;
}

void tr_side_exit(struct tr_ctx *c, enum x64_cc cc, uint32_t target, uint32_t retired)
{
    struct x64_emitter *ce = &c->warm;
    tr_jcc_to(c, &c->hot, cc, SECT_WARM, ce->len);
    tr_writeback(c, ce, false);
    tr_icount_fix(c, ce, retired);
    exit_chain(c, ce, target);
}

void tr_exit_plain_imm(struct tr_ctx *c, struct x64_emitter *e, uint32_t target, uint32_t retired, uint32_t ret)
{
    tr_writeback(c, e, e == &c->hot);
    tr_icount_fix(c, e, retired);
    x64_mov_m32_imm32(e, X64_R15, VOFF_PC, target);
    x64_mov_r32_imm32(e, X64_RAX, ret);
    tr_exit_jmp(c, e);
    if (e == &c->hot)
        c->ended = true;
}

/* ---- block shape ---- */

static bool cop2_op(const struct mips_insn *in)
{
    switch (in->op) {
    case MIPS_OP_COP2: case MIPS_OP_LWC2: case MIPS_OP_LDC2: case MIPS_OP_SWC2: case MIPS_OP_SDC2:
        return true;
    default:
        return false;
    }
}

/*
 * CP1 (FPU) instructions: each is a callout into dbt/fpu.c (fpu_helper), the interpreter's
 * own semantics, so the engines cannot differ; the FP branches bc1f ... bc1tl are translated
 * by tr_branch.c on a helper's condition. COP2 words stay translated as Coprocessor Unusable.
 */
static bool fpu_op(const struct mips_insn *in)
{
    if (!(in->flags & MIPS_F_COP))
        return false;
    switch (in->op) {
    case MIPS_OP_COP2: case MIPS_OP_LWC2: case MIPS_OP_LDC2: case MIPS_OP_SWC2: case MIPS_OP_SDC2:
        return false;
    default:
        return true;
    }
}

/* Trap-and-emulate: the instructions of a kernel block that leave through a trap (tr_priv). */
static bool traps(const struct mips_insn *in, uint32_t flags)
{
    return (flags & (TB_F_TRAP | TB_F_KERNEL)) == (TB_F_TRAP | TB_F_KERNEL) &&
           ((in->flags & MIPS_F_PRIV) || in->op == MIPS_OP_RDHWR);
}

/* Instructions after which the block must end because they always leave it. */
static bool always_leaves(const struct mips_insn *in, uint32_t flags)
{
    if (traps(in, flags))
        return true;
    switch (in->op) {
    case MIPS_OP_SYSCALL: case MIPS_OP_BREAK: case MIPS_OP_SDBBP: case MIPS_OP_DERET:
    case MIPS_OP_INVALID: case MIPS_OP_ERET: case MIPS_OP_WAIT:
        return true;
    default:
        break;
    }
    if (cop2_op(in)) /* no COP2: Coprocessor Unusable */
        return true;
    if ((in->flags & MIPS_F_PRIV) && !(flags & TB_F_KERNEL))
        return true;
    return false;
}

/* Whether an instruction may be translated inside a delay slot. */
static bool slot_ok(const struct mips_insn *in, uint32_t flags)
{
    if (traps(in, flags))
        return true; /* it leaves through the trap; the monitor emulates it and completes the branch */
    if ((in->flags & MIPS_F_BRANCH) || always_leaves(in, flags))
        return false;
    switch (in->op) {
    case MIPS_OP_MTC0: case MIPS_OP_TLBR: case MIPS_OP_TLBWI: case MIPS_OP_TLBWR: case MIPS_OP_TLBP:
    case MIPS_OP_EI:
        return false; /* they may change what the branch's successor is translated for */
    default:
        return true;
    }
}

/*
 * Whether a block may go on past this branch (at the fall-through PC, with the taken edge a side
 * exit): a plain conditional branch (not likely, no link) whose delay slot cannot call out. The
 * slot's own exits (a helper asking to leave, a store into this very block) rely on the block
 * ending right after the branch, so a slot that may take them ends the block as before.
 */
static bool goes_on(const struct mips_insn *br, const struct mips_insn *slot, uint32_t flags)
{
    switch (br->op) {
    case MIPS_OP_BEQ:
        if (br->rs == br->rt)
            return false; /* b: always taken */
        break;
    case MIPS_OP_BLEZ: case MIPS_OP_BGEZ:
        if (br->rs == 0)
            return false; /* always taken */
        break;
    case MIPS_OP_BNE: case MIPS_OP_BGTZ: case MIPS_OP_BLTZ:
        break;
    default:
        return false;
    }
    return tr_slot_plain(slot, flags);
}

bool tr_slot_plain(const struct mips_insn *slot, uint32_t flags)
{
    if (slot->flags & (MIPS_F_BRANCH | MIPS_F_LOAD | MIPS_F_STORE | MIPS_F_PRIV | MIPS_F_COP | MIPS_F_END_BLOCK))
        return false;
    switch (slot->op) {
    case MIPS_OP_DIV: case MIPS_OP_DIVU: case MIPS_OP_RDHWR: case MIPS_OP_CACHE: case MIPS_OP_PREF:
    case MIPS_OP_SYNCI:
        return false;
    default:
        return !always_leaves(slot, flags);
    }
}

/* Whether a branch in the last word of a page may end a block with its slot left to a delay-slot
 * block: every branch but the FP ones, whose condition comes from a helper before the slot. */
static bool split_ok(const struct mips_insn *br)
{
    switch (br->op) {
    case MIPS_OP_BC1F: case MIPS_OP_BC1T: case MIPS_OP_BC1FL: case MIPS_OP_BC1TL:
        return false;
    default:
        return true;
    }
}

static void emit_entry(struct tr_ctx *c)
{
    struct x64_emitter *e = &c->hot;
    if (c->loop) {
        /* Every register of the block into its host register; from here on each one the block
         * writes counts as dirty, since after the first iteration memory no longer holds its value
         * (the others never change, so memory always does). */
        for (unsigned g = 1; g < 32; g++) {
            if (!(c->loop_regs & (1u << g)))
                continue;
            int h = c->fixed[g];
            x64_mov_r32_m32(e, h, X64_R15, VOFF_GPR(g));
            c->g[g] = (struct tr_greg){.host = (int8_t)h, .dirty = (c->loop_written >> g) & 1};
            c->touched |= 1u << g;
            c->owner[h] = (int8_t)g;
        }
        c->loop_head = e->len;
    }
    /* the block fits before the next event iff budget - n >= 0 (translate.h) */
    x64_alu_m64_imm32(e, X64_SUB, X64_R15, VOFF_BUDGET, (int32_t)c->n);
    size_t stub = c->cold.len;
    tr_jcc_to(c, e, X64_CC_S, SECT_COLD, stub);
    tr_prof_count(c, e, VOFF_PROF(block_entries[(c->flags & TB_F_KERNEL) != 0]));
    if (c->flags & TB_F_COUNT) {
        /* NUMA counting: the block's entry charged to its code page's slot */
        uint32_t ppn = (uint32_t)(c->tb->phys_pc >> STLB_PAGE_BITS);
        numa_note_code(c->v->vm->numa, ppn);
        x64_alu_m64_imm32(e, X64_ADD, X64_R15, VOFF_STLB_FETCH(ppn & (STLB_FETCH_SLOTS - 1)), 1);
    }
    struct x64_emitter *ce = &c->cold;
    if (c->loop)
        tr_writeback(c, ce, false); /* a later iteration stops here with its values in registers */
    /* budget back, pc: the stub reads the block's PC and instruction count after its call */
    size_t at = x64_call_rel32_field(ce);
    tr_fixup(c, ce, at, SECT_ABS, (uint64_t)(uintptr_t)c->tc->stub[TR_STUB_REFUSE]);
    x64_u32(ce, c->tb->pc);
    x64_byte(ce, (uint8_t)c->n);
}

/* Whether every register of a loop block is in its host register now (a back edge needs no moves). */
bool tr_loop_in_place(const struct tr_ctx *c)
{
    for (unsigned g = 1; g < 32; g++)
        if ((c->loop_regs & (1u << g)) && (c->g[g].host != c->fixed[g] || c->g[g].pending))
            return false;
    return true;
}

void tr_loop_back(struct tr_ctx *c)
{
    struct x64_emitter *e = &c->hot;
    struct tr_greg saved[32];
    int8_t owner[16];
    memcpy(saved, c->g, sizeof(saved));
    memcpy(owner, c->owner, sizeof(owner));
    for (unsigned g = 1; g < 32; g++) {
        if (!(c->loop_regs & (1u << g)))
            continue;
        struct tr_greg *r = &c->g[g];
        int h = c->fixed[g];
        if (r->host == h && !r->pending)
            continue;
        if (r->pending || r->host >= 0 || (!r->is_const && r->dirty)) {
            c->loop_bail = true; /* no state this translator leaves, but never jump with a wrong one */
            continue;
        }
        /* a constant, or a value memory holds (its host register was given up at a call) */
        if (r->is_const)
            x64_mov_r32_imm32(e, h, r->cval);
        else
            x64_mov_r32_m32(e, h, X64_R15, VOFF_GPR(g));
    }
    tr_jmp_to(c, e, SECT_HOT, c->loop_head);
    memcpy(c->g, saved, sizeof(saved));
    memcpy(c->owner, owner, sizeof(owner));
}

/*
 * Blocks are written in order, hot code growing up from [hot_lo, hot_hi) and cold code down from
 * [cold_lo, cold_hi): when either enters a new TR_POPULATE_CHUNK of the buffer, the write view's
 * pages of that chunk (up to the other side's code) are mapped in one call (tcache_wr_populate)
 * instead of one write fault per page.
 */
#define TR_POPULATE_CHUNK ((size_t)64 << 10)

static void populate_ahead(struct tcache *tc, size_t hot_lo, size_t hot_hi, size_t cold_lo, size_t cold_hi)
{
    size_t k = TR_POPULATE_CHUNK;
    if (hot_lo / k != (hot_hi - 1) / k || hot_lo % k == 0) {
        size_t from = (hot_hi - 1) / k * k, to = from + k < cold_lo ? from + k : cold_lo & ~(size_t)4095;
        if (to > from)
            tcache_wr_populate(tc, from, to - from);
    }
    if (cold_lo / k != (cold_hi - 1) / k || cold_hi % k == 0) {
        size_t to = (cold_lo / k + 1) * k, from = to - k > hot_hi ? to - k : (hot_hi + 4095) & ~(size_t)4095;
        if (to > from)
            tcache_wr_populate(tc, from, to - from);
    }
}

/* Copies the hot code and the warm code after it to the TB's place and the cold code to the top
 * end of the buffer (cache/cache.h), and resolves every fixup; every byte through the buffer's
 * write view (tcache_write). */
static bool layout(struct tr_ctx *c)
{
    size_t hot = c->hot.len, warm = c->warm.len;
    /* The block's own sizes must fit between its place and the cold sections (tcache_alloc was
     * asked for no room: the largest block would not fit the smallest --code-buffer at all). */
    size_t at = (size_t)(c->tb->host_code - c->tc->buf);
    if (c->cold.len + 16 > c->tc->cold_top || at + hot + warm + 16 > ((c->tc->cold_top - c->cold.len) & ~(size_t)15))
        return false;
    uint8_t *base = c->tb->host_code, *cold = tcache_cold_at(c->tc, c->cold.len);
    size_t cold_base = (size_t)(cold - base);
    populate_ahead(c->tc, at, at + hot + warm, (size_t)(cold - c->tc->buf), (size_t)(cold - c->tc->buf) + c->cold.len);
    size_t sect_base[4] = {[SECT_HOT] = 0, [SECT_COLD] = cold_base, [SECT_WARM] = hot};
    tcache_write(c->tc, base, c->hot.buf, hot);
    tcache_write(c->tc, base + hot, c->warm.buf, warm);
    tcache_write(c->tc, cold, c->cold.buf, c->cold.len);
    for (unsigned i = 0; i < c->n_fix; i++) {
        const struct tr_fixup *f = &c->fix[i];
        uint8_t *field = base + sect_base[f->sect] + f->at;
        const uint8_t *target;
        if (f->target_sect == SECT_ABS)
            target = (const uint8_t *)(uintptr_t)f->target;
        else
            target = base + sect_base[f->target_sect] + f->target;
        int64_t rel = (int64_t)(target - (field + 4));
        if (rel != (int32_t)rel)
            return false;
        int32_t r32 = (int32_t)rel;
        tcache_write(c->tc, field, &r32, 4);
    }
    if (c->tb->ic_exit != TB_NO_IC)
        c->tb->ic_probe_ofs += (uint32_t)cold_base;
    for (unsigned n = 0; n < TB_MAX_EXITS; n++)
        if (c->tb->jmp_reset_ofs[n] != TB_NO_JUMP) {
            c->tb->jmp_reset_ofs[n] += (uint32_t)cold_base;
            c->tb->jmp_patch_ofs[n] += (uint32_t)sect_base[c->exit_sect[n]];
        }
    c->tb->cold_code = cold;
    c->tb->host_size = (uint32_t)(hot + warm + c->cold.len);
    c->tb->hot_size = (uint32_t)hot;
    c->tb->near_size = (uint32_t)(hot + warm);
    return true;
}

uint32_t tr_insn_writes(const struct mips_insn *in)
{
    uint32_t rt = 1u << in->rt, rd = 1u << in->rd, m;
    switch (in->raw >> 26) {
    case 0x00: case 0x1C: m = rd; break;                     /* SPECIAL, SPECIAL2: rd or nothing */
    case 0x01: case 0x03: m = (in->flags & MIPS_F_LINK) ? 1u << 31 : 0; break; /* bltzal..., jal */
    case 0x1F: m = rt | rd; break;                          /* SPECIAL3: ext/ins/rdhwr rt, bshfl rd */
    case 0x08: case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x0E: case 0x0F:
    case 0x10: case 0x11:                                    /* I-type ALU; mfc0, di/ei; mfc1/cfc1 */
    case 0x20: case 0x21: case 0x22: case 0x23: case 0x24: case 0x25: case 0x26: case 0x30:
    case 0x38:                                               /* loads, ll; sc writes its result */
        m = rt;
        break;
    default: m = 0; break;                                   /* branches, stores, cache, pref, FP memory */
    }
    return m & ~1u;
}

/* Guest registers an instruction may read or write (a superset), by its encoding's shape. */
static uint32_t insn_regs(const struct mips_insn *in)
{
    uint32_t rs = 1u << in->rs, rt = 1u << in->rt, rd = 1u << in->rd;
    switch (in->raw >> 26) {
    case 0x00: case 0x1C: case 0x1F: return rs | rt | rd;      /* SPECIAL, SPECIAL2, SPECIAL3 */
    case 0x01: return rs | ((in->flags & MIPS_F_LINK) ? 1u << 31 : 0); /* REGIMM */
    case 0x02: return 0;                                       /* j */
    case 0x03: return 1u << 31;                                /* jal */
    case 0x0F: return rt;                                      /* lui */
    case 0x10: case 0x11: return rt;                           /* COP0, COP1: moves use rt */
    case 0x2F: case 0x33: case 0x31: case 0x35: case 0x39: case 0x3D:
        return rs;                                             /* cache, pref, FP loads/stores */
    default: return rs | rt;                                   /* I-type: ALU, branches, memory */
    }
}

/*
 * Loop mode (the hot path of most inner loops): a block whose final branch goes back to its own
 * first instruction, touching at most TR_NHOST guest registers. Each of them gets one host
 * register for the whole block, loaded once on entry; the taken branch then needs no write-back
 * and no reload, only the entry check (instruction budget, exit request), which every iteration
 * passes as if the block were entered again, so events, deterministic counts and Ctrl-A x behave
 * exactly as with a chained self-jump. Every exit writes the registers back.
 */
static bool loop_candidate(const struct tr_ctx *c, uint32_t pc, uint32_t *regs, uint32_t *written)
{
    if (c->n < 2)
        return false;
    const struct mips_insn *br = &c->insn[c->n - 2];
    uint32_t bpc = pc + 4 * (c->n - 2), target;
    if (!(br->flags & MIPS_F_BRANCH) || (br->flags & MIPS_F_LINK))
        return false;
    switch (br->op) {
    case MIPS_OP_J:
        target = ((bpc + 4) & 0xF0000000u) | br->target;
        break;
    case MIPS_OP_BEQ: case MIPS_OP_BNE: case MIPS_OP_BLEZ: case MIPS_OP_BGTZ: case MIPS_OP_BLTZ:
    case MIPS_OP_BGEZ: case MIPS_OP_BEQL: case MIPS_OP_BNEL: case MIPS_OP_BLEZL: case MIPS_OP_BGTZL:
    case MIPS_OP_BLTZL: case MIPS_OP_BGEZL:
        target = bpc + 4 + ((uint32_t)br->simm << 2);
        break;
    default:
        return false;
    }
    if (target != pc)
        return false;
    uint32_t m = 0, w = 0;
    for (uint32_t k = 0; k < c->n; k++) {
        m |= insn_regs(&c->insn[k]);
        w |= tr_insn_writes(&c->insn[k]);
    }
    m = (m | w) & ~1u;
    if (__builtin_popcount(m) > TR_NHOST)
        return false;
    *regs = m;
    *written = w;
    return true;
}

/* Emits the block into tb (fresh from tcache_alloc), in loop mode or not; false if it must not be used. */
static bool emit_block(struct tr_ctx *c, struct tb *tb, bool loop, uint32_t loop_regs, uint32_t loop_written)
{
    uint32_t pc = tb->pc, n = c->n;
    c->tb = tb;
    c->n_fix = 0;
    c->failed = false;
    c->ended = false;
    c->n_exits = 0;
    memset(c->exit_sect, 0, sizeof(c->exit_sect));
    c->stamp = 0;
    memset(&c->cmp, 0, sizeof(c->cmp));
    memset(c->used_at, 0, sizeof(c->used_at));
    x64_init(&c->hot, c->hot_scratch, sizeof(c->hot_scratch));
    x64_init(&c->cold, c->cold_scratch, sizeof(c->cold_scratch));
    x64_init(&c->warm, c->warm_scratch, sizeof(c->warm_scratch));
    for (unsigned g = 0; g < 32; g++)
        c->g[g] = (struct tr_greg){.host = -1};
    c->touched = 0;
    memset(c->owner, -1, sizeof(c->owner));
    c->loop = loop;
    c->loop_bail = false;
    c->loop_regs = loop ? loop_regs : 0;
    c->loop_written = loop ? loop_written : 0;
    memset(c->fixed, -1, sizeof(c->fixed));
    if (loop) {
        unsigned i = 0;
        for (unsigned g = 1; g < 32; g++)
            if (loop_regs & (1u << g))
                c->fixed[g] = host_regs[i++];
    }

    emit_entry(c);
    for (uint32_t k = 0; k < n && !c->ended; k++) {
        c->k = k;
        c->pc = pc + 4 * k;
        c->in_ds = c->ds_block;
        c->stamp++;
        const struct mips_insn *in = &c->insn[k];
        if ((in->flags & MIPS_F_BRANCH) && k + 1 == n && c->split) {
            tr_branch_split(c, in);
            break;
        }
        if (in->flags & MIPS_F_BRANCH) {
            tr_branch(c, in);
            if (c->ended || k + 2 >= n)
                break;
            k++; /* its delay slot went with it; the block goes on at the fall-through PC */
            continue;
        }
        tr_insn(c, in);
    }
    if (!c->ended) {
        if (c->ds_block)
            tr_ds_exit(c);
        else
            tr_exit_static(c, pc + 4 * n, n);
    }
    return !c->failed && !c->loop_bail && !c->hot.overflow && !c->cold.overflow && !c->warm.overflow && layout(c);
}

struct tb *dbt_translate(struct tr_ctx *c, struct vcpu *v, struct tcache *tc, uint32_t pc, gpa_t phys,
                         const uint8_t *host, uint32_t flags, bool chain)
{
    memset(c, 0, offsetof(struct tr_ctx, insn));
    c->v = v;
    c->tc = tc;
    c->flags = flags;
    c->chain = chain;

    /* Pass 1: the block's extent. */
    uint32_t n = 0, off = pc & 0xFFFu;
    const struct dbt_debug *dbg = &v->vm->dbt_debug;
    uint32_t max = dbg->max_insns && dbg->max_insns < TR_MAX_INSNS ? dbg->max_insns : TR_MAX_INSNS;
    c->observe_stores = v->vm->store_hook != NULL;
    unsigned mode = flags & TB_F_MODE_MASK;
    /* a counting block's kseg0 loads take the counted probe (numa/) */
    if ((mode == MMU_KERNEL || mode == MMU_KERNEL_ERL) && !(flags & TB_F_COUNT)) {
        c->kseg0_window = v->kseg0_window;
        c->kseg0_disp = v->kseg0_disp;
    }
    unsigned sides = 0; /* conditional branches the block goes on past (each a side exit) */
    if (flags & TB_F_DS) {
        /* The delay slot of the branch that ended the block before it, alone (split_ok). */
        uint32_t w;
        memcpy(&w, host + off, 4);
        mips_decode(w, &c->insn[0]);
        if (!slot_ok(&c->insn[0], flags) || traps(&c->insn[0], flags))
            return NULL; /* the interpreter runs it (a trapped slot would find its branch apart) */
        c->ds_block = true;
        n = 1;
        max = 0;
    }
    while (n < max && off + 4 * n < 4096) {
        struct mips_insn *in = &c->insn[n];
        uint32_t w;
        memcpy(&w, host + off + 4 * n, 4);
        mips_decode(w, in);
        if (in->flags & MIPS_F_BRANCH) {
            if (off + 4 * (n + 1) >= 4096 && split_ok(in)) {
                /* its slot on the next page: the branch ends the block, the slot is a block of its own */
                c->split = true;
                n++;
                break;
            }
            if (n + 2 > max || off + 4 * (n + 1) >= 4096)
                break;
            memcpy(&w, host + off + 4 * (n + 1), 4);
            mips_decode(w, &c->insn[n + 1]);
            if (!slot_ok(&c->insn[n + 1], flags))
                break;
            n += 2;
            /* a branch back to the block's start ends it: that is a loop's back edge (loop mode) */
            uint32_t target = pc + 4 * (n - 1) + ((uint32_t)in->simm << 2);
            if (sides < TB_MAX_EXITS - 2 && target != pc && goes_on(in, &c->insn[n - 1], flags)) {
                sides++;
                continue;
            }
            break;
        }
        n++;
        if (always_leaves(in, flags))
            break;
    }
    if (n == 0)
        return NULL;
    c->n = n;

    uint32_t loop_regs = 0, loop_written = 0;
    bool loop = !c->split && !c->ds_block && loop_candidate(c, pc, &loop_regs, &loop_written);
    for (int plain = loop ? 0 : 1; plain < 2; plain++) {
        /* the slot tcache_alloc hands out stays the same until it is inserted: a retry reuses it.
         * No room is asked for up front: layout() checks what the block really needs against
         * what is left, and a block that does not fit makes the caller flush (dbt/exec.c) */
        struct tb *tb = tcache_alloc(tc, 0);
        if (!tb)
            return NULL;
        tb->pc = pc;
        tb->flags = flags;
        tb->phys_pc = phys;
        tb->n_insns = (uint16_t)n;
        if (emit_block(c, tb, !plain, loop_regs, loop_written))
            return tb;
    }
    return NULL;
}

/* ---- one instruction ---- */

/* The lockstep self-test's deliberate bug: flips bit 0 of what the instruction wrote. */
static void corrupt(struct tr_ctx *c, const struct mips_insn *in)
{
    unsigned g = in->rd ? in->rd : in->rt;
    if (in->op == MIPS_OP_ADDIU || in->op == MIPS_OP_ORI || in->op == MIPS_OP_ANDI || in->op == MIPS_OP_XORI ||
        in->op == MIPS_OP_LUI || in->op == MIPS_OP_SLTI || in->op == MIPS_OP_SLTIU)
        g = in->rt;
    if (g == 0)
        return;
    int h = tr_get(c, g);
    x64_alu_r32_imm32(&c->hot, X64_XOR, h, 1);
    tr_written(c, g);
}

void tr_insn(struct tr_ctx *c, const struct mips_insn *in)
{
    c->cmp.valid = false;
    if (tr_alu(c, in)) {
        uint32_t bad_pc = c->v->vm->dbt_debug.corrupt_pc;
        if (__builtin_expect(bad_pc != 0, 0) && c->pc == bad_pc && !c->ended)
            corrupt(c, in);
        return;
    }
    if (__builtin_expect(c->v->prof_on, 0))
        tr_prof_insn(c, in);
    if (tr_mem(c, in) || tr_priv(c, in))
        return;
    if (fpu_op(in) && !(in->flags & MIPS_F_BRANCH)) {
        unsigned dest = fpu_gpr_dest(in);
        x64_mov_r32_imm32(&c->hot, X64_R11, in->raw);
        tr_callout(c, (const void *)fpu_helper, true, dest);
        if (dest) {
            int h = tr_dest(c, dest);
            x64_mov_r32_r32(&c->hot, h, X64_RAX);
            tr_written(c, dest);
        }
        return;
    }
    if (cop2_op(in)) {
        /* No COP2: Coprocessor Unusable with CE = 2 (as the interpreter). */
        tr_raise(c, &c->hot, (enum exc_code)(EXC_CPU | (2u << 8)));
        return;
    }
    switch (in->op) {
    case MIPS_OP_SYSCALL: tr_raise(c, &c->hot, EXC_SYS); return;
    case MIPS_OP_BREAK: tr_raise(c, &c->hot, EXC_BP); return;
    default:
        /* sdbbp (no EJTAG), reserved encodings, a branch where none may be */
        tr_raise(c, &c->hot, EXC_RI);
        return;
    }
}
