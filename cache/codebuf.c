/*
 * The code buffer: one anonymous mapping, readable, writable and
 * executable at once (RWX), placed within rel32 reach of the monitor's
 * text so translated code calls helpers with a 5-byte call.
 *
 * Why RWX and not a double mapping (one RW view, one RX view of a memfd):
 * translated code is patched while it runs (chaining) and written by the
 * same thread that runs it; x86 keeps instruction fetch coherent with
 * stores, so one mapping needs no cache maintenance, no second address to
 * translate patch sites through and no file descriptor. The cost is that a
 * bug that writes through a stray host pointer could write code; the guest
 * itself cannot reach this memory, since every guest access goes through
 * the physmap. A host that forbids RWX would get a double mapping here
 * without changes elsewhere.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "cache/cache.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define REL32_REACH ((int64_t)1 << 31)

/* Tries hints below and above the anchor in 256 MiB steps, then anywhere. */
static uint8_t *map_near(size_t size, const void *anchor)
{
    uintptr_t a = (uintptr_t)anchor & ~(uintptr_t)0xFFFFF;
    int prot = PROT_READ | PROT_WRITE | PROT_EXEC;
    int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
    for (int64_t step = 1; step <= 6; step++) {
        for (int dir = -1; dir <= 1; dir += 2) {
            int64_t off = dir * step * ((int64_t)256 << 20);
            uintptr_t hint = (uintptr_t)((int64_t)a + off);
            if (dir < 0)
                hint -= size;
            void *p = mmap((void *)hint, size, prot, flags | MAP_FIXED_NOREPLACE, -1, 0);
            if (p == MAP_FAILED)
                continue;
            if ((uintptr_t)p == hint)
                return p;
            munmap(p, size); /* an old kernel ignored the flag and put it elsewhere */
        }
    }
    void *p = mmap(NULL, size, prot, flags, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

bool tcache_reaches(const struct tcache *tc, const void *target)
{
    int64_t t = (int64_t)(uintptr_t)target;
    int64_t lo = (int64_t)(uintptr_t)tc->buf, hi = lo + (int64_t)tc->size;
    return t - lo < REL32_REACH - 16 && hi - t < REL32_REACH - 16 && lo - t < REL32_REACH - 16 &&
           t - hi < REL32_REACH - 16;
}

int tcache_init(struct tcache *tc, size_t code_size, const void *anchor)
{
    memset(tc, 0, sizeof(*tc));
    tc->buf = map_near(code_size, anchor);
    if (!tc->buf)
        return -ENOMEM;
    tc->size = code_size;
    tc->near = tcache_reaches(tc, anchor);
    tc->max_tbs = (unsigned)(code_size / 128);
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
    munmap(tc->buf, code_size);
    tc->buf = NULL;
    return -ENOMEM;
}

void tcache_destroy(struct tcache *tc)
{
    if (!tc->buf)
        return;
    munmap(tc->buf, tc->size);
    munmap(tc->tbs, (size_t)tc->max_tbs * sizeof(struct tb));
    munmap(tc->page_heads, ((size_t)1 << 20) * sizeof(struct tb *));
    munmap(tc->page_spared, (size_t)1 << 20);
    tc->buf = NULL;
}

uint8_t *tcache_reserve(struct tcache *tc, size_t len)
{
    if (tc->n_tbs || tc->used + len > tc->size)
        return NULL;
    uint8_t *p = tc->buf + tc->used;
    tc->used = (tc->used + len + 63) & ~(size_t)63;
    tc->persistent = tc->used;
    return p;
}
