/*
 * Tests of what the translator emits (dbt/translate.c and the tr_*.c
 * classes), read back with capstone's x86-64 disassembler:
 *  - lui + ori of one register become a single 32-bit immediate move of the
 *    combined constant (no `or`, no separate halves);
 *  - slt followed by bne on its result becomes one cmp of the slt operands
 *    feeding a jl, with no test of the 0/1 register;
 *  - a guest register used by three consecutive instructions is loaded from
 *    struct vcpu once;
 *  - a block's entry checks the instruction budget (sub + js) before anything
 *    else, and a branch exit's rel32 field is 4-byte aligned with no NOP
 *    executed for it;
 *  - a block that branches back to its own start (loop mode) loads its guest
 *    registers once before the budget check, touches no guest register in
 *    memory on the way round, branches back to the budget check itself, and
 *    writes the registers it changed back on the way out;
 *  - a block goes on past a conditional branch whose slot cannot call out,
 *    its taken edge a side exit in the cold section, registers kept;
 *  - three-operand addu/addiu/sll (destination not a source) are one lea
 *    each, mul multiplies straight into the destination's register;
 *  - a kseg0 load folds the segment base into the address (lea, no xor) and
 *    reads the pmap's RAM view at its distance from the vCPU (r15), or
 *    through a base loaded from the vCPU when it has none;
 *  - the software-TLB probe takes its index with one rorx on a BMI2 host;
 *  - a kernel jr reached from one call site goes straight on through its
 *    inline cache (counted), never the jump cache, and its hot path loads
 *    nothing from the jump cache; a jr with two return addresses keeps its
 *    cache for one and finds the other through the inline jump-cache probe
 *    (the run loop's entry: counted hits), with and without BMI2;
 *  - the spin-wait flag (dbt/exec.c spin_wait_shape), set when the run loop translates a block:
 *    set for the two loops Linux's qspinlock waits in, `lw; andi; bnez` (the locked byte) and
 *    `lw; beqz` (its MCS node), each branching back to its own first instruction, and not for
 *    near misses (the loop with a store in it, a countdown that loads nothing, a branch back to
 *    the block's second instruction); each block runs until its budget runs out, as a vCPU's.
 * Only the hot (straight-line) part of a block is inspected: the cold part
 * holds slow paths and exit stubs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbt/translate.h"

static struct vm vm;

/* One disassembled host instruction (the subset of capstone's cs_insn the tests read). */
typedef struct {
    uint64_t address;
    char mnemonic[32];
    char op_str[160];
} cs_insn;

struct collect {
    cs_insn *v;
    size_t n, cap;
};

static void collect_cb(void *opaque, uint64_t addr, const char *mn, const char *ops)
{
    struct collect *c = opaque;
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 64;
        c->v = realloc(c->v, c->cap * sizeof(*c->v));
    }
    c->v[c->n].address = addr;
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

static struct tr_ctx tr; /* the translator context these tests translate with */

#define CODE_PA 0x4000u
#define CODE_VA (0x80000000u + CODE_PA)

/* Translates words (at kseg0 CODE_VA) and disassembles the hot part into insn/count. */
static size_t translate(const uint32_t *words, size_t n, cs_insn **insn, struct tb **out)
{
    assert_int_equal(physmap_write(&vm.physmap, CODE_PA, words, n * 4), 0);
    tcache_flush(vm.tcache);
    struct vcpu *v = vm.vcpu;
    uint8_t *host = physmap_host(&vm.physmap, CODE_PA & ~0xFFFu, 4096);
    struct tb *tb = dbt_translate(&tr, v, vm.tcache, CODE_VA, CODE_PA, host, dbt_tb_flags(v), true);
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
#define BEQ(rs, rt, off) (0x10000000u | (rs) << 21 | (rt) << 16 | ((off) & 0xFFFFu))
#define BNE(rs, rt, off) (0x14000000u | (rs) << 21 | (rt) << 16 | ((off) & 0xFFFFu))
#define ADDIU(rt, rs, imm) (0x24000000u | (rs) << 21 | (rt) << 16 | ((imm) & 0xFFFFu))
#define JR(rs) ((rs) << 21 | 0x08u)
#define JAL(va) (0x0C000000u | (((va) >> 2) & 0x03FFFFFFu))
#define J(va) (0x08000000u | (((va) >> 2) & 0x03FFFFFFu))
#define SLL(rd, rt, sa) ((rt) << 16 | (rd) << 11 | (sa) << 6)
#define MUL(rd, rs, rt) (0x70000002u | (rs) << 21 | (rt) << 16 | (rd) << 11)
#define SW(rt, base, off) (0xAC000000u | (base) << 21 | (rt) << 16 | ((off) & 0xFFFFu))
#define LW(rt, base, off) (0x8C000000u | (base) << 21 | (rt) << 16 | ((off) & 0xFFFFu))
#define ANDI(rt, rs, imm) (0x30000000u | (rs) << 21 | (rt) << 16 | (imm))
#define NOP 0u
enum { T0 = 8, T1 = 9, T2 = 10, T3 = 11, T4 = 12, A0 = 4, A1 = 5, S1 = 17, RA = 31 };

static size_t count_mnemonic(const cs_insn *in, size_t n, const char *mn)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += !strcmp(in[i].mnemonic, mn);
    return k;
}

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

