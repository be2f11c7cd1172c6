/*
 * cache: the public interface of the translation cache.
 *
 * A translation block (TB) is host code for a run of guest instructions,
 * keyed by (guest physical PC, guest virtual PC, flags): the physical part
 * lets stores and DMA find and invalidate code, the virtual part is there
 * because translated code bakes in PC-relative values, and the flags hold
 * everything the translation depends on (MMU mode, CU0, EXL/ERL, exec
 * strategy). A per-vCPU jump cache by virtual PC sits in front of the hash
 * (QEMU accel/tcg/tb-hash.h shape). TBs chain directly into each other by
 * patching 4-byte-aligned rel32 fields; every chain is recorded on the
 * destination so that invalidating it can undo them. The code buffer and
 * the TB pool are split into regions filled one after the other; when the
 * one in use fills, the next is emptied (its blocks invalidated like any
 * other) and filled again, so the cache keeps all but one region's worth
 * of blocks instead of starting over (tcache_make_room).
 */
#ifndef MVISOR_CACHE_H
#define MVISOR_CACHE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "shadow-mmu/shadow_mmu.h"

/* Translation-block flags: everything a translation depends on besides the code bytes. */
#define TB_F_MODE_MASK 0x3u /* enum mmu_mode the block was translated for */
#define TB_F_CU0 0x4u       /* Status.CU0: CP0 usable outside kernel mode */
#define TB_F_EXL 0x8u
#define TB_F_ERL 0x10u
#define TB_F_KERNEL 0x20u   /* CP0 usable (kernel mode or CU0): privileged code is translated */
#define TB_F_TRAP 0x40u     /* exec strategy trap-and-emulate (privileged instructions exit) */
#define TB_F_NOCHAIN 0x80u  /* translated with chaining disabled (no inline jump-cache probe) */
/* A delay-slot block: the one instruction in the slot of a branch in the last word of the page
 * before (the branch's block left pc, in_ds and ds_target as the interpreter keeps them), then on
 * to ds_target (dbt/translate.c). Above the ASID field of a jump-cache key (tb_jc_key). */
#define TB_F_DS 0x20000u
/* Translated with the NUMA machine's access counting (numa/): a counter add after every probe hit,
 * kseg0 loads through the probe, a block-entry count. Only blocks run in a counting slice have it
 * (numa/machine.c): the rest are the same bytes as without NUMA. */
#define TB_F_COUNT 0x40000u
#define TB_F_INVALID_KEY 0xFFFFFFFFu /* never a real flags value: marks an empty jump-cache slot */

/* Chainable exits per TB: the two edges of the final branch and up to two side exits (a block may
 * go on past a conditional branch, dbt/translate.c). A tagged (tb | n) keeps n in the low bits. */
#define TB_MAX_EXITS 4
#define TB_EXIT_MASK ((uintptr_t)(TB_MAX_EXITS - 1))

struct tb {
    uint32_t pc;       /* guest virtual PC of the first instruction */
    uint32_t flags;
    gpa_t phys_pc;
    uint16_t n_insns;
    bool invalid;
    bool spin_wait;    /* a spin-wait loop (dbt/exec.c spin_wait_shape), decided when translated */
    uint8_t *host_code;        /* the hot section: the straight-line path, entered here */
    uint8_t *cold_code;        /* the cold section (slow paths, exit stubs), at the buffer's top end */
    uint32_t host_size;        /* bytes of every section */
    uint32_t hot_size;         /* bytes of the straight-line path at host_code */
    uint32_t near_size;        /* bytes at host_code: the hot path, then its side exits' warm stubs;
                                  host_size - near_size at cold_code */
    /* Outgoing direct jumps: rel32 field offsets from host_code (one in the warm or cold section
     * at that section's distance from host_code plus its offset in it) and the unchained stub. */
    uint32_t jmp_patch_ofs[TB_MAX_EXITS];
    uint32_t jmp_reset_ofs[TB_MAX_EXITS];
    struct tb *jmp_dest[TB_MAX_EXITS];
    uint32_t jmp_target[TB_MAX_EXITS];     /* guest PC each exit goes to */
    uintptr_t jmp_list_next[TB_MAX_EXITS]; /* link in jmp_dest[n]'s incoming list: tagged (tb | n) */
    uintptr_t jmp_list_first;   /* incoming jumps into this TB: tagged (tb | n), 0 ends */
    /* A kernel jr/jalr's inline cache (dbt/tr_branch.c): exit ic_exit (TB_NO_IC if none) is a guarded
     * chain, `cmp eax, imm32` (the PC it was chained for, at ic_imm_ofs) then `jne` (rel32 at
     * ic_miss_ofs: the chain request until the site is set, then the jump-cache probe at
     * ic_probe_ofs) then the exit's patched jmp. Offsets from host_code, as the exits'. */
    uint8_t ic_exit;
    uint32_t ic_imm_ofs, ic_miss_ofs, ic_probe_ofs;
    struct tb *hash_next;
    struct tb *page_next;       /* other TBs starting in the same physical page */
    struct tb **page_prev;      /* the link that points at this TB (unlinked in O(1) on eviction) */
};

