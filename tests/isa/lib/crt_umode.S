/*
 * Start-up for the ISA user programs (tests/isa/user, tests/isa/fpu-user) run as mapped
 * user-mode code on the bare test machine: a small kernel in kseg0 and the program in kuseg.
 *
 * The kernel part switches to BEV = 0 with EBase = 0x80000000, copies the program's pages
 * (linked at 0x00400000, loaded at physical 0x00100000, see umode.ld) to physical frames in
 * reverse order two pages apart, so that neither VA = PA nor consecutive pages being
 * consecutive frames holds, and describes them in a page table read by a Context-based TLB
 * refill handler (PTEBase = PT_BASE, one 16-byte slot per even/odd page pair: EntryLo0,
 * EntryLo1; plus kpt_off, the running process's table). Code pages are mapped read-only (D = 0), data pages writable, all with G = 0
 * under ASID UM_ASID; the padding pages before the code and before the data stay invalid.
 * Only the top pair of the user stack is a wired TLB entry; every other page comes in through
 * the refill handler. test_main is entered by ERET with Status.KSU =
 * user, EXL = 0, CU0 = 0 (CU1 and FR as the FPU builds want).
 *
 * The program leaves through SYSCALL with the Linux o32 numbers crt_user.S uses: write
 * (4004; fd ignored, the bytes go to the test device, the kernel reading them through the
 * TLB in kernel mode with EXL = 0, as a kernel's copy from user space does) and exit (4001;
 * $a0 = 0 pass, else fail). exit stores the program's $fp (its check counter) in the test
 * device's CHECK register and the number of exceptions the program took in its EXCEPTIONS
 * register before RESULT, exactly as crt_bare.S does, so the runner compares them with the
 * same declaration (TEST_BEGIN, isa.h) as for the bare build of the same source. Counted are
 * the exceptions recorded in exc_info, the ones the program would see on the bare machine;
 * not this kernel's own: TLB refills, the exit and write system calls, and under UMODE_TIMER
 * the timer ticks, the TLB Modified faults of dirty-page tracking and process B's calls.
 *
 * Any other exception taken in user mode is recorded in exc_info (same layout as crt_bare.S,
 * placed in the program's data so that its CHECK_NO_EXC can read it) and resumed at
 * EXC_RESUME if set, else at EPC + 4, as crt_bare.S's handler does; a line naming it goes to
 * the console. EXC_HOOK is a kernel-mode facility and is not offered. An exception taken
 * while the kernel part runs (other than a refill) is a fault of this harness: it stops the
 * test with result 2.
 *
 * Built with -DUMODE_TIMER (the umode-irq tests), the program also runs under a timer
 * interrupt (Count/Compare, IP7) every 2..65 Count ticks (4..130 instructions), a
 * pseudo-random sequence. Each tick switches the ASID (UM_ASID <-> UM_ASID ^ 0xFF, re-pinning
 * the wired stack pair under the new one); every second tick also invalidates every non-wired
 * TLB entry; so refills, ASID changes and interrupts land at arbitrary points of the program
 * (delay slots, between an LWL and its LWR, inside translated blocks). Its writable pages are
 * mapped clean (D = 0), made dirty by the TLB Modified handler on a store (which then runs
 * again) and cleaned again with every flush, as a kernel tracking dirty pages does; and with
 * every second flush every page migrates to the other frame of its two, its old frame filled
 * with BREAK, as a kernel compacting memory does (a BREAK in user mode is then fatal: stale
 * code ran). Every third tick a second process, B, runs before the program resumes: its code
 * copied to the program's EPC and mapped there under UM_ASID_B through B's own page table, its
 * data word at the program's exc_info address in a frame of its own (see kswitch_b). The
 * program cannot see any of it, as a process does not see its kernel's timer or the other
 * processes, except that an ERET clears the LL bit: an SC whose LL was interrupted fails
 * (PRA, ERET), which a program may not assume away.
 */
#include "isa.h"

#if defined(ISA_FPU) && __mips_fpr == 64
#define ST_FPU 0x24000000 /* CU1 | FR */
#elif defined(ISA_FPU)
#define ST_FPU 0x20000000 /* CU1 */
#else
#define ST_FPU 0
#endif

#define UM_ASID 0x5A              /* the program's address-space id (EntryHi.ASID) */
#define PT_BASE 0x80800000        /* page table (Context.PTEBase): physical 8 MiB */
#define PT_LOW_MIB 16             /* the table covers kuseg's first 16 MiB and its last MiB */
#define FRAME_PA 0x00400000       /* the program's frames: physical 4 MiB .. 6 MiB */
#define FRAME_MAX_PAGES 256
#define STACK_PA 0x00700000       /* the stack's frames */
#define STACK_VA 0x7FFFC000       /* four stack pages at the top of kuseg */
#define STACK_TOP 0x7FFFFFF0
#define STACK_WIRED_VA 0x7FFFE000 /* the top pair, wired as TLB entry 0 */

#ifdef UMODE_TIMER
#define ST_USER (ST_FPU | 0x8000 | 0x10 | 0x2 | 0x1) /* + IM7 and IE: the timer interrupt */
#else
#define ST_USER (ST_FPU | 0x10 | 0x2) /* KSU = user, EXL = 1 until the ERET */
#endif
#define PTE_FLAGS 0x1A            /* C = 3 (cacheable), V; D added for the data pages */
#define PTE_D 0x4

