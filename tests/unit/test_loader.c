/*
 * Unit tests of the ELF loader (monitor/loader.c).
 *
 * Every file is built here byte by byte (Elf32_Ehdr + Elf32_Phdr from
 * <elf.h>) in a temporary directory, then loaded into a 16 MiB testbench
 * VM. A good file must land at the physical address of its segments (kseg0
 * and kseg1 folded to their physical alias) with the bss part zeroed; every
 * bad one must fail with a non-zero code and a message that names the
 * problem; nothing may crash, whatever the bytes.
 */
#define _GNU_SOURCE /* strcasestr */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <elf.h>
#include <endian.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor/monitor.h"

static char tmpdir[64];
static struct vm vm;
static char err[512];

#define PAYLOAD_OFF 0x100u
#define PAYLOAD_LEN 16u
static const uint8_t payload[PAYLOAD_LEN] = {0x00, 0x00, 0x08, 0x3C, 0x01, 0x00, 0x08, 0x25,
                                             0xFF, 0xFF, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00};

struct img {
    uint8_t b[4096];
    size_t len;
};

static Elf32_Ehdr *ehdr(struct img *m)
{
    return (Elf32_Ehdr *)m->b;
}

static Elf32_Phdr *phdr(struct img *m, unsigned i)
{
    return (Elf32_Phdr *)(m->b + sizeof(Elf32_Ehdr) + i * sizeof(Elf32_Phdr));
}

/* A minimal good executable: one PT_LOAD of 16 file bytes and 64 memory bytes at kseg0 0x80001000. */
static void good_image(struct img *m)
{
    memset(m, 0, sizeof(*m));
    Elf32_Ehdr *e = ehdr(m);
    memcpy(e->e_ident, ELFMAG, SELFMAG);
    e->e_ident[EI_CLASS] = ELFCLASS32;
    e->e_ident[EI_DATA] = ELFDATA2LSB;
    e->e_ident[EI_VERSION] = EV_CURRENT;
    e->e_type = ET_EXEC;
    e->e_machine = EM_MIPS;
    e->e_version = EV_CURRENT;
    e->e_entry = 0x80001000u;
    e->e_phoff = sizeof(Elf32_Ehdr);
    e->e_flags = 0x70001007; /* EF_MIPS_ARCH_32R2 | CPIC | PIC | NOREORDER, as gcc writes */
    e->e_ehsize = sizeof(Elf32_Ehdr);
    e->e_phentsize = sizeof(Elf32_Phdr);
    e->e_phnum = 1;
    Elf32_Phdr *p = phdr(m, 0);
    p->p_type = PT_LOAD;
    p->p_offset = PAYLOAD_OFF;
    p->p_vaddr = 0x80001000u;
    p->p_paddr = 0x80001000u;
    p->p_filesz = PAYLOAD_LEN;
    p->p_memsz = 64;
    p->p_flags = PF_R | PF_W | PF_X;
    p->p_align = 0x1000;
    memcpy(m->b + PAYLOAD_OFF, payload, PAYLOAD_LEN);
    m->len = PAYLOAD_OFF + PAYLOAD_LEN;
}

static const char *write_file(const char *name, const void *data, size_t len)
{
    static char path[128];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (len)
        assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return path;
}

static const char *write_img(const char *name, const struct img *m)
{
    return write_file(name, m->b, m->len);
}

static int load(const char *path, uint32_t *entry)
{
    memset(err, 0, sizeof(err));
    return loader_load_elf(&vm, path, entry, err, sizeof(err));
}

static bool contains_ci(const char *hay, const char *needle)
{
    return strcasestr(hay, needle) != NULL;
}

/* Loading fails, with a message naming the problem (one of the keywords). */
static void expect_error(const char *path, const char *const *keywords)
{
    uint32_t entry = 0xDEADBEEFu;
    int rc = load(path, &entry);
    if (rc == 0)
        fail_msg("'%s' loaded, expected an error", path);
    assert_true(err[0] != 0);
    assert_true(strlen(err) < sizeof(err));
    assert_null(strchr(err, '\n'));
    bool named = false;
    for (const char *const *k = keywords; *k; k++)
        named |= contains_ci(err, *k);
    if (!named)
        fail_msg("message \"%s\" does not name the problem (expected one of: %s ...)", err, keywords[0]);
    assert_int_equal(entry, 0xDEADBEEFu); /* entry untouched on failure */
}

