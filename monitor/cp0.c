/*
 * The virtual CP0: mfc0/mtc0, the TLB instructions, eret, di/ei, rdhwr and
 * exception delivery, shared by every execution engine.
 *
 * Register semantics follow MIPS32 PRA (Vol. III, Release 2) and the 24K
 * identity of QEMU's 24Kc/24Kf (devices/malta/README.md §2.1). Where the
 * architecture leaves a case UNPREDICTABLE, the choice made here is stated
 * next to the code, once, so
 * every engine inherits the same behaviour:
 *  - Index >= TLB size in tlbwi/tlbr: the index is taken modulo the size.
 *  - PageMask: only the legal masks 4 KiB..16 MiB are kept (any other value
 *    is rounded down to the largest legal mask it contains).
 *  - Wired > size-1: Random stays at size-1.
 *  - Status.CU1 and Status.FR are writable only on a CPU with an FPU (-cpu 24Kf,
 *    Config1.FP = 1); on the 24Kc they read 0, so every CP1 instruction raises
 *    Coprocessor Unusable and the guest kernel emulates it.
 */
#include <string.h>

#include "monitor/internal.h"

/* ---- mode and interrupt lines ---- */

enum mmu_mode vcpu_mmu_mode(const struct vcpu *v)
{
    uint32_t st = v->cp0.status;
    if (st & ST_ERL)
        return MMU_KERNEL_ERL;
    if (st & ST_EXL)
        return MMU_KERNEL;
    switch ((st & ST_KSU) >> ST_KSU_SHIFT) {
    case 0:
        return MMU_KERNEL;
    case 1:
        return MMU_SUPERVISOR;
    default: /* 2 = user; 3 is reserved and treated as user */
        return MMU_USER;
    }
}

void cp0_update_mode(struct vcpu *v)
{
    v->mmu_mode = vcpu_mmu_mode(v);
}

/* Cause.IP7..IP2 = hardware lines, with the timer ORed into IntCtl.IPTI (= 7). */
void cp0_update_ip(struct vcpu *v)
{
    uint32_t hw = __atomic_load_n(&v->cp0.hw_ip, __ATOMIC_RELAXED);
    if (v->cp0.cause & CAUSE_TI)
        hw |= 1u << (CAUSE_IP_SHIFT + 7);
    v->cp0.cause = (v->cp0.cause & ~(0xFCu << CAUSE_IP_SHIFT)) | (hw & (0xFCu << CAUSE_IP_SHIFT));
    if (cp0_interrupt_pending(v))
        vcpu_kick(v);
}

void cp0_set_irq(struct vcpu *v, int line, int level)
{
    if (line < 0 || line > 5)
        return;
    uint32_t bit = 1u << (CAUSE_IP_SHIFT + 2 + line);
    if (v->vm->smp) {
        /* vCPUs on two threads: a device run by VPE 1's thread (under the device lock) raises
         * VPE 0's line; VPE 0's own thread takes it into Cause at its next event check. */
        if (level)
            __atomic_fetch_or(&v->cp0.hw_ip, bit, __ATOMIC_RELEASE);
        else
            __atomic_fetch_and(&v->cp0.hw_ip, ~bit, __ATOMIC_RELEASE);
        if (smp_remote(v)) {
            atomic_fetch_or_explicit(&v->exit_request, EXIT_REQ_INTERRUPT, memory_order_release);
            return;
        }
    } else if (level) {
        v->cp0.hw_ip |= bit;
    } else {
        v->cp0.hw_ip &= ~bit;
    }
    cp0_update_ip(v);
}

bool cp0_interrupt_pending(const struct vcpu *v)
{
    return (v->cp0.cause & v->cp0.status & ST_IM) != 0;
}

bool cp0_interrupts_enabled(const struct vcpu *v)
{
    return (v->cp0.status & (ST_IE | ST_EXL | ST_ERL)) == ST_IE;
}

bool cp0_usable(const struct vcpu *v)
{
    return v->mmu_mode == MMU_KERNEL || v->mmu_mode == MMU_KERNEL_ERL || (v->cp0.status & ST_CU0);
}

/* ---- exceptions ---- */

