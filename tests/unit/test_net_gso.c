/*
 * Unit tests of the software TCP segmenter (devices/net/gso.c): large IPv4 and IPv6 TCP frames,
 * with and without TCP options and an 802.1Q tag, cut at the boundaries that matter (a payload
 * of one byte, one byte over a segment, an exact multiple); every segment checked field by
 * field against the frame it came from, its IPv4 header checksum and its completed TCP checksum
 * against a reference computation written here (RFC 1071 over the pseudo-header, RFC 793 §3.1
 * and RFC 8200 §8.1); and the headers net_gso_prepare must refuse from a hostile guest.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "devices/net/net.h"

#define FIN 0x01
#define PSH 0x08
#define ACK 0x10
#define CWR 0x80

struct spec {
    bool v6, vlan;
    unsigned opts;    /* bytes of TCP options (a multiple of 4) */
    unsigned payload; /* bytes after the headers */
    uint16_t mss;
    uint8_t flags;
};

static unsigned l3_of(const struct spec *s)
{
    return s->vlan ? 18 : 14;
}

static unsigned l4_of(const struct spec *s)
{
    return l3_of(s) + (s->v6 ? 40 : 20);
}

static unsigned hdr_of(const struct spec *s)
{
    return l4_of(s) + 20 + s->opts;
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static unsigned get16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* A large frame as a guest's TSO hands it over: total length set, TCP checksum partial. */
static struct net_buf *make(const struct spec *s)
{
    unsigned l3 = l3_of(s), l4 = l4_of(s), hdr = hdr_of(s);
    struct net_buf *b = net_buf_new(NULL, hdr + s->payload);
    assert_non_null(b);
    uint8_t *f = b->data;
    memset(f, 0, hdr);
    memcpy(f, "\x52\x54\x00\x00\x00\x02\x52\x54\x00\x00\x00\x01", 12);
    if (s->vlan) {
        put16(f + 12, 0x8100);
        put16(f + 14, 5);
    }
    if (s->v6) {
        put16(f + l3 - 2, 0x86DD);
        f[l3] = 0x60;
        put16(f + l3 + 4, b->len - l3 - 40);
        f[l3 + 6] = 6;
        f[l3 + 7] = 64;
        for (unsigned i = 0; i < 32; i++)
            f[l3 + 8 + i] = (uint8_t)(0xfe + i * 13);
    } else {
        put16(f + l3 - 2, 0x0800);
        f[l3] = 0x45;
        put16(f + l3 + 2, b->len - l3);
        put16(f + l3 + 4, 0xfffe); /* the ID wraps within the segments */
        put16(f + l3 + 6, 0x4000); /* DF */
        f[l3 + 8] = 64;
        f[l3 + 9] = 6;
        memcpy(f + l3 + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
    }
    put16(f + l4, 40000);
    put16(f + l4 + 2, 5000);
    put16(f + l4 + 4, 0xffff); /* the sequence number wraps too */
    put16(f + l4 + 6, 0xf000);
    put16(f + l4 + 8, 0x1234);
    f[l4 + 12] = (uint8_t)((20 + s->opts) / 4 << 4);
    f[l4 + 13] = s->flags;
    put16(f + l4 + 14, 502);
    put16(f + l4 + 16, 0xbeef); /* whatever the guest left there: not trusted */
    for (unsigned i = 0; i < s->opts; i++)
        f[l4 + 20 + i] = i % 4 == 0 ? 1 : (uint8_t)(i * 3); /* NOPs and bytes */
    for (unsigned i = 0; i < s->payload; i++)
        f[hdr + i] = (uint8_t)(i * 7 + i / 251);
    b->csum = NET_CSUM_PARTIAL;
    b->csum_start = (uint16_t)l4;
    b->csum_offset = 16;
    b->gso_type = s->v6 ? NET_GSO_TCPV6 : NET_GSO_TCPV4;
    b->gso_size = s->mss;
    return b;
}

/* RFC 1071 over several pieces, each an even length but the last. */
static uint16_t ref_sum(const uint8_t *p, unsigned n, uint32_t acc)
{
    for (unsigned i = 0; i + 1 < n; i += 2)
        acc += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        acc += (uint32_t)p[n - 1] << 8;
    while (acc > 0xffff)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)acc;
}

/* Whether the TCP checksum of a whole segment is right: pseudo-header + TCP sums to 0xffff. */
static bool tcp_csum_ok(const struct spec *s, const uint8_t *f, unsigned len)
{
    unsigned l3 = l3_of(s), l4 = l4_of(s), tcp_len = len - l4;
    uint32_t acc = 6 + tcp_len;
    acc += s->v6 ? ref_sum(f + l3 + 8, 32, 0) : ref_sum(f + l3 + 12, 8, 0);
    return ref_sum(f + l4, tcp_len, acc) == 0xffff;
}

static void check_segments(const struct spec *s)
{
    struct net_buf *b = make(s);
    assert_int_equal(net_gso_prepare(b), 0);
    unsigned l3 = l3_of(s), l4 = l4_of(s), hdr = hdr_of(s);
    assert_int_equal(b->hdr_len, hdr);
    unsigned want = (s->payload + s->mss - 1) / s->mss;
    struct net_buf *seg[64];
    assert_int_equal(net_gso_segment(b, seg, 64), (int)want);
    unsigned at = 0;
    for (unsigned i = 0; i < want; i++) {
        struct net_buf *g = seg[i];
        const uint8_t *d = g->data, *f = b->data;
        unsigned n = i + 1 < want ? s->mss : s->payload - at;
        assert_int_equal(g->len, hdr + n);
        assert_int_equal(g->gso_type, NET_GSO_NONE);
        assert_true(g->len <= NET_FRAME_MAX);
        /* untouched: Ethernet, ports, ack, window, options; the payload is the right slice */
        assert_memory_equal(d, f, l3);
        assert_memory_equal(d + l4, f + l4, 4);
        assert_memory_equal(d + l4 + 8, f + l4 + 8, 4);
        assert_memory_equal(d + l4 + 14, f + l4 + 14, 2);
        assert_memory_equal(d + l4 + 20, f + l4 + 20, s->opts);
        assert_memory_equal(d + hdr, f + hdr + at, n);
        assert_int_equal(get32(d + l4 + 4), (uint32_t)(0xfffff000u + at));
        uint8_t flags = s->flags;
        if (i + 1 < want)
            flags &= (uint8_t)~(FIN | PSH);
        if (i > 0)
            flags &= (uint8_t)~CWR;
        assert_int_equal(d[l4 + 13], flags);
        if (s->v6) {
            assert_int_equal(get16(d + l3 + 4), g->len - l3 - 40);
            assert_memory_equal(d + l3 + 6, f + l3 + 6, 34);
        } else {
            assert_int_equal(get16(d + l3 + 2), g->len - l3);
            assert_int_equal(get16(d + l3 + 4), (0xfffe + i) & 0xffff);
            assert_int_equal(ref_sum(d + l3, 20, 0), 0xffff); /* the header checksum */
            assert_memory_equal(d + l3 + 6, f + l3 + 6, 4);
            assert_memory_equal(d + l3 + 12, f + l3 + 12, 8);
        }
        /* partial as a card passes it on; completed, right */
        assert_int_equal(g->csum, NET_CSUM_PARTIAL);
        assert_int_equal(g->csum_start, l4);
        assert_int_equal(g->csum_offset, 16);
        net_buf_finish_csum(g);
        assert_true(tcp_csum_ok(s, d, g->len));
        at += n;
        net_buf_put(g);
    }
    assert_int_equal(at, s->payload);
    net_buf_put(b);
}

static void test_v4_boundaries(void **state)
{
    (void)state;
    uint8_t all = FIN | PSH | ACK | CWR;
    check_segments(&(struct spec){.payload = 1, .mss = 1448, .flags = all});
    check_segments(&(struct spec){.payload = 1448, .mss = 1448, .flags = all});
    check_segments(&(struct spec){.payload = 1449, .mss = 1448, .flags = all});
    check_segments(&(struct spec){.payload = 1448 * 45, .mss = 1448, .flags = all});
    check_segments(&(struct spec){.payload = 65535 - 40, .mss = 1460, .flags = ACK | PSH});
    check_segments(&(struct spec){.payload = 3001, .mss = 1000, .flags = ACK, .opts = 12}); /* odd tail */
}

static void test_v4_vlan(void **state)
{
    (void)state;
    check_segments(&(struct spec){.vlan = true, .payload = 5000, .mss = 1448, .flags = ACK | FIN, .opts = 12});
}

static void test_v6(void **state)
{
    (void)state;
    check_segments(&(struct spec){.v6 = true, .payload = 1, .mss = 1428, .flags = ACK | PSH | CWR});
    check_segments(&(struct spec){.v6 = true, .payload = 1428 * 3, .mss = 1428, .flags = ACK | FIN | CWR, .opts = 12});
    check_segments(&(struct spec){.v6 = true, .vlan = true, .payload = 9999, .mss = 1400, .flags = ACK});
}

/* A frame net_gso_prepare must refuse, after change() made it hostile. */
static void refused(const struct spec *s, void (*change)(struct net_buf *b, const struct spec *s))
{
    struct net_buf *b = make(s);
    change(b, s);
    assert_int_equal(net_gso_prepare(b), -EINVAL);
    net_buf_put(b);
}

static void no_mss(struct net_buf *b, const struct spec *s) { (void)s; b->gso_size = 0; }
static void huge_mss(struct net_buf *b, const struct spec *s) { b->gso_size = (uint16_t)(NET_FRAME_MAX - hdr_of(s) + 1); }
static void tiny_mss(struct net_buf *b, const struct spec *s) { (void)s; b->gso_size = 1; }
static void not_partial(struct net_buf *b, const struct spec *s) { (void)s; b->csum = NET_CSUM_NONE; }
static void start_off(struct net_buf *b, const struct spec *s) { (void)s; b->csum_start += 4; }
static void udp_offset(struct net_buf *b, const struct spec *s) { (void)s; b->csum_offset = 6; }
static void fragment(struct net_buf *b, const struct spec *s) { b->data[l3_of(s) + 6] |= 0x20; /* MF */ }
static void udp_proto(struct net_buf *b, const struct spec *s) { b->data[l3_of(s) + 9] = 17; }
static void long_total(struct net_buf *b, const struct spec *s) { put16(b->data + l3_of(s) + 2, b->len - l3_of(s) + 1); }
static void short_ihl(struct net_buf *b, const struct spec *s) { b->data[l3_of(s)] = 0x44; }
static void v6_as_v4(struct net_buf *b, const struct spec *s) { (void)s; b->gso_type = NET_GSO_TCPV6; }
static void ecn_type(struct net_buf *b, const struct spec *s) { (void)s; b->gso_type = 0x81; }
static void udp_type(struct net_buf *b, const struct spec *s) { (void)s; b->gso_type = 3; }
static void short_doff(struct net_buf *b, const struct spec *s) { b->data[l4_of(s) + 12] = 0x40; }
static void doff_past_end(struct net_buf *b, const struct spec *s) { (void)s; b->len = hdr_of(s); }
static void truncated(struct net_buf *b, const struct spec *s) { b->len = l4_of(s) + 10; }
static void v6_ext(struct net_buf *b, const struct spec *s) { b->data[l3_of(s) + 6] = 0; /* hop-by-hop */ }
static void v6_len(struct net_buf *b, const struct spec *s) { put16(b->data + l3_of(s) + 4, 0); }
static void too_long(struct net_buf *b, const struct spec *s) { (void)s; b->len = NET_GSO_FRAME_MAX + 1; }

static void test_refused(void **state)
{
    (void)state;
    struct spec v4 = {.payload = 4000, .mss = 1448, .flags = ACK};
    struct spec v6 = {.v6 = true, .payload = 4000, .mss = 1428, .flags = ACK};
    struct spec big = {.payload = 2000, .mss = 1, .flags = ACK}; /* 2000 segments of one byte */
    void (*v4_cases[])(struct net_buf *, const struct spec *) = {
        no_mss, huge_mss, not_partial, start_off, udp_offset, fragment, udp_proto, long_total, short_ihl,
        v6_as_v4, ecn_type, udp_type, short_doff, doff_past_end, truncated, too_long};
    for (unsigned i = 0; i < sizeof(v4_cases) / sizeof(v4_cases[0]); i++)
        refused(&v4, v4_cases[i]);
    void (*v6_cases[])(struct net_buf *, const struct spec *) = {v6_ext, v6_len, start_off, short_doff, truncated};
    for (unsigned i = 0; i < sizeof(v6_cases) / sizeof(v6_cases[0]); i++)
        refused(&v6, v6_cases[i]);
    refused(&big, tiny_mss);
    /* and the limit is where it says: 1024 one-byte segments pass, segmenting into too small
     * an array is refused without leaking */
    struct spec edge = {.payload = NET_GSO_MAX_SEGS, .mss = 1, .flags = ACK};
    struct net_buf *b = make(&edge);
    assert_int_equal(net_gso_prepare(b), 0);
    struct net_buf *few[4];
    assert_int_equal(net_gso_segment(b, few, 4), -E2BIG);
    net_buf_put(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v4_boundaries),
        cmocka_unit_test(test_v4_vlan),
        cmocka_unit_test(test_v6),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
