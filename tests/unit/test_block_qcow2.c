/*
 * Unit tests of the qcow2 backend (devices/block/qcow2*.c) with qemu-img as the oracle: random
 * read/write/write-zeroes/discard workloads on images qemu-img created (cluster sizes 512 B,
 * 4 KiB, 64 KiB; no backing file, a raw one, a qcow2 one; refcount widths 1, 8, 64 bits;
 * version 2), checked byte for byte against an in-memory model, then `qemu-img check` must find
 * nothing wrong and qemu-img must read exactly what the model says and what we read. Also: the
 * refcount table growing, compressed images (qemu-img convert -c), overlays we create (opened
 * and read by qemu-img identically), relative backing names, a dirty image from a crashed
 * lazy-refcounts writer, and the unsupported features refused by name.
 */
#include "tests/unit/block_test_util.h"

#define MIB (1024 * 1024)

/* A base image of size bytes: random data with holes of zeroes; raw or converted to qcow2. */
static uint8_t *make_base(const char *name, uint64_t size, bool qcow2, uint64_t seed)
{
    uint8_t *data = malloc(size);
    assert_non_null(data);
    bt_fill_random(data, size, &seed);
    for (uint64_t off = 0; off < size; off += 64 * 1024) /* every other 64 KiB is zero */
        if ((off / (64 * 1024)) % 2)
            memset(data + off, 0, 64 * 1024);
    const char *raw = bt_path(qcow2 ? "base-src.raw" : name);
    bt_write_file(raw, data, size);
    if (qcow2)
        assert_int_equal(bt_sh("qemu-img convert -f raw -O qcow2 '%s' '%s'", raw, bt_path(name)), 0);
    return data;
}

struct wl_case {
    unsigned cluster;
    const char *backing; /* NULL, "raw", "qcow2" */
    const char *extra;   /* more -o options */
    enum blk_cache cache;
    bool scatter;        /* iovec reads and writes, requests up to 20 clusters, 150 operations */
};

static void run_case(const struct wl_case *c, uint64_t seed)
{
    uint64_t size = (c->cluster >= 65536 ? 6 : 2) * (uint64_t)MIB;
    const char *img = bt_path("disk.qcow2");
    unlink(img);
    uint8_t *base = NULL;
    if (c->backing) {
        bool q = !strcmp(c->backing, "qcow2");
        base = make_base(q ? "base.qcow2" : "base.raw", size, q, seed ^ 0x5555);
        /* a relative backing name: resolved against the overlay's folder */
        assert_int_equal(bt_sh("qemu-img create -q -f qcow2 -o cluster_size=%u%s%s -b %s -F %s '%s'",
                               c->cluster, c->extra ? "," : "", c->extra ? c->extra : "",
                               q ? "base.qcow2" : "base.raw", c->backing, img), 0);
    } else {
        assert_int_equal(bt_sh("qemu-img create -q -f qcow2 -o cluster_size=%u%s%s '%s' %llu",
                               c->cluster, c->extra ? "," : "", c->extra ? c->extra : "", img,
                               (unsigned long long)size), 0);
    }
    struct bt_model m;
    bt_model_init(&m, size, base);
    free(base);
    struct blk *b;
    bt_open(img, BLK_FORMAT_PROBE, false, c->cache, &b);
    assert_int_equal(b->format, BLK_FORMAT_QCOW2);
    struct bt_workload w = { .ops = c->scatter ? 150 : 250, .max_sectors = c->cluster * (c->scatter ? 20 : 3) / 512 + 3,
                             .discards = true, .reopen = true, .path = img, .fmt = BLK_FORMAT_QCOW2,
                             .cache = c->cache, .scatter = c->scatter };
    bt_run_workload(&b, &m, &w, seed);
    bt_check_all(b, &m, "after the workload");
    blk_close(b);
    assert_int_equal(bt_qemu_check(img), 0);
    bt_check_qemu_reads(img, &m);
    bt_open(img, BLK_FORMAT_QCOW2, true, BLK_CACHE_WRITEBACK, &b);
    bt_compare_with_qemu(b, img);
    blk_close(b);
    bt_model_free(&m);
}

static void test_workload_no_backing(void **state)
{
    (void)state;
    static const unsigned clusters[] = { 512, 4096, 65536 };
    for (unsigned i = 0; i < 3; i++)
        run_case(&(struct wl_case){ clusters[i], NULL, NULL, BLK_CACHE_WRITEBACK, false }, 100 + i);
}

