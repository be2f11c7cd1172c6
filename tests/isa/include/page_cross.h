/*
 * Shared by the tests of branches in the last word of a page (kernel/ds_page_cross.S,
 * user/branch_page_end.S): a function that ends its page with a branch whose delay slot is the
 * next page's first word, and the call loop that runs one three times from one call site.
 */
#ifndef ISA_PAGE_CROSS_H
#define ISA_PAGE_CROSS_H

/* What follows a branch to 1f at a page's end: the slot adds \slot to v0, the fall-through
 * \fall, the target (word 4, label 1) \target; both return. */
    .macro BRANCH_ARMS slot=1, fall=100, target=10
    addiu $v0, $v0, \slot
    addiu $v0, $v0, \fall
    jr $ra
    nop
1:  addiu $v0, $v0, \target
    jr $ra
    nop
    .endm

/* A function (three words before a page's end) whose linking branch \br on a0 is the page's last
 * word: the slot adds 1, the target 10 and returns through the link, which is cross_link_ret (left
 * in v1), where 100 is added and the function returns (through t7). */
    .macro LINK_ARMS br
    move $t7, $ra
    li $v0, 0
    \br $a0, 1f
    addiu $v0, $v0, 1
cross_link_ret:
    move $v1, $ra
    addiu $v0, $v0, 100
    jr $t7
    nop
1:  jr $ra
    addiu $v0, $v0, 10
    .endm

/* s0 = sum over three calls (jalr through t4, loaded by \load_t4) with a0 = \a */
    .macro CALL3_BY a, load_t4:vararg
    li $s1, 3
    li $s0, 0
1:  li $a0, \a
    \load_t4
    jalr $t4
    nop
    addu $s0, $s0, $v0
    addiu $s1, $s1, -1
    bnez $s1, 1b
    nop
    .endm

#endif
