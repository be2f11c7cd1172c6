/*
 * The 16550A UART the Linux 8250 driver drives the Malta console through
 * (devices/malta/README.md §7.4; Linux drivers/tty/serial/8250/8250_port.c).
 *
 * Transmission is instant: a byte written to THR goes to the host at once,
 * so THR and the shift register are always empty again by the next access
 * and LSR idles at THRE|TEMT (0x60), which early console code polls for.
 * Writing THR still drops the THRE interrupt before re-arming it, so the
 * edge-triggered 8259 sees one rising edge per byte, as it would with a
 * real shift register.
 *
 * The receiver is a 16-byte FIFO fed by the host (or, in loopback, by THR).
 * Its interrupt asks for service whenever data is waiting: at or above the
 * trigger level it reports "data available", below it the character
 * timeout, which a real chip raises four character times after the last
 * byte. Without that, a typed key below the trigger level of 8 Linux
 * selects would never interrupt.
 *
 * The modem inputs show a connected terminal (CTS, DSR, DCD): the console
 * runs with RTS/CTS flow control and stalls forever if CTS is low.
 *
 * A line break received from the host enters the FIFO as one NUL character
 * marked as a break (PC16550D, "LSR bit 4": a single zero character is
 * loaded; QEMU hw/char/serial.c serial_receive_break does the same). The
 * Break Interrupt bit belongs to that character: it shows in LSR once the
 * character reaches the top of the FIFO, so the driver reads LSR (BI|DR),
 * then the NUL, and drops it as the break (Linux 8250_port.c
 * serial8250_read_char -> uart_handle_break, which opens the Magic SysRq
 * window on a console port).
 */
#include <string.h>

#include "devices/pc_devices.h"

#define MSR_INPUTS (UART_MSR_CTS | UART_MSR_DSR | UART_MSR_RI | UART_MSR_DCD)
#define MSR_DELTAS (UART_MSR_DCTS | UART_MSR_DDSR | UART_MSR_TERI | UART_MSR_DDCD)
#define LSR_ERRORS (UART_LSR_OE | UART_LSR_PE | UART_LSR_FE | UART_LSR_BI)
#define LSR_FIFO_ERROR 0x80 /* FIFO mode: an error (here, a break) is somewhere in the receive FIFO */

/* The modem-status inputs now: the MCR outputs in loopback (PC16550D, "MCR bit 4"), else a host
 * terminal that is present and ready. */
static uint8_t serial_modem_inputs(const struct serial16550 *s)
{
    if (s->mcr & UART_MCR_LOOP) {
        uint8_t m = 0;
        if (s->mcr & UART_MCR_RTS)
            m |= UART_MSR_CTS;
        if (s->mcr & UART_MCR_DTR)
            m |= UART_MSR_DSR;
        if (s->mcr & UART_MCR_OUT1)
            m |= UART_MSR_RI;
        if (s->mcr & UART_MCR_OUT2)
            m |= UART_MSR_DCD;
        return m;
    }
    return UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
}

/* Latches delta bits for inputs that changed: CTS/DSR/DCD on any change, RI on its falling edge. */
static void serial_update_msr(struct serial16550 *s)
{
    uint8_t now = serial_modem_inputs(s), old = s->msr & MSR_INPUTS, d = 0;
    uint8_t ch = now ^ old;
    if (ch & UART_MSR_CTS)
        d |= UART_MSR_DCTS;
    if (ch & UART_MSR_DSR)
        d |= UART_MSR_DDSR;
    if (ch & UART_MSR_DCD)
        d |= UART_MSR_DDCD;
    if ((old & UART_MSR_RI) && !(now & UART_MSR_RI))
        d |= UART_MSR_TERI;
    s->msr = (uint8_t)(now | (s->msr & MSR_DELTAS) | d);
}

static bool serial_fifo_on(const struct serial16550 *s)
{
    return s->fcr & UART_FCR_ENABLE;
}

static unsigned serial_rx_capacity(const struct serial16550 *s)
{
    return serial_fifo_on(s) ? SERIAL_FIFO_SIZE : 1;
}

/* Receiver trigger level from FCR bits 7:6: 1, 4, 8 or 14 bytes (PC16550D, "FCR"). */
static unsigned serial_trigger(const struct serial16550 *s)
{
    static const unsigned level[4] = {1, 4, 8, 14};
    return serial_fifo_on(s) ? level[s->fcr >> 6] : 1;
}

