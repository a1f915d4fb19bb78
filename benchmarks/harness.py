#!/usr/bin/env python3
"""What //benchmarks:vs_nginx and //benchmarks:vs_node share: servers pinned with
taskset (the engine's and nginx's start), wrk runs read through wrk/report.lua,
interleaved rounds, paired ratios and the table (the charts are in charts.py). See
benchmarks/README.md.

Python 3 standard library only.
"""

import ctypes
import datetime
import json
import os
import queue
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

NAME = "benchmark"  # the harness's name in error messages; set by the caller
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
        self.target = target  # minimum engine/other ratio of requests/s (issue 4)

def log(msg=""):
    print(msg, flush=True)

def fail(msg):
    print(NAME + ": " + msg, file=sys.stderr, flush=True)
    sys.exit(1)

# --- processes ------------------------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)

def die_with_parent():
    """For preexec_fn: the child gets SIGTERM when the harness ends, even by SIGKILL."""
    _libc.prctl(1, signal.SIGTERM, 0, 0, 0)

class Server:
    """One server process (the engine, nginx's master, node), pinned with taskset."""

    def __init__(self, name, argv, cpus, port, rundir):
        self.name = name
        self.port = port
        self.rundir = rundir
        self.stdout_path = os.path.join(rundir, name + ".stdout")
        self.stderr_path = os.path.join(rundir, name + ".stderr")
        self.proc = subprocess.Popen(
            ["taskset", "-c", cpus] + argv,
            stdout=open(self.stdout_path, "wb"), stderr=open(self.stderr_path, "wb"),
            stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)

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

    def fd_count(self):
        """Open descriptors of the process tree, from /proc/<pid>/fd."""
        total = 0
        for pid in self.pids():
            try:
                total += len(os.listdir("/proc/%d/fd" % pid))
            except OSError:
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


class Child:
    """A client process (slow_client, soak_client, a wrk), pinned to `cpus`, whose
    stdout lines a thread reads as they come: each goes to on_line(line) if given, and
    wait() takes the next one with a tag, so that waiting for it can time out. stdin
    stays a pipe, for write_line()."""

    running = []

    def __init__(self, name, argv, cpus, rundir, on_line=None):
        self.stderr_path = os.path.join(rundir, name + ".stderr")
        self.proc = subprocess.Popen(["taskset", "-c", cpus] + argv, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=open(self.stderr_path, "wb"), text=True,
                                     preexec_fn=die_with_parent)
        Child.running.append(self)
        self.on_line = on_line
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            if self.on_line:
                self.on_line(line)
            self.lines.put(line)
        self.lines.put(None)

    def wait(self, tag, timeout):
        """The JSON after `tag` on the next line that starts with it, or None if none
        came within `timeout` s (or the process ended first)."""
        deadline = time.time() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.time()))
            except queue.Empty:
                return None
            if line is None:
                return None
            if line.startswith(tag + " "):
                return json.loads(line[len(tag) + 1:])

    def write_line(self, text):
        try:
            self.proc.stdin.write(text + "\n")
            self.proc.stdin.flush()
        except OSError:
            pass

    def close(self, timeout=5):
        """Waits up to `timeout` s for the process, then kills it; returns the end
        of its stderr."""
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self in Child.running:
            Child.running.remove(self)
        with open(self.stderr_path, errors="replace") as f:
            return f.read()[-2000:]

    @classmethod
    def kill_all(cls):
        for c in list(cls.running):
            if c.proc.poll() is None:
                c.proc.kill()
        cls.running.clear()


def c_escape(text):
    """The C escapes slow_client takes for the bytes of --first and --rest."""
    return text.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n")


def start_server(name, argv, args, rundir, port):
    """Starts a server pinned to the server cores; ready once it prints its banner."""
    server = Server(name, argv, args.server_cpus, port, rundir)
    RUNNING.append(server)
    server.wait_ready(banner="listening on")
    return server


def start_engine(args, rundir, port, extra=(), wrap=()):
    """The engine's side of a benchmark: args.engine_bin --port P --threads N, and
    `extra` arguments. wrap: a command that runs it (after taskset), e.g.
    ["prlimit", "--nofile=256:256", "--"]; it must exec the server, so that the
    process measured is the server's."""
    return start_server("engine", list(wrap) + [args.engine_bin, "--port", str(port),
                                               "--threads", str(args.server_threads)]
                        + list(extra), args, rundir, port)

