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

/* Reads the whole of fd into fresh machine pages. */
static int read_pages(struct machmem *mm, int fd, off_t size, struct file_entry *fe)
{
    uint32_t n = (uint32_t)(((uint64_t)size + MACH_PAGE_SIZE - 1) >> MACH_PAGE_BITS);
    mpn_t *pages = calloc(n ? n : 1, sizeof(*pages));
    if (!pages)
        return -ENOMEM;
    uint32_t have = 0; /* pages allocated */
    int rc = 0;
    while (rc == 0 && have < n) {
        mpn_t m = machmem_alloc(mm);
        if (m == MPN_NONE) {
            rc = -ENOMEM;
            break;
        }
        pages[have] = m;
        machmem_set_flags(mm, m, MPAGE_FILE | MPAGE_SHARED, 0);
        uint8_t *h = machmem_page(mm, m);
        off_t at = (off_t)have << MACH_PAGE_BITS;
        have++;
        size_t want = size - at < (off_t)MACH_PAGE_SIZE ? (size_t)(size - at) : MACH_PAGE_SIZE;
        for (size_t done = 0; done < want;) {
            ssize_t r = pread(fd, h + done, want - done, at + (off_t)done);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) {
                rc = r < 0 ? -errno : -EIO; /* a read error, or the file shrank */
                break;
            }
            done += (size_t)r;
        }
    }
    if (rc < 0) {
        machmem_put_many(mm, pages, have);
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
    *out = fe->f;
out:
    pthread_mutex_unlock(&cache_lock);
    return rc;
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
        if (((fo | at) & (MACH_PAGE_SIZE - 1)) == 0 && len - done >= MACH_PAGE_SIZE &&
            physmap_map_cow(pm, at, m) == 0) {
            done += MACH_PAGE_SIZE;
            continue;
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