/* "sub qword ptr [r15 + 0x..], N" of the budget, as capstone prints it. */
static bool is_budget_sub(const cs_insn *in, unsigned n)
{
    char want[64];
    snprintf(want, sizeof(want), "qword ptr [r15 + 0x%x], %u", (unsigned)VOFF_BUDGET, n);
    return !strcmp(in->mnemonic, "sub") && !strcmp(in->op_str, want);
}

static void test_entry_checks_budget(void **state)
{
    (void)state;
    /* addu t1, a0, a0; bne t1, zero, +4; lw t2, 0(a0); jr ra; nop: a block of 3 with two exits (a
     * load in the slot ends the block at the branch) */
    const uint32_t code[] = {ADDU(T1, A0, A0), BNE(T1, 0, 4), LW(T2, A0, 0), JR(RA), NOP};
    cs_insn *in;
    struct tb *tb;
    size_t n = translate(code, 5, &in, &tb);
    assert_true(n > 2);
    if (!is_budget_sub(&in[0], 3))
        dump(in, n);
    assert_true(is_budget_sub(&in[0], 3)); /* budget -= instructions of the block */
    assert_string_equal(in[1].mnemonic, "js"); /* negative: it does not fit before the next event */
    /* the conditional branch has two chainable exits, their rel32 fields 4-byte aligned */
    for (unsigned e = 0; e < 2; e++) {
        assert_int_not_equal(tb->jmp_patch_ofs[e], TB_NO_JUMP);
        assert_int_equal(((uintptr_t)tb->host_code + tb->jmp_patch_ofs[e]) % 4, 0);
        assert_int_equal(tb->host_code[tb->jmp_patch_ofs[e] - 1], 0xE9);
    }
    /* the alignment is padding inside the jmp (ignored prefixes), not a NOP executed before it */
    assert_int_equal(count_mnemonic(in, n, "nop"), 0);
    cs_free(in, n);
}

static bool names_gpr(const cs_insn *in, unsigned g)
{
    char m[32];
    snprintf(m, sizeof(m), "[r15 + 0x%x]", (unsigned)VOFF_GPR(g));
    return strstr(in->op_str, m) != NULL || (g == 0 && strstr(in->op_str, "[r15]") != NULL);
}

