/*
 * A stand-alone program for the Malta board that resets it as soon as it runs: it writes one
 * line to the 16550 and then 0x42 to the FPGA's SOFTRES register. Without -no-reboot the board
 * resets, the monitor loads the program again and it resets again, as fast as the monitor can
 * reboot a VM: tests/vms/run.sh runs it beside VMs whose output must stay exact.
 *
 * Addresses as in tests/cli/malta/uart_bytes.S: ISA port 0x3F8 at phys 0x18000000 + port (the
 * GT-64120's PCI I/O window, Linux arch/mips/include/asm/mips-boards/malta.h), LSR bit 5 = THR
 * empty (Linux include/uapi/linux/serial_reg.h), SOFTRES at phys 0x1F000500, 0x42 resets
 * (QEMU hw/mips/malta.c, malta_fpga_write).
 */
#define UART 0xB80003F8
#define LSR_THRE 0x20
#define SOFTRES 0xBF000500

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
    li $t0, SOFTRES
    li $t1, 0x42
    sw $t1, 0($t0)
2:  b 2b
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
    .ascii "reset_loop: boot\r\n"
text_end:
