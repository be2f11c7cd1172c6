/*
 * Unit tests of the software TLB (shadow-mmu/stlb.c).
 *
 * The fast path of a load/store/fetch of `size` bytes at va is
 *     e = &stlb.e[mode][stlb_index(va)];
 *     hit iff e->tag_X == (va & (STLB_PAGE_MASK | (size - 1)))
 *     host = va + e->addend
 * so the tests check exactly that compare: aligned accesses to a filled page
 * hit, a misaligned access or any flagged tag never does, flushes drop what
 * they must (all modes) and nothing else.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "shadow-mmu/shadow_mmu.h"

static struct stlb *s;
static uint8_t *pages; /* 8 host pages */

static int group_setup(void **state)
{
    (void)state;
    s = malloc(sizeof(*s));
    pages = aligned_alloc(4096, 8 * 4096);
    return s && pages ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    free(s);
    free(pages);
    return 0;
}

static int setup(void **state)
{
    (void)state;
    memset(s, 0x5A, sizeof(*s)); /* garbage, as fresh memory would be */
    stlb_flush_all(s);
    return 0;
}

enum which { T_READ, T_WRITE, T_CODE };

static uint64_t tag_of(const struct stlb_entry *e, enum which w)
{
    return w == T_READ ? e->tag_read : w == T_WRITE ? e->tag_write : e->tag_code;
}

/* The probe of the generated code, spelled out. */
static uint8_t *probe(enum mmu_mode mode, gva_t va, unsigned size, enum which w)
{
    const struct stlb_entry *e = &s->e[mode][stlb_index(va)];
    if (tag_of(e, w) != (va & (STLB_PAGE_MASK | (uint64_t)(size - 1))))
        return NULL;
    return (uint8_t *)(uintptr_t)(va + e->addend);
}

static bool hits(enum mmu_mode mode, gva_t va)
{
    return probe(mode, va, 1, T_READ) || probe(mode, va, 1, T_WRITE) || probe(mode, va, 1, T_CODE);
}

static void test_index(void **state)
{
    (void)state;
    assert_int_equal(stlb_index(0x00000000u), 0);
    assert_int_equal(stlb_index(0x00000FFFu), 0);
    assert_int_equal(stlb_index(0x00001000u), 1);
    assert_int_equal(stlb_index(0x00403ABCu), 3);
    assert_int_equal(stlb_index(0x000FF000u), 255);
    assert_int_equal(stlb_index(0x00100000u), 0);
    assert_int_equal(stlb_index(0xFFFFFFFFu), 255);
}

static void test_fill_then_hit(void **state)
{
    (void)state;
    stlb_fill(s, MMU_KERNEL, 0x00403ABCu, pages, 0, true);
    const struct stlb_entry *e = &s->e[MMU_KERNEL][3];
    assert_int_equal(e->tag_read, 0x00403000u);
    assert_int_equal(e->tag_write, 0x00403000u);
    assert_int_equal(e->tag_code, 0x00403000u);
    assert_ptr_equal((uint8_t *)(uintptr_t)(0x00403000u + e->addend), pages);

    for (enum which w = T_READ; w <= T_CODE; w++) {
        assert_ptr_equal(probe(MMU_KERNEL, 0x00403000u, 4, w), pages);
        assert_ptr_equal(probe(MMU_KERNEL, 0x00403ABCu, 4, w), pages + 0xABC);
        assert_ptr_equal(probe(MMU_KERNEL, 0x00403FFEu, 2, w), pages + 0xFFE);
        assert_ptr_equal(probe(MMU_KERNEL, 0x00403FFFu, 1, w), pages + 0xFFF);
        assert_ptr_equal(probe(MMU_KERNEL, 0x00403FF8u, 8, w), pages + 0xFF8);
        /* neighbouring pages with the same index, and other modes, miss */
        assert_null(probe(MMU_KERNEL, 0x00503ABCu, 4, w));
        assert_null(probe(MMU_KERNEL, 0x80403ABCu, 4, w));
        assert_null(probe(MMU_KERNEL, 0x00402ABCu, 4, w));
        assert_null(probe(MMU_USER, 0x00403ABCu, 4, w));
        assert_null(probe(MMU_SUPERVISOR, 0x00403ABCu, 4, w));
        assert_null(probe(MMU_KERNEL_ERL, 0x00403ABCu, 4, w));
    }

    /* the top page of the address space */
    stlb_fill(s, MMU_USER, 0xFFFFF123u, pages + 4096, 0, true);
    assert_ptr_equal(probe(MMU_USER, 0xFFFFFFFCu, 4, T_READ), pages + 4096 + 0xFFC);
    assert_ptr_equal(probe(MMU_USER, 0xFFFFF000u, 4, T_WRITE), pages + 4096);

    /* refilling a slot replaces the previous page */
    stlb_fill(s, MMU_KERNEL, 0x00503000u, pages + 2 * 4096, 0, true);
    assert_null(probe(MMU_KERNEL, 0x00403000u, 4, T_READ));
    assert_ptr_equal(probe(MMU_KERNEL, 0x00503010u, 4, T_READ), pages + 2 * 4096 + 0x10);
}

