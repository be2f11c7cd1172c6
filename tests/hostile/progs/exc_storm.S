/*
 * Hostile guest: one exception after another, of every kind the program can raise in kernel
 * mode: SYSCALL, BREAK, a trap (TEQ), integer overflow, a reserved instruction, a coprocessor
 * 1 instruction with CU1 clear, misaligned loads and stores, TLB refills on loads and stores,
 * and a software interrupt. The handler checks each ExcCode against the one expected (a
 * mismatch prints "exc_storm: BAD"), skips the faulting instruction (an interrupt is resumed
 * where it came) and returns; the kinds come in a random order, as fast as they can be taken.
 * Every 4096 exceptions a progress line goes to the UART. tests/hostile/run.sh runs it beside
 * a VM whose output must stay exact.
 *
 * ExcCodes and vectors: MIPS32 PRA (Volume III), the Cause register and "Exception Vector
 * Locations"; SPECIAL function 0x3F is reserved on MIPS32 (Volume II, the opcode tables).
 */
#include "hostile.h"
#define NKINDS 11

    program_start handler
    sane_state
    mtc0 $zero, $10         /* ASID 0; every non-wired TLB entry left as reset made it */
    la $sp, 0x80380000
    li $s0, 0               /* exceptions taken */
next:
    progress $s0, 0xFFF, msg_count
    rand
    andi $t0, $v0, 0xF
    sltiu $t1, $t0, NKINDS
    bnez $t1, 2f
    nop
    addiu $t0, $t0, -NKINDS
2:  sll $t1, $t0, 2
    la $t2, codes
    addu $t2, $t2, $t1
    lw $s4, 0($t2)          /* the ExcCode expected */
    li $s5, 0               /* set by the handler */
    li $a3, 0x7FFFFFFF
    sll $t1, $t0, 4
    la $t2, kinds
    addu $t2, $t2, $t1
    jr $t2
    nop
resume:
    bnez $s5, next
    nop
    say msg_none, $s4       /* the trigger ran without an exception */
    b next
    nop

    .align 4
kinds:                      /* four words each: set-up, the trigger, back */
    nop
    syscall
    b resume
    nop
    nop
    break
    b resume
    nop
    nop
    teq $zero, $zero
    b resume
    nop
    nop
    addi $t0, $a3, 1        /* 0x7FFFFFFF + 1: overflow */
    b resume
    nop
    nop
    .word 0x0000003F        /* SPECIAL function 0x3F: reserved */
    b resume
    nop
    nop
    mfc1 $t0, $f0           /* CU1 clear */
    b resume
    nop
    nop
    lw $t0, 1($zero)
    b resume
    nop
    nop
    sh $t0, 3($zero)
    b resume
    nop
    lui $t1, 0x0040         /* kuseg, no entry: a refill */
    lw $t0, 0($t1)
    b resume
    nop
    lui $t1, 0x0040
    sw $t0, 0($t1)
    b resume
    nop
    li $t0, 0x00000100      /* Cause.IP0, Status.IM0 and IE: a software interrupt */
    b swint
    nop
    nop

swint:
    mtc0 $t0, $13
    li $t1, ST_CU0 | 0x0100 | 1
    mtc0 $t1, $12
    ehb
    nop
    nop
    b resume
    nop

handler:
    mfc0 $k0, $13
    srl $k0, $k0, 2
    andi $k0, $k0, 0x1F
    beq $k0, $s4, 3f
    nop
    say msg_bad, $k0        /* an unexpected kind: report it, skip the instruction */
3:  addiu $s0, $s0, 1
    li $s5, 1
    bnez $k0, 4f
    nop
    mtc0 $zero, $13         /* the interrupt: IP0 down, IE off, resume where it came */
    li $k1, ST_CU0 | ST_EXL
    mtc0 $k1, $12
    ehb
    eret
4:  mfc0 $k1, $14
    addiu $k1, $k1, 4
    mtc0 $k1, $14
    ehb
    eret

    hostile_routines

    .section .rodata
    .align 2
codes:  /* Sys, Bp, Tr, Ov, RI, CpU, AdEL, AdES, TLBL, TLBS, Int */
    .word 8, 9, 13, 12, 10, 11, 4, 5, 2, 3, 0
msg_count:
    .asciz "exc_storm: exceptions "
msg_bad:
    .asciz "exc_storm: BAD ExcCode "
msg_none:
    .asciz "exc_storm: BAD no exception, expected "
