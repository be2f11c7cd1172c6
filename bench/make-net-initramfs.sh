#!/usr/bin/env bash
# The network benchmark's initramfs: the project's default initramfs (scripts/make-initramfs.sh,
# whose /init loads virtio_net and configures eth0 from mvisor.ip= or DHCP) followed by a second
# gzip'd newc archive holding only /bin/nb (bench/netguest/nb.c). The kernel unpacks
# concatenated archives in order, so the default /init and its shell stay as they are.
# Reproducible: mtimes 0, owner 0:0, gzip without name/time.
#
#   bench/make-net-initramfs.sh BASE.cpio.gz NB OUTPUT.cpio.gz
set -euo pipefail
(($# == 3)) || { echo "usage: $0 BASE.cpio.gz NB OUTPUT.cpio.gz" >&2; exit 1; }
base=$1 nb=$2 output=$3
for f in "$base" "$nb"; do
    [[ -f $f ]] || { echo "make-net-initramfs: no $f" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/root/bin"
install -m 0755 "$nb" "$tmp/root/bin/nb"
find "$tmp/root" -exec touch -h -d @0 {} +
(cd "$tmp/root" && find . -mindepth 1 | LC_ALL=C sort |
    cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -9 -n >"$tmp/overlay.cpio.gz"
mkdir -p "$(dirname "$output")"
cat "$base" "$tmp/overlay.cpio.gz" >"$output.tmp"
mv "$output.tmp" "$output"
echo "net benchmark initramfs: $output ($(stat -c %s "$output") bytes)"
