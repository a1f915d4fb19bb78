#!/usr/bin/env python3
"""The engine against nginx on the same machine: tools/bazel run //benchmarks:vs_nginx

Starts nginx (benchmarks/nginx/nginx.conf) and the engine's plaintext server
(benchmarks/plaintext_server.cc), each pinned to the server cores, and drives them
with wrk (benchmarks/wrk/*.lua) pinned to the other cores. Runs are interleaved,
engine then nginx for each scenario, round after round, so that drift in the
machine's speed falls on both alike. Prints a table, then writes results.json and a
chart to the output folder it names at the end. See benchmarks/README.md.

Python 3 standard library only.
"""

import argparse
import ctypes
import datetime
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


class Scenario:
    def __init__(self, name, title, path="/", connections=64, script="report.lua",
                 script_args=(), target=None):
        self.name = name
        self.title = title
        self.path = path
        self.connections = connections
        self.script = script
        self.script_args = list(script_args)
        self.target = target  # minimum engine/nginx ratio of requests/s (issue 4)


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


def log(msg=""):
    print(msg, flush=True)


def fail(msg):
    print("vs_nginx: " + msg, file=sys.stderr, flush=True)
    sys.exit(1)


# --- processes ------------------------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)


def _die_with_parent():
    # PR_SET_PDEATHSIG: a server outlives no harness, even one killed with SIGKILL.
    _libc.prctl(1, signal.SIGTERM, 0, 0, 0)


class Server:
    """One server process (engine, or nginx's master), pinned with taskset."""

    def __init__(self, name, argv, cpus, port, rundir):
        self.name = name
        self.port = port
        self.rundir = rundir
        self.stdout_path = os.path.join(rundir, name + ".stdout")
        self.stderr_path = os.path.join(rundir, name + ".stderr")
        self.proc = subprocess.Popen(
            ["taskset", "-c", cpus] + argv,
            stdout=open(self.stdout_path, "wb"), stderr=open(self.stderr_path, "wb"),
            stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)

    def output(self):
        text = ""
        for path in (self.stdout_path, self.stderr_path, os.path.join(self.rundir, "error.log")):
            if os.path.exists(path) and os.path.getsize(path):
                with open(path, errors="replace") as f:
                    text += "--- %s\n%s" % (os.path.basename(path), f.read()[-4000:])
        return text

    def wait_ready(self, timeout=10.0, banner=None):
        """Until the server answers GET / (and printed `banner`, if given)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                fail("%s exited with status %d while starting:\n%s"
                     % (self.name, self.proc.returncode, self.output()))
            if banner is not None:
                with open(self.stdout_path, errors="replace") as f:
                    if banner not in f.read():
                        time.sleep(0.05)
                        continue
            try:
                return http_get(self.port, "/")
            except OSError:
                time.sleep(0.05)
        self.stop()
        fail("%s did not answer on 127.0.0.1:%d within %.0f s:\n%s"
             % (self.name, self.port, timeout, self.output()))

    def pids(self):
        """The process and its descendants (nginx: master and workers)."""
        pids = [self.proc.pid]
        children = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open("/proc/%s/stat" % entry) as f:
                        ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                children.setdefault(ppid, []).append(int(entry))
        i = 0
        while i < len(pids):
            pids.extend(children.get(pids[i], []))
            i += 1
        return pids

    def cpu_seconds(self):
        """utime + stime of the process tree, from /proc/<pid>/stat."""
        ticks = 0
        for pid in self.pids():
            try:
                with open("/proc/%d/stat" % pid) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
            except (OSError, IndexError, ValueError):
                pass
        return ticks / CLK_TCK

    def rss_kib(self):
        total = 0
        for pid in self.pids():
            try:
                with open("/proc/%d/statm" % pid) as f:
                    total += int(f.read().split()[1]) * PAGE_KIB
            except (OSError, IndexError, ValueError):
                pass
        return total

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                for pid in reversed(self.pids()):
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
                self.proc.wait()


RUNNING = []


def stop_all():
    while RUNNING:
        RUNNING.pop().stop()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port, path, keep=None):
    """GET path over a new connection; returns the raw response (head and body).
    With `keep` (a list), the connection stays open and is appended to it."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        s.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: localhost\r\n\r\n")
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                raise ConnectionError("closed before the response head")
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        m = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
        length = int(m.group(1)) if m else 0
        while len(body) < length:
            chunk = s.recv(1 << 20)
            if not chunk:
                raise ConnectionError("closed before the end of the body")
            body += chunk
        if keep is not None:
            keep.append(s)
            s = None
        return head + b"\r\n\r\n" + body
    finally:
        if s is not None:
            s.close()


