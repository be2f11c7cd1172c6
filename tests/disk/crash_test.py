#!/usr/bin/env python3
"""Crash a guest that writes durable records, many times over, and check the disk each time
(tests/disk/run.sh drives it; the guest program is tests/disk/progs/records.c, in the image).

Each round boots the stock kernel on IMAGE (raw or qcow2), mounts it (the guest replays its
journal), starts `/mnt/records /mnt K` (round K writes rec.K and bulk.K, printing "synced N"
once record N is durable) and ends mvisor at a random moment within the first seconds:
  --mode kill    kill -9: the host page cache keeps what mvisor wrote, so this finds writes in
                 the wrong order (qcow2 metadata) but not a missing fdatasync;
  --mode power   the drive is x-lossy (devices/block's power-failure backend): host writes stay
                 in mvisor's memory until a host flush; rounds alternate kill -9 (every unflushed
                 write lost) and SIGTERM with a seed (blk_power_fail: a pseudo-random subset of
                 the unflushed writes reaches the file, in any order, as a disk's cache might),
                 and a SIGTERM round's --profile shows the disk's guest and host flushes.
After each round, on the host: `qemu-img check` finds no corruption (exit 0, or 3 for leaked
clusters, which are counted), a copy of the disk with its journal replayed (`e2fsck -E
journal_only`) passes `e2fsck -fn`, and in that copy every record and chunk of every round up to
the last "synced" line that round printed is there, byte for byte. The next round boots the image
itself, not the copy.
"""

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "boot"))
from guest import Guest, GuestError, PROMPT  # noqa: E402

REC_BYTES = 200      # tests/disk/progs/records.c
CHUNK_BYTES = 32768
CHUNK_EVERY = 8


def gen(seed):
    """records.c's generator: s = s * 1103515245 + 12345 (32 bits), yield s >> 8."""
    s = seed & 0xFFFFFFFF
    while True:
        s = (s * 1103515245 + 12345) & 0xFFFFFFFF
        yield s >> 8


def record(k, i):
    head = ("%u:%u:" % (k, i)).encode()
    g = gen((k * 2654435761) ^ i)
    body = bytes(ord("a") + next(g) % 26 for _ in range(REC_BYTES - 1 - len(head)))
    return head + body + b"\n"


