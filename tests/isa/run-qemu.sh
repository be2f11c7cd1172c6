#!/usr/bin/env bash
# Suite isa-qemu: QEMU as an outside oracle for the kernel-mode ISA programs.
#
#   tests/isa/run-qemu.sh [--mvisor BIN] [--list] [FILTER...]
#
# Every program of tests/isa/kernel, tests/isa/fpu and tests/isa/nofpu runs three times:
#   - on mvisor, as the isa suite runs it (build/isa/bare/REL.elf):
#         BIN -M testbench -m 16 --deterministic --exec interp --timeout 30 [-cpu CPU] -kernel ELF
#     which reports "test passed (N checks, E exceptions, ...)" or "test FAIL at check N (...)";
#   - on QEMU's Malta board, built for it (build/isa/malta/REL.elf, Makefile "ISA_MALTA"):
#         qemu-system-mipsel -M malta -cpu CPU -m 64 -no-reboot ... -kernel ELF
#     plus the boot-exception vectors (REL.bev) in the boot ROM at 0x1FC00200; the program prints
#     "PASS N checks, E exceptions" or "FAIL at check N, E exceptions" on the UART and resets the
#     board (lib/crt_malta.S);
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
# A program passes when every run passes having reached exactly the checks and exceptions the
# program declares (TEST_BEGIN checks[, exceptions], tests/isa/include/isa.h; compared by
# tests/lib.sh isa_check_counts with the ELF's test_checks and test_exceptions), and mvisor's two
# runs report the same: QEMU, an independent implementation, agrees with the declaration mvisor
# is held to. Three named lists below take programs out of that rule, each entry with its reason:
#   NOT_ON_MALTA   needs what only mvisor's test machine has; not run on QEMU.
#   UNPREDICTABLE  checks mvisor's own choice where the architecture says UNPREDICTABLE; QEMU is
#                  free to choose otherwise, so it is no oracle there; not run on QEMU.
#   QEMU_DIFFERS   QEMU is wrong or models a different CPU here (tests/isa/qemu-differences.md):
#                  the program must still fail on QEMU at exactly the check given, and pass on
#                  mvisor with its declared counts; if QEMU passes it with those counts, the
#                  entry is stale and the program fails.
# Plus the harness self-tests built for Malta, run on QEMU and on mvisor's Malta, each of which
# must come out as given there, whatever the lists hold:
#   selftest/must_fail              "FAIL at check 2, 0 exceptions" (the Malta crt's failure path);
#   selftest/skips_checks           "PASS 2 checks, 0 exceptions", rejected for declaring 3 checks;
#   selftest/undeclared_exception   "PASS 2 checks, 1 exceptions", rejected for declaring none.
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
    # timer_ti_inblock arms Compare 4 Count ticks ahead and wants the request within the next
    # reads and the interrupt within 24 instructions: it tests where inside a translated block
    # the event lands, which only a clock tied to executed instructions defines. On QEMU Compare
    # was already behind Count when written (FAIL at check 1: no TI in the sixteen reads).
    [kernel/timer_ti_inblock]="Compare 4 ticks ahead, the interrupt within 24 instructions: needs Count tied to instructions"
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
    [kernel/ri_mt_ase]=21            # qemu: mftr/mttr execute on a 24Kf, which has no MT ASE
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

