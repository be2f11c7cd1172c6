#!/usr/bin/env bash
# ISA test suites.
#
#   tests/isa/run.sh [--suite isa|ubsan] [--mvisor BIN] [--modes "interp dbt ..."]
#                    [--umode-irq-modes "dbt ..."] [FILTER...]
#       Every bare-machine test (build/isa/bare/{user,kernel}/NAME.elf, one per tests/isa/{user,kernel}/NAME.S)
#       under every execution mode, as
#           BIN -M testbench -m 16 --deterministic --exec MODE --timeout 30 -kernel ELF
#       passing iff the exit status is 0 and the counts mvisor prints ("test passed (N checks,
#       E exceptions, ...)", as the program's start-up code reported them) equal the counts the
#       program declares (TEST_BEGIN checks[, exceptions]: the ELF symbols test_checks and
#       test_exceptions, see tests/isa/include/isa.h). Mode dbt-nochain is --exec dbt --no-chain (every
#       translated block returns to the run loop); dbt-flush is --exec dbt --code-buffer 64 (a
#       code buffer with room for one or two blocks: the whole cache is flushed all the time). The FPU tests (fpu/NAME, fpu-user/NAME-fr0
#       and -fr1) add -cpu 24Kf, the tests of the FPU-less CPU (nofpu/NAME) -cpu 24Kc. The user
#       programs run again as mapped user-mode code (umode/NAME, umode/fpu-user/NAME-FR, and under
#       a timer interrupt with dirty-page tracking, umode-irq/...; tests/isa/lib/crt_umode.S), with
#       the kernel part's self-test umode*/selftest/umode_exc; their counts are compared with the
#       same declaration as the bare build of the same source (the test's name without umode/ or
#       umode-irq/): crt_umode.S reports the program's checks and the exceptions the program took,
#       not its kernel's own. Plus the harness self-tests, in every mode, each on the bare machine
#       and as umode/ and umode-irq/ builds: selftest/must_fail passes only if mvisor exits with
#       status 4 and prints FAIL and "check 2"; selftest/skips_checks (declares 3 checks, jumps
#       over the third) and selftest/undeclared_exception (declares none, takes one) pass only if
#       mvisor exits 0 reporting those counts and the verdict that judges every test rejects them.
#       --umode-irq-modes limits the umode-irq/ tests (self-tests included) to the modes listed
#       (default: every mode). Suite isa runs every test in every mode. Suite ubsan (BIN built
#       with -fsanitize=undefined) also fails a test on any sanitizer report; make check runs it
#       in modes interp, dbt, dbt-nochain and trap with --umode-irq-modes dbt (scripts/run-suites.sh):
#       umode/ covers the mapped user-mode paths of every engine, and the preemptive kernel's
#       timer, TLB Modified and process-switch paths run under the translator, where the
#       in-block timer events are; every mode would add some 80 s to make check.
#       Test names are MODE/KIND/NAME; FILTER (shell globs) selects among them.
#   tests/isa/run.sh --user [FILTER...]
#       Suite isa-user: every build/isa/linux/NAME under qemu-mipsel, passing iff the exit
#       status is 0 and the program printed "PASS N checks" with N its declared check count (an
#       independent oracle for tests/isa/user: it checks the tests, not mvisor), and the FR = 0
#       and FR = 1 builds of tests/isa/fpu-user under qemu-mipsel's 24Kf model
#       (QEMU_CPU=24Kf; the ELF's FP ABI sets FR). Plus the self-test selftest/skips_checks,
#       which must print "PASS 2 checks" and be rejected for declaring 3.
#
# Defaults: BIN=build/mvisor, modes from $MODES (else "interp dbt dbt-nochain dbt-flush trap"). Transcripts: build/test-logs/SUITE/.
cd "$(dirname "$0")/../.."
. tests/lib.sh

B=${B:-build}
suite=isa
mvisor=$B/mvisor
modes=${MODES:-interp dbt dbt-nochain dbt-flush trap}
umode_irq_modes=""     # empty: every mode
ISA_TIMEOUT=${ISA_TIMEOUT:-30}     # mvisor's own --timeout; the outer kill comes 30 s later
# Both stretched by the load (tests/lib.sh test_timeout_scale): --timeout counts wall-clock time.
QEMU_MIPSEL=${QEMU_MIPSEL:-qemu-mipsel}
filters=()
while (($#)); do
    case $1 in
    --suite) suite=$2; shift 2 ;;
    --mvisor) mvisor=$2; shift 2 ;;
    --modes) modes=$2; shift 2 ;;
    --umode-irq-modes) umode_irq_modes=$2; shift 2 ;;
    --user) suite=isa-user; shift ;;
    -h | --help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 1 ;;
    *) filters+=("$1"); shift ;;
    esac
done

