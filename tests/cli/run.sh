#!/usr/bin/env bash
# Suite "cli": the command line of mvisor, with bad input and with good.
#
#   tests/cli/run.sh [--mvisor BIN] [--suite NAME] [--tsan] [FILTER...]
#
# --tsan: BIN is a ThreadSanitizer build (suite "tsan" runs the cases of several VMs so, as its
# part tsan-cli); a race report fails the case (exit 66) and the run (case tsan-reports).
#
# Every bad-input case runs BIN (default build/mvisor) with one thing wrong and otherwise
# valid arguments, and passes iff
#   - the exit status is 1 (usage or host error): not 0, not a crash (>= 128), not a timeout,
#   - stderr is exactly one line, starting with "mvisor:", that names the problem
#     (matches the case's pattern, case-insensitive),
#   - nothing is written to stdout.
# --help must exit 0 and mention every option. The good-input cases run tiny bare-metal
# programs (tests/cli/progs/*.S, built like the ISA tests with tests/isa/lib/crt_bare.S and
# bare.ld) on -M testbench: a passing one exits 0, a failing one 4, an endless loop 3 under
# --max-insns or --timeout. -serial stdio, file:PATH and none are run on the Malta board with a
# stand-alone program that writes to its 16550 (tests/cli/malta/uart_bytes.S): the bytes it
# sends must arrive exactly on stdout or in the file (and nowhere with none), and the program
# must run to its end (a board reset, status 0 under -no-reboot).
#
# Scratch files (programs, bad kernels, captured output) go to build/tests/cli/; transcripts
# to build/test-logs/cli/; the result line to build/test-logs/cli.result.
cd "$(dirname "$0")/../.."
. tests/lib.sh

B=${B:-build}
MVISOR=$B/mvisor
MIPS_CC=${MIPS_CC:-mipsel-linux-gnu-gcc}
CLI_TIMEOUT=${CLI_TIMEOUT:-20}
W=$B/tests/cli
suite=cli
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


# No core files from a crashing case; a crash still shows as a status >= 128.
ulimit -c 0

suite_begin "$suite"
[[ $suite == cli ]] || W=$B/tests/$suite
rm -rf "$W"
mkdir -p "$W"
# --tsan: BIN is a ThreadSanitizer build. A race report makes the process exit 66, which no case
# expects, and every report is also kept and counted as a failure at the end.
if ((tsan)); then
    export TSAN_OPTIONS="halt_on_error=0 exitcode=66 log_path=$W/tsan-report"
fi

# ---- inputs ------------------------------------------------------------------------------

# Guest programs, compiled exactly as the Makefile compiles bare ISA tests.
ISA_CFLAGS=(-march=mips32r2 -EL -fno-pic -mno-abicalls -no-pie -nostdlib -static -Itests/isa/include
    -Wl,--build-id=none)
