/*
 * The legacy virtio PCI transport (virtio 0.9.5, Linux drivers/virtio/virtio_pci_legacy.c and
 * virtio_pci_legacy_dev.c as the driver): one PCI function with an I/O BAR 0 holding the
 * 20-byte header (features, queue PFN/size/select/notify, status, ISR) and the device's config
 * right after it (no MSI-X on the Malta, so at offset 20).
 *
 * Identification follows QEMU (hw/virtio/virtio-pci.c virtio_pci_device_plugged; measured in
 * /work/shared/docs/vmm-facts.md §1.2): revision 0 (the legacy ABI version), subsystem vendor
 * 1AF4 and subsystem ID = the virtio device type, interrupt pin A, BAR 0 sized
 * pow2ceil(20 + config length). Nothing assigns the BAR before Linux does (QEMU's -kernel path
 * programs no BARs either), so sizing works the standard way: the writable bits of the BAR
 * are the address bits, and each write of BAR 0 or of the Command register moves the range in
 * the PCI I/O window (enabled while Command.IO is set and the BAR is non-zero).
 *
 * The interrupt is INTA, a level: high while ISR has a bit set. Reading ISR clears it and
 * lowers the line, which is how a shared handler learns whether the interrupt was this
 * device's. The board ORs the lines that share a PIRQ.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "devices/virtio/virtio.h"

static uint32_t pow2ceil(uint32_t v)
{
    uint32_t p = 1;
    while (p < v)
        p <<= 1;
    return p;
}

static void vp_update_irq(struct virtio_pci *vp)
{
    irq_set(&vp->irq, vp->isr != 0);
}

static void vp_update_bar(struct virtio_pci *vp)
{
    if (!vp->io)
        return;
    uint32_t bar = pci_get32(&vp->pci, PCI_BAR0) & ~(vp->bar_size - 1) & ~3u;
    bool on = (pci_get16(&vp->pci, PCI_COMMAND) & PCI_CMD_IO) && bar != 0 &&
              (uint64_t)bar + vp->bar_size <= vp->io->size;
    bus_move(vp->io, vp->io_range, bar, on);
}

static void vp_cfg_written(void *opaque, unsigned reg, unsigned size)
{
    struct virtio_pci *vp = opaque;
    bool bar0 = reg < PCI_BAR0 + 4 && reg + size > PCI_BAR0;
    bool cmd = reg < PCI_COMMAND + 2 && reg + size > PCI_COMMAND;
    if (bar0 || cmd)
        vp_update_bar(vp);
}

void virtio_pci_init(struct virtio_pci *vp, struct physmap *pm, uint16_t device_id, uint16_t subsys_id,
                     uint32_t class_code, uint32_t host_features, unsigned nqueues, uint16_t queue_size,
                     unsigned config_len, const struct virtio_dev_ops *ops, void *dev)
{
    memset(vp, 0, sizeof(*vp));
    vp->pm = pm;
    vp->ops = ops;
    vp->dev = dev;
    vp->host_features = host_features;
    vp->nqueues = nqueues < VIRTIO_MAX_QUEUES ? nqueues : VIRTIO_MAX_QUEUES;
    vp->config_len = config_len;
    vp->bar_size = pow2ceil(VIRTIO_PCI_CONFIG_OFF + config_len);
    vp->io_range = -1;
    for (unsigned i = 0; i < vp->nqueues; i++) {
        vp->vq[i].pm = pm;
        vp->vq[i].size = queue_size;
    }
    struct pci_func *f = &vp->pci;
    pci_func_init(f, VIRTIO_PCI_VENDOR, device_id, class_code, 0, 0);
    pci_set16(f, PCI_STATUS, 0x0000, 0);
    /* BAR 0: I/O space (bit 0), the address bits above the size writable (QEMU hw/pci/pci.c
     * pci_register_bar: wmask = ~(size - 1) over all 32 bits). */
    pci_set32(f, PCI_BAR0, 0x00000001u, ~(vp->bar_size - 1) & ~3u);
    pci_set16(f, PCI_SUBSYS_VENDOR, VIRTIO_PCI_VENDOR, 0);
    pci_set16(f, PCI_SUBSYS_VENDOR + 2, subsys_id, 0);
    pci_set8(f, PCI_INTERRUPT_PIN, 1, 0);
    f->written = vp_cfg_written;
    f->opaque = vp;
}

