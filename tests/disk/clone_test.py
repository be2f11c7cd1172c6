#!/usr/bin/env python3
"""N clones boot one writable image, each through its own overlay (tests/disk/run.sh drives it).

Starts `mvisor --clone N --run-dir RUN ... -drive file=IMAGE,if=virtio,id=d0`, attaches to each
clone's console socket (RUN/vmI.sock, with socat), and in each guest: mount /dev/vda, check the
file the image holds, write /written.txt = "by-vmI", umount, power off. The suite then checks on
the host that IMAGE is unchanged and that each RUN/vmI.d0.qcow2 holds its own clone's file.
"""

import argparse
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "boot"))
from guest import Guest, GuestError, PROMPT, kill_group, spawn  # noqa: E402
import subprocess  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--log-dir", required=True)
    p.add_argument("--monitor", required=True)
    p.add_argument("--kernel", required=True)
    p.add_argument("--initrd", required=True)
    p.add_argument("--image", required=True)
    p.add_argument("--run-dir", required=True)
    p.add_argument("--clones", type=int, default=2)
    p.add_argument("--md5", required=True, help="md5 of /known.txt in the image")
    a = p.parse_args()
    argv = [a.monitor, "-M", "malta", "-m", "128", "-kernel", a.kernel, "-initrd", a.initrd,
            "-append", "console=ttyS0 panic=-1", "--clone", str(a.clones), "--run-dir", a.run_dir,
            "-drive", "file=%s,format=raw,if=virtio,id=d0" % a.image]
    print("$ " + " ".join(argv))
    err = open(os.path.join(a.log_dir, "clone.stderr"), "wb")
    mon = spawn(argv, stdin=subprocess.DEVNULL, stdout=err, stderr=err)
    failed = 0
    guests = []
    try:
        for i in range(a.clones):
            sock = os.path.join(a.run_dir, "vm%d.sock" % i)
            deadline = time.monotonic() + 30
            while not os.path.exists(sock) and time.monotonic() < deadline and mon.poll() is None:
                time.sleep(0.05)
            g = Guest(["socat", "-", "UNIX-CONNECT:" + sock], os.path.join(a.log_dir, "clone-vm%d.console" % i),
                      os.path.join(a.log_dir, "clone-vm%d.socat" % i))
            guests.append(g)
        for i, g in enumerate(guests):
            g.expect(re.escape(PROMPT), 300, "vm%d's shell prompt" % i)
            g.run("dmesg -n 1", 60)
        for i, g in enumerate(guests):
            out, st = g.run("mount -t ext4 /dev/vda /mnt && md5sum /mnt/known.txt && echo by-vm%d > /mnt/written.txt"
                            " && umount /mnt && sync" % i, 120)
            ok = st == 0 and a.md5 in out
            print("%s vm%d-writes-its-disk%s" % ("ok" if ok else "FAIL", i, "" if ok else ": %r" % out))
            failed += not ok
        for g in guests:
            g.send("poweroff -f\n")
        st = mon.wait(60)
        print("%s monitor-exit: %d" % ("ok" if st == 0 else "FAIL", st))
        failed += st != 0
    except (GuestError, subprocess.TimeoutExpired) as e:
        print("FAIL scenario: %s" % e)
        failed += 1
    finally:
        for g in guests:
            g.close()
        kill_group(mon)
        err.close()
    with open(os.path.join(a.log_dir, "clone.stderr"), errors="replace") as f:
        sys.stdout.write(f.read())
    print("clone: %d check(s) failed" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
