/*
 * Unit tests of the IPv4 reassembly in front of libslirp (devices/net/ipfrag_guard.c): whole
 * packets pass as they are; fragments sent in order come out as one unfragmented packet with
 * every payload byte in place and a right header; what crashes Debian's libslirp 4.7 (a last
 * fragment alone, an overlap) or could (a gap, a late fragment after expiry, a bad checksum)
 * is dropped and never reaches it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "devices/net/internal.h"

#define MF 0x2000
#define SEC 1000000000ll

static uint8_t frame[1600];

static uint16_t sum(const uint8_t *h, unsigned n)
{
    uint32_t s = 0;
    for (unsigned i = 0; i < n; i += 2)
        s += (uint32_t)h[i] << 8 | h[i + 1];
    while (s >> 16)
        s = (s & 0xFFFF) + (s >> 16);
    return (uint16_t)~s;
}

/* An Ethernet frame with an IPv4 header (id, fragment field, payload bytes of value fill). */
static uint32_t ipv4(uint16_t id, uint16_t frag, unsigned payload, uint8_t fill)
{
    memset(frame, 0, sizeof(frame));
    frame[12] = 0x08;
    uint8_t *ip = frame + NET_ETH_HLEN;
    unsigned total = 20 + payload;
    ip[0] = 0x45;
    ip[2] = (uint8_t)(total >> 8), ip[3] = (uint8_t)total;
    ip[4] = (uint8_t)(id >> 8), ip[5] = (uint8_t)id;
    ip[6] = (uint8_t)(frag >> 8), ip[7] = (uint8_t)frag;
    ip[8] = 64;
    ip[9] = 17;
    ip[12] = 10, ip[15] = 15, ip[16] = 10, ip[19] = 2;
    memset(ip + 20, fill, payload);
    uint16_t s = sum(ip, 20);
    ip[10] = (uint8_t)(s >> 8), ip[11] = (uint8_t)s;
    return NET_ETH_HLEN + total;
}

static const uint8_t *out;
static uint32_t out_len;

static enum ipfrag_verdict in(struct ipfrag_guard *g, uint16_t id, uint16_t frag, unsigned payload, uint8_t fill,
                              int64_t t)
{
    uint32_t len = ipv4(id, frag, payload, fill);
    return ipfrag_guard_input(g, frame, len, t, &out, &out_len);
}

static void test_whole_passes_in_order_reassembled(void **state)
{
    (void)state;
    struct ipfrag_guard g = {0};
    assert_int_equal(in(&g, 1, 0, 100, 0, 0), IPFRAG_PASS);      /* not a fragment */
    assert_int_equal(in(&g, 1, 0x4000, 100, 0, 0), IPFRAG_PASS); /* DF alone is not one either */
    assert_int_equal(in(&g, 2, MF | 0, 16, 0xA1, 0), IPFRAG_HELD);
    assert_int_equal(in(&g, 2, MF | 2, 16, 0xB2, 0), IPFRAG_HELD);
    assert_int_equal(in(&g, 2, 4, 3, 0xC3, 0), IPFRAG_WHOLE);
    assert_int_equal(out_len, NET_ETH_HLEN + 20 + 35);
    const uint8_t *ip = out + NET_ETH_HLEN;
    assert_int_equal(ip[2] << 8 | ip[3], 55);   /* total length */
    assert_int_equal(ip[6] << 8 | ip[7], 0);    /* no MF, no offset */
    assert_int_equal(sum(ip, 20), 0);           /* a right checksum */
    for (unsigned i = 0; i < 35; i++)
        assert_int_equal(ip[20 + i], i < 16 ? 0xA1 : i < 32 ? 0xB2 : 0xC3);
    assert_int_equal(in(&g, 2, MF | 0, 8, 0, 0), IPFRAG_HELD); /* the id again: a new datagram */
    assert_int_equal(g.dropped, 0);
    ipfrag_guard_fini(&g);
}

