/*
 * What the multi-VM unit tests (test_multivm.c, test_sched.c) share: the eight bare ISA programs
 * they run side by side, opening a testbench VM on one of them, and a hand-encoded program that
 * waits for a timer ten seconds away.
 */
#ifndef MVISOR_TESTS_VM_PROGS_H
#define MVISOR_TESTS_VM_PROGS_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "monitor/internal.h"

#define NVM 8

struct prog {
    const char *rel;  /* under the ISA directory, without .elf */
    bool must_fail;   /* the harness self-test: FAIL at check 2 */
};

/* Eight different programs: user-mode arithmetic and memory, kernel TLB refills and self-modifying
 * code, a timer interrupt taken out of WAIT, and a deliberate failure. */
static const struct prog progs[NVM] = {
    {"user/prog_crc32", false},
    {"user/prog_bubble_sort", false},
    {"kernel/wait_timer", false},
    {"kernel/tlb_refill_load", false},
    {"selftest/must_fail", true},
    {"kernel/smc_rewrite_executed", false},
    {"user/prog_fibonacci", false},
    {"user/prog_adler32", false},
};

/* The programs are the ISA suite's bare ELFs under $MVISOR_ISA_DIR (default build/isa/bare). */
static inline const char *isa_dir(void)
{
    const char *d = getenv("MVISOR_ISA_DIR");
    return d && *d ? d : "build/isa/bare";
}

/* A testbench VM (16 MiB) booted on program rel; its path is left in path. */
static inline int vm_open(struct vm *vm, const char *rel, enum exec_mode exec, bool deterministic, FILE *out,
                          char *path, size_t pathlen)
{
    snprintf(path, pathlen, "%s/%s.elf", isa_dir(), rel);
    struct vm_config cfg = {.machine = MACHINE_TESTBENCH, .ram_mb = 16, .tlb_entries = MTLB_DEFAULT_ENTRIES,
                            .exec = exec, .kernel = path, .deterministic = deterministic,
                            .console_out = out};
    char err[512];
    if (vm_create(vm, &cfg, err, sizeof(err)) < 0) {
        fprintf(stderr, "vm_create %s: %s\n", path, err);
        return -1;
    }
    if (vm_boot(vm, err, sizeof(err)) < 0) {
        fprintf(stderr, "vm_boot %s: %s\n", path, err);
        vm_destroy(vm);
        return -1;
    }
    return 0;
}

/* At kseg0 0x80010000: Compare = Count + 2^30 (ten seconds away), Status = CU0 | IM7 (the timer
 * may wake the CPU; IE off, so nothing is taken), wait, then spin. Hand-encoded (MIPS32 Vol. II). */
static const uint32_t wait_prog[] = {
    0x40094800, /* mfc0 t1, Count */
    0x3C194000, /* lui t9, 0x4000 */
    0x01394821, /* addu t1, t1, t9 */
    0x40895800, /* mtc0 t1, Compare */
    0x3C081000, /* lui t0, 0x1000 (CU0) */
    0x35088000, /* ori t0, t0, 0x8000 (IM7) */
    0x40886000, /* mtc0 t0, Status */
    0x000000C0, /* ehb */
    0x42000020, /* wait */
    0x1000FFFF, /* b . */
    0x00000000, /* nop */
};
#define WAIT_PROG_PA 0x10000u

#endif
