/*
 * The software TLB: per execution mode, a direct-mapped table of virtual
 * page -> host addend. Loads, stores and fetches hit with one compare of the
 * page tag (alignment bits folded in, so a misaligned access also misses)
 * and one add. Everything else - MMIO, unassigned space, read-only and
 * not-dirty pages, guest TLB faults - misses and takes the slow path, which
 * refills the entry when the translation is plain RAM. An entry that a fill
 * evicts goes to a small per-mode victim array, searched by the slow path
 * before anything else (conflict misses are common: a decompressor's input
 * and output are often a power-of-two distance apart).
 */
#include <string.h>

#include "shadow-mmu/shadow_mmu.h"

#if defined(__SANITIZE_THREAD__) || defined(MEM_TSAN)
int mem_fence_word; /* MEM_FENCE's word under ThreadSanitizer */
#endif

static void entry_clear(struct stlb_entry *e)
{
    e->tag_read = e->tag_write = e->tag_code = STLB_INVALID;
    e->addend = 0;
}

/* The same, for an entry another thread's translated code may be reading (a shootdown): each tag
 * is one relaxed atomic store, so the probe sees the old tag or INVALID, never a torn one. No
 * ThreadSanitizer, as for its callers: the race with the owner's plain fills is on purpose. */
static MEM_NO_TSAN void entry_clear_atomic(struct stlb_entry *e)
{
    __atomic_store_n(&e->tag_read, STLB_INVALID, __ATOMIC_RELAXED);
    __atomic_store_n(&e->tag_write, STLB_INVALID, __ATOMIC_RELAXED);
    __atomic_store_n(&e->tag_code, STLB_INVALID, __ATOMIC_RELAXED);
}

void stlb_flush_all(struct stlb *s)
{
    for (unsigned m = 0; m < MMU_NMODES; m++) {
        for (unsigned i = 0; i < STLB_SIZE; i++)
            entry_clear(&s->e[m][i]);
        for (unsigned i = 0; i < STLB_VICTIMS; i++)
            entry_clear(&s->victim[m][i]);
        s->victim_next[m] = 0;
    }
    memset(s->asid_bound, 0, sizeof(s->asid_bound));
    memset(s->victim_asid_bound, 0, sizeof(s->victim_asid_bound));
    /* a reset: the NUMA counts since the last fold go too (a fold is never called on zero) */
    memset(s->cnt, 0, sizeof(s->cnt));
    memset(s->victim_cnt, 0, sizeof(s->victim_cnt));
}

void stlb_flush_nonglobal(struct stlb *s)
{
    for (unsigned m = 0; m < MMU_NMODES; m++) {
        for (unsigned i = 0; i < STLB_SIZE; i++)
            if (s->asid_bound[m][i]) {
                entry_clear(&s->e[m][i]);
                s->asid_bound[m][i] = false;
            }
        for (unsigned i = 0; i < STLB_VICTIMS; i++)
            if (s->victim_asid_bound[m][i]) {
                entry_clear(&s->victim[m][i]);
                s->victim_asid_bound[m][i] = false;
            }
    }
}

void stlb_set_asid_bound(struct stlb *s, enum mmu_mode mode, gva_t va)
{
    s->asid_bound[mode][stlb_index(va)] = true;
}

static bool tag_in(uint64_t tag, gva_t lo, gva_t hi)
{
    uint64_t page = tag & STLB_PAGE_MASK;
    return !(tag & STLB_INVALID) && page >= (lo & STLB_PAGE_MASK) && page <= hi;
}

static void flush_victims(struct stlb *s, gva_t lo, gva_t hi)
{
    for (unsigned m = 0; m < MMU_NMODES; m++)
        for (unsigned i = 0; i < STLB_VICTIMS; i++) {
            struct stlb_entry *e = &s->victim[m][i];
            if (tag_in(e->tag_read, lo, hi) || tag_in(e->tag_write, lo, hi) || tag_in(e->tag_code, lo, hi))
                entry_clear(e);
        }
}

