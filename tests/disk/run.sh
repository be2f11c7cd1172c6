#!/usr/bin/env bash
# Suite "disk": virtio-blk-pci with the stock kernel and the default initramfs (which loads
# virtio_pci, virtio_blk and ext4), each boot driven by tests/boot/disk_test.py over the console.
#
#   tests/disk/run.sh [--mvisor BIN] [--suite NAME] [FILTER...]
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
#   snapshot        -snapshot: the guest writes, the image and $TMPDIR are as they were
#   clone           --clone 2 on one writable image (tests/disk/clone_test.py, each clone over
#                   its console socket): each writes its own overlay RUN/vmI.d0.qcow2, which
#                   qemu-img checks and which holds that clone's file; the image unchanged
#   vmconfig-shared-image
#                   two config VMs write one image (a third reads it): two overlays
#   interop         mvisor and QEMU on each other's overlays: mvisor writes its own overlay,
#                   QEMU reads and writes it, mvisor reads both and writes again, and mvisor
#                   writes one qemu-img made; after each boot the guest copies its whole disk to
#                   a raw second disk and `qemu-img compare` finds the overlay identical to it
#   crash-*         tests/disk/crash_test.py: a guest writing fdatasync'ed records ended at
#                   random moments, kill -9 (raw, a qcow2 overlay; 5 rounds) and power failure
#                   (x-lossy drives, raw and qcow2 with 4 KiB clusters; 2 rounds), checked
#                   after each round (qemu-img check, e2fsck after a journal replay, every
#                   durable record); crash-harness-must-fail: a cache=unsafe power failure that
#                   the same checks must find losing records. DISK_CRASH_ROUNDS=N: N rounds each
#                   (make check-long: 20, as suite disk-long)
#   corrupt-later   a qcow2 L2 entry pointing past the end of the image: an I/O error for the
#                   guest reading that file (tests/disk/corrupt_test.py), never a crash
#   bad-options     each bad -drive/-device is one "mvisor:" line and exit status 1 (also: one
#                   image written by two disks, a clone's overlay already there, a config VM
#                   writing an image another reads, and bad images: a missing backing file,
#                   truncated, tables unaligned or past the end, version 9, vmdk)
# Scratch files go to build/tests/disk/, transcripts to build/test-logs/disk/.
cd "$(dirname "$0")/../.."
. tests/lib.sh

B=${B:-build}
MVISOR=$B/mvisor
QEMU=${QEMU:-qemu-system-mipsel}
SUITE_NAME=disk
filters=()
while (($#)); do
    case $1 in
    --mvisor) MVISOR=$2; shift 2 ;;
    --suite) SUITE_NAME=$2; shift 2 ;;
    *) filters+=("$1"); shift ;;
    esac
done
# Rounds of the crash tests: make check's (5 kill -9, 2 power failures: one of each kind), or
# make check-long's (DISK_CRASH_ROUNDS=20).
KILL_ROUNDS=${DISK_CRASH_ROUNDS:-5}
POWER_ROUNDS=${DISK_CRASH_ROUNDS:-2}

suite_begin "$SUITE_NAME"
W=$B/tests/$SUITE_NAME
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
# The crash tests' guest program (tests/disk/progs/records.c), static: the initramfs has no libc.
${MIPS_CC:-mipsel-linux-gnu-gcc} -static -O2 -march=mips32r2 -Wall -Wextra -o "$W/tree/records" tests/disk/progs/records.c
known_md5=$(md5sum <"$W/tree/known.txt" | cut -d' ' -f1)
rand_md5=$(md5sum <"$W/tree/rand.bin" | cut -d' ' -f1)
truncate -s 32M "$W/base.img"
mke2fs -q -t ext4 -d "$W/tree" "$W/base.img"
SECTORS=$((32 * 2048))
for n in mvisor qemu ro two det; do cp "$W/base.img" "$W/$n.img"; done

