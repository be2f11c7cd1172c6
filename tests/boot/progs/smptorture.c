/*
 * smptorture: what two CPUs running at once must get right, each check between two processes
 * pinned to CPU 0 and CPU 1 (sched_setaffinity) over shared memory (tests/boot/run.sh, smp-threads):
 *
 *   smptorture atomics N   each process adds 1 N times to four counters: a hand-written ll/sc
 *                          loop, C11 atomic_fetch_add, a C11 compare-exchange loop, and a plain
 *                          counter under a process-shared pthread mutex (a futex); every total
 *                          must be exactly 2N.
 *   smptorture litmus N    store buffering: CPU 0 stores x then loads y, CPU 1 stores y then loads
 *                          x, N times each, without and with `sync` between the store and the
 *                          load; prints how often each outcome (r0, r1) occurred. With sync the
 *                          outcome (0, 0) is forbidden; without it TSO hosts may show it.
 *   smptorture smc K       CPU 1 keeps calling a function in a shared executable page; CPU 0
 *                          rewrites it K times (a new constant each time), flushing the caches
 *                          with cacheflush(2), and waits until CPU 1's calls return the new
 *                          constant: a stale translation on CPU 1 never does.
 *
 * Each prints one line per check ending in "exact", "ok" or "WRONG"/"FAILED", and exits 0 only
 * if all passed.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/cachectl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set)) {
        perror("smptorture: sched_setaffinity");
        _exit(3);
    }
}

static void *shared(size_t len, int prot)
{
    void *p = mmap(NULL, len, prot, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("smptorture: mmap");
        exit(2);
    }
    return p;
}

/* Runs fn(cpu, arg) in two children pinned to CPUs 0 and 1; true if both exited 0. */
static int run_pair(void (*fn)(int, void *), void *arg)
{
    for (int cpu = 0; cpu < 2; cpu++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("smptorture: fork");
            exit(2);
        }
        if (pid == 0) {
            pin(cpu);
            fn(cpu, arg);
            _exit(0);
        }
    }
    int ok = 1, st;
    while (wait(&st) > 0)
        ok &= WIFEXITED(st) && WEXITSTATUS(st) == 0;
    return ok;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- atomics ---- */

struct counters {
    unsigned llsc;
    atomic_uint fetch_add, cas;
    unsigned locked;
    pthread_mutex_t mu;
    long n;
};

static void llsc_inc(unsigned *p)
{
    unsigned t;
    __asm__ __volatile__(".set push\n.set noreorder\n"
                         "1: ll %0, %1\n"
                         "   addiu %0, %0, 1\n"
                         "   sc %0, %1\n"
                         "   beqz %0, 1b\n"
                         "   nop\n"
                         ".set pop\n"
                         : "=&r"(t), "+m"(*p)
                         :
                         : "memory");
}

static void atomics_body(int cpu, void *arg)
{
    struct counters *c = arg;
    (void)cpu;
    for (long i = 0; i < c->n; i++) {
        llsc_inc(&c->llsc);
        atomic_fetch_add_explicit(&c->fetch_add, 1, memory_order_relaxed);
        unsigned old = atomic_load_explicit(&c->cas, memory_order_relaxed);
        while (!atomic_compare_exchange_weak(&c->cas, &old, old + 1))
            ;
        if ((i & 7) == 0) {
            pthread_mutex_lock(&c->mu);
            c->locked++;
            pthread_mutex_unlock(&c->mu);
        }
    }
}

static int atomics(long n)
{
    struct counters *c = shared(sizeof(*c), PROT_READ | PROT_WRITE);
    memset(c, 0, sizeof(*c));
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(&c->mu, &ma);
    c->n = n;
    int ok = run_pair(atomics_body, c);
    unsigned want = (unsigned)(2 * n), want_locked = (unsigned)(2 * ((n + 7) / 8));
    struct { const char *name; unsigned got, want; } r[] = {
        {"ll/sc", c->llsc, want},
        {"atomic_fetch_add", atomic_load(&c->fetch_add), want},
        {"compare-exchange", atomic_load(&c->cas), want},
        {"futex mutex", c->locked, want_locked},
    };
    for (unsigned i = 0; i < 4; i++) {
        int exact = ok && r[i].got == r[i].want;
        printf("torture %s: %u of %u %s\n", r[i].name, r[i].got, r[i].want, exact ? "exact" : "WRONG");
        ok &= exact;
    }
    return ok;
}

/* ---- store-buffering litmus ---- */

#define CHUNK 1000

struct litmus {
    atomic_int arrive[2]; /* a two-party barrier: each side counts its arrivals */
    int x[CHUNK], y[CHUNK], r0[CHUNK], r1[CHUNK];
    int use_sync;
    long chunks;
    long tally[4]; /* outcomes, by r0 * 2 + r1 */
};