#define SYS_EXIT 4001
#define SYS_WRITE 4004

/* Process B (UMODE_TIMER): another address space at the same addresses as the program's */
#define UM_ASID_B 0x33
#define PT_B_BASE 0x80C00000      /* its page table (the refill handler adds kpt_off to Context) */
#define B_FRAME1 0x00680000       /* its two code frames and its data frame */
#define B_FRAME2 0x00683000
#define B_DATA 0x00686000
#define UM_SYS_YIELD 5000         /* B's calls: back to the program; B's check failed */
#define UM_SYS_BFAIL 5001

#define KS_EPC (32 * 4)           /* ksave: the 32 registers, then these */
#define KS_STATUS (33 * 4)
#define KS_HI (34 * 4)            /* HI and LO: the kernel part divides and multiplies */
#define KS_LO (35 * 4)

    /* The registers the kernel part may use (HI and LO too), saved on every general exception. */
    .macro KSAVE_ALL
    la $k1, ksave
    .irp r, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 31
    sw $\r, 4 * \r($k1)
    .endr
    mfhi $k0
    sw $k0, KS_HI($k1)
    mflo $k0
    sw $k0, KS_LO($k1)
    .endm

    .macro KRESTORE_ALL
    la $k1, ksave
    lw $k0, KS_HI($k1)
    mthi $k0
    lw $k0, KS_LO($k1)
    mtlo $k0
    .irp r, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 31
    lw $\r, 4 * \r($k1)
    .endr
    .endm

    /* The page-table slot of the page holding VA va (PT_BASE + VA[31:13] * 16 + VA[12] * 4),
     * as the refill handler reads it through Context. */
    .macro PT_SLOT dst, va, tmp
    srl \dst, \va, 13
    sll \dst, \dst, 4
    li \tmp, PT_BASE
    addu \dst, \dst, \tmp
    srl \tmp, \va, 12
    andi \tmp, \tmp, 1
    sll \tmp, \tmp, 2
    addu \dst, \dst, \tmp
    .endm

    .section .vectors, "ax"
    /* TLB refill (EBase + 0x000, Status.EXL = 0): the R4000-style handler. Context holds
     * PTEBase | BadVPN2 << 4, the address of the faulting pair's slot. The table covers only
     * the first 16 MiB and the last 1 MiB of kuseg; elsewhere the pair is written invalid
     * (the access then takes a TLB invalid exception). */
vec_refill:
    mfc0 $k0, $8
    srl $k0, $k0, 20
    sltiu $k1, $k0, PT_LOW_MIB
    bnez $k1, 1f
    xori $k0, $k0, 0x7FF    /* the last MiB of kuseg */
    move $k1, $zero
    beqz $k0, 1f
    move $k0, $zero
    b 2f
    nop
1:  mfc0 $k1, $4
    la $k0, kpt_off         /* the running process's table: PTEBase is 8 MiB-aligned, and */
    lw $k0, 0($k0)          /* 16 MiB of RAM hold one such base past the kernel */
    addu $k1, $k1, $k0
    lw $k0, 0($k1)
    lw $k1, 4($k1)
2:  mtc0 $k0, $2
    mtc0 $k1, $3
    ehb
    tlbwr
    la $k0, krefills
    lw $k1, 0($k0)
    addiu $k1, $k1, 1
    sw $k1, 0($k0)
    eret
    .org 0x180
vec_general:
    j kgeneral
    nop
    .org 0x200
vec_interrupt:              /* Cause.IV = 1 is never set; kept for a stray one */
    j kgeneral
    nop

    .section .ktext, "ax"
kgeneral:
    KSAVE_ALL
    mfc0 $t1, $12
    andi $t1, $t1, 0x18     /* Status.KSU of the interrupted code (EXL does not change it) */
    beqz $t1, kfatal
    mfc0 $t0, $13
    srl $t0, $t0, 2
    andi $t0, $t0, 0x1F     /* ExcCode */
#ifdef UMODE_TIMER
    la $t1, kcur
    lw $t1, 0($t1)
    bnez $t1, kfrom_b       /* process B was running */
    nop
    beqz $t0, ktick         /* Int */
    li $t1, 1               /* Mod */
    beq $t0, $t1, kmod
    li $t1, 9               /* Bp: the poison of a migrated page was executed */
    beq $t0, $t1, kstale
    nop
#endif
    li $t1, 8               /* Sys */
    bne $t0, $t1, kuser_exc
    nop
    li $t1, SYS_WRITE
    beq $v0, $t1, ksys_write
    nop
    li $t1, SYS_EXIT
    beq $v0, $t1, ksys_exit
    nop
#ifdef UMODE_TIMER
    li $t1, UM_SYS_YIELD    /* process B's calls, from the program: it ran B's code */
    beq $v0, $t1, kb_in_a
    li $t1, UM_SYS_BFAIL
    beq $v0, $t1, kb_in_a
    nop
#endif
    /* an unknown system call is an exception like any other */

