/*
 * Handing control requests to the vCPU thread.
 *
 * Only the vCPU thread touches guest and device state, so a control thread
 * (the QMP server) never acts on the VM itself: it posts one request in a
 * mutex-protected slot, sets the `pending` flag (release), raises
 * EXIT_REQ_CONTROL in the vCPU's exit_request word and writes the wake-up
 * eventfd, the same two signals console input uses. A running vCPU sees the
 * exit request at its next block boundary and vcpu_events() returns
 * VCPU_EXIT_CONTROL; a vCPU sleeping in WAIT, or paused, is woken by the
 * eventfd and checks `pending` (acquire). The run loop (vm.c) then takes the
 * request under the mutex, carries it out, stores the result and broadcasts
 * the condition variable the poster waits on. The request's data only ever
 * moves under the mutex; the atomics are wake-up hints.
 *
 * When the run ends, vm_ctl_close() fails the request in flight and every
 * later one with -ESHUTDOWN, so a control thread never waits on a vCPU that
 * will not answer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "monitor/monitor.h"

int vm_ctl_init(struct vm_ctl *c, _Atomic uint32_t *kick)
{
    pthread_condattr_t ca;
    pthread_mutex_init(&c->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&c->cond, &ca);
    pthread_condattr_destroy(&ca);
    c->req = VM_REQ_NONE;
    c->posted = c->done = 0;
    c->closed = false;
    atomic_init(&c->pending, false);
    atomic_init(&c->state, VM_STATE_PRELAUNCH);
    atomic_init(&c->vcpu_tid, 0);
    c->kick = kick;
    c->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    return c->wake_fd < 0 ? -errno : 0;
}

void vm_ctl_destroy(struct vm_ctl *c)
{
    if (c->wake_fd >= 0)
        close(c->wake_fd);
    c->wake_fd = -1;
    pthread_cond_destroy(&c->cond);
    pthread_mutex_destroy(&c->lock);
}

void vm_ctl_wake(struct vm_ctl *c, uint32_t exit_req_bits)
{
    uint64_t one = 1;
    if (c->kick)
        atomic_fetch_or_explicit(c->kick, exit_req_bits, memory_order_release);
    if (c->wake_fd >= 0 && write(c->wake_fd, &one, sizeof(one)) < 0) {
        /* EAGAIN: the counter is saturated, so a wake-up is already pending */
    }
}

static void deadline_after(struct timespec *ts, unsigned ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

int vm_ctl_request(struct vm_ctl *c, enum vm_request r, unsigned timeout_ms)
{
    struct timespec until;
    deadline_after(&until, timeout_ms);
    pthread_mutex_lock(&c->lock);
    /* One request in flight: wait for the one before to finish. */
    while (!c->closed && c->done != c->posted) {
        if (pthread_cond_timedwait(&c->cond, &c->lock, &until) == ETIMEDOUT) {
            pthread_mutex_unlock(&c->lock);
            return -ETIMEDOUT;
        }
    }
    if (c->closed) {
        pthread_mutex_unlock(&c->lock);
        return -ESHUTDOWN;
    }
    c->req = r;
    uint64_t mine = ++c->posted;
    atomic_store_explicit(&c->pending, true, memory_order_release);
    pthread_mutex_unlock(&c->lock);

    vm_ctl_wake(c, EXIT_REQ_CONTROL);

    int rc = 0;
    pthread_mutex_lock(&c->lock);
    while (c->done < mine && !c->closed) {
        if (pthread_cond_timedwait(&c->cond, &c->lock, &until) == ETIMEDOUT)
            break;
    }
    if (c->done >= mine)
        rc = c->done == mine ? c->result : 0;
    else
        rc = c->closed ? -ESHUTDOWN : -ETIMEDOUT;
    pthread_mutex_unlock(&c->lock);
    return rc;
}

bool vm_ctl_wait_closed(struct vm_ctl *c, unsigned timeout_ms)
{
    struct timespec until;
    deadline_after(&until, timeout_ms);
    pthread_mutex_lock(&c->lock);
    while (!c->closed && pthread_cond_timedwait(&c->cond, &c->lock, &until) != ETIMEDOUT) {
    }
    bool closed = c->closed;
    pthread_mutex_unlock(&c->lock);
    return closed;
}

enum vm_run_state vm_ctl_state(struct vm_ctl *c)
{
    return (enum vm_run_state)atomic_load_explicit(&c->state, memory_order_acquire);
}

enum vm_request vm_ctl_take(struct vm_ctl *c)
{
    if (!vm_ctl_pending(c))
        return VM_REQ_NONE;
    pthread_mutex_lock(&c->lock);
    enum vm_request r = c->req;
    c->req = VM_REQ_NONE;
    atomic_store_explicit(&c->pending, false, memory_order_relaxed);
    pthread_mutex_unlock(&c->lock);
    return r;
}

void vm_ctl_done(struct vm_ctl *c, int result)
{
    pthread_mutex_lock(&c->lock);
    c->done = c->posted;
    c->result = result;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
}

void vm_ctl_set_state(struct vm_ctl *c, enum vm_run_state s)
{
    atomic_store_explicit(&c->state, s, memory_order_release);
}

void vm_ctl_close(struct vm_ctl *c)
{
    pthread_mutex_lock(&c->lock);
    c->closed = true;
    c->req = VM_REQ_NONE;
    atomic_store_explicit(&c->pending, false, memory_order_relaxed);
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
}

void vm_ctl_sleep(struct vm_ctl *c, uint64_t ns, int also_fd)
{
    struct pollfd p[2] = {{.fd = c->wake_fd, .events = POLLIN}, {.fd = also_fd, .events = POLLIN}};
    struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000ull), .tv_nsec = (long)(ns % 1000000000ull)};
    if (vm_ctl_pending(c))
        return;
    if (ppoll(p, also_fd >= 0 ? 2 : 1, &ts, NULL) > 0 && (p[0].revents & POLLIN)) {
        uint64_t cnt;
        if (read(c->wake_fd, &cnt, sizeof(cnt)) < 0) {
            /* EAGAIN: another reader took it; the caller re-reads the state anyway */
        }
    }
}

void vm_ctl_emit(struct vm_ctl *c, struct vm *vm, enum vm_event_kind kind, bool guest, const char *reason)
{
    struct vm_event ev = {.kind = kind, .guest = guest, .reason = reason};
    if (c->event)
        c->event(c->event_ctx, vm, &ev);
}

void vm_ctl_emit_value(struct vm_ctl *c, struct vm *vm, enum vm_event_kind kind, uint64_t value)
{
    struct vm_event ev = {.kind = kind, .value = value};
    if (c->event)
        c->event(c->event_ctx, vm, &ev);
}
