/*
 * --mem-limit: overcommit with a bound. The monitor may run VMs whose RAM sums past the host's
 * memory, since a guest page costs machine memory only once touched (and nothing again once a
 * balloon or free-page reporting gave it back). With a limit, a thread looks at the pool's
 * machine pages in use (struct machmem in_use: every VM's pages, the buffer cache, the shared
 * poison runs) five times a second. Above the high mark (the limit less 1/16 of it) it asks
 * balloons for enough to come back to the low mark (less 1/8), VM by VM, the VM with the most
 * reclaimable memory first: what the guest's driver last reported free (the balloon's stats,
 * asked for at every look) and the VM holds in machine pages, whichever is smaller, which
 * is the largest idle memory; a VM keeps at least RESERVE_MIB. What balloons were asked for and
 * have not taken yet counts as on its way (a guest inflates about 1 MiB per update). Each request is one
 * `mvisor:` line on stderr. Balloons are never deflated here: the host does that with QMP
 * `balloon` when memory is back. VMs without a balloon are counted but cannot be asked.
 *
 * Threads: this one only reads atomics (the pool's count, the pmaps' entries, the balloons'
 * statistics) and posts balloon targets, which the VMs' vCPU threads carry out.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "devices/virtio/virtio.h"
#include "monitor/internal.h"
#include "monitor/memlimit.h"
#include "monitor/vmset.h"

#define PERIOD_MS 200
#define RESERVE_MIB 64 /* what a guest keeps whatever the limit (a 4kc-malta kernel and a shell
                           run out of memory below about 40 MiB) */
#define STEP_MIB 16 /* the smallest request */
#define MIB_PAGES (1u << (20 - MACH_PAGE_BITS))

struct memlimit {
    uint64_t limit_pages;
    struct vm **vms;
    unsigned n;
    struct machmem *mm;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool stop;
};

/* Pages of vm's guest RAM the pool holds for it. */
static uint64_t vm_pages(const struct vm *vm)
{
    uint64_t priv, shared;
    pmap_count(&vm->pmap, &priv, &shared);
    return priv + shared;
}

/* What vm could give back now (pages): the guest's free memory as its driver last said, bounded
 * by what it holds, less the target already asked for and not yet given. */
static uint64_t reclaimable(struct vm *vm, struct virtio_balloon *b)
{
    const struct virtio_balloon_stats *st = virtio_balloon_stats(b);
    if (!(atomic_load(&st->guest_tags) & (1u << 4))) /* VIRTIO_BALLOON_S_MEMFREE */
        return 0;
    uint64_t free_pages = atomic_load(&st->guest[4]) >> MACH_PAGE_BITS;
    uint64_t held = vm_pages(vm);
    uint64_t r = free_pages < held ? free_pages : held;
    uint32_t target = atomic_load(&st->target), actual = atomic_load(&st->actual);
    uint64_t pending = target > actual ? target - actual : 0;
    r = r > pending ? r - pending : 0;
    uint64_t ram = vm->ram_size >> MACH_PAGE_BITS, reserve = (uint64_t)RESERVE_MIB * MIB_PAGES;
    uint64_t room = ram > reserve + target ? ram - reserve - target : 0; /* the balloon's own bound */
    return r < room ? r : room;
}

