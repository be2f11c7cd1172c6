/*
 * Unit tests of the architectural TLB (shadow-mmu/mips_tlb.c).
 *
 * Expected values are worked out from the MIPS32 PRA (Vol. III, Release 2):
 *   EntryHi  = VPN2 (31:13) | ASID (7:0)
 *   EntryLo  = PFN (29:6) | C (5:3) | D (2) | V (1) | G (0)
 *   PageMask = Mask (28:13): 4K 0, 16K 0x6000, 64K 0x1E000, 256K 0x7E000,
 *              1M 0x1FE000, 4M 0x7FE000, 16M 0x1FFE000
 * and the lookup pseudo-code of section 4.9: the first entry whose
 * (VPN2 & ~Mask) equals (va[31:13] & ~Mask) and that is global or has the
 * current ASID is used; va[EvenOddBit] picks PFN0/PFN1, V is tested before
 * D, and pa = PFN[..EvenOddBit-12] || va[EvenOddBit-1:0].
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "shadow-mmu/shadow_mmu.h"

#define PM_4K 0x00000000u
#define PM_16K 0x00006000u
#define PM_64K 0x0001E000u
#define PM_256K 0x0007E000u
#define PM_1M 0x001FE000u
#define PM_4M 0x007FE000u
#define PM_16M 0x01FFE000u

/* An EntryLo image from its fields (PRA EntryLo0/EntryLo1 layout). */
static uint32_t elo(uint32_t pfn, unsigned c, unsigned d, unsigned v, unsigned g)
{
    return (pfn << 6) | ((c & 7u) << 3) | ((d & 1u) << 2) | ((v & 1u) << 1) | (g & 1u);
}

static struct mtlb tlb;

static int setup(void **state)
{
    (void)state;
    mtlb_init(&tlb, 16);
    return 0;
}

/* ---- mtlb_write / mtlb_read ---------------------------------------- */

static void test_write_read_4k(void **state)
{
    (void)state;
    uint32_t lo0 = elo(0x01234, 3, 1, 1, 0); /* 0x00048D1E */
    uint32_t lo1 = elo(0x05678, 2, 0, 1, 0); /* 0x00159E12 */
    assert_int_equal(lo0, 0x00048D1Eu);
    assert_int_equal(lo1, 0x00159E12u);
    mtlb_write(&tlb, 5, 0x00402000u | 0x12, lo0, lo1, PM_4K);

    uint32_t hi, r0, r1, pm;
    mtlb_read(&tlb, 5, &hi, &r0, &r1, &pm);
    assert_int_equal(hi, 0x00402012u);
    assert_int_equal(r0, 0x00048D1Eu);
    assert_int_equal(r1, 0x00159E12u);
    assert_int_equal(pm, 0);
    assert_int_equal(tlb.e[5].vpn2, 0x00402000u);
    assert_int_equal(tlb.e[5].asid, 0x12);
    assert_false(tlb.e[5].g);
    assert_int_equal(tlb.e[5].pfn[0], 0x01234);
    assert_int_equal(tlb.e[5].pfn[1], 0x05678);
    assert_int_equal(tlb.e[5].c[0], 3);
    assert_int_equal(tlb.e[5].c[1], 2);
    assert_true(tlb.e[5].d[0]);
    assert_false(tlb.e[5].d[1]);
    assert_true(tlb.e[5].v[0]);
    assert_true(tlb.e[5].v[1]);
}

/* G is the AND of both EntryLo G bits at write; tlbr returns it in both EntryLo registers. */
static void test_global_is_and_of_both(void **state)
{
    (void)state;
    uint32_t hi, r0, r1, pm;
    static const struct {
        unsigned g0, g1, g;
    } cases[] = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {1, 1, 1}};
    for (unsigned i = 0; i < 4; i++) {
        mtlb_write(&tlb, 2, 0x00010000u | 0x07, elo(0x100, 3, 1, 1, cases[i].g0),
                   elo(0x101, 3, 1, 1, cases[i].g1), PM_4K);
        assert_int_equal(tlb.e[2].g, cases[i].g);
        mtlb_read(&tlb, 2, &hi, &r0, &r1, &pm);
        assert_int_equal(r0 & 1, cases[i].g);
        assert_int_equal(r1 & 1, cases[i].g);
        assert_int_equal(r0 & ~1u, elo(0x100, 3, 1, 1, 0));
        assert_int_equal(r1 & ~1u, elo(0x101, 3, 1, 1, 0));
    }
}

