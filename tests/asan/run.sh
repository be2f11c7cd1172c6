#!/usr/bin/env bash
# Suite "asan": AddressSanitizer and UBSan (-fno-sanitize-recover=all), LeakSanitizer at exit,
# over the disk-image unit tests and smoke subsets of the suites that run the monitor itself.
# Zero reports: every report goes to a file under build/tests/asan/reports/ (ASAN_OPTIONS and
# UBSAN_OPTIONS log_path), and the last case, asan-reports, fails if there is one.
#   asan-unit  the disk-image tests (tests/unit/test_block_*.c, linked with the block layer
#              only), test_virtio_balloon (the virtio transport and guest memory only) and
#              test_net_gso (the TCP segmenter, with the network layer only),
#              built under build/asan/tests/unit/, counted like suite unit
#   asan-cli   the cli suite's bad kernels, bad values and bad --vm-config files (each must
#              still be one line and status 1: a leak on an error path changes the status),
#              programs in every engine, several VMs (configs, clones, the worst status, a
#              wedged VM beside others, SIGTERM, containment), on build/asan/mvisor
#   asan-qmp   the qmp suite's protocol and stop-cont cases (a Linux boot, QMP framing and
#              commands) on build/asan/mvisor
#   asan-net   the net suite's user (libslirp: DHCP, an HTTP fetch, hostfwd) and socket-hostile
#              cases, and every bad network option, on build/asan/mvisor
#   asan-disk  the disk suite's bad images and options and its det case (a Linux boot writing
#              a raw and a qcow2 disk) on build/asan/mvisor
# Not here: the cli cases that limit the address space (ulimit -v), which ASan's shadow memory
# cannot live with. LeakSanitizer's suppressions, each with its reason: tests/asan/lsan.supp.
# The ASan build runs with -sandbox off by default (LeakSanitizer's exit check traces the
# process). Each part is its runner as a sub-suite (transcripts under build/test-logs/asan/);
# their counts add up to build/test-logs/asan.result.
#
#   tests/asan/run.sh
cd "$(dirname "$0")/../.."
. tests/lib.sh

B=${B:-build}
MVISOR=$B/asan/mvisor
suite_begin asan
root=$TEST_LOG_ROOT
R=$B/tests/asan/reports
rm -rf "$R"
mkdir -p "$R"
R=$(cd "$R" && pwd)
# fast_unwind_on_malloc=0: whole stacks through the C library (asprintf), so the suppressions'
# function names are found
export ASAN_OPTIONS="detect_leaks=1:log_path=$R/asan:abort_on_error=0:fast_unwind_on_malloc=0"
export UBSAN_OPTIONS="print_stacktrace=1:log_path=$R/ubsan"
export LSAN_OPTIONS="log_path=$R/lsan:suppressions=$PWD/tests/asan/lsan.supp:print_suppressions=0"

mapfile -t bins < <(for t in tests/unit/test_block_*.c; do echo "$B/asan/tests/unit/$(basename "$t" .c)"; done)
bins+=("$B/asan/tests/unit/test_virtio_balloon")
bins+=("$B/asan/tests/unit/test_net_gso")
TEST_LOG_ROOT=$root/asan UNIT_TIMEOUT=${UNIT_TIMEOUT:-180} tests/unit/run.sh --suite asan-unit "${bins[@]}"
TEST_LOG_ROOT=$root/asan CLI_TIMEOUT=120 tests/cli/run.sh --suite asan-cli --mvisor "$MVISOR" \
    'kernel-*' 'vmcfg-*' 'clone-three' 'clone-named' 'm-*' 'run-pass' 'run-pass-dbt' 'run-pass-interp' \
    'run-pass-trap' 'run-fail' 'run-loop-max-insns*' 'qmp-*' 'serial-*' 'containment' 'several-sigterm' \
    'profile-json*' 'rundir-*'
TEST_LOG_ROOT=$root/asan tests/qmp/run.sh --suite asan-qmp --mvisor "$MVISOR" protocol stop-cont
TEST_LOG_ROOT=$root/asan tests/net/run.sh --suite asan-net --mvisor "$MVISOR" user socket-hostile 'bad-*'
TEST_LOG_ROOT=$root/asan tests/disk/run.sh --suite asan-disk --mvisor "$MVISOR" 'bad-*' det
suite_count_parts "$root/asan" asan-unit asan-cli asan-qmp asan-net asan-disk
TEST_LOG=
reports=$(find "$R" -type f | sort)
if [[ -z $reports ]]; then
    test_pass asan-reports "no sanitizer report"
else
    for f in $reports; do
        echo "---- $f"
        head -40 "$f"
    done
    test_fail asan-reports "$(echo "$reports" | wc -l) report file(s) in $R"
fi
suite_end
