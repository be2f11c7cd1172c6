/*
 * A branch in the last word of a page, its delay slot the first word of the
 * next page (Vol. II, "Branch delay slot": the slot is simply the word after
 * the branch). Each kind runs several times from one call site, taken and
 * not taken: beq, beql (not taken: the slot is nullified), bgezal (the link,
 * PC + 8, lies on the next page and is written either way) and a jr that is
 * the first word its block could start with. Then the slot changes under
 * the branch: rewritten by a store (kseg0, the branch's page untouched), and
 * on a mapped pair of pages (kseg2) whose second page is remapped by tlbwi to
 * a frame with other code, and back. A translator that ran the slot it saw
 * the first time, or kept a stale mapping of the second page, fails here.
 */
#include "kernel_util.h"
#include "page_cross.h"
#define CODE_VA 0xC0200000

/* the second page of the mapped pair at CODE_VA: TLB entry 3 maps m_page0 and \page1 */
    .macro MAP_PAIR page1
    la $t0, m_page0
    PA_LO $t1, $t0, LO_VDG
    la $t0, \page1
    PA_LO $t2, $t0, LO_VDG
    li $t3, CODE_VA
    TLB_WRITE_R 3, $t3, $t1, $t2, PM_4K
    .endm

    .macro CALL3 fn, a
    CALL3_BY \a, la $t4, \fn
    .endm

    .macro CALL3_MAPPED a
    CALL3_BY \a, li $t4, CODE_VA + 0xFF8
    .endm

TEST_BEGIN 15
    move $s7, $ra
    /* beq: taken 1 + 10, not taken 1 + 100 */
    CALL3 cross_beq, 0
    CHECK_EQ $s0, 33
    CALL3 cross_beq, 1
    CHECK_EQ $s0, 303
    /* beql: taken 1 + 10, not taken 100 (the slot nullified) */
    CALL3 cross_beql, 0
    CHECK_EQ $s0, 33
    CALL3 cross_beql, 1
    CHECK_EQ $s0, 300
    /* bgezal: taken 1 + 10 + 100, not taken 1 + 100; the link is cross_link_ret either way */
    CALL3 cross_link, 0
    CHECK_EQ $s0, 333
    la $t0, cross_link_ret
    CHECK_REG $v1, $t0
    CALL3 cross_link, -1
    CHECK_EQ $s0, 303
    la $t0, cross_link_ret
    CHECK_REG $v1, $t0
    /* jr alone at the end of its page: the slot adds 7 */
    CALL3 cross_jr, 0
    CHECK_EQ $s0, 21
    /* the beq's slot rewritten to addiu $v0, $v0, 2 */
    la $t0, cross_beq_slot
    li $t1, 0x24420002
    sw $t1, 0($t0)
    CALL3 cross_beq, 0
    CHECK_EQ $s0, 36
    CALL3 cross_beq, 1
    CHECK_EQ $s0, 306

    /* mapped: the branch's page at CODE_VA, the slot's at CODE_VA + 4 KiB, one entry */
    MAP_PAIR m_page1a
    CALL3_MAPPED 0
    CHECK_EQ $s0, 33                     /* 1 + 10 */
    /* the second page remapped to m_page1b: slot 2, fall-through 200, target 20 */
    MAP_PAIR m_page1b
    CALL3_MAPPED 0
    CHECK_EQ $s0, 66                     /* 2 + 20 */
    CALL3_MAPPED 1
    CHECK_EQ $s0, 606                    /* 2 + 200 */
    /* and back */
    MAP_PAIR m_page1a
    CALL3_MAPPED 1
    CHECK_EQ $s0, 303                    /* 1 + 100 */
    move $ra, $s7
TEST_END

    .text
    .balign 4096
    .skip 4096 - 8
cross_beq:
    li $v0, 0
    beq $a0, $zero, 1f                   /* the last word of its page */
cross_beq_slot:                          /* the first of the next */
    BRANCH_ARMS

    .balign 4096
    .skip 4096 - 8
cross_beql:
    li $v0, 0
    beql $a0, $zero, 1f
    BRANCH_ARMS

    .balign 4096
    .skip 4096 - 12
cross_link:
    LINK_ARMS bgezal

    .balign 4096
    .skip 4096 - 4
cross_jr:
    jr $ra
    addiu $v0, $zero, 7

/* the mapped pair: m_page0 ends in the branch, m_page1a follows it, m_page1b is laid out alike */
    .balign 4096
m_page0:
    .skip 4096 - 8
    li $v0, 0
    beq $a0, $zero, m_page1a + 16
m_page1a:
    BRANCH_ARMS 1, 100, 10
    .balign 4096
m_page1b:
    BRANCH_ARMS 2, 200, 20
    .balign 4096