PROGS_OK=1
for src in tests/cli/progs/*.S; do
    name=$(basename "$src" .S)
    if ! "$MIPS_CC" "${ISA_CFLAGS[@]}" -T tests/isa/lib/bare.ld -o "$W/$name.elf" \
        tests/isa/lib/crt_bare.S "$src" >"$W/build-$name.log" 2>&1; then
        PROGS_OK=0
        echo "cli: cannot build $src with $MIPS_CC (see $W/build-$name.log)" >&2
    fi
done
# The Malta board's UART program: stand-alone (no crt, the test device is not on that board).
if ! "$MIPS_CC" "${ISA_CFLAGS[@]}" -Wl,-Ttext=0x80100000 -Wl,-e,_start -o "$W/uart_bytes.elf" \
    tests/cli/malta/uart_bytes.S >"$W/build-uart_bytes.log" 2>&1; then
    PROGS_OK=0
    echo "cli: cannot build tests/cli/malta/uart_bytes.S with $MIPS_CC (see $W/build-uart_bytes.log)" >&2
fi
# The endless one: a tick on the UART now and then (the console and QMP cases with several VMs).
if ! "$MIPS_CC" "${ISA_CFLAGS[@]}" -Wl,-Ttext=0x80100000 -Wl,-e,_start -o "$W/ticks.elf" \
    tests/cli/malta/ticks.S >"$W/build-ticks.log" 2>&1; then
    PROGS_OK=0
    echo "cli: cannot build tests/cli/malta/ticks.S with $MIPS_CC (see $W/build-ticks.log)" >&2
fi
# Count read early, as a relocatable kernel does for its KASLR offset (clones under one --seed).
if ! "$MIPS_CC" "${ISA_CFLAGS[@]}" -Wl,-Ttext=0x80100000 -Wl,-e,_start -o "$W/count_seed.elf" \
    tests/cli/malta/count_seed.S >"$W/build-count_seed.log" 2>&1; then
    PROGS_OK=0
    echo "cli: cannot build tests/cli/malta/count_seed.S with $MIPS_CC (see $W/build-count_seed.log)" >&2
fi
# The dvpe program (-cpu 34Kf -smp 2 --smp-threads 2): VPE 0 stops VPE 1 with dvpe.
if ! "$MIPS_CC" "${ISA_CFLAGS[@]}" -Wl,-Ttext=0x80100000 -Wl,-e,_start -o "$W/dvpe.elf" \
    tests/cli/malta/dvpe.S >"$W/build-dvpe.log" 2>&1; then
    PROGS_OK=0
    echo "cli: cannot build tests/cli/malta/dvpe.S with $MIPS_CC (see $W/build-dvpe.log)" >&2
fi
if ! "$MIPS_CC" "${ISA_CFLAGS[@]}" -DROUNDS=1000 -DSPIN=2000 -Wl,-Ttext=0x80100000 -Wl,-e,_start \
    -o "$W/dvpe-short.elf" tests/cli/malta/dvpe.S >"$W/build-dvpe-short.log" 2>&1; then
    PROGS_OK=0
    echo "cli: cannot build tests/cli/malta/dvpe.S -DSPIN=2000 with $MIPS_CC (see $W/build-dvpe-short.log)" >&2
fi
# ISA test programs for the runs of several VMs, built as the Makefile builds build/isa/bare/.
for src in user/addu_basic user/and_reg kernel/break_exc selftest/must_fail; do
    if ! "$MIPS_CC" "${ISA_CFLAGS[@]}" -T tests/isa/lib/bare.ld -o "$W/isa-${src//\//-}.elf" \
        tests/isa/lib/crt_bare.S "tests/isa/$src.S" >"$W/build-isa-${src//\//-}.log" 2>&1; then
        PROGS_OK=0
        echo "cli: cannot build tests/isa/$src.S with $MIPS_CC" >&2
    fi
done
# What it sends: its line of text, then every byte value 0x00-0xFF in order.
{
    printf "uart_bytes: the guest's 16550 at port 0x3f8\r\n"
    for ((i = 0; i < 256; i++)); do
        # shellcheck disable=SC2059
        printf "\\$(printf %03o "$i")"
    done
} >"$W/uart_bytes.expected"
GOOD=$W/pass.elf

# Bad kernels.
printf '' >"$W/empty.elf"
printf 'This is a text file, not a kernel.\nSecond line.\n' >"$W/text.elf"
mkdir -p "$W/a-directory.elf"
echo keep >"$W/plain-file"
if [[ -f $GOOD ]]; then
    head -c 100 "$GOOD" >"$W/truncated.elf"
    # Big-endian: the same file with EI_DATA (byte 5) flipped from 1 (LSB) to 2 (MSB).
    cp "$GOOD" "$W/big-endian.elf"
    printf '\002' | dd of="$W/big-endian.elf" bs=1 seek=5 conv=notrunc status=none
fi
X86_ELF=/bin/true
[[ -L $X86_ELF ]] && X86_ELF=$(readlink -f "$X86_ELF")

# ---- checks ------------------------------------------------------------------------------

# run_cli NAME ARGS...: runs MVISOR ARGS with the suite timeout; stdout and stderr are kept apart
# in $OUT and $ERR (and both end up in the transcript); sets TEST_RC and TEST_LOG.
run_cli() {
    local name=$1
    shift
    OUT=$W/$name.stdout
    ERR=$W/$name.stderr
    : >"$OUT"
    : >"$ERR"
    # shellcheck disable=SC2016
    test_exec "$name" "$CLI_TIMEOUT" bash -c \
        'out=$1 err=$2; shift 2; "$@" >"$out" 2>"$err"; rc=$?
         echo "[stdout]"; cat "$out"; echo "[stderr]"; cat "$err"; exit $rc' \
        run-cli "$OUT" "$ERR" "$MVISOR" "$@"
}

# Why a finished case is not a clean usage error, or nothing.
usage_error_problem() {
    local re=$1 lines
    if ((TEST_RC == 124 || TEST_RC == 137)); then
        echo "timed out"
    elif ((TEST_RC >= 128)); then
        echo "killed by signal $((TEST_RC - 128)), exit status $TEST_RC"
    elif ((TEST_RC != 1)); then
        echo "exit status $TEST_RC, expected 1"
    else
        lines=$(awk 'END { print NR }' "$ERR")
        if ((lines != 1)); then
            echo "$lines lines on stderr, expected exactly 1"
        elif ! head -n 1 "$ERR" | grep -q '^mvisor: '; then
            echo "stderr does not start with 'mvisor: '"
        elif ! grep -Eiq -- "$re" "$ERR"; then
            echo "message does not name the problem (expected /$re/)"
        elif [[ -s $OUT ]]; then
            echo "wrote to stdout"
        fi
    fi
}

# bad NAME REGEX ARGS...: a usage/host error case.
bad() {
    local name=$1 re=$2 why
    shift 2
    selected "$name" || return 0
    if [[ ! -x $MVISOR ]]; then
        TEST_LOG=
        test_fail "$name" "not built: $MVISOR"
        return
    fi
    run_cli "$name" "$@"
    why=$(usage_error_problem "$re")
    if [[ -z $why ]]; then
        test_pass "$name"
    else
        test_fail "$name" "$why"
    fi
}

# needs_progs NAME: fails NAME (and returns 1) when the guest programs could not be built.
needs_progs() {
    selected "$1" || return 1
    ((PROGS_OK)) && return 0
    TEST_LOG=
    test_fail "$1" "guest programs not built ($MIPS_CC missing?)"
    return 1
}

# good NAME STATUS REGEX ARGS...: a case that must exit with STATUS (REGEX: stderr must match).
good() {
    local name=$1 want=$2 re=$3
    shift 3
    needs_progs "$name" || return 0
    if [[ ! -x $MVISOR ]]; then
        TEST_LOG=
        test_fail "$name" "not built: $MVISOR"
        return
    fi
    run_cli "$name" "$@"
    if ((TEST_RC != want)); then
        test_fail "$name" "exit status $TEST_RC, expected $want"
    elif [[ -n $re ]] && ! grep -Eiq -- "$re" "$ERR"; then
        test_fail "$name" "stderr does not match /$re/"
    else
        test_pass "$name"
    fi
}

TB=(-M testbench -m 16 --deterministic)

# ---- bad options ---------------------------------------------------------------------------

bad unknown-option 'bogus-option|unknown|unsupported' "${TB[@]}" -kernel "$GOOD" --bogus-option
bad unknown-single-dash '-frobnicate|unknown|unsupported' "${TB[@]}" -kernel "$GOOD" -frobnicate
bad positional-argument 'stray|unexpected|argument' "${TB[@]}" -kernel "$GOOD" stray
bad m-zero '-m.*(range|at least|too small|invalid)|(range|at least|too small|invalid).*-m' \
    -M testbench -kernel "$GOOD" -m 0
bad m-abc '-m.*(invalid|number)|(invalid|number).*-m' -M testbench -kernel "$GOOD" -m abc
bad m-negative '-m.*(invalid|number|negative|range)' -M testbench -kernel "$GOOD" -m -16
bad m-bad-suffix '-m.*(invalid|number)|(invalid|number).*-m' -M testbench -kernel "$GOOD" -m 16Q
bad m-4096 '-m.*(range|at most|too large)|(range|at most|too large).*-m' -M testbench -kernel "$GOOD" -m 4096
bad m-no-argument '-m.*(argument|needs|missing)' -M testbench -kernel "$GOOD" -m
bad kernel-no-argument '-kernel.*(argument|needs|missing)' -M testbench -m 16 -kernel
bad machine-no-argument '(-M|machine).*(argument|needs|missing)' -m 16 -kernel "$GOOD" -M
bad no-kernel 'kernel' -M testbench -m 16 --deterministic
bad unknown-machine 'nosuchmachine' -M nosuchmachine -m 16 -kernel "$GOOD"
bad testbench-m-512 '256|testbench.*(RAM|MiB|at most)' -M testbench -m 512 -kernel "$GOOD"
bad testbench-initrd 'initrd|malta' "${TB[@]}" -kernel "$GOOD" -initrd "$GOOD"
bad exec-bogus 'bogus' "${TB[@]}" -kernel "$GOOD" --exec bogus
bad profile-bogus 'profile' "${TB[@]}" -kernel "$GOOD" --profile=xml:out
bad code-buffer-tiny 'code-buffer' "${TB[@]}" -kernel "$GOOD" --code-buffer 16
bad code-buffer-huge 'code-buffer' "${TB[@]}" -kernel "$GOOD" --code-buffer 1048577
bad idle-trim-huge 'idle-trim' "${TB[@]}" -kernel "$GOOD" --idle-trim 3601
bad idle-trim-word 'idle-trim' "${TB[@]}" -kernel "$GOOD" --idle-trim soon
bad idle-slack-huge 'idle-slack' "${TB[@]}" -kernel "$GOOD" --idle-slack 1001
bad idle-slack-word 'idle-slack' "${TB[@]}" -kernel "$GOOD" --idle-slack later
# A code buffer the host cannot map is one clear line and exit 1, never a quiet fall-back to the
# interpreter: the largest buffer under an address-space limit (768 MiB) it cannot fit in. (The
# same limit runs the default buffer: see run-pass-address-limit below.)
printf '#!/bin/bash\nulimit -v 786432\nexec "$0.real" "$@"\n' >"$W/mvisor-limited"
chmod +x "$W/mvisor-limited"
ln -sf "$(realpath "$MVISOR")" "$W/mvisor-limited.real"
MVISOR=$W/mvisor-limited bad code-buffer-unmappable 'cannot map .*code buffer' "${TB[@]}" -kernel "$GOOD" \
    --code-buffer 1048576
bad timeout-negative 'timeout' "${TB[@]}" -kernel "$GOOD" --timeout -1
bad timeout-zero 'timeout' "${TB[@]}" -kernel "$GOOD" --timeout 0
bad timeout-abc 'timeout' "${TB[@]}" -kernel "$GOOD" --timeout abc
bad timeout-nan 'timeout' "${TB[@]}" -kernel "$GOOD" --timeout nan
bad max-insns-zero 'max-insns' "${TB[@]}" -kernel "$GOOD" --max-insns 0
bad max-insns-abc 'max-insns' "${TB[@]}" -kernel "$GOOD" --max-insns 10x
bad seed-abc 'seed' "${TB[@]}" -kernel "$GOOD" --seed abc
bad tlb-entries-zero 'tlb-entries' "${TB[@]}" -kernel "$GOOD" --tlb-entries 0
bad tlb-entries-65 'tlb-entries' "${TB[@]}" -kernel "$GOOD" --tlb-entries 65
bad trace-garbage 'trace' "${TB[@]}" -kernel "$GOOD" --trace 'garbage!!'
bad trace-bad-range 'trace' "${TB[@]}" -kernel "$GOOD" --trace 'pc=zz-80000000'
bad cpu-unknown 'cpu.*74Kf' "${TB[@]}" -kernel "$GOOD" -cpu 74Kf
bad smp-2 'smp|cpu' "${TB[@]}" -kernel "$GOOD" -smp 2
# -smp 2 is the 34Kf's two VPEs on the Malta board, executed by dbt or trap
bad smp-2-24kf 'smp 2.*34Kf' -M malta -kernel "$GOOD" -smp 2
bad smp-3 'smp 3.*34Kf' -M malta -kernel "$GOOD" -cpu 34Kf -smp cpus=3
bad smp-2-interp 'smp 2.*interpreter' -M malta -kernel "$GOOD" -cpu 34Kf -smp 2 --exec interp
bad smp-abc 'smp abc' -M malta -kernel "$GOOD" -cpu 34Kf -smp abc
bad smp-0 'smp cpus=0' -M malta -kernel "$GOOD" -cpu 34Kf -smp cpus=0
# --smp-threads 2 (each vCPU on its own host thread) is for -smp 2 in real time
bad smp-threads-3 'smp-threads 3: 1 or 2' -M malta -kernel "$GOOD" -cpu 34Kf -smp 2 --smp-threads 3
bad smp-threads-1cpu 'smp-threads 2.*smp 2' -M malta -kernel "$GOOD" -cpu 34Kf --smp-threads 2
bad smp-threads-det 'smp-threads 2.*deterministic' -M malta -kernel "$GOOD" -cpu 34Kf -smp 2 --smp-threads 2 --deterministic

# ---- QEMU options mvisor does not have, and the Malta console's ----------------------------

MA=(-M malta -m 256 --deterministic)
bad qemu-net 'unsupported -net user' "${MA[@]}" -kernel "$GOOD" -net user
# -drive without if= is IDE on QEMU's Malta, which mvisor does not model (suite disk: the rest)
bad qemu-drive-ide 'if=virtio.*IDE is not modelled' "${MA[@]}" -kernel "$GOOD" -drive file=disk.img
bad qemu-device-e1000 "unsupported -device 'e1000'" "${MA[@]}" -kernel "$GOOD" -device e1000
bad qemu-enable-kvm 'unsupported option -enable-kvm' "${MA[@]}" -kernel "$GOOD" -enable-kvm
bad serial-bogus 'unsupported -serial vc' "${MA[@]}" -kernel "$GOOD" -serial vc
bad serial-twice 'only one -serial' "${MA[@]}" -kernel "$GOOD" -serial stdio -serial none
bad serial-no-argument '-serial.*(argument|needs|missing)' "${MA[@]}" -kernel "$GOOD" -serial
bad serial-file-bad-path 'serial file:.*no-such-dir.*No such file' "${MA[@]}" -kernel "$GOOD" \
    -serial "file:$W/no-such-dir/console.log"
bad serial-unix-no-server 'server=on,wait=off' "${MA[@]}" -kernel "$GOOD" -serial "unix:$W/tty.sock"
bad serial-unix-no-path 'no socket path' "${MA[@]}" -kernel "$GOOD" -serial unix:,server=on,wait=off
bad serial-unix-bad-dir 'serial unix:.*no-such-dir.*No such file' "${MA[@]}" -kernel "$GOOD" \
    -serial "unix:$W/no-such-dir/tty.sock,server=on,wait=off"
bad qmp-tcp 'not a unix socket' "${MA[@]}" -kernel "$GOOD" -qmp tcp:localhost:4444,server=on,wait=off
bad qmp-no-server 'server=on,wait=off' "${MA[@]}" -kernel "$GOOD" -qmp "unix:$W/q.sock"
bad qmp-wait-on 'server=on,wait=off' "${MA[@]}" -kernel "$GOOD" -qmp "unix:$W/q.sock,server=on,wait=on"
bad qmp-server-off 'server=on,wait=off' "${MA[@]}" -kernel "$GOOD" -qmp "unix:$W/q.sock,server=off,nowait"
bad qmp-bad-bool "'server=maybe'.*on or off" "${MA[@]}" -kernel "$GOOD" -qmp "unix:$W/q.sock,server=maybe,wait=off"
bad qmp-unknown-option "unsupported socket option 'telnet'" "${MA[@]}" -kernel "$GOOD" \
    -qmp "unix:$W/q.sock,server=on,wait=off,telnet"
bad qmp-no-path 'no socket path' "${MA[@]}" -kernel "$GOOD" -qmp unix:,server,nowait
bad qmp-path-too-long 'too long' "${MA[@]}" -kernel "$GOOD" -qmp "unix:/tmp/$(printf '%0120d' 0),server,nowait"
bad qmp-no-argument '-qmp.*(argument|needs|missing)' "${MA[@]}" -kernel "$GOOD" -qmp
bad qmp-twice 'only one -qmp' "${MA[@]}" -kernel "$GOOD" -qmp "unix:$W/q1.sock,server,nowait" \
    -qmp "unix:$W/q2.sock,server,nowait"
bad qmp-testbench 'qmp.*malta' "${TB[@]}" -kernel "$GOOD" -qmp "unix:$W/q.sock,server,nowait"
bad qmp-same-socket-as-serial 'share the socket' "${MA[@]}" -kernel "$GOOD" -qmp "unix:$W/q.sock,server,nowait" \
    -serial "unix:$W/q.sock,server,nowait"
bad qmp-bad-dir 'qmp unix:.*no-such-dir.*No such file' "${MA[@]}" -kernel "$GOOD" \
    -qmp "unix:$W/no-such-dir/q.sock,server=on,wait=off"
bad qmp-not-a-socket 'not a socket' "${MA[@]}" -kernel "$GOOD" -qmp "unix:$W/plain-file,server=on,wait=off"
# The refused path above was a plain file: it must still be there afterwards.
if selected qmp-not-a-socket-kept; then
    TEST_LOG=
    if [[ -f $W/plain-file && $(cat "$W/plain-file") == keep ]]; then
        test_pass qmp-not-a-socket-kept
    else
        test_fail qmp-not-a-socket-kept "$W/plain-file was removed or changed"
    fi
fi
bad name-space "-name 'a b'" "${MA[@]}" -kernel "$GOOD" -name 'a b'
bad name-empty "-name ''" "${MA[@]}" -kernel "$GOOD" -name ''
bad name-no-argument '-name.*(argument|needs|missing)' "${MA[@]}" -kernel "$GOOD" -name
bad display-vnc 'unsupported -display vnc' "${MA[@]}" -kernel "$GOOD" -display vnc=:1
bad monitor-stdio 'unsupported -monitor stdio' "${MA[@]}" -kernel "$GOOD" -monitor stdio
bad insn-words-dbt 'insn-words.*interp' "${MA[@]}" -kernel "$GOOD" --insn-words "$W/w.txt" --exec dbt
bad malta-m-2049 '-m.*range' -M malta -kernel "$GOOD" -m 2049

# ---- bad kernels ---------------------------------------------------------------------------

bad kernel-missing 'no such file|cannot open|not found|does not exist' "${TB[@]}" -kernel "$W/no-such-kernel.elf"
bad kernel-directory 'directory|regular file' "${TB[@]}" -kernel "$W/a-directory.elf"
bad kernel-empty 'empty|not an ELF|truncated|too short' "${TB[@]}" -kernel "$W/empty.elf"
bad kernel-text 'not an ELF' "${TB[@]}" -kernel "$W/text.elf"
if needs_progs kernel-truncated; then
    bad kernel-truncated 'truncated|past the end|beyond the end|too short' "${TB[@]}" -kernel "$W/truncated.elf"
fi
bad kernel-x86-64 '32-bit|64-bit|MIPS|x86' "${TB[@]}" -kernel "$X86_ELF"
if needs_progs kernel-big-endian; then
    bad kernel-big-endian 'big-endian|endian' "${TB[@]}" -kernel "$W/big-endian.elf"
fi

# ---- --help ----------------------------------------------------------------------------------

if selected help; then
    for flag in --help -h; do
        name=help$flag
        run_cli "$name" "$flag"
        why=
        if ((TEST_RC != 0)); then
            why="exit status $TEST_RC, expected 0"
        elif [[ -s $ERR ]]; then
            why="wrote to stderr"
        else
            for opt in -M -m -kernel -initrd -append --exec --deterministic --seed --max-insns \
                --timeout --trace --no-chain --perfmap --profile --code-buffer -serial -no-reboot \
                --insn-words -qmp -name --vm-config --clone --run-dir --host-cpus --weight --stats \
                --mem-limit --page-sharing --numa --numa-node --idle-trim --idle-slack --boot-stagger; do
                # the option as a word: preceded by a blank or a comma, followed by a blank, a
                # comma, '=' or the end of the line
                if ! grep -Eq -- "(^|[[:space:],])$opt([[:space:],=]|\$)" "$OUT"; then
                    why="does not mention $opt"
                    break
                fi
            done
        fi
        if [[ -z $why ]]; then test_pass "$name"; else test_fail "$name" "$why"; fi
    done
fi

# ---- good input ------------------------------------------------------------------------------

good run-pass 0 'pass' "${TB[@]}" -kernel "$W/pass.elf"
good run-pass-realtime 0 'pass' -M testbench -m 16 --timeout 10 -kernel "$W/pass.elf"
good run-pass-m-suffix 0 'pass' -M testbench -m 16M --deterministic -kernel "$W/pass.elf"
good run-fail 4 'fail' "${TB[@]}" -kernel "$W/fail.elf"
good run-loop-max-insns 3 'limit' "${TB[@]}" --max-insns 10 -kernel "$W/loop.elf"
good run-pass-numa 0 'pass' "${TB[@]}" --numa nodes=2,delay=on --numa-node 1,mem=0 -kernel "$W/pass.elf"
good run-pass-numa-exact 0 'pass' "${TB[@]}" --numa nodes=2,sample=1 --numa-node 1,mem=0 -kernel "$W/pass.elf"
good run-loop-timeout 3 'timeout' "${TB[@]}" --timeout 0.5 -kernel "$W/loop.elf"
# every execution mode, and the translator without chaining (a self-loop must still stop)
good run-pass-interp 0 'pass' "${TB[@]}" --exec interp -kernel "$W/pass.elf"
good run-pass-dbt 0 'pass' "${TB[@]}" --exec dbt -kernel "$W/pass.elf"
good run-pass-trap 0 'pass' "${TB[@]}" --exec trap -kernel "$W/pass.elf"
good run-pass-no-chain 0 'pass' "${TB[@]}" --no-chain -kernel "$W/pass.elf"
good run-pass-code-buffer 0 'pass' "${TB[@]}" --code-buffer 64 -kernel "$W/pass.elf"
good run-pass-idle-trim-off 0 'pass' "${TB[@]}" --idle-trim 0 -kernel "$W/pass.elf"
MVISOR=$W/mvisor-limited good run-pass-address-limit 0 'pass' "${TB[@]}" -kernel "$W/pass.elf"
good run-loop-max-insns-interp 3 'limit reached \(10 instructions,' "${TB[@]}" --exec interp --max-insns 10 -kernel "$W/loop.elf"
good run-loop-max-insns-dbt 3 'limit reached \(10 instructions,' "${TB[@]}" --exec dbt --max-insns 10 -kernel "$W/loop.elf"
good run-loop-max-insns-trap 3 'limit reached \(10 instructions,' "${TB[@]}" --exec trap --max-insns 10 -kernel "$W/loop.elf"
good run-loop-timeout-no-chain 3 'timeout' "${TB[@]}" --no-chain --timeout 0.5 -kernel "$W/loop.elf"

# --profile prints the profile table; --profile=json:FILE writes it as JSON. privops.elf makes
# 25 of each of five privileged operations the start-up code never makes and 26 di (see its
# source): every engine must count exactly that many, and trap mode must have trapped as often.
name=profile-table
if needs_progs "$name"; then
    run_cli "$name" "${TB[@]}" --profile -kernel "$W/pass.elf"
    if ((TEST_RC == 0)) && grep -Eq '^  host bytes / guest insn +[0-9.]+ +[0-9.]+ +[0-9]+\.[0-9]+$' "$ERR" &&
        grep -Eq '^  misses = translations +[0-9]+ +[0-9]+ +[1-9][0-9]*$' "$ERR" &&
        grep -Eq '^  hit rate +[0-9.]+ +[0-9.]+ +0\.[0-9]+$' "$ERR"; then
        test_pass "$name"
    else
        test_fail "$name" "exit status $TEST_RC, or no translation-cache rows on stderr"
    fi
fi
for mode in interp dbt trap; do
    name=profile-privops-$mode
    needs_progs "$name" || continue
    run_cli "$name" "${TB[@]}" --exec "$mode" --profile -kernel "$W/privops.elf"
    problem=
    for kind in mfc0.UserLocal:25 mtc0.DESAVE:25 tlbp:25 cache:25 ei:25 di:26; do
        n=${kind#*:} kind=${kind%:*}
        if [[ $mode == trap ]]; then
            grep -Eq "^  $kind +$n +$n +[0-9]+\$" "$ERR" || problem+=" $kind"
        else
            grep -Eq "^  $kind +$n\$" "$ERR" || problem+=" $kind"
        fi
    done
    if ((TEST_RC == 0)) && [[ -z $problem ]]; then
        test_pass "$name"
    else
        test_fail "$name" "exit status $TEST_RC; miscounted:$problem"
    fi
done
# smc.elf rewrites one block of its own page twice and runs it after each store (see its
# source): exactly 2 stores overwrite code, 2 blocks die and 2 are re-translated, in the kernel
# column; nothing else on the page is invalidated.
for mode in dbt trap; do
    name=profile-smc-$mode
    needs_progs "$name" || continue
    run_cli "$name" "${TB[@]}" --exec "$mode" --profile -kernel "$W/smc.elf"
    if ((TEST_RC == 0)) && grep -Eq '^    of which re-translated +2 +0 +2$' "$ERR" &&
        grep -q 'self-modifying code 2 stores / 2 blocks' "$ERR"; then
        test_pass "$name"
    else
        test_fail "$name" "exit status $TEST_RC, or not exactly 2 invalidating stores, 2 blocks, 2 re-translations"
    fi
done
name=profile-json
if needs_progs "$name"; then
    rm -f "$W/profile.json"
    run_cli "$name" "${TB[@]}" --exec trap "--profile=json:$W/profile.json" -kernel "$W/privops.elf"
    if ((TEST_RC == 0)) && python3 -c 'import json, sys; d = json.load(open(sys.argv[1]));
t = d["translation_cache"]["total"]
assert d["guest_insns"] > 0 and d["translator"]["translations"] > 0 and t["translations"] > 0
assert 0 < t["hit_rate"] < 1 and t["lookups"] == t["jump_cache_hits"] + t["hash_hits"] + t["translations"]
assert d["privileged"]["tlbp"] == {"count": 25, "traps": 25, "cycles_per_trap": d["privileged"]["tlbp"]["cycles_per_trap"]}
assert d["privileged"]["tlbp"]["cycles_per_trap"] > 0 and d["engine"] == "trap"' "$W/profile.json" 2>/dev/null; then
        test_pass "$name"
    else
        test_fail "$name" "exit status $TEST_RC, or $W/profile.json is not the expected JSON"
    fi
fi
# SIGUSR1: the handler only sets flags; the vCPU prints the table at its next block boundary
# and runs on (here until --timeout, exit 3).
name=profile-sigusr1
if needs_progs "$name"; then
    # shellcheck disable=SC2016
    test_exec "$name" "$CLI_TIMEOUT" bash -c '"$@" 2>"$0" & pid=$!; sleep 1; kill -USR1 $pid; wait $pid; rc=$?
        cat "$0"; exit $rc' "$W/sigusr1.stderr" "$MVISOR" "${TB[@]}" --profile --timeout 3 -kernel "$W/loop.elf"
    if ((TEST_RC == 3)) && grep -q 'profile (SIGUSR1) at [1-9][0-9]* guest instructions' "$W/sigusr1.stderr" &&
        (($(grep -c '^translation cache' "$W/sigusr1.stderr") == 2)); then
        test_pass "$name"
    else
        test_fail "$name" "exit status $TEST_RC, or not one table on SIGUSR1 and one at exit"
    fi
fi

# --perfmap writes /tmp/perf-PID.map: "START SIZE name" lines, per translated block one for its hot
# and warm code (guest_PC_k/u) and one for its cold code (the same name with .cold)
name=perfmap
if needs_progs "$name"; then
    # shellcheck disable=SC2016
    test_exec "$name" "$CLI_TIMEOUT" bash -c 'echo $$ >"$1"; shift; exec "$@"' perfmap "$W/perfmap.pid" \
        "$MVISOR" "${TB[@]}" --perfmap -kernel "$W/pass.elf"
    map=/tmp/perf-$(cat "$W/perfmap.pid" 2>/dev/null).map
    if ((TEST_RC == 0)) && [[ -s $map ]] && ! grep -Evq '^[0-9a-f]+ [0-9a-f]+ guest_[0-9a-f]{8}_[ku](\.cold)?$' "$map" &&
        grep -Eq '_[ku]$' "$map"; then
        test_pass "$name" "$(wc -l <"$map") lines"
    else
        test_fail "$name" "exit status $TEST_RC, or $map missing or malformed"
    fi
    rm -f "$map"
fi
good run-cpu-24kf 0 'pass' "${TB[@]}" -cpu 24Kf -kernel "$W/pass.elf"
good run-cpu-24kc 0 'pass' "${TB[@]}" -cpu 24Kc -kernel "$W/pass.elf"

# -serial on the Malta board: tests/cli/malta/uart_bytes.S writes a line and every byte value to
# the 16550 at port 0x3F8, then resets the board, which -no-reboot turns into exit status 0 with
# "guest reset" on stderr (so the program ran to its end). stdio: the bytes on stdout, exactly;
# file:PATH: exactly those bytes in PATH (which held longer junk before: it is truncated), nothing
# on stdout; none: nothing on stdout, and the program still runs to its end.
MALTA_RUN=(-M malta -m 256 --deterministic -no-reboot)
# serial_case NAME STDOUT FILE ARGS...: STDOUT "bytes" (stdout must be exactly the bytes sent) or
# "empty"; FILE - or a file that must then hold exactly the bytes sent.
serial_case() {
    local name=$1 stdout=$2 file=$3 why='' want=$W/uart_bytes.expected
    shift 3
    needs_progs "$name" || return 0
    run_cli "$name" "${MALTA_RUN[@]}" "$@" -kernel "$W/uart_bytes.elf"
    if ((TEST_RC != 0)); then
        why="exit status $TEST_RC, expected 0"
    elif ! grep -q 'guest reset' "$ERR"; then
        why="no 'guest reset' on stderr: the program did not run to its end"
    elif [[ $stdout == bytes ]] && ! cmp -s "$OUT" "$want"; then
        why="stdout is not exactly the bytes the guest sent ($(wc -c <"$OUT") bytes, expected $(wc -c <"$want"))"
    elif [[ $stdout == empty && -s $OUT ]]; then
        why="wrote $(wc -c <"$OUT") bytes to stdout"
    elif [[ $file != - ]] && ! cmp -s "$file" "$want"; then
        why="$file is not exactly the bytes the guest sent ($(wc -c <"$file") bytes, expected $(wc -c <"$want"))"
    fi
    if [[ -z $why ]]; then test_pass "$name"; else test_fail "$name" "$why"; fi
}
serial_case serial-stdio bytes - -serial stdio
head -c 4096 /dev/zero | tr '\0' 'x' >"$W/serial-file.out"
serial_case serial-file empty "$W/serial-file.out" -serial "file:$W/serial-file.out"
serial_case serial-none empty - -serial none

# dvpe on VPE 0 stops VPE 1, on its own host thread, until evpe (tests/cli/malta/dvpe.S: VPE 1
# counts in RAM; 20 times VPE 0 reads the count across ~6e6 instructions between dvpe and evpe,
# which must not move, and sees it move again after evpe). Real time, both vCPUs on the
# scheduler's workers. About a second. smp-dvpe-trap: the same under --exec trap (the MT
# instructions trap and are emulated on each vCPU's thread).
for e in dbt trap; do
    name=smp-dvpe
    [[ $e == trap ]] && name=smp-dvpe-trap
    needs_progs "$name" || continue
    run_cli "$name" -M malta -m 16 -cpu 34Kf -smp 2 --smp-threads 2 --exec "$e" -no-reboot -serial stdio \
        --timeout 60 -kernel "$W/dvpe.elf"
    if ((TEST_RC == 0)) && grep -q '^dvpe: ok' "$OUT" && grep -q 'guest reset' "$ERR"; then
        test_pass "$name"
    else
        test_fail "$name" "status $TEST_RC: $(tr -d '\r' <"$OUT" | grep '^dvpe' || echo 'no verdict line')"
    fi
done
# smp-dvpe-short: 1000 windows of ~4000 instructions, a few microseconds each, as Linux's IPIs
# make: VPE 1, inside its slice, stands still at its next event check until the evpe
# (monitor/smp_thread.c dvpe_park) instead of leaving the slice; the count must not move in any
# window. The PASS line gives how many stops were made in place (--profile=json). A few seconds.
if needs_progs smp-dvpe-short; then
    run_cli smp-dvpe-short -M malta -m 16 -cpu 34Kf -smp 2 --smp-threads 2 --exec dbt -no-reboot -serial stdio \
        --timeout 120 --profile=json:"$W/dvpe-short.json" -kernel "$W/dvpe-short.elf"
    if ((TEST_RC == 0)) && grep -q '^dvpe: ok' "$OUT" && grep -q 'guest reset' "$ERR"; then
        test_pass smp-dvpe-short "$(python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["vcpu_slices"][1]
print("VPE 1 stopped %d times, %d of them out of its slice" % (p["parks"], p["park_outs"]))' "$W/dvpe-short.json" 2>&1)"
    else
        test_fail smp-dvpe-short "status $TEST_RC: $(tr -d '\r' <"$OUT" | grep '^dvpe' || echo 'no verdict line')"
    fi
fi

# ---- several VMs in one monitor: --vm-config, --clone, consoles, QMP -------------------------

# Config files name their kernels by absolute paths (a relative one is the file's folder's).
WA=$(realpath "$W")
ISA_ADDU=$WA/isa-user-addu_basic.elf ISA_AND=$WA/isa-user-and_reg.elf
ISA_BREAK=$WA/isa-kernel-break_exc.elf ISA_FAIL=$WA/isa-selftest-must_fail.elf
PASS=$WA/pass.elf
# cfg NAME JSON: writes $W/NAME.json (JSON given on one line or several).
cfg() { printf '%s\n' "$2" >"$W/$1.json"; }
# tb_vm NAME KERNEL [MORE...]: one testbench VM of a config file, as JSON.
tb_vm() {
    local name=$1 kernel=$2 o=''
    shift 2
    for a in "$@"; do o+=", \"$a\""; done
    printf '{"name": "%s", "options": ["-M", "testbench", "-m", "16", "--deterministic", "-kernel", "%s"%s]}' \
        "$name" "$kernel" "$o"
}

cfg vmcfg-badjson '[
  {"name": "a", "options": ["-kernel", "x.elf"]},
  {"name": "b", "options": ["-kernel" "y.elf"]}
]'
cfg vmcfg-dupkey '[{"name": "a", "name": "b", "options": ["-kernel", "x.elf"]}]'
cfg vmcfg-notlist '{"name": "a", "options": ["-kernel", "x.elf"]}'
cfg vmcfg-empty '[]'
cfg vmcfg-unknown-key "[$(tb_vm a "$PASS"), {\"name\": \"b\", \"opts\": [\"-kernel\", \"$PASS\"]}]"
cfg vmcfg-no-name "[$(tb_vm a "$PASS"), {\"options\": [\"-kernel\", \"$PASS\"]}]"
cfg vmcfg-bad-name '[{"name": "a b", "options": ["-kernel", "x.elf"]}]'
cfg vmcfg-no-kernel "[$(tb_vm a "$PASS"), {\"name\": \"nok\", \"options\": [\"-M\", \"testbench\"]}]"
cfg vmcfg-no-options '[{"name": "a"}]'
cfg vmcfg-options-number '[{"name": "a", "options": ["-kernel", "x.elf", "-m", 16]}]'
cfg vmcfg-duplicate "[$(tb_vm a "$PASS"), $(tb_vm b "$PASS"), $(tb_vm a "$PASS")]"
cfg vmcfg-weight-zero "[{\"name\": \"w\", \"options\": [\"-M\", \"testbench\", \"-kernel\", \"$PASS\"], \"weight\": 0}]"
cfg vmcfg-weight-big "[{\"name\": \"w\", \"options\": [\"-M\", \"testbench\", \"-kernel\", \"$PASS\"], \"weight\": 10001}]"
cfg vmcfg-weight-text "[{\"name\": \"w\", \"options\": [\"-M\", \"testbench\", \"-kernel\", \"$PASS\"], \"weight\": \"high\"}]"
cfg vmcfg-weight-twice "[{\"name\": \"w\", \"options\": [\"-M\", \"testbench\", \"-kernel\", \"$PASS\", \"--weight\", \"5\"], \"weight\": 5}]"
cfg vmcfg-weight-option-bad "[$(tb_vm w "$PASS" --weight 0)]"
cfg vmcfg-unsupported "[$(tb_vm a "$PASS"), $(tb_vm web "$PASS" -foo)]"
cfg vmcfg-monitor-option "[$(tb_vm web "$PASS" --stats)]"
cfg vmcfg-bad-value "[$(tb_vm a "$PASS"), {\"name\": \"big\", \"options\": \"-M testbench -m 0 -kernel $PASS\"}]"
cfg vmcfg-name-option "[$(tb_vm a "$PASS" -name other)]"
cfg vmcfg-two-stdio "[{\"name\": \"m1\", \"options\": [\"-M\", \"malta\", \"-serial\", \"stdio\", \"-kernel\", \"$PASS\"]},
  {\"name\": \"m2\", \"options\": [\"-M\", \"malta\", \"-serial\", \"mon:stdio\", \"-kernel\", \"$PASS\"]}]"
cfg vmcfg-shared-file "[{\"name\": \"m1\", \"options\": [\"-M\", \"malta\", \"-serial\", \"file:$WA/shared.log\", \"-kernel\", \"$PASS\"]},
  {\"name\": \"m2\", \"options\": [\"-M\", \"malta\", \"-serial\", \"file:$WA/shared.log\", \"-kernel\", \"$PASS\"]}]"
cfg vmcfg-qmp-testbench "[{\"name\": \"m1\", \"options\": [\"-M\", \"malta\", \"-kernel\", \"$WA/ticks.elf\"]}, $(tb_vm tb "$PASS")]"
cfg vmcfg-missing-kernel "[$(tb_vm a "$PASS"), $(tb_vm b "$WA/no-such-kernel.elf")]"
cfg vmcfg-pass "[$(tb_vm a "$PASS")]"

bad vmcfg-unreadable "no-such\\.json: cannot read: No such file" --vm-config "$W/no-such.json"
bad vmcfg-directory "a-directory\\.elf: cannot read: Is a directory" --vm-config "$W/a-directory.elf"
bad vmcfg-bad-json 'vmcfg-badjson\.json:3:[0-9]+: bad JSON' --vm-config "$W/vmcfg-badjson.json"
bad vmcfg-duplicate-key 'vmcfg-dupkey\.json:1:[0-9]+: bad JSON: duplicate' --vm-config "$W/vmcfg-dupkey.json"
bad vmcfg-not-a-list 'vmcfg-notlist\.json: not a list of VMs' --vm-config "$W/vmcfg-notlist.json"
bad vmcfg-empty-list 'vmcfg-empty\.json: the list of VMs is empty' --vm-config "$W/vmcfg-empty.json"
bad vmcfg-unknown-key 'vmcfg-unknown-key\.json: vm "b": unknown key "opts"' --vm-config "$W/vmcfg-unknown-key.json"
bad vmcfg-no-name 'vmcfg-no-name\.json: VM 2 .*no "name"' --vm-config "$W/vmcfg-no-name.json"
bad vmcfg-bad-name 'vmcfg-bad-name\.json: VM 1 .*"name" must be' --vm-config "$W/vmcfg-bad-name.json"
bad vmcfg-no-kernel 'vmcfg-no-kernel\.json: vm "nok": no -kernel' --vm-config "$W/vmcfg-no-kernel.json"
bad vmcfg-no-options 'vm "a": no "options"' --vm-config "$W/vmcfg-no-options.json"
bad vmcfg-options-number 'vm "a": "options" must be a list of strings \(item 4' --vm-config "$W/vmcfg-options-number.json"
bad vmcfg-duplicate-name 'vmcfg-duplicate\.json: vm "a": the name is used twice \(VMs 1 and 3' \
    --vm-config "$W/vmcfg-duplicate.json"
bad vmcfg-weight-zero 'vm "w": weight 0 is out of range \(1\.\.10000\)' --vm-config "$W/vmcfg-weight-zero.json"
bad vmcfg-weight-big 'vm "w": weight 10001 is out of range' --vm-config "$W/vmcfg-weight-big.json"
bad vmcfg-weight-text 'vm "w": "weight" must be a whole number' --vm-config "$W/vmcfg-weight-text.json"
bad vmcfg-weight-twice 'vm "w": weight given twice' --vm-config "$W/vmcfg-weight-twice.json"
bad vmcfg-weight-option-bad 'vm "w": --weight 0 is out of range' --vm-config "$W/vmcfg-weight-option-bad.json"
bad vmcfg-unsupported-option 'vmcfg-unsupported\.json: vm "web": unsupported option -foo$' \
    --vm-config "$W/vmcfg-unsupported.json"
bad vmcfg-monitor-option 'vm "web": --stats is an option of the whole monitor' --vm-config "$W/vmcfg-monitor-option.json"
bad vmcfg-bad-value 'vm "big": -m 0 is out of range' --vm-config "$W/vmcfg-bad-value.json"
bad vmcfg-name-option 'vm "a": -name in "options"' --vm-config "$W/vmcfg-name-option.json"
bad vmcfg-two-stdio 'only one VM may have the terminal \(m1 and m2\)' --vm-config "$W/vmcfg-two-stdio.json"
bad vmcfg-shared-file 'm1 and m2 cannot share the console .*shared\.log' --vm-config "$W/vmcfg-shared-file.json"
bad vmcfg-qmp-testbench 'vm "tb": -qmp needs the malta machine' --vm-config "$W/vmcfg-qmp-testbench.json" \
    -qmp "unix:$W/q.sock,server=on,wait=off"
# A VM that cannot boot stops the whole run before any VM runs: VM a's "test passed" would be a
# second line.
bad vmcfg-missing-kernel 'vmcfg-missing-kernel\.json: vm "b": .*no-such-kernel\.elf' \
    --vm-config "$W/vmcfg-missing-kernel.json"
bad vmcfg-with-vm-option '-kernel is an option of one VM: with --vm-config' --vm-config "$W/vmcfg-pass.json" -kernel "$GOOD"
bad vmcfg-with-vm-option-after '--deterministic is an option of one VM' --deterministic --vm-config "$W/vmcfg-pass.json"
bad vmcfg-with-clone 'clone and --vm-config' --vm-config "$W/vmcfg-pass.json" --clone 2
bad vmcfg-twice 'only one --vm-config' --vm-config "$W/vmcfg-pass.json" --vm-config "$W/vmcfg-pass.json"
bad vmcfg-no-argument '--vm-config.*(argument|needs)' --vm-config
bad clone-zero '--clone 0 is out of range \(1\.\.1024\)' "${TB[@]}" -kernel "$GOOD" --clone 0
bad clone-1025 '--clone 1025 is out of range' "${TB[@]}" -kernel "$GOOD" --clone 1025
bad clone-abc 'invalid number for --clone' "${TB[@]}" -kernel "$GOOD" --clone abc
bad clone-stdio 'only one VM may have the terminal \(vm0 and vm1\)' "${MA[@]}" -serial stdio -kernel "$GOOD" --clone 2
bad clone-serial-file 'vm0 and vm1 cannot share the console' "${MA[@]}" -serial "file:$W/c.log" -kernel "$GOOD" --clone 2
bad clone-name-too-long 'clone name .* longer than 64' "${TB[@]}" -kernel "$GOOD" --clone 10 -name "$(printf 'n%.0s' {1..64})"
bad clone-missing-kernel '^mvisor: vm0: .*no-such-kernel\.elf' "${TB[@]}" -kernel "$W/no-such-kernel.elf" --clone 2
bad weight-zero '--weight 0 is out of range \(1\.\.10000\)' "${TB[@]}" -kernel "$GOOD" --weight 0
bad weight-big '--weight 10001 is out of range' "${TB[@]}" -kernel "$GOOD" --weight 10001
bad host-cpus-zero '--host-cpus 0 is out of range \(1\.\.256\)' "${TB[@]}" -kernel "$GOOD" --host-cpus 0
bad host-cpus-257 '--host-cpus 257 is out of range' "${TB[@]}" -kernel "$GOOD" --host-cpus 257
bad boot-stagger-word '--boot-stagger' "${TB[@]}" -kernel "$GOOD" --boot-stagger many
bad page-sharing-zero '--page-sharing 0 is out of range \(1\.\.10000000\)' "${TB[@]}" -kernel "$GOOD" --page-sharing=0
bad page-sharing-abc 'invalid number for --page-sharing' "${TB[@]}" -kernel "$GOOD" --page-sharing=abc
bad numa-nodes-zero '--numa: nodes=0 is out of range \(1\.\.8\)' "${TB[@]}" -kernel "$GOOD" --numa nodes=0
bad numa-no-nodes '--numa: nodes=N is required' "${TB[@]}" -kernel "$GOOD" --numa policy=migrate
bad numa-policy '--numa: policy=best: none, first-touch, migrate or migrate\+replicate' "${TB[@]}" -kernel "$GOOD" \
    --numa nodes=2,policy=best
bad numa-remote-below-local '--numa: remote-ns must be at least local-ns' "${TB[@]}" -kernel "$GOOD" \
    --numa nodes=2,local-ns=500,remote-ns=400
bad numa-unknown-key "--numa: unknown key 'colour'" "${TB[@]}" -kernel "$GOOD" --numa nodes=2,colour=red
bad numa-sample-zero '--numa: sample=0 is out of range \(1\.\.1024\)' "${TB[@]}" -kernel "$GOOD" --numa nodes=2,sample=0
bad numa-node-without-numa '--numa-node: needs --numa' "${TB[@]}" -kernel "$GOOD" --numa-node 1
bad numa-node-too-big '--numa-node: no such node' "${TB[@]}" -kernel "$GOOD" --numa nodes=2 --numa-node 2
bad numa-node-bad-mem "--numa-node takes N\[,mem=M\]\[,vcpus=A:B\] \(nodes 0\.\.7, up to 4 vCPUs\), not '1,mem=x'" \
    "${TB[@]}" -kernel "$GOOD" --numa nodes=2 --numa-node 1,mem=x
bad numa-node-bad-vcpus "--numa-node takes .*not '0,vcpus=0:1:0:1:0'" "${TB[@]}" -kernel "$GOOD" \
    --numa nodes=2 --numa-node 0,vcpus=0:1:0:1:0
bad numa-node-vcpu-too-big '--numa-node: no such node' "${TB[@]}" -kernel "$GOOD" --numa nodes=2 --numa-node 0,vcpus=0:2
bad run-dir-file 'run-dir .*plain-file: exists and is not a folder' "${TB[@]}" -kernel "$GOOD" --clone 2 \
    --run-dir "$W/plain-file"
bad run-dir-unmakeable 'run-dir .*no-such-dir/rd: No such file' "${TB[@]}" -kernel "$GOOD" --clone 2 \
    --run-dir "$W/no-such-dir/rd"
bad run-dir-socket-too-long 'console socket .* is too long' "${MA[@]}" -kernel "$GOOD" --clone 2 \
    --run-dir "$W/$(printf 'd%.0s' {1..100})"
bad insn-words-several 'insn-words records one VM' "${TB[@]}" --exec interp -kernel "$GOOD" --clone 2 \
    --insn-words "$W/w.txt"

# several_case NAME STATUS LINES ARGS...: runs the monitor; it must exit with STATUS and print
# exactly the per-VM exit lines LINES ("NAME:STATUS:REASON" separated by '|'), in VM order.
several_case() {
    local name=$1 want=$2 lines=$3 why='' got expect=''
    shift 3
    needs_progs "$name" || return 0
    run_cli "$name" "$@"
    IFS='|' read -r -a items <<<"$lines"
    for it in "${items[@]}"; do
        IFS=: read -r n s r <<<"$it"
        expect+="mvisor: $n: exit $s ($r)"$'\n'
    done
    expect=${expect%$'\n'}
    got=$(grep -E '^mvisor: [^ ]+: exit [0-9]+ \(' "$ERR")
    if ((TEST_RC != want)); then
        why="exit status $TEST_RC, expected $want"
    elif [[ $got != "$expect" ]]; then
        why="per-VM exit lines are [$(tr '\n' ';' <<<"$got")], expected [$(tr '\n' ';' <<<"$expect")]"
    fi
    [[ -z $why ]] && [[ -n ${SEVERAL_ALSO:-} ]] && why=$($SEVERAL_ALSO)
    if [[ -z $why ]]; then test_pass "$name"; else test_fail "$name" "$why"; fi
}

cfg vmcfg-three "[$(tb_vm user-addu "$ISA_ADDU"), $(tb_vm user-and "$ISA_AND" --exec interp),
  $(tb_vm kernel-break "$ISA_BREAK" --exec trap)]"
several_case vmcfg-three-pass 0 'user-addu:0:test passed|user-and:0:test passed|kernel-break:0:test passed' \
    --vm-config "$W/vmcfg-three.json"
cfg vmcfg-one-fails "[$(tb_vm user-addu "$ISA_ADDU"), $(tb_vm must-fail "$ISA_FAIL"), $(tb_vm kernel-break "$ISA_BREAK")]"
several_case vmcfg-one-fails 4 'user-addu:0:test passed|must-fail:4:test failed|kernel-break:0:test passed' \
    --vm-config "$W/vmcfg-one-fails.json"
# The worst status wins: a failed test (4) is worse than a limit reached (3), which is worse than 0.
cfg vmcfg-limit "[$(tb_vm pass "$PASS"), $(tb_vm spin "$WA/loop.elf" --max-insns 1000)]"
several_case vmcfg-worst-limit 3 'pass:0:test passed|spin:3:instruction limit reached' --vm-config "$W/vmcfg-limit.json"
cfg vmcfg-fail-limit "[$(tb_vm spin "$WA/loop.elf" --max-insns 1000), $(tb_vm fail "$WA/fail.elf"),
  {\"name\": \"slow\", \"options\": \"-M testbench -m 16 --timeout 0.3 -kernel $WA/loop.elf\", \"weight\": 300}]"
several_case vmcfg-worst-fail 4 'spin:3:instruction limit reached|fail:4:test failed|slow:3:timeout' \
    --vm-config "$W/vmcfg-fail-limit.json"
# A wedged guest stops alone: the others still pass, the monitor exits 2 (worse than 4 and 3).
cfg vmcfg-wedge "[$(tb_vm pass1 "$ISA_ADDU"), $(tb_vm wedged "$WA/wedge.elf"), $(tb_vm fail "$ISA_FAIL"),
  $(tb_vm pass2 "$ISA_BREAK" --exec interp)]"
several_case vmcfg-wedged 2 'pass1:0:test passed|wedged:2:guest wedged|fail:4:test failed|pass2:0:test passed' \
    --vm-config "$W/vmcfg-wedge.json"
# (their default run folder, under $TMPDIR, holds only empty logs: it is gone after the run)
rm -rf "$W/tmp-tb"
mkdir -p "$W/tmp-tb"
tmp_tb_empty() {
    local left
    left=$(find "$W/tmp-tb" -mindepth 1 | tr '\n' ' ')
    [[ -z $left ]] || echo "left in the default run folder: $left"
}
TMPDIR=$WA/tmp-tb SEVERAL_ALSO=tmp_tb_empty several_case clone-three 0 \
    'vm0:0:test passed|vm1:0:test passed|vm2:0:test passed' "${TB[@]}" -kernel "$ISA_ADDU" --clone 3
several_case clone-named 4 'web0:4:test failed|web1:4:test failed' "${TB[@]}" -name web -kernel "$ISA_FAIL" --clone 2
# --clone 1 is one VM alone: no per-VM report.
several_case clone-one 0 '' "${TB[@]}" -kernel "$ISA_ADDU" --clone 1

# Relative paths in a config file are the file's folder's: the run starts elsewhere (/), the
# kernels are in $W/rel/progs/ and the -serial file lands in $W/rel/.
mkdir -p "$W/rel/progs"
cp "$ISA_ADDU" "$W/rel/progs/addu.elf" 2>/dev/null
cp "$W/uart_bytes.elf" "$W/rel/progs/uart_bytes.elf" 2>/dev/null
rm -f "$W/rel/m.out"
cfg rel/vms '[{"name": "t", "options": "-M testbench -m 16 -kernel progs/addu.elf"},
  {"name": "m", "options": ["-M", "malta", "-no-reboot", "--deterministic", "-kernel", "progs/uart_bytes.elf",
   "-serial", "file:m.out"]}]'
rel_check() {
    cmp -s "$W/rel/m.out" "$W/uart_bytes.expected" || echo "$W/rel/m.out is not exactly what the guest sent"
}
# mvisor-cd: the monitor started in the folder $MVISOR_CWD
# shellcheck disable=SC2016
printf '#!/bin/bash\ncd "$MVISOR_CWD" || exit 99\nexec "%s" "$@"\n' "$(realpath "$MVISOR")" >"$W/mvisor-cd"
chmod +x "$W/mvisor-cd"
export MVISOR_CWD=/
MVISOR=$W/mvisor-cd SEVERAL_ALSO=rel_check several_case vmcfg-relative-paths 0 't:0:test passed|m:0:guest reset' \
    --vm-config "$WA/rel/vms.json"
# the file named relatively from another folder: its paths are then relative to that name's folder
rm -f "$W/rel/m.out"
MVISOR_CWD=$WA MVISOR=$W/mvisor-cd SEVERAL_ALSO=rel_check several_case vmcfg-relative-config 0 \
    't:0:test passed|m:0:guest reset' --vm-config rel/vms.json

# Consoles of several VMs: each VM's ttyS0 output exactly in RUNDIR/NAME.log (the folder made
# with mode 0700), nothing on stdout, and the sockets gone after the run. One VM with --run-dir
# gets the same; an explicit -serial beside the run folder's consoles still wins.
MALTA_ABS=(-M malta -m 256 --deterministic -no-reboot)
# console_files DIR NAME...: why DIR/NAME.log are not each exactly what uart_bytes sends, or nothing
console_files() {
    local dir=$1 n
    shift
    [[ $(stat -c %a "$dir" 2>/dev/null) == 700 ]] || { echo "$dir is not a folder of mode 0700"; return; }
    for n in "$@"; do
        cmp -s "$dir/$n.log" "$W/uart_bytes.expected" ||
            { echo "$dir/$n.log is not exactly the bytes the guest sent"; return; }
        [[ -e $dir/$n.sock ]] && { echo "$dir/$n.sock was left behind"; return; }
    done
    [[ -s $OUT ]] && echo "wrote $(wc -c <"$OUT") bytes to stdout"
}
rm -rf "$W/rd"
rd_check() { console_files "$W/rd" vm0 vm1 vm2; }
SEVERAL_ALSO=rd_check several_case rundir-consoles 0 'vm0:0:guest reset|vm1:0:guest reset|vm2:0:guest reset' \
    "${MALTA_ABS[@]}" -kernel "$W/uart_bytes.elf" --clone 3 --run-dir "$W/rd"
rm -rf "$W/rd1"
rd1_check() { console_files "$W/rd1" solo; }
SEVERAL_ALSO=rd1_check several_case rundir-one-vm 0 '' "${MALTA_ABS[@]}" -name solo -kernel "$W/uart_bytes.elf" \
    --run-dir "$W/rd1"
rm -rf "$W/rd2" "$W/mixed-a.out"
cfg mixed "[{\"name\": \"a\", \"options\": \"-M malta --deterministic -no-reboot -kernel $WA/uart_bytes.elf -serial file:$WA/mixed-a.out\"},
  {\"name\": \"b\", \"options\": \"-M malta --deterministic -no-reboot -kernel $WA/uart_bytes.elf\"}]"
mixed_check() {
    cmp -s "$W/mixed-a.out" "$W/uart_bytes.expected" || { echo "a's -serial file is not what it sent"; return; }
    [[ -e $W/rd2/a.log ]] && { echo "a has a log in the run folder too"; return; }
    console_files "$W/rd2" b
}
SEVERAL_ALSO=mixed_check several_case rundir-explicit-serial 0 'a:0:guest reset|b:0:guest reset' \
    --vm-config "$W/mixed.json" --run-dir "$W/rd2"
# One VM of several may keep the terminal (-serial stdio): its bytes on stdout, the other's in its log.
rm -rf "$W/rd8"
cfg one-stdio "[{\"name\": \"s\", \"options\": \"-M malta --deterministic -no-reboot -kernel $WA/uart_bytes.elf -serial stdio\"},
  {\"name\": \"b\", \"options\": \"-M malta --deterministic -no-reboot -kernel $WA/uart_bytes.elf\"}]"
one_stdio_check() {
    cmp -s "$OUT" "$W/uart_bytes.expected" || { echo "stdout is not exactly what s sent"; return; }
    [[ -e $W/rd8/s.log ]] && { echo "s has a log in the run folder too"; return; }
    : >"$OUT"
    console_files "$W/rd8" b
}
SEVERAL_ALSO=one_stdio_check several_case rundir-one-stdio 0 's:0:guest reset|b:0:guest reset' \
    --vm-config "$W/one-stdio.json" --run-dir "$W/rd8"
# Fault containment: beside a wedged VM and one that resets in a loop (the board resets without
# -no-reboot, boots again, until its instruction limit), three VMs' consoles are still exact.
rm -rf "$W/rd9"
UB="-M malta --deterministic -kernel $WA/uart_bytes.elf"
cfg containment "[$(tb_vm wedged "$WA/wedge.elf"),
  {\"name\": \"loop\", \"options\": \"$UB --max-insns 300000\"},
  {\"name\": \"m1\", \"options\": \"$UB -no-reboot\"}, {\"name\": \"m2\", \"options\": \"$UB -no-reboot --exec interp\"},
  {\"name\": \"m3\", \"options\": \"$UB -no-reboot --exec trap\"}]"
containment_check() {
    local n
    n=$(grep -c 'uart_bytes: the guest' "$W/rd9/loop.log")
    ((n >= 2)) || { echo "the resetting VM printed its line $n times (it should have booted again)"; return; }
    console_files "$W/rd9" m1 m2 m3
}
SEVERAL_ALSO=containment_check several_case containment 2 \
    'wedged:2:guest wedged|loop:3:instruction limit reached|m1:0:guest reset|m2:0:guest reset|m3:0:guest reset' \
    --vm-config "$W/containment.json" --run-dir "$W/rd9"
# Without --run-dir: ${TMPDIR:-/tmp}/mvisor-PID, named on stderr.
rm -rf "$W/tmp"
mkdir -p "$W/tmp"
default_rd_check() {
    local dir
    dir=$(sed -n 's/^mvisor: consoles in \([^ ]*\) (.*/\1/p' "$ERR")
    [[ $dir =~ ^$WA/tmp/mvisor-[0-9]+$ ]] || { echo "stderr names the run folder '$dir', expected $WA/tmp/mvisor-PID"; return; }
    console_files "$dir" vm0 vm1
}
TMPDIR=$WA/tmp SEVERAL_ALSO=default_rd_check several_case rundir-default 0 'vm0:0:guest reset|vm1:0:guest reset' \
    "${MALTA_ABS[@]}" -kernel "$W/uart_bytes.elf" --clone 2

