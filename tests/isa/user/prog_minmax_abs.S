/* Program: branch-free min/max/abs with SLT/SLTU + MOVN/MOVZ, over signed and unsigned views of the same pairs.
 * Expected by hand from the definitions of signed/unsigned order. */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 9
    li $t0, -5
    li $t1, 3
    slt $t2, $t0, $t1
    move $t3, $t1               /* smin = t0 < t1 ? t0 : t1 */
    movn $t3, $t0, $t2
    CHECK_EQ $t3, -5
    move $t4, $t0               /* smax */
    movn $t4, $t1, $t2
    CHECK_EQ $t4, 3
    sltu $t2, $t0, $t1          /* unsigned: 0xfffffffb is the larger */
    move $t3, $t1
    movn $t3, $t0, $t2
    CHECK_EQ $t3, 3
    move $t4, $t1
    movz $t4, $t0, $t2
    CHECK_EQ $t4, 0xfffffffb
    li $t0, -12345              /* abs via movn on the sign */
    subu $t1, $zero, $t0
    slt $t2, $t0, $zero
    movn $t0, $t1, $t2
    CHECK_EQ $t0, 12345
    li $t0, 777
    subu $t1, $zero, $t0
    slt $t2, $t0, $zero
    movn $t0, $t1, $t2
    CHECK_EQ $t0, 777
    li $t0, -12345              /* abs via sra mask: (x ^ m) - m */
    sra $t1, $t0, 31
    xor $t0, $t0, $t1
    subu $t0, $t0, $t1
    CHECK_EQ $t0, 12345
    li $t0, 0x80000000          /* abs(INT_MIN) wraps to itself */
    sra $t1, $t0, 31
    xor $t0, $t0, $t1
    subu $t0, $t0, $t1
    CHECK_EQ $t0, 0x80000000
UTEST_END
