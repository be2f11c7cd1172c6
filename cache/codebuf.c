/*
 * The code buffer: one shared memory object (a memfd) per VM, mapped twice.
 * Translated code runs from the executed view, `buf` (read and execute);
 * every byte of code is written through the write view, `buf + wr_delta`
 * (read and write): no page of the process is writable and executable at
 * once (W^X), so a stray host pointer or a bug that writes where it should
 * not can corrupt data, never plant code. Both views are the same pages:
 * x86 keeps instruction fetch coherent with stores to any linear address
 * that maps the same physical memory (Intel SDM Vol. 3, 11.6 "Self-Modifying
 * Code"), so a store through the write view is seen by the next fetch
 * through the executed view with no flush. Every writer of code goes
 * through tcache_wr or tcache_write (cache/cache.h): the translator's
 * layout, chaining and inline-cache patches, the trampolines, the shared
 * stubs and the thunks. W^X flips (mprotect around each write) would not
 * do: with -smp on two threads one vCPU runs the buffer while the other
 * translates into it.
 *
 * Placement. Translated code reaches its helpers and the exit trampoline
 * with 5-byte rel32 calls and jumps, which reach +-2 GiB. Placing every
 * buffer near the monitor's text cannot scale to many VMs (the room there
 * runs out, and which VM gets a near buffer would depend on creation
 * order), so each buffer carries its own thunks instead: its first page is
 * a table of 16-byte `jmp *addr(%rip)` stubs, one per helper, filled on
 * first use, and the exit trampoline follows it. Every call site in the
 * buffer calls a stub of the same buffer, whatever the buffer's address:
 * the code of the first VM and of the two-hundredth is the same, and a
 * buffer that cannot be mapped is an error (-ENOMEM), never a silent
 * fall-back. The stub costs one predicted indirect jump per helper call;
 * helpers are slow paths (a software-TLB miss, a callout), so it does not
 * show (README "The translator's code buffer").
 *
 * Memory is committed on touch (a memfd is not charged up front): a VM
 * costs what its translated code has written since the last flush, at most
 * the buffer's size. A flush gives the pages back by punching them out of
 * the memfd (MADV_REMOVE on the write view): both views then read zeroes
 * and the host holds nothing for them. MADV_DONTNEED would only drop one
 * view's page-table entries and leave the shared pages allocated. The
 * descriptor is closed once both views exist: the mappings keep the object.
 * A page that both views map counts twice in the process's RSS (once per
 * view), once in its PSS; so every TCACHE_WR_DROP bytes of blocks the write
 * view's mappings are dropped (tcache_wr_drop: the pages stay), and the RSS
 * counts the code the executed view maps plus what was written since.
 */
#define _GNU_SOURCE /* memfd_create */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cache/cache.h"

#define THUNK_SIZE 16
_Static_assert(TCACHE_MAX_THUNKS * THUNK_SIZE == TCACHE_THUNK_AREA, "the thunk table fills its area");

static unsigned thunk_slot(const void *fn)
{
    return (unsigned)(((uintptr_t)fn * 0x9E3779B97F4A7C15ull) >> (64 - TCACHE_THUNK_HASH_BITS));
}

const uint8_t *tcache_thunk(struct tcache *tc, const void *fn)
{
    unsigned mask = (1u << TCACHE_THUNK_HASH_BITS) - 1;
    for (unsigned i = thunk_slot(fn), n = 0; n <= mask; i = (i + 1) & mask, n++) {
        if (tc->thunk_fn[i] == fn)
            return tc->buf + (size_t)tc->thunk_at[i] * THUNK_SIZE;
        if (tc->thunk_fn[i])
            continue;
        if (tc->n_thunks >= TCACHE_MAX_THUNKS)
            return NULL;
        unsigned k = tc->n_thunks++;
        uint8_t *p = tc->buf + (size_t)k * THUNK_SIZE;
        /* jmp *2(%rip): FF 25 disp32 (Intel SDM Vol. 2, JMP, FF /4), two int3, the address */
        static const uint8_t jmp_rip[8] = {0xFF, 0x25, 0x02, 0x00, 0x00, 0x00, 0xCC, 0xCC};
        uint64_t addr = (uint64_t)(uintptr_t)fn;
        tcache_write(tc, p, jmp_rip, sizeof(jmp_rip));
        tcache_write(tc, p + 8, &addr, 8);
        tc->thunk_fn[i] = fn;
        tc->thunk_at[i] = (uint16_t)k;
        return p;
    }
    return NULL;
}