static void look(struct memlimit *ml)
{
    for (unsigned i = 0; i < ml->n; i++) {
        struct virtio_balloon *b = ml->vms[i]->malta ? malta_virtio_balloon(ml->vms[i]->malta) : NULL;
        if (b)
            virtio_balloon_request_stats(b); /* fresh for the next look */
    }
    uint64_t used = atomic_load(&ml->mm->in_use);
    uint64_t high = ml->limit_pages - ml->limit_pages / 16, low = ml->limit_pages - ml->limit_pages / 8;
    if (used <= high)
        return;
    /* What balloons were asked for and have not taken yet is on its way. */
    uint64_t pending = 0;
    for (unsigned i = 0; i < ml->n; i++) {
        struct virtio_balloon *b = ml->vms[i]->malta ? malta_virtio_balloon(ml->vms[i]->malta) : NULL;
        if (!b)
            continue;
        uint32_t target = atomic_load(&virtio_balloon_stats(b)->target);
        uint32_t actual = atomic_load(&virtio_balloon_stats(b)->actual);
        pending += target > actual ? target - actual : 0;
    }
    if (used - low <= pending)
        return;
    uint64_t need = used - low - pending;
    bool asked[VMSET_MAX_VMS] = {false};
    while (need) {
        unsigned best = ml->n;
        uint64_t best_r = 0;
        for (unsigned i = 0; i < ml->n; i++) {
            struct virtio_balloon *b = ml->vms[i]->malta ? malta_virtio_balloon(ml->vms[i]->malta) : NULL;
            uint64_t r = b && !asked[i] ? reclaimable(ml->vms[i], b) : 0;
            if (r > best_r) {
                best_r = r;
                best = i;
            }
        }
        if (best == ml->n)
            return; /* nothing more to ask for now; the next look tries again */
        asked[best] = true;
        struct vm *vm = ml->vms[best];
        struct virtio_balloon *b = malta_virtio_balloon(vm->malta);
        /* At least STEP_MIB at a time (less only when that is all there is): a guest touches
         * pages while its balloon grows, so small steps would trail behind. */
        uint64_t want = need > (uint64_t)STEP_MIB * MIB_PAGES ? need : (uint64_t)STEP_MIB * MIB_PAGES;
        uint64_t give = best_r < want ? best_r : want;
        if (give < MIB_PAGES)
            return;
        uint32_t target = atomic_load(&virtio_balloon_stats(b)->target);
        virtio_balloon_request_target(b, target + (uint32_t)give);
        fprintf(stderr,
                "mvisor: --mem-limit %" PRIu64 " MiB: machine memory at %" PRIu64 " MiB; inflating %s's balloon by %" PRIu64
                " MiB (to %" PRIu64 " MiB)\n",
                ml->limit_pages / MIB_PAGES, used / MIB_PAGES, vm_name(vm), give / MIB_PAGES,
                ((uint64_t)target + give) / MIB_PAGES);
        need = give < need ? need - give : 0;
    }
}

static void *memlimit_main(void *arg)
{
    struct memlimit *ml = arg;
    pthread_mutex_lock(&ml->lock);
    while (!ml->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += PERIOD_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&ml->cond, &ml->lock, &ts);
        if (ml->stop)
            break;
        pthread_mutex_unlock(&ml->lock);
        look(ml);
        pthread_mutex_lock(&ml->lock);
    }
    pthread_mutex_unlock(&ml->lock);
    return NULL;
}

int memlimit_start(struct memlimit **out, uint64_t limit, struct vm **vms, unsigned n)
{
    *out = NULL;
    struct memlimit *ml = calloc(1, sizeof(*ml));
    if (!ml)
        return -ENOMEM;
    ml->limit_pages = limit >> MACH_PAGE_BITS;
    ml->vms = vms;
    ml->n = n < VMSET_MAX_VMS ? n : VMSET_MAX_VMS;
    ml->mm = machmem_default();
    pthread_mutex_init(&ml->lock, NULL);
    pthread_cond_init(&ml->cond, NULL);
    uint64_t ram = 0;
    unsigned without = 0;
    for (unsigned i = 0; i < ml->n; i++) {
        ram += vms[i]->ram_size;
        without += !(vms[i]->malta && malta_virtio_balloon(vms[i]->malta));
    }
    if (ram > limit)
        fprintf(stderr,
                "mvisor: --mem-limit %" PRIu64 " MiB: the VMs' RAM sums to %" PRIu64
                " MiB; balloons are inflated to stay under the limit%s\n",
                limit >> 20, ram >> 20, without ? " (VMs without a balloon cannot be asked)" : "");
    if (!ml->mm || pthread_create(&ml->thread, NULL, memlimit_main, ml) != 0) {
        pthread_mutex_destroy(&ml->lock);
        pthread_cond_destroy(&ml->cond);
        free(ml);
        return -EAGAIN;
    }
    *out = ml;
    return 0;
}

void memlimit_stop(struct memlimit *ml)
{
    if (!ml)
        return;
    pthread_mutex_lock(&ml->lock);
    ml->stop = true;
    pthread_cond_signal(&ml->cond);
    pthread_mutex_unlock(&ml->lock);
    pthread_join(ml->thread, NULL);
    pthread_mutex_destroy(&ml->lock);
    pthread_cond_destroy(&ml->cond);
    free(ml);
}
