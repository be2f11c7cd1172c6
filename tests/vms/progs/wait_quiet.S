/*
 * A stand-alone program for the Malta board that waits for an interrupt no device will raise:
 * Status unmasks only IP2 (the i8259's line, IE off), nothing on the board is set up to
 * interrupt, and it WAITs in a loop. The CPU can still be woken (the line is unmasked, so the
 * monitor does not call it wedged), but never is. Under --deterministic, guest time then jumps
 * from one device event to the next while the host waits: tests/vms/run.sh runs it beside a
 * VM that must still get the host CPU (with --host-cpus 1, the only one).
 *
 * Status.IM and the WAIT semantics: MIPS32 PRA (Volume III), the Status register and WAIT;
 * IP2 is the i8259 on the Malta (Linux arch/mips/mti-malta/malta-int.c, MIPSCPU_INT_I8259A).
 */
#define ST_IM2 0x00000400

    .set noreorder
    .text
    .globl _start
_start:
    li $t0, ST_IM2
    mtc0 $t0, $12
    ehb
1:  wait
    b 1b
    nop
