/*
 * What the virtqueue harnesses (fuzz_virtio_blk, fuzz_virtio_net) share: the machine of
 * tests/unit/virtio_rig.h (256 KiB of RAM and a counting device window at MMIO_BASE that a
 * descriptor may point into but DMA must never reach), and the guest's side as a little command
 * language the input is read as:
 *
 *   0 OFF SIZE V32      write BAR 0 register OFF (1, 2 or 4 bytes): the transport's registers
 *   1 OFF SIZE          read one
 *   2 A16 LEN BYTES     write LEN (< 64) bytes of guest RAM at DATA + A16 (headers, frames)
 *   3 Q IDX SEL A32 LEN16 FLAGS NEXT
 *                       write descriptor IDX of queue Q; SEL picks where it points: DATA + A
 *                       (mostly), the device window, an address just past RAM, or A itself
 *   4 Q HEAD            publish HEAD in Q's available ring and notify Q
 *   5 Q IDX16           write Q's available index as it is (a runaway index) and notify Q
 *   6                   the device's poll (what the vCPU thread runs after a kick)
 *   7 ...               the harness's own command (fuzz_virtio_net: a frame from the backend;
 *                       fuzz_virtio_blk: a driver reset and set-up)
 *
 * A missing byte reads as 0. Static functions: each harness includes it once.
 */
#ifndef TESTS_FUZZ_VIRTIO_CMDS_H
#define TESTS_FUZZ_VIRTIO_CMDS_H

#include <stdio.h>
#include <stdlib.h>

/* virtio_rig.h's checks are cmocka's in the unit tests; here a failed one is a crash. */
#define assert_int_equal(a, b)                                                                     \
    do {                                                                                           \
        if ((long long)(a) != (long long)(b)) {                                                    \
            fprintf(stderr, "%s:%d: %s != %s\n", __FILE__, __LINE__, #a, #b);                       \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#include "devices/virtio/virtio.h"
#include "shadow-mmu/shadow_mmu.h"
#include "tests/unit/virtio_rig.h"

/* the machine lives as long as the process */
static void (*const rig_fini_unused)(void) __attribute__((unused)) = rig_machine_fini;

#define DATA 0x20000u /* buffers and headers: 0x20000..0x30000 */

struct cmd_in {
    const uint8_t *p;
    size_t n, at;
};

static uint8_t in_u8(struct cmd_in *in)
{
    return in->at < in->n ? in->p[in->at++] : 0;
}

static uint16_t in_u16(struct cmd_in *in)
{
    uint16_t lo = in_u8(in);
    return (uint16_t)(lo | in_u8(in) << 8);
}

static uint32_t in_u32(struct cmd_in *in)
{
    uint32_t lo = in_u16(in);
    return lo | (uint32_t)in_u16(in) << 16;
}

static struct virtio_pci *vp;
static uint16_t avail_idx[VIRTIO_MAX_QUEUES];

static void reg_write(unsigned off, uint32_t v, unsigned size)
{
    virtio_pci_io_ops.write(vp, off, v, size);
}

static uint32_t reg_read(unsigned off, unsigned size)
{
    return (uint32_t)virtio_pci_io_ops.read(vp, off, size);
}

static unsigned in_size(struct cmd_in *in)
{
    static const unsigned sizes[4] = {1, 2, 4, 4};
    return sizes[in_u8(in) & 3];
}

/* The virtio_pci_legacy probe: reset, features, every queue's PFN at ring[q], DRIVER_OK. */
static void driver_setup(unsigned nq, const uint32_t *ring)
{
    reg_write(VIRTIO_PCI_STATUS, 0, 1);
    reg_write(VIRTIO_PCI_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER, 1);
    reg_write(VIRTIO_PCI_GUEST_FEATURES, reg_read(VIRTIO_PCI_HOST_FEATURES, 4), 4);
    for (unsigned q = 0; q < nq; q++) {
        reg_write(VIRTIO_PCI_QUEUE_SEL, q, 2);
        reg_write(VIRTIO_PCI_QUEUE_PFN, ring[q] >> 12, 4);
        avail_idx[q] = 0;
    }
    reg_write(VIRTIO_PCI_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_DRIVER_OK, 1);
}

static uint64_t desc_addr(uint8_t sel, uint32_t a)
{
    switch (sel & 7) {
    case 5: return MMIO_BASE + (a & 0xFFF);
    case 6: return RAM_SIZE - (a & 0xFF);
    case 7: return (uint64_t)a << (sel & 0x20 ? 32 : 0) | a;
    default: return DATA + (a & 0xFFFF);
    }
}

static void put_desc(const struct virtq *q, unsigned idx, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    if (!q->size)
        return;
    uint8_t d[16];
    memcpy(d, &addr, 8);
    memcpy(d + 8, &len, 4);
    memcpy(d + 12, &flags, 2);
    memcpy(d + 14, &next, 2);
    if (virtq_ram_ok(&pm, q->desc + 16ull * (idx % q->size), 16))
        (void)physmap_write(&pm, q->desc + 16ull * (idx % q->size), d, 16);
}

/* Runs one command of the shared language (0..6); false for 7, the harness's own. */
static bool run_cmd(struct cmd_in *in, uint8_t c, unsigned nq, void (*poll)(void))
{
    switch (c & 7) {
    case 0: {
        unsigned off = in_u8(in) % vp->bar_size, size = in_size(in);
        reg_write(off, in_u32(in), size);
        return true;
    }
    case 1: {
        unsigned off = in_u8(in) % vp->bar_size, size = in_size(in);
        (void)reg_read(off, size);
        return true;
    }
    case 2: {
        uint32_t a = DATA + in_u16(in);
        unsigned len = in_u8(in) & 63;
        uint8_t buf[64];
        for (unsigned i = 0; i < len; i++)
            buf[i] = in_u8(in);
        (void)physmap_write(&pm, a, buf, len);
        return true;
    }
    case 3: {
        unsigned q = in_u8(in) % nq, idx = in_u8(in);
        uint8_t sel = in_u8(in);
        uint64_t addr = desc_addr(sel, in_u32(in));
        uint32_t len = in_u16(in);
        if (sel & 0x40)
            len |= (uint32_t)in_u16(in) << 16;
        uint16_t flags = in_u8(in) & 7, next = in_u8(in);
        put_desc(&vp->vq[q], idx, addr, len, flags, next);
        return true;
    }
    case 4: case 5: {
        unsigned q = in_u8(in) % nq;
        const struct virtq *vq = &vp->vq[q];
        if ((c & 7) == 4) {
            uint16_t head = in_u8(in);
            if (vq->size && virtq_ram_ok(&pm, vq->avail + 4 + 2ull * (avail_idx[q] % vq->size), 2))
                (void)physmap_write(&pm, vq->avail + 4 + 2ull * (avail_idx[q] % vq->size), &head, 2);
            avail_idx[q]++;
        } else {
            avail_idx[q] = in_u16(in);
        }
        if (vq->size && virtq_ram_ok(&pm, vq->avail + 2, 2))
            (void)physmap_write(&pm, vq->avail + 2, &avail_idx[q], 2);
        reg_write(VIRTIO_PCI_QUEUE_NOTIFY, q, 2);
        return true;
    }
    case 6:
        poll();
        return true;
    default:
        return false;
    }
}

#endif
