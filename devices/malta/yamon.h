/* devices/ internal: the YAMON boot environment of the Malta board. */
#ifndef MVISOR_YAMON_H
#define MVISOR_YAMON_H

#include <stddef.h>
#include <stdint.h>

#include "shadow-mmu/shadow_mmu.h"

struct yamon_args {
    uint64_t ram_size;     /* bytes of guest RAM */
    const char *cmdline;   /* user command line (-append), may be NULL */
    uint32_t initrd_phys;  /* 0 if none */
    uint32_t initrd_size;
    uint64_t seed;         /* feeds rngseed */
};

/* Where QEMU's malta puts an initrd of this size (phys, 64 KiB aligned), or 0 if it cannot fit. */
uint32_t yamon_initrd_addr(uint64_t ram_size, uint64_t initrd_size);
/* Writes argv/envp into guest RAM and returns a0..a3 for kernel entry; -errno with a message. */
int yamon_setup(struct physmap *pm, const struct yamon_args *a, uint32_t regs[4], char *err, size_t errlen);

#endif
