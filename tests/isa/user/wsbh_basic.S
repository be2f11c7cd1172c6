/* WSBH (R2): swap the bytes within each halfword of GPR[rt] (Vol. II, WSBH). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 6
    li $t0, 0x11223344
    wsbh $t1, $t0
    CHECK_EQ $t1, 0x22114433
    li $t0, 0x0000ff00
    wsbh $t1, $t0
    CHECK_EQ $t1, 0x000000ff
    li $t0, 0x12345678
    wsbh $t1, $t0
    CHECK_EQ $t1, 0x34127856
    wsbh $t1, $t1               /* an involution */
    CHECK_EQ $t1, 0x12345678
    li $t0, 0x80000001          /* no bits cross halfwords */
    wsbh $t0, $t0
    CHECK_EQ $t0, 0x00800100
UTEST_END
