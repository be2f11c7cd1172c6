/*
 * wl: the benchmark workloads, one static multi-call program.
 *
 * The same sources build twice: for the guest (static mipsel, cross-built at
 * bench time) and for the host (native, the physical limit of the integer
 * benchmark, and the oracle for the fill pattern's digest). One binary keeps
 * the initramfs small and makes every fork+exec of a workload cost the same.
 * Each command prints one result line of key=value pairs that bench/run.py
 * parses; a non-zero exit status means the workload's own check failed.
 */
#ifndef WL_H
#define WL_H

#include <stdint.h>

/* CLOCK_MONOTONIC in nanoseconds: the guest's own view of elapsed time. */
uint64_t wl_now_ns(void);
/* A decimal or 0x-prefixed count from argv, or exit 2 with a message. */
uint64_t wl_arg_u64(const char *cmd, const char *s);

int cmd_mark(int argc, char **argv);
int cmd_intmark(int argc, char **argv);
int cmd_forkexec(int argc, char **argv);
int cmd_fill(int argc, char **argv);
int cmd_syscalls(int argc, char **argv);
int cmd_pagefault(int argc, char **argv);

#endif
