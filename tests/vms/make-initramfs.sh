#!/usr/bin/env bash
# The multi-VM suite's initramfs: the project's base initramfs (scripts/make-initramfs.sh:
# busybox, /dev/console) followed by a second gzip'd newc archive whose /init is
# tests/vms/guest/init.sh (the kernel unpacks concatenated archives in order, later files
# replacing earlier ones; bench/make-workload-initramfs.sh does the same). Reproducible: mtimes
# 0, owner 0:0, gzip without name or time.
#
#   tests/vms/make-initramfs.sh BASE.cpio.gz OUTPUT.cpio.gz [SRC:DEST]...
# SRC:DEST adds the file SRC as /DEST with SRC's mode (the hostile-guest suite's programs).
set -euo pipefail
(($# >= 2)) || { echo "usage: $0 BASE.cpio.gz OUTPUT.cpio.gz [SRC:DEST]..." >&2; exit 1; }
base=$1 output=$2
shift 2
cd "$(dirname "$0")/../.."
[[ -f $base ]] || { echo "make-initramfs: no $base" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/root"
install -m 0755 tests/vms/guest/init.sh "$tmp/root/init"
for extra; do
    install -D -m "$(stat -c %a "${extra%%:*}")" "${extra%%:*}" "$tmp/root/${extra#*:}"
done
find "$tmp/root" -exec touch -h -d @0 {} +
(cd "$tmp/root" && find . -mindepth 1 | LC_ALL=C sort |
    cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -9 -n >"$tmp/overlay.cpio.gz"
mkdir -p "$(dirname "$output")"
cat "$base" "$tmp/overlay.cpio.gz" >"$output.tmp"
mv "$output.tmp" "$output"
