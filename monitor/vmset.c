/*
 * The VMs one monitor runs, around their run: the clones of the command-line VM and their
 * names, each VM's seed, where each VM's ttyS0 goes, and how each ended.
 *
 * Seeds: the seed fixes the initial Count and the rngseed of the YAMON environment, and with
 * them where the guest kernel's KASLR places it (devices/malta/README.md, 1.3), so VMs that should
 * look like N separate boots each draw their own, and one --seed N gives them all the same
 * (which page sharing between VMs later depends on). A deterministic run without --seed keeps
 * seed 0, as a deterministic single run does.
 *
 * Consoles: a terminal cannot be shared, so with several VMs each gets a unix socket to attach
 * to and a log file of everything it printed, both in a run folder of the monitor's.
 */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor/console.h"
#include "monitor/internal.h"
#include "monitor/vmset.h"

int vmset_from_cmdline(struct vmset *s, const struct vmopt *o, unsigned clones, char *err, size_t errlen)
{
    unsigned n = clones ? clones : 1;
    memset(s, 0, sizeof(*s));
    s->v = calloc(n, sizeof(*s->v));
    if (!s->v) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    const char *stem = o->cfg.name ? o->cfg.name : "vm";
    for (unsigned i = 0; i < n; i++) {
        s->v[i].opt = *o;
        s->v[i].log_fd = -1;
    }
    s->n = n; /* from here on vmset_destroy frees what was made, on error too */
    for (unsigned i = 0; i < n && clones; i++) {
        char *name;
        if (asprintf(&name, "%s%u", stem, i) < 0) {
            snprintf(err, errlen, "out of memory");
            return -ENOMEM;
        }
        s->v[i].opt.cfg.name = name;
        s->names_made = i + 1;
        if (!vmopt_name_ok(name)) {
            snprintf(err, errlen, "--clone %u: the clone name %s is longer than %d characters (shorten -name)",
                     clones, name, VMOPT_NAME_MAX);
            return -EINVAL;
        }
    }
    return 0;
}

void vmset_from_list(struct vmset *s, struct vmopt *opts, unsigned n, const char *config)
{
    memset(s, 0, sizeof(*s));
    s->v = calloc(n, sizeof(*s->v));
    if (!s->v) {
        /* Nothing to run: the caller's check of s->n reports it. */
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        s->v[i].opt = opts[i];
        s->v[i].log_fd = -1;
    }
    s->n = n;
    s->config = config;
}

void vmset_draw_seeds(struct vmset *s)
{
    /* Distinct for every VM: the same draw moved by a different odd multiple of the golden ratio. */
    uint64_t base = host_monotonic_ns() ^ ((uint64_t)getpid() << 32);
    for (unsigned i = 0; i < s->n; i++) {
        struct vm_config *cfg = &s->v[i].opt.cfg;
        if (!cfg->seed_given && !cfg->deterministic)
            cfg->seed = base ^ (i * 0x9E3779B97F4A7C15ull);
    }
}

static const char *name_of(const struct vmset *s, unsigned i)
{
    return s->v[i].opt.cfg.name ? s->v[i].opt.cfg.name : "vm0";
}

const char *vmset_where(const struct vmset *s, unsigned i, char *buf, size_t len)
{
    if (s->config)
        snprintf(buf, len, "%s: vm \"%s\": ", s->config, name_of(s, i));
    else if (s->n > 1)
        snprintf(buf, len, "%s: ", name_of(s, i));
    else
        buf[0] = 0;
    return buf;
}

