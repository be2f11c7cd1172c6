/* JALR: GPR[rd] <- PC+8, PC <- GPR[rs]; rd defaults to 31 (Vol. II, JALR). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 6
    move $s7, $ra
    la $t0, 1f
    li $t2, 0
    jalr $t0                    /* rd = 31 */
    addiu $t2, $t2, 1
.Lr1:
    FAIL
1:  CHECK_EQ $t2, 1
    la $t1, .Lr1
    CHECK_REG $ra, $t1
    li $ra, 0x1234
    la $t0, 2f
    jalr $t5, $t0               /* explicit rd: $ra untouched */
    nop
.Lr2:
    FAIL
2:  la $t1, .Lr2
    CHECK_REG $t5, $t1
    CHECK_EQ $ra, 0x1234
    la $t0, sub_ret
    li $t3, 0
    jalr $t6, $t0               /* call and return through a non-31 link */
    nop
    CHECK_EQ $t3, 42
    move $ra, $s7
UTEST_END

sub_ret:
    jr $t6
    li $t3, 42
