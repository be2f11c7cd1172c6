/*
 * A static Linux program for the disk suite that prints one letter and a newline: WHICH (0x41
 * 'A' or 0x42 'B') is an immediate in its code, so the two builds differ in an instruction,
 * not in data. The suite swaps them on the disk under one file name and reads the file back
 * through the page cache: a translation of the old code that outlived the device's DMA into
 * its page would print the old letter.
 */
    .set noreorder
    .text
    .globl __start
__start:
    addiu $sp, $sp, -8
    li    $t0, (0x0a00 | WHICH)
    sh    $t0, 0($sp)
    li    $a0, 1          /* stdout */
    move  $a1, $sp
    li    $a2, 2
    li    $v0, 4004       /* o32 write */
    syscall
    li    $a0, 0
    li    $v0, 4001       /* o32 exit */
    syscall
