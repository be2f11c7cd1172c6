#!/usr/bin/env bash
# The campaign bookkeeping of tests/fuzz/run.sh (--long in parts, FUZZ_JOBS, FUZZ_PART_SECONDS,
# a stop by SIGTERM), checked on stand-in fuzzers in a scratch build folder: shell scripts that
# take libFuzzer's options, print its status lines at 1000 executions a second and write what
# they were asked and what they did to a ledger, so the report's sums can be compared with it.
#   virtio_fake   a guest-facing target (its goal FUZZ_GUEST_SECONDS)
#   fake_user     a user-facing one (FUZZ_USER_SECONDS)
#   fake_crash    a user-facing one that "crashes" 0.2 s into every run
# Exit 0 when every check holds; otherwise the failed checks on stderr, exit 1. About 30 s; the
# checks hold at any load: wall-clock seconds are only ever bounded from below.
set -u
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
B=$tmp/b
mkdir -p "$B/fuzz"
ledger=$tmp/ledger
fails=0
check() { # check WHAT CONDITION-COMMAND...
    local what=$1
    shift
    if "$@"; then echo "ok: $what"; else echo "FAILED: $what" >&2; fails=$((fails + 1)); fi
}

for t in virtio_fake fake_user fake_crash; do
    mkdir -p "$B/fuzz/seeds/$t"
    echo seed >"$B/fuzz/seeds/$t/s1"
    cat >"$B/fuzz/fuzz_$t" <<EOF
#!/usr/bin/env bash
# stand-in for a libFuzzer binary ($t)
t=$t ledger=$ledger
EOF
    cat >>"$B/fuzz/fuzz_$t" <<'EOF'
mtt=0 replay=0 art= corpus=
for a; do
    case $a in
    -max_total_time=*) mtt=${a#*=} ;;
    -runs=0) replay=1 ;;
    -artifact_prefix=*) art=${a#*=} ;;
    -*) ;;
    *) [[ -z $corpus ]] && corpus=$a ;;
    esac
done
((replay)) && { echo "#2 DONE cov: 3 ft: 4 corp: 1/5b exec/s: 0 rss: 1Mb"; exit 0; }
now() { date +%s%3N; }
t0=$(now) n=1
echo "start $t $$ $mtt $t0" >>"$ledger"
finish() { # finish EXIT-STATUS HOW
    echo "#$n DONE cov: 10 ft: 20 corp: 1/5b exec/s: 1000 rss: 1Mb"
    echo "end $t $$ $n $2 $(now)" >>"$ledger"
    exit "$1"
}
trap 'echo "==$$== libFuzzer: run interrupted; exiting"; finish 0 term' TERM
touch "$corpus/found-$$"
while (($(now) - t0 < mtt * 1000)); do
    sleep 0.1
    # (a TERM to the process group can end the date of $(now): keep n as it was then)
    x=$(now) && [[ $x =~ ^[0-9]+$ ]] && n=$((x - t0))
    echo "#$n pulse cov: 10 ft: 20 corp: 1/5b exec/s: 1000 rss: 1Mb"
    if [[ $t == fake_crash ]] && ((n >= 200)); then
        echo "==$$==ERROR: libFuzzer: deadly signal"
        echo "crash" >"${art}crash-$$"
        echo "artifact_prefix='$art'; Test unit written to ${art}crash-$$"
        finish 1 crash
    fi
done
finish 0 done
EOF
    chmod +x "$B/fuzz/fuzz_$t"
done

# run.sh in the scratch folder: its suite's logs there too, never the real build/test-logs
run() {
    env B="$B" TEST_LOG_ROOT="$tmp/logs" FUZZ_GUEST_SECONDS=8 FUZZ_USER_SECONDS=4 FUZZ_MAX_CRASHES=100 \
        "$@" tests/fuzz/run.sh --long virtio_fake,fake_user fake_crash >>"$tmp/out" 2>&1
}
# field TARGET COLUMN: a cell of the target's row in the report (3 seconds, 4 goal, 5 executions,
# 10 crashes, 11 parts, 12 inputs)
field() { awk -F' *\\| *' -v t="$1" -v c="$2" '$2 == t { print $c }' "$B/fuzz/report.md"; }
# ledger_sum TARGET: the executions the stand-in reported, every run of it
ledger_sum() { awk -v t="$1" '$1 == "end" && $2 == t { s += $4 } END { print s + 0 }' "$ledger"; }

# Part 1: two jobs, 2 s: every target gets at most 2 s, virtio_fake's 8 s are not done.
run FUZZ_JOBS=2 FUZZ_PART_SECONDS=2
check "part 1: fake_crash waits for the next part (no row)" test -z "$(field fake_crash 3)"
s1=$(field virtio_fake 3)
check "part 1: virtio_fake ran, not all of its 8 s ($s1)" test "${s1:-9}" -lt 8 -a "${s1:-0}" -ge 1
check "part 1: virtio_fake asked for at most 2 s" \
    awk '$1 == "start" && $2 == "virtio_fake" && $4 > 2 { bad = 1 } END { exit bad }' "$ledger"