void virtio_pci_attach(struct virtio_pci *vp, struct bus_window *io, int io_range, struct irq_line irq)
{
    vp->io = io;
    vp->io_range = io_range;
    vp->irq = irq;
    vp_update_bar(vp);
}

/* The device side of a reset: no request survives, every queue forgets its ring. */
static void vp_device_reset(struct virtio_pci *vp)
{
    if (vp->ops && vp->ops->reset)
        vp->ops->reset(vp->dev);
    vp->guest_features = 0;
    vp->queue_sel = 0;
    vp->status = 0;
    vp->isr = 0;
    for (unsigned i = 0; i < vp->nqueues; i++)
        virtq_reset(&vp->vq[i]);
    vp_update_irq(vp);
}

void virtio_pci_reset(struct virtio_pci *vp)
{
    vp_device_reset(vp);
    /* The board reset also clears what the firmware would: BAR and Command. */
    uint32_t cmd = pci_get16(&vp->pci, PCI_COMMAND) & ~(PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER);
    vp->pci.cfg[PCI_COMMAND] = (uint8_t)cmd;
    vp->pci.cfg[PCI_COMMAND + 1] = (uint8_t)(cmd >> 8);
    vp->pci.cfg[PCI_BAR0] = 0x01;
    memset(&vp->pci.cfg[PCI_BAR0 + 1], 0, 3);
    vp->pci.cfg[PCI_INTERRUPT_LINE] = 0;
    vp_update_bar(vp);
}

void virtio_pci_queue_done(struct virtio_pci *vp, unsigned q)
{
    if (q >= vp->nqueues || !virtq_should_notify(&vp->vq[q]))
        return;
    vp->isr |= VIRTIO_PCI_ISR_QUEUE;
    vp_update_irq(vp);
}

/* How many times a device says why it needs a reset before it only counts them. */
#define VIRTIO_BROKEN_REPORTS 4

void virtio_pci_broken(struct virtio_pci *vp, const char *why)
{
    if (vp->status & VIRTIO_CONFIG_S_NEEDS_RESET)
        return;
    vp->broken_count++;
    /* Once per reset, and only the first few times: a guest that breaks and resets the device
     * in a loop must not flood the monitor's log (the wedge dump still has the count). */
    if (vp->broken_count <= VIRTIO_BROKEN_REPORTS)
        fprintf(stderr, "mvisor: virtio %04x at PCI slot 0x%x: %s; the device needs a reset%s\n",
                pci_get16(&vp->pci, PCI_DEVICE_ID), vp->slot, why,
                vp->broken_count == VIRTIO_BROKEN_REPORTS ? " (later ones are only counted)" : "");
    vp->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
    vp->isr |= VIRTIO_PCI_ISR_CONFIG;
    vp_update_irq(vp);
}

void virtio_pci_config_changed(struct virtio_pci *vp)
{
    if (!(vp->status & VIRTIO_CONFIG_S_DRIVER_OK))
        return;
    vp->isr |= VIRTIO_PCI_ISR_CONFIG;
    vp_update_irq(vp);
}

