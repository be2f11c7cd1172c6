/* SYNCI (R2, user-accessible) on a valid code or data address has no visible effect besides cache maintenance (Vol. II, SYNCI). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 4
    la $s0, code_here
    la $s1, cell
    li $t0, 0x5555aaaa
    sw $t0, 0($s1)
    synci 0($s1)                /* data line */
    synci 0($s0)                /* this code's line */
    sync                        /* the documented sequence: SYNCI, SYNC, JR.HB */
    la $t1, code_here
    jr.hb $t1
    nop
    FAIL
code_here:
    CHECK_MEMW $s1, 0, 0x5555aaaa
    CHECK_EQ $t0, 0x5555aaaa
    synci 4($s0)
    synci -4($s1)
    CHECK_MEMW $s1, 0, 0x5555aaaa
UTEST_END
    .data
    .align 4
    .word 0x77777777
cell: .word 0
