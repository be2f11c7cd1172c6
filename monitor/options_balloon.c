/*
 * The balloon's option, in QEMU's spelling (QEMU docs "-device", hw/virtio/virtio-balloon.c
 * properties):
 *
 *   -device virtio-balloon-pci[,addr=SLOT][,deflate-on-oom=on|off][,free-page-reporting=on|off]
 *          [,page-poison=on|off][,guest-stats-polling-interval=SECONDS][,id=ID]
 *
 * (virtio-balloon is the same). One balloon per VM, as QEMU allows. Defaults as QEMU's but for
 * free-page-reporting, on here: giving free memory back is what the balloon is for in a monitor
 * of many VMs. The device is legacy only; QEMU's disable-modern=on, disable-legacy=off and
 * romfile= are accepted and change nothing, like the network card's.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/options.h"

static int bfail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return rc;
}

int vmopt_parse_balloon_device(struct vmopt *o, char *s, char *err, size_t errlen)
{
    const char *opt = "-device virtio-balloon-pci";
    struct vm_config *cfg = &o->cfg;
    if (cfg->balloon)
        return bfail(err, errlen, VMOPT_BAD, "%s: only one balloon per VM", opt);
    struct vm_balloon bl = {.slot = -1, .free_page_reporting = true, .page_poison = true};
    char *item;
    while ((item = vmopt_next_item(&s))) {
        char *eq = strchr(item, '=');
        if (!eq)
            return bfail(err, errlen, VMOPT_USAGE, "%s: '%s' is not key=value", opt, item);
        *eq = 0;
        const char *k = item, *v = eq + 1;
        bool b;
        if (!strcmp(k, "addr")) {
            int rc = vmopt_parse_addr(v, &bl.slot, err, errlen);
            if (rc < 0)
                return rc;
        } else if (!strcmp(k, "deflate-on-oom") || !strcmp(k, "free-page-reporting") || !strcmp(k, "page-poison")) {
            bool *dst = !strcmp(k, "deflate-on-oom") ? &bl.deflate_on_oom
                        : !strcmp(k, "page-poison") ? &bl.page_poison
                                                    : &bl.free_page_reporting;
            if (!vmopt_parse_bool(v, dst))
                return bfail(err, errlen, VMOPT_USAGE, "%s: %s=%s (on or off)", opt, k, v);
        } else if (!strcmp(k, "guest-stats-polling-interval")) {
            char *end;
            errno = 0;
            unsigned long n = strtoul(v, &end, 10);
            if (errno || end == v || *end || *v == '-' || n > 86400)
                return bfail(err, errlen, VMOPT_USAGE, "%s: guest-stats-polling-interval=%s (seconds, 0..86400)", opt, v);
            bl.stats_interval_s = (unsigned)n;
        } else if (!strcmp(k, "romfile") || !strcmp(k, "id")) {
            /* no option ROM on a Malta; ids of devices name nothing here */
        } else if (!strcmp(k, "disable-modern")) {
            if (!vmopt_parse_bool(v, &b) || !b)
                return bfail(err, errlen, VMOPT_USAGE, "%s: disable-modern=%s (the device is legacy only: on)", opt, v);
        } else if (!strcmp(k, "disable-legacy")) {
            if (!vmopt_parse_bool(v, &b) || b)
                return bfail(err, errlen, VMOPT_USAGE, "%s: disable-legacy=%s (the device is legacy only: off)", opt, v);
        } else {
            return bfail(err, errlen, VMOPT_USAGE,
                         "%s: unknown parameter '%s' (addr, deflate-on-oom, free-page-reporting, page-poison, "
                         "guest-stats-polling-interval, id, romfile)",
                         opt, k);
        }
    }
    cfg->balloon = true;
    cfg->balloon_dev = bl;
    return 0;
}
