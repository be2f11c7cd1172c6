#!/usr/bin/env python3
"""QMP sessions against the stock Debian kernel booted to the busybox prompt (--exec dbt).

    qmp_test.py CASE --mvisor BIN --kernel K --initrd I --work DIR

Each case starts its own mvisor with -qmp unix:DIR/CASE.qmp,server=on,wait=off, drives it
with tests/qmp/qmp_client.py (or socat) and the console (tests/boot/guest.py), prints
"ok NAME" / "FAIL NAME: why" lines and exits 0 iff every check passed.

Cases:
  protocol     the greeting; commands before qmp_capabilities (CommandNotFound); negotiation
               twice; query-version (= the greeting's), query-vms (the -name), query-cpus-fast
               (a thread of the monitor), query-commands; bad JSON, a non-object, no or a bad
               "execute", bad "arguments", an unexpected member, an unknown command (id
               echoed; and one whose long UTF-8 name overflows the error text), an
               unexpected argument, "vm" naming no VM or not a string, "vm" naming
               this VM; then the guest still answers on its console; quit: {} then SHUTDOWN
               (host-qmp-quit), status 0, the socket file gone
  stop-cont    a guest loop printing ticks; stop: STOP before the return, status paused, not
               one byte on the console for 2 s, typed input held back; a second stop and cont
               change nothing (no event); cont: RESUME, ticks and the held input come; the
               guest's uptime advanced less than the host's time by the pause (guest time
               stood still); quit while paused
  reset        system_reset: RESET (host-qmp-system-reset), the kernel banner and the prompt
               again; system_reset while paused stays paused and silent until cont; the
               guest's own `reboot -f`: RESET (guest-reset)
  powerdown    system_powerdown at the prompt: POWERDOWN, the guest's SysRq sync, remount
               and power off on its console, SHUTDOWN (guest-shutdown), status 0
  escapes      on a pseudo-terminal: Ctrl-A h lists Ctrl-A b and p; Ctrl-A b then h reaches the
               guest's SysRq (its help line); Ctrl-A p powers the guest off, status 0
  disconnect   clients that leave before the greeting, in the middle of a command, right
               after `stop` without reading the answer (the stop still happened), after
               sending 200 commands without reading one answer; a second client waits until
               the first leaves; then a client works and the guest answers; SIGTERM while
               paused: SHUTDOWN (host-signal), status 1
  socat        a whole session through `socat - UNIX-CONNECT:`: greeting, negotiation,
               query-status, quit and its SHUTDOWN event
  serial-unix  -serial unix:PATH,server=on,wait=off: a client runs a command at the prompt;
               output while no client is connected is dropped; a second client (reconnect)
               works; socat attaches and runs a command; nothing of the guest on stdout
  smp          -cpu 34Kf -smp 2 --smp-threads 2 --page-sharing: both CPUs online; a shell loop
               pinned to CPU 1 (taskset 2) counting into a file; stop for 5 s: the count advances
               no more across the stop than the running rate allows for the time outside it (a
               VPE 1 left running while paused would add 5 s of counting); cont; query-sharing
               shows merges (the scanner got the gate of a VM whose two vCPUs run slices on two
               threads); system_reset brings both CPUs up again; quit. With --tsan (suite tsan):
               a 3 s stop, shorter waits, one count fewer, the reset followed to the bring-up only
"""

import argparse
import json
import os
import pty
import re
import select
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "boot"))
sys.path.insert(0, os.path.dirname(__file__))
from guest import Guest, GuestError, PROMPT, kill_group, spawn  # noqa: E402
from qmp_client import QMPClient, QMPError  # noqa: E402

BOOT_TIMEOUT = 240  # seconds to the prompt (a few under --exec dbt on an idle host)

failed = 0


def check(name, cond, why=""):
    global failed
    print(("ok %s" % name) if cond else ("FAIL %s: %s" % (name, why)))
    sys.stdout.flush()
    if not cond:
        failed += 1
    return cond


def mvisor_argv(a, extra):
    return [a.mvisor, "-M", "malta", "-m", "256", "-kernel", a.kernel, "-initrd", a.initrd,
            "-append", "console=ttyS0", "-nographic", "--exec", "dbt"] + extra


