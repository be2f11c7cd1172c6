/*
 * monitor: the public interface of VMs, vCPUs, the virtual CP0 and the MIPS
 * trap architecture.
 *
 * struct vcpu holds the whole architectural state of one MIPS32r2 CPU. Its
 * hot fields come first at fixed offsets, because translated code addresses
 * them from a pinned host register; the static asserts in vcpu.c freeze them.
 *
 * Every execution engine (interpreter, translator, trap-and-emulate) calls
 * the same cp0_* functions for the semantics of privileged state, so the
 * engines cannot drift apart.
 */
#ifndef MVISOR_MONITOR_H
#define MVISOR_MONITOR_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cache/cache.h"
#include "devices/block/block.h"
#include "monitor/vmctl.h"
#include "devices/devices.h"
#include "devices/net/net.h"
#include "shadow-mmu/shadow_mmu.h"

/* ---- CP0 register numbers (MIPS32 PRA, Volume III, ch. 9) ---- */
enum {
    CP0_INDEX = 0, CP0_RANDOM = 1, CP0_ENTRYLO0 = 2, CP0_ENTRYLO1 = 3, CP0_CONTEXT = 4,
    CP0_PAGEMASK = 5, CP0_WIRED = 6, CP0_HWRENA = 7, CP0_BADVADDR = 8, CP0_COUNT = 9,
    CP0_ENTRYHI = 10, CP0_COMPARE = 11, CP0_STATUS = 12, CP0_CAUSE = 13, CP0_EPC = 14,
    CP0_PRID = 15, CP0_CONFIG = 16, CP0_LLADDR = 17, CP0_WATCHLO = 18, CP0_WATCHHI = 19,
    CP0_DEBUG = 23, CP0_DEPC = 24, CP0_PERFCNT = 25, CP0_ERRCTL = 26, CP0_CACHEERR = 27,
    CP0_TAGLO = 28, CP0_TAGHI = 29, CP0_ERROREPC = 30, CP0_DESAVE = 31,
};

/* Status bits */
#define ST_IE (1u << 0)
#define ST_EXL (1u << 1)
#define ST_ERL (1u << 2)
#define ST_KSU_SHIFT 3
#define ST_KSU (3u << 3)
#define ST_UM (1u << 4)
#define ST_IM_SHIFT 8
#define ST_IM (0xFFu << 8)
#define ST_NMI (1u << 19)
#define ST_SR (1u << 20)
#define ST_TS (1u << 21)
#define ST_BEV (1u << 22)
#define ST_RE (1u << 25)
#define ST_FR (1u << 26)
#define ST_RP (1u << 27)
#define ST_CU0 (1u << 28)
#define ST_CU1 (1u << 29)

/* Cause bits */
#define CAUSE_EXC_SHIFT 2
#define CAUSE_EXC (0x1Fu << 2)
#define CAUSE_IP_SHIFT 8
#define CAUSE_IP (0xFFu << 8)
#define CAUSE_IP_SW (0x3u << 8)
#define CAUSE_WP (1u << 22)
#define CAUSE_IV (1u << 23)
#define CAUSE_PCI (1u << 26)
#define CAUSE_DC (1u << 27)
#define CAUSE_CE_SHIFT 28
#define CAUSE_TI (1u << 30)
#define CAUSE_BD (1u << 31)

/* Exception codes (Cause.ExcCode) */
enum exc_code {
    EXC_INT = 0, EXC_MOD = 1, EXC_TLBL = 2, EXC_TLBS = 3, EXC_ADEL = 4, EXC_ADES = 5,
    EXC_IBE = 6, EXC_DBE = 7, EXC_SYS = 8, EXC_BP = 9, EXC_RI = 10, EXC_CPU = 11,
    EXC_OV = 12, EXC_TR = 13, EXC_FPE = 15, EXC_WATCH = 23, EXC_MCHECK = 24,
};

/* The CPU identity: QEMU's 24Kc/24Kf (QEMU target/mips/cpu-defs.c.inc; devices/malta/README.md §2.1). */
#define CPU_PRID 0x00019300u
#define CPU_CONFIG0 0x80000482u /* K0 (bits 2:0) writable */
#define CPU_CONFIG1_NOFPU 0x9E190C80u /* MMU size from the TLB size; no FP, EJTAG, MIPS16e, watch */
#define CPU_CONFIG1_FP 0x00000001u    /* Config1.FP: the 24Kf has an FPU (devices/malta/README.md §2.2) */
#define CPU_FIR_24KF 0x00739300u      /* FIR: F64, L, W, D, S; no PS or 3D; ProcessorID 0x93, rev 0 */
#define CPU_CONFIG2 0x80000000u
#define CPU_CONFIG3 0x00002000u /* ULRI: rdhwr $29 without a trap */
#define CPU_INTCTL 0xE0000000u  /* IPTI = 7 */
#define CPU_EBASE_RESET 0x80000000u
#define CPU_STATUS_RESET 0x00400004u /* BEV | ERL */
#define CPU_SYNCI_STEP 32
#define CPU_CCRES 2 /* Count advances once every CCRES cycles */

/* Bits of Status that software can change (others read as fixed). */
#define ST_WRITABLE (ST_IE | ST_EXL | ST_ERL | ST_KSU | ST_IM | ST_BEV | ST_RE | ST_CU0 | ST_RP)
/* SR and NMI record why the reset vector was entered: software may clear them, never set them. */
#define ST_CLEAR_ONLY (ST_SR | ST_NMI)

/* The CPU models -cpu selects (QEMU's names): the same 24K core with or without its FPU, and the
 * 34Kf, a 24Kf-like core with the MT ASE (monitor/mt.c). The default (0) is the 24Kf, like QEMU's
 * Malta. */
enum cpu_model { CPU_24KF = 0, CPU_24KC = 1, CPU_34KF = 2 };

/* The 34Kf (QEMU target/mips/cpu-defs.c.inc): PRId implementation 0x95, FIR ProcessorID 0x95.
 * Config3 = MT | ULRI only: QEMU's 34Kf also sets VInt and DSPP, which would make Linux use
 * vectored interrupts and save DSP state at every switch; neither is modelled (README, -smp). */
#define CPU_PRID_34K 0x00019500u
#define CPU_FIR_34KF 0x00739500u
#define CPU_CONFIG3_MT (1u << 2)

