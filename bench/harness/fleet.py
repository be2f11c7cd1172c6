"""Many VMs at once for make bench-vms: one mvisor monitor holding N VMs, or N qemu-system-mipsel
processes, each VM with a console log file and a console socket in a run directory.

Both kinds look the same from here: VM NAME writes its ttyS0 to RUN_DIR/NAME.log and attaches
to RUN_DIR/NAME.sock (mvisor --run-dir does this itself; QEMU gets a socket chardev with
logfile=). The host watches the logs by polling them (appended bytes only), timestamping lines
on its monotonic clock as they are first seen, so a few hundred VMs cost one loop and no thread
each. Memory is the processes' proportional set size (/proc/PID/smaps_rollup: shared pages are
split between their users, so a sum over processes counts every page once), CPU is the
processes' utime + stime (/proc/PID/stat, every thread, dead ones included).
"""

import json
import os
import re
import signal
import subprocess
import time

PROMPT = "/ # "
_TICKS = os.sysconf("SC_CLK_TCK")


class Console:
    """The log of one VM's ttyS0: lines as first seen, and when the shell prompt first showed."""

    def __init__(self, name, log, sock):
        self.name, self.log, self.sock = name, log, sock
        self.offset = 0
        self.partial = ""
        self.prompt_t = None  # host seconds since the fleet's launch
        self.lines = []  # (t, text) of the lines `keep` selected
        self.tail = ""  # the last few hundred characters (for error reports)

    def poll(self, t, keep=None):
        try:
            with open(self.log, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return
        if not data:
            return
        self.offset += len(data)
        text = self.partial + data.decode("utf-8", "replace")
        self.tail = (self.tail + text)[-400:]
        if self.prompt_t is None and PROMPT in text:
            self.prompt_t = t
        *full, self.partial = text.split("\n")
        self.partial = self.partial[-4096:]
        if keep:
            for line in full:
                line = line.rstrip("\r")
                if keep(line):
                    self.lines.append((t, line))


def pss_kib(pid):
    """{'Pss': ..., 'Pss_Anon': ..., 'Pss_File': ..., 'Pss_Shmem': ..., 'Rss': ...} in KiB."""
    out = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k.startswith(("Pss", "Rss")):
                    out[k] = int(v.split()[0])
    except OSError:
        pass
    return out


def cpu_s(pid):
    """utime + stime of a live process (all its threads), seconds."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS
    except (OSError, IndexError, ValueError):
        return None


def mem_used_kib():
    """The host's memory in use by anyone: MemTotal - MemAvailable."""
    info = {}
    with open("/proc/meminfo") as f:
        for line in f:
            k, _, v = line.partition(":")
            info[k] = int(v.split()[0])
    return info["MemTotal"] - info["MemAvailable"]


_MAP = re.compile(r"^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$")


def mvisor_breakdown(pid, code_buffer_bytes, detail=False):
    """mvisor's PSS by kind of mapping, KiB: machine memory (the memfd pool: guest RAM and the
    boot file cache), translated code (the code buffers: memfd mappings named mvisor-code, or
    in older builds anonymous mappings exactly the size of a code buffer), and everything else
    (block metadata, software TLBs, the monitor's heap, libraries). With detail, two kinds more
    out of the rest: the memmap (the machine pages' descriptors, the largest anonymous
    mapping) and the heap (the brk heap; malloc's own mappings stay in the rest)."""
    parts = {"machine memory": 0, "translated code": 0, "other": 0}
    if detail:
        parts.update({"memmap": 0, "heap": 0})
    kind = "other"
    rows = []
    try:
        with open(f"/proc/{pid}/smaps") as f:
            for line in f:
                m = _MAP.match(line)
                if m:
                    size = int(m.group(2), 16) - int(m.group(1), 16)
                    name = m.group(3)
                    if "mvisor-machine-memory" in name:
                        kind = "machine memory"
                    elif "mvisor-code" in name or (not name and size == code_buffer_bytes):
                        kind = "translated code"
                    elif detail and name == "[heap]":
                        kind = "heap"
                    else:
                        kind = "other"
                    rows.append([kind, size, name, 0])
                elif line.startswith("Pss:") and rows:
                    rows[-1][3] += int(line.split()[1])
    except OSError:
        return None
    if detail:
        anon = [r for r in rows if r[0] == "other" and not r[2]]
        if anon:
            max(anon, key=lambda r: r[1])[0] = "memmap"
    for kind, _, _, pss in rows:
        parts[kind] += pss
    return parts


class Fleet:
    """A set of VMs started together. Subclasses fill self.procs (Popen) and self.consoles."""

    kind = "?"

    def __init__(self, run_dir):
        self.run_dir = run_dir
        self.procs = []
        self.consoles = {}
        self.t0 = None
        self.argv = []  # the command line(s), for the report
        self.error = None  # why it could not be launched at all

    def _prepare_dir(self):
        os.makedirs(self.run_dir, exist_ok=True)
        for f in os.listdir(self.run_dir):
            if f.endswith((".log", ".sock", ".json", ".out")):
                os.remove(os.path.join(self.run_dir, f))

    def now(self):
        return time.monotonic() - self.t0

    def pids(self):
        return [p.pid for p in self.procs if p.poll() is None]

    def alive(self):
        return all(p.poll() is None for p in self.procs)

    def exited(self):
        """(argv, status, the end of its own output) of a process that has ended, or None."""
        for p in self.procs:
            if p.poll() is not None:
                return p.args, p.returncode, self._out_tail(p)
        return None

    def _out_tail(self, p):
        try:
            with open(p._bench_out, errors="replace") as f:
                return f.read()[-600:]
        except (OSError, AttributeError):
            return ""

    def poll(self, keep=None):
        t = self.now()
        for c in self.consoles.values():
            c.poll(t, keep)

    def wait(self, ready, timeout_s, keep=None, mem_limit_kib=None, interval=0.2):
        """Polls until ready(console) holds for every VM. Returns None, or why not: a
        timeout, a process that ended, or the host's memory in use passing mem_limit_kib."""
        if self.error:
            return self.error
        end = time.monotonic() + timeout_s
        while True:
            self.poll(keep)
            if all(ready(c) for c in self.consoles.values()):
                return None
            ex = self.exited()
            if ex:
                return f"{os.path.basename(ex[0][0])} exited with status {ex[1]}: {ex[2].strip()[-300:]}"
            if mem_limit_kib and mem_used_kib() > mem_limit_kib:
                return f"host memory in use passed {mem_limit_kib >> 20} GiB"
            if time.monotonic() >= end:
                n = sum(1 for c in self.consoles.values() if ready(c))
                return f"timed out after {timeout_s:.0f} s with {n} of {len(self.consoles)} ready"
            time.sleep(interval)

    def pss(self):
        tot = {}
        for pid in self.pids():
            for k, v in pss_kib(pid).items():
                tot[k] = tot.get(k, 0) + v
        return tot

    def cpu(self):
        vals = [cpu_s(pid) for pid in self.pids()]
        return sum(v for v in vals if v is not None)

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        end = time.monotonic() + 10
        for p in self.procs:
            try:
                p.wait(max(0.1, end - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait()

    def _spawn(self, argv, out_path):
        out = open(out_path, "wb")
        # A process group of its own (stopped together by killpg) but the runner's session: with
        # the kernel's autogroups (sched_autogroup_enabled), every session is a scheduling group
        # of its own, so a session per QEMU would give N QEMUs N shares of a contended host
        # against one for mvisor's monitor, and would make their nice levels act on nothing.
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                             process_group=0)
        out.close()
        p._bench_out = out_path
        self.procs.append(p)
        return p

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class VMSpec:
    """One VM: its name, its machine options (QEMU spelling, without console options), weight."""

    def __init__(self, name, options, weight=None):
        self.name, self.options, self.weight = name, list(options), weight


class MvisorFleet(Fleet):
    """All VMs in one mvisor monitor. Identical VMs use --clone N; VMs that differ (workload,
    weight) a --vm-config file. Without multi-VM support in this build (no --run-dir in its
    --help), one VM alone still runs, its console in RUN_DIR/vm0.log through -serial file:."""

    kind = "mvisor"

    def __init__(self, mvisor, run_dir, vms, host_cpus=None, extra=(), features=None):
        super().__init__(run_dir)
        self.mvisor = mvisor
        self.vms = vms
        self.host_cpus = host_cpus
        self.extra = list(extra)
        self.features = features if features is not None else mvisor_features(mvisor)

    def start(self):
        self._prepare_dir()
        vms = self.vms
        same = all(v.options == vms[0].options and v.weight == vms[0].weight for v in vms)
        if not self.features["run_dir"]:
            if len(vms) != 1 or vms[0].weight is not None:
                self.error = "this mvisor runs one VM per process (no --run-dir, --clone, --vm-config)"
                return self
            v = vms[0]
            argv = [self.mvisor] + v.options + ["-name", v.name, "-serial",
                                                f"file:{os.path.join(self.run_dir, v.name + '.log')}"]
        elif (same and vms[0].weight is None and self.features["clone"]
              and [v.name for v in vms] == [f"vm{i}" for i in range(len(vms))]):
            argv = [self.mvisor] + vms[0].options + ["--clone", str(len(vms)), "--run-dir", self.run_dir]
        else:
            cfg = os.path.join(self.run_dir, "vms.json")
            doc = [dict({"name": v.name, "options": v.options}, **({"weight": v.weight} if v.weight is not None else {}))
                   for v in vms]
            with open(cfg, "w") as f:
                # A list of VMs, or {"vms": [...]} where this build's --help shows that form.
                json.dump({"vms": doc} if self.features["config_object"] else doc, f, indent=1)
            argv = [self.mvisor, "--vm-config", cfg, "--run-dir", self.run_dir]
        if self.host_cpus and self.features["host_cpus"]:
            argv += ["--host-cpus", str(self.host_cpus)]
        argv += self.extra
        self.argv = [argv]
        for v in vms:
            self.consoles[v.name] = Console(v.name, os.path.join(self.run_dir, v.name + ".log"),
                                            os.path.join(self.run_dir, v.name + ".sock"))
        self.t0 = time.monotonic()
        self._spawn(argv, os.path.join(self.run_dir, "mvisor.out"))
        return self


class QemuFleet(Fleet):
    """One qemu-system-mipsel per VM, each with its console on a socket chardev that also logs
    to RUN_DIR/NAME.log (QEMU's logfile= option), like mvisor's --run-dir. A weight becomes a
    CFS nice level (QEMU has no scheduler of its own): see NICE_OF_WEIGHT."""

    kind = "qemu"
    # CFS load weights (kernel/sched/core.c sched_prio_to_weight): nice 0 = 1024, nice 3 = 526,
    # nice 6 = 272: ratios 1 : 1.94 : 3.76 for weights 1 : 2 : 4.
    NICE_OF_WEIGHT = {1: 6, 2: 3, 4: 0}
    CFS_WEIGHT = {0: 1024, 3: 526, 6: 272}

    def __init__(self, qemu, run_dir, vms, host_cpus=None):
        super().__init__(run_dir)
        self.qemu = qemu
        self.vms = vms
        # As mvisor's --host-cpus: every process confined to the first host_cpus CPUs (taskset),
        # when the host has more.
        self.host_cpus = host_cpus if host_cpus and host_cpus < (os.cpu_count() or 1) else None

    def start(self):
        self._prepare_dir()
        self.t0 = time.monotonic()
        vms, self.vms = self.vms, []
        return self.add(vms)

    def add(self, vms):
        """More QEMU processes in the same fleet (each its own process anyway)."""
        self.vms += vms
        for v in vms:
            log = os.path.join(self.run_dir, v.name + ".log")
            sock = os.path.join(self.run_dir, v.name + ".sock")
            argv = [self.qemu] + v.options + [
                "-display", "none", "-monitor", "none", "-nodefaults", "-name", v.name,
                "-chardev", f"socket,id=ser0,path={sock},server=on,wait=off,logfile={log}",
                "-serial", "chardev:ser0"]
            if v.weight is not None:
                argv = ["nice", "-n", str(self.NICE_OF_WEIGHT[v.weight])] + argv
            if self.host_cpus:
                argv = ["taskset", "-c", f"0-{self.host_cpus - 1}"] + argv
            self.argv.append(argv)
            self.consoles[v.name] = Console(v.name, log, sock)
            self._spawn(argv, os.path.join(self.run_dir, v.name + ".out"))
        return self


def mvisor_features(mvisor):
    try:
        h = subprocess.run([mvisor, "--help"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.TimeoutExpired):
        h = ""
    return {"run_dir": "--run-dir" in h, "clone": "--clone" in h, "vm_config": "--vm-config" in h,
            "host_cpus": "--host-cpus" in h, "weight": "--weight" in h, "profile": "--profile" in h,
            "config_object": '{"vms"' in h}


def code_buffer_bytes(mvisor):
    """The default --code-buffer size from mvisor's --help ('default 32768' KiB)."""
    try:
        h = subprocess.run([mvisor, "--help"], capture_output=True, text=True, timeout=20).stdout
        m = re.search(r"--code-buffer KiB.*?default\s+(\d+)", h, re.S)
        return int(m.group(1)) * 1024 if m else None
    except (OSError, subprocess.TimeoutExpired):
        return None
