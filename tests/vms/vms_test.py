#!/usr/bin/env python3
"""Several VMs in one mvisor: exact workloads side by side, fault containment, QMP per VM.

    vms_test.py CASE --mvisor BIN --kernel K --initrd I --progs DIR --work DIR

Every Linux VM boots the same kernel K and initramfs I (tests/vms/make-initramfs.sh: its /init
runs the workload that mvisor.workload= names and prints "@@result NAME VALUE"); the expected
values are computed here, independently of the guest (expected()). Each case starts one mvisor
with --vm-config, --run-dir (each VM's ttyS0 in DIR/NAME.log) and -qmp, prints "ok NAME" /
"FAIL NAME: why" lines and exits 0 iff every check passed.

Cases:
  four-vms      four VMs, one workload each (md5, sort, arith, primes): every result line exact,
                each VM's exit line "exit 0 (guest powered off)", status 0; the kernel and
                initramfs file pages shared copy-on-write between the VMs (--profile=json: each
                VM maps shared pages, and the pool holds fewer pages than the VMs map, so some
                machine page is mapped by several VMs). QMP on the same run: `stop` of md5 once
                its kernel banner is out (STOP, status paused, its log does not grow) while the
                other three run to their end (their SHUTDOWN events, query-vms: shutdown, md5
                still paused); `system_reset` of the paused md5 (RESET, still paused and
                silent), `cont` (RESUME): it boots again (a second banner) and prints its
                exact result
  containment   three good VMs (md5, sort, arith) beside six bad ones: `panic` (the kernel
                crashes, panic=1 resets it, it boots and crashes again: at least two panics
                and guest resets, then QMP `quit` of that VM alone), `halt` (halt -f: a wedged
                guest, exit 2), `resetloop` (tests/vms/progs/reset_loop.S resets the board as
                soon as it runs, --timeout 4: exit 3 after many reboots), `excloop`
                (tests/vms/progs/exc_loop.S, an exception loop: a wedged guest, exit 2),
                `randcode` (tests/vms/progs/random_code.S runs random instruction words in kernel
                mode, --deterministic --seed 2: exit 3 at its --max-insns) and `mmiofuzz`
                (tests/vms/progs/mmio_fuzz.S, random loads and stores to the board's devices, the
                same way); while a
                wedged VM is over, query-vms shows it so and the others still running; the
                good VMs' results exact; every VM's exit line gives its own status and reason;
                the monitor's status is the worst (2)
  reset-loop-stops
                one VM resetting in a loop (reset_loop.S): SIGTERM ends it (status 1, "stopped
                by signal"), and so does QMP `quit` (status 0), each within seconds (before it,
                its RESET events over 3.5 s: rate-limited to one a second, guest-reset, the rest
                counted as throttled by query-event-queue, none dropped); beside a
                VM counting to its --max-insns, QMP `quit` of the resetting VM alone: its exit
                line says "quit" (not "guest reset")
  shared-base   four VMs, each on its own qcow2 overlay (qemu-img create -b base -F raw) of one
                ext4 base image, read one 8 MiB file from it: every md5 exact; the global buffer
                cache read the base from the host about once (its host bytes at most 1.25x what
                one VM read through it, and the VMs together read at least 3x that), every VM
                mapped base pages copy-on-write (--profile=json); QMP query-blockstats and
                query-buffer-cache say the same mid-run (one VM stopped until the others end)
  page-sharing  four VMs run tests/vms/progs/share_fill.S under --page-sharing: each fills 256 pages
                with one pattern (the same in every VM) and 64 with stored zeroes; QMP query-sharing
                must show them merged (at least 4 x 256 guest pages on shared pages, 4 x 64 on the
                zero page, the pages saved); then each VM gets its own byte on ttyS0, writes its own
                pattern into all those pages and reads every word back exactly ("share_fill: ok");
                query-sharing then counts the copy-on-write breaks and no mismatch
  idle-trim     four VMs (md5, sort, arith, primes) sit idle after booting, then run their
                workload: md5 and sort with --idle-trim 1, arith with --idle-trim 0, primes with
                --idle-trim 2 while a newline is typed at its console every 0.2 s from its
                launch until it is done idling (a user at the prompt). Every
                result exact; in --profile=json md5 and sort made at least one idle trim (their
                translations dropped and their memory given back while they waited), arith none,
                and primes none either (console input in a window keeps its translations)
  idle-slack    two VMs read uptime (the clock source), jiffies and their timer interrupt count
                around an idle `sleep 4`, one with --idle-slack 40, one with --idle-slack 0: in
                both, jiffies advanced by 250 per second of uptime (within 2% and 2 ticks: late
                ticks are caught up, the clock does not drift); the first took fewer than half as
                many timer interrupts as jiffies went by and --profile=json counts its deferred
                wake-ups (> 0), the second's none. With --boot-stagger 1: the monitor says it
                boots them one at a time, and the second VM's console shows nothing before the
                first has reached its workload (it went quiet in its sleep: the next may start)
  quiet-wait    with --host-cpus 1, a --deterministic VM waiting for an interrupt no device
                raises (tests/vms/progs/wait_quiet.S) beside a VM counting to an instruction
                limit (tests/vms/progs/spin.S, --max-insns): the counter reaches its
                limit ("instruction limit reached", not its --timeout) while the other waits,
                then QMP quits the waiting VM; --perfmap on the same run: the process's one
                map holds both VMs' blocks (their first block, at one guest address, twice)
"""

