/*
 * Many VMs in one process: eight testbench VMs, each running a different
 * bare ISA program (tests/isa), are driven from one thread a bounded slice
 * at a time (vm_run_slice), under each engine (dbt, trap, interp); every
 * one must reach its own result (seven pass, the harness self-test fails
 * at exactly its check 2). In deterministic mode every VM must retire exactly as many
 * instructions as the same program run alone in one unbounded call, so
 * slicing and interleaving change nothing a guest can see. The eighth VM's
 * code buffer must be its own and run translated code. A hand-written
 * program that waits for a far timer shows that WAIT comes back to the
 * caller (VCPU_EXIT_WAIT, call after call) instead of sleeping in the
 * engine, and wakes when the timer comes near. The same program, driven
 * by slices while another thread posts control requests (QMP's stop,
 * cont, quit), shows the requests served inside vm_run_slice and the WAIT
 * going on across them.
 *
 * Then two VMs run at the same time on two host threads, each created,
 * run and destroyed over and over: nothing they share may be mutable.
 * Built with ThreadSanitizer (make check-tsan), this is the race check.
 *
 * The programs are the ISA suite's bare ELFs under $MVISOR_ISA_DIR
 * (default build/isa/bare); the unit suite builds the ones used here.
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
#include "tests/unit/vm_progs.h"

#define SLICE_INSNS 40 /* small against the programs (190 to 3900 instructions): each needs several slices */

static FILE *devnull; /* the test device's output, for the VMs of the main thread */

/* Whether vm's program ended as it must. */
static bool result_ok(const struct vm *vm, const struct prog *p)
{
    if (p->must_fail)
        return vm->testdev.state == TESTDEV_FAILED && vm->testdev.check == 2;
    return vm->testdev.state == TESTDEV_PASSED && vm->testdev.check > 0;
}

struct run {
    struct vm vm;
    char path[512];
    bool done;
    enum vcpu_exit last;
    unsigned slices, waits;
};

