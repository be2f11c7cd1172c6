/*
 * The QMP control socket: QEMU's Machine Protocol on -qmp unix:PATH,server=on,wait=off.
 *
 * The wire protocol is QEMU's (docs/interop/qmp-spec.rst): on connection the server sends
 * the greeting {"QMP": {"version": ..., "capabilities": []}}; the client must first run
 * qmp_capabilities, and before that every other command fails with CommandNotFound. Then
 * each {"execute": NAME, "arguments": {...}, "id": ANY} gets exactly one
 * {"return": ...} or {"error": {"class": ..., "desc": ...}}, with the id echoed, and events
 * {"event": NAME, "data": {...}, "timestamp": {...}} come in between. Messages are JSON
 * objects, split here by counting brackets outside strings as QEMU's json-streamer does;
 * each is parsed with jansson. Bad JSON, a non-object, a missing or unexpected member, an
 * unknown command or argument get QMP's error object, never a crash.
 *
 * One client at a time (QEMU's monitor chardev accepts the next when one leaves). The server
 * is one thread that polls the listening socket, the client and an eventfd. Commands that
 * change the VM go to the vCPU thread through struct vm_ctl (monitor/vmctl.c) and the server
 * waits for them to be carried out, so `stop` has returned only once no guest instruction
 * runs. Events come from the vCPU thread (or this one) through vm_event_fn: they are
 * formatted there, queued (monitor/qmp_events.c: bounded, the guest-triggered ones throttled,
 * a drop counted and announced) and the eventfd wakes this thread, which sends them to a
 * negotiated client (before negotiation, or with no client, they are dropped, as in QEMU). Output is buffered and written without blocking; a client that stops reading
 * while MAX_OUT bytes pile up is disconnected, so neither the vCPU nor this thread ever
 * waits on a client.
 *
 * Several VMs: every command that acts on a VM takes an optional "vm" argument (its name);
 * without it, the only VM, or an error when there are several. query-vms lists them. Events
 * carry the VM's name in data.vm (an addition to QEMU's event data).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "monitor/internal.h"
#include "monitor/qmp.h"
#include "monitor/qmp_events.h"
#include "monitor/sched.h"
#include "monitor/unixsock.h"
#include "monitor/vmset.h"
#include "shadow-mmu/bufcache.h"
#include "shadow-mmu/pageshare.h"

#define QMP_MAX_VMS VMSET_MAX_VMS /* every VM a monitor runs */
#define MAX_MSG (1u << 20)  /* the longest command accepted */
#define MAX_OUT (4u << 20)  /* output a client may leave unread before it is dropped */
#define REQUEST_TIMEOUT_MS 30000 /* the vCPU answers within a poll period; this is a safety net */
#define STOP_FLUSH_MS 1000  /* at the end, how long the last events may take to go out */

struct qmp_server {
    char path[108];
    int listen_fd, wake_fd;
    pthread_t thread;
    bool started;
    _Atomic bool stopping;
    struct vm *vms[QMP_MAX_VMS]; /* fixed before the thread starts */
    unsigned nvms;

    struct qmp_evq evq;   /* the events, from any thread */
    uint64_t ev_next_ns;  /* when a held (rate-limited) event falls due (server thread) */
    uint64_t ev_unsent;   /* events that found no negotiated client (server thread) */

    /* The client (server thread only). */
    int client;
    bool negotiated, client_broken;
    char *msg;            /* the message being received */
    size_t msg_len;
    int depth;            /* bracket depth outside strings */
    bool in_str, esc;
    char *out;            /* output not yet written */
    size_t out_len, out_cap;
};

/* ---- output ---- */

static void client_drop(struct qmp_server *s)
{
    if (s->client >= 0)
        close(s->client);
    s->client = -1;
    s->negotiated = s->client_broken = false;
    s->msg_len = 0;
    s->depth = 0;
    s->in_str = s->esc = false;
    s->out_len = 0;
}

