#!/usr/bin/env bash
# Suite "balloon": virtio-balloon-pci with the stock kernel's virtio_balloon module and a test
# initramfs holding tests/balloon/progs/memtouch (tests/balloon/balloon_test.py drives each boot
# over the console and QMP). Boots run BALLOON_JOBS (default 2) at a time.
#
#   tests/balloon/run.sh [--mvisor BIN] [FILTER...]
#
#   workload        free-page reporting off: the guest touches 160 MiB; QMP balloon to 96 MiB and
#                   back to 256 MiB while memtouch fills 8 MiB and checks it 3 times, round after
#                   round until the balloon is back: every round's checksum equals the one
#                   computed here; query-balloon's actual,
#                   the BALLOON_CHANGE events, MemTotal (down 160 MiB and back) and the process's
#                   PSS (down 100 MiB or more) follow; query-balloon-stats has the driver's stats
#   reporting       default options (reporting on): the guest frees 160 MiB and within 30 s the
#                   process's PSS drops by 100 MiB or more; the reused pages read as zero; no
#                   page corruption in the kernel log; also what the guest sees of the device
#   init-on-free    the same with init_on_free=1 and 96 MiB (the kernel does not clear pages it
#                   hands out: a reported page that came back dirty shows in memtouch zero)
#   page-poison     the same with page_poison=1 (64 MiB: poisoning is slow under emulation): the
#                   reported pages read back as the poison (the kernel checks it when it
#                   allocates them and logs "pagealloc: memory corruption" otherwise)
#   mem-limit       --mem-limit 200, reporting off: the guest touches 160 MiB on top of its boot;
#                   within 30 s the pool (query-balloon-stats pool-bytes) is back under 200 MiB
#                   by the balloon (query-balloon actual below 256 MiB), stderr says so, and
#                   memtouch sum still gives the exact checksum
#   qemu-facts      qemu-system-mipsel -device virtio-balloon-pci,disable-modern=on,
#                   free-page-reporting=on: what its guest sees of the device
#   matches-qemu    PCI function (slot, IDs, subsystem, class, IRQ, revision), /proc/interrupts
#                   line, the driver bound and the features it took, "Free page reporting
#                   enabled": the same on both
#   bad-*           each bad -device virtio-balloon-pci or --mem-limit is one "mvisor:" line and
#                   exit status 1
# Scratch files go to build/tests/balloon/, transcripts to build/test-logs/balloon/.
cd "$(dirname "$0")/../.."
. tests/lib.sh

B=${B:-build}
MVISOR=$B/mvisor
QEMU=${QEMU:-qemu-system-mipsel}
MIPS_CC=${MIPS_CC:-mipsel-linux-gnu-gcc}
BALLOON_JOBS=${BALLOON_JOBS:-2}
LIMIT=${BALLOON_LIMIT:-400}
runner_args "$@"

suite_begin balloon
W=$B/tests/balloon
rm -rf "$W"
mkdir -p "$W"
KERNEL=$B/guest/vmlinuz
INITRD=$B/initramfs.cpio.gz

ok=1
if ! "$MIPS_CC" -static -O2 -march=mips32r2 -Wall -Wextra -o "$W/memtouch" tests/balloon/progs/memtouch.c \
    >"$W/build-memtouch.log" 2>&1; then
    echo "balloon: cannot build tests/balloon/progs/memtouch.c (see $W/build-memtouch.log)" >&2
    ok=0
fi
((ok)) && { scripts/make-initramfs.sh "$B/guest/busybox" "$W/balloon.cpio.gz" "$W/memtouch" >"$W/initramfs.log" 2>&1 || ok=0; }

# start NAME CMD...: a boot in the background (tests/lib.sh job_start)
start() {
    job_start "$BALLOON_JOBS" "$LIMIT" "$@"
}

verdict() {
    local name=$1 log=$SUITE_DIR/$1.log
    TEST_LOG=$log
    if grep -q '^\[exit status 0\]$' "$log" 2>/dev/null; then
        test_pass "$name" "$(grep -c '^ok ' "$log") checks"
    else
        test_fail "$name" "$(grep '^FAIL' "$log" 2>/dev/null | head -1)"
    fi
}

common=(--kernel "$KERNEL" --initrd "$W/balloon.cpio.gz" --log-dir "$SUITE_DIR" --work "$W")
cases=()
if ((ok)); then
    # the longest first
    for c in qemu-facts workload page-poison init-on-free mem-limit reporting; do
        if selected "$c" || { [[ $c == reporting || $c == qemu-facts ]] && selected matches-qemu; }; then
            mon=$MVISOR
            [[ $c == qemu-facts ]] && mon=$QEMU
            start "$c" python3 tests/balloon/balloon_test.py --case "$c" --monitor "$mon" \
                "${common[@]}" --facts "$W/$c.json"
            cases+=("$c")
        fi
    done
fi
wait
for c in reporting init-on-free page-poison workload mem-limit qemu-facts; do
    if selected "$c" || { [[ $c == reporting || $c == qemu-facts ]] && selected matches-qemu; }; then
        if ((ok)); then verdict "$c"; else TEST_LOG=$W/initramfs.log; test_fail "$c" "no test initramfs"; fi
    fi
done
if selected matches-qemu; then
    TEST_LOG=$SUITE_DIR/matches-qemu.log
    { echo "mvisor: $(cat "$W/reporting.json" 2>&1)"; echo "qemu:   $(cat "$W/qemu-facts.json" 2>&1)"; } >"$TEST_LOG"
    if [[ -s $W/reporting.json && -s $W/qemu-facts.json ]] && grep -q 0x1002 "$W/reporting.json" &&
        cmp -s "$W/reporting.json" "$W/qemu-facts.json"; then
        test_pass matches-qemu
    else
        test_fail matches-qemu "the guests differ (or a boot failed)"
    fi
fi

bad_option two -device virtio-balloon-pci -device virtio-balloon
bad_option key -device virtio-balloon-pci,free-page-hint=on
bad_option bool -device virtio-balloon-pci,deflate-on-oom=maybe
bad_option interval -device virtio-balloon-pci,guest-stats-polling-interval=-1
bad_option modern -device virtio-balloon-pci,disable-modern=off
bad_option unrouted-slot -device virtio-balloon-pci,addr=0e
bad_option slot-taken -drive file=/dev/null,format=raw,if=none,id=d0 -device virtio-blk-pci,drive=d0,addr=12 \
    -device virtio-balloon-pci,addr=12
seven=()
for i in 1 2 3 4 5 6; do seven+=(-nic "switch,switch=s$i"); done
bad_option mem-limit-value --mem-limit 12X
bad_option mem-limit-zero --mem-limit 0
bad_option no-slot-left "${seven[@]}" -device virtio-balloon-pci
suite_end