#define TB_NO_JUMP 0xFFFFFFFFu
#define TB_NO_IC 0xFFu
/* jmp_target of an inline-cache exit: no PC (a guest PC is word-aligned), so only the run loop's
 * inline-cache rule chains it. Also the imm32 of a cache never set: no jr target equals it. */
#define TB_IC_TARGET 1u
_Static_assert(_Alignof(struct tb) > TB_EXIT_MASK, "an exit number fits below a TB pointer's alignment");

/*
 * The per-vCPU jump cache: (virtual PC, key) -> TB. The key is the TB flags and, for a PC in a
 * mapped segment, the ASID it was fetched under, ORed in as (0x100 | ASID) << 8 so that no mapped
 * key equals an unmapped one. Entries of other address spaces then simply miss: an ASID change
 * (a context switch, or the kernel's brief EntryHi writes while it flushes a TLB page) flushes
 * nothing, and a process finds its blocks again when it runs next. A TLB write still drops the
 * entries of the range it remaps, whatever their ASID. 32 bytes so translated code indexes it with
 * a shift.
 */
struct tb_jc_entry {
    uint32_t pc, flags; /* compared as one 64-bit key: pc | key << 32 (tb_jc_key) */
    void *code;
    struct tb *tb;
    uint64_t pages;     /* first entry of a group only: tb_jc_page_bit of every mapped PC the group
                           may hold, so a TLB write skips the groups without its pages; else 0 */
};
_Static_assert(sizeof(struct tb_jc_entry) == 32, "translated code hard-codes the entry layout");

/* 64 groups (by page) of 256 entries (by word within the page), so a page flush scans one group. */
#define TB_JC_PAGE_BITS 6
#define TB_JC_SUB_BITS 8
#define TB_JC_SIZE (1u << (TB_JC_PAGE_BITS + TB_JC_SUB_BITS))

/* The page number picks the group; the word index within the page, folded to 8 bits, the entry. */
static inline unsigned tb_jc_hash(uint32_t pc)
{
    return ((pc >> (12 - TB_JC_SUB_BITS)) & (((1u << TB_JC_PAGE_BITS) - 1) << TB_JC_SUB_BITS)) |
           (((pc >> 2) ^ (pc >> 10)) & ((1u << TB_JC_SUB_BITS) - 1));
}

#define TB_JC_ASID_TAG 0x10000u /* bit 16 of a key: the PC is mapped, bits 8..15 hold its ASID */
#define TB_JC_ASID_SHIFT 8
_Static_assert(TB_F_NOCHAIN < (1u << TB_JC_ASID_SHIFT), "TB flags fit below the ASID of a jump-cache key");
_Static_assert(TB_F_DS > TB_JC_ASID_TAG, "the delay-slot flag lies above a jump-cache key's ASID and tag");

/* Whether the segment of pc is mapped through the TLB (kuseg, ksseg, kseg3; the ERL exception to kuseg
 * only costs a miss). */
static inline bool tb_pc_mapped(uint32_t pc)
{
    return pc < 0x80000000u || pc >= 0xC0000000u;
}

/* The jump-cache key of a block at pc with TB flags `flags`, fetched under asid. */
static inline uint32_t tb_jc_key(uint32_t pc, uint32_t flags, unsigned asid)
{
    return tb_pc_mapped(pc) ? flags | TB_JC_ASID_TAG | (asid & 0xFFu) << TB_JC_ASID_SHIFT : flags;
}

/* The bit a mapped PC's page sets in its group's filter (the group is the page number's low bits,
 * the bit the next ones); 0 for an unmapped PC, which no TLB write concerns. */
static inline uint64_t tb_jc_page_bit(uint32_t pc)
{
    return tb_pc_mapped(pc) ? 1ull << ((pc >> (12 + TB_JC_PAGE_BITS)) & 63) : 0;
}

/* The key of a jump-cache entry (pc | flags << 32) in one load: another thread's invalidation
 * clears it with one store (cache/tb.c jc_clear), never the code pointer. */
