/*
 * --profile: what the run cost and where, printed at exit (and on
 * SIGUSR1) as a table, or written as JSON for bench/.
 *
 * The numbers come from three places: the translator's own counters
 * (dbt_get_stats: lookups, hits, translations, time translating), the
 * vCPU's struct vcpu_prof (privileged operations, traps and their host
 * cycles, memory slow paths, refills, MMIO), and CPU-time samples. The
 * samples come from a timer on the CPU clock of each thread that runs
 * vCPUs (vm_run's thread, or each scheduler worker: profile_thread_begin),
 * delivered to that thread, whose handler only bumps an atomic counter of
 * the vCPU the thread runs at that moment for where the thread says it is (guest code by guest mode, translating, in the trap
 * path, elsewhere in the monitor). SIGUSR1's handler only counts the
 * request; the vCPU thread prints at its next event check (vcpu_events ->
 * profile_poll), never from the handler.
 *
 * Each VM keeps its own profiling state (struct vm_profile). What is
 * process-wide is what the host makes so: SIGUSR1 is a process signal, so
 * its handler only counts requests and every profiled VM prints once per
 * request at its next event check; a thread runs one vCPU at a time, so
 * the sampler's handler finds the vCPU through a thread-local pointer.
 */
#define _GNU_SOURCE /* SIGEV_THREAD_ID, gettid */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dbt/dbt.h"
#include "monitor/internal.h"
#include "numa/numa.h"

#define PROF_SAMPLE_NS 1000000 /* one CPU-time sample per millisecond of the vCPU thread */

struct vm_profile {
    uint64_t t0_ns;
    _Atomic uint64_t samples[8]; /* by prof_where value: where << 1 | guest kernel */
    unsigned dumps_seen;         /* SIGUSR1 requests this VM has printed */
};

/* SIGUSR1 requests so far: a process-wide count, as the signal is the process's. */
static _Atomic unsigned usr1_requests;
/* The profiled vCPU this thread runs: what its sampler's SIGPROF counts into. */
static _Thread_local struct vcpu *_Atomic sampled_vcpu;
/* This thread's sampler: a timer on its own CPU clock (profile_thread_begin). */
static _Thread_local timer_t thread_timer;
static _Thread_local bool thread_timer_on;
static _Atomic bool no_sampling_said;
static pthread_once_t handlers_once = PTHREAD_ONCE_INIT;

static void on_sigusr1(int sig)
{
    (void)sig;
    atomic_fetch_add_explicit(&usr1_requests, 1, memory_order_relaxed);
}

static void on_sample(int sig)
{
    (void)sig;
    struct vcpu *v = atomic_load_explicit(&sampled_vcpu, memory_order_relaxed);
    if (!v)
        return;
    int w = atomic_load_explicit(&v->prof_where, memory_order_relaxed);
    atomic_fetch_add_explicit(&v->vm->prof->samples[w & 7], 1, memory_order_relaxed);
}

static void install_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sa.sa_handler = on_sigusr1;
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_handler = on_sample;
    sigaction(SIGPROF, &sa, NULL);
}

int profile_start(struct vm *vm)
{
    struct vm_profile *p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    p->t0_ns = host_monotonic_ns();
    p->dumps_seen = atomic_load(&usr1_requests);
    vm->prof = p;
    for (unsigned i = 0; i < vm->nr_vcpus; i++)
        vm->vcpus[i]->prof_on = true;
    dbt_prof_track_retranslations(vm);
    profile_nets_start(vm);
    vm->vcpu->prof.last_trap_kind = -1;
    pthread_once(&handlers_once, install_handlers);
    return 0;
}

void profile_thread_begin(void)
{
    if (thread_timer_on)
        return;
    pthread_once(&handlers_once, install_handlers);
    struct sigevent sev;
    memset(&sev, 0, sizeof(sev));
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = SIGPROF;
    sev._sigev_un._tid = gettid();
    if (timer_create(CLOCK_THREAD_CPUTIME_ID, &sev, &thread_timer) == 0) {
        struct itimerspec its = {.it_interval = {0, PROF_SAMPLE_NS}, .it_value = {0, PROF_SAMPLE_NS}};
        thread_timer_on = timer_settime(thread_timer, 0, &its, NULL) == 0;
        if (!thread_timer_on)
            timer_delete(thread_timer);
    }
    if (!thread_timer_on && !atomic_exchange(&no_sampling_said, true))
        fprintf(stderr, "mvisor: --profile: no CPU-time sampling on this host\n");
}

