/*
 * Unit tests of the 16550A UART: the register behaviour Linux's 8250 driver relies on
 * (devices/malta/README.md §7.4; Linux drivers/tty/serial/8250/8250_port.c), with expected
 * values from the National Semiconductor PC16550D datasheet: reset values, IER/DLAB,
 * IIR under the EFR/EXCR probes, the THRE interrupt and its two startup tests, the
 * loopback FIFO-size probe and modem-status loopback, the receive interrupt below and at
 * the trigger level, line-status errors and interrupt priority, a received line break (the
 * NUL character whose BI shows when it reaches the top of the FIFO, as the Magic SysRq
 * path of serial8250_read_char needs), and the 8-byte-stride window of the Malta CBUS UART. The IRQ is a fake line that counts rising edges.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "devices/pc_devices.h"

struct rig {
    struct serial16550 u;
    int level, rises;
    uint8_t sent[512];
    unsigned nsent;
};

static void line_set(void *opaque, int n, int level)
{
    struct rig *r = opaque;
    (void)n;
    if (level && !r->level)
        r->rises++;
    r->level = level;
}

static void tx(void *ctx, uint8_t b)
{
    struct rig *r = ctx;
    if (r->nsent < sizeof(r->sent))
        r->sent[r->nsent++] = b;
}

static void setup(struct rig *r)
{
    memset(r, 0, sizeof(*r));
    serial_init(&r->u, (struct irq_line){.set = line_set, .opaque = r, .n = 4}, tx, r);
}

static uint8_t in(struct rig *r, unsigned reg)
{
    return (uint8_t)serial16550_ops.read(&r->u, reg, 1);
}

static void out(struct rig *r, unsigned reg, uint8_t v)
{
    serial16550_ops.write(&r->u, reg, v, 1);
}

static void test_reset_values(void **state)
{
    (void)state;
    struct rig r;
    setup(&r);
    assert_int_equal(in(&r, UART_IER), 0x00);
    assert_int_equal(in(&r, UART_IIR), 0x01); /* no interrupt, FIFOs off */
    assert_int_equal(in(&r, UART_LCR), 0x00);
    assert_int_equal(in(&r, UART_MCR), 0x00);
    assert_int_equal(in(&r, UART_LSR), 0x60); /* THRE | TEMT: what earlycon polls for */
    assert_int_equal(in(&r, UART_MSR), 0xB0); /* DCD, DSR, CTS; no deltas */
    assert_int_equal(r.level, 0);
}

static void test_ier_probe_and_dlab(void **state)
{
    (void)state;
    struct rig r;
    setup(&r);
    /* autoconfig(): IER 0 reads 0, 0x0F reads 0x0F, bits 7:4 never stick (else XScale). */
    out(&r, UART_IER, 0);
    assert_int_equal(in(&r, UART_IER), 0);
    out(&r, UART_IER, 0x0F);
    assert_int_equal(in(&r, UART_IER), 0x0F);
    out(&r, UART_IER, 0xFF);
    assert_int_equal(in(&r, UART_IER), 0x0F);
    out(&r, UART_IER, 0);
    /* DLAB switches offsets 0/1 to the divisor latch; DLL writes are not transmitted. */
    out(&r, UART_LCR, 0x83);
    out(&r, UART_DLL, 0x03);
    out(&r, UART_DLM, 0x00);
    assert_int_equal(in(&r, UART_DLL), 0x03);
    assert_int_equal(in(&r, UART_DLM), 0x00);
    assert_int_equal(r.nsent, 0);
    out(&r, UART_LCR, 0x03);
    assert_int_equal(in(&r, UART_IER), 0);
    assert_int_equal(in(&r, UART_LCR), 0x03);
}

