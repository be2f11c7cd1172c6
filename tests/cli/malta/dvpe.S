/*
 * A stand-alone Malta program for -cpu 34Kf -smp 2 --smp-threads 2: dvpe stops the other VPE.
 *
 * VPE 0 starts VPE 1 the way Linux's smvp_boot_secondary does (arch/mips/kernel/smp-mt.c:
 * dvpe, MVPControl.VPC, VPEControl.TargTC, then through mttc0 the TC's TCHalt, TCRestart,
 * TCStatus.A and the VPE's VPEConf0.VPA, VPC off, evpe). VPE 1 adds one to a counter in RAM,
 * forever. VPE 0 waits until it counts, then 20 times: dvpe, reads the counter, spins about
 * 6 million instructions, reads it again (equal, or VPE 1 ran while disabled: MD00378, DVPE),
 * evpe, and waits until the counter moves again (VPE 1 runs again). Then it prints its verdict
 * on the 16550 and resets the board (under -no-reboot mvisor exits 0 with "guest reset").
 * Built also with -DROUNDS=1000 -DSPIN=2000 (case smp-dvpe-short): windows of a few microseconds,
 * as Linux's IPIs make, in which VPE 1 stands still inside its slice instead of leaving it.
 * Register numbers and fields: Linux arch/mips/include/asm/mipsmtregs.h; the UART and SOFTRES
 * as in uart_bytes.S.
 */
#define UART 0xB80003F8
#define LSR_THRE 0x20
#define SOFTRES 0xBF000500
#ifndef ROUNDS
#define ROUNDS 20
#endif
#ifndef SPIN
#define SPIN 3000000            /* two instructions each */
#endif
#define PATIENCE 400000000      /* loop turns to wait for VPE 1 to count */

    .set noreorder
    .set mt
    .text
    .globl _start
_start:
    la $s0, count
    sw $zero, 0($s0)
    dvpe $zero
    ehb
    mfc0 $t0, $0, 1            /* MVPControl: VPC (configuration state) */
    ori $t0, $t0, 2
    mtc0 $t0, $0, 1
    ehb
    li $t0, 1                  /* VPEControl.TargTC = 1 */
    mtc0 $t0, $1, 1
    ehb
    li $t0, 1                  /* TCHalt.H while it is set up */
    mttc0 $t0, $2, 4
    la $t0, vpe1
    mttc0 $t0, $2, 3           /* TCRestart */
    li $t0, 0x2000             /* TCStatus.A */
    mttc0 $t0, $2, 1
    mftc0 $t0, $1, 2           /* VPEConf0.VPA */
    ori $t0, $t0, 1
    mttc0 $t0, $1, 2
    mttc0 $zero, $2, 4         /* TCHalt.H off */
    ehb
    mfc0 $t0, $0, 1            /* VPC off, then EVP */
    ins $t0, $zero, 1, 1
    mtc0 $t0, $0, 1
    ehb
    evpe
    ehb
    li $t2, PATIENCE           /* VPE 1 counts */
1:  lw $t1, 0($s0)
    sltiu $t3, $t1, 1000
    beqz $t3, 2f
    addiu $t2, $t2, -1
    bnez $t2, 1b
    nop
    la $s4, msg_start
    b fail
    nop
2:  li $s1, ROUNDS
round:
    dvpe $zero
    ehb
    lw $s2, 0($s0)
    li $t2, SPIN
3:  bnez $t2, 3b
    addiu $t2, $t2, -1
    lw $s3, 0($s0)
    la $s4, msg_ran
    bne $s2, $s3, fail
    nop
    evpe
    ehb
    li $t2, PATIENCE
4:  lw $t1, 0($s0)
    bne $t1, $s3, 5f
    addiu $t2, $t2, -1
    bnez $t2, 4b
    nop
    la $s4, msg_stuck
    b fail
    nop
5:  addiu $s1, $s1, -1
    bnez $s1, round
    nop
    la $s4, msg_ok
    b done
    nop
fail:
    nop
done:
    lbu $a0, 0($s4)
    beqz $a0, reset
    nop
    jal putc
    addiu $s4, $s4, 1
    b done
    nop
reset:
    li $t0, SOFTRES
    li $t1, 0x42
    sw $t1, 0($t0)
6:  b 6b
    nop

#include "uart_putc.S"

/* VPE 1: counts. */
vpe1:
    la $t0, count
8:  lw $t1, 0($t0)
    addiu $t1, $t1, 1
    b 8b
    sw $t1, 0($t0)

    .section .rodata
msg_ok:
    .asciz "dvpe: ok: in every round VPE 1 stood still from dvpe to evpe and ran again after it\r\n"
msg_ran:
    .asciz "dvpe: FAIL: VPE 1 counted between dvpe and evpe\r\n"
msg_stuck:
    .asciz "dvpe: FAIL: VPE 1 did not count again after evpe\r\n"
msg_start:
    .asciz "dvpe: FAIL: VPE 1 never counted\r\n"

    .data
    .align 6
count:
    .word 0
