/*
 * Hostile guest: random values into every CP0 register. Each round starts from a known state,
 * writes 48 random words into CP0 registers picked at random (every architected register and
 * select of the 24Kf, a few that do not exist, the debug registers; each also read back), then
 * loads, stores, a SYSCALL and a WAIT-free spin with whatever that left: the TLB, the timer,
 * watchpoints, interrupt masks, KSU, ERL, cache attributes. Any exception or interrupt comes
 * back to the round's start through the vectors (at both EBase values the program uses); EBase
 * itself is only moved between those two, and Status.BEV is never set (the boot vectors hold
 * the firmware's code, not the program's). Every 256 rounds a progress line goes to the UART.
 * tests/hostile/run.sh runs it beside a VM whose output must stay exact.
 *
 * Register numbers and selects: MIPS32 PRA (Volume III) "CP0 Registers by Number"; the 24Kf's
 * set: MIPS32 24K Processor Core Family Software User's Manual, "CP0 Registers".
 */
#include "hostile.h"
#define WRITES 48
#define EBASE2 0x80001000
#define NSTUBS 49

    program_start restart
    vectors_to restart, EBASE2
    li $s0, 0               /* rounds */
restart:
    sane_state
    la $sp, 0x80380000
    addiu $s0, $s0, 1
    progress $s0, 0xFF, msg_round
    li $s1, WRITES
2:  rand
    move $s2, $v0
    rand                    /* v0: the value; s2 picks the stub */
    andi $t0, $s2, 0x3F
    sltiu $t1, $t0, NSTUBS
    bnez $t1, 3f
    nop
    addiu $t0, $t0, -NSTUBS
3:  sll $t0, $t0, 4
    la $t1, stubs
    addu $t1, $t1, $t0
    jalr $t1
    nop
    addiu $s1, $s1, -1
    bnez $s1, 2b
    nop
    /* Memory through whatever the TLB, ASID and KSU now say; a system call; a short spin. */
    rand
    lw $t0, 0($v0)
    rand
    sw $v0, 0($v0)
    rand
    li $t1, 0x7FFFFFFC
    and $v0, $v0, $t1
    lw $t0, 0($v0)
    syscall
    li $t0, 200
4:  bnez $t0, 4b
    addiu $t0, $t0, -1
    b restart
    nop

/* One stub per register: write v0 (Status and EBase masked as above), read it back, return. */
.macro stub reg, sel
    mtc0 $v0, \reg, \sel
    ehb
    jr $ra
    mfc0 $t2, \reg, \sel
.endm
    .align 4
stubs:
    stub $0, 0
    stub $1, 0
    stub $2, 0
    stub $3, 0
    stub $4, 0
    stub $5, 0
    stub $5, 1
    stub $6, 0
    stub $7, 0
    stub $8, 0
    stub $9, 0
    stub $10, 0
    stub $11, 0
    b status_write          /* Status: anything but BEV */
    nop
    nop
    nop
    stub $12, 1
    stub $12, 2
    stub $12, 3
    stub $13, 0
    stub $14, 0
    stub $15, 0
    andi $v0, $v0, 0x1000   /* EBase: 0x80000000 or 0x80001000 */
    lui $t3, 0x8000
    b ebase_write
    or $v0, $v0, $t3
    stub $16, 0
    stub $16, 1
    stub $16, 2
    stub $16, 3
    stub $16, 7
    stub $17, 0
    stub $18, 0
    stub $19, 0
    stub $20, 0
    stub $21, 0
    stub $22, 0
    stub $23, 0
    stub $24, 0
    stub $25, 0
    stub $25, 1
    stub $25, 2
    stub $25, 3
    stub $26, 0
    stub $27, 0
    stub $28, 0
    stub $28, 1
    stub $29, 0
    stub $29, 1
    stub $30, 0
    stub $31, 0
    stub $10, 4             /* selects nobody implements */
    stub $12, 7
    stub $3, 3
stubs_end:
    .if (stubs_end - stubs) != NSTUBS * 16
    .error "NSTUBS is not the number of stubs"
    .endif

status_write:
    li $t3, ~ST_BEV
    and $v0, $v0, $t3
    mtc0 $v0, $12
    ehb
    jr $ra
    nop
ebase_write:
    mtc0 $v0, $15, 1
    ehb
    jr $ra
    nop

    hostile_routines

    .section .rodata
msg_round:
    .asciz "cp0_storm: round "