/* Writes what the socket takes now; marks the client broken on an error. */
static void out_flush(struct qmp_server *s)
{
    size_t done = 0;
    while (s->client >= 0 && !s->client_broken && done < s->out_len) {
        ssize_t w = send(s->client, s->out + done, s->out_len - done, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (w <= 0) {
            s->client_broken = true;
            break;
        }
        done += (size_t)w;
    }
    memmove(s->out, s->out + done, s->out_len - done);
    s->out_len -= done;
    if (s->client_broken)
        s->out_len = 0;
}

static void out_text(struct qmp_server *s, const char *text)
{
    if (s->client < 0 || s->client_broken)
        return;
    size_t n = strlen(text);
    if (s->out_len + n + 2 > MAX_OUT) {
        s->client_broken = true; /* it stopped reading */
        return;
    }
    if (s->out_len + n + 2 > s->out_cap) {
        size_t cap = s->out_cap ? s->out_cap : 4096;
        while (cap < s->out_len + n + 2)
            cap *= 2;
        char *p = realloc(s->out, cap);
        if (!p) {
            s->client_broken = true;
            return;
        }
        s->out = p;
        s->out_cap = cap;
    }
    memcpy(s->out + s->out_len, text, n);
    memcpy(s->out + s->out_len + n, "\r\n", 2);
    s->out_len += n + 2;
    out_flush(s);
}

/* Sends a message and releases it. */
static void out_json(struct qmp_server *s, json_t *msg)
{
    char *text = msg ? json_dumps(msg, JSON_PRESERVE_ORDER) : NULL;
    json_decref(msg);
    if (text)
        out_text(s, text);
    free(text);
}

/* Moves queued events to a negotiated client (dropping them otherwise). */
static void events_drain(struct qmp_server *s)
{
    for (;;) {
        char *ev = qmp_evq_pop(&s->evq, host_monotonic_ns(), &s->ev_next_ns);
        if (!ev)
            return;
        if (s->negotiated)
            out_text(s, ev);
        else
            s->ev_unsent++;
        free(ev);
    }
}

/* ---- events (any thread) ---- */

static const char *const event_names[] = {
    [VM_EVENT_STOP] = "STOP", [VM_EVENT_RESUME] = "RESUME", [VM_EVENT_RESET] = "RESET",
    [VM_EVENT_SHUTDOWN] = "SHUTDOWN", [VM_EVENT_POWERDOWN] = "POWERDOWN",
    [VM_EVENT_BALLOON_CHANGE] = "BALLOON_CHANGE",
};

static void qmp_event(void *ctx, struct vm *vm, const struct vm_event *ev)
{
    struct qmp_server *s = ctx;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    json_t *data = json_pack("{s:s}", "vm", vm_name(vm));
    if (data && (ev->kind == VM_EVENT_RESET || ev->kind == VM_EVENT_SHUTDOWN)) {
        json_object_set_new(data, "guest", json_boolean(ev->guest));
        json_object_set_new(data, "reason", json_string(ev->reason));
    }
    if (data && ev->kind == VM_EVENT_BALLOON_CHANGE)
        json_object_set_new(data, "actual", json_integer((json_int_t)ev->value));
    json_t *msg = json_pack("{s:s, s:o, s:{s:I, s:I}}", "event", event_names[ev->kind], "data", data,
                            "timestamp", "seconds", (json_int_t)tv.tv_sec, "microseconds",
                            (json_int_t)tv.tv_usec);
    char *text = msg ? json_dumps(msg, JSON_PRESERVE_ORDER) : NULL;
    json_decref(msg);
    if (!text)
        return;
    unsigned idx = 0;
    while (idx < s->nvms && s->vms[idx] != vm)
        idx++;
    /* What a guest can raise as fast as it likes is rate-limited (monitor/qmp_events.c). */
    int rated = ev->kind == VM_EVENT_RESET && ev->guest ? QMP_EVQ_RATED_RESET
                : ev->kind == VM_EVENT_BALLOON_CHANGE ? QMP_EVQ_RATED_BALLOON
                                                      : QMP_EVQ_NOT_RATED;
    if (!qmp_evq_push(&s->evq, idx, rated, text, host_monotonic_ns()))
        return; /* replaced a held one: the server already watches its deadline */
    uint64_t one = 1;
    if (write(s->wake_fd, &one, sizeof(one)) < 0) {
        /* saturated: the server is being woken anyway */
    }
}

/* ---- responses ---- */

static void reply_return(struct qmp_server *s, json_t *id, json_t *ret)
{
    json_t *msg = json_pack("{s:o}", "return", ret ? ret : json_object());
    if (id)
        json_object_set(msg, "id", id);
    out_json(s, msg);
}

/* Drops a multi-byte UTF-8 character cut short at the end of s (by a truncating snprintf), so
 * the text stays valid UTF-8 for a JSON string. */
static void utf8_trim(char *s)
{
    size_t n = strlen(s), i = n;
    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--; /* back over continuation bytes to the lead byte */
    if (i == 0 || (unsigned char)s[i - 1] < 0xC0)
        return; /* ends in ASCII (or only continuation bytes, which cannot come from valid input) */
    unsigned char lead = (unsigned char)s[i - 1];
    size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    if (n - (i - 1) < want)
        s[i - 1] = 0;
}

static void reply_error(struct qmp_server *s, json_t *id, const char *cls, const char *fmt, ...)
{
    char desc[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(desc, sizeof(desc), fmt, ap);
    va_end(ap);
    utf8_trim(desc);
    json_t *msg = json_pack("{s:{s:s, s:s}}", "error", "class", cls, "desc", desc);
    if (msg && id)
        json_object_set(msg, "id", id);
    out_json(s, msg);
}

/* ---- commands ---- */

struct qmp_call {
    struct qmp_server *s;
    json_t *id, *args;
    struct vm *vm; /* the VM addressed (commands that take one) */
};

static const char *state_name(enum vm_run_state st)
{
    switch (st) {
    case VM_STATE_PRELAUNCH: return "prelaunch";
    case VM_STATE_RUNNING: return "running";
    case VM_STATE_PAUSED: return "paused";
    case VM_STATE_SHUTDOWN: return "shutdown";
    case VM_STATE_INTERNAL_ERROR: return "internal-error";
    }
    return "debug";
}

static json_t *version_json(void)
{
    return json_pack("{s:{s:i, s:i, s:i}, s:s}", "qemu", "micro", MVISOR_VERSION_MICRO, "minor",
                     MVISOR_VERSION_MINOR, "major", MVISOR_VERSION_MAJOR, "package", "mvisor");
}

/* Hands a request to the VM's vCPU thread and replies with its outcome. */
static void do_request(struct qmp_call *c, enum vm_request r)
{
    int rc = vm_ctl_request(&c->vm->ctl, r, REQUEST_TIMEOUT_MS);
    /* What it caused goes first, as in QEMU, where stop emits STOP before it returns. */
    events_drain(c->s);
    if (rc == 0)
        reply_return(c->s, c->id, NULL);
    else if (rc == -ESHUTDOWN)
        reply_error(c->s, c->id, "GenericError", "VM '%s' has shut down", vm_name(c->vm));
    else if (rc == -ETIMEDOUT)
        reply_error(c->s, c->id, "GenericError", "VM '%s' did not answer", vm_name(c->vm));
    else if (rc == -ENOTSUP)
        reply_error(c->s, c->id, "GenericError", "not supported on this machine");
    else
        reply_error(c->s, c->id, "GenericError", "failed: %s", strerror(-rc));
}

static void cmd_qmp_capabilities(struct qmp_call *c)
{
    if (c->s->negotiated) {
        reply_error(c->s, c->id, "CommandNotFound", "Capabilities negotiation is already complete, command ignored");
        return;
    }
    json_t *en = c->args ? json_object_get(c->args, "enable") : NULL;
    if (en && !json_is_array(en)) {
        reply_error(c->s, c->id, "GenericError", "Invalid parameter type for 'enable', expected: array");
        return;
    }
    if (en && json_array_size(en)) {
        json_t *cap = json_array_get(en, 0);
        reply_error(c->s, c->id, "GenericError", "Capability '%s' not available",
                    json_is_string(cap) ? json_string_value(cap) : "?");
        return;
    }
    c->s->negotiated = true;
    reply_return(c->s, c->id, NULL);
}

static void cmd_query_status(struct qmp_call *c)
{
    enum vm_run_state st = vm_ctl_state(&c->vm->ctl);
    reply_return(c->s, c->id, json_pack("{s:s, s:b, s:b}", "status", state_name(st), "singlestep", 0, "running",
                                        st == VM_STATE_RUNNING));
}

static void cmd_stop(struct qmp_call *c) { do_request(c, VM_REQ_STOP); }
static void cmd_system_reset(struct qmp_call *c) { do_request(c, VM_REQ_RESET); }
static void cmd_system_powerdown(struct qmp_call *c) { do_request(c, VM_REQ_POWERDOWN); }

static void cmd_cont(struct qmp_call *c)
{
    enum vm_run_state st = vm_ctl_state(&c->vm->ctl);
    if (st == VM_STATE_SHUTDOWN || st == VM_STATE_INTERNAL_ERROR) {
        reply_error(c->s, c->id, "GenericError", "Resetting the Virtual Machine is required");
        return;
    }
    do_request(c, VM_REQ_CONT);
}

static void cmd_quit(struct qmp_call *c)
{
    /* QEMU answers first, then goes: the SHUTDOWN event follows the return. */
    reply_return(c->s, c->id, NULL);
    out_flush(c->s);
    /* Until the run has ended, so its SHUTDOWN event is queued before this client can leave. */
    for (unsigned i = 0; i < c->s->nvms; i++) {
        struct vm *vm = c->s->vms[i];
        if (c->vm && vm != c->vm)
            continue;
        if (vm_ctl_request(&vm->ctl, VM_REQ_QUIT, REQUEST_TIMEOUT_MS) == 0)
            vm_ctl_wait_closed(&vm->ctl, REQUEST_TIMEOUT_MS);
    }
}

static void cmd_query_cpus_fast(struct qmp_call *c)
{
    int tid = atomic_load(&c->vm->ctl.vcpu_tid);
    json_t *cpus = json_array();
    /* -smp 2: both vCPUs run on the VM's one thread (monitor/smp.c); nr_vcpus is fixed at creation. */
    for (unsigned i = 0; i < c->vm->nr_vcpus; i++) {
        char path[64];
        snprintf(path, sizeof(path), "/machine/unattached/device[%u]", i);
        json_array_append_new(cpus, json_pack("{s:i, s:s, s:i, s:s}", "cpu-index", (int)i, "qom-path", path,
                                              "thread-id", tid, "target", "mipsel"));
    }
    reply_return(c->s, c->id, cpus);
}

static void cmd_query_version(struct qmp_call *c)
{
    reply_return(c->s, c->id, version_json());
}

static json_t *vm_info(unsigned index, struct vm *vm)
{
    static const char *const exec_names[] = {[EXEC_DBT] = "dbt", [EXEC_INTERP] = "interp", [EXEC_TRAP] = "trap"};
    enum vm_run_state st = vm_ctl_state(&vm->ctl);
    return json_pack("{s:s, s:i, s:s, s:b, s:i, s:I, s:s, s:s, s:i}", "name", vm_name(vm), "index", (int)index,
                     "status", state_name(st), "running", st == VM_STATE_RUNNING, "cpus", (int)vm->nr_vcpus, "memory-mb",
                     (json_int_t)vm->cfg.ram_mb, "machine", vm->cfg.machine == MACHINE_MALTA ? "malta" : "testbench",
                     "exec", exec_names[vm->cfg.exec], "weight",
                     (int)(vm->cfg.weight ? vm->cfg.weight : SCHED_WEIGHT_DEFAULT));
}

static void cmd_query_vms(struct qmp_call *c)
{
    json_t *list = json_array();
    for (unsigned i = 0; i < c->s->nvms; i++)
        json_array_append_new(list, vm_info(i, c->s->vms[i]));
    reply_return(c->s, c->id, list);
}

/* QEMU's query-blockstats in the part mvisor counts (reads), with how each drive's reads were
 * served: mapped from the buffer cache, copied out of it, read from the host into it, past it. */
static void cmd_query_blockstats(struct qmp_call *c)
{
    const struct vm *vm = c->vm;
    json_t *list = json_array();
    for (unsigned i = 0; i < vm->cfg.ndisks; i++) {
        const struct blk *b = vm->disk[i];
        if (!b)
            continue;
        uint64_t mapped = atomic_load(&b->share.mapped), copied = atomic_load(&b->share.copied);
        uint64_t host = atomic_load(&b->share.host), direct = atomic_load(&b->share.direct);
        json_t *stats = json_pack("{s:I, s:I}", "rd_bytes", (json_int_t)(mapped + copied + direct),
                                  "rd_operations", (json_int_t)atomic_load(&b->share.reads));
        json_t *bc = json_pack("{s:I, s:I, s:I, s:I}", "mapped-bytes", (json_int_t)mapped, "copied-bytes",
                               (json_int_t)copied, "host-bytes", (json_int_t)host, "direct-bytes", (json_int_t)direct);
        json_array_append_new(list, json_pack("{s:s, s:o, s:o}", "device", profile_disk_name(vm, i), "stats", stats,
                                              "buffer-cache", bc));
    }
    reply_return(c->s, c->id, list);
}

/* The monitor-wide buffer cache (every VM's pool is the same). */
static void cmd_query_buffer_cache(struct qmp_call *c)
{
    struct bufcache_stats cs;
    if (c->s->nvms == 0 || !profile_buffer_cache(c->s->vms[0], &cs)) {
        reply_return(c->s, c->id, json_pack("{s:b}", "enabled", 0));
        return;
    }
    reply_return(c->s, c->id,
                 json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "enabled", 1, "pages",
                           (json_int_t)cs.pages, "limit-pages", (json_int_t)cs.limit, "hits", (json_int_t)cs.hits,
                           "misses", (json_int_t)cs.misses, "host-bytes", (json_int_t)cs.host_bytes, "host-reads",
                           (json_int_t)cs.host_reads, "evictions", (json_int_t)cs.evictions, "evicted-mapped",
                           (json_int_t)cs.evicted_mapped, "files", (json_int_t)cs.files));
}

/* Content-based page sharing (monitor-wide; shadow-mmu/pageshare.h). */
static void cmd_query_sharing(struct qmp_call *c)
{
    if (c->s->nvms == 0 || !c->s->vms[0]->share) {
        reply_return(c->s, c->id, json_pack("{s:b}", "enabled", 0));
        return;
    }
    struct pageshare_stats st;
    pageshare_get_stats(pageshare_of(c->s->vms[0]->share), &st);
    json_t *r = json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "enabled", 1, "rate", (json_int_t)st.rate,
                          "pages-scanned", (json_int_t)st.scanned, "full-scans", (json_int_t)st.full_scans,
                          "merges", (json_int_t)st.merges, "shared-frames", (json_int_t)st.frames,
                          "pages-sharing", (json_int_t)st.sharing, "zero-pages", (json_int_t)st.zero_pages,
                          "pages-saved", (json_int_t)st.saved);
    json_t *more = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "cow-breaks", (json_int_t)st.cow_breaks,
                                    "volatile-skips", (json_int_t)st.volatile_skips, "mismatches",
                                    (json_int_t)st.mismatches, "refused", (json_int_t)st.refused, "busy",
                                    (json_int_t)st.busy, "scanner-cpu-ns", (json_int_t)st.cpu_ns);
    json_object_update(r, more);
    json_decref(more);
    reply_return(c->s, c->id, r);
}

