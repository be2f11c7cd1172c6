/*
 * qcow2 reference counts: the refcount table points at refcount blocks of 2^refcount_order-bit
 * counts, one per host cluster (qcow2.txt "Host cluster management"). Allocation takes the
 * lowest free cluster. A range without a refcount block gets one placed at the range's own first
 * cluster (so it counts itself); a cluster past the table's reach grows the table: new blocks
 * and a bigger table at the first cluster nothing covers, written and flushed before the header
 * points at them, the old table freed after.
 *
 * Counts only grow in memory before the mapping that uses them is written; they drop only after
 * the mapping change is on disk (qcow2_free_later, applied by qcow2_meta_flush), so a crash at
 * any point can leak clusters but never leave a used cluster counted free.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "devices/block/qcow2.h"

static uint64_t rb_get(const uint8_t *rb, uint64_t i, unsigned order)
{
    switch (order) {
    case 0: case 1: case 2: { /* sub-byte counts, least significant bits first */
        unsigned bits = 1u << order;
        uint64_t bit = i * bits;
        return (rb[bit / 8] >> (bit % 8)) & ((1u << bits) - 1);
    }
    case 3: return rb[i];
    case 4: return (uint64_t)rb[2 * i] << 8 | rb[2 * i + 1];
    case 5: return qcow2_be32(rb + 4 * i);
    default: return qcow2_be64(rb + 8 * i);
    }
}

static void rb_set(uint8_t *rb, uint64_t i, unsigned order, uint64_t v)
{
    switch (order) {
    case 0: case 1: case 2: {
        unsigned bits = 1u << order;
        uint64_t bit = i * bits;
        uint8_t mask = (uint8_t)(((1u << bits) - 1) << (bit % 8));
        rb[bit / 8] = (uint8_t)((rb[bit / 8] & ~mask) | ((v << (bit % 8)) & mask));
        break;
    }
    case 3: rb[i] = (uint8_t)v; break;
    case 4: rb[2 * i] = (uint8_t)(v >> 8); rb[2 * i + 1] = (uint8_t)v; break;
    case 5: qcow2_put_be32(rb + 4 * i, (uint32_t)v); break;
    default: qcow2_put_be64(rb + 8 * i, v); break;
    }
}

/* The refcount block holding cluster's count; *e = NULL when the table has none for it. */
static int rb_lookup(struct qcow2 *q, uint64_t cluster, struct qcow2_cache_entry **e)
{
    *e = NULL;
    uint64_t t = cluster >> q->rb_bits;
    if (t >= q->rt_entries || !q->rt[t])
        return 0;
    uint64_t off = q->rt[t];
    if (off & (QCOW2_L1_RESERVED | (q->cluster_size - 1)))
        return -EIO;
    return qcow2_cache_get(q, &q->rbc, off, false, e);
}

int qcow2_refcount_get(struct qcow2 *q, uint64_t cluster, uint64_t *out)
{
    struct qcow2_cache_entry *e;
    int r = rb_lookup(q, cluster, &e);
    if (r)
        return r;
    *out = e ? rb_get(e->buf, cluster & ((1ull << q->rb_bits) - 1), q->refcount_order) : 0;
    return 0;
}

static int write_header_reftable(struct qcow2 *q, uint64_t off, uint32_t clusters)
{
    uint8_t h[12];
    qcow2_put_be64(h, off);
    qcow2_put_be32(h + 8, clusters);
    return blk_file_pwrite(&q->file, h, sizeof(h), QCOW2_HDR_REFCOUNT_TABLE);
}

/* A bigger refcount table and refcount blocks for the clusters from the first one the old table
 * cannot reach (all free, since nothing counts them), laid out there. */
