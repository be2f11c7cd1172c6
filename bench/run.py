#!/usr/bin/python3
"""mvisor's benchmark comparison: the same kernel and workload initramfs under QEMU and under
each of mvisor's execution modes, alternating, in one invocation; plus the native build of the
integer benchmark, and the privileged-operation microbenchmark on the bare test machine.

    bench/run.py                      5 rounds of: qemu, mvisor dbt, mvisor trap (full set),
                                      qemu and mvisor interp (light set), native; then privops
    bench/run.py --quick              3 rounds of smaller workloads
    bench/run.py --configs qemu,interp:full --rounds 7 --workloads intmark,forkexec

Written in Python (standard library only) rather than shell because it must timestamp console
lines as they arrive on the host's monotonic clock, kill a run's whole process group at a time
limit, read each child's own rusage (wait4), and compute medians and paired ratios.

Every time is host seconds from the console markers (bench/harness/console.py); each round
runs every configuration once, in reverse order on odd rounds, and ratios are taken between
runs of the same round. A configuration mvisor cannot run yet (it exits at once with an
"mvisor: ..." line) is reported as not available with that line; runs that fail, time out or
produce a wrong result are reported as such. Outputs under build/bench/: compare.md, .json,
.png; privops.md, .json, .png; logs/ with every console transcript.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import plan, procwl, report  # noqa: E402
from harness.console import GuestRun, parse_ops, sample_cpu  # noqa: E402
from harness.launch import run_console, shell_quote, describe_end  # noqa: E402


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


class NativeRun:
    """The host build of wl intmark. Its 'intmark' phase is the time of its loop on the host's
    monotonic clock (elapsed_ns), the interval its markers enclose in the guest."""

    def __init__(self, run, expect_iters):
        self.run = run
        self.result = {}
        for _, text in run.lines:
            if text.startswith("intmark "):
                self.result = dict(kv.split("=", 1) for kv in text.split()[1:] if "=" in kv)
        self.ok = (run.exit_status == 0 and self.result.get("check") == "ok"
                   and self.result.get("iterations") == str(expect_iters))
        self.why = "" if self.ok else f"{describe_end(run)}, result {self.result or 'missing'}"

    def phase_cpu_s(self, phase):
        return self.run.cpu_s if self.ok and phase == "intmark" else None

    def phase_host_s(self, phase):
        if not self.ok:
            return None
        return {"intmark": int(self.result["elapsed_ns"]) / 1e9, "wall": self.run.wall_s,
                "cpu": self.run.cpu_s}.get(phase)


def unavailable_reason(run):
    """mvisor refusing a configuration outright: exit 1, nothing but 'mvisor:' lines, at once."""
    if run.error:
        return run.error
    texts = [t for _, t in run.lines if t.strip()]
    if run.exit_status == 1 and run.wall_s < 15 and texts and all(t.startswith("mvisor:") for t in texts):
        return texts[0]
    return None


def flatten(obj, prefix=""):
    """Numeric leaves of a JSON document as {'a.b.c': value}."""
    out = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.update(flatten(v, f"{prefix}{k}."))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out.update(flatten(v, f"{prefix}{i}."))
    elif isinstance(obj, (int, float)) and not isinstance(obj, bool):
        out[prefix[:-1]] = obj
    return out


class Bench:
    def __init__(self, args):
        self.args = args
        self.out = args.out
        self.logs = os.path.join(self.out, "logs")
        self.sets = plan.QUICK_SETS if args.quick else plan.SETS
        self.sets = {k: dict(v) for k, v in self.sets.items()}
        for wset, wl, n in args.size:
            for s in ([wset] if wset else self.sets):
                self.sets[s][wl] = n
        self.workloads = args.workloads
        self.cpu = args.cpu or plan.probe_mvisor_cpu(args.mvisor)
        self.help = plan.mvisor_help(args.mvisor)
        self.profile_supported = "--profile" in self.help
        self.configs = []
        self.expected = {}
        self.started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
        self.load = []

    # -- configurations ------------------------------------------------------------------

    def build_configs(self):
        triples = plan.parse_configs(self.args.configs)
        sets_used = []
        for _, _, wset in triples:
            if wset not in sets_used:
                sets_used.append(wset)
        # Every set is compared with plain QEMU running that set.
        for wset in sets_used:
            if ("qemu", (), wset) not in triples:
                triples.insert([w for *_, w in triples].index(wset), ("qemu", (), wset))
        # Listed by set, in the order given, so each set's columns sit together.
        triples.sort(key=lambda t: sets_used.index(t[2]))
        for engine, opts, wset in triples:
            append = " ".join(["console=ttyS0", "panic=-1", plan.bench_append(self.sets[wset], self.workloads)]
                              + self.args.append)
            kind = "qemu" if engine == "qemu" else "mvisor"
            c = plan.Config(key=plan.config_key(engine, opts, wset), kind=kind, mode=engine, wset=wset, opts=opts,
                            argv=plan.guest_argv(engine, self.args, self.cpu, self.args.initrd, append, opts))
            self.configs.append(c)
        if self.args.baseline_mvisor:
            # The same dbt configuration with another build, for costs that need two builds to
            # see (e.g. what profiling costs when it is off): side by side like the rest.
            for c in list(self.configs):
                if c.kind == "mvisor" and c.mode == "dbt" and not c.opts:
                    argv = [self.args.baseline_mvisor] + c.argv[1:]
                    self.configs.insert(self.configs.index(c) + 1, plan.Config(
                        key=c.key + "@baseline", kind="mvisor", mode="dbt", wset=c.wset, argv=argv,
                        note="baseline"))
        if "intmark" in self.workloads and not self.args.no_native:
            for wset in sets_used:
                n = self.sets[wset]["intmark"]
                self.configs.append(plan.Config(key="native" if wset == "full" else f"native:{wset}",
                                                kind="native", mode="native", wset=wset,
                                                argv=[self.args.native_wl, "intmark", str(n)]))

    def config(self, key):
        return next((c for c in self.configs if c.key == key), None)

    # -- expected results (from the native build: an independent compiler and CPU) --------

    def compute_expected(self):
        exp = {}
        for wset in {c.wset for c in self.configs}:
            sizes = self.sets[wset]
            e = {}
            if "intmark" in self.workloads:
                r = subprocess.run([self.args.native_wl, "intmark", str(sizes["intmark"])], capture_output=True,
                                   text=True, check=True)
                want = dict(kv.split("=", 1) for kv in r.stdout.split()[1:] if "=" in kv)["checksum"]
                e["intmark"] = lambda res, want=want, n=sizes["intmark"]: (
                    None if res.get("checksum") == want and res.get("iterations") == str(n)
                    else f"checksum {res.get('checksum')} for {res.get('iterations')} iterations,"
                         f" native: {want} for {n}")
            if "tmpfs" in self.workloads:
                fill = subprocess.Popen([self.args.native_wl, "fill", str(sizes["tmpfs"]), "-"],
                                        stdout=subprocess.PIPE)
                digest = subprocess.run(["md5sum"], stdin=fill.stdout, capture_output=True, text=True,
                                        check=True).stdout.split()[0]
                fill.wait()
                e["tmpfs"] = lambda res, want=digest: (
                    None if res.get("md5") == want else f"md5 {res.get('md5')}, native fill: {want}")
            for name, key, n in (("forkexec", "ok", sizes["forkexec"]), ("syscalls", "calls", sizes["syscalls"])):
                e[name] = lambda res, key=key, n=n: (
                    None if res.get(key) == str(n) else f"{key}={res.get(key)}, expected {n}")
            if "proc" in self.workloads:
                e["proc"] = procwl.checker(sizes["proc"])
            n_pages = sizes["pagefault"] * 256  # 4 KiB pages of the guest kernel
            e["pagefault"] = lambda res, n=n_pages: (
                None if res.get("pages") == str(n) else f"pages={res.get('pages')}, expected {n}")
            exp[wset] = e
        self.expected = exp

    # -- running -------------------------------------------------------------------------

    def run_one(self, c, rnd):
        path = os.path.join(self.logs, f"{c.key.replace(':', '-')}-r{rnd}.log")
        if c.kind == "native":
            run = run_console(c.argv, self.args.timeout_native, path)
            rec = NativeRun(run, self.sets[c.wset]["intmark"])
            log(f"round {rnd} {c.label}: {'ok' if rec.ok else 'FAILED ' + rec.why}, {run.wall_s:.2f} s")
            return rec
        timeout = self.args.timeout * (self.args.interp_timeout_factor if c.mode == "interp" else 1)
        run = run_console(c.argv, timeout, path, done_marker="@@done", sample=sample_cpu)
        if rnd == 1 and c.kind == "mvisor":
            why = unavailable_reason(run)
            if why:
                c.unavailable = why
                log(f"{c.label}: not available: {why}")
                return None
        g = GuestRun(run, self.workloads)
        g.check(self.expected[c.wset])
        g.ok = g.done and run.exit_status == 0 and all(w.ok for w in g.workloads.values())
        g.why = self.failure(g)
        log(f"round {rnd} {c.label}: {'ok' if g.ok else 'FAILED: ' + g.why}, {run.wall_s:.1f} s"
            + (f" (userspace at {g.userspace_t:.2f} s)" if g.userspace_t else ""))
        return g

    @staticmethod
    def failure(g):
        r = g.run
        if r.error:
            return r.error
        parts = []
        if r.timed_out:
            where = ("before the kernel banner" if g.banner_t is None else
                     "before userspace" if g.userspace_t is None else
                     "after the workloads (no power-off)" if g.done else "during the workloads")
            parts.append(f"timed out {where} after {r.wall_s:.0f} s")
        elif r.exit_status != 0:
            parts.append(describe_end(r))
        elif not g.done:
            parts.append("exited before finishing the workloads")
        for w in g.workloads.values():
            if not w.ok and (w.host_s is not None or g.done or not parts):
                parts.append(f"{w.name}: {w.why}")
        if not parts and not g.done:
            parts.append("no @@done")
        return "; ".join(parts)

    def run_rounds(self):
        for rnd in range(1, self.args.rounds + 1):
            order = self.configs if rnd % 2 else list(reversed(self.configs))
            self.load.append(os.getloadavg()[0])
            for c in order:
                if c.unavailable:
                    continue
                rec = self.run_one(c, rnd)
                if rec is not None:
                    c.rounds[rnd] = rec
        self.load.append(os.getloadavg()[0])

    def run_profiles(self):
        """One untimed run per available mvisor configuration with --profile=json:FILE: the hook
        for translation-cache hit rates and privileged-operation counts (issue 6). Untimed because
        profiling may cost time; the tables' timings never come from these runs."""
        if not self.profile_supported or self.args.no_profile:
            return
        for c in self.configs:
            if c.kind != "mvisor" or c.unavailable or c.note:
                continue
            path = os.path.join(self.logs, f"{c.key.replace(':', '-')}-profile.json")
            if os.path.exists(path):
                os.remove(path)
            argv = c.argv + [f"--profile=json:{path}"]
            timeout = self.args.timeout * (self.args.interp_timeout_factor if c.mode == "interp" else 1)
            run = run_console(argv, timeout, path[:-5] + ".log", done_marker="@@done")
            try:
                with open(path) as f:
                    c.profile = flatten(json.load(f))
                c.profile["_host_wall_s"] = run.wall_s
                log(f"{c.label}: profile with {len(c.profile) - 1} counters")
            except (OSError, ValueError) as e:
                log(f"{c.label}: no profile ({describe_end(run)}; {e})")

    # -- microbenchmark ------------------------------------------------------------------

    def run_micro(self):
        modes = {m: {"rounds": {}, "unavailable": None} for m in plan.MVISOR_MODES}
        elf = self.args.privops
        for rnd in range(1, self.args.micro_rounds + 1):
            order = plan.MVISOR_MODES if rnd % 2 else list(reversed(plan.MVISOR_MODES))
            for m in order:
                st = modes[m]
                if st["unavailable"]:
                    continue
                argv = [self.args.mvisor, "-M", "testbench", "-m", "16", "--exec", m, "-kernel", elf]
                st["argv"] = argv
                run = run_console(argv, self.args.timeout, os.path.join(self.logs, f"privops-{m}-r{rnd}.log"))
                if rnd == 1:
                    why = unavailable_reason(run)
                    if why:
                        st["unavailable"] = why
                        log(f"privops {m}: not available: {why}")
                        continue
                ops = parse_ops(run)
                ok = run.exit_status == 0 and "nop" in ops
                st["rounds"][rnd] = {"ok": ok, "ops": ops, "end": describe_end(run)}
                log(f"privops round {rnd} {m}: {'ok' if ok else 'FAILED: ' + describe_end(run)}, {run.wall_s:.2f} s")
        return modes


