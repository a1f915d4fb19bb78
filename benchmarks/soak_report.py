#!/usr/bin/env python3
"""What //benchmarks:soak (soak.py) makes of its run: the criteria, the table and the
chart. Every figure comes from results.json's document, so a saved run can be judged
again (python3 soak_report.py out/soak-DATE/results.json).

The criteria, over the load's samples (t in seconds from its start, D its length, and
windows of L = min(60 s, D/4): A = [L, 2L), the second, after the warm-up; B = [D-L, D),
the last):
  errors        every client's errors, of every kind, are 0
  progress      no kind but the slow waves went PAUSE_S without completing a request
  RSS flat      median RSS over B <= RSS_GROWTH x median RSS over A
  descriptors   the lowest and the highest count over B each <= FD_GROWTH x the same
                over A + FD_SLACK, and the count back to the baseline's once the
                clients have gone
  nothing held  once the clients have gone: the server's open connections back to the
                baseline's, no receive buffer held or overflow memory in use, no
                connection waiting for a buffer; it is alive and answers GET /plaintext

Python 3 standard library only.
"""

import json
import statistics
import sys

import charts
from harness import fmt_num, log

RSS_GROWTH = 1.05
FD_GROWTH = 1.10
FD_SLACK = 16  # the churn and abort connections open at one sample and not the next
PAUSE_S = 10.0
STARVED_S = 2.0  # a sample this late means the clients could not run either
ORDER = ("keep-alive", "churn", "pipeline", "upload", "stream", "abort", "slow waves")


def windows(seconds):
    w = min(60.0, seconds / 4)
    return (w, 2 * w), (seconds - w, seconds)


def _in(samples, window):
    return [s for s in samples if window[0] <= s["t"] < window[1]]


def longest_pause(samples, kind, seconds):
    """The longest time during the load (its first and last 2 s aside) over which
    `kind`'s completed requests did not grow."""
    points = [(s["t"], s["counts"].get(kind)) for s in samples
              if 2 <= s["t"] <= seconds - 2 and s["counts"].get(kind) is not None]
    longest, since, last = 0.0, None, None
    for t, n in points:
        if last is None or n > last:
            since, last = t, n
        longest = max(longest, t - since)
    return longest


def phases(doc):
    """The baseline's last sample, the load's A and B windows, and the last sample."""
    samples = doc["samples"]
    base = [s for s in samples if s["t"] < 0]
    a, b = windows(doc["minutes"] * 60)
    return (base[-1] if base else samples[0]), _in(samples, a), _in(samples, b), samples[-1]


def judge(doc):
    """The verdicts: [{"name", "ok", "detail"}], in the order printed."""
    seconds = doc["minutes"] * 60
    base, wa, wb, end = phases(doc)
    out = []
    errors = ["%s %s %d" % (kind, name, n) for kind in ORDER if kind in doc["kinds"]
              for name, n in doc["kinds"][kind]["errors"].items() if n]
    out.append({"name": "errors", "ok": not errors,
                "detail": "; ".join(errors) if errors else "0 of every kind"})
    pauses = {k: longest_pause(doc["samples"], k, seconds) for k in ORDER[:-1]}
    slow = ["%s %.0f s" % (k, p) for k, p in pauses.items() if p > PAUSE_S]
    out.append({"name": "progress", "ok": not slow,
                "detail": ("paused: " + ", ".join(slow)) if slow else
                "longest pause %.0f s (%s)" % max((p, k) for k, p in pauses.items())})
    if not wa or not wb:
        out.append({"name": "RSS flat", "ok": False, "detail": "the run is too short"})
        out.append({"name": "descriptors flat", "ok": False, "detail": "the run is too short"})
    else:
        ra = statistics.median(s["rss_kib"] for s in wa)
        rb = statistics.median(s["rss_kib"] for s in wb)
        out.append({"name": "RSS flat", "ok": rb <= RSS_GROWTH * ra,
                    "detail": "median over B %s KiB vs A %s KiB: %+.1f%% (at most %+.0f%%)"
                              % (fmt_num(rb), fmt_num(ra), 100 * (rb / ra - 1),
                                 100 * (RSS_GROWTH - 1))})
        # Both ends of the range: the highest is the waves' connections, the lowest
        # what stays open between waves, where a slow leak shows first.
        fa = (min(s["fds"] for s in wa), max(s["fds"] for s in wa))
        fb = (min(s["fds"] for s in wb), max(s["fds"] for s in wb))
        ok = (all(b <= FD_GROWTH * a + FD_SLACK for a, b in zip(fa, fb))
              and end["fds"] <= base["fds"])
        out.append({"name": "descriptors flat", "ok": ok,
                    "detail": "over B %d-%d vs A %d-%d (each end at most %+.0f%% + %d); "
                              "after the clients %d, baseline %d"
                              % (fb + fa + (100 * (FD_GROWTH - 1), FD_SLACK, end["fds"],
                                            base["fds"]))})
    sb, se = base.get("server") or {}, end.get("server") or {}
    held = []
    if se.get("connections_open", 1) > sb.get("connections_open", 1):
        held.append("%d connections open (baseline %d)"
                    % (se["connections_open"], sb.get("connections_open", 1)))
    for key in ("ring_in_use", "overflow_bytes", "waiters"):
        if se.get(key):
            held.append("%s %d" % (key, se[key]))
    if not se:
        held.append("no /stats answer")
    if not doc["server_alive"]:
        held.append("the server exited")
    elif not doc["answers_after"]:
        held.append("no answer to GET /plaintext")
    out.append({"name": "nothing held", "ok": not held,
                "detail": "; ".join(held) if held else
                "connections open %d, ring buffers 0, overflow 0, waiters 0; answers"
                % se.get("connections_open", 0)})
    return out