static void test_flush_all(void **state)
{
    (void)state;
    for (unsigned m = 0; m < MMU_NMODES; m++)
        for (unsigned i = 0; i < STLB_SIZE; i++)
            stlb_fill(s, (enum mmu_mode)m, (gva_t)i << 12, pages, 0, true);
    assert_ptr_equal(probe(MMU_USER, 0x00005000u, 4, T_READ), pages);
    stlb_flush_all(s);
    for (unsigned m = 0; m < MMU_NMODES; m++)
        for (unsigned i = 0; i < STLB_SIZE; i++) {
            const struct stlb_entry *e = &s->e[m][i];
            assert_true(e->tag_read & STLB_INVALID);
            assert_true(e->tag_write & STLB_INVALID);
            assert_true(e->tag_code & STLB_INVALID);
            assert_false(hits((enum mmu_mode)m, (gva_t)i << 12));
            assert_false(hits((enum mmu_mode)m, 0x12345000u + ((gva_t)i << 12)));
        }
}

static void test_flush_single_page(void **state)
{
    (void)state;
    stlb_fill(s, MMU_KERNEL, 0x00403000u, pages, 0, true);
    stlb_fill(s, MMU_USER, 0x00403000u, pages, 0, true);
    stlb_fill(s, MMU_SUPERVISOR, 0x00503000u, pages + 4096, 0, true); /* same index, other page */
    stlb_fill(s, MMU_KERNEL, 0x00402000u, pages + 2 * 4096, 0, true);
    stlb_fill(s, MMU_KERNEL, 0x00404000u, pages + 3 * 4096, 0, true);

    stlb_flush_range(s, 0x00403000u, 0x00403FFFu);
    assert_false(hits(MMU_KERNEL, 0x00403000u));
    assert_false(hits(MMU_USER, 0x00403000u));
    assert_ptr_equal(probe(MMU_SUPERVISOR, 0x00503004u, 4, T_READ), pages + 4096 + 4);
    assert_ptr_equal(probe(MMU_KERNEL, 0x00402FFCu, 4, T_WRITE), pages + 2 * 4096 + 0xFFC);
    assert_ptr_equal(probe(MMU_KERNEL, 0x00404000u, 4, T_CODE), pages + 3 * 4096);

    /* a range covering only part of a page still drops that page */
    stlb_fill(s, MMU_KERNEL, 0x00403000u, pages, 0, true);
    stlb_flush_range(s, 0x00403800u, 0x00403803u);
    assert_false(hits(MMU_KERNEL, 0x00403000u));
    assert_ptr_equal(probe(MMU_KERNEL, 0x00404000u, 4, T_CODE), pages + 3 * 4096);

    /* an 8 KiB pair (what one 4K TLB entry covers) */
    stlb_fill(s, MMU_KERNEL, 0x00403000u, pages, 0, true);
    stlb_flush_range(s, 0x00402000u, 0x00403FFFu);
    assert_false(hits(MMU_KERNEL, 0x00402000u));
    assert_false(hits(MMU_KERNEL, 0x00403000u));
    assert_ptr_equal(probe(MMU_KERNEL, 0x00404000u, 4, T_CODE), pages + 3 * 4096);

    /* the last page of the address space */
    stlb_fill(s, MMU_KERNEL, 0xFFFFF000u, pages, 0, true);
    stlb_fill(s, MMU_KERNEL, 0xFFFFE000u, pages, 0, true);
    stlb_flush_range(s, 0xFFFFF000u, 0xFFFFFFFFu);
    assert_false(hits(MMU_KERNEL, 0xFFFFF000u));
    assert_true(hits(MMU_KERNEL, 0xFFFFE000u));
}