/* EntryHi bits 12:8 are reserved (read as 0), and VPN2 bits under the mask are not kept. */
static void test_vpn2_masked_by_pagemask(void **state)
{
    (void)state;
    uint32_t hi, r0, r1, pm;

    mtlb_write(&tlb, 0, 0x12345FFFu, elo(0x200, 3, 1, 1, 0), elo(0x201, 3, 1, 1, 0), PM_4K);
    mtlb_read(&tlb, 0, &hi, &r0, &r1, &pm);
    assert_int_equal(hi, 0x123440FFu); /* VPN2 = 0x12344000 (bit 12 is not VPN2), ASID 0xFF */

    /* 16K: Mask bits 14:13 set, so VPN2 bit 13 is not part of the match. */
    mtlb_write(&tlb, 1, 0x1000A000u | 0x33, elo(0x100, 3, 1, 1, 0), elo(0x104, 3, 1, 1, 0), PM_16K);
    mtlb_read(&tlb, 1, &hi, &r0, &r1, &pm);
    assert_int_equal(hi, 0x10008033u);
    assert_int_equal(pm, PM_16K);

    /* 16M: VPN2 bits 24:13 are under the mask. */
    mtlb_write(&tlb, 2, 0xC2FFE000u | 0x01, elo(0x1000, 3, 1, 1, 0), elo(0x5000, 3, 1, 1, 0), PM_16M);
    mtlb_read(&tlb, 2, &hi, &r0, &r1, &pm);
    assert_int_equal(hi, 0xC2000001u);
    assert_int_equal(pm, PM_16M);
    /* PFNs aligned to the page size read back unchanged whichever way an implementation chooses */
    assert_int_equal(r0, elo(0x1000, 3, 1, 1, 0));
    assert_int_equal(r1, elo(0x5000, 3, 1, 1, 0));

    /* PageMask bits outside 28:13 are not kept */
    mtlb_write(&tlb, 3, 0x00400000u, elo(0x300, 3, 1, 1, 0), elo(0x304, 3, 1, 1, 0), PM_16K | 0x1FFFu);
    mtlb_read(&tlb, 3, &hi, &r0, &r1, &pm);
    assert_int_equal(pm, PM_16K);
}

/* C, D and V of each half round-trip independently. */
static void test_fields_each_half(void **state)
{
    (void)state;
    uint32_t hi, r0, r1, pm;
    for (unsigned c = 0; c < 8; c++)
        for (unsigned dv = 0; dv < 4; dv++) {
            uint32_t lo0 = elo(0xABCDE, c, dv >> 1, dv & 1, 0);
            uint32_t lo1 = elo(0x00001, 7 - c, (dv & 1), dv >> 1, 0);
            mtlb_write(&tlb, 15, 0x7FFFE000u | 0xA5, lo0, lo1, PM_4K);
            mtlb_read(&tlb, 15, &hi, &r0, &r1, &pm);
            assert_int_equal(hi, 0x7FFFE0A5u);
            assert_int_equal(r0, lo0);
            assert_int_equal(r1, lo1);
        }
}

/* ---- lookup ---------------------------------------------------------- */

struct lk {
    enum mtlb_result r;
    gpa_t pa;
    uint32_t size;
};

static struct lk lookup(gva_t va, uint8_t asid, bool write)
{
    struct lk out = {.pa = 0xDEADBEEFull, .size = 0xDEAD};
    out.r = mtlb_lookup(&tlb, va, asid, write, &out.pa, &out.size);
    return out;
}

static void expect_hit(gva_t va, uint8_t asid, bool write, gpa_t pa, uint32_t size)
{
    struct lk l = lookup(va, asid, write);
    assert_int_equal(l.r, MTLB_HIT);
    assert_int_equal(l.pa, pa);
    assert_int_equal(l.size, size);
}

static void expect_result(gva_t va, uint8_t asid, bool write, enum mtlb_result r)
{
    assert_int_equal(lookup(va, asid, write).r, r);
}

