/*
 * Unit tests of the simulated ccNUMA machine (numa/) against real pmaps, software TLBs and the
 * memmap: "VMs" are pmaps with two software TLBs each (two vCPUs) in one machine-memory pool.
 *
 * What must hold: --numa's parser takes every documented key and refuses bad values with a
 * message naming the key; a page first touched while a VM's slice runs is homed on the VM's
 * memory node (round-robin by page without a policy); counts left in software-TLB entries fold
 * into the VM's per-node totals and the latency model (L local, R remote, the UMA bound at L),
 * also when a fill reuses an entry for another page; a migration copies the page to a page on
 * the VM's node, frees the old one and shoots down every entry of both vCPUs (a shot-down entry
 * never hits again), and the policy migrates a page once it is hot from a remote node; a
 * copy-on-write page shared by VMs on three nodes gets a replica on each reading node (same
 * bytes, on that node, read-only), and a write by one VM collapses the replicas: every other VM
 * maps the one page again, the replicas are freed, the entries that mapped them are shot down,
 * a store after the collapse is seen by both vCPUs of the storing VM and by no other VM; the
 * page, still read-only for the others, may be replicated again until its cap of moves.
 * Sampled counting (sample=N): the gap between counting slices (numa_counting, what picks the
 * TB_F_COUNT blocks) doubles up to N while nothing moves and is 1 again after a move; a counting
 * slice's counts are weighted by the slices it stands for, the other slices' ends fold nothing; a
 * policy round with more candidates than moves takes the hottest first. A disk's DMA into a page
 * (pmap_pin, then writes through the view address it gives, as virtio-blk's I/O thread does)
 * while the VM's thread migrates it loses no byte: a pinned page is not moved (the migration is
 * refused and counted), and a move after the unpin carries what the transfer wrote.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "numa/internal.h"
#include "shadow-mmu/shadow_mmu.h"

#define NPAGES 160 /* room for new working sets of NUMA_WS_NEW_PAGES pages */
#define CANON 0x80000000ull

struct tvm {
    struct pmap p;
    struct stlb *s[2];
    struct numa_vm *nv;
};

static struct machmem mm;

static void make_pool_audit(enum numa_policy policy, unsigned sample, bool audit)
{
    assert_int_equal(machmem_init(&mm, 2048 * MACH_PAGE_SIZE), 0);
    struct numa_config cfg = {.nodes = 4, .cpus_per_node = 1, .local_ns = 300, .remote_ns = 900, .policy = policy,
                              .sample = sample, .audit = audit};
    assert_int_equal(numa_create(&mm, &cfg), 0);
}

static void make_pool_sampled(enum numa_policy policy, unsigned sample)
{
    make_pool_audit(policy, sample, false);
}

/* Every slice counts (sample 0: exact), which the tests of the mechanisms want. */
static void make_pool(enum numa_policy policy)
{
    make_pool_sampled(policy, 0);
}

static void free_pool(void)
{
    numa_destroy(&mm);
    machmem_destroy(&mm);
    machmem_set_thread_node(0);
}

static void vm_make(struct tvm *v, int node)
{
    memset(v, 0, sizeof(*v));
    assert_int_equal(pmap_init(&v->p, &mm, NPAGES * MACH_PAGE_SIZE, CANON), 0);
    v->nv = numa_vm_attach(&mm, &v->p, node, -1);
    assert_non_null(v->nv);
    for (int i = 0; i < 2; i++) {
        v->s[i] = calloc(1, sizeof(*v->s[i]));
        assert_non_null(v->s[i]);
        stlb_flush_all(v->s[i]);
        assert_int_equal(pmap_attach_stlb(&v->p, v->s[i]), 0);
        numa_vm_add_stlb(v->nv, v->s[i]);
    }
}

static void vm_free(struct tvm *v)
{
    numa_vm_detach(v->nv);
    pmap_destroy(&v->p);
    free(v->s[0]);
    free(v->s[1]);
}

/* Fills vCPU i's kernel entry for page g (kseg0), as the slow path would. */
static void fill_entry(struct tvm *v, int i, uint32_t g, bool writable)
{
    stlb_fill(v->s[i], MMU_KERNEL, (gva_t)(CANON + ((uint64_t)g << MACH_PAGE_BITS)),
              v->p.view + ((size_t)g << MACH_PAGE_BITS), pmap_ppn(&v->p, g), writable);
}

/* Whether vCPU i's kernel entry for page g would let a load through (the probe's compare). */
static bool load_hits(const struct tvm *v, int i, uint32_t g)
{
    gva_t va = (gva_t)(CANON + ((uint64_t)g << MACH_PAGE_BITS));
    return v->s[i]->e[MMU_KERNEL][stlb_index(va)].tag_read == (va & STLB_PAGE_MASK);
}

static unsigned node_of(mpn_t m)
{
    return machmem_info(&mm, m).node;
}

static void pattern(uint8_t *h, uint8_t seed)
{
    for (unsigned i = 0; i < MACH_PAGE_SIZE; i++)
        h[i] = (uint8_t)(seed + i * 13);
}

