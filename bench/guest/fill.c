/*
 * wl fill MIB FILE: writes MIB MiB of a fixed pseudo-random pattern (a
 * 32-bit xorshift stream) to FILE, or to stdout with '-', in 64 KiB writes.
 * In the guest FILE is on tmpfs and md5sum reads it back: page allocation,
 * copies through the page cache, and a CPU-bound digest. The host runs the
 * native build into md5sum to know the digest the guest must print.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "wl.h"

#define CHUNK (64 * 1024)

int cmd_fill(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: wl fill MIB FILE|-\n");
        return 2;
    }
    uint64_t mib = wl_arg_u64("fill", argv[1]);
    int fd = strcmp(argv[2], "-") ? open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644) : 1;
    if (fd < 0) {
        perror("wl fill: open");
        return 1;
    }
    static uint32_t buf[CHUNK / 4];
    uint32_t x = 0x9E3779B9u;
    for (uint64_t c = 0; c < mib * (1024 * 1024 / CHUNK); c++) {
        for (size_t i = 0; i < CHUNK / 4; i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            buf[i] = x;
        }
        for (size_t off = 0; off < CHUNK;) {
            ssize_t w = write(fd, (char *)buf + off, CHUNK - off);
            if (w <= 0) {
                perror("wl fill: write");
                return 1;
            }
            off += (size_t)w;
        }
    }
    if (fd != 1 && close(fd) < 0) {
        perror("wl fill: close");
        return 1;
    }
    return 0;
}
