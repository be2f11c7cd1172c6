/* GPR[0] is hardwired to zero: ALU, immediate, shift and set-on-less results written to $0 are discarded (Vol. I, CPU registers). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 11
    li $t0, 0x12345678
    li $t1, 0x0fedcba9
    addu $zero, $t0, $t1
    CHECK_EQ $zero, 0
    addiu $zero, $zero, 1
    CHECK_EQ $zero, 0
    lui $zero, 0xffff
    CHECK_EQ $zero, 0
    ori $zero, $t0, 0xffff
    xori $zero, $t0, 0x1
    andi $zero, $t0, 0xffff
    CHECK_EQ $zero, 0
    subu $zero, $zero, $t0
    and $zero, $t0, $t1
    or $zero, $t0, $t1
    xor $zero, $t0, $t1
    nor $zero, $t0, $t1
    CHECK_EQ $zero, 0
    sll $zero, $t0, 4           /* sll $0 forms are the NOP family; all are no-ops */
    srl $zero, $t0, 4
    sra $zero, $t0, 4
    sllv $zero, $t0, $t1
    srav $zero, $t0, $t1
    rotr $zero, $t0, 3
    CHECK_EQ $zero, 0
    slt $zero, $zero, $t0
    sltu $zero, $zero, $t0
    slti $zero, $zero, 5
    sltiu $zero, $zero, 5
    CHECK_EQ $zero, 0
    movz $zero, $t0, $zero      /* a move that "happens" still leaves 0 */
    movn $zero, $t0, $t0
    CHECK_EQ $zero, 0
    addu $t2, $zero, $zero      /* reading $0 as a source */
    CHECK_EQ $t2, 0
    or $t2, $t0, $zero
    CHECK_EQ $t2, 0x12345678
UTEST_END