# verdict_mvisor LOG RC (the test machine) / verdict_malta LOG RC (the Malta build, on QEMU or on
# mvisor's Malta): "PASS N checks, E exceptions", "FAIL at check N, E exceptions" or "ERROR what".
verdict_mvisor() {
    local n
    if (($2 == 0)) &&
        n=$(sed -n 's/^mvisor: test passed (\([0-9]*\) checks, \([0-9]*\) exceptions,.*/PASS \1 checks, \2 exceptions/p' "$1") &&
        [[ -n $n ]]; then
        echo "$n"
    elif (($2 == 4)) &&
        n=$(sed -n 's/^mvisor: test FAIL at check \([0-9]*\) (result [0-9]*, \([0-9]*\) exceptions).*/FAIL at check \1, \2 exceptions/p' "$1") &&
        [[ -n $n ]]; then
        echo "$n"
    else
        echo "ERROR exit status $2"
    fi
}
verdict_malta() {
    local n
    if (($2 != 0)); then
        echo "ERROR exit status $2"
    elif n=$(tr -d '\r' <"$1" | grep -E -m 1 '^(PASS [0-9]+ checks|FAIL at check [0-9]+), [0-9]+ exceptions$') &&
        [[ -n $n ]]; then
        echo "$n"
    else
        echo "ERROR no result line"
    fi
}
# declared_counts ELF VERDICT: whether VERDICT is a pass that reached exactly the checks and
# exceptions ELF declares (tests/lib.sh isa_check_counts); prints why not (a failure or error
# verdict is its own reason).
declared_counts() {
    if [[ $2 =~ ^PASS\ ([0-9]+)\ checks,\ ([0-9]+)\ exceptions$ ]]; then
        isa_check_counts "$1" "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
    else
        echo "$2"
        return 1
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
        mm=$(verdict_malta "$mmlog" "$TEST_RC")
    fi

    # -nic none -vga none: the board's default PCnet NIC and Cirrus VGA want option ROMs Debian
    # ships only in recommended packages (the Makefile's run-qemu says the same).
    test_exec "$rel.qemu" "$TIMEOUT" "$QEMU_SYSTEM_MIPSEL" -M malta -cpu "$cpu" -m 64 -display none \
        -no-reboot -nic none -vga none -serial stdio -monitor none \
        -device "loader,file=$bev,addr=0x1fc00200,force-raw=on" -kernel "$malta"
    qlog=$TEST_LOG
    qv=$(verdict_malta "$qlog" "$TEST_RC")

    both=" (both builds)"
    [[ $mm == skipped ]] && both=" (its test machine only)"
    expect=${QEMU_DIFFERS[$rel]:-}
    if [[ $mm != skipped && $mm != "$mv" ]]; then
        TEST_LOG=$mmlog
        test_fail "$rel" "the Malta build on mvisor's Malta: $mm, the test-machine build: $mv"
    elif ! why=$(declared_counts "$bare" "$mv"); then
        TEST_LOG=$mlog
        test_fail "$rel" "mvisor: $why"
    elif [[ $mm != skipped ]] && ! why=$(declared_counts "$malta" "$mm"); then
        TEST_LOG=$mmlog
        test_fail "$rel" "the Malta build on mvisor's Malta: $why"
    elif [[ -n $expect ]]; then
        if [[ $qv == "FAIL at check $expect,"* ]]; then
            test_pass "$rel" "mvisor passes with the declared ${mv#PASS }$both; QEMU fails at check $expect as listed"
        elif declared_counts "$malta" "$qv" >/dev/null; then
            TEST_LOG=$qlog
            test_fail "$rel" "QEMU now passes with the declared ${qv#PASS }, as mvisor: the QEMU_DIFFERS entry is stale"
        else
            TEST_LOG=$qlog
            test_fail "$rel" "listed as QEMU failing at check $expect; mvisor: $mv, QEMU: $qv"
        fi
    elif why=$(declared_counts "$malta" "$qv"); then
        test_pass "$rel" "the declared ${mv#PASS } on mvisor$both and QEMU"
    else
        TEST_LOG=$qlog
        test_fail "$rel" "mvisor: $mv; QEMU: $why"
    fi
done < <(programs)
# The harness self-tests built for Malta, as "PROG|the verdict both machines must give|the reason
# declared_counts must give for rejecting it": a deliberate failure at check 2 must come out as
# exactly that, and programs that "pass" having skipped a check or swallowed an exception must
# be rejected by the same verdict every program gets.
for st in "must_fail|FAIL at check 2, 0 exceptions|FAIL at check 2, 0 exceptions" \
    "skips_checks|PASS 2 checks, 0 exceptions|ran 2 checks, declared 3" \
    "undeclared_exception|PASS 2 checks, 1 exceptions|took 1 exceptions, declared 0"; do
    IFS='|' read -r prog want want_why <<<"$st"
    rel=selftest/$prog
    selected "$rel" || continue
    malta=$B/isa/malta/$rel.elf
    bev=$B/isa/malta/$rel.bev
    if [[ ! -f $malta || ! -f $bev ]]; then
        TEST_LOG=
        test_fail "$rel" "not built: $malta"
        continue
    fi
    test_exec "$rel.qemu" "$TIMEOUT" "$QEMU_SYSTEM_MIPSEL" -M malta -cpu 24Kf -m 64 -display none \
        -no-reboot -nic none -vga none -serial stdio -monitor none \
        -device "loader,file=$bev,addr=0x1fc00200,force-raw=on" -kernel "$malta"
    qlog=$TEST_LOG
    qv=$(verdict_malta "$qlog" "$TEST_RC")
    test_exec "$rel.mvisor-malta" $((TIMEOUT + 30)) "$mvisor" -M malta -m 64 --deterministic --exec interp \
        --timeout "$TIMEOUT" -no-reboot -serial stdio -kernel "$malta"
    mm=$(verdict_malta "$TEST_LOG" "$TEST_RC")
    qwhy=$(declared_counts "$malta" "$qv") && qwhy=accepted
    mwhy=$(declared_counts "$malta" "$mm") && mwhy=accepted
    if [[ $qv == "$want" && $mm == "$want" && $qwhy == "$want_why" && $mwhy == "$want_why" ]]; then
        if [[ $want == PASS* ]]; then
            test_pass "$rel" "'$want' on QEMU and mvisor's Malta, rejected: $want_why"
        else
            test_pass "$rel" "'$want' on QEMU and mvisor's Malta"
        fi
    else
        [[ $qv == "$want" && $qwhy == "$want_why" ]] || TEST_LOG=$qlog
        test_fail "$rel" "expected '$want' rejected as '$want_why'; QEMU: '$qv' ($qwhy), mvisor's Malta: '$mm' ($mwhy)"
    fi
done
for line in "${not_run[@]}"; do echo "NOT RUN $line"; done
suite_end
