/* SYNC (stype 0 and the R2.5 light-weight stypes, which CPUs without them treat as SYNC 0) only orders memory (Vol. II, SYNC). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 6
    la $s0, cell
    li $t0, 0xabcd1234
    sw $t0, 0($s0)
    sync
    lw $t1, 0($s0)
    CHECK_EQ $t1, 0xabcd1234
    sync 0x4                    /* SYNC_WMB */
    sync 0x10                   /* SYNC_MB */
    sync 0x11                   /* SYNC_ACQUIRE */
    sync 0x12                   /* SYNC_RELEASE */
    sync 0x13                   /* SYNC_RMB */
    CHECK_EQ $t0, 0xabcd1234
    CHECK_MEMW $s0, 0, 0xabcd1234
    ll $t2, 0($s0)              /* an atomic increment followed by the usual SYNC barrier */
    addiu $t2, $t2, 1
    sc $t2, 0($s0)
    sync
    CHECK_EQ $t2, 1
    CHECK_MEMW $s0, 0, 0xabcd1235
UTEST_END
    .data
    .align 2
cell: .word 0
