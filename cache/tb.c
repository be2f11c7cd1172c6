/*
 * The TB index: the hash by (physical PC, virtual PC, flags), the lists of
 * TBs per physical page that invalidation walks, the incoming-jump lists
 * that let a dying TB be unchained, and the jump cache flushes.
 *
 * Chaining patches a 4-byte-aligned rel32 field with one aligned store, so
 * a vCPU running the old code sees either the old or the new target, never
 * a torn one. Unchaining points the field back at the jump's own exit stub.
 * Invalidation is by byte range: only the blocks whose guest code a
 * store or a host write overlaps die, so data stored next to code (the
 * kernel building its TLB handlers, patching ftrace and jump-label sites
 * one word at a time) leaves the rest of the page translated.
 * TB memory is never reused before its region is emptied (tcache_make_room,
 * called between blocks), so code that is running when its TB is
 * invalidated (a store into its own block) can finish safely: it only
 * loses its chains.
 *
 * Regions. A full flush throws away the kernel's blocks with the rest and
 * translates them all again; a process-heavy guest (every program a new
 * address space, libraries at new addresses) filled a 32 MiB buffer every
 * second or so, and most of the time went to translating the same kernel
 * again. Emptying one region at a time (the oldest, round robin) keeps the
 * other regions' blocks, and a region's blocks die the way a store kills
 * a block: unchained from the other regions, out of the hash, the page
 * lists and the jump cache.
 */
#include <string.h>

#include "cache/cache.h"

/* ---- jump cache ---- */

/* Only the key changes, in one store: with -smp on two threads another vCPU's translated code may
 * be probing this entry (its own jump cache, cleared here by an invalidation on this thread); it
 * sees the old key with the old code pointer, or a miss, never a match with no code. */
static void jc_clear(struct tb_jc_entry *e)
{
    __atomic_store_n((uint64_t *)(void *)&e->pc, (uint64_t)TB_F_INVALID_KEY << 32, __ATOMIC_RELAXED);
}

void tb_jc_flush_all(struct tb_jc_entry *jc)
{
    for (unsigned i = 0; i < TB_JC_SIZE; i++) {
        jc_clear(&jc[i]);
        jc[i].pages = 0;
    }
}

/* Whether a key is one that a TLB entry of asid (-1: every ASID) may have translated. */
static bool jc_key_of_asid(uint32_t key, int asid)
{
    return asid < 0 || !(key & TB_JC_ASID_TAG) || ((key >> TB_JC_ASID_SHIFT) & 0xFFu) == (unsigned)asid;
}

/* Drops the group's entries in [lo, hi] (of asid) and makes its page filter exact again. */
static void jc_flush_group_range(struct tb_jc_entry *jc, unsigned group, gva_t lo, gva_t hi, int asid)
{
    struct tb_jc_entry *g = &jc[group << TB_JC_SUB_BITS];
    uint64_t pages = 0;
    for (unsigned i = 0; i < (1u << TB_JC_SUB_BITS); i++) {
        if (g[i].flags == TB_F_INVALID_KEY)
            continue;
        if (g[i].pc >= lo && g[i].pc <= hi && jc_key_of_asid(g[i].flags, asid))
            jc_clear(&g[i]);
        else
            pages |= tb_jc_page_bit(g[i].pc);
    }
    g[0].pages = pages;
}

/*
 * A guest TLB write comes with every refill, and most replace an entry whose pages the jump cache
 * holds nothing of: scanning a 256-entry group for each of its pages cost a fifth of a Debian
 * root file system's second stage. A group whose filter lacks the page's bit holds no mapped PC of
 * it, so it is skipped; an unmapped range (no filter covers it) is scanned.
 */
void tb_jc_flush_range(struct tb_jc_entry *jc, gva_t lo, gva_t hi)
{
    tb_jc_flush_range_asid(jc, lo, hi, -1);
}

