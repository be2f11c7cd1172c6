/*
 * The vCPU outside instruction execution: reset state, the Count timeline,
 * the Count/Compare timer, the event check engines make between
 * instructions, and WAIT.
 *
 * Time has two sources. In real-time mode Count follows the host's
 * monotonic clock at clock.count_hz. In deterministic mode Count is a pure
 * function of retired instructions (one tick every insns_per_count) plus
 * the ticks WAIT jumped over, so a run is reproducible from its seed.
 *
 * The timer fires when Count passes Compare between two checks (mod 2^32),
 * never by testing equality, because Count moves by more than one tick
 * between checks.
 *
 * Engines run in slices (vm_run_slice): vcpu_events ends one when the
 * caller's instruction bound is reached, and WAIT returns to the caller
 * instead of sleeping, so whoever runs the vCPU decides what the host
 * thread does meanwhile.
 */
#include <inttypes.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "dbt/dbt.h"
#include "monitor/console.h"
#include "monitor/internal.h"

_Static_assert(offsetof(struct vcpu, gpr) == 0, "translated code addresses gpr[] at 0");
_Static_assert(offsetof(struct vcpu, pc) == 128, "frozen offset");
_Static_assert(offsetof(struct vcpu, hi) == 132, "frozen offset");
_Static_assert(offsetof(struct vcpu, lo) == 136, "frozen offset");

/* How often real-time mode polls the clock, the devices and the console: every poll leaves translated
 * code, and at a few hundred guest MIPS this many instructions are tens of microseconds of guest time,
 * well inside a 4 ms timer tick. */
#define REALTIME_POLL_INSNS 16384u
#define HOST_POLL_INSNS (1u << 20) /* how often deterministic mode checks --timeout */

double host_monotonic_s(void)
{
    return (double)host_monotonic_ns() / 1e9;
}

static uint64_t muldiv(uint64_t a, uint64_t b, uint64_t c)
{
    /* Count runs at a whole divisor of 1 GHz: ticks <-> ns is one 64-bit division or product. */
    if (b <= c && c % b == 0)
        return a / (c / b);
    if (b % c == 0 && a <= UINT64_MAX / (b / c))
        return a * (b / c);
    return (uint64_t)((unsigned __int128)a * b / c);
}

static uint64_t muldiv_ceil(uint64_t a, uint64_t b, uint64_t c)
{
    return (uint64_t)(((unsigned __int128)a * b + c - 1) / c);
}

/*
 * Real time: reading the host clock costs about as much as a hundred translated instructions, and
 * the kernel reads Count or Cause (which checks the timer) in every exception. So the reading is
 * kept, and reused until RT_CLOCK_REUSE_INSNS instructions have retired since it was taken: Count
 * then advances in steps of at most that many instructions' worth of host time (a microsecond or
 * two). Every consumer of guest time (Count, the Compare check, the devices, the RTC) sees the
 * same value, and it never goes backwards. WAIT, where no instruction retires, reads afresh.
 */
#define RT_CLOCK_REUSE_INSNS 512u

static uint64_t rt_read(struct vclock *c, uint64_t icount)
{
    uint64_t ns = host_monotonic_ns() - c->host_start_ns;
    uint64_t t = muldiv(ns, c->count_hz, 1000000000ull);
    if (t > c->rt_ticks)
        c->rt_ticks = t;
    c->rt_icount = icount;
    c->rt_valid = true;
    return c->rt_ticks;
}

/*
 * One --seed for many clones is meant to give them one guest (vmset.c), and with it one kernel
 * layout, which page sharing needs to merge their kernels' text and data. But a relocatable
 * kernel draws its KASLR offset from Count, read a few thousand instructions after entry (Linux
 * arch/mips/kernel/relocate.c, get_random_boot: the banner's hash with random_get_entropy(),
 * Count on this CPU), and host time makes that read differ in every VM. So with an explicit
 * --seed in real time, the timeline starts as deterministic mode's (retired instructions /
 * insns_per_count; Count, the devices and the RTC stay one clock, so the kernel's estimate of
 * its clock from RTC edges still comes out right) and turns into host time, continuing from
 * where it stands, at the guest's first Compare write or WAIT (its timer is being set up or it
 * sleeps: from there on it counts on real time) or after BOOT_PINNED_MAX_INSNS instructions,
 * past the zboot decompressor's 2 G, for a guest that does neither.
 */