kuser_exc:
    la $t1, kuexc           /* the program's exception count, reported at exit: kept in the */
    lw $t0, 0($t1)          /* kernel's data, out of the program's reach */
    addiu $t0, $t0, 1
    sw $t0, 0($t1)
    la $a0, exc_info        /* through its kseg0 alias (its frame moves under UMODE_TIMER) */
    jal kva
    nop
    move $t1, $v0
    lw $t0, EXC_COUNT($t1)
    addiu $t0, $t0, 1
    sw $t0, EXC_COUNT($t1)
    lw $t0, EXC_TOTAL($t1)  /* as crt_bare.S keeps it (tests never reset it) */
    addiu $t0, $t0, 1
    sw $t0, EXC_TOTAL($t1)
    li $t0, 0x180
    sw $t0, EXC_VECTOR($t1)
    mfc0 $t0, $13
    sw $t0, EXC_CAUSE($t1)
    mfc0 $t0, $14
    sw $t0, EXC_EPC($t1)
    mfc0 $t0, $8
    sw $t0, EXC_BADVADDR($t1)
    mfc0 $t0, $12
    sw $t0, EXC_STATUS($t1)
    mfc0 $t0, $4
    sw $t0, EXC_CONTEXT($t1)
    mfc0 $t0, $10
    sw $t0, EXC_ENTRYHI($t1)
    mfc0 $t0, $30
    sw $t0, EXC_ERROREPC($t1)
    move $s0, $t1
    la $a0, msg_uexc
    jal kputs
    nop
    jal kput_exc_regs
    nop
    lw $t0, EXC_RESUME($s0)
    beqz $t0, 1f
    nop
    sw $zero, EXC_RESUME($s0)
    mtc0 $t0, $14
    b kreturn
    nop
1:  mfc0 $t0, $14
    addiu $t0, $t0, 4
    mtc0 $t0, $14
kreturn:
    KRESTORE_ALL
    ehb
    eret

#ifdef UMODE_TIMER
    /* The timer tick (an interrupt taken in user mode, resumed at EPC itself). */
ktick:
    mfc0 $t0, $13
    andi $t0, $t0, 0x8000   /* IP7: the timer */
    beqz $t0, kuser_exc     /* anything else is the program's */
    nop
    mfc0 $s0, $10
    andi $s0, $s0, 0xFF     /* the ASID */
    la $t3, kticks
    lw $t0, 0($t3)
    addiu $t0, $t0, 1
    sw $t0, 0($t3)
    andi $t0, $t0, 1
    bnez $t0, 3f
    nop
    /* every second tick: the writable pages clean again, every non-wired entry invalid, and
     * every fourth also every page migrated */
    la $t3, kticks
    lw $t0, 0($t3)
    andi $t0, $t0, 2
    bnez $t0, 4f
    nop
    la $a0, _user_start
    la $a1, _user_end
    jal kmigrate
    nop
    li $a0, STACK_VA
    li $a1, 0x80000000
    jal kmigrate
    nop
4:  la $a0, _user_data
    la $a1, _user_end
    jal kclean
    nop
    li $a0, STACK_VA
    li $a1, 0x80000000
    jal kclean
    nop
    jal kflush_tlb
    nop
    /* the other ASID, the stack pair re-pinned under it */
3:  xori $a0, $s0, 0xFF
    jal kpin_stack
    nop
    jal kset_compare
    nop
    /* every third tick process B runs first */
    la $t3, kticks
    lw $t0, 0($t3)
    li $t1, 3
    divu $zero, $t0, $t1
    mfhi $t0
    beqz $t0, kswitch_b
    nop
    b kreturn               /* EPC: the interrupted instruction (or its branch) */
    nop

/* kcopy_ctx: 36 words from $a0 to $a1 (a register set: ksave's layout). Uses $t0, $t1. */
kcopy_ctx:
    addiu $t1, $a0, 36 * 4
1:  lw $t0, 0($a0)
    sw $t0, 0($a1)
    addiu $a0, $a0, 4
    bne $a0, $t1, 1b
    addiu $a1, $a1, 4
    jr $ra
    nop

    /* Process B: its code put at the program's EPC (the very address the program resumes at,
     * where its own translations are hot), mapped there under ASID_B through its own page
     * table (PT_B_BASE), and its data word at the address of the program's exc_info, in a
     * frame of its own. B checks that word against its counter, and yields. Same addresses,
     * other code and data: a translation or mapping taken across address spaces shows, in B
     * (a failed check, a fault: fatal) or in the program (B's system calls, exc_info). */
kswitch_b:
    la $a0, ksave
    la $a1, kctx_a
    jal kcopy_ctx
    nop
    mfc0 $t0, $14
    la $t1, kctx_a_epc
    sw $t0, 0($t1)
    mfc0 $t0, $10
    andi $t0, $t0, 0xFF
    la $t1, kctx_a_asid
    sw $t0, 0($t1)
    /* B's previous code pages unmapped */
    la $t3, kb_page
    lw $a0, 0($t3)
    beqz $a0, 1f
    nop
    PT_SLOT $t0, $a0, $t1
    li $t1, PT_B_BASE - PT_BASE
    addu $t0, $t0, $t1
    sw $zero, 0($t0)
    addiu $a0, $a0, 4096
    PT_SLOT $t0, $a0, $t1
    li $t1, PT_B_BASE - PT_BASE
    addu $t0, $t0, $t1
    sw $zero, 0($t0)
    /* its code at the program's EPC: the page of EPC in B_FRAME1, the next one in B_FRAME2 */
