/*
 * Hostile guest: virtio DMA anywhere. It finds the virtio functions on PCI bus 0 (vendor 1AF4),
 * gives each an I/O BAR and bus mastering, and then, round after round, drives every queue of
 * every device the wrong way: a random status and feature set, a queue PFN in its ring area or
 * at random (past RAM, in the device windows), descriptor tables whose entries point into RAM,
 * anywhere in the 64-bit space, into MMIO, past RAM, with random lengths and flags (NEXT,
 * WRITE, INDIRECT: chains that loop, indirect tables of garbage), available rings with random
 * heads and runaway indexes, then notifies, reads ISR, and writes the device's configuration
 * space. DMA may land on any RAM above the program's first 4 MiB (its code, stack and
 * vectors; addresses and PFNs below are moved up) and on the ring areas themselves. Every
 * exception comes back to the round's start through the vectors; every 16 rounds a progress
 * line goes to the UART. tests/hostile/run.sh runs it with a virtio disk, card and balloon
 * beside a VM whose output must stay exact.
 *
 * The legacy virtio-PCI register block (BAR 0: host features 0, guest features 4, queue PFN 8,
 * queue size 12, queue select 14, notify 16, status 18, ISR 19, device configuration 20) and
 * the split ring (descriptor 16 bytes: addr, len, flags, next; available ring flags, idx,
 * ring[]; the used ring at the next 4096): Virtio 1.0 spec, 4.1.4.8 "Legacy Interfaces" and
 * 2.4 "Virtqueues". PCI configuration through the GT-64120: devices/malta/gt64120.c.
 */
#include "hostile.h"
#define CFGADDR 0xBBE00CF8
#define CFGDATA 0xBBE00CFC
#define PCI_IO 0xB8000000
#define BAR_BASE 0x4000         /* device d's BAR 0 at PCI I/O 0x4000 + d * 0x100 */
#define RINGS 0x80800000        /* device d, queue q: RINGS + d * 0x40000 + q * 0x10000 */
#define BUFS 0x80C00000         /* 64 KiB of random words the descriptors point into */
#define LOW_LIMIT 0x00400000    /* the program's own RAM: DMA is kept above */
#define MAXDEV 4
#define FILL 64                 /* descriptors written per queue and round */

    program_start restart
    /* the buffers: random words, as PFNs or addresses never below LOW_LIMIT */
    li $s1, BUFS
    li $s2, BUFS + 0x10000
1:  rand
    lui $t0, 0x0040
    or $v0, $v0, $t0
    sw $v0, 0($s1)
    addiu $s1, $s1, 4
    bne $s1, $s2, 1b
    nop
    /* the virtio functions: devices 0..31 of bus 0, function 0 */
    la $s5, bars
    li $s4, 0               /* how many */
    li $s1, 0               /* device number */
2:  sll $t0, $s1, 11
    li $t1, 0x80000000
    or $t0, $t0, $t1
    li $t1, CFGADDR
    sw $t0, 0($t1)
    li $t2, CFGDATA
    lw $t3, 0($t2)
    andi $t3, $t3, 0xFFFF
    li $t4, 0x1AF4
    bne $t3, $t4, 3f
    sltiu $t4, $s4, MAXDEV
    beqz $t4, 3f
    sll $t5, $s4, 8
    addiu $t5, $t5, BAR_BASE | 1
    ori $t6, $t0, 0x10      /* BAR 0 */
    sw $t6, 0($t1)
    sw $t5, 0($t2)
    ori $t6, $t0, 0x04      /* Command: I/O space and bus master */
    sw $t6, 0($t1)
    li $t6, 0x0005
    sw $t6, 0($t2)
    li $t6, PCI_IO - 1
    addu $t5, $t5, $t6
    sll $t6, $s4, 2
    addu $t6, $s5, $t6
    sw $t5, 0($t6)
    addiu $s4, $s4, 1
3:  addiu $s1, $s1, 1
    sltiu $t0, $s1, 32
    bnez $t0, 2b
    nop
    la $t0, ndev
    sw $s4, 0($t0)
    say msg_found, $s4
    li $s0, 0
restart:
    sane_state
    la $sp, 0x80380000
    addiu $s0, $s0, 1
    progress $s0, 0xF, msg_round
    la $t0, ndev
    lw $s4, 0($t0)
    beqz $s4, restart
    li $s1, 0               /* device index */
dev_loop:
    la $t0, bars
    sll $t1, $s1, 2
    addu $t0, $t0, $t1
    lw $s2, 0($t0)          /* kseg1 address of BAR 0 */
    rand                    /* reset now and then, else a random status with DRIVER_OK */
    andi $t0, $v0, 7
    bnez $t0, 2f
    srl $t1, $v0, 8
    sb $zero, 18($s2)
    li $t0, 3
    sb $t0, 18($s2)
2:  lw $t0, 0($s2)
    and $t1, $t1, $t0
    sw $t1, 4($s2)          /* guest features: some of the host's */
    ori $t1, $v0, 4
    andi $t1, $t1, 0x87
    sb $t1, 18($s2)
    li $s3, 0               /* queue */
queue_loop:
    sh $s3, 14($s2)
    lhu $s4, 12($s2)        /* its size */
    beqz $s4, next_queue
    nop
    sll $t0, $s1, 18        /* the ring area */
    sll $t1, $s3, 16
    addu $t0, $t0, $t1
    li $t1, RINGS
    addu $s5, $t0, $t1
    rand                    /* the PFN: its ring area, or anywhere (kept above LOW_LIMIT) */
    andi $t0, $v0, 3
    li $t1, 0x1FFFFFFF
    bnez $t0, 3f
    nop
    and $t1, $s5, $t1
    b 4f
    srl $t1, $t1, 12