void tb_jc_flush_range_asid(struct tb_jc_entry *jc, gva_t lo, gva_t hi, int asid)
{
    uint64_t pages = (((uint64_t)hi >> 12) - (lo >> 12)) + 1;
    if (pages >= (1u << TB_JC_PAGE_BITS)) {
        for (unsigned g = 0; g < (1u << TB_JC_PAGE_BITS); g++)
            jc_flush_group_range(jc, g, lo, hi, asid);
        return;
    }
    bool mapped = tb_pc_mapped(lo) && tb_pc_mapped(hi) && (lo >= 0xC0000000u || hi < 0x80000000u);
    for (uint64_t p = 0; p < pages; p++) {
        uint32_t va = (lo & ~0xFFFu) + (uint32_t)(p << 12);
        unsigned group = tb_jc_hash(va) >> TB_JC_SUB_BITS;
        if (mapped && !(jc[group << TB_JC_SUB_BITS].pages & tb_jc_page_bit(va)))
            continue;
        jc_flush_group_range(jc, group, lo, hi, asid);
    }
}


/* ---- hash and allocation ---- */

static unsigned hash_key(gpa_t phys_pc, uint32_t pc, uint32_t flags)
{
    uint64_t h = (phys_pc * 0x9E3779B97F4A7C15ull) ^ ((uint64_t)pc * 0xC2B2AE3D27D4EB4Full) ^
                 ((uint64_t)flags * 0x165667B19E3779F9ull);
    h ^= h >> 29;
    return (unsigned)(h >> (64 - TCACHE_HASH_BITS));
}

struct tb *tcache_lookup(struct tcache *tc, gpa_t phys_pc, uint32_t pc, uint32_t flags)
{
    for (struct tb *tb = tc->hash[hash_key(phys_pc, pc, flags)]; tb; tb = tb->hash_next)
        if (tb->phys_pc == phys_pc && tb->pc == pc && tb->flags == flags)
            return tb;
    return NULL;
}

/*
 * The same without the lock, for a vCPU thread inside translated code (so no region is emptied
 * meanwhile: that waits for it, and a slot's fields change only then). An insertion publishes the
 * block with a release store of the bucket's head; a removal relinks around the block and leaves
 * its own link, so a walk standing on it goes on (on a dead list, when re-translations are
 * tracked, which only shortens the walk: a miss, and the caller takes the lock). A block found
 * may be invalidated at any time: the caller checks.
 */
struct tb *tcache_lookup_unlocked(struct tcache *tc, gpa_t phys_pc, uint32_t pc, uint32_t flags)
{
    struct tb *tb = __atomic_load_n(&tc->hash[hash_key(phys_pc, pc, flags)], __ATOMIC_ACQUIRE);
    for (; tb; tb = __atomic_load_n(&tb->hash_next, __ATOMIC_ACQUIRE))
        if (tb->phys_pc == phys_pc && tb->pc == pc && tb->flags == flags)
            return tb;
    return NULL;
}

struct tb *tcache_alloc(struct tcache *tc, size_t max_code)
{
    size_t at = (tc->used + 15) & ~(size_t)15;
    if (tc->region_tbs[tc->cur] >= tc->tbs_per || at + max_code + 16 > tc->cold_top)
        return NULL;
    struct tb *tb = &tc->tbs[(size_t)tc->cur * tc->tbs_per + tc->region_tbs[tc->cur]];
    memset(tb, 0, sizeof(*tb));
    tb->host_code = tc->buf + at;
    for (unsigned n = 0; n < TB_MAX_EXITS; n++)
        tb->jmp_patch_ofs[n] = tb->jmp_reset_ofs[n] = TB_NO_JUMP;
    tb->ic_exit = TB_NO_IC;
    return tb;
}

