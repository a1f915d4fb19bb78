#!/usr/bin/env python3
"""Slow clients against the engine and nginx: tools/bazel run //benchmarks:slow_clients

Thousands of connections hold half-sent requests while wrk's good clients ask for
GET /, against a fresh engine (benchmarks/plaintext_server.cc) and a fresh nginx
(benchmarks/nginx/nginx.conf) for each scenario, the servers pinned to the server
cores and every client (wrk, benchmarks/slow_client.cc) to the others:

  baseline   wrk alone: the unloaded p99
  heads-10k  10,000 connections hold a request head without its blank line during
             the wrk run, then finish it
  bodies-5k  5,000 connections hold a POST's head and 10 of its 100 body bytes during
             the wrk run, then send the other 90 and a GET
  split-5k   5,000 connections arrive during the wrk run and send a head in two
             parts, 0.5 s apart
  slowloris-500  500 connections trickle a head a byte a second; both servers' header
             timeouts, set to 3 s for it, must close them during the wrk run

Rounds are the outer loop (3 in quick mode, 5 in full), so that each scenario runs
on both servers in every round and a stretch of noise on the machine falls on both.
Prints one table of medians over the rounds, engine and nginx side by side with the
targets, and writes results.json to the output folder it names at the end. See
benchmarks/README.md.

Python 3 standard library only.
"""

import argparse
import datetime
import json
import os
import shutil
import statistics
import signal
import subprocess
import sys
import threading
import time

import harness
from harness import Scenario, fail, fmt_num, fmt_us, free_port, log

harness.NAME = "slow_clients"

HERE = os.path.dirname(os.path.abspath(__file__))

TARGET_SUCCESS = 0.999  # good clients' requests answered 2xx, without error or timeout
TARGET_P99 = 2.0        # good clients' p99 at most this many times the unloaded p99
SERVERS = ("engine", "nginx")


class Slow:
    """A slow-client scenario: `count` connections each send `first`, hold, send
    `rest` and expect `responses` responses. held: they connect before wrk starts and
    hold until it ends; otherwise they arrive during the wrk run and hold for `gap`
    seconds once all are connected."""

    def __init__(self, name, title, count, first, rest, responses=1, held=True, gap=0.0,
                 trickle=0.0, header_timeout=None):
        """trickle: seconds between the bytes of `rest` sent while holding;
        header_timeout: seconds both servers allow a head (their default otherwise),
        which then must close every connection before it is released."""
        self.name = name
        self.title = title
        self.count = count
        self.first = first
        self.rest = rest
        self.responses = responses
        self.held = held
        self.gap = gap
        self.trickle = trickle
        self.header_timeout = header_timeout


def scenarios(args):
    head = "GET / HTTP/1.1\r\nHost: x\r\n"
    post = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"
    return [
        Slow("baseline", "wrk alone", 0, "", ""),
        Slow("heads-10k", "%d partial heads held during wrk" % args.heads, args.heads,
             head, "\r\n"),
        # The GET after the body shows whether the connection still works.
        Slow("bodies-5k", "%d POSTs holding 10 of 100 body bytes during wrk" % args.bodies,
             args.bodies, post + "x" * 10, "x" * 90 + head + "\r\n", responses=2),
        Slow("split-5k", "%d heads in two parts %g s apart, arriving during wrk"
             % (args.split, args.split_gap), args.split, head[:18], head[18:] + "\r\n",
             held=False, gap=args.split_gap),
        # Header lines a byte a second: a head that would take half an hour.
        Slow("slowloris-500", "%d heads trickled a byte every %g s, header timeout %g s"
             % (args.slowloris, args.trickle, args.slowloris_timeout), args.slowloris,
             head, "X-a: b\r\n" * 200 + "\r\n", trickle=args.trickle,
             header_timeout=args.slowloris_timeout),
    ]


# --- the clients ----------------------------------------------------------------

