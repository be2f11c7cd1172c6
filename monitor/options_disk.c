/*
 * The disk options, in QEMU's spellings (QEMU docs "-drive", "-device"):
 *
 *   -drive file=F[,format=raw|qcow2][,if=none|virtio][,id=ID][,readonly=on|off]
 *          [,cache=writeback|none|unsafe][,snapshot=on|off]
 *   -device virtio-blk-pci,drive=ID[,addr=SLOT][,serial=S]
 *
 * A -drive with if=virtio is a drive and its virtio-blk-pci device at once. addr is
 * hexadecimal as in QEMU (addr=12 and addr=0x12 are slot 18; ".0" may follow); only slots
 * whose INTA Linux routes on the Malta take a device, and devices without addr fill slots
 * 0x12-0x15, then 0xb and 0xc. ",," in a value is a literal comma, as in QEMU. Every bad
 * option is one message; nothing here opens a file (vm_create does).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/options.h"

static int dfail(char *err, size_t errlen, int kind, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int dfail(char *err, size_t errlen, int kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return kind;
}

/* Splits the next key=value (or a bare word) off *s, undoing ",,"; NULL at the end. */
static char *next_item(char **s)
{
    if (!*s || !**s)
        return NULL;
    char *start = *s, *w = *s, *r = *s;
    while (*r) {
        if (r[0] == ',' && r[1] == ',') {
            *w++ = ',';
            r += 2;
        } else if (*r == ',') {
            r++;
            break;
        } else {
            *w++ = *r++;
        }
    }
    *w = 0;
    *s = r;
    return start;
}

static bool parse_bool(const char *v, bool *out)
{
    if (!strcmp(v, "on") || !strcmp(v, "true") || !strcmp(v, "yes")) {
        *out = true;
        return true;
    }
    if (!strcmp(v, "off") || !strcmp(v, "false") || !strcmp(v, "no")) {
        *out = false;
        return true;
    }
    return false;
}

