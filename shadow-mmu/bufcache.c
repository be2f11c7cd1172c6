/*
 * The global buffer cache: file pages in machine pages, one per (file, page)
 * per monitor (shadow-mmu/bufcache.h says what for).
 *
 * A hash table from (file number, page) to an entry, and an LRU list of the
 * entries. An entry holds one reference of its machine page (flagged
 * MPAGE_FILE | MPAGE_SHARED, as the boot file cache's); every caller takes
 * its own, and a guest mapping takes one more, so a page lives as long as
 * the cache or any guest has it. A page is never written once it is in the
 * cache: only that makes mapping it into guests copy-on-write safe.
 *
 * Reads happen outside the lock. A missing page is first entered as
 * loading (its machine page allocated, so the run can be read with one
 * preadv), and whoever finds it loading waits on the cache's condition
 * until the reader publishes or drops it. A caller reads all its own
 * missing pages before it waits for anyone else's, so two callers never
 * wait on each other.
 *
 * Files are numbered: the identity (device, inode, size, modification time)
 * of every file seen is kept, and a file whose size or time changed gets a
 * new number, so its old pages are never found again (the LRU drops them).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "shadow-mmu/bufcache.h"

#define BATCH 64           /* pages handled per pass of bufcache_get */
#define EVICT_SCAN 32      /* LRU entries looked at for one no guest maps */
#define DEFAULT_LIMIT (256ull << 20 >> MACH_PAGE_BITS) /* 256 MiB */

struct entry {
    struct entry *hnext;       /* hash chain */
    struct entry *prev, *next; /* LRU, most recent first */
    uint64_t page;
    uint32_t file;
    mpn_t m;
    bool loading;
};

struct file_rec {
    struct bufcache_file id;
    uint32_t num;
    unsigned users; /* drives that opened it (bufcache_file_open) */
};

struct bufcache {
    struct machmem *mm;
    pthread_mutex_t lock;
    pthread_cond_t loaded;
    struct entry **bucket;
    uint32_t nbuckets; /* a power of two */
    struct entry lru;  /* sentinel: lru.next is the most recent */
    uint64_t pages, limit;
    struct file_rec *files;
    uint32_t nfiles, capfiles, next_num;
    struct bufcache_stats st;
};

static _Atomic uint64_t default_limit = DEFAULT_LIMIT;

void bufcache_set_default_limit(uint64_t pages)
{
    atomic_store(&default_limit, pages);
}

uint64_t bufcache_default_limit(void)
{
    return atomic_load(&default_limit);
}

static struct bufcache *bufcache_new(struct machmem *mm, uint64_t limit)
{
    struct bufcache *bc = calloc(1, sizeof(*bc));
    if (!bc)
        return NULL;
    uint32_t nb = 1024;
    while (nb < limit && nb < (1u << 20))
        nb <<= 1;
    bc->bucket = calloc(nb, sizeof(*bc->bucket));
    if (!bc->bucket) {
        free(bc);
        return NULL;
    }
    bc->nbuckets = nb;
    bc->mm = mm;
    bc->limit = limit;
    bc->lru.next = bc->lru.prev = &bc->lru;
    pthread_mutex_init(&bc->lock, NULL);
    pthread_cond_init(&bc->loaded, NULL);
    return bc;
}

struct bufcache *bufcache_of(struct machmem *mm)
{
    if (!mm)
        return NULL;
    pthread_mutex_t *pool = (pthread_mutex_t *)mm->lock;
    pthread_mutex_lock(pool);
    struct bufcache *bc = mm->bufcache;
    uint64_t limit = atomic_load(&default_limit);
    if (!bc && limit) {
        bc = bufcache_new(mm, limit);
        mm->bufcache = bc;
    }
    pthread_mutex_unlock(pool);
    return bc;
}

static uint32_t hash(const struct bufcache *bc, uint32_t file, uint64_t page)
{
    uint64_t h = (page ^ (uint64_t)file << 40) * 0x9E3779B97F4A7C15ull;
    return (uint32_t)(h >> 32) & (bc->nbuckets - 1);
}

