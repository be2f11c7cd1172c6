# The test-suite protocol, sourced by every suite runner (bash).
#
#   suite_begin SUITE             start counting; transcripts go to build/test-logs/SUITE/
#   run_test NAME SECS CMD...     run CMD with a timeout, transcript in SUITE/NAME.log;
#                                 PASS iff it exits 0 (returns its verdict)
#   test_exec NAME SECS CMD...    only run and record: sets TEST_RC, TEST_LOG (for custom verdicts)
#   test_pass NAME [NOTE] / test_fail NAME [NOTE]
#                                 print PASS/FAIL (a failure also shows the transcript's tail)
#                                 and count one test
#   suite_count PASSED FAILED     add counts without printing (e.g. cases inside one binary)
#   suite_end                     write build/test-logs/SUITE.result: passed=N failed=M seconds=S
#                                 cpu=C (C: the CPU seconds, user and system, of the runner and
#                                 every process it waited for); returns non-zero if anything failed
#   test_async FUNC ARGS...       run FUNC ARGS... (a test: test_exec, test_pass, test_fail,
#                                 suite_count) in the background, TEST_JOBS (default: the number
#                                 of processors) at a time; see below
#   async_end                     wait for the tests test_async started and print the rest
#   test_log_has TEXT...          whether $TEST_LOG holds any of the TEXTs
#   selected NAME                 whether the runner's `filters` pick test NAME
#   isa_bare_tests                the bare ISA programs the isa and diff suites run
#   isa_declared ELF              the counts an ISA program declares, "CHECKS EXCEPTIONS"
#   isa_declared_read ELF...      read those of many programs at once, for isa_declared
#   isa_check_counts ELF CHECKS [EXCEPTIONS]
#                                 compare the counts a program reached with its declaration
#
# A transcript holds the command line, its stdout and stderr interleaved, and its exit status.
# Exit status 124 means the timeout (coreutils timeout) killed the test.

TEST_LOG_ROOT=${TEST_LOG_ROOT:-build/test-logs}
TAIL_LINES=${TAIL_LINES:-20}
TEST_NPROC=$(nproc 2>/dev/null || echo 1)

suite_begin() {
    SUITE=$1
    SUITE_DIR=$TEST_LOG_ROOT/$SUITE
    SUITE_PASSED=0
    SUITE_FAILED=0
    SUITE_T0=$(date +%s.%N)
    ASYNC_NEXT=0 ASYNC_END=0 ASYNC_SHOWN=0 ASYNC_RUNNING=0
    ASYNC_PID=()
    ASYNC_LIVE=()
    rm -rf "$SUITE_DIR"
    rm -f "$TEST_LOG_ROOT/$SUITE.result"
    mkdir -p "$SUITE_DIR"
    echo "== suite $SUITE"
}

