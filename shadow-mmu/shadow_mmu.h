/*
 * shadow-mmu: the public interface of guest memory.
 *
 * Layers, each usable on its own:
 *  - mtlb:    the architectural R4K software-managed TLB of one vCPU (what
 *             tlbwi/tlbwr/tlbp/tlbr see), with lookup by (va, asid).
 *  - machmem: machine memory, the monitor's pool of 4 KiB machine pages
 *             (allocated on first touch) and the memmap, one descriptor per
 *             machine page: reference count, the (pmap, guest page) owners,
 *             NUMA node, flags shared / copy-on-write / replica.
 *  - pmap:    per VM, guest-physical RAM page -> machine page. Every guest
 *             RAM access goes through it: translated code and the
 *             interpreter through the software TLB the slow path fills,
 *             the trap path, host writes (loader, YAMON, DMA).
 *  - physmap: the VM's guest-physical address space, a sorted array of
 *             regions: RAM (a window onto the pmap; several windows may show
 *             the same pages, as the Malta's RAM at 0 and 0x80000000),
 *             host-buffer memory (ROM, flash) or MMIO ops.
 *  - stlb:    a software TLB of virtual page -> host addend per execution
 *             mode, the one-compare fast path of loads, stores and fetches.
 *             It is a cache: any entry may be dropped at any time.
 * Segment decoding (kuseg/kseg0/kseg1/ksseg/kseg3, ERL) is mmu_translate().
 *
 * Canonical addresses. RAM that several physmap windows show has one
 * canonical guest-physical address per byte: the pmap's canon_base plus its
 * offset in RAM (on the Malta, the window at 0x80000000 that shows all of
 * it). Translated blocks, code pages and the software TLB's page numbers
 * use it, so a store through any alias finds the code of every other one.
 *
 * Thread rules (the vCPU thread runs the guest; I/O threads may DMA):
 *  - pmap lookups (pmap_page, physmap_* copies) are safe from any thread:
 *    entries are atomics, a first touch installs its page with one
 *    compare-and-swap, and changes of a mapped entry (copy-on-write break,
 *    move, discard) take the pmap's lock.
 *  - machmem allocation, reference counts and owner lists take the pool's
 *    lock.
 *  - Host addresses of RAM handed out (software-TLB addends, C pointers,
 *    the kseg0 base of translated code) are RAM-view addresses: a remap
 *    changes what a view page shows (one mmap, atomic for other threads),
 *    never where it is, so a pointer or entry taken before a remap reaches
 *    the new page afterwards.
 *  - Shootdown writes the software-TLB entries of every vCPU attached to the
 *    pmap with relaxed atomic stores; the vCPU's own thread fills them. A
 *    change that only adds rights (a copy-on-write break from any thread)
 *    is safe against a racing fill or a vCPU on another thread still using
 *    an old entry. A change that removes them (mapping a page copy-on-write,
 *    discarding, a future migration freeing the old page) runs with the
 *    VM's vCPUs stopped (the loader and a reset do), or, for SMP, must wait
 *    until every vCPU has left translated code once before the old page is
 *    reused: that acknowledgement is the hand-off still to build.
 *  - Code invalidation (the physmap write hook, the translation cache) runs
 *    on the thread that writes; the translation cache is the vCPU's, so an
 *    I/O thread hands its completion (the write hook call) to the vCPU
 *    thread until the cache is shared by several vCPUs.
 *  - Guest RAM bytes accessed from C are the guest's own data races, not
 *    the monitor's: the copies are marked MEM_NO_TSAN (excluded from
 *    ThreadSanitizer).
 */
#ifndef MVISOR_SHADOW_MMU_H
#define MVISOR_SHADOW_MMU_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint32_t gva_t; /* guest virtual address (MIPS32) */
typedef uint64_t gpa_t; /* guest physical address */

/* ---- the architectural TLB ------------------------------------------ */

#define MTLB_MAX_ENTRIES 64
#define MTLB_DEFAULT_ENTRIES 16

struct mtlb_entry {
    uint32_t vpn2;     /* VA[31:13] in place (low 13 bits zero) */
    uint32_t pagemask; /* PageMask register image, bits 28:13 */
    uint8_t asid;
    bool g;            /* global: G of EntryLo0 AND EntryLo1 at write */
    uint32_t pfn[2];   /* EntryLo PFN field, i.e. PA[35:12] */
    uint8_t c[2];      /* cache attribute */
    bool d[2], v[2];
};

