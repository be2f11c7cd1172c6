/* EXT (R2): GPR[rt] <- zero_extend(GPR[rs][pos+size-1 .. pos]) (Vol. II, EXT). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 9
    li $t0, 0x12345678
    ext $t1, $t0, 4, 8
    CHECK_EQ $t1, 0x67
    ext $t1, $t0, 16, 16
    CHECK_EQ $t1, 0x1234
    ext $t1, $t0, 0, 1
    CHECK_EQ $t1, 0
    ext $t1, $t0, 3, 1
    CHECK_EQ $t1, 1
    ext $t1, $t0, 28, 4
    CHECK_EQ $t1, 1
    ext $t1, $t0, 8, 12
    CHECK_EQ $t1, 0x456
    li $t0, 0xfff00000          /* zero-extended: the field's top bit is not copied upward */
    ext $t1, $t0, 20, 12
    CHECK_EQ $t1, 0xfff
    li $t1, 0xffffffff          /* the whole of rt is replaced */
    ext $t1, $t0, 20, 4
    CHECK_EQ $t1, 0xf
UTEST_END