# SIGTERM stops every VM (each through its own exit path): exit 1, each "stopped by a signal".
name=several-sigterm
if needs_progs "$name"; then
    rm -rf "$W/rd6"
    # shellcheck disable=SC2016
    test_exec "$name" "$CLI_TIMEOUT" bash -c '"$@" 2>"$0.err" & pid=$!
        for _ in $(seq 100); do [[ -S $0/vm1.sock ]] && break; sleep 0.05; done
        sleep 0.3; kill -TERM $pid; wait $pid; rc=$?; cat "$0.err"; exit $rc' "$W/rd6" "$MVISOR" -M malta \
        --timeout 30 -kernel "$W/ticks.elf" --clone 2 --run-dir "$W/rd6"
    if ((TEST_RC != 1)); then
        test_fail "$name" "exit status $TEST_RC, expected 1"
    elif [[ $(grep -E '^mvisor: vm[01]: exit' "$W/rd6.err" | tr '\n' ';') != \
        'mvisor: vm0: exit 1 (stopped by a signal);mvisor: vm1: exit 1 (stopped by a signal);' ]]; then
        test_fail "$name" "the per-VM lines are not 'exit 1 (stopped by a signal)' for vm0 and vm1"
    else
        test_pass "$name"
    fi
fi

# The stock Debian kernel in two deterministic clones with one seed, stopped after 2.2 G
# instructions (past the banner): both logs hold the banner and are byte for byte the console of
# the same boot run alone with -serial file: (each VM's console is its own, and sharing the monitor
# changes nothing of a deterministic guest).
name=linux-clones-console
if selected "$name"; then
    if [[ ! -e $B/guest/vmlinuz ]]; then
        TEST_LOG=
        test_fail "$name" "no $B/guest/vmlinuz (make guest)"
    else
        rm -rf "$W/rd7" "$W/linux-alone.log"
        LINUX=(-M malta -m 256 --deterministic --seed 9 --max-insns 2200000000 -kernel "$B/guest/vmlinuz"
            -append console=ttyS0)
        # shellcheck disable=SC2016
        test_exec "$name" 60 bash -c 'rd=$0 alone=$1; shift; "$@" -serial "file:$alone"; rc=$?
            ((rc == 3)) || { echo "alone: exit status $rc"; exit 98; }
            "$@" --clone 2 --run-dir "$rd"' "$W/rd7" "$W/linux-alone.log" "$MVISOR" "${LINUX[@]}"
        if ((TEST_RC != 3)); then
            test_fail "$name" "exit status $TEST_RC, expected 3 (instruction limit) for the alone and the clones' run"
        elif ! grep -aq '^\[ *0\.000000\] Linux version 6\.1\.' "$W/rd7/vm0.log"; then
            test_fail "$name" "vm0.log has no kernel banner"
        elif ! cmp -s "$W/rd7/vm0.log" "$W/linux-alone.log" || ! cmp -s "$W/rd7/vm1.log" "$W/linux-alone.log"; then
            test_fail "$name" "the clones' logs are not the console of the same boot alone"
        else
            test_pass "$name" "$(wc -c <"$W/linux-alone.log") bytes each"
        fi
    fi
