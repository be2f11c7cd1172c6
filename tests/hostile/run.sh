#!/usr/bin/env bash
# Suite "hostile": hostile guests beside well-behaved ones in one mvisor; the monitor, the other
# VMs and the host's memory must be untouched (issue 18, "Hostile guests").
#
#   tests/hostile/run.sh [--mvisor BIN] [FILTER...]
#
# Each case is one tests/hostile/hostile_test.py run (see its header for every check):
#   storms   two Linux VMs whose results must stay exact, beside a Linux fork bomb (an
#            unprivileged user under `ulimit -u 64`) and eleven bare Malta programs
#            (tests/hostile/progs/*.S): random CP0 writes, garbage TLB entries, an MMIO storm
#            over every device and PCI configuration space, virtio DMA to random and
#            out-of-range addresses (looping chains, indirect tables, rings outside RAM),
#            a self-modifying-code storm and an exception storm that check their own results,
#            a refill loop that must keep running, WAIT with everything masked and an exception
#            loop that must be called wedged; the CP0 and SMC storms also under --exec trap
#            and --exec interp. Each hostile VM ends alone with its own reason or runs to its
#            instruction limit; stderr stays short and free of sanitizer reports; the
#            monitor's peak RSS stays within the VMs' -m plus a stated bound.
#   sandbox  -sandbox on (the default) and off: the seccomp filter in force while a VM runs
#            (/proc/PID/status), a bad value one line and status 1
# The Linux VMs boot the kernel payload (tests/vms/make-kernel-elf.sh) with the multi-VM
# suite's initramfs plus tests/hostile/guest/ (tests/vms/make-initramfs.sh). Scratch files go
# to build/tests/hostile/, transcripts to build/test-logs/hostile/.
cd "$(dirname "$0")/../.."
. tests/lib.sh

B=${B:-build}
MVISOR=$B/mvisor
MIPS_CC=${MIPS_CC:-mipsel-linux-gnu-gcc}
HOSTILE_LIMIT=${HOSTILE_LIMIT:-300} # seconds one case may take
runner_args "$@"

suite_begin hostile
ulimit -c 0
W=$B/tests/hostile
rm -rf "$W"
mkdir -p "$W"

inputs_ok=1
INFO=$B/guest/vmlinux.info
for f in "$MVISOR" "$B/guest/vmlinux.bin" "$INFO" "$B/initramfs.cpio.gz"; do
    [[ -e $f ]] || { echo "hostile: missing $f (make all guest initramfs)" >&2; inputs_ok=0; }
done
if ((inputs_ok)); then
    tests/vms/make-initramfs.sh "$B/initramfs.cpio.gz" "$W/hostile.cpio.gz" \
        tests/hostile/guest/forkbomb.sh:hostile-init tests/hostile/guest/passwd:etc/passwd \
        tests/hostile/guest/group:etc/group >"$W/initramfs.log" 2>&1 ||
        { echo "hostile: cannot build the initramfs (see $W/initramfs.log)" >&2; inputs_ok=0; }
    tests/vms/make-kernel-elf.sh "$INFO" "$B/guest/vmlinux.bin" "$W/vmlinux.elf" >"$W/payload.log" 2>&1 ||
        { echo "hostile: cannot make the kernel ELF (see $W/payload.log)" >&2; inputs_ok=0; }
    for src in tests/hostile/progs/*.S tests/vms/progs/exc_loop.S; do
        n=$(basename "$src" .S)
        "$MIPS_CC" -march=mips32r2 -EL -fno-pic -mno-abicalls -no-pie -nostdlib -static -Wl,--build-id=none \
            -Itests/hostile/progs -Wl,-Ttext=0x80100000 -Wl,-e,_start -o "$W/$n.elf" "$src" >"$W/build-$n.log" 2>&1 ||
            { echo "hostile: cannot build $src (see $W/build-$n.log)" >&2; inputs_ok=0; }
    done
fi

# the driver's own limits stretched as test_exec stretches the case's (tests/lib.sh)
test_timeout_scale
export HOSTILE_RUN_LIMIT=$((240 * TEST_SCALE))
for c in storms sandbox; do
    selected "$c" || continue
    if ((!inputs_ok)); then
        TEST_LOG=
        test_fail "$c" "inputs missing"
        continue
    fi
    test_exec "$c" "$HOSTILE_LIMIT" python3 tests/hostile/hostile_test.py "$c" --mvisor "$MVISOR" \
        --kernel "$W/vmlinux.elf" --initrd "$W/hostile.cpio.gz" --progs "$W" --work "$W"
    note="$(grep -ac '^ok ' "$TEST_LOG") checks"
    [[ $c == storms ]] && note+=", $(grep -a '^memory: peak' "$TEST_LOG" | cut -d, -f1 | cut -d' ' -f2-)"
    note+=", $(sed -n 's/.* check(s) failed, \([0-9.]* s\).*/\1/p' "$TEST_LOG" | tr -d '\0')"
    if ((TEST_RC == 0)); then
        test_pass "$c" "$note"
    else
        test_fail "$c" "$(grep -ac '^FAIL ' "$TEST_LOG") check(s) failed, exit status $TEST_RC"
    fi
done
suite_end
