/*
 * Plain storage and read-only CP0 registers (PRA 9.39 EPC, 9.42 ErrorEPC,
 * 9.43 DESAVE: R/W; 9.11 BadVAddr: read-only; 9.21 LLAddr: read-only;
 * 9.31 ErrCtl: parity/ECC not modelled here, writes ignored and it reads 0
 * (model choice, monitor/cp0.c); 9.16 Wired: R/W).
 */
#include "kernel_util.h"
TEST_BEGIN 12, 1
    li $t0, 0xA5A5A5A4
    mtc0 $t0, C0_EPC
    li $t1, 0x5A5A5A58
    mtc0 $t1, C0_ERROREPC
    li $t2, 0x13572468
    mtc0 $t2, C0_DESAVE
    ehb
    CHECK_C0 C0_EPC, 0, 0xA5A5A5A4
    CHECK_C0 C0_ERROREPC, 0, 0x5A5A5A58
    CHECK_C0 C0_DESAVE, 0, 0x13572468
    mtc0 $zero, C0_DESAVE
    ehb
    CHECK_C0 C0_DESAVE, 0, 0
    /* BadVAddr: set by an exception, not by mtc0 */
    li $s0, 0x00000101
l1: lw $t3, 0($s0)
    CHECK_EXC_AT 1, X_ADEL, l1, 0x180
    CHECK_C0 C0_BADVADDR, 0, 0x00000101
    li $t3, 0x44444444
    mtc0 $t3, C0_BADVADDR
    ehb
    CHECK_C0 C0_BADVADDR, 0, 0x00000101
    /* LLAddr: set by ll, not by mtc0 */
    la $t4, scratch
    ll $t5, 0($t4)
    mfc0 $t6, C0_LLADDR
    li $t7, 0x0FFFFFF0
    mtc0 $t7, C0_LLADDR
    ehb
    mfc0 $t8, C0_LLADDR
    CHECK_REG $t8, $t6
    /* ErrCtl */
    li $t0, 0xFFFFFFFF
    mtc0 $t0, C0_ERRCTL
    ehb
    CHECK_C0 C0_ERRCTL, 0, 0
TEST_END
    .data
    .align 2
scratch: .word 0
