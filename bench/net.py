#!/usr/bin/python3
"""make bench-net: virtio-net on mvisor against qemu-system-mipsel, same guest, same tools.

    bench/net.py                                every benchmark, 5 pairs
    bench/net.py --only user --pairs 3 --mib 32

The guest is the stock kernel with the default initramfs (eth0 from mvisor.ip= or DHCP) plus
/bin/nb (bench/netguest/nb.c: TCP with 64 KiB reads and writes; busybox nc moves 1 KiB per
select() and would measure the guest's system calls more than the network).

Benchmarks (README "Networking: make bench-net"):
  vm2vm    two VMs, 10.0.0.1 and 10.0.0.2: on mvisor two VMs of one monitor (--vm-config) on
           `-netdev switch`; on QEMU two qemu-system-mipsel processes joined by `-netdev
           socket` (listen= / connect= on the host's loopback). ping: `ping -c 20 -i 0.2` a->b
           after two warm-up pings, the guest's round-trip avg, min and max (--pings N for
           another count, --ping-only to skip the TCP transfer). TCP: `nb sink` in b,
           `nb source` in a sends --mib MiB; host seconds from the command typed to its end
           marker (the source returns once the sink has read everything and closed).
  user     one VM on `-netdev user` (libslirp in both), DHCP 10.0.2.15: guest->host, `nb
           source 10.0.2.2 PORT` to a sink on the host's loopback (timed on the host from the
           command typed to the sink's end of stream), and host->guest through `hostfwd`
           (the host sends --mib MiB to `nb sink` in the guest, timed from connect() to the
           guest closing); `ping -c 20 -i 0.2 10.0.2.2` when slirp answers it.
Host CPU: utime+stime of every monitor process (all threads; both QEMU processes for vm2vm)
over the transfer, divided by the GiB moved: CPU seconds per GiB.

Every figure is the median of --pairs rounds with min-max beside it; in each round the mvisor
run and the QEMU run go one after the other (the order alternating), and the mvisor/QEMU ratio
is taken within the round. Outputs in --out (build/bench-net): summary.md, results.json,
net.png, runs/ with every console transcript. Standard library only; plots by gnuplot.
"""

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "boot"))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "net"))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "qmp"))

from guest import Guest, GuestError, PROMPT, kill_group, spawn  # noqa: E402
from sockguest import SockGuest  # noqa: E402
from qmp_client import QMPClient, QMPError  # noqa: E402
from harness import plot  # noqa: E402
from harness.stats import cell, num, ratio_cell, runs_ratios as ratios, runs_summary as summ  # noqa: E402

MIB = 1 << 20
CMD = 120
BENCHMARKS = ["vm2vm", "user"]
PING_RX = re.compile(r"(\d+) packets transmitted, (\d+) packets received.*?"
                     r"round-trip min/avg/max = ([\d.]+)/([\d.]+)/([\d.]+) ms", re.S)
NB_RX = r"@@nb (source|sink) bytes=(\d+) guest_ns=(\d+)"


