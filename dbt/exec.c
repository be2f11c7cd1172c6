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
 * the shared epilogue with the return value in rax. Guest exceptions
 * raised by helpers return normally through that path: nothing unwinds
 * with longjmp, and no signal handler touches translated code.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dbt/translate.h"

#define DBT_CODE_SIZE ((size_t)128 << 20)
#define WEDGE_EXCEPTIONS 64

typedef uintptr_t (*dbt_enter_fn)(struct vcpu *v, const void *code);

struct dbt_engine {
    struct tcache tc;
    dbt_enter_fn enter;
    bool chain;
    FILE *perfmap;
    uint64_t interp_fallbacks, budget_tails, entries;
};

const uint8_t *dbt_exit_code;

static int emit_trampolines(struct dbt_engine *eng)
{
    uint8_t *p = tcache_reserve(&eng->tc, 128);
    if (!p)
        return -ENOMEM;
    struct x64_emitter e;
    x64_init(&e, p, 128);
    static const int8_t saved[] = {X64_RBX, X64_RBP, X64_R12, X64_R13, X64_R14, X64_R15};
    for (unsigned i = 0; i < sizeof(saved); i++)
        x64_push_r64(&e, saved[i]);
    x64_alu_r64_imm32(&e, X64_SUB, X64_RSP, 8); /* calls from translated code see rsp % 16 == 0 */
    x64_mov_r64_r64(&e, X64_R15, X64_RDI);
    x64_jmp_r64(&e, X64_RSI);
    x64_align(&e, 16, 0);
    size_t exit_at = e.len;
    x64_alu_r64_imm32(&e, X64_ADD, X64_RSP, 8);
    for (int i = (int)sizeof(saved) - 1; i >= 0; i--)
        x64_pop_r64(&e, saved[i]);
    x64_ret(&e);
    if (e.overflow)
        return -ENOMEM;
    eng->enter = (dbt_enter_fn)(void *)p;
    dbt_exit_code = p + exit_at;
    return 0;
}

int dbt_engine_init(struct vm *vm, char *err, size_t errlen)
{
    struct dbt_engine *eng = calloc(1, sizeof(*eng));
    if (!eng) {
        snprintf(err, errlen, "cannot allocate the translator");
        return -ENOMEM;
    }
    int rc = tcache_init(&eng->tc, DBT_CODE_SIZE, (const void *)dbt_h_load);
    if (rc < 0) {
        snprintf(err, errlen, "cannot map the translation code buffer: %s", strerror(-rc));
        free(eng);
        return rc;
    }
    rc = emit_trampolines(eng);
    if (rc < 0) {
        snprintf(err, errlen, "cannot emit the translator's trampolines");
        tcache_destroy(&eng->tc);
        free(eng);
        return rc;
    }
    eng->chain = !vm->cfg.no_chain;
    eng->tc.jc = vm->vcpu->jc;
    tb_jc_flush_all(vm->vcpu->jc);
    if (vm->cfg.perfmap) {
        char path[64];
        snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)getpid());
        eng->perfmap = fopen(path, "w");
        if (!eng->perfmap) {
            snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
            tcache_destroy(&eng->tc);
            free(eng);
            return -errno;
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
    tcache_destroy(&eng->tc);
    free(eng);
    vm->dbt = NULL;
    vm->tcache = NULL;
    vm->physmap.write_hook = NULL;
}

void dbt_print_stats(struct vm *vm, FILE *f)
{
    struct dbt_engine *eng = vm->dbt;
    if (!eng)
        return;
    const struct tcache_stats *s = &eng->tc.stats;
    fprintf(f,
            "dbt: blocks=%" PRIu64 " guest_insns=%" PRIu64 " host_bytes=%" PRIu64 " bytes_per_insn=%.1f"
            " chains=%" PRIu64 " flushes=%" PRIu64 " invalidated=%" PRIu64 " smc_pages=%" PRIu64
            " entries=%" PRIu64 " interp_fallbacks=%" PRIu64 " budget_tails=%" PRIu64 "\n",
            s->translations, s->guest_insns, s->host_bytes,
            s->guest_insns ? (double)s->host_bytes / (double)s->guest_insns : 0.0, s->chains, s->flushes,
            s->invalidated_tbs, s->smc_pages, eng->entries, eng->interp_fallbacks, eng->budget_tails);
}

static bool unmapped(uint32_t pc)
{
    return pc >= 0x80000000u && pc < 0xC0000000u;
}

/* Finds or makes the block at v->pc; NULL after delivering a fetch exception or if it must be
 * interpreted (*interp set). */
