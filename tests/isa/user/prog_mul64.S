/* Program: 64x64 -> 64-bit multiply from 32-bit parts: MULTU for al*bl (HI:LO), MUL for the cross terms added to the high word.
 * Expected: (2^64-1)^2 mod 2^64 = 1; (2^63+1)*3 = 2^63+3 mod 2^64 (by hand); 0x123456789abcdef0 * 0x0fedcba987654321 mod 2^64
 * = 0x2236d88fe5618cf0 and 0x12345678 * 0xfedcba98 = 0x121fa00a35068740 computed on the host with python. */
#include "isa.h"
#include "user_util.h"
    .macro MUL64 ah, al, bh, bl
    li $a0, \ah
    li $a1, \al
    li $a2, \bh
    li $a3, \bl
    jal mul64
    nop
    .endm
TEST_BEGIN 9
    move $s7, $ra
    MUL64 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff
    CHECK_EQ $v1, 0
    CHECK_EQ $v0, 1
    MUL64 0x80000000, 0x00000001, 0, 3
    CHECK_EQ $v1, 0x80000000
    CHECK_EQ $v0, 3
    MUL64 0x12345678, 0x9abcdef0, 0x0fedcba9, 0x87654321
    CHECK_EQ $v1, 0x2236d88f
    CHECK_EQ $v0, 0xe5618cf0
    MUL64 0, 0x12345678, 0, 0xfedcba98
    CHECK_EQ $v1, 0x121fa00a
    CHECK_EQ $v0, 0x35068740
    move $ra, $s7
UTEST_END

/* (v1,v0) = (a0,a1) * (a2,a3) mod 2^64 */
mul64:
    multu $a1, $a3
    mflo $v0
    mfhi $v1
    mul $t0, $a0, $a3
    mul $t1, $a1, $a2
    addu $v1, $v1, $t0
    jr $ra
    addu $v1, $v1, $t1
