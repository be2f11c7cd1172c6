#!/usr/bin/env bash
# Run test suites (a failing suite does not stop the rest; two side by side, below), then
# tests/summary.sh over them (which reports the oracle suite isa-user, the tests under
# qemu-mipsel, on its own line, outside mvisor's pass count). Exit status: that of the summary,
# non-zero on any failure, the oracle's included.
#
#   scripts/run-suites.sh [--build 'TARGET...'] SUITE...     (unit decoder isa isa-user isa-qemu cli ubsan diff boot disk net qmp tsan vms asan balloon fuzz hostile; disk-long rootfs-long fuzz-long)
#
# --build first runs `$MAKE -k TARGET...` and records it as the pseudo-suite "build"
# (one test; transcript build/test-logs/build/make.log), so a build failure fails the run
# while the suites still test whatever did build.
#
# Suites side by side: the suites that run one process at a time (suite_width 1 below) run two
# (SUITE_JOBS, default: the number of processors) at a time, beside each other but never beside a
# suite that runs its own tests side by side and fills the machine alone (TEST_JOBS tests at a
# time: unit, isa, ubsan, diff, boot's BOOT_JOBS boots; a suite not listed counts as one of
# those). Such a suite runs alone, its output shown as it comes; a one-process suite started
# beside another has its output held in build/test-logs/SUITE.out and printed whole, in the
# order of the command line, once every suite before it has been printed. SUITE_JOBS=1 runs them one after another as
# they come.
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
# run_suite SUITE: run one suite's runner.
run_suite() {
    local s=$1
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
    asan) tests/asan/run.sh ;;
    balloon) tests/balloon/run.sh --mvisor "$B/mvisor" ;;
    fuzz) tests/fuzz/run.sh --check ;;
    fuzz-long) tests/fuzz/run.sh --long ;;
    hostile) tests/hostile/run.sh --mvisor "$B/mvisor" ;;
    *) echo "run-suites: unknown suite '$s'" >&2 ;;
    esac
}

# suite_width SUITE: how many processors the suite keeps busy by itself: 1 for the suites that
# run one test process at a time, 0 for those that fill the machine (their tests side by side).
suite_width() {
    case $1 in
    fuzz-long) (("${FUZZ_JOBS:-1}" > 1)) && echo 0 || echo 1 ;;    # FUZZ_JOBS targets side by side
    decoder | isa-qemu | cli | disk | disk-long | net | qmp | tsan | vms | asan | fuzz) echo 1 ;;
    *) echo 0 ;;
    esac
}

SUITE_JOBS=${SUITE_JOBS:-$(nproc 2>/dev/null || echo 1)}
pending=("$@")                    # not started yet, in order
declare -A pid_of=() done_of=() live_of=()
running=0 full=0                  # suites running; whether one of them fills the machine
shown=0                           # suites printed, in the order given
# show_done: print the finished suites that are next in order.
show_done() {
    local s
    while ((shown < ${#order[@]})); do
        s=${order[$shown]}
        [[ -n ${done_of[$s]:-} ]] || return 0
        if [[ -z ${live_of[$s]:-} ]]; then
            cat "$B/test-logs/$s.out"
            rm -f "$B/test-logs/$s.out"
        fi
        shown=$((shown + 1))
    done
}
# reap: wait for a running suite to end, then print what can be printed.
reap() {
    local pid s
    wait -n -p pid || :
    for s in "${!pid_of[@]}"; do
        [[ ${pid_of[$s]} == "$pid" ]] || continue
        unset "pid_of[$s]"
        done_of[$s]=1
        running=$((running - 1))
        (($(suite_width "$s") == 0)) && full=0
    done
    show_done
}
order=("$@")
for s in "$@"; do
    rm -f "$B/test-logs/$s.result"
    suites+=("$s")
done
mkdir -p "$B/test-logs"
if ((SUITE_JOBS <= 1)); then
    for s in "$@"; do run_suite "$s"; done
else
    while ((${#pending[@]})); do
        # the first pending suite that fits beside those running
        pick=-1
        for i in "${!pending[@]}"; do
            w=$(suite_width "${pending[$i]}")
            if ((running == 0)) || ((w == 1 && !full && running < SUITE_JOBS)); then
                pick=$i
                break
            fi
        done
        if ((pick < 0)); then
            reap
            continue
        fi
        s=${pending[$pick]}
        pending=("${pending[@]:0:pick}" "${pending[@]:pick+1}")
        # a one-process suite keeps to one process (tests/lib.sh TEST_JOBS: the unit runner
        # under asan and tsan), the room it was given beside another
        if (($(suite_width "$s") == 0)); then
            # Nothing runs beside it, and every suite before it has ended and been printed (it is
            # the first pending one and nothing runs): it runs here, its output as it comes.
            if [[ ${order[$shown]} == "$s" ]]; then
                run_suite "$s"
                done_of[$s]=1
                shown=$((shown + 1))
                continue
            fi
            full=1
            run_suite "$s" >"$B/test-logs/$s.out" 2>&1 </dev/null &
        elif [[ ${order[$shown]} == "$s" ]] && ((running == 0)); then
            # next to be printed: its output as it comes
            live_of[$s]=1
            TEST_JOBS=1 run_suite "$s" </dev/null &
        else
            TEST_JOBS=1 run_suite "$s" >"$B/test-logs/$s.out" 2>&1 </dev/null &
        fi
        pid_of[$s]=$!
        running=$((running + 1))
    done
    while ((running)); do reap; done
    show_done
fi
SUMMARY_WALL=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') \
    exec tests/summary.sh "${suites[@]}"
