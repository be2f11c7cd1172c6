#!/usr/bin/python3
"""make bench-vms: many VMs in one mvisor monitor against as many qemu-system-mipsel processes.

    bench/vms.py                         every benchmark, full size (tens of minutes)
    bench/vms.py --quick                 small counts and short windows (BENCH_VMS_QUICK=1)
    bench/vms.py --only density,idle     some of: density idle floor howmany fairness latency regress

Benchmarks (README "Many VMs: make bench-vms"), in the order they run:
  density   host PSS of N idle VMs at the busybox prompt (-m 256), one monitor vs N QEMUs;
            slope = host memory per added VM (least squares over N, per round)
  idle      host CPU of 32 idle VMs over a window, against the floor and idle QEMUs; the same
            launch gives the start rate (32 VMs started at once, VMs at the prompt / s); runs
            inside the density benchmark's launches when both are selected
  floor     the idle floor: guest instructions per idle second (one VM, --profile, SIGUSR1 twice)
            x host ns per guest instruction (CoreMark-like loop) + one host wake-up per tick
  fairness  16 VMs looping the CoreMark-like benchmark on 2 host cores: per-VM throughput, Jain's
            index; 3 VMs with weights 1:2:4 on one core against their shares; aggregate against
            one VM alone
  latency   console echo round trip of an idle VM while 16 VMs are busy (p50, p99); inside the
            fairness launches when both are selected
  regress   bench/run.py's mvisor/QEMU ratios with this build and with the build of the commit
            before the multi-VM work (--baseline-mvisor), in one run
  howmany   the most idle 256 MiB VMs one monitor holds, in steps, and how many QEMUs, both
            stopping before the host's memory in use passes a bound

Every figure is the median of --rounds launches with min-max beside it; each mvisor launch is
paired with the QEMU launch of the same round (run one after the other, order alternating), and
ratios are taken within a round. Outputs in build/bench-vms/: one .md table per benchmark, a
summary.md with all of them, results.json, .png plots, and runs/ with every console log.
Standard library only (as bench/run.py), plots by gnuplot.
"""

import argparse
import json
import os
import random
import re
import shlex
import signal
import socket
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import fleet as fl  # noqa: E402
from harness import vmsreport  # noqa: E402
from harness.stats import median  # noqa: E402

# In the order they run: the cheaper and most asked-for first, how-many (the heaviest) last.
BENCHMARKS = ["density", "idle", "floor", "fairness", "latency", "regress", "howmany"]
INTMARK = re.compile(r"^intmark iterations=(\d+) checksum=(\S+) check=(\S+)")


def log(msg):
    print(f"bench-vms: {time.strftime('%H:%M:%S')} {msg}", file=sys.stderr, flush=True)


def prompt_ready(c):
    return c.prompt_t is not None


def keep_intmark(line):
    return line.startswith("intmark iterations=")


def chunks_ready(k):
    return lambda c: len(c.lines) >= k


