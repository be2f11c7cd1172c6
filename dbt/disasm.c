/*
 * Human-readable guest code: disassembly for traces and state dumps, and the
 * --trace option that selects what the interpreter traces.
 *
 * Disassembly goes through capstone 4 (MIPS32, little-endian) rather than our
 * own decoder, so a trace shows an independent reading of each word: when the
 * decoder is wrong, the trace does not repeat its mistake. The capstone
 * handle is opened once, on first use, and shared behind a mutex because
 * vCPU threads may trace at the same time. Words capstone does not know are
 * printed as ".word", followed by our decoder's mnemonic when it knows them
 * (a few MIPS32r2 instructions such as rdpgpr are missing from capstone 4).
 *
 * This is never on the hot path: the interpreter only calls it when tracing.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * capstone 4's mips.h uses two of our names: MIPS_OP_INVALID (its "no
 * operand" type) and the tag mips_insn (its enum of instruction ids, which
 * would clash with our struct tag). Rename its copies while it is read.
 */
#define MIPS_OP_INVALID CS_MIPS_OPERAND_INVALID
#define mips_insn cs_mips_insn_id
#include <capstone/capstone.h>
#undef MIPS_OP_INVALID
#undef mips_insn

#include "dbt/dbt.h"

/* The one capstone handle of the process: opened once, used under the lock (capstone's handle is
 * not safe to share unlocked); tracing is never on a hot path. */
static pthread_once_t cs_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t cs_lock = PTHREAD_MUTEX_INITIALIZER;
static csh cs_handle;
static bool cs_ok;

static void cs_open_once(void)
{
    cs_ok = cs_open(CS_ARCH_MIPS, CS_MODE_MIPS32 | CS_MODE_LITTLE_ENDIAN, &cs_handle) == CS_ERR_OK;
}

const char *dbt_disasm(uint32_t word, uint32_t pc, char *buf, size_t len)
{
    if (!buf || len == 0)
        return buf;
    pthread_once(&cs_once, cs_open_once);

    uint8_t bytes[4] = { word & 0xFF, (word >> 8) & 0xFF, (word >> 16) & 0xFF, word >> 24 };
    cs_insn *insn = NULL;
    size_t n = 0;
    if (cs_ok) {
        pthread_mutex_lock(&cs_lock);
        n = cs_disasm(cs_handle, bytes, sizeof(bytes), pc, 1, &insn);
        pthread_mutex_unlock(&cs_lock);
    }
    if (n == 1) {
        snprintf(buf, len, "0x%08" PRIx32 ": %08" PRIx32 "  %s%s%s", pc, word, insn->mnemonic,
                 insn->op_str[0] ? " " : "", insn->op_str);
        cs_free(insn, n);
        return buf;
    }
    if (n)
        cs_free(insn, n);

    struct mips_insn in;
    mips_decode(word, &in);
    if (in.op != MIPS_OP_INVALID)
        snprintf(buf, len, "0x%08" PRIx32 ": %08" PRIx32 "  .word 0x%08" PRIx32 "  # %s", pc,
                 word, word, mips_op_name(in.op));
    else
        snprintf(buf, len, "0x%08" PRIx32 ": %08" PRIx32 "  .word 0x%08" PRIx32, pc, word, word);
    return buf;
}

/*
 * One bound of a range: hex (optional 0x) for PCs, decimal for instruction
 * counts. Only digits are accepted: strtoull alone would also take leading
 * blanks and a minus sign.
 */