/* Runs alone, in one unbounded call (what vm_run does), sleeping through WAITs. */
static enum vcpu_exit run_alone(struct vm *vm)
{
    for (;;) {
        enum vcpu_exit why = vm_run_slice(vm, 0);
        if (why == VCPU_EXIT_WAIT) {
            vcpu_sleep(vm->vcpu);
            continue;
        }
        if (why != VCPU_EXIT_NONE && why != VCPU_EXIT_SLICE)
            return why;
    }
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void interleaved(enum exec_mode exec, bool deterministic)
{
    struct run *r = calloc(NVM, sizeof(*r));
    assert_non_null(r);
    uint64_t alone_icount[NVM] = {0};
    if (deterministic) {
        for (int i = 0; i < NVM; i++) {
            assert_int_equal(vm_open(&r[i].vm, progs[i].rel, exec, true, devnull, r[i].path, sizeof(r[i].path)), 0);
            assert_int_equal(run_alone(&r[i].vm), VCPU_EXIT_STOP);
            assert_true(result_ok(&r[i].vm, &progs[i]));
            alone_icount[i] = r[i].vm.vcpu->icount;
            vm_destroy(&r[i].vm);
        }
    }
    for (int i = 0; i < NVM; i++)
        assert_int_equal(vm_open(&r[i].vm, progs[i].rel, exec, deterministic, devnull, r[i].path, sizeof(r[i].path)), 0);

    /* Round robin, one slice each, from this thread; when every live VM waits, sleep until the
     * earliest deadline (what a scheduler does with an idle CPU). */
    unsigned live = NVM;
    for (unsigned round = 0; live > 0; round++) {
        assert_true(round < 1000000);
        bool ran = false;
        uint64_t earliest = UINT64_MAX;
        for (int i = 0; i < NVM; i++) {
            struct run *x = &r[i];
            if (x->done)
                continue;
            struct vcpu *v = x->vm.vcpu;
            if (v->waiting && v->wait_until_ns > now_ns()) {
                if (v->wait_until_ns < earliest)
                    earliest = v->wait_until_ns;
                continue;
            }
            ran = true;
            enum vcpu_exit why = vm_run_slice(&x->vm, SLICE_INSNS);
            x->slices++;
            if (why == VCPU_EXIT_NONE || why == VCPU_EXIT_SLICE)
                continue;
            if (why == VCPU_EXIT_WAIT) {
                x->waits++;
                assert_true(v->waiting);
                continue;
            }
            x->done = true;
            x->last = why;
            live--;
        }
        if (!ran && earliest != UINT64_MAX) {
            uint64_t t = now_ns();
            if (earliest > t) {
                struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)(earliest - t)};
                nanosleep(&ts, NULL);
            }
        }
    }

    for (int i = 0; i < NVM; i++) {
        struct run *x = &r[i];
        if (x->last != VCPU_EXIT_STOP || !result_ok(&x->vm, &progs[i]))
            fail_msg("%s: exit %d, test device state %d at check %u", x->path, (int)x->last,
                     (int)x->vm.testdev.state, x->vm.testdev.check);
        /* every program took several slices: they really were interleaved */
        assert_true(x->slices > 1);
        if (deterministic && x->vm.vcpu->icount != alone_icount[i])
            fail_msg("%s: %" PRIu64 " instructions sliced, %" PRIu64 " alone", x->path, x->vm.vcpu->icount,
                     alone_icount[i]);
    }

    if (exec != EXEC_INTERP) {
        /* each VM translated into its own buffer; the eighth one's ran */
        for (int i = 0; i < NVM; i++) {
            assert_non_null(r[i].vm.tcache);
            for (int j = 0; j < i; j++) {
                const struct tcache *a = r[i].vm.tcache, *b = r[j].vm.tcache;
                uintptr_t a0 = (uintptr_t)a->buf, b0 = (uintptr_t)b->buf;
                bool apart = a0 + a->size <= b0 || b0 + b->size <= a0;
                assert_true(apart);
            }
        }
        /* Linux maps anonymous memory below the stack, terabytes from the executable's text: the
         * eighth buffer is out of rel32 reach of the helpers, so its blocks reached them only
         * through the buffer's own thunks (cache/codebuf.c) */
        int64_t dist = (int64_t)(uintptr_t)r[NVM - 1].vm.tcache->buf - (int64_t)(uintptr_t)&vm_run_slice;
        assert_true(dist > INT32_MAX || dist < INT32_MIN);
        struct dbt_stats s;
        assert_true(dbt_get_stats(&r[NVM - 1].vm, &s));
        assert_true(s.translations[0] + s.translations[1] > 0);
        assert_true(s.entries[0] + s.entries[1] > 0);
        assert_true(s.code_used > 0);
    }
    for (int i = 0; i < NVM; i++)
        vm_destroy(&r[i].vm);
    free(r);
}

static void test_interleaved_dbt(void **state)
{
    (void)state;
    interleaved(EXEC_DBT, false);
}

static void test_interleaved_trap(void **state)
{
    (void)state;
    interleaved(EXEC_TRAP, false);
}

static void test_interleaved_interp(void **state)
{
    (void)state;
    interleaved(EXEC_INTERP, false);
}

static void test_interleaved_dbt_deterministic(void **state)
{
    (void)state;
    interleaved(EXEC_DBT, true);
}

static void test_interleaved_trap_deterministic(void **state)
{
    (void)state;
    interleaved(EXEC_TRAP, true);
}

static void test_interleaved_interp_deterministic(void **state)
{
    (void)state;
    interleaved(EXEC_INTERP, true);
}

/* ---- WAIT returns to the caller ---- */


/* A real-time WAIT with the timer far away comes back as VCPU_EXIT_WAIT with a deadline, every
 * call, without retiring anything or sleeping in the engine; once Compare is near, the next calls
 * wake the CPU and it runs on. */
