/*
 * wl's entry point: dispatches on the first argument to one workload
 * (see wl.h for why they share a binary) and holds the helpers they share.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wl.h"

uint64_t wl_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t wl_arg_u64(const char *cmd, const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || !*s || *end || *s == '-') {
        fprintf(stderr, "wl %s: bad number '%s'\n", cmd, s);
        exit(2);
    }
    return v;
}

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *usage;
} cmds[] = {
    {"mark", cmd_mark, "NAME PHASE            print '@@mark NAME PHASE guest_ns=T'"},
    {"intmark", cmd_intmark, "ITERATIONS [SEED]  the CoreMark-shaped integer benchmark"},
    {"forkexec", cmd_forkexec, "N PROGRAM         fork, exec PROGRAM (no arguments), wait; N times"},
    {"fill", cmd_fill, "MIB FILE|-             write MIB MiB of a fixed pseudo-random pattern"},
    {"syscalls", cmd_syscalls, "N                  N getppid system calls"},
    {"pagefault", cmd_pagefault, "MIB [CHUNK_MIB]   touch MIB MiB of fresh pages, CHUNK_MIB mapped at a time"},
};

int main(int argc, char **argv)
{
    if (argc >= 2)
        for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
            if (!strcmp(argv[1], cmds[i].name))
                return cmds[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "usage: wl COMMAND ARGS\n");
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        fprintf(stderr, "  wl %s %s\n", cmds[i].name, cmds[i].usage);
    return 2;
}
