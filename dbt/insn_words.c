/*
 * --insn-words: the set of distinct instruction words a run executed, so a
 * whole boot's worth of real code can be checked against an independent
 * decoder (tests/decoder/decoder_check --words). The engine adds every word
 * it executes (or, for a translator, translates); at exit the set is written
 * as sorted hex, one word per line.
 *
 * An open-addressing hash set of 32-bit words that doubles at half load:
 * the hot loop of a boot touches a few thousand words, so lookups stay in
 * cache. Word 0 (sll $0,$0,0, the canonical nop) is the empty-slot marker
 * and is kept as a flag of its own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbt/dbt.h"

bool dbt_insn_words_on;

static uint32_t *slots;
static size_t cap, used;
static bool have_zero;

static size_t slot_of(uint32_t w, size_t mask)
{
    return (size_t)((w * 0x9E3779B1u) >> 7) & mask;
}

static bool grow(void)
{
    size_t ncap = cap ? cap * 2 : (1u << 16);
    uint32_t *n = calloc(ncap, sizeof(*n));
    if (!n)
        return false;
    for (size_t i = 0; i < cap; i++) {
        uint32_t w = slots[i];
        if (!w)
            continue;
        size_t j = slot_of(w, ncap - 1);
        while (n[j])
            j = (j + 1) & (ncap - 1);
        n[j] = w;
    }
    free(slots);
    slots = n;
    cap = ncap;
    return true;
}

bool dbt_insn_words_start(void)
{
    if (!slots && !grow())
        return false;
    dbt_insn_words_on = true;
    return true;
}

void dbt_insn_words_add(uint32_t w)
{
    if (!w) {
        have_zero = true;
        return;
    }
    size_t mask = cap - 1, j = slot_of(w, mask);
    while (slots[j]) {
        if (slots[j] == w)
            return;
        j = (j + 1) & mask;
    }
    slots[j] = w;
    if (++used * 2 > cap && !grow())
        dbt_insn_words_on = false; /* out of memory: stop recording; the write reports it */
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

int dbt_insn_words_write(const char *path, char *err, size_t errlen)
{
    if (!dbt_insn_words_on) {
        snprintf(err, errlen, "ran out of memory while recording");
        return -ENOMEM;
    }
    size_t n = 0;
    uint32_t *list = malloc((used + 1) * sizeof(*list));
    if (!list) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    if (have_zero)
        list[n++] = 0;
    for (size_t i = 0; i < cap; i++)
        if (slots[i])
            list[n++] = slots[i];
    qsort(list, n, sizeof(*list), cmp_u32);
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
        free(list);
        return -errno;
    }
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%08x\n", list[i]);
    int rc = fclose(f) == 0 ? 0 : -errno;
    if (rc < 0)
        snprintf(err, errlen, "cannot write '%s': %s", path, strerror(-rc));
    free(list);
    return rc;
}