struct mtlb {
    unsigned n; /* number of entries, 1..MTLB_MAX_ENTRIES */
    struct mtlb_entry e[MTLB_MAX_ENTRIES];
    /* Not architectural: entries that translated an instruction fetch the translator cached by
     * virtual PC (its jump cache), so only their ranges need flushing there when they change. */
    uint64_t fetched;
};

enum mtlb_result {
    MTLB_HIT = 0,
    MTLB_REFILL,   /* no matching entry: TLB refill (TLBL/TLBS) */
    MTLB_INVALID,  /* matching entry, V = 0: TLB invalid */
    MTLB_MODIFIED, /* store to a matching entry with D = 0: TLB modified */
};

/* Empties every entry (unique, invalid VPNs in kseg0 as hardware resets leave them undefined). */
void mtlb_init(struct mtlb *t, unsigned n);
/* Looks up va for asid; on a hit stores the physical address and the page size in bytes. */
enum mtlb_result mtlb_lookup(const struct mtlb *t, gva_t va, uint8_t asid, bool write, gpa_t *pa,
                             uint32_t *page_size);
/* The same, also telling whether the matching entry is global (if global is not NULL). */
enum mtlb_result mtlb_lookup_g(const struct mtlb *t, gva_t va, uint8_t asid, bool write, gpa_t *pa,
                               uint32_t *page_size, bool *global);
/* Index of the entry a lookup of (va, asid) would use, or -1. */
int mtlb_find(const struct mtlb *t, gva_t va, uint8_t asid);
/* Index of the first entry matching EntryHi's VPN2/ASID (as tlbp), or -1. */
int mtlb_probe(const struct mtlb *t, uint32_t entryhi);
/* Writes entry idx from the CP0 images (as tlbwi/tlbwr); idx must be < n. */
void mtlb_write(struct mtlb *t, unsigned idx, uint32_t entryhi, uint32_t entrylo0, uint32_t entrylo1,
                uint32_t pagemask);
/* Reads entry idx back into CP0 images (as tlbr); idx must be < n. */
void mtlb_read(const struct mtlb *t, unsigned idx, uint32_t *entryhi, uint32_t *entrylo0,
               uint32_t *entrylo1, uint32_t *pagemask);
/* Virtual range [*lo, *hi] (inclusive) covered by entry idx, for shadow flushes. */
void mtlb_entry_range(const struct mtlb *t, unsigned idx, gva_t *lo, gva_t *hi);
/* A hash of the whole TLB contents (for lockstep comparison). */
uint64_t mtlb_hash(const struct mtlb *t);

/* ---- machine memory -------------------------------------------------- */

#define MACH_PAGE_BITS 12
#define MACH_PAGE_SIZE (1u << MACH_PAGE_BITS)

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MEM_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) || defined(MEM_TSAN)
#define MEM_NO_TSAN __attribute__((no_sanitize("thread")))
/* A full fence (store-load included) between threads. ThreadSanitizer does not take fences (GCC
 * refuses them there): a sequentially consistent read-modify-write of a shared word, which x86-64
 * also executes as a full fence, stands in. */
extern int mem_fence_word;
#define MEM_FENCE() ((void)__atomic_fetch_add(&mem_fence_word, 0, __ATOMIC_SEQ_CST))
#else
#define MEM_NO_TSAN
#define MEM_FENCE() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif

typedef uint32_t mpn_t; /* machine page number: page n of the pool */
#define MPN_NONE 0xFFFFFFFFu

enum mpage_flag {
    MPAGE_SHARED = 1,  /* mapped by more than one (pmap, page) or held by the file cache */
    MPAGE_COW = 2,     /* mapped copy-on-write: a store gives the storer its own copy */
    MPAGE_REPLICA = 4, /* a per-node read-only replica of another page (numa/) */
    MPAGE_FILE = 8,    /* holds a file's contents (the boot file cache) */
    MPAGE_LOOSE = 16,  /* not one of a pmap's home pages (a home page, its RAM view's own page for
                        * its gpfn, has the flag clear: reserving a home run writes no descriptor) */
    MPAGE_RELEASING = 32, /* its last reference went and its memory is being given back */
};