/* numa-set-node node=N [vcpu=I]: puts the VM's vCPU I (default: every vCPU) on node N. */
static void cmd_numa_set_node(struct qmp_call *c)
{
    const char *why = qmp_numa_set_node(c->vm, c->args);
    if (why)
        reply_error(c->s, c->id, "GenericError", "%s", why);
    else
        reply_return(c->s, c->id, NULL);
}

static void cmd_query_numa(struct qmp_call *c)
{
    reply_return(c->s, c->id, qmp_numa_query(c->s->vms, c->s->nvms));
}

static void cmd_query_nics(struct qmp_call *c)
{
    reply_return(c->s, c->id, qmp_net_query_nics(c->vm));
}

static void cmd_set_link(struct qmp_call *c)
{
    json_t *name = c->args ? json_object_get(c->args, "name") : NULL;
    json_t *up = c->args ? json_object_get(c->args, "up") : NULL;
    if (!name || !up) {
        reply_error(c->s, c->id, "GenericError", "Parameter '%s' is missing", name ? "up" : "name");
        return;
    }
    if (!json_is_string(name) || !json_is_boolean(up)) {
        reply_error(c->s, c->id, "GenericError", "Invalid parameter type for '%s', expected: %s",
                    json_is_string(name) ? "up" : "name", json_is_string(name) ? "boolean" : "string");
        return;
    }
    if (qmp_net_set_link(c->vm, json_string_value(name), json_is_true(up)) < 0) {
        reply_error(c->s, c->id, "DeviceNotFound", "Device '%s' not found", json_string_value(name));
        return;
    }
    reply_return(c->s, c->id, NULL);
}

