/*
 * The end of an ISA test program on a Malta board (qemu-system-mipsel -M
 * malta), linked after crt_bare.S built with -DTARGET_MALTA: where the test
 * machine has its test device, Malta has a UART and a reset register.
 *
 *   pass: prints "PASS <n> checks, <e> exceptions" and a newline, n = $fp (the
 *         checks run), e = EXC_TOTAL (the exceptions the program took)
 *   fail: prints "FAIL at check <n>, <e> exceptions" and a newline, n = $fp (the
 *         failing one), e = EXC_TOTAL so far, then "t8 <hex> t9 <hex>": the
 *         CHECK macros leave the expected value in $t9 and most of them the
 *         value seen in $t8 (a diagnostic only)
 *
 * then writes 0x42 to the FPGA's SOFTRES register, which resets the board;
 * QEMU run with -no-reboot exits instead (status 0 either way: the verdict
 * is the line on the UART). The lines carry what the bare crt writes to the
 * test device's CHECK, EXCEPTIONS and RESULT registers, so a runner compares
 * them with the program's declared counts (TEST_BEGIN in isa.h) as it does
 * mvisor's "test passed (N checks, E exceptions, ...)".
 *
 * Hardware facts:
 *  - The console UART is the PIIX4's 16550 at ISA port 0x3F8 (COM1, ttyS0),
 *    seen at physical 0x18000000 + port through the GT-64120's PCI I/O window
 *    once the boot stub has programmed it (QEMU hw/mips/malta.c
 *    write_bootloader: GT_PCI0IOLD = 0x18000000 >> 21; its own YAMON print
 *    routine writes the same THR at 0xB80003F8 after polling LSR). QEMU's
 *    16550 (hw/char/serial.c) needs no set-up to transmit.
 *  - SOFTRES is FPGA offset 0x500 (phys 0x1F000500); writing 0x42 requests a
 *    reset (QEMU hw/mips/malta.c malta_fpga_write).
 *
 * malta_quiet, called by _start before the test, makes the board as quiet as
 * the test machine, whose interrupt lines stay low unless a test raises them:
 * the i8259 pair behind Cause.IP2 comes out of reset with every input
 * unmasked (QEMU hw/intc/i8259.c reset: IMR = 0), and on QEMU Cause.IP2 is
 * already set when the program starts (observed: Cause = 0x00000400 at the
 * entry). Writing OCW1 = 0xFF to ports 0x21 and 0xA1 masks every input.
 *
 * Nothing here may use $fp before printing it. The routines run in whatever
 * state the test left (kernel mode expected: kseg1 is then unmapped and
 * uncached whatever the TLB holds).
 */
#include "isa.h"

#define UART 0xB80003F8  /* kseg1: phys 0x18000000 + ISA port 0x3F8 */
#define UART_THR 0
#define UART_LSR 5
#define LSR_THRE 0x20     /* transmit holding register empty */
#define PIC_MASTER_IMR 0xB8000021 /* ISA port 0x21: OCW1 of the master i8259 */
#define PIC_SLAVE_IMR 0xB80000A1
#define FPGA_SOFTRES 0xBF000500
#define SOFTRES_RESET 0x42

    .text
    .globl malta_quiet
malta_quiet:
    li $t0, 0xFF
    li $t1, PIC_MASTER_IMR
    sb $t0, 0($t1)
    li $t1, PIC_SLAVE_IMR
    jr $ra
    sb $t0, 0($t1)

    .globl malta_pass
    .ent malta_pass
malta_pass:
    la $a0, msg_pass
    jal malta_puts
    nop
    jal malta_putu          /* $a0 = $fp */
    move $a0, $fp
    la $a0, msg_checks
    jal malta_puts
    nop
    jal malta_exceptions
    nop
    la $a0, msg_nl
    jal malta_puts
    nop
    b malta_off
    nop
    .end malta_pass

    .globl malta_fail
    .ent malta_fail
malta_fail:
    move $s6, $t8           /* before the print routines clobber them */
    move $s7, $t9
    la $a0, msg_fail
    jal malta_puts
    nop
    jal malta_putu
    move $a0, $fp
    jal malta_exceptions
    nop
    la $a0, msg_t8
    jal malta_puts
    nop
    jal malta_putx
    move $a0, $s6
    la $a0, msg_t9
    jal malta_puts
    nop
    jal malta_putx
    move $a0, $s7
    la $a0, msg_nl
    jal malta_puts
    nop
    b malta_off
    nop
    .end malta_fail

/* malta_exceptions: prints ", <EXC_TOTAL> exceptions". Uses $t0-$t4, $v1, $s5. */
malta_exceptions:
    move $s5, $ra
    la $a0, msg_exc_sep
    jal malta_puts
    nop
    la $a0, exc_info
    jal malta_putu
    lw $a0, EXC_TOTAL($a0)
    la $a0, msg_exc
    jal malta_puts
    nop
    jr $s5
    nop

/* The board reset; with -no-reboot QEMU exits. Spin until it happens. */
malta_off:
    li $t0, FPGA_SOFTRES
    li $t1, SOFTRES_RESET
    sw $t1, 0($t0)
1:  b 1b
    nop

/* malta_putc: $a0 = byte. Waits for room in the transmitter. Uses $t0, $t1. */
malta_putc:
    li $t0, UART
1:  lbu $t1, UART_LSR($t0)
    andi $t1, $t1, LSR_THRE
    beqz $t1, 1b
    nop
    jr $ra
    sb $a0, UART_THR($t0)

/* malta_puts: $a0 = NUL-terminated string. Uses $t0-$t3, $v1. */
malta_puts:
    move $v1, $ra
    move $t2, $a0
1:  lbu $a0, 0($t2)
    beqz $a0, 2f
    nop
    jal malta_putc
    addiu $t2, $t2, 1
    b 1b
    nop
2:  jr $v1
    nop

/* malta_putu: $a0 = unsigned number, printed in decimal. Uses $t0-$t4, $v1 and numbuf. */
malta_putu:
    move $v1, $ra
    la $t2, numbuf_end      /* digits are written backwards from here */
    move $t3, $a0
    li $t4, 10
1:  divu $zero, $t3, $t4
    mfhi $t0
    mflo $t3
    addiu $t0, $t0, '0'
    addiu $t2, $t2, -1
    bnez $t3, 1b
    sb $t0, 0($t2)
2:  lbu $a0, 0($t2)
    beqz $a0, 3f
    nop
    jal malta_putc
    addiu $t2, $t2, 1
    b 2b
    nop
3:  jr $v1
    nop

/* malta_putx: $a0 printed as 8 hex digits. Uses $t0-$t4, $v1. */
malta_putx:
    move $v1, $ra
    move $t3, $a0
    li $t4, 8
1:  srl $a0, $t3, 28
    sltiu $t0, $a0, 10
    bnez $t0, 2f
    addiu $a0, $a0, '0'
    addiu $a0, $a0, 'a' - '0' - 10
2:  jal malta_putc
    sll $t3, $t3, 4
    addiu $t4, $t4, -1
    bnez $t4, 1b
    nop
    jr $v1
    nop

    .data
msg_pass: .asciz "PASS "
msg_checks: .asciz " checks"
msg_exc_sep: .asciz ", "
msg_exc: .asciz " exceptions"
msg_fail: .asciz "FAIL at check "
msg_t8: .asciz "\nt8 "
msg_t9: .asciz " t9 "
msg_nl: .asciz "\n"
numbuf: .space 11
numbuf_end: .byte 0
