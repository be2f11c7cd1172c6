/*
 * Execution hazard barriers (ISA EHB, JR.HB, JALR.HB; PRA ch. 7 "CP0
 * Hazards"): after mtc0 + ehb, or a jr.hb/jalr.hb, the new CP0 value is
 * visible to later instructions - an mfc0 read, the ASID used by the next
 * mapped load, and Status.EXL for an eret.
 */
#include "kernel_util.h"
#define PA_A 0x00760000
#define PA_B 0x00770000
TEST_BEGIN 6
    move $s7, $ra
    li $t0, 0x00ABCD00
    mtc0 $t0, C0_ENTRYLO0
    ehb
    mfc0 $t1, C0_ENTRYLO0
    CHECK_EQ $t1, 0x00ABCD00
    /* ASID change, then jr.hb, then a mapped load under the new ASID */
    li $s0, 0x80000000 | PA_A
    li $s1, 0x80000000 | PA_B
    li $t0, 0xA
    sw $t0, 0($s0)
    li $t0, 0xB
    sw $t0, 0($s1)
    TLB_WRITE 2, 0x00090001, ((PA_A >> 12) << 6) | LO_C3 | LO_D | LO_V, 0, PM_4K
    TLB_WRITE 3, 0x00090002, ((PA_B >> 12) << 6) | LO_C3 | LO_D | LO_V, 0, PM_4K
    li $s2, 0x00090000
    li $t0, 1
    mtc0 $t0, C0_ENTRYHI
    la $t1, 1f
    jr.hb $t1
    nop
1:  lw $t2, 0($s2)
    CHECK_EQ $t2, 0xA
    li $t0, 2
    mtc0 $t0, C0_ENTRYHI
    la $t1, 2f
    jalr.hb $t3, $t1
    nop
2:  lw $t2, 0($s2)
    CHECK_EQ $t2, 0xB
    CHECK_LABEL $t3, 2b
    /* Status.EXL and EPC written, ehb, eret */
    la $t0, 3f
    mtc0 $t0, C0_EPC
    li $t0, (S_CU0 | S_EXL)
    mtc0 $t0, C0_STATUS
    ehb
    eret
    FAIL
3:  CHECK_C0 C0_STATUS, 0, S_CU0
    CHECK_EXC EXC_COUNT, 0
    move $ra, $s7
TEST_END
