#!/usr/bin/env python3
"""The charts the load harnesses write into their output folders: chart.svg, drawn
here with no dependency, and chart.png when gnuplot is installed.

Python 3 standard library only.
"""

import os
import shutil
import subprocess


def write_svg(path, results, other, extra=()):
    """Engine/other ratio per scenario: median bar, min-max whisker, line at 1x.
    extra: more (name, median, min, max, target) bars."""
    items = [(name, s["ratio"]["median"], s["ratio"]["min"], s["ratio"]["max"],
              s["target_ratio"]) for name, s in results.items() if s["ratio"]["median"]]
    items += list(extra)
    if not items:
        return
    top = max(max(i[3] for i in items), max((i[4] or 0) for i in items), 1.0) * 1.1
    left, width, bar_h, gap = 230, 520, 22, 12
    height = 70 + len(items) * (bar_h + gap) + 30
    x = lambda v: left + width * v / top  # noqa: E731
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="12">' % (left + width + 80, height),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="10" y="22" font-size="15">engine / %s, requests/s ' % other +
           '(median of paired ratios; whisker: min-max; tick: target)</text>']
    y0 = 45
    for k in range(int(top) + 1):
        out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>'
                   % (x(k), y0, x(k), height - 30))
        out.append('<text x="%.1f" y="%d" text-anchor="middle">%dx</text>'
                   % (x(k), height - 12, k))
    out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#c00" stroke-dasharray="4 3"/>'
               % (x(1), y0, x(1), height - 30))
    for i, (name, m, lo, hi, target) in enumerate(items):
        y = y0 + 10 + i * (bar_h + gap)
        color = "#2a6fb0" if m >= 1 else "#d08a2a"
        out.append('<text x="%d" y="%d" text-anchor="end">%s</text>'
                   % (left - 8, y + bar_h * 0.7, name))
        out.append('<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>'
                   % (left, y, x(m) - left, bar_h, color))
        out.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>'
                   % (x(lo), y + bar_h / 2, x(hi), y + bar_h / 2))
        if target:
            out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="black" '
                       'stroke-width="2"/>' % (x(target), y - 3, x(target), y + bar_h + 3))
        out.append('<text x="%.1f" y="%d">%.2fx</text>' % (x(max(m, hi)) + 6, y + bar_h * 0.7, m))
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")

def write_gnuplot(outdir, results, other):
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        return None
    data = os.path.join(outdir, "ratios.dat")
    with open(data, "w") as f:
        for name, s in results.items():
            r = s["ratio"]
            if r["median"]:
                f.write('"%s" %f %f %f\n' % (name, r["median"], r["min"], r["max"]))
    png = os.path.join(outdir, "chart.png")
    script = "\n".join([
        'set terminal pngcairo size 900,450 noenhanced' if _has_term(gnuplot, "pngcairo")
        else 'set terminal png size 900,450 noenhanced',
        'set output "%s"' % png,
        'set title "engine / %s requests/s (median of paired ratios, min-max)"' % other,
        'set style fill solid 0.6', 'set boxwidth 0.6', 'set yrange [0:*]', 'set grid y',
        'set xtics rotate by -20', 'unset key',
        'plot "%s" using 0:2:xtic(1) with boxes, "" using 0:2:3:4 with yerrorbars lc "black", '
        '1 with lines dt 2 lc "red"' % data])
    r = subprocess.run([gnuplot], input=script, text=True, capture_output=True)
    return png if r.returncode == 0 and os.path.exists(png) else None


def _has_term(gnuplot, term):
    r = subprocess.run([gnuplot, "-e", "set terminal"], capture_output=True, text=True)
    return term in (r.stdout + r.stderr)
