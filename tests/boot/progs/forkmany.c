/*
 * Process workload for the boot suite: forks N children (default 3000) in waves of 50 that
 * are alive at the same time, each exiting with its own status, and reaps them all. It
 * exercises fork, copy-on-write faults, exit and wait thousands of times, i.e. TLB refills,
 * ASID changes and page-table churn in the guest kernel.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define WAVE 50

static int touched[1024]; /* a page the children write: copy-on-write */

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 3000;
    long sum = 0, reaped = 0, failed = 0;
    for (int base = 0; base < n; base += WAVE) {
        pid_t pids[WAVE];
        int k = 0;
        for (; k < WAVE && base + k < n; k++) {
            int i = base + k;
            pid_t p = fork();
            if (p < 0) {
                perror("fork");
                return 1;
            }
            if (p == 0) {
                touched[i % 1024] = i;
                _exit((touched[i % 1024] * 7 + 3) & 0x7F);
            }
            pids[k] = p;
        }
        for (int j = 0; j < k; j++) {
            int st;
            if (waitpid(pids[j], &st, 0) != pids[j] || !WIFEXITED(st)) {
                failed++;
                continue;
            }
            sum += WEXITSTATUS(st);
            reaped++;
        }
    }
    printf("forkmany children=%ld failed=%ld status-sum=%ld\n", reaped, failed, sum);
    return failed != 0;
}
