/*
 * Unit tests of the CP1 layer (dbt/fpu.c) through its engine interfaces, on a real
 * testbench VM: fpu_exec (the interpreter's), fpu_helper (translated code's callout:
 * status bits and the GPR value it returns, its decode cache), and the register-file
 * accessors for Status.FR = 0 and 1 (Vol. I-A, FPU registers: FR = 0 pairs even/odd).
 * The instruction words were assembled with mipsel-linux-gnu-as -march=mips32r2 -mfp64.
 * The arithmetic itself is checked in test_fpu_ieee.c, the instructions in tests/isa/fpu*.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "dbt/fpu.h"
#include "dbt/translate.h"
#include "monitor/internal.h"

static struct vm vm;
static struct vcpu *v;

static int setup(void **state)
{
    (void)state;
    struct vm_config cfg = {.machine = MACHINE_TESTBENCH, .ram_mb = 16, .deterministic = true,
                            .tlb_entries = 16, .cpu = CPU_24KF};
    char err[256];
    if (vm_create(&vm, &cfg, err, sizeof(err)) < 0)
        return -1;
    v = vm.vcpu;
    cp0_write(v, CP0_STATUS, 0, ST_CU0 | ST_CU1 | ST_FR);
    v->pc = 0x80001000u;
    v->in_ds = 0;
    v->next_event = UINT64_MAX;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    vm_destroy(&vm);
    return 0;
}

#define W_ADD_S 0x46051840u  /* add.s $f1, $f3, $f5 */
#define W_MFC1 0x44021800u   /* mfc1 $2, $f3 */
#define W_MFC1_ZERO 0x44001800u /* mfc1 $0, $f3 */
#define W_CFC1 0x4442F800u   /* cfc1 $2, $31 */
#define W_MOVT 0x007D1001u   /* movt $2, $3, $fcc7 */
#define W_DIV_S 0x46051843u  /* div.s $f1, $f3, $f5 */

static void test_helper_cpu_unusable(void **state)
{
    (void)state;
    cp0_write(v, CP0_STATUS, 0, ST_CU0);
    uint64_t r = fpu_helper(v, W_ADD_S);
    assert_int_equal(r, DBT_ST_EXC);
    assert_int_equal(v->pc, 0x80000180u);
    assert_int_equal((v->cp0.cause >> 2) & 0x1F, EXC_CPU);
    assert_int_equal((v->cp0.cause >> 28) & 3, 1);
}

static void test_helper_gpr_results(void **state)
{
    (void)state;
    fpu_set_w(v, 3, 0x3F800000u);
    v->gpr[2] = 0;
    uint64_t r = fpu_helper(v, W_MFC1);
    assert_int_equal(r, 0x3F800000u); /* the value for $2, no status bit */
    assert_int_equal(v->gpr[2], 0x3F800000u);
    /* $zero stays zero in memory: translated code relies on it */
    r = fpu_helper(v, W_MFC1_ZERO);
    assert_int_equal(r, 0);
    assert_int_equal(v->gpr[0], 0);
    v->fpu.fcsr = 0x00000003u;
    assert_int_equal(fpu_helper(v, W_CFC1), 3);
    /* movt writes rd only when the code is set; the value returned is rd either way */
    v->gpr[2] = 11;
    v->gpr[3] = 22;
    v->fpu.fcsr = 0;
    assert_int_equal(fpu_helper(v, W_MOVT), 11);
    v->fpu.fcsr = 1u << 31; /* FCC7 */
    assert_int_equal(fpu_helper(v, W_MOVT), 22);
    assert_int_equal(v->gpr[2], 22);
    /* an arithmetic op returns no value */
    fpu_set_w(v, 5, 0x40000000u);
    assert_int_equal(fpu_helper(v, W_ADD_S), 0);
    assert_int_equal(fpu_get_w(v, 1), 0x40400000u);
    struct mips_insn in;
    mips_decode(W_MFC1, &in);
    assert_int_equal(fpu_gpr_dest(&in), 2);
    mips_decode(W_MOVT, &in);
    assert_int_equal(fpu_gpr_dest(&in), 2);
    mips_decode(W_ADD_S, &in);
    assert_int_equal(fpu_gpr_dest(&in), 0);
}

static void test_helper_exits(void **state)
{
    (void)state;
    /* an event due after this instruction: leave the block after it */
    v->next_event = v->icount + 1;
    fpu_set_w(v, 3, 0x3F800000u);
    uint64_t r = fpu_helper(v, W_MFC1);
    assert_int_equal(r, DBT_ST_EXIT | 0x3F800000u);
    v->next_event = UINT64_MAX;
    /* an enabled exception: DBT_ST_EXC, the destination untouched */
    v->fpu.fcsr = 1u << (FCSR_ENABLES_SHIFT + 3); /* Z */
    fpu_set_w(v, 5, 0);
    fpu_set_w(v, 1, 0x12345678u);
    r = fpu_helper(v, W_DIV_S);
    assert_int_equal(r, DBT_ST_EXC);
    assert_int_equal(fpu_get_w(v, 1), 0x12345678u);
    assert_int_equal((v->cp0.cause >> 2) & 0x1F, EXC_FPE);
    assert_int_equal((v->fpu.fcsr >> FCSR_CAUSE_SHIFT) & 0x3F, FPX_Z);
}

