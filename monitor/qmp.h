/* monitor/ internal: the QMP control socket (monitor/qmp.c). */
#ifndef MVISOR_QMP_H
#define MVISOR_QMP_H

#include <stddef.h>

struct vm;
struct qmp_server;

/* mvisor's version, as query-version and the greeting report it (QEMU's shape). */
#define MVISOR_VERSION_MAJOR 0
#define MVISOR_VERSION_MINOR 1
#define MVISOR_VERSION_MICRO 0

/* Listens on the unix socket at path (nothing runs yet); -errno with a message. */
int qmp_server_open(struct qmp_server **out, const char *path, char *err, size_t errlen);
/* Adds a VM the server controls (before qmp_server_start); its events go to the client. */
int qmp_server_add_vm(struct qmp_server *s, struct vm *vm);
/* Starts the server thread. */
int qmp_server_start(struct qmp_server *s);
/* Sends what is queued (the last events) to the client, closes it, stops the thread, removes
 * the socket and frees s. Call after the VMs' runs ended and before they are destroyed. */
void qmp_server_stop(struct qmp_server *s);

/* The network cards (monitor/qmp_net.c): set_link on the card whose netdev is name (-ENOENT if
 * none), and query-nics' list. */
#include <jansson.h>
#include <stdbool.h>
int qmp_net_set_link(struct vm *vm, const char *name, bool up);
json_t *qmp_net_query_nics(struct vm *vm);
/* The balloon (monitor/qmp_balloon.c): a new size in bytes (-ENODEV without a balloon), and
 * query-balloon's and query-balloon-stats' answers (NULL without a balloon). */
#include <stdint.h>
int qmp_balloon_set(struct vm *vm, uint64_t bytes);
json_t *qmp_balloon_query(struct vm *vm);
json_t *qmp_balloon_query_stats(struct vm *vm);
/* query-numa's answer for the monitor's VMs (monitor/qmp_numa.c). */
json_t *qmp_numa_query(struct vm **vms, unsigned n);
/* numa-set-node's work (monitor/qmp_numa.c): NULL, or why not. */
const char *qmp_numa_set_node(struct vm *vm, json_t *args);

#endif
