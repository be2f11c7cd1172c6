/*
 * Fuzzing the socket netdev's framing (devices/net/socket.c, QEMU's -netdev socket stream
 * format: each frame behind a 4-byte big-endian length): the input is the byte stream a peer
 * sends, fed to the reader (parse_stream) in pieces whose sizes come from the first input
 * bytes, as recv would cut them. A model of the format written here says what must come out:
 * the frames of 14 to NET_FRAME_MAX bytes, in order and intact (shorter and longer ones
 * dropped), up to the first length above NET_STREAM_MAX, where the reader must give up the
 * connection. Then every delivered frame goes back out through the transmit side to a socket
 * pair, and what the peer reads must be the same frames in the same framing.
 *
 * socket.c is compiled into this harness (its reader is static), so the archive's copy is
 * never linked.
 */
#include "devices/net/socket.c"

#include <stdint.h>

#define MAX_FRAMES 4096

static struct sock_net *s;
static uint32_t got_len[MAX_FRAMES];
static uint64_t got_hash[MAX_FRAMES];
static unsigned got_n;

static uint64_t hash(const uint8_t *p, uint32_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (uint32_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h ^ n;
}

static void receive(void *ctx, struct net_buf *b)
{
    (void)ctx;
    if (got_n < MAX_FRAMES) {
        got_len[got_n] = b->len;
        got_hash[got_n] = hash(b->data, b->len);
    }
    got_n++;
}

static void die(const char *why, unsigned k)
{
    fprintf(stderr, "fuzz_netsocket: %s (frame %u)\n", why, k);
    abort();
}

/* Reads exactly n bytes from fd (a socket pair the transmit side wrote). */
static void read_all(int fd, uint8_t *p, size_t n)
{
    while (n) {
        ssize_t r = recv(fd, p, n, MSG_DONTWAIT);
        if (r <= 0)
            die("the transmitted stream is short", 0);
        p += r;
        n -= (size_t)r;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!s) {
        s = calloc(1, sizeof(*s));
        s->nd.ops = &sock_ops;
        s->mode = SOCK_CONNECT;
        s->fd = s->listen_fd = s->wake_fd = -1;
        pthread_mutex_init(&s->lock, NULL);
        s->out = malloc(OUT_MAX);
        s->nd.port = (struct net_port){.receive = receive};
    }
    if (size < 2)
        return 0;
    s->hdr_got = 0;
    s->frame_len = s->frame_got = 0;
    got_n = 0;
    uint8_t cut = data[0];
    const uint8_t *p = data + 1;
    size_t n = size - 1;

    /* the reader, in pieces */
    bool lost = false;
    for (size_t at = 0, k = 0; at < n && !lost; k++) {
        size_t piece = 1 + ((cut * (k + 7)) % 97) * (cut & 1 ? 1 : 37);
        if (piece > n - at)
            piece = n - at;
        lost = !parse_stream(s, p + at, piece);
        at += piece;
    }

    /* the model */
    unsigned want_n = 0;
    bool model_lost = false;
    for (size_t at = 0; at + 4 <= n;) {
        uint32_t len = (uint32_t)p[at] << 24 | (uint32_t)p[at + 1] << 16 | (uint32_t)p[at + 2] << 8 | p[at + 3];
        at += 4;
        if (len > NET_STREAM_MAX) {
            model_lost = true;
            break;
        }
        if (len > n - at)
            break;
        if (len >= NET_ETH_HLEN && len <= NET_FRAME_MAX) {
            if (want_n < MAX_FRAMES && want_n < got_n &&
                (got_len[want_n] != len || got_hash[want_n] != hash(p + at, len)))
                die("a frame came out changed", want_n);
            want_n++;
        }
        at += len;
    }
    if (lost != model_lost)
        die(lost ? "the reader gave up on a good stream" : "the reader went on past a bad length", want_n);
    if (got_n != want_n)
        die("a different number of frames came out", got_n);

    /* the transmit side: the frames that came in go back out, framed */
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        abort();
    int big = 4 << 20;
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
    setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
    s->fd = sv[0];
    s->out_len = 0;
    unsigned sent = 0;
    for (size_t at = 0; at + 4 <= n && sent < 64;) {
        uint32_t len = (uint32_t)p[at] << 24 | (uint32_t)p[at + 1] << 16 | (uint32_t)p[at + 2] << 8 | p[at + 3];
        at += 4;
        if (len > NET_STREAM_MAX || len > n - at)
            break;
        if (len >= NET_ETH_HLEN && len <= NET_FRAME_MAX) {
            struct net_buf *b = net_buf_new(p + at, len);
            sock_transmit(&s->nd, b);
            net_buf_put(b);
            uint8_t hdr[4], frame[NET_FRAME_MAX];
            read_all(sv[1], hdr, 4);
            uint32_t l = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
            if (l != len)
                die("a transmitted frame's length is wrong", sent);
            read_all(sv[1], frame, l);
            if (memcmp(frame, p + at, l))
                die("a transmitted frame changed", sent);
            sent++;
        }
        at += len;
    }
    s->fd = -1;
    close(sv[0]);
    close(sv[1]);
    return 0;
}
