/*
 * qcow2 guest I/O: the two-level lookup (L1 entry -> L2 table -> cluster descriptor,
 * qcow2.txt "Cluster mapping"), reads (unallocated: the backing file or zeroes; zero clusters;
 * compressed clusters inflated with zlib's raw deflate), writes (a cluster whose count is one is
 * written in place; anything else gets a new cluster, filled first from what the guest saw there
 * when the write covers only part of it), discard and write-zeroes (whole clusters become zero
 * clusters or unallocated and their space is freed; partial ones are written).
 *
 * A descriptor that breaks the format (reserved bits, unaligned offsets, tables outside the
 * file, compressed data that does not inflate to one cluster) fails that request with -EIO.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "devices/block/qcow2.h"

/* The L2 table entry for guest cluster gc: *e = NULL if it has no table (and alloc is false). */
static int l2_slot(struct qcow2 *q, uint64_t gc, bool alloc, struct qcow2_cache_entry **e,
                   uint64_t *idx)
{
    uint64_t l1i = gc >> q->l2_bits;
    *idx = gc & ((1ull << q->l2_bits) - 1);
    *e = NULL;
    if (l1i >= q->l1_size)
        return -EIO;
    uint64_t l1e = q->l1[l1i];
    if (l1e & QCOW2_L1_RESERVED)
        return -EIO;
    uint64_t off = l1e & QCOW2_OFFSET_MASK;
    if (!off) {
        if (!alloc)
            return 0;
        int r = qcow2_alloc_cluster(q, &off);
        if (r)
            return r;
        r = qcow2_cache_get(q, &q->l2c, off, true, e);
        if (r)
            return r;
        (*e)->dirty = true;
        q->l1[l1i] = off | QCOW2_COPIED;
        q->l1_dirty = true;
        return 0;
    }
    if (off % q->cluster_size)
        return -EIO;
    /* a table shared with a snapshot would need copying first; we refuse such images for
     * writing, so one without COPIED here is inconsistent */
    if (alloc && !(l1e & QCOW2_COPIED))
        return -EIO;
    return qcow2_cache_get(q, &q->l2c, off, false, e);
}

static uint64_t l2_get(const struct qcow2_cache_entry *e, uint64_t idx)
{
    return qcow2_be64(e->buf + 8 * idx);
}

static void l2_set(struct qcow2_cache_entry *e, uint64_t idx, uint64_t v)
{
    if (l2_get(e, idx) != v) {
        qcow2_put_be64(e->buf + 8 * idx, v);
        e->dirty = true;
    }
}

static int decode(struct qcow2 *q, uint64_t ent, enum qcow2_kind *kind, uint64_t *host)
{
    *host = 0;
    if (ent & QCOW2_COMPRESSED) {
        *kind = QCOW2_COMPRESSED_CL;
        return 0;
    }
    if (ent & QCOW2_L2_RESERVED)
        return -EIO;
    uint64_t off = ent & QCOW2_OFFSET_MASK;
    if (off % q->cluster_size || off >= (1ull << 56))
        return -EIO;
    *host = off;
    if (ent & QCOW2_ZERO) {
        if (q->version < 3)
            return -EIO;
        *kind = QCOW2_ZERO_CL;
    } else {
        *kind = off ? QCOW2_NORMAL : QCOW2_UNALLOC;
    }
    if (off && off >= q->file.size)
        return -EIO;
    return 0;
}

/* Compressed descriptor: host offset and length of the deflate stream (qcow2.txt "Compressed
 * Clusters Descriptor", x = 62 - (cluster_bits - 8)). */
static void compressed_range(struct qcow2 *q, uint64_t ent, uint64_t *off, uint64_t *sectors_len)
{
    unsigned x = 62 - (q->cluster_bits - 8);
    *off = ent & ((1ull << x) - 1);
    uint64_t nsec = ((ent >> x) & ((1ull << (q->cluster_bits - 8)) - 1)) + 1;
    *sectors_len = nsec * 512; /* from the sector holding *off */
}