/* The interrupt identification, highest priority first (PC16550D, Table IV). */
static uint8_t serial_iir_id(const struct serial16550 *s)
{
    if ((s->ier & UART_IER_RLSI) && (s->lsr_err & LSR_ERRORS))
        return UART_IIR_RLSI;
    if ((s->ier & UART_IER_RDI) && s->rx_count)
        return s->rx_count >= serial_trigger(s) ? UART_IIR_RDI : UART_IIR_CTI;
    if ((s->ier & UART_IER_THRI) && s->thr_ipending)
        return UART_IIR_THRI;
    if ((s->ier & UART_IER_MSI) && (s->msr & MSR_DELTAS))
        return UART_IIR_MSI;
    return UART_IIR_NO_INT;
}

static void serial_update_irq(struct serial16550 *s)
{
    int level = serial_iir_id(s) != UART_IIR_NO_INT;
    if (level != s->irq_level) {
        s->irq_level = level;
        irq_set(&s->irq, level);
    }
}

static void serial_rx_clear(struct serial16550 *s)
{
    s->rx_head = s->rx_count = 0;
    s->rx_break = 0;
}

/* The character at the top of the FIFO is a break: its BI shows in LSR from now on. */
static void serial_rx_top_changed(struct serial16550 *s)
{
    if (s->rx_count && (s->rx_break & (1u << s->rx_head)))
        s->lsr_err |= UART_LSR_BI;
}

/* One byte into the receiver (brk: the NUL of a line break); a full receiver keeps its contents
 * and flags an overrun (the byte in the shift register is lost, PC16550D "LSR bit 1"). */
static void serial_rx_put(struct serial16550 *s, uint8_t b, bool brk)
{
    if (s->rx_count >= serial_rx_capacity(s)) {
        s->lsr_err |= UART_LSR_OE;
        s->overruns++;
        return;
    }
    unsigned slot = (s->rx_head + s->rx_count) % SERIAL_FIFO_SIZE;
    s->rx[slot] = b;
    s->rx_break = (uint16_t)((s->rx_break & ~(1u << slot)) | ((unsigned)brk << slot));
    s->rx_count++;
    s->rx_bytes++;
    if (s->rx_count == 1)
        serial_rx_top_changed(s);
}

static uint8_t serial_rx_get(struct serial16550 *s)
{
    if (!s->rx_count)
        return 0; /* an empty RBR reads as the last byte on real chips; nothing relies on it */
    uint8_t b = s->rx[s->rx_head];
    s->rx_break &= (uint16_t)~(1u << s->rx_head);
    s->rx_head = (s->rx_head + 1) % SERIAL_FIFO_SIZE;
    s->rx_count--;
    serial_rx_top_changed(s);
    return b;
}

static void serial_transmit(struct serial16550 *s, uint8_t b)
{
    s->thr_ipending = false;
    serial_update_irq(s);
    if (s->mcr & UART_MCR_LOOP)
        serial_rx_put(s, b, false);
    else if (s->tx)
        s->tx(s->tx_ctx, b);
    s->tx_bytes++;
    /* THR is empty again: THRE re-arms. */
    s->thr_ipending = true;
    serial_update_irq(s);
}

static uint64_t serial_read(void *opaque, uint64_t off, unsigned size)
{
    struct serial16550 *s = opaque;
    uint8_t v;
    (void)size;
    switch (off & 7) {
    case UART_RBR:
        if (s->lcr & UART_LCR_DLAB)
            return s->dll;
        v = serial_rx_get(s);
        serial_update_irq(s);
        return v;
    case UART_IER:
        return (s->lcr & UART_LCR_DLAB) ? s->dlm : s->ier;
    case UART_IIR: {
        uint8_t id = serial_iir_id(s);
        /* Reading IIR while it names THRE is what acknowledges THRE (PC16550D, Table IV). */
        if (id == UART_IIR_THRI) {
            s->thr_ipending = false;
            serial_update_irq(s);
        }
        return id | (serial_fifo_on(s) ? UART_IIR_FIFO : 0);
    }
    case UART_LCR:
        return s->lcr;
    case UART_MCR:
        return s->mcr;
    case UART_LSR:
        v = (uint8_t)(UART_LSR_THRE | UART_LSR_TEMT | s->lsr_err | (s->rx_count ? UART_LSR_DR : 0));
        if (serial_fifo_on(s) && s->rx_break)
            v |= LSR_FIFO_ERROR;
        /* Reading LSR clears the error bits (and their interrupt). */
        s->lsr_err = 0;
        serial_update_irq(s);
        return v;
    case UART_MSR:
        v = s->msr;
        s->msr &= (uint8_t)~MSR_DELTAS;
        serial_update_irq(s);
        return v;
    default:
        return s->scr;
    }
}

