/*
 * --profile's per-vCPU slice view (struct vcpu_slice_prof): what a vCPU of
 * an SMP guest does with its host thread. Each slice's wall time and the
 * gap to the next one, and inside the slices the host time of the trap
 * path, of the event checks' device work, and of waiting for what the
 * other vCPU holds (the big lock, the MT registers' lock, a dvpe's hold,
 * a translation-cache eviction); and the vCPU's timer: how late a Count
 * reaching Compare was seen, how many timer interrupts were taken, and how
 * many Compare writes landed at or behind Count; the IPIs raised for it
 * (while it ran translated code or not) and how long each took to reach its
 * Cause, its dvpe windows and its stops for the other's, and the poll
 * horizons it spent in a spin-wait loop. A vCPU starved of events
 * shows as long slices with late timers; one starved of its thread as
 * long gaps; one kept waiting as the waits.
 *
 * Counted only while profiling (v->prof_on): a clock reading per slice,
 * per trap and per event check, none on the paths that do not wait.
 */
#include <inttypes.h>
#include <stdatomic.h>

#include "monitor/internal.h"

static void hist_add(uint64_t *hist, uint64_t ns)
{
    unsigned b = 0;
    for (uint64_t lim = 10000; b < SLICE_HIST - 1 && ns >= lim; lim *= 10)
        b++;
    hist[b]++;
}

uint64_t prof_slice_now(const struct vcpu *v)
{
    return __builtin_expect(v->prof_on, 0) ? host_monotonic_ns() : 0;
}

void prof_slice_begin(struct vcpu *v, uint64_t t0)
{
    struct vcpu_slice_prof *p = &v->prof.slice;
    if (!t0)
        return;
    if (p->last_end_ns) {
        uint64_t gap = t0 > p->last_end_ns ? t0 - p->last_end_ns : 0;
        p->gaps++;
        p->gap_ns += gap;
        hist_add(p->gap_hist, gap);
    }
}

void prof_slice_end(struct vcpu *v, uint64_t t0)
{
    struct vcpu_slice_prof *p = &v->prof.slice;
    if (!t0)
        return;
    uint64_t now = host_monotonic_ns(), ns = now - t0;
    p->slices++;
    p->slice_ns += ns;
    hist_add(p->slice_hist, ns);
    p->last_end_ns = now;
}

void prof_slice_wait(struct vcpu *v, enum slice_wait w, uint64_t t0)
{
    if (!t0)
        return;
    struct vcpu_slice_prof *p = &v->prof.slice;
    uint64_t ns = host_monotonic_ns() - t0;
    p->waits[w]++;
    p->wait_ns[w] += ns;
    hist_add(p->wait_hist, ns);
}

void prof_timer_fired(struct vcpu *v, uint32_t ticks_late)
{
    if (!v->prof_on)
        return;
    struct vcpu_slice_prof *p = &v->prof.slice;
    uint64_t ns = (uint64_t)ticks_late * 1000000000ull / v->vm->clock.count_hz;
    p->timer_fires++;
    hist_add(p->timer_late_hist, ns);
    if (ns > p->timer_late_max_ns)
        p->timer_late_max_ns = ns;
}

void prof_ipi_raised(struct vcpu *t, bool running)
{
    struct vcpu_slice_prof *p = &t->prof.slice;
    __atomic_fetch_add(&p->ipis, 1, __ATOMIC_RELAXED);
    if (running)
        __atomic_fetch_add(&p->ipis_running, 1, __ATOMIC_RELAXED);
    uint64_t none = 0;
    /* the oldest raise not yet taken: the stamp is taken once, and the mode and count with it */
    if (atomic_compare_exchange_strong_explicit(&t->ipi_raised_ns, &none, host_monotonic_ns(),
                                                memory_order_relaxed, memory_order_relaxed)) {
        atomic_store_explicit(&t->ipi_raised_running, running, memory_order_relaxed);
        atomic_store_explicit(&t->ipi_raised_icount, atomic_load_explicit(&t->icount_pub, memory_order_relaxed),
                              memory_order_release);
    }
}

