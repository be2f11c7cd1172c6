/*
 * dbt/ internal: the x86-64 emitter. One function per instruction form,
 * named for its operands (x64_mov_r32_m32 = 32-bit register from memory).
 * It writes bytes and nothing else: no register allocation, no labels
 * beyond raw rel32 fields (the translator owns fixups). Only baseline
 * x86-64 instructions; LZCNT (and BMI2's RORX) are emitted only when x64_have_lzcnt()
 * (x64_have_bmi2()) says
 * the host has it (cpuid), since on an older CPU the same bytes run as
 * BSR and give a different answer without any fault.
 */
#ifndef MVISOR_DBT_X64_EMIT_H
#define MVISOR_DBT_X64_EMIT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum x64_reg {
    X64_RAX, X64_RCX, X64_RDX, X64_RBX, X64_RSP, X64_RBP, X64_RSI, X64_RDI,
    X64_R8, X64_R9, X64_R10, X64_R11, X64_R12, X64_R13, X64_R14, X64_R15,
    X64_NOREG = -1,
};

/* Group-1 ALU operations (the /digit of opcodes 0x81/0x83 and the base of 0x01..0x3B). */
enum x64_alu { X64_ADD = 0, X64_OR = 1, X64_ADC = 2, X64_SBB = 3, X64_AND = 4, X64_SUB = 5,
               X64_XOR = 6, X64_CMP = 7 };
/* Group-2 shifts (/digit of 0xC1/0xD3). */
enum x64_shift { X64_ROL = 0, X64_ROR = 1, X64_SHL = 4, X64_SHR = 5, X64_SAR = 7 };
/* Condition codes (low nibble of Jcc/SETcc/CMOVcc). */
enum x64_cc {
    X64_CC_O = 0, X64_CC_NO = 1, X64_CC_B = 2, X64_CC_AE = 3, X64_CC_E = 4, X64_CC_NE = 5,
    X64_CC_BE = 6, X64_CC_A = 7, X64_CC_S = 8, X64_CC_NS = 9, X64_CC_L = 12, X64_CC_GE = 13,
    X64_CC_LE = 14, X64_CC_G = 15,
};

struct x64_emitter {
    uint8_t *buf;
    size_t len, cap;
    bool overflow; /* set instead of writing past cap; the caller checks once at the end */
};

static inline void x64_init(struct x64_emitter *e, uint8_t *buf, size_t cap)
{
    e->buf = buf;
    e->cap = cap;
    e->len = 0;
    e->overflow = false;
}

static inline void x64_byte(struct x64_emitter *e, uint8_t b)
{
    if (e->len < e->cap)
        e->buf[e->len++] = b;
    else
        e->overflow = true;
}

void x64_u32(struct x64_emitter *e, uint32_t v);
void x64_u64(struct x64_emitter *e, uint64_t v);
/* Overwrites a rel32 field at offset `at` so that it points to offset `target` of the same buffer. */
void x64_patch_rel32(struct x64_emitter *e, size_t at, size_t target);
/* Pads with NOPs until (len + skew) is a multiple of align. */
void x64_align(struct x64_emitter *e, unsigned align, unsigned skew);

/* Moves. */
void x64_mov_r32_r32(struct x64_emitter *e, int dst, int src);
void x64_mov_r64_r64(struct x64_emitter *e, int dst, int src);
void x64_mov_r32_imm32(struct x64_emitter *e, int dst, uint32_t imm);
void x64_mov_r64_imm64(struct x64_emitter *e, int dst, uint64_t imm);
void x64_mov_r32_m32(struct x64_emitter *e, int dst, int base, int32_t disp);
void x64_mov_m32_r32(struct x64_emitter *e, int base, int32_t disp, int src);
void x64_mov_m32_imm32(struct x64_emitter *e, int base, int32_t disp, uint32_t imm);
void x64_mov_r64_m64(struct x64_emitter *e, int dst, int base, int32_t disp);
void x64_mov_m64_r64(struct x64_emitter *e, int base, int32_t disp, int src);
/* [base + index] forms, for the software-TLB fast path (host = va + addend). */
void x64_mov_r32_mbi(struct x64_emitter *e, int dst, int base, int index, int32_t disp);
void x64_movzx_r32_m8(struct x64_emitter *e, int dst, int base, int32_t disp);
void x64_movzx_r32_m8bi(struct x64_emitter *e, int dst, int base, int index);
void x64_movsx_r32_m8bi(struct x64_emitter *e, int dst, int base, int index);
void x64_movzx_r32_m16bi(struct x64_emitter *e, int dst, int base, int index);
void x64_movsx_r32_m16bi(struct x64_emitter *e, int dst, int base, int index);
void x64_mov_mbi_r32(struct x64_emitter *e, int base, int index, int src);
void x64_mov_mbi_r16(struct x64_emitter *e, int base, int index, int src);
void x64_mov_mbi_r8(struct x64_emitter *e, int base, int index, int src);
/* dst = [index * 2^scale_log2 + disp32] (no base register: disp32 is an absolute low address). */
enum x64_load { X64_LD32, X64_LDZX8, X64_LDSX8, X64_LDZX16, X64_LDSX16 };
void x64_load_sx(struct x64_emitter *e, enum x64_load kind, int dst, int index, unsigned scale_log2, int32_t disp);
/* The same from [base + index * 2^scale_log2 + disp]. */
void x64_load_bis(struct x64_emitter *e, enum x64_load kind, int dst, int base, int index, unsigned scale_log2,
                  int32_t disp);