/* Makes the run folder (0700) unless it is there. */
static int make_run_dir(const char *dir, char *err, size_t errlen)
{
    struct stat st;
    if (mkdir(dir, 0700) == 0)
        return 0;
    int e = errno;
    if (e == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
        return 0;
    snprintf(err, errlen, "--run-dir %s: %s", dir, e == EEXIST ? "exists and is not a folder" : strerror(e));
    return -e;
}

int vmset_consoles(struct vmset *s, const char *run_dir, const char *qmp_path, bool *defaulted, char *err,
                   size_t errlen)
{
    char where[200];
    *defaulted = false;
    bool several = s->n > 1 || run_dir;
    bool need_dir = false;
    for (unsigned i = 0; i < s->n; i++)
        need_dir |= several && !s->v[i].opt.serial_given;
    need_dir |= s->need_run_dir;
    if (need_dir && !run_dir) {
        const char *tmp = getenv("TMPDIR");
        char *d;
        if (asprintf(&d, "%s/mvisor-%d", tmp && *tmp ? tmp : "/tmp", (int)getpid()) < 0) {
            snprintf(err, errlen, "out of memory");
            return -ENOMEM;
        }
        run_dir = d;
        *defaulted = true;
    }
    if (need_dir) {
        int rc = make_run_dir(run_dir, err, errlen);
        if (rc < 0) {
            if (*defaulted)
                free((char *)run_dir);
            return rc;
        }
    }
    s->run_dir = need_dir ? run_dir : NULL;
    s->run_dir_ours = need_dir && *defaulted;

    for (unsigned i = 0; i < s->n; i++) {
        struct vmset_vm *v = &s->v[i];
        struct vm_config *cfg = &v->opt.cfg;
        cfg->name_messages = s->n > 1;
        if (v->opt.serial_given || !several)
            continue;
        char *log, *sock;
        if (asprintf(&log, "%s/%s.log", run_dir, name_of(s, i)) < 0 ||
            asprintf(&sock, "%s/%s.sock", run_dir, name_of(s, i)) < 0) {
            snprintf(err, errlen, "out of memory");
            return -ENOMEM;
        }
        /* the socket's path lives as long as the VM (vmset_destroy frees it), the log's not */
        v->made_serial_path = sock;
        if (cfg->machine == MACHINE_MALTA && strlen(sock) >= 108) {
            snprintf(err, errlen, "--run-dir: the console socket %s is too long (at most 107 bytes): choose a "
                     "shorter --run-dir", sock);
            free(log);
            return -EINVAL;
        }
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) {
            int e = errno;
            snprintf(err, errlen, "%s%s: %s", vmset_where(s, i, where, sizeof(where)), log, strerror(e));
            free(log);
            return -e;
        }
        free(log);
        if (cfg->machine == MACHINE_MALTA) {
            cfg->serial = SERIAL_UNIX;
            cfg->serial_path = sock;
            v->log_fd = fd;
        } else {
            /* No UART on the test machine: its test device's characters go to the log. */
            v->log_file = fdopen(fd, "w");
            if (!v->log_file) {
                close(fd);
                snprintf(err, errlen, "out of memory");
                return -ENOMEM;
            }
            cfg->console_out = v->log_file;
            cfg->serial = SERIAL_NONE;
        }
    }

    /* One terminal; and a file or socket has one user. */
    int stdio_vm = -1;
    for (unsigned i = 0; i < s->n; i++) {
        const struct vm_config *cfg = &s->v[i].opt.cfg;
        if (cfg->machine == MACHINE_MALTA && cfg->serial == SERIAL_STDIO) {
            if (stdio_vm >= 0) {
                snprintf(err, errlen, "-serial stdio: only one VM may have the terminal (%s and %s)",
                         name_of(s, (unsigned)stdio_vm), name_of(s, i));
                return -EINVAL;
            }
            stdio_vm = (int)i;
        }
        if (cfg->serial != SERIAL_FILE && cfg->serial != SERIAL_UNIX)
            continue;
        if (qmp_path && !strcmp(qmp_path, cfg->serial_path)) {
            snprintf(err, errlen, "-qmp and -serial cannot share the socket %s", qmp_path);
            return -EINVAL;
        }
        for (unsigned j = 0; j < i; j++) {
            const struct vm_config *o = &s->v[j].opt.cfg;
            if ((o->serial == SERIAL_FILE || o->serial == SERIAL_UNIX) && !strcmp(o->serial_path, cfg->serial_path)) {
                snprintf(err, errlen, "%s and %s cannot share the console %s (give each its own -serial, or none "
                         "and a run folder)", name_of(s, j), name_of(s, i), cfg->serial_path);
                return -EINVAL;
            }
        }
    }
    return 0;
}

