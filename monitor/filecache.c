/*
 * The boot file cache: a -kernel or -initrd file read into machine pages
 * once per monitor, then mapped copy-on-write into every VM that boots it
 * (and into the same VM again when it reboots), so VMs of one monitor share
 * the file's pages until they write them. An entry is keyed by the file's
 * device, inode, size and modification time: a file changed on disk is
 * read again (what boots is what is on disk now); the old entry's pages
 * stay as long as a VM maps them.
 *
 * Only whole pages whose file offset and guest-physical address agree in
 * their low 12 bits can be shared; the rest is copied. What this saves is
 * bounded by what the guest keeps of them: Debian's vmlinuz is a zboot
 * wrapper that decompresses the kernel into other pages, and the initrd is
 * freed after it is unpacked (README, "Memory").
 *
 * VMs of one monitor may boot on several threads at once: the list is under
 * a lock, and a caller holds its entry (filecache_get to filecache_put), so
 * a file found changed on disk by another thread meanwhile is only unlinked,
 * and freed by its last holder.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor/internal.h"

struct file_entry {
    struct file_entry *next;
    struct machmem *mm;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    unsigned holders;  /* callers between filecache_get and filecache_put */
    bool unlinked;     /* replaced by a newer read of the file: freed by its last holder */
    struct file_pages f;
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct file_entry *cache;

static void entry_free(struct file_entry *fe)
{
    machmem_put_many(fe->mm, (mpn_t *)fe->f.pages, fe->f.npages);
    free((void *)fe->f.pages);
    free(fe);
}

/* Reads the whole of fd into a run of fresh machine pages, in large reads. */
static int read_pages(struct machmem *mm, int fd, off_t size, struct file_entry *fe)
{
    uint32_t n = (uint32_t)(((uint64_t)size + MACH_PAGE_SIZE - 1) >> MACH_PAGE_BITS);
    mpn_t *pages = calloc(n ? n : 1, sizeof(*pages));
    if (!pages)
        return -ENOMEM;
    mpn_t first = n ? machmem_alloc_run(mm, n) : 0;
    if (first == MPN_NONE) {
        free(pages);
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < n; i++) {
        pages[i] = first + i;
        machmem_set_flags(mm, first + i, MPAGE_FILE | MPAGE_SHARED, 0);
    }
    uint8_t *h = machmem_page(mm, first);
    int rc = 0;
    for (off_t done = 0; done < size;) {
        size_t want = size - done < (off_t)(64u << 20) ? (size_t)(size - done) : (64u << 20);
        ssize_t r = pread(fd, h + done, want, done);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            rc = r < 0 ? -errno : -EIO; /* a read error, or the file shrank */
            break;
        }
        done += r;
    }
    if (rc < 0) {
        machmem_put_many(mm, pages, n);
        free(pages);
        return rc;
    }
    fe->f.pages = pages;
    fe->f.npages = n;
    fe->f.size = (uint64_t)size;
    fe->f.mm = mm;
    return 0;
}

int filecache_get(struct machmem *mm, int fd, struct file_pages *out)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -errno;
    if (!S_ISREG(st.st_mode))
        return -EINVAL;
    pthread_mutex_lock(&cache_lock);
    struct file_entry **pp = &cache, *fe;
    int rc = 0;
    while ((fe = *pp) != NULL) {
        if (fe->mm == mm && fe->dev == st.st_dev && fe->ino == st.st_ino) {
            if (fe->size == st.st_size && fe->mtime.tv_sec == st.st_mtim.tv_sec &&
                fe->mtime.tv_nsec == st.st_mtim.tv_nsec)
                goto found;
            *pp = fe->next; /* changed on disk: read again */
            fe->unlinked = true;
            if (fe->holders == 0)
                entry_free(fe);
            continue;
        }
        pp = &fe->next;
    }
    fe = calloc(1, sizeof(*fe));
    if (!fe) {
        rc = -ENOMEM;
        goto out;
    }
    rc = read_pages(mm, fd, st.st_size, fe);
    if (rc < 0) {
        free(fe);
        goto out;
    }
    fe->mm = mm;
    fe->dev = st.st_dev;
    fe->ino = st.st_ino;
    fe->size = st.st_size;
    fe->mtime = st.st_mtim;
    fe->next = cache;
    cache = fe;
found:
    fe->holders++;
    *out = fe->f;
    out->entry = fe;
out:
    pthread_mutex_unlock(&cache_lock);
    return rc;
}

void filecache_put(struct file_pages *f)
{
    struct file_entry *fe = f->entry;
    if (!fe)
        return;
    pthread_mutex_lock(&cache_lock);
    if (--fe->holders == 0 && fe->unlinked)
        entry_free(fe);
    pthread_mutex_unlock(&cache_lock);
    f->entry = NULL;
}

int filecache_load(struct physmap *pm, const struct file_pages *f, uint64_t off, gpa_t pa, uint64_t len)
{
    if (off > f->size || len > f->size - off)
        return -EINVAL;
    uint64_t done = 0;
    while (done < len) {
        uint64_t fo = off + done;
        gpa_t at = pa + done;
        mpn_t m = f->pages[fo >> MACH_PAGE_BITS];
        if (((fo | at) & (MACH_PAGE_SIZE - 1)) == 0 && len - done >= MACH_PAGE_SIZE) {
            /* Whole pages lined up: mapped copy-on-write, consecutive machine pages in one go. */
            uint32_t n = 1;
            while ((uint64_t)(n + 1) << MACH_PAGE_BITS <= len - done &&
                   f->pages[(fo >> MACH_PAGE_BITS) + n] == m + n)
                n++;
            if (physmap_map_cow(pm, at, m, n) == 0) {
                done += (uint64_t)n << MACH_PAGE_BITS;
                continue;
            }
        }
        /* Not a whole page of RAM lined up with the file: copied. */
        uint64_t n = MACH_PAGE_SIZE - (fo & (MACH_PAGE_SIZE - 1));
        if (n > MACH_PAGE_SIZE - (at & (MACH_PAGE_SIZE - 1)))
            n = MACH_PAGE_SIZE - (at & (MACH_PAGE_SIZE - 1));
        if (n > len - done)
            n = len - done;
        int rc = physmap_write(pm, at, machmem_page(f->mm, m) + (fo & (MACH_PAGE_SIZE - 1)), n);
        if (rc < 0)
            return rc;
        done += n;
    }
    return 0;
}