static void test_loop_keeps_registers(void **state)
{
    (void)state;
    /* 1: addiu t0, t0, -1; bne t0, zero, 1b; addu t1, t1, a0 (slot); jr ra; nop */
    const uint32_t code[] = {ADDIU(T0, T0, -1), BNE(T0, 0, -2), ADDU(T1, T1, A0), JR(RA), NOP};
    cs_insn *in;
    size_t n = translate(code, 5, &in, NULL);
    /* t0, t1 and a0 loaded once, then the budget check */
    size_t head = 0;
    while (head < n && !is_budget_sub(&in[head], 3))
        head++;
    if (head != 3)
        dump(in, n);
    assert_int_equal(head, 3);
    const unsigned regs[] = {A0, T0, T1};
    for (unsigned r = 0; r < 3; r++) {
        bool loaded = false;
        for (size_t i = 0; i < head; i++)
            loaded |= !strcmp(in[i].mnemonic, "mov") && names_gpr(&in[i], regs[r]);
        assert_true(loaded);
    }
    /* the back edge: a jne to the budget check, with no guest register in memory on the way */
    char target[32];
    snprintf(target, sizeof(target), "0x%" PRIx64, in[head].address);
    size_t back = n;
    for (size_t i = head + 1; i < n; i++)
        if (!strcmp(in[i].mnemonic, "jne") && !strcmp(in[i].op_str, target)) {
            back = i;
            break;
        }
    if (back == n)
        dump(in, n);
    assert_true(back < n);
    for (size_t i = head + 1; i < back; i++)
        for (unsigned g = 0; g < 32; g++)
            assert_false(names_gpr(&in[i], g));
    /* on the way out, t0 and t1 (both written) are stored */
    bool stored[2] = {false, false};
    for (size_t i = back + 1; i < n; i++)
        for (unsigned r = 0; r < 2; r++)
            stored[r] |= !strcmp(in[i].mnemonic, "mov") && !strncmp(in[i].op_str, "dword ptr", 9) &&
                         names_gpr(&in[i], r ? T1 : T0);
    assert_true(stored[0] && stored[1]);
    cs_free(in, n);
}

static void test_block_goes_on_past_branch(void **state)
{
    (void)state;
    /* addu t1, a0, a0; bne t1, zero, +8; nop; addu t2, t1, a0; b +4; nop: one block of 6, the
     * bne's taken edge a side exit out of line, t1 and a0 still in registers after it */
    const uint32_t code[] = {ADDU(T1, A0, A0), BNE(T1, 0, 8), NOP, ADDU(T2, T1, A0), BEQ(0, 0, 4), NOP};
    cs_insn *in;
    struct tb *tb;
    size_t n = translate(code, 6, &in, &tb);
    assert_int_equal(tb->n_insns, 6);
    if (!is_budget_sub(&in[0], 6))
        dump(in, n);
    assert_true(is_budget_sub(&in[0], 6));
    /* the jne goes to the cold section; nothing is loaded from or stored to struct vcpu before the
     * second addu, which reuses both registers */
    size_t jne = n;
    for (size_t i = 0; i < n && jne == n; i++)
        if (!strcmp(in[i].mnemonic, "jne"))
            jne = i;
    assert_true(jne < n);
    assert_true(strtoull(in[jne].op_str, NULL, 16) >= (uint64_t)(uintptr_t)tb->host_code + tb->hot_size);
    assert_true(jne + 1 < n);
    assert_string_equal(in[jne + 1].mnemonic, "lea");
    for (size_t i = 2; i < jne; i++) /* after the budget check: the a0 load, the addu, the test */
        assert_false(names_gpr(&in[i], T1));
    /* side exit, then the b: exit 0's patched jmp lies in the cold section */
    assert_int_not_equal(tb->jmp_patch_ofs[0], TB_NO_JUMP);
    assert_true(tb->jmp_patch_ofs[0] >= tb->hot_size);
    assert_int_equal(((uintptr_t)tb->host_code + tb->jmp_patch_ofs[0]) % 4, 0);
    assert_int_equal(tb->host_code[tb->jmp_patch_ofs[0] - 1], 0xE9);
    cs_free(in, n);
}

static void test_three_operand_is_lea(void **state)
{
    (void)state;
    /* addu t2, t0, t1; addiu t3, t0, 5; sll t4, t1, 2; b +4; nop (a static exit: no jump-cache hash) */
    const uint32_t code[] = {ADDU(T2, T0, T1), ADDIU(T3, T0, 5), SLL(T4, T1, 2), BEQ(0, 0, 4), NOP};
    cs_insn *in;
    size_t n = translate(code, 5, &in, NULL);
    /* one lea per instruction; no add, no shl, and no register-to-register copy for them */
    bool imm5 = false, scaled = false;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(in[i].mnemonic, "lea"))
            continue;
        imm5 |= strstr(in[i].op_str, " + 5]") != NULL;
        scaled |= strstr(in[i].op_str, "*4]") != NULL;
    }
    if (count_mnemonic(in, n, "lea") < 3 || count_mnemonic(in, n, "add") || count_mnemonic(in, n, "shl"))
        dump(in, n);
    assert_true(imm5 && scaled);
    assert_true(count_mnemonic(in, n, "lea") >= 3);
    assert_int_equal(count_mnemonic(in, n, "add"), 0);
    assert_int_equal(count_mnemonic(in, n, "shl"), 0);
    cs_free(in, n);
}

