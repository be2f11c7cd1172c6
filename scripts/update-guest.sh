#!/usr/bin/env bash
# Move the pinned reference guest to the newest Debian 12 4kc-malta kernel and busybox-static
# that apt can see: download both .debs into the cache, then rewrite scripts/guest.pins with the
# exact versions and sha256s. Review the diff of guest.pins and commit it deliberately.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/guest-lib.sh

if [[ $(id -u) == 0 ]]; then
    echo "update-guest: apt-get update" >&2
    apt-get update -q >&2
    APT_UPDATED=1
else
    echo "update-guest: not root, using the package lists as they are" >&2
fi

# newest PKG: the highest version of PKG:mipsel apt knows about
newest() {
    local best= v
    for v in $(apt-cache show "$1:$GUEST_ARCH" 2>/dev/null | sed -n 's/^Version: //p'); do
        if [[ -z $best ]] || dpkg --compare-versions "$v" gt "$best"; then best=$v; fi
    done
    [[ -n $best ]] || die "apt knows no $1:$GUEST_ARCH (is the $GUEST_ARCH architecture enabled?)"
    printf '%s\n' "$best"
}

nn=$(apt-cache search --names-only 'linux-image-6\.1\.0-.*-4kc-malta$' |
    sed -n 's/^linux-image-6\.1\.0-\([0-9]*\)-4kc-malta .*/\1/p' | sort -n | tail -n 1)
[[ -n $nn ]] || die "no linux-image-6.1.0-NN-4kc-malta package found"
kpkg=linux-image-6.1.0-$nn-4kc-malta
kver=$(newest "$kpkg")
bpkg=busybox-static
bver=$(newest "$bpkg")

kdeb=$(fetch_deb "$kpkg" "$kver")
bdeb=$(fetch_deb "$bpkg" "$bver")
ksum=$(sha256_of "$kdeb")
bsum=$(sha256_of "$bdeb")

new=$(mktemp)
cat >"$new" <<PINS
# The reference guest: exact Debian 12 (bookworm) mipsel packages and the
# sha256 of each .deb. scripts/fetch-guest.sh refuses anything else.
# Bump deliberately with \`make update-guest\` (rewrites this file).
KERNEL_ABI=6.1.0-$nn
KERNEL_PKG=$kpkg
KERNEL_VERSION=$kver
KERNEL_SHA256=$ksum
BUSYBOX_PKG=$bpkg
BUSYBOX_VERSION=$bver
BUSYBOX_SHA256=$bsum
PINS
if cmp -s "$new" "$PINS"; then
    rm -f "$new"
    echo "update-guest: $PINS is already at the newest ($kpkg $kver, $bpkg $bver)"
else
    mv "$new" "$PINS"
    echo "update-guest: $PINS now pins $kpkg $kver and $bpkg $bver; review and commit it"
fi
