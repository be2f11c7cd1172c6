#!/usr/bin/env python3
"""make bench-numa: the simulated ccNUMA machine (--numa; README "NUMA"), tables in build/bench/numa.md.

    bench/numa.py [--reps N] [--quick] [--mvisor BIN] [--out FILE]

Every VM boots the kernel payload (vmlinux.bin as an ELF, no decompressor) with the benchmark
initramfs (build/bench/workload.cpio.gz: bench/guest/init.sh runs the workloads the command line
names, between console markers that carry the guest clock).

  (a) shared + private: 4 VMs, one per node of a 4-node machine, each running `syscalls` (the
      kernel's text and the boot files' pages are the read-only data set all four share, mapped
      copy-on-write from one machine page) and `intmark` (compute on private data).
  (c) remote memory: 1 VM on node 1 whose memory is first touched on node 0 (--numa-node 1,mem=0),
      running `intmark` and `tmpfs` (private data).
  overhead: 1 VM running `intmark` and `syscalls` without --numa and with --numa nodes=1 (the
      counting on, nothing to move), alternating, side by side.

Each NUMA workload runs under policy none (pages round-robin over the nodes), first-touch and
migrate+replicate; per VM the local share of its accesses (all; the shared pages alone; the
private ones alone), the modelled memory stall at R = 900 ns and at R/L = 1.5, the UMA bound (the
same accesses all at L) and the workloads' guest-timed run time. Medians of --reps runs (3). With
4 nodes on a 2-core host, host wall time does not show placement (delay=on would need a core per
node): the model's stall is the figure that does, and it is what the tables report beside the
host's own times.
"""

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
B = os.path.join(ROOT, "build")
W = os.path.join(B, "bench", "numa")


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
        cfg.append({"name": v["name"], "options": opts})
    with open(os.path.join(d, "vms.json"), "w") as f:
        json.dump(cfg, f)
    prof = os.path.join(d, "profile.json")
    cmd = [args.mvisor, "--vm-config", os.path.join(d, "vms.json"), "--run-dir", os.path.join(d, "run"),
           "--profile=json:" + prof]
    if numa:
        cmd += ["--numa", numa]
    t0 = time.monotonic()
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.monotonic() - t0
    cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    if p.returncode != 0:
        sys.exit("bench-numa: %s failed (status %d): %s" % (" ".join(cmd), p.returncode, p.stderr[-2000:]))
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
        work_s = sum((x["end"] - x["begin"]) / 1e9 for k, x in marks.items() if k != "boot" and "end" in x)
        r = {"work_s": work_s, "wall_s": wall, "cpu_s": cpu}
        n = pj[v["name"]].get("numa")
        if n:
            tot = n["local"] + n["remote"]
            sh_tot = n["shared_local"] + n["shared_remote"]
            pr_local, pr_tot = n["local"] - n["shared_local"], tot - sh_tot
            r.update(local=n["local"] / max(1, tot), shared_local=n["shared_local"] / max(1, sh_tot),
                     private_local=pr_local / max(1, pr_tot), stall_s=n["stall_ns"] / 1e9,
                     stall15_s=n["stall_ns_r15"] / 1e9, uma_s=n["uma_ns"] / 1e9, machine=n["machine"])
        res[v["name"]] = r
    return res


def med(rows, key):
    return statistics.median(r[key] for r in rows)


