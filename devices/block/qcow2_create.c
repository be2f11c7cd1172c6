/*
 * A fresh qcow2 version 3 overlay over a base image (for -snapshot and --clone): 64 KiB clusters,
 * 16-bit refcounts, nothing allocated. Layout: cluster 0 the header with its extensions (backing
 * format, feature names) and the backing file name, 1 the refcount table, 2 its one refcount
 * block, 3.. the L1 table. The base is opened first, so a missing or unreadable base fails here
 * with one line, and its size becomes the overlay's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/block/qcow2.h"

#define CREATE_CLUSTER_BITS 16

static uint64_t put_ext(uint8_t *h, uint64_t p, uint32_t type, const void *data, uint32_t len)
{
    qcow2_put_be32(h + p, type);
    qcow2_put_be32(h + p + 4, len);
    memcpy(h + p + 8, data, len);
    return p + 8 + ((len + 7) & ~7u);
}

static int write_all(int fd, const void *buf, size_t len, off_t off)
{
    const uint8_t *p = buf;
    while (len) {
        ssize_t n = pwrite(fd, p, len, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -errno : -EIO;
        p += n;
        off += n;
        len -= (size_t)n;
    }
    return 0;
}

int blk_create_overlay(const char *path, const char *base, enum blk_format base_format,
                       char *err, size_t errlen)
{
    if (!base || !*base || strlen(base) > 1023)
        return blk_err(err, errlen, -EINVAL, "%s: backing file name empty or too long", path);
    char *open_path;
    if (base[0] == '/') {
        open_path = strdup(base);
    } else {
        char *d = strdup(path);
        if (!d || asprintf(&open_path, "%s/%s", dirname(d), base) < 0)
            open_path = NULL;
        free(d);
    }
    if (!open_path)
        return blk_err(err, errlen, -ENOMEM, "%s: out of memory", path);
    struct blk *b;
    char berr[512];
    struct blk_open_opts bo = { .path = open_path, .format = base_format, .readonly = true };
    int r = blk_open(&bo, &b, berr, sizeof(berr));
    free(open_path);
    if (r)
        return blk_err(err, errlen, r, "%s: backing file: %s", path, berr);
    uint64_t size = b->size;
    const char *fmt = b->format == BLK_FORMAT_QCOW2 ? "qcow2" : "raw";
    blk_close(b);

    const uint64_t cs = 1ull << CREATE_CLUSTER_BITS;
    uint64_t per_l1 = cs * (cs / 8);
    uint64_t l1_size = (size + per_l1 - 1) / per_l1;
    if (!l1_size)
        l1_size = 1;
    uint64_t l1_clusters = (l1_size * 8 + cs - 1) / cs;
    uint64_t total = 3 + l1_clusters;
    if (total > cs * 8 / 16)
        return blk_err(err, errlen, -EFBIG, "%s: backing file too large for an overlay", path);

    uint8_t *img = calloc(total, cs);
    if (!img)
        return blk_err(err, errlen, -ENOMEM, "%s: out of memory", path);
    uint8_t *h = img;
    qcow2_put_be32(h, QCOW2_MAGIC);
    qcow2_put_be32(h + 4, 3);
    qcow2_put_be32(h + 20, CREATE_CLUSTER_BITS);
    qcow2_put_be64(h + 24, size);
    qcow2_put_be32(h + 36, (uint32_t)l1_size);
    qcow2_put_be64(h + 40, 3 * cs);
    qcow2_put_be64(h + 48, cs);
    qcow2_put_be32(h + 56, 1);
    qcow2_put_be32(h + 96, 4);   /* refcount_order: 16-bit counts */
    qcow2_put_be32(h + 100, 112); /* header_length: the compression type byte, padded */
    uint64_t p = 112;
    p = put_ext(h, p, QCOW2_EXT_BACKING_FORMAT, fmt, (uint32_t)strlen(fmt));
    /* feature names: type (0 incompatible, 1 compatible, 2 autoclear), bit, 46-byte name */
    static const struct { uint8_t type, bit; const char *name; } feats[] = {
        { 0, 0, "dirty bit" }, { 0, 1, "corrupt bit" }, { 0, 2, "external data file" },
        { 0, 3, "compression type" }, { 0, 4, "extended L2 entries" },
        { 1, 0, "lazy refcounts" }, { 2, 0, "bitmaps" }, { 2, 1, "raw external data" },
    };
    uint8_t table[sizeof(feats) / sizeof(feats[0]) * 48] = { 0 };
    for (size_t i = 0; i < sizeof(feats) / sizeof(feats[0]); i++) {
        table[48 * i] = feats[i].type;
        table[48 * i + 1] = feats[i].bit;
        memcpy(table + 48 * i + 2, feats[i].name, strlen(feats[i].name));
    }
    p = put_ext(h, p, QCOW2_EXT_FEATURE_TABLE, table, sizeof(table));
    p += 8; /* end of extensions */
    qcow2_put_be64(h + 8, p);
    qcow2_put_be32(h + 16, (uint32_t)strlen(base));
    memcpy(h + p, base, strlen(base));
    qcow2_put_be64(img + cs, 2 * cs); /* refcount table entry 0 */
    for (uint64_t c = 0; c < total; c++) { /* 16-bit big-endian counts of the metadata */
        img[2 * cs + 2 * c] = 0;
        img[2 * cs + 2 * c + 1] = 1;
    }

    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        r = -errno;
        free(img);
        return blk_err(err, errlen, r, "%s: %s", path, strerror(-r));
    }
    r = write_all(fd, img, total * cs, 0);
    if (!r && fsync(fd) < 0)
        r = -errno;
    close(fd);
    free(img);
    if (r) {
        unlink(path);
        return blk_err(err, errlen, r, "%s: writing the overlay: %s", path, strerror(-r));
    }
    return 0;
}