/* Inflates the compressed cluster ent into q->cbuf. */
static int decompress(struct qcow2 *q, uint64_t ent)
{
    if (q->zbuf_desc == ent)
        return 0;
    q->zbuf_desc = 0;
    uint64_t off, slen;
    compressed_range(q, ent, &off, &slen);
    uint64_t len = slen - (off & 511);
    if (off >= q->file.size)
        return -EIO;
    if (off + len > q->file.size)
        len = q->file.size - off; /* the last stream may end before its last sector */
    int r = blk_file_pread(&q->file, q->zbuf, (size_t)len, off);
    if (r)
        return r;
    z_stream z;
    memset(&z, 0, sizeof(z));
    /* raw deflate, 4 KiB window: QEMU block/qcow2-threads.c qcow2_zlib_decompress */
    if (inflateInit2(&z, -12) != Z_OK)
        return -ENOMEM;
    z.next_in = q->zbuf;
    z.avail_in = (uInt)len;
    z.next_out = q->cbuf;
    z.avail_out = (uInt)q->cluster_size;
    int zr = inflate(&z, Z_FINISH);
    bool ok = (zr == Z_STREAM_END || zr == Z_BUF_ERROR) && z.avail_out == 0;
    inflateEnd(&z);
    if (!ok)
        return -EIO;
    q->zbuf_desc = ent;
    return 0;
}

/* What the guest sees of the part of guest cluster gc at [in, in + n) when this image does not
 * map it: the backing file (zeroes past its end) or zeroes. */
static int read_unallocated(struct qcow2 *q, uint64_t off, uint8_t *buf, size_t n)
{
    if (!q->backing || off >= q->backing->size) {
        memset(buf, 0, n);
        return 0;
    }
    size_t m = n;
    if (off + m > q->backing->size)
        m = (size_t)(q->backing->size - off);
    memset(buf + m, 0, n - m);
    return q->backing->ops->read(q->backing, off, buf, m);
}

/* What guest cluster gc is: its kind, host offset and raw L2 entry. */
static int lookup(struct qcow2 *q, uint64_t gc, enum qcow2_kind *kind, uint64_t *host, uint64_t *ent)
{
    struct qcow2_cache_entry *e;
    uint64_t idx;
    *kind = QCOW2_UNALLOC;
    *host = *ent = 0;
    int r = l2_slot(q, gc, false, &e, &idx);
    if (!r && e) {
        *ent = l2_get(e, idx);
        r = decode(q, *ent, kind, host);
    }
    return r;
}

/* read_unallocated for the first n bytes of an iovec. */
static int readv_unallocated(struct qcow2 *q, uint64_t off, const struct iovec *v, int k, size_t n)
{
    if (!q->backing || off >= q->backing->size) {
        blk_iov_zero(v, k, 0, n);
        return 0;
    }
    size_t m = n;
    if (off + m > q->backing->size)
        m = (size_t)(q->backing->size - off);
    blk_iov_zero(v, k, m, n - m);
    return blk_readv(q->backing, off, v, k, m);
}

/*
 * A read, run by run: consecutive clusters of one kind are one transfer (data clusters while they
 * lie back to back in the image file, so a sequential read of a converted or sequentially
 * written image is one preadv per request; a run this image does not map is one read of the
 * backing file). A cluster whose table is bad ends the run before it and fails on its own turn.
 */
int qcow2_readv(struct blk *b, uint64_t off, const struct iovec *iov, int iovcnt, size_t len)
{
    struct qcow2 *q = b->priv;
    struct iovec one[8], *sl = iovcnt <= 8 ? one : malloc((size_t)iovcnt * sizeof(*sl));
    if (!sl)
        return -ENOMEM;
    int r = 0;
    for (size_t x = 0; x < len && !r;) {
        uint64_t at = off + x, gc = at >> q->cluster_bits, in = at & (q->cluster_size - 1);
        size_t n = q->cluster_size - in < len - x ? (size_t)(q->cluster_size - in) : len - x;
        enum qcow2_kind kind, k2;
        uint64_t host, ent, h2, e2;
        if ((r = lookup(q, gc, &kind, &host, &ent)))
            break;
        while (kind != QCOW2_COMPRESSED_CL && x + n < len) {
            if (lookup(q, gc + 1, &k2, &h2, &e2) || k2 != kind || (kind == QCOW2_NORMAL && h2 != host + in + n))
                break;
            gc++;
            n += q->cluster_size < len - x - n ? (size_t)q->cluster_size : len - x - n;
        }
        int k = blk_iov_slice(iov, iovcnt, x, n, sl, iovcnt);
        if (k < 0) {
            r = -EINVAL;
            break;
        }
        switch (kind) {
        case QCOW2_UNALLOC:
            r = readv_unallocated(q, at, sl, k, n);
            break;
        case QCOW2_ZERO_CL:
            blk_iov_zero(sl, k, 0, n);
            break;
        case QCOW2_NORMAL:
            r = blk_file_preadv(&q->file, sl, k, n, host + in);
            break;
        case QCOW2_COMPRESSED_CL:
            r = decompress(q, ent);
            if (!r)
                blk_iov_from_buf(sl, k, 0, q->cbuf + in, n);
            break;
        }
        x += n;
    }
    if (sl != one)
        free(sl);
    return r;
}