void vmset_attach_logs(struct vmset *s)
{
    for (unsigned i = 0; i < s->n; i++)
        if (s->v[i].log_fd >= 0 && s->v[i].vm && s->v[i].vm->console)
            console_set_log(s->v[i].vm->console, s->v[i].log_fd);
}

const char *vmset_exit_reason(const struct vmset *s, unsigned i, int status)
{
    const struct vm *vm = s->v[i].vm;
    switch (status) {
    case 0:
        if (vm->cfg.machine == MACHINE_TESTBENCH)
            return "test passed";
        if (vm->stop_reason == VM_STOP_POWEROFF)
            return "guest powered off";
        /* A reset still pending at the end is a guest reset only under -no-reboot; else the run was
         * quit while the board was about to boot again (a VM resetting in a loop). */
        if (vm->stop_reason == VM_STOP_RESET)
            return vm->cfg.no_reboot ? "guest reset" : "quit";
        return "quit";
    case 2:
        return "guest wedged";
    case 3:
        return vm->cfg.max_insns && vm->vcpu->icount >= vm->cfg.max_insns ? "instruction limit reached"
                                                                          : "timeout";
    case 4:
        return "test failed";
    case 1:
        /* The run's end state tells a signal (shutdown) from a monitor error (internal-error). */
        return vm_ctl_state(&s->v[i].vm->ctl) == VM_STATE_SHUTDOWN ? "stopped by a signal" : "host error";
    default:
        return "host error";
    }
}

/* A default run folder's log that stayed empty says nothing: it goes (fd: the log, still open). */
static void drop_if_empty(const struct vmset *s, unsigned i, int fd)
{
    struct stat st;
    char *log;
    if (!s->run_dir_ours || fstat(fd, &st) < 0 || st.st_size != 0 ||
        asprintf(&log, "%s/%s.log", s->run_dir, name_of(s, i)) < 0)
        return;
    unlink(log);
    free(log);
}

void vmset_destroy(struct vmset *s)
{
    for (unsigned i = 0; i < s->n; i++) {
        struct vmset_vm *v = &s->v[i];
        if (v->vm) {
            vm_destroy(v->vm);
            free(v->vm);
            v->vm = NULL;
        }
        if (v->log_fd >= 0) {
            drop_if_empty(s, i, v->log_fd);
            close(v->log_fd);
        }
        v->log_fd = -1;
        if (v->log_file) {
            fflush(v->log_file);
            drop_if_empty(s, i, fileno(v->log_file));
            fclose(v->log_file);
        }
        v->log_file = NULL;
    }
    /* A default folder left empty (no VM printed anything) goes too; anything else stays. */
    if (s->run_dir_ours) {
        rmdir(s->run_dir);
        free((char *)s->run_dir); /* the default one was made by vmset_consoles */
        s->run_dir = NULL;
    }
    for (unsigned i = 0; i < s->n; i++) {
        free(s->v[i].made_serial_path);
        /* an overlay's path was made for this VM (monitor/overlay.c) */
        struct vm_config *cfg = &s->v[i].opt.cfg;
        for (unsigned k = 0; k < cfg->ndrives; k++)
            if (cfg->drives[k].overlay_made)
                free((char *)cfg->drives[k].file);
    }
    for (unsigned i = 0; i < s->names_made; i++)
        free((char *)s->v[i].opt.cfg.name);
    free(s->v);
    s->v = NULL;
    s->n = s->names_made = 0;
}
