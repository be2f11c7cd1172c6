/*
 * Unit tests of blk_open and the raw backend (devices/block/block.c, raw.c, file.c): random
 * workloads in each cache mode checked against a model (discard and write-zeroes punch holes
 * that read as zeroes and free the file's blocks), the flush statistics (one fdatasync per
 * flush, none under cache=unsafe), the checks every request goes through (alignment, range,
 * read-only), the one-line errors at open (missing file, directory, unknown or mismatched
 * format, a read-only file opened for writing, a second writer), and the lossy test backend
 * (unflushed writes vanish when the power fails).
 */
#include "tests/unit/block_test_util.h"
#include "devices/block/internal.h"

#define MIB (1024 * 1024)

static void make_raw(const char *path, uint64_t size, uint8_t *data, uint64_t seed)
{
    bt_fill_random(data, size, &seed);
    bt_write_file(path, data, size);
}

static void test_workload_cache_modes(void **state)
{
    (void)state;
    static const enum blk_cache modes[] = { BLK_CACHE_WRITEBACK, BLK_CACHE_NONE, BLK_CACHE_UNSAFE };
    /* each mode plain, then through blk_readv / blk_writev with scattered buffers */
    for (unsigned k = 0; k < 6; k++) {
        uint64_t size = 4 * MIB;
        const char *img = bt_path("disk.raw");
        struct bt_model m;
        bt_model_init(&m, size, NULL);
        make_raw(img, size, m.data, 10 + k);
        struct blk *b;
        bt_open(img, BLK_FORMAT_PROBE, false, modes[k % 3], &b);
        assert_int_equal(b->format, BLK_FORMAT_RAW);
        assert_int_equal(b->size, size);
        /* /tmp is a disk file system here: cache=none really is O_DIRECT (bounce buffers) */
        assert_int_equal(blk_handle_of(b)->file->direct, modes[k % 3] == BLK_CACHE_NONE);
        struct bt_workload w = { .ops = k < 3 ? 600 : 300, .max_sectors = 300, .discards = true, .reopen = true,
                                 .discard_zeroes = true, .path = img, .fmt = BLK_FORMAT_RAW, .cache = modes[k % 3],
                                 .scatter = k >= 3 };
        bt_run_workload(&b, &m, &w, 20 + k);
        /* on raw a discard reads as zeroes: the model can say so */
        assert_int_equal(b->ops->discard(b, MIB, MIB), 0);
        memset(m.data + MIB, 0, MIB);
        bt_check_all(b, &m, "raw");
        blk_close(b);
        size_t n;
        uint8_t *p = bt_read_file(img, &n);
        assert_int_equal(n, size);
        bt_model_check(&m, 0, p, n, "the file");
        free(p);
        bt_model_free(&m);
    }
}

static void test_punch_frees_space(void **state)
{
    (void)state;
    const char *img = bt_path("punch.raw");
    uint8_t *data = malloc(8 * MIB);
    make_raw(img, 8 * MIB, data, 3);
    free(data);
    struct stat st;
    assert_int_equal(stat(img, &st), 0);
    blkcnt_t before = st.st_blocks;
    struct blk *b;
    bt_open(img, BLK_FORMAT_RAW, false, BLK_CACHE_WRITEBACK, &b);
    assert_int_equal(b->ops->discard(b, 0, 4 * MIB), 0);
    assert_int_equal(b->ops->write_zeroes(b, 4 * MIB, 2 * MIB, true), 0);
    blk_close(b);
    assert_int_equal(stat(img, &st), 0);
    assert_int_equal(st.st_size, 8 * MIB); /* KEEP_SIZE */
    assert_true(st.st_blocks < before - (5 * MIB) / 512);
}