#define KW(...) ((const char *const[]){__VA_ARGS__, NULL})

static int group_setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/mvisor-loader-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    DIR *d = opendir(tmpdir);
    if (d) {
        struct dirent *de;
        char path[400];
        while ((de = readdir(d))) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                continue;
            snprintf(path, sizeof(path), "%s/%s", tmpdir, de->d_name);
            if (rmdir(path) != 0)
                unlink(path);
        }
        closedir(d);
    }
    rmdir(tmpdir);
    return 0;
}

static int setup(void **state)
{
    (void)state;
    struct vm_config cfg = {.machine = MACHINE_TESTBENCH, .ram_mb = 16, .deterministic = true,
                            .tlb_entries = 16};
    return vm_create(&vm, &cfg, err, sizeof(err)) < 0 ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    vm_destroy(&vm);
    return 0;
}

/* ---- good files --------------------------------------------------------- */

static void test_good_kseg0(void **state)
{
    (void)state;
    struct img m;
    good_image(&m);
    uint8_t junk[128];
    memset(junk, 0xEE, sizeof(junk));
    assert_int_equal(physmap_write(&vm.physmap, 0x1000, junk, sizeof(junk)), 0);

    uint32_t entry = 0;
    int rc = load(write_img("good.elf", &m), &entry);
    if (rc != 0)
        fail_msg("good file rejected: %s", err);
    assert_int_equal(entry, 0x80001000u);

    uint8_t back[128];
    assert_int_equal(physmap_read(&vm.physmap, 0x1000, back, sizeof(back)), 0);
    assert_memory_equal(back, payload, PAYLOAD_LEN);
    for (unsigned i = PAYLOAD_LEN; i < 64; i++)
        assert_int_equal(back[i], 0); /* memsz - filesz zeroed */
    for (unsigned i = 64; i < 128; i++)
        assert_int_equal(back[i], 0xEE); /* nothing past memsz */
    /* the kseg0 address itself is not physical memory of this machine: nothing written there */
    assert_null(physmap_host(&vm.physmap, 0x80001000u, 1));
}

static void test_good_kseg1_phys_and_bootrom(void **state)
{
    (void)state;
    struct img m;
    good_image(&m);
    Elf32_Ehdr *e = ehdr(&m);
    e->e_phnum = 3;
    e->e_entry = 0xBFC00000u;
    /* segment 0: kseg1 0xA0002000 -> phys 0x2000 */
    phdr(&m, 0)->p_vaddr = phdr(&m, 0)->p_paddr = 0xA0002000u;
    phdr(&m, 0)->p_memsz = PAYLOAD_LEN;
    /* segment 1: a physical address below 0x80000000, taken as is */
    *phdr(&m, 1) = *phdr(&m, 0);
    phdr(&m, 1)->p_vaddr = phdr(&m, 1)->p_paddr = 0x00300000u;
    phdr(&m, 1)->p_offset = PAYLOAD_OFF + 8;
    phdr(&m, 1)->p_filesz = 8;
    phdr(&m, 1)->p_memsz = 8;
    /* segment 2: the testbench boot window through kseg1 (0xBFC00200 -> 0x1FC00200) */
    *phdr(&m, 2) = *phdr(&m, 0);
    phdr(&m, 2)->p_vaddr = phdr(&m, 2)->p_paddr = 0xBFC00200u;
    phdr(&m, 2)->p_memsz = 0x20;
    uint32_t entry = 0;
    int rc = load(write_img("multi.elf", &m), &entry);
    if (rc != 0)
        fail_msg("good file rejected: %s", err);
    assert_int_equal(entry, 0xBFC00000u);
    uint8_t back[0x20];
    assert_int_equal(physmap_read(&vm.physmap, 0x2000, back, PAYLOAD_LEN), 0);
    assert_memory_equal(back, payload, PAYLOAD_LEN);
    assert_int_equal(physmap_read(&vm.physmap, 0x00300000u, back, 8), 0);
    assert_memory_equal(back, payload + 8, 8);
    assert_int_equal(physmap_read(&vm.physmap, 0x1FC00200u, back, 0x20), 0);
    assert_memory_equal(back, payload, PAYLOAD_LEN);
    for (unsigned i = PAYLOAD_LEN; i < 0x20; i++)
        assert_int_equal(back[i], 0);
}

