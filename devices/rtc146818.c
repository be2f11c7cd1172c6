/*
 * The MC146818 real-time clock and its 128 bytes of CMOS RAM: index port
 * 0x70, data port 0x71, interrupt on ISA IRQ 8. Time is guest time only.
 *
 * The divider chain is a phase: second boundaries fall at origin_ns + k s.
 * While counting, the time of day is the time set at a reference boundary
 * plus the boundaries passed since, formatted on demand per register B.
 * While stopped (B.SET or divider reset) the registers hold the time, so
 * the guest can write one; restarting parses them back.
 *
 * UIP (A bit 7) reads 1 in the last 244 us of each second and the seconds
 * step as it falls: Linux times Count between these edges (Linux
 * arch/mips/mti-malta/malta-time.c). To let the monitor skip that busy-wait
 * the device counts consecutive register-A reads (a_polls) and says when
 * UIP next changes (rtc_next_uip_edge_ns()).
 */
#include <string.h>

#include "devices/pc_devices.h"

#define NS_PER_SEC 1000000000ll
#define RTC_HZ 32768 /* the 32.768 kHz time base (divider 010) */

/* Register A fields (Motorola MC146818A datasheet, "Register A"). */
#define A_DV_MASK 0x70
#define A_RS_MASK 0x0F
#define C_FLAGS (RTC_C_PF | RTC_C_AF | RTC_C_UF)
#define ALARM_DONT_CARE 0xC0 /* alarm byte 11xxxxxx matches every value */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t rtc_now(const struct rtc146818 *rtc)
{
    return (int64_t)dev_now_ns(&rtc->clock);
}

/*
 * Divider 000, 001 and 010 run (QEMU hw/rtc/mc146818rtc.c rtc_running;
 * only 010 matches the 32.768 kHz crystal, the others would run at the
 * wrong rate on real hardware), 11x holds the chain in reset.
 */
static bool rtc_divider_running(const struct rtc146818 *rtc)
{
    return (rtc->cmos[RTC_REG_A] & A_DV_MASK) <= 0x20;
}

/* Whether the time of day advances: the divider runs and SET is clear. */
static bool rtc_counting(const struct rtc146818 *rtc)
{
    return rtc_divider_running(rtc) && !(rtc->cmos[RTC_REG_B] & RTC_B_SET);
}

/* Number of the last second boundary at or before now. */
static int64_t rtc_k(const struct rtc146818 *rtc, int64_t now)
{
    return floor_div(now - rtc->origin_ns, NS_PER_SEC);
}

/* Position inside the current second, 0 .. 1e9-1 ns. */
static int64_t rtc_phase(const struct rtc146818 *rtc, int64_t now)
{
    return now - rtc->origin_ns - rtc_k(rtc, now) * NS_PER_SEC;
}

/* 32.768 kHz ticks since the origin. */
static int64_t rtc_ticks(const struct rtc146818 *rtc, int64_t now)
{
    int64_t k = rtc_k(rtc, now);
    return k * RTC_HZ + rtc_phase(rtc, now) * RTC_HZ / NS_PER_SEC;
}

/* First guest time at which rtc_ticks() reaches t. */
static int64_t rtc_ticks_to_ns(const struct rtc146818 *rtc, int64_t t)
{
    int64_t s = floor_div(t, RTC_HZ), r = t - s * RTC_HZ;
    return rtc->origin_ns + s * NS_PER_SEC + (r * NS_PER_SEC + RTC_HZ - 1) / RTC_HZ;
}

/*
 * Periodic interrupt period in 32.768 kHz ticks, 0 when off. Rates 3..15
 * divide by 2^(rate-1); rates 1 and 2 repeat rates 8 and 9 (MC146818A
 * datasheet, Table "Periodic Interrupt Rate"; QEMU periodic_period_to_clock).
 */
static int64_t rtc_period_ticks(const struct rtc146818 *rtc)
{
    int rate = rtc->cmos[RTC_REG_A] & A_RS_MASK;
    if (rate == 0)
        return 0;
    if (rate <= 2)
        rate += 7;
    return 1ll << (rate - 1);
}

