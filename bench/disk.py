#!/usr/bin/python3
"""make bench-disk: virtual disks on mvisor against qemu-system-mipsel, same guest, same options.

    bench/disk.py                                               every benchmark
    bench/disk.py --only dd --pairs 3                           some of: dd rootfs pss

Benchmarks (README "Disks: make bench-disk"):
  dd       sequential throughput inside the guest: the stock kernel and the default initramfs
           with two disks, vda (read-only) holding 256 MiB of random bytes and vdb a fresh empty
           image; busybox `dd bs=1M count=256` with iflag=direct from vda, then oflag=direct to
           vdb ending with an fsync (conv=fsync: a write-back cache is drained in the time), each
           timed on the host from the command typed to its end marker. Raw and qcow2
           (the qcow2 read image fully allocated by qemu-img convert, the write image empty, so
           writes allocate clusters); -drive cache=none by default (O_DIRECT on the host too).
           The limit: the host's own dd on the same files (iflag=direct / oflag=direct conv=fsync).
  rootfs   the Debian root file system from make rootfs, booted from a fresh qcow2 overlay over
           its raw image (`root=/dev/vda`, systemd): host seconds to the serial console's
           `login:`; then root logs in and `dpkg -i` installs the .debs of --debs from a second,
           read-only disk (host seconds for the command).
  pss      --pss-vms (8) VMs booting the root file system to login: from as many qcow2 overlays
           of its raw base: one mvisor monitor (--vm-config) against as many QEMU processes;
           host PSS (smaps_rollup, summed), bytes read from files (rchar), what mvisor's buffer
           cache read from the base and how the guests' reads were served (QMP). --pss-pairs
           rounds (1 by default: each boots 16 systems).
Every figure is the median of --pairs rounds with min-max beside it; in each round the mvisor
run and the QEMU run go one after the other (the order alternating), and the mvisor/QEMU ratio is
taken within the round. Outputs in --out (build/bench-disk): summary.md, results.json, dd.png,
rootfs.png, runs/ with every console transcript. Standard library only; plots by gnuplot.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "boot"))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "qmp"))

from guest import Guest, GuestError  # noqa: E402
from harness import plot  # noqa: E402
from harness.fleet import pss_kib  # noqa: E402
from qmp_client import QMPClient  # noqa: E402
from harness.stats import cell, num, ratio_cell, runs_ratios as ratios, runs_summary as summ  # noqa: E402

MIB = 1 << 20
BUSYBOX_PROMPT = "/ # "
SHELL_PROMPT = r"root@[\w.-]+:~# "
BENCHMARKS = ["dd", "rootfs", "pss"]
# A boot that will never show `login:` on the console: systemd waits DefaultDeviceTimeoutSec (90 s
# of guest time) for udev to announce /dev/ttyS0 and then fails serial-getty@ttyS0. A guest's clock
# runs in real time, so on a loaded host (udev's start alone took minutes at load 25-30) both
# mvisor's and QEMU's guests ran into it, and the boot looked like a hang (README "Disks: make
# bench-disk"). Debian 12's systemd 252 reads that timeout only from system.conf (its kernel
# command-line key came with systemd 254): make rootfs's fix-ups (scripts/rootfs-fixup.sh) raise it
# to 900 s in the image; a run still reports the failure at once instead of waiting.
ROOTFS_APPEND = "console=ttyS0 root=/dev/vda"
GETTY_FAILED = b"Dependency failed for"


def log(msg):
    print(f"bench-disk: {time.strftime('%H:%M:%S')} {msg}", file=sys.stderr, flush=True)


def sh(*argv):
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)


def proc_io(pid):
    with open(f"/proc/{pid}/io") as f:
        return {k: int(v) for k, v in (line.split(": ") for line in f.read().split("\n") if line)}


def qmp_connect(path):
    """A QMP client past the capabilities handshake; the socket appears a moment after the
    process starts."""
    for _ in range(100):
        try:
            c = QMPClient(path, timeout=60)
            break
        except (FileNotFoundError, ConnectionRefusedError):
            time.sleep(0.1)
    else:
        raise OSError(f"no QMP socket {path}")
    qmp_run(c, "qmp_capabilities")
    return c


def qmp_run(c, cmd, **args):
    r = c.cmd(cmd, **args)
    if "return" not in r:
        raise OSError(f"QMP {cmd}: {r.get('error')!r}")
    return r["return"]


class Bench:
    def __init__(self, a):
        self.a = a
        self.work = os.path.join(a.out, "work")
        self.runs = os.path.join(a.out, "runs")
        for d in (self.work, self.runs):
            os.makedirs(d, exist_ok=True)
        self.results = {"args": vars(a), "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
                        "load": [os.getloadavg()], "dd": {}, "rootfs": {}, "pss": {}}

    # -- launching ----------------------------------------------------------------------------

    def argv(self, engine, initrd, append, drives):
        m = ["-M", "malta", "-m", "256", "-kernel", self.a.kernel, "-append", append, "-nographic"]
        if initrd:
            m += ["-initrd", initrd]
        for d in drives:
            m += ["-drive", d]
        if engine == "qemu":
            # As make run-qemu: QEMU's Malta otherwise adds a NIC and a VGA (mvisor has neither).
            return [self.a.qemu] + m + ["-no-reboot", "-nic", "none", "-vga", "none"]
        return [self.a.mvisor] + m + ["-no-reboot"]

    def guest(self, engine, tag, *argv_args):
        base = os.path.join(self.runs, tag)
        return Guest(self.argv(engine, *argv_args), base + ".log", base + ".stderr")

    def order(self, rnd):
        return ["mvisor", "qemu"] if rnd % 2 == 0 else ["qemu", "mvisor"]

    # -- dd -------------------------------------------------------------------------------------

    def dd_images(self, fmt):
        """The read image (random bytes; qcow2 with every cluster allocated) for format fmt."""
        raw = os.path.join(self.work, "read.raw")
        if not os.path.exists(raw):
            with open(raw + ".tmp", "wb") as f:
                left = self.a.size_mib * MIB
                while left:
                    n = min(left, 4 * MIB)
                    f.write(os.urandom(n))
                    left -= n
            os.rename(raw + ".tmp", raw)
        if fmt == "raw":
            return raw
        q = os.path.join(self.work, "read.qcow2")
        if not os.path.exists(q):
            sh("qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw, q)
        return q

    def fresh_write_image(self, fmt, name):
        p = os.path.join(self.work, name)
        if os.path.exists(p):
            os.unlink(p)
        if fmt == "raw":
            with open(p, "wb") as f:
                f.truncate(self.a.size_mib * MIB)
        else:
            sh("qemu-img", "create", "-q", "-f", "qcow2", p, f"{self.a.size_mib}M")
        return p

    def host_dd(self, src, fmt):
        """The host's own dd with O_DIRECT: a read of the read image, a write of a fresh file."""
        n = str(self.a.size_mib)
        t = time.monotonic()
        subprocess.run(["dd", f"if={src}", "of=/dev/null", "bs=1M", f"count={n}", "iflag=direct",
                        "status=none"], check=True)
        rd = time.monotonic() - t
        dst = os.path.join(self.work, f"host-write.{fmt}")
        if os.path.exists(dst):
            os.unlink(dst)
        t = time.monotonic()
        fsync = ["conv=fsync"] if self.a.dd_fsync == "on" else []
        subprocess.run(["dd", "if=/dev/zero", f"of={dst}", "bs=1M", f"count={n}", "oflag=direct", *fsync,
                        "status=none"], check=True)
        wr = time.monotonic() - t
        os.unlink(dst)
        return rd, wr

    def dd_once(self, engine, fmt, rnd):
        src = self.dd_images(fmt)
        dst = self.fresh_write_image(fmt, f"write-{engine}.{fmt}")
        c = self.a.cache
        drives = [f"file={src},format={fmt},if=virtio,readonly=on,cache={c}",
                  f"file={dst},format={fmt},if=virtio,cache={c}"]
        g = self.guest(engine, f"dd-{fmt}-{engine}-{rnd}", self.a.initrd, "console=ttyS0", drives)
        out = {}
        try:
            g.expect(re.escape(BUSYBOX_PROMPT), self.a.boot_timeout, "the busybox prompt")
            n = self.a.size_mib
            fsync = " conv=fsync" if self.a.dd_fsync == "on" else ""
            for op, cmd in (("read", f"time dd if=/dev/vda of=/dev/null bs=1M count={n} iflag=direct"),
                            ("write", f"time dd if=/dev/zero of=/dev/vdb bs=1M count={n} oflag=direct{fsync}")):
                t = time.monotonic()
                text, rc = g.run(cmd, timeout=self.a.op_timeout)
                secs = time.monotonic() - t
                if rc != 0 or f"{n}+0 records out" not in text:
                    raise GuestError(f"{op}: dd status {rc}: {text.strip()[-200:]}")
                out[op] = secs
                # busybox time's "real 0m 1.23s": the guest's own clock, kept beside the host's
                m = re.search(r"real\s+(\d+)m\s*([\d.]+)s", text)
                out[op + "_guest"] = int(m.group(1)) * 60 + float(m.group(2)) if m else None
            g.send("poweroff -f\n")
            g.wait_exit(60)
        except GuestError as e:
            log(f"dd {fmt} {engine} round {rnd}: {e}")
            out["error"] = str(e)
        finally:
            g.close()
            os.unlink(dst)
        return out

    def bench_dd(self):
        res = self.results["dd"] = {"size_mib": self.a.size_mib, "cache": self.a.cache, "fsync": self.a.dd_fsync,
                                    "pairs": self.a.pairs, "started": time.strftime("%H:%M:%S"), "formats": {}}
        for fmt in self.a.formats:
            r = res["formats"].setdefault(fmt, {"mvisor": [], "qemu": [], "host": []})
            for rnd in range(self.a.pairs):
                for engine in self.order(rnd):
                    o = self.dd_once(engine, fmt, rnd)
                    r[engine].append(o)
                    log(f"dd {fmt} round {rnd} {engine}: {o}")
                rd, wr = self.host_dd(self.dd_images(fmt), fmt)
                r["host"].append({"read": rd, "write": wr})
                self.checkpoint()

    # -- the root file system -------------------------------------------------------------------

    def fetch_debs(self):
        """The dpkg job's packages as mipsel .debs in --debs (apt-get download, once; the
        versions are what the mirror had then)."""
        os.makedirs(self.a.debs, exist_ok=True)
        have = {f.split("_")[0] for f in os.listdir(self.a.debs) if f.endswith(".deb")}
        want = [x for x in self.a.deb_packages.split(",") if x and x not in have]
        if want:
            log(f"apt-get download {' '.join(want)} (mipsel) into {self.a.debs}")
            opts = ["-o", "APT::Sandbox::User=root"] if os.getuid() == 0 else []
            subprocess.run(["apt-get", "download", "-q"] + opts + [x + ":mipsel" for x in want],
                           cwd=self.a.debs, check=True, stdout=subprocess.DEVNULL)

    def debs_image(self):
        self.fetch_debs()
        img = os.path.join(self.work, "debs.img")
        debs = sorted(f for f in os.listdir(self.a.debs) if f.endswith(".deb"))
        if not debs:
            raise SystemExit(f"bench-disk: no .deb in {self.a.debs}")
        if not os.path.exists(img):
            size = sum(os.path.getsize(os.path.join(self.a.debs, f)) for f in debs)
            with open(img, "wb") as f:
                f.truncate(max(16 * MIB, 2 * size))
            sh("mke2fs", "-q", "-t", "ext4", "-d", self.a.debs, img)
        return img, debs

    def rootfs_once(self, engine, rnd, debs_img, ndebs):
        ov = os.path.join(self.work, f"rootfs-{engine}.qcow2")
        if os.path.exists(ov):
            os.unlink(ov)
        sh("qemu-img", "create", "-q", "-f", "qcow2", "-b", os.path.abspath(self.a.rootfs), "-F", "raw", ov)
        drives = [f"file={ov},format=qcow2,if=virtio", f"file={debs_img},format=raw,if=virtio,readonly=on"]
        g = self.guest(engine, f"rootfs-{engine}-{rnd}", self.a.initrd, ROOTFS_APPEND, drives)
        out = {}
        try:
            g.expect(r"login: ", self.a.boot_timeout, "login:")
            out["boot"] = g.elapsed()
            g.send("root\n")
            g.expect(SHELL_PROMPT, 120, "the root shell prompt")
            out["login"] = g.elapsed() - out["boot"]
            text, rc = g.run("mount -o ro /dev/vdb /mnt", timeout=60)
            if rc != 0:
                raise GuestError(f"mount of the .deb disk: {text.strip()}")
            t = time.monotonic()
            text, rc = g.run("dpkg -i /mnt/*.deb >/tmp/dpkg.log 2>&1; echo dpkg-status=$?; "
                             "dpkg-query -W -f='${Status}\\n' " + " ".join(self.packages) +
                             " | grep -c 'install ok installed'", timeout=self.a.op_timeout)
            out["dpkg"] = time.monotonic() - t
            m = re.search(r"dpkg-status=(\d+)\s+(\d+)", text)
            if rc != 0 or not m or m.group(1) != "0" or int(m.group(2)) != len(self.packages):
                tail, _ = g.run("tail -n 15 /tmp/dpkg.log", timeout=60)
                raise GuestError(f"dpkg -i of {ndebs} packages failed: {text.strip()} / {tail.strip()}")
        except GuestError as e:
            log(f"rootfs {engine} round {rnd}: {e}")
            out["error"] = str(e)
        finally:
            g.close()
            os.unlink(ov)
        return out

    def bench_rootfs(self):
        debs_img, debs = self.debs_image()
        self.packages = sorted({subprocess.run(["dpkg-deb", "-f", os.path.join(self.a.debs, d), "Package"],
                                               check=True, capture_output=True, text=True).stdout.strip()
                                for d in debs})
        r = self.results["rootfs"]
        r.update({"packages": self.packages, "mvisor": [], "qemu": [], "pairs": self.a.pairs,
                  "started": time.strftime("%H:%M:%S")})
        for rnd in range(self.a.pairs):
            for engine in self.order(rnd):
                o = self.rootfs_once(engine, rnd, debs_img, len(debs))
                r[engine].append(o)
                log(f"rootfs round {rnd} {engine}: {o}")
            self.checkpoint()

    # -- 8 VMs on 8 overlays of one base: host memory and bytes read -----------------------------

    def pss_overlays(self, d, n):
        base = os.path.abspath(self.a.rootfs)
        ovs = []
        for i in range(n):
            ov = os.path.abspath(os.path.join(d, f"ov{i}.qcow2"))
            sh("qemu-img", "create", "-q", "-f", "qcow2", "-b", base, "-F", "raw", ov)
            ovs.append(ov)
        return ovs

    def pss_wait(self, procs, logs, t0):
        """Until every console log shows login: (or a process ends, or the timeout)."""
        deadline = t0 + self.a.pss_timeout
        boot = {}
        while time.monotonic() < deadline and all(p.poll() is None for p in procs):
            for i, path in enumerate(logs):
                if i in boot:
                    continue
                try:
                    with open(path, "rb") as f:
                        text = f.read()
                    if b"login: " in text:
                        boot[i] = time.monotonic() - t0
                    elif GETTY_FAILED in text and b"Serial Getty on ttyS0" in text:
                        raise GuestError(f"console {i}: systemd gave up on /dev/ttyS0 (serial-getty@ttyS0 "
                                         "failed): no login: will come")
                except FileNotFoundError:
                    pass
            if len(boot) == len(logs):
                return boot
            time.sleep(0.5)
        raise GuestError(f"{len(boot)} of {len(logs)} consoles reached login: "
                         f"({'a process ended' if any(p.poll() is not None for p in procs) else 'timeout'})")

    def pss_sample(self, pids):
        """Host PSS (smaps_rollup: a page several processes map is split between them, so the sum
        counts it once) and bytes the processes read from files (rchar), after the guests settle."""
        time.sleep(self.a.pss_settle)
        pss = sum(pss_kib(p)["Pss"] for p in pids) / 1024
        rchar = sum(proc_io(p)["rchar"] for p in pids) / MIB
        return pss, rchar

    def pss_mvisor(self, rnd, n):
        d = os.path.join(self.work, f"pss-mvisor-{rnd}")
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        ovs = self.pss_overlays(d, n)
        vms = [{"name": f"vm{i}", "options": ["-M", "malta", "-m", "256", "-kernel", os.path.abspath(self.a.kernel),
                                                  "-initrd", os.path.abspath(self.a.initrd), "-append",
                                                  ROOTFS_APPEND, "-drive", f"file={ov},format=qcow2,if=virtio"]}
               for i, ov in enumerate(ovs)]
        cfg = os.path.join(d, "vms.json")
        with open(cfg, "w") as f:
            json.dump(vms, f)
        qmp_path = os.path.join(d, "qmp.sock")
        cmd = [self.a.mvisor, "--vm-config", cfg, "--run-dir", os.path.join(d, "run"),
               "-qmp", f"unix:{qmp_path},server=on,wait=off"] + self.a.pss_mvisor_args.split()
        log("$ " + " ".join(cmd))
        err = open(os.path.join(self.runs, f"pss-mvisor-{rnd}.stderr"), "w")
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=err, stderr=err)
        out = {}
        try:
            boot = self.pss_wait([p], [os.path.join(d, "run", f"vm{i}.log") for i in range(n)], t0)
            out["boot_last"] = max(boot.values())
            out["pss_mib"], out["rchar_mib"] = self.pss_sample([p.pid])
            q = qmp_connect(qmp_path)
            bc = qmp_run(q, "query-buffer-cache")
            bs = [qmp_run(q, "query-blockstats", vm=f"vm{i}")[0] for i in range(n)]
            qmp_run(q, "quit")
            p.wait(timeout=120)
            out["base_host_mib"] = bc.get("host-bytes", 0) / MIB
            out["guest_read_mib"] = sum(b["stats"]["rd_bytes"] for b in bs) / MIB
            for k in ("mapped-bytes", "copied-bytes", "direct-bytes"):
                out[k.split("-")[0] + "_mib"] = sum(b["buffer-cache"][k] for b in bs) / MIB
        except (GuestError, OSError, subprocess.TimeoutExpired) as e:
            log(f"pss mvisor round {rnd}: {e}")
            out["error"] = str(e)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            err.close()
            for i in range(n):
                src = os.path.join(d, "run", f"vm{i}.log")
                if os.path.exists(src):
                    shutil.copy(src, os.path.join(self.runs, f"pss-mvisor-{rnd}-vm{i}.log"))
            shutil.rmtree(d, ignore_errors=True)
        return out

    def pss_qemu(self, rnd, n):
        d = os.path.join(self.work, f"pss-qemu-{rnd}")
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        ovs = self.pss_overlays(d, n)
        procs, logs, qmps = [], [], []
        t0 = time.monotonic()
        out = {}
        try:
            for i, ov in enumerate(ovs):
                logs.append(os.path.join(self.runs, f"pss-qemu-{rnd}-vm{i}.log"))
                if os.path.exists(logs[-1]):
                    os.unlink(logs[-1])  # an earlier run's login: must not count
                qmps.append(os.path.join(d, f"qmp{i}.sock"))
                argv = [self.a.qemu, "-M", "malta", "-m", "256", "-kernel", self.a.kernel, "-initrd", self.a.initrd,
                        "-append", ROOTFS_APPEND, "-drive", f"file={ov},format=qcow2,if=virtio",
                        "-display", "none", "-serial", f"file:{logs[-1]}", "-monitor", "none", "-no-reboot",
                        "-nic", "none", "-vga", "none", "-qmp", f"unix:{qmps[-1]},server=on,wait=off"]
                procs.append(subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                              stderr=open(os.path.join(self.runs, f"pss-qemu-{rnd}-vm{i}.stderr"), "w")))
            boot = self.pss_wait(procs, logs, t0)
            out["boot_last"] = max(boot.values())
            out["pss_mib"], out["rchar_mib"] = self.pss_sample([p.pid for p in procs])
            rd = 0
            for path in qmps:
                q = qmp_connect(path)
                rd += sum(b["stats"]["rd_bytes"] for b in qmp_run(q, "query-blockstats"))
                qmp_run(q, "quit")
            out["guest_read_mib"] = rd / MIB
        except (GuestError, OSError) as e:
            log(f"pss qemu round {rnd}: {e}")
            out["error"] = str(e)
        finally:
            for p in procs:
                if p.poll() is None:
                    p.terminate()  # after QMP quit they are gone; after a failure they would wait
                    try:
                        p.wait(timeout=30)
                    except subprocess.TimeoutExpired:
                        p.kill()
                        p.wait()
            shutil.rmtree(d, ignore_errors=True)
        return out

    def bench_pss(self):
        """--pss-vms VMs (8) booting the root file system to login: from as many qcow2 overlays of
        its raw base: one mvisor monitor (--vm-config, the global buffer cache on by default)
        against as many qemu-system-mipsel processes; host PSS and bytes read."""
        n = self.a.pss_vms
        r = self.results["pss"] = {"measured": True, "vms": n, "pairs": self.a.pss_pairs,
                                   "mvisor_args": self.a.pss_mvisor_args, "settle": self.a.pss_settle,
                                   "started": time.strftime("%H:%M:%S"), "mvisor": [], "qemu": []}
        for rnd in range(self.a.pss_pairs):
            for engine in self.order(rnd):
                o = self.pss_mvisor(rnd, n) if engine == "mvisor" else self.pss_qemu(rnd, n)
                r[engine].append(o)
                log(f"pss round {rnd} {engine}: {o}")
                self.checkpoint()

    # -- report --------------------------------------------------------------------------------

    def checkpoint(self):
        try:
            write_report(self.results, self.a.out)
        except Exception as e:  # a report that cannot be drawn yet must not stop the measuring
            log(f"report not written: {e!r}")


