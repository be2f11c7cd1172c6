/*
 * Fuzzing virtio-blk's virtqueue and registers (devices/virtio/virtio_blk.c, virtqueue.c,
 * virtio_pci.c) against fake guest memory: the input is a guest driver's command sequence
 * (tests/fuzz/virtio_cmds.h) after the Linux probe, on a synchronous device over an in-memory
 * disk. Whatever the descriptors, rings and registers say: no bad memory access, the backend
 * is only ever asked for bytes inside the disk (and never to write a read-only one), DMA never reaches the device window, and a
 * device in NEEDS_RESET does no more I/O until a reset.
 */
#include <stdint.h>
#include <string.h>

#include "devices/block/block.h"
#include "tests/fuzz/virtio_cmds.h"

#define DISK_BYTES (64u << 10)
#define RING 0x1000u

static uint8_t disk[DISK_BYTES];
static unsigned io_calls;

static void check_range(const struct blk *b, bool write, uint64_t off, uint64_t len)
{
    io_calls++;
    if (write && b->readonly) {
        fprintf(stderr, "fuzz_virtio_blk: a read-only disk was written\n");
        abort();
    }
    if (off > DISK_BYTES || len > DISK_BYTES - off) {
        fprintf(stderr, "fuzz_virtio_blk: the backend was asked for [%#llx, +%#llx), past the disk\n",
                (unsigned long long)off, (unsigned long long)len);
        abort();
    }
}

static int dd_read(struct blk *b, uint64_t off, void *buf, size_t len)
{
    check_range(b, false, off, len);
    memcpy(buf, disk + off, len);
    return 0;
}

static int dd_write(struct blk *b, uint64_t off, const void *buf, size_t len)
{
    check_range(b, true, off, len);
    memcpy(disk + off, buf, len);
    return 0;
}

static int dd_flush(struct blk *b)
{
    (void)b;
    io_calls++;
    return 0;
}

static int dd_discard(struct blk *b, uint64_t off, uint64_t len)
{
    check_range(b, true, off, len);
    return 0;
}

static int dd_zeroes(struct blk *b, uint64_t off, uint64_t len, bool unmap)
{
    (void)unmap;
    check_range(b, true, off, len);
    memset(disk + off, 0, len);
    return 0;
}

static const struct blk_ops dd_ops = {
    .read = dd_read, .write = dd_write, .flush = dd_flush, .discard = dd_discard, .write_zeroes = dd_zeroes,
};

static struct blk dd;
static struct virtio_blk *dev;

static void poll_dev(void)
{
    virtio_blk_poll(dev);
}

static const uint32_t rings[1] = {RING};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dev) {
        rig_machine_init();
        dd = (struct blk){.ops = &dd_ops, .size = DISK_BYTES, .cache = BLK_CACHE_WRITEBACK};
        struct virtio_host host = {.kick = kick, .synchronous = true};
        assert_int_equal(virtio_blk_create(&dev, &pm, &dd, "fuzz", &host), 0);
        vp = virtio_blk_pci(dev);
        virtio_pci_attach(vp, NULL, -1, (struct irq_line){.set = set_irq});
    }
    /* a clean machine for every input: the first input byte makes the disk read-only */
    assert_int_equal(physmap_zero(&pm, 0, RAM_SIZE), 0);
    dd.readonly = size > 0 && (data[0] & 0x80);
    driver_setup(1, rings);
    mmio_accesses = 0;
    struct cmd_in in = {.p = data, .n = size, .at = size > 0};
    while (in.at < in.n) {
        uint8_t c = in_u8(&in);
        bool dead = vp->status & VIRTIO_CONFIG_S_NEEDS_RESET;
        unsigned calls = io_calls;
        if (!run_cmd(&in, c, 1, poll_dev))
            driver_setup(1, rings);
        else if (dead && (vp->status & VIRTIO_CONFIG_S_NEEDS_RESET) && io_calls != calls) {
            fprintf(stderr, "fuzz_virtio_blk: a device in NEEDS_RESET did I/O\n");
            abort();
        }
        if (mmio_accesses) {
            fprintf(stderr, "fuzz_virtio_blk: DMA reached the device window\n");
            abort();
        }
    }
    virtio_blk_poll(dev);
    return 0;
}
