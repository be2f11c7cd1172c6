/*
 * Lockstep: the translator against the reference interpreter.
 *
 * Two VMs boot the same program deterministically, each with its own
 * devices. A runs translated code with chaining off, so it comes back after
 * every block; every MMIO access it makes is logged (reads with their
 * values). B runs the interpreter; its MMIO accesses must match A's log in
 * order, address, size and (writes) value, its devices see the same writes
 * and its reads return what A read (and must agree with what B's own
 * device answered), so device timers and interrupt lines evolve alike in
 * both. After each of A's blocks, B runs to the same instruction count and
 * exception count, and the two are compared: PC, delay-slot state, GPRs,
 * HI/LO, LL bit, every CP0 register including Count and Random (and the
 * Random generator state), the FPRs, FCSR and FIR, a hash of the TLB, and a
 * running hash of every store (address, size, bytes).
 *
 * On a mismatch both VMs are rewound to the start of that block (an undo
 * log of each store's old bytes restores memory; MMIO is then replayed from
 * the log for both, devices untouched) and the block is re-translated with
 * 1, 2, ... instructions until the first differing prefix: that names the
 * exact instruction. Both states are printed with capstone disassembly
 * around the PC.
 *
 *   lockstep [-M testbench|malta] [-m MiB] [-cpu 24Kf|24Kc] [-initrd FILE] [-append STR]
 *            [--seed N] [--max-insns N] [--until-output STR] [--exec dbt|trap] [--inject-pc ADDR]
 *            -kernel ELF
 *
 * --until-output stops after the translator's VM has written STR to ttyS0 (the Malta
 * console), e.g. the shell prompt.
 *
 * --exec trap runs A with trap-and-emulate: its privileged instructions trap out of
 * translated code and the monitor emulates them (monitor/trap.c) within the same step.
 * --inject-pc makes the translator flip bit 0 of the result of the
 * instruction at ADDR (the self-test: the report must name ADDR).
 * Exit status: 0 no divergence (the line "lockstep: N instructions
 * compared ..."), 1 divergence or error.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "dbt/dbt.h"
#include "monitor/monitor.h"
#include "tests/diff/state_diff.h"

/* ---- the MMIO log ---- */

enum log_kind { LOG_READ, LOG_WRITE };

struct log_entry {
    uint8_t kind, size;
    gpa_t pa;
    uint64_t val;
};

static struct log_entry *mlog;
static size_t mlog_n, mlog_cap, mlog_pos; /* B consumes from mlog_pos */
static bool replay_only; /* while bisecting: both replay the log, no device is touched */
static size_t a_pos;
static const char *diverged_why;
static char why_buf[256];

static void log_push(struct log_entry e)
{
    if (mlog_n == mlog_cap) {
        mlog_cap = mlog_cap ? 2 * mlog_cap : 4096;
        mlog = realloc(mlog, mlog_cap * sizeof(*mlog));
        if (!mlog) {
            fprintf(stderr, "lockstep: out of memory\n");
            exit(1);
        }
    }
    mlog[mlog_n++] = e;
}

struct wrap {
    const struct mem_region_ops *ops;
    void *opaque;
    gpa_t base;
    struct vm *vm;
    bool is_a;
    bool console; /* the Malta's PCI I/O window: ttyS0's THR is COM1 port 0x3F8 in it */
};

/* --until-output: the tail of what A printed, and whether the string has appeared. */
static const char *until_output;
static char out_tail[256];
static size_t out_len;
static bool output_seen;

static void console_byte(uint8_t c)
{
    if (!until_output || output_seen)
        return;
    size_t want = strlen(until_output);
    if (out_len == sizeof(out_tail) - 1) {
        memmove(out_tail, out_tail + 1, out_len - 1);
        out_len--;
    }
    out_tail[out_len++] = (char)c;
    out_tail[out_len] = 0;
    if (out_len >= want && !memcmp(out_tail + out_len - want, until_output, want))
        output_seen = true;
}

static struct vm vm_a, vm_b;

