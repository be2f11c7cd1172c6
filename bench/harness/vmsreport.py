"""make bench-vms's report: markdown tables per benchmark and a summary.md holding them all, the
raw results as JSON, and PNG plots through gnuplot (the .dat and .gp stay beside each PNG).

A cell is 'median (min–max)' over the rounds, with [ok/rounds] when launches failed; a ratio or
a slope is computed within each round first, then summarised. Targets are those of the issue
that introduced many VMs per monitor; a target line says met or missed, never hides a miss.
"""

import json
import os
import shutil
import subprocess

from .report import _git_rev, _host, cmdline
from .stats import Summary, cell, num

MIB = 1024.0


def _s(vals, expected=None):
    return Summary(vals, expected=expected)


def _get(d, *path):
    for p in path:
        if isinstance(d, dict) and p not in d and str(p) in d:
            p = str(p)  # read back from JSON: numeric keys became strings
        if not isinstance(d, dict) or p not in d:
            return None
        d = d[p]
    return d


def _ok(rec):
    return isinstance(rec, dict) and not rec.get("error")


def lsq_slope(xs, ys):
    """Least-squares slope and intercept of y on x (None with fewer than two points)."""
    pts = [(x, y) for x, y in zip(xs, ys) if y is not None]
    if len(pts) < 2:
        return None, None
    n = len(pts)
    mx = sum(x for x, _ in pts) / n
    my = sum(y for _, y in pts) / n
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    if sxx == 0:
        return None, None
    k = sum((x - mx) * (y - my) for x, y in pts) / sxx
    return k, my - k * mx


def jain(xs):
    xs = [x for x in xs if x is not None]
    if not xs or not any(xs):
        return None
    return sum(xs) ** 2 / (len(xs) * sum(x * x for x in xs))


