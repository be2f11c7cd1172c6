/*
 * Tests of the translation cache's regions (cache/tb.c, cache/codebuf.c),
 * with blocks made by hand (no translator):
 *  - a 32 MiB buffer is 8 regions, half of them for kernel blocks; a 64 KiB
 *    one is a single region, and making room there is a full flush;
 *  - making room in the user pool empties its next region only: the blocks
 *    of the other user regions and of the kernel pool stay findable;
 *  - a block that dies with its region is unchained from a block of another
 *    region (its jump goes back to its own exit stub), leaves its page list
 *    (other blocks of the page stay on it) and the jump cache;
 *  - the emptied region's slots and code are handed out again, and the used
 *    bytes fall by what the region held;
 *  - blocks invalidated by a store before their region is emptied (and kept
 *    on the re-translation list while profiling) leave that list with it;
 *  - a guest TLB write's jump-cache flush drops the entries of its pages and
 *    keeps the others of the same group, skipped or scanned;
 *  - a trim (an idle VM's) leaves no block findable and gives back every page
 *    of the code, the descriptors and the page index (mincore), and the cache
 *    works as before afterwards;
 *  - W^X: no mapping of the process is writable and executable at once; the
 *    buffer is executed read-only and written through its second view, a
 *    store to the executed view faults, and code written through the write
 *    view runs from the executed one; the write view's mappings are dropped as
 *    blocks are written (its RSS stays near TCACHE_WR_DROP), the code stays.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cache/cache.h"

#define MIB ((size_t)1 << 20)
#define HOT 64u  /* bytes of hot code per hand-made block */
#define COLD 32u /* and of cold code */

static struct tcache tc;
static struct tb_jc_entry jc[TB_JC_SIZE];

static int setup32(void **state)
{
    (void)state;
    if (tcache_init(&tc, 32 * MIB) < 0)
        return -1;
    tb_jc_flush_all(jc);
    tc.jc = jc;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tcache_destroy(&tc);
    return 0;
}

/* A block at (pc, phys) with one chainable exit (its rel32 at offset 0, its stub at HOT - 8),
 * in the pool of `kernel`, entered in the jump cache; NULL if its region is full. */
static struct tb *make_tb(uint32_t pc, uint64_t phys, bool kernel)
{
    tcache_select(&tc, kernel);
    struct tb *tb = tcache_alloc(&tc, HOT + COLD);
    if (!tb)
        return NULL;
    tb->pc = pc;
    tb->flags = kernel ? TB_F_KERNEL : 0;
    tb->phys_pc = phys;
    tb->n_insns = 4;
    memset(tcache_wr(&tc, tb->host_code), 0x90, HOT);
    tb->cold_code = tcache_cold_at(&tc, COLD);
    tb->near_size = tb->hot_size = HOT;
    tb->host_size = HOT + COLD;
    tb->jmp_patch_ofs[0] = 0;
    tb->jmp_reset_ofs[0] = HOT - 8;
    tb->jmp_target[0] = pc + 0x100;
    tcache_insert(&tc, tb);
    struct tb_jc_entry *e = &jc[tb_jc_hash(pc)];
    e->pc = pc;
    e->flags = tb->flags;
    e->code = tb->host_code;
    e->tb = tb;
    return tb;
}

static int32_t rel32_at(const uint8_t *p)
{
    int32_t r;
    memcpy(&r, p, 4);
    return r;
}

/* Fills the current region of the pool with blocks at consecutive PCs from pc; returns how many. */
static unsigned fill_region(uint32_t pc, uint64_t phys, bool kernel)
{
    unsigned n = 0;
    while (make_tb(pc + 16 * n, phys + 16 * (n % 256), kernel))
        n++;
    return n;
}

/* Pages of [p, p + len) the host holds for this process (mincore; len rounded out to pages). */
static size_t resident_pages(const void *p, size_t len)
{
    uintptr_t lo = (uintptr_t)p & ~(uintptr_t)4095, hi = ((uintptr_t)p + len + 4095) & ~(uintptr_t)4095;
    size_t n = (hi - lo) >> 12, r = 0;
    unsigned char *v = malloc(n);
    assert_non_null(v);
    assert_int_equal(mincore((void *)lo, hi - lo, v), 0);
    for (size_t i = 0; i < n; i++)
        r += v[i] & 1;
    free(v);
    return r;
}