def start_engine(args, rundir, port):
    server = Server("engine", [args.engine_bin, "--port", str(port),
                               "--threads", str(args.server_threads)],
                    args.server_cpus, port, rundir)
    RUNNING.append(server)
    server.wait_ready(banner="listening on")
    return server


def start_nginx(args, rundir, port):
    """nginx in its own directory: the bundled config, listen.conf and www/."""
    ndir = os.path.join(rundir, "nginx")
    if not os.path.isdir(ndir):
        os.makedirs(os.path.join(ndir, "www"))
        with open(args.nginx_conf) as f:
            conf = f.read()
        conf = re.sub(r"(?m)^worker_processes\s+\d+;",
                      "worker_processes %d;" % args.server_threads, conf)
        with open(os.path.join(ndir, "nginx.conf"), "w") as f:
            f.write(conf)
        for name, size in (("64k", 64 * 1024), ("1m", 1024 * 1024)):
            with open(os.path.join(ndir, "www", name), "wb") as f:
                f.write(b"x" * size)
        # nginx's workers run as nobody when started as root: let them read www/.
        for d, _, files in os.walk(rundir):
            os.chmod(d, 0o755)
            for name in files:
                os.chmod(os.path.join(d, name), 0o644)
    with open(os.path.join(ndir, "listen.conf"), "w") as f:
        # reuseport: one listening socket per worker, as the engine has one per thread.
        f.write("listen 127.0.0.1:%d reuseport;\n" % port)
    server = Server("nginx", [args.nginx, "-p", ndir + "/", "-c", os.path.join(ndir, "nginx.conf"),
                              "-e", os.path.join(ndir, "error.log")],
                    args.server_cpus, port, ndir)
    RUNNING.append(server)
    server.wait_ready()
    return server


# --- load -----------------------------------------------------------------------

def run_wrk(args, server, sc, duration):
    cmd = ["taskset", "-c", args.client_cpus, args.wrk,
           "-t", str(min(args.wrk_threads, sc.connections)), "-c", str(sc.connections),
           "-d", "%gs" % duration, "--latency", "--timeout", "5s",
           "-s", os.path.join(args.wrk_dir, sc.script),
           "http://127.0.0.1:%d%s" % (server.port, sc.path)]
    if sc.script_args:
        cmd += ["--"] + sc.script_args
    cpu0 = server.cpu_seconds()
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.time()
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 30)
    except subprocess.TimeoutExpired:
        fail("wrk did not finish against %s (%s)" % (server.name, sc.name))
    wall = time.time() - t0
    cpu = server.cpu_seconds() - cpu0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    wrk_cpu = (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)
    if not server.alive():
        fail("%s died during %s:\n%s" % (server.name, sc.name, server.output()))
    m = re.search(r"^WRK_JSON (.*)$", out.stdout, re.M)
    if out.returncode != 0 or not m:
        fail("wrk failed against %s (%s), status %d:\n%s%s"
             % (server.name, sc.name, out.returncode, out.stdout, out.stderr))
    r = json.loads(m.group(1))
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    r["cpu_s"] = cpu
    r["wrk_cpu_s"] = wrk_cpu  # wrk is the only child that ends during the run
    r["wall_s"] = wall
    r["error_count"] = sum(r["errors"].values())
    return r


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
        RUNNING.remove(server)
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
    RUNNING.remove(server)
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


# --- summary --------------------------------------------------------------------

def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarise(sc, runs, client_cores):
    e, n = runs["engine"], runs["nginx"]
    ratios = [a["rps"] / b["rps"] for a, b in zip(e, n) if b["rps"] > 0]
    out = {"title": sc.title, "connections": sc.connections, "path": sc.path,
           "script": sc.script, "target_ratio": sc.target,
           "ratio": {"median": med(ratios), "min": min(ratios) if ratios else None,
                     "max": max(ratios) if ratios else None, "rounds": ratios}}
    for name, rs in (("engine", e), ("nginx", n)):
        reqs = sum(r["requests"] for r in rs)
        cpu = sum(r["cpu_s"] for r in rs)
        wall = sum(r["duration_us"] for r in rs) / 1e6
        out[name] = {
            "rps": med([r["rps"] for r in rs]),
            "p50_us": med([r["latency_us"]["p50"] for r in rs]),
            "p99_us": med([r["latency_us"]["p99"] for r in rs]),
            "cpu_s_per_mreq": cpu / reqs * 1e6 if reqs else None,
            "cpu_use": cpu / wall if wall else None,
            "wrk_cpu_use": (sum(r["wrk_cpu_s"] for r in rs) / wall / client_cores
                            if wall else None),
            "errors": sum(r["error_count"] for r in rs),
            "runs": rs,
        }
    return out