bool tcache_insert(struct tcache *tc, struct tb *tb)
{
    /* tb is the slot tcache_alloc handed out; claim it and its code now. */
    tc->n_tbs++;
    tc->region_tbs[tc->cur]++;
    tc->used = (size_t)(tb->host_code - tc->buf) + tb->near_size;
    tc->cold_top = (size_t)(tb->cold_code - tc->buf);
    unsigned h = hash_key(tb->phys_pc, tb->pc, tb->flags);
    tb->hash_next = tc->hash[h];
    __atomic_store_n(&tc->hash[h], tb, __ATOMIC_RELEASE); /* tcache_lookup_unlocked */
    uint64_t page = tb->phys_pc >> 12;
    bool first = tc->page_heads[page] == NULL;
    if (first)
        tc->page_spared[page] = 0;
    tb->page_next = tc->page_heads[page];
    if (tb->page_next)
        tb->page_next->page_prev = &tb->page_next;
    tb->page_prev = &tc->page_heads[page];
    __atomic_store_n(&tc->page_heads[page], tb, __ATOMIC_RELAXED);
    /* -smp on two threads: the page's code is visible before the software TLBs are scanned for
     * entries to mark (dbt_stlb_mark_code); a fill on the other thread fences the other way
     * round (shadow-mmu/memory.c), so one of the two sees the other. */
    if (tc->mt)
        MEM_FENCE();
    tc->stats.translations++;
    if (__builtin_expect(tc->track_dead, 0)) {
        for (struct tb **d = &tc->dead[h]; *d; d = &(*d)->hash_next) {
            struct tb *o = *d;
            if (o->phys_pc == tb->phys_pc && o->pc == tb->pc && o->flags == tb->flags) {
                *d = o->hash_next; /* counted once per death */
                tc->stats.retranslations++;
                break;
            }
        }
    }
    tc->stats.guest_insns += tb->n_insns;
    tc->stats.host_bytes += tb->host_size;
    tc->wr_since_drop += tb->host_size;
    if (tc->wr_since_drop >= TCACHE_WR_DROP)
        tcache_wr_drop(tc);
    return first;
}

/* The part of region r's code written since it was last emptied: [*hot_lo, *hot_hi) and
 * [*cold_lo, *cold_hi). */
static void region_written(const struct tcache *tc, unsigned r, size_t *hot_lo, size_t *hot_hi, size_t *cold_lo,
                           size_t *cold_hi)
{
    *hot_lo = tcache_region_start(tc, r);
    *cold_hi = tcache_region_end(tc, r);
    *hot_hi = r == tc->cur ? tc->used : tc->region_used[r];
    *cold_lo = r == tc->cur ? tc->cold_top : tc->region_cold[r];
}

void tcache_flush(struct tcache *tc)
{
    for (unsigned r = 0; r < tc->n_regions; r++)
        for (unsigned i = 0; i < tc->region_tbs[r]; i++)
            __atomic_store_n(&tc->page_heads[tc->tbs[(size_t)r * tc->tbs_per + i].phys_pc >> 12], NULL,
                             __ATOMIC_RELAXED);
    memset(tc->hash, 0, sizeof(tc->hash));
    if (tc->track_dead)
        memset(tc->dead, 0, sizeof(tc->dead));
    tc->n_tbs = 0;
    /* Give the pages the blocks were written to back (the thunks and trampolines stay): a VM that
     * filled its buffer once while booting would otherwise hold all of it for good, though an idle
     * kernel's blocks take a little over half of the default 32 MiB. Translation writes them again
     * as it goes. Only the two written ranges: a guest that resets in a loop flushes a few pages
     * each time. Nothing runs in the buffer here: a flush comes from the run loop, between blocks. */
    size_t keep = (tc->persistent + 4095) & ~(size_t)4095, written = 0;
    size_t lo[TCACHE_MAX_REGIONS], hi[TCACHE_MAX_REGIONS], clo[TCACHE_MAX_REGIONS], chi[TCACHE_MAX_REGIONS];
    for (unsigned r = 0; r < tc->n_regions; r++) {
        region_written(tc, r, &lo[r], &hi[r], &clo[r], &chi[r]);
        lo[r] = (lo[r] + 4095) & ~(size_t)4095;
        if (lo[r] < keep)
            lo[r] = keep;
        hi[r] = (hi[r] + 4095) & ~(size_t)4095;
        clo[r] &= ~(size_t)4095;
        if (clo[r] < hi[r])
            clo[r] = hi[r];
        written += (hi[r] > lo[r] ? hi[r] - lo[r] : 0) + (chi[r] > clo[r] ? chi[r] - clo[r] : 0);
    }
    /* Less than 1 MiB written is not worth the system calls and the page faults after them: a
     * small buffer (--code-buffer 64 flushes at nearly every block) spent more time there than
     * translating. */
    for (unsigned r = 0; r < tc->n_regions && written >= ((size_t)1 << 20); r++) {
        if (hi[r] > lo[r])
            tcache_release_code(tc, lo[r], hi[r] - lo[r]);
        if (chi[r] > clo[r])
            tcache_release_code(tc, clo[r], chi[r] - clo[r]);
    }
    memset(tc->region_tbs, 0, sizeof(tc->region_tbs));
    for (unsigned r = 0; r < tc->n_regions; r++) {
        tc->region_used[r] = tcache_region_start(tc, r);
        tc->region_cold[r] = tcache_region_end(tc, r);
    }
    tc->pool = 0;
    tc->pool_cur[0] = tc->pool_first[0];
    tc->pool_cur[1] = tc->pool_first[1];
    tc->cur = 0;
    tc->used = tc->persistent;
    tc->cold_top = tcache_region_end(tc, 0);
    if (tc->jc)
        tb_jc_flush_all(tc->jc);
    if (tc->jc2)
        tb_jc_flush_all(tc->jc2);
    tc->stats.flushes++;
}