def qmp_opt(path):
    return ["-qmp", "unix:%s,server=on,wait=off" % path]


def wait_socket(path, timeout=30):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise GuestError("no socket at %s" % path)
        time.sleep(0.05)


def connect(path):
    c = QMPClient(path)
    r = c.cmd("qmp_capabilities")
    if r != {"return": {}}:
        raise QMPError("negotiation failed: %r" % r)
    return c


def boot(a, name, extra):
    g = Guest(mvisor_argv(a, extra), os.path.join(a.work, name + ".console"),
              os.path.join(a.work, name + ".stderr"))
    return g


def to_prompt(g):
    g.expect(re.escape(PROMPT), BOOT_TIMEOUT, "the shell prompt")


def quit_and_wait(c, g, name):
    r = c.cmd("quit")
    check(name + "-quit-returns", r == {"return": {}}, repr(r))
    ev = c.wait_event("SHUTDOWN", 30)
    check(name + "-quit-shutdown-event", ev["data"].get("guest") is False
          and ev["data"].get("reason") == "host-qmp-quit", repr(ev))
    st = g.wait_exit(30)
    check(name + "-quit-status-0", st == 0, "status %s" % st)


def case_protocol(a):
    sock = os.path.join(a.work, "protocol.qmp")
    g = boot(a, "protocol", qmp_opt(sock) + ["-name", "guest-a"])
    wait_socket(sock)
    c = QMPClient(sock)
    gr = c.greeting
    v = gr.get("QMP", {}).get("version", {})
    check("greeting", isinstance(gr.get("QMP", {}).get("capabilities"), list)
          and all(isinstance(v.get("qemu", {}).get(k), int) for k in ("major", "minor", "micro"))
          and "package" in v, repr(gr))
    r = c.cmd("query-status")
    check("before-negotiation", r.get("error", {}).get("class") == "CommandNotFound"
          and "qmp_capabilities" in r["error"].get("desc", ""), repr(r))
    r = c.cmd("qmp_capabilities", id="neg-1")
    check("negotiation", r == {"return": {}, "id": "neg-1"}, repr(r))
    r = c.cmd("qmp_capabilities")
    check("negotiation-twice", r.get("error", {}).get("class") == "CommandNotFound", repr(r))
    check("query-version", c.run("query-version") == v, "greeting says %r" % v)
    vms = c.run("query-vms")
    check("query-vms", len(vms) == 1 and vms[0]["name"] == "guest-a" and vms[0]["memory-mb"] == 256
          and vms[0]["status"] in ("running", "paused") and vms[0]["cpus"] == 1, repr(vms))
    cpus = c.run("query-cpus-fast")
    tid = cpus[0].get("thread-id") if len(cpus) == 1 else None
    check("query-cpus-fast", len(cpus) == 1 and cpus[0]["cpu-index"] == 0 and cpus[0]["target"] == "mipsel"
          and tid and os.path.isdir("/proc/%d/task/%d" % (g.proc.pid, tid)), repr(cpus))
    names = {x["name"] for x in c.run("query-commands")}
    want = {"qmp_capabilities", "query-status", "stop", "cont", "system_reset", "system_powerdown", "quit",
            "query-cpus-fast", "query-version", "query-vms"}
    check("query-commands", want <= names, "missing %s" % (want - names))

    def err(name, raw, cls, desc_re, id_=None):
        c.send_raw(raw)
        r = c.response()
        e = r.get("error", {})
        ok = e.get("class") == cls and re.search(desc_re, e.get("desc", "")) and "return" not in r
        if id_ is not None:
            ok = ok and r.get("id") == id_
        check(name, ok, repr(r))

    err("bad-json", b'{"execute": query-status}\n', "GenericError", "JSON parse error")
    err("bad-json-garbage-line", b"this is not json\n", "GenericError", "JSON parse error")
    err("unbalanced-close", b"}\n", "GenericError", "JSON parse error")
    err("not-an-object", b"[1, 2, 3]\n", "GenericError", "must be a JSON object")
    err("no-execute", b'{"arguments": {}}\n', "GenericError", "lacks member 'execute'")
    err("execute-not-string", b'{"execute": 42}\n', "GenericError", "'execute' must be a string")
    err("arguments-not-object", b'{"execute": "stop", "arguments": [1]}\n', "GenericError",
        "'arguments' must be an object")
    err("unexpected-member", b'{"execute": "stop", "colour": "blue"}\n', "GenericError", "'colour' is unexpected")
    err("unknown-command", b'{"execute": "frobnicate", "id": {"n": 5}}\n', "CommandNotFound",
        "frobnicate has not been found", {"n": 5})
    # A name longer than the error text has room for, in two-byte characters: still an answer.
    err("unknown-command-long-utf8", json.dumps({"execute": "\u00e9" * 400}).encode() + b"\n",
        "CommandNotFound", "has not been found|\u00e9")
    err("unexpected-argument", b'{"execute": "query-status", "arguments": {"verbose": true}}\n', "GenericError",
        "'verbose' is unexpected")
    err("vm-unknown", b'{"execute": "query-status", "arguments": {"vm": "nobody"}}\n', "GenericError",
        "No VM named 'nobody'")
    err("vm-not-string", b'{"execute": "stop", "arguments": {"vm": 0}}\n', "GenericError", "'vm'")
    # Two commands in one write, split across lines inside the object: both are answered, in order.
    c.send_raw(b'{"execute": "query-status", "id": 1}{"execute":\n "query-vms", "id": 2}\n')
    r1, r2 = c.response(), c.response()
    check("two-in-one-write", r1.get("id") == 1 and r2.get("id") == 2 and "return" in r1 and "return" in r2,
          "%r %r" % (r1, r2))
    r = c.cmd("query-status", vm="guest-a")
    check("vm-by-name", r.get("return", {}).get("status") in ("running", "paused"), repr(r))
    to_prompt(g)
    out, rc = g.run("echo still-$((40 + 2))")
    check("guest-alive", rc == 0 and "still-42" in out, repr(out))
    st = c.run("query-status")
    check("query-status-running", st == {"status": "running", "singlestep": False, "running": True}, repr(st))
    quit_and_wait(c, g, "protocol")
    check("socket-removed", not os.path.exists(sock), "%s is still there" % sock)
    g.close()


