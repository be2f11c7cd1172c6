/*
 * Unit tests of machine memory and guest memory as the engines see it
 * (shadow-mmu/machmem.c, pmap.c, physmap.c, memory.c; monitor/filecache.c):
 *  - the pool hands out zeroed pages, reuses freed ones (zeroed again) and
 *    reports exhaustion; the memmap keeps references and owners;
 *  - a pmap allocates on first touch, once;
 *  - copy-on-write between two pmaps sharing a machine page: the first
 *    write copies it to the writer's home page, the other owner still sees
 *    the old bytes; the last one's write frees the shared page; the RAM view
 *    shows each step;
 *  - shootdown drops exactly the software-TLB entries of the changed page
 *    in every attached software TLB (all modes, aliases, victim entries)
 *    and nothing else;
 *  - a guest store into a copy-on-write page through translated code and
 *    through the interpreter copies it, and --profile's JSON shows copies
 *    and shootdowns;
 *  - the boot file cache maps a file's pages into two VMs' pmaps: one
 *    machine page each, two owners, and a write in one VM leaves the other
 *    and the cache untouched;
 *  - the Malta's high RAM alias (physical 0x80000000 + X is the same RAM as
 *    X) reaches the translations of code at X, whether a guest store or a
 *    host write comes through it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dbt/internal.h"
#include "devices/malta/malta.h"
#include "monitor/internal.h"

#define LW(rt, base, off) (0x8C000000u | (base) << 21 | (rt) << 16 | ((off) & 0xFFFFu))
#define SW(rt, base, off) (0xAC000000u | (base) << 21 | (rt) << 16 | ((off) & 0xFFFFu))
#define ADDIU(rt, rs, imm) (0x24000000u | (rs) << 21 | (rt) << 16 | ((imm) & 0xFFFFu))
#define BEQ(rs, rt, off) (0x10000000u | (rs) << 21 | (rt) << 16 | ((off) & 0xFFFFu))
#define NOP 0u
enum { V0 = 2, A0 = 4, A1 = 5, T1 = 9, T2 = 10, T3 = 11, T4 = 12 };

#define CODE_PA 0x4000u
#define CODE_VA (0x80000000u + CODE_PA)
#define ALIAS_VA 0xC0000000u /* kseg2, mapped onto the high alias of CODE_PA */

static struct vm vm;

