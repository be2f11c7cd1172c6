"""The benchmark reports: markdown tables (build/bench/*.md, also printed), raw JSON, and plots.

Each cell is the median over the rounds with the range beside it; a ratio is the median of
per-round ratios (runs made side by side), so slow drift of a shared machine cancels. Nothing
is left out: configurations that cannot run say why, failed runs are listed with their reason
and counted in the cells as [ok/rounds].
"""

import json
import os
import subprocess

from . import plan, plot
from .stats import Summary, cell, num, ratio_cell

# Issue 5's and 6's targets, checked in bench/ only (never in tests): (numerator config key,
# denominator key, phase, bound, 'le' or 'ge', where the target comes from).
TARGETS = [
    ("dbt", "qemu", "banner", 0.7, "le", "issue 5"),
    ("dbt", "qemu", "userspace", 0.7, "le", "issue 5"),
    ("dbt", "qemu", "intmark", 1.0, "le", "issue 5"),
    ("dbt", "qemu", "forkexec", 0.7, "le", "issue 5"),
    ("dbt", "qemu", "tmpfs", 1.0, "le", "issue 5"),
    ("trap", "dbt", "forkexec", 3.0, "ge", "issue 6"),
]


def _git_rev():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _host():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} CPUs"


def _kernel_name(kernel):
    try:
        with open(os.path.join(os.path.dirname(kernel), "vmlinux.info")) as f:
            for line in f:
                if line.startswith("kernel="):
                    return line.split("=", 1)[1].strip()
    except OSError:
        pass
    return os.path.basename(kernel)


def cmdline(argv):
    from .launch import shell_quote
    return " ".join(shell_quote(a) for a in argv)


def values(c, phase, rounds, metric="wall"):
    """Per round: the phase's host seconds (metric 'wall') or the process's CPU seconds over it
    ('cpu'); None where the run failed or the phase has no such measure."""
    out = []
    for r in rounds:
        rec = c.rounds.get(r)
        if rec is None:
            out.append(None)
        elif metric == "cpu":
            out.append(None if phase in PROCESS_PHASES else rec.phase_cpu_s(phase))
        elif phase in PROCESS_PHASES and c.kind != "native":
            out.append(_process_value(rec.run, phase) if rec.ok else None)
        else:
            out.append(rec.phase_host_s(phase))
    return out


PROCESS_PHASES = ("wall", "cpu", "rss")


def _process_value(run, phase):
    if phase == "wall":
        return run.wall_s
    if phase == "cpu":
        return run.cpu_s
    return run.maxrss_kib / 1024 if run.maxrss_kib else None


def summary(c, phase, rounds):
    return Summary(values(c, phase, rounds), expected=len(rounds))


def paired(a, b, phase, rounds, metric="wall"):
    va, vb = values(a, phase, rounds, metric), values(b, phase, rounds, metric)
    return Summary([x / y if x is not None and y else None for x, y in zip(va, vb)], expected=len(rounds))


def guest_host(c, name, rounds):
    out = []
    for r in rounds:
        rec = c.rounds.get(r)
        if rec is None or c.kind == "native":
            out.append(None)
            continue
        if name == "boot":
            ok = rec.userspace_t is not None and rec.banner_t is not None and rec.userspace_g
            out.append(rec.userspace_g / 1e9 / (rec.userspace_t - rec.banner_t) if ok else None)
        else:
            w = rec.workloads.get(name)
            out.append(w.guest_s / w.host_s if w and w.ok and w.host_s else None)
    return Summary(out, expected=len(rounds))


def _phases(bench, native=False):
    if native:
        return ["intmark"]
    return ["banner", "userspace"] + bench.workloads + list(PROCESS_PHASES)


def _phase_title(bench, phase, wset):
    if phase in plan.PHASE_TITLES:
        return plan.PHASE_TITLES[phase]
    return f"{phase} ({bench.sets[wset][phase]} {plan.UNITS[phase]})"


def _unavail(c):
    return "n/a" if c.unavailable else None


