#!/usr/bin/env python3
"""A long mixed load on one engine: tools/bazel run //benchmarks:soak [-- --minutes N]

Starts benchmarks/soak_server.cc pinned to the server cores and, for --minutes (10 by
default), drives it with every kind of traffic at once, each client checking what it
gets back, all pinned to the other cores:

  keep-alive  wrk, GET /plaintext on keep-alive connections (wrk/checked.lua)
  churn       wrk, every request with Connection: close
  pipeline    wrk, --depth requests per write
  upload      soak_client: chunked POST /upload sent in pieces, its answer checked
  stream      soak_client: GET /stream read fast and slowly (the server then waits
              for 'drain'), every byte checked
  abort       soak_client: partial heads, bodies and streams given up with a close
              or a reset
  slow waves  slow_client, every --wave-every s: --wave-connections connections hold
              a partial head, body or chunked body for --wave-hold s, then finish it

Every second it samples the server's RSS, its open descriptors, its own counters
(GET /stats) and the requests each kind has completed. Once the clients are done it
waits up to --drain s for the descriptors to come back, then prints the errors of each
kind (all must be 0) and whether memory and descriptors stayed flat, and writes
results.json (every sample) and chart.svg to the output folder it names at the end.
Exits 1 when an error was counted or a resource was not flat. The table, the criteria
and the chart are in soak_report.py. See benchmarks/README.md.

Python 3 standard library only.
"""

import argparse
import datetime
import json
import os
import shutil
import signal
import sys
import threading
import time

import harness
import soak_report
from harness import Scenario, fail, free_port, log

harness.NAME = "soak"

HERE = os.path.dirname(os.path.abspath(__file__))
BODY = "Hello, World!"  # soak_server's /plaintext

# slow_client's waves, in turn: (name, first part, rest, responses per connection).
HEAD = "GET /plaintext HTTP/1.1\r\nHost: soak\r\n"
WAVES = (
    ("heads", HEAD, "\r\n", 1),
    ("bodies", "POST /upload HTTP/1.1\r\nHost: soak\r\nContent-Length: 100\r\n\r\n" + "x" * 10,
     "x" * 90 + HEAD + "\r\n", 2),
    ("chunked", "POST /upload HTTP/1.1\r\nHost: soak\r\nTransfer-Encoding: chunked\r\n\r\n"
     "5\r\nhello\r\n", "0\r\n\r\n", 1),
)


class WrkLoad:
    """One wrk of the soak, with wrk/checked.lua; its responses are followed through
    the script's once-a-second ticks."""

    def __init__(self, args, port, kind, connections, depth, close, rundir):
        sc = Scenario(kind, kind, path="/plaintext", connections=connections,
                      script="checked.lua",
                      script_args=[BODY, str(depth)] + (["close"] if close else []))
        self.kind = kind
        self.describe = {kind: "wrk -c %d%s%s" % (
            connections, ", Connection: close" if close else "",
            ", %d per write" % depth if depth > 1 else "")}
        self.ticks = {}  # wrk thread -> (responses, bad)
        self.bad_samples = []
        cmd = harness.wrk_command(args, port, sc, args.seconds, timeout=args.wrk_timeout)
        self.child = harness.Child("wrk-" + kind, cmd, args.client_cpus, rundir,
                                   on_line=self._line)

    def _line(self, line):
        words = line.split()
        if words[:1] == ["WRK_TICK"] and len(words) == 4:
            self.ticks[int(words[1])] = (int(words[2]), int(words[3]))
        elif words[:1] == ["WRK_BAD"] and len(self.bad_samples) < 5:
            self.bad_samples.append(line.strip())

    def counts(self):
        return {self.kind: sum(r for r, _ in list(self.ticks.values()))}

    def finish(self):
        """{kind: {"requests", "errors", ...}} once wrk has ended."""
        figures = self.child.wait("WRK_JSON", 60)
        stderr = self.child.close()
        if figures is None:
            return {self.kind: {"requests": 0, "errors": {"no_report": 1}, "stderr": stderr}}
        errors = dict(figures["errors"])
        errors["bad"] = figures.get("bad", 0)
        return {self.kind: {"requests": figures["requests"], "errors": errors,
                            "bad_samples": self.bad_samples, "wrk": figures}}


