/*
 * Fuzzing what a guest sends into libslirp through "-netdev user" (devices/net/user.c): the
 * input is a sequence of frames the card would hand the backend. Each starts with a kind byte
 * and a length; a kind either takes the bytes as the whole frame, or wraps them in headers a
 * real stack would write, so the fuzzer reaches past slirp's first checks: Ethernet to the
 * gateway's MAC, ARP, IPv4 with a correct header checksum (any protocol and flags, fragments
 * too), UDP to the DHCP server (10.0.2.2:67) or the DNS server (10.0.2.3:53), TCP to the
 * gateway, ICMP echo. The backend runs restricted (restrict=on: nothing leaves the host) and
 * without its poll thread, so each input is processed where it is fed.
 *
 * What must hold: no crash or sanitizer report; every frame slirp hands back to the guest is
 * 14 to NET_FRAME_MAX bytes, and an IPv4 one has a header whose checksum is right.
 *
 * Addresses: devices/net/user.c (QEMU's -netdev user defaults); headers: RFC 791, 768, 793,
 * 826 and 792.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/net/internal.h"

static struct netdev *nd;
static unsigned frames_out;

static uint16_t ip_sum(const uint8_t *p, unsigned n)
{
    uint32_t s = 0;
    for (unsigned i = 0; i + 1 < n; i += 2)
        s += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    while (s >> 16)
        s = (s & 0xFFFF) + (s >> 16);
    return (uint16_t)~s;
}

static void receive(void *ctx, struct net_buf *b)
{
    (void)ctx;
    frames_out++;
    if (b->len < NET_ETH_HLEN || b->len > NET_FRAME_MAX) {
        fprintf(stderr, "fuzz_slirp: a %u-byte frame to the guest\n", b->len);
        abort();
    }
    if (b->data[12] == 0x08 && b->data[13] == 0x00 && b->len >= NET_ETH_HLEN + 20) {
        unsigned ihl = (b->data[NET_ETH_HLEN] & 0xF) * 4u;
        if (ihl >= 20 && NET_ETH_HLEN + ihl <= b->len && ip_sum(b->data + NET_ETH_HLEN, ihl) != 0) {
            fprintf(stderr, "fuzz_slirp: an IPv4 header to the guest with a bad checksum\n");
            abort();
        }
    }
}

static const uint8_t guest_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static const uint8_t gw_mac[6] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};

/* Ethernet header, type, then the payload */
static unsigned eth(uint8_t *f, uint16_t type, bool broadcast)
{
    memset(f, 0xFF, 6);
    if (!broadcast)
        memcpy(f, gw_mac, 6);
    memcpy(f + 6, guest_mac, 6);
    f[12] = (uint8_t)(type >> 8);
    f[13] = (uint8_t)type;
    return NET_ETH_HLEN;
}

/* an IPv4 header at f from 10.0.2.15 to dst, protocol proto, total length len (header included) */
static void ipv4(uint8_t *f, uint8_t proto, uint32_t dst, unsigned len, uint16_t frag)
{
    f[0] = 0x45;
    f[1] = 0;
    f[2] = (uint8_t)(len >> 8);
    f[3] = (uint8_t)len;
    f[4] = 0x12, f[5] = 0x34;
    f[6] = (uint8_t)(frag >> 8);
    f[7] = (uint8_t)frag;
    f[8] = 64;
    f[9] = proto;
    f[10] = f[11] = 0;
    uint32_t src = htonl(0x0A00020F);
    memcpy(f + 12, &src, 4);
    uint32_t d = htonl(dst);
    memcpy(f + 16, &d, 4);
    uint16_t s = ip_sum(f, 20);
    f[10] = (uint8_t)(s >> 8);
    f[11] = (uint8_t)s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!nd) {
        struct netdev_config cfg = {.type = NETDEV_USER, .id = "fuzz", .restricted = true};
        char err[256];
        if (netdev_create(&nd, &cfg, err, sizeof(err)) < 0) {
            fprintf(stderr, "fuzz_slirp: %s\n", err);
            abort();
        }
        /* plugged in without netdev_attach, which would start the poll thread */
        nd->port = (struct net_port){.receive = receive};
    }
    uint8_t f[NET_FRAME_MAX + 64];
    size_t at = 0;
    while (at + 3 <= size) {
        uint8_t kind = data[at];
        unsigned len = (unsigned)data[at + 1] | (unsigned)(data[at + 2] & 7) << 8;
        at += 3;
        if (len > size - at)
            len = (unsigned)(size - at);
        const uint8_t *p = data + at;
        at += len;
        unsigned n = 0, hdr;
        switch (kind & 7) {
        case 0: /* the bytes as the frame */
            if (len > NET_FRAME_MAX)
                len = NET_FRAME_MAX;
            memcpy(f, p, len);
            n = len;
            break;
        case 1: /* ARP: whatever follows the Ethernet header */
            hdr = eth(f, 0x0806, kind & 8);
            n = hdr + (len < 28 + 18 ? len : 28 + 18);
            memcpy(f + hdr, p, n - hdr);
            break;
        default: { /* IPv4: 2 any protocol, 3 UDP to DHCP, 4 UDP to DNS, 5 TCP, 6 ICMP, 7 fragments */
            static const uint8_t protos[8] = {0, 0, 0, 17, 17, 6, 1, 0};
            hdr = eth(f, 0x0800, (kind & 7) == 3);
            unsigned pay = len > 1400 ? 1400 : len;
            uint8_t proto = protos[kind & 7];
            uint32_t dst = 0x0A000202;
            uint16_t frag = 0;
            const uint8_t *q = p;
            if ((kind & 7) == 2 || (kind & 7) == 7) {
                proto = pay ? q[0] : 0;
                if ((kind & 7) == 7 && pay >= 3)
                    frag = (uint16_t)(q[1] << 8 | q[2]);
            }
            if ((kind & 7) == 3)
                dst = 0xFFFFFFFF;
            if ((kind & 7) == 4)
                dst = 0x0A000203;
            unsigned l4 = 0;
            uint8_t *t = f + hdr + 20;
            if (proto == 17 && (kind & 7) != 2 && (kind & 7) != 7) { /* UDP header: ports, length, no checksum */
                uint16_t sport = (kind & 7) == 3 ? 68 : 40000, dport = (kind & 7) == 3 ? 67 : 53;
                t[0] = (uint8_t)(sport >> 8), t[1] = (uint8_t)sport;
                t[2] = (uint8_t)(dport >> 8), t[3] = (uint8_t)dport;
                t[4] = (uint8_t)((pay + 8) >> 8), t[5] = (uint8_t)(pay + 8);
                t[6] = t[7] = 0;
                l4 = 8;
            }
            memcpy(t + l4, q, pay);
            ipv4(f + hdr, proto, dst, 20 + l4 + pay, frag);
            n = hdr + 20 + l4 + pay;
            break;
        }
        }
        struct net_buf *b = net_buf_new(f, n);
        if (!b)
            abort();
        netdev_transmit(nd, b);
        net_buf_put(b);
    }
    return 0;
}