/* ---- calendar -------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (400-year eras, March-based years). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The inverse of days_from_civil(). */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* ---- register formats (B.DM, B.24H) ----------------------------------- */

static uint8_t rtc_enc(const struct rtc146818 *rtc, int v)
{
    if (rtc->cmos[RTC_REG_B] & RTC_B_DM)
        return (uint8_t)v;
    return (uint8_t)((v / 10) << 4 | v % 10);
}

static int rtc_dec(const struct rtc146818 *rtc, uint8_t v)
{
    if (rtc->cmos[RTC_REG_B] & RTC_B_DM)
        return v;
    return (v >> 4) * 10 + (v & 15);
}

/* 12-hour mode: 12, 1..11 with bit 7 set for PM (MC146818A datasheet, "Hours"). */
static uint8_t rtc_enc_hour(const struct rtc146818 *rtc, int h)
{
    if (rtc->cmos[RTC_REG_B] & RTC_B_24H)
        return rtc_enc(rtc, h);
    return rtc_enc(rtc, h % 12 ? h % 12 : 12) | (h >= 12 ? 0x80 : 0);
}

static int rtc_dec_hour(const struct rtc146818 *rtc, uint8_t v)
{
    if (rtc->cmos[RTC_REG_B] & RTC_B_24H)
        return rtc_dec(rtc, v);
    return rtc_dec(rtc, v & 0x7F) % 12 + (v & 0x80 ? 12 : 0);
}

/* Writes the time of day sec (since 1970 UTC) into the time registers. */
static void rtc_store_time(struct rtc146818 *rtc, int64_t sec)
{
    int64_t days = floor_div(sec, 86400), y;
    int sod = (int)(sec - days * 86400), m, d;

    civil_from_days(days, &y, &m, &d);
    rtc->cmos[RTC_REG_SECONDS] = rtc_enc(rtc, sod % 60);
    rtc->cmos[RTC_REG_MINUTES] = rtc_enc(rtc, sod / 60 % 60);
    rtc->cmos[RTC_REG_HOURS] = rtc_enc_hour(rtc, sod / 3600);
    /* 1 = Sunday; 1970-01-01 was a Thursday (weekday 4 counting Sunday as 0). */
    int wday = (int)(((days + 4) % 7 + 7) % 7);
    rtc->cmos[RTC_REG_DAY_OF_WEEK] = rtc_enc(rtc, wday + 1);
    rtc->cmos[RTC_REG_DAY_OF_MONTH] = rtc_enc(rtc, d);
    rtc->cmos[RTC_REG_MONTH] = rtc_enc(rtc, m);
    rtc->cmos[RTC_REG_YEAR] = rtc_enc(rtc, (int)(y % 100));
    /* The century byte in 0x32 (QEMU hw/rtc/mc146818rtc.c rtc_set_cmos). */
    rtc->cmos[RTC_REG_CENTURY] = rtc_enc(rtc, (int)(y / 100));
}

/* Parses the time registers (day of week is derived, not read). */
static int64_t rtc_load_time(const struct rtc146818 *rtc)
{
    int sec = rtc_dec(rtc, rtc->cmos[RTC_REG_SECONDS]);
    int min = rtc_dec(rtc, rtc->cmos[RTC_REG_MINUTES]);
    int hour = rtc_dec_hour(rtc, rtc->cmos[RTC_REG_HOURS]);
    int mday = rtc_dec(rtc, rtc->cmos[RTC_REG_DAY_OF_MONTH]);
    int mon = rtc_dec(rtc, rtc->cmos[RTC_REG_MONTH]);
    int64_t year = rtc_dec(rtc, rtc->cmos[RTC_REG_YEAR]) + 100ll * rtc_dec(rtc, rtc->cmos[RTC_REG_CENTURY]);

    /* Nonsense from the guest stays arithmetic: clamp what the calendar cannot take. */
    if (mon < 1)
        mon = 1;
    if (mon > 12)
        mon = 12;
    if (mday < 1)
        mday = 1;
    return days_from_civil(year, mon, mday) * 86400 + hour * 3600ll + min * 60ll + sec;
}