static void test_mul_into_destination(void **state)
{
    (void)state;
    /* mul t2, t0, t1; mul t0, t0, t1; jr ra; nop: imul into t2's and t0's registers, not via eax */
    const uint32_t code[] = {MUL(T2, T0, T1), MUL(T0, T0, T1), JR(RA), NOP};
    cs_insn *in;
    size_t n = translate(code, 4, &in, NULL);
    size_t imuls = 0;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(in[i].mnemonic, "imul")) {
            imuls++;
            assert_null(strstr(in[i].op_str, "eax"));
        }
    if (imuls != 2)
        dump(in, n);
    assert_int_equal(imuls, 2);
    cs_free(in, n);
}

static void test_kseg0_load_through_view(void **state)
{
    (void)state;
    /* lw t1, 8(a0); b +4; nop: kernel code, kseg0 RAM through the pmap's RAM view */
    const uint32_t code[] = {LW(T1, A0, 8), BEQ(0, 0, 4), NOP};
    cs_insn *in;
    size_t n = translate(code, 3, &in, NULL);
    /* va ^ 0x80000000 as part of the address: lea eax, [reg - 0x7ffffff8], then the rotate-compare */
    size_t lea = n;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(in[i].mnemonic, "lea") && strstr(in[i].op_str, "- 0x7ffffff8]") && !strncmp(in[i].op_str, "eax", 3))
            lea = i;
    if (lea == n || count_mnemonic(in, n, "xor") || lea + 5 >= n)
        dump(in, n);
    assert_true(lea + 5 < n);
    assert_string_equal(in[lea + 1].mnemonic, "ror");
    assert_string_equal(in[lea + 2].mnemonic, "cmp");
    assert_string_equal(in[lea + 3].mnemonic, "jae");
    assert_int_equal(count_mnemonic(in, n, "xor"), 0);
    /* the view lies at a fixed distance from the vCPU (r15): one access, no host address of guest
     * RAM baked in, so a pmap remap needs no retranslation */
    struct vcpu *v = vm.vcpu;
    assert_true(v->kseg0_disp > 0);
    assert_ptr_equal((uint8_t *)v + v->kseg0_disp, v->kseg0_view);
    char want[80];
    snprintf(want, sizeof(want), "dword ptr [r15 + rax*4 + 0x%x]", (unsigned)v->kseg0_disp);
    assert_string_equal(in[lea + 4].mnemonic, "mov");
    if (!strstr(in[lea + 4].op_str, want))
        dump(in, n);
    assert_non_null(strstr(in[lea + 4].op_str, want));
    cs_free(in, n);

    /* a vCPU away from the view reads the view's base from itself first */
    int32_t disp = v->kseg0_disp;
    v->kseg0_disp = 0;
    n = translate(code, 3, &in, NULL);
    v->kseg0_disp = disp;
    lea = n;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(in[i].mnemonic, "lea") && strstr(in[i].op_str, "- 0x7ffffff8]") && !strncmp(in[i].op_str, "eax", 3))
            lea = i;
    assert_true(lea + 5 < n);
    snprintf(want, sizeof(want), "rdx, qword ptr [r15 + 0x%x]", (unsigned)offsetof(struct vcpu, kseg0_view));
    assert_string_equal(in[lea + 4].mnemonic, "mov");
    assert_string_equal(in[lea + 4].op_str, want);
    assert_string_equal(in[lea + 5].mnemonic, "mov");
    assert_non_null(strstr(in[lea + 5].op_str, "dword ptr [rdx + rax*4]"));
    cs_free(in, n);
}

static void test_store_probe_index(void **state)
{
    (void)state;
    /* sw t1, 4(a0); b +4; nop: the software-TLB index is one rorx where the host has BMI2, else a
     * copy and a shift */
    const uint32_t code[] = {SW(T1, A0, 4), BEQ(0, 0, 4), NOP};
    cs_insn *in;
    size_t n = translate(code, 3, &in, NULL);
    if (x64_have_bmi2()) {
        assert_int_equal(count_mnemonic(in, n, "rorx"), 1);
        assert_int_equal(count_mnemonic(in, n, "shr"), 0);
    } else {
        assert_int_equal(count_mnemonic(in, n, "rorx"), 0);
        assert_int_equal(count_mnemonic(in, n, "shr"), 1);
    }
    cs_free(in, n);
}

