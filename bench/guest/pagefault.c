/*
 * wl pagefault MIB [CHUNK_MIB]: touch MIB MiB of fresh anonymous memory, mapped CHUNK_MIB
 * (default 16) at a time: write one word in every page (a page fault and at least one TLB
 * refill each), read them all back, unmap. The page-fault-heavy workload: almost all of its
 * time is the guest kernel's fault path and TLB maintenance, and the chunks keep it small
 * enough for any guest memory size.
 */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "wl.h"

int cmd_pagefault(int argc, char **argv)
{
    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: wl pagefault MIB [CHUNK_MIB]\n");
        return 2;
    }
    uint64_t mib = wl_arg_u64("pagefault", argv[1]);
    uint64_t chunk_mib = argc > 2 ? wl_arg_u64("pagefault", argv[2]) : 16;
    if (chunk_mib == 0) {
        fprintf(stderr, "wl pagefault: CHUNK_MIB must be positive\n");
        return 2;
    }
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    uint64_t pages = 0, bad = 0;
    uint64_t t0 = wl_now_ns();
    for (uint64_t done = 0, r = 0; done < mib; r++) {
        uint64_t n = mib - done < chunk_mib ? mib - done : chunk_mib;
        size_t len = (size_t)n << 20;
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
        pages += len / page;
        done += n;
    }
    uint64_t ns = wl_now_ns() - t0;
    printf("pagefault pages=%llu check=%s elapsed_ns=%llu ns_per_page=%.1f\n", (unsigned long long)pages,
           bad ? "FAIL" : "ok", (unsigned long long)ns, pages ? (double)ns / (double)pages : 0.0);
    return bad ? 1 : 0;
}
