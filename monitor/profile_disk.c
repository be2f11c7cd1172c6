/*
 * The disks' part of --profile and of QMP's query-blockstats / query-buffer-cache. Per drive:
 * its requests and bytes, the guest's FLUSH requests and the host flushes (fdatasync) they cost
 * (struct blk_stats: a raw image costs one host flush per guest flush, a qcow2 image one more per
 * metadata step it had to order, cache=unsafe none), and how its reads were served (mapped from
 * the monitor-wide buffer cache, copied out of it, read from the host into it by this drive,
 * read past it). Then the cache itself (pages held and its bound, hits, misses, bytes read from
 * host files, evictions).
 *
 * The buffer-cache counters are atomics any thread may read. The request and flush counters are
 * the I/O thread's: read at exit they are final; a SIGUSR1 profile reads them while requests may
 * still run, so those figures may be a request behind.
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>

#include "devices/block/block.h"
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

static const char *format_name(enum blk_format f)
{
    return f == BLK_FORMAT_QCOW2 ? "qcow2" : "raw";
}

static const char *cache_name(enum blk_cache c)
{
    switch (c) {
    case BLK_CACHE_NONE: return "none";
    case BLK_CACHE_UNSAFE: return "unsafe";
    case BLK_CACHE_WRITETHROUGH: return "writethrough";
    case BLK_CACHE_DIRECTSYNC: return "directsync";
    default: return "writeback";
    }
}

/* File names are the user's: printed with JSON's escapes for '"' and '\\'. */
static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const char *c = s; *c; c++) {
        if (*c == '"' || *c == '\\')
            fputc('\\', f);
        fputc((unsigned char)*c < 0x20 ? '?' : *c, f);
    }
    fputc('"', f);
}

static void disk_json(const struct vm *vm, unsigned i, FILE *f)
{
    const struct blk *b = vm->disk[i];
    const struct vm_drive *d = &vm->cfg.drives[vm->cfg.disks[i].drive];
    const struct blk_stats *s = &b->stats;
    double per = s->flushes ? (double)s->host_flushes / (double)s->flushes : 0.0;
    fprintf(f, "\n    {\"drive\": ");
    json_string(f, profile_disk_name(vm, i));
    fprintf(f, ", \"image\": ");
    json_string(f, d->base ? d->base : d->file);
    fprintf(f, ", \"overlay\": %s, \"format\": \"%s\", \"cache\": \"%s\", \"reads\": %" PRIu64
            ", \"writes\": %" PRIu64 ", \"discards\": %" PRIu64 ", \"bytes_read\": %" PRIu64
            ", \"bytes_written\": %" PRIu64 ", \"guest_flushes\": %" PRIu64 ", \"host_flushes\": %" PRIu64
            ", \"host_flushes_per_guest_flush\": %.4f, \"shared_reads\": %" PRIu64 ", \"mapped_bytes\": %" PRIu64
            ", \"copied_bytes\": %" PRIu64 ", \"host_bytes\": %" PRIu64 ", \"direct_bytes\": %" PRIu64 "}",
            d->base ? "true" : "false", format_name(b->format), cache_name(b->cache), s->reads, s->writes,
            s->discards, s->bytes_read, s->bytes_written, s->flushes, s->host_flushes, per,
            atomic_load(&b->share.reads), atomic_load(&b->share.mapped), atomic_load(&b->share.copied),
            atomic_load(&b->share.host), atomic_load(&b->share.direct));
}

static void disk_text(const struct vm *vm, unsigned i, FILE *f)
{
    const struct blk *b = vm->disk[i];
    const struct vm_drive *d = &vm->cfg.drives[vm->cfg.disks[i].drive];
    const struct blk_stats *s = &b->stats;
    double per = s->flushes ? (double)s->host_flushes / (double)s->flushes : 0.0;
    fprintf(f, "  vd%c %s%s (%s, cache=%s): reads %" PRIu64 " (%" PRIu64 " bytes), writes %" PRIu64 " (%" PRIu64
            " bytes), discards %" PRIu64 "; guest flushes %" PRIu64 ", host flushes %" PRIu64
            " (%.2f per guest flush)\n", 'a' + i, d->base ? d->base : d->file, d->base ? " via its overlay" : "",
            format_name(b->format), cache_name(b->cache), s->reads, s->bytes_read, s->writes, s->bytes_written,
            s->discards, s->flushes, s->host_flushes, per);
    fprintf(f, "      bytes read: %" PRIu64 " mapped from the buffer cache, %" PRIu64 " copied from it, %" PRIu64
            " read from the host into it, %" PRIu64 " read past it (%" PRIu64 " reads)\n",
            atomic_load(&b->share.mapped), atomic_load(&b->share.copied), atomic_load(&b->share.host),
            atomic_load(&b->share.direct), atomic_load(&b->share.reads));
}

void profile_disks(const struct vm *vm, FILE *f, bool json)
{
    struct bufcache_stats cs;
    bool cache = profile_buffer_cache(vm, &cs);
    if (json) {
        fprintf(f, "  \"disks\": [");
        bool first = true;
        for (unsigned i = 0; i < vm->cfg.ndisks && i < VM_MAX_DISKS; i++) {
            if (!vm->disk[i])
                continue;
            fprintf(f, "%s", first ? "" : ",");
            disk_json(vm, i, f);
            first = false;
        }
        fprintf(f, "%s],\n", first ? "" : "\n  ");
        fprintf(f, "  \"away_runs\": {\"now\": %" PRId64 ", \"limit\": %" PRId64 ", \"refused_pages\": %" PRIu64
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
    fprintf(f, "\ndisks (requests, bytes, guest flushes and the host flushes they cost; how reads were served)\n");
    for (unsigned i = 0; i < vm->cfg.ndisks && i < VM_MAX_DISKS; i++)
        if (vm->disk[i])
            disk_text(vm, i, f);
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
