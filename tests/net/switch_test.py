"""Two VMs of one monitor on a switch, a third on another switch (suite net, tests/net/run.sh).

  a 10.0.0.1 and b 10.0.0.2 on switch "lan", c 10.0.0.3 on switch "other", all started by one
  mvisor --vm-config with their consoles on RUNDIR/NAME.sock. Checks: ping a->b and b->a; a
  file of random bytes (--mib, 64 MiB) sent a->b with busybox nc has the same md5 on both
  sides, and a fetches it back from busybox httpd in b with wget (same md5); c reaches
  neither, and its card received not one frame (the switch kept lan's broadcasts and floods
  on lan); each card's MAC is the one derived from its VM's name (distinct). Through QMP:
  query-nics counts a's frames and bytes (no drops) and b's card, the file's receiver, dropped
  nothing (the switch holds a back instead); set_link down on b's card makes b's carrier go and
  a's ping fail, set_link up brings both back; set_link of an unknown card is DeviceNotFound.
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


def cpu_seconds(pid):
    """utime + stime of a process, every thread (/proc/PID/stat fields 14 and 15)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def qmp(q, command, **args):
    """One QMP command with these arguments (set_link's 'name' clashes with QMPClient.cmd's)."""
    q.send_raw(json.dumps({"execute": command, "arguments": args}).encode() + b"\n")
    return q.response()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--monitor", required=True)
    p.add_argument("--kernel", required=True)
    p.add_argument("--initrd", required=True)
    p.add_argument("--log-dir", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--mib", type=int, default=64, help="size of the file sent with nc")
    p.add_argument("--device-extra", default="", help="more properties for every -device virtio-net-pci")
    a = p.parse_args()
    os.makedirs(a.log_dir, exist_ok=True)
    run = os.path.join(a.work, "run")
    os.makedirs(run, exist_ok=True)

    def vm(name, sw, ip):
        return {"name": name, "options": ["-M", "malta", "-m", "256", "-kernel", os.path.abspath(a.kernel),
                                          "-initrd", os.path.abspath(a.initrd),
                                          "-append", "console=ttyS0 panic=-1 mvisor.ip=%s/24" % ip,
                                          "-netdev", "switch,id=n0,switch=" + sw,
                                          "-device", "virtio-net-pci,netdev=n0" + a.device_extra]}
    cfg = os.path.join(a.work, "vms.json")
    with open(cfg, "w") as f:
        json.dump([vm("a", "lan", "10.0.0.1"), vm("b", "lan", "10.0.0.2"), vm("c", "other", "10.0.0.3")], f)
    proc, qmp_path = start_monitor(a.monitor, cfg, run, os.path.join(a.log_dir, "switch.stderr"), ())
    check = Checks()
    g = {}
    try:
        boot_consoles(run, "abc", a.log_dir, "switch", g, monitor=proc)
        macs = {}
        for n in "abc":
            out, _ = g[n].run("cat /sys/class/net/eth0/address", CMD)
            macs[n] = out.strip()
        check("macs-distinct", len(set(macs.values())) == 3 and all(re.fullmatch(r"52:54:00(:[0-9a-f]{2}){3}", m)
                                                                     for m in macs.values()), str(macs))
        out, rc = g["a"].run("ping -c 3 -W 5 10.0.0.2", CMD)
        check("ping-a-to-b", rc == 0 and "3 packets received" in out, out.strip()[-200:])
        out, rc = g["b"].run("ping -c 3 -W 5 10.0.0.1", CMD)
        check("ping-b-to-a", rc == 0 and "3 packets received" in out, out.strip()[-200:])
        out, rc = g["b"].run("ip neigh show dev eth0", CMD)
        check("arp-learned", macs["a"] in out, out.strip())

        # A file a -> b over TCP.
        g["b"].send("nc -l -p 5000 > /tmp/got; echo nc-done-$?\n")
        time.sleep(1)
        out, rc = g["a"].run("dd if=/dev/urandom of=/tmp/f bs=1024 count=%d 2>/dev/null; md5sum /tmp/f" % (a.mib * 1024), CMD)
        md5_a = out.split()[0] if out.split() else ""
        t0, cpu0 = time.monotonic(), cpu_seconds(proc.pid)
        out, rc = g["a"].run("nc -w 5 10.0.0.2 5000 < /tmp/f", 600)
        g["b"].expect(r"nc-done-(\d+)", 600, "b's nc to end")
        secs, cpu = time.monotonic() - t0, cpu_seconds(proc.pid) - cpu0
        out, _ = g["b"].run("md5sum /tmp/got; ls -l /tmp/got", CMD)
        md5_b = out.split()[0] if out.split() else ""
        check("nc-md5", md5_a and md5_a == md5_b, "sent %s, received %s" % (md5_a, out.strip()))
        print("     %d MiB in %.2f s, monitor CPU %.2f s (a loaded machine: not a benchmark)" % (a.mib, secs, cpu))

        # An HTTP fetch between them: busybox httpd in b, wget in a (the file a just sent).
        # (httpd listens only after it has gone to the background: wait for its socket; the file
        # is served from where nc put it, a copy would not fit the guest's tmpfs)
        g["b"].run("httpd -p 80 -h /tmp && "
                   "for i in $(seq 50); do netstat -ltn | grep -q ':80 ' && break; sleep 0.2; done", CMD)
        out, rc = g["a"].run("timeout 120 wget -q -O - http://10.0.0.2/got | md5sum", 300)
        check("http-b-to-a", md5_a and out.split()[:1] == [md5_a], out.strip()[-200:])

        # c is on another switch: no reply, and nothing ever arrived at its card.
        out, rc = g["c"].run("ping -c 2 -W 2 10.0.0.1", CMD)
        check("other-switch-isolated", rc != 0 and "0 packets received" in out, out.strip()[-200:])
        out, _ = g["c"].run("cat /sys/class/net/eth0/statistics/rx_packets /sys/class/net/eth0/statistics/tx_packets", CMD)
        nums = out.split()
        check("other-switch-saw-nothing", len(nums) == 2 and nums[0] == "0" and int(nums[1]) > 0,
              "rx_packets, tx_packets = %s" % nums)
        out, _ = g["a"].run("ip neigh show 10.0.0.3", CMD)
        check("c-unknown-on-lan", out.strip() == "", out.strip())

        q = QMPClient(qmp_path)
        q.run("qmp_capabilities")
        # at least one frame per 64 KiB of the file (a TSO frame's most) each way
        least = (a.mib << 20) // 65536
        nics = q.run("query-nics", vm="a")
        n = nics[0] if len(nics) == 1 else {}
        check("query-nics", n.get("netdev") == "n0" and n.get("mac") == macs["a"] and n.get("link-up") is True and
              n.get("tx-frames", 0) >= least and n.get("tx-bytes", 0) > a.mib << 20 and n.get("rx-frames", 0) >= least and
              not any(n.get("tx-dropped", {}).values()) and n.get("rx-dropped", {}).get("queue-full", 1) == 0,
              str(nics))
        # The receiver of the file: the switch holds a back rather than drop at b's card. Frames
        # that came before b's driver was up (a's broadcasts and multicasts while b still boots,
        # on a loaded host) are dropped as not-ready, as a card without a driver drops them:
        # not a loss of the transfer's.
        nb_ = q.run("query-nics", vm="b")
        nb_ = nb_[0] if len(nb_) == 1 else {}
        check("query-nics-receiver-no-drop", nb_.get("rx-frames", 0) >= least and "rx-dropped" in nb_ and
              not any(v for k, v in nb_["rx-dropped"].items() if k != "not-ready"), str(nb_))
        qmp(q, "set_link", vm="b", name="n0", up=False)
        time.sleep(0.5)
        out, _ = g["b"].run("cat /sys/class/net/eth0/carrier", CMD)
        check("set-link-down-carrier", out.strip() == "0", out.strip())
        out, rc = g["a"].run("ping -c 2 -W 2 10.0.0.2", CMD)
        check("set-link-down-no-ping", rc != 0, out.strip()[-200:])
        check("query-nics-link", q.run("query-nics", vm="b")[0].get("link-up") is False)
        qmp(q, "set_link", vm="b", name="n0", up=True)
        time.sleep(0.5)
        out, _ = g["b"].run("cat /sys/class/net/eth0/carrier", CMD)
        check("set-link-up-carrier", out.strip() == "1", out.strip())
        out, rc = g["a"].run("ping -c 2 -W 5 10.0.0.2", CMD)
        check("set-link-up-ping", rc == 0, out.strip()[-200:])
        r = qmp(q, "set_link", vm="b", name="nope", up=False)
        check("set-link-unknown", r.get("error", {}).get("class") == "DeviceNotFound", str(r))
        q.close()
        power_off(g, proc, check)
    except (GuestError, QMPError) as e:
        check("guest", False, str(e))
    finally:
        close_all(g, proc)
    return 1 if check.failed else 0


if __name__ == "__main__":
    sys.exit(main())
