/*
 * Differential fuzzing of the decoder and translator against the reference interpreter
 * (dbt/interp.c, the oracle): the input is a random instruction sequence and a starting state;
 * the same program runs on three test machines, translated (chained blocks, or
 * trap-and-emulate, picked by the input) and interpreted, until N instructions have retired or
 * the first exception is taken. Then the architectural state must be equal: PC and delay-slot
 * state, GPRs, HI/LO, the LL bit, the CP0 registers (lockstep's list, tests/diff/lockstep.c),
 * the FPRs, FCSR, the TLB, the instruction and exception counts, and the first 64 KiB of RAM
 * (code, data and exception vectors). A difference aborts with both states printed, so
 * libFuzzer keeps the input.
 *
 * Input: 8 header bytes (mode flags, a seed for the starting registers), then 4 bytes per
 * instruction: a template (by class: ALU, shifts, multiply/divide, branches and jumps with
 * short targets, loads and stores around four base registers, CP0 and TLB operations, FPU
 * arithmetic, moves and compares, COP1X, or a raw word) and 24 bits for its fields.
 *
 * The machine: code at physical 0x2000 (kseg0 0x80002000, kseg1 0xA0002000, or user VA
 * 0x00400000 through the TLB), data pages at physical 0x4000-0x7FFF (kseg0 0x80004000, user VA
 * 0x10000000, whose last page is mapped read-only), base registers r8-r11 pointing into them,
 * exception vectors in RAM (Status.BEV clear), the program followed by a BREAK. WAIT is left
 * out (deterministic WAIT with nothing to wake it ends a run, the engines' business).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbt/dbt.h"
#include "monitor/internal.h"
#include "monitor/monitor.h"
#include "tests/diff/state_diff.h"

#define CODE_PA 0x2000u
#define CODE_MAX 1024u /* instructions */
#define DATA_PA 0x4000u
#define CMP_BYTES 0x10000u
#define MAX_INSNS 3000u
#define USER_CODE_VA 0x00400000u
#define USER_DATA_VA 0x10000000u

static struct vm vm_dbt, vm_trap, vm_int;

