#!/usr/bin/env python3
"""make bench-numa: the simulated ccNUMA machine (--numa; README "NUMA"), tables in build/bench/numa.md.

    bench/numa.py [--reps N] [--quick] [--mvisor BIN] [--out FILE] [--only a|s|c|b|d|overhead]
                  [--policy P ...]

Every VM boots the kernel payload (vmlinux.bin as an ELF, no decompressor) with the benchmark
initramfs (build/bench/workload.cpio.gz: bench/guest/init.sh runs the workloads the command line
names, between console markers that carry the guest clock).

  (a) shared + private: 4 VMs, one per node of a 4-node machine, each running `syscalls` (the
      kernel's text and the boot files' pages are the read-only data set all four share, mapped
      copy-on-write from one machine page) and `intmark` (compute on private data).
  (s) shared read: 4 VMs, one per node, each on its own qcow2 overlay of one ext4 base image,
      digesting one file of it --rounds times (`sharedread`): the page cache's pages are the
      buffer cache's, shared copy-on-write by the four, homed where the I/O thread read them.
      Besides the whole run, the accesses of the workload alone (QMP query-numa taken when its
      begin marker reaches the console, subtracted from the end's).
  (c) remote memory: 1 VM on node 1 whose memory is first touched on node 0 (--numa-node 1,mem=0),
      running `intmark` and `tmpfs` (private data).
  (b) a moved vCPU: 1 VM on node 0 of a 2-node machine digesting a tmpfs file 8 times
      (`tmpread`); after the 4th round QMP numa-set-node puts its vCPU on node 1, as a scheduler
      moving it for balance would, while the file's pages stay in use.
  (d) a split SMP guest: `-cpu 34Kf -smp 2 --smp-threads 2`, vCPU 0 on node 0 and vCPU 1 on
      node 1 (--numa-node 0,vcpus=0:1), two processes at once each digesting one shared tmpfs
      file and running intmark on their own data (`smpjob`); shared pages are those both vCPUs
      reached.
      (b) and (d) run under policy none, first-touch, migrate+replicate with the sampled
      counting's placement (audit=on) and the UMA bound (the same run on one node);
      BENCH_NUMA_DELAY=,delay=on adds delay=on (a quiet host only).
  overhead: 1 VM running `intmark` and `syscalls` without --numa, with --numa nodes=1,sample=1
      (every slice counted) and with --numa nodes=1 (sampled, the default), in turn (5 rounds).

Each NUMA workload runs under policy none (pages round-robin over the nodes), first-touch,
migrate+replicate with every slice counted, and migrate+replicate whose policy hears only the
sampled slices (audit=on: measured with every slice counted); per VM the local share of its accesses (all; the shared pages alone; the
private ones alone), the modelled memory stall at R = 900 ns and at R/L = 1.5, the UMA bound (the
same accesses all at L) and the workloads' guest-timed run time. Medians of --reps runs (3). With
4 nodes on a 2-core host, host wall time does not show placement (delay=on would need a core per
node): the model's stall is the figure that does, and it is what the tables report beside the
host's own times.
"""

import argparse
import hashlib
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
B = os.path.join(ROOT, "build")
W = os.path.join(B, "bench", "numa")
sys.path.insert(0, os.path.join(ROOT, "tests", "qmp"))
from qmp_client import QMPClient, QMPError  # noqa: E402


def sh(cmd):
    subprocess.run(cmd, shell=True, check=True, cwd=ROOT)


def kernel_elf():
    out = os.path.join(W, "vmlinux.elf")
    if os.path.exists(out):
        return out
    info = dict(l.strip().split("=", 1) for l in open(os.path.join(B, "guest", "vmlinux.info")) if "=" in l)
    ld = os.path.join(W, "payload.ld")
    with open(ld, "w") as f:
        f.write("SECTIONS { . = %s; .text : { *(.data) } }\n" % info["load"])
    sh("mipsel-linux-gnu-ld -EL -T %s -e %s -b binary build/guest/vmlinux.bin -b elf32-tradlittlemips -o %s"
       % (ld, info["entry"], out))
    return out


def loadavg():
    return open("/proc/loadavg").read().split()[0]


