/* monitor/ internal: --vm-config FILE, the VMs of one monitor as JSON (monitor/vmconfig.c). */
#ifndef MVISOR_VMCONFIG_H
#define MVISOR_VMCONFIG_H

#include <stddef.h>

#include "monitor/options.h"

/*
 * Reads the VMs of the file at path: on success *vms (n entries, allocated) hold each VM's
 * options, names set, and 0 is returned. On failure, -errno (-EINVAL for what the file says) and
 * one line in err that names the file
 * (as given) and, when the fault is in one VM, that VM. At most max VMs.
 */
int vmconfig_load(const char *path, unsigned max, struct vmopt **vms, unsigned *n, char *err, size_t errlen);

#endif
