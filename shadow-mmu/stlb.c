/*
 * The software TLB: per execution mode, a direct-mapped table of virtual
 * page -> host addend. Loads, stores and fetches hit with one compare of the
 * page tag (alignment bits folded in, so a misaligned access also misses)
 * and one add. Everything else - MMIO, unassigned space, read-only and
 * not-dirty pages, guest TLB faults - misses and takes the slow path, which
 * refills the entry when the translation is plain RAM.
 */
#include <string.h>

#include "shadow-mmu/shadow_mmu.h"

static void entry_clear(struct stlb_entry *e)
{
    e->tag_read = e->tag_write = e->tag_code = STLB_INVALID;
    e->addend = 0;
}

void stlb_flush_all(struct stlb *s)
{
    for (unsigned m = 0; m < MMU_NMODES; m++)
        for (unsigned i = 0; i < STLB_SIZE; i++)
            entry_clear(&s->e[m][i]);
}

static bool tag_in(uint64_t tag, gva_t lo, gva_t hi)
{
    uint64_t page = tag & STLB_PAGE_MASK;
    return !(tag & STLB_INVALID) && page >= (lo & STLB_PAGE_MASK) && page <= hi;
}

void stlb_flush_range(struct stlb *s, gva_t lo, gva_t hi)
{
    uint64_t pages = ((uint64_t)hi - lo) >> STLB_PAGE_BITS;
    if (pages < STLB_SIZE) {
        for (uint64_t p = 0; p <= pages; p++) {
            unsigned i = stlb_index(lo + (uint32_t)(p << STLB_PAGE_BITS));
            for (unsigned m = 0; m < MMU_NMODES; m++) {
                struct stlb_entry *e = &s->e[m][i];
                if (tag_in(e->tag_read, lo, hi) || tag_in(e->tag_write, lo, hi) ||
                    tag_in(e->tag_code, lo, hi))
                    entry_clear(e);
            }
        }
        return;
    }
    /* A 16 MiB page covers more pages than the table has slots: scan instead. */
    for (unsigned m = 0; m < MMU_NMODES; m++)
        for (unsigned i = 0; i < STLB_SIZE; i++) {
            struct stlb_entry *e = &s->e[m][i];
            if (tag_in(e->tag_read, lo, hi) || tag_in(e->tag_write, lo, hi) ||
                tag_in(e->tag_code, lo, hi))
                entry_clear(e);
        }
}

void stlb_fill(struct stlb *s, enum mmu_mode mode, gva_t va, uint8_t *host_page, bool writable)
{
    struct stlb_entry *e = &s->e[mode][stlb_index(va)];
    uint64_t page = va & STLB_PAGE_MASK;
    e->tag_read = page;
    e->tag_code = page;
    e->tag_write = writable ? page : (page | STLB_INVALID);
    e->addend = (uintptr_t)host_page - (uintptr_t)page;
}

void stlb_set_write_flags(struct stlb *s, enum mmu_mode mode, gva_t va, uint64_t flags)
{
    s->e[mode][stlb_index(va)].tag_write |= flags;
}
