"""The Debian root file system of make rootfs, booted for real (suite rootfs-long, make check-long).

  The pinned kernel and the default initramfs with root=/dev/vda: a fresh qcow2 overlay over
  the cached raw base as vda, and a small read-only ext4 image holding one cached .deb
  (--deb) as vdb. Checks, in order:
    login       systemd boots to the serial console's `login:`; root logs in (no password)
    dpkg-list   `dpkg -l | wc -l` is the host's count of the base's dpkg status file plus
                dpkg's five header lines, and every package is `ii`
    load-waits  the running systemd took make rootfs's fix-ups (scripts/rootfs-fixup.sh): a
                device's wait (DefaultDeviceTimeoutSec, 90 s when not set, what left a boot on
                a crowded host without a console) is 15 min, and udevd runs without a watchdog
    not-yet     the .deb's package is not installed in the base
    dpkg-i      `dpkg -i` of it from /mnt exits 0 and dpkg says `install ok installed`; the
                program it brings runs (bzip2 compresses and restores a line)
    poweroff    `poweroff` (systemd's clean shutdown) ends the monitor with status 0
    on-disk     on the host: `qemu-img check` of the overlay is clean, and the overlay's file
                system (converted to raw) passes `e2fsck -fn` and holds the package's files and
                its dpkg status, while the base image is unchanged (its checksum)
Prints one line per check; exit 1 if any failed.
"""

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "boot"))
from guest import Guest, GuestError  # noqa: E402

SHELL_PROMPT = r"root@[\w.-]+:~# "


def host_status(img):
    """The base's dpkg status file, read on the host with debugfs: package -> status."""
    out = subprocess.run(["debugfs", "-R", "cat /var/lib/dpkg/status", img], capture_output=True,
                         text=True, check=True).stdout
    pk = {}
    for stanza in out.split("\n\n"):
        m = re.search(r"^Package: (\S+)", stanza, re.M)
        s = re.search(r"^Status: (.+)$", stanza, re.M)
        if m and s:
            pk[m.group(1)] = s.group(1)
    return pk


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--monitor", required=True)
    p.add_argument("--kernel", required=True)
    p.add_argument("--initrd", required=True)
    p.add_argument("--base", required=True, help="the raw root file system (build/rootfs/base.img)")
    p.add_argument("--deb", required=True, help="bzip2's mipsel .deb (its dependencies are in the base)")
    p.add_argument("--work", required=True)
    p.add_argument("--log-dir", required=True)
    p.add_argument("--boot-timeout", type=float, default=900)
    a = p.parse_args()
    os.makedirs(a.work, exist_ok=True)
    os.makedirs(a.log_dir, exist_ok=True)
    failed = []

    def check(name, ok, why=""):
        print("%s %s%s" % ("ok  " if ok else "FAIL", name, (": " + why) if why and not ok else ""), flush=True)
        if not ok:
            failed.append(name)
        return ok

    base = os.path.realpath(a.base)
    base_sum = sha256(base)
    pkg = subprocess.run(["dpkg-deb", "-f", a.deb, "Package"], capture_output=True, text=True,
                         check=True).stdout.strip()
    status = host_status(base)
    ov = os.path.join(a.work, "root.qcow2")
    if os.path.exists(ov):
        os.unlink(ov)
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-b", base, "-F", "raw", ov], check=True)
    debs = os.path.join(a.work, "debs")
    os.makedirs(debs, exist_ok=True)
    for f in os.listdir(debs):
        os.unlink(os.path.join(debs, f))
    shutil.copy(a.deb, debs)
    debs_img = os.path.join(a.work, "debs.img")
    with open(debs_img, "wb") as f:
        f.truncate(16 << 20)
    subprocess.run(["mke2fs", "-q", "-F", "-t", "ext4", "-d", debs, debs_img], check=True)

    argv = [a.monitor, "-M", "malta", "-m", "256", "-kernel", a.kernel, "-initrd", a.initrd,
            "-append", "console=ttyS0 root=/dev/vda", "-nographic", "-no-reboot",
            "-drive", "file=%s,format=qcow2,if=virtio" % ov,
            "-drive", "file=%s,format=raw,if=virtio,readonly=on" % debs_img]
    g = Guest(argv, os.path.join(a.log_dir, "rootfs.console"), os.path.join(a.log_dir, "rootfs.stderr"))
    try:
        g.expect(r"login: ", a.boot_timeout, "login:")
        print("     login: after %.0f s" % g.elapsed(), flush=True)
        g.send("root\n")
        g.expect(SHELL_PROMPT, 300, "the root shell prompt")
        check("login", True)
        out, rc = g.run("dpkg -l | wc -l; dpkg -l | grep -c '^ii '", 300)
        nums = out.split()
        want = len(status)
        ok_all = sum(1 for s in status.values() if s == "install ok installed")
        check("dpkg-list", rc == 0 and nums == [str(want + 5), str(ok_all)] and ok_all == want,
              "guest says %s; the host's status file has %d packages, %d installed" % (nums, want, ok_all))
        out, rc = g.run("systemctl --no-pager show -p DefaultDeviceTimeoutUSec; "
                        "systemctl --no-pager show -p WatchdogUSec systemd-udevd", 120)
        check("load-waits", rc == 0 and "DefaultDeviceTimeoutUSec=15min" in out.split()
              and "WatchdogUSec=0" in out.split(), out.strip())
        out, rc = g.run("dpkg-query -W -f='${Status}\\n' %s 2>&1" % pkg, 120)
        check("not-yet", pkg not in status and "install ok installed" not in out, out.strip())
        out, rc = g.run("mount -o ro /dev/vdb /mnt && dpkg -i /mnt/*.deb >/tmp/dpkg.log 2>&1; echo dpkg=$?; "
                        "dpkg-query -W -f='${Status}\\n' %s; echo mvisor-rootfs | bzip2 | bzip2 -d; umount /mnt" % pkg, 600)
        check("dpkg-i", rc == 0 and "dpkg=0" in out and "install ok installed" in out and "mvisor-rootfs" in out,
              out.strip()[-300:])
        g.send("poweroff\n")
        st = g.wait_exit(300)
        check("poweroff", st == 0, "mvisor status %s" % st)
    except GuestError as e:
        check("guest", False, str(e))
    finally:
        g.close()

    r = subprocess.run(["qemu-img", "check", ov], capture_output=True, text=True)
    check("qemu-img-check", r.returncode == 0, r.stdout.strip()[-200:] + r.stderr.strip()[-200:])
    with tempfile.TemporaryDirectory(dir=a.work) as tmp:
        raw = os.path.join(tmp, "root.raw")
        subprocess.run(["qemu-img", "convert", "-f", "qcow2", "-O", "raw", ov, raw], check=True)
        r = subprocess.run(["e2fsck", "-fn", raw], capture_output=True, text=True)
        check("e2fsck", r.returncode == 0, (r.stdout + r.stderr).strip()[-300:])
        after = host_status(raw)
        st = subprocess.run(["debugfs", "-R", "stat /usr/bin/bzip2", raw], capture_output=True, text=True).stdout
        check("on-disk", after.get(pkg) == "install ok installed" and "Type: regular" in st,
              "status %r, /usr/bin/bzip2: %s" % (after.get(pkg), st.strip()[:200]))
    check("base-unchanged", sha256(base) == base_sum)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