#define NO_BALLOON "No balloon device has been activated" /* QEMU's DeviceNotActive */

static void cmd_balloon(struct qmp_call *c)
{
    json_t *v = c->args ? json_object_get(c->args, "value") : NULL;
    if (!v) {
        reply_error(c->s, c->id, "GenericError", "Parameter 'value' is missing");
        return;
    }
    if (!json_is_integer(v)) {
        reply_error(c->s, c->id, "GenericError", "Invalid parameter type for 'value', expected: integer");
        return;
    }
    if (json_integer_value(v) <= 0) {
        reply_error(c->s, c->id, "GenericError", "Parameter 'target' expects a size");
        return;
    }
    if (qmp_balloon_set(c->vm, (uint64_t)json_integer_value(v)) < 0) {
        reply_error(c->s, c->id, "DeviceNotActive", NO_BALLOON);
        return;
    }
    reply_return(c->s, c->id, NULL);
}

static void cmd_query_balloon(struct qmp_call *c)
{
    json_t *r = qmp_balloon_query(c->vm);
    if (!r)
        reply_error(c->s, c->id, "DeviceNotActive", NO_BALLOON);
    else
        reply_return(c->s, c->id, r);
}

static void cmd_query_balloon_stats(struct qmp_call *c)
{
    json_t *r = qmp_balloon_query_stats(c->vm);
    if (!r)
        reply_error(c->s, c->id, "DeviceNotActive", NO_BALLOON);
    else
        reply_return(c->s, c->id, r);
}

