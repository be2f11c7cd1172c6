#!/usr/bin/env python3
"""Runs a command (mvisor), passing its stdout through, and measures its host CPU time over a
window of its output: from the first line containing BEGIN to the first containing END.

    cpu_window.py BEGIN END CMD...

At the end it prints one line

    cpu-window: monitor C s CPU in W s wall (R x); host idle I CPUs of N

C is the process's utime + stime (/proc/PID/stat) over the window, W the wall time, R = C / W,
and I the host's idle and iowait time over the window (/proc/stat) divided by W: the CPUs nobody
used. R + I is what the monitor could have had (suite boot, smp-threads, gates its check of R on
it). The exit status is the command's.
"""

import os
import subprocess
import sys
import time

from guest import spawn


def proc_cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # after the command name: state is field 3, utime 14 and stime 15 (proc(5))
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def host_idle_s():
    with open("/proc/stat") as f:
        cpu = f.readline().split()
    return (int(cpu[4]) + int(cpu[5])) / os.sysconf("SC_CLK_TCK")


def main():
    begin, end, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
    p = spawn(cmd, stdout=subprocess.PIPE)
    marks = {}
    out = sys.stdout.buffer
    for line in iter(p.stdout.readline, b""):
        for name, text in (("begin", begin), ("end", end)):
            if name not in marks and text.encode() in line and (name == "begin" or "begin" in marks):
                try:
                    marks[name] = (time.monotonic(), proc_cpu_s(p.pid), host_idle_s())
                except OSError:
                    pass
        out.write(line)
        out.flush()
    rc = p.wait()
    if "begin" in marks and "end" in marks:
        (t0, c0, i0), (t1, c1, i1) = marks["begin"], marks["end"]
        wall = t1 - t0
        cpu = c1 - c0
        print("cpu-window: monitor %.2f s CPU in %.2f s wall (%.2f x); host idle %.2f CPUs of %d"
              % (cpu, wall, cpu / wall if wall > 0 else 0.0, (i1 - i0) / wall if wall > 0 else 0.0,
                 os.cpu_count()))
    else:
        print("cpu-window: the window's markers did not both appear")
    sys.stdout.flush()
    return rc


if __name__ == "__main__":
    sys.exit(main())
