/*
 * monitor: the scheduler that runs the vCPUs of every VM of the monitor on a pool of host
 * worker threads (monitor/sched.c).
 *
 * Fair share in the spirit of BVT (Duda and Cheriton, SOSP'99): each vCPU accumulates virtual
 * time, the host time it ran divided by its VM's weight, and a worker always runs the runnable
 * vCPU with the least. A vCPU that wakes from WAIT has its virtual time raised to the least of
 * the runnable ones, and it runs warped (a small lead over the others) until it has used that
 * lead or sleeps again, so a mostly idle vCPU (an interactive console) runs soon after its
 * interrupt without being able to bank idle time and starve the others later. A vCPU
 * in WAIT, or paused, holds no worker: the scheduler sleeps on the earliest host deadline and on
 * every VM's wake-up eventfd (console input, QMP requests) and the process's signal eventfd.
 */
#ifndef MVISOR_SCHED_H
#define MVISOR_SCHED_H

#include <stdbool.h>
#include <stdint.h>

struct vm;

#define SCHED_WEIGHT_MIN 1u
#define SCHED_WEIGHT_MAX 10000u
#define SCHED_WEIGHT_DEFAULT 100u
#define SCHED_MAX_HOST_CPUS 256u

struct sched_config {
    unsigned host_cpus; /* worker threads; 0: the host's online CPUs */
    unsigned boot_stagger; /* --boot-stagger: VMs booting at once (0: all); default below */
    bool boot_stagger_given;
};

/*
 * Staggered boots: started all at once, N VMs share the host's CPUs from their first instruction,
 * and each reaches its prompt only after all N have done most of a boot (a Debian kernel's
 * decompressor alone is some 2e9 guest instructions): 100 VMs on a loaded two-core host showed no
 * console line in nine minutes. So at most SCHED_BOOT_STAGGER_PER_CPU per worker boot at once,
 * in the order given, and the next starts when one of them has gone idle (a second of short
 * WAITs), has run SCHED_BOOT_CPU_NS of host CPU, is paused or has ended. A VM
 * held back that gets a wake-up (QMP, console input) starts then.
 * A VM busy in user code (a workload, started by its init) is past its kernel's boot too, but
 * never idle: it lets the next start once its slices that ended in user mode add up to
 * SCHED_BOOT_USER_NS of host CPU (a uniprocessor VM: another vCPU thread of an SMP guest may
 * change the mode under the scheduler). Else 16 looping VMs on two host CPUs held every VM behind the
 * first eight for 40 s of wall time each (10 s of CPU at a quarter of a core), and minutes on a
 * loaded host (make bench-vms, latency: 8 of 17 VMs started after 248 s at load 20).
 */
#define SCHED_BOOT_STAGGER_PER_CPU 4u
#define SCHED_BOOT_CPU_NS 10000000000ull
#define SCHED_BOOT_USER_NS 1000000000ull

/*
 * Runs every VM (created, booted and started: vm_start) until each has ended, on the caller's
 * thread and host_cpus - 1 more. status[i] receives VM i's exit status (the values vm_run
 * returns); the return value is the worst of them (sched_worse). VM i's weight is
 * vms[i]->cfg.weight (0: SCHED_WEIGHT_DEFAULT). Returns -errno if the workers cannot start
 * (nothing has run then).
 */
int sched_run(struct vm **vms, unsigned n, const struct sched_config *sc, int *status);

/* From a thread of the running scheduler (a vCPU's, delivering a frame to another VM's card):
 * vm's first vCPU, idle, is made runnable at once, where its wake-up eventfd would be read only
 * when the poller polls again. False when nothing was done (another thread, someone polls, the
 * vCPU is not idle): the caller writes the eventfd as before. */
bool sched_wake_now(struct vm *vm);