class SlowClients(harness.Child):
    """One slow_client process (see slow_client.cc), pinned to the client cores; its
    SLOW_HELD and SLOW_JSON lines are taken with wait()."""

    def __init__(self, args, server, sc, hold, rundir):
        hold_max = args.duration + args.settle + args.connect_phase_timeout + 120
        cmd = [args.slow_client_bin,
               "--port", str(server.port), "--connections", str(sc.count),
               "--first", harness.c_escape(sc.first), "--rest", harness.c_escape(sc.rest),
               "--responses", str(sc.responses), "--hold", hold,
               "--sources", str(args.sources), "--max-connecting", str(args.max_connecting),
               "--connect-phase-timeout", "%g" % args.connect_phase_timeout,
               "--answer-timeout", "%g" % args.answer_timeout, "--hold-max", "%g" % hold_max]
        if sc.trickle:
            cmd += ["--trickle", "%g" % sc.trickle]
        super().__init__("slow_client", cmd, args.client_cpus, rundir)

    def release(self):
        """Ends a --hold stdin: the clients send the rest of their requests."""
        self.write_line("go")


def good_clients(args, server, duration):
    """One wrk run of the good clients (wrk/unanswered.lua) and their success rate:
    responses with a 2xx status within --wrk-timeout, over the requests wrk made
    (responses, socket errors, and requests left unanswered longer than the timeout).
    wrk counts a late response both as a response and as a timeout."""
    per_thread = args.connections // min(args.wrk_threads, args.connections)
    sc = Scenario("good", "good clients", connections=args.connections,
                  script="unanswered.lua",
                  script_args=["%d" % (args.wrk_timeout * 1000), str(per_thread)])
    r = harness.run_wrk(args, server, sc, duration, timeout=args.wrk_timeout, strict=False)
    e, unanswered = r["errors"], r.get("unanswered", 0)
    attempts = r["requests"] + e["connect"] + e["read"] + e["write"] + unanswered
    good = max(0, r["requests"] - e["status"] - e["timeout"])
    r["success"] = good / attempts if attempts else 0.0
    return r


# --- one scenario on one server -------------------------------------------------

def answers_now(server):
    """Whether the server answers a new GET / within two seconds."""
    try:
        return harness.http_get(server.port, "/", timeout=2).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def fresh_server(args, rundir, who, sc):
    t = sc.header_timeout
    if who == "engine":
        extra = ["--headers-timeout", "%d" % (t * 1000)] if t else []
        server = harness.start_engine(args, rundir, free_port(), extra)
    else:
        server = harness.start_nginx(args, rundir, free_port(),
                                     "client_header_timeout %gs;" % t if t else "")
    good_clients(args, server, 1)  # warm-up: what the server sizes by wrk's traffic
    time.sleep(0.3)
    return server


def finish_server(server, out):
    out["answers_after"] = answers_now(server)
    out["alive_after"] = server.alive()
    out["server_output"] = server.output()[-3000:]
    server.stop()
    harness.RUNNING.remove(server)
    return out


def run_one(args, rundir, who, sc):
    server = fresh_server(args, rundir, who, sc)
    out = {"server": who}
    if sc.count == 0:
        out["wrk"] = good_clients(args, server, args.duration)
        return finish_server(server, out)
    rss_before = server.rss_kib()
    if sc.held:
        slow = SlowClients(args, server, sc, "stdin", rundir)
        held = slow.wait("SLOW_HELD", args.connect_phase_timeout + 15)
        time.sleep(args.settle)  # the last connections' first bytes reach the server
        rss_held = server.rss_kib()
        out["wrk"] = good_clients(args, server, args.duration)
        rss_end = server.rss_kib()
        slow.release()
    else:
        box = {}
        wrk = threading.Thread(
            target=lambda: box.update(wrk=good_clients(args, server, args.duration)))
        wrk.start()
        time.sleep(args.split_delay)  # the slow clients arrive at a server under load
        slow = SlowClients(args, server, sc, "%g" % sc.gap, rundir)
        held = slow.wait("SLOW_HELD", args.connect_phase_timeout + 15)
        rss_held = server.rss_kib()
        rss_end = rss_held
    summary = slow.wait("SLOW_JSON", sc.gap + args.answer_timeout + 15)
    out["slow_client_stderr"] = slow.close()
    if not sc.held:
        wrk.join(args.duration + 60)
        out["wrk"] = box.get("wrk")
    out.update({"held": held, "slow": summary, "rss_before_kib": rss_before,
                "rss_held_kib": rss_held, "rss_end_kib": rss_end})
    open_held = held["open"] if held else 0
    out["rss_bytes_per_slow"] = ((rss_held - rss_before) * 1024 / open_held
                                 if open_held else None)
    return finish_server(server, out)


