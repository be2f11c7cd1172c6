#!/usr/bin/env python3
"""Hostile guests beside well-behaved ones in one mvisor: the monitor and the others untouched.

    hostile_test.py CASE --mvisor BIN --kernel K --initrd I --progs DIR --work DIR

Built on the multi-VM suite's driver (tests/vms/vms_test.py: one mvisor with --vm-config,
--run-dir, -qmp; "ok NAME" / "FAIL NAME: why" lines, exit 0 iff every check passed). The
Linux VMs boot K with I (tests/vms/make-initramfs.sh with tests/hostile/guest/ added); the
hostile programs are tests/hostile/progs/*.S (and tests/vms/progs/exc_loop.S), built in DIR.

Case storms: one monitor, 14 VMs.
  good       md5 and sort (the vms suite's workloads, -m 96): each prints its result, which
             must equal the value computed here, and powers off (exit 0)
  forkbomb   Linux (-m 96), tests/hostile/guest/forkbomb.sh: an unprivileged fork bomb under
             `ulimit -u 64`; its peak process count must lie in 16..64, none may be left after
             root's kill, the md5 after it must be exact, and it powers off (exit 0)
  cp0, tlb, mmio, dma
             random CP0 writes, garbage TLB entries, an MMIO storm over every device and PCI
             configuration space, virtio DMA anywhere (mmio and dma with a virtio disk, card
             on a restricted user network, and balloon); --deterministic --seed, each with an
             instruction limit: each must end alone with one of instruction limit reached,
             guest wedged, guest powered off, after at least one progress line
  smc, exc   a self-modifying-code storm and an exception storm, both checking their own
             results: the instruction limit reached, no BAD line, at least one progress line
  refill     a TLB-refill loop that retires instructions: the instruction limit, not a wedge
  waitmask, excloop
             WAIT with every wake-up source masked, and an exception loop that retires
             nothing: each "guest wedged" with its own reason line on stderr
  cp0b, smcb the same programs under --exec trap and --exec interp
Beside that: the monitor's status is the worst VM's (2); stderr has no sanitizer report or
host error, and at most 4 "needs a reset" reports per virtio function (a guest that breaks and
resets its devices in a loop must not flood the log); memory: the monitor's peak RSS (sampled
from /proc every 0.2 s) at most the sum of every VM's -m plus 40 MiB per VM (its code buffer,
32 MiB at most, and 8 MiB of monitor state) plus 32 MiB for the monitor; and by the monitor's
own accounting (--profile=json) each VM's mapped guest pages within its -m and its code
buffer within its size; W^X: in no sample (of /proc/PID/maps) is a mapping of the monitor
writable and executable at once, and the code buffers show as executable views of their memfds.
The figures are printed.
"""

import json
import os
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "vms"))
import vms_test as V  # noqa: E402
from vms_test import check  # noqa: E402
from qmp_client import QMPError  # noqa: E402
from guest import spawn  # noqa: E402

# a whole run's limit: the multi-VM driver's, stretched by run.sh as the host's load asks
RUN_LIMIT = int(os.environ.get("HOSTILE_RUN_LIMIT", V.RUN_LIMIT))
MIB = 1 << 20
PER_VM_MIB = 40      # a VM's host memory beyond its -m: its code buffer (32 MiB) and state
MONITOR_MIB = 32     # the monitor's own (threads, QMP, libraries)
NEEDS_RESET_REPORTS = 4


