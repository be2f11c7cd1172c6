/*
 * The guest's IPv4 fragments, reassembled here so that libslirp ("-netdev user") never sees one.
 *
 * Debian 12's libslirp (4.7.0) crashes the process on fragments that arrive out of order: a
 * last fragment (offset above 0, More Fragments clear) for which no reassembly has begun is
 * enough, and so is one that overlaps the end of what came before (found by
 * tests/fuzz/fuzz_slirp.c; its regression inputs are tests/fuzz/corpus/slirp/regress-*). A
 * guest with a raw socket could take the monitor down with one frame. Passing only "safe"
 * fragments is not enough either: slirp drops some first fragments on its own (restrict=on,
 * addresses outside its network), and a later fragment of such a datagram finds no queue.
 *
 * So the fragments of a datagram are collected here, in order only, as a normal stack sends
 * them: a first fragment (offset 0, MF set, a payload that is a whole number of 8-byte units),
 * then each next one at exactly the offset where the last one ended, until the one with MF
 * clear; then the whole datagram goes to slirp as one unfragmented packet (the first
 * fragment's header, MF and offset cleared, the total length and checksum made new). Any
 * other fragment, one with a bad header checksum, or one that would make the datagram longer
 * than 65535 bytes is dropped, and so is a datagram not complete within IPFRAG_GUARD_TTL_NS.
 * At most IPFRAG_GUARD_SLOTS datagrams are collected at once.
 *
 * IPv4 header fields and fragmentation: RFC 791, 3.1 and 3.2; the header checksum: RFC 1071.
 */
#include <stdlib.h>
#include <string.h>

#include "devices/net/internal.h"

#define ETH_TYPE_IPV4 0x0800
#define IP_MF 0x2000
#define IP_OFFMASK 0x1FFF
#define IP_MAX 65535u

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void put_be16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint16_t header_sum(const uint8_t *h, unsigned hlen)
{
    uint32_t s = 0;
    for (unsigned i = 0; i < hlen; i += 2)
        s += be16(h + i);
    while (s >> 16)
        s = (s & 0xFFFF) + (s >> 16);
    return (uint16_t)~s;
}

static struct ipfrag_datagram *find(struct ipfrag_guard *g, const uint8_t *ip)
{
    for (unsigned i = 0; i < IPFRAG_GUARD_SLOTS; i++) {
        struct ipfrag_datagram *d = &g->d[i];
        if (d->buf && d->id == be16(ip + 4) && d->proto == ip[9] && !memcmp(d->addrs, ip + 12, 8))
            return d;
    }
    return NULL;
}

static void forget(struct ipfrag_datagram *d)
{
    free(d->buf);
    memset(d, 0, sizeof(*d));
}

void ipfrag_guard_fini(struct ipfrag_guard *g)
{
    for (unsigned i = 0; i < IPFRAG_GUARD_SLOTS; i++)
        forget(&g->d[i]);
    free(g->out);
    g->out = NULL;
}

static enum ipfrag_verdict drop(struct ipfrag_guard *g, struct ipfrag_datagram *d)
{
    if (d)
        forget(d);
    g->dropped++;
    return IPFRAG_DROP;
}

enum ipfrag_verdict ipfrag_guard_input(struct ipfrag_guard *g, const uint8_t *frame, uint32_t len, int64_t now_ns,
                                       const uint8_t **out, uint32_t *out_len)
{
    if (len < NET_ETH_HLEN + 20 || be16(frame + 12) != ETH_TYPE_IPV4)
        return IPFRAG_PASS;
    const uint8_t *ip = frame + NET_ETH_HLEN;
    unsigned hlen = (ip[0] & 0xF) * 4u, total = be16(ip + 2), off = be16(ip + 6);
    if (!(off & (IP_MF | IP_OFFMASK)))
        return IPFRAG_PASS; /* not a fragment: slirp judges it */
    for (unsigned i = 0; i < IPFRAG_GUARD_SLOTS; i++)
        if (g->d[i].buf && now_ns - g->d[i].started_ns > IPFRAG_GUARD_TTL_NS)
            forget(&g->d[i]);
    if ((ip[0] >> 4) != 4 || hlen < 20 || total < hlen || total > len - NET_ETH_HLEN || header_sum(ip, hlen))
        return drop(g, NULL);
    unsigned at = (off & IP_OFFMASK) * 8u, payload = total - hlen;
    bool more = off & IP_MF;
    struct ipfrag_datagram *d = find(g, ip);
    if (at == 0) {
        /* a first fragment starts a datagram (a second first one ends the old one too) */
        if (d || !more || payload % 8)
            return drop(g, d);
        for (unsigned i = 0; i < IPFRAG_GUARD_SLOTS && !d; i++)
            if (!g->d[i].buf)
                d = &g->d[i];
        if (!d)
            return drop(g, NULL); /* as many datagrams under way as slots */
        d->buf = malloc(NET_ETH_HLEN + IP_MAX);
        if (!d->buf)
            return drop(g, NULL);
        d->id = be16(ip + 4);
        d->proto = ip[9];
        memcpy(d->addrs, ip + 12, 8);
        d->started_ns = now_ns;
        d->hlen = hlen;
        memcpy(d->buf, frame, NET_ETH_HLEN + total); /* Ethernet and IP headers, first payload */
        d->next = payload;
        return IPFRAG_HELD;
    }
    if (!d || at != d->next || (more && (payload % 8 || payload == 0)) || d->hlen + at + payload > IP_MAX)
        return drop(g, d);
    memcpy(d->buf + NET_ETH_HLEN + d->hlen + at, ip + hlen, payload);
    d->next += payload;
    if (more)
        return IPFRAG_HELD;
    /* complete: one packet, the first fragment's header without MF and offset */
    uint32_t n = NET_ETH_HLEN + d->hlen + d->next;
    free(g->out);
    g->out = d->buf;
    d->buf = NULL;
    forget(d);
    uint8_t *h = g->out + NET_ETH_HLEN;
    put_be16(h + 2, n - NET_ETH_HLEN);
    put_be16(h + 6, be16(h + 6) & ~(IP_MF | IP_OFFMASK));
    put_be16(h + 10, 0);
    put_be16(h + 10, header_sum(h, (h[0] & 0xF) * 4u));
    *out = g->out;
    *out_len = n;
    return IPFRAG_WHOLE;
}