# --- the table ------------------------------------------------------------------

def run_figures(sc, d, base):
    """The figures of one run of a scenario on one server; base: the same round's
    baseline run on that server."""
    w = d.get("wrk") or {}
    p99 = (w.get("latency_us") or {}).get("p99")
    base_p99 = ((base.get("wrk") or {}).get("latency_us") or {}).get("p99")
    gap = w.get("longest_gap_us")
    f = {"success": w.get("success", 0.0), "rps": w.get("rps"), "p99": p99,
         "p99_ratio": p99 / base_p99 if p99 and base_p99 else None,
         "gap_ms": gap / 1000 if gap is not None else None}
    if sc.count:
        s = d.get("slow") or {}
        f["answered"] = s.get("answered", 0)
        f["total"] = sc.count
        f["last_answer_ms"] = s.get("last_answer_ms")
        f["closed"] = s.get("ended_before_rest", 0)
        f["rss"] = d.get("rss_bytes_per_slow")
    return f


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def figures(sc, runs, bases):
    """The table's figures for one scenario on one server over the rounds: `runs` and
    `bases` (its baseline runs) in round order. The worst round's success and
    answered count, the median of the rest; the p99 ratio is the median of each
    round's ratio to that round's baseline, so a noisy stretch of the machine that
    falls on one round moves neither."""
    per = [run_figures(sc, d, b) for d, b in zip(runs, bases + [{}] * len(runs))]
    f = {"rounds": per, "success": min(r["success"] for r in per)}
    for key in ("rps", "p99", "p99_ratio", "gap_ms"):
        f[key] = median(r[key] for r in per)
    f["p99_ratios"] = [r["p99_ratio"] for r in per]
    if sc.count:
        f["answered"] = min(r["answered"] for r in per)
        f["total"] = sc.count
        f["last_answer_ms"] = median(r["last_answer_ms"] for r in per)
        f["closed"] = min(r["closed"] for r in per)
        f["rss"] = median(r["rss"] for r in per)
    return f


def verdicts(sc, e, n):
    """The targets for the engine's figures `e`, nginx's `n` (None if not run)."""
    out = [("success", e["success"] >= TARGET_SUCCESS)]
    if sc.count:
        out.append(("p99", e["p99_ratio"] is not None and e["p99_ratio"] <= TARGET_P99))
        if n is not None:
            out.append(("RSS", e["rss"] is not None and n["rss"] is not None
                        and e["rss"] <= n["rss"]))
        if sc.header_timeout:
            out.append(("closed", e["closed"] == e["total"]))
        else:
            out.append(("answered", e["answered"] == e["total"]))
    return out


def fmt_ms(v):
    if v is None:
        return "n/a"
    return "%.1fs" % (v / 1000) if v >= 1000 else "%.0fms" % v if v >= 10 else "%.1fms" % v


def cell(results, key, fmt):
    return " / ".join(fmt(results[who][key]) if who in results else "-" for who in SERVERS)


