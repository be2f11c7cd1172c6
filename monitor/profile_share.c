/*
 * Content-based page sharing in --profile and QMP query-sharing: the scanner's counters
 * (shadow-mmu/pageshare.h), monitor-wide, so every VM's profile shows the same figures.
 */
#include <inttypes.h>
#include <stdio.h>

#include "monitor/internal.h"
#include "shadow-mmu/pageshare.h"

void profile_sharing(const struct vm *vm, FILE *f, bool json)
{
    if (!vm->share) {
        if (json)
            fprintf(f, "  \"sharing\": null,\n");
        return;
    }
    struct pageshare_stats s;
    pageshare_get_stats(pageshare_of(vm->share), &s);
    if (json) {
        fprintf(f, "  \"sharing\": {\"rate\": %" PRIu64 ", \"scanned\": %" PRIu64 ", \"full_scans\": %" PRIu64
                ", \"merges\": %" PRIu64 ", \"frames\": %" PRIu64 ", \"sharing\": %" PRIu64 ", \"zero_pages\": %" PRIu64
                ", \"saved_pages\": %" PRId64 ", \"cow_breaks\": %" PRIu64 ", \"volatile_skips\": %" PRIu64
                ", \"mismatches\": %" PRIu64 ", \"refused\": %" PRIu64 ", \"busy\": %" PRIu64
                ", \"scanner_cpu_seconds\": %.6f},\n",
                s.rate, s.scanned, s.full_scans, s.merges, s.frames, s.sharing, s.zero_pages, s.saved, s.cow_breaks,
                s.volatile_skips, s.mismatches, s.refused, s.busy, (double)s.cpu_ns / 1e9);
        return;
    }
    fprintf(f, "\npage sharing (monitor-wide, at most %" PRIu64 " pages/s)\n", s.rate);
    fprintf(f, "  %" PRIu64 " pages hashed in %" PRIu64 " full passes; scanner CPU %.3f s\n", s.scanned, s.full_scans,
            (double)s.cpu_ns / 1e9);
    fprintf(f, "  %" PRIu64 " guest pages map %" PRIu64 " shared pages, %" PRIu64
            " map the zero page: %" PRId64 " machine pages saved (%.1f MiB)\n",
            s.sharing, s.frames, s.zero_pages, s.saved, (double)s.saved * MACH_PAGE_SIZE / (1 << 20));
    fprintf(f, "  %" PRIu64 " merges, %" PRIu64 " copy-on-write breaks of them, %" PRIu64
            " visits skipped (written soon after a merge), %" PRIu64 " mismatches, %" PRIu64
            " refused (host mappings), %" PRIu64 " waits for a running vCPU's slice to end\n",
            s.merges, s.cow_breaks, s.volatile_skips, s.mismatches, s.refused, s.busy);
}
