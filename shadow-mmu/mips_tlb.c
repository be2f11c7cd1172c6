/*
 * The architectural R4K TLB of one vCPU: what tlbwi/tlbwr/tlbr/tlbp see.
 *
 * Each entry maps an even/odd pair of pages (VPN2) whose size is given by
 * PageMask. Lookups scan all entries and take the first match: the guest
 * kernel writes duplicate and overlapping entries on purpose at boot
 * (Linux arch/mips/mm/tlb-r4k.c, r4k_tlb_uniquify / local_flush_tlb_all),
 * and a real 24K would raise Machine Check; we never do, which is what
 * QEMU's malta does as well.
 *
 * Field layouts follow MIPS32 PRA (Vol. III) EntryHi/EntryLo/PageMask.
 */
#include <string.h>

#include <xxhash.h>

#include "shadow-mmu/shadow_mmu.h"

#define ENTRYLO_PFN_SHIFT 6
#define ENTRYLO_PFN_MASK 0x000FFFFFu /* 24K: 32-bit physical addresses, PFN = PA[31:12] */

void mtlb_init(struct mtlb *t, unsigned n)
{
    if (n == 0 || n > MTLB_MAX_ENTRIES)
        n = MTLB_DEFAULT_ENTRIES;
    memset(t, 0, sizeof(*t));
    t->n = n;
    /* Distinct VPN2s in kseg0, which is never mapped, so reset entries cannot match. */
    for (unsigned i = 0; i < n; i++)
        t->e[i].vpn2 = 0x80000000u + (i << 13);
}

static inline uint32_t entry_mask(const struct mtlb_entry *e)
{
    return e->pagemask | 0x1FFFu; /* bits below VPN2 */
}

static inline bool entry_matches(const struct mtlb_entry *e, uint32_t va, uint8_t asid)
{
    uint32_t m = ~entry_mask(e);
    return ((va & m) == (e->vpn2 & m)) && (e->g || e->asid == asid);
}

enum mtlb_result mtlb_lookup(const struct mtlb *t, gva_t va, uint8_t asid, bool write, gpa_t *pa,
                             uint32_t *page_size)
{
    return mtlb_lookup_g(t, va, asid, write, pa, page_size, NULL);
}

enum mtlb_result mtlb_lookup_g(const struct mtlb *t, gva_t va, uint8_t asid, bool write, gpa_t *pa,
                               uint32_t *page_size, bool *global)
{
    for (unsigned i = 0; i < t->n; i++) {
        const struct mtlb_entry *e = &t->e[i];
        if (!entry_matches(e, va, asid))
            continue;
        uint32_t psize = (entry_mask(e) + 1) >> 1;
        unsigned odd = (va & psize) ? 1 : 0;
        if (!e->v[odd])
            return MTLB_INVALID;
        if (write && !e->d[odd])
            return MTLB_MODIFIED;
        uint64_t base = ((uint64_t)e->pfn[odd] << 12) & ~(uint64_t)(psize - 1);
        *pa = base | (va & (psize - 1));
        if (page_size)
            *page_size = psize;
        if (global)
            *global = e->g;
        return MTLB_HIT;
    }
    return MTLB_REFILL;
}

int mtlb_find(const struct mtlb *t, gva_t va, uint8_t asid)
{
    for (unsigned i = 0; i < t->n; i++)
        if (entry_matches(&t->e[i], va, asid))
            return (int)i;
    return -1;
}

int mtlb_probe(const struct mtlb *t, uint32_t entryhi)
{
    uint32_t vpn2 = entryhi & 0xFFFFE000u;
    uint8_t asid = entryhi & 0xFF;
    for (unsigned i = 0; i < t->n; i++)
        if (entry_matches(&t->e[i], vpn2, asid))
            return (int)i;
    return -1;
}

void mtlb_write(struct mtlb *t, unsigned idx, uint32_t entryhi, uint32_t lo0, uint32_t lo1,
                uint32_t pagemask)
{
    struct mtlb_entry *e = &t->e[idx % t->n];
    e->pagemask = pagemask & 0x1FFFE000u;
    e->vpn2 = entryhi & ~entry_mask(e);
    e->asid = entryhi & 0xFF;
    e->g = (lo0 & lo1 & 1) != 0;
    uint32_t lo[2] = {lo0, lo1};
    for (int i = 0; i < 2; i++) {
        e->pfn[i] = (lo[i] >> ENTRYLO_PFN_SHIFT) & ENTRYLO_PFN_MASK;
        e->c[i] = (lo[i] >> 3) & 7;
        e->d[i] = (lo[i] >> 2) & 1;
        e->v[i] = (lo[i] >> 1) & 1;
    }
}

void mtlb_read(const struct mtlb *t, unsigned idx, uint32_t *entryhi, uint32_t *lo0, uint32_t *lo1,
               uint32_t *pagemask)
{
    const struct mtlb_entry *e = &t->e[idx % t->n];
    uint32_t lo[2];
    for (int i = 0; i < 2; i++)
        lo[i] = (e->pfn[i] << ENTRYLO_PFN_SHIFT) | ((uint32_t)e->c[i] << 3) |
                ((uint32_t)e->d[i] << 2) | ((uint32_t)e->v[i] << 1) | (e->g ? 1u : 0u);
    *entryhi = e->vpn2 | e->asid;
    *lo0 = lo[0];
    *lo1 = lo[1];
    *pagemask = e->pagemask;
}

void mtlb_entry_range(const struct mtlb *t, unsigned idx, gva_t *lo, gva_t *hi)
{
    const struct mtlb_entry *e = &t->e[idx % t->n];
    *lo = e->vpn2;
    *hi = e->vpn2 | entry_mask(e);
}

uint64_t mtlb_hash(const struct mtlb *t)
{
    return XXH64(t->e, sizeof(t->e[0]) * t->n, t->n);
}
