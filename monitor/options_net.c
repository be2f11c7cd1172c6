/*
 * The network options, in QEMU's spellings (QEMU docs "-netdev", "-nic", "-device"):
 *
 *   -netdev user,id=ID[,hostfwd=[tcp|udp]:[HADDR]:HPORT-[GADDR]:GPORT]...[,restrict=on|off]
 *   -netdev switch,id=ID,switch=NAME      (mvisor's own: a switch shared inside the monitor)
 *   -netdev socket,id=ID,listen=[ADDR]:PORT | connect=ADDR:PORT | udp=ADDR:PORT,localaddr=ADDR:PORT
 *   -device virtio-net-pci,netdev=ID[,mac=52:54:00:xx:xx:xx][,addr=SLOT][,csum=on|off]
 *           [,guest_csum=on|off][,host_tso4=on|off][,host_tso6=on|off][,guest_tso4=on|off]
 *           [,guest_tso6=on|off][,mrg_rxbuf=on|off][,romfile=F]
 *           [,disable-modern=on][,disable-legacy=off][,id=ID]
 *   -nic user|switch|socket[,model=virtio-net-pci][,mac=M][,BACKEND OPTIONS]   -nic none
 *
 * romfile= is accepted and ignored (there is no option ROM to run on a Malta), as are the
 * disable-modern=on / disable-legacy=off that QEMU needs for a legacy-only device: the device
 * is always legacy. The model of a -nic is virtio-net-pci (the only card; "virtio" is QEMU's
 * short name for it too). A -netdev may come before or after the -device naming it; each is
 * used by one card at most. Every bad option is one message.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/options.h"

static int nfail(char *err, size_t errlen, int kind, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int nfail(char *err, size_t errlen, int kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return kind;
}

/* Checksum offload, TSO and mergeable receive buffers on unless turned off, as QEMU's
 * defaults: checksum offload alone did not pay between two of our guests, but TSO, which needs
 * it, cut the host CPU per GiB between two guests on a switch by 2.5x, and mergeable buffers
 * spare the guest the 16 MiB of 64 KiB receive buffers it posts for TSO without them (README.md,
 * "Networking: make bench-net"). */
#define NIC_DEFAULTS .slot = -1, .csum = true, .guest_csum = true, .host_tso4 = true, .host_tso6 = true, \
                     .guest_tso4 = true, .guest_tso6 = true, .mrg_rxbuf = true

/* The card's offload switch named k, NULL if k names none. */
static bool *nic_tso_flag(struct vm_nic *nic, const char *k)
{
    return !strcmp(k, "host_tso4") ? &nic->host_tso4 : !strcmp(k, "host_tso6") ? &nic->host_tso6
         : !strcmp(k, "guest_tso4") ? &nic->guest_tso4 : !strcmp(k, "guest_tso6") ? &nic->guest_tso6
         : !strcmp(k, "mrg_rxbuf") ? &nic->mrg_rxbuf : NULL;
}

static const struct netdev_config *find_netdev(const struct vm_config *cfg, const char *id)
{
    for (unsigned i = 0; i < cfg->nnetdevs; i++)
        if (!strcmp(cfg->netdevs[i].id, id))
            return &cfg->netdevs[i];
    return NULL;
}

#define NET_MAX_ITEMS 32

