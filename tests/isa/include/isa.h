/*
 * The ISA test framework: macros shared by every test program.
 *
 * A test is one .S file defining `test_main` (a leaf called with jal; it
 * returns with `jr $ra` after its checks). Tests under user/ must run both on
 * the bare test machine and as static Linux programs (TARGET_LINUX); tests
 * under kernel/ (and fpu/, nofpu/) run in kernel mode on the bare machine
 * and, built with TARGET_MALTA (lib/crt_malta.S), on QEMU's Malta board,
 * where the crt reports the same pass/fail, check count ($fp) and exception
 * count (EXC_TOTAL) on the UART instead of the test device. The test device's other registers (TESTDEV_IRQ,
 * TESTDEV_ICOUNT) have no Malta counterpart: tests using them are listed as
 * not run there in tests/isa/run-qemu.sh.
 *
 * Reserved registers: $fp counts checks (the failing one is reported),
 * $t9 is the scratch of the CHECK macros, $k0/$k1 belong to the exception
 * handler. Everything is assembled with .set noreorder: write delay slots.
 *
 * Declared counts. A program opens with `TEST_BEGIN checks[, exceptions]`:
 *   checks      the exact number of checks ($fp increments) a passing run
 *               performs, loops included (a check inside a loop counts once
 *               per iteration);
 *   exceptions  the exact number of exceptions a passing run takes through
 *               the start-up code's vectors, hooked ones included (default 0).
 * They become the global absolute symbols `test_checks` and `test_exceptions`
 * of the ELF (`readelf -s`; tests/lib.sh isa_declared reads them), so any
 * start-up code or runner can use them. Passing means: the program returned
 * from test_main AND the check count and the exception count it reached
 * equal the declared ones. The comparison is made outside the guest: the
 * start-up code only reports what it counted (the bare crt writes $fp and
 * EXC_TOTAL to the test device, mvisor prints "test passed (N checks, E
 * exceptions, ...)"; the Malta crt prints "PASS N checks, E exceptions"; the
 * Linux crt prints "PASS N checks"), and the runners (tests/isa/run.sh,
 * tests/isa/run-qemu.sh) compare them with the ELF's symbols. So a wrong jump
 * that skips a stretch of checks, or an exception the crt's handler resumed
 * from silently, fails the program even though it "returned". A Linux build
 * must declare 0 exceptions (any exception would end the process). Start-up
 * code that takes exceptions of its own (to enter user mode, to refill the
 * TLB, ...) reports only the program's: the declaration is the program's,
 * the same under every start-up code.
 */
#ifndef ISA_H
#define ISA_H

#define TESTDEV 0xBFB00000 /* kseg1 view of the test device */
#define TESTDEV_RESULT 0x00
#define TESTDEV_PUTC 0x04
#define TESTDEV_CHECK 0x08
#define TESTDEV_IRQ 0x0C
#define TESTDEV_ICOUNT 0x10
#define TESTDEV_EXCEPTIONS 0x14 /* the crt reports EXC_TOTAL here before RESULT */

/* exc_info layout (bare machine only), see lib/crt_bare.S */
#define EXC_COUNT 0    /* exceptions taken */
#define EXC_CAUSE 4    /* Cause at the last exception */
#define EXC_EPC 8      /* EPC at the last exception */
#define EXC_BADVADDR 12
#define EXC_STATUS 16  /* Status at the last exception (EXL already set) */
#define EXC_VECTOR 20  /* offset of the vector taken from its base: 0x000, 0x180, 0x200, or 0x380/0x200+BEV (see crt) */
#define EXC_RESUME 24  /* if nonzero: eret goes here (then cleared); else EPC+4 */
#define EXC_HOOK 28    /* if nonzero: the handler jumps here (k0 = vector offset) instead */
#define EXC_CONTEXT 32
#define EXC_ENTRYHI 36
#define EXC_ERROREPC 40
#define EXC_TOTAL 44   /* every exception since start-up (the crt's own count; never reset by tests) */

    .set noreorder
    .set noat

/* Begin the test body, declaring its counts (see the top of this file). */
    .macro TEST_BEGIN checks=-1, exceptions=0
    .if (\checks) < 0
    .error "TEST_BEGIN: declare the number of checks"
    .endif
#ifdef TARGET_LINUX
    .if \exceptions
    .error "TEST_BEGIN: a Linux build cannot survive an exception; declare 0"
    .endif
#endif
    .globl test_checks
    .globl test_exceptions
    .set test_checks, \checks
    .set test_exceptions, \exceptions
    .text
    .globl test_main
    .ent test_main
test_main:
    .endm

    .macro TEST_END
    jr $ra
    nop
    .end test_main
    .endm

/* reg == 32-bit constant */
    .macro CHECK_EQ reg, val
    addiu $fp, $fp, 1
    li $t9, \val
    bne \reg, $t9, test_fail
    nop
    .endm

/* reg == reg */
    .macro CHECK_REG ra, rb
    addiu $fp, $fp, 1
    bne \ra, \rb, test_fail
    nop
    .endm

/* An unconditional failure (e.g. on a path that must not be reached). */
    .macro FAIL
    addiu $fp, $fp, 1
    b test_fail
    nop
    .endm

/* Set EXC_RESUME to label (bare only): the next exception returns there. */
    .macro EXC_RESUME_AT label
    la $t9, \label
    la $k1, exc_info
    sw $t9, EXC_RESUME($k1)
    .endm

/* Load an exc_info field into reg (bare only). */
    .macro EXC_LOAD reg, field
    la $t9, exc_info
    lw \reg, \field($t9)
    .endm

#endif