int qcow2_read(struct blk *b, uint64_t off, void *buf, size_t len)
{
    struct iovec v = {.iov_base = buf, .iov_len = len};
    return qcow2_readv(b, off, &v, 1, len);
}

/* Where [off, off + len) comes from: a run of clusters of one kind (data clusters only while
 * they lie back to back in the file), the part this image does not map from the backing file. */
int qcow2_extent(struct blk *b, uint64_t off, uint64_t len, struct blk_extent *out)
{
    struct qcow2 *q = b->priv;
    enum qcow2_kind first = QCOW2_UNALLOC;
    uint64_t done = 0, start_host = 0, next_host = 0;
    while (done < len) {
        uint64_t at = off + done, gc = at >> q->cluster_bits, in = at & (q->cluster_size - 1);
        uint64_t n = q->cluster_size - in < len - done ? q->cluster_size - in : len - done;
        struct qcow2_cache_entry *e;
        uint64_t idx, host = 0;
        enum qcow2_kind kind = QCOW2_UNALLOC;
        int r = l2_slot(q, gc, false, &e, &idx);
        if (!r && e)
            r = decode(q, l2_get(e, idx), &kind, &host);
        if (r) {
            if (done == 0)
                return r;
            break; /* the bad cluster fails its own read later */
        }
        bool other = kind == QCOW2_ZERO_CL || kind == QCOW2_COMPRESSED_CL;
        bool first_other = first == QCOW2_ZERO_CL || first == QCOW2_COMPRESSED_CL;
        if (done == 0) {
            first = kind;
            start_host = host + in;
        } else if (other != first_other || (!other && kind != first) ||
                   (kind == QCOW2_NORMAL && host + in != next_host)) {
            break;
        }
        next_host = host + in + n;
        done += n;
    }
    *out = (struct blk_extent){.len = done, .fd = -1};
    if (first == QCOW2_NORMAL) {
        blk_file_extent(&q->file, start_host, done, out);
        return 0;
    }
    if (first != QCOW2_UNALLOC || !q->backing || off >= q->backing->size)
        return 0; /* zeroes, compressed data: read the ordinary way */
    uint64_t m = q->backing->size - off < done ? q->backing->size - off : done;
    return blk_extent(q->backing, off, m, out);
}

int qcow2_files(struct blk *b, struct blk_extent *out, int max)
{
    struct qcow2 *q = b->priv;
    int n = blk_file_extent(&q->file, 0, 0, out) ? 1 : 0;
    if (q->backing && n < max)
        n += blk_shareable_files(q->backing, out + n, max - n);
    return n;
}

/* Frees what entry ent holds once the new mapping is on disk. */
static int release(struct qcow2 *q, uint64_t ent)
{
    if (ent & QCOW2_COMPRESSED) {
        uint64_t off, slen;
        compressed_range(q, ent, &off, &slen);
        if (q->zbuf_desc == ent)
            q->zbuf_desc = 0;
        return qcow2_free_later(q, off & ~511ull, slen);
    }
    uint64_t host = ent & QCOW2_OFFSET_MASK;
    return host ? qcow2_free_later(q, host, q->cluster_size) : 0;
}

/* Writes [in, in + n) of guest cluster gc from src (NULL: zeroes). */
static int write_cluster(struct qcow2 *q, uint64_t gc, uint64_t in, const uint8_t *src, size_t n)
{
    struct qcow2_cache_entry *e;
    uint64_t idx, host;
    enum qcow2_kind kind;
    int r = l2_slot(q, gc, true, &e, &idx);
    if (r)
        return r;
    uint64_t ent = l2_get(e, idx);
    if ((r = decode(q, ent, &kind, &host)))
        return r;
    uint64_t cs = q->cluster_size;
    if (kind == QCOW2_NORMAL) {
        if (!(ent & QCOW2_COPIED))
            return -EIO; /* shared with a snapshot: refused at open, so inconsistent */
        if (src)
            return blk_file_pwrite(&q->file, src, n, host + in);
        return blk_file_zero(&q->file, host + in, n, false);
    }
    /* everything else gets a cluster of its own, whole: what the guest saw, then the new bytes */
    uint64_t target = host;
    bool reuse = kind == QCOW2_ZERO_CL && host && (ent & QCOW2_COPIED);
    if (!reuse && (r = qcow2_alloc_cluster(q, &target)))
        return r;
    const uint8_t *data = src;
    if (n < cs || !src) {
        if (kind != QCOW2_COMPRESSED_CL)
            q->zbuf_desc = 0; /* cbuf is about to change */
        if (kind == QCOW2_COMPRESSED_CL) {
            r = decompress(q, ent);
            q->zbuf_desc = 0; /* cbuf is about to change */
        } else if (kind == QCOW2_UNALLOC) {
            r = read_unallocated(q, gc << q->cluster_bits, q->cbuf, cs);
        } else {
            memset(q->cbuf, 0, cs);
        }
        if (r)
            return r;
        if (src)
            memcpy(q->cbuf + in, src, n);
        else
            memset(q->cbuf + in, 0, n);
        data = q->cbuf;
    } else {
        q->zbuf_desc = 0;
    }
    if ((r = blk_file_pwrite(&q->file, data, cs, target)))
        return r;
    /* the L2 table may have left the cache while the backing file was read */
    if ((r = l2_slot(q, gc, true, &e, &idx)))
        return r;
    l2_set(e, idx, target | QCOW2_COPIED);
    return reuse ? 0 : release(q, ent);
}

