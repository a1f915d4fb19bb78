"""Restarts under load lose no request (docs/DEPLOY.md).

Two deployments, each under wrk for the whole run, each checked for 0 failed requests
(wrk's socket errors, and statuses of 400 and above):

- in place: one port, one engine process at a time. A new process binds the port with
  --reuse-port, then the old one gets SIGTERM, which calls Server::shutdown(): it
  serves its backlog, answers each request from then on with Connection: close, and
  exits once its last connection has ended. Every request opens a new connection
  (wrk/churn.lua), the hardest case for the listen backlog: the kernel must move the
  closing socket's queue to the new one (net.ipv4.tcp_migrate_req, set to 1 here when
  it can be written; the test fails, saying so, when it is 0 and cannot be).
- behind nginx: nginx balances over two engine processes (an upstream with keep-alive
  connections and passive health checks, as docs/DEPLOY.md shows). Each is replaced in
  place in turn, then one is stopped for a second and started again, which nginx must
  route around.

Each process replaced must exit with status 0 within its grace and linger.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
RUNFILES = os.environ.get("TEST_SRCDIR", "")


def runfile(path):
    for base in (os.path.join(RUNFILES, "uring_http"), os.path.join(HERE, "..", "..")):
        p = os.path.join(base, path)
        if os.path.exists(p):
            return p
    raise FileNotFoundError(path)


SERVER = runfile("benchmarks/plaintext_server")
WRK_DIR = os.path.dirname(runfile("benchmarks/wrk/report.lua"))
NGINX_CONF = runfile("tests/peers/rolling_restart_nginx.conf")
MIGRATE_REQ = "/proc/sys/net/ipv4/tcp_migrate_req"


def tool(name):
    for d in os.environ.get("PATH", "").split(":") + ["/usr/sbin", "/sbin"]:
        p = os.path.join(d, name)
        if os.access(p, os.X_OK):
            return p
    raise AssertionError(f"{name} is missing: tools/bazel installs it (Debian package)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.02)
    raise AssertionError(f"nothing listens on port {port}")


class Engine:
    """One plaintext_server process on `port`, with SO_REUSEPORT."""

    def __init__(self, port, log_dir, name, grace_ms=1000):
        self.log = open(os.path.join(log_dir, name + ".log"), "w")
        self.proc = subprocess.Popen(
            [SERVER, "--port", str(port), "--reuse-port", "--shutdown-grace", str(grace_ms)],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with open(self.log.name) as f:
                if "listening on" in f.read():
                    return
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError(f"{name} did not start: {open(self.log.name).read()}")

    def stop(self):
        """SIGTERM, then the exit status (None if it had to be killed)."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            # The grace (at most 5 s) and the lingering close (at most 5 s), with room.
            return self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None
        finally:
            self.log.close()


class Wrk:
    def __init__(self, port, seconds, script, connections):
        self.proc = subprocess.Popen(
            [tool("wrk"), "-t1", f"-c{connections}", f"-d{seconds}s", "-s",
             os.path.join(WRK_DIR, script), f"http://127.0.0.1:{port}/"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def result(self):
        out, _ = self.proc.communicate(timeout=120)
        for line in out.splitlines():
            if line.startswith("WRK_JSON "):
                return json.loads(line[len("WRK_JSON "):])
        raise AssertionError("wrk printed no result:\n" + out)


def replace_in_place(old, port, log_dir, name, grace_ms=1000):
    """The rolling step: the new process first, then the old one shuts down."""
    new = Engine(port, log_dir, name, grace_ms)
    time.sleep(0.3)  # both take connections for a while
    return new, old.stop()


class RollingRestart(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="rolling_restart.")
        self.engines = []

    def tearDown(self):
        for e in self.engines:
            if e.proc.poll() is None:
                e.proc.kill()
                e.proc.wait()
            e.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def check(self, result, exits):
        print(json.dumps(result))
        self.assertGreater(result["requests"], 1000, "the load did not run")
        self.assertEqual(result["errors"], {"connect": 0, "read": 0, "write": 0,
                                            "status": 0, "timeout": 0})
        self.assertEqual(exits, [0] * len(exits), "an old process did not exit cleanly")

    def test_in_place_restarts_under_connection_churn_lose_nothing(self):
        try:
            with open(MIGRATE_REQ, "w") as f:
                f.write("1")
        except OSError:
            pass
        with open(MIGRATE_REQ) as f:
            self.assertEqual(f.read().strip(), "1",
                             f"{MIGRATE_REQ} is 0 and cannot be set (needs root): a closing "
                             "socket's backlog would be reset (docs/DEPLOY.md)")
        port = free_port()
        current = Engine(port, self.dir, "engine-0")
        self.engines.append(current)
        wrk = Wrk(port, 6, "churn.lua", 32)
        exits = []
        for i in range(1, 4):
            time.sleep(1.2)
            current, status = replace_in_place(current, port, self.dir, f"engine-{i}")
            self.engines.append(current)
            exits.append(status)
        self.check(wrk.result(), exits)

    def test_nginx_over_two_engines_restarted_in_turn_loses_nothing(self):
        ports = [free_port(), free_port()]
        front = free_port()
        with open(NGINX_CONF) as f:
            conf = f.read()
        conf = (conf.replace("USER_LINE", "user root;" if os.geteuid() == 0 else "")
                .replace("FRONT_PORT", str(front))
                .replace("ENGINE_A_PORT", str(ports[0]))
                .replace("ENGINE_B_PORT", str(ports[1])))
        conf_path = os.path.join(self.dir, "nginx.conf")
        with open(conf_path, "w") as f:
            f.write(conf)
        # A grace longer than nginx's keepalive_timeout for idle upstream connections
        # (4 s): nginx drops those first (docs/DEPLOY.md).
        grace = 5000
        engines = [Engine(ports[0], self.dir, "a-0", grace),
                   Engine(ports[1], self.dir, "b-0", grace)]
        self.engines.extend(engines)
        nginx = subprocess.Popen([tool("nginx"), "-p", self.dir + "/", "-c", conf_path,
                                  "-e", os.path.join(self.dir, "error.log")])
        try:
            wait_listening(front)
            wrk = Wrk(front, 8, "report.lua", 32)
            exits = []
            for i in (0, 1):  # each replaced in place, in turn
                time.sleep(1.5)
                engines[i], status = replace_in_place(engines[i], ports[i], self.dir,
                                                      f"{'ab'[i]}-1", grace)
                self.engines.append(engines[i])
                exits.append(status)
            # One stopped for a second: nginx routes around it, then back.
            time.sleep(1.0)
            exits.append(engines[0].stop())
            time.sleep(1.0)
            engines[0] = Engine(ports[0], self.dir, "a-2", grace)
            self.engines.append(engines[0])
            self.check(wrk.result(), exits)
        finally:
            nginx.send_signal(signal.SIGQUIT)
            try:
                nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                nginx.kill()
                nginx.wait()


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