/* -smp: at most this many vCPUs (the 34Kf's two VPEs, one TC each; Debian's kernel has NR_CPUS=2). */
#define VM_MAX_VCPUS 2

struct cp0 {
    uint32_t status, cause, epc, entryhi; /* hot: read inline by translated code */
    uint32_t index, entrylo0, entrylo1, context, pagemask, wired, hwrena, badvaddr;
    uint32_t compare, intctl, srsctl, ebase, config0, lladdr, errctl, errorepc;
    uint32_t desave, userlocal, taglo, datalo, taghi, datahi, watchlo, watchhi;
    uint32_t random;      /* Random as last advanced (by tlbwr) */
    uint64_t random_state;
    uint32_t last_count;  /* Count at the last timer check */
    uint64_t count_bias;  /* Count = timeline + bias (mod 2^32); mtc0 Count moves it */
    uint32_t count_frozen; /* Count while Cause.DC stops it */
    uint32_t hw_ip;       /* Cause.IP2..IP7 driven by interrupt lines (bits 10..15) */
};

/* The MT ASE registers of one VPE and its one TC (MIPS MT ASE, MD00378; monitor/mt.c). */
struct mt_vpe {
    uint32_t vpecontrol; /* TargTC, TE (EXCPT reads 0) */
    uint32_t vpeconf0;   /* VPA, MVP, XTC */
    uint32_t tcstatus;   /* A, DA, IXMT, DT (TCU, TKSU, TASID read from Status and EntryHi) */
    uint32_t tchalt;     /* H */
    uint32_t tccontext;
};

/* Why an engine returned to the run loop (kvmtool's shape: a switch over these). */
enum vcpu_exit {
    VCPU_EXIT_NONE = 0,
    VCPU_EXIT_STOP,      /* a device asked the machine to stop (test result, poweroff) */
    VCPU_EXIT_LIMIT,     /* --max-insns reached */
    VCPU_EXIT_TIMEOUT,   /* --timeout reached */
    VCPU_EXIT_WEDGED,    /* exception loop with interrupts off, or wait with nothing to wake it */
    VCPU_EXIT_USER_QUIT, /* console escape */
    VCPU_EXIT_SIGNAL,    /* the host asked mvisor to stop (SIGTERM, SIGINT, SIGHUP) */
    VCPU_EXIT_CONTROL,   /* a control request waits (monitor/vmctl.c): vm_run_slice serves it */
    VCPU_EXIT_HOST_ERROR, /* the monitor could not go on (a reboot that cannot load the kernel) */
    VCPU_EXIT_SLICE,     /* the slice the caller gave (vm_run_slice) is used up: run again */
    VCPU_EXIT_WAIT,      /* the guest waits (WAIT) for an interrupt: nothing to run until host
                            time vcpu.wait_until_ns or a wake-up (input, kick); run again then */
    VCPU_EXIT_PAUSED,    /* the VM is paused (QMP stop): nothing runs until a request (cont) comes;
                            run again on a wake-up of its vm_ctl, or after VM_PAUSE_POLL_NS */
};

#define EXIT_REQ_INTERRUPT (1u << 0) /* re-evaluate pending interrupts */
#define EXIT_REQ_STOP (1u << 1)
#define EXIT_REQ_TIMER (1u << 2)
#define EXIT_REQ_CONTROL (1u << 3) /* a control request was posted (monitor/vmctl.c) */
#define EXIT_REQ_PREEMPT (1u << 4) /* the scheduler wants the worker back: end the slice now */

/*
 * CP1 state. Each FPR is 64 bits (FIR.F64 = 1). With Status.FR = 1 all 32 hold any format;
 * with FR = 0 a 32-bit value in register n is the low word of fpr[n] and a 64-bit value in
 * the even register n is the pair (low word of fpr[n], low word of fpr[n + 1]). Translated
 * code addresses these fields directly.
 */
struct fpu {
    uint64_t fpr[32];
    uint32_t fcsr; /* control register 31 */
    uint32_t fir;  /* control register 0; 0 on a CPU without an FPU */
};

struct vm;

#define VCPU_EXC_HISTORY 8

/*
 * Privileged operations by kind, for --profile: mfc0 and mtc0 by register and select
 * (PRIV_MFC0 + reg * 8 + sel), then one kind per other instruction.
 */
enum priv_kind {
    PRIV_MFC0 = 0,
    PRIV_MTC0 = 256,
    PRIV_TLBR = 512, PRIV_TLBWI, PRIV_TLBWR, PRIV_TLBP, PRIV_ERET, PRIV_CACHE, PRIV_WAIT,
    PRIV_DI, PRIV_EI, PRIV_RDHWR, PRIV_RDPGPR, PRIV_WRPGPR, PRIV_DERET,
    PRIV_MFTR, PRIV_MTTR, PRIV_DVPE, PRIV_EVPE, PRIV_DMT, PRIV_EMT, /* the MT ASE's */
    PRIV_KINDS
};

/*
 * --profile, per vCPU of an SMP guest (monitor/profile_slice.c): its slices' wall time, the gaps
 * between them, and inside them the host time of trap emulation, of the event checks' device work
 * and of waits for the other vCPU's locks and holds; its timer: how late each Count/Compare match
 * was seen and taken. Histograms are by decade: < 10 us, < 100 us, < 1 ms, < 10 ms, < 100 ms, more.
 */