#define BOOT_PINNED_MAX_INSNS (1ull << 33)

static void clock_unpin(struct vm *vm, uint64_t n)
{
    struct vclock *c = &vm->clock;
    uint64_t ticks = n / c->insns_per_count;
    c->boot_pinned = false;
    c->host_start_ns = host_monotonic_ns() - muldiv(ticks, 1000000000ull, c->count_hz);
    c->rt_ticks = ticks;
    c->rt_icount = n;
    c->rt_valid = true;
}

/* Instructions that drive time: the vCPU's, or with -smp every vCPU's (monitor/smp.c: they run
 * in turn on one thread, so the others' counts stand still while v runs). */
static uint64_t time_insns(const struct vcpu *v)
{
    return v->vm->nr_vcpus > 1 ? smp_icount_sum(v->vm) : v->icount;
}

static uint64_t timeline(const struct vcpu *v)
{
    struct vclock *c = &v->vm->clock;
    if (v->vm->smp) {
        /* vCPUs on two threads (real time only): each reads the host clock itself; the reading
         * cache above belongs to one thread. The RTC fast-forward's skips come from VPE 0's. */
        uint64_t ns = host_monotonic_ns() - c->host_start_ns;
        return muldiv(ns, c->count_hz, 1000000000ull) + __atomic_load_n(&c->skipped_ticks, __ATOMIC_RELAXED);
    }
    uint64_t n = time_insns(v);
    if (c->boot_pinned && n >= BOOT_PINNED_MAX_INSNS)
        clock_unpin(v->vm, n);
    if (c->deterministic || c->boot_pinned)
        return n / c->insns_per_count + c->skipped_ticks;
    if (c->rt_valid && n - c->rt_icount < RT_CLOCK_REUSE_INSNS)
        return c->rt_ticks + c->skipped_ticks;
    return rt_read(c, n) + c->skipped_ticks;
}

/* Takes a new host clock reading now (real time), whatever the instruction count says. */
static void clock_refresh(struct vcpu *v)
{
    if (!v->vm->clock.deterministic && !v->vm->smp)
        rt_read(&v->vm->clock, time_insns(v));
}

uint64_t vm_guest_ns(struct vm *vm)
{
    return muldiv(timeline(vm->vcpu), 1000000000ull, vm->clock.count_hz);
}

uint32_t vcpu_count(struct vcpu *v)
{
    if (v->cp0.cause & CAUSE_DC)
        return v->cp0.count_frozen;
    return (uint32_t)(timeline(v) + v->cp0.count_bias);
}

/*
 * With each vCPU on its own thread (--smp-threads 2) the VPEs' Counts are one timebase, the host
 * clock from the same bias, and a write is dropped. Linux writes Count only to line the CPUs up
 * (arch/mips/kernel/sync-r4k.c: master and slave write the same value as they leave a spin on
 * shared flags), which they already are. Taken as written, on two host threads the slave could
 * lose its host CPU between the spin and its write for milliseconds: its Count then lagged for
 * good, its clock source read behind the master's last cycle count and its next timer event went
 * 21 s ahead (no tick on CPU 1, RCU stalls). Moving both Counts on either write instead sent the
 * master's Count back by that lag, and the same happened to CPU 0 (under --exec trap).
 */
void vcpu_set_count(struct vcpu *v, uint32_t val)
{
    if (v->vm->smp)
        return;
    if (v->cp0.cause & CAUSE_DC)
        v->cp0.count_frozen = val;
    v->cp0.count_bias = (uint32_t)(val - (uint32_t)timeline(v));
    v->cp0.last_count = val;
    vcpu_update_next_event(v);
}

void vcpu_timer_check(struct vcpu *v)
{
    uint32_t now = vcpu_count(v);
    uint32_t last = v->cp0.last_count;
    if ((uint32_t)(v->cp0.compare - last - 1) < (uint32_t)(now - last)) {
        v->cp0.cause |= CAUSE_TI;
        cp0_update_ip(v);
        prof_timer_fired(v, now - v->cp0.compare);
    }
    v->cp0.last_count = now;
}