/* The backend's items of one -netdev (type first); the id is given separately for a -nic. */
static int parse_netdev(struct vmopt *o, char **items, unsigned nitems, const char *opt, const char *nic_id,
                        char *err, size_t errlen)
{
    struct vm_config *cfg = &o->cfg;
    if (cfg->nnetdevs >= VM_MAX_NETDEVS)
        return nfail(err, errlen, VMOPT_BAD, "%s: at most %d network backends", opt, VM_MAX_NETDEVS);
    const char *type = nitems ? items[0] : NULL;
    struct netdev_config nd = {.id = nic_id};
    if (type && !strcmp(type, "user"))
        nd.type = NETDEV_USER;
    else if (type && !strcmp(type, "switch"))
        nd.type = NETDEV_SWITCH;
    else if (type && !strcmp(type, "socket"))
        nd.type = NETDEV_SOCKET;
    else
        return nfail(err, errlen, VMOPT_USAGE, "%s: unsupported type '%s' (user, switch or socket)", opt,
                     type ? type : "");
    bool local_given = false;
    for (unsigned i = 1; i < nitems; i++) {
        char *item = items[i], *eq = strchr(item, '=');
        if (!eq)
            return nfail(err, errlen, VMOPT_USAGE, "%s: '%s' is not key=value", opt, item);
        *eq = 0;
        const char *k = item, *v = eq + 1;
        if (!strcmp(k, "id") && !nic_id) {
            if (!vmopt_id_ok(v))
                return nfail(err, errlen, VMOPT_USAGE, "%s: id '%s': 1 to 64 letters, digits, '.', '_' or '-'", opt, v);
            nd.id = v;
        } else if (nd.type == NETDEV_USER && !strcmp(k, "hostfwd")) {
            if (nd.nhostfwd >= NETDEV_MAX_HOSTFWD)
                return nfail(err, errlen, VMOPT_BAD, "%s: at most %d hostfwd=", opt, NETDEV_MAX_HOSTFWD);
            char e[200];
            if (!netdev_parse_hostfwd(v, &nd.hostfwd[nd.nhostfwd], e, sizeof(e)))
                return nfail(err, errlen, VMOPT_USAGE, "%s: %s", opt, e);
            nd.nhostfwd++;
        } else if (nd.type == NETDEV_USER && !strcmp(k, "restrict")) {
            if (!vmopt_parse_bool(v, &nd.restricted))
                return nfail(err, errlen, VMOPT_USAGE, "%s: restrict=%s (on or off)", opt, v);
        } else if (nd.type == NETDEV_SWITCH && !strcmp(k, "switch")) {
            if (!vmopt_id_ok(v))
                return nfail(err, errlen, VMOPT_USAGE, "%s: switch '%s': 1 to 64 letters, digits, '.', '_' or '-'", opt, v);
            nd.switch_name = v;
        } else if (nd.type == NETDEV_SOCKET &&
                   (!strcmp(k, "listen") || !strcmp(k, "connect") || !strcmp(k, "udp"))) {
            if (nd.sock_mode)
                return nfail(err, errlen, VMOPT_USAGE, "%s: exactly one of listen=, connect= or udp=", opt);
            nd.sock_mode = !strcmp(k, "listen")    ? NETDEV_SOCKET_LISTEN
                           : !strcmp(k, "connect") ? NETDEV_SOCKET_CONNECT
                                                   : NETDEV_SOCKET_UDP;
            if (!netdev_parse_hostport(v, &nd.sock_addr, &nd.sock_port) ||
                (nd.sock_mode != NETDEV_SOCKET_LISTEN && !nd.sock_addr))
                return nfail(err, errlen, VMOPT_USAGE, "%s: %s=%s is not ADDR:PORT (an IPv4 address%s)", opt, k, v,
                             nd.sock_mode == NETDEV_SOCKET_LISTEN ? " or none" : "");
        } else if (nd.type == NETDEV_SOCKET && !strcmp(k, "localaddr")) {
            if (!netdev_parse_hostport(v, &nd.sock_local_addr, &nd.sock_local_port))
                return nfail(err, errlen, VMOPT_USAGE, "%s: localaddr=%s is not ADDR:PORT", opt, v);
            local_given = true;
        } else {
            return nfail(err, errlen, VMOPT_USAGE, "%s: unknown parameter '%s' for type %s (%s)", opt, k, type,
                         nd.type == NETDEV_USER     ? "id, hostfwd, restrict"
                         : nd.type == NETDEV_SWITCH ? "id, switch"
                                                    : "id, listen, connect, udp, localaddr");
        }
    }
    if (!nd.id)
        return nfail(err, errlen, VMOPT_USAGE, "%s needs id=", opt);
    if (nd.type == NETDEV_SWITCH && !nd.switch_name)
        return nfail(err, errlen, VMOPT_USAGE, "%s: type switch needs switch=NAME", opt);
    if (nd.type == NETDEV_SOCKET && !nd.sock_mode)
        return nfail(err, errlen, VMOPT_USAGE, "%s: type socket needs listen=, connect= or udp= (QEMU's mcast= and fd= are not supported)", opt);
    if (nd.type == NETDEV_SOCKET && (nd.sock_mode == NETDEV_SOCKET_UDP) != local_given)
        return nfail(err, errlen, VMOPT_USAGE, "%s: localaddr= goes with udp=, and only with it", opt);
    if (find_netdev(cfg, nd.id))
        return nfail(err, errlen, VMOPT_USAGE, "%s: id '%s' is used twice", opt, nd.id);
    cfg->netdevs[cfg->nnetdevs++] = nd;
    return 0;
}

