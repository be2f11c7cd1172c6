/*
 * TCP segmentation offload in software (devices/net/net.h, "GSO"). A guest that negotiated
 * VIRTIO_NET_F_HOST_TSO4/6 hands its card one TCP segment of up to 64 KiB with a gso_size (the
 * MSS); the card checks its headers here once (net_gso_prepare), the switch passes it whole to
 * a card whose guest takes such frames (GUEST_TSO4/6), and everything else cuts it into
 * ordinary frames here (net_gso_segment), as a NIC's TSO engine would.
 *
 * What a segment gets, as Linux's own software path does it (net/ipv4/tcp_offload.c
 * tcp_gso_segment, net/ipv4/af_inet.c inet_gso_segment): the headers of the big frame; the
 * IPv4 total length (IPv6 payload length) of the segment, the IPv4 ID plus the segment's index
 * and a fresh IPv4 header checksum; the TCP sequence number plus the bytes before it; FIN and
 * PSH only on the last segment, CWR only on the first. The TCP checksum is left partial
 * (NET_CSUM_PARTIAL over the TCP header and payload, the field seeded with the pseudo-header
 * sum for the segment's own length), so a card whose guest takes partial checksums passes it
 * on and the others complete it (net_buf_finish_csum).
 *
 * Hostile input: everything is checked against the frame's own length; the header length the
 * guest states (virtio's hdr_len, Linux fills it with skb_headlen, which may cover payload) is
 * not trusted, the real one is computed from the IP and TCP headers.
 */
#include <errno.h>
#include <string.h>

#include "devices/net/net.h"

#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100
#define IPPROTO_TCP_ 6
#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
    wr16(p, (uint16_t)(v >> 16));
    wr16(p + 2, (uint16_t)v);
}

/* Where the IP header starts (after one optional 802.1Q tag) and its EtherType; 0 if the
 * frame is too short to say. */
static unsigned l3_offset(const uint8_t *f, uint32_t len, uint16_t *type)
{
    if (len < NET_ETH_HLEN)
        return 0;
    uint16_t t = rd16(f + 12);
    unsigned l3 = NET_ETH_HLEN;
    if (t == ETH_P_8021Q) {
        if (len < NET_ETH_HLEN + 4)
            return 0;
        t = rd16(f + 16);
        l3 += 4;
    }
    *type = t;
    return l3;
}

int net_gso_prepare(struct net_buf *b)
{
    const uint8_t *f = b->data;
    uint32_t len = b->len;
    if (b->csum != NET_CSUM_PARTIAL || b->gso_size == 0 || len > NET_GSO_FRAME_MAX)
        return -EINVAL;
    uint16_t type;
    unsigned l3 = l3_offset(f, len, &type), l4;
    if (!l3)
        return -EINVAL;
    if (b->gso_type == NET_GSO_TCPV4) {
        if (type != ETH_P_IPV4 || len < l3 + 20u || f[l3] >> 4 != 4 || (f[l3] & 15) < 5)
            return -EINVAL;
        l4 = l3 + (f[l3] & 15) * 4u;
        /* TCP, not a fragment (DF may be set), the total length the frame's */
        if (f[l3 + 9] != IPPROTO_TCP_ || (rd16(f + l3 + 6) & 0x3FFF) || rd16(f + l3 + 2) != len - l3)
            return -EINVAL;
    } else if (b->gso_type == NET_GSO_TCPV6) {
        /* TCP right after the fixed header (no extension headers), the payload length the frame's */
        if (type != ETH_P_IPV6 || len < l3 + 40u || f[l3] >> 4 != 6 || f[l3 + 6] != IPPROTO_TCP_ ||
            rd16(f + l3 + 4) != len - l3 - 40)
            return -EINVAL;
        l4 = l3 + 40;
    } else {
        return -EINVAL;
    }
    /* The checksum the guest left partial is the TCP one, where the TCP header is. */
    if (b->csum_start != l4 || b->csum_offset != 16 || len < l4 + 20u)
        return -EINVAL;
    unsigned hdr = l4 + (f[l4 + 12] >> 4) * 4u;
    if ((f[l4 + 12] >> 4) < 5 || hdr >= len)
        return -EINVAL;
    /* Every segment an ordinary frame, and a bounded number of them. */
    uint32_t payload = len - hdr;
    if (hdr + b->gso_size > NET_FRAME_MAX || (payload + b->gso_size - 1) / b->gso_size > NET_GSO_MAX_SEGS)
        return -EINVAL;
    b->hdr_len = (uint16_t)hdr;
    return 0;
}

int net_gso_segment(const struct net_buf *b, struct net_buf **out, unsigned max)
{
    const uint8_t *f = b->data;
    unsigned hdr = b->hdr_len, l4 = b->csum_start, mss = b->gso_size;
    uint16_t type;
    unsigned l3 = l3_offset(f, b->len, &type);
    bool v4 = b->gso_type == NET_GSO_TCPV4;
    uint32_t payload = b->len - hdr;
    unsigned nseg = (payload + mss - 1) / mss;
    if (nseg > max)
        return -E2BIG;
    uint32_t seq = rd32(f + l4 + 4);
    uint16_t id = v4 ? rd16(f + l3 + 4) : 0;
    /* The pseudo-header's addresses, the same for every segment. */
    uint64_t addrs = v4 ? net_csum_add(f + l3 + 12, 8) : net_csum_add(f + l3 + 8, 32);
    unsigned i;
    for (i = 0; i < nseg; i++) {
        uint32_t at = hdr + i * mss, seglen = payload - i * mss < mss ? payload - i * mss : mss;
        struct net_buf *s = net_buf_new(NULL, hdr + seglen);
        if (!s)
            goto fail;
        uint8_t *d = s->data;
        memcpy(d, f, hdr);
        memcpy(d + hdr, f + at, seglen);
        if (v4) {
            unsigned ihl = (f[l3] & 15) * 4u;
            wr16(d + l3 + 2, (uint16_t)(s->len - l3));
            wr16(d + l3 + 4, (uint16_t)(id + i));
            wr16(d + l3 + 10, 0);
            wr16(d + l3 + 10, (uint16_t)~net_csum_fold(net_csum_add(d + l3, ihl)));
        } else {
            wr16(d + l3 + 4, (uint16_t)(s->len - l3 - 40));
        }
        wr32(d + l4 + 4, seq + i * mss);
        uint8_t flags = d[l4 + 13];
        if (i + 1 < nseg)
            flags &= (uint8_t)~(TCP_FIN | TCP_PSH);
        if (i > 0)
            flags &= (uint8_t)~TCP_CWR;
        d[l4 + 13] = flags;
        uint32_t tcp_len = s->len - l4;
        wr16(d + l4 + 16, net_csum_fold(addrs + IPPROTO_TCP_ + tcp_len));
        s->csum = NET_CSUM_PARTIAL;
        s->csum_start = (uint16_t)l4;
        s->csum_offset = 16;
        out[i] = s;
    }
    return (int)nseg;
fail:
    while (i--)
        net_buf_put(out[i]);
    return -ENOMEM;
}
