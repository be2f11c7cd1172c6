/*
 * The translator's shared out-of-line stubs: code every block's cold
 * paths jump or call to instead of carrying a copy of it. They live in
 * the code buffer's persistent part next to the trampolines (so a rel32
 * reaches them from every block), are written once when the engine is
 * made, and survive flushes.
 *
 * The memory-access stubs: a slow path passes the address in eax and
 * calls the stub; what differs per site is a record of data after the
 * call (the helper's argument word: op, instructions left, delay slot,
 * destination register; the PC; the write-back map: which guest register
 * each host register holds dirty, and which one holds a store's value or
 * takes a load's; a stored constant). The stub saves the register cache's
 * host registers and calls the helper with the vCPU, the record and a
 * pointer to them (it writes the dirty ones back, the site no longer
 * stores them itself, and puts a loaded value in its register's place),
 * and either restores them and returns to the site, which jumps back to
 * the hot path, or, when the helper's status
 * says the block is left (an exception delivered, an event due, code
 * overwritten), drops the site's return address and leaves through the
 * exit trampoline: the helper has already made pc, in_ds, the budget and
 * the loaded register what the trampoline and the run loop expect
 * (dbt/helpers.c). The refusal stub is the block entry's cold path: the
 * budget given back, pc set, DBT_RET_BUDGET (a block's part of it is a
 * call and the PC and instruction count after it: 10 bytes, 15 before).
 *
 * The exit tails: an unchained exit's stub is the exit's tb | n in rax
 * and a jump here, where pc comes from tb->jmp_target[n] (26 bytes a
 * stub before, 15 now); an exit to a mapped page other than the block's,
 * never chained, also passes its jump-cache slot, and the tail builds the
 * key from the target, the block's flags and the current ASID and goes
 * straight into the block it finds (71 bytes a stub before, 20 now).
 *
 * The kernel probes: a kernel load is translated for the kseg0 window
 * (dbt/tr_mem.c load_kseg0) and its address outside it (kseg2, kuseg,
 * kseg1) takes the software TLB out of line; that probe is called here,
 * one per kernel mode and access size, and returns the hit in the flags.
 */
#include <errno.h>
#include <string.h>

#include "dbt/translate.h"

/* Points the rel32 field at offset `at` of e to target; e's bytes run at `place`. */
static void patch_abs(struct x64_emitter *e, const uint8_t *place, size_t at, const uint8_t *target)
{
    if (at + 4 > e->len)
        return;
    int32_t rel = (int32_t)(target - (place + at + 4));
    memcpy(e->buf + at, &rel, 4);
}

/* The host registers of the register cache, pushed so that the helper finds them in the order of
 * translate.c's host_regs (the write-back map's order): the stub restores them all. */
static const int8_t saved_regs[TR_NHOST] = {X64_RBX, X64_RBP, X64_R12, X64_R13, X64_R14,
                                            X64_RSI, X64_RDI, X64_R8,  X64_R9,  X64_R10};

/*
 * Site: eax = va, then `call stub; jmp join` and the site's record (translate.h, TR_SLOW_REC_*)
 * right after that jmp. The stub saves the host registers, calls the helper with the vCPU, va,
 * the record and the saved registers, and on the way back restores them (a load's destination
 * then holding the loaded value, which the helper put in its place) and returns to the site's jmp.
 * Stack: translated code runs with rsp % 16 == 0 before a call (dbt/exec.c's entry trampoline), so
 * inside a stub ten pushes and eight bytes more realign it for the helper's call.
 */
