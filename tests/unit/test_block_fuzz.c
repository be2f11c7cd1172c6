/*
 * Bad host input for the qcow2 backend (devices/block/qcow2*.c): a few hundred mutations of
 * images qemu-img made (one with a raw backing file, one compressed, one version 2 with 64 KiB
 * clusters) — truncations, random bytes in the header and anywhere, header fields and 8-byte
 * table entries set to edge values — each opened read-only and read-write, read, written,
 * discarded and flushed. Every outcome must be clean: an open fails with a negative errno and
 * one line naming the file, a request fails with a negative errno, and nothing crashes (suite
 * asan runs this binary under AddressSanitizer and UBSan as well).
 */
#include "tests/unit/block_test_util.h"

#define KIB 1024u

struct seed_img {
    uint8_t *data;
    size_t len;
};

static void make_seeds(struct seed_img *s)
{
    uint64_t rs = 5;
    uint8_t *d = malloc(1024 * KIB);
    bt_fill_random(d, 1024 * KIB, &rs);
    memset(d + 256 * KIB, 0, 256 * KIB);
    bt_write_file(bt_path("fbase.raw"), d, 1024 * KIB);
    free(d);
    assert_int_equal(bt_sh("cd '%s' && qemu-img create -q -f qcow2 -o cluster_size=4096 -b fbase.raw "
                           "-F raw s0.qcow2 && qemu-io -c 'write -P 1 0 20k' -c 'write -P 2 300k 9k' "
                           "-c 'write -z 600k 8k' s0.qcow2 >/dev/null", bt_dir), 0);
    assert_int_equal(bt_sh("cd '%s' && qemu-img convert -c -O qcow2 -o cluster_size=4096 fbase.raw "
                           "s1.qcow2", bt_dir), 0);
    assert_int_equal(bt_sh("cd '%s' && qemu-img create -q -f qcow2 -o compat=0.10 s2.qcow2 1M && "
                           "qemu-io -c 'write -P 3 0 70k' -c 'write -P 4 512k 4k' s2.qcow2 >/dev/null",
                           bt_dir), 0);
    for (int i = 0; i < 3; i++) {
        char name[16];
        snprintf(name, sizeof(name), "s%d.qcow2", i);
        s[i].data = bt_read_file(bt_path(name), &s[i].len);
    }
}

static uint64_t edge_value(uint64_t *rs, size_t len)
{
    switch (bt_rng(rs) % 10) {
    case 0: return 0;
    case 1: return UINT64_MAX;
    case 2: return (uint64_t)len + 4096 * (bt_rng(rs) % 64);    /* past the end of the file */
    case 3: return 1ull << (bt_rng(rs) % 64);
    case 4: return (bt_rng(rs) % (len + 1)) & ~4095ull;         /* some cluster of the file */
    case 5: return ((bt_rng(rs) % (len + 1)) & ~4095ull) | 1ull << 63;
    case 6: return 1ull << 62 | (bt_rng(rs) % (len + 1));       /* a compressed descriptor */
    case 7: return bt_rng(rs) % 4096;
    default: return bt_rng(rs);
    }
}

static void put_be(uint8_t *p, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
}

/* One mutation of img (len bytes) in place; returns the new length. */
static size_t mutate(uint8_t *img, size_t len, uint64_t *rs)
{
    /* header fields: offset, width */
    static const unsigned fields[][2] = {
        { 4, 4 }, { 8, 8 }, { 16, 4 }, { 20, 4 }, { 24, 8 }, { 32, 4 }, { 36, 4 }, { 40, 8 },
        { 48, 8 }, { 56, 4 }, { 60, 4 }, { 64, 8 }, { 72, 8 }, { 80, 8 }, { 88, 8 }, { 96, 4 },
        { 100, 4 }, { 104, 1 },
    };
    if (len < 8)
        return len;
    unsigned kind = (unsigned)(bt_rng(rs) % 5);
    unsigned n = 1 + (unsigned)(bt_rng(rs) % 4);
    switch (kind) {
    case 0:
        return (size_t)(bt_rng(rs) % len);
    case 1:
        for (unsigned i = 0; i < n; i++)
            img[bt_rng(rs) % (len < 512 ? len : 512)] = (uint8_t)bt_rng(rs);
        break;
    case 2:
        for (unsigned i = 0; i < n; i++)
            img[bt_rng(rs) % len] ^= (uint8_t)(1u << (bt_rng(rs) % 8));
        break;
    case 3:
        for (unsigned i = 0; i < n; i++) {
            size_t at = (bt_rng(rs) % (len / 8)) * 8;
            put_be(img + at, edge_value(rs, len), 8);
        }
        break;
    default: {
        unsigned f = (unsigned)(bt_rng(rs) % (sizeof(fields) / sizeof(fields[0])));
        uint64_t v = edge_value(rs, len);
        if (bt_rng(rs) % 2) /* small numbers matter for counts and bit widths */
            v = bt_rng(rs) % 40;
        put_be(img + fields[f][0], v, fields[f][1]);
        break;
    }
    }
    return len;
}

