#!/usr/bin/env bash
# Suite isa-qemu: QEMU as an outside oracle for the kernel-mode ISA programs.
#
#   tests/isa/run-qemu.sh [--mvisor BIN] [--list] [FILTER...]
#
# Every program of tests/isa/kernel, tests/isa/fpu and tests/isa/nofpu runs twice:
#   - on mvisor, as the isa suite runs it (build/isa/bare/REL.elf):
#         BIN -M testbench -m 16 --deterministic --exec interp --timeout 30 [-cpu CPU] -kernel ELF
#     which reports "test passed (N checks, ...)" or "test FAIL at check N";
#   - on QEMU's Malta board, built for it (build/isa/malta/REL.elf, Makefile "isa-qemu"):
#         qemu-system-mipsel -M malta -cpu CPU -m 64 -no-reboot ... -kernel ELF
#     plus the boot-exception vectors (REL.bev) in the boot ROM at 0x1FC00200; the program prints
#     "PASS N checks" or "FAIL at check N" on the UART and resets the board (lib/crt_malta.S).
# CPU is QEMU's model of the CPU mvisor emulates for the program: 24Kf (mvisor's default) for
# kernel/ and fpu/, 24Kc for nofpu/ (the -cpu the isa suite gives mvisor). Both are PRId
# 0x00019300 with a 16-entry TLB on both sides (QEMU target/mips/cpu-defs.c.inc).
#
# A program passes when both pass with the same number of checks: QEMU, an independent
# implementation, agrees with mvisor's result. Three named lists below take programs out of that
# rule, each entry with its reason:
#   NOT_ON_MALTA   needs what only mvisor's test machine has; not run on QEMU.
#   UNPREDICTABLE  checks mvisor's own choice where the architecture says UNPREDICTABLE; QEMU is
#                  free to choose otherwise, so it is no oracle there; not run on QEMU.
#   QEMU_DIFFERS   QEMU is wrong or models a different CPU here (tests/isa/qemu-differences.md):
#                  the program must still fail on QEMU at exactly the check given, and pass on
#                  mvisor; if QEMU passes it, the entry is stale and the program fails.
# --list prints the three lists and exits. Transcripts: build/test-logs/isa-qemu/REL.{mvisor,qemu}.log.
cd "$(dirname "$0")/../.."
. tests/lib.sh

B=${B:-build}
mvisor=$B/mvisor
QEMU_SYSTEM_MIPSEL=${QEMU_SYSTEM_MIPSEL:-qemu-system-mipsel}
TIMEOUT=${ISA_TIMEOUT:-30}
list_only=0
filters=()
while (($#)); do
    case $1 in
    --mvisor) mvisor=$2; shift 2 ;;
    --list) list_only=1; shift ;;
    -h | --help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
    -*) echo "run-qemu.sh: unknown option $1" >&2; exit 1 ;;
    *) filters+=("$1"); shift ;;
    esac
done

declare -A NOT_ON_MALTA=(
    # Raise and drop the CPU's interrupt lines IP2..IP7 one by one through the test device's IRQ
    # register. On Malta those lines hang off the i8259 pair (IP2), the CBUS UART (IP4) and
    # nothing (IP3, IP5, IP6; QEMU hw/mips/malta.c): there is no way to drive each alone.
    [kernel/hwint_lines]="drives IP2..IP7 through the test device's IRQ register"
    [kernel/hwint_taken]="drives IP2..IP7 through the test device's IRQ register"
)

declare -A UNPREDICTABLE=(
)

# REL -> the check QEMU fails at (the reason is the comment above each entry and the document).
declare -A QEMU_DIFFERS=(
)

if ((list_only)); then
    for k in "${!NOT_ON_MALTA[@]}"; do echo "not-on-malta $k: ${NOT_ON_MALTA[$k]}"; done | sort
    for k in "${!UNPREDICTABLE[@]}"; do echo "unpredictable $k: ${UNPREDICTABLE[$k]}"; done | sort
    for k in "${!QEMU_DIFFERS[@]}"; do echo "qemu-differs $k: fails at check ${QEMU_DIFFERS[$k]}"; done | sort
    exit 0
fi

