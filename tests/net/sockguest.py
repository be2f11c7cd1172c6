"""A guest console on a unix socket (mvisor's RUNDIR/NAME.sock with several VMs): the same
expect/run interface as tests/boot/guest.py's Guest, which drives a monitor on pipes."""

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "boot"))
from guest import Guest, GuestError, PROMPT, kill_group, spawn  # noqa: E402


class SockGuest(Guest):
    def __init__(self, path, transcript, timeout=300, monitor=None):
        self.out = ""
        self.pos = 0
        self.marks = {}
        self.status = None
        self.t0 = time.monotonic()
        self.transcript = open(transcript, "w", encoding="utf-8", errors="replace")
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                # A monitor that refused its configuration never makes the socket: say so now.
                if monitor is not None and monitor.poll() is not None:
                    raise GuestError("the monitor exited (status %s) before console socket %s appeared"
                                     % (monitor.returncode, path))
                if time.monotonic() > deadline:
                    raise GuestError("no console socket %s" % path)
                time.sleep(0.2)
        self.sock.setblocking(False)
        self.proc = None

    def _pump(self, timeout):
        import select
        r, _, _ = select.select([self.sock], [], [], timeout)
        if not r:
            return True
        try:
            data = self.sock.recv(65536)
        except BlockingIOError:
            return True
        if not data:
            self.status = -1
            return False
        text = data.decode("utf-8", errors="replace")
        self.out += text
        self.transcript.write(text)
        self.transcript.flush()
        return True

    def send(self, text):
        self.transcript.write("\n[sent %r]\n" % text)
        self.sock.sendall(text.encode())

    def wait_prompt(self, timeout):
        """The guest may have printed its prompt before we connected: ask again until it does."""
        deadline = time.monotonic() + timeout
        while True:
            self.send("\n")
            try:
                self.expect(re.escape(PROMPT), 5, "the shell prompt")
                return
            except GuestError:
                if time.monotonic() > deadline:
                    raise

    def close(self):
        self.sock.close()
        self.transcript.close()


def power_off(guests, proc, check):
    """Every guest powers off; the monitor must then exit 0 within a minute (check "monitor-exit")."""
    for g in guests.values():
        g.send("poweroff -f\n")
    try:
        rc = proc.wait(60)
        check("monitor-exit", rc == 0, "status %s" % rc)
    except subprocess.TimeoutExpired:
        check("monitor-exit", False, "still running 60 s after poweroff")


def close_all(guests, proc):
    """The consoles closed, and the monitor killed if it still runs."""
    for g in guests.values():
        g.close()
    kill_group(proc)


class Checks:
    """One line per check ("ok" or "FAIL name: why"); failed lists the names that failed."""

    def __init__(self):
        self.failed = []

    def __call__(self, name, ok, why=""):
        print("%s %s%s" % ("ok  " if ok else "FAIL", name, (": " + why) if why and not ok else ""))
        if not ok:
            self.failed.append(name)


def start_monitor(monitor, cfg, run, stderr_path, extra=()):
    """mvisor on a --vm-config with its QMP socket in run: (process, QMP socket path)."""
    err = open(stderr_path, "wb")
    qmp_path = os.path.join(run, "qmp.sock")
    proc = spawn([monitor] + list(extra) + ["--vm-config", cfg, "--run-dir", run, "-qmp",
                  "unix:%s,server=on,wait=off" % qmp_path], stdin=subprocess.DEVNULL, stdout=err, stderr=err)
    err.close()
    return proc, qmp_path


def monitor_test_args():
    """The arguments every one-monitor test takes: the monitor, the guest, where logs and
    scratch files go."""
    p = argparse.ArgumentParser()
    for name in ("--monitor", "--kernel", "--initrd", "--log-dir", "--work"):
        p.add_argument(name, required=True)
    return p


def run_monitor_test(monitor, vms, work, log_dir, prefix, body, connect_qmp):
    """One monitor on the --vm-config vms (a list of {"name", "options"}) in work: boots every
    VM's console, calls body(guests, qmp, check) with the QMP client connect_qmp(path) made,
    powers them off; every failure a check. Returns the exit status (1 if a check failed)."""
    run = os.path.join(work, "run")
    os.makedirs(run, exist_ok=True)
    os.makedirs(log_dir, exist_ok=True)
    cfg = os.path.join(work, "vms.json")
    with open(cfg, "w") as f:
        json.dump(vms, f)
    proc, qmp_path = start_monitor(monitor, cfg, run, os.path.join(log_dir, prefix + ".stderr"))
    check = Checks()
    g = {}
    try:
        boot_consoles(run, [v["name"] for v in vms], log_dir, prefix, g, monitor=proc)
        q = connect_qmp(qmp_path)
        q.run("qmp_capabilities")
        body(g, q, check)
        q.close()
        power_off(g, proc, check)
    except Exception as e:  # a guest or QMP error: the case fails with it
        check("guest", False, "%s: %s" % (type(e).__name__, e))
    finally:
        close_all(g, proc)
    return 1 if check.failed else 0


def boot_consoles(run, names, log_dir, prefix, guests, monitor=None):
    """Each VM's console (RUNDIR/NAME.sock) into guests, at its shell prompt, kernel messages off."""
    for n in names:
        guests[n] = SockGuest(os.path.join(run, n + ".sock"), os.path.join(log_dir, "%s-%s.console" % (prefix, n)),
                              monitor=monitor)
    for n in names:
        guests[n].wait_prompt(300)
        guests[n].run("dmesg -n 1", 120)
