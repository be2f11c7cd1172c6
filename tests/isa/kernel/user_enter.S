/*
 * Entering user mode with eret (PRA 3.3 / 9.37: the processor is in user
 * mode when KSU = 2 and EXL = ERL = 0; ISA ERET clears EXL and jumps to
 * EPC). User code fetched from a TLB-mapped kuseg page runs and its
 * syscall comes back to kernel mode: the exception sets EXL (kernel mode)
 * while KSU still says user (PRA 6.2.1), with EPC = the user VA of the
 * syscall. General registers pass through both transitions.
 */
#include "kernel_util.h"
    DEFINE_UHOOK
TEST_BEGIN 6, 1
    MAP_USER_PAGES
    li $a0, 5
    UVA $t0, u_main
    ENTER_USER $t0, back
    FAIL
back:
    HOOK_REMOVE
    CHECK_EQ $v0, 47               /* computed in user mode */
    CHECK_EQ $a0, 5
    la $t1, u_sys_epc
    lw $t2, 0($t1)
    UVA $t3, u_sys
    CHECK_REG $t2, $t3
    lw $t2, 4($t1)                 /* Status during the syscall */
    CHECK_MASK $t2, 0x1F, (S_UM | S_EXL)
    mfc0 $t2, C0_STATUS            /* back in kernel mode: KSU = 0, EXL = 0 */
    CHECK_MASK $t2, 0x1F, 0
    CHECK_EXC EXC_COUNT, 0
    KERNEL_STATUS
TEST_END

    USER_CODE_BEGIN
u_main:
    li $v0, 42
    addu $v0, $v0, $a0
u_sys:
    syscall
1:  b 1b                           /* never resumed */
    nop