def print_table(table):
    rows = [("scenario", "slow conns", "success e/n", "req/s e/n", "longest gap e/n",
             "p99 us e/n", "p99/unloaded e/n", "answered e/n", "last answer e/n",
             "closed early e/n", "RSS B/slow e/n", "targets (engine)")]
    for sc, figs in table:
        targets = ""
        if "engine" in figs:
            targets = ", ".join("%s %s" % (name, harness.verdict(ok))
                                for name, ok in verdicts(sc, figs["engine"], figs.get("nginx")))
        slow = sc.count > 0
        rows.append((
            sc.name, fmt_num(sc.count) if slow else "-",
            cell(figs, "success", lambda v: "%.2f%%" % (100 * v)),
            cell(figs, "rps", fmt_num),
            cell(figs, "gap_ms", fmt_ms),
            cell(figs, "p99", fmt_us),
            cell(figs, "p99_ratio", lambda v: "n/a" if v is None else "%.2fx" % v),
            cell(figs, "answered", str) if slow else "-",
            cell(figs, "last_answer_ms", fmt_ms) if slow else "-",
            cell(figs, "closed", str) if slow else "-",
            cell(figs, "rss", fmt_num) if slow else "-",
            targets))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for i, row in enumerate(rows):
        log("  ".join(c.ljust(w) if j in (0, len(row) - 1) else c.rjust(w)
                      for j, (c, w) in enumerate(zip(row, widths))).rstrip())
        if i == 0:
            log("  ".join("-" * w for w in widths))
    log("")
    log("targets: success >= %.1f%%; p99 <= %gx the same server's unloaded p99; RSS per "
        "slow connection <= nginx's; every slow connection answered (slowloris: every one "
        "closed by the server before it was released)" % (100 * TARGET_SUCCESS, TARGET_P99))


def per_round_ratios(table):
    """Each round's p99 ratio, for the scenarios with slow connections: how far the
    medians in the table can be trusted."""
    log("")
    for sc, figs in table:
        if not sc.count:
            continue
        log("p99/unloaded by round, %s: %s" % (sc.name, "; ".join(
            "%s %s" % (who, " ".join("n/a" if r is None else "%.2fx" % r
                                     for r in figs[who]["p99_ratios"]))
            for who in SERVERS if who in figs)))


def run_notes(args, sc, d):
    """What the table does not show about one run: how its slow connections ended,
    wrk's errors, a server that stopped answering."""
    out = []
    w = d.get("wrk") or {}
    if w.get("failed"):
        out.append("wrk: %s" % w["failed"].splitlines()[0])
    if w.get("error_count") or w.get("unanswered"):
        out.append("wrk errors %s, unanswered after %g s: %d"
                   % (json.dumps(w["errors"]), args.wrk_timeout, w.get("unanswered", 0)))
    s = d.get("slow")
    if sc.count and s is None:
        out.append("slow_client gave no summary (%s)"
                   % d.get("slow_client_stderr", "").strip()[-200:])
    if s:
        ended = ", ".join("%s %d" % (k, v) for k, v in s["outcomes"].items() if v)
        out.append("slow connections: %s%s%s%s%s" % (
            ended,
            "; %d answered before their request was complete" % s["answered_before_rest"]
            if s["answered_before_rest"] else "",
            "; %d closed by the server before their request was complete"
            % s["ended_before_rest"] if s["ended_before_rest"] else "",
            " (the last after %.1f s)" % (s["ended_before_rest_max_ms"] / 1000)
            if s.get("ended_before_rest") else "",
            "; connect errors %s" % json.dumps(s["connect_errors"])
            if s["connect_errors"] else ""))
    if not d.get("answers_after", True):
        out.append("the server did not answer a new GET / after the run%s"
                   % ("" if d.get("alive_after") else " (it had exited)"))
    return out


def notes(args, results, scs):
    """Each run's notes; one that several rounds share is printed once, with them."""
    rounds = {}
    for sc in scs:
        for who in SERVERS:
            for d in results.get(sc.name, {}).get(who, []):
                for text in run_notes(args, sc, d):
                    rounds.setdefault((sc.name, who, text), []).append(str(d["round"]))
    if rounds:
        log("")
    for (name, who, text), rs in rounds.items():
        log("note: %s, %s, round%s %s: %s"
            % (name, who, "s" if len(rs) > 1 else "", ",".join(rs), text))


# --- main -----------------------------------------------------------------------

