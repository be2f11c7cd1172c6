/*
 * Helpers for the bare-machine privileged-architecture tests (tests/isa/kernel).
 *
 * Register conventions on top of isa.h: $t8 is the scratch register of the
 * macros below (as $t9 is for CHECK_*); tests must not keep values in $t8
 * across a macro. References in comments:
 *   PRA  = MIPS32 Architecture for Programmers Vol. III, Privileged Resource
 *          Architecture, Release 2
 *   ISA  = MIPS32 Architecture for Programmers Vol. II, Release 2
 */
#ifndef KERNEL_UTIL_H
#define KERNEL_UTIL_H

#include "isa.h"

/* CP0 register numbers (PRA ch. 9) */
#define C0_INDEX $0
#define C0_RANDOM $1
#define C0_ENTRYLO0 $2
#define C0_ENTRYLO1 $3
#define C0_CONTEXT $4
#define C0_PAGEMASK $5
#define C0_WIRED $6
#define C0_HWRENA $7
#define C0_BADVADDR $8
#define C0_COUNT $9
#define C0_ENTRYHI $10
#define C0_COMPARE $11
#define C0_STATUS $12
#define C0_CAUSE $13
#define C0_EPC $14
#define C0_PRID $15
#define C0_CONFIG $16
#define C0_LLADDR $17
#define C0_ERRCTL $26
#define C0_ERROREPC $30
#define C0_DESAVE $31

/* Exception codes (PRA table "Cause Register ExcCode Field") */
#define X_INT 0
#define X_MOD 1
#define X_TLBL 2
#define X_TLBS 3
#define X_ADEL 4
#define X_ADES 5
#define X_SYS 8
#define X_BP 9
#define X_RI 10
#define X_CPU 11
#define X_OV 12
#define X_TR 13
#define X_MCHECK 24

/* Status bits */
#define S_IE 0x00000001
#define S_EXL 0x00000002
#define S_ERL 0x00000004
#define S_UM 0x00000010
#define S_IM0 0x00000100
#define S_IM1 0x00000200
#define S_IM2 0x00000400
#define S_IM7 0x00008000
#define S_BEV 0x00400000
#define S_CU0 0x10000000
#define S_CU1 0x20000000

/* Cause bits */
#define CA_IP0 0x00000100
#define CA_IP1 0x00000200
#define CA_IP7 0x00008000
#define CA_IV 0x00800000
#define CA_DC 0x08000000
#define CA_TI 0x40000000
#define CA_BD 0x80000000

/* EntryLo flag bits (PRA 9.6): C (5:3), D (2), V (1), G (0) */
#define LO_G 0x01
#define LO_V 0x02
#define LO_D 0x04
#define LO_C3 0x18 /* cacheable, noncoherent */
#define LO_VDG (LO_C3 | LO_D | LO_V | LO_G)

/* PageMask values (PRA table "Values for the Mask Field of the PageMask Register") */
#define PM_4K 0x00000000
#define PM_16K 0x00006000
#define PM_64K 0x0001E000
#define PM_256K 0x0007E000
#define PM_1M 0x001FE000
#define PM_4M 0x007FE000
#define PM_16M 0x01FFE000

/* reg & mask == val (mask and val are constants) */
    .macro CHECK_MASK reg, mask, val
    li $t9, \mask
    and $t8, \reg, $t9
    CHECK_EQ $t8, \val
    .endm

/* reg == address of label */
    .macro CHECK_LABEL reg, label
    addiu $fp, $fp, 1
    la $t9, \label
    bne \reg, $t9, test_fail
    nop
    .endm

/* lo <= reg <= hi, unsigned, constants */
    .macro CHECK_RANGE reg, lo, hi
    addiu $fp, $fp, 1
    li $t9, \lo
    sltu $t9, \reg, $t9
    bnez $t9, test_fail
    nop
    li $t9, \hi
    sltu $t9, $t9, \reg
    bnez $t9, test_fail
    nop
    .endm

/* exc_info.field == constant */
    .macro CHECK_EXC field, val
    EXC_LOAD $t8, \field
    CHECK_EQ $t8, \val
    .endm

