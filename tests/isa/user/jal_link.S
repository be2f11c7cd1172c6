/* JAL: GPR[31] <- PC+8 (the instruction after the delay slot), then jump (Vol. II, JAL). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 4
    move $s7, $ra
    li $t3, 0
    jal sub_a
    addiu $t3, $t3, 1           /* slot runs before sub_a */
.Lret_a:
    CHECK_EQ $t3, 3
    la $t1, .Lret_a
    CHECK_REG $t4, $t1          /* sub_a saved the $ra it saw */
    jal sub_a
    nop
    CHECK_EQ $t3, 7             /* 3*2 + 1 */
    move $ra, $s7
UTEST_END

sub_a:
    move $t4, $ra
    sll $t3, $t3, 1             /* t3 doubled: proves the slot's +1 came first on the first call */
    jr $ra
    addiu $t3, $t3, 1
