/*
 * CP0 is unusable in user mode unless Status.CU0 = 1 (PRA 9.37 CU0: "In
 * Kernel Mode CP0 is always usable, independent of CU0"; ISA MFC0/MTC0/
 * TLBWI/ERET/WAIT/DI/CACHE: "Coprocessor Unusable"). Each privileged
 * instruction in user mode raises CpU with Cause.CE = 0 and EPC = the
 * instruction, leaving state unchanged. With CU0 = 1 mfc0 works in user
 * mode.
 */
#include "kernel_util.h"
    DEFINE_UHOOK
    .macro UCASE n, blk, extra=0
    UVA $t0, \blk
    ENTER_USER $t0, back\@, \extra
back\@:
    HOOK_REMOVE
    KERNEL_STATUS
    CHECK_EXC EXC_COUNT, \n
    CHECK_CODE X_CPU
    EXC_LOAD $t3, EXC_CAUSE
    CHECK_MASK $t3, 0x30000000, 0  /* CE = 0 */
    UVA $t2, \blk
    CHECK_EXC_REG EXC_EPC, $t2
    .endm
TEST_BEGIN 36, 17
    MAP_USER_PAGES
    li $t5, 0x5555
    UCASE 1, u_mfc0
    CHECK_EQ $t5, 0x5555
    UCASE 2, u_mtc0
    CHECK_C0 C0_COMPARE, 0, 0      /* not written */
    UCASE 3, u_tlbwi
    UCASE 4, u_eret
    UCASE 5, u_wait
    UCASE 6, u_di
    UCASE 7, u_cache
    UCASE 8, u_tlbp
    /* with CU0 = 1, mfc0 works in user mode */
    li $t5, 0
    UVA $t0, u_cu0
    ENTER_USER $t0, back_cu0, S_CU0
back_cu0:
    HOOK_REMOVE
    KERNEL_STATUS
    CHECK_EXC EXC_COUNT, 8
    CHECK_EQ $t5, (S_CU0 | S_UM)   /* Status as seen from user mode */
TEST_END

    USER_CODE_BEGIN
u_mfc0:
    mfc0 $t5, $12
    syscall
u_mtc0:
    mtc0 $t5, $11
    syscall
u_tlbwi:
    tlbwi
    syscall
u_eret:
    eret
    syscall
u_wait:
    wait
    syscall
u_di:
    di $t5
    syscall
u_cache:
    cache 0x14, 0($zero)
    syscall
u_tlbp:
    tlbp
    syscall
u_cu0:
    mfc0 $t5, $12
    syscall
