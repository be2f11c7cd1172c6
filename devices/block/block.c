/*
 * blk_open and the checks every backend shares. The format is probed from the first bytes (the
 * qcow2 magic, else raw, as QEMU does; formats we do not read are named and refused rather than
 * shown to the guest as raw bytes). The ops a device calls are this file's: they refuse
 * unaligned requests, requests past the end and writes to a read-only disk, count the
 * statistics, and only then call the backend's own ops.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/block/internal.h"

int blk_err(char *err, size_t errlen, int ret, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return ret;
}

int blk_format_from_name(const char *name, enum blk_format *out)
{
    if (!strcmp(name, "raw"))
        *out = BLK_FORMAT_RAW;
    else if (!strcmp(name, "qcow2"))
        *out = BLK_FORMAT_QCOW2;
    else
        return -EINVAL;
    return 0;
}

static uint32_t le32_at(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Magic numbers from each format's specification as QEMU's probes read them (QEMU
 * block/vmdk.c, vpc.c, vhdx.c, qed.h, vdi.c, crypto/block-luks.c). */
int blk_probe(const uint8_t *head, size_t n, enum blk_format *fmt, const char **what)
{
    static const struct { const char *magic; size_t len; const char *name; } others[] = {
        { "KDMV", 4, "vmdk" },
        { "# Disk DescriptorFile", 21, "vmdk" },
        { "conectix", 8, "vpc (vhd)" },
        { "vhdxfile", 8, "vhdx" },
        { "QED\0", 4, "qed" },
        { "LUKS\xba\xbe", 6, "luks" },
    };
    *fmt = BLK_FORMAT_RAW;
    *what = NULL;
    if (n >= 4 && !memcmp(head, "QFI\xfb", 4)) {
        *fmt = BLK_FORMAT_QCOW2;
        return 0;
    }
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        if (n >= others[i].len && !memcmp(head, others[i].magic, others[i].len)) {
            *what = others[i].name;
            return 1;
        }
    }
    if (n >= 0x44 && le32_at(head + 0x40) == 0xbeda107f) {
        *what = "vdi";
        return 1;
    }
    return 0;
}

static int blk_pub_read(struct blk *b, uint64_t off, void *buf, size_t len);
static int blk_pub_write(struct blk *b, uint64_t off, const void *buf, size_t len);
static int blk_pub_flush(struct blk *b);
static int blk_pub_readv(struct blk *b, uint64_t off, const struct iovec *iov, int iovcnt, size_t len);
static int blk_pub_writev(struct blk *b, uint64_t off, const struct iovec *iov, int iovcnt, size_t len);
static int blk_pub_discard(struct blk *b, uint64_t off, uint64_t len);
static int blk_pub_write_zeroes(struct blk *b, uint64_t off, uint64_t len, bool may_unmap);
static void blk_pub_close(struct blk *b);
static int blk_pub_extent(struct blk *b, uint64_t off, uint64_t len, struct blk_extent *out);
static int blk_pub_files(struct blk *b, struct blk_extent *out, int max);

static const struct blk_ops blk_pub_ops = {
    .read = blk_pub_read,
    .write = blk_pub_write,
    .flush = blk_pub_flush,
    .discard = blk_pub_discard,
    .write_zeroes = blk_pub_write_zeroes,
    .close = blk_pub_close,
    .extent = blk_pub_extent,
    .files = blk_pub_files,
    .readv = blk_pub_readv,
    .writev = blk_pub_writev,
};

static int check_range(struct blk *b, uint64_t off, uint64_t len)
{
    if ((off | len) % BLK_SECTOR)
        return -EINVAL;
    if (off > b->size || len > b->size - off)
        return -ERANGE;
    return 0;
}

static int blk_pub_read(struct blk *b, uint64_t off, void *buf, size_t len)
{
    struct iovec v = {.iov_base = buf, .iov_len = len};
    return blk_pub_readv(b, off, &v, 1, len);
}

static int blk_pub_write(struct blk *b, uint64_t off, const void *buf, size_t len)
{
    struct iovec v = {.iov_base = (void *)(uintptr_t)buf, .iov_len = len};
    return blk_pub_writev(b, off, &v, 1, len);
}

/* Every backend here has readv and writev (raw, qcow2); a bounce for one that would not. */
static int drv_rwv(struct blk *b, uint64_t off, const struct iovec *iov, int iovcnt, size_t len, bool write)
{
    const struct blk_ops *drv = blk_handle_of(b)->drv;
    if (write ? drv->writev != NULL : drv->readv != NULL)
        return write ? drv->writev(b, off, iov, iovcnt, len) : drv->readv(b, off, iov, iovcnt, len);
    return blk_rwv_bounce(b, drv, off, iov, iovcnt, len, write);
}

static int blk_pub_readv(struct blk *b, uint64_t off, const struct iovec *iov, int iovcnt, size_t len)
{
    int r = check_range(b, off, len);
    if (r)
        return r;
    b->stats.reads++;
    b->stats.bytes_read += len;
    if (!len)
        return 0;
    return drv_rwv(b, off, iov, iovcnt, len, false);
}