static void test_lookup_4k(void **state)
{
    (void)state;
    mtlb_write(&tlb, 3, 0x00402000u | 0x12, elo(0x01234, 3, 1, 1, 0), elo(0x05678, 3, 1, 1, 0), PM_4K);
    expect_hit(0x00402ABCu, 0x12, false, 0x01234ABCull, 4096);
    expect_hit(0x00402000u, 0x12, true, 0x01234000ull, 4096);
    expect_hit(0x00402FFFu, 0x12, false, 0x01234FFFull, 4096);
    expect_hit(0x00403000u, 0x12, false, 0x05678000ull, 4096);
    expect_hit(0x00403ABCu, 0x12, true, 0x05678ABCull, 4096);
    expect_hit(0x00403FFFu, 0x12, false, 0x05678FFFull, 4096);
    expect_result(0x00401FFFu, 0x12, false, MTLB_REFILL);
    expect_result(0x00404000u, 0x12, false, MTLB_REFILL);
}

static void test_lookup_16k(void **state)
{
    (void)state;
    /* pair 0x10008000-0x1000FFFF; EvenOddBit 14 */
    mtlb_write(&tlb, 7, 0x10008000u | 0x01, elo(0x00100, 3, 1, 1, 0), elo(0x00204, 3, 1, 1, 0), PM_16K);
    expect_hit(0x10008000u, 0x01, false, 0x00100000ull, 16384);
    expect_hit(0x1000A123u, 0x01, false, 0x00102123ull, 16384);
    expect_hit(0x1000BFFFu, 0x01, false, 0x00103FFFull, 16384);
    expect_hit(0x1000C000u, 0x01, false, 0x00204000ull, 16384);
    expect_hit(0x1000D456u, 0x01, false, 0x00205456ull, 16384);
    expect_hit(0x1000FFFFu, 0x01, false, 0x00207FFFull, 16384);
    expect_result(0x10007FFFu, 0x01, false, MTLB_REFILL);
    expect_result(0x10010000u, 0x01, false, MTLB_REFILL);

    /* PFN bits below the page size do not reach the physical address (pa = PFN[..2] || va[13:0]) */
    mtlb_write(&tlb, 7, 0x10008000u | 0x01, elo(0x00101, 3, 1, 1, 0), elo(0x00207, 3, 1, 1, 0), PM_16K);
    expect_hit(0x1000A123u, 0x01, false, 0x00102123ull, 16384);
    expect_hit(0x1000D456u, 0x01, false, 0x00205456ull, 16384);
}

static void test_lookup_64k(void **state)
{
    (void)state;
    /* pair 0x00420000-0x0043FFFF; EvenOddBit 16 */
    mtlb_write(&tlb, 0, 0x00420000u | 0x40, elo(0x03450, 3, 1, 1, 0), elo(0x0ABC0, 3, 1, 1, 0), PM_64K);
    expect_hit(0x0042F00Du, 0x40, false, 0x0345F00Dull, 65536);
    expect_hit(0x00420000u, 0x40, false, 0x03450000ull, 65536);
    expect_hit(0x00431234u, 0x40, false, 0x0ABC1234ull, 65536);
    expect_hit(0x0043FFFFu, 0x40, false, 0x0ABCFFFFull, 65536);
    expect_result(0x0041FFFFu, 0x40, false, MTLB_REFILL);
    expect_result(0x00440000u, 0x40, false, MTLB_REFILL);
}

static void test_lookup_256k_4m(void **state)
{
    (void)state;
    /* 256K: pair 0x00C80000-0x00CFFFFF, EvenOddBit 18 */
    mtlb_write(&tlb, 1, 0x00C80000u, elo(0x00400, 3, 1, 1, 1), elo(0x00840, 3, 1, 1, 1), PM_256K);
    expect_hit(0x00CBFFFEu, 9, false, 0x0043FFFEull, 256 * 1024);
    expect_hit(0x00CC0002u, 9, false, 0x00840002ull, 256 * 1024);
    /* 4M: pair 0x01000000-0x017FFFFF, EvenOddBit 22 */
    mtlb_write(&tlb, 2, 0x01000000u, elo(0x00C00, 3, 1, 1, 1), elo(0x01400, 3, 1, 1, 1), PM_4M);
    expect_hit(0x01234567u, 9, false, 0x00E34567ull, 4u << 20);
    expect_hit(0x01765432u, 9, false, 0x01765432ull, 4u << 20);
}

