/*
 * Idle tick coalescing for the scheduler (monitor/sched.h explains the policy): a quiet VM's
 * timer wake-ups move onto a grid shared by every quiet VM of the monitor. Kept apart from the
 * run queue (monitor/sched.c) and pure, so the unit tests drive it with their own clock.
 *
 * Why the guest tolerates it: the Debian 4kc-malta kernel runs high-resolution timers
 * (CONFIG_HIGH_RES_TIMERS=y) with a periodic tick (CONFIG_HZ_PERIODIC=y), so its tick is the
 * hrtimer tick_sched_timer on the r4k clockevent; a late tick updates jiffies by every period
 * that passed (kernel/time/tick-sched.c, tick_do_update_jiffies64) and forwards the hrtimer past
 * now (hrtimer_forward). Wall time and jiffies stay exact; what a late tick loses is the per-tick
 * CPU accounting of the ticks it stood for (update_process_times runs once), and a guest timer
 * that falls between grid points fires up to one slack late, as a host process's do under
 * timer slack.
 *
 * The staggered boot (monitor/sched.h) asks here too whether a booting VM is done: the same
 * kind of quiet, but from any short WAIT, so that a deterministic VM's idling counts, or enough
 * CPU spent in its user code.
 */
#include "monitor/sched.h"

uint64_t sched_idle_until(struct sched_ent *x, uint64_t deadline, uint64_t now, bool on_compare)
{
    if (!on_compare || x->slice_insns > SCHED_QUIET_INSNS) {
        x->quiet_since = 0;
        return deadline;
    }
    if (!x->quiet_since) {
        x->quiet_since = now;
        return deadline;
    }
    if (!x->slack_ns || now - x->quiet_since < SCHED_QUIET_NS || deadline % x->slack_ns == 0)
        return deadline;
    uint64_t at = (deadline / x->slack_ns + 1) * x->slack_ns;
    if (at < deadline)
        return deadline; /* the grid point would wrap */
    x->deferred++;
    return at;
}

void sched_idle_disturbed(struct sched_ent *x)
{
    x->quiet_since = 0;
}

bool sched_boot_done(struct sched_ent *x, uint64_t now, uint64_t ran_ns, bool wait, bool paused, bool ended)
{
    x->boot_ns += ran_ns;
    if (x->slice_user)
        x->boot_user_ns += ran_ns;
    if (!wait || x->slice_insns > SCHED_QUIET_INSNS)
        x->boot_quiet_since = 0;
    else if (!x->boot_quiet_since)
        x->boot_quiet_since = now;
    return ended || paused || x->boot_ns >= SCHED_BOOT_CPU_NS || x->boot_user_ns >= SCHED_BOOT_USER_NS ||
           (x->boot_quiet_since && now - x->boot_quiet_since >= SCHED_QUIET_NS);
}
