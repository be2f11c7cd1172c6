/*
 * The PC-legacy chips behind the PIIX4 on the Malta board: the cascaded
 * i8259 interrupt controllers, the i8254 interval timer and the MC146818
 * real-time clock with its CMOS RAM. Internal to devices/: the board
 * (devices/malta/) maps their register windows and wires their lines.
 *
 * All three run on the vCPU thread only. The timers take guest time from a
 * struct dev_clock and never arm host timers: the vCPU loop asks
 * *_next_event_ns() for the next deadline and calls *_update() once guest
 * time has reached it (any earlier or later call is also correct).
 */
#ifndef MVISOR_PC_DEVICES_H
#define MVISOR_PC_DEVICES_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/devices.h"

/* ---- i8259 pair (ports 0x20/0x21 master, 0xA0/0xA1 slave) ----------- */

#define I8259_MASTER_PORT 0x20
#define I8259_SLAVE_PORT 0xA0
#define I8259_ELCR_PORT 0x4D0
#define I8259_REGION_SIZE 2 /* each chip: command at +0, data at +1 */
#define I8259_ELCR_SIZE 2   /* ELCR1 (IRQ 0-7) at +0, ELCR2 (IRQ 8-15) at +1 */
#define I8259_CASCADE_IRQ 2 /* master input the slave's INT drives */
#define I8259_SPURIOUS_IRQ 7

struct i8259_chip {
    uint8_t irr, isr, imr;
    uint8_t last_irr;     /* input levels seen, for edge detection */
    uint8_t elcr;         /* 1 = level-triggered input */
    uint8_t elcr_mask;    /* ELCR bits that exist on this chip */
    uint8_t vector_base;  /* ICW2 & 0xF8 */
    uint8_t icw3;
    uint8_t priority_add; /* rotation: the input with the highest priority */
    uint8_t init_step;    /* 0 = operational, 1..3 = expecting ICW2..ICW4 */
    bool need_icw4, single, auto_eoi, rotate_on_aeoi, fully_nested;
    bool read_isr;        /* OCW3 RR/RIS: port 0 reads ISR instead of IRR */
    bool poll;            /* OCW3 P: next read is a poll */
    bool special_mask;
    bool out;             /* INT output */
};

struct i8259 {
    struct i8259_chip chip[2]; /* [0] master, [1] slave */
    struct irq_line int_out;   /* master INT: CPU Cause.IP2 */
    uint64_t spurious;         /* INTA cycles that found nothing pending */
};

/* Resets both chips and remembers the line the master's INT drives. */
void i8259_init(struct i8259 *pic, struct irq_line int_out);
/* Power-on state: everything cleared and unmasked, INT low, ELCR kept. */
void i8259_reset(struct i8259 *pic);
/* Drives ISA input irq (0..15); edge inputs latch IRR on a 0->1 change. */
void i8259_set_irq(struct i8259 *pic, int irq, int level);
/* irq_line callback: opaque is the struct i8259, n the ISA IRQ. */
void i8259_irq_handler(void *opaque, int n, int level);
/* A line other devices use to raise ISA IRQ irq. */
struct irq_line i8259_irq_line(struct i8259 *pic, int irq);
/* The INTA cycle (GT-64120 PCI0_IACK read): acknowledges and returns the vector. */
uint8_t i8259_inta(struct i8259 *pic);
/* Level of the master's INT output. */
bool i8259_int_pending(const struct i8259 *pic);
/* Sets the edge/level control registers (bit n = ISA IRQ n level-triggered). */
void i8259_set_elcr(struct i8259 *pic, uint16_t elcr);

/* Register windows; opaque is the struct i8259 for all three. */
extern const struct mem_region_ops i8259_master_ops;
extern const struct mem_region_ops i8259_slave_ops;
extern const struct mem_region_ops i8259_elcr_ops;

/* ---- i8254 PIT (ports 0x40-0x43) ------------------------------------- */

#define I8254_PORT 0x40
#define I8254_REGION_SIZE 4
#define I8254_FREQ_HZ 1193182u
#define I8254_IRQ 0

struct i8254_channel {
    uint32_t count;        /* reload value in clocks, 1..0x10000 */
    uint64_t load_ns;      /* guest time counting started */
    uint8_t mode;          /* 0..5 */
    uint8_t rw_mode;       /* 1 lobyte, 2 hibyte, 3 lo then hi */
    bool bcd;
    bool gate;
    bool running;          /* a count is loaded and (modes 1/5) triggered */
    bool null_count;       /* status bit 6: count written, not yet loaded */
    uint8_t write_lo_next; /* rw_mode 3: next data write is the low byte */
    uint8_t write_latch;   /* low byte held until the high byte arrives */
    uint8_t read_lo_next;  /* rw_mode 3: next live read is the low byte */
    uint8_t latch_bytes;   /* bytes of latched_count still to be read: 0..2 */
    uint16_t latched_count;
    bool status_latched;
    uint8_t status;
    /* Channel 0's interrupt bookkeeping. */
    uint64_t periods_done; /* modes 2/3: rising edges already delivered */
    bool fired;            /* modes 0/1/4/5: terminal count delivered */
};

