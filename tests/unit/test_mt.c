/*
 * Unit tests of the 34Kf's MT ASE (monitor/mt.c) on a two-VPE VM (-cpu 34Kf -smp 2, the
 * testbench machine, deterministic time), driven with the instruction words Linux uses
 * (arch/mips/include/asm/mipsmtregs.h) through mt_exec, and cp0_read/cp0_write.
 *
 * Expected values: the register layout of the MIPS MT ASE (MD00378) as mipsmtregs.h names
 * it (MVPControl EVP 0, VPC 1; MVPConf0 PTC 7:0, PVPE 13:10; VPEControl TargTC 7:0, TE 15;
 * VPEConf0 VPA 0, MVP 1, XTC 28:21; TCStatus IXMT 10, TKSU 12:11, A 13; TCBind CurVPE 3:0,
 * CurTC 28:21; TCHalt H 0); the 34Kf identity of QEMU target/mips/cpu-defs.c.inc (PRId
 * 0x00019500, FIR 0x00739500) with mvisor's Config3 choice (MT and ULRI; no VInt, no DSPP:
 * README, -smp); the order in which Linux's vsmp_smp_setup and vsmp_boot_secondary
 * (arch/mips/kernel/smp-mt.c) program VPE 1, and its IPI (irq-mips-cpu.c mips_mt_send_ipi:
 * Cause.IP0/IP1 of the other VPE through mttc0).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "dbt/dbt.h"
#include "monitor/internal.h"

static struct vm vm;
static struct vcpu *v0, *v1;

static int make_vm(enum cpu_model cpu, unsigned smp)
{
    struct vm_config cfg = {
        .machine = MACHINE_TESTBENCH,
        .ram_mb = 16,
        .deterministic = true,
        .tlb_entries = 16,
        .cpu = cpu,
        .smp = smp,
    };
    char err[256] = "";
    if (vm_create(&vm, &cfg, err, sizeof(err)) < 0) {
        fprintf(stderr, "vm_create: %s\n", err);
        return -1;
    }
    v0 = vm.vcpus[0];
    v1 = vm.nr_vcpus > 1 ? vm.vcpus[1] : NULL;
    /* Kernel mode, as after Linux's boot code: BEV and ERL clear. */
    for (unsigned i = 0; i < vm.nr_vcpus; i++)
        cp0_write(vm.vcpus[i], CP0_STATUS, 0, ST_CU0);
    return 0;
}

static int setup(void **state)
{
    (void)state;
    return make_vm(CPU_34KF, 2);
}

static int teardown(void **state)
{
    (void)state;
    vm_destroy(&vm);
    v0 = v1 = NULL;
    return 0;
}

/* Executes one MT instruction word on v and writes its destination, as the engines do. */
static void exec(struct vcpu *v, uint32_t word)
{
    struct mips_insn in;
    mips_decode(word, &in);
    assert_true(in.op >= MIPS_OP_MFTR && in.op <= MIPS_OP_EMT);
    uint32_t val = mt_exec(v, &in);
    if (mt_dest(&in))
        v->gpr[mt_dest(&in)] = val;
}

/* Linux's encodings with $1 as the register (mipsmtregs.h). */
#define DVPE 0x41610001u
#define EVPE 0x41600021u
#define DMT 0x41610BC1u
#define EMT 0x41600BE1u
#define MFTC0(rt, sel) (0x41000800u | (rt) << 16 | (sel))
#define MTTC0(rd, sel) (0x41810000u | (rd) << 11 | (sel))
#define MTTGPR(rd) (0x41810020u | (rd) << 11)
#define MFTGPR(rt) (0x41000820u | (rt) << 16)

static uint32_t mftc0(struct vcpu *v, unsigned reg, unsigned sel)
{
    exec(v, MFTC0(reg, sel));
    return v->gpr[1];
}

static void mttc0(struct vcpu *v, unsigned reg, unsigned sel, uint32_t val)
{
    v->gpr[1] = val;
    exec(v, MTTC0(reg, sel));
}

static void settc(struct vcpu *v, unsigned tc)
{
    cp0_write(v, 1, 1, (cp0_read(v, 1, 1) & ~0xFFu) | tc);
}

static void test_identity(void **state)
{
    (void)state;
    for (unsigned i = 0; i < 2; i++) {
        struct vcpu *v = vm.vcpus[i];
        assert_int_equal(cp0_read(v, CP0_PRID, 0), 0x00019500);
        uint32_t c3 = cp0_read(v, CP0_CONFIG, 3);
        assert_true(c3 & (1u << 2));        /* MT */
        assert_false(c3 & (1u << 5));       /* VInt: no vectored interrupts */
        assert_false(c3 & (3u << 10));      /* DSPP, DSP2P: no DSP state to switch */
        assert_int_equal(v->fpu.fir, 0x00739500);
        assert_int_equal(cp0_read(v, CP0_PRID, 1) & 0x3FF, i); /* EBase.CPUNum */
        assert_int_equal(cp0_read(v, 0, 2) & 0xFF, 1);          /* MVPConf0.PTC: TCs 0..1 */
        assert_int_equal((cp0_read(v, 0, 2) >> 10) & 0xF, 1);   /* PVPE: VPEs 0..1 */
        assert_int_equal(cp0_read(v, 2, 2), i << 21 | i);       /* TCBind: TC i on VPE i */
    }
}