static void test_flush_stats(void **state)
{
    (void)state;
    const char *img = bt_path("stats.raw");
    uint8_t buf[4096] = { 1 };
    bt_write_file(img, buf, sizeof(buf));
    struct blk *b;
    bt_open(img, BLK_FORMAT_RAW, false, BLK_CACHE_WRITEBACK, &b);
    assert_int_equal(b->ops->write(b, 0, buf, 1024), 0);
    assert_int_equal(b->ops->flush(b), 0);
    assert_int_equal(b->ops->flush(b), 0);
    assert_int_equal(b->ops->read(b, 0, buf, 512), 0);
    assert_int_equal(b->stats.flushes, 2);
    assert_int_equal(b->stats.host_flushes, 2);
    assert_int_equal(b->stats.writes, 1);
    assert_int_equal(b->stats.bytes_written, 1024);
    assert_int_equal(b->stats.reads, 1);
    assert_int_equal(b->stats.bytes_read, 512);
    blk_close(b);
    bt_open(img, BLK_FORMAT_RAW, false, BLK_CACHE_UNSAFE, &b);
    assert_int_equal(b->ops->flush(b), 0);
    assert_int_equal(b->stats.flushes, 1);
    assert_int_equal(b->stats.host_flushes, 0);
    blk_close(b);
}

static void test_request_checks(void **state)
{
    (void)state;
    const char *img = bt_path("small.raw");
    uint8_t buf[2048] = { 0 };
    bt_write_file(img, buf, 1000); /* not a sector multiple: rounded up, the tail reads zero */
    struct blk *b;
    bt_open(img, BLK_FORMAT_RAW, false, BLK_CACHE_WRITEBACK, &b);
    assert_int_equal(b->size, 1024);
    assert_int_equal(b->ops->read(b, 0, buf, 1024), 0);
    assert_int_equal(b->ops->read(b, 1, buf, 512), -EINVAL);
    assert_int_equal(b->ops->read(b, 0, buf, 100), -EINVAL);
    assert_int_equal(b->ops->read(b, 512, buf, 1024), -ERANGE);
    assert_int_equal(b->ops->write(b, 1024, buf, 512), -ERANGE);
    assert_int_equal(b->ops->discard(b, UINT64_MAX - 511, 512), -ERANGE);
    assert_int_equal(b->ops->write_zeroes(b, 512, UINT64_MAX - 511, true), -ERANGE);
    blk_close(b);
    bt_open(img, BLK_FORMAT_RAW, true, BLK_CACHE_WRITEBACK, &b);
    assert_int_equal(b->ops->write(b, 0, buf, 512), -EROFS);
    assert_int_equal(b->ops->discard(b, 0, 512), -EROFS);
    assert_int_equal(b->ops->write_zeroes(b, 0, 512, false), -EROFS);
    assert_int_equal(b->ops->flush(b), 0);
    blk_close(b);
}

/* blk_open fails with one line naming the file, and its cause. */
static void expect_open_error(const char *path, enum blk_format fmt, bool ro, const char *want)
{
    struct blk *b = (struct blk *)1;
    char err[512] = "";
    struct blk_open_opts o = { .path = path, .format = fmt, .readonly = ro };
    assert_true(blk_open(&o, &b, err, sizeof(err)) < 0);
    assert_null(b);
    if (!strstr(err, want) || !strstr(err, path) || strchr(err, '\n'))
        fail_msg("open %s: '%s' (wanted one line naming the file and '%s')", path, err, want);
}