/* The event queue's counts (monitor/qmp_events.c), an mvisor extension. */
static void cmd_query_event_queue(struct qmp_call *c)
{
    struct qmp_evq_stats st;
    qmp_evq_stats(&c->s->evq, &st);
    json_t *r = json_pack("{s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:i, s:i, s:I}", "size", QMP_EVQ_SIZE, "queued",
                          (json_int_t)st.queued, "delivered", (json_int_t)st.delivered, "dropped",
                          (json_int_t)st.dropped, "drops-announced", (json_int_t)st.announced, "throttled",
                          (json_int_t)st.throttled, "unsent", (json_int_t)c->s->ev_unsent, "depth", (int)st.depth,
                          "max-depth", (int)st.max_depth, "rate-limit-ms", (json_int_t)(QMP_EVQ_RATE_NS / 1000000));
    reply_return(c->s, c->id, r);
}

static void cmd_query_commands(struct qmp_call *c);

/* What each command accepts: VM commands take "vm" (optional); vm_all: without it, every VM. */
struct qmp_command {
    const char *name;
    void (*fn)(struct qmp_call *c);
    bool takes_vm, vm_all;
    const char *other_arg; /* more accepted arguments (separated by blanks), or NULL */
};

static const struct qmp_command commands[] = {
    {"qmp_capabilities", cmd_qmp_capabilities, false, false, "enable"},
    {"query-status", cmd_query_status, true, false, NULL},
    {"stop", cmd_stop, true, false, NULL},
    {"cont", cmd_cont, true, false, NULL},
    {"system_reset", cmd_system_reset, true, false, NULL},
    {"system_powerdown", cmd_system_powerdown, true, false, NULL},
    {"quit", cmd_quit, true, true, NULL},
    {"query-cpus-fast", cmd_query_cpus_fast, true, false, NULL},
    {"query-version", cmd_query_version, false, false, NULL},
    {"query-vms", cmd_query_vms, false, false, NULL},
    {"query-blockstats", cmd_query_blockstats, true, false, NULL},
    {"query-buffer-cache", cmd_query_buffer_cache, false, false, NULL},
    {"query-commands", cmd_query_commands, false, false, NULL},
    {"query-sharing", cmd_query_sharing, false, false, NULL},
    {"query-numa", cmd_query_numa, false, false, NULL},
    {"numa-set-node", cmd_numa_set_node, true, false, "node vcpu"},
    {"query-nics", cmd_query_nics, true, false, NULL},
    {"set_link", cmd_set_link, true, false, "name up"},
    {"balloon", cmd_balloon, true, false, "value"},
    {"query-balloon", cmd_query_balloon, true, false, NULL},
    {"query-balloon-stats", cmd_query_balloon_stats, true, false, NULL},
    {"query-event-queue", cmd_query_event_queue, false, false, NULL},
};

