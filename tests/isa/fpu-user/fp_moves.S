/*
 * Moving data without arithmetic (Vol. II MTC1, MFC1, MTHC1, MFHC1, LWC1, SWC1, LDC1, SDC1,
 * LWXC1, SWXC1, LDXC1, SDXC1, LUXC1, SUXC1, MOV.fmt, MOVZ.fmt, MOVN.fmt): all 32 registers
 * hold independent 32-bit values; a 64-bit value in an even register is, with Status.FR = 0,
 * the register pair (odd register = high word) and with FR = 1 one register, its odd
 * neighbour untouched (Vol. I-A, FPU registers and FR). Memory is little-endian: the low word
 * of a double at the lower address. The indexed forms add base and index; luxc1/suxc1
 * (FR = 1 only) ignore the low 3 bits of that sum; prefx (a hint) does nothing, whatever its
 * address (Vol. II PREFX). mov.fmt copies any bit pattern, a
 * signalling NaN included, and leaves FCSR alone (not an arithmetic operation).
 */
#include "isa.h"
#include "user_util.h"
#include "fpu_util.h"

    .data
    .align 3
buf: .word 0x11111111, 0x22222222, 0x33333333, 0x44444444
    .word 0x55555555, 0x66666666, 0x77777777, 0x88888888
out: .space 32

/* $fN = 0xA000000N .. and back: every register separately */
    .macro ALL_REGS_W
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    li $t8, (0xA0000000 + \n)
    mtc1 $t8, $f\n
    .endr
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    CHECK_S $f\n, (0xA0000000 + \n)
    .endr
    .endm

    .text
#if __mips_fpr == 64
TEST_BEGIN 68 + 4                   /* + luxc1/suxc1 (FR = 1 only) */
#else
TEST_BEGIN 68 + 1                   /* + the odd half of ldc1 (FR = 0 only) */
#endif
    SET_FCSR 0
    ALL_REGS_W
    /* a double written into $f4 with mtc1 + mthc1 */
    LI_S $f5, 0x5555AAAA
    LI_D $f4, 0x12345678, 0x9ABCDEF0
    CHECK_D $f4, 0x12345678, 0x9ABCDEF0
#if __mips_fpr == 64
    CHECK_S $f5, 0x5555AAAA     /* FR = 1: the odd register is separate */
    /* mtc1 replaces only the low word */
    LI_S $f4, 0x0BADF00D
    CHECK_D $f4, 0x12345678, 0x0BADF00D
#else
    CHECK_S $f5, 0x12345678     /* FR = 0: the high word is the odd register */
    LI_S $f5, 0xCAFEBABE
    CHECK_D $f4, 0xCAFEBABE, 0x9ABCDEF0
#endif
    /* loads and stores */
    la $s0, buf
    lwc1 $f6, 4($s0)
    CHECK_S $f6, 0x22222222
    addiu $s1, $s0, 16
    lwc1 $f7, -12($s1)
    CHECK_S $f7, 0x22222222
    ldc1 $f8, 8($s0)
    CHECK_D $f8, 0x44444444, 0x33333333
#if __mips_fpr == 32
    CHECK_S $f9, 0x44444444
#endif
    la $s2, out
    swc1 $f6, 0($s2)
    sdc1 $f8, 8($s2)
    CHECK_MEMW $s2, 0, 0x22222222
    CHECK_MEMW $s2, 8, 0x33333333
    CHECK_MEMW $s2, 12, 0x44444444
    /* indexed: base + index */
    li $s3, 20
    lwxc1 $f10, $s3($s0)
    CHECK_S $f10, 0x66666666
    li $s3, 24
    ldxc1 $f12, $s3($s0)
    CHECK_D $f12, 0x88888888, 0x77777777
    li $s3, 4
    swxc1 $f10, $s3($s2)
    li $s3, 16
    sdxc1 $f12, $s3($s2)
    CHECK_MEMW $s2, 4, 0x66666666
    CHECK_MEMW $s2, 16, 0x77777777
    CHECK_MEMW $s2, 20, 0x88888888
    /* prefx is a hint: nothing happens, not even for a wild address */
    li $s3, 0x7FFFFFF0
    prefx 0, $s3($s0)
    prefx 7, $zero($zero)
    /* the index may be negative, the base in either register */
    addiu $s4, $s0, 32
    li $s3, -32
    ldxc1 $f14, $s3($s4)
    CHECK_D $f14, 0x22222222, 0x11111111
#if __mips_fpr == 64
    /* luxc1/suxc1: bits 2:0 of base + index are ignored */
    li $s3, 13
    luxc1 $f16, $s3($s0)        /* buf + 13 -> buf + 8 */
    CHECK_D $f16, 0x44444444, 0x33333333
    li $s3, 31
    suxc1 $f16, $s3($s2)        /* out + 31 -> out + 24 */
    CHECK_MEMW $s2, 24, 0x33333333
    CHECK_MEMW $s2, 28, 0x44444444
#endif
    /* mov.fmt: any pattern, FCSR untouched (Cause stays what the add below left) */
    LI_S $f2, 0x3F800000
    LI_S $f4, 0x33800000
    add.s $f0, $f2, $f4         /* inexact: Cause = I */
    LI_S $f2, 0x7FC00001        /* a signalling NaN */
    mov.s $f18, $f2
    CHECK_S $f18, 0x7FC00001
    LI_D $f2, 0xFFF80000, 0x00000001
    mov.d $f20, $f2
    CHECK_D $f20, 0xFFF80000, 0x00000001
    CHECK_FCSR (FCAUSE(FX_I) | FFLAG(FX_I))
    /* movz.fmt / movn.fmt on a GPR */
    li $s5, 0
    li $s6, 3
    LI_S $f2, 0x40400000
    LI_S $f22, 0
    movz.s $f22, $f2, $s6       /* $s6 != 0: no move */
    CHECK_S $f22, 0
    movz.s $f22, $f2, $s5
    CHECK_S $f22, 0x40400000
    LI_D $f2, 0x40080000, 0x00000007
    LI_D $f24, 0, 0
    movn.d $f24, $f2, $s5       /* $s5 == 0: no move */
    CHECK_D $f24, 0, 0
    movn.d $f24, $f2, $s6
    CHECK_D $f24, 0x40080000, 0x00000007
    LI_S $f26, 0
    movn.s $f26, $f2, $s6
    CHECK_S $f26, 0x00000007
    LI_D $f28, 1, 1
    movz.d $f28, $f2, $s5
    CHECK_D $f28, 0x40080000, 0x00000007
    CHECK_FCSR (FCAUSE(FX_I) | FFLAG(FX_I))
    /* mfc1 to $zero changes nothing */
    mfc1 $zero, $f2
    CHECK_EQ $zero, 0
    SET_FCSR 0
UTEST_END
