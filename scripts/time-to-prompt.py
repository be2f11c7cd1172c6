#!/usr/bin/env python3
"""Seconds from launch to the busybox shell prompt, mvisor against qemu-system-mipsel, on the
same kernel and initramfs, alternating in one invocation.

    scripts/time-to-prompt.py [--rounds 5] [--configs interp,qemu,dbt]
                              [--kernel build/guest/vmlinuz] [--initrd build/initramfs.cpio.gz]

Each round runs every configuration once (reversed on odd rounds, so neither always goes
first on a warm or cold cache); each run is timed on the host's monotonic clock from the
launch until the first "/ # " after "Run /init", then powered off. Prints the median with
min-max per configuration and the median of the per-round ratios to QEMU. Both monitors run
in real time with the same command line: -M malta -m 256 -nographic -no-reboot -kernel K
-initrd I -append 'console=ttyS0 panic=-1' (QEMU also gets -net none -vga none: this Debian
build lacks the option ROMs of its default NIC and VGA, which the guest does not use).
"""

import argparse
import os
import statistics
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "boot"))
from guest import Guest, GuestError  # noqa: E402


def one_run(cfg, a, n):
    common = ["-M", "malta", "-m", "256", "-nographic", "-no-reboot", "-kernel", a.kernel, "-initrd", a.initrd,
              "-append", "console=ttyS0 panic=-1"]
    if cfg == "qemu":
        argv = [a.qemu] + common + ["-net", "none", "-vga", "none"]
    else:
        argv = [a.mvisor] + common + ["--exec", cfg]
    os.makedirs(a.log_dir, exist_ok=True)
    base = os.path.join(a.log_dir, "%s-%d" % (cfg, n))
    g = Guest(argv, base + ".console", base + ".stderr")
    try:
        g.expect(r"Run /init as init process", 1200, "/init")
        g.expect(r"/ # ", 300, "the prompt")
        t = g.elapsed()
        g.send("poweroff -f\n")
        g.wait_exit(120)
        return t
    except GuestError as e:
        print("  %s run %d failed: %s" % (cfg, n, e), file=sys.stderr)
        return None
    finally:
        g.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--configs", default="interp,qemu,dbt")
    p.add_argument("--kernel", default="build/guest/vmlinuz")
    p.add_argument("--initrd", default="build/initramfs.cpio.gz")
    p.add_argument("--mvisor", default="build/mvisor")
    p.add_argument("--qemu", default="qemu-system-mipsel")
    p.add_argument("--log-dir", default="build/time-to-prompt")
    a = p.parse_args()
    configs = a.configs.split(",")
    times = {c: [] for c in configs}
    rounds = []
    for r in range(a.rounds):
        order = configs if r % 2 == 0 else list(reversed(configs))
        got = {}
        for c in order:
            got[c] = one_run(c, a, r)
            print("round %d %-6s %s" % (r, c, "%.2f s" % got[c] if got[c] is not None else "failed"), flush=True)
            if got[c] is not None:
                times[c].append(got[c])
        rounds.append(got)
    print("\nseconds from launch to the shell prompt, %d rounds (median, min-max):" % a.rounds)
    for c in configs:
        t = times[c]
        if t:
            print("  %-6s %7.2f  (%.2f-%.2f)  n=%d" % (c, statistics.median(t), min(t), max(t), len(t)))
    if "qemu" in configs:
        for c in configs:
            if c == "qemu":
                continue
            ratios = [g[c] / g["qemu"] for g in rounds if g.get(c) and g.get("qemu")]
            if ratios:
                print("  %s / qemu per round: median %.2f (%.2f-%.2f)" % (c, statistics.median(ratios), min(ratios),
                                                                        max(ratios)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
