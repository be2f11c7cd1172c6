#!/usr/bin/env bash
# Build a minimal initramfs: a gzip'd newc cpio holding a static busybox, an /init script and
# the device node /dev/console (char 5,1), written directly in the cpio format, so neither root
# nor fakeroot nor mknod is needed. Reproducible: every mtime is 0 and gzip stores no name/time.
#
#   scripts/make-initramfs.sh BUSYBOX OUTPUT.cpio.gz [PROGRAM...]
#
# /init mounts proc, sysfs and devtmpfs, installs the busybox applet links, loads the disk modules
# if there is a virtio PCI device (virtio-blk, virtio-net and ext4, from modules/ beside BUSYBOX, in
# modules/modules.order; busybox insmod, so a disk on virtio-blk-pci shows up as /dev/vda); with
# root=/dev/vdX on the kernel command line it mounts that disk (ro, or rw if `rw` is given) and
# switch_roots to its init (init=PROGRAM, default /sbin/init). Otherwise it configures eth0 if there
# is one (DHCP with busybox udhcpc, or mvisor.ip= on the command line), prints a banner and
# hands over to busybox init, which starts a shell on the console; `poweroff` (or `poweroff -f`)
# in it powers the board off. Each extra PROGRAM
# (e.g. a static test program) is added as /bin/<its name>.
set -euo pipefail
(($# >= 2)) || { echo "usage: $0 BUSYBOX OUTPUT.cpio.gz [PROGRAM...]" >&2; exit 1; }
busybox=$1
output=$2
shift 2
extra=("$@")
[[ -f $busybox ]] || { echo "make-initramfs: no $busybox (make guest)" >&2; exit 1; }
for p in "${extra[@]}"; do
    [[ -f $p ]] || { echo "make-initramfs: no $p" >&2; exit 1; }
done

ino=1000
# entry NAME MODE(octal) SIZE RDEVMAJOR RDEVMINOR: write one newc header and the padded name.
entry() {
    local name=$1 mode=$2 size=$3 maj=${4:-0} min=${5:-0} namesize pad
    namesize=$((${#name} + 1))
    ino=$((ino + 1))
    printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
        "$ino" $((8#$mode)) 0 0 1 0 "$size" 0 0 "$maj" "$min" "$namesize" 0
    printf '%s\0' "$name"
    pad=$(((4 - (110 + namesize) % 4) % 4))
    head -c "$pad" /dev/zero
}
pad_data() { head -c $(((4 - $1 % 4) % 4)) /dev/zero; }
dir() { entry "$1" 040755 0; }
file() { # file NAME MODE SOURCE
    local size
    size=$(stat -c %s "$3")
    entry "$1" "$2" "$size"
    cat "$3"
    pad_data "$size"
}
symlink() { # symlink NAME TARGET
    entry "$1" 0120777 "${#2}"
    printf '%s' "$2"
    pad_data "${#2}"
}
chardev() { entry "$1" "$2" 0 "$3" "$4"; } # chardev NAME MODE MAJOR MINOR

moddir=$(dirname "$busybox")/modules
[[ -f $moddir/modules.order ]] || { echo "make-initramfs: no $moddir/modules.order (make guest)" >&2; exit 1; }
mapfile -t modules <"$moddir/modules.order"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# Disk drivers, each after its dependencies, only when a virtio PCI function (vendor 1af4) is
# there (loading ext4 costs a boot without disks time for nothing); the PCI probe runs inside
# insmod, so /dev/vda exists once virtio_blk is in.
if grep -qs 0x1af4 /sys/bus/pci/devices/*/vendor; then
    while read -r m; do insmod "/lib/modules/$m.ko" || echo "init: insmod $m failed"; done </lib/modules/modules.order
fi
# root=/dev/vdX on the command line: mount that disk and hand over to its init (init=PROGRAM,
# default /sbin/init), as a distribution's initramfs does; read-only unless `rw` is given, the
# kernel's own default. The kernel keeps root= and init= to itself when it runs /init, so they
# are read from /proc/cmdline.
root= rootfstype=ext4 rootmode=ro rootinit=/sbin/init
for w in $(cat /proc/cmdline); do
    case $w in
    root=*) root=${w#root=} ;;
    rootfstype=*) rootfstype=${w#rootfstype=} ;;
    init=*) rootinit=${w#init=} ;;
    ro | rw) rootmode=$w ;;
    esac
done
if [ -n "$root" ]; then
    # the block device node appears from devtmpfs shortly after the driver probes the disk
    n=0
    while [ ! -b "$root" ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
    mkdir -p /newroot
    if mount -t "$rootfstype" -o "$rootmode" "$root" /newroot; then
        if [ -x "/newroot$rootinit" ] || [ -L "/newroot$rootinit" ]; then
            mount --move /dev /newroot/dev 2>/dev/null || umount /dev
            umount /sys /proc
            exec switch_root /newroot "$rootinit"
        fi
        echo "init: no $rootinit on $root; staying in the initramfs"
        umount /newroot
    else
        echo "init: cannot mount $root ($rootfstype, $rootmode); staying in the initramfs"
    fi
fi
ip link set lo up
# A network card (virtio_net makes eth0): the address from mvisor.ip=ADDR/PREFIX on the kernel
# command line if given (no DHCP server on a switch), else from DHCP (-netdev user), a few
# seconds at most, the lease applied by /etc/udhcpc/default.script.
if [ -e /sys/class/net/eth0 ]; then
    ip link set eth0 up
    static=$(sed -n 's/.*mvisor\.ip=\([0-9./]*\).*/\1/p' /proc/cmdline)
    if [ -n "$static" ]; then
        ip addr add "$static" dev eth0
    else
        udhcpc -i eth0 -q -n -t 3 -T 1 -S >/dev/null 2>&1 || echo "init: no DHCP lease on eth0"
    fi
fi
echo
echo "mvisor initramfs: $(uname -sr) on $(uname -m); 'poweroff' to power off"
# busybox init, so that a plain `poweroff` or `reboot` (which signal PID 1) works as on a real system.
exec /bin/busybox init
INIT
# The shell runs on the real console tty (cttyhack), so it gets job control and Ctrl-C; leaving
# it starts a new one. Shutdown syncs before the board powers off.
# busybox udhcpc's lease script (its default path): address, default route, DNS.
cat >"$tmp/udhcpc.script" <<'UDHCPC'
#!/bin/sh
case $1 in
deconfig) ip addr flush dev "$interface"; ip link set "$interface" up ;;
bound | renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    [ -n "$router" ] && ip route add default via "${router%% *}" dev "$interface"
    : >/etc/resolv.conf
    for d in $dns; do echo "nameserver $d" >>/etc/resolv.conf; done ;;
esac
exit 0
UDHCPC
cat >"$tmp/inittab" <<'TAB'
::respawn:/bin/cttyhack /bin/sh -l
::shutdown:/bin/sync
TAB

{
    dir .
    for d in bin sbin dev etc lib lib/modules mnt proc root sys tmp usr usr/bin usr/sbin; do dir "$d"; done
    for m in "${modules[@]}"; do file "lib/modules/$m.ko" 0100644 "$moddir/$m.ko"; done
    file lib/modules/modules.order 0100644 "$moddir/modules.order"
    chardev dev/console 020600 5 1
    file bin/busybox 0100755 "$busybox"
    symlink bin/sh busybox
    file init 0100755 "$tmp/init"
    file etc/inittab 0100644 "$tmp/inittab"
    dir etc/udhcpc
    file etc/udhcpc/default.script 0100755 "$tmp/udhcpc.script"
    for p in "${extra[@]}"; do file "bin/$(basename "$p")" 0100755 "$p"; done
    entry TRAILER!!! 0 0
} >"$tmp/initramfs.cpio"
mkdir -p "$(dirname "$output")"
gzip -9 -n <"$tmp/initramfs.cpio" >"$output.tmp"
mv "$output.tmp" "$output"
echo "initramfs: $output ($(stat -c %s "$output") bytes)"
