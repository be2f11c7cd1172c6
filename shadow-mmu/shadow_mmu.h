/*
 * shadow-mmu: the public interface of guest memory.
 *
 * Three layers, each usable on its own:
 *  - mtlb:    the architectural R4K software-managed TLB of one vCPU (what
 *             tlbwi/tlbwr/tlbp/tlbr see), with lookup by (va, asid).
 *  - physmap: the VM's guest-physical address space, a sorted array of
 *             regions that are either host memory (RAM/ROM) or MMIO ops.
 *  - stlb:    a software TLB of virtual page -> host addend per execution
 *             mode, the one-compare fast path of loads, stores and fetches.
 *             It is a cache: any entry may be dropped at any time.
 * Segment decoding (kuseg/kseg0/kseg1/ksseg/kseg3, ERL) is mmu_translate().
 */
#ifndef MVISOR_SHADOW_MMU_H
#define MVISOR_SHADOW_MMU_H

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
    uint8_t *host;                   /* RAM/ROM: host memory; NULL for MMIO */
    bool readonly;                   /* ROM: guest writes are dropped */
    const struct mem_region_ops *ops; /* MMIO */
    void *opaque;
};

#define PHYSMAP_MAX_REGIONS 64

struct physmap {
    unsigned n;
    struct mem_region r[PHYSMAP_MAX_REGIONS]; /* sorted by base, non-overlapping */
    /* Called after every physmap_write (host writes into guest RAM), so translations die. */
    void (*write_hook)(void *opaque, gpa_t pa, uint64_t len);
    void *write_hook_opaque;
};

/* Adds a RAM (host != NULL) or MMIO region; returns 0 or -errno (-EEXIST on overlap, -ENOSPC). */
int physmap_add_ram(struct physmap *pm, const char *name, gpa_t base, uint64_t size, uint8_t *host,
                    bool readonly);
int physmap_add_mmio(struct physmap *pm, const char *name, gpa_t base, uint64_t size,
                     const struct mem_region_ops *ops, void *opaque);
/* The region containing pa, or NULL (unassigned space). */
const struct mem_region *physmap_find(const struct physmap *pm, gpa_t pa);
/* Host pointer for [pa, pa+len) if it lies entirely in one RAM region, else NULL. */
uint8_t *physmap_host(const struct physmap *pm, gpa_t pa, uint64_t len);
/* Copies host data into guest RAM: the one path for host writes (loader, env, later DMA). */
int physmap_write(struct physmap *pm, gpa_t pa, const void *src, uint64_t len);
/* Zeroes guest RAM (a loader's bss), through the same path as physmap_write. */
int physmap_zero(struct physmap *pm, gpa_t pa, uint64_t len);
/* Zeroes a large range of guest RAM (a reset) by giving its host pages back; same path. */
int physmap_discard(struct physmap *pm, gpa_t pa, uint64_t len);
/* Reads guest RAM into a host buffer; -EFAULT if not all RAM. */
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

/* The direct-mapped table, and per mode a few entries it evicted (QEMU's victim TLB): two hot pages
 * a multiple of STLB_SIZE pages apart then cost a swap in the slow path, not a guest TLB walk. */
struct stlb {
    struct stlb_entry e[MMU_NMODES][STLB_SIZE];
    struct stlb_entry victim[MMU_NMODES][STLB_VICTIMS];
    unsigned victim_next[MMU_NMODES];
    /* Entries that came from a non-global TLB entry: what an ASID change drops. */
    bool asid_bound[MMU_NMODES][STLB_SIZE];
    bool victim_asid_bound[MMU_NMODES][STLB_VICTIMS];
};

static inline unsigned stlb_index(gva_t va)
{
    return (va >> STLB_PAGE_BITS) & (STLB_SIZE - 1);
}

/* Drops everything. */
void stlb_flush_all(struct stlb *s);
/* Drops entries of every mode whose page lies in [lo, hi]; a large range scans instead of walking. */
void stlb_flush_range(struct stlb *s, gva_t lo, gva_t hi);
/* Caches a RAM translation: va's page maps host_page; stores hit only if writable. */
void stlb_fill(struct stlb *s, enum mmu_mode mode, gva_t va, uint8_t *host_page, bool writable);
/* Marks va's entry (just filled) as valid for the current ASID only. */
void stlb_set_asid_bound(struct stlb *s, enum mmu_mode mode, gva_t va);
/* Drops every entry marked ASID-bound (an ASID change); global and unmapped ones stay. */
void stlb_flush_nonglobal(struct stlb *s);
/* If a victim entry of mode holds va's page, swaps it into the table and returns true. */
bool stlb_victim_swap(struct stlb *s, enum mmu_mode mode, gva_t va);
/* ORs flag bits (STLB_CODE, STLB_COW) into the write tag of va's entry in one mode. */
void stlb_set_write_flags(struct stlb *s, enum mmu_mode mode, gva_t va, uint64_t flags);

#endif
