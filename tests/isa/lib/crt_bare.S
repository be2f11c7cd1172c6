/*
 * Start-up and exception handling for ISA tests on the bare test machine.
 *
 * The CPU enters _start in the architectural reset state (Status.BEV = 1,
 * ERL = 1). We switch to BEV = 0 with EBase = 0x80000000, call test_main,
 * and report through the test device: the check count ($fp) and the number
 * of exceptions taken (EXC_TOTAL), then the result. Every vector funnels into
 * one handler that counts the exception in EXC_TOTAL, records it in exc_info
 * and returns to EXC_RESUME (if set) or to EPC + 4, unless the test installed
 * EXC_HOOK. Resuming at EPC + 4 would swallow an unexpected exception; the
 * runner fails a program whose EXC_TOTAL differs from its declaration
 * (TEST_BEGIN in isa.h).
 *
 * Built with -DTARGET_MALTA (and lib/crt_malta.S, lib/malta.ld) the same
 * start-up and handler run on qemu-system-mipsel -M malta instead: there the
 * result goes out on the UART and the program ends through the board's
 * reset register (crt_malta.S). _start sets every Status bit it relies on,
 * so it does not matter that QEMU's boot stub enters it with ERL = 0.
 */
#include "isa.h"

/* FPU test builds (-DISA_FPU) start with CP1 usable, Status.FR as the build's FP ABI wants. */
#if defined(ISA_FPU) && __mips_fpr == 64
#define ST_FPU 0x24000000 /* CU1 | FR */
#elif defined(ISA_FPU)
#define ST_FPU 0x20000000 /* CU1 */
#else
#define ST_FPU 0
#endif

    .section .vectors, "ax"
    .globl vec_refill
vec_refill:                 /* EBase + 0x000 */
    b common_handler
    li $k0, 0x000
    .org 0x180
vec_general:                /* EBase + 0x180 */
    b common_handler
    li $k0, 0x180
    .org 0x200
vec_interrupt:              /* EBase + 0x200 (Cause.IV = 1) */
    b common_handler
    li $k0, 0x200

common_handler:
    la $k1, exc_info
    sw $k0, EXC_VECTOR($k1)
    lw $k0, EXC_TOTAL($k1)         /* every exception, hooked or not; tests never reset it */
    addiu $k0, $k0, 1
    sw $k0, EXC_TOTAL($k1)
    lw $k0, EXC_HOOK($k1)
    beqz $k0, 1f
    nop
    jr $k0
    lw $k0, EXC_VECTOR($k1)
1:  lw $k0, EXC_COUNT($k1)
    addiu $k0, $k0, 1
    sw $k0, EXC_COUNT($k1)
    mfc0 $k0, $13
    sw $k0, EXC_CAUSE($k1)
    mfc0 $k0, $14
    sw $k0, EXC_EPC($k1)
    mfc0 $k0, $8
    sw $k0, EXC_BADVADDR($k1)
    mfc0 $k0, $12
    sw $k0, EXC_STATUS($k1)
    mfc0 $k0, $4
    sw $k0, EXC_CONTEXT($k1)
    mfc0 $k0, $10
    sw $k0, EXC_ENTRYHI($k1)
    mfc0 $k0, $30
    sw $k0, EXC_ERROREPC($k1)
    lw $k0, EXC_RESUME($k1)
    beqz $k0, 2f
    nop
    sw $zero, EXC_RESUME($k1)
    mtc0 $k0, $14
    ehb
    eret
2:  mfc0 $k0, $14
    addiu $k0, $k0, 4
    mtc0 $k0, $14
    ehb
    eret

    /* Boot-exception vectors (Status.BEV = 1): 0xBFC00200 refill, 0xBFC00380 general,
     * 0xBFC00400 interrupt with Cause.IV. Recorded as 0x1200, 0x1380 and 0x1400. */
    .section .bev, "ax"
bev_refill:                 /* 0xBFC00200 */
    b bev_common
    li $k0, 0x1200
    .org 0x180
bev_general:                /* 0xBFC00380 */
    b bev_common
    li $k0, 0x1380
    .org 0x200
bev_interrupt:              /* 0xBFC00400 */
    b bev_common
    li $k0, 0x1400
bev_common:
    la $k1, common_handler
    jr $k1
    nop

    .text
    .globl _start
    .ent _start
_start:
    li $t0, 0x10400000      /* CU0 | BEV: EBase may only be written while BEV = 1 (PRA EBase) */
    mtc0 $t0, $12
    ehb
    li $t0, 0x80000000
    mtc0 $t0, $15, 1        /* EBase */
    li $t0, 0x10000000 | ST_FPU /* CU0 (+ FPU): BEV = 0, ERL = 0, EXL = 0, kernel mode, IE = 0 */
    mtc0 $t0, $12
    mtc0 $zero, $13         /* Cause: IV = 0, software interrupts clear */
    ehb
    /* The TLB comes out of reset undefined (PRA, "TLB Initialization": hardware does not
     * initialize it; software gives every entry a unique VPN2), and on QEMU's Malta a reset
     * entry matches VPN2 0 as an invalid page. Like Linux's local_flush_tlb_all: entry i
     * gets VPN2 0x80000000 + i * 8 KiB (kseg0, never mapped, so it matches nothing), ASID 0,
     * both pages invalid, 4 KiB mask. */
    mfc0 $t0, $16, 1        /* Config1: MMUSize - 1 in bits 30:25 */
    srl $t0, $t0, 25
    andi $t0, $t0, 0x3F
    mtc0 $zero, $2          /* EntryLo0 */
    mtc0 $zero, $3          /* EntryLo1 */
    mtc0 $zero, $5          /* PageMask */
    li $t1, 0x80000000
5:  mtc0 $t0, $0            /* Index */
    sll $t2, $t0, 13
    addu $t2, $t2, $t1
    mtc0 $t2, $10           /* EntryHi */
    ehb
    tlbwi
    bnez $t0, 5b
    addiu $t0, $t0, -1
    mtc0 $zero, $10
    mtc0 $zero, $0
    ehb
    la $sp, _stack_top
#ifdef TARGET_MALTA
    jal malta_quiet         /* crt_malta.S: no board device may raise an interrupt line */
    nop
#endif
    move $fp, $zero
    la $t0, exc_info
    addiu $t1, $t0, 64
1:  sw $zero, 0($t0)
    addiu $t0, $t0, 4
    bne $t0, $t1, 1b
    nop
    jal test_main
    nop
#ifdef TARGET_MALTA
    j malta_pass            /* crt_malta.S: "PASS $fp checks" on the UART, then off */
    nop
#else
    li $t0, TESTDEV
    sw $fp, TESTDEV_CHECK($t0)
    la $t1, exc_info
    lw $t1, EXC_TOTAL($t1)
    sw $t1, TESTDEV_EXCEPTIONS($t0)
    sw $zero, TESTDEV_RESULT($t0)
3:  b 3b
    nop
#endif
    .end _start

    .globl test_fail
test_fail:
#ifdef TARGET_MALTA
    j malta_fail            /* "FAIL at check $fp" */
    nop
#else
    li $t0, TESTDEV
    sw $fp, TESTDEV_CHECK($t0)
    la $t1, exc_info
    lw $t1, EXC_TOTAL($t1)
    sw $t1, TESTDEV_EXCEPTIONS($t0)
    li $t1, 1
    sw $t1, TESTDEV_RESULT($t0)
4:  b 4b
    nop
#endif

    .data
    .align 4
    .globl exc_info
exc_info:
    .space 64
