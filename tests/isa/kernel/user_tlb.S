/*
 * TLB exceptions from user mode (PRA 6.2.5-6.2.7): a miss on a kuseg data
 * address goes to the refill vector (EXL was 0), an invalid page to the
 * general vector, a store to a clean (D = 0) page raises Mod; in each case
 * Status shows UM with EXL set, EPC = the user instruction, BadVAddr and
 * EntryHi.VPN2 = the address with the current ASID. A global mapping and
 * one under the current ASID both work for user loads and stores.
 */
#include "kernel_util.h"
    DEFINE_UHOOK
    .data
    .balign 4096
dpage: .word 0x0D0D0D0D
    .space 4092
    .text
    .macro URUN blk
    UVA $t0, \blk
    ENTER_USER $t0, back\@
back\@:
    HOOK_REMOVE
    KERNEL_STATUS
    .endm
TEST_BEGIN 22, 9
    MAP_USER_PAGES
    /* entry 1: VA 0x10000000 even = dpage, read-only, ASID 0x21; odd invalid */
    la $t0, dpage
    PA_LO $t1, $t0, (LO_C3 | LO_V)
    li $t2, 0x10000021
    TLB_WRITE_R 1, $t2, $t1, $zero, PM_4K
    SET_ASID 0x21
    li $s0, 0x10000000
    URUN u_load
    CHECK_EXC EXC_COUNT, 0
    CHECK_EQ $t5, 0x0D0D0D0D

    URUN u_store                   /* D = 0: Mod */
    CHECK_EXC EXC_COUNT, 1
    CHECK_CODE X_MOD
    CHECK_EXC EXC_VECTOR, 0x180
    CHECK_EXC EXC_BADVADDR, 0x10000004
    CHECK_EXC EXC_ENTRYHI, 0x10000021
    UVA $t2, u_store
    CHECK_EXC_REG EXC_EPC, $t2
    EXC_LOAD $t3, EXC_STATUS
    CHECK_MASK $t3, 0x1F, (S_UM | S_EXL)

    URUN u_odd                     /* V = 0: TLBL, general vector */
    CHECK_EXC EXC_COUNT, 2
    CHECK_CODE X_TLBL
    CHECK_EXC EXC_VECTOR, 0x180
    CHECK_EXC EXC_BADVADDR, 0x10001000

    URUN u_miss                    /* no entry: refill vector */
    CHECK_EXC EXC_COUNT, 3
    CHECK_CODE X_TLBS
    CHECK_EXC EXC_VECTOR, 0x000
    CHECK_EXC EXC_BADVADDR, 0x20000008
    CHECK_EXC EXC_ENTRYHI, 0x20000021

    SET_ASID 0x22                  /* entry 1 no longer matches */
    URUN u_load
    CHECK_EXC EXC_COUNT, 4
    CHECK_CODE X_TLBL
    CHECK_EXC EXC_VECTOR, 0x000
    CHECK_EXC EXC_ENTRYHI, 0x10000022
TEST_END

    USER_CODE_BEGIN
u_load:
    lw $t5, 0($s0)
    syscall
u_store:
    sw $t5, 4($s0)
    syscall
u_odd:
    lw $t6, 0x1000($s0)
    syscall
u_miss:
    li $t7, 0x20000000
    sw $t5, 8($t7)
    syscall