#define SLICE_HIST 6
enum slice_wait { SLICE_WAIT_BQL = 0, SLICE_WAIT_MT, SLICE_WAIT_HOLD, SLICE_WAIT_EXCL, SLICE_WAITS };
struct vcpu_slice_prof {
    uint64_t slices, slice_ns, slice_hist[SLICE_HIST];
    uint64_t gaps, gap_ns, gap_hist[SLICE_HIST], last_end_ns;
    uint64_t trap_ns, traps;             /* trap_emulate, host time */
    uint64_t events, device_ns;          /* event checks; the board's update and console under the big lock */
    uint64_t wait_ns[SLICE_WAITS], waits[SLICE_WAITS], wait_hist[SLICE_HIST];
    uint64_t timer_fires, timer_late_hist[SLICE_HIST], timer_late_max_ns; /* Count passed Compare: seen how late */
    uint64_t timer_irqs;                 /* interrupt exceptions taken with IP7 set */
    uint64_t compare_behind;             /* Compare written behind Count (not an ack): fires after a wrap */
    uint64_t compare_late;               /* of those, taken as fired (vcpu_compare_written) */
    /* IPIs to this vCPU (another VPE's mttc0 of its Cause, smp_raise_sw): raised (new bits; the
     * sender counts, atomically), of those raised while it was inside translated code; taken
     * (merged into Cause) with the host time since the raise and at most how many of its own
     * instructions since (counted from its last event check before the raise). */
    uint64_t ipis, ipis_running;
    uint64_t ipi_taken, ipi_ns, ipi_max_ns, ipi_hist[SLICE_HIST], ipi_run_taken, ipi_run_ns, ipi_run_insns;
    /* Its dvpe..evpe windows (host time), and the other vCPUs' stops for them: stood still at an
     * event check (parked in place) or sent out of the slice (the hold outlasted the park). */
    uint64_t dvpes, dvpe_ns, dvpe_hist[SLICE_HIST];
    uint64_t parks, park_ns, park_outs;
    uint64_t spin_horizons;              /* budgets that ran out in a spin-wait loop (dbt/exec.c) */
};

/*
 * What --profile counts on the vCPU. Fields marked (p) are only counted while profiling
 * (translated code carries the increments only then, the interpreter tests one flag); the
 * others are increments on slow paths, always on. [0] = guest user, [1] = guest kernel (CP0
 * usable) where a pair is given.
 */
struct vcpu_prof {
    uint64_t insns[2];           /* (p) guest instructions retired */
    uint64_t mem_accesses[2];    /* (p) guest loads and stores executed (FPU ones included) */
    uint64_t block_entries[2];   /* (p) translated blocks entered, by any path */
    uint64_t jc_inline_hits[2];  /* (p) inline jump-cache hits: jr/jalr, and exits to another mapped page */
    uint64_t ic_hits[2];         /* (p) jr/jalr that went straight on through their inline cache */
    uint64_t priv[PRIV_KINDS];   /* (p) privileged operations executed */
    uint64_t trap_count[PRIV_KINDS];  /* trap mode: privileged-instruction traps emulated */
    uint64_t trap_cycles[PRIV_KINDS]; /* (p) trap mode: host TSC cycles from the trap exit to the
                                         next block entry */
    uint64_t mem_slow;           /* loads and stores that missed the software TLB (the slow path) */
    uint64_t mem_slow_fetch;     /* instruction fetches that did (the interpreter's, mostly) */
    uint64_t stlb_victim_hits;   /* of those, found in the victim entry */
    uint64_t stlb_fills;         /* software-TLB entries filled */
    uint64_t pmap_lookups;       /* guest-physical region lookups of the slow path */
    uint64_t tlb_refills;        /* TLB refill exceptions delivered to the guest kernel */
    uint64_t mmio[64];           /* slow-path MMIO accesses by physmap region index */
    uint64_t mmio_unassigned;    /* accesses to unassigned physical space */
    uint64_t smc_stores, smc_tbs; /* guest stores into translated code, and the TBs they invalidated */
    uint64_t smc_spared;         /* guest stores into a page with translations that overlapped none */
    uint64_t smc_dropped_pages, smc_dropped_tbs; /* of those, the ones after which the page gave up
                                                    all its TBs (TCACHE_PAGE_SPARED_MAX), and the TBs */
    uint64_t host_write_tbs;     /* TBs invalidated by host writes into guest RAM (loader, DMA) */
    uint64_t jc_flush_tlb;       /* jump-cache range flushes caused by guest TLB writes */
    int last_trap_kind;          /* enum priv_kind of the last trap emulated, -1 if none */
    uint64_t samples[2][4];      /* (p) SIGPROF samples by guest mode and where the host was
                                    (enum prof_where) */
    struct vcpu_slice_prof slice; /* (p) where a vCPU's slices go (monitor/profile_slice.c) */
};

#define VCPU_OBS_TRACE 1u /* vm->trace.on */
#define VCPU_OBS_WORDS 2u /* vm->insn_words */

/* Where the vCPU thread is, for the profile's CPU-time samples. */
enum prof_where { PROF_AT_GUEST = 0, PROF_AT_TRANSLATE, PROF_AT_TRAP, PROF_AT_MONITOR };

struct vcpu {
    /* hot, fixed offsets */
    uint32_t gpr[32];
    uint32_t pc;        /* the instruction about to execute */
    uint32_t hi, lo;
    uint32_t in_ds;     /* the instruction at pc is in a branch delay slot */
    uint32_t ds_target; /* where control goes after that delay slot */
    uint32_t llbit;
    uint32_t mmu_mode;  /* enum mmu_mode of the current Status, kept by cp0 */
    struct cp0 cp0;
    struct fpu fpu;
    _Atomic uint32_t exit_request;
    uint64_t icount;     /* retired instructions (exceptions do not retire) */
    uint64_t next_event; /* icount at which the engine must call vcpu_events() */
    /* Translated code only: next_event - icount at the end of the running block, counted down by
     * each block entry; icount is written from it whenever control leaves translated code. */
    int64_t dbt_budget;
    uint64_t max_insns;  /* 0 = unlimited */
    uint32_t dbt_latch[2]; /* translated code: a branch condition / jump target kept across its delay slot */

