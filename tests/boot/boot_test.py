#!/usr/bin/env python3
"""One boot of the Malta guest, driven over its serial console, with checks.

    boot_test.py SCENARIO --log-dir DIR --name NAME [--mvisor BIN | --qemu BIN]
                 --kernel K --initrd I [--seed N] [--deterministic] [--facts FILE]
                 [--insn-words FILE] [--exec ENGINE] [--cpu MODEL] [--no-reboot] [--reboot]
                 [--expect-log REGEX]

Prints one line per check ("ok NAME" or "FAIL NAME: why"), writes the console transcript to
DIR/NAME.console and the monitor's stderr to DIR/NAME.stderr, optional facts (values other
tests compare, e.g. the kernel's address) as JSON to --facts, and exits 0 iff every check
passed. A kernel panic, a reset, a timeout or a non-zero exit status fails the run.

Scenarios:
  shell      the full interactive check: uname, /proc/cpuinfo (with the 24Kf's FPU unless
             --cpu 24Kc), /proc/interrupts, md5sum of
             generated data, sleep 1 against the guest clock, the kernel log (8250, RTC,
             clockevent, CPU frequency), piix4-poweroff bound, then poweroff -> status 0
  kaslr      boot, record where the kernel was relocated to, check that the idle guest does not
             keep the host busy, poweroff (or with --end halt: halt -f must stop mvisor with
             status 2, "guest wedged" and the state dump)
  realtime   shell commands against the real-time clock, the idle check, poweroff
  workloads  run /bin/fpmath, /bin/forkmany, /bin/tmpfill and record their output (the suite
             compares it with the same initramfs on qemu-system-mipsel); with --reboot, also
             `reboot -f` (the board resets and boots again) before powering off
  panic      the kernel must fail and reset (e.g. a corrupt initrd): with -no-reboot the
             monitor exits 0 and says "guest reset"
Expected values come from outside mvisor where they are hardware facts: the kernel version from
the pinned package, the CPU identity from QEMU's 24Kc/24Kf and Linux's name for it
(devices/malta/README.md §2.1, §2.2), checksums from the host's md5sum. The CPU frequency the
guest prints is mvisor's own choice (Count at 100 MHz, devices/malta/README.md §2.4) and is
checked as that choice.
"""

import argparse
import hashlib
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guest import Guest, GuestError, PROMPT  # noqa: E402

BOOT_TIMEOUT = float(os.environ.get("BOOT_TIMEOUT", "600"))
CMD_TIMEOUT = float(os.environ.get("BOOT_CMD_TIMEOUT", "300"))
# The CPU clock Linux estimates on mvisor's Malta: twice the Count rate (Linux
# arch/mips/mti-malta/malta-time.c), and the 100 MHz Count rate is mvisor's own choice
# (monitor/monitor.h VM_COUNT_HZ; devices/malta/README.md §2.4), not a hardware value: QEMU's
# Malta runs its CPU at 320 MHz.
MVISOR_CPU_MHZ = "200.00"


class Checks:
    def __init__(self):
        self.failed = 0
        self.facts = {}

    def ok(self, name, cond, why=""):
        if cond:
            print("ok %s" % name)
        else:
            self.failed += 1
            print("FAIL %s: %s" % (name, why))
        sys.stdout.flush()
        return cond


def kernel_release(info_path):
    """The release and version the pinned package says the kernel has, e.g.
    ('6.1.0-50-4kc-malta', '6.1.176-1'), from build/guest/vmlinux.info's kernel= line."""
    with open(info_path) as f:
        for line in f:
            if line.startswith("kernel="):
                pkg, ver = line.split("=", 1)[1].split()
                return pkg[len("linux-image-"):], ver
    raise SystemExit("no kernel= line in %s" % info_path)


def wait_prompt(g):
    g.expect(r"Run /init as init process", BOOT_TIMEOUT, "the kernel to start /init")
    g.expect(re.escape(PROMPT), 120, "the shell prompt")
    g.mark("prompt")
    # From here on kernel messages stay in the log buffer (read with dmesg) instead of landing
    # in the middle of command output.
    g.run("dmesg -n 1", CMD_TIMEOUT)


def boot_log(g, c):
    """Generic kernel-log checks on what the console showed."""
    log = g.out
    c.ok("no-panic", "Kernel panic" not in log, "the kernel panicked")
    for bad in ("Oops", "BUG:", "WARNING:", "Call Trace"):
        c.ok("no-%s" % bad.rstrip(":").lower().replace(" ", "-"), bad not in log,
             "the kernel log contains '%s'" % bad)


