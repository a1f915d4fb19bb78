#!/usr/bin/env python3
"""The engine against nginx on the same machine: tools/bazel run //benchmarks:vs_nginx

Starts nginx (benchmarks/nginx/nginx.conf) and the engine's plaintext server
(benchmarks/plaintext_server.cc), each pinned to the server cores, and drives them
with wrk (benchmarks/wrk/*.lua) pinned to the other cores. Runs are interleaved,
engine then nginx for each scenario, round after round, so that drift in the
machine's speed falls on both alike. Then measures the memory of idle connections on
a fresh server of each. Prints a table, then writes results.json and a chart to the
output folder it names at the end. What it shares with vs_node (servers, wrk, rounds,
table) is in benchmarks/harness.py, the charts in benchmarks/charts.py. See
benchmarks/README.md.

Python 3 standard library only.
"""

import argparse
import datetime
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import charts
import harness
from harness import Scenario, fail, fmt_num, free_port, http_get, log

harness.NAME = "vs_nginx"

HERE = os.path.dirname(os.path.abspath(__file__))

SCENARIOS = [
    Scenario("plaintext-64", "plaintext keep-alive, 64 connections", target=1.5),
    Scenario("plaintext-1024", "plaintext keep-alive, 1,024 connections", connections=1024),
    Scenario("pipeline-16", "pipelined, depth 16, 64 connections",
             script="pipeline.lua", script_args=["16"], target=4.0),
    Scenario("churn", "connection churn (Connection: close), 64 connections",
             script="churn.lua", target=1.0),
    Scenario("body-64k", "64 KiB body, 64 connections", path="/64k"),
    Scenario("body-1m", "1 MiB body, 64 connections", path="/1m", target=1.0),
]
IDLE_NAME = "idle-10k"
P99_TARGET = ("plaintext-64", 0.5)  # engine p99 at most half of nginx's


# --- idle connections -----------------------------------------------------------

def open_idle(port, count):
    """`count` keep-alive connections, each after one request; returns the sockets."""
    socks = []
    try:
        for _ in range(count):
            http_get(port, "/", keep=socks)
    except OSError as e:
        for s in socks:
            s.close()
        raise OSError("after %d connections: %s" % (len(socks), e)) from e
    return socks


