/*
 * The scheduler (monitor/sched.c): eight testbench VMs, each running a different bare ISA
 * program, handed to sched_run on one and on two worker threads, under each engine; every VM must
 * end with its own status (seven pass, the harness self-test fails: status 4, which is then the
 * worst), and in deterministic mode retire exactly as many instructions as the same program run
 * alone, however the workers sliced and interleaved them.
 *
 * Then a vCPU in WAIT must hold no worker: with ONE worker, a VM waits for a timer ten seconds
 * away while another runs a program to its end; the waiting VM is quit (a QMP request from
 * another thread, which also exercises the wake-up through its eventfd) only once the other has
 * ended, and the other must have ended within five seconds. A scheduler that left the waiting
 * vCPU asleep on its worker could not run the second VM before the timer, ten seconds later.
 * The same with the first VM paused (QMP stop) instead of waiting. And with one worker busy on
 * a VM that spins forever, a QMP request to a VM in WAIT must still be served: the poller sees
 * the wake-up and the spinning vCPU yields.
 *
 * The run queue's policy alone (sched_pick, sched_wake, sched_account) on entries set up by hand,
 * and what a slice is charged (sched_charge_slice) against a CPU clock the test drives: no host
 * timing is involved, so these are exact.
 *
 * The ThreadSanitizer build (suite tsan) runs this too: the workers, the poller, the controller
 * thread and the VMs must share nothing without synchronisation.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "dbt/dbt.h"
#include "monitor/internal.h"
#include "monitor/sched.h"
#include "tests/unit/vm_progs.h"


static FILE *devnull;

static void all_programs(enum exec_mode exec, bool deterministic, unsigned workers)
{
    struct vm *vms = calloc(NVM, sizeof(*vms));
    struct vm *ptr[NVM];
    char path[NVM][512];
    uint64_t alone[NVM] = {0};
    assert_non_null(vms);
    if (deterministic) {
        for (int i = 0; i < NVM; i++) {
            assert_int_equal(vm_open(&vms[i], progs[i].rel, exec, true, devnull, path[i], sizeof(path[i])), 0);
            assert_int_equal(vm_run(&vms[i]), progs[i].must_fail ? 4 : 0);
            alone[i] = vms[i].vcpu->icount;
            vm_destroy(&vms[i]);
        }
    }
    for (int i = 0; i < NVM; i++) {
        assert_int_equal(vm_open(&vms[i], progs[i].rel, exec, deterministic, devnull, path[i], sizeof(path[i])), 0);
        assert_int_equal(vm_start(&vms[i]), 0);
        ptr[i] = &vms[i];
    }
    int status[NVM];
    struct sched_config sc = {.host_cpus = workers};
    assert_int_equal(sched_run(ptr, NVM, &sc, status), 4);
    for (int i = 0; i < NVM; i++) {
        if (status[i] != (progs[i].must_fail ? 4 : 0))
            fail_msg("%s: status %d", path[i], status[i]);
        if (progs[i].must_fail)
            assert_int_equal(vms[i].testdev.check, 2);
        if (deterministic && vms[i].vcpu->icount != alone[i])
            fail_msg("%s: %" PRIu64 " instructions scheduled, %" PRIu64 " alone", path[i], vms[i].vcpu->icount,
                     alone[i]);
        assert_int_equal(vm_ctl_state(&vms[i].ctl), VM_STATE_SHUTDOWN);
    }
    for (int i = 0; i < NVM; i++)
        vm_destroy(&vms[i]);
    free(vms);
}

static void test_all_dbt_1(void **state) { (void)state; all_programs(EXEC_DBT, false, 1); }
static void test_all_dbt_2(void **state) { (void)state; all_programs(EXEC_DBT, false, 2); }
static void test_all_trap_2(void **state) { (void)state; all_programs(EXEC_TRAP, false, 2); }
static void test_all_interp_2(void **state) { (void)state; all_programs(EXEC_INTERP, false, 2); }
static void test_all_dbt_det_2(void **state) { (void)state; all_programs(EXEC_DBT, true, 2); }
static void test_all_trap_det_1(void **state) { (void)state; all_programs(EXEC_TRAP, true, 1); }
static void test_all_interp_det_2(void **state) { (void)state; all_programs(EXEC_INTERP, true, 2); }

/* ---- an idle vCPU holds no worker ---- */


