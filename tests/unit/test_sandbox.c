/*
 * Unit tests of the monitor's system-call filter (monitor/sandbox.c). Each case forks a child
 * that installs the filter and then makes calls: the ones the running monitor needs (a thread,
 * files, memory, a socket) must work; clone3 must fail with ENOSYS (the C library then uses
 * clone); a new process (fork), a program (execve) or tracing (ptrace) must stop the child
 * with status 1 and one line naming the call on its stderr, which the parent reads.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "monitor/sandbox.h"

/* Runs fn in a child under the filter; returns its wait status, its stderr in out. */
static int in_sandbox(int (*fn)(void), char *out, size_t outlen)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(p[1], STDERR_FILENO);
        close(p[0]);
        char err[256];
        if (sandbox_enable(err, sizeof(err)) < 0) {
            fprintf(stderr, "enable: %s\n", err);
            _exit(100);
        }
        _exit(fn());
    }
    close(p[1]);
    size_t n = 0;
    ssize_t r;
    while (n + 1 < outlen && (r = read(p[0], out + n, outlen - 1 - n)) > 0)
        n += (size_t)r;
    out[n] = 0;
    close(p[0]);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    return st;
}

static void *thread_fn(void *arg)
{
    *(int *)arg = 42;
    return NULL;
}

static int allowed_calls(void)
{
    pthread_t t;
    int v = 0;
    if (pthread_create(&t, NULL, thread_fn, &v) || pthread_join(t, NULL) || v != 42)
        return 2;
    char path[] = "/tmp/mvisor-sandbox-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, "x", 1) != 1 || fsync(fd) || ftruncate(fd, 4096))
        return 3;
    void *m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED || madvise(m, 1 << 20, MADV_DONTNEED) || munmap(m, 1 << 20))
        return 4;
    close(fd);
    unlink(path);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (s < 0)
        return 5;
    close(s);
    return 0;
}

static void test_needed_calls_work(void **state)
{
    (void)state;
    char out[512];
    int st = in_sandbox(allowed_calls, out, sizeof(out));
    assert_true(WIFEXITED(st));
    if (WEXITSTATUS(st) != 0)
        fail_msg("child exit %d, stderr '%s'", WEXITSTATUS(st), out);
    assert_string_equal(out, "");
}

static int clone3_call(void)
{
    long r = syscall(SYS_clone3, NULL, 0);
    return r == -1 && errno == ENOSYS ? 0 : 2;
}

static void test_clone3_enosys(void **state)
{
    (void)state;
    char out[512];
    int st = in_sandbox(clone3_call, out, sizeof(out));
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    assert_string_equal(out, "");
}

static int fork_call(void)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    return 3; /* the filter let a new process through */
}

static int execve_call(void)
{
    char *argv[] = {"/bin/true", NULL};
    execve("/bin/true", argv, environ);
    return 3;
}

static int ptrace_call(void)
{
    ptrace(PTRACE_TRACEME, 0, NULL, NULL);
    return 3;
}

static void expect_stopped(int (*fn)(void), const char *name)
{
    char out[512], want[128];
    int st = in_sandbox(fn, out, sizeof(out));
    assert_true(WIFEXITED(st));
    if (WEXITSTATUS(st) != 1)
        fail_msg("%s: child exit %d, stderr '%s'", name, WEXITSTATUS(st), out);
    snprintf(want, sizeof(want), "mvisor: sandbox: forbidden system call %s (", name);
    if (strncmp(out, want, strlen(want)) || !strchr(out, '\n') || strchr(out, '\n')[1])
        fail_msg("stderr '%s', want one line starting '%s'", out, want);
}

static void test_fork_stops(void **state)
{
    (void)state;
    expect_stopped(fork_call, "clone");
}

static void test_execve_stops(void **state)
{
    (void)state;
    expect_stopped(execve_call, "execve");
}

static void test_ptrace_stops(void **state)
{
    (void)state;
    expect_stopped(ptrace_call, "ptrace");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_needed_calls_work),
        cmocka_unit_test(test_clone3_enosys),
        cmocka_unit_test(test_fork_stops),
        cmocka_unit_test(test_execve_stops),
        cmocka_unit_test(test_ptrace_stops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