def uptime(g):
    out, _ = g.run("cat /proc/uptime")
    m = re.search(r"^(\d+\.\d+) ", out, re.M)
    if not m:
        raise GuestError("no uptime in %r" % out)
    return float(m.group(1))


def case_stop_cont(a):
    sock = os.path.join(a.work, "stop-cont.qmp")
    g = boot(a, "stop-cont", qmp_opt(sock))
    wait_socket(sock)
    c = connect(sock)
    to_prompt(g)
    t0, u0 = time.monotonic(), uptime(g)
    g.send("(i=0; while true; do i=$((i+1)); echo tick-$i; sleep 0.2; done) &\n")
    g.expect(r"tick-3\b", 30, "the ticker")
    r = c.cmd("stop")
    check("stop-returns", r == {"return": {}}, repr(r))
    check("stop-event-before-return", [e["event"] for e in c.events] == ["STOP"], repr(c.events))
    c.events.clear()
    st = c.run("query-status")
    check("status-paused", st["status"] == "paused" and st["running"] is False, repr(st))
    # What was already in the pipe arrives; then nothing may come while paused.
    g._pump(0.3)
    before = len(g.out)
    last = max(int(n) for n in re.findall(r"tick-(\d+)", g.out))
    g.send("echo typed-$((5 * 5))-while-paused\n")
    end = time.monotonic() + 2.0
    while time.monotonic() < end:
        g._pump(end - time.monotonic())
    check("console-silent-while-paused", len(g.out) == before, "got %r" % g.out[before:])
    r = c.cmd("stop")
    check("stop-again-no-event", r == {"return": {}} and not c.events, "%r %r" % (r, c.events))
    r = c.cmd("cont")
    check("cont-returns", r == {"return": {}}, repr(r))
    check("resume-event", [e["event"] for e in c.events] == ["RESUME"], repr(c.events))
    c.events.clear()
    r = c.cmd("cont")
    check("cont-again-no-event", r == {"return": {}} and not c.events, "%r %r" % (r, c.events))
    st = c.run("query-status")
    check("status-running", st["status"] == "running" and st["running"] is True, repr(st))
    g.pos = before
    g.expect(r"typed-25-while-paused", 30, "the input typed while paused")
    g.pos = before
    g.expect(r"tick-%d\b" % (last + 1), 30, "the next tick after cont")
    check("ticks-resume", True)
    g.send("kill %1\n")
    t1, u1 = time.monotonic(), uptime(g)
    # The guest slept through about 2.3 s of host time: its clock must show that much less.
    check("guest-time-stood-still", (t1 - t0) - (u1 - u0) > 1.5,
          "host %.2f s, guest %.2f s across a 2 s pause" % (t1 - t0, u1 - u0))
    c.run("stop")  # quit works on a paused VM too
    quit_and_wait(c, g, "stop-cont")
    g.close()