static struct tb *find_tb(struct vcpu *v, struct dbt_engine *eng, uint32_t flags, bool *interp, bool *flushed)
{
    uint32_t pc = v->pc;
    struct tb_jc_entry *e = &v->jc[tb_jc_hash(pc)];
    if (e->pc == pc && e->flags == flags)
        return e->tb;
    if (pc & 3) {
        *interp = true; /* the interpreter's fetch raises AdEL with BadVAddr = pc */
        return NULL;
    }
    struct mmu_result r;
    enum mmu_fault f = mmu_translate(&v->tlb, (enum mmu_mode)v->mmu_mode, v->cp0.entryhi & 0xFF, pc, MMU_FETCH, &r);
    if (f != MMU_OK) {
        cp0_raise_addr(v, dbt_fault_code(f, MMU_FETCH), pc, f == MMU_TLB_REFILL);
        return NULL;
    }
    uint8_t *host = physmap_host(&v->vm->physmap, r.pa & ~0xFFFull, 4096);
    if (!host) {
        *interp = true;
        return NULL;
    }
    struct tcache *tc = &eng->tc;
    struct tb *tb = tcache_lookup(tc, r.pa, pc, flags);
    if (!tb) {
        tb = dbt_translate(v, tc, pc, r.pa, host, flags, eng->chain);
        if (!tb && tc->n_tbs > 0 && tcache_alloc(tc, TR_HOT_MAX + TR_COLD_MAX) == NULL) {
            tcache_flush(tc);
            *flushed = true;
            tb = dbt_translate(v, tc, pc, r.pa, host, flags, eng->chain);
        }
        if (!tb) {
            *interp = true;
            return NULL;
        }
        if (tcache_insert(tc, tb))
            dbt_stlb_mark_code(v, host);
        if (eng->perfmap) {
            fprintf(eng->perfmap, "%" PRIxPTR " %x guest_%08x_%s\n", (uintptr_t)tb->host_code, tb->host_size, pc,
                    (flags & TB_F_KERNEL) ? "k" : "u");
            fflush(eng->perfmap);
        }
    }
    e->pc = pc;
    e->flags = flags;
    e->code = tb->host_code;
    e->tb = tb;
    return tb;
}

static bool may_chain(const struct tb *from, const struct tb *to)
{
    if ((from->pc >> 12) == (to->pc >> 12))
        return true;
    return unmapped(from->pc) && unmapped(to->pc);
}

struct dbt_debug dbt_debug;

void dbt_flush(struct vm *vm)
{
    if (vm->dbt)
        tcache_flush(&vm->dbt->tc);
}

enum vcpu_exit dbt_run(struct vcpu *v)
{
    if (dbt_trace.on)
        return dbt_interp_run(v); /* tracing is per instruction: the interpreter does it */
    return dbt_run_steps(v, UINT64_MAX);
}

enum vcpu_exit dbt_run_steps(struct vcpu *v, uint64_t steps)
{
    struct dbt_engine *eng = v->vm->dbt;
    uintptr_t last = 0; /* the chainable exit we came out of: tb | n */
    for (uint64_t step = 0; step < steps; step++) {
        if (__builtin_expect(v->icount >= v->next_event ||
                                 atomic_load_explicit(&v->exit_request, memory_order_relaxed),
                             0)) {
            enum vcpu_exit why = vcpu_events(v);
            if (why != VCPU_EXIT_NONE)
                return why;
            last = 0; /* an interrupt may have moved pc */
        }
        if (__builtin_expect(v->exc_streak > WEDGE_EXCEPTIONS, 0)) {
            v->wedge_reason = 2;
            return VCPU_EXIT_WEDGED;
        }
        bool interp = v->in_ds, flushed = false;
        uint32_t flags = dbt_tb_flags(v);
        struct tb *tb = interp ? NULL : find_tb(v, eng, flags, &interp, &flushed);
        if (!tb) {
            last = 0;
            if (interp) {
                eng->interp_fallbacks++;
                enum vcpu_exit why = dbt_interp_run_until(v, v->icount + 1);
                if (why != VCPU_EXIT_NONE)
                    return why;
            }
            continue;
        }
        if (last && !flushed && eng->chain) {
            struct tb *from = (struct tb *)(last & ~(uintptr_t)1);
            unsigned n = last & 1;
            if (!from->invalid && from->flags == tb->flags && from->jmp_target[n] == tb->pc && may_chain(from, tb))
                tcache_chain(&eng->tc, from, n, tb);
        }
        last = 0;
        uint64_t icount0 = v->icount;
        uint32_t streak0 = v->exc_streak;
        eng->entries++;
        uintptr_t r = eng->enter(v, tb->host_code);
        if (v->icount != icount0)
            v->exc_streak -= streak0; /* instructions retired: only exceptions since count */
        if (r >= 4096) {
            last = r;
            continue;
        }
        switch (r) {
        case DBT_RET_BUDGET:
            if (v->icount < v->next_event && !atomic_load_explicit(&v->exit_request, memory_order_relaxed)) {
                /* The block does not fit the instruction budget: interpret up to the event. */
                eng->budget_tails++;
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