DT=tests/boot/disk_test.py
common=(--log-dir "$SUITE_DIR" --kernel "$KERNEL" --initrd "$INITRD" --sectors "$SECTORS" --md5 "$known_md5")
# The overlay, crash and corruption tests boot the kernel payload itself (vmlinux.bin made into
# an ELF, as the boot and vms suites do: the same kernel without its decompressor, about 3.5 s
# less per boot); the tests above keep the Debian vmlinuz, QEMU's boots too.
FAST_KERNEL=$W/vmlinux.elf
INFO=$B/guest/vmlinux.info
printf 'SECTIONS { . = %s; .text : { *(.data) } }\n' "$(sed -n 's/^load=//p' "$INFO")" >"$W/payload.ld"
mipsel-linux-gnu-ld -EL -T "$W/payload.ld" -e "$(sed -n 's/^entry=//p' "$INFO")" -b binary "$B/guest/vmlinux.bin" \
    -b elf32-tradlittlemips -o "$FAST_KERNEL" >"$W/payload.log" 2>&1 || FAST_KERNEL=$KERNEL
fast=(--log-dir "$SUITE_DIR" --kernel "$FAST_KERNEL" --initrd "$INITRD" --sectors "$SECTORS" --md5 "$known_md5")

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
        --exec-from-disk --write-text written-by-mvisor --write-cache "write back" --facts "$W/mvisor.json" && host_check mvisor "$W/mvisor.img" written-by-mvisor
fi
if selected qemu-rw || selected pci-matches-qemu; then
    run_test qemu-rw 300 python3 "$DT" --qemu --name qemu-rw "${common[@]}" --monitor "$QEMU" \
        --disk-args "-drive file=$W/qemu.img,format=raw,if=none,id=d0 -device virtio-blk-pci,drive=d0" \
        --exec-from-disk --write-text written-by-qemu --write-cache "write back" --facts "$W/qemu.json" && host_check qemu "$W/qemu.img" written-by-qemu
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
# cache=writethrough / directsync (QEMU's cache.writeback=off): the guest sees a write-through
# disk, on QEMU as on mvisor, and what it wrote is on the host.
if selected writethrough; then
    cp "$W/base.img" "$W/wt.img"
    run_test writethrough 300 python3 "$DT" --name writethrough "${fast[@]}" --monitor "$MVISOR" \
        --disk-args "-drive file=$W/wt.img,format=raw,if=virtio,cache=directsync" \
        --write-cache "write through" --write-text written-through --facts "$W/wt.json" &&
        host_check writethrough "$W/wt.img" written-through
fi
if selected qemu-writethrough; then
    cp "$W/base.img" "$W/qwt.img"
    run_test qemu-writethrough 300 python3 "$DT" --qemu --name qemu-writethrough "${common[@]}" --monitor "$QEMU" \
        --disk-args "-drive file=$W/qwt.img,format=raw,if=virtio,cache=writethrough" \
        --write-cache "write through" --facts "$W/qwt.json"
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

# ---- overlays ----------------------------------------------------------------------------
if selected snapshot; then
    # -snapshot: the guest writes, the image stays as it was, the temporary overlay is gone.
    cp "$W/base.img" "$W/snap.img"
    mkdir -p "$W/snaptmp"
    run_test snapshot 300 env TMPDIR="$W/snaptmp" python3 "$DT" --name snapshot "${fast[@]}" --monitor "$MVISOR" \
        --disk-args "-snapshot -drive file=$W/snap.img,format=raw,if=virtio" --write-text by-snapshot \
        --facts "$W/snap.json"
    TEST_LOG=$SUITE_DIR/snapshot.log
    if cmp -s "$W/base.img" "$W/snap.img" && [[ -z $(ls -A "$W/snaptmp") ]]; then
        test_pass snapshot-image-untouched
    else
        test_fail snapshot-image-untouched "the image changed or an overlay was left in \$TMPDIR: $(ls -A "$W/snaptmp")"
    fi
fi

# overlay_ok NAME OVERLAY BASE TEXT: OVERLAY is a clean qcow2 over BASE (absolute name) whose
# file system holds /written.txt = TEXT and is clean.
overlay_ok() {
    local name=$1 ov=$2 base=$3 text=$4 got
    TEST_LOG=$SUITE_DIR/$name.log
    {
        qemu-img check "$ov" && qemu-img info "$ov" | grep -qx "backing file: $(realpath "$base")" &&
            qemu-img convert -O raw "$ov" "$W/$name.raw" && e2fsck -fn "$W/$name.raw"
    } >"$TEST_LOG" 2>&1
    local rc=$?
    got=$(debugfs -R 'cat /written.txt' "$W/$name.raw" 2>/dev/null)
    rm -f "$W/$name.raw"
    if ((rc == 0)) && [[ $got == "$text" ]]; then
        test_pass "$name"
    else
        test_fail "$name" "check/info/e2fsck status $rc, /written.txt '$got' (expected '$text')"
    fi
}