static void emit_mem_stub(struct x64_emitter *e, const uint8_t *place, const uint8_t *thunk, const uint8_t *exit_code)
{
    for (int i = TR_NHOST - 1; i >= 0; i--)
        x64_push_r64(e, saved_regs[i]);
    x64_mov_r64_r64(e, X64_RDI, X64_R15);
    x64_mov_r32_r32(e, X64_RSI, X64_RAX);
    x64_mov_r64_m64(e, X64_RDX, X64_RSP, 8 * TR_NHOST); /* the site's return address: its jmp */
    x64_alu_r64_imm32(e, X64_ADD, X64_RDX, TR_SLOW_REC_AT);
    x64_mov_r64_r64(e, X64_RCX, X64_RSP);
    x64_alu_r64_imm32(e, X64_SUB, X64_RSP, 8);
    size_t at = x64_call_rel32_field(e);
    patch_abs(e, place, at, thunk);
    x64_mov_r64_r64(e, X64_RCX, X64_RAX);
    x64_shift_r64_imm(e, X64_SHR, X64_RCX, 32);
    size_t out = x64_jcc_rel32(e, X64_CC_NE, 0);
    x64_alu_r64_imm32(e, X64_ADD, X64_RSP, 8);
    for (unsigned i = 0; i < TR_NHOST; i++)
        x64_pop_r64(e, saved_regs[i]);
    x64_ret(e);
    x64_patch_rel32(e, out, e->len);
    /* the frame and the site's return address dropped: the block is left from here */
    x64_alu_r64_imm32(e, X64_ADD, X64_RSP, 8 + 8 * TR_NHOST + 8);
    x64_mov_r32_imm32(e, X64_RAX, DBT_RET_PLAIN);
    at = x64_jmp_rel32(e, 0);
    patch_abs(e, place, at, exit_code);
}

/* eax = va: the probe; a hit returns with ZF set and the host address in rax, a miss with ZF clear
 * (the probe's compare) and eax = va. */
static void emit_kprobe_stub(struct x64_emitter *e, unsigned mode, unsigned size)
{
    size_t miss = tr_emit_stlb_probe(e, mode, size, false, false);
    x64_alu_r32_r32(e, X64_CMP, X64_RCX, X64_RCX);
    x64_ret(e);
    x64_patch_rel32(e, miss, e->len);
    x64_ret(e);
}

_Static_assert(TR_N_STUBS <= sizeof(((struct tcache *)0)->stub) / sizeof(uint8_t *), "tcache.stub[] holds them");

/* rax = tb | n: pc = tb->jmp_target[n] (r11d keeps it); with a slot offset in ecx (jc), the jump
 * cache probed for it (rdx, rsi clobbered) and a hit entered; otherwise the exit trampoline. */
static void emit_exit_tail(struct x64_emitter *e, const uint8_t *place, const uint8_t *exit_code, bool jc,
                           int32_t prof_off)
{
    x64_mov_r64_r64(e, X64_RDX, X64_RAX);
    x64_alu_r64_imm32(e, X64_AND, X64_RDX, (int32_t)~TB_EXIT_MASK);
    x64_mov_r32_r32(e, X64_R11, X64_RAX);
    x64_alu_r32_imm32(e, X64_AND, X64_R11, (int32_t)TB_EXIT_MASK);
    x64_load_bis(e, X64_LD32, X64_R11, X64_RDX, X64_R11, 2, (int32_t)offsetof(struct tb, jmp_target));
    x64_mov_m32_r32(e, X64_R15, VOFF_PC, X64_R11);
    size_t miss = 0;
    if (jc) {
        /* key = target | (flags | TB_JC_ASID_TAG | asid << TB_JC_ASID_SHIFT) << 32 (cache/cache.h) */
        x64_movzx_r32_m8(e, X64_RSI, X64_R15, VOFF_CP0(entryhi));
        x64_shift_r32_imm(e, X64_SHL, X64_RSI, TB_JC_ASID_SHIFT);
        x64_alu_r32_m32(e, X64_OR, X64_RSI, X64_RDX, (int32_t)offsetof(struct tb, flags));
        x64_alu_r32_imm32(e, X64_OR, X64_RSI, (int32_t)TB_JC_ASID_TAG);
        x64_shift_r64_imm(e, X64_SHL, X64_RSI, 32);
        x64_alu_r64_r64(e, X64_OR, X64_RSI, X64_R11);
        x64_alu_r64_mbi(e, X64_CMP, X64_RSI, X64_R15, X64_RCX, 0);
        miss = x64_jcc_rel32(e, X64_CC_NE, 0);
        if (prof_off)
            x64_alu_m64_imm32(e, X64_ADD, X64_R15, prof_off, 1);
        x64_jmp_m64_bi(e, X64_R15, X64_RCX, (int32_t)offsetof(struct tb_jc_entry, code));
        x64_patch_rel32(e, miss, e->len);
    }
    size_t at = x64_jmp_rel32(e, 0);
    patch_abs(e, place, at, exit_code);
}