static void test_lookup_1m(void **state)
{
    (void)state;
    /* pair 0x7FE00000-0x7FFFFFFF; EvenOddBit 20 */
    mtlb_write(&tlb, 9, 0x7FE00000u | 0x99, elo(0x00300, 3, 1, 1, 0), elo(0x0FF00, 3, 1, 1, 0), PM_1M);
    expect_hit(0x7FEABCDEu, 0x99, false, 0x003ABCDEull, 1u << 20);
    expect_hit(0x7FE00000u, 0x99, false, 0x00300000ull, 1u << 20);
    expect_hit(0x7FEFFFFFu, 0x99, false, 0x003FFFFFull, 1u << 20);
    expect_hit(0x7FF00000u, 0x99, false, 0x0FF00000ull, 1u << 20);
    expect_hit(0x7FFFFFFCu, 0x99, true, 0x0FFFFFFCull, 1u << 20);
    expect_result(0x7FDFFFFFu, 0x99, false, MTLB_REFILL);
}

static void test_lookup_16m(void **state)
{
    (void)state;
    /* pair 0xC2000000-0xC3FFFFFF (kseg2); EvenOddBit 24 */
    mtlb_write(&tlb, 15, 0xC2000000u | 0x02, elo(0x01000, 3, 1, 1, 0), elo(0x05FFF, 3, 1, 1, 0), PM_16M);
    expect_hit(0xC2123456u, 0x02, false, 0x01123456ull, 16u << 20);
    expect_hit(0xC2FFFFFFu, 0x02, false, 0x01FFFFFFull, 16u << 20);
    /* PFN1 low 12 bits are below the 16M page: ignored */
    expect_hit(0xC3000000u, 0x02, false, 0x05000000ull, 16u << 20);
    expect_hit(0xC3FEDCBAu, 0x02, false, 0x05FEDCBAull, 16u << 20);
    expect_result(0xC1FFFFFFu, 0x02, false, MTLB_REFILL);
    expect_result(0xC4000000u, 0x02, false, MTLB_REFILL);
}

static void test_asid_and_global(void **state)
{
    (void)state;
    mtlb_write(&tlb, 4, 0x00010000u | 0x05, elo(0x111, 3, 1, 1, 0), elo(0x222, 3, 1, 1, 0), PM_4K);
    expect_hit(0x00010010u, 0x05, false, 0x00111010ull, 4096);
    expect_result(0x00010010u, 0x06, false, MTLB_REFILL);
    expect_result(0x00011010u, 0x00, false, MTLB_REFILL);
    expect_result(0x00011010u, 0xFF, false, MTLB_REFILL);
    /* G in only one EntryLo: not global */
    mtlb_write(&tlb, 4, 0x00010000u | 0x05, elo(0x111, 3, 1, 1, 1), elo(0x222, 3, 1, 1, 0), PM_4K);
    expect_result(0x00010010u, 0x06, false, MTLB_REFILL);
    /* global: any ASID, the entry's own ASID ignored */
    mtlb_write(&tlb, 4, 0x00010000u | 0x05, elo(0x111, 3, 1, 1, 1), elo(0x222, 3, 1, 1, 1), PM_4K);
    for (unsigned a = 0; a < 256; a++) {
        expect_hit(0x00010010u, (uint8_t)a, false, 0x00111010ull, 4096);
        expect_hit(0x00011FF0u, (uint8_t)a, true, 0x00222FF0ull, 4096);
    }
}

static void test_invalid_and_modified(void **state)
{
    (void)state;
    /* even half: V=0 (D=1); odd half: V=1, D=0 */
    mtlb_write(&tlb, 6, 0x00600000u | 0x11, elo(0x600, 3, 1, 0, 0), elo(0x601, 3, 0, 1, 0), PM_4K);
    expect_result(0x00600000u, 0x11, false, MTLB_INVALID);
    expect_result(0x00600FFCu, 0x11, true, MTLB_INVALID);
    expect_hit(0x00601008u, 0x11, false, 0x00601008ull, 4096);
    expect_result(0x00601008u, 0x11, true, MTLB_MODIFIED);
    /* V is tested before D: a store to an invalid, clean page is TLB invalid */
    mtlb_write(&tlb, 6, 0x00600000u | 0x11, elo(0x600, 3, 0, 0, 0), elo(0x601, 3, 0, 0, 0), PM_4K);
    expect_result(0x00600000u, 0x11, true, MTLB_INVALID);
    expect_result(0x00601000u, 0x11, true, MTLB_INVALID);
    /* a non-matching ASID on an invalid entry is still a refill */
    expect_result(0x00600000u, 0x12, false, MTLB_REFILL);
    /* large page, odd half invalid */
    mtlb_write(&tlb, 6, 0xC2000000u | 0x11, elo(0x1000, 3, 1, 1, 0), elo(0x2000, 3, 1, 0, 0), PM_16M);
    expect_hit(0xC2FFFFFCu, 0x11, true, 0x01FFFFFCull, 16u << 20);
    expect_result(0xC3000000u, 0x11, false, MTLB_INVALID);
}

