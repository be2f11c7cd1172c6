/*
 * The spin-wait flag of a translated block (dbt/exec.c spin_wait_shape), set once when the run
 * loop translates the block and read when an instruction budget runs out in it:
 *  - set for the two loops Linux's qspinlock waits in, `lw; andi; bnez` (the locked byte) and
 *    `lw; beqz` (its MCS node), each branching back to its own first instruction;
 *  - not set for near misses: the same loop with a store in it, a countdown loop that loads
 *    nothing (a delay loop), and the load loop whose branch goes back to its second instruction.
 * Each block is run through the run loop (dbt_run_steps) until its budget runs out, as a vCPU
 * would, and then looked up in the translation cache.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "dbt/translate.h"

static struct vm vm;

static int setup(void **state)
{
    (void)state;
    struct vm_config cfg = {.machine = MACHINE_TESTBENCH, .ram_mb = 16, .deterministic = true,
                            .tlb_entries = MTLB_DEFAULT_ENTRIES, .exec = EXEC_DBT};
    cfg.console_out = stderr;
    char err[256];
    if (vm_create(&vm, &cfg, err, sizeof(err)) < 0)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    vm_destroy(&vm);
    return 0;
}

#define CODE_PA 0x4000u
#define CODE_VA (0x80000000u + CODE_PA)
#define DATA_VA (0x80000000u + 0x8000u) /* a word that stays 0: the spin never ends */

/* MIPS encodings (Vol. II): */
#define LW(rt, base, off) (0x8C000000u | (base) << 21 | (rt) << 16 | ((off) & 0xFFFFu))
#define SW(rt, base, off) (0xAC000000u | (base) << 21 | (rt) << 16 | ((off) & 0xFFFFu))
#define ANDI(rt, rs, imm) (0x30000000u | (rs) << 21 | (rt) << 16 | (imm))
#define ADDIU(rt, rs, imm) (0x24000000u | (rs) << 21 | (rt) << 16 | ((imm) & 0xFFFFu))
#define BEQ(rs, rt, off) (0x10000000u | (rs) << 21 | (rt) << 16 | ((off) & 0xFFFFu))
#define BNE(rs, rt, off) (0x14000000u | (rs) << 21 | (rt) << 16 | ((off) & 0xFFFFu))
#define NOP 0u
enum { T0 = 8, T1 = 9, A0 = 4, S1 = 17 };

/* Runs the n words at CODE_VA (entered at CODE_VA + 4 * entry) until an instruction budget or two
 * ran out, and returns the block the run loop translated at pc. */
static const struct tb *run_block(const uint32_t *words, unsigned n, unsigned entry, uint32_t pc)
{
    assert_int_equal(physmap_write(&vm.physmap, CODE_PA, words, 4 * n), 0);
    tcache_flush(vm.tcache);
    tb_jc_flush_all(vm.vcpu->jc);
    struct vcpu *v = vm.vcpu;
    memset(v->gpr, 0, sizeof(v->gpr));
    v->gpr[A0] = DATA_VA;
    v->gpr[S1] = DATA_VA - 4;
    v->gpr[T0] = 1000000; /* the countdown's start: it does not end within the steps */
    v->pc = CODE_VA + 4 * entry;
    v->in_ds = false;
    uint64_t icount0 = v->icount;
    dbt_run_steps(v, 4);
    assert_true(v->icount - icount0 > 100); /* it looped (a budget's worth) */
    uint32_t flags = dbt_tb_flags(v);
    const struct tb *tb = tcache_lookup(vm.tcache, CODE_PA + (pc - CODE_VA), pc, flags);
    assert_non_null(tb);
    return tb;
}

static void test_locked_byte_loop(void **state)
{
    (void)state;
    /* 1: lw t0, 0(a0); andi t0, t0, 0xff; bnez t0, 1b; nop; then a way out the spin never takes */
    const uint32_t code[] = {LW(T0, A0, 0), ANDI(T0, T0, 0xFF), BEQ(T0, 0, -3), NOP, NOP, NOP};
    assert_true(run_block(code, 6, 0, CODE_VA)->spin_wait);
}

static void test_mcs_node_loop(void **state)
{
    (void)state;
    /* 1: lw t1, 4(s1); beqz t1, 1b; nop */
    const uint32_t code[] = {LW(T1, S1, 4), BEQ(T1, 0, -2), NOP, NOP, NOP};
    assert_true(run_block(code, 5, 0, CODE_VA)->spin_wait);
}

static void test_loop_with_store(void **state)
{
    (void)state;
    /* 1: lw t0, 0(a0); sw t0, 4(a0); beqz t0, 1b; nop: it writes memory, so it is not waiting */
    const uint32_t code[] = {LW(T0, A0, 0), SW(T0, A0, 4), BEQ(T0, 0, -3), NOP, NOP, NOP};
    assert_false(run_block(code, 6, 0, CODE_VA)->spin_wait);
}

static void test_countdown_loop(void **state)
{
    (void)state;
    /* 1: addiu t0, t0, -1; bnez t0, 1b; nop: a delay loop, it waits for no other CPU */
    const uint32_t code[] = {ADDIU(T0, T0, -1), BNE(T0, 0, -2), NOP, NOP, NOP};
    assert_false(run_block(code, 5, 0, CODE_VA)->spin_wait);
}

static void test_branch_to_second(void **state)
{
    (void)state;
    /* lw t0, 0(a0); 1: andi t1, t0, 0xff; beqz t1, 1b; nop, entered at the lw: the block at the lw
     * branches back to its second instruction (the andi's block is the loop) */
    const uint32_t code[] = {LW(T0, A0, 0), ANDI(T1, T0, 0xFF), BEQ(T1, 0, -2), NOP, NOP, NOP};
    const struct tb *tb = run_block(code, 6, 0, CODE_VA);
    assert_false(tb->spin_wait);
    /* and the andi's loop itself loads nothing */
    assert_false(run_block(code, 6, 1, CODE_VA + 4)->spin_wait);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_locked_byte_loop),
        cmocka_unit_test(test_mcs_node_loop),
        cmocka_unit_test(test_loop_with_store),
        cmocka_unit_test(test_countdown_loop),
        cmocka_unit_test(test_branch_to_second),
    };
    return cmocka_run_group_tests_name("spin_wait", tests, setup, teardown);
}
