/* monitor/ internal: the VMs one monitor runs, before and after their run (monitor/vmset.c). */
#ifndef MVISOR_VMSET_H
#define MVISOR_VMSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "monitor/options.h"

/* The most VMs one monitor runs (--clone, --vm-config). */
#define VMSET_MAX_VMS 1024u

struct vmset_vm {
    struct vmopt opt;
    struct vm *vm;  /* once created */
    int log_fd;     /* RUNDIR/NAME.log of a Malta VM's console, or -1 */
    FILE *log_file; /* RUNDIR/NAME.log of a testbench VM (its test device's output), or NULL */
    char *made_serial_path; /* RUNDIR/NAME.sock when made here (freed by vmset_destroy) */
};

struct vmset {
    struct vmset_vm *v;
    unsigned n;
    const char *config;  /* --vm-config FILE, or NULL: the VMs come from the command line */
    const char *run_dir; /* where the default consoles are, once chosen (NULL: none needed) */
    bool run_dir_ours;   /* run_dir is the default one, made here */
    bool need_run_dir;   /* disk overlays go in the run folder (monitor/overlay.c) */
    unsigned names_made; /* v[0..names_made) carry a name made here (--clone), freed with them */
};

/* The VMs of the command line: n copies of o (--clone n: named NAME0.. or vm0..; n == 0: o
 * alone). -errno with a message if a name would be too long or memory is short. */
int vmset_from_cmdline(struct vmset *s, const struct vmopt *o, unsigned clones, char *err, size_t errlen);
/* The VMs of a config file (its path, for messages); s->n stays 0 if memory is short. */
void vmset_from_list(struct vmset *s, struct vmopt *opts, unsigned n, const char *config);
/* Gives every VM without --seed and not --deterministic a seed of its own. */
void vmset_draw_seeds(struct vmset *s);
/*
 * ttyS0 of every VM: an explicit -serial wins; without one, a VM alone keeps stdio, while each
 * of several VMs (or any, with --run-dir) gets RUNDIR/NAME.sock and RUNDIR/NAME.log (a testbench
 * VM only the log, of its test device's output). RUNDIR is run_dir, or else
 * ${TMPDIR:-/tmp}/mvisor-PID, created (mode 0700) if missing, also when only disk overlays need
 * it (need_run_dir); *defaulted says it was chosen here.
 * Refuses two VMs on the terminal and two users of one file or socket (qmp_path included).
 * -errno with a message; logs are open on success.
 */
int vmset_consoles(struct vmset *s, const char *run_dir, const char *qmp_path, bool *defaulted, char *err,
                   size_t errlen);
/* After vm_start: the Malta consoles' logs. */
void vmset_attach_logs(struct vmset *s);
/* Where a message about VM i comes from: "" (a VM alone from the command line), "NAME: "
 * (clones) or "FILE: vm \"NAME\": " (a config file). */
const char *vmset_where(const struct vmset *s, unsigned i, char *buf, size_t len);
/* Why VM i ended with status (vm_run's), in a few words, for the exit report. */
const char *vmset_exit_reason(const struct vmset *s, unsigned i, int status);
/* Destroys the VMs created and closes the logs; in a default run folder, removes the logs that
 * stayed empty, and the folder if nothing else is left. */
void vmset_destroy(struct vmset *s);

#endif