import argparse
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "qmp"))
from qmp_client import QMPClient, QMPError  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "boot"))
from guest import spawn  # noqa: E402

RUN_LIMIT = 240  # seconds a whole run may take (a few tens on an idle 2-core host)
failures = 0


def check(name, ok, why=""):
    global failures
    if ok:
        print("ok %s" % name, flush=True)
    else:
        failures += 1
        print("FAIL %s: %s" % (name, why), flush=True)
    return ok


def expected():
    """What each workload of tests/vms/guest/init.sh must print, computed here."""
    res = {}
    res["md5"] = hashlib.md5("".join("%d\n" % i for i in range(1, 20001)).encode()).hexdigest()
    x, vals = 1, []
    for _ in range(3000):
        x = (x * 75 + 74) % 65537
        vals.append(x)
    res["sort"] = hashlib.md5("".join("%d\n" % v for v in sorted(vals)).encode()).hexdigest()
    s = 0
    for i in range(2000):
        s = (s * 31 + i) % 1000003
    res["arith"] = str(s)
    n = 5000
    comp = bytearray(n)
    primes = []
    for i in range(2, n):
        if not comp[i]:
            primes.append(i)
            for j in range(i * i, n, i):
                comp[j] = 1
    res["primes"] = "%d %d" % (len(primes), sum(primes))
    return res


