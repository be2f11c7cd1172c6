/*
 * Booting a machine: the kernel image, and on Malta everything the YAMON
 * firmware would have handed over (devices/malta/README.md §1): the initrd high
 * in low RAM, the argv/envp block, a0-a3 and the CPU state at entry.
 *
 * The same steps run again on every guest reset that reboots, so the file
 * contents are read afresh each time: what boots is what is on disk now,
 * as with firmware loading from a disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/malta/yamon.h"
#include "monitor/internal.h"

#define MALTA_BOOT_SP 0x80001FC0u /* just below the environment block, as QEMU's stub leaves it */
#define INITRD_MAX (256u << 20)

/* Reads a whole initrd into guest RAM at the address the YAMON convention gives it. */
static int load_initrd(struct vm *vm, uint32_t *phys, uint32_t *size, char *err, size_t errlen)
{
    const char *path = vm->cfg.initrd;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open initrd '%s': %s", path, strerror(errno));
        return -errno;
    }
    struct stat st;
    int rc = -EINVAL;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "initrd '%s' is not a regular file", path);
        goto out;
    }
    if (st.st_size == 0) {
        snprintf(err, errlen, "initrd '%s' is empty", path);
        goto out;
    }
    uint32_t addr = st.st_size < INITRD_MAX ? yamon_initrd_addr(vm->ram_size, (uint64_t)st.st_size) : 0;
    if (!addr || addr < vm->kernel_hi) {
        snprintf(err, errlen, "initrd '%s' (%lld bytes) does not fit in guest RAM above the kernel (-m %llu)",
                 path, (long long)st.st_size, (unsigned long long)(vm->ram_size >> 20));
        rc = -E2BIG;
        goto out;
    }
    /* From the monitor's file cache, mapped copy-on-write where whole pages line up (the address is
     * 64 KiB-aligned, so all but the last page), else through the one host-write path. */
    struct file_pages fp;
    rc = filecache_get(vm->mm, fd, &fp);
    if (rc == 0) {
        if (fp.size != (uint64_t)st.st_size)
            rc = -EIO; /* changed between the two looks */
        else
            rc = filecache_load(&vm->physmap, &fp, 0, addr, fp.size);
        filecache_put(&fp);
    }
    if (rc < 0) {
        snprintf(err, errlen, "cannot load initrd '%s': %s", path, strerror(-rc));
        goto out;
    }
    *phys = addr;
    *size = (uint32_t)st.st_size;
    rc = 0;
out:
    close(fd);
    return rc;
}

static int boot_malta(struct vm *vm, uint32_t entry, char *err, size_t errlen)
{
    struct vcpu *v = vm->vcpu;
    struct yamon_args a = {.ram_size = vm->ram_size, .cmdline = vm->cfg.append, .seed = vm->cfg.seed};
    if (vm->cfg.initrd) {
        int rc = load_initrd(vm, &a.initrd_phys, &a.initrd_size, err, errlen);
        if (rc < 0)
            return rc;
    }
    uint32_t regs[4];
    int rc = yamon_setup(&vm->physmap, &a, regs, err, errlen);
    if (rc < 0)
        return rc;
    for (int i = 0; i < 4; i++)
        v->gpr[4 + i] = regs[i];
    v->gpr[29] = MALTA_BOOT_SP;
    v->pc = entry;
    /* The firmware hands over with BEV still set and ERL clear (QEMU hw/mips/malta.c). */
    v->cp0.status &= ~ST_ERL;
    cp0_update_mode(v);
    return 0;
}

int vm_boot(struct vm *vm, char *err, size_t errlen)
{
    uint32_t entry;
    int rc = loader_load_elf(vm, vm->cfg.kernel, &entry, err, errlen);
    if (rc < 0)
        return rc;
    if (vm->cfg.machine == MACHINE_MALTA)
        return boot_malta(vm, entry, err, errlen);
    vm->vcpu->pc = entry;
    return 0;
}
