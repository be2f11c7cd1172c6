/* LWR on little-endian: for b = addr&3, the 4-b bytes at addr..A+3 fill the register's low 4-b bytes; the rest of rt is kept (Vol. II, LWR). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 7
    la $s0, bytes               /* word 0 = 0x44332211, word 1 = 0x88776655 */
    li $t0, 0xaabbccdd
    lwr $t0, 0($s0)             /* b = 0: the whole word */
    CHECK_EQ $t0, 0x44332211
    li $t0, 0xaabbccdd
    lwr $t0, 1($s0)
    CHECK_EQ $t0, 0xaa443322
    li $t0, 0xaabbccdd
    lwr $t0, 2($s0)
    CHECK_EQ $t0, 0xaabb4433
    li $t0, 0xaabbccdd
    lwr $t0, 3($s0)             /* b = 3: one byte (0x44) into bits 7..0 */
    CHECK_EQ $t0, 0xaabbcc44
    li $t0, 0xaabbccdd
    lwr $t0, 6($s0)             /* second word, b = 2 */
    CHECK_EQ $t0, 0xaabb8877
    addiu $s1, $s0, 8
    li $t0, 0xffffffff
    lwr $t0, -3($s1)            /* negative offset: byte 5, b = 1 */
    CHECK_EQ $t0, 0xff887766
UTEST_END
    .data
    .align 3
bytes: .byte 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88
