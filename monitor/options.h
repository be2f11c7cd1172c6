/* monitor/ internal: the options that describe one VM (monitor/options.c). */
#ifndef MVISOR_OPTIONS_H
#define MVISOR_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "monitor/monitor.h"

/* A VM's name: -name, a config file's "name", or a clone's: 1 to this many characters. */
#define VMOPT_NAME_MAX 64

/* Error returns of vmopt_parse and vmopt_check: a usage error (the command line adds a pointer
 * to --help) or any other bad value. */
#define VMOPT_USAGE (-1)
#define VMOPT_BAD (-2)

/* One VM's options as parsed so far. */
struct vmopt {
    struct vm_config cfg;
    struct dbt_trace trace;  /* --trace, parsed (trace.on false: off) */
    bool serial_given;       /* -serial (else the monitor picks ttyS0's place) */
    bool weight_given;       /* --weight */
    bool name_given;         /* -name */
    const char *base_dir;    /* relative paths resolve against it; NULL: as given */
};

/* Defaults: the Malta board, 256 MiB, the default TLB; base_dir as above. */
void vmopt_init(struct vmopt *o, const char *base_dir);
/*
 * If argv[*i] is a per-VM option (-opt and --opt alike), takes it and its argument (advancing
 * *i) and returns 1; returns 0 if it is not one (a monitor-wide option, or unknown); or
 * VMOPT_USAGE / VMOPT_BAD with a message in err. Strings the options keep point into argv or
 * are allocated (paths resolved against base_dir), and live as long as the process.
 */
int vmopt_parse(struct vmopt *o, int argc, char *const *argv, int *i, char *err, size_t errlen);
/* What can only be checked once every option is known: a kernel, the testbench's limits. */
int vmopt_check(const struct vmopt *o, char *err, size_t errlen);
/* -drive and -device (monitor/options_disk.c): VMOPT_USAGE / VMOPT_BAD with a message. */
int vmopt_parse_drive(struct vmopt *o, const char *spec, char *err, size_t errlen);
int vmopt_parse_device(struct vmopt *o, const char *spec, char *err, size_t errlen);
/* The PCI slot of each disk: explicit addr= first, the others filling 0x12-0x15, 0xb, 0xc. */
int vmopt_disk_slots(const struct vm_config *cfg, int slots[VM_MAX_DISKS], char *err, size_t errlen);
/* The same for disks and network cards together (the cards after the disks). */
int vmopt_pci_slots(const struct vm_config *cfg, int disk_slots[VM_MAX_DISKS], int nic_slots[VM_MAX_NICS], char *err,
                    size_t errlen);
/* The shared key=value syntax: the next item of *s (",," undone; NULL at the end), on/off,
 * an id, a PCI addr= (monitor/options_disk.c). */
char *vmopt_next_item(char **s);
bool vmopt_parse_bool(const char *v, bool *out);
bool vmopt_id_ok(const char *s);
int vmopt_parse_addr(const char *v, int *slot, char *err, size_t errlen);
/* -netdev, -nic and -device virtio-net-pci (monitor/options_net.c; s: the items after the
 * driver name); VMOPT_USAGE / VMOPT_BAD with a message. */
int vmopt_parse_netdev(struct vmopt *o, const char *spec, char *err, size_t errlen);
int vmopt_parse_nic(struct vmopt *o, const char *spec, char *err, size_t errlen);
int vmopt_parse_net_device(struct vmopt *o, char *s, char *err, size_t errlen);
/* -device virtio-balloon-pci (monitor/options_balloon.c; s: the items after the driver name). */
int vmopt_parse_balloon_device(struct vmopt *o, char *s, char *err, size_t errlen);
/* The balloon's PCI slot (explicit, or the next free one after the disks and cards), or -1 with
 * a message if none is left. */
int vmopt_balloon_slot(const struct vm_config *cfg, char *err, size_t errlen);
/* Every card's netdev exists. */
int vmopt_check_net(const struct vm_config *cfg, char *err, size_t errlen);
/* Card i's MAC: mac= or derived from the VM's name. */
void vmopt_nic_mac(const struct vm_config *cfg, unsigned i, uint8_t mac[6]);
/* 1 (and the file) if a and b (or two disks of one VM, a == b) use one image and at least one
 * of them writes it. */
int vmopt_shared_writable(const struct vm_config *a, const struct vm_config *b, const char **file);
/* Whether s is a valid VM name (1..VMOPT_NAME_MAX letters, digits, '.', '_', '-'). */
bool vmopt_name_ok(const char *s);

/* Whether a is one of the monitor's own options (the command line's only, never a VM's). */
bool vmopt_monitor_wide(const char *a);

#endif
