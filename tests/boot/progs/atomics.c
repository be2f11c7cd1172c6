/*
 * atomics: two processes, each pinned to one CPU (sched_setaffinity), add 1 to one shared
 * counter N times each with __atomic_fetch_add, which GCC emits for MIPS32r2 as an ll/sc loop.
 * The total must be exactly 2N: an sc that succeeded over the other CPU's stores since its ll
 * would lose increments. Prints "atomics: TOTAL of 2N exact" (or WRONG) and exits 0 only if exact.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    unsigned *counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (counter == MAP_FAILED) {
        perror("atomics: mmap");
        return 2;
    }
    for (int cpu = 0; cpu < 2; cpu++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("atomics: fork");
            return 2;
        }
        if (pid == 0) {
            cpu_set_t set;
            CPU_ZERO(&set);
            CPU_SET(cpu, &set);
            if (sched_setaffinity(0, sizeof(set), &set))
                _exit(3);
            for (long i = 0; i < n; i++)
                __atomic_fetch_add(counter, 1u, __ATOMIC_RELAXED);
            _exit(0);
        }
    }
    int ok = 1, st;
    while (wait(&st) > 0)
        ok &= WIFEXITED(st) && WEXITSTATUS(st) == 0;
    unsigned total = __atomic_load_n(counter, __ATOMIC_RELAXED);
    int exact = ok && total == (unsigned)(2 * n);
    printf("atomics: %u of %ld %s\n", total, 2 * n, exact ? "exact" : "WRONG");
    return exact ? 0 : 1;
}