static void make_vm(struct vm *vm, enum exec_mode exec)
{
    struct vm_config cfg = {.machine = MACHINE_TESTBENCH, .ram_mb = 16, .deterministic = true,
                            .tlb_entries = MTLB_DEFAULT_ENTRIES, .exec = exec, .cpu = CPU_24KF};
    cfg.console_out = fopen("/dev/null", "w");
    char err[256];
    if (vm_create(vm, &cfg, err, sizeof(err)) < 0) {
        fprintf(stderr, "fuzz_diff: %s\n", err);
        abort();
    }
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* ---- instruction templates ---- */

enum cls { C_PLAIN, C_DEST_RD, C_DEST_RT, C_MEM, C_MEM4, C_MEM8, C_BRANCH, C_JUMP, C_RAW };

struct tmpl {
    uint32_t fixed, var;
    enum cls cls;
};

#define RS (31u << 21)
#define RT (31u << 16)
#define RD (31u << 11)
#define SA (31u << 6)
#define IMM 0xFFFFu
#define SPECIAL(f) (f)
#define OP(o) ((uint32_t)(o) << 26)

static const struct tmpl tmpls[] = {
    /* SPECIAL: shifts, ALU, moves, multiply/divide, traps, syscall/break */
    {SPECIAL(0x00), RT | RD | SA, C_DEST_RD},       {SPECIAL(0x02), RT | RD | SA, C_DEST_RD},
    {SPECIAL(0x02) | 1u << 21, RT | RD | SA, C_DEST_RD}, /* rotr */
    {SPECIAL(0x03), RT | RD | SA, C_DEST_RD},       {SPECIAL(0x04), RS | RT | RD, C_DEST_RD},
    {SPECIAL(0x06), RS | RT | RD, C_DEST_RD},       {SPECIAL(0x06) | 1u << 6, RS | RT | RD, C_DEST_RD},
    {SPECIAL(0x07), RS | RT | RD, C_DEST_RD},       {SPECIAL(0x0A), RS | RT | RD, C_DEST_RD},
    {SPECIAL(0x0B), RS | RT | RD, C_DEST_RD},       {SPECIAL(0x01), RS | RD | 7u << 18 | 1u << 16, C_DEST_RD},
    {SPECIAL(0x10), RD, C_DEST_RD},                 {SPECIAL(0x11), RS, C_PLAIN},
    {SPECIAL(0x12), RD, C_DEST_RD},                 {SPECIAL(0x13), RS, C_PLAIN},
    {SPECIAL(0x18), RS | RT, C_PLAIN},              {SPECIAL(0x19), RS | RT, C_PLAIN},
    {SPECIAL(0x1A), RS | RT, C_PLAIN},              {SPECIAL(0x1B), RS | RT, C_PLAIN},
    {SPECIAL(0x20), RS | RT | RD, C_DEST_RD},       {SPECIAL(0x21), RS | RT | RD, C_DEST_RD},
    {SPECIAL(0x22), RS | RT | RD, C_DEST_RD},       {SPECIAL(0x23), RS | RT | RD, C_DEST_RD},
    {SPECIAL(0x24), RS | RT | RD, C_DEST_RD},       {SPECIAL(0x25), RS | RT | RD, C_DEST_RD},
    {SPECIAL(0x26), RS | RT | RD, C_DEST_RD},       {SPECIAL(0x27), RS | RT | RD, C_DEST_RD},
    {SPECIAL(0x2A), RS | RT | RD, C_DEST_RD},       {SPECIAL(0x2B), RS | RT | RD, C_DEST_RD},
    {SPECIAL(0x30), RS | RT | 0x3FFu << 6, C_PLAIN}, {SPECIAL(0x33), RS | RT | 0x3FFu << 6, C_PLAIN},
    {SPECIAL(0x34), RS | RT | 0x3FFu << 6, C_PLAIN}, {SPECIAL(0x36), RS | RT | 0x3FFu << 6, C_PLAIN},
    {SPECIAL(0x0C), 0xFFFFFu << 6, C_PLAIN},        {SPECIAL(0x0D), 0xFFFFFu << 6, C_PLAIN},
    {SPECIAL(0x0F), SA, C_PLAIN},                   {SPECIAL(0x08), RS, C_PLAIN},
    {SPECIAL(0x09), RS | RD, C_PLAIN},              {0x000000C0u, 0, C_PLAIN}, /* ehb */
    /* SPECIAL2 / SPECIAL3 */
    {OP(0x1C) | 0x00, RS | RT, C_PLAIN},            {OP(0x1C) | 0x01, RS | RT, C_PLAIN},
    {OP(0x1C) | 0x02, RS | RT | RD, C_DEST_RD},     {OP(0x1C) | 0x04, RS | RT, C_PLAIN},
    {OP(0x1C) | 0x05, RS | RT, C_PLAIN},            {OP(0x1C) | 0x20, RS | RT | RD, C_DEST_RD},
    {OP(0x1C) | 0x21, RS | RT | RD, C_DEST_RD},     {OP(0x1F) | 0x00, RS | RT | RD | SA, C_DEST_RT},
    {OP(0x1F) | 0x04, RS | RT | RD | SA, C_DEST_RT}, {OP(0x1F) | 0x20 | 2u << 6, RT | RD, C_DEST_RD},
    {OP(0x1F) | 0x20 | 0x10u << 6, RT | RD, C_DEST_RD}, {OP(0x1F) | 0x20 | 0x18u << 6, RT | RD, C_DEST_RD},
    {OP(0x1F) | 0x3B, RT | 3u << 11, C_DEST_RT},    /* rdhwr 0..3 */
    /* immediates */
    {OP(0x08), RS | RT | IMM, C_DEST_RT},           {OP(0x09), RS | RT | IMM, C_DEST_RT},
    {OP(0x0A), RS | RT | IMM, C_DEST_RT},           {OP(0x0B), RS | RT | IMM, C_DEST_RT},
    {OP(0x0C), RS | RT | IMM, C_DEST_RT},           {OP(0x0D), RS | RT | IMM, C_DEST_RT},
    {OP(0x0E), RS | RT | IMM, C_DEST_RT},           {OP(0x0F), RT | IMM, C_DEST_RT},
    {OP(0x09), RS | 3u << 16 | 0xFFu, C_PLAIN},     /* addiu moving a base register a little */
    /* branches (short offsets) and jumps (into the code) */
    {OP(0x04), RS | RT, C_BRANCH},                  {OP(0x05), RS | RT, C_BRANCH},
    {OP(0x06), RS, C_BRANCH},                       {OP(0x07), RS, C_BRANCH},
    {OP(0x14), RS | RT, C_BRANCH},                  {OP(0x15), RS | RT, C_BRANCH},
    {OP(0x16), RS, C_BRANCH},                       {OP(0x17), RS, C_BRANCH},
    {OP(0x01), RS | 0x13u << 16, C_BRANCH},         /* bltz bgez bltzl bgezl and the -al forms */
    {OP(0x01) | 8u << 16, RS | 7u << 16 | IMM, C_PLAIN}, /* tgei ... tnei (and reserved neighbours) */
    {OP(0x11) | 8u << 21, 7u << 16, C_BRANCH},      /* bc1f bc1t bc1fl bc1tl, cc 0/1 */
    {OP(0x02), 0, C_JUMP},                          {OP(0x03), 0, C_JUMP},
    /* loads and stores around the base registers */
    {OP(0x20), RT, C_MEM},  {OP(0x24), RT, C_MEM},  {OP(0x21), RT, C_MEM},  {OP(0x25), RT, C_MEM},
    {OP(0x23), RT, C_MEM4}, {OP(0x23), RT, C_MEM},  {OP(0x22), RT, C_MEM},  {OP(0x26), RT, C_MEM},
    {OP(0x28), RT, C_MEM},  {OP(0x29), RT, C_MEM},  {OP(0x2B), RT, C_MEM4}, {OP(0x2B), RT, C_MEM},
    {OP(0x2A), RT, C_MEM},  {OP(0x2E), RT, C_MEM},  {OP(0x30), RT, C_MEM4}, {OP(0x38), RT, C_MEM4},
    {OP(0x2F), RT, C_MEM},  {OP(0x33), RT, C_MEM},  /* cache, pref */
    {OP(0x31), RT, C_MEM4}, {OP(0x39), RT, C_MEM4}, {OP(0x35), RT, C_MEM8}, {OP(0x3D), RT, C_MEM8},
    {OP(0x35), RT, C_MEM4},
    /* CP0: mfc0 / mtc0 of any register and select 0-3, TLB operations, eret, di/ei */
    {OP(0x10), RT | RD | 3u, C_DEST_RT},            {OP(0x10) | 4u << 21, RT | RD | 3u, C_PLAIN},
    {0x42000001u, 0, C_PLAIN}, {0x42000002u, 0, C_PLAIN}, {0x42000006u, 0, C_PLAIN},
    {0x42000008u, 0, C_PLAIN}, {0x42000018u, 0, C_PLAIN},
    {0x41606000u, RT, C_DEST_RT}, {0x41606020u, RT, C_DEST_RT},
    /* COP1: arithmetic in S, D, W, L with any function, moves and control registers */
    {OP(0x11) | 16u << 21, RT | RD | SA | 0x3Fu, C_PLAIN}, {OP(0x11) | 17u << 21, RT | RD | SA | 0x3Fu, C_PLAIN},
    {OP(0x11) | 20u << 21, RT | RD | SA | 0x3Fu, C_PLAIN}, {OP(0x11) | 21u << 21, RT | RD | SA | 0x3Fu, C_PLAIN},
    {OP(0x11) | 16u << 21 | 0x30u, RT | RD | 7u << 8 | 0xFu, C_PLAIN}, /* c.cond.s */
    {OP(0x11) | 17u << 21 | 0x30u, RT | RD | 7u << 8 | 0xFu, C_PLAIN}, /* c.cond.d */
    {OP(0x11) | 0u << 21, RT | RD, C_DEST_RT},      {OP(0x11) | 4u << 21, RT | RD, C_PLAIN},
    {OP(0x11) | 3u << 21, RT | RD, C_DEST_RT},      {OP(0x11) | 7u << 21, RT | RD, C_PLAIN},
    {OP(0x11) | 2u << 21, RT | RD, C_DEST_RT},      {OP(0x11) | 6u << 21, RT | RD, C_PLAIN},
    /* COP1X: multiply-add and indexed loads/stores */
    {OP(0x13), RS | RT | RD | SA | 0x3Fu, C_PLAIN},
    /* anything at all */
    {0, 0xFFFFFFFFu, C_RAW},
};
#define NTMPL (sizeof(tmpls) / sizeof(tmpls[0]))

static uint32_t code_va;     /* where the program starts, in the mode it runs in */
static uint32_t code[CODE_MAX + 1];

/* The encodings whose result the architecture leaves UNPREDICTABLE because an exception in the
 * delay slot re-executes the branch (Vol. II, JALR and BLTZAL: a jump-and-link whose target or
 * condition register is its own link register), where the engines differ by design
 * (monitor/trap.c computes the branch again after its slot trapped): moved to another register,
 * so the comparison stays on defined behaviour. */
static uint32_t defined_only(uint32_t w)
{
    uint32_t op = w >> 26, rs = (w >> 21) & 31, rt = (w >> 16) & 31, rd = (w >> 11) & 31;
    if (op == 0 && (w & 0x3F) == 0x09 && rd == rs) /* jalr rd, rs */
        w = (w & ~RD) | ((rs + 1) & 31) << 11;
    if (op == 1 && (rt & 0x1C) == 0x10 && rs == 31) /* bltzal bgezal bltzall bgezall $ra */
        w = (w & ~RS) | 30u << 21;
    return w;
}

/* Word i of the program from template byte t and field bits f. */
static uint32_t make_insn(unsigned i, uint8_t t, uint32_t f)
{
    const struct tmpl *tp = &tmpls[t % NTMPL];
    uint64_t s = f * 0x100000001ull + t;
    uint32_t r = (uint32_t)splitmix(&s);
    uint32_t w = tp->fixed | (r & tp->var);
    int32_t off;
    switch (tp->cls) {
    case C_DEST_RD: /* the base registers r8-r11 mostly stay what they are */
        if (((w >> 11) & 0x1C) == 8 && (f & 7))
            w += 4u << 11;
        break;
    case C_DEST_RT:
        if (((w >> 16) & 0x1C) == 8 && (f & 7))
            w += 4u << 16;
        break;
    case C_MEM: case C_MEM4: case C_MEM8:
        off = (int32_t)(f & 0x7FF) - 0x400;
        if (tp->cls == C_MEM4)
            off &= ~3;
        else if (tp->cls == C_MEM8)
            off &= ~7;
        w = (w & ~(RS | IMM)) | (8u + ((f >> 11) & 3)) << 21 | ((uint32_t)off & IMM);
        break;
    case C_BRANCH:
        off = (int32_t)(f & 31) - 12;
        w = (w & ~IMM) | ((uint32_t)off & IMM);
        break;
    case C_JUMP: {
        uint32_t target = code_va + 4 * ((i + (f & 63)) % CODE_MAX);
        w |= (target >> 2) & 0x03FFFFFFu;
        break;
    }
    case C_PLAIN: case C_RAW:
        break;
    }
    return defined_only(w);
}

/* ---- state ---- */

struct start {
    bool user, kseg1, fr, trap;
    uint32_t gpr[32], hi, lo;
    uint64_t fpr[32];
    uint32_t fcsr;
};

static void set_up(struct vm *vm, const struct start *st, size_t n)
{
    struct vcpu *v = vm->vcpu;
    vm->stop = false;
    /* a fresh start: counts and guest time from zero, as after vm_create */
    v->icount = 0;
    memset(v->nr_exceptions, 0, sizeof(v->nr_exceptions));
    v->exc_streak = 0;
    v->waiting = false;
    atomic_store(&v->exit_request, 0);
    vm->clock.skipped_ticks = 0;
    vcpu_reset(v);
    dbt_flush(vm);
    if (physmap_zero(&vm->physmap, 0, CMP_BYTES) < 0 || physmap_write(&vm->physmap, CODE_PA, code, 4 * (n + 1)) < 0)
        abort();
    memcpy(v->gpr, st->gpr, sizeof(v->gpr));
    v->hi = st->hi;
    v->lo = st->lo;
    memcpy(v->fpu.fpr, st->fpr, sizeof(v->fpu.fpr));
    v->fpu.fcsr = st->fcsr;
    /* code and data pages for user mode (and kernel useg accesses); the last data page read-only */
    mtlb_write(&v->tlb, 0, USER_CODE_VA, (CODE_PA >> 12) << 6 | 0x1F, ((CODE_PA >> 12) + 1) << 6 | 0x1F, 0);
    mtlb_write(&v->tlb, 1, USER_DATA_VA, (DATA_PA >> 12) << 6 | 0x1F, ((DATA_PA >> 12) + 1) << 6 | 0x1F, 0);
    mtlb_write(&v->tlb, 2, USER_DATA_VA + 0x2000, ((DATA_PA >> 12) + 2) << 6 | 0x1F, ((DATA_PA >> 12) + 3) << 6 | 0x1B, 0);
    v->cp0.wired = 3;
    v->cp0.status = ST_CU0 | ST_CU1 | (st->fr ? ST_FR : 0) | (st->user ? 2u << ST_KSU_SHIFT : 0);
    cp0_update_mode(v);
    v->pc = code_va;
    v->max_insns = MAX_INSNS;
    /* the software TLB and the jump cache were emptied by vcpu_reset, and nothing ran since */
    vcpu_update_next_event(v);
}

static bool events_due(struct vcpu *v)
{
    return v->icount >= v->next_event || atomic_load(&v->exit_request);
}

/* The interpreter runs until it has retired as many instructions and taken as many exceptions as
 * the translator did (the catch-up of tests/diff/lockstep.c), and is in a delay slot iff it is. */
static bool catch_up(struct vcpu *b, uint64_t target_i, uint64_t target_e, bool target_ds)
{
    if (events_due(b))
        (void)vcpu_events(b);
    for (unsigned guard = 0; guard < 4 * MAX_INSNS + 64; guard++) {
        while (b->icount < target_i) {
            if (dbt_interp_step(b))
                return false; /* a WAIT: never generated, so it came from a raw word; both agree below */
            if (b->icount < target_i && events_due(b))
                (void)vcpu_events(b);
            if (state_exc_total(b) > target_e)
                return false;
        }
        if (b->icount > target_i)
            return false;
        uint64_t e = state_exc_total(b);
        if (e > target_e)
            return false;
        if (e == target_e && (bool)b->in_ds == target_ds)
            return true;
        if (events_due(b))
            (void)vcpu_events(b);
        if (dbt_interp_step(b))
            return false;
    }
    return false;
}

static uint8_t mem_a[CMP_BYTES], mem_b[CMP_BYTES];

/* Appends the differences between the two VMs to buf (tests/diff/state_diff.h, then the first
 * word of RAM that differs); returns how many. */
static int compare(const struct vm *va, const struct vm *vb, char *buf, size_t len)
{
    struct state_diff d = {.buf = buf, .len = len};
    state_diff_vcpu(&d, va->vcpu, vb->vcpu);
    if (physmap_read(&va->physmap, 0, mem_a, CMP_BYTES) < 0 || physmap_read(&vb->physmap, 0, mem_b, CMP_BYTES) < 0)
        abort();
    for (uint32_t i = 0; i < CMP_BYTES; i += 4) {
        if (memcmp(mem_a + i, mem_b + i, 4)) {
            uint32_t x, y;
            char nm[24];
            memcpy(&x, mem_a + i, 4);
            memcpy(&y, mem_b + i, 4);
            snprintf(nm, sizeof(nm), "mem[%#x]", i);
            state_diff_add(&d, nm, x, y);
            break;
        }
    }
    return d.n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!vm_int.vcpu) {
        make_vm(&vm_dbt, EXEC_DBT);
        make_vm(&vm_trap, EXEC_TRAP);
        make_vm(&vm_int, EXEC_INTERP);
    }
    if (size < 12)
        return 0;
    struct start st = {.user = data[0] & 1, .kseg1 = data[0] & 2, .fr = data[0] & 4, .trap = data[0] & 8};
    uint64_t seed = 0;
    memcpy(&seed, data + 1, 7);
    static const uint32_t special[] = {0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x8000, 0xFFFF, 0x80000001};
    for (int i = 1; i < 32; i++) {
        uint64_t r = splitmix(&seed);
        st.gpr[i] = (r & 3) == 0 ? special[(r >> 2) & 7] : (r & 3) == 1 ? (uint32_t)(r >> 32) & 0xFF : (uint32_t)(r >> 32);
    }
    for (int i = 0; i < 32; i++)
        st.fpr[i] = splitmix(&seed);
    st.hi = (uint32_t)splitmix(&seed);
    st.lo = (uint32_t)splitmix(&seed);
    st.fcsr = (uint32_t)splitmix(&seed) & 0x0183FFFFu & ~0x3F000u; /* no cause bits set at the start */
    if (st.user) {
        code_va = USER_CODE_VA;
        st.gpr[8] = USER_DATA_VA + 0x1000;
        st.gpr[9] = USER_DATA_VA + 0x3000;
        st.gpr[10] = USER_DATA_VA + 0x2000;
        st.gpr[11] = USER_DATA_VA + 0x800;
    } else {
        code_va = (st.kseg1 ? 0xA0000000u : 0x80000000u) + CODE_PA;
        st.gpr[8] = 0x80000000u + DATA_PA + 0x1000;
        st.gpr[9] = 0xA0000000u + DATA_PA + 0x2000;
        st.gpr[10] = USER_DATA_VA + 0x1000;
        st.gpr[11] = 0x80000000u + DATA_PA + 0x3000;
    }
    size_t n = (size - 8) / 4;
    if (n > CODE_MAX - 1)
        n = CODE_MAX - 1;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = data + 8 + 4 * i;
        code[i] = make_insn((unsigned)i, p[0], (uint32_t)p[1] | (uint32_t)p[2] << 8 | (uint32_t)p[3] << 16);
    }
    code[n] = 0x0000000Du; /* break */
    /* The oracle's self-test (tests/fuzz/run.sh): the translator flips bit 0 of what the first
     * instruction, addiu $t4, $zero, 5, writes; the run must report r12. */
    bool inject = getenv("FUZZ_DIFF_INJECT") != NULL;
    if (inject)
        code[0] = 0x240C0005u;

    struct vm *va = st.trap ? &vm_trap : &vm_dbt;
    va->dbt_debug.corrupt_pc = inject ? code_va : 0;
    set_up(va, &st, n);
    set_up(&vm_int, &st, n);
    struct vcpu *a = va->vcpu, *b = vm_int.vcpu;
    enum vcpu_exit why = VCPU_EXIT_NONE;
    while (state_exc_total(a) == 0 && a->icount < MAX_INSNS && !va->stop && !a->waiting) {
        why = dbt_run_steps(a, 1);
        if (why != VCPU_EXIT_NONE)
            break;
    }
    if (why == VCPU_EXIT_WAIT || a->waiting)
        return 0; /* a raw word was a WAIT: where the translator stops in it is its own business */
    bool ok = catch_up(b, a->icount, state_exc_total(a), a->in_ds); /* the limit may stop it in a delay slot */
    char diffs[4096] = "";
    if (!ok || compare(va, &vm_int, diffs, sizeof(diffs)) > 0) {
        fprintf(stderr, "fuzz_diff: %s differs from the interpreter (%s mode, code at %08x, %zu instructions)%s:%s\n",
                st.trap ? "trap-and-emulate" : "the translator", st.user ? "user" : "kernel", code_va, n,
                ok ? "" : ", the interpreter did not reach the same count", diffs);
        for (size_t i = 0; i < n + 1 && i < 64; i++) {
            char dis[160];
            dbt_disasm(code[i], code_va + 4 * (uint32_t)i, dis, sizeof(dis));
            fprintf(stderr, "  %08x: %08x  %s\n", code_va + 4 * (uint32_t)i, code[i], dis);
        }
        fprintf(stderr, "--- translated ---\n");
        vcpu_dump(a, stderr);
        fprintf(stderr, "--- interpreted ---\n");
        vcpu_dump(b, stderr);
        abort();
    }
    return 0;
}