void profile_thread_set(struct vcpu *v)
{
    atomic_store_explicit(&sampled_vcpu, v && v->vm->prof ? v : NULL, memory_order_relaxed);
    atomic_signal_fence(memory_order_seq_cst);
}

/*
 * The sampler's handler reads the vCPU, which vm_destroy frees: the timer must be gone and the
 * thread's pointer cleared first, or a late SIGPROF during the teardown reads freed memory (it
 * crashed `--exec trap --profile` runs at exit, about one in ten). A SIGPROF generated before the
 * timer_delete is delivered on its return, while the vCPU still exists.
 */
void profile_thread_end(void)
{
    if (thread_timer_on) {
        timer_delete(thread_timer);
        thread_timer_on = false;
    }
    atomic_signal_fence(memory_order_seq_cst);
    atomic_store_explicit(&sampled_vcpu, NULL, memory_order_relaxed);
    atomic_signal_fence(memory_order_seq_cst);
}

/* Every thread that ran the VM has ended its sampler (profile_thread_end) by now. */
void profile_stop(struct vm *vm)
{
    struct vm_profile *p = vm->prof;
    if (!p)
        return;
    if (atomic_load_explicit(&sampled_vcpu, memory_order_relaxed) == vm->vcpu)
        profile_thread_end();
    vm->prof = NULL;
    free(p);
}

void profile_poll(struct vm *vm)
{
    struct vm_profile *p = vm->prof;
    if (!p)
        return;
    unsigned req = atomic_load_explicit(&usr1_requests, memory_order_relaxed);
    if (req == p->dumps_seen)
        return;
    p->dumps_seen = req;
    fprintf(stderr, "mvisor: profile (SIGUSR1) at %" PRIu64 " guest instructions\n", vm->vcpu->icount);
    profile_write(vm, stderr, false);
}

/* ---- names ---- */

static const char *cp0_name(unsigned regsel)
{
    static const struct { uint16_t rs; const char *n; } names[] = {
        {0, "Index"}, {8, "Random"}, {16, "EntryLo0"}, {24, "EntryLo1"}, {32, "Context"},
        {34, "UserLocal"}, {40, "PageMask"}, {48, "Wired"}, {56, "HWREna"}, {64, "BadVAddr"},
        {72, "Count"}, {80, "EntryHi"}, {88, "Compare"}, {96, "Status"}, {97, "IntCtl"},
        {98, "SRSCtl"}, {104, "Cause"}, {112, "EPC"}, {120, "PRId"}, {121, "EBase"},
        {128, "Config"}, {129, "Config1"}, {130, "Config2"}, {131, "Config3"}, {136, "LLAddr"},
        {144, "WatchLo"}, {152, "WatchHi"}, {184, "Debug"}, {192, "DEPC"}, {200, "PerfCnt"},
        {208, "ErrCtl"}, {216, "CacheErr"}, {224, "TagLo"}, {225, "DataLo"}, {232, "TagHi"},
        {233, "DataHi"}, {240, "ErrorEPC"}, {248, "DESAVE"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].rs == regsel)
            return names[i].n;
    return NULL;
}

/* "mfc0.Status", "mtc0.r22s3", "tlbwr", ... */
static void kind_name(unsigned k, char *buf, size_t len)
{
    static const char *const other[] = {"tlbr", "tlbwi", "tlbwr", "tlbp", "eret", "cache", "wait",
                                        "di", "ei", "rdhwr", "rdpgpr", "wrpgpr", "deret",
                                        "mftr", "mttr", "dvpe", "evpe", "dmt", "emt"};
    if (k < PRIV_TLBR) {
        unsigned rs = k & 0xFF;
        const char *n = cp0_name(rs);
        if (n)
            snprintf(buf, len, "%s.%s", k < PRIV_MTC0 ? "mfc0" : "mtc0", n);
        else
            snprintf(buf, len, "%s.r%us%u", k < PRIV_MTC0 ? "mfc0" : "mtc0", rs >> 3, rs & 7);
    } else {
        snprintf(buf, len, "%s", other[k - PRIV_TLBR]);
    }
}

