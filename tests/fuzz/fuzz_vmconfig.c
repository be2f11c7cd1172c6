/*
 * Fuzzing --vm-config (monitor/vmconfig.c and the option parser it hands each VM's options to,
 * monitor/options.c): the input is the JSON file. It is either loaded, or refused with one
 * line (no newline in it) that names the file; nothing crashes.
 *
 * Leaks are not checked here: the options' strings are allocated to live as long as the
 * process (monitor/options.h, vmopt_parse), which a config file loaded once does.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/vmconfig.h"

const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "detect_leaks=0";
}

static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!path[0])
        snprintf(path, sizeof(path), "/tmp/mvisor-fuzz-vmconfig.%d.json", (int)getpid());
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size)
        abort();
    close(fd);
    struct vmopt *vms = NULL;
    unsigned n = 0;
    char err[1024] = "";
    int rc = vmconfig_load(path, 64, &vms, &n, err, sizeof(err));
    if (rc < 0 && (!err[0] || strchr(err, '\n') || !strstr(err, path))) {
        fprintf(stderr, "fuzz_vmconfig: refused (%d) without one line naming the file: '%s'\n", rc, err);
        abort();
    }
    if (rc == 0 && (n == 0 || n > 64 || !vms)) {
        fprintf(stderr, "fuzz_vmconfig: loaded %u VMs\n", n);
        abort();
    }
    free(vms);
    unlink(path);
    return 0;
}
