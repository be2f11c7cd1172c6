/*
 * wl forkexec N PROGRAM: the process-creation workload. fork, exec PROGRAM
 * (busybox `true` in the guest) and wait, N times; every child must exit 0.
 * In the guest this is page-table and TLB work for the kernel: fork's
 * copy-on-write set-up, exec's fresh address space, exit's tear-down.
 */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wl.h"

int cmd_forkexec(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: wl forkexec N PROGRAM\n");
        return 2;
    }
    uint64_t n = wl_arg_u64("forkexec", argv[1]), ok = 0;
    char *const child_argv[] = {argv[2], NULL};
    char *const child_env[] = {NULL};
    uint64_t t0 = wl_now_ns();
    for (uint64_t i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("wl forkexec: fork");
            break;
        }
        if (pid == 0) {
            execve(argv[2], child_argv, child_env);
            _exit(127);
        }
        int status;
        if (waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0)
            ok++;
    }
    uint64_t ns = wl_now_ns() - t0;
    printf("forkexec iterations=%llu ok=%llu check=%s elapsed_ns=%llu ns_per_iter=%llu\n", (unsigned long long)n,
           (unsigned long long)ok, ok == n ? "ok" : "FAIL", (unsigned long long)ns,
           (unsigned long long)(n ? ns / n : 0));
    return ok == n ? 0 : 1;
}