def case_reset(a):
    sock = os.path.join(a.work, "reset.qmp")
    g = boot(a, "reset", qmp_opt(sock))
    wait_socket(sock)
    c = connect(sock)
    to_prompt(g)
    r = c.cmd("system_reset")
    check("reset-returns", r == {"return": {}}, repr(r))
    ev = c.wait_event("RESET", 10)
    check("reset-event", ev["data"] == {"vm": "vm0", "guest": False, "reason": "host-qmp-system-reset"}, repr(ev))
    g.expect(r"Linux version", 60, "the kernel banner after system_reset")
    to_prompt(g)
    out, rc = g.run("echo after-reset-$((2 * 3))")
    check("shell-after-reset", rc == 0 and "after-reset-6" in out, repr(out))
    # Reset while paused: the board resets, the VM stays paused and silent until cont.
    c.run("stop")
    c.run("system_reset")
    st = c.run("query-status")
    check("reset-while-paused-stays-paused", st["status"] == "paused", repr(st))
    g._pump(0.3)
    before = len(g.out)
    end = time.monotonic() + 1.0
    while time.monotonic() < end:
        g._pump(end - time.monotonic())
    check("reset-while-paused-silent", len(g.out) == before, repr(g.out[before:]))
    c.run("cont")
    g.pos = before
    g.expect(r"Linux version", 60, "the kernel banner after cont")
    to_prompt(g)
    c.events.clear()
    g.send("reboot -f\n")
    ev = c.wait_event("RESET", 60)
    check("guest-reset-event", ev["data"] == {"vm": "vm0", "guest": True, "reason": "guest-reset"}, repr(ev))
    g.expect(r"Linux version", 60, "the kernel banner after reboot -f")
    quit_and_wait(c, g, "reset")
    g.close()


def case_powerdown(a):
    sock = os.path.join(a.work, "powerdown.qmp")
    g = boot(a, "powerdown", qmp_opt(sock))
    wait_socket(sock)
    c = connect(sock)
    to_prompt(g)
    r = c.cmd("system_powerdown")
    check("powerdown-returns", r == {"return": {}}, repr(r))
    ev = c.wait_event("POWERDOWN", 10)
    check("powerdown-event", ev["data"] == {"vm": "vm0"}, repr(ev))
    for what in ("sysrq: Emergency Sync", "sysrq: Emergency Remount R/O", "sysrq: Power Off",
                 "reboot: Power down"):
        try:
            g.expect(re.escape(what), 30, what)
            check("console " + what, True)
        except GuestError as e:
            check("console " + what, False, str(e))
    ev = c.wait_event("SHUTDOWN", 30)
    check("shutdown-event", ev["data"] == {"vm": "vm0", "guest": True, "reason": "guest-shutdown"}, repr(ev))
    st = g.wait_exit(30)
    check("status-0", st == 0, "status %s" % st)
    g.close()


# The pseudo-terminal reader the boot suite's console test already has.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "boot"))
from console_test import read_until  # noqa: E402