class SoakClients:
    """soak_client's upload, stream and abort connections."""

    KINDS = ("upload", "stream", "abort")

    def __init__(self, args, port, rundir, seconds=None, counts=None):
        n = counts or {"upload": args.uploads, "stream": args.streams, "abort": args.aborts}
        self.describe = {
            "upload": "soak_client, %d connections" % n["upload"],
            "stream": "soak_client, %d connections (%d slow)"
                      % (n["stream"], min(args.slow_readers, n["stream"])),
            "abort": "soak_client, %d connections" % n["abort"]}
        self.latest = None
        self.timeout = args.client_timeout
        cmd = [args.soak_client_bin, "--port", str(port),
               "--duration", "%g" % (seconds or args.seconds),
               "--uploads", str(n["upload"]), "--streams", str(n["stream"]),
               "--slow-readers", str(args.slow_readers), "--aborts", str(n["abort"]),
               "--seed", str(args.seed), "--timeout", "%g" % args.client_timeout]
        self.child = harness.Child("soak_client", cmd, args.client_cpus, rundir,
                                   on_line=self._line)

    def _line(self, line):
        if line.startswith("SOAK_TICK "):
            self.latest = json.loads(line.split(" ", 1)[1])

    def counts(self):
        latest = self.latest
        return {k: latest["kinds"][k]["requests"] if latest else 0 for k in self.KINDS}

    def finish(self):
        summary = self.child.wait("SOAK_JSON", self.timeout + 30)
        stderr = self.child.close()
        if summary is None:
            return {k: {"requests": 0, "errors": {"no_report": 1}, "stderr": stderr}
                    for k in self.KINDS}
        return {k: dict(summary["kinds"][k], first_errors=summary["first_errors"])
                for k in self.KINDS}


class Waves:
    """slow_client, a wave every --wave-every s, WAVES' kinds in turn, until a wave
    would not end before the load does."""

    def __init__(self, args, port, rundir, t0):
        self.args, self.port, self.rundir, self.t0 = args, port, rundir, t0
        self.describe = {"slow waves": "slow_client, %d per wave, held %g s"
                                       % (args.wave_connections, args.wave_hold)}
        self.waves = []
        self.stopped = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        a, k = self.args, 0
        end = self.t0 + a.seconds
        while not self.stopped and time.time() + a.wave_hold + 5 < end:
            started = time.time()
            name, first, rest, responses = WAVES[k % len(WAVES)]
            k += 1
            child = harness.Child(
                "slow_client", [a.slow_client_bin, "--port", str(self.port),
                                "--connections", str(a.wave_connections),
                                "--first", harness.c_escape(first),
                                "--rest", harness.c_escape(rest),
                                "--responses", str(responses), "--hold", "%g" % a.wave_hold,
                                "--connect-phase-timeout", "10",
                                "--answer-timeout", "%g" % a.client_timeout],
                a.client_cpus, self.rundir)
            summary = child.wait("SLOW_JSON", a.wave_hold + a.client_timeout + 30)
            stderr = child.close()
            self.waves.append({"kind": name, "started_s": round(started - self.t0, 1),
                               "summary": summary, "stderr": "" if summary else stderr})
            time.sleep(max(0.0, started + a.wave_every - time.time()))

    def counts(self):
        return {"slow waves": sum(w["summary"]["outcomes"]["complete"]
                                  for w in list(self.waves) if w["summary"])}

    def finish(self):
        self.thread.join(self.args.wave_hold + self.args.client_timeout + 60)
        errors = {"connect": 0, "closed": 0, "reset": 0, "unanswered": 0, "status": 0,
                  "early": 0, "no_report": 0}
        for w in self.waves:
            s = w["summary"]
            if s is None:
                errors["no_report"] += 1
                continue
            o = s["outcomes"]
            errors["connect"] += o["connect_failed"]
            errors["closed"] += o["closed_answered"] + o["closed_unanswered"]
            errors["reset"] += o["reset_answered"] + o["reset_unanswered"]
            errors["unanswered"] += o["timeout_answered"] + o["timeout_unanswered"]
            errors["status"] += s["status_other"]
            errors["early"] += s["answered_before_rest"]
        return {"slow waves": {"requests": self.counts()["slow waves"], "errors": errors,
                               "waves": self.waves}}


