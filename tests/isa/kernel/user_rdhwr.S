/*
 * RDHWR from user mode (ISA RDHWR; PRA 9.10 HWREna: "each bit enables
 * access by RDHWR to the corresponding hardware register" in user mode;
 * otherwise Reserved Instruction). Registers: 0 CPUNum (= EBase.CPUNum =
 * 0), 1 SYNCI_Step (= 32 here), 2 CC (Count), 3 CCRes (= 2 here), 29
 * UserLocal (Release 2 ULRI, Config3.ULRI = 1: CP0 $4 sel 2). HWREna only
 * implements bits 3:0 and 29. Unimplemented registers give RI even with
 * every HWREna bit set.
 */
#include "kernel_util.h"
    DEFINE_UHOOK
    .macro URUN blk
    UVA $t0, \blk
    ENTER_USER $t0, back\@
back\@:
    HOOK_REMOVE
    KERNEL_STATUS
    .endm
TEST_BEGIN 19, 10
    MAP_USER_PAGES
    li $t0, 0xCAFEF00D
    mtc0 $t0, $4, 2                /* UserLocal */
    mtc0 $zero, C0_HWRENA
    ehb
    li $t5, 0x1111
    URUN u_ul
    CHECK_EXC EXC_COUNT, 1
    CHECK_CODE X_RI
    UVA $t2, u_ul
    CHECK_EXC_REG EXC_EPC, $t2
    CHECK_EQ $t5, 0x1111
    URUN u_cc
    CHECK_EXC EXC_COUNT, 2
    CHECK_CODE X_RI

    li $t0, 0xFFFFFFFF
    mtc0 $t0, C0_HWRENA
    ehb
    CHECK_C0 C0_HWRENA, 0, 0x2000000F
    li $t0, 0x20000000             /* UserLocal only */
    mtc0 $t0, C0_HWRENA
    ehb
    URUN u_ul
    CHECK_EXC EXC_COUNT, 2
    CHECK_EQ $t5, 0xCAFEF00D
    URUN u_cc                      /* CC still disabled */
    CHECK_EXC EXC_COUNT, 3
    CHECK_CODE X_RI

    li $t0, 0x2000000F
    mtc0 $t0, C0_HWRENA
    ehb
    li $a0, -1
    li $a1, -1
    li $a2, -1
    li $a3, -1
    mfc0 $s0, C0_COUNT
    URUN u_all
    mfc0 $s1, C0_COUNT
    CHECK_EXC EXC_COUNT, 3
    CHECK_EQ $a0, 0                /* CPUNum */
    CHECK_EQ $a1, 32               /* SYNCI_Step */
    CHECK_EQ $a3, 2                /* CCRes */
    subu $t1, $a2, $s0             /* s0 <= CC <= s1 */
    subu $t2, $s1, $s0
    addiu $fp, $fp, 1
    sltu $t3, $t2, $t1
    bnez $t3, test_fail
    nop
    CHECK_EQ $t5, 0xCAFEF00D
    /* an unimplemented register: RI whatever HWREna says */
    URUN u_bad
    CHECK_EXC EXC_COUNT, 4
    CHECK_CODE X_RI
TEST_END

    USER_CODE_BEGIN
u_ul:
    rdhwr $t5, $29
    syscall
u_cc:
    rdhwr $t5, $2
    syscall
u_all:
    rdhwr $a0, $0
    rdhwr $a1, $1
    rdhwr $a2, $2
    rdhwr $a3, $3
    rdhwr $t5, $29
    syscall
u_bad:
    rdhwr $t5, $4
    syscall
