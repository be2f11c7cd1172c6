#!/usr/bin/env bash
# Add up the results of test suites: tests/summary.sh [SUITE...]
# Reads build/test-logs/SUITE.result (passed=N failed=M seconds=S) for every SUITE named
# (default: every .result present) and prints one line per suite. The oracle suites run the
# test programs on another machine, not on mvisor (isa-user: the user-mode ISA programs under
# qemu-mipsel; isa-qemu: the kernel-mode ones under qemu-system-mipsel): they check the tests,
# so they get their own line per oracle, "oracle: TOOL N passed, M failed", and stay out of
# mvisor's pass count. The last line, "N passed, M failed" (preceded by "wall time: Ss" if
# SUMMARY_WALL is set, with the CPU seconds of the suites that recorded them), counts mvisor's tests as passed and every failure as failed, the
# oracles' included, so "0 failed" means that nothing failed anywhere. Exits non-zero if
# anything failed (oracles included) or a named suite left no result.
cd "$(dirname "$0")/.." || exit 1
root=${TEST_LOG_ROOT:-build/test-logs}

# oracle_of SUITE: the outside machine an oracle suite runs on; fails for mvisor's suites.
oracle_of() {
    case $1 in
    isa-user) echo qemu-mipsel ;;
    isa-qemu) echo qemu-system-mipsel ;;
    *) return 1 ;;
    esac
}

if (($# == 0)); then
    for f in "$root"/*.result; do
        [[ -e $f ]] && set -- "$@" "$(basename "$f" .result)"
    done
fi

total_p=0 total_f=0 missing=0 total_cpu=0
declare -A oracle_p oracle_f
oracles=()
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
    c=$(sed -n 's/.*cpu=\([0-9.]*\).*/\1/p' "$f")
    [[ -n $c ]] && total_cpu=$(awk -v a="$total_cpu" -v b="$c" 'BEGIN { printf "%.1f", a + b }')
    t="${t:-?}s${c:+ cpu ${c}s}"
    if [[ -z $p || -z $m ]]; then
        printf '  %-10s MISSING: unreadable %s\n' "$s" "$f"
        missing=$((missing + 1))
        continue
    fi
    if o=$(oracle_of "$s"); then
        printf '  %-10s %5d passed %5d failed %22s   (oracle %s: checks the tests, not mvisor)%s\n' \
            "$s" "$p" "$m" "$t" "$o" "$( ((m)) && echo '   <-- FAILED')"
        [[ -n ${oracle_p[$o]:-} ]] || oracles+=("$o")
        oracle_p[$o]=$((${oracle_p[$o]:-0} + p))
        oracle_f[$o]=$((${oracle_f[$o]:-0} + m))
        total_f=$((total_f + m))
        continue
    fi
    printf '  %-10s %5d passed %5d failed %22s%s\n' "$s" "$p" "$m" "$t" "$( ((m)) && echo '   <-- FAILED')"
    total_p=$((total_p + p))
    total_f=$((total_f + m))
done
((missing)) && echo "  ($missing suite(s) missing)"
for o in "${oracles[@]}"; do
    echo "oracle: $o ${oracle_p[$o]} passed, ${oracle_f[$o]} failed"
done
[[ -n ${SUMMARY_WALL:-} ]] && echo "wall time: ${SUMMARY_WALL}s, suites' CPU time: ${total_cpu}s"
echo "$total_p passed, $total_f failed"
((total_f == 0 && missing == 0))
