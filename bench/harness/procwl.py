"""The process-heavy workload's expected result (bench/guest/proc.sh), computed on the host.

proc.sh checks each round's answers itself and ends with the md5 of the log of every round's
values; the same log is built here from the arithmetic alone, so an engine that computes a
wrong value consistently (where the guest's own check would agree with itself) still fails."""

import hashlib

PROC_CMDS_PER_ROUND = 14  # programs each round of proc.sh runs (builtins not counted)
PROC_CMDS_FIXED = 6  # mkdir, seq and gawk for the table, md5sum twice, rm


def log_md5(rounds):
    h = hashlib.md5()
    for i in range(rounds):
        s = (i + 10) * (i + 11) // 2
        c = 3 if 1 <= i <= 3 else 4
        r = i % 7
        g = 28 if r == 0 else (200 - r) // 7 + 1
        k = i % 20 + 1
        h.update(f"{i} {s} ITEM {i} VALUE {c} {g} {k * k} x{i}\n".encode())
    return h.hexdigest()


def checker(rounds):
    want = {"rounds": str(rounds), "commands": str(rounds * PROC_CMDS_PER_ROUND + PROC_CMDS_FIXED),
            "md5": log_md5(rounds)}

    def check(res):
        bad = [f"{k}={res.get(k)} (expected {v})" for k, v in want.items() if res.get(k) != v]
        return "; ".join(bad) or None
    return check
