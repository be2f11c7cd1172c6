/*
 * Context (PRA 9.9): PTEBase (bits 31:23) is software-writable and kept;
 * BadVPN2 (bits 22:4) is read-only, loaded with VA[31:13] by TLB refill,
 * TLB invalid and TLB modified exceptions; bits 3:0 read 0. A non-TLB
 * exception (syscall) leaves Context alone.
 */
#include "kernel_util.h"
TEST_BEGIN 23, 4
    li $t0, 0xFFFFFFFF
    mtc0 $t0, C0_CONTEXT
    ehb
    mfc0 $t1, C0_CONTEXT
    CHECK_MASK $t1, 0xFF80000F, 0xFF800000   /* PTEBase set, bits 3:0 zero */
    mfc0 $t2, C0_CONTEXT
    li $t0, 0x80000000
    mtc0 $t0, C0_CONTEXT
    ehb
    mfc0 $t1, C0_CONTEXT
    CHECK_MASK $t1, 0xFF800000, 0x80000000
    xor $t3, $t1, $t2
    CHECK_MASK $t3, 0x007FFFF0, 0            /* BadVPN2 not writable */

    li $s0, 0x7654A000                       /* refill */
l1: lw $t4, 0x123($s0)
    CHECK_EXC_AT 1, X_ADEL, l1, 0x180        /* misaligned first: AdEL */
l2: lw $t4, 0x124($s0)
    CHECK_EXC_AT 2, X_TLBL, l2, 0x000
    mfc0 $t1, C0_CONTEXT
    CHECK_EQ $t1, 0x80000000 | (0x7654A000 >> 9)
    CHECK_EXC EXC_CONTEXT, 0x80000000 | (0x7654A000 >> 9)

    /* TLB modified updates it too */
    TLB_WRITE 2, 0x00066000, (0x300 << 6) | LO_C3 | LO_V | LO_G, (0x301 << 6) | LO_C3 | LO_V | LO_G, PM_4K
    li $s1, 0x00067000
s1: sw $zero, 0($s1)
    CHECK_EXC_AT 3, X_MOD, s1, 0x180
    mfc0 $t1, C0_CONTEXT
    CHECK_EQ $t1, 0x80000000 | (0x00066000 >> 9)

    /* syscall: unchanged */
l4: syscall
    CHECK_EXC_AT 4, X_SYS, l4, 0x180
    mfc0 $t1, C0_CONTEXT
    CHECK_EQ $t1, 0x80000000 | (0x00066000 >> 9)
TEST_END
