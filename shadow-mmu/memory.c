/*
 * The slow path of every guest memory access, shared by the interpreter
 * and the translator's helpers so both engines fault, refill and dispatch
 * MMIO identically: alignment, segments, the guest TLB (delivering
 * AdEL/AdES, TLB refill/invalid/modified), then the physical map and, for
 * RAM, the VM's pmap. A RAM hit refills the software TLB with the machine
 * page the pmap gives: a copy-on-write page is filled with STLB_COW in its
 * write tag (reads hit, the first store comes back here and the pmap copies
 * it), a page that holds translated code with STLB_CODE, so every store to
 * it comes back here and invalidates the translations of the bytes it
 * overwrites before it writes (self-modifying code, QEMU's code-page bit);
 * a page whose stores keep missing its code gives all of it up
 * (cache/tb.c). Translations and code pages are keyed by canonical address
 * (shadow-mmu/shadow_mmu.h), so a store through any alias of RAM finds
 * them. MMIO and unassigned space never enter the software TLB.
 */
#include <errno.h>
#include <string.h>

#include "dbt/internal.h"
#include "numa/numa.h"

enum exc_code dbt_fault_code(enum mmu_fault f, enum mmu_access acc)
{
    bool st = acc == MMU_STORE;
    switch (f) {
    case MMU_ADDR_ERROR: return st ? EXC_ADES : EXC_ADEL;
    case MMU_TLB_MODIFIED: return EXC_MOD;
    default: return st ? EXC_TLBS : EXC_TLBL;
    }
}

/* Sets STLB_CODE on every software-TLB entry (all modes, all aliases, victims too) of the page with
 * canonical address canon. */
void dbt_stlb_mark_code(struct vcpu *v, gpa_t canon)
{
    if (v->vm->nr_vcpus <= 1) {
        stlb_mark_code(&v->stlb, (uint32_t)(canon >> STLB_PAGE_BITS));
        return;
    }
    /* Every vCPU of the VM (-smp): a store by any of them must find the code. */
    for (unsigned i = 0; i < v->vm->nr_vcpus; i++)
        stlb_mark_code(&v->vm->vcpus[i]->stlb, (uint32_t)(canon >> STLB_PAGE_BITS));
}

/* Guest RAM bytes: the guest's own data (races between vCPUs are the guest's), no TSan. */
static inline MEM_NO_TSAN void copy_in(uint32_t *val, const uint8_t *h, unsigned size)
{
    switch (size) {
    case 1: *val = *h; break;
    case 2: { uint16_t x; memcpy(&x, h, 2); *val = x; break; }
    default: memcpy(val, h, 4); break;
    }
}

static inline MEM_NO_TSAN void copy_out(uint8_t *h, const uint32_t *val, unsigned size)
{
    switch (size) {
    case 1: *h = (uint8_t)*val; break;
    case 2: { uint16_t x = (uint16_t)*val; memcpy(h, &x, 2); break; }
    default: memcpy(h, val, 4); break;
    }
}