def fmt_num(v, digits=0):
    if v is None:
        return "n/a"
    return "{:,.{}f}".format(v, digits)


def fmt_us(v):
    if v is None:
        return "n/a"
    return "%.0f" % v if v < 10000 else "%.1fms" % (v / 1000)


def fmt_pct(v):
    return "n/a" if v is None else "%.0f%%" % (100 * v)


def verdict(ok):
    return "met" if ok else "MISSED"


def print_table(results, idle):
    rows = [("scenario", "engine req/s", "nginx req/s", "ratio med (min-max)",
             "p50 us e/n", "p99 us e/n", "CPU s/Mreq e/n", "CPU use e/n", "wrk use e/n",
             "target")]
    for name, s in results.items():
        e, n, r = s["engine"], s["nginx"], s["ratio"]
        target = ""
        if s["target_ratio"] is not None and r["median"] is not None:
            target = ">=%gx %s" % (s["target_ratio"], verdict(r["median"] >= s["target_ratio"]))
        if name == P99_TARGET[0] and e["p99_us"] and n["p99_us"]:
            p99_ok = e["p99_us"] <= P99_TARGET[1] * n["p99_us"]
            target += "; p99<=%gx %s" % (P99_TARGET[1], verdict(p99_ok))
        if e["errors"] or n["errors"]:
            target += " [errors e/n: %d/%d]" % (e["errors"], n["errors"])
        rows.append((
            name, fmt_num(e["rps"]), fmt_num(n["rps"]),
            "%s (%s-%s)" % (fmt_num(r["median"], 2), fmt_num(r["min"], 2), fmt_num(r["max"], 2)),
            "%s / %s" % (fmt_us(e["p50_us"]), fmt_us(n["p50_us"])),
            "%s / %s" % (fmt_us(e["p99_us"]), fmt_us(n["p99_us"])),
            "%s / %s" % (fmt_num(e["cpu_s_per_mreq"], 2), fmt_num(n["cpu_s_per_mreq"], 2)),
            "%s / %s" % (fmt_pct(e["cpu_use"]), fmt_pct(n["cpu_use"])),
            "%s / %s" % (fmt_pct(e["wrk_cpu_use"]), fmt_pct(n["wrk_cpu_use"])),
            target))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for i, row in enumerate(rows):
        log("  ".join(c.ljust(w) if j in (0, 9) else c.rjust(w)
                      for j, (c, w) in enumerate(zip(row, widths))).rstrip())
        if i == 0:
            log("  ".join("-" * w for w in widths))
    notes = []
    for name, s in results.items():
        for who in ("engine", "nginx"):
            d = s[who]
            if d["wrk_cpu_use"] and d["wrk_cpu_use"] > 0.9 and d["cpu_use"] < 0.9:
                notes.append("%s, %s: wrk used %.0f%% of its cores, the server %.0f%%: "
                             "client-bound, compare CPU s/Mreq"
                             % (name, who, 100 * d["wrk_cpu_use"], 100 * d["cpu_use"]))
    if notes:
        log("")
        for note in notes:
            log("note: " + note)
    if idle:
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
        log("  target: at most nginx's: %s" % verdict(ok))


# --- chart ----------------------------------------------------------------------

def write_svg(path, results, idle):
    """Engine/nginx ratio per scenario: median bar, min-max whisker, line at 1x."""
    items = [(name, s["ratio"]["median"], s["ratio"]["min"], s["ratio"]["max"],
              s["target_ratio"]) for name, s in results.items() if s["ratio"]["median"]]
    if idle and idle["engine"]["bytes_per_connection"] > 0:
        r = idle["nginx"]["bytes_per_connection"] / idle["engine"]["bytes_per_connection"]
        items.append((IDLE_NAME + " (nginx/engine bytes)", r, r, r, 1.0))
    if not items:
        return
    top = max(max(i[3] for i in items), max((i[4] or 0) for i in items), 1.0) * 1.1
    left, width, bar_h, gap = 230, 520, 22, 12
    height = 70 + len(items) * (bar_h + gap) + 30
    x = lambda v: left + width * v / top  # noqa: E731
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="12">' % (left + width + 80, height),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="10" y="22" font-size="15">engine / nginx, requests/s '
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


