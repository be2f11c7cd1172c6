/* Program: pack/unpack RGB565 pixels with INS and EXT, cross-checked against SLL/SRL/ANDI/OR.
 * Hand values: (r,g,b) = (31,63,31) -> 0xFFFF; (0x12,0x2A,0x07) -> 0x12<<11 | 0x2A<<5 | 7 = 0x9000 + 0x540 + 7 = 0x9547. */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 9
    li $t0, 0x12                /* r */
    li $t1, 0x2a                /* g */
    li $t2, 0x07                /* b */
    move $t3, $zero
    ins $t3, $t2, 0, 5
    ins $t3, $t1, 5, 6
    ins $t3, $t0, 11, 5
    CHECK_EQ $t3, 0x9547
    sll $t4, $t0, 11            /* the same with shifts */
    sll $t5, $t1, 5
    or $t4, $t4, $t5
    or $t4, $t4, $t2
    CHECK_REG $t3, $t4
    ext $t5, $t3, 11, 5
    CHECK_EQ $t5, 0x12
    ext $t5, $t3, 5, 6
    CHECK_EQ $t5, 0x2a
    ext $t5, $t3, 0, 5
    CHECK_EQ $t5, 0x07
    srl $t5, $t3, 5             /* EXT 5,6 == (x >> 5) & 0x3f */
    andi $t5, $t5, 0x3f
    CHECK_EQ $t5, 0x2a
    li $t3, 0xffff0000          /* INS keeps the bits outside the field */
    li $t0, 31
    li $t1, 63
    ins $t3, $t0, 0, 5
    ins $t3, $t1, 5, 6
    ins $t3, $t0, 11, 5
    CHECK_EQ $t3, 0xffffffff
    li $t0, 0xffffffff          /* only the low `size` bits of the source are inserted */
    move $t3, $zero
    ins $t3, $t0, 5, 6
    CHECK_EQ $t3, 0x7e0
UTEST_END
