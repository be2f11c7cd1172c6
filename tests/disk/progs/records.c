/*
 * The guest side of the disk suite's crash tests (tests/disk/crash_test.py): appends numbered
 * records to DIR/rec.K and, every 8th record, a 32 KiB chunk to DIR/bulk.K, makes each durable
 * (fdatasync, and fsync of the folder once when the files are new) and only then prints
 * "synced N". Whatever the host does to the monitor afterwards (kill -9, a power failure),
 * record N and every record and chunk before it must be there on the next boot.
 *
 *   records DIR K [MAX]       (MAX: stop after MAX records; default: run until killed)
 *
 * Contents are a function of (K, index) only, so the host checks them without a copy:
 * record i is REC_BYTES long, "K:i:" then letters from a small generator seeded by (K, i), then
 * '\n'; chunk j is 32 KiB of words from the generator seeded by (K, 1000000 + j).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REC_BYTES 200
#define CHUNK_BYTES 32768
#define CHUNK_EVERY 8

static unsigned gen_next(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

static void make_record(char *r, unsigned k, unsigned i)
{
    int n = snprintf(r, REC_BYTES, "%u:%u:", k, i);
    unsigned s = k * 2654435761u ^ i;
    for (int p = n; p < REC_BYTES - 1; p++)
        r[p] = (char)('a' + gen_next(&s) % 26);
    r[REC_BYTES - 1] = '\n';
}

static void make_chunk(unsigned char *c, unsigned k, unsigned j)
{
    unsigned s = k * 2654435761u ^ (1000000u + j);
    for (int p = 0; p < CHUNK_BYTES; p += 4) {
        unsigned v = gen_next(&s);
        memcpy(c + p, &v, 4);
    }
}

static int write_all(int fd, const void *buf, size_t len, off_t off)
{
    const char *p = buf;
    while (len) {
        ssize_t n = pwrite(fd, p, len, off);
        if (n <= 0)
            return -1;
        p += n;
        off += n;
        len -= (size_t)n;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: records DIR K [MAX]\n");
        return 2;
    }
    unsigned k = (unsigned)strtoul(argv[2], NULL, 10);
    unsigned max = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 0;
    char path[256];
    snprintf(path, sizeof(path), "%s/rec.%u", argv[1], k);
    int rec = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    snprintf(path, sizeof(path), "%s/bulk.%u", argv[1], k);
    int bulk = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int dir = open(argv[1], O_RDONLY | O_DIRECTORY);
    if (rec < 0 || bulk < 0 || dir < 0) {
        perror("records: open");
        return 1;
    }
    static char r[REC_BYTES];
    static unsigned char chunk[CHUNK_BYTES];
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (unsigned i = 0; !max || i < max; i++) {
        make_record(r, k, i);
        if (write_all(rec, r, REC_BYTES, (off_t)i * REC_BYTES) < 0) {
            perror("records: write");
            return 1;
        }
        if (i % CHUNK_EVERY == 0) {
            make_chunk(chunk, k, i / CHUNK_EVERY);
            if (write_all(bulk, chunk, CHUNK_BYTES, (off_t)(i / CHUNK_EVERY) * CHUNK_BYTES) < 0 ||
                fdatasync(bulk) < 0) {
                perror("records: bulk");
                return 1;
            }
        }
        if (fdatasync(rec) < 0 || (i == 0 && (fsync(bulk) < 0 || fsync(dir) < 0))) {
            perror("records: sync");
            return 1;
        }
        printf("synced %u\n", i);
    }
    return 0;
}
