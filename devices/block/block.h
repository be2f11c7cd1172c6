/*
 * devices/block: disk images behind one backend interface (raw, qcow2, and the test backend that
 * loses unflushed writes). A virtual disk device (virtio-blk) sees only this header.
 *
 * Offsets and lengths are bytes, multiples of BLK_SECTOR. Calls may block (they are made from a
 * device's I/O thread, never from a vCPU thread) and one backend is used by one thread at a time
 * unless its open says otherwise. Every call returns 0 or -errno; a corrupt image found at run
 * time is -EIO for that request, never a crash. Host-side errors at open are -errno with one
 * line in err.
 */
#ifndef MVISOR_BLOCK_H
#define MVISOR_BLOCK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define BLK_SECTOR 512u

/* QEMU's -drive cache= (QEMU docs "cache"): writeback (the default: host page cache, flush on
 * guest FLUSH), none (O_DIRECT, flush on guest FLUSH), unsafe (guest FLUSH ignored), and the two
 * without a write cache the guest sees: writethrough (host page cache) and directsync (O_DIRECT),
 * where every write is on stable storage before it completes. */
enum blk_cache { BLK_CACHE_WRITEBACK = 0, BLK_CACHE_NONE, BLK_CACHE_UNSAFE, BLK_CACHE_WRITETHROUGH,
                 BLK_CACHE_DIRECTSYNC };

/* The guest is told of no write cache (no VIRTIO_BLK_F_FLUSH): each write is flushed by the
 * device before it completes (QEMU: cache.writeback=off). */
static inline bool blk_cache_writethrough(enum blk_cache c)
{
    return c == BLK_CACHE_WRITETHROUGH || c == BLK_CACHE_DIRECTSYNC;
}

enum blk_format { BLK_FORMAT_PROBE = 0, BLK_FORMAT_RAW, BLK_FORMAT_QCOW2 };

struct blk;

/* Where the bytes of a read come from (blk_extent): the first len bytes from the offset asked
 * are bytes [file_off, file_off + len) of one host file that nothing in this monitor writes (a
 * drive opened read-only, an overlay's backing file; bytes past the file's end read as zero),
 * named by its identity for the buffer cache, or (fd = -1) something else: the writable top
 * image, zero clusters, compressed data, the end of a short backing file. */
struct blk_extent {
    uint64_t len;
    int fd;
    uint64_t file_off;
    uint64_t dev, ino, file_size;
    int64_t mtime_ns;
};

struct blk_ops {
    int (*read)(struct blk *b, uint64_t off, void *buf, size_t len);
    int (*write)(struct blk *b, uint64_t off, const void *buf, size_t len);
    int (*flush)(struct blk *b);
    /* Frees the range (raw: punches a hole; qcow2: frees whole clusters, zeroes the rest);
     * reads of it return zeroes afterwards only if write_zeroes was used. */
    int (*discard)(struct blk *b, uint64_t off, uint64_t len);
    /* Makes the range read as zeroes, freeing space where it can (may_unmap). */
    int (*write_zeroes)(struct blk *b, uint64_t off, uint64_t len, bool may_unmap);
    void (*close)(struct blk *b);
    /* Optional: where [off, off + len) comes from (struct blk_extent); out->len > 0, a whole
     * number of sectors, at most len. */
    int (*extent)(struct blk *b, uint64_t off, uint64_t len, struct blk_extent *out);
    /* Optional: the files blk_extent may name (blk_shareable_files). */
    int (*files)(struct blk *b, struct blk_extent *out, int max);
    /* Optional: read / write len bytes to / from the buffers of iov in order (a device's
     * request straight from guest RAM); without them blk_readv / blk_writev bounce. */
    int (*readv)(struct blk *b, uint64_t off, const struct iovec *iov, int iovcnt, size_t len);
    int (*writev)(struct blk *b, uint64_t off, const struct iovec *iov, int iovcnt, size_t len);
};

struct blk_stats {
    uint64_t reads, writes, flushes, host_flushes, discards, bytes_read, bytes_written;
};