/* BVT's warp for a vCPU that wakes up, in weighted host CPU nanoseconds: the lead it gets over
 * the others, and how long it may run with it. An echo on an idle VM's console costs its guest
 * 0.6-1.2 ms of host CPU (tty interrupt, the shell's wake-up, the echo), up to 3-7 ms on a host
 * so loaded that its caches are cold (make bench-vms, latency, at load 7 and 12); a busy vCPU
 * is set back by at most this much by a woken one. */
#define SCHED_WARP_NS 5000000ull
/* A running vCPU is preempted for a woken one only if it is ahead by at least this much. */
#define SCHED_PREEMPT_MIN_NS 500000ull
/* A slice up to this long (wall clock) is charged its wall time; a longer one, its worker's CPU
 * time. Busy slices (4 M guest instructions, 1-3 ms) read the clock, an idle VM's probe does
 * not unless the host took its core away meanwhile. */
#define SCHED_CHARGE_WALL_NS 1000000ull
/* Short slices charged by the wall clock since the last reading of the CPU clock: past this, the
 * next slice reads it anyway, which bounds how much host preemption goes uncorrected. */
#define SCHED_CHARGE_RESYNC_NS 20000000ull

/*
 * The run queue's policy, apart from the threads that act on it (exposed for the unit tests;
 * every call under the scheduler's lock). One entry per vCPU.
 */
enum sched_ent_state { SCHED_ENT_RUNNABLE, SCHED_ENT_RUNNING, SCHED_ENT_IDLE, SCHED_ENT_DONE };

struct sched_ent {
    struct vm *vm;
    struct vcpu *vcpu;  /* the vCPU it runs: the VM's first, or (--smp-threads 2) another */
    struct sched_ent *first; /* the entry of the VM's first vCPU (itself for that one) */
    int wake_fd;        /* readable: run it again (the VM's wake-up eventfd for the first vCPU) */
    bool vm_done;       /* another vCPU's entry, SCHED_ENT_RUNNING: the VM's run ended meanwhile */
    uint64_t weight;
    uint64_t vtime;     /* weighted host CPU ns run (BVT's actual virtual time) */
    uint64_t warp_left; /* weighted ns it may still run warped since it woke (0: not warped) */
    enum sched_ent_state st;
    uint64_t until_ns;  /* SCHED_ENT_IDLE: host time to run it again */
    bool woken;         /* SCHED_ENT_RUNNING: a wake-up came meanwhile */
    bool preempted;     /* SCHED_ENT_RUNNING: asked to give its worker back */
    bool from_idle;     /* SCHED_ENT_RUNNABLE: woke up since it last ran (its next slice is a probe) */
    int status;         /* SCHED_ENT_DONE: the VM's exit status */
    /* Idle tick coalescing (monitor/sched_idle.c): */
    uint64_t slack_ns;    /* the VM's --idle-slack grid (0: wakes at its deadlines) */
    uint64_t quiet_since; /* host ns since which every wake-up was a short timer tick (0: not quiet) */
    uint64_t slice_insns; /* guest instructions the last slice retired */
    bool slice_user;      /* the last slice ended with the guest in user mode */
    uint64_t deferred;    /* timer wake-ups moved onto the grid (--profile: idle_slack_deferred) */
    enum { SCHED_GATE_NONE, SCHED_GATE_HELD, SCHED_GATE_BOOTING } gate; /* staggered boots */
    uint64_t boot_ns;     /* SCHED_GATE_BOOTING: host CPU ns run since it started */
    uint64_t boot_quiet_since; /* SCHED_GATE_BOOTING: since when every slice was a short WAIT */
    uint64_t boot_user_ns;     /* SCHED_GATE_BOOTING: host CPU ns of slices that ended in user mode */
};

/* The runnable entry to run next (the least effective virtual time), and how many of the other
 * runnable ones are busy (not woken since they last ran). NULL: none runnable. */
struct sched_ent *sched_pick(struct sched_ent *e, unsigned n, unsigned *busy_others);
/* The runnable entry the watcher runs itself while every worker is busy (monitor/sched.c,
 * watcher_serve): the one with the least effective virtual time among those still warped (woken
 * and not yet run their warp), NULL if none is. */