struct i8254 {
    struct i8254_channel ch[3];
    struct dev_clock clock;
    struct irq_line irq0; /* channel 0 OUT: ISA IRQ 0 */
    int irq0_level;
};

/* Resets the PIT: every channel idle in mode 3 waiting for a count. */
void i8254_init(struct i8254 *pit, const struct dev_clock *clock, struct irq_line irq0);
/* Power-on state. */
void i8254_reset(struct i8254 *pit);
/* Delivers channel 0 interrupts that are due at the current guest time. */
void i8254_update(struct i8254 *pit);
/* Guest time of the next channel 0 interrupt, or DEV_NO_EVENT. */
uint64_t i8254_next_event_ns(const struct i8254 *pit);
/* Drives a channel's GATE input (channel 2's comes from port 0x61). */
void i8254_set_gate(struct i8254 *pit, int ch, int level);
/* Level of a channel's OUT pin now (channel 2 feeds port 0x61 bit 5). */
int i8254_get_out(const struct i8254 *pit, int ch);

/* Register window; opaque is the struct i8254. */
extern const struct mem_region_ops i8254_ops;

/* ---- MC146818 RTC + CMOS (ports 0x70/0x71) --------------------------- */

#define RTC_PORT 0x70
#define RTC_REGION_SIZE 2
#define RTC_IRQ 8
#define RTC_CMOS_SIZE 128
/* Deterministic-mode wall clock at guest time 0: 2026-01-01 00:00:00 UTC. */
#define RTC_DETERMINISTIC_EPOCH_SEC 1767225600ll
/* UIP is set this long before each update (8 periods of 32.768 kHz). */
#define RTC_UIP_HOLD_NS 244140u

/* Register indices. */
#define RTC_REG_SECONDS 0x00
#define RTC_REG_SECONDS_ALARM 0x01
#define RTC_REG_MINUTES 0x02
#define RTC_REG_MINUTES_ALARM 0x03
#define RTC_REG_HOURS 0x04
#define RTC_REG_HOURS_ALARM 0x05
#define RTC_REG_DAY_OF_WEEK 0x06
#define RTC_REG_DAY_OF_MONTH 0x07
#define RTC_REG_MONTH 0x08
#define RTC_REG_YEAR 0x09
#define RTC_REG_A 0x0A
#define RTC_REG_B 0x0B
#define RTC_REG_C 0x0C
#define RTC_REG_D 0x0D
#define RTC_REG_CENTURY 0x32

#define RTC_A_UIP 0x80
#define RTC_B_SET 0x80
#define RTC_B_PIE 0x40
#define RTC_B_AIE 0x20
#define RTC_B_UIE 0x10
#define RTC_B_DM 0x04 /* 1 = binary, 0 = BCD */
#define RTC_B_24H 0x02
#define RTC_C_IRQF 0x80
#define RTC_C_PF 0x40
#define RTC_C_AF 0x20
#define RTC_C_UF 0x10

struct rtc146818 {
    uint8_t cmos[RTC_CMOS_SIZE]; /* time bytes are current only while stopped */
    uint8_t index;
    struct dev_clock clock;
    struct irq_line irq; /* ISA IRQ 8: follows C.IRQF */
    int irq_level;
    /*
     * The divider chain: second boundaries at origin_ns + k * 1e9. While
     * counting, the time of day is sec_at_ref + (k - ref_k) seconds since
     * the Unix epoch; while stopped it lives in cmos[].
     */
    int64_t origin_ns;
    int64_t sec_at_ref;
    int64_t ref_k;
    int64_t last_k; /* last boundary whose update (UF/AF) was processed */
    int64_t last_p; /* last periodic-interrupt index processed */
    /* Consecutive data-port reads of register A with no other data access. */
    uint64_t a_polls;
};

/* Resets the RTC; its wall clock reads base_unix_ns (ns since 1970 UTC) at the current guest time. */
void rtc_init(struct rtc146818 *rtc, const struct dev_clock *clock, struct irq_line irq8,
              int64_t base_unix_ns);
/* Processes updates and periodic ticks up to the current guest time. */
void rtc_update(struct rtc146818 *rtc);
/* Guest time of the next event that can raise IRQ 8, or DEV_NO_EVENT. */
uint64_t rtc_next_event_ns(const struct rtc146818 *rtc);
/* Guest time of the next change of the UIP bit, or DEV_NO_EVENT (for fast-forward). */
uint64_t rtc_next_uip_edge_ns(const struct rtc146818 *rtc);
/* Register-A reads since the last other data-port access (the UIP-polling detector). */
uint64_t rtc_polls_since_other_access(const struct rtc146818 *rtc);
/* Restarts the poll count, e.g. after the monitor jumped the clock. */
void rtc_reset_polls(struct rtc146818 *rtc);
/* The RTC's time of day now, in seconds since 1970 UTC. */
int64_t rtc_unix_time(struct rtc146818 *rtc);