    /* cold */
    unsigned id;           /* the vCPU's index in its VM: the VPE (and TC) number on the 34Kf */
    struct mt_vpe mt;      /* -cpu 34Kf: this VPE's MT registers */
    struct mtlb tlb;
    struct vm *vm;
    uint32_t exc_streak;   /* consecutive exceptions without a retired instruction */
    uint64_t nr_exceptions[32];
    bool waiting;          /* returned VCPU_EXIT_WAIT: the next run resumes the WAIT (vcpu_wait) */
    uint64_t wait_until_ns;   /* then: host monotonic time to run it again (sooner on a wake-up) */
    uint64_t wait_skip_ticks; /* deterministic: guest ticks the WAIT jumps over when it resumes */
    bool wait_on_compare;     /* real time, one vCPU: the WAIT's deadline is the CP0 timer's (no device
                                 event, no other vCPU comes first), which --idle-slack may defer */
    uint64_t slice_end;    /* icount at which the engine returns VCPU_EXIT_SLICE (UINT64_MAX: never) */
    uint32_t count_read;        /* the last Count this vCPU read (mfc0), for a Compare write computed */
    uint64_t count_read_icount; /* from it: vcpu_compare_written; and its icount then */
    bool prof_on;          /* --profile: engines count (set by profile_start) */
    uint8_t observe;       /* VCPU_OBS_*: the interpreter hands every word to these observers */
    uint32_t wedge_reason;
    struct stlb stlb;
    /* Translated kernel code reaches kseg0 RAM (physical 0..kseg0_window) at kseg0_view + pa: the
     * pmap's RAM view, which follows every remap in place (shadow-mmu/pmap.c). */
    uint8_t *kseg0_view;
    uint32_t kseg0_window;
    /* kseg0_view - this vCPU when the view lies within a disp32 of it (the vCPU lives in front of
     * the view, pmap_init_prefix), else 0: kseg0 loads are then one [r15 + pa + disp] access.
     * Translations are the VM's, so every vCPU of a VM must sit at the same distance before a view
     * of its RAM (SMP: one view per vCPU, each remapped by the pmap), or have 0 here. */
    int32_t kseg0_disp;
    _Alignas(64) struct tb_jc_entry jc[TB_JC_SIZE]; /* jump cache of the translator, by virtual PC */
    /* The last exceptions taken (where, why), for the state dump of a wedged guest. */
    struct { uint32_t epc, cause, badvaddr, pc_after; } exc_hist[VCPU_EXC_HISTORY];
    unsigned exc_hist_next;
    struct vcpu_prof prof;
    _Atomic int prof_where;  /* enum prof_where, written only while profiling */
    /* --smp-threads 2 (monitor/smp.c): Cause.IP0/IP1 the other VPE's mttc0 raised, merged into
     * Cause by this vCPU's own thread; the word the last ll read (an sc stores only if memory
     * still holds it); the translator's run-loop counters, per vCPU so that threads never share
     * a counter (dbt/exec.c). */
    _Atomic uint32_t ipi_pending;
    /* Profiling only: when the oldest IPI not yet taken was raised (host ns, 0: none), whether
     * this vCPU was then inside translated code, and its icount at its last event check. */
    _Atomic uint64_t ipi_raised_ns, ipi_raised_icount, icount_pub;
    _Atomic bool ipi_raised_running;
    uint32_t llval;
    struct vcpu_run_counts {
        uint64_t interp_fallbacks, budget_tails, entries, entries_by[2], traps;
        uint64_t fallbacks_by[8];
        uint64_t jc_hits[2], hash_hits[2], lookups[2];
    } run;
};

/* ---- time ------------------------------------------------------------ */

/*
 * One timeline drives Count, the devices' guest time and the RTC: ticks of
 * count_hz since the VM started. It is host time (real-time mode) or
 * retired instructions / insns_per_count (deterministic mode), plus the
 * ticks the monitor jumped over (WAIT in deterministic mode, the RTC
 * fast-forward in both). Guest nanoseconds are ticks scaled by count_hz.
 */
struct vclock {
    bool deterministic;
    uint64_t count_hz;    /* Count frequency; the CPU clock Linux estimates is twice this */
    uint64_t host_start_ns;
    uint32_t count_base;  /* Count at time zero (from --seed) */
    uint32_t insns_per_count; /* deterministic mode: Count advances every N instructions */
    uint64_t skipped_ticks;   /* ticks jumped over: WAIT (deterministic) and the RTC fast-forward */
    uint64_t rtc_skipped_ticks; /* the part the RTC fast-forward skipped, for the report */
    uint64_t rtc_skips;         /* how many times it did */
    /* Real time: the host clock as last read, in ticks since time zero, and the instruction count
     * then. Readings closer together than a few hundred instructions reuse it (monitor/vcpu.c). */
    uint64_t rt_ticks;
    uint64_t rt_icount;
    bool rt_valid;
    /* Real time with an explicit --seed: the timeline follows retired instructions, as in
     * deterministic mode, until the guest first writes Compare or WAITs (monitor/vcpu.c). */
    bool boot_pinned;
};

/* Count runs at 100 MHz, so Linux measures a 200 MHz CPU (it reports twice the Count rate, Linux
 * arch/mips/mti-malta/malta-time.c). Our choice, not a hardware value: devices/malta/README.md §2.4. */
#define VM_COUNT_HZ 100000000ull
/* Deterministic runs start their RTC at 2026-01-01 00:00:00 UTC. */
#define RTC_START_DETERMINISTIC_NS (1767225600ll * 1000000000ll)

/* ---- the VM ---------------------------------------------------------- */

enum machine_kind { MACHINE_TESTBENCH, MACHINE_MALTA };

/* Where ttyS0 goes (-serial). */
enum serial_mode { SERIAL_STDIO = 0, SERIAL_FILE, SERIAL_NONE, SERIAL_UNIX };

/* Why the machine stopped (set by devices on the vCPU thread). */
enum vm_stop_reason { VM_STOP_NONE = 0, VM_STOP_TEST, VM_STOP_POWEROFF, VM_STOP_RESET };

/* How guest code executes (--exec). */
enum exec_mode { EXEC_DBT = 0, EXEC_INTERP, EXEC_TRAP };

/* -drive: a disk image (QEMU's spelling: file=, format=, if=none|virtio, id=, readonly=,
 * cache=). */
#define VM_MAX_DRIVES 8
struct vm_drive {
    const char *file, *id;
    enum blk_format format;
    enum blk_cache cache;
    bool readonly;
    bool snapshot;         /* snapshot=on (or -snapshot): writes go to a temporary overlay */
    /* Set when the monitor put an overlay in front of the image (monitor/overlay.c): file is
     * then the overlay (qcow2) and base the image the options named. */
    const char *base;
    bool overlay_made;     /* file was created by this run (removed if the run never starts) */
    bool overlay_temporary; /* -snapshot's: unlinked once open, so no exit leaves it behind */
    /* x-lossy=on|SEED, for the reliability tests only: host writes stay in memory until the
     * next host flush, and when the VM goes (any exit) the power fails: the unflushed writes
     * are lost (with a SEED, a pseudo-random subset reaches the file first). */
    bool lossy;
    uint64_t lossy_seed;
};

