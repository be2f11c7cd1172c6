#!/usr/bin/env python3
"""The stock kernel on a virtio-blk disk (tests/boot/run-disk.sh drives it).

Boots the default initramfs (which loads virtio_pci, virtio_blk and ext4) with an ext4 image on
virtio-blk-pci, on mvisor or on qemu-system-mipsel with the same -drive/-device options, and
checks from inside the guest:
  - the PCI function: vendor 0x1af4, device 0x1001, subsystem 0x0002, class 0x010000, and its
    IRQ (what Linux routed); written to --facts so the suite compares mvisor with QEMU;
  - /sys/block/vda/size is the image's size in sectors, /sys/block/vda/ro as asked;
  - the disk's interrupt line in /proc/interrupts counts (virtio0 on IRQ 10 or 11);
  - mount, md5sum of the file put in the image by the host, a file written and synced, umount;
  - a read-only drive: writes fail with an I/O error or EROFS, the mount is read-only;
  - with --expect-file, files an earlier boot (maybe on the other monitor) wrote; with
    --dev-md5, the md5 of the whole disk as the guest reads it before its mount and after its
    umount (the suite compares it with the other monitor's and with qemu-img's reading);
then powers off. The suite then reads the written file out of the image on the host.
"""

import argparse
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guest import Guest, GuestError, PROMPT  # noqa: E402

BOOT_TIMEOUT = 600
CMD_TIMEOUT = 120


