#!/usr/bin/env bash
# Suite isa-qemu: QEMU as an outside oracle for the kernel-mode ISA programs.
#
#   tests/isa/run-qemu.sh [--mvisor BIN] [--list] [FILTER...]
#
# Every program of tests/isa/kernel, tests/isa/fpu and tests/isa/nofpu runs three times:
#   - on mvisor, as the isa suite runs it (build/isa/bare/REL.elf):
#         BIN -M testbench -m 16 --deterministic --exec interp --timeout 30 [-cpu CPU] -kernel ELF
#     which reports "test passed (N checks, ...)" or "test FAIL at check N";
#   - on QEMU's Malta board, built for it (build/isa/malta/REL.elf, Makefile "ISA_MALTA"):
#         qemu-system-mipsel -M malta -cpu CPU -m 64 -no-reboot ... -kernel ELF
#     plus the boot-exception vectors (REL.bev) in the boot ROM at 0x1FC00200; the program prints
#     "PASS N checks" or "FAIL at check N" on the UART and resets the board (lib/crt_malta.S);
#   - the same Malta build on mvisor's own Malta board:
#         BIN -M malta -m 64 --deterministic --exec interp -no-reboot -serial stdio ... -kernel ELF
#     which must give exactly mvisor's test-machine result: the Malta build and board are then
#     not what makes QEMU differ (and mvisor's Malta boots such a program as QEMU's does). Not
#     for programs that need the boot-exception vectors, which mvisor cannot load into its
#     Malta boot ROM (MALTA_NO_BEV).
# CPU is QEMU's model of the CPU mvisor emulates for the program: 24Kf (mvisor's default) for
# kernel/ and fpu/, 24Kc for nofpu/ (the -cpu the isa suite gives mvisor). Both are PRId
# 0x00019300 with a 16-entry TLB on both sides (QEMU target/mips/cpu-defs.c.inc).
#
# A program passes when all pass with the same number of checks: QEMU, an independent
# implementation, agrees with mvisor's result. Three named lists below take programs out of that
# rule, each entry with its reason:
#   NOT_ON_MALTA   needs what only mvisor's test machine has; not run on QEMU.
#   UNPREDICTABLE  checks mvisor's own choice where the architecture says UNPREDICTABLE; QEMU is
#                  free to choose otherwise, so it is no oracle there; not run on QEMU.
#   QEMU_DIFFERS   QEMU is wrong or models a different CPU here (tests/isa/qemu-differences.md):
#                  the program must still fail on QEMU at exactly the check given, and pass on
#                  mvisor; if QEMU passes it, the entry is stale and the program fails.
# Plus the harness self-test selftest/must_fail built for Malta: QEMU and mvisor's Malta must both
# report "FAIL at check 2" (the Malta crt's failure path, whatever the lists hold).
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
    # Timing. count_rw bounds the Count ticks between adjacent reads (1000), which holds on a CPU
    # and on mvisor's --deterministic clock (Count tied to executed instructions); QEMU's Count is
    # host time (QEMU hw/mips/cp0_timer.c) and each mfc0 Count ends its translation block (QEMU
    # target/mips/tcg/translate.c gen_mfc0, "Break the TB to be able to take timer interrupts"): an
    # mfc0 Count and the rdhwr $2 right after it were 2127 and 6461 ticks apart, and a host
    # preemption can make it anything. (timer_ti and timer_int had the same problem with a
    # Compare 40-50 ticks ahead, often already passed on QEMU; they now arm and wait in Count
    # ticks, kernel_util.h TIMER_ARM / TIMER_POLL_TI, and run here.)
    [kernel/count_rw]="bounds Count ticks between adjacent reads: QEMU's Count is host time"
)

# Programs that check mvisor's own choice where the manuals leave the result UNPREDICTABLE or
# UNDEFINED (each program's header quotes the manual): no oracle there, whatever QEMU does.
# Programs whose Malta build mvisor's Malta cannot run: they take exceptions with Status.BEV = 1,
# whose vectors (REL.bev) only QEMU's generic loader device puts into the boot ROM.
declare -A MALTA_NO_BEV=(
    [kernel/bev_vectors]=1
)

