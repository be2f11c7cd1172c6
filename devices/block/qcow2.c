/*
 * qcow2 open, flush and close (QEMU docs/interop/qcow2.txt). Every header field is checked
 * before it is used: version 2 or 3, cluster_bits 9..21, tables aligned and inside the file,
 * sizes that fit, no encryption, and each incompatible feature we do not implement refused by
 * its name (from the image's feature-name table when it has one). The backing file (qcow2 or
 * raw; a relative name is the overlay's folder's) opens read-only.
 *
 * Crash safety comes from ordering, not the dirty bit: qcow2_meta_flush writes refcount blocks,
 * then (after a host flush) the refcount table, L2 tables, L1, each behind a flush. An image left
 * dirty by a lazy-refcounts writer is checked at a read-write open: leaks are fine, a cluster
 * counted lower than its uses refuses the open.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/block/qcow2.h"

uint64_t qcow2_be64(const uint8_t *p)
{
    return (uint64_t)qcow2_be32(p) << 32 | qcow2_be32(p + 4);
}

uint32_t qcow2_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void qcow2_put_be64(uint8_t *p, uint64_t v)
{
    qcow2_put_be32(p, (uint32_t)(v >> 32));
    qcow2_put_be32(p + 4, (uint32_t)v);
}

void qcow2_put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static int write_table(struct qcow2 *q, const uint64_t *t, uint64_t n, uint64_t off)
{
    uint8_t *buf = malloc(n ? n * 8 : 1);
    if (!buf)
        return -ENOMEM;
    for (uint64_t i = 0; i < n; i++)
        qcow2_put_be64(buf + 8 * i, t[i]);
    int r = blk_file_pwrite(&q->file, buf, n * 8, off);
    free(buf);
    return r;
}

int qcow2_meta_flush(struct qcow2 *q)
{
    int r = 0;
    for (unsigned i = 0; i < q->rbc.n && !r; i++) {
        struct qcow2_cache_entry *e = &q->rbc.e[i];
        if (e->off && e->dirty) {
            r = blk_file_pwrite(&q->file, e->buf, q->cluster_size, e->off);
            e->dirty = false;
        }
    }
    if (!r && q->rt_dirty) { /* new refcount blocks before the table entries naming them */
        r = blk_file_sync(&q->file);
        if (!r)
            r = write_table(q, q->rt, q->rt_entries, q->rt_offset);
        q->rt_dirty = false;
    }
    bool l2_dirty = false;
    for (unsigned i = 0; i < q->l2c.n; i++)
        l2_dirty |= q->l2c.e[i].off && q->l2c.e[i].dirty;
    if (!r && l2_dirty) { /* data and counts before the mappings that use them */
        r = blk_file_sync(&q->file);
        for (unsigned i = 0; i < q->l2c.n && !r; i++) {
            struct qcow2_cache_entry *e = &q->l2c.e[i];
            if (e->off && e->dirty) {
                r = blk_file_pwrite(&q->file, e->buf, q->cluster_size, e->off);
                e->dirty = false;
            }
        }
    }
    if (!r && q->l1_dirty) { /* new L2 tables before L1 entries naming them */
        r = blk_file_sync(&q->file);
        if (!r)
            r = write_table(q, q->l1, q->l1_size, q->l1_offset);
        q->l1_dirty = false;
    }
    if (!r && q->n_frees) { /* counts drop only once no mapping on disk uses the clusters */
        r = blk_file_sync(&q->file);
        if (!r)
            r = qcow2_apply_frees(q);
    }
    return r;
}

static int qcow2_flush(struct blk *b)
{
    struct qcow2 *q = b->priv;
    int r = qcow2_meta_flush(q);
    return r ? r : blk_file_sync(&q->file);
}

static void qcow2_free(struct qcow2 *q)
{
    blk_close(q->backing);
    qcow2_cache_free(&q->l2c);
    qcow2_cache_free(&q->rbc);
    free(q->l1);
    free(q->rt);
    free(q->frees);
    free(q->cbuf);
    free(q->zbuf);
    free(q->path);
    blk_file_close(&q->file);
    free(q);
}

