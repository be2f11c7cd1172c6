/*
 * User mode may only use kuseg (PRA 4.3 table "User mode segments": any
 * address with bit 31 set is an address error in user mode). Loads from
 * kseg0, kseg1 and kseg2 raise AdEL, a store to kseg3 AdES, each with
 * BadVAddr = the address and EPC = the user instruction, at the general
 * vector, with Status showing UM and EXL; the target register is not
 * written and user mode continues after the handler.
 */
#include "kernel_util.h"
    DEFINE_UHOOK
    .macro UCASE n, blk, code, badva
    li $t5, 0x7777
    UVA $t0, \blk
    ENTER_USER $t0, back\@
back\@:
    HOOK_REMOVE
    KERNEL_STATUS
    CHECK_EQ $t5, 0x7777
    CHECK_EXC EXC_COUNT, \n
    CHECK_CODE \code
    CHECK_EXC EXC_BADVADDR, \badva
    UVA $t2, \blk
    CHECK_EXC_REG EXC_EPC, $t2
    CHECK_EXC EXC_VECTOR, 0x180
    EXC_LOAD $t3, EXC_STATUS
    CHECK_MASK $t3, 0x1F, (S_UM | S_EXL)
    .endm
TEST_BEGIN 35, 10
    MAP_USER_PAGES
    li $s0, 0x80001000
    li $s1, 0xA0001004
    li $s2, 0xC0000008
    li $s3, 0xE000000C
    li $s4, 0xFFFFFFFE
    UCASE 1, u1, X_ADEL, 0x80001000
    UCASE 2, u2, X_ADEL, 0xA0001004
    UCASE 3, u3, X_ADEL, 0xC0000008
    UCASE 4, u4, X_ADES, 0xE000000C
    UCASE 5, u5, X_ADEL, 0xFFFFFFFE
TEST_END

    USER_CODE_BEGIN
u1: lw $t5, 0($s0)
    syscall
u2: lbu $t5, 0($s1)
    syscall
u3: lw $t5, 0($s2)
    syscall
u4: sw $t5, 0($s3)
    syscall
u5: lh $t5, 0($s4)
    syscall
