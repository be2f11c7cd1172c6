/*
 * Unit tests of the i8259 pair: the exact initialisation, masking,
 * dispatch (INTA) and acknowledge sequences Linux performs (Linux
 * drivers/irqchip/irq-i8259.c, described in devices/malta/README.md §4.2),
 * plus priority, edge detection, the cascade, spurious vectors, ELCR level
 * mode, rotation and poll mode. The CPU's IP2 is a fake irq_line that
 * records its level and how often it changed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "devices/pc_devices.h"

struct fake_line {
    int level;
    int changes;
};

static void fake_line_set(void *opaque, int n, int level)
{
    struct fake_line *f = opaque;
    (void)n;
    if (level != f->level)
        f->changes++;
    f->level = level;
}

struct rig {
    struct i8259 pic;
    struct fake_line ip2;
};

static void outb(struct rig *r, unsigned port, uint8_t val)
{
    if ((port & ~1u) == I8259_MASTER_PORT)
        i8259_master_ops.write(&r->pic, port & 1, val, 1);
    else if ((port & ~1u) == I8259_SLAVE_PORT)
        i8259_slave_ops.write(&r->pic, port & 1, val, 1);
    else
        i8259_elcr_ops.write(&r->pic, port & 1, val, 1);
}

static uint8_t inb(struct rig *r, unsigned port)
{
    if ((port & ~1u) == I8259_MASTER_PORT)
        return (uint8_t)i8259_master_ops.read(&r->pic, port & 1, 1);
    if ((port & ~1u) == I8259_SLAVE_PORT)
        return (uint8_t)i8259_slave_ops.read(&r->pic, port & 1, 1);
    return (uint8_t)i8259_elcr_ops.read(&r->pic, port & 1, 1);
}

/* init_8259A() of Linux drivers/irqchip/irq-i8259.c, then the cascade request. */
static void linux_init(struct rig *r)
{
    outb(r, 0x21, 0xFF); /* mask everything */
    outb(r, 0xA1, 0xFF);
    outb(r, 0x20, 0x11); /* ICW1: edge, cascade, ICW4 */
    outb(r, 0x21, 0x00); /* ICW2: vectors 0-7 */
    outb(r, 0x21, 0x04); /* ICW3: slave on IR2 */
    outb(r, 0x21, 0x01); /* ICW4: 8086 mode, normal EOI */
    outb(r, 0xA0, 0x11);
    outb(r, 0xA1, 0x08); /* vectors 8-15 */
    outb(r, 0xA1, 0x02); /* cascade identity 2 */
    outb(r, 0xA1, 0x01);
    outb(r, 0x21, 0xFF); /* restore the (all-masked) cached masks */
    outb(r, 0xA1, 0xFF);
    outb(r, 0x21, 0xFB); /* request_irq(cascade): unmask IR2 */
}

/* Linux unmask_8259A_irq(). */
static void linux_unmask(struct rig *r, int irq)
{
    if (irq & 8)
        outb(r, 0xA1, inb(r, 0xA1) & ~(1u << (irq & 7)));
    else
        outb(r, 0x21, inb(r, 0x21) & ~(1u << irq));
}

/* Linux mask_and_ack_8259A(): mask in IMR, then specific EOI(s). */
static void linux_mask_and_ack(struct rig *r, int irq)
{
    if (irq & 8) {
        outb(r, 0xA1, inb(r, 0xA1) | (1u << (irq & 7)));
        outb(r, 0xA0, 0x60 + (irq & 7));
        outb(r, 0x20, 0x60 + I8259_CASCADE_IRQ);
    } else {
        outb(r, 0x21, inb(r, 0x21) | (1u << irq));
        outb(r, 0x20, 0x60 + irq);
    }
}

static uint8_t read_isr(struct rig *r, unsigned cmd_port)
{
    outb(r, cmd_port, 0x0B);
    uint8_t v = inb(r, cmd_port);
    outb(r, cmd_port, 0x0A);
    return v;
}

static int setup(void **state)
{
    struct rig *r = test_calloc(1, sizeof(*r));
    struct irq_line ip2 = { .set = fake_line_set, .opaque = &r->ip2, .n = 2 };
    i8259_init(&r->pic, ip2);
    r->ip2.changes = 0;
    *state = r;
    return 0;
}

