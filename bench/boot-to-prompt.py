#!/usr/bin/python3
"""Boots the reference guest (Malta, 256 MiB, build/guest/vmlinuz + build/initramfs.cpio.gz,
real time) once and prints the host seconds from launch to the busybox prompt, the monitor's CPU
seconds for the whole run (boot, prompt, `poweroff -f`) and the translator's counters from
--stats (flushes, code buffer in use at exit, translations):

    bench/boot-to-prompt.py [--mvisor BIN] [MVISOR-OPTION...]
    e.g. bench/boot-to-prompt.py --code-buffer 131072

Standard library only; a quick side-by-side tool for changes to the translator (README "The
translator's code buffer"), not part of `make bench`.
"""

import os
import select
import subprocess
import sys
import time


def main():
    args = sys.argv[1:]
    binary = "build/mvisor"
    if args[:1] == ["--mvisor"]:
        binary, args = args[1], args[2:]
    cmd = [binary, "-M", "malta", "-m", "256", "-kernel", "build/guest/vmlinuz", "-initrd",
           "build/initramfs.cpio.gz", "-append", "console=ttyS0", "-nographic", "--stats"] + args
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seen = b""
    t_prompt = None
    while t_prompt is None:
        ready, _, _ = select.select([p.stdout], [], [], 180)
        data = os.read(p.stdout.fileno(), 4096) if ready else b""
        if not data:
            p.kill()
            sys.exit("boot-to-prompt: no prompt (timeout or the monitor ended)")
        seen = (seen + data)[-4096:]
        if b"/ # " in seen:
            t_prompt = time.monotonic() - t0
    p.stdin.write(b"poweroff -f\n")
    p.stdin.flush()
    p.stdout.read()
    err = p.stderr.read().decode(errors="replace")
    _, _, usage = os.wait4(p.pid, 0)
    counters = {}
    for line in err.splitlines():
        if line.startswith("dbt:"):
            counters = dict(kv.split("=", 1) for kv in line.split()[1:])
    used = int(counters.get("code_buffer_used", 0)) >> 20
    print(f"prompt_s={t_prompt:.3f} cpu_s={usage.ru_utime + usage.ru_stime:.3f} "
          f"flushes={counters.get('flushes', '-')} code_used_mib={used} translations={counters.get('translations', '-')}")


if __name__ == "__main__":
    main()
