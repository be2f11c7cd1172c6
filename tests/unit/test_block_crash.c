/*
 * Crash consistency of the disk backends (devices/block), with injected failure points: a fixed
 * workload of writes, write-zeroes, discards and flushes is stopped after its k-th host write or
 * flush (blk_fault_writes_left), for k across the whole run, as a kill -9 there would stop it
 * (what was written stays), or as a power failure (the lossy test backend: of the writes since
 * the last host flush a pseudo-random subset reached the disk, in any order). After each crash:
 * `qemu-img check` reports no corruption (exit 0, or 3 for leaked clusters only), and every
 * sector not written since the last completed guest flush holds what it held then.
 *
 * The configurations cover 64 KiB and 512-byte clusters, raw and qcow2 backing files, raw images,
 * and a refcount table that has to grow during the run.
 */
#include "tests/unit/block_test_util.h"
#include "devices/block/internal.h"

#define KIB 1024u

struct crash_cfg {
    const char *name;
    bool qcow2;
    unsigned cluster;
    const char *create_opts;  /* more -o options */
    const char *backing;      /* NULL, "raw", "qcow2" */
    bool lossy;               /* power failure instead of a kill */
    uint64_t size;
    uint64_t prefill;         /* bytes written (and flushed) before the crash runs */
    unsigned max_points;      /* crash points tried, spread over the run */
    unsigned max_len;         /* longest request */
};

struct crash_state {
    struct bt_model now;      /* what the guest wrote */
    uint8_t *durable;         /* the disk at the last completed flush */
    uint8_t *dirty;           /* per sector: written since that flush */
};

static void prepare(const struct crash_cfg *c, const char *img)
{
    if (!c->qcow2) {
        uint8_t *z = calloc(1, c->size);
        bt_write_file(img, z, c->size);
        free(z);
        return;
    }
    if (c->backing) {
        const char *base = bt_path(!strcmp(c->backing, "raw") ? "cbase.raw" : "cbase.qcow2");
        uint8_t *d = malloc(c->size);
        uint64_t seed = 4242;
        bt_fill_random(d, c->size, &seed);
        bt_write_file(bt_path("cbase.raw"), d, c->size);
        free(d);
        if (strcmp(c->backing, "raw"))
            assert_int_equal(bt_sh("qemu-img convert -O qcow2 '%s' '%s'", bt_path("cbase.raw"),
                                   base), 0);
        assert_int_equal(bt_sh("qemu-img create -q -f qcow2 -o cluster_size=%u%s%s -b '%s' -F %s '%s'",
                               c->cluster, c->create_opts ? "," : "",
                               c->create_opts ? c->create_opts : "", base, c->backing, img), 0);
    } else {
        assert_int_equal(bt_sh("qemu-img create -q -f qcow2 -o cluster_size=%u%s%s '%s' %llu",
                               c->cluster, c->create_opts ? "," : "",
                               c->create_opts ? c->create_opts : "", img,
                               (unsigned long long)c->size), 0);
    }
    if (c->prefill) {
        struct blk *b;
        bt_open(img, BLK_FORMAT_QCOW2, false, BLK_CACHE_WRITEBACK, &b);
        uint8_t *d = malloc(c->prefill);
        uint64_t seed = 99;
        bt_fill_random(d, c->prefill, &seed);
        assert_int_equal(b->ops->write(b, 0, d, c->prefill), 0);
        free(d);
        blk_close(b);
        assert_int_equal(bt_qemu_check(img), 0);
    }
}

static void copy_file(const char *from, const char *to)
{
    size_t n;
    uint8_t *p = bt_read_file(from, &n);
    bt_write_file(to, p, n);
    free(p);
}

static void mark(struct crash_state *s, uint64_t off, uint64_t len)
{
    memset(s->dirty + off / BLK_SECTOR, 1, len / BLK_SECTOR);
}