def start_nginx(args, rundir, port, http_directives="", wrap=()):
    """nginx in its own directory under rundir: args.nginx_conf with args.server_threads
    workers and `http_directives` added to its http block, listen.conf and www/ (see
    nginx/nginx.conf); ready once it answers GET /. wrap: as for start_engine."""
    ndir = os.path.join(rundir, "nginx" + ("-" + re.sub(r"\W+", "_", http_directives).strip("_")
                                           if http_directives else ""))
    if not os.path.isdir(ndir):
        os.makedirs(os.path.join(ndir, "www"))
        with open(args.nginx_conf) as f:
            conf = f.read()
        conf = re.sub(r"(?m)^worker_processes\s+\d+;",
                      "worker_processes %d;" % args.server_threads, conf)
        if http_directives:
            conf = re.sub(r"(?m)^http \{$", "http {\n    " + http_directives, conf, count=1)
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
        # reuseport: one listening socket per worker (the engine's loops take turns on
        # one socket instead, unless ServerOptions::reusePort: engine/listener.h).
        f.write("listen 127.0.0.1:%d reuseport;\n" % port)
    server = Server("nginx", list(wrap) + [args.nginx, "-p", ndir + "/",
                              "-c", os.path.join(ndir, "nginx.conf"),
                              "-e", os.path.join(ndir, "error.log")],
                    args.server_cpus, port, ndir)
    RUNNING.append(server)
    server.wait_ready()
    return server

def stop_all():
    while RUNNING:
        RUNNING.pop().stop()

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def http_get(port, path, keep=None, timeout=5):
    """GET path over a new connection; returns the raw response (head and body).
    With `keep` (a list), the connection stays open and is appended to it. Raises
    OSError (socket.timeout after `timeout` seconds of silence)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
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

# --- load -----------------------------------------------------------------------

def wrk_command(args, port, sc, duration, timeout=5):
    """wrk's arguments for scenario `sc` against 127.0.0.1:port (without taskset)."""
    cmd = [args.wrk, "-t", str(min(args.wrk_threads, sc.connections)),
           "-c", str(sc.connections), "-d", "%gs" % duration, "--latency",
           "--timeout", "%gs" % timeout, "-s", os.path.join(args.wrk_dir, sc.script),
           "http://127.0.0.1:%d%s" % (port, sc.path)]
    return cmd + (["--"] + sc.script_args if sc.script_args else [])


def run_wrk(args, server, sc, duration, timeout=5, strict=True):
    """One wrk run of scenario `sc` against `server`; wrk counts a request that waits
    longer than `timeout` seconds as a timeout. strict=False: a run that fails (wrk
    exits badly, prints no figures, the server dies) returns the figures it has, or
    zeros, with "failed" saying why, instead of stopping the benchmark."""
    cmd = (["taskset", "-c", args.client_cpus]
           + wrk_command(args, server.port, sc, duration, timeout))
    cpu0 = server.cpu_seconds()
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.time()
    problem = None
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 30)
    except subprocess.TimeoutExpired:
        problem = "wrk did not finish against %s (%s)" % (server.name, sc.name)
        out = subprocess.CompletedProcess(cmd, -1, "", "")
    wall = time.time() - t0
    cpu = server.cpu_seconds() - cpu0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    wrk_cpu = (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)
    m = re.search(r"^WRK_JSON (.*)$", out.stdout, re.M)
    if not server.alive():
        problem = "%s died during %s:\n%s" % (server.name, sc.name, server.output())
    elif problem is None and (out.returncode != 0 or not m):
        problem = ("wrk failed against %s (%s), status %d:\n%s%s"
                   % (server.name, sc.name, out.returncode, out.stdout, out.stderr))
    if problem and strict:
        fail(problem)
    if m:
        r = json.loads(m.group(1))
    else:
        r = {"requests": 0, "duration_us": wall * 1e6, "bytes": 0,
             "errors": {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0},
             "latency_us": {"mean": None, "max": None, "p50": None, "p90": None,
                            "p99": None, "p999": None}}
    if problem:
        r["failed"] = problem
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6) if r["duration_us"] else 0
    r["cpu_s"] = cpu
    r["wrk_cpu_s"] = wrk_cpu  # wrk is the only child that ends during the run
    r["wall_s"] = wall
    r["error_count"] = sum(r["errors"].values())
    return r

def run_rounds(args, servers, scenarios):
    """Every scenario against every server in `servers` (name -> Server, the engine
    first), interleaved: each round runs each scenario on each server in turn, so a
    change in the machine's speed falls on all alike. Returns name -> server -> runs."""
    for server in servers.values():
        run_wrk(args, server, scenarios[0], 1)  # warm-up
    runs = {sc.name: {name: [] for name in servers} for sc in scenarios}
    for rnd in range(1, args.rounds + 1):
        for sc in scenarios:
            line = "[round %d/%d] %-15s" % (rnd, args.rounds, sc.name)
            for name, server in servers.items():
                r = run_wrk(args, server, sc, args.duration)
                runs[sc.name][name].append(r)
                line += "  %s %12s req/s" % (name, fmt_num(r["rps"]))
                if r["error_count"]:
                    line += " (%d errors)" % r["error_count"]
            e, n = [runs[sc.name][name][-1] for name in servers]
            line += "  ratio %.2f" % (e["rps"] / n["rps"] if n["rps"] else 0)
            log(line)
    return runs

