/*
 * --profile's per-vCPU slice view (struct vcpu_slice_prof): what a vCPU of
 * an SMP guest does with its host thread. Each slice's wall time and the
 * gap to the next one, and inside the slices the host time of the trap
 * path, of the event checks' device work, and of waiting for what the
 * other vCPU holds (the big lock, the MT registers' lock, a dvpe's hold,
 * a translation-cache eviction); and the vCPU's timer: how late a Count
 * reaching Compare was seen, how many timer interrupts were taken, and how
 * many Compare writes landed at or behind Count. A vCPU starved of events
 * shows as long slices with late timers; one starved of its thread as
 * long gaps; one kept waiting as the waits.
 *
 * Counted only while profiling (v->prof_on): a clock reading per slice,
 * per trap and per event check, none on the paths that do not wait.
 */
#include <inttypes.h>

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
                    ", \"compare_behind\": %" PRIu64 ", \"compare_late\": %" PRIu64 "}", p->timer_fires, p->timer_irqs,
                    p->timer_late_max_ns, p->compare_behind, p->compare_late);
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
    }
}
