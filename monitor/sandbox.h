/* The monitor's system-call filter once VMs run (monitor/sandbox.c; -sandbox on|off). */
#ifndef MVISOR_SANDBOX_H
#define MVISOR_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

/* Whether -sandbox is on without the option: off in sanitizer builds, whose runtimes trace. */
bool sandbox_default(void);
/* Installs the filter on every thread of the process; 0, or -errno with a message in err. */
int sandbox_enable(char *err, size_t errlen);

#endif
