#!/usr/bin/env bash
# Add up the results of test suites: tests/summary.sh [SUITE...]
# Reads build/test-logs/SUITE.result (passed=N failed=M seconds=S) for every SUITE named
# (default: every .result present), prints one line per suite, then the total as
# "N passed, M failed" (preceded by "wall time: Ss" if SUMMARY_WALL is set). Exits non-zero if anything failed or a named suite left no result.
cd "$(dirname "$0")/.."
root=${TEST_LOG_ROOT:-build/test-logs}

if (($# == 0)); then
    for f in "$root"/*.result; do
        [[ -e $f ]] && set -- "$@" "$(basename "$f" .result)"
    done
fi

total_p=0 total_f=0 missing=0
echo "== summary"
for s in "$@"; do
    f=$root/$s.result
    if [[ ! -f $f ]]; then
        printf '  %-10s MISSING: the suite did not run to the end (no %s)\n' "$s" "$f"
        missing=$((missing + 1))
        continue
    fi
    p=$(sed -n 's/.*passed=\([0-9]*\).*/\1/p' "$f")
    m=$(sed -n 's/.*failed=\([0-9]*\).*/\1/p' "$f")
    t=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' "$f")
    if [[ -z $p || -z $m ]]; then
        printf '  %-10s MISSING: unreadable %s\n' "$s" "$f"
        missing=$((missing + 1))
        continue
    fi
    printf '  %-10s %5d passed %5d failed %8ss%s\n' "$s" "$p" "$m" "${t:-?}" "$( ((m)) && echo '   <-- FAILED')"
    total_p=$((total_p + p))
    total_f=$((total_f + m))
done
((missing)) && echo "  ($missing suite(s) missing)"
[[ -n ${SUMMARY_WALL:-} ]] && echo "wall time: ${SUMMARY_WALL}s"
echo "$total_p passed, $total_f failed"
((total_f == 0 && missing == 0))
