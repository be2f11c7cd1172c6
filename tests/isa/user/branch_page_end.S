/*
 * Branches in the last word of a page with the delay slot on the next one
 * (Vol. II, "Branch delay slot"). As mapped user code (umode/: the program's
 * first word is 32 bytes before a TLB-pair boundary, and each page sits in
 * its own scattered frame) the words placed by PAGE_END below are the last
 * of their pages, so the slot is fetched through another TLB entry and
 * frame than its branch; on the other builds they are ordinary branches and
 * the results are the same. Each kind runs three times from one call site,
 * taken and not: bne, bnel (not taken: the slot is nullified), bltzal (the
 * link written either way) and a jalr that is all its block holds.
 */
#include "isa.h"
#include "user_util.h"
#include "page_cross.h"

/* Pads so that, in the umode layout (test_main at 0x00401FE0), the page ends after \words more words. */
    .macro PAGE_END words
    .skip (0x1000 - 4 * \words - (((. - test_main) + 0xFE0) & 0xFFF)) & 0xFFF
    .endm

    .macro CALL3 fn, a
    CALL3_BY \a, la $t4, \fn
    .endm

TEST_BEGIN 10
    b body
    nop
    PAGE_END 2
cross_bne:                              /* the branch at 0x00401FFC in umode */
    li $v0, 0
    bne $a0, $zero, 1f
    BRANCH_ARMS                         /* the slot: 0x00402000, the next TLB pair */

    PAGE_END 2
cross_bnel:
    li $v0, 0
    bnel $a0, $zero, 1f
    BRANCH_ARMS

    PAGE_END 3
cross_link:
    LINK_ARMS bltzal
add_twenty:
    jr $ra
    addiu $v0, $v0, 20

    PAGE_END 2
cross_jalr:                             /* t6: where to go; the link lands past the slot */
    move $t7, $ra
    jalr $t6
    addiu $v0, $zero, 7
    addiu $v0, $v0, 1000
    jr $t7
    nop

body:
    move $s7, $ra
    CALL3 cross_bne, 1
    CHECK_EQ $s0, 33                    /* taken: 1 + 10 */
    CALL3 cross_bne, 0
    CHECK_EQ $s0, 303                   /* not taken: 1 + 100 */
    CALL3 cross_bnel, 1
    CHECK_EQ $s0, 33
    CALL3 cross_bnel, 0
    CHECK_EQ $s0, 300                   /* the slot nullified */
    CALL3 cross_link, -1
    CHECK_EQ $s0, 333                   /* taken: 1 + 10 + 100 */
    la $t0, cross_link_ret
    CHECK_REG $v1, $t0
    CALL3 cross_link, 0
    CHECK_EQ $s0, 303
    la $t0, cross_link_ret
    CHECK_REG $v1, $t0
    la $t6, add_twenty
    CALL3 cross_jalr, 0
    CHECK_EQ $s0, 3081                  /* 7 + 20 + 1000 */
    move $ra, $s7
UTEST_END
