/*
 * wake: the host CPU one timer wake-up costs a sleeping process, the floor under an idle VM's
 * cost (make bench-vms, "Idle cost"): an idle guest ticking at HZ needs its monitor woken HZ
 * times a second, whatever else it does. The loop sleeps to absolute deadlines HZ times a second
 * for SECONDS seconds, doing nothing else, and prints its own CPU time (user + system, from
 * CLOCK_PROCESS_CPUTIME_ID: the scheduler's exact runtime, not tick samples) per wake-up.
 *
 *     wake [HZ [SECONDS]]        default 250 Hz, 5 s
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_s(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    long hz = argc > 1 ? strtol(argv[1], NULL, 10) : 250;
    double secs = argc > 2 ? strtod(argv[2], NULL) : 5.0;
    if (hz <= 0 || hz > 100000 || !(secs > 0)) {
        fprintf(stderr, "usage: wake [HZ [SECONDS]]\n");
        return 2;
    }
    long n = (long)(hz * secs);
    long period_ns = 1000000000L / hz;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    double cpu0 = now_s(CLOCK_PROCESS_CPUTIME_ID), wall0 = now_s(CLOCK_MONOTONIC);
    for (long i = 0; i < n; i++) {
        next.tv_nsec += period_ns;
        while (next.tv_nsec >= 1000000000L) {
            next.tv_nsec -= 1000000000L;
            next.tv_sec++;
        }
        int rc;
        while ((rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL)) == EINTR)
            ;
        if (rc) {
            fprintf(stderr, "wake: clock_nanosleep failed (%d)\n", rc);
            return 1;
        }
    }
    double cpu = now_s(CLOCK_PROCESS_CPUTIME_ID) - cpu0, wall = now_s(CLOCK_MONOTONIC) - wall0;
    printf("wake hz=%ld wakeups=%ld wall_s=%.3f cpu_s=%.6f ns_per_wakeup=%.0f\n", hz, n, wall, cpu,
           cpu * 1e9 / (double)n);
    return 0;
}