class Bench:
    def __init__(self, a):
        self.a = a
        self.features = fl.mvisor_features(a.mvisor)
        self.code_buffer = fl.code_buffer_bytes(a.mvisor)
        self.results = {"args": {k: v for k, v in vars(a).items()}, "features": self.features,
                        "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "load": [os.getloadavg()[0]]}
        self.runs = os.path.join(a.out, "runs")

    def checkpoint(self, **partial):
        """The report so far, with these benchmarks' rounds up to now: a run stopped early keeps
        every round it finished."""
        self.results.update(partial)
        try:
            vmsreport.write(self.results, self.a.out)
        except Exception as e:  # a report that cannot be drawn yet must not stop the measuring
            log(f"report not written: {e!r}")

    # -- command lines ---------------------------------------------------------------------

    def machine(self, engine, initrd, append):
        common = ["-M", "malta", "-m", str(self.a.mem), "-cpu", self.a.cpu]
        if engine == "qemu":
            # As bench/run.py: no NIC, no VGA (mvisor's Malta has neither).
            common += ["-nic", "none", "-vga", "none"]
        return common + ["-kernel", self.a.kernel, "-initrd", initrd, "-append", append]

    def idle_vm(self, engine, name, weight=None, vm_args=()):
        append = " ".join(["console=ttyS0"] + self.a.idle_append.split())
        return fl.VMSpec(name, self.machine(engine, self.a.initrd, append) + list(vm_args), weight)

    def busy_vm(self, engine, name, weight=None):
        append = f"console=ttyS0 panic=-1 bench=intloop:{self.a.chunk}"
        return fl.VMSpec(name, self.machine(engine, self.a.workload_initrd, append), weight)

    def fleet(self, engine, vms, tag, host_cpus=None, extra=()):
        d = os.path.join(self.runs, tag)
        if engine == "qemu":
            return fl.QemuFleet(self.a.qemu, d, vms, host_cpus=host_cpus)
        return fl.MvisorFleet(self.a.mvisor, d, vms, host_cpus=host_cpus or self.a.host_cpus,
                              extra=extra, features=self.features)

    def order(self, rnd):
        o = ["mvisor", "qemu"] if rnd % 2 else ["qemu", "mvisor"]
        return [e for e in o if e in self.a.engines]

    def boot_timeout(self, n):
        return self.a.boot_timeout + self.a.boot_timeout_per_vm * n

    def start_idle(self, engine, n, tag, mem_limit=None, timeout=None, vm_args=(), extra=()):
        """n idle VMs launched at once; returns (fleet, None) with all at the prompt, or
        (fleet, why not). vm_args go into each VM's options, extra onto mvisor's command line."""
        f = self.fleet(engine, [self.idle_vm(engine, f"vm{i}", vm_args=vm_args) for i in range(n)], tag,
                       extra=extra)
        f.start()
        try:
            why = f.wait(prompt_ready, timeout or self.boot_timeout(n), mem_limit_kib=mem_limit)
        except BaseException:  # stopped while booting: no VM may outlive the runner
            f.stop()
            raise
        return f, why

    # -- density, idle cost and start rate ------------------------------------------------------

    def idle_window(self, f, n, prompts=None):
        """Host CPU of fleet f's n idle VMs over the window, after settling; PSS after it."""
        time.sleep(self.a.settle)
        c0, t0 = f.cpu(), time.monotonic()
        time.sleep(self.a.window)
        c1, t1 = f.cpu(), time.monotonic()
        rec = {"count": n, "cpu_s": c1 - c0, "wall_s": t1 - t0, "cores": (c1 - c0) / (t1 - t0),
               "pss_kib": f.pss().get("Pss"), "argv": f.argv[:1], "error": f.wait(prompt_ready, 0)}
        if prompts:
            rec.update(all_prompt_s=prompts[-1], first_prompt_s=prompts[0], median_prompt_s=median(prompts),
                       start_rate=n / prompts[-1])
        return rec

    def density_point(self, f, engine):
        pss = f.pss()
        rec = {"pss_kib": pss.get("Pss"), "pss": pss, "argv": f.argv[:1],
               "prompt_s": max(c.prompt_t for c in f.consoles.values())}
        if engine == "mvisor" and self.code_buffer:
            rec["breakdown_kib"] = fl.mvisor_breakdown(f.pids()[0], self.code_buffer)
        return rec

    def density(self):
        """mvisor: a launch per VM count (a monitor cannot take more VMs once started). QEMU: one
        launch per round that adds processes up to each count in turn, measuring when all are at
        the prompt: N independent processes cost the same whether started together or not, and
        it boots each QEMU once per round instead of once per count. With the idle benchmark
        selected, its launches are part of this one: mvisor's idle_count VMs launched at once (the
        idle cost, the start rate, one more density point), QEMU's idle cost measured when its
        series reaches qemu_idle_count processes."""
        counts = self.a.density_counts
        with_idle = "idle" in self.a.only
        nq_idle = self.a.qemu_idle_count
        res = {"counts": counts, "rounds": [], "extra_mvisor": self.a.idle_count if with_idle else None}
        ires = {"count": self.a.idle_count, "qemu_count": nq_idle, "window_s": self.a.window, "rounds": []}
        for rnd in range(1, self.a.rounds + 1):
            r = {"mvisor": {}, "qemu": {}}
            ir = {}
            for engine in self.order(rnd):
                if engine == "mvisor":
                    for n in counts:
                        f, why = self.start_idle(engine, n, f"density-mvisor-{n}-r{rnd}")
                        with f:
                            if why:
                                log(f"density mvisor x{n} round {rnd}: FAILED: {why}")
                                r[engine][n] = {"error": why}
                                continue
                            time.sleep(self.a.settle)
                            r[engine][n] = self.density_point(f, engine)
                            log(f"density mvisor x{n} round {rnd}: {r[engine][n]['pss_kib'] / 1024:.0f} MiB PSS")
                    if with_idle:
                        n = self.a.idle_count
                        f, why = self.start_idle(engine, n, f"idle-mvisor-{n}-r{rnd}")
                        with f:
                            if why:
                                log(f"idle mvisor x{n} round {rnd}: FAILED: {why}")
                                ir[engine] = {"error": why}
                                continue
                            prompts = sorted(c.prompt_t for c in f.consoles.values())
                            ir[engine] = self.idle_window(f, n, prompts)
                            r[engine][n] = self.density_point(f, engine)
                            log(f"idle mvisor x{n} round {rnd}: {ir[engine]['cores'] * 100:.1f}% of a core,"
                                f" all at the prompt {prompts[-1]:.1f} s after the launch")
                    continue
                steps = sorted(set(counts + ([nq_idle] if with_idle else [])))
                f = self.fleet("qemu", [], f"density-qemu-r{rnd}")
                with f.start():
                    for n in steps:
                        f.add([self.idle_vm("qemu", f"vm{i}") for i in range(len(f.consoles), n)])
                        why = f.wait(prompt_ready, self.boot_timeout(n))
                        if why:
                            log(f"density qemu x{n} round {rnd}: FAILED: {why}")
                            r[engine][n] = {"error": why}
                            if with_idle:
                                ir[engine] = {"error": why}
                            break
                        time.sleep(self.a.settle)
                        r[engine][n] = self.density_point(f, engine)
                        log(f"density qemu x{n} round {rnd}: {r[engine][n]['pss_kib'] / 1024:.0f} MiB PSS")
                        if with_idle and n == nq_idle:
                            ir[engine] = self.idle_window(f, n)
                            log(f"idle qemu x{n} round {rnd}: {ir[engine]['cores'] * 100:.1f}% of a core")
            res["rounds"].append(r)
            ires["rounds"].append(ir)
            self.checkpoint(density=res, **({"idle": ires} if with_idle else {}))
        self.results["density"] = res
        if with_idle:
            self.results["idle"] = ires

    def idle(self):
        """The idle cost alone (without the density benchmark): both engines launched at once."""
        n = self.a.idle_count
        res = {"count": n, "qemu_count": n, "window_s": self.a.window, "rounds": []}
        for rnd in range(1, self.a.rounds + 1):
            r = {}
            for engine in self.order(rnd):
                f, why = self.start_idle(engine, n, f"idle-{engine}-{n}-r{rnd}")
                with f:
                    if why:
                        log(f"idle {engine} x{n} round {rnd}: FAILED: {why}")
                        r[engine] = {"error": why}
                        continue
                    prompts = sorted(c.prompt_t for c in f.consoles.values())
                    r[engine] = self.idle_window(f, n, prompts)
                    log(f"idle {engine} x{n} round {rnd}: {r[engine]['cores'] * 100:.1f}% of a core,"
                        f" all at the prompt after {prompts[-1]:.1f} s")
            res["rounds"].append(r)
            self.checkpoint(idle=res)
        self.results["idle"] = res

    # -- the idle floor ----------------------------------------------------------------------

    def floor(self):
        """Per idle VM: guest instructions per second at the prompt x host seconds per guest
        instruction of translated code, plus HZ host wake-ups x the cost of one."""
        res = {"rounds": [], "hz": self.a.hz}
        if not self.features["profile"]:
            res["error"] = "this mvisor has no --profile"
            self.results["floor"] = res
            return
        ipi = self.insns_per_iteration()
        res["insns_per_iteration"] = ipi
        res["wake_argv"] = [self.a.wake, str(self.a.hz), "5"]
        for rnd in range(1, self.a.rounds + 1):
            rec = {}
            # The cost of one host wake-up, measured again each round (it varies with the load).
            wake = subprocess.run(res["wake_argv"], capture_output=True, text=True)
            m = re.search(r"ns_per_wakeup=(\d+)", wake.stdout)
            rec["wake_ns"] = int(m.group(1)) if m else None
            # Idle: instructions between two SIGUSR1 profiles of one VM at the prompt.
            f = self.fleet("mvisor", [self.idle_vm("mvisor", "vm0")], f"floor-idle-r{rnd}",
                           extra=["--profile"])
            f.features = dict(f.features, run_dir=False)  # one VM: its console through -serial file:
            with f.start():
                why = f.wait(prompt_ready, self.boot_timeout(1))
                if why:
                    rec["error"] = why
                else:
                    time.sleep(self.a.settle)
                    i0, c0, t0 = self.profile_insns(f), f.cpu(), time.monotonic()
                    time.sleep(self.a.floor_window)
                    i1, c1, t1 = self.profile_insns(f), f.cpu(), time.monotonic()
                    if i0 is None or i1 is None:
                        rec["error"] = "no profile on SIGUSR1"
                    else:
                        rec["idle_ips"] = (i1 - i0) / (t1 - t0)
                        rec["idle_cores_profiled"] = (c1 - c0) / (t1 - t0)
            # Busy: host CPU per guest instruction of the CoreMark-like loop, no profiling.
            f = self.fleet("mvisor", [self.busy_vm("mvisor", "vm0")], f"floor-busy-r{rnd}", host_cpus=1)
            f.features = dict(f.features, run_dir=False)
            with f.start():
                tp = self.throughput_window(f, self.a.floor_window)
                if tp.get("error") or not ipi:
                    rec.setdefault("error", tp.get("error") or "no instructions per iteration")
                else:
                    v = tp["vms"]["vm0"]
                    rec["busy_it_per_s"] = v["it_per_s"]
                    rec["busy_cores"] = tp["cores"]
                    rec["ns_per_insn"] = tp["cores"] / (v["it_per_s"] * ipi) * 1e9
            if "error" not in rec and rec["wake_ns"]:
                rec["floor_cores"] = (rec["idle_ips"] * rec["ns_per_insn"] + self.a.hz * rec["wake_ns"]) / 1e9
                log(f"floor round {rnd}: {rec['idle_ips'] / 1e6:.2f} M guest insns/s idle,"
                    f" {rec['ns_per_insn']:.2f} ns/insn, wake-up {rec['wake_ns']} ns:"
                    f" {rec['floor_cores'] * 100:.2f}% of a core per VM")
            else:
                log(f"floor round {rnd}: FAILED: {rec.get('error')}")
            res["rounds"].append(rec)
            self.checkpoint(floor=res)
        self.results["floor"] = res

    def profile_insns(self, f):
        """Sends SIGUSR1 and reads back 'profile (SIGUSR1) at N guest instructions'."""
        out = f.procs[0]._bench_out
        before = open(out, errors="replace").read().count("profile (SIGUSR1)")
        os.kill(f.procs[0].pid, signal.SIGUSR1)
        end = time.monotonic() + 10
        while time.monotonic() < end:
            text = open(out, errors="replace").read()
            hits = re.findall(r"profile \(SIGUSR1\) at (\d+) guest instructions", text)
            if len(hits) > before:
                return int(hits[-1])
            time.sleep(0.05)
        return None

    def insns_per_iteration(self):
        """Guest instructions per iteration of the CoreMark-like benchmark: two whole runs
        (boot, N iterations, power-off) with --stats, N differing, the difference per iteration."""
        counts = {}
        for n in (self.a.chunk, 3 * self.a.chunk):
            argv = [self.a.mvisor] + self.machine("mvisor", self.a.workload_initrd,
                                                   f"console=ttyS0 panic=-1 bench=intmark:{n}") + [
                "-nographic", "-no-reboot", "--stats", "--deterministic", "--seed", "1"]
            r = subprocess.run(argv, capture_output=True, text=True, timeout=600)
            m = re.search(r"stats: insns=(\d+)", r.stdout + r.stderr)
            if not m or "check=ok" not in r.stdout:
                log(f"floor: the --stats run with intmark:{n} failed (status {r.returncode})")
                return None
            counts[n] = int(m.group(1))
        a, b = sorted(counts)
        return (counts[b] - counts[a]) / (b - a)

    # -- throughput ----------------------------------------------------------------------------

    def throughput_window(self, f, window, only=None):
        """Waits until every VM has finished two rounds of the loop, then measures each VM's
        iterations per second over `window` host seconds: from the first to the last result
        line seen inside the window (lines are timestamped when the host first sees them), so
        a VM's rate does not depend on where its rounds fall against the window's edges."""
        names = set(only or f.consoles)
        why = f.wait(lambda c: c.name not in names or len(c.lines) >= 2, self.boot_timeout(len(f.consoles)) + 60,
                     keep=keep_intmark)
        if why:
            return {"error": why}
        time.sleep(min(self.a.settle, 2))  # two rounds done: translated, past the boot
        f.poll(keep_intmark)
        ta, c0 = f.now(), f.cpu()
        end = time.monotonic() + window
        while time.monotonic() < end:
            time.sleep(0.05)
            f.poll(keep_intmark)
        tb, c1 = f.now(), f.cpu()
        out = {"window_s": tb - ta, "cores": (c1 - c0) / (tb - ta), "vms": {}}
        for name, c in f.consoles.items():
            if name not in names:
                continue
            inside = [(t, line) for t, line in c.lines if ta < t <= tb]
            bad = [line for _, line in c.lines if INTMARK.match(line) and INTMARK.match(line).group(3) != "ok"]
            if bad:
                out["error"] = f"{name}: {bad[0]}"
            if len(inside) >= 2:
                rate = (len(inside) - 1) * self.a.chunk / (inside[-1][0] - inside[0][0])
            else:
                rate = len(inside) * self.a.chunk / (tb - ta)
            out["vms"][name] = {"it_per_s": rate, "rounds_in_window": len(inside)}
        return out

    # -- fairness ------------------------------------------------------------------------------

    def fairness(self):
        res = {"count": self.a.fair_count, "host_cpus": self.a.fair_host_cpus, "chunk": self.a.chunk,
               "weighted_host_cpus": self.a.weighted_host_cpus, "eighth": self.a.eighth,
               "window_s": self.a.fair_window, "weights": self.a.weights, "rounds": []}
        lres = {"busy": self.a.fair_count, "samples": self.a.latency_samples, "rounds": [],
                "with": "fairness"}
        for rnd in range(1, self.a.rounds + 1):
            r = {}
            lat = {}
            for engine in self.order(rnd):
                e = {}
                # One VM alone (one vCPU: one host core at most).
                f = self.fleet(engine, [self.busy_vm(engine, "vm0")], f"fair-solo-{engine}-r{rnd}",
                               host_cpus=1 if engine == "mvisor" else None)
                with f.start():
                    e["solo"] = self.throughput_window(f, self.a.fair_window)
                # The same loop in the 8th VM of a monitor whose first 7 idle at the prompt: code
                # placement and per-VM state must not depend on how many VMs came before.
                if engine == "mvisor" and self.features["vm_config"] and self.a.eighth:
                    vms = [self.idle_vm(engine, f"idle{i}") for i in range(self.a.eighth - 1)]
                    vms.append(self.busy_vm(engine, "last"))
                    f = self.fleet(engine, vms, f"fair-eighth-{engine}-r{rnd}", host_cpus=self.a.fair_host_cpus)
                    with f.start():
                        e["eighth"] = self.throughput_window(f, self.a.fair_window, only={"last"})
                # N equal VMs on the fairness host-CPU count; with the latency benchmark, one idle
                # VM beside them whose console echo is timed once the throughput window is over,
                # the busy VMs still running (the same setup, one launch fewer).
                vms = [self.busy_vm(engine, f"vm{i}") for i in range(self.a.fair_count)]
                probe = "latency" in self.a.only and not (engine == "mvisor" and not self.features["run_dir"])
                if probe:
                    vms.append(self.idle_vm(engine, "idle"))
                f = self.fleet(engine, vms, f"fair-equal-{engine}-r{rnd}", host_cpus=self.a.fair_host_cpus)
                with f.start():
                    busy = {v.name for v in vms if v.name != "idle"}
                    e["equal"] = self.throughput_window(f, self.a.fair_window, only=busy)
                    e["equal"]["argv"] = f.argv[:1]
                    if probe:
                        lat[engine] = self.probe_latency(f, engine, rnd)
                # Weighted: the weights cycled over fair_weighted_count VMs.
                if engine == "qemu" or self.features["vm_config"]:
                    ws = self.a.weights
                    vms = [self.busy_vm(engine, f"w{ws[i % len(ws)]}-{i}", ws[i % len(ws)])
                           for i in range(self.a.weighted_count)]
                    f = self.fleet(engine, vms, f"fair-weighted-{engine}-r{rnd}", host_cpus=self.a.weighted_host_cpus)
                    with f.start():
                        e["weighted"] = self.throughput_window(f, self.a.fair_window)
                        e["weighted"]["weights"] = {v.name: v.weight for v in vms}
                        e["weighted"]["argv"] = f.argv[:1]
                else:
                    e["weighted"] = {"error": "this mvisor has no --vm-config"}
                r[engine] = e
                log(f"fairness {engine} round {rnd}: " + ", ".join(
                    f"{k} {'FAILED ' + v['error'] if v.get('error') else str(round(sum(x['it_per_s'] for x in v['vms'].values()))) + ' it/s'}"
                    for k, v in e.items()))
            res["rounds"].append(r)
            lres["rounds"].append(lat)
            self.checkpoint(fairness=res, **({"latency": lres} if "latency" in self.a.only else {}))
        self.results["fairness"] = res
        if "latency" in self.a.only:
            self.results["latency"] = lres

    # -- interactive latency ----------------------------------------------------------------------

    def latency(self):
        res = {"busy": self.a.latency_busy, "samples": self.a.latency_samples, "rounds": []}
        for rnd in range(1, self.a.rounds + 1):
            r = {}
            for engine in self.order(rnd):
                if engine == "mvisor" and not self.features["run_dir"]:
                    r[engine] = {"error": "this mvisor runs one VM per process (no --run-dir)"}
                    continue
                vms = [self.busy_vm(engine, f"busy{i}") for i in range(self.a.latency_busy)]
                vms.append(self.idle_vm(engine, "idle"))
                f = self.fleet(engine, vms, f"latency-{engine}-r{rnd}", host_cpus=self.a.fair_host_cpus)
                with f.start():
                    why = f.wait(lambda c: c.prompt_t is not None if c.name == "idle" else len(c.lines) >= 1,
                                 self.boot_timeout(len(vms)) + 60, keep=keep_intmark)
                    if why:
                        r[engine] = {"error": why}
                        log(f"latency {engine} round {rnd}: FAILED: {why}")
                        continue
                    time.sleep(self.a.settle)
                    r[engine] = self.probe_latency(f, engine, rnd)
            res["rounds"].append(r)
            self.checkpoint(latency=res)
        self.results["latency"] = res

    def probe_latency(self, f, engine, rnd):
        """Echo round trips of the fleet's VM 'idle' (at its prompt) while the others loop."""
        why = f.wait(lambda c: c.prompt_t is not None if c.name == "idle" else True, 60, keep=keep_intmark)
        if why:
            log(f"latency {engine} round {rnd}: FAILED: {why}")
            return {"error": why}
        f.poll(keep_intmark)
        before = {n: len(c.lines) for n, c in f.consoles.items() if n != "idle"}
        rec = echo_round_trips(f.consoles["idle"].sock, self.a.latency_samples)
        f.poll(keep_intmark)
        # Every busy VM finished a round of its loop while the echoes were timed.
        rec["busy_kept_running"] = all(len(f.consoles[n].lines) > k for n, k in before.items())
        rec["argv"] = f.argv[:1]
        if rec.get("error"):
            log(f"latency {engine} round {rnd}: FAILED: {rec['error']}")
        else:
            ms = sorted(rec["ms"])
            log(f"latency {engine} round {rnd}: p50 {pct(ms, 50):.2f} ms, p99 {pct(ms, 99):.2f} ms"
                + ("" if rec["busy_kept_running"] else " (some busy VM finished no round meanwhile)"))
        return rec

    # -- how many ------------------------------------------------------------------------------

    def howmany(self):
        limit = self.a.mem_limit_gib << 20
        res = {"mem_limit_gib": self.a.mem_limit_gib, "window_s": self.a.window, "steps": {}}
        for engine, steps in [(e, s) for e, s in (("mvisor", self.a.howmany_steps), ("qemu", self.a.howmany_qemu_steps))
                              if e in self.a.engines]:
            out = []
            for n in steps:
                used0 = fl.mem_used_kib()
                timeout = min(self.boot_timeout(n), self.a.howmany_step_timeout)
                mv = engine == "mvisor"
                f, why = self.start_idle(engine, n, f"howmany-{engine}-{n}", mem_limit=limit, timeout=timeout,
                                         vm_args=shlex.split(self.a.howmany_vm_args) if mv else (),
                                         extra=shlex.split(self.a.howmany_mvisor_args) if mv else ())
                with f:
                    rec = {"count": n, "host_used_before_gib": used0 / 2**20}
                    at = sum(1 for c in f.consoles.values() if c.prompt_t is not None)
                    rec["at_prompt"] = at
                    if why:
                        rec["error"] = why
                        rec["host_used_gib"] = fl.mem_used_kib() / 2**20
                        if f.alive() and rec["host_used_gib"] < self.a.mem_limit_gib:
                            # Not all at the prompt in time: what the ones there cost meanwhile.
                            c0, t0 = f.cpu(), time.monotonic()
                            time.sleep(self.a.window)
                            rec["cores"] = (f.cpu() - c0) / (time.monotonic() - t0)
                            rec["pss_kib"] = f.pss().get("Pss")
                            f.poll()
                            rec["at_prompt_after_window"] = sum(1 for c in f.consoles.values() if c.prompt_t is not None)
                        out.append(rec)
                        self.checkpoint(howmany=dict(res, steps=dict(res["steps"], **{engine: out})))
                        log(f"howmany {engine} x{n}: stopped: {why}")
                        break
                    prompts = sorted(c.prompt_t for c in f.consoles.values())
                    rec["all_prompt_s"] = prompts[-1]
                    time.sleep(self.a.settle)
                    c0, t0 = f.cpu(), time.monotonic()
                    time.sleep(self.a.window)
                    rec["cores"] = (f.cpu() - c0) / (time.monotonic() - t0)
                    rec["pss_kib"] = f.pss().get("Pss")
                    rec["host_used_gib"] = fl.mem_used_kib() / 2**20
                    rec["still_all"] = f.wait(prompt_ready, 0) is None
                    out.append(rec)
                    self.checkpoint(howmany=dict(res, steps=dict(res["steps"], **{engine: out})))
                    log(f"howmany {engine} x{n}: all at the prompt in {prompts[-1]:.0f} s,"
                        f" {rec['cores'] * 100:.0f}% of a core idle, {rec['pss_kib'] / 2**20:.1f} GiB PSS,"
                        f" host {rec['host_used_gib']:.1f} GiB in use")
                    # The next step must fit: stop if it would pass the bound at this step's cost per VM.
                    nxt = [s for s in steps if s > n]
                    if nxt and rec["host_used_gib"] + (rec["pss_kib"] / n) * (nxt[0] - n) / 2**20 > self.a.mem_limit_gib:
                        rec["stopped"] = (f"the next step ({nxt[0]}) would pass {self.a.mem_limit_gib} GiB"
                                          " in use at this step's memory per VM")
                        log(f"howmany {engine}: {rec['stopped']}")
                        break
            res["steps"][engine] = out
        self.results["howmany"] = res

    # -- no regression ---------------------------------------------------------------------------

    def regress(self):
        out = os.path.join(self.a.out, "regress")
        base = self.a.baseline_mvisor
        argv = [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "run.py"),
                "--configs", "qemu,dbt", "--baseline-mvisor", base, "--workloads", "intmark,forkexec,tmpfs",
                "--rounds", str(self.a.regress_rounds), "--no-native", "--no-micro", "--no-profile", "--out", out]
        if self.a.quick:
            argv.append("--quick")
        log("regress: " + " ".join(argv[1:]))
        r = subprocess.run(argv)
        res = {"argv": argv[1:], "status": r.returncode, "baseline": self.a.baseline_rev}
        try:
            with open(os.path.join(out, "compare.json")) as f:
                res["compare"] = json.load(f)
        except (OSError, ValueError) as e:
            res["error"] = f"no compare.json ({e})"
        self.results["regress"] = res