void stlb_flush_range(struct stlb *s, gva_t lo, gva_t hi)
{
    flush_victims(s, lo, hi);
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

/* The page an entry maps, or an invalid marker (the read tag is never flagged but for INVALID). */
static uint64_t entry_page(const struct stlb_entry *e)
{
    return e->tag_read;
}

/* Hands counts c (of page ppn) to the NUMA fold before their slot is reused; numa/ off: no counts. */
static void fold_counts(struct stlb *s, uint32_t ppn, struct stlb_count *c)
{
    if (s->fold && (c->n[MMU_LOAD] | c->n[MMU_STORE]))
        s->fold(s->fold_opaque, ppn, c);
    *c = (struct stlb_count){0};
}

void stlb_fill(struct stlb *s, enum mmu_mode mode, gva_t va, uint8_t *host_page, uint32_t ppn, bool writable)
{
    struct stlb_entry *e = &s->e[mode][stlb_index(va)];
    uint64_t page = va & STLB_PAGE_MASK;
    if (!(entry_page(e) & STLB_INVALID) && entry_page(e) != page) {
        unsigned slot = s->victim_next[mode] % STLB_VICTIMS;
        s->victim[mode][slot] = *e;
        s->victim_asid_bound[mode][slot] = s->asid_bound[mode][stlb_index(va)];
        fold_counts(s, s->victim_ppn[mode][slot], &s->victim_cnt[mode][slot]);
        s->victim_cnt[mode][slot] = s->cnt[mode][stlb_index(va)];
        s->cnt[mode][stlb_index(va)] = (struct stlb_count){0};
        s->victim_ppn[mode][slot] = s->ppn[mode][stlb_index(va)];
        s->victim_next[mode] = (slot + 1) % STLB_VICTIMS;
    } else if (s->ppn[mode][stlb_index(va)] != ppn) {
        fold_counts(s, s->ppn[mode][stlb_index(va)], &s->cnt[mode][stlb_index(va)]);
    }
    s->asid_bound[mode][stlb_index(va)] = false;
    s->ppn[mode][stlb_index(va)] = ppn;
    e->tag_read = page;
    e->tag_code = page;
    e->tag_write = writable ? page : (page | STLB_INVALID);
    e->addend = (uintptr_t)host_page - (uintptr_t)page;
}

void stlb_set_write_flags(struct stlb *s, enum mmu_mode mode, gva_t va, uint64_t flags)
{
    s->e[mode][stlb_index(va)].tag_write |= flags;
}

bool stlb_victim_swap(struct stlb *s, enum mmu_mode mode, gva_t va)
{
    uint64_t page = va & STLB_PAGE_MASK;
    for (unsigned i = 0; i < STLB_VICTIMS; i++) {
        struct stlb_entry *v = &s->victim[mode][i];
        if (entry_page(v) != page)
            continue;
        unsigned idx = stlb_index(va);
        struct stlb_entry *e = &s->e[mode][idx];
        struct stlb_entry t = *e;
        *e = *v;
        *v = t;
        bool b = s->asid_bound[mode][idx];
        s->asid_bound[mode][idx] = s->victim_asid_bound[mode][i];
        s->victim_asid_bound[mode][i] = b;
        uint32_t p = s->ppn[mode][idx];
        s->ppn[mode][idx] = s->victim_ppn[mode][i];
        s->victim_ppn[mode][i] = p;
        struct stlb_count c = s->cnt[mode][idx];
        s->cnt[mode][idx] = s->victim_cnt[mode][i];
        s->victim_cnt[mode][i] = c;
        return true;
    }
    return false;
}

/* Code marking and shootdown find entries by canonical page, not by host address or virtual page:
 * every alias (kseg0, kseg1, mapped pages, the Malta's high RAM window) and every victim entry of
 * the page is found, and nothing else. A full scan is 1,320 entries, cheap next to a translation or
 * a page copy, which is what triggers it. */
/* With -smp on two threads this runs on one vCPU's thread over the other's software TLB while that
 * one fills and probes it: the flag goes in with one atomic OR, so a probe sees the entry with or
 * without it, and a fill that races with the scan looks at the page again after itself
 * (shadow-mmu/memory.c). The ppn read may be stale: a spurious flag only sends a store to the
 * slow path, and a missed one is what that second look catches. */
MEM_NO_TSAN void stlb_mark_code(struct stlb *s, uint32_t ppn)
{
    for (unsigned m = 0; m < MMU_NMODES; m++) {
        for (unsigned i = 0; i < STLB_SIZE; i++) {
            struct stlb_entry *e = &s->e[m][i];
            if (!(e->tag_write & (STLB_INVALID | STLB_CODE)) && s->ppn[m][i] == ppn)
                __atomic_fetch_or(&e->tag_write, STLB_CODE, __ATOMIC_RELAXED);
        }
        for (unsigned i = 0; i < STLB_VICTIMS; i++) {
            struct stlb_entry *e = &s->victim[m][i];
            if (!(e->tag_write & (STLB_INVALID | STLB_CODE)) && s->victim_ppn[m][i] == ppn)
                __atomic_fetch_or(&e->tag_write, STLB_CODE, __ATOMIC_RELAXED);
        }
    }
}

/* A pmap shootdown, from any thread, while the software TLB's own vCPU fills and swaps entries
 * (with -smp on two threads, the other vCPU's thread): the tags are cleared with atomic stores,
 * the ppn read may be stale. An entry filled from the old pmap entry just after this scan misses
 * it, and is harmless: its host address is a RAM-view address, which the remap changed in place
 * (shadow-mmu/pmap.c), and a copy-on-write page is never mapped writable. No ThreadSanitizer:
 * the race with the owner's plain writes is this one, on purpose. */
MEM_NO_TSAN unsigned stlb_flush_ppns(struct stlb *s, uint32_t ppn, uint32_t count)
{
    unsigned n = 0;
    for (unsigned m = 0; m < MMU_NMODES; m++) {
        for (unsigned i = 0; i < STLB_SIZE; i++) {
            struct stlb_entry *e = &s->e[m][i];
            if (!(__atomic_load_n(&e->tag_read, __ATOMIC_RELAXED) & STLB_INVALID) && s->ppn[m][i] - ppn < count) {
                entry_clear_atomic(e);
                n++;
            }
        }
        for (unsigned i = 0; i < STLB_VICTIMS; i++) {
            struct stlb_entry *e = &s->victim[m][i];
            if (!(__atomic_load_n(&e->tag_read, __ATOMIC_RELAXED) & STLB_INVALID) && s->victim_ppn[m][i] - ppn < count) {
                entry_clear_atomic(e);
                n++;
            }
        }
    }
    return n;
}

static bool in_set(uint32_t ppn, uint32_t base, uint32_t span, const uint64_t *bits)
{
    uint32_t d = ppn - base;
    return d < span && (bits[d / 64] >> (d % 64) & 1);
}

/* The entries of table e (count of them, their pages ppn) whose page is in the set. */
static MEM_NO_TSAN unsigned clear_in_set(struct stlb_entry *e, const uint32_t *ppn, unsigned count, uint32_t base,
                                         uint32_t span, const uint64_t *bits)
{
    unsigned n = 0;
    for (unsigned i = 0; i < count; i++)
        if (!(__atomic_load_n(&e[i].tag_read, __ATOMIC_RELAXED) & STLB_INVALID) && in_set(ppn[i], base, span, bits)) {
            entry_clear_atomic(&e[i]);
            n++;
        }
    return n;
}

/* A batch of moves' shootdown: one pass whatever the number of pages (the same thread rules as
 * stlb_flush_ppns). */
unsigned stlb_flush_ppn_set(struct stlb *s, uint32_t ppn, uint32_t span, const uint64_t *bits)
{
    unsigned n = 0;
    for (unsigned m = 0; m < MMU_NMODES; m++)
        n += clear_in_set(s->e[m], s->ppn[m], STLB_SIZE, ppn, span, bits) +
             clear_in_set(s->victim[m], s->victim_ppn[m], STLB_VICTIMS, ppn, span, bits);
    return n;
}
