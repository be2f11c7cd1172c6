/* LWL 3(b) + LWR 0(b) read the unaligned little-endian word at b, for every alignment and in either order (Vol. II, LWL/LWR programming notes). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 7
    la $s0, bytes
    li $t0, 0xdeadbeef
    lwl $t0, 3($s0)
    lwr $t0, 0($s0)
    CHECK_EQ $t0, 0x44332211
    addiu $s1, $s0, 1
    lwl $t0, 3($s1)
    lwr $t0, 0($s1)
    CHECK_EQ $t0, 0x55443322
    addiu $s1, $s0, 2
    lwl $t0, 3($s1)
    lwr $t0, 0($s1)
    CHECK_EQ $t0, 0x66554433
    addiu $s1, $s0, 3
    lwl $t0, 3($s1)
    lwr $t0, 0($s1)
    CHECK_EQ $t0, 0x77665544
    addiu $s1, $s0, 5
    li $t0, 0
    lwr $t0, 0($s1)             /* the other order */
    lwl $t0, 3($s1)
    CHECK_EQ $t0, 0x99887766
    addiu $s1, $s0, 8
    lwl $t0, -4($s1)            /* negative offsets: word at byte 1 */
    lwr $t0, -7($s1)
    CHECK_EQ $t0, 0x55443322
UTEST_END
    .data
    .align 3
bytes: .byte 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc
