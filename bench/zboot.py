#!/usr/bin/python3
"""The guest kernel's self-decompressor (Debian's zboot wrapper, ~2e9 instructions of XZ
decompression) under mvisor's translator and under qemu-system-mipsel, alternating, in one
invocation: the translator's speed on real code until the Malta board lets bench/run.py time the
whole boot.

    bench/zboot.py [--pairs N] [--mvisor BIN] [--kernel build/guest/vmlinuz]

QEMU: `qemu-system-mipsel -M malta -m 256 -nographic -no-reboot -nic none -vga none -kernel K -s -S`
(default TCG), timed from gdb's `continue` to a hardware breakpoint at the kernel's entry point
(vmlinux.info `entry=`), so QEMU's own start-up is not counted. mvisor: `build/mvisor -M testbench
-m 256 --exec dbt --max-insns N -kernel K` (real-time mode), timed from launch to exit, where N is
the number of instructions the decompressor runs before that entry point (found once with the
interpreter's --trace and cached in build/bench/zboot-insns). Times are host monotonic seconds;
each pair runs both, in alternating order; the report gives medians with min-max and the median
of the per-pair ratios, as build/bench/zboot.md. A pair where either run failed is left out of
the figures; the report and the output say how many of the N pairs succeeded ("pairs: 4 of 5
succeeded") and which failed.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time


def entry_point(kernel):
    info = os.path.join(os.path.dirname(kernel), "vmlinux.info")
    with open(info) as f:
        for line in f:
            if line.startswith("entry="):
                return int(line.split("=", 1)[1], 0)
    sys.exit(f"zboot: no entry= in {info}")


def insns_to_entry(args, entry):
    cache = os.path.join(args.out, "zboot-insns")
    try:
        with open(cache) as f:
            key, n = f.read().split()
            if key == f"{os.path.getsize(args.kernel)}:{entry:#x}":
                return int(n)
    except (OSError, ValueError):
        pass
    print("zboot: counting the decompressor's instructions once (interpreter, --trace)...", file=sys.stderr)
    r = subprocess.run([args.mvisor, "-M", "testbench", "-m", "256", "--deterministic", "--exec", "interp",
                        "--max-insns", "4000000000", "--trace", f"pc={entry:#x}-{entry:#x}", "-kernel", args.kernel],
                       capture_output=True, text=True, timeout=1200)
    for line in r.stderr.splitlines():
        parts = line.split()
        if len(parts) > 1 and parts[1].startswith(f"{entry:#010x}:"):
            n = int(parts[0])
            with open(cache, "w") as f:
                f.write(f"{os.path.getsize(args.kernel)}:{entry:#x} {n}\n")
            return n
    sys.exit("zboot: the interpreter never reached the kernel entry point")


QEMU = ["qemu-system-mipsel", "-M", "malta", "-m", "256", "-nographic", "-no-reboot", "-nic", "none",
        "-vga", "none"]


def run_qemu(args, entry, port):
    q = subprocess.Popen(QEMU + ["-kernel", args.kernel, "-gdb", f"tcp::{port}", "-S"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        g = subprocess.run(["gdb-multiarch", "-nx", "-batch", "-ex", "set architecture mips:isa32r2",
                            "-ex", "set endian little", "-ex", f"target remote 127.0.0.1:{port}",
                            "-ex", f"hbreak *{entry:#x}", "-ex", "python import time; print('GO', time.monotonic())",
                            "-ex", "continue", "-ex", "python import time; print('HIT', time.monotonic())"],
                           capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        print(f"zboot: qemu run timed out after {args.timeout:g}s", file=sys.stderr)
        return None
    finally:
        q.kill()
        q.wait()
    t = {}
    for line in g.stdout.splitlines():
        if line.startswith(("GO ", "HIT ")):
            k, v = line.split()
            t[k] = float(v)
    if "GO" not in t or "HIT" not in t or f"{entry:x}" not in g.stdout.lower():
        print(f"zboot: qemu run failed: {g.stdout[-400:]} {g.stderr[-400:]}", file=sys.stderr)
        return None
    return t["HIT"] - t["GO"]


def run_mvisor(args, n):
    argv = [args.mvisor, "-M", "testbench", "-m", "256", "--exec", "dbt",
            "--max-insns", str(n), "-kernel", args.kernel]
    t0 = time.monotonic()
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        print(f"zboot: mvisor run timed out after {args.timeout:g}s", file=sys.stderr)
        return None
    dt = time.monotonic() - t0
    if r.returncode != 3 or f"({n} instructions" not in r.stderr:
        print(f"zboot: mvisor run failed ({r.returncode}): {r.stderr[-400:]}", file=sys.stderr)
        return None
    return dt, " ".join(argv)


def med(xs):
    return f"{statistics.median(xs):.2f} ({min(xs):.2f}-{max(xs):.2f})"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--pairs", type=int, default=5)
    p.add_argument("--mvisor", default="build/mvisor")
    p.add_argument("--kernel", default="build/guest/vmlinuz")
    p.add_argument("--out", default="build/bench")
    p.add_argument("--timeout", type=float, default=300)
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    entry = entry_point(args.kernel)
    n = insns_to_entry(args, entry)
    q_t, m_t, ratios, cmd, failed = [], [], [], "", []
    for i in range(args.pairs):
        order = ("qemu", "mvisor") if i % 2 == 0 else ("mvisor", "qemu")
        got = {}
        for who in order:
            if who == "qemu":
                got[who] = run_qemu(args, entry, 12340 + i)
            else:
                r = run_mvisor(args, n)
                got[who], cmd = (r[0], r[1]) if r else (None, cmd)
        if got["qemu"] is None or got["mvisor"] is None:
            who_failed = " and ".join(w for w in order if got[w] is None)
            failed.append(f"pair {i + 1} ({who_failed} failed)")
            print(f"pair {i + 1}/{args.pairs}: {who_failed} failed, left out", file=sys.stderr)
            continue
        q_t.append(got["qemu"])
        m_t.append(got["mvisor"])
        ratios.append(got["mvisor"] / got["qemu"])
        print(f"pair {i + 1}/{args.pairs}: qemu {got['qemu']:.2f}s mvisor {got['mvisor']:.2f}s "
              f"ratio {ratios[-1]:.2f}", file=sys.stderr)
    pairs_line = f"pairs: {len(ratios)} of {args.pairs} succeeded" + (f"; left out: {', '.join(failed)}" if failed else "")
    if not ratios:
        sys.exit(f"zboot: no complete pair ({pairs_line})")
    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    lines = [
        f"## The guest's decompressor: mvisor vs QEMU ({time.strftime('%Y-%m-%d', time.gmtime())}, {rev})",
        "",
        f"{n} guest instructions from reset to the kernel entry {entry:#x}; alternating pairs;"
        " host seconds, median (min-max) over the pairs that succeeded.",
        "",
        pairs_line + ".",
        "",
        "| engine | seconds | ratio to QEMU (median of pairs) |",
        "|---|---:|---:|",
        f"| qemu-system-mipsel (TCG) | {med(q_t)} | 1.00 |",
        f"| mvisor --exec dbt | {med(m_t)} | {med(ratios)} |",
        "",
        f"QEMU: `{' '.join(QEMU)} -kernel {args.kernel} -gdb tcp::PORT -S`, from gdb `continue` to"
        f" `hbreak *{entry:#x}`.",
        f"mvisor: `{cmd}` (launch to exit).",
    ]
    text = "\n".join(lines) + "\n"
    with open(os.path.join(args.out, "zboot.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