static int teardown(void **state)
{
    test_free(*state);
    return 0;
}

static void test_linux_init_state(void **state)
{
    struct rig *r = *state;
    linux_init(r);
    assert_int_equal(inb(r, 0x21), 0xFB);
    assert_int_equal(inb(r, 0xA1), 0xFF);
    assert_int_equal(r->pic.chip[0].vector_base, 0x00);
    assert_int_equal(r->pic.chip[1].vector_base, 0x08);
    assert_int_equal(r->pic.chip[0].init_step, 0);
    assert_int_equal(r->pic.chip[1].init_step, 0);
    assert_false(r->pic.chip[0].auto_eoi);
    assert_int_equal(read_isr(r, 0x20), 0);
    assert_int_equal(r->ip2.level, 0);
}

static void test_master_dispatch_and_eoi(void **state)
{
    struct rig *r = *state;
    linux_init(r);
    linux_unmask(r, 4);

    i8259_set_irq(&r->pic, 4, 1);
    assert_int_equal(r->ip2.level, 1);
    assert_int_equal(inb(r, 0x20), 0x10); /* IRR after OCW3 0x0A */

    assert_int_equal(i8259_inta(&r->pic), 4);
    assert_int_equal(r->ip2.level, 0);
    assert_int_equal(read_isr(r, 0x20), 0x10);
    assert_int_equal(inb(r, 0x20), 0x00); /* edge: IRR cleared */

    linux_mask_and_ack(r, 4);
    assert_int_equal(read_isr(r, 0x20), 0);
    assert_int_equal(inb(r, 0x21), 0xFB);
    linux_unmask(r, 4);
    assert_int_equal(inb(r, 0x21), 0xEB);
    assert_int_equal(r->ip2.level, 0);
    assert_int_equal(r->pic.spurious, 0);
}

static void test_slave_dispatch_and_eoi(void **state)
{
    struct rig *r = *state;
    linux_init(r);
    linux_unmask(r, 10);

    struct irq_line l10 = i8259_irq_line(&r->pic, 10);
    irq_set(&l10, 1);
    assert_int_equal(r->ip2.level, 1);
    assert_int_equal(i8259_inta(&r->pic), 10);
    assert_int_equal(r->ip2.level, 0);
    assert_int_equal(read_isr(r, 0xA0), 1u << 2);
    assert_int_equal(read_isr(r, 0x20), 1u << 2);

    linux_mask_and_ack(r, 10);
    assert_int_equal(read_isr(r, 0xA0), 0);
    assert_int_equal(read_isr(r, 0x20), 0);
    irq_set(&l10, 0);
    linux_unmask(r, 10);
    assert_int_equal(r->ip2.level, 0);

    /* The next edge is delivered again through the cascade. */
    irq_set(&l10, 1);
    assert_int_equal(r->ip2.level, 1);
    assert_int_equal(i8259_inta(&r->pic), 10);
}

static void test_rtc_irq8(void **state)
{
    struct rig *r = *state;
    linux_init(r);
    linux_unmask(r, 8);
    i8259_set_irq(&r->pic, 8, 1);
    assert_int_equal(i8259_inta(&r->pic), 8);
    linux_mask_and_ack(r, 8);
    linux_unmask(r, 8);
    assert_int_equal(r->ip2.level, 0);
}

static void test_mask_recomputes_output(void **state)
{
    struct rig *r = *state;
    linux_init(r);
    i8259_set_irq(&r->pic, 4, 1); /* masked: latched but silent */
    assert_int_equal(r->ip2.level, 0);
    assert_int_equal(inb(r, 0x20), 0x10);
    linux_unmask(r, 4); /* IMR write recomputes INT */
    assert_int_equal(r->ip2.level, 1);
    outb(r, 0x21, 0xFF);
    assert_int_equal(r->ip2.level, 0);
    outb(r, 0x21, 0xEB);
    assert_int_equal(r->ip2.level, 1);
}