def case_escapes(a):
    master, slave = pty.openpty()
    proc = spawn(mvisor_argv(a, []), stdin=slave, stdout=slave, stderr=subprocess.PIPE, close_fds=True)
    os.close(slave)
    buf = [""]
    transcript = os.path.join(a.work, "escapes.console")
    try:
        check("boots", read_until(master, PROMPT, BOOT_TIMEOUT, buf), "no prompt")
        os.write(master, b"\x01h")
        ok = read_until(master, "C-a p", 10, buf)
        check("help-lists-p-and-b", ok and "C-a b" in buf[0], repr(buf[0][-400:]))
        os.write(master, b"\x01b")
        time.sleep(0.3)
        os.write(master, b"h")
        check("break-then-h-is-sysrq-help", read_until(master, "sysrq: HELP", 20, buf), repr(buf[0][-400:]))
        os.write(master, b"\x01p")
        ok = read_until(master, "reboot: Power down", 30, buf)
        check("ctrl-a-p-powers-off", ok and "sysrq: Power Off" in buf[0], repr(buf[0][-400:]))
        try:
            st = proc.wait(30)
        except subprocess.TimeoutExpired:
            st = None
        check("status-0", st == 0, "status %s" % st)
    finally:
        kill_group(proc)
        with open(transcript, "w") as f:
            f.write(buf[0])
        os.close(master)


def case_disconnect(a):
    sock = os.path.join(a.work, "disconnect.qmp")
    g = boot(a, "disconnect", qmp_opt(sock))
    wait_socket(sock)
    for _ in range(3):  # gone before the greeting is read
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(sock)
        s.close()
    c = connect(sock)  # half a command, then gone
    c.send_raw(b'{"execute": "query-st')
    c.close()
    c = connect(sock)  # stop without waiting for the answer
    c.send_raw(b'{"execute": "stop"}\n')
    c.close()
    c = connect(sock)
    st = c.run("query-status")
    check("stop-done-after-client-left", st["status"] == "paused", repr(st))
    c.run("cont")
    c.send_raw(b'{"execute": "query-vms"}\n' * 200)  # 200 answers nobody reads
    c.close()
    first = connect(sock)  # a second client waits for the first to leave
    second = QMPClient(sock, read_greeting=False)
    try:
        second.recv(0.5)
        check("second-client-waits", False, "the second client got a greeting while the first is connected")
    except QMPError:
        check("second-client-waits", True)
    first.close()
    gr = second.recv(10)
    check("second-client-served-after-first", "QMP" in gr, repr(gr))
    second.close()
    c = connect(sock)
    to_prompt(g)
    out, rc = g.run("echo alive-$((7 * 6))")
    check("guest-alive", rc == 0 and "alive-42" in out, repr(out))
    check("status-running", c.run("query-status")["status"] == "running")
    # SIGTERM reaches a paused VM: status 1, SHUTDOWN with reason host-signal.
    c.run("stop")
    g.proc.terminate()
    ev = c.wait_event("SHUTDOWN", 30)
    check("sigterm-while-paused-event", ev["data"].get("reason") == "host-signal", repr(ev))
    st = g.wait_exit(30)
    check("sigterm-while-paused-status-1", st == 1 and "stopped by signal 15" in g.stderr(), "status %s" % st)
    g.close()


def case_socat(a):
    sock = os.path.join(a.work, "socat.qmp")
    g = boot(a, "socat", qmp_opt(sock))
    wait_socket(sock)
    to_prompt(g)
    script = (b'{"execute": "qmp_capabilities"}\n{"execute": "query-status", "id": "s1"}\n'
              b'{"execute": "quit"}\n')
    p = subprocess.run(["socat", "-t", "5", "-", "UNIX-CONNECT:" + sock], input=script, capture_output=True,
                       timeout=60)
    lines = [json.loads(x) for x in p.stdout.decode().splitlines() if x.strip()]
    with open(os.path.join(a.work, "socat.qmp-transcript"), "w") as f:
        f.write(p.stdout.decode() + p.stderr.decode())
    check("socat-greeting", len(lines) > 0 and "QMP" in lines[0], repr(lines[:1]))
    check("socat-negotiated", len(lines) > 1 and lines[1] == {"return": {}}, repr(lines[1:2]))
    check("socat-query-status", len(lines) > 2 and lines[2].get("id") == "s1"
          and lines[2].get("return", {}).get("status") == "running", repr(lines[2:3]))
    check("socat-quit", len(lines) > 3 and lines[3] == {"return": {}}, repr(lines[3:4]))
    check("socat-shutdown-event", any(x.get("event") == "SHUTDOWN" for x in lines[4:]), repr(lines[4:]))
    st = g.wait_exit(30)
    check("status-0", st == 0, "status %s" % st)
    g.close()


