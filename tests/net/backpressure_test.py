"""The switch's backpressure with real guests (suite net, tests/net/run.sh, case switch-backpressure).

  One monitor, --host-cpus 1 (the VMs take turns on one worker, so a receiver falls behind its
  sender), a 10.0.0.1, b 10.0.0.2 and c 10.0.0.3 on switch "lan", consoles on RUNDIR/NAME.sock.

  The initramfs is make bench-net's (the default one plus /bin/nb, bench/netguest/nb.c): busybox
  nc has no UDP.

  slow-receiver: b runs `nb udpsink` and a sends it `nb udp`, a stream of --udp-kib one-KiB
  datagrams (no flow control of its own: only the network slows the sender). Over the stream:
  b's card dropped none of the stream's frames (QMP query-nics: queue-full, not-ready, too-big
  all 0; a broadcast meeting b's full queue is dropped by design and counted apart,
  rx-flood-dropped, which is only reported) and received
  at least --udp-kib frames; b's UDP layer saw every datagram (/proc/net/snmp: InDatagrams +
  NoPorts + InErrors grew by exactly --udp-kib, a full socket buffer counting as InErrors); and
  a's card was held back at least once and b's refused (tx-held, rx-refused > 0: the receiver
  really was slower, else the other checks prove nothing, and the case fails).
  deaf-receiver: c is paused (QMP stop), so its card never drains; a streams UDP at c in the
  background while sending b a file of --mib MiB with busybox nc (md5 equal on both sides) and
  b pings a: both complete. c's card shows the switch's bound at work (rx-deaf-dropped > 0).
  After cont, c answers a's ping again (it drained and hears again).
Writes a transcript per VM into --log-dir and prints one line per check; exit 1 if any failed.
"""

import argparse
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "qmp"))
from sockguest import Checks, GuestError, boot_consoles, close_all, power_off, start_monitor  # noqa: E402
from qmp_client import QMPClient, QMPError  # noqa: E402

CMD = 120


def nic(q, vm):
    return q.run("query-nics", vm=vm)[0]


def udp_in(g):
    """Datagrams that reached the guest's UDP layer: InDatagrams + NoPorts + InErrors."""
    text, _ = g.run("grep '^Udp:' /proc/net/snmp", CMD)
    rows = [ln.split() for ln in text.splitlines() if ln.startswith("Udp:")]
    if len(rows) != 2:
        raise GuestError("no Udp: lines in /proc/net/snmp: %r" % text)
    v = dict(zip(rows[0][1:], rows[1][1:]))
    return int(v["InDatagrams"]) + int(v["NoPorts"]) + int(v["InErrors"])