uint32_t vcpu_count_read(struct vcpu *v)
{
    uint32_t now = vcpu_count(v);
    if (!smp_remote(v)) { /* not another VPE's mftc0 */
        v->count_read = now;
        v->count_read_icount = v->icount;
    }
    return now;
}

/*
 * A Compare write clears the timer interrupt, and the next one comes when Count reaches the new
 * value (MIPS32 PRA, Compare register): one written at or behind Count fires only when Count has
 * wrapped round to it, 2^32 ticks (43 s) later, as on hardware (QEMU target/mips/sysemu/
 * cp0_timer.c computes the same wait). Linux counts on a short distance between its read of Count
 * and its write of Compare: mips_next_event checks afterwards whether Count passed the value and
 * tries again, but synchronise_count_master (arch/mips/kernel/sync-r4k.c) writes Count + 100
 * ticks (1 us here) and checks nothing. In real time the monitor stretches that distance: under
 * trap-and-emulate each of the two is a trap (about 10 us between them was seen), and a host thread
 * may lose its core in between. VPE 0's Compare then landed behind Count after the SMP bring-up and
 * its timer was silent for 43 s (RCU stalls, "0 ticks this GP" on CPU 0). So, in real time, a new
 * value that Count passed only since this vCPU's last mfc0 of Count, a few instructions ago,
 * counts as reached: the interrupt is raised now, as it would have been had the write come as soon
 * after the read as on hardware. An ack (the value Compare holds) and a write of the read value
 * itself (Linux's c0_compare_int_usable clearing the timer) are not made to fire, nor is a write
 * long after the read. Deterministic time has no such stretch (Count follows instructions).
 */
#define COMPARE_READ_WINDOW_INSNS 16u

void vcpu_compare_written(struct vcpu *v, uint32_t old)
{
    if (v->vm->clock.boot_pinned)
        clock_unpin(v->vm, time_insns(v));
    uint32_t now = vcpu_count(v), cmp = v->cp0.compare, from = v->count_read;
    v->cp0.last_count = now;
    if (cmp != old && (int32_t)(cmp - now) <= 0) {
        bool late = !v->vm->clock.deterministic && v->icount - v->count_read_icount <= COMPARE_READ_WINDOW_INSNS &&
                    (uint32_t)(cmp - from - 1) < (uint32_t)(now - from);
        if (late) {
            v->cp0.cause |= CAUSE_TI;
            cp0_update_ip(v);
        }
        if (__builtin_expect(v->prof_on, 0)) {
            v->prof.slice.compare_behind++;
            v->prof.slice.compare_late += late;
        }
    }
    vcpu_update_next_event(v);
}

void vcpu_kick(struct vcpu *v)
{
    v->next_event = 0;
}

void vcpu_asid_changed(struct vcpu *v)
{
    stlb_flush_nonglobal(&v->stlb);
    /* The jump cache keys mapped PCs by ASID (cache/cache.h): nothing to drop there. */
}

/* Ticks from now until Count passes Compare (a full wrap if they are equal). */
static uint64_t ticks_to_compare(struct vcpu *v)
{
    uint32_t d = v->cp0.compare - vcpu_count(v);
    return d ? d : (1ull << 32);
}

/* Ticks from now until the board's next timer event, or UINT64_MAX. */
static uint64_t ticks_to_device_event(struct vcpu *v)
{
    struct vm *vm = v->vm;
    if (!vm->malta)
        return UINT64_MAX;
    uint64_t ns = malta_next_event_ns(vm->malta);
    if (ns == DEV_NO_EVENT)
        return UINT64_MAX;
    uint64_t at = muldiv_ceil(ns, vm->clock.count_hz, 1000000000ull), now = timeline(v);
    return at > now ? at - now : 0;
}

