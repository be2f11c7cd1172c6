/* Branch offsets at the limits of the 18-bit signed byte offset: +0x1fffc and -0x20000 from PC+4 (Vol. II, BEQ). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 3
    li $t2, 0
    b far_fwd                   /* offset field 0x7fff */
    addiu $t2, $t2, 1
    .fill 0x7ffe, 4, 0x0000000d /* BREAK: reaching it is an error */
far_fwd:
    CHECK_EQ_J $t2, 1
    b far_back_src
    nop
far_back_dst:
    addiu $t2, $t2, 10
    CHECK_EQ_J $t2, 111
    b done
    nop
    .fill (0x1fffc - (. - far_back_dst)) / 4, 4, 0x0000000d
far_back_src:
    beq $zero, $zero, far_back_dst  /* offset field 0x8000 = -32768 words */
    addiu $t2, $t2, 100
    addiu $fp, $fp, 1
    j test_fail
    nop
done:
UTEST_END_J