static void test_parse(void **state)
{
    (void)state;
    struct numa_config c;
    char err[300];
    assert_int_equal(numa_parse("nodes=4", &c, err, sizeof(err)), 0);
    assert_int_equal(c.nodes, 4);
    assert_int_equal(c.cpus_per_node, 1);
    assert_int_equal(c.local_ns, 300);
    assert_int_equal(c.remote_ns, 900);
    assert_false(c.delay);
    assert_int_equal(c.policy, NUMA_POLICY_REPLICATE);
    assert_int_equal(numa_parse("nodes=2,cpus-per-node=3,local-ns=100,remote-ns=150,delay=on,policy=first-touch",
                                &c, err, sizeof(err)), 0);
    assert_int_equal(c.nodes, 2);
    assert_int_equal(c.cpus_per_node, 3);
    assert_int_equal(c.local_ns, 100);
    assert_int_equal(c.remote_ns, 150);
    assert_true(c.delay);
    assert_int_equal(c.policy, NUMA_POLICY_FIRST_TOUCH);
    assert_int_equal(numa_parse("nodes=1,policy=none", &c, err, sizeof(err)), 0);
    assert_int_equal(c.policy, NUMA_POLICY_NONE);
    assert_int_equal(c.sample, NUMA_DEFAULT_SAMPLE);
    assert_int_equal(numa_parse("nodes=2,sample=1", &c, err, sizeof(err)), 0);
    assert_int_equal(c.sample, 1);
    assert_int_equal(numa_parse("nodes=2,sample=1024,audit=on", &c, err, sizeof(err)), 0);
    assert_int_equal(c.sample, 1024);
    assert_true(c.audit);
    static const struct {
        const char *spec, *says;
    } bad[] = {
        {"nodes=0", "nodes=0"},          {"nodes=9", "nodes=9"},
        {"nodes=x", "nodes=x"},          {"cpus-per-node=2", "nodes=N is required"},
        {"nodes=2,cpus-per-node=0", "cpus-per-node=0"},
        {"nodes=2,local-ns=500,remote-ns=400", "remote-ns must be at least local-ns"},
        {"nodes=2,remote-ns=-1", "remote-ns=-1"},
        {"nodes=2,delay=yes", "delay=yes"}, {"nodes=2,policy=best", "policy=best"},
        {"nodes=2,colour=red", "unknown key 'colour'"}, {"nodes", "'nodes' is not key=value"},
        {"nodes=2,sample=0", "sample=0 is out of range (1..1024)"}, {"nodes=2,sample=1025", "sample=1025"},
        {"nodes=2,audit=yes", "audit=yes: on or off"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = 0;
        assert_int_equal(numa_parse(bad[i].spec, &c, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, bad[i].says));
        assert_non_null(strstr(err, "--numa: "));
    }
}

static void test_first_touch_and_round_robin(void **state)
{
    (void)state;
    make_pool(NUMA_POLICY_FIRST_TOUCH);
    struct tvm a;
    vm_make(&a, 2);
    numa_slice_begin(a.nv);
    for (uint32_t g = 0; g < 4; g++)
        assert_non_null(pmap_page(&a.p, g, true, NULL));
    numa_slice_end(a.nv);
    for (uint32_t g = 0; g < 4; g++)
        assert_int_equal(node_of(pmap_lookup(&a.p, g, NULL)), 2);
    vm_free(&a);
    free_pool();

    make_pool(NUMA_POLICY_NONE);
    vm_make(&a, 1);
    numa_slice_begin(a.nv);
    unsigned seen[4] = {0};
    for (uint32_t g = 0; g < 8; g++) {
        mpn_t m;
        assert_non_null(pmap_page(&a.p, g, true, NULL));
        m = pmap_lookup(&a.p, g, NULL);
        assert_int_equal(node_of(m), m % 4);
        seen[m % 4]++;
    }
    numa_slice_end(a.nv);
    for (unsigned k = 0; k < 4; k++)
        assert_int_equal(seen[k], 2); /* eight consecutive pages: two on each node */
    vm_free(&a);
    free_pool();
}

static void test_fold_and_model(void **state)
{
    (void)state;
    make_pool(NUMA_POLICY_FIRST_TOUCH);
    struct tvm a;
    vm_make(&a, 1);
    machmem_set_thread_node(0); /* the loader's thread: page 5 is homed on node 0 */
    assert_non_null(pmap_page(&a.p, 5, true, NULL));
    machmem_set_thread_node(1);
    assert_non_null(pmap_page(&a.p, 6, true, NULL));
    fill_entry(&a, 0, 5, true);
    fill_entry(&a, 1, 6, true);
    unsigned i5 = stlb_index((gva_t)(CANON + 5 * MACH_PAGE_SIZE)), i6 = stlb_index((gva_t)(CANON + 6 * MACH_PAGE_SIZE));
    /* what translated code adds on its hits */
    a.s[0]->cnt[MMU_KERNEL][i5].n[MMU_LOAD] = 100;
    a.s[0]->cnt[MMU_KERNEL][i5].n[MMU_STORE] = 20;
    a.s[1]->cnt[MMU_KERNEL][i6].n[MMU_LOAD] = 7;
    numa_fold_all(a.nv);
    assert_int_equal(a.nv->acc[0], 120);
    assert_int_equal(a.nv->acc[1], 7);
    assert_int_equal(a.nv->stall_ns, 120 * 900 + 7 * 300);
    assert_int_equal(a.nv->uma_ns, 127 * 300);
    assert_int_equal(a.s[0]->cnt[MMU_KERNEL][i5].n[MMU_LOAD], 0);
    /* a fill that reuses the entry for another page folds the old page's counts first */
    a.s[0]->cnt[MMU_KERNEL][i5].n[MMU_LOAD] = 10;
    stlb_flush_ppns(a.s[0], pmap_ppn(&a.p, 5), 1); /* shot down: the counts stay for a fold */
    assert_int_equal(a.nv->acc[0], 120);
    stlb_fill(a.s[0], MMU_KERNEL, (gva_t)(CANON + 5 * MACH_PAGE_SIZE), a.p.view + 6 * MACH_PAGE_SIZE,
              pmap_ppn(&a.p, 6), true); /* slot i5 reused for page 6 */
    assert_int_equal(a.nv->acc[0], 130);
    assert_int_equal(a.s[0]->cnt[MMU_KERNEL][i5].n[MMU_LOAD], 0);
    /* block entries charged to their code page */
    numa_note_code(a.nv, pmap_ppn(&a.p, 5));
    a.s[0]->fetch[pmap_ppn(&a.p, 5) & (STLB_FETCH_SLOTS - 1)] = 9;
    numa_fold_all(a.nv);
    assert_int_equal(a.nv->fetch[0], 9);
    assert_int_equal(a.nv->stall_ns, 130 * 900 + 7 * 300 + 9 * 900);
    vm_free(&a);
    free_pool();
}

static void test_migrate(void **state)
{
    (void)state;
    make_pool(NUMA_POLICY_MIGRATE);
    struct tvm a;
    vm_make(&a, 3);
    machmem_set_thread_node(0);
    uint8_t *h = pmap_page(&a.p, 4, true, NULL);
    assert_non_null(h);
    pattern(h, 0x21);
    mpn_t old = pmap_lookup(&a.p, 4, NULL);
    assert_int_equal(node_of(old), 0);
    fill_entry(&a, 0, 4, true);
    fill_entry(&a, 1, 4, false);
    assert_true(load_hits(&a, 0, 4) && load_hits(&a, 1, 4));
    assert_int_equal(numa_migrate(a.nv, 4), 0);
    mpn_t m = pmap_lookup(&a.p, 4, NULL);
    assert_int_not_equal(m, old);
    assert_int_equal(node_of(m), 3);
    assert_int_equal(machmem_info(&mm, old).refs, 0); /* the old page went */
    assert_false(load_hits(&a, 0, 4));                /* shot down in both vCPUs */
    assert_false(load_hits(&a, 1, 4));
    uint8_t want[MACH_PAGE_SIZE];
    pattern(want, 0x21);
    assert_memory_equal(machmem_page(&mm, m), want, MACH_PAGE_SIZE);
    /* a store through the view after the move reaches the new page */
    pmap_page(&a.p, 4, true, NULL)[7] = 0xEE;
    assert_int_equal(machmem_page(&mm, m)[7], 0xEE);
    assert_int_equal(atomic_load(&numa_stats_of(mm.numa)->migrations), 1);

    /* the policy: page 9, homed on node 0, hot from node 3 */
    machmem_set_thread_node(0);
    assert_non_null(pmap_page(&a.p, 9, true, NULL));
    mpn_t before = pmap_lookup(&a.p, 9, NULL);
    fill_entry(&a, 0, 9, true);
    a.s[0]->cnt[MMU_KERNEL][stlb_index((gva_t)(CANON + 9 * MACH_PAGE_SIZE))].n[MMU_LOAD] = NUMA_HOT;
    numa_fold_all(a.nv);
    assert_int_equal(a.nv->n_cand, 1);
    numa_policy_round(a.nv, 8);
    assert_int_equal(a.nv->n_cand, 0);
    assert_int_not_equal(pmap_lookup(&a.p, 9, NULL), before);
    assert_int_equal(node_of(pmap_lookup(&a.p, 9, NULL)), 3);
    assert_int_equal(atomic_load(&numa_stats_of(mm.numa)->migrations), 2);
    vm_free(&a);
    free_pool();
}

static void test_replicate_and_collapse(void **state)
{
    (void)state;
    make_pool(NUMA_POLICY_REPLICATE);
    struct tvm a, b, c;
    vm_make(&a, 0);
    vm_make(&b, 1);
    vm_make(&c, 2);
    const uint32_t g = 3;
    machmem_set_thread_node(0);
    mpn_t master = machmem_alloc(&mm); /* a boot file's page, say */
    assert_int_not_equal(master, MPN_NONE);
    pattern(machmem_page(&mm, master), 0x40);
    assert_int_equal(pmap_map_cow(&a.p, g, master), 0);
    assert_int_equal(pmap_map_cow(&b.p, g, master), 0);
    assert_int_equal(pmap_map_cow(&c.p, g, master), 0);
    machmem_put(&mm, master); /* the pmaps hold it now */
    fill_entry(&b, 0, g, false);
    fill_entry(&b, 1, g, false);
    assert_true(load_hits(&b, 0, g));

    assert_int_equal(numa_replicate(b.nv, g), 0);
    assert_int_equal(numa_replicate(c.nv, g), 0);
    bool cow;
    mpn_t rb = pmap_lookup(&b.p, g, &cow), rc = pmap_lookup(&c.p, g, NULL);
    assert_true(cow);
    assert_int_not_equal(rb, master);
    assert_int_not_equal(rc, master);
    assert_int_not_equal(rb, rc);
    assert_int_equal(node_of(rb), 1);
    assert_int_equal(node_of(rc), 2);
    assert_true(machmem_info(&mm, rb).flags & MPAGE_REPLICA);
    assert_int_equal(pmap_lookup(&a.p, g, NULL), master);
    assert_memory_equal(machmem_page(&mm, rb), machmem_page(&mm, master), MACH_PAGE_SIZE);
    assert_memory_equal(pmap_page(&c.p, g, false, NULL), machmem_page(&mm, master), MACH_PAGE_SIZE);
    assert_false(load_hits(&b, 0, g)); /* b's vCPUs dropped their entries of the master */
    assert_false(load_hits(&b, 1, g));
    assert_int_equal(numa_replicate(b.nv, g), 0); /* already local: nothing changes */
    assert_int_equal(pmap_lookup(&b.p, g, NULL), rb);
    const struct numa_stats *st = numa_stats_of(mm.numa);
    assert_int_equal(atomic_load(&st->replicas), 2);

    /* b's vCPUs use the replica; then a writes the page: the replicas collapse */
    fill_entry(&b, 0, g, false);
    fill_entry(&b, 1, g, false);
    pmap_page(&a.p, g, true, NULL)[0] = 0x99;
    assert_int_equal(numa_collapse_pending(mm.numa), 1);
    assert_int_equal(atomic_load(&st->collapses), 1);
    assert_int_equal(pmap_lookup(&b.p, g, NULL), rb); /* each VM maps back on its own thread */
    assert_int_equal(numa_apply_remaps(b.nv), 1);
    assert_int_equal(numa_apply_remaps(c.nv), 1);
    assert_int_equal(numa_apply_remaps(a.nv), 0);
    assert_int_equal(pmap_lookup(&b.p, g, &cow), master);
    assert_true(cow);
    assert_int_equal(pmap_lookup(&c.p, g, NULL), master);
    assert_false(load_hits(&b, 0, g)); /* the replica's entries are never used again */
    assert_false(load_hits(&b, 1, g));
    assert_int_equal(machmem_info(&mm, rb).refs, 0); /* freed */
    assert_int_equal(machmem_info(&mm, rc).refs, 0);
    assert_int_equal(pmap_page(&b.p, g, false, NULL)[0], machmem_page(&mm, master)[0]); /* a's write is a's */

    /* a store by b's first vCPU after the collapse: both its vCPUs see it, c does not */
    uint8_t *wb = pmap_page(&b.p, g, true, NULL);
    wb[100] = 0x5C;
    assert_int_equal(pmap_page(&b.p, g, false, NULL)[100], 0x5C);
    uint8_t *seen_by_second = b.p.view + ((size_t)g << MACH_PAGE_BITS); /* the address b's entries use */
    assert_int_equal(seen_by_second[100], 0x5C);
    assert_int_not_equal(pmap_page(&c.p, g, false, NULL)[100], 0x5C);
    /* the one page is still read-only for c: it may be replicated again, until its cap */
    assert_int_equal(numa_replicate(c.nv, g), 0);
    assert_int_not_equal(pmap_lookup(&c.p, g, NULL), master);
    pthread_mutex_lock(&mm.numa->lock);
    numa_page_rec(mm.numa, master)->moves = NUMA_MAX_MOVES;
    pthread_mutex_unlock(&mm.numa->lock);
    assert_int_equal(numa_replicate(a.nv, g), -EINVAL); /* a's page is private now */
    struct tvm d;
    vm_make(&d, 3);
    assert_int_equal(pmap_map_cow(&d.p, g, master), 0);
    assert_int_equal(numa_replicate(d.nv, g), -EBUSY); /* capped: d reads the master */
    assert_int_equal(pmap_lookup(&d.p, g, NULL), master);
    vm_free(&d);
    vm_free(&a);
    vm_free(&b);
    vm_free(&c);
    free_pool();
}

/* A page queued by a VM whose guest page maps something else by the round (here: its own write
 * broke the copy-on-write) is queued again when the VM maps and uses it again. */
static void test_requeue_after_remap(void **state)
{
    (void)state;
    make_pool(NUMA_POLICY_REPLICATE);
    struct tvm b;
    vm_make(&b, 1);
    const uint32_t g = 2;
    unsigned slot = stlb_index((gva_t)(CANON + g * MACH_PAGE_SIZE));
    machmem_set_thread_node(0);
    mpn_t master = machmem_alloc(&mm);
    assert_int_equal(pmap_map_cow(&b.p, g, master), 0);
    fill_entry(&b, 0, g, false);
    b.s[0]->cnt[MMU_KERNEL][slot].n[MMU_LOAD] = NUMA_HOT;
    numa_fold_all(b.nv);
    assert_int_equal(b.nv->n_cand, 1);
    machmem_set_thread_node(1);
    assert_non_null(pmap_page(&b.p, g, true, NULL)); /* b's write: a private copy */
    numa_policy_round(b.nv, 8);
    assert_int_equal(b.nv->n_cand, 0);
    assert_int_equal(pmap_map_cow(&b.p, g, master), 0); /* shared again (page sharing, say) */
    fill_entry(&b, 0, g, false);
    b.s[0]->cnt[MMU_KERNEL][slot].n[MMU_LOAD] = NUMA_HOT;
    numa_fold_all(b.nv);
    assert_int_equal(b.nv->n_cand, 1);
    numa_policy_round(b.nv, 8);
    assert_int_not_equal(pmap_lookup(&b.p, g, NULL), master);
    assert_int_equal(node_of(pmap_lookup(&b.p, g, NULL)), 1);
    machmem_put(&mm, master);
    vm_free(&b);
    free_pool();
}

/* Three VMs on three threads (the scheduler's workers) over pages they share copy-on-write: each
 * folds counts, runs the policy (replicas), writes one of the pages now and then (a collapse
 * every other VM must apply) and shares it again, and checks every shared page reads the
 * master's bytes. Also run under ThreadSanitizer (suite tsan). */
#define T_VMS 3
#define T_SHARED 4
#define T_ROUNDS 150
static mpn_t t_master[T_SHARED];
static struct tvm t_vm[T_VMS];
static atomic_int t_bad;

static void *vm_thread(void *arg)
{
    struct tvm *v = arg;
    for (unsigned it = 0; it < T_ROUNDS; it++) {
        numa_slice_begin(v->nv);
        for (uint32_t g = 0; g < T_SHARED; g++) {
            bool cow;
            if (pmap_lookup(&v->p, g, &cow) == PMAP_NONE || !cow) {
                if (pmap_map_cow(&v->p, g, t_master[g]) < 0)
                    atomic_fetch_add(&t_bad, 1);
            }
            fill_entry(v, (int)(it & 1), g, false);
            v->s[it & 1]->cnt[MMU_KERNEL][stlb_index((gva_t)(CANON + g * MACH_PAGE_SIZE))].n[MMU_LOAD] += NUMA_HOT;
            const uint8_t *h = pmap_page(&v->p, g, false, NULL);
            if (h[1] != (uint8_t)(0x60 + g + 13) || h[MACH_PAGE_SIZE - 1] != machmem_page(&mm, t_master[g])[MACH_PAGE_SIZE - 1])
                atomic_fetch_add(&t_bad, 1);
        }
        if (it % 10 == (unsigned)(v - t_vm) * 3) {
            uint8_t *w = pmap_page(&v->p, it % T_SHARED, true, NULL); /* a write: its own copy */
            w[1] = 0xFF;
            if (pmap_page(&v->p, it % T_SHARED, false, NULL)[1] != 0xFF)
                atomic_fetch_add(&t_bad, 1);
        }
        numa_slice_end(v->nv);
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    make_pool(NUMA_POLICY_REPLICATE);
    for (unsigned g = 0; g < T_SHARED; g++) {
        t_master[g] = machmem_alloc(&mm);
        pattern(machmem_page(&mm, t_master[g]), (uint8_t)(0x60 + g));
    }
    for (int i = 0; i < T_VMS; i++)
        vm_make(&t_vm[i], i);
    pthread_t th[T_VMS];
    for (int i = 0; i < T_VMS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, vm_thread, &t_vm[i]), 0);
    struct numa_vm_report r;
    for (int k = 0; k < 50; k++)
        numa_vm_report(t_vm[k % T_VMS].nv, &r); /* what QMP reads, from its own thread */
    for (int i = 0; i < T_VMS; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(atomic_load(&t_bad), 0);
    const struct numa_stats *st = numa_stats_of(mm.numa);
    assert_true(atomic_load(&st->replications) > 0);
    assert_true(atomic_load(&st->collapses) > 0);
    for (int i = 0; i < T_VMS; i++)
        vm_free(&t_vm[i]);
    for (unsigned g = 0; g < T_SHARED; g++)
        machmem_put(&mm, t_master[g]);
    free_pool();
}

/* One slice of a: whether it counted; when it does, 10 loads of page g (what counting blocks add). */
static bool sample_slice(struct tvm *a, uint32_t g)
{
    numa_slice_begin(a->nv);
    bool counting = numa_counting(a->nv);
    if (counting) {
        fill_entry(a, 0, g, true);
        a->s[0]->cnt[MMU_KERNEL][stlb_index((gva_t)(CANON + g * MACH_PAGE_SIZE))].n[MMU_LOAD] += 10;
    }
    numa_slice_end(a->nv);
    return counting;
}

static void test_sampled_counting(void **state)
{
    (void)state;
    make_pool_sampled(NUMA_POLICY_MIGRATE, 4);
    struct tvm a;
    vm_make(&a, 1);
    machmem_set_thread_node(1);
    assert_non_null(pmap_page(&a.p, 5, true, NULL)); /* local: nothing to move */
    /* nothing moves: slices 0 and 1 count, then gaps of 2 and 4 (the most, sample=4); each
     * counting slice's loads stand for it and the slices skipped before it */
    static const unsigned want_weight[12] = {1, 1, 0, 2, 0, 0, 0, 4, 0, 0, 0, 4};
    unsigned counted = 0;
    for (unsigned s = 0; s < 12; s++) {
        uint64_t before = a.nv->acc[1];
        bool counting = sample_slice(&a, 5);
        counted += counting;
        assert_int_equal(counting, want_weight[s] != 0);
        assert_int_equal(a.nv->acc[1] - before, 10 * want_weight[s]);
    }
    assert_int_equal(a.nv->acc[1], 12 * 10); /* the estimate: 10 loads in each of 12 slices */
    assert_int_equal(a.nv->stall_ns, 120 * 300);
    struct numa_vm_report r;
    numa_vm_report(a.nv, &r);
    assert_int_equal(r.slices, 12);
    assert_int_equal(r.counted_slices, counted);
    /* a page on node 0 hot from node 1 in the next counting slice: the round migrates it, and
     * the slice after it counts again */
    machmem_set_thread_node(0);
    assert_non_null(pmap_page(&a.p, 9, true, NULL));
    bool counting;
    while (!(counting = sample_slice(&a, 9)))
        ;
    assert_int_equal(a.nv->last_moves, 0); /* 10 x 4 accesses: under NUMA_HOT */
    for (unsigned s = 0; s < 8 && node_of(pmap_lookup(&a.p, 9, NULL)) != 1; s++)
        sample_slice(&a, 9);
    assert_int_equal(node_of(pmap_lookup(&a.p, 9, NULL)), 1);
    assert_true(sample_slice(&a, 5)); /* dense again after the move */
    vm_free(&a);
    free_pool();
}

/* A slice that maps NUMA_WS_NEW_PAGES pages the VM never had (a new working set) makes the next
 * NUMA_WS_WINDOW slices count, whatever the gap had grown to; fewer new pages leave the gap as
 * it was. */
static void test_new_working_set(void **state)
{
    (void)state;
    make_pool_sampled(NUMA_POLICY_MIGRATE, 16);
    struct tvm a;
    vm_make(&a, 1);
    machmem_set_thread_node(1);
    assert_non_null(pmap_page(&a.p, 5, true, NULL));
    /* the gap grows to 16: 1, 1, 2, 4, 8, 16 */
    for (unsigned s = 0; s < 40; s++)
        sample_slice(&a, 5);
    assert_int_equal(a.nv->gap, 16);
    /* find the slice right after a counting one: the next 15 do not count */
    while (!sample_slice(&a, 5))
        ;
    /* pages first touched (on this node: nothing to move), and a few mapped from elsewhere: no
     * change */
    for (uint32_t g = 20; g < 20 + NUMA_WS_NEW_PAGES; g++)
        assert_non_null(pmap_page(&a.p, g, true, NULL));
    machmem_set_thread_node(0);
    enum { NSHARED = 2 * NUMA_WS_NEW_PAGES - 1 };
    mpn_t shared[NSHARED];
    for (unsigned k = 0; k < NSHARED; k++) {
        shared[k] = machmem_alloc(&mm);
        assert_true(shared[k] != MPN_NONE);
    }
    for (uint32_t k = 0; k < NUMA_WS_NEW_PAGES - 1; k++)
        assert_int_equal(pmap_map_cow(&a.p, 60 + k, shared[k]), 0);
    assert_false(sample_slice(&a, 5));
    assert_false(sample_slice(&a, 5));
    /* NUMA_WS_NEW_PAGES mapped from elsewhere during one slice that does not count: a new working
     * set, and the next NUMA_WS_WINDOW slices count */
    numa_slice_begin(a.nv);
    assert_false(numa_counting(a.nv));
    for (uint32_t k = NUMA_WS_NEW_PAGES - 1; k < NSHARED; k++)
        assert_int_equal(pmap_map_cow(&a.p, 60 + k, shared[k]), 0);
    numa_slice_end(a.nv);
    for (unsigned s = 0; s < NUMA_WS_WINDOW; s++)
        assert_true(sample_slice(&a, 5));
    assert_int_equal(a.nv->ws_resets, 1);
    assert_false(sample_slice(&a, 5)); /* then the gap doubles again from 1 */
    assert_true(sample_slice(&a, 5));
    /* the vCPU put on another node: the same */
    while (a.nv->gap < 16)
        sample_slice(&a, 5);
    while (!sample_slice(&a, 5))
        ;
    assert_false(sample_slice(&a, 5));
    assert_int_equal(numa_vm_set_node(a.nv, 0, 2), 0);
    assert_int_equal(numa_vm_set_node(a.nv, 2, 2), -EINVAL); /* two vCPUs */
    assert_int_equal(numa_vm_set_node(a.nv, 0, 4), -EINVAL); /* four nodes */
    assert_false(sample_slice(&a, 5)); /* this slice had begun */
    for (unsigned s = 0; s < NUMA_WS_WINDOW; s++)
        assert_true(sample_slice(&a, 5));
    for (unsigned k = 0; k < NSHARED; k++)
        machmem_put(&mm, shared[k]);
    vm_free(&a);
    free_pool();
}

/* A VM whose two vCPUs are on two nodes (an SMP guest split, --numa-node N,vcpus=A:B): each
 * vCPU's accesses are local or remote by its own node, a page both reach counts as shared, the
 * policy moves a private page to the node of the vCPU that uses it, and the report names each
 * vCPU's node. */
static void test_vcpu_nodes(void **state)
{
    (void)state;
    make_pool(NUMA_POLICY_MIGRATE);
    struct tvm a;
    vm_make(&a, 0);
    assert_int_equal(numa_vm_set_node(a.nv, 1, 2), 0);
    machmem_set_thread_node(0);
    assert_non_null(pmap_page(&a.p, 3, true, NULL)); /* on node 0 */
    assert_non_null(pmap_page(&a.p, 4, true, NULL));
    /* vCPU 0 (node 0) loads page 3 10 times, vCPU 1 (node 2) 30 times: 10 local, 30 remote */
    fill_entry(&a, 0, 3, true);
    fill_entry(&a, 1, 3, true);
    a.s[0]->cnt[MMU_KERNEL][stlb_index((gva_t)(CANON + 3 * MACH_PAGE_SIZE))].n[MMU_LOAD] = 10;
    a.s[1]->cnt[MMU_KERNEL][stlb_index((gva_t)(CANON + 3 * MACH_PAGE_SIZE))].n[MMU_LOAD] = 30;
    numa_fold_all(a.nv);
    struct numa_vm_report r;
    numa_vm_report(a.nv, &r);
    assert_int_equal(r.local, 10);
    assert_int_equal(r.remote, 30);
    assert_int_equal(r.acc[0], 40); /* by the memory's node */
    assert_int_equal(r.ncpus, 2);
    assert_int_equal(r.cpu_node[0], 0);
    assert_int_equal(r.cpu_node[1], 2);
    /* both reached it: shared (vCPU 0's 10 were folded first, before vCPU 1 had reached it) */
    assert_int_equal(r.shared_local, 0);
    assert_int_equal(r.shared_remote, 30);
    assert_int_equal(a.nv->stall_ns, 10 * 300 + 30 * 900);
    /* page 4, used only by vCPU 1 past the mark: the round moves it to node 2, not node 0 */
    fill_entry(&a, 1, 4, true);
    a.s[1]->cnt[MMU_KERNEL][stlb_index((gva_t)(CANON + 4 * MACH_PAGE_SIZE))].n[MMU_STORE] = NUMA_HOT;
    numa_fold_all(a.nv);
    numa_policy_round(a.nv, 8);
    assert_int_equal(node_of(pmap_lookup(&a.p, 4, NULL)), 2);
    /* page 3: 10 of 40 accesses from node 0 is more than a quarter: no node uses it mostly */
    assert_int_equal(node_of(pmap_lookup(&a.p, 3, NULL)), 0);
    numa_vm_report(a.nv, &r);
    assert_int_equal(r.shared_local + r.shared_remote, 30); /* page 4: one vCPU's, private */
    vm_free(&a);
    free_pool();
}

static void test_audit(void **state)
{
    (void)state;
    make_pool_audit(NUMA_POLICY_MIGRATE, 4, true);
    struct tvm a;
    vm_make(&a, 1);
    machmem_set_thread_node(1);
    assert_non_null(pmap_page(&a.p, 5, true, NULL));
    mpn_t m = pmap_lookup(&a.p, 5, NULL);
    /* every slice counts for the report (10 each); the policy's count of the page grows only in
     * the slices the sampling picks, by their weight: 1, 1, 2 (slices 0, 1 and 3) */
    static const unsigned policy_adds[4] = {10, 10, 0, 20};
    for (unsigned s = 0; s < 4; s++) {
        uint32_t before = numa_page_count(mm.numa, m, 1);
        assert_true(sample_slice(&a, 5));
        assert_int_equal(a.nv->acc[1], 10 * (s + 1));
        assert_int_equal(numa_page_count(mm.numa, m, 1) - before, policy_adds[s]);
    }
    vm_free(&a);
    free_pool();
}

static void test_hottest_first(void **state)
{
    (void)state;
    make_pool(NUMA_POLICY_MIGRATE);
    struct tvm a;
    vm_make(&a, 3);
    machmem_set_thread_node(0);
    /* pages 10..19 on node 0, hot from node 3: page 10 + k by NUMA_HOT + 10 k accesses, queued in
     * page order (the coldest first) */
    for (uint32_t g = 10; g < 20; g++) {
        assert_non_null(pmap_page(&a.p, g, true, NULL));
        fill_entry(&a, 0, g, true);
        a.s[0]->cnt[MMU_KERNEL][stlb_index((gva_t)(CANON + g * MACH_PAGE_SIZE))].n[MMU_LOAD] = NUMA_HOT + 10 * (g - 10);
        numa_fold_all(a.nv);
    }
    assert_int_equal(a.nv->n_cand, 10);
    numa_policy_round(a.nv, 3);
    for (uint32_t g = 10; g < 20; g++)
        assert_int_equal(node_of(pmap_lookup(&a.p, g, NULL)), g >= 17 ? 3 : 0);
    assert_int_equal(a.nv->n_cand, 7); /* the rest wait for the next round */
    vm_free(&a);
    free_pool();
}

#define DMA_PAGE 7
#define DMA_ROUNDS 300

static struct tvm dma_vm;
static atomic_int dma_done, dma_bad;
static atomic_uint dma_moves;

/* The I/O thread: each round pins the page for a write, fills it with the round's pattern,
 * unpins, and reads it back under a pin of its own. */
static void *dma_thread(void *arg)
{
    (void)arg;
    for (unsigned k = 0; k < DMA_ROUNDS; k++) {
        uint8_t *h = pmap_pin(&dma_vm.p, DMA_PAGE, true);
        if (!h) {
            atomic_fetch_add(&dma_bad, 1);
            break;
        }
        /* byte by byte, as a device's copy lands over time: a move that copied the page meanwhile
         * and still took it would drop the bytes stored after its copy */
        volatile uint8_t *vh = h;
        for (unsigned i = 0; i < MACH_PAGE_SIZE; i++)
            vh[i] = (uint8_t)k;
        pmap_unpin(&dma_vm.p, DMA_PAGE);
        /* read back by the next transfer (a disk write of the page: pinned too), after any moves */
        const uint8_t *r = pmap_pin(&dma_vm.p, DMA_PAGE, false);
        for (unsigned i = 0; r && i < MACH_PAGE_SIZE; i++)
            if (r[i] != (uint8_t)k) {
                atomic_fetch_add(&dma_bad, 1);
                break;
            }
        if (r)
            pmap_unpin(&dma_vm.p, DMA_PAGE);
        /* the next transfer after a move (or a while): on a loaded host this thread could
         * otherwise do all its rounds before the other one runs at all */
        unsigned m0 = atomic_load(&dma_moves);
        for (unsigned spin = 0; spin < 10000 && atomic_load(&dma_moves) == m0; spin++)
            sched_yield();
    }
    atomic_store(&dma_done, 1);
    return NULL;
}

static void test_dma_during_migration(void **state)
{
    (void)state;
    make_pool(NUMA_POLICY_MIGRATE);
    vm_make(&dma_vm, 2);
    machmem_set_thread_node(0);
    uint8_t *h = pmap_page(&dma_vm.p, DMA_PAGE, true, NULL);
    assert_non_null(h);
    const struct numa_stats *st = numa_stats_of(mm.numa);

    /* In order: pinned, the move is refused and the page stays; unpinned, it moves with the bytes. */
    uint8_t *d = pmap_pin(&dma_vm.p, DMA_PAGE, true);
    assert_non_null(d);
    mpn_t before = pmap_lookup(&dma_vm.p, DMA_PAGE, NULL);
    memset(d, 0x5A, MACH_PAGE_SIZE / 2);
    assert_int_equal(numa_migrate(dma_vm.nv, DMA_PAGE), -EBUSY);
    assert_int_equal(pmap_lookup(&dma_vm.p, DMA_PAGE, NULL), before);
    assert_int_equal(atomic_load(&st->moves_failed), 1);
    memset(d + MACH_PAGE_SIZE / 2, 0xA5, MACH_PAGE_SIZE / 2);
    pmap_unpin(&dma_vm.p, DMA_PAGE);
    assert_int_equal(numa_migrate(dma_vm.nv, DMA_PAGE), 0);
    mpn_t after = pmap_lookup(&dma_vm.p, DMA_PAGE, NULL);
    assert_int_not_equal(after, before);
    assert_int_equal(node_of(after), 2);
    const uint8_t *m = machmem_page(&mm, after);
    assert_int_equal(m[0], 0x5A);
    assert_int_equal(m[MACH_PAGE_SIZE / 2 - 1], 0x5A);
    assert_int_equal(m[MACH_PAGE_SIZE / 2], 0xA5);
    assert_int_equal(m[MACH_PAGE_SIZE - 1], 0xA5);

    /* Free-running: transfers on one thread, migrations of the same page on this one (the page's
     * node alternates between 0 and 2 so that every attempt has a move to make): every transfer's
     * bytes read back whole, and ThreadSanitizer (suite tsan) sees the pin and the move agree.
     * How often a move falls inside a transfer depends on the host's load; the ordered steps
     * above are what fail without the pin check in pmap_move. */
    pthread_t io;
    atomic_store(&dma_done, 0);
    assert_int_equal(pthread_create(&io, NULL, dma_thread, NULL), 0);
    unsigned moved = 0, refused = 0;
    while (!atomic_load(&dma_done)) {
        dma_vm.nv->node = dma_vm.nv->node == 2 ? 0 : 2;
        int rc = numa_migrate(dma_vm.nv, DMA_PAGE);
        if (rc == 0) {
            moved++;
            atomic_fetch_add(&dma_moves, 1);
            sched_yield(); /* the transfers go on */
        } else if (rc == -EBUSY)
            refused++;
        else
            atomic_fetch_add(&dma_bad, 1);
    }
    pthread_join(io, NULL);
    print_message("dma during migration: %u moves, %u refused while pinned\n", moved, refused);
    assert_int_equal(atomic_load(&dma_bad), 0);
    assert_true(moved > 0);
    vm_free(&dma_vm);
    free_pool();
}

/* A policy round's migrations in one batch (numa_migrate_batch, pmap_move_many): a run of
 * consecutive pages and a lone one move with their bytes to their nodes, every vCPU's entry of
 * each is shot down (an entry of a page not in the batch stays), the old pages are freed; a
 * copy-on-write page, a pinned page and a page named twice are left alone or moved once. */
static void test_migrate_batch(void **state)
{
    (void)state;
    make_pool(NUMA_POLICY_MIGRATE);
    struct tvm a;
    vm_make(&a, 0);
    machmem_set_thread_node(0);
    uint32_t pages[] = {20, 21, 22, 23, 40, 50, 60};
    mpn_t old[7];
    for (unsigned i = 0; i < 7; i++) {
        pattern(pmap_page(&a.p, pages[i], true, NULL), (uint8_t)pages[i]);
        old[i] = pmap_lookup(&a.p, pages[i], NULL);
        fill_entry(&a, 0, pages[i], true);
        fill_entry(&a, 1, pages[i], false);
    }
    assert_non_null(pmap_page(&a.p, 30, true, NULL)); /* not in the batch */
    fill_entry(&a, 0, 30, true);
    /* 50: copy-on-write (another VM's page); 60: a transfer in flight */
    struct tvm b;
    vm_make(&b, 1);
    assert_non_null(pmap_page(&b.p, 5, true, NULL));
    assert_int_equal(pmap_map_cow(&a.p, 50, pmap_lookup(&b.p, 5, NULL)), 0);
    assert_non_null(pmap_pin(&a.p, 60, true));
    uint32_t g[] = {23, 21, 40, 20, 22, 50, 60, 21};
    unsigned nodes[] = {3, 3, 2, 3, 3, 3, 3, 1};
    assert_int_equal(numa_migrate_batch(a.nv, g, nodes, 8), 5);
    uint8_t want[MACH_PAGE_SIZE];
    for (unsigned i = 0; i < 5; i++) {
        mpn_t m = pmap_lookup(&a.p, pages[i], NULL);
        assert_int_not_equal(m, old[i]);
        assert_int_equal(node_of(m), pages[i] == 40 ? 2 : 3); /* 21: the first node named */
        assert_int_equal(machmem_info(&mm, old[i]).refs, 0);
        pattern(want, (uint8_t)pages[i]);
        assert_memory_equal(machmem_page(&mm, m), want, MACH_PAGE_SIZE);
        assert_memory_equal(a.p.view + ((size_t)pages[i] << MACH_PAGE_BITS), want, MACH_PAGE_SIZE);
        assert_false(load_hits(&a, 0, pages[i]));
        assert_false(load_hits(&a, 1, pages[i]));
        assert_true(machmem_has_owner(&mm, m, MPAGE_OWNER(a.p.id, pages[i])));
    }
    assert_true(load_hits(&a, 0, 30));
    assert_int_equal(pmap_lookup(&a.p, 60, NULL), old[6]);
    assert_true(load_hits(&a, 0, 60));
    assert_int_equal(atomic_load(&numa_stats_of(mm.numa)->migrations), 5);
    /* a store through the view after the move lands in the new page */
    a.p.view[((size_t)21 << MACH_PAGE_BITS) + 9] = 0x77;
    assert_int_equal(machmem_page(&mm, pmap_lookup(&a.p, 21, NULL))[9], 0x77);
    pmap_unpin(&a.p, 60);
    vm_free(&b);
    vm_free(&a);
    free_pool();
}

/* vCPU i's fill of page g as the slow path makes it (shadow-mmu/memory.c): the VM's view, or
 * its node's replica read-only; the entry dropped again if a replica came or went meanwhile. */
static void vfill(struct tvm *v, int i, uint32_t g, bool writable)
{
    uint8_t *host = v->p.view + ((size_t)g << MACH_PAGE_BITS), *fill = host;
    uint32_t ppn = pmap_ppn(&v->p, g);
    numa_replica_fill(v->nv, (unsigned)i, ppn, &fill, &writable);
    stlb_fill(v->s[i], MMU_KERNEL, (gva_t)(CANON + ((uint64_t)g << MACH_PAGE_BITS)), fill, ppn, writable);
    if (numa_replica_recheck(v->nv, (unsigned)i, ppn, fill != host, writable))
        stlb_flush_ppns(v->s[i], ppn, 1);
}

/* The host address vCPU i's entry gives for byte off of page g (its addend), NULL on a miss. */
static uint8_t *entry_host(const struct tvm *v, int i, uint32_t g, unsigned off)
{
    gva_t va = (gva_t)(CANON + ((uint64_t)g << MACH_PAGE_BITS));
    const struct stlb_entry *e = &v->s[i]->e[MMU_KERNEL][stlb_index(va)];
    if (__atomic_load_n(&e->tag_read, __ATOMIC_RELAXED) != (va & STLB_PAGE_MASK))
        return NULL;
    return (uint8_t *)(uintptr_t)(va + off + e->addend);
}

static bool store_hits(const struct tvm *v, int i, uint32_t g)
{
    gva_t va = (gva_t)(CANON + ((uint64_t)g << MACH_PAGE_BITS));
    return v->s[i]->e[MMU_KERNEL][stlb_index(va)].tag_write == (va & STLB_PAGE_MASK);
}

/* Per-vCPU replicas inside one VM (numa/vreplica.c): a VM with vCPU 0 on node 0 and vCPU 1 on
 * node 1; a page of node 0 both read gets a replica on node 1, which vCPU 1 fills from (read-only,
 * charged local) while vCPU 0 keeps the VM's page (read-only too); a store by vCPU 0 takes the
 * replica back before it lands: vCPU 1's entry is gone, its refill and even a load already past
 * its probe (the replica's old view address) read the new value, the replica is freed. The same
 * for a page shared copy-on-write with another VM (the store breaks it: the other VM keeps the
 * old bytes), a page a DMA transfer holds is refused, and the policy replicates a page read from
 * both nodes and never written. */
static void test_vcpu_replicas(void **state)
{
    (void)state;
    make_pool(NUMA_POLICY_REPLICATE);
    struct tvm a, b;
    vm_make(&a, 0);
    vm_make(&b, 2);
    assert_int_equal(numa_vm_set_node(a.nv, 1, 1), 0);
    machmem_set_thread_node(0);
    uint8_t *h = pmap_page(&a.p, 7, true, NULL);
    pattern(h, 0x31);
    mpn_t m = pmap_lookup(&a.p, 7, NULL);
    vfill(&a, 0, 7, true);
    vfill(&a, 1, 7, true);
    assert_true(store_hits(&a, 0, 7) && store_hits(&a, 1, 7));
    assert_int_equal(numa_vreplicate(a.nv, 7, 0), -EEXIST); /* the VM's page is on node 0 */
    assert_int_equal(numa_vreplicate(a.nv, 7, 1), 0);
    mpn_t r = numa_vreplica_of(a.nv, 1, 7);
    assert_int_not_equal(r, MPN_NONE);
    assert_int_equal(node_of(r), 1);
    assert_int_equal(pmap_lookup(&a.p, 7, NULL), m);
    assert_memory_equal(machmem_page(&mm, r), h, MACH_PAGE_SIZE);
    assert_false(load_hits(&a, 0, 7)); /* every writable entry of the page went */
    assert_false(load_hits(&a, 1, 7));
    vfill(&a, 0, 7, true);
    vfill(&a, 1, 7, true);
    assert_true(load_hits(&a, 0, 7) && load_hits(&a, 1, 7));
    assert_false(store_hits(&a, 0, 7)); /* read-only for both: a store takes the slow path */
    assert_false(store_hits(&a, 1, 7));
    assert_ptr_equal(entry_host(&a, 0, 7, 0), h);
    uint8_t *rh = entry_host(&a, 1, 7, 0);
    assert_ptr_not_equal(rh, h); /* vCPU 1 reads its node's copy */
    assert_int_equal(rh[5], h[5]);
    /* vCPU 1's reads are local now: 40 of them, charged to node 1 */
    a.s[1]->cnt[MMU_KERNEL][stlb_index((gva_t)(CANON + 7 * MACH_PAGE_SIZE))].n[MMU_LOAD] = 40;
    numa_fold_all(a.nv);
    struct numa_vm_report rep;
    numa_vm_report(a.nv, &rep);
    assert_int_equal(rep.local, 40);
    assert_int_equal(rep.remote, 0);

    /* vCPU 0 stores (its slow path asks for the page to write): the replica goes first */
    uint8_t *w = pmap_page(&a.p, 7, true, NULL);
    assert_ptr_equal(w, h);
    w[5] = 0xEE;
    assert_int_equal(numa_vreplica_of(a.nv, 1, 7), MPN_NONE);
    assert_false(load_hits(&a, 1, 7));
    assert_int_equal(rh[5], 0xEE); /* a load past its probe reads the VM's page */
    vfill(&a, 1, 7, false);
    assert_ptr_equal(entry_host(&a, 1, 7, 0), h);
    assert_int_equal(entry_host(&a, 1, 7, 5)[0], 0xEE);
    assert_int_equal(machmem_info(&mm, r).refs, 0);
    assert_false(pmap_replicated(&a.p, 7));
    vfill(&a, 0, 7, true);
    assert_true(store_hits(&a, 0, 7)); /* writable again */

    /* a page VM b shares with a copy-on-write: a's store breaks it, b keeps the old bytes */
    pattern(pmap_page(&b.p, 3, true, NULL), 0x44);
    assert_int_equal(pmap_map_cow(&a.p, 9, pmap_lookup(&b.p, 3, NULL)), 0);
    assert_int_equal(numa_vreplicate(a.nv, 9, 1), 0);
    vfill(&a, 1, 9, false);
    rh = entry_host(&a, 1, 9, 0);
    assert_int_equal(rh[1], (uint8_t)(0x44 + 13));
    pmap_page(&a.p, 9, true, NULL)[1] = 0x99;
    assert_false(load_hits(&a, 1, 9));
    vfill(&a, 1, 9, false);
    assert_int_equal(entry_host(&a, 1, 9, 1)[0], 0x99);
    assert_int_equal(pmap_page(&b.p, 3, false, NULL)[1], (uint8_t)(0x44 + 13));

    /* pinned for a transfer: refused */
    assert_non_null(pmap_page(&a.p, 11, true, NULL));
    assert_non_null(pmap_pin(&a.p, 11, true));
    assert_int_equal(numa_vreplicate(a.nv, 11, 1), -EBUSY);
    pmap_unpin(&a.p, 11);

    /* the policy: page 12 of node 0, read 64 times from each node, never written */
    assert_non_null(pmap_page(&a.p, 12, true, NULL));
    vfill(&a, 0, 12, false);
    vfill(&a, 1, 12, false);
    a.s[0]->cnt[MMU_KERNEL][stlb_index((gva_t)(CANON + 12 * MACH_PAGE_SIZE))].n[MMU_LOAD] = NUMA_HOT;
    a.s[1]->cnt[MMU_KERNEL][stlb_index((gva_t)(CANON + 12 * MACH_PAGE_SIZE))].n[MMU_LOAD] = NUMA_HOT;
    numa_fold_all(a.nv);
    numa_policy_round(a.nv, 8);
    assert_int_not_equal(numa_vreplica_of(a.nv, 1, 12), MPN_NONE);
    assert_int_equal(node_of(pmap_lookup(&a.p, 12, NULL)), 0); /* not migrated: both read it */
    vm_free(&b);
    vm_free(&a);
    free_pool();
}

/* The same store against a vCPU reading on another thread, round after round: the page is
 * replicated (the reader waits, as a held vCPU does), then the reader reads through its entry
 * (refilling on a miss) while the writer stores the round's number; once the writer says the
 * store is done, the reader's next read must show it (never an older copy). */
static struct tvm rvm;
static pthread_barrier_t rbar;
static _Atomic uint32_t rstored;
static _Atomic unsigned rstale;
#define RROUNDS 200
#define RPAGE 20

/* Guest memory as translated code reads and writes it: not the monitor's state (no TSan, as
 * shadow-mmu/physmap.c's host_copy), one aligned word at a time. */
static MEM_NO_TSAN uint32_t guest_word_load(const uint8_t *p)
{
    return *(const volatile uint32_t *)p;
}

static MEM_NO_TSAN void guest_word_store(uint8_t *p, uint32_t v)
{
    *(volatile uint32_t *)p = v;
}

static uint32_t rread(void)
{
    uint8_t *p = entry_host(&rvm, 1, RPAGE, 0);
    if (!p) {
        vfill(&rvm, 1, RPAGE, false);
        p = entry_host(&rvm, 1, RPAGE, 0);
        if (!p)
            p = rvm.p.view + ((size_t)RPAGE << MACH_PAGE_BITS);
    }
    return guest_word_load(p);
}

static void *replica_reader(void *arg)
{
    (void)arg;
    for (uint32_t round = 1; round <= RROUNDS; round++) {
        pthread_barrier_wait(&rbar); /* replicated */
        for (;;) {
            uint32_t done = atomic_load(&rstored);
            uint32_t v = rread();
            if (v < done) {
                atomic_fetch_add(&rstale, 1); /* an older copy after the store: never again */
                break;
            }
            if (v == round)
                break;
        }
        pthread_barrier_wait(&rbar);
    }
    return NULL;
}

static void test_vcpu_replica_threads(void **state)
{
    (void)state;
    make_pool(NUMA_POLICY_REPLICATE);
    vm_make(&rvm, 0);
    assert_int_equal(numa_vm_set_node(rvm.nv, 1, 1), 0);
    machmem_set_thread_node(0);
    assert_non_null(pmap_page(&rvm.p, RPAGE, true, NULL));
    pthread_barrier_init(&rbar, NULL, 2);
    atomic_store(&rstored, 0);
    atomic_store(&rstale, 0);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, replica_reader, NULL), 0);
    unsigned made = 0;
    for (uint32_t round = 1; round <= RROUNDS; round++) {
        made += numa_vreplicate(rvm.nv, RPAGE, 1) == 0;
        pthread_barrier_wait(&rbar);
        for (volatile int spin = 0; spin < (int)(round % 7) * 1000; spin++)
            ;
        uint8_t *w = pmap_page(&rvm.p, RPAGE, true, NULL);
        guest_word_store(w, round);
        atomic_store(&rstored, round);
        pthread_barrier_wait(&rbar);
    }
    pthread_join(t, NULL);
    pthread_barrier_destroy(&rbar);
    print_message("vcpu replicas: %u made, %u stale reads\n", made, atomic_load(&rstale));
    assert_int_equal(made, RROUNDS);
    assert_int_equal(atomic_load(&rstale), 0);
    vm_free(&rvm);
    free_pool();
}

