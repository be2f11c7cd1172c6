#!/usr/bin/env bash
# The libFuzzer harnesses of tests/fuzz/ (build/fuzz/fuzz_TARGET, built by make fuzz-build).
#
#   tests/fuzz/run.sh --check [TARGET...]   suite "fuzz": per target one test, which replays the
#                                           committed corpus tests/fuzz/corpus/TARGET/ (-runs=0)
#                                           and then fuzzes its share of FUZZ_CHECK_SECONDS
#                                           (default 120 s split among the targets)
#   tests/fuzz/run.sh --fuzz [TARGET...]    make fuzz: FUZZ_SECONDS (default 60) per target
#   tests/fuzz/run.sh --long [TARGET...]    make check-long (suite fuzz-long): the issue's campaign,
#                                           FUZZ_GUEST_SECONDS (default 3600) for each target a
#                                           guest feeds (diff devices virtio_* slirp), and
#                                           FUZZ_USER_SECONDS (default 600) for the others (a
#                                           user's files and sockets: elf qcow2 vmconfig qmp
#                                           netsocket)
#
# Without TARGETs: every tests/fuzz/fuzz_*.c. What fuzzing finds goes to build/fuzz/corpus/TARGET/
# (build/fuzz/check-corpus/TARGET/ for --check, emptied first; never the committed corpus: a
# worthwhile input is copied there by hand), a crash to build/fuzz/artifacts/TARGET/ (its path is
# in the transcript). A PASS line gives libFuzzer's numbers at the end: executions, exec/s, cov
# (edges) and ft (features).
cd "$(dirname "$0")/../.."
. tests/lib.sh

B=${B:-build}
mode=${1:---check}
shift || true
targets=("$@")
if ((${#targets[@]} == 0)); then
    for src in tests/fuzz/fuzz_*.c; do
        [[ -e $src ]] || continue
        n=$(basename "$src" .c)
        targets+=("${n#fuzz_}")
    done
fi
n=${#targets[@]}
case $mode in
--check) suite=fuzz; total=${FUZZ_CHECK_SECONDS:-120}
    per=$(((total + n - 1) / (n ? n : 1))) ;;
--fuzz) suite=fuzz-long; per=${FUZZ_SECONDS:-60} ;;
--long) suite=fuzz-long; per=1 ;;
*) echo "usage: tests/fuzz/run.sh --check|--fuzz|--long [TARGET...]" >&2; exit 2 ;;
esac
((per >= 1)) || per=1