static void wait_returns(enum exec_mode exec)
{
    struct vm vm;
    struct vm_config cfg = {.machine = MACHINE_TESTBENCH, .ram_mb = 16, .tlb_entries = MTLB_DEFAULT_ENTRIES,
                            .exec = exec, .console_out = devnull};
    char err[512];
    assert_int_equal(vm_create(&vm, &cfg, err, sizeof(err)), 0);
    assert_int_equal(physmap_write(&vm.physmap, WAIT_PROG_PA, wait_prog, sizeof(wait_prog)), 0);
    struct vcpu *v = vm.vcpu;
    v->pc = 0x80000000u + WAIT_PROG_PA;
    enum vcpu_exit why = VCPU_EXIT_NONE;
    for (int i = 0; i < 100 && why != VCPU_EXIT_WAIT; i++)
        why = vm_run_slice(&vm, 4);
    assert_int_equal(why, VCPU_EXIT_WAIT);
    assert_true(v->waiting);
    assert_true(v->wait_until_ns > 0);
    uint64_t icount = v->icount;
    assert_int_equal(v->pc, 0x80000000u + WAIT_PROG_PA + 4 * 9); /* WAIT retired: pc after it */
    for (int i = 0; i < 3; i++) {
        assert_int_equal(vm_run_slice(&vm, 4), VCPU_EXIT_WAIT); /* still nothing to wake it */
        assert_int_equal(v->icount, icount);
    }
    /* Compare a few microseconds ahead: the WAIT ends within some calls, then the loop runs */
    cp0_write(v, 11, 0, vcpu_count(v) + 1000);
    for (int i = 0; i < 100000 && v->icount < icount + 100; i++) {
        why = vm_run_slice(&vm, 40);
        if (why == VCPU_EXIT_WAIT)
            vcpu_sleep(v);
        else
            assert_int_equal(why, VCPU_EXIT_SLICE);
    }
    assert_false(v->waiting);
    assert_true(v->icount >= icount + 100);
    vm_destroy(&vm);
}

static void test_wait_returns_dbt(void **state)
{
    (void)state;
    wait_returns(EXEC_DBT);
}

static void test_wait_returns_trap(void **state)
{
    (void)state;
    wait_returns(EXEC_TRAP);
}

static void test_wait_returns_interp(void **state)
{
    (void)state;
    wait_returns(EXEC_INTERP);
}

/* ---- control requests (QMP) through the slice API ---- */

struct controller {
    pthread_t thread;
    struct vm *vm;
    int rc_stop, rc_stop_again, rc_reset, rc_cont, rc_quit;
    enum vm_run_state paused_state, resumed_state;
};

/* What the QMP server does, from another thread: each request returns once the thread running
 * the slices has carried it out. */
static void *controller_main(void *arg)
{
    struct controller *c = arg;
    struct vm_ctl *ctl = &c->vm->ctl;
    c->rc_stop = vm_ctl_request(ctl, VM_REQ_STOP, 10000);
    c->paused_state = vm_ctl_state(ctl);
    c->rc_stop_again = vm_ctl_request(ctl, VM_REQ_STOP, 10000);
    c->rc_reset = vm_ctl_request(ctl, VM_REQ_RESET, 10000); /* the Malta board's only */
    struct timespec ts = {0, 50000000};
    nanosleep(&ts, NULL);
    c->rc_cont = vm_ctl_request(ctl, VM_REQ_CONT, 10000);
    c->resumed_state = vm_ctl_state(ctl);
    c->rc_quit = vm_ctl_request(ctl, VM_REQ_QUIT, 10000);
    return NULL;
}

/* A VM driven by vm_run_slice, waiting in WAIT for a timer ten seconds away, gets stop, a second
 * stop, a reset it cannot do, cont and quit from another thread: every request is served by the
 * slice calls (quit ends them with VCPU_EXIT_USER_QUIT), and the WAIT goes on across them, so
 * the guest retires nothing meanwhile. */