def write_compare(bench):
    rounds = list(range(1, bench.args.rounds + 1))
    rev = _git_rev()
    L = []
    L.append(f"## mvisor vs qemu-system-mipsel: boot and workloads ({bench.started}, {rev})")
    L.append("")
    L.append(f"Host: {_host()}; load average at each round's start: "
             + ", ".join(f"{x:.2f}" for x in bench.load[:-1]) + f" (end {bench.load[-1]:.2f}).")
    size = os.path.getsize(bench.args.initrd) if os.path.exists(bench.args.initrd) else 0
    L.append(f"Guest: `{bench.args.kernel}` ({_kernel_name(bench.args.kernel)}), initramfs "
             f"`{bench.args.initrd}` ({size} bytes), CPU model `{bench.cpu}` on both machines "
             f"({'mvisor models the FPU' if bench.cpu == '24Kf' else 'mvisor has no FPU'}).")
    L.append(f"{len(rounds)} rounds{' (quick)' if bench.args.quick else ''}; every round runs each "
             "configuration once, odd rounds in the order below, even rounds reversed. Times are host "
             "seconds on the monotonic clock from console lines as they arrive: median (min–max), "
             "[ok/rounds] when some runs failed. Ratios are medians of per-round ratios.")
    L.append("")
    L.append("| configuration | runs ok | command |")
    L.append("|---|---|---|")
    for c in bench.configs:
        if c.unavailable:
            status = f"not available: {c.unavailable}"
        else:
            ok = sum(1 for r in rounds if r in c.rounds and c.rounds[r].ok)
            status = f"{ok}/{len(rounds)}"
        L.append(f"| {c.label} | {status} | `{cmdline(c.argv)}` |")
    L.append("")

    panels = []
    for wset in dict.fromkeys(c.wset for c in bench.configs):
        cs = [c for c in bench.configs if c.wset == wset]
        guests = [c for c in cs if c.kind != "native"]
        qemu = bench.config("qemu" if wset == "full" else f"qemu:{wset}")
        native = next((c for c in cs if c.kind == "native"), None)
        L.append(f"### Host seconds, {wset} set")
        L.append("")
        L.append("| phase | " + " | ".join(c.label for c in cs) + " |")
        L.append("|---|" + "---:|" * len(cs))
        for ph in _phases(bench):
            row = []
            for c in cs:
                if c.kind == "native" and ph != "intmark":
                    row.append("")
                else:
                    row.append(_unavail(c) or cell(summary(c, ph, rounds)))
            L.append(f"| {_phase_title(bench, ph, wset)} | " + " | ".join(row) + " |")
        L.append("")
        # ratios
        cols = []
        for c in guests:
            if c is not qemu:
                cols.append((f"{c.label} / qemu", c, qemu, None))
        # Between mvisor's modes on the same set (plain configurations): trap / dbt, interp / dbt, ...
        plain = [bench.config(_k(m, wset)) for m in plan.MVISOR_MODES]
        for i, a in enumerate(plain):
            for b_ in plain[:i]:
                if a and b_:
                    cols.append((f"{a.mode} / {b_.mode}", a, b_, None))
        base = bench.config(_k("dbt", wset) + "@baseline")
        if base and plain[0]:
            cols.append(("dbt / dbt (baseline build)", plain[0], base, None))
        if cols:
            L.append(f"### Ratios, {wset} set (per round)")
            L.append("")
            L.append("| phase | " + " | ".join(t for t, *_ in cols) + " |")
            L.append("|---|" + "---:|" * len(cols))
            for ph in _phases(bench):
                row = []
                for _, a, b_, only in cols:
                    if a.unavailable or b_ is None or b_.unavailable:
                        row.append("n/a")
                    else:
                        row.append(ratio_cell(paired(a, b_, ph, rounds)))
                L.append(f"| {_phase_title(bench, ph, wset)} | " + " | ".join(row) + " |")
            L.append("")
            L.append(f"### Ratios of host CPU time, {wset} set (per round)")
            L.append("")
            L.append("The monitor process's user+sys CPU seconds over each phase (read from /proc at the "
                     "markers, 10 ms resolution): less disturbed than elapsed time when other work shares "
                     "the machine.")
            L.append("")
            L.append("| phase | " + " | ".join(t for t, *_ in cols) + " |")
            L.append("|---|" + "---:|" * len(cols))
            for ph in _phases(bench):
                if ph in PROCESS_PHASES:
                    continue
                row = []
                for _, a, b_, only in cols:
                    if a.unavailable or b_ is None or b_.unavailable:
                        row.append("n/a")
                    else:
                        row.append(ratio_cell(paired(a, b_, ph, rounds, "cpu")))
                L.append(f"| {_phase_title(bench, ph, wset)} | " + " | ".join(row) + " |")
            L.append("")
        if native:
            L.append(f"### intmark against the native build (the physical limit), {wset} set")
            L.append("")
            L.append(f"`{cmdline(native.argv)}` on the host: the same source, `cc -O2`. Guest time is the "
                     "host time between the markers the program prints around its loop; native time is the same loop "
                     "timed by the program on the host's monotonic clock.")
            L.append("")
            L.append("| | " + " | ".join(f"{c.label} / native" for c in guests) + " |")
            L.append("|---|" + "---:|" * len(guests))
            L.append(f"| {_phase_title(bench, 'intmark', wset)} | "
                     + " | ".join("n/a" if c.unavailable or native.unavailable
                                  else ratio_cell(paired(c, native, "intmark", rounds)) for c in guests) + " |")
            L.append("")
        # CPU share
        L.append(f"### Monitor CPU share (host CPU seconds / elapsed seconds), {wset} set")
        L.append("")
        L.append("Near 1.00: the monitor computed all the time (QEMU's TCG and mvisor run the guest on one "
                 "thread); below 1: it slept or the host gave the CPU to other work (QEMU in the same round "
                 "tells which); above 1: other threads worked too.")
        L.append("")
        L.append("| phase | " + " | ".join(c.label for c in guests) + " |")
        L.append("|---|" + "---:|" * len(guests))
        for ph in ["userspace"] + bench.workloads:
            row = []
            for c in guests:
                if c.unavailable:
                    row.append("n/a")
                    continue
                w, u = values(c, ph, rounds), values(c, ph, rounds, "cpu")
                row.append(cell(Summary([x / y if x is not None and y else None for x, y in zip(u, w)],
                                        expected=len(rounds))))
            L.append(f"| {_phase_title(bench, ph, wset)} | " + " | ".join(row) + " |")
        L.append("")
        # guest/host
        L.append(f"### Guest-elapsed / host-elapsed, {wset} set")
        L.append("")
        L.append("The guest's CLOCK_MONOTONIC between a workload's markers over the host's; CPU-bound "
                 "workloads (all of these are) should read 1.00 ± 0.02 (issue 5). The boot row is the "
                 "guest clock at the first userspace output over the host's banner → userspace time: "
                 "the kernel's clock only starts once its timekeeping is set up, part way through the "
                 "boot, so it reads below 1; compare it between machines, not with 1.")
        L.append("")
        L.append("| interval | " + " | ".join(c.label for c in guests) + " |")
        L.append("|---|" + "---:|" * len(guests))
        for name in ["boot"] + bench.workloads:
            row = []
            for c in guests:
                if c.unavailable:
                    row.append("n/a")
                    continue
                s = guest_host(c, name, rounds)
                text = cell(s)
                if s and name != "boot" and abs(s.median - 1.0) > 0.02:
                    text += " outside 1.00±0.02"
                row.append(text)
            L.append(f"| {name} | " + " | ".join(row) + " |")
        L.append("")
        shown = [ph for ph in _phases(bench) if ph not in PROCESS_PHASES]
        groups = [{"banner": "kernel banner", "userspace": "userspace"}.get(ph, ph) for ph in shown]
        series = []
        for c in cs:
            label = c.label + (" (n/a)" if c.unavailable else "")
            series.append((label, [None if c.unavailable or (c.kind == "native" and ph != "intmark")
                                   else summary(c, ph, rounds) for ph in shown]))
        na = [c.label for c in cs if c.unavailable]
        panels.append((f"{wset} set: host seconds, median and min-max of {len(rounds)} rounds"
                       + (f"; not available: {', '.join(na)}" if na else ""), groups, series))

    L.extend(_targets(bench, rounds))
    L.extend(_profiles(bench))
    fails = []
    for c in bench.configs:
        for r in rounds:
            rec = c.rounds.get(r)
            if rec is not None and not rec.ok:
                fails.append(f"- round {r}, {c.label}: {rec.why} "
                             f"(`{os.path.join(bench.logs, c.key.replace(':', '-') + f'-r{r}.log')}`)")
    if fails:
        L.append("### Failed runs")
        L.append("")
        L.extend(fails)
        L.append("")

    png = os.path.join(bench.out, "compare.png")
    why = plot.bars(png, panels, "host seconds (log scale)", f"mvisor vs qemu-system-mipsel ({rev})")
    L.append(f"Plot: `{png}`" if why is None else f"Plot: not drawn: {why}")
    L.append("")
    text = "\n".join(L)
    with open(os.path.join(bench.out, "compare.md"), "w") as f:
        f.write(text)
    print(text)
    _dump_json(bench, rounds)


