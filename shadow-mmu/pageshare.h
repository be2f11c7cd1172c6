/*
 * Content-based page sharing (VMware ESX's, in Disco's pmap): a scanner on its own thread walks
 * the guest pages of every VM of the monitor at a bounded rate, hashes them (XXH3), and maps
 * pages found identical onto one read-only machine page copy-on-write; pages of zeroes all map
 * one shared zero page. shadow-mmu/pageshare.c says how.
 *
 * Exclusion with the guest: a VM's pages are hashed, compared and merged only while its vCPU is
 * out of guest code. The VM's run takes its gate (pageshare_enter / pageshare_leave) around
 * every slice; the scanner takes it for one small batch of pages at a time, waiting for the end
 * of a running vCPU's slice, so a vCPU never waits for the scanner longer than one batch. Everything that writes guest RAM (translated code, the
 * interpreter, device DMA) runs on the vCPU thread inside a slice.
 */
#ifndef MVISOR_PAGESHARE_H
#define MVISOR_PAGESHARE_H

#include <stdint.h>

#include "shadow-mmu/shadow_mmu.h"

#define PAGESHARE_DEFAULT_RATE 10000u  /* pages per second: 40 MiB/s */
#define PAGESHARE_MAX_RATE 10000000u
#define PAGESHARE_MAX_VMS 1024

struct pageshare;
struct pageshare_vm;

struct pageshare_stats {
    uint64_t rate;           /* pages per second the scanner may hash */
    uint64_t scanned;        /* pages hashed */
    uint64_t full_scans;     /* passes over every VM's pages */
    uint64_t merges;         /* guest pages mapped onto a shared page by the scanner */
    uint64_t frames;         /* shared machine pages the scanner keeps (the zero page not counted) */
    uint64_t sharing;        /* guest pages mapping them */
    uint64_t zero_pages;     /* guest pages mapping the shared zero page */
    int64_t saved;           /* machine pages saved: guest pages merged minus the pages they map */
    uint64_t cow_breaks;     /* merged pages a store took back (seen at the scanner's next visit) */
    uint64_t volatile_skips; /* visits skipped because the page was written soon after a merge */
    uint64_t mismatches;     /* equal hashes, different bytes (or a store came first) */
    uint64_t refused;        /* merges the host's mapping limit refused */
    uint64_t busy;           /* batches that waited for the end of the vCPU's slice */
    uint64_t cpu_ns;         /* the scanner thread's CPU time */
};

/* A scanner over machine memory mm, hashing at most rate pages per second (0: the default). */
int pageshare_create(struct pageshare **out, struct machmem *mm, uint32_t rate);
/* Stops the thread if it runs and drops every shared page the scanner holds. */
void pageshare_destroy(struct pageshare *ps);
/* Adds a VM's pmap (before the scanner starts); NULL if out of memory or too many. */
struct pageshare_vm *pageshare_add(struct pageshare *ps, struct pmap *p);
/* The VM's vCPU runs guest code (or touches its RAM) between these two (the vCPU thread). */
void pageshare_enter(struct pageshare_vm *v);
void pageshare_leave(struct pageshare_vm *v);
struct pageshare *pageshare_of(const struct pageshare_vm *v);
/* Starts / stops the scanner thread; 0 or -errno. */
int pageshare_start(struct pageshare *ps);
void pageshare_stop(struct pageshare *ps);
/* Hashes up to n pages on the caller's thread, as one step of the scanner does; returns how
 * many it looked at (pages never touched included). */
uint32_t pageshare_scan(struct pageshare *ps, uint32_t n);
/* The counters and what is shared now (any thread). */
void pageshare_get_stats(struct pageshare *ps, struct pageshare_stats *out);
/* The shared zero page (tests). */
mpn_t pageshare_zero_page(const struct pageshare *ps);

#endif