/* Exception codes by name (Cause.ExcCode, PRA Table 9.31). */
static const char *const exc_names[32] = {
    [EXC_INT] = "int", [EXC_MOD] = "mod", [EXC_TLBL] = "tlbl", [EXC_TLBS] = "tlbs", [EXC_ADEL] = "adel",
    [EXC_ADES] = "ades", [EXC_IBE] = "ibe", [EXC_DBE] = "dbe", [EXC_SYS] = "sys", [EXC_BP] = "bp",
    [EXC_RI] = "ri", [EXC_CPU] = "cpu", [EXC_OV] = "ov", [EXC_TR] = "tr", [EXC_FPE] = "fpe",
    [EXC_WATCH] = "watch", [EXC_MCHECK] = "mcheck",
};

static const char *exec_name(enum exec_mode m)
{
    return m == EXEC_TRAP ? "trap" : m == EXEC_INTERP ? "interp" : "dbt";
}

static double ratio(uint64_t a, uint64_t b)
{
    return b ? (double)a / (double)b : 0.0;
}

/* ---- the numbers, computed once for both formats ---- */

struct tc_row {
    uint64_t lookups, jc_hits, hash_hits, translations, retranslations, chained, ic_hits, inline_hits, entries, loop_entries;
    uint64_t guest_insns, host_bytes, translate_ns;
    double hit_rate;
};

static void tc_row(const struct dbt_stats *s, const struct vcpu_prof *p, int k, struct tc_row *r)
{
    memset(r, 0, sizeof(*r));
    for (int i = 0; i < 2; i++) {
        if (k >= 0 && i != k)
            continue;
        /* Inline jump-cache hits of jr/jalr are lookups too, and hits; chained jumps are not. */
        r->lookups += s->lookups[i] + p->jc_inline_hits[i];
        r->jc_hits += s->jc_hits[i] + p->jc_inline_hits[i];
        r->hash_hits += s->hash_hits[i];
        r->translations += s->translations[i];
        r->retranslations += s->retranslations[i];
        r->inline_hits += p->jc_inline_hits[i];
        r->ic_hits += p->ic_hits[i];
        r->entries += p->block_entries[i];
        r->loop_entries += s->entries[i];
        r->guest_insns += s->guest_insns[i];
        r->host_bytes += s->host_bytes[i];
        r->translate_ns += s->translate_ns[i];
    }
    uint64_t direct = r->loop_entries + r->inline_hits;
    r->chained = r->entries > direct ? r->entries - direct : 0;
    r->hit_rate = r->lookups ? 1.0 - (double)r->translations / (double)r->lookups : 0.0;
}