# --- summary --------------------------------------------------------------------

def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None

def summarise(sc, runs, client_cores, other):
    e, n = runs["engine"], runs[other]
    ratios = [a["rps"] / b["rps"] for a, b in zip(e, n) if b["rps"] > 0]
    out = {"title": sc.title, "connections": sc.connections, "path": sc.path,
           "script": sc.script, "target_ratio": sc.target,
           "ratio": {"median": med(ratios), "min": min(ratios) if ratios else None,
                     "max": max(ratios) if ratios else None, "rounds": ratios}}
    for name, rs in (("engine", e), (other, n)):
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

def print_table(results, other, p99_target=None):
    """The load scenarios: engine and `other` side by side. p99_target: (scenario,
    the largest engine/other p99 ratio) to check, if any."""
    k = other[0]
    rows = [("scenario", "engine req/s", other + " req/s", "ratio med (min-max)",
             "p50 us e/" + k, "p99 us e/" + k, "CPU s/Mreq e/" + k, "CPU use e/" + k,
             "wrk use e/" + k, "target")]
    for name, s in results.items():
        e, n, r = s["engine"], s[other], s["ratio"]
        target = ""
        if s["target_ratio"] is not None and r["median"] is not None:
            target = ">=%gx %s" % (s["target_ratio"], verdict(r["median"] >= s["target_ratio"]))
        if p99_target and name == p99_target[0] and e["p99_us"] and n["p99_us"]:
            p99_ok = e["p99_us"] <= p99_target[1] * n["p99_us"]
            target += "; p99<=%gx %s" % (p99_target[1], verdict(p99_ok))
        if e["errors"] or n["errors"]:
            target += " [errors e/%s: %d/%d]" % (k, e["errors"], n["errors"])
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
        for who in ("engine", other):
            d = s[who]
            if d["wrk_cpu_use"] and d["wrk_cpu_use"] > 0.9 and d["cpu_use"] < 0.9:
                notes.append("%s, %s: wrk used %.0f%% of its cores, the server %.0f%%: "
                             "client-bound, compare CPU s/Mreq"
                             % (name, who, 100 * d["wrk_cpu_use"], 100 * d["cpu_use"]))
    if notes:
        log("")
        for note in notes:
            log("note: " + note)

# --- setup ----------------------------------------------------------------------

def find_tool(name, extra_dirs=("/usr/sbin", "/sbin")):
    path = shutil.which(name)
    if not path:
        for d in extra_dirs:
            if os.access(os.path.join(d, name), os.X_OK):
                return os.path.join(d, name)
    return path

def output_dirs(name, out):
    """The folder the results go to (`out`, or out/NAME-STAMP in the workspace), made,
    and a fresh run directory for the servers (readable by nginx's workers)."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    workspace = os.environ.get("BUILD_WORKSPACE_DIRECTORY", os.getcwd())
    outdir = os.path.abspath(out or os.path.join(workspace, "out", name + "-" + stamp))
    os.makedirs(outdir, exist_ok=True)
    rundir = tempfile.mkdtemp(prefix=name + "-")
    os.chmod(rundir, 0o755)
    return outdir, rundir


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

def add_common_args(p, ncpu):
    """The options both harnesses take (see their --help)."""
    p.add_argument("--rounds", type=int, help="rounds (quick: 3, full: 5)")
    p.add_argument("--duration", type=float, help="seconds per wrk run (quick: 2, full: 10)")
    add_cpu_args(p)


def add_cpu_args(p):
    """Where the servers and the clients run: --server-cpus, --client-cpus, --wrk-threads."""
    p.add_argument("--server-cpus", default="0",
                   help="cores for the servers, taskset syntax (default: 0)")
    p.add_argument("--client-cpus", default=None,
                   help="cores for wrk (default: every core not given to the servers)")
    p.add_argument("--wrk-threads", type=int, default=None,
                   help="wrk threads (default: one per wrk core)")


def finish_common_args(args, ncpu):
    args.rounds = args.rounds or (5 if args.full else 3)
    args.duration = args.duration or (10.0 if args.full else 2.0)
    finish_cpu_args(args, ncpu)


def finish_cpu_args(args, ncpu):
    server_set = parse_cpus(args.server_cpus)
    if args.client_cpus is None:
        rest = sorted(set(range(ncpu)) - server_set)
        args.client_cpus = ",".join(map(str, rest)) if rest else args.server_cpus
    client_set = parse_cpus(args.client_cpus)
    if server_set & client_set:
        log("warning: servers and wrk share cores %s; figures will understate both"
            % sorted(server_set & client_set))
    args.wrk_threads = args.wrk_threads or len(client_set)
