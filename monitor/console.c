/*
 * The host side of the guest console.
 *
 * On a terminal, input is switched to raw mode so every key (Ctrl-C
 * included) reaches the guest; Ctrl-A starts an escape: Ctrl-A x quits,
 * Ctrl-A h prints help, Ctrl-A a (or Ctrl-A Ctrl-A) sends a literal Ctrl-A,
 * Ctrl-A b sends a line break (QEMU's mux spelling: then a key within 5 s
 * is a Magic SysRq command), Ctrl-A p asks the guest to power off (the same
 * as QMP system_powerdown: BREAK + SysRq s, u, o, paced by vm.c).
 * The terminal is restored on every exit path: console_close(), atexit,
 * and fatal signals. SIGTERM, SIGINT and SIGHUP only set a flag and wake
 * every sleeping vCPU (below), each of which then stops through the
 * ordinary exit path.
 *
 * An input thread reads the host and queues bytes in a ring; the vCPU
 * thread drains it when the guest's UART can accept data. The thread never
 * touches device state: it only queues, writes the wake-up eventfd (so a
 * vCPU sleeping in WAIT notices) and sets the vCPU's exit request.
 *
 * With -serial unix:PATH the input thread is a one-client socket server
 * instead (QEMU chardev/char-socket.c behaves the same way: one client at a
 * time, the next one accepted when it leaves). Guest output goes to the
 * client without blocking the vCPU: while no client is connected, or while a
 * connected client lets its socket buffer fill up, output is dropped (no
 * backlog is kept, so a new client sees only what the guest prints after it
 * connected). No escapes on a socket: every byte goes to the guest.
 *
 * A console may also keep a log (console_set_log): every byte of guest
 * output goes to it as well, whether or not anyone watches the socket. With
 * several VMs the monitor gives each a socket and a log in its run folder
 * (monitor/vmset.c), so what a VM printed before anyone attached is kept.
 *
 * Every console is its VM's own. What stays process-wide is what the host
 * has once per process: the controlling terminal (the first console on it
 * takes it; its saved mode is restored at exit) and the terminating
 * signals, whose handler sets one flag and makes one process-wide eventfd
 * readable; every console's wait polls that eventfd too, and running vCPUs
 * see the flag at their next event check (vcpu_events), a few microseconds
 * of guest time away in real time. The wake-up eventfd a console writes on
 * input is its VM's (struct vm_ctl's, shared with QMP's requests), not the
 * console's own.
 */
#define _GNU_SOURCE /* ppoll */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "monitor/console.h"
#include "monitor/monitor.h"

/* The controlling terminal's saved mode: the process has one terminal, taken under tty_lock. */
static pthread_mutex_t tty_lock = PTHREAD_MUTEX_INITIALIZER;
static struct console *tty_owner;
/* The console that reads the host's standard input (under tty_lock): one at a time. Two input
 * threads reading one file would each get some of the bytes, and the second VM's console would
 * lose its input to the first's terminal mode restored under it when that VM ends. */
static struct console *stdin_reader;
static struct termios saved_tty;
static volatile sig_atomic_t tty_saved;
static int tty_fd = -1;

/* What the terminating-signal handler touches: the flag and the process's wake-up eventfd
 * (created once, never drained: after a signal every wait returns at once). */
static _Atomic int got_signal; /* lock-free: safe to set from the handler, read from any thread */
static int signal_wake_fd = -1;
static pthread_once_t signals_once = PTHREAD_ONCE_INIT;

void console_restore_tty(void)
{
    if (tty_saved) {
        tcsetattr(tty_fd, TCSAFLUSH, &saved_tty);
        tty_saved = 0;
    }
}

/* SIGTERM, SIGINT, SIGHUP: record and wake every sleeping vCPU; each run loop stops and cleans up. */
static void stop_signal(int sig)
{
    got_signal = sig;
    uint64_t one = 1;
    if (signal_wake_fd >= 0 && write(signal_wake_fd, &one, sizeof(one)) < 0) {
        /* nothing to do: running vCPUs see the flag at their next event check */
    }
}