/* Counts n loads of page g by vCPU 0 in one slice of v (its entry filled, then folded). */
static void count_loads(struct tvm *v, uint32_t g, uint32_t n)
{
    numa_slice_begin(v->nv);
    fill_entry(v, 0, g, true);
    v->s[0]->cnt[MMU_KERNEL][stlb_index((gva_t)(CANON + ((uint64_t)g << MACH_PAGE_BITS)))].n[MMU_LOAD] = n;
    numa_slice_end(v->nv);
}

/* The pages follow the vCPUs: a VM put on another node has the pages counted in its last
 * NUMA_FOLLOW_SLICES slices moved there at its next slice end (same bytes, entries shot down),
 * not the ones it has not counted lately; under delay=on a remote access that queues a page of a
 * one-node VM asks for the slice's end, and the round moves the page although its past
 * accesses, from the VM's old node, outnumber the new ones. */
static void test_follow(void **state)
{
    (void)state;
    assert_int_equal(machmem_init(&mm, 2048 * MACH_PAGE_SIZE), 0);
    struct numa_config cfg = {.nodes = 4, .cpus_per_node = 1, .local_ns = 300, .remote_ns = 900,
                              .policy = NUMA_POLICY_MIGRATE, .delay = true};
    assert_int_equal(numa_create(&mm, &cfg), 0);
    struct tvm a;
    vm_make(&a, 0);
    machmem_set_thread_node(0);
    for (uint32_t g = 4; g < 9; g++)
        pattern(pmap_page(&a.p, g, true, NULL), (uint8_t)g);
    count_loads(&a, 7, 10); /* long ago */
    for (unsigned s = 0; s < NUMA_FOLLOW_SLICES + 1; s++) {
        numa_slice_begin(a.nv);
        numa_slice_end(a.nv);
    }
    count_loads(&a, 4, 10);
    count_loads(&a, 5, 1);
    count_loads(&a, 8, 1000);
    mpn_t old4 = pmap_lookup(&a.p, 4, NULL);
    fill_entry(&a, 1, 4, true);
    assert_int_equal(node_of(pmap_lookup(&a.p, 6, NULL)), 0);
    assert_int_equal(numa_vm_set_node(a.nv, -1, 2), 0);
    /* before its slice end: page 8 read from node 2 under delay=on; the access that queues it
     * ends the slice */
    unsigned ends = 0;
    for (unsigned k = 0; k < NUMA_HOT; k++) {
        bool end = false;
        assert_true(numa_delay_access(a.nv, 0, pmap_ppn(&a.p, 8), false, &end));
        ends += end;
        assert_true(end == (k == NUMA_HOT - 1));
    }
    assert_int_equal(ends, 1);
    numa_policy_round(a.nv, 8);
    assert_int_equal(node_of(pmap_lookup(&a.p, 8, NULL)), 2);
    assert_false(numa_delay_access(a.nv, 0, pmap_ppn(&a.p, 8), false, NULL)); /* local now */
    /* the next slice end: 4 and 5 follow, 6 (never counted) and 7 (not lately) stay */
    numa_slice_begin(a.nv);
    numa_slice_end(a.nv);
    assert_int_equal(node_of(pmap_lookup(&a.p, 4, NULL)), 2);
    assert_int_equal(node_of(pmap_lookup(&a.p, 5, NULL)), 2);
    assert_int_equal(node_of(pmap_lookup(&a.p, 6, NULL)), 0);
    assert_int_equal(node_of(pmap_lookup(&a.p, 7, NULL)), 0);
    assert_int_equal(a.nv->followed, 2);
    assert_int_equal(machmem_info(&mm, old4).refs, 0);
    assert_false(load_hits(&a, 1, 4));
    uint8_t want[MACH_PAGE_SIZE];
    for (uint32_t g = 4; g < 9; g++) {
        pattern(want, (uint8_t)g);
        assert_memory_equal(pmap_page(&a.p, g, false, NULL), want, MACH_PAGE_SIZE);
    }
    /* nothing more follows at later slice ends */
    numa_slice_begin(a.nv);
    numa_slice_end(a.nv);
    assert_int_equal(a.nv->followed, 2);
    vm_free(&a);
    free_pool();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_first_touch_and_round_robin),
        cmocka_unit_test(test_fold_and_model),
        cmocka_unit_test(test_migrate),
        cmocka_unit_test(test_replicate_and_collapse),
        cmocka_unit_test(test_requeue_after_remap),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_sampled_counting),
        cmocka_unit_test(test_new_working_set),
        cmocka_unit_test(test_vcpu_nodes),
        cmocka_unit_test(test_audit),
        cmocka_unit_test(test_hottest_first),
        cmocka_unit_test(test_dma_during_migration),
        cmocka_unit_test(test_migrate_batch),
        cmocka_unit_test(test_vcpu_replicas),
        cmocka_unit_test(test_vcpu_replica_threads),
        cmocka_unit_test(test_follow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