# The timeouts are a hung test's limit, never a speed goal: test_exec stretches SECS by
# TEST_TIMEOUT_SCALE if set, else by the host's load when the test starts (the 1-minute load
# average over the processors, rounded up, 1 to 10), so a test that only waits for a busy CPU
# (other suites' tests beside it, other work on the machine) is not killed as hung.
test_timeout_scale() {
    TEST_SCALE=${TEST_TIMEOUT_SCALE:-}
    [[ -n $TEST_SCALE ]] && return
    local load _
    TEST_SCALE=1
    read -r load _ </proc/loadavg 2>/dev/null
    [[ $load =~ ^([0-9]+)\.([0-9][0-9])$ ]] || return 0
    load=$((10#${BASH_REMATCH[1]}${BASH_REMATCH[2]}))    # in hundredths
    TEST_SCALE=$(((load + TEST_NPROC * 100 - 1) / (TEST_NPROC * 100)))
    ((TEST_SCALE < 1)) && TEST_SCALE=1
    ((TEST_SCALE > 10)) && TEST_SCALE=10
    return 0
}

test_exec() {
    local name=$1 secs=$2
    shift 2
    if [[ $secs =~ ^[0-9]+$ ]]; then
        test_timeout_scale
        secs=$((secs * TEST_SCALE))
    fi
    TEST_LOG=$SUITE_DIR/$name.log
    [[ $TEST_LOG != */* || -d ${TEST_LOG%/*} ]] || mkdir -p "${TEST_LOG%/*}"
    {
        printf '$'
        printf ' %q' "$@"
        printf '\n'
    } >"$TEST_LOG"
    # --kill-after: a test that ignores SIGTERM still ends.
    # The subshell reports a death by signal ("Aborted") into the transcript, not the terminal.
    (
        timeout --kill-after=5 "$secs" "$@"
        exit $?
    ) >>"$TEST_LOG" 2>&1 </dev/null && TEST_RC=0 || TEST_RC=$?
    if ((TEST_RC == 124 || TEST_RC == 137)); then
        echo "[timeout after ${secs}s]" >>"$TEST_LOG"
    fi
    echo "[exit status $TEST_RC]" >>"$TEST_LOG"
}

test_pass() {
    SUITE_PASSED=$((SUITE_PASSED + 1))
    echo "PASS $1${2:+ ($2)}"
}

test_fail() {
    SUITE_FAILED=$((SUITE_FAILED + 1))
    echo "FAIL $1${2:+ ($2)}"
    if [[ -n ${TEST_LOG:-} && -f $TEST_LOG ]]; then
        echo "---- last $TAIL_LINES lines of $TEST_LOG"
        tail -n "$TAIL_LINES" "$TEST_LOG" | sed 's/^/    /'
        echo "----"
    fi
}

suite_count() {
    SUITE_PASSED=$((SUITE_PASSED + $1))
    SUITE_FAILED=$((SUITE_FAILED + $2))
}

run_test() {
    local name=$1
    test_exec "$@"
    if ((TEST_RC == 0)); then
        test_pass "$name"
    else
        test_fail "$name" "exit status $TEST_RC$( ((TEST_RC == 124)) && echo ', timeout')"
        return 1
    fi
}

suite_end() {
    local secs cpu
    async_end
    secs=$(awk -v a="$SUITE_T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    # `times` in this shell (not in a $(...) subshell, which would see only its own children):
    # the runner's own user and system time, then its waited-for children's.
    times >"$SUITE_DIR/.times"
    cpu=$(awk '{ for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] } } END { printf "%.1f", t }' "$SUITE_DIR/.times")
    rm -f "$SUITE_DIR/.times"
    echo "passed=$SUITE_PASSED failed=$SUITE_FAILED seconds=$secs cpu=$cpu" >"$TEST_LOG_ROOT/$SUITE.result"
    echo "== suite $SUITE: $SUITE_PASSED passed, $SUITE_FAILED failed in ${secs}s (logs: $SUITE_DIR/)"
    ((SUITE_FAILED == 0))
}

# Tests side by side. test_async FUNC ARGS... runs one test, FUNC ARGS..., in a background
# subshell with counts of its own, at most TEST_JOBS at a time (a suite's tests are independent
# processes with transcripts of their own; TEST_JOBS=1 runs them one after another in this
# shell, as before). The PASS/FAIL lines and counts of a test are held until every test before
# it has finished, so the suite prints the same lines in the same order and counts the same
# tests as it would one at a time. A test's place is the next one, or TEST_SLOT=K's K (a runner
# may start a long test first and print it in its place at the end: it leaves places 0..K-1 to
# the tests it starts after; a place never used prints nothing). A test that started in the
# background and left no count (its subshell was killed) counts as one failure.
TEST_JOBS=${TEST_JOBS:-$TEST_NPROC}
ASYNC_NEXT=0       # the place of the next test started without TEST_SLOT
ASYNC_END=0        # 1 + the last place used
ASYNC_SHOWN=0      # places printed and counted
ASYNC_RUNNING=0
declare -A ASYNC_PID=()    # place -> its subshell
declare -A ASYNC_LIVE=()   # the subshells still running

test_async() {
    if ((TEST_JOBS <= 1)); then
        "$@"
        return
    fi
    while ((ASYNC_RUNNING >= TEST_JOBS)); do
        async_reap
    done
    local k=${TEST_SLOT:-$ASYNC_NEXT}
    [[ -n ${TEST_SLOT:-} ]] || ASYNC_NEXT=$((ASYNC_NEXT + 1))
    ((k + 1 > ASYNC_END)) && ASYNC_END=$((k + 1))
    local slot=$SUITE_DIR/.async/$k
    [[ -d $SUITE_DIR/.async ]] || mkdir -p "$SUITE_DIR/.async"
    (
        SUITE_PASSED=0
        SUITE_FAILED=0
        unset TEST_SLOT
        "$@"
        echo "$SUITE_PASSED $SUITE_FAILED" >"$slot.count"
    ) >"$slot.out" 2>&1 </dev/null &
    ASYNC_PID[$k]=$!
    ASYNC_LIVE[$!]=1
    ASYNC_RUNNING=$((ASYNC_RUNNING + 1))
}

# async_reap: wait for one of the running tests to end, print what can be printed.
async_reap() {
    local pid= rc=0
    wait -n -p pid "${!ASYNC_LIVE[@]}" || rc=$?
    if [[ -n $pid && -n ${ASYNC_LIVE[$pid]:-} ]]; then
        unset "ASYNC_LIVE[$pid]"
        ASYNC_RUNNING=$((ASYNC_RUNNING - 1))
    elif ((rc == 127)); then
        ASYNC_LIVE=()    # none of them is left to wait for
        ASYNC_RUNNING=0
    fi
    async_show
}

# async_show: print and count the finished tests that are next in order (builtins only: a test
# costs few enough processes as it is).
async_show() {
    local slot p f line
    while ((ASYNC_SHOWN < ASYNC_END)); do
        if [[ -z ${ASYNC_PID[$ASYNC_SHOWN]:-} ]]; then
            ((ASYNC_SHOWN < ASYNC_NEXT)) || return 0    # may still be started
            ASYNC_SHOWN=$((ASYNC_SHOWN + 1))            # a place never used
            continue
        fi
        slot=$SUITE_DIR/.async/$ASYNC_SHOWN
        [[ -f $slot.count ]] || return 0
        read -r p f <"$slot.count"
        [[ -n $f ]] || return 0    # being written
        while IFS= read -r line || [[ -n $line ]]; do
            printf '%s\n' "$line"
        done <"$slot.out"
        suite_count "$p" "$f"
        ASYNC_SHOWN=$((ASYNC_SHOWN + 1))
    done
}

async_end() {
    local slot
    if ((ASYNC_END > ASYNC_SHOWN)); then
        while ((ASYNC_RUNNING > 0)); do
            async_reap
        done
        ASYNC_NEXT=$ASYNC_END    # every place is started or unused now
        async_show
        while ((ASYNC_SHOWN < ASYNC_END)); do
            slot=$SUITE_DIR/.async/$ASYNC_SHOWN
            cat "$slot.out" 2>/dev/null
            TEST_LOG=
            test_fail "async test $ASYNC_SHOWN" "its runner ended without a verdict"
            ASYNC_SHOWN=$((ASYNC_SHOWN + 1))
            async_show
        done
    fi
    [[ -n ${SUITE_DIR:-} ]] && rm -rf "$SUITE_DIR/.async"
}

# test_log_has TEXT...: whether the transcript $TEST_LOG holds any of the TEXTs (a grep -F of
# them, without a process: the ISA suites judge thousands of short transcripts).
test_log_has() {
    local lines all t
    mapfile -t lines <"$TEST_LOG" 2>/dev/null
    local IFS=$'\n'
    all="${lines[*]}"
    for t in "$@"; do
        [[ $all == *"$t"* ]] && return 0
    done
    return 1
}

# selected NAME: whether the suite's command-line filters (the array `filters`, set by the runner)
# pick test NAME: no filter picks all; a filter matches the whole name or its last components
# (`rdhwr` picks isa/user/rdhwr), shell patterns allowed.
selected() {
    ((${#filters[@]} == 0)) && return 0
    local f
    for f in "${filters[@]}"; do
        # shellcheck disable=SC2053
        [[ $1 == $f || $1 == *"/$f" ]] && return 0
    done
    return 1
}

# isa_bare_tests: the bare ISA programs as "REL CPU" lines, REL naming build/isa/bare/REL.elf and
# CPU a -cpu value or - for the default. The isa and diff suites run the same list. REL umode/X and
# umode-irq/X are the user program X (tests/isa/user/X.S, or fpu-user/NAME-FR from
# tests/isa/fpu-user/NAME.S) built as mapped user-mode code.
isa_bare_tests() {
    local src n fr b
    for src in tests/isa/user/*.S tests/isa/kernel/*.S; do
        [[ -e $src ]] || continue
        n=${src#tests/isa/}
        echo "${n%.S} -"
    done
    for src in tests/isa/fpu/*.S; do
        b=${src##*/}
        [[ -e $src ]] && echo "fpu/${b%.S} 24Kf"
    done
    for src in tests/isa/fpu-user/*.S; do
        [[ -e $src ]] || continue
        b=${src##*/}
        for fr in fr0 fr1; do echo "fpu-user/${b%.S}-$fr 24Kf"; done
    done
    for src in tests/isa/nofpu/*.S; do
        b=${src##*/}
        [[ -e $src ]] && echo "nofpu/${b%.S} 24Kc"
    done
    # The user programs again as mapped user-mode code (tests/isa/lib/crt_umode.S), and under its
    # timer interrupt and dirty-page tracking (umode-irq), except the programs that expect an SC
    # right after its LL to succeed: an interrupt or a TLB Modified exception between them
    # (their ERET clears the LL bit) rightly makes it fail.
    local kind n no_irq=" ll_sc_basic sync_variants "
    for kind in umode umode-irq; do
        for src in tests/isa/user/*.S; do
            [[ -e $src ]] || continue
            n=${src##*/}
            n=${n%.S}
            [[ $kind == umode-irq && $no_irq == *" $n "* ]] && continue
            echo "$kind/$n -"
        done
        for src in tests/isa/fpu-user/*.S; do
            [[ -e $src ]] || continue
            b=${src##*/}
            for fr in fr0 fr1; do echo "$kind/fpu-user/${b%.S}-$fr 24Kf"; done
        done
        # the kernel part's own self-test: user-mode faults reach exc_info
        echo "$kind/selftest/umode_exc -"
    done
}

