/*
 * The x86-64 emitter: byte encodings of the instruction forms the
 * translator uses (Intel SDM Vol. 2, chapter 2 for REX/ModRM/SIB).
 *
 * Every form goes through two encoders, one for a register operand and one
 * for a [base + index + disp] memory operand, so the REX, ModRM and SIB
 * rules (rsp/r12 need a SIB, rbp/r13 cannot use mod 00, byte registers
 * 4-7 need a REX to mean spl..dil) live in one place. The golden-byte unit
 * test (tests/unit/test_x64_emit.c) checks each form against the bytes the
 * GNU assembler produces for the same instruction.
 */
#include <cpuid.h>
#include <stdatomic.h>
#include <string.h>

#include "dbt/x64_emit.h"

void x64_u32(struct x64_emitter *e, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        x64_byte(e, (uint8_t)(v >> (8 * i)));
}

void x64_u64(struct x64_emitter *e, uint64_t v)
{
    x64_u32(e, (uint32_t)v);
    x64_u32(e, (uint32_t)(v >> 32));
}

void x64_patch_rel32(struct x64_emitter *e, size_t at, size_t target)
{
    if (at + 4 > e->len)
        return;
    int32_t rel = (int32_t)((int64_t)target - (int64_t)(at + 4));
    memcpy(e->buf + at, &rel, 4);
}