/* The workload (the same for every crash point); requests fail only once the disk died. */
static void run_workload(const struct crash_cfg *c, struct blk *b, struct crash_state *s)
{
    uint64_t seed = 31337;
    uint64_t sectors = c->size / BLK_SECTOR;
    uint64_t area = c->prefill ? c->prefill / BLK_SECTOR : sectors; /* crash runs grow past it */
    uint8_t *buf = malloc(c->max_len);
    for (unsigned i = 0; i < 48; i++) {
        bool alive = blk_fault_writes_left != 0;
        unsigned op = (unsigned)(bt_rng(&seed) % 100);
        uint64_t ns = 1 + bt_rng(&seed) % (c->max_len / BLK_SECTOR);
        /* with a prefill: mostly past it, where clusters are still to be allocated */
        uint64_t s0 = c->prefill && i % 3 ? area - 64 + bt_rng(&seed) % (sectors - area + 64)
                                          : bt_rng(&seed) % sectors;
        if (s0 + ns > sectors)
            ns = sectors - s0;
        uint64_t off = s0 * BLK_SECTOR, len = ns * BLK_SECTOR;
        int r;
        if (op < 60) {
            bt_fill_random(buf, len, &seed);
            r = b->ops->write(b, off, buf, len);
            memcpy(s->now.data + off, buf, len);
            memset(s->now.undef + off, 0, len);
            mark(s, off, len);
        } else if (op < 70) {
            r = b->ops->write_zeroes(b, off, len, op & 1);
            memset(s->now.data + off, 0, len);
            memset(s->now.undef + off, 0, len);
            mark(s, off, len);
        } else if (op < 78) {
            r = b->ops->discard(b, off, len);
            memset(s->now.undef + off, 1, len);
            mark(s, off, len);
        } else {
            r = b->ops->flush(b);
            if (blk_fault_writes_left != 0) { /* it completed before the crash */
                memcpy(s->durable, s->now.data, c->size);
                for (uint64_t k = 0; k < sectors; k++)
                    if (s->now.undef[k * BLK_SECTOR])
                        s->dirty[k] = 1; /* a discarded sector stays undefined */
                    else
                        s->dirty[k] = 0;
            }
        }
        if (alive && blk_fault_writes_left != 0)
            assert_int_equal(r, 0); /* no error before the crash */
    }
    free(buf);
}

/* One run crashing at host operation k (-1: no crash); returns the host operations used. */
static long run_point(const struct crash_cfg *c, const char *pristine, const char *img, long k,
                      const uint8_t *initial)
{
    copy_file(pristine, img);
    struct crash_state s;
    bt_model_init(&s.now, c->size, initial);
    s.durable = malloc(c->size);
    memcpy(s.durable, initial, c->size);
    s.dirty = calloc(1, c->size / BLK_SECTOR);
    const long budget = 1L << 40;
    blk_fault_writes_left = k < 0 ? budget : k;
    blk_fault_seed = (uint64_t)k * 7919 + 17;
    struct blk *b;
    char err[512];
    struct blk_open_opts o = { .path = img, .format = c->qcow2 ? BLK_FORMAT_QCOW2 : BLK_FORMAT_RAW,
                               .lossy = c->lossy };
    assert_int_equal(blk_open(&o, &b, err, sizeof(err)), 0);
    run_workload(c, b, &s);
    blk_close(b);
    long used = budget - blk_fault_writes_left;
    blk_fault_writes_left = -1;
    if (c->qcow2) {
        int rc = bt_qemu_check(img);
        if (rc != 0 && rc != 3)
            fail_msg("%s: crash at host operation %ld: qemu-img check exit %d", c->name, k, rc);
    }
    /* what was flushed is there */
    bt_open(img, o.format, true, BLK_CACHE_WRITEBACK, &b);
    uint8_t *disk = malloc(c->size);
    assert_int_equal(b->ops->read(b, 0, disk, c->size), 0);
    blk_close(b);
    for (uint64_t sct = 0; sct < c->size / BLK_SECTOR; sct++) {
        uint64_t off = sct * BLK_SECTOR;
        if (s.dirty[sct])
            continue;
        if (memcmp(disk + off, s.durable + off, BLK_SECTOR))
            fail_msg("%s: crash at host operation %ld: flushed sector %llu lost", c->name, k,
                     (unsigned long long)sct);
    }
    free(disk);
    free(s.durable);
    free(s.dirty);
    bt_model_free(&s.now);
    return used;
}

