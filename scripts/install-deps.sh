#!/usr/bin/env bash
# Install the Debian 12 packages mvisor needs to build, test and fetch its
# guest. Quiet when nothing is missing. Serialised with flock; the stamp file
# records the package list, so adding a package here re-runs the check.
#
#   scripts/install-deps.sh [STAMP]     (default stamp: .stamps/deps)
set -euo pipefail

PACKAGES=(
    build-essential      # host compiler and make
    libcapstone-dev      # host disassembler (traces, translator debugging)
    libelf-dev           # ELF loader
    libxxhash-dev        # translation-cache and page hashing
    libjansson-dev       # JSON for the QMP control socket (monitor/qmp.c)
    libcmocka-dev        # unit tests
    zlib1g-dev           # compressed qcow2 clusters (devices/block/qcow2_cluster.c)
    libslirp-dev         # -netdev user: host networking through libslirp (devices/net/user.c)
    libseccomp-dev       # -sandbox on: the system-call filter once VMs run (monitor/sandbox.c)
    qemu-utils           # qemu-img: the disk-image tests' oracle (create, check, compare, convert)
    gcc-mipsel-linux-gnu # ISA test programs (cross compiler)
    binutils-mipsel-linux-gnu
    xz-utils             # unpacking the guest kernel from its zboot wrapper
    cpio                 # initramfs
    qemu-user            # independent oracle for the user-mode ISA tests
    qemu-system-mips     # reference machine for benchmark comparisons and the boot suite's oracle
    libc6-dev-mipsel-cross # static C libraries for the benchmark workloads and the boot suite's programs
    socat                # the qmp suite attaches to the QMP and serial sockets with it, as users do
    python3              # the benchmark runner (bench/run.py) and the boot suite's console driver
    gnuplot-nox          # the benchmark plots (PNG)
    gdb-multiarch        # bench/zboot.py: a breakpoint in QEMU's guest (its gdbstub) times the decompressor
    e2fsprogs            # mke2fs -d, debugfs, e2fsck: the disk suite's ext4 images
    debootstrap          # make rootfs: the Debian root file system's first stage (not make check)
    clang                # make fuzz and the fuzz suite: the harnesses of tests/fuzz/ (libFuzzer)
    libclang-rt-14-dev   # libFuzzer and the sanitizer runtimes for clang 14
)
FOREIGN_ARCH=mipsel      # guest packages are fetched with apt-get download PKG:mipsel

cd "$(dirname "$0")/.."
stamp=${1:-.stamps/deps}
mkdir -p "$(dirname "$stamp")"
want="packages: ${PACKAGES[*]}; arch: $FOREIGN_ARCH"

# Fast path, no lock: the stamp already records exactly this list.
if [[ -f $stamp && "$(cat "$stamp")" == "$want" ]]; then
    exit 0
fi

exec 9>"$stamp.lock"
flock 9
# Someone else may have finished while we waited.
if [[ -f $stamp && "$(cat "$stamp")" == "$want" ]]; then
    exit 0
fi

missing=()
for p in "${PACKAGES[@]}"; do
    st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [[ $st == installed ]] || missing+=("$p")
done
need_arch=0
if [[ $(dpkg --print-architecture) != "$FOREIGN_ARCH" ]] &&
    ! dpkg --print-foreign-architectures | grep -qx "$FOREIGN_ARCH"; then
    need_arch=1
fi

if ((${#missing[@]} == 0 && need_arch == 0)); then
    printf '%s\n' "$want" >"$stamp"
    exit 0
fi

if [[ $(id -u) != 0 ]]; then
    echo "install-deps: this machine is missing what mvisor needs. As root, run:" >&2
    ((need_arch)) && echo "    dpkg --add-architecture $FOREIGN_ARCH" >&2
    echo "    apt-get update" >&2
    ((${#missing[@]})) && echo "    apt-get install -y ${missing[*]}" >&2
    echo "(or run scripts/install-deps.sh as root)" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
if ((need_arch)); then
    echo "install-deps: adding the $FOREIGN_ARCH architecture"
    dpkg --add-architecture "$FOREIGN_ARCH"
fi
echo "install-deps: apt-get update"
apt-get update -q
if ((${#missing[@]})); then
    echo "install-deps: installing ${missing[*]}"
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
printf '%s\n' "$want" >"$stamp"
