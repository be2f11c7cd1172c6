/*
 * The scheduler (monitor/sched.h): every vCPU of the monitor on a pool of host worker threads.
 * An entry is a VM's first vCPU, run through vm_run_slice; a VM whose vCPUs have threads of their
 * own (--smp-threads 2, monitor/smp_thread.c) has one more entry per other vCPU, run through
 * smp_vcpu_slice, woken through its own eventfd, and ended with the VM. The VM's weight is
 * shared out between its entries.
 *
 * One lock guards the run queue, which is small (a vCPU per VM, up to a few hundred) and touched
 * once per slice, so the pick is a linear scan for the least virtual time. A slice is a bounded
 * call into the engine (vm_run_slice): SLICE_INSNS guest instructions, less when the scheduler
 * wants the worker back for a vCPU that woke with less virtual time (EXIT_REQ_PREEMPT, seen at
 * the engine's next event check).
 *
 * Idle vCPUs (WAIT, paused) hold no worker. Their deadlines and wake-ups are watched by one
 * poller at a time, asleep in epoll on a timerfd armed at the earliest deadline of the idle
 * vCPUs, on every VM's wake-up eventfd (console input and QMP requests write it,
 * monitor/vmctl.c), on the process's signal eventfd and on the scheduler's own eventfd (the run
 * is over). The poller is an idle worker when there is one: it then runs what it wakes itself,
 * so an idle VM's timer tick costs one host wake-up. While every worker runs guest code, a
 * watcher thread (which runs no guest code: the scheduler's clock, as a timer interrupt is a
 * CPU's) polls instead, makes woken vCPUs runnable and asks the running vCPU furthest ahead to
 * yield; it hands the role back once a worker is idle again. A vCPU it woke it also runs itself,
 * in probe slices, for as long as that vCPU stays warped and every worker is busy
 * (watcher_serve): on a loaded host a worker running guest code waits its turn for a host CPU,
 * often tens of milliseconds, before it sees the yield request, while the watcher, which slept,
 * is running right then. Other idle workers sleep on a
 * condition variable, woken one per vCPU made runnable. A wake-up that comes while its vCPU runs
 * is remembered (woken), so a vCPU that returns WAIT just after it is not put to sleep past it.
 *
 * Virtual time: host CPU nanoseconds run, times SCHED_WEIGHT_DEFAULT / weight. CPU time, not
 * wall-clock time: on a shared host a worker thread may lose its core for tens of milliseconds in
 * the middle of a slice, and a vCPU charged for that looked busy: a mostly idle VM (an interactive
 * console) charged 30-60 ms for a probe of 50 us then waited behind every busy VM until their
 * virtual time caught up, hundreds of milliseconds (make bench-vms, latency, on a host at load
 * 5-8: echo p99 94-400 ms). Reading a thread's CPU clock is a system call
 * (CLOCK_THREAD_CPUTIME_ID, about 1.4 us here, a tenth of an idle VM's wake-up), so a short slice
 * is charged its wall time, too much by at most SCHED_CHARGE_WALL_NS, and only a longer one reads
 * the clock (sched_charge_slice). A vCPU made runnable after sleeping starts no lower than the
 * least virtual time of the vCPUs that are runnable or running, and runs warped: SCHED_WARP_NS
 * ahead of its virtual time until it has run that much or sleeps again (BVT's warp, so an
 * interactive vCPU runs first but cannot have saved up its idle time; sched_wake).
 */
#define _GNU_SOURCE /* gettid */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "monitor/console.h"
#include "monitor/internal.h"
#include "monitor/sched.h"

/* Guest instructions per slice: a few milliseconds of translated code. Waking vCPUs preempt it. */
#define SLICE_INSNS 4000000ull
/* The first slice of a vCPU that woke: most are an interrupt handled and WAIT again, so the
 * poller that woke it runs it without handing its role on (at most ~0.1-0.3 ms unwatched). */
#define PROBE_INSNS 50000ull
/* Timer slack: the poller's timer fires this long after the earliest deadline, and every vCPU
 * due by then wakes in the same turn. Idle guests tick at 250 Hz each, at unrelated phases; one
 * host wake-up then serves the ticks of several VMs, each seen at most this late (Linux's timer
 * slack plays the same part for host processes, 50 us by default). */
