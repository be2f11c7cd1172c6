/*
 * The cascaded i8259A pair behind the PIIX4: the master (ports 0x20/0x21)
 * drives CPU Cause.IP2, the slave (0xA0/0xA1) drives the master's input 2.
 *
 * Each chip keeps IRR (latched requests), ISR (requests in service) and
 * IMR (masked inputs). INT is high while some unmasked IRR bit outranks
 * every ISR bit, recomputed after any change of the three. The INTA cycle
 * (a read of the GT-64120's PCI0_IACK) moves the winner from IRR to ISR and
 * returns its vector; the guest clears ISR with an EOI.
 *
 * Linux (Linux drivers/irqchip/irq-i8259.c) uses ICW1-4, IMR masking,
 * specific EOIs (0x60+n) and OCW3 0x0B/0x0A, all edge-triggered (ELCR is
 * never written). Rotation, AEOI, poll and special mask cost a few lines
 * each, so they are modelled too.
 */
#include "devices/pc_devices.h"

/* OCW/ICW decoding (Intel 8259A datasheet; QEMU hw/intc/i8259.c). */
#define ICW1_SELECT 0x10 /* on port 0: this is ICW1 */
#define ICW1_IC4 0x01    /* ICW4 follows */
#define ICW1_SNGL 0x02   /* single chip: no ICW3 */
#define OCW3_SELECT 0x08 /* on port 0 with bit 4 clear: OCW3, else OCW2 */
#define OCW3_POLL 0x04
#define OCW3_RR 0x02     /* bit 0 (RIS) is valid */
#define OCW3_ESMM 0x40   /* bit 5 (SMM) is valid */
#define ICW4_AEOI 0x02
#define ICW4_SFNM 0x10

/* Which inputs can be level-triggered at all (QEMU hw/intc/i8259_common.c:
 * IRQ 0, 1, 2, 8 and 13 are always edge on the PIIX). */
#define ELCR_MASK_MASTER 0xF8
#define ELCR_MASK_SLAVE 0xDE

static void i8259_update(struct i8259 *pic, int c);

/* Priority level of the best input in mask: 0 is highest, 8 means none. */
static int i8259_priority(const struct i8259_chip *s, uint8_t mask)
{
    if (!mask)
        return 8;
    for (int p = 0; p < 8; p++)
        if (mask & (1u << ((p + s->priority_add) & 7)))
            return p;
    return 8;
}

/* The input that should interrupt now, or -1: the best unmasked request if it outranks service. */
static int i8259_best_irq(const struct i8259_chip *s, bool master)
{
    int req = i8259_priority(s, s->irr & ~s->imr);
    if (req == 8)
        return -1;
    uint8_t in_service = s->isr;
    if (s->special_mask)
        in_service &= ~s->imr;
    /* Special fully nested mode: a slave request may interrupt its own service. */
    if (s->fully_nested && master)
        in_service &= ~(1u << I8259_CASCADE_IRQ);
    if (req < i8259_priority(s, in_service))
        return (req + s->priority_add) & 7;
    return -1;
}

/* Latches a level on input n of chip c (edge or level per ELCR), then recomputes INT. */
static void i8259_chip_input(struct i8259 *pic, int c, int n, int level)
{
    struct i8259_chip *s = &pic->chip[c];
    uint8_t bit = 1u << n;

    if (s->elcr & bit) {
        /* Level mode: the request follows the line. */
        if (level) {
            s->irr |= bit;
            s->last_irr |= bit;
        } else {
            s->irr &= ~bit;
            s->last_irr &= ~bit;
        }
    } else {
        /* Edge mode: only a rising edge latches; IRR stays until INTA. */
        if (level) {
            if (!(s->last_irr & bit))
                s->irr |= bit;
            s->last_irr |= bit;
        } else {
            s->last_irr &= ~bit;
        }
    }
    i8259_update(pic, c);
}

/* Recomputes chip c's INT output and propagates it (slave -> master IR2 -> CPU). */
static void i8259_update(struct i8259 *pic, int c)
{
    struct i8259_chip *s = &pic->chip[c];
    bool out = i8259_best_irq(s, c == 0) >= 0;

    if (c == 1) {
        /* The slave's INT is a wire into master input 2; feed every change. */
        if (out != s->out) {
            s->out = out;
            i8259_chip_input(pic, 0, I8259_CASCADE_IRQ, out);
        }
        return;
    }
    if (out != s->out) {
        s->out = out;
        irq_set(&pic->int_out, out);
    }
}