/* An owner: the pmap's id and the guest page in it. */
#define MPAGE_OWNER(id, gpfn) ((uint64_t)(id) << 32 | (uint32_t)(gpfn))
#define MPAGE_OWNER_ID(o) ((uint32_t)((o) >> 32))
#define MPAGE_OWNER_GPFN(o) ((uint32_t)(o))

/* The memmap entry of one machine page. */
struct mpage {
    uint32_t refs;     /* pmap entries mapping it, plus holds (the file cache) */
    uint8_t flags;     /* enum mpage_flag */
    uint8_t node;      /* NUMA node whose memory it is */
    uint16_t n_owners; /* owners: owner0, then more[0 .. n_owners - 2] */
    uint64_t owner0;   /* on the free list: the next free page */
    uint64_t *more;
    uint32_t more_cap;
};

#define MACHMEM_MAX_PMAPS 4096

struct pmap;
struct bufcache;

/* The monitor's machine memory: one reservation of max_pages pages (the kernel backs a page when it
 * is first touched; a freed page goes back to it), and its memmap. */
struct machmem {
    int fd;           /* the memory file: machine page m is its page m */
    uint8_t *base;
    struct mpage *map;
    uint32_t max_pages;
    uint32_t next;    /* pages never handed out start here */
    mpn_t free_head;  /* freed pages, linked through owner0 */
    _Atomic uint64_t in_use; /* pages allocated and not freed */
    void *lock;       /* pthread_mutex_t, opaque here */
    struct pmap *pmaps[MACHMEM_MAX_PMAPS]; /* by id; owners name pmaps by id */
    struct bufcache *bufcache; /* the pool's buffer cache (shadow-mmu/bufcache.h), made on first use */
    /* Runs of pmap pages mapped away from their home page (consecutive guest pages mapping
     * consecutive machine pages with the same rights are one run). Each run splits its RAM view's
     * mapping into up to two more host mappings (VMAs), of which the host allows a process
     * vm.max_map_count: past away_limit runs, pmap_map_cow refuses (-ENOSPC) and its callers
     * copy instead. (A copy-on-write break is never refused: the limit keeps room for those.) */
    _Atomic int64_t away_runs;
    int64_t away_limit;
    _Atomic uint64_t away_refused; /* pages pmap_map_cow refused for it */
    /* The simulated ccNUMA machine (numa/numa.h), or NULL: pages handed out get a home node
     * (machmem_alloc and friends: the allocating thread's node, or round-robin when
     * numa_interleave), and a copy-on-write break tells it (numa_cow_break), so replicas of the
     * page collapse. */
    struct numa *numa;
    unsigned numa_nodes;   /* 0 or 1: one node */
    bool numa_interleave;  /* place page m on node m % numa_nodes (no first touch) */
    void (*numa_cow_break)(struct machmem *mm, mpn_t m);
};

/* The node whose memory the calling thread allocates (first touch): the node of the CPU it plays
 * (numa/). 0 by default. */
void machmem_set_thread_node(unsigned node);
unsigned machmem_thread_node(void);
/* Sets the home node of m (a page placed on purpose: numa/'s tests and tools). */
void machmem_set_node(struct machmem *mm, mpn_t m, unsigned node);

/* Reserves address space for max_bytes of machine memory; 0 or -errno. */
int machmem_init(struct machmem *mm, uint64_t max_bytes);
void machmem_destroy(struct machmem *mm);
/* The monitor's pool, created on first use (every VM of the process shares it); NULL if it cannot
 * be reserved. */
struct machmem *machmem_default(void);
static inline uint8_t *machmem_page(const struct machmem *mm, mpn_t m)
{
    return mm->base + ((size_t)m << MACH_PAGE_BITS);
}
/* Hands out a zeroed page with one reference and no owner, or MPN_NONE (pool exhausted). */
mpn_t machmem_alloc(struct machmem *mm);
/* The same from the pages never handed out while any are left (the freed ones only then): pages
 * taken one after another are consecutive, so guest pages that map them in order are one run of
 * the RAM view's host mappings (the page sharing scanner's shared pages). */
mpn_t machmem_alloc_fresh(struct machmem *mm);
/* Hands out n consecutive never-used pages (one reference each), the first or MPN_NONE: a file read
 * in one go, mapped in one go. */