fi

# Seeds: each clone draws its own in real time (three different seeds, one line each naming its
# VM); --seed N gives every clone N; a VM alone keeps its line without a name.
seeds_of() { sed -n 's/^mvisor: \(vm[0-9]\): seed \([0-9]*\) (real time; .*/\1=\2/p' "$ERR" | tr '\n' ' '; }
seeds_distinct() {
    local s
    s=$(seeds_of)
    [[ $s =~ ^vm0=([0-9]+)\ vm1=([0-9]+)\ vm2=([0-9]+)\ $ ]] || { echo "seed lines are '$s'"; return; }
    (($(printf '%s\n' "${BASH_REMATCH[@]:1}" | sort -u | wc -l) == 3)) || echo "the clones' seeds are not all different: $s"
}
seeds_same() {
    [[ $(seeds_of) == "vm0=77 vm1=77 vm2=77 " ]] || echo "seed lines are '$(seeds_of)', expected 77 for each"
}
rm -rf "$W/rd4"
SEVERAL_ALSO=seeds_distinct several_case clone-seeds-own 0 'vm0:0:guest reset|vm1:0:guest reset|vm2:0:guest reset' \
    -M malta -no-reboot -kernel "$W/uart_bytes.elf" --clone 3 --run-dir "$W/rd4"