static void test_priority_nesting(void **state)
{
    struct rig *r = *state;
    linux_init(r);
    outb(r, 0x21, 0x00);
    i8259_set_irq(&r->pic, 4, 1);
    assert_int_equal(i8259_inta(&r->pic), 4);
    assert_int_equal(r->ip2.level, 0);

    i8259_set_irq(&r->pic, 5, 1); /* lower priority than 4 in service */
    assert_int_equal(r->ip2.level, 0);
    i8259_set_irq(&r->pic, 3, 1); /* higher: nests */
    assert_int_equal(r->ip2.level, 1);
    assert_int_equal(i8259_inta(&r->pic), 3);
    assert_int_equal(read_isr(r, 0x20), 0x18);
    assert_int_equal(r->ip2.level, 0);

    outb(r, 0x20, 0x20); /* non-specific EOI clears the highest: 3 */
    assert_int_equal(read_isr(r, 0x20), 0x10);
    assert_int_equal(r->ip2.level, 0);
    outb(r, 0x20, 0x20); /* then 4; 5 may now interrupt */
    assert_int_equal(r->ip2.level, 1);
    assert_int_equal(i8259_inta(&r->pic), 5);
}

static void test_edge_needs_rising_edge(void **state)
{
    struct rig *r = *state;
    linux_init(r);
    linux_unmask(r, 3);
    i8259_set_irq(&r->pic, 3, 1);
    assert_int_equal(i8259_inta(&r->pic), 3);
    outb(r, 0x20, 0x63);
    i8259_set_irq(&r->pic, 3, 1); /* still high: no new edge */
    assert_int_equal(r->ip2.level, 0);
    assert_int_equal(inb(r, 0x20), 0);
    i8259_set_irq(&r->pic, 3, 0);
    i8259_set_irq(&r->pic, 3, 1);
    assert_int_equal(r->ip2.level, 1);
    /* A pulse that ends before the INTA is still remembered (edge latch). */
    assert_int_equal(i8259_inta(&r->pic), 3);
    outb(r, 0x20, 0x63);
    i8259_set_irq(&r->pic, 3, 0);
    i8259_set_irq(&r->pic, 3, 1);
    i8259_set_irq(&r->pic, 3, 0);
    assert_int_equal(r->ip2.level, 1);
    assert_int_equal(i8259_inta(&r->pic), 3);
}

static void test_spurious(void **state)
{
    struct rig *r = *state;
    linux_init(r);
    assert_int_equal(i8259_inta(&r->pic), 7);
    assert_int_equal(read_isr(r, 0x20), 0); /* Linux's "real IRQ7?" check says no */
    assert_int_equal(r->pic.spurious, 1);

    /* Request withdrawn by masking between INT and INTA. */
    linux_unmask(r, 4);
    i8259_set_irq(&r->pic, 4, 1);
    outb(r, 0x21, 0xFF);
    assert_int_equal(i8259_inta(&r->pic), 7);
    assert_int_equal(r->pic.spurious, 2);
}

static void test_two_slave_requests(void **state)
{
    struct rig *r = *state;
    linux_init(r);
    linux_unmask(r, 10);
    linux_unmask(r, 11);
    i8259_set_irq(&r->pic, 11, 1);
    i8259_set_irq(&r->pic, 10, 1);
    assert_int_equal(i8259_inta(&r->pic), 10);
    assert_int_equal(r->ip2.level, 0); /* 11 waits for the EOIs */
    linux_mask_and_ack(r, 10);
    assert_int_equal(r->ip2.level, 1);
    assert_int_equal(i8259_inta(&r->pic), 11);
    linux_mask_and_ack(r, 11);
    assert_int_equal(r->ip2.level, 0);
    assert_int_equal(r->pic.spurious, 0);
}

static void test_master_beats_slave_by_priority(void **state)
{
    struct rig *r = *state;
    linux_init(r);
    outb(r, 0x21, 0x00);
    outb(r, 0xA1, 0x00);
    i8259_set_irq(&r->pic, 4, 1);
    i8259_set_irq(&r->pic, 12, 1);
    i8259_set_irq(&r->pic, 1, 1);
    /* Priority order 0,1,(2: 8..15),3..7. */
    assert_int_equal(i8259_inta(&r->pic), 1);
    outb(r, 0x20, 0x61);
    assert_int_equal(i8259_inta(&r->pic), 12);
    outb(r, 0xA0, 0x64);
    outb(r, 0x20, 0x62);
    assert_int_equal(i8259_inta(&r->pic), 4);
    outb(r, 0x20, 0x64);
    assert_int_equal(r->ip2.level, 0);
}

