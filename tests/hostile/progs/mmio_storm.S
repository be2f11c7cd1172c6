/*
 * Hostile guest: an MMIO storm over every device's range, with every access size. Each access
 * picks a region (the ISA ports: 8259s, 8254, RTC, 16550s, PIIX4; the GT-64120's registers; PCI
 * configuration space through CFGADDR/CFGDATA, which moves the virtio functions' BARs and
 * turns their bus mastering on and off; the PCI I/O window where those BARs land; PCI memory;
 * the FPGA and its CBUS UART; the boot ROM; any physical address above RAM), an offset, and
 * one of LB, LBU, LH, LHU, LW, LWL, LWR, SB, SH, SW, SWL, SWR at any alignment (a misaligned
 * one is an address error, back to the start through the vectors). Only the FPGA's SOFTRES is
 * left out: a board reset would only start the program again. Every 4096 accesses a progress
 * line goes to the UART (whose registers the storm also hits, so a line may be garbled).
 * tests/hostile/run.sh runs it with a virtio disk, card and balloon beside a VM whose output
 * must stay exact.
 *
 * Addresses: Linux arch/mips/include/asm/mips-boards/malta.h (PCI I/O at 0x18000000, the
 * GT-64120 at 0x1BE00000), QEMU hw/mips/malta.c (the FPGA at 0x1F000000, SOFTRES at +0x500,
 * the CBUS UART at +0x900), devices/malta/gt64120.c (CFGADDR 0xCF8, CFGDATA 0xCFC).
 */
#include "hostile.h"
#define SOFTRES 0xBF000500

    program_start restart
    li $s0, 0
restart:
    sane_state
1:  addiu $s0, $s0, 1
    progress $s0, 0xFFF, msg_round
    rand
    move $s1, $v0           /* the offset */
    rand
    move $s2, $v0           /* the value */
    srl $t0, $s2, 28        /* the region: 16 ways */
    sll $t0, $t0, 2
    la $t1, regions
    addu $t1, $t1, $t0
    lw $t1, 0($t1)
    jr $t1
    nop
r_isa:                      /* 0xB8000000 + port, ports below 0x1000 four times as often */
    andi $t0, $s1, 0x3000
    beqz $t0, 3f
    andi $s1, $s1, 0xFFFF
    andi $s1, $s1, 0x0FFF
3:  li $t0, 0xB8000000
    b access
    addu $s3, $s1, $t0
r_gt:
    andi $s1, $s1, 0xFFF
    li $t0, 0xBBE00000
    b access
    addu $s3, $s1, $t0
r_cfg:                      /* CFGADDR: bus 0 (or any), then an access to CFGDATA */
    li $t0, 0xBBE00CF8
    andi $t1, $s1, 0x100
    bnez $t1, 4f
    move $t2, $s1
    li $t1, 0x8000FFFC      /* enabled, bus 0, any device, function, register */
    and $t2, $s1, $t1
    li $t1, 0x80000000
    or $t2, $t2, $t1
4:  sw $t2, 0($t0)
    srl $s1, $s1, 9
    andi $s1, $s1, 3
    li $t0, 0xBBE00CFC
    b access
    addu $s3, $s1, $t0
r_pciio:                    /* the PCI I/O window above the ISA ports: where BARs go */
    andi $s1, $s1, 0xFFFF
    li $t0, 0xB8000000
    b access
    addu $s3, $s1, $t0
r_pcimem:
    li $t0, 0x07FFFFFF
    and $s1, $s1, $t0
    li $t0, 0xB0000000
    b access
    addu $s3, $s1, $t0
r_fpga:
    andi $s1, $s1, 0xFFF
    li $t0, 0xBF000000
    addu $s3, $s1, $t0
    li $t0, ~3
    and $t0, $s3, $t0
    li $t1, SOFTRES
    beq $t0, $t1, 1b
    nop
    b access
    nop
r_rom:
    li $t0, 0x003FFFFF
    and $s1, $s1, $t0
    li $t0, 0xBFC00000
    b access
    addu $s3, $s1, $t0
r_any:                      /* any physical address from 0x02000000 up (RAM below is ours) */
    li $t0, 0x1FFFFFFF
    and $s3, $s1, $t0
    li $t0, 0x02000000
    sltu $t1, $s3, $t0
    bnez $t1, 1b
    nop
    li $t0, 0xA0000000
    b access
    or $s3, $s3, $t0
access:                     /* s3: the address; s2 bits 0..3: the instruction */
    andi $t0, $s2, 0xF
    sll $t0, $t0, 3
    la $t1, ops
    addu $t1, $t1, $t0
    jr $t1
    srl $t2, $s2, 4
    .align 3
ops:
    b 1b
    lb $t3, 0($s3)
    b 1b
    lbu $t3, 0($s3)
    b 1b
    lh $t3, 0($s3)
    b 1b
    lhu $t3, 0($s3)
    b 1b
    lw $t3, 0($s3)
    b 1b
    lwl $t3, 0($s3)
    b 1b
    lwr $t3, 0($s3)
    b 1b
    sb $t2, 0($s3)
    b 1b
    sh $t2, 0($s3)
    b 1b
    sw $t2, 0($s3)
    b 1b
    swl $t2, 0($s3)
    b 1b
    swr $t2, 0($s3)
    b 1b
    sb $t2, 0($s3)
    b 1b
    lbu $t3, 0($s3)
    b 1b
    sw $t2, 0($s3)
    b 1b
    lw $t3, 0($s3)

    hostile_routines

    .section .rodata
    .align 2
regions:
    .word r_isa, r_isa, r_isa, r_gt, r_cfg, r_cfg, r_cfg, r_pciio
    .word r_pciio, r_pcimem, r_pcimem, r_fpga, r_fpga, r_rom, r_any, r_any
msg_round:
    .asciz "mmio_storm: access "