def main():
    root = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    b = os.environ.get("B", "build")
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", default=os.environ.get("BENCH_QUICK", "0") not in ("", "0"),
                   help="3 rounds of smaller workloads (default from BENCH_QUICK)")
    p.add_argument("--rounds", type=int, help="alternating rounds (default 5, quick 3)")
    p.add_argument("--configs", default=plan.DEFAULT_CONFIGS,
                   help="ENGINE[+OPTION...][:SET],...; engines qemu dbt trap interp, sets full light,"
                        " +OPTION one more command-line word (e.g. dbt+--no-chain)"
                        f" (default {plan.DEFAULT_CONFIGS}; interp defaults to light)")
    p.add_argument("--workloads", default=",".join(plan.DEFAULT_WORKLOADS),
                   help="subset of " + ",".join(plan.WORKLOADS) + " (default " + ",".join(plan.DEFAULT_WORKLOADS)
                        + "; proc needs --initrd build/bench/proc.cpio.gz)")
    p.add_argument("--size", action="append", default=[], metavar="[SET.]WORKLOAD=N",
                   help="override a workload size, e.g. light.intmark=3000")
    p.add_argument("--append", action="append", default=[], help="more kernel command-line words")
    p.add_argument("--mvisor-opt", action="append", default=[], help="more options for every mvisor run")
    p.add_argument("--cpu", help="CPU model for both machines (default: 24Kf if mvisor accepts it, else 24Kc)")
    p.add_argument("--timeout", type=float, default=600, help="seconds per guest run (default 600)")
    p.add_argument("--interp-timeout-factor", type=float, default=3, help="timeout multiplier for interp")
    p.add_argument("--timeout-native", type=float, default=300)
    p.add_argument("--no-native", action="store_true")
    p.add_argument("--no-compare", action="store_true", help="only the microbenchmark")
    p.add_argument("--no-micro", action="store_true", help="no privileged-operation microbenchmark")
    p.add_argument("--micro-rounds", type=int, help="microbenchmark rounds (default: --rounds)")
    p.add_argument("--no-profile", action="store_true", help="skip the untimed --profile runs")
    p.add_argument("--baseline-mvisor", metavar="BIN",
                   help="also run every plain dbt configuration with this other mvisor build (ratio dbt / baseline)")
    p.add_argument("--qemu", default="qemu-system-mipsel")
    p.add_argument("--mvisor", default=f"{b}/mvisor")
    p.add_argument("--kernel", default=f"{b}/guest/vmlinuz")
    p.add_argument("--initrd", default=f"{b}/bench/workload.cpio.gz")
    p.add_argument("--native-wl", default=f"{b}/bench/native/wl")
    p.add_argument("--privops", help="the microbenchmark ELF (default: the one make bench builds)")
    p.add_argument("--out", default=f"{b}/bench")
    args = p.parse_args()
    os.chdir(root)
    args.rounds = args.rounds or (3 if args.quick else 5)
    args.micro_rounds = args.micro_rounds or args.rounds
    # The Makefile's names: Count ticks per kind are part of the file name.
    args.privops = args.privops or f"{b}/bench/micro/privops-{2000000 if args.quick else 10000000}.elf"
    args.workloads = [w for w in args.workloads.split(",") if w]
    for w in args.workloads:
        if w not in plan.WORKLOADS:
            p.error(f"unknown workload '{w}'")
    sizes = []
    for ov in args.size:
        name, _, n = ov.partition("=")
        wset, _, wl = name.rpartition(".")
        if (wset and wset not in plan.SETS) or wl not in plan.WORKLOADS or not n.isdigit() or int(n) == 0:
            p.error(f"--size {ov}: want [SET.]WORKLOAD=N with SET in {', '.join(plan.SETS)}, WORKLOAD in "
                    f"{', '.join(plan.WORKLOADS)} and N a positive integer")
        sizes.append((wset, wl, int(n)))
    args.size = sizes
    # The native build computes intmark's and tmpfs's expected results (and is intmark's limit).
    native = not args.no_compare and {"intmark", "tmpfs"} & set(args.workloads)
    need = [args.mvisor, args.kernel] + ([] if args.no_compare else [args.initrd]) + ([args.native_wl] if native else [])
    need += [] if args.no_micro else [args.privops]
    for f in need:
        if not os.path.exists(f):
            p.error(f"{f} is missing (make bench builds it)")

    # A stopped benchmark must not leave a guest running: SIGTERM unwinds like Ctrl-C, and the
    # launcher kills the current child's process group on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    bench = Bench(args)
    try:
        bench.build_configs()
    except ValueError as e:
        p.error(str(e))
    os.makedirs(bench.logs, exist_ok=True)
    log(f"CPU model for both machines: {bench.cpu}")
    if not args.no_compare:
        bench.compute_expected()
        for c in bench.configs:
            log(f"{c.label}: {' '.join(shell_quote(a) for a in c.argv)}")
        bench.run_rounds()
        bench.run_profiles()
        report.write_compare(bench)
    if not args.no_micro:
        modes = bench.run_micro()
        report.write_micro(bench, modes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