def _k(engine, wset):
    return engine if wset == "full" else f"{engine}:{wset}"


def _targets(bench, rounds):
    L = ["### Targets (bench only, never tests)", "",
         "| target | source | measured (median, per-round ratio) | status |", "|---|---|---:|---|"]
    for num_key, den_key, phase, bound, sense, src in TARGETS:
        a, b = bench.config(num_key), bench.config(den_key)
        if phase not in bench.workloads and phase not in ("banner", "userspace"):
            continue
        sym = "≤" if sense == "le" else "≥"
        name = f"{num_key} / {den_key}, {plan.PHASE_TITLES.get(phase, phase)} {sym} {bound}x"
        if a is None or b is None:
            L.append(f"| {name} | {src} | - | not in this run's configurations |")
            continue
        if a.unavailable or b.unavailable:
            who = a if a.unavailable else b
            L.append(f"| {name} | {src} | n/a | not measurable: {who.label} not available |")
            continue
        s = paired(a, b, phase, rounds)
        if not s:
            L.append(f"| {name} | {src} | - | no successful pair |")
            continue
        met = s.median <= bound if sense == "le" else s.median >= bound
        L.append(f"| {name} | {src} | {ratio_cell(s)} | {'met' if met else 'missed'} |")
    L.append("")
    return L