static void barrier(struct litmus *l, int cpu, int *round)
{
    ++*round;
    atomic_store(&l->arrive[cpu], *round);
    while (atomic_load(&l->arrive[!cpu]) < *round)
        ;
}

static void litmus_body(int cpu, void *arg)
{
    struct litmus *l = arg;
    int round = 0;
    for (long c = 0; c < l->chunks; c++) {
        barrier(l, cpu, &round); /* the other side has reset the arrays */
        if (cpu == 0) {
            for (int i = 0; i < CHUNK; i++) {
                *(volatile int *)&l->x[i] = 1;
                if (l->use_sync)
                    __asm__ __volatile__("sync" ::: "memory");
                l->r0[i] = *(volatile int *)&l->y[i];
            }
        } else {
            for (int i = 0; i < CHUNK; i++) {
                *(volatile int *)&l->y[i] = 1;
                if (l->use_sync)
                    __asm__ __volatile__("sync" ::: "memory");
                l->r1[i] = *(volatile int *)&l->x[i];
            }
        }
        barrier(l, cpu, &round); /* both done: CPU 0 counts, then resets */
        if (cpu == 0) {
            for (int i = 0; i < CHUNK; i++) {
                l->tally[l->r0[i] * 2 + l->r1[i]]++;
                l->x[i] = l->y[i] = 0;
            }
        }
    }
}

static int litmus(long n)
{
    int ok = 1;
    for (int s = 0; s < 2; s++) {
        struct litmus *l = shared(sizeof(*l), PROT_READ | PROT_WRITE);
        memset(l, 0, sizeof(*l));
        l->use_sync = s;
        l->chunks = (n + CHUNK - 1) / CHUNK;
        if (!run_pair(litmus_body, l)) {
            printf("litmus %s: FAILED (a child)\n", s ? "sync" : "plain");
            ok = 0;
            continue;
        }
        long *t = l->tally;
        int forbidden = s && t[0] != 0;
        printf("litmus %s: (r0,r1) = (0,0) %ld  (0,1) %ld  (1,0) %ld  (1,1) %ld %s\n", s ? "sync" : "plain", t[0],
               t[1], t[2], t[3], forbidden ? "WRONG" : "ok");
        ok &= !forbidden;
    }
    return ok;
}

/* ---- cross-CPU self-modifying code ---- */

struct smc {
    atomic_int version, ack, done;
    int rewrites;
};

static unsigned *smc_code;

static void smc_write(int k)
{
    smc_code[0] = 0x24020000u | (unsigned)k; /* addiu v0, zero, k */
    smc_code[1] = 0x03E00008u;               /* jr ra */
    smc_code[2] = 0x00000000u;               /* nop */
    if (cacheflush(smc_code, 12, BCACHE)) {
        perror("smptorture: cacheflush");
        _exit(4);
    }
}

static void smc_body(int cpu, void *arg)
{
    struct smc *s = arg;
    int (*f)(void) = (int (*)(void))(void *)smc_code;
    if (cpu == 1) {
        while (!atomic_load(&s->done)) {
            int v = f();
            if (v == atomic_load(&s->version))
                atomic_store(&s->ack, v);
        }
        return;
    }
    int k = s->rewrites;
    for (int i = 2; i <= k + 1; i++) {
        smc_write(i);
        atomic_store(&s->version, i);
        double t0 = now_s();
        while (atomic_load(&s->ack) != i) {
            if (now_s() - t0 > 20) {
                printf("smc: FAILED: CPU 1 still runs version %d of the function 20 s after version %d was "
                       "written (CPU 0 calling it gets %d; its first word reads %08x)\n", atomic_load(&s->ack), i, f(),
                       *(volatile unsigned *)smc_code);
                atomic_store(&s->done, 1);
                _exit(1);
            }
        }
    }
    atomic_store(&s->done, 1);
}

static int smc(int k)
{
    smc_code = shared(4096, PROT_READ | PROT_WRITE | PROT_EXEC);
    struct smc *s = shared(sizeof(*s), PROT_READ | PROT_WRITE);
    memset(s, 0, sizeof(*s));
    smc_write(1);
    atomic_store(&s->version, 1);
    s->rewrites = k;
    int ok = run_pair(smc_body, s);
    printf("smc: %d rewrites seen by the other CPU %s\n", k, ok ? "ok" : "FAILED");
    return ok;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: smptorture atomics N | litmus N | smc K\n");
        return 2;
    }
    long n = argc > 2 ? atol(argv[2]) : 100000;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!strcmp(argv[1], "atomics"))
        return atomics(n) ? 0 : 1;
    if (!strcmp(argv[1], "litmus"))
        return litmus(n) ? 0 : 1;
    if (!strcmp(argv[1], "smc"))
        return smc((int)n) ? 0 : 1;
    fprintf(stderr, "smptorture: unknown check %s\n", argv[1]);
    return 2;
}
