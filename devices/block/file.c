/*
 * The host-file layer under every disk backend: positional reads and writes that always move
 * the whole range (retrying short transfers, zeroes past the end of the file), O_DIRECT through
 * an aligned bounce buffer when the caller's request is not aligned (cache=none), fdatasync that
 * the flush statistics count, and hole punching with a zero-writing fallback.
 *
 * Two test devices live here too. A lossy file (the power-failure test backend) keeps every
 * write in memory until the next sync, reads see them, and a power failure drops them (or a
 * pseudo-random subset reaches the disk first). blk_fault_writes_left kills every file after a
 * number of host writes, as a kill -9 at that point would: later writes go nowhere.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/block/internal.h"

long blk_fault_writes_left = -1;
uint64_t blk_fault_seed;

struct blk_pending {
    uint64_t off;
    size_t len;
    uint8_t *data; /* NULL: zeroes */
};

static int pending_apply(struct blk_file *f, uint64_t seed);

/* The crash-injection hook: false once the budget is spent (then f is dead for good). A lossy
 * file loses power there: of its unsynced writes, a blk_fault_seed-chosen subset survives. */
static bool file_alive(struct blk_file *f)
{
    if (f->dead)
        return false;
    if (blk_fault_writes_left == 0) {
        blk_file_power_fail(f, blk_fault_seed);
        return false;
    }
    if (blk_fault_writes_left > 0)
        blk_fault_writes_left--;
    return true;
}

