"""What a benchmark run's console says: phases, workload intervals, results, and checks.

The guest side (bench/guest/init.sh and wl) prints marker lines; this module turns a
timestamped transcript into per-phase host seconds and guest seconds, and decides whether
each workload produced the right answer. Kernel messages may share the console, so markers
are found anywhere in a line and result lines are recognised by the workload's name.
"""

import re

BANNER = "Linux version "
MARK = re.compile(r"@@mark (\S+) (begin|end|userspace) guest_ns=(\d+)")
STATUS = re.compile(r"@@status (\S+) rc=(\d+)")
RESULT = re.compile(r"^([a-z]+)((?: \w+=\S+)+)\s*$")
OP = re.compile(r"@@op (\S+) (begin|end)(?: ops=(\d+))?")


def sample_cpu(text):
    """The lines at which the launcher records the child's CPU time."""
    return "@@" in text or BANNER in text


class Workload:
    def __init__(self, name):
        self.name = name
        self.begin_t = self.end_t = None  # host seconds since launch
        self.begin_g = self.end_g = None  # guest CLOCK_MONOTONIC ns
        self.begin_cpu = self.end_cpu = None  # the monitor's host CPU seconds
        self.rc = None
        self.result = {}
        self.ok = False
        self.why = "did not start"

    @property
    def host_s(self):
        if self.begin_t is None or self.end_t is None:
            return None
        return self.end_t - self.begin_t

    @property
    def cpu_s(self):
        if self.begin_cpu is None or self.end_cpu is None:
            return None
        return self.end_cpu - self.begin_cpu

    @property
    def guest_s(self):
        if self.begin_g is None or self.end_g is None:
            return None
        return (self.end_g - self.begin_g) / 1e9


class GuestRun:
    """The parsed console of one guest boot."""

    def __init__(self, run, names):
        self.run = run
        self.banner_t = self.banner_cpu = None
        self.userspace_t = self.userspace_cpu = None
        self.userspace_g = None
        self.done = False
        self.info = {}
        self.workloads = {n: Workload(n) for n in names}
        cpus = run.cpu if len(run.cpu) == len(run.lines) else [None] * len(run.lines)
        for (t, text), cpu in zip(run.lines, cpus):
            self._line(t, text, cpu)

    def _line(self, t, text, cpu):
        if self.banner_t is None and BANNER in text:
            self.banner_t, self.banner_cpu = t, cpu
        m = MARK.search(text)
        if m:
            name, phase, g = m.group(1), m.group(2), int(m.group(3))
            if name == "boot" and phase == "userspace":
                if self.userspace_t is None:
                    self.userspace_t, self.userspace_g, self.userspace_cpu = t, g, cpu
            elif name in self.workloads:
                w = self.workloads[name]
                if phase == "begin":
                    w.begin_t, w.begin_g, w.begin_cpu = t, g, cpu
                    w.why = "did not finish"
                else:
                    w.end_t, w.end_g, w.end_cpu = t, g, cpu
            return
        m = STATUS.search(text)
        if m and m.group(1) in self.workloads:
            self.workloads[m.group(1)].rc = int(m.group(2))
            return
        if "@@done" in text:
            self.done = True
            return
        if text.startswith("@@info "):
            for kv in text[7:].split():
                k, _, v = kv.partition("=")
                self.info[k] = v
            return
        m = RESULT.match(text)
        if m and m.group(1) in self.workloads:
            self.workloads[m.group(1)].result = dict(kv.split("=", 1) for kv in m.group(2).split())

    def check(self, expected):
        """Marks each workload ok or not; expected maps a workload name to a function of its
        result dict returning None (right) or what is wrong."""
        for w in self.workloads.values():
            if w.host_s is None:
                continue
            if w.rc is None:
                w.why = "no exit status"
            elif w.rc != 0:
                w.why = f"exit status {w.rc}"
            elif not w.result:
                w.why = "no result line"
            elif w.result.get("check", "ok") != "ok":
                w.why = f"its own check failed ({w.result.get('check')})"
            else:
                wrong = expected[w.name](w.result) if w.name in expected else None
                w.ok = wrong is None
                w.why = wrong or ""

    def phase_host_s(self, phase):
        """Host seconds of a phase: 'banner', 'userspace' (both from launch) or a workload."""
        if phase == "banner":
            return self.banner_t
        if phase == "userspace":
            return self.userspace_t
        w = self.workloads.get(phase)
        return w.host_s if w and w.ok else None

    def phase_cpu_s(self, phase):
        """The monitor process's host CPU seconds over the same phase."""
        if phase == "banner":
            return self.banner_cpu
        if phase == "userspace":
            return self.userspace_cpu
        w = self.workloads.get(phase)
        return w.cpu_s if w and w.ok else None


def parse_ops(run):
    """Microbenchmark lines: {kind: (ops, host seconds)} for every kind with both markers."""
    begins, out = {}, {}
    for t, text in run.lines:
        m = OP.search(text)
        if not m:
            continue
        if m.group(2) == "begin":
            begins[m.group(1)] = t
        elif m.group(1) in begins and m.group(3):
            out[m.group(1)] = (int(m.group(3)), t - begins[m.group(1)])
    return out
