/*
 * Disk overlays the monitor puts in front of images (devices/block's blk_create_overlay: a fresh
 * qcow2 over the image, which is then only read):
 *
 *   -snapshot or snapshot=on  (QEMU's meaning) every writable drive writes a temporary overlay
 *             in ${TMPDIR:-/var/tmp}, unlinked as soon as it is open, so no exit, not even a
 *             kill, leaves it behind and the image is never written;
 *   --clone N each clone's writable drive is its own overlay RUNDIR/NAME.DRIVE.qcow2 (kept);
 *   --vm-config  an image that two or more VMs name writable: each of them gets such an overlay.
 *
 * What is still refused, one line each: an image one VM writes as it is (no overlay) while
 * another uses it at all, since the reader would see a disk changing under it. Two writers of
 * one file in different monitors are caught later by the images' flock (devices/block/file.c).
 * Overlays are planned before the run folder is chosen (they may need one) and made after.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/block/block.h"
#include "monitor/internal.h"
#include "monitor/overlay.h"

static const char *vm_label(const struct vmset *s, unsigned i)
{
    return s->v[i].opt.cfg.name ? s->v[i].opt.cfg.name : "vm0";
}

/* Each attached drive's image as the host resolves it (links and ".." gone), or the name as
 * given if it does not resolve: one realpath per drive, not per pair of drives. */
static char **resolve_all(const struct vmset *s)
{
    char **rp = calloc((size_t)s->n * VM_MAX_DISKS, sizeof(*rp));
    for (unsigned i = 0; rp && i < s->n; i++) {
        const struct vm_config *c = &s->v[i].opt.cfg;
        for (unsigned k = 0; k < c->ndisks; k++) {
            const char *f = c->drives[c->disks[k].drive].file;
            char *r = realpath(f, NULL);
            rp[i * VM_MAX_DISKS + k] = r ? r : strdup(f);
        }
    }
    return rp;
}

static bool writes_in_place(const struct vm_config *c, const struct vm_drive *d)
{
    return !d->readonly && !d->snapshot && !c->snapshot && !d->base;
}

int overlay_plan(struct vmset *s, bool clones, char *err, size_t errlen)
{
    s->need_run_dir = false;
    char **rp = resolve_all(s);
    if (!rp) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
#define IMAGE(i, k) (rp[(i) * VM_MAX_DISKS + (k)] ? rp[(i) * VM_MAX_DISKS + (k)] : "")
    for (unsigned i = 0; i < s->n; i++) {
        struct vm_config *c = &s->v[i].opt.cfg;
        for (unsigned k = 0; k < c->ndisks; k++) {
            struct vm_drive *d = &c->drives[c->disks[k].drive];
            if (d->readonly)
                continue;
            if (d->snapshot || c->snapshot) {
                d->snapshot = true;
                continue;
            }
            /* Clones, or config VMs of which another also writes the image as it is: an
             * overlay each, in the run folder. */
            bool shared = clones;
            for (unsigned j = 0; j < s->n && !shared; j++) {
                const struct vm_config *o = &s->v[j].opt.cfg;
                for (unsigned m = 0; j != i && m < o->ndisks && !shared; m++) {
                    const struct vm_drive *e = &o->drives[o->disks[m].drive];
                    shared = !e->readonly && !e->snapshot && !o->snapshot && !strcmp(IMAGE(i, k), IMAGE(j, m));
                }
            }
            if (shared) {
                d->base = d->file;
                s->need_run_dir = true;
            }
        }
    }
    /* What stays written in place must have no other user. */
    int rc = 0;
    for (unsigned i = 0; i < s->n && !rc; i++) {
        const struct vm_config *c = &s->v[i].opt.cfg;
        for (unsigned k = 0; k < c->ndisks && !rc; k++) {
            const struct vm_drive *d = &c->drives[c->disks[k].drive];
            if (!writes_in_place(c, d))
                continue;
            for (unsigned j = 0; j < s->n && !rc; j++) {
                const struct vm_config *o = &s->v[j].opt.cfg;
                for (unsigned m = 0; j != i && m < o->ndisks && !rc; m++) {
                    if (strcmp(IMAGE(i, k), IMAGE(j, m)))
                        continue;
                    snprintf(err, errlen,
                             "%s%sdisk image %s is written by VM %s and also used by VM %s (give %s snapshot=on, "
                             "or both a writable drive: each then writes its own overlay)",
                             s->config ? s->config : "", s->config ? ": " : "", d->file, vm_label(s, i),
                             vm_label(s, j), vm_label(s, i));
                    rc = -EINVAL;
                }
            }
        }
    }
#undef IMAGE
    for (size_t x = 0; x < (size_t)s->n * VM_MAX_DISKS; x++)
        free(rp[x]);
    free(rp);
    return rc;
}

