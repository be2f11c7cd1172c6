#!/usr/bin/env bash
# The libFuzzer harnesses of tests/fuzz/ (build/fuzz/fuzz_TARGET, built by make fuzz-build).
#
#   tests/fuzz/run.sh --check [TARGET...]   suite "fuzz": per target one test, which replays the
#                                           committed corpus tests/fuzz/corpus/TARGET/ (-runs=0)
#                                           and then fuzzes its share of FUZZ_CHECK_SECONDS
#                                           (default 120 s split among the targets); without
#                                           TARGETs also the test "campaign" (the campaign
#                                           bookkeeping below, on stand-in fuzzers:
#                                           tests/fuzz/campaign_test.sh)
#   tests/fuzz/run.sh --fuzz [TARGET...]    make fuzz: FUZZ_SECONDS (default 60) per target
#   tests/fuzz/run.sh --long [TARGET...]    make check-long (suite fuzz-long): the issue's campaign,
#                                           FUZZ_GUEST_SECONDS (default 3600) for each target a
#                                           guest feeds (diff devices virtio_* slirp), and
#                                           FUZZ_USER_SECONDS (default 600) for the others (a
#                                           user's files and sockets: elf qcow2 vmconfig qmp
#                                           netsocket)
#
# Without TARGETs: every tests/fuzz/fuzz_*.c (TARGETs may also be one comma-separated word). What
# fuzzing finds goes to build/fuzz/corpus/TARGET/ (build/fuzz/check-corpus/TARGET/ for --check,
# emptied first; never the committed corpus: a worthwhile input is copied there by hand), a crash
# to build/fuzz/artifacts/TARGET/ (its path is in the transcript). A PASS line gives libFuzzer's
# numbers at the end: executions, exec/s, cov (edges) and ft (features).
#
# A campaign (--fuzz, --long) comes in parts that add up. Each run of this script is a part: every
# target goes on from its corpus, and its seconds, executions and crashes are added to what earlier
# parts gave it ($B/fuzz/campaign/TARGET); $B/fuzz/report.md is the campaign's table, a row per
# target, written again whenever a target ends. Under --long a target runs only for what is left
# of its time (FUZZ_GUEST_SECONDS or FUZZ_USER_SECONDS in all), and one that has had it is left
# out; a --long part that finds every row at its goal starts a new campaign (the old one is kept
# as $B/fuzz/campaign-DATE/ and report-DATE.md), as does FUZZ_NEW=1 in any mode.
#   FUZZ_JOBS=N          N targets side by side (default 1; 2 on a 2-core machine)
#   FUZZ_PART_SECONDS=S  this part ends after about S seconds: no target runs past that moment,
#                        what is left of its time waits for the next part
# So a 6 h 50 min campaign fits quiet windows of half an hour to an hour:
#   FUZZ_JOBS=2 FUZZ_PART_SECONDS=3000 tests/fuzz/run.sh --long   (again until the report says
#   nothing is left)
cd "$(dirname "$0")/../.."
. tests/lib.sh

B=${B:-build}
mode=${1:---check}
shift || true
read -r -a targets <<<"${*//,/ }"
explicit=${#targets[@]}
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

# goal TARGET: a target's seconds in all under --long
goal() {
    case $1 in
    diff | devices | virtio_* | slirp) echo "${FUZZ_GUEST_SECONDS:-3600}" ;;
    *) echo "${FUZZ_USER_SECONDS:-600}" ;;
    esac
}

