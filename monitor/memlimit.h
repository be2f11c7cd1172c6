/* monitor/ internal: --mem-limit, the overcommit guard (monitor/memlimit.c). */
#ifndef MVISOR_MEMLIMIT_H
#define MVISOR_MEMLIMIT_H

#include <stdint.h>

struct vm;
struct memlimit;

/* Watches the machine memory of vms[0..n) against limit bytes and inflates balloons before the
 * limit would be passed; says at start if the VMs' RAM sums past it. -errno. */
int memlimit_start(struct memlimit **out, uint64_t limit, struct vm **vms, unsigned n);
/* Stops the thread (after the VMs' runs, before they are destroyed); NULL is fine. */
void memlimit_stop(struct memlimit *ml);

#endif
