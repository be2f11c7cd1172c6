/* LUI: GPR[rt] <- immediate || 0^16 (Vol. II, LUI). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 7
    li $t0, 0xffffffff
    lui $t0, 0x1234             /* low half is cleared, not kept */
    CHECK_EQ $t0, 0x12340000
    lui $t0, 0xffff
    CHECK_EQ $t0, 0xffff0000
    lui $t0, 0
    CHECK_EQ $t0, 0
    lui $t0, 0x8000
    CHECK_EQ $t0, 0x80000000
    lui $t0, 0x1234
    ori $t0, $t0, 0x5678        /* the usual 32-bit constant pair */
    CHECK_EQ $t0, 0x12345678
    lui $t0, 0x1234
    addiu $t0, $t0, -32768      /* lui/addiu pair: the sign-extended low part subtracts */
    CHECK_EQ $t0, 0x12338000
UTEST_END