void prof_ipi_taken(struct vcpu *v)
{
    uint64_t at = atomic_exchange_explicit(&v->ipi_raised_ns, 0, memory_order_acquire);
    if (!at)
        return;
    struct vcpu_slice_prof *p = &v->prof.slice;
    uint64_t now = host_monotonic_ns(), ns = now > at ? now - at : 0;
    p->ipi_taken++;
    p->ipi_ns += ns;
    if (ns > p->ipi_max_ns)
        p->ipi_max_ns = ns;
    hist_add(p->ipi_hist, ns);
    if (atomic_load_explicit(&v->ipi_raised_running, memory_order_relaxed)) {
        uint64_t from = atomic_load_explicit(&v->ipi_raised_icount, memory_order_acquire);
        p->ipi_run_taken++;
        p->ipi_run_ns += ns;
        p->ipi_run_insns += v->icount > from ? v->icount - from : 0;
    }
}

void prof_dvpe_window(struct vcpu *v, uint64_t t0)
{
    if (!t0)
        return;
    struct vcpu_slice_prof *p = &v->prof.slice;
    uint64_t ns = host_monotonic_ns() - t0;
    p->dvpes++;
    p->dvpe_ns += ns;
    hist_add(p->dvpe_hist, ns);
}

void prof_dvpe_park(struct vcpu *v, uint64_t t0, bool out)
{
    if (!t0)
        return;
    struct vcpu_slice_prof *p = &v->prof.slice;
    p->parks++;
    p->park_ns += host_monotonic_ns() - t0;
    p->park_outs += out;
}

static void hist_print(FILE *f, const char *name, const uint64_t *h)
{
    fprintf(f, "    %-22s", name);
    for (unsigned i = 0; i < SLICE_HIST; i++)
        fprintf(f, " %10" PRIu64, h[i]);
    fprintf(f, "\n");
}

