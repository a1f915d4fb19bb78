#!/usr/bin/env python3
"""The charts the load harnesses write into their output folders: chart.svg, drawn
here with no dependency (ratio bars, or values over time), and chart.png when gnuplot
is installed.

Python 3 standard library only.
"""

import math
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


COLORS = ("#2a6fb0", "#d08a2a", "#3a9a4a", "#b03a3a", "#7a4ab0", "#4ab0b0", "#808080")


def _nice_step(span, ticks=5):
    """A round step (1, 2 or 5 times a power of ten) giving about `ticks` ticks."""
    raw = span / ticks if span > 0 else 1.0
    mag = 10 ** math.floor(math.log10(raw))
    return next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)


def write_series(path, title, panels, shades=(), marks=()):
    """Values over time, one panel above the other on a shared time axis, drawn as
    write_svg draws its bars (plain SVG, no dependency). panels: dicts with "title",
    "series" ({name: [(t, value), ...]}) and "log" (a logarithmic axis, for rates
    far apart). shades: (t0, t1, label) bands drawn on every panel; marks: (t, label)
    dashed lines."""
    points = [p for panel in panels for s in panel["series"].values() for p in s]
    if not points:
        return
    t_min = min(p[0] for p in points)
    t_max = max(max(p[0] for p in points), t_min + 1)
    left, width, panel_h, gap, top = 80, 760, 170, 60, 40
    height = top + len(panels) * (panel_h + gap) + 10
    x = lambda t: left + width * (t - t_min) / (t_max - t_min)  # noqa: E731
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="12">' % (left + width + 170, height),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="10" y="22" font-size="15">%s</text>' % title]
    for i, panel in enumerate(panels):
        y0 = top + i * (panel_h + gap) + 20
        values = [v for s in panel["series"].values() for _, v in s
                  if v is not None and (v > 0 or not panel.get("log"))]
        if panel.get("log"):
            lo = 10 ** math.floor(math.log10(min(values))) if values else 1
            hi = 10 ** math.ceil(math.log10(max(values) * 1.01)) if values else 10
            f = lambda v: math.log10(max(v, lo))  # noqa: E731
            y_ticks = [10 ** k for k in range(int(math.log10(lo)), int(math.log10(hi)) + 1)]
        else:
            lo, hi = 0, (max(values) * 1.1 if values and max(values) > 0 else 1)
            f = lambda v: v  # noqa: E731
            step = _nice_step(hi)
            y_ticks = [k * step for k in range(int(hi / step) + 1)]
        y = lambda v: y0 + panel_h - panel_h * (f(v) - f(lo)) / ((f(hi) - f(lo)) or 1)  # noqa: E731,E501
        out.append('<text x="%d" y="%d" font-size="13">%s</text>' % (left, y0 - 8, panel["title"]))
        for t0, t1, label in shades:
            out.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="#eef3e6"/>'
                       % (x(t0), y0, x(t1) - x(t0), panel_h))
            out.append('<text x="%.1f" y="%d" text-anchor="middle" fill="#6a8a3a">%s</text>'
                       % ((x(t0) + x(t1)) / 2, y0 + 12, label))
        for v in y_ticks:
            out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>'
                       % (left, y(v), left + width, y(v)))
            out.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>'
                       % (left - 6, y(v) + 4, "{:,.6g}".format(v)))
        for t, label in marks:
            out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#c00" '
                       'stroke-dasharray="4 3"/>' % (x(t), y0, x(t), y0 + panel_h))
            end = x(t) > left + 0.8 * width  # near the legend: label to the left
            out.append('<text x="%.1f" y="%d" fill="#c00" text-anchor="%s">%s</text>'
                       % (x(t) + (-3 if end else 3), y0 + 24, "end" if end else "start", label))
        step = _nice_step(t_max - t_min, 10)
        t = math.ceil(t_min / step) * step
        while t <= t_max:
            out.append('<text x="%.1f" y="%d" text-anchor="middle">%g s</text>'
                       % (x(t), y0 + panel_h + 16, t))
            t += step
        out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#999"/>'
                   % (left, y0, width, panel_h))
        for k, (name, series) in enumerate(panel["series"].items()):
            color = COLORS[k % len(COLORS)]
            pts = " ".join("%.1f,%.1f" % (x(t), y(v)) for t, v in series
                           if v is not None and (v > 0 or not panel.get("log")))
            out.append('<polyline points="%s" fill="none" stroke="%s" stroke-width="1.5"/>'
                       % (pts, color))
            out.append('<text x="%d" y="%d" fill="%s">%s</text>'
                       % (left + width + 10, y0 + 14 + 16 * k, color, name))
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
