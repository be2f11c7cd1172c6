/*
 * HWREna (PRA 9.10; implemented bits 3:0 and 29 on this CPU, others read
 * 0) and UserLocal (CP0 $4 sel 2, Release 2 ULRI; a plain R/W register).
 * In kernel mode RDHWR is allowed whatever HWREna says (ISA RDHWR: access
 * if "IsCoprocessorEnabled(0) or HWREna[rd]"): $0 CPUNum = 0, $1
 * SYNCI_Step = 32, $2 CC tracks Count, $3 CCRes = 2, $29 = UserLocal. An
 * unimplemented hardware register raises RI even in kernel mode.
 */
#include "kernel_util.h"
TEST_BEGIN 21, 2
    mtc0 $zero, C0_HWRENA
    ehb
    CHECK_C0 C0_HWRENA, 0, 0
    li $t0, 0xFFFFFFFF
    mtc0 $t0, C0_HWRENA
    ehb
    CHECK_C0 C0_HWRENA, 0, 0x2000000F
    li $t0, 0x00000005
    mtc0 $t0, C0_HWRENA
    ehb
    CHECK_C0 C0_HWRENA, 0, 0x00000005
    mtc0 $zero, C0_HWRENA
    ehb
    li $t0, 0x12345678
    mtc0 $t0, $4, 2
    ehb
    CHECK_C0 $4, 2, 0x12345678
    li $t0, 0xFEDCBA98
    mtc0 $t0, $4, 2
    ehb
    CHECK_C0 $4, 2, 0xFEDCBA98
    /* Context is a different register */
    li $t0, 0x00800000
    mtc0 $t0, C0_CONTEXT
    ehb
    CHECK_C0 $4, 2, 0xFEDCBA98
    /* kernel-mode rdhwr with HWREna = 0 */
    rdhwr $t1, $29
    CHECK_EQ $t1, 0xFEDCBA98
    rdhwr $t1, $0
    CHECK_EQ $t1, 0
    rdhwr $t1, $1
    CHECK_EQ $t1, 32
    rdhwr $t1, $3
    CHECK_EQ $t1, 2
    mfc0 $t2, C0_COUNT
    rdhwr $t1, $2
    mfc0 $t3, C0_COUNT
    subu $t4, $t1, $t2
    subu $t5, $t3, $t2
    addiu $fp, $fp, 1
    sltu $t6, $t5, $t4             /* t2 <= CC <= t3 */
    bnez $t6, test_fail
    nop
    CHECK_EXC EXC_COUNT, 0
    li $t7, 0x4321
    move $t1, $t7
l1: rdhwr $t1, $5
    CHECK_EXC_AT 1, X_RI, l1, 0x180
    CHECK_REG $t1, $t7
l2: rdhwr $t1, $30
    CHECK_EXC_AT 2, X_RI, l2, 0x180
TEST_END
