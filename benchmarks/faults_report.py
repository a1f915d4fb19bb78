#!/usr/bin/env python3
"""What //benchmarks:faults (faults.py) makes of its measurements: the socket queues
read from /proc/net/tcp, the engine's stated bound for a peer that pipelines and never
reads, the criteria of each scenario, the figures combined over rounds, and the table.
No sockets or processes here, so benchmarks/faults_test.py can check it all.

Python 3 standard library only.
"""

import statistics

# --- the engine's bounds, from its headers --------------------------------------

# http/server_connection.h: at most kMaxLive requests are live on a connection (waiting
# for their response, or for its bytes to leave); the request that reaches it ends the
# parse, and the rest of its receive waits in the engine (Connection::Unread), which
# from then on receives one buffer at a time, so that a pause finds at most one more
# piece on its way (engine/connection.h, "Receiving", 4). What the server read and has
# not answered to the kernel is so at most kMaxLive answers, plus two receive buffers
# of requests not yet parsed (counted here as if answered, as the benchmark counts).
MAX_LIVE = 32
RECV_BUFFER_BYTES = 16384

# Targets.
RSS_SLACK = 2.0          # RSS growth per flooding connection <= this x the bound
FD_CPU_PER_REQ = 2.0     # CPU per request at the descriptor limit <= this x without it
IDLE_CPU_USE = 0.05      # CPU use while connections wait for a descriptor, nothing else
PROBE_LATENCY_S = 1.0    # the keep-alive probe's slowest answer at the limit
RESUME_S = 1.0           # a new connection answered this soon after the load ends
FD_RETURN_S = 5.0        # descriptors back to the baseline's this soon after the flood


def answer_backlog_bound(request_len, response_len, max_live=MAX_LIVE,
                         recv_buffer=RECV_BUFFER_BYTES):
    """The answer bytes the engine should owe at most, in user space, to one connection
    that pipelines requests of `request_len` bytes and never reads the answers of
    `response_len` bytes: kMaxLive answers, and those to two receive buffers of
    requests read and not yet parsed."""
    return (max_live + 2 * (recv_buffer // request_len + 1)) * response_len


# --- /proc/net/tcp --------------------------------------------------------------

def parse_tcp_table(text):
    """/proc/net/tcp's rows as {(local_port, remote_port): {"tx": bytes, "rx": bytes,
    "state": int}}, IPv4 loopback and others alike (the ports tell our sockets apart:
    both ends of each connection are listed). tx is the bytes sent and not yet
    acknowledged (written and not yet taken into the peer's receive queue, on
    loopback), rx the bytes received and not yet read by the socket's owner."""
    out = {}
    for line in text.splitlines()[1:]:
        f = line.split()
        if len(f) < 5 or ":" not in f[1] or ":" not in f[2] or ":" not in f[4]:
            continue
        try:
            local = int(f[1].rsplit(":", 1)[1], 16)
            remote = int(f[2].rsplit(":", 1)[1], 16)
            tx, rx = (int(x, 16) for x in f[4].split(":"))
            state = int(f[3], 16)
        except ValueError:
            continue
        out[(local, remote)] = {"tx": tx, "rx": rx, "state": state}
    return out


def flood_queues(table, server_port, client_port, sent):
    """One flooding connection's bytes: what its client wrote (`sent`), what the
    server has read of it (sent less the client's unsent queue and the server's
    unread one), and the answers waiting in the kernel (the server's send queue and
    the client's unread receive queue). None when the connection is not listed."""
    c = table.get((client_port, server_port))
    s = table.get((server_port, client_port))
    if c is None or s is None:
        return None
    return {"sent": sent, "read": max(0, sent - c["tx"] - s["rx"]),
            "answers_in_kernel": s["tx"] + c["rx"]}


# --- figures over rounds ----------------------------------------------------------

def combine(values):
    """Numbers over rounds: the median, with the smallest and largest; None aside."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    if any(isinstance(v, str) for v in values):  # e.g. "6 / 57": each distinct one
        text = " | ".join(dict.fromkeys(str(v) for v in values))
        return {"median": text, "min": text, "max": text}
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def combine_runs(runs):
    """One scenario's runs on one server, in round order, each {"figures": [(label,
    value, kind)], "checks": [(label, ok)]}: each figure's median over the rounds (and
    range), each check met only if it was met in every round."""
    figures, checks = {}, {}
    order_f, order_c = [], []
    for run in runs:
        for label, value, kind in run["figures"]:
            if label not in figures:
                figures[label] = {"kind": kind, "values": []}
                order_f.append(label)
            figures[label]["values"].append(value)
        for label, ok in run["checks"]:
            if label not in checks:
                checks[label] = []
                order_c.append(label)
            checks[label].append(bool(ok))
    return {"figures": [(label, figures[label]["kind"], combine(figures[label]["values"]))
                        for label in order_f],
            "checks": [(label, all(checks[label]), checks[label]) for label in order_c]}


# --- the criteria -----------------------------------------------------------------

def flood_checks(f, bound, clients):
    """pipeline-flood's criteria for one run, from its figures `f` (a dict)."""
    return [
        ("stops reading a peer that does not read",
         f["settled"] and not f.get("rss_limit_hit") and f["read_max"] is not None
         and f["read_max"] < f["payload"]),
        ("answers queued per flooder <= bound %s" % fmt_value(bound, "bytes"),
         f["backlog_max"] is not None and f["backlog_max"] <= bound),
        ("RSS growth per flooder <= %gx bound" % RSS_SLACK,
         f["rss_growth_kib"] * 1024 / clients <= RSS_SLACK * bound),
        ("a good client is served during the flood",
         f["good_answered"] == f["good_tried"] and f["wrk_requests"] > 0
         and f["wrk_errors"] == 0),
        ("descriptors back to baseline within %g s" % FD_RETURN_S,
         f["fd_return_s"] is not None and f["fd_return_s"] <= FD_RETURN_S),
        ("alive", f["alive"]),
    ]


