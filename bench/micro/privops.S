/*
 * The privileged-operation microbenchmark (issue 6's "one privileged operation of each kind in
 * each mode"): a bare program for the test machine (-M testbench) that runs each kind of
 * privileged instruction in a tight loop, unrolled eight times, between two console lines
 *     @@op NAME begin
 *     @@op NAME end ops=N
 * written through the test device. The host times the lines as they arrive (bench/run.py), so
 * host ns per op = interval / N; the "nop" kind is the same loop with an ordinary instruction and
 * is subtracted to give the cost beyond one plain instruction. That is the ladder VMware
 * described: the same operation emulated by trapping, by a callout from translated code, or
 * inline in the translation cache, each mode a column.
 *
 * Values written are ones that change nothing the loop depends on (Status as read, EPC 0,
 * EntryLo 0, Compare far away), TLB writes go to entries no other entry aliases (a fixed unused
 * VPN2; tlbwr with Wired set so Random can only pick the last entry), and `wait` is left out: it
 * only measures how long the next interrupt takes to come. Built with the ISA tests' start-up
 * code and layout (tests/isa/lib); PRIV_TICKS Count ticks per kind.
 */
#include "kernel_util.h"

/* Each kind runs for PRIV_TICKS Count ticks (in mvisor's real-time mode Count runs at 100 MHz
 * of host time, mvisor's own choice: devices/malta/README.md §2.4), in chunks of PRIV_CHUNK
 * loop iterations. */
#ifndef PRIV_TICKS
#define PRIV_TICKS 10000000
#endif
#define PRIV_CHUNK 256
#define PRIV_MAX_CHUNKS 500000

    .set mips32r2

/* KIND_BEGIN NAME: the begin line (setup follows it, since printing clobbers temporaries). */
    .macro KIND_BEGIN name
    .pushsection .rodata
str_\name: .asciz "\name"
    .popsection
    la $a0, str_\name
    jal op_begin
    nop
    .endm

/* KIND_END NAME, PER: the end line with the number of operations run: PER per op written. */
    .macro KIND_END name, per
    la $a0, str_\name
    li $t1, PRIV_CHUNK * 8 * \per
    mul $a1, $s4, $t1
    jal op_end
    nop
    .endm

/* LOOP8 OP: OP (an instruction or a macro) written eight times in a loop of PRIV_CHUNK
 * iterations, repeated until Count shows PRIV_TICKS ticks (or PRIV_MAX_CHUNKS chunks) have
 * passed; $s4 = chunks run. Reading Count once per chunk is noise beside 8 * PRIV_CHUNK ops. */
    .macro LOOP8 op:vararg
    mfc0 $s3, C0_COUNT
    move $s4, $zero
2:  li $s0, PRIV_CHUNK
1:  \op
    \op
    \op
    \op
    \op
    \op
    \op
    \op
    addiu $s0, $s0, -1
    bnez $s0, 1b
    nop
    addiu $s4, $s4, 1
    li $t9, PRIV_MAX_CHUNKS
    beq $s4, $t9, 3f
    mfc0 $t9, C0_COUNT
    subu $t9, $t9, $s3
    li $t8, PRIV_TICKS
    sltu $t9, $t9, $t8
    bnez $t9, 2b
    nop
3:
    .endm

/* KIND NAME, OP: a kind with no setup or teardown, one operation per OP. */
    .macro KIND name, op:vararg
    KIND_BEGIN \name
    LOOP8 \op
    KIND_END \name, 1
    .endm

    .macro asid_pair
    mtc0 $s1, C0_ENTRYHI
    mtc0 $s2, C0_ENTRYHI
    .endm

/* EPC = the instruction after the eret, so eret falls through; uses $t7. */
    .macro eret_once
    la $t7, 9f
    mtc0 $t7, C0_EPC
    mtc0 $s1, C0_STATUS
    ehb
    eret
9:
    .endm

    .macro di_ei_pair
    di
    ei
    .endm