void vcpu_update_next_event(struct vcpu *v)
{
    const struct vclock *c = &v->vm->clock;
    uint64_t next = v->slice_end;
    if (v->max_insns && v->max_insns < next)
        next = v->max_insns;
    if (c->deterministic) {
        uint64_t ticks = ticks_to_compare(v), dev = ticks_to_device_event(v);
        if (dev < ticks)
            ticks = dev;
        /* First instruction count at which the timeline reaches now + ticks (with -smp: v's count
         * then, the others standing still while v runs). */
        uint64_t target = (timeline(v) + ticks - c->skipped_ticks) * c->insns_per_count;
        target -= time_insns(v) - v->icount;
        if (target < next)
            next = target;
        if (v->icount + HOST_POLL_INSNS < next)
            next = v->icount + HOST_POLL_INSNS;
    } else if (v->icount + REALTIME_POLL_INSNS < next) {
        next = v->icount + REALTIME_POLL_INSNS;
    }
    v->next_event = next;
}

/* Jumps the timeline (Count, devices, RTC together) forward. */
static void vcpu_skip_ticks(struct vcpu *v, uint64_t ticks)
{
    __atomic_fetch_add(&v->vm->clock.skipped_ticks, ticks, __ATOMIC_RELAXED);
    vcpu_timer_check(v);
}

/*
 * The one allowed shortcut in real time: Linux estimates the CPU clock by
 * timing Count across RTC update-in-progress edges with interrupts off
 * (Linux arch/mips/mti-malta/malta-time.c), about two guest seconds of
 * doing nothing but reading RTC register A. Once the board sees such a run
 * of reads, jump the whole timeline to the next UIP edge: Count and the RTC
 * move together, so the estimate still comes out as the configured clock.
 * The trigger is a count of reads, so it is deterministic too.
 */
static void vcpu_rtc_fast_forward(struct vcpu *v)
{
    struct vm *vm = v->vm;
    if (!malta_rtc_polling(vm->malta) || cp0_interrupts_enabled(v))
        return;
    uint64_t edge = malta_rtc_next_edge_ns(vm->malta);
    malta_rtc_polls_reset(vm->malta);
    if (edge == DEV_NO_EVENT)
        return;
    uint64_t at = muldiv_ceil(edge, vm->clock.count_hz, 1000000000ull), now = timeline(v);
    if (at <= now)
        return;
    vm->clock.rtc_skipped_ticks += at - now;
    vm->clock.rtc_skips++;
    vcpu_skip_ticks(v, at - now);
    malta_update(vm->malta);
}

enum vcpu_exit vcpu_host_stop(struct vm *vm)
{
    if (!vm->console)
        return VCPU_EXIT_NONE;
    if (console_signal(vm->console))
        return VCPU_EXIT_SIGNAL;
    if (atomic_load(&vm->console->quit))
        return VCPU_EXIT_USER_QUIT;
    return VCPU_EXIT_NONE;
}

/* vcpu_events of a vCPU other than VPE 0 with the vCPUs on two threads (monitor/smp_thread.c):
 * the devices, the console, control requests and the host's stop reasons are VPE 0's. */
static enum vcpu_exit events_threaded_secondary(struct vcpu *v, uint32_t req)
{
    struct vm *vm = v->vm;
    if (__atomic_load_n(&vm->stop, __ATOMIC_RELAXED))
        return VCPU_EXIT_STOP;
    if (v->max_insns && v->icount >= v->max_insns)
        return VCPU_EXIT_LIMIT;
    if (v->icount >= v->slice_end || (req & EXIT_REQ_PREEMPT))
        return VCPU_EXIT_SLICE;
    vcpu_timer_check(v);
    smp_take_ipis(v);
    cp0_check_interrupt(v);
    vcpu_update_next_event(v);
    if (__builtin_expect(v->prof_on, 0))
        v->prof.slice.events++;
    return VCPU_EXIT_NONE;
}