def run(args, tag, vms, numa, extra=()):
    """One mvisor run of vms ({name, bench, node}); returns {name: {...}} and the host wall time."""
    d = os.path.join(W, tag)
    os.makedirs(d, exist_ok=True)
    cfg = []
    for v in vms:
        opts = ["-m", "96", "-kernel", args.kernel, "-initrd", args.initrd, "-append",
                "console=ttyS0 bench=%s" % v["bench"], "--timeout", "600"] + list(extra)
        if numa and "node" in v:
            opts += ["--numa-node", v["node"]]
        opts += v.get("opts", [])
        cfg.append({"name": v["name"], "options": opts})
    with open(os.path.join(d, "vms.json"), "w") as f:
        json.dump(cfg, f)
    prof = os.path.join(d, "profile.json")
    cmd = [args.mvisor, "--vm-config", os.path.join(d, "vms.json"), "--run-dir", os.path.join(d, "run"),
           "--profile=json:" + prof]
    if numa:
        cmd += ["--numa", numa]
    # VMs with a "snap" marker: QMP query-numa's figures for the VM when the marker reaches its
    # console, so the table can give the workload's own accesses (the rest of the run's minus them)
    snap_at = {v["name"]: v["snap"] for v in vms if "snap" in v}
    # VMs with a "move" (marker, QMP arguments): numa-set-node when the marker reaches the console
    moves = {v["name"]: v["move"] for v in vms if "move" in v and numa and not numa.startswith("nodes=1,")}
    sock = os.path.join(d, "qmp.sock")
    if snap_at or moves:
        cmd += ["-qmp", "unix:%s,server=on,wait=off" % sock]
    t0 = time.monotonic()
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    snaps = take_snaps(p, d, sock, snap_at, moves) if snap_at or moves else {}
    p.stderr_text = p.communicate()[1]
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.monotonic() - t0
    cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    if p.returncode != 0:
        sys.exit("bench-numa: %s failed (status %d): %s" % (" ".join(cmd), p.returncode, p.stderr_text[-2000:]))
    with open(prof) as f:
        pj = json.load(f)
    if len(vms) == 1 and "numa" in pj:
        pj = {vms[0]["name"]: pj}
    res = {}
    for v in vms:
        log = open(os.path.join(d, "run", v["name"] + ".log"), errors="replace").read()
        marks = {}
        for m in re.finditer(r"@@mark (\S+) (begin|end) guest_ns=(\d+)", log):
            marks.setdefault(m.group(1), {})[m.group(2)] = int(m.group(3))
        bad = re.findall(r"@@status (\S+) rc=([1-9]\d*)", log)
        if bad:
            sys.exit("bench-numa: %s: workload failed: %r" % (v["name"], bad))
        if "expect" in v and len(re.findall(v["expect"][0], log)) != v["expect"][1]:
            sys.exit("bench-numa: %s: want %d lines %r in %s" % (v["name"], v["expect"][1], v["expect"][0], d))
        work_s = sum((x["end"] - x["begin"]) / 1e9 for k, x in marks.items() if k != "boot" and "end" in x)
        r = {"work_s": work_s, "wall_s": wall, "cpu_s": cpu}
        n = pj[v["name"]].get("numa")
        if n:
            tot = n["local"] + n["remote"]
            sh_tot = n["shared_local"] + n["shared_remote"]
            pr_local, pr_tot = n["local"] - n["shared_local"], tot - sh_tot
            r.update(local=n["local"] / max(1, tot), shared_local=n["shared_local"] / max(1, sh_tot),
                     private_local=pr_local / max(1, pr_tot), stall_s=n["stall_ns"] / 1e9,
                     stall15_s=n["stall_ns_r15"] / 1e9, uma_s=n["uma_ns"] / 1e9, machine=n["machine"],
                     delay_acc=n.get("delay_loads", 0) + n.get("delay_stores", 0), delay_s=n.get("delay_ns", 0) / 1e9,
                     slice_end_s=n.get("slice_end_ns", 0) / 1e9, followed=n.get("followed", 0))
            s = snaps.get(v["name"])
            if v["name"] in snap_at and not s:
                sys.exit("bench-numa: %s: no query-numa at %r" % (v["name"], snap_at[v["name"]]))
            if s:
                wl_sl, wl_sr = n["shared_local"] - s["shared-local"], n["shared_remote"] - s["shared-remote"]
                wl_l, wl_r = n["local"] - s["local"], n["remote"] - s["remote"]
                r.update(wl_local=wl_l / max(1, wl_l + wl_r), wl_shared_local=wl_sl / max(1, wl_sl + wl_sr),
                         wl_shared=(wl_sl + wl_sr) / max(1, wl_l + wl_r),
                         wl_private_local=(wl_l - wl_sl) / max(1, wl_l + wl_r - wl_sl - wl_sr))
        res[v["name"]] = r
    return res


