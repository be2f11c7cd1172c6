/*
 * Register-register traps (ISA TEQ/TNE/TGE/TGEU/TLT/TLTU: "if condition
 * then SignalException(Trap)"): ExcCode Tr (13), EPC = the trap
 * instruction; when the condition is false nothing happens. Signed versus
 * unsigned comparisons are checked with operands -1 and 1.
 */
#include "kernel_util.h"
    .macro TRAPS n, insn, a, b
1:  \insn \a, \b
    CHECK_EXC_AT \n, X_TR, 1b, 0x180
    .endm
    .macro NOTRAP n, insn, a, b
    \insn \a, \b
    CHECK_EXC EXC_COUNT, \n
    .endm
TEST_BEGIN 39, 8
    li $s0, -1
    li $s1, 1
    li $s2, 1
    TRAPS 1, teq, $s1, $s2
    NOTRAP 1, teq, $s0, $s1
    TRAPS 2, tne, $s0, $s1
    NOTRAP 2, tne, $s1, $s2
    TRAPS 3, tge, $s1, $s0         /* 1 >= -1 */
    TRAPS 4, tge, $s1, $s2         /* 1 >= 1 */
    NOTRAP 4, tge, $s0, $s1        /* -1 >= 1 false */
    TRAPS 5, tgeu, $s0, $s1        /* 0xFFFFFFFF >= 1 */
    NOTRAP 5, tgeu, $s1, $s0
    TRAPS 6, tlt, $s0, $s1         /* -1 < 1 */
    NOTRAP 6, tlt, $s1, $s2
    TRAPS 7, tltu, $s1, $s0        /* 1 < 0xFFFFFFFF */
    NOTRAP 7, tltu, $s0, $s1
    /* the 10-bit code field does not change anything */
l8: teq $zero, $zero, 0x3FF
    CHECK_EXC_AT 8, X_TR, l8, 0x180
    CHECK_EXL_SET
TEST_END