def write_gnuplot(outdir, results):
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
        'set title "engine / nginx requests/s (median of paired ratios, min-max)"',
        'set style fill solid 0.6', 'set boxwidth 0.6', 'set yrange [0:*]', 'set grid y',
        'set xtics rotate by -20', 'unset key',
        'plot "%s" using 0:2:xtic(1) with boxes, "" using 0:2:3:4 with yerrorbars lc "black", '
        '1 with lines dt 2 lc "red"' % data])
    r = subprocess.run([gnuplot], input=script, text=True, capture_output=True)
    return png if r.returncode == 0 and os.path.exists(png) else None


def _has_term(gnuplot, term):
    r = subprocess.run([gnuplot, "-e", "set terminal"], capture_output=True, text=True)
    return term in (r.stdout + r.stderr)


# --- main -----------------------------------------------------------------------

def find_tool(name, extra_dirs=("/usr/sbin", "/sbin")):
    path = shutil.which(name)
    if not path:
        for d in extra_dirs:
            if os.access(os.path.join(d, name), os.X_OK):
                return os.path.join(d, name)
    return path


def machine_info():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"^model name\s*:\s*(.*)$", f.read(), re.M)
            model = m.group(1) if m else model
    except OSError:
        pass
    return {"host": socket.gethostname(), "cpu": model, "cpus": os.cpu_count(),
            "kernel": os.uname().release}


def parse_args():
    ncpu = os.cpu_count() or 1
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--full", action="store_true",
                   help="longer runs and more rounds (about 11 minutes) instead of the "
                        "quick mode (about 2 minutes)")
    p.add_argument("--rounds", type=int, help="rounds (quick: 3, full: 5)")
    p.add_argument("--duration", type=float, help="seconds per wrk run (quick: 2, full: 10)")
    p.add_argument("--server-cpus", default="0",
                   help="cores for the servers, taskset syntax (default: 0)")
    p.add_argument("--client-cpus", default=None,
                   help="cores for wrk (default: every core not given to the servers)")
    p.add_argument("--server-threads", type=int, default=1,
                   help="engine threads, and nginx worker processes (default: 1)")
    p.add_argument("--wrk-threads", type=int, default=None,
                   help="wrk threads (default: one per wrk core)")
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
    args.rounds = args.rounds or (5 if args.full else 3)
    args.duration = args.duration or (10.0 if args.full else 2.0)
    server_set = parse_cpus(args.server_cpus)
    if args.client_cpus is None:
        rest = sorted(set(range(ncpu)) - server_set)
        args.client_cpus = ",".join(map(str, rest)) if rest else args.server_cpus
    client_set = parse_cpus(args.client_cpus)
    if server_set & client_set:
        log("warning: servers and wrk share cores %s; figures will understate both"
            % sorted(server_set & client_set))
    args.wrk_threads = args.wrk_threads or len(client_set)
    names = [s.name for s in SCENARIOS] + [IDLE_NAME]
    wanted = args.scenarios.split(",") if args.scenarios else names
    unknown = [w for w in wanted if w not in names]
    if unknown:
        p.error("unknown scenarios: %s (known: %s)" % (", ".join(unknown), ", ".join(names)))
    args.load_scenarios = [s for s in SCENARIOS if s.name in wanted]
    args.idle = IDLE_NAME in wanted
    return args


def parse_cpus(spec):
    cpus = set()
    for part in spec.split(","):
        if "-" in part:
            a, b = part.split("-")
            cpus.update(range(int(a), int(b) + 1))
        elif part:
            cpus.add(int(part))
    return cpus


def raise_nofile(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < needed:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (needed, needed))
            return needed
        except (ValueError, OSError):
            pass
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard if hard != resource.RLIM_INFINITY else needed


