/*
 * monitor: control of a running VM from other threads (the QMP server), and the events a VM
 * reports. Included by monitor.h; see monitor/vmctl.c for the hand-off protocol.
 */
#ifndef MVISOR_VMCTL_H
#define MVISOR_VMCTL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct vm;

/* What the VM is doing, in QMP's RunState terms (QEMU qapi/run-state.json). */
enum vm_run_state {
    VM_STATE_PRELAUNCH = 0, /* created, the vCPU not started yet */
    VM_STATE_RUNNING,
    VM_STATE_PAUSED,        /* stopped by a control request; cont resumes it */
    VM_STATE_SHUTDOWN,      /* the run has ended (powered off, quit, limit, signal) */
    VM_STATE_INTERNAL_ERROR, /* the run ended on a wedged guest or a monitor error */
};

/* Requests other threads hand to the vCPU thread. */
enum vm_request {
    VM_REQ_NONE = 0,
    VM_REQ_STOP,      /* pause: no instruction runs, guest time stands still */
    VM_REQ_CONT,      /* resume a paused VM */
    VM_REQ_RESET,     /* reset the board and boot again (a paused VM stays paused) */
    VM_REQ_POWERDOWN, /* ask the guest to power off: serial BREAK + SysRq s, u, o */
    VM_REQ_QUIT,      /* end the run now (status 0) */
};

/* Events, as QMP names them (QEMU qapi/run-state.json). */
enum vm_event_kind {
    VM_EVENT_STOP, VM_EVENT_RESUME, VM_EVENT_RESET, VM_EVENT_SHUTDOWN, VM_EVENT_POWERDOWN,
    VM_EVENT_BALLOON_CHANGE,
};

struct vm_event {
    enum vm_event_kind kind;
    bool guest;         /* RESET, SHUTDOWN: the guest asked for it */
    const char *reason; /* RESET, SHUTDOWN: QEMU's ShutdownCause name */
    uint64_t value;     /* BALLOON_CHANGE: the guest's memory in bytes (QEMU's "actual") */
};

/* Receives a VM's events; called on the vCPU thread or a control thread, never with a lock of
 * struct vm_ctl held. */
typedef void vm_event_fn(void *ctx, struct vm *vm, const struct vm_event *ev);

struct vm_ctl {
    pthread_mutex_t lock;
    pthread_cond_t cond;     /* a request finished, or the run ended */
    enum vm_request req;     /* posted and not yet taken by the vCPU thread (lock) */
    uint64_t posted, done;   /* requests posted and finished so far (lock) */
    int result;              /* the result of request number `done` (lock) */
    bool closed;             /* the run has ended: requests fail at once (lock) */
    _Atomic bool pending;    /* req != VM_REQ_NONE: the vCPU's lock-free check */
    _Atomic int state;       /* enum vm_run_state; written by the vCPU thread */
    _Atomic int vcpu_tid;    /* host thread id of the vCPU thread, 0 before the run */
    int wake_fd;             /* eventfd a sleeping vCPU (WAIT, paused) polls */
    _Atomic uint32_t *kick;  /* the vCPU's exit_request */
    vm_event_fn *event;      /* set before the run starts; NULL: events are dropped */
    void *event_ctx;
};

int vm_ctl_init(struct vm_ctl *c, _Atomic uint32_t *kick);
void vm_ctl_destroy(struct vm_ctl *c);

/* Any thread: posts r and waits (at most timeout_ms) until the vCPU thread has carried it out.
 * Returns its result (0, or -errno such as -EINVAL for cont after shutdown), -ESHUTDOWN once
 * the run has ended, or -ETIMEDOUT. One request is in flight at a time; others queue here. */
int vm_ctl_request(struct vm_ctl *c, enum vm_request r, unsigned timeout_ms);
/* Any thread: waits (at most timeout_ms) until the run has ended; true if it has. */
bool vm_ctl_wait_closed(struct vm_ctl *c, unsigned timeout_ms);
/* Any thread: the current run state. */
enum vm_run_state vm_ctl_state(struct vm_ctl *c);
/* Any thread (async-signal-safe): wakes the vCPU from WAIT or a pause and makes it check. */
void vm_ctl_wake(struct vm_ctl *c, uint32_t exit_req_bits);

/* vCPU thread: whether a request waits (cheap). */
static inline bool vm_ctl_pending(struct vm_ctl *c)
{
    return atomic_load_explicit(&c->pending, memory_order_acquire);
}
/* vCPU thread: takes the posted request (VM_REQ_NONE if none); vm_ctl_done() finishes it. */
enum vm_request vm_ctl_take(struct vm_ctl *c);
void vm_ctl_done(struct vm_ctl *c, int result);
/* vCPU thread: publishes the run state. */
void vm_ctl_set_state(struct vm_ctl *c, enum vm_run_state s);
/* vCPU thread: the run has ended; waiting and later requests get -ESHUTDOWN. */
void vm_ctl_close(struct vm_ctl *c);
/* vCPU thread: sleeps until woken or ns nanoseconds passed, or until also_fd (if >= 0; not
 * read) is readable: the process's signal eventfd (console_signal_fd), which is never drained. */
void vm_ctl_sleep(struct vm_ctl *c, uint64_t ns, int also_fd);
/* Reports an event to the sink, if any. */
void vm_ctl_emit(struct vm_ctl *c, struct vm *vm, enum vm_event_kind kind, bool guest, const char *reason);
/* An event carrying a value (BALLOON_CHANGE). */
void vm_ctl_emit_value(struct vm_ctl *c, struct vm *vm, enum vm_event_kind kind, uint64_t value);

#endif
