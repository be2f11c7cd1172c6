/*
 * SMP guests on host threads: with --smp-threads 2 (real time only) each
 * vCPU of a -smp 2 VM is an entity of the scheduler (monitor/sched.c) and
 * runs on whichever of its worker threads picks it, both vCPUs in
 * translated code at once when two workers are free.
 *
 * VPE 0 runs inside vm_run_slice, as a single vCPU does (smp_run_threads):
 * control requests (QMP), a reset, the end of the run are its business.
 * Every other vCPU runs in smp_vcpu_slice, a bounded call like VPE 0's
 * slice. Whatever needs the whole VM stopped (a control request served, a
 * reset or the end, page-sharing merges) holds the other vCPUs: the hold
 * asks them to end their slice and waits until none is inside one; a held
 * vCPU's slice returns at once (VCPU_EXIT_PAUSED) and it waits off the
 * workers until the hold ends, which wakes it through its eventfd. VPE 0
 * takes the hold whenever its slice returns for anything but more guest
 * code (a slice's end, WAIT) and lets it go at its next slice, so a VM
 * paused by QMP (stop), or one resetting, has no vCPU in guest code.
 *
 * What is shared between the threads and how:
 *  - The translation cache: jump caches without a lock, the rest under
 *    tc->lock; a region is emptied only while every other vCPU is outside
 *    translated code (smp_exclusive_begin: each vCPU publishes whether it is
 *    inside, and the others wait at their next event check, smp_quiesce).
 *  - Devices: one lock (the "big lock", smp_bql_lock) around MMIO, the
 *    board's timers and console input. Device interrupts go to VPE 0 only; a
 *    line raised on another vCPU's thread is recorded atomically and VPE 0
 *    takes it at its next event check (cp0_set_irq).
 *  - IPIs: an mttc0 of the other VPE's Cause sets its software-interrupt
 *    bits in vcpu.ipi_pending (atomically), which that vCPU's own thread
 *    merges into its Cause; a VPE sleeping in WAIT is woken through its
 *    eventfd (VPE 0's is the VM's wake-up eventfd), which the scheduler
 *    watches.
 *  - MT registers: under s->mu; a dvpe stops the other VPEs until the evpe:
 *    one outside its slice does not start one, one inside stands still at
 *    its next event check (dvpe_park) rather than leaving the slice, since
 *    Linux runs two dvpe windows of a few instructions per IPI; a VPE being
 *    configured does not start.
 *  - Time: real time only, so Count is the host clock for both; the cached
 *    clock reading of one thread is not used (monitor/vcpu.c).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "dbt/dbt.h"
#include "monitor/internal.h"
#include "numa/numa.h"
#include "shadow-mmu/pageshare.h"

struct smp_rt {
    pthread_mutex_t mu;   /* the fields below, and the MT registers (mt.c) */
    pthread_cond_t out_cond; /* a holder waits here for the other vCPUs to leave their slices */
    unsigned hold;        /* holders: the other vCPUs stay out of guest code */
    bool vm_held;         /* VPE 0's own hold, from its last slice's exit to its next slice */
    unsigned inside;      /* vCPUs other than VPE 0 inside smp_vcpu_slice's guest code */
    unsigned hold0;       /* holders of VPE 0 (another VPE's dvpe) */
    bool inside0;         /* VPE 0 inside guest code (smp_run_threads) */
    _Atomic int dvpe_by;  /* the VPE whose dvpe holds the others now, or -1 (written under mu) */
    _Atomic bool parked[VM_MAX_VCPUS]; /* stands still at an event check for that dvpe (dvpe_park) */
    uint64_t dvpe_t0;     /* profiling: when that dvpe came */
    _Atomic bool dvpe_wait[VM_MAX_VCPUS]; /* that VPE waits for the others to be out before it goes on */
    enum vcpu_exit v_exit; /* a reason to end the run another vCPU found (a limit, a wedge) */
    int wake_fd[VM_MAX_VCPUS]; /* vCPUs 1..: the scheduler wakes the vCPU when it is readable */
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
    for (unsigned i = 0; i < VM_MAX_VCPUS; i++)
        s->wake_fd[i] = -1;
    for (unsigned i = 1; i < VM_MAX_VCPUS; i++) {
        s->wake_fd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (s->wake_fd[i] < 0) {
            int rc = -errno;
            for (unsigned j = 1; j < i; j++)
                close(s->wake_fd[j]);
            free(s);
            return rc;
        }
    }
    /* recursive: mftr/mttr (holding it) reach the MT registers through cp0_read/cp0_write */
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&s->mu, &ma);
    pthread_mutexattr_destroy(&ma);
    pthread_cond_init(&s->out_cond, NULL);
    pthread_mutex_init(&s->bql, NULL);
    pthread_mutex_init(&s->xmu, NULL);
    pthread_cond_init(&s->xcond, NULL);
    s->dvpe_by = -1;
    vm->smp = s;
    return 0;
}