static void test_flush_16m(void **state)
{
    (void)state;
    /* inside 0xC2000000-0xC2FFFFFF */
    stlb_fill(s, MMU_KERNEL, 0xC2000000u, pages, 0, true);     /* index 0x00 */
    stlb_fill(s, MMU_KERNEL, 0xC2FFF000u, pages, 0, true);     /* index 0xFF */
    stlb_fill(s, MMU_KERNEL, 0xC2801000u, pages, 0, false);    /* index 0x01 */
    stlb_fill(s, MMU_SUPERVISOR, 0xC2400000u, pages, 0, true); /* index 0x00 */
    stlb_fill(s, MMU_KERNEL_ERL, 0xC2ABC000u, pages, 0, true); /* index 0xBC */
    /* outside it, in slots with the same indices */
    stlb_fill(s, MMU_USER, 0xC3000000u, pages + 4096, 0, true);     /* index 0x00 */
    stlb_fill(s, MMU_USER, 0xC1FFF000u, pages + 4096, 0, true);     /* index 0xFF */
    stlb_fill(s, MMU_USER, 0x00001000u, pages + 4096, 0, true);     /* index 0x01 */
    stlb_fill(s, MMU_SUPERVISOR, 0xC3ABC000u, pages + 4096, 0, true); /* index 0xBC */
    stlb_fill(s, MMU_KERNEL, 0x00010000u + 0x80000u, pages, 0, true); /* index 0x90 */

    stlb_flush_range(s, 0xC2000000u, 0xC2FFFFFFu);

    assert_false(hits(MMU_KERNEL, 0xC2000000u));
    assert_false(hits(MMU_KERNEL, 0xC2FFF000u));
    assert_false(hits(MMU_KERNEL, 0xC2801000u));
    assert_false(hits(MMU_SUPERVISOR, 0xC2400000u));
    assert_false(hits(MMU_KERNEL_ERL, 0xC2ABC000u));
    assert_ptr_equal(probe(MMU_USER, 0xC3000000u, 4, T_READ), pages + 4096);
    assert_ptr_equal(probe(MMU_USER, 0xC1FFFFFCu, 4, T_READ), pages + 4096 + 0xFFC);
    assert_ptr_equal(probe(MMU_USER, 0x00001000u, 4, T_WRITE), pages + 4096);
    assert_ptr_equal(probe(MMU_SUPERVISOR, 0xC3ABC000u, 4, T_CODE), pages + 4096);
    assert_ptr_equal(probe(MMU_KERNEL, 0x00090000u, 4, T_READ), pages);

    /* a 32 MiB pair (one 16M TLB entry), ending at the top of the address space */
    stlb_fill(s, MMU_KERNEL, 0xFFFFF000u, pages, 0, true);
    stlb_fill(s, MMU_USER, 0xFE000000u, pages, 0, true);
    stlb_fill(s, MMU_SUPERVISOR, 0xFDFFF000u, pages, 0, true);
    stlb_flush_range(s, 0xFE000000u, 0xFFFFFFFFu);
    assert_false(hits(MMU_KERNEL, 0xFFFFF000u));
    assert_false(hits(MMU_USER, 0xFE000000u));
    assert_true(hits(MMU_SUPERVISOR, 0xFDFFF000u));

    /* the whole address space */
    stlb_flush_range(s, 0, 0xFFFFFFFFu);
    for (unsigned m = 0; m < MMU_NMODES; m++)
        for (unsigned i = 0; i < STLB_SIZE; i++) {
            const struct stlb_entry *e = &s->e[m][i];
            assert_true(e->tag_read & STLB_INVALID);
            assert_true(e->tag_write & STLB_INVALID);
            assert_true(e->tag_code & STLB_INVALID);
        }
}