SEVERAL_ALSO=seeds_same several_case clone-seeds-given 0 'vm0:0:guest reset|vm1:0:guest reset|vm2:0:guest reset' \
    -M malta -no-reboot --seed 77 -kernel "$W/uart_bytes.elf" --clone 3 --run-dir "$W/rd4"
# One --seed in real time gives every clone one guest up to its first Compare write or WAIT: the
# same Count early in the boot (a relocatable kernel's KASLR offset, so page sharing can merge the
# clones' kernels), in every engine.
counts_same() {
    local l0 l1 l2
    l0=$(tr -d '\r' <"$W/rd8/vm0.log") l1=$(tr -d '\r' <"$W/rd8/vm1.log") l2=$(tr -d '\r' <"$W/rd8/vm2.log")
    [[ $l0 =~ ^count\ [0-9a-f]{8}$ ]] || { echo "vm0 wrote '$l0', not a count line"; return; }
    [[ $l0 == "$l1" && $l0 == "$l2" ]] || echo "the clones read Count as '$l0', '$l1', '$l2'"
}
for eng in dbt interp; do
    rm -rf "$W/rd8"
    SEVERAL_ALSO=counts_same several_case "clone-seed-count-$eng" 0 \
        'vm0:0:guest reset|vm1:0:guest reset|vm2:0:guest reset' \
        -M malta -no-reboot --exec "$eng" --seed 77 -kernel "$W/count_seed.elf" --clone 3 --run-dir "$W/rd8"