def parse_args():
    ncpu = os.cpu_count() or 1
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--full", action="store_true",
                   help="wrk runs of 20 s instead of the quick mode's 5 s")
    p.add_argument("--duration", type=float, help="seconds per wrk run (quick: 5, full: 20)")
    p.add_argument("--rounds", type=int, help="rounds of every scenario on both servers "
                   "(quick: 3, full: 5)")
    harness.add_cpu_args(p)
    p.add_argument("--server-threads", type=int, default=1,
                   help="engine threads, and nginx worker processes (default: 1)")
    p.add_argument("--connections", type=int, default=64, help="wrk's connections (64)")
    p.add_argument("--wrk-timeout", type=float, default=1.0,
                   help="seconds after which wrk counts a request as timed out (1)")
    p.add_argument("--heads", type=int, default=10000, help="heads-10k's connections")
    p.add_argument("--bodies", type=int, default=5000, help="bodies-5k's connections")
    p.add_argument("--split", type=int, default=5000, help="split-5k's connections")
    p.add_argument("--slowloris", type=int, default=500, help="slowloris-500's connections")
    p.add_argument("--trickle", type=float, default=1.0,
                   help="seconds between slowloris-500's bytes (1)")
    p.add_argument("--slowloris-timeout", type=float, default=3.0,
                   help="both servers' header timeout in slowloris-500, seconds (3)")
    p.add_argument("--split-gap", type=float, default=0.5,
                   help="seconds split-5k's clients wait, once the last has connected, "
                        "before the second part of their heads (0.5)")
    p.add_argument("--split-delay", type=float, default=1.0,
                   help="seconds into the wrk run at which split-5k's clients start (1)")
    p.add_argument("--settle", type=float, default=1.0,
                   help="seconds between the slow connections' first bytes and the RSS "
                        "reading (1)")
    p.add_argument("--answer-timeout", type=float, default=10.0,
                   help="seconds the slow clients wait for answers once their requests "
                        "are complete (10)")
    p.add_argument("--connect-phase-timeout", type=float, default=30.0,
                   help="seconds the slow clients may take to connect (30)")
    p.add_argument("--max-connecting", type=int, default=256,
                   help="slow connections being opened at once (256)")
    p.add_argument("--sources", type=int, default=16,
                   help="source addresses 127.0.0.2.. for the slow connections (16)")
    p.add_argument("--scenarios", default=None, help="comma-separated subset of: " +
                   ", ".join(s.name for s in scenarios(argparse.Namespace(
                       heads=0, bodies=0, split=0, split_gap=0, slowloris=0, trickle=0,
                       slowloris_timeout=0))))
    p.add_argument("--servers", default=",".join(SERVERS),
                   help="comma-separated subset of: engine, nginx")
    p.add_argument("--out", default=None,
                   help="output folder (default: out/slow_clients-DATE in the workspace)")
    p.add_argument("--engine-bin", default=os.path.join(HERE, "plaintext_server"))
    p.add_argument("--slow-client-bin",
                   default=os.path.join(HERE, "slow_client"))
    p.add_argument("--nginx-conf", default=os.path.join(HERE, "nginx", "nginx.conf"))
    p.add_argument("--wrk-dir", default=os.path.join(HERE, "wrk"))
    args = p.parse_args()
    args.duration = args.duration or (20.0 if args.full else 5.0)
    args.rounds = args.rounds or (5 if args.full else 3)
    if args.rounds < 1:
        p.error("--rounds must be at least 1")
    harness.finish_cpu_args(args, ncpu)
    names = [s.name for s in scenarios(args)]
    wanted = args.scenarios.split(",") if args.scenarios else names
    unknown = [w for w in wanted if w not in names]
    if unknown:
        p.error("unknown scenarios: %s (known: %s)" % (", ".join(unknown), ", ".join(names)))
    args.wanted = wanted
    args.servers = [s for s in SERVERS if s in args.servers.split(",")]
    if not args.servers:
        p.error("--servers names neither engine nor nginx")
    # Both servers drop a request head that takes 60 s (headersTimeout,
    # client_header_timeout): a held scenario must end well before.
    hold = args.connect_phase_timeout / 3 + args.settle + args.duration
    if hold > 50:
        log("warning: slow connections may be held about %.0f s, near the servers' 60 s "
            "header timeouts" % hold)
    return args


def check_tools(args):
    args.nginx = harness.find_tool("nginx")
    args.wrk = harness.find_tool("wrk")
    missing = [n for n, p in (("nginx", args.nginx if "nginx" in args.servers else "-"),
                              ("wrk", args.wrk), ("taskset", harness.find_tool("taskset")))
               if not p]
    if missing:
        fail("missing %s; install the Debian packages (tools/bazel installs nginx-light "
             "and wrk; taskset is in util-linux)" % " and ".join(missing))
    for path, what in ((args.engine_bin, "engine server"), (args.nginx_conf, "nginx.conf"),
                       (args.slow_client_bin, "slow_client"),
                       (os.path.join(args.wrk_dir, "report.lua"), "wrk scripts")):
        if not os.path.exists(path):
            fail("%s not found at %s (run through tools/bazel run //benchmarks:slow_clients)"
                 % (what, path))


