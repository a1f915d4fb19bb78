#!/usr/bin/env python3
"""The engine against Node v12.22.9 running the same handlers:
tools/bazel run //benchmarks:vs_node

Starts benchmarks/node/handlers.js in the reference runtime (installed from the npm
registry by tools/node_v12/install.sh) and benchmarks/handlers_server.cc, the same
handlers in the C++ API, each pinned to the server cores; checks that both answer
every URL with the same bytes (Date aside); then drives them with wrk pinned to the
other cores, interleaved round after round, as vs_nginx does. Prints a table, then
writes results.json and a chart to the output folder it names at the end. See
benchmarks/README.md.

Python 3 standard library only.
"""

import argparse
import datetime
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

import charts
import harness
from harness import Scenario, fail, log

harness.NAME = "vs_node"

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = 5.0  # issue 4: the engine at least 5x Node v12 in every scenario

SCENARIOS = [
    Scenario("plaintext-64", "setHeader + end(text), 64 connections", path="/plaintext",
             target=TARGET),
    Scenario("json-64", "JSON body per request, 64 connections", path="/json", target=TARGET),
    Scenario("headers-64", "request headers into writeHead, 64 connections", path="/headers",
             script="headers.lua", target=TARGET),
    Scenario("chunked-64", "four write()s, a trailer, end(), 64 connections", path="/chunked",
             target=TARGET),
    Scenario("echo-64", "POST 1 KiB, body collected and sent back, 64 connections",
             path="/echo", script="post.lua", script_args=["1024"], target=TARGET),
    Scenario("pipeline-16", "plaintext pipelined, depth 16, 64 connections",
             path="/plaintext", script="pipeline.lua", script_args=["16"], target=TARGET),
]

# What the start-up check sends to both servers; their answers must match byte for
# byte once the Date value is masked.
CHECKS = [
    b"GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /json HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /headers HTTP/1.1\r\nHost: x\r\nUser-Agent: check\r\nAccept: */*\r\n\r\n",
    b"GET /chunked HTTP/1.1\r\nHost: x\r\n\r\n",
    b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world",
    b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n",
]


def start_node(args, rundir, port):
    return harness.start_server("node", [args.node, args.handlers_js, str(port)], args,
                                rundir, port)