1:  mfc0 $s1, $14
    li $t0, ~0xFFF
    and $s2, $s1, $t0       /* the page */
    sw $s2, 0($t3)
    move $a0, $s2
    li $a1, B_FRAME1
    jal kpt_map_b
    nop
    addiu $a0, $s2, 4096
    li $a1, B_FRAME2
    jal kpt_map_b
    nop
    la $t4, kb_code
    la $t5, kb_code_end
    move $t6, $s1           /* the VA of the word */
2:  lw $t7, 0($t4)
    li $t0, B_FRAME1 | 0x80000000
    li $t1, ~0xFFF
    and $t1, $t6, $t1
    beq $t1, $s2, 3f
    nop
    li $t0, B_FRAME2 | 0x80000000
3:  andi $t1, $t6, 0xFFF
    addu $t0, $t0, $t1
    sw $t7, 0($t0)
    addiu $t4, $t4, 4
    bne $t4, $t5, 2b
    addiu $t6, $t6, 4
    /* B's old mappings out of the TLB */
    jal kflush_tlb
    nop
    la $a0, kctx_b
    la $a1, ksave
    jal kcopy_ctx
    nop
    mtc0 $s1, $14
    li $t0, UM_ASID_B
    mtc0 $t0, $10
    li $t0, PT_B_BASE - PT_BASE
    la $t1, kpt_off
    sw $t0, 0($t1)
    li $t0, ST_USER & ~1    /* B runs with interrupts off */
    mtc0 $t0, $12
    li $t0, 1
    la $t1, kcur
    sw $t0, 0($t1)
    b kreturn
    nop

    /* An exception while B ran: its yield goes back to the program; anything else is fatal. */
kfrom_b:
    li $t1, 8
    bne $t0, $t1, kb_fault
    li $t1, UM_SYS_YIELD
    bne $v0, $t1, kb_fault
    nop
    la $a0, ksave
    la $a1, kctx_b
    jal kcopy_ctx
    nop
    la $a0, kctx_a
    la $a1, ksave
    jal kcopy_ctx
    nop
    la $t0, kctx_a_epc
    lw $t0, 0($t0)
    mtc0 $t0, $14
    la $t0, kctx_a_asid
    lw $t0, 0($t0)
    mtc0 $t0, $10
    la $t1, kpt_off
    sw $zero, 0($t1)
    li $t0, ST_USER
    mtc0 $t0, $12
    la $t1, kcur
    sw $zero, 0($t1)
    la $t1, kb_runs
    lw $t0, 0($t1)
    addiu $t0, $t0, 1
    sw $t0, 0($t1)
    b kreturn
    nop
kb_fault:
    la $a0, msg_bfault
    b kb_fatal
    nop
kb_in_a:
    la $a0, msg_b_in_a
kb_fatal:
    jal kputs
    nop
    jal kput_exc_regs
    nop
    b kreport
    li $s0, 6

/* kflush_tlb: every non-wired TLB entry invalid; EntryHi keeps its ASID. Uses $t0 - $t3. */
kflush_tlb:
    mfc0 $t3, $10
    andi $t3, $t3, 0xFF
    mfc0 $t0, $16, 1
    srl $t0, $t0, 25
    andi $t0, $t0, 0x3F     /* the last index */
    mtc0 $zero, $2
    mtc0 $zero, $3
    li $t1, 0x80000000
1:  mtc0 $t0, $0
    sll $t2, $t0, 13
    addu $t2, $t2, $t1
    mtc0 $t2, $10
    ehb
    tlbwi
    addiu $t0, $t0, -1
    bnez $t0, 1b            /* entry 0 is the wired one */
    nop
    mtc0 $t3, $10
    jr $ra
    ehb

/* kpt_map_b: in B's page table, the page at VA $a0 to physical $a1, writable. Uses $t0-$t2. */
kpt_map_b:
    PT_SLOT $t0, $a0, $t1
    li $t1, PT_B_BASE - PT_BASE
    addu $t0, $t0, $t1
    srl $t1, $a1, 12
    sll $t1, $t1, 6
    ori $t1, $t1, PTE_FLAGS | PTE_D
    jr $ra
    sw $t1, 0($t0)

/* Process B's code, copied to wherever it runs (position-independent). $t0 counts its runs,
 * $s0 points at its data word. */
kb_code:
1:  lw $t1, 0($s0)
    bne $t1, $t0, 3f
    addiu $t0, $t0, 1
    sw $t0, 0($s0)
    li $t2, 4               /* a short loop: a backward branch in B's translation */
2:  addiu $t2, $t2, -1
    bnez $t2, 2b
    nop
    li $v0, UM_SYS_YIELD
    syscall
    b 1b
    nop
3:  li $v0, UM_SYS_BFAIL
    syscall
kb_code_end:

