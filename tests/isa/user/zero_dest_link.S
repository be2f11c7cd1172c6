/* JALR with rd = $0 jumps without a visible link (the write to GPR[0] is discarded) (Vol. II, JALR; Vol. I, GPR 0). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 5
    move $s7, $ra
    li $ra, 0x1111
    li $t2, 0
    la $t0, 1f
    jalr $zero, $t0
    addiu $t2, $t2, 1
    FAIL
1:  CHECK_EQ $zero, 0
    CHECK_EQ $ra, 0x1111        /* $31 is not the link either */
    CHECK_EQ $t2, 1
    la $t0, 2f
    jalr.hb $zero, $t0
    nop
    FAIL
2:  CHECK_EQ $zero, 0
    move $ra, $s7
UTEST_END
