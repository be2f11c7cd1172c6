/*
 * Memory workload for the balloon suite (a static MIPS program in the test initramfs):
 *
 *   memtouch zero MIB        faults in MIB of fresh anonymous memory by writing one byte per
 *                            page and counts the pages whose other bytes are not all zero
 *                            (with init_on_free=1 the kernel does not clear a page it hands
 *                            out: it relies on free pages being zero, so a reported page that
 *                            came back dirty shows here)
 *   memtouch hold MIB        fills MIB and exits, so the guest's allocator frees it
 *   memtouch sum MIB SEED PASSES
 *                            fills MIB with a xorshift32 stream from SEED, then reads it back
 *                            PASSES times; prints the checksum (h = h * 31 + word over the
 *                            little-endian words) and whether every pass saw the stream
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define PAGE 4096

static uint8_t *map(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("memtouch: mmap");
        exit(2);
    }
    return p;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: memtouch zero|hold|sum MIB [SEED PASSES]\n");
        return 2;
    }
    size_t bytes = (size_t)strtoul(argv[2], NULL, 10) << 20;
    uint8_t *m = map(bytes);
    if (!strcmp(argv[1], "zero")) {
        size_t bad = 0;
        for (size_t off = 0; off < bytes; off += PAGE) {
            m[off] = 0x5a;
            for (size_t i = 1; i < PAGE; i++)
                if (m[off + i]) {
                    bad++;
                    break;
                }
        }
        printf("zero %s MiB nonzero-pages %zu\n", argv[2], bad);
        return 0;
    }
    if (!strcmp(argv[1], "hold")) {
        memset(m, 0x3c, bytes);
        printf("hold %s MiB done\n", argv[2]);
        return 0;
    }
    if (!strcmp(argv[1], "sum") && argc == 5) {
        uint32_t seed = (uint32_t)strtoul(argv[3], NULL, 10), s = seed, h = 0;
        unsigned passes = (unsigned)strtoul(argv[4], NULL, 10), good = 0;
        uint32_t *w = (uint32_t *)(void *)m;
        size_t n = bytes / 4;
        for (size_t i = 0; i < n; i++) {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            w[i] = s;
        }
        for (unsigned p = 0; p < passes; p++) {
            uint32_t hp = 0, t = seed;
            int same = 1;
            for (size_t i = 0; i < n; i++) {
                t ^= t << 13;
                t ^= t >> 17;
                t ^= t << 5;
                same &= w[i] == t;
                hp = hp * 31 + w[i];
            }
            good += same;
            h = hp;
        }
        printf("sum %s MiB seed %s checksum %08x passes %u/%u\n", argv[2], argv[3], h, good, passes);
        return 0;
    }
    fprintf(stderr, "memtouch: unknown mode %s\n", argv[1]);
    return 2;
}
