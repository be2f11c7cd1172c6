/*
 * The global buffer cache (Disco's): pages of immutable host files (disk
 * images opened read-only, the backing files of overlays) in machine pages
 * of the monitor's pool, keyed by the file's identity and the page's offset
 * in it. Every drive of every VM that reads a file page finds the same
 * machine page: read from the host once, then mapped copy-on-write into
 * the guests that read it whole and page-aligned, or copied out for the
 * rest (devices/virtio/virtio_blk.c).
 *
 * Bound: the cache holds at most its limit of pages. When it is full, the
 * least recently used page is dropped, preferring one no guest maps (a
 * page a guest maps lives on for that guest, only the cache forgets it).
 * So the memory held by the cache alone is at most the limit.
 *
 * Only files that more than one drive opened go through it: a file one drive reads has nobody
 * to share with, and its reads are cheaper without the cache (no fill of fresh machine pages, no
 * remapping), as is its memory.
 */
#ifndef MVISOR_BUFCACHE_H
#define MVISOR_BUFCACHE_H

#include <stdatomic.h>
#include <stdint.h>

#include "shadow-mmu/shadow_mmu.h"

/* A file's identity: a file changed on disk (another size or modification time under the same
 * device and inode) is a new file, whose pages are read again. */
struct bufcache_file {
    uint64_t dev, ino, size;
    int64_t mtime_ns;
};

struct bufcache_stats {
    uint64_t pages;       /* pages the cache holds now */
    uint64_t limit;       /* the most it holds */
    uint64_t hits;        /* pages found in the cache */
    uint64_t misses;      /* pages read from the host */
    uint64_t host_bytes;  /* bytes read from host files */
    uint64_t host_reads;  /* read system calls that did it */
    uint64_t evictions;   /* pages dropped for room */
    uint64_t evicted_mapped; /* of which a guest still mapped */
    uint64_t files;       /* files seen */
};

struct bufcache;

/* The default bound for a pool's cache created from now on, in pages; 0: no cache at all (the
 * monitor's --buffer-cache). */
void bufcache_set_default_limit(uint64_t pages);
uint64_t bufcache_default_limit(void);
/* The buffer cache of the pool mm (one per pool, so one per monitor), created on first use with
 * the default limit; NULL when the cache is switched off or cannot be made. */
struct bufcache *bufcache_of(struct machmem *mm);
/* Changes the bound (pages, at least 1); drops what is over it. */
void bufcache_set_limit(struct bufcache *bc, uint64_t pages);
/* Called by machmem_destroy: forgets everything (the pool goes with its pages). */
void bufcache_free(struct bufcache *bc);

/*
 * Holds on pages [first, first + n) of the file id (page p = file bytes [p * 4 KiB, +4 KiB);
 * bytes past the end of the file read as zero). Pages not in the cache are read from fd (open on
 * that file) in as few reads as possible; a page another thread is reading is waited for. out[i]
 * receives the machine page with one reference taken for the caller (machmem_put when done), or
 * MPN_NONE if it could not be read (the caller reads those bytes another way). *read_bytes (if
 * not NULL) receives how many bytes this call read from the host. Returns how many pages it
 * holds. Any thread.
 */
uint32_t bufcache_get(struct bufcache *bc, const struct bufcache_file *id, int fd, uint64_t first, uint32_t n,
                      mpn_t *out, uint64_t *read_bytes);
/* A drive that may read the file id opens / closes it here. Only a file that several drives
 * read is worth the cache: with one reader a read goes past it (bufcache_file_users). */
void bufcache_file_open(struct bufcache *bc, const struct bufcache_file *id);
void bufcache_file_close(struct bufcache *bc, const struct bufcache_file *id);
unsigned bufcache_file_users(struct bufcache *bc, const struct bufcache_file *id);
/* The machine page that holds page p of the file, without taking it (tests); MPN_NONE if none. */
mpn_t bufcache_peek(struct bufcache *bc, const struct bufcache_file *id, uint64_t p);
void bufcache_get_stats(struct bufcache *bc, struct bufcache_stats *out);

#endif