/* Runs a call loop (jal f [; jal f]; j back; f: jr ra) and counts the jr's inline jump-cache hits
 * (*ic: its inline-cache hits): with two call sites, the hash translated code computes must find
 * the entry the run loop filled for the return address the cache does not hold, with BMI2 or
 * without. */
static uint64_t inline_hits_of_call_loop(bool no_bmi2, bool two_sites, uint64_t *ic)
{
    const uint32_t one[] = {JAL(CODE_VA + 0x40), NOP, J(CODE_VA), NOP};
    const uint32_t two[] = {JAL(CODE_VA + 0x40), NOP, JAL(CODE_VA + 0x40), NOP, J(CODE_VA), NOP};
    const uint32_t fn[] = {JR(RA), NOP};
    if (two_sites)
        assert_int_equal(physmap_write(&vm.physmap, CODE_PA, two, sizeof(two)), 0);
    else
        assert_int_equal(physmap_write(&vm.physmap, CODE_PA, one, sizeof(one)), 0);
    assert_int_equal(physmap_write(&vm.physmap, CODE_PA + 0x40, fn, sizeof(fn)), 0);
    x64_no_bmi2 = no_bmi2;
    vm.vcpu->prof_on = true; /* translated code counts its inline hits */
    tcache_flush(vm.tcache);
    struct vcpu *v = vm.vcpu;
    v->pc = CODE_VA;
    v->in_ds = false;
    uint64_t before = v->prof.jc_inline_hits[0] + v->prof.jc_inline_hits[1];
    uint64_t ic0 = v->prof.ic_hits[0] + v->prof.ic_hits[1];
    dbt_run_steps(v, 8);
    v->prof_on = false;
    x64_no_bmi2 = false;
    tcache_flush(vm.tcache);
    *ic = v->prof.ic_hits[0] + v->prof.ic_hits[1] - ic0;
    return v->prof.jc_inline_hits[0] + v->prof.jc_inline_hits[1] - before;
}

static void test_jr_inline_cache(void **state)
{
    (void)state;
    /* one return address: every round but the first goes straight on, no jump-cache probe */
    uint64_t ic;
    assert_int_equal(inline_hits_of_call_loop(false, false, &ic), 0);
    assert_true(ic > 1000);
    /* the jr's hot path: the guard, no load from the jump cache (r15 + index) */
    const uint32_t code[] = {JR(RA), NOP};
    cs_insn *in;
    size_t n = translate(code, 2, &in, NULL);
    assert_int_equal(count_mnemonic(in, n, "rorx") + count_mnemonic(in, n, "shr"), 0);
    bool guard = false;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(in[i].mnemonic, "cmp") && !strcmp(in[i].op_str, "eax, 1"))
            guard = true;
    assert_true(guard);
    cs_free(in, n);
}

static void test_jr_inline_hash(void **state)
{
    (void)state;
    /* two return addresses: the cache holds one, the other hits the jump cache inline in every
     * round but the first few, in both code shapes */
    uint64_t ic;
    assert_true(inline_hits_of_call_loop(true, true, &ic) > 1000);
    assert_true(ic > 1000);
    if (x64_have_bmi2()) {
        assert_true(inline_hits_of_call_loop(false, true, &ic) > 1000);
        assert_true(ic > 1000);
    }
}

#define LOCK_VA (0x80000000u + 0x8000u) /* a locked byte that stays locked (0xff) */
#define NODE_VA (0x80000000u + 0x8010u) /* an MCS node's word that stays 0 */

/* Runs the words at CODE_VA (entered at CODE_VA + 4 * entry) until an instruction budget or two
 * ran out, and returns the block the run loop translated at pc. */
