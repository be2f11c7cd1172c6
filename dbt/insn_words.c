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
 * and is kept as a flag of its own. Each VM records its own set.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbt/dbt.h"

struct insn_words {
    uint32_t *slots;
    size_t cap, used;
    bool have_zero;
    bool failed; /* ran out of memory: recording stopped */
};

static size_t slot_of(uint32_t w, size_t mask)
{
    return (size_t)((w * 0x9E3779B1u) >> 7) & mask;
}

static bool grow(struct insn_words *s)
{
    size_t cap = s->cap, ncap = cap ? cap * 2 : (1u << 16);
    uint32_t *n = calloc(ncap, sizeof(*n));
    if (!n)
        return false;
    for (size_t i = 0; i < cap; i++) {
        uint32_t w = s->slots[i];
        if (!w)
            continue;
        size_t j = slot_of(w, ncap - 1);
        while (n[j])
            j = (j + 1) & (ncap - 1);
        n[j] = w;
    }
    free(s->slots);
    s->slots = n;
    s->cap = ncap;
    return true;
}

bool dbt_insn_words_start(struct vm *vm)
{
    struct insn_words *s = calloc(1, sizeof(*s));
    if (!s || !grow(s)) {
        free(s);
        return false;
    }
    vm->insn_words = s;
    if (vm->vcpu)
        vm->vcpu->observe |= VCPU_OBS_WORDS;
    return true;
}

void dbt_insn_words_free(struct vm *vm)
{
    if (!vm->insn_words)
        return;
    free(vm->insn_words->slots);
    free(vm->insn_words);
    vm->insn_words = NULL;
}

void dbt_insn_words_add(struct insn_words *s, uint32_t w)
{
    if (!w) {
        s->have_zero = true;
        return;
    }
    if (s->failed)
        return;
    size_t mask = s->cap - 1, j = slot_of(w, mask);
    while (s->slots[j]) {
        if (s->slots[j] == w)
            return;
        j = (j + 1) & mask;
    }
    s->slots[j] = w;
    if (++s->used * 2 > s->cap && !grow(s))
        s->failed = true; /* out of memory: stop recording; the write reports it */
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

int dbt_insn_words_write(struct vm *vm, const char *path, char *err, size_t errlen)
{
    const struct insn_words *s = vm->insn_words;
    if (!s || s->failed) {
        snprintf(err, errlen, "ran out of memory while recording");
        return -ENOMEM;
    }
    size_t n = 0;
    uint32_t *list = malloc((s->used + 1) * sizeof(*list));
    if (!list) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    if (s->have_zero)
        list[n++] = 0;
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i])
            list[n++] = s->slots[i];
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
