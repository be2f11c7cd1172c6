/* PREF is a hint: it changes no architectural state, and does not raise addressing exceptions (Vol. II, PREF). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 4
    la $s0, buf
    li $t0, 0x600df00d
    sw $t0, 0($s0)
    pref 0, 0($s0)              /* load */
    pref 1, 4($s0)              /* store */
    pref 4, 0($s0)              /* load_streamed */
    pref 5, 0($s0)              /* store_streamed */
    pref 6, -4($s0)             /* load_retained */
    pref 7, 8($s0)              /* store_retained */
    pref 25, 0($s0)             /* writeback_invalidate / nudge */
    CHECK_MEMW $s0, 0, 0x600df00d
    CHECK_MEMW $s0, 4, 0x12345678
    pref 0, 1($s0)              /* unaligned addresses are fine for a prefetch */
    pref 0, 4095($s0)           /* and so is an address well past the buffer */
    CHECK_EQ $t0, 0x600df00d
UTEST_END
    .data
    .align 4
buf: .word 0, 0x12345678, 0, 0