static int malta_dbt_setup(void **state)
{
    (void)state;
    struct vm_config cfg = {.machine = MACHINE_MALTA, .ram_mb = 32, .deterministic = true,
                            .tlb_entries = MTLB_DEFAULT_ENTRIES, .exec = EXEC_DBT, .serial = SERIAL_NONE};
    char err[256];
    if (vm_create(&vm, &cfg, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return 0;
}

static int vm_teardown(void **state)
{
    (void)state;
    vm_destroy(&vm);
    return 0;
}

/* Runs the code at CODE_VA (v0 = constant, then a loop on itself) for a few instructions; returns v0. */
static uint32_t run_code(void)
{
    struct vcpu *v = vm.vcpu;
    v->pc = CODE_VA;
    v->in_ds = 0;
    v->gpr[V0] = 0;
    v->max_insns = v->icount + 40;
    vcpu_update_next_event(v);
    enum vcpu_exit why = dbt_run(v);
    assert_int_equal(why, VCPU_EXIT_LIMIT);
    return v->gpr[V0];
}

static void test_high_alias_reaches_code(void **state)
{
    (void)state;
    struct vcpu *v = vm.vcpu;
    v->cp0.status &= ~ST_ERL; /* kernel mode with kseg2 mapped */
    v->cp0.status &= ~ST_BEV;
    cp0_update_mode(v);
    const uint32_t code[] = {ADDIU(V0, 0, 1), BEQ(0, 0, -1), NOP};
    assert_int_equal(physmap_write(&vm.physmap, CODE_PA, code, sizeof(code)), 0);
    assert_int_equal(run_code(), 1);

    /* kseg2 page ALIAS_VA -> physical MALTA_HIGH_RAM_BASE + CODE_PA: dirty, valid, global */
    uint32_t pfn = (uint32_t)((MALTA_HIGH_RAM_BASE + CODE_PA) >> 12);
    uint32_t lo0 = pfn << 6 | 3u << 3 | 1u << 2 | 1u << 1 | 1u;
    mtlb_write(&v->tlb, 0, ALIAS_VA, lo0, 1u, 0);

    /* a guest store through the alias rewrites the first instruction */
    uint32_t word = ADDIU(V0, 0, 2);
    assert_true(dbt_mem_slow(v, ALIAS_VA, 4, MMU_STORE, &word, 0xFFFFFFFFu, ALIAS_VA, NULL));
    uint32_t back = 0;
    assert_int_equal(physmap_read(&vm.physmap, CODE_PA, &back, 4), 0);
    assert_int_equal(back, ADDIU(V0, 0, 2));
    assert_int_equal(run_code(), 2);

    /* a host write (DMA) through the alias does the same */
    word = ADDIU(V0, 0, 3);
    assert_int_equal(physmap_write(&vm.physmap, MALTA_HIGH_RAM_BASE + CODE_PA, &word, 4), 0);
    assert_int_equal(run_code(), 3);
}


/* ---- the pool and the memmap ---- */

static void test_pool_alloc_free_reuse(void **state)
{
    (void)state;
    struct machmem mm;
    assert_int_equal(machmem_init(&mm, 4 * MACH_PAGE_SIZE), 0);
    mpn_t p[4];
    for (int i = 0; i < 4; i++) {
        p[i] = machmem_alloc(&mm);
        assert_int_not_equal(p[i], MPN_NONE);
        for (int j = 0; j < i; j++)
            assert_int_not_equal(p[i], p[j]);
        uint8_t *h = machmem_page(&mm, p[i]);
        for (unsigned k = 0; k < MACH_PAGE_SIZE; k += 512)
            assert_int_equal(h[k], 0); /* handed out zeroed */
        memset(h, 0xC3, MACH_PAGE_SIZE);
        assert_int_equal(machmem_info(&mm, p[i]).refs, 1);
    }
    assert_int_equal(machmem_alloc(&mm), MPN_NONE); /* exhausted */
    assert_int_equal(mm.in_use, 4);
    /* two references: the first put keeps it */
    machmem_get(&mm, p[2]);
    machmem_put(&mm, p[2]);
    assert_int_equal(machmem_alloc(&mm), MPN_NONE);
    machmem_put(&mm, p[2]);
    assert_int_equal(mm.in_use, 3);
    mpn_t again = machmem_alloc(&mm);
    assert_int_equal(again, p[2]); /* the freed page is reused, zeroed again */
    for (unsigned k = 0; k < MACH_PAGE_SIZE; k += 64)
        assert_int_equal(machmem_page(&mm, again)[k], 0);
    /* owners: inline first, then the overflow array; any can go */
    for (uint32_t g = 0; g < 6; g++)
        assert_int_equal(machmem_add_owner(&mm, again, MPAGE_OWNER(g % 3, 100 + g)), 0);
    assert_int_equal(machmem_info(&mm, again).n_owners, 6);
    assert_true(machmem_info(&mm, again).flags & MPAGE_SHARED);
    machmem_del_owner(&mm, again, MPAGE_OWNER(0, 100));
    machmem_del_owner(&mm, again, MPAGE_OWNER(1, 104));
    assert_int_equal(machmem_info(&mm, again).n_owners, 4);
    assert_false(machmem_has_owner(&mm, again, MPAGE_OWNER(0, 100)));
    assert_false(machmem_has_owner(&mm, again, MPAGE_OWNER(1, 104)));
    for (uint32_t g = 1; g < 6; g++)
        if (g != 4)
            assert_true(machmem_has_owner(&mm, again, MPAGE_OWNER(g % 3, 100 + g)));
    machmem_destroy(&mm);
}

/* The scanner's shared pages come fresh, one after another, whatever is on the free list; a home
 * run reserved writes no descriptor, and its pages are home until their pmap lets them go. */
static void test_pool_fresh_and_home_runs(void **state)
{
    (void)state;
    struct machmem mm;
    assert_int_equal(machmem_init(&mm, 16 * MACH_PAGE_SIZE), 0);
    mpn_t a = machmem_alloc(&mm), b = machmem_alloc(&mm);
    machmem_put(&mm, a); /* a and b on the free list */
    machmem_put(&mm, b);
    mpn_t f0 = machmem_alloc_fresh(&mm), f1 = machmem_alloc_fresh(&mm);
    assert_int_equal(f1, f0 + 1);
    assert_true(f0 != a && f0 != b && f1 != a && f1 != b);
    assert_true(machmem_info(&mm, f0).flags & MPAGE_LOOSE);
    mpn_t home = machmem_reserve(&mm, 4);
    assert_int_not_equal(home, MPN_NONE);
    for (uint32_t i = 0; i < 4; i++)
        assert_int_equal(machmem_info(&mm, home + i).flags, 0); /* nothing written */
    assert_int_equal(machmem_take_home(&mm, home + 1), home + 1);
    assert_int_equal(machmem_take_home(&mm, home + 1), MPN_NONE); /* taken already */
    assert_int_equal(machmem_take_home(&mm, f0), MPN_NONE);       /* not a home page */
    machmem_put(&mm, home + 1);
    assert_int_equal(machmem_take_home(&mm, home + 1), home + 1); /* back home, not freed */
    machmem_put(&mm, home + 1);
    mpn_t r = machmem_alloc(&mm); /* the free list: never a home page */
    assert_true(r == a || r == b);
    machmem_unreserve(&mm, home, 4);
    for (uint32_t i = 0; i < 4; i++)
        assert_true(machmem_info(&mm, home + i).flags & MPAGE_LOOSE);
    assert_int_equal(machmem_take_home(&mm, home), MPN_NONE);
    machmem_destroy(&mm);
}

static void test_pmap_first_touch(void **state)
{
    (void)state;
    struct machmem mm;
    struct pmap p;
    assert_int_equal(machmem_init(&mm, 64 * MACH_PAGE_SIZE), 0);
    assert_int_equal(pmap_init(&p, &mm, 16 * MACH_PAGE_SIZE, 0x80000000u), 0);
    assert_int_equal(pmap_lookup(&p, 3, NULL), PMAP_NONE);
    assert_int_equal(mm.in_use, 0); /* nothing until touched */
    bool cow = true;
    uint8_t *h = pmap_page(&p, 3, false, &cow);
    assert_non_null(h);
    assert_false(cow);
    assert_ptr_equal(pmap_page(&p, 3, true, NULL), h); /* the same page, once */
    mpn_t m = pmap_lookup(&p, 3, NULL);
    assert_int_equal(m, p.home + 3); /* its home page, which the view shows at page 3 */
    assert_ptr_equal(h, p.view + 3 * MACH_PAGE_SIZE);
    h[7] = 0x99;
    assert_int_equal(machmem_page(&mm, m)[7], 0x99);
    assert_true(machmem_has_owner(&mm, m, MPAGE_OWNER(p.id, 3)));
    assert_null(pmap_page(&p, 16, false, NULL)); /* out of range */
    assert_int_equal(pmap_ppn(&p, 3), 0x80003u);
    uint64_t priv, shared;
    pmap_count(&p, &priv, &shared);
    assert_int_equal(priv, 1);
    assert_int_equal(shared, 0);
    assert_int_equal(atomic_load(&p.st.touched), 1);
    pmap_discard(&p, 0, 16);
    assert_int_equal(pmap_lookup(&p, 3, NULL), PMAP_NONE);
    assert_int_equal(mm.in_use, 0);
    pmap_destroy(&p);
    machmem_destroy(&mm);
}

/* ---- copy-on-write between two pmaps ---- */

static void test_cow_two_pmaps(void **state)
{
    (void)state;
    struct machmem mm;
    struct pmap a, b;
    assert_int_equal(machmem_init(&mm, 64 * MACH_PAGE_SIZE), 0);
    assert_int_equal(pmap_init(&a, &mm, 8 * MACH_PAGE_SIZE, 0), 0);
    assert_int_equal(pmap_init(&b, &mm, 8 * MACH_PAGE_SIZE, 0), 0);
    assert_int_not_equal(a.id, b.id);
    mpn_t m = machmem_alloc(&mm);
    memset(machmem_page(&mm, m), 0x5A, MACH_PAGE_SIZE);
    assert_int_equal(pmap_map_cow(&a, 2, m), 0);
    assert_int_equal(pmap_map_cow(&b, 5, m), 0);
    machmem_put(&mm, m); /* only the two mappings hold it now */
    struct mpage d = machmem_info(&mm, m);
    assert_int_equal(d.refs, 2);
    assert_int_equal(d.n_owners, 2);
    assert_true(d.flags & MPAGE_COW);
    assert_true(d.flags & MPAGE_SHARED);

    /* reads share */
    bool cow = false;
    assert_ptr_equal(pmap_page(&a, 2, false, &cow), a.view + 2 * MACH_PAGE_SIZE);
    assert_true(cow);
    assert_int_equal(a.view[2 * MACH_PAGE_SIZE + 9], 0x5A); /* the view shows the shared page */
    assert_ptr_equal(pmap_page(&b, 5, false, &cow), b.view + 5 * MACH_PAGE_SIZE);
    assert_int_equal(b.view[5 * MACH_PAGE_SIZE + 9], 0x5A);

    /* the first write copies for the writer only */
    uint8_t *ha = pmap_page(&a, 2, true, &cow);
    assert_false(cow);
    assert_int_equal(pmap_lookup(&a, 2, NULL), a.home + 2);
    assert_int_equal(ha[100], 0x5A); /* a copy of the contents */
    ha[100] = 0x11;
    assert_int_equal(machmem_page(&mm, m)[100], 0x5A); /* b still sees the old bytes */
    assert_int_equal(pmap_page(&b, 5, false, NULL)[100], 0x5A);
    assert_int_equal(atomic_load(&a.st.cow_copies), 1);
    assert_int_equal(atomic_load(&a.st.shootdowns), 1);
    d = machmem_info(&mm, m);
    assert_int_equal(d.refs, 1);
    assert_int_equal(d.n_owners, 1);
    assert_false(machmem_has_owner(&mm, m, MPAGE_OWNER(a.id, 2)));
    assert_true(machmem_has_owner(&mm, m, MPAGE_OWNER(b.id, 5)));

    /* the views show the same: a's page is its home page now, b's view still the shared one */
    assert_int_equal(pmap_lookup(&a, 2, NULL), a.home + 2);
    assert_int_equal(a.view[2 * MACH_PAGE_SIZE + 100], 0x11);
    assert_int_equal(b.view[5 * MACH_PAGE_SIZE + 100], 0x5A);

    /* the last owner's write copies too, and the shared page goes back to the pool */
    uint64_t before = mm.in_use;
    uint8_t *hb = pmap_page(&b, 5, true, &cow);
    assert_false(cow);
    assert_ptr_equal(hb, b.view + 5 * MACH_PAGE_SIZE);
    assert_int_equal(pmap_lookup(&b, 5, NULL), b.home + 5);
    assert_int_equal(hb[100], 0x5A);
    hb[100] = 0x22;
    assert_int_equal(machmem_page(&mm, b.home + 5)[100], 0x22);
    assert_int_equal(mm.in_use, before); /* one page taken at home, the shared one freed */
    assert_int_equal(machmem_info(&mm, m).refs, 0);
    assert_int_equal(atomic_load(&b.st.cow_copies), 1);
    uint64_t priv, shared;
    pmap_count(&b, &priv, &shared);
    assert_int_equal(priv, 1);
    assert_int_equal(shared, 0);

    pmap_destroy(&a);
    pmap_destroy(&b);
    assert_int_equal(mm.in_use, 0);
    machmem_destroy(&mm);
}

/* DMA pins (pmap_pin): a pinned page keeps its machine page whatever the pmap is asked. */
static void test_pmap_pin(void **state)
{
    (void)state;
    struct machmem mm;
    struct pmap a;
    assert_int_equal(machmem_init(&mm, 64 * MACH_PAGE_SIZE), 0);
    assert_int_equal(pmap_init(&a, &mm, 8 * MACH_PAGE_SIZE, 0), 0);
    mpn_t m = machmem_alloc(&mm);
    memset(machmem_page(&mm, m), 0x5A, MACH_PAGE_SIZE);
    assert_int_equal(pmap_map_cow(&a, 3, m), 0);

    /* pinned for a write: made private first (a copy at home), and the address is the view's */
    uint8_t *h = pmap_pin(&a, 3, true);
    assert_ptr_equal(h, a.view + 3 * MACH_PAGE_SIZE);
    bool cow = true;
    assert_int_equal(pmap_lookup(&a, 3, &cow), a.home + 3);
    assert_false(cow);
    assert_int_equal(h[7], 0x5A);
    mpn_t held = pmap_lookup(&a, 3, NULL);

    /* while pinned nothing takes the page away: merge, move, copy-on-write mapping, discard */
    memset(machmem_page(&mm, m), 0x5A, MACH_PAGE_SIZE);
    assert_int_equal(pmap_merge_page(&a, 3, m), -EAGAIN); /* same bytes, still refused */
    assert_int_equal(pmap_move(&a, 3), -EBUSY);
    assert_int_equal(pmap_map_cow(&a, 3, m), -EBUSY);
    mpn_t run = machmem_alloc_run(&mm, 2);
    assert_int_not_equal(run, MPN_NONE);
    assert_int_equal(pmap_map_cow_run(&a, 2, run, 2), -EBUSY); /* a run over it is refused */
    assert_int_equal(pmap_map_cow_run(&a, 1, run, 2), 0);      /* its neighbours are free to go */
    machmem_put(&mm, run);
    machmem_put(&mm, run + 1);
    pmap_discard(&a, 0, 8);
    assert_int_equal(pmap_lookup(&a, 3, NULL), held);
    assert_int_equal(pmap_lookup(&a, 2, NULL), PMAP_NONE); /* the rest went */
    h[8] = 0x33; /* a transfer landing now is what the guest sees */
    assert_int_equal(pmap_page(&a, 3, false, NULL)[8], 0x33);

    /* two pins, two unpins; then the page is free to change again */
    assert_ptr_equal(pmap_pin(&a, 3, false), h);
    pmap_unpin(&a, 3);
    assert_int_equal(pmap_move(&a, 3), -EBUSY);
    pmap_unpin(&a, 3);
    assert_int_equal(pmap_move(&a, 3), 0);
    assert_int_not_equal(pmap_lookup(&a, 3, NULL), held);
    assert_null(pmap_pin(&a, 8, true)); /* out of range */

    machmem_put(&mm, m);
    pmap_destroy(&a);
    assert_int_equal(mm.in_use, 0);
    machmem_destroy(&mm);
}

/* ---- shootdown ---- */

static unsigned live_entries(const struct stlb *s, uint32_t ppn)
{
    unsigned n = 0;
    for (unsigned m = 0; m < MMU_NMODES; m++) {
        for (unsigned i = 0; i < STLB_SIZE; i++)
            n += !(s->e[m][i].tag_read & STLB_INVALID) && s->ppn[m][i] == ppn;
        for (unsigned i = 0; i < STLB_VICTIMS; i++)
            n += !(s->victim[m][i].tag_read & STLB_INVALID) && s->victim_ppn[m][i] == ppn;
    }
    return n;
}

static void test_shootdown_exact(void **state)
{
    (void)state;
    struct machmem mm;
    struct pmap p;
    static struct stlb s1, s2, other;
    assert_int_equal(machmem_init(&mm, 64 * MACH_PAGE_SIZE), 0);
    assert_int_equal(pmap_init(&p, &mm, 16 * MACH_PAGE_SIZE, 0), 0);
    stlb_flush_all(&s1);
    stlb_flush_all(&s2);
    stlb_flush_all(&other);
    assert_int_equal(pmap_attach_stlb(&p, &s1), 0);
    assert_int_equal(pmap_attach_stlb(&p, &s2), 0);
    uint8_t *h5 = pmap_page(&p, 5, true, NULL), *h6 = pmap_page(&p, 6, true, NULL);
    uint32_t ppn5 = pmap_ppn(&p, 5), ppn6 = pmap_ppn(&p, 6);
    /* page 5 through kseg0, kseg1 and a mapped alias in two modes; one of them pushed to the
     * victims by a page STLB_SIZE pages further on; page 6 beside it */
    stlb_fill(&s1, MMU_KERNEL, 0x80005000u, h5, ppn5, true);
    stlb_fill(&s1, MMU_KERNEL, 0xA0005000u, h5, ppn5, true);
    stlb_fill(&s1, MMU_USER, 0x00405000u, h5, ppn5, false);
    stlb_fill(&s1, MMU_USER, 0x00405000u + STLB_SIZE * 4096u, h6, ppn6, true); /* 0x405000 -> victim */
    stlb_fill(&s1, MMU_KERNEL, 0x80006000u, h6, ppn6, true);
    stlb_fill(&s2, MMU_SUPERVISOR, 0xC0005000u, h5, ppn5, true);
    stlb_fill(&s2, MMU_KERNEL, 0x80006000u, h6, ppn6, true);
    stlb_fill(&other, MMU_KERNEL, 0x80005000u, h5, ppn5, true); /* not attached: not this pmap's */
    assert_int_equal(live_entries(&s1, ppn5), 3);
    assert_int_equal(live_entries(&s2, ppn5), 1);

    h5[1] = 0xAB;
    assert_int_equal(pmap_move(&p, 5), 0);
    assert_int_not_equal(pmap_lookup(&p, 5, NULL), p.home + 5);
    assert_ptr_equal(pmap_page(&p, 5, false, NULL), h5); /* the view page stays where it is */
    assert_int_equal(h5[1], 0xAB);                       /* showing the moved page */
    assert_int_equal(machmem_page(&mm, pmap_lookup(&p, 5, NULL))[1], 0xAB);
    assert_int_equal(live_entries(&s1, ppn5), 0);
    assert_int_equal(live_entries(&s2, ppn5), 0);
    assert_int_equal(live_entries(&s1, ppn6), 2); /* nothing else dropped */
    assert_int_equal(live_entries(&s2, ppn6), 1);
    assert_int_equal(live_entries(&other, ppn5), 1);
    assert_int_equal(atomic_load(&p.st.shootdowns), 1);
    assert_int_equal(atomic_load(&p.st.shot_entries), 4);
    assert_int_equal(atomic_load(&p.st.moves), 1);
    /* the victim slot was found too: a swap back finds nothing for page 5 */
    assert_false(stlb_victim_swap(&s1, MMU_USER, 0x00405000u));
    pmap_destroy(&p);
    machmem_destroy(&mm);
}

/* ---- copy-on-write through a vCPU ---- */

#define DATA_PA 0x9000u

static int bench_setup(enum exec_mode exec)
{
    struct vm_config cfg = {.machine = MACHINE_TESTBENCH, .ram_mb = 16, .deterministic = true,
                            .tlb_entries = MTLB_DEFAULT_ENTRIES, .exec = exec};
    cfg.console_out = stderr;
    char err[256];
    if (vm_create(&vm, &cfg, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return 0;
}

static int dbt_setup(void **state)
{
    (void)state;
    return bench_setup(EXEC_DBT);
}

static int interp_setup(void **state)
{
    (void)state;
    return bench_setup(EXEC_INTERP);
}

static void cow_store(void)
{
    struct vcpu *v = vm.vcpu;
    v->cp0.status &= ~(ST_ERL | ST_BEV);
    cp0_update_mode(v);
    /* another owner: a second pmap of the same machine memory (a second VM's RAM) */
    struct pmap other;
    assert_int_equal(pmap_init(&other, vm.mm, 16 * MACH_PAGE_SIZE, 0), 0);
    mpn_t m = machmem_alloc(vm.mm);
    assert_int_not_equal(m, MPN_NONE);
    memset(machmem_page(vm.mm, m), 0x77, MACH_PAGE_SIZE);
    assert_int_equal(physmap_map_cow(&vm.physmap, DATA_PA, m, 1), 0);
    assert_int_equal(pmap_map_cow(&other, 3, m), 0);
    machmem_put(vm.mm, m);

    /* lw t4, 4(a0) (kseg0); lw t2, 0(a1) (kseg1: a software-TLB entry); sw t1, 0(a0); lw t3, 0(a0)
     * (kseg0 again, after the copy); then a loop on itself */
    const uint32_t code[] = {LW(T4, A0, 4), LW(T2, A1, 0), SW(T1, A0, 0), LW(T3, A0, 0), BEQ(0, 0, -1), NOP};
    assert_int_equal(physmap_write(&vm.physmap, CODE_PA, code, sizeof(code)), 0);
    v->pc = CODE_VA;
    v->gpr[A0] = 0x80000000u + DATA_PA;
    v->gpr[A1] = 0xA0000000u + DATA_PA;
    v->gpr[T1] = 0x12345678u;
    v->max_insns = v->icount + 40;
    vcpu_update_next_event(v);
    enum vcpu_exit why = vm.dbt ? dbt_run(v) : dbt_interp_run(v);
    assert_int_equal(why, VCPU_EXIT_LIMIT);

    assert_int_equal(v->gpr[T4], 0x77777777u); /* the loads read the shared page */
    assert_int_equal(v->gpr[T2], 0x77777777u);
    assert_int_equal(v->gpr[T3], 0x12345678u); /* and, after the store, the VM's copy */
    uint32_t now = 0;
    assert_int_equal(physmap_read(&vm.physmap, DATA_PA, &now, 4), 0);
    assert_int_equal(now, 0x12345678u);                           /* the VM has its copy */
    assert_int_equal(machmem_page(vm.mm, m)[0], 0x77);           /* the other owner still sees the old bytes */
    assert_int_equal(pmap_page(&other, 3, false, NULL)[0], 0x77);
    bool cow = false;
    assert_int_not_equal(pmap_lookup(&vm.pmap, DATA_PA >> 12, &cow), m);
    assert_false(cow);
    assert_int_equal(atomic_load(&vm.pmap.st.cow_copies), 1);
    /* the kseg1 load's software-TLB entry (copy-on-write in its write tag) was shot down */
    assert_true(atomic_load(&vm.pmap.st.shot_entries) >= 1);

    /* and --profile says so */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    profile_write(&vm, f, true);
    fclose(f);
    if (!strstr(buf, "\"cow_copies\": 1,") || !strstr(buf, "\"shared_pages\": 0,"))
        fprintf(stderr, "%s", buf);
    assert_non_null(strstr(buf, "\"cow_copies\": 1,"));
    assert_non_null(strstr(buf, "\"cow_maps\": 1,"));
    assert_non_null(strstr(buf, "\"shared_pages\": 0,"));
    assert_null(strstr(buf, "\"shootdowns\": 0,"));
    assert_null(strstr(buf, "\"shootdown_entries\": 0,"));
    free(buf);
    pmap_destroy(&other);
}

static void test_cow_store_translated(void **state)
{
    (void)state;
    assert_non_null(vm.dbt);
    cow_store();
}

static void test_cow_store_interpreted(void **state)
{
    (void)state;
    assert_null(vm.dbt);
    cow_store();
}

/* ---- the boot file cache ---- */

static void test_filecache_shared_between_vms(void **state)
{
    (void)state;
    struct vm_config cfg = {.machine = MACHINE_TESTBENCH, .ram_mb = 16, .deterministic = true,
                            .tlb_entries = MTLB_DEFAULT_ENTRIES, .exec = EXEC_INTERP};
    cfg.console_out = stderr;
    static struct vm a, b;
    char err[256];
    assert_int_equal(vm_create(&a, &cfg, err, sizeof(err)), 0);
    assert_int_equal(vm_create(&b, &cfg, err, sizeof(err)), 0);
    assert_ptr_equal(a.mm, b.mm); /* one machine memory per monitor */
    char path[] = "/tmp/mvisor-filecache-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    static uint8_t data[3 * 4096 + 100];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 7 + 1);
    assert_int_equal(write(fd, data, sizeof(data)), (ssize_t)sizeof(data));
    struct file_pages fa, fb;
    assert_int_equal(filecache_get(a.mm, fd, &fa), 0);
    assert_int_equal(filecache_get(b.mm, fd, &fb), 0);
    assert_ptr_equal(fa.pages, fb.pages); /* read once */
    assert_int_equal(fa.npages, 4);
    assert_int_equal(filecache_load(&a.physmap, &fa, 0, 0x100000, sizeof(data)), 0);
    assert_int_equal(filecache_load(&b.physmap, &fb, 0, 0x200000, sizeof(data)), 0);
    for (uint32_t i = 0; i < 3; i++) {
        bool ca, cb;
        mpn_t ma = pmap_lookup(&a.pmap, 0x100 + i, &ca), mb = pmap_lookup(&b.pmap, 0x200 + i, &cb);
        assert_int_equal(ma, fa.pages[i]);
        assert_int_equal(mb, fa.pages[i]);
        assert_true(ca && cb);
        struct mpage d = machmem_info(a.mm, ma);
        assert_int_equal(d.refs, 3); /* the cache and two VMs */
        assert_int_equal(d.n_owners, 2);
        assert_true(d.flags & MPAGE_FILE);
    }
    /* the partial last page is a private copy */
    bool c;
    assert_int_not_equal(pmap_lookup(&a.pmap, 0x103, &c), fa.pages[3]);
    assert_false(c);
    uint8_t back[sizeof(data)];
    assert_int_equal(physmap_read(&b.physmap, 0x200000, back, sizeof(back)), 0);
    assert_memory_equal(back, data, sizeof(data));
    /* a host write (DMA) into VM a copies; b and the cache keep the file's bytes */
    uint32_t junk = 0xDEADBEEF;
    assert_int_equal(physmap_write(&a.physmap, 0x101000, &junk, 4), 0);
    assert_int_equal(atomic_load(&a.pmap.st.cow_copies), 1);
    assert_int_equal(physmap_read(&b.physmap, 0x200000, back, sizeof(back)), 0);
    assert_memory_equal(back, data, sizeof(data));
    assert_memory_equal(machmem_page(a.mm, fa.pages[1]), data + 4096, 4096);
    uint64_t priv, shared;
    pmap_count(&a.pmap, &priv, &shared);
    assert_int_equal(shared, 2);
    filecache_put(&fa);
    filecache_put(&fb);
    close(fd);
    unlink(path);
    vm_destroy(&a);
    vm_destroy(&b);
}

/* A file found changed on disk is read again; a caller still holding the old read keeps its pages
 * (another VM may be loading from them on another thread) until it lets go. */
static void test_filecache_changed_while_held(void **state)
{
    (void)state;
    struct machmem *mm = machmem_default();
    assert_non_null(mm);
    char path[] = "/tmp/mvisor-filecache-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    static uint8_t old_data[2 * 4096], new_data[2 * 4096];
    memset(old_data, 0x5A, sizeof(old_data));
    memset(new_data, 0xC3, sizeof(new_data));
    assert_int_equal(pwrite(fd, old_data, sizeof(old_data), 0), (ssize_t)sizeof(old_data));
    struct file_pages held, again, fresh;
    assert_int_equal(filecache_get(mm, fd, &held), 0);
    mpn_t first = held.pages[0];
    uint32_t refs = machmem_info(mm, first).refs;
    assert_int_equal(filecache_get(mm, fd, &again), 0);
    assert_ptr_equal(again.pages, held.pages); /* unchanged: the same read */
    filecache_put(&again);
    /* changed on disk: new bytes and a modification time of its own */
    assert_int_equal(pwrite(fd, new_data, sizeof(new_data), 0), (ssize_t)sizeof(new_data));
    struct timespec ts[2] = {{.tv_sec = 1000000000, .tv_nsec = 0}, {.tv_sec = 1000000000, .tv_nsec = 0}};
    assert_int_equal(futimens(fd, ts), 0);
    assert_int_equal(filecache_get(mm, fd, &fresh), 0);
    assert_ptr_not_equal(fresh.pages, held.pages);
    assert_memory_equal(machmem_page(mm, fresh.pages[0]), new_data, 4096);
    /* the old read is still whole for its holder */
    assert_int_equal(held.pages[0], first);
    assert_int_equal(machmem_info(mm, first).refs, refs);
    assert_memory_equal(machmem_page(mm, held.pages[0]), old_data, 4096);
    assert_memory_equal(machmem_page(mm, held.pages[1]), old_data + 4096, 4096);
    filecache_put(&held);
    assert_null(held.entry);
    filecache_put(&fresh);
    close(fd);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pool_alloc_free_reuse),
        cmocka_unit_test(test_pool_fresh_and_home_runs),
        cmocka_unit_test(test_pmap_first_touch),
        cmocka_unit_test(test_cow_two_pmaps),
        cmocka_unit_test(test_pmap_pin),
        cmocka_unit_test(test_shootdown_exact),
        cmocka_unit_test_setup_teardown(test_cow_store_translated, dbt_setup, vm_teardown),
        cmocka_unit_test_setup_teardown(test_cow_store_interpreted, interp_setup, vm_teardown),
        cmocka_unit_test(test_filecache_shared_between_vms),
        cmocka_unit_test(test_filecache_changed_while_held),
        cmocka_unit_test_setup_teardown(test_high_alias_reaches_code, malta_dbt_setup, vm_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
