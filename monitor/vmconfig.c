/*
 * --vm-config FILE: the VMs one monitor runs, as JSON (parsed with jansson).
 *
 *   [
 *     {"name": "web", "options": ["-M", "malta", "-kernel", "vmlinuz", "-append", "console=ttyS0"],
 *      "weight": 200},
 *     {"name": "t1", "options": "-M testbench -kernel prog.elf --deterministic"}
 *   ]
 *
 * A list of VMs; each has a "name" (as -name: what QMP, the consoles and the exit report call
 * it), its "options" in the command line's spelling (monitor/options.c parses both) as a list of
 * strings, or as one string split on blanks when no argument holds one, and an optional
 * "weight" (the scheduler's share, as --weight). Relative paths in the options (-kernel,
 * -initrd, -serial file: and unix:) are taken from the file's folder, so a folder of kernels
 * and its config can move together. Anything else is refused with one line that names the
 * file and the VM: an unknown key, a missing name or kernel, a name used twice, a bad weight,
 * an option that belongs to the whole monitor, an empty list.
 */
#define _GNU_SOURCE /* strdup */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/sched.h"
#include "monitor/vmconfig.h"

#define VMCONFIG_MAX_BYTES (16u << 20) /* a config file larger than this is surely not one */

struct loader {
    const char *path;
    char *err;
    size_t errlen;
};

static int fail(struct loader *l, const char *vm, unsigned index, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(struct loader *l, const char *vm, unsigned index, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (vm)
        snprintf(l->err, l->errlen, "%s: vm \"%s\": %s", l->path, vm, msg);
    else if (index)
        snprintf(l->err, l->errlen, "%s: VM %u (counting from 1): %s", l->path, index, msg);
    else
        snprintf(l->err, l->errlen, "%s: %s", l->path, msg);
    return -EINVAL;
}

/* The whole file, NUL-terminated; NULL with errno. */
static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 >= cap) {
            char *nb = cap >= VMCONFIG_MAX_BYTES ? NULL : realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                errno = cap >= VMCONFIG_MAX_BYTES ? EFBIG : ENOMEM;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - 1 - n, f);
        n += r;
        if (r == 0) {
            if (ferror(f)) {
                int e = errno ? errno : EIO;
                free(buf);
                buf = NULL;
                errno = e;
            }
            break;
        }
    }
    fclose(f);
    if (buf) {
        buf[n] = 0;
        *len = n;
    }
    return buf;
}

/* "options" as a string: split on blanks into a new argument vector. */
static char **split_blanks(const char *s, int *argc)
{
    char *copy = strdup(s);
    size_t words = 0;
    char **argv = copy ? calloc(strlen(s) / 2 + 2, sizeof(*argv)) : NULL;
    if (!argv) {
        free(copy);
        return NULL;
    }
    for (char *save = NULL, *w = strtok_r(copy, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save))
        argv[words++] = w;
    *argc = (int)words;
    return argv;
}

static char **list_args(json_t *list, int *argc)
{
    size_t n = json_array_size(list);
    char **argv = calloc(n + 1, sizeof(*argv));
    if (!argv)
        return NULL;
    for (size_t k = 0; k < n; k++) {
        argv[k] = strdup(json_string_value(json_array_get(list, k)));
        if (!argv[k])
            return NULL;
    }
    *argc = (int)n;
    return argv;
}