def pct(sorted_vals, p):
    """The p-th percentile by the nearest-rank method."""
    if not sorted_vals:
        return None
    k = max(0, min(len(sorted_vals) - 1, -(-p * len(sorted_vals) // 100) - 1))
    return sorted_vals[k]


def echo_round_trips(path, n):
    """Writes one printable character at a time to a console socket and times how long until
    it comes back (the guest's tty echoes it), n times, 10-50 ms apart (random, so the writes
    fall anywhere in the guest's 4 ms tick and the host's scheduling); a Ctrl-U every 40
    characters keeps the shell's line short."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
    except OSError as e:
        return {"error": f"cannot connect to {path}: {e}"}
    s.settimeout(0.3)

    def drain():
        got = b""
        while True:
            try:
                d = s.recv(4096)
            except socket.timeout:
                return got
            if not d:
                return got
            got += d

    s.sendall(b"\x15")
    drain()
    ms = []
    lost = 0
    chars = b"abcdefghijklmnopqrstuvwxyz"
    try:
        for i in range(n):
            if i and i % 40 == 0:
                s.sendall(b"\x15")
                drain()
            ch = chars[i % len(chars):i % len(chars) + 1]
            got = b""
            s.settimeout(2.0)
            t0 = time.monotonic()
            s.sendall(ch)
            try:
                while ch not in got:
                    d = s.recv(4096)
                    if not d:
                        return {"error": "the console closed", "ms": ms}
                    got += d
                ms.append((time.monotonic() - t0) * 1000)
            except socket.timeout:
                lost += 1
            time.sleep(random.uniform(0.01, 0.05))
        s.sendall(b"\x15")
    finally:
        s.close()
    out = {"ms": ms, "lost": lost}
    if lost:
        out["error"] = f"{lost} of {n} characters not echoed within 2 s"
    return out


def main():
    root = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    b = os.environ.get("B", "build")
    quick_env = os.environ.get("BENCH_VMS_QUICK", "0") not in ("", "0")
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", default=quick_env,
                   help="small counts, short windows (default from BENCH_VMS_QUICK)")
    p.add_argument("--only", default=",".join(BENCHMARKS), help="comma-separated subset of " + ",".join(BENCHMARKS))
    p.add_argument("--rounds", type=int, help="launches per figure (default 3)")
    p.add_argument("--engines", default="mvisor,qemu", help="mvisor, qemu or both (default both)")
    p.add_argument("--density-counts", help="VM counts (default 1,2,4,8,16; quick 1,2,4)")
    p.add_argument("--idle-count", type=int, help="idle VMs for the idle cost and start rate (default 32; quick 4)")
    p.add_argument("--qemu-idle-count", type=int,
                   help="QEMU processes for its idle cost with the density benchmark, scaled to --idle-count"
                        " (default 16; quick 2)")
    p.add_argument("--howmany-steps", help="mvisor VM counts tried in turn (default 100,200; quick 4,8)")
    p.add_argument("--howmany-qemu-steps", help="QEMU process counts tried in turn (default 64; quick 4)")
    p.add_argument("--mem-limit-gib", type=int, default=20, help="stop when the host's memory in use passes this")
    p.add_argument("--howmany-mvisor-args", default="",
                   help="added to mvisor's command line in the how-many steps, e.g. '--page-sharing'")
    p.add_argument("--howmany-vm-args", default="",
                   help="added to each mvisor VM's options in the how-many steps, e.g. '-device virtio-balloon-pci'")
    p.add_argument("--howmany-step-timeout", type=float, default=600,
                   help="seconds a how-many step may take to bring every VM to the prompt (default 600)")
    p.add_argument("--fair-count", type=int, help="equal-weight busy VMs (default 16; quick 4)")
    p.add_argument("--weighted-count", type=int, default=3, help="busy VMs with the weights cycled (default 3)")
    p.add_argument("--weighted-host-cpus", type=int, default=1,
                   help="host CPUs of the weighted launch (default 1: no VM's share reaches a whole core)")
    p.add_argument("--weights", default="1,2,4")
    p.add_argument("--eighth", type=int, default=8,
                   help="the CoreMark-like loop also in the last of this many VMs, the others idle (0: not)")
    p.add_argument("--fair-host-cpus", type=int, default=2)
    p.add_argument("--host-cpus", type=int, help="--host-cpus for idle launches (default: mvisor's own)")
    p.add_argument("--latency-busy", type=int, help="busy VMs beside the idle one (default 16; quick 2)")
    p.add_argument("--latency-samples", type=int, help="echo round trips per launch (default 150; quick 40)")
    p.add_argument("--chunk", type=int, help="CoreMark-like iterations per reported round (default 5000; quick 2000)")
    p.add_argument("--window", type=float, help="idle measuring window, s (default 15; quick 5)")
    p.add_argument("--fair-window", type=float, help="throughput window, s (default 15; quick 8)")
    p.add_argument("--floor-window", type=float, help="the floor's windows, s (default 10; quick 5)")
    p.add_argument("--settle", type=float, help="seconds between reaching the prompt and measuring (default 3; quick 2)")
    p.add_argument("--boot-timeout", type=float, default=120)
    p.add_argument("--boot-timeout-per-vm", type=float, default=4)
    p.add_argument("--hz", type=int, default=250, help="the guest kernel's tick (Debian 4kc-malta: CONFIG_HZ_250)")
    p.add_argument("--regress-rounds", type=int, help="bench/run.py rounds (default 3)")
    p.add_argument("--baseline-rev", help="the previous main (default from the Makefile)")
    p.add_argument("--baseline-mvisor", help="its build")
    p.add_argument("--mem", type=int, default=256, help="guest RAM, MiB")
    p.add_argument("--cpu", default="24Kf")
    p.add_argument("--qemu", default="qemu-system-mipsel")
    p.add_argument("--mvisor", default=f"{b}/mvisor")
    p.add_argument("--kernel", default=f"{b}/guest/vmlinuz",
                   help="the guest kernel; build/guest/vmlinux.elf (the payload without its decompressor) "
                        "boots with about 40%% less host CPU")
    p.add_argument("--idle-append", default="",
                   help="more kernel command-line words for the idle VMs (mvisor and QEMU), e.g. 'nokaslr': "
                        "every VM's kernel then lies at one address and its text pages can be shared")
    p.add_argument("--initrd", default=f"{b}/initramfs.cpio.gz")
    p.add_argument("--workload-initrd", default=f"{b}/bench/workload.cpio.gz")
    p.add_argument("--wake", default=f"{b}/bench/native/wake")
    p.add_argument("--out", default=f"{b}/bench-vms")
    a = p.parse_args()
    os.chdir(root)
    q = a.quick

    def ints(s):
        return [int(x) for x in s.split(",") if x]

    a.rounds = a.rounds or 3
    a.density_counts = ints(a.density_counts or ("1,2,4" if q else "1,2,4,8,16"))
    a.idle_count = a.idle_count or (4 if q else 32)
    a.qemu_idle_count = a.qemu_idle_count or (2 if q else 16)
    a.howmany_steps = ints(a.howmany_steps or ("4,8" if q else "100,200"))
    a.howmany_qemu_steps = ints(a.howmany_qemu_steps or ("4" if q else "64"))
    a.fair_count = a.fair_count or (4 if q else 16)
    a.weights = ints(a.weights)
    a.latency_busy = a.latency_busy if a.latency_busy is not None else (2 if q else 16)
    a.latency_samples = a.latency_samples or (40 if q else 150)
    a.chunk = a.chunk or (2000 if q else 5000)
    a.window = a.window or (5 if q else 15)
    a.fair_window = a.fair_window or (8 if q else 15)
    a.floor_window = a.floor_window or (5 if q else 10)
    a.settle = a.settle if a.settle is not None else (2 if q else 3)
    a.regress_rounds = a.regress_rounds or 3
    # Absolute: a --vm-config file's relative paths are taken from the file's folder.
    for k in ("kernel", "initrd", "workload_initrd"):
        setattr(a, k, os.path.abspath(getattr(a, k)))
    a.engines = [x for x in a.engines.split(",") if x]
    if not a.engines or any(e not in ("mvisor", "qemu") for e in a.engines):
        p.error("--engines: mvisor, qemu or mvisor,qemu")
    a.only = [x for x in a.only.split(",") if x]
    for x in a.only:
        if x not in BENCHMARKS:
            p.error(f"unknown benchmark '{x}'")
    for w in a.weights:
        if w not in fl.QemuFleet.NICE_OF_WEIGHT:
            p.error(f"weight {w}: QEMU's comparison maps weights 1, 2, 4 to nice levels only")
    need = [a.mvisor, a.kernel, a.initrd, a.workload_initrd]
    if "floor" in a.only:
        need.append(a.wake)
    if "regress" in a.only:
        if not a.baseline_mvisor:
            p.error("regress needs --baseline-mvisor (make bench-vms builds it)")
        need.append(a.baseline_mvisor)
    for f in need:
        if not os.path.exists(f):
            p.error(f"{f} is missing (make bench-vms builds it)")

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    bench = Bench(a)
    os.makedirs(bench.runs, exist_ok=True)
    log(f"mvisor features: {', '.join(k for k, v in bench.features.items() if v) or 'none'}")
    for name in BENCHMARKS:
        if name in a.only:
            t = time.monotonic()
            if (name == "latency" and "fairness" in a.only) or (name == "idle" and "density" in a.only):
                continue  # measured within the fairness (density) launches
            getattr(bench, name)()
            bench.results.setdefault("elapsed_s", {})[name] = time.monotonic() - t
            bench.results["load"].append(os.getloadavg()[0])
            vmsreport.write(bench.results, a.out)  # after each, so a stopped run keeps what it measured
    log(f"done: {a.out}/summary.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