3:  srl $t1, $v0, 8
    sltiu $t2, $t1, LOW_LIMIT >> 12
    beqz $t2, 4f
    nop
    addiu $t1, $t1, LOW_LIMIT >> 12
4:  sw $t1, 8($s2)
    /* FILL descriptors (or the size, if smaller) */
    sltiu $t0, $s4, FILL
    bnez $t0, 5f
    move $s6, $s4
    li $s6, FILL
5:  move $t8, $zero         /* index */
6:  rand
    move $a1, $v0           /* what kind of address, the flags, next */
    rand
    move $a2, $v0           /* the address bits */
    andi $t0, $a1, 7
    sltiu $t1, $t0, 4
    beqz $t1, 7f
    andi $t2, $a2, 0xFFF0   /* 0..3: in the buffers */
    li $t3, BUFS & 0x1FFFFFFF
    addu $t2, $t2, $t3
    b 9f
    move $t3, $zero
7:  li $t1, 4
    bne $t0, $t1, 8f
    move $t3, $zero
    move $t2, $a2           /* 4: any 32-bit address above LOW_LIMIT */
    lui $t1, LOW_LIMIT >> 16
    b 9f
    or $t2, $t2, $t1
8:  li $t1, 5
    bne $t0, $t1, 10f
    li $t1, 6
    andi $t2, $a2, 0xFFF    /* 5: the GT-64120's registers or the PCI I/O window */
    lui $t1, 0x1BE0
    andi $t4, $a2, 0x1000
    bnez $t4, 9f
    or $t2, $t2, $t1
    lui $t1, 0x1800
    b 9f
    xor $t2, $t2, $t1       /* 0x1BE... ^ 0x1800... -> 0x03E...; then 0x18... below */
10: bne $t0, $t1, 11f
    nop
    li $t1, 0x0DFFFFFF      /* 6: past RAM */
    and $t2, $a2, $t1
    lui $t1, 0x0200
    b 9f
    or $t2, $t2, $t1
11: move $t2, $a2           /* 7: the high word too */
    srl $t3, $a1, 8
9:  sll $t4, $t8, 4
    addu $t4, $t4, $s5
    sw $t2, 0($t4)          /* addr */
    sw $t3, 4($t4)
    srl $t0, $a1, 12        /* len: below 4 KiB, or anything one time in eight */
    andi $t1, $a1, 0x38
    bnez $t1, 12f
    andi $t0, $t0, 0xFFF
    move $t0, $a2
12: sw $t0, 8($t4)
    srl $t0, $a1, 3         /* flags: NEXT, WRITE, INDIRECT and junk */
    andi $t0, $t0, 7
    andi $t1, $a1, 0x4000
    beqz $t1, 13f
    nop
    srl $t0, $a1, 16
13: sh $t0, 12($t4)
    srl $t0, $a1, 20        /* next: any index, or this one (a loop) */
    andi $t1, $a1, 0x0C00
    bnez $t1, 14f
    nop
    move $t0, $t8
14: sh $t0, 14($t4)
    addiu $t8, $t8, 1
    bne $t8, $s6, 6b
    nop
    /* the available ring: a few random heads, the index moved on (or anywhere) */
    sll $t0, $s4, 4
    addu $a3, $s5, $t0      /* avail */
    rand
    andi $t1, $v0, 7
    addiu $t1, $t1, 1       /* heads */
    lhu $t2, 2($a3)         /* idx */
15: rand
    addiu $t9, $s4, -1
    and $t4, $t2, $t9       /* idx mod size (sizes are powers of two) */
    sll $t4, $t4, 1
    addu $t4, $t4, $a3
    andi $t5, $v0, 0xC000   /* a head in the filled part, or any number */
    beqz $t5, 16f
    srl $t6, $v0, 16
    li $t5, FILL - 1
    and $t6, $t6, $t5
16: sh $t6, 4($t4)
    addiu $t1, $t1, -1
    bnez $t1, 15b
    addiu $t2, $t2, 1
    andi $t5, $v0, 0x3F     /* a runaway index one time in 64 */
    bnez $t5, 17f
    nop
    srl $t2, $v0, 16
17: sh $t2, 2($a3)
    sh $v0, 0($a3)          /* flags: anything */
    sync
    sh $s3, 16($s2)         /* notify */
    lbu $t0, 19($s2)        /* ISR */
next_queue:
    addiu $s3, $s3, 1
    sltiu $t0, $s3, 3
    bnez $t0, queue_loop
    nop
    rand                    /* the configuration space and a random register, at any size */
    andi $t0, $v0, 0x3F
    addu $t0, $t0, $s2
    srl $t1, $v0, 8
    andi $t2, $v0, 0x300
    beqz $t2, 18f
    nop
    sb $t1, 20($t0)
    b 19f
    nop
18: lbu $t1, 0($t0)
19: addiu $s1, $s1, 1
    la $t0, ndev
    lw $t0, 0($t0)
    bne $s1, $t0, dev_loop
    nop
    b restart
    nop

    hostile_routines

    .data
    .align 2
ndev:
    .word 0
bars:
    .space 4 * MAXDEV
    .section .rodata
msg_found:
    .asciz "virtio_dma: virtio functions "
msg_round:
    .asciz "virtio_dma: round "