static void deliver(struct vcpu *v, enum exc_code code, bool refill)
{
    struct cp0 *c = &v->cp0;
    bool exl = c->status & ST_EXL;
    if (!exl) {
        /* EPC and BD are only written when EXL was clear (PRA 6.2.1). */
        c->epc = v->in_ds ? v->pc - 4 : v->pc;
        if (v->in_ds)
            c->cause |= CAUSE_BD;
        else
            c->cause &= ~CAUSE_BD;
    }
    c->cause = (c->cause & ~(CAUSE_EXC | (3u << CAUSE_CE_SHIFT))) | ((uint32_t)code << CAUSE_EXC_SHIFT);
    c->status |= ST_EXL;

    uint32_t base = (c->status & ST_BEV) ? 0xBFC00200u : (c->ebase & 0xFFFFF000u);
    uint32_t off;
    if (refill && !exl)
        off = 0x000;
    else if (code == EXC_INT && (c->cause & CAUSE_IV))
        off = 0x200;
    else
        off = 0x180;
    v->pc = base + off;
    v->in_ds = 0;
    v->nr_exceptions[code & 31]++;
    if (refill && !exl)
        v->prof.tlb_refills++;
    unsigned h = v->exc_hist_next++ % VCPU_EXC_HISTORY;
    v->exc_hist[h].epc = c->epc;
    v->exc_hist[h].cause = c->cause;
    v->exc_hist[h].badvaddr = c->badvaddr;
    v->exc_hist[h].pc_after = v->pc;
    v->exc_streak++;
    cp0_update_mode(v);
}

void cp0_raise(struct vcpu *v, enum exc_code code)
{
    deliver(v, code, false);
}

void cp0_raise_cpu(struct vcpu *v, unsigned unit)
{
    deliver(v, EXC_CPU, false);
    v->cp0.cause |= (unit & 3u) << CAUSE_CE_SHIFT;
}

void cp0_raise_addr(struct vcpu *v, enum exc_code code, gva_t badva, bool tlb_refill)
{
    struct cp0 *c = &v->cp0;
    c->badvaddr = badva;
    if (code == EXC_TLBL || code == EXC_TLBS || code == EXC_MOD) {
        /* Context.BadVPN2 = VA[31:13] in bits 22:4; PTEBase (31:23) kept. EntryHi.VPN2 = VA[31:13],
         * ASID kept (PRA 9.5, 9.13). */
        c->context = (c->context & 0xFF800000u) | ((badva >> 9) & 0x007FFFF0u);
        c->entryhi = (badva & 0xFFFFE000u) | (c->entryhi & 0xFFu);
    }
    deliver(v, code, tlb_refill);
}

bool cp0_check_interrupt(struct vcpu *v)
{
    if (!cp0_interrupts_enabled(v) || !cp0_interrupt_pending(v))
        return false;
    if (__builtin_expect(v->prof_on, 0) && (v->cp0.cause & v->cp0.status & (1u << (CAUSE_IP_SHIFT + 7))))
        v->prof.slice.timer_irqs++;
    deliver(v, EXC_INT, false);
    return true;
}

/* ---- Random ---- */

static void random_reset(struct vcpu *v)
{
    v->cp0.random = v->tlb.n - 1;
}

static void random_advance(struct vcpu *v)
{
    struct cp0 *c = &v->cp0;
    unsigned n = v->tlb.n;
    if (c->wired >= n) {
        c->random = n - 1;
        return;
    }
    /* xorshift64: deterministic from the seed, the same in every engine. */
    uint64_t x = c->random_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c->random_state = x;
    c->random = c->wired + (uint32_t)(x % (n - c->wired));
}

/* ---- mfc0 / mtc0 ---- */

/* Index and Wired implement just enough bits to name every entry (a power of two). */
static uint32_t tlb_index_mask(const struct vcpu *v)
{
    uint32_t m = 1;
    while (m < v->tlb.n)
        m <<= 1;
    return m - 1;
}

static bool has_fpu(const struct vcpu *v)
{
    return v->fpu.fir != 0;
}

static uint32_t config1(const struct vcpu *v)
{
    return (CPU_CONFIG1_NOFPU & ~(0x3Fu << 25)) | ((v->tlb.n - 1u) << 25) |
           (has_fpu(v) ? CPU_CONFIG1_FP : 0);
}

