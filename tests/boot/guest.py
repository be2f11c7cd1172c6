"""Drive a guest over its serial console: start a monitor (mvisor or qemu-system-mipsel) with
the console on pipes, wait for output, type commands, collect what they print.

Everything the guest prints is kept (and copied to a transcript file as it arrives), so
checks can look at the whole boot log afterwards. Standard library only.
"""

import atexit
import os
import re
import select
import signal
import subprocess
import threading
import time

PROMPT = "/ # "


_live = []  # processes spawn() started that nobody has reaped yet


def _on_signal(signum, _frame):
    raise SystemExit(128 + signum)  # so that finally blocks and the atexit reaper run


def spawn(argv, **kw):
    """subprocess.Popen(argv, **kw) in a process group of its own, which kill_group() kills whole,
    and so does this script's exit, whichever way it goes: a return, an exception, or the
    SIGTERM/SIGHUP of a suite's time limit (a driver that raised before its cleanup once left a
    booted mvisor running). Not SIGKILL: nothing runs then."""
    if not getattr(spawn, "armed", False):
        spawn.armed = True
        atexit.register(kill_all)
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGHUP):
                if signal.getsignal(sig) == signal.SIG_DFL:
                    signal.signal(sig, _on_signal)
    p = subprocess.Popen(argv, process_group=0, **kw)
    _live.append(p)
    return p


def kill_group(p):
    """SIGKILL to p's process group, then reaps p. Once p was reaped (it exited and someone
    waited) its group id may belong to a stranger's group later: it is left alone then."""
    if p.returncode is None:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait()
    if p in _live:
        _live.remove(p)


def kill_all():
    for p in list(_live):
        kill_group(p)


class GuestError(Exception):
    """The guest did not do what was expected (timeout, early exit, panic)."""


class Guest:
    def __init__(self, argv, transcript, stderr_path, env=None):
        self.argv = argv
        self.out = ""          # everything the console printed so far
        self.pos = 0           # where the next expect() starts looking
        self.t0 = time.monotonic()
        self.marks = {}        # name -> seconds since start, for reports
        self.transcript = open(transcript, "w", encoding="utf-8", errors="replace")
        self.transcript.write("$ " + " ".join(argv) + "\n")
        self.stderr_file = open(stderr_path, "wb")
        self.stderr_path = stderr_path
        self.proc = spawn(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=self.stderr_file, env=env)
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.status = None

    def elapsed(self):
        return time.monotonic() - self.t0

    def _pump(self, timeout):
        """Reads what is available within timeout seconds; False once the monitor has exited
        and its output is drained."""
        fd = self.proc.stdout.fileno()
        r, _, _ = select.select([fd], [], [], timeout)
        if not r:
            return self.proc.poll() is None
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return True
        if not data:
            self.status = self.proc.wait()
            return False
        text = data.decode("utf-8", errors="replace")
        self.out += text
        self.transcript.write(text)
        self.transcript.flush()
        return True

    def expect(self, pattern, timeout, what=None):
        """Waits until regex pattern appears after the current position; returns the match and
        moves the position past it. Raises GuestError on timeout, exit or a kernel panic."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.out, self.pos)
            if m:
                self.pos = m.end()
                return m
            if "Kernel panic" in self.out[self.pos:]:
                raise GuestError("kernel panic while waiting for %s" % (what or pattern))
            left = deadline - time.monotonic()
            if left <= 0:
                raise GuestError("timeout after %.0f s waiting for %s" % (timeout, what or pattern))
            if not self._pump(min(left, 0.5)):
                if self.status is not None:
                    raise GuestError("monitor exited (status %s) while waiting for %s"
                                     % (self.status, what or pattern))

    def send(self, text):
        self.transcript.write("\n[sent %r]\n" % text)
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def run(self, cmd, timeout=120):
        """Types cmd at the shell prompt and returns its output (without the echo) and its
        exit status. Markers are split by quotes in what is typed, so only the shell's output
        can contain them whole."""
        n = len(self.marks) + self.pos
        begin, end = "@@B%d@@" % n, "@@E%d@@" % n
        typed_begin = begin[:3] + "''" + begin[3:]
        typed_end = end[:3] + "''" + end[3:]
        self.send("echo %s; %s; echo %s $?\n" % (typed_begin, cmd, typed_end))
        self.expect(re.escape(begin) + r"\r?\n", timeout, "start of '%s'" % cmd)
        start = self.pos
        m = self.expect(re.escape(end) + r" (\d+)\r?\n", timeout, "end of '%s'" % cmd)
        body = self.out[start:m.start()]
        return body.replace("\r\n", "\n").replace("\r", ""), int(m.group(1))

    def mark(self, name):
        self.marks[name] = self.elapsed()

    def wait_exit(self, timeout):
        """Waits for the monitor to exit; returns its status. Raises GuestError on timeout."""
        deadline = time.monotonic() + timeout
        while self.status is None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise GuestError("monitor still running %.0f s after it should have exited" % timeout)
            if not self._pump(min(left, 0.5)) and self.status is None:
                self.status = self.proc.wait()
        return self.status

    def stderr(self):
        self.stderr_file.flush()
        with open(self.stderr_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def close(self):
        kill_group(self.proc)
        self.transcript.close()
        self.stderr_file.close()