def write_report(res, outdir):
    a = res["args"]
    L = [f"# make bench-disk ({res['started']})", ""]
    loads = res["load"]
    for e in res.get("earlier", []):
        L.append(f"Earlier invocation kept (--keep): started {e['started']}, --only {e['args']['only']}, "
                 f"{e['args']['pairs']} pairs.")
    L.append("Host load average (1, 5, 15 min) at start: " + ", ".join(num(x, 2) for x in loads[0]) +
             (("; at end: " + ", ".join(num(x, 2) for x in loads[-1])) if len(loads) > 1 else "") +
             f"; {os.cpu_count()} host CPUs. Every figure: the median of the pairs (min–max).")
    L.append("")
    panels = []
    if res["dd"]:
        dd = res["dd"]
        mib = dd["size_mib"]
        L += [f"## Sequential throughput: dd bs=1M count={mib} with O_DIRECT in the guest "
              f"(-drive cache={dd['cache']}; the write ending with "
              f"{'conv=fsync' if dd.get('fsync', 'on') == 'on' else 'no fsync'}; "
              f"{dd['pairs']} pairs from {dd['started']})", "",
              "Host seconds from the command typed to its end (lower is better); MiB/s from the median.", "",
              "| image | op | mvisor s | QEMU s | mvisor/QEMU (target ≤ 0.8x) | host dd s (the limit) | mvisor MiB/s | QEMU MiB/s | host MiB/s | mvisor/QEMU by the guests' `time` |",
              "|---|---|---|---|---|---|---|---|---|---|"]
        groups, ser = [], {"mvisor (dbt)": [], "qemu": [], "host dd (native)": []}
        for fmt, r in dd["formats"].items():
            for op in ("read", "write"):
                m, q, h = summ(r["mvisor"], op), summ(r["qemu"], op), summ(r["host"], op)
                rt = ratios(r["mvisor"], r["qemu"], op)
                rate = lambda s: num(mib / s.median) if s else "-"  # noqa: E731
                L.append(f"| {fmt} | {op} | {cell(m)} | {cell(q)} | {ratio_cell(rt)} | {cell(h)} | "
                         f"{rate(m)} | {rate(q)} | {rate(h)} | {ratio_cell(ratios(r['mvisor'], r['qemu'], op + '_guest'))} |")
                groups.append(f"{fmt} {op}")
                ser["mvisor (dbt)"].append(m)
                ser["qemu"].append(q)
                ser["host dd (native)"].append(h)
        errs = [(fmt, e, i, r.get("error")) for fmt, rr in dd["formats"].items() for e in ("mvisor", "qemu")
                for i, r in enumerate(rr[e]) if r.get("error")]
        for fmt, e, i, why in errs:
            L.append(f"\nFailed: dd {fmt} {e} round {i}: {why}")
        L.append("")
        panels.append((f"dd {mib} MiB, O_DIRECT, cache={dd['cache']}: seconds", groups, list(ser.items())))
        why = plot.bars(os.path.join(outdir, "dd.png"), panels[-1:], "host seconds (log)", "make bench-disk: dd")
        L += [f"Plot: dd.png{' not drawn: ' + why if why else ''}", ""]
    r = res["rootfs"]
    if r.get("mvisor") or r.get("qemu"):
        L += [f"## The Debian root file system (make rootfs), from a fresh qcow2 overlay ({r['pairs']} pairs from {r['started']})", "",
              f"Boot: launch to the console's `login:` (systemd). Package job: `dpkg -i` of "
              f"{len(r['packages'])} packages ({', '.join(r['packages'])}) from a second, read-only disk.", "",
              "| job | mvisor s | QEMU s | mvisor/QEMU |", "|---|---|---|---|"]
        groups, ser = [], {"mvisor (dbt)": [], "qemu": []}
        for key, label in (("boot", "boot to login:"), ("login", "login to shell"), ("dpkg", "dpkg -i")):
            m, q = summ(r["mvisor"], key), summ(r["qemu"], key)
            L.append(f"| {label} | {cell(m)} | {cell(q)} | {ratio_cell(ratios(r['mvisor'], r['qemu'], key))} |")
            if key != "login":
                groups.append(label)
                ser["mvisor (dbt)"].append(m)
                ser["qemu"].append(q)
        for e in ("mvisor", "qemu"):
            for i, x in enumerate(r[e]):
                if x.get("error"):
                    L.append(f"\nFailed: rootfs {e} round {i}: {x['error']}")
        L.append("")
        why = plot.bars(os.path.join(outdir, "rootfs.png"), [("Debian root file system: seconds", groups, list(ser.items()))],
                        "host seconds (log)", "make bench-disk: rootfs")
        L += [f"Plot: rootfs.png{' not drawn: ' + why if why else ''}", ""]
    p = res.get("pss") or {}
    if p.get("mvisor") or p.get("qemu"):
        n = p["vms"]
        L += [f"## {n} VMs booting the root file system from {n} qcow2 overlays of one raw base "
              f"({p['pairs']} pairs from {p['started']})", "",
              f"mvisor: one monitor, --vm-config with {n} VMs{(' (' + p['mvisor_args'] + ')') if p['mvisor_args'] else ''}; "
              f"QEMU: {n} processes. Each VM -m 256, `root=/dev/vda`, to `login:` on every console, then "
              f"{p['settle']} s to settle before the host PSS (smaps_rollup, summed over the QEMU processes) "
              "and the bytes the processes read from files (rchar: kernel, initramfs and images) are taken. "
              "`base read into the cache` is what mvisor's buffer cache read from the base file (QMP "
              "query-buffer-cache host-bytes); `guest reads` what the guests read from their disks in all "
              "(QMP query-blockstats rd_bytes).", "",
              "| figure | mvisor | QEMU | mvisor/QEMU |", "|---|---|---|---|"]
        for key, label in (("pss_mib", "host PSS MiB (target ≤ 0.5x)"), ("rchar_mib", "bytes read from files, MiB"),
                           ("guest_read_mib", "guest reads, MiB (all VMs)"), ("boot_last", "launch to the last login:, s")):
            m, q = summ(p["mvisor"], key), summ(p["qemu"], key)
            L.append(f"| {label} | {cell(m)} | {cell(q)} | {ratio_cell(ratios(p['mvisor'], p['qemu'], key))} |")
        for key, label in (("base_host_mib", "base read into the buffer cache, MiB"),
                           ("mapped_mib", "guest reads served by mapping cache pages, MiB"),
                           ("copied_mib", "guest reads copied from the cache, MiB"),
                           ("direct_mib", "guest reads past the cache (overlays), MiB")):
            L.append(f"| {label} | {cell(summ(p['mvisor'], key))} | - | - |")
        for e in ("mvisor", "qemu"):
            for i, x in enumerate(p[e]):
                if x.get("error"):
                    L.append(f"\nFailed: pss {e} round {i}: {x['error']}")
        L.append("")
    with open(os.path.join(outdir, "summary.md"), "w") as f:
        f.write("\n".join(L))
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump(res, f, indent=1)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mvisor", default="build/mvisor")
    p.add_argument("--qemu", default="qemu-system-mipsel")
    p.add_argument("--kernel", default="build/guest/vmlinuz")
    p.add_argument("--initrd", default="build/initramfs.cpio.gz")
    p.add_argument("--rootfs", default="build/rootfs/base.img", help="the raw root file system image (make rootfs)")
    cache = os.environ.get("MVISOR_CACHE") or os.path.expanduser("~/.cache/mvisor")
    p.add_argument("--debs", default=os.path.join(cache, "bench-debs"),
                   help="folder of mipsel .debs for the dpkg job (filled by apt-get download)")
    p.add_argument("--deb-packages", default="less,bzip2,xz-utils,file,libmagic1,libmagic-mgc,nano,"
                   "libncursesw6,psmisc,procps,libproc2-0",
                   help="the packages of the dpkg job (their dependencies must be in the rootfs or the list)")
    p.add_argument("--out", default="build/bench-disk")
    p.add_argument("--pairs", type=int, default=5)
    p.add_argument("--size-mib", type=int, default=256)
    p.add_argument("--formats", default="raw,qcow2")
    p.add_argument("--cache", default="none", choices=["none", "writeback", "unsafe"])
    p.add_argument("--dd-fsync", default="on", choices=["on", "off"],
                   help="the write dd ends with conv=fsync (guest and host), so a write-back cache's "
                        "drain and the FLUSH are in its time (off: the figures from before the "
                        "write-back cache)")
    p.add_argument("--only", default=",".join(BENCHMARKS))
    p.add_argument("--keep", action="store_true",
                   help="keep the other benchmarks' results already in --out (run them apart)")
    p.add_argument("--pss-vms", type=int, default=8, help="VMs of the pss benchmark")
    p.add_argument("--pss-pairs", type=int, default=1, help="rounds of the pss benchmark (each boots 2 x --pss-vms systems)")
    p.add_argument("--pss-settle", type=float, default=10, help="seconds after the last login: before sampling")
    p.add_argument("--pss-timeout", type=float, default=1800)
    p.add_argument("--pss-mvisor-args", default="", help="more mvisor options for pss (e.g. --page-sharing)")
    p.add_argument("--boot-timeout", type=float, default=600)
    p.add_argument("--op-timeout", type=float, default=900)
    a = p.parse_args()
    a.formats = a.formats.split(",")
    only = a.only.split(",")
    for b in only:
        if b not in BENCHMARKS:
            p.error(f"unknown benchmark {b} (choose from {', '.join(BENCHMARKS)})")
    if ("rootfs" in only or "pss" in only) and not os.path.exists(a.rootfs):
        p.error(f"no {a.rootfs} (make rootfs)")
    if shutil.which(a.qemu) is None:
        p.error(f"no {a.qemu}")
    os.makedirs(a.out, exist_ok=True)
    b = Bench(a)
    prev = os.path.join(a.out, "results.json")
    if a.keep and os.path.exists(prev):
        # another invocation's benchmarks stay in the report; the ones run now replace theirs
        with open(prev) as f:
            old = json.load(f)
        for name in BENCHMARKS:
            if name not in only and old.get(name):
                b.results[name] = old[name]
        b.results["load"] = old.get("load", [])[:1] + b.results["load"]
        b.results["earlier"] = old.get("earlier", []) + [{"started": old.get("started"), "args": old.get("args")}]
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
