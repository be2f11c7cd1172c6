/*
 * The translator's run loop (kvmtool shape: translated code returns a
 * reason, a switch acts on it) and the engine's set-up: the code buffer,
 * the entry and exit trampolines, chaining decisions, and the perf map.
 *
 * Lookup order: the vCPU's jump cache by virtual PC, then the TB hash by
 * (physical PC, virtual PC, flags), then the translator. A chainable exit
 * (a direct branch) is patched to the block that was found for it, when
 * both lie in one virtual page or both in unmapped kseg0/kseg1: a jump
 * into another mapped page must go through the lookup again, which is
 * where the instruction fetch is translated. Anything the translator
 * does not take (a branch whose delay slot is on the next page, code
 * outside RAM, the tail of a budget that a whole block does not fit) runs
 * in the interpreter, which has the same semantics by construction.
 *
 * Translated code is entered through a trampoline that saves the
 * callee-saved registers and pins the vCPU in r15; every exit jumps to
 * the epilogue with the return value in rax. Each VM has its own engine:
 * its code buffer (with the trampolines and the helper thunks at its
 * start, cache/codebuf.c), its translator context and its counters; an
 * engine call runs a bounded slice and returns (vm_run_slice), it never
 * sleeps. Guest exceptions
 * raised by helpers return normally through that path: nothing unwinds
 * with longjmp, and no signal handler touches translated code.
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "dbt/translate.h"

#define WEDGE_EXCEPTIONS 64

typedef uintptr_t (*dbt_enter_fn)(struct vcpu *v, const void *code);

struct dbt_engine {
    struct tcache tc;
    struct tr_ctx *tr;  /* the translator's working state (large: allocated apart) */
    dbt_enter_fn enter;
    bool chain;
    FILE *perfmap;
    /* The run loop's counters are the vCPUs' (struct vcpu_run_counts: lookups made by the run loop,
     * not chained or inline ones, user [0] and kernel [1] blocks); these change under the cache's
     * lock. */
    uint64_t translations[2], retranslations[2], guest_insns[2], host_bytes[2], translate_ns[2];
    uint64_t flushed_tbs;
};
_Static_assert(DBT_FB_KINDS <= sizeof(((struct vcpu_run_counts *)0)->fallbacks_by) / sizeof(uint64_t),
               "every fallback kind has a counter");

/* The run-loop counters of every vCPU of vm, added up. */
static struct vcpu_run_counts run_counts(const struct vm *vm)
{
    struct vcpu_run_counts t;
    memset(&t, 0, sizeof(t));
    uint64_t *d = (uint64_t *)(void *)&t;
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        const uint64_t *s = (const uint64_t *)(const void *)&vm->vcpus[i]->run;
        for (size_t k = 0; k < sizeof(t) / sizeof(uint64_t); k++)
            d[k] += s[k];
    }
    return t;
}

static int emit_trampolines(struct dbt_engine *eng)
{
    uint8_t *p = tcache_reserve(&eng->tc, 128);
    if (!p)
        return -ENOMEM;
    struct x64_emitter e;
    x64_init(&e, tcache_wr(&eng->tc, p), 128); /* position-independent: written through the write view */
    static const int8_t saved[] = {X64_RBX, X64_RBP, X64_R12, X64_R13, X64_R14, X64_R15};
    for (unsigned i = 0; i < sizeof(saved); i++)
        x64_push_r64(&e, saved[i]);
    x64_alu_r64_imm32(&e, X64_SUB, X64_RSP, 8); /* calls from translated code see rsp % 16 == 0 */
    x64_mov_r64_r64(&e, X64_R15, X64_RDI);
    x64_jmp_r64(&e, X64_RSI);
    x64_align(&e, 16, 0);
    size_t exit_at = e.len;
    /* Every way out of translated code comes here: icount from the budget (dbt/translate.h). */
    x64_mov_r64_m64(&e, X64_RCX, X64_R15, (int32_t)offsetof(struct vcpu, next_event));
    x64_alu_r64_m64(&e, X64_SUB, X64_RCX, X64_R15, (int32_t)offsetof(struct vcpu, dbt_budget));
    x64_mov_m64_r64(&e, X64_R15, (int32_t)offsetof(struct vcpu, icount), X64_RCX);
    x64_alu_r64_imm32(&e, X64_ADD, X64_RSP, 8);
    for (int i = (int)sizeof(saved) - 1; i >= 0; i--)
        x64_pop_r64(&e, saved[i]);
    x64_ret(&e);
    if (e.overflow)
        return -ENOMEM;
    eng->enter = (dbt_enter_fn)(void *)p;
    eng->tc.exit_code = p + exit_at;
    return 0;
}

