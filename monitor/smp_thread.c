/*
 * SMP guests, step two: with --smp-threads 2 (real time only) each vCPU of a
 * -smp 2 VM runs on its own host thread, both in translated code at once.
 *
 * VPE 0 runs on the thread that runs the VM (vm_run, or a scheduler worker),
 * inside vm_run_slice as a single vCPU does. VPE 1 runs on a thread of its
 * own, started with the VM's first slice. Everything outside a slice (a
 * control request served, a reset, the end of the run, page-sharing merges)
 * happens with VPE 1 parked: each slice unparks it and parks it again before
 * returning, unless the slice returns because VPE 0 waits (WAIT) while VPE 1
 * runs; then VPE 1 goes on while the VM sleeps, and wakes it with an IPI.
 * With page sharing on, VPE 1 is parked then too (merges need the VM out of
 * guest code).
 *
 * What is shared between the two threads and how:
 *  - The translation cache: jump caches without a lock, the rest under
 *    tc->lock; a region is emptied only while every other vCPU is outside
 *    translated code (smp_exclusive_begin: each vCPU publishes whether it is
 *    inside, and the others wait at their next event check, smp_quiesce).
 *  - Devices: one lock (the "big lock", smp_bql_lock) around MMIO, the
 *    board's timers and console input. Device interrupts go to VPE 0 only; a
 *    line raised on VPE 1's thread is recorded atomically and VPE 0 takes it
 *    at its next event check (cp0_set_irq).
 *  - IPIs: an mttc0 of the other VPE's Cause sets its software-interrupt
 *    bits in vcpu.ipi_pending (atomically), which that vCPU's own thread
 *    merges into its Cause; a VPE sleeping in WAIT is woken (VPE 1 by its
 *    condition variable, VPE 0 through the VM's wake-up eventfd).
 *  - MT registers: under s->mu; dvpe and evpe keep MVPControl.EVP as the
 *    guest wrote it but stop no running VPE (mt_vpe_runs_threaded: Linux
 *    only brackets the cross-VPE Cause update with them, which ipi_pending
 *    makes atomic); a VPE being configured does not start.
 *  - Time: real time only, so Count is the host clock for both; the cached
 *    clock reading of one thread is not used (monitor/vcpu.c).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dbt/dbt.h"
#include "monitor/internal.h"

struct smp_rt {
    pthread_mutex_t mu;   /* the fields below, and the MT registers (mt.c) */
    pthread_cond_t cond;  /* VPE 1's thread: run again, an IPI, a park request, quit */
    pthread_cond_t parked_cond; /* the VM's thread: VPE 1 parked */
    pthread_t th;
    bool started, quit;
    bool park_req;        /* the VM's thread wants VPE 1 parked */
    bool parked;          /* VPE 1's thread is parked (touches nothing of the VM) */
    bool sleeping;        /* VPE 1 waits (WAIT, or it may not run): its thread sleeps */
    bool woken;           /* an IPI or a state change since VPE 1 went to sleep */
    enum vcpu_exit v1_exit; /* a reason to end the run VPE 1 found (a stop), until VPE 0 sees it */
    pthread_mutex_t bql;  /* devices */
    /* Exclusive sections (translation-cache eviction): */
    pthread_mutex_t xmu;
    pthread_cond_t xcond;
    _Atomic bool excl;
    _Atomic int in_exec[VM_MAX_VCPUS];
};

/* The vCPU the calling thread runs, if it runs one of a threaded VM. */
static _Thread_local struct vcpu *smp_self;

int smp_threads_create(struct vm *vm)
{
    struct smp_rt *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    /* recursive: mftr/mttr (holding it) reach the MT registers through cp0_read/cp0_write */
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&s->mu, &ma);
    pthread_mutexattr_destroy(&ma);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cond, &ca);
    pthread_condattr_destroy(&ca);
    pthread_cond_init(&s->parked_cond, NULL);
    pthread_mutex_init(&s->bql, NULL);
    pthread_mutex_init(&s->xmu, NULL);
    pthread_cond_init(&s->xcond, NULL);
    s->parked = true;
    vm->smp = s;
    return 0;
}

void smp_threads_destroy(struct vm *vm)
{
    struct smp_rt *s = vm->smp;
    if (!s)
        return;
    if (s->started) {
        pthread_mutex_lock(&s->mu);
        s->quit = true;
        pthread_cond_broadcast(&s->cond);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->th, NULL);
    }
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cond);
    pthread_cond_destroy(&s->parked_cond);
    pthread_mutex_destroy(&s->bql);
    pthread_mutex_destroy(&s->xmu);
    pthread_cond_destroy(&s->xcond);
    free(s);
    vm->smp = NULL;
}

/* ---- inside translated code or not ---- */

static void exec_start(struct vcpu *v)
{
    struct smp_rt *s = v->vm->smp;
    for (;;) {
        atomic_store(&s->in_exec[v->id], 1);
        if (!atomic_load(&s->excl))
            return;
        atomic_store(&s->in_exec[v->id], 0);
        pthread_mutex_lock(&s->xmu);
        pthread_cond_broadcast(&s->xcond);
        while (atomic_load(&s->excl))
            pthread_cond_wait(&s->xcond, &s->xmu);
        pthread_mutex_unlock(&s->xmu);
    }
}

