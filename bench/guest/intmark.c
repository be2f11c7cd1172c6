/*
 * intmark: an integer benchmark with CoreMark's shape, written for mvisor's
 * benchmarks (CoreMark itself is not used). Each iteration runs four kernels
 * over about 2 KiB of data, the mix CoreMark chose to resemble embedded
 * integer code: a linked list (search, reversal, merge sort), 16x16 matrix
 * arithmetic, a state machine classifying number tokens, and CRC-16 over the
 * results. Every iteration's inputs depend on the previous iteration's CRC,
 * so no work can be hoisted out of the loop and the final checksum covers
 * every iteration. Invariants the kernels must keep (sorted orders, a matrix
 * sum identity, token counts) are checked inside the program; bench/run.py
 * also compares the checksum with the native build's for the same arguments.
 * Pointer values never enter the checksum, so 32- and 64-bit builds agree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wl.h"

#define LIST_N 96
#define LIST_FINDS 8
#define MAT_N 16
#define SM_LEN 256

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

/* CRC-16/CCITT (polynomial 0x1021), bit by bit as small embedded code does it. */
static uint16_t crc16_u8(uint16_t crc, uint8_t b)
{
    crc ^= (uint16_t)(b << 8);
    for (int i = 0; i < 8; i++)
        crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    return crc;
}

static uint16_t crc16_u16(uint16_t crc, uint16_t v)
{
    return crc16_u8(crc16_u8(crc, (uint8_t)v), (uint8_t)(v >> 8));
}

static uint16_t crc16_u32(uint16_t crc, uint32_t v)
{
    return crc16_u16(crc16_u16(crc, (uint16_t)v), (uint16_t)(v >> 16));
}

static int failures;

static void check(int ok, const char *what, unsigned long iter)
{
    if (!ok && failures++ < 5)
        fprintf(stderr, "intmark: invariant broken: %s (iteration %lu)\n", what, iter);
}

/* ---- linked list ---------------------------------------------------------------------- */

struct node {
    struct node *next;
    uint16_t key;
    uint16_t idx;
};

static struct node pool[LIST_N];

static struct node *list_build(uint32_t *seed)
{
    for (int i = 0; i < LIST_N; i++) {
        pool[i].idx = (uint16_t)i;
        pool[i].key = (uint16_t)(lcg(seed) & 0x3FFF);
        pool[i].next = i + 1 < LIST_N ? &pool[i + 1] : NULL;
    }
    return &pool[0];
}

static struct node *list_reverse(struct node *h)
{
    struct node *prev = NULL;
    while (h) {
        struct node *n = h->next;
        h->next = prev;
        prev = h;
        h = n;
    }
    return prev;
}

static struct node *list_find(struct node *h, uint16_t key)
{
    while (h && h->key != key)
        h = h->next;
    return h;
}

static int node_before(const struct node *a, const struct node *b, int by_key)
{
    if (by_key)
        return a->key < b->key || (a->key == b->key && a->idx <= b->idx);
    return a->idx <= b->idx;
}

/* Bottom-up merge sort: runs of width 1, 2, 4, ... merged until one run is left. */
static struct node *list_sort(struct node *h, int by_key)
{
    for (int width = 1;; width *= 2) {
        struct node *p = h, *tail = NULL;
        int merges = 0;
        h = NULL;
        while (p) {
            merges++;
            struct node *q = p;
            int psize = 0, qsize = width;
            while (psize < width && q) {
                psize++;
                q = q->next;
            }
            while (psize > 0 || (qsize > 0 && q)) {
                struct node *e;
                if (psize == 0) {
                    e = q, q = q->next, qsize--;
                } else if (qsize == 0 || !q || node_before(p, q, by_key)) {
                    e = p, p = p->next, psize--;
                } else {
                    e = q, q = q->next, qsize--;
                }
                if (tail)
                    tail->next = e;
                else
                    h = e;
                tail = e;
            }
            p = q;
        }
        if (tail)
            tail->next = NULL;
        if (merges <= 1)
            return h;
    }
}

static uint16_t list_kernel(struct node **head, uint16_t crc, unsigned long iter)
{
    struct node *h = *head;
    uint16_t found = 0;
    for (int j = 0; j < LIST_FINDS; j++) {
        /* Half the searched keys come from the list itself, half are arbitrary. */
        uint16_t key = (j & 1) ? (uint16_t)((crc + j * 0x1357u) & 0x3FFF) : pool[(crc + j) % LIST_N].key;
        struct node *n = list_find(h, key);
        crc = crc16_u16(crc, n ? n->idx : 0xFFFF);
        found += n != NULL;
        h = list_reverse(h);
    }
    check(found >= LIST_FINDS / 2, "keys taken from the list are found", iter);

    h = list_sort(h, 1);
    int n = 0;
    for (struct node *p = h; p; p = p->next, n++) {
        if (p->next)
            check(p->key <= p->next->key, "sorted by key", iter);
        if ((n & 7) == 0)
            crc = crc16_u16(crc, p->key);
    }
    check(n == LIST_N, "sort keeps every node", iter);

    /* Data changes every iteration: one key flips bits chosen by the running CRC. */
    pool[crc % LIST_N].key ^= (uint16_t)((crc >> 4) & 0x3FFF);

    h = list_sort(h, 0);
    n = 0;
    for (struct node *p = h; p; p = p->next, n++)
        check(p->idx == n, "sorted back by index", iter);
    check(n == LIST_N, "second sort keeps every node", iter);
    *head = h;
    return crc;
}

