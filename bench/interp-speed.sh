#!/usr/bin/env bash
# Interpreter speed on the real guest: the first instructions of the Debian kernel's zboot
# wrapper (XZ decompression, ~2e9 instructions before the kernel's first line), run on the
# bare test machine with deterministic time:
#     build/mvisor -M testbench -m 256 --deterministic --exec interp --max-insns N --stats -kernel build/guest/vmlinuz
# Exit status 3 (instruction limit reached) is success. mvisor's "stats: insns= seconds= mips="
# line on stderr gives the speed. Reports median and min-max over the runs as a markdown table
# in build/bench/interp-speed.md (and on stdout), with the exact command line the runs executed.
#
#   bench/interp-speed.sh            5 runs of 1e9 instructions
#   BENCH_QUICK=1 bench/interp-speed.sh   3 runs of 2e8
#   RUNS=N INSNS=N MVISOR=path EXEC=mode   override
set -euo pipefail
cd "$(dirname "$0")/.."
B=${B:-build}
if [[ -n ${BENCH_QUICK:-} && ${BENCH_QUICK:-0} != 0 ]]; then
    RUNS=${RUNS:-3} INSNS=${INSNS:-200000000}
else
    RUNS=${RUNS:-5} INSNS=${INSNS:-1000000000}
fi
MVISOR=${MVISOR:-$B/mvisor}
EXEC=${EXEC:-interp}
KERNEL=${KERNEL:-$B/guest/vmlinuz}
out=$B/bench
logs=$out/interp-speed
[[ -x $MVISOR ]] || { echo "interp-speed: $MVISOR is not built (make)" >&2; exit 1; }
[[ -f $KERNEL ]] || { echo "interp-speed: no $KERNEL (make guest)" >&2; exit 1; }
mkdir -p "$logs"

# The exact command every run executes; the report quotes it.
cmd=("$MVISOR" -M testbench -m 256 --deterministic --exec "$EXEC" --max-insns "$INSNS" --stats -kernel "$KERNEL")
cmd_text=$(printf '%q ' "${cmd[@]}")
cmd_text=${cmd_text% }

mips=()
for ((i = 1; i <= RUNS; i++)); do
    log=$logs/run-$i.log
    rc=0
    "${cmd[@]}" >"$log" 2>&1 </dev/null || rc=$?
    line=$(grep '^stats: ' "$log" | tail -n 1 || true)
    if [[ $rc != 3 && $rc != 0 ]] || [[ -z $line ]]; then
        echo "interp-speed: run $i failed (exit status $rc); last lines of $log:" >&2
        tail -n 20 "$log" >&2
        exit 1
    fi
    m=$(sed -n 's/.* mips=\([0-9.]*\).*/\1/p' <<<"$line")
    n=$(sed -n 's/.* insns=\([0-9]*\).*/\1/p' <<<"$line")
    s=$(sed -n 's/.* seconds=\([0-9.]*\).*/\1/p' <<<"$line")
    echo "run $i/$RUNS: $n instructions in ${s}s = $m MIPS" >&2
    mips+=("$m")
done

read -r med lo hi < <(printf '%s\n' "${mips[@]}" | sort -g | awk '
    { v[NR] = $1 }
    END { med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
          printf "%.1f %.1f %.1f\n", med, v[1], v[NR] }')
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
guest=$(sed -n 's/^kernel=//p' "$(dirname "$KERNEL")/vmlinux.info" 2>/dev/null || true)
rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
{
    echo "## Interpreter speed ($(date -u +%Y-%m-%d), $rev)"
    echo
    echo "Guest: \`$KERNEL\` (${guest:-unknown kernel}), the zboot wrapper decompressing the kernel; \`--exec $EXEC --deterministic\`."
    echo "Host: ${cpu:-unknown CPU}."
    echo
    echo "| mode | runs | instructions/run | MIPS (median) | MIPS (min-max) |"
    echo "|---|---:|---:|---:|---:|"
    echo "| $EXEC | $RUNS | $INSNS | $med | $lo-$hi |"
    echo
    echo "Command (each run; exit status 3, the instruction limit, is success): \`$cmd_text\`"
} | tee "$out/interp-speed.md"