declare -A UNPREDICTABLE=(
    [kernel/branch_in_ds]="a branch or ERET in a delay slot (ISA \"Jump and Branch delay slot\")"
    [kernel/div_unpredictable]="HI/LO after DIV/DIVU by zero or INT_MIN / -1 (ISA DIV)"
    [kernel/ext_ins_unpredictable]="EXT with pos + size > 32, INS with msb < lsb (ISA EXT, INS)"
    [kernel/mul_hilo]="HI/LO after MUL (ISA MUL); QEMU happens to agree"
    [kernel/tlb_duplicate]="two TLB entries matching one address (PRA: Machine Check or UNDEFINED); QEMU happens to agree"
    [kernel/tlb_index_reg]="Index written with bits beyond the 16 entries (PRA Index: must be written as zero)"
    [kernel/smc_own_block]="a store to code ahead of the PC without SYNCI and a hazard barrier (ISA SYNCI): the test machine has no caches, so mvisor promises the new code; QEMU runs the old copy to the end of its block"
)

# REL -> the check QEMU fails at. Every entry is explained in tests/isa/qemu-differences.md; the
# kind says who is right: qemu = QEMU departs from the manual (mvisor follows it); cpu = QEMU's
# 24Kf/24Kc model has options mvisor's does not (MIPS16e, EJTAG, watch registers, no UserLocal);
# impl = the manual leaves it to the implementation and the two implementations differ;
# unpredictable = from that check on the program checks an UNPREDICTABLE case (the checks
# before it are compared).
declare -A QEMU_DIFFERS=(
    [kernel/ades_store_unaligned]=17 # qemu: misaligned SC after LL to another address fails quietly, no AdES
    [kernel/llsc_mapped]=11          # qemu: SC with LLbit = 0 to a clean (D = 0) page: no TLB Modified
    [kernel/ds_load_fault]=9         # qemu: never-taken branch (bne $0,$0) translated as a nop: slot not a delay slot
    [kernel/ds_overflow]=9           # qemu: the same with bltz $0
    [kernel/status_sr_nmi]=2         # qemu: Status.SR and NMI can be set by software
    [kernel/status_writable]=3       # qemu: Status.TS can be set by software
    [kernel/cpu_cop2]=2              # qemu: COP2 with CU2 = 0 raises RI, not Coprocessor Unusable
    [fpu/cu1_unusable]=171           # qemu: add.ps with CU1 = 0 raises RI, not Coprocessor Unusable
    [nofpu/cpu_cop1]=143             # qemu: the same on the 24Kc
    [kernel/ri_functions]=2          # qemu: SPECIAL function 000101 runs as a PMON call, no RI
    [fpu/reserved]=21                # qemu: MIPS-3D recip1.s runs on an FPU without MIPS-3D (FIR.3D = 0)
    [fpu/fpe_trap]=23                # qemu: neg.s of a signalling NaN is not an Invalid Operation
    [kernel/adel_fetch_jr]=10        # cpu: QEMU's 24Kf has MIPS16e: jalr to an odd address switches ISA mode
    [kernel/cp0_identity]=3          # cpu: Config1 0x9E190C8F (QEMU: watch, MIPS16e, EJTAG) vs 0x9E190C81
    [fpu/cp0_fpu]=1                  # cpu: the same Config1
    [kernel/hwrena_userlocal]=2      # cpu: QEMU's 24Kf has no UserLocal (Config3.ULRI = 0): HWREna.UL reads 0
    [kernel/user_rdhwr]=7            # cpu: the same
    [kernel/ds_priv]=20              # cpu: rdhwr $29 (UserLocal) raises RI on QEMU
    [kernel/cp0_storage_regs]=12     # impl: ErrCtl keeps WST and SPR on QEMU, reads 0 on mvisor
    [kernel/tlb_rw_roundtrip]=9      # impl: tlbr returns VPN2 bits under the page mask (ISA TLBR note)
    [kernel/tlb_random_wired]=2      # impl: Random just after a Wired write (mvisor: the upper bound)
    [kernel/tlb_pagemask]=9          # impl: PageMask write with bits 28:25 set (QEMU: 4 KiB)
    [fpu/unimpl_denormal]=1          # impl: QEMU computes with denormals, no Unimplemented Operation
    [fpu/flush_fs]=2                 # impl: FCSR.FS flushing of denormal operands
    [fpu/nan_legacy]=1               # impl: QEMU returns the default NaN for a quiet NaN operand
    [fpu/fr_modes]=74                # unpredictable: ldc1 to an odd FPR with FR = 0 (QEMU loads it)
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

    mm=skipped
    if [[ -z ${MALTA_NO_BEV[$rel]:-} ]]; then
        test_exec "$rel.mvisor-malta" $((TIMEOUT + 30)) "$mvisor" -M malta -m 64 --deterministic --exec interp \
            --timeout "$TIMEOUT" "${cpu_args[@]}" -no-reboot -serial stdio -kernel "$malta"
        mmlog=$TEST_LOG
        mm=$(verdict_qemu "$mmlog" "$TEST_RC")
    fi

    # -nic none -vga none: the board's default PCnet NIC and Cirrus VGA want option ROMs Debian
    # ships only in recommended packages (the Makefile's run-qemu says the same).
    test_exec "$rel.qemu" "$TIMEOUT" "$QEMU_SYSTEM_MIPSEL" -M malta -cpu "$cpu" -m 64 -display none \
        -no-reboot -nic none -vga none -serial stdio -monitor none \
        -device "loader,file=$bev,addr=0x1fc00200,force-raw=on" -kernel "$malta"
    qlog=$TEST_LOG
    qv=$(verdict_qemu "$qlog" "$TEST_RC")

    both=" (both builds)"
    [[ $mm == skipped ]] && both=" (its test machine only)"
    expect=${QEMU_DIFFERS[$rel]:-}
    if [[ $mm != skipped && $mm != "$mv" ]]; then
        TEST_LOG=$mmlog
        test_fail "$rel" "the Malta build on mvisor's Malta: $mm, the test-machine build: $mv"
    elif [[ -n $expect ]]; then
        if [[ $mv == PASS* && $qv == "FAIL $expect" ]]; then
            test_pass "$rel" "mvisor passes ${mv#PASS } checks$both; QEMU fails at check $expect as listed"
        elif [[ $mv == PASS* && $qv == "$mv" ]]; then
            TEST_LOG=$qlog
            test_fail "$rel" "QEMU now passes with ${qv#PASS } checks, as mvisor: the QEMU_DIFFERS entry is stale"
        else
            TEST_LOG=$qlog
            [[ $mv == PASS* ]] || TEST_LOG=$mlog
            test_fail "$rel" "listed as QEMU failing at check $expect; mvisor: $mv, QEMU: $qv"
        fi
    elif [[ $mv == PASS* && $qv == "$mv" ]]; then
        test_pass "$rel" "${mv#PASS } checks on mvisor$both and QEMU"
    else
        TEST_LOG=$qlog
        [[ $mv == PASS* ]] || TEST_LOG=$mlog
        test_fail "$rel" "mvisor: $mv, QEMU: $qv"
    fi
done < <(programs)
# The harness self-test: a deliberate failure at check 2 must come out as exactly that.
rel=selftest/must_fail
if selected "$rel"; then
    malta=$B/isa/malta/$rel.elf
    bev=$B/isa/malta/$rel.bev
    if [[ ! -f $malta || ! -f $bev ]]; then
        TEST_LOG=
        test_fail "$rel" "not built: $malta"
    else
        test_exec "$rel.qemu" "$TIMEOUT" "$QEMU_SYSTEM_MIPSEL" -M malta -cpu 24Kf -m 64 -display none \
            -no-reboot -nic none -vga none -serial stdio -monitor none \
            -device "loader,file=$bev,addr=0x1fc00200,force-raw=on" -kernel "$malta"
        qlog=$TEST_LOG
        qv=$(verdict_qemu "$qlog" "$TEST_RC")
        test_exec "$rel.mvisor-malta" $((TIMEOUT + 30)) "$mvisor" -M malta -m 64 --deterministic --exec interp \
            --timeout "$TIMEOUT" -no-reboot -serial stdio -kernel "$malta"
        mm=$(verdict_qemu "$TEST_LOG" "$TEST_RC")
        if [[ $qv == "FAIL 2" && $mm == "FAIL 2" ]]; then
            test_pass "$rel" "failure at check 2 seen on QEMU and mvisor's Malta"
        else
            [[ $qv == "FAIL 2" ]] || TEST_LOG=$qlog
            test_fail "$rel" "expected FAIL at check 2; QEMU: $qv, mvisor's Malta: $mm"
        fi
    fi
fi
for line in "${not_run[@]}"; do echo "NOT RUN $line"; done
suite_end