/* How a virtual disk's reads were served (devices/virtio/virtio_blk.c keeps them; any thread
 * reads them): bytes mapped copy-on-write from the buffer cache, copied out of it, read from the
 * host into it by this drive's misses, and read past it (the writable top image, zero clusters,
 * compressed data, or every byte when the cache is off). */
struct blk_share_stats {
    _Atomic uint64_t reads;
    _Atomic uint64_t mapped, copied, host, direct;
};

struct blk {
    const struct blk_ops *ops;
    struct blk_share_stats share;
    uint64_t size;     /* virtual disk size in bytes */
    bool readonly;
    enum blk_cache cache;
    enum blk_format format;
    struct blk_stats stats;
    void *priv;        /* the backend's own state */
};

struct blk_open_opts {
    const char *path;
    enum blk_format format; /* PROBE: qcow2 if the file starts with its magic, else raw (QEMU warns) */
    bool readonly;
    enum blk_cache cache;
    /* Test backend (the reliability tests' power failure): host writes stay in memory until the
     * next flush; blk_power_fail drops them. Never set from a user option. */
    bool lossy;
};

/* Where a read of [off, off + len) (sectors, within the disk) finds its first bytes; 0, or
 * -ENOTSUP for a backend that cannot say (read it the ordinary way), -EIO for a corrupt table.
 * Same thread rules as a read. */
int blk_extent(struct blk *b, uint64_t off, uint64_t len, struct blk_extent *out);

/* The files whose bytes blk_extent may call shareable (a read-only drive's file, the files of a
 * backing chain): up to max of them into out (fd and identity; len and file_off 0); returns how
 * many it wrote. */
int blk_shareable_files(struct blk *b, struct blk_extent *out, int max);

/* Scattered transfers: the first len bytes of iov (it holds at least len) from / to the disk at
 * off; through the backend's readv / writev, else one bounce buffer and read / write. */
int blk_readv(struct blk *b, uint64_t off, const struct iovec *iov, int iovcnt, size_t len);
int blk_writev(struct blk *b, uint64_t off, const struct iovec *iov, int iovcnt, size_t len);

/* iovec helpers. blk_iov_slice: bytes [skip, skip + len) of iov as at most max entries of out;
 * returns how many (or -1 if iov is shorter or max too small). The copies move n bytes between
 * a flat buffer and iov from byte skip of iov on. */
int blk_iov_slice(const struct iovec *iov, int iovcnt, size_t skip, size_t len, struct iovec *out, int max);
void blk_iov_from_buf(const struct iovec *iov, int iovcnt, size_t skip, const void *buf, size_t n);
void blk_iov_to_buf(const struct iovec *iov, int iovcnt, size_t skip, void *buf, size_t n);
void blk_iov_zero(const struct iovec *iov, int iovcnt, size_t skip, size_t n);

/* Opens an image (and for qcow2 its backing chain); -errno with one line in err. */
int blk_open(const struct blk_open_opts *o, struct blk **out, char *err, size_t errlen);
void blk_close(struct blk *b);

/* "raw" or "qcow2" to BLK_FORMAT_*; -EINVAL for any other name. */
int blk_format_from_name(const char *name, enum blk_format *out);

/* Writes a fresh, empty qcow2 version 3 image at path (it must not exist) whose backing file is
 * base (stored as given: a relative name is the new file's folder's, so an overlay made in
 * another folder than the base's, e.g. -snapshot's temporary one, wants an absolute base) of
 * format base_format (RAW or QCOW2; PROBE probes it); its size is the base's. For -snapshot and
 * --clone overlays. */
int blk_create_overlay(const char *path, const char *base, enum blk_format base_format,
                       char *err, size_t errlen);

/* Test backend only (opened with lossy): the power fails now. Host writes since the last flush
 * are lost (with seed != 0 a pseudo-random subset of them reached the disk first, in any order),
 * and nothing written afterwards reaches the file; blk_close then only frees. */
void blk_power_fail(struct blk *b, uint64_t seed);

#endif