# stats LOG: "N runs, E exec/s, cov C, ft F" from libFuzzer's last status line
stats() {
    awk '/^#[0-9]+/ { r = $1; c = ""; f = ""; e = ""
            for (i = 2; i <= NF; i++) { if ($i == "cov:") c = $(i + 1); if ($i == "ft:") f = $(i + 1)
                                         if ($i == "exec/s:") e = $(i + 1) } }
         END { sub(/^#/, "", r); printf "%s runs, %s exec/s, cov %s, ft %s", r, e, c, f }' "$1"
}

# A campaign (--fuzz, --long) runs unattended: libFuzzer stops at its first crash, so the target
# starts again (from its corpus, which keeps what it found) until its time is spent, at most
# FUZZ_MAX_CRASHES (10) times; every crash input stays in build/fuzz/artifacts/TARGET/. Each
# target's figures go to the report, $B/fuzz/report.md, a row as soon as the target ends, so a
# campaign stopped half way (SIGINT, SIGTERM) still leaves the rows of the targets it finished
# and a line saying where it stopped.
report=$B/fuzz/report.md
# fuzz_exec NAME SECONDS CMD...: test_exec's transcript and TEST_RC, with the command in the
# background, so that a signal to this script is handled at once (bash runs a trap only when the
# foreground command ends, and timeout puts the fuzzer in a process group of its own, out of reach
# of the terminal's Ctrl-C): the trap stops the fuzzer (libFuzzer ends on SIGTERM with its
# figures) and notes the stop in the report.
fuzz_child=
fuzz_exec() {
    local name=$1 secs=$2
    shift 2
    TEST_LOG=$SUITE_DIR/$name.log
    { printf '$'; printf ' %q' "$@"; printf '\n'; } >"$TEST_LOG"
    timeout --kill-after=5 "$secs" "$@" >>"$TEST_LOG" 2>&1 </dev/null &
    fuzz_child=$!
    wait "$fuzz_child" && TEST_RC=0 || TEST_RC=$?
    fuzz_child=
    echo "[exit status $TEST_RC]" >>"$TEST_LOG"
}
fuzz_stopped() {
    if [[ -n $fuzz_child ]]; then
        kill -TERM "$fuzz_child" 2>/dev/null
        wait "$fuzz_child"
        echo "[stopped by a signal]" >>"$TEST_LOG"
        printf '| %s (stopped) | | %s |\n' "${current:-?}" "$(stats "$TEST_LOG")" >>"$report"
    fi
    echo "Stopped by a signal at $(date -u '+%F %T') UTC during ${current:-?}; the rows above are the targets that finished." >>"$report"
    echo "fuzz: stopped by a signal; report: $report" >&2
    exit 130
}
# campaign TARGET BIN SECONDS CORPUS SEEDS...: fuzz for SECONDS in all; one test and one report row
campaign() {
    local t=$1 bin=$2 secs=$3 work=$4 start left round=0 crashes=0 runs=0 r line inputs=()
    shift 4
    start=$(date +%s)
    left=$secs
    current=$t
    while ((left > 0)); do
        round=$((round + 1))
        fuzz_exec "$t.$round" $((left + 60)) "$bin" "${opts[@]}" -max_total_time="$left" "$work" "$@"
        line=$(stats "$TEST_LOG")
        r=${line%% runs*}
        [[ $r =~ ^[0-9]+$ ]] && runs=$((runs + r))
        ((TEST_RC == 0)) && break
        crashes=$((crashes + 1))
        inputs+=("$(grep -o 'Test unit written to [^ ]*' "$TEST_LOG" | tail -1 | sed 's/^Test unit written to //')")
        # a signal from outside (the campaign being stopped) is not a finding to go on from
        ((TEST_RC > 128 && TEST_RC != 137)) && break
        ((crashes >= ${FUZZ_MAX_CRASHES:-10})) && break
        left=$((secs - ($(date +%s) - start)))
    done
    local spent=$(($(date +%s) - start)) cov ft eps
    cov=$(sed -n 's/.*, cov \([^,]*\),.*/\1/p' <<<"$line")
    ft=$(sed -n 's/.*, ft \(.*\)$/\1/p' <<<"$line")
    eps=$((spent > 0 ? runs / spent : runs))
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$t" "$spent" "$runs" "$eps" "${cov:-?}" \
        "${ft:-?}" "$(find "$work" -type f | wc -l)" "$crashes" "${inputs[*]:--}" >>"$report"
    if ((crashes == 0)); then
        test_pass "$t" "$runs runs, $eps exec/s, cov ${cov:-?}, ft ${ft:-?}, ${spent}s"
    else
        test_fail "$t" "$crashes crash(es) in ${spent}s, inputs: ${inputs[*]}"
    fi
}

suite_begin "$suite"
if [[ $mode != --check ]]; then
    mkdir -p "${report%/*}"
    {
        echo "# Fuzzing campaign ($mode)"
        echo
        echo "Started $(date -u '+%F %T') UTC at $(git rev-parse --short HEAD 2>/dev/null || echo '?'), load average $(cut -d' ' -f1-3 /proc/loadavg);"
        echo "targets: ${targets[*]}. Seconds are wall time; exec/s is executions over them; cov (edges)"
        echo "and ft (features) from libFuzzer's last status line; corpus is $B/fuzz/corpus/TARGET/ after the run."
        echo
        echo "| target | seconds | executions | exec/s | cov | ft | corpus | crashes | crash inputs |"
        echo "|---|---|---|---|---|---|---|---|---|"
    } >"$report"
    trap fuzz_stopped INT TERM
fi
for t in "${targets[@]}"; do
    bin=$B/fuzz/fuzz_$t
    # the committed seeds, and those written at build time (ELF files: make-elf-seeds.py)
    seeds=()
    for d in tests/fuzz/corpus/$t $B/fuzz/seeds/$t; do
        [[ -d $d && -n $(ls -A "$d") ]] && seeds+=("$d")
    done
    if [[ ! -x $bin ]]; then
        TEST_LOG=
        test_fail "$t" "not built: $bin"
        continue
    fi
    if ((${#seeds[@]} == 0)); then
        TEST_LOG=
        test_fail "$t" "no seed corpus in tests/fuzz/corpus/$t or $B/fuzz/seeds/$t"
        continue
    fi
    # make check starts from the committed seeds alone (its time stays bounded); make fuzz goes
    # on from what earlier runs found
    work=$B/fuzz/corpus/$t
    [[ $mode == --check ]] && work=$B/fuzz/check-corpus/$t && rm -rf "$work"
    arts=$B/fuzz/artifacts/$t
    mkdir -p "$work" "$arts"
    opts=(-timeout=20 -rss_limit_mb=2560 -artifact_prefix="$arts/" -print_final_stats=1)
    # the committed inputs, each once: every regression input must pass as it is
    test_exec "$t.replay" 300 "$bin" "${opts[@]}" -runs=0 "${seeds[@]}"
    if ((TEST_RC != 0)); then
        test_fail "$t" "replay of ${seeds[*]} failed (exit status $TEST_RC)"
        continue
    fi
    if [[ $mode == --long ]]; then
        case $t in
        diff | devices | virtio_* | slirp) per=${FUZZ_GUEST_SECONDS:-3600} ;;
        *) per=${FUZZ_USER_SECONDS:-600} ;;
        esac
    fi
    # then new inputs from the seeds and whatever earlier runs kept
    if [[ $mode == --check ]]; then
        test_exec "$t" $((per + 60)) "$bin" "${opts[@]}" -max_total_time="$per" "$work" "${seeds[@]}"
        if ((TEST_RC == 0)); then
            test_pass "$t" "$(stats "$TEST_LOG"), ${per}s"
        else
            test_fail "$t" "exit status $TEST_RC; crash input: $(grep -o 'Test unit written to [^ ]*' "$TEST_LOG" | tail -1)"
        fi
    else
        campaign "$t" "$bin" "$per" "$work" "${seeds[@]}"
    fi
    # The differential oracle's self-test: a translator made to flip bit 0 of one result (its
    # first instruction's, addiu $t4, $zero, 5) must be caught, naming r12.
    if [[ $t == diff && $mode == --check ]]; then
        seed=$(find "${seeds[0]}" -type f | sort | head -1)
        test_exec diff.inject 60 env FUZZ_DIFF_INJECT=1 "$bin" "${opts[@]}" "$seed"
        if ((TEST_RC != 0)) && grep -q 'differs from the interpreter.* r12 0x4/0x5' "$TEST_LOG"; then
            test_pass diff.inject "the corrupted result was reported"
        else
            test_fail diff.inject "exit status $TEST_RC: the corrupted result went unnoticed"
        fi
    fi
done
if [[ $mode != --check ]]; then
    echo >>"$report"
    echo "Ended $(date -u '+%F %T') UTC, load average $(cut -d' ' -f1-3 /proc/loadavg)." >>"$report"
    echo "report: $report"
    cat "$report"
fi
suite_end
