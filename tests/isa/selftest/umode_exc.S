/*
 * Harness self-test of the mapped user-mode kernel (tests/isa/lib/crt_umode.S, built only with
 * it): a user-mode exception must reach exc_info with its Cause, EPC and BadVAddr and be resumed
 * after, as the user programs' CHECK_NO_EXC assumes. Four faults, each at a known address of
 * the umode.ld layout: a load from the invalid padding page before the code (TLBL, the pair's
 * other page valid), a store to the invalid padding page before the data (TLBS), a store to a
 * read-only code page (Mod) and a load from kseg0 (AdEL). Codes: PRA table "Cause Register
 * ExcCode Field".
 */
#include "isa.h"
#include "user_util.h"

/* the last exception: ExcCode code at pc label with BadVAddr va, exception number n (4 checks) */
    .macro CHECK_LAST n, code, label, va
    EXC_LOAD $t8, EXC_COUNT
    CHECK_EQ $t8, \n
    EXC_LOAD $t8, EXC_CAUSE
    srl $t8, $t8, 2
    andi $t8, $t8, 0x1F
    CHECK_EQ $t8, \code
    EXC_LOAD $t8, EXC_EPC
    la $t9, \label             /* (li with a symbol would take its low 16 bits only) */
    CHECK_REG $t8, $t9
    EXC_LOAD $t8, EXC_BADVADDR
    la $t9, \va
    CHECK_REG $t8, $t9
    .endm

TEST_BEGIN 1 + 4 * 4 + 1, 4       /* the four faults, each checked by CHECK_LAST */
    li $s0, 0x00400010
    li $t1, 0x1234
f_tlbl:
    lw $t1, 0($s0)              /* resumed after: $t1 unchanged */
    CHECK_EQ $t1, 0x1234
    CHECK_LAST 1, 2, f_tlbl, 0x00400010
    li $s0, 0x00404020
f_tlbs:
    sw $t1, 0($s0)
    CHECK_LAST 2, 3, f_tlbs, 0x00404020
    la $s0, test_main
f_mod:
    sw $zero, 0($s0)
    CHECK_LAST 3, 1, f_mod, test_main
    lw $t1, 0($s0)              /* the code is intact */
    li $t8, 0x3c100040          /* lui $s0, 0x0040 */
    CHECK_REG $t1, $t8
    li $s0, 0x80001000
f_adel:
    lw $t1, 0($s0)
    CHECK_LAST 4, 4, f_adel, 0x80001000
TEST_END