static uint64_t wrap_read(void *opaque, uint64_t off, unsigned size)
{
    struct wrap *w = opaque;
    if (w->is_a && !replay_only) {
        uint64_t val = w->ops->read ? w->ops->read(w->opaque, off, size) : 0;
        log_push((struct log_entry){.kind = LOG_READ, .size = (uint8_t)size, .pa = w->base + off, .val = val});
        return val;
    }
    size_t *pos = w->is_a ? &a_pos : &mlog_pos;
    if (*pos >= mlog_n || mlog[*pos].kind != LOG_READ || mlog[*pos].pa != w->base + off || mlog[*pos].size != size) {
        snprintf(why_buf, sizeof(why_buf), " interpreter read MMIO %#" PRIx64 " (%u bytes), translator did not",
                 (uint64_t)(w->base + off), size);
        diverged_why = why_buf;
        return 0;
    }
    uint64_t val = mlog[(*pos)++].val;
    if (!w->is_a && !replay_only) {
        /* B's device sees the read too (reads have effects), and must have answered alike */
        uint64_t own = w->ops->read ? w->ops->read(w->opaque, off, size) : 0;
        if (own != val) {
            snprintf(why_buf, sizeof(why_buf), " MMIO read %#" PRIx64 ": %#" PRIx64 " under the translator, %#" PRIx64
                     " under the interpreter", (uint64_t)(w->base + off), val, own);
            diverged_why = why_buf;
        }
    }
    return val;
}

static void wrap_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct wrap *w = opaque;
    if (w->is_a && !replay_only) {
        log_push((struct log_entry){.kind = LOG_WRITE, .size = (uint8_t)size, .pa = w->base + off, .val = val});
        if (w->console && off == 0x3F8 && size == 1)
            console_byte((uint8_t)val);
        if (w->ops->write)
            w->ops->write(w->opaque, off, val, size);
        return;
    }
    size_t *pos = w->is_a ? &a_pos : &mlog_pos;
    if (*pos >= mlog_n || mlog[*pos].kind != LOG_WRITE || mlog[*pos].pa != w->base + off ||
        mlog[*pos].size != size || mlog[*pos].val != val) {
        snprintf(why_buf, sizeof(why_buf), " interpreter wrote MMIO %#" PRIx64 " = %#" PRIx64 " (%u bytes), translator did not",
                 (uint64_t)(w->base + off), val, size);
        diverged_why = why_buf;
        return;
    }
    (*pos)++;
    if (!w->is_a && !replay_only && w->ops->write)
        w->ops->write(w->opaque, off, val, size);
}

static const struct mem_region_ops wrap_ops = {.read = wrap_read, .write = wrap_write};

static void wrap_mmio(struct vm *vm, bool is_a)
{
    for (unsigned i = 0; i < vm->physmap.n; i++) {
        struct mem_region *r = &vm->physmap.r[i];
        if (mem_region_is_mem(r))
            continue;
        struct wrap *w = calloc(1, sizeof(*w));
        *w = (struct wrap){.ops = r->ops, .opaque = r->opaque, .base = r->base, .vm = vm, .is_a = is_a,
                           .console = r->name && !strcmp(r->name, "pci-io")};
        r->ops = &wrap_ops;
        r->opaque = w;
    }
}

/* ---- stores: running hash and undo log ---- */

struct undo {
    uint8_t *host;
    uint32_t old;
};

struct side {
    uint64_t store_hash, stores;
    struct undo *undo;
    size_t undo_n, undo_cap;
};
static struct side side_a, side_b;

static void store_hook(struct vcpu *v, uint32_t va, unsigned size, uint32_t val, uint32_t mask, uint8_t *host)
{
    struct side *s = v == vm_a.vcpu ? &side_a : &side_b;
    struct { uint64_t h; uint32_t va, size, val, mask; } rec = {s->store_hash, va, size, val, mask};
    s->store_hash = XXH64(&rec, sizeof(rec), 0);
    s->stores++;
    if (host) {
        if (s->undo_n == s->undo_cap) {
            s->undo_cap = s->undo_cap ? 2 * s->undo_cap : 1024;
            s->undo = realloc(s->undo, s->undo_cap * sizeof(*s->undo));
            if (!s->undo) {
                fprintf(stderr, "lockstep: out of memory\n");
                exit(1);
            }
        }
        s->undo[s->undo_n].host = host;
        memcpy(&s->undo[s->undo_n].old, host, 4);
        s->undo_n++;
    }
}