# The programs as "REL CPU".
programs() {
    local src
    for src in tests/isa/kernel/*.S; do [[ -e $src ]] && echo "kernel/$(basename "$src" .S) 24Kf"; done
    for src in tests/isa/fpu/*.S; do [[ -e $src ]] && echo "fpu/$(basename "$src" .S) 24Kf"; done
    for src in tests/isa/nofpu/*.S; do [[ -e $src ]] && echo "nofpu/$(basename "$src" .S) 24Kc"; done
}

# verdict_mvisor LOG RC / verdict_qemu LOG RC: "PASS N", "FAIL N" or "ERROR what".
verdict_mvisor() {
    local n
    if (($2 == 0)) && n=$(sed -n 's/^mvisor: test passed (\([0-9]*\) checks.*/\1/p' "$1") && [[ -n $n ]]; then
        echo "PASS $n"
    elif (($2 == 4)) && n=$(sed -n 's/^mvisor: test FAIL at check \([0-9]*\).*/\1/p' "$1") && [[ -n $n ]]; then
        echo "FAIL $n"
    else
        echo "ERROR exit status $2"
    fi
}
verdict_qemu() {
    local n
    if (($2 != 0)); then
        echo "ERROR exit status $2"
    elif n=$(tr -d '\r' <"$1" | sed -n 's/^PASS \([0-9]*\) checks$/\1/p') && [[ -n $n ]]; then
        echo "PASS $n"
    elif n=$(tr -d '\r' <"$1" | sed -n 's/^FAIL at check \([0-9]*\)$/\1/p') && [[ -n $n ]]; then
        echo "FAIL $n"
    else
        echo "ERROR no result line"
    fi
}

suite_begin isa-qemu
if [[ ! -x $mvisor ]]; then
    TEST_LOG=
    test_fail isa-qemu "not built: $mvisor"
    suite_end
    exit
fi
if ! command -v "$QEMU_SYSTEM_MIPSEL" >/dev/null; then
    TEST_LOG=
    test_fail isa-qemu "no $QEMU_SYSTEM_MIPSEL (Debian package qemu-system-mips)"
    suite_end
    exit
fi

not_run=()
while read -r rel cpu; do
    selected "$rel" || continue
    if [[ -n ${NOT_ON_MALTA[$rel]:-} ]]; then
        not_run+=("$rel: not on Malta: ${NOT_ON_MALTA[$rel]}")
        continue
    fi
    if [[ -n ${UNPREDICTABLE[$rel]:-} ]]; then
        not_run+=("$rel: UNPREDICTABLE: ${UNPREDICTABLE[$rel]}")
        continue
    fi
    bare=$B/isa/bare/$rel.elf
    malta=$B/isa/malta/$rel.elf
    bev=$B/isa/malta/$rel.bev
    missing=
    for f in "$bare" "$malta" "$bev"; do [[ -f $f ]] || missing+=" $f"; done
    if [[ -n $missing ]]; then
        TEST_LOG=
        test_fail "$rel" "not built:$missing"
        continue
    fi

    cpu_args=()
    [[ $cpu == 24Kf ]] || cpu_args=(-cpu "$cpu") # mvisor's default is the 24Kf
    test_exec "$rel.mvisor" $((TIMEOUT + 30)) "$mvisor" -M testbench -m 16 --deterministic --exec interp \
        --timeout "$TIMEOUT" "${cpu_args[@]}" -kernel "$bare"
    mlog=$TEST_LOG
    mv=$(verdict_mvisor "$mlog" "$TEST_RC")

    # -nic none -vga none: the board's default PCnet NIC and Cirrus VGA want option ROMs Debian
    # ships only in recommended packages (the Makefile's run-qemu says the same).
    test_exec "$rel.qemu" "$TIMEOUT" "$QEMU_SYSTEM_MIPSEL" -M malta -cpu "$cpu" -m 64 -display none \
        -no-reboot -nic none -vga none -serial stdio -monitor none \
        -device "loader,file=$bev,addr=0x1fc00200,force-raw=on" -kernel "$malta"
    qlog=$TEST_LOG
    qv=$(verdict_qemu "$qlog" "$TEST_RC")

    expect=${QEMU_DIFFERS[$rel]:-}
    if [[ -n $expect ]]; then
        if [[ $mv == PASS* && $qv == "FAIL $expect" ]]; then
            test_pass "$rel" "mvisor ${mv,,} checks; QEMU fails at check $expect as listed"
        elif [[ $mv == PASS* && $qv == "$mv" ]]; then
            TEST_LOG=$qlog
            test_fail "$rel" "QEMU now passes ($qv checks): the QEMU_DIFFERS entry is stale"
        else
            TEST_LOG=$qlog
            [[ $mv == PASS* ]] || TEST_LOG=$mlog
            test_fail "$rel" "listed as QEMU failing at check $expect; mvisor: $mv, QEMU: $qv"
        fi
    elif [[ $mv == PASS* && $qv == "$mv" ]]; then
        test_pass "$rel" "${mv#PASS } checks on both"
    else
        TEST_LOG=$qlog
        [[ $mv == PASS* ]] || TEST_LOG=$mlog
        test_fail "$rel" "mvisor: $mv, QEMU: $qv"
    fi
done < <(programs)
for line in "${not_run[@]}"; do echo "NOT RUN $line"; done
suite_end
