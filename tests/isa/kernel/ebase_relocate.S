/*
 * EBase relocation (PRA 9.40 EBase, 6.2 "Exception Vector Base Addresses":
 * with BEV = 0 the vectors are EBase + 0x000 (refill), + 0x180 (general),
 * + 0x200 (interrupt, IV = 1)). Stubs are copied to 0x80010000; EBase is written with
 * BEV = 1 (changing it while BEV = 0 is UNDEFINED). Each stub
 * records which relocated vector ran and then enters the crt's handler at
 * the matching original vector. EBase.ExceptionBase reads back, CPUNum = 0.
 */
#include "kernel_util.h"
#define NEWBASE 0x80010000
    DEFINE_IHOOK
    .data
    .align 2
hit: .word 0
    .text
stub_refill:
    la $k1, hit
    li $k0, 0x2000
    sw $k0, 0($k1)
    la $k1, 0x80000000
    jr $k1
    nop
stub_general:
    la $k1, hit
    li $k0, 0x2180
    sw $k0, 0($k1)
    la $k1, 0x80000180
    jr $k1
    nop
stub_int:
    la $k1, hit
    li $k0, 0x2200
    sw $k0, 0($k1)
    la $k1, 0x80000200
    jr $k1
    nop
stub_end:

    /* copy [from, to) to dst; uses t0-t3 */
    .macro COPY from, to, dst
    la $t0, \from
    la $t1, \to
    li $t2, \dst
1:  lw $t3, 0($t0)
    sw $t3, 0($t2)
    synci 0($t2)
    addiu $t0, $t0, 4
    bne $t0, $t1, 1b
    addiu $t2, $t2, 4
    .endm

TEST_BEGIN 20, 4
    TIMER_FAR
    COPY stub_refill, stub_general, NEWBASE + 0x000
    COPY stub_general, stub_int, NEWBASE + 0x180
    COPY stub_int, stub_end, NEWBASE + 0x200
    sync
    SET_EBASE NEWBASE
    mfc0 $t1, $15, 1
    CHECK_EQ $t1, NEWBASE          /* bits 31:30 = 10, CPUNum 0 */
    la $s0, hit

l1: syscall
    CHECK_EXC_AT 1, X_SYS, l1, 0x180
    lw $t1, 0($s0)
    CHECK_EQ $t1, 0x2180
    sw $zero, 0($s0)

    li $s1, 0x00003000
l2: lw $t1, 0($s1)                 /* refill */
    CHECK_EXC_AT 2, X_TLBL, l2, 0x000
    lw $t1, 0($s0)
    CHECK_EQ $t1, 0x2000
    sw $zero, 0($s0)

    HOOK_INSTALL ihook
    li $t0, (S_CU0 | S_IE | S_IM1)
    mtc0 $t0, C0_STATUS
    ehb
    li $t1, (CA_IP1 | CA_IV)
    mtc0 $t1, C0_CAUSE
    ehb
    nop
    CHECK_EXC EXC_COUNT, 3
    CHECK_CODE X_INT
    CHECK_EXC EXC_VECTOR, 0x200
    lw $t1, 0($s0)
    CHECK_EQ $t1, 0x2200
    mtc0 $zero, C0_CAUSE
    HOOK_REMOVE
    KERNEL_STATUS
    /* back to the original base */
    SET_EBASE 0x80000000
    sw $zero, 0($s0)
l4: syscall
    CHECK_EXC_AT 4, X_SYS, l4, 0x180
    lw $t1, 0($s0)
    CHECK_EQ $t1, 0
TEST_END
