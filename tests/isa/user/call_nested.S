/* Nested calls: each JAL overwrites GPR[31], so callers keep their own link; JR $ra returns to PC+8 (Vol. II, JAL, JR). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 2
    move $s7, $ra
    li $v0, 0
    jal outer
    nop
    CHECK_EQ $v0, 0x321
    move $ra, $s7
UTEST_END

outer:
    move $s0, $ra
    jal middle
    ori $v0, $v0, 0x300
    jr $s0
    nop
middle:
    move $s1, $ra
    jal inner
    ori $v0, $v0, 0x020
    jr $s1
    nop
inner:
    jr $ra
    ori $v0, $v0, 0x001
