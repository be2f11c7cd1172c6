/*
 * Helpers for the unprivileged ISA tests in tests/isa/user (include after isa.h).
 *
 * $t8 is the scratch register of these macros (besides $t9 of isa.h); tests that
 * use them must not keep live values in $t8 across a macro.
 */
#ifndef USER_UTIL_H
#define USER_UTIL_H

/* HI == hi and LO == lo (two checks). */
    .macro CHECK_HILO hi, lo
    mfhi $t8
    CHECK_EQ $t8, \hi
    mflo $t8
    CHECK_EQ $t8, \lo
    .endm

/* HI = hi, LO = lo. */
    .macro SET_HILO hi, lo
    li $t8, \hi
    mthi $t8
    li $t8, \lo
    mtlo $t8
    .endm

/* The word at off(base) == val. */
    .macro CHECK_MEMW base, off, val
    lw $t8, \off(\base)
    CHECK_EQ $t8, \val
    .endm

/* The zero-extended byte at off(base) == val. */
    .macro CHECK_MEMB base, off, val
    lbu $t8, \off(\base)
    CHECK_EQ $t8, \val
    .endm

/*
 * The conditional branch `br args, target` is taken (resp. not taken).
 * The delay slot is a nop; one check each.
 */
    .macro EXPECT_TAKEN br:req, args:vararg
    li $t8, 0
    \br \args, .Ltk\@
    nop
    li $t8, 1               /* fall-through path: wrong */
.Ltk\@:
    CHECK_EQ $t8, 0
    .endm

    .macro EXPECT_NOT_TAKEN br:req, args:vararg
    li $t8, 1
    \br \args, .Lnt\@
    nop
    li $t8, 0               /* fall-through path: right */
.Lnt\@:
    CHECK_EQ $t8, 0
    .endm

/*
 * No exception was taken so far. On the bare machine the crt's handler would
 * have silently resumed after a faulting instruction, so look at its count
 * (the runner also compares the crt's total with the declared 0, see isa.h);
 * under Linux any exception would have killed the process, and the check only
 * keeps the numbering the same.
 */
    .macro CHECK_NO_EXC
#ifdef TARGET_LINUX
    addiu $fp, $fp, 1
#else
    EXC_LOAD $t8, EXC_COUNT
    CHECK_EQ $t8, 0
#endif
    .endm

/* CHECK_EQ for code more than 128 KiB away from test_fail: leaves through J. */
    .macro CHECK_EQ_J reg, val
    addiu $fp, $fp, 1
    li $t9, \val
    beq \reg, $t9, .Lok\@
    nop
    j test_fail
    nop
.Lok\@:
    .endm

/* End of a user test: check that nothing trapped, then return. */
    .macro UTEST_END
    CHECK_NO_EXC
    TEST_END
    .endm

/* UTEST_END for code far from test_fail. */
    .macro UTEST_END_J
#ifdef TARGET_LINUX
    addiu $fp, $fp, 1
#else
    EXC_LOAD $t8, EXC_COUNT
    CHECK_EQ_J $t8, 0
#endif
    TEST_END
    .endm

#endif