/* An EntryHi no TLB entry holds, and the two VPN2s the writes use. */
#define VPN2_UNUSED 0x7FFA0000
#define VPN2_TLBWI 0x7FFE0000
#define VPN2_TLBWR 0x7FFC0000

    .text
    .globl test_main
    .ent test_main
test_main:
    move $s7, $ra
    la $a0, str_hello
    jal puts
    nop

    KIND nop, nop
    KIND mfc0_status, mfc0 $t0, C0_STATUS

    KIND_BEGIN mtc0_status
    mfc0 $s1, C0_STATUS
    LOOP8 mtc0 $s1, C0_STATUS
    KIND_END mtc0_status, 1

    KIND mfc0_cause, mfc0 $t0, C0_CAUSE
    KIND mfc0_epc, mfc0 $t0, C0_EPC
    KIND mtc0_epc, mtc0 $zero, C0_EPC
    KIND mfc0_badvaddr, mfc0 $t0, C0_BADVADDR
    KIND mfc0_context, mfc0 $t0, C0_CONTEXT
    KIND mtc0_context, mtc0 $zero, C0_CONTEXT
    KIND mtc0_entrylo0, mtc0 $zero, C0_ENTRYLO0
    KIND mfc0_count, mfc0 $t0, C0_COUNT

    /* Compare half a Count period away: the timer never fires during the loop. */
    KIND_BEGIN mtc0_compare
    mfc0 $s1, C0_COUNT
    li $t1, 0x7FFFFFFF
    subu $s1, $s1, $t1
    LOOP8 mtc0 $s1, C0_COMPARE
    KIND_END mtc0_compare, 1

    KIND mtc0_entryhi_same, mtc0 $zero, C0_ENTRYHI

    /* Alternating ASIDs: every write is an address-space switch. */
    KIND_BEGIN mtc0_entryhi_asid
    li $s1, 1
    li $s2, 2
    LOOP8 asid_pair
    mtc0 $zero, C0_ENTRYHI
    KIND_END mtc0_entryhi_asid, 2

    KIND_BEGIN tlbp_miss
    li $t1, VPN2_UNUSED
    mtc0 $t1, C0_ENTRYHI
    ehb
    LOOP8 tlbp
    mtc0 $zero, C0_ENTRYHI
    KIND_END tlbp_miss, 1

    KIND_BEGIN tlbr
    mtc0 $zero, C0_INDEX
    ehb
    LOOP8 tlbr
    mtc0 $zero, C0_ENTRYHI
    KIND_END tlbr, 1

    KIND_BEGIN tlbwi
    li $t1, 1
    mtc0 $t1, C0_INDEX
    li $t1, VPN2_TLBWI
    mtc0 $t1, C0_ENTRYHI
    mtc0 $zero, C0_ENTRYLO0
    mtc0 $zero, C0_ENTRYLO1
    mtc0 $zero, C0_PAGEMASK
    ehb
    LOOP8 tlbwi
    mtc0 $zero, C0_ENTRYHI
    KIND_END tlbwi, 1

    /* Wired = the last index (Config1.MMUSize), so Random, and tlbwr, can only use that entry. */
    KIND_BEGIN tlbwr
    mfc0 $t1, C0_CONFIG, 1
    ext $t1, $t1, 25, 6
    mtc0 $t1, C0_WIRED
    li $t1, VPN2_TLBWR
    mtc0 $t1, C0_ENTRYHI
    mtc0 $zero, C0_ENTRYLO0
    mtc0 $zero, C0_ENTRYLO1
    mtc0 $zero, C0_PAGEMASK
    ehb
    LOOP8 tlbwr
    mtc0 $zero, C0_WIRED
    mtc0 $zero, C0_ENTRYHI
    KIND_END tlbwr, 1

    /* Status.IM is all zero, so ei never lets an interrupt in. */
    KIND_BEGIN di_ei
    LOOP8 di_ei_pair
    di
    KIND_END di_ei, 2

    KIND_BEGIN cache_hwb_d
    la $s1, cache_buf
    LOOP8 cache 0x19, 0($s1)
    KIND_END cache_hwb_d, 1

    KIND_BEGIN cache_hinv_i
    la $s1, cache_buf
    LOOP8 cache 0x10, 0($s1)
    KIND_END cache_hinv_i, 1

    KIND rdhwr_cc, rdhwr $t0, $2

    /* Nothing so far may have raised an exception (an unimplemented kind would show up here as
     * Reserved Instruction, and its timing would be the exception's). */
    la $t0, exc_info
    lw $t1, EXC_COUNT($t0)
    bnez $t1, fail
    nop

    /* syscall: exception entry, the start-up code's handler (it saves CP0 state and returns to
     * EPC + 4), and eret: the cost of one guest exception round trip. */
    KIND_BEGIN syscall_roundtrip
    LOOP8 syscall
    la $t0, exc_info
    lw $t1, EXC_COUNT($t0)
    li $t2, PRIV_CHUNK * 8
    mul $t2, $t2, $s4
    bne $t1, $t2, fail
    nop
    KIND_END syscall_roundtrip, 1

    /* eret needs EXL set before each one: mtc0 Status + ehb + eret per op, 8 ops per iteration. */
    KIND_BEGIN eret
    mfc0 $s1, C0_STATUS
    ori $s1, $s1, S_EXL
    LOOP8 eret_once
    KIND_END eret, 1

    la $a0, str_bye
    jal puts
    nop
    move $ra, $s7
    jr $ra
    nop