static void undo_all(struct side *s)
{
    while (s->undo_n > 0) {
        s->undo_n--;
        memcpy(s->undo[s->undo_n].host, &s->undo[s->undo_n].old, 4);
    }
}

/* ---- architectural state ---- */

/* Appends the differences between A and B to buf (tests/diff/state_diff.h, then the count
 * register, the FIR and the hash of every store); returns how many. */
static int compare(char *buf, size_t len)
{
    struct vcpu *a = vm_a.vcpu, *b = vm_b.vcpu;
    struct state_diff d = {.buf = buf, .len = len};
    state_diff_vcpu(&d, a, b);
    state_diff_add(&d, "count", vcpu_count(a), vcpu_count(b));
    state_diff_add(&d, "fir", a->fpu.fir, b->fpu.fir);
    state_diff_add(&d, "store_hash", side_a.store_hash, side_b.store_hash);
    return d.n;
}

/* What a rewind restores: everything the engines read besides memory and caches. */
struct snapshot {
    uint32_t gpr[32], pc, hi, lo, in_ds, ds_target, llbit, mmu_mode;
    struct cp0 cp0;
    struct fpu fpu;
    uint64_t icount, next_event, nr_exceptions[32];
    uint32_t exc_streak;
    struct mtlb tlb;
    uint64_t store_hash, stores;
    bool stop;
};

static void snap_take(struct snapshot *s, const struct vcpu *v, const struct side *sd, const struct vm *vm)
{
    memcpy(s->gpr, v->gpr, sizeof(s->gpr));
    s->pc = v->pc; s->hi = v->hi; s->lo = v->lo; s->in_ds = v->in_ds; s->ds_target = v->ds_target;
    s->llbit = v->llbit; s->mmu_mode = v->mmu_mode; s->cp0 = v->cp0; s->fpu = v->fpu; s->icount = v->icount;
    s->next_event = v->next_event;
    memcpy(s->nr_exceptions, v->nr_exceptions, sizeof(s->nr_exceptions));
    s->exc_streak = v->exc_streak;
    s->tlb = v->tlb;
    s->store_hash = sd->store_hash;
    s->stores = sd->stores;
    s->stop = vm->stop;
}

static void snap_restore(const struct snapshot *s, struct vcpu *v, struct side *sd, struct vm *vm)
{
    memcpy(v->gpr, s->gpr, sizeof(s->gpr));
    v->pc = s->pc; v->hi = s->hi; v->lo = s->lo; v->in_ds = s->in_ds; v->ds_target = s->ds_target;
    v->llbit = s->llbit; v->mmu_mode = s->mmu_mode; v->cp0 = s->cp0; v->fpu = s->fpu; v->icount = s->icount;
    v->next_event = s->next_event;
    memcpy(v->nr_exceptions, s->nr_exceptions, sizeof(s->nr_exceptions));
    v->exc_streak = s->exc_streak;
    v->tlb = s->tlb;
    sd->store_hash = s->store_hash;
    sd->stores = s->stores;
    vm->stop = s->stop;
    stlb_flush_all(&v->stlb);
    atomic_store(&v->exit_request, 0);
}

static bool events_due(struct vcpu *v)
{
    return v->icount >= v->next_event || atomic_load(&v->exit_request);
}

/* A WAIT B executed, to its end (an engine hands the host's sleeps to its caller). */
static void wait_done(struct vcpu *b)
{
    while (vcpu_wait(b) == VCPU_EXIT_WAIT)
        vcpu_sleep(b);
}

/* B runs until it has retired as many instructions and taken as many exceptions as A. Each of A's
 * steps starts with the run loop's event check, so B's catch-up does too. */
