/*
 * Status.CU1 gates the whole FPU, in kernel mode too (PRA 9.37 CU1; Vol. II, every CP1
 * instruction: "Coprocessor Unusable"): with CU1 = 0 each COP1/COP1X instruction, FP load and
 * store, movf/movt and the reserved encodings of the COP1 space raise Coprocessor Unusable
 * with Cause.CE = 1 (PRA 6.2.17), EPC = the instruction, nothing written. bc1t is no branch
 * then (BD = 0, its slot not run as one). In a delay slot: EPC = the branch, BD = 1. In user
 * mode CU1 alone decides (CU0 does not matter for CP1), and the FPU then works there.
 */
#include "kernel_util.h"
#include "user_util.h"
#include "fpu_util.h"

    .data
    .align 3
buf: .word 0x11111111, 0x22222222, 0x33333333, 0x44444444

/* the instruction (which must not write $t2, or memory) raises CpU, CE = 1, as exception n */
    .macro UNUSABLE n, insn:vararg
    li $t1, 0x0F0F0F0F
    move $t2, $t1
1:  \insn
    CHECK_REG $t2, $t1
    CHECK_EXC_AT \n, X_CPU, 1b, 0x180
    EXC_LOAD $t3, EXC_CAUSE
    CHECK_MASK $t3, 0xB000007C, (0x10000000 | (X_CPU << 2))
    .endm

    DEFINE_UHOOK
    .text
TEST_BEGIN 215, 36
    FPU_STATUS 1
    LI_D $f2, 0x3FF00000, 0x00000000
    LI_D $f4, 0x40000000, 0x00000000
    LI_D $f6, 0x12345678, 0x9ABCDEF0
    SET_FCSR 0x00000003
    la $s0, buf
    li $s1, 8
    /* CU1 = 0 */
    KERNEL_STATUS
    UNUSABLE 1, add.s $f6, $f2, $f4
    UNUSABLE 2, mul.d $f6, $f2, $f4
    UNUSABLE 3, mfc1 $t2, $f2
    UNUSABLE 4, mfhc1 $t2, $f2
    UNUSABLE 5, cfc1 $t2, $0
    UNUSABLE 6, cfc1 $t2, $31
    UNUSABLE 7, mtc1 $t1, $f6
    UNUSABLE 8, mthc1 $t1, $f6
    UNUSABLE 9, ctc1 $zero, $31
    UNUSABLE 10, lwc1 $f6, 0($s0)
    UNUSABLE 11, ldc1 $f6, 0($s0)
    UNUSABLE 12, swc1 $f4, 0($s0)
    UNUSABLE 13, sdc1 $f4, 8($s0)
    UNUSABLE 14, lwxc1 $f6, $s1($s0)
    UNUSABLE 15, ldxc1 $f6, $s1($s0)
    UNUSABLE 16, luxc1 $f6, $s1($s0)
    UNUSABLE 17, swxc1 $f4, $s1($s0)
    UNUSABLE 18, sdxc1 $f4, $s1($s0)
    UNUSABLE 19, suxc1 $f4, $s1($s0)
    UNUSABLE 20, prefx 0, $s1($s0)
    UNUSABLE 21, madd.d $f6, $f2, $f4, $f2
    UNUSABLE 22, c.eq.s $fcc1, $f2, $f2
    UNUSABLE 23, cvt.w.d $f6, $f2
    UNUSABLE 24, movt.d $f6, $f2, $fcc0
    UNUSABLE 25, movf $t2, $t1, $fcc0
    UNUSABLE 26, movt $t2, $t1, $fcc0
    UNUSABLE 27, mov.s $f6, $f2
    UNUSABLE 28, recip.s $f6, $f2
    UNUSABLE 29, .word 0x46C41000      /* add.ps: reserved, yet CpU first */
    UNUSABLE 30, .word 0x4C82101E      /* alnv.ps */
    UNUSABLE 31, .word 0x44221800      /* dmfc1 (MIPS64) */
    /* bc1t raises CpU and is no branch: its slot then runs as an ordinary instruction */
    li $s2, 0
b1: bc1t 1f
    addiu $s2, $s2, 1
    addiu $s2, $s2, 2
1:  CHECK_EQ $s2, 3
    CHECK_EXC_AT 32, X_CPU, b1, 0x180
    CHECK_BD 0
    /* in a delay slot: EPC = the branch, BD = 1 */
    EXC_RESUME_AT 2f
b2: beq $zero, $zero, 2f
    add.s $f6, $f2, $f4
    FAIL
2:  CHECK_EXC_AT 33, X_CPU, b2, 0x180
    CHECK_BD 1
    EXC_LOAD $t3, EXC_CAUSE
    CHECK_MASK $t3, 0x30000000, 0x10000000
    /* nothing was written: CP1 usable again, the old values are there */
    FPU_STATUS 1
    CHECK_D $f6, 0x12345678, 0x9ABCDEF0
    CHECK_FCSR 0x00000003
    CHECK_MEMW $s0, 0, 0x11111111
    CHECK_MEMW $s0, 8, 0x33333333
    CHECK_MEMW $s0, 12, 0x44444444
    /* and with CU1 the same instructions run */
    add.d $f6, $f2, $f4
    CHECK_D $f6, 0x40080000, 0x00000000
    cfc1 $t0, $0
    CHECK_EQ $t0, 0x00739300
    CHECK_EXC EXC_COUNT, 33
    /* user mode: CU1 = 0 -> CpU (CE = 1), CU1 = 1 -> the FPU works */
    MAP_USER_PAGES
    UVA $t0, u_end             /* after the CpU, straight to the syscall */
    la $t1, u_resume
    sw $t0, 0($t1)
    UVA $t0, u_fpu
    ENTER_USER $t0, back1
back1:
    HOOK_REMOVE
    FPU_STATUS 1
    CHECK_EXC EXC_COUNT, 34
    CHECK_CODE X_CPU
    EXC_LOAD $t3, EXC_CAUSE
    CHECK_MASK $t3, 0x30000000, 0x10000000
    UVA $t2, u_first
    CHECK_EXC_REG EXC_EPC, $t2
    CHECK_EQ $s3, 0            /* the user code's add did not happen */
    UVA $t0, u_fpu
    ENTER_USER $t0, back2, S_CU1
back2:
    HOOK_REMOVE
    FPU_STATUS 1
    CHECK_EXC EXC_COUNT, 34
    CHECK_EQ $s3, 0x40400000   /* 1 + 2 = 3.0f, computed in user mode */
TEST_END

    USER_CODE_BEGIN
u_fpu:
    li $s3, 0
    lui $t0, 0x3F80
u_first:
    mtc1 $t0, $f0              /* CpU here when CU1 = 0; resumed at the syscall */
    lui $t0, 0x4000
    mtc1 $t0, $f1
    add.s $f2, $f0, $f1
    mfc1 $s3, $f2
u_end:
    syscall