static uint32_t legal_pagemask(uint32_t val)
{
    static const uint32_t legal[] = {0x01FFE000u, 0x007FE000u, 0x001FE000u, 0x0007E000u,
                                     0x0001E000u, 0x00006000u, 0};
    for (unsigned i = 0; i < sizeof(legal) / sizeof(legal[0]); i++)
        if ((val & legal[i]) == legal[i])
            return legal[i];
    return 0;
}

static bool is_34k(const struct vcpu *v)
{
    return v->vm->cfg.cpu == CPU_34KF;
}

uint32_t cp0_read(struct vcpu *v, unsigned reg, unsigned sel)
{
    struct cp0 *c = &v->cp0;
    uint32_t mt;
    if (reg <= 2 && sel && mt_cp0_read(v, reg, sel, &mt))
        return mt;
    switch (reg * 8 + sel) {
    case CP0_INDEX * 8: return c->index;
    case CP0_RANDOM * 8: return c->random;
    case CP0_ENTRYLO0 * 8: return c->entrylo0;
    case CP0_ENTRYLO1 * 8: return c->entrylo1;
    case CP0_CONTEXT * 8: return c->context;
    case CP0_CONTEXT * 8 + 2: return c->userlocal;
    case CP0_PAGEMASK * 8: return c->pagemask;
    case CP0_WIRED * 8: return c->wired;
    case CP0_HWRENA * 8: return c->hwrena;
    case CP0_BADVADDR * 8: return c->badvaddr;
    case CP0_COUNT * 8: return vcpu_count_read(v);
    case CP0_ENTRYHI * 8: return c->entryhi;
    case CP0_COMPARE * 8: return c->compare;
    case CP0_STATUS * 8: return c->status;
    case CP0_STATUS * 8 + 1: return c->intctl;
    case CP0_STATUS * 8 + 2: return c->srsctl;
    case CP0_CAUSE * 8:
        vcpu_timer_check(v);
        return c->cause;
    case CP0_EPC * 8: return c->epc;
    case CP0_PRID * 8: return is_34k(v) ? CPU_PRID_34K : CPU_PRID;
    case CP0_PRID * 8 + 1: return c->ebase;
    case CP0_CONFIG * 8: return c->config0;
    case CP0_CONFIG * 8 + 1: return config1(v);
    case CP0_CONFIG * 8 + 2: return CPU_CONFIG2;
    case CP0_CONFIG * 8 + 3: return CPU_CONFIG3 | (is_34k(v) ? CPU_CONFIG3_MT : 0);
    case CP0_LLADDR * 8: return c->lladdr;
    case CP0_WATCHLO * 8: return c->watchlo;
    case CP0_WATCHHI * 8: return c->watchhi;
    case CP0_ERRCTL * 8: return c->errctl;
    case CP0_TAGLO * 8: return c->taglo;
    case CP0_TAGLO * 8 + 1: return c->datalo;
    case CP0_TAGHI * 8: return c->taghi;
    case CP0_TAGHI * 8 + 1: return c->datahi;
    case CP0_ERROREPC * 8: return c->errorepc;
    case CP0_DESAVE * 8: return c->desave;
    default:
        /* Unimplemented registers (Config6/7, perf counters, Debug, ...) read as zero. */
        return 0;
    }
}

