/*
 * dbt/ internal: the translator's shared state and the interface between
 * the block loop (translate.c), the per-class translators (tr_alu.c,
 * tr_mem.c, tr_branch.c, tr_cp0.c), the helpers translated code calls
 * (helpers.c) and the run loop (exec.c).
 *
 * Code generation model. r15 holds the struct vcpu pointer for the whole
 * time translated code runs. A block is emitted as a hot section (the
 * straight-line path), a warm one (the taken edges of its side exits:
 * write-back and chained jump, which the kernel takes often) and a cold
 * one (slow paths, unchained exit stubs), each into its own scratch
 * buffer; at the end hot and warm are copied one after the other into the
 * TB's place and cold to the far end of the code buffer (cache/cache.h),
 * and every recorded fixup (jumps between sections, calls to helpers,
 * jumps to the shared exit) is resolved. Guest registers live in
 * host registers within a block (the register cache below), with known
 * constants kept as immediates until something needs them in a register.
 *
 * Instruction count: translated code keeps one counter, dbt_budget in
 * struct vcpu (next_event minus the icount the running block reaches at its
 * end). A block entry subtracts its instruction count and refuses, undoing
 * it, if the result is negative (icount + n > next_event), so a block never
 * runs past an event in deterministic mode; that is all a block entry costs
 * (sub + js). icount itself is only written when control leaves translated
 * code: the exit trampoline sets icount = next_event - budget, exits that
 * retire fewer than n instructions add the difference back to the budget
 * first, and every helper call writes the exact icount before it and
 * recomputes the budget from next_event after it (the helper may have moved
 * the next event; if it moved it before the end of the block, a negative
 * budget, a CP0 write or a memory access leaves the block after itself). The budget never exceeds the poll horizon of
 * vcpu_update_next_event, so an exit request set by another thread (which
 * translated code does not test) is seen within that many instructions.
 */
#ifndef MVISOR_DBT_TRANSLATE_H
#define MVISOR_DBT_TRANSLATE_H

#include <stddef.h>

#include "cache/cache.h"
#include "dbt/internal.h"
#include "dbt/x64_emit.h"

/* ---- frozen vcpu offsets used by generated code ---- */
#define VOFF_GPR(r) ((int32_t)(offsetof(struct vcpu, gpr) + 4 * (r)))
#define VOFF_PC ((int32_t)offsetof(struct vcpu, pc))
#define VOFF_KSEG0_VIEW ((int32_t)offsetof(struct vcpu, kseg0_view))
#define VOFF_HI ((int32_t)offsetof(struct vcpu, hi))
#define VOFF_LO ((int32_t)offsetof(struct vcpu, lo))
#define VOFF_IN_DS ((int32_t)offsetof(struct vcpu, in_ds))
#define VOFF_DS_TARGET ((int32_t)offsetof(struct vcpu, ds_target))
#define VOFF_LLBIT ((int32_t)offsetof(struct vcpu, llbit))
#define VOFF_CP0(f) ((int32_t)offsetof(struct vcpu, cp0.f))
#define VOFF_EXIT_REQUEST ((int32_t)offsetof(struct vcpu, exit_request))
#define VOFF_ICOUNT ((int32_t)offsetof(struct vcpu, icount))
#define VOFF_NEXT_EVENT ((int32_t)offsetof(struct vcpu, next_event))
#define VOFF_BUDGET ((int32_t)offsetof(struct vcpu, dbt_budget))
#define VOFF_LATCH(i) ((int32_t)(offsetof(struct vcpu, dbt_latch) + 4 * (i)))
#define VOFF_STLB(mode) ((int32_t)(offsetof(struct vcpu, stlb) + (mode) * STLB_SIZE * sizeof(struct stlb_entry)))
#define VOFF_JC ((int32_t)offsetof(struct vcpu, jc))
/* NUMA access counters (numa/): an entry's loads / stores, a fetch slot's block entries. */
#define VOFF_STLB_CNT(mode, acc) \
    ((int32_t)(offsetof(struct vcpu, stlb.cnt) + (mode) * STLB_SIZE * sizeof(struct stlb_count) + (acc) * 8))
