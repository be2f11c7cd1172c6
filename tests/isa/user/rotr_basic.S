/* ROTR (R2): GPR[rd] <- GPR[rt] rotated right by sa (Vol. II, ROTR). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 7
    li $t0, 0x12345678
    rotr $t1, $t0, 4
    CHECK_EQ $t1, 0x81234567
    rotr $t1, $t0, 0
    CHECK_EQ $t1, 0x12345678
    rotr $t1, $t0, 16
    CHECK_EQ $t1, 0x56781234
    rotr $t1, $t0, 31           /* right by 31 = left by 1 */
    CHECK_EQ $t1, 0x2468acf0
    li $t0, 0x80000001
    rotr $t1, $t0, 1            /* bit 0 re-enters at bit 31 */
    CHECK_EQ $t1, 0xc0000000
    li $t0, 0x000000ff
    rotr $t0, $t0, 8            /* rd == rt */
    CHECK_EQ $t0, 0xff000000
UTEST_END
