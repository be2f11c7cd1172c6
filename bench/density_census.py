#!/usr/bin/python3
"""What an added idle VM holds: N clones of the reference guest in one monitor, then, once they
have settled, every guest page and every host mapping of the monitor sorted by kind.

    bench/density_census.py --clones 8                      each clone its own seed
    bench/density_census.py --clones 8 --seed 1             one seed for all
    bench/density_census.py --clones 8 --mvisor OTHER/mvisor --append nokaslr

Guest pages (read from the host without touching them: the pool's memory file is opened through
/proc/PID/fd and read with pread, holes found with SEEK_DATA, so nothing is faulted in): each
VM's RAM view is one run of the pool file's mappings (/proc/PID/maps); a view page whose file
offset is not at its place in the VM's home run is mapped away (merged, or a boot file's page);
the others are the VM's own, and each is sorted by its bytes: zero, the same bytes as a page of
another VM (the scanner has not merged it, or it was written since), or bytes no other VM has,
inside the guest's kernel image (its /proc/iomem "Kernel code" and "Kernel data"; with KASLR
relocated in every VM to its own address) or outside it (the kernel's allocations, page tables,
the page cache, user memory). Which view is which VM: each guest writes a marker into a tmpfs
file before the wait. The guests' /proc/meminfo gives their own view of the rest (Slab,
PageTables, KernelStack, AnonPages, page cache).

The monitor's own memory: PSS of /proc/PID/smaps by mapping kind (the pool file, translated
code, the flash image, the heap, the stacks, and anonymous mappings grouped by size, which names
them: block descriptors, the block index, the vCPUs and their jump caches, the scanner's tables).
Figures are per VM (totals / N). Needs nothing but build/mvisor, the kernel and the initramfs.
"""

import argparse
import collections
import hashlib
import os
import re
import signal
import socket
import subprocess
import sys
import time

PAGE = 4096
MIB = 1 << 20
MARK = "CENSUSMARK"
RAM = 256 * MIB  # -m 256


def log(msg):
    print(f"census: {time.strftime('%H:%M:%S')} {msg}", file=sys.stderr, flush=True)


def wait_prompts(rd, n, timeout):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        time.sleep(1)
        try:
            logs = sorted(f for f in os.listdir(rd) if f.endswith(".log"))
        except OSError:
            continue
        if len(logs) == n and all(b"/ # " in open(os.path.join(rd, f), "rb").read() for f in logs):
            return [f[:-4] for f in logs], time.monotonic() - t0
    sys.exit("census: the VMs did not all reach their prompt")


def ask(rd, name, cmd, wait=2.0):
    with open(os.path.join(rd, name + ".log"), "rb") as f:
        start = len(f.read())
    s = socket.socket(socket.AF_UNIX)
    s.connect(os.path.join(rd, name + ".sock"))
    s.sendall(cmd.encode() + b"\n")
    time.sleep(wait)
    s.close()
    with open(os.path.join(rd, name + ".log"), "rb") as f:
        return f.read()[start:].decode(errors="replace")


def guest_facts(rd, name):
    out = ask(rd, name, f"echo {MARK}-{name}-END > /tmp/census; grep Kernel /proc/iomem; "
                        "grep -E '^(MemTotal|MemFree|Cached|Shmem|Slab|KernelStack|PageTables|AnonPages|Buffers):' /proc/meminfo")
    kern, mem = {}, {}
    for line in out.splitlines():
        m = re.match(r"\s*([0-9a-f]+)-([0-9a-f]+) : Kernel (code|data|bss)", line)
        if m:
            kern[m.group(3)] = (int(m.group(1), 16), int(m.group(2), 16) + 1)
        m = re.match(r"(\w+):\s+(\d+) kB", line)
        if m:
            mem[m.group(1)] = int(m.group(2)) / 1024
    return kern, mem


def maps_of(pid):
    rows = []
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            parts = line.split(None, 5)
            s, e = (int(x, 16) for x in parts[0].split("-"))
            rows.append((s, e, parts[1], int(parts[2], 16), parts[5].strip() if len(parts) > 5 else ""))
    return rows


def views(pid):
    """Each VM's RAM view: address-contiguous runs of the pool file's mappings, less the pool."""
    rows = sorted(r for r in maps_of(pid) if "mvisor-machine-memory" in r[4] and r[1] - r[0] < (64 << 30))
    runs = []
    for s, e, _, off, _ in rows:
        if runs and runs[-1]["end"] == s:
            runs[-1]["end"] = e
            runs[-1]["maps"].append((s, e, off))
        else:
            runs.append({"start": s, "end": e, "maps": [(s, e, off)]})
    # Two views may lie side by side: cut every run into views of the guest's RAM size.
    out = []
    for r in runs:
        for base in range(r["start"], r["end"], RAM):
            ms = [(max(s, base), min(e, base + RAM), off + max(s, base) - s)
                  for s, e, off in r["maps"] if s < base + RAM and e > base]
            out.append({"start": base, "end": base + RAM, "maps": ms})
    return out


def pool_fd(pid):
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            if "mvisor-machine-memory" in os.readlink(f"/proc/{pid}/fd/{fd}"):
                return os.open(f"/proc/{pid}/fd/{fd}", os.O_RDONLY)
        except OSError:
            pass
    sys.exit("census: cannot open the monitor's memory file")


def data_ranges(fd):
    """The memory file's populated ranges (SEEK_DATA / SEEK_HOLE)."""
    out, pos = [], 0
    while True:
        try:
            s = os.lseek(fd, pos, os.SEEK_DATA)
        except OSError:
            break
        e = os.lseek(fd, s, os.SEEK_HOLE)
        out.append((s, e))
        pos = e
    return out


def populated(ranges, off):
    lo, hi = 0, len(ranges)
    while lo < hi:
        mid = (lo + hi) // 2
        if ranges[mid][1] <= off:
            lo = mid + 1
        else:
            hi = mid
    return lo < len(ranges) and ranges[lo][0] <= off


def page_offsets(view):
    """File offset of every page of the view, and the home run's base (the commonest delta)."""
    offs = []
    delta = collections.Counter()
    for s, e, off in view["maps"]:
        for a in range(s, e, PAGE):
            o = off + (a - s)
            offs.append(o)
            delta[o - (a - view["start"])] += 1
    return offs, delta.most_common(1)[0][0]


def smaps_kinds(pid):
    kinds = collections.Counter()
    cur = None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                parts = line.split(None, 5)
                s, e = (int(x, 16) for x in parts[0].split("-"))
                name = parts[5].strip() if len(parts) > 5 else ""
                size = e - s
                if "mvisor-machine-memory" in name:
                    cur = "guest pages and boot files (pool)"
                elif "mvisor-code" in name:
                    cur = "translated code"
                elif "flash" in name:
                    cur = "Malta flash image"
                elif name == "[heap]":
                    cur = "brk heap"
                elif name.startswith("["):
                    cur = name
                elif name:
                    cur = "libraries and the binary"
                else:
                    cur = f"anonymous {size / MIB:.3f} MiB mappings"
            elif line.startswith("Pss:") and cur:
                kinds[cur] += int(line.split()[1]) / 1024
    return kinds


def main():
    b = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build")
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clones", type=int, default=8)
    p.add_argument("--seed", default=None, help="one --seed for all clones (default: each its own)")
    p.add_argument("--settle", type=float, default=60.0, help="seconds after the last prompt before the census")
    p.add_argument("--page-sharing", default="", help="--page-sharing's rate (default: mvisor's); 'off' for none")
    p.add_argument("--append", default="", help="words added to the kernel command line")
    p.add_argument("--mvisor", default=f"{b}/mvisor")
    p.add_argument("--kernel", default=f"{b}/guest/vmlinux.elf")
    p.add_argument("--initrd", default=f"{b}/initramfs.cpio.gz")
    p.add_argument("--run-dir", default=None)
    a = p.parse_args()

    rd = a.run_dir or f"/tmp/mvisor-census-{os.getpid()}"
    cmd = [a.mvisor, "-M", "malta", "-m", "256", "-kernel", a.kernel, "-initrd", a.initrd,
           "-append", " ".join(["console=ttyS0"] + a.append.split()), "--clone", str(a.clones), "--run-dir", rd]
    if a.page_sharing != "off":
        cmd.append("--page-sharing" + (f"={a.page_sharing}" if a.page_sharing else ""))
    if a.seed is not None:
        cmd += ["--seed", a.seed]
    err = open(rd + ".err", "w")
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
    try:
        names, t = wait_prompts(rd, a.clones, 60 + 20 * a.clones)
        log(f"{len(names)} prompts after {t:.1f} s")
        facts = {n: guest_facts(rd, n) for n in names}
        log(f"settling {a.settle:.0f} s")
        time.sleep(a.settle)
        report(proc.pid, names, facts, a)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait()


