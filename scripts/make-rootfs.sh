#!/usr/bin/env bash
# Build a Debian 12 (bookworm) mipsel root file system as an ext4 disk image, the second half of
# the work done by mvisor itself:
#   1. on the host, `debootstrap --foreign --arch mipsel` downloads and unpacks the packages
#      (minbase plus systemd-sysv, udev and kmod, so it boots like an installed Debian), and the
#      pinned kernel's modules go to /lib/modules;
#   2. mke2fs -d turns that tree into an ext4 image;
#   3. mvisor boots the pinned kernel and the default initramfs with the image as /dev/vda and
#      `root=/dev/vda rw init=/debootstrap/mvisor-stage2`: that script runs
#      `debootstrap --second-stage` (dpkg unpacks and configures every package), sets the
#      system up (fstab, hostname, root without a password, depmod), checks `dpkg --audit`, and
#      powers off;
#   4. on the host: e2fsck -fn clean, every package in dpkg's status file "install ok
#      installed"; then `qemu-img convert` makes the qcow2 copy.
# The result is cached outside the repository in ${MVISOR_CACHE:-~/.cache/mvisor}/rootfs/KEY/
# (rootfs.img raw, rootfs.qcow2, stage2.log, info), KEY being a hash of this script and the
# pinned kernel: a second run with the same inputs only links the cached image. Debian's
# packages change over time, so an image is what the mirror held when it was built (`info`
# lists every package and version).
#
#   scripts/make-rootfs.sh [--force] [--mvisor BIN] [--timeout SECONDS] OUTDIR
#
# OUTDIR (build/rootfs) gets base.img and base.qcow2, symlinks to the cached images (never write
# to them), and disk.qcow2, a qcow2 overlay over base.img for booting by hand (made once, kept).
# make rootfs runs this script with OUTDIR build/rootfs/stock and then scripts/rootfs-fixup.sh,
# which drops configuration files into a copy of the image and links build/rootfs/ to that copy:
# a change there needs no new build, since this script (the key) stays the same.
# Needs root (debootstrap, and device nodes in the image).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/guest-lib.sh

SUITE=bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
VARIANT=minbase
INCLUDE=systemd-sysv,udev,kmod
SIZE=2G
HOSTNAME_=debian-mvisor

force=0 mvisor=build/mvisor timeout=14400
while (($#)); do
    case $1 in
    --force) force=1; shift ;;
    --mvisor) mvisor=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    -*) die "unknown option $1" ;;
    *) break ;;
    esac