#define WRITE_RUN 256 /* clusters given new space in one go */

/* Whether a whole-cluster write to an entry of this kind needs a new cluster of its own (not a
 * cluster written in place, nor a zero cluster's preallocated space). */
static bool needs_new(enum qcow2_kind kind, uint64_t ent, uint64_t host)
{
    if (kind == QCOW2_NORMAL)
        return false; /* in place; without COPIED it is inconsistent and write_cluster fails it */
    return !(kind == QCOW2_ZERO_CL && host && (ent & QCOW2_COPIED));
}

/*
 * Whole clusters [gc, gc + n) that all need new space, from iovec v: the clusters are allocated
 * (consecutive ones are back to back in the file as long as the free space is), the data goes out
 * in one pwritev per contiguous stretch, and only then do the L2 entries name them and the old
 * clusters go, so a crash between leaves only leaked clusters.
 */
static int write_new_run(struct qcow2 *q, uint64_t gc, unsigned n, const struct iovec *v, int k)
{
    uint64_t target[WRITE_RUN], cs = q->cluster_size;
    for (unsigned i = 0; i < n; i++) {
        int r = qcow2_alloc_cluster(q, &target[i]);
        if (r)
            return r;
    }
    struct iovec one[8], *sl = k <= 8 ? one : malloc((size_t)k * sizeof(*sl));
    if (!sl)
        return -ENOMEM;
    int r = 0;
    for (unsigned i = 0; i < n && !r;) {
        unsigned m = 1;
        while (i + m < n && target[i + m] == target[i] + m * cs)
            m++;
        int c = blk_iov_slice(v, k, (size_t)i * cs, (size_t)m * cs, sl, k);
        r = c < 0 ? -EINVAL : blk_file_pwritev(&q->file, sl, c, (size_t)m * cs, target[i]);
        i += m;
    }
    if (sl != one)
        free(sl);
    q->zbuf_desc = 0;
    for (unsigned i = 0; i < n && !r; i++) {
        struct qcow2_cache_entry *e;
        uint64_t idx;
        if ((r = l2_slot(q, gc + i, true, &e, &idx)))
            break;
        uint64_t old = l2_get(e, idx);
        l2_set(e, idx, target[i] | QCOW2_COPIED);
        r = release(q, old);
    }
    return r;
}

/*
 * A write, run by run: clusters written in place (their own, COPIED) that lie back to back are one
 * pwritev; whole clusters that need new space are allocated together and written together
 * (write_new_run); a part of a cluster, or a cluster keeping a zero cluster's space, goes through
 * write_cluster (which fills the rest of a new cluster with what the guest saw there).
 */