def poweroff(g, c):
    g.send("poweroff -f\n")
    st = g.wait_exit(120)
    c.ok("poweroff-status-0", st == 0, "exit status %s" % st)
    err = g.stderr()
    c.ok("no-reset", "guest reset" not in err, "the guest reset instead of powering off")
    return st


def check_seed_line(g, c, seed):
    m = re.search(r"mvisor: seed (\d+)", g.stderr())
    c.ok("seed-printed", m is not None, "no 'mvisor: seed N' line on stderr")
    if m and seed is not None:
        c.ok("seed-is-given", int(m.group(1)) == seed, "printed seed %s, given %s" % (m.group(1), seed))


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def idle_check(g, c):
    """At the prompt with nothing to do, WAIT must sleep the host thread until the next timer
    or input: a spinning WAIT costs a whole CPU, the guest's 250 Hz tick a few percent. The
    bound is loose on purpose; this is about spinning, not speed."""
    time.sleep(1.0)
    c0, t0 = cpu_seconds(g.proc.pid), time.monotonic()
    time.sleep(5.0)
    share = (cpu_seconds(g.proc.pid) - c0) / (time.monotonic() - t0)
    c.facts["idle_cpu_share"] = round(share, 3)
    c.ok("idle-not-spinning", share < 0.5, "the monitor used %.0f%% of a CPU while the guest idled" % (100 * share))


def kaslr_address(g, c):
    out, st = g.run("grep ' start_kernel$' /proc/kallsyms", CMD_TIMEOUT)
    m = re.search(r"^([0-9a-f]{8}) [Tt] start_kernel$", out, re.M)
    c.ok("kallsyms-start_kernel", st == 0 and m is not None, "no start_kernel in /proc/kallsyms: %r" % out)
    if m:
        c.facts["start_kernel"] = m.group(1)


def scenario_shell(g, c, a):
    wait_prompt(g)
    release, version = kernel_release(a.info)

    out, st = g.run("uname -a", CMD_TIMEOUT)
    c.ok("uname-release", release in out and version in out and "mips" in out,
         "expected %s / %s in %r" % (release, version, out))

    out, st = g.run("cat /proc/cpuinfo", CMD_TIMEOUT)
    # PRId 0x00019300 is printed as "MIPS 24Kc" (Linux arch/mips/kernel/cpu-probe.c, PRID_IMP_24K);
    # the board is a Malta.
    c.ok("cpuinfo-24k", re.search(r"^cpu model\s*: MIPS 24Kc", out, re.M) is not None, out)
    c.ok("cpuinfo-malta", re.search(r"^system type\s*: MIPS Malta", out, re.M) is not None, out)
    if a.cpu in (None, "24Kf"):
        # The 24Kf's FPU (devices/malta/README.md §2.2): Linux prints its revision after the CPU's
        # (arch/mips/kernel/proc.c) and lists "fpu" among the options (cpu_has_fpu).
        c.ok("cpuinfo-fpu", re.search(r"^cpu model\s*: MIPS 24Kc V\d+\.\d+\s+FPU V\d+\.\d+", out, re.M) is not None
             and re.search(r"^Options implemented\s*:.*\bfpu\b", out, re.M) is not None, out)

    out, st = g.run("cat /proc/interrupts", CMD_TIMEOUT)
    def irq_count(pattern):
        m = re.search(r"^\s*\d+:\s+(\d+)\s+" + pattern + r"\s*$", out, re.M)
        return int(m.group(1)) if m else None
    timer = irq_count(r"MIPS\s+7\s+timer")
    tty = irq_count(r"XT-PIC\s+4\s+ttyS0")
    rtc = irq_count(r"XT-PIC\s+8\s+rtc0")
    c.ok("interrupts-mips-timer", timer is not None and timer > 0, "IP7 timer line: %r" % out)
    c.ok("interrupts-ttys0", tty is not None and tty > 0, "IRQ 4 ttyS0 line: %r" % out)
    c.ok("interrupts-rtc0", rtc is not None, "IRQ 8 rtc0 line: %r" % out)

    # Integer-only data (busybox seq would use doubles, i.e. the FP emulator): the host's md5sum
    # of the same bytes is the expected value.
    data = b"".join(b"mvisor %d\n" % i for i in range(1, 1 + 4000))
    want = hashlib.md5(data).hexdigest()
    out, st = g.run("i=1; while [ $i -le 4000 ]; do echo mvisor $i; i=$((i+1)); done > /tmp/generated; "
                    "md5sum /tmp/generated", CMD_TIMEOUT)
    c.ok("md5sum", st == 0 and out.split()[:2] == [want, "/tmp/generated"], "expected %s, got %r" % (want, out))

    out, st = g.run("cat /proc/uptime; sleep 1; cat /proc/uptime", CMD_TIMEOUT)
    ups = [float(l.split()[0]) for l in out.split("\n") if re.match(r"^\d+\.\d+ ", l)]
    ok = len(ups) == 2 and 1.0 <= ups[1] - ups[0] < 3.0
    c.ok("sleep-1-guest-clock", ok, "uptime before/after: %r" % ups)

    out, st = g.run("dmesg", CMD_TIMEOUT)
    for name, rx in (
        ("dmesg-8250", r"ttyS0 at I/O 0x3f8 \(irq = 4, base_baud = 115200\) is a 16550A"),
        ("dmesg-rtc", r"rtc_cmos 70\.rtc: registered as rtc0"),
        ("dmesg-clocksource", r"clocksource: Switched to clocksource MIPS"),
        ("dmesg-cpu-frequency", r"CPU frequency %s MHz" % re.escape(MVISOR_CPU_MHZ)),
        ("dmesg-initrd", r"Freeing initrd memory"),
    ) + ((("dmesg-fpu", r"FPU revision is: 00739300"),) if a.cpu in (None, "24Kf") else ()):
        c.ok(name, re.search(rx, out) is not None, "no /%s/ in dmesg" % rx)
    c.ok("dmesg-no-8259-errors-storm", len(re.findall(r"spurious 8259A interrupt", out)) <= 2,
         "too many spurious 8259A interrupts")

    out, st = g.run("cat /sys/devices/system/clockevents/clockevent0/current_device", CMD_TIMEOUT)
    c.ok("clockevent-mips", out.strip() == "MIPS", "current clockevent %r" % out)
    out, st = g.run("ls /sys/bus/pci/drivers/piix4-poweroff/", CMD_TIMEOUT)
    c.ok("piix4-poweroff-bound", "0000:00:0a.3" in out, "driver directory lists %r" % out)
    kaslr_address(g, c)
    boot_log(g, c)
    poweroff(g, c)


