/* addu/addiu wrap silently; values from the MIPS32 manual's definition (32-bit modular sum). */
#include "isa.h"
TEST_BEGIN 3
    li $t0, 0x7fffffff
    addiu $t1, $t0, 1
    CHECK_EQ $t1, 0x80000000
    li $t2, 0xffffffff
    addu $t3, $t2, $t2
    CHECK_EQ $t3, 0xfffffffe
    addiu $t4, $zero, -32768
    CHECK_EQ $t4, 0xffff8000
TEST_END
