#!/usr/bin/python3
"""Idle host CPU of two (or more) mvisor builds side by side, in the same window.

    bench/vms/idle-ab.py N WINDOW ROUNDS NAME=BINARY [NAME=BINARY[,VAR=VALUE...][,--OPTION=VALUE...]] ...

Each round starts one monitor per build at the same time, each running N idle clones of the
reference guest (`BINARY -M malta -m 256 -kernel build/guest/vmlinuz -initrd
build/initramfs.cpio.gz -append console=ttyS0 --clone N --run-dir DIR`, DIR under $TMPDIR);
once every DIR/vm*.log ends in the busybox prompt `# `, it waits 3 s and reads utime + stime of
each monitor's /proc/PID/stat over the same WINDOW seconds: the builds share the host's load and
its caches in that window, which a shared, loaded host makes the only fair comparison. Rounds
alternate which build starts first. Prints each round and, per build, the median with min-max
in % of one core. VAR=VALUE pairs go into that build's environment; --OPTION=VALUE parts are
added to its command line as --OPTION VALUE (one binary under two settings). IDLE_AB_SETTLE
(seconds, default 3) replaces the 3 s wait: 15 lets the first idle trims (10 s) pass. Run from the repository's
top folder (README "Idle VMs: where an idle tick's time goes").
"""
import glob
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time


def usage():
    sys.exit(__doc__.strip().splitlines()[2].strip())


def cpu_seconds(pid):
    fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def at_prompt(run_dir):
    n = 0
    for path in glob.glob(os.path.join(run_dir, "vm*.log")):
        try:
            with open(path, "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - 200))
                n += b"# " in f.read()
        except OSError:
            pass
    return n


def main():
    if len(sys.argv) < 5:
        usage()
    n, window, rounds = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
    builds = []
    for arg in sys.argv[4:]:
        if "=" not in arg:
            usage()
        name, rest = arg.split("=", 1)
        parts = rest.split(",")
        env = dict(os.environ)
        extra = []
        for p in parts[1:]:
            k, v = p.split("=", 1)
            if k.startswith("-"):
                extra += [k, v]
            else:
                env[k] = v
        builds.append((name, parts[0], env, extra))
    results = {name: [] for name, _, _, _ in builds}
    for r in range(rounds):
        order = builds if r % 2 == 0 else builds[::-1]
        runs = []
        t0 = time.monotonic()
        for name, binary, env, extra in order:
            d = tempfile.mkdtemp(prefix="idle-ab-%s-" % name)
            cmd = [binary, "-M", "malta", "-m", "256", "-kernel", "build/guest/vmlinuz", "-initrd",
                   "build/initramfs.cpio.gz", "-append", "console=ttyS0", "--clone", str(n), "--run-dir", d] + extra
            out = open(os.path.join(d, "mvisor.out"), "w")
            runs.append((name, subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env), d))
        while any(at_prompt(d) < n and p.poll() is None for _, p, d in runs):
            time.sleep(1)
        boot = time.monotonic() - t0
        if any(p.poll() is not None for _, p, _ in runs):
            sys.exit("idle-ab: a monitor ended before its VMs reached the prompt (see its mvisor.out)")
        time.sleep(float(os.environ.get("IDLE_AB_SETTLE", "3")))
        c0 = {name: cpu_seconds(p.pid) for name, p, _ in runs}
        w0 = time.monotonic()
        time.sleep(window)
        c1 = {name: cpu_seconds(p.pid) for name, p, _ in runs}
        w1 = time.monotonic()
        load = open("/proc/loadavg").read().split()[0]
        line = []
        for name, p, _ in runs:
            pct = 100.0 * (c1[name] - c0[name]) / (w1 - w0)
            results[name].append(pct)
            line.append("%s %.2f%%" % (name, pct))
            p.send_signal(signal.SIGTERM)
        for _, p, _ in runs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
        print("round %d (at the prompt after %.0f s, load %s): %s" % (r + 1, boot, load, ", ".join(line)), flush=True)
    for name, v in results.items():
        print("%s: %.2f%% (%.2f-%.2f) of a core for %d idle VMs, median of %d" %
              (name, statistics.median(v), min(v), max(v), n, len(v)))


if __name__ == "__main__":
    main()