#define TIMER_SLACK_NS 500000ull
/* Probes made runnable in one turn past which the poller wakes a sleeping worker to share them. */
#define SCHED_SHARE_PROBES 8u

struct sched {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct sched_ent *e;
    unsigned n, ndone;
    int epfd, timer_fd, done_fd, sig_fd;
    uint64_t timer_at;      /* where timer_fd is armed (UINT64_MAX: disarmed) */
    enum { POLL_NONE, POLL_WORKER, POLL_WATCHER } poller; /* who polls now */
    bool poller_free;       /* while polling: the poller is a worker, free to run a vCPU */
    pthread_cond_t watch_cond; /* the watcher waits here for its turn */
    unsigned workers, running; /* workers started, and running a vCPU now */
    unsigned idle;          /* vCPUs in SCHED_ENT_IDLE */
    unsigned sleepers;      /* workers waiting on cond */
    bool signalled;         /* a terminating signal came: every vCPU runs to its stop */
    bool profiled;          /* some VM is profiled: each worker starts a sampler */
    unsigned booting, boot_max; /* staggered boots (sched.h): VMs booting now, and at most */
};

static void arm_timer(struct sched *s, uint64_t at)
{
    if (at == s->timer_at)
        return;
    s->timer_at = at;
    struct itimerspec its;
    memset(&its, 0, sizeof(its));
    if (at != UINT64_MAX) {
        if (at == 0)
            at = 1; /* 0 would disarm it */
        its.it_value.tv_sec = (time_t)(at / 1000000000ull);
        its.it_value.tv_nsec = (long)(at % 1000000000ull);
    }
    timerfd_settime(s->timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* BVT's effective virtual time, shifted up by SCHED_WARP_NS so that it never goes below zero: a
 * warped entry counts SCHED_WARP_NS less than the others. */
static uint64_t eff(const struct sched_ent *e)
{
    return e->warp_left ? e->vtime : e->vtime + SCHED_WARP_NS;
}

struct sched_ent *sched_pick_warped(struct sched_ent *e, unsigned n)
{
    struct sched_ent *best = NULL;
    for (unsigned i = 0; i < n; i++)
        if (e[i].st == SCHED_ENT_RUNNABLE && e[i].warp_left && (!best || eff(&e[i]) < eff(best)))
            best = &e[i];
    return best;
}

struct sched_ent *sched_pick(struct sched_ent *e, unsigned n, unsigned *busy_others)
{
    struct sched_ent *best = NULL;
    unsigned busy = 0;
    for (unsigned i = 0; i < n; i++) {
        struct sched_ent *x = &e[i];
        if (x->st != SCHED_ENT_RUNNABLE)
            continue;
        busy += !x->from_idle;
        if (!best || eff(x) < eff(best))
            best = x;
    }
    *busy_others = best ? busy - !best->from_idle : 0;
    return best;
}

/*
 * BVT's wake-up: the sleeper's actual virtual time is raised to the least of the others (it cannot
 * have saved up its sleep), and it runs warped, SCHED_WARP_NS ahead of that, until it has run
 * SCHED_WARP_NS itself (weighted) or sleeps again. The warp is granted at every wake-up, not only
 * after a long sleep: an interactive VM's echo costs it up to a millisecond of CPU (the guest's
 * tty, the shell, code translated anew), so its actual virtual time is often a little above the
 * least; raised only to least - SCHED_WARP_NS, as this scheduler once did, it then got no head
 * start at all and queued behind the busy VMs' slices (make bench-vms, latency: waits of 50 ms on
 * a loaded host). Fairness holds as in BVT: the actual virtual time is charged in full, so a VM
 * that wakes often and runs much soon has it above the others' by more than the warp, and then
 * gains nothing from waking.
 */
struct sched_ent *sched_wake(struct sched_ent *e, unsigned n, struct sched_ent *w, unsigned *runnable,
                             unsigned *busy)
{
    uint64_t least = UINT64_MAX;
    struct sched_ent *victim = NULL;
    *runnable = *busy = 0;
    for (unsigned i = 0; i < n; i++) {
        struct sched_ent *o = &e[i];
        if (o == w || (o->st != SCHED_ENT_RUNNABLE && o->st != SCHED_ENT_RUNNING))
            continue;
        if (o->vtime < least)
            least = o->vtime;
        if (o->st == SCHED_ENT_RUNNABLE) {
            (*runnable)++;
            *busy += !o->from_idle;
        } else if (!o->preempted && (!victim || eff(o) > eff(victim))) {
            victim = o;
        }
    }
    if (least != UINT64_MAX && w->vtime < least)
        w->vtime = least;
    w->warp_left = SCHED_WARP_NS;
    w->st = SCHED_ENT_RUNNABLE;
    w->from_idle = true;
    return victim && eff(victim) > eff(w) + SCHED_PREEMPT_MIN_NS ? victim : NULL;
}

void sched_account(struct sched_ent *x, uint64_t ran_ns)
{
    uint64_t v = ran_ns * SCHED_WEIGHT_DEFAULT / x->weight;
    x->vtime += v;
    x->warp_left = x->warp_left > v ? x->warp_left - v : 0;
}

/* A vCPU that slept is runnable again (lock held). */
static void make_runnable(struct sched *s, struct sched_ent *e)
{
    unsigned runnable, busy;
    struct sched_ent *victim = sched_wake(s->e, s->n, e, &runnable, &busy);
    s->idle--;
    if (s->poller_free) {
        /* The poller is a worker: it runs the woken vCPUs' short probes itself, one after the
         * other (a sleeping worker woken for each would double the host wake-ups of idle VMs);
         * only work that waits beside them needs another worker. */
        if (busy && s->sleepers)
            pthread_cond_signal(&s->cond);
        return;
    }
    /* The watcher: a sleeping worker takes it; with none free, the running vCPU furthest ahead
     * yields. */
    if (s->sleepers)
        pthread_cond_signal(&s->cond);
    if (runnable + 1 > s->sleepers && victim) {
        victim->preempted = true;
        atomic_fetch_or_explicit(&victim->vcpu->exit_request, EXIT_REQ_PREEMPT, memory_order_relaxed);
    }
}

/* The scheduler whose worker or watcher this thread is (NULL on any other thread). */
static __thread struct sched *this_sched;
/* The entry whose probe slice this thread runs (NULL outside probes). */
static __thread struct sched_ent *this_probe;

/*
 * A device of vm has work for its first vCPU, from a thread of this scheduler: another VM's vCPU
 * whose frame a switch delivered to vm's card. While the poller runs what it woke in probe
 * slices nobody polls (worker()), so a wake-up eventfd written then is read only when those
 * probes end: a ping's echo request waited 0.15-0.3 ms for the rest of the sender's probe
 * (its ping going back to sleep) before the receiver started. Made runnable here instead, the
 * receiver is taken at once by a sleeping worker, or by the next worker free. Other threads, and
 * this one while someone polls, go through the eventfd as before.
 *
 * A receiver already runnable waits as long if nobody else takes it: the poller that woke the
 * sender made the receiver runnable in the same turn (idle VMs' ticks come due together on one
 * grid) and runs the two probes one after the other, the receiver second. Traced (ping a->b
 * every 0.2 s), that was most of the pings: b took the echo request 230-260 us after it came,
 * when a's probe ended, against 40 us where b was still idle and a sleeping worker took it. So
 * a runnable receiver is handed to a sleeping worker too.
 *
 * And the sender's probe gives its worker to the receiver: a sleeping worker takes a while to
 * wake (tens of microseconds with a free core; on a loaded host it waits for one, and in that
 * trace the receiver still started only when the sender's probe ended, 215-270 us after the
 * frame). The rest of a probe is the sender going back to sleep (its transmit interrupt, its
 * scheduler, WAIT), which nobody waits for, while the receiver's answer is awaited; so the probe
 * yields at its next event check, the receiver, warped and no further ahead in virtual time,
 * runs next on this worker, and the sender goes on where a worker is free. Only a probe: a busy
 * sender (a TCP stream) is not switched away from at every frame.
 */
bool sched_wake_now(struct vm *vm)
{
    struct sched *s = this_sched;
    if (!s)
        return false;
    bool done = false;
    pthread_mutex_lock(&s->lock);
    for (unsigned i = 0; i < s->n && s->poller == POLL_NONE && !s->signalled; i++) {
        struct sched_ent *e = &s->e[i];
        if (e->vm != vm || e->first != e)
            continue;
        if (e->st == SCHED_ENT_IDLE) {
            sched_idle_disturbed(e);
            make_runnable(s, e);
            if (s->sleepers)
                pthread_cond_signal(&s->cond);
            done = true;
        } else if (e->st == SCHED_ENT_RUNNABLE && s->sleepers) {
            pthread_cond_signal(&s->cond);
            done = true; /* runnable already: its slice sees the kick's exit request */
        }
        struct sched_ent *me = this_probe;
        if (e->st == SCHED_ENT_RUNNABLE && me && me->vm != vm && me->st == SCHED_ENT_RUNNING && !me->preempted) {
            me->preempted = true;
            atomic_fetch_or_explicit(&me->vcpu->exit_request, EXIT_REQ_PREEMPT, memory_order_relaxed);
        }
        break;
    }
    pthread_mutex_unlock(&s->lock);
    return done;
}

static void drain(int fd)
{
    uint64_t v;
    while (read(fd, &v, sizeof(v)) > 0) {
    }
}

/* One turn of the poller (lock held on entry and exit): sleep until a deadline or a wake-up, and
 * make runnable what is due. */
static void poll_once(struct sched *s)
{
    uint64_t at = UINT64_MAX;
    for (unsigned i = 0; i < s->n; i++)
        if (s->e[i].st == SCHED_ENT_IDLE && s->e[i].until_ns < at)
            at = s->e[i].until_ns;
    arm_timer(s, at == UINT64_MAX ? at : at + TIMER_SLACK_NS);
    pthread_mutex_unlock(&s->lock);
    struct epoll_event ev[64];
    int got = epoll_wait(s->epfd, ev, 64, -1);
    pthread_mutex_lock(&s->lock);
    for (int k = 0; k < got; k++) {
        void *p = ev[k].data.ptr;
        if (p == &s->timer_fd) {
            drain(s->timer_fd);
            s->timer_at = UINT64_MAX; /* fired: armed again on the next turn */
        } else if (p == &s->done_fd) {
            drain(s->done_fd);
        } else if (p == &s->sig_fd) {
            /* Readable for good: stop watching it, and let every vCPU see the signal. */
            epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->sig_fd, NULL);
            s->signalled = true;
            for (unsigned i = 0; i < s->n; i++)
                if (s->e[i].st == SCHED_ENT_IDLE)
                    make_runnable(s, &s->e[i]);
        } else {
            struct sched_ent *e = p;
            drain(e->wake_fd);
            sched_idle_disturbed(e);
            if (e->st == SCHED_ENT_IDLE)
                make_runnable(s, e);
            else if (e->st == SCHED_ENT_RUNNING)
                e->woken = true;
        }
    }
    uint64_t now = host_monotonic_ns();
    unsigned due = 0;
    for (unsigned i = 0; i < s->n; i++)
        if (s->e[i].st == SCHED_ENT_IDLE && s->e[i].until_ns <= now) {
            make_runnable(s, &s->e[i]);
            due++;
        }
    /* Quiet VMs' ticks come due together on the --idle-slack grid: a sleeping worker shares a
     * large batch of probes with the poller. */
    if (due >= SCHED_SHARE_PROBES && s->poller_free && s->sleepers)
        pthread_cond_signal(&s->cond);
}

static void after_slice(struct sched *s, struct sched_ent *e, enum vcpu_exit why, uint64_t ran_ns, bool ended,
                        int status);
static uint64_t thread_cpu_ns(void);

/*
 * The watcher serves what it woke (lock held on entry and exit): while every worker runs guest
 * code, the warped runnable vCPUs (an interactive VM's console input, a timer tick) run here in
 * probe slices, the least effective virtual time first, until none is warped any more or a worker
 * is free. Each slice is charged as a worker's, so the warp runs out as it would there; the
 * running vCPU that make_runnable asked to yield still yields, and its worker takes over whatever
 * is left when the watcher stops. Polling waits meanwhile: at most one probe slice (0.1-0.3 ms)
 * per vCPU served, and a warp (SCHED_WARP_NS of CPU) in all for one vCPU.
 */
/* Runs one slice of e (SCHED_ENT_RUNNING) on this thread: called and returns with the lock held,
 * which it drops meanwhile; a worker's slice also gives its place in `running` back. */
static void run_slice(struct sched *s, struct sched_ent *e, uint64_t insns, struct sched_charge *charge, int tid,
                      bool worker)
{
    pthread_mutex_unlock(&s->lock);
    struct vm *vm = e->vm;
    bool first = e->first == e;
    if (first)
        atomic_store(&vm->ctl.vcpu_tid, tid);
    if (s->profiled)
        profile_thread_set(e->vcpu);
    uint64_t t0 = host_monotonic_ns(), i0 = e->vcpu->icount;
    this_probe = insns == PROBE_INSNS ? e : NULL;
    enum vcpu_exit why = first ? vm_run_slice(vm, insns) : smp_vcpu_slice(vm, e->vcpu->id, insns);
    this_probe = NULL;
    e->slice_insns = e->vcpu->icount - i0;
    /* An SMP guest's other vCPU threads may write this vCPU's Status (the MT ASE's mttr): its
     * staggered boot keeps the idle and CPU rules only. */
    e->slice_user = !vm->smp && e->vcpu->mmu_mode == MMU_USER;
    if (s->profiled)
        profile_thread_set(NULL);
    /* Outside the lock: a reboot loads the kernel again, an end prints and closes. The VM is
     * charged for it: a guest resetting in a loop gets no free time. The VM's other vCPUs are
     * held out of guest code meanwhile (smp_run_threads). */
    int status = 0;
    bool ended = first && vm_run_ended(vm, why, &status);
    uint64_t ran = sched_charge_slice(charge, host_monotonic_ns() - t0, thread_cpu_ns);
    pthread_mutex_lock(&s->lock);
    if (worker)
        s->running--;
    after_slice(s, e, why, ran, ended, status);
}

static void watcher_serve(struct sched *s, struct sched_charge *charge, int tid)
{
    struct sched_ent *e;
    while (s->running == s->workers && !s->signalled && (e = sched_pick_warped(s->e, s->n)) != NULL) {
        e->st = SCHED_ENT_RUNNING;
        e->from_idle = false;
        run_slice(s, e, PROBE_INSNS, charge, tid, false);
    }
}

/* The watcher: polls while every worker runs a vCPU, until the run is over. */
static void *watcher_main(void *arg)
{
    struct sched *s = arg;
    this_sched = s;
    if (s->profiled)
        profile_thread_begin();
    int tid = (int)gettid();
    struct sched_charge charge = {.cpu_mark = thread_cpu_ns()};
    pthread_mutex_lock(&s->lock);
    while (s->ndone < s->n) {
        if (s->poller != POLL_WATCHER) {
            pthread_cond_wait(&s->watch_cond, &s->lock);
            continue;
        }
        s->poller_free = false;
        poll_once(s);
        watcher_serve(s, &charge, tid);
        if (s->running < s->workers || !s->idle) {
            s->poller = POLL_NONE; /* a worker is idle: it polls from now on */
            if (s->sleepers)
                pthread_cond_signal(&s->cond);
        }
    }
    pthread_mutex_unlock(&s->lock);
    if (s->profiled)
        profile_thread_end();
    return NULL;
}

/* Entry e's run is over (lock held). */
static void ent_done(struct sched *s, struct sched_ent *e)
{
    if (e->st == SCHED_ENT_IDLE)
        s->idle--;
    e->st = SCHED_ENT_DONE;
    epoll_ctl(s->epfd, EPOLL_CTL_DEL, e->wake_fd, NULL);
    if (++s->ndone == s->n) {
        uint64_t one = 1;
        pthread_cond_broadcast(&s->cond);
        pthread_cond_signal(&s->watch_cond);
        if (write(s->done_fd, &one, sizeof(one)) < 0) {
            /* the counter cannot overflow with one write per run */
        }
    }
}

/* Staggered boots (sched.h): the next VM held back starts (lock held). */
static void gate_admit(struct sched *s)
{
    for (unsigned i = 0; i < s->n && s->booting < s->boot_max; i++) {
        struct sched_ent *h = &s->e[i];
        if (h->gate != SCHED_GATE_HELD)
            continue;
        h->gate = SCHED_GATE_BOOTING;
        s->booting++;
        if (h->st == SCHED_ENT_IDLE)
            make_runnable(s, h);
    }
}

/* After a slice of e (lock held): a VM held back that ran (a wake-up started it) is booting; a
 * booting one that is done lets the next start. */
static void gate_after_slice(struct sched *s, struct sched_ent *e, enum vcpu_exit why, uint64_t ran_ns, bool ended)
{
    if (e->gate == SCHED_GATE_HELD) {
        e->gate = SCHED_GATE_BOOTING;
        s->booting++;
    }
    if (e->gate != SCHED_GATE_BOOTING ||
        !sched_boot_done(e, host_monotonic_ns(), ran_ns, why == VCPU_EXIT_WAIT, why == VCPU_EXIT_PAUSED, ended))
        return;
    e->gate = SCHED_GATE_NONE;
    s->booting--;
    gate_admit(s);
}

/* Staggered boots: the first boot_max VMs start, the others wait, idle with no deadline. */
static void gate_open(struct sched *s, unsigned boot_max)
{
    unsigned nvms = 0;
    for (unsigned i = 0; i < s->n; i++)
        nvms += s->e[i].first == &s->e[i];
    if (!boot_max || boot_max >= nvms)
        return;
    s->boot_max = boot_max;
    /* The VMs' first vCPUs come first in s->e; a VM's other vCPUs follow it (no gate of their own). */
    for (unsigned i = 0; i < nvms; i++) {
        struct sched_ent *e = &s->e[i];
        if (i < boot_max) {
            e->gate = SCHED_GATE_BOOTING;
            s->booting++;
        } else {
            e->gate = SCHED_GATE_HELD;
            e->st = SCHED_ENT_IDLE;
            e->until_ns = UINT64_MAX;
            s->idle++;
        }
    }
    fprintf(stderr, "mvisor: %u VMs: booting %u at a time (--boot-stagger)\n", nvms, boot_max);
}

/* What a slice returned, after vm_run_ended acted on it (lock held). */
static void after_slice(struct sched *s, struct sched_ent *e, enum vcpu_exit why, uint64_t ran_ns, bool ended,
                        int status)
{
    sched_account(e, ran_ns);
    gate_after_slice(s, e, why, ran_ns, ended);
    bool woken = e->woken;
    e->woken = false;
    e->preempted = false;
    if (e->vm_done) {
        ent_done(s, e); /* the VM's run ended while this other vCPU's slice ran */
        return;
    }
    if (ended) {
        e->status = status;
        /* The VM's other vCPUs end with it; they are held out of guest code already. */
        for (unsigned i = 0; i < s->n; i++) {
            struct sched_ent *o = &s->e[i];
            if (o->first != e || o == e || o->st == SCHED_ENT_DONE)
                continue;
            if (o->st == SCHED_ENT_RUNNING)
                o->vm_done = true;
            else
                ent_done(s, o);
        }
        ent_done(s, e);
        return;
    }
    if ((why != VCPU_EXIT_WAIT && why != VCPU_EXIT_PAUSED) || woken || s->signalled) {
        e->st = SCHED_ENT_RUNNABLE; /* this worker picks again: the least virtual time runs */
        return;
    }
    e->st = SCHED_ENT_IDLE;
    s->idle++;
    if (why == VCPU_EXIT_WAIT) {
        const struct vcpu *v = e->vcpu;
        e->until_ns = sched_idle_until(e, v->wait_until_ns, host_monotonic_ns(), v->wait_on_compare);
        if (e->until_ns != v->wait_until_ns)
            __atomic_fetch_add(&e->vm->idle_deferred, 1, __ATOMIC_RELAXED);
    } else {
        e->until_ns = host_monotonic_ns() + VM_PAUSE_POLL_NS;
        sched_idle_disturbed(e);
    }
    if (e->until_ns + TIMER_SLACK_NS < s->timer_at)
        arm_timer(s, e->until_ns + TIMER_SLACK_NS); /* the poller sleeps until then at most */
}

static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) < 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * A short slice is charged its wall time. A long one reads the thread's CPU clock: what the
 * thread used since the last reading covers this slice and the short ones since, which were
 * charged their wall time already (never less than their CPU time), so this one gets the rest:
 * the host's preemption within the short slices is not charged twice, and a slice is never
 * charged more than its wall time. The first reading has no mark to count from: wall time.
 */