/* kmigrate: every mapped page of [$a0, $a1) to the other frame of its two (PA ^ 0x1000): copied,
 * remapped in the page table, and the old frame filled with BREAK, which the program's code
 * never holds: stale code or data from it shows. Uses $t0 - $t7. */
kmigrate:
    PT_SLOT $t0, $a0, $t1
    lw $t1, 0($t0)
    andi $t2, $t1, 2        /* V */
    beqz $t2, 3f
    srl $t2, $t1, 6
    sll $t2, $t2, 12        /* the frame */
    lui $t3, 0x8000
    or $t3, $t2, $t3
    xori $t4, $t3, 0x1000   /* the other frame */
    li $t5, 0x0000000D      /* break */
    addiu $t6, $t3, 4096
2:  lw $t7, 0($t3)
    sw $t7, 0($t4)
    sw $t5, 0($t3)
    addiu $t3, $t3, 4
    bne $t3, $t6, 2b
    addiu $t4, $t4, 4
    xori $t1, $t1, 0x40     /* EntryLo.PFN bit 0: PA bit 12 */
    sw $t1, 0($t0)
3:  addiu $a0, $a0, 4096
    bne $a0, $a1, kmigrate
    nop
    jr $ra
    nop

    /* A BREAK in user mode under UMODE_TIMER: the program does not hold one, so it ran code
     * from a frame its page has left. Fatal (result 5). */
kstale:
    la $a0, msg_stale
    jal kputs
    nop
    jal kput_exc_regs
    nop
    b kreport
    li $s0, 5

/* kclean: clear D in the page-table entries of the pages [$a0, $a1). Uses $t0 - $t2. */
kclean:
    PT_SLOT $t0, $a0, $t1
    lw $t1, 0($t0)
    li $t2, ~PTE_D
    and $t1, $t1, $t2
    sw $t1, 0($t0)
    addiu $a0, $a0, 4096
    bne $a0, $a1, kclean
    nop
    jr $ra
    nop

    /* TLB Modified (a store to a clean page): a writable page is marked dirty, in the page
     * table and in the TLB entry that maps it (EntryHi holds the faulting VPN2 and the
     * ASID), and the store runs again; a store to a read-only page is the program's. */
kmod:
    mfc0 $a0, $8
    la $t0, _user_data
    sltu $t1, $a0, $t0
    bnez $t1, 1f
    nop
    la $t0, _user_end
    sltu $t1, $a0, $t0
    bnez $t1, 2f
    nop
1:  li $t0, STACK_VA
    sltu $t1, $a0, $t0
    bnez $t1, kuser_exc
    nop
2:  PT_SLOT $t0, $a0, $t1
    lw $t1, 0($t0)
    ori $t1, $t1, PTE_D
    sw $t1, 0($t0)
    tlbp
    ehb
    mfc0 $t1, $0
    bltz $t1, 3f            /* no longer in the TLB: the next refill brings it dirty */
    li $t1, ~4
    and $t0, $t0, $t1       /* the pair's slot */
    lw $t1, 0($t0)
    mtc0 $t1, $2
    lw $t1, 4($t0)
    mtc0 $t1, $3
    ehb
    tlbwi
3:  la $t0, kmods
    lw $t1, 0($t0)
    addiu $t1, $t1, 1
    sw $t1, 0($t0)
    b kreturn               /* EPC: the store (or its branch) again */
    nop

/* kpin_stack: ASID $a0 current, TLB entry 0 = the stack's top pair under it. Uses $t0-$t2. */
kpin_stack:
    li $t0, STACK_WIRED_VA
    PT_SLOT $t1, $t0, $t2
    lw $t2, 0($t1)
    mtc0 $t2, $2
    lw $t2, 4($t1)
    mtc0 $t2, $3
    or $t0, $t0, $a0
    mtc0 $t0, $10
    mtc0 $zero, $0
    ehb
    tlbwi
    mtc0 $a0, $10
    jr $ra
    ehb

/* kset_compare: Compare = Count + 2 .. 65 (4 .. 130 instructions), the next step of an LCG.
 * Uses $t0, $t1. */
kset_compare:
    la $t1, klcg
    lw $t0, 0($t1)
    li $t1, 1103515245
    multu $t0, $t1
    mflo $t0
    addiu $t0, $t0, 12345
    la $t1, klcg
    sw $t0, 0($t1)
    srl $t0, $t0, 16
    andi $t0, $t0, 0x3F
    addiu $t0, $t0, 2
    mfc0 $t1, $9
    addu $t0, $t0, $t1
    mtc0 $t0, $11           /* also clears Cause.TI */
    jr $ra
    ehb
#endif

    /* write(fd, buf, len): the bytes to the test device, read at their user addresses in
     * kernel mode with EXL = 0, so that a TLB miss on them is refilled (it would go to the
     * general vector with EPC lost under EXL = 1). */
ksys_write:
    la $t0, ksave
    mfc0 $t1, $14
    sw $t1, KS_EPC($t0)
    mfc0 $t1, $12
    sw $t1, KS_STATUS($t0)
    li $t2, ~0x1F           /* KSU = kernel, EXL = ERL = 0, IE = 0 */
    and $t1, $t1, $t2
    mtc0 $t1, $12
    ehb
    li $t3, TESTDEV
    move $t4, $a1
    addu $t5, $a1, $a2
    beq $t4, $t5, 2f
    nop