def fd_checks(f):
    """fd-exhaustion's criteria for one run."""
    ratio = (f["cpu_us_per_req"] / f["ref_cpu_us_per_req"]
             if f["cpu_us_per_req"] is not None and f["ref_cpu_us_per_req"] else None)
    return [
        ("alive", f["alive"]),
        ("CPU per request <= %gx without the limit" % FD_CPU_PER_REQ,
         ratio is not None and ratio <= FD_CPU_PER_REQ),
        ("CPU use <= %d%% while connections wait, idle" % (100 * IDLE_CPU_USE),
         f["idle_cpu_use"] is not None and f["idle_cpu_use"] <= IDLE_CPU_USE),
        ("the keep-alive connection is served, each answer <= %g s" % PROBE_LATENCY_S,
         f["probe_tried"] > 0 and f["probe_answered"] == f["probe_tried"]
         and f["probe_max_s"] is not None and f["probe_max_s"] <= PROBE_LATENCY_S),
        ("accepting resumes <= %g s after the load" % RESUME_S,
         all(v is not None and v <= RESUME_S
             for v in (f["resume_after_wrk_s"], f["resume_after_hold_s"]))),
    ]


def cpu_per_request_us(cpu_s, requests):
    return cpu_s / requests * 1e6 if requests else None


# --- the table --------------------------------------------------------------------

def fmt_value(v, kind):
    """A figure for the table. kinds: int, bytes (KiB/MiB), kib (RSS), s, ms, pct,
    bool, us."""
    if v is None:
        return "n/a"
    if kind == "bool":
        return "yes" if v else "no"
    if kind == "int":
        return "{:,.0f}".format(v)
    if kind == "bytes":
        if abs(v) >= 10 << 20:
            return "%.1f MiB" % (v / (1 << 20))
        return "{:,.0f} KiB".format(v / 1024)
    if kind == "kib":
        return "{:,.0f} KiB".format(v)
    if kind == "s":
        return "%.2f s" % v
    if kind == "ms":
        return "%.1f ms" % (v * 1000)
    if kind == "us":
        return "%.1f us" % v
    if kind == "pct":
        return "%.1f%%" % (100 * v)
    return str(v)


def fmt_combined(c, kind):
    if c is None:
        return "n/a"
    text = fmt_value(c["median"], kind)
    if c["min"] != c["max"] and kind != "bool":
        text += " (%s-%s)" % (fmt_value(c["min"], kind), fmt_value(c["max"], kind))
    return text


def table_rows(name, combined, servers):
    """The rows of one scenario: its figures, then its checks, one column per server.
    combined: server -> combine_runs(...)."""
    rows = []
    first = combined[servers[0]]
    for i, (label, kind, _) in enumerate(first["figures"]):
        cells = []
        for who in servers:
            figs = combined[who]["figures"]
            match = [c for l, k, c in figs if l == label]
            cells.append(fmt_combined(match[0], kind) if match else "-")
        rows.append((name if i == 0 else "", label) + tuple(cells))
    for label, _, _ in first["checks"]:
        cells = []
        for who in servers:
            match = [(ok, per) for l, ok, per in combined[who]["checks"] if l == label]
            if not match:
                cells.append("-")
                continue
            ok, per = match[0]
            text = "met" if ok else "MISSED"
            if len(per) > 1 and not ok:
                text += " (%d of %d rounds)" % (sum(per), len(per))
            cells.append(text)
        rows.append(("", "target: " + label) + tuple(cells))
    return rows


def format_table(rows, servers):
    """The table's lines: scenario, figure, one column per server."""
    head = ("scenario", "figure") + tuple(servers)
    rows = [head] + list(rows)
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = []
    for i, r in enumerate(rows):
        lines.append("  ".join(c.ljust(w) if j < 2 else c.rjust(w)
                               for j, (c, w) in enumerate(zip(r, widths))).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines
