/* MTHI/MTLO write one of HI/LO only; MFHI/MFLO copy them to a GPR (Vol. II, MTHI/MTLO/MFHI/MFLO). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 12
    li $t0, 0x11111111
    li $t1, 0x22222222
    mthi $t0
    mtlo $t1
    CHECK_HILO 0x11111111, 0x22222222
    li $t0, 0x33333333
    mthi $t0                    /* LO unchanged */
    CHECK_HILO 0x33333333, 0x22222222
    li $t1, 0x44444444
    mtlo $t1                    /* HI unchanged */
    CHECK_HILO 0x33333333, 0x44444444
    mfhi $t2
    mfhi $t3                    /* reading does not consume */
    CHECK_REG $t2, $t3
    li $t0, 6
    li $t1, 7
    mult $t0, $t1               /* a multiply overwrites both */
    mflo $t2
    CHECK_EQ $t2, 42
    mfhi $t2
    CHECK_EQ $t2, 0
    mtlo $zero
    mthi $zero
    CHECK_HILO 0, 0
UTEST_END
