/*
 * Tests of what the translator emits (dbt/translate.c and the tr_*.c
 * classes), read back with capstone's x86-64 disassembler:
 *  - lui + ori of one register become a single 32-bit immediate move of the
 *    combined constant (no `or`, no separate halves);
 *  - slt followed by bne on its result becomes one cmp of the slt operands
 *    feeding a jl, with no test of the 0/1 register;
 *  - a guest register used by three consecutive instructions is loaded from
 *    struct vcpu once;
 *  - a block's entry checks the instruction budget and exit_request before
 *    anything else, and a branch exit's rel32 field is 4-byte aligned.
 * Only the hot (straight-line) part of a block is inspected: the cold part
 * holds slow paths and exit stubs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbt/translate.h"

static struct vm vm;

/* One disassembled host instruction (the subset of capstone's cs_insn the tests read). */
typedef struct {
    char mnemonic[32];
    char op_str[160];
} cs_insn;

struct collect {
    cs_insn *v;
    size_t n, cap;
};

static void collect_cb(void *opaque, const char *mn, const char *ops)
{
    struct collect *c = opaque;
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 64;
        c->v = realloc(c->v, c->cap * sizeof(*c->v));
    }
    snprintf(c->v[c->n].mnemonic, sizeof(c->v[c->n].mnemonic), "%s", mn);
    snprintf(c->v[c->n].op_str, sizeof(c->v[c->n].op_str), "%s", ops);
    c->n++;
}

static void cs_free(cs_insn *in, size_t n)
{
    (void)n;
    free(in);
}

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

/* Translates words (at kseg0 CODE_VA) and disassembles the hot part into insn/count. */
static size_t translate(const uint32_t *words, size_t n, cs_insn **insn, struct tb **out)
{
    assert_int_equal(physmap_write(&vm.physmap, CODE_PA, words, n * 4), 0);
    tcache_flush(vm.tcache);
    struct vcpu *v = vm.vcpu;
    uint8_t *host = physmap_host(&vm.physmap, CODE_PA & ~0xFFFu, 4096);
    struct tb *tb = dbt_translate(v, vm.tcache, CODE_VA, CODE_PA, host, dbt_tb_flags(v), true);
    assert_non_null(tb);
    tcache_insert(vm.tcache, tb);
    struct collect c = {0};
    size_t count = dbt_disasm_host(tb->host_code, tb->hot_size, collect_cb, &c);
    assert_true(count > 0);
    *insn = c.v;
    if (out)
        *out = tb;
    return count;
}

static void dump(const cs_insn *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "  %s %s\n", in[i].mnemonic, in[i].op_str);
}

/* MIPS encodings (Vol. II): */
#define LUI(rt, imm) (0x3C000000u | (rt) << 16 | (imm))
#define ORI(rt, rs, imm) (0x34000000u | (rs) << 21 | (rt) << 16 | (imm))
#define ADDU(rd, rs, rt) ((rs) << 21 | (rt) << 16 | (rd) << 11 | 0x21u)
#define SLT(rd, rs, rt) ((rs) << 21 | (rt) << 16 | (rd) << 11 | 0x2Au)
#define BNE(rs, rt, off) (0x14000000u | (rs) << 21 | (rt) << 16 | ((off) & 0xFFFFu))
#define JR(rs) ((rs) << 21 | 0x08u)
#define NOP 0u
enum { T0 = 8, T1 = 9, T2 = 10, T3 = 11, A0 = 4, A1 = 5, RA = 31 };

static void test_lui_ori_is_one_mov(void **state)
{
    (void)state;
    /* lui t0, 0x1234; ori t0, t0, 0x5678; addu t1, t0, t0; jr ra; nop */
    const uint32_t code[] = {LUI(T0, 0x1234), ORI(T0, T0, 0x5678), ADDU(T1, T0, T0), JR(RA), NOP};
    cs_insn *in;
    size_t n = translate(code, 5, &in, NULL);
    int with_const = 0, ors_of_low = 0, high_half = 0;
    for (size_t i = 0; i < n; i++) {
        if (strstr(in[i].op_str, "0x12345678")) {
            with_const++;
            assert_string_equal(in[i].mnemonic, "mov");
        }
        if (strstr(in[i].op_str, "0x5678") && !strstr(in[i].op_str, "0x12345678"))
            ors_of_low++;
        if (strstr(in[i].op_str, "0x12340000"))
            high_half++;
    }
    if (with_const != 1 || ors_of_low || high_half)
        dump(in, n);
    assert_int_equal(with_const, 1);
    assert_int_equal(ors_of_low, 0);
    assert_int_equal(high_half, 0);
    cs_free(in, n);
}

