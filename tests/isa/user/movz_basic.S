/* MOVZ: if GPR[rt] = 0 then GPR[rd] <- GPR[rs], otherwise rd is unchanged (Vol. II, MOVZ). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 6
    li $t0, 0x12345678
    li $t2, 0x55555555
    movz $t2, $t0, $zero        /* condition register $0: always moves */
    CHECK_EQ $t2, 0x12345678
    li $t2, 0x55555555
    li $t1, 1
    movz $t2, $t0, $t1          /* rt != 0: unchanged */
    CHECK_EQ $t2, 0x55555555
    li $t1, 0x80000000          /* any nonzero bit blocks the move */
    movz $t2, $t0, $t1
    CHECK_EQ $t2, 0x55555555
    move $t1, $zero
    movz $t2, $t0, $t1
    CHECK_EQ $t2, 0x12345678
    li $t2, 0x55555555
    movz $t2, $zero, $t1        /* moving $0 clears */
    CHECK_EQ $t2, 0
UTEST_END