static void test_iir_under_efr_probes(void **state)
{
    (void)state;
    struct rig r;
    setup(&r);
    out(&r, UART_FCR, UART_FCR_ENABLE);
    /* FIFO enabled: IIR bits 7:6 = 11 (16550A), bits 5:4 = 0. */
    assert_int_equal(in(&r, UART_IIR), 0xC1);
    /* Offset 2 stays IIR under LCR 0x80, 0xBF and 0xE0, or Linux finds EFR/EXCR1/64-byte FIFO. */
    static const uint8_t lcrs[] = {0x80, 0xBF, 0xE0};
    for (unsigned i = 0; i < 3; i++) {
        out(&r, UART_LCR, lcrs[i]);
        assert_int_equal(in(&r, UART_IIR), 0xC1);
    }
    out(&r, UART_LCR, 0x03);
    out(&r, UART_FCR, 0);
    assert_int_equal(in(&r, UART_IIR), 0x01);
}

static void test_thre_interrupt(void **state)
{
    (void)state;
    struct rig r;
    setup(&r);
    /* Enabling THRI with THR empty reports THRE at once and raises the line. */
    out(&r, UART_IER, UART_IER_THRI);
    assert_int_equal(r.level, 1);
    assert_int_equal(in(&r, UART_IIR), 0x02);
    /* Reading IIR while it names THRE acknowledges it. */
    assert_int_equal(r.level, 0);
    assert_int_equal(in(&r, UART_IIR), 0x01);
    /* Writing THR sends the byte; THR empties again, THRE re-arms: one new rising edge. */
    int rises = r.rises;
    out(&r, UART_THR, 'A');
    assert_int_equal(r.nsent, 1);
    assert_int_equal(r.sent[0], 'A');
    assert_int_equal(r.rises, rises + 1);
    assert_int_equal(r.level, 1);
    assert_int_equal(in(&r, UART_IIR), 0x02);
    /* Each byte is one edge, so an edge-triggered 8259 sees every THRE. */
    for (int i = 0; i < 5; i++)
        out(&r, UART_THR, (uint8_t)('0' + i));
    assert_int_equal(r.rises, rises + 6);
    /* Disabling THRI drops the line. */
    out(&r, UART_IER, 0);
    assert_int_equal(r.level, 0);
    assert_int_equal(in(&r, UART_LSR), 0x60);
}

/* serial8250_do_startup's THRE test, twice: a port failing it gets UART_BUG_THRE. */
static void test_linux_thre_test(void **state)
{
    (void)state;
    struct rig r;
    setup(&r);
    for (int round = 0; round < 2; round++) {
        out(&r, UART_IER, UART_IER_THRI);
        uint8_t iir1 = in(&r, UART_IIR);
        out(&r, UART_IER, 0);
        out(&r, UART_IER, UART_IER_THRI);
        uint8_t iir = in(&r, UART_IIR);
        out(&r, UART_IER, 0);
        assert_int_equal(iir1 & UART_IIR_NO_INT, 0);
        assert_int_equal(iir & UART_IIR_NO_INT, 0);
    }
}

static void test_loopback_fifo_probe(void **state)
{
    (void)state;
    struct rig r;
    setup(&r);
    /* size_fifo(): loopback, FIFOs enabled and cleared, 0x00-0xFF pushed through THR. */
    out(&r, UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX | UART_FCR_CLEAR_TX);
    out(&r, UART_MCR, UART_MCR_LOOP);
    for (int i = 0; i < 256; i++)
        out(&r, UART_THR, (uint8_t)i);
    assert_int_equal(r.nsent, 0); /* nothing reaches the host in loopback */
    assert_int_equal(serial_rx_room(&r.u), 0);
    int n = 0;
    uint8_t lsr = in(&r, UART_LSR);
    assert_true(lsr & UART_LSR_OE); /* the FIFO overflowed */
    while (in(&r, UART_LSR) & UART_LSR_DR) {
        assert_int_equal(in(&r, UART_RBR), n); /* the first 16 bytes, in order */
        n++;
    }
    assert_int_equal(n, SERIAL_FIFO_SIZE);
    /* Back to normal: host bytes are accepted again. */
    out(&r, UART_MCR, 0);
    assert_int_equal(serial_rx_room(&r.u), SERIAL_FIFO_SIZE);
}