static void test_miss(void **state)
{
    (void)state;
    expect_result(0x00000000u, 0, false, MTLB_REFILL);
    expect_result(0x7FFFFFFFu, 0, true, MTLB_REFILL);
    expect_result(0xC0000000u, 0, false, MTLB_REFILL);
    expect_result(0xFFFFF000u, 0xFF, false, MTLB_REFILL);
}

/* Duplicates and overlaps: the first matching entry wins; never a fault other than from that entry. */
static void test_duplicates_first_match(void **state)
{
    (void)state;
    mtlb_write(&tlb, 3, 0x00402000u | 0x01, elo(0x0AAAA, 3, 1, 1, 0), elo(0x0BBBB, 3, 1, 1, 0), PM_4K);
    mtlb_write(&tlb, 8, 0x00402000u | 0x01, elo(0x0CCCC, 3, 1, 1, 0), elo(0x0DDDD, 3, 1, 1, 0), PM_4K);
    expect_hit(0x00402123u, 0x01, false, 0x0AAAA123ull, 4096);
    expect_hit(0x00403123u, 0x01, true, 0x0BBBB123ull, 4096);
    assert_int_equal(mtlb_probe(&tlb, 0x00402000u | 0x01), 3);

    /* a 16M global entry overlapping a 4K entry that comes after it */
    mtlb_init(&tlb, 16);
    mtlb_write(&tlb, 0, 0x00000000u, elo(0x08000, 3, 1, 1, 1), elo(0x09000, 3, 1, 1, 1), PM_16M);
    mtlb_write(&tlb, 1, 0x00402000u | 0x01, elo(0x0CCCC, 3, 1, 1, 0), elo(0x0DDDD, 3, 1, 1, 0), PM_4K);
    expect_hit(0x00402123u, 0x01, false, 0x08402123ull, 16u << 20);
    /* and the other way round */
    mtlb_init(&tlb, 16);
    mtlb_write(&tlb, 0, 0x00402000u | 0x01, elo(0x0CCCC, 3, 1, 1, 0), elo(0x0DDDD, 3, 1, 1, 0), PM_4K);
    mtlb_write(&tlb, 1, 0x00000000u, elo(0x08000, 3, 1, 1, 1), elo(0x09000, 3, 1, 1, 1), PM_16M);
    expect_hit(0x00402123u, 0x01, false, 0x0CCCC123ull, 4096);
    expect_hit(0x00402123u, 0x02, false, 0x08402123ull, 16u << 20); /* other ASID: only the global one */
    expect_hit(0x00404000u, 0x01, false, 0x08404000ull, 16u << 20);

    /* Every entry identical (what a kernel's flush can leave): still a plain hit */
    for (unsigned i = 0; i < 16; i++)
        mtlb_write(&tlb, i, 0x00800000u, elo(0x00777, 3, 1, 1, 1), elo(0x00778, 3, 1, 1, 1), PM_4K);
    expect_hit(0x00800004u, 0x33, true, 0x00777004ull, 4096);
    expect_hit(0x00801004u, 0x33, false, 0x00778004ull, 4096);
    assert_int_equal(mtlb_probe(&tlb, 0x00800000u), 0);
}

/* ---- probe ----------------------------------------------------------- */