def measure_idle(args, rundir, start, name):
    """RSS per idle connection of a fresh server: the growth over the second half of
    args.idle_connections idle connections. The first half also warms what a server
    sizes by traffic, not by connections (the engine's receive-buffer ring is touched
    page by page as requests land in buffers not used before); the whole-run average
    is reported too."""
    server = start(args, rundir, free_port())
    for _ in range(100):  # let it reach its steady allocations for one connection
        http_get(server.port, "/")
    time.sleep(0.3)
    before = server.rss_kib()
    t0 = time.time()
    half = args.idle_connections // 2
    try:
        socks = open_idle(server.port, half)
        time.sleep(0.5)
        middle = server.rss_kib()
        socks += open_idle(server.port, args.idle_connections - half)
    except OSError as e:
        server.stop()
        harness.RUNNING.remove(server)
        fail("%s: opening idle connections failed %s\n%s" % (name, e, server.output()))
    time.sleep(0.5)
    after = server.rss_kib()
    # Every connection is still open: one more request on a sample of them.
    sample = socks[:: max(1, len(socks) // 50)]
    alive = 0
    for s in sample:
        try:
            s.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
            if s.recv(4096):
                alive += 1
        except OSError:
            pass
    elapsed = time.time() - t0
    for s in socks:
        s.close()
    server.stop()
    harness.RUNNING.remove(server)
    return {
        "connections": len(socks),
        "rss_before_kib": before,
        "rss_middle_kib": middle,
        "rss_after_kib": after,
        "bytes_per_connection": (after - middle) * 1024 / max(1, len(socks) - half),
        "bytes_per_connection_all": (after - before) * 1024 / max(1, len(socks)),
        "sample_alive": "%d/%d" % (alive, len(sample)),
        "seconds": elapsed,
    }


def print_idle(idle):
    """The idle rows, after harness.print_table's load table."""
    e, n = idle["engine"], idle["nginx"]
    ok = e["bytes_per_connection"] <= n["bytes_per_connection"]
    log("")
    log("%s: %d idle keep-alive connections, RSS growth per connection over the "
        "second half (over all of them):" % (IDLE_NAME, e["connections"]))
    for name, d in (("engine", e), ("nginx", n)):
        log("  %-6s %8s bytes/conn (%s)  (RSS %s -> %s -> %s KiB, sample still open %s)"
            % (name, fmt_num(d["bytes_per_connection"]),
               fmt_num(d["bytes_per_connection_all"]), fmt_num(d["rss_before_kib"]),
               fmt_num(d["rss_middle_kib"]), fmt_num(d["rss_after_kib"]),
               d["sample_alive"]))
    log("  target: at most nginx's: %s" % harness.verdict(ok))


def idle_bars(idle):
    """The idle bar of chart.svg: nginx's bytes per connection over the engine's."""
    if not idle or idle["engine"]["bytes_per_connection"] <= 0:
        return []
    r = idle["nginx"]["bytes_per_connection"] / idle["engine"]["bytes_per_connection"]
    return [(IDLE_NAME + " (nginx/engine bytes)", r, r, r, 1.0)]


# --- main -----------------------------------------------------------------------

def parse_args():
    ncpu = os.cpu_count() or 1
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--full", action="store_true",
                   help="longer runs and more rounds (about 11 minutes) instead of the "
                        "quick mode (about 2 minutes)")
    harness.add_common_args(p, ncpu)
    p.add_argument("--server-threads", type=int, default=1,
                   help="engine threads, and nginx worker processes (default: 1)")
    p.add_argument("--scenarios", default=None,
                   help="comma-separated subset of: %s, %s"
                        % (", ".join(s.name for s in SCENARIOS), IDLE_NAME))
    p.add_argument("--idle-connections", type=int, default=10000)
    p.add_argument("--out", default=None, help="output folder (default: out/vs_nginx-DATE "
                                               "in the workspace)")
    p.add_argument("--engine-bin", default=os.path.join(HERE, "plaintext_server"))
    p.add_argument("--nginx-conf", default=os.path.join(HERE, "nginx", "nginx.conf"))
    p.add_argument("--wrk-dir", default=os.path.join(HERE, "wrk"))
    args = p.parse_args()
    harness.finish_common_args(args, ncpu)
    names = [s.name for s in SCENARIOS] + [IDLE_NAME]
    wanted = args.scenarios.split(",") if args.scenarios else names
    unknown = [w for w in wanted if w not in names]
    if unknown:
        p.error("unknown scenarios: %s (known: %s)" % (", ".join(unknown), ", ".join(names)))
    args.load_scenarios = [s for s in SCENARIOS if s.name in wanted]
    args.idle = IDLE_NAME in wanted
    return args


def main():
    args = parse_args()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda signum, _: (harness.stop_all(), sys.exit(128 + signum)))

    args.nginx = harness.find_tool("nginx")
    args.wrk = harness.find_tool("wrk")
    missing = [n for n, p in (("nginx", args.nginx), ("wrk", args.wrk),
                              ("taskset", harness.find_tool("taskset"))) if not p]
    if missing:
        fail("missing %s; install the Debian packages (tools/bazel installs nginx-light "
             "and wrk; taskset is in util-linux)" % " and ".join(missing))
    for path, what in ((args.engine_bin, "engine server"), (args.nginx_conf, "nginx.conf"),
                       (os.path.join(args.wrk_dir, "report.lua"), "wrk scripts")):
        if not os.path.exists(path):
            fail("%s not found at %s (run through tools/bazel run //benchmarks:vs_nginx)"
                 % (what, path))

    # Each process holds at most idle_connections sockets plus a few.
    limit = harness.raise_nofile(args.idle_connections + 1024)
    if args.idle and limit < args.idle_connections + 64:
        new = max(0, limit - 256)
        log("warning: RLIMIT_NOFILE is %d; idle connections lowered to %d" % (limit, new))
        args.idle_connections = new
    os.sched_setaffinity(0, harness.parse_cpus(args.client_cpus))  # the idle client

    outdir, rundir = harness.output_dirs("vs_nginx", args.out)

    info = harness.machine_info()
    nginx_version = subprocess.run([args.nginx, "-v"], capture_output=True,
                                   text=True).stderr.strip()
    mode = "full" if args.full else "quick"
    log("vs_nginx: %s mode, %d rounds of %g s per run; servers on cores %s (%d thread%s), "
        "wrk on cores %s (%d thread%s)"
        % (mode, args.rounds, args.duration, args.server_cpus, args.server_threads,
           "s" if args.server_threads > 1 else "", args.client_cpus, args.wrk_threads,
           "s" if args.wrk_threads > 1 else ""))
    log("machine: %s, %d cores, Linux %s; %s" % (info["cpu"], info["cpus"], info["kernel"],
                                                 nginx_version))
    results, idle = {}, None
    started = time.time()
    try:
        if args.load_scenarios:
            servers = {"engine": harness.start_engine(args, rundir, free_port()),
                       "nginx": harness.start_nginx(args, rundir, free_port())}
            sizes = {k: len(http_get(s.port, "/")) for k, s in servers.items()}
            log("response to GET /: engine %d bytes, nginx %d bytes%s"
                % (sizes["engine"], sizes["nginx"],
                   "" if sizes["engine"] == sizes["nginx"] else " (sizes differ)"))
            runs = harness.run_rounds(args, servers, args.load_scenarios)
            for sc in args.load_scenarios:
                results[sc.name] = harness.summarise(
                    sc, runs[sc.name], len(harness.parse_cpus(args.client_cpus)), "nginx")
            harness.stop_all()
        if args.idle:
            log("[%s] opening %d idle keep-alive connections to a fresh engine, then a "
                "fresh nginx" % (IDLE_NAME, args.idle_connections))
            idle = {"engine": measure_idle(args, rundir, harness.start_engine, "engine"),
                    "nginx": measure_idle(args, rundir, harness.start_nginx, "nginx")}
    finally:
        harness.stop_all()
        shutil.rmtree(rundir, ignore_errors=True)
    elapsed = time.time() - started

    log("")
    log("vs_nginx results (%s mode, %d rounds x %g s, %.0f s in all); e = engine, n = nginx"
        % (mode, args.rounds, args.duration, elapsed))
    harness.print_table(results, "nginx", P99_TARGET)
    if idle:
        print_idle(idle)

    doc = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "mode": mode,
           "rounds": args.rounds, "duration_s": args.duration,
           "server_cpus": args.server_cpus, "client_cpus": args.client_cpus,
           "server_threads": args.server_threads, "wrk_threads": args.wrk_threads,
           "machine": info, "nginx": nginx_version, "scenarios": results, "idle": idle}
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump(doc, f, indent=2)
    charts.write_svg(os.path.join(outdir, "chart.svg"), results, "nginx", idle_bars(idle))
    png = charts.write_gnuplot(outdir, results, "nginx")
    log("")
    log("wrote %s (results.json, chart.svg%s)" % (outdir, ", chart.png" if png else ""))


if __name__ == "__main__":
    main()