uint64_t sched_charge_slice(struct sched_charge *c, uint64_t wall_ns, uint64_t (*cpu_ns)(void))
{
    if (wall_ns <= SCHED_CHARGE_WALL_NS && c->wall_since + wall_ns <= SCHED_CHARGE_RESYNC_NS) {
        c->wall_since += wall_ns;
        return wall_ns;
    }
    uint64_t cpu = (cpu_ns ? cpu_ns : thread_cpu_ns)();
    uint64_t used = c->cpu_mark && cpu >= c->cpu_mark ? cpu - c->cpu_mark : wall_ns + c->wall_since;
    used = used > c->wall_since ? used - c->wall_since : 0;
    c->cpu_mark = cpu;
    c->wall_since = 0;
    return used < wall_ns ? used : wall_ns;
}

static void worker(struct sched *s)
{
    this_sched = s;
    if (s->profiled)
        profile_thread_begin();
    int tid = (int)gettid();
    struct sched_charge charge = {.cpu_mark = thread_cpu_ns()};
    pthread_mutex_lock(&s->lock);
    while (s->ndone < s->n) {
        unsigned busy_others;
        struct sched_ent *e = sched_pick(s->e, s->n, &busy_others);
        if (e) {
            e->st = SCHED_ENT_RUNNING;
            s->running++;
            /* Busy work beside this vCPU: a sleeping worker takes it (a vCPU back from a slice, or
             * a probe that turned out busy, wakes nobody by itself). Probes stay with the poller
             * that woke them, one after the other. */
            if (busy_others && s->sleepers)
                pthread_cond_signal(&s->cond);
            bool probe = e->from_idle;
            e->from_idle = false;
            /* Someone must watch the idle vCPUs while this one runs: a sleeping worker, or the
             * watcher when every worker is busy. Not for a probe: it is short. */
            if (!probe && s->idle && s->poller == POLL_NONE) {
                if (s->sleepers) {
                    pthread_cond_signal(&s->cond);
                } else if (s->running == s->workers) {
                    s->poller = POLL_WATCHER;
                    pthread_cond_signal(&s->watch_cond);
                }
            }
            run_slice(s, e, probe ? PROBE_INSNS : SLICE_INSNS, &charge, tid, true);
            continue;
        }
        if (s->poller == POLL_NONE) {
            s->poller = POLL_WORKER;
            s->poller_free = true;
            poll_once(s);
            s->poller = POLL_NONE;
            continue;
        }
        s->sleepers++;
        pthread_cond_wait(&s->cond, &s->lock);
        s->sleepers--;
    }
    pthread_mutex_unlock(&s->lock);
    this_sched = NULL;
    if (s->profiled)
        profile_thread_end();
}

