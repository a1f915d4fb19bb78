#!/usr/bin/env python3
"""Fault scenarios against the engine and nginx: tools/bazel run //benchmarks:faults

Each scenario runs against a fresh engine (benchmarks/plaintext_server.cc) and a fresh
nginx (benchmarks/nginx/nginx.conf), side by side in one run, the servers pinned to
the server cores and every client to the others:

  pipeline-flood  clients pipeline 200,000 `GET /` requests each, written as fast as
                  the socket takes them, and never read: the server's RSS (before,
                  peak, after), the bytes it read before it stopped reading, the
                  answers it queued, a good client served meanwhile, and its
                  descriptors once the clients leave; with 1 and with 50 flooders
  fd-exhaustion   the server under RLIMIT_NOFILE 256 (prlimit), wrk -c 600: alive, CPU
                  per request against a run without the limit, a keep-alive connection
                  opened before wrk served throughout, CPU use while 600 connections
                  wait with nothing to do, and a new connection answered soon after
                  the load ends

A scenario is a function registered with @scenario(name, title): it gets the server's
name and returns its figures and checks (faults_report.py has the criteria), so that
more slot in and --scenarios a,b picks them. Rounds are the outer loop (1 in quick
mode, 3 in full). Prints one table, engine and nginx side by side, and writes
results.json to the output folder it names at the end. See benchmarks/README.md.

Python 3 standard library only.
"""

import argparse
import datetime
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import faults_report as report
import harness
from harness import Scenario, fail, free_port, log

harness.NAME = "faults"

HERE = os.path.dirname(os.path.abspath(__file__))
SERVERS = ("engine", "nginx")
REQUEST = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"

SCENARIOS = {}  # name -> (title, function(args, rundir, who) -> run)


def scenario(name, title):
    """Registers fn(args, rundir, who) as a scenario. It starts its own servers (with
    fresh_server) and returns {"figures": [(label, value, kind)], "checks": [(label,
    ok)], "raw": {...}}; kinds are faults_report.fmt_value's."""
    def register(fn):
        SCENARIOS[name] = (title, fn)
        return fn
    return register


# --- servers and clients ----------------------------------------------------------

def fresh_server(args, rundir, who, wrap=()):
    if who == "engine":
        server = harness.start_engine(args, rundir, free_port(), wrap=wrap)
    else:
        server = harness.start_nginx(args, rundir, free_port(), wrap=wrap)
    return server


def finish_server(server):
    alive = server.alive()
    server.stop()
    if server in harness.RUNNING:
        harness.RUNNING.remove(server)
    return alive


def warm_up(args, server):
    """What the server sizes by traffic (its pools, the receive ring's pages), so that
    the baseline is a working server's."""
    harness.run_wrk(args, server, Scenario("warm-up", "warm-up", connections=16), 1,
                    strict=False)
    time.sleep(0.3)


def wrk_scenario(connections):
    return Scenario("load", "wrk GET /", connections=connections)


def get_on(sock, timeout):
    """GET / on an open keep-alive connection; returns the seconds until the whole
    response, or None (no answer in `timeout` s, or the connection failed)."""
    t0 = time.time()
    sock.settimeout(timeout)
    try:
        sock.sendall(REQUEST)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                return None
            body += chunk
        return time.time() - t0 if head.startswith(b"HTTP/1.1 200") else None
    except (OSError, ValueError):
        return None


def first_answer(server, limit):
    """Seconds until a new connection gets an answer to GET /, trying again every
    50 ms for up to `limit` s; None if none came."""
    t0 = time.time()
    while time.time() - t0 < limit:
        try:
            if harness.http_get(server.port, "/", timeout=0.5).startswith(b"HTTP/1.1 200"):
                return time.time() - t0
        except OSError:
            time.sleep(0.05)
    return None


