#!/usr/bin/python3
"""The global buffer cache: N VMs of one monitor read one file from N qcow2 overlays of one base.

    bench/bufcache.py [--vms 4,8] [--rounds 2] [--file-mib 48] [--out build/bench-bufcache]

Each launch: one mvisor with N VMs (--vm-config), each booting the kernel payload with the
multi-VM suite's initramfs (tests/vms/guest/init.sh, workload "disk": load the virtio and ext4
modules, mount its /dev/vda read-only, md5sum a random file of --file-mib MiB, print the result
and stay up: mvisor.hold). Every VM's drive is its own fresh overlay (qemu-img create -f qcow2 -b
base -F raw) of one ext4 base image. Once every VM has printed its md5 (each checked), the
monitor's host memory (Pss of /proc/PID/smaps_rollup: a machine page the pool and several RAM
views map counts once), the bytes it read from files (/proc/PID/io rchar) and QMP's
query-buffer-cache / query-blockstats are taken, with the process's CPU time so far (utime +
stime: on a shared host the fairest cost figure), then QMP quit ends it. The same launch is made
with the buffer cache (default) and without it (--buffer-cache 0), alternating; medians with
min-max over the rounds. Writes results.json and table.md under --out. Standard library only.
"""

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
B = os.path.join(ROOT, "build")

sys.path.insert(0, os.path.join(ROOT, "tests", "qmp"))
from qmp_client import QMPClient  # noqa: E402