# A test that printed a sanitizer report fails even if it exited 0.
sanitizer_report() { test_log_has 'runtime error:' AddressSanitizer UndefinedBehaviorSanitizer; }

suite_begin "$suite"

# The Linux builds as "NAME CPU": build/isa/linux/NAME under qemu-mipsel (CPU for QEMU_CPU, or -).
linux_tests() {
    local src fr
    for src in tests/isa/user/*.S; do
        [[ -e $src ]] && echo "$(basename "$src" .S) -"
    done
    for src in tests/isa/fpu-user/*.S; do
        [[ -e $src ]] || continue
        for fr in fr0 fr1; do echo "fpu-user/$(basename "$src" .S)-$fr 24Kf"; done
    done
}

# linux_test NAME CPU: build/isa/linux/NAME under qemu-mipsel (QEMU_CPU=CPU unless -).
linux_test() {
    local name=$1 cpu=$2 bin=$B/isa/linux/$1 got why
    if [[ ! -x $bin ]]; then
        TEST_LOG=
        test_fail "$name" "not built: $bin"
        return
    fi
    if [[ $cpu == - ]]; then
        test_exec "$name" 60 "$QEMU_MIPSEL" "$bin"
    else
        test_exec "$name" 60 env QEMU_CPU="$cpu" "$QEMU_MIPSEL" "$bin"
    fi
    got=$(sed -n 's/^PASS \([0-9][0-9]*\) checks$/\1/p' "$TEST_LOG" | tail -n 1)
    if ((TEST_RC != 0)) || [[ -z $got ]]; then
        test_fail "$name" "exit status $TEST_RC$([[ -n $got ]] || echo " and no 'PASS N checks' line")"
    elif ! why=$(isa_check_counts "$bin" "$got"); then
        test_fail "$name" "$why"
    else
        test_pass "$name" "$got checks"
    fi
}

if [[ $suite == isa-user ]]; then
    mapfile -t linux < <(linux_tests)
    for line in "${linux[@]}"; do
        read -r name cpu <<<"$line"
        selected "$name" || continue
        test_async linux_test "$name" "$cpu"
    done
    async_end

    # The self-test: a program that skips a declared check must be rejected by the same verdict.
    name=selftest/skips_checks
    if selected "$name"; then
        bin=$B/isa/linux/$name
        if [[ ! -x $bin ]]; then
            TEST_LOG=
            test_fail "$name" "not built: $bin"
        else
            test_exec "$name" 60 "$QEMU_MIPSEL" "$bin"
            got=$(sed -n 's/^PASS \([0-9][0-9]*\) checks$/\1/p' "$TEST_LOG" | tail -n 1)
            why=$(isa_check_counts "$bin" "$got") && why=
            if ((TEST_RC == 0)) && [[ $got == 2 && $why == "ran 2 checks, declared 3" ]]; then
                test_pass "$name" "rejected: $why"
            else
                test_fail "$name" "expected exit status 0, 'PASS 2 checks' and the verdict 'ran 2 checks, declared 3'; got exit status $TEST_RC, '${why:-accepted}'"
            fi
        fi
    fi
    suite_end
    exit
fi

if [[ ! -x $mvisor ]]; then
    TEST_LOG=
    test_fail "$suite" "not built: $mvisor"
    suite_end
    exit
fi
outer=$((ISA_TIMEOUT + 30))
# mode_args MODE: the mvisor options of a mode name, into the array MODE_ARGS.
mode_args() {
    case $1 in
    dbt-nochain) MODE_ARGS=(--exec dbt --no-chain) ;;
    dbt-flush) MODE_ARGS=(--exec dbt --code-buffer 64) ;;
    *) MODE_ARGS=(--exec "$1") ;;
    esac
}
# bare_counts ELF: whether the counts mvisor reported in $TEST_LOG equal the program's declared
# ones (prints the difference if not). The last report counts; read without a process.
bare_counts() {
    local lines line got=
    mapfile -t lines <"$TEST_LOG"
    for line in "${lines[@]}"; do
        [[ $line =~ ^mvisor:\ test\ passed\ \(([0-9]*)\ checks,\ ([0-9]*)\ exceptions, ]] &&
            got="${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
    done
    if [[ -z $got ]]; then
        echo "no 'mvisor: test passed (N checks, E exceptions' line"
        return 1
    fi
    # shellcheck disable=SC2086
    isa_check_counts "$1" $got
}
# selftest_run NAME: run build/isa/bare/REL.elf (NAME = MODE/REL, REL = [umode/ or umode-irq/]
# selftest/PROG) in $mode if NAME is selected; returns 1 if it is not (or not built: counted as a
# failure).
selftest_run() {
    local elf=$B/isa/bare/${1#*/}.elf
    selected "$1" || return 1
    if [[ ! -f $elf ]]; then
        TEST_LOG=
        test_fail "$1" "not built: $elf"
        return 1
    fi
    test_timeout_scale
    TEST_TIMEOUT_SCALE=$TEST_SCALE test_exec "$1" "$outer" "$mvisor" -M testbench -m 16 --deterministic \
        "${MODE_ARGS[@]}" --timeout $((ISA_TIMEOUT * TEST_SCALE)) -kernel "$elf"
}
# Sanitizer reports with a stack trace; -fno-sanitize-recover=all already makes the first one fatal.
[[ $suite == ubsan ]] && export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# in_umode_irq_modes MODE: whether the umode-irq/ tests run in MODE (--umode-irq-modes)
in_umode_irq_modes() { [[ -z $umode_irq_modes || " $umode_irq_modes " == *" $1 "* ]]; }
# bare_test NAME REL CPU: the test NAME, build/isa/bare/REL.elf in $mode (-cpu CPU unless -).
bare_test() {
    local name=$1 elf=$B/isa/bare/$2.elf cpu=$3 cpu_args=() why
    if [[ ! -f $elf ]]; then
        TEST_LOG=
        test_fail "$name" "not built: $elf"
        return
    fi
    [[ $cpu == - ]] || cpu_args=(-cpu "$cpu")
    test_timeout_scale
    TEST_TIMEOUT_SCALE=$TEST_SCALE test_exec "$name" "$outer" "$mvisor" -M testbench -m 16 --deterministic \
        "${MODE_ARGS[@]}" --timeout $((ISA_TIMEOUT * TEST_SCALE)) "${cpu_args[@]}" -kernel "$elf"
    if ((TEST_RC != 0)); then
        test_fail "$name" "exit status $TEST_RC"
    elif [[ $suite == ubsan ]] && sanitizer_report; then
        test_fail "$name" "sanitizer report"
    elif ! why=$(bare_counts "$elf"); then
        test_fail "$name" "$why"
    else
        test_pass "$name"
    fi
}
# selftest_must_fail NAME: a deliberate failure at check 2 must be reported as exactly that.
selftest_must_fail() {
    local name=$1
    selftest_run "$name" || return
    if ((TEST_RC == 4)) && grep -q 'FAIL' "$TEST_LOG" && grep -q 'check 2\b' "$TEST_LOG" &&
        ! { [[ $suite == ubsan ]] && sanitizer_report; }; then
        test_pass "$name" "failure at check 2 seen"
    else
        test_fail "$name" "expected exit status 4 and 'FAIL ... check 2', got exit status $TEST_RC"
    fi
}
# selftest_rejected NAME REACHED WANT: a program that "passes" (exits 0) having skipped a check or
# swallowed an exception: mvisor must report what it reached (REACHED, "C checks, E exceptions"),
# and the verdict every test gets must reject it with WANT.
selftest_rejected() {
    local name=$1 reached=$2 want=$3 why
    selftest_run "$name" || return
    why=$(bare_counts "$B/isa/bare/${name#*/}.elf") && why=
    if ((TEST_RC == 0)) && grep -q "^mvisor: test passed ($reached," "$TEST_LOG" && [[ $why == "$want" ]] &&
        ! { [[ $suite == ubsan ]] && sanitizer_report; }; then
        test_pass "$name" "rejected: $why"
    else
        test_fail "$name" "expected exit status 0, 'test passed ($reached' and the verdict '$want'; got exit status $TEST_RC, '${why:-accepted}'"
    fi
}
# Every test is a process of its own: test_async runs TEST_JOBS of them at a time (tests/lib.sh).
mapfile -t bare_tests < <(isa_bare_tests)
isa_declared_read "$B"/isa/bare/*/*.elf "$B"/isa/bare/*/*/*.elf "$B"/isa/bare/*/*/*/*.elf
for mode in $modes; do
    mode_args "$mode"
    for line in "${bare_tests[@]}"; do
        read -r rel cpu <<<"$line"
        name=$mode/$rel
        [[ $rel == umode-irq/* ]] && ! in_umode_irq_modes "$mode" && continue
        selected "$name" || continue
        test_async bare_test "$name" "$rel" "$cpu"
    done

    # The harness self-tests, on the bare machine and through the mapped user-mode kernel part.
    for kind in "" umode/ umode-irq/; do
        [[ $kind == umode-irq/ ]] && ! in_umode_irq_modes "$mode" && continue
        name=$mode/${kind}selftest/must_fail
        selected "$name" && test_async selftest_must_fail "$name"
        for st in "skips_checks:2 checks, 0 exceptions:ran 2 checks, declared 3" \
            "undeclared_exception:2 checks, 1 exceptions:took 1 exceptions, declared 0"; do
            IFS=: read -r prog reached want <<<"$st"
            name=$mode/${kind}selftest/$prog
            selected "$name" && test_async selftest_rejected "$name" "$reached" "$want"
        done
    done
done
suite_end
