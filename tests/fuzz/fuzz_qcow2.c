/*
 * Fuzzing the qcow2 backend (devices/block/qcow2*.c) with hostile images: the input is one
 * flags byte, an 8-byte seed for the requests, then the image file. It is opened as qcow2,
 * read-only or read-write (the flags), its first 2 MiB read, then a dozen requests of the
 * seed's choice (read, write, discard, write-zeroes, flush) run and the image is closed.
 * Header, L1, L2 and refcount tables, compressed descriptors and the backing file's name are
 * all the input's: an open fails with -errno and one line naming the file, a request returns
 * 0 or -errno, and nothing touches memory it should not (ASan, UBSan). A backing file the
 * image names relatively is looked up beside it, where fuzz-base.raw (1 MiB) lies.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/block/block.h"

#define KIB 1024u

static char dir[64], path[96];
static uint8_t buf[256 * KIB];

static uint64_t rng(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void write_file(const char *p, const void *d, size_t n)
{
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, d, n) != (ssize_t)n)
        abort();
    close(fd);
}

static void cleanup(void)
{
    char base[128];
    snprintf(base, sizeof(base), "%s/fuzz-base.raw", dir);
    unlink(base);
    unlink(path);
    rmdir(dir);
}

static void setup(void)
{
    /* in memory if the host has a tmpfs there: the images are flushed (fdatasync) all the time */
    struct stat st;
    const char *tmp = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0 ? "/dev/shm"
                                                                                                       : "/tmp";
    snprintf(dir, sizeof(dir), "%s/mvisor-fuzz-qcow2.%d", tmp, (int)getpid());
    if (mkdir(dir, 0700) < 0)
        abort();
    char base[128];
    snprintf(base, sizeof(base), "%s/fuzz-base.raw", dir);
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(i * 13 + (i >> 12));
    int fd = open(base, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    for (int i = 0; i < 4; i++)
        if (fd < 0 || write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
            abort();
    close(fd);
    snprintf(path, sizeof(path), "%s/img.qcow2", dir);
    atexit(cleanup);
}

static void check(int r, const char *what)
{
    if (r > 0) {
        fprintf(stderr, "fuzz_qcow2: %s returned %d\n", what, r);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!path[0])
        setup();
    if (size < 9)
        return 0;
    uint8_t flags = data[0];
    uint64_t seed;
    memcpy(&seed, data + 1, 8);
    write_file(path, data + 9, size - 9);
    struct blk *b;
    char err[512] = "";
    struct blk_open_opts o = {.path = path, .format = BLK_FORMAT_QCOW2, .readonly = flags & 1,
                              .cache = flags & 2 ? BLK_CACHE_UNSAFE : BLK_CACHE_WRITEBACK};
    int r = blk_open(&o, &b, err, sizeof(err));
    if (r) {
        if (r > 0 || !err[0] || strchr(err, '\n') || !strstr(err, path)) {
            fprintf(stderr, "fuzz_qcow2: open failed (%d) without one line naming the file: '%s'\n", r, err);
            abort();
        }
        return 0;
    }
    uint64_t span = b->size < 2048 * KIB ? b->size : 2048 * KIB;
    for (uint64_t off = 0; off + 64 * KIB <= span; off += 64 * KIB)
        check(b->ops->read(b, off, buf, 64 * KIB), "read");
    uint64_t sectors = b->size / BLK_SECTOR;
    for (int i = 0; i < 12 && sectors > 0; i++) {
        uint64_t s = rng(&seed) % sectors, ns = 1 + rng(&seed) % 256;
        if (s + ns > sectors)
            ns = sectors - s;
        uint64_t off = s * BLK_SECTOR, len = ns * BLK_SECTOR;
        switch (rng(&seed) % 5) {
        case 0: check(b->ops->read(b, off, buf, len), "read"); break;
        case 1: check(b->ops->write(b, off, buf, len), "write"); break;
        case 2: check(b->ops->discard(b, off, len), "discard"); break;
        case 3: check(b->ops->write_zeroes(b, off, len, rng(&seed) & 1), "write-zeroes"); break;
        default: check(b->ops->flush(b), "flush"); break;
        }
    }
    blk_close(b);
    return 0;
}
