#!/usr/bin/env python3
"""The console on a terminal: mvisor runs on a pseudo-terminal, as in an interactive session.

    console_test.py CASE --mvisor BIN --kernel K --initrd I

Cases (each prints "ok NAME" / "FAIL NAME: why" lines and exits 0 iff all passed):
  escapes   once the kernel prints, the terminal is raw (no echo, no line editing, no signal
            keys); Ctrl-C reaches the guest instead of killing mvisor; Ctrl-A h prints the
            escape help; Ctrl-A x ends mvisor with status 0; the terminal settings are exactly
            what they were before
  sigterm   SIGTERM while the guest runs: status 1, one "stopped by signal 15" line, the
            terminal restored
"""

import argparse
import os
import pty
import select
import signal
import subprocess
import sys
import termios
import time

from guest import kill_group, spawn


def read_until(fd, needle, timeout, buf):
    deadline = time.monotonic() + timeout
    while needle not in buf[0]:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        r, _, _ = select.select([fd], [], [], min(left, 0.5))
        if r:
            try:
                data = os.read(fd, 65536)
            except OSError:
                return False
            if not data:
                return False
            buf[0] += data.decode("utf-8", errors="replace")
    return True


def main():
    p = argparse.ArgumentParser()
    p.add_argument("case", choices=["escapes", "sigterm"])
    p.add_argument("--mvisor", required=True)
    p.add_argument("--kernel", required=True)
    p.add_argument("--initrd", required=True)
    p.add_argument("--exec", default="interp")
    p.add_argument("--transcript")
    a = p.parse_args()

    master, slave = pty.openpty()
    before = termios.tcgetattr(slave)
    argv = [a.mvisor, "-M", "malta", "-m", "256", "-kernel", a.kernel, "-initrd", a.initrd,
            "-append", "console=ttyS0", "-nographic", "--exec", a.exec, "--deterministic", "--seed", "9"]
    proc = spawn(argv, stdin=slave, stdout=slave, stderr=subprocess.PIPE, close_fds=True)
    failed = 0
    buf = [""]

    def check(name, cond, why=""):
        nonlocal failed
        print(("ok %s" % name) if cond else ("FAIL %s: %s" % (name, why)))
        sys.stdout.flush()
        if not cond:
            failed += 1
        return cond

    try:
        started = read_until(master, "Linux version", 300, buf)
        check("guest-output", started, "no kernel banner on the terminal")
        raw = termios.tcgetattr(slave)
        lflag = raw[3]
        check("raw-mode", not (lflag & (termios.ICANON | termios.ECHO | termios.ISIG)),
              "lflag %#x still has ICANON/ECHO/ISIG" % lflag)
        if a.case == "escapes":
            os.write(master, b"\x03")  # Ctrl-C: a byte for the guest, not SIGINT for us
            time.sleep(1.0)
            check("ctrl-c-to-guest", proc.poll() is None, "mvisor exited on Ctrl-C")
            mark = len(buf[0])
            os.write(master, b"\x01h")
            got = read_until(master, "C-a x", 20, buf)
            check("ctrl-a-h-help", got and "C-a x" in buf[0][mark:], "no escape help after Ctrl-A h")
            os.write(master, b"\x01x")
            try:
                st = proc.wait(60)
            except subprocess.TimeoutExpired:
                st = None
            check("ctrl-a-x-exits-0", st == 0, "status %s" % st)
        elif a.case == "sigterm":
            proc.send_signal(signal.SIGTERM)
            try:
                st = proc.wait(60)
            except subprocess.TimeoutExpired:
                st = None
            err = proc.stderr.read().decode(errors="replace")
            check("sigterm-status-1", st == 1, "status %s" % st)
            check("sigterm-message", "stopped by signal 15" in err, repr(err))
        after = termios.tcgetattr(slave)
        check("terminal-restored", after == before, "terminal settings differ after exit")
    finally:
        kill_group(proc)
        if a.transcript:
            with open(a.transcript, "w") as f:
                f.write(buf[0])
        os.close(master)
        os.close(slave)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