1:  lbu $t2, 0($t4)
    sw $t2, TESTDEV_PUTC($t3)
    addiu $t4, $t4, 1
    bne $t4, $t5, 1b
    nop
2:  la $t0, ksave
    sw $a2, 4 * 2($t0)      /* $v0 = bytes written */
    lw $t1, KS_STATUS($t0)
    mtc0 $t1, $12           /* back to EXL = 1 (KSU = user for the ERET) */
    ehb
    lw $t1, KS_EPC($t0)
    addiu $t1, $t1, 4
    mtc0 $t1, $14
    b kreturn
    nop

    /* exit(status): CHECK = the program's check counter ($fp, untouched by this kernel),
     * EXCEPTIONS = the program's exceptions (kuexc), then RESULT = status. At least one
     * refill must have been taken: the program's code is
     * reached only through one. */
ksys_exit:
    move $s0, $a0
    la $a0, msg_exit
    jal kputs
    nop
    move $a0, $s0
    jal kputdec
    nop
    la $a0, msg_refills
    jal kputs
    nop
    la $t0, krefills
    lw $a0, 0($t0)
    jal kputdec
    nop
#ifdef UMODE_TIMER
    la $a0, msg_ticks
    jal kputs
    nop
    la $t0, kticks
    lw $a0, 0($t0)
    jal kputdec
    nop
    la $a0, msg_mods
    jal kputs
    nop
    la $t0, kmods
    lw $a0, 0($t0)
    jal kputdec
    nop
    la $a0, msg_runsb
    jal kputs
    nop
    la $t0, kb_runs
    lw $a0, 0($t0)
    jal kputdec
    nop
#endif
    la $a0, msg_nl
    jal kputs
    nop
    la $t0, krefills
    lw $t0, 0($t0)
    bnez $t0, 1f
    nop
    la $a0, msg_norefill
    jal kputs
    nop
    li $s0, 3
    /* kreport: the program's checks and its own exceptions, then result $s0; the end. */
1:
kreport:
    li $t0, TESTDEV
    sw $fp, TESTDEV_CHECK($t0)
    la $t1, kuexc
    lw $t1, 0($t1)
    sw $t1, TESTDEV_EXCEPTIONS($t0)
    sw $s0, TESTDEV_RESULT($t0)
2:  b 2b
    nop

kfatal:
    la $a0, msg_kexc
    jal kputs
    nop
    jal kput_exc_regs
    nop
    b kreport
    li $s0, 2

/* kputs: the NUL-terminated string at $a0 (kseg0) to the console. Uses $t0, $t1. */
kputs:
    li $t1, TESTDEV
1:  lbu $t0, 0($a0)
    beqz $t0, 2f
    addiu $a0, $a0, 1
    b 1b
    sw $t0, TESTDEV_PUTC($t1)
2:  jr $ra
    nop

/* kputhex: $a0 as eight hex digits. Uses $t0 - $t3. */
kputhex:
    li $t1, TESTDEV
    li $t2, 28
1:  srlv $t0, $a0, $t2
    andi $t0, $t0, 0xF
    sltiu $t3, $t0, 10
    bnez $t3, 2f
    addiu $t0, $t0, '0'
    addiu $t0, $t0, 'a' - '0' - 10
2:  sw $t0, TESTDEV_PUTC($t1)
    bnez $t2, 1b
    addiu $t2, $t2, -4
    jr $ra
    nop

/* kputdec: $a0 in decimal. Uses $t0 - $t4. */
kputdec:
    la $t4, kdecbuf + 12
    sb $zero, 0($t4)
    li $t2, 10
1:  divu $zero, $a0, $t2
    mfhi $t0
    mflo $a0
    addiu $t0, $t0, '0'
    addiu $t4, $t4, -1
    bnez $a0, 1b
    sb $t0, 0($t4)
    move $a0, $t4
    b kputs
    nop

/* " Cause C EPC E BadVAddr B\n" of the exception being handled. Uses $a0, $t0 - $t3, $s1. */
kput_exc_regs:
    move $s1, $ra
    la $a0, msg_cause
    jal kputs
    nop
    mfc0 $a0, $13
    jal kputhex
    nop
    la $a0, msg_epc
    jal kputs
    nop
    mfc0 $a0, $14
    jal kputhex
    nop
    la $a0, msg_badva
    jal kputs
    nop
    mfc0 $a0, $8
    jal kputhex
    nop
    la $a0, msg_nl
    move $ra, $s1
    b kputs
    nop

/* kpt_map: map the page at user VA $a0 to physical $a1, writable iff $a2 != 0: its
 * page-table entry. Uses $t0 - $t2. */
kpt_map:
    PT_SLOT $t0, $a0, $t1
    srl $t1, $a1, 12
    sll $t1, $t1, 6
    ori $t1, $t1, PTE_FLAGS
    beqz $a2, 1f
    nop
    ori $t1, $t1, PTE_D
1:  jr $ra
    sw $t1, 0($t0)

