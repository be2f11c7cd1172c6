/*
 * Content-based page sharing: the scanner (shadow-mmu/pageshare.h).
 *
 * The scanner walks every VM's pmap in order, a batch of pages at a time
 * under the VM's gate, at most `rate` hashed pages per second. A page is
 * hashed with XXH3; only a page whose hash is the same at two visits in a
 * row is a candidate (the others change too often to be worth a
 * copy-on-write mapping), as ESX's hint frames and KSM's unstable tree do.
 * A candidate is looked up, by its 64-bit hash:
 *  - all zeroes: it maps the shared zero page;
 *  - in the stable table (hash -> shared machine page the scanner made and
 *    holds one reference of): it maps that page;
 *  - in the hint table (hash -> the one page seen with it this pass): if
 *    that page still holds the same bytes (compared, under its VM's gate
 *    too), a fresh machine page gets the bytes, both map it and it enters
 *    the stable table; else this page becomes the hint.
 * A VM's gate is taken at once while its vCPU runs no guest code, else at
 * the end of the vCPU's slice, which then waits for the scanner's batch
 * before it takes the gate back.
 * Every mapping goes through pmap_merge_page, which write-protects the
 * page, shoots down its software-TLB entries and compares the bytes before
 * it switches, so only equal bytes are ever merged. A store to a merged
 * page breaks copy-on-write in the pmap as for any shared page; the
 * scanner sees the page private again at its next visit, counts the break,
 * and leaves the page alone for 2, 4, ... 64 visits (a page written often
 * costs a copy per merge and saves nothing).
 *
 * Translations are keyed by guest-physical address and the bytes do not
 * change, so merging a page that holds code keeps its blocks; the software
 * TLB refills mark the page as code again.
 *
 * At the end of a pass the stable table forgets pages no guest maps any
 * more (their last reference goes); every few passes the hint table is
 * emptied.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

#include "shadow-mmu/pageshare.h"

#define BATCH 64          /* pages visited per hold of a VM's gate */
#define TICK_NS 10000000ull
#define HINT_PASSES 8     /* passes a hint lasts at most */
#define LEVEL_MAX 6       /* a page broken again and again is left alone for up to 2^6 visits */

enum { ST_SEEN = 1, ST_MERGED = 2, ST_LEVEL_SHIFT = 4 };

struct pageshare_vm {
    struct pageshare *ps;
    struct pmap *p;
    unsigned index;
    /* The gate: vCPUs inside a slice are counted (an SMP VM's vCPUs run slices on several
     * threads at once); the scanner holds it while none is inside. */
    pthread_mutex_t gate; /* inside and held */
    pthread_cond_t turn;  /* vCPUs wait here while the scanner wants or holds the gate */
    pthread_cond_t out;   /* the scanner waits here for the last vCPU to leave */
    unsigned inside;      /* vCPUs inside a slice */
    bool held;            /* the scanner holds the gate */
    _Atomic bool want;    /* the scanner waits for the gate: the vCPUs let it in first */
    uint32_t *hash;  /* per page: the last hash seen (low 32 bits) */
    uint8_t *state;  /* per page: ST_* and the back-off level */
    uint8_t *skip;   /* per page: visits still to skip */
};

/* An open-addressed table keyed by hash (0 stands for empty; a hash of 0 is taken as 1). */
struct slot {
    uint64_t h;
    uint32_t a, b; /* stable: a = machine page; hint: a = VM index, b = guest page; a = MPN_NONE: gone */
};
struct table {
    struct slot *s;
    uint32_t cap, used; /* used: slots ever filled since the last clear (tombstones included) */
};

struct pageshare {
    struct machmem *mm;
    uint32_t rate;
    pthread_mutex_t lock; /* everything below but the counters */
    struct pageshare_vm *vms[PAGESHARE_MAX_VMS];
    unsigned nvms;
    struct table stable, hint;
    unsigned cur_vm;
    uint32_t cur_page;
    mpn_t zero;
    uint64_t zero_hash;
    pthread_t thread;
    bool started;
    pthread_mutex_t sleep_lock;
    pthread_cond_t wake;
    bool stop;
    _Atomic uint64_t scanned, full_scans, merges, cow_breaks, volatile_skips, mismatches, refused, busy, cpu_ns;
};