/* -device virtio-blk-pci,drive=ID[,addr=SLOT][,serial=S], or a -drive if=virtio. */
#define VM_MAX_DISKS MALTA_MAX_PCI_DEVICES
struct vm_disk {
    unsigned drive;     /* index into drives */
    int slot;           /* PCI slot; -1 until vmopt_check places it */
    const char *serial; /* GET_ID's answer, or NULL */
};

/* -netdev TYPE,id=ID,... (or the backend half of a -nic): devices/net/net.h. */
#define VM_MAX_NETDEVS MALTA_MAX_PCI_DEVICES
/* -device virtio-net-pci,netdev=ID[,mac=M][,addr=SLOT], or a -nic. */
#define VM_MAX_NICS MALTA_MAX_PCI_DEVICES
struct vm_nic {
    const char *netdev; /* the -netdev's id */
    int slot;           /* PCI slot; -1: the next free one */
    bool mac_given;     /* else derived from the VM's name */
    uint8_t mac[6];
    bool csum, guest_csum; /* offloads offered (QEMU's properties of the same names) */
    bool host_tso4, host_tso6, guest_tso4, guest_tso6; /* TSO offered (QEMU's names too) */
    bool mrg_rxbuf;
    bool guest_tso_given; /* guest_tso4/6 named: else on only where large frames can come (a switch) */
};

/* -device virtio-balloon-pci[,addr=SLOT][,...] (monitor/options_balloon.c). */
struct vm_balloon {
    int slot;                  /* PCI slot; -1: the next free one after disks and cards */
    bool deflate_on_oom, free_page_reporting, page_poison;
    unsigned stats_interval_s; /* guest-stats-polling-interval; 0: only when asked */
};

/* --idle-trim's default window, seconds (monitor/vm.c, vm_idle_trim). */
#define VM_IDLE_TRIM_DEFAULT_S 10

struct vm_config {
    enum machine_kind machine;
    enum exec_mode exec;
    bool no_chain;           /* --no-chain: every translated block returns to the run loop */
    bool perfmap;            /* --perfmap: /tmp/perf-PID.map names translated blocks */
    bool profile;            /* --profile: count (and time) what the profile reports */
    uint64_t code_kib;       /* --code-buffer: translation code buffer size (0 = default) */
    uint64_t idle_trim_s;    /* --idle-trim: the idle window before a trim, 0 = never */
    bool idle_trim_given;    /* else VM_IDLE_TRIM_DEFAULT_S */
    uint64_t idle_slack_ms;  /* --idle-slack: a quiet VM's timer wake-ups on this grid, 0 = never */
    bool idle_slack_given;   /* else SCHED_IDLE_SLACK_DEFAULT_MS (monitor/sched.h) */
    uint64_t ram_mb;
    const char *kernel, *initrd, *append;
    bool deterministic;
    bool seed_given;
    uint64_t seed;
    uint64_t max_insns;
    double timeout_s;
    unsigned tlb_entries;
    enum cpu_model cpu;
    unsigned smp;            /* -smp: vCPUs (0 or 1: one) */
    unsigned smp_threads;    /* --smp-threads: 2 runs each vCPU on its own host thread, 1 all of
                                them on one (monitor/smp.c); 0: 2 under --exec dbt in real time */
    const char *trace;       /* --trace spec, or NULL */
    FILE *console_out;
    bool no_reboot;          /* -no-reboot: a guest reset ends mvisor (status 0) */
    enum serial_mode serial;
    const char *serial_path; /* SERIAL_FILE, SERIAL_UNIX: the file or the socket */
    const char *name;        /* -name (QMP query-vms and the `vm` argument); NULL: "vm0" */
    unsigned weight;         /* the scheduler's share (monitor/sched.h); 0: the default */
    unsigned ndrives, ndisks;
    struct vm_drive drives[VM_MAX_DRIVES];
    struct vm_disk disks[VM_MAX_DISKS];
    unsigned nnetdevs, nnics;
    struct netdev_config netdevs[VM_MAX_NETDEVS];
    struct vm_nic nics[VM_MAX_NICS];
    bool name_messages;      /* several VMs: the monitor's messages about this VM name it */
    bool snapshot;           /* -snapshot: every writable drive gets a temporary overlay */
    bool balloon;            /* a virtio-balloon-pci */
    struct vm_balloon balloon_dev;
    unsigned numa_node;      /* --numa-node N: 1 + N (0: round-robin over the nodes) */
    unsigned numa_mem_node;  /* --numa-node N,mem=M: 1 + M, where its memory is first touched */
    unsigned char numa_vcpu_node[4]; /* --numa-node N,vcpus=A:B..: 1 + each vCPU's node (0: N) */
};

/* Debug knobs of the translator, for the lockstep self-test and bisection: blocks of at most
 * max_insns instructions (0 = the default), and a deliberate wrong result (low bit flipped) for
 * the register an instruction at corrupt_pc writes (0 = off). Changing them flushes nothing:
 * call dbt_flush(). */
struct dbt_debug {
    unsigned max_insns;
    uint32_t corrupt_pc;
};

/* Tracing (--trace): checked by the interpreter per instruction. */
struct dbt_trace {
    bool on;
    uint32_t pc_lo, pc_hi;       /* trace only PCs in [pc_lo, pc_hi] */
    uint64_t icount_lo, icount_hi; /* and only instructions in this window */
    FILE *out;
};

/*
 * Observation points for lockstep testing (tests/diff). When set, called before every guest
 * store by every engine, exactly once per store: va (aligned for swl/swr), size, the bytes
 * written (val & mask, mask all ones but for swl/swr), and the host address it writes (NULL for
 * MMIO and ROM). A translator that observes stores routes them all through its slow path.
 */
typedef void (*vm_store_hook_fn)(struct vcpu *v, uint32_t va, unsigned size, uint32_t val, uint32_t mask,
                                 uint8_t *host);

struct insn_words;
struct vm_profile;
struct numa_vm;