class MemSampler(threading.Thread):
    """Peak VmRSS, VmHWM and PSS of a process, sampled until it exits."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid = pid
        self.rss = self.hwm = self.pss = 0
        self.samples = 0
        self.code_views = 0  # samples that saw an executable memfd mapping (the code buffers)
        self.wx = []  # mappings seen writable and executable at once (cache/codebuf.c: never)

    def run(self):
        while True:
            try:
                with open("/proc/%d/status" % self.pid) as f:
                    st = f.read()
                with open("/proc/%d/smaps_rollup" % self.pid) as f:
                    sm = f.read()
                with open("/proc/%d/maps" % self.pid) as f:
                    maps = f.read().splitlines()
            except OSError:
                return
            m = re.search(r"^VmRSS:\s+(\d+) kB", st, re.M)
            if not m:  # a zombie: gone
                return
            self.rss = max(self.rss, int(m.group(1)) * 1024)
            m = re.search(r"^VmHWM:\s+(\d+) kB", st, re.M)
            self.hwm = max(self.hwm, int(m.group(1)) * 1024) if m else self.hwm
            m = re.search(r"^Pss:\s+(\d+) kB", sm, re.M)
            self.pss = max(self.pss, int(m.group(1)) * 1024) if m else self.pss
            for line in maps:
                f = line.split()
                if len(f) >= 2 and "w" in f[1] and "x" in f[1] and line not in self.wx:
                    self.wx.append(line)
            if any(len(f) >= 6 and f[1] == "r-xs" and "memfd:mvisor-code" in f[5] for f in map(str.split, maps)):
                self.code_views += 1
            self.samples += 1
            time.sleep(0.2)


def bare_vm(args, name, prog, mib, insns, extra=()):
    return {"name": name, "options": ["-m", str(mib), "-kernel", os.path.join(args.progs, prog + ".elf"),
                                      "--deterministic", "--seed", "7", "--max-insns", str(insns)] + list(extra)}


def devices(args, name):
    img = os.path.join(args.work, "storms", name + ".img")
    os.makedirs(os.path.dirname(img), exist_ok=True)
    with open(img, "wb") as f:
        f.truncate(8 * MIB)
    return ["-drive", "file=%s,if=virtio,format=raw" % img, "-netdev", "user,id=n0,restrict=on",
            "-device", "virtio-net-pci,netdev=n0", "-device", "virtio-balloon-pci"]


def case_storms(args):
    want = V.expected()
    good = ["md5", "sort"]
    vms = [V.linux_vm(args, n, n, timeout=RUN_LIMIT) for n in good]
    vms.append(V.linux_vm(args, "forkbomb", "forkbomb", "rdinit=/hostile-init", timeout=RUN_LIMIT))
    vms += [bare_vm(args, "cp0", "cp0_storm", 16, 400000000),
            bare_vm(args, "tlb", "tlb_storm", 16, 120000000),
            bare_vm(args, "mmio", "mmio_storm", 32, 600000000, devices(args, "mmio")),
            bare_vm(args, "dma", "virtio_dma", 32, 2000000000, devices(args, "dma")),
            bare_vm(args, "smc", "smc_storm", 16, 400000000),
            bare_vm(args, "exc", "exc_storm", 16, 1000000000),
            bare_vm(args, "refill", "refill_loop", 16, 150000000),
            bare_vm(args, "waitmask", "wait_masked", 16, 1000000000),
            bare_vm(args, "excloop", "exc_loop", 16, 1000000000),
            bare_vm(args, "cp0b", "cp0_storm", 16, 40000000, ["--exec", "trap"]),
            bare_vm(args, "smcb", "smc_storm", 16, 20000000, ["--exec", "interp"])]
    ram = {v["name"]: int(v["options"][v["options"].index("-m") + 1]) for v in vms}
    run = V.Run(args, "storms", vms, profile=True)
    mem = MemSampler(run.p.pid)
    mem.start()
    try:
        run.connect()
        done = run.wait_shutdown(run.names, RUN_LIMIT)
        check("every VM shut down", set(done) == set(run.names), "no SHUTDOWN for %s" %
              sorted(set(run.names) - set(done)))
    except (QMPError, OSError, KeyError) as e:
        check("qmp session", False, repr(e))
    rc = run.finish(RUN_LIMIT)
    mem.join(5)
    check("exit status 2 (the worst VM's: wedged)", rc == 2, "status %d" % rc)
    lines = run.exit_lines()
    print("exit lines: %r" % lines)

    # the well-behaved VMs: exact
    for n in good:
        check("%s: exit 0 (guest powered off)" % n, lines.get(n) == (0, "guest powered off"), repr(lines.get(n)))
    V.check_results(run, good, want)

    # the fork bomb
    log = run.log("forkbomb")
    m = re.search(r"^@@forkbomb peak (\d+)", log, re.M)
    peak = int(m.group(1)) if m else -1
    check("forkbomb: the bomb ran into its limit (16..64 processes at once)", 16 <= peak <= 64, "peak %d" % peak)
    check("forkbomb: none left after the kill", re.search(r"^@@forkbomb cleared \d+ left 0\r?$", log, re.M),
          log[-300:])
    got = re.findall(r"^@@result forkbomb (\S+)\r?$", log, re.M)
    check("forkbomb: exact md5 after the bomb", got == [want["md5"]], "got %r" % got)
    check("forkbomb: exit 0 (guest powered off)", lines.get("forkbomb") == (0, "guest powered off"),
          repr(lines.get("forkbomb")))

    # the storms
    ends = {(3, "instruction limit reached"), (2, "guest wedged"), (0, "guest powered off")}
    progress = {"cp0": r"cp0_storm: round ", "tlb": r"tlb_storm: round ", "mmio": r"mmio_storm: access ",
                "dma": r"virtio_dma: round ", "smc": r"smc_storm: round ", "exc": r"exc_storm: exceptions ",
                "cp0b": r"cp0_storm: round ", "smcb": r"smc_storm: round "}
    for n in ("cp0", "tlb", "mmio", "dma"):
        check("%s: ends alone with a clear reason" % n, lines.get(n) in ends, repr(lines.get(n)))
    for n in ("smc", "exc", "refill", "cp0b", "smcb"):
        check("%s: keeps running to its instruction limit" % n, lines.get(n) == (3, "instruction limit reached"),
              repr(lines.get(n)))
    for n, pat in progress.items():
        check("%s: made progress" % n, re.search(pat, run.log(n)), run.log(n)[-200:])
    check("dma: found the three virtio functions", "virtio_dma: virtio functions 00000003" in run.log("dma"),
          run.log("dma")[:200])
    for n in ("smc", "exc", "smcb"):
        bad = re.findall(r"^.*BAD.*$", run.log(n), re.M)
        check("%s: no BAD line (its own results right)" % n, not bad, repr(bad[:4]))
    check("refill: the loop ran", "refill_loop: refills forever" in run.log("refill"), run.log("refill")[-200:])
    check("waitmask: wedged in WAIT", lines.get("waitmask") == (2, "guest wedged") and
          "mvisor: waitmask: guest wedged: wait with every wake-up source masked" in run.stderr,
          repr(lines.get("waitmask")))
    check("excloop: wedged in an exception loop", lines.get("excloop") == (2, "guest wedged") and
          "mvisor: excloop: guest wedged: exception loop without progress" in run.stderr,
          repr(lines.get("excloop")))

    # the monitor's log
    check("stderr: no sanitizer report or host error",
          not re.search(r"AddressSanitizer|runtime error|LeakSanitizer|host error", run.stderr),
          run.stderr[-1000:])
    resets = {}
    for m in re.finditer(r"^mvisor: virtio (\w+) at PCI slot (\w+): .*needs a reset", run.stderr, re.M):
        resets[m.group(1, 2)] = resets.get(m.group(1, 2), 0) + 1
    # two VMs (mmio, dma) have the same functions in the same slots
    check("stderr: at most %d reset reports per virtio function and VM" % NEEDS_RESET_REPORTS,
          all(c <= 2 * NEEDS_RESET_REPORTS for c in resets.values()), repr(resets))
    print("stderr: %d lines, %d bytes; reset reports %r" % (run.stderr.count("\n"), len(run.stderr), resets))

    # memory
    bound = (sum(ram.values()) + PER_VM_MIB * len(ram) + MONITOR_MIB) * MIB
    print("memory: peak RSS %.1f MiB, VmHWM %.1f MiB, peak PSS %.1f MiB (%d samples); the VMs' -m %d MiB; "
          "bound %.0f MiB" % (mem.rss / MIB, mem.hwm / MIB, mem.pss / MIB, mem.samples, sum(ram.values()),
                              bound / MIB))
    check("memory: sampled", mem.samples >= 3 and mem.hwm > 0, "%d samples" % mem.samples)
    # W^X (cache/codebuf.c): the code buffers are executed through read-only views of memfds
    check("W^X: no mapping writable and executable at once, code buffers mapped r-x",
          not mem.wx and mem.code_views >= 3, "%d samples with code buffers; %r" % (mem.code_views, mem.wx[:4]))
    check("memory: peak RSS within the VMs' -m plus %d MiB each plus %d MiB" % (PER_VM_MIB, MONITOR_MIB),
          0 < mem.hwm <= bound, "VmHWM %d MiB > %d MiB" % (mem.hwm // MIB, bound // MIB))
    try:
        with open(run.profile) as f:
            prof = json.load(f)
        for n in run.names:
            mm = prof[n]["machine_memory"]
            # the interpreter translates nothing: no code buffer
            tc = prof[n].get("translation_cache", {})
            tc = {k: tc.get(k, 0) for k in ("code_buffer_used", "code_buffer_size")}
            pages = mm["private_pages"] + mm["shared_pages"]
            print("%s: %d guest pages mapped (%.1f MiB of -m %d), code buffer %.1f of %.0f MiB" %
                  (n, pages, pages * 4096 / MIB, ram[n], tc["code_buffer_used"] / MIB, tc["code_buffer_size"] / MIB))
            check("%s: mapped guest pages within -m, code within its buffer" % n,
                  pages * 4096 <= ram[n] * MIB and tc["code_buffer_used"] <= tc["code_buffer_size"],
                  "%d pages, code %d of %d" % (pages, tc["code_buffer_used"], tc["code_buffer_size"]))
    except (OSError, ValueError, KeyError, TypeError) as e:
        check("profile", False, repr(e))
    if V.failures:
        run.dump()


def seccomp_mode(pid):
    with open("/proc/%d/status" % pid) as f:
        m = re.search(r"^Seccomp:\s+(\d+)", f.read(), re.M)
    return int(m.group(1)) if m else -1


def case_sandbox(args):
    """-sandbox: the filter is on by default while VMs run (Seccomp 2 in /proc), off with
    -sandbox off, and a bad value is one line and status 1. What the filter forbids and allows
    is tests/unit/test_sandbox.c's."""
    elf = os.path.join(args.progs, "exc_storm.elf")
    for opt, want in (([], 2), (["-sandbox", "on"], 2), (["-sandbox", "off"], 0), (["--sandbox", "off"], 0)):
        cmd = [args.mvisor, "-M", "malta", "-m", "16", "-kernel", elf, "-serial", "none", "--timeout", "30"] + opt
        print("$ " + " ".join(cmd), flush=True)
        p = spawn(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # the filter goes in once the VM is set up: look after 2 s of its run
        time.sleep(2)
        mode = seccomp_mode(p.pid) if p.poll() is None else -1
        p.terminate()
        out, err = p.communicate(timeout=30)
        check("%s: Seccomp %d while the VM runs" % (" ".join(opt) or "default", want), mode == want,
              "Seccomp %d, stderr %r" % (mode, err[-300:]))
        check("%s: stopped by the signal, status 1" % (" ".join(opt) or "default"),
              p.returncode == 1 and "stopped by signal 15" in err and "sandbox" not in err,
              "status %d, stderr %r" % (p.returncode, err[-300:]))
    r = subprocess.run([args.mvisor, "-sandbox", "maybe", "-kernel", elf], capture_output=True, text=True)
    check("-sandbox maybe: one line, status 1", r.returncode == 1 and r.stderr.count("\n") == 1 and
          r.stderr.startswith("mvisor: -sandbox takes on or off, not 'maybe'"), "status %d, %r" % (r.returncode, r.stderr))


CASES = {"storms": case_storms, "sandbox": case_sandbox}


if __name__ == "__main__":
    V.main(CASES)