static void count(_Atomic uint64_t *c, uint64_t n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

/* ---- tables ---- */

static uint64_t key(uint64_t h)
{
    return h ? h : 1;
}

static long table_find(const struct table *t, uint64_t h)
{
    if (!t->cap)
        return -1;
    h = key(h);
    for (uint32_t i = (uint32_t)h & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
        if (t->s[i].h == 0)
            return -1;
        if (t->s[i].h == h && t->s[i].a != MPN_NONE)
            return i;
    }
}

static int table_insert(struct table *t, uint64_t h, uint32_t a, uint32_t b);

static int table_grow(struct table *t)
{
    struct table n = {.cap = t->cap ? t->cap * 2 : 1024};
    n.s = calloc(n.cap, sizeof(*n.s));
    if (!n.s)
        return -ENOMEM;
    for (uint32_t i = 0; i < t->cap; i++)
        if (t->s[i].h && t->s[i].a != MPN_NONE)
            table_insert(&n, t->s[i].h, t->s[i].a, t->s[i].b);
    free(t->s);
    *t = n;
    return 0;
}

static int table_insert(struct table *t, uint64_t h, uint32_t a, uint32_t b)
{
    if ((t->used + 1) * 2 > t->cap && table_grow(t) < 0)
        return -ENOMEM;
    h = key(h);
    uint32_t i = (uint32_t)h & (t->cap - 1);
    while (t->s[i].h)
        i = (i + 1) & (t->cap - 1);
    t->s[i] = (struct slot){.h = h, .a = a, .b = b};
    t->used++;
    return 0;
}

static void table_clear(struct table *t)
{
    if (t->cap)
        memset(t->s, 0, t->cap * sizeof(*t->s));
    t->used = 0;
}

/* ---- setup ---- */

int pageshare_create(struct pageshare **out, struct machmem *mm, uint32_t rate)
{
    struct pageshare *ps = calloc(1, sizeof(*ps));
    if (!ps)
        return -ENOMEM;
    ps->mm = mm;
    ps->rate = rate ? rate : PAGESHARE_DEFAULT_RATE;
    ps->zero = machmem_alloc(mm); /* zeroed, one reference: the scanner's for good */
    if (ps->zero == MPN_NONE) {
        free(ps);
        return -ENOMEM;
    }
    machmem_set_flags(mm, ps->zero, MPAGE_SHARED, 0);
    static const uint8_t zeroes[MACH_PAGE_SIZE];
    ps->zero_hash = XXH3_64bits(zeroes, sizeof(zeroes));
    pthread_mutex_init(&ps->lock, NULL);
    pthread_mutex_init(&ps->sleep_lock, NULL);
    pthread_cond_init(&ps->wake, NULL);
    *out = ps;
    return 0;
}

void pageshare_destroy(struct pageshare *ps)
{
    if (!ps)
        return;
    pageshare_stop(ps);
    for (uint32_t i = 0; i < ps->stable.cap; i++)
        if (ps->stable.s[i].h && ps->stable.s[i].a != MPN_NONE)
            machmem_put(ps->mm, ps->stable.s[i].a);
    machmem_put(ps->mm, ps->zero);
    free(ps->stable.s);
    free(ps->hint.s);
    for (unsigned i = 0; i < ps->nvms; i++) {
        struct pageshare_vm *v = ps->vms[i];
        pthread_cond_destroy(&v->turn);
        pthread_cond_destroy(&v->out);
        pthread_mutex_destroy(&v->gate);
        free(v->hash);
        free(v->state);
        free(v->skip);
        free(v);
    }
    pthread_cond_destroy(&ps->wake);
    pthread_mutex_destroy(&ps->sleep_lock);
    pthread_mutex_destroy(&ps->lock);
    free(ps);
}

struct pageshare_vm *pageshare_add(struct pageshare *ps, struct pmap *p)
{
    struct pageshare_vm *v = calloc(1, sizeof(*v));
    if (!v)
        return NULL;
    v->ps = ps;
    v->p = p;
    v->hash = calloc(p->npages, sizeof(*v->hash));
    v->state = calloc(p->npages, 1);
    v->skip = calloc(p->npages, 1);
    pthread_mutex_lock(&ps->lock);
    bool ok = v->hash && v->state && v->skip && ps->nvms < PAGESHARE_MAX_VMS;
    if (ok) {
        pthread_mutex_init(&v->gate, NULL);
        pthread_cond_init(&v->turn, NULL);
        pthread_cond_init(&v->out, NULL);
        v->index = ps->nvms;
        ps->vms[ps->nvms++] = v;
    }
    pthread_mutex_unlock(&ps->lock);
    if (!ok) {
        free(v->hash);
        free(v->state);
        free(v->skip);
        free(v);
        return NULL;
    }
    return v;
}

/* A vCPU that runs slice after slice would enter again before the scanner ever saw its VM out of
 * guest code: while the scanner wants the gate, the vCPU waits its turn. */
void pageshare_enter(struct pageshare_vm *v)
{
    pthread_mutex_lock(&v->gate);
    while (v->held || atomic_load_explicit(&v->want, memory_order_acquire))
        pthread_cond_wait(&v->turn, &v->gate);
    v->inside++;
    pthread_mutex_unlock(&v->gate);
}

void pageshare_leave(struct pageshare_vm *v)
{
    pthread_mutex_lock(&v->gate);
    if (--v->inside == 0)
        pthread_cond_signal(&v->out);
    pthread_mutex_unlock(&v->gate);
}

/* The scanner takes v's gate if no vCPU of v is inside a slice; whether it did. */
static bool gate_try(struct pageshare_vm *v)
{
    pthread_mutex_lock(&v->gate);
    bool ok = !v->inside && !v->held;
    if (ok)
        v->held = true;
    pthread_mutex_unlock(&v->gate);
    return ok;
}

struct pageshare *pageshare_of(const struct pageshare_vm *v)
{
    return v->ps;
}

mpn_t pageshare_zero_page(const struct pageshare *ps)
{
    return ps->zero;
}

/* ---- the scan ---- */

static const uint8_t *view_page(const struct pageshare_vm *v, uint32_t g)
{
    return v->p->view + ((size_t)g << MACH_PAGE_BITS);
}

static bool page_is_zero(const uint8_t *page)
{
    const uint64_t *w = (const uint64_t *)page;
    for (unsigned i = 0; i < MACH_PAGE_SIZE / 8; i++)
        if (w[i])
            return false;
    return true;
}

/* Takes v's gate (the scanner's lock held): at once if its vCPU runs no guest code, else at the
 * end of its slice, without the scanner's lock meanwhile (so query-sharing does not wait for a
 * slice). Only the scanner thread changes what that lock guards, and no vCPU takes it, so it may
 * be taken again with the gate held. */
static void gate_take(struct pageshare *ps, struct pageshare_vm *v)
{
    if (gate_try(v))
        return;
    count(&ps->busy, 1);
    pthread_mutex_unlock(&ps->lock);
    pthread_mutex_lock(&v->gate);
    atomic_store_explicit(&v->want, true, memory_order_release);
    while (v->inside || v->held)
        pthread_cond_wait(&v->out, &v->gate);
    v->held = true;
    atomic_store_explicit(&v->want, false, memory_order_relaxed);
    pthread_mutex_unlock(&v->gate);
    pthread_mutex_lock(&ps->lock);
}

static void gate_give(struct pageshare_vm *v)
{
    pthread_mutex_lock(&v->gate);
    v->held = false;
    pthread_cond_broadcast(&v->turn);
    pthread_mutex_unlock(&v->gate);
}

/* Maps m at page g of v (its gate held); whether it did. */
static bool merge(struct pageshare *ps, struct pageshare_vm *v, uint32_t g, mpn_t m)
{
    int rc = pmap_merge_page(v->p, g, m);
    if (rc == 0) {
        v->state[g] |= ST_MERGED;
        count(&ps->merges, 1);
        return true;
    }
    count(rc == -ENOSPC ? &ps->refused : &ps->mismatches, 1);
    return false;
}

/* Page wg of w (the hint) and page g of v hold the same bytes h: both map one fresh page. Fresh
 * from the pool's never-used end: the pairs of a pass come in guest-page order (identical
 * kernels' images, page after page), so their shared pages are consecutive and each VM maps a
 * run of them as one host mapping; from freed pages, 16 clones of one kernel layout held a
 * mapping per merged page and ran into the host's vm.max_map_count (14,876 merges refused). */
static void merge_pair(struct pageshare *ps, struct pageshare_vm *v, uint32_t g, struct pageshare_vm *w,
                       uint32_t wg, uint64_t h)
{
    mpn_t s = machmem_alloc_fresh(ps->mm);
    if (s == MPN_NONE)
        return;
    memcpy(machmem_page(ps->mm, s), view_page(v, g), MACH_PAGE_SIZE);
    bool a = merge(ps, v, g, s), b = merge(ps, w, wg, s);
    if ((a || b) && table_insert(&ps->stable, h, s, 0) == 0)
        return; /* the table keeps the allocation's reference */
    machmem_put(ps->mm, s);
}

static void visit(struct pageshare *ps, struct pageshare_vm *v, uint32_t g, uint32_t *hashed)
{
    bool cow;
    mpn_t e = pmap_lookup(v->p, g, &cow);
    uint8_t st = v->state[g];
    if (e == PMAP_NONE) {
        v->state[g] = st & (uint8_t)~(ST_SEEN | ST_MERGED);
        return;
    }
    if (cow)
        return; /* shared already (by this scanner or the buffer cache) */
    if (st & ST_MERGED) {
        /* A store took it back: leave it alone for a while, longer each time. */
        unsigned level = st >> ST_LEVEL_SHIFT;
        if (level < LEVEL_MAX)
            level++;
        st = (uint8_t)(level << ST_LEVEL_SHIFT);
        v->state[g] = st;
        v->skip[g] = (uint8_t)(1u << level);
        count(&ps->cow_breaks, 1);
    }
    if (v->skip[g]) {
        v->skip[g]--;
        count(&ps->volatile_skips, 1);
        return;
    }
    const uint8_t *page = view_page(v, g);
    uint64_t h = XXH3_64bits(page, MACH_PAGE_SIZE);
    (*hashed)++;
    if (!(st & ST_SEEN) || v->hash[g] != (uint32_t)h) {
        v->hash[g] = (uint32_t)h;
        v->state[g] = st | ST_SEEN;
        return;
    }
    if (h == ps->zero_hash && page_is_zero(page)) {
        merge(ps, v, g, ps->zero);
        return;
    }
    long i = table_find(&ps->stable, h);
    if (i >= 0) {
        merge(ps, v, g, ps->stable.s[i].a);
        return;
    }
    i = table_find(&ps->hint, h);
    if (i < 0) {
        table_insert(&ps->hint, h, v->index, g);
        return;
    }
    struct pageshare_vm *w = ps->vms[ps->hint.s[i].a];
    uint32_t wg = ps->hint.s[i].b;
    if (w == v && wg == g)
        return;
    /* The other VM's gate only if it is free: waiting for its slice would hold this VM's vCPU
     * as long. If it runs, this page becomes the hint, and that page finds it when its own
     * VM's turn comes (hints last several passes for that). */
    if (w != v && !gate_try(w)) {
        count(&ps->busy, 1);
        ps->hint.s[i].a = v->index;
        ps->hint.s[i].b = g;
        return;
    }
    ps->hint.s[i].a = MPN_NONE;
    bool wcow;
    mpn_t we = pmap_lookup(w->p, wg, &wcow);
    if (we != PMAP_NONE && !wcow && memcmp(view_page(w, wg), page, MACH_PAGE_SIZE) == 0)
        merge_pair(ps, v, g, w, wg, h);
    else
        table_insert(&ps->hint, h, v->index, g);
    if (w != v)
        gate_give(w);
}

/* The end of a pass: shared pages no guest maps go; every HINT_PASSES passes hints start over
 * (a hint is checked against the page's bytes when it is used, so an old one costs a compare). */
static void pass_end(struct pageshare *ps)
{
    if (atomic_fetch_add_explicit(&ps->full_scans, 1, memory_order_relaxed) % HINT_PASSES == HINT_PASSES - 1)
        table_clear(&ps->hint);
    struct table keep = {0};
    for (uint32_t i = 0; i < ps->stable.cap; i++) {
        struct slot *s = &ps->stable.s[i];
        if (!s->h || s->a == MPN_NONE)
            continue;
        if (machmem_info(ps->mm, s->a).refs <= 1 || table_insert(&keep, s->h, s->a, 0) < 0)
            machmem_put(ps->mm, s->a);
    }
    free(ps->stable.s);
    ps->stable = keep;
}

uint32_t pageshare_scan(struct pageshare *ps, uint32_t n)
{
    uint32_t looked = 0, hashed = 0;
    pthread_mutex_lock(&ps->lock);
    /* Never-touched pages cost a load each: a bound on them too. */
    while (ps->nvms && hashed < n && looked < n * 16) {
        if (ps->cur_vm >= ps->nvms) {
            pass_end(ps);
            ps->cur_vm = 0;
            ps->cur_page = 0;
        }
        struct pageshare_vm *v = ps->vms[ps->cur_vm];
        gate_take(ps, v);
        for (unsigned k = 0; k < BATCH && ps->cur_page < v->p->npages && hashed < n; k++, looked++)
            visit(ps, v, ps->cur_page++, &hashed);
        gate_give(v);
        if (ps->cur_page >= v->p->npages) {
            ps->cur_vm++;
            ps->cur_page = 0;
        }
    }
    pthread_mutex_unlock(&ps->lock);
    count(&ps->scanned, hashed);
    return looked;
}

static uint64_t now_ns(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *scanner(void *arg)
{
    struct pageshare *ps = arg;
    uint64_t last = now_ns(CLOCK_MONOTONIC);
    double credit = 0;
    pthread_mutex_lock(&ps->sleep_lock);
    while (!ps->stop) {
        struct timespec until;
        uint64_t at = now_ns(CLOCK_REALTIME) + TICK_NS;
        until.tv_sec = (time_t)(at / 1000000000ull);
        until.tv_nsec = (long)(at % 1000000000ull);
        pthread_cond_timedwait(&ps->wake, &ps->sleep_lock, &until);
        if (ps->stop)
            break;
        pthread_mutex_unlock(&ps->sleep_lock);
        uint64_t t = now_ns(CLOCK_MONOTONIC);
        credit += (double)ps->rate * (double)(t - last) / 1e9;
        last = t;
        if (credit > ps->rate / 10.0 + 1)
            credit = ps->rate / 10.0 + 1; /* a stall is not made up for in one burst */
        uint32_t n = (uint32_t)credit;
        if (n) {
            credit -= n;
            pageshare_scan(ps, n);
        }
        atomic_store_explicit(&ps->cpu_ns, now_ns(CLOCK_THREAD_CPUTIME_ID), memory_order_relaxed);
        pthread_mutex_lock(&ps->sleep_lock);
    }
    pthread_mutex_unlock(&ps->sleep_lock);
    return NULL;
}

int pageshare_start(struct pageshare *ps)
{
    if (ps->started)
        return 0;
    ps->stop = false;
    int rc = pthread_create(&ps->thread, NULL, scanner, ps);
    if (rc)
        return -rc;
    ps->started = true;
    return 0;
}

void pageshare_stop(struct pageshare *ps)
{
    if (!ps->started)
        return;
    pthread_mutex_lock(&ps->sleep_lock);
    ps->stop = true;
    pthread_cond_signal(&ps->wake);
    pthread_mutex_unlock(&ps->sleep_lock);
    pthread_join(ps->thread, NULL);
    ps->started = false;
}

void pageshare_get_stats(struct pageshare *ps, struct pageshare_stats *out)
{
    memset(out, 0, sizeof(*out));
    out->rate = ps->rate;
    out->scanned = atomic_load(&ps->scanned);
    out->full_scans = atomic_load(&ps->full_scans);
    out->merges = atomic_load(&ps->merges);
    out->cow_breaks = atomic_load(&ps->cow_breaks);
    out->volatile_skips = atomic_load(&ps->volatile_skips);
    out->mismatches = atomic_load(&ps->mismatches);
    out->refused = atomic_load(&ps->refused);
    out->busy = atomic_load(&ps->busy);
    out->cpu_ns = atomic_load(&ps->cpu_ns);
    pthread_mutex_lock(&ps->lock);
    for (uint32_t i = 0; i < ps->stable.cap; i++) {
        const struct slot *s = &ps->stable.s[i];
        if (!s->h || s->a == MPN_NONE)
            continue;
        uint32_t refs = machmem_info(ps->mm, s->a).refs;
        out->frames++;
        out->sharing += refs - 1; /* one is the table's */
    }
    out->zero_pages = machmem_info(ps->mm, ps->zero).refs - 1;
    pthread_mutex_unlock(&ps->lock);
    out->saved = (int64_t)out->sharing - (int64_t)out->frames + (int64_t)out->zero_pages - (out->zero_pages > 0);
}