/* A crash of mvisor itself: the terminal must not stay raw, then die as the signal says. */
static void fatal_signal(int sig)
{
    console_restore_tty();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install_handler(int sig, void (*fn)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = fn;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

int console_signal(struct console *c)
{
    (void)c;
    return got_signal;
}

int console_signal_fd(void)
{
    return signal_wake_fd;
}

static void push(struct console *c, uint16_t b)
{
    pthread_mutex_lock(&c->lock);
    size_t next = (c->head + 1) % CONSOLE_RING;
    if (next != c->tail) { /* full ring: the reader blocks on read() below, so this is rare */
        c->ring[c->head] = b;
        c->head = next;
        atomic_store(&c->has_input, true);
    }
    pthread_mutex_unlock(&c->lock);
}

static void wake(struct console *c)
{
    uint64_t one = 1;
    if (c->wake_fd >= 0 && write(c->wake_fd, &one, sizeof(one)) < 0) {
        /* the counter saturating is harmless: the vCPU is being woken anyway */
    }
    if (c->kick)
        atomic_fetch_or_explicit(c->kick, EXIT_REQ_INTERRUPT, memory_order_release);
}

static const char escape_help[] = "\r\nC-a h    print this help\r\n"
                                  "C-a x    exit mvisor\r\n"
                                  "C-a a    send C-a to the guest\r\n"
                                  "C-a b    send a break (then a key within 5 s: Magic SysRq)\r\n"
                                  "C-a p    power the guest down (break + SysRq s, u, o)\r\n";

static bool ring_has_room(struct console *c)
{
    pthread_mutex_lock(&c->lock);
    size_t used = (c->head + CONSOLE_RING - c->tail) % CONSOLE_RING;
    pthread_mutex_unlock(&c->lock);
    return used < CONSOLE_RING - 64;
}

static void *input_thread(void *arg)
{
    struct console *c = arg;
    uint8_t buf[64];
    for (;;) {
        if (!ring_has_room(c)) {
            /* Back-pressure: leave the rest in the host pipe until the guest catches up. */
            usleep(1000);
            continue;
        }
        ssize_t n = read(c->in_fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            atomic_store(&c->eof, true);
            wake(c);
            return NULL;
        }
        for (ssize_t i = 0; i < n; i++) {
            uint8_t b = buf[i];
            if (c->tty && c->escape) {
                c->escape = false;
                if (b == 'x' || b == 'X') {
                    atomic_store(&c->quit, true);
                    wake(c);
                    return NULL;
                }
                if (b == 'h' || b == 'H' || b == '?') {
                    if (write(c->out_fd, escape_help, sizeof(escape_help) - 1) < 0) {
                    }
                    continue;
                }
                if (b == 'a' || b == 0x01)
                    push(c, 0x01);
                if (b == 'b' || b == 'B')
                    push(c, CONSOLE_BREAK);
                if (b == 'p' || b == 'P')
                    atomic_store(&c->powerdown, true);
                continue;
            }
            if (c->tty && b == 0x01) {
                c->escape = true;
                continue;
            }
            push(c, b);
        }
        wake(c);
    }
}

/* -serial unix: accept one client, queue what it sends, until console_close(). */
static void *socket_thread(void *arg)
{
    struct console *c = arg;
    int client = -1;
    uint8_t buf[256];
    for (;;) {
        bool room = ring_has_room(c);
        struct pollfd p[2] = {{.fd = c->stop_fd, .events = POLLIN},
                              {.fd = client >= 0 ? client : c->listen_fd, .events = POLLIN}};
        /* Back-pressure as on stdin: a full ring leaves the client's bytes in its socket. */
        int n = poll(p, room ? 2 : 1, room ? -1 : 1);
        if (n < 0 && errno != EINTR)
            break;
        if (p[0].revents)
            break;
        if (n <= 0 || !room || !p[1].revents)
            continue;
        if (client < 0) {
            int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
            if (fd < 0)
                continue; /* EAGAIN (the client gave up), EMFILE...: keep listening */
            pthread_mutex_lock(&c->sock_lock);
            c->client_fd = client = fd;
            pthread_mutex_unlock(&c->sock_lock);
            continue;
        }
        ssize_t r = read(client, buf, sizeof(buf));
        if (r < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (r <= 0) {
            /* The client left (or broke the connection): the next one may come. */
            pthread_mutex_lock(&c->sock_lock);
            c->client_fd = -1;
            pthread_mutex_unlock(&c->sock_lock);
            close(client);
            client = -1;
            continue;
        }
        for (ssize_t i = 0; i < r; i++)
            push(c, buf[i]);
        wake(c);
    }
    if (client >= 0) {
        pthread_mutex_lock(&c->sock_lock);
        c->client_fd = -1;
        pthread_mutex_unlock(&c->sock_lock);
        close(client);
    }
    return NULL;
}

static void signals_install(void)
{
    signal_wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    install_handler(SIGTERM, stop_signal);
    install_handler(SIGINT, stop_signal);
    install_handler(SIGHUP, stop_signal);
    /* A closed output (the reader went away) is an error from write(), not a death. */
    install_handler(SIGPIPE, SIG_IGN);
}

/* Switches in_fd to raw mode for c if it is the terminal and no other console has it. */
static void tty_take(struct console *c, int in_fd)
{
    pthread_mutex_lock(&tty_lock);
    if (!tty_owner && isatty(in_fd) && tcgetattr(in_fd, &c->saved) == 0) {
        struct termios raw = c->saved;
        cfmakeraw(&raw);
        raw.c_oflag |= OPOST | ONLCR; /* keep host-side newline handling for our own messages */
        saved_tty = c->saved;
        tty_fd = in_fd;
        tty_saved = 1;
        tty_owner = c;
        static bool hooks; /* under tty_lock: atexit and the fatal handlers once per process */
        if (!hooks) {
            hooks = true;
            atexit(console_restore_tty);
            install_handler(SIGSEGV, fatal_signal);
            install_handler(SIGBUS, fatal_signal);
            install_handler(SIGABRT, fatal_signal);
            install_handler(SIGFPE, fatal_signal);
        }
        if (tcsetattr(in_fd, TCSAFLUSH, &raw) == 0)
            c->tty = true;
    }
    pthread_mutex_unlock(&tty_lock);
}

static void console_init_common(struct console *c, _Atomic uint32_t *kick, int wake_fd)
{
    memset(c, 0, sizeof(*c));
    c->in_fd = c->out_fd = -1;
    c->listen_fd = c->stop_fd = c->client_fd = -1;
    c->log_fd = -1;
    c->kick = kick;
    c->wake_fd = wake_fd;
    pthread_mutex_init(&c->lock, NULL);
    pthread_mutex_init(&c->sock_lock, NULL);
    pthread_once(&signals_once, signals_install);
}

int console_open_socket(struct console *c, int listen_fd, _Atomic uint32_t *kick, int wake_fd)
{
    console_init_common(c, kick, wake_fd);
    c->listen_fd = listen_fd;
    c->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (c->stop_fd < 0)
        return -errno;
    if (pthread_create(&c->thread, NULL, socket_thread, c) != 0)
        return -EAGAIN;
    c->thread_started = true;
    return 0;
}

int console_open(struct console *c, int in_fd, int out_fd, _Atomic uint32_t *kick, int wake_fd)
{
    console_init_common(c, kick, wake_fd);
    c->out_fd = out_fd;
    if (in_fd == STDIN_FILENO) {
        /* Several VMs on the process's stdio: the first reads the input, the others only write. */
        pthread_mutex_lock(&tty_lock);
        if (stdin_reader)
            in_fd = -1;
        else
            stdin_reader = c;
        pthread_mutex_unlock(&tty_lock);
    }
    c->in_fd = in_fd;
    if (in_fd >= 0)
        tty_take(c, in_fd);
    if (in_fd >= 0) {
        if (pthread_create(&c->thread, NULL, input_thread, c) != 0)
            return -EAGAIN;
        c->thread_started = true;
    } else {
        atomic_store(&c->eof, true);
    }
    return 0;
}

size_t console_read(struct console *c, uint16_t *buf, size_t n)
{
    size_t got = 0;
    pthread_mutex_lock(&c->lock);
    while (got < n && c->tail != c->head) {
        buf[got++] = c->ring[c->tail];
        c->tail = (c->tail + 1) % CONSOLE_RING;
    }
    if (c->tail == c->head)
        atomic_store(&c->has_input, false);
    pthread_mutex_unlock(&c->lock);
    return got;
}

void console_unread(struct console *c, const uint16_t *buf, size_t n)
{
    pthread_mutex_lock(&c->lock);
    for (size_t i = n; i > 0; i--) {
        size_t prev = (c->tail + CONSOLE_RING - 1) % CONSOLE_RING;
        if (prev == c->head)
            break;
        c->tail = prev;
        c->ring[prev] = buf[i - 1];
        atomic_store(&c->has_input, true);
    }
    pthread_mutex_unlock(&c->lock);
}

bool console_take_powerdown(struct console *c)
{
    return atomic_load_explicit(&c->powerdown, memory_order_relaxed) && atomic_exchange(&c->powerdown, false);
}

bool console_pending(struct console *c)
{
    return atomic_load_explicit(&c->has_input, memory_order_acquire);
}

bool console_input_open(struct console *c)
{
    return !atomic_load(&c->eof) && !atomic_load(&c->quit);
}

void console_wait(struct console *c, uint64_t ns)
{
    struct pollfd p[2] = {{.fd = c->wake_fd, .events = POLLIN}, {.fd = signal_wake_fd, .events = POLLIN}};
    struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000ull), .tv_nsec = (long)(ns % 1000000000ull)};
    if (console_pending(c) || got_signal || atomic_load(&c->quit))
        return;
    if (ppoll(p, signal_wake_fd >= 0 ? 2 : 1, &ts, NULL) > 0 && (p[0].revents & POLLIN)) {
        uint64_t cnt;
        if (read(c->wake_fd, &cnt, sizeof(cnt)) < 0) {
            /* EAGAIN: another wake-up consumed it; nothing is lost, the state is re-read */
        }
    }
}

void console_set_log(struct console *c, int fd)
{
    c->log_fd = fd;
}

/* All of buf to fd; false if fd cannot take it (output is then dropped, the guest goes on). */
static bool write_all(int fd, const uint8_t *buf, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, buf, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        buf += w;
        n -= (size_t)w;
    }
    return true;
}

