/* J: PC <- (PC+4)[31:28] || instr_index || 00, after the delay slot; stays in the current 256 MiB region (Vol. II, J). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 5
    li $t2, 0
    j 1f
    addiu $t2, $t2, 1           /* delay slot executed */
    FAIL
1:  CHECK_EQ $t2, 1
    j 3f
    nop
2:  addiu $t2, $t2, 10          /* reached by a backward J */
    j 4f
    nop
3:  j 2b
    nop
    FAIL
4:  CHECK_EQ $t2, 11
    li $t0, 3                   /* a J-closed loop */
5:  addiu $t0, $t0, -1
    beqz $t0, 6f
    nop
    j 5b
    addiu $t2, $t2, 100
6:  CHECK_EQ $t2, 211
    la $t0, 7f                  /* the label's high 4 bits are those of the current PC */
    la $t1, 1b
    srl $t0, $t0, 28
    srl $t1, $t1, 28
    CHECK_REG $t0, $t1
7:
UTEST_END
