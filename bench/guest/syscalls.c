/*
 * wl syscalls N: N getppid system calls, the cheapest round trip into the
 * guest kernel and back (syscall exception, handler, eret), made through
 * syscall(2) so that no library caching can skip one.
 */
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wl.h"

int cmd_syscalls(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: wl syscalls N\n");
        return 2;
    }
    uint64_t n = wl_arg_u64("syscalls", argv[1]);
    long ppid = (long)getppid(), bad = 0;
    uint64_t t0 = wl_now_ns();
    for (uint64_t i = 0; i < n; i++)
        bad += syscall(SYS_getppid) != ppid;
    uint64_t ns = wl_now_ns() - t0;
    printf("syscalls calls=%llu check=%s elapsed_ns=%llu ns_per_call=%.1f\n", (unsigned long long)n,
           bad ? "FAIL" : "ok", (unsigned long long)ns, n ? (double)ns / (double)n : 0.0);
    return bad ? 1 : 0;
}
