/* LW/SW: address = GPR[base] + sign_extend(offset), incl. the extreme offsets +32764 and -32768 (Vol. II, LW, SW). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 9
    la $s0, buf
    li $t0, 0x11111111
    li $t1, 0x22222222
    li $t2, 0x33333333
    sw $t0, 0($s0)
    sw $t1, 4($s0)
    sw $t2, 8($s0)
    addiu $s1, $s0, 8
    lw $t3, -8($s1)             /* negative offset */
    CHECK_EQ $t3, 0x11111111
    lw $t3, -4($s1)
    CHECK_EQ $t3, 0x22222222
    lw $t3, 0($s1)
    CHECK_EQ $t3, 0x33333333
    li $t4, 32764
    subu $s2, $s0, $t4          /* base far below, offset +32764 lands on buf */
    lw $t3, 32764($s2)
    CHECK_EQ $t3, 0x11111111
    li $t0, 0x44444444
    addiu $s2, $s2, 4
    sw $t0, 32764($s2)          /* store with the largest positive offset: buf+4 */
    CHECK_MEMW $s0, 4, 0x44444444
    li $t4, 32768
    addu $s3, $s0, $t4          /* base far above, offset -32768 */
    lw $t3, -32768($s3)
    CHECK_EQ $t3, 0x11111111
    li $t0, 0x55555555
    sw $t0, -32760($s3)
    CHECK_MEMW $s0, 8, 0x55555555
    lw $t3, 4($s0)
    CHECK_EQ $t3, 0x44444444
UTEST_END
    .data
    .align 2
buf: .word 0, 0, 0, 0
