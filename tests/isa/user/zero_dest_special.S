/* $0 as destination of HI/LO moves, MUL, CLZ/CLO and the SPECIAL3 bit-field ops: discarded (Vol. I, GPR 0). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 9
    li $t0, 0x12345678
    li $t1, 0x9abcdef0
    mthi $t0
    mtlo $t1
    mfhi $zero
    mflo $zero
    CHECK_EQ $zero, 0
    CHECK_HILO 0x12345678, 0x9abcdef0   /* and HI/LO are unaffected */
    mul $zero, $t0, $t1
    CHECK_EQ $zero, 0
    clz $zero, $zero            /* would be 32 */
    clo $zero, $t1
    CHECK_EQ $zero, 0
    ext $zero, $t0, 4, 8
    ins $zero, $t0, 0, 16
    CHECK_EQ $zero, 0
    wsbh $zero, $t0
    seb $zero, $t1
    seh $zero, $t1
    CHECK_EQ $zero, 0
    ext $t2, $zero, 0, 32       /* reading it still gives 0 */
    CHECK_EQ $t2, 0
UTEST_END