# ---- the campaign's books -------------------------------------------------------------------
# $C/TARGET holds one line, "seconds executions crashes parts cov ft goal", and a second, the crash
# inputs; $C/parts a few lines per part; $C/.lock serializes the updates of targets run side by side.
report=$B/fuzz/report.md
C=$B/fuzz/campaign
# row_read TARGET: sets r_secs r_runs r_crashes r_parts r_cov r_ft r_goal r_inputs (zeroes if none)
row_read() {
    r_secs=0 r_runs=0 r_crashes=0 r_parts=0 r_cov=? r_ft=? r_goal=- r_inputs=
    [[ -f $C/$1 ]] || return 0
    { read -r r_secs r_runs r_crashes r_parts r_cov r_ft r_goal; IFS= read -r r_inputs; } <"$C/$1"
    return 0
}
# row_add TARGET SECONDS EXECUTIONS CRASHES COV FT INPUTS: one part's figures added to the row
# (cov and ft are the part's last line: the corpus it loaded holds every earlier part's finds)
row_add() {
    local t=$1
    (
        flock 9
        row_read "$t"
        local g=$r_goal
        [[ $mode == --long ]] && g=$(goal "$t")
        printf '%s %s %s %s %s %s %s\n%s\n' $((r_secs + $2)) $((r_runs + $3)) $((r_crashes + $4)) \
            $((r_parts + 1)) "${5:-$r_cov}" "${6:-$r_ft}" "$g" "$r_inputs${r_inputs:+${7:+ }}$7" >"$C/$t.new"
        mv "$C/$t.new" "$C/$t"
        report_write
    ) 9>"$C/.lock"
}
# left TARGET: seconds of its --long time still to run (0 when done)
left() {
    row_read "$1"
    local l=$(($(goal "$1") - r_secs))
    echo $((l > 0 ? l : 0))
}
part_note() {
    (
        flock 9
        echo "$1" >>"$C/parts"
        report_write
    ) 9>"$C/.lock"
}
report_write() {
    local t rows=() all_left=0 l
    for f in "$C"/*; do
        t=${f##*/}
        [[ -f $f && $t != parts && $t != *.new ]] && rows+=("$t")
    done
    {
        echo "# Fuzzing campaign"
        echo
        echo "A campaign adds up its parts (runs of \`tests/fuzz/run.sh --fuzz\` or \`--long\`, see"
        echo "the script's header). Seconds are wall time in all; exec/s is executions over them; cov"
        echo "(edges) and ft (features) from libFuzzer's last status line of the latest part; corpus is"
        echo "$B/fuzz/corpus/TARGET/ now; goal is a target's --long time."
        echo
        cat "$C/parts" 2>/dev/null
        echo
        echo "| target | seconds | goal | executions | exec/s | cov | ft | corpus | crashes | parts | crash inputs |"
        echo "|---|---|---|---|---|---|---|---|---|---|---|"
        for t in "${rows[@]}"; do
            row_read "$t"
            printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$t" "$r_secs" "$r_goal" \
                "$r_runs" $((r_secs > 0 ? r_runs / r_secs : r_runs)) "$r_cov" "$r_ft" \
                "$(find "$B/fuzz/corpus/$t" -type f 2>/dev/null | wc -l)" "$r_crashes" "$r_parts" "${r_inputs:--}"
            if [[ $r_goal =~ ^[0-9]+$ ]] && ((r_secs < r_goal)); then
                all_left=$((all_left + r_goal - r_secs))
            fi
        done
        echo
        if [[ $mode == --long ]]; then
            l=0
            for t in "${targets[@]}"; do
                [[ -f $C/$t ]] || l=$((l + $(goal "$t")))
            done
            all_left=$((all_left + l))
            echo "Left of the --long goals: $all_left target seconds (about $(((all_left + 59) / 60)) min of wall time one target at a time)."
        fi
    } >"$report.new"
    mv "$report.new" "$report"
}

