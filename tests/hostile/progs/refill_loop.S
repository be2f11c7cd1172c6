/*
 * Hostile guest: an exception loop that still executes instructions. A load from kuseg takes a
 * TLB refill whose handler writes no entry and returns to it, forever; the handler's own loads
 * through kseg2 take nested refills (EXL set: to the general vector, which returns the same
 * way). Instructions retire, so this is no wedge the monitor can see: the VM must keep running
 * until its instruction limit, beside a VM whose output must stay exact (tests/hostile/run.sh).
 *
 * The refill and general vectors and EXL: MIPS32 PRA (Volume III), "TLB Refill Exception".
 */
#include "hostile.h"

    .set noreorder
    .set noat
    .text
    .globl _start
_start:
    sane_state
    la $a0, msg
    jal hostile_puts
    nop
    jump_at 0x80000000, refill
    jump_at 0x80000180, general
    mtc0 $zero, $10
    ehb
    lui $t1, 0x0040
1:  lw $t0, 0($t1)
    b 1b
    nop
refill:
    lui $k0, 0xC000
    lw $k1, 0($k0)          /* kseg2, no entry, EXL set: to the general vector */
    eret
general:
    addiu $k1, $k1, 1
    eret

    hostile_routines

    .section .rodata
msg:
    .asciz "refill_loop: refills forever\r\n"
