"""What a comparison runs: workload sets, configurations and their exact command lines.

A configuration is one way of running the same kernel and workload initramfs: QEMU, or mvisor
with an execution mode, each with a workload set (full, or light for the slow interpreter).
Each set's configurations are compared with QEMU running the same set, in the same round, and
the integer benchmark also with the native build of the same program on the host.
"""

import subprocess
from dataclasses import dataclass, field

WORKLOADS = ["intmark", "forkexec", "tmpfs", "syscalls", "pagefault", "proc"]
# What runs unless --workloads says otherwise: the static workloads of build/bench/workload.cpio.gz.
# proc needs the Debian userland of build/bench/proc.cpio.gz (make bench-proc).
DEFAULT_WORKLOADS = WORKLOADS[:5]

# Sizes chosen so that each workload takes a few seconds under QEMU on a 2020s x86-64 core
# (full) or under the reference interpreter (light); --quick shrinks both.
SETS = {
    "full": {"intmark": 40000, "forkexec": 500, "tmpfs": 64, "syscalls": 5000000, "pagefault": 512,
             "proc": 100},
    "light": {"intmark": 2000, "forkexec": 50, "tmpfs": 16, "syscalls": 200000, "pagefault": 32, "proc": 10},
}
QUICK_SETS = {
    "full": {"intmark": 10000, "forkexec": 200, "tmpfs": 64, "syscalls": 1000000, "pagefault": 128,
             "proc": 30},
    "light": {"intmark": 500, "forkexec": 10, "tmpfs": 4, "syscalls": 20000, "pagefault": 8, "proc": 3},
}
UNITS = {"intmark": "iterations", "forkexec": "fork+exec+wait of busybox true", "tmpfs": "MiB written + md5sum",
         "syscalls": "getppid calls", "pagefault": "MiB of fresh pages touched",
         "proc": "rounds of 14 dynamically linked programs: dash, coreutils, grep, sed, gawk"}
PHASE_TITLES = {"banner": "launch → kernel banner", "userspace": "launch → first userspace output",
                "wall": "process wall time", "cpu": "process CPU time (user+sys)",
                "rss": "process peak RSS (MiB)"}

MVISOR_MODES = ["dbt", "trap", "interp"]
ENGINES = ["qemu"] + MVISOR_MODES
DEFAULT_SET = {"qemu": "full", "dbt": "full", "trap": "full", "interp": "light"}
# interp is too slow for the full set, so the three modes also meet on the light set.
DEFAULT_CONFIGS = "qemu,dbt,trap,interp,dbt:light,trap:light"


@dataclass
class Config:
    key: str  # "qemu", "dbt", "dbt+--no-chain", "qemu:light", "native:light", ...
    kind: str  # qemu | mvisor | native
    mode: str  # the engine: qemu, dbt, trap, interp, native
    wset: str
    opts: tuple = ()  # extra command-line words of this configuration
    argv: list = field(default_factory=list)
    rounds: dict = field(default_factory=dict)  # round number -> GuestRun or NativeRun
    unavailable: str = None
    profile: dict = None  # flattened --profile=json output of an untimed run, when available
    note: str = ""  # e.g. "baseline": another build of mvisor (--baseline-mvisor)

    @property
    def label(self):
        base = {"qemu": "qemu", "native": "native"}.get(self.mode, f"mvisor {self.mode}")
        base = " ".join((base,) + self.opts + ((f"({self.note})",) if self.note else ()))
        return base if self.wset == "full" else f"{base} ({self.wset})"


def parse_configs(spec):
    """'qemu,dbt+--no-chain,interp:light' -> [(engine, (extra options...), set)]: '+' adds one
    command-line word for that configuration only; the set defaults per engine."""
    out = []
    for tok in filter(None, (t.strip() for t in spec.split(","))):
        head, _, wset = tok.partition(":")
        engine, *opts = head.split("+")
        if engine not in ENGINES:
            raise ValueError(f"unknown configuration '{engine}' (one of {', '.join(ENGINES)})")
        wset = wset or DEFAULT_SET[engine]
        if wset not in SETS:
            raise ValueError(f"unknown workload set '{wset}' (one of {', '.join(SETS)})")
        if (engine, tuple(opts), wset) not in out:
            out.append((engine, tuple(opts), wset))
    return out


def bench_append(sizes, workloads):
    return "bench=" + ",".join(f"{w}:{sizes[w]}" for w in workloads)


def probe_mvisor_cpu(mvisor):
    """The CPU model both machines get: 24Kf if this mvisor models the FPU, else 24Kc.

    mvisor parses options in order, so `-cpu 24Kf -h` prints the help only if 24Kf is accepted."""
    try:
        r = subprocess.run([mvisor, "-cpu", "24Kf", "-h"], capture_output=True, timeout=20)
        return "24Kf" if r.returncode == 0 else "24Kc"
    except (OSError, subprocess.TimeoutExpired):
        return "24Kc"


def mvisor_help(mvisor):
    try:
        return subprocess.run([mvisor, "--help"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""


def config_key(engine, opts, wset):
    return engine + "".join("+" + o for o in opts) + ("" if wset == "full" else f":{wset}")


def guest_argv(engine, args, cpu, initrd, append, opts=()):
    common = ["-M", "malta", "-m", "256", "-nographic", "-no-reboot", "-cpu", cpu,
              "-kernel", args.kernel, "-initrd", initrd, "-append", append]
    if engine == "qemu":
        # -nic none / -vga none: QEMU's Malta otherwise adds a PCnet NIC and a Cirrus VGA whose
        # option ROMs Debian ships in recommended packages; the kernel would also set up a
        # frame buffer for the VGA (FB_CIRRUS=y). mvisor's Malta has neither device.
        return [args.qemu] + common[:8] + ["-nic", "none", "-vga", "none"] + common[8:] + list(opts)
    return [args.mvisor] + common + ["--exec", engine] + list(args.mvisor_opt) + list(opts)