# Issue 6's profile targets: (flattened --profile JSON key, bound, 'le' or 'ge', what it is).
PROFILE_TARGETS = [
    ("translation_cache.total.hit_rate", 0.999, "ge", "translation-cache hit rate over boot + workloads ≥ 99.9%"),
    ("translation_cache.translate_fraction", 0.03, "le", "time translating < 3% of the run"),
]

# Rows of the derived profile table: (label, flattened key, digits).
PROFILE_ROWS = [
    ("guest instructions, kernel", "guest_insns_kernel", 4),
    ("guest instructions, user", "guest_insns_user", 4),
    ("translation-cache lookups (not chained)", "translation_cache.total.lookups", 4),
    ("jump-cache hits", "translation_cache.total.jump_cache_hits", 4),
    ("hash hits", "translation_cache.total.hash_hits", 4),
    ("translations (misses)", "translation_cache.total.translations", 4),
    ("of which re-translations of invalidated blocks", "translation_cache.total.retranslations", 4),
    ("hit rate, kernel", "translation_cache.kernel.hit_rate", 6),
    ("hit rate, user", "translation_cache.user.hit_rate", 6),
    ("hit rate, total", "translation_cache.total.hit_rate", 6),
    ("chained transfers", "translation_cache.total.chained_transfers", 4),
    ("inline jump-cache hits (jr/jalr, cross-page exits)", "translation_cache.total.indirect_jump_hits", 4),
    ("fraction of the run translating", "translation_cache.translate_fraction", 4),
    ("SMC invalidations (blocks)", "translation_cache.smc_tbs", 4),
    ("stores that overwrote translated code", "translation_cache.smc_stores", 4),
    ("stores into pages with code that overwrote none", "translation_cache.smc_spared_stores", 4),
    ("pages that then gave up all their blocks (blocks)", "translation_cache.smc_dropped_tbs", 4),
    ("jump-cache flushes by TLB writes", "translation_cache.tlb_jc_flushes", 4),
    ("full flushes", "translation_cache.full_flushes", 4),
    ("code buffer used (bytes)", "translation_cache.code_buffer_used", 4),
    ("privileged operations", "privileged_total", 4),
    ("traps", "traps_total", 4),
    ("host cycles per trap (mean)", "trap_cycles_per_trap", 4),
    ("software TLB hit rate", "memory.stlb_hit_rate", 6),
    ("guest TLB refills", "memory.guest_tlb_refills", 4),
    ("pmap lookups", "memory.pmap_lookups", 4),
]


