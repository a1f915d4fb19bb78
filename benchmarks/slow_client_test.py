#!/usr/bin/env python3
"""Tests of benchmarks/slow_client.cc against small servers in this process: what it
counts as answered, how each connection's ending is told apart, and that it holds
until told. tools/bazel test //benchmarks:slow_client_test

Python 3 standard library only.
"""

import asyncio
import json
import os
import re
import socket
import subprocess
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SLOW_CLIENT = os.path.join(HERE, "slow_client")
HEAD = "GET / HTTP/1.1\\r\\nHost: x\\r\\n"  # slow_client's escapes
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


class Server:
    """An HTTP server on a thread of its own. mode: "answer" (each complete request,
    after its Content-Length body), "early" (each head at once, before its body, as
    nginx's `return` does), "close" (answers each head, then closes), "silent" (reads
    and never answers), "chunked" and "until-close" (other response framings)."""

    def __init__(self, mode):
        self.mode = mode
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        self.ready.wait(5)

    def _run(self):
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=1024))
        self.port = self.server.sockets[0].getsockname()[1]
        self.ready.set()
        self.loop.run_forever()

    async def _serve(self, reader, writer):
        buf = b""
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                buf += data
                while b"\r\n\r\n" in buf and self.mode != "silent":
                    head, _, rest = buf.partition(b"\r\n\r\n")
                    m = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
                    length = int(m.group(1)) if m else 0
                    if self.mode != "early" and len(rest) < length:
                        break
                    writer.write(self._response())
                    await writer.drain()
                    if self.mode in ("close", "until-close"):
                        writer.close()
                        return
                    if self.mode == "early":
                        while len(rest) < length:
                            more = await reader.read(65536)
                            if not more:
                                return
                            rest += more
                    buf = rest[length:]
        finally:
            writer.close()

    def _response(self):
        if self.mode == "chunked":
            return b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"
        if self.mode == "until-close":
            return b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nok"
        return OK

    def stop(self):
        self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def run(port, connections, first, rest, hold="0.2", release=False, extra=()):
    """Runs slow_client; returns (SLOW_HELD, SLOW_JSON) as dicts. release: hold on
    stdin and check that nothing more is sent before the line is written."""
    cmd = [SLOW_CLIENT, "--port", str(port), "--connections", str(connections),
           "--first", first, "--rest", rest, "--hold", "stdin" if release else hold,
           "--answer-timeout", "3"] + list(extra)
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    held = json.loads(proc.stdout.readline().split(" ", 1)[1])
    if release:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, proc.returncode
    return held, json.loads(out.split(" ", 1)[1])


class SlowClientTest(unittest.TestCase):
    def setUp(self):
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            s.stop()

    def server(self, mode):
        s = Server(mode)
        self.servers.append(s)
        return s

    def test_holds_partial_heads_until_told_then_counts_every_answer(self):
        s = self.server("answer")
        held, summary = run(s.port, 300, HEAD, "\\r\\n", release=True)
        self.assertEqual(held["open"], 300)
        self.assertEqual(held["answered"], 0)
        self.assertEqual(summary["answered"], 300)
        self.assertEqual(summary["outcomes"]["complete"], 300)
        self.assertEqual(summary["status_2xx"], 300)
        self.assertIsNotNone(summary["last_answer_ms"])

    def test_counts_an_answer_before_the_body_and_the_next_request_on_the_connection(self):
        s = self.server("early")
        post = "POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 10\\r\\n\\r\\n12345"
        held, summary = run(s.port, 50, post, "67890" + HEAD + "\\r\\n",
                            extra=["--responses", "2"])
        self.assertEqual(summary["answered_before_rest"], 50)
        self.assertEqual(summary["outcomes"]["complete"], 50)
        self.assertEqual(summary["status_2xx"], 100)

    def test_tells_a_close_after_the_answer_from_a_complete_connection(self):
        s = self.server("close")
        _, summary = run(s.port, 20, HEAD, "\\r\\n" + HEAD + "\\r\\n",
                         extra=["--responses", "2"])
        self.assertEqual(summary["answered"], 20)
        self.assertEqual(summary["outcomes"]["closed_answered"], 20)
        self.assertEqual(summary["ended_before_rest"], 0)

    def test_a_server_that_never_answers_times_out_without_hanging(self):
        s = self.server("silent")
        _, summary = run(s.port, 20, HEAD, "\\r\\n", extra=["--answer-timeout", "0.5"])
        self.assertEqual(summary["answered"], 0)
        self.assertEqual(summary["outcomes"]["timeout_unanswered"], 20)
        self.assertIsNone(summary["last_answer_ms"])

    def test_reads_chunked_and_close_delimited_responses(self):
        for mode, outcome in (("chunked", "complete"), ("until-close", "complete")):
            s = self.server(mode)
            _, summary = run(s.port, 10, HEAD, "\\r\\n")
            self.assertEqual(summary["outcomes"][outcome], 10, mode)

    def test_counts_refused_connections(self):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]  # bound, not listening: refused
            held, summary = run(port, 5, HEAD, "\\r\\n")
        self.assertEqual(held["connect_failed"], 5)
        self.assertEqual(summary["connect_errors"], {"ECONNREFUSED": 5})

    def test_rejects_a_bad_escape(self):
        r = subprocess.run([SLOW_CLIENT, "--port", "1", "--first", "\\q", "--rest", ""],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("bad escape", r.stderr)


if __name__ == "__main__":
    unittest.main()