int qcow2_writev(struct blk *b, uint64_t off, const struct iovec *iov, int iovcnt, size_t len)
{
    struct qcow2 *q = b->priv;
    struct iovec one[8], *sl = iovcnt <= 8 ? one : malloc((size_t)iovcnt * sizeof(*sl));
    if (!sl)
        return -ENOMEM;
    uint8_t *part = NULL;
    int r = 0;
    uint64_t cs = q->cluster_size;
    for (size_t x = 0; x < len && !r;) {
        uint64_t at = off + x, gc = at >> q->cluster_bits, in = at & (cs - 1);
        size_t n = cs - in < len - x ? (size_t)(cs - in) : len - x;
        enum qcow2_kind kind, k2;
        uint64_t host, ent, h2, e2;
        if ((r = lookup(q, gc, &kind, &host, &ent)))
            break;
        if (kind == QCOW2_NORMAL && (ent & QCOW2_COPIED)) {
            unsigned m = 1;
            while (x + n < len && !lookup(q, gc + m, &k2, &h2, &e2) && k2 == QCOW2_NORMAL && (e2 & QCOW2_COPIED) &&
                   h2 == host + in + n) {
                n += cs < len - x - n ? (size_t)cs : len - x - n;
                m++;
            }
            int k = blk_iov_slice(iov, iovcnt, x, n, sl, iovcnt);
            r = k < 0 ? -EINVAL : blk_file_pwritev(&q->file, sl, k, n, host + in);
        } else if (n == cs && needs_new(kind, ent, host)) {
            unsigned m = 1;
            while (m < WRITE_RUN && len - x - n >= cs && !lookup(q, gc + m, &k2, &h2, &e2) && needs_new(k2, e2, h2)) {
                n += (size_t)cs;
                m++;
            }
            int k = blk_iov_slice(iov, iovcnt, x, n, sl, iovcnt);
            r = k < 0 ? -EINVAL : write_new_run(q, gc, m, sl, k);
        } else {
            int k = blk_iov_slice(iov, iovcnt, x, n, sl, iovcnt);
            const uint8_t *src = k == 1 ? sl[0].iov_base : NULL;
            if (k > 1 && (part || (part = malloc((size_t)cs)))) {
                blk_iov_to_buf(sl, k, 0, part, n);
                src = part;
            }
            r = !src ? (k < 0 ? -EINVAL : -ENOMEM) : write_cluster(q, gc, in, src, n);
        }
        x += n;
    }
    free(part);
    if (sl != one)
        free(sl);
    return r;
}

int qcow2_write(struct blk *b, uint64_t off, const void *buf, size_t len)
{
    struct iovec v = {.iov_base = (void *)(uintptr_t)buf, .iov_len = len};
    return qcow2_writev(b, off, &v, 1, len);
}

/* Whole guest cluster gc: zero (reads as zeroes afterwards) or discard (may read as anything the
 * guest could have seen: we make it zero as well where the format allows). */
static int zero_whole_cluster(struct qcow2 *q, uint64_t gc, bool may_unmap, bool discard)
{
    struct qcow2_cache_entry *e;
    uint64_t idx, host;
    enum qcow2_kind kind;
    bool need_table = q->backing && q->version >= 3;
    int r = l2_slot(q, gc, need_table && !discard, &e, &idx);
    if (r)
        return r;
    if (!e) /* unallocated without a backing file reads as zeroes; a discard frees nothing */
        return 0;
    uint64_t ent = l2_get(e, idx);
    if ((r = decode(q, ent, &kind, &host)))
        return r;
    if (q->version < 3) {
        if (q->backing) /* no zero flag: the backing file would show through */
            return discard ? 0 : write_cluster(q, gc, 0, NULL, q->cluster_size);
        l2_set(e, idx, 0);
        return release(q, ent);
    }
    if (!may_unmap && !discard && kind == QCOW2_NORMAL && (ent & QCOW2_COPIED)) {
        /* keep the space, as the guest asked: a preallocated zero cluster */
        l2_set(e, idx, host | QCOW2_COPIED | QCOW2_ZERO);
        return 0;
    }
    if (kind == QCOW2_ZERO_CL && (ent & QCOW2_COPIED) && !may_unmap && !discard)
        return 0;
    l2_set(e, idx, q->backing ? QCOW2_ZERO : 0);
    return (kind == QCOW2_UNALLOC) ? 0 : release(q, ent);
}

static int zero_range(struct qcow2 *q, uint64_t off, uint64_t len, bool may_unmap, bool discard)
{
    while (len) {
        uint64_t gc = off >> q->cluster_bits, in = off & (q->cluster_size - 1);
        uint64_t n = q->cluster_size - in < len ? q->cluster_size - in : len;
        bool whole = n == q->cluster_size || (in == 0 && off + n >= q->size);
        int r = 0;
        if (whole)
            r = zero_whole_cluster(q, gc, may_unmap, discard);
        else if (!discard) /* a part of a cluster: write its zeroes */
            r = write_cluster(q, gc, in, NULL, (size_t)n);
        if (r)
            return r;
        off += n;
        len -= n;
    }
    return 0;
}

int qcow2_discard(struct blk *b, uint64_t off, uint64_t len)
{
    return zero_range(b->priv, off, len, true, true);
}

int qcow2_write_zeroes(struct blk *b, uint64_t off, uint64_t len, bool may_unmap)
{
    return zero_range(b->priv, off, len, may_unmap, false);
}