static void test_out_of_order_dropped(void **state)
{
    (void)state;
    struct ipfrag_guard g = {0};
    assert_int_equal(in(&g, 3, 1, 3, 0, 0), IPFRAG_DROP);       /* a last fragment alone */
    assert_int_equal(in(&g, 3, MF | 1, 8, 0, 0), IPFRAG_DROP);  /* a middle one alone */
    assert_int_equal(in(&g, 4, MF | 0, 16, 0, 0), IPFRAG_HELD);
    assert_int_equal(in(&g, 4, 1, 16, 0, 0), IPFRAG_DROP);      /* overlaps the first: all gone */
    assert_int_equal(in(&g, 4, 2, 8, 0, 0), IPFRAG_DROP);
    assert_int_equal(in(&g, 5, MF | 0, 16, 0, 0), IPFRAG_HELD);
    assert_int_equal(in(&g, 5, 4, 8, 0, 0), IPFRAG_DROP);       /* a gap */
    assert_int_equal(in(&g, 6, MF | 0, 16, 0, 0), IPFRAG_HELD);
    assert_int_equal(in(&g, 6, MF | 0, 16, 0, 0), IPFRAG_DROP); /* a second first */
    assert_int_equal(in(&g, 7, MF | 0, 12, 0, 0), IPFRAG_DROP); /* not a multiple of 8 */
    assert_int_equal(g.dropped, 7);
    ipfrag_guard_fini(&g);
}

static void test_expiry_limits_checksum(void **state)
{
    (void)state;
    struct ipfrag_guard g = {0};
    assert_int_equal(in(&g, 8, MF | 0, 8, 0, 0), IPFRAG_HELD);
    assert_int_equal(in(&g, 8, 1, 8, 0, IPFRAG_GUARD_TTL_NS + 1), IPFRAG_DROP); /* too late */
    int64_t t = 100 * SEC;
    for (unsigned i = 0; i < IPFRAG_GUARD_SLOTS; i++)
        assert_int_equal(in(&g, (uint16_t)(100 + i), MF | 0, 8, 0, t), IPFRAG_HELD);
    assert_int_equal(in(&g, 200, MF | 0, 8, 0, t), IPFRAG_DROP); /* every slot taken */
    assert_int_equal(in(&g, 100, 1, 8, 0, t), IPFRAG_WHOLE);     /* one ends: a slot frees */
    assert_int_equal(in(&g, 200, MF | 0, 8, 0, t), IPFRAG_HELD);
    uint32_t len = ipv4(300, MF | 0, 8, 0);
    frame[NET_ETH_HLEN + 10] ^= 1;                               /* a bad header checksum */
    assert_int_equal(ipfrag_guard_input(&g, frame, len, t, &out, &out_len), IPFRAG_DROP);
    len = ipv4(301, MF | 0, 8, 0);                               /* shorter than its total length */
    assert_int_equal(ipfrag_guard_input(&g, frame, len - 1, t, &out, &out_len), IPFRAG_DROP);
    /* a datagram past 65535 bytes: fragments of 1480 bytes up to the limit */
    assert_int_equal(in(&g, 400, MF | 0, 1480, 0, t + SEC), IPFRAG_DROP); /* slots full at t */
    ipfrag_guard_fini(&g);
    memset(&g, 0, sizeof(g));
    unsigned at = 0;
    assert_int_equal(in(&g, 400, MF | 0, 1480, 0, 0), IPFRAG_HELD);
    for (at = 1480; 20 + at + 1480 <= 65535; at += 1480)
        assert_int_equal(in(&g, 400, (uint16_t)(MF | at / 8), 1480, 0, 0), IPFRAG_HELD);
    assert_int_equal(in(&g, 400, (uint16_t)(at / 8), 1480, 0, 0), IPFRAG_DROP);
    uint8_t arp[60] = {[12] = 0x08, [13] = 0x06};
    assert_int_equal(ipfrag_guard_input(&g, arp, sizeof(arp), 0, &out, &out_len), IPFRAG_PASS);
    ipfrag_guard_fini(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_passes_in_order_reassembled),
        cmocka_unit_test(test_out_of_order_dropped),
        cmocka_unit_test(test_expiry_limits_checksum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