class Sampler:
    """Once a second: the server's RSS, descriptors, CPU time and counters, and the
    requests each load has completed, with t in seconds from the start of the load."""

    def __init__(self, server, t0):
        self.server, self.t0 = server, t0
        self.loads = []
        self.samples = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        tick = time.time()
        while not self.stopped.is_set():
            self.samples.append(self.sample(time.time() - tick))
            # A sample that comes late is not made up for: the next is a second later.
            tick = max(tick + 1.0, time.time())
            self.stopped.wait(max(0.0, tick - time.time()))

    def sample(self, late):
        """`late`: seconds after its time this sample was taken. This thread shares the
        client cores, so it is late when they are starved (by other work on the
        machine), and so are the clients."""
        s = self.server
        out = {"t": round(time.time() - self.t0, 2), "late_s": round(late, 2),
               "load1": os.getloadavg()[0], "rss_kib": s.rss_kib(),
               "fds": s.fd_count(), "cpu_s": s.cpu_seconds(), "counts": {}}
        for load in list(self.loads):
            out["counts"].update(load.counts())
        try:
            raw = harness.http_get(s.port, "/stats", timeout=2)
            out["server"] = json.loads(raw.split(b"\r\n\r\n", 1)[1])
        except (OSError, ValueError):
            out["server"] = None
        return out

    def stop(self):
        self.stopped.set()
        self.thread.join(5)


def progress(sampler, seconds):
    """One line on the run so far."""
    s = sampler.samples[-1] if sampler.samples else None
    if s is None:
        return
    counts = ", ".join("%s %s" % (k, harness.fmt_num(v)) for k, v in s["counts"].items())
    log("[soak %3.0f/%.0f s] RSS %s KiB, %d descriptors; completed: %s"
        % (s["t"], seconds, harness.fmt_num(s["rss_kib"]), s["fds"], counts))


def warm_up(args, server, rundir):
    """What the server sizes once by traffic (its pools, its receive ring) before the
    baseline, so that the baseline is what it comes back to."""
    clients = SoakClients(args, server.port, rundir, seconds=1,
                          counts={"upload": 1, "stream": 1, "abort": 1})
    clients.finish()
    for _ in range(20):
        harness.http_get(server.port, "/plaintext")


def parse_args():
    ncpu = os.cpu_count() or 1
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                epilog=__doc__.split("\n\n", 1)[1],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minutes", type=float, default=10.0,
                   help="minutes of load (default 10; fractions allowed)")
    p.add_argument("--drain", type=float, default=15.0,
                   help="seconds to wait after the load for the descriptors to come back (15)")
    harness.add_cpu_args(p)
    p.add_argument("--server-threads", type=int, default=1, help="engine threads (1)")
    p.add_argument("--keepalive", type=int, default=16, help="wrk keep-alive connections (16)")
    p.add_argument("--churn", type=int, default=4, help="wrk churn connections (4)")
    p.add_argument("--pipeline", type=int, default=4, help="wrk pipelining connections (4)")
    p.add_argument("--depth", type=int, default=16, help="requests per pipelined write (16)")
    p.add_argument("--uploads", type=int, default=2, help="soak_client upload connections (2)")
    p.add_argument("--streams", type=int, default=2, help="soak_client stream connections (2)")
    p.add_argument("--slow-readers", type=int, default=1,
                   help="of the stream connections, those reading 2 MiB/s at most (1)")
    p.add_argument("--aborts", type=int, default=2, help="soak_client abort connections (2)")
    p.add_argument("--wave-connections", type=int, default=500,
                   help="slow_client connections per wave (500)")
    p.add_argument("--wave-hold", type=float, default=3.0,
                   help="seconds a wave holds its partial requests (3)")
    p.add_argument("--wave-every", type=float, default=10.0,
                   help="seconds from one wave's start to the next (10)")
    p.add_argument("--wrk-timeout", type=float, default=5.0,
                   help="seconds after which wrk counts a response as timed out (5)")
    p.add_argument("--client-timeout", type=float, default=10.0,
                   help="seconds soak_client and slow_client wait for a server's byte (10)")
    p.add_argument("--seed", type=int, default=1, help="soak_client's random seed (1)")
    p.add_argument("--out", default=None,
                   help="output folder (default: out/soak-DATE in the workspace)")
    p.add_argument("--server-bin", default=os.path.join(HERE, "soak_server"))
    p.add_argument("--soak-client-bin", default=os.path.join(HERE, "soak_client"))
    p.add_argument("--slow-client-bin", default=os.path.join(HERE, "slow_client"))
    p.add_argument("--wrk-dir", default=os.path.join(HERE, "wrk"))
    args = p.parse_args()
    if args.minutes <= 0:
        p.error("--minutes must be positive")
    counts = ("keepalive", "churn", "pipeline", "depth", "uploads", "streams", "aborts",
              "wave_connections")
    if any(getattr(args, c) < 1 for c in counts):
        p.error("every kind of traffic needs at least one connection (--%s)"
                % ", --".join(c.replace("_", "-") for c in counts))
    args.seconds = args.minutes * 60
    harness.finish_cpu_args(args, ncpu)
    return args