/* The 20-byte header as the guest reads it. */
static void vp_header(const struct virtio_pci *vp, uint8_t h[VIRTIO_PCI_CONFIG_OFF])
{
    memset(h, 0, VIRTIO_PCI_CONFIG_OFF);
    const struct virtq *q = vp->queue_sel < vp->nqueues ? &vp->vq[vp->queue_sel] : NULL;
    uint32_t pfn = q ? q->pfn : 0;
    uint16_t num = q ? q->size : 0;
    memcpy(h + VIRTIO_PCI_HOST_FEATURES, &vp->host_features, 4);
    memcpy(h + VIRTIO_PCI_GUEST_FEATURES, &vp->guest_features, 4);
    memcpy(h + VIRTIO_PCI_QUEUE_PFN, &pfn, 4);
    memcpy(h + VIRTIO_PCI_QUEUE_NUM, &num, 2);
    memcpy(h + VIRTIO_PCI_QUEUE_SEL, &vp->queue_sel, 2);
    h[VIRTIO_PCI_STATUS] = vp->status;
    h[VIRTIO_PCI_ISR] = vp->isr;
}

static uint64_t vp_read(void *opaque, uint64_t off, unsigned size)
{
    struct virtio_pci *vp = opaque;
    if (size > 4 || off + size > vp->bar_size)
        return 0;
    if (off >= VIRTIO_PCI_CONFIG_OFF) {
        unsigned c = (unsigned)off - VIRTIO_PCI_CONFIG_OFF;
        if (c + size > vp->config_len || !vp->ops->config_read)
            return (1ull << (8 * size)) - 1;
        return vp->ops->config_read(vp->dev, c, size);
    }
    if (off + size > VIRTIO_PCI_CONFIG_OFF)
        return (1ull << (8 * size)) - 1;
    uint8_t h[VIRTIO_PCI_CONFIG_OFF];
    vp_header(vp, h);
    uint32_t v = 0;
    memcpy(&v, h + off, size);
    if (off <= VIRTIO_PCI_ISR && off + size > VIRTIO_PCI_ISR) {
        vp->isr = 0;
        vp_update_irq(vp);
    }
    return v;
}

static void vp_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct virtio_pci *vp = opaque;
    if (size > 4 || off + size > vp->bar_size)
        return;
    if (off >= VIRTIO_PCI_CONFIG_OFF) {
        unsigned c = (unsigned)off - VIRTIO_PCI_CONFIG_OFF;
        if (c + size <= vp->config_len && vp->ops->config_write)
            vp->ops->config_write(vp->dev, c, (uint32_t)val, size);
        return;
    }
    /* The driver uses each register at its own width (ioread/iowrite 8, 16, 32). */
    switch (off | (uint64_t)size << 8) {
    case VIRTIO_PCI_GUEST_FEATURES | 4 << 8:
        vp->guest_features = (uint32_t)val & vp->host_features;
        for (unsigned i = 0; i < vp->nqueues; i++)
            vp->vq[i].indirect = (vp->guest_features >> VIRTIO_RING_F_INDIRECT_DESC) & 1;
        break;
    case VIRTIO_PCI_QUEUE_PFN | 4 << 8:
        if (vp->queue_sel < vp->nqueues) {
            struct virtq *q = &vp->vq[vp->queue_sel];
            bool indirect = q->indirect;
            if (val == 0)
                virtq_reset(q);
            else
                virtq_setup(q, vp->pm, q->size, (uint32_t)val);
            q->indirect = indirect;
        }
        break;
    case VIRTIO_PCI_QUEUE_SEL | 2 << 8:
        vp->queue_sel = (uint16_t)val;
        break;
    case VIRTIO_PCI_QUEUE_NOTIFY | 2 << 8:
        if (val < vp->nqueues && virtq_ready(&vp->vq[val]) && !(vp->status & VIRTIO_CONFIG_S_NEEDS_RESET) &&
            vp->ops->notify)
            vp->ops->notify(vp->dev, (unsigned)val);
        break;
    case VIRTIO_PCI_STATUS | 1 << 8:
        if ((uint8_t)val == 0)
            vp_device_reset(vp);
        else
            vp->status = (uint8_t)val | (vp->status & VIRTIO_CONFIG_S_NEEDS_RESET);
        break;
    default:
        break; /* read-only or not a register at that width */
    }
}

const struct mem_region_ops virtio_pci_io_ops = {
    .read = vp_read,
    .write = vp_write,
};