static void test_workload_raw_backing(void **state)
{
    (void)state;
    static const unsigned clusters[] = { 512, 4096, 65536 };
    for (unsigned i = 0; i < 3; i++)
        run_case(&(struct wl_case){ clusters[i], "raw", NULL, BLK_CACHE_WRITEBACK, false }, 200 + i);
}

static void test_workload_qcow2_backing(void **state)
{
    (void)state;
    static const unsigned clusters[] = { 512, 4096, 65536 };
    for (unsigned i = 0; i < 3; i++)
        run_case(&(struct wl_case){ clusters[i], "qcow2", NULL, BLK_CACHE_WRITEBACK, false }, 300 + i);
}

static void test_workload_refcount_widths_and_v2(void **state)
{
    (void)state;
    run_case(&(struct wl_case){ 4096, NULL, "refcount_bits=1", BLK_CACHE_WRITEBACK, false }, 400);
    run_case(&(struct wl_case){ 4096, NULL, "refcount_bits=8", BLK_CACHE_WRITEBACK, false }, 401);
    run_case(&(struct wl_case){ 4096, "raw", "refcount_bits=64", BLK_CACHE_WRITEBACK, false }, 402);
    run_case(&(struct wl_case){ 65536, NULL, "compat=0.10", BLK_CACHE_WRITEBACK, false }, 403);
    run_case(&(struct wl_case){ 4096, "qcow2", "compat=0.10", BLK_CACHE_WRITEBACK, false }, 404);
}

/* 512-byte clusters: qemu-img's one-cluster refcount table reaches 64 blocks of 256 clusters
 * (8 MiB of file); filling a 12 MiB disk must grow it. */
/* cache=none on a disk file system: O_DIRECT, every metadata update a read-modify-write of an
 * aligned block through a bounce buffer */
static void test_workload_cache_none(void **state)
{
    (void)state;
    run_case(&(struct wl_case){ 4096, "qcow2", NULL, BLK_CACHE_NONE, false }, 500);
    run_case(&(struct wl_case){ 512, NULL, NULL, BLK_CACHE_NONE, false }, 501);
}

/* Scattered requests (blk_readv / blk_writev, as a device hands guest pages down) long enough for
 * runs of clusters: one transfer per run of back-to-back clusters, whole clusters allocated and
 * written together, parts of clusters in between; small and large clusters, with and without a
 * backing file, through the page cache and with O_DIRECT (unaligned pieces bounce). */
static void test_workload_scattered(void **state)
{
    (void)state;
    static const unsigned clusters[] = { 512, 65536 };
    static const char *backings[] = { NULL, "raw", "qcow2" };
    for (unsigned i = 0; i < 2; i++)
        for (unsigned j = 0; j < 3; j++)
            run_case(&(struct wl_case){ .cluster = clusters[i], .backing = backings[j], .scatter = true,
                                        .cache = j == 1 ? BLK_CACHE_NONE : BLK_CACHE_WRITEBACK },
                     0x5CA7 + i * 3 + j);
}

static void test_refcount_table_growth(void **state)
{
    (void)state;
    const char *img = bt_path("grow.qcow2");
    uint64_t size = 12 * MIB;
    assert_int_equal(bt_sh("qemu-img create -q -f qcow2 -o cluster_size=512 '%s' %llu", img,
                           (unsigned long long)size), 0);
    char out[4096];
    bt_sh_out(out, sizeof(out), "qemu-img info --output=json '%s'", img);
    struct blk *b;
    bt_open(img, BLK_FORMAT_QCOW2, false, BLK_CACHE_WRITEBACK, &b);
    struct bt_model m;
    bt_model_init(&m, size, NULL);
    uint64_t seed = 77;
    bt_fill_random(m.data, size, &seed);
    for (uint64_t off = 0; off < size; off += 256 * 1024)
        assert_int_equal(b->ops->write(b, off, m.data + off, 256 * 1024), 0);
    assert_int_equal(b->ops->flush(b), 0);
    bt_check_all(b, &m, "after filling");
    blk_close(b);
    /* the table moved: its offset in the header is no longer qemu-img's 0x200 * 3 */
    size_t n;
    uint8_t *hdr = bt_read_file(img, &n);
    uint64_t rt_off = 0;
    for (int i = 0; i < 8; i++)
        rt_off = rt_off << 8 | hdr[48 + i];
    uint32_t rt_clusters = (uint32_t)hdr[56] << 24 | hdr[57] << 16 | hdr[58] << 8 | hdr[59];
    free(hdr);
    assert_true(rt_clusters > 1);
    assert_true(rt_off > 8 * MIB);
    assert_int_equal(bt_qemu_check(img), 0);
    bt_check_qemu_reads(img, &m);
    bt_model_free(&m);
}

