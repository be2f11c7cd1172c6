/* monitor/ internal: the host side of the guest console (terminal, escapes, input thread). */
#ifndef MVISOR_CONSOLE_H
#define MVISOR_CONSOLE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>

#define CONSOLE_RING 4096
/* An input item that is not a byte: a line break (Ctrl-A b). */
#define CONSOLE_BREAK 0x100

struct console {
    int in_fd, out_fd;
    bool tty;          /* in_fd is a terminal we switched to raw mode */
    struct termios saved;
    int wake_fd;       /* eventfd (the VM's): written on input, polled by a sleeping vCPU */
    pthread_t thread;
    bool thread_started;
    pthread_mutex_t lock;
    uint16_t ring[CONSOLE_RING]; /* bytes, and CONSOLE_BREAK */
    size_t head, tail; /* items [tail, head) are pending, guarded by lock */
    bool escape;       /* the last byte was Ctrl-A */
    _Atomic bool quit; /* Ctrl-A x */
    _Atomic bool powerdown; /* Ctrl-A p, not yet taken by the vCPU thread */
    _Atomic bool eof;  /* input closed */
    _Atomic bool has_input; /* the ring is not empty (a lock-free hint for the vCPU) */
    _Atomic uint32_t *kick; /* the vCPU's exit_request */
    /* -serial unix: the listening socket and the one client (-1: none). The vCPU thread writes
     * guest output to the client under sock_lock; the input thread accepts and closes. */
    int listen_fd, stop_fd;
    int client_fd;
    pthread_mutex_t sock_lock;
    /* A log every byte of guest output also goes to (-1: none; console_set_log), not owned. */
    int log_fd;
};

/* Starts the console on in_fd/out_fd (raw mode if in_fd is the terminal and no other console
 * has it) and its input thread. Only one console at a time reads standard input: a second one
 * given STDIN_FILENO gets no input. in_fd < 0: no input; out_fd < 0: output is dropped. wake_fd is
 * the VM's eventfd the vCPU sleeps on (not owned). The first console of the process installs
 * the handlers of the terminating signals, which only record the signal and make the process's
 * signal eventfd readable (console_signal_fd). */
int console_open(struct console *c, int in_fd, int out_fd, _Atomic uint32_t *kick, int wake_fd);
/* The same on a listening unix socket (owned from now on): one client at a time, input from
 * it, output to it; output while no client is connected is dropped. */
int console_open_socket(struct console *c, int listen_fd, _Atomic uint32_t *kick, int wake_fd);
/* Moves up to n pending input items (bytes or CONSOLE_BREAK) into buf (vCPU thread); returns
 * how many. */
size_t console_read(struct console *c, uint16_t *buf, size_t n);
/* Returns items taken by console_read that the guest could not accept, so none are lost. */
void console_unread(struct console *c, const uint16_t *buf, size_t n);
/* Whether Ctrl-A p asked for a powerdown since the last call (vCPU thread). */
bool console_take_powerdown(struct console *c);
/* Whether input is pending. */
bool console_pending(struct console *c);
/* Whether more input can still arrive (an input exists and has not reached end of file). */
bool console_input_open(struct console *c);
/* Sleeps up to ns nanoseconds or until input (or Ctrl-A x, or a signal) arrives. */
void console_wait(struct console *c, uint64_t ns);
/* The terminating signal received (SIGTERM, SIGINT, SIGHUP), or 0: process-wide. */
int console_signal(struct console *c);
/* The process's signal eventfd, readable for good once a terminating signal came (-1 before the
 * first console opened): for sleeps outside console_wait (a paused VM, vm.c). */
int console_signal_fd(void);
/* Also writes all guest output to fd from now on (with a socket, whether or not a client is
 * there); fd stays the caller's. Call before the guest runs. */
void console_set_log(struct console *c, int fd);
/* Writes guest output to the host. */
void console_write(struct console *c, const uint8_t *buf, size_t n);
/* Stops the thread and restores the terminal; safe to call twice. */
void console_close(struct console *c);
/* Restores the terminal only (async-signal-safe; for fatal signals). */
void console_restore_tty(void);

#endif
