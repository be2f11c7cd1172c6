/* SWL 3(b) + SWR 0(b) write an unaligned little-endian word at b without touching other bytes (Vol. II, SWL/SWR). */
#include "isa.h"
#include "user_util.h"
    .macro CLEAR
    sw $zero, 0($s0)
    sw $zero, 4($s0)
    .endm
TEST_BEGIN 10
    la $s0, buf
    li $t0, 0xaabbccdd
    CLEAR
    addiu $s1, $s0, 1
    swl $t0, 3($s1)
    swr $t0, 0($s1)
    CHECK_MEMW $s0, 0, 0xbbccdd00
    CHECK_MEMW $s0, 4, 0x000000aa
    CLEAR
    addiu $s1, $s0, 2
    swl $t0, 3($s1)
    swr $t0, 0($s1)
    CHECK_MEMW $s0, 0, 0xccdd0000
    CHECK_MEMW $s0, 4, 0x0000aabb
    CLEAR
    addiu $s1, $s0, 3
    swr $t0, 0($s1)             /* the other order */
    swl $t0, 3($s1)
    CHECK_MEMW $s0, 0, 0xdd000000
    CHECK_MEMW $s0, 4, 0x00aabbcc
    CLEAR
    swl $t0, 3($s0)             /* aligned: both write the whole word */
    swr $t0, 0($s0)
    CHECK_MEMW $s0, 0, 0xaabbccdd
    CHECK_MEMW $s0, 4, 0
    CHECK_MEMW $s0, 8, 0x5a5a5a5a   /* guard word */
UTEST_END
    .data
    .align 3
buf: .word 0, 0, 0x5a5a5a5a