static struct entry *find(struct bufcache *bc, uint32_t file, uint64_t page)
{
    for (struct entry *e = bc->bucket[hash(bc, file, page)]; e; e = e->hnext)
        if (e->file == file && e->page == page)
            return e;
    return NULL;
}

static void lru_unlink(struct entry *e)
{
    e->prev->next = e->next;
    e->next->prev = e->prev;
}

static void lru_front(struct bufcache *bc, struct entry *e)
{
    e->next = bc->lru.next;
    e->prev = &bc->lru;
    bc->lru.next->prev = e;
    bc->lru.next = e;
}

/* Takes e out of the cache (lock held) and lets its page go. */
static void drop(struct bufcache *bc, struct entry *e)
{
    struct entry **pp = &bc->bucket[hash(bc, e->file, e->page)];
    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    lru_unlink(e);
    bc->pages--;
    machmem_put(bc->mm, e->m);
    free(e);
}

/* Makes room down to the limit (lock held): the least recently used page no guest maps, else
 * the least recently used one. Pages being read stay. */
static void evict(struct bufcache *bc)
{
    while (bc->pages > bc->limit) {
        struct entry *victim = NULL, *oldest = NULL;
        unsigned seen = 0;
        for (struct entry *e = bc->lru.prev; e != &bc->lru && seen < EVICT_SCAN; e = e->prev) {
            if (e->loading)
                continue;
            seen++;
            if (!oldest)
                oldest = e;
            if (machmem_info(bc->mm, e->m).refs == 1) {
                victim = e;
                break;
            }
        }
        if (!victim)
            victim = oldest;
        if (!victim)
            return; /* everything is being read: over the limit until it is in */
        bc->st.evictions++;
        if (machmem_info(bc->mm, victim->m).refs > 1)
            bc->st.evicted_mapped++;
        drop(bc, victim);
    }
}

void bufcache_set_limit(struct bufcache *bc, uint64_t pages)
{
    pthread_mutex_lock(&bc->lock);
    bc->limit = pages ? pages : 1;
    evict(bc);
    pthread_mutex_unlock(&bc->lock);
}

void bufcache_free(struct bufcache *bc)
{
    if (!bc)
        return;
    /* The pool goes too: its pages need no putting back one by one. */
    for (struct entry *e = bc->lru.next, *n; e != &bc->lru; e = n) {
        n = e->next;
        free(e);
    }
    free(bc->bucket);
    free(bc->files);
    pthread_mutex_destroy(&bc->lock);
    pthread_cond_destroy(&bc->loaded);
    free(bc);
}

/* The number of file id (lock held); a changed file gets a new one. UINT32_MAX: no memory. */
static uint32_t file_num(struct bufcache *bc, const struct bufcache_file *id)
{
    for (uint32_t i = 0; i < bc->nfiles; i++) {
        struct file_rec *f = &bc->files[i];
        if (f->id.dev != id->dev || f->id.ino != id->ino)
            continue;
        if (f->id.size != id->size || f->id.mtime_ns != id->mtime_ns) {
            f->id = *id;
            f->num = bc->next_num++;
            f->users = 0;
        }
        return f->num;
    }
    if (bc->nfiles == bc->capfiles) {
        uint32_t cap = bc->capfiles ? 2 * bc->capfiles : 8;
        struct file_rec *nf = realloc(bc->files, cap * sizeof(*nf));
        if (!nf)
            return UINT32_MAX;
        bc->files = nf;
        bc->capfiles = cap;
    }
    bc->files[bc->nfiles] = (struct file_rec){.id = *id, .num = bc->next_num++};
    bc->st.files++;
    return bc->files[bc->nfiles++].num;
}

/* Reads file pages [page, page + n) into machine pages ms[0..n) (fresh, so zero where the file
 * ends); 0 or -errno. *bytes: what came from the host. */
