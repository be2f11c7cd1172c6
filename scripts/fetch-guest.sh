#!/usr/bin/env bash
# Fetch the pinned reference guest (scripts/guest.pins) and unpack it into build/guest/:
#   vmlinuz       the kernel as Debian ships it: an ELF zboot wrapper (XZ inside)
#   vmlinux.bin   the real kernel, unpacked from the wrapper: a raw image loaded at 0x80100000
#   vmlinux       symlink to vmlinux.bin
#   vmlinux.info  load=, size=, sha256=, entry= (kernel_entry, when found in the wrapper)
#   config        the kernel configuration
#   busybox       static MIPS32r2 busybox for the initramfs
#   modules/      the virtio-blk, virtio-net, virtio-balloon and ext4 modules (with their dependencies) for the initramfs,
#                 and modules.order: the order to insmod them
#   .stamp        the pin file it was made from (make uses it)
# The .debs are cached in ${MVISOR_CACHE:-~/.cache/mvisor}, never under build/.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/guest-lib.sh

OUT=${GUEST_OUT:-build/guest}
LOAD_ADDR=0x80100000     # where the wrapper unpacks the kernel (arch/mips/mti-malta/Platform)

mkdir -p "$GUEST_CACHE" "$OUT"
exec 9>"$GUEST_CACHE/.lock"
flock 9

# The stamp names what the guest was made from: the pins and the scripts that unpack it.
pins_sum=$(cat "$PINS" scripts/fetch-guest.sh scripts/guest-lib.sh | sha256sum | cut -d' ' -f1)
complete=1
for f in vmlinuz vmlinux.bin vmlinux.info config busybox modules/modules.order; do
    [[ -s $OUT/$f ]] || complete=0
done
if ((complete)) && [[ -f $OUT/.stamp && $(cat "$OUT/.stamp") == "$pins_sum" ]]; then
    exit 0
fi

kabi=$(pin KERNEL_ABI)
kdeb=$(fetch_deb "$(pin KERNEL_PKG)" "$(pin KERNEL_VERSION)" "$(pin KERNEL_SHA256)")
bdeb=$(fetch_deb "$(pin BUSYBOX_PKG)" "$(pin BUSYBOX_VERSION)" "$(pin BUSYBOX_SHA256)")

tmp=$(mktemp -d "$OUT/.unpack.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# Only the files we need: the kernel .deb is mostly modules.
# The disk modules, each after what it needs (its .modinfo depends=, checked below): virtio
# transport and ring, the PCI probe (legacy and modern halves), virtio_blk; then ext4 with
# crc16, mbcache, jbd2 and crc32c (ext4 and jbd2 ask the crypto API for "crc32c" at mount);
# virtio_net after failover and net_failover; virtio_balloon (the balloon and free-page reporting).
modules=(drivers/virtio/virtio drivers/virtio/virtio_ring drivers/virtio/virtio_pci_legacy_dev
    drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci drivers/block/virtio_blk
    drivers/virtio/virtio_balloon
    net/core/failover drivers/net/net_failover drivers/net/virtio_net
    lib/crc16 fs/mbcache fs/jbd2/jbd2 crypto/crc32c_generic fs/ext4/ext4)
kmod=./lib/modules/$kabi-4kc-malta/kernel
kos=()
for m in "${modules[@]}"; do kos+=("$kmod/$m.ko"); done
dpkg-deb --fsys-tarfile "$kdeb" | tar -x -C "$tmp" --wildcards "./boot/vmlinuz-*" "./boot/config-*" "${kos[@]}"
dpkg-deb --fsys-tarfile "$bdeb" | tar -x -C "$tmp" ./bin/busybox
vmlinuz=$tmp/boot/vmlinuz-$kabi-4kc-malta
config=$tmp/boot/config-$kabi-4kc-malta
[[ -f $vmlinuz && -f $config && -f $tmp/bin/busybox ]] || die "unexpected package contents in $kdeb or $bdeb"

# The XZ stream inside the wrapper starts with the magic FD 37 7A 58 5A 00. The decompressor's
# own copy of the magic comes first, so try every occurrence until one decodes.
# --single-stream: stop at the end of the first stream and ignore the data after it.
found=
for off in $(LC_ALL=C grep -obUaP '\xFD\x37\x7A\x58\x5A\x00' "$vmlinuz" | cut -d: -f1); do
    if tail -c +$((off + 1)) "$vmlinuz" | xz -dc --single-stream >"$tmp/vmlinux.bin" 2>/dev/null &&
        [[ -s $tmp/vmlinux.bin ]]; then
        found=$off
        break
    fi
done
[[ -n $found ]] || die "no decodable XZ stream found in $vmlinuz"
size=$(stat -c %s "$tmp/vmlinux.bin")
((size > 1048576)) || die "the kernel unpacked from $vmlinuz is only $size bytes"

# kernel_entry: the wrapper ends with `lui t9,HI; ori t9,t9,LO; jalr t9` (best effort).
entry=
hi=
while read -r _ op args; do
    case "$op $args" in
    "lui t9,"*) hi=${args#t9,}; continue ;;
    "ori t9,t9,"*) [[ -n $hi ]] && entry=$(printf '0x%08x' $(((hi << 16) | ${args#t9,t9,}))) ;;
    esac
    hi=
done < <(mipsel-linux-gnu-objdump -d --no-show-raw-insn "$vmlinuz" 2>/dev/null | grep -E $'\t(lui|ori|addiu|jalr)\t' || true)

rm -rf "$OUT/modules"
mkdir -p "$OUT/modules"
loaded=" "
for m in "${modules[@]}"; do
    ko=$tmp/$kmod/$m.ko
    [[ -f $ko ]] || die "no $m.ko in $kdeb"
    name=$(basename "$m")
    # Every dependency must come earlier in the list.
    deps=$(mipsel-linux-gnu-objcopy -O binary -j .modinfo "$ko" /dev/stdout | tr '\0' '\n' | sed -n 's/^depends=//p')
    for dep in ${deps//,/ }; do
        [[ $loaded == *" $dep "* ]] || die "module $name needs $dep, which the list loads later or not at all"
    done
    loaded+="$name "
    cp "$ko" "$OUT/modules/$name.ko"
    echo "$name" >>"$OUT/modules/modules.order"
done
cp "$vmlinuz" "$OUT/vmlinuz"
cp "$config" "$OUT/config"
cp "$tmp/bin/busybox" "$OUT/busybox"
chmod 0755 "$OUT/busybox"
mv "$tmp/vmlinux.bin" "$OUT/vmlinux.bin"
ln -sfn vmlinux.bin "$OUT/vmlinux"
{
    echo "# raw kernel image unpacked from vmlinuz by scripts/fetch-guest.sh"
    echo "load=$LOAD_ADDR"
    echo "size=$size"
    echo "sha256=$(sha256_of "$OUT/vmlinux.bin")"
    [[ -n $entry ]] && echo "entry=$entry"
    echo "kernel=$(pin KERNEL_PKG) $(pin KERNEL_VERSION)"
} >"$OUT/vmlinux.info"
echo "$pins_sum" >"$OUT/.stamp"
echo "guest: $(pin KERNEL_PKG) $(pin KERNEL_VERSION), $(pin BUSYBOX_PKG) $(pin BUSYBOX_VERSION) -> $OUT/"
