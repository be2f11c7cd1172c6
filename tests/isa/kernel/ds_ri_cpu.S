/*
 * Reserved Instruction and Coprocessor Unusable in delay slots (PRA 6.2.1,
 * 6.2.16, 6.2.17): EPC = the branch, BD = 1, ExcCode RI / CpU (CE = 1).
 */
#include "kernel_util.h"
TEST_BEGIN 16, 3
    EXC_RESUME_AT r1
b1: blez $zero, far                /* taken */
    .word 0xEC000000               /* reserved opcode */
    FAIL
r1: CHECK_EXC_AT 1, X_RI, b1, 0x180
    CHECK_BD 1

    EXC_RESUME_AT r2
    li $t0, 1
b2: blez $t0, far                  /* not taken */
    .word 0x46000000               /* add.s: CpU 1 */
    FAIL
r2: CHECK_EXC_AT 2, X_CPU, b2, 0x180
    CHECK_BD 1
    EXC_LOAD $t1, EXC_CAUSE
    CHECK_MASK $t1, 0x30000000, 0x10000000

    EXC_RESUME_AT r3
b3: bgtz $t0, far                  /* taken */
    .word 0x0109502D               /* daddu: RI */
    FAIL
r3: CHECK_EXC_AT 3, X_RI, b3, 0x180
    CHECK_BD 1
    b done
    nop
far:
    FAIL
done:
TEST_END