def _table(rows, right=()):
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for i, row in enumerate(rows):
        log("  ".join(c.rjust(w) if j in right else c.ljust(w)
                      for j, (c, w) in enumerate(zip(row, widths))).rstrip())
        if i == 0:
            log("  ".join("-" * w for w in widths))


def _range(samples, key):
    return "%s-%s" % (fmt_num(min(s[key] for s in samples)), fmt_num(max(s[key] for s in samples)))


def print_report(doc):
    seconds = doc["minutes"] * 60
    base, wa, wb, end = phases(doc)
    log("")
    log("soak results: %g minutes of load on %s (Linux %s), server on cores %s (CPU use "
        "%.0f%% of a core), clients on cores %s"
        % (doc["minutes"], doc["machine"]["cpu"], doc["machine"]["kernel"],
           doc["server_cpus"], 100 * doc["server_cpu_s"] / doc["load_s"], doc["client_cpus"]))
    log("")
    rows = [("traffic", "clients", "requests", "per s", "errors")]
    for kind in ORDER:
        k = doc["kinds"].get(kind)
        if k is None:
            continue
        errs = sum(k["errors"].values())
        rows.append((kind, doc["clients"].get(kind, ""), fmt_num(k["requests"]),
                     fmt_num(k["requests"] / seconds), str(errs)))
    _table(rows, right=(2, 3, 4))
    for kind in ORDER:
        k = doc["kinds"].get(kind, {})
        for line in (k.get("bad_samples") or [])[:3] + (k.get("first_errors") or [])[:5]:
            log("  %s: %s" % (kind, line))
    (a0, a1), (b0, b1) = windows(seconds)
    log("")
    if wa and wb:
        rss = [s["rss_kib"] for s in doc["samples"] if 0 <= s["t"] < seconds]
        fds = [s["fds"] for s in doc["samples"] if 0 <= s["t"] < seconds]
        rows = [("resource", "baseline", "A median", "B median", "A min-max", "B min-max",
                 "load max", "after")]
        for name, key, vals in (("RSS KiB", "rss_kib", rss), ("descriptors", "fds", fds)):
            rows.append((name, fmt_num(base[key]),
                         fmt_num(statistics.median(s[key] for s in wa)),
                         fmt_num(statistics.median(s[key] for s in wb)),
                         _range(wa, key), _range(wb, key),
                         fmt_num(max(vals)), fmt_num(end[key])))
        _table(rows, right=range(1, 8))
    log("windows: A = %.0f-%.0f s, B = %.0f-%.0f s of the load; after: %.0f s after its end"
        % (a0, a1, b0, b1, end["t"] - doc["load_s"]))
    se = end.get("server") or {}
    if se:
        log("server's counters at the end: %s connections (%d open), %s uploads (%s "
            "aborted), %s streams (%s closed early), %s drains, %s bytes copied"
            % (fmt_num(se["connections"]), se["connections_open"], fmt_num(se["uploads"]),
               fmt_num(se["uploads_aborted"]), fmt_num(se["streams"]),
               fmt_num(se["streams_closed"]), fmt_num(se["drains"]),
               fmt_num(se["copied_bytes"])))
    load = [s["load1"] for s in doc["samples"] if "load1" in s]
    late = max([s.get("late_s", 0) for s in doc["samples"]] or [0])
    if load:
        log("machine: load average %.1f to %.1f during the run; the sampler (on the "
            "client cores) ran up to %.1f s late" % (min(load), max(load), late))
    if late > STARVED_S:
        log("note: the client cores were starved for %.0f s or more by other work on the "
            "machine. A client that cannot send for over 5 s finds its keep-alive "
            "connection closed by the server's keepAliveTimeout, as it should be: "
            "errors and pauses of this run say more about the machine than the server; "
            "run it again on a quieter one" % late)
    log("")
    for v in doc["verdicts"]:
        log("%-16s %-6s %s" % (v["name"], "met" if v["ok"] else "MISSED", v["detail"]))


def write_chart(path, doc):
    """RSS, descriptors and each kind's requests per second over the run."""
    samples = doc["samples"]
    seconds = doc["minutes"] * 60
    rates = {}
    for prev, cur in zip(samples, samples[1:]):
        dt = cur["t"] - prev["t"]
        for kind in ORDER[:-1]:  # a wave's connections are counted only when it ends
            if kind in cur["counts"] and kind in prev["counts"] and dt > 0:
                rates.setdefault(kind, []).append(
                    (cur["t"], (cur["counts"][kind] - prev["counts"][kind]) / dt))
    (a0, a1), (b0, b1) = windows(seconds)
    charts.write_series(
        path, "soak: %g minutes, server RSS and descriptors (criteria compare window B "
              "with A)" % doc["minutes"],
        [{"title": "RSS (MiB)", "series": {
            "RSS": [(s["t"], s["rss_kib"] / 1024) for s in samples]}},
         {"title": "open descriptors", "series": {
             "descriptors": [(s["t"], s["fds"]) for s in samples]}},
         {"title": "requests completed per second (log scale)",
          "series": rates, "log": True}],
        shades=[(a0, a1, "A"), (b0, b1, "B")],
        marks=[(0, "load"), (doc["load_s"], "clients done")])


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        saved = json.load(f)
    saved["verdicts"] = judge(saved)
    print_report(saved)