/* Multi-byte NOPs (SDM "Recommended Multi-Byte Sequence of NOP Instruction"). */
void x64_nop(struct x64_emitter *e, unsigned n)
{
    static const uint8_t nops[9][9] = {
        {0}, {0x90}, {0x66, 0x90}, {0x0F, 0x1F, 0x00}, {0x0F, 0x1F, 0x40, 0x00},
        {0x0F, 0x1F, 0x44, 0x00, 0x00}, {0x66, 0x0F, 0x1F, 0x44, 0x00, 0x00},
        {0x0F, 0x1F, 0x80, 0x00, 0x00, 0x00, 0x00},
        {0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
    };
    while (n > 0) {
        unsigned k = n > 8 ? 8 : n;
        for (unsigned i = 0; i < k; i++)
            x64_byte(e, nops[k][i]);
        n -= k;
    }
}

void x64_align(struct x64_emitter *e, unsigned align, unsigned skew)
{
    unsigned pad = (unsigned)((align - (e->len + skew) % align) % align);
    x64_nop(e, pad);
}

/* ---- the two operand encoders ---- */

#define F_W 1u     /* REX.W: 64-bit operand */
#define F_BYTE 2u  /* the reg operand is a byte register: force REX for 4..7 */
#define F_BYTERM 4u /* the r/m register operand is a byte register */
#define F_16 8u    /* operand-size prefix */

static void prefix(struct x64_emitter *e, unsigned f, int reg, int index, int base)
{
    if (f & F_16)
        x64_byte(e, 0x66);
    uint8_t rex = 0x40;
    if (f & F_W)
        rex |= 8;
    if (reg >= 0 && (reg & 8))
        rex |= 4;
    if (index >= 0 && (index & 8))
        rex |= 2;
    if (base >= 0 && (base & 8))
        rex |= 1;
    bool force = ((f & F_BYTE) && reg >= 4 && reg <= 7) || ((f & F_BYTERM) && base >= 4 && base <= 7);
    if (rex != 0x40 || force)
        x64_byte(e, rex);
}

static void opcode(struct x64_emitter *e, const uint8_t *op, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        x64_byte(e, op[i]);
}

/* op reg, rm (both registers); reg may be a /digit. */
static void enc_rr(struct x64_emitter *e, unsigned f, const uint8_t *op, unsigned n, int reg, int rm)
{
    prefix(e, f, reg, -1, rm);
    opcode(e, op, n);
    x64_byte(e, (uint8_t)(0xC0 | ((reg & 7) << 3) | (rm & 7)));
}

/* op reg, [base + index + disp]; reg may be a /digit. */
/* op reg, [base + index * 2^scale + disp]; base < 0: [index * 2^scale + disp32]. */
static void enc_rms(struct x64_emitter *e, unsigned f, const uint8_t *op, unsigned n, int reg, int base,
                    int index, unsigned scale, int32_t disp)
{
    prefix(e, f, reg, index, base);
    opcode(e, op, n);
    if (base < 0) {
        /* [index * 2^scale + disp32]: no base (mod 00, SIB base 101) */
        x64_byte(e, (uint8_t)(((reg & 7) << 3) | 4));
        x64_byte(e, (uint8_t)(((scale & 3) << 6) | ((index & 7) << 3) | 5));
        x64_u32(e, (uint32_t)disp);
        return;
    }
    unsigned mod;
    if (disp == 0 && (base & 7) != 5)
        mod = 0;
    else if (disp >= -128 && disp <= 127)
        mod = 1;
    else
        mod = 2;
    if (index < 0 && (base & 7) != 4) {
        x64_byte(e, (uint8_t)((mod << 6) | ((reg & 7) << 3) | (base & 7)));
    } else {
        x64_byte(e, (uint8_t)((mod << 6) | ((reg & 7) << 3) | 4));
        x64_byte(e, (uint8_t)(((index < 0 ? 0 : scale & 3) << 6) | ((index < 0 ? 4 : index & 7) << 3) | (base & 7)));
    }
    if (mod == 1)
        x64_byte(e, (uint8_t)(int8_t)disp);
    else if (mod == 2)
        x64_u32(e, (uint32_t)disp);
}

static void enc_rm(struct x64_emitter *e, unsigned f, const uint8_t *op, unsigned n, int reg, int base,
                   int index, int32_t disp)
{
    enc_rms(e, f, op, n, reg, base, index, 0, disp);
}

#define OP(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})

/* ---- moves ---- */

void x64_mov_r32_r32(struct x64_emitter *e, int dst, int src) { enc_rr(e, 0, OP(0x89), src, dst); }
void x64_mov_r64_r64(struct x64_emitter *e, int dst, int src) { enc_rr(e, F_W, OP(0x89), src, dst); }

void x64_mov_r32_imm32(struct x64_emitter *e, int dst, uint32_t imm)
{
    if (imm == 0) {
        x64_alu_r32_r32(e, X64_XOR, dst, dst);
        return;
    }
    prefix(e, 0, -1, -1, dst);
    x64_byte(e, (uint8_t)(0xB8 + (dst & 7)));
    x64_u32(e, imm);
}

void x64_mov_r64_imm64(struct x64_emitter *e, int dst, uint64_t imm)
{
    if (imm <= 0xFFFFFFFFu) {
        x64_mov_r32_imm32(e, dst, (uint32_t)imm);
        return;
    }
    prefix(e, F_W, -1, -1, dst);
    x64_byte(e, (uint8_t)(0xB8 + (dst & 7)));
    x64_u64(e, imm);
}

void x64_mov_r32_m32(struct x64_emitter *e, int dst, int base, int32_t disp)
{
    enc_rm(e, 0, OP(0x8B), dst, base, -1, disp);
}

void x64_mov_m32_r32(struct x64_emitter *e, int base, int32_t disp, int src)
{
    enc_rm(e, 0, OP(0x89), src, base, -1, disp);
}

void x64_mov_m32_imm32(struct x64_emitter *e, int base, int32_t disp, uint32_t imm)
{
    enc_rm(e, 0, OP(0xC7), 0, base, -1, disp);
    x64_u32(e, imm);
}

void x64_mov_r64_m64(struct x64_emitter *e, int dst, int base, int32_t disp)
{
    enc_rm(e, F_W, OP(0x8B), dst, base, -1, disp);
}

void x64_mov_m64_r64(struct x64_emitter *e, int base, int32_t disp, int src)
{
    enc_rm(e, F_W, OP(0x89), src, base, -1, disp);
}

void x64_mov_r32_mbi(struct x64_emitter *e, int dst, int base, int index, int32_t disp)
{
    enc_rm(e, 0, OP(0x8B), dst, base, index, disp);
}

void x64_movzx_r32_m8(struct x64_emitter *e, int dst, int base, int32_t disp)
{
    enc_rm(e, 0, OP(0x0F, 0xB6), dst, base, -1, disp);
}

void x64_movzx_r32_m8bi(struct x64_emitter *e, int dst, int base, int index)
{
    enc_rm(e, 0, OP(0x0F, 0xB6), dst, base, index, 0);
}

void x64_movsx_r32_m8bi(struct x64_emitter *e, int dst, int base, int index)
{
    enc_rm(e, 0, OP(0x0F, 0xBE), dst, base, index, 0);
}

void x64_movzx_r32_m16bi(struct x64_emitter *e, int dst, int base, int index)
{
    enc_rm(e, 0, OP(0x0F, 0xB7), dst, base, index, 0);
}

void x64_movsx_r32_m16bi(struct x64_emitter *e, int dst, int base, int index)
{
    enc_rm(e, 0, OP(0x0F, 0xBF), dst, base, index, 0);
}

void x64_mov_mbi_r32(struct x64_emitter *e, int base, int index, int src)
{
    enc_rm(e, 0, OP(0x89), src, base, index, 0);
}

void x64_mov_mbi_r16(struct x64_emitter *e, int base, int index, int src)
{
    enc_rm(e, F_16, OP(0x89), src, base, index, 0);
}

void x64_mov_mbi_r8(struct x64_emitter *e, int base, int index, int src)
{
    enc_rm(e, F_BYTE, OP(0x88), src, base, index, 0);
}

void x64_movsx_r32_r8(struct x64_emitter *e, int dst, int src) { enc_rr(e, F_BYTERM, OP(0x0F, 0xBE), dst, src); }
void x64_movsx_r32_r16(struct x64_emitter *e, int dst, int src) { enc_rr(e, 0, OP(0x0F, 0xBF), dst, src); }
void x64_movzx_r32_r8(struct x64_emitter *e, int dst, int src) { enc_rr(e, F_BYTERM, OP(0x0F, 0xB6), dst, src); }
void x64_movsxd_r64_r32(struct x64_emitter *e, int dst, int src) { enc_rr(e, F_W, OP(0x63), dst, src); }

void x64_lea_r32_disp(struct x64_emitter *e, int dst, int base, int32_t disp)
{
    enc_rm(e, 0, OP(0x8D), dst, base, -1, disp);
}

void x64_lea_r64_disp(struct x64_emitter *e, int dst, int base, int32_t disp)
{
    enc_rm(e, F_W, OP(0x8D), dst, base, -1, disp);
}

void x64_lea_r32_bisd(struct x64_emitter *e, int dst, int base, int index, unsigned scale_log2, int32_t disp)
{
    enc_rms(e, 0, OP(0x8D), dst, base, index, scale_log2, disp);
}

void x64_load_sx(struct x64_emitter *e, enum x64_load kind, int dst, int index, unsigned scale_log2,
                 int32_t disp)
{
    switch (kind) {
    case X64_LD32: enc_rms(e, 0, OP(0x8B), dst, -1, index, scale_log2, disp); break;
    case X64_LDZX8: enc_rms(e, 0, OP(0x0F, 0xB6), dst, -1, index, scale_log2, disp); break;
    case X64_LDSX8: enc_rms(e, 0, OP(0x0F, 0xBE), dst, -1, index, scale_log2, disp); break;
    case X64_LDZX16: enc_rms(e, 0, OP(0x0F, 0xB7), dst, -1, index, scale_log2, disp); break;
    default: enc_rms(e, 0, OP(0x0F, 0xBF), dst, -1, index, scale_log2, disp); break;
    }
}

void x64_load_bis(struct x64_emitter *e, enum x64_load kind, int dst, int base, int index, unsigned scale_log2,
                  int32_t disp)
{
    switch (kind) {
    case X64_LD32: enc_rms(e, 0, OP(0x8B), dst, base, index, scale_log2, disp); break;
    case X64_LDZX8: enc_rms(e, 0, OP(0x0F, 0xB6), dst, base, index, scale_log2, disp); break;
    case X64_LDSX8: enc_rms(e, 0, OP(0x0F, 0xBE), dst, base, index, scale_log2, disp); break;
    case X64_LDZX16: enc_rms(e, 0, OP(0x0F, 0xB7), dst, base, index, scale_log2, disp); break;
    default: enc_rms(e, 0, OP(0x0F, 0xBF), dst, base, index, scale_log2, disp); break;
    }
}

/* ---- arithmetic ---- */

void x64_alu_r32_r32(struct x64_emitter *e, enum x64_alu op, int dst, int src)
{
    enc_rr(e, 0, OP((uint8_t)(op << 3 | 1)), src, dst);
}

void x64_alu_r64_r64(struct x64_emitter *e, enum x64_alu op, int dst, int src)
{
    enc_rr(e, F_W, OP((uint8_t)(op << 3 | 1)), src, dst);
}

static void alu_imm(struct x64_emitter *e, unsigned f, enum x64_alu op, int dst, int32_t imm)
{
    if (imm >= -128 && imm <= 127) {
        enc_rr(e, f, OP(0x83), op, dst);
        x64_byte(e, (uint8_t)(int8_t)imm);
    } else if (dst == X64_RAX) {
        prefix(e, f, -1, -1, -1);
        x64_byte(e, (uint8_t)(op << 3 | 5));
        x64_u32(e, (uint32_t)imm);
    } else {
        enc_rr(e, f, OP(0x81), op, dst);
        x64_u32(e, (uint32_t)imm);
    }
}

void x64_alu_r32_imm32(struct x64_emitter *e, enum x64_alu op, int dst, int32_t imm) { alu_imm(e, 0, op, dst, imm); }
void x64_alu_r64_imm32(struct x64_emitter *e, enum x64_alu op, int dst, int32_t imm) { alu_imm(e, F_W, op, dst, imm); }

void x64_alu_r32_m32(struct x64_emitter *e, enum x64_alu op, int dst, int base, int32_t disp)
{
    enc_rm(e, 0, OP((uint8_t)(op << 3 | 3)), dst, base, -1, disp);
}

void x64_alu_r64_m64(struct x64_emitter *e, enum x64_alu op, int dst, int base, int32_t disp)
{
    enc_rm(e, F_W, OP((uint8_t)(op << 3 | 3)), dst, base, -1, disp);
}

void x64_alu_r64_mbi(struct x64_emitter *e, enum x64_alu op, int dst, int base, int index, int32_t disp)
{
    enc_rm(e, F_W, OP((uint8_t)(op << 3 | 3)), dst, base, index, disp);
}

void x64_mov_r64_mbi(struct x64_emitter *e, int dst, int base, int index, int32_t disp)
{
    enc_rm(e, F_W, OP(0x8B), dst, base, index, disp);
}

static void alu_mem_imm(struct x64_emitter *e, unsigned f, enum x64_alu op, int base, int32_t disp, int32_t imm)
{
    if (imm >= -128 && imm <= 127) {
        enc_rm(e, f, OP(0x83), op, base, -1, disp);
        x64_byte(e, (uint8_t)(int8_t)imm);
    } else {
        enc_rm(e, f, OP(0x81), op, base, -1, disp);
        x64_u32(e, (uint32_t)imm);
    }
}

void x64_alu_m32_imm32(struct x64_emitter *e, enum x64_alu op, int base, int32_t disp, int32_t imm)
{
    alu_mem_imm(e, 0, op, base, disp, imm);
}

void x64_alu_m64_imm32(struct x64_emitter *e, enum x64_alu op, int base, int32_t disp, int32_t imm)
{
    alu_mem_imm(e, F_W, op, base, disp, imm);
}

void x64_test_r32_r32(struct x64_emitter *e, int a, int b) { enc_rr(e, 0, OP(0x85), b, a); }

void x64_test_r32_imm32(struct x64_emitter *e, int r, uint32_t imm)
{
    if (r == X64_RAX) {
        x64_byte(e, 0xA9);
    } else {
        enc_rr(e, 0, OP(0xF7), 0, r);
    }
    x64_u32(e, imm);
}

void x64_shift_r32_imm(struct x64_emitter *e, enum x64_shift op, int r, unsigned imm)
{
    if (imm == 1) {
        enc_rr(e, 0, OP(0xD1), op, r);
    } else {
        enc_rr(e, 0, OP(0xC1), op, r);
        x64_byte(e, (uint8_t)imm);
    }
}

void x64_shift_r64_imm(struct x64_emitter *e, enum x64_shift op, int r, unsigned imm)
{
    if (imm == 1) {
        enc_rr(e, F_W, OP(0xD1), op, r);
    } else {
        enc_rr(e, F_W, OP(0xC1), op, r);
        x64_byte(e, (uint8_t)imm);
    }
}

void x64_shift_r32_cl(struct x64_emitter *e, enum x64_shift op, int r) { enc_rr(e, 0, OP(0xD3), op, r); }
/* shld/shrd dst, src, cl: dst shifted by cl with src's bits shifted in (the count taken mod 32) */
void x64_shld_r32_r32_cl(struct x64_emitter *e, int dst, int src) { enc_rr(e, 0, OP(0x0F, 0xA5), src, dst); }
void x64_shrd_r32_r32_cl(struct x64_emitter *e, int dst, int src) { enc_rr(e, 0, OP(0x0F, 0xAD), src, dst); }
void x64_not_r32(struct x64_emitter *e, int r) { enc_rr(e, 0, OP(0xF7), 2, r); }
void x64_neg_r32(struct x64_emitter *e, int r) { enc_rr(e, 0, OP(0xF7), 3, r); }
void x64_imul_r32_r32(struct x64_emitter *e, int dst, int src) { enc_rr(e, 0, OP(0x0F, 0xAF), dst, src); }
void x64_imul_r64_r64(struct x64_emitter *e, int dst, int src) { enc_rr(e, F_W, OP(0x0F, 0xAF), dst, src); }
void x64_imul1_r32(struct x64_emitter *e, int src) { enc_rr(e, 0, OP(0xF7), 5, src); }
void x64_mul1_r32(struct x64_emitter *e, int src) { enc_rr(e, 0, OP(0xF7), 4, src); }
void x64_bsr_r32_r32(struct x64_emitter *e, int dst, int src) { enc_rr(e, 0, OP(0x0F, 0xBD), dst, src); }

void x64_lzcnt_r32_r32(struct x64_emitter *e, int dst, int src)
{
    x64_byte(e, 0xF3); /* mandatory prefix goes before REX */
    enc_rr(e, 0, OP(0x0F, 0xBD), dst, src);
}

void x64_bswap_r32(struct x64_emitter *e, int r)
{
    prefix(e, 0, -1, -1, r);
    x64_byte(e, 0x0F);
    x64_byte(e, (uint8_t)(0xC8 + (r & 7)));
}

void x64_setcc_r8(struct x64_emitter *e, enum x64_cc cc, int r)
{
    enc_rr(e, F_BYTERM, OP(0x0F, (uint8_t)(0x90 + cc)), 0, r);
}

void x64_setcc_m8(struct x64_emitter *e, enum x64_cc cc, int base, int32_t disp)
{
    enc_rm(e, 0, OP(0x0F, (uint8_t)(0x90 + cc)), 0, base, -1, disp);
}

void x64_cmp_m8_imm8(struct x64_emitter *e, int base, int32_t disp, uint8_t imm)
{
    enc_rm(e, 0, OP(0x80), 7, base, -1, disp);
    x64_byte(e, imm);
}

void x64_cmov_r32_r32(struct x64_emitter *e, enum x64_cc cc, int dst, int src)
{
    enc_rr(e, 0, OP(0x0F, (uint8_t)(0x40 + cc)), dst, src);
}

/* ---- control flow ---- */

size_t x64_jmp_rel32(struct x64_emitter *e, size_t target)
{
    x64_byte(e, 0xE9);
    size_t at = e->len;
    x64_u32(e, (uint32_t)(int32_t)((int64_t)target - (int64_t)(at + 4)));
    return at;
}

size_t x64_jmp_rel32_aligned(struct x64_emitter *e)
{
    /* 0x2E (a CS override, which 64-bit mode ignores) as padding inside the instruction: the
     * padding costs no instruction of its own, unlike a NOP in front of it (Intel SDM Vol. 2,
     * 2.1.1: segment overrides other than FS/GS are treated as null in 64-bit mode). */
    unsigned pad = (unsigned)((4 - (e->len + 1) % 4) % 4);
    for (unsigned i = 0; i < pad; i++)
        x64_byte(e, 0x2E);
    return x64_jmp_rel32(e, 0);
}

size_t x64_jcc_rel32(struct x64_emitter *e, enum x64_cc cc, size_t target)
{
    x64_byte(e, 0x0F);
    x64_byte(e, (uint8_t)(0x80 + cc));
    size_t at = e->len;
    x64_u32(e, (uint32_t)(int32_t)((int64_t)target - (int64_t)(at + 4)));
    return at;
}

size_t x64_jcc_rel8(struct x64_emitter *e, enum x64_cc cc)
{
    x64_byte(e, (uint8_t)(0x70 + cc));
    size_t at = e->len;
    x64_byte(e, 0);
    return at;
}

void x64_patch_rel8(struct x64_emitter *e, size_t at, size_t target)
{
    int64_t rel = (int64_t)target - (int64_t)(at + 1);
    if (rel < -128 || rel > 127) {
        e->overflow = true; /* an emitter's mistake: the caller's overflow check refuses the code */
        return;
    }
    if (at < e->len)
        e->buf[at] = (uint8_t)(int8_t)rel;
}

size_t x64_call_rel32_field(struct x64_emitter *e)
{
    x64_byte(e, 0xE8);
    size_t at = e->len;
    x64_u32(e, 0);
    return at;
}

void x64_call_r64(struct x64_emitter *e, int r) { enc_rr(e, 0, OP(0xFF), 2, r); }
void x64_jmp_r64(struct x64_emitter *e, int r) { enc_rr(e, 0, OP(0xFF), 4, r); }
void x64_jmp_m64(struct x64_emitter *e, int base, int32_t disp) { enc_rm(e, 0, OP(0xFF), 4, base, -1, disp); }

void x64_jmp_m64_bi(struct x64_emitter *e, int base, int index, int32_t disp)
{
    enc_rm(e, 0, OP(0xFF), 4, base, index, disp);
}

void x64_push_r64(struct x64_emitter *e, int r)
{
    prefix(e, 0, -1, -1, r);
    x64_byte(e, (uint8_t)(0x50 + (r & 7)));
}

void x64_pop_r64(struct x64_emitter *e, int r)
{
    prefix(e, 0, -1, -1, r);
    x64_byte(e, (uint8_t)(0x58 + (r & 7)));
}

void x64_ret(struct x64_emitter *e) { x64_byte(e, 0xC3); }

/* A test knob, process-wide by nature (it describes the host CPU): atomic, as translators of
 * several VMs read it at once. */
_Atomic bool x64_no_bmi2;

bool x64_have_bmi2(void)
{
    /* cpuid is slow (a hypervisor exit in a VM): asked once per process; threads that ask at the
     * same time all store the same answer */
    static _Atomic int have = -1;
    if (atomic_load_explicit(&x64_no_bmi2, memory_order_relaxed))
        return false;
    int h = atomic_load_explicit(&have, memory_order_relaxed);
    if (h < 0) {
        unsigned a, b, c, d;
        h = __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 8)) != 0; /* CPUID.7.0:EBX.BMI2 */
        atomic_store_explicit(&have, h, memory_order_relaxed);
    }
    return h != 0;
}

void x64_rorx_r32_r32_imm(struct x64_emitter *e, int dst, int src, unsigned imm)
{
    /* VEX.LZ.F2.0F3A.W0 F0 /r ib (Intel SDM Vol. 2, RORX): three-byte VEX, vvvv unused (1111) */
    x64_byte(e, 0xC4);
    x64_byte(e, (uint8_t)((dst & 8 ? 0 : 0x80) | 0x40 | (src & 8 ? 0 : 0x20) | 0x03));
    x64_byte(e, 0x7B);
    x64_byte(e, 0xF0);
    x64_byte(e, (uint8_t)(0xC0 | (dst & 7) << 3 | (src & 7)));
    x64_byte(e, (uint8_t)imm);
}

bool x64_have_lzcnt(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(0x80000001u, &a, &b, &c, &d))
        return false;
    return (c & (1u << 5)) != 0; /* ABM / LZCNT */
}

void x64_alu_m64bi_imm8(struct x64_emitter *e, enum x64_alu op, int base, int index, int32_t disp, int8_t imm)
{
    enc_rm(e, F_W, OP(0x83), op, base, index, disp);
    x64_byte(e, (uint8_t)imm);
}
