/* monitor/ internal: the options that describe one VM (monitor/options.c). */
#ifndef MVISOR_OPTIONS_H
#define MVISOR_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "monitor/monitor.h"

/* A VM's name: -name, a config file's "name", or a clone's: 1 to this many characters. */
#define VMOPT_NAME_MAX 64

/* Error returns of vmopt_parse and vmopt_check: a usage error (the command line adds a pointer
 * to --help) or any other bad value. */
#define VMOPT_USAGE (-1)
#define VMOPT_BAD (-2)

/* One VM's options as parsed so far. */
struct vmopt {
    struct vm_config cfg;
    struct dbt_trace trace;  /* --trace, parsed (trace.on false: off) */
    bool serial_given;       /* -serial (else the monitor picks ttyS0's place) */
    bool weight_given;       /* --weight */
    bool name_given;         /* -name */
    const char *base_dir;    /* relative paths resolve against it; NULL: as given */
};

/* Defaults: the Malta board, 256 MiB, the default TLB; base_dir as above. */
void vmopt_init(struct vmopt *o, const char *base_dir);
/*
 * If argv[*i] is a per-VM option (-opt and --opt alike), takes it and its argument (advancing
 * *i) and returns 1; returns 0 if it is not one (a monitor-wide option, or unknown); or
 * VMOPT_USAGE / VMOPT_BAD with a message in err. Strings the options keep point into argv or
 * are allocated (paths resolved against base_dir), and live as long as the process.
 */
int vmopt_parse(struct vmopt *o, int argc, char *const *argv, int *i, char *err, size_t errlen);
/* What can only be checked once every option is known: a kernel, the testbench's limits. */
int vmopt_check(const struct vmopt *o, char *err, size_t errlen);
/* Whether s is a valid VM name (1..VMOPT_NAME_MAX letters, digits, '.', '_', '-'). */
bool vmopt_name_ok(const char *s);

/* Whether a is one of the monitor's own options (the command line's only, never a VM's). */
bool vmopt_monitor_wide(const char *a);

#endif