static bool id_ok(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= 64 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

static const char *resolve_path(const struct vmopt *o, const char *path)
{
    char *p;
    if (!o->base_dir || path[0] == '/' || asprintf(&p, "%s/%s", o->base_dir, path) < 0)
        return path;
    return p;
}

static int add_disk(struct vm_config *cfg, unsigned drive, int slot, const char *serial, char *err, size_t errlen)
{
    if (cfg->ndisks >= VM_MAX_DISKS)
        return dfail(err, errlen, VMOPT_BAD, "at most %d PCI devices fit the Malta's interrupt routing",
                     VM_MAX_DISKS);
    for (unsigned i = 0; i < cfg->ndisks; i++)
        if (cfg->disks[i].drive == drive)
            return dfail(err, errlen, VMOPT_BAD, "drive '%s' is used by two devices",
                         cfg->drives[drive].id ? cfg->drives[drive].id : cfg->drives[drive].file);
    cfg->disks[cfg->ndisks++] = (struct vm_disk){.drive = drive, .slot = slot, .serial = serial};
    return 0;
}

int vmopt_parse_drive(struct vmopt *o, const char *spec, char *err, size_t errlen)
{
    struct vm_config *cfg = &o->cfg;
    if (cfg->ndrives >= VM_MAX_DRIVES)
        return dfail(err, errlen, VMOPT_BAD, "-drive: at most %d drives", VM_MAX_DRIVES);
    char *s = strdup(spec), *item;
    if (!s)
        return dfail(err, errlen, VMOPT_BAD, "out of memory");
    struct vm_drive d = {.format = BLK_FORMAT_PROBE, .cache = BLK_CACHE_WRITEBACK};
    const char *iface = NULL;
    while ((item = next_item(&s))) {
        char *eq = strchr(item, '=');
        if (!eq)
            return dfail(err, errlen, VMOPT_USAGE, "-drive: '%s' is not key=value", item);
        *eq = 0;
        const char *k = item, *v = eq + 1;
        if (!strcmp(k, "file")) {
            if (!*v)
                return dfail(err, errlen, VMOPT_USAGE, "-drive: file= is empty");
            d.file = resolve_path(o, v);
        } else if (!strcmp(k, "format")) {
            if (!strcmp(v, "raw"))
                d.format = BLK_FORMAT_RAW;
            else if (!strcmp(v, "qcow2"))
                d.format = BLK_FORMAT_QCOW2;
            else
                return dfail(err, errlen, VMOPT_USAGE, "-drive: unsupported format '%s' (raw or qcow2)", v);
        } else if (!strcmp(k, "if")) {
            if (strcmp(v, "none") && strcmp(v, "virtio"))
                return dfail(err, errlen, VMOPT_USAGE,
                             "-drive: unsupported if=%s (none or virtio: the Malta's IDE is not modelled)", v);
            iface = v;
        } else if (!strcmp(k, "id")) {
            if (!id_ok(v))
                return dfail(err, errlen, VMOPT_USAGE, "-drive: id '%s': 1 to 64 letters, digits, '.', '_' or '-'", v);
            d.id = v;
        } else if (!strcmp(k, "readonly")) {
            if (!parse_bool(v, &d.readonly))
                return dfail(err, errlen, VMOPT_USAGE, "-drive: readonly=%s (on or off)", v);
        } else if (!strcmp(k, "cache")) {
            if (!strcmp(v, "writeback"))
                d.cache = BLK_CACHE_WRITEBACK;
            else if (!strcmp(v, "none"))
                d.cache = BLK_CACHE_NONE;
            else if (!strcmp(v, "unsafe"))
                d.cache = BLK_CACHE_UNSAFE;
            else if (!strcmp(v, "writethrough"))
                d.cache = BLK_CACHE_WRITETHROUGH;
            else if (!strcmp(v, "directsync"))
                d.cache = BLK_CACHE_DIRECTSYNC;
            else
                return dfail(err, errlen, VMOPT_USAGE,
                             "-drive: unsupported cache=%s (writeback, none, unsafe, writethrough or directsync)", v);
        } else if (!strcmp(k, "snapshot")) {
            if (!parse_bool(v, &d.snapshot))
                return dfail(err, errlen, VMOPT_USAGE, "-drive: snapshot=%s (on or off)", v);
        } else if (!strcmp(k, "x-lossy")) {
            /* The reliability tests' power failure (struct vm_drive), not a user option. */
            char *end;
            errno = 0;
            d.lossy = true;
            d.lossy_seed = !strcmp(v, "on") ? 0 : strtoull(v, &end, 0);
            if (strcmp(v, "on") && (errno || !*v || *end || *v == '-'))
                return dfail(err, errlen, VMOPT_USAGE, "-drive: x-lossy=%s (on or a seed)", v);
        } else if (!strcmp(k, "media")) {
            if (strcmp(v, "disk"))
                return dfail(err, errlen, VMOPT_USAGE, "-drive: unsupported media=%s (disk)", v);
        } else {
            return dfail(err, errlen, VMOPT_USAGE,
                         "-drive: unknown parameter '%s' (file, format, if, id, readonly, cache, snapshot)", k);
        }
    }
    if (!d.file)
        return dfail(err, errlen, VMOPT_USAGE, "-drive needs file=");
    if (!iface)
        return dfail(err, errlen, VMOPT_USAGE,
                     "-drive %s: say if=virtio, or if=none with -device virtio-blk-pci (the Malta's IDE is not modelled)",
                     d.file);
    if (d.id) {
        for (unsigned i = 0; i < cfg->ndrives; i++)
            if (cfg->drives[i].id && !strcmp(cfg->drives[i].id, d.id))
                return dfail(err, errlen, VMOPT_USAGE, "-drive: id '%s' is used twice", d.id);
    }
    if (!strcmp(iface, "none") && !d.id)
        return dfail(err, errlen, VMOPT_USAGE, "-drive %s: if=none needs an id= for -device drive=", d.file);
    unsigned n = cfg->ndrives++;
    cfg->drives[n] = d;
    if (!strcmp(iface, "virtio"))
        return add_disk(cfg, n, -1, NULL, err, errlen);
    return 0;
}

/* addr=SLOT[.0], hexadecimal with or without 0x. */
static int parse_addr(const char *v, int *slot, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    unsigned long s = strtoul(v, &end, 16);
    if (errno || end == v || *v == '-' || (*end && strcmp(end, ".0")) || s > 0x1F)
        return dfail(err, errlen, VMOPT_USAGE, "-device: addr=%s is not a PCI slot (hexadecimal 0..1f, function 0)", v);
    if (!malta_pci_slot_routed((unsigned)s))
        return dfail(err, errlen, VMOPT_BAD,
                     "-device: PCI slot 0x%lx has no interrupt on the Malta (use 0xb, 0xc or 0x12-0x15)", s);
    *slot = (int)s;
    return 0;
}

int vmopt_parse_device(struct vmopt *o, const char *spec, char *err, size_t errlen)
{
    struct vm_config *cfg = &o->cfg;
    char *s = strdup(spec), *item;
    if (!s)
        return dfail(err, errlen, VMOPT_BAD, "out of memory");
    const char *driver = next_item(&s);
    if (driver && (!strcmp(driver, "virtio-net-pci") || !strcmp(driver, "virtio-net")))
        return vmopt_parse_net_device(o, s, err, errlen);
    if (driver && (!strcmp(driver, "virtio-balloon-pci") || !strcmp(driver, "virtio-balloon")))
        return vmopt_parse_balloon_device(o, s, err, errlen);
    if (!driver || (strcmp(driver, "virtio-blk-pci") && strcmp(driver, "virtio-blk")))
        return dfail(err, errlen, VMOPT_USAGE, "unsupported -device '%s' (virtio-blk-pci, virtio-net-pci, virtio-balloon-pci)",
                     driver ? driver : "");
    const char *drive = NULL, *serial = NULL;
    int slot = -1;
    while ((item = next_item(&s))) {
        char *eq = strchr(item, '=');
        if (!eq)
            return dfail(err, errlen, VMOPT_USAGE, "-device: '%s' is not key=value", item);
        *eq = 0;
        const char *k = item, *v = eq + 1;
        if (!strcmp(k, "drive")) {
            drive = v;
        } else if (!strcmp(k, "addr")) {
            int rc = parse_addr(v, &slot, err, errlen);
            if (rc < 0)
                return rc;
        } else if (!strcmp(k, "serial")) {
            if (strlen(v) > 20)
                return dfail(err, errlen, VMOPT_USAGE, "-device: serial '%s' is longer than 20 characters", v);
            serial = v;
        } else {
            return dfail(err, errlen, VMOPT_USAGE, "-device virtio-blk-pci: unknown parameter '%s' (drive, addr, serial)", k);
        }
    }
    if (!drive)
        return dfail(err, errlen, VMOPT_USAGE, "-device virtio-blk-pci needs drive=ID");
    for (unsigned i = 0; i < cfg->ndrives; i++)
        if (cfg->drives[i].id && !strcmp(cfg->drives[i].id, drive))
            return add_disk(cfg, i, slot, serial, err, errlen);
    return dfail(err, errlen, VMOPT_USAGE, "-device virtio-blk-pci: no -drive with id '%s' (give the -drive first)", drive);
}

int vmopt_pci_slots(const struct vm_config *cfg, int disk_slots[VM_MAX_DISKS], int nic_slots[VM_MAX_NICS], char *err,
                    size_t errlen)
{
    static const unsigned fill[] = {0x12, 0x13, 0x14, 0x15, 0x0b, 0x0c};
    bool used[32] = {false};
    used[10] = true; /* the PIIX4 */
    /* Disks, then network cards: explicit slots first, the others in fill order. */
    int *slot[VM_MAX_DISKS + VM_MAX_NICS];
    unsigned n = 0;
    for (unsigned i = 0; i < cfg->ndisks; i++) {
        disk_slots[i] = cfg->disks[i].slot;
        slot[n++] = &disk_slots[i];
    }
    for (unsigned i = 0; i < cfg->nnics; i++) {
        nic_slots[i] = cfg->nics[i].slot;
        slot[n++] = &nic_slots[i];
    }
    if (cfg->balloon && cfg->balloon_dev.slot >= 0)
        used[cfg->balloon_dev.slot] = true; /* the balloon's own addr= (checked in vmopt_balloon_slot) */
    for (unsigned i = 0; i < n; i++) {
        int s = *slot[i];
        if (s < 0)
            continue;
        if (used[s])
            return dfail(err, errlen, VMOPT_BAD, "-device: PCI slot 0x%x is used twice", (unsigned)s);
        used[s] = true;
    }
    for (unsigned i = 0; i < n; i++) {
        if (*slot[i] >= 0)
            continue;
        for (size_t k = 0; k < sizeof(fill) / sizeof(fill[0]) && *slot[i] < 0; k++) {
            if (!used[fill[k]]) {
                used[fill[k]] = true;
                *slot[i] = (int)fill[k];
            }
        }
        if (*slot[i] < 0)
            return dfail(err, errlen, VMOPT_BAD, "no free PCI slot with an interrupt for another %s",
                         i < cfg->ndisks ? "disk" : "network card");
    }
    return 0;
}

int vmopt_balloon_slot(const struct vm_config *cfg, char *err, size_t errlen)
{
    static const unsigned fill[] = {0x12, 0x13, 0x14, 0x15, 0x0b, 0x0c};
    int disk_slots[VM_MAX_DISKS], nic_slots[VM_MAX_NICS];
    if (!cfg->balloon)
        return -1;
    if (vmopt_pci_slots(cfg, disk_slots, nic_slots, err, errlen) < 0)
        return -1;
    bool used[32] = {false};
    for (unsigned i = 0; i < cfg->ndisks; i++)
        used[disk_slots[i]] = true;
    for (unsigned i = 0; i < cfg->nnics; i++)
        used[nic_slots[i]] = true;
    int s = cfg->balloon_dev.slot;
    if (s >= 0) {
        if (used[s]) {
            dfail(err, errlen, VMOPT_BAD, "-device: PCI slot 0x%x is used twice", (unsigned)s);
            return -1;
        }
        return s;
    }
    for (size_t k = 0; k < sizeof(fill) / sizeof(fill[0]); k++)
        if (!used[fill[k]])
            return (int)fill[k];
    dfail(err, errlen, VMOPT_BAD, "no free PCI slot with an interrupt for the balloon");
    return -1;
}

int vmopt_disk_slots(const struct vm_config *cfg, int slots[VM_MAX_DISKS], char *err, size_t errlen)
{
    int nic_slots[VM_MAX_NICS];
    return vmopt_pci_slots(cfg, slots, nic_slots, err, errlen);
}

int vmopt_shared_writable(const struct vm_config *a, const struct vm_config *b, const char **file)
{
    /* Two VMs (or one VM twice) writing one image corrupt it: QEMU refuses with its image locks. */
    for (unsigned i = 0; i < a->ndisks; i++) {
        const struct vm_drive *x = &a->drives[a->disks[i].drive];
        char *rx = realpath(x->file, NULL);
        for (unsigned j = 0; j < b->ndisks; j++) {
            const struct vm_drive *y = &b->drives[b->disks[j].drive];
            if (a == b && j == i)
                continue;
            /* -snapshot's overlays only read their image */
            bool xw = !x->readonly && !x->snapshot && !a->snapshot, yw = !y->readonly && !y->snapshot && !b->snapshot;
            if (!xw && !yw)
                continue;
            char *ry = realpath(y->file, NULL);
            bool same = rx && ry ? !strcmp(rx, ry) : !strcmp(x->file, y->file);
            free(ry);
            if (same) {
                *file = x->file;
                free(rx);
                return 1;
            }
        }
        free(rx);
    }
    return 0;
}

/* The item syntax for the network options (monitor/options_net.c). */
char *vmopt_next_item(char **s)
{
    return next_item(s);
}

bool vmopt_parse_bool(const char *v, bool *out)
{
    return parse_bool(v, out);
}

bool vmopt_id_ok(const char *s)
{
    return id_ok(s);
}

int vmopt_parse_addr(const char *v, int *slot, char *err, size_t errlen)
{
    return parse_addr(v, slot, err, errlen);
}