mpn_t machmem_alloc_run(struct machmem *mm, uint32_t n);
/* Reserves a run of n never-used pages as a pmap's home pages (no reference yet); its first page
 * or MPN_NONE. Home pages are never mapped by another pmap: sharing maps pool pages. */
mpn_t machmem_reserve(struct machmem *mm, uint32_t n);
/* Gives a run of home pages back to the pool. */
void machmem_unreserve(struct machmem *mm, mpn_t first, uint32_t n);
/* Takes home page m (one reference); MPN_NONE if it is not a free home page. */
mpn_t machmem_take_home(struct machmem *mm, mpn_t m);
/* Takes / drops a reference; the last drop frees the page (its memory goes back to the host). */
void machmem_get(struct machmem *mm, mpn_t m);
void machmem_put(struct machmem *mm, mpn_t m);
/* Drops one reference of each of ms[0..n) (a reset's many pages at once). */
void machmem_put_many(struct machmem *mm, mpn_t *ms, size_t n);
/* Sets and clears memmap flags of m. */
void machmem_set_flags(struct machmem *mm, mpn_t m, uint8_t set, uint8_t clear);
/* Records / forgets an owner of m (MPAGE_OWNER). */
int machmem_add_owner(struct machmem *mm, mpn_t m, uint64_t owner);
void machmem_del_owner(struct machmem *mm, mpn_t m, uint64_t owner);
/* A copy of the memmap entry of m (under the lock), owners not included. */
struct mpage machmem_info(struct machmem *mm, mpn_t m);
/* m's owners into out[0 .. max); returns how many it has (which may be more than max). */
unsigned machmem_owners(struct machmem *mm, mpn_t m, uint64_t *out, unsigned max);
/* Adds the pages in use on each node (0 .. nodes - 1) to per_node. */
void machmem_node_counts(struct machmem *mm, uint64_t *per_node, unsigned nodes);
/* Whether owner is among m's owners. */
bool machmem_has_owner(struct machmem *mm, mpn_t m, uint64_t owner);

/* ---- the per-VM pmap ---------------------------------------------------- */

#define PMAP_NONE 0xFFFFFFFFu     /* entry: nothing mapped yet (the first touch allocates) */
#define PMAP_COW 0x80000000u      /* entry flag: the page is shared copy-on-write */
#define PMAP_MAX_STLBS 64

struct stlb;

/* What a pmap's mechanisms did (atomics: any thread may change a pmap). */
struct pmap_stats {
    _Atomic uint64_t touched;     /* pages allocated on first touch */
    _Atomic uint64_t cow_copies;  /* copy-on-write breaks (each copies the page home) */
    _Atomic uint64_t shared_maps; /* pages mapped copy-on-write (pmap_map_cow) */
    _Atomic uint64_t moves;       /* pages moved to another machine page */
    _Atomic uint64_t shootdowns;  /* pmap changes that shot down software-TLB entries */
    _Atomic uint64_t shot_entries;/* entries they dropped */
    _Atomic uint64_t discarded;   /* pages given back by pmap_discard */
};

struct pmap {
    struct machmem *mm;
    uint32_t id;         /* in mm->pmaps */
    uint32_t npages;
    gpa_t canon_base;    /* canonical guest-physical address of page 0 */
    mpn_t home;          /* its run of home pages: page g's own machine page is home + g */
    uint8_t *view;       /* the RAM view: npages of host memory, page g mapping the machine page
                            the pmap maps at g (read-only while copy-on-write) */
    size_t prefix;       /* bytes of the caller's memory right in front of the view */
    _Atomic uint32_t *pte; /* page -> machine page | PMAP_COW, or PMAP_NONE */
    void *lock;          /* pthread_mutex_t */
    struct stlb *stlb[PMAP_MAX_STLBS]; /* the vCPUs that may cache its pages */
    unsigned n_stlb;
    struct pmap_stats st;
    _Atomic(_Atomic uint16_t *) pins; /* DMA pins per page (pmap_pin), allocated at the first */
    /* NUMA per-vCPU replicas (numa/vreplica.c): bit g set while page g has read-only copies other
     * vCPUs of the VM read; any change of the page's bytes or mapping calls replica_drop first
     * (with the page's bit set), which takes them back before the change lands. */
    _Atomic(_Atomic uint64_t *) replica_bits;
    void (*replica_drop)(struct pmap *p, uint32_t gpfn);
    void *replica_opaque;
};

