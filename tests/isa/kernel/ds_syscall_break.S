/*
 * syscall, break and a trap in delay slots (PRA 6.2.1, 6.2.14, 6.2.15):
 * EPC = the jump/branch, Cause.BD = 1, ExcCode Sys / Bp / Tr. Covers j,
 * jr, a not-taken beq and bltzal (not taken: still links, ISA BLTZAL
 * "GPR[31] <- PC + 8" unconditionally).
 */
#include "kernel_util.h"
TEST_BEGIN 21, 4
    move $s7, $ra
    EXC_RESUME_AT r1
b1: j far
    syscall
    FAIL
r1: CHECK_EXC_AT 1, X_SYS, b1, 0x180
    CHECK_BD 1

    EXC_RESUME_AT r2
    la $t0, far
b2: jr $t0
    break
    FAIL
r2: CHECK_EXC_AT 2, X_BP, b2, 0x180
    CHECK_BD 1

    EXC_RESUME_AT r3
    li $t1, 1
b3: beq $t1, $zero, far            /* not taken */
    teq $zero, $zero
    FAIL
r3: CHECK_EXC_AT 3, X_TR, b3, 0x180
    CHECK_BD 1

    EXC_RESUME_AT r4
    move $ra, $zero
b4: bltzal $t1, far                /* 1 < 0: not taken */
    syscall
l4: FAIL
r4: CHECK_EXC_AT 4, X_SYS, b4, 0x180
    CHECK_BD 1
    CHECK_LABEL $ra, l4
    move $ra, $s7
    b done
    nop
far:
    FAIL
done:
TEST_END
