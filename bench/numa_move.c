/*
 * The cost of the NUMA policy's page moves, apart from any guest: a VM of two vCPUs (two software
 * TLBs, every entry filled, as a running guest keeps them) on a 2-node machine, its pages first
 * touched on node 0, then moved to node 1 by the policy's own calls, one page at a time
 * (numa_migrate_to, what each move of a round cost before batching) and a round's worth at a
 * time (numa_migrate_batch, what a policy round now makes), for pages scattered over the VM
 * and for a run of consecutive pages. A second thread keeps reading the
 * RAM view meanwhile, as the VM's other vCPU thread and I/O threads do in a real run: the host's
 * own TLB shootdown of a remapped view page then has another CPU to reach.
 *
 * Prints, per mode, the host (wall) and thread-CPU microseconds per move: median, min, max over
 * the rounds. Usage: numa_move [rounds] [pages-per-round]
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "numa/internal.h"
#include "shadow-mmu/shadow_mmu.h"

#define CANON 0x80000000ull

static struct machmem mm;
static struct pmap pm;
static struct stlb *tlb[2];
static atomic_bool stop;

static uint64_t clock_ns(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *reader(void *arg)
{
    uint32_t pages = *(uint32_t *)arg;
    volatile uint64_t sum = 0;
    while (!atomic_load_explicit(&stop, memory_order_relaxed))
        for (uint32_t g = 0; g < pages; g += 7)
            sum += pm.view[((size_t)g << MACH_PAGE_BITS) + 64];
    return NULL;
}

/* Every entry of both software TLBs mapping some page of the VM, as a running guest leaves them. */
static void fill_all(uint32_t pages)
{
    for (int i = 0; i < 2; i++)
        for (uint32_t g = 0; g < pages && g < STLB_SIZE; g++)
            stlb_fill(tlb[i], MMU_KERNEL, (gva_t)(CANON + ((uint64_t)g << MACH_PAGE_BITS)),
                      pm.view + ((size_t)g << MACH_PAGE_BITS), pmap_ppn(&pm, g), true);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *name, uint64_t *wall, uint64_t *cpu, unsigned rounds, unsigned per)
{
    qsort(wall, rounds, sizeof(*wall), cmp_u64);
    qsort(cpu, rounds, sizeof(*cpu), cmp_u64);
    printf("%-28s us/move wall median %.1f (%.1f-%.1f)  cpu median %.1f (%.1f-%.1f)\n", name,
           wall[rounds / 2] / 1e3 / per, wall[0] / 1e3 / per, wall[rounds - 1] / 1e3 / per, cpu[rounds / 2] / 1e3 / per,
           cpu[0] / 1e3 / per, cpu[rounds - 1] / 1e3 / per);
}

int main(int argc, char **argv)
{
    unsigned rounds = argc > 1 ? (unsigned)atoi(argv[1]) : 21;
    unsigned per = argc > 2 ? (unsigned)atoi(argv[2]) : NUMA_MOVES_PER_ROUND;
    if (rounds < 1 || per < 1 || per > 1024) {
        fprintf(stderr, "numa_move: rounds >= 1, pages-per-round 1..1024\n");
        return 1;
    }
    uint32_t pages = per * 4;
    struct numa_config cfg = {.nodes = 2, .cpus_per_node = 1, .local_ns = 300, .remote_ns = 900,
                              .policy = NUMA_POLICY_MIGRATE, .sample = 1};
    if (machmem_init(&mm, (uint64_t)pages * 64 * MACH_PAGE_SIZE) < 0 || numa_create(&mm, &cfg) < 0 ||
        pmap_init(&pm, &mm, (uint64_t)pages * MACH_PAGE_SIZE, CANON) < 0) {
        fprintf(stderr, "numa_move: no pool\n");
        return 1;
    }
    struct numa_vm *nv = numa_vm_attach(&mm, &pm, 0, -1);
    for (int i = 0; i < 2; i++) {
        tlb[i] = calloc(1, sizeof(*tlb[i]));
        stlb_flush_all(tlb[i]);
        pmap_attach_stlb(&pm, tlb[i]);
        numa_vm_add_stlb(nv, tlb[i]);
    }
    machmem_set_thread_node(0);
    for (uint32_t g = 0; g < pages; g++)
        memset(pmap_page(&pm, g, true, NULL), (int)g, MACH_PAGE_SIZE);
    pthread_t th;
    pthread_create(&th, NULL, reader, &pages);
    uint64_t *wall = calloc(rounds, sizeof(*wall)), *cpu = calloc(rounds, sizeof(*cpu));
    uint32_t *gpfns = calloc(per, sizeof(*gpfns));
    unsigned *nodes = calloc(per, sizeof(*nodes));
    for (int mode = 0; mode < 4; mode++) {
        unsigned stride = mode < 2 ? 2 : 1;
        for (unsigned r = 0; r < rounds; r++) {
            /* every other page of a stretch (scattered: no two pages of the batch adjacent), or
             * one run of consecutive pages (a file's pages, which a guest often has in runs),
             * each to the other node than the one it is on */
            uint32_t base = (r % 2) * 2 * per;
            for (unsigned i = 0; i < per; i++) {
                gpfns[i] = base + stride * i + (stride == 2 ? (r / 2) % 2 : 0);
                nodes[i] = machmem_info(&mm, pmap_lookup(&pm, gpfns[i], NULL)).node ^ 1;
            }
            fill_all(pages);
            uint64_t w0 = clock_ns(CLOCK_MONOTONIC), c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
            if (mode % 2 == 0) {
                for (unsigned i = 0; i < per; i++)
                    numa_migrate_to(nv, gpfns[i], nodes[i]);
            } else {
                numa_migrate_batch(nv, gpfns, nodes, per);
            }
            cpu[r] = clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
            wall[r] = clock_ns(CLOCK_MONOTONIC) - w0;
            for (unsigned i = 0; i < per; i++) {
                const uint8_t *h = pm.view + ((size_t)gpfns[i] << MACH_PAGE_BITS);
                if (h[0] != (uint8_t)gpfns[i] || h[MACH_PAGE_SIZE - 1] != (uint8_t)gpfns[i] ||
                    machmem_info(&mm, pmap_lookup(&pm, gpfns[i], NULL)).node != nodes[i]) {
                    fprintf(stderr, "numa_move: page %u lost its bytes or its node\n", gpfns[i]);
                    return 1;
                }
            }
        }
        static const char *const names[] = {"scattered, one at a time", "scattered, a round at once",
                                            "a run, one at a time", "a run, a round at once"};
        report(names[mode], wall, cpu, rounds, per);
    }
    atomic_store(&stop, true);
    pthread_join(th, NULL);
    const struct numa_stats *st = numa_stats_of(mm.numa);
    printf("migrations %llu, failed %llu, software-TLB entries shot down %llu\n",
           (unsigned long long)atomic_load(&st->migrations), (unsigned long long)atomic_load(&st->moves_failed),
           (unsigned long long)atomic_load(&st->shootdowns));
    return 0;
}
