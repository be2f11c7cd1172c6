/* MOVZ/MOVN with rd == rs or rd == rt: the condition is tested on the old rt (Vol. II, MOVZ/MOVN). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 7
    li $t0, 0x1111
    movz $t0, $t0, $zero        /* rd == rs: moves itself */
    CHECK_EQ $t0, 0x1111
    move $t0, $zero
    li $t1, 0x2222
    movz $t0, $t1, $t0          /* rd == rt == 0: moves */
    CHECK_EQ $t0, 0x2222
    movz $t0, $zero, $t0        /* rd == rt != 0: unchanged */
    CHECK_EQ $t0, 0x2222
    li $t0, 7
    li $t1, 0x3333
    movn $t0, $t1, $t0          /* rd == rt != 0: moves */
    CHECK_EQ $t0, 0x3333
    move $t0, $zero
    movn $t0, $t1, $t0          /* rd == rt == 0: unchanged */
    CHECK_EQ $t0, 0
    li $t0, 9
    movn $t0, $t0, $t0          /* all three the same */
    CHECK_EQ $t0, 9
UTEST_END