static int read_run(struct bufcache *bc, int fd, uint64_t page, const mpn_t *ms, uint32_t n, uint64_t *bytes,
                    uint64_t *calls)
{
    struct iovec iov[BATCH];
    for (uint32_t i = 0; i < n; i++)
        iov[i] = (struct iovec){machmem_page(bc->mm, ms[i]), MACH_PAGE_SIZE};
    uint64_t off = page << MACH_PAGE_BITS, want = (uint64_t)n << MACH_PAGE_BITS, done = 0;
    unsigned first = 0;
    while (done < want) {
        ssize_t r = preadv(fd, iov + first, (int)(n - first), (off_t)(off + done));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        (*calls)++;
        if (r == 0)
            break; /* the end of the file: the rest reads as zero */
        done += (uint64_t)r;
        *bytes += (uint64_t)r;
        /* A short read: go on from where it stopped. */
        uint64_t skip = (uint64_t)r;
        while (first < n && skip >= iov[first].iov_len) {
            skip -= iov[first].iov_len;
            first++;
        }
        if (first < n) {
            iov[first].iov_base = (uint8_t *)iov[first].iov_base + skip;
            iov[first].iov_len -= skip;
        }
    }
    return 0;
}

static uint32_t get_batch(struct bufcache *bc, const struct bufcache_file *id, int fd, uint64_t first, uint32_t n,
                          mpn_t *out, uint64_t *read_bytes)
{
    enum { HAVE, MINE, WAIT, NONE } st[BATCH];
    struct entry *mine[BATCH];
    uint32_t held = 0;
    pthread_mutex_lock(&bc->lock);
    uint32_t file = file_num(bc, id);
    for (uint32_t i = 0; i < n; i++) {
        out[i] = MPN_NONE;
        st[i] = NONE;
        if (file == UINT32_MAX)
            continue;
        struct entry *e = find(bc, file, first + i);
        if (e && !e->loading) {
            machmem_get(bc->mm, e->m);
            out[i] = e->m;
            st[i] = HAVE;
            held++;
            bc->st.hits++;
            lru_unlink(e);
            lru_front(bc, e);
            continue;
        }
        st[i] = e ? WAIT : MINE;
    }
    /* Each run of misses in consecutive machine pages when the pool has them, so a guest that
     * reads the run into consecutive pages maps it with one remap. */
    for (uint32_t i = 0; i < n;) {
        if (st[i] != MINE) {
            i++;
            continue;
        }
        uint32_t j = i + 1;
        while (j < n && st[j] == MINE)
            j++;
        mpn_t run = j - i > 1 ? machmem_alloc_run(bc->mm, j - i) : MPN_NONE;
        for (uint32_t k = i; k < j; k++) {
            mpn_t m = run != MPN_NONE ? run + (k - i) : machmem_alloc(bc->mm);
            struct entry *e = m == MPN_NONE ? NULL : malloc(sizeof(*e));
            if (!e) {
                if (m != MPN_NONE)
                    machmem_put(bc->mm, m);
                st[k] = NONE;
                continue;
            }
            machmem_set_flags(bc->mm, m, MPAGE_FILE | MPAGE_SHARED, 0);
            *e = (struct entry){.page = first + k, .file = file, .m = m, .loading = true};
            uint32_t h = hash(bc, file, first + k);
            e->hnext = bc->bucket[h];
            bc->bucket[h] = e;
            lru_front(bc, e);
            bc->pages++;
            mine[k] = e;
        }
        i = j;
    }
    evict(bc);
    pthread_mutex_unlock(&bc->lock);

    /* Our own misses, each run of consecutive pages in one read. */
    int rc[BATCH];
    uint64_t bytes = 0, calls = 0;
    for (uint32_t i = 0; i < n;) {
        if (st[i] != MINE) {
            i++;
            continue;
        }
        uint32_t j = i;
        mpn_t ms[BATCH];
        while (j < n && st[j] == MINE) {
            ms[j - i] = mine[j]->m;
            j++;
        }
        int r = read_run(bc, fd, first + i, ms, j - i, &bytes, &calls);
        for (uint32_t k = i; k < j; k++)
            rc[k] = r;
        i = j;
    }

    pthread_mutex_lock(&bc->lock);
    for (uint32_t i = 0; i < n; i++) {
        if (st[i] != MINE)
            continue;
        struct entry *e = mine[i];
        if (rc[i] == 0) {
            e->loading = false;
            machmem_get(bc->mm, e->m);
            out[i] = e->m;
            held++;
            bc->st.misses++;
        } else {
            drop(bc, e);
        }
    }
    bc->st.host_bytes += bytes;
    bc->st.host_reads += calls;
    pthread_cond_broadcast(&bc->loaded);
    for (uint32_t i = 0; i < n; i++) {
        if (st[i] != WAIT)
            continue;
        struct entry *e;
        while ((e = find(bc, file, first + i)) && e->loading)
            pthread_cond_wait(&bc->loaded, &bc->lock);
        if (e) {
            machmem_get(bc->mm, e->m);
            out[i] = e->m;
            held++;
            bc->st.hits++;
        }
    }
    evict(bc);
    pthread_mutex_unlock(&bc->lock);
    if (read_bytes)
        *read_bytes += bytes;
    return held;
}