/* Microseconds of the process's CPU time per event, for `part` of `total` samples over `n` events. */
static double cpu_us_per(uint64_t part, uint64_t total, uint64_t n)
{
    struct timespec ts;
    if (!total || !n || clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
        return 0.0;
    double cpu_us = (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
    return cpu_us * (double)part / (double)total / (double)n;
}

static const char *where_name[4] = {"guest", "translating", "trap", "monitor"};

void profile_write(struct vm *vm, FILE *f, bool json)
{
    struct vcpu *v = vm->vcpu;
    const struct vcpu_prof *p = &v->prof;
    struct dbt_stats s;
    bool dbt = dbt_get_stats(vm, &s);
    const struct vm_profile *pr = vm->prof;
    double host_s = pr ? (double)(host_monotonic_ns() - pr->t0_ns) / 1e9 : 0.0;
    struct tc_row rows[3];
    tc_row(&s, p, 1, &rows[0]);
    tc_row(&s, p, 0, &rows[1]);
    tc_row(&s, p, -1, &rows[2]);
    const char *row_names[3] = {"kernel", "user", "total"};
    uint64_t accesses = p->mem_accesses[0] + p->mem_accesses[1];
    uint64_t data_misses = p->mem_slow > p->stlb_victim_hits ? p->mem_slow - p->stlb_victim_hits : 0;
    double stlb_hit = accesses ? 1.0 - (double)data_misses / (double)accesses : 0.0;
    uint64_t samp[8], samp_total = 0;
    for (int i = 0; i < 8; i++)
        samp_total += samp[i] = pr ? atomic_load(&pr->samples[i]) : 0;
    double translate_s = (double)rows[2].translate_ns / 1e9;

    if (json) {
        fprintf(f, "{\n  \"engine\": \"%s\",\n  \"guest_insns\": %" PRIu64 ",\n", exec_name(vm->cfg.exec), v->icount);
        fprintf(f, "  \"guest_insns_kernel\": %" PRIu64 ",\n  \"guest_insns_user\": %" PRIu64 ",\n", p->insns[1],
                p->insns[0]);
        fprintf(f, "  \"host_seconds\": %.6f,\n", host_s);
        /* Kept for older readers: the translator's totals under their first names. */
        fprintf(f, "  \"translator\": {\"translations\": %" PRIu64 ", \"hit_rate\": %.6f, \"lookups\": %" PRIu64 "},\n",
                rows[2].translations, rows[2].hit_rate, rows[2].lookups);
        fprintf(f, "  \"translation_cache\": {");
        for (int i = 0; i < 3 && dbt; i++) {
            const struct tc_row *r = &rows[i];
            fprintf(f, "%s\n    \"%s\": {\"lookups\": %" PRIu64 ", \"jump_cache_hits\": %" PRIu64
                    ", \"hash_hits\": %" PRIu64 ", \"translations\": %" PRIu64 ", \"retranslations\": %" PRIu64
                    ", \"hit_rate\": %.6f"
                    ", \"chained_transfers\": %" PRIu64 ", \"inline_cached_jumps\": %" PRIu64
                    ", \"indirect_jump_hits\": %" PRIu64
                    ", \"block_entries\": %" PRIu64 ", \"translated_guest_insns\": %" PRIu64
                    ", \"translated_host_bytes\": %" PRIu64 ", \"translate_seconds\": %.6f"
                    ", \"jump_cache_hit_rate\": %.6f, \"us_per_translation\": %.3f"
                    ", \"host_bytes_per_guest_insn\": %.3f}",
                    i ? "," : "", row_names[i], r->lookups, r->jc_hits, r->hash_hits, r->translations, r->retranslations, r->hit_rate,
                    r->chained, r->ic_hits, r->inline_hits, r->entries, r->guest_insns, r->host_bytes,
                    (double)r->translate_ns / 1e9, ratio(r->jc_hits, r->lookups),
                    ratio(r->translate_ns, r->translations) / 1e3, ratio(r->host_bytes, r->guest_insns));
        }
        if (dbt)
            fprintf(f, ",\n    \"translate_fraction\": %.6f, \"chains_made\": %" PRIu64 ", \"smc_stores\": %" PRIu64
                    ", \"smc_tbs\": %" PRIu64 ", \"smc_spared_stores\": %" PRIu64 ", \"smc_dropped_pages\": %" PRIu64
                    ", \"smc_dropped_tbs\": %" PRIu64 ", \"host_write_tbs\": %" PRIu64 ", \"tlb_jc_flushes\": %" PRIu64
                    ", \"full_flushes\": %" PRIu64 ", \"flushed_tbs\": %" PRIu64
                    ", \"code_buffer_used\": %" PRIu64 ", \"code_buffer_size\": %" PRIu64 ", \"tbs\": %" PRIu64
                    ", \"interp_fallbacks\": %" PRIu64 ", \"budget_tails\": %" PRIu64
                    ", \"code_buffer_regions\": %u, \"region_evictions\": %" PRIu64 ", \"evicted_tbs\": %" PRIu64
                    ", \"idle_trims\": %" PRIu64 ",\n    \"fallbacks\": {\"delay_slot\": %" PRIu64 ", \"unaligned\": %" PRIu64
                    ", \"not_ram\": %" PRIu64 ", \"no_block\": %" PRIu64 ", \"emit\": %" PRIu64 "}\n  ",
                    host_s > 0 ? translate_s / host_s : 0.0, s.chains_made, p->smc_stores, p->smc_tbs, p->smc_spared,
                    p->smc_dropped_pages, p->smc_dropped_tbs,
                    p->host_write_tbs, p->jc_flush_tlb, s.flushes, s.flushed_tbs, s.code_used,
                    s.code_size, s.n_tbs, s.interp_fallbacks, s.budget_tails, s.regions, s.evictions, s.evicted_tbs,
                    s.trims, s.fallbacks_by[DBT_FB_DELAY_SLOT], s.fallbacks_by[DBT_FB_UNALIGNED], s.fallbacks_by[DBT_FB_NOT_RAM],
                    s.fallbacks_by[DBT_FB_NO_BLOCK], s.fallbacks_by[DBT_FB_EMIT]);
        fprintf(f, "},\n  \"privileged\": {");
        uint64_t priv_total = 0, trap_total = 0, cyc_total = 0;
        bool first = true;
        for (unsigned k = 0; k < PRIV_KINDS; k++) {
            if (!p->priv[k] && !p->trap_count[k])
                continue;
            char name[40];
            kind_name(k, name, sizeof(name));
            priv_total += p->priv[k];
            trap_total += p->trap_count[k];
            cyc_total += p->trap_cycles[k];
            fprintf(f, "%s\n    \"%s\": {\"count\": %" PRIu64 ", \"traps\": %" PRIu64 ", \"cycles_per_trap\": %.1f}",
                    first ? "" : ",", name, p->priv[k], p->trap_count[k], ratio(p->trap_cycles[k], p->trap_count[k]));
            first = false;
        }
        fprintf(f, "%s\n  },\n  \"privileged_total\": %" PRIu64 ",\n  \"traps_total\": %" PRIu64
                ",\n  \"trap_cycles_per_trap\": %.1f,\n", first ? "" : "", priv_total, trap_total,
                ratio(cyc_total, trap_total));
        fprintf(f, "  \"memory\": {\"accesses_kernel\": %" PRIu64 ", \"accesses_user\": %" PRIu64
                ", \"slow_path\": %" PRIu64 ", \"victim_hits\": %" PRIu64 ", \"stlb_hit_rate\": %.6f"
                ", \"stlb_fills\": %" PRIu64 ", \"fetch_slow_path\": %" PRIu64 ", \"pmap_lookups\": %" PRIu64
                ", \"guest_tlb_refills\": %" PRIu64 ", \"tlbl\": %" PRIu64 ", \"tlbs\": %" PRIu64
                ", \"tlb_mod\": %" PRIu64 ", \"mmio_unassigned\": %" PRIu64 "},\n",
                p->mem_accesses[1], p->mem_accesses[0], p->mem_slow, p->stlb_victim_hits, stlb_hit, p->stlb_fills,
                p->mem_slow_fetch, p->pmap_lookups, p->tlb_refills, v->nr_exceptions[EXC_TLBL],
                v->nr_exceptions[EXC_TLBS], v->nr_exceptions[EXC_MOD], p->mmio_unassigned);
        const struct pmap_stats *ps = &vm->pmap.st;
        uint64_t priv = 0, shared = 0;
        if (vm->pmap.mm)
            pmap_count(&vm->pmap, &priv, &shared);
        fprintf(f, "  \"machine_memory\": {\"private_pages\": %" PRIu64 ", \"shared_pages\": %" PRIu64
                ", \"first_touches\": %" PRIu64 ", \"cow_maps\": %" PRIu64 ", \"cow_copies\": %" PRIu64
                ", \"moves\": %" PRIu64 ", \"discarded\": %" PRIu64
                ", \"shootdowns\": %" PRIu64 ", \"shootdown_entries\": %" PRIu64 ", \"pool_pages_in_use\": %" PRIu64
                "},\n", priv, shared, atomic_load(&ps->touched), atomic_load(&ps->shared_maps),
                atomic_load(&ps->cow_copies), atomic_load(&ps->moves),
                atomic_load(&ps->discarded), atomic_load(&ps->shootdowns), atomic_load(&ps->shot_entries),
                vm->mm ? vm->mm->in_use : 0);
        profile_disks(vm, f, true);
        profile_nets(vm, f, true);
        profile_sharing(vm, f, true);
        fprintf(f, "  \"idle_slack\": {\"deferred_wakeups\": %" PRIu64 "},\n",
                __atomic_load_n(&vm->idle_deferred, __ATOMIC_RELAXED));
        numa_report_vm(vm->numa, f, true);
        profile_slices(vm, f, true);
        fprintf(f, "  \"mmio\": {");
        first = true;
        for (unsigned i = 0; i < vm->physmap.n && i < 64; i++) {
            if (!p->mmio[i])
                continue;
            fprintf(f, "%s\"%s\": %" PRIu64, first ? "" : ", ", vm->physmap.r[i].name, p->mmio[i]);
            first = false;
        }
        fprintf(f, "},\n  \"exceptions\": {");
        first = true;
        for (unsigned c = 0; c < 32; c++) {
            if (!exc_names[c])
                continue;
            fprintf(f, "%s\"%s\": %" PRIu64, first ? "" : ", ", exc_names[c], v->nr_exceptions[c]);
            first = false;
        }
        fprintf(f, "},\n");
        fprintf(f, "  \"cpu_samples\": {\"interval_ms\": %.3f, \"total\": %" PRIu64, PROF_SAMPLE_NS / 1e6,
                samp_total);
        for (int w = 0; w < 8; w++)
            if (samp[w])
                fprintf(f, ", \"%s_%s\": %" PRIu64, where_name[w >> 1], (w & 1) ? "kernel" : "user", samp[w]);
        fprintf(f, "},\n  \"cpu_us_per_translation\": %.3f\n}\n",
                cpu_us_per(samp[PROF_AT_TRANSLATE << 1] + samp[PROF_AT_TRANSLATE << 1 | 1], samp_total,
                           rows[2].translations));
        return;
    }

    fprintf(f, "profile: --exec %s, %" PRIu64 " guest instructions (kernel %" PRIu64 ", user %" PRIu64
            "), %.3f host seconds\n", exec_name(vm->cfg.exec), v->icount, p->insns[1], p->insns[0], host_s);
    if (dbt) {
        fprintf(f, "\ntranslation cache          %14s %14s %14s\n", "kernel", "user", "total");
#define ROW(label, field, fmt)                                                                       \
        fprintf(f, "  %-24s " fmt " " fmt " " fmt "\n", label, rows[0].field, rows[1].field, rows[2].field)
        ROW("lookups (not chained)", lookups, "%14" PRIu64);
        ROW("jump-cache hits", jc_hits, "%14" PRIu64);
        ROW("hash hits", hash_hits, "%14" PRIu64);
        ROW("misses = translations", translations, "%14" PRIu64);
        ROW("  of which re-translated", retranslations, "%14" PRIu64);
        ROW("hit rate", hit_rate, "%14.6f");
        fprintf(f, "  %-24s %14.6f %14.6f %14.6f\n", "jump-cache hit rate", ratio(rows[0].jc_hits, rows[0].lookups),
                ratio(rows[1].jc_hits, rows[1].lookups), ratio(rows[2].jc_hits, rows[2].lookups));
        ROW("chained transfers", chained, "%14" PRIu64);
        ROW("  of which jr inline-cached", ic_hits, "%14" PRIu64);
        ROW("inline jump-cache hits", inline_hits, "%14" PRIu64);
        ROW("block entries", entries, "%14" PRIu64);
        ROW("translated guest insns", guest_insns, "%14" PRIu64);
        ROW("translated host bytes", host_bytes, "%14" PRIu64);
#undef ROW
        fprintf(f, "  %-24s %14.4f %14.4f %14.4f\n", "host bytes / guest insn",
                ratio(rows[0].host_bytes, rows[0].guest_insns), ratio(rows[1].host_bytes, rows[1].guest_insns),
                ratio(rows[2].host_bytes, rows[2].guest_insns));
        fprintf(f, "  %-24s %14.6f %14.6f %14.6f\n", "seconds translating", rows[0].translate_ns / 1e9,
                rows[1].translate_ns / 1e9, translate_s);
        fprintf(f, "  %-24s %14.3f %14.3f %14.3f\n", "us per translation",
                ratio(rows[0].translate_ns, rows[0].translations) / 1e3,
                ratio(rows[1].translate_ns, rows[1].translations) / 1e3,
                ratio(rows[2].translate_ns, rows[2].translations) / 1e3);
        fprintf(f, "  time translating: %.3f%% of the run; chains made %" PRIu64 "; interpreted fallbacks %" PRIu64
                ", budget tails %" PRIu64 "\n", host_s > 0 ? 100.0 * translate_s / host_s : 0.0, s.chains_made,
                s.interp_fallbacks, s.budget_tails);
        fprintf(f, "  interpreted fallbacks by reason: delay slot %" PRIu64 ", unaligned pc %" PRIu64
                ", not RAM %" PRIu64 ", no block (branch and slot apart) %" PRIu64 ", translator gave up %" PRIu64 "\n",
                s.fallbacks_by[DBT_FB_DELAY_SLOT], s.fallbacks_by[DBT_FB_UNALIGNED], s.fallbacks_by[DBT_FB_NOT_RAM],
                s.fallbacks_by[DBT_FB_NO_BLOCK], s.fallbacks_by[DBT_FB_EMIT]);
        fprintf(f, "  invalidations: self-modifying code %" PRIu64 " stores / %" PRIu64 " blocks (%" PRIu64
                " more stores into pages with code overwrote none, after which %" PRIu64 " pages gave up their %"
                PRIu64 " blocks); host writes %" PRIu64 " blocks; TLB writes %"
                PRIu64 " jump-cache flushes (ASID changes flush none); full flushes %" PRIu64 " (%" PRIu64
                " blocks)\n", p->smc_stores, p->smc_tbs, p->smc_spared, p->smc_dropped_pages, p->smc_dropped_tbs,
                p->host_write_tbs, p->jc_flush_tlb, s.flushes, s.flushed_tbs);
        fprintf(f, "  code buffer: %" PRIu64 " of %" PRIu64 " bytes used, %" PRIu64 " blocks; %u regions, %" PRIu64
                " emptied for room (%" PRIu64 " live blocks dropped); %" PRIu64 " idle trims\n", s.code_used,
                s.code_size, s.n_tbs, s.regions, s.evictions, s.evicted_tbs, s.trims);
    } else {
        fprintf(f, "\ntranslation cache: none (the interpreter runs everything)\n");
    }

    bool trap = vm->cfg.exec == EXEC_TRAP;
    fprintf(f, "\nprivileged operations      %14s", "count");
    if (trap)
        fprintf(f, " %14s %14s", "traps", "cycles/trap");
    fprintf(f, "\n");
    uint64_t priv_total = 0, trap_total = 0, cyc_total = 0;
    for (unsigned k = 0; k < PRIV_KINDS; k++) {
        if (!p->priv[k] && !p->trap_count[k])
            continue;
        char name[40];
        kind_name(k, name, sizeof(name));
        fprintf(f, "  %-24s %14" PRIu64, name, p->priv[k]);
        if (trap)
            fprintf(f, " %14" PRIu64 " %14.0f", p->trap_count[k], ratio(p->trap_cycles[k], p->trap_count[k]));
        fprintf(f, "\n");
        priv_total += p->priv[k];
        trap_total += p->trap_count[k];
        cyc_total += p->trap_cycles[k];
    }
    fprintf(f, "  %-24s %14" PRIu64, "total", priv_total);
    if (trap)
        fprintf(f, " %14" PRIu64 " %14.0f", trap_total, ratio(cyc_total, trap_total));
    fprintf(f, "  (%.0f per host second)\n", host_s > 0 ? (double)priv_total / host_s : 0.0);

    fprintf(f, "\nmemory\n");
    fprintf(f, "  loads and stores: kernel %" PRIu64 ", user %" PRIu64 "; slow path %" PRIu64 " (%" PRIu64
            " found in the victim entry); software TLB hit rate %.6f\n", p->mem_accesses[1], p->mem_accesses[0],
            p->mem_slow, p->stlb_victim_hits, stlb_hit);
    fprintf(f, "  software TLB fills %" PRIu64 ", fetch slow paths %" PRIu64 ", pmap lookups %" PRIu64 "\n",
            p->stlb_fills, p->mem_slow_fetch, p->pmap_lookups);
    fprintf(f, "  guest TLB refills taken by the guest kernel %" PRIu64 "; TLBL %" PRIu64 ", TLBS %" PRIu64
            ", Mod %" PRIu64 "\n", p->tlb_refills, v->nr_exceptions[EXC_TLBL], v->nr_exceptions[EXC_TLBS],
            v->nr_exceptions[EXC_MOD]);
    {
        const struct pmap_stats *ps = &vm->pmap.st;
        uint64_t priv = 0, shared = 0;
        if (vm->pmap.mm)
            pmap_count(&vm->pmap, &priv, &shared);
        fprintf(f, "  machine memory: %" PRIu64 " private pages, %" PRIu64 " shared copy-on-write (%" PRIu64
                " mapped so); %" PRIu64 " first touches, %" PRIu64 " copy-on-write copies, %" PRIu64 " moves, %" PRIu64 " pages discarded; %" PRIu64 " shootdowns (%" PRIu64
                " software-TLB entries); pool pages in use %" PRIu64 "\n", priv, shared,
                atomic_load(&ps->shared_maps), atomic_load(&ps->touched), atomic_load(&ps->cow_copies),
                atomic_load(&ps->moves), atomic_load(&ps->discarded),
                atomic_load(&ps->shootdowns), atomic_load(&ps->shot_entries), vm->mm ? vm->mm->in_use : 0);
    }
    fprintf(f, "  MMIO exits:");
    for (unsigned i = 0; i < vm->physmap.n && i < 64; i++)
        if (p->mmio[i])
            fprintf(f, " %s %" PRIu64 ";", vm->physmap.r[i].name, p->mmio[i]);
    fprintf(f, " unassigned %" PRIu64 "\n", p->mmio_unassigned);
    fprintf(f, "  exceptions taken by the guest (how user code reaches its kernel):");
    for (unsigned c = 0; c < 32; c++)
        if (exc_names[c] && v->nr_exceptions[c])
            fprintf(f, " %s %" PRIu64 ";", exc_names[c], v->nr_exceptions[c]);
    fprintf(f, "\n");
    profile_disks(vm, f, false);
    profile_nets(vm, f, false);
    profile_sharing(vm, f, false);
    fprintf(f, "  timer wake-ups deferred onto the --idle-slack grid: %" PRIu64 "\n",
            __atomic_load_n(&vm->idle_deferred, __ATOMIC_RELAXED));
    numa_report_vm(vm->numa, f, false);
    profile_slices(vm, f, false);

    fprintf(f, "\nhost CPU time of the vCPU (%s, %.0f ms samples): ",
            samp_total ? "sampled" : "no samples", PROF_SAMPLE_NS / 1e6);
    for (int w = 0; w < 8; w++)
        if (samp[w])
            fprintf(f, "%s/%s %.1f%%  ", where_name[w >> 1], (w & 1) ? "kernel" : "user",
                    100.0 * (double)samp[w] / (double)samp_total);
    fprintf(f, "\n");
    /* The translation times above are host (wall) time, which a loaded host stretches. The samples'
     * share of the process's CPU time is not stretched (a crowded host delivers fewer samples than
     * one per millisecond, so their count alone would understate it). */
    if (dbt && rows[2].translations && samp_total)
        fprintf(f, "CPU time per translation (share of the samples x process CPU time): kernel %.3f us, user %.3f us,"
                " total %.3f us\n", cpu_us_per(samp[PROF_AT_TRANSLATE << 1 | 1], samp_total, rows[0].translations),
                cpu_us_per(samp[PROF_AT_TRANSLATE << 1], samp_total, rows[1].translations),
                cpu_us_per(samp[PROF_AT_TRANSLATE << 1] + samp[PROF_AT_TRANSLATE << 1 | 1], samp_total,
                           rows[2].translations));
}
