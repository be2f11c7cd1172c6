"""Running one benchmark process and timestamping its console lines as they arrive.

Every time in the benchmarks comes from here: the host's monotonic clock, read when a line
of the child's output arrives on the pipe, relative to the moment just before the child was
started ("launch"). The child's own CPU time comes from wait4(2)'s rusage, which covers all
of its threads (QEMU's TCG and I/O threads, mvisor's vCPU thread) and any children it
waited for. A run that outlives its time limit is killed with its whole process group and
reported as timed out, with whatever lines it printed.
"""

import os
import select
import signal
import subprocess
import time
from dataclasses import dataclass, field


@dataclass
class Run:
    argv: list
    lines: list = field(default_factory=list)  # (seconds since launch, text)
    cpu: list = field(default_factory=list)  # per line: the child's CPU seconds then, or None
    exit_status: int = None  # None when killed by a signal
    signal: int = None
    timed_out: bool = False
    wall_s: float = None
    user_s: float = None
    sys_s: float = None
    maxrss_kib: int = None
    error: str = None  # the child could not be started

    @property
    def cpu_s(self):
        return None if self.user_s is None else self.user_s + self.sys_s

    def first(self, predicate):
        """The (time, text) of the first line for which predicate(text) holds, or None."""
        for t, text in self.lines:
            if predicate(text):
                return t, text
        return None


def _kill_group(pid):
    """SIGTERM the child's process group, SIGKILL after 3 s; returns (status, rusage)."""
    for sig, grace in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            pass
        end = time.monotonic() + grace
        while time.monotonic() < end:
            wpid, status, ru = os.wait4(pid, os.WNOHANG)
            if wpid == pid:
                return status, ru
            time.sleep(0.05)
    _, status, ru = os.wait4(pid, 0)
    return status, ru


def _cpu_now(pid):
    """utime + stime of a live process (all its threads) from /proc, in seconds."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS
    except (OSError, IndexError, ValueError):
        return None


_TICKS = os.sysconf("SC_CLK_TCK")


def run_console(argv, timeout_s, log_path=None, done_marker=None, done_grace_s=60.0, cwd=None,
                sample=None):
    """Runs argv with stdout+stderr on one pipe, stdin an idle pipe (the console sees no input).

    Stops it after timeout_s, or done_grace_s after a line containing done_marker if it has
    not exited by then (a guest that finished its work but does not power off). For lines
    where sample(text) holds, also records the child's CPU time so far (1/CLK_TCK resolution),
    so phases can be measured in CPU seconds too: on a shared machine they vary less."""
    run = Run(argv=list(argv))
    t0 = time.monotonic()
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True, cwd=cwd)
    except OSError as e:
        run.error = f"cannot start {argv[0]}: {e.strerror}"
        return run
    fd = proc.stdout.fileno()
    os.set_blocking(fd, False)
    buf = b""
    done_at = None
    status = ru = None
    try:
        while True:
            now = time.monotonic()
            limit = t0 + timeout_s
            if done_at is not None:
                limit = min(limit, done_at + done_grace_s)
            if now >= limit:
                run.timed_out = True
                break
            ready, _, _ = select.select([fd], [], [], min(1.0, limit - now))
            if not ready:
                continue
            chunk = os.read(fd, 65536)
            t = time.monotonic() - t0
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                raw, buf = buf.split(b"\n", 1)
                text = raw.decode("utf-8", "replace").rstrip("\r")
                run.lines.append((t, text))
                run.cpu.append(_cpu_now(proc.pid) if sample and sample(text) else None)
                if done_marker and done_at is None and done_marker in text:
                    done_at = time.monotonic()
        if buf:
            run.lines.append((time.monotonic() - t0, buf.decode("utf-8", "replace").rstrip("\r")))
            run.cpu.append(None)
        if run.timed_out:
            status, ru = _kill_group(proc.pid)
        else:
            # Output closed: the child is exiting; give it the rest of its time to do so.
            while True:
                wpid, status, ru = os.wait4(proc.pid, os.WNOHANG)
                if wpid == proc.pid:
                    break
                if time.monotonic() >= t0 + timeout_s:
                    run.timed_out = True
                    status, ru = _kill_group(proc.pid)
                    break
                time.sleep(0.01)
    except BaseException:
        # Interrupted (Ctrl-C) or failed here: the child is in its own session, so it would
        # outlive us; take its process group down first.
        _kill_group(proc.pid)
        raise
    finally:
        run.wall_s = time.monotonic() - t0
        proc.returncode = 0  # reaped above with wait4; keep Popen from waiting again
        proc.stdin.close()
        proc.stdout.close()
    if os.WIFEXITED(status):
        run.exit_status = os.WEXITSTATUS(status)
    elif os.WIFSIGNALED(status):
        run.signal = os.WTERMSIG(status)
    run.user_s, run.sys_s, run.maxrss_kib = ru.ru_utime, ru.ru_stime, ru.ru_maxrss
    if log_path:
        write_log(run, log_path)
    return run


def write_log(run, path):
    """The console transcript with host timestamps, and how the process ended."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("# " + " ".join(shell_quote(a) for a in run.argv) + "\n")
        for (t, text), cpu in zip(run.lines, run.cpu):
            f.write(f"{t:11.6f} " + (f"[cpu {cpu:.2f}] " if cpu is not None else "") + f"{text}\n")
        f.write(f"# {describe_end(run)}; wall {run.wall_s:.3f} s, cpu {run.cpu_s or 0:.3f} s,"
                f" maxrss {run.maxrss_kib} KiB\n")


def describe_end(run):
    if run.error:
        return run.error
    if run.timed_out:
        return "timed out (killed)"
    if run.signal is not None:
        return f"killed by signal {run.signal}"
    return f"exit status {run.exit_status}"


def shell_quote(s):
    """s as a shell word (for printing the exact command lines)."""
    if s and all(c.isalnum() or c in "@%+=:,./-_" for c in s):
        return s
    return "'" + s.replace("'", "'\\''") + "'"
