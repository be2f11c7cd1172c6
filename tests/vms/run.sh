#!/usr/bin/env bash
# Suite "vms": several VMs in one mvisor (--vm-config, --run-dir, one -qmp socket for all),
# against the stock Debian kernel and a workload initramfs, under --exec dbt in real time.
#
#   tests/vms/run.sh [--mvisor BIN] [FILTER...]
#
# Each case is one tests/vms/vms_test.py run (see its header for every check):
#   four-vms          four VMs from one kernel and one initramfs, each a different workload
#                     (md5, sort, arith, primes: tests/vms/guest/init.sh), every result exact
#                     (computed again by the test), status 0; the boot files' pages shared
#                     copy-on-write between the VMs (--profile=json); QMP stop of one VM while
#                     the other three finish, system_reset of it while stopped, cont
#   containment       three good VMs beside a kernel that panics and reboots in a loop, one that
#                     halts (wedged), a program resetting the board in a loop, one in an
#                     exception loop, one running random instruction words and one making
#                     random device accesses: the good VMs'
#                     results exact, each VM's own exit line,
#                     the monitor's status the worst VM's
#   reset-loop-stops  SIGTERM and QMP quit end a single VM that resets in a loop
#   shared-base       four VMs on four qcow2 overlays of one ext4 base read one file: exact md5s,
#                     the base read from the host about once into the global buffer cache, its
#                     pages mapped copy-on-write into every VM (--profile=json, QMP
#                     query-blockstats / query-buffer-cache)
#   page-sharing      four VMs (tests/vms/progs/share_fill.S) fill the same pages under --page-sharing;
#                     once QMP query-sharing shows them merged, each writes its own pattern into
#                     them and reads every word back exactly
#   idle-trim         four VMs idle 6 s before their workload, two with --idle-trim 1: exact
#                     results, and the trimming VMs' translations dropped while they waited
#                     (--profile=json idle_trims), the third's (--idle-trim 0) not, nor the
#                     fourth's (--idle-trim 2), typed at on its console all the while
#   idle-slack        two VMs idle 4 s, one with --idle-slack 40, one with 0: jiffies follow the
#                     guest's clock in both, the first's ticks coalesced (fewer timer interrupts
#                     than jiffies, deferred wake-ups in --profile=json), the second's not deferred;
#                     --boot-stagger 1: the second boots once the first is at its workload
#   quiet-wait        on one host CPU, a deterministic VM waiting for an interrupt that never
#                     comes leaves the CPU to a VM beside it
#   numa              the four workload VMs, --deterministic, on a simulated 4-node machine
#                     (--numa) without a policy and with migration and replication: consoles and
#                     instruction counts identical, migrations, replications and collapses > 0
#                     (--profile=json, QMP query-numa) (tests/vms/numa_case.py)
# The Linux VMs boot the kernel payload itself (vmlinux.bin made into an ELF here, as the boot
# suite does: the same kernel without its ~2e9-instruction decompressor, so four VMs boot in
# seconds) with the initramfs tests/vms/make-initramfs.sh lays over build/initramfs.cpio.gz;
# the bad programs are stand-alone Malta programs (tests/vms/progs/*.S).
#
# Scratch files go to build/tests/vms/ (each case's config, run folder with every VM's ttyS0
# log, QMP socket, profile), transcripts to build/test-logs/vms/.
cd "$(dirname "$0")/../.."
. tests/lib.sh

B=${B:-build}
MVISOR=$B/mvisor
MIPS_CC=${MIPS_CC:-mipsel-linux-gnu-gcc}
VMS_LIMIT=${VMS_LIMIT:-300} # seconds one case may take
runner_args "$@"

suite_begin vms
ulimit -c 0
W=$B/tests/vms
rm -rf "$W"
mkdir -p "$W"

# ---- inputs ------------------------------------------------------------------------------

inputs_ok=1
INFO=$B/guest/vmlinux.info
for f in "$MVISOR" "$B/guest/vmlinux.bin" "$INFO" "$B/initramfs.cpio.gz"; do
    [[ -e $f ]] || { echo "vms: missing $f (make all guest initramfs)" >&2; inputs_ok=0; }
done
if ((inputs_ok)); then
    tests/vms/make-initramfs.sh "$B/initramfs.cpio.gz" "$W/workloads.cpio.gz" >"$W/initramfs.log" 2>&1 ||
        { echo "vms: cannot build the initramfs (see $W/initramfs.log)" >&2; inputs_ok=0; }
    # The kernel payload as an ELF at its load address, entered at kernel_entry.
    tests/vms/make-kernel-elf.sh "$INFO" "$B/guest/vmlinux.bin" "$W/vmlinux.elf" >"$W/payload.log" 2>&1 ||
        { echo "vms: cannot make the kernel ELF (see $W/payload.log)" >&2; inputs_ok=0; }
    # The stand-alone Malta programs, linked as tests/cli/run.sh links uart_bytes.S.
    for src in tests/vms/progs/*.S; do
        n=$(basename "$src" .S)
        "$MIPS_CC" -march=mips32r2 -EL -fno-pic -mno-abicalls -no-pie -nostdlib -static -Wl,--build-id=none \
            -Wl,-Ttext=0x80100000 -Wl,-e,_start -o "$W/$n.elf" "$src" >"$W/build-$n.log" 2>&1 ||
            { echo "vms: cannot build $src (see $W/build-$n.log)" >&2; inputs_ok=0; }
    done
fi

# ---- cases ---------------------------------------------------------------------------------

for c in four-vms containment reset-loop-stops quiet-wait shared-base page-sharing numa idle-trim idle-slack; do
    selected "$c" || continue
    if ((!inputs_ok)); then
        TEST_LOG=
        test_fail "$c" "inputs missing"
        continue
    fi
    test_exec "$c" "$VMS_LIMIT" python3 tests/vms/vms_test.py "$c" --mvisor "$MVISOR" \
        --kernel "$W/vmlinux.elf" --initrd "$W/workloads.cpio.gz" --progs "$W" --work "$W"
    note="$(grep -c '^ok ' "$TEST_LOG") checks, $(sed -n 's/.* check(s) failed, \([0-9.]* s\).*/\1/p' "$TEST_LOG")"
    if ((TEST_RC == 0)); then
        test_pass "$c" "$note"
    else
        test_fail "$c" "$(grep -c '^FAIL ' "$TEST_LOG") check(s) failed, exit status $TEST_RC"
    fi
done
suite_end