def _profiles(bench):
    """Counters from mvisor's --profile=json:FILE, one untimed run per mvisor configuration:
    the translation cache, privileged operations (per second of the timed runs), the trap path's
    per-kind cost, memory; and issue 6's profile targets."""
    cs = [c for c in bench.configs if c.profile]
    if not cs:
        note = ("mvisor has no --profile option yet" if not bench.profile_supported
                else "skipped (--no-profile)" if bench.args.no_profile else "no profile was written")
        return ["### Profile counters", "", f"None: {note}. When `build/mvisor --help` lists `--profile`, "
                "one untimed run per mvisor configuration adds `--profile=json:FILE` and its numeric "
                "counters are tabulated here.", ""]
    rounds = list(range(1, bench.args.rounds + 1))
    L = ["### Profile (one untimed run each, `--profile=json:FILE`)", "",
         "Counted in a separate run with `--profile` (it adds counting code to translations and reads the "
         "TSC around traps), never in the timed runs above. Privileged operations per second divide the "
         "profiled count by the median process wall time of the timed runs.", "",
         "| counter | " + " | ".join(c.label for c in cs) + " |", "|---|" + "---:|" * len(cs)]
    row = []
    for c in cs:
        priv = c.profile.get("privileged_total")
        wall = summary(c, "wall", rounds)
        row.append(num(priv / wall.median, 4) if priv and wall else "")
    L.append("| privileged operations per second | " + " | ".join(row) + " |")
    mips = [num(c.profile["guest_insns"] / c.profile["_host_wall_s"] / 1e6, 4)
            if c.profile.get("guest_insns") and c.profile.get("_host_wall_s") else "" for c in cs]
    if any(mips):
        L.append("| guest MIPS over the whole profile run (profiling on) | " + " | ".join(mips) + " |")
    for label, key, digits in PROFILE_ROWS:
        vals = [num(c.profile.get(key), digits) if key in c.profile else "" for c in cs]
        L.append(f"| {label} | " + " | ".join(vals) + " |")
    L.append("")
    # the privileged operations by kind, with the trap path's cycles where it was taken
    kinds = []
    for c in cs:
        kinds += [k.split(".")[1] + ("." + k.split(".")[2] if k.count(".") == 3 else "")
                  for k in c.profile if k.startswith("privileged.") and k.endswith(".count")]
    kinds = list(dict.fromkeys(kinds))
    if kinds:
        L += [f"### Privileged operations by kind (profiled runs)", "",
              "count per configuration; for trap-and-emulate also the mean host TSC cycles from the trap's exit "
              "out of translated code to the next block entry (decode, emulation, lookup).", "",
              "| kind | " + " | ".join(c.label for c in cs)
              + "".join(f" | {c.label} cycles/trap" for c in cs if c.mode == "trap") + " |",
              "|---|" + "---:|" * (len(cs) + sum(1 for c in cs if c.mode == "trap"))]
        def count(c, k):
            return c.profile.get(f"privileged.{k}.count", 0)
        kinds.sort(key=lambda k: -max(count(c, k) for c in cs))
        for k in kinds[:40]:
            cells = [num(count(c, k), 4) for c in cs]
            cells += [num(c.profile.get(f"privileged.{k}.cycles_per_trap"), 4) for c in cs if c.mode == "trap"]
            L.append(f"| {k} | " + " | ".join(cells) + " |")
        L.append("")
    L += ["### Profile targets (issue 6)", "", "| target | " + " | ".join(c.label for c in cs) + " |",
          "|---|" + "---:|" * len(cs)]
    for key, bound, sense, what in PROFILE_TARGETS:
        cells = []
        for c in cs:
            v = c.profile.get(key)
            if v is None or (c.mode == "interp"):
                cells.append("")
                continue
            met = v >= bound if sense == "ge" else v <= bound
            cells.append(f"{num(v, 6)} {'met' if met else 'missed'}")
        L.append(f"| {what} | " + " | ".join(cells) + " |")
    L.append("")
    return L


