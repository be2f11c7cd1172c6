# Shell functions shared by fetch-guest.sh and update-guest.sh (sourced).

GUEST_CACHE=${MVISOR_CACHE:-$HOME/.cache/mvisor}
GUEST_ARCH=mipsel
PINS=${PINS:-scripts/guest.pins}

die() { echo "${0##*/}: $*" >&2; exit 1; }

# pin KEY: the value of KEY in the pin file (plain KEY=VALUE lines, no shell evaluation).
pin() {
    local v
    v=$(sed -n "s/^$1=//p" "$PINS" | tail -n 1)
    [[ -n $v ]] || die "$PINS has no $1= line"
    printf '%s\n' "$v"
}

# deb_name PKG VERSION: the file name a .deb is cached under (epoch dropped, as in the pool).
deb_name() { printf '%s_%s_%s.deb\n' "$1" "${2#*:}" "$GUEST_ARCH"; }

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# apt_download PKG VERSION DIR: apt-get download PKG:mipsel=VERSION into DIR.
# If apt does not know the version, refresh the package lists once (root only) and retry.
APT_UPDATED=${APT_UPDATED:-0}
apt_download() {
    local pkg=$1 ver=$2 dir=$3 opts=(-q)
    # As root apt downloads as user _apt, which cannot enter a private $HOME.
    [[ $(id -u) == 0 ]] && opts+=(-o APT::Sandbox::User=root)
    if (cd "$dir" && apt-get download "${opts[@]}" "$pkg:$GUEST_ARCH=$ver"); then
        return 0
    fi
    if [[ $APT_UPDATED == 0 && $(id -u) == 0 ]]; then
        echo "${0##*/}: refreshing the apt package lists and retrying" >&2
        apt-get update -q >&2 || true
        APT_UPDATED=1
        (cd "$dir" && apt-get download "${opts[@]}" "$pkg:$GUEST_ARCH=$ver") && return 0
    fi
    return 1
}

# fetch_deb PKG VERSION [SHA256]: make sure the cache holds PKG_VERSION_mipsel.deb and print
# its path. With SHA256, a file that does not match is refused (never used, never kept).
fetch_deb() {
    local pkg=$1 ver=$2 want=${3:-} name path tmp got
    name=$(deb_name "$pkg" "$ver")
    path=$GUEST_CACHE/$name
    mkdir -p "$GUEST_CACHE"
    if [[ ! -f $path ]]; then
        tmp=$(mktemp -d "$GUEST_CACHE/.download.XXXXXX")
        echo "${0##*/}: downloading $pkg:$GUEST_ARCH $ver into $GUEST_CACHE" >&2
        if ! apt_download "$pkg" "$ver" "$tmp" >&2; then
            rm -rf "$tmp"
            die "cannot download $pkg:$GUEST_ARCH version $ver. Is the $GUEST_ARCH architecture enabled" \
                "(scripts/install-deps.sh) and is this version still in the archive? If Debian has" \
                "replaced it, run 'make update-guest' to pin the newest one."
        fi
        set -- "$tmp"/*.deb
        [[ $# == 1 && -f $1 ]] || { rm -rf "$tmp"; die "apt-get download left no single .deb for $pkg"; }
        mv "$1" "$path"
        rm -rf "$tmp"
    fi
    if [[ -n $want ]]; then
        got=$(sha256_of "$path")
        if [[ $got != "$want" ]]; then
            mv -f "$path" "$path.rejected"
            die "sha256 MISMATCH for $name:
    pinned ($PINS): $want
    file:           $got
The file was moved aside to $path.rejected and will not be used. If Debian really
republished this package, review the change and run 'make update-guest'."
        fi
    fi
    printf '%s\n' "$path"
}