int dbt_engine_init(struct vm *vm, char *err, size_t errlen)
{
    struct dbt_engine *eng = calloc(1, sizeof(*eng));
    if (!eng) {
        snprintf(err, errlen, "cannot allocate the translator");
        return -ENOMEM;
    }
    size_t code_size = (size_t)(vm->cfg.code_kib ? vm->cfg.code_kib : DBT_DEFAULT_CODE_KIB) << 10;
    eng->tr = malloc(sizeof(*eng->tr));
    int rc = eng->tr ? tcache_init(&eng->tc, code_size) : -ENOMEM;
    if (rc < 0) {
        snprintf(err, errlen, "cannot map a %zu KiB translation code buffer: %s", code_size >> 10, strerror(-rc));
        free(eng->tr);
        free(eng);
        return rc;
    }
    rc = emit_trampolines(eng);
    if (rc == 0)
        rc = tr_stubs_emit(&eng->tc);
    if (rc < 0) {
        snprintf(err, errlen, "cannot emit the translator's trampolines");
        tcache_destroy(&eng->tc);
        free(eng->tr);
        free(eng);
        return rc;
    }
    eng->chain = !vm->cfg.no_chain;
    if (vm->smp) {
        eng->tc.mt = true;
        pthread_mutex_init(&eng->tc.lock, NULL);
    }
    eng->tc.jc = vm->vcpu->jc;
    tb_jc_flush_all(vm->vcpu->jc);
    if (vm->nr_vcpus > 1) {
        eng->tc.jc2 = vm->vcpus[1]->jc;
        tb_jc_flush_all(eng->tc.jc2);
    }
    if (vm->cfg.perfmap) {
        char path[64];
        snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)getpid());
        /* Appended to: the process's map is every VM's (the monitor empties it once at start),
         * and one line per flush keeps the VMs' lines whole. */
        eng->perfmap = fopen(path, "a");
        if (!eng->perfmap) {
            rc = -errno;
            snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
            tcache_destroy(&eng->tc);
            free(eng->tr);
            free(eng);
            return rc;
        }
    }
    vm->dbt = eng;
    vm->tcache = &eng->tc;
    vm->physmap.write_hook = dbt_host_write_hook;
    vm->physmap.write_hook_opaque = vm;
    return 0;
}

void dbt_engine_destroy(struct vm *vm)
{
    struct dbt_engine *eng = vm->dbt;
    if (!eng)
        return;
    if (eng->perfmap)
        fclose(eng->perfmap);
    if (eng->tc.mt)
        pthread_mutex_destroy(&eng->tc.lock);
    tcache_destroy(&eng->tc);
    free(eng->tr);
    free(eng);
    vm->dbt = NULL;
    vm->tcache = NULL;
    vm->physmap.write_hook = NULL;
}

/* The translator's counters, as (name, value) pairs: for --stats and --profile. */
struct counter {
    const char *name;
    double value;
    bool integer;
};

static unsigned counters(const struct vm *vm, const struct dbt_engine *eng, struct counter *out)
{
    const struct tcache_stats *s = &eng->tc.stats;
    struct vcpu_run_counts rc = run_counts(vm);
    const struct vcpu_run_counts *r = &rc;
    uint64_t lookups = r->lookups[0] + r->lookups[1];
    unsigned n = 0;
#define C(nm, v) out[n++] = (struct counter){nm, (double)(v), true}
    C("translations", s->translations);
    C("translated_guest_insns", s->guest_insns);
    C("translated_host_bytes", s->host_bytes);
    out[n++] = (struct counter){"host_bytes_per_guest_insn",
                                s->guest_insns ? (double)s->host_bytes / (double)s->guest_insns : 0.0, false};
    C("lookups", lookups);
    C("jump_cache_hits", r->jc_hits[0] + r->jc_hits[1]);
    C("hash_hits", r->hash_hits[0] + r->hash_hits[1]);
    out[n++] = (struct counter){"hit_rate", lookups ? 1.0 - (double)s->translations / (double)lookups : 0.0,
                                false};
    C("chains", s->chains);
    C("entries", r->entries);
    C("flushes", s->flushes);
    C("invalidated_tbs", s->invalidated_tbs);
    C("invalidation_events", s->inval_events);
    C("interp_fallbacks", r->interp_fallbacks);
    C("budget_tails", r->budget_tails);
    C("code_buffer_used", tcache_used(&eng->tc));
    C("idle_trims", s->trims);
#undef C
    return n;
}