/* A pmap of size bytes (whole pages) whose page 0 has canonical address canon_base; 0 or -errno. */
int pmap_init(struct pmap *p, struct machmem *mm, uint64_t size, gpa_t canon_base);
/* The same, with prefix bytes of zeroed private memory right in front of the view (view - prefix):
 * the VM's vCPU lives there, so translated code reaches the view at a fixed distance from it. */
int pmap_init_prefix(struct pmap *p, struct machmem *mm, uint64_t size, gpa_t canon_base, size_t prefix);
/* Gives every page back (and the prefix). */
void pmap_destroy(struct pmap *p);
/* Registers a vCPU's software TLB for shootdowns (before it runs). */
int pmap_attach_stlb(struct pmap *p, struct stlb *s);
/* The software TLB's page number of a pmap page (canonical address >> 12). */
static inline uint32_t pmap_ppn(const struct pmap *p, uint32_t gpfn)
{
    return (uint32_t)(p->canon_base >> MACH_PAGE_BITS) + gpfn;
}
/* Host memory of page gpfn (in the RAM view), allocated on first touch. For a write, a
 * copy-on-write page is first copied to the page's home and shot down. *cow (if not NULL) tells
 * that the page returned is still copy-on-write (reads only). NULL: out of range or the pool is
 * exhausted. */
uint8_t *pmap_page(struct pmap *p, uint32_t gpfn, bool write, bool *cow);
/* The machine page mapped at gpfn (PMAP_NONE if none) and whether it is copy-on-write. */
mpn_t pmap_lookup(const struct pmap *p, uint32_t gpfn, bool *cow);
/* Maps machine page m at gpfn copy-on-write (taking a reference); the old page goes. 0 or -errno
 * (-ENOSPC: the pool's away_limit is reached; the page stays as it was). */
int pmap_map_cow(struct pmap *p, uint32_t gpfn, mpn_t m);
/* The same for n consecutive machine pages at n consecutive guest pages (one view remap). */
int pmap_map_cow_run(struct pmap *p, uint32_t gpfn, mpn_t m, uint32_t n);
/* Content-based sharing's merge (shadow-mmu/pageshare.c): maps machine page m at gpfn
 * copy-on-write if gpfn maps a private page holding the same bytes. The page is write-protected
 * and its software-TLB entries shot down before the bytes are compared, so a store cannot land
 * between the compare and the switch. 0, -EAGAIN (not private, or the bytes differ), -ENOSPC
 * (the pool's away_limit) or -errno. */
int pmap_merge_page(struct pmap *p, uint32_t gpfn, mpn_t m);
/* NUMA per-vCPU replicas: marks page gpfn as replicated (its bit in replica_bits, allocated
 * here at the first), under the pmap's lock so that a DMA transfer in flight (a pinned page) is
 * refused with -EBUSY and every later pin or write sees the mark. 0 or -errno. */
int pmap_replica_mark(struct pmap *p, uint32_t gpfn);
/* Whether page gpfn has per-vCPU replicas (its bit in replica_bits). */
static inline bool pmap_replicated(const struct pmap *p, uint32_t gpfn)
{
    _Atomic uint64_t *b = atomic_load_explicit(&p->replica_bits, memory_order_acquire);
    return b && gpfn < p->npages && (atomic_load_explicit(&b[gpfn / 64], memory_order_seq_cst) >> (gpfn % 64) & 1);
}
/* Moves gpfn to a fresh machine page (the contents copied): what a migration does. 0 or -errno. */
int pmap_move(struct pmap *p, uint32_t gpfn);
/* The same for n guest pages at once (the NUMA policy's round), each to the fresh machine page
 * dst[i] the caller allocated (one reference, taken over on success): one hold of the pmap's lock,
 * one view remap per run of consecutive guest pages going to consecutive machine pages, one
 * shootdown pass over each software TLB for the whole set, the old pages given back together.
 * gpfns ascending, no repeats. rc[i] is 0, or -errno for a page not moved (unmapped, shared,
 * pinned; dst[i] then stays the caller's). Returns how many moved. */
