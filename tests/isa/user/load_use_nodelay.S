/* MIPS32 has no load delay slot: the instruction right after a load sees the loaded value (Vol. I, pipeline; Vol. II, LW). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 6
    la $s0, data
    lw $t0, 0($s0)
    addu $t1, $t0, $t0          /* immediately uses t0 */
    CHECK_EQ $t1, 0x00000246
    lb $t0, 4($s0)
    sra $t1, $t0, 1
    CHECK_EQ $t1, 0xffffffc0
    lw $t0, 8($s0)              /* the loaded word is an address */
    lw $t0, 0($t0)              /* rt == base */
    CHECK_EQ $t0, 0x123
    li $t2, 0
    b 1f
    lw $t2, 0($s0)              /* load in a delay slot, used at the target */
1:  addiu $t2, $t2, 1
    CHECK_EQ $t2, 0x124
    sw $t2, 12($s0)             /* store then reload at once */
    lw $t3, 12($s0)
    CHECK_EQ $t3, 0x124
UTEST_END
    .data
    .align 2
data: .word 0x123, 0x00000080, data, 0