void smp_threads_destroy(struct vm *vm)
{
    struct smp_rt *s = vm->smp;
    if (!s)
        return;
    for (unsigned i = 1; i < VM_MAX_VCPUS; i++)
        if (s->wake_fd[i] >= 0)
            close(s->wake_fd[i]);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->out_cond);
    pthread_mutex_destroy(&s->bql);
    pthread_mutex_destroy(&s->xmu);
    pthread_cond_destroy(&s->xcond);
    free(s);
    vm->smp = NULL;
}

int smp_wake_fd(const struct vm *vm, unsigned id)
{
    return vm->smp && id > 0 && id < vm->nr_vcpus ? vm->smp->wake_fd[id] : -1;
}
/* Waits on c (m held) for at most 200 us: for a condition whose change is not always signalled. */
static void cond_wait_200us(pthread_cond_t *c, pthread_mutex_t *m)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 200000;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(c, m, &ts);
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
        uint64_t t0 = prof_slice_now(v);
        pthread_mutex_lock(&s->xmu);
        pthread_cond_broadcast(&s->xcond);
        while (atomic_load(&s->excl))
            pthread_cond_wait(&s->xcond, &s->xmu);
        pthread_mutex_unlock(&s->xmu);
        prof_slice_wait(v, SLICE_WAIT_EXCL, t0);
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

static void dvpe_wait_out(struct vcpu *v);
static bool dvpe_park(struct vcpu *v);

bool smp_quiesce(struct vcpu *v)
{
    struct smp_rt *s = v->vm->smp;
    if (!s)
        return false;
    if (atomic_load_explicit(&s->excl, memory_order_relaxed)) {
        exec_end(v);
        exec_start(v);
    }
    if (s->dvpe_wait[v->id])
        dvpe_wait_out(v);
    int by = atomic_load(&s->dvpe_by);
    return by >= 0 && by != (int)v->id && dvpe_park(v);
}

void smp_exclusive_begin(struct vcpu *v)
{
    struct vm *vm = v->vm;
    struct smp_rt *s = vm->smp;
    exec_end(v);
    uint64_t t0 = prof_slice_now(v);
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
        cond_wait_200us(&s->xcond, &s->xmu);
    }
    pthread_mutex_unlock(&s->xmu);
    prof_slice_wait(v, SLICE_WAIT_EXCL, t0);
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

/* Takes m; profiled, the time the calling vCPU waited for it (only when it had to). */
static void lock_timed(pthread_mutex_t *m, enum slice_wait w)
{
    struct vcpu *self = smp_self;
    if (!self || !self->prof_on || pthread_mutex_trylock(m) != 0) {
        uint64_t t0 = self ? prof_slice_now(self) : 0;
        pthread_mutex_lock(m);
        if (t0)
            prof_slice_wait(self, w, t0);
    }
}

void smp_bql_lock(struct vm *vm)
{
    if (vm->smp)
        lock_timed(&vm->smp->bql, SLICE_WAIT_BQL);
}

void smp_bql_unlock(struct vm *vm)
{
    if (vm->smp)
        pthread_mutex_unlock(&vm->smp->bql);
}