/* Splits spec into at most NET_MAX_ITEMS items (",," undone). */
static int split(const char *spec, char **items, unsigned *n, const char *opt, char *err, size_t errlen)
{
    char *s = strdup(spec), *item;
    if (!s)
        return nfail(err, errlen, VMOPT_BAD, "out of memory");
    *n = 0;
    while ((item = vmopt_next_item(&s))) {
        if (*n == NET_MAX_ITEMS)
            return nfail(err, errlen, VMOPT_USAGE, "%s: more than %d parameters", opt, NET_MAX_ITEMS);
        items[(*n)++] = item;
    }
    return 0;
}

int vmopt_parse_netdev(struct vmopt *o, const char *spec, char *err, size_t errlen)
{
    char *items[NET_MAX_ITEMS];
    unsigned n;
    int rc = split(spec, items, &n, "-netdev", err, errlen);
    return rc < 0 ? rc : parse_netdev(o, items, n, "-netdev", NULL, err, errlen);
}

/* 52:54:00:12:34:56: six hexadecimal bytes, unicast. */
static int parse_mac(const char *v, uint8_t mac[6], const char *opt, char *err, size_t errlen)
{
    unsigned b[6];
    char tail;
    if (sscanf(v, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6 ||
        strlen(v) != 17)
        return nfail(err, errlen, VMOPT_USAGE, "%s: mac=%s is not six bytes like 52:54:00:12:34:56", opt, v);
    if (b[0] & 1)
        return nfail(err, errlen, VMOPT_USAGE, "%s: mac=%s is a multicast address", opt, v);
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)b[i];
    return 0;
}

static int add_nic(struct vm_config *cfg, const struct vm_nic *nic, const char *opt, char *err, size_t errlen)
{
    if (cfg->nnics >= VM_MAX_NICS)
        return nfail(err, errlen, VMOPT_BAD, "%s: at most %d network cards", opt, VM_MAX_NICS);
    for (unsigned i = 0; i < cfg->nnics; i++)
        if (!strcmp(cfg->nics[i].netdev, nic->netdev))
            return nfail(err, errlen, VMOPT_USAGE, "%s: netdev '%s' is used by two cards", opt, nic->netdev);
    cfg->nics[cfg->nnics++] = *nic;
    return 0;
}

/* The key=value items after "virtio-net-pci" in s. */
int vmopt_parse_net_device(struct vmopt *o, char *s, char *err, size_t errlen)
{
    const char *opt = "-device virtio-net-pci";
    struct vm_nic nic = {NIC_DEFAULTS};
    char *item;
    while ((item = vmopt_next_item(&s))) {
        char *eq = strchr(item, '=');
        if (!eq)
            return nfail(err, errlen, VMOPT_USAGE, "%s: '%s' is not key=value", opt, item);
        *eq = 0;
        const char *k = item, *v = eq + 1;
        bool b;
        if (!strcmp(k, "netdev")) {
            nic.netdev = v;
        } else if (!strcmp(k, "mac")) {
            int rc = parse_mac(v, nic.mac, opt, err, errlen);
            if (rc < 0)
                return rc;
            nic.mac_given = true;
        } else if (!strcmp(k, "addr")) {
            int rc = vmopt_parse_addr(v, &nic.slot, err, errlen);
            if (rc < 0)
                return rc;
        } else if (!strcmp(k, "csum") || !strcmp(k, "guest_csum")) {
            if (!vmopt_parse_bool(v, !strcmp(k, "csum") ? &nic.csum : &nic.guest_csum))
                return nfail(err, errlen, VMOPT_USAGE, "%s: %s=%s (on or off)", opt, k, v);
        } else if (nic_tso_flag(&nic, k)) {
            if (!vmopt_parse_bool(v, nic_tso_flag(&nic, k)))
                return nfail(err, errlen, VMOPT_USAGE, "%s: %s=%s (on or off)", opt, k, v);
            nic.guest_tso_given |= !strncmp(k, "guest_tso", 9);
        } else if (!strcmp(k, "romfile") || !strcmp(k, "id")) {
            /* no option ROM on a Malta; ids of devices name nothing here */
        } else if (!strcmp(k, "disable-modern")) {
            if (!vmopt_parse_bool(v, &b) || !b)
                return nfail(err, errlen, VMOPT_USAGE, "%s: disable-modern=%s (the device is legacy only: on)", opt, v);
        } else if (!strcmp(k, "disable-legacy")) {
            if (!vmopt_parse_bool(v, &b) || b)
                return nfail(err, errlen, VMOPT_USAGE, "%s: disable-legacy=%s (the device is legacy only: off)", opt, v);
        } else {
            return nfail(err, errlen, VMOPT_USAGE, "%s: unknown parameter '%s' (netdev, mac, addr, csum, guest_csum, host_tso4, host_tso6, guest_tso4, guest_tso6, mrg_rxbuf, romfile)", opt, k);
        }
    }
    if (!nic.netdev)
        return nfail(err, errlen, VMOPT_USAGE, "%s needs netdev=ID", opt);
    return add_nic(&o->cfg, &nic, opt, err, errlen);
}

