/*
 * Unit tests of content-based page sharing (shadow-mmu/pageshare.c, pmap_merge_page) against
 * real pmaps and the memmap: two or more "VMs" (a pmap with software TLBs attached each) in one
 * machine-memory pool.
 *
 * What must hold: pages with the same bytes in two VMs end up mapping one machine page
 * copy-on-write (away from both homes), pages of zeroes the shared zero page, other pages stay
 * private; a page is merged only after two visits that hashed the same; every software-TLB entry
 * of a merged page is dropped, so a store through the software TLB misses and takes the slow
 * path, which gives the storing VM its own copy while the other VM keeps the old bytes; a page
 * whose bytes differ is never merged and stays writable; a page broken right after a merge is
 * left alone for a while; the counters say so; nothing leaks. And with the scanner on its own
 * thread: guest threads storing into the pages (under their VMs' gates) while it merges lose no
 * store, and a VM whose gate is free only between back-to-back slices is merged all the same
 * (also run under ThreadSanitizer, suite tsan).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "shadow-mmu/pageshare.h"
#include "shadow-mmu/shadow_mmu.h"

#define NPAGES 64
#define CANON 0x80000000ull

struct tvm {
    struct pmap p;
    struct stlb *stlb;
    struct pageshare_vm *share;
};

static struct machmem mm;

static void vm_make(struct tvm *v)
{
    memset(v, 0, sizeof(*v));
    assert_int_equal(pmap_init(&v->p, &mm, NPAGES * MACH_PAGE_SIZE, CANON), 0);
    v->stlb = calloc(1, sizeof(*v->stlb));
    assert_non_null(v->stlb);
    stlb_flush_all(v->stlb);
    assert_int_equal(pmap_attach_stlb(&v->p, v->stlb), 0);
}

static void vm_free(struct tvm *v)
{
    pmap_destroy(&v->p);
    free(v->stlb);
}

/* A guest store of n bytes at page g, offset off: as the slow path does it. */
static void store(struct tvm *v, uint32_t g, unsigned off, const void *src, size_t n)
{
    uint8_t *h = pmap_page(&v->p, g, true, NULL);
    assert_non_null(h);
    memcpy(h + off, src, n);
}