/* kzero: zero the words [$t0, $t1), a multiple of 16 bytes. */
kzero:
    sw $zero, 0($t0)
    sw $zero, 4($t0)
    sw $zero, 8($t0)
    sw $zero, 12($t0)
    addiu $t0, $t0, 16
    bne $t0, $t1, kzero
    nop
    jr $ra
    nop

/* kva: the kseg0 alias of mapped user VA $a0, by the page table, in $v0. Uses $t0, $t1. */
kva:
    PT_SLOT $t0, $a0, $t1
    lw $t0, 0($t0)
    srl $t0, $t0, 6
    sll $t0, $t0, 12
    andi $t1, $a0, 0xFFF
    or $t0, $t0, $t1
    lui $t1, 0x8000
    jr $ra
    or $v0, $t0, $t1

    .globl _start
    .ent _start
_start:
    li $t0, 0x10400000      /* CU0 | BEV: EBase may only be written while BEV = 1 (PRA EBase) */
    mtc0 $t0, $12
    ehb
    li $t0, 0x80000000
    mtc0 $t0, $15, 1        /* EBase */
    li $t0, 0x10000000      /* CU0: BEV = 0, ERL = 0, EXL = 0, kernel mode, IE = 0 */
    mtc0 $t0, $12
    mtc0 $zero, $13
    ehb

    /* Every TLB entry invalid, at a distinct kseg0 VPN2 that no mapped access can match. */
    mfc0 $t0, $16, 1        /* Config1.MMUSize (bits 30:25) = entries - 1 */
    srl $t0, $t0, 25
    andi $t0, $t0, 0x3F
    mtc0 $zero, $2
    mtc0 $zero, $3
    mtc0 $zero, $5          /* PageMask: 4 KiB pages */
    mtc0 $zero, $6          /* Wired */
    li $t1, 0x80000000
1:  mtc0 $t0, $0
    sll $t2, $t0, 13
    addu $t2, $t2, $t1
    mtc0 $t2, $10
    ehb
    tlbwi
    bnez $t0, 1b
    addiu $t0, $t0, -1

    /* The covered slots of the page table: all invalid. */
    li $t0, PT_BASE
    li $t1, PT_BASE + 0x8000       /* VA 16 MiB >> 13 << 4 */
    jal kzero
    nop
    li $t0, PT_BASE + 0x3FF800     /* VA 0x7FF00000 >> 13 << 4 */
    li $t1, PT_BASE + 0x400000     /* VA 0x80000000 >> 13 << 4 */
    jal kzero
    nop

    /* The program's pages: page i of N to frame N - 1 - i, two pages apart; the words outside
     * the loaded image [_user_text, _user_image_end) are zero. */
    la $s0, _user_start
    la $s1, _user_end
    la $s2, _user_image_end
    la $s3, _user_lma
    lui $t0, 0x8000
    or $s3, $s3, $t0        /* the loaded image through kseg0 */
    la $s4, _user_data
    la $s7, _user_text
    subu $s5, $s1, $s0
    srl $s5, $s5, 12        /* N */
    sltiu $t0, $s5, FRAME_MAX_PAGES + 1
    beqz $t0, kfatal
    move $s6, $zero         /* i */
3:  sll $a0, $s6, 12
    addu $a0, $a0, $s0      /* va */
    subu $t0, $s5, $s6
    addiu $t0, $t0, -1
    sll $t0, $t0, 13
    li $a1, FRAME_PA
    addu $a1, $a1, $t0      /* frame */
#ifdef UMODE_TIMER
    move $a2, $zero         /* every page clean: the first store to each takes TLB Modified */
#else
    sltu $a2, $a0, $s4
    xori $a2, $a2, 1        /* writable iff va >= _user_data */
#endif
    lui $t0, 0x8000
    or $t1, $a1, $t0        /* destination through kseg0 */
    move $t2, $a0           /* source VA */
    addiu $t3, $t1, 4096
4:  sltu $t4, $t2, $s2
    beqz $t4, 5f
    move $t5, $zero
    sltu $t4, $t2, $s7
    bnez $t4, 5f
    nop
    subu $t5, $t2, $s0
    addu $t5, $t5, $s3
    lw $t5, 0($t5)
5:  sw $t5, 0($t1)
    addiu $t1, $t1, 4
    bne $t1, $t3, 4b
    addiu $t2, $t2, 4
    /* Only the pages holding part of the image are mapped: the padding pages before the code
     * and before the data stay invalid, the other half of their pairs valid. */
    addiu $t0, $a0, 4096
    sltu $t1, $s7, $t0
    la $t2, _user_text_end
    sltu $t2, $a0, $t2
    and $t1, $t1, $t2       /* overlaps [_user_text, _user_text_end) */
    la $t2, exc_info
    sltu $t2, $t2, $t0
    sltu $t3, $a0, $s2
    and $t2, $t2, $t3       /* overlaps [exc_info, _user_image_end) */
    or $t1, $t1, $t2
    beqz $t1, 8f
    nop
    jal kpt_map
    nop
8:  addiu $s6, $s6, 1
    bne $s6, $s5, 3b
    nop

    /* The stack: four zeroed pages at the top of kuseg. */
    li $s6, 0