static void test_probe(void **state)
{
    (void)state;
    mtlb_write(&tlb, 10, 0x00402000u | 0x21, elo(0x1, 3, 1, 1, 0), elo(0x2, 3, 1, 1, 0), PM_4K);
    mtlb_write(&tlb, 11, 0xC2000000u | 0x21, elo(0x1000, 3, 1, 1, 1), elo(0x2000, 3, 1, 1, 1), PM_16M);
    assert_int_equal(mtlb_probe(&tlb, 0x00402000u | 0x21), 10);
    assert_int_equal(mtlb_probe(&tlb, 0x00402000u | 0x22), -1); /* ASID differs, not global */
    assert_int_equal(mtlb_probe(&tlb, 0x00404000u | 0x21), -1);
    assert_int_equal(mtlb_probe(&tlb, 0x00400000u | 0x21), -1);
    /* EntryHi bits below VPN2 (12:8) do not take part */
    assert_int_equal(mtlb_probe(&tlb, 0x00403F21u), 10);
    /* global 16M entry: any ASID, any VPN2 inside the pair */
    assert_int_equal(mtlb_probe(&tlb, 0xC2000000u | 0x00), 11);
    assert_int_equal(mtlb_probe(&tlb, 0xC3FFE000u | 0xFE), 11);
    assert_int_equal(mtlb_probe(&tlb, 0xC4000000u | 0x21), -1);
    /* an invalid entry is still found by tlbp */
    mtlb_write(&tlb, 12, 0x00500000u | 0x21, elo(0x1, 3, 0, 0, 0), elo(0x2, 3, 0, 0, 0), PM_4K);
    assert_int_equal(mtlb_probe(&tlb, 0x00500000u | 0x21), 12);
}

/* ---- init ------------------------------------------------------------ */

static void check_reset_entries_never_match(unsigned n)
{
    mtlb_init(&tlb, n);
    assert_int_equal(tlb.n, n);
    static const gva_t vas[] = {0x00000000u, 0x00001000u, 0x00400000u, 0x10000000u, 0x7FFFE000u,
                                0x7FFFFFFFu, 0xC0000000u, 0xC0001000u, 0xC0100000u, 0xDFFFFFFFu,
                                0xE0000000u, 0xFFFFE000u, 0xFFFFFFFFu};
    for (unsigned i = 0; i < sizeof(vas) / sizeof(vas[0]); i++)
        for (unsigned a = 0; a < 256; a += 17) {
            gpa_t pa;
            uint32_t sz;
            assert_int_equal(mtlb_lookup(&tlb, vas[i], (uint8_t)a, false, &pa, &sz), MTLB_REFILL);
            assert_int_equal(mtlb_lookup(&tlb, vas[i], (uint8_t)a, true, &pa, &sz), MTLB_REFILL);
            assert_int_equal(mtlb_probe(&tlb, (vas[i] & 0xFFFFE000u) | a), -1);
        }
    /* Every page of kuseg and kseg2/kseg3 with ASID 0: nothing. */
    for (uint64_t va = 0; va < 0x100000000ull; va += 0x2000) {
        if (va >= 0x80000000ull && va < 0xC0000000ull)
            continue;
        assert_int_equal(mtlb_probe(&tlb, (uint32_t)va), -1);
    }
    /* The entries are distinct (no duplicates to begin with) and invalid. */
    for (unsigned i = 0; i < n; i++) {
        assert_false(tlb.e[i].v[0]);
        assert_false(tlb.e[i].v[1]);
        for (unsigned j = i + 1; j < n; j++)
            assert_int_not_equal(tlb.e[i].vpn2, tlb.e[j].vpn2);
    }
}

static void test_init_never_matches(void **state)
{
    (void)state;
    check_reset_entries_never_match(16);
    check_reset_entries_never_match(1);
    check_reset_entries_never_match(MTLB_MAX_ENTRIES);
}

/* ---- entry range ----------------------------------------------------- */