static void test_trim_gives_pages_back(void **state)
{
    (void)state;
    size_t tbs_len = (size_t)tc.max_tbs * sizeof(struct tb);
    /* a few MiB of blocks in both pools, over many code pages */
    unsigned n = 0;
    for (unsigned i = 0; i < 2; i++) {
        n += fill_region(0x00400000u + 0x100000u * i, 0x100000 + 0x100000 * (uint64_t)i, false);
        n += fill_region(0x80100000u + 0x100000u * i, 0x80000000 + 0x100000 * (uint64_t)i, true);
        tcache_make_room(&tc);
    }
    assert_true(n > 1000);
    size_t code_before = resident_pages(tc.buf, tc.size), tbs_before = resident_pages(tc.tbs, tbs_len);
    assert_true(code_before > 512); /* more than 2 MiB of code written */
    assert_true(tbs_before > 8);
    assert_true(resident_pages(tc.page_heads, (size_t)1 << 23) > 0);
    assert_true(tcache_page_has_code(&tc, 0x80000000));

    tcache_trim(&tc);
    /* the thunk page stays; every page of blocks went back (checked before any read below: a read
     * maps the zero page, which mincore counts) */
    assert_true(resident_pages(tc.buf, tc.size) <= (tc.persistent + 4095) / 4096);
    assert_int_equal(resident_pages(tc.tbs, tbs_len), 0);
    assert_int_equal(resident_pages(tc.page_heads, (size_t)1 << 23), 0);
    assert_int_equal(resident_pages(tc.page_spared, (size_t)1 << 20), 0);
    assert_int_equal(tc.stats.trims, 1);
    assert_int_equal(tc.n_tbs, 0);
    assert_false(tcache_page_has_code(&tc, 0x80000000));
    assert_false(tcache_page_has_code(&tc, 0x100000));
    assert_null(tcache_lookup(&tc, 0x80000000, 0x80100000u, TB_F_KERNEL));
    assert_int_equal(jc[tb_jc_hash(0x80100000u)].flags, TB_F_INVALID_KEY);

    /* and the cache works again from the start */
    struct tb *k = make_tb(0x80100000u, 0x80000000, true);
    assert_non_null(k);
    assert_ptr_equal(tcache_lookup(&tc, 0x80000000, 0x80100000u, TB_F_KERNEL), k);
    assert_true(tcache_page_has_code(&tc, 0x80000000));
}

static void test_region_layout(void **state)
{
    (void)state;
    assert_int_equal(tc.n_regions, 8);
    assert_int_equal(tc.pool_n[0], 4);
    assert_int_equal(tc.pool_n[1], 4);
    static struct tcache small; /* the hash and its kin: too large for the stack */
    assert_int_equal(tcache_init(&small, 64 << 10), 0);
    assert_int_equal(small.n_regions, 1);
    assert_int_equal(small.pool_n[1], 0);
    tcache_select(&small, true); /* no kernel pool: the one region takes kernel blocks too */
    assert_int_equal(small.cur, 0);
    struct tb *tb = tcache_alloc(&small, HOT + COLD);
    assert_non_null(tb);
    tb->phys_pc = 0x1000;
    tb->cold_code = tcache_cold_at(&small, COLD);
    tb->near_size = HOT;
    tb->host_size = HOT + COLD;
    tcache_insert(&small, tb);
    assert_int_equal(tcache_make_room(&small), 1);
    assert_int_equal(small.stats.flushes, 1);
    assert_int_equal(small.stats.evictions, 0);
    assert_int_equal(small.n_tbs, 0);
    tcache_destroy(&small);
}

