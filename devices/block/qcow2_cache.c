/*
 * The qcow2 metadata cache: a few L2 tables and refcount blocks, whole clusters keyed by their
 * host offset, least recently used out. A dirty refcount block may be written when it leaves
 * (its counts only grow before the mapping that uses them is written, so early is safe); a
 * dirty L2 table may point at clusters whose counts are still only in memory, so evicting one
 * writes all metadata in order first (qcow2_meta_flush).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "devices/block/qcow2.h"

int qcow2_cache_init(struct qcow2_cache *c, unsigned n, uint64_t cluster_size, bool is_l2)
{
    memset(c, 0, sizeof(*c));
    c->e = calloc(n, sizeof(*c->e));
    if (!c->e)
        return -ENOMEM;
    c->n = n;
    c->is_l2 = is_l2;
    for (unsigned i = 0; i < n; i++) {
        c->e[i].buf = malloc(cluster_size);
        if (!c->e[i].buf) {
            qcow2_cache_free(c);
            return -ENOMEM;
        }
    }
    return 0;
}

void qcow2_cache_free(struct qcow2_cache *c)
{
    if (c->e)
        for (unsigned i = 0; i < c->n; i++)
            free(c->e[i].buf);
    free(c->e);
    c->e = NULL;
    c->n = 0;
}

int qcow2_cache_get(struct qcow2 *q, struct qcow2_cache *c, uint64_t off, bool fresh,
                    struct qcow2_cache_entry **out)
{
    struct qcow2_cache_entry *victim = NULL;
    for (unsigned i = 0; i < c->n; i++) {
        struct qcow2_cache_entry *e = &c->e[i];
        if (e->off == off) {
            e->used = ++c->tick;
            if (fresh)
                memset(e->buf, 0, q->cluster_size);
            *out = e;
            return 0;
        }
        if (!victim || (victim->off && (!e->off || e->used < victim->used)))
            victim = e;
    }
    if (victim->off && victim->dirty) {
        int r = c->is_l2 ? qcow2_meta_flush(q)
                         : blk_file_pwrite(&q->file, victim->buf, q->cluster_size, victim->off);
        if (r)
            return r;
        victim->dirty = false;
    }
    victim->off = 0;
    if (fresh) {
        memset(victim->buf, 0, q->cluster_size);
    } else {
        /* a table must lie inside the file; a pointer past its end is a corrupt image */
        if (off + q->cluster_size > q->file.size)
            return -EIO;
        int r = blk_file_pread(&q->file, victim->buf, q->cluster_size, off);
        if (r)
            return r;
    }
    victim->off = off;
    victim->dirty = false;
    victim->used = ++c->tick;
    *out = victim;
    return 0;
}
