/*
 * ERET clears LLbit (ISA ERET: "LLbit <- 0"; ISA SC: "if LLbit then
 * memory <- GPR[rt] endif; GPR[rt] <- 0^31 || LLbit"). ll; eret; sc
 * fails (rt = 0) and memory keeps its value; an exception round trip (whose
 * handler ends with eret) between ll and sc also makes sc fail.
 */
#include "kernel_util.h"
    .data
    .align 4
lock: .word 100
TEST_BEGIN 8, 2
    la $s0, lock
    ll $t0, 0($s0)
    CHECK_EQ $t0, 100
    la $t1, after
    mtc0 $t1, C0_EPC
    li $t1, (S_CU0 | S_EXL)
    mtc0 $t1, C0_STATUS
    ehb
    eret
    FAIL
after:
    li $t2, 200
    sc $t2, 0($s0)
    CHECK_EQ $t2, 0                /* failed */
    lw $t3, 0($s0)
    CHECK_EQ $t3, 100

    ll $t0, 0($s0)
    syscall                        /* handler erets */
    li $t2, 300
    sc $t2, 0($s0)
    CHECK_EQ $t2, 0
    lw $t3, 0($s0)
    CHECK_EQ $t3, 100
    CHECK_EXC EXC_COUNT, 1

    /* a failing aligned access exception also breaks the link */
    ll $t0, 0($s0)
    lw $t4, 1($s0)                 /* AdEL, handler erets */
    li $t2, 400
    sc $t2, 0($s0)
    CHECK_EQ $t2, 0
    lw $t3, 0($s0)
    CHECK_EQ $t3, 100
TEST_END
