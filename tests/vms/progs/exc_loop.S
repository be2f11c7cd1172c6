/*
 * A stand-alone program for the Malta board that puts its CPU in an exception loop: it writes
 * one line to the 16550, points the general exception vector (EBASE 0x80000000 + 0x180, with
 * Status.BEV cleared) at an unaligned load, and takes a SYSCALL. The handler's first instruction
 * raises Address Error, whose handler is the same instruction: exceptions follow one another
 * and no instruction ever retires. The monitor must see the loop (a wedged guest, exit 2) and
 * end this VM alone: tests/vms/run.sh runs it beside VMs whose output must stay exact.
 *
 * The 16550 as in tests/cli/malta/uart_bytes.S; the vector offset and BEV: MIPS32 PRA
 * (Volume III), "Exception Vector Locations".
 */
#define UART 0xB80003F8
#define LSR_THRE 0x20
#define VECTOR 0x80000180
#define LW_T0_1_ZERO 0x8C080001 /* lw $t0, 1($zero): an unaligned load, AdEL */
#define ST_BEV 0x00400000

    .set noreorder
    .text
    .globl _start
_start:
    la $s0, text
    la $s1, text_end
1:  jal putc
    lbu $a0, 0($s0)
    addiu $s0, $s0, 1
    bne $s0, $s1, 1b
    nop
    li $t0, VECTOR
    li $t1, LW_T0_1_ZERO
    sw $t1, 0($t0)
    mfc0 $t0, $12
    li $t1, ~ST_BEV
    and $t0, $t0, $t1
    mtc0 $t0, $12
    ehb
    syscall
2:  b 2b                       /* never reached */
    nop

putc:
    li $t0, UART
3:  lbu $t1, 5($t0)
    andi $t1, $t1, LSR_THRE
    beqz $t1, 3b
    nop
    jr $ra
    sb $a0, 0($t0)

    .section .rodata
text:
    .ascii "exc_loop: exception vector set, SYSCALL\r\n"
text_end:
