/*
 * monitor: the scheduler that runs the vCPUs of every VM of the monitor on a pool of host
 * worker threads (monitor/sched.c).
 *
 * Fair share in the spirit of BVT (Duda and Cheriton, SOSP'99): each vCPU accumulates virtual
 * time, the host time it ran divided by its VM's weight, and a worker always runs the runnable
 * vCPU with the least. A vCPU that wakes from WAIT has its virtual time raised to the least of
 * the runnable ones minus a small warp, so a mostly idle vCPU (an interactive console) runs soon
 * after its interrupt without being able to bank idle time and starve the others later. A vCPU
 * in WAIT, or paused, holds no worker: the scheduler sleeps on the earliest host deadline and on
 * every VM's wake-up eventfd (console input, QMP requests) and the process's signal eventfd.
 */
#ifndef MVISOR_SCHED_H
#define MVISOR_SCHED_H

#include <stdint.h>

struct vm;

#define SCHED_WEIGHT_MIN 1u
#define SCHED_WEIGHT_MAX 10000u
#define SCHED_WEIGHT_DEFAULT 100u
#define SCHED_MAX_HOST_CPUS 256u

struct sched_config {
    unsigned host_cpus; /* worker threads; 0: the host's online CPUs */
};

/*
 * Runs every VM (created, booted and started: vm_start) until each has ended, on the caller's
 * thread and host_cpus - 1 more. status[i] receives VM i's exit status (the values vm_run
 * returns); the return value is the worst of them (sched_worse). VM i's weight is
 * vms[i]->cfg.weight (0: SCHED_WEIGHT_DEFAULT). Returns -errno if the workers cannot start
 * (nothing has run then).
 */
int sched_run(struct vm **vms, unsigned n, const struct sched_config *sc, int *status);

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

/* The worse of two exit statuses, for the monitor's own: a host error (1) is worst, then a
 * wedged guest (2), a failed test (4), a limit reached (3), and 0. */
int sched_worse(int a, int b);

#endif