def check_tools(args):
    args.wrk = harness.find_tool("wrk")
    if not args.wrk or not harness.find_tool("taskset"):
        fail("missing wrk or taskset; install the Debian packages (tools/bazel installs "
             "wrk; taskset is in util-linux)")
    for path, what in ((args.server_bin, "soak_server"), (args.soak_client_bin, "soak_client"),
                       (args.slow_client_bin, "slow_client"),
                       (os.path.join(args.wrk_dir, "checked.lua"), "wrk scripts")):
        if not os.path.exists(path):
            fail("%s not found at %s (run through tools/bazel run //benchmarks:soak)"
                 % (what, path))


def run(args, rundir):
    """The soak itself; returns results.json's contents but for the verdicts."""
    port = free_port()
    server = harness.start_server(
        "engine", [args.server_bin, "--port", str(port), "--threads", str(args.server_threads)],
        args, rundir, port)
    warm_up(args, server, rundir)
    time.sleep(1)
    sampler = Sampler(server, time.time() + 3)  # 3 s of baseline, before the load
    time.sleep(3)
    t0 = sampler.t0
    loads = [WrkLoad(args, server.port, "keep-alive", args.keepalive, 1, False, rundir),
             WrkLoad(args, server.port, "churn", args.churn, 1, True, rundir),
             WrkLoad(args, server.port, "pipeline", args.pipeline, args.depth, False, rundir),
             SoakClients(args, server.port, rundir),
             Waves(args, server.port, rundir, t0)]
    sampler.loads = loads
    cpu0 = server.cpu_seconds()
    every = min(30.0, max(5.0, args.seconds / 10))
    while time.time() < t0 + args.seconds:
        time.sleep(min(every, max(0.1, t0 + args.seconds - time.time())))
        if not server.alive():
            break
        progress(sampler, args.seconds)
    kinds = {}
    for load in loads:
        kinds.update(load.finish())
    load_s = time.time() - t0
    cpu_s = server.cpu_seconds() - cpu0
    # The clients are gone: what the server holds must go back to the baseline.
    base = [s for s in sampler.samples if s["t"] < 0]
    base_fds = base[-1]["fds"] if base else None
    deadline = time.time() + args.drain
    while time.time() < deadline and server.alive():
        time.sleep(1)
        last = sampler.samples[-1]
        if last["t"] > load_s and base_fds is not None and last["fds"] <= base_fds:
            break
    time.sleep(1.5)  # a sample or two after
    sampler.stop()
    answers = False
    try:
        answers = harness.http_get(server.port, "/plaintext", timeout=5).endswith(BODY.encode())
    except OSError:
        pass
    alive = server.alive()
    output = server.output()[-3000:]
    server.stop()
    return {"date": datetime.datetime.now().isoformat(timespec="seconds"),
            "minutes": args.minutes, "load_s": load_s, "server_cpu_s": cpu_s,
            "server_cpus": args.server_cpus, "client_cpus": args.client_cpus,
            "server_threads": args.server_threads, "machine": harness.machine_info(),
            "clients": {k: d for load in loads for k, d in load.describe.items()},
            "kinds": kinds, "samples": sampler.samples, "server_alive": alive,
            "answers_after": answers, "server_output": output}


def main():
    args = parse_args()

    def cleanup():
        harness.Child.kill_all()
        harness.stop_all()

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda signum, _: (cleanup(), sys.exit(128 + signum)))
    check_tools(args)
    harness.raise_nofile(args.wave_connections + 4096)
    os.sched_setaffinity(0, harness.parse_cpus(args.client_cpus))
    outdir, rundir = harness.output_dirs("soak", args.out)
    info = harness.machine_info()
    log("soak: %g minutes of load; server on cores %s, every client on cores %s"
        % (args.minutes, args.server_cpus, args.client_cpus))
    log("machine: %s, %d cores, Linux %s" % (info["cpu"], info["cpus"], info["kernel"]))
    try:
        doc = run(args, rundir)
    finally:
        cleanup()
        shutil.rmtree(rundir, ignore_errors=True)
    doc["verdicts"] = soak_report.judge(doc)
    soak_report.print_report(doc)
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump(doc, f, indent=2)
    soak_report.write_chart(os.path.join(outdir, "chart.svg"), doc)
    log("")
    log("wrote %s (results.json, chart.svg)" % outdir)
    sys.exit(0 if all(v["ok"] for v in doc["verdicts"]) else 1)


if __name__ == "__main__":
    main()