def main():
    args = parse_args()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda signum, _: (stop_all(), sys.exit(128 + signum)))

    args.nginx = find_tool("nginx")
    args.wrk = find_tool("wrk")
    missing = [n for n, p in (("nginx", args.nginx), ("wrk", args.wrk),
                              ("taskset", find_tool("taskset"))) if not p]
    if missing:
        fail("missing %s; install the Debian packages (tools/bazel installs nginx-light "
             "and wrk; taskset is in util-linux)" % " and ".join(missing))
    for path, what in ((args.engine_bin, "engine server"), (args.nginx_conf, "nginx.conf"),
                       (os.path.join(args.wrk_dir, "report.lua"), "wrk scripts")):
        if not os.path.exists(path):
            fail("%s not found at %s (run through tools/bazel run //benchmarks:vs_nginx)"
                 % (what, path))

    # Each process holds at most idle_connections sockets plus a few.
    limit = raise_nofile(args.idle_connections + 1024)
    if args.idle and limit < args.idle_connections + 64:
        new = max(0, limit - 256)
        log("warning: RLIMIT_NOFILE is %d; idle connections lowered to %d" % (limit, new))
        args.idle_connections = new
    os.sched_setaffinity(0, parse_cpus(args.client_cpus))  # the idle client

    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    workspace = os.environ.get("BUILD_WORKSPACE_DIRECTORY", os.getcwd())
    outdir = os.path.abspath(args.out or os.path.join(workspace, "out", "vs_nginx-" + stamp))
    os.makedirs(outdir, exist_ok=True)
    rundir = tempfile.mkdtemp(prefix="vs_nginx-")
    os.chmod(rundir, 0o755)

    info = machine_info()
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
            servers = {"engine": start_engine(args, rundir, free_port()),
                       "nginx": start_nginx(args, rundir, free_port())}
            sizes = {k: len(http_get(s.port, "/")) for k, s in servers.items()}
            log("response to GET /: engine %d bytes, nginx %d bytes%s"
                % (sizes["engine"], sizes["nginx"],
                   "" if sizes["engine"] == sizes["nginx"] else " (sizes differ)"))
            warm = SCENARIOS[0]
            for name, server in servers.items():
                run_wrk(args, server, warm, 1)
            runs = {sc.name: {"engine": [], "nginx": []} for sc in args.load_scenarios}
            for rnd in range(1, args.rounds + 1):
                for sc in args.load_scenarios:
                    line = "[round %d/%d] %-15s" % (rnd, args.rounds, sc.name)
                    for name in ("engine", "nginx"):
                        r = run_wrk(args, servers[name], sc, args.duration)
                        runs[sc.name][name].append(r)
                        line += "  %s %12s req/s" % (name, fmt_num(r["rps"]))
                        if r["error_count"]:
                            line += " (%d errors)" % r["error_count"]
                    e, n = runs[sc.name]["engine"][-1], runs[sc.name]["nginx"][-1]
                    line += "  ratio %.2f" % (e["rps"] / n["rps"] if n["rps"] else 0)
                    log(line)
            for sc in args.load_scenarios:
                results[sc.name] = summarise(sc, runs[sc.name],
                                             len(parse_cpus(args.client_cpus)))
            stop_all()
        if args.idle:
            log("[%s] opening %d idle keep-alive connections to a fresh engine, then a "
                "fresh nginx" % (IDLE_NAME, args.idle_connections))
            idle = {"engine": measure_idle(args, rundir, start_engine, "engine"),
                    "nginx": measure_idle(args, rundir, start_nginx, "nginx")}
    finally:
        stop_all()
        shutil.rmtree(rundir, ignore_errors=True)
    elapsed = time.time() - started

    log("")
    log("vs_nginx results (%s mode, %d rounds x %g s, %.0f s in all); e = engine, n = nginx"
        % (mode, args.rounds, args.duration, elapsed))
    print_table(results, idle)

    doc = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "mode": mode,
           "rounds": args.rounds, "duration_s": args.duration,
           "server_cpus": args.server_cpus, "client_cpus": args.client_cpus,
           "server_threads": args.server_threads, "wrk_threads": args.wrk_threads,
           "machine": info, "nginx": nginx_version, "scenarios": results, "idle": idle}
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump(doc, f, indent=2)
    write_svg(os.path.join(outdir, "chart.svg"), results, idle)
    png = write_gnuplot(outdir, results)
    log("")
    log("wrote %s (results.json, chart.svg%s)" % (outdir, ", chart.png" if png else ""))


if __name__ == "__main__":
    main()