void profile_slices(const struct vm *vm, FILE *f, bool json)
{
    static const char *const wait_name[SLICE_WAITS] = {"bql", "mt", "hold", "excl"};
    if (vm->nr_vcpus < 2)
        return;
    if (json) {
        fprintf(f, "  \"vcpu_slices\": [");
        for (unsigned i = 0; i < vm->nr_vcpus; i++) {
            const struct vcpu_slice_prof *p = &vm->vcpus[i]->prof.slice;
            fprintf(f, "%s\n    {\"vcpu\": %u, \"slices\": %" PRIu64 ", \"slice_ns\": %" PRIu64 ", \"gap_ns\": %" PRIu64
                    ", \"trap_ns\": %" PRIu64 ", \"events\": %" PRIu64 ", \"device_ns\": %" PRIu64, i ? "," : "", i,
                    p->slices, p->slice_ns, p->gap_ns, p->trap_ns, p->events, p->device_ns);
            for (unsigned w = 0; w < SLICE_WAITS; w++)
                fprintf(f, ", \"wait_%s_ns\": %" PRIu64, wait_name[w], p->wait_ns[w]);
            fprintf(f, ", \"timer_fires\": %" PRIu64 ", \"timer_irqs\": %" PRIu64 ", \"timer_late_max_ns\": %" PRIu64
                    ", \"compare_behind\": %" PRIu64 ", \"compare_late\": %" PRIu64, p->timer_fires, p->timer_irqs,
                    p->timer_late_max_ns, p->compare_behind, p->compare_late);
            fprintf(f, ", \"ipis\": %" PRIu64 ", \"ipis_running\": %" PRIu64 ", \"ipi_taken\": %" PRIu64
                    ", \"ipi_ns\": %" PRIu64 ", \"ipi_max_ns\": %" PRIu64 ", \"ipi_run_taken\": %" PRIu64
                    ", \"ipi_run_ns\": %" PRIu64 ", \"ipi_run_insns\": %" PRIu64 ", \"dvpes\": %" PRIu64
                    ", \"dvpe_ns\": %" PRIu64 ", \"parks\": %" PRIu64 ", \"park_ns\": %" PRIu64
                    ", \"park_outs\": %" PRIu64 ", \"spin_horizons\": %" PRIu64 "}", p->ipis, p->ipis_running, p->ipi_taken, p->ipi_ns,
                    p->ipi_max_ns, p->ipi_run_taken, p->ipi_run_ns, p->ipi_run_insns, p->dvpes, p->dvpe_ns,
                    p->parks, p->park_ns, p->park_outs, p->spin_horizons);
        }
        fprintf(f, "\n  ],\n");
        return;
    }
    fprintf(f, "\nvCPU slices (wall time)           <10us     <100us       <1ms      <10ms     <100ms      more\n");
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        const struct vcpu_slice_prof *p = &vm->vcpus[i]->prof.slice;
        fprintf(f, "  vCPU %u: %" PRIu64 " slices, %.3f s in them, %.3f s between; %" PRIu64 " instructions\n", i,
                p->slices, (double)p->slice_ns / 1e9, (double)p->gap_ns / 1e9, vm->vcpus[i]->icount);
        hist_print(f, "slice", p->slice_hist);
        hist_print(f, "gap", p->gap_hist);
        hist_print(f, "waits", p->wait_hist);
        hist_print(f, "timer seen late by", p->timer_late_hist);
        fprintf(f, "    traps %" PRIu64 " (%.3f s), event checks %" PRIu64 " (devices %.3f s), waits:", p->traps,
                (double)p->trap_ns / 1e9, p->events, (double)p->device_ns / 1e9);
        for (unsigned w = 0; w < SLICE_WAITS; w++)
            fprintf(f, " %s %" PRIu64 " (%.3f s)", wait_name[w], p->waits[w], (double)p->wait_ns[w] / 1e9);
        fprintf(f, "\n    timer: %" PRIu64 " matches seen (latest %.3f ms late), %" PRIu64
                " interrupts taken with IP7, %" PRIu64 " Compare writes behind Count (%" PRIu64
                " of them just after a read of Count: raised at once)\n",
                p->timer_fires, (double)p->timer_late_max_ns / 1e6, p->timer_irqs, p->compare_behind, p->compare_late);
        hist_print(f, "IPI raise to take", p->ipi_hist);
        hist_print(f, "dvpe..evpe", p->dvpe_hist);
        fprintf(f, "    IPIs: %" PRIu64 " raised (%" PRIu64 " while in translated code), %" PRIu64
                " taken, %.1f us on average from raise to take (latest %.3f ms); raised while running: %" PRIu64
                " taken, %.1f us and at most %.0f instructions on average\n",
                p->ipis, p->ipis_running, p->ipi_taken, p->ipi_taken ? (double)p->ipi_ns / 1e3 / (double)p->ipi_taken : 0.0,
                (double)p->ipi_max_ns / 1e6, p->ipi_run_taken,
                p->ipi_run_taken ? (double)p->ipi_run_ns / 1e3 / (double)p->ipi_run_taken : 0.0,
                p->ipi_run_taken ? (double)p->ipi_run_insns / (double)p->ipi_run_taken : 0.0);
        fprintf(f, "    dvpe: %" PRIu64 " windows (%.3f s, %.1f us on average); stopped for the other's: %" PRIu64
                " (%.3f s), %" PRIu64 " of them out of the slice\n",
                p->dvpes, (double)p->dvpe_ns / 1e9, p->dvpes ? (double)p->dvpe_ns / 1e3 / (double)p->dvpes : 0.0,
                p->parks, (double)p->park_ns / 1e9, p->park_outs);
        fprintf(f, "    spin-waits: %" PRIu64 " instruction budgets (poll horizons) ran out in a spin-wait loop\n",
                p->spin_horizons);
    }
}