struct sched_ent *sched_pick_warped(struct sched_ent *e, unsigned n);
/* Entry w (SCHED_ENT_IDLE) becomes runnable, warped. Returns the running entry it should preempt
 * (NULL: none is far enough ahead); *runnable and *busy count the other runnable entries and
 * the busy ones among them. */
struct sched_ent *sched_wake(struct sched_ent *e, unsigned n, struct sched_ent *w, unsigned *runnable,
                             unsigned *busy);
/* Entry x ran ran_ns of host CPU time. */
void sched_account(struct sched_ent *x, uint64_t ran_ns);

/*
 * What a slice is charged (monitor/sched.c explains why): one per worker thread, zeroed, then
 * sched_charge_slice after each slice with its wall-clock length; cpu_ns reads the calling
 * thread's CPU clock (NULL: CLOCK_THREAD_CPUTIME_ID; tests pass their own). Returns the host
 * nanoseconds to charge, at most wall_ns.
 */
struct sched_charge {
    uint64_t cpu_mark;   /* the thread's CPU clock at the last reading (0: never read) */
    uint64_t wall_since; /* wall time charged to short slices since that reading */
};
uint64_t sched_charge_slice(struct sched_charge *c, uint64_t wall_ns, uint64_t (*cpu_ns)(void));

/*
 * Idle tick coalescing (monitor/sched_idle.c). The guest's Linux ticks at 250 Hz with no NO_HZ:
 * an idle VM takes a timer interrupt every 4 ms, each a few thousand instructions of code gone
 * cold since the last. A VM is quiet once, for SCHED_QUIET_NS, it has only woken for its CP0
 * timer and gone back to WAIT within SCHED_QUIET_INSNS; a quiet VM is then woken at the next
 * multiple of its slack on the host's monotonic clock instead of at its deadline, so the ticks of
 * every quiet VM fall on one grid (one host wake-up for all) and a late tick does the work of
 * several (Linux's tick_sched_timer catches jiffies up from the clock source, kernel/time/
 * tick-sched.c, tick_do_update_jiffies64; the clock source is Count, which follows the host's
 * time, so the guest's clock does not drift). Any other wake-up (console input, QMP, a device)
 * or a tick that runs long ends the quiet at once.
 */
#define SCHED_IDLE_SLACK_DEFAULT_MS 16u
#define SCHED_IDLE_SLACK_MAX_MS 1000u
#define SCHED_QUIET_NS 1000000000ull
#define SCHED_QUIET_INSNS 50000ull

/* After a slice of x that ended in a WAIT (lock held): the host time to wake x at, for a
 * deadline at host time `deadline`, now `now`; on_compare: the deadline is the guest's CP0
 * timer (vcpu.wait_on_compare). Keeps x's quiet state. */
uint64_t sched_idle_until(struct sched_ent *x, uint64_t deadline, uint64_t now, bool on_compare);
/* x woke for something other than its timer: it is not quiet. */
void sched_idle_disturbed(struct sched_ent *x);
/* After a slice of a booting entry (SCHED_GATE_BOOTING) that ran ran_ns and ended in a WAIT
 * (wait), a pause (paused) or its end (ended): whether it no longer counts as booting. Done:
 * every slice for SCHED_QUIET_NS a WAIT within SCHED_QUIET_INSNS (any wake-up, deterministic VMs
 * too), SCHED_BOOT_CPU_NS of host CPU run, paused (QMP stop: it runs nothing) or ended. */
bool sched_boot_done(struct sched_ent *x, uint64_t now, uint64_t ran_ns, bool wait, bool paused, bool ended);

/* The worse of two exit statuses, for the monitor's own: a host error (1) is worst, then a
 * wedged guest (2), a failed test (4), a limit reached (3), and 0. */
int sched_worse(int a, int b);

#endif
