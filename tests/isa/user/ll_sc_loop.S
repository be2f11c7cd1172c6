/* The usual LL/ADDIU/SC/BEQZ retry loop performs an atomic increment (Vol. II, SC programming notes). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 3
    la $s0, counter
    li $s1, 10                  /* iterations */
    li $s2, 0                   /* SC failures seen (uniprocessor, no interrupts: none expected, not checked) */
1:  ll $t0, 0($s0)
    addiu $t0, $t0, 3
    sc $t0, 0($s0)
    beqz $t0, 2f
    nop
    addiu $s1, $s1, -1
    bnez $s1, 1b
    nop
    b 3f
    nop
2:  b 1b
    addiu $s2, $s2, 1
3:  CHECK_MEMW $s0, 0, 130
    la $s0, flag                /* test-and-set lock idiom */
4:  ll $t0, 0($s0)
    bnez $t0, 4b
    li $t1, 1
    sc $t1, 0($s0)
    beqz $t1, 4b
    nop
    CHECK_MEMW $s0, 0, 1
UTEST_END
    .data
    .align 2
counter: .word 100
flag: .word 0