#define VOFF_STLB_FETCH(slot) ((int32_t)(offsetof(struct vcpu, stlb.fetch) + (slot) * 8))
#define VOFF_PROF(f) ((int32_t)offsetof(struct vcpu, prof.f))

/* Return values of translated code (rax) besides a chainable exit (tb pointer | exit number). */
#define DBT_RET_PLAIN 0u  /* pc set; look the next block up */
#define DBT_RET_BUDGET 2u /* block entry refused: an event is due, or the block does not fit the budget */
#define DBT_RET_WAIT 4u   /* a wait instruction retired: sleep until an interrupt */
/* A privileged instruction trapped (--exec trap): pc and in_ds say where, bits 4.. the cause. */
#define DBT_RET_TRAP 6u
#define DBT_RET_CAUSE_SHIFT 4

/* Helper status, in bits 32.. of a helper's 64-bit return (the low 32 bits are a value). */
#define DBT_ST_EXIT (1ull << 32) /* retired; leave the block after this instruction */
#define DBT_ST_EXC (1ull << 33)  /* an exception was delivered (pc is the vector): leave now */

#define TR_MAX_INSNS 64
#define TR_HOT_MAX 24576
#define TR_COLD_MAX 32768
#define TR_WARM_MAX 8192
#define TR_MAX_CODE (TR_HOT_MAX + TR_WARM_MAX + TR_COLD_MAX)
#define TR_MAX_FIXUPS 1024
#define TR_NHOST 10

enum tr_sect { SECT_HOT = 0, SECT_COLD = 1, SECT_ABS = 2, SECT_WARM = 3 };

struct tr_fixup {
    uint8_t sect, target_sect; /* where the rel32 field is; what it points into */
    uint32_t at;
    uint64_t target;           /* offset in target_sect, or an absolute address */
};

struct tr_greg {
    int8_t host;   /* host register, or -1 */
    bool dirty;    /* host (or constant) value differs from memory */
    bool pending;  /* host register allocated as a destination; no value yet (memory is valid) */
    bool is_const; /* value known: cval (host may be -1) */
    uint32_t cval;
};

/* A compare the last instruction made, for fusing slt/sltu/slti/sltiu with a following branch. */
struct tr_cmp {
    bool valid;
    uint8_t rd, rs, rt; /* rd = (rs < rt or imm); rt = 0xFF for the immediate forms */
    int32_t imm;
    bool is_unsigned;
    uint8_t cc;     /* the x64 condition code of rs < rt on the flags the compare left */
    size_t hot_end; /* hot offset right after the slt: the flags still hold its compare while the
                       branch emits nothing but moves after it */
};

/*
 * The translator's working state for one block. Each engine (one per VM, dbt/exec.c) owns one, so
 * VMs translate independently; translation within a VM is serialised with its cache.
 */
struct tr_ctx {
    struct vcpu *v;
    struct tcache *tc;
    struct tb *tb;
    uint32_t flags;
    bool chain;         /* chaining and the inline jump-cache probe allowed */
    bool observe_stores; /* the VM observes stores (vm->store_hook): every store goes through its helper */
    uint32_t kseg0_window; /* kernel block: bytes of kseg0 RAM loads reach through the vCPU's
                              kseg0_view (the pmap's RAM view); 0 = none */
    int32_t kseg0_disp;    /* the view's distance from the vCPU (r15), or 0: load the base */
    struct x64_emitter hot, cold, warm;
    unsigned n_fix;     /* fixups in fix[] (which is not cleared: 16 KiB per block was) */
    bool failed;        /* out of fixups or scratch space: give up on this block */