static const struct tb *run_block(const uint32_t *words, unsigned n, unsigned entry, uint32_t pc)
{
    const uint32_t locked = 0xFF, node = 0;
    assert_int_equal(physmap_write(&vm.physmap, CODE_PA, words, 4 * n), 0);
    assert_int_equal(physmap_write(&vm.physmap, LOCK_VA - 0x80000000u, &locked, 4), 0);
    assert_int_equal(physmap_write(&vm.physmap, NODE_VA - 0x80000000u, &node, 4), 0);
    tcache_flush(vm.tcache);
    tb_jc_flush_all(vm.vcpu->jc);
    struct vcpu *v = vm.vcpu;
    memset(v->gpr, 0, sizeof(v->gpr));
    v->gpr[A0] = LOCK_VA;
    v->gpr[S1] = NODE_VA - 4;
    v->gpr[T0] = 1000000; /* the countdown's start: it does not end within the steps */
    v->pc = CODE_VA + 4 * entry;
    v->in_ds = false;
    uint64_t icount0 = v->icount;
    dbt_run_steps(v, 4);
    assert_true(v->icount - icount0 > 100); /* it looped (a budget's worth) */
    const struct tb *tb = tcache_lookup(vm.tcache, CODE_PA + (pc - CODE_VA), pc, dbt_tb_flags(v));
    assert_non_null(tb);
    return tb;
}

static void test_spin_wait_flag(void **state)
{
    (void)state;
    static const struct {
        const char *what;
        uint32_t code[6];
        unsigned entry; /* the instruction run first, whose block is looked at */
        bool spin;
    } cases[] = {
        /* 1: lw t0, 0(a0); andi t0, t0, 0xff; bnez t0, 1b; nop */
        {"qspinlock's locked byte", {LW(T0, A0, 0), ANDI(T0, T0, 0xFF), BNE(T0, 0, -3), NOP, NOP, NOP}, 0, true},
        /* 1: lw t1, 4(s1); beqz t1, 1b; nop */
        {"qspinlock's MCS node", {LW(T1, S1, 4), BEQ(T1, 0, -2), NOP, NOP, NOP, NOP}, 0, true},
        /* 1: lw t0, 0(a0); sw t0, 4(a0); bnez t0, 1b; nop: it writes memory, so it waits for nothing */
        {"a loop with a store", {LW(T0, A0, 0), SW(T0, A0, 4), BNE(T0, 0, -3), NOP, NOP, NOP}, 0, false},
        /* 1: addiu t0, t0, -1; bnez t0, 1b; nop: a delay loop, no load */
        {"a countdown", {ADDIU(T0, T0, -1), BNE(T0, 0, -2), NOP, NOP, NOP, NOP}, 0, false},
        /* lw t0, 0(a0); 1: andi t1, t0, 0xff; bnez t1, 1b; nop: the lw's block branches back to its
         * second instruction, and the andi's loop loads nothing */
        {"a branch to the second", {LW(T0, A0, 0), ANDI(T1, T0, 0xFF), BNE(T1, 0, -2), NOP, NOP, NOP}, 0, false},
        {"the loop without its load", {LW(T0, A0, 0), ANDI(T1, T0, 0xFF), BNE(T1, 0, -2), NOP, NOP, NOP}, 1, false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct tb *tb = run_block(cases[i].code, 6, cases[i].entry, CODE_VA + 4 * cases[i].entry);
        if (tb->spin_wait != cases[i].spin)
            fprintf(stderr, "spin-wait flag of %s: %d\n", cases[i].what, tb->spin_wait);
        assert_int_equal(tb->spin_wait, cases[i].spin);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lui_ori_is_one_mov),
        cmocka_unit_test(test_slt_bne_is_cmp_jl),
        cmocka_unit_test(test_register_held_across_three),
        cmocka_unit_test(test_entry_checks_budget),
        cmocka_unit_test(test_loop_keeps_registers),
        cmocka_unit_test(test_block_goes_on_past_branch),
        cmocka_unit_test(test_three_operand_is_lea),
        cmocka_unit_test(test_mul_into_destination),
        cmocka_unit_test(test_kseg0_load_through_view),
        cmocka_unit_test(test_store_probe_index),
        cmocka_unit_test(test_jr_inline_cache),
        cmocka_unit_test(test_jr_inline_hash),
        cmocka_unit_test(test_spin_wait_flag),
    };
    return cmocka_run_group_tests_name("translate", tests, setup, teardown);
}
