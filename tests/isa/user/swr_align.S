/* SWR on little-endian: for b = addr&3, the register's low 4-b bytes go to addr..A+3; other memory bytes are kept (Vol. II, SWR). */
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
    swr $t0, 0($s0)             /* b = 0: the whole word */
    CHECK_MEMW $s0, 0, 0xaabbccdd
    RESET
    swr $t0, 1($s0)             /* A+1..A+3 <- dd, cc, bb */
    CHECK_MEMW $s0, 0, 0xbbccdd11
    RESET
    swr $t0, 2($s0)
    CHECK_MEMW $s0, 0, 0xccdd2211
    RESET
    swr $t0, 3($s0)             /* A+3 <- dd */
    CHECK_MEMW $s0, 0, 0xdd332211
    CHECK_MEMW $s0, 4, 0x88776655
    RESET
    swr $t0, 5($s0)             /* second word, b = 1 */
    CHECK_MEMW $s0, 4, 0xbbccdd55
    CHECK_MEMW $s0, 0, 0x44332211
UTEST_END
    .data
    .align 3
buf: .word 0, 0