static void exec_end(struct vcpu *v)
{
    struct smp_rt *s = v->vm->smp;
    atomic_store(&s->in_exec[v->id], 0);
    if (atomic_load(&s->excl)) {
        pthread_mutex_lock(&s->xmu);
        pthread_cond_broadcast(&s->xcond);
        pthread_mutex_unlock(&s->xmu);
    }
}

void smp_quiesce(struct vcpu *v)
{
    struct smp_rt *s = v->vm->smp;
    if (s && atomic_load_explicit(&s->excl, memory_order_relaxed)) {
        exec_end(v);
        exec_start(v);
    }
}

void smp_exclusive_begin(struct vcpu *v)
{
    struct vm *vm = v->vm;
    struct smp_rt *s = vm->smp;
    exec_end(v);
    pthread_mutex_lock(&s->xmu);
    while (atomic_load(&s->excl))
        pthread_cond_wait(&s->xcond, &s->xmu);
    atomic_store(&s->excl, true);
    for (;;) {
        bool busy = false;
        for (unsigned i = 0; i < vm->nr_vcpus; i++) {
            if (i != v->id && atomic_load(&s->in_exec[i])) {
                busy = true;
                /* seen at its next event check: at most the poll horizon of instructions away */
                atomic_fetch_or_explicit(&vm->vcpus[i]->exit_request, EXIT_REQ_INTERRUPT, memory_order_relaxed);
            }
        }
        if (!busy)
            break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 200000;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&s->xcond, &s->xmu, &ts);
    }
    pthread_mutex_unlock(&s->xmu);
}

void smp_exclusive_end(struct vcpu *v)
{
    struct smp_rt *s = v->vm->smp;
    pthread_mutex_lock(&s->xmu);
    atomic_store(&s->excl, false);
    pthread_cond_broadcast(&s->xcond);
    pthread_mutex_unlock(&s->xmu);
    exec_start(v);
}

/* ---- devices, MT registers ---- */

void smp_bql_lock(struct vm *vm)
{
    if (vm->smp)
        pthread_mutex_lock(&vm->smp->bql);
}

void smp_bql_unlock(struct vm *vm)
{
    if (vm->smp)
        pthread_mutex_unlock(&vm->smp->bql);
}

void smp_mt_lock(struct vm *vm)
{
    if (vm->smp)
        pthread_mutex_lock(&vm->smp->mu);
}

void smp_mt_unlock(struct vm *vm)
{
    if (vm->smp)
        pthread_mutex_unlock(&vm->smp->mu);
}

bool smp_remote(const struct vcpu *v)
{
    return v->vm->smp && smp_self != v;
}

/* Wakes vCPU t from a sleep (WAIT, or a VPE that may not run). With s->mu held for VPE 1. */
static void wake_locked(struct vcpu *t)
{
    struct smp_rt *s = t->vm->smp;
    if (t->id == 0) {
        if (t->vm->ctl_ready)
            vm_ctl_wake(&t->vm->ctl, EXIT_REQ_INTERRUPT);
        else
            atomic_fetch_or_explicit(&t->exit_request, EXIT_REQ_INTERRUPT, memory_order_relaxed);
        return;
    }
    s->woken = true;
    pthread_cond_broadcast(&s->cond);
}

void smp_mt_changed(struct vm *vm)
{
    /* s->mu held (smp_mt_lock): VPE 1's thread looks at its run state under it */
    if (vm->smp)
        wake_locked(vm->vcpus[1]);
}

void smp_raise_sw(struct vcpu *t, uint32_t bits)
{
    atomic_fetch_or_explicit(&t->ipi_pending, bits, memory_order_release);
    atomic_fetch_or_explicit(&t->exit_request, EXIT_REQ_INTERRUPT, memory_order_release);
    wake_locked(t); /* the caller is an mttc0, under smp_mt_lock: s->mu is held */
}

void smp_take_ipis(struct vcpu *v)
{
    uint32_t bits = atomic_exchange_explicit(&v->ipi_pending, 0, memory_order_acquire);
    if (bits) {
        v->cp0.cause |= bits;
        cp0_update_ip(v);
    }
}

/* ---- the two threads ---- */

/* Whether VPE v may run, in threaded mode (monitor/mt.c); the MT registers are read under s->mu
 * (recursive: VPE 1's thread already holds it). */
static bool vpe_may_run(const struct vcpu *v)
{
    pthread_mutex_lock(&v->vm->smp->mu);
    bool runs = mt_vpe_runs_threaded(v);
    pthread_mutex_unlock(&v->vm->smp->mu);
    return runs;
}

