#!/usr/bin/env python3
"""A qcow2 image whose corruption only shows once the guest reads it (tests/disk/run.sh).

    corrupt_test.py make IMAGE.qcow2 GUEST_OFFSET     break the L2 entry that maps GUEST_OFFSET
    corrupt_test.py boot --monitor ... --image IMAGE.qcow2 --log-dir DIR

`make` points the data cluster holding GUEST_OFFSET (the middle of a large file the host put in
the image, so the cluster holds nothing else) at a cluster far past the end of the file, leaving the header, the L1 table and the
refcounts valid, so mvisor opens the image (its open checks the header and the tables, not every
L2 entry). `boot` then mounts the disk read-only in the guest and reads that file: the read
must fail with an I/O error in the guest (the request's VIRTIO_BLK_S_IOERR), while another
file reads fine, the guest powers off and mvisor exits 0 (never a crash).
"""

import argparse
import os
import re
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "boot"))
from guest import Guest, GuestError, PROMPT  # noqa: E402

OFFSET_MASK = 0x00FFFFFFFFFFFE00  # qcow2 L1/L2 entry offset bits (QEMU docs/interop/qcow2.txt)


def make(image, guest_off):
    """QEMU docs/interop/qcow2.txt: cluster_bits at 20, l1_table_offset at 40 (big-endian)."""
    with open(image, "r+b") as f:
        hdr = f.read(104)
        cluster_bits = struct.unpack(">I", hdr[20:24])[0]
        l1_off = struct.unpack(">Q", hdr[40:48])[0]
        cs = 1 << cluster_bits
        l2_entries = cs // 8
        l1_index = guest_off // (cs * l2_entries)
        f.seek(l1_off + 8 * l1_index)
        l2_off = struct.unpack(">Q", f.read(8))[0] & OFFSET_MASK
        if not l2_off:
            sys.exit("corrupt_test: offset %d is not allocated in %s" % (guest_off, image))
        pos = l2_off + 8 * ((guest_off // cs) % l2_entries)
        f.seek(pos)
        entry = struct.unpack(">Q", f.read(8))[0]
        if not entry & OFFSET_MASK:
            sys.exit("corrupt_test: the cluster of offset %d has no data in %s" % (guest_off, image))
        far = (1 << 40) & ~(cs - 1)  # a terabyte into a file of a few MiB
        f.seek(pos)
        f.write(struct.pack(">Q", (entry & ~OFFSET_MASK) | far))
    print("L2 entry at %#x: %#x -> %#x" % (pos, entry, (entry & ~OFFSET_MASK) | far))


def boot(a):
    argv = [a.monitor, "-M", "malta", "-m", "128", "-kernel", a.kernel, "-initrd", a.initrd,
            "-append", "console=ttyS0 panic=-1", "-nographic",
            "-drive", "file=%s,format=qcow2,if=virtio,readonly=on" % a.image]
    g = Guest(argv, os.path.join(a.log_dir, "corrupt-later.console"), os.path.join(a.log_dir, "corrupt-later.stderr"))
    failed = 0

    def check(name, cond, why):
        nonlocal failed
        print(("ok %s" % name) if cond else ("FAIL %s: %s" % (name, why)))
        failed += not cond

    try:
        g.expect(re.escape(PROMPT), 300, "the shell prompt")
        g.run("dmesg -n 1", 60)
        out, st = g.run("mount -t ext4 -o ro /dev/vda /mnt", 120)
        check("mount", st == 0, "mount said %r" % out)
        out, st = g.run("cat /mnt/%s > /dev/null" % a.broken_file, 120)
        check("read-fails", st != 0, "reading the file over the broken entry succeeded")
        log, _ = g.run("dmesg | grep -c 'I/O error'", 60)
        check("guest-io-error", log.strip().isdigit() and int(log.strip()) > 0, "no I/O error in the kernel log: %r" % log)
        out, st = g.run("cat /mnt/known.txt", 60)
        check("other-file-reads", st == 0 and "known file" in out, "known.txt said %r" % out)
        g.send("poweroff -f\n")
        st = g.wait_exit(120)
        check("poweroff", st == 0, "exit status %s" % st)
    except GuestError as e:
        check("scenario", False, str(e))
    finally:
        g.close()
    with open(os.path.join(a.log_dir, "corrupt-later.stderr"), errors="replace") as f:
        err = f.read()
    sys.stdout.write(err)
    check("no-crash", "Segmentation" not in err and "Aborted" not in err and "AddressSanitizer" not in err,
          "mvisor's stderr: %r" % err[-300:])
    print("corrupt-later: %d check(s) failed" % failed)
    return 1 if failed else 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make")
    m.add_argument("image")
    m.add_argument("offset", type=int)
    b = sub.add_parser("boot")
    for o in ("--monitor", "--kernel", "--initrd", "--image", "--log-dir", "--broken-file"):
        b.add_argument(o, required=True)
    a = p.parse_args()
    if a.cmd == "make":
        make(a.image, a.offset)
        return 0
    return boot(a)


if __name__ == "__main__":
    sys.exit(main())