/* The chip side of an INTA: ISR set (unless AEOI), edge requests leave IRR. */
static void i8259_ack(struct i8259 *pic, int c, int n)
{
    struct i8259_chip *s = &pic->chip[c];
    uint8_t bit = 1u << n;

    if (s->auto_eoi) {
        if (s->rotate_on_aeoi)
            s->priority_add = (n + 1) & 7;
    } else {
        s->isr |= bit;
    }
    /* A level request stays in IRR while its line is high. */
    if (!(s->elcr & bit))
        s->irr &= ~bit;
    i8259_update(pic, c);
}

/* ICW1 resets the chip (Intel 8259A datasheet, "Initialization Command Words"). */
static void i8259_chip_reset(struct i8259_chip *s)
{
    s->last_irr = 0;
    s->irr &= s->elcr; /* level requests are re-read from their lines */
    s->isr = 0;
    s->imr = 0;
    s->priority_add = 0;
    s->vector_base = 0;
    s->icw3 = 0;
    s->init_step = 0;
    s->need_icw4 = s->single = false;
    s->auto_eoi = s->rotate_on_aeoi = s->fully_nested = false;
    s->read_isr = s->poll = s->special_mask = false;
}

void i8259_reset(struct i8259 *pic)
{
    for (int c = 0; c < 2; c++) {
        i8259_chip_reset(&pic->chip[c]);
        pic->chip[c].irr = 0;
        pic->chip[c].out = false;
    }
    irq_set(&pic->int_out, 0);
}

void i8259_init(struct i8259 *pic, struct irq_line int_out)
{
    *pic = (struct i8259){ .int_out = int_out };
    pic->chip[0].elcr_mask = ELCR_MASK_MASTER;
    pic->chip[1].elcr_mask = ELCR_MASK_SLAVE;
    i8259_reset(pic);
}

void i8259_set_irq(struct i8259 *pic, int irq, int level)
{
    if (irq < 0 || irq > 15)
        return;
    i8259_chip_input(pic, irq >> 3, irq & 7, level != 0);
}

void i8259_irq_handler(void *opaque, int n, int level)
{
    i8259_set_irq(opaque, n, level);
}

struct irq_line i8259_irq_line(struct i8259 *pic, int irq)
{
    return (struct irq_line){ .set = i8259_irq_handler, .opaque = pic, .n = irq };
}

bool i8259_int_pending(const struct i8259 *pic)
{
    return pic->chip[0].out;
}

void i8259_set_elcr(struct i8259 *pic, uint16_t elcr)
{
    pic->chip[0].elcr = (uint8_t)elcr & pic->chip[0].elcr_mask;
    pic->chip[1].elcr = (uint8_t)(elcr >> 8) & pic->chip[1].elcr_mask;
}

uint8_t i8259_inta(struct i8259 *pic)
{
    struct i8259_chip *m = &pic->chip[0], *sl = &pic->chip[1];
    int irq = i8259_best_irq(m, true);

    if (irq < 0) {
        /*
         * Nothing pending (the request went away before the INTA): the
         * 8259A answers with its IR7 vector and sets no ISR bit (QEMU
         * hw/intc/i8259.c pic_read_irq). Linux then checks ISR bit 7 and
         * counts a spurious interrupt (Linux drivers/irqchip/irq-i8259.c).
         */
        pic->spurious++;
        return m->vector_base + I8259_SPURIOUS_IRQ;
    }
    if (irq != I8259_CASCADE_IRQ || m->single) {
        i8259_ack(pic, 0, irq);
        return m->vector_base + irq;
    }
    /* Cascade: the slave supplies the vector (second INTA pulse goes to it). */
    int irq2 = i8259_best_irq(sl, false);
    uint8_t vector;
    if (irq2 >= 0) {
        i8259_ack(pic, 1, irq2);
        vector = sl->vector_base + irq2;
    } else {
        pic->spurious++;
        vector = sl->vector_base + I8259_SPURIOUS_IRQ;
    }
    i8259_ack(pic, 0, I8259_CASCADE_IRQ);
    return vector;
}

