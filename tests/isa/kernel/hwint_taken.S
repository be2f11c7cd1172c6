/*
 * Each hardware line IP2..IP7, unmasked by its Status.IM bit with IE = 1,
 * raises an Interrupt exception (PRA 6.1.2, ExcCode 0, general vector with
 * IV = 0) whose Cause shows the line; EPC is an instruction shortly after
 * the device write (the request is asynchronous). A line whose IM bit is
 * clear is not taken while another line's is.
 */
#include "kernel_util.h"
    DEFINE_IHOOK
    .macro LINE n
    li $t0, (S_CU0 | S_IE | (0x400 << \n))
    mtc0 $t0, C0_STATUS
    ehb
    li $t0, (1 << \n)
    sw $t0, TESTDEV_IRQ($s0)
1:  nop
    nop
    nop
    nop
2:  nop
    addiu $s1, $s1, 1
    CHECK_EXC_REG EXC_COUNT, $s1
    CHECK_CODE X_INT
    CHECK_EXC EXC_VECTOR, 0x180
    CHECK_EXC_BETWEEN EXC_EPC, 1b, 2b
    EXC_LOAD $t1, EXC_CAUSE
    CHECK_MASK $t1, 0xFC00, (0x400 << \n)
    sw $zero, TESTDEV_IRQ($s0)
    .endm
TEST_BEGIN 31, 6
    TIMER_FAR
    HOOK_INSTALL ihook
    li $s0, TESTDEV
    li $s1, 0
    LINE 0
    LINE 1
    LINE 2
    LINE 3
    LINE 4
    LINE 5
    /* line 3 raised but only IM2 set: nothing */
    li $t0, (S_CU0 | S_IE | S_IM2)
    mtc0 $t0, C0_STATUS
    ehb
    li $t0, (1 << 3)
    sw $t0, TESTDEV_IRQ($s0)
    nop
    nop
    nop
    CHECK_EXC_REG EXC_COUNT, $s1
    sw $zero, TESTDEV_IRQ($s0)
    HOOK_REMOVE
    KERNEL_STATUS
TEST_END