done
one_seed() { grep -Eq '^mvisor: seed [0-9]+ \(real time; ' "$ERR" || echo "no unnamed seed line for a VM alone"; }
SEVERAL_ALSO=one_seed several_case one-vm-seed 0 '' -M malta -no-reboot -serial none -kernel "$W/uart_bytes.elf"

# --stats and --profile: one block per VM, each under a header naming it; JSON: {NAME: profile}.
stats_check() {
    local h
    h=$(grep -E '^(== vm .* ==|stats: insns=[1-9])' "$ERR" | sed 's/insns=.*/insns/' | tr '\n' ';')
    [[ $h == '== vm vm0 ==;stats: insns;== vm vm1 ==;stats: insns;' ]] || echo "headers and stats lines are '$h'"
}
SEVERAL_ALSO=stats_check several_case stats-per-vm 0 'vm0:0:test passed|vm1:0:test passed' "${TB[@]}" --stats \
    -kernel "$ISA_ADDU" --clone 2
rm -f "$W/profiles.json"
profile_json_check() {
    python3 -c 'import json, sys; d = json.load(open(sys.argv[1]))
assert sorted(d) == ["t1", "t2"], sorted(d)
assert d["t1"]["guest_insns"] > 0 and d["t2"]["guest_insns"] > d["t1"]["guest_insns"]' "$W/profiles.json" 2>&1 |
        tail -1 | sed 's/^/profile JSON: /'
}
# t2 runs a longer program than t1: the profiles must not be one VM's twice.
cfg profiles "[$(tb_vm t1 "$PASS"), $(tb_vm t2 "$ISA_ADDU")]"
SEVERAL_ALSO=profile_json_check several_case profile-json-per-vm 0 't1:0:test passed|t2:0:test passed' \
    --vm-config "$W/profiles.json" "--profile=json:$W/profiles.json"

