/*
 * What the hostile-guest programs (tests/hostile/progs/*.S) share: the 16550 on the Malta's ISA
 * bus for progress lines, a random-number generator, and the vectors that send every exception
 * back to the program's restart point. Each program includes this at the end of its text (the
 * routines) after using the macros.
 *
 * The 16550 at ISA port 0x3F8 (kseg1 0xB8000000 + port: Linux
 * arch/mips/include/asm/mips-boards/malta.h); vector offsets and Status: MIPS32 PRA (Volume
 * III), "Exception Vector Locations".
 */
#define UART 0xB80003F8
#define LSR_THRE 0x20
#define ST_BEV 0x00400000
#define ST_ERL 0x00000004
#define ST_EXL 0x00000002
#define ST_CU0 0x10000000
#define J_OPCODE 0x08000000
/* The random generator's state lives here, never touched by the programs otherwise. */
#define RSTATE $s7

/* "j target; nop" at address at (both in one 256 MiB region). */
.macro jump_at at, target
    la $t0, \target
    srl $t0, $t0, 2
    li $t1, 0x03FFFFFF
    and $t0, $t0, $t1
    li $t1, J_OPCODE
    or $t0, $t0, $t1
    li $t2, \at
    sw $t0, 0($t2)
    sw $zero, 4($t2)
.endm

/* "j target; nop" at the refill, cache-error, general and interrupt vectors of EBase base. */
.macro vectors_to target, base
    jump_at \base + 0x000, \target
    jump_at \base + 0x100, \target
    jump_at \base + 0x180, \target
    jump_at \base + 0x200, \target
.endm

/* A known state: kernel mode, exceptions and interrupts off, BEV and ERL clear, EBase 0x80000000. */
.macro sane_state
    li $t0, ST_CU0
    mtc0 $t0, $12
    mtc0 $zero, $13
    li $t0, 0x80000000
    mtc0 $t0, $15, 1
    ehb
.endm

/* The program's start: the random generator seeded from Count, every vector to handler. */
.macro program_start handler
    .set noreorder
    .set noat
    .text
    .globl _start
_start:
    mfc0 RSTATE, $9
    vectors_to \handler, 0x80000000
.endm

/* Prints label and reg when the bits of reg in mask are all zero (every mask + 1 counts). */
.macro progress reg, mask, label
    andi $t0, \reg, \mask
    bnez $t0, .Lquiet\@
    nop
    say \label, \reg
.Lquiet\@:
.endm

/* v0 = the next random word (two steps of x = 1103515245 x + 12345, their high halves). */
.macro rand
    jal hostile_rand
    nop
.endm

/* Prints the string at label, then the value in reg in hex and a CR LF. */
.macro say label, reg
    move $s6, \reg
    la $a0, \label
    jal hostile_puts
    nop
    jal hostile_puthex
    move $a0, $s6
.endm

.macro hostile_routines
hostile_rand:
    li $t9, 1103515245
    mul RSTATE, RSTATE, $t9
    addiu RSTATE, RSTATE, 12345
    srl $v0, RSTATE, 16
    mul RSTATE, RSTATE, $t9
    addiu RSTATE, RSTATE, 12345
    srl $t9, RSTATE, 16
    sll $v0, $v0, 16
    jr $ra
    or $v0, $v0, $t9

hostile_putc:                   /* a0: the byte (clobbers t3, t8, t9) */
    li $t8, UART
    li $t3, 100000              /* a UART the program itself has wrecked: drop the byte */
1:  lbu $t9, 5($t8)
    andi $t9, $t9, LSR_THRE
    bnez $t9, 6f
    addiu $t3, $t3, -1
    bnez $t3, 1b
    nop
    jr $ra
    nop
6:  jr $ra
    sb $a0, 0($t8)

hostile_puts:                   /* a0: a NUL-terminated string */
    move $t7, $ra
    move $t6, $a0
2:  lbu $a0, 0($t6)
    beqz $a0, 3f
    nop
    jal hostile_putc
    addiu $t6, $t6, 1
    b 2b
    nop
3:  jr $t7
    nop

hostile_puthex:                 /* a0: the value, eight digits, then CR LF */
    move $t7, $ra
    move $t6, $a0
    li $t5, 28
4:  srlv $a0, $t6, $t5
    andi $a0, $a0, 0xF
    sltiu $t4, $a0, 10
    bnez $t4, 5f
    addiu $a0, $a0, '0'
    addiu $a0, $a0, 'a' - '0' - 10
5:  jal hostile_putc
    nop
    bnez $t5, 4b
    addiu $t5, $t5, -4
    jal hostile_putc
    li $a0, '\r'
    jal hostile_putc
    li $a0, '\n'
    jr $t7
    nop
.endm