def halt(g, c):
    """halt -f: Linux masks every interrupt and waits forever (Linux arch/mips/kernel/reset.c
    machine_hang). Nothing can wake the CPU, so mvisor must stop with status 2 and a dump."""
    g.send("halt -f\n")
    st = g.wait_exit(120)
    err = g.stderr()
    c.ok("halt-status-2", st == 2, "exit status %s" % st)
    c.ok("halt-wedged-message", "guest wedged: wait with every wake-up source masked" in err, err[-500:])
    c.ok("halt-dump", all(k in err for k in ("pc ", "status ", "cause ", "=> ")), "no state dump: %r" % err[-500:])


def scenario_kaslr(g, c, a):
    wait_prompt(g)
    kaslr_address(g, c)
    idle_check(g, c)
    boot_log(g, c)
    if a.end == "halt":
        halt(g, c)
    else:
        poweroff(g, c)


def scenario_realtime(g, c, a):
    wait_prompt(g)
    out, st = g.run("uname -r", CMD_TIMEOUT)
    c.ok("uname", st == 0 and kernel_release(a.info)[0] in out, out)
    # The guest clock follows the host: sleep 1 takes about a second of both.
    t0 = time.monotonic()
    out, st = g.run("cat /proc/uptime; sleep 1; cat /proc/uptime", CMD_TIMEOUT)
    host = time.monotonic() - t0
    ups = [float(l.split()[0]) for l in out.split("\n") if re.match(r"^\d+\.\d+ ", l)]
    c.ok("sleep-1-guest-clock", len(ups) == 2 and 1.0 <= ups[1] - ups[0] < 3.0, "uptime: %r" % ups)
    c.ok("sleep-1-host-clock", 1.0 <= host < 10.0, "took %.2f s of host time" % host)
    out, st = g.run("dmesg | grep -e 'CPU frequency' -e 'rtc0'", CMD_TIMEOUT)
    c.ok("dmesg-cpu-frequency", ("CPU frequency %s MHz" % MVISOR_CPU_MHZ) in out, out)
    c.ok("dmesg-rtc", "registered as rtc0" in out, out)
    idle_check(g, c)
    boot_log(g, c)
    poweroff(g, c)


WORKLOADS = (
    ("fpmath", "/bin/fpmath"),
    ("forkmany", "/bin/forkmany 3000"),
    ("tmpfill", "mkdir -p /mnt/t && mount -t tmpfs -o size=8m tmpfs /mnt/t && /bin/tmpfill /mnt/t"),
)