int vmopt_parse_nic(struct vmopt *o, const char *spec, char *err, size_t errlen)
{
    const char *opt = "-nic";
    if (!strcmp(spec, "none"))
        return 0;
    char *items[NET_MAX_ITEMS], *backend[NET_MAX_ITEMS];
    unsigned n, nb = 0;
    int rc = split(spec, items, &n, opt, err, errlen);
    if (rc < 0)
        return rc;
    /* The card's own keys go to the card, the rest (type first) to its backend. */
    struct vm_nic nic = {NIC_DEFAULTS};
    for (unsigned i = 0; i < n; i++) {
        char *item = items[i];
        if (i && !strncmp(item, "model=", 6)) {
            const char *m = item + 6;
            if (strcmp(m, "virtio-net-pci") && strcmp(m, "virtio"))
                return nfail(err, errlen, VMOPT_USAGE, "-nic: unsupported model=%s (virtio-net-pci)", m);
        } else if (i && !strncmp(item, "mac=", 4)) {
            rc = parse_mac(item + 4, nic.mac, opt, err, errlen);
            if (rc < 0)
                return rc;
            nic.mac_given = true;
        } else if (i && (!strncmp(item, "id=", 3) || !strncmp(item, "netdev=", 7))) {
            return nfail(err, errlen, VMOPT_USAGE, "-nic: '%s' belongs to -netdev (-nic makes its own)", item);
        } else {
            backend[nb++] = item;
        }
    }
    char *id;
    if (asprintf(&id, "nic#%u", o->cfg.nnics) < 0)
        return nfail(err, errlen, VMOPT_BAD, "out of memory");
    rc = parse_netdev(o, backend, nb, opt, id, err, errlen);
    if (rc < 0)
        return rc;
    nic.netdev = id;
    return add_nic(&o->cfg, &nic, opt, err, errlen);
}

int vmopt_check_net(const struct vm_config *cfg, char *err, size_t errlen)
{
    for (unsigned i = 0; i < cfg->nnics; i++)
        if (!find_netdev(cfg, cfg->nics[i].netdev))
            return nfail(err, errlen, VMOPT_USAGE, "-device virtio-net-pci: no -netdev with id '%s'", cfg->nics[i].netdev);
    return 0;
}

void vmopt_nic_mac(const struct vm_config *cfg, unsigned i, uint8_t mac[6])
{
    if (cfg->nics[i].mac_given) {
        memcpy(mac, cfg->nics[i].mac, 6);
        return;
    }
    /* QEMU's locally administered prefix 52:54:00, then 24 bits of FNV-1a over the VM's name and
     * the card's index: stable across runs, different for clones and for a VM's cards. */
    const char *name = cfg->name ? cfg->name : "vm0";
    uint32_t h = 2166136261u;
    for (const char *c = name; *c; c++)
        h = (h ^ (uint8_t)*c) * 16777619u;
    h = (h ^ (uint8_t)('0' + i)) * 16777619u;
    mac[0] = 0x52;
    mac[1] = 0x54;
    mac[2] = 0x00;
    mac[3] = (uint8_t)(h >> 16);
    mac[4] = (uint8_t)(h >> 8);
    mac[5] = (uint8_t)h;
}
