/* LWL on little-endian: for byte offset b = addr&3, the b+1 bytes at A..A+b fill the register's top b+1 bytes; the rest of rt is kept (Vol. II, LWL). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 7
    la $s0, bytes               /* word 0 = 0x44332211, word 1 = 0x88776655 */
    li $t0, 0xaabbccdd
    lwl $t0, 0($s0)             /* b = 0: one byte (0x11) into bits 31..24 */
    CHECK_EQ $t0, 0x11bbccdd
    li $t0, 0xaabbccdd
    lwl $t0, 1($s0)
    CHECK_EQ $t0, 0x2211ccdd
    li $t0, 0xaabbccdd
    lwl $t0, 2($s0)
    CHECK_EQ $t0, 0x332211dd
    li $t0, 0xaabbccdd
    lwl $t0, 3($s0)             /* b = 3: the whole word */
    CHECK_EQ $t0, 0x44332211
    li $t0, 0xaabbccdd
    lwl $t0, 5($s0)             /* second word, b = 1 */
    CHECK_EQ $t0, 0x6655ccdd
    addiu $s1, $s0, 8
    li $t0, 0
    lwl $t0, -2($s1)            /* negative offset: byte 6, b = 2 */
    CHECK_EQ $t0, 0x77665500
UTEST_END
    .data
    .align 3
bytes: .byte 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88
