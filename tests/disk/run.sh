#!/usr/bin/env bash
# Suite "disk": virtio-blk-pci with the stock kernel and the default initramfs (which loads
# virtio_pci, virtio_blk and ext4), each boot driven by tests/boot/disk_test.py over the console.
#
#   tests/disk/run.sh [--mvisor BIN] [FILTER...]
#
# The image is a small ext4 file system made on the host (mke2fs -d) holding known.txt and
# rand.bin, whose md5 sums the guest must print.
#   mvisor-rw       -drive if=none + -device virtio-blk-pci: PCI IDs, class and IRQ, vda size,
#                   mount, md5, two programs differing in one instruction swapped six times under
#                   one name on the disk and run from it with the caches dropped (each run must
#                   execute what the disk holds),
#                   write a file, sync, umount, interrupts counted, poweroff; then
#                   on the host: the written file is in the image (debugfs) and e2fsck -fn is clean
#   qemu-rw         the same on qemu-system-mipsel -M malta with the same options (the oracle)
#   pci-matches-qemu
#                   the virtio function's line (slot, IDs, subsystem, class, IRQ) and rand.bin's
#                   md5 are the same in both guests
#   mvisor-ro-two   two disks: -drive if=virtio,readonly=on (auto: slot 0x12) and one at
#                   addr=13 (INTA shares IRQ 10 with the first); the read-only one refuses
#                   writes (mount and raw O_DIRECT), both are read at once
#   det             the mvisor-rw scenario with --deterministic --seed 5 (requests complete
#                   before the guest's notify returns: test_virtio_blk checks that exactly)
#   bad-options     each bad -drive/-device is one "mvisor:" line and exit status 1 (also: one
#                   image written by two disks, --clone over a writable image)
# Scratch files go to build/tests/disk/, transcripts to build/test-logs/disk/.
cd "$(dirname "$0")/../.."
. tests/lib.sh

B=${B:-build}
MVISOR=$B/mvisor
QEMU=${QEMU:-qemu-system-mipsel}
filters=()
while (($#)); do
    case $1 in
    --mvisor) MVISOR=$2; shift 2 ;;
    *) filters+=("$1"); shift ;;
    esac
done

suite_begin disk
W=$B/tests/disk
rm -rf "$W"
mkdir -p "$W/tree"
KERNEL=$B/guest/vmlinuz
INITRD=$B/initramfs.cpio.gz
echo "a known file on a virtio disk" >"$W/tree/known.txt"
head -c 4194304 /dev/urandom >"$W/tree/rand.bin"
# Two programs that differ in one instruction (tests/disk/progs/which.S), padded to 1 KiB.
for l in A:0x41 B:0x42; do
    ${MIPS_CC:-mipsel-linux-gnu-gcc} -march=mips32r2 -EL -fno-pic -mno-abicalls -no-pie -nostdlib -static \
        -Wl,--build-id=none -DWHICH="${l#*:}" -o "$W/tree/${l%%:*}" tests/disk/progs/which.S
    truncate -s 1024 "$W/tree/${l%%:*}"
done
known_md5=$(md5sum <"$W/tree/known.txt" | cut -d' ' -f1)
rand_md5=$(md5sum <"$W/tree/rand.bin" | cut -d' ' -f1)
truncate -s 32M "$W/base.img"
mke2fs -q -t ext4 -d "$W/tree" "$W/base.img"
SECTORS=$((32 * 2048))
for n in mvisor qemu ro two det; do cp "$W/base.img" "$W/$n.img"; done

DT=tests/boot/disk_test.py
common=(--log-dir "$SUITE_DIR" --kernel "$KERNEL" --initrd "$INITRD" --sectors "$SECTORS" --md5 "$known_md5")

# host_check NAME IMAGE TEXT: the guest's file is in the image and the file system is clean.
host_check() {
    local got
    got=$(debugfs -R 'cat /written.txt' "$2" 2>/dev/null)
    if [[ $got == "$3" ]] && e2fsck -fn "$2" >"$SUITE_DIR/$1-fsck.log" 2>&1; then
        test_pass "$1-host-sees-write"
    else
        test_fail "$1-host-sees-write" "debugfs read '$got', expected '$3' (e2fsck: $SUITE_DIR/$1-fsck.log)"
    fi
}

if selected mvisor-rw || selected pci-matches-qemu; then
    run_test mvisor-rw 300 python3 "$DT" --name mvisor-rw "${common[@]}" --monitor "$MVISOR" \
        --disk-args "-drive file=$W/mvisor.img,format=raw,if=none,id=d0 -device virtio-blk-pci,drive=d0" \
        --exec-from-disk --write-text written-by-mvisor --facts "$W/mvisor.json" && host_check mvisor "$W/mvisor.img" written-by-mvisor
fi
if selected qemu-rw || selected pci-matches-qemu; then
    run_test qemu-rw 300 python3 "$DT" --qemu --name qemu-rw "${common[@]}" --monitor "$QEMU" \
        --disk-args "-drive file=$W/qemu.img,format=raw,if=none,id=d0 -device virtio-blk-pci,drive=d0" \
        --exec-from-disk --write-text written-by-qemu --facts "$W/qemu.json" && host_check qemu "$W/qemu.img" written-by-qemu