def take_snaps(p, d, sock, snap_at, moves=None):
    """Polls the consoles of the VMs in snap_at until each shows its marker, and takes QMP
    query-numa's entry for it then; returns {name: entry} (the monitor left running). A VM in
    moves ({name: (marker, args)}) gets QMP numa-set-node with args when its marker shows."""
    moves = dict(moves or {})
    q = None
    deadline = time.monotonic() + 30
    while q is None and p.poll() is None:
        try:
            q = QMPClient(sock, 30)
            q.run("qmp_capabilities")
        except (OSError, QMPError):
            q = None
            if time.monotonic() > deadline:
                return {}
            time.sleep(0.1)
    def shows(name, marker):
        try:
            return marker in open(os.path.join(d, "run", name + ".log"), errors="replace").read()
        except OSError:
            return False

    snaps = {}
    while p.poll() is None and (len(snaps) < len(snap_at) or moves):
        for name, (marker, margs) in list(moves.items()):
            if shows(name, marker):
                try:
                    q.run("numa-set-node", vm=name, **margs)
                except (OSError, QMPError) as e:
                    sys.exit("bench-numa: numa-set-node for %s failed: %s" % (name, e))
                del moves[name]
        for name, marker in snap_at.items():
            if name not in snaps and shows(name, marker):
                try:
                    for e in q.run("query-numa")["vms"]:
                        if e["vm"] == name:
                            snaps[name] = e
                except (OSError, QMPError):
                    return snaps
        time.sleep(0.05)
    q.close()
    return snaps


def med(rows, key):
    return statistics.median(r[key] for r in rows)


# Rows of a table: the policy and the counting. The figures are measured with every slice counted
# (sample=1); the last row's policy hears only what the default sampled counting would count
# (audit=on), so its placement is the sampled counting's, measured exactly.
POLICIES = ["none,sample=1", "first-touch,sample=1", "migrate+replicate,sample=1", "migrate+replicate,audit=on"]


def numa_table(args, title, vms, out, prepare=None):
    policies = args.policy or POLICIES
    rows = {p: [] for p in policies}
    machines = {}
    for rep in range(args.reps):
        for p in policies:
            tag = "%s-%s-%d" % (title[1:title.index(")")], re.sub(r"[+,=]", "-", p), rep)
            if prepare:
                prepare(tag)
            res = run(args, tag, vms, "nodes=4,policy=" + p)
            rows[p].append(res)
            machines[p] = next(iter(res.values()))["machine"]
            print("%s %s rep %d (load %s): %s" % (title, p, rep, loadavg(),
                  ", ".join("%s local %.1f%% shared %.1f%%%s" % (
                      n, 100 * r["local"], 100 * r["shared_local"],
                      " workload shared %.1f%%" % (100 * r["wl_shared_local"]) if "wl_shared_local" in r else "")
                      for n, r in res.items())), flush=True)
    wl = any("snap" in v for v in vms)
    out.append("\n### %s\n" % title)
    out.append("| VM (node) | policy | local | local, shared pages | local, private pages | stall (R=900) s | "
               "stall (R/L=1.5) s | UMA bound s | stall / UMA | workload s (guest) | host wall s |" +
               (" workload only: local | workload only: local, shared pages | workload only: shared share |"
                if wl else ""))
    out.append("|---|---|---|---|---|---|---|---|---|---|---|" + ("---|---|---|" if wl else ""))
    for v in vms:
        n = v["name"]
        for p in policies:
            rs = [r[n] for r in rows[p]]
            line = "| %s (%s) | %s | %.1f%% | %.1f%% | %.1f%% | %.2f | %.2f | %.2f | %.2f | %.2f | %.1f |" % (
                n, v.get("node", "rr"), p, 100 * med(rs, "local"), 100 * med(rs, "shared_local"),
                100 * med(rs, "private_local"), med(rs, "stall_s"), med(rs, "stall15_s"), med(rs, "uma_s"),
                med(rs, "stall_s") / max(1e-9, med(rs, "uma_s")), med(rs, "work_s"), med(rs, "wall_s"))
            if wl:
                line += " %.1f%% | %.1f%% | %.1f%% |" % (100 * med(rs, "wl_local"), 100 * med(rs, "wl_shared_local"),
                                                       100 * med(rs, "wl_shared"))
            out.append(line)
    for p in policies:
        if p.startswith("migrate"):
            machine_line(p, machines[p], out)


