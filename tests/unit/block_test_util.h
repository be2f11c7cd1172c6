/*
 * Helpers of the disk-image unit tests (tests/unit/test_block_*.c): a scratch folder, shell
 * commands (qemu-img is the outside oracle), an in-memory model of the disk that a random
 * workload of reads, writes, write-zeroes and discards is checked against byte for byte, and
 * the comparison of an image as qemu-img reads it with the model.
 *
 * Each test binary includes this once; everything is static.
 */
#ifndef MVISOR_BLOCK_TEST_UTIL_H
#define MVISOR_BLOCK_TEST_UTIL_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "devices/block/block.h"

/* not every test uses every helper */
#define BT_FN static __attribute__((unused))

static char bt_dir[64];

static int bt_setup_in(const char *base)
{
    snprintf(bt_dir, sizeof(bt_dir), "%s/mvisor-test-block-XXXXXX", base);
    assert_non_null(mkdtemp(bt_dir));
    return 0;
}

/* Scratch space in memory when the host has /dev/shm: thousands of fdatasyncs cost nothing
 * there (what a crash keeps is simulated above the file, not by the host). */
BT_FN int bt_setup(void **state)
{
    (void)state;
    return bt_setup_in(access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
}

/* On a disk file system: O_DIRECT, real hole punching. */
BT_FN int bt_setup_disk(void **state)
{
    (void)state;
    return bt_setup_in("/tmp");
}

BT_FN int bt_teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", bt_dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

/* A path in the scratch folder (a few rotating buffers). */
BT_FN const char *bt_path(const char *name)
{
    static char bufs[8][256];
    static unsigned next;
    char *p = bufs[next++ % 8];
    snprintf(p, 256, "%s/%s", bt_dir, name);
    return p;
}

/* Runs a shell command, its output into out (when given, up to outlen); the exit status. */
BT_FN int bt_sh_out(char *out, size_t outlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
BT_FN int bt_sh_out(char *out, size_t outlen, const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    char full[2200];
    snprintf(full, sizeof(full), "%s 2>&1", cmd);
    FILE *f = popen(full, "r");
    assert_non_null(f);
    char sink[4096];
    size_t n = 0;
    if (!out) {
        out = sink;
        outlen = sizeof(sink);
    }
    out[0] = 0;
    size_t got;
    while ((got = fread(out + n, 1, outlen - 1 - n, f)) > 0) {
        n += got;
        if (n >= outlen - 1)
            n = 0; /* keep the tail only */
    }
    out[n] = 0;
    int st = pclose(f);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

#define bt_sh(...) bt_sh_out(NULL, 0, __VA_ARGS__)

/* qemu-img check: its exit status (0 clean, 3 leaks only, 2 corrupt); the report on failure. */
BT_FN int bt_qemu_check(const char *img)
{
    char out[8192];
    int rc = bt_sh_out(out, sizeof(out), "qemu-img check '%s'", img);
    if (rc != 0 && rc != 3)
        print_message("qemu-img check %s: exit %d\n%s\n", img, rc, out);
    return rc;
}

BT_FN uint64_t bt_rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

BT_FN void bt_fill_random(uint8_t *p, size_t n, uint64_t *seed)
{
    for (size_t i = 0; i < n; i++) {
        if (i % 8 == 0)
            bt_rng(seed);
        p[i] = (uint8_t)(*seed >> (8 * (i % 8)));
    }
}

BT_FN void bt_write_file(const char *path, const void *data, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, n), (ssize_t)n);
    close(fd);
}

BT_FN uint8_t *bt_read_file(const char *path, size_t *n)
{
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    uint8_t *p = malloc((size_t)st.st_size + 1);
    assert_non_null(p);
    assert_int_equal(pread(fd, p, (size_t)st.st_size, 0), st.st_size);
    close(fd);
    *n = (size_t)st.st_size;
    return p;
}

/* The disk as it should read: bytes, and which of them a discard made undefined. */
struct bt_model {
    uint64_t size;
    uint8_t *data;
    uint8_t *undef;
};

BT_FN void bt_model_init(struct bt_model *m, uint64_t size, const uint8_t *initial)
{
    m->size = size;
    m->data = calloc(1, size);
    m->undef = calloc(1, size);
    assert_non_null(m->data);
    assert_non_null(m->undef);
    if (initial)
        memcpy(m->data, initial, size);
}

BT_FN void bt_model_free(struct bt_model *m)
{
    free(m->data);
    free(m->undef);
}

/* Compares buf (the disk's [off, off + len)) with the model; the first difference fails. */
BT_FN void bt_model_check(const struct bt_model *m, uint64_t off, const uint8_t *buf, size_t len,
                           const char *what)
{
    for (size_t i = 0; i < len; i++) {
        if (m->undef[off + i] || m->data[off + i] == buf[i])
            continue;
        fail_msg("%s: byte 0x%llx reads 0x%02x, the model says 0x%02x", what,
                 (unsigned long long)(off + i), buf[i], m->data[off + i]);
    }
}

BT_FN void bt_open(const char *path, enum blk_format fmt, bool ro, enum blk_cache cache,
                    struct blk **b)
{
    char err[512];
    struct blk_open_opts o = { .path = path, .format = fmt, .readonly = ro, .cache = cache };
    int r = blk_open(&o, b, err, sizeof(err));
    if (r)
        fail_msg("blk_open %s: %d %s", path, r, err);
}

/* Reads the whole disk through b and checks it against the model. */
BT_FN void bt_check_all(struct blk *b, const struct bt_model *m, const char *what)
{
    assert_int_equal(b->size, m->size);
    uint8_t *buf = malloc(m->size);
    assert_non_null(buf);
    assert_int_equal(b->ops->read(b, 0, buf, m->size), 0);
    bt_model_check(m, 0, buf, m->size, what);
    free(buf);
}

/* qemu-img's reading of img (converted to raw) against the model. */
BT_FN void bt_check_qemu_reads(const char *img, const struct bt_model *m)
{
    const char *raw = bt_path("qemu-view.raw");
    assert_int_equal(bt_sh("qemu-img convert -O raw '%s' '%s'", img, raw), 0);
    size_t n;
    uint8_t *p = bt_read_file(raw, &n);
    assert_int_equal(n, m->size);
    bt_model_check(m, 0, p, n, "qemu-img's view");
    free(p);
}

/* Our whole-disk reading of b written out as a raw file, and qemu-img compare with img: the
 * two readers agree on every byte (discarded ones included). */
BT_FN void bt_compare_with_qemu(struct blk *b, const char *img)
{
    const char *ours = bt_path("our-view.raw");
    uint8_t *buf = malloc(b->size ? b->size : 1);
    assert_non_null(buf);
    assert_int_equal(b->ops->read(b, 0, buf, b->size), 0);
    bt_write_file(ours, buf, b->size);
    free(buf);
    char out[2048];
    int rc = bt_sh_out(out, sizeof(out), "qemu-img compare -f raw -F qcow2 '%s' '%s'", ours, img);
    if (rc)
        print_message("%s\n", out);
    assert_int_equal(rc, 0);
}

struct bt_workload {
    unsigned ops;
    unsigned max_sectors;    /* longest request */
    bool discards;           /* also discards and write-zeroes */
    bool reopen;             /* sometimes close and open again */
    bool discard_zeroes;     /* a discarded range reads as zeroes (raw's holes) */
    const char *path;        /* for reopen */
    enum blk_format fmt;
    enum blk_cache cache;
    bool scatter;            /* reads and writes through blk_readv / blk_writev, the buffer cut
                                into 1-8 pieces at random byte offsets (a device's iovec) */
};

/* buf as up to 8 iovec pieces cut at random byte offsets (or, half the time, at 4 KiB multiples:
 * what O_DIRECT takes without a bounce when buf, offset and length are aligned too); returns how
 * many. */
BT_FN int bt_scatter(uint8_t *buf, size_t len, struct iovec *v, uint64_t *seed)
{
    int n = 1 + (int)(bt_rng(seed) % 8);
    size_t at = 0, unit = bt_rng(seed) % 2 ? 4096 : 1;
    for (int i = 0; i < n; i++) {
        size_t left = len - at, piece = left;
        if (i < n - 1 && left)
            piece = (size_t)(bt_rng(seed) % (left + 1)) / unit * unit;
        v[i] = (struct iovec){.iov_base = buf + at, .iov_len = piece};
        at += piece;
    }
    return n;
}

/* n random operations on *b, each checked against (and applied to) the model. */
BT_FN void bt_run_workload(struct blk **bp, struct bt_model *m, const struct bt_workload *w,
                            uint64_t seed)
{
    uint64_t sectors = m->size / BLK_SECTOR;
    uint8_t *buf = NULL;
    assert_int_equal(posix_memalign((void **)&buf, 4096, (size_t)w->max_sectors * BLK_SECTOR + 4096), 0);
    for (unsigned i = 0; i < w->ops; i++) {
        struct blk *b = *bp;
        unsigned op = (unsigned)(bt_rng(&seed) % 100);
        uint64_t ns = 1 + bt_rng(&seed) % w->max_sectors;
        /* bias towards cluster-ish boundaries: sometimes start on a 64 KiB multiple */
        uint64_t s = bt_rng(&seed) % sectors;
        if (bt_rng(&seed) % 4 == 0)
            s &= ~127ull;
        if (w->scatter && bt_rng(&seed) % 2) { /* whole 4 KiB blocks */
            s &= ~7ull;
            ns = (ns + 7) & ~7ull;
        }
        if (s + ns > sectors)
            ns = sectors - s;
        uint64_t off = s * BLK_SECTOR, len = ns * BLK_SECTOR;
        if (op < 45) {
            bt_fill_random(buf, len, &seed);
            struct iovec v[8];
            if (w->scatter)
                assert_int_equal(blk_writev(b, off, v, bt_scatter(buf, len, v, &seed), len), 0);
            else
                assert_int_equal(b->ops->write(b, off, buf, len), 0);
            memcpy(m->data + off, buf, len);
            memset(m->undef + off, 0, len);
        } else if (op < 75) {
            struct iovec v[8];
            memset(buf, 0xA5, len);
            if (w->scatter)
                assert_int_equal(blk_readv(b, off, v, bt_scatter(buf, len, v, &seed), len), 0);
            else
                assert_int_equal(b->ops->read(b, off, buf, len), 0);
            bt_model_check(m, off, buf, len, "read");
        } else if (op < 83 && w->discards) {
            bool unmap = bt_rng(&seed) & 1;
            assert_int_equal(b->ops->write_zeroes(b, off, len, unmap), 0);
            memset(m->data + off, 0, len);
            memset(m->undef + off, 0, len);
        } else if (op < 90 && w->discards) {
            assert_int_equal(b->ops->discard(b, off, len), 0);
            if (w->discard_zeroes)
                memset(m->data + off, 0, len);
            memset(m->undef + off, !w->discard_zeroes, len);
        } else if (op < 97) {
            assert_int_equal(b->ops->flush(b), 0);
        } else if (w->reopen) {
            blk_close(b);
            bt_open(w->path, w->fmt, false, w->cache, bp);
        }
    }
    free(buf);
}

#endif