int tr_stubs_emit(struct tcache *tc)
{
    enum { SIZE = 1024 };
    const uint8_t *load = tcache_thunk(tc, (const void *)dbt_h_load_slow);
    const uint8_t *store = tcache_thunk(tc, (const void *)dbt_h_store_slow);
    uint8_t *p = tcache_reserve(tc, SIZE);
    if (!p || !load || !store || !tc->exit_code)
        return -ENOMEM;
    struct x64_emitter e;
    uint8_t code[SIZE];
    x64_init(&e, code, SIZE); /* then copied through the buffer's write view */
    tc->stub[TR_STUB_LOAD] = p;
    emit_mem_stub(&e, p, load, tc->exit_code);
    x64_align(&e, 16, 0);
    tc->stub[TR_STUB_STORE] = p + e.len;
    emit_mem_stub(&e, p, store, tc->exit_code);
    x64_align(&e, 16, 0);
    /* called, the block's PC (u32) and instruction count (u8) after the call; never returns (the
     * return address popped: the one return this unbalances is the exit trampoline's, once) */
    _Static_assert(TR_MAX_INSNS < 256, "a block's instruction count fits a byte");
    tc->stub[TR_STUB_REFUSE] = p + e.len;
    x64_pop_r64(&e, X64_RCX);
    x64_movzx_r32_m8(&e, X64_RDX, X64_RCX, 4);
    x64_mov_r32_m32(&e, X64_RCX, X64_RCX, 0);
    x64_alu_r64_m64(&e, X64_ADD, X64_RDX, X64_R15, VOFF_BUDGET);
    x64_mov_m64_r64(&e, X64_R15, VOFF_BUDGET, X64_RDX);
    x64_mov_m32_r32(&e, X64_R15, VOFF_PC, X64_RCX);
    x64_mov_r32_imm32(&e, X64_RAX, DBT_RET_BUDGET);
    size_t at = x64_jmp_rel32(&e, 0);
    patch_abs(&e, p, at, tc->exit_code);
    x64_align(&e, 16, 0);
    tc->stub[TR_STUB_EXIT] = p + e.len;
    emit_exit_tail(&e, p, tc->exit_code, false, 0);
    x64_align(&e, 16, 0);
    tc->stub[TR_STUB_EXIT_JC] = p + e.len;
    emit_exit_tail(&e, p, tc->exit_code, true, 0);
    x64_align(&e, 16, 0);
    tc->stub[TR_STUB_EXIT_JC_PROF_U] = p + e.len;
    emit_exit_tail(&e, p, tc->exit_code, true, VOFF_PROF(jc_inline_hits[0]));
    x64_align(&e, 16, 0);
    tc->stub[TR_STUB_EXIT_JC_PROF_K] = p + e.len;
    emit_exit_tail(&e, p, tc->exit_code, true, VOFF_PROF(jc_inline_hits[1]));
    for (unsigned mode = MMU_KERNEL; mode <= MMU_KERNEL_ERL; mode++)
        for (unsigned size = 1; size <= 4; size *= 2) {
            x64_align(&e, 16, 0);
            tc->stub[tr_kprobe_stub(mode, size)] = p + e.len;
            emit_kprobe_stub(&e, mode, size);
        }
    if (e.overflow)
        return -ENOMEM;
    tcache_write(tc, p, code, e.len);
    return 0;
}