static int blk_pub_writev(struct blk *b, uint64_t off, const struct iovec *iov, int iovcnt, size_t len)
{
    if (b->readonly)
        return -EROFS;
    int r = check_range(b, off, len);
    if (r)
        return r;
    b->stats.writes++;
    b->stats.bytes_written += len;
    if (!len)
        return 0;
    return drv_rwv(b, off, iov, iovcnt, len, true);
}

static int blk_pub_flush(struct blk *b)
{
    b->stats.flushes++;
    if (b->readonly)
        return 0;
    return blk_handle_of(b)->drv->flush(b);
}

static int blk_pub_discard(struct blk *b, uint64_t off, uint64_t len)
{
    if (b->readonly)
        return -EROFS;
    int r = check_range(b, off, len);
    if (r)
        return r;
    b->stats.discards++;
    return len ? blk_handle_of(b)->drv->discard(b, off, len) : 0;
}

static int blk_pub_write_zeroes(struct blk *b, uint64_t off, uint64_t len, bool may_unmap)
{
    if (b->readonly)
        return -EROFS;
    int r = check_range(b, off, len);
    if (r)
        return r;
    b->stats.writes++;
    return len ? blk_handle_of(b)->drv->write_zeroes(b, off, len, may_unmap) : 0;
}

static int blk_pub_extent(struct blk *b, uint64_t off, uint64_t len, struct blk_extent *out)
{
    int r = check_range(b, off, len);
    if (r)
        return r;
    if (len == 0)
        return -EINVAL;
    const struct blk_ops *drv = blk_handle_of(b)->drv;
    return drv->extent ? drv->extent(b, off, len, out) : -ENOTSUP;
}

static int blk_pub_files(struct blk *b, struct blk_extent *out, int max)
{
    const struct blk_ops *drv = blk_handle_of(b)->drv;
    return drv->files && max > 0 ? drv->files(b, out, max) : 0;
}

int blk_shareable_files(struct blk *b, struct blk_extent *out, int max)
{
    return b->ops->files && max > 0 ? b->ops->files(b, out, max) : 0;
}

int blk_extent(struct blk *b, uint64_t off, uint64_t len, struct blk_extent *out)
{
    return b->ops->extent ? b->ops->extent(b, off, len, out) : -ENOTSUP;
}

static void blk_pub_close(struct blk *b)
{
    struct blk_handle *h = blk_handle_of(b);
    h->drv->close(b);
    free(h);
}

void blk_close(struct blk *b)
{
    if (b)
        b->ops->close(b);
}

void blk_power_fail(struct blk *b, uint64_t seed)
{
    struct blk_handle *h = blk_handle_of(b);
    if (h->file)
        blk_file_power_fail(h->file, seed);
}

int blk_open_depth(const struct blk_open_opts *o, int depth, struct blk **out, char *err,
                   size_t errlen)
{
    *out = NULL;
    if (!o->path || !*o->path)
        return blk_err(err, errlen, -EINVAL, "no image file given");
    if (depth > BLK_MAX_CHAIN)
        return blk_err(err, errlen, -ELOOP, "%s: backing chain longer than %d files (a loop?)",
                       o->path, BLK_MAX_CHAIN);
    enum blk_format fmt = o->format;
    if (fmt != BLK_FORMAT_RAW) {
        int fd = open(o->path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return blk_err(err, errlen, -errno, "%s: %s", o->path, strerror(errno));
        uint8_t head[512];
        ssize_t n = pread(fd, head, sizeof(head), 0);
        int e = errno;
        close(fd);
        if (n < 0)
            return blk_err(err, errlen, -e, "%s: %s", o->path, strerror(e));
        enum blk_format seen;
        const char *what;
        if (blk_probe(head, (size_t)n, &seen, &what))
            return blk_err(err, errlen, -ENOTSUP,
                           "%s: %s images are not supported (formats: raw, qcow2)", o->path, what);
        if (fmt == BLK_FORMAT_QCOW2 && seen != BLK_FORMAT_QCOW2)
            return blk_err(err, errlen, -EINVAL, "%s: not a qcow2 image (no qcow2 magic)",
                           o->path);
        fmt = seen;
    }
    struct blk_handle *h = calloc(1, sizeof(*h));
    if (!h)
        return blk_err(err, errlen, -ENOMEM, "%s: out of memory", o->path);
    h->pub.ops = &blk_pub_ops;
    h->pub.readonly = o->readonly;
    h->pub.cache = o->cache;
    h->pub.format = fmt;
    int r = fmt == BLK_FORMAT_QCOW2 ? blk_qcow2_open(h, o, depth, err, errlen)
                                    : blk_raw_open(h, o, err, errlen);
    if (r) {
        free(h);
        return r;
    }
    *out = &h->pub;
    return 0;
}

int blk_open(const struct blk_open_opts *o, struct blk **out, char *err, size_t errlen)
{
    if ((unsigned)o->cache > BLK_CACHE_DIRECTSYNC || (unsigned)o->format > BLK_FORMAT_QCOW2)
        return blk_err(err, errlen, -EINVAL, "%s: bad cache mode or format", o->path);
    return blk_open_depth(o, 0, out, err, errlen);
}
