/*
 * The translator's shared out-of-line stubs: code every block's cold
 * paths jump or call to instead of carrying a copy of it. They live in
 * the code buffer's persistent part next to the trampolines (so a rel32
 * reaches them from every block), are written once when the engine is
 * made, and survive flushes.
 *
 * The memory-access stubs: a slow path passes the address in eax and
 * what differs per site in registers (the helper's argument word: op,
 * instructions left, delay slot, destination register; the value for a
 * store; the PC) and calls the stub, which calls the helper with the
 * vCPU and either returns the loaded value in eax (the site reloads its
 * caller-saved guest registers and goes on) or, when the helper's status
 * says the block is left (an exception delivered, an event due, code
 * overwritten), drops the site's return address and leaves through the
 * exit trampoline: the helper has already made pc, in_ds, the budget and
 * the loaded register what the trampoline and the run loop expect
 * (dbt/helpers.c). The refusal stub is the block entry's cold path: the
 * budget given back, pc set, DBT_RET_BUDGET.
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

/* Stack: translated code runs with rsp % 16 == 0 before a call (dbt/exec.c's entry trampoline),
 * so inside a stub one push realigns it for the helper's call. */
static void emit_mem_stub(struct x64_emitter *e, const uint8_t *place, const uint8_t *thunk, const uint8_t *exit_code)
{
    x64_push_r64(e, X64_RAX);
    x64_mov_r64_r64(e, X64_RDI, X64_R15);
    x64_mov_r32_r32(e, X64_RSI, X64_RAX);
    size_t at = x64_call_rel32_field(e);
    patch_abs(e, place, at, thunk);
    x64_pop_r64(e, X64_RCX);
    x64_mov_r64_r64(e, X64_RCX, X64_RAX);
    x64_shift_r64_imm(e, X64_SHR, X64_RCX, 32);
    size_t out = x64_jcc_rel32(e, X64_CC_NE, 0);
    x64_ret(e);
    x64_patch_rel32(e, out, e->len);
    x64_pop_r64(e, X64_RCX); /* the site's return address: the block is left from here */
    x64_mov_r32_imm32(e, X64_RAX, DBT_RET_PLAIN);
    at = x64_jmp_rel32(e, 0);
    patch_abs(e, place, at, exit_code);
}

int tr_stubs_emit(struct tcache *tc)
{
    enum { SIZE = 192 };
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
    /* ecx = the block's PC, rdx = its instruction count */
    tc->stub[TR_STUB_REFUSE] = p + e.len;
    x64_alu_r64_m64(&e, X64_ADD, X64_RDX, X64_R15, VOFF_BUDGET);
    x64_mov_m64_r64(&e, X64_R15, VOFF_BUDGET, X64_RDX);
    x64_mov_m32_r32(&e, X64_R15, VOFF_PC, X64_RCX);
    x64_mov_r32_imm32(&e, X64_RAX, DBT_RET_BUDGET);
    size_t at = x64_jmp_rel32(&e, 0);
    patch_abs(&e, p, at, tc->exit_code);
    if (e.overflow)
        return -ENOMEM;
    tcache_write(tc, p, code, e.len);
    return 0;
}