# --perfmap with several VMs: one map for the process that every VM's translator appends to, so
# three clones of a deterministic program name three times the blocks one alone names, each line
# whole.
name=perfmap-several
if needs_progs "$name"; then
    perfmap_lines() { # CLONES: lines of the map of a run, or "bad" if it fails or a line is malformed
        local map rc
        # shellcheck disable=SC2016
        bash -c 'echo $$ >"$1"; shift; exec "$@"' perfmap "$W/perfmap.pid" "$MVISOR" "${TB[@]}" --perfmap \
            -kernel "$ISA_ADDU" "$@" >/dev/null 2>&1
        rc=$?
        map=/tmp/perf-$(cat "$W/perfmap.pid" 2>/dev/null).map
        if ((rc != 0)) || [[ ! -s $map ]] || grep -Evq '^[0-9a-f]+ [0-9a-f]+ guest_[0-9a-f]{8}_[ku](\.cold)?$' "$map"; then
            echo bad
        else
            wc -l <"$map"
        fi
        rm -f "$map"
    }
    one=$(perfmap_lines) three=$(perfmap_lines --clone 3)
    TEST_LOG=
    if [[ $one != bad && $three != bad ]] && ((three == 3 * one)); then
        test_pass "$name" "$one and $three blocks"
    else
        test_fail "$name" "one VM: $one lines, three clones: $three lines (expected three times as many, all well-formed)"
    fi
