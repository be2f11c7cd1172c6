/* Byte-swap idioms from R2 primitives: WSBH+ROTR 16 reverses a word; WSBH+SEH a signed halfword (Vol. II, WSBH notes). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 5
    li $t0, 0x11223344
    wsbh $t1, $t0
    rotr $t1, $t1, 16
    CHECK_EQ $t1, 0x44332211
    li $t0, 0xdeadbeef
    wsbh $t1, $t0
    rotr $t1, $t1, 16
    CHECK_EQ $t1, 0xefbeadde
    li $t0, 0x12340080          /* little-endian 0x8000 read big-endian: -32768 */
    wsbh $t1, $t0
    seh $t1, $t1
    CHECK_EQ $t1, 0xffff8000
    li $t0, 0x0000ff7f
    wsbh $t1, $t0
    seh $t1, $t1
    CHECK_EQ $t1, 0x00007fff
UTEST_END