void x64_movsx_r32_r8(struct x64_emitter *e, int dst, int src);
void x64_movsx_r32_r16(struct x64_emitter *e, int dst, int src);
void x64_movzx_r32_r8(struct x64_emitter *e, int dst, int src);
void x64_movsxd_r64_r32(struct x64_emitter *e, int dst, int src);
void x64_lea_r32_disp(struct x64_emitter *e, int dst, int base, int32_t disp);
void x64_lea_r64_disp(struct x64_emitter *e, int dst, int base, int32_t disp);
/* dst = low 32 bits of base + index * 2^scale_log2 + disp (base < 0: no base, disp32 absolute). */
void x64_lea_r32_bisd(struct x64_emitter *e, int dst, int base, int index, unsigned scale_log2, int32_t disp);

/* Arithmetic. */
void x64_alu_r32_r32(struct x64_emitter *e, enum x64_alu op, int dst, int src);
void x64_alu_r64_r64(struct x64_emitter *e, enum x64_alu op, int dst, int src);
void x64_alu_r32_imm32(struct x64_emitter *e, enum x64_alu op, int dst, int32_t imm);
void x64_alu_r64_imm32(struct x64_emitter *e, enum x64_alu op, int dst, int32_t imm);
void x64_alu_r32_m32(struct x64_emitter *e, enum x64_alu op, int dst, int base, int32_t disp);
void x64_alu_r64_m64(struct x64_emitter *e, enum x64_alu op, int dst, int base, int32_t disp);
void x64_alu_m32_imm32(struct x64_emitter *e, enum x64_alu op, int base, int32_t disp, int32_t imm);
void x64_alu_m64_imm32(struct x64_emitter *e, enum x64_alu op, int base, int32_t disp, int32_t imm);
void x64_test_r32_r32(struct x64_emitter *e, int a, int b);
void x64_test_r32_imm32(struct x64_emitter *e, int r, uint32_t imm);
void x64_shift_r32_imm(struct x64_emitter *e, enum x64_shift op, int r, unsigned imm);
void x64_shift_r64_imm(struct x64_emitter *e, enum x64_shift op, int r, unsigned imm);
void x64_shift_r32_cl(struct x64_emitter *e, enum x64_shift op, int r);
void x64_shld_r32_r32_cl(struct x64_emitter *e, int dst, int src);
void x64_shrd_r32_r32_cl(struct x64_emitter *e, int dst, int src);
void x64_not_r32(struct x64_emitter *e, int r);
void x64_neg_r32(struct x64_emitter *e, int r);
void x64_imul_r32_r32(struct x64_emitter *e, int dst, int src);
void x64_imul_r64_r64(struct x64_emitter *e, int dst, int src);
/* One-operand multiply: edx:eax = eax * src (signed / unsigned). */
void x64_imul1_r32(struct x64_emitter *e, int src);
void x64_mul1_r32(struct x64_emitter *e, int src);
void x64_bsr_r32_r32(struct x64_emitter *e, int dst, int src);
void x64_lzcnt_r32_r32(struct x64_emitter *e, int dst, int src);
void x64_bswap_r32(struct x64_emitter *e, int r);
void x64_setcc_r8(struct x64_emitter *e, enum x64_cc cc, int r);
void x64_setcc_m8(struct x64_emitter *e, enum x64_cc cc, int base, int32_t disp);
void x64_cmp_m8_imm8(struct x64_emitter *e, int base, int32_t disp, uint8_t imm);
void x64_cmov_r32_r32(struct x64_emitter *e, enum x64_cc cc, int dst, int src);

/* Control flow. The rel32 forms return the offset of their rel32 field (for patching). */
size_t x64_jmp_rel32(struct x64_emitter *e, size_t target);
/* A jmp rel32 (to 0, for patching) whose rel32 field is 4-byte aligned, padded with prefixes. */
size_t x64_jmp_rel32_aligned(struct x64_emitter *e);
size_t x64_jcc_rel32(struct x64_emitter *e, enum x64_cc cc, size_t target);
/* A jcc rel8 to 0; returns its rel8 field's offset, for x64_patch_rel8 (a target within 127 bytes). */
size_t x64_jcc_rel8(struct x64_emitter *e, enum x64_cc cc);
void x64_patch_rel8(struct x64_emitter *e, size_t at, size_t target);
size_t x64_call_rel32_field(struct x64_emitter *e);
void x64_call_r64(struct x64_emitter *e, int r);
void x64_jmp_r64(struct x64_emitter *e, int r);
void x64_jmp_m64(struct x64_emitter *e, int base, int32_t disp);
void x64_jmp_m64_bi(struct x64_emitter *e, int base, int index, int32_t disp);
void x64_push_r64(struct x64_emitter *e, int r);
void x64_pop_r64(struct x64_emitter *e, int r);
void x64_ret(struct x64_emitter *e);
void x64_nop(struct x64_emitter *e, unsigned n);

/* The memory operand form with index, for the jump cache ([base + index + disp]). */
void x64_alu_r64_mbi(struct x64_emitter *e, enum x64_alu op, int dst, int base, int index, int32_t disp);
void x64_mov_r64_mbi(struct x64_emitter *e, int dst, int base, int index, int32_t disp);
/* op qword [base + index + disp], imm8 (a counter's add). */
void x64_alu_m64bi_imm8(struct x64_emitter *e, enum x64_alu op, int base, int index, int32_t disp, int8_t imm);

/* Whether the host has LZCNT (CPUID 0x80000001 ECX.ABM). */
bool x64_have_lzcnt(void);
/* Whether the host has BMI2 (cpuid): RORX is emitted only then (it is #UD without it). */
bool x64_have_bmi2(void);
/* Tests: translate as for a host without BMI2 (the baseline sequences). */
extern _Atomic bool x64_no_bmi2;
/* dst = src rotated right by imm, flags untouched (BMI2). */
void x64_rorx_r32_r32_imm(struct x64_emitter *e, int dst, int src, unsigned imm);

#endif