if selected clone; then
    # --clone 2 on one writable image: each clone writes its own overlay in the run folder.
    cp "$W/base.img" "$W/clone.img"
    rm -rf "$W/clone-run"
    run_test clone 300 python3 tests/disk/clone_test.py --log-dir "$SUITE_DIR" --monitor "$MVISOR" --kernel "$FAST_KERNEL" \
        --initrd "$INITRD" --image "$W/clone.img" --run-dir "$W/clone-run" --clones 2 --md5 "$known_md5"
    TEST_LOG=$SUITE_DIR/clone.log
    if cmp -s "$W/base.img" "$W/clone.img"; then test_pass clone-image-untouched; else test_fail clone-image-untouched; fi
    overlay_ok clone-vm0-overlay "$W/clone-run/vm0.d0.qcow2" "$W/clone.img" by-vm0
    overlay_ok clone-vm1-overlay "$W/clone-run/vm1.d0.qcow2" "$W/clone.img" by-vm1
fi

# vmconfig_run NAME JSON: --vm-config with these VMs (each stops after one instruction).
vmconfig_run() {
    local name=$1
    printf '%s\n' "$2" >"$W/$name.json"
    rm -rf "$W/$name-run"
    test_exec "$name" 30 "$MVISOR" --vm-config "$W/$name.json" --run-dir "$W/$name-run"
}
if selected vmconfig-shared-image; then
    # Two VMs name one writable image: each writes its own overlay; a third reads the image.
    cp "$W/base.img" "$W/shared.img"
    vm='"-M", "malta", "-kernel", "'$(realpath "$KERNEL")'", "--max-insns", "1", "-drive"'
    img=$(realpath "$W/shared.img")
    vmconfig_run vmconfig-shared-image "[{\"name\": \"a\", \"options\": [$vm, \"file=$img,if=virtio,id=d0\"]},
        {\"name\": \"b\", \"options\": [$vm, \"file=$img,if=virtio,id=d0\"]},
        {\"name\": \"c\", \"options\": [$vm, \"file=$img,if=virtio,readonly=on\"]}]"
    if ((TEST_RC == 3)) && [[ -f $W/vmconfig-shared-image-run/a.d0.qcow2 && -f $W/vmconfig-shared-image-run/b.d0.qcow2 ]] &&
        qemu-img check "$W/vmconfig-shared-image-run/a.d0.qcow2" >>"$TEST_LOG" 2>&1 && cmp -s "$W/base.img" "$W/shared.img" &&
        (($(ls "$W/vmconfig-shared-image-run" | grep -c qcow2) == 2)); then
        test_pass vmconfig-shared-image
    else
        test_fail vmconfig-shared-image "status $TEST_RC (3 expected: the instruction limit), overlays: $(ls "$W/vmconfig-shared-image-run" 2>&1)"
    fi
fi

# ---- overlays and images between mvisor and QEMU ----------------------------------------------
# Each boot writes; each image is then read by the other implementation and compared with
# `qemu-img compare` against a raw copy the guest made of its whole disk (/dev/vda onto /dev/vdb).
if selected interop; then
    cp "$W/base.img" "$W/io-base.img"
    for n in 1 2 3 4; do truncate -s 0 "$W/io-copy$n.raw"; truncate -s 32M "$W/io-copy$n.raw"; done
    rm -rf "$W/io-run" "$W/io-q.qcow2"
    # After each boot the image, as qemu-img reads it, is what that boot's guest read (its copy).
    io_compare() {
        TEST_LOG=$SUITE_DIR/$1.log
        {
            qemu-img check "$2" && qemu-img compare -f qcow2 -F raw "$2" "$3"
        } >"$TEST_LOG" 2>&1 && test_pass "$1" || test_fail "$1" "qemu-img check or compare of $2 and $3 failed"
    }
    cpy() { echo "-drive file=$1,format=qcow2,if=virtio -drive file=$2,format=raw,if=virtio"; }
    # 1. mvisor makes its overlay (--clone 1, stopped at once), boots it and writes.
    "$MVISOR" -M malta -kernel "$KERNEL" --max-insns 1 --clone 1 --run-dir "$W/io-run" -serial none \
        -drive "file=$W/io-base.img,format=raw,if=virtio,id=d0" >"$SUITE_DIR/io-make-overlay.log" 2>&1
    OV=$W/io-run/vm0.d0.qcow2
    run_test io-mvisor-writes-its-overlay 300 python3 "$DT" --name io-mvisor-writes-its-overlay "${fast[@]}" \
        --monitor "$MVISOR" --disk-args "$(cpy "$OV" "$W/io-copy1.raw")" --write-text by-mvisor \
        --copy-to-vdb --facts "$W/io1.json"
    io_compare io-qemu-reads-mvisor-overlay "$OV" "$W/io-copy1.raw"
    # 2. QEMU boots that overlay, reads mvisor's file, writes its own.
    run_test io-qemu-writes-mvisor-overlay 300 python3 "$DT" --qemu --name io-qemu-writes-mvisor-overlay "${common[@]}" \
        --monitor "$QEMU" --disk-args "$(cpy "$OV" "$W/io-copy2.raw")" --expect-file written.txt=by-mvisor \
        --write-name qemu.txt --write-text by-qemu --copy-to-vdb --facts "$W/io2.json"
    io_compare io-qemu-compare-2 "$OV" "$W/io-copy2.raw"
    # 3. mvisor boots it again: QEMU's clusters in mvisor's overlay.
    run_test io-mvisor-reads-qemu-writes 300 python3 "$DT" --name io-mvisor-reads-qemu-writes "${fast[@]}" \
        --monitor "$MVISOR" --disk-args "$(cpy "$OV" "$W/io-copy3.raw")" --expect-file written.txt=by-mvisor \
        --expect-file qemu.txt=by-qemu --write-name again.txt --write-text again --copy-to-vdb --facts "$W/io3.json"
    io_compare io-compare-3 "$OV" "$W/io-copy3.raw"
    # 4. An overlay qemu-img made, written by mvisor.
    qemu-img create -q -f qcow2 -b "$(realpath "$W/io-base.img")" -F raw "$W/io-q.qcow2"
    run_test io-mvisor-writes-qemu-overlay 300 python3 "$DT" --name io-mvisor-writes-qemu-overlay "${fast[@]}" \
        --monitor "$MVISOR" --disk-args "$(cpy "$W/io-q.qcow2" "$W/io-copy4.raw")" --write-text by-mvisor \
        --copy-to-vdb --facts "$W/io4.json"
    io_compare io-compare-4 "$W/io-q.qcow2" "$W/io-copy4.raw"
    cmp -s "$W/base.img" "$W/io-base.img" && test_pass io-base-untouched || test_fail io-base-untouched
fi

# ---- crash tests (tests/disk/crash_test.py) ------------------------------------------------
# A 128 MiB file system (the rounds add up) with the records program.
CT=tests/disk/crash_test.py
crash() { # crash NAME IMAGE FORMAT MODE ROUNDS [more crash_test.py options]
    local name=$1 img=$2 fmt=$3 mode=$4 rounds=$5
    shift 5
    run_test "$name" $((60 + rounds * 60)) python3 "$CT" --name "$name" --log-dir "$SUITE_DIR" --work "$W" \
        --monitor "$MVISOR" --kernel "$FAST_KERNEL" --initrd "$INITRD" --image "$img" --format "$fmt" --mode "$mode" \
        --rounds "$rounds" "$@"
}
if selected crash-raw-kill || selected crash-qcow2-kill || selected crash-raw-power || selected crash-qcow2-power ||
    selected crash-harness-must-fail; then
    truncate -s 128M "$W/crash-base.img"
    mke2fs -q -t ext4 -d "$W/tree" "$W/crash-base.img"
fi
if selected crash-raw-kill; then
    cp "$W/crash-base.img" "$W/crash-raw.img"
    crash crash-raw-kill "$W/crash-raw.img" raw kill "$KILL_ROUNDS"
fi
if selected crash-qcow2-kill; then
    # An overlay qemu-img made over a raw base (clusters copied on write from the base).
    cp "$W/crash-base.img" "$W/crash-qbase.img"
    rm -f "$W/crash-q.qcow2"
    qemu-img create -q -f qcow2 -b crash-qbase.img -F raw "$W/crash-q.qcow2"
    crash crash-qcow2-kill "$W/crash-q.qcow2" qcow2 kill "$KILL_ROUNDS"
fi
if selected crash-raw-power; then
    cp "$W/crash-base.img" "$W/crash-praw.img"
    crash crash-raw-power "$W/crash-praw.img" raw power "$POWER_ROUNDS"
fi
if selected crash-qcow2-power; then
    # A whole qcow2 image (no backing file), 4 KiB clusters: more metadata per guest write.
    rm -f "$W/crash-p.qcow2"
    qemu-img convert -f raw -O qcow2 -o cluster_size=4096 "$W/crash-base.img" "$W/crash-p.qcow2"
    crash crash-qcow2-power "$W/crash-p.qcow2" qcow2 power "$POWER_ROUNDS"
fi
if selected crash-harness-must-fail; then
    # The harness's own check: cache=unsafe makes no flush reach the lossy drive, so a power
    # failure loses records the guest was told were durable, and the checks must say so.
    cp "$W/crash-base.img" "$W/crash-unsafe.img"
    test_exec crash-harness-must-fail 120 python3 "$CT" --name crash-harness-must-fail --log-dir "$SUITE_DIR" \
        --work "$W" --monitor "$MVISOR" --kernel "$FAST_KERNEL" --initrd "$INITRD" --image "$W/crash-unsafe.img" \
        --format raw --mode power --rounds 1 --cache unsafe --window 2
    if ((TEST_RC == 1)) && grep -q "missing\|not as written" "$TEST_LOG"; then
        test_pass crash-harness-must-fail "records lost and found missing"
    else
        test_fail crash-harness-must-fail "status $TEST_RC: the harness did not see the lost records"
    fi
fi

# ---- a corruption found later: an I/O error for the guest --------------------------------------
if selected corrupt-later; then
    qemu-img convert -f raw -O qcow2 "$W/base.img" "$W/corrupt.qcow2"
    # the middle of the 4 MiB file: its 64 KiB cluster holds nothing else
    blk=$(debugfs -R 'bmap /rand.bin 2048' "$W/base.img" 2>/dev/null)
    bs=$(dumpe2fs -h "$W/base.img" 2>/dev/null | sed -n 's/^Block size: *//p')
    python3 tests/disk/corrupt_test.py make "$W/corrupt.qcow2" $((blk * bs)) >"$SUITE_DIR/corrupt-make.log" 2>&1
    run_test corrupt-later 300 python3 tests/disk/corrupt_test.py boot --monitor "$MVISOR" --kernel "$FAST_KERNEL" \
        --initrd "$INITRD" --image "$W/corrupt.qcow2" --log-dir "$SUITE_DIR" --broken-file rand.bin
fi

bad_option missing-file -drive file="$W"/nonexistent.img,if=virtio
bad_option no-if -drive file="$W"/ro.img
bad_option bad-if -drive file="$W"/ro.img,if=ide
bad_option bad-format -drive file="$W"/ro.img,if=virtio,format=vmdk
bad_option bad-cache -drive file="$W"/ro.img,if=virtio,cache=fast
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
bad_option image-twice -drive file="$W"/ro.img,if=virtio -drive file="$W/../$(basename "$W")/ro.img",if=virtio,readonly=on
bad_option clone-image-twice --clone 2 -drive file="$W"/ro.img,if=virtio -drive file="$W"/ro.img,if=virtio,snapshot=off
bad_option bad-snapshot -drive file="$W"/ro.img,if=virtio,snapshot=maybe
bad_option snapshot-missing-file -snapshot -drive file="$W"/nonexistent.img,if=virtio
TMPDIR=$W/no-such-folder bad_option snapshot-no-tmpdir -snapshot -drive file="$W"/ro.img,if=virtio
bad_option bad-lossy -drive file="$W"/ro.img,if=virtio,x-lossy=-3
bad_option clone-missing-file --clone 2 --run-dir "$W"/bad-run -drive file="$W"/nonexistent.img,if=virtio
if selected bad-clone-overlay-exists; then
    rm -rf "$W/exists-run" && mkdir -p "$W/exists-run" && echo data >"$W/exists-run/vm1.d0.qcow2"
fi
bad_option clone-overlay-exists --clone 2 --run-dir "$W"/exists-run -drive file="$W"/ro.img,if=virtio,id=d0
if selected bad-clone-overlay-exists; then
    # the refusal kept what was there and took nothing else with it
    if [[ $(cat "$W/exists-run/vm1.d0.qcow2") == data && ! -e $W/exists-run/vm0.d0.qcow2 ]]; then
        test_pass clone-overlay-exists-kept
    else
        test_fail clone-overlay-exists-kept "$(ls "$W/exists-run")"
    fi
fi
# Bad images at start: each one line and status 1 (never a guest that sees garbage).
if selected bad-image-missing-backing || selected bad-image-truncated || selected bad-image-l1-unaligned ||
    selected bad-image-l1-past-end || selected bad-image-refcount-past-end || selected bad-image-bad-version ||
    selected bad-image-vmdk || selected bad-image-missing-backing-snapshot || selected bad-image-truncated-clone; then
    qemu-img create -q -f qcow2 "$W/good.qcow2" 32M
    qemu-img create -q -f qcow2 -u -b "$(realpath -m "$W/nonexistent-base.img")" -F raw "$W/nobase.qcow2" 32M
    head -c 72 "$W/good.qcow2" >"$W/truncated.qcow2"
    # header fields (QEMU docs/interop/qcow2.txt): l1_table_offset at 40, refcount_table_offset at 48
    poke() { cp "$W/good.qcow2" "$W/$1.qcow2"; printf "$3" | dd of="$W/$1.qcow2" bs=1 seek="$2" conv=notrunc status=none; }
    poke l1-unaligned 47 '\x01'
    poke l1-past-end 41 '\x7f'
    poke refcount-past-end 49 '\x7f'
    poke bad-version 7 '\x09'
    qemu-img create -q -f vmdk "$W/disk.vmdk" 32M
fi
bad_option image-missing-backing -drive file="$W"/nobase.qcow2,if=virtio
bad_option image-truncated -drive file="$W"/truncated.qcow2,if=virtio
bad_option image-l1-unaligned -drive file="$W"/l1-unaligned.qcow2,if=virtio
bad_option image-l1-past-end -drive file="$W"/l1-past-end.qcow2,if=virtio
bad_option image-refcount-past-end -drive file="$W"/refcount-past-end.qcow2,if=virtio
bad_option image-bad-version -drive file="$W"/bad-version.qcow2,if=virtio
bad_option image-vmdk -drive file="$W"/disk.vmdk,if=virtio
bad_option image-missing-backing-snapshot -snapshot -drive file="$W"/nobase.qcow2,if=virtio
bad_option image-truncated-clone --clone 2 --run-dir "$W"/bad-run2 -drive file="$W"/truncated.qcow2,if=virtio
if selected vmconfig-writer-and-reader; then
    vm='"-M", "malta", "-kernel", "'$(realpath "$KERNEL")'", "--max-insns", "1", "-drive"'
    img=$(realpath "$W/ro.img")
    vmconfig_run vmconfig-writer-and-reader "[{\"name\": \"a\", \"options\": [$vm, \"file=$img,if=virtio\"]},
        {\"name\": \"b\", \"options\": [$vm, \"file=$img,if=virtio,readonly=on\"]}]"
    if ((TEST_RC == 1)) && [[ $(grep -c '^mvisor: ' "$TEST_LOG") == 1 ]] && grep -q 'written by VM a and also used by VM b' "$TEST_LOG"; then
        test_pass vmconfig-writer-and-reader "$(grep '^mvisor: ' "$TEST_LOG")"
    else
        test_fail vmconfig-writer-and-reader "status $TEST_RC"
    fi
fi
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