static void test_make_room_keeps_other_regions(void **state)
{
    (void)state;
    struct tb *k = make_tb(0x80001000u, 0x1000, true);
    struct tb *u0 = make_tb(0x00400000u, 0x200000, false);
    assert_non_null(k);
    assert_non_null(u0);
    unsigned r0 = tc.cur;
    fill_region(0x00400010u, 0x200010, false);
    /* the next user region: u0's region is the oldest of the pool again only after 3 more */
    assert_int_equal(tcache_make_room(&tc), 0);
    assert_int_not_equal(tc.cur, r0);
    struct tb *u1 = make_tb(0x00500000u, 0x300000, false);
    assert_non_null(u1);
    for (int i = 0; i < 2; i++) {
        fill_region(0x00600000u + 0x100000u * (unsigned)i, 0x400000 + 0x100000 * (uint64_t)i, false);
        tcache_make_room(&tc);
    }
    fill_region(0x00800000u, 0x600000, false);
    assert_ptr_equal(tcache_lookup(&tc, 0x200000, 0x00400000u, 0), u0);
    size_t used = tcache_used(&tc);
    /* the fifth: u0's region is emptied, the kernel block and u1 stay */
    unsigned dropped = tcache_make_room(&tc);
    assert_int_equal(tc.cur, r0);
    assert_true(dropped > 1000);
    assert_null(tcache_lookup(&tc, 0x200000, 0x00400000u, 0));
    assert_ptr_equal(tcache_lookup(&tc, 0x1000, 0x80001000u, TB_F_KERNEL), k);
    assert_ptr_equal(tcache_lookup(&tc, 0x300000, 0x00500000u, 0), u1);
    assert_true(tcache_used(&tc) < used - 2 * MIB);
    assert_int_equal(tc.stats.evictions, 4);
    /* the emptied region's first slot and code are handed out again */
    struct tb *again = make_tb(0x00900000u, 0x700000, false);
    assert_ptr_equal(again, u0);
    assert_ptr_equal(again->host_code, tc.buf + ((tcache_region_start(&tc, r0) + 15) & ~(size_t)15));
}

static void test_eviction_unchains(void **state)
{
    (void)state;
    struct tb *k = make_tb(0x80002000u, 0x2000, true);
    struct tb *u = make_tb(0x00400000u, 0x200000, false);
    struct tb *v = make_tb(0x00400040u, 0x200040, false); /* same page as u */
    assert_non_null(u);
    assert_non_null(v);
    /* k's exit chained into u (no guest path does this; the bookkeeping is the same for any two
     * regions) */
    tcache_chain(&tc, k, 0, u);
    assert_ptr_equal(k->jmp_dest[0], u);
    assert_ptr_equal(k->host_code + 4 + rel32_at(k->host_code), u->host_code);
    /* v dies by a store and is kept for the re-translation count */
    tcache_track_dead(&tc);
    assert_int_equal(tcache_invalidate_code(&tc, 0x200040, 4), 1);
    for (unsigned i = 0; i < tc.pool_n[0]; i++) {
        fill_region(0x01000000u + 0x100000u * i, 0x800000 + 0x100000 * (uint64_t)i, false);
        tcache_make_room(&tc);
    }
    /* u's region came round: k jumps to its own stub again, nothing of u is left */
    assert_null(k->jmp_dest[0]);
    assert_ptr_equal(k->host_code + 4 + rel32_at(k->host_code), k->host_code + HOT - 8);
    assert_int_equal(k->jmp_list_first, 0);
    assert_false(tcache_page_has_code(&tc, 0x200000));
    assert_true(jc[tb_jc_hash(0x00400000u)].tb != u || jc[tb_jc_hash(0x00400000u)].pc != 0x00400000u);
    for (unsigned h = 0; h < (1u << TCACHE_HASH_BITS); h++)
        for (struct tb *d = tc.dead[h]; d; d = d->hash_next)
            assert_true(d->phys_pc != 0x200040 || d->pc != 0x00400040u);
    /* a block of the same page in another region keeps the page on its list */
    struct tb *w = make_tb(0x00400080u, 0x200080, false);
    assert_non_null(w);
    assert_true(tcache_page_has_code(&tc, 0x200000));
    assert_int_equal(tcache_invalidate_code(&tc, 0x200080, 4), 1);
    assert_false(tcache_page_has_code(&tc, 0x200000));
    tc.track_dead = false;
}

/* The jump cache's page filters: a TLB write's range drops its own PCs, in the groups it must
 * scan, and leaves the entries of other pages of the same group. */