int blk_file_open(struct blk_file *f, const char *path, bool readonly, enum blk_cache cache,
                  bool lossy, struct blk_stats *stats, char *err, size_t errlen)
{
    memset(f, 0, sizeof(*f));
    f->fd = -1;
    f->readonly = readonly;
    f->sync_on_flush = cache != BLK_CACHE_UNSAFE;
    f->lossy = lossy;
    f->stats = stats;
    int flags = (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC;
    int fd = -1;
    if (cache == BLK_CACHE_NONE || cache == BLK_CACHE_DIRECTSYNC) {
        fd = open(path, flags | O_DIRECT);
        /* tmpfs and some others refuse O_DIRECT: the page cache it is, as QEMU's
         * cache=none would fail; we prefer running. */
        if (fd >= 0)
            f->direct = true;
        else if (errno != EINVAL)
            goto open_failed;
    }
    if (fd < 0)
        fd = open(path, flags);
    if (fd < 0)
        goto open_failed;
    f->fd = fd;
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int e = errno;
        blk_file_close(f);
        return blk_err(err, errlen, -e, "%s: %s", path, strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        blk_file_close(f);
        return blk_err(err, errlen, -EISDIR, "%s: is a directory", path);
    }
    if (S_ISBLK(st.st_mode)) {
        uint64_t sz = 0;
        if (ioctl(fd, BLKGETSIZE64, &sz) < 0) {
            int e = errno;
            blk_file_close(f);
            return blk_err(err, errlen, -e, "%s: size of the block device: %s", path, strerror(e));
        }
        f->size = sz;
    } else if (S_ISREG(st.st_mode)) {
        f->size = (uint64_t)st.st_size;
        f->regular = true;
        f->dev = (uint64_t)st.st_dev;
        f->ino = (uint64_t)st.st_ino;
        f->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
        /* root opens a file without write permission anyway; a read-only file stays so */
        if (!readonly && !(st.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH))) {
            blk_file_close(f);
            return blk_err(err, errlen, -EACCES,
                           "%s: the file is read-only (use readonly=on)", path);
        }
    } else {
        blk_file_close(f);
        return blk_err(err, errlen, -EINVAL, "%s: not a regular file or block device", path);
    }
    /* Two writers (or a writer and readers) of one image would corrupt it: flock is per open
     * file, so this also catches two drives of one monitor on the same file. */
    if (flock(fd, (readonly ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0 && errno == EWOULDBLOCK) {
        blk_file_close(f);
        return blk_err(err, errlen, -EBUSY, "%s: in use by another %s", path,
                       readonly ? "writer" : "user");
    }
    return 0;

open_failed:;
    int e = errno;
    if (!readonly && (e == EACCES || e == EROFS || e == EPERM))
        return blk_err(err, errlen, -e, "%s: cannot open for writing: %s (use readonly=on)",
                       path, strerror(e));
    return blk_err(err, errlen, -e, "%s: %s", path, strerror(e));
}

static void pending_clear(struct blk_file *f)
{
    for (size_t i = 0; i < f->n_pending; i++)
        free(f->pending[i].data);
    f->n_pending = 0;
}

void blk_file_close(struct blk_file *f)
{
    /* a clean close of a lossy file: its writes reach the host, as a process's do when it exits */
    if (f->n_pending && !f->dead)
        pending_apply(f, 0);
    pending_clear(f);
    free(f->pending);
    f->pending = NULL;
    f->cap_pending = 0;
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
}

static int raw_pread(int fd, void *buf, size_t len, uint64_t off)
{
    uint8_t *p = buf;
    while (len) {
        ssize_t n = pread(fd, p, len, (off_t)off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0) { /* end of file: the rest reads as zeroes */
            memset(p, 0, len);
            return 0;
        }
        p += n;
        off += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}

static int raw_pwrite(int fd, const void *buf, size_t len, uint64_t off)
{
    const uint8_t *p = buf;
    while (len) {
        ssize_t n = pwrite(fd, p, len, (off_t)off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            return -EIO;
        p += n;
        off += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}

static bool is_aligned(const void *buf, size_t len, uint64_t off)
{
    return ((uintptr_t)buf | len | off) % BLK_DIRECT_ALIGN == 0;
}

/* The aligned span around [off, off + len). */
static void span(uint64_t off, size_t len, uint64_t *a_off, size_t *a_len)
{
    *a_off = off & ~(uint64_t)(BLK_DIRECT_ALIGN - 1);
    uint64_t end = (off + len + BLK_DIRECT_ALIGN - 1) & ~(uint64_t)(BLK_DIRECT_ALIGN - 1);
    *a_len = (size_t)(end - *a_off);
}

static int file_read_host(struct blk_file *f, void *buf, size_t len, uint64_t off)
{
    if (!f->direct || is_aligned(buf, len, off))
        return raw_pread(f->fd, buf, len, off);
    uint64_t a_off;
    size_t a_len;
    span(off, len, &a_off, &a_len);
    void *bounce;
    if (posix_memalign(&bounce, BLK_DIRECT_ALIGN, a_len))
        return -ENOMEM;
    int r = raw_pread(f->fd, bounce, a_len, a_off);
    if (!r)
        memcpy(buf, (uint8_t *)bounce + (off - a_off), len);
    free(bounce);
    return r;
}

static int file_write_host(struct blk_file *f, const void *buf, size_t len, uint64_t off)
{
    if (!f->direct || is_aligned(buf, len, off))
        return raw_pwrite(f->fd, buf, len, off);
    uint64_t a_off;
    size_t a_len;
    span(off, len, &a_off, &a_len);
    void *bounce;
    if (posix_memalign(&bounce, BLK_DIRECT_ALIGN, a_len))
        return -ENOMEM;
    int r = 0;
    /* read-modify-write of the partial head and tail blocks */
    if (a_off != off || a_len != len)
        r = raw_pread(f->fd, bounce, a_len, a_off);
    if (!r) {
        memcpy((uint8_t *)bounce + (off - a_off), buf, len);
        /* never extend the file past what the caller wrote by more than the padding */
        r = raw_pwrite(f->fd, bounce, a_len, a_off);
        if (!r && off + len > f->size && a_off + a_len > off + len &&
            ftruncate(f->fd, (off_t)(off + len)) < 0)
            r = -errno;
    }
    free(bounce);
    return r;
}

int blk_file_pread(struct blk_file *f, void *buf, size_t len, uint64_t off)
{
    int r = file_read_host(f, buf, len, off);
    if (r || !f->n_pending)
        return r;
    /* the lossy file's unsynced writes, in order, over what the disk holds */
    for (size_t i = 0; i < f->n_pending; i++) {
        struct blk_pending *p = &f->pending[i];
        uint64_t s = p->off > off ? p->off : off;
        uint64_t e = p->off + p->len < off + len ? p->off + p->len : off + len;
        if (s >= e)
            continue;
        if (p->data)
            memcpy((uint8_t *)buf + (s - off), p->data + (s - p->off), (size_t)(e - s));
        else
            memset((uint8_t *)buf + (s - off), 0, (size_t)(e - s));
    }
    return 0;
}

/* Whether every buffer of iov (and off) suits O_DIRECT as it is. */
static bool iov_aligned(const struct iovec *iov, int n, uint64_t off)
{
    uintptr_t acc = (uintptr_t)off;
    for (int i = 0; i < n; i++)
        acc |= (uintptr_t)iov[i].iov_base | iov[i].iov_len;
    return acc % BLK_DIRECT_ALIGN == 0;
}

/* preadv / pwritev of all of v (a copy the loop may advance), IOV_MAX buffers at a time; a read
 * past the end of the file fills zeroes. */
static int raw_rwv(int fd, struct iovec *v, int n, uint64_t off, bool write)
{
    int i = 0;
    while (i < n) {
        int cnt = n - i < IOV_MAX ? n - i : IOV_MAX;
        ssize_t got = write ? pwritev(fd, v + i, cnt, (off_t)off) : preadv(fd, v + i, cnt, (off_t)off);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (got == 0) {
            if (write)
                return -EIO;
            for (; i < n; i++)
                memset(v[i].iov_base, 0, v[i].iov_len);
            return 0;
        }
        off += (uint64_t)got;
        while (i < n && (size_t)got >= v[i].iov_len) {
            got -= (ssize_t)v[i].iov_len;
            i++;
        }
        if (i < n && got) {
            v[i].iov_base = (uint8_t *)v[i].iov_base + got;
            v[i].iov_len -= (size_t)got;
        }
    }
    return 0;
}

/* The first len bytes of iov as one bounce buffer through blk_file_pread / pwrite: for O_DIRECT
 * with unaligned buffers and for the test backend's pending writes. */
static int file_bounce_v(struct blk_file *f, const struct iovec *iov, int n, size_t len, uint64_t off, bool write)
{
    void *buf = NULL;
    if (posix_memalign(&buf, BLK_DIRECT_ALIGN, len ? len : BLK_SECTOR))
        return -ENOMEM;
    int r;
    if (write) {
        blk_iov_to_buf(iov, n, 0, buf, len);
        r = blk_file_pwrite(f, buf, len, off);
    } else {
        r = blk_file_pread(f, buf, len, off);
        if (!r)
            blk_iov_from_buf(iov, n, 0, buf, len);
    }
    free(buf);
    return r;
}

static int file_rwv(struct blk_file *f, const struct iovec *iov, int n, size_t len, uint64_t off, bool write)
{
    struct iovec one[8], *v = n <= 8 ? one : malloc((size_t)n * sizeof(*v));
    if (!v)
        return -ENOMEM;
    int k = blk_iov_slice(iov, n, 0, len, v, n);
    int r;
    if (k < 0)
        r = -EINVAL;
    else if ((f->direct && !iov_aligned(v, k, off)) || f->lossy || f->n_pending)
        r = file_bounce_v(f, v, k, len, off, write);
    else
        r = raw_rwv(f->fd, v, k, off, write);
    if (v != one)
        free(v);
    return r;
}

int blk_file_preadv(struct blk_file *f, const struct iovec *iov, int n, size_t len, uint64_t off)
{
    if (n == 1 && iov[0].iov_len >= len)
        return blk_file_pread(f, iov[0].iov_base, len, off);
    return file_rwv(f, iov, n, len, off, false);
}

int blk_file_pwritev(struct blk_file *f, const struct iovec *iov, int n, size_t len, uint64_t off)
{
    if (n == 1 && iov[0].iov_len >= len)
        return blk_file_pwrite(f, iov[0].iov_base, len, off);
    if (f->readonly)
        return -EROFS;
    if (!file_alive(f))
        return 0;
    if (f->lossy)
        return file_bounce_v(f, iov, n, len, off, true);
    int r = file_rwv(f, iov, n, len, off, true);
    if (!r && off + len > f->size)
        f->size = off + len;
    return r;
}

static int pending_add(struct blk_file *f, const void *buf, size_t len, uint64_t off)
{
    if (f->n_pending == f->cap_pending) {
        size_t cap = f->cap_pending ? f->cap_pending * 2 : 64;
        struct blk_pending *p = realloc(f->pending, cap * sizeof(*p));
        if (!p)
            return -ENOMEM;
        f->pending = p;
        f->cap_pending = cap;
    }
    uint8_t *data = NULL;
    if (buf) {
        data = malloc(len ? len : 1);
        if (!data)
            return -ENOMEM;
        memcpy(data, buf, len);
    }
    f->pending[f->n_pending++] = (struct blk_pending){ off, len, data };
    return 0;
}

int blk_file_pwrite(struct blk_file *f, const void *buf, size_t len, uint64_t off)
{
    if (f->readonly)
        return -EROFS;
    if (!file_alive(f))
        return 0;
    int r = f->lossy ? pending_add(f, buf, len, off) : file_write_host(f, buf, len, off);
    if (!r && off + len > f->size)
        f->size = off + len;
    return r;
}

static int host_zero(struct blk_file *f, uint64_t off, uint64_t len, bool punch)
{
    int mode = punch ? FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE : FALLOC_FL_ZERO_RANGE;
    if (off < f->size && fallocate(f->fd, mode, (off_t)off, (off_t)len) == 0)
        return 0;
    /* no hole punching here (or a range past the end): write zeroes */
    size_t chunk = 1u << 20;
    void *z;
    if (posix_memalign(&z, BLK_DIRECT_ALIGN, chunk))
        return -ENOMEM;
    memset(z, 0, chunk);
    int r = 0;
    while (len && !r) {
        size_t n = len < chunk ? (size_t)len : chunk;
        r = file_write_host(f, z, n, off);
        off += n;
        len -= n;
    }
    free(z);
    return r;
}

int blk_file_zero(struct blk_file *f, uint64_t off, uint64_t len, bool punch)
{
    if (f->readonly)
        return -EROFS;
    if (!file_alive(f))
        return 0;
    int r = f->lossy ? pending_add(f, NULL, (size_t)len, off) : host_zero(f, off, len, punch);
    if (!r && off + len > f->size)
        f->size = off + len;
    return r;
}

/* Lossy file: what was written since the last sync reaches the disk now. */
static int pending_apply(struct blk_file *f, uint64_t seed)
{
    int r = 0;
    for (size_t i = 0; i < f->n_pending && !r; i++) {
        struct blk_pending *p = &f->pending[i];
        if (seed) { /* power failure: each write independently made it or not */
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            if (seed & 1)
                continue;
        }
        r = p->data ? file_write_host(f, p->data, p->len, p->off) : host_zero(f, p->off, p->len, true);
    }
    pending_clear(f);
    return r;
}

int blk_file_sync(struct blk_file *f)
{
    if (f->readonly || !f->sync_on_flush)
        return 0;
    if (!file_alive(f))
        return 0;
    if (f->lossy) {
        int r = pending_apply(f, 0);
        if (r)
            return r;
    }
    if (f->stats)
        f->stats->host_flushes++;
    while (fdatasync(f->fd) < 0) {
        if (errno != EINTR)
            return -errno;
    }
    return 0;
}

void blk_file_power_fail(struct blk_file *f, uint64_t seed)
{
    if (seed && !f->dead)
        pending_apply(f, seed);
    pending_clear(f);
    f->dead = true;
}

bool blk_file_extent(const struct blk_file *f, uint64_t off, uint64_t len, struct blk_extent *out)
{
    *out = (struct blk_extent){.len = len, .fd = -1};
    /* Shared pages are never written again: only a file nobody here writes qualifies. */
    if (!f->regular || !f->readonly || f->lossy || f->dead)
        return false;
    out->fd = f->fd;
    out->file_off = off;
    out->dev = f->dev;
    out->ino = f->ino;
    out->file_size = f->size;
    out->mtime_ns = f->mtime_ns;
    return true;
}
