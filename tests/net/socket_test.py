"""-netdev socket (suite net): QEMU's stream framing, with QEMU itself and with a hostile peer.

  --peer qemu     qemu-system-mipsel (listen=127.0.0.1:PORT, 10.0.1.2) and mvisor
                  (connect=127.0.0.1:PORT, 10.0.1.1), both booting the default initramfs:
                  ping both ways, 4 MiB of random bytes mvisor -> QEMU with busybox nc, md5 equal
  --peer udp      two VMs of one mvisor --vm-config, each with -netdev socket,udp=,localaddr=
                  pointing at the other's: ping both ways
  --peer reconnect
                  mvisor connects (connect=) to this script, which listens: an ARP request
                  is answered; the script drops the connection and closes its listener (the
                  peer is gone: mvisor's attempts are refused), then listens again on the same
                  port: mvisor comes back by itself and the ARP request is answered again; a
                  garbage length from this side closes the connection, and mvisor reconnects
                  once more (QMP query-nics counts the dropped frames)
  --peer hostile  mvisor listens; this script is the peer, speaking the framing by hand
                  (4-byte big-endian length, then the frame): an ARP request for the guest is
                  answered; then a runt frame, an oversized frame and zero-length frames, after
                  which an ARP request is still answered (the framing held); a length no frame
                  can have (the connection is closed by mvisor); a peer that leaves in the
                  middle of a frame; a new peer whose ARP request is answered again (the link
                  recovers); the guest's shell works throughout; QMP query-nics counts the
                  four bad frames in backend-dropped
  --peer udp also sends the first VM a runt, an oversized and an empty datagram from the
                  script: dropped and counted (backend-dropped), the pings after them answered
"""

import argparse
import os
import re
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "boot"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "qmp"))
from guest import Guest, GuestError, PROMPT, kill_group, spawn  # noqa: E402
from qmp_client import QMPClient, QMPError  # noqa: E402

CMD = 120
PEER_MAC = bytes.fromhex("525400999999")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def boot(monitor, a, name, nd, ip, mac, qemu=False, qmp=None):
    argv = [monitor, "-M", "malta", "-m", "256", "-kernel", a.kernel, "-initrd", a.initrd,
            "-append", "console=ttyS0 panic=-1 mvisor.ip=%s/24" % ip, "-nographic", "-netdev", nd,
            "-device", "virtio-net-pci,netdev=n0,mac=%s,disable-modern=on,romfile=,csum=on,guest_csum=on" % mac]
    if qemu:
        argv += ["-vga", "none"]
    if qmp:
        argv += ["-qmp", "unix:%s,server=on,wait=off" % qmp]
    return Guest(argv, os.path.join(a.log_dir, name + ".console"), os.path.join(a.log_dir, name + ".stderr"))


def arp_request(target_ip):
    spa = socket.inet_aton("10.0.1.9")
    body = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, PEER_MAC, spa, b"\0" * 6, socket.inet_aton(target_ip))
    return b"\xff" * 6 + PEER_MAC + b"\x08\x06" + body


def frames(sock, timeout):
    """Reads length-prefixed frames until timeout; yields each."""
    buf = b""
    deadline = time.monotonic() + timeout
    sock.settimeout(0.2)
    while time.monotonic() < deadline:
        try:
            d = sock.recv(65536)
        except socket.timeout:
            continue
        if not d:
            return
        buf += d
        while len(buf) >= 4:
            n = struct.unpack("!I", buf[:4])[0]
            if len(buf) < 4 + n:
                break
            yield buf[4:4 + n]
            buf = buf[4 + n:]


def backend_dropped(qmp_path, vm=None):
    """The card's backend-dropped counter (QMP query-nics)."""
    q = QMPClient(qmp_path)
    try:
        q.run("qmp_capabilities")
        nics = q.run("query-nics", **({"vm": vm} if vm else {}))
        return nics[0]["backend-dropped"]
    finally:
        q.close()


def accept_within(ls, timeout):
    """The next connection on listener ls within timeout seconds, or None."""
    ls.settimeout(timeout)
    try:
        return ls.accept()[0]
    except socket.timeout:
        return None


def listener(port):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(1)
    return ls