class Checks:
    def __init__(self):
        self.failed = 0
        self.facts = {}

    def ok(self, name, cond, why=""):
        print(("ok %s" % name) if cond else ("FAIL %s: %s" % (name, why)))
        sys.stdout.flush()
        if not cond:
            self.failed += 1
        return cond


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--name", required=True)
    p.add_argument("--log-dir", required=True)
    p.add_argument("--monitor", required=True, help="mvisor or qemu-system-mipsel binary")
    p.add_argument("--qemu", action="store_true", help="the monitor is QEMU")
    p.add_argument("--kernel", required=True)
    p.add_argument("--initrd", required=True)
    p.add_argument("--disk-args", required=True, help="the -drive/-device options, one string, split on blanks")
    p.add_argument("--sectors", type=int, required=True)
    p.add_argument("--md5", required=True, help="md5 of /known.txt in the image")
    p.add_argument("--readonly", action="store_true")
    p.add_argument("--write-text", default="", help="write this into /written.txt on the disk")
    p.add_argument("--exec-from-disk", action="store_true",
                   help="run /mnt/A and /mnt/B (tests/disk/progs/which.S) swapped under one name, from the disk")
    p.add_argument("--vdb-md5", default="", help="a second disk (vdb, same image contents): read both at once")
    p.add_argument("--write-name", default="written.txt", help="the file --write-text goes to")
    p.add_argument("--expect-file", action="append", default=[], metavar="NAME=TEXT",
                   help="a file an earlier boot wrote: /mnt/NAME must hold TEXT")
    p.add_argument("--copy-to-vdb", action="store_true",
                   help="after the umount, copy all of /dev/vda onto /dev/vdb (a raw disk the host then "
                        "compares with vda's image: this monitor's reading of it)")
    p.add_argument("--dev-md5", action="store_true",
                   help="md5 of all of /dev/vda before the mount and after the umount, into the facts")
    p.add_argument("--write-cache", default="",
                   help="what /sys/block/vda/queue/write_cache must say (write back, write through)")
    p.add_argument("--facts", required=True)
    a = p.parse_args()

    argv = [a.monitor, "-M", "malta", "-m", "256", "-kernel", a.kernel, "-initrd", a.initrd,
            "-append", "console=ttyS0 panic=-1", "-nographic"] + a.disk_args.split()
    if a.qemu:
        argv += ["-net", "none", "-vga", "none"]
    os.makedirs(a.log_dir, exist_ok=True)
    g = Guest(argv, os.path.join(a.log_dir, a.name + ".console"), os.path.join(a.log_dir, a.name + ".stderr"))
    c = Checks()
    try:
        g.expect(r"Run /init as init process", BOOT_TIMEOUT, "the kernel to start /init")
        g.expect(re.escape(PROMPT), 300, "the shell prompt")
        g.run("dmesg -n 1", CMD_TIMEOUT)
        out, _ = g.run("for d in /sys/bus/pci/devices/*; do echo $(basename $d) $(cat $d/vendor $d/device "
                       "$d/subsystem_device $d/class $d/irq); done", CMD_TIMEOUT)
        pci = sorted(l.split() for l in out.strip().splitlines() if l.strip())
        c.facts["pci"] = [" ".join(x) for x in pci]
        blk = [x for x in pci if len(x) == 6 and x[1] == "0x1af4" and x[2] == "0x1001"]
        c.ok("pci-virtio-blk", len(blk) == (2 if a.vdb_md5 or a.copy_to_vdb else 1), "PCI devices: %s" % c.facts["pci"])
        if blk:
            c.ok("pci-subsystem", blk[0][3] == "0x0002", "subsystem %s" % blk[0][3])
            c.ok("pci-class", blk[0][4] == "0x010000", "class %s" % blk[0][4])
            c.ok("pci-irq", blk[0][5] in ("10", "11"), "irq %s" % blk[0][5])
        out, st = g.run("cat /sys/block/vda/size /sys/block/vda/ro", CMD_TIMEOUT)
        vals = out.split()
        c.facts["vda"] = vals
        c.ok("vda-size", st == 0 and vals[:1] == [str(a.sectors)], "size %r, expected %d" % (vals, a.sectors))
        c.ok("vda-ro", vals[1:2] == (["1"] if a.readonly else ["0"]), "ro %r" % vals[1:2])
        if a.write_cache:
            out, st = g.run("cat /sys/block/vda/queue/write_cache", CMD_TIMEOUT)
            c.facts["write_cache"] = out.strip()
            c.ok("vda-write-cache", st == 0 and out.strip() == a.write_cache,
                 "write_cache %r, expected %r" % (out.strip(), a.write_cache))
        if a.dev_md5:
            out, st = g.run("md5sum /dev/vda", CMD_TIMEOUT)
            c.facts["dev_md5_before"] = out.split()[0] if st == 0 and out.split() else ""
        opts = "-o ro" if a.readonly else ""
        out, st = g.run("mount -t ext4 %s /dev/vda /mnt && md5sum /mnt/known.txt" % opts, CMD_TIMEOUT)
        c.ok("mount-md5", st == 0 and a.md5 in out, "mount/md5sum said %r (status %d)" % (out, st))
        for e in a.expect_file:
            name, text = e.split("=", 1)
            out, st = g.run("cat /mnt/%s" % name, CMD_TIMEOUT)
            c.ok("file-" + name, st == 0 and out.strip() == text, "/mnt/%s holds %r, expected %r" % (name, out, text))
        out, _ = g.run("md5sum /mnt/rand.bin", CMD_TIMEOUT)
        c.facts["rand_md5"] = out.split()[0] if out.split() else ""
        if a.exec_from_disk:
            # /mnt/A and /mnt/B differ in one instruction (the letter they print). Copy one over
            # /mnt/X with O_DIRECT (the page cache of X is dropped), drop every cache, run X: its
            # code comes in by the device's DMA and must be what the disk holds. (With the DMA's
            # write hook removed on purpose this still passed in two trials, so it is no test of
            # code invalidation; test_virtio_blk checks the hook itself.)
            want, cmds = [], []
            for i in range(6):
                src = "AB"[i % 2]
                want.append(src)
                cmds.append("dd if=/mnt/%s of=/mnt/X bs=512 count=2 conv=notrunc oflag=direct 2>/dev/null; "
                            "echo 3 > /proc/sys/vm/drop_caches; /mnt/X" % src)
            out, st = g.run("cp /mnt/A /mnt/X; " + "; ".join(cmds), CMD_TIMEOUT)
            got = "".join(l.strip() for l in out.splitlines() if l.strip() in ("A", "B"))
            c.ok("exec-from-disk", st == 0 and got == "".join(want), "runs printed %r, expected %r" % (got, "".join(want)))
        if a.readonly:
            out, st = g.run("echo x > /mnt/nope.txt", CMD_TIMEOUT)
            c.ok("ro-write-refused", st != 0, "a write to the read-only mount succeeded")
            out, st = g.run("dd if=/dev/zero of=/dev/vda bs=512 count=1 oflag=direct 2>&1", CMD_TIMEOUT)
            c.ok("ro-raw-write-refused", st != 0, "a raw write to the read-only disk succeeded: %r" % out)
        else:
            out, st = g.run("echo '%s' > /mnt/%s && sync && umount /mnt && sync" % (a.write_text, a.write_name),
                            CMD_TIMEOUT)
            c.ok("write-sync-umount", st == 0, "status %d: %r" % (st, out))
            if a.dev_md5:
                out, st = g.run("md5sum /dev/vda", CMD_TIMEOUT)
                c.facts["dev_md5_after"] = out.split()[0] if st == 0 and out.split() else ""
            if a.copy_to_vdb:
                out, st = g.run("dd if=/dev/vda of=/dev/vdb bs=1M conv=fsync 2>&1", CMD_TIMEOUT)
                c.ok("copy-to-vdb", st == 0, "dd said %r (status %d)" % (out, st))
        if a.vdb_md5:
            # Two disks whose INTA share IRQ 10 (slots 0x12 and 0x13: PIRQ A and B), read at once
            # from a cold cache: an interrupt lost on the shared line hangs one of the readers.
            out, st = g.run("mkdir -p /mnt2 && mount -t ext4 -o ro /dev/vdb /mnt2 && "
                            "echo 3 > /proc/sys/vm/drop_caches && "
                            "(dd if=/dev/vda of=/dev/null bs=16k iflag=direct 2>/dev/null & md5sum /mnt2/rand.bin & wait)", CMD_TIMEOUT)
            c.ok("vdb-md5", st == 0 and a.vdb_md5 in out, "vdb said %r" % out)
            out, _ = g.run("grep virtio /proc/interrupts", CMD_TIMEOUT)
            c.ok("shared-irq", len(re.findall(r"^\s*10:.*virtio0.*virtio1|^\s*10:.*virtio1.*virtio0", out, re.M)) == 1,
                 "virtio0 and virtio1 do not share IRQ 10: %r" % out)
        out, _ = g.run("grep virtio /proc/interrupts", CMD_TIMEOUT)
        c.facts["interrupts"] = out.strip()
        m = re.search(r"^\s*(\d+):\s+(\d+)", out, re.M)
        c.ok("virtio-interrupts", m is not None and int(m.group(2)) > 0, "/proc/interrupts: %r" % out)
        if m:
            c.facts["irq"] = m.group(1)
        log, _ = g.run("dmesg", CMD_TIMEOUT)
        c.ok("no-oops", not any(b in log for b in ("Oops", "BUG:", "Call Trace")), "kernel log has an oops")
        c.ok("no-io-error", a.readonly or "I/O error" not in log, "kernel log has I/O errors")
        g.send("poweroff -f\n")
        st = g.wait_exit(120)
        c.ok("poweroff", st == 0, "exit status %s" % st)
    except GuestError as e:
        c.ok("scenario", False, str(e))
    finally:
        g.close()
    c.facts["seconds"] = round(g.elapsed(), 1)
    with open(a.facts, "w") as f:
        json.dump(c.facts, f, indent=1)
    print("%s: %d check(s) failed, %.1f s" % (a.name, c.failed, g.elapsed()))
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
