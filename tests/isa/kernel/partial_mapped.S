/*
 * lwl/lwr/swl/swr through a mapped page (ISA LWL, LWR, SWL, SWR, the
 * little-endian byte tables; PRA 4.9 address translation), each run
 * twice from the same code: the first pass finds nothing in a software
 * TLB (a translator's slow path does the merge), the second finds the
 * page (an inline merge). The register merged into is a plain value
 * (not a constant a translator could fold) or the base itself, a
 * stored value a register or a constant. Then the exceptions, which
 * leave rt and memory as they were and report the unaligned address
 * (ISA: vAddr): a TLB refill on lwl and lwr, TLB Modified on swr to a
 * read-only page; and a swl over an instruction's immediate, which the
 * code must see the next time it runs.
 */
#include "kernel_util.h"
    .data
    .balign 4096
page: .space 8192
TEST_BEGIN 43, 3
    move $s7, $ra
    la $s3, page                   /* the pair's kseg0 view */
    addiu $s6, $s3, 0x1000
    PA_LO $t2, $s3, (LO_C3 | LO_V | LO_G)     /* even: read-only */
    addiu $t3, $t2, (1 << 6) + LO_D           /* odd: writable */
    li $s0, 0x00300000
    addiu $s1, $s0, 0x1000
    TLB_WRITE_R 5, $s0, $t2, $t3, PM_4K
    li $s5, 0xAABBCCDD
    li $s4, 2
pass:
    li $t0, 0x44332211
    sw $t0, 0x100($s3)
    li $t0, 0x88776655
    sw $t0, 0x104($s3)
    sw $s5, 0x200($s6)
    sw $zero, 0x204($s6)
    sw $zero, 0x208($s6)
    sw $zero, 0x20C($s6)
    b 1f                           /* a new block: $s5 is no constant in it */
    nop
1:  addu $t0, $s5, $zero
    lwl $t0, 0x101($s0)            /* b = 1: bytes 0x11 0x22 into the top half */
    CHECK_EQ $t0, 0x2211CCDD
    addu $t0, $s5, $zero
    lwr $t0, 0x102($s0)            /* b = 2: bytes 0x33 0x44 into the low half */
    CHECK_EQ $t0, 0xAABB4433
    addu $t1, $s5, $zero
    lwr $t1, 0x101($s0)            /* the unaligned word at 0x101: 0x55443322 */
    lwl $t1, 0x104($s0)
    CHECK_EQ $t1, 0x55443322
    addiu $t2, $s0, 0x100
    lwl $t2, 3($t2)                /* rt is the base; b = 3: the whole word */
    CHECK_EQ $t2, 0x44332211
    addiu $t2, $s0, 0x104
    lwr $t2, 0($t2)                /* b = 0: the whole word */
    CHECK_EQ $t2, 0x88776655
    li $t4, 0x11223344
    swl $t4, 0x201($s1)            /* b = 1: rt's top two bytes at offsets 0, 1 */
    lw $t5, 0x200($s6)
    CHECK_EQ $t5, 0xAABB1122
    addu $t6, $s5, $zero
    swr $t6, 0x206($s1)            /* b = 2: rt's low two bytes at offsets 2, 3 */
    lw $t5, 0x204($s6)
    CHECK_EQ $t5, 0xCCDD0000
    li $t7, 0x99887766
    swr $t7, 0x209($s1)            /* the unaligned word at 0x209 */
    swl $t7, 0x20C($s1)
    lw $t5, 0x208($s6)
    CHECK_EQ $t5, 0x88776600
    lw $t5, 0x20C($s6)
    CHECK_EQ $t5, 0x00000099
    addu $t6, $s5, $zero
    swl $t6, 0x203($s1)            /* b = 3: the whole word */
    lw $t5, 0x200($s6)
    CHECK_EQ $t5, 0xAABBCCDD
    lwl $zero, 0x101($s0)          /* to $zero: nothing changes */
    lwr $zero, 0x101($s0)
    CHECK_EQ $zero, 0
    addiu $s4, $s4, -1
    bnez $s4, pass
    nop
    CHECK_EQ $s4, 0

    /* exceptions: rt and memory as they were, BadVAddr the unaligned address */
    addu $t0, $s5, $zero
l1: lwl $t0, 0x2001($s0)
    CHECK_REG $t0, $s5
    CHECK_EXC_AT 1, X_TLBL, l1, 0x000
    CHECK_EXC EXC_BADVADDR, 0x00302001
    addu $t0, $s5, $zero
l2: lwr $t0, 0x2ffe($s0)
    CHECK_REG $t0, $s5
    CHECK_EXC_AT 2, X_TLBL, l2, 0x000
    CHECK_EXC EXC_BADVADDR, 0x00302FFE
    addu $t6, $s5, $zero
s1: swr $t6, 0x103($s0)
    CHECK_EXC_AT 3, X_MOD, s1, 0x180
    CHECK_EXC EXC_BADVADDR, 0x00300103
    lw $t5, 0x100($s3)
    CHECK_EQ $t5, 0x44332211

    /* swl over the immediate of an instruction that has run: the next run sees it */
    jal fn_imm
    nop
    CHECK_EQ $v0, 1
    la $t0, imm_site
    li $t1, 0x00070000
    swl $t1, 1($t0)                /* b = 1: rt's top two bytes over the low half, the immediate */
    jal fn_imm
    nop
    CHECK_EQ $v0, 7
    move $ra, $s7
TEST_END

    .text
    .align 4
fn_imm:
imm_site:
    addiu $v0, $zero, 1
    jr $ra
    nop