def report(pid, names, facts, a):
    fd = pool_fd(pid)
    ranges = data_ranges(fd)
    vs = views(pid)
    n = len(names)
    if len(vs) != n:
        sys.exit(f"census: {len(vs)} RAM views for {n} VMs")
    zero = bytes(PAGE)
    pages = {}    # view index -> list of (guest page, state, digest)
    owners = collections.defaultdict(set)
    which = {}
    for i, v in enumerate(vs):
        offs, home = page_offsets(v)
        rows = []
        for g, o in enumerate(offs):
            if o != home + g * PAGE:
                rows.append((g, "away", None))
                continue
            if not populated(ranges, o):
                rows.append((g, "untouched", None))
                continue
            data = os.pread(fd, PAGE, o)
            if data == zero:
                rows.append((g, "zero", None))
                continue
            if MARK.encode() in data:
                m = re.search(rb"CENSUSMARK-(\w+)-END", data)
                if m:
                    which[i] = m.group(1).decode()
            d = hashlib.blake2b(data, digest_size=16).digest()
            owners[d].add(i)
            rows.append((g, "own", d))
        pages[i] = rows
    if len(set(which.values())) != n:
        sys.exit(f"census: the markers named {sorted(which.values())}, not every VM")
    per = collections.defaultdict(float)
    for i, rows in pages.items():
        kern = facts[which[i]][0]
        for g, state, d in rows:
            pa = g * PAGE
            if state in ("away", "untouched", "zero"):
                per[state] += 1
            elif len(owners[d]) > 1:
                per["same bytes as another VM's page"] += 1
            elif any(lo <= pa < hi for lo, hi in (kern.get("code", (0, 0)),)):
                per["unique: kernel code"] += 1
            elif any(lo <= pa < hi for lo, hi in (kern.get("data", (0, 0)), kern.get("bss", (0, 0)))):
                per["unique: kernel data and bss"] += 1
            else:
                per["unique: outside the kernel image"] += 1
    seeds = "one --seed " + a.seed if a.seed is not None else "each clone its own seed"
    print(f"# {n} idle clones ({seeds}{', ' + a.append if a.append else ''}), {a.settle:.0f} s after the last prompt")
    print()
    print(f"Kernel code per VM: " + ", ".join(f"{which[i]} {facts[which[i]][0].get('code', (0, 0))[0]:#x}" for i in sorted(which)))
    print()
    print("| guest pages, per VM | MiB |")
    print("|---|---:|")
    order = ["untouched", "away", "zero", "same bytes as another VM's page", "unique: kernel code",
             "unique: kernel data and bss", "unique: outside the kernel image"]
    for k in order:
        label = {"untouched": "never touched", "away": "mapped away (merged, zero page, boot files)",
                 "zero": "own, zero"}.get(k, "own, " + k)
        print(f"| {label} | {per[k] * PAGE / MIB / n:.2f} |")
    print()
    print("| guest /proc/meminfo, median of the VMs | MiB |")
    print("|---|---:|")
    for k in ("MemTotal", "MemFree", "Cached", "Shmem", "Buffers", "AnonPages", "Slab", "KernelStack", "PageTables"):
        vals = sorted(facts[nm][1].get(k, 0.0) for nm in names)
        print(f"| {k} | {vals[len(vals) // 2]:.2f} |")
    print()
    kinds = smaps_kinds(pid)
    total = sum(kinds.values())
    print(f"| monitor PSS by mapping kind | MiB | per VM |")
    print("|---|---:|---:|")
    for k, val in sorted(kinds.items(), key=lambda kv: -kv[1]):
        if val >= 0.05:
            print(f"| {k} | {val:.2f} | {val / n:.2f} |")
    print(f"| all | {total:.2f} | {total / n:.2f} |")


if __name__ == "__main__":
    main()
