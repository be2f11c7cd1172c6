"""TCP segmentation offload on a switch (suite net, tests/net/run.sh case switch-tso).

  One monitor, three VMs on switch "lan": a 10.0.0.1 and b 10.0.0.2 with every offload
  (csum, guest_csum, host_tso4/6, guest_tso4/6), c 10.0.0.3 with none. A file of random bytes
  (--mib) goes a->b (large frames passed whole: a's card sent large frames, b's card gave
  large frames to its guest), a->c (the same large frames cut into segments by c's card for a
  guest that takes none), c->a (ordinary frames into a card with offloads) and b->a (large
  frames both ways), then a->b and a->c again over IPv6 (TSO6: whole, cut up); every copy has
  the sender's md5. Through QMP: no card dropped a frame
  or refused a header, and the TSO counters say which path each transfer took.
Writes a transcript per VM into --log-dir and prints one line per check; exit 1 if any failed.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "qmp"))
from sockguest import monitor_test_args, run_monitor_test  # noqa: E402
from qmp_client import QMPClient  # noqa: E402

CMD = 120
ALL = ",csum=on,guest_csum=on,host_tso4=on,host_tso6=on,guest_tso4=on,guest_tso6=on"
NONE = ",csum=off,guest_csum=off"
IP = {"a": "10.0.0.1", "b": "10.0.0.2", "c": "10.0.0.3"}
IP6 = {"a": "fd00::1", "b": "fd00::2", "c": "fd00::3"}


def transfers(a, g, q, check):
    def nic(name):
        n = q.run("query-nics", vm=name)
        return n[0] if len(n) == 1 else {}

    md5 = {}

    def make_file(src):
        out, _ = g[src].run("dd if=/dev/urandom of=/tmp/f bs=1024 count=%d 2>/dev/null; md5sum /tmp/f"
                            % (a.mib * 1024), CMD)
        md5[src] = out.split()[0] if out.split() else ""

    def send(src, dst, label, ip=IP):
        """src's /tmp/f to dst with nc, md5 checked; what each card's TSO counters did meanwhile."""
        before = {n: nic(n) for n in "abc"}
        g[dst].send("nc -l -p 5000 > /tmp/got; echo nc-done-$?\n")
        time.sleep(1)
        g[src].run("nc -w 5 %s 5000 < /tmp/f" % ip[dst], 600)
        g[dst].expect(r"nc-done-(\d+)", 600, "%s's nc to end" % dst)
        out, _ = g[dst].run("md5sum /tmp/got; rm -f /tmp/got", CMD)
        got = out.split()[0] if out.split() else ""
        check("md5-" + label, md5[src] and got == md5[src], "sent %s, received %s" % (md5[src], got))
        after = {n: nic(n) for n in "abc"}
        return {n: {k: after[n].get(k, 0) - before[n].get(k, 0) for k in ("tx-gso", "rx-gso", "rx-segmented")}
                for n in "abc"}

    make_file("a")
    d = send("a", "b", "a-to-b-tso")
    check("a-to-b-whole", d["a"]["tx-gso"] > 0 and d["b"]["rx-gso"] > 0 and d["b"]["rx-segmented"] == 0, str(d))
    d = send("a", "c", "a-to-c-segmented")
    check("a-to-c-cut", d["a"]["tx-gso"] > 0 and d["c"]["rx-segmented"] > 0 and d["c"]["rx-gso"] == 0, str(d))
    make_file("c")
    d = send("c", "a", "c-to-a-plain")
    check("c-to-a-plain", d["c"]["tx-gso"] == 0 and d["a"]["rx-gso"] == 0, str(d))
    make_file("b")
    d = send("b", "a", "b-to-a-tso")
    check("b-to-a-whole", d["b"]["tx-gso"] > 0 and d["a"]["rx-gso"] > 0, str(d))
    # IPv6 (TSO6): the same file a->b and a->c over unique local addresses; the transfer is
    # the only IPv6 traffic, so its large frames are TCPv6 ones
    for n in "abc":  # no duplicate address detection: the addresses work at once
        g[n].run("echo 0 > /proc/sys/net/ipv6/conf/eth0/accept_dad; ip -6 addr add %s/64 dev eth0" % IP6[n], CMD)
    d = send("a", "b", "a-to-b-tso6", IP6)
    check("a-to-b-tso6-whole", d["a"]["tx-gso"] > 0 and d["b"]["rx-gso"] > 0 and d["b"]["rx-segmented"] == 0, str(d))
    d = send("a", "c", "a-to-c-tso6-segmented", IP6)
    check("a-to-c-tso6-cut", d["a"]["tx-gso"] > 0 and d["c"]["rx-segmented"] > 0 and d["c"]["rx-gso"] == 0, str(d))
    for n in "abc":
        s = nic(n)
        check("no-drops-" + n, not any(s.get("tx-dropped", {"x": 1}).values()) and
              not any(s.get("rx-dropped", {"x": 1}).values()), str(s))


def main():
    p = monitor_test_args()
    p.add_argument("--mib", type=int, default=8, help="size of the file sent with nc")
    a = p.parse_args()
    vms = [{"name": n, "options": ["-M", "malta", "-m", "256", "-kernel", os.path.abspath(a.kernel),
                                   "-initrd", os.path.abspath(a.initrd),
                                   "-append", "console=ttyS0 panic=-1 mvisor.ip=%s/24" % IP[n],
                                   "-netdev", "switch,id=n0,switch=lan",
                                   "-device", "virtio-net-pci,netdev=n0" + props]}
           for n, props in (("a", ALL), ("b", ALL), ("c", NONE))]
    return run_monitor_test(a.monitor, vms, a.work, a.log_dir, "switch-tso",
                            lambda g, q, check: transfers(a, g, q, check), QMPClient)


if __name__ == "__main__":
    sys.exit(main())