def _dump_json(bench, rounds):
    doc = {"started": bench.started, "rev": _git_rev(), "cpu_model": bench.cpu, "quick": bench.args.quick,
           "rounds": len(rounds), "sets": bench.sets, "workloads": bench.workloads, "load": bench.load,
           "configs": []}
    for c in bench.configs:
        d = {"key": c.key, "label": c.label, "kind": c.kind, "set": c.wset, "argv": c.argv,
             "unavailable": c.unavailable, "profile": c.profile, "phases": {}, "runs": {}}
        d["phases_cpu"] = {}
        for ph in _phases(bench, c.kind == "native") + (["wall", "cpu"] if c.kind == "native" else []):
            d["phases"][ph] = summary(c, ph, rounds).as_dict()
            if ph not in PROCESS_PHASES:
                d["phases_cpu"][ph] = Summary(values(c, ph, rounds, "cpu"), expected=len(rounds)).as_dict()
        for r, rec in c.rounds.items():
            run = rec.run
            e = {"ok": rec.ok, "why": rec.why, "wall_s": run.wall_s, "cpu_s": run.cpu_s,
                 "maxrss_kib": run.maxrss_kib, "exit_status": run.exit_status, "timed_out": run.timed_out}
            if c.kind != "native":
                e.update(banner_s=rec.banner_t, userspace_s=rec.userspace_t, userspace_guest_ns=rec.userspace_g,
                         banner_cpu_s=rec.banner_cpu, userspace_cpu_s=rec.userspace_cpu, info=rec.info,
                         workloads={w.name: {"host_s": w.host_s, "cpu_s": w.cpu_s, "guest_s": w.guest_s,
                                             "ok": w.ok, "why": w.why, "result": w.result}
                                    for w in rec.workloads.values()})
            else:
                e["result"] = rec.result
            d["runs"][r] = e
        doc["configs"].append(d)
    with open(os.path.join(bench.out, "compare.json"), "w") as f:
        json.dump(doc, f, indent=1)


# -- microbenchmark ---------------------------------------------------------------------------

# How the translator (dbt/tr_cp0.c) handles each microbenchmark kind in kernel code: inline
# (a load or store of virtual CP0 state, or nothing), a callout into monitor/cp0.c, or both.
DBT_PATH = {
    "mfc0_status": "inline", "mtc0_status": "callout", "mfc0_cause": "callout", "mfc0_epc": "inline",
    "mtc0_epc": "inline", "mfc0_badvaddr": "inline", "mfc0_context": "inline", "mtc0_context": "callout",
    "mtc0_entrylo0": "inline", "mfc0_count": "callout", "mtc0_compare": "callout",
    "mtc0_entryhi_same": "callout", "mtc0_entryhi_asid": "callout", "tlbp_miss": "callout", "tlbr": "callout",
    "tlbwi": "callout", "tlbwr": "callout", "di_ei": "inline di + callout ei", "cache_hwb_d": "inline",
    "cache_hinv_i": "inline", "rdhwr_cc": "callout", "syscall_roundtrip": "exception", "eret": "callout",
    "nop": "",
}