/* Whether key is one of the blank-separated names in list. */
static bool arg_listed(const char *list, const char *key)
{
    size_t n = strlen(key);
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ' ');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && !strncmp(p, key, n))
            return true;
        p = e ? e + 1 : NULL;
    }
    return false;
}

static void cmd_query_commands(struct qmp_call *c)
{
    json_t *list = json_array();
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        json_array_append_new(list, json_pack("{s:s}", "name", commands[i].name));
    reply_return(c->s, c->id, list);
}

/* Picks the VM a command addresses; false (and an error sent) if it cannot. */
static bool pick_vm(struct qmp_call *c, const struct qmp_command *cmd)
{
    json_t *name = c->args ? json_object_get(c->args, "vm") : NULL;
    if (!name) {
        if (c->s->nvms == 1 || cmd->vm_all) {
            c->vm = cmd->vm_all && c->s->nvms != 1 ? NULL : c->s->vms[0];
            return true;
        }
        reply_error(c->s, c->id, "GenericError", "%u VMs run here: name one with 'vm'", c->s->nvms);
        return false;
    }
    if (!json_is_string(name)) {
        reply_error(c->s, c->id, "GenericError", "Invalid parameter type for 'vm', expected: string");
        return false;
    }
    for (unsigned i = 0; i < c->s->nvms; i++) {
        if (!strcmp(vm_name(c->s->vms[i]), json_string_value(name))) {
            c->vm = c->s->vms[i];
            return true;
        }
    }
    reply_error(c->s, c->id, "GenericError", "No VM named '%s'", json_string_value(name));
    return false;
}

