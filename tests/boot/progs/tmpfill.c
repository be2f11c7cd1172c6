/*
 * Memory workload for the boot suite: fills a directory (a size-limited tmpfs) with a
 * pseudo-random byte stream until the file system is full, then reads everything back and
 * checks it. tmpfs keeps its data in the guest's page cache, so this touches every page
 * of the given size through the guest's allocator and the monitor's memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CHUNK 65536

static uint32_t state;

static void fill(uint8_t *buf, size_t n)
{
    for (size_t i = 0; i < n; i += 4) {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        memcpy(buf + i, &state, 4);
    }
}

int main(int argc, char **argv)
{
    char path[256];
    static uint8_t buf[CHUNK], got[CHUNK];
    snprintf(path, sizeof(path), "%s/fill", argc > 1 ? argv[1] : "/tmp");
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);
    if (fd < 0) {
        perror(path);
        return 1;
    }
    long long written = 0;
    int err = 0;
    state = 2463534242u;
    for (;;) {
        fill(buf, CHUNK);
        ssize_t w = write(fd, buf, CHUNK);
        if (w < 0) {
            err = errno;
            break;
        }
        written += w;
        if (w < CHUNK) {
            /* a short write is the last that fits; the next one reports why */
            if (write(fd, buf + w, CHUNK - (size_t)w) < 0)
                err = errno;
            break;
        }
    }
    if (lseek(fd, 0, SEEK_SET) != 0) {
        perror("lseek");
        return 1;
    }
    state = 2463534242u;
    long long verified = 0, bad = 0;
    while (verified < written) {
        fill(buf, CHUNK);
        ssize_t r = read(fd, got, CHUNK);
        if (r <= 0)
            break;
        if (memcmp(buf, got, (size_t)r))
            bad++;
        verified += r;
    }
    close(fd);
    unlink(path);
    printf("tmpfill written=%lld verified=%lld bad-chunks=%lld stopped-by=%s\n", written, verified, bad,
           err == ENOSPC ? "ENOSPC" : strerror(err));
    return bad != 0 || verified != written;
}
