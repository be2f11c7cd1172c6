/* A nullified branch-likely delay slot has no effect at all: no store, no load, no HI/LO write (Vol. II, BEQL: "the delay slot instruction is not executed"). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 6
    la $t0, cell
    li $t1, 0x77777777
    li $t3, 1
    beql $t3, $zero, 1f
    sw $t1, 0($t0)              /* nullified */
1:  CHECK_MEMW $t0, 0, 0x12345678
    li $t2, 0x5555
    bnel $t3, $t3, 2f
    lw $t2, 0($t0)              /* nullified: t2 keeps its value */
2:  CHECK_EQ $t2, 0x5555
    SET_HILO 0xaaaa, 0xbbbb
    bltzl $t3, 3f
    mult $t1, $t1               /* nullified */
3:  CHECK_HILO 0xaaaa, 0xbbbb
    bgtzl $t3, 4f
    sw $t1, 0($t0)              /* taken: stored */
4:  CHECK_MEMW $t0, 0, 0x77777777
UTEST_END
    .data
    .align 2
cell: .word 0x12345678