/* qemu-img convert -c: every cluster compressed; we read them, then overwrite parts of some
 * (copy-on-write out of a compressed cluster frees its sectors) and discard others. */
static void test_compressed(void **state)
{
    (void)state;
    static const unsigned clusters[] = { 4096, 65536 };
    for (unsigned k = 0; k < 2; k++) {
        uint64_t size = 2 * MIB;
        uint8_t *data = make_base("csrc.raw", size, false, 900 + k);
        /* compressible runs: text-like repetition in the first half */
        for (uint64_t i = 0; i < size / 2; i++)
            data[i] = (uint8_t)("mvisor qcow2 "[i % 13]);
        bt_write_file(bt_path("csrc.raw"), data, size);
        const char *img = bt_path("comp.qcow2");
        unlink(img);
        assert_int_equal(bt_sh("qemu-img convert -c -f raw -O qcow2 -o cluster_size=%u '%s' '%s'",
                               clusters[k], bt_path("csrc.raw"), img), 0);
        char out[4096];
        bt_sh_out(out, sizeof(out), "qemu-img check '%s'", img);
        assert_non_null(strstr(out, "compressed"));
        struct bt_model m;
        bt_model_init(&m, size, data);
        free(data);
        struct blk *b;
        bt_open(img, BLK_FORMAT_QCOW2, true, BLK_CACHE_WRITEBACK, &b);
        bt_check_all(b, &m, "compressed image");
        blk_close(b);
        bt_open(img, BLK_FORMAT_QCOW2, false, BLK_CACHE_WRITEBACK, &b);
        struct bt_workload w = { .ops = 300, .max_sectors = clusters[k] / 512 + 2, .discards = true,
                                 .path = img, .fmt = BLK_FORMAT_QCOW2 };
        bt_run_workload(&b, &m, &w, 950 + k);
        blk_close(b);
        assert_int_equal(bt_qemu_check(img), 0);
        bt_check_qemu_reads(img, &m);
        bt_model_free(&m);
    }
}

/* blk_create_overlay over a raw and a qcow2 base: qemu-img accepts it, reads the base through
 * it, and reads what we wrote into it as we do. */
static void test_our_overlay(void **state)
{
    (void)state;
    for (int q = 0; q < 2; q++) {
        uint64_t size = 3 * MIB + 512 * 3; /* not a cluster multiple */
        const char *bname = q ? "obase.qcow2" : "obase.raw";
        uint8_t *base = make_base(bname, size, q, 1200 + q);
        const char *ov = bt_path("ov.qcow2");
        unlink(ov);
        char err[512];
        assert_int_equal(blk_create_overlay(ov, bname, BLK_FORMAT_PROBE, err, sizeof(err)), 0);
        /* refuses to overwrite */
        assert_int_equal(blk_create_overlay(ov, bname, BLK_FORMAT_PROBE, err, sizeof(err)), -EEXIST);
        assert_int_equal(bt_qemu_check(ov), 0);
        char out[4096];
        assert_int_equal(bt_sh_out(out, sizeof(out), "qemu-img info '%s'", ov), 0);
        assert_non_null(strstr(out, q ? "backing file format: qcow2" : "backing file format: raw"));
        assert_int_equal(bt_sh("qemu-img compare '%s' '%s'", ov, bt_path(bname)), 0);
        struct bt_model m;
        bt_model_init(&m, size, base);
        free(base);
        struct blk *b;
        bt_open(ov, BLK_FORMAT_QCOW2, false, BLK_CACHE_WRITEBACK, &b);
        assert_int_equal(b->size, size);
        struct bt_workload w = { .ops = 200, .max_sectors = 300, .discards = true, .path = ov,
                                 .fmt = BLK_FORMAT_QCOW2 };
        bt_run_workload(&b, &m, &w, 1300 + q);
        blk_close(b);
        assert_int_equal(bt_qemu_check(ov), 0);
        bt_check_qemu_reads(ov, &m);
        bt_open(ov, BLK_FORMAT_QCOW2, true, BLK_CACHE_WRITEBACK, &b);
        bt_compare_with_qemu(b, ov);
        blk_close(b);
        bt_model_free(&m);
    }
    /* a missing base: one line naming it */
    char err[512];
    assert_true(blk_create_overlay(bt_path("ov2.qcow2"), "nothere.raw", BLK_FORMAT_RAW, err,
                                   sizeof(err)) < 0);
    assert_non_null(strstr(err, "nothere.raw"));
    assert_null(strchr(err, '\n'));
    assert_int_equal(access(bt_path("ov2.qcow2"), F_OK), -1);
}