static void serial_write(void *opaque, uint64_t off, uint64_t val64, unsigned size)
{
    struct serial16550 *s = opaque;
    uint8_t val = (uint8_t)val64;
    (void)size;
    switch (off & 7) {
    case UART_THR:
        if (s->lcr & UART_LCR_DLAB)
            s->dll = val; /* divisor latch: the rate is not modelled */
        else
            serial_transmit(s, val);
        break;
    case UART_IER:
        if (s->lcr & UART_LCR_DLAB) {
            s->dlm = val;
        } else {
            uint8_t old = s->ier;
            s->ier = val & 0x0F;
            /* Enabling THRE with THR empty asks for service at once (Linux tests this twice at
             * startup, 8250_port.c serial8250_do_startup). */
            if ((s->ier & UART_IER_THRI) && !(old & UART_IER_THRI))
                s->thr_ipending = true;
            serial_update_irq(s);
        }
        break;
    case UART_FCR: {
        uint8_t old = s->fcr;
        s->fcr = val & 0xC9; /* enable, DMA mode and trigger level are kept; bits 1/2 self-clear */
        if ((old ^ s->fcr) & UART_FCR_ENABLE)
            serial_rx_clear(s); /* changing the FIFO mode empties both FIFOs */
        if (val & UART_FCR_CLEAR_RX)
            serial_rx_clear(s);
        if (val & UART_FCR_CLEAR_TX)
            s->thr_ipending = true; /* the transmitter is empty (QEMU hw/char/serial.c) */
        serial_update_irq(s);
        break;
    }
    case UART_LCR:
        s->lcr = val;
        break;
    case UART_MCR:
        s->mcr = val & 0x1F;
        serial_update_msr(s);
        serial_update_irq(s);
        break;
    case UART_LSR:
    case UART_MSR:
        break; /* read-only: factory test registers on some chips, ignored here */
    default:
        s->scr = val;
        break;
    }
}

const struct mem_region_ops serial16550_ops = {
    .read = serial_read,
    .write = serial_write,
};

static uint64_t serial_read_stride8(void *opaque, uint64_t off, unsigned size)
{
    return serial_read(opaque, off >> 3, size);
}

static void serial_write_stride8(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    serial_write(opaque, off >> 3, val, size);
}

const struct mem_region_ops serial16550_stride8_ops = {
    .read = serial_read_stride8,
    .write = serial_write_stride8,
};

unsigned serial_rx_room(const struct serial16550 *s)
{
    if (s->mcr & UART_MCR_LOOP)
        return 0;
    return serial_rx_capacity(s) - s->rx_count;
}

unsigned serial_receive(struct serial16550 *s, const uint8_t *buf, unsigned n)
{
    unsigned room = serial_rx_room(s), i;
    for (i = 0; i < n && i < room; i++)
        serial_rx_put(s, buf[i], false);
    if (i)
        serial_update_irq(s);
    return i;
}

bool serial_receive_break(struct serial16550 *s)
{
    if (!serial_rx_room(s))
        return false;
    serial_rx_put(s, 0, true);
    s->rx_breaks++;
    serial_update_irq(s);
    return true;
}

bool serial_rx_empty(const struct serial16550 *s)
{
    return s->rx_count == 0;
}

void serial_reset(struct serial16550 *s)
{
    s->ier = s->lcr = s->mcr = s->lsr_err = s->scr = s->fcr = 0;
    s->dll = 0x0C; /* 9600 baud at 1.8432 MHz, a common power-on value; Linux reprograms it */
    s->dlm = 0;
    s->msr = 0;
    serial_update_msr(s);
    s->msr &= (uint8_t)~MSR_DELTAS; /* power-on: no change has been seen yet */
    s->thr_ipending = false;
    serial_rx_clear(s);
    serial_update_irq(s);
}

void serial_init(struct serial16550 *s, struct irq_line irq, void (*tx)(void *ctx, uint8_t byte),
                 void *tx_ctx)
{
    memset(s, 0, sizeof(*s));
    s->irq = irq;
    s->tx = tx;
    s->tx_ctx = tx_ctx;
    serial_reset(s);
}