/* The time of day now, while counting. */
static int64_t rtc_counted_sec(const struct rtc146818 *rtc, int64_t now)
{
    return rtc->sec_at_ref + rtc_k(rtc, now) - rtc->ref_k;
}

/* Starts counting from the time in the registers; the next boundary is the next update. */
static void rtc_thaw(struct rtc146818 *rtc, int64_t now)
{
    rtc->sec_at_ref = rtc_load_time(rtc);
    rtc->ref_k = rtc_k(rtc, now);
}

/* Makes the next event bookkeeping start from now (after the phase or rate changed). */
static void rtc_rebase(struct rtc146818 *rtc, int64_t now)
{
    int64_t per = rtc_period_ticks(rtc);
    rtc->last_k = rtc_k(rtc, now);
    rtc->last_p = per ? floor_div(rtc_ticks(rtc, now), per) : 0;
}

/* ---- interrupts -------------------------------------------------------- */

/* Whether second sec matches the alarm bytes (compared in the current format). */
static bool rtc_alarm_match(const struct rtc146818 *rtc, int64_t sec)
{
    int sod = (int)(sec - floor_div(sec, 86400) * 86400);
    uint8_t cur[3] = { rtc_enc(rtc, sod % 60), rtc_enc(rtc, sod / 60 % 60), rtc_enc_hour(rtc, sod / 3600) };
    static const uint8_t idx[3] = { RTC_REG_SECONDS_ALARM, RTC_REG_MINUTES_ALARM, RTC_REG_HOURS_ALARM };

    for (int i = 0; i < 3; i++) {
        uint8_t a = rtc->cmos[idx[i]];
        if ((a & ALARM_DONT_CARE) != ALARM_DONT_CARE && a != cur[i])
            return false;
    }
    return true;
}

/* IRQF = some flag in C is enabled in B; IRQ 8 follows IRQF (MC146818A datasheet, "Register C"). */
static void rtc_update_irq(struct rtc146818 *rtc)
{
    bool irqf = rtc->cmos[RTC_REG_C] & rtc->cmos[RTC_REG_B] & C_FLAGS;

    if (irqf)
        rtc->cmos[RTC_REG_C] |= RTC_C_IRQF;
    else
        rtc->cmos[RTC_REG_C] &= ~RTC_C_IRQF;
    if (irqf != rtc->irq_level) {
        rtc->irq_level = irqf;
        irq_set(&rtc->irq, irqf);
    }
}

/*
 * Brings the flags up to now: each boundary passed while counting was an
 * update (UF, and AF if the new time matched the alarm); each periodic
 * tick passed sets PF. Flags are set whether or not their interrupt is
 * enabled, as the datasheet describes register C.
 */
static void rtc_sync(struct rtc146818 *rtc, int64_t now)
{
    int64_t k = rtc_k(rtc, now);

    if (k > rtc->last_k) {
        if (rtc_counting(rtc)) {
            uint8_t flags = RTC_C_UF;
            /* The alarm compares h:m:s only, so one day of seconds covers every match. */
            int64_t n = k - rtc->last_k < 86400 ? k - rtc->last_k : 86400;
            for (int64_t i = k - n + 1; i <= k && !(rtc->cmos[RTC_REG_C] & RTC_C_AF); i++) {
                if (rtc_alarm_match(rtc, rtc->sec_at_ref + i - rtc->ref_k)) {
                    flags |= RTC_C_AF;
                    break;
                }
            }
            rtc->cmos[RTC_REG_C] |= flags;
        }
        rtc->last_k = k;
    }

    int64_t per = rtc_period_ticks(rtc);
    if (per && rtc_divider_running(rtc)) {
        int64_t p = floor_div(rtc_ticks(rtc, now), per);
        if (p > rtc->last_p)
            rtc->cmos[RTC_REG_C] |= RTC_C_PF;
        rtc->last_p = p;
    }
    rtc_update_irq(rtc);
}

