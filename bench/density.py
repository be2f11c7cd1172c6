#!/usr/bin/python3
"""make bench-density: host memory of N identical idle VMs, mvisor with and without content-based
page sharing (--page-sharing) and free-page reporting against as many qemu-system-mipsel processes
with the host's KSM on and off.

    bench/density.py                       counts 1 2 4 8 16, 3 rounds, every configuration
    bench/density.py --quick               counts 1 2 4, 1 round, short windows
    bench/density.py --counts 1,8 --configs mvisor-share,qemu-ksm
    bench/density.py --states idle,busy    also N VMs looping the CoreMark-like benchmark

Configurations:
  mvisor          N VMs in one monitor (--clone N), sharing off
  mvisor-share    the same with --page-sharing (the default rate)
  mvisor-report   the same with every VM's -device virtio-balloon-pci (free-page reporting on: the
                  guest gives free 4 MiB blocks back)
  qemu            N QEMU processes (guest RAM marked mergeable: QEMU's default mem-merge=on),
                  the host's KSM off (/sys/kernel/mm/ksm/run = 2: unmerged, stopped)
  qemu-ksm        the same with KSM on (run = 1) at the host's settings (pages_to_scan,
                  sleep_millisecs as they are: Linux defaults 100 pages every 20 ms)
Each VM: -M malta -m 256, the reference kernel and initramfs, console=ttyS0 (and --append's
words, e.g. nokaslr: one kernel layout for all), idle at the busybox prompt (state idle) or looping
the CoreMark-like benchmark of the workload initramfs (state busy, bench=intloop:--chunk; ready at
its second result line, and its rate, iterations per second of wall time and per host CPU second
of the processes over the sampling window, gives the slowdown of sharing: mvisor-share and
mvisor-report against mvisor in the same round); by default each mvisor clone draws its own seed (--seed-policy one: --seed 1 for all;
QEMU has no seed to give). After every VM shows its prompt, the host PSS of the processes
(/proc/PID/smaps_rollup: a page shared by several processes is split between them, so the sum
counts every page once) is sampled every 2 s until it settles (mvisor with or without sharing, whose
idle VMs give their translations back after --idle-trim seconds, and QEMU with KSM) (it moved less than 1% over the
last 10 s) or the window ends; the figure is the median of the last three samples, the time to
plateau the first sample within 2% of it (seconds after the last prompt). With sharing on, QMP
query-sharing gives the pages merged and the scanner's CPU time: its share of one core from the
last prompt to the plateau (merging) and over --steady-window seconds after it (steady state); for mvisor, the PSS by kind (machine memory = guest RAM and boot files, translated
code, the memmap = machine-page descriptors, the heap = brk and malloc's mappings and the
rest: block metadata, software TLBs, libraries) gives the monitor's own per-VM cost beside
the guest pages. KSM's run is put back as it was at the end.

Every figure is the median of --rounds launches (min-max beside it). Outputs in
build/bench-density/: density.md, results.json, density.png, runs/ with the console logs.
Needs root for KSM (without it the qemu-ksm configuration is skipped and says so).
"""

import argparse
import json
import os
import re
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import fleet as fl  # noqa: E402
from harness import plot  # noqa: E402
from harness.stats import Summary, median, num  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "qmp"))
from qmp_client import QMPClient  # noqa: E402

KSM = "/sys/kernel/mm/ksm"
CONFIGS = ["mvisor", "mvisor-share", "mvisor-report", "qemu", "qemu-ksm"]
SHARING = ("mvisor-share", "mvisor-report")
INTMARK = re.compile(r"^intmark iterations=(\d+) checksum=(\S+) check=(\S+)")


def keep_intmark(line):
    return line.startswith("intmark iterations=")


def log(msg):
    print(f"bench-density: {time.strftime('%H:%M:%S')} {msg}", file=sys.stderr, flush=True)