/* exc_info.field == register */
    .macro CHECK_EXC_REG field, reg
    EXC_LOAD $t8, \field
    CHECK_REG $t8, \reg
    .endm

/* exc_info.field == address of label */
    .macro CHECK_EXC_LABEL field, label
    EXC_LOAD $t8, \field
    CHECK_LABEL $t8, \label
    .endm

/* label_lo <= exc_info.field <= label_hi (e.g. the EPC of an asynchronous interrupt) */
    .macro CHECK_EXC_BETWEEN field, label_lo, label_hi
    EXC_LOAD $t8, \field
    addiu $fp, $fp, 1
    la $t9, \label_lo
    sltu $t9, $t8, $t9
    bnez $t9, test_fail
    nop
    la $t9, \label_hi
    sltu $t9, $t9, $t8
    bnez $t9, test_fail
    nop
    .endm

/* Cause.ExcCode of the last recorded exception */
    .macro CHECK_CODE code
    EXC_LOAD $t8, EXC_CAUSE
    andi $t8, $t8, 0x7C
    CHECK_EQ $t8, (\code << 2)
    .endm

/* Cause.BD of the last recorded exception */
    .macro CHECK_BD bit
    EXC_LOAD $t8, EXC_CAUSE
    srl $t8, $t8, 31
    CHECK_EQ $t8, \bit
    .endm

/* Status.EXL was set when the handler ran */
    .macro CHECK_EXL_SET
    EXC_LOAD $t8, EXC_STATUS
    andi $t8, $t8, S_EXL
    CHECK_EQ $t8, S_EXL
    .endm

/* The usual synchronous-exception check: count, code, EPC = label, vector */
    .macro CHECK_EXC_AT count, code, label, vector
    CHECK_EXC EXC_COUNT, \count
    CHECK_CODE \code
    CHECK_EXC_LABEL EXC_EPC, \label
    CHECK_EXC EXC_VECTOR, \vector
    .endm

/* mfc0 into $t8 and compare */
    .macro CHECK_C0 reg, sel, val
    mfc0 $t8, \reg, \sel
    CHECK_EQ $t8, \val
    .endm

/* Zero the exception counter (EXC_COUNT; the crt's EXC_TOTAL, compared with the declared count, keeps counting) */
    .macro EXC_CLEAR
    la $t8, exc_info
    sw $zero, EXC_COUNT($t8)
    .endm

    .macro HOOK_INSTALL label
    la $t8, \label
    la $t9, exc_info
    sw $t8, EXC_HOOK($t9)
    .endm

    .macro HOOK_REMOVE
    la $t9, exc_info
    sw $zero, EXC_HOOK($t9)
    .endm

/* dst = EntryLo for the physical page behind kseg0/kseg1 address src, with flags */
    .macro PA_LO dst, src, flags
    sll \dst, \src, 3
    srl \dst, \dst, 15
    sll \dst, \dst, 6
    ori \dst, \dst, \flags
    .endm

/* Write TLB entry idx from registers (hi, lo0, lo1) and a constant page mask. */
    .macro TLB_WRITE_R idx, hi, lo0, lo1, mask
    li $t8, \idx
    mtc0 $t8, C0_INDEX
    li $t8, \mask
    mtc0 $t8, C0_PAGEMASK
    mtc0 \hi, C0_ENTRYHI
    mtc0 \lo0, C0_ENTRYLO0
    mtc0 \lo1, C0_ENTRYLO1
    ehb
    tlbwi
    ehb
    .endm

/* Write TLB entry idx from constants. */
    .macro TLB_WRITE idx, hi, lo0, lo1, mask
    li $t8, \idx
    mtc0 $t8, C0_INDEX
    li $t8, \mask
    mtc0 $t8, C0_PAGEMASK
    li $t8, \hi
    mtc0 $t8, C0_ENTRYHI
    li $t8, \lo0
    mtc0 $t8, C0_ENTRYLO0
    li $t8, \lo1
    mtc0 $t8, C0_ENTRYLO1
    ehb
    tlbwi
    ehb
    .endm

