#!/usr/bin/env python3
"""PNG plots of make bench-numa's tables (build/bench/numa.md) with gnuplot, when it is installed.

    bench/numa_plot.py [--md build/bench/numa.md] [--out-dir build/bench]

For every table of bench/numa.py's output, one grouped bar chart: per VM, one bar per policy row,
of the local share of the shared pages' accesses (the column "workload only: local, shared pages"
where the table has it, else "local, shared pages") and one of the modelled stall over the UMA
bound; for the two-node tables (b) and (d), one of the workload's local share (all accesses, the
shared pages', the private pages') per placement; and one of the counting overhead table (median
CPU over NUMA off). gnuplot is Debian's
package `gnuplot` (its pngcairo terminal); without it nothing is drawn and the tables stand alone.
Standard library only: the data go to gnuplot as inline data blocks.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def tables(md):
    """[(title, header cells, rows of cells)] of the markdown tables under ### titles."""
    out, title, head, rows = [], None, None, []
    for line in md.splitlines() + [""]:
        if line.startswith("### "):
            title = line[4:].strip()
        elif line.startswith("|---"):
            continue
        elif line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if head is None:
                head = cells
            else:
                rows.append(cells)
        elif head is not None:
            out.append((title or "", head, rows))
            head, rows = None, []
    return out


def num(cell):
    """The cell's figure (a median "m (min-max)%" gives m)."""
    return float(re.match(r"[-\d.]+", cell).group(0))


def bars(path, title, ylabel, groups, series, values):
    """A grouped bar chart: values[g][s] for every group g and series s."""
    data = "\n".join("\"%s\" %s" % (g, " ".join("%.4f" % values[g][s] for s in series)) for g in groups)
    plot = ", ".join("$d using %d:xtic(1) title \"%s\"" % (i + 2, s.replace("_", " ")) for i, s in enumerate(series))
    script = """set terminal pngcairo size 900,480 font ",10"
set output "%s"
set title "%s" noenhanced
set ylabel "%s"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set key outside right top noenhanced
set yrange [0:*]
set grid ytics
$d << EOD
%s
EOD
plot %s
""" % (path, title.replace('"', "'"), ylabel, data, plot)
    subprocess.run(["gnuplot"], input=script, text=True, check=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--md", default=os.path.join(ROOT, "build", "bench", "numa.md"))
    ap.add_argument("--out-dir", default=os.path.join(ROOT, "build", "bench"))
    args = ap.parse_args()
    if not shutil.which("gnuplot"):
        print("numa_plot: no gnuplot (Debian package gnuplot): tables only")
        return 0
    made = []
    for title, head, rows in tables(open(args.md).read()):
        tag = re.match(r"\((\w+)\)", title)
        if "policy" in head and tag:
            share = head.index("workload only: local, shared pages") if "workload only: local, shared pages" in head \
                else head.index("local, shared pages")
            stall = head.index("stall / UMA")
            groups = list(dict.fromkeys(r[0] for r in rows))
            series = list(dict.fromkeys(r[1] for r in rows))
            for col, what, ylabel in ((share, "shared", "local share of the shared pages' accesses, %"),
                                      (stall, "stall", "modelled stall / UMA bound")):
                vals = {g: {} for g in groups}
                for r in rows:
                    vals[r[0]][r[1]] = num(r[col])
                path = os.path.join(args.out_dir, "numa-%s-%s.png" % (tag.group(1), what))
                bars(path, "(%s) %s" % (tag.group(1), head[col]), ylabel, groups, series, vals)
                made.append(path)
        elif "placement" in head and tag:
            # (b), (d): per placement, the workload's local share: all, shared pages, private pages
            cols = [c for c in ("workload only: local", "workload only: local, shared",
                                "workload only: local, private") if c in head]
            series = list(dict.fromkeys(r[1] for r in rows))
            groups = [c.replace("workload only: ", "") for c in cols]
            vals = {g: {r[1]: num(r[head.index(c)]) for r in rows} for g, c in zip(groups, cols)}
            path = os.path.join(args.out_dir, "numa-%s-local.png" % tag.group(1))
            bars(path, "(%s) local share of the workload's accesses by placement" % tag.group(1), "%", groups,
                 series, vals)
            made.append(path)
        elif title.startswith("Counting overhead") and "median / off" in head:
            i = head.index("median / off")
            vals = {r[0]: {"median CPU / NUMA off": num(r[i])} for r in rows}
            path = os.path.join(args.out_dir, "numa-overhead.png")
            bars(path, "counting overhead: monitor CPU time over NUMA off", "ratio", list(vals),
                 ["median CPU / NUMA off"], vals)
            made.append(path)
    print("numa_plot: %s" % (", ".join(os.path.relpath(p, ROOT) for p in made) or "no tables"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