def quiet(q, names, settle=1.0, limit=60):
    """Waits until no card's frame counters move for settle seconds: the counters of a stream
    are compared only once everything in flight has landed."""
    last, still, deadline = None, 0.0, time.monotonic() + limit
    while time.monotonic() < deadline:
        cur = [(nic(q, n)["tx-frames"], nic(q, n)["rx-frames"]) for n in names]
        if cur == last:
            still += 0.25
            if still >= settle:
                return True
        else:
            still = 0.0
        last = cur
        time.sleep(0.25)
    return False


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--monitor", required=True)
    p.add_argument("--kernel", required=True)
    p.add_argument("--initrd", required=True)
    p.add_argument("--log-dir", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--mib", type=int, default=4, help="the file a sends b while c is deaf")
    p.add_argument("--udp-kib", type=int, default=16384, help="one-KiB datagrams a streams at b")
    a = p.parse_args()
    os.makedirs(a.log_dir, exist_ok=True)
    run = os.path.join(a.work, "bp-run")
    os.makedirs(run, exist_ok=True)

    # Without mergeable buffers: with them (the default) b's driver keeps up with a's stream on
    # this host (a's card never held back, so the case would prove nothing and fails), without
    # them it does not, which is the receiver this case needs.
    def vm(name, ip):
        return {"name": name, "options": ["-M", "malta", "-m", "128", "-kernel", os.path.abspath(a.kernel),
                                          "-initrd", os.path.abspath(a.initrd),
                                          "-append", "console=ttyS0 panic=-1 mvisor.ip=%s/24" % ip,
                                          "-netdev", "switch,id=n0,switch=lan",
                                          "-device", "virtio-net-pci,netdev=n0,mrg_rxbuf=off"]}
    cfg = os.path.join(a.work, "bp-vms.json")
    with open(cfg, "w") as f:
        json.dump([vm("a", "10.0.0.1"), vm("b", "10.0.0.2"), vm("c", "10.0.0.3")], f)
    proc, qmp_path = start_monitor(a.monitor, cfg, run, os.path.join(a.log_dir, "switch-backpressure.stderr"),
                                   ["--host-cpus", "1"])
    check = Checks()
    g = {}
    try:
        boot_consoles(run, "abc", a.log_dir, "switch-backpressure", g, monitor=proc)
        # Every station known to the switch and to a's ARP cache.
        for ip in ("10.0.0.2", "10.0.0.3"):
            out, rc = g["a"].run("ping -c 2 -W 5 %s" % ip, CMD)
            check("ping-a-to-" + ip, rc == 0, out.strip()[-200:])
        q = QMPClient(qmp_path)
        q.run("qmp_capabilities")

        # -- a receiver slower than its sender loses nothing
        g["b"].send("nb udpsink 9000 &\n")
        g["b"].expect(r"@@nb listening", CMD, "b's nb udpsink")
        quiet(q, "abc")
        before = {n: nic(q, n) for n in "abc"}
        udp0 = udp_in(g["b"])
        out, rc = g["a"].run("timeout 200 nb udp 10.0.0.2 9000 %d" % a.udp_kib, 300)
        check("udp-stream-sent", rc == 0 and "@@nb udp sent=%d " % a.udp_kib in out, out.strip()[-200:])
        check("counters-settle", quiet(q, "abc"))
        after = {n: nic(q, n) for n in "abc"}
        udp = udp_in(g["b"]) - udp0
        d = {n: {k: after[n].get(k, 0) - before[n].get(k, 0) for k in ("tx-frames", "rx-frames", "tx-held", "rx-refused")}
             for n in "abc"}
        drops = {k: after["b"]["rx-dropped"][k] - before["b"]["rx-dropped"][k] for k in after["b"]["rx-dropped"]}
        flood = after["b"].get("rx-flood-dropped", 0) - before["b"].get("rx-flood-dropped", 0)
        summary = "a %s, b %s, c %s, b's drops %s, floods dropped at b %d, datagrams b's UDP saw %d" % (
            d["a"], d["b"], d["c"], drops, flood, udp)
        print("     " + summary)
        check("receiver-was-slower", d["a"]["tx-held"] > 0 and d["b"]["rx-refused"] > 0, summary)
        check("slow-receiver-no-drop", not any(drops.values()), summary)
        check("slow-receiver-every-frame", d["b"]["rx-frames"] >= a.udp_kib and udp == a.udp_kib, summary)
        g["b"].run("kill %1 2>/dev/null; true", CMD)

        # -- a VM that stops reading does not stop the others
        q.run("stop", vm="c")
        deaf0 = nic(q, "c").get("rx-deaf-dropped", 0)
        g["a"].send("timeout 100 nb udp 10.0.0.3 9000 4096 &\n")
        g["b"].send("nc -l -p 5000 > /tmp/got; echo nc-done-$?\n")
        time.sleep(1)
        out, rc = g["a"].run("dd if=/dev/urandom of=/tmp/f bs=1024 count=%d 2>/dev/null; md5sum /tmp/f" % (a.mib * 1024),
                             CMD)
        # the md5 itself: nb's report from the background may land on the console in between
        m = re.search(r"\b[0-9a-f]{32}\b", out)
        md5_a = m.group(0) if m else ""
        g["a"].run("nc -w 5 10.0.0.2 5000 < /tmp/f", 300)
        g["b"].expect(r"nc-done-(\d+)", 300, "b's nc to end")
        out, _ = g["b"].run("md5sum /tmp/got", CMD)
        check("deaf-others-transfer", md5_a and out.split()[:1] == [md5_a], "sent %s, received %s" % (md5_a, out.strip()))
        out, rc = g["b"].run("ping -c 3 -W 5 10.0.0.1", CMD)
        check("deaf-others-ping", rc == 0 and "3 packets received" in out, out.strip()[-200:])
        c_nic = nic(q, "c")
        check("deaf-receiver-bounded", c_nic.get("rx-deaf-dropped", 0) > deaf0, str(c_nic))
        g["a"].run("wait", 120)
        q.run("cont", vm="c")
        time.sleep(1)
        out, rc = g["a"].run("ping -c 3 -W 5 10.0.0.3", CMD)
        check("deaf-receiver-recovers", rc == 0, out.strip()[-200:])
        q.close()
        power_off(g, proc, check)
    except (GuestError, QMPError) as e:
        check("guest", False, str(e))
    finally:
        close_all(g, proc)
    return 1 if check.failed else 0


if __name__ == "__main__":
    sys.exit(main())