static void check_open_error(int r, const char *err, const char *path)
{
    assert_true(r < 0);
    if (!err[0] || strchr(err, '\n') || !strstr(err, path))
        fail_msg("open error '%s' is not one line naming %s", err, path);
}

/* Whatever the image holds: requests return 0 or -errno, and nothing crashes. */
static void exercise(const char *path, bool ro, uint64_t *rs)
{
    struct blk *b;
    char err[512] = "";
    struct blk_open_opts o = { .path = path, .format = BLK_FORMAT_PROBE, .readonly = ro };
    int r = blk_open(&o, &b, err, sizeof(err));
    if (r) {
        check_open_error(r, err, path);
        return;
    }
    static uint8_t buf[128 * KIB];
    uint64_t span = b->size < 2048 * KIB ? b->size : 2048 * KIB;
    for (uint64_t off = 0; off + 64 * KIB <= span; off += 64 * KIB)
        assert_true(b->ops->read(b, off, buf, 64 * KIB) <= 0);
    for (int i = 0; i < 12 && b->size >= 64 * KIB; i++) {
        uint64_t sectors = b->size / BLK_SECTOR;
        uint64_t s = bt_rng(rs) % sectors, ns = 1 + bt_rng(rs) % 200;
        if (s + ns > sectors)
            ns = sectors - s;
        uint64_t off = s * BLK_SECTOR, len = ns * BLK_SECTOR;
        switch (bt_rng(rs) % 5) {
        case 0: r = b->ops->read(b, off, buf, len); break;
        case 1: r = b->ops->write(b, off, buf, len); break;
        case 2: r = b->ops->discard(b, off, len); break;
        case 3: r = b->ops->write_zeroes(b, off, len, bt_rng(rs) & 1); break;
        default: r = b->ops->flush(b); break;
        }
        assert_true(r <= 0);
    }
    blk_close(b);
}

static void test_mutations(void **state)
{
    (void)state;
    struct seed_img seeds[3];
    make_seeds(seeds);
    /* BLOCK_FUZZ_ITERS and BLOCK_FUZZ_SEED run a longer or another search by hand */
    const char *it = getenv("BLOCK_FUZZ_ITERS"), *sd = getenv("BLOCK_FUZZ_SEED");
    unsigned iters = it ? (unsigned)strtoul(it, NULL, 0) : 360;
    uint64_t rs = sd ? strtoull(sd, NULL, 0) | 1 : 0x9e3779b97f4a7c15ull;
    const char *path = bt_path("fuzz.qcow2");
    unsigned opened = 0;
    for (unsigned i = 0; i < iters; i++) {
        struct seed_img *s = &seeds[i % 3];
        uint8_t *img = malloc(s->len);
        memcpy(img, s->data, s->len);
        size_t len = mutate(img, s->len, &rs);
        if (bt_rng(&rs) % 3 == 0)
            len = mutate(img, len ? len : 1, &rs);
        bt_write_file(path, img, len);
        free(img);
        exercise(path, true, &rs);
        /* did it open at all? (the mutations must not all be refused at the door) */
        struct blk *b;
        struct blk_open_opts o = { .path = path, .format = BLK_FORMAT_PROBE, .readonly = true };
        if (blk_open(&o, &b, NULL, 0) == 0) {
            opened++;
            blk_close(b);
        }
        exercise(path, false, &rs);
    }
    print_message("%u of %u mutated images opened\n", opened, iters);
    assert_true(opened > iters / 6);
    for (int i = 0; i < 3; i++)
        free(seeds[i].data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mutations, bt_setup, bt_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