/* Set the current ASID (EntryHi, VPN2 = 0) */
    .macro SET_ASID asid
    li $t8, \asid
    mtc0 $t8, C0_ENTRYHI
    ehb
    .endm

/*
 * ihook: an EXC_HOOK for interrupt tests. Records the exception like the crt
 * handler, clears Status.IE (so a level-triggered source does not re-enter
 * at once), then returns to EXC_RESUME if set, else to EPC itself (an
 * interrupted instruction has not executed, PRA 6.1.3).
 */
    .macro DEFINE_IHOOK
    .text
ihook:
    lw $k0, EXC_COUNT($k1)
    addiu $k0, $k0, 1
    sw $k0, EXC_COUNT($k1)
    mfc0 $k0, $13
    sw $k0, EXC_CAUSE($k1)
    mfc0 $k0, $14
    sw $k0, EXC_EPC($k1)
    mfc0 $k0, $12
    sw $k0, EXC_STATUS($k1)
    ori $k0, $k0, S_IE
    xori $k0, $k0, S_IE
    mtc0 $k0, $12
    lw $k0, EXC_RESUME($k1)
    beqz $k0, 1f
    nop
    sw $zero, EXC_RESUME($k1)
    mtc0 $k0, $14
1:  ehb
    eret
    .endm

/*
 * uhook: an EXC_HOOK for user-mode tests.
 *  - syscall: the way back to kernel mode. Saves EPC in u_sys_epc and Status
 *    in u_sys_status, clears Status.KSU and returns to EXC_RESUME in kernel mode.
 *  - anything else: recorded in exc_info like the crt handler, then returns
 *    (keeping the mode) to u_resume if set (cleared once used), else EPC + 4.
 * The crt handler stores EXC_VECTOR before calling the hook; the syscall
 * path puts back the vector of the last recorded exception (u_vector), so
 * exc_info describes the last non-syscall exception as a whole.
 */
    .macro DEFINE_UHOOK
    .data
    .align 2
u_sys_epc: .word 0
u_sys_status: .word 0
u_resume: .word 0
u_vector: .word 0
    .text
uhook:
    mfc0 $k0, $13
    andi $k0, $k0, 0x7C
    xori $k0, $k0, (X_SYS << 2)
    bnez $k0, 2f
    nop
    mfc0 $k0, $14
    la $k1, u_sys_epc
    sw $k0, 0($k1)
    mfc0 $k0, $12
    sw $k0, 4($k1)
    lw $k0, 12($k1)                /* u_vector */
    la $k1, exc_info
    sw $k0, EXC_VECTOR($k1)
    mfc0 $k0, $12
    ori $k0, $k0, 0x18
    xori $k0, $k0, 0x18
    mtc0 $k0, $12
    la $k1, exc_info
    lw $k0, EXC_RESUME($k1)
    sw $zero, EXC_RESUME($k1)
    mtc0 $k0, $14
    ehb
    eret
2:  la $k1, exc_info
    lw $k0, EXC_VECTOR($k1)
    la $k1, u_vector
    sw $k0, 0($k1)
    la $k1, exc_info
    lw $k0, EXC_COUNT($k1)
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
    la $k1, u_resume
    lw $k0, 0($k1)
    beqz $k0, 3f
    nop
    sw $zero, 0($k1)
    mtc0 $k0, $14
    ehb
    eret
3:  mfc0 $k0, $14
    addiu $k0, $k0, 4
    mtc0 $k0, $14
    ehb
    eret
    .endm

/*
 * User pages: USER_VA maps (TLB entry 0, global) to the physical page of the
 * page-aligned label `upage` (even page) and the page after it (odd page).
 * Tests put user code after `upage` (see USER_CODE_BEGIN).
 */
#define USER_VA 0x00400000

    .macro USER_CODE_BEGIN
    .text
    .balign 4096
upage:
    .endm

/* dst = user virtual address of label (label in the user pages) */
    .macro UVA dst, label
    la \dst, \label
    la $t9, upage
    subu \dst, \dst, $t9
    lui $t9, (USER_VA >> 16)
    addu \dst, \dst, $t9
    .endm