struct vm {
    struct vm_config cfg;
    struct physmap physmap;
    struct machmem *mm;  /* the monitor's machine memory */
    struct pmap pmap;    /* guest RAM: its pages in mm */
    uint64_t ram_size;
    uint8_t *bootrom; /* testbench: writable boot window at 0x1FC00000 */
    struct vcpu *vcpu;     /* vCPU 0: the one devices interrupt, the boot CPU */
    /* -smp: every vCPU (vcpus[0] == vcpu); on one host thread, each runs in turn for
     * SMP_QUANTUM_INSNS instructions (monitor/smp.c). */
    struct vcpu *vcpus[VM_MAX_VCPUS];
    unsigned nr_vcpus;
    uint32_t mvpcontrol;   /* MT ASE: EVP, VPC (STLB reads 0: one TLB per VPE) */
    unsigned dvpe_by;      /* the VPE whose dvpe cleared EVP: it alone runs while EVP is clear */
    struct vclock clock;
    struct testdev testdev;
    struct malta *malta;      /* MACHINE_MALTA */
    struct blk *disk[VM_MAX_DISKS]; /* the open images behind cfg.disks */
    struct netdev *netdev[VM_MAX_NETDEVS]; /* the backends of cfg.netdevs */
    struct console *console;  /* MACHINE_MALTA: the host side of ttyS0, while running */
    int serial_fd;            /* where ttyS0 output goes (-1: nowhere) */
    gpa_t kernel_lo, kernel_hi; /* physical extent of the loaded kernel image */
    struct dbt_engine *dbt;  /* the translator's state (EXEC_DBT), or NULL */
    struct tcache *tcache;   /* its translation cache, or NULL: stores into code check it */
    bool stop;
    enum vm_stop_reason stop_reason;
    double deadline_s; /* host monotonic seconds, 0 = none */
    uint64_t resets;   /* guest resets that rebooted the machine */
    /* Control from other threads (QMP) and the events the VM reports. */
    struct vm_ctl ctl;
    bool ctl_ready;
    int serial_listen_fd;      /* -serial unix: the listening socket until the console takes it */
    bool serial_sock_bound;    /* -serial unix: we made the socket file (removed at the end) */
    uint64_t paused_at_ns;     /* host time the VM was paused (vCPU thread) */
    const char *quit_reason;   /* the SHUTDOWN event's reason when the run ends on a quit */
    /* A powerdown in progress: the SysRq keys still to send, each behind a line break, and the
     * guest time the next may go (vCPU thread; vm.c). */
    const char *sysrq_keys;
    bool sysrq_break_sent;
    uint64_t sysrq_next_ns;
    /* The engines' options and observers: per VM, as everything an engine keeps (no engine state
     * is process-wide, so VMs run side by side in one process, on one thread or several). */
    struct dbt_trace trace;        /* --trace (set with vm_set_trace) */
    struct dbt_debug dbt_debug;
    vm_store_hook_fn store_hook;   /* set before anything is translated, or NULL */
    struct insn_words *insn_words; /* --insn-words: the set being recorded (dbt_insn_words_start) */
    struct vm_profile *prof;       /* --profile: the sampler and the SIGUSR1 state, or NULL */
    struct pageshare_vm *share;    /* --page-sharing: its place in the scanner, or NULL */
    struct numa_vm *numa;          /* --numa: its place in the NUMA machine (numa/numa.h), or NULL */
    /* The idle trim (vm_idle_trim): the window's end (host ns) and the instruction count at its
     * start, the window's length (0: off), and the trims made. */
    uint64_t trim_at_ns, trim_icount, trim_window_ns, idle_trims;
    _Atomic bool trim_typed; /* console input reached the guest in this window: not idle to its user */
    uint64_t idle_deferred;  /* timer wake-ups --idle-slack moved onto its grid (the scheduler's, atomic) */
    struct smp_rt *smp;            /* --smp-threads 2: the vCPU threads (monitor/smp.c), or NULL */
};

/* ---- functions ------------------------------------------------------- */

/* Creates a VM from cfg (RAM, devices, one vCPU in reset state); -errno with a message on err. */
int vm_create(struct vm *vm, const struct vm_config *cfg, char *err, size_t errlen);
void vm_destroy(struct vm *vm);

/* Loads an ELF32 LE MIPS executable into guest RAM and sets the entry; -errno + message. */
int loader_load_elf(struct vm *vm, const char *path, uint32_t *entry, char *err, size_t errlen);

/* Puts the vCPU in the architectural reset state. */
void vcpu_reset(struct vcpu *v);
/* Current CP0 Count. */
uint32_t vcpu_count(struct vcpu *v);
/* Handles timers, interrupts and limits when icount reaches next_event or exit_request is set;
 * returns an exit reason or VCPU_EXIT_NONE to go on. */
enum vcpu_exit vcpu_events(struct vcpu *v);
/* WAIT: called after the instruction retired, and again to resume it (v->waiting). Returns
 * VCPU_EXIT_NONE once an unmasked interrupt is requested (deterministic runs jump the clock to
 * it), VCPU_EXIT_WAIT when the host must sleep first (v->wait_until_ns), or a reason to stop. */
enum vcpu_exit vcpu_wait(struct vcpu *v);
/* Recomputes next_event after anything that moved a deadline. */
void vcpu_update_next_event(struct vcpu *v);
/* The current MMU mode from Status. */
enum mmu_mode vcpu_mmu_mode(const struct vcpu *v);

/* Delivers an exception for the instruction at v->pc (honouring in_ds); sets the new pc. */
void cp0_raise(struct vcpu *v, enum exc_code code);
/* Address and TLB exceptions: also set BadVAddr, Context and EntryHi as the PRA requires. */
void cp0_raise_addr(struct vcpu *v, enum exc_code code, gva_t badva, bool tlb_refill);
/* Coprocessor Unusable with Cause.CE = unit. */
void cp0_raise_cpu(struct vcpu *v, unsigned unit);
/* If an interrupt is deliverable now, takes it and returns true. */
bool cp0_check_interrupt(struct vcpu *v);
/* Sets or clears a hardware interrupt line IP2..IP7 (line 0..5). */
void cp0_set_irq(struct vcpu *v, int line, int level);
/* mfc0 / mtc0 semantics. */
uint32_t cp0_read(struct vcpu *v, unsigned reg, unsigned sel);
void cp0_write(struct vcpu *v, unsigned reg, unsigned sel, uint32_t val);
/* TLB instructions. */
void cp0_tlbr(struct vcpu *v);
void cp0_tlbwi(struct vcpu *v);
void cp0_tlbwr(struct vcpu *v);
void cp0_tlbp(struct vcpu *v);
/* eret: returns from ErrorEPC or EPC, clears ERL/EXL and the LL bit. */
void cp0_eret(struct vcpu *v);
/* di/ei: returns the old Status. */
uint32_t cp0_di(struct vcpu *v);
uint32_t cp0_ei(struct vcpu *v);
/* rdhwr: true and *val on success; false if the access must raise RI. */
bool cp0_rdhwr(struct vcpu *v, unsigned hwr, uint32_t *val);
/* Whether CP0 is usable in the current mode (kernel mode or Status.CU0). */
bool cp0_usable(const struct vcpu *v);

