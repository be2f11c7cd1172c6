/*
 * devices/ internal: address windows whose contents move at run time, and
 * PCI configuration space. The physmap is fixed when the board is built,
 * but PCI BARs (and PIIX4's PMBA) are placed by the guest, so each PCI
 * window (the I/O window holding every ISA port, the memory windows) is one
 * physmap region whose accesses dispatch through a struct bus_window.
 */
#ifndef MVISOR_DEVICES_BUS_H
#define MVISOR_DEVICES_BUS_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/devices.h"

/* ---- windows ------------------------------------------------------------ */

#define BUS_MAX_RANGES 32

struct bus_range {
    uint64_t base, size;
    const struct mem_region_ops *ops;
    void *opaque;
    bool enabled;
};

struct bus_window {
    const char *name;
    uint64_t size;
    unsigned n;
    struct bus_range r[BUS_MAX_RANGES];
};

void bus_window_init(struct bus_window *w, const char *name, uint64_t size);
/* Adds a range at base (enabled); returns its id (>= 0) or -errno. Ranges may overlap while
 * disabled; among enabled ones the first added wins. */
int bus_add(struct bus_window *w, uint64_t base, uint64_t size, const struct mem_region_ops *ops,
            void *opaque);
/* Moves and/or enables range id (a guest-programmed BAR). */
void bus_move(struct bus_window *w, int id, uint64_t base, bool enabled);
/* Accesses at window offset off. Nothing claims it: reads all-ones (a PCI master abort),
 * writes are dropped. */
uint64_t bus_read(struct bus_window *w, uint64_t off, unsigned size);
void bus_write(struct bus_window *w, uint64_t off, uint64_t val, unsigned size);
/* The window as a physmap region; opaque is the struct bus_window. */
extern const struct mem_region_ops bus_window_ops;

/* ---- PCI configuration space ------------------------------------------- */

#define PCI_CFG_SIZE 256
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_REVISION 0x08
#define PCI_CLASS_PROG 0x09
#define PCI_CACHE_LINE 0x0C
#define PCI_LATENCY 0x0D
#define PCI_HEADER_TYPE 0x0E
#define PCI_BAR0 0x10
#define PCI_SUBSYS_VENDOR 0x2C
#define PCI_INTERRUPT_LINE 0x3C
#define PCI_INTERRUPT_PIN 0x3D
#define PCI_CMD_IO 0x0001
#define PCI_CMD_MEM 0x0002
#define PCI_CMD_MASTER 0x0004
#define PCI_HEADER_MULTI 0x80

struct pci_func {
    uint8_t cfg[PCI_CFG_SIZE];
    uint8_t wmask[PCI_CFG_SIZE];   /* bits the guest may change */
    uint8_t w1cmask[PCI_CFG_SIZE]; /* bits a 1 clears (status) */
    /* Called after every write with the register range written (e.g. to move a BAR). */
    void (*written)(void *opaque, unsigned reg, unsigned size);
    void *opaque;
};

/* Bus 0 as seen through the host bridge: one entry per device/function number. */
struct pci_bus {
    struct pci_func *fn[256];
};

/* A type-0 header: IDs, class code (base, sub, prog-if) and revision; Command bits 0-2,
 * cache line, latency and interrupt line writable. */
void pci_func_init(struct pci_func *f, uint16_t vendor, uint16_t device, uint32_t class_code,
                   uint8_t revision, uint8_t header_type);
void pci_set8(struct pci_func *f, unsigned reg, uint8_t val, uint8_t wmask);
void pci_set16(struct pci_func *f, unsigned reg, uint16_t val, uint16_t wmask);
void pci_set32(struct pci_func *f, unsigned reg, uint32_t val, uint32_t wmask);
uint32_t pci_get32(const struct pci_func *f, unsigned reg);
uint16_t pci_get16(const struct pci_func *f, unsigned reg);

/* Plugs f in at devfn (device << 3 | function). */
void pci_bus_plug(struct pci_bus *b, unsigned devfn, struct pci_func *f);
/* A configuration read of size 1/2/4 at reg; false if no function answers (master abort). */
bool pci_cfg_read(struct pci_bus *b, unsigned devfn, unsigned reg, unsigned size, uint32_t *val);
bool pci_cfg_write(struct pci_bus *b, unsigned devfn, unsigned reg, uint32_t val, unsigned size);

#endif