static void test_open_errors(void **state)
{
    (void)state;
    expect_open_error(bt_path("missing.img"), BLK_FORMAT_PROBE, false, "No such file");
    expect_open_error(bt_dir, BLK_FORMAT_RAW, true, "directory");
    uint8_t head[512] = { 0 };
    memcpy(head, "KDMV", 4);
    bt_write_file(bt_path("disk.vmdk"), head, sizeof(head));
    expect_open_error(bt_path("disk.vmdk"), BLK_FORMAT_PROBE, true, "vmdk");
    memset(head, 0, sizeof(head));
    bt_write_file(bt_path("plain.raw"), head, sizeof(head));
    expect_open_error(bt_path("plain.raw"), BLK_FORMAT_QCOW2, true, "not a qcow2 image");
    /* a read-only file opened for writing (refused even for root) */
    bt_write_file(bt_path("ro.raw"), head, sizeof(head));
    assert_int_equal(chmod(bt_path("ro.raw"), 0444), 0);
    expect_open_error(bt_path("ro.raw"), BLK_FORMAT_RAW, false, "read-only");
    struct blk *b;
    bt_open(bt_path("ro.raw"), BLK_FORMAT_RAW, true, BLK_CACHE_WRITEBACK, &b);
    blk_close(b);
    /* a second writer of one file */
    bt_open(bt_path("plain.raw"), BLK_FORMAT_RAW, false, BLK_CACHE_WRITEBACK, &b);
    expect_open_error(bt_path("plain.raw"), BLK_FORMAT_RAW, false, "in use");
    expect_open_error(bt_path("plain.raw"), BLK_FORMAT_RAW, true, "in use");
    blk_close(b);
    /* a qcow2 whose backing file is gone names both */
    assert_int_equal(bt_sh("qemu-img create -q -f qcow2 -b '%s' -F raw -u '%s' 1M",
                           bt_path("gone.raw"), bt_path("orphan.qcow2")), 0);
    expect_open_error(bt_path("orphan.qcow2"), BLK_FORMAT_PROBE, true, "gone.raw");
    enum blk_format f;
    assert_int_equal(blk_format_from_name("qcow2", &f), 0);
    assert_int_equal(f, BLK_FORMAT_QCOW2);
    assert_int_equal(blk_format_from_name("raw", &f), 0);
    assert_int_equal(f, BLK_FORMAT_RAW);
    assert_int_equal(blk_format_from_name("vmdk", &f), -EINVAL);
}

/* The test backend: unflushed writes live in memory, are read back, and are lost on a power
 * failure; flushed ones survive it. */
static void test_lossy_power_fail(void **state)
{
    (void)state;
    const char *img = bt_path("lossy.raw");
    uint8_t zero[8192] = { 0 }, a[4096], c[4096];
    memset(a, 0xaa, sizeof(a));
    memset(c, 0xcc, sizeof(c));
    bt_write_file(img, zero, sizeof(zero));
    struct blk *b;
    char err[256];
    struct blk_open_opts o = { .path = img, .format = BLK_FORMAT_RAW, .lossy = true };
    assert_int_equal(blk_open(&o, &b, err, sizeof(err)), 0);
    assert_int_equal(b->ops->write(b, 0, a, 4096), 0);
    assert_int_equal(b->ops->flush(b), 0);
    assert_int_equal(b->stats.host_flushes, 1);
    assert_int_equal(b->ops->write(b, 4096, c, 4096), 0);
    uint8_t buf[8192];
    assert_int_equal(b->ops->read(b, 0, buf, 8192), 0);
    assert_memory_equal(buf + 4096, c, 4096);
    size_t n;
    uint8_t *disk = bt_read_file(img, &n);
    assert_memory_equal(disk + 4096, zero, 4096); /* not on the host yet */
    free(disk);
    blk_power_fail(b, 0);
    blk_close(b);
    disk = bt_read_file(img, &n);
    assert_memory_equal(disk, a, 4096);
    assert_memory_equal(disk + 4096, zero, 4096);
    free(disk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_workload_cache_modes, bt_setup_disk, bt_teardown),
        cmocka_unit_test_setup_teardown(test_punch_frees_space, bt_setup_disk, bt_teardown),
        cmocka_unit_test_setup_teardown(test_flush_stats, bt_setup_disk, bt_teardown),
        cmocka_unit_test_setup_teardown(test_request_checks, bt_setup_disk, bt_teardown),
        cmocka_unit_test_setup_teardown(test_open_errors, bt_setup_disk, bt_teardown),
        cmocka_unit_test_setup_teardown(test_lossy_power_fail, bt_setup_disk, bt_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
