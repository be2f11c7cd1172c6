#!/usr/bin/env bash
# Run test suites one after another (a failing suite does not stop the rest), then
# tests/summary.sh over them. Exit status: that of the summary.
#   scripts/run-suites.sh SUITE...    (unit decoder isa isa-user ubsan)
cd "$(dirname "$0")/.."
B=${B:-build}
t0=$(date +%s.%N)
for s in "$@"; do
    rm -f "build/test-logs/$s.result"
    case $s in
    unit) tests/unit/run.sh ;;
    decoder) scripts/check-decoder.sh ;;
    isa) tests/isa/run.sh --suite isa --mvisor "$B/mvisor" ;;
    isa-user) tests/isa/run.sh --user ;;
    ubsan) tests/isa/run.sh --suite ubsan --mvisor "$B/ubsan/mvisor" --modes interp ;;
    *) echo "run-suites: unknown suite '$s'" >&2 ;;
    esac
done
tests/summary.sh "$@"
rc=$?
awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "wall time: %.1fs\n", b - a }'
exit $rc