    /* the block */
    uint32_t n;         /* instructions in the block (what entry adds to icount) */
    uint32_t k;         /* index of the instruction being translated */
    uint32_t pc;        /* its guest PC */
    bool in_ds;         /* it is a delay slot */
    bool ended;         /* the block's exit has been emitted */
    bool split;         /* the block ends in a branch whose delay slot is on the next page */
    bool ds_block;      /* TB_F_DS: the block is that delay slot alone */
    unsigned n_exits;   /* chainable exits used (0..TB_MAX_EXITS) */
    uint8_t exit_sect[TB_MAX_EXITS]; /* enum tr_sect of the exit's jmp (a side exit's: warm) */

    /* register cache */
    struct tr_greg g[32];
    uint32_t touched;   /* every guest register that may have been dirty in this block (writeback
                           visits these alone: a superset, it only grows) */
    int8_t owner[16];   /* guest register held by each host register, or -1 */
    uint32_t used_at[16]; /* last instruction stamp that used it (pinned while == stamp) */
    uint32_t stamp;
    struct tr_cmp cmp;

    /* Loop mode: the block ends in a branch back to its own start, and each guest register it
     * touches lives in one fixed host register for the whole block, so the taken branch jumps
     * straight to the per-iteration entry check with every value still in place (translate.c). */
    bool loop;
    bool loop_bail;       /* the assignment did not hold: the block is translated again without */
    uint32_t loop_regs;   /* the guest registers of the block */
    uint32_t loop_written; /* those it may write (dirty from the loop head on) */
    int8_t fixed[32];     /* the host register of each of them, -1 for the others */
    size_t loop_head;     /* hot offset of the entry check that every iteration passes */

    struct mips_insn insn[TR_MAX_INSNS + 1]; /* not cleared per block (nor what follows) */
    struct tr_fixup fix[TR_MAX_FIXUPS];
    uint8_t hot_scratch[TR_HOT_MAX], cold_scratch[TR_COLD_MAX], warm_scratch[TR_WARM_MAX]; /* then laid out */
};

/* ---- translate.c: block loop, register cache, exits, fixups ---- */

/* Translates the block at (pc, phys) for flags; NULL if the block must be interpreted instead. */
struct tb *dbt_translate(struct tr_ctx *c, struct vcpu *v, struct tcache *tc, uint32_t pc, gpa_t phys,
                         const uint8_t *host, uint32_t flags, bool chain);

void tr_fixup(struct tr_ctx *c, struct x64_emitter *e, size_t at, enum tr_sect target_sect, uint64_t target);
/* Jumps (jmp or jcc) from e to an offset of a section / an absolute address. */
void tr_jmp_to(struct tr_ctx *c, struct x64_emitter *e, enum tr_sect sect, size_t target);
void tr_jcc_to(struct tr_ctx *c, struct x64_emitter *e, enum x64_cc cc, enum tr_sect sect, size_t target);
/* Calls a helper (rel32 when the code buffer reaches it, else through rax). */
void tr_call(struct tr_ctx *c, struct x64_emitter *e, const void *fn);
/* Jumps to the shared exit (rax already holds the return value). */
void tr_exit_jmp(struct tr_ctx *c, struct x64_emitter *e);
static inline enum tr_sect tr_sect_of(const struct tr_ctx *c, const struct x64_emitter *e)
{
    return e == &c->cold ? SECT_COLD : e == &c->warm ? SECT_WARM : SECT_HOT;
}

/* Register cache. */
bool tr_is_const(const struct tr_ctx *c, unsigned g, uint32_t *val);
int tr_get(struct tr_ctx *c, unsigned g);          /* host register holding g's value (g != 0) */
int tr_dest(struct tr_ctx *c, unsigned g);         /* host register to write g into (g != 0) */
void tr_written(struct tr_ctx *c, unsigned g);     /* g's host register now holds its new value */
void tr_set_const(struct tr_ctx *c, unsigned g, uint32_t val);
/* Value of g into a scratch register (rax/rcx/rdx/r11), whatever g's state. */
void tr_load_scratch(struct tr_ctx *c, struct x64_emitter *e, int scratch, unsigned g);
/* Stores every dirty register into struct vcpu; mark = true also marks them clean. */
void tr_writeback(struct tr_ctx *c, struct x64_emitter *e, bool mark);
/* The write-back of a slow path done by its helper (dbt/tr_stubs.c): emits the stores of dirty
 * constants into e (not marking them clean) and returns the map of the dirty registers the host
 * registers hold, TR_WB_MAP_BITS per host register in the stub's order (guest register, 0: none). */