/* hostp (a 4-byte store only): give the RAM word's host address instead of writing it. */
static bool mem_slow(struct vcpu *v, uint32_t va, unsigned size, enum mmu_access acc, uint32_t *val,
                     uint32_t mask, uint32_t badva, bool *smc, uint8_t **hostp)
{
    if (va & (size - 1)) {
        cp0_raise_addr(v, acc == MMU_STORE ? EXC_ADES : EXC_ADEL, badva, false);
        return false;
    }
    enum mmu_mode m = (enum mmu_mode)v->mmu_mode;
    if (acc == MMU_FETCH)
        v->prof.mem_slow_fetch++;
    else
        v->prof.mem_slow++;
    if (stlb_victim_swap(&v->stlb, m, va)) {
        /* A conflict miss: the entry is back in the table; take the fast path if it now hits. */
        const struct stlb_entry *e = &v->stlb.e[m][stlb_index(va)];
        uint64_t tag = acc == MMU_STORE ? e->tag_write : acc == MMU_FETCH ? e->tag_code : e->tag_read;
        if (tag == (va & STLB_PAGE_MASK) && acc == MMU_STORE && v->vm->smp) {
            /* The swap copied the entry: a code flag the other thread set meanwhile may be lost. */
            MEM_FENCE();
            gpa_t canon = (gpa_t)v->stlb.ppn[m][stlb_index(va)] << STLB_PAGE_BITS;
            if (tcache_page_has_code(v->vm->tcache, canon)) {
                stlb_set_write_flags(&v->stlb, m, va, STLB_CODE);
                tag = 0;
            }
        }
        if (tag == (va & STLB_PAGE_MASK)) {
            v->prof.stlb_victim_hits++;
            uint8_t *h = (uint8_t *)(uintptr_t)(va + e->addend);
            if (hostp) {
                *hostp = h;
                return true;
            }
            if (acc != MMU_STORE) {
                copy_in(val, h, size);
                return true;
            }
            if (__builtin_expect(v->vm->store_hook != NULL, 0))
                v->vm->store_hook(v, va, size, *val & mask, mask, h);
            if (mask == 0xFFFFFFFFu || size < 4) {
                copy_out(h, val, size);
            } else {
                uint32_t old;
                copy_in(&old, h, 4);
                old = (old & ~mask) | (*val & mask);
                copy_out(h, &old, 4);
            }
            return true;
        }
    }
    struct mmu_result r;
    enum mmu_mode mode = (enum mmu_mode)v->mmu_mode;
    enum mmu_fault f = mmu_translate(&v->tlb, mode, v->cp0.entryhi & 0xFF, va, acc, &r);
    if (f != MMU_OK) {
        cp0_raise_addr(v, dbt_fault_code(f, acc), badva, f == MMU_TLB_REFILL);
        return false;
    }
    struct vm *vm = v->vm;
    struct physmap *pm = &vm->physmap;
    struct physmap_page pg;
    v->prof.pmap_lookups++;
    int prc = physmap_page(pm, r.pa, acc == MMU_STORE, &pg);
    const struct mem_region *reg = prc == -ENOENT ? physmap_find(pm, r.pa) : pg.r;
    if (prc == -ENOMEM) {
        /* Machine memory is exhausted: the access cannot complete. The guest sees a bus error on
         * the access (its data/instruction bus error exception), never a monitor abort. */
        cp0_raise(v, acc == MMU_FETCH ? EXC_IBE : EXC_DBE);
        return false;
    }
    if (prc == 0) {
        gpa_t canon = pg.canon;
        uint8_t *page = pg.host;
        bool writable = !pg.readonly;
        if (writable && acc != MMU_STORE && r.mapped) {
            struct mmu_result w;
            writable = mmu_translate(&v->tlb, mode, v->cp0.entryhi & 0xFF, va, MMU_STORE, &w) == MMU_OK;
        }
        bool code = tcache_page_has_code(vm->tcache, canon);
        /* vCPUs on two threads: the blocks die and the bytes change under the cache's lock, or
         * the other vCPU could translate the old bytes in between and keep them (found by the
         * smp-threads boot's self-modifying code check: a stale block ran for good). */
        bool locked = false;
        if (acc == MMU_STORE && code && !pg.readonly) {
            /* The store lands in a page with translations: those whose code it overwrites die
             * before it writes; the others stay, and so does the slow path for the next store. */
            bool dropped;
            if (vm->smp && !hostp) {
                tcache_lock(vm->tcache);
                locked = true;
            }
            unsigned n = locked ? tcache_guest_store_locked(vm->tcache, canon, size, &dropped)
                                : tcache_guest_store(vm->tcache, canon, size, &dropped);
            if (dropped) {
                v->prof.smc_spared++;
                v->prof.smc_dropped_pages++;
                v->prof.smc_dropped_tbs += n;
            } else if (n) {
                v->prof.smc_tbs += n;
                v->prof.smc_stores++;
            } else {
                v->prof.smc_spared++;
            }
            if (n) {
                code = tcache_page_has_code(vm->tcache, canon);
                if (smc)
                    *smc = true;
            }
        }
        /* --numa ...,delay=on: a load or store of a page on another node never enters the
         * software TLB, and pays the extra latency here each time (numa/machine.c). */
        bool end_slice = false;
        bool remote = vm->numa && acc != MMU_FETCH &&
                      numa_delay_access(vm->numa, v->id, (uint32_t)(canon >> STLB_PAGE_BITS), acc == MMU_STORE,
                                        &end_slice);
        if (end_slice) {
            /* the policy moves the page at the slice's end: the slice ends at the next block */
            v->slice_end = v->icount;
            v->next_event = 0;
        }
        if (pg.whole && !remote) {
            v->prof.stlb_fills++;
            /* numa/vreplica.c: a replicated page fills read-only, from the vCPU's node's copy */
            uint8_t *fill = page;
            if (vm->numa)
                numa_replica_fill(vm->numa, v->id, (uint32_t)(canon >> STLB_PAGE_BITS), &fill, &writable);
            stlb_fill(&v->stlb, mode, va, fill, (uint32_t)(canon >> STLB_PAGE_BITS), writable);
            if (!r.global)
                stlb_set_asid_bound(&v->stlb, mode, va);
            if (code && writable)
                stlb_set_write_flags(&v->stlb, mode, va, STLB_CODE);
            if (pg.cow && writable)
                stlb_set_write_flags(&v->stlb, mode, va, STLB_COW);
            if (vm->smp && writable && !code) {
                /* The other vCPU's thread may have put the page's first block in meanwhile and
                 * scanned this software TLB before the entry was there (cache/tb.c
                 * tcache_insert fences the other way round): look again. */
                MEM_FENCE();
                if (tcache_page_has_code(vm->tcache, canon))
                    stlb_set_write_flags(&v->stlb, mode, va, STLB_CODE);
            }
            if (vm->numa && numa_replica_recheck(vm->numa, v->id, (uint32_t)(canon >> STLB_PAGE_BITS), fill != page,
                                                 writable))
                stlb_flush_ppns(&v->stlb, (uint32_t)(canon >> STLB_PAGE_BITS), 1);
        }
        uint8_t *h = page + (r.pa & 0xFFF);
        if (hostp && !pg.readonly) {
            *hostp = h;
            return true;
        }
        if (acc == MMU_STORE) {
            if (__builtin_expect(v->vm->store_hook != NULL, 0))
                v->vm->store_hook(v, va, size, *val & mask, mask, pg.readonly ? NULL : h);
            if (pg.readonly)
                return true;
            if (mask == 0xFFFFFFFFu || size < 4) {
                copy_out(h, val, size);
            } else {
                uint32_t old;
                copy_in(&old, h, 4);
                old = (old & ~mask) | (*val & mask);
                copy_out(h, &old, 4);
            }
        } else {
            copy_in(val, h, size);
        }
        if (locked)
            tcache_unlock(vm->tcache);
        return true;
    }
    if (reg)
        v->prof.mmio[(size_t)(reg - pm->r) % 64]++;
    else
        v->prof.mmio_unassigned++;
    /* Devices are the VM's: with vCPUs on two threads, one of them at a time (smp_bql_lock). */
    smp_bql_lock(vm);
    if (acc == MMU_STORE) {
        if (__builtin_expect(v->vm->store_hook != NULL, 0))
            v->vm->store_hook(v, va, size, *val & mask, mask, NULL);
        uint32_t w = *val;
        if (size == 4 && mask != 0xFFFFFFFFu)
            w = ((uint32_t)physmap_io_read(pm, r.pa, 4) & ~mask) | (w & mask);
        physmap_io_write(pm, r.pa, w, size);
        if (vm->stop)
            v->next_event = 0;
    } else {
        *val = (uint32_t)physmap_io_read(pm, r.pa, size);
    }
    smp_bql_unlock(vm);
    return true;
}