static void test_elcr_level_mode(void **state)
{
    struct rig *r = *state;
    linux_init(r);
    outb(r, 0x4D1, 0x0C); /* IRQ 10, 11 level */
    assert_int_equal(inb(r, 0x4D1), 0x0C);
    outb(r, 0x4D0, 0xFF); /* IRQ 0-2 cannot be level */
    assert_int_equal(inb(r, 0x4D0), 0xF8);
    outb(r, 0x4D0, 0x00);
    linux_unmask(r, 10);
    i8259_set_irq(&r->pic, 10, 1);
    assert_int_equal(i8259_inta(&r->pic), 10);
    outb(r, 0xA0, 0x62);
    outb(r, 0x20, 0x62);
    /* Still asserted: the request stays and interrupts again. */
    assert_int_equal(r->ip2.level, 1);
    assert_int_equal(inb(r, 0xA0), 0x04);
    i8259_set_irq(&r->pic, 10, 0);
    assert_int_equal(inb(r, 0xA0), 0x00);
    /*
     * The master latched the cascade edge, and IR2 cannot be level
     * (ELCR mask): the INTA finds nothing on the slave and gets the
     * slave's spurious vector 15, as on real hardware.
     */
    assert_int_equal(r->ip2.level, 1);
    assert_int_equal(i8259_inta(&r->pic), 15);
    assert_int_equal(r->pic.spurious, 1);
    outb(r, 0x20, 0x62);
    assert_int_equal(r->ip2.level, 0);
}

static void test_rotation_and_poll(void **state)
{
    struct rig *r = *state;
    linux_init(r);
    outb(r, 0x21, 0x00);
    outb(r, 0x20, 0xC0 | 4); /* set priority: 4 lowest, so 5 highest */
    i8259_set_irq(&r->pic, 1, 1);
    i8259_set_irq(&r->pic, 6, 1);
    assert_int_equal(i8259_inta(&r->pic), 6);
    outb(r, 0x20, 0xE0 | 6); /* rotate on specific EOI: 7 now highest */
    assert_int_equal(r->pic.chip[0].priority_add, 7);
    outb(r, 0x20, 0xC0 | 7); /* back to the default order */
    /* Poll command: the read acknowledges. */
    outb(r, 0x20, 0x0C);
    assert_int_equal(inb(r, 0x20), 0x81);
    assert_int_equal(read_isr(r, 0x20), 0x02);
    outb(r, 0x20, 0x0C);
    assert_int_equal(inb(r, 0x20), 0x00);
}

static void test_icw1_resets(void **state)
{
    struct rig *r = *state;
    linux_init(r);
    linux_unmask(r, 4);
    i8259_set_irq(&r->pic, 4, 1);
    assert_int_equal(i8259_inta(&r->pic), 4);
    outb(r, 0x20, 0x11); /* re-init clears ISR and IMR */
    assert_int_equal(r->pic.chip[0].isr, 0);
    assert_int_equal(inb(r, 0x21), 0x00); /* IMR cleared */
    outb(r, 0x21, 0x20); /* ICW2: a different vector base */
    assert_int_equal(r->pic.chip[0].vector_base, 0x20);
    outb(r, 0x21, 0x04);
    outb(r, 0x21, 0x01);
    assert_int_equal(r->pic.chip[0].init_step, 0);
    outb(r, 0x21, 0xFB); /* now OCW1 again */
    assert_int_equal(inb(r, 0x21), 0xFB);
    assert_int_equal(i8259_inta(&r->pic), 0x27); /* spurious IR7 at the new base */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_linux_init_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_master_dispatch_and_eoi, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slave_dispatch_and_eoi, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rtc_irq8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mask_recomputes_output, setup, teardown),
        cmocka_unit_test_setup_teardown(test_priority_nesting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edge_needs_rising_edge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spurious, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_slave_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_master_beats_slave_by_priority, setup, teardown),
        cmocka_unit_test_setup_teardown(test_elcr_level_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotation_and_poll, setup, teardown),
        cmocka_unit_test_setup_teardown(test_icw1_resets, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