/* ---- matrices ------------------------------------------------------------------------- */

static int16_t mat_a[MAT_N][MAT_N], mat_b[MAT_N][MAT_N];
static int32_t mat_c[MAT_N][MAT_N];

static void mat_init(uint32_t *seed)
{
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) {
            mat_a[i][j] = (int16_t)((lcg(seed) & 0xFF) - 128);
            mat_b[i][j] = (int16_t)((lcg(seed) & 0xFF) - 128);
        }
}

static uint16_t mat_kernel(uint16_t crc, unsigned long iter)
{
    int16_t val = (int16_t)((crc & 0x7F) + 1);
    int64_t sum = 0;

    /* A * constant */
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) {
            mat_c[i][j] = (int32_t)mat_a[i][j] * val;
            sum += mat_c[i][j];
        }
    crc = crc16_u32(crc, (uint32_t)sum);

    /* A += constant, then A * vector (B's column chosen by the CRC) */
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++)
            mat_a[i][j] = (int16_t)(mat_a[i][j] + val);
    int col = crc % MAT_N;
    for (int i = 0; i < MAT_N; i++) {
        int32_t acc = 0;
        for (int k = 0; k < MAT_N; k++)
            acc += (int32_t)mat_a[i][k] * mat_b[k][col];
        crc = crc16_u32(crc, (uint32_t)acc);
    }

    /* A * B, checked by sum(C) = sum_k colsum_k(A) * rowsum_k(B) */
    sum = 0;
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) {
            int32_t acc = 0;
            for (int k = 0; k < MAT_N; k++)
                acc += (int32_t)mat_a[i][k] * mat_b[k][j];
            mat_c[i][j] = acc;
            sum += acc;
        }
    int64_t ident = 0;
    for (int k = 0; k < MAT_N; k++) {
        int64_t ca = 0, rb = 0;
        for (int i = 0; i < MAT_N; i++) {
            ca += mat_a[i][k];
            rb += mat_b[k][i];
        }
        ident += ca * rb;
    }
    check(sum == ident, "matrix product sum identity", iter);
    crc = crc16_u32(crc, (uint32_t)sum);
    for (int i = 0; i < MAT_N; i++)
        crc = crc16_u32(crc, (uint32_t)mat_c[i][(i + col) % MAT_N]);

    /* bit fields of the product */
    uint32_t bits = 0;
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) {
            uint32_t c = (uint32_t)mat_c[i][j];
            bits += ((c >> 2) & 0xF) * ((c >> 5) & 0x7F);
        }
    crc = crc16_u32(crc, bits);

    /* restore A, so it stays bounded */
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++)
            mat_a[i][j] = (int16_t)(mat_a[i][j] - val);
    /* ...except for one element, so the next iteration's product differs */
    mat_b[crc % MAT_N][(crc >> 4) % MAT_N] = (int16_t)((crc & 0xFF) - 128);
    return crc;
}

/* ---- state machine -------------------------------------------------------------------- */

enum sm_state { S_START, S_SIGN, S_ZERO, S_INT, S_DOT, S_FRAC, S_EXP0, S_EXPS, S_EXP, S_HEX0, S_HEX, S_BAD, S_COUNT };
enum sm_class { C_INT, C_HEX, C_FLOAT, C_SCI, C_BAD, C_COUNT };

static char sm_buf[SM_LEN + 1];
static const char sm_alphabet[] = "0123456789.,xe-+af";

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }

static enum sm_state sm_step(enum sm_state s, char c)
{
    switch (s) {
    case S_START:
        if (c == '0') return S_ZERO;
        if (is_digit(c)) return S_INT;
        if (c == '-' || c == '+') return S_SIGN;
        if (c == '.') return S_DOT;
        return S_BAD;
    case S_SIGN:
        if (is_digit(c)) return S_INT;
        if (c == '.') return S_DOT;
        return S_BAD;
    case S_ZERO:
        if (c == 'x') return S_HEX0;
        /* fall through */
    case S_INT:
        if (is_digit(c)) return S_INT;
        if (c == '.') return S_FRAC;
        if (c == 'e') return S_EXP0;
        return S_BAD;
    case S_DOT:
        return is_digit(c) ? S_FRAC : S_BAD;
    case S_FRAC:
        if (is_digit(c)) return S_FRAC;
        if (c == 'e') return S_EXP0;
        return S_BAD;
    case S_EXP0:
        if (c == '-' || c == '+') return S_EXPS;
        return is_digit(c) ? S_EXP : S_BAD;
    case S_EXPS:
    case S_EXP:
        return is_digit(c) ? S_EXP : S_BAD;
    case S_HEX0:
    case S_HEX:
        return is_hex(c) ? S_HEX : S_BAD;
    default:
        return S_BAD;
    }
}