# (b) and (d): a 2-node machine (no more nodes than this host's 2 cores). DELAY=",delay=on" (a
# remote load or store takes the slow path and spins R - L on the host, so host wall time shows
# placement) is for a quiet host: under load the slow path of every remote access makes the
# unplaced rows take many minutes. The UMA bound is the same run on one node.
DELAY = os.environ.get("BENCH_NUMA_DELAY", "")
ROWS2 = [("none", "nodes=2,policy=none,sample=1" + DELAY),
         ("first-touch", "nodes=2,policy=first-touch,sample=1" + DELAY),
         ("migrate+replicate (sampled)", "nodes=2,policy=migrate+replicate,audit=on" + DELAY),
         ("UMA bound (1 node)", "nodes=1,policy=first-touch,sample=1" + DELAY)]


ROW_KEYS = {"none": "none", "first-touch": "first-touch", "migrate": "migrate+replicate", "uma": "UMA bound"}


def rows2(args):
    """The placements of ROWS2 that --rows picks (all without it)."""
    if not args.rows:
        return ROWS2
    return [(label, numa) for label, numa in ROWS2 if any(label.startswith(ROW_KEYS[k]) for k in args.rows)]


def numa_table2(args, title, key, vms, out, uma_node):
    """One row per placement of ROWS2: the figures of the whole run and of the workload alone."""
    placements = rows2(args)
    rows = {label: [] for label, _ in placements}
    machines = {}
    loads = []
    for rep in range(args.reps):
        for label, numa in placements:
            tag = "%s-%s-%d" % (key, re.sub(r"[^a-z0-9]+", "-", label), rep)
            run_vms = [dict(v, node=uma_node) if numa.startswith("nodes=1,") else v for v in vms]
            res = run(args, tag, run_vms, numa)
            rows[label].append(res)
            machines[label] = next(iter(res.values()))["machine"]
            loads.append(loadavg())
            print("%s %s rep %d (load %s): %s" % (key, label, rep, loads[-1], ", ".join(
                "%s local %.1f%% shared %.1f%% private %.1f%% workload %.2f s wall %.1f s" % (
                    n, 100 * r["local"], 100 * r["shared_local"], 100 * r["private_local"], r["work_s"], r["wall_s"])
                for n, r in res.items())), flush=True)
    out.append("\n### %s\n" % title)
    out.append("| VM | placement | local | local, shared pages | local, private pages | stall / UMA | "
               "workload s (guest) | host wall s | workload only: local | workload only: local, shared | "
               "workload only: local, private | workload only: shared share |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for v in vms:
        n = v["name"]
        for label, _ in placements:
            rs = [r[n] for r in rows[label]]

            def mm(k, scale=100.0, fmt="%.1f"):
                xs = [scale * r[k] for r in rs]
                return (fmt + " (" + fmt + "-" + fmt + ")") % (statistics.median(xs), min(xs), max(xs))
            out.append("| %s | %s | %s%% | %s%% | %s%% | %.2f | %s | %s | %s%% | %s%% | %s%% | %.1f%% |" % (
                n, label, mm("local"), mm("shared_local"), mm("private_local"),
                med(rs, "stall_s") / max(1e-9, med(rs, "uma_s")), mm("work_s", 1.0, "%.2f"),
                mm("wall_s", 1.0, "%.1f"), mm("wl_local"), mm("wl_shared_local"), mm("wl_private_local"),
                100 * med(rs, "wl_shared")))
    out.append("\nmedians (min-max) of %d runs; load average after each run %s" % (args.reps, ", ".join(loads)))
    for label, _ in placements:
        if label.startswith("migrate"):
            machine_line(label, machines[label], out)
    # where the host time went (README "Where (b)'s and (d)'s guest time goes")
    for v in vms:
        for label, _ in placements:
            rs = [r[v["name"]] for r in rows[label]]
            if "delay_acc" in rs[0]:
                out.append("\n%s, %s, medians: %d remote loads and stores through delay=on's slow path, %.2f s of their "
                           "check and spin, %.2f s of slice ends (folds, policy, moves), %d pages followed a moved vCPU" % (
                               v["name"], label, med(rs, "delay_acc"), med(rs, "delay_s"), med(rs, "slice_end_s"),
                               med(rs, "followed")))


def moved_vm(args):
    """(b): one VM on node 0 digesting a tmpfs file; half-way through the rounds QMP numa-set-node
    puts its vCPU on node 1 (what a scheduler moving it for balance does)."""
    n = args.tmp_rounds
    return [{"name": "moved", "node": "0", "bench": "tmpread:%d:%d" % (args.tmp_mib, n),
             "snap": "@@mark tmpread begin", "move": ("tmpread round=%d " % (n // 2 - 1), {"node": 1}),
             "expect": (r"tmpread round=\d+ md5=", n)}]


def split_vm(args):
    """(d): a 2-vCPU SMP guest, vCPU 0 on node 0 and vCPU 1 on node 1, each on its own host
    thread, running two processes at once over one shared tmpfs file and their own data."""
    return [{"name": "smp", "node": "0,vcpus=0:1", "bench": "smpjob:%d:%d:%d" % args.smpjob,
             "opts": ["-cpu", "34Kf", "-smp", "2", "--smp-threads", "2"],
             "snap": "@@mark smpjob begin", "expect": (r"smpjob md5=[0-9a-f]{32}", 2)}]


def machine_line(p, m, out):
    out.append("\n%s, last run: %d migrations, %d replications (%d replica pages), %d collapses, "
               "%d software-TLB entries shot down, %.0f us per move, pages per node %s" % (
                   p, m["migrations"], m["replications"], m["replicas"], m["collapses"], m["shootdowns"],
                   m["us_per_move"], m["pages_per_node"]))


def overhead(args, out):
    """The same --deterministic run (same guest instructions) without the counting, with it in
    every slice (sample=1, exact) and sampled (the default): the monitor's CPU time
    (user + system, boot and workloads), the three in turn."""
    vm = [{"name": "ovh", "bench": "intmark:%d,syscalls:%d" % (args.intmark, args.syscalls)}]
    kinds = [("NUMA off", None), ("--numa nodes=1,sample=1 (exact)", "nodes=1,sample=1"),
             ("--numa nodes=1 (sampled, the default: gaps up to 64 slices)", "nodes=1")]
    cpu = {k: [] for k, _ in kinds}
    loads = []
    for rep in range(max(args.reps, 5)):
        for i, (k, numa) in enumerate(kinds):
            cpu[k].append(run(args, "overhead-%d-%d" % (i, rep), vm, numa, ["--deterministic"])["ovh"]["cpu_s"])
        loads.append(loadavg())
        print("overhead rep %d (load %s): %s" % (rep, loads[-1], ", ".join("%s %.2f s" % (k, cpu[k][-1])
              for k, _ in kinds)), flush=True)
    out.append("\n### Counting overhead (one VM, --deterministic: intmark + syscalls; host CPU seconds of the run)\n")
    out.append("| | min s | median s | max s | median / off |")
    out.append("|---|---|---|---|---|")
    base = statistics.median(cpu[kinds[0][0]])
    for k, _ in kinds:
        c = cpu[k]
        out.append("| %s | %.2f | %.2f | %.2f | %.3f |" % (k, min(c), statistics.median(c), max(c),
                                                            statistics.median(c) / base))
    out.append("\n(runs in turn, load average after each round %s)" % ", ".join(loads))


def shared_read_vms(args):
    """4 VMs, each on its own qcow2 overlay of one ext4 base holding data.bin, digesting it
    args.rounds times; and the function that makes fresh overlays before each run."""
    d = os.path.join(W, "shared")
    tree = os.path.join(d, "tree")
    os.makedirs(tree, exist_ok=True)
    data = random.Random(16).randbytes(args.file_mib << 20)
    with open(os.path.join(tree, "data.bin"), "wb") as f:
        f.write(data)
    base = os.path.join(d, "base.img")
    if os.path.exists(base):
        os.unlink(base)
    sh("truncate -s %dM %s" % (args.file_mib + 24, base))
    # 4 KiB blocks: the page cache's pages lie on page boundaries of the file (the buffer cache maps them)
    sh("mke2fs -q -t ext4 -b 4096 -d %s %s" % (tree, base))
    want = hashlib.md5(data).hexdigest()
    vms = []
    for i in range(4):
        ov = os.path.join(d, "vm%d.qcow2" % i)
        vms.append({"name": "vm%d" % i, "node": str(i), "bench": "sharedread:%d" % args.rounds,
                    "snap": "@@mark sharedread begin",
                    "opts": ["-drive", "file=%s,if=virtio" % ov],
                    "expect": (r"sharedread round=\d+ md5=%s" % want, args.rounds)})

    def prepare(tag):
        for i in range(4):
            ov = os.path.join(d, "vm%d.qcow2" % i)
            if os.path.exists(ov):
                os.unlink(ov)
            sh("qemu-img create -q -f qcow2 -b %s -F raw %s" % (base, ov))
    return vms, prepare


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="smaller workloads, one repetition")
    ap.add_argument("--mvisor", default=os.path.join(B, "mvisor"))
    ap.add_argument("--initrd", default=os.path.join(B, "bench", "workload.cpio.gz"))
    ap.add_argument("--out", default=os.path.join(B, "bench", "numa.md"))
    ap.add_argument("--only", choices=["a", "s", "c", "b", "d", "overhead"], action="append")
    ap.add_argument("--rows", choices=sorted(ROW_KEYS), action="append",
                    help="(b) and (d): only these placements (repeatable; default: all four)")
    ap.add_argument("--policy", action="append", help="a row's --numa policy=... value (repeatable; default: "
                    "the four rows of every table)")
    args = ap.parse_args()
    os.makedirs(W, exist_ok=True)
    args.kernel = kernel_elf()
    args.intmark, args.syscalls = (1000, 50000) if args.quick else (3000, 200000)
    args.rounds, args.file_mib = (4, 2) if args.quick else (16, 4)
    args.tmp_mib, args.tmp_rounds = (2, 4) if args.quick else (8, 8)
    args.smpjob = (1, 2, 50) if args.quick else (4, 6, 200)
    if args.quick:
        args.reps = 1
    only = args.only or ["a", "s", "c", "b", "d", "overhead"]
    out = ["## make bench-numa (%s, load average at start %s)" % (time.strftime("%Y-%m-%d %H:%M"), loadavg())]
    if "a" in only:
        vms = [{"name": "vm%d" % i, "node": str(i), "bench": "syscalls:%d,intmark:%d" % (args.syscalls, args.intmark)}
               for i in range(4)]
        numa_table(args, "(a) 4 VMs on 4 nodes: shared read-only kernel and boot files + private compute", vms, out)
    if "s" in only:
        vms, prepare = shared_read_vms(args)
        numa_table(args, "(s) 4 VMs on 4 nodes reading one file of a shared base image %d times (the buffer cache)"
                   % args.rounds, vms, out, prepare)
    if "c" in only:
        vms = [{"name": "far", "node": "1,mem=0", "bench": "intmark:%d,tmpfs:16" % args.intmark}]
        numa_table(args, "(c) a VM on node 1 whose memory was first touched on node 0", vms, out)
    if "b" in only:
        numa_table2(args, "(b) a VM whose vCPU moves from node 0 to node 1 half-way (2 nodes%s)" % DELAY, "b",
                    moved_vm(args), out, "0")
    if "d" in only:
        numa_table2(args, "(d) a 2-vCPU SMP guest, one vCPU on each of 2 nodes: a parallel job over shared and "
                    "private data%s" % (DELAY and " (%s)" % DELAY[1:]), "d", split_vm(args), out, "0,vcpus=0:0")
    if "overhead" in only:
        overhead(args, out)
    text = "\n".join(out) + "\n"
    with open(args.out, "w") as f:
        f.write(text)
    print(text)
    # PNG plots of the tables beside them, if gnuplot is installed (bench/numa_plot.py)
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "numa_plot.py"), "--md", args.out,
                    "--out-dir", os.path.dirname(os.path.abspath(args.out))], check=False)


if __name__ == "__main__":
    main()