static inline uint64_t tb_jc_entry_key(const struct tb_jc_entry *e)
{
    return __atomic_load_n((const uint64_t *)(const void *)&e->pc, __ATOMIC_RELAXED);
}

/* Fills the jump-cache entry of pc (found under key) with tb, whose code starts at code. */
static inline void tb_jc_set(struct tb_jc_entry *jc, uint32_t pc, uint32_t key, void *code, struct tb *tb)
{
    unsigned i = tb_jc_hash(pc);
    jc[i].code = code;
    /* another thread's invalidation reads tb and clears the key (cache/tb.c drop_tb) */
    __atomic_store_n(&jc[i].tb, tb, __ATOMIC_RELAXED);
    __atomic_store_n((uint64_t *)(void *)&jc[i].pc, pc | (uint64_t)key << 32, __ATOMIC_RELAXED);
    jc[i & ~((1u << TB_JC_SUB_BITS) - 1)].pages |= tb_jc_page_bit(pc);
}

/* Empties the jump cache. */
void tb_jc_flush_all(struct tb_jc_entry *jc);
/* Drops entries whose PC lies in [lo, hi] (a guest TLB entry's range). */
void tb_jc_flush_range(struct tb_jc_entry *jc, gva_t lo, gva_t hi);
/* The same for the entries a non-global TLB entry of asid can have translated: those of that ASID
 * (and unmapped keys); asid -1: every ASID, as for a global entry. A forked child's TLB entries
 * then no longer flush its parent's jump-cache entries at the same addresses. */
void tb_jc_flush_range_asid(struct tb_jc_entry *jc, gva_t lo, gva_t hi, int asid);

struct tcache_stats {
    uint64_t translations, flushes, invalidated_tbs, inval_events, chains; /* inval_events: calls that killed TBs */
    uint64_t evictions, evicted_tbs; /* regions emptied to make room, and the live TBs they held */
    uint64_t retranslations; /* with track_dead: TBs inserted under the key of an invalidated one */
    uint64_t guest_insns, host_bytes; /* of every translation, for bytes-per-instruction */
    uint64_t trims; /* tcache_trim calls (flushes that also gave the indexes back) */
};

#define TCACHE_HASH_BITS 16

/* The helper thunks at the start of every code buffer (cache/codebuf.c): 16 bytes each. */
#define TCACHE_MAX_THUNKS 256
#define TCACHE_THUNK_AREA (TCACHE_MAX_THUNKS * 16)
#define TCACHE_THUNK_HASH_BITS 9 /* twice the thunks: the open-addressed index stays short */
/* A buffer's end must reach its start (thunks, exit trampoline) with a rel32. */
#define TCACHE_MAX_CODE ((size_t)1 << 30)
/* Regions of the buffer (tcache_make_room): as many as fit TCACHE_REGION_MIN bytes each, at most
 * TCACHE_MAX_REGIONS; a buffer smaller than two of them is one region, flushed whole when full.
 * From TCACHE_POOL_MIN_REGIONS on, TCACHE_KERNEL_REGIONS(n) of n regions hold kernel blocks. */
#define TCACHE_MAX_REGIONS 8
#define TCACHE_REGION_MIN ((size_t)4 << 20)
#define TCACHE_POOL_MIN_REGIONS 4
#define TCACHE_KERNEL_REGIONS(n) ((n) / 2)

/*
 * The code buffer's layout: thunks and trampolines, then the blocks' hot and warm sections (the
 * straight-line path and the taken edges of side exits) growing up from `used`, and their cold
 * sections (slow paths, unchained exit stubs) growing down from `cold_top` at the buffer's end.
 * The paths of the blocks translated one after the other (mostly the order they run in) are then
 * contiguous, so the host fetches no cold bytes between them: the idle guest kernel's timer tick
 * runs ~350 blocks once each, and their cold sections are most of their code (README "Idle VMs").
 */