#define OTHER_LIMIT_NS 5000000000ull

struct controller {
    pthread_t thread;
    struct vm *idle, *other;
    bool pause_first;
    int rc_stop, rc_quit;
    bool other_ended; /* before the limit */
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *controller_main(void *arg)
{
    struct controller *c = arg;
    uint64_t t0 = now_ns();
    if (c->pause_first)
        c->rc_stop = vm_ctl_request(&c->idle->ctl, VM_REQ_STOP, 10000);
    while (now_ns() - t0 < OTHER_LIMIT_NS) {
        enum vm_run_state st = vm_ctl_state(&c->other->ctl);
        if (st == VM_STATE_SHUTDOWN || st == VM_STATE_INTERNAL_ERROR) {
            c->other_ended = true;
            break;
        }
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    c->rc_quit = vm_ctl_request(&c->idle->ctl, VM_REQ_QUIT, 20000);
    return NULL;
}

static void idle_holds_no_worker(enum exec_mode exec, bool pause_first)
{
    struct vm vms[2];
    char path[512];
    struct vm_config cfg = {.machine = MACHINE_TESTBENCH, .ram_mb = 16, .tlb_entries = MTLB_DEFAULT_ENTRIES,
                            .exec = exec, .console_out = devnull};
    char err[512];
    assert_int_equal(vm_create(&vms[0], &cfg, err, sizeof(err)), 0);
    assert_int_equal(physmap_write(&vms[0].physmap, WAIT_PROG_PA, wait_prog, sizeof(wait_prog)), 0);
    vms[0].vcpu->pc = 0x80000000u + WAIT_PROG_PA;
    /* the program that must end meanwhile: a few hundred thousand instructions */
    assert_int_equal(vm_open(&vms[1], "user/prog_crc32", exec, false, devnull, path, sizeof(path)), 0);
    assert_int_equal(vm_start(&vms[0]), 0);
    assert_int_equal(vm_start(&vms[1]), 0);

    struct controller c = {.idle = &vms[0], .other = &vms[1], .pause_first = pause_first};
    assert_int_equal(pthread_create(&c.thread, NULL, controller_main, &c), 0);
    struct vm *ptr[2] = {&vms[0], &vms[1]};
    int status[2];
    struct sched_config sc = {.host_cpus = 1};
    int worst = sched_run(ptr, 2, &sc, status);
    pthread_join(c.thread, NULL);

    assert_true(c.other_ended);
    assert_int_equal(c.rc_stop, 0);
    assert_int_equal(c.rc_quit, 0);
    assert_int_equal(status[1], 0);
    assert_int_equal(vms[1].testdev.state, TESTDEV_PASSED);
    assert_int_equal(status[0], 0); /* quit */
    assert_string_equal(vms[0].quit_reason, "host-qmp-quit");
    assert_int_equal(worst, 0);
    /* the waiting VM stayed in its WAIT: the timer had not come (paused, it may have been
     * stopped anywhere before) */
    if (!pause_first)
        assert_int_equal(vms[0].vcpu->pc, 0x80000000u + WAIT_PROG_PA + 4 * 9);
    vm_destroy(&vms[0]);
    vm_destroy(&vms[1]);
}

static void test_wait_dbt(void **state) { (void)state; idle_holds_no_worker(EXEC_DBT, false); }
static void test_wait_interp(void **state) { (void)state; idle_holds_no_worker(EXEC_INTERP, false); }
static void test_paused_dbt(void **state) { (void)state; idle_holds_no_worker(EXEC_DBT, true); }
static void test_paused_trap(void **state) { (void)state; idle_holds_no_worker(EXEC_TRAP, true); }

/* ---- an idle vCPU's wake-up is seen while every worker runs guest code ---- */

static const uint32_t spin_prog[] = {
    0x1000FFFF, /* b . */
    0x00000000, /* nop */
};
#define SPIN_PROG_PA 0x20000u

struct quitter {
    pthread_t thread;
    struct vm *waiting, *spinning;
    long delay_ns; /* before the requests, under a second */
    int rc_waiting, rc_spinning;
};

static void *quitter_main(void *arg)
{
    struct quitter *q = arg;
    struct timespec ts = {0, q->delay_ns};
    nanosleep(&ts, NULL); /* both running: one in its WAIT, one spinning on the only worker */
    q->rc_waiting = vm_ctl_request(&q->waiting->ctl, VM_REQ_QUIT, 5000);
    q->rc_spinning = vm_ctl_request(&q->spinning->ctl, VM_REQ_QUIT, 5000);
    return NULL;
}

/* One worker, spinning on a VM that never waits, and a VM in WAIT for a timer ten seconds away
 * gets a request (QMP quit): the poller must see its wake-up and have the spinning vCPU yield
 * the worker, or the request times out (it did when the idle worker was the only poller).
 * Returns whether the waiting VM had reached its WAIT when the request came delay_ns after the
 * start: on a loaded host its vCPU may not have run yet, and the case then proved nothing. */
static bool wake_while_busy(enum exec_mode exec, long delay_ns)
{
    struct vm vms[2];
    struct vm_config cfg = {.machine = MACHINE_TESTBENCH, .ram_mb = 16, .tlb_entries = MTLB_DEFAULT_ENTRIES,
                            .exec = exec, .console_out = devnull};
    char err[512];
    for (int i = 0; i < 2; i++)
        assert_int_equal(vm_create(&vms[i], &cfg, err, sizeof(err)), 0);
    assert_int_equal(physmap_write(&vms[0].physmap, WAIT_PROG_PA, wait_prog, sizeof(wait_prog)), 0);
    vms[0].vcpu->pc = 0x80000000u + WAIT_PROG_PA;
    assert_int_equal(physmap_write(&vms[1].physmap, SPIN_PROG_PA, spin_prog, sizeof(spin_prog)), 0);
    vms[1].vcpu->pc = 0x80000000u + SPIN_PROG_PA;
    for (int i = 0; i < 2; i++)
        assert_int_equal(vm_start(&vms[i]), 0);
    struct quitter q = {.waiting = &vms[0], .spinning = &vms[1], .delay_ns = delay_ns};
    assert_int_equal(pthread_create(&q.thread, NULL, quitter_main, &q), 0);
    struct vm *ptr[2] = {&vms[0], &vms[1]};
    int status[2];
    struct sched_config sc = {.host_cpus = 1};
    int worst = sched_run(ptr, 2, &sc, status);
    pthread_join(q.thread, NULL);
    assert_int_equal(q.rc_waiting, 0);
    assert_int_equal(q.rc_spinning, 0);
    assert_int_equal(worst, 0);
    /* in its WAIT (or not there yet), never past it */
    uint32_t pc = vms[0].vcpu->pc, start = 0x80000000u + WAIT_PROG_PA, in_wait = start + 4 * 9;
    if (pc < start || pc > in_wait)
        fail_msg("the waiting VM is at pc %#x, outside its program up to its WAIT", pc);
    assert_true(vms[1].vcpu->icount > 1000);
    for (int i = 0; i < 2; i++)
        vm_destroy(&vms[i]);
    return pc == in_wait;
}

/* 50 ms is plenty on an idle host; each retry waits four times longer for the WAIT */
static void wake_while_busy_in_wait(enum exec_mode exec)
{
    for (long delay_ns = 50000000; delay_ns < 1000000000; delay_ns *= 4)
        if (wake_while_busy(exec, delay_ns))
            return;
    fail_msg("the waiting VM never reached its WAIT within 800 ms of its start");
}

static void test_wake_busy_dbt(void **state) { (void)state; wake_while_busy_in_wait(EXEC_DBT); }
static void test_wake_busy_interp(void **state) { (void)state; wake_while_busy_in_wait(EXEC_INTERP); }

/* ---- every worker gets work ---- */

/* At kseg0 0x80030000: Compare = Count + 0x1E0000 (about 20 ms at 100 MHz), Status = CU0 | IM7,
 * wait, then spin for ever. */
static const uint32_t late_spin_prog[] = {
    0x40094800, /* mfc0 t1, Count */
    0x3C19001E, /* lui t9, 0x001E */
    0x01394821, /* addu t1, t1, t9 */
    0x40895800, /* mtc0 t1, Compare */
    0x3C081000, /* lui t0, 0x1000 (CU0) */
    0x35088000, /* ori t0, t0, 0x8000 (IM7) */
    0x40886000, /* mtc0 t0, Status */
    0x000000C0, /* ehb */
    0x42000020, /* wait */
    0x1000FFFF, /* b . */
    0x00000000, /* nop */
};
#define LATE_SPIN_PA 0x30000u
#define NSPIN 3

struct tid_watch {
    pthread_t thread;
    struct vm *vms;
    int tids[8];
    unsigned ntids;
    int rc_quit[NSPIN];
};

static void *tid_watch_main(void *arg)
{
    struct tid_watch *w = arg;
    struct timespec ts = {0, 150000000};
    nanosleep(&ts, NULL); /* past the WAIT: every VM spins now */
    for (int k = 0; k < 500; k++) {
        for (int i = 0; i < NSPIN; i++) {
            int tid = atomic_load(&w->vms[i].ctl.vcpu_tid);
            bool seen = false;
            for (unsigned j = 0; j < w->ntids; j++)
                seen |= w->tids[j] == tid;
            if (!seen && w->ntids < 8)
                w->tids[w->ntids++] = tid;
        }
        struct timespec t1 = {0, 1000000};
        nanosleep(&t1, NULL);
    }
    for (int i = 0; i < NSPIN; i++)
        w->rc_quit[i] = vm_ctl_request(&w->vms[i].ctl, VM_REQ_QUIT, 10000);
    return NULL;
}

/* Three VMs wait 20 ms, then spin for ever: once they are awake, both workers must run them (the
 * threads that run them, sampled for half a second, are two). A worker that fell asleep with
 * nothing to do used to be woken only to watch, never for work, and busy VMs then shared one core
 * of two (make bench-vms: 16 busy VMs on --host-cpus 2 used 0.999 cores). This order of events
 * does not reproduce that (the watcher wakes both sleeping workers here); it guards the property. */
static void test_both_workers_busy(void **state)
{
    (void)state;
    struct vm vms[NSPIN];
    struct vm_config cfg = {.machine = MACHINE_TESTBENCH, .ram_mb = 16, .tlb_entries = MTLB_DEFAULT_ENTRIES,
                            .exec = EXEC_DBT, .console_out = devnull};
    char err[512];
    struct vm *ptr[NSPIN];
    for (int i = 0; i < NSPIN; i++) {
        assert_int_equal(vm_create(&vms[i], &cfg, err, sizeof(err)), 0);
        assert_int_equal(physmap_write(&vms[i].physmap, LATE_SPIN_PA, late_spin_prog, sizeof(late_spin_prog)), 0);
        vms[i].vcpu->pc = 0x80000000u + LATE_SPIN_PA;
        assert_int_equal(vm_start(&vms[i]), 0);
        ptr[i] = &vms[i];
    }
    struct tid_watch w = {.vms = vms};
    assert_int_equal(pthread_create(&w.thread, NULL, tid_watch_main, &w), 0);
    int status[NSPIN];
    struct sched_config sc = {.host_cpus = 2};
    assert_int_equal(sched_run(ptr, NSPIN, &sc, status), 0);
    pthread_join(w.thread, NULL);
    for (int i = 0; i < NSPIN; i++)
        assert_int_equal(w.rc_quit[i], 0);
    if (w.ntids != 2)
        fail_msg("the spinning VMs ran on %u threads, not the 2 workers", w.ntids);
    for (int i = 0; i < NSPIN; i++)
        vm_destroy(&vms[i]);
}

/* ---- the run queue's policy, on entries set up by hand ---- */

#define MS 1000000ull

static void ent(struct sched_ent *e, enum sched_ent_state st, uint64_t vtime)
{
    memset(e, 0, sizeof(*e));
    e->weight = SCHED_WEIGHT_DEFAULT;
    e->st = st;
    e->vtime = vtime;
}

/* Five busy entries (three runnable, two running) and an interactive one that ran a little
 * recently: its virtual time (10.8 ms) is above the least (10 ms). Woken, it must still be the
 * next to run and preempt the running entry furthest ahead. The scheduler used to raise a woken
 * entry to least - warp only, which left this one behind the entry at 10 ms: on a loaded host it
 * then waited for the busy VMs' slices (make bench-vms, latency: 50 ms). */
static void test_wake_after_recent_run(void **state)
{
    (void)state;
    struct sched_ent e[6];
    ent(&e[0], SCHED_ENT_RUNNABLE, 10 * MS);
    ent(&e[1], SCHED_ENT_RUNNABLE, 11 * MS);
    ent(&e[2], SCHED_ENT_RUNNABLE, 12 * MS);
    ent(&e[3], SCHED_ENT_RUNNING, 11 * MS + MS / 2);
    ent(&e[4], SCHED_ENT_RUNNING, 13 * MS);
    ent(&e[5], SCHED_ENT_IDLE, 10 * MS + 8 * MS / 10);
    unsigned runnable = 99, busy = 99, busy_others = 99;
    struct sched_ent *victim = sched_wake(e, 6, &e[5], &runnable, &busy);
    assert_int_equal(runnable, 3);
    assert_int_equal(busy, 3);
    assert_ptr_equal(victim, &e[4]);
    assert_int_equal(e[5].st, SCHED_ENT_RUNNABLE);
    assert_true(e[5].from_idle);
    assert_int_equal(e[5].vtime, 10 * MS + 8 * MS / 10); /* not lowered: it did run that */
    assert_ptr_equal(sched_pick(e, 6, &busy_others), &e[5]);
    assert_int_equal(busy_others, 3);

    /* Still ahead after running less than the warp... */
    e[5].st = SCHED_ENT_RUNNING;
    sched_account(&e[5], SCHED_WARP_NS / 2);
    e[5].st = SCHED_ENT_RUNNABLE;
    assert_ptr_equal(sched_pick(e, 6, &busy_others), &e[5]);
    /* ...but not once it has run the whole warp without sleeping: then it is one of the busy
     * ones, at its actual virtual time (12.8 ms), behind 10 and 11 ms. */
    sched_account(&e[5], SCHED_WARP_NS / 2);
    assert_int_equal(e[5].warp_left, 0);
    assert_int_equal(e[5].vtime, 10 * MS + 8 * MS / 10 + SCHED_WARP_NS);
    assert_ptr_equal(sched_pick(e, 6, &busy_others), &e[0]);
    e[0].st = SCHED_ENT_RUNNING;
    assert_ptr_equal(sched_pick(e, 6, &busy_others), &e[1]);
    e[1].st = SCHED_ENT_RUNNING;
    assert_ptr_equal(sched_pick(e, 6, &busy_others), &e[2]); /* 12 ms: before 12.8 */
}

/* What the watcher runs itself while every worker is busy: only warped runnable entries (woken
 * and not yet run their warp), the least effective virtual time first; none once the warps are
 * used up, so busy VMs are never run there. */
static void test_pick_warped(void **state)
{
    (void)state;
    struct sched_ent e[5];
    ent(&e[0], SCHED_ENT_RUNNABLE, 10 * MS); /* busy: not warped */
    ent(&e[1], SCHED_ENT_RUNNING, 20 * MS);
    ent(&e[2], SCHED_ENT_IDLE, 30 * MS);
    ent(&e[3], SCHED_ENT_IDLE, 40 * MS);
    ent(&e[4], SCHED_ENT_RUNNING, 5 * MS);
    e[4].warp_left = SCHED_WARP_NS; /* warped, but running elsewhere */
    assert_null(sched_pick_warped(e, 5));
    unsigned runnable, busy;
    sched_wake(e, 5, &e[2], &runnable, &busy);
    sched_wake(e, 5, &e[3], &runnable, &busy);
    /* both raised to the least (5 ms) and warped: the first woken is not behind the second */
    assert_non_null(sched_pick_warped(e, 5));
    assert_true(sched_pick_warped(e, 5) == &e[2] || sched_pick_warped(e, 5) == &e[3]);
    sched_account(&e[3], SCHED_WARP_NS / 2);
    assert_ptr_equal(sched_pick_warped(e, 5), &e[2]);
    sched_account(&e[2], SCHED_WARP_NS);
    assert_ptr_equal(sched_pick_warped(e, 5), &e[3]);
    sched_account(&e[3], SCHED_WARP_NS / 2);
    assert_null(sched_pick_warped(e, 5)); /* warps used up: the workers take them */
}

/* A long sleeper cannot bank its sleep: woken, it starts at the least virtual time of the others
 * (runnable or running), warped by no more than the warp. */
static void test_wake_after_long_sleep(void **state)
{
    (void)state;
    struct sched_ent e[4];
    ent(&e[0], SCHED_ENT_RUNNING, 50 * MS);
    ent(&e[1], SCHED_ENT_RUNNABLE, 40 * MS);
    ent(&e[2], SCHED_ENT_IDLE, 5 * MS);   /* asleep for long */
    ent(&e[3], SCHED_ENT_DONE, 1 * MS);   /* ended: counts for nothing */
    unsigned runnable, busy, busy_others;
    assert_ptr_equal(sched_wake(e, 4, &e[2], &runnable, &busy), &e[0]);
    assert_int_equal(e[2].vtime, 40 * MS);
    assert_int_equal(e[2].warp_left, SCHED_WARP_NS);
    assert_ptr_equal(sched_pick(e, 4, &busy_others), &e[2]);
    /* It ran a little over half the warp: still first. The rest of the warp and a bit: behind. */
    sched_account(&e[2], SCHED_WARP_NS / 2 + 1);
    assert_ptr_equal(sched_pick(e, 4, &busy_others), &e[2]);
    sched_account(&e[2], SCHED_WARP_NS / 2);
    assert_int_equal(e[2].warp_left, 0);
    assert_ptr_equal(sched_pick(e, 4, &busy_others), &e[1]);
}

/* The woken entry preempts nobody when no running entry is ahead of it by SCHED_PREEMPT_MIN_NS
 * (their next slice boundary is soon enough), nor one already asked to yield; the running entry
 * furthest ahead by effective virtual time is the one asked, warped or not. */
static void test_wake_preempt_choice(void **state)
{
    (void)state;
    struct sched_ent e[3];
    unsigned runnable, busy;
    /* Running entries less than SCHED_PREEMPT_MIN_NS ahead: no preemption. */
    ent(&e[0], SCHED_ENT_RUNNING, 20 * MS);
    ent(&e[1], SCHED_ENT_RUNNING, 20 * MS + SCHED_PREEMPT_MIN_NS - 1);
    e[0].warp_left = e[1].warp_left = SCHED_WARP_NS; /* both warped too */
    ent(&e[2], SCHED_ENT_IDLE, 20 * MS);
    assert_null(sched_wake(e, 3, &e[2], &runnable, &busy));
    assert_int_equal(runnable, 0);
    /* One unwarped (effectively SCHED_WARP_NS further on): it is asked. */
    ent(&e[2], SCHED_ENT_IDLE, 20 * MS);
    e[1].warp_left = 0;
    assert_ptr_equal(sched_wake(e, 3, &e[2], &runnable, &busy), &e[1]);
    /* Already asked: the other, which is not ahead enough, is not. */
    ent(&e[2], SCHED_ENT_IDLE, 20 * MS);
    e[1].preempted = true;
    assert_null(sched_wake(e, 3, &e[2], &runnable, &busy));
}

/* Weights scale what a slice costs: weight 200 pays half of weight 100, and the warp it used. */
static void test_account_weight(void **state)
{
    (void)state;
    struct sched_ent a, b;
    ent(&a, SCHED_ENT_RUNNING, 0);
    ent(&b, SCHED_ENT_RUNNING, 0);
    b.weight = 2 * SCHED_WEIGHT_DEFAULT;
    a.warp_left = b.warp_left = SCHED_WARP_NS;
    uint64_t ran = SCHED_WARP_NS + 2 * MS;
    sched_account(&a, ran);
    sched_account(&b, ran);
    assert_int_equal(a.vtime, ran);
    assert_int_equal(b.vtime, ran / 2);
    assert_int_equal(a.warp_left, 0);
    assert_int_equal(b.warp_left, SCHED_WARP_NS - ran / 2);
}

/* ---- what a slice is charged ---- */

static uint64_t fake_cpu;
static unsigned fake_reads;

static uint64_t fake_cpu_ns(void)
{
    fake_reads++;
    return fake_cpu;
}

/* The worker's CPU clock, not the wall clock: a slice of 30 ms during which the host ran the
 * worker for 0.2 ms is charged 0.2 ms. Wall-clock charging made an idle VM that the host
 * descheduled in a 50 us probe pay 30-60 ms, and then wait hundreds of milliseconds behind the
 * busy VMs (make bench-vms, latency, p99 94-400 ms on a loaded host). */
static void test_charge_cpu_not_wall(void **state)
{
    (void)state;
    struct sched_charge c = {.cpu_mark = 100 * MS};
    fake_cpu = 100 * MS + 2 * MS / 10;
    fake_reads = 0;
    assert_int_equal(sched_charge_slice(&c, 30 * MS, fake_cpu_ns), 2 * MS / 10);
    assert_int_equal(fake_reads, 1);
    assert_int_equal(c.cpu_mark, fake_cpu);
    /* Never more than the wall time (the worker's CPU between slices is not the slice's). */
    fake_cpu += 9 * MS;
    assert_int_equal(sched_charge_slice(&c, 5 * MS, fake_cpu_ns), 5 * MS);
}

/* Short slices are charged their wall time without reading the clock (a system call, dearer than
 * an idle VM's probe); the next long one is charged the CPU time since the last reading minus
 * what the short ones were charged, and not below zero. */
static void test_charge_short_slices(void **state)
{
    (void)state;
    struct sched_charge c = {.cpu_mark = 10 * MS};
    fake_reads = 0;
    for (int i = 0; i < 3; i++)
        assert_int_equal(sched_charge_slice(&c, SCHED_CHARGE_WALL_NS / 2, fake_cpu_ns), SCHED_CHARGE_WALL_NS / 2);
    assert_int_equal(fake_reads, 0);
    fake_cpu = 10 * MS + 3 * SCHED_CHARGE_WALL_NS / 2 + 2 * MS;
    assert_int_equal(sched_charge_slice(&c, 4 * MS, fake_cpu_ns), 2 * MS);
    assert_int_equal(fake_reads, 1);
    assert_int_equal(c.wall_since, 0);
    /* Short slices that were mostly off the CPU: the long one after them is charged nothing. */
    for (int i = 0; i < 3; i++)
        sched_charge_slice(&c, SCHED_CHARGE_WALL_NS, fake_cpu_ns);
    fake_cpu += SCHED_CHARGE_WALL_NS;
    assert_int_equal(sched_charge_slice(&c, 4 * MS, fake_cpu_ns), 0);
}

/* Short slices only: the clock is read once SCHED_CHARGE_RESYNC_NS of them have been charged by
 * the wall clock, so their error stays bounded. */
static void test_charge_resync(void **state)
{
    (void)state;
    struct sched_charge c = {.cpu_mark = 1};
    fake_cpu = 1;
    fake_reads = 0;
    unsigned n = 0;
    while (fake_reads == 0 && n < 1000) {
        fake_cpu += SCHED_CHARGE_WALL_NS / 4; /* a quarter of each on the CPU */
        sched_charge_slice(&c, SCHED_CHARGE_WALL_NS, fake_cpu_ns);
        n++;
    }
    assert_int_equal(n, SCHED_CHARGE_RESYNC_NS / SCHED_CHARGE_WALL_NS + 1);
    assert_int_equal(c.wall_since, 0);
    assert_int_equal(c.cpu_mark, fake_cpu);
}

static void test_worse(void **state)
{
    (void)state;
    assert_int_equal(sched_worse(0, 3), 3);
    assert_int_equal(sched_worse(3, 4), 4);
    assert_int_equal(sched_worse(4, 2), 2);
    assert_int_equal(sched_worse(2, 1), 1);
    assert_int_equal(sched_worse(1, 0), 1);
    assert_int_equal(sched_worse(0, 0), 0);
}

int main(void)
{
    devnull = fopen("/dev/null", "w");
    if (!devnull)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_worse),
        cmocka_unit_test(test_wake_after_recent_run),
        cmocka_unit_test(test_wake_after_long_sleep),
        cmocka_unit_test(test_wake_preempt_choice),
        cmocka_unit_test(test_account_weight),
        cmocka_unit_test(test_charge_cpu_not_wall),
        cmocka_unit_test(test_charge_short_slices),
        cmocka_unit_test(test_charge_resync),
        cmocka_unit_test(test_all_dbt_1),
        cmocka_unit_test(test_all_dbt_2),
        cmocka_unit_test(test_all_trap_2),
        cmocka_unit_test(test_all_interp_2),
        cmocka_unit_test(test_all_dbt_det_2),
        cmocka_unit_test(test_all_trap_det_1),
        cmocka_unit_test(test_all_interp_det_2),
        cmocka_unit_test(test_wait_dbt),
        cmocka_unit_test(test_wait_interp),
        cmocka_unit_test(test_paused_dbt),
        cmocka_unit_test(test_paused_trap),
        cmocka_unit_test(test_wake_busy_dbt),
        cmocka_unit_test(test_wake_busy_interp),
        cmocka_unit_test(test_both_workers_busy),
        cmocka_unit_test(test_pick_warped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