void dbt_print_stats(struct vm *vm, FILE *f)
{
    struct dbt_engine *eng = vm->dbt;
    if (!eng)
        return;
    struct counter c[32];
    unsigned n = counters(vm, eng, c);
    fprintf(f, "dbt:");
    for (unsigned i = 0; i < n; i++)
        fprintf(f, c[i].integer ? " %s=%.0f" : " %s=%.4f", c[i].name, c[i].value);
    fprintf(f, "\n");
}

static uint64_t host_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

bool dbt_get_stats(struct vm *vm, struct dbt_stats *s)
{
    struct dbt_engine *eng = vm->dbt;
    memset(s, 0, sizeof(*s));
    if (!eng)
        return false;
    struct vcpu_run_counts r = run_counts(vm);
    for (unsigned k = 0; k < 2; k++) {
        s->lookups[k] = r.lookups[k];
        s->jc_hits[k] = r.jc_hits[k];
        s->hash_hits[k] = r.hash_hits[k];
        s->translations[k] = eng->translations[k];
        s->retranslations[k] = eng->retranslations[k];
        s->guest_insns[k] = eng->guest_insns[k];
        s->host_bytes[k] = eng->host_bytes[k];
        s->translate_ns[k] = eng->translate_ns[k];
        s->entries[k] = r.entries_by[k];
    }
    s->chains_made = eng->tc.stats.chains;
    s->flushes = eng->tc.stats.flushes;
    s->flushed_tbs = eng->flushed_tbs;
    s->interp_fallbacks = r.interp_fallbacks;
    memcpy(s->fallbacks_by, r.fallbacks_by, sizeof(s->fallbacks_by));
    s->evictions = eng->tc.stats.evictions;
    s->evicted_tbs = eng->tc.stats.evicted_tbs;
    s->regions = eng->tc.n_regions;
    s->budget_tails = r.budget_tails;
    s->code_used = tcache_used(&eng->tc);
    s->code_size = eng->tc.size;
    s->n_tbs = eng->tc.n_tbs;
    s->traps = r.traps;
    s->trims = eng->tc.stats.trims;
    return true;
}

static bool unmapped(uint32_t pc)
{
    return pc >= 0x80000000u && pc < 0xC0000000u;
}

/* Translates the block at pc into tc (locked), making room when the buffer is full; NULL if the
 * translator gave up. With several vCPU threads, room is made only while every other vCPU is
 * outside translated code: the lock is let go before and after, and the block looked up again
 * (another vCPU may have translated it, or taken the room: then NULL, and it is interpreted). */
static struct tb *translate_locked(struct vcpu *v, struct dbt_engine *eng, uint32_t flags, gpa_t phys,
                                   uint8_t *host, bool *flushed, bool *fresh)
{
    *fresh = true;
    struct tcache *tc = &eng->tc;
    uint32_t pc = v->pc;
    unsigned k = (flags & TB_F_KERNEL) != 0;
    tcache_select(tc, k);
    struct tb *tb = dbt_translate(eng->tr, v, tc, pc, phys, host, flags, eng->chain);
    if (tb || tc->n_tbs == 0 || tcache_alloc(tc, TR_MAX_CODE) != NULL)
        return tb;
    /* the block we came from may be gone with the region: *flushed keeps it unchained */
    *flushed = true;
    if (tc->mt) {
        tcache_unlock(tc);
        smp_exclusive_begin(v);
        tcache_lock(tc);
        tcache_select(tc, k);
        if (tcache_alloc(tc, TR_MAX_CODE) == NULL) {
            if (tc->n_regions < 2)
                eng->flushed_tbs += tc->n_tbs;
            tcache_make_room(tc);
        }
        /* Not with the lock held: the other vCPU may start its own exclusive section as soon as
         * this one ends, and then wait for the lock while this one waits (smp_exclusive_end, back
         * into translated code) for that section to end. Both vCPUs stood so for good in a boot
         * under --exec trap, which empties regions more often. */
        tcache_unlock(tc);
        smp_exclusive_end(v);
        tcache_lock(tc);
        tb = tcache_lookup(tc, phys, pc, flags);
        if (tb) {
            *fresh = false; /* another vCPU translated it meanwhile */
            return tb;
        }
    } else {
        if (tc->n_regions < 2)
            eng->flushed_tbs += tc->n_tbs;
        tcache_make_room(tc);
    }
    tcache_select(tc, k);
    return dbt_translate(eng->tr, v, tc, pc, phys, host, flags, eng->chain);
}

