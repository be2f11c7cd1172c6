/*
 * Branch-likely (ISA BEQL/BNEL/BLEZL/BGTZL/BLTZL/BGEZL/BLTZALL/BGEZALL):
 * "if the branch is not taken, the instruction in the delay slot is not
 * executed" (nullified), so an exception-raising slot instruction raises
 * nothing. When taken the slot executes and its exception reports EPC =
 * the branch, BD = 1 (PRA 6.2.1). BLTZALL/BGEZALL link unconditionally.
 */
#include "kernel_util.h"
    .data
    .align 4
buf: .word 0
TEST_BEGIN 13, 2
    move $s7, $ra
    la $s0, buf
    li $s1, 1
    li $s2, -1
    li $s3, 0x7FFFFFFF
    beql $s1, $zero, far
    syscall
    bnel $zero, $zero, far
    break
    blezl $s1, far
    lw $t0, 1($s0)
    bgtzl $s2, far
    add $t0, $s3, $s3
    bltzl $s1, far
    teq $zero, $zero
    bgezl $s2, far
    .word 0xEC000000               /* RI */
    move $ra, $zero
    bltzall $s1, far               /* not taken; links */
    sw $zero, 3($s0)
l7: CHECK_LABEL $ra, l7
    bgezall $s2, far
    .word 0x46000000               /* CpU */
    CHECK_EXC EXC_COUNT, 0

    /* taken: the slot executes and faults */
    EXC_RESUME_AT r1
b1: beql $s1, $s1, far
    syscall
    FAIL
r1: CHECK_EXC_AT 1, X_SYS, b1, 0x180
    CHECK_BD 1
    EXC_RESUME_AT r2
b2: bgtzl $s1, far
    lw $t0, 2($s0)
    FAIL
r2: CHECK_EXC_AT 2, X_ADEL, b2, 0x180
    CHECK_BD 1
    /* taken likely branch with a harmless slot: the slot runs */
    li $t1, 0
    bnel $s1, $zero, 1f
    addiu $t1, $t1, 5
    FAIL
1:  CHECK_EQ $t1, 5
    move $ra, $s7
    b done
    nop
far:
    FAIL
done:
TEST_END