/* A range just below the scan threshold walks its pages; one just above scans. Both drop the same. */
static void test_flush_medium_ranges(void **state)
{
    (void)state;
    for (unsigned pages_in_range = STLB_SIZE - 2; pages_in_range <= STLB_SIZE + 2; pages_in_range++) {
        stlb_flush_all(s);
        gva_t lo = 0x10000000u, hi = lo + pages_in_range * 4096u - 1;
        for (unsigned i = 0; i < STLB_SIZE; i++) {
            gva_t va = lo + i * 4096u;
            stlb_fill(s, MMU_KERNEL, va, pages, 0, true);
            stlb_fill(s, MMU_USER, va + (gva_t)STLB_SIZE * 4096u * 4, pages, 0, true); /* far away */
        }
        stlb_fill(s, MMU_SUPERVISOR, lo - 4096, pages, 0, true);
        stlb_flush_range(s, lo, hi);
        for (unsigned i = 0; i < STLB_SIZE; i++) {
            gva_t va = lo + i * 4096u;
            assert_int_equal(hits(MMU_KERNEL, va), va > hi);
            assert_true(hits(MMU_USER, va + (gva_t)STLB_SIZE * 4096u * 4));
        }
        assert_true(hits(MMU_SUPERVISOR, lo - 4096));
    }
}

/* The one-compare trick: a misaligned access never equals a tag; flagged tags equal no address. */
static void test_misaligned_never_matches(void **state)
{
    (void)state;
    static const gva_t bases[] = {0x00000000u, 0x00403000u, 0x7FFFF000u, 0x80000000u, 0xFFFFF000u};
    for (unsigned b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
        stlb_flush_all(s);
        stlb_fill(s, MMU_KERNEL, bases[b], pages, 0, true);
        stlb_fill(s, MMU_USER, bases[b], pages, 0, false);
        for (unsigned off = 0; off < 4096; off++) {
            gva_t va = bases[b] + off;
            for (unsigned size = 1; size <= 8; size <<= 1) {
                bool aligned = (off & (size - 1)) == 0;
                for (enum which w = T_READ; w <= T_CODE; w++) {
                    assert_int_equal(probe(MMU_KERNEL, va, size, w) != NULL, aligned);
                    /* empty slots never hit */
                    assert_null(probe(MMU_SUPERVISOR, va, size, w));
                    assert_null(probe(MMU_KERNEL_ERL, va, size, w));
                }
                assert_null(probe(MMU_USER, va, size, T_WRITE));
            }
        }
    }
    /* no flag bit can survive the mask of any access size */
    for (unsigned size = 1; size <= 8; size <<= 1) {
        uint64_t m = STLB_PAGE_MASK | (size - 1);
        assert_int_equal(m & (STLB_INVALID | STLB_MMIO | STLB_CODE | STLB_COW), 0);
    }
}

static void test_not_writable(void **state)
{
    (void)state;
    stlb_fill(s, MMU_USER, 0x00700000u, pages + 5 * 4096, 0, false);
    const struct stlb_entry *e = &s->e[MMU_USER][stlb_index(0x00700000u)];
    assert_int_equal(e->tag_read, 0x00700000u);
    assert_int_equal(e->tag_code, 0x00700000u);
    assert_int_not_equal(e->tag_write, 0x00700000u);
    for (unsigned off = 0; off < 4096; off++)
        for (unsigned size = 1; size <= 8; size <<= 1)
            assert_null(probe(MMU_USER, 0x00700000u + off, size, T_WRITE));
    assert_ptr_equal(probe(MMU_USER, 0x00700010u, 4, T_READ), pages + 5 * 4096 + 0x10);
    assert_ptr_equal(probe(MMU_USER, 0x00700010u, 4, T_CODE), pages + 5 * 4096 + 0x10);

    /* refilling as writable (after the page became dirty) makes stores hit */
    stlb_fill(s, MMU_USER, 0x00700000u, pages + 5 * 4096, 0, true);
    assert_ptr_equal(probe(MMU_USER, 0x00700010u, 4, T_WRITE), pages + 5 * 4096 + 0x10);
    /* and back */
    stlb_fill(s, MMU_USER, 0x00700000u, pages + 5 * 4096, 0, false);
    assert_null(probe(MMU_USER, 0x00700010u, 4, T_WRITE));

    /* a not-writable entry is still dropped by a flush of its page */
    stlb_flush_range(s, 0x00700000u, 0x00700FFFu);
    assert_false(hits(MMU_USER, 0x00700000u));
}