def scenario_workloads(g, c, a):
    wait_prompt(g)
    results = {}
    for name, cmd in WORKLOADS:
        t0 = time.monotonic()
        out, st = g.run(cmd, CMD_TIMEOUT)
        results[name] = {"status": st, "output": out, "seconds": round(time.monotonic() - t0, 1)}
        c.ok("%s-status-0" % name, st == 0, "exit status %d: %r" % (st, out))
    c.facts["workloads"] = results
    if a.reboot:
        # A reset without -no-reboot: the board resets and the kernel boots again.
        g.send("reboot -f\n")
        g.expect(r"Linux version", BOOT_TIMEOUT, "the kernel to boot again after the reset")
        wait_prompt(g)
        out, st = g.run("uname -r", CMD_TIMEOUT)
        c.ok("after-reboot-shell", st == 0, out)
    boot_log(g, c)
    if a.monitor == "mvisor":
        poweroff(g, c)
    else:
        g.send("poweroff -f\n")
        st = g.wait_exit(120)
        c.ok("poweroff-status-0", st == 0, "exit status %s" % st)


def scenario_panic(g, c, a):
    st = g.wait_exit(BOOT_TIMEOUT)
    c.ok("status-0", st == 0, "exit status %s" % st)
    c.ok("guest-reset", "guest reset" in g.stderr(), "no 'guest reset' on stderr")
    c.ok("kernel-reported", re.search(a.expect_log, g.out) is not None, "no /%s/ on the console" % a.expect_log)


SCENARIOS = {
    "shell": scenario_shell,
    "kaslr": scenario_kaslr,
    "realtime": scenario_realtime,
    "workloads": scenario_workloads,
    "panic": scenario_panic,
}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("scenario", choices=sorted(SCENARIOS))
    p.add_argument("--name", required=True)
    p.add_argument("--log-dir", required=True)
    p.add_argument("--mvisor")
    p.add_argument("--qemu")
    p.add_argument("--kernel", required=True)
    p.add_argument("--initrd", required=True)
    p.add_argument("--info", default="build/guest/vmlinux.info")
    p.add_argument("--append", default="console=ttyS0 panic=-1")
    p.add_argument("--seed", type=int)
    p.add_argument("--deterministic", action="store_true")
    p.add_argument("--no-reboot", action="store_true", default=False)
    p.add_argument("--reboot", action="store_true", help="workloads: also reset and boot again")
    p.add_argument("--expect-log", default="", help="panic: a regex the console must show")
    p.add_argument("--facts")
    p.add_argument("--insn-words", help="mvisor: record the executed instruction words here")
    p.add_argument("--exec", default="interp", help="mvisor: the execution engine (default interp)")
    p.add_argument("--cpu", help="-cpu MODEL for the monitor (default: its own default)")
    p.add_argument("--end", choices=["poweroff", "halt"], default="poweroff", help="kaslr: how the run ends")
    a = p.parse_args()

    common = ["-M", "malta", "-m", "256", "-kernel", a.kernel, "-initrd", a.initrd, "-append", a.append,
              "-nographic"]
    if a.no_reboot:
        common.append("-no-reboot")
    if a.cpu:
        common += ["-cpu", a.cpu]
    if a.qemu:
        a.monitor = "qemu"
        # This QEMU build lacks the option ROMs of its default NIC and VGA; the board is the same.
        argv = [a.qemu] + common + ["-net", "none", "-vga", "none"]
    else:
        a.monitor = "mvisor"
        argv = [a.mvisor] + common + ["--exec", a.exec]
        if a.insn_words:
            argv += ["--insn-words", a.insn_words]
        if a.deterministic:
            argv.append("--deterministic")
        if a.seed is not None:
            argv += ["--seed", str(a.seed)]
    os.makedirs(a.log_dir, exist_ok=True)
    g = Guest(argv, os.path.join(a.log_dir, a.name + ".console"), os.path.join(a.log_dir, a.name + ".stderr"))
    c = Checks()
    try:
        SCENARIOS[a.scenario](g, c, a)
        if a.monitor == "mvisor" and a.scenario != "panic":
            check_seed_line(g, c, a.seed)
    except GuestError as e:
        c.ok("scenario-%s" % a.scenario, False, str(e))
    finally:
        g.close()
    c.facts["marks"] = g.marks
    c.facts["seconds"] = round(g.elapsed(), 1)
    if a.facts:
        with open(a.facts, "w") as f:
            json.dump(c.facts, f, indent=1)
    print("%s: %d check(s) failed, %.1f s (prompt at %s s)" % (
        a.name, c.failed, g.elapsed(), "%.1f" % g.marks["prompt"] if "prompt" in g.marks else "-"))
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