/* The overlay's relative backing name is its folder's, wherever we run from; a chain of three. */
static void test_relative_chain(void **state)
{
    (void)state;
    uint64_t size = MIB;
    assert_int_equal(bt_sh("mkdir -p '%s/sub'", bt_dir), 0);
    uint8_t *base = make_base("sub/b0.raw", size, false, 1500);
    assert_int_equal(bt_sh("cd '%s/sub' && qemu-img create -q -f qcow2 -b b0.raw -F raw b1.qcow2 && "
                           "qemu-io -c 'write -P 0x5a 4096 8192' b1.qcow2 >/dev/null && "
                           "qemu-img create -q -f qcow2 -b b1.qcow2 -F qcow2 b2.qcow2", bt_dir), 0);
    memset(base + 4096, 0x5a, 8192);
    struct bt_model m;
    bt_model_init(&m, size, base);
    free(base);
    struct blk *b;
    bt_open(bt_path("sub/b2.qcow2"), BLK_FORMAT_PROBE, true, BLK_CACHE_WRITEBACK, &b);
    bt_check_all(b, &m, "three-file chain");
    blk_close(b);
    bt_model_free(&m);
    /* the backing file is opened read-only: it cannot be written through the overlay */
    struct stat before, after;
    assert_int_equal(stat(bt_path("sub/b1.qcow2"), &before), 0);
    bt_open(bt_path("sub/b2.qcow2"), BLK_FORMAT_QCOW2, false, BLK_CACHE_WRITEBACK, &b);
    uint8_t buf[4096];
    memset(buf, 1, sizeof(buf));
    assert_int_equal(b->ops->write(b, 4096, buf, sizeof(buf)), 0);
    assert_int_equal(b->ops->flush(b), 0);
    blk_close(b);
    assert_int_equal(stat(bt_path("sub/b1.qcow2"), &after), 0);
    assert_int_equal(before.st_mtime, after.st_mtime);
    assert_int_equal(bt_sh("qemu-img compare '%s' '%s'", bt_path("sub/b1.qcow2"),
                           bt_path("sub/b0.raw")), 1); /* b1 still differs from b0 by its write */
}

/* A lazy-refcounts writer that crashed (qemu-io's abort): the dirty bit is set and the stored
 * counts miss its clusters. Read-only opens read it; a read-write open refuses it by name, and
 * after qemu-img check -r all it opens and stays clean. */
static void test_dirty_image(void **state)
{
    (void)state;
    const char *img = bt_path("dirty.qcow2");
    assert_int_equal(bt_sh("qemu-img create -q -f qcow2 -o lazy_refcounts=on '%s' 4M", img), 0);
    bt_sh("qemu-io -c 'write -P 0x33 0 131072' -c abort '%s'", img);
    size_t n;
    uint8_t *h = bt_read_file(img, &n);
    assert_true(h[79] & 1); /* incompatible_features bit 0, big-endian u64 at 72 */
    free(h);
    struct blk *b;
    bt_open(img, BLK_FORMAT_QCOW2, true, BLK_CACHE_WRITEBACK, &b);
    uint8_t buf[512];
    assert_int_equal(b->ops->read(b, 65536, buf, 512), 0);
    assert_int_equal(buf[0], 0x33);
    blk_close(b);
    char err[512];
    struct blk_open_opts o = { .path = img, .format = BLK_FORMAT_QCOW2 };
    assert_true(blk_open(&o, &b, err, sizeof(err)) < 0);
    assert_non_null(strstr(err, "dirty"));
    bt_sh("qemu-img check -r all '%s'", img);
    bt_open(img, BLK_FORMAT_QCOW2, false, BLK_CACHE_WRITEBACK, &b);
    assert_int_equal(b->ops->write(b, 0, buf, 512), 0);
    blk_close(b);
    assert_int_equal(bt_qemu_check(img), 0);
}

