/*
 * The Malta FPGA board registers at phys 0x1F000000 (QEMU hw/mips/malta.c
 * malta_fpga_read/write; devices/malta/README.md §3.1): switches and status, the
 * jumpers Linux reads for the PCI clock, the LED bar and the eight-character
 * ASCII display firmware writes progress to, and SOFTRES, through which
 * Linux reboots (its DT syscon-reboot node writes 0x42 at offset 0x500).
 *
 * SOFTRES reads 0, never 0x42: syscon-reboot does a read-modify-write and
 * skips the write when the register already holds the value.
 */
#include <string.h>

#include "devices/malta/malta.h"

static uint64_t fpga_read(void *opaque, uint64_t off, unsigned size)
{
    struct malta_fpga *f = opaque;
    uint32_t v = 0;
    unsigned word = (unsigned)off & ~3u;
    switch (word) {
    case FPGA_SWITCH: v = 0; break;       /* all switches off */
    case FPGA_STATUS: v = 0x10; break;    /* little-endian board (QEMU: 0x12 on big-endian) */
    case FPGA_JMPRS: v = 0; break;        /* 33 MHz PCI: Linux adds no pci_clock= */
    case FPGA_LEDBAR: v = f->leds; break;
    case FPGA_ASCIIWORD: v = f->asciiword; break;
    case FPGA_SOFTRES: v = 0; break;
    case FPGA_BRKRES: v = f->brkres; break;
    default:
        if (word >= FPGA_ASCIIPOS0 && word < FPGA_ASCIIPOS0 + 8 * FPGA_DISPLAY_LEN && !(word & 7))
            v = (uint8_t)f->ascii[(word - FPGA_ASCIIPOS0) / 8];
        break;
    }
    v >>= 8 * (off & 3);
    return size >= 4 ? v : v & ((1u << (8 * size)) - 1);
}

static void fpga_write(void *opaque, uint64_t off, uint64_t val64, unsigned size)
{
    struct malta_fpga *f = opaque;
    uint32_t val = (uint32_t)val64;
    unsigned word = (unsigned)off & ~3u;
    (void)size;
    if (off & 3)
        return; /* the board decodes full words only */
    switch (word) {
    case FPGA_LEDBAR:
        f->leds = (uint8_t)val;
        break;
    case FPGA_ASCIIWORD:
        /* The whole display shows the word as eight hex digits. */
        f->asciiword = val;
        for (int i = 0; i < FPGA_DISPLAY_LEN; i++)
            f->ascii[i] = "0123456789ABCDEF"[(val >> (28 - 4 * i)) & 0xF];
        break;
    case FPGA_SOFTRES:
        if (val == FPGA_SOFTRES_RESET && f->reset_request)
            f->reset_request(f->ctx);
        break;
    case FPGA_BRKRES:
        f->brkres = val;
        break;
    default:
        if (word >= FPGA_ASCIIPOS0 && word < FPGA_ASCIIPOS0 + 8 * FPGA_DISPLAY_LEN && !(word & 7))
            f->ascii[(word - FPGA_ASCIIPOS0) / 8] = (char)(uint8_t)val;
        break;
    }
}

const struct mem_region_ops malta_fpga_ops = {
    .read = fpga_read,
    .write = fpga_write,
};

void malta_fpga_display(const struct malta_fpga *f, char out[FPGA_DISPLAY_LEN + 1])
{
    for (int i = 0; i < FPGA_DISPLAY_LEN; i++) {
        char c = f->ascii[i];
        out[i] = (c >= 0x20 && c < 0x7F) ? c : ' ';
    }
    out[FPGA_DISPLAY_LEN] = 0;
}

void malta_fpga_reset(struct malta_fpga *f)
{
    f->leds = 0;
    f->asciiword = 0;
    memset(f->ascii, ' ', sizeof(f->ascii));
    f->brkres = 0x0A; /* QEMU hw/mips/malta.c malta_fpga_reset */
}

void malta_fpga_init(struct malta_fpga *f, void (*reset_request)(void *ctx), void *ctx)
{
    memset(f, 0, sizeof(*f));
    f->reset_request = reset_request;
    f->ctx = ctx;
    malta_fpga_reset(f);
}
