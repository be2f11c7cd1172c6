/* monitor/ internals: shared between cp0.c, vcpu.c, vm.c and the loaders. Not for other folders. */
#ifndef MVISOR_MONITOR_INTERNAL_H
#define MVISOR_MONITOR_INTERNAL_H

#include "devices/host_clock.h"
#include "monitor/monitor.h"

void cp0_reset(struct vcpu *v, uint64_t seed);
void cp0_update_mode(struct vcpu *v);
void cp0_update_ip(struct vcpu *v);
bool cp0_interrupt_pending(const struct vcpu *v);
bool cp0_interrupts_enabled(const struct vcpu *v);

/* Makes the engine call vcpu_events() before the next instruction. */
void vcpu_kick(struct vcpu *v);
/* Sets Cause.TI if Count passed Compare since the last check. */
void vcpu_timer_check(struct vcpu *v);
void vcpu_set_count(struct vcpu *v, uint32_t val);
void vcpu_compare_written(struct vcpu *v, uint32_t old);
/* Count as the vCPU's mfc0 reads it (remembered for vcpu_compare_written). */
uint32_t vcpu_count_read(struct vcpu *v);
/* Drops cached translations that depend on the ASID. */
void vcpu_asid_changed(struct vcpu *v);

/* Host-side reasons to stop: Ctrl-A x, a terminating signal (VCPU_EXIT_NONE if none). */
enum vcpu_exit vcpu_host_stop(struct vm *vm);

/* Moves pending console input into ttyS0 as far as its receiver has room (and sends the SysRq
 * keys of a powerdown in progress). */
void vm_console_pump(struct vm *vm);

/* A boot file's contents in machine pages (monitor/filecache.c), held by the monitor's cache. */
struct file_pages {
    struct machmem *mm;
    uint64_t size;
    uint32_t npages;
    const mpn_t *pages;
    void *entry; /* the cache entry held for the caller */
};
/* fd's contents in machine pages of mm, read on first use and kept for the monitor's life (keyed by
 * device, inode, size and modification time); 0 or -errno. On success the caller holds the pages
 * until filecache_put, even if the file changes on disk and another caller reads it again. */
int filecache_get(struct machmem *mm, int fd, struct file_pages *out);
/* Lets go of what filecache_get gave (the VMs keep the pages they mapped). */
void filecache_put(struct file_pages *f);
/* Puts bytes [off, off + len) of f at guest-physical pa: whole RAM pages that line up are mapped
 * copy-on-write, the rest copied through physmap_write; 0 or -errno. */
int filecache_load(struct physmap *pm, const struct file_pages *f, uint64_t off, gpa_t pa, uint64_t len);

double host_monotonic_s(void);

#endif