void rtc_update(struct rtc146818 *rtc)
{
    rtc_sync(rtc, rtc_now(rtc));
}

uint64_t rtc_next_event_ns(const struct rtc146818 *rtc)
{
    /* With IRQF set the line is already high; nothing changes until C is read. */
    if (rtc->cmos[RTC_REG_C] & RTC_C_IRQF)
        return DEV_NO_EVENT;

    uint8_t en = rtc->cmos[RTC_REG_B];
    int64_t best = INT64_MAX;
    /* Alarms are checked at every update, so both wait for the next boundary. */
    if ((en & (RTC_B_UIE | RTC_B_AIE)) && rtc_counting(rtc))
        best = rtc->origin_ns + (rtc->last_k + 1) * NS_PER_SEC;
    int64_t per = rtc_period_ticks(rtc);
    if ((en & RTC_B_PIE) && per && rtc_divider_running(rtc)) {
        int64_t t = rtc_ticks_to_ns(rtc, (rtc->last_p + 1) * per);
        if (t < best)
            best = t;
    }
    if (best == INT64_MAX)
        return DEV_NO_EVENT;
    return best < 0 ? 0 : (uint64_t)best;
}

uint64_t rtc_next_uip_edge_ns(const struct rtc146818 *rtc)
{
    if (!rtc_counting(rtc))
        return DEV_NO_EVENT;
    int64_t now = rtc_now(rtc);
    int64_t phase = rtc_phase(rtc, now);
    int64_t rise = NS_PER_SEC - RTC_UIP_HOLD_NS;
    return (uint64_t)(now + (phase < rise ? rise - phase : NS_PER_SEC - phase));
}

uint64_t rtc_polls_since_other_access(const struct rtc146818 *rtc)
{
    return rtc->a_polls;
}

void rtc_reset_polls(struct rtc146818 *rtc)
{
    rtc->a_polls = 0;
}

int64_t rtc_unix_time(struct rtc146818 *rtc)
{
    return rtc_counting(rtc) ? rtc_counted_sec(rtc, rtc_now(rtc)) : rtc_load_time(rtc);
}

/* ---- register access ---------------------------------------------------- */

static bool rtc_is_time_reg(uint8_t idx)
{
    return idx == RTC_REG_SECONDS || idx == RTC_REG_MINUTES || idx == RTC_REG_HOURS ||
           (idx >= RTC_REG_DAY_OF_WEEK && idx <= RTC_REG_YEAR) || idx == RTC_REG_CENTURY;
}

static uint8_t rtc_read_data(struct rtc146818 *rtc)
{
    int64_t now = rtc_now(rtc);
    uint8_t idx = rtc->index, v;

    rtc_sync(rtc, now);
    if (idx == RTC_REG_A)
        rtc->a_polls++;
    else
        rtc->a_polls = 0;

    switch (idx) {
    case RTC_REG_A:
        v = rtc->cmos[RTC_REG_A] & ~RTC_A_UIP;
        /* UIP: the last 244 us before each update (QEMU hw/rtc/mc146818rtc.c update_in_progress). */
        if (rtc_counting(rtc) && rtc_phase(rtc, now) >= NS_PER_SEC - RTC_UIP_HOLD_NS)
            v |= RTC_A_UIP;
        return v;
    case RTC_REG_C:
        /* Reading C returns the flags and clears them, dropping IRQ 8. */
        v = rtc->cmos[RTC_REG_C];
        rtc->cmos[RTC_REG_C] = 0;
        rtc_update_irq(rtc);
        return v;
    default:
        /* While counting, the seconds still show the old value during UIP and step at its fall. */
        if (rtc_is_time_reg(idx) && rtc_counting(rtc))
            rtc_store_time(rtc, rtc_counted_sec(rtc, now));
        return rtc->cmos[idx];
    }
}