def qmp_connect(path, timeout=20):
    """tests/qmp/qmp_client.py's client once the monitor has made its socket (it may still be starting)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            q = QMPClient(path, timeout)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    q.run("qmp_capabilities")
    return q


def ksm_read(name):
    try:
        with open(os.path.join(KSM, name)) as f:
            return f.read().strip()
    except OSError:
        return None


def ksm_write(name, value):
    with open(os.path.join(KSM, name), "w") as f:
        f.write(str(value))


class Bench:
    def __init__(self, a):
        self.a = a
        self.out = a.out
        os.makedirs(os.path.join(self.out, "runs"), exist_ok=True)
        self.results = {"counts": a.counts, "configs": a.configs, "states": a.states, "rounds": a.rounds,
                        "append": a.append, "kernel": a.kernel, "runs": []}
        self.code_buffer = fl.code_buffer_bytes(a.mvisor)

    def machine(self, config, state):
        qemu = config.startswith("qemu")
        if state == "busy":
            initrd, append = self.a.workload_initrd, f"console=ttyS0 panic=-1 bench=intloop:{self.a.chunk}"
        else:
            initrd, append = self.a.initrd, "console=ttyS0"
        opts = ["-M", "malta", "-m", "256", "-kernel", self.a.kernel, "-initrd", initrd,
                "-append", " ".join([append] + self.a.append.split())]
        if config == "mvisor-report":
            opts += ["-device", "virtio-balloon-pci"]
        return opts + (["-nic", "none", "-vga", "none"] if qemu else [])

    def fleet(self, config, state, n, run_dir):
        qemu = config.startswith("qemu")
        vms = [fl.VMSpec(f"vm{i}", self.machine(config, state)) for i in range(n)]
        if qemu:
            return fl.QemuFleet(self.a.qemu, run_dir, vms), None
        extra = ["-qmp", f"unix:{run_dir}/qmp.sock,server=on,wait=off"]
        if config in SHARING:
            extra.append("--page-sharing" + (f"={self.a.rate}" if self.a.rate else ""))
        if self.a.seed_policy == "one":
            extra += ["--seed", "1"]
        return fl.MvisorFleet(self.a.mvisor, run_dir, vms, extra=extra), f"{run_dir}/qmp.sock"

    def one(self, config, state, n, rnd):
        run_dir = os.path.join(self.out, "runs", f"{config}-{state}-{n}-r{rnd}")
        if config.startswith("qemu"):
            ksm_write("run", 1 if config == "qemu-ksm" else 2)
        f, qmp_path = self.fleet(config, state, n, run_dir)
        rec = {"config": config, "state": state, "n": n, "round": rnd}
        busy = state == "busy"
        keep = keep_intmark if busy else None
        with f:
            f.start()
            ready = (lambda c: len(c.lines) >= 2) if busy else (lambda c: c.prompt_t is not None)
            why = f.wait(ready, self.a.boot_timeout * max(1, n / 2), keep=keep)
            if why:
                rec["error"] = why
                log(f"{config} x{n}: {why}")
                return rec
            prompt = f.now()
            rec["prompt_s"] = prompt
            q = qmp_connect(qmp_path) if qmp_path else None
            share0 = q.run("query-sharing") if q and config in SHARING else None
            t_share0 = time.monotonic()
            cpu0 = f.cpu()
            # mvisor settles too: an idle VM gives its translations back after --idle-trim seconds
            settle = config != "qemu"
            window = self.a.window if settle else self.a.short_window
            samples = []  # (seconds after the last prompt, PSS KiB)
            t_end = time.monotonic() + window
            while True:
                f.poll(keep)
                samples.append((f.now() - prompt, f.pss().get("Pss", 0)))
                if not f.alive():
                    rec["error"] = "a process ended"
                    break
                if settle and len(samples) >= 8:
                    recent = [p for t, p in samples if t >= samples[-1][0] - 10]
                    if max(recent) - min(recent) < 0.01 * samples[-1][1] and samples[-1][0] >= 20:
                        break
                if time.monotonic() >= t_end:
                    break
                time.sleep(2)
            f.poll(keep)
            if busy:
                rec.update(self.rate(f, prompt, f.now(), f.cpu() - cpu0))
            final = median([p for _, p in samples[-3:]])
            rec["pss_kib"] = final
            rec["samples"] = samples
            rec["plateau_s"] = next((t for t, p in samples if abs(p - final) <= 0.02 * final), None)
            if q:
                if config in SHARING:
                    s1 = q.run("query-sharing")
                    t1 = time.monotonic()
                    rec["sharing"] = s1
                    rec["scanner_cpu_share_merging"] = (s1["scanner-cpu-ns"] - share0["scanner-cpu-ns"]) / 1e9 / (t1 - t_share0)
                    # Steady state: the plateau reached, the scanner only hashes again what it saw.
                    time.sleep(self.a.steady_window)
                    s2 = q.run("query-sharing")
                    rec["scanner_cpu_share"] = (s2["scanner-cpu-ns"] - s1["scanner-cpu-ns"]) / 1e9 / (time.monotonic() - t1)
                    rec["scanned_per_s"] = (s2["pages-scanned"] - s1["pages-scanned"]) / (time.monotonic() - t1)
                rec["breakdown_kib"] = fl.mvisor_breakdown(f.pids()[0], self.code_buffer, detail=True) if f.pids() else None
                if config == "mvisor-report":
                    rec["reported_pages"] = sum(q.run("query-balloon-stats", vm=f"vm{i}").get("reported-pages", 0)
                                                for i in range(n))
                q.close()
            if config == "qemu-ksm":
                rec["ksm"] = {k: ksm_read(k) for k in ("pages_shared", "pages_sharing", "full_scans")}
        log(f"{config} {state} x{n} round {rnd}: PSS {final / 1024:.0f} MiB, plateau "
            f"{rec['plateau_s'] if rec['plateau_s'] is not None else '?'} s"
            + (f", scanner {100 * rec['scanner_cpu_share_merging']:.2f}% of a core until then, "
               f"{100 * rec['scanner_cpu_share']:.2f}% after" if "scanner_cpu_share" in rec else "")
            + (f", {rec['it_per_s']:.0f} it/s, {rec['it_per_cpu_s'] or 0:.0f} it per CPU s" if "it_per_s" in rec else ""))
        return rec

    def rate(self, f, t0, t1, cpu):
        """The VMs' CoreMark-like iterations per second of wall time and per host CPU second over
        the sampling window [t0, t1] (host seconds since launch): each VM's rate from its first to
        its last result line inside it; any result whose check failed is an error."""
        total, bad = 0.0, None
        for c in f.consoles.values():
            inside = [t for t, line in c.lines if t0 < t <= t1]
            for _, line in c.lines:
                m = INTMARK.match(line)
                if m and m.group(3) != "ok":
                    bad = f"{c.name}: {line}"
            if len(inside) >= 2:
                total += (len(inside) - 1) * self.a.chunk / (inside[-1] - inside[0])
        out = {"it_per_s": total, "it_per_cpu_s": total * (t1 - t0) / cpu if cpu > 0 else None}
        if bad:
            out["error"] = bad
        return out

    def run(self):
        ksm_was = ksm_read("run")
        if any(c.startswith("qemu") for c in self.a.configs):
            try:
                ksm_write("run", ksm_was or 0)
            except OSError as e:
                log(f"KSM cannot be switched ({e}): the QEMU configurations are skipped")
                self.a.configs = [c for c in self.a.configs if not c.startswith("qemu")]
        try:
            for rnd in range(self.a.rounds):
                for state in self.a.states:
                    for n in self.a.counts:
                        order = self.a.configs if rnd % 2 == 0 else list(reversed(self.a.configs))
                        for config in order:
                            self.results["runs"].append(self.one(config, state, n, rnd))
                            self.write()
        finally:
            if ksm_was is not None and any(c.startswith("qemu") for c in self.a.configs):
                try:
                    ksm_write("run", ksm_was)
                except OSError:
                    pass
        self.write()

    def summary(self, config, n, key, scale=1.0, state="idle"):
        vals = [r.get(key) for r in self.results["runs"]
                if r["config"] == config and r["n"] == n and r.get("state", "idle") == state]
        return Summary([v * scale if v is not None else None for v in vals])

    def ratio(self, config, n, key, state):
        """config's key over plain mvisor's in the same round, median (min-max) of the rounds."""
        rs = self.results["runs"]
        vals = []
        for r in rs:
            if r["config"] != config or r["n"] != n or r.get("state") != state or r.get(key) is None:
                continue
            base = [x for x in rs if x["config"] == "mvisor" and x["n"] == n and x.get("state") == state
                    and x["round"] == r["round"] and x.get(key)]
            if base:
                vals.append(r[key] / base[0][key])
        return Summary(vals)

    def pss_table(self, state):
        counts, configs = self.a.counts, self.a.configs
        what = "idle at the busybox prompt" if state == "idle" else "looping the CoreMark-like benchmark"
        L = [f"## Host PSS of N identical VMs {what} (-m 256), MiB", "",
             "| config | " + " | ".join(f"{n} VM{'s' if n > 1 else ''}" for n in counts) + " | N VMs / 1 VM (largest N) |",
             "|---|" + "---|" * (len(counts) + 1)]
        for c in configs:
            row, one, big = [], None, None
            for n in counts:
                s = self.summary(c, n, "pss_kib", 1 / 1024, state)
                row.append(f"{num(s.median)} ({num(s.min)}-{num(s.max)})" if s else "-")
                if s and n == counts[0]:
                    one = s.median
                if s:
                    big = s.median
            ratio = f"{big / one:.2f}x" if one and big and len(counts) > 1 else "-"
            L.append(f"| {c} | " + " | ".join(row) + f" | {ratio} |")
        return L + [""]

    def write(self):
        with open(os.path.join(self.out, "results.json"), "w") as f:
            json.dump(self.results, f, indent=1)
        counts, configs = self.a.counts, self.a.configs
        L = ["# make bench-density: host PSS of N identical VMs", "",
             f"Seeds: {'each VM its own' if self.a.seed_policy == 'own' else 'one for all (--seed 1)'}; "
             f"kernel {os.path.basename(self.a.kernel)}, extra kernel words: '{self.a.append}'. "
             f"Median (min-max) of up to {self.a.rounds} launches.", ""]
        for state in self.a.states:
            L += self.pss_table(state)
        L += ["Time from the last VM's prompt to the plateau (s), and the scanner's CPU share of one core (idle VMs):", "",
              "| config | " + " | ".join(f"{n}" for n in counts) + " |", "|---|" + "---|" * len(counts)]
        for c in SHARING + ("qemu-ksm",):
            if c in configs:
                cells = []
                for n in counts:
                    s = self.summary(c, n, "plateau_s")
                    cells.append(num(s.median) if s else "-")
                L.append(f"| {c} plateau | " + " | ".join(cells) + " |")
        for c in SHARING:
            if c not in configs:
                continue
            for key, what in (("scanner_cpu_share", "steady"), ("scanner_cpu_share_merging", "prompt to plateau")):
                cells = []
                for n in counts:
                    s = self.summary(c, n, key, 100)
                    cells.append(f"{num(s.median)}%" if s else "-")
                L.append(f"| {c} scanner CPU, {what} | " + " | ".join(cells) + " |")
        for c in SHARING:
            if c not in configs:
                continue
            L += ["", f"{c}: query-sharing at the end (last round, idle): guest pages on shared pages, on the zero page, "
                  "machine pages saved:", ""]
            for n in counts:
                rs = [r for r in self.results["runs"] if r["config"] == c and r["n"] == n and "sharing" in r
                      and r.get("state") == "idle"]
                if rs:
                    s = rs[-1]["sharing"]
                    L.append(f"- {n} VMs: {s['pages-sharing']} on {s['shared-frames']} shared pages, {s['zero-pages']} "
                             f"zero pages, {s['pages-saved']} saved ({s['pages-saved'] * 4 / 1024:.0f} MiB), "
                             f"{s['cow-breaks']} copy-on-write breaks, {s['refused']} refused"
                             + (f", {rs[-1]['reported_pages']} pages reported free by the guests"
                                if "reported_pages" in rs[-1] else ""))
        if "busy" in self.a.states:
            L += ["", "Busy VMs: CoreMark-like iterations per second (all VMs), per host CPU second, and against "
                  "mvisor without sharing in the same round (the slowdown; target: at most 2%):", "",
                  "| config | N | it/s | it per CPU s | it/s vs mvisor | it per CPU s vs mvisor |", "|---|---|---|---|---|---|"]
            for c in configs:
                for n in counts:
                    s = self.summary(c, n, "it_per_s", 1, "busy")
                    if not s:
                        continue
                    e = self.summary(c, n, "it_per_cpu_s", 1, "busy")
                    r1, r2 = self.ratio(c, n, "it_per_s", "busy"), self.ratio(c, n, "it_per_cpu_s", "busy")
                    L.append(f"| {c} | {n} | {num(s.median)} | {num(e.median) if e else '-'} | "
                             + (f"{r1.median:.3f} ({r1.min:.3f}-{r1.max:.3f})" if r1 and c.startswith("mvisor") else "-")
                             + " | " + (f"{r2.median:.3f} ({r2.min:.3f}-{r2.max:.3f})" if r2 and c.startswith("mvisor") else "-")
                             + " |")
        L += ["", "The monitor's own cost per VM beside the guest pages (PSS by kind / N, MiB; last round):", "",
              "| config | state | N | machine memory (guest RAM, boot files) | translated code | memmap | heap | "
              "other (block metadata, TLBs, libraries) |", "|---|---|---|---|---|---|---|---|"]
        for state in self.a.states:
            for c in ("mvisor",) + SHARING:
                for n in counts:
                    rs = [r for r in self.results["runs"] if r["config"] == c and r["n"] == n
                          and r.get("state") == state and r.get("breakdown_kib")]
                    if rs:
                        b = rs[-1]["breakdown_kib"]
                        L.append(f"| {c} | {state} | {n} | " + " | ".join(
                            f"{b.get(k, 0) / 1024 / n:.1f}" for k in ("machine memory", "translated code", "memmap",
                                                                       "heap", "other")) + " |")
        with open(os.path.join(self.out, "density.md"), "w") as f:
            f.write("\n".join(L) + "\n")
        panels = [(f"host PSS, MiB ({state})", [f"{n} VMs" for n in counts],
                   [(c, [self.summary(c, n, "pss_kib", 1 / 1024, state) for n in counts]) for c in configs])
                  for state in self.a.states]
        try:
            plot.bars(os.path.join(self.out, "density.png"), panels, "MiB", "make bench-density")
        except Exception as e:  # a plot that cannot be drawn must not lose the table
            log(f"plot not drawn: {e!r}")


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    b = os.path.join(root, "build")
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--counts", default=None, help="comma-separated VM counts (default 1,2,4,8)")
    p.add_argument("--configs", default=",".join(CONFIGS))
    p.add_argument("--rounds", type=int, default=None)
    p.add_argument("--rate", type=int, default=0, help="--page-sharing rate (default: mvisor's)")
    p.add_argument("--seed-policy", choices=["own", "one"], default="own")
    p.add_argument("--states", default="idle", help="idle, busy or both (comma-separated; default idle)")
    p.add_argument("--append", default="", help="words added to every VM's kernel command line (e.g. nokaslr)")
    p.add_argument("--chunk", type=int, default=2000, help="CoreMark-like iterations per result line (busy VMs)")
    p.add_argument("--window", type=float, default=None, help="seconds to wait for the plateau (sharing, KSM)")
    p.add_argument("--steady-window", type=float, default=15.0,
                   help="seconds after the plateau over which the scanner's CPU is measured")
    p.add_argument("--short-window", type=float, default=6.0, help="seconds sampled for QEMU without KSM")
    p.add_argument("--boot-timeout", type=float, default=120.0, help="seconds per 2 VMs to reach the prompt")
    p.add_argument("--mvisor", default=f"{b}/mvisor")
    p.add_argument("--qemu", default="qemu-system-mipsel")
    p.add_argument("--kernel", default=f"{b}/guest/vmlinuz")
    p.add_argument("--initrd", default=f"{b}/initramfs.cpio.gz")
    p.add_argument("--workload-initrd", default=f"{b}/bench/workload.cpio.gz")
    p.add_argument("--out", default=f"{b}/bench-density")
    a = p.parse_args()
    a.counts = [int(x) for x in (a.counts or ("1,2,4" if a.quick else "1,2,4,8,16")).split(",")]
    a.states = [x for x in a.states.split(",") if x]
    if any(x not in ("idle", "busy") for x in a.states):
        p.error("--states takes idle and busy")
    a.configs = [c for c in a.configs.split(",") if c]
    bad = [c for c in a.configs if c not in CONFIGS]
    if bad:
        p.error(f"unknown configuration {bad[0]} (one of {', '.join(CONFIGS)})")
    a.rounds = a.rounds or (1 if a.quick else 3)
    a.window = a.window or (40.0 if a.quick else 120.0)
    Bench(a).run()
    print(open(os.path.join(a.out, "density.md")).read())


if __name__ == "__main__":
    main()
