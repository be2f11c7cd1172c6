/*
 * QMP's event queue: what the vCPU threads emit, waiting for the QMP server thread to send it.
 *
 * Bounded: QMP_EVQ_SIZE events at most. Events are small and the server thread drains the queue
 * as it is woken, so it fills only when something emits faster than one thread can format and
 * send: hundreds of VMs resetting at once, or a server thread starved of CPU. Then the oldest
 * queued event is dropped (the newest say most about the VMs' state now), counted, and the
 * client is told: an EVENTS_DROPPED event, {"count": N}, goes out before the events that follow
 * the gap (an event of mvisor's own; QMP clients ignore events they do not know,
 * docs/interop/qmp-spec.rst). query-event-queue reports the counts.
 *
 * Throttled: QEMU limits the events a guest can trigger at will to one per second each
 * (monitor/monitor.c, monitor_qapi_event_conf: RTC_CHANGE, WATCHDOG, BALLOON_CHANGE, ...; keyed
 * by the event and, for some, an id in its data): the first goes out at once and starts a
 * one-second period, the last one that comes during the period is held and sent at its end
 * (starting the next period), and those it replaced are never sent. mvisor does the same per VM
 * for BALLOON_CHANGE and for RESET caused by the guest (a kernel that panics and reboots, or a
 * program that resets the board, in a loop, would otherwise send thousands a second; a reset
 * asked over QMP is the answer to a command and is not limited). One difference: any other event
 * of a VM first sends what that VM holds, so a client never sees a VM's events out of order
 * (a held RESET after the SHUTDOWN that ended the VM).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "monitor/qmp_events.h"

void qmp_evq_init(struct qmp_evq *q)
{
    memset(q, 0, sizeof(*q));
    pthread_mutex_init(&q->lock, NULL);
}

void qmp_evq_destroy(struct qmp_evq *q)
{
    qmp_evq_discard(q);
    for (unsigned v = 0; v < VMSET_MAX_VMS; v++)
        for (unsigned k = 0; k < QMP_EVQ_RATED_KINDS; k++)
            free(q->held[v][k].text);
    pthread_mutex_destroy(&q->lock);
}

/* Appends text; a full queue loses its oldest event. Under the lock. */
static void enqueue(struct qmp_evq *q, char *text)
{
    if (q->count == QMP_EVQ_SIZE) {
        free(q->ring[q->head]);
        q->head = (q->head + 1) % QMP_EVQ_SIZE;
        q->count--;
        q->st.dropped++;
        q->unannounced++;
    }
    q->ring[(q->head + q->count) % QMP_EVQ_SIZE] = text;
    q->count++;
    q->st.queued++;
    if (q->count > q->st.max_depth)
        q->st.max_depth = q->count;
}

/* Sends what VM v holds, each a new period from now. Under the lock. */
static void release_held(struct qmp_evq *q, unsigned v, uint64_t now_ns)
{
    for (unsigned k = 0; k < QMP_EVQ_RATED_KINDS; k++) {
        struct qmp_evq_held *h = &q->held[v][k];
        if (h->text) {
            enqueue(q, h->text);
            h->text = NULL;
            h->until_ns = now_ns + QMP_EVQ_RATE_NS;
        }
    }
}

bool qmp_evq_push(struct qmp_evq *q, unsigned vm_index, int rated, char *text, uint64_t now_ns)
{
    if (vm_index >= VMSET_MAX_VMS || rated >= QMP_EVQ_RATED_KINDS) {
        free(text);
        return false;
    }
    pthread_mutex_lock(&q->lock);
    bool wake = true;
    if (rated >= 0) {
        struct qmp_evq_held *h = &q->held[vm_index][rated];
        if (h->until_ns > now_ns) {
            /* held: the server must learn of the new deadline, once per period */
            wake = h->text == NULL;
            if (h->text)
                q->st.throttled++;
            free(h->text);
            h->text = text;
        } else {
            enqueue(q, text);
            h->until_ns = now_ns + QMP_EVQ_RATE_NS;
        }
    } else {
        release_held(q, vm_index, now_ns);
        enqueue(q, text);
    }
    pthread_mutex_unlock(&q->lock);
    return wake;
}

static char *dropped_event(uint64_t count)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    char *text = NULL;
    if (asprintf(&text,
                 "{\"event\": \"EVENTS_DROPPED\", \"data\": {\"count\": %" PRIu64 "}, \"timestamp\": "
                 "{\"seconds\": %lld, \"microseconds\": %lld}}",
                 count, (long long)tv.tv_sec, (long long)tv.tv_usec) < 0)
        return NULL;
    return text;
}

char *qmp_evq_pop(struct qmp_evq *q, uint64_t now_ns, uint64_t *next_ns)
{
    uint64_t next = UINT64_MAX;
    char *text = NULL;
    pthread_mutex_lock(&q->lock);
    for (unsigned v = 0; v < VMSET_MAX_VMS; v++) {
        for (unsigned k = 0; k < QMP_EVQ_RATED_KINDS; k++) {
            struct qmp_evq_held *h = &q->held[v][k];
            if (!h->until_ns)
                continue;
            if (h->until_ns <= now_ns) {
                h->until_ns = 0;
                if (h->text) {
                    enqueue(q, h->text);
                    h->text = NULL;
                    h->until_ns = now_ns + QMP_EVQ_RATE_NS;
                }
            } else if (h->text && h->until_ns < next) {
                next = h->until_ns;
            }
        }
    }
    if (q->unannounced && q->count) {
        /* the gap comes before what follows it */
        text = dropped_event(q->unannounced);
        if (text) {
            q->unannounced = 0;
            q->st.announced++;
        }
    }
    if (!text && q->count) {
        text = q->ring[q->head];
        q->head = (q->head + 1) % QMP_EVQ_SIZE;
        q->count--;
        q->st.delivered++;
    }
    pthread_mutex_unlock(&q->lock);
    if (next_ns)
        *next_ns = next;
    return text;
}

unsigned qmp_evq_discard(struct qmp_evq *q)
{
    pthread_mutex_lock(&q->lock);
    unsigned n = q->count;
    while (q->count) {
        free(q->ring[q->head]);
        q->head = (q->head + 1) % QMP_EVQ_SIZE;
        q->count--;
    }
    q->unannounced = 0;
    pthread_mutex_unlock(&q->lock);
    return n;
}

void qmp_evq_stats(struct qmp_evq *q, struct qmp_evq_stats *out)
{
    pthread_mutex_lock(&q->lock);
    *out = q->st;
    out->depth = q->count;
    pthread_mutex_unlock(&q->lock);
}
