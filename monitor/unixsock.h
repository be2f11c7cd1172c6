/* monitor/ internal: QEMU-style unix socket specs (-qmp, -serial) and listening sockets. */
#ifndef MVISOR_UNIXSOCK_H
#define MVISOR_UNIXSOCK_H

#include <stddef.h>

/* Parses "unix:PATH,server=on,wait=off" (or QEMU's older "unix:PATH,server,nowait"; the options
 * in any order) into path. Returns 0, or -EINVAL with a message for the user on err. */
int unixsock_parse(const char *spec, char *path, size_t pathlen, char *err, size_t errlen);
/* Binds and listens on a unix socket at path (an old socket file there is replaced; any other
 * file is an error); returns a non-blocking, close-on-exec fd or -errno with a message. */
int unixsock_listen(const char *path, char *err, size_t errlen);

#endif