#define TR_WB_MAP_BITS 5
uint64_t tr_writeback_map(struct tr_ctx *c, struct x64_emitter *e);
/* The index of a host register of the register cache in the map's order (-1: not one of them). */
int tr_host_slot(int h);
/* After a call in hot code: caller-saved host registers lose their guest values. */
void tr_forget_caller_saved(struct tr_ctx *c);

/* On a path that leaves the block having retired `retired` of its instructions (before the exit
 * trampoline, which derives icount from the budget): emits budget += n - retired. */
void tr_icount_fix(struct tr_ctx *c, struct x64_emitter *e, uint32_t retired);
/* Before a helper call at instruction k: icount = the exact count (scratch register clobbered). */
void tr_icount_sync(struct tr_ctx *c, struct x64_emitter *e, int scratch);
/* After a helper call at instruction k, icount still exact: the budget for a path that will have
 * retired `retired` instructions when it leaves (n: the block goes on); clobbers rdx. */
void tr_budget_resync(struct tr_ctx *c, struct x64_emitter *e, uint32_t retired);
/* Records pc/in_ds of the current instruction in struct vcpu (before anything that can fault). */
void tr_set_pc(struct tr_ctx *c, struct x64_emitter *e);

/* Calls helper fn(v, r11, edx, ecx) with the exact state of the current instruction: dirty
 * registers written back in hot code, icount exact during the call. The helper's status bits
 * leave the block (exception, or exit after the instruction); otherwise rax holds the value and
 * caller-saved registers are forgotten. dest: the guest register the caller will write the value
 * to (stored directly when the block is left after the instruction), 0 = none. */
void tr_callout(struct tr_ctx *c, const void *fn, bool set_pc, unsigned dest);
/* tr_callout for a helper that may move the next event to before the end of the block (a CP0
 * write, a store that may reach a device): the block is then left after the instruction, so that
 * it does not run past the event. Not for branches or block-ending instructions. */
void tr_callout_ev(struct tr_ctx *c, const void *fn, bool set_pc, unsigned dest);
/* Raises a guest exception at the current instruction (from e; state is written back there). */
void tr_raise(struct tr_ctx *c, struct x64_emitter *e, enum exc_code code);
/* Ends the block with a chainable jump to a static guest PC (retired = instructions retired). */
void tr_exit_static(struct tr_ctx *c, uint32_t target, uint32_t retired);
/* A side exit of a block that goes on past a conditional branch: jcc cc from the hot path to
 * warm code that writes the state back (the hot path keeps it dirty) and leaves through a
 * chainable jump to target, having retired `retired` instructions. */
void tr_side_exit(struct tr_ctx *c, enum x64_cc cc, uint32_t target, uint32_t retired);
/* Whether a delay slot is plain: no load, store, helper call, trap or exit of its own, so it may be
 * translated more than once (on each edge of its branch) and a block may go on past its branch. */
bool tr_slot_plain(const struct mips_insn *slot, uint32_t flags);
/* Guest registers an instruction may write (a superset, decided by its encoding alone). */
uint32_t tr_insn_writes(const struct mips_insn *in);
/* Whether a taken branch to target is the back edge of a loop-mode block. */
static inline bool tr_loops_to(const struct tr_ctx *c, uint32_t target)
{
    return c->loop && target == c->tb->pc;
}
/* Loop mode: the back edge. Puts every register of the block into its host register and jumps to
 * the entry check; the register cache is left as it was (the code after it is the other edge). */
