#!/usr/bin/env bash
# Suite "tsan": everything that runs threads, built with ThreadSanitizer (build/tsan/), failing on
# any race report:
#   multivm  tests/unit/test_multivm.c (eight VMs interleaved on one thread, two VMs on two
#            threads) and tests/unit/test_sched.c (the scheduler's workers, poller and a control
#            thread over eight VMs) and tests/unit/test_virtio_blk.c (virtio-blk's I/O thread
#            handing requests back to the vCPU side), tests/unit/test_bufcache.c (two VMs'
#            I/O threads filling and sharing the buffer cache) and tests/unit/test_virtio_net.c (frames
#            handed to the card from another thread; the switch with two senders while ports come and go),
#            tests/unit/test_virtio_balloon.c (targets and stats requests from another thread),
#            tests/unit/test_pageshare.c (the page-sharing scanner's thread merging pages while
#            guest threads store into them), tests/unit/test_numa.c (three VMs' threads replicating,
#            collapsing and mapping back pages they share while QMP's reads go on),
#            built under build/tsan/tests/unit/ and counted like suite unit;
#            a report makes the binary exit non-zero (TSan's exitcode 66)
#   tsan-qmp the qmp suite's sessions (console thread, QMP thread, vCPU thread, -serial unix:)
#            on build/tsan/mvisor; a case fails if the sanitizer wrote a report
#   tsan-cli the cli suite's cases of several VMs (the scheduler's workers and watcher, consoles
#            with logs and sockets, one QMP socket routing to several VMs, signals, per-VM exit),
#            and smp-dvpe-short (a vCPU standing still in its slice for the other's dvpe)
#            on build/tsan/mvisor; a report fails the case (exit 66) and the part
#   tsan-smp a -cpu 34Kf -smp 2 --smp-threads 2 boot (each vCPU on its own host thread) of the
#            kernel payload with tests/tsan/smp-init: tests/boot/progs/atomics.c and smptorture.c's
#            atomics and cross-CPU self-modifying code, every count exact, powered off, and no
#            report (the intended races of translated code are annotated where they are: README
#            "SMP guests")
#   tsan-net the net suite's switch case (three VMs, two switches, the scheduler's workers, QMP),
#            user case (libslirp's thread) and socket-hostile case (the socket backend's thread)
#            on build/tsan/mvisor; a report fails the case and the part
#
#   tests/tsan/run.sh [FILTER...]      (FILTERs go to the qmp part, e.g. stop-cont)
#
# Each part is its runner as a sub-suite: transcripts under build/test-logs/tsan/multivm/ and
# build/test-logs/tsan/tsan-qmp/ (sockets in build/tests/tsan-qmp/, apart from suite qmp's);
# their counts add up to build/test-logs/tsan.result.
cd "$(dirname "$0")/../.."
. tests/lib.sh

B=${B:-build}
suite_begin tsan
root=$TEST_LOG_ROOT
TEST_LOG_ROOT=$root/tsan tests/unit/run.sh --suite multivm "$B/tsan/tests/unit/test_multivm" "$B/tsan/tests/unit/test_sched" \
    "$B/tsan/tests/unit/test_virtio_blk" "$B/tsan/tests/unit/test_bufcache" "$B/tsan/tests/unit/test_virtio_net" \
    "$B/tsan/tests/unit/test_virtio_balloon" "$B/tsan/tests/unit/test_pageshare" "$B/tsan/tests/unit/test_numa"
TEST_LOG_ROOT=$root/tsan tests/qmp/run.sh --suite tsan-qmp --tsan --mvisor "$B/tsan/mvisor" "$@"
TEST_LOG_ROOT=$root/tsan CLI_TIMEOUT=120 tests/cli/run.sh --suite tsan-cli --tsan --mvisor "$B/tsan/mvisor" \
    'vmcfg-*' 'clone-*' 'rundir-*' containment several-sigterm perfmap-several qmp-several-vms stats-per-vm \
    smp-dvpe-short
TEST_LOG_ROOT=$root/tsan tests/net/run.sh --suite tsan-net --tsan --mvisor "$B/tsan/mvisor" switch user socket-hostile
# tsan-smp: the guest programs and the payload are built here, as suite boot builds them.
(
    TEST_LOG_ROOT=$root/tsan
    suite_begin tsan-smp
    w=$B/tests/tsan-smp cc=${MIPS_CC:-mipsel-linux-gnu-gcc} info=$B/guest/vmlinux.info
    mkdir -p "$w"
    if "$cc" -static -O2 -march=mips32r2 -o "$w/atomics" tests/boot/progs/atomics.c &&
        "$cc" -static -O2 -march=mips32r2 -o "$w/smptorture" tests/boot/progs/smptorture.c -lpthread &&
        scripts/make-initramfs.sh "$B/guest/busybox" "$w/smp.cpio.gz" tests/tsan/smp-init "$w/atomics" \
            "$w/smptorture" >"$w/initramfs.log" &&
        printf 'SECTIONS { . = %s; .text : { *(.data) } }\n' "$(sed -n 's/^load=//p' "$info")" >"$w/payload.ld" &&
        mipsel-linux-gnu-ld -EL -T "$w/payload.ld" -e "$(sed -n 's/^entry=//p' "$info")" -b binary \
            "$B/guest/vmlinux.bin" -b elf32-tradlittlemips -o "$w/vmlinux.elf"; then
        test_exec tsan-smp 900 "$B/tsan/mvisor" -M malta -m 256 -cpu 34Kf -smp 2 --smp-threads 2 \
            -kernel "$w/vmlinux.elf" -initrd "$w/smp.cpio.gz" -append 'console=ttyS0 rdinit=/bin/smp-init' \
            -nographic --timeout 600
        exact=$(grep -cE '^(atomics|torture .*): [0-9]+ of [0-9]+ exact|^smc: 20 rewrites seen by the other CPU ok' \
            "$TEST_LOG")
        reports=$(grep -c 'WARNING: ThreadSanitizer' "$TEST_LOG")
        if ((TEST_RC == 0 && reports == 0 && exact == 6)) && grep -q '^== nproc 2 online 0-1' "$TEST_LOG"; then
            test_pass tsan-smp "2 vCPU threads, no report"
        else
            test_fail tsan-smp "$reports reports, $exact of 6 checks, status $TEST_RC"
        fi
    else
        TEST_LOG=
        test_fail tsan-smp "cannot build the guest programs or the payload"
    fi
    suite_end
)
suite_count_parts "$root/tsan" multivm tsan-qmp tsan-cli tsan-net tsan-smp
suite_end
