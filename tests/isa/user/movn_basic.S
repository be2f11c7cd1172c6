/* MOVN: if GPR[rt] != 0 then GPR[rd] <- GPR[rs], otherwise rd is unchanged (Vol. II, MOVN). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 5
    li $t0, 0x12345678
    li $t2, 0x55555555
    movn $t2, $t0, $zero        /* condition register $0: never moves */
    CHECK_EQ $t2, 0x55555555
    li $t1, 1
    movn $t2, $t0, $t1
    CHECK_EQ $t2, 0x12345678
    li $t2, 0x55555555
    li $t1, 0x80000000
    movn $t2, $t0, $t1
    CHECK_EQ $t2, 0x12345678
    li $t2, 0x55555555
    move $t1, $zero
    movn $t2, $t0, $t1
    CHECK_EQ $t2, 0x55555555
UTEST_END
