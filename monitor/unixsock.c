/*
 * Unix-domain listening sockets as QEMU's character devices spell them:
 * `unix:PATH,server=on,wait=off`, or the older `unix:PATH,server,nowait`
 * (QEMU util/qemu-sockets.c and chardev/char-socket.c accept both). mvisor
 * is always the server and never waits for a client before starting the
 * guest, so server=off and wait=on are refused rather than half-supported.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "monitor/unixsock.h"

/* QEMU's boolean spellings (qapi/qmp/qbool, util/qemu-option.c parse_option_bool). */
static int parse_bool(const char *v, bool *out)
{
    if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "y")) {
        *out = true;
        return 0;
    }
    if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "n")) {
        *out = false;
        return 0;
    }
    return -EINVAL;
}

int unixsock_parse(const char *spec, char *path, size_t pathlen, char *err, size_t errlen)
{
    struct sockaddr_un sun;
    if (strncmp(spec, "unix:", 5)) {
        snprintf(err, errlen, "'%s' is not a unix socket (unix:PATH,server=on,wait=off)", spec);
        return -EINVAL;
    }
    const char *p = spec + 5, *comma = strchr(p, ',');
    size_t n = comma ? (size_t)(comma - p) : strlen(p);
    if (n == 0) {
        snprintf(err, errlen, "'%s' names no socket path", spec);
        return -EINVAL;
    }
    if (n >= sizeof(sun.sun_path) || n >= pathlen) {
        snprintf(err, errlen, "socket path in '%s' is too long (at most %zu bytes)", spec,
                 sizeof(sun.sun_path) - 1);
        return -EINVAL;
    }
    memcpy(path, p, n);
    path[n] = 0;
    bool server = false, wait = true;
    while (comma) {
        const char *opt = comma + 1;
        comma = strchr(opt, ',');
        size_t len = comma ? (size_t)(comma - opt) : strlen(opt);
        char o[32];
        if (len == 0 || len >= sizeof(o)) {
            snprintf(err, errlen, "bad option list in '%s'", spec);
            return -EINVAL;
        }
        memcpy(o, opt, len);
        o[len] = 0;
        char *eq = strchr(o, '=');
        if (eq)
            *eq++ = 0;
        int rc = 0;
        if (!strcmp(o, "server"))
            rc = eq ? parse_bool(eq, &server) : (server = true, 0);
        else if (!strcmp(o, "wait"))
            rc = eq ? parse_bool(eq, &wait) : (wait = true, 0);
        else if (!strcmp(o, "nowait") && !eq)
            wait = false;
        else {
            snprintf(err, errlen, "unsupported socket option '%.*s' in '%s' (server=on,wait=off)", (int)len,
                     opt, spec);
            return -EINVAL;
        }
        if (rc < 0) {
            snprintf(err, errlen, "'%.*s' in '%s' needs on or off", (int)len, opt, spec);
            return -EINVAL;
        }
    }
    if (!server || wait) {
        snprintf(err, errlen, "'%s': mvisor only listens without waiting for a client (add server=on,wait=off)",
                 spec);
        return -EINVAL;
    }
    return 0;
}

int unixsock_listen(const char *path, char *err, size_t errlen)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    struct stat st;
    snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
    /* A socket left by an earlier run is replaced, as QEMU does; anything else stays. */
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            snprintf(err, errlen, "%s exists and is not a socket", path);
            return -EEXIST;
        }
        unlink(path);
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "socket: %s", strerror(e));
        return -e;
    }
    /* The socket controls the VM (QMP) or is its console: only its owner may connect, whatever
     * the umask (bind makes it 0777 & ~umask). It is bound under a temporary name, narrowed and
     * listening before it is renamed to PATH: a client that waits for PATH to exist and then
     * connects is never refused (a slow start, e.g. under a sanitizer, left a window between
     * bind and listen), and no connection is ever accepted while the mode is wider. */
    char tmp[sizeof(sun.sun_path)];
    int n = snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
    const char *at = (n > 0 && (size_t)n < sizeof(tmp)) ? tmp : path;
    snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", at);
    if (at != path)
        unlink(at);
    if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || chmod(at, 0600) < 0 || listen(fd, 8) < 0 ||
        (at != path && rename(at, path) < 0)) {
        int e = errno;
        snprintf(err, errlen, "cannot listen on %s: %s", path, strerror(e));
        if (at != path)
            unlink(at);
        close(fd);
        return -e;
    }
    return fd;
}