class Sampler:
    """Reads the server's RSS and descriptors every `period` s on a thread of its own."""

    def __init__(self, server, period=0.1):
        self.server = server
        self.period = period
        self.samples = []  # (t, rss KiB, descriptors)
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop_event.is_set():
            self.samples.append((time.time(), self.server.rss_kib(), self.server.fd_count()))
            self.stop_event.wait(self.period)

    def peak(self, since=0.0):
        got = [(r, f) for t, r, f in self.samples if t >= since]
        return (max(r for r, _ in got), max(f for _, f in got)) if got else (None, None)

    def stop(self):
        self.stop_event.set()
        self.thread.join()


class Flood:
    """`clients` connections that each write `requests` pipelined requests as fast as
    their sockets take them, on a thread of their own, and never read."""

    def __init__(self, port, clients, requests):
        self.port = port
        self.payload = memoryview(REQUEST * requests)
        self.socks = []
        for _ in range(clients):
            s = socket.create_connection(("127.0.0.1", port))
            s.setblocking(False)
            self.socks.append(s)
        self.client_ports = [s.getsockname()[1] for s in self.socks]
        self.sent = [0] * clients
        self.errors = 0
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        total = len(self.payload)
        live = set(range(len(self.socks)))
        while live and not self.stop_event.is_set():
            progress = False
            for i in list(live):
                try:
                    n = self.socks[i].send(self.payload[self.sent[i]:self.sent[i] + (1 << 18)])
                except BlockingIOError:
                    continue
                except OSError:
                    self.errors += 1
                    live.discard(i)
                    continue
                self.sent[i] += n
                progress = True
                if self.sent[i] >= total:
                    live.discard(i)
            if not progress:
                self.stop_event.wait(0.002)

    def queues(self):
        """Each connection's bytes (faults_report.flood_queues), None where unlisted."""
        with open("/proc/net/tcp") as f:
            table = report.parse_tcp_table(f.read())
        return [report.flood_queues(table, self.port, cp, sent)
                for cp, sent in zip(self.client_ports, list(self.sent))]

    def close(self):
        self.stop_event.set()
        self.thread.join()
        for s in self.socks:
            s.close()


# --- pipeline-flood ---------------------------------------------------------------

