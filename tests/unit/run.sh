#!/usr/bin/env bash
# Suite "unit": run every cmocka unit-test binary (build/tests/unit/test_*, one per
# tests/unit/test_*.c) with a timeout.
#
# Counting: every cmocka test case counts, taken from the binary's summary lines
# "[  PASSED  ] N test(s)." and "[  FAILED  ] M test(s)" (summed over all groups in it).
# If the binary dies before a group's summary (crash, timeout), that group's cases marked
# "[       OK ]" count as passed and the rest of the N it announced with
# "[==========] Running N test(s)." count as failed; a binary that reports no failure but
# exits non-zero counts one failure.
# A binary that prints no cmocka summary counts as one test: pass iff exit status 0.
# PASS/FAIL lines are printed per binary, with its case counts.
#
#   tests/unit/run.sh [--suite NAME] [BINARY...]   (default: unit, all of build/tests/unit/test_*)
#
# Suite tsan (tests/tsan/run.sh) runs the ThreadSanitizer build of the multi-VM test this way,
# as its part "multivm": a race report makes the binary exit non-zero (TSan's exitcode 66),
# which counts as a failure.
cd "$(dirname "$0")/../.."
. tests/lib.sh

B=${B:-build}
UNIT_TIMEOUT=${UNIT_TIMEOUT:-60}

suite=unit
if [[ ${1:-} == --suite ]]; then
    suite=$2
    shift 2
fi
suite_begin "$suite"
if (($# == 0)); then
    for src in tests/unit/test_*.c; do
        [[ -e $src ]] || continue
        name=$(basename "$src" .c)
        set -- "$@" "$B/tests/unit/$name"
    done
fi

# unit_test BINARY: run one binary and count its cases.
unit_test() {
    local bin=$1 name announced passed failed missing bad note
    name=$(basename "$bin")
    if [[ ! -x $bin ]]; then
        TEST_LOG=
        test_fail "$name" "not built: $bin"
        return
    fi
    test_exec "$name" "$UNIT_TIMEOUT" "$bin"
    # Sum the summary lines of every group the binary ran.
    read -r announced passed failed missing < <(awk '
        function close_group() { if (open) { p += ok; m += run - ok } open = 0 }
        /^\[==========\] .*Running [0-9]+ test/ {
            close_group()
            for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) { run = $i; break }
            r += run; ok = 0; open = 1
        }
        /^\[       OK \] / { ok++ }
        /^\[==========\] [0-9]+ test\(s\) run/ { open = 0 }
        /^\[  PASSED  \] [0-9]+ test/ { p += $4 }
        /^\[  FAILED  \] [0-9]+ test/ { f += $4 }
        END { close_group(); printf "%d %d %d %d\n", r, p, f, m }' "$TEST_LOG")
    if ((announced == 0 && passed == 0 && failed == 0)); then
        # Not a cmocka binary (or it died before starting): one test.
        if ((TEST_RC == 0)); then test_pass "$name"; else test_fail "$name" "exit status $TEST_RC"; fi
        return
    fi
    if ((TEST_RC != 0 && failed + missing == 0)); then
        missing=1    # it reported success but exited non-zero
    fi
    bad=$((failed + missing))
    # test_pass/test_fail count one; the rest of the cases are added with suite_count.
    if ((bad == 0)); then
        test_pass "$name" "$passed cases"
        suite_count $((passed - 1)) 0
    else
        note="$passed passed, $failed failed"
        ((missing)) && note+=", $missing not reported"
        ((TEST_RC == 124)) && note+=", timeout"
        test_fail "$name" "$note, exit status $TEST_RC"
        suite_count "$passed" $((bad - 1))
    fi
}

# The binaries are independent processes: TEST_JOBS of them at a time (tests/lib.sh).
for bin in "$@"; do
    test_async unit_test "$bin"
done
suite_end