static void test_reset_state(void **state)
{
    (void)state;
    assert_true(mt_vpe_runs(v0));
    assert_false(mt_vpe_runs(v1));
    assert_int_equal(cp0_read(v0, 1, 2) & 3, 3);  /* VPE 0: VPA, MVP */
    assert_int_equal(cp0_read(v1, 1, 2) & 3, 0);
    assert_int_equal(cp0_read(v1, 2, 4), 1);      /* TC 1 halted */
    assert_int_equal(cp0_read(v0, 2, 1) & (1u << 13), 1u << 13); /* TC 0 active */
}

/* Linux's vsmp_smp_setup and vsmp_boot_secondary, in their order, then VPE 1 runs. */
static void test_linux_bring_up(void **state)
{
    (void)state;
    struct vcpu *v = v0;
    exec(v, DVPE);
    assert_int_equal(v->gpr[1] & 1, 1);           /* returns MVPControl as it was: EVP set */
    exec(v, DMT);
    cp0_write(v, 0, 1, cp0_read(v, 0, 1) | 2);    /* set_c0_mvpcontrol(VPC) */
    uint32_t mvpconf0 = cp0_read(v, 0, 2);
    assert_int_equal(mvpconf0 & 0xFF, 1);
    settc(v, 1);
    /* smvp_tc_init(1) */
    mttc0(v, 2, 2, mftc0(v, 2, 2) | 1);
    mttc0(v, 1, 2, mftc0(v, 1, 2) | 1u << 21);
    uint32_t tcs = mftc0(v, 2, 1);
    mttc0(v, 2, 1, (tcs & ~((1u << 13) | (1u << 15))) | 1u << 10);
    mttc0(v, 2, 4, 1);
    /* smvp_vpe_init(1) */
    mttc0(v, 1, 2, (mftc0(v, 1, 2) & ~1u) | 2u);
    mttc0(v, 1, 1, mftc0(v, 1, 1) & ~(1u << 15));
    mttc0(v, CP0_STATUS, 0, (cp0_read(v, CP0_STATUS, 0) & ~(ST_IM | ST_IE | ST_KSU)) | ST_CU0);
    mttc0(v, CP0_CONFIG, 0, cp0_read(v, CP0_CONFIG, 0));
    mttc0(v, CP0_CAUSE, 0, 0);
    mttc0(v, CP0_COUNT, 0, cp0_read(v, CP0_COUNT, 0));
    cp0_write(v, 0, 1, cp0_read(v, 0, 1) & ~2u);  /* clear VPC */
    assert_int_equal(cp0_read(v1, 1, 2), 2u | 1u << 21); /* MVP, XTC = 1, not active */
    assert_false(mt_vpe_runs(v1));

    /* vsmp_boot_secondary(1) */
    exec(v, DVPE);
    assert_int_equal(v->gpr[1] & 1, 0);           /* EVP was already clear */
    cp0_write(v, 0, 1, cp0_read(v, 0, 1) | 2);
    settc(v, 1);
    mttc0(v, 2, 3, 0x80123450u);                   /* TCRestart = &smp_bootstrap */
    mttc0(v, 2, 1, (mftc0(v, 2, 1) & ~(1u << 10)) | 1u << 13);
    mttc0(v, 2, 4, 0);
    mttc0(v, 1, 2, mftc0(v, 1, 2) | 1u);          /* VPA */
    v->gpr[1] = 0x81230000u;
    exec(v, MTTGPR(29));                           /* sp */
    v->gpr[1] = 0x81220000u;
    exec(v, MTTGPR(28));                           /* gp */
    cp0_write(v, 0, 1, cp0_read(v, 0, 1) & ~2u);
    assert_false(mt_vpe_runs(v1));                /* EVP still clear: only VPE 0 runs */
    assert_true(mt_vpe_runs(v0));
    exec(v, EVPE);
    assert_true(mt_vpe_runs(v1));
    assert_int_equal(v1->pc, 0x80123450u);
    assert_int_equal(v1->gpr[29], 0x81230000u);
    assert_int_equal(v1->gpr[28], 0x81220000u);
    assert_int_equal(v1->cp0.status, ST_CU0);
    assert_int_equal(v1->mmu_mode, MMU_KERNEL);
    exec(v, MFTGPR(29));
    assert_int_equal(v->gpr[1], 0x81230000u);
    /* What the other VPE reads of itself. */
    assert_int_equal(cp0_read(v1, 2, 2), 1u << 21 | 1u);
    assert_int_equal(cp0_read(v1, 2, 3), 0x80123450u);  /* TCRestart of a TC: its pc */
}