# ---- one target's fuzzing in a part ---------------------------------------------------------
# fuzz_exec NAME SECONDS CMD...: test_exec's transcript and TEST_RC, with the command in the
# background, so that a signal is handled at once (bash runs a trap only when the foreground
# command ends, and timeout puts the fuzzer in a process group of its own, out of reach of the
# terminal's Ctrl-C): the trap stops the fuzzer (libFuzzer ends on SIGTERM with its figures).
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
# The target being fuzzed (one per shell: the script's, or a job's subshell under FUZZ_JOBS).
cur_t= cur_start=0 cur_runs=0 cur_crashes=0 cur_inputs=()
# target_stopped: a signal came: the running fuzzer is ended and the time it had is booked
target_stopped() {
    [[ -n $cur_t ]] || return 0
    local line=
    if [[ -n $fuzz_child ]]; then
        kill -TERM "$fuzz_child" 2>/dev/null
        wait "$fuzz_child"
        fuzz_child=
        echo "[stopped by a signal]" >>"$TEST_LOG"
        line=$(stats "$TEST_LOG")
        local r=${line%% runs*}
        [[ $r =~ ^[0-9]+$ ]] && cur_runs=$((cur_runs + r))
    fi
    row_add "$cur_t" $(($(date +%s) - cur_start)) "$cur_runs" "$cur_crashes" \
        "$(sed -n 's/.*, cov \([^,]*\),.*/\1/p' <<<"$line")" "$(sed -n 's/.*, ft \(.*\)$/\1/p' <<<"$line")" \
        "${cur_inputs[*]}"
    cur_t=
}
# campaign TARGET BIN SECONDS CORPUS SEEDS...: fuzz for SECONDS in all (a crash starts the fuzzer
# again from its corpus, at most FUZZ_MAX_CRASHES (10) times, every crash input kept in
# build/fuzz/artifacts/TARGET/); one test, and the target's row updated
campaign() {
    local t=$1 bin=$2 secs=$3 work=$4 left round=0 r line=
    shift 4
    cur_t=$t cur_start=$(date +%s) cur_runs=0 cur_crashes=0 cur_inputs=()
    left=$secs
    while ((left > 0)); do
        round=$((round + 1))
        fuzz_exec "$t.$round" $((left + 60)) "$bin" "${opts[@]}" -max_total_time="$left" "$work" "$@"
        line=$(stats "$TEST_LOG")
        r=${line%% runs*}
        [[ $r =~ ^[0-9]+$ ]] && cur_runs=$((cur_runs + r))
        ((TEST_RC == 0)) && break
        cur_crashes=$((cur_crashes + 1))
        cur_inputs+=("$(grep -o 'Test unit written to [^ ]*' "$TEST_LOG" | tail -1 | sed 's/^Test unit written to //')")
        # a signal from outside (the campaign being stopped) is not a finding to go on from
        ((TEST_RC > 128 && TEST_RC != 137)) && break
        ((cur_crashes >= ${FUZZ_MAX_CRASHES:-10})) && break
        left=$((secs - ($(date +%s) - cur_start)))
    done
    local spent=$(($(date +%s) - cur_start)) cov ft eps
    cov=$(sed -n 's/.*, cov \([^,]*\),.*/\1/p' <<<"$line")
    ft=$(sed -n 's/.*, ft \(.*\)$/\1/p' <<<"$line")
    eps=$((spent > 0 ? cur_runs / spent : cur_runs))
    cur_t=
    row_add "$t" "$spent" "$cur_runs" "$cur_crashes" "$cov" "$ft" "${cur_inputs[*]}"
    if ((cur_crashes == 0)); then
        test_pass "$t" "$cur_runs runs, $eps exec/s, cov ${cov:-?}, ft ${ft:-?}, ${spent}s"
    else
        test_fail "$t" "$cur_crashes crash(es) in ${spent}s, inputs: ${cur_inputs[*]}"
    fi
}

