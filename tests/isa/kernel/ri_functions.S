/*
 * Reserved Instruction for reserved function/rt encodings inside the
 * SPECIAL, REGIMM, SPECIAL2, SPECIAL3 and COP0 tables (ISA tables A.3-A.12:
 * "*" = "operation or field codes marked with this symbol are reserved
 * and cause a Reserved Instruction exception"; beta = MIPS64 only).
 * ExcCode RI, EPC = the instruction, destination unchanged.
 */
#include "kernel_util.h"
    .macro RI_CASE n, word
    li $t1, 0x13579BDF
    move $t2, $t1
1:  .word \word
    CHECK_REG $t2, $t1
    CHECK_EXC_AT \n, X_RI, 1b, 0x180
    .endm
TEST_BEGIN 75, 15
    RI_CASE 1, 0x00005005          /* SPECIAL funct 000101: * */
    RI_CASE 2, 0x0000500E          /* SPECIAL funct 001110: * */
    RI_CASE 3, 0x00005028          /* SPECIAL funct 101000: * */
    RI_CASE 4, 0x0109502D          /* SPECIAL daddu $t2,$t0,$t1 (MIPS64) */
    RI_CASE 5, 0x0009543C          /* SPECIAL dsll32 (MIPS64) */
    RI_CASE 6, 0x0109501E          /* SPECIAL ddiv (MIPS64) */
    RI_CASE 7, 0x04040000          /* REGIMM rt 00100: * */
    RI_CASE 8, 0x04170000          /* REGIMM rt 10111: * */
    RI_CASE 9, 0x71095003          /* SPECIAL2 funct 000011: * */
    RI_CASE 10, 0x71205024         /* SPECIAL2 dclz (MIPS64) */
    RI_CASE 11, 0x7C0A0003         /* SPECIAL3 dext (MIPS64) */
    RI_CASE 12, 0x7C0A003F         /* SPECIAL3 funct 111111: * */
    RI_CASE 13, 0x7C0A5060         /* SPECIAL3 BSHFL sa 00001: * */
    RI_CASE 14, 0x42000000         /* COP0 CO funct 000000: * */
    RI_CASE 15, 0x42000030         /* COP0 CO funct 110000: * */
TEST_END
