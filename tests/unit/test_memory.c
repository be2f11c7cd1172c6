/*
 * Unit tests of guest memory as the engines see it: the Malta's high RAM
 * alias (physical 0x80000000 + X is the same RAM as X) must reach the
 * translations of code at X, whether a guest store or a host write comes
 * through it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "dbt/internal.h"
#include "devices/malta/malta.h"
#include "monitor/internal.h"

#define ADDIU(rt, rs, imm) (0x24000000u | (rs) << 21 | (rt) << 16 | ((imm) & 0xFFFFu))
#define BEQ(rs, rt, off) (0x10000000u | (rs) << 21 | (rt) << 16 | ((off) & 0xFFFFu))
#define NOP 0u
enum { V0 = 2 };

#define CODE_PA 0x4000u
#define CODE_VA (0x80000000u + CODE_PA)
#define ALIAS_VA 0xC0000000u /* kseg2, mapped onto the high alias of CODE_PA */

static struct vm vm;

static int malta_dbt_setup(void **state)
{
    (void)state;
    struct vm_config cfg = {.machine = MACHINE_MALTA, .ram_mb = 32, .deterministic = true,
                            .tlb_entries = MTLB_DEFAULT_ENTRIES, .exec = EXEC_DBT, .serial = SERIAL_NONE};
    char err[256];
    if (vm_create(&vm, &cfg, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return 0;
}

static int vm_teardown(void **state)
{
    (void)state;
    vm_destroy(&vm);
    return 0;
}

/* Runs the code at CODE_VA (v0 = constant, then a loop on itself) for a few instructions; returns v0. */
static uint32_t run_code(void)
{
    struct vcpu *v = vm.vcpu;
    v->pc = CODE_VA;
    v->in_ds = 0;
    v->gpr[V0] = 0;
    v->max_insns = v->icount + 40;
    vcpu_update_next_event(v);
    enum vcpu_exit why = dbt_run(v);
    assert_int_equal(why, VCPU_EXIT_LIMIT);
    return v->gpr[V0];
}

static void test_high_alias_reaches_code(void **state)
{
    (void)state;
    struct vcpu *v = vm.vcpu;
    v->cp0.status &= ~ST_ERL; /* kernel mode with kseg2 mapped */
    v->cp0.status &= ~ST_BEV;
    cp0_update_mode(v);
    const uint32_t code[] = {ADDIU(V0, 0, 1), BEQ(0, 0, -1), NOP};
    assert_int_equal(physmap_write(&vm.physmap, CODE_PA, code, sizeof(code)), 0);
    assert_int_equal(run_code(), 1);

    /* kseg2 page ALIAS_VA -> physical MALTA_HIGH_RAM_BASE + CODE_PA: dirty, valid, global */
    uint32_t pfn = (uint32_t)((MALTA_HIGH_RAM_BASE + CODE_PA) >> 12);
    uint32_t lo0 = pfn << 6 | 3u << 3 | 1u << 2 | 1u << 1 | 1u;
    mtlb_write(&v->tlb, 0, ALIAS_VA, lo0, 1u, 0);

    /* a guest store through the alias rewrites the first instruction */
    uint32_t word = ADDIU(V0, 0, 2);
    assert_true(dbt_mem_slow(v, ALIAS_VA, 4, MMU_STORE, &word, 0xFFFFFFFFu, ALIAS_VA, NULL));
    uint32_t back = 0;
    assert_int_equal(physmap_read(&vm.physmap, CODE_PA, &back, 4), 0);
    assert_int_equal(back, ADDIU(V0, 0, 2));
    assert_int_equal(run_code(), 2);

    /* a host write (DMA) through the alias does the same */
    word = ADDIU(V0, 0, 3);
    assert_int_equal(physmap_write(&vm.physmap, MALTA_HIGH_RAM_BASE + CODE_PA, &word, 4), 0);
    assert_int_equal(run_code(), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_high_alias_reaches_code, malta_dbt_setup, vm_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
