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

struct console {
    int in_fd, out_fd;
    bool tty;          /* in_fd is a terminal we switched to raw mode */
    struct termios saved;
    int wake_fd;       /* eventfd: written on input, polled by a sleeping vCPU */
    pthread_t thread;
    bool thread_started;
    pthread_mutex_t lock;
    uint8_t ring[CONSOLE_RING];
    size_t head, tail; /* bytes [tail, head) are pending, guarded by lock */
    bool escape;       /* the last byte was Ctrl-A */
    _Atomic bool quit; /* Ctrl-A x */
    _Atomic bool eof;  /* input closed */
    _Atomic bool has_input; /* the ring is not empty (a lock-free hint for the vCPU) */
    _Atomic uint32_t *kick; /* the vCPU's exit_request */
};

/* Starts the console on in_fd/out_fd (raw mode if in_fd is a terminal) and its input thread.
 * in_fd < 0: no input; out_fd < 0: output is dropped. Also installs the handlers of the
 * terminating signals, which only record the signal and wake the vCPU. */
int console_open(struct console *c, int in_fd, int out_fd, _Atomic uint32_t *kick);
/* Moves up to n pending input bytes into buf (vCPU thread); returns how many. */
size_t console_read(struct console *c, uint8_t *buf, size_t n);
/* Returns bytes taken by console_read that the guest could not accept, so none are lost. */
void console_unread(struct console *c, const uint8_t *buf, size_t n);
/* Whether input is pending. */
bool console_pending(struct console *c);
/* Whether more input can still arrive (an input exists and has not reached end of file). */
bool console_input_open(struct console *c);
/* Sleeps up to ns nanoseconds or until input (or Ctrl-A x, or a signal) arrives. */
void console_wait(struct console *c, uint64_t ns);
/* The terminating signal received (SIGTERM, SIGINT, SIGHUP), or 0. */
int console_signal(struct console *c);
/* Writes guest output to the host. */
void console_write(struct console *c, const uint8_t *buf, size_t n);
/* Stops the thread and restores the terminal; safe to call twice. */
void console_close(struct console *c);
/* Restores the terminal only (async-signal-safe; for fatal signals). */
void console_restore_tty(void);

#endif