/* Zeroes [p, p + len) and gives its whole pages back to the host: private anonymous memory reads
 * back as zeroes after MADV_DONTNEED, so the pages cost nothing until they are written again. */
static void zero_release(void *p, size_t len)
{
    uintptr_t lo = ((uintptr_t)p + 4095) & ~(uintptr_t)4095, hi = ((uintptr_t)p + len) & ~(uintptr_t)4095;
    if (hi <= lo || madvise((void *)lo, hi - lo, MADV_DONTNEED) < 0) {
        memset(p, 0, len);
        return;
    }
    memset(p, 0, lo - (uintptr_t)p);
    memset((void *)hi, 0, (uintptr_t)p + len - hi);
}

/* Linux include/uapi/linux/memfd.h: an executable memfd, asked for explicitly where the
 * vm.memfd_noexec sysctl would otherwise seal it non-executable (Linux 6.3 on); older kernels
 * refuse the flag with EINVAL and make every memfd executable. */
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

static size_t views_len(size_t size)
{
    return (size + 4095) & ~(size_t)4095;
}

/* Maps a fresh memfd of size bytes twice: *x read and execute, *x + *wr_delta read and write. */
static int map_views(size_t size, uint8_t **x, ptrdiff_t *wr_delta)
{
    size_t len = views_len(size);
    int fd = memfd_create("mvisor-code", MFD_CLOEXEC | MFD_EXEC);
    if (fd < 0 && errno == EINVAL)
        fd = memfd_create("mvisor-code", MFD_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = 0;
    void *rx = MAP_FAILED, *rw = MAP_FAILED;
    if (ftruncate(fd, (off_t)len) < 0)
        rc = -errno;
    else if ((rx = mmap(NULL, len, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0)) == MAP_FAILED)
        rc = -ENOMEM;
    else if ((rw = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED) {
        rc = -ENOMEM;
        munmap(rx, len);
    }
    close(fd);
    if (rc < 0)
        return rc;
    *x = rx;
    *wr_delta = (uint8_t *)rw - (uint8_t *)rx;
    return 0;
}

static void unmap_views(struct tcache *tc)
{
    size_t len = views_len(tc->size);
    munmap(tcache_wr(tc, tc->buf), len);
    munmap(tc->buf, len);
    tc->buf = NULL;
}

void tcache_release_code(struct tcache *tc, size_t off, size_t len)
{
    madvise(tcache_wr(tc, tc->buf + off), len, MADV_REMOVE);
}

void tcache_wr_drop(struct tcache *tc)
{
    /* A shared mapping's MADV_DONTNEED only unmaps: the memfd keeps the pages (what
     * tcache_release_code punches out is gone; this is not). */
    madvise(tcache_wr(tc, tc->buf), views_len(tc->size), MADV_DONTNEED);
    tc->wr_since_drop = 0;
}

/* One MADV_POPULATE_WRITE (Linux 5.14) maps a run of pages where a write fault per page would
 * enter and leave the host kernel once each: the write view's pages fault again after every
 * tcache_wr_drop, and those faults were about half of the time the translator spent copying
 * blocks into the buffer. Older kernels refuse the advice (EINVAL): the faults then happen as
 * before. */
void tcache_wr_populate(struct tcache *tc, size_t off, size_t len)
{
#ifdef MADV_POPULATE_WRITE
    if (len)
        madvise(tcache_wr(tc, tc->buf + off), len, MADV_POPULATE_WRITE);
#else
    (void)tc, (void)off, (void)len;
#endif
}

int tcache_init(struct tcache *tc, size_t code_size)
{
    /* Everything but the dead list, which only profiling uses (tcache_track_dead zeroes it): half
     * a MiB per VM that would otherwise be touched here and never used. */
    memset(tc, 0, offsetof(struct tcache, dead));
    memset((uint8_t *)tc + offsetof(struct tcache, dead) + sizeof(tc->dead), 0,
           sizeof(*tc) - offsetof(struct tcache, dead) - sizeof(tc->dead));
    if (code_size < TCACHE_THUNK_AREA * 2 || code_size > TCACHE_MAX_CODE)
        return -EINVAL;
    int rc = map_views(code_size, &tc->buf, &tc->wr_delta);
    if (rc < 0)
        return rc;
    tc->size = code_size & ~(size_t)15;
    tc->cold_top = tc->size;
    /* The thunk table: int3 until a stub is written. */
    memset(tcache_wr(tc, tc->buf), 0xCC, TCACHE_THUNK_AREA);
    tc->used = tc->persistent = TCACHE_THUNK_AREA;
    tc->max_tbs = (unsigned)(code_size / 128);
    size_t n = tc->size / TCACHE_REGION_MIN;
    tc->n_regions = n < 2 ? 1 : n > TCACHE_MAX_REGIONS ? TCACHE_MAX_REGIONS : (unsigned)n;
    tc->region_size = (tc->size / tc->n_regions) & ~(size_t)4095;
    tc->tbs_per = tc->max_tbs / tc->n_regions;
    for (unsigned r = 0; r < tc->n_regions; r++) {
        tc->region_used[r] = tcache_region_start(tc, r);
        tc->region_cold[r] = tcache_region_end(tc, r);
    }
    unsigned nk = tc->n_regions >= TCACHE_POOL_MIN_REGIONS ? TCACHE_KERNEL_REGIONS(tc->n_regions) : 0;
    tc->pool_n[0] = tc->n_regions - nk;
    tc->pool_first[1] = tc->pool_cur[1] = tc->pool_n[0];
    tc->pool_n[1] = nk;
    tc->cold_top = tcache_region_end(tc, 0);
    size_t tbs_bytes = (size_t)tc->max_tbs * sizeof(struct tb);
    void *p = mmap(NULL, tbs_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        goto err_buf;
    tc->tbs = p;
    size_t heads = ((size_t)1 << 20) * sizeof(struct tb *);
    p = mmap(NULL, heads, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        goto err_tbs;
    tc->page_heads = p;
    p = mmap(NULL, (size_t)1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        goto err_heads;
    tc->page_spared = p;
    return 0;

err_heads:
    munmap(tc->page_heads, heads);
err_tbs:
    munmap(tc->tbs, tbs_bytes);
err_buf:
    unmap_views(tc);
    return -ENOMEM;
}

void tcache_destroy(struct tcache *tc)
{
    if (!tc->buf)
        return;
    unmap_views(tc);
    munmap(tc->tbs, (size_t)tc->max_tbs * sizeof(struct tb));
    munmap(tc->page_heads, ((size_t)1 << 20) * sizeof(struct tb *));
    munmap(tc->page_spared, (size_t)1 << 20);
}

void tcache_track_dead(struct tcache *tc)
{
    if (!tc->track_dead)
        memset(tc->dead, 0, sizeof(tc->dead));
    tc->track_dead = true;
}

void tcache_trim(struct tcache *tc)
{
    tcache_flush(tc);
    /* No block is left: the descriptors, the hash, the page index and its counters are all free
     * or zero, and a slot or entry is written before it is read again (tcache_alloc clears a
     * slot, tcache_insert starts a page's counter). The code pages went back in tcache_flush. */
    zero_release(tc->tbs, (size_t)tc->max_tbs * sizeof(struct tb));
    zero_release(tc->hash, sizeof(tc->hash));
    zero_release(tc->page_heads, ((size_t)1 << 20) * sizeof(struct tb *));
    zero_release(tc->page_spared, (size_t)1 << 20);
    tc->stats.trims++;
}

size_t tcache_region_start(const struct tcache *tc, unsigned r)
{
    return r ? r * tc->region_size : tc->persistent;
}

size_t tcache_region_end(const struct tcache *tc, unsigned r)
{
    return r + 1 == tc->n_regions ? tc->size : (r + 1) * tc->region_size;
}

size_t tcache_used(const struct tcache *tc)
{
    size_t n = tc->persistent;
    for (unsigned r = 0; r < tc->n_regions; r++) {
        size_t used = r == tc->cur ? tc->used : tc->region_used[r];
        size_t cold = r == tc->cur ? tc->cold_top : tc->region_cold[r];
        n += used - tcache_region_start(tc, r) + tcache_region_end(tc, r) - cold;
    }
    return n;
}

uint8_t *tcache_reserve(struct tcache *tc, size_t len)
{
    if (tc->n_tbs || tc->used + len > tc->cold_top)
        return NULL;
    uint8_t *p = tc->buf + tc->used;
    tc->used = (tc->used + len + 63) & ~(size_t)63;
    tc->persistent = tc->region_used[0] = tc->used; /* region 0 starts after it (tcache_region_start) */
    return p;
}