/* Non-load headers and empty PT_LOADs are skipped; the loadable one still loads. */
static void test_good_with_other_headers(void **state)
{
    (void)state;
    struct img m;
    good_image(&m);
    ehdr(&m)->e_phnum = 3;
    *phdr(&m, 2) = *phdr(&m, 0);
    memset(phdr(&m, 0), 0, sizeof(Elf32_Phdr));
    phdr(&m, 0)->p_type = PT_NOTE;
    phdr(&m, 0)->p_offset = PAYLOAD_OFF;
    phdr(&m, 0)->p_filesz = 4;
    phdr(&m, 1)->p_type = PT_LOAD; /* memsz 0: nothing to load */
    phdr(&m, 1)->p_paddr = 0xFFFFF000u;
    uint32_t entry = 0;
    int rc = load(write_img("others.elf", &m), &entry);
    if (rc != 0)
        fail_msg("good file rejected: %s", err);
    uint8_t back[PAYLOAD_LEN];
    assert_int_equal(physmap_read(&vm.physmap, 0x1000, back, PAYLOAD_LEN), 0);
    assert_memory_equal(back, payload, PAYLOAD_LEN);
}

/* ---- bad files ----------------------------------------------------------- */

static void test_missing_file(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof(path), "%s/no-such-file.elf", tmpdir);
    expect_error(path, KW("no such file", "cannot open", "not found", "does not exist"));
    assert_non_null(strstr(err, "no-such-file.elf")); /* and says which file */
}

static void test_directory(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof(path), "%s/adir", tmpdir);
    assert_int_equal(mkdir(path, 0755), 0);
    expect_error(path, KW("directory", "regular file"));
    rmdir(path);
}

static void test_empty_file(void **state)
{
    (void)state;
    expect_error(write_file("empty.elf", "", 0), KW("empty", "not an ELF", "truncated", "too short"));
}

static void test_text_file(void **state)
{
    (void)state;
    static const char text[] = "#!/bin/sh\necho this is not a kernel\n";
    expect_error(write_file("text.elf", text, sizeof(text) - 1), KW("not an ELF", "ELF magic", "not ELF"));
    /* almost the magic */
    expect_error(write_file("magic3.elf", "\177ELG\1\1\1", 7), KW("not an ELF", "ELF magic", "not ELF", "truncated"));
}

static void test_elf64(void **state)
{
    (void)state;
    uint8_t b[sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr) + PAYLOAD_LEN];
    memset(b, 0, sizeof(b));
    Elf64_Ehdr *e = (Elf64_Ehdr *)b;
    memcpy(e->e_ident, ELFMAG, SELFMAG);
    e->e_ident[EI_CLASS] = ELFCLASS64;
    e->e_ident[EI_DATA] = ELFDATA2LSB;
    e->e_ident[EI_VERSION] = EV_CURRENT;
    e->e_type = ET_EXEC;
    e->e_machine = EM_MIPS;
    e->e_version = EV_CURRENT;
    e->e_entry = 0xFFFFFFFF80001000ull;
    e->e_phoff = sizeof(Elf64_Ehdr);
    e->e_ehsize = sizeof(Elf64_Ehdr);
    e->e_phentsize = sizeof(Elf64_Phdr);
    e->e_phnum = 1;
    Elf64_Phdr *p = (Elf64_Phdr *)(b + sizeof(Elf64_Ehdr));
    p->p_type = PT_LOAD;
    p->p_offset = sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr);
    p->p_vaddr = p->p_paddr = 0x1000;
    p->p_filesz = p->p_memsz = PAYLOAD_LEN;
    memcpy(b + p->p_offset, payload, PAYLOAD_LEN);
    expect_error(write_file("elf64.elf", b, sizeof(b)), KW("32-bit", "64-bit", "class"));
}

