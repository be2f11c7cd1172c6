/* The link register is written by the jump/branch itself, so its delay slot already sees PC+8 (Vol. II, JAL/JALR/BGEZAL: GPR[rd] <- PC+8 at I). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 4
    move $s7, $ra
    li $ra, 0
    jal 1f
    move $t0, $ra               /* reads the new link */
.Lr1:
1:  la $t1, .Lr1
    CHECK_REG $t0, $t1
    la $t2, 2f
    jalr $t3, $t2
    move $t0, $t3
.Lr2:
2:  la $t1, .Lr2
    CHECK_REG $t0, $t1
    bal 3f
    move $t0, $ra
.Lr3:
3:  la $t1, .Lr3
    CHECK_REG $t0, $t1
    move $ra, $s7
UTEST_END