static void test_entry_range(void **state)
{
    (void)state;
    static const struct {
        uint32_t hi, pm, lo_va, hi_va;
    } cases[] = {
        {0x00402000u, PM_4K, 0x00402000u, 0x00403FFFu},
        {0x1000A000u, PM_16K, 0x10008000u, 0x1000FFFFu},
        {0x00420000u, PM_64K, 0x00420000u, 0x0043FFFFu},
        {0x00C80000u, PM_256K, 0x00C80000u, 0x00CFFFFFu},
        {0x7FE00000u, PM_1M, 0x7FE00000u, 0x7FFFFFFFu},
        {0x01000000u, PM_4M, 0x01000000u, 0x017FFFFFu},
        {0xC2000000u, PM_16M, 0xC2000000u, 0xC3FFFFFFu},
        {0xFE000000u, PM_16M, 0xFE000000u, 0xFFFFFFFFu},
        {0xFFFFE000u, PM_4K, 0xFFFFE000u, 0xFFFFFFFFu},
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        gva_t lo = 1, hi = 1;
        mtlb_write(&tlb, i, cases[i].hi | 0x42, elo(0, 3, 1, 1, 0), elo(0, 3, 1, 1, 0), cases[i].pm);
        mtlb_entry_range(&tlb, i, &lo, &hi);
        assert_int_equal(lo, cases[i].lo_va);
        assert_int_equal(hi, cases[i].hi_va);
    }
}

/* ---- hash ------------------------------------------------------------ */

static void test_hash_changes(void **state)
{
    (void)state;
    uint32_t hi0 = 0x00402000u | 0x12, lo0 = elo(0x1234, 3, 1, 1, 0), lo1 = elo(0x5678, 3, 1, 1, 0);
    mtlb_write(&tlb, 4, hi0, lo0, lo1, PM_4K);
    uint64_t h = mtlb_hash(&tlb);
    assert_int_equal(mtlb_hash(&tlb), h); /* stable */

    struct {
        uint32_t hi, lo0, lo1, pm;
    } variants[] = {
        {hi0 ^ 0x2000u, lo0, lo1, PM_4K},       /* VPN2 */
        {hi0 ^ 0x01u, lo0, lo1, PM_4K},         /* ASID */
        {hi0, lo0 | 1, lo1 | 1, PM_4K},         /* G */
        {hi0, lo0 ^ (1u << 6), lo1, PM_4K},     /* PFN0 */
        {hi0, lo0, lo1 ^ (1u << 6), PM_4K},     /* PFN1 */
        {hi0, lo0 ^ (1u << 3), lo1, PM_4K},     /* C0 */
        {hi0, lo0, lo1 ^ (1u << 5), PM_4K},     /* C1 */
        {hi0, lo0 ^ 4u, lo1, PM_4K},            /* D0 */
        {hi0, lo0, lo1 ^ 4u, PM_4K},            /* D1 */
        {hi0, lo0 ^ 2u, lo1, PM_4K},            /* V0 */
        {hi0, lo0, lo1 ^ 2u, PM_4K},            /* V1 */
        {hi0 & ~0x6000u, lo0, lo1, PM_16K},     /* PageMask */
    };
    for (unsigned i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
        mtlb_write(&tlb, 4, variants[i].hi, variants[i].lo0, variants[i].lo1, variants[i].pm);
        assert_int_not_equal(mtlb_hash(&tlb), h);
        mtlb_write(&tlb, 4, hi0, lo0, lo1, PM_4K);
        assert_int_equal(mtlb_hash(&tlb), h);
    }
    /* the same entry in another slot is a different TLB */
    mtlb_write(&tlb, 5, hi0, lo0, lo1, PM_4K);
    assert_int_not_equal(mtlb_hash(&tlb), h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_write_read_4k, setup),
        cmocka_unit_test_setup(test_global_is_and_of_both, setup),
        cmocka_unit_test_setup(test_vpn2_masked_by_pagemask, setup),
        cmocka_unit_test_setup(test_fields_each_half, setup),
        cmocka_unit_test_setup(test_lookup_4k, setup),
        cmocka_unit_test_setup(test_lookup_16k, setup),
        cmocka_unit_test_setup(test_lookup_64k, setup),
        cmocka_unit_test_setup(test_lookup_256k_4m, setup),
        cmocka_unit_test_setup(test_lookup_1m, setup),
        cmocka_unit_test_setup(test_lookup_16m, setup),
        cmocka_unit_test_setup(test_asid_and_global, setup),
        cmocka_unit_test_setup(test_invalid_and_modified, setup),
        cmocka_unit_test_setup(test_miss, setup),
        cmocka_unit_test_setup(test_duplicates_first_match, setup),
        cmocka_unit_test_setup(test_probe, setup),
        cmocka_unit_test_setup(test_init_never_matches, setup),
        cmocka_unit_test_setup(test_entry_range, setup),
        cmocka_unit_test_setup(test_hash_changes, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