class Run:
    """One mvisor with several VMs: config, run folder, QMP socket, profile."""

    def __init__(self, args, case, vms, profile=False, host_cpus=0, perfmap=False, extra=()):
        self.args = args
        self.dir = os.path.join(args.work, case)
        os.makedirs(self.dir, exist_ok=True)
        self.run_dir = os.path.join(self.dir, "run")
        self.qmp_path = os.path.join(self.dir, "qmp.sock")
        self.profile = os.path.join(self.dir, "profile.json") if profile else None
        self.config = os.path.join(self.dir, "vms.json")
        with open(self.config, "w") as f:
            json.dump(vms, f, indent=1)
        self.names = [v["name"] for v in vms]
        cmd = [args.mvisor, "--vm-config", self.config, "--run-dir", self.run_dir,
               "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path]
        if self.profile:
            cmd.append("--profile=json:" + self.profile)
        if host_cpus:
            cmd += ["--host-cpus", str(host_cpus)]
        if perfmap:
            cmd.append("--perfmap")
        cmd += list(extra)
        print("$ " + " ".join(cmd), flush=True)
        self.stderr_path = os.path.join(self.dir, "stderr")
        self.err = open(self.stderr_path, "w")
        self.p = spawn(cmd, stdin=subprocess.DEVNULL, stdout=self.err, stderr=self.err)
        self.t0 = time.monotonic()
        self.qmp = None

    def connect(self):
        deadline = time.monotonic() + 30
        while True:
            try:
                self.qmp = QMPClient(self.qmp_path, timeout=30)
                break
            except OSError:
                if time.monotonic() > deadline or self.p.poll() is not None:
                    raise
                time.sleep(0.05)
        self.qmp.run("qmp_capabilities")
        return self.qmp

    def log(self, name):
        try:
            with open(os.path.join(self.run_dir, name + ".log"), "rb") as f:
                return f.read().decode("latin-1")
        except FileNotFoundError:
            return ""

    def wait_log(self, name, pattern, count=1, timeout=RUN_LIMIT):
        """Waits until the VM's log matches pattern count times; returns whether it did."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(re.findall(pattern, self.log(name), re.M)) >= count:
                return True
            if self.p.poll() is not None:
                return len(re.findall(pattern, self.log(name), re.M)) >= count
            time.sleep(0.1)
        return False

    def wait_shutdown(self, names, timeout=RUN_LIMIT):
        """SHUTDOWN events of these VMs: {name: event data}."""
        got = {}
        deadline = time.monotonic() + timeout
        while set(names) - set(got):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                e = self.qmp.wait_event("SHUTDOWN", left)
            except QMPError:
                break
            got[e["data"]["vm"]] = e["data"]
        return got

    def vm_states(self):
        return {v["name"]: v["status"] for v in self.qmp.run("query-vms")}

    def finish(self, timeout=RUN_LIMIT):
        try:
            rc = self.p.wait(timeout=max(1, timeout - (time.monotonic() - self.t0)))
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = self.p.wait()
            check("finished in time", False, "still running after %d s: killed" % timeout)
        self.err.close()
        if self.qmp:
            self.qmp.close()
        with open(self.stderr_path, errors="replace") as f:
            self.stderr = f.read()
        print("exit status %d after %.1f s" % (rc, time.monotonic() - self.t0), flush=True)
        return rc

    def exit_lines(self):
        """The per-VM exit lines: {name: (status, reason)}."""
        out = {}
        for m in re.finditer(r"^mvisor: (\S+): exit (\d+) \(([^)]*)\)$", self.stderr, re.M):
            out[m.group(1)] = (int(m.group(2)), m.group(3))
        return out

    def dump(self):
        """Everything a failure needs: stderr and the tail of each log."""
        print("---- stderr\n" + self.stderr[-4000:])
        for n in self.names:
            print("---- %s.log (tail)\n%s" % (n, self.log(n)[-1500:]))


def linux_vm(args, name, workload, extra_append="", timeout=RUN_LIMIT):
    return {"name": name, "options": [
        "-m", "96", "-kernel", args.kernel, "-initrd", args.initrd,
        "-append", ("console=ttyS0 mvisor.workload=%s %s" % (workload, extra_append)).strip(),
        "--timeout", str(timeout)]}


def check_results(run, names, want):
    for n in names:
        lines = re.findall(r"^@@result (\S+) (.*?)\r?$", run.log(n), re.M)
        check("%s: result" % n, lines == [(n, want[n])],
              "want exactly one '@@result %s %s', got %r" % (n, want[n], lines))


def case_four_vms(args):
    want = expected()
    names = ["md5", "sort", "arith", "primes"]
    run = Run(args, "four-vms", [linux_vm(args, n, n) for n in names], profile=True)
    try:
        q = run.connect()
        # md5 is stopped once its kernel is running (its banner out), reset while stopped and
        # resumed only after the other three have finished.
        check("md5: banner before stop", run.wait_log("md5", r"Linux version", 1, 120), "no kernel banner")
        r = q.cmd("stop", vm="md5")
        check("md5: stop", r.get("return") == {}, repr(r))
        ev = q.wait_event("STOP", 10)
        check("md5: STOP event", ev["data"]["vm"] == "md5", repr(ev))
        st = q.run("query-status", vm="md5")
        check("md5: paused", st["status"] == "paused" and not st["running"], repr(st))
        size_at_stop = len(run.log("md5"))
        others = [n for n in names if n != "md5"]
        done = run.wait_shutdown(others)
        check("others finish while md5 is stopped",
              all(done.get(n, {}).get("reason") == "guest-shutdown" for n in others), repr(done))
        states = run.vm_states()
        check("query-vms: the others shut down, md5 paused",
              states == {"md5": "paused", "sort": "shutdown", "arith": "shutdown", "primes": "shutdown"},
              repr(states))
        check("md5: silent while stopped", len(run.log("md5")) == size_at_stop,
              "its log grew from %d to %d bytes" % (size_at_stop, len(run.log("md5"))))
        r = q.cmd("system_reset", vm="md5")
        check("md5: system_reset while stopped", r.get("return") == {}, repr(r))
        ev = q.wait_event("RESET", 10)
        check("md5: RESET event", ev["data"] == {"vm": "md5", "guest": False, "reason": "host-qmp-system-reset"},
              repr(ev))
        time.sleep(0.5)
        st = q.run("query-status", vm="md5")
        check("md5: still paused after the reset", st["status"] == "paused" and
              len(run.log("md5")) == size_at_stop, "%r, log %d -> %d bytes" % (st, size_at_stop, len(run.log("md5"))))
        q.run("cont", vm="md5")
        ev = q.wait_event("RESUME", 10)
        check("md5: RESUME event", ev["data"]["vm"] == "md5", repr(ev))
        done = run.wait_shutdown(["md5"])
        check("md5: finishes after cont", done.get("md5", {}).get("reason") == "guest-shutdown", repr(done))
    except (QMPError, OSError, KeyError) as e:
        check("qmp session", False, repr(e))
    rc = run.finish()
    check("exit status 0", rc == 0, "status %d" % rc)
    lines = run.exit_lines()
    check("exit lines", lines == {n: (0, "guest powered off") for n in names}, repr(lines))
    check_results(run, names, want)
    check("md5: booted twice (system_reset)", run.log("md5").count("Linux version") == 2,
          "%d kernel banners" % run.log("md5").count("Linux version"))
    # Copy-on-write sharing of the boot files between the VMs.
    try:
        with open(run.profile) as f:
            prof = json.load(f)
        mm = {n: prof[n]["machine_memory"] for n in names}
        check("every VM maps shared pages", all(m["shared_pages"] > 0 and m["cow_maps"] > 0 for m in mm.values()),
              repr(mm))
        pool = {m["pool_pages_in_use"] for m in mm.values()}
        mapped = sum(m["private_pages"] + m["shared_pages"] for m in mm.values())
        check("pages shared between VMs", len(pool) == 1 and min(pool) < mapped,
              "pool pages in use %r, pages the VMs map %d: no machine page is mapped by two VMs" % (pool, mapped))
        print("machine memory: %d pages mapped by the four VMs, %d in the pool (%s shared)" %
              (mapped, min(pool), ", ".join("%s %d" % (n, mm[n]["shared_pages"]) for n in names)))
    except (OSError, ValueError, KeyError) as e:
        check("profile", False, repr(e))
    if failures:
        run.dump()


def case_containment(args):
    want = expected()
    good = ["md5", "sort", "arith"]
    vms = [linux_vm(args, n, n) for n in good]
    vms.append(linux_vm(args, "panic", "panic", "panic=1"))
    vms.append(linux_vm(args, "halt", "halt"))
    vms.append({"name": "resetloop", "options": ["-m", "16", "-kernel", os.path.join(args.progs, "reset_loop.elf"),
                                                 "--timeout", "4"]})
    vms.append({"name": "excloop", "options": ["-m", "16", "-kernel", os.path.join(args.progs, "exc_loop.elf")]})
    vms.append({"name": "randcode", "options": ["-m", "64", "-kernel", os.path.join(args.progs, "random_code.elf"),
                                                "--deterministic", "--seed", "2", "--max-insns", "100000000"]})
    vms.append({"name": "mmiofuzz", "options": ["-m", "64", "-kernel", os.path.join(args.progs, "mmio_fuzz.elf"),
                                                "--deterministic", "--seed", "2", "--max-insns", "100000000"]})
    run = Run(args, "containment", vms)
    try:
        q = run.connect()
        # The exception loop wedges at once: it is over while the others still run.
        done = run.wait_shutdown(["excloop"], 60)
        check("excloop: SHUTDOWN (guest-panic)", done.get("excloop", {}).get("reason") == "guest-panic", repr(done))
        states = run.vm_states()
        check("query-vms: excloop failed, the others go on",
              states.get("excloop") == "internal-error" and
              all(states.get(n) == "running" for n in good + ["panic"]), repr(states))
        # Two panics and resets, and a third boot under way, then that VM alone is quit.
        check("panic: panics and boots again",
              run.wait_log("panic", r"^@@workload panic", 3) and
              len(re.findall(r"Kernel panic", run.log("panic"))) >= 2,
              "%d panics, %d boots" % (len(re.findall(r"Kernel panic", run.log("panic"))),
                                       len(re.findall(r"^@@workload panic", run.log("panic"), re.M))))
        q.run("query-status", vm="panic")  # reads the events sent before its answer
        resets = [e for e in q.events if e["event"] == "RESET" and e["data"]["vm"] == "panic"]
        check("panic: RESET events (guest-reset)", len(resets) >= 2 and
              all(e["data"]["reason"] == "guest-reset" and e["data"]["guest"] for e in resets), repr(resets))
        r = q.cmd("quit", vm="panic")
        check("panic: quit that VM", r.get("return") == {}, repr(r))
        rest = run.wait_shutdown(["panic", "halt", "resetloop", "randcode", "mmiofuzz"] + good)
        done.update(rest)
        check("panic: SHUTDOWN (host-qmp-quit)", done.get("panic", {}).get("reason") == "host-qmp-quit", repr(done))
        check("halt: SHUTDOWN (guest-panic)", done.get("halt", {}).get("reason") == "guest-panic", repr(done))
        check("resetloop: SHUTDOWN (host-error: its timeout)", done.get("resetloop", {}).get("reason") == "host-error",
              repr(done))
        check("good VMs: SHUTDOWN (guest-shutdown)",
              all(done.get(n, {}).get("reason") == "guest-shutdown" for n in good), repr(done))
    except (QMPError, OSError, KeyError) as e:
        check("qmp session", False, repr(e))
    rc = run.finish()
    check("exit status 2 (the worst VM's: wedged)", rc == 2, "status %d" % rc)
    lines = run.exit_lines()
    want_lines = {n: (0, "guest powered off") for n in good}
    want_lines.update({"panic": (0, "quit"), "halt": (2, "guest wedged"), "resetloop": (3, "timeout"),
                       "excloop": (2, "guest wedged"), "randcode": (3, "instruction limit reached"),
                       "mmiofuzz": (3, "instruction limit reached")})
    check("exit lines", lines == want_lines, "got %r, want %r" % (lines, want_lines))
    check_results(run, good, want)
    # each message about one VM of several names it
    check("halt: wedged in WAIT", "mvisor: halt: guest wedged: wait with every wake-up source masked" in run.stderr,
          "no such line on stderr")
    check("excloop: wedged in an exception loop",
          "mvisor: excloop: guest wedged: exception loop without progress" in run.stderr,
          "no such line on stderr")
    reboots = run.log("resetloop").count("reset_loop: boot")
    check("resetloop: rebooted many times", reboots >= 20, "%d boots" % reboots)
    check("halt: ran its workload", "@@halt" in run.log("halt"), "no @@halt line")
    if failures:
        run.dump()


def case_reset_loop_stops(args):
    elf = os.path.join(args.progs, "reset_loop.elf")
    d = os.path.join(args.work, "reset-loop-stops")
    os.makedirs(d, exist_ok=True)
    # SIGTERM
    cmd = [args.mvisor, "-M", "malta", "-m", "16", "-kernel", elf, "-serial", "file:" + os.path.join(d, "ttyS0")]
    print("$ " + " ".join(cmd), flush=True)
    p = spawn(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    p.send_signal(signal.SIGTERM)
    try:
        out, err = p.communicate(timeout=10)
        check("SIGTERM ends a VM that resets in a loop", p.returncode == 1 and "stopped by signal 15" in err,
              "status %d, stderr %r" % (p.returncode, err[-300:]))
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        check("SIGTERM ends a VM that resets in a loop", False, "still running 10 s after SIGTERM")
    with open(os.path.join(d, "ttyS0"), "rb") as f:
        boots = f.read().count(b"reset_loop: boot")
    check("it was rebooting", boots >= 20, "%d boots" % boots)
    # QMP quit
    sock = os.path.join(d, "qmp.sock")
    cmd = [args.mvisor, "-M", "malta", "-m", "16", "-kernel", elf, "-serial", "none",
           "-qmp", "unix:%s,server=on,wait=off" % sock]
    print("$ " + " ".join(cmd), flush=True)
    p = spawn(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 10
        while not os.path.exists(sock) and time.monotonic() < deadline:
            time.sleep(0.05)
        q = QMPClient(sock, timeout=10)
        q.run("qmp_capabilities")
        # Its guest resets are rate-limited as QEMU limits guest-triggerable events: at most one
        # RESET a second goes out, the ones between are counted as throttled, none dropped.
        time.sleep(3.5)
        st = q.run("query-event-queue")
        resets = [e for e in q.events if e["event"] == "RESET"]
        stamps = [e["timestamp"]["seconds"] + e["timestamp"]["microseconds"] / 1e6 for e in resets]
        gaps = [b - a for a, b in zip(stamps, stamps[1:])]
        check("RESET events rate-limited", 2 <= len(resets) <= 6 and all(g >= 0.9 for g in gaps) and
              all(e["data"].get("guest") is True and e["data"].get("reason") == "guest-reset" for e in resets),
              "%d RESET events over 3.5 s, gaps %r: %r" % (len(resets), gaps, resets[:3]))
        check("query-event-queue: throttled, none dropped", st["throttled"] >= 10 and st["dropped"] == 0 and
              st["rate-limit-ms"] == 1000, repr(st))
        r = q.cmd("quit")
        check("QMP quit answered", r.get("return") == {}, repr(r))
        q.close()
    except (QMPError, OSError) as e:
        check("QMP quit answered", False, repr(e))
    try:
        out, err = p.communicate(timeout=10)
        check("QMP quit ends a VM that resets in a loop", p.returncode == 0, "status %d, stderr %r" %
              (p.returncode, err[-300:]))
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        check("QMP quit ends a VM that resets in a loop", False, "still running 10 s after quit")
    # The same beside another VM: QMP quit of the resetting VM alone, and its exit line says so.
    run = Run(args, "reset-loop-stops", [
        {"name": "resetloop", "options": ["-m", "16", "-kernel", elf, "--timeout", "60"]},
        {"name": "counter", "options": ["-m", "16", "-kernel", os.path.join(args.progs, "spin.elf"),
                                        "--max-insns", "100000000", "--timeout", "60"]}])
    try:
        q = run.connect()
        check("resetloop: rebooting", run.wait_log("resetloop", r"reset_loop: boot", 20, 30), "fewer than 20 boots")
        q.run("quit", vm="resetloop")
        done = run.wait_shutdown(["resetloop", "counter"], 60)
        check("resetloop: SHUTDOWN (host-qmp-quit)", done.get("resetloop", {}).get("reason") == "host-qmp-quit",
              repr(done))
    except (QMPError, OSError, KeyError) as e:
        check("qmp session", False, repr(e))
    rc = run.finish(60)
    lines = run.exit_lines()
    want = {"resetloop": (0, "quit"), "counter": (3, "instruction limit reached")}
    check("exit lines: quit, not a guest reset", lines == want, "got %r, want %r" % (lines, want))
    if failures:
        run.dump()


def case_idle_trim(args):
    want = expected()
    names = ["md5", "sort", "arith", "primes"]
    window = {"md5": "1", "sort": "1", "arith": "0", "primes": "2"}
    vms = []
    for n in names:
        vm = linux_vm(args, n, n, "mvisor.idle=6")
        vm["options"] += ["--idle-trim", window[n]]
        vms.append(vm)
    run = Run(args, "idle-trim", vms, profile=True)
    # primes: typed at from its launch until its idle wait ends, so every trim window before its
    # workload has console input in it, however slowly a loaded host boots it.
    typed, deadline = 0, time.monotonic() + RUN_LIMIT
    with socket.socket(socket.AF_UNIX) as c:
        while time.monotonic() < deadline and run.p.poll() is None:
            try:
                c.connect(os.path.join(run.run_dir, "primes.sock"))
                break
            except OSError:
                time.sleep(0.05)
        while "@@idle done" not in run.log("primes") and run.p.poll() is None and time.monotonic() < deadline:
            try:
                c.sendall(b"\n")
            except OSError:
                break
            typed += 1
            time.sleep(0.2)
    check("primes: typed at until its idle wait ended", typed >= 15 and "@@idle done" in run.log("primes"),
          "%d newlines typed" % typed)
    rc = run.finish()
    check("exit status 0", rc == 0, "status %d" % rc)
    lines = run.exit_lines()
    check("exit lines", lines == {n: (0, "guest powered off") for n in names}, repr(lines))
    check_results(run, names, want)
    for n in names:
        check("%s: idle first" % n, "@@idle done" in run.log(n), "no '@@idle done' line")
    try:
        with open(run.profile) as f:
            prof = json.load(f)
        trims = {n: prof[n]["translation_cache"]["idle_trims"] for n in names}
        check("trimmed while idle", trims["md5"] >= 1 and trims["sort"] >= 1 and trims["arith"] == 0,
              "idle trims %r (want md5, sort >= 1, arith 0)" % trims)
        check("not trimmed while typed at", trims["primes"] == 0, "idle trims %r (want primes 0)" % trims)
        print("idle trims: %r" % trims)
    except (OSError, ValueError, KeyError) as e:
        check("profile", False, repr(e))
    if failures:
        run.dump()


def case_quiet_wait(args):
    # -serial none: no console input can come (with input possible the host waits for it anyway).
    vms = [{"name": "quiet", "options": ["-m", "16", "-kernel", os.path.join(args.progs, "wait_quiet.elf"),
                                         "-serial", "none", "--deterministic", "--timeout", "20"]},
           {"name": "counter", "options": ["-m", "16", "-kernel", os.path.join(args.progs, "spin.elf"),
                                           "--max-insns", "100000000", "--timeout", "20"]}]
    run = Run(args, "quiet-wait", vms, host_cpus=1, perfmap=True)
    try:
        q = run.connect()
        done = run.wait_shutdown(["counter"], 60)
        check("counter: SHUTDOWN", "counter" in done, repr(done))
        st = q.run("query-status", vm="quiet")
        check("quiet: still running (waiting)", st["status"] == "running", repr(st))
        q.run("quit", vm="quiet")
        done.update(run.wait_shutdown(["quiet"], 30))
        check("quiet: SHUTDOWN (host-qmp-quit)", done.get("quiet", {}).get("reason") == "host-qmp-quit", repr(done))
    except (QMPError, OSError, KeyError) as e:
        check("qmp session", False, repr(e))
    rc = run.finish()
    lines = run.exit_lines()
    want = {"quiet": (0, "quit"), "counter": (3, "instruction limit reached")}
    check("exit lines: the counter reached its limit", lines == want, "got %r, want %r" % (lines, want))
    check("exit status 3", rc == 3, "status %d" % rc)
    # --perfmap: both VMs' blocks in the process's one map. Both programs start at 0x80100000,
    # so that block is there twice, at two host addresses (two code buffers).
    path = "/tmp/perf-%d.map" % run.p.pid
    try:
        with open(path) as f:
            text = f.read()
        os.unlink(path)
        # a block's hot and warm code, then its cold code (".cold") at the buffer's far end
        entries = re.findall(r"^([0-9a-f]+) [0-9a-f]+ guest_([0-9a-f]{8})_[ku]$", text, re.M)
        colds = re.findall(r"^([0-9a-f]+) [0-9a-f]+ guest_([0-9a-f]{8})_[ku]\.cold$", text, re.M)
        starts = {a for a, pc in entries if pc == "80100000"}
        check("perfmap: every line well formed", len(entries) + len(colds) == len(text.splitlines()) and entries,
              repr(text[:400]))
        check("perfmap: both VMs' blocks", len(starts) == 2, "blocks at guest 80100000: %r" % starts)
    except OSError as e:
        check("perfmap", False, repr(e))
    if failures:
        run.dump()


def case_shared_base(args):
    """Four VMs on four qcow2 overlays of one raw base read the same file from it."""
    d = os.path.join(args.work, "shared-base")
    tree = os.path.join(d, "tree")
    os.makedirs(tree, exist_ok=True)
    data = os.urandom(8 << 20)
    with open(os.path.join(tree, "rand.bin"), "wb") as f:
        f.write(data)
    want = hashlib.md5(data).hexdigest()
    base = os.path.join(d, "base.img")
    subprocess.run(["truncate", "-s", "48M", base], check=True)
    # 4 KiB blocks: the guest's page-cache pages then lie on page boundaries of the file.
    subprocess.run(["mke2fs", "-q", "-t", "ext4", "-b", "4096", "-d", tree, base], check=True)
    names = ["disk%d" % i for i in range(4)]
    vms = []
    for n in names:
        ov = os.path.join(d, n + ".qcow2")
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-b", base, "-F", "raw", ov], check=True)
        vm = linux_vm(args, n, "disk")
        vm["options"] += ["-drive", "file=%s,if=virtio" % ov]
        vms.append(vm)
    run = Run(args, "shared-base", vms, profile=True)
    try:
        q = run.connect()
        # disk3 waits (stopped) while the others read, so QMP sees the monitor's figures mid-run.
        check("disk3: banner before stop", run.wait_log("disk3", r"Linux version", 1, 120), "no kernel banner")
        q.run("stop", vm="disk3")
        done = run.wait_shutdown(names[:3])
        check("three VMs finish", all(done.get(n, {}).get("reason") == "guest-shutdown" for n in names[:3]),
              repr(done))
        bs = q.run("query-blockstats", vm="disk1")
        bc = q.run("query-buffer-cache")
        print("query-blockstats disk1: %s\nquery-buffer-cache: %s" % (json.dumps(bs), json.dumps(bc)))
        check("query-blockstats: pages mapped", len(bs) == 1 and bs[0]["buffer-cache"]["mapped-bytes"] >= 4 << 20 and
              bs[0]["stats"]["rd_bytes"] >= 8 << 20, repr(bs))
        check("query-buffer-cache: base read once by three VMs",
              bc.get("enabled") and (8 << 20) <= bc["host-bytes"] <= bs[0]["stats"]["rd_bytes"] * 5 // 4 and
              bc["hits"] >= 2 * bc["misses"], repr(bc))
        q.run("cont", vm="disk3")
        done = run.wait_shutdown(["disk3"])
        check("disk3: finishes after cont", done.get("disk3", {}).get("reason") == "guest-shutdown", repr(done))
    except (QMPError, OSError, KeyError, TypeError) as e:
        check("qmp session", False, repr(e))
    rc = run.finish()
    check("exit status 0", rc == 0, "status %d" % rc)
    for n in names:
        lines = re.findall(r"^@@result (\S+) (.*?)\r?$", run.log(n), re.M)
        check("%s: md5 of the file on its overlay" % n, lines == [("disk", want)],
              "want exactly one '@@result disk %s', got %r" % (want, lines))
    try:
        with open(run.profile) as f:
            prof = json.load(f)
        disks = {n: prof[n]["disks"][0] for n in names}
        cache = prof[names[0]]["buffer_cache"]
        served = {n: disks[n]["mapped_bytes"] + disks[n]["copied_bytes"] for n in names}
        print("buffer cache: %s\nper VM: %s" % (json.dumps(cache), json.dumps(disks)))
        check("every VM maps base pages", all(disks[n]["mapped_bytes"] >= 4 << 20 for n in names), repr(disks))
        check("every VM's shared reads come from the cache",
              all(served[n] >= 8 << 20 for n in names), repr(served))
        check("the base read from the host about once",
              (8 << 20) <= cache["host_bytes"] <= max(served.values()) * 5 // 4 and
              sum(served.values()) >= 3 * cache["host_bytes"],
              "host bytes %d, served from the cache %r" % (cache["host_bytes"], served))
        mm = {n: prof[n]["machine_memory"] for n in names}
        check("every VM maps shared pages", all(m["shared_pages"] > 0 for m in mm.values()), repr(mm))
    except (OSError, ValueError, KeyError, TypeError, IndexError) as e:
        check("profile", False, repr(e))
    if failures:
        run.dump()


CASES = {"shared-base": case_shared_base, "quiet-wait": case_quiet_wait, "four-vms": case_four_vms, "containment": case_containment, "reset-loop-stops": case_reset_loop_stops}


def case_page_sharing(args):
    """Four VMs fill the same pages (tests/vms/progs/share_fill.S); once query-sharing shows them
    merged, each writes its own pattern into them and reads it back."""
    names = ["s%d" % i for i in range(4)]
    fill, zero = 256, 64  # pages of the pattern and of zeroes per VM, as in share_fill.S
    vms = [{"name": n, "options": ["-m", "16", "-kernel", os.path.join(args.progs, "share_fill.elf"),
                                   "--timeout", "120"]} for n in names]
    run = Run(args, "page-sharing", vms, extra=["--page-sharing=50000"])
    try:
        q = run.connect()
        for n in names:
            check("%s: filled" % n, run.wait_log(n, r"^share_fill: filled", timeout=60), run.log(n)[-200:])
        # Merged: every VM's pattern pages on shared pages (monitor-wide, so at least 4 x fill
        # guest pages on at most a quarter as many), every zero page on the zero page.
        st, deadline = {}, time.monotonic() + 60
        while time.monotonic() < deadline:
            st = q.run("query-sharing")
            if st.get("pages-sharing", 0) >= 4 * fill and st.get("zero-pages", 0) >= 4 * zero:
                break
            time.sleep(0.2)
        print("query-sharing: %r" % st, flush=True)
        check("query-sharing: enabled", st.get("enabled") is True, repr(st))
        check("query-sharing: the pattern pages merged", st.get("pages-sharing", 0) >= 4 * fill and
              st.get("shared-frames", 1 << 30) <= st.get("pages-sharing", 0) // 4 + 8, repr(st))
        check("query-sharing: the zero pages merged", st.get("zero-pages", 0) >= 4 * zero, repr(st))
        check("query-sharing: pages saved", st.get("pages-saved", 0) >= 3 * fill + 4 * zero - 1, repr(st))
        # Each VM its own byte: the four write different patterns into the merged pages.
        for i, n in enumerate(names):
            with socket.socket(socket.AF_UNIX) as c:
                c.connect(os.path.join(run.run_dir, n + ".sock"))
                c.sendall(bytes([ord("A") + i]))
                ok = run.wait_log(n, r"^share_fill: (ok|bad) ", timeout=30)
            check("%s: read back exactly what it wrote" % n,
                  ok and re.search(r"^share_fill: ok %s\r?$" % chr(ord("A") + i), run.log(n), re.M),
                  run.log(n)[-200:])
        # Their stores broke the sharing: the scanner sees every written page private again.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            st = q.run("query-sharing")
            if st.get("cow-breaks", 0) >= 4 * (fill + zero):
                break
            time.sleep(0.2)
        check("query-sharing: copy-on-write breaks", st.get("cow-breaks", 0) >= 4 * (fill + zero), repr(st))
        check("query-sharing: no mismatches", st.get("mismatches") == 0, repr(st))
        q.run("quit")
    except (QMPError, OSError, KeyError) as e:
        check("qmp session", False, repr(e))
    rc = run.finish()
    check("exit status 0", rc == 0, "status %d" % rc)
    if failures:
        run.dump()


CASES["page-sharing"] = case_page_sharing
CASES["idle-trim"] = case_idle_trim


def case_idle_slack(args):
    slack = {"slack": "40", "noslack": "0"}
    vms = []
    for n, ms in slack.items():
        vm = linux_vm(args, n, "ticks")
        vm["options"] += ["--idle-slack", ms]
        vms.append(vm)
    run = Run(args, "idle-slack", vms, profile=True, extra=("--boot-stagger", "1"))
    first = None  # whether the first VM was at its workload when the second VM's console began
    while run.p.poll() is None and first is None:
        if run.log("noslack"):
            first = "@@workload ticks" in run.log("slack")
        time.sleep(0.02)
    rc = run.finish()
    check("said so", "mvisor: 2 VMs: booting 1 at a time (--boot-stagger)" in run.stderr, run.stderr[-500:])
    check("one boot at a time", first is True, "the second VM started %s" %
          ("before the first reached its workload" if first is False else "never"))
    check("exit status 0", rc == 0, "status %d" % rc)
    try:
        with open(run.profile) as f:
            prof = json.load(f)
        deferred = {n: prof[n]["idle_slack"]["deferred_wakeups"] for n in slack}
    except (OSError, ValueError, KeyError) as e:
        deferred = None
        check("profile", False, repr(e))
    for n in slack:
        m = re.findall(r"^@@ticks ([\d.]+) (\d+) (\d+) (\d+) ([\d.]+) (\d+) (\d+) (\d+)\r?$", run.log(n), re.M)
        if not check("%s: one @@ticks line" % n, len(m) == 1, repr(m)):
            continue
        up0, j0a, j0b, i0, up1, j1a, j1b, i1 = m[0]
        secs = float(up1) - float(up0)
        # jiffies: a 32-bit counter that starts 5 minutes before it wraps; read before and after
        # each uptime, so the jiffies between the two uptimes lie between these bounds
        jmin, jmax = (int(j1a) - int(j0b)) % (1 << 32), (int(j1b) - int(j0a)) % (1 << 32)
        irqs = int(i1) - int(i0)
        print("%s: %.2f s of uptime, %d-%d jiffies, %d timer interrupts" % (n, secs, jmin, jmax, irqs))
        check("%s: slept" % n, secs >= 4.0, "%.2f s" % secs)
        # uptime has 10 ms steps (2.5 jiffies at each end), plus 1%
        tol = 0.01 * 250 * secs + 5
        check("%s: jiffies follow the clock" % n, jmin - tol <= 250 * secs <= jmax + tol,
              "%d-%d jiffies in %.3f s (want %.0f)" % (jmin, jmax, secs, 250 * secs))
        jiffies = jmin
        if n == "slack":
            check("slack: ticks coalesced", irqs * 2 < jiffies, "%d interrupts for %d jiffies" % (irqs, jiffies))
    if deferred is not None:
        check("deferred wake-ups", deferred["slack"] > 0 and deferred["noslack"] == 0, repr(deferred))
        print("deferred wake-ups: %r" % deferred)
    if failures:
        run.dump()


CASES["idle-slack"] = case_idle_slack

# The simulated ccNUMA machine (tests/vms/numa_case.py).
import numa_case  # noqa: E402

CASES["numa"] = lambda args: numa_case.run(args, sys.modules[__name__])


def main(cases=None):
    """Runs the case the command line names, from cases (default: this suite's)."""
    cases = cases or CASES
    ap = argparse.ArgumentParser()
    ap.add_argument("case", choices=sorted(cases))
    ap.add_argument("--mvisor", required=True)
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--progs", required=True)
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    for a in ("mvisor", "kernel", "initrd", "progs", "work"):
        setattr(args, a, os.path.abspath(getattr(args, a)))
    t0 = time.monotonic()
    cases[args.case](args)
    print("%s: %d check(s) failed, %.1f s" % (args.case, failures, time.monotonic() - t0))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