static void test_loopback_modem_lines(void **state)
{
    (void)state;
    struct rig r;
    setup(&r);
    /* Linux's loopback check: MCR = LOOP | OUT2 | RTS must read back CTS | DCD. */
    out(&r, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2 | UART_MCR_RTS);
    assert_int_equal(in(&r, UART_MSR) & 0xF0, 0x90);
    /* All four outputs: CTS, DSR, RI, DCD. */
    out(&r, UART_MCR, 0x1F);
    uint8_t msr = in(&r, UART_MSR);
    assert_int_equal(msr & 0xF0, 0xF0);
    assert_int_equal(msr & UART_MSR_DDSR, UART_MSR_DDSR); /* DSR changed 0 -> 1 */
    assert_int_equal(in(&r, UART_MSR) & 0x0F, 0);       /* reading cleared the deltas */
    /* RI falling edge sets TERI. */
    out(&r, UART_MCR, 0x1B);
    assert_int_equal(in(&r, UART_MSR) & UART_MSR_TERI, UART_MSR_TERI);
    /* Leaving loopback shows the host terminal again: CTS, DSR, DCD. */
    out(&r, UART_MCR, 0x03);
    assert_int_equal(in(&r, UART_MSR) & 0xF0, 0xB0);
}

static void test_rx_interrupt(void **state)
{
    (void)state;
    struct rig r;
    setup(&r);
    /* Linux: FIFO on with an 8-byte trigger (FCR 0x81), IER RDI | RLSI. */
    out(&r, UART_FCR, 0x81);
    out(&r, UART_IER, UART_IER_RDI | UART_IER_RLSI);
    assert_int_equal(serial_rx_room(&r.u), 16);
    /* One typed key, below the trigger: the character timeout still asks for service. */
    uint8_t k = 'x';
    assert_int_equal(serial_receive(&r.u, &k, 1), 1);
    assert_int_equal(r.level, 1);
    assert_int_equal(in(&r, UART_IIR), 0xCC);
    assert_int_equal(in(&r, UART_LSR), 0x61);
    assert_int_equal(in(&r, UART_RBR), 'x');
    assert_int_equal(r.level, 0);
    assert_int_equal(in(&r, UART_IIR), 0xC1);
    /* At the trigger level: data available. */
    uint8_t buf[20];
    for (int i = 0; i < 20; i++)
        buf[i] = (uint8_t)('a' + i);
    assert_int_equal(serial_receive(&r.u, buf, 20), 16); /* only the room is taken */
    assert_int_equal(in(&r, UART_IIR), 0xC4);
    for (int i = 0; i < 16; i++)
        assert_int_equal(in(&r, UART_RBR), 'a' + i);
    assert_true(serial_rx_empty(&r.u));
    assert_int_equal(r.level, 0);
    /* Without the FIFO the receiver holds one byte. */
    out(&r, UART_FCR, 0);
    assert_int_equal(serial_rx_room(&r.u), 1);
    assert_int_equal(serial_receive(&r.u, buf, 2), 1);
    assert_int_equal(in(&r, UART_IIR), 0x04);
}

static void test_line_status_priority(void **state)
{
    (void)state;
    struct rig r;
    setup(&r);
    out(&r, UART_IER, UART_IER_RDI | UART_IER_THRI | UART_IER_RLSI | UART_IER_MSI);
    /* Loopback overrun with FIFOs off: RBR holds one byte, the second sets OE. */
    out(&r, UART_MCR, UART_MCR_LOOP);
    (void)in(&r, UART_MSR); /* clear the deltas entering loopback caused */
    out(&r, UART_THR, 1);
    out(&r, UART_THR, 2);
    /* Priority: line status, then RX data, then THRE, then modem status. */
    assert_int_equal(in(&r, UART_IIR), 0x06);
    assert_int_equal(in(&r, UART_LSR) & (UART_LSR_OE | UART_LSR_DR), UART_LSR_OE | UART_LSR_DR);
    assert_int_equal(in(&r, UART_IIR), 0x04);
    assert_int_equal(in(&r, UART_RBR), 1);
    assert_int_equal(in(&r, UART_IIR), 0x02);
    assert_int_equal(in(&r, UART_IIR), 0x01); /* THRE acknowledged by the read before */
    out(&r, UART_MCR, UART_MCR_LOOP | UART_MCR_RTS);
    assert_int_equal(in(&r, UART_IIR), 0x00); /* modem status: DCTS */
    (void)in(&r, UART_MSR);
    assert_int_equal(in(&r, UART_IIR), 0x01);
    assert_int_equal(r.level, 0);
}