struct tcache {
    uint8_t *buf;        /* the code buffer as executed (read, execute): thunks, trampolines, then TBs */
    ptrdiff_t wr_delta;  /* buf + wr_delta: the same pages, mapped read and write (tcache_wr) */
    size_t wr_since_drop; /* bytes of blocks written since the write view's pages were last unmapped */
    size_t size, used, persistent; /* [0, persistent) survives flushes (thunks, trampolines) */
    size_t cold_top;     /* [cold_top, region end): the cold sections of the region in use */
    /* The regions: region r spans [r * region_size, (r + 1) * region_size) of the buffer (the last
     * one up to size, the first one from persistent) and TB slots [r * tbs_per, (r + 1) * tbs_per).
     * used and cold_top are the current region's; region_tbs[r] counts its slots handed out. */
    unsigned n_regions, cur;
    size_t region_size;
    unsigned tbs_per;
    unsigned region_tbs[TCACHE_MAX_REGIONS];
    size_t region_used[TCACHE_MAX_REGIONS], region_cold[TCACHE_MAX_REGIONS]; /* saved used, cold_top */
    /* Two pools of regions, each filled round robin on its own: user blocks [0] (regions from 0 on)
     * and kernel blocks [1] (the last ones), so user code that comes and goes with its processes
     * never pushes the kernel's blocks out (tcache_select). One pool when there are few regions. */
    unsigned pool, pool_first[2], pool_n[2], pool_cur[2];
    const uint8_t *exit_code; /* the exit trampoline every block leaves through (dbt/exec.c) */
    const uint8_t *stub[16];  /* the translator's shared out-of-line stubs (dbt/tr_stubs.c) */
    unsigned n_thunks;
    const void *thunk_fn[1u << TCACHE_THUNK_HASH_BITS]; /* helper of each index slot, or NULL */
    uint16_t thunk_at[1u << TCACHE_THUNK_HASH_BITS];    /* its stub number in the thunk table */
    struct tb *tbs;
    unsigned n_tbs, max_tbs; /* n_tbs: TB slots in use in every region */
    struct tb *hash[1u << TCACHE_HASH_BITS];
    struct tb **page_heads; /* by guest physical page number (4 GiB of pages), lazily backed */
    uint8_t *page_spared;   /* by page: guest stores that overwrote none of its TBs since it got code */
    struct tb_jc_entry *jc; /* the vCPU's jump cache, flushed with the cache */
    struct tb_jc_entry *jc2; /* -smp 2: the second vCPU's, or NULL */
    /* -smp 2 on two host threads (monitor/smp.c): lookups in a jump cache take no lock; the hash,
     * translation, insertion, chaining and invalidation go under `lock`; a region eviction or a
     * flush also waits until no other vCPU is inside translated code (smp_exclusive_begin). With
     * one thread (mt false) the lock is never taken. */
    bool mt;
    pthread_mutex_t lock;
    /* Profiling only: invalidated TBs stay findable by key (their memory lives until the next
     * flush) so that a translation of the same key counts as a re-translation. */
    bool track_dead;
    struct tb *dead[1u << TCACHE_HASH_BITS];
    struct tcache_stats stats;
};

/* The write view of code address p: the code buffer is executed at buf and written at
 * buf + wr_delta, two mappings of the same pages, neither writable and executable at once
 * (cache/codebuf.c). Every store of code goes through here or tcache_write. */
static inline uint8_t *tcache_wr(const struct tcache *tc, const void *p)
{
    return (uint8_t *)(uintptr_t)p + tc->wr_delta;
}
/* Copies len bytes of code to code address dst (through the write view). */
static inline void tcache_write(const struct tcache *tc, void *dst, const void *src, size_t len)
{
    memcpy(tcache_wr(tc, dst), src, len);
}
/* Gives the pages of [off, off + len) of the buffer (page-aligned) back to the host; both views
 * read zeroes there afterwards. */
void tcache_release_code(struct tcache *tc, size_t off, size_t len);
/* After this many bytes of blocks, the write view's page mappings are dropped (the pages stay):
 * a page both views map counts twice in the process's RSS (cache/codebuf.c). */
#define TCACHE_WR_DROP ((size_t)2 << 20)
/* Unmaps the write view's pages (they stay in the buffer and the executed view); the next write
 * of a page maps it again. */
void tcache_wr_drop(struct tcache *tc);
/* Maps the write view's pages of [off, off + len) of the buffer (page-aligned) writable in one
 * call, ahead of the translator's stores (cache/codebuf.c); a hint: nothing happens where the
 * host cannot. */
void tcache_wr_populate(struct tcache *tc, size_t off, size_t len);

/* Maps a code buffer of code_size bytes (anywhere: calls go through its own thunks) and the
 * indexes; -EINVAL for a size out of range, -ENOMEM if the host cannot map it. */
int tcache_init(struct tcache *tc, size_t code_size);
void tcache_destroy(struct tcache *tc);
/* Reserves persistent code space at the start of the buffer (before any TB); NULL if out. */
uint8_t *tcache_reserve(struct tcache *tc, size_t len);
/* The buffer's thunk for helper fn (a stub that jumps to it), within rel32 reach of every block
 * of the buffer; NULL if the thunk table is full. */
const uint8_t *tcache_thunk(struct tcache *tc, const void *fn);

