"""A small QMP client (standard library only; Debian 12 packages none): connect to a unix
socket, read the greeting, run commands, collect events.

    c = QMPClient(path)             # connects and reads the greeting (c.greeting)
    c.cmd("qmp_capabilities")       # -> the whole response: {"return": ...} or {"error": ...}
    c.cmd("stop", vm="vm0")         # keyword arguments become "arguments"
    c.send_raw(b'{"execute": ')     # anything, for the error cases
    c.recv()                        # the next message (response or event)
    c.wait_event("SHUTDOWN", 10)    # an event seen already or arriving within the timeout

Responses and events are told apart as QMP does: an event has the member "event".
"""

import json
import socket
import time


class QMPError(Exception):
    pass


class QMPClient:
    def __init__(self, path, timeout=30.0, read_greeting=True):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""
        self.events = []
        self.timeout = timeout
        self.greeting = self.recv() if read_greeting else None

    def close(self):
        self.sock.close()

    def send_raw(self, data):
        self.sock.sendall(data)

    def _messages(self):
        """Complete messages in the buffer: the server ends each with CRLF."""
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            line = line.strip()
            if line:
                yield json.loads(line)

    def recv(self, timeout=None):
        """The next message from the server; QMPError on timeout or end of stream."""
        deadline = time.monotonic() + (timeout if timeout is not None else self.timeout)
        while True:
            for m in self._messages():
                return m
            left = deadline - time.monotonic()
            if left <= 0:
                raise QMPError("no message from the server in time")
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                raise QMPError("no message from the server in time")
            if not data:
                raise QMPError("the server closed the connection")
            self.buf += data

    def response(self, timeout=None):
        """The next response, keeping the events that come before it."""
        while True:
            m = self.recv(timeout)
            if "event" in m:
                self.events.append(m)
                continue
            return m

    def cmd(self, name, id=None, timeout=None, **args):
        msg = {"execute": name}
        if args:
            msg["arguments"] = {k.replace("_", "-"): v for k, v in args.items()}
        if id is not None:
            msg["id"] = id
        self.send_raw(json.dumps(msg).encode() + b"\n")
        return self.response(timeout)

    def run(self, name, **args):
        """cmd() that must succeed: returns the "return" value."""
        r = self.cmd(name, **args)
        if "return" not in r:
            raise QMPError("%s failed: %r" % (name, r))
        return r["return"]

    def wait_event(self, name, timeout):
        """The first event called name (already received or arriving within timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            for i, e in enumerate(self.events):
                if e["event"] == name:
                    return self.events.pop(i)
            left = deadline - time.monotonic()
            if left <= 0:
                raise QMPError("no %s event within %.0f s (events: %r)" % (name, timeout, self.events))
            m = self.recv(left)
            if "event" in m:
                self.events.append(m)
            else:
                raise QMPError("unexpected response while waiting for %s: %r" % (name, m))