def exchange(port, request):
    """One request on a new connection; the response bytes up to a 300 ms pause."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(request)
        s.settimeout(0.3)
        data = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        except socket.timeout:
            pass
    return re.sub(rb"\r\nDate: [^\r]*", b"\r\nDate: DATE", data)


def check_same_bytes(servers):
    for request in CHECKS:
        got = {name: exchange(s.port, request) for name, s in servers.items()}
        if got["engine"] != got["node"] or not got["node"]:
            fail("the engine and node answer %r differently:\n  engine: %r\n  node:   %r"
                 % (request.split(b"\r\n")[0], got["engine"], got["node"]))
    log("start-up check: both servers answer the %d check requests with the same bytes"
        % len(CHECKS))


def install_node(args):
    try:
        out = subprocess.run(["bash", args.install_sh], capture_output=True, text=True,
                             timeout=600)
    except subprocess.TimeoutExpired:
        fail("installing Node v12.22.9 took over 10 minutes")
    if out.returncode != 0:
        fail("installing Node v12.22.9 failed:\n%s" % out.stderr)
    return out.stdout.strip().splitlines()[-1]


def parse_args():
    ncpu = os.cpu_count() or 1
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--full", action="store_true",
                   help="longer runs and more rounds (about 11 minutes) instead of the "
                        "quick mode (about 2 minutes)")
    harness.add_common_args(p, ncpu)
    p.add_argument("--server-threads", type=int, default=1,
                   help="engine threads (default: 1; node runs one process)")
    p.add_argument("--scenarios", default=None, help="comma-separated subset of: %s"
                   % ", ".join(s.name for s in SCENARIOS))
    p.add_argument("--out", default=None, help="output folder (default: out/vs_node-DATE "
                                               "in the workspace)")
    p.add_argument("--node", default=None, help="a node v12.22.9 binary (default: the one "
                                                "tools/node_v12/install.sh installs)")
    p.add_argument("--engine-bin", default=os.path.join(HERE, "handlers_server"))
    p.add_argument("--handlers-js", default=os.path.join(HERE, "node", "handlers.js"))
    p.add_argument("--install-sh", default=os.path.join(os.path.dirname(HERE), "tools",
                                                        "node_v12", "install.sh"))
    p.add_argument("--wrk-dir", default=os.path.join(HERE, "wrk"))
    args = p.parse_args()
    harness.finish_common_args(args, ncpu)
    names = [s.name for s in SCENARIOS]
    wanted = args.scenarios.split(",") if args.scenarios else names
    unknown = [w for w in wanted if w not in names]
    if unknown:
        p.error("unknown scenarios: %s (known: %s)" % (", ".join(unknown), ", ".join(names)))
    args.load_scenarios = [s for s in SCENARIOS if s.name in wanted]
    return args


def main():
    args = parse_args()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda signum, _: (harness.stop_all(), sys.exit(128 + signum)))
    args.wrk = harness.find_tool("wrk")
    if not args.wrk or not harness.find_tool("taskset"):
        fail("missing wrk or taskset; install the Debian packages (tools/bazel installs "
             "wrk; taskset is in util-linux)")
    for path, what in ((args.engine_bin, "engine server"), (args.handlers_js, "handlers.js"),
                       (os.path.join(args.wrk_dir, "report.lua"), "wrk scripts")):
        if not os.path.exists(path):
            fail("%s not found at %s (run through tools/bazel run //benchmarks:vs_node)"
                 % (what, path))
    args.node = args.node or install_node(args)
    node_version = subprocess.run([args.node, "--version"], capture_output=True,
                                  text=True).stdout.strip()
    if node_version != "v12.22.9":
        log("warning: %s is node %s, not the reference v12.22.9" % (args.node, node_version))
    os.sched_setaffinity(0, harness.parse_cpus(args.client_cpus))

    outdir, rundir = harness.output_dirs("vs_node", args.out)

    info = harness.machine_info()
    mode = "full" if args.full else "quick"
    log("vs_node: %s mode, %d rounds of %g s per run; servers on cores %s (engine: %d "
        "thread%s; node: one process), wrk on cores %s (%d thread%s)"
        % (mode, args.rounds, args.duration, args.server_cpus, args.server_threads,
           "s" if args.server_threads > 1 else "", args.client_cpus, args.wrk_threads,
           "s" if args.wrk_threads > 1 else ""))
    log("machine: %s, %d cores, Linux %s; node %s" % (info["cpu"], info["cpus"],
                                                      info["kernel"], node_version))
    results = {}
    started = time.time()
    try:
        servers = {"engine": harness.start_engine(args, rundir, harness.free_port()),
                   "node": start_node(args, rundir, harness.free_port())}
        check_same_bytes(servers)
        runs = harness.run_rounds(args, servers, args.load_scenarios)
        for sc in args.load_scenarios:
            results[sc.name] = harness.summarise(
                sc, runs[sc.name], len(harness.parse_cpus(args.client_cpus)), "node")
    finally:
        harness.stop_all()
        shutil.rmtree(rundir, ignore_errors=True)
    elapsed = time.time() - started

    log("")
    log("vs_node results (%s mode, %d rounds x %g s, %.0f s in all); e = engine, n = node"
        % (mode, args.rounds, args.duration, elapsed))
    harness.print_table(results, "node")

    doc = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "mode": mode,
           "rounds": args.rounds, "duration_s": args.duration,
           "server_cpus": args.server_cpus, "client_cpus": args.client_cpus,
           "server_threads": args.server_threads, "wrk_threads": args.wrk_threads,
           "machine": info, "node": node_version, "scenarios": results}
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump(doc, f, indent=2)
    charts.write_svg(os.path.join(outdir, "chart.svg"), results, "node")
    png = charts.write_gnuplot(outdir, results, "node")
    log("")
    log("wrote %s (results.json, chart.svg%s)" % (outdir, ", chart.png" if png else ""))


if __name__ == "__main__":
    main()