fail:
    la $a0, str_fail
    jal puts
    nop
    j test_fail
    nop
    .end test_main

/* puts(a0): the NUL-terminated string to the test device, one byte per store. */
    .ent puts
puts:
    li $t8, TESTDEV
1:  lbu $t9, 0($a0)
    beqz $t9, 2f
    addiu $a0, $a0, 1
    b 1b
    sw $t9, TESTDEV_PUTC($t8)
2:  jr $ra
    nop
    .end puts

/* put_dec(a0): a0 in decimal. */
    .ent put_dec
put_dec:
    addiu $sp, $sp, -16
    move $t0, $sp
    li $t1, 10
1:  divu $zero, $a0, $t1
    mfhi $t2
    mflo $a0
    addiu $t2, $t2, '0'
    sb $t2, 0($t0)
    bnez $a0, 1b
    addiu $t0, $t0, 1
    li $t8, TESTDEV
2:  addiu $t0, $t0, -1
    lbu $t2, 0($t0)
    bne $t0, $sp, 2b
    sw $t2, TESTDEV_PUTC($t8)
    jr $ra
    addiu $sp, $sp, 16
    .end put_dec

/* op_begin(a0 = name): "@@op NAME begin\n". */
    .ent op_begin
op_begin:
    move $s6, $ra
    move $s5, $a0
    la $a0, str_op
    jal puts
    nop
    move $a0, $s5
    jal puts
    nop
    la $a0, str_begin
    jal puts
    nop
    jr $s6
    nop
    .end op_begin

/* op_end(a0 = name, a1 = ops): "@@op NAME end ops=N\n". */
    .ent op_end
op_end:
    move $s6, $ra
    move $s5, $a0
    move $s4, $a1
    la $a0, str_op
    jal puts
    nop
    move $a0, $s5
    jal puts
    nop
    la $a0, str_end
    jal puts
    nop
    move $a0, $s4
    jal put_dec
    nop
    la $a0, str_nl
    jal puts
    nop
    jr $s6
    nop
    .end op_end

    .section .rodata
str_hello: .asciz "@@micro privops begin\n"
str_bye: .asciz "@@micro privops end\n"
str_fail: .asciz "@@micro privops FAIL: unexpected exception count\n"
str_op: .asciz "@@op "
str_begin: .asciz " begin\n"
str_end: .asciz " end ops="
str_nl: .asciz "\n"

    .data
    .align 5
cache_buf:
    .space 64