static void test_config_state_only(void **state)
{
    (void)state;
    settc(v0, 1);
    mttc0(v0, 1, 2, 3);                            /* VPC clear: VPEConf0 is not writable */
    assert_int_equal(cp0_read(v1, 1, 2) & 3, 0);
    cp0_write(v0, 0, 1, cp0_read(v0, 0, 1) | 2);
    mttc0(v0, 1, 2, 3);
    assert_int_equal(cp0_read(v1, 1, 2) & 3, 3);
}

static void test_non_master(void **state)
{
    (void)state;
    /* VPE 1 is no master (MVP = 0): mftr/mttr reach its own TC, dvpe leaves EVP alone. */
    settc(v1, 0);
    v1->gpr[7] = 0x1234u;
    exec(v1, MFTGPR(7));
    assert_int_equal(v1->gpr[1], 0x1234u);
    uint32_t before = cp0_read(v0, 0, 1);
    exec(v1, DVPE);
    assert_int_equal(cp0_read(v0, 0, 1), before);
    /* A master's target past the last TC: reads 0, writes dropped. */
    settc(v0, 5);
    v0->gpr[1] = 77;
    exec(v0, MFTGPR(29));
    assert_int_equal(v0->gpr[1], 0);
}

static void test_dmt_emt(void **state)
{
    (void)state;
    exec(v0, EMT);
    assert_int_equal(cp0_read(v0, 1, 1) & (1u << 15), 1u << 15);
    exec(v0, DMT);
    assert_int_equal(v0->gpr[1] & (1u << 15), 1u << 15); /* the old VPEControl */
    assert_int_equal(cp0_read(v0, 1, 1) & (1u << 15), 0);
}

static void test_ipi(void **state)
{
    (void)state;
    /* VPE 1 takes IP0/IP1 (vsmp_init_secondary) with interrupts on. */
    cp0_write(v1, CP0_STATUS, 0, ST_CU0 | ST_IE | (3u << ST_IM_SHIFT));
    v1->next_event = 1000;
    settc(v0, 1);
    exec(v0, DVPE);
    mttc0(v0, CP0_CAUSE, 0, mftc0(v0, CP0_CAUSE, 0) | (1u << 9)); /* C_SW1: a call IPI */
    exec(v0, EVPE);
    assert_int_equal(v1->cp0.cause & CAUSE_IP_SW, 1u << 9);
    assert_int_equal(v0->cp0.cause & CAUSE_IP_SW, 0);
    assert_int_equal(v1->next_event, 0);          /* kicked: it checks interrupts at once */
    assert_true(cp0_check_interrupt(v1));
    /* The ack: the receiver clears its own bit. */
    cp0_write(v1, CP0_CAUSE, 0, v1->cp0.cause & ~(1u << 9));
    assert_int_equal(v1->cp0.cause & CAUSE_IP_SW, 0);
}

static void test_own_count_compare(void **state)
{
    (void)state;
    cp0_write(v0, CP0_COUNT, 0, 1000);
    cp0_write(v1, CP0_COUNT, 0, 5000);
    cp0_write(v0, CP0_COMPARE, 0, 1010);
    cp0_write(v1, CP0_COMPARE, 0, 90000);
    assert_int_equal(cp0_read(v0, CP0_COUNT, 0), 1000);
    assert_int_equal(cp0_read(v1, CP0_COUNT, 0), 5000);
    /* Deterministic time counts every vCPU's instructions (2 per tick). */
    v1->icount += 40;
    assert_int_equal(cp0_read(v0, CP0_COUNT, 0), 1020);
    assert_int_equal(cp0_read(v1, CP0_COUNT, 0), 5020);
    assert_true(cp0_read(v0, CP0_CAUSE, 0) & CAUSE_TI);
    assert_false(cp0_read(v1, CP0_CAUSE, 0) & CAUSE_TI);
}

static void test_24kf_has_none(void **state)
{
    (void)state;
    vm_destroy(&vm);
    assert_int_equal(make_vm(CPU_24KF, 1), 0);
    assert_false(mt_present(&vm));
    assert_int_equal(cp0_read(v0, CP0_PRID, 0), 0x00019300);
    assert_false(cp0_read(v0, CP0_CONFIG, 3) & (1u << 2));
    assert_int_equal(cp0_read(v0, 0, 1), 0);      /* no MVPControl: reads as unimplemented */
    assert_int_equal(cp0_read(v0, 2, 2), 0);
    assert_true(mt_vpe_runs(v0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_identity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_linux_bring_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_state_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_non_master, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dmt_emt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipi, setup, teardown),
        cmocka_unit_test_setup_teardown(test_own_count_compare, setup, teardown),
        cmocka_unit_test_setup_teardown(test_24kf_has_none, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
