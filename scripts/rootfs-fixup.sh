#!/usr/bin/env bash
# Versioned fix-ups of make rootfs's cached image, applied without building the image again.
#
# scripts/make-rootfs.sh caches an image under a key that hashes that script, so any change to
# it means a new debootstrap and a new second stage inside mvisor (11 min on a quiet host, over
# an hour on a loaded one). Changes that only drop configuration files into a finished system
# live here instead: this script copies the cached raw image (sparse), edits the copy with
# debugfs (no mount, no root file system code), checks it with e2fsck -fn, makes the qcow2 copy,
# and keeps both in the cache next to the image they came from, in fix-VERSION/, VERSION being
# a hash of the files written and the debugfs commands that write them. Changing a fix-up makes
# a new fix-VERSION/ from the same cached image in seconds; the cached image itself is never
# written.
#
#   scripts/rootfs-fixup.sh STOCKDIR OUTDIR
#
# STOCKDIR is make-rootfs.sh's OUTDIR (its base.img links to the cached image); OUTDIR
# (build/rootfs) gets base.img and base.qcow2, links to the fixed images, and disk.qcow2, a qcow2
# overlay over base.img for booting by hand (made once, kept while the base stays the same).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/guest-lib.sh

(($# == 2)) || die "usage: $0 STOCKDIR OUTDIR"
stock=$1 out=$2
src=$(readlink -f "$stock/base.img") || die "no $stock/base.img (scripts/make-rootfs.sh $stock)"
dir=$(dirname "$src")
[[ -f $src && -f $dir/complete ]] || die "$src is not a finished make-rootfs.sh image"
mkdir -p "$out"
exec 9>"$GUEST_CACHE/rootfs/.lock"
flock 9

# The files the fix-ups write, as PATH<TAB>CONTENT-FILE lines in $work/files (built below).
add_file() { # add_file PATH: the file's content on stdin
    local n
    n=$(wc -l <"$work/files")
    cat >"$work/content.$n"
    printf '%s\t%s\n' "$1" "$work/content.$n" >>"$work/files"
}

fixups() {
    # 1. A boot on a crowded host. udevd can be starved for minutes of guest real time; systemd
    # then gave up on the console's device ("Timed out waiting for device dev-ttyS0.device",
    # then "Dependency failed for ... Serial Getty on ttyS0") and no login prompt ever came.
    # systemd 252 reads a device's wait from DefaultDeviceTimeoutSec= (90 s), and only from
    # system.conf or system.conf.d (systemd.default_timeout_start_sec= on the kernel command
    # line did not cover it). The stock image's mvisor-timeout.conf (DefaultTimeoutStartSec,
    # make-rootfs.sh) is replaced by one with every wait systemd applies to the boot and to the
    # power-off: the last drop-in read wins, so one file holds them all.
    add_file /etc/systemd/system.conf.d/mvisor-timeout.conf <<'EOF'
# Written by mvisor's scripts/rootfs-fixup.sh: a boot on a crowded host may take many minutes.
[Manager]
DefaultDeviceTimeoutSec=900s
DefaultTimeoutStartSec=900s
DefaultTimeoutStopSec=300s
EOF
    # udevd ends a rule's program that runs longer than event_timeout (180 s) and the device is
    # then never announced to systemd. udev 252 reads only /etc/udev/udev.conf (udev.conf.d came
    # in 256), so the stock file (all comments) is replaced.
    add_file /etc/udev/udev.conf <<'EOF'
# Written by mvisor's scripts/rootfs-fixup.sh (the stock file set nothing): a starved udevd
# worker must not be killed half way through a device's rules.
event_timeout=900
EOF
    # The daemons the boot waits for ping systemd's watchdog every 3 min (WatchdogSec=3min in
    # their units); a daemon starved that long is killed and restarted mid-boot. Off here.
    local unit
    for unit in systemd-udevd systemd-journald systemd-logind; do
        add_file "/etc/systemd/system/$unit.service.d/mvisor-no-watchdog.conf" <<'EOF'
# Written by mvisor's scripts/rootfs-fixup.sh: no watchdog kill when the host is crowded.
[Service]
WatchdogSec=0
EOF
    done
}

# VERSION: a hash of what the fix-ups write (paths and contents) and of how (the debugfs
# commands below, work directory left out), so that a change elsewhere in this script makes no
# new image.
work=$(mktemp -d "$dir/.fix.XXXXXX")
trap 'rm -rf "$work"' EXIT
: >"$work/files"
fixups
# debugfs writes a file into its current directory by name: cd there, remove any old file, write
# the new one, owned by root, mode 0644.
while IFS=$'\t' read -r path content; do
    parent=${path%/*} name=${path##*/} p=""
    IFS=/ read -ra parts <<<"${parent#/}"
    for part in "${parts[@]}"; do
        p+=/$part
        echo "mkdir $p"
    done
    echo "cd $parent"
    echo "rm $name"
    echo "write $content $name"
    echo "sif $name mode 0100644"
    echo "sif $name uid 0"
    echo "sif $name gid 0"
    echo "cd /"
done <"$work/files" >"$work/debugfs.cmds"
version=$( { sed "s|$work/||" "$work/debugfs.cmds"; while IFS=$'\t' read -r path content; do
    echo "$path"; cat "$content"; done <"$work/files"; } | sha256sum | cut -c1-12)
fix=$dir/fix-$version
if [[ ! -f $fix/complete ]]; then
    rm -rf "$fix"
    cp --sparse=always "$src" "$work/rootfs.img"
    # mkdir of an existing directory and rm of a missing file only complain; every file is read
    # back below.
    debugfs -w -f "$work/debugfs.cmds" "$work/rootfs.img" >"$work/debugfs.log" 2>&1 ||
        die "debugfs could not edit the image ($(tail -n 3 "$work/debugfs.log"))"
    while IFS=$'\t' read -r path content; do
        cmp -s <(debugfs -R "cat $path" "$work/rootfs.img" 2>/dev/null) "$content" ||
            die "$path does not read back from the fixed image"
    done <"$work/files"
    e2fsck -fn "$work/rootfs.img" >"$work/fsck.log" 2>&1 ||
        die "e2fsck -fn finds errors in the fixed image: $(tail -n 5 "$work/fsck.log")"
    qemu-img convert -f raw -O qcow2 "$work/rootfs.img" "$work/rootfs.qcow2"
    mkdir -p "$fix"
    cut -f1 "$work/files" >"$fix/files"
    mv "$work/rootfs.img" "$work/rootfs.qcow2" "$work/fsck.log" "$fix/"
    touch "$fix/complete"
    echo "rootfs: fix-ups $version applied to a copy of $src: $(tr '\n' ' ' <"$fix/files")"
fi

# The links and the overlay as make-rootfs.sh's link_outputs makes them for the stock image (that
# script cannot call shared code without changing its key, so the few lines are repeated): a
# user's overlay stays until removed, a new base gets a new one, swapped in whole.
for f in img qcow2; do ln -sfn "$fix/rootfs.$f" "$out/base.$f"; done
if [[ $(cat "$out/disk.qcow2.base" 2>/dev/null) != "$fix/rootfs.img" || ! -f $out/disk.qcow2 ]]; then
    qemu-img create -q -f qcow2 -b "$fix/rootfs.img" -F raw "$out/disk.qcow2.new"
    mv -f "$out/disk.qcow2.new" "$out/disk.qcow2"
    echo "$fix/rootfs.img" >"$out/disk.qcow2.base"
fi
echo "rootfs: $out/base.img -> $fix/rootfs.img (fix-ups $version)"