static void test_slt_bne_is_cmp_jl(void **state)
{
    (void)state;
    /* slt t0, a0, a1; bne t0, zero, +4; nop; jr ra; nop */
    const uint32_t code[] = {SLT(T0, A0, A1), BNE(T0, 0, 4), NOP, JR(RA), NOP};
    cs_insn *in;
    size_t n = translate(code, 5, &in, NULL);
    size_t jl = n;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(in[i].mnemonic, "jl"))
            jl = i;
    if (jl == n)
        dump(in, n);
    assert_true(jl < n);
    /* the jl's flags come from a register-register cmp (write-back moves do not touch flags) */
    size_t k = jl;
    while (k > 0 && !strcmp(in[k - 1].mnemonic, "mov"))
        k--;
    assert_true(k > 0);
    assert_string_equal(in[k - 1].mnemonic, "cmp");
    assert_null(strchr(in[k - 1].op_str, '['));
    for (size_t i = 0; i < n; i++)
        assert_string_not_equal(in[i].mnemonic, "test");
    cs_free(in, n);
}

static void test_register_held_across_three(void **state)
{
    (void)state;
    /* addu t1, a0, a0; addu t2, a0, t1; addu t3, a0, t2; jr ra; nop */
    const uint32_t code[] = {ADDU(T1, A0, A0), ADDU(T2, A0, T1), ADDU(T3, A0, T2), JR(RA), NOP};
    cs_insn *in;
    size_t n = translate(code, 5, &in, NULL);
    char a0_mem[32];
    snprintf(a0_mem, sizeof(a0_mem), "[r15 + 0x%x]", (unsigned)VOFF_GPR(A0));
    int loads = 0;
    for (size_t i = 0; i < n; i++) {
        const char *m = strstr(in[i].op_str, a0_mem);
        /* a load names the register first: "eXX, dword ptr [r15 + 0x10]" */
        if (m && !strcmp(in[i].mnemonic, "mov") && strncmp(in[i].op_str, "dword ptr", 9))
            loads++;
    }
    if (loads != 1)
        dump(in, n);
    assert_int_equal(loads, 1);
    cs_free(in, n);
}

static void test_entry_checks_budget_and_exit_request(void **state)
{
    (void)state;
    const uint32_t code[] = {ADDU(T1, A0, A0), BNE(T1, 0, -2), NOP, JR(RA), NOP};
    cs_insn *in;
    struct tb *tb;
    size_t n = translate(code, 5, &in, &tb);
    assert_true(n > 6);
    char icount[32], next[32], req[32];
    snprintf(icount, sizeof(icount), "[r15 + 0x%x]", (unsigned)VOFF_ICOUNT);
    snprintf(next, sizeof(next), "[r15 + 0x%x]", (unsigned)VOFF_NEXT_EVENT);
    snprintf(req, sizeof(req), "[r15 + 0x%x]", (unsigned)VOFF_EXIT_REQUEST);
    assert_non_null(strstr(in[0].op_str, icount));          /* mov rax, icount */
    assert_string_equal(in[1].mnemonic, "add");              /* + instructions of the block */
    assert_non_null(strstr(in[2].op_str, next));            /* cmp rax, next_event */
    assert_string_equal(in[3].mnemonic, "ja");
    assert_non_null(strstr(in[4].op_str, req));             /* cmp exit_request, 0 */
    assert_string_equal(in[5].mnemonic, "jne");
    /* the conditional branch has two chainable exits, their rel32 fields 4-byte aligned */
    for (unsigned e = 0; e < 2; e++) {
        assert_int_not_equal(tb->jmp_patch_ofs[e], TB_NO_JUMP);
        assert_int_equal(((uintptr_t)tb->host_code + tb->jmp_patch_ofs[e]) % 4, 0);
        assert_int_equal(tb->host_code[tb->jmp_patch_ofs[e] - 1], 0xE9);
    }
    cs_free(in, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lui_ori_is_one_mov),
        cmocka_unit_test(test_slt_bne_is_cmp_jl),
        cmocka_unit_test(test_register_held_across_three),
        cmocka_unit_test(test_entry_checks_budget_and_exit_request),
    };
    return cmocka_run_group_tests_name("translate", tests, setup, teardown);
}