def reconnect_peer(a, check, failed):
    """mvisor connects to this script; the script goes away and comes back."""
    port = free_port()
    ls = listener(port)
    qmp = os.path.join(a.work, "reconnect-qmp.sock")
    m = boot(a.monitor, a, "socket-reconnect-mvisor", "socket,id=n0,connect=127.0.0.1:%d" % port, "10.0.1.1",
             "52:54:00:00:01:01", qmp=qmp)
    try:
        c = accept_within(ls, 30)
        check("connected", c is not None)
        m.expect(re.escape(PROMPT), 300, "the shell prompt")
        m.run("dmesg -n 1", CMD)
        check("arp-answered", c is not None and arp_answered(c, "10.0.1.1"))
        # The peer goes away altogether: connection and listener closed; mvisor's connect()s
        # are refused meanwhile (it tries every second).
        if c:
            c.close()
        ls.close()
        time.sleep(2.5)
        out, rc = m.run("echo alone", CMD)
        check("guest-alive-without-peer", rc == 0 and "alone" in out)
        ls = listener(port)
        c = accept_within(ls, 10)
        check("reconnected", c is not None)
        check("arp-after-reconnect", c is not None and arp_answered(c, "10.0.1.1"))
        d0 = backend_dropped(qmp)
        # From this side: a runt, then a length no frame has: mvisor closes and connects again.
        if c:
            c.sendall(struct.pack("!I", 5) + b"\x01" * 5 + struct.pack("!I", 0x7fffffff) + b"garbage")
            try:
                c.settimeout(10)
                while c.recv(65536):
                    pass
            except (socket.timeout, ConnectionResetError):
                pass
            c.close()
        c = accept_within(ls, 10)
        check("reconnected-after-garbage", c is not None)
        check("arp-after-garbage", c is not None and arp_answered(c, "10.0.1.1"))
        d1 = backend_dropped(qmp)
        # at least the runt (frames the guest sent while no peer was connected count too)
        check("runt-counted", d1 - d0 >= 1, "backend-dropped %d -> %d" % (d0, d1))
        if c:
            c.close()
        m.send("poweroff -f\n")
        check("exit-status", m.wait_exit(60) == 0)
    except (GuestError, OSError, QMPError) as e:
        check("run", False, str(e))
    finally:
        m.close()
        ls.close()
    return 1 if failed else 0


def arp_answered(sock, ip):
    sock.sendall(struct.pack("!I", 42) + arp_request(ip))
    for f in frames(sock, 10):
        if f[12:14] == b"\x08\x06" and f[20:22] == b"\x00\x02" and f[0:6] == PEER_MAC and \
                socket.inet_ntoa(f[28:32]) == ip:
            return True
    return False