/* Features we do not implement are refused with their names, and so is a corrupt image. */
static void test_refused_features(void **state)
{
    (void)state;
    static const struct { const char *opts; const char *want; } cases[] = {
        { "compression_type=zstd", "zstd" },
        { "extended_l2=on", "extended L2" },
        { "data_file=DATA", "external data file" },
        /* iter-time: the key derivation's target in ms (default 2000): the refusal is what is
         * tested, not the key, and the default costs seconds of CPU on every run */
        { "encrypt.format=luks,encrypt.key-secret=sec0,encrypt.iter-time=10", "LUKS" },
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *img = bt_path("feat.qcow2");
        unlink(img);
        char opts[256];
        snprintf(opts, sizeof(opts), "%s", cases[i].opts);
        char *d = strstr(opts, "DATA");
        if (d)
            snprintf(d, sizeof(opts) - (size_t)(d - opts), "%s", bt_path("feat.data"));
        char out[1024];
        int rc = 1;
        /* LUKS times its key derivation on the host's CPU clock, which fails now and then on a
         * loaded host ("Unable to get accurate CPU usage"): a few tries */
        for (int tries = 0; tries < 3 && rc; tries++) {
            unlink(img);
            rc = bt_sh_out(out, sizeof(out),
                           "qemu-img create -q --object secret,id=sec0,data=pw -f qcow2 -o %s '%s' 1M", opts, img);
        }
        if (rc) /* this qemu-img cannot make it: the case proves nothing, say so */
            fail_msg("qemu-img could not create an image with %s (status %d): %s", cases[i].opts, rc, out);
        struct blk *b;
        char err[512];
        struct blk_open_opts o = { .path = img, .format = BLK_FORMAT_QCOW2, .readonly = true };
        assert_true(blk_open(&o, &b, err, sizeof(err)) < 0);
        if (!strstr(err, cases[i].want))
            fail_msg("%s: error '%s' does not name '%s'", cases[i].opts, err, cases[i].want);
    }
    /* incompatible bits set by hand in a valid image: the corrupt bit, an unknown bit 10 */
    static const struct { unsigned bit; const char *want; } bits[] = {
        { 1, "marked corrupt" }, { 10, "incompatible feature bit 10" },
    };
    for (unsigned i = 0; i < 2; i++) {
        const char *img = bt_path("bits.qcow2");
        unlink(img);
        assert_int_equal(bt_sh("qemu-img create -q -f qcow2 '%s' 1M", img), 0);
        size_t n;
        uint8_t *h = bt_read_file(img, &n);
        h[79 - bits[i].bit / 8] |= (uint8_t)(1u << (bits[i].bit % 8)); /* big-endian u64 at 72 */
        bt_write_file(img, h, n);
        free(h);
        struct blk *b;
        char err[512];
        struct blk_open_opts o = { .path = img, .format = BLK_FORMAT_QCOW2, .readonly = true };
        assert_true(blk_open(&o, &b, err, sizeof(err)) < 0);
        if (!strstr(err, bits[i].want))
            fail_msg("bit %u: error '%s' does not say '%s'", bits[i].bit, err, bits[i].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_workload_no_backing, bt_setup, bt_teardown),
        cmocka_unit_test_setup_teardown(test_workload_raw_backing, bt_setup, bt_teardown),
        cmocka_unit_test_setup_teardown(test_workload_qcow2_backing, bt_setup, bt_teardown),
        cmocka_unit_test_setup_teardown(test_workload_refcount_widths_and_v2, bt_setup, bt_teardown),
        cmocka_unit_test_setup_teardown(test_workload_cache_none, bt_setup_disk, bt_teardown),
        cmocka_unit_test_setup_teardown(test_workload_scattered, bt_setup_disk, bt_teardown),
        cmocka_unit_test_setup_teardown(test_refcount_table_growth, bt_setup, bt_teardown),
        cmocka_unit_test_setup_teardown(test_compressed, bt_setup, bt_teardown),
        cmocka_unit_test_setup_teardown(test_our_overlay, bt_setup, bt_teardown),
        cmocka_unit_test_setup_teardown(test_relative_chain, bt_setup, bt_teardown),
        cmocka_unit_test_setup_teardown(test_dirty_image, bt_setup, bt_teardown),
        cmocka_unit_test_setup_teardown(test_refused_features, bt_setup, bt_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
