/*
 * The 24Kc (-cpu 24Kc): no FPU (Config1.FP = 0, Status.CU1 = 0), so every COP1,
 * COP1X, FP load/store and MOVF/MOVT raises Coprocessor Unusable with Cause.CE = 1 (ISA ADD.fmt,
 * LWC1, ...: "Coprocessor Unusable"; PRA 6.2.17: "CE: the coprocessor unit
 * number referenced"). ExcCode CpU (11), EPC = the instruction, target GPR
 * unchanged, nothing stored. bc1f is not a branch here: it faults and its
 * would-be delay slot is not involved (EPC = bc1f, BD = 0).
 */
#include "kernel_util.h"
    .data
    .align 4
buf: .word 0x31415926, 0x27182818
    .macro CPU1_CASE n, word
    li $t1, 0x0F0F0F0F
    move $t2, $t1
1:  .word \word
    CHECK_REG $t2, $t1
    CHECK_EXC_AT \n, X_CPU, 1b, 0x180
    EXC_LOAD $t3, EXC_CAUSE
    CHECK_MASK $t3, 0x3000007C, (0x10000000 | (X_CPU << 2))
    CHECK_BD 0
    .endm
TEST_BEGIN 149, 21
    la $s0, buf
    CPU1_CASE 1, 0x46000000        /* add.s $f0, $f0, $f0 */
    CPU1_CASE 2, 0x46221080        /* add.d $f2, $f2, $f2 */
    CPU1_CASE 3, 0x440A0000        /* mfc1 $t2, $f0 */
    CPU1_CASE 4, 0x444A0000        /* cfc1 $t2, $0 (FIR) */
    CPU1_CASE 5, 0x448A0000        /* mtc1 $t2, $f0 */
    CPU1_CASE 6, 0xC6000000        /* lwc1 $f0, 0($s0) */
    CPU1_CASE 7, 0xE6000000        /* swc1 $f0, 0($s0) */
    CPU1_CASE 8, 0xD6000000        /* ldc1 $f0, 0($s0) */
    CPU1_CASE 9, 0xF6000000        /* sdc1 $f0, 0($s0) */
    CPU1_CASE 10, 0x4E000000       /* COP1X lwxc1 $f0, $0($s0) */
    CPU1_CASE 11, 0x01005001       /* movf $t2, $t0, $fcc0 */
    CPU1_CASE 12, 0x45000003       /* bc1f . + 16 */
    CPU1_CASE 13, 0x44620800       /* mfhc1 $2, $f1 */
    CPU1_CASE 14, 0x4C441860       /* madd.s $f1, $f2, $f3, $f4 */
    CPU1_CASE 15, 0x46220F3E       /* c.le.d $fcc7, $f1, $f2 */
    CPU1_CASE 16, 0x46001055       /* recip.s $f1, $f2 */
    CPU1_CASE 17, 0x461D1891       /* movt.s $f2, $f3, $fcc7 */
    CPU1_CASE 18, 0x4CA40081       /* ldxc1 $f2, $4($5) */
    CPU1_CASE 19, 0x451F0003       /* bc1tl $fcc7, . + 16 */
    CPU1_CASE 20, 0x462020A5       /* cvt.l.d $f2, $f4 */
    CPU1_CASE 21, 0x46C41000       /* add.ps: reserved, CpU all the same */
    /* memory untouched by the stores */
    lw $t0, 0($s0)
    CHECK_EQ $t0, 0x31415926
    lw $t0, 4($s0)
    CHECK_EQ $t0, 0x27182818
TEST_END
