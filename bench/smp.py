#!/usr/bin/python3
"""SMP guests: -smp 2 against -smp 1 on mvisor and on qemu-system-mipsel, alternating.

    bench/smp.py [--pairs N] [--intmark N] [--forks N] [--mvisor BIN] [--qemu BIN]
                 [--base BIN] [--configs C,C,...]

Each round boots the stock kernel with the benchmark initramfs (bench/guest/init.sh) four times,
in an order that alternates from round to round: mvisor `-cpu 34Kf -smp 2` (both vCPUs on the
scheduler's workers, the default under --exec dbt in real time), mvisor `-cpu 34Kf -smp 1`,
`qemu-system-mipsel -cpu 34Kf -smp 2` (QEMU 7.2: multi-threaded TCG, a host thread per vCPU) and
`-smp 1`. Each boot runs two jobs, each timed on the host between its console markers:

  par2      two `wl intmark N` processes at once (CPU-bound, CoreMark-shaped; each checks its
            own result), the job a second CPU should nearly halve
  forkpar2  two `wl forkexec N /bin/true` loops at once: a make -j2 of tiny jobs, fork, exec,
            exit and wait, where the kernel's cross-CPU work (IPIs, TLB shootdowns, run-queue
            balancing) is the cost

The default jobs are sized so that each runs at least 2 s on mvisor on an otherwise idle host
(40000 intmark iterations, 1500 fork+exec per loop; 0.15 s and 0.53 s at the former 3000 and
300), so that starting the processes does not weigh on the ratios. A guest that printed its last
marker is stopped 3 s later if it has not powered off by then (QEMU -smp 2 took about 20 s to
power off): the times are taken by then.

--base BIN adds a second mvisor build to the rotation (configurations base-smp2 and base-smp1),
so two builds are compared side by side in the same minutes; --configs picks the configurations
to boot (e.g. mvisor-smp2,base-smp2 for an A/B of the threaded VM alone).

The guest prints each CPU's line of /proc/stat before and after each job (bench/guest/init.sh),
and the report gives how much of the job each configuration's guest CPUs spent idle (idle and
iowait ticks over all ticks, both CPUs): a second CPU that the guest leaves idle cannot speed the
job up, whatever the engine.

The report (stdout and build/bench/smp.md) gives per configuration the median wall time with
min-max, each engine's speed-up (-smp 1 time / -smp 2 time, median of per-round ratios), and
mvisor's time over QEMU's at -smp 2 (median of per-round ratios), with the host's load average
before every boot: on a shared host the second vCPU gets a core only when one is free, so say the
load beside every figure. A boot that fails (a job's status not 0, no markers, a timeout) is
reported and its round left out of the ratios that need it.
"""

import argparse
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness.launch import run_console, write_log  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JOBS = ("par2", "forkpar2")
CONFIGS = ("mvisor-smp2", "mvisor-smp1", "qemu-smp2", "qemu-smp1")
BASE_CONFIGS = ("base-smp2", "base-smp1")


def argv_of(args, config):
    engine, smp = config.split("-")
    n = smp[-1]
    append = "console=ttyS0 bench=par2:%d,forkpar2:%d" % (args.intmark, args.forks)
    common = ["-M", "malta", "-m", "256", "-nographic", "-no-reboot", "-cpu", "34Kf", "-smp", n,
              "-kernel", args.kernel, "-initrd", args.initrd, "-append", append]
    if engine == "qemu":
        # No NIC and no VGA: mvisor's Malta has neither (bench/harness/plan.py says why).
        return [args.qemu] + common + ["-nic", "none", "-vga", "none"]
    return [args.base if engine == "base" else args.mvisor] + common + ["--exec", "dbt"]


def guest_idle(run):
    """{job: idle share of the guest's CPUs over the job} from its @@cpustat lines."""
    stat = {}
    for _, text in run.lines:
        m = re.search(r"@@cpustat (\w+) (begin|end) (cpu\d+) ([\d ]+)", text)
        if m:
            stat[(m.group(1), m.group(2), m.group(3))] = [int(x) for x in m.group(4).split()]
    out = {}
    for j in JOBS:
        idle = total = 0
        for (job, when, cpu), end in stat.items():
            begin = stat.get((job, "begin", cpu))
            if job != j or when != "end" or not begin:
                continue
            d = [b - a for a, b in zip(begin, end)]
            idle += d[3] + d[4]
            total += sum(d[:8])
        if total:
            out[j] = idle / total
    return out


def job_times(run):
    """{job: seconds between its begin and end markers, host clock} and a list of problems."""
    marks, status, problems = {}, {}, []
    for t, text in run.lines:
        m = re.search(r"@@mark (\w+) (begin|end) ", text)
        if m:
            marks[(m.group(1), m.group(2))] = t
        m = re.search(r"@@status (\w+) rc=(\d+)", text)
        if m:
            status[m.group(1)] = int(m.group(2))
    out = {}
    for j in JOBS:
        if (j, "begin") not in marks or (j, "end") not in marks:
            problems.append("%s: no markers" % j)
        elif status.get(j) != 0:
            problems.append("%s: status %s" % (j, status.get(j)))
        else:
            out[j] = marks[(j, "end")] - marks[(j, "begin")]
    if run.timed_out and not any("@@done" in text for _, text in run.lines):
        problems.append("timed out")
    return out, problems


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def med(xs):
    return statistics.median(xs) if xs else None