static void test_jc_range_filter(void **state)
{
    (void)state;
    struct tb a, b, k;
    uint32_t pa = 0x00412340u;                        /* page 0x412 */
    uint32_t pb = pa + (1u << (12 + TB_JC_PAGE_BITS)); /* the same group, another filter bit */
    uint32_t pk = 0x80012000u;                        /* kseg0: no filter bit */
    assert_int_equal(tb_jc_hash(pa) >> TB_JC_SUB_BITS, tb_jc_hash(pb) >> TB_JC_SUB_BITS);
    assert_int_not_equal(tb_jc_page_bit(pa), tb_jc_page_bit(pb));
    assert_int_equal(tb_jc_page_bit(pk), 0);
    assert_int_not_equal(tb_jc_hash(pk), tb_jc_hash(pa)); /* three entries apart */
    assert_int_not_equal(tb_jc_hash(pk), tb_jc_hash(pb + 0x40));
    tb_jc_set(jc, pa, TB_JC_ASID_TAG, NULL, &a);
    tb_jc_set(jc, pb + 0x40, TB_JC_ASID_TAG, NULL, &b);
    tb_jc_set(jc, pk, 0, NULL, &k);
    /* a page of the group with no entry: nothing goes */
    tb_jc_flush_range(jc, pa + (2u << (12 + TB_JC_PAGE_BITS)) - 0x340, pa + (2u << (12 + TB_JC_PAGE_BITS)) + 0xCBF);
    assert_ptr_equal(jc[tb_jc_hash(pa)].tb, &a);
    assert_ptr_equal(jc[tb_jc_hash(pb + 0x40)].tb, &b);
    /* pa's page: a goes, b stays, and so does the kseg0 entry */
    tb_jc_flush_range(jc, pa & ~0xFFFu, (pa & ~0xFFFu) + 0xFFF);
    assert_int_equal(jc[tb_jc_hash(pa)].flags, TB_F_INVALID_KEY);
    assert_ptr_equal(jc[tb_jc_hash(pb + 0x40)].tb, &b);
    assert_ptr_equal(jc[tb_jc_hash(pk)].tb, &k);
    /* the filter is exact again after a scan: b's page still gets scanned and dropped */
    tb_jc_flush_range(jc, pb & ~0xFFFu, (pb & ~0xFFFu) + 0xFFF);
    assert_int_equal(jc[tb_jc_hash(pb + 0x40)].flags, TB_F_INVALID_KEY);
    /* a range over 64 pages scans every group */
    tb_jc_set(jc, pa, TB_JC_ASID_TAG, NULL, &a);
    tb_jc_flush_range(jc, 0x00400000u, 0x00FFFFFFu);
    assert_int_equal(jc[tb_jc_hash(pa)].flags, TB_F_INVALID_KEY);
    assert_ptr_equal(jc[tb_jc_hash(pk)].tb, &k);
}

/* A non-global TLB entry's range drops only its own ASID's entries: a forked child's TLB write
 * leaves its parent's entries at the same addresses (and a global entry drops every ASID's). */
static void test_jc_range_asid(void **state)
{
    (void)state;
    struct tb a;
    uint32_t pa = 0x00412340u, lo = pa & ~0xFFFu, hi = lo + 0xFFF;
    uint32_t key5 = tb_jc_key(pa, 0, 5), key9 = tb_jc_key(pa, 0, 9);
    assert_int_not_equal(key5, key9);
    tb_jc_set(jc, pa, key5, NULL, &a);
    tb_jc_flush_range_asid(jc, lo, hi, 9);
    assert_int_equal(jc[tb_jc_hash(pa)].flags, key5);
    assert_ptr_equal(jc[tb_jc_hash(pa)].tb, &a);
    tb_jc_flush_range_asid(jc, lo, hi, 5);
    assert_int_equal(jc[tb_jc_hash(pa)].flags, TB_F_INVALID_KEY);
    tb_jc_set(jc, pa, key9, NULL, &a);
    tb_jc_flush_range_asid(jc, lo, hi, -1);
    assert_int_equal(jc[tb_jc_hash(pa)].flags, TB_F_INVALID_KEY);
    /* the group's filter still holds a kept entry's page: a later flush of its ASID finds it */
    tb_jc_set(jc, pa, key5, NULL, &a);
    tb_jc_flush_range_asid(jc, lo, hi, 9);
    tb_jc_flush_range_asid(jc, lo, hi, 5);
    assert_int_equal(jc[tb_jc_hash(pa)].flags, TB_F_INVALID_KEY);
}

/* The permissions ("r-xs") of the mapping of /proc/self/maps that holds p, or "" if none; and
 * whether any mapping of the process is writable and executable at once (*wx). */
