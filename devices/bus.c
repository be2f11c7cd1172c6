/*
 * Run-time address windows and PCI configuration space.
 *
 * A bus_window is what sits behind one PCI window of the host bridge: a
 * short list of ranges the guest can move (BARs, PIIX4's PMBA) next to
 * fixed ones (the ISA ports). A handful of ranges is all a board has, so a
 * linear scan is the whole lookup. Space nobody claims behaves as a PCI
 * master abort: reads return all-ones, writes vanish. The ISA probes rely
 * on that: Linux's i8042 probe gives up at once when the status port reads
 * 0xFF (Linux drivers/input/serio/i8042.c; devices/malta/README.md §3).
 *
 * Configuration space is a byte array per function with a write mask and a
 * write-one-to-clear mask, so every register that is plain storage needs no
 * code; functions with side effects get a callback after each write.
 */
#include <errno.h>
#include <string.h>

#include "devices/bus.h"

void bus_window_init(struct bus_window *w, const char *name, uint64_t size)
{
    memset(w, 0, sizeof(*w));
    w->name = name;
    w->size = size;
}

int bus_add(struct bus_window *w, uint64_t base, uint64_t size, const struct mem_region_ops *ops,
            void *opaque)
{
    if (w->n >= BUS_MAX_RANGES)
        return -ENOSPC;
    if (!ops || size == 0)
        return -EINVAL;
    w->r[w->n] = (struct bus_range){.base = base, .size = size, .ops = ops, .opaque = opaque, .enabled = true};
    return (int)w->n++;
}

void bus_move(struct bus_window *w, int id, uint64_t base, bool enabled)
{
    if (id < 0 || (unsigned)id >= w->n)
        return;
    w->r[id].base = base;
    w->r[id].enabled = enabled;
}

static struct bus_range *bus_find(struct bus_window *w, uint64_t off, unsigned size)
{
    for (unsigned i = 0; i < w->n; i++) {
        struct bus_range *r = &w->r[i];
        if (r->enabled && off >= r->base && off - r->base < r->size && off - r->base + size <= r->size)
            return r;
    }
    return NULL;
}

uint64_t bus_read(struct bus_window *w, uint64_t off, unsigned size)
{
    struct bus_range *r = bus_find(w, off, size);
    if (!r || !r->ops->read)
        return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
    return r->ops->read(r->opaque, off - r->base, size);
}

void bus_write(struct bus_window *w, uint64_t off, uint64_t val, unsigned size)
{
    struct bus_range *r = bus_find(w, off, size);
    if (r && r->ops->write)
        r->ops->write(r->opaque, off - r->base, val, size);
}

static uint64_t bus_window_read(void *opaque, uint64_t off, unsigned size)
{
    return bus_read(opaque, off, size);
}

static void bus_window_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    bus_write(opaque, off, val, size);
}

const struct mem_region_ops bus_window_ops = {
    .read = bus_window_read,
    .write = bus_window_write,
};

/* ---- configuration space ----------------------------------------------- */

void pci_set8(struct pci_func *f, unsigned reg, uint8_t val, uint8_t wmask)
{
    f->cfg[reg] = val;
    f->wmask[reg] = wmask;
}

void pci_set16(struct pci_func *f, unsigned reg, uint16_t val, uint16_t wmask)
{
    pci_set8(f, reg, (uint8_t)val, (uint8_t)wmask);
    pci_set8(f, reg + 1, (uint8_t)(val >> 8), (uint8_t)(wmask >> 8));
}

void pci_set32(struct pci_func *f, unsigned reg, uint32_t val, uint32_t wmask)
{
    pci_set16(f, reg, (uint16_t)val, (uint16_t)wmask);
    pci_set16(f, reg + 2, (uint16_t)(val >> 16), (uint16_t)(wmask >> 16));
}

uint16_t pci_get16(const struct pci_func *f, unsigned reg)
{
    return (uint16_t)(f->cfg[reg] | f->cfg[reg + 1] << 8);
}

uint32_t pci_get32(const struct pci_func *f, unsigned reg)
{
    return pci_get16(f, reg) | (uint32_t)pci_get16(f, reg + 2) << 16;
}

void pci_func_init(struct pci_func *f, uint16_t vendor, uint16_t device, uint32_t class_code,
                   uint8_t revision, uint8_t header_type)
{
    memset(f, 0, sizeof(*f));
    pci_set16(f, PCI_VENDOR_ID, vendor, 0);
    pci_set16(f, PCI_DEVICE_ID, device, 0);
    /* Command: I/O, memory and bus-master enable (PCI Local Bus Spec. 3.0, 6.2.2). */
    pci_set16(f, PCI_COMMAND, 0, PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER);
    pci_set8(f, PCI_REVISION, revision, 0);
    pci_set8(f, PCI_CLASS_PROG, (uint8_t)class_code, 0);
    pci_set16(f, PCI_CLASS_PROG + 1, (uint16_t)(class_code >> 8), 0);
    pci_set8(f, PCI_CACHE_LINE, 0, 0xFF);
    pci_set8(f, PCI_LATENCY, 0, 0xFF);
    pci_set8(f, PCI_HEADER_TYPE, header_type, 0);
    pci_set8(f, PCI_INTERRUPT_LINE, 0, 0xFF);
}

void pci_bus_plug(struct pci_bus *b, unsigned devfn, struct pci_func *f)
{
    b->fn[devfn & 0xFF] = f;
}

bool pci_cfg_read(struct pci_bus *b, unsigned devfn, unsigned reg, unsigned size, uint32_t *val)
{
    struct pci_func *f = b->fn[devfn & 0xFF];
    if (!f || reg >= PCI_CFG_SIZE || reg + size > PCI_CFG_SIZE) {
        *val = size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
        return false;
    }
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)f->cfg[reg + i] << (8 * i);
    *val = v;
    return true;
}

bool pci_cfg_write(struct pci_bus *b, unsigned devfn, unsigned reg, uint32_t val, unsigned size)
{
    struct pci_func *f = b->fn[devfn & 0xFF];
    if (!f || reg >= PCI_CFG_SIZE || reg + size > PCI_CFG_SIZE)
        return false;
    for (unsigned i = 0; i < size; i++) {
        uint8_t b8 = (uint8_t)(val >> (8 * i));
        unsigned r = reg + i;
        f->cfg[r] = (uint8_t)((f->cfg[r] & ~f->wmask[r]) | (b8 & f->wmask[r]));
        f->cfg[r] &= (uint8_t)~(b8 & f->w1cmask[r]);
    }
    if (f->written)
        f->written(f->opaque, reg, size);
    return true;
}