void smp_mt_lock(struct vm *vm)
{
    if (vm->smp)
        lock_timed(&vm->smp->mu, SLICE_WAIT_MT);
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

/* Wakes vCPU t from a sleep (WAIT, a hold, a VPE that may not run): the scheduler runs it again
 * when its eventfd is readable. */
static void wake(struct vcpu *t)
{
    struct smp_rt *s = t->vm->smp;
    if (t->id == 0) {
        if (t->vm->ctl_ready)
            vm_ctl_wake(&t->vm->ctl, EXIT_REQ_INTERRUPT);
        else
            atomic_fetch_or_explicit(&t->exit_request, EXIT_REQ_INTERRUPT, memory_order_relaxed);
        return;
    }
    uint64_t one = 1;
    if (write(s->wake_fd[t->id], &one, sizeof(one)) < 0) {
        /* EAGAIN: the counter is saturated, so a wake-up is already pending */
    }
}

void smp_mt_changed(struct vm *vm)
{
    if (vm->smp)
        for (unsigned i = 1; i < vm->nr_vcpus; i++)
            wake(vm->vcpus[i]);
}

void smp_raise_sw(struct vcpu *t, uint32_t bits)
{
    if (__builtin_expect(t->prof_on, 0))
        prof_ipi_raised(t, atomic_load_explicit(&t->vm->smp->in_exec[t->id], memory_order_relaxed) != 0);
    atomic_fetch_or_explicit(&t->ipi_pending, bits, memory_order_release);
    atomic_fetch_or_explicit(&t->exit_request, EXIT_REQ_INTERRUPT, memory_order_release);
    wake(t);
}

void smp_take_ipis(struct vcpu *v)
{
    uint32_t bits = atomic_exchange_explicit(&v->ipi_pending, 0, memory_order_acquire);
    if (bits) {
        v->cp0.cause |= bits;
        cp0_update_ip(v);
    }
    if (__builtin_expect(v->prof_on, 0)) {
        if (bits)
            prof_ipi_taken(v);
        atomic_store_explicit(&v->icount_pub, v->icount, memory_order_relaxed);
    }
}

/* ---- holding the other vCPUs out of guest code ---- */

void smp_hold_others(struct vm *vm)
{
    struct smp_rt *s = vm->smp;
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->hold++;
    for (unsigned i = 1; i < vm->nr_vcpus; i++)
        atomic_fetch_or_explicit(&vm->vcpus[i]->exit_request, EXIT_REQ_PREEMPT, memory_order_relaxed);
    while (s->inside)
        pthread_cond_wait(&s->out_cond, &s->mu);
    pthread_mutex_unlock(&s->mu);
}

void smp_release_others(struct vm *vm)
{
    struct smp_rt *s = vm->smp;
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    if (--s->hold == 0)
        smp_mt_changed(vm);
    pthread_mutex_unlock(&s->mu);
}

/* ---- dvpe / evpe ---- */

/*
 * A dvpe (MVPControl.EVP cleared by a master VPE) stops every other VPE until EVP is set again
 * (MD00378, DVPE: "all other VPEs ... are suspended"). Under s->mu when EVP changes, the other
 * VPEs are held: none starts guest code again. The VPE that ran the dvpe then leaves translated
 * code (the MT instruction ends its block, and it asks for an event check), and before its next
 * instruction waits for the others to be out (dvpe_wait_out, outside translated code, so a VPE
 * that wants the translation cache to itself is not kept waiting by it). An evpe lets them go.
 * Linux brackets its cross-VPE writes with dvpe/evpe (mips_mt_send_ipi, smvp_boot_secondary).
 */
void smp_evp_changed(struct vcpu *exec, bool evp)
{
    struct vm *vm = exec->vm;
    struct smp_rt *s = vm->smp;
    if (!s)
        return;
    /* s->mu held (recursive): the caller changes the MT registers under it */
    pthread_mutex_lock(&s->mu);
    if (!evp && s->dvpe_by < 0) {
        s->dvpe_by = (int)exec->id;
        /* The others stop at their next event check, where they stand still in their slice
         * (dvpe_park) until the evpe; one not in a slice does not start one (the hold). */
        if (exec->id == 0) {
            s->hold++;
            for (unsigned i = 1; i < vm->nr_vcpus; i++)
                atomic_fetch_or_explicit(&vm->vcpus[i]->exit_request, EXIT_REQ_INTERRUPT, memory_order_relaxed);
        } else {
            s->hold0++;
            atomic_fetch_or_explicit(&vm->vcpu->exit_request, EXIT_REQ_INTERRUPT, memory_order_relaxed);
        }
        s->dvpe_wait[exec->id] = true;
        s->dvpe_t0 = prof_slice_now(exec);
        atomic_fetch_or_explicit(&exec->exit_request, EXIT_REQ_INTERRUPT, memory_order_relaxed);
    } else if (evp && s->dvpe_by >= 0) {
        if (s->dvpe_by == 0) {
            if (--s->hold == 0)
                smp_mt_changed(vm);
        } else if (--s->hold0 == 0) {
            wake(vm->vcpu);
        }
        if (exec->id == (unsigned)s->dvpe_by)
            prof_dvpe_window(exec, s->dvpe_t0);
        s->dvpe_wait[s->dvpe_by] = false;
        s->dvpe_by = -1;
        pthread_cond_broadcast(&s->out_cond); /* the parked ones go on */
    }
    pthread_mutex_unlock(&s->mu);
}

/* A reset ends a dvpe's hold (the VM is held as a whole meanwhile). */
void smp_mt_reset(struct vm *vm)
{
    if (vm->smp)
        smp_evp_changed(vm->vcpu, true);
}

/* Whether a vCPU other than v may still run guest code: inside its slice and not parked (s->mu). */
static bool others_running(const struct smp_rt *s, const struct vcpu *v)
{
    if (v->id != 0)
        return s->inside0 && !atomic_load(&s->parked[0]);
    unsigned parked = 0;
    for (unsigned i = 1; i < v->vm->nr_vcpus; i++)
        parked += atomic_load(&s->parked[i]);
    return s->inside > parked;
}

/* How long a wait for the other vCPU spins before it sleeps: Linux's dvpe windows are a few
 * instructions (mips_mt_send_ipi), so the other side usually answers within microseconds, and a
 * futex wake-up costs as much again. */
#define SMP_SPIN_NS 30000ull

static void dvpe_wait_out(struct vcpu *v)
{
    struct smp_rt *s = v->vm->smp;
    exec_end(v);
    uint64_t t0 = prof_slice_now(v);
    uint64_t spin_end = host_monotonic_ns() + SMP_SPIN_NS;
    pthread_mutex_lock(&s->mu);
    while (s->dvpe_wait[v->id] && others_running(s, v)) {
        if (host_monotonic_ns() < spin_end) {
            pthread_mutex_unlock(&s->mu);
            __builtin_ia32_pause();
            pthread_mutex_lock(&s->mu);
            continue;
        }
        pthread_cond_wait(&s->out_cond, &s->mu);
    }
    s->dvpe_wait[v->id] = false;
    pthread_mutex_unlock(&s->mu);
    prof_slice_wait(v, SLICE_WAIT_HOLD, t0);
    exec_start(v);
}

/* How long a vCPU stands still in its slice for another VPE's dvpe before it leaves the slice
 * (then the hold keeps it out until the evpe, as one not in a slice): a window longer than this
 * is no IPI, and the worker is better given back. */
#define SMP_PARK_MAX_NS 2000000ull

/*
 * Another VPE's dvpe: v stops here, at an event check outside translated code, until the evpe.
 * Staying inside the slice makes the stop cheap: leaving it would cost a trip through the
 * scheduler both ways (the slice's end, the eventfd, the poller, a worker), up to hundreds of
 * microseconds each time, and Linux does it twice per IPI (mips_mt_send_ipi and the receiver's
 * mips_mt_sw_irq_ack each bracket their Cause update with dvpe/evpe, drivers/irqchip/
 * irq-mips-cpu.c). True if v must leave its slice (held too long, or asked to).
 */
static bool dvpe_park(struct vcpu *v)
{
    struct smp_rt *s = v->vm->smp;
    uint64_t t0 = host_monotonic_ns(), spin_end = t0 + SMP_SPIN_NS, end = t0 + SMP_PARK_MAX_NS;
    bool out = false;
    exec_end(v);
    pthread_mutex_lock(&s->mu);
    atomic_store(&s->parked[v->id], true);
    pthread_cond_broadcast(&s->out_cond);
    for (;;) {
        int by = atomic_load(&s->dvpe_by);
        if (by < 0 || by == (int)v->id)
            break;
        if (atomic_load_explicit(&v->exit_request, memory_order_relaxed) & EXIT_REQ_PREEMPT) {
            out = true; /* a whole-VM hold or the scheduler: the slice ends */
            break;
        }
        uint64_t now = host_monotonic_ns();
        if (now >= end) {
            out = true;
            break;
        }
        if (now < spin_end) {
            pthread_mutex_unlock(&s->mu);
            __builtin_ia32_pause();
            pthread_mutex_lock(&s->mu);
            continue;
        }
        cond_wait_200us(&s->out_cond, &s->mu);
    }
    atomic_store(&s->parked[v->id], false);
    pthread_mutex_unlock(&s->mu);
    if (v->prof_on)
        prof_dvpe_park(v, t0, out);
    if (!out)
        exec_start(v);
    return out;
}

/* ---- the slices ---- */

/* Whether VPE v may run, in threaded mode (monitor/mt.c); the MT registers are read under s->mu. */
static bool vpe_may_run(const struct vcpu *v)
{
    pthread_mutex_lock(&v->vm->smp->mu);
    bool runs = mt_vpe_runs_threaded(v);
    pthread_mutex_unlock(&v->vm->smp->mu);
    return runs;
}

/* Ends the run for what vCPU v (not VPE 0) found: VPE 0 returns it from its next slice. */
static void pass_to_vpe0(struct vm *vm, enum vcpu_exit why)
{
    struct smp_rt *s = vm->smp;
    pthread_mutex_lock(&s->mu);
    if (s->v_exit == VCPU_EXIT_NONE)
        s->v_exit = why;
    pthread_mutex_unlock(&s->mu);
    if (vm->ctl_ready)
        vm_ctl_wake(&vm->ctl, EXIT_REQ_PREEMPT);
    else
        atomic_fetch_or_explicit(&vm->vcpu->exit_request, EXIT_REQ_PREEMPT, memory_order_relaxed);
}

enum vcpu_exit smp_vcpu_slice(struct vm *vm, unsigned id, uint64_t max_insns)
{
    struct smp_rt *s = vm->smp;
    struct vcpu *v = vm->vcpus[id];
    smp_self = v;
    /* Page-sharing merges wait for every vCPU of the VM to be out of its slice (first: a vCPU
     * waiting here for the scanner is not inside, which a hold waits for). */
    if (vm->share)
        pageshare_enter(vm->share);
    /* Held, not running (QMP stop, before the start), stopping, or the run is ending: nothing to do
     * until something wakes it (smp_release_others, the VM's state changing through VPE 0). */
    pthread_mutex_lock(&s->mu);
    enum vcpu_exit idle = VCPU_EXIT_NONE;
    if (s->hold || s->v_exit != VCPU_EXIT_NONE || vm_ctl_state(&vm->ctl) != VM_STATE_RUNNING ||
        __atomic_load_n(&vm->stop, __ATOMIC_ACQUIRE)) {
        idle = VCPU_EXIT_PAUSED;
    } else if (!mt_vpe_runs_threaded(v)) {
        /* Halted, inactive or being configured: an MT register write wakes it (smp_mt_changed). */
        v->waiting = false;
        v->wait_until_ns = host_monotonic_ns() + VM_PAUSE_POLL_NS;
        idle = VCPU_EXIT_WAIT;
    } else {
        s->inside++;
    }
    pthread_mutex_unlock(&s->mu);
    if (idle != VCPU_EXIT_NONE) {
        if (vm->share)
            pageshare_leave(vm->share);
        return idle;
    }
    uint64_t end = max_insns && v->icount < UINT64_MAX - max_insns ? v->icount + max_insns : UINT64_MAX;
    v->slice_end = end;
    vcpu_kick(v); /* the clock moved while it was off its thread: check events first */
    uint64_t t0 = prof_slice_now(v);
    prof_slice_begin(v, t0);
    exec_start(v);
    if (s->dvpe_wait[id])
        dvpe_wait_out(v); /* its dvpe was the last instruction of its last slice */
    if (vm->numa)
        numa_vcpu_slice_begin(vm->numa, id); /* its node, its own counts (numa/numa.h) */
    enum vcpu_exit why = vm->dbt ? dbt_run(v) : dbt_interp_run(v);
    if (vm->numa)
        numa_vcpu_slice_end(vm->numa, id);
    exec_end(v);
    prof_slice_end(v, t0);
    v->slice_end = UINT64_MAX;
    pthread_mutex_lock(&s->mu);
    if (--s->inside == 0)
        pthread_cond_broadcast(&s->out_cond);
    pthread_mutex_unlock(&s->mu);
    if (vm->share)
        pageshare_leave(vm->share);
    switch (why) {
    case VCPU_EXIT_NONE: case VCPU_EXIT_SLICE: case VCPU_EXIT_WAIT: case VCPU_EXIT_CONTROL:
        return why;
    case VCPU_EXIT_STOP:
        /* A reset or a power-off the board saw on this thread: VPE 0 acts on it (vm->stop). */
        pass_to_vpe0(vm, VCPU_EXIT_NONE);
        return VCPU_EXIT_PAUSED;
    default:
        /* A limit, a wedge, a host error: the run ends, which VPE 0's thread decides. */
        pass_to_vpe0(vm, why);
        return VCPU_EXIT_PAUSED;
    }
}

enum vcpu_exit smp_run_threads(struct vm *vm)
{
    struct smp_rt *s = vm->smp;
    struct vcpu *v0 = vm->vcpu;
    smp_self = v0;
    if (s->vm_held) {
        s->vm_held = false;
        smp_release_others(vm);
    }
    pthread_mutex_lock(&s->mu);
    enum vcpu_exit why = s->v_exit;
    s->v_exit = VCPU_EXIT_NONE;
    pthread_mutex_unlock(&s->mu);
    if (why == VCPU_EXIT_NONE) {
        if (!vpe_may_run(v0)) {
            /* VPE 0 halted (Linux never does it): it looks again in 1 ms, or when woken. */
            v0->wait_until_ns = host_monotonic_ns() + 1000000ull;
            return VCPU_EXIT_WAIT;
        }
        pthread_mutex_lock(&s->mu);
        bool held = s->hold0 != 0;
        s->inside0 = !held;
        pthread_mutex_unlock(&s->mu);
        if (held) {
            /* Another VPE's dvpe: VPE 0 runs no guest code until its evpe (which wakes it), but
             * the host's requests are still served, with the whole VM held. */
            if (__atomic_load_n(&vm->stop, __ATOMIC_ACQUIRE))
                why = VCPU_EXIT_STOP;
            else if (vm_ctl_pending(&vm->ctl))
                why = VCPU_EXIT_CONTROL;
            else if (vm->deadline_s > 0 && host_monotonic_s() >= vm->deadline_s)
                why = VCPU_EXIT_TIMEOUT;
            else if ((why = vcpu_host_stop(vm)) == VCPU_EXIT_NONE)
                return VCPU_EXIT_PAUSED;
            smp_hold_others(vm);
            s->vm_held = true;
            return why;
        }
        uint64_t t0 = prof_slice_now(v0);
        prof_slice_begin(v0, t0);
        exec_start(v0);
        if (s->dvpe_wait[0])
            dvpe_wait_out(v0); /* its dvpe was the last instruction of its last slice */
        why = vm->dbt ? dbt_run(v0) : dbt_interp_run(v0);
        exec_end(v0);
        prof_slice_end(v0, t0);
        pthread_mutex_lock(&s->mu);
        s->inside0 = false;
        pthread_cond_broadcast(&s->out_cond);
        pthread_mutex_unlock(&s->mu);
        if (why == VCPU_EXIT_SLICE || why == VCPU_EXIT_WAIT) {
            pthread_mutex_lock(&s->mu);
            if (s->v_exit != VCPU_EXIT_NONE) {
                why = s->v_exit;
                s->v_exit = VCPU_EXIT_NONE;
            }
            pthread_mutex_unlock(&s->mu);
        }
    }
    if (why == VCPU_EXIT_NONE || why == VCPU_EXIT_SLICE || why == VCPU_EXIT_WAIT)
        return why;
    /* A control request to serve, a stop, the end: the whole VM stops until VPE 0's next slice. */
    smp_hold_others(vm);
    s->vm_held = true;
    return why;
}
