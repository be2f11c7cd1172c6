#!/usr/bin/env bash
# Suite "diff": lockstep of the translator against the interpreter (build/tests/lockstep, from
# tests/diff/lockstep.c; its header explains the comparison).
#
#   tests/diff/run.sh [FILTER...]
#
# Tests:
#   isa/REL         every bare ISA program the isa suite runs (build/isa/bare/REL.elf, with the
#                   same -cpu), from reset to its result: passes iff lockstep exits 0 and reports
#                   no divergence.
#   isa-trap/REL    the same with the translated side under trap-and-emulate (lockstep --exec
#                   trap): privileged instructions trap and the monitor emulates them. All but
#                   umode-irq/*: the preemptive umode kernel is compared with the translator in
#                   isa/umode-irq/* (where its in-block timer events are), and runs under trap in
#                   the isa suite, held to the declared counts; under trap here it would add some
#                   40 s to make check. The umode/* programs run under both.
#   selftest/inject the translator is made to corrupt the result of the instruction at the
#                   label inject_here of tests/isa/selftest/lockstep_target.S: passes iff lockstep
#                   exits 1 and names exactly that PC (the comparison can see a wrong instruction).
#   zboot           the first $DIFF_ZBOOT_INSNS (default 3e8) instructions of the guest kernel's
#                   self-decompressor on the test machine (real code, mostly RAM and loops).
#   malta-boot      the stock kernel on the Malta board, deterministic, from its entry point (the
#                   payload vmlinux.bin made into an ELF, as the boot suite does, skipping the
#                   decompressor) with build/initramfs.cpio.gz, until the busybox prompt "/ # "
#                   appears on ttyS0: the whole boot, every block compared.
# Transcripts: build/test-logs/diff/.
cd "$(dirname "$0")/../.."
. tests/lib.sh

B=${B:-build}
LOCKSTEP=$B/tests/lockstep
DIFF_ZBOOT_INSNS=${DIFF_ZBOOT_INSNS:-300000000}
filters=("$@")
suite_begin diff
if [[ ! -x $LOCKSTEP ]]; then
    TEST_LOG=
    test_fail diff "not built: $LOCKSTEP"
    suite_end
    exit
fi

# isa_test NAME REL CPU EXEC: build/isa/bare/REL.elf (-cpu CPU unless -) in lockstep, the
# translated side under --exec EXEC.
isa_test() {
    local name=$1 elf=$B/isa/bare/$2.elf cpu=$3 exec=$4 cpu_args=()
    if [[ ! -f $elf ]]; then
        TEST_LOG=
        test_fail "$name" "not built: $elf"
        return
    fi
    [[ $cpu == - ]] || cpu_args=(-cpu "$cpu")
    test_exec "$name" 120 "$LOCKSTEP" --exec "$exec" "${cpu_args[@]}" -kernel "$elf"
    if ((TEST_RC == 0)) && test_log_has 'no divergence'; then
        test_pass "$name"
    else
        test_fail "$name" "exit status $TEST_RC"
    fi
}
mapfile -t bare_tests < <(isa_bare_tests)
isa_jobs=()
for exec in dbt trap; do
    for line in "${bare_tests[@]}"; do
        read -r rel cpu <<<"$line"
        name=isa/$rel
        [[ $exec == trap ]] && name=isa-trap/$rel
        [[ $exec == trap && $rel == umode-irq/* ]] && continue
        selected "$name" || continue
        isa_jobs+=("$name $rel $cpu $exec")
    done
done

# The tests selftest/inject, zboot and malta-boot (see above).
inject_test() {
    local name=selftest/inject elf addr
    elf=$B/isa/bare/selftest/lockstep_target.elf
    addr=$(mipsel-linux-gnu-nm "$elf" 2>/dev/null | awk '$3 == "inject_here" { print substr($1, length($1) - 7) }')
    if [[ -z $addr ]]; then
        TEST_LOG=
        test_fail "$name" "no inject_here in $elf"
    else
        test_exec "$name" 120 "$LOCKSTEP" --inject-pc "0x$addr" -kernel "$elf"
        if ((TEST_RC == 1)) && grep -q "DIVERGENCE at the instruction at pc $addr " "$TEST_LOG"; then
            test_pass "$name" "reported pc $addr"
        else
            test_fail "$name" "expected exit status 1 and a divergence at pc $addr, got exit status $TEST_RC"
        fi
    fi
}
zboot_test() {
    local name=zboot kernel
    kernel=$B/guest/vmlinuz
    if [[ ! -f $kernel ]]; then
        TEST_LOG=
        test_fail "$name" "no $kernel (make guest)"
    else
        test_exec "$name" 600 "$LOCKSTEP" -m 256 --max-insns "$DIFF_ZBOOT_INSNS" -kernel "$kernel"
        if ((TEST_RC == 0)) && grep -q 'no divergence' "$TEST_LOG"; then
            test_pass "$name" "$(grep -o '^lockstep: [0-9]* instructions' "$TEST_LOG" | cut -d' ' -f2) instructions"
        else
            test_fail "$name" "exit status $TEST_RC"
        fi
    fi
}
malta_boot_test() {
    local name=malta-boot info W
    info=$B/guest/vmlinux.info
    W=$B/tests/diff
    mkdir -p "$W"
    if [[ ! -f $info || ! -f $B/initramfs.cpio.gz ]]; then
        TEST_LOG=
        test_fail "$name" "no guest or initramfs (make guest initramfs)"
    else
        # The kernel payload as an ELF at its load address, entered at kernel_entry.
        printf 'SECTIONS { . = %s; .text : { *(.data) } }\n' "$(sed -n 's/^load=//p' "$info")" >"$W/payload.ld"
        if mipsel-linux-gnu-ld -EL -T "$W/payload.ld" -e "$(sed -n 's/^entry=//p' "$info")" -b binary \
            "$B/guest/vmlinux.bin" -b elf32-tradlittlemips -o "$W/vmlinux.elf" >"$W/payload.log" 2>&1; then
            test_exec "$name" 1800 "$LOCKSTEP" -M malta -m 256 -initrd "$B/initramfs.cpio.gz" \
                -append 'console=ttyS0 panic=-1' --until-output '/ # ' -kernel "$W/vmlinux.elf"
            if ((TEST_RC == 0)) && grep -q 'up to the console output asked for, no divergence' "$TEST_LOG"; then
                test_pass "$name" "$(grep -o '^lockstep: [0-9]* instructions' "$TEST_LOG" | cut -d' ' -f2) instructions"
            else
                test_fail "$name" "exit status $TEST_RC"
            fi
        else
            TEST_LOG=$W/payload.log
            test_fail "$name" "cannot make the payload ELF"
        fi
    fi
}
# Every test is a process of its own: test_async runs TEST_JOBS of them at a time (tests/lib.sh).
# The two long runs (malta-boot some 60 s, zboot 10 s, where an ISA program takes a fraction of a
# second) start first, so the others run beside them, and are printed in their places at the end.
n=${#isa_jobs[@]}
if ((TEST_JOBS > 1)); then
    selected malta-boot && TEST_SLOT=$((n + 2)) test_async malta_boot_test
    selected zboot && TEST_SLOT=$((n + 1)) test_async zboot_test
fi
for job in "${isa_jobs[@]}"; do
    # shellcheck disable=SC2086
    test_async isa_test $job
done
selected selftest/inject && TEST_SLOT=$n test_async inject_test
if ((TEST_JOBS <= 1)); then
    selected zboot && test_async zboot_test
    selected malta-boot && test_async malta_boot_test
fi
suite_end