void tr_loop_back(struct tr_ctx *c);
/* Whether every register of a loop block is in its host register now (a back edge needs no moves). */
bool tr_loop_in_place(const struct tr_ctx *c);
/* Ends the block returning DBT_RET_PLAIN (or ret) with pc = target (value in a scratch reg or imm). */
void tr_exit_plain_imm(struct tr_ctx *c, struct x64_emitter *e, uint32_t target, uint32_t retired, uint32_t ret);

/* ---- tr_stubs.c: shared out-of-line code in the buffer's persistent part (tcache.stub[]) ---- */
enum tr_stub {
    TR_STUB_LOAD, TR_STUB_STORE, TR_STUB_REFUSE,
    /* an unchained exit's tail, rax = tb | n: pc = tb->jmp_target[n], then the exit trampoline */
    TR_STUB_EXIT,
    /* the same for a mapped target on another page, ecx = its jump-cache slot's offset from r15: a
     * hit goes straight into the block (the _PROF variants count it for a user / kernel block) */
    TR_STUB_EXIT_JC, TR_STUB_EXIT_JC_PROF_U, TR_STUB_EXIT_JC_PROF_K,
    /* a kernel load's software-TLB probe off the kseg0 window, eax = va, one per kernel mode (MMU_KERNEL,
     * MMU_KERNEL_ERL) and size (1, 2, 4): ZF set and rax the host address on a hit, ZF clear and eax
     * still va on a miss; rcx and rdx clobbered (tr_kprobe_stub) */
    TR_STUB_KPROBE,
    TR_N_STUBS = TR_STUB_KPROBE + 6
};
static inline enum tr_stub tr_kprobe_stub(unsigned mode, unsigned size)
{
    return (enum tr_stub)(TR_STUB_KPROBE + 3 * mode + (size == 4 ? 2 : size == 2 ? 1 : 0));
}
/* The inline software-TLB probe with va in eax (dbt/tr_mem.c): on a hit it falls through with the
 * host address in rax; returns the offset of the miss jne's rel32 field in e. count: a NUMA counting
 * block's access count too. */
size_t tr_emit_stlb_probe(struct x64_emitter *e, unsigned mode, unsigned size, bool store, bool count);
/* Writes the stubs once, after the exit trampoline (before any block); -ENOMEM if they do not fit. */
int tr_stubs_emit(struct tcache *tc);

/* ---- per-class translators: each returns false if it does not handle the op ---- */
bool tr_alu(struct tr_ctx *c, const struct mips_insn *in);
bool tr_mem(struct tr_ctx *c, const struct mips_insn *in);
bool tr_branch(struct tr_ctx *c, const struct mips_insn *in);
/* The branch ending a split block (its slot on the next page): the branch retires, and the block
 * leaves with pc at the slot, in_ds and ds_target set, for the slot's own block (TB_F_DS). */
void tr_branch_split(struct tr_ctx *c, const struct mips_insn *in);
/* The end of a delay-slot block: on to ds_target (the jump cache inline, else the run loop). */
void tr_ds_exit(struct tr_ctx *c);
/* The one switch point for privileged instructions (strategy from the TB flags). */
bool tr_priv(struct tr_ctx *c, const struct mips_insn *in);
/* Translates one non-branch instruction (the body of a block or a delay slot). */
void tr_insn(struct tr_ctx *c, const struct mips_insn *in);

/* ---- helpers called by translated code (helpers.c) ---- */
uint64_t dbt_h_load(struct vcpu *v, uint32_t va, uint32_t op);
uint64_t dbt_h_store(struct vcpu *v, uint32_t va, uint32_t val, uint32_t op);
/* The inline accesses' slow paths: arg = op | instructions of the block from this one on <<
 * DBT_SLOW_REM_SHIFT | DBT_SLOW_CHECK (a moved event ends the block after this instruction) |
 * DBT_SLOW_DS (the access is in a delay slot) | the load's destination register <<
 * DBT_SLOW_DEST_SHIFT; they sync icount, the budget, pc and in_ds themselves, and when they
 * return a status the block is left at once (dbt/helpers.c, dbt/tr_stubs.c). */
