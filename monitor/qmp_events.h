/*
 * QMP's event queue (monitor/qmp_events.c): bounded, throttled for storm-prone events, and
 * honest about what it drops.
 */
#ifndef MVISOR_QMP_EVENTS_H
#define MVISOR_QMP_EVENTS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "monitor/vmset.h"

#define QMP_EVQ_SIZE 256                 /* events queued at most; past it the oldest goes */
#define QMP_EVQ_RATE_NS 1000000000ull    /* one rate-limited event per VM and kind per second */

/* The kinds that are rate-limited (a guest can raise them as fast as it likes). */
enum qmp_evq_rated { QMP_EVQ_RATED_RESET, QMP_EVQ_RATED_BALLOON, QMP_EVQ_RATED_KINDS, QMP_EVQ_NOT_RATED = -1 };

struct qmp_evq_held {
    uint64_t until_ns; /* the rate period of the last one sent ends here (0: none running) */
    char *text;        /* the latest one that came within the period, sent at its end */
};

struct qmp_evq_stats {
    uint64_t queued;    /* events taken in (rate-limited ones when sent on, not when held) */
    uint64_t delivered; /* handed to the server thread (qmp_evq_pop) */
    uint64_t dropped;   /* pushed out of a full queue, oldest first */
    uint64_t throttled; /* rate-limited events replaced by a later one of their VM and kind */
    uint64_t announced; /* EVENTS_DROPPED events made */
    unsigned depth, max_depth; /* in the queue now, and the most ever */
};

struct qmp_evq {
    pthread_mutex_t lock;
    char *ring[QMP_EVQ_SIZE];
    unsigned head, count;
    uint64_t unannounced;  /* dropped since the last EVENTS_DROPPED */
    struct qmp_evq_stats st;
    struct qmp_evq_held held[VMSET_MAX_VMS][QMP_EVQ_RATED_KINDS];
};

void qmp_evq_init(struct qmp_evq *q);
/* Frees every queued and held event. */
void qmp_evq_destroy(struct qmp_evq *q);
/*
 * Takes text (malloc'd JSON of an event of VM vm_index, now_ns its time): rate-limited kinds
 * (rated >= 0) go out at once if no period of their VM and kind runs, else replace the one held
 * for the period's end. Any event of a VM first sends what that VM holds, so each VM's events stay
 * in order. Returns whether the server thread must be woken (an event queued, or the first one
 * held in a period, whose deadline it must watch).
 */
bool qmp_evq_push(struct qmp_evq *q, unsigned vm_index, int rated, char *text, uint64_t now_ns);
/*
 * The next event to send (malloc'd, the caller frees it), or NULL. Held events whose period has
 * ended are queued first; after a drop, an EVENTS_DROPPED event (its data the count) comes before
 * the events that follow. *next_ns: when a held event falls due (UINT64_MAX: none).
 */
char *qmp_evq_pop(struct qmp_evq *q, uint64_t now_ns, uint64_t *next_ns);
/* Drops whatever is queued (no client to send it to; QEMU's rule); returns how many. */
unsigned qmp_evq_discard(struct qmp_evq *q);
void qmp_evq_stats(struct qmp_evq *q, struct qmp_evq_stats *out);

#endif
