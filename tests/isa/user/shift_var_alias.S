/* Variable shifts read rs and rt before writing rd (Vol. II SLLV/SRAV/ROTRV, rd may equal rs or rt). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 5
    li $t0, 4
    li $t1, 1
    sllv $t0, $t1, $t0          /* rd == rs (the amount) */
    CHECK_EQ $t0, 0x10
    li $t0, 0xffffff84          /* amount = 4 */
    srav $t0, $t0, $t0          /* rd == rt == rs */
    CHECK_EQ $t0, 0xfffffff8
    li $t0, 8
    rotrv $t0, $t0, $t0         /* rotate 0x8 right by 8 */
    CHECK_EQ $t0, 0x08000000
    li $t0, 0x00000021          /* amount = 1 */
    srlv $t0, $t0, $t0
    CHECK_EQ $t0, 0x10
UTEST_END
