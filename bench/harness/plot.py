"""PNG plots of the benchmark tables with gnuplot (Debian gnuplot-nox): grouped bars of the
median with min-max error bars, log scale, one group per phase or operation kind. The data
and the script stay beside the PNG (.dat, .gp) so a plot can be redrawn or restyled by hand.
"""

import os
import shutil
import subprocess


def _q(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


# One colour per engine in every plot, so a configuration looks the same in each panel.
COLOURS = {"qemu": "#9c4dcc", "dbt": "#2e9d6f", "trap": "#e08a1e", "interp": "#c0392b", "native": "#e6c229"}


def colour_of(label):
    for word in label.replace("(", " ").split():
        if word in COLOURS:
            return COLOURS[word]
    return None


def bars(png, panels, ylabel, title):
    """panels: [(panel title, [group names], [(series label, [Summary or None per group])])].
    Returns None, or why no plot was drawn."""
    if not shutil.which("gnuplot"):
        return "gnuplot is not installed (scripts/install-deps.sh installs gnuplot-nox)"
    base = os.path.splitext(png)[0]
    panels = [p for p in panels if p[1] and any(any(s for s in vals) for _, vals in p[2])]
    if not panels:
        return "nothing measured to plot"
    gp = [f"set terminal pngcairo size 1200,{430 * len(panels)} font 'sans,10'",
          f"set output {_q(png)}",
          "set style data histogram", "set style histogram errorbars gap 2 lw 1",
          "set style fill solid 0.75 border -1", "set boxwidth 0.9", "set logscale y",
          "set grid ytics", "set key outside right top", "set xtics rotate by -30 noenhanced",
          "set datafile missing '?'", f"set ylabel {_q(ylabel)}",
          f"set multiplot layout {len(panels)},1 title {_q(title)} noenhanced"]
    for i, (ptitle, groups, series) in enumerate(panels):
        dat = f"{base}-{i}.dat"
        with open(dat, "w") as f:
            for g, name in enumerate(groups):
                row = [_q(name)]
                for _, vals in series:
                    s = vals[g]
                    row += [repr(s.median), repr(s.min), repr(s.max)] if s and s.median > 0 else ["?", "?", "?"]
                f.write(" ".join(row) + "\n")
        plots = []
        for j, (label, _) in enumerate(series):
            c = 2 + 3 * j
            xt = ":xtic(1)" if j == 0 else ""
            col = colour_of(label)
            lc = f" lc rgb {_q(col)}" if col else ""
            plots.append(f"{_q(dat)} using {c}:{c + 1}:{c + 2}{xt} title {_q(label)} noenhanced{lc}")
        gp += [f"set title {_q(ptitle)} noenhanced", "plot " + ", ".join(plots)]
    gp.append("unset multiplot")
    with open(base + ".gp", "w") as f:
        f.write("\n".join(gp) + "\n")
    r = subprocess.run(["gnuplot", base + ".gp"], capture_output=True, text=True)
    if r.returncode != 0:
        return "gnuplot failed: " + (r.stderr.strip().splitlines() or ["?"])[-1]
    return None
