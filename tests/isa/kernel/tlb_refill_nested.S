/*
 * A TLB miss taken while Status.EXL = 1 goes to the general vector, not the
 * refill vector (PRA 6.2.5 / table "Exception Vector Offsets": "TLB Refill,
 * EXL = 1 -> 0x180"), still with ExcCode TLBL/TLBS. With EXL = 1 the EPC
 * and Cause.BD are not updated (PRA 6.2.1 general exception processing:
 * "if StatusEXL = 0 then EPC/BD ... endif"), while BadVAddr, Context and
 * EntryHi are.
 */
#include "kernel_util.h"
TEST_BEGIN 17, 3
    la $s0, marker
    mtc0 $s0, C0_EPC               /* the EPC the nested exception must keep */
    li $t0, (S_CU0 | S_EXL)
    mtc0 $t0, C0_STATUS
    ehb
    EXC_RESUME_AT marker           /* the crt handler overwrites EPC with this */
    li $s1, 0x00ABC000
l1: lw $t1, 4($s1)                 /* refill with EXL = 1 */
    FAIL
marker:
    CHECK_EXC EXC_COUNT, 1
    CHECK_CODE X_TLBL
    CHECK_EXC EXC_VECTOR, 0x180    /* general vector */
    CHECK_EXC_LABEL EXC_EPC, marker    /* EPC not updated */
    CHECK_EXC EXC_BADVADDR, 0x00ABC004
    EXC_LOAD $t0, EXC_ENTRYHI
    CHECK_MASK $t0, 0xFFFFE000, 0x00ABC000
    CHECK_BD 0
    /* eret cleared EXL */
    mfc0 $t0, C0_STATUS
    CHECK_MASK $t0, S_EXL, 0

    /* a store miss with EXL = 1, inside a branch delay slot: BD stays 0 */
    la $s0, marker2
    mtc0 $s0, C0_EPC
    li $t0, (S_CU0 | S_EXL)
    mtc0 $t0, C0_STATUS
    ehb
    EXC_RESUME_AT marker2
    beq $zero, $zero, 1f
    sw $zero, 0($s1)               /* miss in a delay slot with EXL = 1 */
1:  FAIL
marker2:
    CHECK_EXC EXC_COUNT, 2
    CHECK_CODE X_TLBS
    CHECK_EXC EXC_VECTOR, 0x180
    CHECK_EXC_LABEL EXC_EPC, marker2
    CHECK_BD 0

    /* the same miss with EXL = 0 uses the refill vector */
    KERNEL_STATUS
l3: lw $t1, 0($s1)
    CHECK_EXC_AT 3, X_TLBL, l3, 0x000
TEST_END