class SerialClient:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.data = ""

    def expect(self, needle, timeout, poke=None):
        deadline = time.monotonic() + timeout
        next_poke = 0
        while needle not in self.data:
            now = time.monotonic()
            if now > deadline:
                raise GuestError("no %r on the serial socket; got %r" % (needle, self.data[-300:]))
            if poke and now >= next_poke:
                self.s.sendall(poke)
                next_poke = now + 1.0
            r, _, _ = select.select([self.s], [], [], 0.2)
            if r:
                d = self.s.recv(65536)
                if not d:
                    raise GuestError("the serial socket closed")
                self.data += d.decode("utf-8", errors="replace")

    def send(self, text):
        self.s.sendall(text.encode())

    def close(self):
        self.s.close()


def case_serial_unix(a):
    qsock = os.path.join(a.work, "serial.qmp")
    ssock = os.path.join(a.work, "serial.ttyS0")
    g = boot(a, "serial-unix", qmp_opt(qsock) + ["-serial", "unix:%s,server,nowait" % ssock])
    wait_socket(ssock)
    wait_socket(qsock)
    c = connect(qsock)
    s1 = SerialClient(ssock)
    s1.expect(PROMPT, BOOT_TIMEOUT, poke=b"\n")
    s1.send("echo via-serial-$((6 * 7))\n")
    s1.expect("via-serial-42", 30)
    check("client-runs-command", True)
    s1.send("sleep 1; echo while-away-$((2 * 21))0\n")
    time.sleep(0.2)
    s1.close()
    time.sleep(3)  # the guest prints while-away-420 with nobody connected
    s2 = SerialClient(ssock)
    s2.send("echo back-$((3 * 3))\n")
    s2.expect("back-9", 30)
    check("reconnect-works", True)
    check("output-without-client-dropped", "while-away-420" not in s2.data, repr(s2.data))
    s2.close()
    p = subprocess.run("(printf 'echo via-socat-$((1 + 2))\\n'; sleep 2) | socat -t 3 - UNIX-CONNECT:" + ssock,
                       shell=True, capture_output=True, timeout=60)
    check("socat-attaches", "via-socat-3" in p.stdout.decode(errors="replace"), repr(p.stdout[-300:]))
    quit_and_wait(c, g, "serial-unix")
    g._pump(0.1)
    check("nothing-on-stdout", "via-serial" not in g.out and "Linux version" not in g.out, repr(g.out[:300]))
    check("serial-socket-removed", not os.path.exists(ssock), ssock)
    g.close()


