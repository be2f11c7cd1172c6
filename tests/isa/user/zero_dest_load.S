/* Loads into $0 (LW/LH/LHU/LB/LBU/LWL/LWR/LL) discard the value (Vol. I, GPR 0). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 8
    la $s0, data
    lw $zero, 0($s0)
    CHECK_EQ $zero, 0
    lh $zero, 0($s0)
    lhu $zero, 2($s0)
    CHECK_EQ $zero, 0
    lb $zero, 1($s0)
    lbu $zero, 3($s0)
    CHECK_EQ $zero, 0
    lwl $zero, 2($s0)
    lwr $zero, 1($s0)
    CHECK_EQ $zero, 0
    ll $zero, 0($s0)
    CHECK_EQ $zero, 0
    sw $zero, 4($s0)            /* storing $0 stores zero */
    CHECK_MEMW $s0, 4, 0
    CHECK_MEMW $s0, 0, 0xffffffff   /* the source word is unchanged */
UTEST_END
    .data
    .align 2
data: .word 0xffffffff, 0x5a5a5a5a