def log(msg):
    print(f"bench-net: {time.strftime('%H:%M:%S')} {msg}", file=sys.stderr, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def cpu_seconds(pids):
    """utime + stime of these processes, every thread (/proc/PID/stat fields 14 and 15)."""
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def runq_seconds(pids):
    """Seconds the threads of these processes spent runnable but waiting for a host CPU
    (/proc/PID/task/TID/schedstat, the second field): where wall time goes that the process
    wanted to run. A thread that ended since the last reading is simply missing."""
    total = 0
    for pid in pids:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    total += int(f.read().split()[1])
            except (OSError, IndexError, ValueError):
                pass
    return total / 1e9


def ping(g, ip, out, key, count=20):
    """Two warm-up pings (ARP, caches), then count at 0.2 s: the guest's avg, min and max round trip."""
    g.run(f"ping -c 2 -W 5 {ip}", CMD)
    text, _ = g.run(f"ping -c {count} -i 0.2 -W 5 {ip}", CMD + count)
    m = PING_RX.search(text)
    if not m or m.group(2) != str(count):
        out[key + "_error"] = text.strip()[-200:]
        return
    out[key + "_avg_ms"] = float(m.group(4))
    out[key + "_min_ms"] = float(m.group(3))
    out[key + "_max_ms"] = float(m.group(5))


def retrans(g):
    """The guest's TCP segments retransmitted so far (/proc/net/snmp, Tcp: RetransSegs): a
    transfer that stalls with the CPU idle is usually losing frames."""
    text, _ = g.run("grep '^Tcp:' /proc/net/snmp", CMD)
    rows = [ln.split() for ln in text.splitlines() if ln.startswith("Tcp:")]
    if len(rows) == 2 and "RetransSegs" in rows[0]:
        return int(rows[1][rows[0].index("RetransSegs")])
    return None


def nb_result(text, what):
    m = re.search(NB_RX, text)
    if not m:
        raise GuestError(f"{what}: no nb result in {text.strip()[-200:]!r}")
    return int(m.group(2)), int(m.group(3)) / 1e9


class HostSink:
    """A TCP sink on the host's loopback for the guest's `nb source` through slirp: counts the
    bytes of one connection and notes when its stream ended."""

    def __init__(self):
        self.ls = socket.socket()
        self.ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(1)
        self.port = self.ls.getsockname()[1]
        self.bytes = 0
        self.end = None
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        self.ls.settimeout(600)
        try:
            c, _ = self.ls.accept()
        except OSError:
            return
        with c:
            while True:
                d = c.recv(1 << 20)
                if not d:
                    break
                self.bytes += len(d)
            self.end = time.monotonic()
        self.ls.close()


class Bench:
    def __init__(self, a):
        self.a = a
        self.runs = os.path.join(a.out, "runs")
        self.work = os.path.join(a.out, "work")
        for d in (self.runs, self.work):
            os.makedirs(d, exist_ok=True)
        self.results = {"args": vars(a), "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
                        "load": [os.getloadavg()], "vm2vm": {}, "user": {}}

    def order(self, rnd):
        return ["mvisor", "qemu"] if rnd % 2 == 0 else ["qemu", "mvisor"]

    def vm_options(self, ip):
        return ["-M", "malta", "-m", "256", "-kernel", os.path.abspath(self.a.kernel),
                "-initrd", os.path.abspath(self.a.initrd),
                "-append", f"console=ttyS0 panic=-1{' mvisor.ip=' + ip + '/24' if ip else ''}"]

    def qemu_guest(self, tag, ip, netdev, mac, extra=""):
        argv = [self.a.qemu] + self.vm_options(ip) + [
            "-nographic", "-no-reboot", "-vga", "none", "-netdev", netdev,
            "-device", f"virtio-net-pci,netdev=n0,mac={mac},disable-modern=on,romfile={extra}"]
        base = os.path.join(self.runs, tag)
        return Guest(argv, base + ".console", base + ".stderr")

    # -- two VMs ------------------------------------------------------------------------------

    def tcp_a_to_b(self, ga, gb, pids, out):
        gb.send("nb sink 5000\n")
        gb.expect(r"@@nb listening", CMD, "b's nb sink")
        r0 = retrans(ga)
        rq0, cpu0, t0 = runq_seconds(pids), cpu_seconds(pids), time.monotonic()
        text, rc = ga.run(f"nb source 10.0.0.2 5000 {self.a.mib}", self.a.op_timeout)
        secs, cpu = time.monotonic() - t0, cpu_seconds(pids) - cpu0
        out["tcp_runq_s"] = runq_seconds(pids) - rq0
        r1 = retrans(ga)
        if r0 is not None and r1 is not None:
            out["tcp_retrans"] = r1 - r0
        sent, gsecs = nb_result(text, "a's nb source")
        m = gb.expect(NB_RX, CMD, "b's nb sink result")
        got = int(m.group(2))
        if rc != 0 or sent != self.a.mib * MIB or got != sent:
            raise GuestError(f"TCP a->b: status {rc}, sent {sent}, received {got}")
        out.update({"tcp_s": secs, "tcp_guest_s": gsecs, "tcp_cpu_s": cpu,
                    "tcp_cpu_per_gib": cpu / (self.a.mib / 1024)})

    def vm2vm_measure(self, ga, gb, pids, out):
        for g in (ga, gb):
            g.run("dmesg -n 1", CMD)
        ping(ga, "10.0.0.2", out, "ping", self.a.pings)
        if not self.a.ping_only:
            self.tcp_a_to_b(ga, gb, pids, out)

    def vm2vm_mvisor(self, rnd):
        tag = f"vm2vm-mvisor-{rnd}"
        run = os.path.join(self.work, tag)
        shutil.rmtree(run, ignore_errors=True)
        os.makedirs(run)
        cfg = os.path.join(self.work, "vm2vm.json")
        with open(cfg, "w") as f:
            json.dump([{"name": n, "options": self.vm_options(ip) + [
                "-netdev", "switch,id=n0,switch=lan", "-device", "virtio-net-pci,netdev=n0" + self.a.nic_opts]}
                for n, ip in (("a", "10.0.0.1"), ("b", "10.0.0.2"))], f)
        err = open(os.path.join(self.runs, tag + ".stderr"), "wb")
        qmp_path = os.path.join(run, "qmp.sock")
        proc = spawn([self.a.mvisor, "--vm-config", cfg, "--run-dir", run,
                      "-qmp", f"unix:{qmp_path},server=on,wait=off"], stdin=subprocess.DEVNULL, stdout=err, stderr=err)
        out, g = {}, {}
        try:
            for n in "ab":
                g[n] = SockGuest(os.path.join(run, n + ".sock"), os.path.join(self.runs, f"{tag}-{n}.console"))
            for n in "ab":
                g[n].wait_prompt(self.a.boot_timeout)
            self.vm2vm_measure(g["a"], g["b"], [proc.pid], out)
            # The receiving card's drop counters (QMP query-nics): frames lost inside the monitor.
            q = QMPClient(qmp_path)
            q.run("qmp_capabilities")
            nic = q.run("query-nics", vm="b")[0]
            q.close()
            out["b_rx_dropped"] = nic.get("rx-dropped", {})
            out["b_rx_queue_full"] = out["b_rx_dropped"].get("queue-full")
            for n in "ab":
                g[n].send("poweroff -f\n")
            proc.wait(60)
        except (GuestError, OSError, QMPError, subprocess.TimeoutExpired) as e:
            log(f"{tag}: {e}")
            out["error"] = str(e)
        finally:
            for x in g.values():
                x.close()
            kill_group(proc)
            err.close()
        return out

    def vm2vm_qemu(self, rnd):
        tag = f"vm2vm-qemu-{rnd}"
        port = free_port()
        out, ga, gb = {}, None, None
        try:
            gb = self.qemu_guest(tag + "-b", "10.0.0.2", f"socket,id=n0,listen=127.0.0.1:{port}", "52:54:00:00:00:02")
            for _ in range(100):  # connect= needs the other process listening
                try:
                    socket.create_connection(("127.0.0.1", port), 1).close()
                    break
                except OSError:
                    time.sleep(0.1)
            ga = self.qemu_guest(tag + "-a", "10.0.0.1", f"socket,id=n0,connect=127.0.0.1:{port}", "52:54:00:00:00:01")
            for g in (ga, gb):
                g.expect(re.escape(PROMPT), self.a.boot_timeout, "the shell prompt")
            self.vm2vm_measure(ga, gb, [ga.proc.pid, gb.proc.pid], out)
            for g in (ga, gb):
                g.send("poweroff -f\n")
                g.wait_exit(60)
        except (GuestError, OSError) as e:
            log(f"{tag}: {e}")
            out["error"] = str(e)
        finally:
            for g in (ga, gb):
                if g:
                    g.close()
        return out

    def bench_vm2vm(self):
        r = self.results["vm2vm"]
        r.update({"mib": self.a.mib, "pairs": self.a.pairs, "started": time.strftime("%H:%M:%S"),
                  "mvisor": [], "qemu": []})
        for rnd in range(self.a.pairs):
            for engine in self.order(rnd):
                o = getattr(self, "vm2vm_" + engine)(rnd)
                r[engine].append(o)
                log(f"vm2vm round {rnd} {engine}: {o}")
            self.checkpoint()

    # -- host <-> guest through user ------------------------------------------------------------

    def user_once(self, engine, rnd):
        tag = f"user-{engine}-{rnd}"
        hp = free_port()
        nd = f"user,id=n0,hostfwd=tcp:127.0.0.1:{hp}-:5001"
        if engine == "qemu":
            g = self.qemu_guest(tag, None, nd, "52:54:00:12:34:56")
        else:
            argv = [self.a.mvisor] + self.vm_options(None) + [
                "-nographic", "-no-reboot", "-netdev", nd,
                "-device", "virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56" + self.a.nic_opts]
            base = os.path.join(self.runs, tag)
            g = Guest(argv, base + ".console", base + ".stderr")
        out, pids = {}, [g.proc.pid]
        mib = self.a.mib
        try:
            g.expect(re.escape(PROMPT), self.a.boot_timeout, "the shell prompt")
            g.run("dmesg -n 1", CMD)
            text, _ = g.run("ip -4 addr show eth0", CMD)
            if "10.0.2.15" not in text:
                raise GuestError(f"no DHCP address: {text.strip()}")
            # guest -> host
            sink = HostSink()
            r0 = retrans(g)
            cpu0, t0 = cpu_seconds(pids), time.monotonic()
            text, rc = g.run(f"nb source 10.0.2.2 {sink.port} {mib}", self.a.op_timeout)
            sink.t.join(60)
            r1 = retrans(g)
            if r0 is not None and r1 is not None:
                out["g2h_retrans"] = r1 - r0
            if rc != 0 or sink.bytes != mib * MIB or sink.end is None:
                raise GuestError(f"guest->host: status {rc}, host got {sink.bytes} bytes: {text.strip()[-200:]}")
            out["g2h_s"], out["g2h_cpu_s"] = sink.end - t0, cpu_seconds(pids) - cpu0
            out["g2h_guest_s"] = nb_result(text, "nb source")[1]
            # host -> guest through hostfwd
            g.send("nb sink 5001\n")
            g.expect(r"@@nb listening", CMD, "nb sink")
            buf = bytes(range(256)) * 256
            cpu0, t0 = cpu_seconds(pids), time.monotonic()
            with socket.create_connection(("127.0.0.1", hp), 30) as s:
                for _ in range(mib * MIB // len(buf)):
                    s.sendall(buf)
                s.shutdown(socket.SHUT_WR)
                s.settimeout(self.a.op_timeout)
                while s.recv(65536):
                    pass
            out["h2g_s"], out["h2g_cpu_s"] = time.monotonic() - t0, cpu_seconds(pids) - cpu0
            m = g.expect(NB_RX, CMD, "nb sink result")
            if int(m.group(2)) != mib * MIB:
                raise GuestError(f"host->guest: the guest got {m.group(2)} bytes")
            out["h2g_guest_s"] = int(m.group(3)) / 1e9
            for k in ("g2h", "h2g"):
                out[k + "_cpu_per_gib"] = out[k + "_cpu_s"] / (mib / 1024)
            ping(g, "10.0.2.2", out, "ping")
            g.send("poweroff -f\n")
            g.wait_exit(60)
        except (GuestError, OSError) as e:
            log(f"{tag}: {e}")
            out["error"] = str(e)
        finally:
            g.close()
        return out

    def bench_user(self):
        r = self.results["user"]
        r.update({"mib": self.a.mib, "pairs": self.a.pairs, "started": time.strftime("%H:%M:%S"),
                  "mvisor": [], "qemu": []})
        for rnd in range(self.a.pairs):
            for engine in self.order(rnd):
                o = self.user_once(engine, rnd)
                r[engine].append(o)
                log(f"user round {rnd} {engine}: {o}")
            self.checkpoint()

    def checkpoint(self):
        try:
            write_report(self.results, self.a.out)
        except Exception as e:  # a report that cannot be drawn yet must not stop the measuring
            log(f"report not written: {e!r}")


def write_report(res, outdir):
    L = [f"# make bench-net ({res['started']})", ""]
    loads = res["load"]
    L.append("Host load average (1, 5, 15 min) at start: " + ", ".join(num(x, 2) for x in loads[0]) +
             (("; at end: " + ", ".join(num(x, 2) for x in loads[-1])) if len(loads) > 1 else "") +
             f"; {os.cpu_count()} host CPUs. Every figure: the median of the pairs (min–max); a ratio is "
             "taken within each pair, then its median.")
    L.append("")
    panels = []
    for name, title, rows in (
            ("vm2vm", "Two VMs: mvisor's switch (one monitor) against two QEMU processes on `-netdev socket`",
             [("tcp_s", "TCP a->b, MiB/s (host clock)", "rate", "≥ 2x"),
              ("ping_avg_ms", "ping a->b avg, ms (guest)", "ms", "≤ 0.5x"),
              ("ping_min_ms", "ping a->b min, ms (guest)", "ms", ""),
              ("ping_max_ms", "ping a->b max, ms (guest)", "ms", ""),
              ("tcp_cpu_per_gib", "host CPU s per GiB", "cpu", ""),
              ("tcp_runq_s", "host run-queue wait over the transfer, s (every thread)", "cpu", ""),
              ("tcp_retrans", "TCP segments a retransmitted", "count", ""),
              ("b_rx_queue_full", "frames b's card dropped, its receive queue full (QMP)", "count", "")]),
            ("user", "Host <-> guest through `-netdev user` (libslirp in both)",
             [("g2h_s", "guest->host TCP, MiB/s (host clock)", "rate", "≥ 1x"),
              ("h2g_s", "host->guest TCP via hostfwd, MiB/s (host clock)", "rate", "≥ 1x"),
              ("g2h_cpu_per_gib", "guest->host: host CPU s per GiB", "cpu", ""),
              ("h2g_cpu_per_gib", "host->guest: host CPU s per GiB", "cpu", ""),
              ("g2h_retrans", "guest->host: TCP segments the guest retransmitted", "count", ""),
              ("ping_avg_ms", "ping 10.0.2.2 avg, ms (guest)", "ms", "")])):
        r = res.get(name) or {}
        if not (r.get("mvisor") or r.get("qemu")):
            continue
        mib = r["mib"]
        L += [f"## {title} ({r['pairs']} pairs from {r['started']}, {mib} MiB per transfer)", "",
              "| figure | mvisor | QEMU | mvisor/QEMU (throughput: higher is better; ms, CPU: lower) | target |", "|---|---|---|---|---|"]
        groups, ser = [], {"mvisor (dbt)": [], "qemu": []}
        for key, label, kind, target in rows:
            f = (lambda s, mib=mib: mib / s) if kind == "rate" else None
            m, q = summ(r["mvisor"], key, f), summ(r["qemu"], key, f)
            if not (m or q):
                continue
            if kind == "count":  # counts: no ratio; a figure only one engine reports is n/a for the other
                L.append(f"| {label} | {cell(m) if m else 'n/a'} | {cell(q) if q else 'n/a'} | | {target} |")
                continue
            L.append(f"| {label} | {cell(m)} | {cell(q)} | {ratio_cell(ratios(r['mvisor'], r['qemu'], key, f))} | {target} |")
            if kind == "rate" and "guest clock" not in label:
                groups.append(label.split(",")[0])
                ser["mvisor (dbt)"].append(m)
                ser["qemu"].append(q)
        for e in ("mvisor", "qemu"):
            for i, x in enumerate(r[e]):
                for k, v in x.items():
                    if k == "error" or k.endswith("_error"):
                        L.append(f"\nFailed: {name} {e} round {i} ({k}): {v}")
        L.append("")
        panels.append((f"{name}: MiB/s", groups, list(ser.items())))
    if panels:
        why = plot.bars(os.path.join(outdir, "net.png"), panels, "MiB/s (log)", "make bench-net: TCP throughput")
        L += [f"Plot: net.png{' not drawn: ' + why if why else ''}", ""]
    with open(os.path.join(outdir, "summary.md"), "w") as f:
        f.write("\n".join(L))
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump(res, f, indent=1)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mvisor", default="build/mvisor")
    p.add_argument("--qemu", default="qemu-system-mipsel")
    p.add_argument("--kernel", default="build/guest/vmlinuz")
    p.add_argument("--initrd", default="build/bench/net.cpio.gz", help="the default initramfs plus /bin/nb")
    p.add_argument("--out", default="build/bench-net")
    p.add_argument("--pairs", type=int, default=5)
    p.add_argument("--mib", type=int, default=64, help="MiB per TCP transfer")
    p.add_argument("--only", default=",".join(BENCHMARKS))
    p.add_argument("--nic-opts", default="", help="more properties for mvisor's cards, e.g. ,mrg_rxbuf=off")
    p.add_argument("--pings", type=int, default=20, help="vm2vm: pings a->b at 0.2 s after two warm-up ones")
    p.add_argument("--ping-only", action="store_true", help="vm2vm: the pings only, no TCP transfer")
    p.add_argument("--boot-timeout", type=float, default=300)
    p.add_argument("--op-timeout", type=float, default=600)
    a = p.parse_args()
    only = a.only.split(",")
    for b in only:
        if b not in BENCHMARKS:
            p.error(f"unknown benchmark {b} (choose from {', '.join(BENCHMARKS)})")
    for f in (a.mvisor, a.kernel, a.initrd):
        if not os.path.exists(f):
            p.error(f"no {f} (make all guest bench-net builds it)")
    if shutil.which(a.qemu) is None:
        p.error(f"no {a.qemu}")
    os.makedirs(a.out, exist_ok=True)
    b = Bench(a)
    log(f"load {os.getloadavg()}; {a.pairs} pairs; output in {a.out}")
    for name in BENCHMARKS:
        if name in only:
            getattr(b, "bench_" + name)()
    b.results["load"].append(os.getloadavg())
    b.results["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    b.checkpoint()
    print(open(os.path.join(a.out, "summary.md")).read())


if __name__ == "__main__":
    main()