enum vcpu_exit vcpu_events(struct vcpu *v)
{
    struct vm *vm = v->vm;
    uint32_t req = atomic_exchange_explicit(&v->exit_request, 0, memory_order_relaxed);
    if (vm->smp && v->id != 0)
        return events_threaded_secondary(v, req);
    if (__builtin_expect(vm->prof != NULL, 0))
        profile_poll(vm); /* SIGUSR1 asked every profiled VM for its profile */
    if (vm->stop) {
        /*
         * A reset is not the end of the run: the caller boots the VM again. A guest that resets
         * as soon as it runs comes back here every few instructions with stop set, so the host's
         * reasons to end or pause the run (a control request, --timeout, a signal, Ctrl-A x) are
         * checked first; else nothing but SIGKILL, which takes every VM of the process with it,
         * could stop such a VM.
         */
        if (vm->stop_reason == VM_STOP_RESET) {
            if (vm_ctl_pending(&vm->ctl))
                return VCPU_EXIT_CONTROL;
            if (vm->deadline_s > 0 && host_monotonic_s() >= vm->deadline_s)
                return VCPU_EXIT_TIMEOUT;
            enum vcpu_exit why = vcpu_host_stop(vm);
            if (why != VCPU_EXIT_NONE)
                return why;
        }
        return VCPU_EXIT_STOP;
    }
    if (vm_ctl_pending(&vm->ctl))
        return VCPU_EXIT_CONTROL;
    if (v->max_insns && v->icount >= v->max_insns)
        return VCPU_EXIT_LIMIT;
    if (vm->deadline_s > 0 && host_monotonic_s() >= vm->deadline_s)
        return VCPU_EXIT_TIMEOUT;
    enum vcpu_exit why = vcpu_host_stop(vm);
    if (why != VCPU_EXIT_NONE)
        return why;
    /* The caller's slice: nothing below has run, so the next call starts with the same checks. */
    if (v->icount >= v->slice_end || (req & EXIT_REQ_PREEMPT))
        return VCPU_EXIT_SLICE;
    vcpu_timer_check(v);
    if (vm->smp) {
        smp_take_ipis(v);
        if (req & EXIT_REQ_INTERRUPT)
            cp0_update_ip(v); /* a line raised on the other vCPU's thread */
    }
    uint64_t t0 = prof_slice_now(v);
    if (vm->malta) {
        smp_bql_lock(vm);
        vcpu_rtc_fast_forward(v);
        malta_update(vm->malta);
        /* Input arrives whenever it comes in real time; deterministic runs take it in WAIT. */
        if (!vm->clock.deterministic)
            vm_console_pump(vm);
        smp_bql_unlock(vm);
    }
    if (t0) {
        v->prof.slice.events++;
        v->prof.slice.device_ns += host_monotonic_ns() - t0;
    }
    cp0_check_interrupt(v);
    vcpu_update_next_event(v);
    return VCPU_EXIT_NONE;
}

/* Whether an unmasked interrupt line has a source that can raise it while the CPU sleeps. */
static bool vcpu_can_wake(const struct vcpu *v)
{
    uint32_t wake = 1u << (ST_IM_SHIFT + 7); /* the Count/Compare timer */
    if (v->vm->malta && v->id == 0)
        wake |= 1u << (ST_IM_SHIFT + 2) | 1u << (ST_IM_SHIFT + 4); /* i8259 pair, CBUS UART */
    if (v->vm->smp)
        wake |= 3u << ST_IM_SHIFT; /* the other vCPU's thread sends IPIs while this one sleeps */
    return (v->cp0.status & wake) != 0;
}

/*
 * -smp: the VM is idle only when every vCPU that runs waits. The lowest-numbered waiting vCPU (the
 * leader) then stands for the VM: its WAIT checks every waiting vCPU's timer and interrupts, and
 * jumps (deterministic) or sleeps to the earliest event of them all. The others only look at
 * their own interrupts. Returns the leader, or NULL when a vCPU still runs (nobody idles).
 */
static struct vcpu *smp_wait_leader(const struct vcpu *v)
{
    struct vm *vm = v->vm;
    if (smp_others_busy(v))
        return NULL;
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        struct vcpu *o = vm->vcpus[i];
        if (o == v || (mt_vpe_runs(o) && o->waiting))
            return o;
    }
    return NULL;
}

/* The leader's view of the other waiting vCPUs: timers checked; true if one of them has an
 * interrupt to take (it must run), *ticks lowered to their nearest timer, *can_wake raised. */
