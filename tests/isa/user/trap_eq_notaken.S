/* TEQ/TNE/TEQI/TNEI in their non-trapping cases: execution simply continues (Vol. II, TEQ, TNE, TEQI, TNEI). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 8
    li $t0, 5
    li $t1, 6
    li $t2, 0
    teq $t0, $t1                /* 5 != 6 */
    addiu $t2, $t2, 1
    CHECK_NO_EXC
    tne $t0, $t0                /* equal: no trap */
    addiu $t2, $t2, 1
    CHECK_NO_EXC
    tne $zero, $zero
    teq $t0, $zero, 0x3ff       /* with a code field */
    addiu $t2, $t2, 1
    CHECK_NO_EXC
    teqi $t1, 5
    addiu $t2, $t2, 1
    CHECK_NO_EXC
    tnei $t0, 5
    addiu $t2, $t2, 1
    CHECK_NO_EXC
    li $t0, 0xffff8000          /* sign-extended immediate compared with all 32 bits */
    tnei $t0, -32768
    li $t0, 0x00008000
    teqi $t0, -32768
    addiu $t2, $t2, 1
    CHECK_NO_EXC
    CHECK_EQ $t2, 6
UTEST_END
