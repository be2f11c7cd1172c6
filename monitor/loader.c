/*
 * Loading ELF32 little-endian MIPS executables with libelf.
 *
 * Each PT_LOAD segment goes to guest-physical memory, its whole pages mapped
 * copy-on-write from the monitor's file cache (monitor/filecache.c): a kseg0/kseg1
 * address is folded to its physical alias (p_paddr & 0x1FFFFFFF, what a
 * Malta boot loader does for Debian's vmlinuz: QEMU hw/mips/malta.c load_kernel), any
 * other address is taken as physical. Every failure is one clear message
 * and an error code; nothing here may crash on a hostile file.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor/internal.h"


/* libelf's version handshake sets its process-wide state: once per process, whichever VM loads
 * first (VMs load their kernels on their own threads). */
static pthread_once_t elf_once = PTHREAD_ONCE_INIT;
static bool elf_ok;

static void elf_init(void)
{
    elf_ok = elf_version(EV_CURRENT) != EV_NONE;
}

static gpa_t segment_phys(uint32_t paddr)
{
    if (paddr >= 0x80000000u && paddr < 0xC0000000u)
        return paddr & 0x1FFFFFFFu;
    return paddr;
}

int loader_load_elf(struct vm *vm, const char *path, uint32_t *entry, char *err, size_t errlen)
{
    int rc = -EINVAL;
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        return -errno;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "'%s' is not a regular file", path);
        close(fd);
        return -EINVAL;
    }
    pthread_once(&elf_once, elf_init);
    if (!elf_ok) {
        snprintf(err, errlen, "libelf is unusable: %s", elf_errmsg(-1));
        close(fd);
        return -EINVAL;
    }
    /* libelf calls a file with the ELF magic but a cut-off header "not ELF"; say what it is. */
    unsigned char magic[SELFMAG];
    if (st.st_size >= SELFMAG && st.st_size < (off_t)sizeof(Elf32_Ehdr) &&
        pread(fd, magic, SELFMAG, 0) == SELFMAG && memcmp(magic, ELFMAG, SELFMAG) == 0) {
        snprintf(err, errlen, "'%s' is truncated (%lld bytes, shorter than an ELF header)", path,
                 (long long)st.st_size);
        close(fd);
        return -EINVAL;
    }
    struct file_pages fp = {0}; /* held from the file cache until out */
    Elf *e = elf_begin(fd, ELF_C_READ, NULL);
    if (!e || elf_kind(e) != ELF_K_ELF) {
        snprintf(err, errlen, "'%s' is not an ELF file", path);
        goto out;
    }
    size_t fsize = 0;
    char *raw = elf_rawfile(e, &fsize);
    const unsigned char *id = (const unsigned char *)raw;
    if (!raw || fsize < EI_NIDENT) {
        snprintf(err, errlen, "'%s' is truncated", path);
        goto out;
    }
    if (id[EI_CLASS] != ELFCLASS32) {
        snprintf(err, errlen, "'%s' is not a 32-bit ELF (MIPS32 guests only)", path);
        goto out;
    }
    if (id[EI_DATA] != ELFDATA2LSB) {
        snprintf(err, errlen, "'%s' is big-endian; this machine is little-endian (mipsel)", path);
        goto out;
    }
    GElf_Ehdr eh;
    if (!gelf_getehdr(e, &eh)) {
        snprintf(err, errlen, "'%s' is truncated or has a malformed ELF header", path);
        goto out;
    }
    if (eh.e_machine != EM_MIPS) {
        snprintf(err, errlen, "'%s' is not a MIPS executable (e_machine %u)", path, eh.e_machine);
        goto out;
    }
    if (eh.e_type != ET_EXEC) {
        snprintf(err, errlen, "'%s' is not an executable (e_type %u)", path, eh.e_type);
        goto out;
    }
    if (eh.e_phnum != 0 && (eh.e_phoff > fsize || (uint64_t)eh.e_phnum * eh.e_phentsize > fsize - eh.e_phoff)) {
        snprintf(err, errlen, "'%s' is truncated (program headers extend past the end of the file)", path);
        goto out;
    }
    size_t nph = 0;
    if (elf_getphdrnum(e, &nph) != 0 || nph == 0) {
        snprintf(err, errlen, "'%s' has no program headers", path);
        goto out;
    }
    bool have_pages = vm->mm && filecache_get(vm->mm, fd, &fp) == 0 && fp.size == fsize;
    unsigned loaded = 0;
    vm->kernel_lo = UINT64_MAX;
    vm->kernel_hi = 0;
    for (size_t i = 0; i < nph; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(e, (int)i, &ph)) {
            snprintf(err, errlen, "'%s': program header %zu is truncated", path, i);
            goto out;
        }
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
            continue;
        if (ph.p_filesz > ph.p_memsz) {
            snprintf(err, errlen, "'%s': segment %zu has file size larger than memory size", path, i);
            goto out;
        }
        if (ph.p_offset > fsize || ph.p_filesz > fsize - ph.p_offset) {
            snprintf(err, errlen,
                     "'%s' is truncated (segment %zu, %llu bytes at file offset 0x%llx, extends past the end of "
                     "the file, %zu bytes)", path, i, (unsigned long long)ph.p_filesz,
                     (unsigned long long)ph.p_offset, fsize);
            goto out;
        }
        gpa_t pa = segment_phys((uint32_t)ph.p_paddr);
        if (!physmap_is_mem(&vm->physmap, pa, ph.p_memsz)) {
            snprintf(err, errlen,
                     "'%s': segment %zu (phys 0x%llx, %llu bytes) lies outside guest RAM (%llu MiB)", path, i,
                     (unsigned long long)pa, (unsigned long long)ph.p_memsz,
                     (unsigned long long)(vm->ram_size >> 20));
            rc = -ERANGE;
            goto out;
        }
        /* From the monitor's file cache: whole pages are shared copy-on-write with every other VM
         * that boots this file; a file that cannot be cached is copied as before. */
        int lrc = have_pages ? filecache_load(&vm->physmap, &fp, ph.p_offset, pa, ph.p_filesz) : -1;
        if (lrc < 0 && physmap_write(&vm->physmap, pa, raw + ph.p_offset, ph.p_filesz) < 0)
            goto out;
        if (physmap_zero(&vm->physmap, pa + ph.p_filesz, ph.p_memsz - ph.p_filesz) < 0)
            goto out;
        if (pa < vm->kernel_lo)
            vm->kernel_lo = pa;
        if (pa + ph.p_memsz > vm->kernel_hi)
            vm->kernel_hi = pa + ph.p_memsz;
        loaded++;
    }
    if (!loaded) {
        snprintf(err, errlen, "'%s' has no loadable segment", path);
        goto out;
    }
    *entry = (uint32_t)eh.e_entry;
    rc = 0;
out:
    filecache_put(&fp);
    if (e)
        elf_end(e);
    close(fd);
    return rc;
}
