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
#   suite_end                     write build/test-logs/SUITE.result: passed=N failed=M seconds=S;
#                                 returns non-zero if anything failed
#   selected NAME                 whether the runner's `filters` pick test NAME
#   isa_bare_tests                the bare ISA programs the isa and diff suites run
#   isa_declared ELF              the counts an ISA program declares, "CHECKS EXCEPTIONS"
#   isa_check_counts ELF CHECKS [EXCEPTIONS]
#                                 compare the counts a program reached with its declaration
#
# A transcript holds the command line, its stdout and stderr interleaved, and its exit status.
# Exit status 124 means the timeout (coreutils timeout) killed the test.

TEST_LOG_ROOT=${TEST_LOG_ROOT:-build/test-logs}
TAIL_LINES=${TAIL_LINES:-20}

suite_begin() {
    SUITE=$1
    SUITE_DIR=$TEST_LOG_ROOT/$SUITE
    SUITE_PASSED=0
    SUITE_FAILED=0
    SUITE_T0=$(date +%s.%N)
    rm -rf "$SUITE_DIR"
    rm -f "$TEST_LOG_ROOT/$SUITE.result"
    mkdir -p "$SUITE_DIR"
    echo "== suite $SUITE"
}

test_exec() {
    local name=$1 secs=$2
    shift 2
    TEST_LOG=$SUITE_DIR/$name.log
    mkdir -p "$(dirname "$TEST_LOG")"
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
    local secs
    secs=$(awk -v a="$SUITE_T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    echo "passed=$SUITE_PASSED failed=$SUITE_FAILED seconds=$secs" >"$TEST_LOG_ROOT/$SUITE.result"
    echo "== suite $SUITE: $SUITE_PASSED passed, $SUITE_FAILED failed in ${secs}s (logs: $SUITE_DIR/)"
    ((SUITE_FAILED == 0))
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
    local src n fr
    for src in tests/isa/user/*.S tests/isa/kernel/*.S; do
        [[ -e $src ]] || continue
        n=${src#tests/isa/}
        echo "${n%.S} -"
    done
    for src in tests/isa/fpu/*.S; do
        [[ -e $src ]] && echo "fpu/$(basename "$src" .S) 24Kf"
    done
    for src in tests/isa/fpu-user/*.S; do
        [[ -e $src ]] || continue
        for fr in fr0 fr1; do echo "fpu-user/$(basename "$src" .S)-$fr 24Kf"; done
    done
    for src in tests/isa/nofpu/*.S; do
        [[ -e $src ]] && echo "nofpu/$(basename "$src" .S) 24Kc"
    done
    # The user programs again as mapped user-mode code (tests/isa/lib/crt_umode.S), and under its
    # timer interrupt and dirty-page tracking (umode-irq), except the programs that expect an SC
    # right after its LL to succeed: an interrupt or a TLB Modified exception between them
    # (their ERET clears the LL bit) rightly makes it fail.
    local kind n no_irq=" ll_sc_basic sync_variants "
    for kind in umode umode-irq; do
        for src in tests/isa/user/*.S; do
            [[ -e $src ]] || continue
            n=$(basename "$src" .S)
            [[ $kind == umode-irq && $no_irq == *" $n "* ]] && continue
            echo "$kind/$n -"
        done
        for src in tests/isa/fpu-user/*.S; do
            [[ -e $src ]] || continue
            for fr in fr0 fr1; do echo "$kind/fpu-user/$(basename "$src" .S)-$fr 24Kf"; done
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
    read -r c e < <(readelf -sW "$1" 2>/dev/null |
        awk '$8 == "test_checks" { c = $2 } $8 == "test_exceptions" { e = $2 } END { print c, e }')
    [[ $c =~ ^[0-9a-f]+$ && $e =~ ^[0-9a-f]+$ ]] || return 1
    echo "$((16#$c)) $((16#$e))"
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
