#!/usr/bin/env bash
# Run test suites one after another (a failing suite does not stop the rest), then
# tests/summary.sh over them (which reports the oracle suite isa-user, the tests under
# qemu-mipsel, on its own line, outside mvisor's pass count). Exit status: that of the summary,
# non-zero on any failure, the oracle's included.
#
#   scripts/run-suites.sh [--build 'TARGET...'] SUITE...     (unit decoder isa isa-user isa-qemu cli ubsan diff boot disk net qmp tsan vms asan; disk-long rootfs-long)
#
# --build first runs `$MAKE -k TARGET...` and records it as the pseudo-suite "build"
# (one test; transcript build/test-logs/build/make.log), so a build failure fails the run
# while the suites still test whatever did build.
cd "$(dirname "$0")/.."
B=${B:-build}
MAKE=${MAKE:-make}
t0=$(date +%s.%N)
suites=()
if [[ ${1:-} == --build ]]; then
    . tests/lib.sh
    suite_begin build
    TEST_LOG=$SUITE_DIR/make.log
    # shellcheck disable=SC2086
    if $MAKE --no-print-directory -k $2 2>&1 | tee "$TEST_LOG"; [[ ${PIPESTATUS[0]} == 0 ]]; then
        test_pass make
    else
        test_fail make "some targets did not build; their tests fail below"
    fi
    suite_end
    suites+=(build)
    shift 2
fi
for s in "$@"; do
    rm -f "$B/test-logs/$s.result"
    case $s in
    unit) tests/unit/run.sh ;;
    decoder) scripts/check-decoder.sh ;;
    isa) tests/isa/run.sh --suite isa --mvisor "$B/mvisor" ;;
    isa-user) tests/isa/run.sh --user ;;
    isa-qemu) tests/isa/run-qemu.sh --mvisor "$B/mvisor" ;;
    cli) tests/cli/run.sh --mvisor "$B/mvisor" ;;
    ubsan) tests/isa/run.sh --suite ubsan --mvisor "$B/ubsan/mvisor" --modes "interp dbt dbt-nochain trap" \
        --umode-irq-modes dbt ;;
    diff) tests/diff/run.sh ;;
    boot) tests/boot/run.sh --mvisor "$B/mvisor" ;;
    disk) tests/disk/run.sh --mvisor "$B/mvisor" ;;
    disk-long) DISK_CRASH_ROUNDS=${DISK_CRASH_ROUNDS:-20} tests/disk/run.sh --suite disk-long --mvisor "$B/mvisor" 'crash-*' ;;
    rootfs-long) tests/rootfs/run.sh --mvisor "$B/mvisor" ;;
    net) tests/net/run.sh --mvisor "$B/mvisor" ;;
    qmp) tests/qmp/run.sh --mvisor "$B/mvisor" ;;
    tsan) tests/tsan/run.sh ;;
    vms) tests/vms/run.sh --mvisor "$B/mvisor" ;;
    asan) mapfile -t bins < <(for t in tests/unit/test_block_*.c; do echo "$B/asan/tests/unit/$(basename "$t" .c)"; done)
        UNIT_TIMEOUT=${UNIT_TIMEOUT:-180} tests/unit/run.sh --suite asan "${bins[@]}" ;;
    *) echo "run-suites: unknown suite '$s'" >&2 ;;
    esac
    suites+=("$s")
done
SUMMARY_WALL=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') \
    exec tests/summary.sh "${suites[@]}"