static void run_cfg(const struct crash_cfg *c)
{
    const char *pristine = bt_path("pristine.img");
    const char *img = bt_path("crash.img");
    unlink(pristine);
    prepare(c, pristine);
    /* what the disk holds before the workload */
    uint8_t *initial = malloc(c->size);
    struct blk *b;
    bt_open(pristine, c->qcow2 ? BLK_FORMAT_QCOW2 : BLK_FORMAT_RAW, true, BLK_CACHE_WRITEBACK, &b);
    assert_int_equal(b->ops->read(b, 0, initial, c->size), 0);
    blk_close(b);
    long total = run_point(c, pristine, img, -1, initial);
    assert_true(total > 10);
    if (c->prefill) { /* the honest part: the run really grew the refcount table */
        size_t n;
        uint8_t *h0 = bt_read_file(pristine, &n), *h1 = bt_read_file(img, &n);
        assert_memory_not_equal(h0 + 48, h1 + 48, 12);
        free(h0);
        free(h1);
    }
    /* BLOCK_CRASH_ALL=1 (by hand): every host operation of every configuration */
    long step = getenv("BLOCK_CRASH_ALL") ? 1 : total / (long)c->max_points + 1;
    unsigned points = 0;
    /* a different phase per configuration, and always the first and the last operation */
    for (long k = 0; k <= total; k = k ? k + step : (long)(c->size / BLK_SECTOR) % step + 1, points++)
        run_point(c, pristine, img, k, initial);
    print_message("%s: %ld host operations, %u crash points\n", c->name, total, points);
    free(initial);
}

static void test_qcow2_kill(void **state)
{
    (void)state;
    /* every host operation of this run is a crash point */
    run_cfg(&(struct crash_cfg){ "qcow2 64k kill", true, 65536, NULL, NULL, false, 4 << 20, 0, 1000,
                                 150 * KIB });
    run_cfg(&(struct crash_cfg){ "qcow2 512 raw-backed kill", true, 512, NULL, "raw", false,
                                 1 << 20, 0, 20, 3 * KIB });
}

static void test_qcow2_power(void **state)
{
    (void)state;
    run_cfg(&(struct crash_cfg){ "qcow2 64k power", true, 65536, NULL, NULL, true, 4 << 20, 0, 12,
                                 150 * KIB });
    run_cfg(&(struct crash_cfg){ "qcow2 4k qcow2-backed power", true, 4096, NULL, "qcow2", true,
                                 2 << 20, 0, 20, 10 * KIB });
}

/* 512-byte clusters with 64-bit counts: one refcount block covers 64 clusters, the table 64
 * blocks (2 MiB of file); a prefilled image grows it during the crash runs. */
static void test_qcow2_growth(void **state)
{
    (void)state;
    run_cfg(&(struct crash_cfg){ "qcow2 growth kill", true, 512, "refcount_bits=64", NULL, false,
                                 3 << 20, 1900 * KIB, 12, 16 * KIB });
    run_cfg(&(struct crash_cfg){ "qcow2 growth power", true, 512, "refcount_bits=64", NULL, true,
                                 3 << 20, 1900 * KIB, 12, 16 * KIB });
}

static void test_raw_power(void **state)
{
    (void)state;
    run_cfg(&(struct crash_cfg){ "raw power", false, 4096, NULL, NULL, true, 1 << 20, 0, 12,
                                 16 * KIB });
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_qcow2_kill, bt_setup, bt_teardown),
        cmocka_unit_test_setup_teardown(test_qcow2_power, bt_setup, bt_teardown),
        cmocka_unit_test_setup_teardown(test_qcow2_growth, bt_setup, bt_teardown),
        cmocka_unit_test_setup_teardown(test_raw_power, bt_setup, bt_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