/* The longest block taken for a spin-wait loop. */
#define SPIN_MAX_INSNS 8u

/*
 * Whether a block (its n decoded instructions at pc) is a spin-wait: a few instructions that branch
 * back to the first one, load, and store or change nothing but registers (Linux's qspinlock
 * waiting for the locked byte, `lw; andi; bnez`, or for its MCS node, `lw; beqz`, csd_lock_wait, a
 * seqcount retry): a vCPU in it waits for a store by another one. Decided once, from the
 * translator's own decode of the block, and read when an instruction budget runs out there
 * (spin_wait_at).
 */
static bool spin_wait_shape(const struct mips_insn *in, unsigned n, uint32_t pc)
{
    if (n > SPIN_MAX_INSNS)
        return false;
    bool loads = false, loops = false;
    for (unsigned i = 0; i < n; i++) {
        if (in[i].op == MIPS_OP_INVALID ||
            (in[i].flags & (MIPS_F_STORE | MIPS_F_PRIV | MIPS_F_END_BLOCK | MIPS_F_COP | MIPS_F_LINK)))
            return false;
        loads |= (in[i].flags & MIPS_F_LOAD) != 0;
        /* a conditional branch back to the block's first instruction (the translator keeps such a
         * loop inside the block) */
        if ((in[i].flags & MIPS_F_BRANCH) && in[i].op != MIPS_OP_J && in[i].op != MIPS_OP_JR &&
            in[i].op != MIPS_OP_JR_HB && pc + 4 * i + 4 + ((uint32_t)in[i].simm << 2) == pc)
            loops = true;
    }
    return loads && loops;
}

/* Whether the block where this vCPU's instruction budget just ran out (v->pc, the block the jump
 * cache holds for it) is a spin-wait. */
static bool spin_wait_at(const struct vcpu *v)
{
    uint32_t pc = v->pc;
    uint32_t flags = dbt_tb_flags(v) | (v->in_ds ? TB_F_DS : 0);
    const struct tb_jc_entry *e = &v->jc[tb_jc_hash(pc)];
    return tb_jc_entry_key(e) == (pc | (uint64_t)tb_jc_key(pc, flags, v->cp0.entryhi & 0xFF) << 32) &&
           e->tb->spin_wait;
}

/* Finds or makes the block at v->pc; NULL after delivering a fetch exception or if it must be
 * interpreted (*interp set, and why counted). */