/* The pool the next blocks go to (kernel: blocks translated for kernel mode); before tcache_alloc. */
void tcache_select(struct tcache *tc, bool kernel);
/* Room for the next block: empties the next region of the current pool and makes it current (a
 * buffer of one region: flushes). Invalidates TBs: nothing may run in the buffer, and no TB pointer the caller held
 * survives it. Returns how many live TBs it dropped. */
unsigned tcache_make_room(struct tcache *tc);

/* The TB for the key, or NULL. */
struct tb *tcache_lookup(struct tcache *tc, gpa_t phys_pc, uint32_t pc, uint32_t flags);
/* The same without tc's lock, from a vCPU inside translated code (cache/tb.c says when it holds). */
struct tb *tcache_lookup_unlocked(struct tcache *tc, gpa_t phys_pc, uint32_t pc, uint32_t flags);
/* A fresh TB and room for max_code bytes of code in all (hot and warm at its host_code, cold where
 * tcache_cold_at places it), or NULL when the cache must be flushed. max_code 0: the caller checks
 * the room its code really takes before writing it. */
struct tb *tcache_alloc(struct tcache *tc, size_t max_code);
/* Where a cold section of len bytes goes for the TB tcache_alloc handed out last. */
static inline uint8_t *tcache_cold_at(const struct tcache *tc, size_t len)
{
    return tc->buf + ((tc->cold_top - len) & ~(size_t)15);
}
/* Where region r's hot sections start and its cold sections end (buffer offsets). */
size_t tcache_region_start(const struct tcache *tc, unsigned r);
size_t tcache_region_end(const struct tcache *tc, unsigned r);
/* Bytes of the buffer in use: persistent code and every block's sections. */
size_t tcache_used(const struct tcache *tc);
/* Makes tb (filled: host_size, near_size, cold_code set) findable; returns true if its page held
 * no code before. */
bool tcache_insert(struct tcache *tc, struct tb *tb);
/* Drops every TB (and the jump cache). */
void tcache_flush(struct tcache *tc);
/* A flush that also gives back to the host every page of the block descriptors, the hash and the
 * page index (cache/codebuf.c): what an idle VM holds afterwards is what it translates again. */
void tcache_trim(struct tcache *tc);
/* Turns on track_dead (profiling), zeroing the dead list tcache_init leaves untouched. */
void tcache_track_dead(struct tcache *tc);

/* Patches exit n of from to jump straight into to (an inline-cache exit: guarded by to's PC). */
void tcache_chain(struct tcache *tc, struct tb *from, unsigned n, struct tb *to);
/* An inline cache that cannot be chained to what its jr reached (another mode, a mapped PC): its
 * mismatch path goes to the jump-cache probe from now on, never to the chain request again. */
void tcache_ic_settle(struct tcache *tc, struct tb *from);
/* Whether any TB starts in the physical page of pa. */
static inline bool tcache_page_has_code(const struct tcache *tc, gpa_t pa)
{
    return tc && (pa >> 12) < (1ull << 20) && __atomic_load_n(&tc->page_heads[pa >> 12], __ATOMIC_RELAXED) != NULL;
}
/* The cache's lock, when several threads run its vCPUs (tc->mt). */
static inline void tcache_lock(struct tcache *tc)
{
    if (tc->mt)
        pthread_mutex_lock(&tc->lock);
}
static inline void tcache_unlock(struct tcache *tc)
{
    if (tc->mt)
        pthread_mutex_unlock(&tc->lock);
}
/* Invalidates (and unchains) the TBs whose guest code overlaps [pa, pa + len), a range within
 * one page; returns how many. */
unsigned tcache_invalidate_code(struct tcache *tc, gpa_t pa, unsigned len);
/* After this many guest stores into a page with code that overwrote none of it, the page gives up
 * all its TBs (tcache_guest_store). */
#define TCACHE_PAGE_SPARED_MAX 32
/* A guest store of [pa, pa + len) (within a page with code): invalidates the TBs whose code it
 * overwrites; when it overwrites none and it is the TCACHE_PAGE_SPARED_MAX-th such store since the
 * page got code, every TB of the page instead (*dropped set). Returns how many TBs died. */
unsigned tcache_guest_store(struct tcache *tc, gpa_t pa, unsigned len, bool *dropped);
/* The same with tc's lock held by the caller (tcache_lock), who then writes the bytes under it. */
unsigned tcache_guest_store_locked(struct tcache *tc, gpa_t pa, unsigned len, bool *dropped);
/* The same for any range (host writes: loader, DMA); returns how many. */
unsigned tcache_invalidate_range(struct tcache *tc, gpa_t pa, uint64_t len);

#endif
