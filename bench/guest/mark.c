/*
 * wl mark NAME PHASE: one console marker line with the guest's monotonic
 * clock. The host timestamps each marker as it arrives on the console, so
 * the same interval is measured on both clocks (guest-elapsed / host-elapsed
 * shows whether the guest's time keeps up with the host's). One write(2), so
 * the line cannot interleave with other output.
 */
#include <stdio.h>
#include <unistd.h>

#include "wl.h"

int cmd_mark(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: wl mark NAME PHASE\n");
        return 2;
    }
    char line[256];
    int n = snprintf(line, sizeof(line), "@@mark %s %s guest_ns=%llu\n", argv[1], argv[2],
                     (unsigned long long)wl_now_ns());
    if (n < 0 || (size_t)n >= sizeof(line))
        return 2;
    return write(1, line, (size_t)n) == n ? 0 : 1;
}