static void qcow2_close(struct blk *b)
{
    struct qcow2 *q = b->priv;
    if (!q->readonly) {
        /* twice: the first writes the mappings, the second the counts freed after them */
        qcow2_flush(b);
        qcow2_flush(b);
    }
    qcow2_free(q);
}

static const struct blk_ops qcow2_ops = {
    .read = qcow2_read,
    .readv = qcow2_readv,
    .writev = qcow2_writev,
    .write = qcow2_write,
    .flush = qcow2_flush,
    .discard = qcow2_discard,
    .write_zeroes = qcow2_write_zeroes,
    .close = qcow2_close,
    .extent = qcow2_extent,
    .files = qcow2_files,
};

struct qcow2_hdr_info {
    char feature_names[64][47]; /* incompatible bits' names from the feature-name table */
    char backing_fmt[17];
    bool has_backing_fmt;
};

static const char *incompat_name(const struct qcow2_hdr_info *hi, unsigned bit, char *tmp, size_t n)
{
    static const char *const known[] = { "dirty bit", "corrupt bit", "external data file",
                                         "compression type", "extended L2 entries" };
    if (bit < 64 && hi->feature_names[bit][0])
        return hi->feature_names[bit];
    if (bit < 5)
        return known[bit];
    snprintf(tmp, n, "unknown incompatible feature bit %u", bit);
    return tmp;
}

#define FAIL(ret, ...) do { r = blk_err(err, errlen, ret, __VA_ARGS__); goto fail; } while (0)

/* Header extensions from ext_start to the end of the first cluster (qcow2.txt "Header
 * extensions"): type, length, data padded to 8 bytes. */
static int parse_extensions(const uint8_t *h, uint64_t start, uint64_t end, struct qcow2_hdr_info *hi)
{
    uint64_t p = start;
    while (p + 8 <= end) {
        uint32_t type = qcow2_be32(h + p), len = qcow2_be32(h + p + 4);
        p += 8;
        if (type == QCOW2_EXT_END)
            return 0;
        if (len > end - p)
            return -1;
        if (type == QCOW2_EXT_BACKING_FORMAT) {
            if (len >= sizeof(hi->backing_fmt))
                return -1;
            memcpy(hi->backing_fmt, h + p, len);
            hi->backing_fmt[len] = 0;
            hi->has_backing_fmt = true;
        } else if (type == QCOW2_EXT_FEATURE_TABLE) {
            for (uint64_t i = 0; i + 48 <= len; i += 48) {
                const uint8_t *f = h + p + i;
                if (f[0] == 0 && f[1] < 64) { /* incompatible */
                    memcpy(hi->feature_names[f[1]], f + 2, 46);
                    hi->feature_names[f[1]][46] = 0;
                }
            }
        }
        p += (len + 7) & ~7ull;
    }
    return 0;
}

