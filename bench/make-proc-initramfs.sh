#!/usr/bin/env bash
# The process-heavy benchmark's initramfs: the workload initramfs (bench/make-workload-initramfs.sh:
# busybox, wl, the benchmark /init) followed by one more gzip'd newc archive holding, under /deb,
# a Debian 12 mipsel userland unpacked from its .debs: glibc, dash, coreutils, grep, sed, gawk
# and the libraries they need, all dynamically linked, plus bench/guest/proc.sh. /init chroots
# into /deb for the `proc` workload. The .debs are fetched once with `apt-get download`
# (mipsel is a foreign architecture of the host's apt) into ~/.cache/mvisor/bench-proc-debs;
# documentation, locales and gconv modules are left out (the workload never reads them).
# Reproducible for given .debs: mtimes 0, owner 0:0, gzip without name/time.
#
#   bench/make-proc-initramfs.sh WORKLOAD.cpio.gz OUTPUT.cpio.gz
set -euo pipefail
(($# == 2)) || { echo "usage: $0 WORKLOAD.cpio.gz OUTPUT.cpio.gz" >&2; exit 1; }
base=$1 output=$2
cd "$(dirname "$0")/.."
[[ -f $base ]] || { echo "make-proc-initramfs: no $base" >&2; exit 1; }
pkgs=(libc6 libgcc-s1 dash coreutils grep sed gawk libacl1 libattr1 libgmp10 libmpfr6 libpcre2-8-0
      libreadline8 libselinux1 libsigsegv2 libtinfo6)
debs=${BENCH_PROC_DEBS:-$HOME/.cache/mvisor/bench-proc-debs}
mkdir -p "$debs"
want=()
for p in "${pkgs[@]}"; do
    compgen -G "$debs/${p}_*_mipsel.deb" >/dev/null || want+=("$p:mipsel")
done
if ((${#want[@]})); then
    echo "make-proc-initramfs: apt-get download ${want[*]} into $debs"
    opts=()
    ((EUID)) || opts=(-o APT::Sandbox::User=root)
    (cd "$debs" && apt-get download -q "${opts[@]}" "${want[@]}" >/dev/null)
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root/deb
mkdir -p "$root"
for p in "${pkgs[@]}"; do
    dpkg-deb -x "$(compgen -G "$debs/${p}_*_mipsel.deb" | head -n 1)" "$root"
done
rm -rf "$root"/usr/share/{doc,man,info,locale,lintian,i18n,zoneinfo} "$root"/usr/lib/mipsel-linux-gnu/gconv
# What dpkg's maintainer scripts would do: /bin/sh is dash.
ln -sf dash "$root/bin/sh"
mkdir -p "$root"/{proc,dev,tmp,sys}
install -m 0755 bench/guest/proc.sh "$root/proc.sh"
find "$tmp/root" -exec touch -h -d @0 {} +
(cd "$tmp/root" && find . -mindepth 1 | LC_ALL=C sort |
    cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -6 -n >"$tmp/overlay.cpio.gz"
mkdir -p "$(dirname "$output")"
cat "$base" "$tmp/overlay.cpio.gz" >"$output.tmp"
mv "$output.tmp" "$output"
echo "process-heavy initramfs: $output ($(stat -c %s "$output") bytes)"