unsigned pmap_move_many(struct pmap *p, const uint32_t *gpfns, const mpn_t *dst, unsigned n, int *rc);
/* Gives back pages [gpfn, gpfn + n): they read as zero again. */
void pmap_discard(struct pmap *p, uint32_t gpfn, uint32_t n);
/* Drops every software-TLB entry (victims too) of every attached vCPU that maps gpfn; returns how
 * many. Called by every pmap change; counted. */
unsigned pmap_shootdown(struct pmap *p, uint32_t gpfn);
/* DMA straight into or out of the RAM view (a disk's I/O thread): while pinned, page gpfn keeps
 * its machine page (no merge, move, discard or copy-on-write mapping changes it; they refuse or
 * skip it), so a transfer in flight lands where the guest will look. For a write the page is made
 * private first. Returns the page's view address, NULL if out of range, out of memory or pinned
 * too often. Any thread; unpin once per pin. */
uint8_t *pmap_pin(struct pmap *p, uint32_t gpfn, bool write);
void pmap_unpin(struct pmap *p, uint32_t gpfn);
/* Pages mapped: private (this pmap's alone) and shared (copy-on-write). */
void pmap_count(const struct pmap *p, uint64_t *private_pages, uint64_t *shared_pages);

/* ---- the guest-physical address space -------------------------------- */

/* Device register access. Devices see offsets into their region only. */
struct mem_region_ops {
    uint64_t (*read)(void *opaque, uint64_t off, unsigned size);
    void (*write)(void *opaque, uint64_t off, uint64_t val, unsigned size);
};

struct mem_region {
    const char *name;
    gpa_t base;
    uint64_t size;
    struct pmap *pmap;               /* RAM: a window onto these pmap pages */
    uint32_t first_page;             /* ... starting at this one */
    uint8_t *host;                   /* host-buffer memory (ROM, flash); NULL for RAM and MMIO */
    bool readonly;                   /* ROM: guest writes are dropped */
    const struct mem_region_ops *ops; /* MMIO */
    void *opaque;
};

#define PHYSMAP_MAX_REGIONS 64

struct physmap {
    unsigned n;
    struct mem_region r[PHYSMAP_MAX_REGIONS]; /* sorted by base, non-overlapping */
    /* Called after every host write into memory (physmap_write, _zero, _discard, RAM through
     * physmap_io_write) with the canonical address, so translations die. */
    void (*write_hook)(void *opaque, gpa_t pa, uint64_t len);
    void *write_hook_opaque;
};

static inline bool mem_region_is_mem(const struct mem_region *r)
{
    return r->host || r->pmap;
}

/* Adds a host-buffer memory region (ROM, flash: host != NULL), a RAM window onto pmap pages
 * [first_page, first_page + size / 4 KiB) (base and size page-aligned) or an MMIO region; returns 0
 * or -errno (-EEXIST on overlap, -ENOSPC). */
int physmap_add_ram(struct physmap *pm, const char *name, gpa_t base, uint64_t size, uint8_t *host,
                    bool readonly);
int physmap_add_pmap(struct physmap *pm, const char *name, gpa_t base, uint64_t size, struct pmap *p,
                     uint32_t first_page);
int physmap_add_mmio(struct physmap *pm, const char *name, gpa_t base, uint64_t size,
                     const struct mem_region_ops *ops, void *opaque);
/* The region containing pa, or NULL (unassigned space). */
const struct mem_region *physmap_find(const struct physmap *pm, gpa_t pa);
/* Host pointer for reading [pa, pa+len) if it lies entirely in one memory region and, for RAM, in
 * one page (pages of RAM are not contiguous in host memory), else NULL. Writes go through
 * physmap_write (copy-on-write, the write hook). */
uint8_t *physmap_host(const struct physmap *pm, gpa_t pa, uint64_t len);
/* Whether [pa, pa+len) lies entirely in one memory region. */
bool physmap_is_mem(const struct physmap *pm, gpa_t pa, uint64_t len);
/* The canonical address of pa (see the top of this file); pa itself outside RAM. */
gpa_t physmap_canon(const struct physmap *pm, gpa_t pa);

/* One page of memory as the slow path sees it. */
struct physmap_page {
    uint8_t *host;     /* host address of the page's first byte */
    gpa_t canon;       /* canonical address of pa */
    bool whole;        /* the whole 4 KiB page is memory of this region (may enter the stlb) */
    bool readonly;     /* ROM */
    bool cow;          /* copy-on-write: only reads may use it */
    const struct mem_region *r;
};
/* Resolves pa in memory (allocating a RAM page on first touch; for a write, breaking
 * copy-on-write); 0, or -ENOENT for MMIO and unassigned space, -ENOMEM if the pool is exhausted. */
