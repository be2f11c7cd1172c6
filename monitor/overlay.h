/* monitor/ internal: the disk overlays of -snapshot, --clone and --vm-config (monitor/overlay.c). */
#ifndef MVISOR_OVERLAY_H
#define MVISOR_OVERLAY_H

#include <stdbool.h>
#include <stddef.h>

#include "monitor/vmset.h"

/*
 * Decides which writable drives get an overlay: -snapshot / snapshot=on a temporary one; with
 * clones (--clone) every other writable drive, and in a config file a drive whose image another
 * VM also writes, one in the run folder (sets s->need_run_dir). Refuses, with one message, an
 * image one VM writes in place while another VM uses it. Opens nothing.
 */
int overlay_plan(struct vmset *s, bool clones, char *err, size_t errlen);
/* Makes the planned overlays (the run folder chosen: s->run_dir), each drive's file then being
 * its overlay. The base is opened first, so a missing or broken image is its own one-line
 * error. -errno with a message naming the VM. */
int overlay_make(struct vmset *s, char *err, size_t errlen);
/* Removes the temporary overlays not yet open (all: also those made in the run folder, when
 * the run never started). */
void overlay_discard(struct vmset *s, bool all);

#endif