/* Register window; opaque is the struct rtc146818. */
extern const struct mem_region_ops rtc146818_ops;

/* ---- 16550A UART (ttyS0 at port 0x3F8, IRQ 4; ttyS1 at 0x2F8, IRQ 3) --- */

#define SERIAL_REGION_SIZE 8
#define SERIAL_FIFO_SIZE 16
#define SERIAL_COM1_PORT 0x3F8
#define SERIAL_COM1_IRQ 4
#define SERIAL_COM2_PORT 0x2F8
#define SERIAL_COM2_IRQ 3

/* Register offsets (National Semiconductor PC16550D datasheet, Table II). */
#define UART_RBR 0 /* read, DLAB = 0 */
#define UART_THR 0 /* write, DLAB = 0 */
#define UART_DLL 0 /* DLAB = 1 */
#define UART_IER 1 /* DLAB = 0 */
#define UART_DLM 1 /* DLAB = 1 */
#define UART_IIR 2 /* read */
#define UART_FCR 2 /* write */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define UART_IER_RDI 0x01
#define UART_IER_THRI 0x02
#define UART_IER_RLSI 0x04
#define UART_IER_MSI 0x08
#define UART_IIR_NO_INT 0x01
#define UART_IIR_MSI 0x00
#define UART_IIR_THRI 0x02
#define UART_IIR_RDI 0x04
#define UART_IIR_RLSI 0x06
#define UART_IIR_CTI 0x0C
#define UART_IIR_FIFO 0xC0
#define UART_FCR_ENABLE 0x01
#define UART_FCR_CLEAR_RX 0x02
#define UART_FCR_CLEAR_TX 0x04
#define UART_LCR_DLAB 0x80
#define UART_MCR_DTR 0x01
#define UART_MCR_RTS 0x02
#define UART_MCR_OUT1 0x04
#define UART_MCR_OUT2 0x08
#define UART_MCR_LOOP 0x10
#define UART_LSR_DR 0x01
#define UART_LSR_OE 0x02
#define UART_LSR_PE 0x04
#define UART_LSR_FE 0x08
#define UART_LSR_BI 0x10
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40
#define UART_MSR_DCTS 0x01
#define UART_MSR_DDSR 0x02
#define UART_MSR_TERI 0x04
#define UART_MSR_DDCD 0x08
#define UART_MSR_CTS 0x10
#define UART_MSR_DSR 0x20
#define UART_MSR_RI 0x40
#define UART_MSR_DCD 0x80

struct serial16550 {
    uint8_t ier, lcr, mcr, lsr_err, scr, dll, dlm, fcr;
    uint8_t msr;          /* status bits 7:4 as last seen, deltas 3:0 */
    bool thr_ipending;    /* THRE interrupt armed (cleared by reading it from IIR or writing THR) */
    uint8_t rx[SERIAL_FIFO_SIZE];
    unsigned rx_head, rx_count;
    uint16_t rx_break;    /* bit i: rx[i] is the NUL character of a received line break */
    struct irq_line irq;
    int irq_level;
    /* Where transmitted bytes go (NULL: dropped, like a port with no cable). */
    void (*tx)(void *ctx, uint8_t byte);
    void *tx_ctx;
    uint64_t tx_bytes, rx_bytes, overruns, rx_breaks;
};

/* Power-on state: IER 0, LCR 0, MCR 0, LSR 0x60, MSR showing CTS/DSR/DCD (a connected host). */
void serial_init(struct serial16550 *s, struct irq_line irq, void (*tx)(void *ctx, uint8_t byte),
                 void *tx_ctx);
void serial_reset(struct serial16550 *s);
/* Bytes the receiver can take from the host now (0 in loopback, where the line is internal). */
unsigned serial_rx_room(const struct serial16550 *s);
/* Hands received bytes to the UART; returns how many it took (at most serial_rx_room()). */
unsigned serial_receive(struct serial16550 *s, const uint8_t *buf, unsigned n);
/* A line break from the host: one NUL character flagged as a break (LSR.BI when it reaches the
 * top of the FIFO). False if the receiver has no room (the host keeps it for later). */
bool serial_receive_break(struct serial16550 *s);
/* Whether the receiver holds no data. */
bool serial_rx_empty(const struct serial16550 *s);

/* Register window; opaque is the struct serial16550. One register per byte offset. */
extern const struct mem_region_ops serial16550_ops;
/* The same registers at a 32-bit stride (offset >> 3), as on the Malta FPGA's CBUS UART. */
extern const struct mem_region_ops serial16550_stride8_ops;

#endif