def case_smp(a):
    t_start = time.monotonic()
    # Under ThreadSanitizer (suite tsan's tsan-qmp) the case is for the threads, not the timing:
    # the same steps, on both CPUs, with shorter waits, a 3 s stop, one count fewer before it,
    # and the reset followed to the second CPU's bring-up, not to the prompt (it was most of
    # that suite's time). Both CPUs still run busybox at once (the loop on CPU 1, the counts on
    # CPU 0): its unaligned copies (lwl/lwr/swl/swr) are what raced on guest RAM before.
    quick = a.tsan

    def mark(what):
        # where the case's time goes (it is the longest under ThreadSanitizer)
        print("# %.1f s: %s" % (time.monotonic() - t_start, what))

    sock = os.path.join(a.work, "smp.qmp")
    g = boot(a, "smp", qmp_opt(sock) + ["-cpu", "34Kf", "-smp", "2", "--smp-threads", "2",
                                        "--page-sharing=20000"])
    wait_socket(sock)
    c = connect(sock)
    to_prompt(g)
    mark("prompt")
    out, rc = g.run("nproc; cat /sys/devices/system/cpu/online")
    check("smp-two-cpus", rc == 0 and out.split() == ["2", "0-1"], repr(out))
    g.run("(taskset 2 sh -c 'i=0; while :; do i=$((i+1)); echo $i >/tmp/n1; done' &)")

    def count():
        # The loop truncates the file before each write: a read may find it empty, and on a loaded
        # host the first read may come before the loop made the file (cat's error, not a number).
        for _ in range(50):
            out, _ = g.run("cat /tmp/n1")
            if out.split() and out.split()[-1].isdigit():
                return int(out.split()[-1]), time.monotonic()
            time.sleep(0.2)
        raise GuestError("/tmp/n1 stays empty")

    time.sleep(0.5 if quick else 1.0)
    n0, t0 = count()
    time.sleep(1.0 if quick else 2.0)
    n1, t1 = count()
    rate = (n1 - n0) / (t1 - t0)
    check("smp-cpu1-counts", n1 > n0, "%d then %d" % (n0, n1))
    n2, t2 = (n1, t1) if quick else count()
    mark("counting on CPU 1")
    r = c.cmd("stop")
    check("smp-stop-returns", r == {"return": {}}, repr(r))
    ts = time.monotonic()  # stopped from here: the stop returns once the VM is out of guest code
    time.sleep(3.0 if quick else 5.0)
    paused = time.monotonic() - ts
    r = c.cmd("cont")
    check("smp-cont-returns", r == {"return": {}}, repr(r))
    n3, t3 = count()
    outside = (t3 - t2) - paused
    time.sleep(1.0 if quick else 2.0)
    n4, t4 = count()
    rate = max(rate, (n4 - n3) / (t4 - t3))  # the faster of the running rates before and after
    # Stopped for `paused` s: the count may grow for the time outside the stop only (a second of
    # margin for the rate's noise on a loaded host); counting through it adds paused * rate.
    check("smp-cpu1-stood-still-while-paused", n3 - n2 < rate * (outside + 1.0),
          "%d counted across %.2f s of which %.2f s paused, at most %.0f/s running" % (
              n3 - n2, t3 - t2, paused, rate))
    mark("stop and cont")
    st = c.run("query-sharing")
    check("smp-pages-merged", st.get("enabled") and st.get("merges", 0) > 0, repr(st))
    r = c.cmd("system_reset")
    check("smp-reset-returns", r == {"return": {}}, repr(r))
    g.expect(r"Linux version", 60, "the kernel banner after system_reset")
    g.expect(r"Brought up 1 node, 2 CPUs", 120, "both CPUs up after system_reset")
    mark("both CPUs up after the reset")
    if not quick:
        to_prompt(g)
        mark("prompt after the reset")
        out, rc = g.run("nproc")
        check("smp-two-cpus-after-reset", rc == 0 and out.split() == ["2"], repr(out))
    quit_and_wait(c, g, "smp")
    g.close()


CASES = {
    "protocol": case_protocol,
    "stop-cont": case_stop_cont,
    "reset": case_reset,
    "powerdown": case_powerdown,
    "escapes": case_escapes,
    "disconnect": case_disconnect,
    "socat": case_socat,
    "serial-unix": case_serial_unix,
    "smp": case_smp,
}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("case", choices=sorted(CASES))
    p.add_argument("--mvisor", required=True)
    p.add_argument("--kernel", required=True)
    p.add_argument("--initrd", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--tsan", action="store_true", help="the monitor is a ThreadSanitizer build: shorter waits")
    a = p.parse_args()
    os.makedirs(a.work, exist_ok=True)
    t0 = time.monotonic()
    try:
        CASES[a.case](a)
    except (GuestError, QMPError, OSError, subprocess.TimeoutExpired, KeyError, ValueError) as e:
        check("case-completes", False, "%s: %s" % (type(e).__name__, e))
    print("%d check(s) failed, %.1f s" % (failed, time.monotonic() - t0))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
