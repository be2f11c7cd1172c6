/*
 * Immediate traps (ISA TEQI/TNEI/TGEI/TGEIU/TLTI/TLTIU): the 16-bit
 * immediate is sign-extended, then compared signed (TGEI/TLTI) or unsigned
 * (TGEIU/TLTIU: "sign_extend(immediate) ... compared as unsigned"). ExcCode
 * Tr, EPC = the instruction.
 */
#include "kernel_util.h"
    .macro TRAPS n, insn, a, imm
1:  \insn \a, \imm
    CHECK_EXC_AT \n, X_TR, 1b, 0x180
    .endm
    .macro NOTRAP n, insn, a, imm
    \insn \a, \imm
    CHECK_EXC EXC_COUNT, \n
    .endm
TEST_BEGIN 39, 8
    li $s0, -1
    li $s1, 5
    li $s2, 0x80000000
    li $s3, 0xFFFFFFFE
    TRAPS 1, teqi, $s0, -1
    NOTRAP 1, teqi, $s1, 4
    TRAPS 2, tnei, $s1, 4
    NOTRAP 2, tnei, $s1, 5
    TRAPS 3, tgei, $s1, -3         /* 5 >= -3 */
    NOTRAP 3, tgei, $s0, 0         /* -1 >= 0 false */
    TRAPS 4, tgeiu, $s0, -1        /* 0xFFFFFFFF >= 0xFFFFFFFF */
    NOTRAP 4, tgeiu, $s3, -1       /* 0xFFFFFFFE >= 0xFFFFFFFF false */
    TRAPS 5, tgeiu, $s0, 7
    TRAPS 6, tlti, $s2, 0          /* INT_MIN < 0 */
    NOTRAP 6, tlti, $s1, 5
    TRAPS 7, tltiu, $s2, -32768    /* 0x80000000 < 0xFFFF8000 */
    NOTRAP 7, tltiu, $s0, -32768   /* 0xFFFFFFFF < 0xFFFF8000 false */
    TRAPS 8, tltiu, $zero, 1
    NOTRAP 8, tltiu, $s1, 5
TEST_END