static int grow_table(struct qcow2 *q)
{
    int r = qcow2_meta_flush(q);
    if (r)
        return r;
    uint64_t cs = q->cluster_size, rbe = 1ull << q->rb_bits;
    uint64_t base = q->rt_entries << q->rb_bits; /* first uncovered cluster */
    uint64_t nb = 1, tc;
    for (;;) {
        uint64_t entries = q->rt_entries + nb + 1;
        tc = (entries * 8 + cs - 1) / cs;
        if (tc < 2ull * q->rt_clusters)
            tc = 2ull * q->rt_clusters;
        uint64_t need = (nb + tc + rbe - 1) / rbe;
        if (need <= nb)
            break;
        nb = need;
    }
    if (tc * cs > (64ull << 20))
        return -EFBIG;
    uint64_t new_entries = tc * cs / 8;
    uint8_t *table = calloc(1, tc * cs);
    uint8_t *blk = malloc(cs);
    if (!table || !blk) {
        free(table);
        free(blk);
        return -ENOMEM;
    }
    /* the new blocks count themselves and the new table */
    for (uint64_t i = 0; i < nb && !r; i++) {
        memset(blk, 0, cs);
        uint64_t first = base + i * rbe;
        for (uint64_t c = first; c < first + rbe && c < base + nb + tc; c++)
            rb_set(blk, c - first, q->refcount_order, 1);
        r = blk_file_pwrite(&q->file, blk, cs, (base + i) * cs);
    }
    for (uint64_t t = 0; t < new_entries; t++) {
        uint64_t v = t < q->rt_entries ? q->rt[t] : 0;
        if (t >= q->rt_entries && t < q->rt_entries + nb)
            v = (base + (t - q->rt_entries)) * cs;
        qcow2_put_be64(table + 8 * t, v);
    }
    uint64_t *mem = malloc(new_entries * sizeof(uint64_t));
    if (!r && !mem)
        r = -ENOMEM;
    if (!r)
        r = blk_file_pwrite(&q->file, table, tc * cs, (base + nb) * cs);
    if (!r)
        r = blk_file_sync(&q->file);
    if (!r)
        r = write_header_reftable(q, (base + nb) * cs, (uint32_t)tc);
    if (!r)
        r = blk_file_sync(&q->file);
    if (r) {
        free(mem);
        free(table);
        free(blk);
        return r;
    }
    for (uint64_t t = 0; t < new_entries; t++)
        mem[t] = qcow2_be64(table + 8 * t);
    uint64_t old_off = q->rt_offset, old_clusters = q->rt_clusters;
    free(q->rt);
    q->rt = mem;
    q->rt_entries = new_entries;
    q->rt_offset = (base + nb) * cs;
    q->rt_clusters = (uint32_t)tc;
    free(table);
    free(blk);
    /* the header no longer points at the old table (flushed above): free it now */
    r = qcow2_free_later(q, old_off, old_clusters * cs);
    return r ? r : qcow2_apply_frees(q);
}

/* The block counting cluster, made if its range has none. */
static int rb_ensure(struct qcow2 *q, uint64_t cluster, struct qcow2_cache_entry **e)
{
    uint64_t t = cluster >> q->rb_bits;
    while (t >= q->rt_entries) {
        int r = grow_table(q);
        if (r)
            return r;
    }
    if (q->rt[t])
        return rb_lookup(q, cluster, e);
    /* nothing in this range is counted, so all of it is free: the block goes first */
    uint64_t first = t << q->rb_bits;
    int r = qcow2_cache_get(q, &q->rbc, first * q->cluster_size, true, e);
    if (r)
        return r;
    rb_set((*e)->buf, 0, q->refcount_order, 1);
    (*e)->dirty = true;
    q->rt[t] = first * q->cluster_size;
    q->rt_dirty = true;
    return 0;
}

static int refcount_set(struct qcow2 *q, uint64_t cluster, uint64_t v)
{
    struct qcow2_cache_entry *e;
    int r = rb_ensure(q, cluster, &e);
    if (r)
        return r;
    rb_set(e->buf, cluster & ((1ull << q->rb_bits) - 1), q->refcount_order, v);
    e->dirty = true;
    return 0;
}

int qcow2_alloc_cluster(struct qcow2 *q, uint64_t *host_off)
{
    /* host offsets have 56 bits (bits 9-55 of an L2 entry) */
    uint64_t limit = (1ull << 56) >> q->cluster_bits;
    for (uint64_t c = q->free_hint; c < limit; c++) {
        struct qcow2_cache_entry *e;
        int r = rb_ensure(q, c, &e);
        if (r)
            return r;
        uint64_t v = rb_get(e->buf, c & ((1ull << q->rb_bits) - 1), q->refcount_order);
        if (v)
            continue;
        rb_set(e->buf, c & ((1ull << q->rb_bits) - 1), q->refcount_order, 1);
        e->dirty = true;
        q->free_hint = c + 1;
        *host_off = c << q->cluster_bits;
        return 0;
    }
    return -ENOSPC;
}