/* Two pages STLB_SIZE pages apart share a slot: the evicted one waits in the victim array. */
static void test_victim_swap(void **state)
{
    (void)state;
    uint32_t a = 0x00403000u, b = a + STLB_SIZE * 4096u;
    stlb_fill(s, MMU_KERNEL, a, pages, 0, true);
    stlb_fill(s, MMU_KERNEL, b, pages + 4096, 0, true);
    assert_null(probe(MMU_KERNEL, a, 4, T_READ));
    assert_ptr_equal(probe(MMU_KERNEL, b, 4, T_READ), pages + 4096);
    /* another mode's victims are separate */
    assert_false(stlb_victim_swap(s, MMU_USER, a));
    assert_true(stlb_victim_swap(s, MMU_KERNEL, a + 0x10));
    assert_ptr_equal(probe(MMU_KERNEL, a + 0x10, 4, T_WRITE), pages + 0x10);
    assert_null(probe(MMU_KERNEL, b, 4, T_READ));
    assert_true(stlb_victim_swap(s, MMU_KERNEL, b));
    assert_ptr_equal(probe(MMU_KERNEL, b, 4, T_CODE), pages + 4096);
    /* a flush covers the victims too: a guest TLB write must not leave a stale copy behind */
    stlb_flush_range(s, a, a + 4095);
    assert_false(stlb_victim_swap(s, MMU_KERNEL, a));
    assert_ptr_equal(probe(MMU_KERNEL, b, 4, T_READ), pages + 4096);
    stlb_fill(s, MMU_KERNEL, a, pages, 0, true); /* b to the victims */
    stlb_flush_all(s);
    assert_false(stlb_victim_swap(s, MMU_KERNEL, b));
    assert_false(stlb_victim_swap(s, MMU_KERNEL, 0));
}

/* An ASID change drops what a non-global TLB entry gave, in the table and among the victims. */
static void test_flush_nonglobal(void **state)
{
    (void)state;
    uint32_t g = 0x00401000u, ng = 0x00402000u, ng_victim = 0x00402000u + STLB_SIZE * 4096u;
    stlb_fill(s, MMU_USER, g, pages, 0, true);
    stlb_fill(s, MMU_USER, ng_victim, pages + 4096, 0, true);
    stlb_set_asid_bound(s, MMU_USER, ng_victim);
    stlb_fill(s, MMU_USER, ng, pages + 8192, 0, true); /* ng_victim moves to the victims */
    stlb_set_asid_bound(s, MMU_USER, ng);
    stlb_fill(s, MMU_KERNEL, 0x80402000u, pages, 0, true); /* kseg0: global */
    stlb_flush_nonglobal(s);
    assert_ptr_equal(probe(MMU_USER, g, 4, T_READ), pages);
    assert_null(probe(MMU_USER, ng, 4, T_READ));
    assert_false(stlb_victim_swap(s, MMU_USER, ng_victim));
    assert_ptr_equal(probe(MMU_KERNEL, 0x80402000u, 4, T_READ), pages);
    /* a refill of the slot forgets the old mark */
    stlb_fill(s, MMU_USER, ng, pages + 8192, 0, true);
    stlb_flush_nonglobal(s);
    assert_ptr_equal(probe(MMU_USER, ng, 4, T_READ), pages + 8192);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index),
        cmocka_unit_test_setup(test_fill_then_hit, setup),
        cmocka_unit_test_setup(test_flush_all, setup),
        cmocka_unit_test_setup(test_flush_single_page, setup),
        cmocka_unit_test_setup(test_flush_16m, setup),
        cmocka_unit_test_setup(test_flush_medium_ranges, setup),
        cmocka_unit_test_setup(test_misaligned_never_matches, setup),
        cmocka_unit_test_setup(test_not_writable, setup),
        cmocka_unit_test_setup(test_victim_swap, setup),
        cmocka_unit_test_setup(test_flush_nonglobal, setup),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