static enum sm_class sm_class_of(enum sm_state s)
{
    switch (s) {
    case S_ZERO:
    case S_INT: return C_INT;
    case S_HEX: return C_HEX;
    case S_FRAC: return C_FLOAT;
    case S_EXP: return C_SCI;
    default: return C_BAD;
    }
}

/* Classifies every ','-separated token; returns the number of tokens. */
static int sm_scan(unsigned counts[C_COUNT], unsigned transitions[S_COUNT])
{
    enum sm_state s = S_START;
    int tokens = 0;
    for (const char *p = sm_buf;; p++) {
        if (*p == ',' || *p == 0) {
            counts[sm_class_of(s)]++;
            tokens++;
            if (*p == 0)
                return tokens;
            s = S_START;
            continue;
        }
        enum sm_state n = sm_step(s, *p);
        transitions[n] += n != s;
        s = n;
    }
}

static void sm_init(uint32_t *seed)
{
    static const char *const samples[] = {"0", "17", "-45", "0x1f", "3.25", "-.5", "6e3", "1.5e-7", "0x", "1x2", "+", "99"};
    int n = 0;
    while (n < SM_LEN) {
        const char *t = samples[lcg(seed) % (sizeof(samples) / sizeof(samples[0]))];
        for (; *t && n < SM_LEN; t++)
            sm_buf[n++] = *t;
        if (n < SM_LEN)
            sm_buf[n++] = ',';
    }
    sm_buf[SM_LEN] = 0;
}

static uint16_t sm_kernel(uint16_t crc, unsigned long iter)
{
    for (int pass = 0; pass < 2; pass++) {
        unsigned counts[C_COUNT] = {0}, transitions[S_COUNT] = {0};
        int tokens = sm_scan(counts, transitions);
        int commas = 0;
        for (int i = 0; i < SM_LEN; i++)
            commas += sm_buf[i] == ',';
        unsigned total = 0;
        for (int c = 0; c < C_COUNT; c++) {
            total += counts[c];
            crc = crc16_u16(crc, (uint16_t)counts[c]);
        }
        check(tokens == commas + 1 && total == (unsigned)tokens, "every token classified once", iter);
        for (int s = 0; s < S_COUNT; s++)
            crc = crc16_u16(crc, (uint16_t)transitions[s]);
        /* Between the passes, the input is edited at places the CRC chooses. */
        if (pass == 0)
            for (int k = 0; k < 4; k++)
                sm_buf[(crc >> (k * 2)) % SM_LEN] = sm_alphabet[(crc >> (k * 3)) % (sizeof(sm_alphabet) - 1)];
    }
    return crc;
}

/* ---- driver --------------------------------------------------------------------------- */

int cmd_intmark(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: wl intmark ITERATIONS [SEED]\n");
        return 2;
    }
    unsigned long iters = (unsigned long)wl_arg_u64("intmark", argv[1]);
    uint32_t seed = argc > 2 ? (uint32_t)wl_arg_u64("intmark", argv[2]) : 0x3415u;

    struct node *head = list_build(&seed);
    mat_init(&seed);
    sm_init(&seed);

    /* The workload's markers come from here, around the loop alone, so that the host times
     * the computation (not the exec of this program) and compares it with the native build. */
    char *mark_begin[] = {"mark", "intmark", "begin", NULL}, *mark_end[] = {"mark", "intmark", "end", NULL};
    fflush(stdout);
    cmd_mark(3, mark_begin);
    uint64_t t0 = wl_now_ns();
    uint16_t crc = (uint16_t)seed;
    uint32_t sum = 2166136261u;
    for (unsigned long it = 0; it < iters; it++) {
        crc = list_kernel(&head, crc, it);
        crc = mat_kernel(crc, it);
        crc = sm_kernel(crc, it);
        sum = (sum ^ crc) * 16777619u;
    }
    uint64_t ns = wl_now_ns() - t0;
    cmd_mark(3, mark_end);
    printf("intmark iterations=%lu checksum=0x%08x check=%s elapsed_ns=%llu it_per_s=%.1f\n", iters,
           (unsigned)sum, failures ? "FAIL" : "ok", (unsigned long long)ns,
           ns ? (double)iters * 1e9 / (double)ns : 0.0);
    return failures ? 1 : 0;
}