/* ---- chaining ---- */

/* The rel32 at field (an executed address) to target, stored through the write view. */
static void set_rel32(struct tcache *tc, uint8_t *field, const uint8_t *target)
{
    int32_t rel = (int32_t)(target - (field + 4));
    __atomic_store_n((int32_t *)(void *)tcache_wr(tc, field), rel, __ATOMIC_RELEASE);
}

static void set_jump(struct tcache *tc, struct tb *tb, unsigned n, const uint8_t *target)
{
    set_rel32(tc, tb->host_code + tb->jmp_patch_ofs[n], target);
}

void tcache_ic_settle(struct tcache *tc, struct tb *from)
{
    if (from->ic_exit != TB_NO_IC && !from->invalid)
        set_rel32(tc, from->host_code + from->ic_miss_ofs, from->host_code + from->ic_probe_ofs);
}

void tcache_chain(struct tcache *tc, struct tb *from, unsigned n, struct tb *to)
{
    if (n >= TB_MAX_EXITS || from->jmp_patch_ofs[n] == TB_NO_JUMP || from->jmp_dest[n] || from->invalid || to->invalid)
        return;
    if (n == from->ic_exit) {
        /* The guard first: until the jmp below is patched, a match still goes to the chain request.
         * An unchaining (the target invalidated) resets only the jmp, so a stale guard leads to the
         * request again, which chains whatever block then holds that PC. Only the vCPU's own run
         * loop chains, while none of its code runs, so the plain store of the guard is safe. */
        tcache_write(tc, from->host_code + from->ic_imm_ofs, &to->pc, 4);
        tcache_ic_settle(tc, from);
    }
    set_jump(tc, from, n, to->host_code);
    from->jmp_dest[n] = to;
    from->jmp_list_next[n] = to->jmp_list_first;
    to->jmp_list_first = (uintptr_t)from | n;
    tc->stats.chains++;
}

/* Removes (from, n) from the incoming list of its destination. */
static void unlink_outgoing(struct tb *from, unsigned n)
{
    struct tb *to = from->jmp_dest[n];
    if (!to)
        return;
    uintptr_t *link = &to->jmp_list_first;
    uintptr_t me = (uintptr_t)from | n;
    while (*link) {
        if (*link == me) {
            *link = from->jmp_list_next[n];
            break;
        }
        struct tb *t = (struct tb *)(*link & ~TB_EXIT_MASK);
        link = &t->jmp_list_next[*link & TB_EXIT_MASK];
    }
    from->jmp_dest[n] = NULL;
}

/* Kills tb (already off its page list): out of the hash (onto the dead list when dead, tracking
 * re-translations), unchained both ways, out of the jump cache. */