static void fill(struct tvm *v, uint32_t g, uint8_t seed)
{
    uint8_t buf[MACH_PAGE_SIZE];
    for (unsigned i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(seed + i * 7);
    store(v, g, 0, buf, sizeof(buf));
}

static uint8_t byte_at(struct tvm *v, uint32_t g, unsigned off)
{
    return pmap_page(&v->p, g, false, NULL)[off];
}

/* Every software-TLB entry of v (all modes, victims too) that maps page g and is still valid. */
static unsigned live_entries(const struct tvm *v, uint32_t g)
{
    uint32_t ppn = pmap_ppn(&v->p, g);
    unsigned n = 0;
    for (unsigned m = 0; m < MMU_NMODES; m++) {
        for (unsigned i = 0; i < STLB_SIZE; i++)
            n += v->stlb->ppn[m][i] == ppn && !(v->stlb->e[m][i].tag_read & STLB_INVALID);
        for (unsigned i = 0; i < STLB_VICTIMS; i++)
            n += v->stlb->victim_ppn[m][i] == ppn && !(v->stlb->victim[m][i].tag_read & STLB_INVALID);
    }
    return n;
}

/* Whether a store to va would hit the software TLB (the translated fast path) in mode. */
static bool store_hits(const struct tvm *v, enum mmu_mode mode, gva_t va)
{
    const struct stlb_entry *e = &v->stlb->e[mode][stlb_index(va)];
    return e->tag_write == (va & STLB_PAGE_MASK);
}

static int setup(void **state)
{
    (void)state;
    return machmem_init(&mm, 1024 * MACH_PAGE_SIZE);
}

static int teardown(void **state)
{
    (void)state;
    machmem_destroy(&mm);
    return 0;
}

/* Scans until the scanner has made full passes (or a bound). */
static void scan_passes(struct pageshare *ps, unsigned passes)
{
    struct pageshare_stats st;
    pageshare_get_stats(ps, &st);
    uint64_t want = st.full_scans + passes;
    for (unsigned i = 0; i < 100000 && st.full_scans < want; i++) {
        pageshare_scan(ps, 1); /* one page hashed at most: no pass runs on past the one asked for */
        pageshare_get_stats(ps, &st);
    }
    assert_true(st.full_scans >= want);
}

static void test_merge_identical_and_zero(void **state)
{
    (void)state;
    struct tvm a, b;
    vm_make(&a);
    vm_make(&b);
    struct pageshare *ps;
    assert_int_equal(pageshare_create(&ps, &mm, 1000), 0);
    assert_non_null(a.share = pageshare_add(ps, &a.p));
    assert_non_null(b.share = pageshare_add(ps, &b.p));
    fill(&a, 3, 0x11);
    fill(&b, 3, 0x11); /* the same bytes */
    fill(&a, 7, 0x22);
    fill(&b, 7, 0x23); /* different */
    static const uint8_t zeroes[MACH_PAGE_SIZE];
    store(&a, 5, 0, zeroes, sizeof(zeroes)); /* touched, all zero */
    store(&b, 9, 0, zeroes, sizeof(zeroes));
    /* The kernel's view of both pages, writable, in the software TLBs. */
    stlb_fill(a.stlb, MMU_KERNEL, 0x80003000u, a.p.view + 3 * MACH_PAGE_SIZE, pmap_ppn(&a.p, 3), true);
    stlb_fill(a.stlb, MMU_USER, 0x00403000u, a.p.view + 3 * MACH_PAGE_SIZE, pmap_ppn(&a.p, 3), true);
    stlb_fill(b.stlb, MMU_KERNEL, 0x80003000u, b.p.view + 3 * MACH_PAGE_SIZE, pmap_ppn(&b.p, 3), true);
    assert_true(store_hits(&a, MMU_KERNEL, 0x80003000u));
    assert_int_equal(live_entries(&a, 3), 2);
    mpn_t home_a = pmap_lookup(&a.p, 3, NULL), home_b = pmap_lookup(&b.p, 3, NULL);

    /* One pass only hashes: nothing is a candidate before its second visit. */
    scan_passes(ps, 1);
    struct pageshare_stats st;
    pageshare_get_stats(ps, &st);
    assert_int_equal(st.merges, 0);
    assert_int_equal(live_entries(&a, 3), 2);
    scan_passes(ps, 1);

    bool cow_a, cow_b;
    mpn_t ma = pmap_lookup(&a.p, 3, &cow_a), mb = pmap_lookup(&b.p, 3, &cow_b);
    assert_true(cow_a && cow_b);
    assert_int_equal(ma, mb);
    assert_int_not_equal(ma, home_a);
    assert_int_not_equal(ma, home_b);
    assert_int_equal(machmem_info(&mm, ma).refs, 3); /* two guests and the stable table */
    assert_true(machmem_has_owner(&mm, ma, MPAGE_OWNER(a.p.id, 3)));
    assert_true(machmem_has_owner(&mm, ma, MPAGE_OWNER(b.p.id, 3)));
    assert_int_equal(byte_at(&a, 3, 100), (uint8_t)(0x11 + 700));
    /* The zero pages map the one zero page. */
    assert_int_equal(pmap_lookup(&a.p, 5, &cow_a), pageshare_zero_page(ps));
    assert_true(cow_a);
    assert_int_equal(pmap_lookup(&b.p, 9, &cow_b), pageshare_zero_page(ps));
    /* Different bytes stay private. */
    pmap_lookup(&a.p, 7, &cow_a);
    pmap_lookup(&b.p, 7, &cow_b);
    assert_false(cow_a || cow_b);
    /* The software-TLB entries of the merged page are gone: a store misses. */
    assert_int_equal(live_entries(&a, 3), 0);
    assert_int_equal(live_entries(&b, 3), 0);
    assert_false(store_hits(&a, MMU_KERNEL, 0x80003000u));
    assert_false(store_hits(&b, MMU_KERNEL, 0x80003000u));

    pageshare_get_stats(ps, &st);
    assert_int_equal(st.merges, 4);
    assert_int_equal(st.frames, 1);
    assert_int_equal(st.sharing, 2);
    assert_int_equal(st.zero_pages, 2);
    assert_int_equal(st.saved, 2); /* 2 guest pages on 1 page, 2 zero pages on 1 page */
    assert_int_equal(st.mismatches, 0);
    assert_true(st.scanned >= 8);
    /* Home pages went back: in use are the pages still private (a 7, b 7), the shared one,
     * the zero page. */
    assert_int_equal(atomic_load(&mm.in_use), 4);

    pageshare_destroy(ps);
    vm_free(&a);
    vm_free(&b);
    assert_int_equal(atomic_load(&mm.in_use), 0);
}

static void test_cow_break_is_private(void **state)
{
    (void)state;
    struct tvm v[3];
    struct pageshare *ps;
    assert_int_equal(pageshare_create(&ps, &mm, 1000), 0);
    for (int i = 0; i < 3; i++) {
        vm_make(&v[i]);
        assert_non_null(v[i].share = pageshare_add(ps, &v[i].p));
        for (uint32_t g = 0; g < 8; g++)
            fill(&v[i], g, (uint8_t)g);
    }
    scan_passes(ps, 2);
    mpn_t shared = pmap_lookup(&v[0].p, 2, NULL);
    for (int i = 0; i < 3; i++)
        for (uint32_t g = 0; g < 8; g++) {
            bool cow;
            assert_int_equal(pmap_lookup(&v[i].p, g, &cow), pmap_lookup(&v[0].p, g, NULL));
            assert_true(cow);
        }
    struct pageshare_stats st;
    pageshare_get_stats(ps, &st);
    assert_int_equal(st.saved, 16); /* 24 guest pages on 8 */

    /* VM 1 stores into page 2: its own copy; VMs 0 and 2 see the old bytes. */
    uint8_t old = byte_at(&v[0], 2, 40);
    uint8_t val = (uint8_t)~old;
    store(&v[1], 2, 40, &val, 1);
    bool cow;
    assert_int_not_equal(pmap_lookup(&v[1].p, 2, &cow), shared);
    assert_false(cow);
    assert_int_equal(byte_at(&v[1], 2, 40), val);
    assert_int_equal(byte_at(&v[0], 2, 40), old);
    assert_int_equal(byte_at(&v[2], 2, 40), old);
    assert_int_equal(machmem_page(&mm, shared)[40], old);
    assert_int_equal(atomic_load(&v[1].p.st.cow_copies), 1);

    /* The scanner sees the break and leaves the page alone for a while, while it stays private
     * (its bytes differ now, so it could not merge anyway: make them equal again to see that the
     * back-off, not the bytes, keeps it out). */
    store(&v[1], 2, 40, &old, 1);
    scan_passes(ps, 1);
    pageshare_get_stats(ps, &st);
    assert_int_equal(st.cow_breaks, 1);
    assert_true(st.volatile_skips >= 1);
    pmap_lookup(&v[1].p, 2, &cow);
    assert_false(cow);
    /* After the back-off and two equal hashes, it merges again. */
    scan_passes(ps, 5);
    assert_int_equal(pmap_lookup(&v[1].p, 2, &cow), shared);
    assert_true(cow);

    pageshare_destroy(ps);
    for (int i = 0; i < 3; i++)
        vm_free(&v[i]);
    assert_int_equal(atomic_load(&mm.in_use), 0);
}

static void test_merge_checks_bytes(void **state)
{
    (void)state;
    struct tvm a;
    vm_make(&a);
    fill(&a, 1, 0x40);
    mpn_t m = machmem_alloc(&mm);
    assert_int_not_equal(m, MPN_NONE);
    memcpy(machmem_page(&mm, m), pmap_page(&a.p, 1, false, NULL), MACH_PAGE_SIZE);
    machmem_page(&mm, m)[4095] ^= 1; /* one bit differs */
    stlb_fill(a.stlb, MMU_KERNEL, 0x80001000u, a.p.view + MACH_PAGE_SIZE, pmap_ppn(&a.p, 1), true);
    mpn_t home = pmap_lookup(&a.p, 1, NULL);
    assert_int_equal(pmap_merge_page(&a.p, 1, m), -EAGAIN);
    bool cow;
    assert_int_equal(pmap_lookup(&a.p, 1, &cow), home);
    assert_false(cow);
    assert_int_equal(machmem_info(&mm, m).refs, 1); /* the reference taken for it went back */
    assert_false(machmem_has_owner(&mm, m, MPAGE_OWNER(a.p.id, 1)));
    /* Still writable through the view (the write protection was lifted): no fault here. */
    a.p.view[MACH_PAGE_SIZE + 4095] ^= 1;
    /* Now the bytes are equal: it merges; a page that is not private any more is refused. */
    assert_int_equal(pmap_merge_page(&a.p, 1, m), 0);
    assert_int_equal(pmap_lookup(&a.p, 1, &cow), m);
    assert_true(cow);
    assert_int_equal(pmap_merge_page(&a.p, 1, m), -EAGAIN);
    assert_int_equal(pmap_merge_page(&a.p, 2, m), -EAGAIN); /* never touched */
    assert_int_equal(live_entries(&a, 1), 0);
    machmem_put(&mm, m);
    vm_free(&a);
    assert_int_equal(atomic_load(&mm.in_use), 0);
}

/* ---- the scanner on its thread, guests storing meanwhile ---- */

#define RACE_VMS 3
#define RACE_PAGES 32

struct guest {
    struct tvm *v;
    uint8_t shadow[RACE_PAGES][MACH_PAGE_SIZE]; /* what the guest stored, byte for byte */
    _Atomic bool *stop;
    unsigned seed;
    uint64_t stores;
};

static void *guest_run(void *arg)
{
    struct guest *g = arg;
    while (!atomic_load(g->stop)) {
        pageshare_enter(g->v->share);
        /* Pages 0..3 take the guest's own data; the others get back the bytes they had (each
         * such store still breaks a merged page), so they keep merging and breaking. */
        for (int k = 0; k < 2; k++) {
            unsigned r = (unsigned)rand_r(&g->seed);
            uint32_t page = r % RACE_PAGES;
            unsigned off = page < 4 ? (r >> 8) % (MACH_PAGE_SIZE / 4) * 4 : (r >> 8) % 4 * 4;
            uint32_t val = page < 4 ? r : page * 0x01010101u;
            store(g->v, page, off, &val, 4);
            memcpy(&g->shadow[page][off], &val, 4);
            g->stores++;
        }
        pageshare_leave(g->v->share);
        usleep(1000);
    }
    return NULL;
}

static void test_merge_races_stores(void **state)
{
    (void)state;
    static struct tvm v[RACE_VMS];
    static struct guest g[RACE_VMS];
    _Atomic bool stop = false;
    struct pageshare *ps;
    assert_int_equal(pageshare_create(&ps, &mm, 200000), 0);
    for (int i = 0; i < RACE_VMS; i++) {
        vm_make(&v[i]);
        assert_non_null(v[i].share = pageshare_add(ps, &v[i].p));
        memset(&g[i], 0, sizeof(g[i]));
        g[i].v = &v[i];
        g[i].stop = &stop;
        g[i].seed = 17u + (unsigned)i;
        for (uint32_t p = 0; p < RACE_PAGES; p++) {
            memset(g[i].shadow[p], (int)p, MACH_PAGE_SIZE);
            store(&v[i], p, 0, g[i].shadow[p], MACH_PAGE_SIZE);
        }
    }
    assert_int_equal(pageshare_start(ps), 0);
    pthread_t t[RACE_VMS];
    for (int i = 0; i < RACE_VMS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, guest_run, &g[i]), 0);
    /* Until stores have broken merged pages many times over (or a bound: then the checks below
     * fail, as they should if nothing raced). */
    struct pageshare_stats st;
    uint64_t breaks = 0;
    for (int k = 0; k < 1000; k++) {
        usleep(10000);
        pageshare_get_stats(ps, &st);
        breaks = 0;
        for (int i = 0; i < RACE_VMS; i++)
            breaks += atomic_load(&v[i].p.st.cow_copies);
        if (st.merges >= 200 && breaks >= 100 && k >= 20)
            break;
    }
    atomic_store(&stop, true);
    for (int i = 0; i < RACE_VMS; i++)
        pthread_join(t[i], NULL);
    pageshare_stop(ps);
    print_message("merges %llu, breaks %llu, stores %llu\n", (unsigned long long)st.merges,
                  (unsigned long long)breaks, (unsigned long long)g[0].stores);
    assert_true(st.merges >= 200);
    assert_true(breaks >= 100);
    /* Every store is there, in its own VM only. */
    for (int i = 0; i < RACE_VMS; i++) {
        assert_true(g[i].stores > 0);
        for (uint32_t p = 0; p < RACE_PAGES; p++)
            assert_memory_equal(pmap_page(&v[i].p, p, false, NULL), g[i].shadow[p], MACH_PAGE_SIZE);
    }
    pageshare_destroy(ps);
    for (int i = 0; i < RACE_VMS; i++)
        vm_free(&v[i]);
    assert_int_equal(atomic_load(&mm.in_use), 0);
}

