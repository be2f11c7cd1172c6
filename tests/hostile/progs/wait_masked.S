/*
 * Hostile guest: WAIT with every wake-up source masked (Status IE clear, every IM bit clear,
 * EXL set, the Count/Compare timer's line masked with the rest), after one line on the UART.
 * Nothing can ever wake the CPU: the monitor must call the VM wedged and end it alone, while
 * the VM beside it goes on. tests/hostile/run.sh runs it.
 *
 * Status and WAIT: MIPS32 PRA (Volume III), the Status register; MIPS32 Volume II, WAIT.
 */
#include "hostile.h"

    .set noreorder
    .text
    .globl _start
_start:
    sane_state
    la $s0, msg
    la $a0, msg
    jal hostile_puts
    nop
    li $t0, ST_CU0 | ST_EXL
    mtc0 $t0, $12
    ehb
1:  wait
    b 1b
    nop

    hostile_routines

    .section .rodata
msg:
    .asciz "wait_masked: WAIT with everything masked\r\n"