void cp0_write(struct vcpu *v, unsigned reg, unsigned sel, uint32_t val)
{
    struct cp0 *c = &v->cp0;
    if (reg <= 2 && sel && mt_cp0_write(v, reg, sel, val))
        return;
    switch (reg * 8 + sel) {
    case CP0_INDEX * 8:
        c->index = (c->index & 0x80000000u) | (val & tlb_index_mask(v));
        break;
    case CP0_ENTRYLO0 * 8: c->entrylo0 = val & 0x03FFFFFFu; break;
    case CP0_ENTRYLO1 * 8: c->entrylo1 = val & 0x03FFFFFFu; break;
    case CP0_CONTEXT * 8: c->context = (c->context & 0x007FFFF0u) | (val & 0xFF800000u); break;
    case CP0_CONTEXT * 8 + 2: c->userlocal = val; break;
    case CP0_PAGEMASK * 8: c->pagemask = legal_pagemask(val); break;
    case CP0_WIRED * 8:
        c->wired = val & tlb_index_mask(v);
        random_reset(v);
        break;
    case CP0_HWRENA * 8: c->hwrena = val & 0x2000000Fu; break;
    case CP0_COUNT * 8: vcpu_set_count(v, val); break;
    case CP0_ENTRYHI * 8: {
        uint32_t old = c->entryhi;
        c->entryhi = val & 0xFFFFE0FFu;
        if ((old ^ c->entryhi) & 0xFF)
            vcpu_asid_changed(v);
        break;
    }
    case CP0_COMPARE * 8: {
        uint32_t old = c->compare;
        c->compare = val;
        c->cause &= ~CAUSE_TI;
        vcpu_compare_written(v, old);
        cp0_update_ip(v);
        break;
    }
    case CP0_STATUS * 8: {
        uint32_t writable = ST_WRITABLE | (has_fpu(v) ? ST_CU1 | ST_FR : 0);
        c->status = (c->status & ~writable) | (val & writable);
        c->status &= val | ~ST_CLEAR_ONLY;
        cp0_update_mode(v);
        if (cp0_interrupts_enabled(v) && cp0_interrupt_pending(v))
            vcpu_kick(v);
        break;
    }
    case CP0_STATUS * 8 + 1: break; /* IntCtl: IPTI/IPPCI fixed, VS = 0 (no vectored interrupts) */
    case CP0_STATUS * 8 + 2: break; /* SRSCtl: one shadow set, nothing writable */
    case CP0_CAUSE * 8:
        if ((val ^ c->cause) & CAUSE_DC) {
            /* DC stops Count (PRA 9.38): freeze its value, and resume from it when cleared. */
            if (val & CAUSE_DC) {
                c->count_frozen = vcpu_count(v);
                c->cause |= CAUSE_DC;
            } else {
                c->cause &= ~CAUSE_DC;
                vcpu_set_count(v, c->count_frozen);
            }
        }
        c->cause = (c->cause & ~(CAUSE_IP_SW | CAUSE_IV)) | (val & (CAUSE_IP_SW | CAUSE_IV));
        cp0_update_ip(v);
        if (cp0_interrupts_enabled(v) && cp0_interrupt_pending(v))
            vcpu_kick(v);
        break;
    case CP0_EPC * 8: c->epc = val; break;
    case CP0_PRID * 8 + 1:
        /* EBase: bits 29:12 writable; WG (bit 11) is not implemented, so the kernel's probe reads 0. */
        c->ebase = 0x80000000u | (val & 0x3FFFF000u) | (c->ebase & 0x3FFu);
        break;
    case CP0_CONFIG * 8: c->config0 = (c->config0 & ~7u) | (val & 7u); break;
    case CP0_WATCHLO * 8: c->watchlo = val; break;
    case CP0_WATCHHI * 8: c->watchhi = val & 0x40FF0FF8u; break;
    case CP0_TAGLO * 8: c->taglo = val; break;
    case CP0_TAGLO * 8 + 1: c->datalo = val; break;
    case CP0_TAGHI * 8: c->taghi = val; break;
    case CP0_TAGHI * 8 + 1: c->datahi = val; break;
    case CP0_ERROREPC * 8: c->errorepc = val; break;
    case CP0_DESAVE * 8: c->desave = val; break;
    default:
        /* Read-only (Random, BadVAddr, PRId, Config1-3, LLAddr) and unimplemented registers, ErrCtl
         * (parity is not modelled, our choice: devices/malta/README.md §2.1) drop writes. */
        break;
    }
}

/* ---- TLB instructions ---- */