void console_write(struct console *c, const uint8_t *buf, size_t n)
{
    /* The log first and whole: a file never makes the vCPU wait long, and it is the record. */
    if (c->log_fd >= 0 && !write_all(c->log_fd, buf, n))
        c->log_fd = -1; /* a full disk: the log stops, the guest does not */
    if (c->listen_fd >= 0) {
        /* Never blocks the vCPU: what the client's socket cannot take now is dropped. */
        pthread_mutex_lock(&c->sock_lock);
        if (c->client_fd >= 0 && send(c->client_fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
            /* EAGAIN: a client not reading; EPIPE: it left, which its thread will notice */
        }
        pthread_mutex_unlock(&c->sock_lock);
        return;
    }
    if (c->out_fd >= 0 && !write_all(c->out_fd, buf, n)) {
        /* host output closed: the guest keeps running, output is dropped */
    }
}

void console_close(struct console *c)
{
    if (c->thread_started) {
        if (c->stop_fd >= 0) {
            uint64_t one = 1;
            if (write(c->stop_fd, &one, sizeof(one)) < 0) {
                /* cannot fail on a fresh eventfd; the join below would then wait */
            }
        } else {
            pthread_cancel(c->thread);
        }
        pthread_join(c->thread, NULL);
        c->thread_started = false;
    }
    pthread_mutex_lock(&tty_lock);
    if (tty_owner == c) {
        console_restore_tty();
        tty_owner = NULL;
    }
    if (stdin_reader == c)
        stdin_reader = NULL;
    pthread_mutex_unlock(&tty_lock);
    if (c->stop_fd >= 0) {
        close(c->stop_fd);
        c->stop_fd = -1;
    }
    if (c->listen_fd >= 0) {
        close(c->listen_fd);
        c->listen_fd = -1;
    }
    c->wake_fd = -1; /* the VM's: not closed here */
}