/* ---- the MT ASE (monitor/mt.c) ---- */

struct mips_insn;
/* The MT ASE's MVP and per-VPE registers for cp0_read/cp0_write: true if (reg, sel) is one of
 * them on this CPU (else the caller goes on with the others). */
bool mt_cp0_read(struct vcpu *v, unsigned reg, unsigned sel, uint32_t *val);
bool mt_cp0_write(struct vcpu *v, unsigned reg, unsigned sel, uint32_t val);
/* Executes mftr, mttr, dvpe, evpe, dmt or emt on a CPU with the MT ASE, CP0 usable (checked by
 * the caller): returns the value for the GPR mt_dest(in) names (the caller writes it, so a
 * translator's register cache sees the write). */
uint32_t mt_exec(struct vcpu *v, const struct mips_insn *in);
/* The GPR an MT instruction writes: mftr's rd, dvpe/evpe/dmt/emt's rt, none (0) for mttr. */
unsigned mt_dest(const struct mips_insn *in);
/* Whether the VM's CPU has the MT ASE (-cpu 34Kf). */
bool mt_present(const struct vm *vm);
/* Puts the MT state in its reset values: VPE 0 runs, the others are inactive and halted. */
void mt_reset(struct vm *vm);
/* Whether VPE v may execute now (MVPControl.EVP, VPEConf0.VPA, TCStatus.A, TCHalt.H). */
bool mt_vpe_runs(const struct vcpu *v);

/* ---- SMP: several vCPUs on the calling thread (monitor/smp.c) ---- */

/* Instructions each vCPU runs before the next one's turn. */
#define SMP_QUANTUM_INSNS 4096u
/* vm_run_slice of a VM with several vCPUs: runs them in turn, a fixed quantum each. */
enum vcpu_exit smp_run_slice(struct vm *vm, uint64_t max_insns);
/* Creates vCPUs 1.. of a -smp VM (vCPU 0 exists); -errno. */
int smp_create(struct vm *vm);
void smp_destroy(struct vm *vm);
/* Whether another vCPU of v's VM can run now without waiting for an interrupt. */
bool smp_others_busy(const struct vcpu *v);
/* Deterministic time: instructions retired by every vCPU of the VM. */
uint64_t smp_icount_sum(const struct vm *vm);

/* ---- SMP: each vCPU on its own host thread, --smp-threads 2 (monitor/smp_thread.c) ---- */

/* Sets up (vm->smp) and tears down the threads' state; -errno. */
int smp_threads_create(struct vm *vm);
void smp_threads_destroy(struct vm *vm);
/* smp_run_slice of a threaded VM: VPE 0's slice (the scheduler runs the others, smp_vcpu_slice). */
enum vcpu_exit smp_run_threads(struct vm *vm);
/* A slice of vCPU id (1..) of a threaded VM, at most max_insns instructions (0: no bound);
 * VCPU_EXIT_PAUSED while the VM is held, paused or stopping (its eventfd says when to look again). */
enum vcpu_exit smp_vcpu_slice(struct vm *vm, unsigned id, uint64_t max_insns);
/* The eventfd that wakes vCPU id (1..) of a threaded VM from a sleep, or -1. */
int smp_wake_fd(const struct vm *vm, unsigned id);
/* Keeps every vCPU but VPE 0 out of guest code (waits for their slices to end) until the release. */
void smp_hold_others(struct vm *vm);
void smp_release_others(struct vm *vm);
/* MVPControl.EVP became evp by exec's dvpe, evpe or write (s->mu held): a dvpe holds the other
 * VPEs out of guest code until the evpe. smp_mt_reset drops such a hold (a reset). */
void smp_evp_changed(struct vcpu *exec, bool evp);
void smp_mt_reset(struct vm *vm);
/* The run loop, between blocks: if another vCPU waits for every other one to leave translated
 * code (smp_exclusive_begin), wait here until it is done; if another VPE's dvpe holds v, stand
 * still here until its evpe. True if v must end its slice instead (a long hold). */
bool smp_quiesce(struct vcpu *v);
/* From v's run loop, outside translated code: waits until no other vCPU of the VM is inside it,
 * and keeps them out until smp_exclusive_end (a translation-cache eviction). */
void smp_exclusive_begin(struct vcpu *v);
void smp_exclusive_end(struct vcpu *v);
/* The devices' lock (no-op unless threaded): MMIO, the board's timers, console input. */
void smp_bql_lock(struct vm *vm);
void smp_bql_unlock(struct vm *vm);
/* The MT registers' lock (no-op unless threaded); smp_mt_changed, with it held, wakes a vCPU whose
 * run state may have changed. */
void smp_mt_lock(struct vm *vm);
void smp_mt_unlock(struct vm *vm);
void smp_mt_changed(struct vm *vm);
/* Whether v is a vCPU of a threaded VM run by another thread than the caller's. */
bool smp_remote(const struct vcpu *v);
/* Sets Cause software-interrupt bits of t from another thread (an IPI) and wakes it. */
void smp_raise_sw(struct vcpu *t, uint32_t bits);
/* t's own thread: merges the IPIs sent to it into Cause. */
void smp_take_ipis(struct vcpu *v);
/* mt_vpe_runs for a threaded VM: a dvpe stops nobody, but no VPE starts while a master configures
 * it (MVPControl.VPC set, EVP clear; monitor/mt.c). */
bool mt_vpe_runs_threaded(const struct vcpu *v);

/* ---- trap-and-emulate (monitor/trap.c) ---- */

/* A privileged instruction trapped out of translated code (--exec trap) at v->pc (v->in_ds: in
 * a delay slot, the branch at pc - 4) with Cause.ExcCode `cause`: re-fetches the instruction
 * through the guest's address translation, emulates it with the cp0_* functions and, in a delay
 * slot, completes the branch. Returns an exit reason (a wait may end the run) or VCPU_EXIT_NONE. */
enum vcpu_exit trap_emulate(struct vcpu *v, unsigned cause);

/* ---- the profile (monitor/profile.c) ---- */

