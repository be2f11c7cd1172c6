"""Medians with their range, and the formatting every benchmark table shares.

Timings on a shared two-core machine are noisy, so a figure is always the median of several
runs with the smallest and largest beside it, and a comparison is a ratio of runs made in the
same round (side by side in time), never of separately taken medians.
"""

import math


def median(values):
    v = sorted(values)
    n = len(v)
    if n == 0:
        return None
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


class Summary:
    """median, min and max of a list of numbers (any Nones are dropped and counted)."""

    def __init__(self, values, expected=None):
        self.values = [v for v in values if v is not None]
        self.expected = len(values) if expected is None else expected
        self.n = len(self.values)
        self.median = median(self.values)
        self.min = min(self.values) if self.values else None
        self.max = max(self.values) if self.values else None

    def __bool__(self):
        return self.n > 0

    def as_dict(self):
        return {"median": self.median, "min": self.min, "max": self.max, "n": self.n,
                "of": self.expected, "values": self.values}


def runs_summary(runs, key, f=None):
    """The Summary of field `key` (through f, if given) of a list of runs (dicts); a run without
    the field counts as missing."""
    return Summary([(f(r[key]) if f else r[key]) if r.get(key) is not None else None for r in runs])


def runs_ratios(a_runs, b_runs, key, f=None):
    """The Summary of the ratios a/b of field `key` (through f, if given), round by round: each
    ratio is of two runs made side by side in time; a round where either is missing or zero
    counts as missing."""
    out = []
    for a, b in zip(a_runs, b_runs):
        x, y = a.get(key), b.get(key)
        out.append((f(x) / f(y) if f else x / y) if x and y else None)
    return Summary(out)


def num(x, digits=3):
    """x to `digits` significant figures, without exponent notation for everyday sizes."""
    if x is None:
        return "-"
    if x == 0:
        return "0"
    if not math.isfinite(x):
        return str(x)
    mag = math.floor(math.log10(abs(x)))
    decimals = max(0, digits - 1 - mag)
    if mag >= 6 or mag < -4:
        return f"{x:.{digits - 1}e}"
    return f"{x:.{decimals}f}"


def cell(s, unit="", digits=3):
    """'median (min-max)' with an 'n/N' note when some runs are missing, or '-'."""
    if not s:
        return f"failed [0/{s.expected}]" if s.expected else "-"
    text = f"{num(s.median, digits)}{unit} ({num(s.min, digits)}–{num(s.max, digits)})"
    if s.n < s.expected:
        text += f" [{s.n}/{s.expected}]"
    return text


def ratio_cell(s, digits=3):
    return cell(s, "x", digits)