static bool catch_up(void)
{
    struct vcpu *a = vm_a.vcpu, *b = vm_b.vcpu;
    uint64_t target_i = a->icount, target_e = state_exc_total(a);
    if (events_due(b))
        (void)vcpu_events(b);
    /* The instructions first (counting exceptions only where they can matter: at the end) */
    for (;;) {
        while (b->icount < target_i && !diverged_why) {
            if (dbt_interp_step(b))
                wait_done(b);
            if (b->icount < target_i && events_due(b))
                (void)vcpu_events(b);
        }
        if (diverged_why || b->icount > target_i)
            return false;
        uint64_t e = state_exc_total(b);
        if (e > target_e)
            return false;
        /* A may stop between a branch and its slot too: a branch in the last word of a page ends
         * its block, and the slot is a block of its own (dbt/translate.c) */
        if (e == target_e && (!b->in_ds || a->in_ds))
            return true;
        /* an exception still to take here, or the rest of a delay-slot pair */
        if (events_due(b))
            (void)vcpu_events(b);
        if (dbt_interp_step(b))
            wait_done(b);
    }
}

static enum exec_mode a_exec = EXEC_DBT;

static void load(struct vm *vm, const struct vm_config *cfg, bool dbt)
{
    char err[512];
    struct vm_config c = *cfg;
    c.exec = dbt ? a_exec : EXEC_INTERP;
    c.no_chain = true;
    c.console_out = dbt ? stdout : fopen("/dev/null", "w");
    if (vm_create(vm, &c, err, sizeof(err)) < 0) {
        fprintf(stderr, "lockstep: %s\n", err);
        exit(1);
    }
    if (vm_boot(vm, err, sizeof(err)) < 0) {
        fprintf(stderr, "lockstep: %s\n", err);
        exit(1);
    }
}

static void report(uint32_t pc, uint64_t icount, const char *diffs)
{
    uint32_t word = 0;
    struct mmu_result r;
    struct vcpu *b = vm_b.vcpu;
    char dis[160] = "?";
    if (mmu_translate(&b->tlb, (enum mmu_mode)b->mmu_mode, b->cp0.entryhi & 0xFF, pc, MMU_FETCH, &r) == MMU_OK &&
        physmap_read(&vm_b.physmap, r.pa, &word, 4) == 0)
        dbt_disasm(word, pc, dis, sizeof(dis));
    printf("lockstep: DIVERGENCE at the instruction at pc %08x (icount %" PRIu64 "): %s\n", pc, icount, dis);
    printf("lockstep: differences (translator/interpreter):%s\n", diffs);
    printf("--- translator state ---\n");
    vcpu_dump(vm_a.vcpu, stdout);
    printf("--- interpreter state ---\n");
    vcpu_dump(vm_b.vcpu, stdout);
}

/* Rewinds to the start of the diverging block and finds its first bad instruction. */
static void bisect(const struct snapshot *sa, const struct snapshot *sb, size_t log_at)
{
    struct vcpu *a = vm_a.vcpu, *b = vm_b.vcpu;
    char diffs[2048];
    uint32_t start = sa->pc;
    for (unsigned j = 1; j <= 64; j++) {
        undo_all(&side_a);
        undo_all(&side_b);
        snap_restore(sa, a, &side_a, &vm_a);
        snap_restore(sb, b, &side_b, &vm_b);
        replay_only = true;
        a_pos = mlog_pos = log_at;
        diverged_why = NULL;
        vm_a.dbt_debug.max_insns = j;
        dbt_flush(&vm_a);
        tb_jc_flush_all(a->jc);
        uint64_t i0 = a->icount;
        dbt_run_steps(a, 1);
        bool ok = catch_up();
        diffs[0] = 0;
        if (!ok || compare(diffs, sizeof(diffs)) > 0) {
            /* prefixes of j - 1 instructions agreed: the j-th instruction of the block is wrong */
            uint32_t pc = start + 4 * (j - 1);
            if (diverged_why)
                strncat(diffs, diverged_why, sizeof(diffs) - strlen(diffs) - 1);
            report(pc, i0 + j - 1, diffs);
            return;
        }
    }
    printf("lockstep: DIVERGENCE in the block at pc %08x, not reproduced instruction by instruction\n", start);
}

