/*
 * The raw backend: the disk is the file, byte for byte. Its size is the file's, rounded up to a
 * sector (the tail past the end of the file reads as zeroes, as in QEMU). Discard and
 * write-zeroes punch holes (fallocate PUNCH_HOLE|KEEP_SIZE; zero-range when the guest did not
 * allow unmapping), writing zeroes where the host file system cannot.
 */
#include <errno.h>
#include <stdlib.h>

#include "devices/block/internal.h"

struct raw_state {
    struct blk_file file;
};

static struct blk_file *raw_file(struct blk *b)
{
    return &((struct raw_state *)b->priv)->file;
}

static int raw_read(struct blk *b, uint64_t off, void *buf, size_t len)
{
    return blk_file_pread(raw_file(b), buf, len, off);
}

static int raw_write(struct blk *b, uint64_t off, const void *buf, size_t len)
{
    return blk_file_pwrite(raw_file(b), buf, len, off);
}

static int raw_readv(struct blk *b, uint64_t off, const struct iovec *iov, int iovcnt, size_t len)
{
    return blk_file_preadv(raw_file(b), iov, iovcnt, len, off);
}

static int raw_writev(struct blk *b, uint64_t off, const struct iovec *iov, int iovcnt, size_t len)
{
    return blk_file_pwritev(raw_file(b), iov, iovcnt, len, off);
}

static int raw_flush(struct blk *b)
{
    return blk_file_sync(raw_file(b));
}

static int raw_discard(struct blk *b, uint64_t off, uint64_t len)
{
    return blk_file_zero(raw_file(b), off, len, true);
}

static int raw_write_zeroes(struct blk *b, uint64_t off, uint64_t len, bool may_unmap)
{
    return blk_file_zero(raw_file(b), off, len, may_unmap);
}

static int raw_extent(struct blk *b, uint64_t off, uint64_t len, struct blk_extent *out)
{
    blk_file_extent(raw_file(b), off, len, out);
    return 0;
}

static int raw_files(struct blk *b, struct blk_extent *out, int max)
{
    (void)max;
    return blk_file_extent(raw_file(b), 0, 0, out) ? 1 : 0;
}

static void raw_close(struct blk *b)
{
    struct raw_state *s = b->priv;
    blk_file_close(&s->file);
    free(s);
}

static const struct blk_ops raw_ops = {
    .read = raw_read,
    .write = raw_write,
    .readv = raw_readv,
    .writev = raw_writev,
    .flush = raw_flush,
    .discard = raw_discard,
    .write_zeroes = raw_write_zeroes,
    .close = raw_close,
    .extent = raw_extent,
    .files = raw_files,
};

int blk_raw_open(struct blk_handle *h, const struct blk_open_opts *o, char *err, size_t errlen)
{
    struct raw_state *s = calloc(1, sizeof(*s));
    if (!s)
        return blk_err(err, errlen, -ENOMEM, "%s: out of memory", o->path);
    int r = blk_file_open(&s->file, o->path, o->readonly, o->cache, o->lossy, &h->pub.stats,
                          err, errlen);
    if (r) {
        free(s);
        return r;
    }
    h->drv = &raw_ops;
    h->file = &s->file;
    h->pub.priv = s;
    h->pub.size = (s->file.size + BLK_SECTOR - 1) & ~(uint64_t)(BLK_SECTOR - 1);
    return 0;
}
