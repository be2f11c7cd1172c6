/*
 * Golden-byte tests of the x86-64 emitter (dbt/x64_emit.c).
 *
 * Each case emits one instruction form and compares the bytes with what
 * the GNU assembler (x86-64 `as`, an independent encoder) produces for the
 * AT&T text beside it; the tables were made by assembling that text and
 * reading the bytes back with objdump. The special encodings are covered on
 * purpose: rsp/r12 bases (SIB), rbp/r13 bases (disp8 0), byte registers
 * sil/dil (REX), 8- vs 32-bit immediates, the short eax forms, and
 * REX.B/X/R on r8-r15. Relative jumps, patching and alignment are checked
 * against the rel32 arithmetic of the SDM (target - end of instruction).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "dbt/x64_emit.h"

static int check_bytes(const char *text, const uint8_t *want, size_t nwant, const struct x64_emitter *e)
{
    if (!e->overflow && e->len == nwant && memcmp(e->buf, want, nwant) == 0)
        return 0;
    fprintf(stderr, "mismatch for '%s': got", text);
    for (size_t i = 0; i < e->len; i++)
        fprintf(stderr, " %02x", e->buf[i]);
    fprintf(stderr, ", want");
    for (size_t i = 0; i < nwant; i++)
        fprintf(stderr, " %02x", want[i]);
    fprintf(stderr, "\n");
    return 1;
}

#define G(stmt, text, ...)                                                                       \
    do {                                                                                         \
        static const uint8_t want[] = {__VA_ARGS__};                                             \
        x64_init(e, buf, sizeof(buf));                                                           \
        stmt;                                                                                    \
        fails += check_bytes(text, want, sizeof(want), e);                                       \
        cases++;                                                                                 \
    } while (0);

static void test_forms_match_gnu_as(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct x64_emitter em, *e = &em;
    int fails = 0, cases = 0;
    G(x64_mov_r32_r32(e, X64_RAX, X64_RBX), "mov %ebx,%eax", 0x89, 0xd8)
    G(x64_mov_r32_r32(e, X64_R8, X64_R15), "mov %r15d,%r8d", 0x45, 0x89, 0xf8)
    G(x64_mov_r64_r64(e, X64_R15, X64_RDI), "mov %rdi,%r15", 0x49, 0x89, 0xff)
    G(x64_mov_r32_imm32(e, X64_RCX, 0x12345678), "mov $0x12345678,%ecx", 0xb9, 0x78, 0x56, 0x34, 0x12)
    G(x64_mov_r32_imm32(e, X64_R10, 0x80000000), "mov $0x80000000,%r10d", 0x41, 0xba, 0x00, 0x00, 0x00, 0x80)
    G(x64_mov_r32_imm32(e, X64_RDX, 0), "xor %edx,%edx", 0x31, 0xd2)
    G(x64_mov_r64_imm64(e, X64_RAX, 0x123456789abcdef0), "movabs $0x123456789abcdef0,%rax", 0x48, 0xb8, 0xf0, 0xde, 0xbc, 0x9a, 0x78, 0x56, 0x34, 0x12)
    G(x64_mov_r32_m32(e, X64_RAX, X64_R15, 0), "mov (%r15),%eax", 0x41, 0x8b, 0x07)
    G(x64_mov_r32_m32(e, X64_RBX, X64_R15, 0x80), "mov 0x80(%r15),%ebx", 0x41, 0x8b, 0x9f, 0x80, 0x00, 0x00, 0x00)
    G(x64_mov_r32_m32(e, X64_R9, X64_R15, 0x7c), "mov 0x7c(%r15),%r9d", 0x45, 0x8b, 0x4f, 0x7c)
    G(x64_mov_r32_m32(e, X64_RAX, X64_RBP, 0), "mov 0x0(%rbp),%eax", 0x8b, 0x45, 0x00)
    G(x64_mov_r32_m32(e, X64_RAX, X64_R13, 0), "mov 0x0(%r13),%eax", 0x41, 0x8b, 0x45, 0x00)
    G(x64_mov_r32_m32(e, X64_RAX, X64_RSP, 8), "mov 0x8(%rsp),%eax", 0x8b, 0x44, 0x24, 0x08)
    G(x64_mov_r32_m32(e, X64_RAX, X64_R12, 0), "mov (%r12),%eax", 0x41, 0x8b, 0x04, 0x24)
    G(x64_mov_m32_r32(e, X64_R15, 0x10, X64_R14), "mov %r14d,0x10(%r15)", 0x45, 0x89, 0x77, 0x10)
    G(x64_mov_m32_imm32(e, X64_R15, 0x80, 0xbfc00000), "movl $0xbfc00000,0x80(%r15)", 0x41, 0xc7, 0x87, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0xbf)
    G(x64_mov_r64_m64(e, X64_RAX, X64_R15, 0x1234), "mov 0x1234(%r15),%rax", 0x49, 0x8b, 0x87, 0x34, 0x12, 0x00, 0x00)
    G(x64_mov_m64_r64(e, X64_R15, -8, X64_RCX), "mov %rcx,-0x8(%r15)", 0x49, 0x89, 0x4f, 0xf8)
    G(x64_mov_r32_mbi(e, X64_RAX, X64_RDX, X64_RAX, 0), "mov (%rdx,%rax,1),%eax", 0x8b, 0x04, 0x02)
    G(x64_mov_r32_mbi(e, X64_R12, X64_R13, X64_R8, 0), "mov 0x0(%r13,%r8,1),%r12d", 0x47, 0x8b, 0x64, 0x05, 0x00)
    G(x64_movzx_r32_m8(e, X64_RDX, X64_R15, 0xac), "movzbl 0xac(%r15),%edx", 0x41, 0x0f, 0xb6, 0x97, 0xac, 0x00, 0x00, 0x00)
    G(x64_movzx_r32_m8bi(e, X64_RSI, X64_RDX, X64_RAX), "movzbl (%rdx,%rax,1),%esi", 0x0f, 0xb6, 0x34, 0x02)
    G(x64_movsx_r32_m8bi(e, X64_RDI, X64_RDX, X64_RAX), "movsbl (%rdx,%rax,1),%edi", 0x0f, 0xbe, 0x3c, 0x02)
    G(x64_movzx_r32_m16bi(e, X64_R8, X64_RDX, X64_RAX), "movzwl (%rdx,%rax,1),%r8d", 0x44, 0x0f, 0xb7, 0x04, 0x02)
    G(x64_movsx_r32_m16bi(e, X64_RBX, X64_RDX, X64_RAX), "movswl (%rdx,%rax,1),%ebx", 0x0f, 0xbf, 0x1c, 0x02)
    G(x64_mov_mbi_r32(e, X64_RDX, X64_RAX, X64_RBX), "mov %ebx,(%rdx,%rax,1)", 0x89, 0x1c, 0x02)
    G(x64_mov_mbi_r16(e, X64_RDX, X64_RAX, X64_R9), "mov %r9w,(%rdx,%rax,1)", 0x66, 0x44, 0x89, 0x0c, 0x02)
    G(x64_mov_mbi_r8(e, X64_RDX, X64_RAX, X64_RSI), "mov %sil,(%rdx,%rax,1)", 0x40, 0x88, 0x34, 0x02)
    G(x64_mov_mbi_r8(e, X64_RDX, X64_RAX, X64_RCX), "mov %cl,(%rdx,%rax,1)", 0x88, 0x0c, 0x02)
    G(x64_movsx_r32_r8(e, X64_RAX, X64_RDI), "movsbl %dil,%eax", 0x40, 0x0f, 0xbe, 0xc7)
    G(x64_movsx_r32_r16(e, X64_R11, X64_RBX), "movswl %bx,%r11d", 0x44, 0x0f, 0xbf, 0xdb)
    G(x64_movzx_r32_r8(e, X64_RAX, X64_RAX), "movzbl %al,%eax", 0x0f, 0xb6, 0xc0)
    G(x64_movsxd_r64_r32(e, X64_RAX, X64_RBX), "movslq %ebx,%rax", 0x48, 0x63, 0xc3)
    G(x64_lea_r32_disp(e, X64_RAX, X64_RBX, -4), "lea -0x4(%rbx),%eax", 0x8d, 0x43, 0xfc)
    G(x64_lea_r64_disp(e, X64_RCX, X64_R12, 0x1000), "lea 0x1000(%r12),%rcx", 0x49, 0x8d, 0x8c, 0x24, 0x00, 0x10, 0x00, 0x00)
    G(x64_alu_r32_r32(e, X64_ADD, X64_RAX, X64_RBX), "add %ebx,%eax", 0x01, 0xd8)
    G(x64_alu_r32_r32(e, X64_SUB, X64_R8, X64_R9), "sub %r9d,%r8d", 0x45, 0x29, 0xc8)
    G(x64_alu_r32_r32(e, X64_CMP, X64_RBX, X64_R12), "cmp %r12d,%ebx", 0x44, 0x39, 0xe3)
    G(x64_alu_r32_r32(e, X64_XOR, X64_RBP, X64_RBP), "xor %ebp,%ebp", 0x31, 0xed)
    G(x64_alu_r64_r64(e, X64_OR, X64_RDX, X64_RCX), "or %rcx,%rdx", 0x48, 0x09, 0xca)
    G(x64_alu_r32_imm32(e, X64_ADD, X64_RBX, 1), "add $0x1,%ebx", 0x83, 0xc3, 0x01)
    G(x64_alu_r32_imm32(e, X64_AND, X64_RAX, 0x1fe0), "and $0x1fe0,%eax", 0x25, 0xe0, 0x1f, 0x00, 0x00)
    G(x64_alu_r32_imm32(e, X64_AND, X64_RCX, 0x1fe0), "and $0x1fe0,%ecx", 0x81, 0xe1, 0xe0, 0x1f, 0x00, 0x00)
    G(x64_alu_r32_imm32(e, X64_CMP, X64_R14, -1), "cmp $0xffffffff,%r14d", 0x41, 0x83, 0xfe, 0xff)
    G(x64_alu_r64_imm32(e, X64_SUB, X64_RSP, 8), "sub $0x8,%rsp", 0x48, 0x83, 0xec, 0x08)
    G(x64_alu_r32_m32(e, X64_ADD, X64_RAX, X64_R15, 0x84), "add 0x84(%r15),%eax", 0x41, 0x03, 0x87, 0x84, 0x00, 0x00, 0x00)
    G(x64_alu_r64_m64(e, X64_CMP, X64_RAX, X64_R15, 0x200), "cmp 0x200(%r15),%rax", 0x49, 0x3b, 0x87, 0x00, 0x02, 0x00, 0x00)
    G(x64_alu_m32_imm32(e, X64_CMP, X64_R15, 0x1f4, 0), "cmpl $0x0,0x1f4(%r15)", 0x41, 0x83, 0xbf, 0xf4, 0x01, 0x00, 0x00, 0x00)
    G(x64_alu_m64_imm32(e, X64_ADD, X64_R15, 0x1f8, 12), "addq $0xc,0x1f8(%r15)", 0x49, 0x83, 0x87, 0xf8, 0x01, 0x00, 0x00, 0x0c)
    G(x64_alu_m64_imm32(e, X64_SUB, X64_R15, 0x1f8, 1000), "subq $0x3e8,0x1f8(%r15)", 0x49, 0x81, 0xaf, 0xf8, 0x01, 0x00, 0x00, 0xe8, 0x03, 0x00, 0x00)
    G(x64_alu_r64_mbi(e, X64_CMP, X64_RDX, X64_R15, X64_RCX, 0x1000), "cmp 0x1000(%r15,%rcx,1),%rdx", 0x49, 0x3b, 0x94, 0x0f, 0x00, 0x10, 0x00, 0x00)
    G(x64_mov_r64_mbi(e, X64_RAX, X64_R15, X64_RCX, 0x1008), "mov 0x1008(%r15,%rcx,1),%rax", 0x49, 0x8b, 0x84, 0x0f, 0x08, 0x10, 0x00, 0x00)
    G(x64_test_r32_r32(e, X64_RAX, X64_RAX), "test %eax,%eax", 0x85, 0xc0)
    G(x64_test_r32_r32(e, X64_R9, X64_RBX), "test %ebx,%r9d", 0x41, 0x85, 0xd9)
    G(x64_test_r32_imm32(e, X64_RAX, 0x80000000), "test $0x80000000,%eax", 0xa9, 0x00, 0x00, 0x00, 0x80)
    G(x64_test_r32_imm32(e, X64_RSI, 4), "test $0x4,%esi", 0xf7, 0xc6, 0x04, 0x00, 0x00, 0x00)
    G(x64_shift_r32_imm(e, X64_SHL, X64_RAX, 2), "shl $0x2,%eax", 0xc1, 0xe0, 0x02)
    G(x64_shift_r32_imm(e, X64_SHR, X64_R10, 1), "shr $1,%r10d", 0x41, 0xd1, 0xea)
    G(x64_shift_r32_imm(e, X64_SAR, X64_RBX, 31), "sar $0x1f,%ebx", 0xc1, 0xfb, 0x1f)
    G(x64_shift_r32_imm(e, X64_ROR, X64_RCX, 7), "ror $0x7,%ecx", 0xc1, 0xc9, 0x07)
    G(x64_shift_r64_imm(e, X64_SHR, X64_RDX, 32), "shr $0x20,%rdx", 0x48, 0xc1, 0xea, 0x20)
    G(x64_shift_r32_cl(e, X64_SHL, X64_RDI), "shl %cl,%edi", 0xd3, 0xe7)
    G(x64_shift_r32_cl(e, X64_SAR, X64_R13), "sar %cl,%r13d", 0x41, 0xd3, 0xfd)
    G(x64_shld_r32_r32_cl(e, X64_RAX, X64_R11), "shld %cl,%r11d,%eax", 0x44, 0x0f, 0xa5, 0xd8)
    G(x64_shld_r32_r32_cl(e, X64_RAX, X64_RDX), "shld %cl,%edx,%eax", 0x0f, 0xa5, 0xd0)
    G(x64_shrd_r32_r32_cl(e, X64_R10, X64_RDX), "shrd %cl,%edx,%r10d", 0x41, 0x0f, 0xad, 0xd2)
    G(x64_not_r32(e, X64_RAX), "not %eax", 0xf7, 0xd0)
    G(x64_neg_r32(e, X64_R11), "neg %r11d", 0x41, 0xf7, 0xdb)
    G(x64_imul_r32_r32(e, X64_RAX, X64_RBX), "imul %ebx,%eax", 0x0f, 0xaf, 0xc3)
    G(x64_imul_r64_r64(e, X64_RAX, X64_RCX), "imul %rcx,%rax", 0x48, 0x0f, 0xaf, 0xc1)
    G(x64_imul1_r32(e, X64_RCX), "imul %ecx", 0xf7, 0xe9)
    G(x64_mul1_r32(e, X64_R9), "mul %r9d", 0x41, 0xf7, 0xe1)
    G(x64_bsr_r32_r32(e, X64_RAX, X64_RBX), "bsr %ebx,%eax", 0x0f, 0xbd, 0xc3)
    G(x64_lzcnt_r32_r32(e, X64_RAX, X64_R12), "lzcnt %r12d,%eax", 0xf3, 0x41, 0x0f, 0xbd, 0xc4)
    G(x64_rorx_r32_r32_imm(e, X64_RCX, X64_RAX, 7), "rorx $7,%eax,%ecx", 0xc4, 0xe3, 0x7b, 0xf0, 0xc8, 0x07)
    G(x64_rorx_r32_r32_imm(e, X64_R10, X64_R9, 7), "rorx $7,%r9d,%r10d", 0xc4, 0x43, 0x7b, 0xf0, 0xd1, 0x07)
    G(x64_lea_r32_bisd(e, X64_R12, X64_RBP, X64_RBX, 0, 0), "lea 0x0(%rbp,%rbx,1),%r12d", 0x44, 0x8d, 0x64,
      0x1d, 0x00)
    G(x64_lea_r32_bisd(e, X64_R14, -1, X64_RBX, 2, 0), "lea 0x0(,%rbx,4),%r14d", 0x44, 0x8d, 0x34, 0x9d, 0x00,
      0x00, 0x00, 0x00)
    G(x64_lea_r32_bisd(e, X64_RAX, X64_R13, X64_R12, 0, 0), "lea 0x0(%r13,%r12,1),%eax", 0x43, 0x8d, 0x44, 0x25,
      0x00)
    G(x64_bswap_r32(e, X64_RAX), "bswap %eax", 0x0f, 0xc8)
    G(x64_bswap_r32(e, X64_R9), "bswap %r9d", 0x41, 0x0f, 0xc9)
    G(x64_setcc_r8(e, X64_CC_L, X64_RAX), "setl %al", 0x0f, 0x9c, 0xc0)
    G(x64_setcc_r8(e, X64_CC_B, X64_RSI), "setb %sil", 0x40, 0x0f, 0x92, 0xc6)
    G(x64_setcc_r8(e, X64_CC_E, X64_R10), "sete %r10b", 0x41, 0x0f, 0x94, 0xc2)
    G(x64_setcc_m8(e, X64_CC_NE, X64_R15, 0x1f4), "setne 0x1f4(%r15)", 0x41, 0x0f, 0x95, 0x87, 0xf4, 0x01, 0x00, 0x00)
    G(x64_cmp_m8_imm8(e, X64_R15, 0x1f4, 0), "cmpb $0x0,0x1f4(%r15)", 0x41, 0x80, 0xbf, 0xf4, 0x01, 0x00, 0x00, 0x00)
    G(x64_cmov_r32_r32(e, X64_CC_E, X64_RBX, X64_RCX), "cmove %ecx,%ebx", 0x0f, 0x44, 0xd9)
    G(x64_cmov_r32_r32(e, X64_CC_NE, X64_R8, X64_R14), "cmovne %r14d,%r8d", 0x45, 0x0f, 0x45, 0xc6)
    G(x64_call_r64(e, X64_RAX), "call *%rax", 0xff, 0xd0)
    G(x64_jmp_r64(e, X64_R11), "jmp *%r11", 0x41, 0xff, 0xe3)
    G(x64_jmp_m64(e, X64_R15, 0x20), "jmp *0x20(%r15)", 0x41, 0xff, 0x67, 0x20)
    G(x64_jmp_m64_bi(e, X64_R15, X64_RCX, 0x1010), "jmp *0x1010(%r15,%rcx,1)", 0x41, 0xff, 0xa4, 0x0f, 0x10, 0x10, 0x00, 0x00)
    G(x64_push_r64(e, X64_RBX), "push %rbx", 0x53)
    G(x64_push_r64(e, X64_R15), "push %r15", 0x41, 0x57)
    G(x64_pop_r64(e, X64_R12), "pop %r12", 0x41, 0x5c)
    G(x64_pop_r64(e, X64_RBP), "pop %rbp", 0x5d)
    G(x64_ret(e), "ret", 0xc3)
    G(x64_load_sx(e, X64_LD32, X64_RBX, X64_RAX, 2, 0x40000000), "mov 0x40000000(,%rax,4),%ebx", 0x8b, 0x1c, 0x85, 0x00, 0x00, 0x00, 0x40)
    G(x64_load_sx(e, X64_LDZX8, X64_R12, X64_RAX, 0, 0x41234000), "movzbl 0x41234000(,%rax,1),%r12d", 0x44, 0x0f, 0xb6, 0x24, 0x05, 0x00, 0x40, 0x23, 0x41)
    G(x64_load_sx(e, X64_LDSX8, X64_RSI, X64_RAX, 0, 0x7ffff000), "movsbl 0x7ffff000(,%rax,1),%esi", 0x0f, 0xbe, 0x34, 0x05, 0x00, 0xf0, 0xff, 0x7f)
    G(x64_load_sx(e, X64_LDZX16, X64_R9, X64_RAX, 1, 0x40000000), "movzwl 0x40000000(,%rax,2),%r9d", 0x44, 0x0f, 0xb7, 0x0c, 0x45, 0x00, 0x00, 0x00, 0x40)
    G(x64_load_sx(e, X64_LDSX16, X64_RDI, X64_R11, 1, 0x40000000), "movswl 0x40000000(,%r11,2),%edi", 0x42, 0x0f, 0xbf, 0x3c, 0x5d, 0x00, 0x00, 0x00, 0x40)
    assert_int_equal(fails, 0);
    assert_true(cases >= 80);
}

static void test_rel32_jumps_and_patch(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct x64_emitter e;
    x64_init(&e, buf, sizeof(buf));
    /* jmp to offset 0 from offset 0: E9 and rel32 = 0 - 5 */
    size_t f = x64_jmp_rel32(&e, 0);
    assert_int_equal(f, 1);
    static const uint8_t j0[] = {0xE9, 0xFB, 0xFF, 0xFF, 0xFF};
    assert_memory_equal(buf, j0, 5);
    /* jne forward to 0x20 from offset 5: 0F 85, rel32 = 0x20 - 11 */
    size_t g = x64_jcc_rel32(&e, X64_CC_NE, 0x20);
    assert_int_equal(g, 7);
    static const uint8_t j1[] = {0x0F, 0x85, 0x15, 0x00, 0x00, 0x00};
    assert_memory_equal(buf + 5, j1, 6);
    /* re-point the first jump at offset 0x40: rel32 = 0x40 - 5 */
    x64_patch_rel32(&e, f, 0x40);
    static const uint8_t j2[] = {0xE9, 0x3B, 0x00, 0x00, 0x00};
    assert_memory_equal(buf, j2, 5);
    /* call rel32: E8 and a zero field to be filled by the caller */
    size_t c = x64_call_rel32_field(&e);
    assert_int_equal(c, 12);
    assert_int_equal(buf[11], 0xE8);
}

