/* JR.HB/JALR.HB (R2): same jump/link semantics as JR/JALR, plus clearing hazards (Vol. II, JR.HB, JALR.HB). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 5
    move $s7, $ra
    li $t2, 0
    la $t0, 1f
    jr.hb $t0
    addiu $t2, $t2, 1
    FAIL
1:  CHECK_EQ $t2, 1
    la $t0, 2f
    jalr.hb $t0
    addiu $t2, $t2, 1
.Lr2:
    FAIL
2:  CHECK_EQ $t2, 2
    la $t1, .Lr2
    CHECK_REG $ra, $t1
    la $t0, 3f
    jalr.hb $t5, $t0
    nop
.Lr3:
    FAIL
3:  la $t1, .Lr3
    CHECK_REG $t5, $t1
    move $ra, $s7
UTEST_END