static bool smp_others_wake(struct vcpu *v, uint64_t *ticks, bool *can_wake)
{
    struct vm *vm = v->vm;
    bool any = false;
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        struct vcpu *o = vm->vcpus[i];
        if (o == v || !mt_vpe_runs(o) || !o->waiting)
            continue;
        vcpu_timer_check(o);
        any |= cp0_interrupt_pending(o);
        uint32_t d = o->cp0.compare - vcpu_count(o);
        uint64_t t = d ? d : (1ull << 32);
        if (ticks && t < *ticks)
            *ticks = t;
        if (can_wake)
            *can_wake |= vcpu_can_wake(o);
    }
    return any;
}

/* Longest host sleep in one go: deadlines (--timeout) and stop requests are noticed this often. */
#define WAIT_SLICE_NS 100000000ull
/*
 * Deterministic WAIT: jumps of guest time in one call that woke nothing. A guest waiting for an
 * interrupt that no source will raise (an unmasked line whose device stays quiet: the i8259 with
 * nothing pending, the UART with no input) would otherwise jump from event to event inside this
 * call for ever, holding its host thread at 100% and never returning to the scheduler, whose
 * other VMs then starve (all of them with --host-cpus 1). After this many, the call returns as
 * when console input may come: the host sleeps the jump's host equivalent (at most
 * WAIT_SLICE_NS) and the next call makes the jump. A guest's own wake-ups take one or two.
 */
#define WAIT_JUMPS_MAX 16u

/*
 * WAIT never sleeps here: where the host has to wait (real time until the next timer event, or,
 * deterministic, while a person may still type), it records until when and returns
 * VCPU_EXIT_WAIT through the engine; the caller sleeps (vcpu_sleep, or a scheduler that runs
 * something else meanwhile) and runs the vCPU again, which comes back here (v->waiting) to do
 * what follows the sleep: a deterministic run's jump of the clock, then the same checks again.
 */