static void test_aligned_jmp_pads_with_prefixes(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct x64_emitter e;
    for (unsigned start = 0; start < 4; start++) {
        x64_init(&e, buf, sizeof(buf));
        for (unsigned i = 0; i < start; i++)
            x64_ret(&e);
        size_t f = x64_jmp_rel32_aligned(&e);
        assert_int_equal(f % 4, 0);
        assert_int_equal(buf[f - 1], 0xE9);
        /* everything between the rets and the opcode is a CS prefix (GNU as: "cs jmp" = 2e e9), so
         * it is one instruction: no NOP runs before the jump */
        for (size_t i = start; i + 1 < f; i++)
            assert_int_equal(buf[i], 0x2E);
        assert_true(f - 1 - start <= 3);
    }
}

static void test_align_pads_with_nops(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct x64_emitter e;
    x64_init(&e, buf, sizeof(buf));
    x64_ret(&e);
    /* want (len + 1) % 4 == 0, i.e. the rel32 field after a 1-byte opcode 4-aligned */
    x64_align(&e, 4, 1);
    assert_int_equal((e.len + 1) % 4, 0);
    static const uint8_t want[] = {0xC3, 0x66, 0x90};
    assert_int_equal(e.len, 3);
    assert_memory_equal(buf, want, 3);
    size_t f = x64_jmp_rel32(&e, 0);
    assert_int_equal(f % 4, 0);
    /* a 15-byte pad is two recommended NOPs of 8 and 7 bytes */
    x64_init(&e, buf, sizeof(buf));
    x64_nop(&e, 15);
    static const uint8_t n15[] = {0x0F, 0x1F, 0x84, 0, 0, 0, 0, 0, 0x0F, 0x1F, 0x80, 0, 0, 0, 0};
    assert_int_equal(e.len, 15);
    assert_memory_equal(buf, n15, 15);
}

static void test_overflow_is_flagged_not_written(void **state)
{
    (void)state;
    uint8_t buf[8] = {0};
    struct x64_emitter e;
    x64_init(&e, buf, 4);
    x64_mov_r32_imm32(&e, X64_RCX, 0x11223344); /* 5 bytes into 4 */
    assert_true(e.overflow);
    assert_int_equal(e.len, 4);
    assert_int_equal(buf[4], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms_match_gnu_as),
        cmocka_unit_test(test_rel32_jumps_and_patch),
        cmocka_unit_test(test_aligned_jmp_pads_with_prefixes),
        cmocka_unit_test(test_align_pads_with_nops),
        cmocka_unit_test(test_overflow_is_flagged_not_written),
    };
    return cmocka_run_group_tests_name("x64_emit", tests, NULL, NULL);
}