/* Map USER_VA.. with entry 0; uses $t0-$t2 */
    .macro MAP_USER_PAGES
    la $t0, upage
    PA_LO $t1, $t0, LO_VDG
    addiu $t2, $t1, (1 << 6)   /* next physical page */
    li $t0, USER_VA
    TLB_WRITE_R 0, $t0, $t1, $t2, PM_4K
    .endm

/*
 * Enter user mode at the user VA in register `va`: Status = UM | EXL
 * (+ extra bits), EPC = va, eret (PRA 9.40: eret clears EXL, the mode
 * then comes from KSU). When the user code issues syscall, uhook brings
 * control back to label `back` in kernel mode.
 */
    .macro ENTER_USER va, back, extra=0
    HOOK_INSTALL uhook
    EXC_RESUME_AT \back
    mtc0 \va, C0_EPC
    li $t8, (S_UM | S_EXL | \extra)
    mtc0 $t8, C0_STATUS
    ehb
    eret
    .endm

/* Move Compare half a Count period away and clear Cause.TI (PRA 9.15:
 * "writing Compare clears the timer interrupt"), so the timer stays quiet. */
    .macro TIMER_FAR
    mfc0 $t8, C0_COUNT
    li $t9, 0x80000000
    addu $t8, $t8, $t9
    mtc0 $t8, C0_COMPARE
    ehb
    .endm

/*
 * Arm the timer `lead` Count ticks ahead: $t1 = Compare = Count + lead. Count runs at its own
 * pace (PRA 9.11: "incrementing at a constant rate"), not the program's: if it has already
 * passed the new Compare by the time Compare is written (the instructions in between took
 * more than `lead` ticks; on QEMU, whose Count is host time, translating the next block can),
 * the interrupt would come only after Count wraps, so arm again with the lead doubled. Use it
 * with the timer interrupt masked (IE = 0 or IM7 = 0). Uses $t8, $t9.
 */
    .macro TIMER_ARM lead
    li $t9, \lead
71: mfc0 $t1, C0_COUNT
    addu $t1, $t1, $t9
    mtc0 $t1, C0_COMPARE
    ehb
    mfc0 $t8, C0_CAUSE
    srl $t8, $t8, 30                /* Cause.TI: Count reached Compare after the write */
    andi $t8, $t8, 1
    bnez $t8, 72f
    mfc0 $t8, C0_COUNT
    subu $t8, $t8, $t1              /* Count - Compare < 0: still ahead, armed */
    bltz $t8, 72f
    nop
    b 71b
    sll $t9, $t9, 1
72:
    .endm

/*
 * After TIMER_ARM: wait for Cause.TI, which must come once Count reaches Compare ($t1); a
 * check fails if Count gets 2^27 ticks past Compare without it. The bound is in Count ticks,
 * not loop iterations, so it holds however fast the loop runs. Leaves Cause in $t3. Uses $t4,
 * $t9.
 */
    .macro TIMER_POLL_TI
73: mfc0 $t3, C0_CAUSE
    li $t9, CA_TI
    and $t4, $t3, $t9
    bnez $t4, 74f
    nop
    mfc0 $t4, C0_COUNT
    subu $t4, $t4, $t1              /* ticks past Compare (negative before it) */
    bltz $t4, 73b
    li $t9, 0x08000000
    sltu $t4, $t4, $t9
    bnez $t4, 73b
    nop
    FAIL                            /* no TI */
74:
    .endm

/* Write EBase with Status.BEV = 1 (PRA 9.40: changing ExceptionBase while
 * BEV = 0 is UNDEFINED), then restore the Status the caller had. Uses $t8, $t9. */
    .macro SET_EBASE val
    mfc0 $t9, C0_STATUS
    li $t8, S_BEV
    or $t8, $t8, $t9
    mtc0 $t8, C0_STATUS
    ehb
    li $t8, \val
    mtc0 $t8, $15, 1
    ehb
    mtc0 $t9, C0_STATUS
    ehb
    .endm

/* Restore the crt's kernel Status (CU0 only, IE = 0) */
    .macro KERNEL_STATUS
    li $t8, S_CU0
    mtc0 $t8, C0_STATUS
    ehb
    .endm

#endif