def fmt(x, unit=" s"):
    return "-" if x is None else "%.2f%s" % (x, unit)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--pairs", type=int, default=5, help="rounds (each boots all four configurations)")
    p.add_argument("--intmark", type=int, default=40000, help="intmark iterations per process")
    p.add_argument("--forks", type=int, default=1500, help="fork+exec per loop")
    p.add_argument("--mvisor", default=os.path.join(ROOT, "build/mvisor"))
    p.add_argument("--qemu", default="qemu-system-mipsel")
    p.add_argument("--base", help="a second mvisor build, booted as base-smp2 and base-smp1")
    p.add_argument("--configs", help="the configurations to boot, comma-separated")
    p.add_argument("--kernel", default=os.path.join(ROOT, "build/guest/vmlinuz"))
    p.add_argument("--initrd", default=os.path.join(ROOT, "build/bench/workload.cpio.gz"))
    p.add_argument("--out", default=os.path.join(ROOT, "build/bench"))
    # A hung guest (seen once: QEMU's -smp 2 boot went silent) costs one boot's timeout; the
    # default jobs take about 20 s on QEMU at -smp 1, so five minutes leaves room for bigger ones.
    p.add_argument("--timeout", type=float, default=300.0,
                   help="seconds per boot before it counts as failed (default 300; raise it for big jobs)")
    args = p.parse_args()
    os.makedirs(os.path.join(args.out, "smp"), exist_ok=True)
    known = CONFIGS + (BASE_CONFIGS if args.base else ())
    configs = tuple(args.configs.split(",")) if args.configs else known
    for c in configs:
        if c not in known:
            p.error("unknown configuration %s (known: %s)" % (c, ", ".join(known)))

    times = {c: {j: [None] * args.pairs for j in JOBS} for c in known}
    idles = {c: {j: [] for j in JOBS} for c in known}
    loads, failures = [], []
    for r in range(args.pairs):
        order = configs if r % 2 == 0 else tuple(reversed(configs))
        for c in order:
            la = loadavg()
            loads.append(la)
            run = run_console(argv_of(args, c), args.timeout, done_marker="@@done", done_grace_s=3.0)
            write_log(run, os.path.join(args.out, "smp", "%s-%d.log" % (c, r)))
            got, problems = job_times(run)
            for j, t in got.items():
                times[c][j][r] = t
            for j, x in guest_idle(run).items():
                idles[c][j].append(x)
            line = "round %d %-12s load %5.1f  " % (r + 1, c, la) + "  ".join(
                "%s %s" % (j, fmt(got.get(j))) for j in JOBS)
            if problems:
                failures.append("round %d %s: %s" % (r + 1, c, "; ".join(problems)))
                line += "  FAILED: " + "; ".join(problems)
            print(line, flush=True)

    def ratios(a, b, j):
        return [x / y for x, y in zip(times[a][j], times[b][j]) if x is not None and y is not None]

    rows = ["# make bench-smp: -smp 2 against -smp 1 (bench/smp.py)", "",
            "%d rounds, intmark %d iterations and %d fork+exec per process; host load average before "
            "each boot %.1f to %.1f (median %.1f) on %d host CPUs." % (
                args.pairs, args.intmark, args.forks, min(loads), max(loads), statistics.median(loads),
                os.cpu_count()), "",
            "| job | config | median wall | min-max | rounds | guest CPUs idle (median) |",
            "|---|---|---|---|---|---|"]
    for j in JOBS:
        for c in configs:
            xs = [x for x in times[c][j] if x is not None]
            idle = med(idles[c][j])
            rows.append("| %s | %s | %s | %s | %d | %s |" % (j, c, fmt(med(xs)),
                        "%.2f-%.2f" % (min(xs), max(xs)) if xs else "-", len(xs),
                        "-" if idle is None else "%.1f%%" % (100 * idle)))
    rows += ["", "| job | mvisor speed-up (smp1/smp2) | QEMU speed-up | mvisor/QEMU wall at -smp 2 | "
             "mvisor/QEMU wall at -smp 1 |", "|---|---|---|---|---|"]
    for j in JOBS:
        rows.append("| %s | %s | %s | %s | %s |" % (
            j, fmt(med(ratios("mvisor-smp1", "mvisor-smp2", j)), "x"),
            fmt(med(ratios("qemu-smp1", "qemu-smp2", j)), "x"),
            fmt(med(ratios("mvisor-smp2", "qemu-smp2", j)), "x"),
            fmt(med(ratios("mvisor-smp1", "qemu-smp1", j)), "x")))
    if args.base:
        rows += ["", "| job | mvisor/base wall at -smp 2 | at -smp 1 |", "|---|---|---|"]
        for j in JOBS:
            rows.append("| %s | %s | %s |" % (j, fmt(med(ratios("mvisor-smp2", "base-smp2", j)), "x"),
                                              fmt(med(ratios("mvisor-smp1", "base-smp1", j)), "x")))
    if failures:
        rows += ["", "Failed boots (left out of the figures that need them):", ""] + ["- " + f for f in failures]
    text = "\n".join(rows) + "\n"
    print()
    print(text)
    with open(os.path.join(args.out, "smp.md"), "w") as f:
        f.write(text)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
