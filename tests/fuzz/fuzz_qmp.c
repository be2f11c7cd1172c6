/*
 * Fuzzing QMP input (monitor/qmp.c): the input is what a client writes to the socket. It goes
 * through the server's own framing (feed: brackets counted outside strings) and dispatch
 * (handle_message: jansson, member and argument checks, the commands) on two Malta VMs, "vm0"
 * and "b", whose vCPU side is a thread here that answers every control request as the run
 * loop would (its state and events), or, by the first input byte, VMs whose run has ended.
 * Whatever the bytes: nothing crashes, and everything the server writes back is a sequence of
 * CRLF-terminated JSON objects, each a greeting, a return, an error or an event.
 *
 * qmp.c is compiled into this harness (its framing and dispatch are static), so the archive's
 * copy is never linked.
 */
#include "monitor/qmp.c"

#include <stdio.h>
#include <sys/socket.h>

static struct qmp_server *srv;
static struct vm vms[2];
static int peer = -1;
static pthread_t responder;

/* The run loop's side of a control request (monitor/vm.c): state, event, done. */
static void *respond(void *arg)
{
    (void)arg;
    for (;;) {
        for (int i = 0; i < 2; i++) {
            struct vm_ctl *c = &vms[i].ctl;
            enum vm_request r = vm_ctl_take(c);
            switch (r) {
            case VM_REQ_NONE:
                continue;
            case VM_REQ_STOP:
                vm_ctl_set_state(c, VM_STATE_PAUSED);
                vm_ctl_emit(c, &vms[i], VM_EVENT_STOP, false, NULL);
                break;
            case VM_REQ_CONT:
                vm_ctl_set_state(c, VM_STATE_RUNNING);
                vm_ctl_emit(c, &vms[i], VM_EVENT_RESUME, false, NULL);
                break;
            case VM_REQ_RESET:
                vm_ctl_emit(c, &vms[i], VM_EVENT_RESET, false, "host-qmp-system-reset");
                break;
            case VM_REQ_POWERDOWN:
                vm_ctl_emit(c, &vms[i], VM_EVENT_POWERDOWN, false, NULL);
                break;
            case VM_REQ_QUIT:
                vm_ctl_done(c, 0);
                vm_ctl_set_state(c, VM_STATE_SHUTDOWN);
                vm_ctl_emit(c, &vms[i], VM_EVENT_SHUTDOWN, false, "host-qmp-quit");
                vm_ctl_close(c);
                continue;
            }
            vm_ctl_done(c, 0);
        }
        struct timespec ts = {0, 20000};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

static void setup(void)
{
    static const char *const names[2] = {"vm0", "b"};
    for (int i = 0; i < 2; i++) {
        struct vm_config cfg = {.machine = MACHINE_MALTA, .ram_mb = 16, .deterministic = true,
                                .tlb_entries = MTLB_DEFAULT_ENTRIES, .exec = EXEC_INTERP,
                                .serial = SERIAL_NONE, .name = names[i]};
        char err[256];
        if (vm_create(&vms[i], &cfg, err, sizeof(err)) < 0) {
            fprintf(stderr, "fuzz_qmp: %s\n", err);
            abort();
        }
    }
    char path[64], err[256];
    snprintf(path, sizeof(path), "/tmp/mvisor-fuzz-qmp.%d", (int)getpid());
    if (qmp_server_open(&srv, path, err, sizeof(err)) < 0) {
        fprintf(stderr, "fuzz_qmp: %s\n", err);
        abort();
    }
    unlink(path); /* never listened on: the client is a socket pair */
    for (int i = 0; i < 2; i++)
        qmp_server_add_vm(srv, &vms[i]);
    pthread_create(&responder, NULL, respond, NULL);
}

/* Every line the server wrote must be a JSON object of one of QMP's four kinds. */
static void check_output(void)
{
    static char buf[1 << 16];
    static char line[1 << 16];
    static size_t line_len;
    for (;;) {
        ssize_t r = recv(peer, buf, sizeof(buf), MSG_DONTWAIT);
        if (r <= 0)
            break;
        for (ssize_t i = 0; i < r; i++) {
            if (buf[i] != '\n') {
                if (line_len < sizeof(line) - 1)
                    line[line_len++] = buf[i];
                continue;
            }
            if (!line_len || line[line_len - 1] != '\r') {
                fprintf(stderr, "fuzz_qmp: a line without its CR\n");
                abort();
            }
            json_t *j = json_loadb(line, line_len - 1, 0, NULL);
            if (!j || !json_is_object(j) ||
                !(json_object_get(j, "return") || json_object_get(j, "error") || json_object_get(j, "event") ||
                  json_object_get(j, "QMP"))) {
                fprintf(stderr, "fuzz_qmp: the server wrote '%.*s'\n", (int)line_len, line);
                abort();
            }
            json_decref(j);
            line_len = 0;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!srv)
        setup();
    if (size < 1)
        return 0;
    bool ended = data[0] & 1;
    for (int i = 0; i < 2; i++) {
        struct vm_ctl *c = &vms[i].ctl;
        pthread_mutex_lock(&c->lock);
        c->closed = ended;
        c->posted = c->done = 0;
        pthread_mutex_unlock(&c->lock);
        vm_ctl_set_state(c, ended ? VM_STATE_SHUTDOWN : VM_STATE_RUNNING);
    }
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        abort();
    int big = 1 << 20;
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
    peer = sv[1];
    /* what client_accept does, on the socket pair */
    srv->client = sv[0];
    srv->negotiated = srv->client_broken = false;
    msg_reset(srv);
    srv->out_len = 0;
    json_t *caps = json_array();
    out_json(srv, json_pack("{s:{s:o, s:o}}", "QMP", "version", version_json(), "capabilities", caps));
    /* the bytes in pieces of up to 4096, as the server's recv would see them */
    for (size_t at = 1; at < size && srv->client >= 0; at += 4096) {
        size_t n = size - at < 4096 ? size - at : 4096;
        feed(srv, (const char *)data + at, n);
        events_drain(srv);
        check_output();
    }
    check_output();
    client_drop(srv);
    close(peer);
    peer = -1;
    return 0;
}
