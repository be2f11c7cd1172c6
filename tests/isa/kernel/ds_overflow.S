/*
 * Integer overflow in a delay slot (ISA ADD/ADDI/SUB + PRA 6.2.1): EPC =
 * the branch, Cause.BD = 1, destination unchanged; covered for a taken
 * bgez, a not-taken bltz, jalr and bgezal (whose link is written before
 * the slot executes).
 */
#include "kernel_util.h"
TEST_BEGIN 25, 4
    move $s7, $ra
    li $s0, 0x7FFFFFFF
    li $s1, 0x80000000
    li $t1, 0x3C3C3C3C
    move $t0, $t1

    EXC_RESUME_AT r1
b1: bgez $zero, 1f                 /* taken */
    add $t0, $s0, $s0
1:  FAIL
r1: CHECK_EXC_AT 1, X_OV, b1, 0x180
    CHECK_BD 1
    CHECK_REG $t0, $t1

    EXC_RESUME_AT r2
b2: bltz $zero, 1f                 /* not taken */
    addi $t0, $s1, -1
    FAIL
1:  FAIL
r2: CHECK_EXC_AT 2, X_OV, b2, 0x180
    CHECK_BD 1
    CHECK_REG $t0, $t1

    EXC_RESUME_AT r3
    la $t2, far
b3: jalr $t3, $t2
    sub $t0, $s1, $s0
l3: FAIL
r3: CHECK_EXC_AT 3, X_OV, b3, 0x180
    CHECK_BD 1
    CHECK_REG $t0, $t1
    CHECK_LABEL $t3, l3

    EXC_RESUME_AT r4
    move $ra, $zero
b4: bgezal $zero, far              /* taken, links */
    add $t0, $s0, $s0
l4: FAIL
r4: CHECK_EXC_AT 4, X_OV, b4, 0x180
    CHECK_BD 1
    CHECK_LABEL $ra, l4
    move $ra, $s7
    b done
    nop
far:
    FAIL
done:
TEST_END
