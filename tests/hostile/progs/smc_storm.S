/*
 * Hostile guest: self-modifying code, as fast as it can. Each round writes a routine of random
 * length (1..128 "addiu $v0, $v0, K" with random K, then "jr $ra") at a random word of a 16 KiB
 * buffer (so it often straddles a page), runs it, and checks $v0 against the sum it computed
 * itself; then patches one random word of the routine that has just run and runs it again;
 * and one time in four it runs a routine that stores into its own next instructions (what it
 * then executes is UNPREDICTABLE on a real CPU without SYNCI, so only the run after the SYNCI
 * is checked). Each write is followed by SYNCI over the lines written and a JR.HB, as MIPS32r2
 * requires before new code runs. A wrong sum prints "smc_storm: BAD" with the round; every 256
 * rounds a progress line. tests/hostile/run.sh runs it beside a VM whose output must stay
 * exact, and requires no BAD line.
 *
 * ADDIU/JR encodings: MIPS32 Volume II; SYNCI and the instruction hazard barrier: Volume II,
 * SYNCI ("the sequence to make new instructions visible").
 */
#include "hostile.h"
#define BUF 0x80200000
#define BUFWORDS 4096            /* 16 KiB */
#define ADDIU_V0 0x24420000      /* addiu $v0, $v0, 0 */
#define JR_RA 0x03E00008
#define SW_A2_A3 0xACE60000      /* sw $a2, 0($a3) */

/* s3 -= the K (sign-extended low half) of the word in reg (clobbers t1) */
.macro sum_less_k reg
    sll $t1, \reg, 16
    sra $t1, $t1, 16
    subu $s3, $s3, $t1
.endm

/* s3 += the K in the high half of v0 (clobbers t1) */
.macro sum_plus_new_k
    srl $t1, $v0, 16
    sll $t1, $t1, 16
    sra $t1, $t1, 16
    addu $s3, $s3, $t1
.endm

    program_start unexpected
    sane_state
    la $sp, 0x80380000
    li $s0, 0
round:
    addiu $s0, $s0, 1
    progress $s0, 0xFF, msg_round
    rand                        /* where: any word that leaves room for 130 words */
    andi $t0, $v0, BUFWORDS - 1
    sltiu $t1, $t0, BUFWORDS - 136
    bnez $t1, 2f
    nop
    addiu $t0, $t0, -136
2:  sll $t0, $t0, 2
    li $s1, BUF
    addu $s1, $s1, $t0          /* s1: the routine */
    srl $t0, $v0, 16            /* length 1..128 */
    andi $s2, $t0, 0x7F
    addiu $s2, $s2, 1
    move $s3, $zero             /* s3: the expected sum */
    move $t2, $s1
    move $t3, $s2
3:  rand
    andi $t0, $v0, 0xFFFF       /* K, sign-extended as ADDIU does */
    sll $t1, $t0, 16
    sra $t1, $t1, 16
    addu $s3, $s3, $t1
    li $t1, ADDIU_V0
    or $t0, $t0, $t1
    sw $t0, 0($t2)
    addiu $t3, $t3, -1
    bnez $t3, 3b
    addiu $t2, $t2, 4
    li $t0, JR_RA
    sw $t0, 0($t2)
    sw $zero, 4($t2)
    addiu $a1, $t2, 8
    move $a0, $s1
    jal sync_range
    nop
    jal run_check
    nop
    /* patch one word of the routine that just ran: a new K */
    rand
    andi $t0, $v0, 0x7F
    sltu $t1, $t0, $s2
    bnez $t1, 4f
    nop
    move $t0, $zero
4:  sll $t0, $t0, 2
    addu $s4, $s1, $t0
    lw $t1, 0($s4)
    sum_less_k $t1
    sum_plus_new_k
    srl $t0, $v0, 16
    li $t1, ADDIU_V0
    or $t0, $t0, $t1
    sw $t0, 0($s4)
    move $a0, $s4
    jal sync_range
    addiu $a1, $s4, 4
    jal run_check
    nop
    /* one time in four: the routine stores into its own code ahead of itself */
    rand
    andi $t0, $v0, 3
    bnez $t0, round
    nop
    sltiu $t0, $s2, 3
    bnez $t0, round
    nop
    lw $a2, 4($s1)              /* its second word, with a new K, is stored by its first */
    li $t1, 0xFFFF0000
    and $a2, $a2, $t1
    srl $t1, $v0, 16
    or $a2, $a2, $t1
    lw $t1, 4($s1)
    sum_less_k $t1
    sum_plus_new_k
    lw $s5, 0($s1)              /* the first word becomes "sw $a2, 4($a3)": it adds nothing now */
    sum_less_k $s5
    li $t1, SW_A2_A3 | 4
    sw $t1, 0($s1)
    move $a0, $s1
    jal sync_range
    addiu $a1, $s1, 8
    move $a3, $s1
    jalr $s1                    /* UNPREDICTABLE which second word runs: not checked */
    nop
    move $a0, $s1
    jal sync_range
    addiu $a1, $s1, 8
    jal run_check               /* now it must see the stored word */
    nop
    b round
    nop

run_check:                      /* runs the routine at s1 from v0 = 0, checks v0 == s3 */
    move $fp, $ra
    jalr $s1
    move $v0, $zero
    beq $v0, $s3, 5f
    move $s5, $v0
    say msg_bad, $s0
    say msg_got, $s5
    say msg_want, $s3
5:  jr $fp
    nop

sync_range:                     /* SYNCI every 32-byte line of [a0, a1), then JR.HB */
    li $t0, ~31
    and $a0, $a0, $t0
6:  synci 0($a0)
    addiu $a0, $a0, 32
    sltu $t0, $a0, $a1
    bnez $t0, 6b
    nop
    sync
    jr.hb $ra
    nop

unexpected:                     /* no exception is expected: say so and stop */
    mfc0 $s5, $13
    say msg_exc, $s5
    mfc0 $s5, $14
    say msg_epc, $s5
7:  b 7b
    nop

    hostile_routines

    .section .rodata
msg_round:
    .asciz "smc_storm: round "
msg_bad:
    .asciz "smc_storm: BAD in round "
msg_got:
    .asciz "smc_storm: got "
msg_want:
    .asciz "smc_storm: want "
msg_exc:
    .asciz "smc_storm: BAD exception, Cause "
msg_epc:
    .asciz "smc_storm: EPC "