/* A guest that runs slice after slice: its gate is free only between two of them. */
struct busy_guest {
    struct tvm *v;
    _Atomic bool *stop;
    _Atomic uint64_t slices;
};

static void *busy_run(void *arg)
{
    struct busy_guest *b = arg;
    while (!atomic_load(b->stop)) {
        pageshare_enter(b->v->share);
        /* A slice of about a millisecond, its own page 0 stored into all the time. */
        struct timespec t0, t;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        do {
            uint32_t x = (uint32_t)atomic_load(&b->slices);
            store(b->v, 0, 0, &x, 4);
            clock_gettime(CLOCK_MONOTONIC, &t);
        } while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < 1000000L);
        pageshare_leave(b->v->share);
        b->slices++;
    }
    return NULL;
}

static void test_busy_vm_is_scanned(void **state)
{
    (void)state;
    static struct tvm v[2];
    _Atomic bool stop = false;
    struct pageshare *ps;
    assert_int_equal(pageshare_create(&ps, &mm, 1000), 0);
    for (int i = 0; i < 2; i++) {
        vm_make(&v[i]);
        assert_non_null(v[i].share = pageshare_add(ps, &v[i].p));
        for (uint32_t g = 1; g < 17; g++)
            fill(&v[i], g, (uint8_t)(g * 3));
    }
    struct busy_guest b = {.v = &v[0], .stop = &stop};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, busy_run, &b), 0);
    while (atomic_load(&b.slices) < 2)
        usleep(100);
    /* Two passes hash every page twice; the third merges (a scanner that passed a running VM by
     * would have merged nothing in them). */
    scan_passes(ps, 3);
    struct pageshare_stats st;
    pageshare_get_stats(ps, &st);
    atomic_store(&stop, true);
    pthread_join(t, NULL);
    /* Pages 1..16 of both VMs merged, though VM 0 never stopped running. */
    assert_int_equal(st.merges, 32);
    assert_true(st.busy > 0); /* it did find the vCPU running */
    assert_true(b.slices > 0);
    for (uint32_t g = 1; g < 17; g++) {
        bool cow;
        assert_int_equal(pmap_lookup(&v[0].p, g, &cow), pmap_lookup(&v[1].p, g, NULL));
        assert_true(cow);
    }
    pageshare_destroy(ps);
    for (int i = 0; i < 2; i++)
        vm_free(&v[i]);
    assert_int_equal(atomic_load(&mm.in_use), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_merge_identical_and_zero, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cow_break_is_private, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge_checks_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge_races_stores, setup, teardown),
        cmocka_unit_test_setup_teardown(test_busy_vm_is_scanned, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
