/*
 * Hostile guest: garbage in the TLB. Each round writes 32 entries with random EntryHi (any VPN2,
 * any ASID), EntryLo0/1 (frames past RAM and in the device windows, every cache attribute,
 * reserved ones too, D, V, G at random), PageMask (legal sizes and patterns no CPU accepts),
 * Index (out of range, the probe-failure bit set) and Wired, by TLBWI or TLBWR, mixed with TLBP
 * and TLBR; duplicate entries (a machine check on a real 24K) come with it. Then it loads,
 * stores and jumps through random mapped addresses under a random ASID. Every exception comes
 * back to the round's start through the vectors. Every 256 rounds a progress line goes to the
 * UART. tests/hostile/run.sh runs it beside a VM whose output must stay exact.
 *
 * EntryHi/EntryLo/PageMask/Index/Wired and the TLB instructions: MIPS32 PRA (Volume III),
 * "TLB Instructions" and the CP0 registers 0, 2, 3, 5, 6, 10.
 */
#include "hostile.h"
#define WRITES 32

    program_start restart
    li $s0, 0
restart:
    sane_state
    addiu $s0, $s0, 1
    progress $s0, 0xFF, msg_round
    li $s1, WRITES
2:  rand
    mtc0 $v0, $10           /* EntryHi */
    rand
    mtc0 $v0, $2            /* EntryLo0 */
    rand
    mtc0 $v0, $3            /* EntryLo1 */
    rand
    andi $t0, $v0, 0xF      /* PageMask: a legal size 3 times in 4, else anything */
    sltiu $t1, $t0, 12
    beqz $t1, 3f
    move $t1, $v0
    la $t1, masks
    andi $t0, $v0, 7
    sll $t0, $t0, 2
    addu $t1, $t1, $t0
    lw $t1, 0($t1)
3:  mtc0 $t1, $5
    rand
    mtc0 $v0, $0            /* Index */
    andi $t0, $v0, 0x700
    bnez $t0, 4f
    srl $t1, $v0, 16
    andi $t1, $t1, 0x1F
    mtc0 $t1, $6            /* Wired, now and then */
4:  ehb
    srl $t0, $v0, 12        /* which operation */
    andi $t0, $t0, 7
    sltiu $t1, $t0, 3
    bnez $t1, 5f
    sltiu $t1, $t0, 6
    bnez $t1, 6f
    li $t1, 6
    beq $t0, $t1, 7f
    nop
    tlbr
    b 8f
    nop
5:  tlbwi
    b 8f
    nop
6:  tlbwr
    b 8f
    nop
7:  tlbp
8:  ehb
    addiu $s1, $s1, -1
    bnez $s1, 2b
    nop
    /* Random mapped addresses under a random ASID: kuseg and kseg2/3. */
    rand
    andi $t0, $v0, 0xFF
    mtc0 $t0, $10
    ehb
    li $s2, 8
9:  rand
    andi $t0, $v0, 3
    li $t1, 0x7FFFFFFC
    and $t2, $v0, $t1
    beqz $t0, 10f
    li $t1, 1
    beq $t0, $t1, 11f
    li $t1, 2
    beq $t0, $t1, 12f
    lui $t1, 0xC000         /* kseg2/3 */
    or $t2, $t2, $t1
    lw $t3, 0($t2)
    b 13f
    nop
10: lw $t3, 0($t2)
    b 13f
    nop
11: sw $v0, 0($t2)
    b 13f
    nop
12: andi $t0, $v0, 0x70     /* a jump into mapped space one time in eight */
    bnez $t0, 13f
    nop
    jalr $t2
    nop
13: addiu $s2, $s2, -1
    bnez $s2, 9b
    nop
    b restart
    nop

    hostile_routines

    .section .rodata
    .align 2
masks: /* 4K, 16K, 64K, 256K, 1M, 4M, 16M, 256M (no 24K has the last: a bad mask) */
    .word 0x00000000, 0x00006000, 0x0001E000, 0x0007E000, 0x001FE000, 0x007FE000, 0x01FFE000, 0x1FFFE000
msg_round:
    .asciz "tlb_storm: round "
