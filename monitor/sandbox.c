/*
 * The monitor's system-call filter (-sandbox on, the default): once every VM is built and
 * before any guest instruction runs, a seccomp filter (libseccomp) on every thread of the
 * process allows only the calls the running monitor makes. A guest that took over the monitor
 * through a device bug then still cannot start programs, fork, trace or read other processes,
 * mount, load kernel modules or BPF, change credentials or the clock, or reboot the host.
 *
 * What stays allowed, and why: file I/O including opening files (--profile=json and the
 * perf map are written during or after the run, a drive's overlay or image may be opened by a
 * later QMP command; openat cannot be limited to paths by seccomp anyway) and removing them
 * (an empty default run folder and its logs go at exit), memory management
 * (the code buffer is committed as it grows, the balloon and page sharing discard and remap
 * guest pages), threads (the scheduler starts its host threads after set-up: clone only with
 * CLONE_THREAD, so no new process), sockets (libslirp opens the host side of the guest's TCP
 * and UDP connections; QMP and console sockets accept clients), polling, timers, signals to
 * the process's own threads. clone3 fails with ENOSYS (its flags sit in memory a filter cannot
 * read), which makes the C library fall back to clone, as container runtimes do.
 *
 * Any other call stops the process: SIGSYS reaches a handler that prints one line naming the
 * call and exits with status 1 (a host error). The names are looked up when the filter is
 * installed, so the handler itself only writes.
 *
 * Builds under AddressSanitizer or ThreadSanitizer default to off: their runtimes fork a
 * tracer (LeakSanitizer's stop-the-world uses clone and ptrace) at exit.
 */
#define _GNU_SOURCE /* CLONE_THREAD */
#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/sandbox.h"

/* The calls the running monitor makes (x86-64 and the C library's wrappers around them). */
static const char *const sandbox_allowed[] = {
    /* files */
    "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "preadv2", "pwritev2",
    "lseek", "close", "open", "openat", "creat", "fstat", "newfstatat", "stat", "lstat", "statx", "fstatfs",
    "statfs", "fcntl", "dup", "dup2", "dup3", "ioctl", "fsync", "fdatasync", "sync_file_range", "ftruncate",
    "fallocate", "unlink", "unlinkat", "rename", "renameat", "renameat2", "access", "faccessat", "faccessat2",
    "readlink", "readlinkat", "getcwd", "mkdir", "mkdirat", "rmdir", "getdents64", "flock", "fadvise64", "copy_file_range",
    "io_setup", "io_destroy", "io_submit", "io_getevents", "io_pgetevents", "io_cancel",
    /* memory */
    "mmap", "munmap", "mprotect", "mremap", "madvise", "brk", "mincore", "memfd_create", "membarrier",
    /* threads, time, scheduling */
    "futex", "set_robust_list", "get_robust_list", "rseq", "set_tid_address", "sched_yield",
    "sched_getaffinity", "sched_setaffinity", "sched_getparam", "sched_getscheduler", "getpriority",
    "setpriority", "nanosleep", "clock_nanosleep", "clock_gettime", "clock_getres", "gettimeofday", "time",
    "getrusage", "times", "timer_create", "timer_settime", "timer_gettime", "timer_delete", "setitimer",
    "getitimer", "alarm", "prctl", "arch_prctl", "exit", "exit_group", "restart_syscall",
    /* waiting */
    "poll", "ppoll", "select", "pselect6", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait",
    "epoll_pwait", "epoll_pwait2", "eventfd", "eventfd2", "pipe", "pipe2", "timerfd_create",
    "timerfd_settime", "timerfd_gettime",
    /* sockets */
    "socket", "socketpair", "connect", "accept", "accept4", "bind", "listen", "getsockname", "getpeername",
    "setsockopt", "getsockopt", "sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "shutdown",
    /* signals and identity */
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending", "rt_sigtimedwait", "rt_sigsuspend",
    "sigaltstack", "tgkill", "tkill", "getpid", "gettid", "getppid", "getuid", "geteuid", "getgid", "getegid",
    "getgroups", "getresuid", "getresgid", "uname", "sysinfo", "getrandom", "umask",
};

/* Syscall names by number, for the SIGSYS handler (filled when the filter goes in). */
#define SANDBOX_NAMES 512
static char sandbox_names[SANDBOX_NAMES][32];

static void sandbox_put(const char *s)
{
    ssize_t r = write(STDERR_FILENO, s, strlen(s));
    (void)r;
}

static void sandbox_sigsys(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    int nr = si->si_syscall;
    char num[16];
    int n = 0;
    unsigned v = nr < 0 ? 0 : (unsigned)nr;
    char rev[16];
    do
        rev[n++] = (char)('0' + v % 10);
    while ((v /= 10) && n < 15);
    for (int i = 0; i < n; i++)
        num[i] = rev[n - 1 - i];
    num[n] = 0;
    sandbox_put("mvisor: sandbox: forbidden system call ");
    sandbox_put(nr >= 0 && nr < SANDBOX_NAMES && sandbox_names[nr][0] ? sandbox_names[nr] : "?");
    sandbox_put(" (");
    sandbox_put(num);
    sandbox_put("); stopping (-sandbox off runs without the filter)\n");
    _exit(1);
}

bool sandbox_default(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    return false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
    return false;
#else
    return true;
#endif
#else
    return true;
#endif
}

int sandbox_enable(char *err, size_t errlen)
{
    for (int nr = 0; nr < SANDBOX_NAMES; nr++) {
        char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
        if (name) {
            snprintf(sandbox_names[nr], sizeof(sandbox_names[nr]), "%s", name);
            free(name);
        }
    }
    struct sigaction sa = {.sa_sigaction = sandbox_sigsys, .sa_flags = SA_SIGINFO};
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSYS, &sa, NULL) < 0) {
        snprintf(err, errlen, "cannot catch SIGSYS: %s", strerror(errno));
        return -errno;
    }
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
    if (!ctx) {
        snprintf(err, errlen, "cannot set up the system-call filter");
        return -ENOMEM;
    }
    int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
    for (size_t i = 0; rc == 0 && i < sizeof(sandbox_allowed) / sizeof(sandbox_allowed[0]); i++) {
        int nr = seccomp_syscall_resolve_name(sandbox_allowed[i]);
        if (nr != __NR_SCMP_ERROR)
            rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
    }
    /* Threads only: a clone without CLONE_THREAD would be a new process. */
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                              SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    if (rc == 0)
        rc = seccomp_load(ctx);
    seccomp_release(ctx);
    if (rc < 0) {
        snprintf(err, errlen, "cannot install the system-call filter: %s", strerror(-rc));
        return rc;
    }
    return 0;
}