/* One complete message from the client. */
static void handle_message(struct qmp_server *s, const char *text, size_t len)
{
    json_error_t je;
    json_t *req = json_loadb(text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
    if (!req) {
        reply_error(s, NULL, "GenericError", "JSON parse error, %s", je.text);
        return;
    }
    struct qmp_call c = {.s = s};
    const char *key;
    json_t *val;
    if (!json_is_object(req)) {
        reply_error(s, NULL, "GenericError", "QMP input must be a JSON object");
        goto out;
    }
    c.id = json_object_get(req, "id");
    json_object_foreach(req, key, val) {
        if (strcmp(key, "execute") && strcmp(key, "arguments") && strcmp(key, "id")) {
            reply_error(s, c.id, "GenericError", "QMP input member '%s' is unexpected", key);
            goto out;
        }
    }
    json_t *exec = json_object_get(req, "execute");
    if (!exec) {
        reply_error(s, c.id, "GenericError", "QMP input lacks member 'execute'");
        goto out;
    }
    if (!json_is_string(exec)) {
        reply_error(s, c.id, "GenericError", "QMP input member 'execute' must be a string");
        goto out;
    }
    c.args = json_object_get(req, "arguments");
    if (c.args && !json_is_object(c.args)) {
        reply_error(s, c.id, "GenericError", "QMP input member 'arguments' must be an object");
        goto out;
    }
    const char *name = json_string_value(exec);
    if (!s->negotiated && strcmp(name, "qmp_capabilities")) {
        reply_error(s, c.id, "CommandNotFound", "Expecting capabilities negotiation with 'qmp_capabilities'");
        goto out;
    }
    const struct qmp_command *cmd = NULL;
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (!strcmp(commands[i].name, name))
            cmd = &commands[i];
    if (!cmd) {
        reply_error(s, c.id, "CommandNotFound", "The command %s has not been found", name);
        goto out;
    }
    if (c.args) {
        json_object_foreach(c.args, key, val) {
            if (!(cmd->takes_vm && !strcmp(key, "vm")) && !arg_listed(cmd->other_arg, key)) {
                reply_error(s, c.id, "GenericError", "Parameter '%s' is unexpected", key);
                goto out;
            }
        }
    }
    if (cmd->takes_vm && !pick_vm(&c, cmd))
        goto out;
    cmd->fn(&c);
out:
    json_decref(req);
}

/* ---- input framing ---- */

static void msg_reset(struct qmp_server *s)
{
    s->msg_len = 0;
    s->depth = 0;
    s->in_str = s->esc = false;
}

/* Splits the client's bytes into messages: a top-level object or array ends at its closing
 * bracket; anything else at the top level (a bare value, garbage) at the end of its line. */
static void feed(struct qmp_server *s, const char *buf, size_t n)
{
    for (size_t i = 0; i < n && s->client >= 0; i++) {
        char ch = buf[i];
        bool top = s->depth == 0 && !s->in_str;
        if (s->msg_len == 0 && (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n'))
            continue;
        if (s->msg_len >= MAX_MSG) {
            reply_error(s, NULL, "GenericError", "JSON parse error, message longer than %u bytes", MAX_MSG);
            msg_reset(s);
            continue;
        }
        s->msg[s->msg_len++] = ch;
        bool complete = false;
        if (s->in_str) {
            if (s->esc)
                s->esc = false;
            else if (ch == '\\')
                s->esc = true;
            else if (ch == '"')
                s->in_str = false;
        } else if (ch == '"') {
            s->in_str = true;
        } else if (ch == '{' || ch == '[') {
            s->depth++;
        } else if (ch == '}' || ch == ']') {
            complete = --s->depth <= 0;
        } else if (top && ch == '\n') {
            complete = true;
        }
        if (complete) {
            handle_message(s, s->msg, s->msg_len);
            msg_reset(s);
        }
    }
}

/* ---- the thread ---- */

static void client_accept(struct qmp_server *s)
{
    int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return;
    s->client = fd;
    s->negotiated = s->client_broken = false;
    msg_reset(s);
    s->out_len = 0;
    /* Events from before this client are not its business. */
    s->ev_unsent += qmp_evq_discard(&s->evq);
    json_t *caps = json_array();
    out_json(s, json_pack("{s:{s:o, s:o}}", "QMP", "version", version_json(), "capabilities", caps));
}

/* The end: the last events (SHUTDOWN) go out, for at most STOP_FLUSH_MS. */
static void final_flush(struct qmp_server *s)
{
    events_drain(s);
    uint64_t until = host_monotonic_ns() + STOP_FLUSH_MS * 1000000ull;
    while (s->client >= 0 && !s->client_broken && s->out_len) {
        uint64_t now = host_monotonic_ns();
        if (now >= until)
            break;
        struct pollfd p = {.fd = s->client, .events = POLLOUT};
        if (poll(&p, 1, (int)((until - now) / 1000000ull) + 1) <= 0)
            break;
        out_flush(s);
    }
}

static void *qmp_thread(void *arg)
{
    struct qmp_server *s = arg;
    char buf[4096];
    for (;;) {
        struct pollfd p[2] = {{.fd = s->wake_fd, .events = POLLIN}, {.fd = -1}};
        if (s->client >= 0)
            p[1] = (struct pollfd){.fd = s->client, .events = POLLIN | (s->out_len ? POLLOUT : 0)};
        else
            p[1] = (struct pollfd){.fd = s->listen_fd, .events = POLLIN};
        /* A held rate-limited event is due at ev_next_ns: wake for it. */
        int timeout = -1;
        if (s->ev_next_ns != UINT64_MAX) {
            uint64_t now = host_monotonic_ns();
            timeout = s->ev_next_ns <= now ? 0 : (int)((s->ev_next_ns - now) / 1000000ull) + 1;
        }
        if (poll(p, 2, timeout) < 0 && errno != EINTR)
            break;
        if (p[0].revents) {
            uint64_t cnt;
            if (read(s->wake_fd, &cnt, sizeof(cnt)) < 0) {
                /* EAGAIN: consumed already */
            }
        }
        if (atomic_load(&s->stopping))
            break;
        events_drain(s);
        if (s->client < 0) {
            if (p[1].revents & POLLIN)
                client_accept(s);
            continue;
        }
        if (p[1].revents & POLLOUT)
            out_flush(s);
        if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t r = recv(s->client, buf, sizeof(buf), MSG_DONTWAIT);
            if (r > 0)
                feed(s, buf, (size_t)r);
            else if (r == 0 || (errno != EAGAIN && errno != EINTR))
                s->client_broken = true;
        }
        events_drain(s); /* what the commands caused, after their returns */
        if (s->client_broken)
            client_drop(s);
    }
    final_flush(s);
    client_drop(s);
    return NULL;
}

/* ---- set-up ---- */

int qmp_server_open(struct qmp_server **out, const char *path, char *err, size_t errlen)
{
    struct qmp_server *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->msg = malloc(MAX_MSG);
    s->client = -1;
    s->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (!s->msg || s->wake_fd < 0) {
        snprintf(err, errlen, "-qmp: out of resources");
        free(s->msg);
        if (s->wake_fd >= 0)
            close(s->wake_fd);
        free(s);
        return -ENOMEM;
    }
    snprintf(s->path, sizeof(s->path), "%s", path);
    s->listen_fd = unixsock_listen(path, err, errlen);
    if (s->listen_fd < 0) {
        int rc = s->listen_fd;
        close(s->wake_fd);
        free(s->msg);
        free(s);
        return rc;
    }
    qmp_evq_init(&s->evq);
    s->ev_next_ns = UINT64_MAX;
    /* The hash seed jansson would otherwise pick on first use, from whichever thread: fixed here,
     * before any thread exists. */
    json_object_seed(0);
    *out = s;
    return 0;
}

int qmp_server_add_vm(struct qmp_server *s, struct vm *vm)
{
    if (s->nvms == QMP_MAX_VMS || s->started)
        return -ENOSPC;
    s->vms[s->nvms++] = vm;
    vm->ctl.event = qmp_event;
    vm->ctl.event_ctx = s;
    return 0;
}

int qmp_server_start(struct qmp_server *s)
{
    if (pthread_create(&s->thread, NULL, qmp_thread, s) != 0)
        return -EAGAIN;
    s->started = true;
    return 0;
}

void qmp_server_stop(struct qmp_server *s)
{
    if (!s)
        return;
    if (s->started) {
        uint64_t one = 1;
        atomic_store(&s->stopping, true);
        if (write(s->wake_fd, &one, sizeof(one)) < 0) {
            /* saturated: the thread is being woken anyway */
        }
        pthread_join(s->thread, NULL);
    }
    for (unsigned i = 0; i < s->nvms; i++)
        s->vms[i]->ctl.event = NULL;
    qmp_evq_destroy(&s->evq);
    close(s->listen_fd);
    close(s->wake_fd);
    unlink(s->path);
    free(s->msg);
    free(s->out);
    free(s);
}