static void drop_tb(struct tcache *tc, struct tb *tb, bool dead)
{
    __atomic_store_n(&tb->invalid, true, __ATOMIC_RELAXED);
    /* Before the jump caches are looked at below: a vCPU that sets its entry without the lock
     * (dbt/exec.c find_tb) looks at `invalid` after, so one of the two clears the entry. */
    if (tc->mt)
        MEM_FENCE();
    /* Out of the hash (links stored whole: tcache_lookup_unlocked walks them meanwhile). */
    unsigned h = hash_key(tb->phys_pc, tb->pc, tb->flags);
    struct tb **p = &tc->hash[h];
    while (*p && *p != tb)
        p = &(*p)->hash_next;
    if (*p)
        __atomic_store_n(p, tb->hash_next, __ATOMIC_RELAXED);
    if (dead && tc->track_dead) {
        __atomic_store_n(&tb->hash_next, tc->dead[h], __ATOMIC_RELAXED);
        tc->dead[h] = tb;
    }
    /* Every jump into it goes back to its exit stub. */
    for (uintptr_t l = tb->jmp_list_first; l;) {
        struct tb *from = (struct tb *)(l & ~TB_EXIT_MASK);
        unsigned n = (unsigned)(l & TB_EXIT_MASK);
        l = from->jmp_list_next[n];
        set_jump(tc, from, n, from->host_code + from->jmp_reset_ofs[n]);
        from->jmp_dest[n] = NULL;
    }
    tb->jmp_list_first = 0;
    /* Its own jumps leave their destinations' lists. */
    for (unsigned n = 0; n < TB_MAX_EXITS; n++)
        unlink_outgoing(tb, n);
    if (tc->jc) {
        struct tb_jc_entry *e = &tc->jc[tb_jc_hash(tb->pc)];
        if (__atomic_load_n(&e->tb, __ATOMIC_RELAXED) == tb)
            jc_clear(e);
    }
    if (tc->jc2) {
        struct tb_jc_entry *e = &tc->jc2[tb_jc_hash(tb->pc)];
        if (__atomic_load_n(&e->tb, __ATOMIC_RELAXED) == tb)
            jc_clear(e);
    }
}

static void invalidate_tb(struct tcache *tc, struct tb *tb)
{
    drop_tb(tc, tb, true);
    tc->stats.invalidated_tbs++;
}

/* Empties region r: its live TBs die (their slots and code are then reused), and its dead ones
 * leave the re-translation tracking. */
static unsigned evict_region(struct tcache *tc, unsigned r)
{
    struct tb *base = &tc->tbs[(size_t)r * tc->tbs_per];
    unsigned n = tc->region_tbs[r], live = 0;
    for (unsigned i = 0; i < n; i++) {
        struct tb *tb = &base[i];
        if (tb->invalid) {
            /* off its page list already; maybe still on a dead list, whose links its slot reuses */
            if (tc->track_dead) {
                struct tb **d = &tc->dead[hash_key(tb->phys_pc, tb->pc, tb->flags)];
                while (*d && *d != tb)
                    d = &(*d)->hash_next;
                if (*d)
                    *d = tb->hash_next;
            }
            continue;
        }
        __atomic_store_n(tb->page_prev, tb->page_next, __ATOMIC_RELAXED);
        if (tb->page_next)
            tb->page_next->page_prev = tb->page_prev;
        drop_tb(tc, tb, false);
        live++;
    }
    tc->n_tbs -= n;
    tc->region_tbs[r] = 0;
    tc->region_used[r] = tcache_region_start(tc, r);
    tc->region_cold[r] = tcache_region_end(tc, r);
    return live;
}

void tcache_select(struct tcache *tc, bool kernel)
{
    unsigned p = kernel && tc->pool_n[1] ? 1 : 0;
    if (p == tc->pool)
        return;
    tc->region_used[tc->cur] = tc->used;
    tc->region_cold[tc->cur] = tc->cold_top;
    tc->pool_cur[tc->pool] = tc->cur;
    tc->pool = p;
    tc->cur = tc->pool_cur[p];
    tc->used = tc->region_used[tc->cur];
    tc->cold_top = tc->region_cold[tc->cur];
}

