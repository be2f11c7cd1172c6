/*
 * Segment decoding and address translation (MIPS32 PRA, Vol. III, ch. 4).
 *
 *   kuseg 0x00000000-0x7FFFFFFF  mapped; unmapped and uncached while ERL = 1
 *   kseg0 0x80000000-0x9FFFFFFF  kernel, unmapped, cached
 *   kseg1 0xA0000000-0xBFFFFFFF  kernel, unmapped, uncached
 *   ksseg 0xC0000000-0xDFFFFFFF  supervisor and kernel, mapped
 *   kseg3 0xE0000000-0xFFFFFFFF  kernel, mapped
 * A user-mode access outside kuseg, or a supervisor-mode one outside kuseg
 * and ksseg, is an address error.
 */
#include "shadow-mmu/shadow_mmu.h"

enum mmu_fault mmu_translate(const struct mtlb *t, enum mmu_mode mode, uint8_t asid, gva_t va,
                             enum mmu_access acc, struct mmu_result *out)
{
    out->mapped = false;
    out->uncached = false;
    out->global = true;
    out->page_size = 4096;
    if (va < 0x80000000u) {
        if (mode == MMU_KERNEL_ERL) {
            out->pa = va;
            out->uncached = true;
            out->page_size = 4096;
            return MMU_OK;
        }
    } else if (mode == MMU_USER) {
        return MMU_ADDR_ERROR;
    } else if (va < 0xC0000000u) {
        if (mode == MMU_SUPERVISOR)
            return MMU_ADDR_ERROR;
        out->pa = va & 0x1FFFFFFFu;
        out->uncached = va >= 0xA0000000u;
        return MMU_OK;
    } else if (va >= 0xE0000000u && mode == MMU_SUPERVISOR) {
        return MMU_ADDR_ERROR;
    }

    uint32_t psize = 0;
    switch (mtlb_lookup_g(t, va, asid, acc == MMU_STORE, &out->pa, &psize, &out->global)) {
    case MTLB_HIT:
        out->mapped = true;
        out->page_size = psize;
        return MMU_OK;
    case MTLB_REFILL:
        return MMU_TLB_REFILL;
    case MTLB_INVALID:
        return MMU_TLB_INVALID;
    case MTLB_MODIFIED:
        return MMU_TLB_MODIFIED;
    }
    return MMU_TLB_REFILL;
}