check "part 1: the two jobs ran side by side (virtio_fake and fake_user overlap)" awk '
    $1 == "start" { s[$2] = $5 } $1 == "end" && !($2 in e) { e[$2] = $6 }
    END { exit !(s["fake_user"] < e["virtio_fake"] && s["virtio_fake"] < e["fake_user"]) }' "$ledger"
check "part 1: the report's goals are 8 and 4" \
    test "$(field virtio_fake 4) $(field fake_user 4)" = "8 4"

# Part 2: no part limit, one job: virtio_fake gets what is left of its 8 s, no more.
run FUZZ_JOBS=1
rc=$?
check "part 2 exits 1 (fake_crash's crashes fail its test)" test $rc = 1
m2=$(awk '$1 == "start" && $2 == "virtio_fake" { m = $4 } END { print m }' "$ledger")
check "part 2: virtio_fake asked for 8 - $s1 s ($m2)" test "$m2" = $((8 - s1))
s2=$(field virtio_fake 3)
check "part 2: virtio_fake's seconds add up to its goal ($s2)" test "${s2:-0}" -ge 8
check "part 2: virtio_fake in 2 parts" test "$(field virtio_fake 11)" = 2
for t in virtio_fake fake_user fake_crash; do
    check "executions of $t = the stand-in's own sum ($(field $t 5))" test "$(field $t 5)" = "$(ledger_sum $t)"
done
nc=$(grep -c "^end fake_crash .* crash " "$ledger")
check "fake_crash's crashes counted ($nc in the ledger, $(field fake_crash 10) in the report)" \
    test "$nc" -ge 2 -a "$(field fake_crash 10)" = "$nc"
inputs=$(field fake_crash 12)
missing=0
for f in $inputs; do [[ -f $f ]] || missing=1; done
check "fake_crash's crash inputs listed and kept ($(wc -w <<<"$inputs") of them)" \
    test "$(wc -w <<<"$inputs")" = "$nc" -a $missing = 0
check "the report says nothing is left" grep -q 'Left of the --long goals: 0 target seconds' "$B/fuzz/report.md"

# Part 3: every goal met: a new campaign, the old one kept (goals of 1 s this time).
n_before=$(grep -c '^start ' "$ledger")
run FUZZ_JOBS=2 FUZZ_GUEST_SECONDS=1 FUZZ_USER_SECONDS=1
check "part 3: a new campaign, the last one archived" \
    bash -c "ls -d '$B'/fuzz/campaign-* >/dev/null && ls '$B'/fuzz/report-*.md >/dev/null"
check "part 3: virtio_fake in 1 part of the new campaign" test "$(field virtio_fake 11)" = 1
check "part 3: the targets ran again" test "$(grep -c '^start ' "$ledger")" -gt "$n_before"

# Part 4: stopped by SIGTERM while two targets run: both get their time so far, the part's line
# says so, exit 130, no stand-in left running.
FUZZ_GUEST_SECONDS=60 FUZZ_USER_SECONDS=60 FUZZ_NEW=1 FUZZ_JOBS=2 B="$B" TEST_LOG_ROOT="$tmp/logs" \
    tests/fuzz/run.sh --long virtio_fake fake_user >>"$tmp/out" 2>&1 &
pid=$!
n_before=$(grep -c '^start ' "$ledger")
for _ in $(seq 600); do
    (($(grep -c '^start ' "$ledger") >= n_before + 2)) && break
    sleep 0.1
done
sleep 1
kill -TERM "$pid"
wait "$pid"
rc=$?
check "part 4: SIGTERM ends the part with status 130" test $rc = 130
check "part 4: the report says where it stopped" grep -q 'stopped by a signal' "$B/fuzz/report.md"
for t in virtio_fake fake_user; do
    check "part 4: $t's time so far booked ($(field $t 3) s, $(field $t 5) runs)" \
        test "$(field $t 3)" -ge 1 -a "$(field $t 5)" -gt 0 -a "$(field $t 5)" = "$(awk -v t=$t '$1 == "end" && $2 == t { n = $4 } END { print n }' "$ledger")"
done
alive=0
for p in $(awk '$1 == "start" { print $3 }' "$ledger"); do
    kill -0 "$p" 2>/dev/null && alive=1
done
check "part 4: no stand-in fuzzer left running" test $alive = 0

if ((fails)); then
    echo "---- run.sh's output" >&2
    tail -40 "$tmp/out" >&2
    echo "---- ledger" >&2
    cat "$ledger" >&2
    echo "---- report" >&2
    cat "$B/fuzz/report.md" >&2
    exit 1
fi
