/*
 * Self-modifying code where a store overwrites only part of a translated
 * run, or none of it. A translator that invalidates by byte range (rather
 * than whole pages) must still catch every store that touches a byte of
 * some block: two blocks that overlap (entered at fn_a and at fn_b, one
 * instruction later, both ending at the same jr) must both see a byte
 * store into their shared instruction; a store of the last byte of a
 * block (the high byte of its delay slot) and a halfword store over the
 * first instruction's immediate must be seen too. And a store into the
 * same page that overwrites no instruction (a counter kept between the
 * functions) must simply happen, every time, while that code keeps
 * running. No caches on this machine (see smc_rewrite_executed.S), so a
 * plain store is enough. Encodings (ISA): addiu rt, rs, imm is
 * 0x24000000 | rs << 21 | rt << 16 | imm; slti is opcode 0x0A.
 */
#include "kernel_util.h"
TEST_BEGIN 13
    move $s7, $ra

    /* Overlapping blocks: enter at fn_a and at fn_b before and after the store. */
    jal fn_a
    nop
    CHECK_EQ $a2, 3
    jal fn_b
    nop
    CHECK_EQ $a2, 3
    la $t0, shared_site
    li $t1, 7
    sb $t1, 0($t0)                  /* addiu $a2, $zero, 3 -> 7: one byte of both blocks */
    jal fn_b
    nop
    CHECK_EQ $a2, 7
    jal fn_a
    nop
    CHECK_EQ $a2, 7
    CHECK_EQ $v0, 1
    CHECK_EQ $v1, 2

    /* The last byte of a block: the opcode byte of its delay slot. */
    jal fn_c
    nop
    CHECK_EQ $v0, 5
    la $t0, slot_site
    li $t1, 0x28                    /* addiu $v0, $zero, 5 -> slti $v0, $zero, 5 */
    sb $t1, 3($t0)
    jal fn_c
    nop
    CHECK_EQ $v0, 1

    /* The first instruction of a block, by a halfword store over its immediate. */
    jal fn_d
    nop
    CHECK_EQ $v0, 0x11
    la $t0, first_site
    li $t1, 0x1234
    sh $t1, 0($t0)
    jal fn_d
    nop
    CHECK_EQ $v0, 0x1234

    /* Stores into the code's page that overwrite no instruction, interleaved with running it. */
    la $t0, counter
    sw $zero, 0($t0)
    li $s0, 0
    li $s1, 0
1:  jal fn_a
    nop
    addu $s1, $s1, $a2              /* fn_a still returns 7 */
    lw $t1, 0($t0)
    addiu $t1, $t1, 1
    sw $t1, 0($t0)
    sb $t1, 4($t0)                  /* the byte right after the counter, also data */
    addiu $s0, $s0, 1
    li $t2, 50
    bne $s0, $t2, 1b
    nop
    lw $t1, 0($t0)
    CHECK_EQ $t1, 50
    lbu $t1, 4($t0)
    CHECK_EQ $t1, 50
    CHECK_EQ $s1, 350

    move $ra, $s7
TEST_END

    .text
    .align 4
fn_a:
    addiu $v0, $zero, 1
fn_b:
    addiu $v1, $zero, 2
shared_site:
    addiu $a2, $zero, 3
    jr $ra
    nop
counter:
    .word 0
    .word 0
fn_c:
    jr $ra
slot_site:
    addiu $v0, $zero, 5
fn_d:
first_site:
    addiu $v0, $zero, 0x11
    jr $ra
    nop