/* OCW2: the EOI and rotation commands, selected by bits 7:5. */
static void i8259_ocw2(struct i8259 *pic, int c, uint8_t val)
{
    struct i8259_chip *s = &pic->chip[c];
    int level = val & 7;

    switch (val >> 5) {
    case 0: /* rotate in AEOI mode: clear */
    case 4: /* rotate in AEOI mode: set */
        s->rotate_on_aeoi = (val >> 7) & 1;
        return;
    case 1:   /* non-specific EOI: the highest-priority ISR bit */
    case 5: { /* rotate on non-specific EOI */
        int p = i8259_priority(s, s->isr);
        if (p == 8)
            return;
        int n = (p + s->priority_add) & 7;
        s->isr &= ~(1u << n);
        if (val >> 5 == 5)
            s->priority_add = (n + 1) & 7;
        break;
    }
    case 3: /* specific EOI: Linux's 0x60+n */
        s->isr &= ~(1u << level);
        break;
    case 7: /* rotate on specific EOI */
        s->isr &= ~(1u << level);
        s->priority_add = (level + 1) & 7;
        break;
    case 6: /* set priority: level becomes the lowest */
        s->priority_add = (level + 1) & 7;
        break;
    default: /* 2: no operation */
        return;
    }
    i8259_update(pic, c);
}

static void i8259_chip_write(struct i8259 *pic, int c, uint64_t off, uint8_t val)
{
    struct i8259_chip *s = &pic->chip[c];

    if ((off & 1) == 0) {
        if (val & ICW1_SELECT) {
            /* ICW1 starts the init sequence; LTIM (bit 3) is ignored as on the PIIX4, where ELCR rules. */
            i8259_chip_reset(s);
            s->need_icw4 = val & ICW1_IC4;
            s->single = val & ICW1_SNGL;
            s->init_step = 1;
            i8259_update(pic, c);
        } else if (val & OCW3_SELECT) {
            if (val & OCW3_POLL)
                s->poll = true;
            if (val & OCW3_RR)
                s->read_isr = val & 1;
            if (val & OCW3_ESMM) {
                s->special_mask = (val >> 5) & 1;
                i8259_update(pic, c);
            }
        } else {
            i8259_ocw2(pic, c, val);
        }
        return;
    }

    switch (s->init_step) {
    case 0: /* OCW1: the mask */
        s->imr = val;
        i8259_update(pic, c);
        break;
    case 1: /* ICW2: vector base (the low 3 bits carry the input number) */
        s->vector_base = val & 0xF8;
        s->init_step = s->single ? (s->need_icw4 ? 3 : 0) : 2;
        break;
    case 2: /* ICW3: cascade wiring; ours is fixed (slave on master IR2) */
        s->icw3 = val;
        s->init_step = s->need_icw4 ? 3 : 0;
        break;
    case 3: /* ICW4: bit 0 (8086 mode) and bits 2-3 (buffering) do not matter here */
        s->fully_nested = val & ICW4_SFNM;
        s->auto_eoi = val & ICW4_AEOI;
        s->init_step = 0;
        break;
    }
}

static uint8_t i8259_chip_read(struct i8259 *pic, int c, uint64_t off)
{
    struct i8259_chip *s = &pic->chip[c];

    if (s->poll) {
        /* Poll mode: the read is the INTA; bit 7 says whether there was a request. */
        s->poll = false;
        int n = i8259_best_irq(s, c == 0);
        if (n < 0)
            return 0;
        i8259_ack(pic, c, n);
        return 0x80 | n;
    }
    if ((off & 1) == 0)
        return s->read_isr ? s->isr : s->irr;
    return s->imr;
}

/* Wider accesses are treated as byte accesses at the same offset. */
static uint64_t i8259_master_read(void *opaque, uint64_t off, unsigned size)
{
    (void)size;
    return i8259_chip_read(opaque, 0, off);
}

static void i8259_master_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    (void)size;
    i8259_chip_write(opaque, 0, off, (uint8_t)val);
}

static uint64_t i8259_slave_read(void *opaque, uint64_t off, unsigned size)
{
    (void)size;
    return i8259_chip_read(opaque, 1, off);
}

static void i8259_slave_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    (void)size;
    i8259_chip_write(opaque, 1, off, (uint8_t)val);
}

/* ELCR1/ELCR2 at 0x4D0/0x4D1 (Intel PIIX4 datasheet; QEMU hw/intc/i8259.c). */
static uint64_t i8259_elcr_read(void *opaque, uint64_t off, unsigned size)
{
    struct i8259 *pic = opaque;
    (void)size;
    return pic->chip[off & 1].elcr;
}

static void i8259_elcr_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct i8259 *pic = opaque;
    struct i8259_chip *s = &pic->chip[off & 1];
    (void)size;
    s->elcr = (uint8_t)val & s->elcr_mask;
}

const struct mem_region_ops i8259_master_ops = {
    .read = i8259_master_read,
    .write = i8259_master_write,
};

const struct mem_region_ops i8259_slave_ops = {
    .read = i8259_slave_read,
    .write = i8259_slave_write,
};

const struct mem_region_ops i8259_elcr_ops = {
    .read = i8259_elcr_read,
    .write = i8259_elcr_write,
};