static int load_vm(struct loader *l, json_t *e, unsigned index, const char *base_dir, struct vmopt *o)
{
    if (!json_is_object(e))
        return fail(l, NULL, index, "not an object ({\"name\": ..., \"options\": [...]})");
    json_t *jname = json_object_get(e, "name");
    if (!jname)
        return fail(l, NULL, index, "no \"name\"");
    if (!json_is_string(jname) || !vmopt_name_ok(json_string_value(jname)))
        return fail(l, NULL, index, "\"name\" must be 1 to %d letters, digits, '.', '_' or '-'", VMOPT_NAME_MAX);
    const char *name = strdup(json_string_value(jname));
    if (!name)
        return fail(l, NULL, index, "out of memory");
    const char *key;
    json_t *val;
    json_object_foreach(e, key, val) {
        if (strcmp(key, "name") && strcmp(key, "options") && strcmp(key, "weight"))
            return fail(l, name, 0, "unknown key \"%s\" (name, options, weight)", key);
    }

    vmopt_init(o, base_dir);
    json_t *opts = json_object_get(e, "options");
    int argc = 0;
    char **argv = NULL;
    if (json_is_string(opts)) {
        argv = split_blanks(json_string_value(opts), &argc);
    } else if (json_is_array(opts)) {
        for (size_t k = 0; k < json_array_size(opts); k++)
            if (!json_is_string(json_array_get(opts, k)))
                return fail(l, name, 0, "\"options\" must be a list of strings (item %zu is not a string)", k + 1);
        argv = list_args(opts, &argc);
    } else if (opts) {
        return fail(l, name, 0, "\"options\" must be a list of strings, or one string");
    } else {
        return fail(l, name, 0, "no \"options\" (at least -kernel FILE)");
    }
    if (!argv)
        return fail(l, name, 0, "out of memory");
    for (int i = 0; i < argc; i++) {
        char msg[400];
        const char *a = argv[i];
        int rc = vmopt_parse(o, argc, argv, &i, msg, sizeof(msg));
        if (rc < 0)
            return fail(l, name, 0, "%s", msg);
        if (rc > 0)
            continue;
        if (vmopt_monitor_wide(a))
            return fail(l, name, 0, "%s is an option of the whole monitor: give it on the command line", a);
        if (a[0] == '-')
            return fail(l, name, 0, "unsupported option %s", a);
        return fail(l, name, 0, "unexpected argument '%s'", a);
    }
    if (o->name_given)
        return fail(l, name, 0, "-name in \"options\": the VM's name is its \"name\"");
    o->cfg.name = name;

    json_t *w = json_object_get(e, "weight");
    if (w) {
        if (o->weight_given)
            return fail(l, name, 0, "weight given twice (\"weight\" and --weight)");
        if (!json_is_integer(w))
            return fail(l, name, 0, "\"weight\" must be a whole number (%u..%u)", SCHED_WEIGHT_MIN, SCHED_WEIGHT_MAX);
        json_int_t v = json_integer_value(w);
        if (v < SCHED_WEIGHT_MIN || v > SCHED_WEIGHT_MAX)
            return fail(l, name, 0, "weight %" JSON_INTEGER_FORMAT " is out of range (%u..%u)", v, SCHED_WEIGHT_MIN,
                        SCHED_WEIGHT_MAX);
        o->cfg.weight = (unsigned)v;
        o->weight_given = true;
    }
    char msg[400];
    if (vmopt_check(o, msg, sizeof(msg)) < 0)
        return fail(l, name, 0, "%s", msg);
    return 0;
}

static int load(const char *path, unsigned max, struct vmopt **vms, unsigned *n, char *err, size_t errlen)
{
    struct loader l = {path, err, errlen};
    size_t len;
    char *text = read_all(path, &len);
    if (!text) {
        int e = errno;
        fail(&l, NULL, 0, "cannot read: %s", strerror(e));
        return -e;
    }
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    free(text);
    if (!root) {
        snprintf(err, errlen, "%s:%d:%d: bad JSON: %s", path, je.line, je.column, je.text);
        return -EINVAL;
    }
    int rc = -EINVAL;
    char *dir = strdup(path);
    if (!dir) {
        fail(&l, NULL, 0, "out of memory");
        goto out;
    }
    const char *base_dir = dirname(dir); /* kept: the VMs' resolved paths are built from it */
    if (!json_is_array(root)) {
        fail(&l, NULL, 0, "not a list of VMs ([{\"name\": ..., \"options\": [...]}, ...])");
        goto out;
    }
    size_t count = json_array_size(root);
    if (count == 0) {
        fail(&l, NULL, 0, "the list of VMs is empty");
        goto out;
    }
    if (count > max) {
        fail(&l, NULL, 0, "%zu VMs, at most %u", count, max);
        goto out;
    }
    struct vmopt *v = calloc(count, sizeof(*v));
    if (!v) {
        fail(&l, NULL, 0, "out of memory");
        goto out;
    }
    for (size_t k = 0; k < count; k++) {
        if (load_vm(&l, json_array_get(root, k), (unsigned)k + 1, base_dir, &v[k]) < 0) {
            free(v);
            goto out;
        }
        for (size_t j = 0; j < k; j++) {
            if (!strcmp(v[j].cfg.name, v[k].cfg.name)) {
                fail(&l, v[k].cfg.name, 0, "the name is used twice (VMs %zu and %zu, counting from 1)", j + 1, k + 1);
                free(v);
                goto out;
            }
        }
    }
    *vms = v;
    *n = (unsigned)count;
    rc = 0;
out:
    json_decref(root);
    return rc;
}

int vmconfig_load(const char *path, unsigned max, struct vmopt **vms, unsigned *n, char *err, size_t errlen)
{
    int rc = load(path, max, vms, n, err, errlen);
    /* The message quotes the file's strings (keys, options, JSON's own near '...'): a control
     * character in one must not break the one line into several, or into terminal escapes. */
    for (char *c = rc < 0 && err ? err : NULL; c && *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7F)
            *c = '?';
    return rc;
}
