/*
 * A minimal raw-file backend behind devices/block/block.h, so that virtio-blk can be built and
 * tested before the image backends (devices/block/) are in the tree. Its blk_open and
 * blk_close are weak: the real ones replace them when both are linked, and this file then
 * goes away. It opens raw files only (qcow2 and probing are refused by name).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/block/block.h"

struct testraw {
    int fd;
};

static int tr_fd(struct blk *b)
{
    return ((struct testraw *)b->priv)->fd;
}

static int tr_read(struct blk *b, uint64_t off, void *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(tr_fd(b), (char *)buf + done, len - done, (off_t)(off + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0) { /* past the end of a file shorter than the disk: zeroes */
            memset((char *)buf + done, 0, len - done);
            break;
        }
        done += (size_t)n;
    }
    b->stats.reads++;
    b->stats.bytes_read += len;
    return 0;
}

static int tr_write(struct blk *b, uint64_t off, const void *buf, size_t len)
{
    if (b->readonly)
        return -EROFS;
    size_t done = 0;
    while (done < len) {
        ssize_t n = pwrite(tr_fd(b), (const char *)buf + done, len - done, (off_t)(off + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -errno : -EIO;
        done += (size_t)n;
    }
    b->stats.writes++;
    b->stats.bytes_written += len;
    return 0;
}

static int tr_flush(struct blk *b)
{
    b->stats.flushes++;
    b->stats.host_flushes++;
    return fdatasync(tr_fd(b)) < 0 ? -errno : 0;
}

static int tr_zero(struct blk *b, uint64_t off, uint64_t len, bool may_unmap)
{
    (void)may_unmap;
    if (b->readonly)
        return -EROFS;
    b->stats.discards++;
    if (fallocate(tr_fd(b), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len) == 0)
        return 0;
    /* No hole punching here: write the zeroes. */
    static const char zero[65536];
    for (uint64_t done = 0; done < len;) {
        size_t n = len - done < sizeof(zero) ? (size_t)(len - done) : sizeof(zero);
        int rc = tr_write(b, off + done, zero, n);
        if (rc < 0)
            return rc;
        done += n;
    }
    return 0;
}

static int tr_discard(struct blk *b, uint64_t off, uint64_t len)
{
    return tr_zero(b, off, len, true);
}

static void tr_close(struct blk *b)
{
    struct testraw *t = b->priv;
    close(t->fd);
    free(t);
    free(b);
}

static const struct blk_ops testraw_ops = {
    .read = tr_read,
    .write = tr_write,
    .flush = tr_flush,
    .discard = tr_discard,
    .write_zeroes = tr_zero,
    .close = tr_close,
};

__attribute__((weak)) int blk_open(const struct blk_open_opts *o, struct blk **out, char *err, size_t errlen)
{
    if (o->format == BLK_FORMAT_QCOW2) {
        snprintf(err, errlen, "%s: format qcow2 is not built into this mvisor", o->path);
        return -ENOTSUP;
    }
    int flags = (o->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC | (o->cache == BLK_CACHE_NONE ? O_DIRECT : 0);
    int fd = open(o->path, flags);
    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "cannot open disk image %s: %s", o->path, strerror(e));
        return -e;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "disk image %s is not a regular file", o->path);
        close(fd);
        return -EINVAL;
    }
    char magic[4] = {0};
    if (o->format == BLK_FORMAT_PROBE && pread(fd, magic, 4, 0) == 4 && !memcmp(magic, "QFI\xfb", 4)) {
        snprintf(err, errlen, "%s: format qcow2 is not built into this mvisor", o->path);
        close(fd);
        return -ENOTSUP;
    }
    struct blk *b = calloc(1, sizeof(*b));
    struct testraw *t = calloc(1, sizeof(*t));
    if (!b || !t) {
        free(b);
        free(t);
        close(fd);
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    t->fd = fd;
    b->ops = &testraw_ops;
    b->size = (uint64_t)st.st_size & ~(uint64_t)(BLK_SECTOR - 1);
    b->readonly = o->readonly;
    b->cache = o->cache;
    b->format = BLK_FORMAT_RAW;
    b->priv = t;
    *out = b;
    return 0;
}

__attribute__((weak)) void blk_close(struct blk *b)
{
    if (b)
        b->ops->close(b);
}
