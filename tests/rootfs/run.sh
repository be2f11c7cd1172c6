#!/usr/bin/env bash
# Suite "rootfs-long" (make check-long only): the Debian root file system of make rootfs booted
# end to end by tests/rootfs/rootfs_test.py: systemd to `login:`, `dpkg -l | wc -l` against the
# image's dpkg status file read on the host, `dpkg -i` of bzip2's .deb from a second disk, a
# clean `poweroff`, then the overlay checked on the host (qemu-img check, e2fsck, the package
# on disk, the base unchanged).
#
#   tests/rootfs/run.sh [--mvisor BIN] [--suite NAME]
#
# Needs build/rootfs/base.img (make check-long runs make rootfs first: cached, or a build of an
# hour or more) and bzip2's mipsel .deb in ${MVISOR_CACHE:-~/.cache/mvisor}/bench-debs/ (fetched
# there with apt-get download if missing, as make bench-disk does). A missing one fails the case.
# Scratch files go to build/tests/rootfs-long/, transcripts to build/test-logs/rootfs-long/.
cd "$(dirname "$0")/../.."
. tests/lib.sh

B=${B:-build}
MVISOR=$B/mvisor
SUITE_NAME=rootfs-long
while (($#)); do
    case $1 in
    --mvisor) MVISOR=$2; shift 2 ;;
    --suite) SUITE_NAME=$2; shift 2 ;;
    *) echo "usage: $0 [--mvisor BIN] [--suite NAME]" >&2; exit 2 ;;
    esac
done

suite_begin "$SUITE_NAME"
W=$B/tests/$SUITE_NAME
rm -rf "$W"
mkdir -p "$W"
debs=${MVISOR_CACHE:-$HOME/.cache/mvisor}/bench-debs
mkdir -p "$debs"
deb=$(ls "$debs"/bzip2_*_mipsel.deb 2>/dev/null | head -n 1)
if [[ -z $deb ]]; then
    (cd "$debs" && apt-get download -q -o APT::Sandbox::User=root bzip2:mipsel >/dev/null 2>&1) || true
    deb=$(ls "$debs"/bzip2_*_mipsel.deb 2>/dev/null | head -n 1)
fi
if [[ ! -e $B/rootfs/base.img ]]; then
    TEST_LOG=
    test_fail boot-dpkg "no $B/rootfs/base.img (make rootfs)"
elif [[ -z $deb ]]; then
    TEST_LOG=
    test_fail boot-dpkg "no bzip2 mipsel .deb in $debs and apt-get download failed"
else
    run_test boot-dpkg 1800 python3 tests/rootfs/rootfs_test.py --monitor "$MVISOR" \
        --kernel "$B/guest/vmlinuz" --initrd "$B/initramfs.cpio.gz" --base "$B/rootfs/base.img" \
        --deb "$deb" --work "$W" --log-dir "$SUITE_DIR"
fi
suite_end