/* Starts profiling vm (counters on, SIGUSR1); -errno if out of memory. The CPU-time samples come
 * from the threads that run it: vm_run and the scheduler's workers start their samplers. */
int profile_start(struct vm *vm);
/* Forgets the VM: called after the last profile_write, before vm_destroy, once every thread that
 * ran it has called profile_thread_end. */
void profile_stop(struct vm *vm);
/* The calling thread runs profiled vCPUs: a sampler on its CPU clock (once per thread). */
void profile_thread_begin(void);
/* The vCPU the calling thread runs from now on (NULL: none; not profiled: none either). */
void profile_thread_set(struct vcpu *v);
/* Stops the calling thread's sampler; a SIGPROF after it counts nowhere. */
void profile_thread_end(void);
/* Writes the whole profile: a table, or JSON. */
void profile_write(struct vm *vm, FILE *f, bool json);
/* The disks' part of the profile (monitor/profile_disk.c: requests, guest and host flushes,
 * how reads were served), also for QMP: a drive's name (its id,
 * else its file), the monitor-wide buffer cache's figures (false: the cache is off). */
void profile_disks(const struct vm *vm, FILE *f, bool json);
const char *profile_disk_name(const struct vm *vm, unsigned i);
struct bufcache_stats;
bool profile_buffer_cache(const struct vm *vm, struct bufcache_stats *out);
/* The network cards' part of the profile (monitor/profile_net.c): frame wake-up and guest
 * turnaround times, bytes copied and those on whole page-aligned guest pages; _start turns the
 * cards' counting on. */
void profile_nets(const struct vm *vm, FILE *f, bool json);
void profile_nets_start(struct vm *vm);
/* Content-based page sharing's part of the profile (monitor/profile_share.c; monitor-wide). */
void profile_sharing(const struct vm *vm, FILE *f, bool json);
/* Called by vcpu_events: prints the profile to stderr if SIGUSR1 asked for it. */
void profile_poll(struct vm *vm);
/* --profile's per-vCPU slice view (monitor/profile_slice.c). prof_slice_now: the host clock when
 * v is profiled, else 0, which the others take as "not counting". */
uint64_t prof_slice_now(const struct vcpu *v);
void prof_slice_begin(struct vcpu *v, uint64_t t0);
void prof_slice_end(struct vcpu *v, uint64_t t0);
void prof_slice_wait(struct vcpu *v, enum slice_wait w, uint64_t t0);
void prof_timer_fired(struct vcpu *v, uint32_t ticks_late);
/* --profile's IPI and dvpe counts (monitor/profile_slice.c): an IPI raised for t by another
 * thread (running: t inside translated code), one taken by v, a dvpe window of v that began at
 * t0, and a stop of v for another VPE's dvpe that began at t0 (out: it ended the slice). */
void prof_ipi_raised(struct vcpu *t, bool running);
void prof_ipi_taken(struct vcpu *v);
void prof_dvpe_window(struct vcpu *v, uint64_t t0);
void prof_dvpe_park(struct vcpu *v, uint64_t t0, bool out);
void profile_slices(const struct vm *vm, FILE *f, bool json);

/* Prints PC, GPRs, HI/LO and CP0 to f, with the instructions around pc disassembled. */
void vcpu_dump(struct vcpu *v, FILE *f);

/* Starts the run on the calling thread, which is then the vCPU thread: the --timeout clock, the
 * console, and the run state "running" (QMP). Called by vm_run if not before; main calls it
 * before the QMP server starts, so a client never sees a VM launched without a pause as
 * "prelaunch". Returns 0, or -1 with a message (the state is then "internal-error"). */
int vm_start(struct vm *vm);
/* Runs the VM until it stops on the calling thread; returns the process exit status (see README). */
int vm_run(struct vm *vm);
/* How long a paused VM waits between checks of its host stop reasons (a signal, Ctrl-A x,
 * --timeout); a request (cont) wakes it at once through its vm_ctl. */
#define VM_PAUSE_POLL_NS 100000000ull
/*
 * Acts on what vm_run_slice returned. Returns false for VCPU_EXIT_SLICE, WAIT and PAUSED (run
 * again: at once, or after the sleep the caller chooses), and for a reset the VM reboots from;
 * true when the run has ended, with the VM's exit status in *status: the message is printed, the
 * state and the SHUTDOWN event published, the console closed.
 */
bool vm_run_ended(struct vm *vm, enum vcpu_exit why, int *status);
/* Sleeps the calling thread after VCPU_EXIT_WAIT or VCPU_EXIT_PAUSED (vm_run's way of idling). */
void vm_idle(struct vm *vm, enum vcpu_exit why);
/* The VM's name: -name, or "vm0". */
const char *vm_name(const struct vm *vm);
/*
 * One bounded call into the VM's engine: runs at most about max_insns guest instructions (0 = no
 * bound; the engine stops at its next event check past the bound) and returns why it stopped:
 * VCPU_EXIT_SLICE when the slice is used up, VCPU_EXIT_WAIT when the guest waits for an
 * interrupt (the caller sleeps until vcpu.wait_until_ns, or less, and calls again: the engine
 * never sleeps), or a reason to stop. Nothing else is done with the reason: the caller acts on
 * stops and resets. Control requests (QMP, monitor/vmctl.c) are served inside, on the calling
 * thread; while the VM is paused (QMP stop) the call returns VCPU_EXIT_PAUSED (after serving
 * what was posted), and the next call serves requests again before anything runs. Deterministic runs give the same guest results whatever the slices.
 */
enum vcpu_exit vm_run_slice(struct vm *vm, uint64_t max_insns);
/* Sleeps the host thread after VCPU_EXIT_WAIT until the vCPU's deadline, its console's input or a
 * control request (QMP). */
void vcpu_sleep(struct vcpu *v);
/* Sets the VM's trace (a copy of *t) and tells its vCPU. */
void vm_set_trace(struct vm *vm, const struct dbt_trace *t);
/* Loads the kernel (and for Malta the initrd and the YAMON environment) and points the vCPU at
 * the entry; -errno with a message. Called once after vm_create, and again on every reboot. */
int vm_boot(struct vm *vm, char *err, size_t errlen);
/* Guest time in nanoseconds (the timeline of struct vclock). */
uint64_t vm_guest_ns(struct vm *vm);

#endif