def udp_pair(a, check, failed):
    import json
    import subprocess
    sys.path.insert(0, os.path.dirname(__file__))
    from sockguest import SockGuest
    pa, pb = free_port(), free_port()
    run = os.path.join(a.work, "udp-run")
    os.makedirs(run, exist_ok=True)

    def vm(name, ip, mine, other):
        return {"name": name, "options": ["-M", "malta", "-m", "256", "-kernel", os.path.abspath(a.kernel),
                                          "-initrd", os.path.abspath(a.initrd),
                                          "-append", "console=ttyS0 panic=-1 mvisor.ip=%s/24" % ip,
                                          "-netdev", "socket,id=n0,udp=127.0.0.1:%d,localaddr=127.0.0.1:%d" % (other, mine),
                                          "-device", "virtio-net-pci,netdev=n0"]}
    cfg = os.path.join(a.work, "udp.json")
    with open(cfg, "w") as f:
        json.dump([vm("u1", "10.0.4.1", pa, pb), vm("u2", "10.0.4.2", pb, pa)], f)
    err = open(os.path.join(a.log_dir, "socket-udp.stderr"), "wb")
    qmp = os.path.join(run, "qmp.sock")
    proc = spawn([a.monitor, "--vm-config", cfg, "--run-dir", run,
                  "-qmp", "unix:%s,server=on,wait=off" % qmp], stdin=subprocess.DEVNULL, stdout=err, stderr=err)
    g = {}
    try:
        for n in ("u1", "u2"):
            g[n] = SockGuest(os.path.join(run, n + ".sock"), os.path.join(a.log_dir, "socket-udp-%s.console" % n),
                            monitor=proc)
        for n in ("u1", "u2"):
            g[n].wait_prompt(300)
            g[n].run("dmesg -n 1", CMD)
        out, rc = g["u1"].run("ping -c 3 -W 5 10.0.4.2", CMD)
        check("udp-ping-1-to-2", rc == 0 and "3 packets received" in out, out.strip()[-200:])
        out, rc = g["u2"].run("ping -c 3 -W 5 10.0.4.1", CMD)
        check("udp-ping-2-to-1", rc == 0 and "3 packets received" in out, out.strip()[-200:])
        # Hostile datagrams into u1's socket: a runt, one longer than any frame, an empty one.
        d0 = backend_dropped(qmp, "u1")
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for d in (b"\x01" * 5, b"\xff" * 6 + PEER_MAC + b"\x08\x00" + b"\x00" * 2000, b""):
            u.sendto(d, ("127.0.0.1", pa))
        u.close()
        out, rc = g["u1"].run("ping -c 3 -W 5 10.0.4.2", CMD)
        check("udp-ping-after-bad-datagrams", rc == 0 and "3 packets received" in out, out.strip()[-200:])
        d1 = backend_dropped(qmp, "u1")
        check("udp-bad-datagrams-counted", d1 - d0 == 3, "backend-dropped %d -> %d" % (d0, d1))
        for x in g.values():
            x.send("poweroff -f\n")
        check("monitor-exit", proc.wait(60) == 0)
    except (GuestError, OSError, QMPError, subprocess.TimeoutExpired) as e:
        check("run", False, str(e))
    finally:
        for x in g.values():
            x.close()
        kill_group(proc)
    return 1 if failed else 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--peer", choices=["qemu", "hostile", "udp", "reconnect"], required=True)
    p.add_argument("--monitor", required=True)
    p.add_argument("--qemu-bin", default="qemu-system-mipsel")
    p.add_argument("--kernel", required=True)
    p.add_argument("--initrd", required=True)
    p.add_argument("--log-dir", required=True)
    p.add_argument("--work", required=True)
    a = p.parse_args()
    os.makedirs(a.log_dir, exist_ok=True)
    failed = []

    def check(name, ok, why=""):
        print("%s %s%s" % ("ok  " if ok else "FAIL", name, (": " + why) if why and not ok else ""))
        if not ok:
            failed.append(name)

    if a.peer == "udp":
        return udp_pair(a, check, failed)
    if a.peer == "reconnect":
        return reconnect_peer(a, check, failed)
    port = free_port()
    q = None
    if a.peer == "qemu":
        q = boot(a.qemu_bin, a, "socket-qemu-qemu", "socket,id=n0,listen=127.0.0.1:%d" % port, "10.0.1.2",
                 "52:54:00:00:01:02", qemu=True)
        for _ in range(100):  # mvisor's connect= needs QEMU listening
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                break
            except OSError:
                time.sleep(0.1)
        nd = "socket,id=n0,connect=127.0.0.1:%d" % port
    else:
        nd = "socket,id=n0,listen=127.0.0.1:%d" % port
    qmp = os.path.join(a.work, "hostile-qmp.sock") if a.peer == "hostile" else None
    m = boot(a.monitor, a, "socket-%s-mvisor" % a.peer, nd, "10.0.1.1", "52:54:00:00:01:01", qmp=qmp)
    try:
        if a.peer == "qemu":
            for g in (m, q):
                g.expect(re.escape(PROMPT), 300, "the shell prompt")
                g.run("dmesg -n 1", CMD)
            out, rc = q.run("ping -c 3 -W 5 10.0.1.1", CMD)
            check("ping-qemu-to-mvisor", rc == 0 and "3 packets received" in out, out.strip()[-200:])
            out, rc = m.run("ping -c 3 -W 5 10.0.1.2", CMD)
            check("ping-mvisor-to-qemu", rc == 0 and "3 packets received" in out, out.strip()[-200:])
            q.send("nc -l -p 5000 > /tmp/got; echo nc-done-$?\n")
            time.sleep(1)
            out, _ = m.run("dd if=/dev/urandom of=/tmp/f bs=1024 count=4096 2>/dev/null; md5sum /tmp/f", CMD)
            md5_m = out.split()[0] if out.split() else ""
            m.run("nc -w 5 10.0.1.2 5000 < /tmp/f", 600)
            q.expect(r"nc-done-(\d+)", 600, "QEMU's nc to end")
            out, _ = q.run("md5sum /tmp/got", CMD)
            md5_q = out.split()[0] if out.split() else ""
            check("nc-mvisor-to-qemu-md5", md5_m and md5_m == md5_q, "sent %s, received %s" % (md5_m, out.strip()))
            q.send("poweroff -f\n")
            q.wait_exit(60)
        else:
            m.expect(re.escape(PROMPT), 300, "the shell prompt")
            m.run("dmesg -n 1", CMD)
            s = socket.create_connection(("127.0.0.1", port), 10)
            check("arp-answered", arp_answered(s, "10.0.1.1"))
            d0 = backend_dropped(qmp)
            runt = b"\x01\x02\x03\x04\x05"
            big = b"\xff" * 6 + PEER_MAC + b"\x08\x00" + b"\x00" * 2000
            s.sendall(struct.pack("!I", len(runt)) + runt + struct.pack("!I", len(big)) + big +
                      struct.pack("!I", 0) + struct.pack("!I", 0))
            check("arp-after-bad-frames", arp_answered(s, "10.0.1.1"))
            d1 = backend_dropped(qmp)
            check("bad-frames-counted", d1 - d0 == 4, "backend-dropped %d -> %d" % (d0, d1))
            # A length no Ethernet frame has: mvisor must drop the connection.
            s.sendall(struct.pack("!I", 0x7fffffff) + b"garbage")
            s.settimeout(10)
            closed = False
            try:
                while not closed:
                    closed = s.recv(65536) == b""  # frames the guest sent meanwhile are skipped
            except socket.timeout:
                pass
            except ConnectionResetError:
                closed = True
            check("bad-length-closes", closed)
            s.close()
            # A peer that leaves in the middle of a frame.
            s = socket.create_connection(("127.0.0.1", port), 10)
            s.sendall(struct.pack("!I", 60) + b"\xff" * 20)
            s.close()
            time.sleep(0.5)
            s = socket.create_connection(("127.0.0.1", port), 10)
            check("link-recovers", arp_answered(s, "10.0.1.1"))
            s.close()
            out, rc = m.run("echo still-here", CMD)
            check("guest-alive", rc == 0 and "still-here" in out)
        m.send("poweroff -f\n")
        status = m.wait_exit(60)
        check("exit-status", status == 0, "status %s" % status)
    except (GuestError, OSError, QMPError) as e:
        check("run", False, str(e))
    finally:
        m.close()
        if q:
            q.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
