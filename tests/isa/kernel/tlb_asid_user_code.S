/*
 * User code at one virtual address belongs to whichever address space the
 * ASID selects (PRA 4.9: a non-global entry matches only its own ASID). User
 * VA 0x00400000 maps under ASID A to one physical page and under ASID B to
 * another, whose code differs only in what it adds; both call a shared global
 * page with jal and come back with jr, so the calls leave the page (a
 * translator's cross-page lookup) and the returns jump through a register (its
 * indirect lookup) to the same virtual PCs in both address spaces. The kernel
 * runs the code under A, B, A, B: each run must add its own page's constant,
 * whatever an earlier run under the other ASID left cached.
 */
#include "kernel_util.h"
#define CODE_X 0x00400000 /* the per-ASID page */
#define CODE_Y 0x00402000 /* the shared global page */
#define ASID_A 0x31
#define ASID_B 0x32
    DEFINE_UHOOK

/* Runs the user code at CODE_X under ASID asid; it returns its sum in $v0. */
    .macro RUN_AS asid
    SET_ASID \asid
    li $t0, CODE_X
    ENTER_USER $t0, back\@
back\@:
    HOOK_REMOVE
    KERNEL_STATUS
    .endm

TEST_BEGIN 5, 4
    move $s7, $ra
    la $t0, page_a
    PA_LO $t1, $t0, (LO_C3 | LO_D | LO_V)
    li $t3, CODE_X | ASID_A
    TLB_WRITE_R 1, $t3, $t1, $zero, PM_4K
    la $t0, page_b
    PA_LO $t1, $t0, (LO_C3 | LO_D | LO_V)
    li $t3, CODE_X | ASID_B
    TLB_WRITE_R 2, $t3, $t1, $zero, PM_4K
    la $t0, page_y
    PA_LO $t1, $t0, LO_VDG
    li $t2, (LO_C3 | LO_G)                 /* odd page invalid, global */
    li $t3, CODE_Y
    TLB_WRITE_R 3, $t3, $t1, $t2, PM_4K

    RUN_AS ASID_A
    CHECK_EQ $v0, 3                        /* 1 + 1 + 1 */
    RUN_AS ASID_B
    CHECK_EQ $v0, 60                       /* 20 * 3 */
    RUN_AS ASID_A
    CHECK_EQ $v0, 3
    RUN_AS ASID_B
    CHECK_EQ $v0, 60
    SET_ASID 0
    CHECK_EXC EXC_COUNT, 0                 /* nothing but the syscalls */
    move $ra, $s7
TEST_END

/* The two versions of CODE_X: three calls into CODE_Y, adding 1 (A) or 20 (B) after each. */
    .macro XPAGE step
    li $s1, 3
    li $v0, 0
1:  .word 0x0C000000 | (CODE_Y >> 2)       /* jal CODE_Y (a kuseg target from kseg0-linked code) */
    nop
    addiu $v0, $v0, \step
    addiu $s1, $s1, -1
    bnez $s1, 1b
    nop
    syscall
    .endm

    .text
    .balign 4096
page_a:
    XPAGE 1
    .balign 4096
page_b:
    XPAGE 20
    .balign 4096
page_y:
    jr $ra
    nop
