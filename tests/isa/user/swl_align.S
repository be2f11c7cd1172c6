/* SWL on little-endian: for b = addr&3, the register's top b+1 bytes go to A..A+b; other memory bytes are kept (Vol. II, SWL). */
#include "isa.h"
#include "user_util.h"
    .macro RESET
    li $t1, 0x44332211
    sw $t1, 0($s0)
    li $t1, 0x88776655
    sw $t1, 4($s0)
    .endm
TEST_BEGIN 8
    la $s0, buf
    li $t0, 0xaabbccdd
    RESET
    swl $t0, 0($s0)             /* b = 0: byte A <- 0xaa */
    CHECK_MEMW $s0, 0, 0x443322aa
    RESET
    swl $t0, 1($s0)             /* A, A+1 <- bb, aa */
    CHECK_MEMW $s0, 0, 0x4433aabb
    RESET
    swl $t0, 2($s0)
    CHECK_MEMW $s0, 0, 0x44aabbcc
    RESET
    swl $t0, 3($s0)             /* b = 3: the whole word */
    CHECK_MEMW $s0, 0, 0xaabbccdd
    CHECK_MEMW $s0, 4, 0x88776655
    RESET
    swl $t0, 6($s0)             /* second word, b = 2 */
    CHECK_MEMW $s0, 4, 0x88aabbcc
    CHECK_MEMW $s0, 0, 0x44332211
UTEST_END
    .data
    .align 3
buf: .word 0, 0
