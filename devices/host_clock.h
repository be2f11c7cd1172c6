/*
 * The host's monotonic clock in nanoseconds, for the monitor and for devices and backends that
 * time host-side events (a switch's address ageing, slirp's timers, --profile's intervals). Not
 * guest time: that is struct dev_clock's (devices/devices.h), which stands still while a VM is
 * paused and follows executed instructions in deterministic mode.
 */
#ifndef DEVICES_HOST_CLOCK_H
#define DEVICES_HOST_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t host_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif
