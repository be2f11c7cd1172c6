#!/usr/bin/env bash
# Suite "decoder": the decoder check (build/tests/decoder_check, built from tests/decoder/*.c).
#
#   decoder_check   over the whole real guest kernel, as
#                       build/tests/decoder_check --image build/guest/vmlinux.bin --base 0x80100000
#                   (the base comes from build/guest/vmlinux.info); passes iff the exit status is 0.
#   fr1-words       over the instruction words the FR = 1 FPU programs execute: each of
#                   build/isa/bare/fpu-user/*-fr1.elf and build/isa/bare/fpu/*.elf runs under
#                   `build/mvisor -M testbench -cpu 24Kf --exec interp --insn-words FILE` (and must
#                   pass), then `decoder_check --words` checks the union. Two programs stay out:
#                   fpu/reserved and fpu/cu1_unusable execute reserved COP1 words on purpose (to
#                   test the RI and CpU traps), which --words rightly refuses. Passes iff every
#                   program passes, decoder_check exits 0, and its report counts words in both
#                   categories that need capstone's MIPS64 mode (64-bit FPU operands, c.cond with
#                   a condition code), so the check provably reached that path.
cd "$(dirname "$0")/.."
. tests/lib.sh

B=${B:-build}
bin=$B/tests/decoder_check
mvisor=$B/mvisor
image=$B/guest/vmlinux.bin
info=$B/guest/vmlinux.info
DECODER_TIMEOUT=${DECODER_TIMEOUT:-600}
W=$B/tests/decoder

suite_begin decoder
rm -rf "$W"
mkdir -p "$W"
TEST_LOG=
if ! compgen -G 'tests/decoder/*.c' >/dev/null; then
    test_fail decoder_check "tests/decoder/ has no program yet"
elif [[ ! -x $bin ]]; then
    test_fail decoder_check "not built: $bin"
elif [[ ! -s $image || ! -f $info ]]; then
    test_fail decoder_check "no guest kernel: run 'make guest'"
else
    base=$(sed -n 's/^load=//p' "$info")
    run_test decoder_check "$DECODER_TIMEOUT" "$bin" --image "$image" --base "${base:-0x80100000}" || :
fi

# ---- fr1-words ----
name=fr1-words
progs=()
missing=
for src in tests/isa/fpu-user/*.S; do
    progs+=("$B/isa/bare/fpu-user/$(basename "$src" .S)-fr1.elf")
done
for src in tests/isa/fpu/*.S; do
    case $(basename "$src" .S) in
    reserved | cu1_unusable) continue ;;
    esac
    progs+=("$B/isa/bare/fpu/$(basename "$src" .S).elf")
done
for p in "${progs[@]}" "$mvisor" "$bin"; do
    [[ -e $p ]] || missing+=" $p"
done
TEST_LOG=
if ((${#progs[@]} == 0)); then
    test_fail "$name" "no FPU programs under tests/isa/fpu-user and tests/isa/fpu"
elif [[ -n $missing ]]; then
    test_fail "$name" "not built:$missing"
else
    # shellcheck disable=SC2016
    test_exec "$name" "$DECODER_TIMEOUT" bash -c '
        w=$1 mvisor=$2 bin=$3; shift 3
        rc=0
        for p in "$@"; do
            n=$(basename "$p" .elf)
            echo "\$ $mvisor -M testbench -m 16 --deterministic --exec interp -cpu 24Kf --timeout 30 --insn-words $w/$n.words -kernel $p"
            "$mvisor" -M testbench -m 16 --deterministic --exec interp -cpu 24Kf --timeout 30 \
                --insn-words "$w/$n.words" -kernel "$p" >"$w/$n.out" 2>&1
            s=$?
            echo "  exit status $s"
            ((s == 0)) || { cat "$w/$n.out"; rc=1; }
        done
        ((rc == 0)) || exit "$rc"
        cat "$w"/*.words | sort -u >"$w/fr1.txt"
        echo "\$ $bin --words $w/fr1.txt"
        "$bin" --words "$w/fr1.txt"' \
        fr1-words "$W" "$mvisor" "$bin" "${progs[@]}"
    if ((TEST_RC != 0)); then
        test_fail "$name" "exit status $TEST_RC"
    elif ! grep -Eq '^  capstone-fp64-in-mips64-mode-only +[1-9][0-9]*$' "$TEST_LOG" ||
        ! grep -Eq '^  capstone-c\.cond-cc-nonzero +[1-9][0-9]*$' "$TEST_LOG"; then
        test_fail "$name" "no words in the categories that need capstone's MIPS64 mode"
    else
        test_pass "$name" "$(wc -l <"$W/fr1.txt") distinct words"
    fi
fi
suite_end