static void *vpe1_main(void *arg)
{
    struct vm *vm = arg;
    struct smp_rt *s = vm->smp;
    struct vcpu *v = vm->vcpus[1];
    smp_self = v;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (!s->quit && (s->park_req || s->v1_exit != VCPU_EXIT_NONE)) {
            s->parked = true;
            pthread_cond_broadcast(&s->parked_cond);
            pthread_cond_wait(&s->cond, &s->mu);
        }
        if (s->quit)
            break;
        s->parked = false;
        if (!vpe_may_run(v) || (v->waiting && !s->woken && v->wait_until_ns > host_monotonic_ns())) {
            s->sleeping = true;
            if (!vpe_may_run(v) || !v->wait_until_ns || v->wait_until_ns == UINT64_MAX) {
                pthread_cond_wait(&s->cond, &s->mu);
            } else {
                struct timespec ts = {.tv_sec = (time_t)(v->wait_until_ns / 1000000000ull),
                                      .tv_nsec = (long)(v->wait_until_ns % 1000000000ull)};
                pthread_cond_timedwait(&s->cond, &s->mu, &ts);
            }
            s->sleeping = false;
            continue;
        }
        s->woken = false;
        pthread_mutex_unlock(&s->mu);
        v->slice_end = UINT64_MAX;
        exec_start(v);
        enum vcpu_exit why = vm->dbt ? dbt_run(v) : dbt_interp_run(v);
        exec_end(v);
        pthread_mutex_lock(&s->mu);
        switch (why) {
        case VCPU_EXIT_NONE: case VCPU_EXIT_SLICE: case VCPU_EXIT_WAIT: case VCPU_EXIT_CONTROL:
            break;
        default:
            /* A stop, a limit, a wedge: the run ends, which VPE 0's thread decides; it parks us. */
            s->v1_exit = why;
            wake_locked(vm->vcpu);
            break;
        }
    }
    s->parked = true;
    pthread_cond_broadcast(&s->parked_cond);
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* Parks VPE 1's thread (s->mu held) and returns what it found to end the run (or NONE). */
static enum vcpu_exit park_locked(struct vm *vm)
{
    struct smp_rt *s = vm->smp;
    s->park_req = true;
    atomic_fetch_or_explicit(&vm->vcpus[1]->exit_request, EXIT_REQ_PREEMPT, memory_order_relaxed);
    pthread_cond_broadcast(&s->cond);
    while (!s->parked)
        pthread_cond_wait(&s->parked_cond, &s->mu);
    atomic_fetch_and_explicit(&vm->vcpus[1]->exit_request, ~EXIT_REQ_PREEMPT, memory_order_relaxed);
    enum vcpu_exit why = s->v1_exit;
    s->v1_exit = VCPU_EXIT_NONE;
    return why;
}

enum vcpu_exit smp_run_threads(struct vm *vm)
{
    struct smp_rt *s = vm->smp;
    struct vcpu *v0 = vm->vcpu, *v1 = vm->vcpus[1];
    smp_self = v0;
    pthread_mutex_lock(&s->mu);
    if (!s->started) {
        if (pthread_create(&s->th, NULL, vpe1_main, vm) != 0) {
            pthread_mutex_unlock(&s->mu);
            return VCPU_EXIT_HOST_ERROR;
        }
        s->started = true;
    }
    s->park_req = false;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->mu);
    for (;;) {
        enum vcpu_exit why;
        if (!vpe_may_run(v0)) {
            /* VPE 0 halted (Linux never does it): the VM idles while VPE 1 runs, 1 ms at a time. */
            v0->wait_until_ns = host_monotonic_ns() + 1000000ull;
            why = VCPU_EXIT_WAIT;
        } else {
            exec_start(v0);
            why = vm->dbt ? dbt_run(v0) : dbt_interp_run(v0);
            exec_end(v0);
        }
        if (why == VCPU_EXIT_NONE)
            continue;
        pthread_mutex_lock(&s->mu);
        if (why == VCPU_EXIT_WAIT && !vm->share && !s->parked && !s->sleeping && s->v1_exit == VCPU_EXIT_NONE) {
            /* VPE 1 goes on while the VM sleeps; an IPI or a stop on its thread wakes the VM. */
            pthread_mutex_unlock(&s->mu);
            return why;
        }
        enum vcpu_exit v1why = park_locked(vm);
        pthread_mutex_unlock(&s->mu);
        if (v1why != VCPU_EXIT_NONE && (why == VCPU_EXIT_SLICE || why == VCPU_EXIT_WAIT)) {
            if (v1why == VCPU_EXIT_WEDGED || v1why == VCPU_EXIT_LIMIT)
                return v1why;
            /* a stop: VPE 0 sees it at its next event check, where the run ends for both */
            vcpu_kick(v0);
            if (why == VCPU_EXIT_WAIT)
                v0->wait_until_ns = 0;
            return why;
        }
        if (why == VCPU_EXIT_WAIT && vpe_may_run(v1) && v1->waiting && v1->wait_until_ns < v0->wait_until_ns)
            v0->wait_until_ns = v1->wait_until_ns; /* both wait: the VM wakes for the earlier */
        if (why == VCPU_EXIT_WAIT && vpe_may_run(v1) && !v1->waiting)
            v0->wait_until_ns = 0; /* VPE 1 was parked running: run again at once */
        return why;
    }
}