static void tlb_write_at(struct vcpu *v, unsigned idx)
{
    idx %= v->tlb.n;
    gva_t lo, hi;
    struct mtlb *t = &v->tlb;
    mtlb_entry_range(t, idx, &lo, &hi);
    stlb_flush_range(&v->stlb, lo, hi);
    /* The translator's jump cache holds mapped PCs only through entries marked as fetched, and of
     * those only the ones of the entry's ASID (every ASID for a global entry). */
    if (t->fetched & (1ull << idx)) {
        tb_jc_flush_range_asid(v->jc, lo, hi, t->e[idx].g ? -1 : t->e[idx].asid);
        v->prof.jc_flush_tlb++;
    }
    t->fetched &= ~(1ull << idx);
    mtlb_write(t, idx, v->cp0.entryhi, v->cp0.entrylo0, v->cp0.entrylo1, v->cp0.pagemask);
    mtlb_entry_range(t, idx, &lo, &hi);
    stlb_flush_range(&v->stlb, lo, hi);
    /* The new entry may shadow a fetched one that overlaps it (duplicates are the guest's own). */
    for (uint64_t f = t->fetched; f; f &= f - 1) {
        gva_t olo, ohi;
        mtlb_entry_range(t, (unsigned)__builtin_ctzll(f), &olo, &ohi);
        if (olo <= hi && lo <= ohi) {
            tb_jc_flush_range_asid(v->jc, lo, hi, t->e[idx].g ? -1 : t->e[idx].asid);
            v->prof.jc_flush_tlb++;
            break;
        }
    }
}

void cp0_tlbwi(struct vcpu *v)
{
    tlb_write_at(v, v->cp0.index & 0x7FFFFFFFu);
}

void cp0_tlbwr(struct vcpu *v)
{
    tlb_write_at(v, v->cp0.random);
    random_advance(v);
}

void cp0_tlbr(struct vcpu *v)
{
    struct cp0 *c = &v->cp0;
    uint32_t old_asid = c->entryhi & 0xFF;
    mtlb_read(&v->tlb, (c->index & 0x7FFFFFFFu) % v->tlb.n, &c->entryhi, &c->entrylo0, &c->entrylo1,
              &c->pagemask);
    if ((c->entryhi & 0xFF) != old_asid)
        vcpu_asid_changed(v);
}

void cp0_tlbp(struct vcpu *v)
{
    int i = mtlb_probe(&v->tlb, v->cp0.entryhi);
    if (i < 0)
        v->cp0.index |= 0x80000000u;
    else
        v->cp0.index = (uint32_t)i;
}

/* ---- eret, di/ei, rdhwr ---- */

void cp0_eret(struct vcpu *v)
{
    struct cp0 *c = &v->cp0;
    if (c->status & ST_ERL) {
        v->pc = c->errorepc;
        c->status &= ~ST_ERL;
    } else {
        v->pc = c->epc;
        c->status &= ~ST_EXL;
    }
    v->in_ds = 0;
    v->llbit = 0;
    cp0_update_mode(v);
    if (cp0_interrupts_enabled(v) && cp0_interrupt_pending(v))
        vcpu_kick(v);
}

uint32_t cp0_di(struct vcpu *v)
{
    uint32_t old = v->cp0.status;
    v->cp0.status &= ~ST_IE;
    return old;
}

uint32_t cp0_ei(struct vcpu *v)
{
    uint32_t old = v->cp0.status;
    v->cp0.status |= ST_IE;
    if (cp0_interrupts_enabled(v) && cp0_interrupt_pending(v))
        vcpu_kick(v);
    return old;
}

bool cp0_rdhwr(struct vcpu *v, unsigned hwr, uint32_t *val)
{
    bool kernel = cp0_usable(v);
    if (hwr <= 3 || hwr == 29) {
        if (!kernel && !(v->cp0.hwrena & (1u << hwr)))
            return false;
    } else {
        return false;
    }
    switch (hwr) {
    case 0: *val = v->cp0.ebase & 0x3FF; break;
    case 1: *val = CPU_SYNCI_STEP; break;
    case 2: *val = vcpu_count(v); break;
    case 3: *val = CPU_CCRES; break;
    default: *val = v->cp0.userlocal; break;
    }
    return true;
}

void cp0_reset(struct vcpu *v, uint64_t seed)
{
    struct cp0 *c = &v->cp0;
    memset(c, 0, sizeof(*c));
    c->status = CPU_STATUS_RESET;
    c->config0 = CPU_CONFIG0;
    c->intctl = CPU_INTCTL;
    c->ebase = CPU_EBASE_RESET | (v->id & 0x3FFu); /* CPUNum: the VPE number */
    c->random_state = seed ? seed : 0x9E3779B97F4A7C15ull;
    random_reset(v);
    cp0_update_mode(v);
}