/* The image's format as opened, and one clean line if it does not open (missing, corrupt...). */
static int probe_base(const struct vm_drive *d, enum blk_format *fmt, char *err, size_t errlen)
{
    struct blk *b;
    struct blk_open_opts bo = {.path = d->file, .format = d->format, .readonly = true, .cache = d->cache};
    int rc = blk_open(&bo, &b, err, errlen);
    if (rc < 0)
        return rc;
    *fmt = b->format;
    blk_close(b);
    return 0;
}

static int make_one(struct vm_drive *d, const char *path, bool temporary, char *err, size_t errlen)
{
    char e[512];
    enum blk_format fmt;
    int rc = probe_base(d, &fmt, err, errlen);
    if (rc < 0)
        return rc;
    /* The overlay names its base by an absolute path: it lives in another folder. */
    char *abs = realpath(d->file, NULL);
    if (!abs) {
        rc = -errno;
        snprintf(err, errlen, "%s: %s", d->file, strerror(errno));
        return rc;
    }
    rc = blk_create_overlay(path, abs, fmt, e, sizeof(e));
    free(abs);
    if (rc < 0) {
        if (rc == -EEXIST)
            snprintf(err, errlen, "%s: the overlay file exists (a previous run's: remove it, or use another --run-dir)",
                     path);
        else
            snprintf(err, errlen, "%s: cannot make its overlay: %s", d->file, e);
        return rc;
    }
    d->base = d->file;
    d->file = path;
    d->format = BLK_FORMAT_QCOW2;
    d->overlay_made = true;
    d->overlay_temporary = temporary;
    return 0;
}

/* A name for a temporary overlay that nothing else uses (the create is O_EXCL anyway). */
static char *temp_path(char *err, size_t errlen)
{
    const char *tmp = getenv("TMPDIR");
    tmp = tmp && *tmp ? tmp : "/var/tmp";
    char *p;
    if (asprintf(&p, "%s/mvisor-snapshot-XXXXXX", tmp) < 0) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    int fd = mkstemp(p);
    if (fd < 0) {
        snprintf(err, errlen, "-snapshot: cannot make its temporary overlay in %s (TMPDIR): %s", tmp, strerror(errno));
        free(p);
        return NULL;
    }
    close(fd);
    unlink(p);
    return p;
}

int overlay_make(struct vmset *s, char *err, size_t errlen)
{
    char e[600];
    for (unsigned i = 0; i < s->n; i++) {
        struct vm_config *c = &s->v[i].opt.cfg;
        for (unsigned k = 0; k < c->ndisks; k++) {
            unsigned di = c->disks[k].drive;
            struct vm_drive *d = &c->drives[di];
            char *path = NULL;
            int rc = 0;
            if (d->readonly || d->overlay_made) {
                continue;
            } else if (d->snapshot) {
                path = temp_path(err, errlen);
                if (!path)
                    return -EIO;
                rc = make_one(d, path, true, e, sizeof(e));
            } else if (d->base) {
                d->file = d->base;
                int n = d->id ? asprintf(&path, "%s/%s.%s.qcow2", s->run_dir, vm_label(s, i), d->id)
                              : asprintf(&path, "%s/%s.drive%u.qcow2", s->run_dir, vm_label(s, i), di);
                if (n < 0) {
                    snprintf(err, errlen, "out of memory");
                    return -ENOMEM;
                }
                rc = make_one(d, path, false, e, sizeof(e));
            } else {
                continue;
            }
            if (rc < 0) {
                free(path);
                char where[200];
                snprintf(err, errlen, "%s%s", vmset_where(s, i, where, sizeof(where)), e);
                return rc;
            }
        }
    }
    return 0;
}

void overlay_discard(struct vmset *s, bool all)
{
    for (unsigned i = 0; i < s->n; i++) {
        struct vm_config *c = &s->v[i].opt.cfg;
        for (unsigned k = 0; k < c->ndisks; k++) {
            struct vm_drive *d = &c->drives[c->disks[k].drive];
            if (d->overlay_made && (all || d->overlay_temporary))
                unlink(d->file); /* a temporary one is usually gone already (unlinked once open) */
        }
    }
}
