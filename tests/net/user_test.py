"""One VM on -netdev user (libslirp), on mvisor or on qemu-system-mipsel (suite net).

Boots the default initramfs with
  -netdev user,id=n0,hostfwd=tcp:127.0.0.1:HPORT-:8080[,restrict=on]
  -device virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56,addr=12,disable-modern=on,romfile=
and checks: eth0 got 10.0.2.15 by DHCP with the default route and DNS of slirp (neither with
restrict=on, as libslirp answers a restricted guest); the host's
HTTP server on its loopback (Python's http.server) serves a file the guest fetches with busybox
wget and whose md5 matches (with restrict=on: the fetch fails and the server saw no request);
the host reaches busybox httpd in the guest through the forward (with restrict=on too). What
the guest sees of the card (its PCI function, its /proc/interrupts line, the MAC) goes to
--facts for the run.sh comparison with QEMU.
"""

import argparse
import functools
import hashlib
import http.server
import json
import os
import re
import socket
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "boot"))
from guest import Guest, GuestError, PROMPT  # noqa: E402

CMD = 120


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--name", required=True)
    p.add_argument("--monitor", required=True)
    p.add_argument("--qemu", action="store_true")
    p.add_argument("--restrict", action="store_true")
    p.add_argument("--kernel", required=True)
    p.add_argument("--initrd", required=True)
    p.add_argument("--log-dir", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--facts", required=True)
    p.add_argument("--device-extra", default="", help="more properties for -device virtio-net-pci")
    a = p.parse_args()
    os.makedirs(a.log_dir, exist_ok=True)
    www = os.path.join(a.work, "www-" + a.name)
    os.makedirs(www, exist_ok=True)
    data = os.urandom(1 << 20)
    with open(os.path.join(www, "rand.bin"), "wb") as f:
        f.write(data)
    want_md5 = hashlib.md5(data).hexdigest()

    requests = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, fmt, *args):
            requests.append(fmt % args)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=www))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    http_port = server.server_address[1]
    fwd_port = free_port()

    nd = "user,id=n0,hostfwd=tcp:127.0.0.1:%d-:8080" % fwd_port + (",restrict=on" if a.restrict else "")
    argv = [a.monitor, "-M", "malta", "-m", "256", "-kernel", a.kernel, "-initrd", a.initrd,
            "-append", "console=ttyS0 panic=-1", "-nographic", "-netdev", nd,
            "-device", "virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56,addr=12,disable-modern=on,romfile=" + a.device_extra]
    if a.qemu:
        argv += ["-vga", "none"]
    g = Guest(argv, os.path.join(a.log_dir, a.name + ".console"), os.path.join(a.log_dir, a.name + ".stderr"))
    failed = []
    facts = {}

    def check(name, ok, why=""):
        print("%s %s%s" % ("ok  " if ok else "FAIL", name, (": " + why) if why and not ok else ""))
        if not ok:
            failed.append(name)

    try:
        g.expect(re.escape(PROMPT), 300, "the shell prompt")
        g.run("dmesg -n 1", CMD)
        out, _ = g.run("for d in /sys/bus/pci/devices/*; do echo $(basename $d) $(cat $d/vendor $d/device "
                       "$d/subsystem_vendor $d/subsystem_device $d/class $d/irq $d/revision); done", CMD)
        facts["pci"] = sorted(l.strip() for l in out.splitlines() if l.split()[1:2] == ["0x1af4"])
        out, _ = g.run("grep virtio /proc/interrupts", CMD)
        facts["interrupts"] = [" ".join(l.split()[0:1] + l.split()[2:]) for l in out.splitlines() if l.strip()]
        out, _ = g.run("cat /sys/class/net/eth0/address; cat /sys/class/net/eth0/carrier", CMD)
        facts["mac_carrier"] = out.split()
        out, _ = g.run("ip -4 addr show dev eth0 | grep inet; ip route; cat /etc/resolv.conf", CMD)
        facts["ip"] = [" ".join(l.split()[:2]) for l in out.splitlines() if l.strip()]
        # restrict=on: libslirp's DHCP offers no router and no DNS server (QEMU's guest gets the same)
        routed = "default via" in facts["ip"] and "nameserver 10.0.2.3" in facts["ip"]
        check("dhcp", "inet 10.0.2.15/24" in facts["ip"] and routed != a.restrict, str(facts["ip"]))
        check("card", facts["pci"] == ["0000:00:12.0 0x1af4 0x1000 0x1af4 0x0001 0x020000 10 0x00"] and
              facts["mac_carrier"] == ["52:54:00:12:34:56", "1"], "%s %s" % (facts["pci"], facts["mac_carrier"]))

        # (busybox 1.35's wget -T crashes, on QEMU as here: timeout(1) bounds it instead)
        out, rc = g.run("timeout 15 wget -O /tmp/r http://10.0.2.2:%d/rand.bin 2>&1; md5sum /tmp/r" % http_port, CMD)
        got = re.search(r"([0-9a-f]{32})\s+/tmp/r", out)
        fetched = bool(got and got.group(1) == want_md5)
        if a.restrict:
            check("restrict-no-outbound", not fetched and not requests, "fetched %s, requests %s" % (fetched, requests))
        else:
            check("wget-from-host", fetched, out.strip()[-300:])

        g.run("mkdir -p /www; echo hello-from-the-guest > /www/index.html; httpd -p 8080 -h /www", CMD)
        body = ""
        for _ in range(20):
            try:
                body = urllib.request.urlopen("http://127.0.0.1:%d/index.html" % fwd_port, timeout=10).read().decode()
                break
            except OSError as e:
                body = str(e)
                time.sleep(0.5)
        check("hostfwd-to-guest", body.strip() == "hello-from-the-guest", body.strip()[:200])
        g.send("poweroff -f\n")
        status = g.wait_exit(60)
        check("exit-status", status == 0, "status %s" % status)
    except GuestError as e:
        check("guest", False, str(e))
    finally:
        g.close()
        server.shutdown()
    with open(a.facts, "w") as f:
        json.dump(facts, f, indent=1)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