enum vcpu_exit vcpu_wait(struct vcpu *v)
{
    struct vm *vm = v->vm;
    struct vclock *c = &vm->clock;
    unsigned jumps = 0;
    bool serial_smp = vm->nr_vcpus > 1 && !vm->smp; /* several vCPUs taking turns on one thread */
    bool secondary = vm->smp && v->id != 0;     /* one of its own thread, not VPE 0 */
    if (c->boot_pinned)
        clock_unpin(vm, time_insns(v));
    if (serial_smp && smp_wait_leader(v) != v) {
        /* Another vCPU runs, or leads the VM's idling: only v's own wake-up is looked at here. */
        v->waiting = false;
        clock_refresh(v);
        vcpu_timer_check(v);
        if (cp0_interrupt_pending(v)) {
            vcpu_update_next_event(v);
            vcpu_kick(v);
            return VCPU_EXIT_NONE;
        }
        v->waiting = true;
        v->wait_until_ns = smp_others_busy(v) ? 0 : UINT64_MAX;
        v->wait_skip_ticks = 0;
        return VCPU_EXIT_WAIT;
    }
    if (v->waiting) {
        v->waiting = false;
        if (v->wait_skip_ticks) {
            vcpu_skip_ticks(v, v->wait_skip_ticks);
            v->wait_skip_ticks = 0;
        }
    }
    for (;;) {
        clock_refresh(v); /* no instruction retires here: the cached reading would never age */
        vcpu_timer_check(v);
        if (vm->smp) {
            smp_take_ipis(v);
            cp0_update_ip(v);
        }
        if (vm->malta && !secondary) {
            smp_bql_lock(vm);
            malta_update(vm->malta);
            /* Deterministic input point: the CPU sleeps and the receiver is empty. */
            if (!c->deterministic || malta_console_rx_empty(vm->malta))
                vm_console_pump(vm);
            smp_bql_unlock(vm);
        }
        /* WAIT ends when an unmasked interrupt is requested, whether or not IE lets it be taken. */
        if (cp0_interrupt_pending(v))
            break;
        uint64_t others_ticks = UINT64_MAX;
        bool others_wake = false;
        if (serial_smp && smp_others_wake(v, &others_ticks, &others_wake)) {
            /* Another waiting vCPU has an interrupt: it runs next, v goes on waiting. */
            v->waiting = true;
            v->wait_until_ns = 0;
            v->wait_skip_ticks = 0;
            return VCPU_EXIT_WAIT;
        }
        if (__atomic_load_n(&vm->stop, __ATOMIC_RELAXED))
            return VCPU_EXIT_STOP;
        if (!secondary && vm_ctl_pending(&vm->ctl)) {
            /* The request is served (vm_run_slice) and the WAIT goes on: the guest sees nothing. */
            v->waiting = true;
            v->wait_until_ns = 0;
            v->wait_skip_ticks = 0;
            return VCPU_EXIT_CONTROL;
        }
        enum vcpu_exit why = vcpu_host_stop(vm);
        if (why != VCPU_EXIT_NONE)
            return why;
        if (!vcpu_can_wake(v) && !others_wake) {
            v->wedge_reason = 1;
            return VCPU_EXIT_WEDGED;
        }
        uint64_t now_ns = host_monotonic_ns();
        if (vm->deadline_s > 0 && (double)now_ns / 1e9 >= vm->deadline_s)
            return VCPU_EXIT_TIMEOUT;
        uint64_t ticks = ticks_to_compare(v), dev = UINT64_MAX;
        if (!secondary) {
            smp_bql_lock(vm);
            dev = ticks_to_device_event(v);
            smp_bql_unlock(vm);
        }
        bool on_compare = dev >= ticks && others_ticks >= ticks;
        if (dev < ticks)
            ticks = dev;
        if (others_ticks < ticks)
            ticks = others_ticks;
        uint64_t ns = muldiv_ceil(ticks, 1000000000ull, c->count_hz);
        if (ns > WAIT_SLICE_NS)
            ns = WAIT_SLICE_NS;
        if (c->deterministic) {
            /*
             * Guest time jumps to the event. While the console can still deliver input, the host
             * also waits (at most that long, less if input comes), so an idle guest neither spins
             * a host CPU nor races its clock ahead of a person typing; so does a guest whose
             * jumps wake nothing (WAIT_JUMPS_MAX). The jump itself depends only on guest state.
             */
            if ((vm->console && console_input_open(vm->console) && !console_pending(vm->console)) ||
                ++jumps > WAIT_JUMPS_MAX) {
                v->waiting = true;
                v->wait_until_ns = now_ns + ns;
                v->wait_skip_ticks = ticks;
                return VCPU_EXIT_WAIT;
            }
            vcpu_skip_ticks(v, ticks);
            continue;
        }
        if (ns == 0)
            continue;
        v->waiting = true;
        v->wait_until_ns = now_ns + ns;
        v->wait_skip_ticks = 0;
        v->wait_on_compare = on_compare;
        return VCPU_EXIT_WAIT;
    }
    vcpu_update_next_event(v);
    vcpu_kick(v);
    return VCPU_EXIT_NONE;
}

void vcpu_sleep(struct vcpu *v)
{
    uint64_t now = host_monotonic_ns();
    /* -smp: vCPU 0's wait_until_ns is the VM's wake-up time (monitor/smp.c). */
    if ((!v->waiting && v->vm->nr_vcpus <= 1) || v->wait_until_ns <= now)
        return;
    uint64_t ns = v->wait_until_ns - now;
    if (v->vm->console) {
        console_wait(v->vm->console, ns); /* input, a control request (QMP) or a signal ends it */
    } else if (v->vm->ctl_ready) {
        vm_ctl_sleep(&v->vm->ctl, ns, -1); /* a control request ends it */
    } else {
        struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000ull), .tv_nsec = (long)(ns % 1000000000ull)};
        nanosleep(&ts, NULL);
    }
}

void vcpu_reset(struct vcpu *v)
{
    memset(v->gpr, 0, sizeof(v->gpr));
    v->hi = v->lo = 0;
    v->pc = 0xBFC00000u;
    v->in_ds = 0;
    v->llbit = 0;
    v->waiting = false; /* a WAIT a control request interrupted (QMP system_reset) is over */
    v->wait_skip_ticks = 0;
    mtlb_init(&v->tlb, v->vm->cfg.tlb_entries);
    /* FPRs and FCSR are UNPREDICTABLE after reset (Vol. I-A, FPU registers): cleared here. */
    memset(&v->fpu, 0, sizeof(v->fpu));
    v->fpu.fir = v->vm->cfg.cpu == CPU_24KF ? CPU_FIR_24KF : v->vm->cfg.cpu == CPU_34KF ? CPU_FIR_34KF : 0;
    cp0_reset(v, v->vm->cfg.seed);
    v->cp0.count_bias = (uint32_t)(v->vm->cfg.seed * 0x9E3779B1u);
    v->cp0.last_count = vcpu_count(v);
    stlb_flush_all(&v->stlb);
    tb_jc_flush_all(v->jc);
    vcpu_update_next_event(v);
}

