/*
 * The test device of the bare test machine: ISA test programs report their
 * result, print characters and drive interrupt lines through it. Writing
 * RESULT stops the machine; the monitor turns the result into its exit
 * status (0 pass, 4 fail) and prints the check count and the exception count
 * the program reported, which the ISA runner compares with the program's
 * declared counts.
 */
#include "devices/devices.h"

static uint64_t testdev_read(void *opaque, uint64_t off, unsigned size)
{
    struct testdev *d = opaque;
    (void)size;
    switch (off) {
    case TESTDEV_CHECK: return d->check;
    case TESTDEV_EXCEPTIONS: return d->exceptions;
    case TESTDEV_IRQ: return d->irq_bits;
    case TESTDEV_ICOUNT: return d->icount ? (uint32_t)d->icount(d->icount_ctx) : 0;
    default: return 0;
    }
}

static void testdev_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct testdev *d = opaque;
    (void)size;
    switch (off) {
    case TESTDEV_RESULT:
        d->result = (uint32_t)val;
        d->state = val == 0 ? TESTDEV_PASSED : TESTDEV_FAILED;
        if (d->stop)
            *d->stop = true;
        break;
    case TESTDEV_PUTC:
        if (d->console) {
            fputc((int)(val & 0xFF), d->console);
            if ((val & 0xFF) == '\n')
                fflush(d->console);
        }
        break;
    case TESTDEV_CHECK:
        d->check = (uint32_t)val;
        break;
    case TESTDEV_EXCEPTIONS:
        d->exceptions = (uint32_t)val;
        break;
    case TESTDEV_IRQ:
        d->irq_bits = (uint32_t)val & 0x3F;
        for (int i = 0; i < 6; i++)
            irq_set(&d->irq[i], (d->irq_bits >> i) & 1);
        break;
    default:
        break;
    }
}

static const struct mem_region_ops testdev_ops = {.read = testdev_read, .write = testdev_write};

int testdev_init(struct testdev *d, struct physmap *pm)
{
    d->state = TESTDEV_RUNNING;
    d->result = d->check = d->exceptions = d->irq_bits = 0;
    return physmap_add_mmio(pm, "testdev", TESTDEV_BASE, TESTDEV_SIZE, &testdev_ops, d);
}