def chunk(k, j):
    g = gen((k * 2654435761) ^ (1000000 + j))
    return b"".join((next(g) & 0xFFFFFFFF).to_bytes(4, "little") for _ in range(CHUNK_BYTES // 4))


def sh(argv, log):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = r.stdout.decode(errors="replace")
    log.write("$ %s\n%s[exit %d]\n" % (" ".join(argv), out, r.returncode))
    log.flush()
    return r.returncode, out


class Run:
    def __init__(self, a):
        self.a = a
        self.failed = 0
        self.leaks = 0
        self.synced = {}   # round -> last record reported durable (-1: none)
        self.log = open(os.path.join(a.log_dir, a.name + ".host.log"), "w")

    def fail(self, what):
        print("FAIL %s" % what)
        sys.stdout.flush()
        self.failed += 1

    def boot_and_crash(self, k, rng):
        a = self.a
        lossy = ""
        how = "kill"
        if a.mode == "power":
            if k % 2:
                how = "term"
                lossy = ",x-lossy=%d" % rng.randrange(1, 1 << 62)
            else:
                lossy = ",x-lossy=on"
        prof = os.path.join(a.work, "%s-%d.profile.json" % (a.name, k))
        if os.path.exists(prof):
            os.unlink(prof)
        argv = [a.monitor, "-M", "malta", "-m", "256", "-kernel", a.kernel, "-initrd", a.initrd,
                "-append", "console=ttyS0 panic=-1", "-nographic",
                "-drive", "file=%s,format=%s,if=virtio,cache=%s%s" % (a.image, a.format, a.cache, lossy)]
        if how == "term":
            argv.append("--profile=json:" + prof)
        base = os.path.join(a.log_dir, "%s-%d" % (a.name, k))
        g = Guest(argv, base + ".console", base + ".stderr")
        # The window is wall-clock time for the guest to write in: on a loaded host (other
        # tests beside this one) stretch it by the load, as tests/lib.sh stretches timeouts, or
        # the guest may not have written one record when the end comes.
        delay = rng.uniform(0.2, a.window) * load_scale()
        try:
            g.expect(re.escape(PROMPT), 300, "the shell prompt")
            g.run("dmesg -n 1", 60)
            out, st = g.run("mount -t ext4 /dev/vda /mnt", 120)
            if st != 0:
                self.fail("round %d: mount failed: %r" % (k, out))
            g.send("/mnt/records /mnt %d\n" % k)
            t_end = time.monotonic() + delay
            while time.monotonic() < t_end and g.proc.poll() is None:
                g._pump(min(0.05, max(0.0, t_end - time.monotonic())))
        except GuestError as e:
            self.fail("round %d: %s" % (k, e))
        if how == "term":
            g.proc.send_signal(signal.SIGTERM)
        else:
            g.proc.kill()
        try:
            st = g.wait_exit(60)   # drains the console: what was printed before the end counts
        except GuestError as e:
            self.fail("round %d: %s" % (k, e))
            st = None
        g.close()
        nums = [int(m) for m in re.findall(r"^synced (\d+)\r?$", g.out, re.M)]
        self.synced[k] = max(nums) if nums else -1
        errs = re.findall(r"records: .*", g.out)
        if errs:
            self.fail("round %d: the guest program failed: %s" % (k, errs[0]))
        print("round %d: %s after %.2f s, %d records durable, mvisor exit %s"
              % (k, "SIGTERM (power fails, seeded)" if how == "term" else "kill -9", delay, self.synced[k] + 1, st))
        if how == "term":
            self.check_profile(k, prof)

    def check_profile(self, k, prof):
        try:
            with open(prof) as f:
                d = json.load(f)["disks"][0]
        except (OSError, ValueError, KeyError, IndexError) as e:
            self.fail("round %d: no --profile disk figures (%s)" % (k, e))
            return
        gf, hf = d["guest_flushes"], d["host_flushes"]
        print("round %d: --profile: %d guest flushes, %d host flushes (%.2f per guest flush)"
              % (k, gf, hf, d["host_flushes_per_guest_flush"]))
        # A raw image's flush is one fdatasync; a qcow2 one adds one per metadata step it orders.
        if self.a.cache == "unsafe":
            ok = gf > 0 and hf == 0
        else:
            ok = gf > 0 and (hf == gf if self.a.format == "raw" else gf <= hf <= 6 * gf)
        if not ok:
            self.fail("round %d: host flushes %d for %d guest flushes on %s" % (k, hf, gf, self.a.format))

    def check_image(self, k):
        a = self.a
        copy = os.path.join(a.work, a.name + "-copy.raw")
        if a.format == "qcow2":
            rc, out = sh(["qemu-img", "check", "-f", "qcow2", a.image], self.log)
            m = re.search(r"(\d+) leaked clusters", out)
            leaked = int(m.group(1)) if m else 0
            self.leaks += leaked
            if rc not in (0, 3) or "ERROR" in out or "corruption" in out.lower():
                self.fail("round %d: qemu-img check exit %d: %s" % (k, rc, out.strip().splitlines()[-1:]))
            elif leaked:
                print("round %d: qemu-img check: %d leaked clusters (allowed)" % (k, leaked))
            rc, out = sh(["qemu-img", "convert", "-f", "qcow2", "-O", "raw", a.image, copy], self.log)
        else:
            shutil.copyfile(a.image, copy)
            rc = 0
        if rc != 0:
            self.fail("round %d: cannot copy the disk" % k)
            return
        rc, out = sh(["e2fsck", "-E", "journal_only", "-y", copy], self.log)
        if rc not in (0, 1):
            self.fail("round %d: e2fsck -E journal_only exit %d" % (k, rc))
        rc, out = sh(["e2fsck", "-fn", copy], self.log)
        if rc != 0:
            self.fail("round %d: e2fsck -fn exit %d after the journal replay: %s" % (k, rc, out.strip()[-300:]))
        # Every round's durable records and chunks, out of the copy.
        cmds = os.path.join(a.work, a.name + "-debugfs.cmd")
        with open(cmds, "w") as f:
            for j in self.synced:
                for n in ("rec", "bulk"):
                    f.write("dump /%s.%d %s/%s-%s.%d\n" % (n, j, a.work, a.name, n, j))
        sh(["debugfs", "-f", cmds, copy], self.log)
        for j, s in sorted(self.synced.items()):
            if s < 0:
                continue
            try:
                with open("%s/%s-rec.%d" % (a.work, a.name, j), "rb") as f:
                    rec = f.read()
                with open("%s/%s-bulk.%d" % (a.work, a.name, j), "rb") as f:
                    bulk = f.read()
            except OSError as e:
                self.fail("round %d: rec/bulk of round %d missing: %s" % (k, j, e))
                continue
            bad = [i for i in range(s + 1) if rec[i * REC_BYTES:(i + 1) * REC_BYTES] != record(j, i)]
            if bad:
                self.fail("round %d: round %d's records %s... not as written (%d durable, file %d bytes)"
                          % (k, j, bad[:5], s + 1, len(rec)))
            badc = [c for c in range(s // CHUNK_EVERY + 1)
                    if bulk[c * CHUNK_BYTES:(c + 1) * CHUNK_BYTES] != chunk(j, c)]
            if badc:
                self.fail("round %d: round %d's chunks %s... not as written" % (k, j, badc[:5]))
            for p in ("rec", "bulk"):
                os.unlink("%s/%s-%s.%d" % (a.work, a.name, p, j))
        os.unlink(copy)


def load_scale():
    """TEST_TIMEOUT_SCALE if set, else the 1-minute load average per processor, 1 to 10."""
    if os.environ.get("TEST_TIMEOUT_SCALE"):
        return float(os.environ["TEST_TIMEOUT_SCALE"])
    return min(10.0, max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1)))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--name", required=True)
    p.add_argument("--log-dir", required=True)
    p.add_argument("--work", required=True, help="scratch folder")
    p.add_argument("--monitor", required=True)
    p.add_argument("--kernel", required=True)
    p.add_argument("--initrd", required=True)
    p.add_argument("--image", required=True)
    p.add_argument("--format", choices=("raw", "qcow2"), required=True)
    p.add_argument("--mode", choices=("kill", "power"), default="kill")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--cache", default="writeback", help="the drive's cache= (unsafe: the harness's own check, "
                   "which must then find records lost)")
    p.add_argument("--window", type=float, default=2.5, help="the end comes 0.2..WINDOW s after the start (times the load scale, load_scale)")
    p.add_argument("--seed", type=int, default=None)
    a = p.parse_args()
    seed = a.seed if a.seed is not None else random.randrange(1 << 31)
    print("%s: %d rounds, --seed %d reproduces the moments" % (a.name, a.rounds, seed))
    rng = random.Random(seed)
    r = Run(a)
    for k in range(a.rounds):
        r.boot_and_crash(k, rng)
        r.check_image(k)
    total = sum(s + 1 for s in r.synced.values())
    print("%s: %d check(s) failed; %d durable records over %d rounds, %d leaked clusters in all"
          % (a.name, r.failed, total, a.rounds, r.leaks))
    if total < a.rounds:
        print("FAIL too few records written to test anything")
        r.failed += 1
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