def log(msg):
    print("bench-bufcache: %s %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)


def sh(*cmd, **kw):
    subprocess.run(list(cmd), check=True, **kw)


def inputs(work):
    """The kernel payload as an ELF and the suite's initramfs (as tests/vms/run.sh makes them)."""
    info = open(os.path.join(B, "guest", "vmlinux.info")).read()
    load = re.search(r"^load=(\S+)", info, re.M).group(1)
    entry = re.search(r"^entry=(\S+)", info, re.M).group(1)
    ld = os.path.join(work, "payload.ld")
    with open(ld, "w") as f:
        f.write("SECTIONS { . = %s; .text : { *(.data) } }\n" % load)
    kernel = os.path.join(work, "vmlinux.elf")
    sh("mipsel-linux-gnu-ld", "-EL", "-T", ld, "-e", entry, "-b", "binary", os.path.join(B, "guest", "vmlinux.bin"),
       "-b", "elf32-tradlittlemips", "-o", kernel)
    initrd = os.path.join(work, "workloads.cpio.gz")
    sh(os.path.join(ROOT, "tests", "vms", "make-initramfs.sh"), os.path.join(B, "initramfs.cpio.gz"), initrd)
    return kernel, initrd


def make_base(work, mib):
    tree = os.path.join(work, "tree")
    os.makedirs(tree, exist_ok=True)
    data = os.urandom(mib << 20)
    with open(os.path.join(tree, "rand.bin"), "wb") as f:
        f.write(data)
    base = os.path.join(work, "base.img")
    sh("truncate", "-s", "%dM" % (2 * mib + 32), base)
    sh("mke2fs", "-q", "-t", "ext4", "-b", "4096", "-d", tree, base)
    return base, hashlib.md5(data).hexdigest()


def smaps_pss_kib(pid):
    with open("/proc/%d/smaps_rollup" % pid) as f:
        return int(re.search(r"^Pss:\s+(\d+) kB", f.read(), re.M).group(1))


def proc_io(pid):
    with open("/proc/%d/io" % pid) as f:
        return {k: int(v) for k, v in (l.split(": ") for l in f.read().split("\n") if l)}


def launch(args, kernel, initrd, base, want, n, cache, tag):
    d = os.path.join(args.out, "runs", tag)
    subprocess.run(["rm", "-rf", d])
    os.makedirs(d)
    vms = []
    for i in range(n):
        ov = os.path.join(d, "ov%d.qcow2" % i)
        sh("qemu-img", "create", "-q", "-f", "qcow2", "-b", base, "-F", "raw", ov)
        vms.append({"name": "vm%d" % i, "options": [
            "-m", str(args.ram), "-kernel", kernel, "-initrd", initrd, "-drive", "file=%s,if=virtio" % ov,
            "-append", "console=ttyS0 mvisor.workload=disk mvisor.hold=100000"]})
    cfg = os.path.join(d, "vms.json")
    with open(cfg, "w") as f:
        json.dump(vms, f)
    qmp_path = os.path.join(d, "qmp.sock")
    cmd = [args.mvisor, "--vm-config", cfg, "--run-dir", os.path.join(d, "run"),
           "-qmp", "unix:%s,server=on,wait=off" % qmp_path]
    if not cache:
        cmd += ["--buffer-cache", "0"]
    log("$ " + " ".join(cmd))
    err = open(os.path.join(d, "stderr"), "w")
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=err, stderr=err)
    try:
        deadline = t0 + args.timeout
        logs = {}
        while time.monotonic() < deadline and p.poll() is None:
            logs = {}
            for i in range(n):
                try:
                    with open(os.path.join(d, "run", "vm%d.log" % i), "rb") as f:
                        logs[i] = f.read().decode("latin-1")
                except FileNotFoundError:
                    logs[i] = ""
            if all("@@result" in t for t in logs.values()):
                break
            time.sleep(0.2)
        results = {i: re.findall(r"^@@result disk (\S+?)\r?$", t, re.M) for i, t in logs.items()}
        if not all(r == [want] for r in results.values()):
            raise RuntimeError("%s: results %r (want %s); logs in %s" % (tag, results, want, d))
        secs = time.monotonic() - t0
        md5_secs = []
        for t in logs.values():
            m = re.search(r"^@@seconds md5sum (\S+) (\S+)", t, re.M)
            md5_secs.append(float(m.group(2)) - float(m.group(1)) if m else -1.0)
        boot = []
        for t in logs.values():
            m = re.search(r"^\[\s*([0-9.]+)\] Run /init", t, re.M)
            boot.append(float(m.group(1)) if m else -1.0)
        time.sleep(1)  # the guests settle into their sleep
        pss = smaps_pss_kib(p.pid)
        with open("/proc/%d/stat" % p.pid) as f:
            st = f.read().rsplit(")", 1)[1].split()
        cpu_s = (int(st[11]) + int(st[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
        io = proc_io(p.pid)
        q = QMPClient(qmp_path)
        q.run("qmp_capabilities")
        bc = q.run("query-buffer-cache")
        bs = [q.run("query-blockstats", vm="vm%d" % i)[0] for i in range(n)]
        q.run("quit")
        p.wait(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        err.close()
    served = {k: sum(b["buffer-cache"][k] for b in bs) for k in ("mapped-bytes", "copied-bytes", "direct-bytes")}
    r = {"vms": n, "cache": cache, "secs_to_results": round(secs, 2),
         "cpu_s": round(cpu_s, 2), "guest_boot_s_max": round(max(boot), 2), "guest_md5sum_s_max": round(max(md5_secs), 2), "pss_mib": round(pss / 1024, 1),
         "rchar_mib": round(io["rchar"] / 2**20, 1), "cache_host_mib": round(bc.get("host-bytes", 0) / 2**20, 1),
         "cache_pages": bc.get("pages", 0), "mapped_mib": round(served["mapped-bytes"] / 2**20, 1),
         "copied_mib": round(served["copied-bytes"] / 2**20, 1), "direct_mib": round(served["direct-bytes"] / 2**20, 1)}
    log("%s: %s" % (tag, json.dumps(r)))
    return r


def med(xs):
    xs = sorted(xs)
    m = len(xs) // 2
    return xs[m] if len(xs) % 2 else (xs[m - 1] + xs[m]) / 2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mvisor", default=os.path.join(B, "mvisor"))
    ap.add_argument("--vms", default="4,8")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--file-mib", type=int, default=48)
    ap.add_argument("--ram", type=int, default=128)
    ap.add_argument("--timeout", type=int, default=600)
    ap.add_argument("--out", default=os.path.join(B, "bench-bufcache"))
    args = ap.parse_args()
    args.out = os.path.abspath(args.out)
    os.makedirs(args.out, exist_ok=True)
    kernel, initrd = inputs(args.out)
    base, want = make_base(args.out, args.file_mib)
    rows = []
    for n in [int(x) for x in args.vms.split(",")]:
        for rnd in range(args.rounds):
            order = [True, False] if rnd % 2 == 0 else [False, True]
            for cache in order:
                rows.append(launch(args, kernel, initrd, base, want, n, cache,
                                   "n%d-%s-r%d" % (n, "cache" if cache else "nocache", rnd)))
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump({"file_mib": args.file_mib, "ram_mib": args.ram, "runs": rows}, f, indent=1)
    keys = ["pss_mib", "rchar_mib", "cache_host_mib", "mapped_mib", "copied_mib", "direct_mib", "cpu_s",
            "secs_to_results", "guest_boot_s_max", "guest_md5sum_s_max"]
    lines = ["| VMs | buffer cache | " + " | ".join(keys) + " |", "|" + "---|" * (len(keys) + 2)]
    for n in sorted({r["vms"] for r in rows}):
        for cache in (True, False):
            rs = [r for r in rows if r["vms"] == n and r["cache"] == cache]
            cells = []
            for k in keys:
                xs = [r[k] for r in rs]
                cells.append("%.1f (%.1f-%.1f)" % (med(xs), min(xs), max(xs)))
            lines.append("| %d | %s | %s |" % (n, "on" if cache else "off (--buffer-cache 0)", " | ".join(cells)))
    table = "\n".join(lines) + "\n"
    with open(os.path.join(args.out, "table.md"), "w") as f:
        f.write("N VMs in one monitor read one %d MiB file, each from its own qcow2 overlay of one raw ext4 base "
                "(-m %d); medians (min-max) of %d rounds\n\n" % (args.file_mib, args.ram, args.rounds) + table)
    print(table)


if __name__ == "__main__":
    main()
