/*
 * qcow2 internals shared by qcow2*.c (format: QEMU docs/interop/qcow2.txt; all on-disk
 * integers are big-endian). Only this folder includes it.
 */
#ifndef MVISOR_BLOCK_QCOW2_H
#define MVISOR_BLOCK_QCOW2_H

#include "devices/block/internal.h"

#define QCOW2_MAGIC 0x514649fbu /* "QFI\xfb" */
#define QCOW2_OFFSET_MASK 0x00fffffffffffe00ull /* bits 9-55: L1 and standard L2 entries */
#define QCOW2_COPIED (1ull << 63)               /* refcount is exactly 1 */
#define QCOW2_COMPRESSED (1ull << 62)
#define QCOW2_ZERO 1ull                         /* v3: the cluster reads as zeroes */
#define QCOW2_L1_RESERVED 0x7f000000000001ffull
#define QCOW2_L2_RESERVED 0x3f000000000001feull

/* incompatible feature bits (qcow2.txt "incompatible_features") */
#define QCOW2_INCOMPAT_DIRTY (1ull << 0)
#define QCOW2_INCOMPAT_CORRUPT (1ull << 1)
#define QCOW2_INCOMPAT_DATA_FILE (1ull << 2)
#define QCOW2_INCOMPAT_COMPRESSION (1ull << 3)
#define QCOW2_INCOMPAT_EXTL2 (1ull << 4)

/* header extension types */
#define QCOW2_EXT_END 0
#define QCOW2_EXT_BACKING_FORMAT 0xe2792acau
#define QCOW2_EXT_FEATURE_TABLE 0x6803f857u
#define QCOW2_EXT_DATA_FILE 0x44415441u

/* header field offsets */
#define QCOW2_HDR_REFCOUNT_TABLE 48  /* offset (8) then clusters (4): rewritten together */
#define QCOW2_HDR_INCOMPAT 72
#define QCOW2_HDR_AUTOCLEAR 88

#define QCOW2_CACHE_L2 32     /* L2 tables kept in memory */
#define QCOW2_CACHE_REFBLOCK 16

struct qcow2_cache_entry {
    uint64_t off;  /* 0: empty */
    uint8_t *buf;  /* one cluster */
    bool dirty;
    uint64_t used; /* LRU tick */
};

struct qcow2_cache {
    struct qcow2_cache_entry *e;
    unsigned n;
    uint64_t tick;
    bool is_l2;
};

enum qcow2_kind { QCOW2_UNALLOC, QCOW2_ZERO_CL, QCOW2_NORMAL, QCOW2_COMPRESSED_CL };

struct qcow2 {
    struct blk_file file;
    struct blk *backing;
    char *path;
    bool readonly;
    unsigned version;
    unsigned cluster_bits;
    uint64_t cluster_size;
    unsigned l2_bits;       /* log2 of entries per L2 table */
    uint64_t size;          /* virtual size from the header */

    uint64_t l1_offset;
    uint32_t l1_size;
    uint64_t *l1;           /* host order */
    bool l1_dirty;

    uint64_t rt_offset;
    uint32_t rt_clusters;
    uint64_t rt_entries;
    uint64_t *rt;           /* refcount table, host order */
    bool rt_dirty;
    unsigned refcount_order;
    unsigned rb_bits;       /* log2 of entries per refcount block */
    uint64_t refcount_max;

    struct qcow2_cache l2c, rbc;
    uint64_t free_hint;     /* no free cluster below this one */
    uint64_t *frees;        /* clusters whose refcount drops once the mapping change is durable */
    size_t n_frees, cap_frees;

    uint8_t *cbuf;          /* a cluster: copy-on-write and decompression */
    uint8_t *zbuf;          /* compressed bytes (up to two clusters) */
    uint64_t zbuf_desc;     /* the descriptor cbuf holds decompressed (0: none) */
};

uint64_t qcow2_be64(const uint8_t *p);
uint32_t qcow2_be32(const uint8_t *p);
void qcow2_put_be64(uint8_t *p, uint64_t v);
void qcow2_put_be32(uint8_t *p, uint32_t v);

/* qcow2_cache.c: L2 tables and refcount blocks by host offset. fresh: a new all-zero table
 * (nothing is read). Evicting a dirty L2 table writes all metadata in order first. */
int qcow2_cache_init(struct qcow2_cache *c, unsigned n, uint64_t cluster_size, bool is_l2);
void qcow2_cache_free(struct qcow2_cache *c);
int qcow2_cache_get(struct qcow2 *q, struct qcow2_cache *c, uint64_t off, bool fresh,
                    struct qcow2_cache_entry **out);

/* qcow2_refcount.c */
int qcow2_refcount_get(struct qcow2 *q, uint64_t cluster, uint64_t *out);
int qcow2_alloc_cluster(struct qcow2 *q, uint64_t *host_off);
int qcow2_free_later(struct qcow2 *q, uint64_t host_off, uint64_t len);
int qcow2_apply_frees(struct qcow2 *q);
int qcow2_check_references(struct qcow2 *q, uint64_t *leaks, uint64_t *errors);

/* qcow2.c: writes every dirty table in the order a crash can only leak (refcount blocks, the
 * refcount table, L2 tables, L1, each step behind a host flush), then applies deferred frees. */
int qcow2_meta_flush(struct qcow2 *q);

/* qcow2_cluster.c: the guest-visible operations */
int qcow2_read(struct blk *b, uint64_t off, void *buf, size_t len);
int qcow2_readv(struct blk *b, uint64_t off, const struct iovec *iov, int iovcnt, size_t len);
int qcow2_write(struct blk *b, uint64_t off, const void *buf, size_t len);
int qcow2_writev(struct blk *b, uint64_t off, const struct iovec *iov, int iovcnt, size_t len);
int qcow2_discard(struct blk *b, uint64_t off, uint64_t len);
int qcow2_write_zeroes(struct blk *b, uint64_t off, uint64_t len, bool may_unmap);
int qcow2_extent(struct blk *b, uint64_t off, uint64_t len, struct blk_extent *out);
int qcow2_files(struct blk *b, struct blk_extent *out, int max);

#endif