static void test_break(void **state)
{
    (void)state;
    struct rig r;
    setup(&r);
    out(&r, UART_FCR, 0x81);
    out(&r, UART_IER, UART_IER_RDI | UART_IER_RLSI);
    /* 'a', a break, 's': what the monitor sends for SysRq s behind a typed key. */
    uint8_t a = 'a', k = 's';
    assert_int_equal(serial_receive(&r.u, &a, 1), 1);
    assert_true(serial_receive_break(&r.u));
    assert_int_equal(serial_receive(&r.u, &k, 1), 1);
    /* The break is in the FIFO but not on top: LSR shows data and the FIFO-error bit only. */
    assert_int_equal(in(&r, UART_IIR), 0xCC);
    assert_int_equal(in(&r, UART_LSR), 0xE1);
    assert_int_equal(in(&r, UART_RBR), 'a');
    /* The break's NUL on top: BI, and the line-status interrupt ranks first. */
    assert_int_equal(in(&r, UART_IIR), 0xC6);
    assert_int_equal(in(&r, UART_LSR), 0xF1);
    /* The read cleared BI (it belongs to the one character); the NUL follows as data. */
    assert_int_equal(in(&r, UART_IIR), 0xCC);
    assert_int_equal(in(&r, UART_RBR), 0);
    assert_int_equal(in(&r, UART_LSR), 0x61);
    assert_int_equal(in(&r, UART_RBR), 's');
    assert_int_equal(in(&r, UART_LSR), 0x60);
    assert_int_equal(r.level, 0);
    /* A break into an empty receiver shows BI at once; a full one has no room for it. */
    assert_true(serial_receive_break(&r.u));
    assert_int_equal(in(&r, UART_LSR), 0xF1);
    assert_int_equal(in(&r, UART_RBR), 0);
    uint8_t buf[16] = {0};
    assert_int_equal(serial_receive(&r.u, buf, 16), 16);
    assert_false(serial_receive_break(&r.u));
    /* Without the FIFO: the same BI, no FIFO-error bit. */
    out(&r, UART_FCR, 0);
    assert_true(serial_receive_break(&r.u));
    assert_int_equal(in(&r, UART_LSR), 0x71);
    assert_int_equal(in(&r, UART_RBR), 0);
    assert_int_equal(in(&r, UART_LSR), 0x60);
}

static void test_scratch_and_stride(void **state)
{
    (void)state;
    struct rig r;
    setup(&r);
    out(&r, UART_SCR, 0x5A);
    assert_int_equal(in(&r, UART_SCR), 0x5A);
    /* The CBUS UART: register i at offset 8 * i, 32-bit accesses. */
    serial16550_stride8_ops.write(&r.u, 8 * UART_SCR, 0xA5, 4);
    assert_int_equal(serial16550_stride8_ops.read(&r.u, 8 * UART_SCR, 4), 0xA5);
    assert_int_equal(serial16550_stride8_ops.read(&r.u, 8 * UART_LSR, 4), 0x60);
    serial16550_stride8_ops.write(&r.u, 8 * UART_THR, 'z', 4);
    assert_int_equal(r.nsent, 1);
    assert_int_equal(r.sent[0], 'z');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reset_values),
        cmocka_unit_test(test_ier_probe_and_dlab),
        cmocka_unit_test(test_iir_under_efr_probes),
        cmocka_unit_test(test_thre_interrupt),
        cmocka_unit_test(test_linux_thre_test),
        cmocka_unit_test(test_loopback_fifo_probe),
        cmocka_unit_test(test_loopback_modem_lines),
        cmocka_unit_test(test_rx_interrupt),
        cmocka_unit_test(test_line_status_priority),
        cmocka_unit_test(test_break),
        cmocka_unit_test(test_scratch_and_stride),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