def main():
    args = parse_args()

    def cleanup():
        harness.Child.kill_all()
        harness.stop_all()

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda signum, _: (cleanup(), sys.exit(128 + signum)))
    check_tools(args)

    scs = [s for s in scenarios(args) if s.name in args.wanted]
    most = max([s.count for s in scs] + [0])
    # The servers (which inherit it) and slow_client each hold `most` sockets and more.
    limit = harness.raise_nofile(most + 1024)
    if limit < most + 256:
        fail("RLIMIT_NOFILE's hard limit is %d, too low for %d slow connections; lower "
             "--heads, --bodies, --split" % (limit, most))
    os.sched_setaffinity(0, harness.parse_cpus(args.client_cpus))

    outdir, rundir = harness.output_dirs("slow_clients", args.out)

    info = harness.machine_info()
    nginx_version = (subprocess.run([args.nginx, "-v"], capture_output=True, text=True)
                     .stderr.strip() if args.nginx else None)
    mode = "full" if args.full else "quick"
    log("slow_clients: %s mode, wrk -c %d for %g s per run; servers on cores %s, wrk and "
        "slow_client on cores %s" % (mode, args.connections, args.duration,
                                     args.server_cpus, args.client_cpus))
    log("machine: %s, %d cores, Linux %s; %s" % (info["cpu"], info["cpus"], info["kernel"],
                                                 nginx_version))
    results = {}  # scenario -> server -> the runs, in round order
    started = time.time()
    try:
        for rnd in range(1, args.rounds + 1):
            for sc in scs:
                for who in args.servers:
                    t0 = time.time()
                    d = run_one(args, rundir, who, sc)
                    d["round"] = rnd
                    results.setdefault(sc.name, {}).setdefault(who, []).append(d)
                    w, s = d.get("wrk") or {}, d.get("slow")
                    line = "[round %d/%d %s] %-6s wrk %s req/s, success %.2f%%, p99 %s" % (
                        rnd, args.rounds, sc.name, who, fmt_num(w.get("rps")),
                        100 * w.get("success", 0),
                        fmt_us((w.get("latency_us") or {}).get("p99")))
                    if sc.count:
                        line += "; slow answered %s/%d" % (s["answered"] if s else "?",
                                                           sc.count)
                    log(line + " (%.0f s)" % (time.time() - t0))
    finally:
        cleanup()
        shutil.rmtree(rundir, ignore_errors=True)
    elapsed = time.time() - started

    base = results.get("baseline", {})
    table = []
    for sc in scs:
        table.append((sc, {who: figures(sc, runs, base.get(who, []))
                           for who, runs in results[sc.name].items()}))
    log("")
    log("slow_clients results (%s mode, %d rounds of %g s wrk runs, %.0f s in all): the "
        "worst round's success and answered, medians of the rest; e = engine, n = nginx"
        % (mode, args.rounds, args.duration, elapsed))
    print_table(table)
    per_round_ratios(table)
    notes(args, results, scs)

    doc = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "mode": mode,
           "rounds": args.rounds, "duration_s": args.duration, "wrk_connections": args.connections,
           "wrk_timeout_s": args.wrk_timeout, "server_cpus": args.server_cpus,
           "client_cpus": args.client_cpus, "server_threads": args.server_threads,
           "machine": info, "nginx": nginx_version,
           "targets": {"success": TARGET_SUCCESS, "p99_ratio": TARGET_P99},
           "scenarios": {sc.name: {"title": sc.title, "connections": sc.count,
                                   "figures": figs, "runs": results[sc.name]}
                         for sc, figs in table}}
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump(doc, f, indent=2)
    log("")
    log("wrote %s (results.json)" % outdir)


if __name__ == "__main__":
    main()
