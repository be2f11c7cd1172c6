/*
 * Reserved Instruction (ISA table A.2 "MIPS32 Encoding of the Opcode
 * Field": entries marked * are reserved, beta entries are MIPS64 and
 * "cause a Reserved Instruction exception" on a 32-bit CPU; PRA 6.2.16):
 * ExcCode RI (10), EPC = the instruction, the target register unchanged.
 */
#include "kernel_util.h"
    .macro RI_CASE n, word
    li $t1, 0x5555AAAA
    move $t2, $t1
1:  .word \word
    CHECK_REG $t2, $t1
    CHECK_EXC_AT \n, X_RI, 1b, 0x180
    .endm
TEST_BEGIN 55, 11
    RI_CASE 1, 0xEC0A0000          /* opcode 0x3B: reserved */
    RI_CASE 2, 0xFC0A0000          /* 0x3F sd $t2 (MIPS64) */
    RI_CASE 3, 0xDC0A0000          /* 0x37 ld (MIPS64) */
    RI_CASE 4, 0x600A0001          /* 0x18 daddi (MIPS64) */
    RI_CASE 5, 0x640A0001          /* 0x19 daddiu (MIPS64) */
    RI_CASE 6, 0x680A0000          /* 0x1A ldl (MIPS64) */
    RI_CASE 7, 0x6C0A0000          /* 0x1B ldr (MIPS64) */
    RI_CASE 8, 0xD00A0000          /* 0x34 lld (MIPS64) */
    RI_CASE 9, 0xF00A0000          /* 0x3C scd (MIPS64) */
    RI_CASE 10, 0xB00A0000         /* 0x2C sdl (MIPS64) */
    RI_CASE 11, 0x9C0A0000         /* 0x27 lwu (MIPS64) */
TEST_END
