#!/usr/bin/env bash
# Suite "decoder": the decoder check (build/tests/decoder_check, built from tests/decoder/*.c)
# over the whole real guest kernel, as
#     build/tests/decoder_check --image build/guest/vmlinux.bin --base 0x80100000
# (the base comes from build/guest/vmlinux.info). One test; it passes iff the exit status is 0.
cd "$(dirname "$0")/.."
. tests/lib.sh

B=${B:-build}
bin=$B/tests/decoder_check
image=$B/guest/vmlinux.bin
info=$B/guest/vmlinux.info
DECODER_TIMEOUT=${DECODER_TIMEOUT:-600}

suite_begin decoder
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
suite_end
