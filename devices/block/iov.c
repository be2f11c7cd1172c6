/*
 * Scattered transfers: the iovec helpers every backend's readv / writev uses, and blk_readv /
 * blk_writev for backends without them (one bounce buffer, then the backend's read or write).
 * A device hands its request's guest buffers down as an iovec, so a read lands in guest RAM
 * with no copy in between when the backend can preadv.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "devices/block/internal.h"

int blk_iov_slice(const struct iovec *iov, int iovcnt, size_t skip, size_t len, struct iovec *out, int max)
{
    int k = 0;
    for (int i = 0; i < iovcnt && len; i++) {
        if (skip >= iov[i].iov_len) {
            skip -= iov[i].iov_len;
            continue;
        }
        size_t n = iov[i].iov_len - skip;
        if (n > len)
            n = len;
        if (k == max)
            return -1;
        out[k++] = (struct iovec){.iov_base = (char *)iov[i].iov_base + skip, .iov_len = n};
        len -= n;
        skip = 0;
    }
    return len ? -1 : k;
}

enum iov_op { IOV_FROM, IOV_TO, IOV_ZERO };

static void iov_walk(const struct iovec *iov, int iovcnt, size_t skip, uint8_t *buf, size_t n, enum iov_op op)
{
    for (int i = 0; i < iovcnt && n; i++) {
        if (skip >= iov[i].iov_len) {
            skip -= iov[i].iov_len;
            continue;
        }
        uint8_t *p = (uint8_t *)iov[i].iov_base + skip;
        size_t c = iov[i].iov_len - skip;
        if (c > n)
            c = n;
        if (op == IOV_FROM)
            memcpy(p, buf, c);
        else if (op == IOV_TO)
            memcpy(buf, p, c);
        else
            memset(p, 0, c);
        if (buf)
            buf += c;
        n -= c;
        skip = 0;
    }
}

void blk_iov_from_buf(const struct iovec *iov, int iovcnt, size_t skip, const void *buf, size_t n)
{
    iov_walk(iov, iovcnt, skip, (uint8_t *)(uintptr_t)buf, n, IOV_FROM);
}

void blk_iov_to_buf(const struct iovec *iov, int iovcnt, size_t skip, void *buf, size_t n)
{
    iov_walk(iov, iovcnt, skip, buf, n, IOV_TO);
}

void blk_iov_zero(const struct iovec *iov, int iovcnt, size_t skip, size_t n)
{
    iov_walk(iov, iovcnt, skip, NULL, n, IOV_ZERO);
}

int blk_rwv_bounce(struct blk *b, const struct blk_ops *ops, uint64_t off, const struct iovec *iov, int iovcnt,
                   size_t len, bool write)
{
    if (iovcnt == 1 && iov[0].iov_len >= len)
        return write ? ops->write(b, off, iov[0].iov_base, len) : ops->read(b, off, iov[0].iov_base, len);
    /* page-aligned: what a cache=none backend can hand to O_DIRECT without a second bounce */
    uint8_t *buf = NULL;
    if (posix_memalign((void **)&buf, 4096, len ? len : BLK_SECTOR))
        return -ENOMEM;
    int r;
    if (write) {
        blk_iov_to_buf(iov, iovcnt, 0, buf, len);
        r = ops->write(b, off, buf, len);
    } else {
        r = ops->read(b, off, buf, len);
        if (!r)
            blk_iov_from_buf(iov, iovcnt, 0, buf, len);
    }
    free(buf);
    return r;
}

int blk_readv(struct blk *b, uint64_t off, const struct iovec *iov, int iovcnt, size_t len)
{
    return b->ops->readv ? b->ops->readv(b, off, iov, iovcnt, len)
                         : blk_rwv_bounce(b, b->ops, off, iov, iovcnt, len, false);
}

int blk_writev(struct blk *b, uint64_t off, const struct iovec *iov, int iovcnt, size_t len)
{
    return b->ops->writev ? b->ops->writev(b, off, iov, iovcnt, len)
                          : blk_rwv_bounce(b, b->ops, off, iov, iovcnt, len, true);
}