static struct tb *find_tb(struct vcpu *v, struct dbt_engine *eng, uint32_t flags, bool *interp, bool *flushed)
{
    uint32_t pc = v->pc;
    struct tb_jc_entry *e = &v->jc[tb_jc_hash(pc)];
    unsigned k = (flags & TB_F_KERNEL) != 0;
    uint32_t key = tb_jc_key(pc, flags, v->cp0.entryhi & 0xFF);
    v->run.lookups[k]++;
    if (tb_jc_entry_key(e) == (pc | (uint64_t)key << 32)) {
        v->run.jc_hits[k]++;
        return e->tb;
    }
    if (pc & 3) {
        *interp = true; /* the interpreter's fetch raises AdEL with BadVAddr = pc */
        v->run.fallbacks_by[DBT_FB_UNALIGNED]++;
        return NULL;
    }
    struct mmu_result r;
    enum mmu_fault f = mmu_translate(&v->tlb, (enum mmu_mode)v->mmu_mode, v->cp0.entryhi & 0xFF, pc, MMU_FETCH, &r);
    if (f != MMU_OK) {
        cp0_raise_addr(v, dbt_fault_code(f, MMU_FETCH), pc, f == MMU_TLB_REFILL);
        return NULL;
    }
    if (r.mapped) {
        /* This entry's range now has to be flushed from the jump cache when it changes. */
        int i = mtlb_find(&v->tlb, pc, v->cp0.entryhi & 0xFF);
        if (i >= 0)
            v->tlb.fetched |= 1ull << i;
    }
    /* Blocks are keyed by canonical address: the same code through any RAM alias is one block. */
    struct physmap_page pg;
    if (physmap_page(&v->vm->physmap, r.pa, false, &pg) < 0 || !pg.whole) {
        *interp = true;
        v->run.fallbacks_by[DBT_FB_NOT_RAM]++;
        return NULL;
    }
    uint8_t *host = pg.host;
    gpa_t phys = pg.canon;
    struct tcache *tc = &eng->tc;
    if (tc->mt) {
        /* Threads: a block already translated is found and put in the jump cache without the
         * cache's lock (a jump-cache miss is the common way in, up to a couple of million times
         * a boot, and the lock's line would go from core to core each time). An invalidation
         * may run meanwhile: it marks the block, fences, then clears the jump caches' entries
         * of it; this sets the entry, fences, then looks at the mark, so one of the two clears
         * it. A block invalidated under it was never entered from here: the locked path below
         * looks again. */
        struct tb *tb = tcache_lookup_unlocked(tc, phys, pc, flags);
        if (tb && !__atomic_load_n(&tb->invalid, __ATOMIC_RELAXED)) {
            tb_jc_set(v->jc, pc, key, tb->host_code, tb);
            MEM_FENCE();
            if (!__atomic_load_n(&tb->invalid, __ATOMIC_RELAXED)) {
                v->run.hash_hits[k]++;
                return tb;
            }
            if (__atomic_load_n(&e->tb, __ATOMIC_RELAXED) == tb)
                tb_jc_set(v->jc, pc, TB_F_INVALID_KEY, NULL, NULL);
        }
    }
    /* The jump-cache entry is set under the lock too: an invalidation (under it) then either finds
     * it set and clears it, or comes before and the block is not found. */
    tcache_lock(tc);
    struct tb *tb = tcache_lookup(tc, phys, pc, flags);
    bool fresh = false;
    if (tb)
        v->run.hash_hits[k]++;
    if (!tb) {
        uint64_t t0 = 0;
        if (__builtin_expect(v->prof_on, 0)) {
            t0 = host_ns();
            atomic_store_explicit(&v->prof_where, PROF_AT_TRANSLATE << 1 | (int)k, memory_order_relaxed);
        }
        tb = translate_locked(v, eng, flags, phys, host, flushed, &fresh);
        if (__builtin_expect(v->prof_on, 0)) {
            eng->translate_ns[k] += host_ns() - t0;
            atomic_store_explicit(&v->prof_where, PROF_AT_MONITOR << 1 | (int)k, memory_order_relaxed);
        }
        if (!tb) {
            v->run.fallbacks_by[(flags & TB_F_DS) ? DBT_FB_DELAY_SLOT
                                : eng->tr->n ? DBT_FB_EMIT : DBT_FB_NO_BLOCK]++; /* tr is the lock's */
            tcache_unlock(tc);
            *interp = true;
            return NULL;
        }
    }
    if (fresh) {
        tb->spin_wait = spin_wait_shape(eng->tr->insn, tb->n_insns, pc); /* the decode is the lock's */
        eng->translations[k]++;
        eng->guest_insns[k] += tb->n_insns;
        eng->host_bytes[k] += tb->host_size;
        uint64_t retr = tc->stats.retranslations;
        if (tcache_insert(tc, tb))
            dbt_stlb_mark_code(v, phys);
        eng->retranslations[k] += tc->stats.retranslations - retr;
        if (eng->perfmap) {
            /* the two sections apart: the cold one lies at the buffer's other end */
            const char *mode = (flags & TB_F_KERNEL) ? "k" : "u";
            fprintf(eng->perfmap, "%" PRIxPTR " %x guest_%08x_%s\n", (uintptr_t)tb->host_code, tb->near_size, pc, mode);
            if (tb->host_size > tb->near_size)
                fprintf(eng->perfmap, "%" PRIxPTR " %x guest_%08x_%s.cold\n", (uintptr_t)tb->cold_code,
                        tb->host_size - tb->near_size, pc, mode);
            fflush(eng->perfmap);
        }
    }
    tb_jc_set(v->jc, pc, key, tb->host_code, tb);
    tcache_unlock(tc);
    return tb;
}