static void test_big_endian(void **state)
{
    (void)state;
    struct img m;
    good_image(&m);
    Elf32_Ehdr *e = ehdr(&m);
    Elf32_Phdr *p = phdr(&m, 0);
    e->e_ident[EI_DATA] = ELFDATA2MSB;
    e->e_type = htobe16(ET_EXEC);
    e->e_machine = htobe16(EM_MIPS);
    e->e_version = htobe32(EV_CURRENT);
    e->e_entry = htobe32(0x80001000u);
    e->e_phoff = htobe32(sizeof(Elf32_Ehdr));
    e->e_flags = htobe32(0x70001007);
    e->e_ehsize = htobe16(sizeof(Elf32_Ehdr));
    e->e_phentsize = htobe16(sizeof(Elf32_Phdr));
    e->e_phnum = htobe16(1);
    p->p_type = htobe32(PT_LOAD);
    p->p_offset = htobe32(PAYLOAD_OFF);
    p->p_vaddr = p->p_paddr = htobe32(0x80001000u);
    p->p_filesz = htobe32(PAYLOAD_LEN);
    p->p_memsz = htobe32(64);
    p->p_flags = htobe32(PF_R | PF_X);
    p->p_align = htobe32(0x1000);
    expect_error(write_img("be.elf", &m), KW("big-endian", "endian", "byte order"));
}

static void test_x86(void **state)
{
    (void)state;
    struct img m;
    good_image(&m);
    ehdr(&m)->e_machine = EM_386;
    expect_error(write_img("x86.elf", &m), KW("MIPS", "machine"));
    ehdr(&m)->e_machine = EM_X86_64;
    expect_error(write_img("x86_64.elf", &m), KW("MIPS", "machine"));
}

static void test_et_dyn(void **state)
{
    (void)state;
    struct img m;
    good_image(&m);
    ehdr(&m)->e_type = ET_DYN;
    expect_error(write_img("dyn.elf", &m), KW("executable", "ET_DYN", "type"));
    ehdr(&m)->e_type = ET_REL;
    expect_error(write_img("rel.elf", &m), KW("executable", "ET_REL", "type"));
    ehdr(&m)->e_type = ET_CORE;
    expect_error(write_img("core.elf", &m), KW("executable", "ET_CORE", "type"));
}

static void test_no_pt_load(void **state)
{
    (void)state;
    struct img m;
    good_image(&m);
    phdr(&m, 0)->p_type = PT_NOTE;
    expect_error(write_img("noload.elf", &m), KW("loadable", "PT_LOAD", "segment"));
    /* no program headers at all */
    good_image(&m);
    ehdr(&m)->e_phnum = 0;
    ehdr(&m)->e_phoff = 0;
    expect_error(write_img("nophdr.elf", &m), KW("loadable", "PT_LOAD", "program header", "segment"));
    /* only empty PT_LOADs */
    good_image(&m);
    phdr(&m, 0)->p_filesz = 0;
    phdr(&m, 0)->p_memsz = 0;
    expect_error(write_img("emptyload.elf", &m), KW("loadable", "PT_LOAD", "segment"));
}

static void test_truncated(void **state)
{
    (void)state;
    struct img m;
    good_image(&m);
    /* the segment's bytes run past the end of the file */
    m.len = PAYLOAD_OFF + PAYLOAD_LEN / 2;
    expect_error(write_img("trunc-seg.elf", &m), KW("truncated", "end of the file", "past the end", "beyond"));
    /* the file ends inside the program header table */
    m.len = sizeof(Elf32_Ehdr) + 10;
    expect_error(write_img("trunc-phdr.elf", &m), KW("truncated", "end of the file", "past the end", "beyond"));
    /* the file ends inside the ELF header */
    m.len = 30;
    expect_error(write_img("trunc-ehdr.elf", &m), KW("truncated", "malformed", "too short"));
    /* a segment offset far beyond the file (and one that would wrap a 32-bit sum) */
    good_image(&m);
    phdr(&m, 0)->p_offset = 0x7FFFFFF0u;
    expect_error(write_img("far.elf", &m), KW("truncated", "end of the file", "past the end", "beyond"));
    phdr(&m, 0)->p_offset = 0xFFFFFFF8u;
    expect_error(write_img("wrap.elf", &m), KW("truncated", "end of the file", "past the end", "beyond"));
    good_image(&m);
    phdr(&m, 0)->p_filesz = 0xFFFFFFF0u;
    phdr(&m, 0)->p_memsz = 0xFFFFFFF0u;
    expect_error(write_img("huge.elf", &m), KW("truncated", "end of the file", "past the end", "beyond", "outside"));
}