int physmap_page(struct physmap *pm, gpa_t pa, bool write, struct physmap_page *out);
/* Maps machine pages [m, m + n) copy-on-write at the RAM pages from pa (page-aligned, all in one
 * RAM region); 0 or -errno. */
int physmap_map_cow(struct physmap *pm, gpa_t pa, mpn_t m, uint32_t n);
/* Copies host data into guest RAM: the one path for host writes (loader, env, later DMA). */
int physmap_write(struct physmap *pm, gpa_t pa, const void *src, uint64_t len);
/* Zeroes guest RAM (a loader's bss), through the same path as physmap_write. */
int physmap_zero(struct physmap *pm, gpa_t pa, uint64_t len);
/* Zeroes a large range of guest RAM (a reset) by giving its host pages back; same path. */
int physmap_discard(struct physmap *pm, gpa_t pa, uint64_t len);
/* Reads guest RAM into a host buffer; -EFAULT if not all in one memory region. */
int physmap_read(const struct physmap *pm, gpa_t pa, void *dst, uint64_t len);
/* MMIO / unassigned access by physical address (unassigned: reads 0, writes dropped). */
uint64_t physmap_io_read(const struct physmap *pm, gpa_t pa, unsigned size);
void physmap_io_write(const struct physmap *pm, gpa_t pa, uint64_t val, unsigned size);

/* ---- segments and translation ---------------------------------------- */

/* The privilege view that decides segment rules (derived from Status). */
enum mmu_mode {
    MMU_KERNEL = 0, /* KSU = 0, or EXL = 1 (ERL = 0) */
    MMU_KERNEL_ERL, /* ERL = 1: kuseg is unmapped */
    MMU_SUPERVISOR,
    MMU_USER,
    MMU_NMODES
};

enum mmu_access { MMU_LOAD = 0, MMU_STORE = 1, MMU_FETCH = 2 };

enum mmu_fault {
    MMU_OK = 0,
    MMU_ADDR_ERROR, /* segment not accessible in this mode (AdEL/AdES) */
    MMU_TLB_REFILL,
    MMU_TLB_INVALID,
    MMU_TLB_MODIFIED,
};

struct mmu_result {
    gpa_t pa;
    uint32_t page_size; /* bytes of the mapping that contains va */
    bool mapped;        /* went through the TLB (else kseg0/kseg1/ERL-kuseg) */
    bool uncached;      /* kseg1 or cache attribute 2 */
    bool global;        /* the same for every ASID: unmapped, or a TLB entry with G set */
};

/* Translates va through the segment rules and, where mapped, the TLB. */
enum mmu_fault mmu_translate(const struct mtlb *t, enum mmu_mode mode, uint8_t asid, gva_t va,
                             enum mmu_access acc, struct mmu_result *out);

/* ---- the software TLB ------------------------------------------------- */

#define STLB_BITS 8
#define STLB_SIZE (1u << STLB_BITS)
#define STLB_PAGE_BITS 12
#define STLB_PAGE_MASK (~(uint64_t)((1u << STLB_PAGE_BITS) - 1))

/*
 * Tag low bits mark every special case so the inline probe stays one compare.
 * The probe compares the tag with va & (page mask | (size - 1)): bits 0..2
 * may survive there for a misaligned access, bits 3..11 never do, so the
 * flags live in bits 8..11 and a flagged tag can equal no address at all.
 */
#define STLB_INVALID 0x100ull /* empty entry */
#define STLB_MMIO 0x200ull    /* device or unassigned: go through physmap_io_* */
#define STLB_CODE 0x400ull    /* page holds translations: stores go slow */
#define STLB_COW 0x800ull     /* copy-on-write page */

struct stlb_entry {
    uint64_t tag_read, tag_write, tag_code; /* page-aligned VA, or with flag bits */
    uintptr_t addend;                       /* host address = va + addend */
};
_Static_assert(sizeof(struct stlb_entry) == 32, "generated code hard-codes the entry layout");

#define STLB_VICTIMS 8