static void rtc_write_a(struct rtc146818 *rtc, int64_t now, uint8_t val)
{
    bool was_running = rtc_divider_running(rtc);

    if (rtc_counting(rtc) && (val & A_DV_MASK) > 0x20)
        rtc_store_time(rtc, rtc_counted_sec(rtc, now)); /* stopping: freeze the time in the registers */
    rtc->cmos[RTC_REG_A] = val & ~RTC_A_UIP; /* UIP is read-only */
    if (!was_running && rtc_divider_running(rtc)) {
        /* Leaving divider reset: the first update comes 500 ms later (MC146818A datasheet, DV bits). */
        rtc->origin_ns = now - NS_PER_SEC / 2;
        if (rtc_counting(rtc))
            rtc_thaw(rtc, now);
    }
    rtc_rebase(rtc, now);
}

static void rtc_write_b(struct rtc146818 *rtc, int64_t now, uint8_t val)
{
    bool was_counting = rtc_counting(rtc);

    if (val & RTC_B_SET) {
        /* SET inhibits updates and clears UIE (QEMU hw/rtc/mc146818rtc.c; datasheet "Register B"). */
        val &= ~RTC_B_UIE;
        if (was_counting)
            rtc_store_time(rtc, rtc_counted_sec(rtc, now)); /* in the format in force until now */
    }
    rtc->cmos[RTC_REG_B] = val;
    if (!was_counting && rtc_counting(rtc))
        rtc_thaw(rtc, now); /* the divider phase is kept: the next update is the next boundary */
    rtc_update_irq(rtc);
}

static void rtc_write_data(struct rtc146818 *rtc, uint8_t val)
{
    int64_t now = rtc_now(rtc);
    uint8_t idx = rtc->index;

    rtc_sync(rtc, now);
    rtc->a_polls = 0;
    switch (idx) {
    case RTC_REG_A:
        rtc_write_a(rtc, now, val);
        break;
    case RTC_REG_B:
        rtc_write_b(rtc, now, val);
        break;
    case RTC_REG_C:
    case RTC_REG_D:
        break; /* read-only */
    default:
        if (rtc_is_time_reg(idx) && rtc_counting(rtc)) {
            /* Setting one field while running moves the clock at once (as QEMU does). */
            rtc_store_time(rtc, rtc_counted_sec(rtc, now));
            rtc->cmos[idx] = val;
            rtc_thaw(rtc, now);
        } else {
            rtc->cmos[idx] = val; /* stopped time, alarms, CMOS bytes 14-127 */
        }
        break;
    }
}

static uint64_t rtc_read(void *opaque, uint64_t off, unsigned size)
{
    (void)size;
    /* The index port is write-only; QEMU hw/rtc/mc146818rtc.c reads it as 0xFF. */
    if ((off & 1) == 0)
        return 0xFF;
    return rtc_read_data(opaque);
}

static void rtc_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct rtc146818 *rtc = opaque;
    (void)size;
    if ((off & 1) == 0)
        rtc->index = val & 0x7F; /* bit 7 is the PC's NMI mask, not ours */
    else
        rtc_write_data(rtc, (uint8_t)val);
}

const struct mem_region_ops rtc146818_ops = {
    .read = rtc_read,
    .write = rtc_write,
};

void rtc_init(struct rtc146818 *rtc, const struct dev_clock *clock, struct irq_line irq8,
              int64_t base_unix_ns)
{
    memset(rtc, 0, sizeof(*rtc));
    rtc->clock = *clock;
    rtc->irq = irq8;
    /* Reset values: 32.768 kHz divider, 1024 Hz rate, 24 h BCD, VRT (QEMU hw/rtc/mc146818rtc.c). */
    rtc->cmos[RTC_REG_A] = 0x26;
    rtc->cmos[RTC_REG_B] = RTC_B_24H;
    rtc->cmos[RTC_REG_C] = 0x00;
    rtc->cmos[RTC_REG_D] = 0x80;

    int64_t now = rtc_now(rtc);
    int64_t sec = floor_div(base_unix_ns, NS_PER_SEC);
    rtc->origin_ns = now - (base_unix_ns - sec * NS_PER_SEC);
    rtc_store_time(rtc, sec);
    rtc_thaw(rtc, now);
    rtc_rebase(rtc, now);
}
