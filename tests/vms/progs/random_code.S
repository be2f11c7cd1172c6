/*
 * A stand-alone program for the Malta board that runs random instruction words in kernel mode:
 * it fills a 64-word buffer with words from an LCG seeded by CP0 Count, ERETs into it with the
 * Count/Compare timer armed 20000 ticks ahead, and whatever happens next (an exception, the
 * timer interrupt, falling off the end of the buffer) comes back to the generator through the
 * vectors it wrote (refill 0x80000000, general 0x80000180, interrupt 0x80000200: "j gen"), which
 * makes a new buffer. The random words write CP0 registers, the TLB, memory anywhere, devices,
 * and jump anywhere; under --deterministic --seed the run is the same every time.
 * tests/vms/run.sh runs it beside VMs whose output must stay exact: what a guest does to
 * itself must never take the monitor down.
 *
 * Vector offsets and Status/Cause/EPC/EBase: MIPS32 PRA (Volume III), "Exception Vector
 * Locations" and the CP0 registers.
 */
#define BUF 0x80200000
#define NWORDS 64
#define J_OPCODE 0x08000000
    .set noreorder
    .set noat
    .text
    .globl _start
_start:
    la $t0, gen             /* "j gen" at the three vectors, a nop in each delay slot */
    srl $t0, $t0, 2
    li $t1, 0x03FFFFFF
    and $t0, $t0, $t1
    li $t1, J_OPCODE
    or $t0, $t0, $t1
    li $t2, 0x80000180
    sw $t0, 0($t2)
    sw $zero, 4($t2)
    li $t2, 0x80000000
    sw $t0, 0($t2)
    sw $zero, 4($t2)
    li $t2, 0x80000200
    sw $t0, 0($t2)
    sw $zero, 4($t2)
    mfc0 $k1, $9
gen:                        /* every register but k0/k1 may hold anything here */
    mfc0 $k0, $9            /* the seed: Count mixed into the last state */
    addu $k1, $k1, $k0
    mtc0 $zero, $15, 1      /* EBase back to 0x80000000 */
    mfc0 $t0, $9
    li $t1, 20000
    addu $t0, $t0, $t1      /* the timer: a new buffer at the latest 20000 ticks from now */
    mtc0 $t0, $11
    ehb
    li $t0, 0x00008003      /* Status: IM7, EXL, IE (BEV, ERL, KSU cleared): kernel mode */
    mtc0 $t0, $12
    li $t1, BUF
    li $t2, NWORDS
    li $t3, 1103515245
1:  mul $k1, $k1, $t3       /* two LCG steps, their high halves make one word */
    addiu $k1, $k1, 12345
    srl $t4, $k1, 16
    mul $k1, $k1, $t3
    addiu $k1, $k1, 12345
    srl $t5, $k1, 16
    sll $t4, $t4, 16
    or $t4, $t4, $t5
    sw $t4, 0($t1)
    addiu $t1, $t1, 4
    addiu $t2, $t2, -1
    bnez $t2, 1b
    nop
    la $t0, gen             /* after the buffer: "j gen; nop" */
    srl $t0, $t0, 2
    li $t5, 0x03FFFFFF
    and $t0, $t0, $t5
    li $t5, J_OPCODE
    or $t0, $t0, $t5
    sw $t0, 0($t1)
    sw $zero, 4($t1)
    li $t0, BUF
    mtc0 $t0, $14           /* ERET to the buffer: EXL clears, the timer may interrupt */
    ehb
    eret
    nop
