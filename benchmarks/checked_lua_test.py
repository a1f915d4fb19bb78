#!/usr/bin/env python3
"""Tests of benchmarks/wrk/checked.lua: wrk with it against small servers in this
process counts a wrong body or a wrong Connection header as "bad", and nothing against
a right one, one request per write or pipelined. tools/bazel test
//benchmarks:checked_lua_test (needs wrk: skipped without it).

Python 3 standard library only.
"""

import asyncio
import json
import os
import re
import shutil
import subprocess
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "wrk", "checked.lua")
WRK = shutil.which("wrk")
BODY = b"Hello, World!"


class Server:
    """Answers every request, pipelined ones too. mode: "good" (BODY, and Connection:
    close with a close exactly when asked), "wrong-body", "close-unasked" (says close
    to a keep-alive request, and closes), "ignore-close" (neither says nor closes)."""

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
            asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=256))
        self.port = self.server.sockets[0].getsockname()[1]
        self.ready.set()
        self.loop.run_forever()

    async def _serve(self, reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                asked = bool(re.search(rb"(?i)\r\nconnection:\s*close", head))
                close = (asked and self.mode != "ignore-close") or self.mode == "close-unasked"
                body = b"Hello, World?" if self.mode == "wrong-body" else BODY
                writer.write(b"HTTP/1.1 200 OK\r\nConnection: %s\r\nContent-Length: %d\r\n\r\n"
                             % (b"close" if close else b"keep-alive", len(body)) + body)
                await writer.drain()
                if close:
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def stop(self):
        self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def run(port, *script_args):
    """One second of wrk with checked.lua; returns its WRK_JSON and its WRK_TICK lines."""
    out = subprocess.run([WRK, "-t1", "-c4", "-d1s", "-s", SCRIPT,
                          "http://127.0.0.1:%d/" % port, "--", BODY.decode()]
                         + list(script_args), capture_output=True, text=True, timeout=30)
    line = re.search(r"^WRK_JSON (.*)$", out.stdout, re.M)
    assert line, out.stdout + out.stderr
    return json.loads(line.group(1)), re.findall(r"^WRK_TICK .*$", out.stdout, re.M)


@unittest.skipIf(WRK is None, "wrk is not installed")
class CheckedLuaTest(unittest.TestCase):
    def setUp(self):
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            s.stop()

    def server(self, mode):
        s = Server(mode)
        self.servers.append(s)
        return s

    def test_right_answers_are_not_bad_and_are_ticked(self):
        s = self.server("good")
        for args in ((), ("16",), ("1", "close")):
            figures, ticks = run(s.port, *args)
            self.assertGreater(figures["requests"], 0, args)
            self.assertEqual(figures["bad"], 0, args)
            self.assertTrue(ticks, args)

    def test_a_wrong_body_is_bad(self):
        s = self.server("wrong-body")
        for args in ((), ("16",)):
            figures, _ = run(s.port, *args)
            self.assertGreater(figures["bad"], 0, args)
            self.assertEqual(figures["bad"], figures["requests"], args)

    def test_a_close_that_was_not_asked_is_bad(self):
        s = self.server("close-unasked")
        figures, _ = run(s.port)
        self.assertGreater(figures["bad"], 0)

    def test_an_asked_close_that_is_not_said_is_bad(self):
        s = self.server("ignore-close")
        figures, _ = run(s.port, "1", "close")
        self.assertGreater(figures["bad"], 0)


if __name__ == "__main__":
    unittest.main()