def numa_table(args, title, vms, out):
    policies = ["none", "first-touch", "migrate+replicate"]
    rows = {p: [] for p in policies}
    machines = {}
    for rep in range(args.reps):
        for p in policies:
            res = run(args, "%s-%s-%d" % (title[1], p.replace("+", "-"), rep), vms, "nodes=4,policy=" + p)
            rows[p].append(res)
            machines[p] = next(iter(res.values()))["machine"]
            print("%s %s rep %d (load %s): %s" % (title, p, rep, loadavg(),
                  ", ".join("%s local %.1f%%" % (n, 100 * r["local"]) for n, r in res.items())), flush=True)
    out.append("\n### %s\n" % title)
    out.append("| VM (node) | policy | local | local, shared pages | local, private pages | stall (R=900) s | "
               "stall (R/L=1.5) s | UMA bound s | stall / UMA | workload s (guest) | host wall s |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for v in vms:
        n = v["name"]
        for p in policies:
            rs = [r[n] for r in rows[p]]
            out.append("| %s (%s) | %s | %.1f%% | %.1f%% | %.1f%% | %.2f | %.2f | %.2f | %.2f | %.2f | %.1f |" % (
                n, v.get("node", "rr"), p, 100 * med(rs, "local"), 100 * med(rs, "shared_local"),
                100 * med(rs, "private_local"), med(rs, "stall_s"), med(rs, "stall15_s"), med(rs, "uma_s"),
                med(rs, "stall_s") / max(1e-9, med(rs, "uma_s")), med(rs, "work_s"), med(rs, "wall_s")))
    m = machines["migrate+replicate"]
    out.append("\nmigrate+replicate, last run: %d migrations, %d replications (%d replica pages), %d collapses, "
               "%d software-TLB entries shot down, %.0f us per move, pages per node %s" % (
                   m["migrations"], m["replications"], m["replicas"], m["collapses"], m["shootdowns"],
                   m["us_per_move"], m["pages_per_node"]))


def overhead(args, out):
    """The same --deterministic run (same guest instructions) without and with the counting: the
    monitor's CPU time (user + system, boot and workloads), alternating."""
    vm = [{"name": "ovh", "bench": "intmark:%d,syscalls:%d" % (args.intmark, args.syscalls)}]
    off, on = [], []
    for rep in range(args.reps):
        off.append(run(args, "overhead-off-%d" % rep, vm, None, ["--deterministic"])["ovh"]["cpu_s"])
        on.append(run(args, "overhead-on-%d" % rep, vm, "nodes=1", ["--deterministic"])["ovh"]["cpu_s"])
        print("overhead rep %d (load %s): off %.2f s, on %.2f s" % (rep, loadavg(), off[-1], on[-1]), flush=True)
    out.append("\n### Counting overhead (one VM, --deterministic: intmark + syscalls; host CPU seconds of the run)\n")
    out.append("| | min s | median s | max s |")
    out.append("|---|---|---|---|")
    out.append("| NUMA off | %.2f | %.2f | %.2f |" % (min(off), statistics.median(off), max(off)))
    out.append("| --numa nodes=1 | %.2f | %.2f | %.2f |" % (min(on), statistics.median(on), max(on)))
    out.append("\nratio on/off of the medians: %.3f (runs alternate, load average at the end %s)" % (
        statistics.median(on) / statistics.median(off), loadavg()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="smaller workloads, one repetition")
    ap.add_argument("--mvisor", default=os.path.join(B, "mvisor"))
    ap.add_argument("--initrd", default=os.path.join(B, "bench", "workload.cpio.gz"))
    ap.add_argument("--out", default=os.path.join(B, "bench", "numa.md"))
    ap.add_argument("--only", choices=["a", "c", "overhead"], action="append")
    args = ap.parse_args()
    os.makedirs(W, exist_ok=True)
    args.kernel = kernel_elf()
    args.intmark, args.syscalls = (1000, 50000) if args.quick else (3000, 200000)
    if args.quick:
        args.reps = 1
    only = args.only or ["a", "c", "overhead"]
    out = ["## make bench-numa (%s, load average at start %s)" % (time.strftime("%Y-%m-%d %H:%M"), loadavg())]
    if "a" in only:
        vms = [{"name": "vm%d" % i, "node": str(i), "bench": "syscalls:%d,intmark:%d" % (args.syscalls, args.intmark)}
               for i in range(4)]
        numa_table(args, "(a) 4 VMs on 4 nodes: shared read-only kernel and boot files + private compute", vms, out)
    if "c" in only:
        vms = [{"name": "far", "node": "1,mem=0", "bench": "intmark:%d,tmpfs:16" % args.intmark}]
        numa_table(args, "(c) a VM on node 1 whose memory was first touched on node 0", vms, out)
    if "overhead" in only:
        overhead(args, out)
    out.append("\n(b) (a vCPU moved between nodes half-way) and (d) (a 2-vCPU guest with one vCPU per node) "
               "need the scheduler to move and split a VM's vCPUs (SMP vCPUs on parallel threads): not run.")
    text = "\n".join(out) + "\n"
    with open(args.out, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
