/*
 * devices/block internals: the host-file layer every backend writes through (file.c), the
 * handle blk_open returns, and the backends' open functions. Not for use outside devices/block
 * and its unit tests.
 */
#ifndef MVISOR_BLOCK_INTERNAL_H
#define MVISOR_BLOCK_INTERNAL_H

#include <stdarg.h>
#include "devices/block/block.h"

/* One open host file. With O_DIRECT every transfer goes through an aligned bounce buffer
 * unless the caller's buffer, offset and length are already aligned. */
struct blk_file {
    int fd;
    bool direct;          /* opened with O_DIRECT */
    bool readonly;
    bool sync_on_flush;   /* false for cache=unsafe: blk_file_sync is a no-op */
    bool dead;            /* crashed or powered off (tests): writes go nowhere */
    uint64_t size;        /* host file size as this process knows it */
    /* identity of a regular file (st_dev, st_ino, st_mtim) for the buffer cache */
    bool regular;
    uint64_t dev, ino;
    int64_t mtime_ns;
    struct blk_stats *stats; /* host_flushes counts here */
    /* test backend: writes not yet synced (lossy) */
    bool lossy;
    struct blk_pending *pending;
    size_t n_pending, cap_pending;
};

#define BLK_DIRECT_ALIGN 4096u

int blk_file_open(struct blk_file *f, const char *path, bool readonly, enum blk_cache cache,
                  bool lossy, struct blk_stats *stats, char *err, size_t errlen);
void blk_file_close(struct blk_file *f);
/* Whole transfers: a read past the end of the file fills zeroes. 0 or -errno. */
int blk_file_pread(struct blk_file *f, void *buf, size_t len, uint64_t off);
int blk_file_pwrite(struct blk_file *f, const void *buf, size_t len, uint64_t off);
/* The same for the first len bytes of iov (preadv / pwritev; O_DIRECT with an unaligned buffer
 * and the test backend go through one bounce buffer). */
int blk_file_preadv(struct blk_file *f, const struct iovec *iov, int n, size_t len, uint64_t off);
int blk_file_pwritev(struct blk_file *f, const struct iovec *iov, int n, size_t len, uint64_t off);
/* fdatasync (counted in host_flushes) unless the cache mode is unsafe. */
int blk_file_sync(struct blk_file *f);
/* The range reads as zeroes; punch = the space may be freed. */
int blk_file_zero(struct blk_file *f, uint64_t off, uint64_t len, bool punch);
void blk_file_power_fail(struct blk_file *f, uint64_t seed);

/* blk_readv / blk_writev through ops->read / write: one bounce buffer (none for one iovec). */
int blk_rwv_bounce(struct blk *b, const struct blk_ops *ops, uint64_t off, const struct iovec *iov, int iovcnt,
                   size_t len, bool write);

/* Test hook (crash injection): when >= 0, the number of host writes and syncs that still reach
 * the disk; at 0 every file is dead, as after a kill at that point. -1 (default): no crash. */
extern long blk_fault_writes_left;
extern uint64_t blk_fault_seed;

/* A file's bytes [off, off + len) as a shareable extent (blk_extent): only a regular file opened
 * read-only and not the test backend's. Returns whether it is. */
bool blk_file_extent(const struct blk_file *f, uint64_t off, uint64_t len, struct blk_extent *out);

/* The handle behind every struct blk: the public part, the backend's own ops (the public ops
 * check ranges, read-only and count stats, then call these) and its main file. */
struct blk_handle {
    struct blk pub;
    const struct blk_ops *drv;
    struct blk_file *file;
};

static inline struct blk_handle *blk_handle_of(struct blk *b)
{
    return (struct blk_handle *)((char *)b - __builtin_offsetof(struct blk_handle, pub));
}

/* err helper: one line into err (ignored when err is NULL). Returns ret. */
int blk_err(char *err, size_t errlen, int ret, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Backends: fill h (drv, file, pub.size, pub.priv); one line in err on failure. */
int blk_raw_open(struct blk_handle *h, const struct blk_open_opts *o, char *err, size_t errlen);
int blk_qcow2_open(struct blk_handle *h, const struct blk_open_opts *o, int depth, char *err,
                   size_t errlen);

/* blk_open with a chain depth (backing files are opened through this). */
int blk_open_depth(const struct blk_open_opts *o, int depth, struct blk **out, char *err,
                   size_t errlen);
#define BLK_MAX_CHAIN 16

/* Probe: the format of the file from its first bytes; 1 with its name in *what if it is a
 * format we do not support (e.g. "vmdk"), 0 otherwise. */
int blk_probe(const uint8_t *head, size_t n, enum blk_format *fmt, const char **what);

#endif