6:  sll $t0, $s6, 12
    li $a0, STACK_VA
    addu $a0, $a0, $t0
    sll $t0, $t0, 1
    li $a1, STACK_PA        /* frames two pages apart, as the program's */
    addu $a1, $a1, $t0
#ifdef UMODE_TIMER
    move $a2, $zero
#else
    li $a2, 1
#endif
    lui $t1, 0x8000
    or $t1, $a1, $t1
    addiu $t2, $t1, 4096
7:  sw $zero, 0($t1)
    addiu $t1, $t1, 4
    bne $t1, $t2, 7b
    nop
    jal kpt_map
    nop
    addiu $s6, $s6, 1
    li $t0, 4
    bne $s6, $t0, 6b
    nop

#ifdef UMODE_TIMER
    /* Process B's page table: invalid but for its data page, at the program's exc_info; its
     * registers: $s0 = that address, $t0 = 0 (its data word is zero). */
    li $t0, PT_B_BASE
    li $t1, PT_B_BASE + 0x8000
    jal kzero
    nop
    li $t0, PT_B_BASE + 0x3FF800
    li $t1, PT_B_BASE + 0x400000
    jal kzero
    nop
    li $t0, B_DATA | 0x80000000
    addiu $t1, $t0, 4096
    jal kzero
    nop
    la $a0, exc_info
    li $t0, ~0xFFF
    and $a0, $a0, $t0
    li $a1, B_DATA
    jal kpt_map_b
    nop
    la $t0, exc_info
    la $t1, kctx_b
    sw $t0, 4 * 16($t1)
#endif
    /* Context.PTEBase; the wired stack pair as entry 0; the program's ASID. */
    li $t0, PT_BASE
    mtc0 $t0, $4
    li $t0, 1
    mtc0 $t0, $6            /* Wired = 1 (Random now ranges over 1 .. N - 1) */
    li $a0, STACK_WIRED_VA
    PT_SLOT $t0, $a0, $t1
    lw $t1, 0($t0)
    lw $t2, 4($t0)
    mtc0 $t1, $2
    mtc0 $t2, $3
    ori $t1, $a0, UM_ASID
    mtc0 $t1, $10
    mtc0 $zero, $0
    ehb
    tlbwi
    li $t0, UM_ASID
    mtc0 $t0, $10

#ifdef UMODE_TIMER
    jal kset_compare        /* the first tick */
    nop
#endif
    /* Enter test_main in user mode; its jr $ra goes to umode_pass. */
    la $ra, umode_pass
    li $sp, STACK_TOP
    move $fp, $zero
    la $t0, test_main
    mtc0 $t0, $14
    li $t0, ST_USER
    mtc0 $t0, $12
    ehb
    eret
    .end _start

    .section .kdata, "aw"
    .align 2
msg_uexc: .asciz "umode: user-mode exception:"
msg_kexc: .asciz "umode: exception in the kernel part:"
msg_cause: .asciz " Cause "
msg_epc: .asciz " EPC "
msg_badva: .asciz " BadVAddr "
msg_exit: .asciz "umode: exit "
msg_refills: .asciz ", TLB refills "
msg_norefill: .asciz "umode: no TLB refill was taken\n"
msg_nl: .asciz "\n"
msg_ticks: .asciz ", timer ticks "
msg_mods: .asciz ", TLB Modified "
msg_bfault: .asciz "umode: process B faulted or failed its check:"
msg_b_in_a: .asciz "umode: the program made process B's system call (it ran B's code):"
msg_runsb: .asciz ", process B runs "
msg_stale: .asciz "umode: BREAK executed in user mode, code from a frame its page left:"
    .align 2
krefills: .word 0
kuexc: .word 0              /* the program's exceptions (kuser_exc), for TESTDEV_EXCEPTIONS */
kpt_off: .word 0            /* added to Context by the refill handler: 0, or B's table */
kticks: .word 0
kmods: .word 0
kcur: .word 0               /* 1 while process B runs */
kb_page: .word 0            /* the page of B's code, 0 before its first run */
kb_runs: .word 0
kctx_a_epc: .word 0
kctx_a_asid: .word 0
kctx_a: .space 36 * 4
kctx_b: .space 36 * 4
klcg: .word 0x2545F491
kdecbuf: .space 16
ksave: .space 36 * 4

/* ---- the user part: in the program's pages, run in user mode (after the test's code and
 * before its data, see umode.ld) ---- */

    .section .text.umode_crt, "ax"
umode_pass:
    /* "PASS\n" written from the stack: a store through the wired entry, which the kernel
     * then reads at the same user address */
    li $t0, 0x53534150
    sw $t0, -8($sp)
    li $t0, 0x0A
    sw $t0, -4($sp)
    li $a0, 1
    addiu $a1, $sp, -8
    li $a2, 5
    li $v0, SYS_WRITE
    syscall
    li $a0, 0
    li $v0, SYS_EXIT
    syscall
1:  b 1b
    nop

    .globl test_fail
test_fail:
    li $a0, 1
    li $v0, SYS_EXIT
    syscall
2:  b 2b
    nop

    .section .data.umode_crt, "aw"
    .align 4
    .globl exc_info
exc_info:
    .space 64