static void control_through_slices(enum exec_mode exec)
{
    struct vm vm;
    struct vm_config cfg = {.machine = MACHINE_TESTBENCH, .ram_mb = 16, .tlb_entries = MTLB_DEFAULT_ENTRIES,
                            .exec = exec, .console_out = devnull};
    char err[512];
    assert_int_equal(vm_create(&vm, &cfg, err, sizeof(err)), 0);
    assert_int_equal(physmap_write(&vm.physmap, WAIT_PROG_PA, wait_prog, sizeof(wait_prog)), 0);
    struct vcpu *v = vm.vcpu;
    v->pc = 0x80000000u + WAIT_PROG_PA;
    assert_int_equal(vm_start(&vm), 0);
    assert_int_equal(vm_ctl_state(&vm.ctl), VM_STATE_RUNNING);
    enum vcpu_exit why = VCPU_EXIT_NONE;
    for (int i = 0; i < 100 && why != VCPU_EXIT_WAIT; i++)
        why = vm_run_slice(&vm, 4);
    assert_int_equal(why, VCPU_EXIT_WAIT);
    uint64_t icount = v->icount;
    uint32_t pc = v->pc;

    struct controller c = {.vm = &vm};
    assert_int_equal(pthread_create(&c.thread, NULL, controller_main, &c), 0);
    int calls = 0, paused_returns = 0;
    do {
        why = vm_run_slice(&vm, 40);
        if (why == VCPU_EXIT_PAUSED)
            paused_returns++;
        vm_idle(&vm, why);
        calls++;
    } while ((why == VCPU_EXIT_WAIT || why == VCPU_EXIT_SLICE || why == VCPU_EXIT_PAUSED) && calls < 10000);
    pthread_join(c.thread, NULL);

    assert_int_equal(why, VCPU_EXIT_USER_QUIT);
    assert_string_equal(vm.quit_reason, "host-qmp-quit");
    assert_int_equal(c.rc_stop, 0);
    assert_int_equal(c.paused_state, VM_STATE_PAUSED);
    assert_int_equal(c.rc_stop_again, 0);
    assert_int_equal(c.rc_reset, -ENOTSUP);
    assert_int_equal(c.rc_cont, 0);
    assert_int_equal(c.resumed_state, VM_STATE_RUNNING);
    assert_int_equal(c.rc_quit, 0);
    /* A paused VM holds no caller: its slices came back VCPU_EXIT_PAUSED while it was stopped. */
    assert_true(paused_returns > 0);
    assert_int_equal(v->icount, icount); /* still in the WAIT: nothing retired */
    assert_int_equal(v->pc, pc);
    assert_true(v->waiting);
    vm_destroy(&vm);
}

static void test_control_dbt(void **state)
{
    (void)state;
    control_through_slices(EXEC_DBT);
}

static void test_control_trap(void **state)
{
    (void)state;
    control_through_slices(EXEC_TRAP);
}

static void test_control_interp(void **state)
{
    (void)state;
    control_through_slices(EXEC_INTERP);
}

/* ---- two VMs on two host threads ---- */

#define THREAD_ROUNDS 12

struct worker {
    pthread_t thread;
    int first;         /* index of its first program; it walks the list from there */
    unsigned passed, wrong, errors;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    static const enum exec_mode execs[3] = {EXEC_DBT, EXEC_TRAP, EXEC_INTERP};
    FILE *out = fopen("/dev/null", "w"); /* its own stream: nothing shared but the process */
    if (!out) {
        w->errors++;
        return NULL;
    }
    for (unsigned k = 0; k < THREAD_ROUNDS; k++) {
        const struct prog *p = &progs[(w->first + k) % NVM];
        struct vm *vm = calloc(1, sizeof(*vm));
        char path[512];
        if (!vm || vm_open(vm, p->rel, execs[k % 3], k & 1, out, path, sizeof(path)) < 0) {
            w->errors++;
            free(vm);
            continue;
        }
        enum vcpu_exit why;
        do {
            why = vm_run_slice(vm, SLICE_INSNS);
            if (why == VCPU_EXIT_WAIT)
                vcpu_sleep(vm->vcpu);
        } while (why == VCPU_EXIT_NONE || why == VCPU_EXIT_SLICE || why == VCPU_EXIT_WAIT);
        if (why == VCPU_EXIT_STOP && result_ok(vm, p))
            w->passed++;
        else
            w->wrong++;
        vm_destroy(vm);
        free(vm);
    }
    fclose(out);
    return NULL;
}

static void test_two_threads(void **state)
{
    (void)state;
    struct worker w[2] = {{.first = 0}, {.first = 3}};
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&w[i].thread, NULL, worker_main, &w[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(w[i].thread, NULL);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(w[i].errors, 0);
        assert_int_equal(w[i].wrong, 0);
        assert_int_equal(w[i].passed, THREAD_ROUNDS);
    }
}

int main(void)
{
    devnull = fopen("/dev/null", "w");
    if (!devnull)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interleaved_dbt),
        cmocka_unit_test(test_interleaved_trap),
        cmocka_unit_test(test_interleaved_interp),
        cmocka_unit_test(test_interleaved_dbt_deterministic),
        cmocka_unit_test(test_interleaved_trap_deterministic),
        cmocka_unit_test(test_interleaved_interp_deterministic),
        cmocka_unit_test(test_wait_returns_dbt),
        cmocka_unit_test(test_wait_returns_trap),
        cmocka_unit_test(test_wait_returns_interp),
        cmocka_unit_test(test_control_dbt),
        cmocka_unit_test(test_control_trap),
        cmocka_unit_test(test_control_interp),
        cmocka_unit_test(test_two_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