int blk_qcow2_open(struct blk_handle *h, const struct blk_open_opts *o, int depth, char *err,
                   size_t errlen)
{
    int r;
    const char *path = o->path;
    struct qcow2_hdr_info *hi = calloc(1, sizeof(*hi));
    struct qcow2 *q = calloc(1, sizeof(*q));
    uint8_t *hdr = NULL;
    if (!q || !hi) {
        free(q);
        free(hi);
        return blk_err(err, errlen, -ENOMEM, "%s: out of memory", path);
    }
    q->readonly = o->readonly;
    q->path = strdup(path);
    r = blk_file_open(&q->file, path, o->readonly, o->cache, o->lossy, &h->pub.stats, err, errlen);
    if (r) {
        q->file.fd = -1;
        goto fail;
    }
    if (!q->path)
        FAIL(-ENOMEM, "%s: out of memory", path);

    uint8_t fixed[112] = { 0 };
    if (q->file.size < 72)
        FAIL(-EINVAL, "%s: qcow2 header truncated (%llu bytes)", path,
             (unsigned long long)q->file.size);
    if ((r = blk_file_pread(&q->file, fixed, sizeof(fixed), 0)))
        FAIL(r, "%s: reading the qcow2 header: %s", path, strerror(-r));
    if (qcow2_be32(fixed) != QCOW2_MAGIC)
        FAIL(-EINVAL, "%s: not a qcow2 image (no qcow2 magic)", path);
    q->version = qcow2_be32(fixed + 4);
    if (q->version != 2 && q->version != 3)
        FAIL(-ENOTSUP, "%s: qcow2 version %u is not supported (2 and 3 are)", path, q->version);
    q->cluster_bits = qcow2_be32(fixed + 20);
    if (q->cluster_bits < 9 || q->cluster_bits > 21)
        FAIL(-EINVAL, "%s: qcow2 cluster_bits %u outside 9..21", path, q->cluster_bits);
    uint64_t cs = q->cluster_size = 1ull << q->cluster_bits;
    q->l2_bits = q->cluster_bits - 3;
    if (q->file.size < cs && q->file.size < 104)
        FAIL(-EINVAL, "%s: qcow2 header truncated", path);
    hdr = calloc(1, cs);
    if (!hdr)
        FAIL(-ENOMEM, "%s: out of memory", path);
    if ((r = blk_file_pread(&q->file, hdr, cs, 0)))
        FAIL(r, "%s: reading the qcow2 header: %s", path, strerror(-r));

    uint64_t backing_off = qcow2_be64(hdr + 8);
    uint32_t backing_len = qcow2_be32(hdr + 16);
    q->size = qcow2_be64(hdr + 24);
    uint32_t crypt = qcow2_be32(hdr + 32);
    q->l1_size = qcow2_be32(hdr + 36);
    q->l1_offset = qcow2_be64(hdr + 40);
    q->rt_offset = qcow2_be64(hdr + 48);
    q->rt_clusters = qcow2_be32(hdr + 56);
    uint32_t nb_snapshots = qcow2_be32(hdr + 60);
    uint64_t snapshots_off = qcow2_be64(hdr + 64);
    uint64_t incompat = 0, autoclear = 0;
    uint32_t header_len = 72;
    q->refcount_order = 4;
    if (q->version == 3) {
        incompat = qcow2_be64(hdr + 72);
        autoclear = qcow2_be64(hdr + 88);
        q->refcount_order = qcow2_be32(hdr + 96);
        header_len = qcow2_be32(hdr + 100);
        if (header_len < 104 || header_len % 8 || header_len > cs || header_len > q->file.size)
            FAIL(-EINVAL, "%s: qcow2 header_length %u is not a multiple of 8 in 104..%llu", path,
                 header_len, (unsigned long long)cs);
    }
    if (parse_extensions(hdr, header_len, backing_off && backing_off < cs ? backing_off : cs, hi))
        FAIL(-EINVAL, "%s: qcow2 header extensions overrun the first cluster", path);

    /* incompatible features: what we do not implement is refused by name */
    if (incompat & QCOW2_INCOMPAT_CORRUPT)
        FAIL(-EINVAL, "%s: qcow2 image is marked corrupt (qemu-img check -r all repairs it)", path);
    uint64_t unsupported = incompat & ~(QCOW2_INCOMPAT_DIRTY | QCOW2_INCOMPAT_COMPRESSION);
    if (unsupported) {
        char tmp[48];
        unsigned bit = (unsigned)__builtin_ctzll(unsupported);
        FAIL(-ENOTSUP, "%s: qcow2 feature not supported: %s", path,
             incompat_name(hi, bit, tmp, sizeof(tmp)));
    }
    if (incompat & QCOW2_INCOMPAT_COMPRESSION) {
        unsigned ctype = header_len > 104 ? hdr[104] : 0;
        if (ctype != 0)
            FAIL(-ENOTSUP, "%s: qcow2 compression type %s is not supported (zlib is)", path,
                 ctype == 1 ? "zstd" : "unknown");
    } else if (header_len > 104 && hdr[104] != 0) {
        FAIL(-EINVAL, "%s: qcow2 compression type set without its incompatible bit", path);
    }
    if (crypt)
        FAIL(-ENOTSUP, "%s: qcow2 encryption (%s) is not supported", path,
             crypt == 1 ? "AES" : crypt == 2 ? "LUKS" : "unknown method");
    if (q->refcount_order > 6)
        FAIL(-EINVAL, "%s: qcow2 refcount_order %u above 6", path, q->refcount_order);
    q->refcount_max = q->refcount_order == 6 ? UINT64_MAX : (1ull << (1u << q->refcount_order)) - 1;
    q->rb_bits = q->cluster_bits + 3 - q->refcount_order;

    /* sizes and tables */
    if (q->size > (1ull << 62))
        FAIL(-EINVAL, "%s: qcow2 virtual size %llu too large", path, (unsigned long long)q->size);
    uint64_t per_l2 = cs << q->l2_bits;
    uint64_t l1_need = (q->size + per_l2 - 1) / per_l2;
    if (q->l1_size < l1_need)
        FAIL(-EINVAL, "%s: qcow2 L1 table (%u entries) too small for the disk size", path,
             q->l1_size);
    if ((uint64_t)q->l1_size * 8 > (32u << 20))
        FAIL(-EINVAL, "%s: qcow2 L1 table of %u entries too large", path, q->l1_size);
    if (q->l1_size && (q->l1_offset % cs || !q->l1_offset ||
                       q->l1_offset > q->file.size || (uint64_t)q->l1_size * 8 > q->file.size - q->l1_offset))
        FAIL(-EINVAL, "%s: qcow2 L1 table offset 0x%llx unaligned or outside the file", path,
             (unsigned long long)q->l1_offset);
    if (!q->rt_clusters || (uint64_t)q->rt_clusters * cs > (64u << 20))
        FAIL(-EINVAL, "%s: qcow2 refcount table of %u clusters", path, q->rt_clusters);
    if (q->rt_offset % cs || !q->rt_offset || q->rt_offset > q->file.size ||
        (uint64_t)q->rt_clusters * cs > q->file.size - q->rt_offset)
        FAIL(-EINVAL, "%s: qcow2 refcount table offset 0x%llx unaligned or outside the file", path,
             (unsigned long long)q->rt_offset);
    if (nb_snapshots && (snapshots_off % cs || snapshots_off >= q->file.size))
        FAIL(-EINVAL, "%s: qcow2 snapshot table offset unaligned or outside the file", path);
    if (nb_snapshots && !o->readonly)
        FAIL(-ENOTSUP, "%s: qcow2 internal snapshots (%u) are not supported for writing "
             "(readonly=on)", path, nb_snapshots);

    q->l1 = calloc(q->l1_size ? q->l1_size : 1, sizeof(uint64_t));
    q->rt_entries = (uint64_t)q->rt_clusters * cs / 8;
    q->rt = calloc(q->rt_entries, sizeof(uint64_t));
    q->cbuf = malloc(cs);
    q->zbuf = malloc(2 * cs + 512);
    uint8_t *tbuf = malloc(q->rt_entries * 8 > (uint64_t)q->l1_size * 8 ? q->rt_entries * 8
                                                                        : (uint64_t)q->l1_size * 8 + 8);
    if (!q->l1 || !q->rt || !q->cbuf || !q->zbuf || !tbuf) {
        free(tbuf);
        FAIL(-ENOMEM, "%s: out of memory", path);
    }
    r = blk_file_pread(&q->file, tbuf, (size_t)q->l1_size * 8, q->l1_offset);
    for (uint32_t i = 0; i < q->l1_size && !r; i++)
        q->l1[i] = qcow2_be64(tbuf + 8 * i);
    if (!r)
        r = blk_file_pread(&q->file, tbuf, q->rt_entries * 8, q->rt_offset);
    for (uint64_t i = 0; i < q->rt_entries && !r; i++)
        q->rt[i] = qcow2_be64(tbuf + 8 * i);
    free(tbuf);
    if (r)
        FAIL(r, "%s: reading qcow2 tables: %s", path, strerror(-r));
    if ((r = qcow2_cache_init(&q->l2c, QCOW2_CACHE_L2, cs, true)) ||
        (r = qcow2_cache_init(&q->rbc, QCOW2_CACHE_REFBLOCK, cs, false)))
        FAIL(r, "%s: out of memory", path);

    /* the backing file */
    if (backing_off) {
        if (backing_len == 0 || backing_len > 1023 || backing_off < header_len ||
            backing_off >= cs || backing_len > cs - backing_off)
            FAIL(-EINVAL, "%s: qcow2 backing file name outside the first cluster", path);
        char name[1024];
        memcpy(name, hdr + backing_off, backing_len);
        name[backing_len] = 0;
        if (strlen(name) != backing_len)
            FAIL(-EINVAL, "%s: qcow2 backing file name holds a NUL byte", path);
        char *bpath;
        if (name[0] == '/') {
            bpath = strdup(name);
        } else {
            char *dcopy = strdup(path);
            if (!dcopy || asprintf(&bpath, "%s/%s", dirname(dcopy), name) < 0)
                bpath = NULL;
            free(dcopy);
        }
        if (!bpath)
            FAIL(-ENOMEM, "%s: out of memory", path);
        struct blk_open_opts bo = {
            .path = bpath, .format = BLK_FORMAT_PROBE, .readonly = true,
            .cache = o->cache == BLK_CACHE_NONE || o->cache == BLK_CACHE_DIRECTSYNC ? BLK_CACHE_NONE
                                                                            : BLK_CACHE_WRITEBACK,
        };
        if (hi->has_backing_fmt && blk_format_from_name(hi->backing_fmt, &bo.format)) {
            free(bpath);
            FAIL(-ENOTSUP, "%s: backing file format '%s' is not supported (raw, qcow2 are)", path,
                 hi->backing_fmt);
        }
        char berr[512];
        r = blk_open_depth(&bo, depth + 1, &q->backing, berr, sizeof(berr));
        free(bpath);
        if (r)
            FAIL(r, "%s: backing file: %s", path, berr);
    }

    /* a writer that postponed refcount updates left it dirty: check before writing */
    if (!o->readonly && (incompat & QCOW2_INCOMPAT_DIRTY)) {
        uint64_t leaks, errors;
        r = qcow2_check_references(q, &leaks, &errors);
        if (r || errors)
            FAIL(r ? r : -EINVAL, "%s: qcow2 image is dirty and its refcounts are wrong "
                 "(qemu-img check -r all repairs it)", path);
        uint8_t z[8] = { 0 };
        qcow2_put_be64(z, incompat & ~QCOW2_INCOMPAT_DIRTY);
        if ((r = blk_file_pwrite(&q->file, z, 8, QCOW2_HDR_INCOMPAT)) ||
            (r = blk_file_sync(&q->file)))
            FAIL(r, "%s: clearing the dirty bit: %s", path, strerror(-r));
    }
    /* autoclear features we do not maintain (bitmaps) become invalid once we write */
    if (!o->readonly && autoclear) {
        uint8_t z[8] = { 0 };
        if ((r = blk_file_pwrite(&q->file, z, 8, QCOW2_HDR_AUTOCLEAR)) ||
            (r = blk_file_sync(&q->file)))
            FAIL(r, "%s: clearing autoclear features: %s", path, strerror(-r));
    }
    free(hdr);
    free(hi);
    h->drv = &qcow2_ops;
    h->file = &q->file;
    h->pub.priv = q;
    h->pub.size = (q->size + BLK_SECTOR - 1) & ~(uint64_t)(BLK_SECTOR - 1);
    return 0;

fail:
    free(hdr);
    free(hi);
    qcow2_free(q);
    return r;
}