/* Access counts of one entry (numa/): loads and stores that hit it, bumped by translated code
 * while NUMA counting is on (the stride of an entry, so the probe's index register reaches both). */
struct stlb_count {
    uint64_t n[3]; /* by enum mmu_access: MMU_LOAD, MMU_STORE (MMU_FETCH unused here) */
    uint64_t spare;
};
_Static_assert(sizeof(struct stlb_count) == sizeof(struct stlb_entry), "counts share the entries' index");
/* Executed translated blocks, charged by code page: slot (canonical page & mask), bumped by each
 * block's entry while NUMA counting is on; fetch_ppn names the page a slot counts now. */
#define STLB_FETCH_SLOTS 4096

/* The direct-mapped table, and per mode a few entries it evicted (QEMU's victim TLB): two hot pages
 * a multiple of STLB_SIZE pages apart then cost a swap in the slow path, not a guest TLB walk. */
struct stlb {
    struct stlb_entry e[MMU_NMODES][STLB_SIZE];
    struct stlb_entry victim[MMU_NMODES][STLB_VICTIMS];
    unsigned victim_next[MMU_NMODES];
    /* Entries that came from a non-global TLB entry: what an ASID change drops. */
    bool asid_bound[MMU_NMODES][STLB_SIZE];
    bool victim_asid_bound[MMU_NMODES][STLB_VICTIMS];
    /* The canonical physical page number each entry maps: what code marking and shootdown find
     * entries by. */
    uint32_t ppn[MMU_NMODES][STLB_SIZE];
    uint32_t victim_ppn[MMU_NMODES][STLB_VICTIMS];
    /* NUMA counting (numa/; zero and unused without it). An entry's counts are folded before
     * the entry is reused for another page (fold, called from the fill on the vCPU's thread) and
     * when numa/ samples them; a flush leaves them (and ppn) for the next fold. */
    struct stlb_count cnt[MMU_NMODES][STLB_SIZE];
    struct stlb_count victim_cnt[MMU_NMODES][STLB_VICTIMS];
    void (*fold)(void *opaque, uint32_t ppn, const struct stlb_count *c);
    void *fold_opaque;
    uint64_t fetch[STLB_FETCH_SLOTS];
    uint32_t fetch_ppn[STLB_FETCH_SLOTS];
};

static inline unsigned stlb_index(gva_t va)
{
    return (va >> STLB_PAGE_BITS) & (STLB_SIZE - 1);
}

/* Drops everything. */
void stlb_flush_all(struct stlb *s);
/* Drops entries of every mode whose page lies in [lo, hi]; a large range scans instead of walking. */
void stlb_flush_range(struct stlb *s, gva_t lo, gva_t hi);
/* Caches a RAM translation: va's page maps host_page, canonical page ppn; stores hit only if
 * writable. */
void stlb_fill(struct stlb *s, enum mmu_mode mode, gva_t va, uint8_t *host_page, uint32_t ppn, bool writable);
/* Sets STLB_CODE in the write tag of every writable entry (all modes, victims too) of page ppn. */
void stlb_mark_code(struct stlb *s, uint32_t ppn);
/* Drops every entry (all modes, victims too) of pages [ppn, ppn + n); returns how many. Safe from
 * another thread than the vCPU's (relaxed atomic stores; see the thread rules above). */
unsigned stlb_flush_ppns(struct stlb *s, uint32_t ppn, uint32_t n);
/* The same for the pages of [ppn, ppn + span) whose bit is set in bits (one pass for a set). */
unsigned stlb_flush_ppn_set(struct stlb *s, uint32_t ppn, uint32_t span, const uint64_t *bits);
/* Marks va's entry (just filled) as valid for the current ASID only. */
void stlb_set_asid_bound(struct stlb *s, enum mmu_mode mode, gva_t va);
/* Drops every entry marked ASID-bound (an ASID change); global and unmapped ones stay. */
void stlb_flush_nonglobal(struct stlb *s);
/* If a victim entry of mode holds va's page, swaps it into the table and returns true. */
bool stlb_victim_swap(struct stlb *s, enum mmu_mode mode, gva_t va);
/* ORs flag bits (STLB_CODE, STLB_COW) into the write tag of va's entry in one mode. */
void stlb_set_write_flags(struct stlb *s, enum mmu_mode mode, gva_t va, uint64_t flags);

#endif