static void *worker_main(void *arg)
{
    worker(arg);
    return NULL;
}

int sched_worse(int a, int b)
{
    static const int rank[] = {[0] = 0, [3] = 1, [4] = 2, [2] = 3, [1] = 4};
    int ra = a >= 0 && a <= 4 ? rank[a] : 5, rb = b >= 0 && b <= 4 ? rank[b] : 5;
    return ra >= rb ? a : b;
}

static int watch(struct sched *s, int fd, void *tag)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = tag};
    return epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static int sched_open(struct sched *s, struct vm **vms, unsigned n)
{
    s->epfd = epoll_create1(EPOLL_CLOEXEC);
    s->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    s->done_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    s->sig_fd = console_signal_fd();
    s->timer_at = UINT64_MAX;
    if (s->epfd < 0 || s->timer_fd < 0 || s->done_fd < 0)
        return -errno;
    int rc = watch(s, s->timer_fd, &s->timer_fd);
    if (!rc)
        rc = watch(s, s->done_fd, &s->done_fd);
    if (!rc && s->sig_fd >= 0)
        rc = watch(s, s->sig_fd, &s->sig_fd);
    /* An entry per vCPU that runs on its own: the first vCPU of each VM (entry i for VM i), then
     * the others of the VMs whose vCPUs have threads of their own (--smp-threads 2). */
    unsigned ne = n;
    for (unsigned i = 0; i < n; i++)
        if (vms[i]->smp)
            ne += vms[i]->nr_vcpus - 1;
    s->e = calloc(ne, sizeof(*s->e));
    if (!s->e)
        return -ENOMEM;
    s->n = ne;
    unsigned k = n;
    for (unsigned i = 0; i < n && !rc; i++) {
        struct vm *vm = vms[i];
        unsigned nv = vm->smp ? vm->nr_vcpus : 1;
        /* The VM's weight is its share, whatever its vCPUs: each has its part of it. */
        uint64_t w = vm->cfg.weight ? vm->cfg.weight : SCHED_WEIGHT_DEFAULT;
        w = w / nv ? w / nv : 1;
        for (unsigned j = 0; j < nv && !rc; j++) {
            struct sched_ent *e = j ? &s->e[k++] : &s->e[i];
            e->vm = vm;
            e->vcpu = vm->vcpus[j];
            e->first = &s->e[i];
            e->wake_fd = j ? smp_wake_fd(vm, j) : vm->ctl.wake_fd;
            e->weight = w;
            e->st = SCHED_ENT_RUNNABLE;
            /* Real time, one vCPU: a deterministic VM's time is its instruction count, not the host's. */
            if (!vm->clock.deterministic && vm->nr_vcpus == 1)
                e->slack_ns = (vm->cfg.idle_slack_given ? vm->cfg.idle_slack_ms : SCHED_IDLE_SLACK_DEFAULT_MS) *
                              1000000ull;
            rc = watch(s, e->wake_fd, e);
        }
        if (vm->prof)
            s->profiled = true;
    }
    return rc;
}

