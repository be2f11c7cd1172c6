/*
 * Instruction fetch from a kernel address in user mode (PRA 4.3, 6.2.8:
 * address error on an instruction fetch reports AdEL with EPC = BadVAddr =
 * the fetch address). The jump and its delay slot complete; BD = 0 (the
 * faulting "instruction" is the target). Also a user fetch from an
 * unmapped kuseg page gives TLBL at the refill vector with EPC = BadVAddr
 * = that address.
 */
#include "kernel_util.h"
    DEFINE_UHOOK
    .macro URUN blk, resume
    UVA $t1, \resume
    la $t2, u_resume
    sw $t1, 0($t2)                 /* where uhook resumes user mode */
    UVA $t0, \blk
    ENTER_USER $t0, back\@
back\@:
    HOOK_REMOVE
    KERNEL_STATUS
    .endm
TEST_BEGIN 15, 4
    move $s7, $ra
    MAP_USER_PAGES
    la $s0, kernel_code
    li $t5, 0
    URUN u_main1, u_after1
    CHECK_EQ $t5, 2                /* slot ran, then u_after1 */
    CHECK_EXC EXC_COUNT, 1
    CHECK_CODE X_ADEL
    CHECK_EXC EXC_VECTOR, 0x180
    CHECK_EXC_REG EXC_BADVADDR, $s0
    CHECK_EXC_REG EXC_EPC, $s0
    CHECK_BD 0
    EXC_LOAD $t3, EXC_STATUS
    CHECK_MASK $t3, 0x1F, (S_UM | S_EXL)

    li $s0, 0x00800000
    li $t5, 0
    URUN u_main2, u_after2
    CHECK_EQ $t5, 2
    CHECK_EXC EXC_COUNT, 2
    CHECK_CODE X_TLBL
    CHECK_EXC EXC_VECTOR, 0x000
    CHECK_EXC EXC_BADVADDR, 0x00800000
    CHECK_EXC EXC_EPC, 0x00800000
    CHECK_BD 0
    move $ra, $s7
TEST_END

kernel_code:
    FAIL                           /* never executed from user mode */

    USER_CODE_BEGIN
u_main1:
    jr $s0                         /* kernel address: AdEL on fetch */
    addiu $t5, $t5, 1              /* the slot runs */
u_after1:
    addiu $t5, $t5, 1
    syscall
u_main2:
    jalr $s0                       /* unmapped user page: TLBL on fetch */
    addiu $t5, $t5, 1
u_after2:
    addiu $t5, $t5, 1
    syscall
