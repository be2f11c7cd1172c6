/*
 * The architectural state two vCPUs must agree on, compared field by field: what the lockstep
 * runner (tests/diff/lockstep.c) and the differential fuzzer (tests/fuzz/fuzz_diff.c) both
 * check, each adding its own fields after it (the count register and the store hash; guest
 * memory). Each difference is appended to a buffer as " NAME A/B" (hexadecimal), so a report
 * names every field that differs.
 */
#ifndef MVISOR_TESTS_STATE_DIFF_H
#define MVISOR_TESTS_STATE_DIFF_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "monitor/monitor.h"

struct state_diff {
    char *buf;    /* the report */
    size_t len;   /* its size */
    size_t at;    /* bytes written (or wanted) so far */
    int n;        /* differences found */
};

static inline void state_diff_add(struct state_diff *d, const char *name, uint64_t x, uint64_t y)
{
    if (x == y)
        return;
    d->n++;
    if (d->at < d->len)
        d->at += (size_t)snprintf(d->buf + d->at, d->len - d->at, " %s %#" PRIx64 "/%#" PRIx64, name, x, y);
}

/* As state_diff_add for element i of a register file named prefix: the name is formatted only
 * when the values differ (lockstep compares after every block, tens of millions of times). */
static inline void state_diff_addi(struct state_diff *d, char prefix, int i, uint64_t x, uint64_t y)
{
    if (x == y)
        return;
    char nm[16];
    snprintf(nm, sizeof(nm), "%c%d", prefix, i);
    state_diff_add(d, nm, x, y);
}

/* Exceptions taken, of every cause. */
static inline uint64_t state_exc_total(const struct vcpu *v)
{
    uint64_t n = 0;
    for (int i = 0; i < 32; i++)
        n += v->nr_exceptions[i];
    return n;
}

/* The CP0 fields compared (a register's internal state included: Random's, the Count bias). */
#define STATE_CP0_FIELDS(X)                                                                        \
    X(status) X(cause) X(epc) X(entryhi) X(index) X(entrylo0) X(entrylo1) X(context) X(pagemask)   \
    X(wired) X(hwrena) X(badvaddr) X(compare) X(intctl) X(srsctl) X(ebase) X(config0) X(lladdr)    \
    X(errctl) X(errorepc) X(desave) X(userlocal) X(taglo) X(datalo) X(taghi) X(datahi) X(watchlo)  \
    X(watchhi) X(random) X(random_state) X(last_count) X(count_bias) X(count_frozen) X(hw_ip)

/* PC, delay slot, instruction count, GPRs, HI/LO, LL bit, CP0, FPRs, FCSR, the TLB (hashed, when
 * it differs) and the exception count. */
static inline void state_diff_vcpu(struct state_diff *d, const struct vcpu *a, const struct vcpu *b)
{
    state_diff_add(d, "pc", a->pc, b->pc);
    state_diff_add(d, "in_ds", a->in_ds, b->in_ds);
    state_diff_add(d, "icount", a->icount, b->icount);
    for (int i = 0; i < 32; i++)
        state_diff_addi(d, 'r', i, a->gpr[i], b->gpr[i]);
    state_diff_add(d, "hi", a->hi, b->hi);
    state_diff_add(d, "lo", a->lo, b->lo);
    state_diff_add(d, "llbit", a->llbit, b->llbit);
#define STATE_CP0_DIFF(f) state_diff_add(d, #f, (uint64_t)a->cp0.f, (uint64_t)b->cp0.f);
    STATE_CP0_FIELDS(STATE_CP0_DIFF)
#undef STATE_CP0_DIFF
    for (int i = 0; i < 32; i++)
        state_diff_addi(d, 'f', i, a->fpu.fpr[i], b->fpu.fpr[i]);
    state_diff_add(d, "fcsr", a->fpu.fcsr, b->fpu.fcsr);
    if (memcmp(a->tlb.e, b->tlb.e, sizeof(a->tlb.e[0]) * a->tlb.n))
        state_diff_add(d, "tlb_hash", mtlb_hash(&a->tlb), mtlb_hash(&b->tlb));
    state_diff_add(d, "exceptions", state_exc_total(a), state_exc_total(b));
}

#endif
