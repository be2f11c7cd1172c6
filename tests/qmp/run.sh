#!/usr/bin/env bash
# Suite "qmp": the QMP control socket (-qmp unix:PATH,server=on,wait=off), system_powerdown
# through the guest's Magic SysRq, the Ctrl-A b / Ctrl-A p console escapes and ttyS0 on a unix
# socket (-serial unix:PATH,server=on,wait=off), against the stock Debian kernel (vmlinuz as
# shipped) and the busybox initramfs under --exec dbt, in real time.
#
#   tests/qmp/run.sh [--mvisor BIN] [--suite NAME] [--tsan] [FILTER...]
#
# Each case is one tests/qmp/qmp_test.py run with its own mvisor (see that file's header for
# the checks): protocol, stop-cont, reset, powerdown, escapes, disconnect, socat, serial-unix, smp (a -smp 2 VM on two vCPU threads).
# Clients: tests/qmp/qmp_client.py (standard-library Python) and socat.
#
# --tsan: BIN is a ThreadSanitizer build (suite "tsan": build/tsan/mvisor; case smp is shortened
# there, tests/qmp/qmp_test.py); a case also fails
# if the sanitizer reported anything (its reports are kept beside the transcripts).
#
# Sockets and scratch files go to build/tests/SUITE/, transcripts (each case's check lines, and
# its console, stderr and socat output) to build/test-logs/SUITE/.
cd "$(dirname "$0")/../.."
. tests/lib.sh

B=${B:-build}
MVISOR=$B/mvisor
QMP_LIMIT=${QMP_LIMIT:-600} # seconds one case may take
suite=qmp
tsan=0
filters=()
while (($#)); do
    case $1 in
    --mvisor) MVISOR=$2; shift 2 ;;
    --suite) suite=$2; shift 2 ;;
    --tsan) tsan=1; shift ;;
    -h | --help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 1 ;;
    *) filters+=("$1"); shift ;;
    esac
done

suite_begin "$suite"
ulimit -c 0
tsan_arg=()
((tsan)) && tsan_arg=(--tsan) # qmp_test.py: shorter waits in the cases that have them
W=$B/tests/$suite
rm -rf "$W"
mkdir -p "$W"
inputs_ok=1
for f in "$MVISOR" "$B/guest/vmlinuz" "$B/initramfs.cpio.gz"; do
    [[ -e $f ]] || { echo "qmp: missing $f (make all guest initramfs)" >&2; inputs_ok=0; }
done
command -v socat >/dev/null || { echo "qmp: socat is not installed (scripts/install-deps.sh)" >&2; inputs_ok=0; }

for c in protocol stop-cont reset powerdown escapes disconnect socat serial-unix smp; do
    selected "$c" || continue
    if ((!inputs_ok)); then
        TEST_LOG=
        test_fail "$c" "inputs missing"
        continue
    fi
    if ((tsan)); then
        # halt_on_error=0: the run goes on, every report is written; exitcode=0: the verdict
        # comes from the report files, not from a changed exit status the checks would misread.
        export TSAN_OPTIONS="halt_on_error=0 exitcode=0 log_path=$W/$c.tsan-report"
    fi
    test_exec "$c" "$QMP_LIMIT" python3 tests/qmp/qmp_test.py "$c" --mvisor "$MVISOR" \
        --kernel "$B/guest/vmlinuz" --initrd "$B/initramfs.cpio.gz" --work "$W" "${tsan_arg[@]}"
    reports=$(find "$W" -maxdepth 1 -name "$c.tsan-report*" | wc -l)
    for f in "$W/$c".*; do
        [[ -f $f && $f != *.qmp && $f != *.ttyS0 ]] && cp "$f" "$SUITE_DIR/"
    done
    note="$(grep -c '^ok ' "$TEST_LOG") checks, $(sed -n 's/.* check(s) failed, \([0-9.]* s\).*/\1/p' "$TEST_LOG")"
    if ((TEST_RC == 0 && reports > 0)); then
        test_fail "$c" "ThreadSanitizer reported (see $SUITE_DIR/$c.tsan-report.*)"
    elif ((TEST_RC == 0)); then
        test_pass "$c" "$note"
    else
        test_fail "$c" "$(grep -c '^FAIL ' "$TEST_LOG") check(s) failed, exit status $TEST_RC"
    fi
done
suite_end
