/*
 * The disks' part of --profile and of QMP's query-blockstats / query-buffer-cache: per drive,
 * how its reads were served (mapped from the global buffer cache, copied out of it, read from
 * the host into it by this drive, read past it), and the monitor-wide cache (pages held and its
 * bound, hits, misses, bytes read from host files, evictions). The counters are atomics the
 * devices' threads bump, so any thread may report them.
 */
#include <inttypes.h>
#include <stdatomic.h>

#include "monitor/internal.h"
#include "shadow-mmu/bufcache.h"

const char *profile_disk_name(const struct vm *vm, unsigned i)
{
    const struct vm_drive *d = &vm->cfg.drives[vm->cfg.disks[i].drive];
    return d->id ? d->id : d->file;
}

bool profile_buffer_cache(const struct vm *vm, struct bufcache_stats *out)
{
    struct bufcache *bc = vm->mm ? vm->mm->bufcache : NULL;
    if (!bc)
        return false;
    bufcache_get_stats(bc, out);
    return true;
}

void profile_disks(const struct vm *vm, FILE *f, bool json)
{
    struct bufcache_stats cs;
    bool cache = profile_buffer_cache(vm, &cs);
    if (json) {
        fprintf(f, "  \"disks\": [");
        for (unsigned i = 0; i < vm->cfg.ndisks; i++) {
            const struct blk *b = vm->disk[i];
            if (!b)
                continue;
            fprintf(f, "%s{\"drive\": \"%s\", \"reads\": %" PRIu64 ", \"mapped_bytes\": %" PRIu64
                    ", \"copied_bytes\": %" PRIu64 ", \"host_bytes\": %" PRIu64 ", \"direct_bytes\": %" PRIu64 "}",
                    i ? ", " : "", profile_disk_name(vm, i), atomic_load(&b->share.reads),
                    atomic_load(&b->share.mapped), atomic_load(&b->share.copied), atomic_load(&b->share.host),
                    atomic_load(&b->share.direct));
        }
        fprintf(f, "],\n  \"away_runs\": {\"now\": %" PRId64 ", \"limit\": %" PRId64 ", \"refused_pages\": %" PRIu64
                "},\n", vm->mm ? atomic_load(&vm->mm->away_runs) : 0, vm->mm ? vm->mm->away_limit : 0,
                vm->mm ? atomic_load(&vm->mm->away_refused) : 0);
        fprintf(f, "  \"buffer_cache\": ");
        if (!cache) {
            fprintf(f, "null,\n");
            return;
        }
        fprintf(f, "{\"pages\": %" PRIu64 ", \"limit_pages\": %" PRIu64 ", \"hits\": %" PRIu64 ", \"misses\": %" PRIu64
                ", \"host_bytes\": %" PRIu64 ", \"host_reads\": %" PRIu64 ", \"evictions\": %" PRIu64
                ", \"evicted_mapped\": %" PRIu64 ", \"files\": %" PRIu64 "},\n", cs.pages, cs.limit, cs.hits, cs.misses,
                cs.host_bytes, cs.host_reads, cs.evictions, cs.evicted_mapped, cs.files);
        return;
    }
    if (vm->cfg.ndisks == 0)
        return;
    fprintf(f, "\ndisks (bytes read: mapped from the buffer cache / copied from it / read from the host into it "
            "/ read past it)\n");
    for (unsigned i = 0; i < vm->cfg.ndisks; i++) {
        const struct blk *b = vm->disk[i];
        if (b)
            fprintf(f, "  %-16s %" PRIu64 " reads: %" PRIu64 " mapped, %" PRIu64 " copied, %" PRIu64 " from the host, %"
                    PRIu64 " direct\n", profile_disk_name(vm, i), atomic_load(&b->share.reads),
                    atomic_load(&b->share.mapped), atomic_load(&b->share.copied), atomic_load(&b->share.host),
                    atomic_load(&b->share.direct));
    }
    if (vm->mm)
        fprintf(f, "  runs of pages mapped away from home (monitor-wide, each up to two host mappings): %" PRId64
                " of at most %" PRId64 "; %" PRIu64 " pages refused a copy-on-write mapping for it, copied instead\n",
                atomic_load(&vm->mm->away_runs), vm->mm->away_limit, atomic_load(&vm->mm->away_refused));
    if (cache)
        fprintf(f, "  buffer cache (monitor-wide): %" PRIu64 " of %" PRIu64 " pages; %" PRIu64 " hits, %" PRIu64
                " misses; %" PRIu64 " bytes in %" PRIu64 " reads from %" PRIu64 " host files; %" PRIu64
                " evictions (%" PRIu64 " still mapped by guests)\n", cs.pages, cs.limit, cs.hits, cs.misses,
                cs.host_bytes, cs.host_reads, cs.files, cs.evictions, cs.evicted_mapped);
    else
        fprintf(f, "  buffer cache: off\n");
}