uint32_t bufcache_get(struct bufcache *bc, const struct bufcache_file *id, int fd, uint64_t first, uint32_t n,
                      mpn_t *out, uint64_t *read_bytes)
{
    if (read_bytes)
        *read_bytes = 0;
    uint32_t held = 0;
    for (uint32_t done = 0; done < n;) {
        uint32_t k = n - done < BATCH ? n - done : BATCH;
        held += get_batch(bc, id, fd, first + done, k, out + done, read_bytes);
        done += k;
    }
    return held;
}

/* The record of file id, made if new (lock held); NULL: no memory. */
static struct file_rec *file_rec(struct bufcache *bc, const struct bufcache_file *id)
{
    uint32_t num = file_num(bc, id);
    for (uint32_t i = 0; num != UINT32_MAX && i < bc->nfiles; i++)
        if (bc->files[i].num == num)
            return &bc->files[i];
    return NULL;
}

void bufcache_file_open(struct bufcache *bc, const struct bufcache_file *id)
{
    pthread_mutex_lock(&bc->lock);
    struct file_rec *f = file_rec(bc, id);
    if (f)
        f->users++;
    pthread_mutex_unlock(&bc->lock);
}

void bufcache_file_close(struct bufcache *bc, const struct bufcache_file *id)
{
    pthread_mutex_lock(&bc->lock);
    struct file_rec *f = file_rec(bc, id);
    if (f && f->users)
        f->users--;
    pthread_mutex_unlock(&bc->lock);
}

unsigned bufcache_file_users(struct bufcache *bc, const struct bufcache_file *id)
{
    pthread_mutex_lock(&bc->lock);
    struct file_rec *f = file_rec(bc, id);
    unsigned n = f ? f->users : 0;
    pthread_mutex_unlock(&bc->lock);
    return n;
}

mpn_t bufcache_peek(struct bufcache *bc, const struct bufcache_file *id, uint64_t p)
{
    mpn_t m = MPN_NONE;
    pthread_mutex_lock(&bc->lock);
    for (uint32_t i = 0; i < bc->nfiles; i++) {
        const struct file_rec *f = &bc->files[i];
        if (f->id.dev == id->dev && f->id.ino == id->ino && f->id.size == id->size &&
            f->id.mtime_ns == id->mtime_ns) {
            struct entry *e = find(bc, f->num, p);
            if (e && !e->loading)
                m = e->m;
        }
    }
    pthread_mutex_unlock(&bc->lock);
    return m;
}

void bufcache_get_stats(struct bufcache *bc, struct bufcache_stats *out)
{
    pthread_mutex_lock(&bc->lock);
    *out = bc->st;
    out->pages = bc->pages;
    out->limit = bc->limit;
    pthread_mutex_unlock(&bc->lock);
}