static void test_filesz_gt_memsz(void **state)
{
    (void)state;
    struct img m;
    good_image(&m);
    phdr(&m, 0)->p_memsz = PAYLOAD_LEN - 1;
    expect_error(write_img("fgtm.elf", &m), KW("file size", "filesz", "memsz", "memory size"));
}

static void test_outside_ram(void **state)
{
    (void)state;
    struct img m;
    static const uint32_t addrs[] = {
        0x01000000u, /* the first byte after 16 MiB of RAM */
        0x00FFFFF8u, /* straddles the end of RAM */
        0x81000000u, /* kseg0 alias of the byte after RAM */
        0xA1FF0000u, /* kseg1, past RAM */
        0x1FB00000u, /* the test device (MMIO, not memory) */
        0xC0000000u, /* kseg2: not folded, no memory there */
        0xFFFFFFF8u, /* the top of the address space */
    };
    for (unsigned i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
        good_image(&m);
        phdr(&m, 0)->p_paddr = phdr(&m, 0)->p_vaddr = addrs[i];
        char name[32];
        snprintf(name, sizeof(name), "out%u.elf", i);
        expect_error(write_img(name, &m), KW("outside", "RAM", "memory"));
    }
    /* memsz (not only filesz) must fit */
    good_image(&m);
    phdr(&m, 0)->p_paddr = phdr(&m, 0)->p_vaddr = 0x80FFFFF0u;
    phdr(&m, 0)->p_memsz = 0x20;
    expect_error(write_img("bss-out.elf", &m), KW("outside", "RAM", "memory"));
    /* and the last bytes of RAM are fine */
    phdr(&m, 0)->p_memsz = 0x10;
    uint32_t entry;
    int rc = load(write_img("last.elf", &m), &entry);
    if (rc != 0)
        fail_msg("segment ending at the end of RAM rejected: %s", err);
}

static unsigned count_fds(void)
{
    unsigned n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return 0;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

/* Every prefix of a good file, and many random corruptions of its headers: no crash, no fd leak,
 * and a failure always comes with a message. */
static void test_never_crashes(void **state)
{
    (void)state;
    struct img good, m;
    good_image(&good);
    unsigned fds = count_fds();
    uint32_t entry;

    for (size_t len = 0; len < good.len; len++) {
        m = good;
        m.len = len;
        int rc = load(write_img("prefix.elf", &m), &entry);
        if (rc == 0)
            fail_msg("a %zu-byte prefix of a %zu-byte file loaded", len, good.len);
        assert_true(err[0] != 0);
    }

    uint64_t x = 0x243F6A8885A308D3ull;
    for (unsigned iter = 0; iter < 3000; iter++) {
        m = good;
        unsigned flips = 1 + iter % 4;
        for (unsigned k = 0; k < flips; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            unsigned pos = (unsigned)(x % (sizeof(Elf32_Ehdr) + sizeof(Elf32_Phdr)));
            m.b[pos] = (uint8_t)(x >> 32);
        }
        if (iter % 7 == 0)
            m.len = (size_t)((x >> 40) % (good.len + 1));
        int rc = load(write_img("fuzz.elf", &m), &entry);
        if (rc != 0)
            assert_true(err[0] != 0);
    }
    assert_int_equal(count_fds(), fds);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_good_kseg0),
        T(test_good_kseg1_phys_and_bootrom),
        T(test_good_with_other_headers),
        T(test_missing_file),
        T(test_directory),
        T(test_empty_file),
        T(test_text_file),
        T(test_elf64),
        T(test_big_endian),
        T(test_x86),
        T(test_et_dyn),
        T(test_no_pt_load),
        T(test_truncated),
        T(test_filesz_gt_memsz),
        T(test_outside_ram),
        T(test_never_crashes),
    };
#undef T
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