def write_micro(bench, modes):
    rounds = list(range(1, bench.args.micro_rounds + 1))
    rev = _git_rev()
    kinds = []
    for st in modes.values():
        for rec in st["rounds"].values():
            kinds += [k for k in rec["ops"] if k not in kinds]

    def raw(mode, kind):
        out = []
        for r in rounds:
            rec = modes[mode]["rounds"].get(r)
            if rec and rec["ok"] and kind in rec["ops"]:
                ops, secs = rec["ops"][kind]
                out.append(secs / ops * 1e9)
            else:
                out.append(None)
        return out

    def net(mode, kind):
        base = raw(mode, "nop")
        return [x - b if x is not None and b is not None else None for x, b in zip(raw(mode, kind), base)]

    avail = [m for m in plan.MVISOR_MODES if not modes[m]["unavailable"]]
    L = [f"## Privileged operations: host ns per operation ({bench.started}, {rev})", "",
         f"Host: {_host()}. `{bench.args.privops}` on the bare test machine (bench/micro/privops.S): each "
         "kind runs in a loop unrolled 8 times between two console lines timed on the host; the cell is "
         "(interval / operations) minus the same for the `nop` loop, i.e. the cost beyond one ordinary "
         f"instruction: median (min–max) of {len(rounds)} rounds, modes alternating.", "",
         "| mode | status | command |", "|---|---|---|"]
    for m in plan.MVISOR_MODES:
        st = modes[m]
        if st["unavailable"]:
            status = f"not available: {st['unavailable']}"
        else:
            status = f"{sum(1 for r in st['rounds'].values() if r['ok'])}/{len(rounds)} ok"
        argv = st.get("argv") or [bench.args.mvisor, "-M", "testbench", "-m", "16", "--exec", m, "-kernel",
                                  bench.args.privops]
        L.append(f"| {m} | {status} | `{cmdline(argv)}` |")
    L.append("")
    ratio_cols = [(a, b) for a, b in (("trap", "dbt"), ("interp", "dbt"), ("interp", "trap"))
                  if a in avail and b in avail]
    ladder = "dbt" in avail and "trap" in avail
    L.append("| operation | dbt path | " + " | ".join(f"{m} ns/op" for m in plan.MVISOR_MODES)
             + "".join(f" | {a} / {b}" for a, b in ratio_cols) + (" | dbt / trap, beyond nop" if ladder else "")
             + " |")
    L.append("|---|---|" + "---:|" * (len(plan.MVISOR_MODES) + len(ratio_cols) + ladder))
    targets = []
    series = {m: [] for m in plan.MVISOR_MODES}
    for k in kinds:
        row = []
        for m in plan.MVISOR_MODES:
            if m not in avail:
                row.append("n/a")
                series[m].append(None)
                continue
            s = Summary(raw(m, k) if k == "nop" else net(m, k), expected=len(rounds))
            row.append(cell(s) + (" (raw, the baseline)" if k == "nop" else ""))
            series[m].append(Summary(raw(m, k), expected=len(rounds)))
        for a, b in ratio_cols:
            ra, rb = raw(a, k), raw(b, k)
            row.append(ratio_cell(Summary([x / y if x is not None and y else None for x, y in zip(ra, rb)],
                                          expected=len(rounds))))
        if ladder and k != "nop":
            nd, nt = net("dbt", k), net("trap", k)
            s_ = Summary([x / y if x is not None and y and y > 0 else None for x, y in zip(nd, nt)],
                         expected=len(rounds))
            row.append(ratio_cell(s_))
            if s_:
                targets.append((k, DBT_PATH.get(k, "?"), s_))
        elif ladder:
            row.append("")
        L.append(f"| {k} | {DBT_PATH.get(k, '?')} | " + " | ".join(row) + " |")
    L.append("")
    if targets:
        L += ["Target (issue 6): operations the translator emulates inline cost at most 1/10 of the trap path "
              "per operation (dbt / trap beyond the nop baseline ≤ 0.10); for callouts the ratio is reported.", "",
              "| operation | dbt path | dbt / trap beyond nop | target |", "|---|---|---:|---|"]
        for k, path, s_ in targets:
            verdict = ("met" if s_.median <= 0.10 else "missed") if path == "inline" else "reported (callout/trap)"
            L.append(f"| {k} | {path} | {ratio_cell(s_)} | {verdict} |")
        L.append("")
    L.append("Ratios between modes are of raw ns/op (nop included), per round. Kinds: `mtc0_entryhi_same` "
             "rewrites the current EntryHi, `mtc0_entryhi_asid` alternates ASIDs 1 and 2 (every write an "
             "address-space switch); `tlbp_miss` probes an unmapped VPN2; `tlbwi`/`tlbwr` write an invalid "
             "entry (tlbwr with Wired = the last index); `di_ei` and `mtc0_entryhi_asid` count each "
             "instruction of the pair; `syscall_roundtrip` is exception entry, the start-up code's "
             "handler and eret; `eret` includes the la + mtc0 EPC, mtc0 Status (EXL) and ehb that "
             "prepare it. `wait` is not measured: it would time the next interrupt, not the operation.")
    L.append("")
    png = os.path.join(bench.out, "privops.png")
    na = [m for m in plan.MVISOR_MODES if m not in avail]
    why = plot.bars(png, [("raw host ns per operation (nop = loop baseline)"
                           + (f"; not available: {', '.join(na)}" if na else ""), kinds,
                           [(m + ("" if m in avail else " (n/a)"), series[m]) for m in plan.MVISOR_MODES])],
                    "host ns per operation (log scale)", f"privileged operations by execution mode ({rev})")
    L.append(f"Plot: `{png}`" if why is None else f"Plot: not drawn: {why}")
    L.append("")
    text = "\n".join(L)
    with open(os.path.join(bench.out, "privops.md"), "w") as f:
        f.write(text)
    print(text)
    with open(os.path.join(bench.out, "privops.json"), "w") as f:
        json.dump({"started": bench.started, "rev": rev, "rounds": len(rounds),
                   "modes": {m: {"unavailable": st["unavailable"], "argv": st.get("argv"),
                                 "rounds": st["rounds"]} for m, st in modes.items()}}, f, indent=1)