static void sched_close(struct sched *s)
{
    if (s->epfd >= 0)
        close(s->epfd);
    if (s->timer_fd >= 0)
        close(s->timer_fd);
    if (s->done_fd >= 0)
        close(s->done_fd);
    free(s->e);
}

int sched_run(struct vm **vms, unsigned n, const struct sched_config *sc, int *status)
{
    struct sched s = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER,
                      .watch_cond = PTHREAD_COND_INITIALIZER,
                      .epfd = -1, .timer_fd = -1, .done_fd = -1, .sig_fd = -1};
    int rc = sched_open(&s, vms, n);
    if (rc < 0) {
        sched_close(&s);
        return rc;
    }
    unsigned nw = sc && sc->host_cpus ? sc->host_cpus : (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
    if (nw < 1)
        nw = 1;
    if (nw > s.n)
        nw = s.n; /* more workers than vCPUs would only sleep */
    pthread_t *t = calloc(nw, sizeof(*t));
    if (!t) {
        sched_close(&s);
        return -ENOMEM;
    }
    pthread_t watcher;
    if (pthread_create(&watcher, NULL, watcher_main, &s)) {
        free(t);
        sched_close(&s);
        return -EAGAIN;
    }
    s.workers = nw;
    gate_open(&s, sc && sc->boot_stagger_given ? sc->boot_stagger : SCHED_BOOT_STAGGER_PER_CPU * nw);
    unsigned started = 0;
    for (; started + 1 < nw; started++)
        if (pthread_create(&t[started], NULL, worker_main, &s))
            break; /* fewer workers: slower, not wrong */
    pthread_mutex_lock(&s.lock);
    s.workers = started + 1;
    pthread_mutex_unlock(&s.lock);
    worker(&s);
    for (unsigned i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    pthread_join(watcher, NULL);
    free(t);
    int worst = 0;
    for (unsigned i = 0; i < n; i++) {
        status[i] = s.e[i].status;
        worst = sched_worse(worst, status[i]);
    }
    sched_close(&s);
    return worst;
}