static bool may_chain(const struct tb *from, const struct tb *to)
{
    if ((from->pc >> 12) == (to->pc >> 12))
        return true;
    return unmapped(from->pc) && unmapped(to->pc);
}

void dbt_prof_track_retranslations(struct vm *vm)
{
    if (vm->dbt)
        tcache_track_dead(&vm->dbt->tc);
}

void dbt_trim(struct vm *vm)
{
    if (vm->dbt) {
        vm->dbt->flushed_tbs += vm->dbt->tc.n_tbs;
        tcache_trim(&vm->dbt->tc);
    }
}

void dbt_flush(struct vm *vm)
{
    if (vm->dbt) {
        vm->dbt->flushed_tbs += vm->dbt->tc.n_tbs;
        tcache_flush(&vm->dbt->tc);
    }
}

enum vcpu_exit dbt_run(struct vcpu *v)
{
    if (v->observe & VCPU_OBS_TRACE)
        return dbt_interp_run(v); /* tracing is per instruction: the interpreter does it */
    return dbt_run_steps(v, UINT64_MAX);
}

enum vcpu_exit dbt_run_steps(struct vcpu *v, uint64_t steps)
{
    struct dbt_engine *eng = v->vm->dbt;
    uintptr_t last = 0; /* the chainable exit we came out of: tb | n */
    uint64_t trap_t0 = 0; /* profiling: TSC when the last trap left translated code */
    if (__builtin_expect(v->waiting, 0)) {
        enum vcpu_exit why = vcpu_wait(v); /* the WAIT the last call returned in goes on */
        if (why != VCPU_EXIT_NONE)
            return why;
    }
    for (uint64_t step = 0; step < steps; step++) {
        if (__builtin_expect(v->icount >= v->next_event ||
                                 atomic_load_explicit(&v->exit_request, memory_order_relaxed),
                             0)) {
            enum vcpu_exit why = vcpu_events(v);
            if (why != VCPU_EXIT_NONE)
                return why;
            last = 0; /* an interrupt may have moved pc; a region emptied meanwhile took `last` */
            /* another vCPU wants every other one out of translated code, or holds this one (dvpe) */
            if (v->vm->smp && smp_quiesce(v))
                return VCPU_EXIT_SLICE;
        }
        if (__builtin_expect(v->exc_streak > WEDGE_EXCEPTIONS, 0)) {
            v->wedge_reason = 2;
            return VCPU_EXIT_WEDGED;
        }
        bool interp = false, flushed = false;
        /* in a delay slot (a split block's branch retired): the slot's own block (dbt/translate.c) */
        uint32_t flags = dbt_tb_flags(v) | (v->in_ds ? TB_F_DS : 0);
        struct tb *tb = find_tb(v, eng, flags, &interp, &flushed);
        if (!tb) {
            last = 0;
            if (interp) {
                v->run.interp_fallbacks++;
                enum vcpu_exit why = dbt_interp_run_until(v, v->icount + 1);
                if (why != VCPU_EXIT_NONE)
                    return why;
            }
            continue;
        }
        struct tb *from = (struct tb *)(last & ~TB_EXIT_MASK);
        unsigned n = (unsigned)(last & TB_EXIT_MASK);
        /* An exit that may not chain (into another mapped page) comes back here each time it is
         * taken: what decides that never changes, so it is looked at before the lock. */
        if (last && !flushed && eng->chain &&
            (n == from->ic_exit || (from->flags == tb->flags && from->jmp_target[n] == tb->pc && may_chain(from, tb)))) {
            tcache_lock(&eng->tc);
            if (n == from->ic_exit) {
                /* a jr's inline cache (dbt/tr_branch.c): chained as a direct exit would be */
                if (!from->invalid && from->flags == tb->flags && unmapped(from->pc) && unmapped(tb->pc))
                    tcache_chain(&eng->tc, from, n, tb);
                else
                    tcache_ic_settle(&eng->tc, from);
            } else if (!from->invalid && from->flags == tb->flags && from->jmp_target[n] == tb->pc &&
                       may_chain(from, tb)) {
                tcache_chain(&eng->tc, from, n, tb);
            }
            tcache_unlock(&eng->tc);
        }
        last = 0;
        uint64_t icount0 = v->icount;
        uint32_t streak0 = v->exc_streak;
        v->run.entries++;
        v->run.entries_by[(tb->flags & TB_F_KERNEL) != 0]++;
        if (__builtin_expect(trap_t0 != 0, 0)) {
            /* the trap path ends here: exit, emulation, lookup of the next block */
            if (v->prof.last_trap_kind >= 0)
                v->prof.trap_cycles[v->prof.last_trap_kind] += __rdtsc() - trap_t0;
            trap_t0 = 0;
        }
        int kern = (tb->flags & TB_F_KERNEL) != 0;
        if (__builtin_expect(v->prof_on, 0))
            atomic_store_explicit(&v->prof_where, PROF_AT_GUEST << 1 | kern, memory_order_relaxed);
        /* next_event stays within the poll horizon of icount (vcpu_update_next_event), or is 0 */
        v->dbt_budget = (int64_t)(v->next_event - v->icount);
        uintptr_t r = eng->enter(v, tb->host_code);
        if (__builtin_expect(v->prof_on, 0))
            atomic_store_explicit(&v->prof_where, PROF_AT_MONITOR << 1 | kern, memory_order_relaxed);
        /* Chained and inline-linked blocks share the entry block's flags, and a mode change
         * leaves translated code: everything retired here ran in the entry block's mode. */
        v->prof.insns[kern] += v->icount - icount0;
        if (v->icount != icount0)
            v->exc_streak -= streak0; /* instructions retired: only exceptions since count */
        if (r >= 4096) {
            last = r;
            continue;
        }
        if ((r & ((1u << DBT_RET_CAUSE_SHIFT) - 1)) == DBT_RET_TRAP) {
            v->run.traps++;
            if (__builtin_expect(v->prof_on, 0)) {
                trap_t0 = __rdtsc();
                atomic_store_explicit(&v->prof_where, PROF_AT_TRAP << 1 | 1, memory_order_relaxed);
            }
            uint64_t t0 = prof_slice_now(v);
            enum vcpu_exit why = trap_emulate(v, (unsigned)(r >> DBT_RET_CAUSE_SHIFT));
            if (t0) {
                v->prof.slice.traps++;
                v->prof.slice.trap_ns += host_ns() - t0;
            }
            if (why != VCPU_EXIT_NONE)
                return why;
            continue;
        }
        switch (r) {
        case DBT_RET_BUDGET:
            if (v->vm->smp && spin_wait_at(v)) {
                /* A whole poll horizon spent waiting for the other vCPU's store: give its thread
                 * the host CPU, in case it waits for this one (a lock holder preempted on a busy
                 * host runs on); a free host CPU makes this a system call per horizon. */
                if (__builtin_expect(v->prof_on, 0))
                    v->prof.slice.spin_horizons++;
                sched_yield();
            }
            if (v->icount < v->next_event && !atomic_load_explicit(&v->exit_request, memory_order_relaxed)) {
                if (!v->vm->clock.deterministic && !(v->max_insns && v->next_event >= v->max_insns) &&
                    v->next_event < v->slice_end) {
                    /* Real time: the event is the host-clock poll; a few instructions early is as
                     * good. (The end of the caller's slice is not: a block larger than a small slice
                     * would never run. It gets the interpreted tail below.) */
                    enum vcpu_exit why = vcpu_events(v);
                    if (why != VCPU_EXIT_NONE)
                        return why;
                    break;
                }
                /* The block does not fit the instruction budget: interpret up to the event. */
                v->run.budget_tails++;
                enum vcpu_exit why = dbt_interp_run_until(v, v->next_event);
                if (why != VCPU_EXIT_NONE)
                    return why;
            }
            break;
        case DBT_RET_WAIT: {
            v->exc_streak = 0;
            enum vcpu_exit why = vcpu_wait(v);
            if (why != VCPU_EXIT_NONE)
                return why;
            break;
        }
        default:
            break;
        }
    }
    return VCPU_EXIT_NONE;
}