#define DBT_SLOW_OP_MASK 0xFFFFu
#define DBT_SLOW_REM_SHIFT 16
#define DBT_SLOW_CHECK (1u << 24)
#define DBT_SLOW_DS (1u << 25)
#define DBT_SLOW_DEST_SHIFT 26
/* A slow path's record (dbt/tr_mem.c, dbt/tr_stubs.c), TR_SLOW_REC_AT bytes after the stub's return
 * address: the argument word (u32), the PC (u32), 7 bytes of the write-back map (tr_writeback_map)
 * with, in bits TR_SLOW_REG_SHIFT.., the host register (in the map's order) of a store's value or a
 * load's destination, TR_SLOW_REG_NONE for none, or TR_SLOW_REG_IMM for a store of the constant
 * (u32) that then ends the record. regs: the host registers as the stub saved them (the map's order). */
#define TR_SLOW_REC_AT 5 /* the site's `jmp join` */
#define TR_SLOW_MAP_BYTES 7
#define TR_SLOW_REG_SHIFT 52
#define TR_SLOW_REG_NONE 0xFu
#define TR_SLOW_REG_IMM 0xEu
uint64_t dbt_h_load_slow(struct vcpu *v, uint32_t va, const uint8_t *rec, uint64_t *regs);
uint64_t dbt_h_store_slow(struct vcpu *v, uint32_t va, const uint8_t *rec, uint64_t *regs);
uint64_t dbt_h_lwlr(struct vcpu *v, uint32_t va, uint32_t rt, uint32_t op);
uint64_t dbt_h_swlr(struct vcpu *v, uint32_t va, uint32_t rt, uint32_t op);
uint64_t dbt_h_ll(struct vcpu *v, uint32_t va);
uint64_t dbt_h_sc(struct vcpu *v, uint32_t va, uint32_t rt);
uint64_t dbt_h_raise(struct vcpu *v, uint32_t code);
uint64_t dbt_h_raise_cpu(struct vcpu *v, uint32_t unit);
uint64_t dbt_h_div(struct vcpu *v, uint32_t rs, uint32_t rt);
uint64_t dbt_h_divu(struct vcpu *v, uint32_t rs, uint32_t rt);
uint64_t dbt_h_mfc0(struct vcpu *v, uint32_t regsel);
uint64_t dbt_h_mtc0(struct vcpu *v, uint32_t regsel, uint32_t val, uint32_t tb_flags);
uint64_t dbt_h_tlb(struct vcpu *v, uint32_t op);
uint64_t dbt_h_eret(struct vcpu *v);
uint64_t dbt_h_ei(struct vcpu *v);
uint64_t dbt_h_mt(struct vcpu *v, uint32_t raw);
uint64_t dbt_h_icache_inval(struct vcpu *v, uint32_t va);
uint64_t dbt_h_rdhwr(struct vcpu *v, uint32_t hwr);
/* bc1f/bc1t: CU1 checked (Coprocessor Unusable), then FP condition (fcc_want & 7) == bit 8. */
uint64_t dbt_h_fpcond(struct vcpu *v, uint32_t fcc_want);

/* ---- profiling (profile.c): increments emitted only while the vCPU profiles (prof_on) ---- */
/* Adds 1 to the 64-bit vCPU field at off (flags clobbered). */
void tr_prof_count(struct tr_ctx *c, struct x64_emitter *e, int32_t off);
/* The per-instruction counts of in (memory accesses, privileged operations). */
void tr_prof_insn(struct tr_ctx *c, const struct mips_insn *in);

/* TB flags for the vCPU's current state. */
uint32_t dbt_tb_flags(const struct vcpu *v);

#endif