# isa_declared ELF: the check and exception counts an ISA program declares (TEST_BEGIN in
# tests/isa/include/isa.h), read from its ELF's absolute symbols test_checks and test_exceptions,
# as "CHECKS EXCEPTIONS" in decimal. Fails if the ELF has no such symbols.
isa_declared() {
    local c e
    if [[ -n ${ISA_DECLARED[$1]:-} ]]; then
        echo "${ISA_DECLARED[$1]}"
        return
    fi
    read -r c e < <(readelf -sW "$1" 2>/dev/null |
        awk '$8 == "test_checks" { c = $2 } $8 == "test_exceptions" { e = $2 } END { print c, e }')
    [[ $c =~ ^[0-9a-f]+$ && $e =~ ^[0-9a-f]+$ ]] || return 1
    echo "$((16#$c)) $((16#$e))"
}

# isa_declared_read ELF...: read the declarations of many programs at once (one readelf) into
# ISA_DECLARED[ELF], which isa_declared then answers from; a runner of many tests calls it
# first. A file without them stays out (isa_declared reads it again and fails).
declare -A ISA_DECLARED=()
isa_declared_read() {
    local f c e
    while read -r f c e; do
        ISA_DECLARED[$f]="$((16#$c)) $((16#$e))"
    done < <(readelf -sW "$@" 2>/dev/null | awk '
        function done() { if (f != "" && c ~ /^[0-9a-f]+$/ && e ~ /^[0-9a-f]+$/) print f, c, e }
        /^File: / { done(); f = $2; c = e = ""; next }
        $8 == "test_checks" { c = $2 } $8 == "test_exceptions" { e = $2 }
        END { done() }')
}

# isa_check_counts ELF CHECKS [EXCEPTIONS]: whether a program that passed reached exactly the
# counts it declares: CHECKS checks run and EXCEPTIONS exceptions taken, as its start-up code
# reported them. Without EXCEPTIONS (start-up code that cannot count them, e.g. under Linux,
# where an exception ends the process) the program must declare 0. Prints the difference and
# returns 1 if they differ.
isa_check_counts() {
    local elf=$1 c=$2 e=${3-} decl dc de why=
    if ! decl=$(isa_declared "$elf"); then
        echo "no declared counts in $elf (test_checks, test_exceptions: TEST_BEGIN checks[, exceptions])"
        return 1
    fi
    read -r dc de <<<"$decl"
    [[ $c == "$dc" ]] || why="ran $c checks, declared $dc"
    if [[ -n $e ]]; then
        [[ $e == "$de" ]] || why="${why:+$why; }took $e exceptions, declared $de"
    elif ((de != 0)); then
        why="${why:+$why; }declares $de exceptions where none can be taken"
    fi
    [[ -z $why ]] || { echo "$why"; return 1; }
}

# bad_option NAME OPTIONS...: test bad-NAME, where mvisor ($MVISOR, booting $KERNEL and $INITRD on
# the Malta) given OPTIONS refuses them with exactly one "mvisor:" line and status 1, no crash.
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

# suite_count_parts DIR PART...: adds the counts of the sub-suites PART (their DIR/PART.result)
# to this suite's; a part without its result (it did not run to the end) is one failure.
suite_count_parts() {
    local dir=$1 part f p m
    shift
    for part; do
        f=$dir/$part.result
        p=$(sed -n 's/.*passed=\([0-9]*\).*/\1/p' "$f" 2>/dev/null)
        m=$(sed -n 's/.*failed=\([0-9]*\).*/\1/p' "$f" 2>/dev/null)
        if [[ -z $p || -z $m ]]; then
            TEST_LOG=
            test_fail "$part" "the part did not run to the end (no $f)"
            continue
        fi
        suite_count "$p" "$m"
    done
}

# The common command line of the suite runners: --mvisor PATH, -h/--help (the runner's header
# comment), anything else starting with '-' refused with one line and status 1, the rest case
# globs into the array filters.
runner_args() {
    filters=()
    while (($#)); do
        case $1 in
        --mvisor) MVISOR=$2; shift 2 ;;
        -h | --help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
        -*) echo "run.sh: unknown option $1" >&2; exit 1 ;;
        *) filters+=("$1"); shift ;;
        esac
    done
}

# job_start JOBS LIMIT NAME CMD...: runs CMD in the background, at most JOBS at a time (it first
# waits for one of the earlier ones to end), under `timeout LIMIT`; the command line, its output
# and "[exit status N]" (after "[timeout after LIMITs]" when the limit ended it) land in
# $SUITE_DIR/NAME.log. The runner `wait`s for them all before its verdicts.
JOB_RUNNING=0
job_start() {
    local jobs=$1 limit=$2 name=$3
    shift 3
    while ((JOB_RUNNING >= jobs)); do
        wait -n || :
        JOB_RUNNING=$((JOB_RUNNING - 1))
    done
    local log=$SUITE_DIR/$name.log
    {
        printf '$'
        printf ' %q' "$@"
        printf '\n'
    } >"$log"
    (
        timeout --kill-after=10 "$limit" "$@" >>"$log" 2>&1 </dev/null
        rc=$?
        ((rc == 124 || rc == 137)) && echo "[timeout after ${limit}s]" >>"$log"
        echo "[exit status $rc]" >>"$log"
    ) &
    JOB_RUNNING=$((JOB_RUNNING + 1))
}