/* Words that share a decode-cache slot must still each execute as themselves: add.s $f1, $f3, $f5,
 * mfc1 $3, $f19 and mfc1 $5, $f19 all fall into slot 19 of the 64 (the index hashes bits 5:0,
 * 16:11 and 26:21 of the word). */
static void test_decode_cache(void **state)
{
    (void)state;
    fpu_set_w(v, 3, 0x40400000u);  /* 3 */
    fpu_set_w(v, 5, 0x40000000u);  /* 2 */
    fpu_set_w(v, 19, 0x12345678u);
    for (int round = 0; round < 3; round++) {
        v->gpr[3] = v->gpr[5] = 0;
        fpu_set_w(v, 1, 0);
        fpu_helper(v, 0x46051840u); /* add.s $f1, $f3, $f5 */
        assert_int_equal(fpu_get_w(v, 1), 0x40A00000u);
        assert_int_equal(fpu_helper(v, 0x44039800u), 0x12345678u); /* mfc1 $3, $f19 */
        assert_int_equal(v->gpr[3], 0x12345678u);
        assert_int_equal(v->gpr[5], 0);
        assert_int_equal(fpu_helper(v, 0x44059800u), 0x12345678u); /* mfc1 $5, $f19 */
        assert_int_equal(v->gpr[5], 0x12345678u);
        fpu_helper(v, 0x46051841u); /* sub.s $f1, $f3, $f5: another slot */
        assert_int_equal(fpu_get_w(v, 1), 0x3F800000u);
    }
}

static void test_register_files(void **state)
{
    (void)state;
    /* FR = 1: 64-bit registers; 32-bit writes keep the high half */
    fpu_set_d(v, 1, 0x1122334455667788ull);
    assert_int_equal(fpu_get_d(v, 1), 0x1122334455667788ull);
    fpu_set_w(v, 1, 0xAABBCCDDu);
    assert_int_equal(fpu_get_d(v, 1), 0x11223344AABBCCDDull);
    /* FR = 0: a double is the pair (even = low word, odd = high word) */
    cp0_write(v, CP0_STATUS, 0, ST_CU0 | ST_CU1);
    fpu_set_d(v, 4, 0x0102030405060708ull);
    assert_int_equal(fpu_get_w(v, 4), 0x05060708u);
    assert_int_equal(fpu_get_w(v, 5), 0x01020304u);
    fpu_set_w(v, 5, 0xCAFEBABEu);
    assert_int_equal(fpu_get_d(v, 4), 0xCAFEBABE05060708ull);
    /* odd registers cannot name doubles with FR = 0: Reserved Instruction */
    v->pc = 0x80001000u;
    assert_false(fpu_reg64_ok(v, 3));
    assert_int_equal((v->cp0.cause >> 2) & 0x1F, EXC_RI);
    v->pc = 0x80001000u;
    cp0_write(v, CP0_STATUS, 0, ST_CU0 | ST_CU1);
    assert_true(fpu_reg64_ok(v, 2));
    assert_false(fpu_fr1_ok(v));
    cp0_write(v, CP0_STATUS, 0, ST_CU0 | ST_CU1 | ST_FR);
    assert_true(fpu_reg64_ok(v, 3));
    assert_true(fpu_fr1_ok(v));
}

/* The condition codes: FCC0 is FCSR bit 23, FCC1..7 bits 25..31 (Vol. I-A, FCSR). */
static void test_condition_codes(void **state)
{
    (void)state;
    v->fpu.fcsr = 1u << 23;
    assert_true(fpu_cc(v, 0));
    for (unsigned cc = 1; cc < 8; cc++)
        assert_false(fpu_cc(v, cc));
    v->fpu.fcsr = 1u << 24; /* FS, not a condition code */
    for (unsigned cc = 0; cc < 8; cc++)
        assert_false(fpu_cc(v, cc));
    v->fpu.fcsr = 0xFE000000u;
    assert_false(fpu_cc(v, 0));
    for (unsigned cc = 1; cc < 8; cc++)
        assert_true(fpu_cc(v, cc));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_helper_cpu_unusable), T(test_helper_gpr_results), T(test_helper_exits),
        T(test_decode_cache),        T(test_register_files),     T(test_condition_codes),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