static void maps_perms(const void *p, char perms[5], bool *wx)
{
    FILE *f = fopen("/proc/self/maps", "r");
    assert_non_null(f);
    char line[512];
    perms[0] = 0;
    *wx = false;
    while (fgets(line, sizeof(line), f)) {
        unsigned long lo, hi;
        char pr[5];
        if (sscanf(line, "%lx-%lx %4s", &lo, &hi, pr) != 3)
            continue;
        if (pr[1] == 'w' && pr[2] == 'x')
            *wx = true;
        if ((uintptr_t)p >= lo && (uintptr_t)p < hi)
            memcpy(perms, pr, 5);
    }
    fclose(f);
}

/* The Rss (bytes) of the mapping of /proc/self/smaps that starts at p. */
static size_t smaps_rss(const void *p)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    assert_non_null(f);
    char line[512];
    bool in = false;
    size_t rss = SIZE_MAX;
    while (fgets(line, sizeof(line), f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' '))
            in = lo == (uintptr_t)p;
        else if (in && strncmp(line, "Rss:", 4) == 0)
            rss = strtoull(line + 4, NULL, 10) << 10;
    }
    fclose(f);
    assert_true(rss != SIZE_MAX);
    return rss;
}

/* A page both views map counts twice in the RSS: the write view's mappings are dropped every
 * TCACHE_WR_DROP bytes of blocks, the pages stay. */
static void test_write_view_dropped(void **state)
{
    (void)state;
    unsigned n = fill_region(0x00400000u, 0x100000, false);
    n += fill_region(0x80100000u, 0x80000000, true);
    assert_true(tcache_used(&tc) > 3 * TCACHE_WR_DROP);
    assert_true(smaps_rss(tcache_wr(&tc, tc.buf)) <= TCACHE_WR_DROP + 2 * (HOT + COLD) * 4096 / 64 + (64u << 10));
    /* the code is all there, read through the executed view */
    struct tb *first = tcache_lookup(&tc, 0x100000, 0x00400000u, 0);
    assert_non_null(first);
    for (unsigned i = 0; i < HOT; i++)
        assert_int_equal(first->host_code[i], 0x90);
    assert_true(n > 1000);
}

static void test_code_buffer_wx(void **state)
{
    (void)state;
    char px[5], pw[5];
    bool wx;
    maps_perms(tc.buf, px, &wx);
    assert_false(wx);
    maps_perms(tcache_wr(&tc, tc.buf), pw, &wx);
    assert_string_equal(px, "r-xs");
    assert_string_equal(pw, "rw-s");
    assert_true(tc.wr_delta != 0);
    /* code written through the write view runs from the executed one: mov eax, imm32; ret */
    uint8_t *fn = tcache_reserve(&tc, 16);
    assert_non_null(fn);
    for (uint32_t v = 41; v < 43; v++) {
        uint8_t code[6] = {0xB8, (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24), 0xC3};
        tcache_write(&tc, fn, code, sizeof(code));
        assert_memory_equal(fn, code, sizeof(code));
        uint32_t (*call)(void) = (uint32_t (*)(void))(void *)fn;
        assert_int_equal(call(), v); /* the second time: the patched bytes, no stale copy */
    }
    /* a store to the executed view faults */
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGSEGV, SIG_DFL); /* cmocka's handler would catch the fault in the child */
        signal(SIGBUS, SIG_DFL);
        *(volatile uint8_t *)fn = 0x90;
        _exit(0);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFSIGNALED(st));
    assert_true(WTERMSIG(st) == SIGSEGV || WTERMSIG(st) == SIGBUS);
    /* chaining patches go through the write view too (a fault here otherwise) */
    struct tb *k = make_tb(0x80003000u, 0x3000, true);
    struct tb *u = make_tb(0x00600000u, 0x600000, false);
    assert_non_null(k);
    assert_non_null(u);
    tcache_chain(&tc, k, 0, u);
    assert_ptr_equal(k->host_code + 4 + rel32_at(k->host_code), u->host_code);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_region_layout, setup32, teardown),
        cmocka_unit_test_setup_teardown(test_make_room_keeps_other_regions, setup32, teardown),
        cmocka_unit_test_setup_teardown(test_eviction_unchains, setup32, teardown),
        cmocka_unit_test_setup_teardown(test_jc_range_filter, setup32, teardown),
        cmocka_unit_test_setup_teardown(test_trim_gives_pages_back, setup32, teardown),
        cmocka_unit_test_setup_teardown(test_jc_range_asid, setup32, teardown),
        cmocka_unit_test_setup_teardown(test_code_buffer_wx, setup32, teardown),
        cmocka_unit_test_setup_teardown(test_write_view_dropped, setup32, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