bool dbt_mem_slow(struct vcpu *v, uint32_t va, unsigned size, enum mmu_access acc, uint32_t *val,
                  uint32_t mask, uint32_t badva, bool *smc)
{
    return mem_slow(v, va, size, acc, val, mask, badva, smc, NULL);
}

bool dbt_mem_store_ptr(struct vcpu *v, uint32_t va, uint32_t val, uint8_t **host, bool *smc)
{
    *host = NULL;
    return mem_slow(v, va, 4, MMU_STORE, &val, 0xFFFFFFFFu, va, smc, host);
}

void dbt_icache_invalidate(struct vcpu *v, uint32_t va)
{
    struct mmu_result r;
    va &= ~(uint32_t)(CPU_SYNCI_STEP - 1);
    if (mmu_translate(&v->tlb, (enum mmu_mode)v->mmu_mode, v->cp0.entryhi & 0xFF, va, MMU_LOAD, &r) != MMU_OK)
        return;
    struct physmap_page pg;
    if (physmap_page(&v->vm->physmap, r.pa, false, &pg) == 0 && pg.whole)
        tcache_invalidate_range(v->vm->tcache, pg.canon, CPU_SYNCI_STEP);
}

/* Host writes into guest RAM (loader, environment, DMA) kill the translations they overwrite. */
void dbt_host_write_hook(void *opaque, gpa_t pa, uint64_t len)
{
    struct vm *vm = opaque;
    if (vm->tcache)
        vm->vcpu->prof.host_write_tbs += tcache_invalidate_range(vm->tcache, pa, len);
}
