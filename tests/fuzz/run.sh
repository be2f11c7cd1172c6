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

suite_begin "$suite"
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
    test_exec "$t" $((per + 60)) "$bin" "${opts[@]}" -max_total_time="$per" "$work" "${seeds[@]}"
    if ((TEST_RC == 0)); then
        test_pass "$t" "$(stats "$TEST_LOG"), ${per}s"
    else
        test_fail "$t" "exit status $TEST_RC; crash input: $(grep -o 'Test unit written to [^ ]*' "$TEST_LOG" | tail -1)"
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
suite_end