def pct(vals, p):
    v = sorted(vals)
    if not v:
        return None
    k = max(0, min(len(v) - 1, -(-p * len(v) // 100) - 1))
    return v[k]


def capped_shares(weights, capacity):
    """Each VM's expected host CPU under weighted fair sharing of `capacity` cores when no VM
    can use more than one (it has one vCPU): weights' shares, with any VM above one core held at
    one and the rest shared again among the others (water-filling)."""
    alloc = {}
    free = dict(weights)
    cap = float(capacity)
    while free:
        tot = sum(free.values())
        over = {k: w for k, w in free.items() if cap * w / tot > 1.0}
        if not over:
            alloc.update({k: cap * w / tot for k, w in free.items()})
            break
        for k in over:
            alloc[k] = 1.0
            cap -= 1.0
            del free[k]
    return alloc


TARGETS = []  # (benchmark, target, measured, verdict), filled by the sections as they are written


def verdict(ok):
    return "—" if ok is None else ("met" if ok else "missed")


def target(bench, what, measured, ok):
    TARGETS.append((bench, what, measured, verdict(ok)))
    return verdict(ok)


# -- gnuplot -----------------------------------------------------------------------------------

def _q(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


COLOURS = {"mvisor": "#2e9d6f", "qemu": "#9c4dcc"}


def gnuplot(png, script, datasets):
    """datasets: {filename suffix: rows}; script lines may name them as {suffix}."""
    if not shutil.which("gnuplot"):
        return "gnuplot is not installed (scripts/install-deps.sh installs gnuplot-nox)"
    base = os.path.splitext(png)[0]
    names = {}
    for suffix, rows in datasets.items():
        path = f"{base}-{suffix}.dat"
        with open(path, "w") as f:
            for row in rows:
                f.write(" ".join(_q(c) if isinstance(c, str) else ("?" if c is None else repr(c)) for c in row) + "\n")
        names[suffix] = _q(path)
    gp = [f"set terminal pngcairo size 1000,600 font 'sans,10'", f"set output {_q(png)}",
          "set datafile missing '?'", "set grid", "set key left top noenhanced"]
    gp += [line.format(**names) for line in script]
    with open(base + ".gp", "w") as f:
        f.write("\n".join(gp) + "\n")
    r = subprocess.run(["gnuplot", base + ".gp"], capture_output=True, text=True)
    if r.returncode != 0:
        return "gnuplot failed: " + (r.stderr.strip().splitlines() or ["?"])[-1]
    return None


# -- density -----------------------------------------------------------------------------------

def density(res, out):
    counts = res["counts"]
    rounds = res["rounds"]
    R = len(rounds)
    L = ["## Density: host memory of N idle VMs", "",
         f"Proportional set size (`/proc/PID/smaps_rollup` Pss, summed over the processes) of N VMs idle at the "
         f"busybox prompt (`-m 256`, measured a few seconds after the last prompt): one "
         "mvisor monitor holding N VMs (a launch per N) against N `qemu-system-mipsel` processes (one series "
         "per round adding processes up to each N, measured when all are at the prompt), in the same round. "
         "MiB, median (min–max) of the rounds; ratio mvisor / QEMU per round.", "",
         "| VMs | mvisor PSS MiB | QEMU PSS MiB | mvisor / QEMU |", "|---:|---:|---:|---:|"]
    per = {}
    extra = res.get("extra_mvisor")
    for n in counts + ([extra] if extra and extra not in counts else []):
        m = [_get(r, "mvisor", n, "pss_kib") for r in rounds]
        q = [_get(r, "qemu", n, "pss_kib") for r in rounds]
        per[n] = (m, q)
        if n not in counts:  # mvisor's idle launch: no QEMU beside it at this count
            L.append(f"| {n} (the idle launch) | {cell(_s([x / MIB if x else None for x in m]))} | — | — |")
            continue
        L.append(f"| {n} | {cell(_s([x / MIB if x else None for x in m]))} | {cell(_s([x / MIB if x else None for x in q]))} "
                 f"| {cell(_s([a / b if a and b else None for a, b in zip(m, q)]), 'x')} |")
    slopes = {"mvisor": [], "qemu": []}
    icpt = {"mvisor": [], "qemu": []}
    for i, r in enumerate(rounds):
        for e in slopes:
            k, c = lsq_slope(counts, [(_get(r, e, n, "pss_kib") or 0) / MIB or None for n in counts])
            slopes[e].append(k)
            icpt[e].append(c)
    sm, sq = _s(slopes["mvisor"]), _s(slopes["qemu"])
    L += ["", f"Cost per added VM: the least-squares slope of PSS over N = {', '.join(map(str, counts))}, per round.", "",
          "| | mvisor | QEMU |", "|---|---:|---:|",
          f"| slope, MiB per VM | {cell(sm)} | {cell(sq)} |",
          f"| intercept, MiB | {cell(_s(icpt['mvisor']))} | {cell(_s(icpt['qemu']))} |",
          f"| mvisor / QEMU slope | {cell(_s([a / b if a and b else None for a, b in zip(slopes['mvisor'], slopes['qemu'])]), 'x')} | |",
          "", f"Target: mvisor's slope ≤ 100 MiB per VM: **{target('density', 'slope ≤ 100 MiB per added VM', cell(sm, ' MiB'), sm.median <= 100 if sm else None)}**"
          + (f" ({num(sm.median)} MiB)." if sm else "."), ""]
    # Where mvisor's memory goes.
    kinds = ["machine memory", "translated code", "other"]
    if any(_get(r, "mvisor", n, "breakdown_kib") for r in rounds for n in counts):
        L += ["mvisor's PSS by mapping (`/proc/PID/smaps`): *machine memory* is the memfd pool (guest RAM "
              "touched, and the boot file cache shared by VMs booting the same kernel and initrd), *translated "
              "code* the code-buffer mappings (one per VM, `--code-buffer` sized), *other* the rest (block "
              "metadata, software TLBs, heap, libraries). MiB per VM, median of the rounds.", "",
              "| VMs | " + " | ".join(kinds) + " | total |", "|---:|" + "---:|" * (len(kinds) + 1)]
        for n in per:
            row = []
            for k in kinds + ["total"]:
                vals = []
                for r in rounds:
                    b = _get(r, "mvisor", n, "breakdown_kib")
                    if b:
                        vals.append((sum(b.values()) if k == "total" else b[k]) / MIB / n)
                row.append(cell(_s(vals, R)))
            L.append(f"| {n} | " + " | ".join(row) + " |")
        L.append("")
    # Plot: PSS against N with the range as error bars, and each engine's median fit.
    rows = []
    for n in per:
        m, q = per[n]
        sm_, sq_ = _s([x / MIB if x else None for x in m]), _s([x / MIB if x else None for x in q])
        rows.append([n] + ([sm_.median, sm_.min, sm_.max] if sm_ else [None] * 3)
                    + ([sq_.median, sq_.min, sq_.max] if sq_ else [None] * 3))
    script = ["set title 'Host PSS of N idle 256 MiB VMs (median, min-max)' noenhanced",
              "set xlabel 'VMs'", "set ylabel 'PSS, MiB'", "set yrange [0:*]", "set xrange [0:*]",
              "set xtics (" + ", ".join(str(n) for n in counts) + ")",
              f"plot {{d}} using 1:2:3:4 with yerrorlines lc rgb '{COLOURS['mvisor']}' lw 2 title "
              f"'mvisor, one monitor (slope {num(sm.median) if sm else '-'} MiB/VM)', "
              f"{{d}} using 1:5:6:7 with yerrorlines lc rgb '{COLOURS['qemu']}' lw 2 title "
              f"'qemu-system-mipsel, one process each (slope {num(sq.median) if sq else '-'} MiB/VM)'"]
    why = gnuplot(os.path.join(out, "density.png"), script, {"d": rows})
    L += [f"Plot: `density.png`" + (f" (not drawn: {why})" if why else ""), ""]
    return L, {"slope_mvisor": sm.as_dict(), "slope_qemu": sq.as_dict()}


# -- idle cost, floor, start rate ----------------------------------------------------------------

def floor_summary(fres):
    if not fres:
        return None
    return _s([r.get("floor_cores") for r in fres.get("rounds", [])], len(fres.get("rounds", [])))


def floor_table(fres):
    rs = fres.get("rounds", [])
    if fres.get("error"):
        return [f"## The idle floor", "", f"Not measured: {fres['error']}", ""]
    R = len(rs)
    L = ["## The idle floor (one VM)", "",
         "What an idle VM must cost at least: the guest's own instructions at the prompt (one VM with "
         "`--profile`, two SIGUSR1 dumps a window apart: the guest instruction counter's difference per "
         "second) times the host CPU per guest instruction of translated code (the CoreMark-like loop, one VM "
         "alone, no profiling: host CPU seconds over the window / (iterations × guest instructions per "
         "iteration); instructions per iteration from two `--stats --deterministic` runs of different length), "
         f"plus {fres.get('hz')} host wake-ups per second (the guest's tick) at the cost of one, measured each "
         f"round by `{cmdline(fres.get('wake_argv') or ['wake'])}` (a process that only sleeps to 4 ms deadlines: "
         "its own CPU time per wake-up).", "",
         "| | median (min–max) |", "|---|---:|",
         f"| guest instructions per idle second, millions | {cell(_s([r['idle_ips'] / 1e6 if r.get('idle_ips') else None for r in rs], R))} |",
         f"| guest instructions per CoreMark-like iteration | {num(fres.get('insns_per_iteration'), 5)} |",
         f"| host ns per guest instruction (translated loop) | {cell(_s([r.get('ns_per_insn') for r in rs], R))} |",
         f"| host µs per wake-up | {cell(_s([r['wake_ns'] / 1e3 if r.get('wake_ns') else None for r in rs], R))} |",
         f"| floor, % of a core per idle VM | {cell(_s([r['floor_cores'] * 100 if r.get('floor_cores') and r.get('wake_ns') else None for r in rs], R))} |",
         f"| of which the guest's instructions, % of a core | {cell(_s([r['idle_ips'] * r['ns_per_insn'] / 1e7 if r.get('floor_cores') and r.get('wake_ns') else None for r in rs], R))} |",
         f"| of which the wake-ups, % of a core | {cell(_s([fres.get('hz', 250) * r['wake_ns'] / 1e7 if r.get('floor_cores') and r.get('wake_ns') else None for r in rs], R))} |",
         f"| measured, one idle VM with `--profile` on, % of a core | {cell(_s([r['idle_cores_profiled'] * 100 if r.get('idle_cores_profiled') else None for r in rs], R))} |",
         ""]
    errs = [r["error"] for r in rs if r.get("error")]
    if errs:
        L += [f"Failed rounds: {'; '.join(errs)}", ""]
    return L


def idle(res, fres, out, dres=None):
    rounds = res["rounds"]
    n = res["count"]
    R = len(rounds)
    nq = res.get("qemu_count") or n
    m = [_get(r, "mvisor", "cores") if _ok(_get(r, "mvisor")) else None for r in rounds]
    # QEMU measured with nq processes, scaled to n (each process idles on its own).
    q = [_get(r, "qemu", "cores") * n / nq if _ok(_get(r, "qemu")) else None for r in rounds]
    fl = floor_summary(fres)
    floor_n = fl.median * n if fl else None
    ratio_q = _s([a / b if a and b else None for a, b in zip(m, q)], R)
    ratio_f = _s([a / floor_n if a and floor_n else None for a in m], R)
    L = ["## Idle cost", "",
         f"Host CPU (utime + stime of the processes, `/proc/PID/stat`) of {n} VMs idle at the busybox prompt over "
         f"{res['window_s']:.0f} s, in % of one host core: one mvisor monitor against {n} "
         "`qemu-system-mipsel` processes, same round"
         + (f" (QEMU measured with {nq} processes, those of the density series, and scaled × {n / nq:g}: "
            f"idle QEMUs are independent processes, and booting {n} of them every round would cost more "
            "host CPU than the shared machine can spare)" if nq != n else "")
         + f". The floor is the one-VM floor times {n}.", "",
         "| | mvisor | QEMU | floor |", "|---|---:|---:|---:|",
         f"| {n} VMs, % of a core | {cell(_s([x * 100 if x else None for x in m], R))} | "
         f"{cell(_s([x * 100 if x else None for x in q], R))} | {num(floor_n * 100) if floor_n else '-'} |",
         f"| per VM, % of a core | {cell(_s([x * 100 / n if x else None for x in m], R))} | "
         f"{cell(_s([x * 100 / n if x else None for x in q], R))} | {num(fl.median * 100) if fl else '-'} |",
         f"| {n} VMs, PSS MiB | {cell(_s([_get(r, 'mvisor', 'pss_kib') / MIB if _get(r, 'mvisor', 'pss_kib') else None for r in rounds], R))} | "
         f"{cell(_s([_get(r, 'qemu', 'pss_kib') / MIB * n / nq if _get(r, 'qemu', 'pss_kib') else None for r in rounds], R))}"
         f"{' (scaled)' if nq != n else ''} | |",
         "", "| target | measured (per round) | status |", "|---|---:|---|",
         (f"| mvisor ≤ 1.5 × the floor | {cell(ratio_f, 'x')} | {target('idle', f'{n} idle VMs ≤ 1.5 × the floor', cell(ratio_f, 'x'), ratio_f.median <= 1.5 if ratio_f else None)} |"
          if fl else "| mvisor ≤ 1.5 × the floor | the floor was not measured in this run | — |"),
         f"| mvisor ≤ 0.2 × QEMU | {cell(ratio_q, 'x')} | {target('idle', f'{n} idle VMs ≤ 0.2 × {n} QEMUs', cell(ratio_q, 'x'), ratio_q.median <= 0.2 if ratio_q else None)} |", ""]
    qstart = nq == n
    L += ["## Start rate", "",
          f"{n} VMs launched at once (one monitor with {n} VMs"
          + (f"; {n} QEMU processes started back to back" if qstart else "") + "): host "
          "seconds from the launch until each VM's console shows the shell prompt; the rate is VMs at the prompt "
          "per second of the last one." + ("" if qstart else " QEMU's processes were started in steps (density), "
                                          "so it has no figure here; one VM alone is in the next table."), "",
          "| | mvisor | QEMU |", "|---|---:|---:|"]
    for key, title in (("first_prompt_s", "first at the prompt, s"), ("median_prompt_s", "median VM at the prompt, s"),
                       ("all_prompt_s", f"all {n} at the prompt, s"), ("start_rate", "VMs at the prompt per second")):
        L.append(f"| {title} | {cell(_s([_get(r, 'mvisor', key) for r in rounds], R))} | "
                 f"{cell(_s([_get(r, 'qemu', key) for r in rounds], R)) if qstart else '—'} |")
    L.append("")
    if dres:
        L += ["One VM launched alone (the density benchmark's N = 1): host seconds until its prompt.", "",
              "| | mvisor | QEMU |", "|---|---:|---:|",
              f"| one VM at the prompt, s | {cell(_s([_get(r, 'mvisor', 1, 'prompt_s') for r in dres['rounds']]))} | "
              f"{cell(_s([_get(r, 'qemu', 1, 'prompt_s') for r in dres['rounds']]))} |", ""]
    errs = [f"{e} round {i + 1}: {_get(r, e, 'error')}" for i, r in enumerate(rounds) for e in ("mvisor", "qemu")
            if _get(r, e, "error")]
    if errs:
        L += ["Failed: " + "; ".join(errs), ""]
    return L


# -- how many ---------------------------------------------------------------------------------------

def howmany(res, out):
    L = ["## How many idle VMs", "",
         f"Idle 256 MiB VMs launched at once in increasing steps (a fresh launch per step), until one does not "
         f"bring every VM to the prompt, or the host's memory in use (MemTotal − MemAvailable, every process on "
         f"the machine) would pass {res['mem_limit_gib']} GiB (the step is not started when this step's memory "
         "per VM says the next would pass it; a launch passing it is stopped). CPU over "
         f"{res['window_s']:.0f} s once all are at the prompt. One launch per step (not a median: each step "
         "boots every VM again).", "",
         "| engine | VMs | at the prompt | all at the prompt after, s | host CPU, % of a core | PSS GiB | host memory in use, GiB | note |",
         "|---|---:|---:|---:|---:|---:|---:|---|"]
    best = {}
    for engine, steps in res["steps"].items():
        for s in steps:
            ok = not s.get("error")
            if ok and s.get("still_all", True):
                best[engine] = max(best.get(engine, 0), s["count"])
            at = str(s.get('at_prompt', '-'))
            if s.get("at_prompt_after_window") is not None:
                at += f" ({s['at_prompt_after_window']} after the CPU window)"
            L.append(f"| {engine} | {s['count']} | {at} | {num(s.get('all_prompt_s'))} | "
                     f"{num(s['cores'] * 100) if s.get('cores') is not None else '-'} | "
                     f"{num(s['pss_kib'] / 2**20) if s.get('pss_kib') else '-'} | {num(s.get('host_used_gib'))} | "
                     f"{s.get('error') or s.get('stopped') or ''} |")
    bm = best.get("mvisor", 0)
    L += ["", f"Most VMs at the prompt together: mvisor {bm} in one monitor, QEMU {best.get('qemu', 0)} processes. "
          f"Target ≥ 200 in one monitor: **{target('howmany', '≥ 200 idle 256 MiB VMs in one monitor', str(bm), bm >= 200)}**.", ""]
    data = {e: sorted([s["count"], s["cores"] * 100, s["pss_kib"] / 2**20] for s in steps
                      if s.get("cores") is not None and s.get("pss_kib"))
            for e, steps in res["steps"].items()}
    if any(data.values()):
        data = {e: rows or [[None, None, None]] for e, rows in data.items()}
        plots = lambda col: ", ".join(
            f"{{{e}}} using 1:{col} with linespoints lc rgb '{COLOURS[e]}' lw 2 pt 7 title '{e}'" for e in data)
        script = ["set multiplot layout 1,2 title 'Idle 256 MiB VMs (one launch per step)' noenhanced",
                  "set xlabel 'VMs'", "set ylabel '% of one host core'", "set yrange [0:*]", "set xrange [0:*]",
                  "plot " + plots(2), "set ylabel 'PSS, GiB'", "plot " + plots(3), "unset multiplot"]
        why = gnuplot(os.path.join(out, "howmany.png"), script, data)
        L += [f"Plot: `howmany.png`" + (f" (not drawn: {why})" if why else ""), ""]
    return L, bm


# -- fairness ---------------------------------------------------------------------------------------

def fairness(res, out):
    rounds = res["rounds"]
    R = len(rounds)
    hc = res["host_cpus"]
    L = ["## Fairness", "",
         f"VMs looping the CoreMark-like benchmark (`bench=intloop:{res['chunk']}`: `wl intmark {res['chunk']}` again "
         f"and again, one result line each); a VM's throughput is iterations per second between the first and "
         f"the last result line its console shows inside a {res['window_s']:.0f} s window (host timestamps as the "
         f"lines appear). mvisor: one monitor, `--host-cpus {hc}`; QEMU: one process per VM on the same host "
         f"({os.cpu_count()} CPUs). *Alone*: one VM by itself (one vCPU, so at most one core). Jain's index "
         "(Σx)² / (n Σx²) is 1 for equal shares.", "",
         "| | mvisor | QEMU |", "|---|---:|---:|"]
    res_out = {}

    def col(engine, f):
        return cell(_s([f(_get(r, engine)) if _get(r, engine) else None for r in rounds], R))

    def ok(e, k):
        return _ok(_get(e, k)) and _get(e, k, "vms")

    def solo(e):
        return sum(v["it_per_s"] for v in e["solo"]["vms"].values()) if ok(e, "solo") else None

    def agg(e):
        return sum(v["it_per_s"] for v in e["equal"]["vms"].values()) if ok(e, "equal") else None

    def jn(e):
        return jain([v["it_per_s"] for v in e["equal"]["vms"].values()]) if ok(e, "equal") else None

    def per_vm(fn):
        def f(e):
            if not ok(e, "equal"):
                return None
            return fn([v["it_per_s"] for v in e["equal"]["vms"].values()])
        return f

    def eff(e):
        a, s = agg(e), solo(e)
        return a / (hc * s) if a and s else None

    def cores(e):
        return e["equal"]["cores"] if ok(e, "equal") else None

    def eighth(e):
        return sum(v["it_per_s"] for v in e["eighth"]["vms"].values()) if ok(e, "eighth") else None

    def eighth_ratio(e):
        a, b = eighth(e), solo(e)
        return a / b if a and b else None

    ne = res.get("eighth")
    L += [f"| one VM alone, iterations/s | {col('mvisor', solo)} | {col('qemu', solo)} |"]
    if ne:
        L += [f"| the last of {ne} VMs ({ne - 1} idle beside it, `--host-cpus {hc}`), iterations/s | {col('mvisor', eighth)} | — |",
              f"| the last of {ne} / alone | {col('mvisor', eighth_ratio)} | — |"]
    L += [
          f"| {res['count']} VMs: aggregate iterations/s | {col('mvisor', agg)} | {col('qemu', agg)} |",
          f"| {res['count']} VMs: host CPU used, cores | {col('mvisor', cores)} | {col('qemu', cores)} |",
          f"| aggregate / ({hc} × alone) | {col('mvisor', eff)} | {col('qemu', eff)} |",
          f"| slowest VM, iterations/s | {col('mvisor', per_vm(min))} | {col('qemu', per_vm(min))} |",
          f"| fastest VM, iterations/s | {col('mvisor', per_vm(max))} | {col('qemu', per_vm(max))} |",
          f"| Jain's index | {col('mvisor', jn)} | {col('qemu', jn)} |"]
    jm = _s([jn(_get(r, 'mvisor')) if _get(r, 'mvisor') else None for r in rounds], R)
    # Weighted: each weight class's share of the total against its weight's share.
    ws = res["weights"]
    jain_what = f"Jain ≥ 0.95, {res['count']} VMs on {hc} host CPUs"
    whc = res.get("weighted_host_cpus", hc)
    L += ["", f"Weighted: {len(ws)} weight classes {':'.join(map(str, ws))} cycled over the VMs on {whc} host "
          f"CPU{'s' if whc != 1 else ''} (mvisor: `weight` in `--vm-config`, `--host-cpus {whc}`; QEMU: confined "
          f"to {whc} CPU{'s' if whc != 1 else ''} with taskset, CFS nice levels 6, 3, 0, whose load weights "
          "272 : 526 : 1024 are 1 : 1.94 : 3.76). A class's share is its VMs' iterations per second over all VMs'; expected is its weight's "
          "share of the host CPU the VMs got in that window (at most "
          f"{whc}; QEMU's: of the nice load weights), no VM getting more than one core (one vCPU); "
          "error = share / expected − 1.", "",
          "| weight | mvisor share | mvisor expected | mvisor error | QEMU share | QEMU expected | QEMU error |",
          "|---:|---:|---:|---:|---:|---:|---:|"]
    worst = []
    for w in ws:
        row = [str(w)]
        for engine in ("mvisor", "qemu"):
            shares, exps = [], []
            for r in rounds:
                e = _get(r, engine, "weighted")
                if not _ok(e) or not e.get("vms"):
                    shares.append(None)
                    exps.append(None)
                    continue
                wt = e["weights"]
                eff_w = (lambda x: x) if engine == "mvisor" else (lambda x: {1: 272, 2: 526, 4: 1024}[x])
                tot = sum(v["it_per_s"] for v in e["vms"].values())
                alloc = capped_shares({n: eff_w(wt[n]) for n in e["vms"]}, e.get("cores") or whc)
                shares.append(sum(v["it_per_s"] for n, v in e["vms"].items() if wt[n] == w) / tot)
                exps.append(sum(a for n, a in alloc.items() if wt[n] == w) / sum(alloc.values()))
            errs = _s([s / x - 1 if s is not None else None for s, x in zip(shares, exps)], R)
            if engine == "mvisor" and errs:
                worst.append(max(abs(errs.min), abs(errs.max)) if errs.n else None)
            row += [cell(_s(shares, R)), num(next((x for x in exps if x), None)),
                    cell(_s([x * 100 if x is not None else None for x in errs.values], R), "%")]
        L.append("| " + " | ".join(row) + " |")
    L += ["", "| target | measured | status |", "|---|---:|---|",
          f"| Jain's index ≥ 0.95 ({res['count']} VMs, {hc} host CPUs) | {cell(jm)} | {target('fairness', jain_what, cell(jm), jm.median >= 0.95 if jm else None)} |",
          f"| every weight class within 10% of its share (worst round) | "
          f"{num(max(worst) * 100) + '%' if worst and all(x is not None for x in worst) else '-'} | "
          f"{target('fairness', 'weights 1:2:4 within 10% of their shares (worst class, worst round)', num(max(worst) * 100) + '%' if worst and all(x is not None for x in worst) else '-', max(worst) <= 0.10 if worst and all(x is not None for x in worst) else None)} |", ""]
    errs = []
    for i, r in enumerate(rounds):
        for engine in ("mvisor", "qemu"):
            for k in ("solo", "eighth", "equal", "weighted"):
                e = _get(r, engine, k)
                if e and e.get("error"):
                    errs.append(f"{engine} {k} round {i + 1}: {e['error']}")
    if errs:
        L += ["Failed: " + "; ".join(errs), ""]
    # Plot: per-VM throughput of the equal run, VMs sorted, median over rounds per rank.
    n = res["count"]
    rows = []
    for rank in range(n):
        row = [rank + 1]
        for engine in ("mvisor", "qemu"):
            vals = []
            for r in rounds:
                e = _get(r, engine, "equal")
                if _ok(e) and e.get("vms"):
                    xs = sorted(v["it_per_s"] for v in e["vms"].values())
                    if rank < len(xs):
                        vals.append(xs[rank])
            s = _s(vals)
            row += [s.median, s.min, s.max] if s else [None] * 3
        rows.append(row)
    script = [f"set title 'Per-VM throughput, {n} busy VMs on {hc} host CPUs (VMs ranked; median, min-max)' noenhanced",
              "set xlabel 'VM (slowest to fastest)'", "set ylabel 'CoreMark-like iterations/s'", "set yrange [0:*]",
              "set style data histogram", "set style histogram errorbars gap 1 lw 1", "set style fill solid 0.75 border -1",
              f"plot {{d}} using 2:3:4:xtic(1) lc rgb '{COLOURS['mvisor']}' title 'mvisor (one monitor)', "
              f"{{d}} using 5:6:7 lc rgb '{COLOURS['qemu']}' title 'QEMU (a process each)'"]
    why = gnuplot(os.path.join(out, "fairness.png"), script, {"d": rows})
    L += [f"Plot: `fairness.png`" + (f" (not drawn: {why})" if why else ""), ""]
    return L


# -- latency ---------------------------------------------------------------------------------------

def latency(res, out):
    rounds = res["rounds"]
    R = len(rounds)
    b = res["busy"]
    L = ["## Interactive latency", "",
         f"Console echo round trip of an idle VM while {b} VMs loop the CoreMark-like benchmark: one character "
         f"written to the idle VM's console socket, timed until it comes back (the guest's tty echoes it), "
         f"{res['samples']} times per launch, 10–50 ms apart. mvisor: {b + 1} VMs in one monitor (`--vm-config`, "
         f"`--host-cpus 2`); QEMU: {b + 1} processes. "
         + ("The launches are the fairness benchmark's equal-weight ones with the idle VM added, timed after "
            "the throughput window while the busy VMs keep looping. " if res.get("with") == "fairness" else "")
         + "Milliseconds; percentiles per launch, then median (min–max) over the rounds.", "",
         "| | mvisor | QEMU |", "|---|---:|---:|"]

    def col(engine, p):
        vals = []
        for r in rounds:
            e = _get(r, engine)
            vals.append(pct(e["ms"], p) if e and e.get("ms") and not e.get("error") else None)
        return _s(vals, R)

    for p, title in ((50, "p50"), (90, "p90"), (99, "p99"), (100, "max")):
        L.append(f"| {title}, ms | {cell(col('mvisor', p))} | {cell(col('qemu', p))} |")
    lost = [sum(_get(r, e, "lost") or 0 for r in rounds) for e in ("mvisor", "qemu")]
    L.append(f"| characters not echoed within 2 s (all rounds) | {lost[0]} | {lost[1]} |")
    p99 = col("mvisor", 99)
    L += ["", f"Target: p99 < 20 ms (mvisor): **{target('latency', f'echo p99 < 20 ms beside {b} busy VMs', cell(p99, ' ms'), p99.median < 20 if p99 else None)}**.", ""]
    errs = [f"{e} round {i + 1}: {_get(r, e, 'error')}" for i, r in enumerate(rounds) for e in ("mvisor", "qemu")
            if _get(r, e, "error")]
    if errs:
        L += ["Failed: " + "; ".join(errs), ""]
    # Plot: the distribution of every sample of every round (CDF, log x).
    data = {}
    for e in ("mvisor", "qemu"):
        ms = sorted(x for r in rounds if _get(r, e, "ms") for x in _get(r, e, "ms"))
        data[e] = [[x, (i + 1) / len(ms)] for i, x in enumerate(ms)] or [[None, None]]
    script = [f"set title 'Console echo round trip of an idle VM beside {b} busy VMs (all samples)' noenhanced",
              "set xlabel 'ms'", "set ylabel 'fraction of round trips'", "set logscale x", "set key right bottom",
              f"plot {{mvisor}} using 1:2 with steps lc rgb '{COLOURS['mvisor']}' lw 2 title 'mvisor', "
              f"{{qemu}} using 1:2 with steps lc rgb '{COLOURS['qemu']}' lw 2 title 'QEMU'"]
    why = gnuplot(os.path.join(out, "latency.png"), script, data)
    L += [f"Plot: `latency.png`" + (f" (not drawn: {why})" if why else ""), ""]
    return L


# -- no regression ------------------------------------------------------------------------------------

PHASES = [("userspace", "boot to userspace"), ("forkexec", "fork+exec"), ("tmpfs", "tmpfs + md5sum"),
          ("intmark", "CoreMark-like")]


def regress(res, out):
    L = ["## No regression", "",
         f"`bench/run.py`'s comparison (`bench/run.py {' '.join(res['argv'][1:])}`), in one run: QEMU, this build and the "
         f"build of {res.get('baseline', '?')} (the main branch before the multi-VM work), alternating per round. "
         "The ratio to QEMU of each build per round; the change is this build's ratio over the baseline's (the "
         "same as this build / baseline in the round), median (min–max) over the rounds. Target: no phase more "
         "than 5% slower (a change ≤ +5%; a phase more than 5% faster is marked so).", ""]
    comp = res.get("compare")
    if not comp:
        return L + [f"Not measured: {res.get('error', 'no result')}", ""]
    cfg = {c["key"]: c for c in comp["configs"]}
    q, d, b = cfg.get("qemu"), cfg.get("dbt"), cfg.get("dbt@baseline")
    if not (q and d and b):
        return L + ["Not measured: the comparison lacks a configuration", ""]

    def val(c, r, ph, metric):
        run = c["runs"].get(r) or c["runs"].get(str(r))
        if not run or not run.get("ok"):
            return None
        if ph == "userspace":
            return run.get("userspace_s" if metric == "host_s" else "userspace_cpu_s")
        w = run.get("workloads", {}).get(ph)
        return w[metric] if w and w.get("ok") else None

    rounds = sorted({int(k) for c in (q, d, b) for k in c["runs"]})
    for metric, what in (("host_s", "Elapsed host seconds of each phase (the target's measure)"),
                         ("cpu_s", "The same by each process's CPU seconds over the phase (10 ms resolution; "
                                   "less disturbed by others' load on a shared machine)")):
        L += [what + ":", "", "| phase | this build / QEMU | baseline / QEMU | change | within 5% |",
              "|---|---:|---:|---:|---|"]
        for ph, title in PHASES:
            new = [val(d, r, ph, metric) / val(q, r, ph, metric) if val(d, r, ph, metric) and val(q, r, ph, metric)
                   else None for r in rounds]
            old = [val(b, r, ph, metric) / val(q, r, ph, metric) if val(b, r, ph, metric) and val(q, r, ph, metric)
                   else None for r in rounds]
            ch = _s([(x / y - 1) * 100 if x and y else None for x, y in zip(new, old)], len(rounds))
            ok = ch.median <= 5 if ch else None
            note = " (faster)" if ch and ch.median < -5 else ""
            v = target('regress', f'{title}: at most 5% slower than the baseline (ratio to QEMU)', cell(ch, '%'), ok) \
                if metric == 'host_s' else ''
            L.append(f"| {title} | {cell(_s(new, len(rounds)), 'x')} | {cell(_s(old, len(rounds)), 'x')} | "
                     f"{cell(ch, '%')} | {v}{note if metric == 'host_s' else ''} |")
        L.append("")
    L += [f"Full tables: `regress/compare.md`.", ""]
    return L


# -- everything ---------------------------------------------------------------------------------------

def write(results, out):
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(results, f, indent=1, default=str)
    a = results["args"]
    head = [f"# make bench-vms ({results['started']}, {_git_rev()})", "",
            f"Host: {_host()}; load average {', '.join(num(x) for x in results['load'])} (at the start and after "
            f"each benchmark: the machine is shared, so absolute figures carry others' load; mvisor and QEMU "
            f"alternate within every round). Guest: `{a['kernel']}`, idle VMs `{a['initrd']}` "
            f"(busybox shell), busy VMs `{a['workload_initrd']}`; `-M malta -m {a['mem']} -cpu {a['cpu']}`. "
            f"{a['rounds']} rounds{' (quick sizes)' if a['quick'] else ''}; mvisor multi-VM options in this build: "
            f"{', '.join(k for k, v in results['features'].items() if v) or 'none'}.", ""]
    sections = []
    TARGETS.clear()
    if "density" in results:
        L, _ = density(results["density"], out)
        sections.append(("density", L))
    if "floor" in results:
        sections.append(("floor", floor_table(results["floor"])))
    if "idle" in results:
        sections.append(("idle", idle(results["idle"], results.get("floor"), out, results.get("density"))))
    if "howmany" in results:
        L, _ = howmany(results["howmany"], out)
        sections.append(("howmany", L))
    if "fairness" in results:
        sections.append(("fairness", fairness(results["fairness"], out)))
    if "latency" in results:
        sections.append(("latency", latency(results["latency"], out)))
    if "regress" in results:
        sections.append(("regress", regress(results["regress"], out)))
    cmds = ["## Command lines", ""]
    for key in ("density", "idle", "fairness", "latency"):
        argv = _first_argv(results.get(key))
        if argv:
            cmds.append(f"- {key}, mvisor: `{cmdline(argv)}`")
    qa = _first_argv(results.get("idle"), "qemu")
    if qa:
        cmds.append(f"- QEMU (one per VM): `{cmdline(qa)}`")
    cmds.append("")
    for name, L in sections:
        with open(os.path.join(out, f"{name}.md"), "w") as f:
            f.write("\n".join(head + L) + "\n")
    tgt = ["## Targets", "", "| benchmark | target | measured (median (min–max)) | status |", "|---|---|---:|---|"]
    tgt += [f"| {b} | {w} | {m} | {v} |" for b, w, m, v in TARGETS] + [""]
    with open(os.path.join(out, "summary.md"), "w") as f:
        f.write("\n".join(head + tgt + [x for _, L in sections for x in L] + cmds) + "\n")


def _first_argv(res, engine="mvisor"):
    if not res:
        return None
    for r in res.get("rounds", []):
        e = r.get(engine) or {}
        for v in ([e] + [x for x in e.values() if isinstance(x, dict)]):
            if isinstance(v, dict) and v.get("argv"):
                return v["argv"][0]
        if isinstance(e, dict):
            for n, v in e.items():
                if isinstance(v, dict) and v.get("argv"):
                    return v["argv"][0]
    return None
