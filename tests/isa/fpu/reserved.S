/*
 * The COP1 and COP1X opcode space beyond this FPU (Vol. II App. A, COP1 rs, COP1 function
 * per format, COP1X function tables): the paired-single format and its instructions
 * (FIR.PS = 0), MIPS-3D (FIR.3D = 0), MIPS64's dmfc1/dmtc1, conversions to the same format,
 * unassigned functions, rs values and COP1X functions. With CU1 = 1 they raise Reserved
 * Instruction; with CU1 = 0 Coprocessor Unusable comes first (CE = 1), as for every CP1
 * word. movf/movt are SPECIAL words but CP1 instructions: CpU without CU1.
 */
#include "kernel_util.h"
#include "user_util.h"
#include "fpu_util.h"

    .macro RES n, code, word
1:  .word \word
    CHECK_EXC_AT \n, \code, 1b, 0x180
    .endm

    /* the list, run twice: CU1 = 1 (RI) and CU1 = 0 (CpU) */
    .macro ALL base, code
    RES (\base + 1), \code, 0x46C41000   /* add.ps */
    RES (\base + 2), \code, 0x46C01005   /* abs.ps */
    RES (\base + 3), \code, 0x46041026   /* cvt.ps.s */
    RES (\base + 4), \code, 0x46801026   /* cvt.ps.pw */
    RES (\base + 5), \code, 0x46C01028   /* cvt.s.pu */
    RES (\base + 6), \code, 0x4600109D   /* recip1.s (MIPS-3D) */
    RES (\base + 7), \code, 0x4620109E   /* rsqrt1.d (MIPS-3D) */
    RES (\base + 8), \code, 0x45210003   /* bc1any2t (MIPS-3D) */
    RES (\base + 9), \code, 0x45410003   /* bc1any4t (MIPS-3D) */
    RES (\base + 10), \code, 0x44221800  /* dmfc1 (MIPS64) */
    RES (\base + 11), \code, 0x44A21800  /* dmtc1 (MIPS64) */
    RES (\base + 12), \code, 0x46001020  /* cvt.s.s */
    RES (\base + 13), \code, 0x46201021  /* cvt.d.d */
    RES (\base + 14), \code, 0x46801000  /* add with fmt = W */
    RES (\base + 15), \code, 0x46A01024  /* cvt.w.l */
    RES (\base + 16), \code, 0x46001010  /* S funct 0x10 (Release 6 sel.s) */
    RES (\base + 17), \code, 0x46001017  /* S funct 0x17 */
    RES (\base + 18), \code, 0x4600102A  /* S funct 0x2A */
    RES (\base + 19), \code, 0x45A01000  /* COP1 rs = 0x0D */
    RES (\base + 20), \code, 0x47001000  /* COP1 rs = 0x18 (MSA bz.b) */
    RES (\base + 21), \code, 0x4C82101E  /* alnv.ps */
    RES (\base + 22), \code, 0x4C441866  /* madd.ps */
    RES (\base + 23), \code, 0x4C441002  /* COP1X funct 0x02 */
    RES (\base + 24), \code, 0x4C441010  /* COP1X funct 0x10 */
    .endm

TEST_BEGIN 202, 50
    FPU_STATUS 1
    ALL 0, X_RI
    KERNEL_STATUS
    ALL 24, X_CPU
    EXC_LOAD $t3, EXC_CAUSE
    CHECK_MASK $t3, 0x30000000, 0x10000000
    /* movf/movt without CU1 */
    li $t0, 5
    li $t1, 9
1:  movf $t0, $t1, $fcc0
    CHECK_EXC_AT 49, X_CPU, 1b, 0x180
2:  movt $t0, $t1, $fcc7
    CHECK_EXC_AT 50, X_CPU, 2b, 0x180
    CHECK_EQ $t0, 5
    FPU_STATUS 1
TEST_END
