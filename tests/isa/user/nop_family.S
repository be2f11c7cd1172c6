/* NOP, SSNOP, EHB and PAUSE (SLL $0,$0,5; with LLbit clear it does not wait) change no architectural state (Vol. II, NOP, SSNOP, EHB, PAUSE). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 7
    li $t0, 0x11111111
    li $t1, 0x22222222
    SET_HILO 0x33333333, 0x44444444
    nop
    ssnop
    ehb
    pause                       /* no LL before it: LLbit clear, so no wait; without PAUSE support it is SLL $0,$0,5 */
    nop
    CHECK_EQ $t0, 0x11111111
    CHECK_EQ $t1, 0x22222222
    CHECK_HILO 0x33333333, 0x44444444
    li $t2, 0
    b 1f
    ssnop                       /* in a delay slot */
1:  bnez $t0, 2f
    ehb
    li $t2, 1
2:  CHECK_EQ $t2, 0
    .word 0x00000000            /* the canonical NOP encoding */
    .word 0x00000040            /* SSNOP */
    .word 0x000000c0            /* EHB */
    CHECK_EQ $t0, 0x11111111
UTEST_END