# fuzz_target TARGET: the target's test(s): the replay, then fuzzing (or what is left of it)
fuzz_target() {
    local t=$1 bin=$B/fuzz/fuzz_$1 seeds=() d work arts secs
    # a job's subshell books its own target when the script is stopped
    ((TEST_JOBS > 1)) && trap 'target_stopped; exit 130' TERM
    # the committed seeds, and those written at build time (ELF files: make-elf-seeds.py)
    for d in tests/fuzz/corpus/$t $B/fuzz/seeds/$t; do
        [[ -d $d && -n $(ls -A "$d") ]] && seeds+=("$d")
    done
    if [[ ! -x $bin ]]; then
        TEST_LOG=
        test_fail "$t" "not built: $bin"
        return
    fi
    if ((${#seeds[@]} == 0)); then
        TEST_LOG=
        test_fail "$t" "no seed corpus in tests/fuzz/corpus/$t or $B/fuzz/seeds/$t"
        return
    fi
    secs=$per
    if [[ $mode == --long ]]; then
        secs=$(left "$t")
        if ((secs == 0)); then
            echo "DONE $t (its $(goal "$t") s were spent in earlier parts)"
            return
        fi
    fi
    if [[ $mode != --check && -n ${FUZZ_PART_SECONDS:-} ]]; then
        local now
        now=$(date +%s)
        ((part_end - now < secs)) && secs=$((part_end - now))
        if ((secs < 1)); then
            echo "LATER $t (this part's FUZZ_PART_SECONDS are spent)"
            return
        fi
    fi
    # make check starts from the committed seeds alone (its time stays bounded); a campaign goes
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
        return
    fi
    # then new inputs from the seeds and whatever earlier runs kept
    if [[ $mode == --check ]]; then
        test_exec "$t" $((secs + 60)) "$bin" "${opts[@]}" -max_total_time="$secs" "$work" "${seeds[@]}"
        if ((TEST_RC == 0)); then
            test_pass "$t" "$(stats "$TEST_LOG"), ${secs}s"
        else
            test_fail "$t" "exit status $TEST_RC; crash input: $(grep -o 'Test unit written to [^ ]*' "$TEST_LOG" | tail -1)"
        fi
    else
        campaign "$t" "$bin" "$secs" "$work" "${seeds[@]}"
    fi
    # The differential oracle's self-test: a translator made to flip bit 0 of one result (its
    # first instruction's, addiu $t4, $zero, 5) must be caught, naming r12.
    if [[ $t == diff && $mode == --check ]]; then
        local seed
        seed=$(find "${seeds[0]}" -type f | sort | head -1)
        test_exec diff.inject 60 env FUZZ_DIFF_INJECT=1 "$bin" "${opts[@]}" "$seed"
        if ((TEST_RC != 0)) && grep -q 'differs from the interpreter.* r12 0x4/0x5' "$TEST_LOG"; then
            test_pass diff.inject "the corrupted result was reported"
        else
            test_fail diff.inject "exit status $TEST_RC: the corrupted result went unnoticed"
        fi
    fi
}

# The script stopped (SIGINT, SIGTERM): every running fuzzer ends and its time is booked (each
# job's subshell does its own), the part's line says so, exit 130.
part_stopped() {
    local p
    for p in "${!ASYNC_LIVE[@]}"; do
        kill -TERM "$p" 2>/dev/null
    done
    for p in "${!ASYNC_LIVE[@]}"; do
        wait "$p" 2>/dev/null
    done
    target_stopped
    part_note "  stopped by a signal at $(date -u '+%F %T') UTC, load average $(cut -d' ' -f1-3 /proc/loadavg); the time the running targets had is counted"
    echo "fuzz: stopped by a signal; report: $report" >&2
    exit 130
}

suite_begin "$suite"
if [[ $mode != --check ]]; then
    TEST_JOBS=${FUZZ_JOBS:-1}
    part_end=$(($(date +%s) + ${FUZZ_PART_SECONDS:-0}))
    mkdir -p "$C"
    # a new campaign: asked for, or the last --long one has run its course
    new=${FUZZ_NEW:-0}
    if [[ $mode == --long && $new != 1 ]] && compgen -G "$C/[a-z]*" >/dev/null; then
        new=1
        for f in "$C"/*; do
            t=${f##*/}
            [[ -f $f && $t != parts ]] || continue
            row_read "$t"
            [[ $r_goal =~ ^[0-9]+$ ]] && ((r_secs >= r_goal)) || new=0
        done
        for t in "${targets[@]}"; do
            [[ -f $C/$t ]] || new=0
        done
    fi
    if [[ $new == 1 && -e $C/parts ]]; then
        stamp=$(date -u +%Y%m%dT%H%M%S)
        mv "$C" "$B/fuzz/campaign-$stamp"
        [[ -f $report ]] && mv "$report" "${report%.md}-$stamp.md"
        mkdir -p "$C"
        echo "fuzz: a new campaign; the last one is in $B/fuzz/campaign-$stamp/"
    fi
    [[ -e $C/parts ]] || echo "Campaign started $(date -u '+%F %T') UTC." >"$C/parts"
    nparts=$(grep -c '^- part ' "$C/parts")
    part_note "- part $((nparts + 1)): \`$mode\` ${targets[*]}, FUZZ_JOBS ${TEST_JOBS}$(
        [[ -n ${FUZZ_PART_SECONDS:-} ]] && echo ", FUZZ_PART_SECONDS $FUZZ_PART_SECONDS"), at $(git rev-parse --short HEAD 2>/dev/null || echo '?'): started $(date -u '+%F %T') UTC, load average $(cut -d' ' -f1-3 /proc/loadavg)"
    trap part_stopped INT TERM
fi
# make check's targets one at a time, as the suite's width says
[[ $mode == --check ]] && TEST_JOBS=1
for t in "${targets[@]}"; do
    test_async fuzz_target "$t"
done
async_end
if [[ $mode != --check ]]; then
    trap - INT TERM
    part_note "  ended $(date -u '+%F %T') UTC, load average $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "report: $report"
    cat "$report"
elif ((explicit == 0)); then
    run_test campaign 300 tests/fuzz/campaign_test.sh
fi
suite_end