fi
if selected pci-matches-qemu; then
    # The virtio function as each guest sees it, and what it read from the disk.
    view() { python3 -c 'import json,sys; f=json.load(open(sys.argv[1])); print([l for l in f.get("pci",[]) if "0x1af4" in l], f.get("rand_md5"))' "$1"; }
    TEST_LOG=$SUITE_DIR/pci-matches-qemu.log
    { echo "mvisor: $(view "$W/mvisor.json")"; echo "qemu:   $(view "$W/qemu.json")"; } >"$TEST_LOG" 2>&1
    if [[ -f $W/mvisor.json && -f $W/qemu.json && $(view "$W/mvisor.json") == "$(view "$W/qemu.json")" ]] &&
        grep -q "$rand_md5" "$TEST_LOG"; then
        test_pass pci-matches-qemu
    else
        test_fail pci-matches-qemu "the guests differ (or a boot failed)"
    fi
fi
if selected mvisor-ro-two; then
    run_test mvisor-ro-two 300 python3 "$DT" --name mvisor-ro-two "${common[@]}" --monitor "$MVISOR" --readonly \
        --disk-args "-drive file=$W/ro.img,if=virtio,readonly=on -drive file=$W/two.img,format=raw,if=none,id=d1,cache=none -device virtio-blk-pci,drive=d1,addr=13" \
        --vdb-md5 "$rand_md5" --facts "$W/ro.json"
fi
if selected det; then
    run_test det 300 python3 "$DT" --name det "${common[@]}" --monitor "$MVISOR" \
        --disk-args "--deterministic --seed 5 -drive file=$W/det.img,if=virtio" \
        --write-text deterministic --facts "$W/det.json" && host_check det "$W/det.img" deterministic
fi

# bad_option NAME OPTIONS...: mvisor refuses with exactly one "mvisor:" line and status 1.
bad_option() {
    local name=$1
    shift
    selected "bad-$name" || return 0
    test_exec "bad-$name" 20 "$MVISOR" -M malta -kernel "$KERNEL" -initrd "$INITRD" -nographic --max-insns 1 "$@"
    local lines
    lines=$(grep -c '^mvisor: ' "$TEST_LOG")
    if ((TEST_RC == 1 && lines == 1)) && ! grep -q 'Segmentation\|Aborted' "$TEST_LOG"; then
        test_pass "bad-$name" "$(grep '^mvisor: ' "$TEST_LOG" | head -1)"
    else
        test_fail "bad-$name" "status $TEST_RC, $lines mvisor: line(s)"
    fi
}
bad_option missing-file -drive file="$W"/nonexistent.img,if=virtio
bad_option no-if -drive file="$W"/ro.img
bad_option bad-if -drive file="$W"/ro.img,if=ide
bad_option bad-format -drive file="$W"/ro.img,if=virtio,format=vmdk
bad_option bad-cache -drive file="$W"/ro.img,if=virtio,cache=directsync
bad_option bad-readonly -drive file="$W"/ro.img,if=virtio,readonly=maybe
bad_option unknown-key -drive file="$W"/ro.img,if=virtio,aio=native
bad_option no-file -drive if=virtio
bad_option none-without-id -drive file="$W"/ro.img,if=none
bad_option dup-id -drive file="$W"/ro.img,if=none,id=a -drive file="$W"/two.img,if=none,id=a
bad_option unknown-drive -drive file="$W"/ro.img,if=none,id=a -device virtio-blk-pci,drive=b
bad_option device-no-drive -device virtio-blk-pci
bad_option unknown-device -drive file="$W"/ro.img,if=none,id=a -device e1000,drive=a
bad_option unrouted-slot -drive file="$W"/ro.img,if=none,id=a -device virtio-blk-pci,drive=a,addr=0e
bad_option slot-past-table -drive file="$W"/ro.img,if=none,id=a -device virtio-blk-pci,drive=a,addr=0x16
bad_option piix4-slot -drive file="$W"/ro.img,if=none,id=a -device virtio-blk-pci,drive=a,addr=0a
bad_option bad-addr -drive file="$W"/ro.img,if=none,id=a -device virtio-blk-pci,drive=a,addr=zz
bad_option addr-function -drive file="$W"/ro.img,if=none,id=a -device virtio-blk-pci,drive=a,addr=12.1
bad_option slot-twice -drive file="$W"/ro.img,if=none,id=a -drive file="$W"/two.img,if=none,id=b \
    -device virtio-blk-pci,drive=a,addr=12 -device virtio-blk-pci,drive=b,addr=0x12
bad_option drive-twice -drive file="$W"/ro.img,if=none,id=a -device virtio-blk-pci,drive=a \
    -device virtio-blk-pci,drive=a
bad_option image-twice -drive file="$W"/ro.img,if=virtio -drive file="$W"/../disk/ro.img,if=virtio,readonly=on
bad_option clone-writable --clone 2 -drive file="$W"/ro.img,if=virtio
seven=()
for _ in 1 2 3 4 5 6 7; do seven+=(-drive "file=$W/ro.img,if=virtio,readonly=on"); done
bad_option seven-disks "${seven[@]}"
if selected bad-testbench; then
    test_exec bad-testbench 20 "$MVISOR" -M testbench -kernel "$KERNEL" -drive "file=$W/ro.img,if=virtio"
    if ((TEST_RC == 1)) && [[ $(grep -c '^mvisor: ' "$TEST_LOG") == 1 ]] && grep -q '^mvisor: disks need the malta' "$TEST_LOG"; then
        test_pass bad-testbench
    else
        test_fail bad-testbench "status $TEST_RC"
    fi
fi
suite_end
