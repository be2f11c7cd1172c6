/* The instruction in a branch delay slot is always executed, taken or not (Vol. II, B/BEQ: "execute the delay slot"). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 6
    li $t0, 0
    b 1f
    addiu $t0, $t0, 1           /* executed */
    addiu $t0, $t0, 100         /* skipped */
1:  CHECK_EQ $t0, 1
    li $t1, 1
    beq $t1, $zero, 2f          /* not taken */
    addiu $t0, $t0, 10          /* executed */
    addiu $t0, $t0, 100         /* executed: fall-through */
2:  CHECK_EQ $t0, 111
    bne $t1, $zero, 3f          /* taken */
    addiu $t0, $t0, 1000
    addiu $t0, $t0, 5000
3:  CHECK_EQ $t0, 1111
    la $t2, slot_word
    li $t3, 0x5a5a5a5a
    bgtz $t1, 4f
    sw $t3, 0($t2)              /* a store in the slot of a taken branch */
    nop
4:  CHECK_MEMW $t2, 0, 0x5a5a5a5a
    bltz $t1, 5f
    sw $zero, 0($t2)            /* and of an untaken one */
5:  CHECK_MEMW $t2, 0, 0
UTEST_END
    .data
    .align 2
slot_word: .word 0x11111111