def flood_once(args, rundir, who, clients):
    """One flood of `clients` connections against a fresh server: its figures dict."""
    server = fresh_server(args, rundir, who)
    response_len = len(harness.http_get(server.port, "/"))
    warm_up(args, server)
    rss0, fd0 = server.rss_kib(), server.fd_count()
    sampler = Sampler(server)
    cpu0, t0 = server.cpu_seconds(), time.time()
    flood = Flood(server.port, clients, args.flood_requests)
    # Settled: neither the clients' writes nor the server's reads moved for --stall s.
    last, changed, settled, q = None, time.time(), False, []
    rss_limit_hit = False
    while time.time() - t0 < args.flood_timeout:
        time.sleep(0.1)
        if server.rss_kib() > args.rss_limit_mib * 1024:
            rss_limit_hit = True  # the machine is shared: stop before it runs out
            break
        q = flood.queues()
        now = (sum(flood.sent), tuple(x["read"] if x else -1 for x in q))
        if now != last:
            last, changed = now, time.time()
        elif time.time() - changed >= args.stall:
            settled = True
            break
    settle_s = time.time() - t0
    rss_settled, fd_settled = server.rss_kib(), server.fd_count()
    q = [x for x in q if x]
    reads = [x["read"] for x in q]
    backlogs = [max(0, (x["read"] // len(REQUEST)) * response_len - x["answers_in_kernel"])
                for x in q]
    # A good client during the flood: new connections one after another, then wrk.
    good = []
    for _ in range(args.good_gets):
        t = time.time()
        try:
            ok = harness.http_get(server.port, "/", timeout=2).startswith(b"HTTP/1.1 200")
        except OSError:
            ok = False
        good.append(time.time() - t if ok else None)
    w = harness.run_wrk(args, server, wrk_scenario(16), args.good_duration, timeout=2,
                        strict=False)
    flood_cpu_use = (server.cpu_seconds() - cpu0) / (time.time() - t0)
    rss_peak, fd_peak = sampler.peak()
    flood.close()
    t_close = time.time()
    answers_again = first_answer(server, args.answer_limit)
    fd_return = None
    while time.time() - t_close < max(args.after, report.FD_RETURN_S + 1) + (answers_again or 0):
        if fd_return is None and server.fd_count() <= fd0:
            fd_return = time.time() - t_close
        if fd_return is not None and time.time() - t_close >= args.after:
            break
        time.sleep(0.05)
    rss_after, fd_after = server.rss_kib(), server.fd_count()
    rss_after_at = time.time() - t_close
    sampler.stop()
    alive = finish_server(server)
    answered = [g for g in good if g is not None]
    return {
        "clients": clients, "payload": len(flood.payload), "response_len": response_len,
        "settled": settled, "settle_s": settle_s, "sent_median": med(flood.sent),
        "read_median": med(reads), "read_max": max(reads) if reads else None,
        "answers_in_kernel_median": med([x["answers_in_kernel"] for x in q]),
        "backlog_median": med(backlogs), "backlog_max": max(backlogs) if backlogs else None,
        "rss_before_kib": rss0, "rss_settled_kib": rss_settled, "rss_peak_kib": rss_peak,
        "rss_after_kib": rss_after, "rss_after_at_s": rss_after_at, "rss_growth_kib": (rss_peak or rss0) - rss0,
        "fd_before": fd0, "fd_settled": fd_settled, "fd_peak": fd_peak, "fd_after": fd_after,
        "fd_return_s": fd_return, "good_tried": len(good), "good_answered": len(answered),
        "good_max_s": max(answered) if answered else None, "wrk_rps": w["rps"],
        "wrk_requests": w["requests"], "wrk_errors": w["error_count"],
        "wrk_p99_us": w["latency_us"]["p99"], "flood_errors": flood.errors,
        "flood_cpu_use": flood_cpu_use, "answers_again_s": answers_again,
        "alive": alive, "rss_limit_hit": rss_limit_hit, "samples": sampler.samples,
    }


def med(values):
    values = [v for v in values if v is not None]
    return sorted(values)[len(values) // 2] if values else None


@scenario("pipeline-flood", "clients pipeline requests and never read")
def pipeline_flood(args, rundir, who):
    figures, checks, raw = [], [], {}
    for clients in args.flooders:
        f = flood_once(args, rundir, who, clients)
        raw[str(clients)] = f
        bound = report.answer_backlog_bound(len(REQUEST), f["response_len"])
        p = "%d flooder%s: " % (clients, "" if clients == 1 else "s")
        figures += [
            (p + "bytes written per flooder (median)", f["sent_median"], "bytes"),
            (p + "bytes the server read per flooder (median)", f["read_median"], "bytes"),
            (p + "bytes the server read, most of one flooder", f["read_max"], "bytes"),
            (p + "requests read per flooder (median)",
             f["read_median"] // len(REQUEST) if f["read_median"] is not None else None, "int"),
            (p + "answers in the kernel per flooder (median)",
             f["answers_in_kernel_median"], "bytes"),
            (p + "answers queued in the server per flooder (median, est.)",
             f["backlog_median"], "bytes"),
            (p + "seconds until reads stopped (incl. %g s still)" % args.stall,
             f["settle_s"], "s"),
            (p + "RSS before", f["rss_before_kib"], "kib"),
            (p + "RSS peak", f["rss_peak_kib"], "kib"),
            (p + "RSS after the flooders left", f["rss_after_kib"], "kib"),
            (p + "  read this long after they left", f["rss_after_at_s"], "s"),
            (p + "RSS growth per flooder (peak)", f["rss_growth_kib"] / clients, "kib"),
            (p + "good GETs answered of %d" % f["good_tried"], f["good_answered"], "int"),
            (p + "slowest good GET", f["good_max_s"], "ms"),
            (p + "good wrk -c 16 req/s", f["wrk_rps"], "int"),
            (p + "good wrk p99", f["wrk_p99_us"], "us"),
            (p + "good wrk errors", f["wrk_errors"], "int"),
            (p + "server CPU use, flood start to the good clients' end",
             f["flood_cpu_use"], "pct"),
            (p + "seconds to a new answer after the flooders left", f["answers_again_s"], "s"),
            (p + "descriptors before / peak", "%d / %s" % (f["fd_before"], f["fd_peak"]), "str"),
            (p + "descriptors after", f["fd_after"], "int"),
            (p + "seconds until descriptors were back", f["fd_return_s"], "s"),
        ]
        if f["rss_limit_hit"]:
            log("  [pipeline-flood %s, %d flooders] stopped at --rss-limit-mib %d"
                % (who, clients, args.rss_limit_mib))
        checks += [(p + label, ok) for label, ok in report.flood_checks(f, bound, clients)]
        log("  [pipeline-flood %s, %d flooders] read %s per flooder (median), answers queued "
            "%s (est.), RSS %s -> peak %s -> after %s KiB, good %d/%d, wrk %.0f req/s, fds "
            "%d -> %s -> %d" % (who, clients, report.fmt_value(f["read_median"], "bytes"),
                                report.fmt_value(f["backlog_median"], "bytes"),
                                f["rss_before_kib"], f["rss_peak_kib"], f["rss_after_kib"],
                                f["good_answered"], f["good_tried"], f["wrk_rps"],
                                f["fd_before"], f["fd_peak"], f["fd_after"]))
    return {"figures": figures, "checks": checks, "raw": raw}


# --- fd-exhaustion ----------------------------------------------------------------

def open_held(port, count, timeout):
    """`count` connections that each send one GET / and then hold, opened without
    waiting (those past the server's backlog keep retrying their SYN); returns them
    and how many were answered within `timeout` s."""
    socks = []
    for _ in range(count):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        except OSError:
            s.close()
            continue
        socks.append(s)
    pending = {s: b"" for s in socks}
    answered = 0
    sent = set()
    deadline = time.time() + timeout
    while pending and time.time() < deadline:
        for s in list(pending):
            try:
                if s not in sent:
                    s.send(REQUEST)
                    sent.add(s)
                data = s.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                del pending[s]
                continue
            if not data:
                del pending[s]
                continue
            pending[s] += data
            if b"\r\n\r\n" in pending[s] and pending[s].endswith(b"Hello, World!"):
                answered += 1
                del pending[s]
        time.sleep(0.01)
    return socks, answered


@scenario("fd-exhaustion", "the server under a low RLIMIT_NOFILE, more connections than "
          "descriptors")
def fd_exhaustion(args, rundir, who):
    load = wrk_scenario(args.fd_connections)
    # Without the limit: what a request costs this server under the same load.
    server = fresh_server(args, rundir, who)
    warm_up(args, server)
    ref = harness.run_wrk(args, server, load, args.fd_ref_duration, timeout=2, strict=False)
    finish_server(server)

    wrap = ["prlimit", "--nofile=%d:%d" % (args.nofile, args.nofile), "--"]
    server = fresh_server(args, rundir, who, wrap=wrap)
    fd0 = server.fd_count()
    probe_keep = []
    harness.http_get(server.port, "/", keep=probe_keep)
    probe = probe_keep[0]
    box = {}
    wrk = threading.Thread(target=lambda: box.update(r=harness.run_wrk(
        args, server, load, args.fd_duration, timeout=2, strict=False)))
    wrk.start()
    probes, fd_peak = [], fd0
    while wrk.is_alive():
        probes.append(get_on(probe, 2.0))
        fd_peak = max(fd_peak, server.fd_count())
        time.sleep(0.25)
    wrk.join()
    r = box["r"]
    resume_wrk = first_answer(server, 5.0)
    alive_wrk = server.alive()
    # 600 connections wait, those past the limit in the backlog, nothing else to do.
    held, held_answered = open_held(server.port, args.fd_connections, 2.0)
    time.sleep(0.5)
    fd_held = server.fd_count()
    log_lines0 = error_log_lines(server)
    cpu0, t0 = server.cpu_seconds(), time.time()
    time.sleep(args.idle_window)
    idle_cpu_use = (server.cpu_seconds() - cpu0) / (time.time() - t0)
    accept_errors = error_log_lines(server) - log_lines0 if who == "nginx" else None
    probe_held = get_on(probe, 2.0)
    for s in held:
        s.close()
    resume_hold = first_answer(server, 5.0)
    probe.close()
    alive = finish_server(server) and alive_wrk
    answered = [p for p in probes + [probe_held] if p is not None]
    f = {
        "nofile": args.nofile, "ref_rps": ref["rps"], "ref_requests": ref["requests"],
        "ref_cpu_us_per_req": report.cpu_per_request_us(ref["cpu_s"], ref["requests"]),
        "ref_cpu_use": ref["cpu_s"] / ref["wall_s"] if ref["wall_s"] else None,
        "rps": r["rps"], "requests": r["requests"], "errors": r["errors"],
        "cpu_us_per_req": report.cpu_per_request_us(r["cpu_s"], r["requests"]),
        "cpu_use": r["cpu_s"] / r["wall_s"] if r["wall_s"] else None,
        "fd_before": fd0, "fd_peak": fd_peak, "fd_held": fd_held,
        "probe_tried": len(probes) + 1, "probe_answered": len(answered),
        "probe_max_s": max(answered) if answered else None,
        "held": len(held), "held_answered": held_answered, "idle_cpu_use": idle_cpu_use,
        "accept_errors_logged": accept_errors, "resume_after_wrk_s": resume_wrk,
        "resume_after_hold_s": resume_hold, "alive": alive,
    }
    e = r["errors"]
    figures = [
        ("RLIMIT_NOFILE", args.nofile, "int"),
        ("without the limit: wrk -c %d req/s" % args.fd_connections, f["ref_rps"], "int"),
        ("without the limit: CPU per request", f["ref_cpu_us_per_req"], "us"),
        ("without the limit: CPU use", f["ref_cpu_use"], "pct"),
        ("at the limit: wrk -c %d req/s" % args.fd_connections, f["rps"], "int"),
        ("at the limit: CPU per request", f["cpu_us_per_req"], "us"),
        ("at the limit: CPU use", f["cpu_use"], "pct"),
        ("at the limit: wrk errors connect/read/write/timeout",
         "%d/%d/%d/%d" % (e["connect"], e["read"], e["write"], e["timeout"]), "str"),
        ("descriptors before / peak under wrk", "%d / %d" % (fd0, fd_peak), "str"),
        ("keep-alive GETs answered during wrk and after", f["probe_answered"], "int"),
        ("keep-alive GETs tried", f["probe_tried"], "int"),
        ("slowest keep-alive answer", f["probe_max_s"], "ms"),
        ("seconds to a new answer after wrk", f["resume_after_wrk_s"], "s"),
        ("%d held connections: answered" % f["held"], f["held_answered"], "int"),
        ("%d held connections: server descriptors" % f["held"], f["fd_held"], "int"),
        ("%d held connections: CPU use over %g s" % (f["held"], args.idle_window),
         f["idle_cpu_use"], "pct"),
        ("%d held connections: accept errors logged" % f["held"],
         f["accept_errors_logged"], "int"),
        ("seconds to a new answer after they closed", f["resume_after_hold_s"], "s"),
    ]
    log("  [fd-exhaustion %s] wrk %.0f req/s (%.0f without the limit), CPU %.1f us/req "
        "(%.1f), fds %d -> %d, keep-alive %d/%d answered, held: %d answered, CPU %.1f%%, "
        "resumes after %s / %s s" % (
            who, f["rps"], f["ref_rps"], f["cpu_us_per_req"] or 0,
            f["ref_cpu_us_per_req"] or 0, fd0, fd_peak, f["probe_answered"],
            f["probe_tried"], held_answered, 100 * idle_cpu_use,
            report.fmt_value(resume_wrk, "s"), report.fmt_value(resume_hold, "s")))
    return {"figures": figures, "checks": report.fd_checks(f), "raw": f}


MIGRATE_REQ = "/proc/sys/net/ipv4/tcp_migrate_req"


def migrate_req():
    """net.ipv4.tcp_migrate_req, set to 1 when it can be (docs/DEPLOY.md); its value."""
    try:
        with open(MIGRATE_REQ, "w") as f:
            f.write("1")
    except OSError:
        pass
    try:
        with open(MIGRATE_REQ) as f:
            return int(f.read())
    except (OSError, ValueError):
        return None


@scenario("restart", "the server restarted under wrk: the engine by a new process on "
          "the port (--reuse-port) and SIGTERM to the old (Server::shutdown), nginx by "
          "SIGHUP (a reload: new workers, the old ones closing gracefully)")
def restart(args, rundir, who):
    figures, raw, checks = [], {}, []
    migrate = migrate_req() if who == "engine" else None
    for load, script in (("churn", "churn.lua"), ("keep-alive", "report.lua")):
        port = free_port()
        extra = ["--reuse-port", "--shutdown-grace", "1000"]
        if who == "engine":
            server = harness.start_engine(args, rundir, port, extra=extra)
        else:
            server = harness.start_nginx(args, rundir, port)
        first = server
        sc = Scenario(load, load, connections=64, script=script)
        box = {}
        wrk = threading.Thread(target=lambda: box.update(r=harness.run_wrk(
            args, first, sc, args.restart_duration, timeout=2, strict=False)))
        wrk.start()
        exits, drains = [], []
        for _ in range(args.restarts):
            time.sleep(args.restart_duration / (args.restarts + 1))
            if who == "engine":
                new = harness.start_engine(args, rundir, port, extra=extra)
                t0 = time.time()
                server.proc.send_signal(signal.SIGTERM)
                try:
                    exits.append(server.proc.wait(timeout=20))
                except subprocess.TimeoutExpired:
                    exits.append(None)
                drains.append(time.time() - t0)
                if server in harness.RUNNING:
                    harness.RUNNING.remove(server)
                server = new
            else:
                os.kill(server.proc.pid, signal.SIGHUP)
        wrk.join()
        r = box["r"]
        alive = server.alive()
        finish_server(server)
        failed = r["error_count"]
        raw[load] = {"requests": r["requests"], "errors": r["errors"], "exits": exits,
                     "drain_s": drains, "alive": alive}
        figures += [
            ("%s: requests" % load, r["requests"], "int"),
            ("%s: wrk errors connect/read/write/timeout/status" % load,
             "%d/%d/%d/%d/%d" % (r["errors"]["connect"], r["errors"]["read"],
                                 r["errors"]["write"], r["errors"]["timeout"],
                                 r["errors"]["status"]), "str"),
            ("%s: seconds until each old process exited" % load,
             " ".join("%.2f" % d for d in drains) if drains else "n/a", "str"),
        ]
        checks += [
            ("%s: 0 failed requests across %d restarts" % (load, args.restarts),
             failed == 0 and r["requests"] > 0),
            ("%s: every old process exited with status 0" % load,
             all(e == 0 for e in exits)),
            ("%s: the server answers after the restarts" % load, alive),
        ]
    figures.insert(0, ("net.ipv4.tcp_migrate_req", migrate, "int"))
    log("  [restart %s] %s" % (who, "; ".join(
        "%s: %d requests, %d failed, exits %s" % (k, v["requests"], sum(v["errors"].values()),
                                                  v["exits"]) for k, v in raw.items())))
    return {"figures": figures, "checks": checks, "raw": raw}


def error_log_lines(server):
    try:
        with open(os.path.join(server.rundir, "error.log"), errors="replace") as f:
            return sum(1 for _ in f)
    except OSError:
        return 0


# --- main -------------------------------------------------------------------------

def parse_args():
    ncpu = os.cpu_count() or 1
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="1 round (the default)")
    mode.add_argument("--full", action="store_true",
                      help="3 rounds, fd-exhaustion's wrk runs of 20 s")
    p.add_argument("--rounds", type=int, help="rounds (quick: 1, full: 3)")
    p.add_argument("--scenarios", default=",".join(SCENARIOS),
                   help="comma-separated subset of: " + ", ".join(SCENARIOS))
    p.add_argument("--servers", default=",".join(SERVERS),
                   help="comma-separated subset of: engine, nginx")
    harness.add_cpu_args(p)
    p.add_argument("--server-threads", type=int, default=1,
                   help="engine threads, and nginx worker processes (default: 1)")
    p.add_argument("--flooders", default="1,50",
                   help="pipeline-flood: flooding clients at once, one flood each (1,50)")
    p.add_argument("--flood-requests", type=int, default=200000,
                   help="pipeline-flood: requests each flooder writes (200,000)")
    p.add_argument("--stall", type=float, default=2.0,
                   help="pipeline-flood: seconds without a byte written or read after "
                        "which the server is taken to have stopped reading (2)")
    p.add_argument("--flood-timeout", type=float, default=30.0,
                   help="pipeline-flood: seconds the server may go on reading (30)")
    p.add_argument("--rss-limit-mib", type=int, default=6144,
                   help="pipeline-flood: the flood stops when the server's RSS passes "
                        "this, and its targets are missed (6144)")
    p.add_argument("--good-gets", type=int, default=5,
                   help="pipeline-flood: good GETs, each on a new connection (5)")
    p.add_argument("--good-duration", type=float, default=2.0,
                   help="pipeline-flood: seconds of the good clients' wrk -c 16 (2)")
    p.add_argument("--answer-limit", type=float, default=60.0,
                   help="pipeline-flood: seconds a new GET is retried for once the "
                        "flooders left (60)")
    p.add_argument("--after", type=float, default=2.0,
                   help="pipeline-flood: seconds after the flooders left at which RSS is "
                        "read at the soonest; later if the server took longer to answer "
                        "again or to close their descriptors (2)")
    p.add_argument("--nofile", type=int, default=256,
                   help="fd-exhaustion: the servers' RLIMIT_NOFILE (256)")
    p.add_argument("--fd-connections", type=int, default=600,
                   help="fd-exhaustion: wrk's connections, and the held ones (600)")
    p.add_argument("--fd-duration", type=float,
                   help="fd-exhaustion: seconds of wrk at the limit (quick: 10, full: 20)")
    p.add_argument("--fd-ref-duration", type=float,
                   help="fd-exhaustion: seconds of wrk without it (quick: 5, full: 10)")
    p.add_argument("--idle-window", type=float, default=2.0,
                   help="fd-exhaustion: seconds over which CPU use is read while the "
                        "held connections wait (2)")
    p.add_argument("--restarts", type=int, default=3,
                   help="restart: restarts during each wrk run (3)")
    p.add_argument("--restart-duration", type=float, default=8.0,
                   help="restart: seconds of each wrk run (8)")
    p.add_argument("--out", default=None,
                   help="output folder (default: out/faults-DATE in the workspace)")
    p.add_argument("--engine-bin", default=os.path.join(HERE, "plaintext_server"))
    p.add_argument("--nginx-conf", default=os.path.join(HERE, "nginx", "nginx.conf"))
    p.add_argument("--wrk-dir", default=os.path.join(HERE, "wrk"))
    args = p.parse_args()
    args.rounds = args.rounds or (3 if args.full else 1)
    args.fd_duration = args.fd_duration or (20.0 if args.full else 10.0)
    args.fd_ref_duration = args.fd_ref_duration or (10.0 if args.full else 5.0)
    if args.rounds < 1:
        p.error("--rounds must be at least 1")
    harness.finish_cpu_args(args, ncpu)
    args.wanted = [s for s in args.scenarios.split(",") if s]
    unknown = [s for s in args.wanted if s not in SCENARIOS]
    if unknown or not args.wanted:
        p.error("unknown scenarios: %s (known: %s)" % (", ".join(unknown), ", ".join(SCENARIOS)))
    args.servers = [s for s in SERVERS if s in args.servers.split(",")]
    if not args.servers:
        p.error("--servers names neither engine nor nginx")
    try:
        args.flooders = [int(n) for n in args.flooders.split(",")]
    except ValueError:
        p.error("--flooders takes numbers, e.g. 1,50")
    return args


def check_tools(args):
    args.nginx = harness.find_tool("nginx")
    args.wrk = harness.find_tool("wrk")
    missing = [n for n, path in (("nginx", args.nginx if "nginx" in args.servers else "-"),
                                 ("wrk", args.wrk), ("taskset", harness.find_tool("taskset")),
                                 ("prlimit", harness.find_tool("prlimit")))
               if not path]
    if missing:
        fail("missing %s; install the Debian packages (tools/bazel installs nginx-light "
             "and wrk; taskset and prlimit are in util-linux)" % " and ".join(missing))
    for path, what in ((args.engine_bin, "engine server"), (args.nginx_conf, "nginx.conf"),
                       (os.path.join(args.wrk_dir, "report.lua"), "wrk scripts")):
        if not os.path.exists(path):
            fail("%s not found at %s (run through tools/bazel run //benchmarks:faults)"
                 % (what, path))


def main():
    args = parse_args()

    def cleanup():
        harness.Child.kill_all()
        harness.stop_all()

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda signum, _: (cleanup(), sys.exit(128 + signum)))
    check_tools(args)
    # wrk's and the held connections, and the flooders, in this process and its children.
    harness.raise_nofile(max(args.fd_connections, max(args.flooders)) + 1024)
    os.sched_setaffinity(0, harness.parse_cpus(args.client_cpus))
    outdir, rundir = harness.output_dirs("faults", args.out)

    info = harness.machine_info()
    nginx_version = (subprocess.run([args.nginx, "-v"], capture_output=True, text=True)
                     .stderr.strip() if args.nginx else None)
    mode = "full" if args.full else "quick"
    log("faults: %s mode, %d round%s of %s; servers on cores %s, clients on cores %s"
        % (mode, args.rounds, "" if args.rounds == 1 else "s", ", ".join(args.wanted),
           args.server_cpus, args.client_cpus))
    log("machine: %s, %d cores, Linux %s; %s; load average %s"
        % (info["cpu"], info["cpus"], info["kernel"], nginx_version,
           " ".join("%.1f" % v for v in os.getloadavg())))
    results = {}  # scenario -> server -> runs, in round order
    started = time.time()
    try:
        for rnd in range(1, args.rounds + 1):
            for name in args.wanted:
                for who in args.servers:
                    t0 = time.time()
                    run = SCENARIOS[name][1](args, rundir, who)
                    run["round"] = rnd
                    results.setdefault(name, {}).setdefault(who, []).append(run)
                    failed = [label for label, ok in run["checks"] if not ok]
                    log("[round %d/%d %s] %s: %d of %d targets met%s (%.0f s)" % (
                        rnd, args.rounds, name, who, len(run["checks"]) - len(failed),
                        len(run["checks"]), "; missed: " + "; ".join(failed) if failed else "",
                        time.time() - t0))
    finally:
        cleanup()
        shutil.rmtree(rundir, ignore_errors=True)
    elapsed = time.time() - started

    combined = {name: {who: report.combine_runs(runs) for who, runs in per.items()}
                for name, per in results.items()}
    log("")
    log("faults results (%s mode, %d round%s, %.0f s in all; medians over the rounds, "
        "a target met only if met in every round; load average now %s)"
        % (mode, args.rounds, "" if args.rounds == 1 else "s", elapsed,
           " ".join("%.1f" % v for v in os.getloadavg())))
    rows = []
    for name in args.wanted:
        rows += report.table_rows(name, combined[name], args.servers)
    for line in report.format_table(rows, args.servers):
        log(line)

    doc = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "mode": mode,
           "rounds": args.rounds, "server_cpus": args.server_cpus,
           "client_cpus": args.client_cpus, "server_threads": args.server_threads,
           "machine": info, "nginx": nginx_version,
           "options": {k: v for k, v in vars(args).items()
                       if isinstance(v, (int, float, str, list)) and k != "wanted"},
           "scenarios": {name: {"title": SCENARIOS[name][0], "combined": combined[name],
                                "runs": results[name]} for name in args.wanted}}
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump(doc, f, indent=1)
    log("")
    log("wrote %s (results.json)" % outdir)


if __name__ == "__main__":
    main()
