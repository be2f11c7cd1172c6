"""One QMP socket for several VMs: the session tests/cli/run.sh (case qmp-several-vms) runs
against a monitor started with three Malta VMs a, b, c (weights 50, 100, 400) running
tests/cli/malta/ticks.S, whose consoles log to RUNDIR/NAME.log.

    python3 tests/cli/qmp_vms.py SOCKET RUNDIR

Checks, each printed as it passes; the first that fails ends the session with status 1:
a client attached to c's console socket (RUNDIR/c.sock) receives ticks, and c's log holds at
least as many (the output goes to both, the log from the start) and nothing else; query-vms lists a, b, c, running, with their weights; a command that needs a VM and names none
is refused (three run here), as is an unknown name; stop with "vm": "b" pauses b alone (its
STOP event names it; b's log stands still while a's and c's grow); cont resumes it;
system_reset with "vm": "c" resets c alone (one RESET event, naming c); quit with
"vm": "a" ends a alone; quit without "vm" ends the rest and the monitor.
"""

import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "qmp"))
from qmp_client import QMPClient, QMPError  # noqa: E402


def check(cond, what):
    if not cond:
        print("FAIL:", what)
        sys.exit(1)
    print("ok:", what)


def connect(path):
    deadline = time.monotonic() + 10
    while True:
        try:
            return QMPClient(path)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def console_client(rundir):
    """Three ticks from c's console socket, then c's log must hold them too."""
    path = os.path.join(rundir, "c.sock")
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.settimeout(10)
    got = b""
    while got.count(b"tick\r\n") < 3:
        d = s.recv(4096)
        if not d:
            break
        got += d
    s.close()
    seen = got.count(b"tick\r\n")
    check(seen >= 3, "a client on c.sock receives ticks (%d)" % seen)
    log = open(os.path.join(rundir, "c.log"), "rb").read()
    logged = log.count(b"tick\r\n")
    check(logged >= seen, "c.log holds at least the ticks the client saw (%d >= %d)" % (logged, seen))
    check(re.fullmatch(rb"(tick\r\n)*(t|ti|tic|tick|tick\r)?", log) is not None, "c.log holds only ticks")


def main():
    sock, rundir = sys.argv[1], sys.argv[2]
    c = connect(sock)
    check(c.cmd("qmp_capabilities") == {"return": {}}, "qmp_capabilities")
    console_client(rundir)

    vms = c.cmd("query-vms")["return"]
    check([v["name"] for v in vms] == ["a", "b", "c"], "query-vms lists a, b, c: %s" % [v["name"] for v in vms])
    check(all(v["status"] == "running" and v["running"] for v in vms), "all three running")
    check([v["weight"] for v in vms] == [50, 100, 400], "weights 50, 100, 400: %s" % [v["weight"] for v in vms])

    r = c.cmd("query-status")
    check("error" in r and "3 VMs" in r["error"]["desc"], "query-status without vm is refused: %s" % r)
    r = c.cmd("stop", vm="nosuch")
    check("error" in r and "nosuch" in r["error"]["desc"], "stop of an unknown VM is refused: %s" % r)

    check(c.cmd("stop", vm="b") == {"return": {}}, "stop vm b")
    ev = c.wait_event("STOP", 5)
    check(ev is not None and ev.get("data", {}).get("vm") == "b", "the STOP event names b: %s" % ev)
    st = {n: c.cmd("query-status", vm=n)["return"]["status"] for n in "abc"}
    check(st == {"a": "running", "b": "paused", "c": "running"}, "only b is paused: %s" % st)

    def sizes():
        return {n: os.path.getsize(os.path.join(rundir, n + ".log")) for n in "abc"}

    before = sizes()
    time.sleep(0.5)
    after = sizes()
    check(after["b"] == before["b"], "b's console stands still while paused: %s -> %s" % (before, after))
    check(after["a"] > before["a"] and after["c"] > before["c"], "a and c go on: %s -> %s" % (before, after))

    check(c.cmd("cont", vm="b") == {"return": {}}, "cont vm b")
    check(c.cmd("query-status", vm="b")["return"]["status"] == "running", "b runs again")
    before = sizes()
    time.sleep(0.5)
    check(sizes()["b"] > before["b"], "b's console grows again")

    check(c.cmd("system_reset", vm="c") == {"return": {}}, "system_reset vm c")
    ev = c.wait_event("RESET", 5)
    check(ev is not None and ev["data"].get("vm") == "c", "the RESET event names c: %s" % ev)
    check(not any(e["event"] == "RESET" for e in c.events), "no other VM was reset: %s" % c.events)

    check(c.cmd("quit", vm="a") == {"return": {}}, "quit vm a")
    st = {v["name"]: v["status"] for v in c.cmd("query-vms")["return"]}
    check(st == {"a": "shutdown", "b": "running", "c": "running"}, "a alone has shut down: %s" % st)
    ev = c.wait_event("SHUTDOWN", 5)
    check(ev is not None and ev["data"].get("vm") == "a", "the SHUTDOWN event names a: %s" % ev)

    check(c.cmd("quit") == {"return": {}}, "quit (every VM)")
    try:
        while True:
            c.recv(10)
    except QMPError as e:
        check("closed" in str(e), "the monitor closes the socket at the end: %s" % e)


if __name__ == "__main__":
    main()