static const char *const gpr_names[32] = {
    "zero", "at", "v0", "v1", "a0", "a1", "a2", "a3", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7",
    "s0",   "s1", "s2", "s3", "s4", "s5", "s6", "s7", "t8", "t9", "k0", "k1", "gp", "sp", "fp", "ra"};

/* Reads an instruction word for the dump without side effects; false if not in RAM. */
static bool peek_insn(struct vcpu *v, uint32_t va, uint32_t *word)
{
    struct mmu_result r;
    if (mmu_translate(&v->tlb, (enum mmu_mode)v->mmu_mode, v->cp0.entryhi & 0xFF, va, MMU_FETCH, &r) !=
        MMU_OK)
        return false;
    return physmap_read(&v->vm->physmap, r.pa, word, 4) == 0;
}

static void dump_code(struct vcpu *v, FILE *f, uint32_t at, int before, int after)
{
    for (int i = -before; i <= after; i++) {
        uint32_t va = at + 4 * (uint32_t)i, w;
        char buf[128];
        if (!peek_insn(v, va, &w))
            continue;
        fprintf(f, "%s %s\n", i == 0 ? "=>" : "  ", dbt_disasm(w, va, buf, sizeof(buf)));
    }
}

void vcpu_dump(struct vcpu *v, FILE *f)
{
    struct cp0 *c = &v->cp0;
    fprintf(f, "pc %08x%s  icount %" PRIu64 "\n", v->pc, v->in_ds ? " (delay slot)" : "", v->icount);
    for (int i = 0; i < 32; i++)
        fprintf(f, "%4s %08x%s", gpr_names[i], v->gpr[i], (i % 8 == 7) ? "\n" : " ");
    fprintf(f, "  hi %08x   lo %08x\n", v->hi, v->lo);
    fprintf(f, "status %08x cause %08x epc %08x badvaddr %08x errorepc %08x\n", c->status, c->cause,
            c->epc, c->badvaddr, c->errorepc);
    fprintf(f, "entryhi %08x entrylo0 %08x entrylo1 %08x pagemask %08x index %08x wired %u\n",
            c->entryhi, c->entrylo0, c->entrylo1, c->pagemask, c->index, c->wired);
    fprintf(f, "context %08x count %08x compare %08x ebase %08x\n", c->context, vcpu_count(v),
            c->compare, c->ebase);
    dump_code(v, f, v->pc, 6, 4);
    /* The blocks that led here: the last exceptions, oldest first, with the code that raised
     * each (once per distinct EPC). */
    unsigned n = v->exc_hist_next < VCPU_EXC_HISTORY ? v->exc_hist_next : VCPU_EXC_HISTORY;
    if (n)
        fprintf(f, "last %u exceptions (of %u in a row without progress):\n", n, v->exc_streak);
    uint32_t shown[VCPU_EXC_HISTORY];
    unsigned nshown = 0;
    for (unsigned k = 0; k < n; k++) {
        unsigned i = (v->exc_hist_next - n + k) % VCPU_EXC_HISTORY;
        uint32_t epc = v->exc_hist[i].epc;
        fprintf(f, "  exception %u at epc %08x -> %08x, cause %08x, badvaddr %08x\n",
                (v->exc_hist[i].cause & CAUSE_EXC) >> CAUSE_EXC_SHIFT, epc, v->exc_hist[i].pc_after,
                v->exc_hist[i].cause, v->exc_hist[i].badvaddr);
        bool seen = false;
        for (unsigned j = 0; j < nshown; j++)
            seen |= shown[j] == epc;
        if (!seen) {
            shown[nshown++] = epc;
            dump_code(v, f, epc, 3, 1);
        }
    }
}
