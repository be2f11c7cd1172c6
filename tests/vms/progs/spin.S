/*
 * A stand-alone program for the Malta board that only counts instructions: an endless loop,
 * ended by --max-insns (exit 3, "instruction limit reached") or --timeout. tests/vms/run.sh
 * uses it as the VM that must keep getting the host CPU beside a misbehaving one.
 */
    .set noreorder
    .text
    .globl _start
_start:
1:  b 1b
    nop