done
(($# == 1)) || die "usage: $0 [--force] [--mvisor BIN] [--timeout SECONDS] OUTDIR"
out=$1
kernel=build/guest/vmlinuz
initrd=build/initramfs.cpio.gz
busybox=build/guest/busybox
for f in "$mvisor" "$kernel" "$initrd" "$busybox"; do
    [[ -f $f ]] || die "no $f (make all guest initramfs)"
done
[[ $(id -u) == 0 ]] || die "debootstrap needs root (run make rootfs as root)"
command -v debootstrap >/dev/null || die "no debootstrap (scripts/install-deps.sh installs it)"

kabi=$(pin KERNEL_ABI)-4kc-malta
# The key: what the image is made of. The mirror is not part of it (any Debian mirror serves the
# same suite), nor mvisor (it runs the second stage; a wrong result is caught by the checks).
# Comment lines are left out, so rewording one does not rebuild the image.
key=$( { grep -v '^[[:space:]]*#' "$0"; pin KERNEL_PKG; pin KERNEL_VERSION; } | sha256sum | cut -c1-16)
dir=$GUEST_CACHE/rootfs/$key
mkdir -p "$GUEST_CACHE/rootfs" "$out"
exec 9>"$GUEST_CACHE/rootfs/.lock"
flock 9

link_outputs() {
    ln -sfn "$dir/rootfs.img" "$out/base.img"
    ln -sfn "$dir/rootfs.qcow2" "$out/base.qcow2"
    # A user's overlay stays until removed; a new base gets a new overlay.
    if [[ ! -f $out/disk.qcow2 || $(cat "$out/disk.qcow2.base" 2>/dev/null) != "$dir/rootfs.img" ]]; then
        rm -f "$out/disk.qcow2"
        qemu-img create -q -f qcow2 -b "$dir/rootfs.img" -F raw "$out/disk.qcow2"
        printf '%s\n' "$dir/rootfs.img" >"$out/disk.qcow2.base"
    fi
    echo "rootfs: $dir/rootfs.img ($(du -h --apparent-size "$dir/rootfs.img" | cut -f1), $(du -h "$dir/rootfs.img" | cut -f1) used; $(sed -n 's/^packages=//p' "$dir/info") packages) -> $out/"
}

if ((!force)) && [[ -f $dir/complete ]]; then
    link_outputs
    exit 0
fi

rm -rf "$dir"
mkdir -p "$dir"
work=$(mktemp -d "$GUEST_CACHE/rootfs/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
tree=$work/tree

# 1. The first stage. Downloads are kept in debs/ (debootstrap --cache-dir) for the next build.
mkdir -p "$GUEST_CACHE/rootfs/debs"
echo "rootfs: debootstrap --foreign ($SUITE, $VARIANT + $INCLUDE) from $MIRROR"
if ! debootstrap --foreign --arch="$GUEST_ARCH" --variant="$VARIANT" --include="$INCLUDE" \
    --cache-dir="$GUEST_CACHE/rootfs/debs" "$SUITE" "$tree" "$MIRROR" >"$dir/stage1.log" 2>&1; then
    tail -n 20 "$dir/stage1.log" >&2
    die "debootstrap's first stage failed (log: $dir/stage1.log)"
fi

# debootstrap --foreign leaves /proc a symlink to the host's /proc (its second stage replaces it).
[[ -L $tree/proc ]] && rm -f "$tree/proc" && mkdir "$tree/proc"

# debootstrap's second stage scans the suite's whole Packages index (about 60 MB for bookworm)
# with Perl or grep at each of its steps (setup_available, the pre-dependency resolution): an
# hour of the guest's time on mvisor before dpkg unpacks anything of the base system. The
# index is cut to the stanzas of the packages the first stage chose (debootstrap/required and
# debootstrap/base, the dependency closure already), which is all those steps look up.
lists=("$tree"/var/lib/apt/lists/*_Packages)
[[ -f ${lists[0]} ]] || die "no Packages index in $tree/var/lib/apt/lists after the first stage"
python3 - "$tree/debootstrap" "${lists[@]}" <<'CUT'
import sys
dbs, indexes = sys.argv[1], sys.argv[2:]
wanted = set(open(f"{dbs}/required").read().split()) | set(open(f"{dbs}/base").read().split())
found = set()
for path in indexes:
    stanzas = [s for s in open(path, encoding="utf-8").read().split("\n\n") if s.strip()]
    keep = [s for s in stanzas if s.startswith("Package: ") and s.split("\n", 1)[0][9:] in wanted]
    found |= {s.split("\n", 1)[0][9:] for s in keep}
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n\n".join(keep) + "\n\n")
    print(f"rootfs: {path.rsplit('/', 1)[1]}: {len(keep)} of {len(stanzas)} stanzas kept")
missing = wanted - found
if missing:
    sys.exit(f"make-rootfs.sh: not in the Packages index: {' '.join(sorted(missing))}")
CUT

# The kernel's modules, so udev in the booted system finds what the running kernel can load.
kdeb=$(fetch_deb "$(pin KERNEL_PKG)" "$(pin KERNEL_VERSION)" "$(pin KERNEL_SHA256)")
dpkg-deb --fsys-tarfile "$kdeb" | tar -x -C "$work" "./lib/modules/$kabi"
mkdir -p "$tree/usr/lib/modules"
mv "$work/lib/modules/$kabi" "$tree/usr/lib/modules/"

# The second stage's driver: run as PID 1 by the initramfs's switch_root, with busybox for the
# shell (nothing in the tree is configured yet).
cp "$busybox" "$tree/debootstrap/busybox"
cat >"$tree/debootstrap/mvisor-stage2" <<STAGE2
#!/debootstrap/busybox sh
# debootstrap's second stage on the first boot of this image (scripts/make-rootfs.sh).
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
# First, move to copies of this script and busybox on /dev, the devtmpfs the initramfs moved
# here (in RAM): debootstrap removes /debootstrap when it succeeds, and nothing on the disk may
# stay open at the end, or the root cannot be remounted read-only (a deleted, open file).
# (Named busybox: a multi-call binary picks its applet by the name it runs under.)
case \$0 in
/dev/*) ;;
*)
    /debootstrap/busybox mkdir -p /dev/.mvisor-stage2
    /debootstrap/busybox cp /debootstrap/busybox /debootstrap/mvisor-stage2 /dev/.mvisor-stage2/
    exec /dev/.mvisor-stage2/busybox sh /dev/.mvisor-stage2/mvisor-stage2
    ;;
esac
bb=/dev/.mvisor-stage2/busybox
finish() { # finish STATUS: report, sync and power off (PID 1 must never exit)
    echo "mvisor-stage2: status=\$1 packages=\$(\$bb grep -c '^Status: install ok installed' /var/lib/dpkg/status)"
    \$bb sync
    \$bb mount -o remount,ro / || echo "mvisor-stage2: cannot remount / read-only"
    \$bb poweroff -f
    while :; do \$bb sleep 3600; done # only if the power-off failed
}
\$bb mount -t proc proc /proc
echo "mvisor-stage2: debootstrap --second-stage on \$(\$bb uname -r)"
\$bb date -u '+mvisor-stage2: start %T'
# No service starts while packages are configured: there is no init system running.
printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
\$bb chmod 755 /usr/sbin/policy-rc.d
/debootstrap/debootstrap --second-stage || finish "second-stage-\$?"
\$bb date -u '+mvisor-stage2: second stage done %T'
\$bb grep -qs ' /proc proc ' /proc/mounts || \$bb mount -t proc proc /proc
rm -f /usr/sbin/policy-rc.d
echo $HOSTNAME_ >/etc/hostname
printf '127.0.0.1\tlocalhost\n127.0.1.1\t$HOSTNAME_\n' >/etc/hosts
printf '/dev/vda\t/\text4\tdefaults,errors=remount-ro\t0\t1\n' >/etc/fstab
# systemd gives a unit, and a device such as ttyS0 for the serial getty, 90 s to start; a boot
# on mvisor on a crowded host took longer (udevd alone over a minute), and the console never got
# its login prompt. (make rootfs then replaces this file in a copy of the image with the waits a
# crowded host needs, DefaultDeviceTimeoutSec among them: scripts/rootfs-fixup.sh, whose changes
# need no new build.)
mkdir -p /etc/systemd/system.conf.d
printf '[Manager]\nDefaultTimeoutStartSec=600s\n' >/etc/systemd/system.conf.d/mvisor-timeout.conf
# Full paths: Debian's static busybox runs its own applets (passwd, depmod, dpkg) before PATH.
/usr/bin/passwd -d root || finish passwd
/usr/sbin/depmod -a $kabi || finish depmod
/usr/bin/apt-get clean
audit=\$(/usr/bin/dpkg --audit 2>&1)
[ -z "\$audit" ] || { echo "\$audit"; finish dpkg-audit; }
/usr/bin/dpkg-query -W -f='\${Package} \${Version}\n' >/debootstrap-packages.txt
\$bb date -u '+mvisor-stage2: end %T'
finish 0
STAGE2
chmod 755 "$tree/debootstrap/mvisor-stage2"

# 2. The image (sparse; ext4 as Debian's installer makes it).
echo "rootfs: mke2fs -d ($SIZE)"
truncate -s "$SIZE" "$work/rootfs.img"
mke2fs -q -t ext4 -L debian-root -d "$tree" "$work/rootfs.img"
rm -rf "$tree"

# 3. The second stage inside mvisor, the console to stage2.log. cache=unsafe: dpkg fsyncs every
# file it unpacks, and a build that stops half way is thrown away anyway (the checks below).
echo "rootfs: debootstrap --second-stage inside $mvisor (log: $dir/stage2.log)"
start=$(date +%s)
set +e
timeout "$timeout" "$mvisor" -M malta -m 256 -kernel "$kernel" -initrd "$initrd" -nographic -no-reboot \
    -append "console=ttyS0 root=/dev/vda rw init=/debootstrap/mvisor-stage2" \
    -drive "file=$work/rootfs.img,format=raw,if=virtio,cache=unsafe" -serial "file:$dir/stage2.log" \
    2>"$dir/stage2.stderr"
rc=$?
set -e
secs=$(($(date +%s) - start))
status=$(sed -n 's/.*mvisor-stage2: status=\([^ ]*\).*/\1/p' "$dir/stage2.log" | tail -n 1)
if [[ $rc != 0 || $status != 0 ]]; then
    tail -n 30 "$dir/stage2.log" >&2
    die "the second stage failed after $secs s (mvisor status $rc, stage2 status '${status:-none}'; logs $dir/stage2.log, $dir/stage2.stderr)"
fi
echo "rootfs: second stage done in $secs s"

# 4. Checks on the host, then the qcow2 copy.
e2fsck -fn "$work/rootfs.img" >"$dir/fsck.log" 2>&1 || die "e2fsck -fn finds errors in the image ($dir/fsck.log)"
debugfs -R 'cat /var/lib/dpkg/status' "$work/rootfs.img" 2>/dev/null >"$work/status"
total=$(grep -c '^Package:' "$work/status")
ok=$(grep -c '^Status: install ok installed' "$work/status")
((total > 0 && ok == total)) || die "dpkg's status file: $ok of $total packages installed and configured"
debugfs -R 'cat /debootstrap-packages.txt' "$work/rootfs.img" 2>/dev/null >"$dir/packages.txt"
qemu-img convert -f raw -O qcow2 "$work/rootfs.img" "$work/rootfs.qcow2"
mv "$work/rootfs.img" "$work/rootfs.qcow2" "$dir/"
{
    echo "suite=$SUITE"
    echo "variant=$VARIANT+$INCLUDE"
    echo "mirror=$MIRROR"
    echo "kernel=$kabi"
    echo "packages=$total"
    echo "stage2_seconds=$secs"
    echo "built=$(date -u +%FT%TZ)"
    echo "mvisor=$(git rev-parse HEAD 2>/dev/null || echo unknown)"
} >"$dir/info"
touch "$dir/complete"
link_outputs
