/*
 * wl pagefault MIB ROUNDS: map MIB MiB of anonymous memory, write one word
 * in every page (one page fault and at least one TLB refill each), read them
 * all back, unmap; ROUNDS times. The page-fault-heavy workload: almost all
 * of its time is the guest kernel's fault path and TLB maintenance.
 */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "wl.h"

int cmd_pagefault(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: wl pagefault MIB ROUNDS\n");
        return 2;
    }
    uint64_t mib = wl_arg_u64("pagefault", argv[1]), rounds = wl_arg_u64("pagefault", argv[2]);
    size_t len = (size_t)mib << 20, page = (size_t)sysconf(_SC_PAGESIZE), bad = 0;
    uint64_t t0 = wl_now_ns();
    for (uint64_t r = 0; r < rounds; r++) {
        char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            perror("wl pagefault: mmap");
            return 1;
        }
        for (size_t off = 0; off < len; off += page)
            *(volatile uint32_t *)(p + off) = (uint32_t)(off ^ r);
        for (size_t off = 0; off < len; off += page)
            bad += *(volatile uint32_t *)(p + off) != (uint32_t)(off ^ r);
        munmap(p, len);
    }
    uint64_t ns = wl_now_ns() - t0;
    uint64_t faults = rounds * (len / page);
    printf("pagefault pages=%llu check=%s elapsed_ns=%llu ns_per_page=%.1f\n", (unsigned long long)faults,
           bad ? "FAIL" : "ok", (unsigned long long)ns, faults ? (double)ns / (double)faults : 0.0);
    return bad ? 1 : 0;
}