static bool parse_bound(const char *s, size_t n, bool hex, uint64_t max, uint64_t *out)
{
    char tmp[32];
    if (n == 0 || n >= sizeof(tmp))
        return false;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    const char *p = tmp;
    if (hex && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        p += 2;
    if (!*p)
        return false;
    for (const char *q = p; *q; q++)
        if (hex ? !isxdigit((unsigned char)*q) : !isdigit((unsigned char)*q))
            return false;
    errno = 0;
    unsigned long long v = strtoull(p, NULL, hex ? 16 : 10);
    if (errno == ERANGE || v > max)
        return false;
    *out = v;
    return true;
}

/*
 * "LO-HI", "LO-" (to the end), "-HI" (from the start) or "N" (just N).
 * Returns false with a message naming the part at fault.
 */
static bool parse_range(const char *key, const char *s, size_t n, bool hex, uint64_t max,
                        uint64_t *lo, uint64_t *hi, char *err, size_t errlen)
{
    const char *what = hex ? "hex address" : "decimal instruction count";
    const char *dash = memchr(s, '-', n);
    if (n == 0) {
        snprintf(err, errlen, "'%s=' needs a range LO-HI", key);
        return false;
    }
    if (!dash) {
        if (!parse_bound(s, n, hex, max, lo)) {
            snprintf(err, errlen, "'%s=%.*s': not a %s", key, (int)n, s, what);
            return false;
        }
        *hi = *lo;
        return true;
    }
    size_t nlo = (size_t)(dash - s), nhi = n - nlo - 1;
    if (nlo == 0 && nhi == 0) {
        snprintf(err, errlen, "'%s=-': give at least one bound of LO-HI", key);
        return false;
    }
    *lo = 0;
    *hi = max;
    if (nlo && !parse_bound(s, nlo, hex, max, lo)) {
        snprintf(err, errlen, "'%s=%.*s': low bound '%.*s' is not a %s%s", key, (int)n, s,
                 (int)nlo, s, what, hex ? " of at most 32 bits" : "");
        return false;
    }
    if (nhi && !parse_bound(dash + 1, nhi, hex, max, hi)) {
        snprintf(err, errlen, "'%s=%.*s': high bound '%.*s' is not a %s%s", key, (int)n, s,
                 (int)nhi, dash + 1, what, hex ? " of at most 32 bits" : "");
        return false;
    }
    if (*lo > *hi) {
        snprintf(err, errlen, "'%s=%.*s': the low bound is above the high bound", key, (int)n, s);
        return false;
    }
    return true;
}

bool dbt_trace_parse(const char *spec, struct dbt_trace *t, char *err, size_t errlen)
{
    struct dbt_trace r = {
        .on = true, .pc_lo = 0, .pc_hi = UINT32_MAX, .icount_lo = 0, .icount_hi = UINT64_MAX,
        .out = t->out ? t->out : stderr,
    };
    bool seen_pc = false, seen_insn = false;
    char dummy[1];
    if (!err || errlen == 0) {
        err = dummy;
        errlen = sizeof(dummy);
    }
    if (!spec) {
        snprintf(err, errlen, "no trace specification");
        return false;
    }
    /* "all" (or nothing) traces every instruction. */
    if (!*spec || !strcmp(spec, "all")) {
        *t = r;
        return true;
    }
    const char *p = spec;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        if (n == 0) {
            snprintf(err, errlen, "empty part in '%s' (expected pc=LO-HI,insn=FROM-TO)", spec);
            return false;
        }
        if (!eq) {
            snprintf(err, errlen, "'%.*s' is not KEY=RANGE (expected pc=LO-HI,insn=FROM-TO)",
                     (int)n, p);
            return false;
        }
        size_t nkey = (size_t)(eq - p), nval = n - nkey - 1;
        if (nkey == 2 && !strncmp(p, "pc", 2)) {
            uint64_t lo, hi;
            if (seen_pc) {
                snprintf(err, errlen, "'pc=' given twice");
                return false;
            }
            if (!parse_range("pc", eq + 1, nval, true, UINT32_MAX, &lo, &hi, err, errlen))
                return false;
            r.pc_lo = (uint32_t)lo;
            r.pc_hi = (uint32_t)hi;
            seen_pc = true;
        } else if (nkey == 4 && !strncmp(p, "insn", 4)) {
            if (seen_insn) {
                snprintf(err, errlen, "'insn=' given twice");
                return false;
            }
            if (!parse_range("insn", eq + 1, nval, false, UINT64_MAX, &r.icount_lo, &r.icount_hi,
                             err, errlen))
                return false;
            seen_insn = true;
        } else {
            snprintf(err, errlen, "unknown key '%.*s' (expected pc=LO-HI,insn=FROM-TO)",
                     (int)nkey, p);
            return false;
        }
        if (!end)
            break;
        p = end + 1;
        if (!*p) {
            snprintf(err, errlen, "trailing ',' in '%s'", spec);
            return false;
        }
    }
    *t = r;
    return true;
}

/* Host (x86-64) code, for translator tests and debugging. */
size_t dbt_disasm_host(const void *code, size_t len,
                       void (*cb)(void *opaque, uint64_t addr, const char *mnemonic, const char *ops), void *opaque)
{
    csh h;
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
        return 0;
    cs_insn *insn;
    size_t n = cs_disasm(h, code, len, (uint64_t)(uintptr_t)code, 0, &insn);
    for (size_t i = 0; i < n; i++)
        cb(opaque, insn[i].address, insn[i].mnemonic, insn[i].op_str);
    if (n)
        cs_free(insn, n);
    cs_close(&h);
    return n;
}