fi

# One QMP socket for three VMs (tests/cli/qmp_vms.py): a client on c's console socket receives its
# ticks while c's log records them too; query-vms lists the VMs with their weights, every command
# goes to the VM its "vm" argument names (a stopped VM's log stands still while the others'
# grow), quit of one VM leaves the others running, quit without "vm" ends them all.
name=qmp-several-vms
if needs_progs "$name"; then
    rm -rf "$W/rd5" "$W/qv.sock"
    cfg qmp-vms "[{\"name\": \"a\", \"options\": \"-M malta --timeout 30 -kernel $WA/ticks.elf\", \"weight\": 50},
      {\"name\": \"b\", \"options\": \"-M malta --timeout 30 -kernel $WA/ticks.elf\"},
      {\"name\": \"c\", \"options\": \"-M malta --timeout 30 -kernel $WA/ticks.elf --weight 400\"}]"
    # shellcheck disable=SC2016
    test_exec "$name" 40 bash -c 'rd=$0 sock=$1; shift; "$@" 2>"$rd.err" & pid=$!
        python3 tests/cli/qmp_vms.py "$sock" "$rd"; prc=$?
        wait $pid; rc=$?; echo "[mvisor stderr]"; cat "$rd.err"; ((prc == 0)) || exit 100; exit $rc' \
        "$W/rd5" "$W/qv.sock" "$MVISOR" --vm-config "$W/qmp-vms.json" --run-dir "$W/rd5" \
        -qmp "unix:$W/qv.sock,server=on,wait=off"
    if ((TEST_RC == 100)); then
        test_fail "$name" "the QMP session failed (see the transcript)"
    elif ((TEST_RC != 0)); then
        test_fail "$name" "exit status $TEST_RC, expected 0"
    elif [[ $(grep -E '^mvisor: [abc]: exit' "$W/rd5.err" | tr '\n' ';') != \
        'mvisor: a: exit 0 (quit);mvisor: b: exit 0 (quit);mvisor: c: exit 0 (quit);' ]]; then
        test_fail "$name" "the per-VM exit lines are not 'exit 0 (quit)' for a, b and c"
    else
        test_pass "$name"
    fi
fi

# ---- the guest's kernel cut short; the sockets are their owner's only ----------------------------

# The pinned vmlinuz cut right after its program headers (its segment's data missing): one line
# naming that segment and the file's size, status 1, no boot of whatever the RAM holds.
if selected kernel-malta-truncated; then
    if [[ -f $B/guest/vmlinuz ]]; then
        phend=$(python3 -c 'import struct, sys
h = open(sys.argv[1], "rb").read(52)
phoff, = struct.unpack_from("<I", h, 28); phentsize, phnum = struct.unpack_from("<HH", h, 42)
print(phoff + phentsize * phnum)' "$B/guest/vmlinuz")
        head -c "$phend" "$B/guest/vmlinuz" >"$W/vmlinuz-cut.elf"
        bad kernel-malta-truncated "segment [0-9]+, [0-9]+ bytes at file offset 0x[0-9a-f]+, extends past the end of the file, $phend bytes" \
            "${MA[@]}" -kernel "$W/vmlinuz-cut.elf"
    else
        TEST_LOG=
        test_fail kernel-malta-truncated "no $B/guest/vmlinuz (make guest)"
    fi
fi

# -qmp and -serial unix: sockets are mode 0600 whatever the umask: bind alone makes them
# 0777 & ~umask, and a socket others may open lets them stop, reset or type into the VM.
if needs_progs sockets-mode-0600; then
    name=sockets-mode-0600
    rm -f "$W/m600.sock" "$W/c600.sock"
    # shellcheck disable=SC2016
    test_exec "$name" 30 bash -c 'w=$0; umask 000; "$@" & pid=$!
        for ((i = 0; i < 100; i++)); do [[ -S $w/m600.sock && -S $w/c600.sock ]] && break; sleep 0.1; done
        stat -c "mode %a %n" "$w/m600.sock" "$w/c600.sock"; kill "$pid"; wait "$pid"; exit 0' \
        "$W" "$MVISOR" -M malta --timeout 20 -kernel "$W/ticks.elf" -qmp "unix:$W/m600.sock,server=on,wait=off" \
        -serial "unix:$W/c600.sock,server=on,wait=off"
    modes=$(awk '$1 == "mode" { printf "%s ", $2 }' "$TEST_LOG")
    if [[ $modes == "600 600 " ]]; then
        test_pass "$name"
    else
        test_fail "$name" "socket modes '$modes', expected 600 600 (QMP, console)"
    fi
fi

if ((tsan)); then
    TEST_LOG=
    reports=$(find "$W" -maxdepth 1 -name 'tsan-report*' | wc -l)
    if ((reports)); then
        test_fail tsan-reports "ThreadSanitizer wrote $reports report(s): $W/tsan-report.*"
    else
        test_pass tsan-reports
    fi
fi
suite_end
