#!/usr/bin/env bash
# The benchmark initramfs: the project's base initramfs (scripts/make-initramfs.sh: busybox,
# /dev/console) followed by a second gzip'd newc archive holding bench/guest/init.sh as /init
# and the static workload program as /bin/wl. The kernel unpacks concatenated archives in order
# and later files replace earlier ones, so the base stays one script's business and this one
# needs no root and no device nodes. Reproducible: mtimes 0, owner 0:0, gzip without name/time.
#
#   bench/make-workload-initramfs.sh BASE.cpio.gz WL OUTPUT.cpio.gz
set -euo pipefail
(($# == 3)) || { echo "usage: $0 BASE.cpio.gz WL OUTPUT.cpio.gz" >&2; exit 1; }
base=$1 wl=$2 output=$3
cd "$(dirname "$0")/.."
for f in "$base" "$wl"; do
    [[ -f $f ]] || { echo "make-workload-initramfs: no $f" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/root/bin" "$tmp/root/mnt"
install -m 0755 bench/guest/init.sh "$tmp/root/init"
install -m 0755 "$wl" "$tmp/root/bin/wl"
find "$tmp/root" -exec touch -h -d @0 {} +
(cd "$tmp/root" && find . -mindepth 1 | LC_ALL=C sort |
    cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -9 -n >"$tmp/overlay.cpio.gz"
mkdir -p "$(dirname "$output")"
cat "$base" "$tmp/overlay.cpio.gz" >"$output.tmp"
mv "$output.tmp" "$output"
echo "workload initramfs: $output ($(stat -c %s "$output") bytes)"
