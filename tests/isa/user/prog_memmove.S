/* Program: memmove with overlapping, unaligned ranges: 4-byte chunks via LWL/LWR + SWL/SWR (little-endian pairs),
 * forward when dst < src, backward when dst > src, bytes for the tail. Expected buffers derived by hand
 * (move the source slice, then read off the result). */
#include "isa.h"
#include "user_util.h"
    .macro RESET
    la $a0, buf
    la $a1, orig
    li $a2, 32
    jal memmove
    nop
    .endm
    /* s1 = number of bytes of buf that differ from the 32-byte string at label */
    .macro COMPARE label
    la $t0, buf
    la $t1, \label
    li $t2, 32
    move $s1, $zero
.Lc\@:
    lbu $t3, 0($t0)
    lbu $t4, 0($t1)
    beq $t3, $t4, .Ld\@
    addiu $t0, $t0, 1
    addiu $s1, $s1, 1
.Ld\@:
    addiu $t2, $t2, -1
    bnez $t2, .Lc\@
    addiu $t1, $t1, 1
    .endm
TEST_BEGIN 5
    move $s7, $ra
    RESET                       /* disjoint copy, aligned */
    COMPARE orig
    CHECK_EQ $s1, 0
    la $a0, buf + 3             /* dst > src, overlapping by 15: backward */
    la $a1, buf + 1
    li $a2, 17
    jal memmove
    nop
    COMPARE exp1
    CHECK_EQ $s1, 0
    RESET
    la $a0, buf + 1             /* dst < src, overlapping: forward */
    la $a1, buf + 6
    li $a2, 19
    jal memmove
    nop
    COMPARE exp2
    CHECK_EQ $s1, 0
    RESET
    la $a0, buf + 8             /* dst aligned, src misaligned by 2 */
    la $a1, buf + 2
    li $a2, 13
    jal memmove
    nop
    COMPARE exp3
    CHECK_EQ $s1, 0
    move $ra, $s7
UTEST_END

/* memmove(a0 = dst, a1 = src, a2 = n) */
memmove:
    sltu $t0, $a1, $a0
    bnez $t0, back
    nop
fwd:
    sltiu $t0, $a2, 4
    bnez $t0, fwd_bytes
    nop
    lwl $t1, 3($a1)
    lwr $t1, 0($a1)
    swl $t1, 3($a0)
    swr $t1, 0($a0)
    addiu $a1, $a1, 4
    addiu $a0, $a0, 4
    b fwd
    addiu $a2, $a2, -4
fwd_bytes:
    beqz $a2, done
    nop
    lbu $t1, 0($a1)
    sb $t1, 0($a0)
    addiu $a1, $a1, 1
    addiu $a0, $a0, 1
    b fwd_bytes
    addiu $a2, $a2, -1
back:
    sltiu $t0, $a2, 4
    bnez $t0, back_bytes
    nop
    addiu $a2, $a2, -4
    addu $t2, $a1, $a2
    addu $t3, $a0, $a2
    lwl $t1, 3($t2)
    lwr $t1, 0($t2)
    swl $t1, 3($t3)
    b back
    swr $t1, 0($t3)
back_bytes:
    beqz $a2, done
    addiu $a2, $a2, -1
    addu $t2, $a1, $a2
    lbu $t1, 0($t2)
    addu $t3, $a0, $a2
    b back_bytes
    sb $t1, 0($t3)
done:
    jr $ra
    nop

    .data
    .align 2
buf:  .space 32
orig: .ascii "0123456789ABCDEFGHIJKLMNOPQRSTUV"
exp1: .ascii "012123456789ABCDEFGHKLMNOPQRSTUV"
exp2: .ascii "06789ABCDEFGHIJKLMNOKLMNOPQRSTUV"
exp3: .ascii "0123456723456789ABCDELMNOPQRSTUV"
