/*
 * Fuzzing the ELF loader (monitor/loader.c): the input is a -kernel file, loaded into a 16 MiB
 * test machine. Whatever the bytes, the loader either loads it or fails with a one-line
 * message, and a loaded image starts and ends in guest memory.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/monitor.h"

static struct vm vm;
static char path[64];

static void setup(void)
{
    struct vm_config cfg = {.machine = MACHINE_TESTBENCH, .ram_mb = 16, .deterministic = true,
                            .tlb_entries = MTLB_DEFAULT_ENTRIES, .exec = EXEC_INTERP};
    char err[256];
    if (vm_create(&vm, &cfg, err, sizeof(err)) < 0) {
        fprintf(stderr, "fuzz_elf: %s\n", err);
        abort();
    }
    snprintf(path, sizeof(path), "/tmp/mvisor-fuzz-elf.%d", (int)getpid());
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!vm.vcpu)
        setup();
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size)
        abort();
    close(fd);
    char err[512] = "";
    uint32_t entry = 0;
    int rc = loader_load_elf(&vm, path, &entry, err, sizeof(err));
    unlink(path);
    if (rc < 0 && (!err[0] || strchr(err, '\n'))) {
        fprintf(stderr, "fuzz_elf: failed (%d) without a one-line message: '%s'\n", rc, err);
        abort();
    }
    if (rc == 0 && (vm.kernel_lo >= vm.kernel_hi || !physmap_is_mem(&vm.physmap, vm.kernel_lo, 1) ||
                    !physmap_is_mem(&vm.physmap, vm.kernel_hi - 1, 1))) {
        fprintf(stderr, "fuzz_elf: loaded outside memory: [%#llx, %#llx)\n", (unsigned long long)vm.kernel_lo,
                (unsigned long long)vm.kernel_hi);
        abort();
    }
    return 0;
}
