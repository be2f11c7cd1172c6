/*
 * --profile's disk part: for each virtio disk, its requests and bytes, the guest's FLUSH
 * requests and the host flushes (fdatasync) they cost, as devices/block counts them
 * (struct blk_stats). A raw image costs one host flush per guest flush, a qcow2 image one more
 * per metadata step it had to order (refcount blocks, refcount table, L2 tables, L1), and
 * cache=unsafe none: the ratio is what a flush-heavy guest pays for its durability.
 *
 * The counters are the I/O thread's: read at exit they are final; a SIGUSR1 profile reads them
 * while requests may still run, so those figures may be a request behind.
 */
#include <inttypes.h>
#include <stdio.h>

#include "devices/block/block.h"
#include "monitor/internal.h"

static const char *format_name(enum blk_format f)
{
    return f == BLK_FORMAT_QCOW2 ? "qcow2" : "raw";
}

static const char *cache_name(enum blk_cache c)
{
    return c == BLK_CACHE_NONE ? "none" : c == BLK_CACHE_UNSAFE ? "unsafe" : "writeback";
}

void profile_write_disks(struct vm *vm, FILE *f, bool json)
{
    if (json)
        fprintf(f, "  \"disks\": [");
    else if (vm->cfg.ndisks)
        fprintf(f, "\ndisks (requests, bytes, guest flushes and the host flushes they cost)\n");
    for (unsigned i = 0; i < vm->cfg.ndisks && i < VM_MAX_DISKS; i++) {
        const struct blk *b = vm->disk[i];
        if (!b)
            continue;
        const struct vm_drive *d = &vm->cfg.drives[vm->cfg.disks[i].drive];
        const struct blk_stats *s = &b->stats;
        double per = s->flushes ? (double)s->host_flushes / (double)s->flushes : 0.0;
        const char *image = d->base ? d->base : d->file;
        if (json) {
            /* file names are the user's: printed with JSON's escapes for '"' and '\\' */
            fprintf(f, "%s\n    {\"drive\": \"%s\", \"image\": \"", i ? "," : "", d->id ? d->id : "");
            for (const char *c = image; *c; c++) {
                if (*c == '"' || *c == '\\')
                    fputc('\\', f);
                fputc((unsigned char)*c < 0x20 ? '?' : *c, f);
            }
            fprintf(f, "\", \"overlay\": %s, \"format\": \"%s\", \"cache\": \"%s\", \"reads\": %" PRIu64
                    ", \"writes\": %" PRIu64 ", \"discards\": %" PRIu64 ", \"bytes_read\": %" PRIu64
                    ", \"bytes_written\": %" PRIu64 ", \"guest_flushes\": %" PRIu64 ", \"host_flushes\": %" PRIu64
                    ", \"host_flushes_per_guest_flush\": %.4f}",
                    d->base ? "true" : "false", format_name(b->format), cache_name(b->cache), s->reads, s->writes,
                    s->discards, s->bytes_read, s->bytes_written, s->flushes, s->host_flushes, per);
        } else {
            fprintf(f, "  vd%c %s%s (%s, cache=%s): reads %" PRIu64 " (%" PRIu64 " bytes), writes %" PRIu64
                    " (%" PRIu64 " bytes), discards %" PRIu64 "; guest flushes %" PRIu64 ", host flushes %" PRIu64
                    " (%.2f per guest flush)\n",
                    'a' + i, image, d->base ? " via its overlay" : "", format_name(b->format), cache_name(b->cache),
                    s->reads, s->bytes_read, s->writes, s->bytes_written, s->discards, s->flushes, s->host_flushes,
                    per);
        }
    }
    if (json)
        fprintf(f, "%s],\n", vm->cfg.ndisks ? "\n  " : "");
}