unsigned tcache_make_room(struct tcache *tc)
{
    if (tc->n_regions < 2) {
        unsigned n = tc->n_tbs;
        tcache_flush(tc);
        return n;
    }
    tc->region_used[tc->cur] = tc->used;
    tc->region_cold[tc->cur] = tc->cold_top;
    unsigned first = tc->pool_first[tc->pool];
    tc->cur = first + (tc->cur - first + 1) % tc->pool_n[tc->pool];
    tc->pool_cur[tc->pool] = tc->cur;
    unsigned live = evict_region(tc, tc->cur);
    tc->used = tcache_region_start(tc, tc->cur);
    tc->cold_top = tcache_region_end(tc, tc->cur);
    tc->stats.evictions++;
    tc->stats.evicted_tbs += live;
    return live;
}

unsigned tcache_invalidate_code(struct tcache *tc, gpa_t pa, unsigned len)
{
    uint64_t page = pa >> 12;
    if (!tc || len == 0 || page >= (1ull << 20))
        return 0;
    gpa_t end = pa + len;
    unsigned n = 0;
    /* A block's code is [phys_pc, phys_pc + 4 * n_insns), delay slot included, and never crosses
     * its page. The only other word the translator reads is the delay slot of a branch it left
     * out, which decided where the block ends but not what it does; so a store outside every
     * such range changes no translation, and the page's other blocks live on. */
    for (struct tb **link = &tc->page_heads[page]; *link;) {
        struct tb *tb = *link;
        if (tb->phys_pc < end && pa < tb->phys_pc + 4u * tb->n_insns) {
            __atomic_store_n(link, tb->page_next, __ATOMIC_RELAXED);
            if (tb->page_next)
                tb->page_next->page_prev = link;
            tb->page_next = NULL;
            invalidate_tb(tc, tb);
            n++;
        } else {
            link = &tb->page_next;
        }
    }
    if (n)
        tc->stats.inval_events++;
    return n;
}

unsigned tcache_guest_store_locked(struct tcache *tc, gpa_t pa, unsigned len, bool *dropped)
{
    *dropped = false;
    unsigned n = tcache_invalidate_code(tc, pa, len);
    if (n || !tc || (pa >> 12) >= (1ull << 20) || !tc->page_heads[pa >> 12])
        return n;
    /* Data kept beside code (or beside blocks that no longer run: freed init code, a start-up
     * routine) would otherwise take the slow path on every store for as long as one block of the
     * page lives. Past a few such stores the page falls back to whole-page invalidation: its live
     * blocks are translated again when they run, and the stores go fast until then. */
    if (++tc->page_spared[pa >> 12] < TCACHE_PAGE_SPARED_MAX)
        return 0;
    *dropped = true;
    return tcache_invalidate_code(tc, pa & ~(gpa_t)0xFFF, 4096);
}

unsigned tcache_guest_store(struct tcache *tc, gpa_t pa, unsigned len, bool *dropped)
{
    if (!tc) {
        *dropped = false;
        return 0;
    }
    tcache_lock(tc);
    unsigned n = tcache_guest_store_locked(tc, pa, len, dropped);
    tcache_unlock(tc);
    return n;
}

static unsigned invalidate_range(struct tcache *tc, gpa_t pa, uint64_t len);

unsigned tcache_invalidate_range(struct tcache *tc, gpa_t pa, uint64_t len)
{
    if (!tc || len == 0)
        return 0;
    tcache_lock(tc);
    unsigned n = invalidate_range(tc, pa, len);
    tcache_unlock(tc);
    return n;
}

static unsigned invalidate_range(struct tcache *tc, gpa_t pa, uint64_t len)
{
    unsigned n = 0;
    gpa_t end = pa + len;
    for (uint64_t p = pa >> 12; p <= (end - 1) >> 12 && p < (1ull << 20); p++) {
        if (!tc->page_heads[p])
            continue;
        gpa_t lo = p << 12 > pa ? p << 12 : pa;
        gpa_t hi = (p + 1) << 12 < end ? (p + 1) << 12 : end;
        n += tcache_invalidate_code(tc, lo, (unsigned)(hi - lo));
    }
    return n;
}