int main(int argc, char **argv)
{
    uint32_t corrupt_pc = 0;
    struct vm_config cfg = {.machine = MACHINE_TESTBENCH, .ram_mb = 16, .deterministic = true,
                            .tlb_entries = MTLB_DEFAULT_ENTRIES};
    uint64_t max_insns = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-kernel") && i + 1 < argc)
            cfg.kernel = argv[++i];
        else if (!strcmp(argv[i], "-M") && i + 1 < argc && !strcmp(argv[i + 1], "malta") && ++i)
            cfg.machine = MACHINE_MALTA;
        else if (!strcmp(argv[i], "-M") && i + 1 < argc && !strcmp(argv[i + 1], "testbench") && ++i)
            cfg.machine = MACHINE_TESTBENCH;
        else if (!strcmp(argv[i], "-initrd") && i + 1 < argc)
            cfg.initrd = argv[++i];
        else if (!strcmp(argv[i], "-append") && i + 1 < argc)
            cfg.append = argv[++i];
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
            cfg.seed = strtoull(argv[++i], NULL, 0);
            cfg.seed_given = true;
        } else if (!strcmp(argv[i], "--until-output") && i + 1 < argc)
            until_output = argv[++i];
        else if (!strcmp(argv[i], "-m") && i + 1 < argc)
            cfg.ram_mb = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--max-insns") && i + 1 < argc)
            max_insns = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "-cpu") && i + 1 < argc && !strcmp(argv[i + 1], "24Kf") && ++i)
            cfg.cpu = CPU_24KF;
        else if (!strcmp(argv[i], "-cpu") && i + 1 < argc && !strcmp(argv[i + 1], "24Kc") && ++i)
            cfg.cpu = CPU_24KC;
        else if (!strcmp(argv[i], "--exec") && i + 1 < argc && !strcmp(argv[i + 1], "trap") && ++i)
            a_exec = EXEC_TRAP;
        else if (!strcmp(argv[i], "--exec") && i + 1 < argc && !strcmp(argv[i + 1], "dbt") && ++i)
            a_exec = EXEC_DBT;
        else if (!strcmp(argv[i], "--inject-pc") && i + 1 < argc)
            corrupt_pc = (uint32_t)strtoul(argv[++i], NULL, 0);
        else {
            fprintf(stderr, "usage: lockstep [-M testbench|malta] [-m MiB] [-cpu 24Kf|24Kc] [-initrd FILE] [-append STR]"
                            " [--seed N] [--max-insns N] [--until-output STR] [--exec dbt|trap] [--inject-pc ADDR]"
                            " -kernel ELF\n");
            return 1;
        }
    }
    if (!cfg.kernel) {
        fprintf(stderr, "lockstep: no -kernel given\n");
        return 1;
    }
    load(&vm_a, &cfg, true);
    load(&vm_b, &cfg, false);
    wrap_mmio(&vm_a, true);
    wrap_mmio(&vm_b, false);
    vm_a.store_hook = vm_b.store_hook = store_hook;
    vm_a.dbt_debug.corrupt_pc = corrupt_pc;

    struct vcpu *a = vm_a.vcpu;
    uint64_t blocks = 0;
    struct snapshot sa, sb;
    char diffs[2048];
    for (;;) {
        snap_take(&sa, a, &side_a, &vm_a);
        snap_take(&sb, vm_b.vcpu, &side_b, &vm_b);
        size_t log_at = mlog_pos;
        side_a.undo_n = side_b.undo_n = 0;
        enum vcpu_exit why = dbt_run_steps(a, 1);
        if (why == VCPU_EXIT_WAIT) {
            vcpu_sleep(a); /* the next step resumes the WAIT */
            why = VCPU_EXIT_NONE;
        }
        blocks++;
        bool ok = catch_up();
        diffs[0] = 0;
        if (!ok || compare(diffs, sizeof(diffs)) > 0) {
            bisect(&sa, &sb, log_at);
            return 1;
        }
        /* B has consumed everything A logged: drop it */
        if (mlog_pos == mlog_n)
            mlog_pos = mlog_n = 0;
        if (why != VCPU_EXIT_NONE || vm_a.stop || (max_insns && a->icount >= max_insns) || output_seen)
            break;
    }
    if (until_output && !output_seen) {
        printf("lockstep: stopped after %" PRIu64 " instructions without printing '%s'\n", a->icount, until_output);
        return 1;
    }
    printf("lockstep: %" PRIu64 " instructions compared in %" PRIu64 " blocks (%" PRIu64 " stores, %" PRIu64
           " exceptions)%s, no divergence\n",
           a->icount, blocks, side_a.stores, state_exc_total(a), output_seen ? ", up to the console output asked for" : "");
    return 0;
}