int qcow2_free_later(struct qcow2 *q, uint64_t host_off, uint64_t len)
{
    uint64_t first = host_off >> q->cluster_bits;
    uint64_t last = (host_off + len - 1) >> q->cluster_bits;
    for (uint64_t c = first; c <= last; c++) {
        if (q->n_frees == q->cap_frees) {
            size_t cap = q->cap_frees ? q->cap_frees * 2 : 64;
            uint64_t *p = realloc(q->frees, cap * sizeof(*p));
            if (!p)
                return -ENOMEM;
            q->frees = p;
            q->cap_frees = cap;
        }
        q->frees[q->n_frees++] = c;
    }
    return 0;
}

int qcow2_apply_frees(struct qcow2 *q)
{
    int r = 0;
    for (size_t i = 0; i < q->n_frees && !r; i++) {
        uint64_t c = q->frees[i], v;
        r = qcow2_refcount_get(q, c, &v);
        if (r)
            break;
        if (!v) { /* freeing a free cluster: the image was inconsistent */
            r = -EIO;
            break;
        }
        r = refcount_set(q, c, v - 1);
        if (!r && v == 1) {
            if (c < q->free_hint)
                q->free_hint = c;
            /* nothing points there any more: give the space back to the host */
            r = blk_file_zero(&q->file, c << q->cluster_bits, q->cluster_size, true);
        }
    }
    q->n_frees = 0;
    return r;
}

/* Counts one reference to each cluster of [off, off + len) in refs (n clusters). */
static int count_ref(uint16_t *refs, uint64_t n, uint64_t cluster_bits, uint64_t off, uint64_t len,
                     uint64_t *errors)
{
    if (!len)
        return 0;
    for (uint64_t c = off >> cluster_bits; c <= (off + len - 1) >> cluster_bits; c++) {
        if (c >= n) {
            (*errors)++;
            continue;
        }
        if (refs[c] < UINT16_MAX)
            refs[c]++;
    }
    return 0;
}

/*
 * What qemu-img check does for refcounts, for an image left dirty by a writer with lazy
 * refcounts: every reference from the header, L1, L2, refcount structures and snapshot table
 * counted against the stored counts. errors: clusters counted lower than used (or references
 * out of the file); leaks: counted higher. Reads tables directly, not through the caches.
 */
int qcow2_check_references(struct qcow2 *q, uint64_t *leaks, uint64_t *errors)
{
    uint64_t cs = q->cluster_size;
    uint64_t n = (q->file.size + cs - 1) / cs;
    *leaks = *errors = 0;
    uint16_t *refs = calloc(n ? n : 1, sizeof(uint16_t));
    uint8_t *buf = malloc(cs);
    if (!refs || !buf) {
        free(refs);
        free(buf);
        return -ENOMEM;
    }
    int r = 0;
    count_ref(refs, n, q->cluster_bits, 0, cs, errors);
    count_ref(refs, n, q->cluster_bits, q->l1_offset, (uint64_t)q->l1_size * 8, errors);
    count_ref(refs, n, q->cluster_bits, q->rt_offset, (uint64_t)q->rt_clusters * cs, errors);
    for (uint64_t t = 0; t < q->rt_entries; t++)
        if (q->rt[t])
            count_ref(refs, n, q->cluster_bits, q->rt[t] & QCOW2_OFFSET_MASK, cs, errors);
    for (uint32_t i = 0; i < q->l1_size && !r; i++) {
        uint64_t l2 = q->l1[i] & QCOW2_OFFSET_MASK;
        if (!l2)
            continue;
        count_ref(refs, n, q->cluster_bits, l2, cs, errors);
        if (l2 + cs > q->file.size) {
            (*errors)++;
            continue;
        }
        r = blk_file_pread(&q->file, buf, cs, l2);
        for (uint64_t j = 0; j < cs / 8 && !r; j++) {
            uint64_t ent = qcow2_be64(buf + 8 * j);
            if (ent & QCOW2_COMPRESSED) {
                unsigned x = 62 - (q->cluster_bits - 8);
                uint64_t off = ent & ((1ull << x) - 1);
                uint64_t nsec = ((ent >> x) & ((1ull << (q->cluster_bits - 8)) - 1)) + 1;
                count_ref(refs, n, q->cluster_bits, off & ~511ull, nsec * 512, errors);
            } else if (ent & QCOW2_OFFSET_MASK) {
                count_ref(refs, n, q->cluster_bits, ent & QCOW2_OFFSET_MASK, cs, errors);
            }
        }
    }
    for (uint64_t c = 0; c < n && !r; c++) {
        uint64_t v;
        r = qcow2_refcount_get(q, c, &v);
        if (r)
            break;
        if (v < refs[c])
            (*errors)++;
        else if (v > refs[c])
            (*leaks)++;
    }
    free(refs);
    free(buf);
    return r;
}
