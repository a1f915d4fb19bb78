#!/usr/bin/env python3
"""Tests of benchmarks/soak_client.cc against small servers in this process, one per way
a server can go wrong: soak_client must count 0 errors against a correct server, and
the right error, under the right kind, against each faulty one.
tools/bazel test //benchmarks:soak_client_test

Python 3 standard library only.
"""

import asyncio
import json
import os
import re
import socket
import struct
import subprocess
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOAK_CLIENT = os.path.join(HERE, "soak_client")
MASK = (1 << 64) - 1


def soak_byte(seed, offset):
    """soak_pattern.h's SoakByte."""
    x = ((seed ^ (offset >> 4)) * 0x9E3779B97F4A7C15) & MASK
    x ^= x >> 29
    return ord("a") + ((x + offset) & MASK) % 26


def fnv1a64(data):
    h = 0xcbf29ce484222325
    for c in data:
        h = ((h ^ c) * 0x100000001b3) & MASK
    return h


class Server:
    """soak_server's /upload and /stream, on a thread of its own, with a fault:
    good       answers as soak_server does (and closes after Connection: close)
    corrupt    streams a wrong byte at offset 5
    miscount   answers an upload with one byte too many in its count
    status500  answers every request 500
    drop       closes each connection once a request head has arrived, unanswered
    reset      resets each connection once a request head has arrived
    silent     reads, never answers
    keep       ignores Connection: close (neither says it nor closes)
    early      answers 400 as soon as any byte arrives, before the head is complete"""

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
        try:
            if self.mode == "early":
                await reader.read(1)
                writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
                await reader.read()
                return
            while await self._exchange(reader, writer):
                pass
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    async def _exchange(self, reader, writer):
        """One request and its answer; False once the connection is done."""
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin1")
        if self.mode == "drop":
            return False
        if self.mode == "reset":
            writer.get_extra_info("socket").setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return False
        if self.mode == "silent":
            await reader.read()
            return False
        target = head.split(" ", 2)[1]
        close = re.search(r"(?im)^connection:\s*close", head) and self.mode != "keep"
        body = await self._body(reader, head)
        extra = b"Connection: close\r\n" if close else b""
        status = b"500 Internal Server Error" if self.mode == "status500" else b"200 OK"
        if target.startswith("/upload"):
            count = len(body) + (1 if self.mode == "miscount" else 0)
            answer = b"bytes=%d fnv=%016x\n" % (count, fnv1a64(body))
            writer.write(b"HTTP/1.1 " + status + b"\r\n" + extra +
                         b"Content-Length: %d\r\n\r\n" % len(answer) + answer)
        else:
            q = dict(p.split("=") for p in target.split("?", 1)[1].split("&"))
            pieces, size, seed = int(q["pieces"]), int(q["size"]), int(q["seed"])
            writer.write(b"HTTP/1.1 " + status + b"\r\n" + extra +
                         b"Transfer-Encoding: chunked\r\n\r\n")
            for k in range(pieces):
                piece = bytearray(soak_byte(seed, k * size + i) for i in range(size))
                if self.mode == "corrupt" and k * size <= 5 < (k + 1) * size:
                    piece[5 - k * size] = ord("#")
                writer.write(b"%x\r\n" % size + bytes(piece) + b"\r\n")
                await writer.drain()
            writer.write(b"0\r\n\r\n")
        await writer.drain()
        return not close

    async def _body(self, reader, head):
        m = re.search(r"(?im)^content-length:\s*(\d+)", head)
        if m:
            return await reader.readexactly(int(m.group(1)))
        if not re.search(r"(?im)^transfer-encoding:\s*chunked", head):
            return b""
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                while await reader.readuntil(b"\r\n") != b"\r\n":
                    pass
                return body
            body += (await reader.readexactly(size + 2))[:-2]

    def stop(self):
        self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def run(port, uploads=1, streams=1, aborts=1, extra=()):
    """Runs soak_client for a second; returns its SOAK_JSON as a dict."""
    cmd = [SOAK_CLIENT, "--port", str(port), "--duration", "1", "--uploads", str(uploads),
           "--streams", str(streams), "--slow-readers", "0", "--aborts", str(aborts),
           "--max-upload", "4096", "--max-stream", "4096", "--abort-hold-ms", "100",
           "--timeout", "2"] + list(extra)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, (out.returncode, out.stderr)
    line = [l for l in out.stdout.splitlines() if l.startswith("SOAK_JSON ")][-1]
    return json.loads(line.split(" ", 1)[1])


def errors(summary, kind):
    return {k: v for k, v in summary["kinds"][kind]["errors"].items() if v}


class SoakClientTest(unittest.TestCase):
    def setUp(self):
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            s.stop()

    def server(self, mode):
        s = Server(mode)
        self.servers.append(s)
        return s

    def test_a_correct_server_gets_no_errors_and_every_kind_completes(self):
        s = self.server("good")
        summary = run(s.port, extra=["--per-connection", "3", "--slow-readers", "1"])
        for kind in ("upload", "stream", "abort"):
            self.assertEqual(errors(summary, kind), {}, summary["first_errors"])
            self.assertGreater(summary["kinds"][kind]["requests"], 0, kind)

    def test_a_wrong_streamed_byte_is_a_body_error(self):
        s = self.server("corrupt")
        summary = run(s.port, uploads=1, streams=1, aborts=0)
        self.assertEqual(errors(summary, "upload"), {})
        self.assertGreater(errors(summary, "stream").get("body", 0), 0)
        self.assertIn("body byte 5 of", " ".join(summary["first_errors"]))

    def test_a_wrong_upload_count_is_a_body_error(self):
        s = self.server("miscount")
        summary = run(s.port, uploads=1, streams=0, aborts=0)
        self.assertGreater(errors(summary, "upload").get("body", 0), 0)
        self.assertEqual(summary["kinds"]["upload"]["requests"], 0)

    def test_a_status_other_than_200_is_a_status_error(self):
        s = self.server("status500")
        summary = run(s.port, aborts=0)
        self.assertEqual(set(errors(summary, "upload")), {"status"})
        self.assertEqual(set(errors(summary, "stream")), {"status"})

    def test_a_connection_closed_before_its_answer_is_closed(self):
        s = self.server("drop")
        summary = run(s.port, aborts=0)
        # An upload may still be on its way when the server closes without reading
        # it, and the server's kernel then resets the connection: either is an error.
        upload = set(errors(summary, "upload"))
        self.assertTrue(upload and upload <= {"closed", "reset"}, upload)
        self.assertEqual(set(errors(summary, "stream")), {"closed"})

    def test_a_reset_before_the_answer_is_reset(self):
        s = self.server("reset")
        summary = run(s.port, aborts=0)
        self.assertEqual(set(errors(summary, "upload")), {"reset"})
        self.assertEqual(set(errors(summary, "stream")), {"reset"})

    def test_a_server_that_never_answers_is_a_timeout(self):
        s = self.server("silent")
        summary = run(s.port, aborts=0, extra=["--timeout", "0.3"])
        self.assertGreater(errors(summary, "upload").get("timeout", 0), 0)
        self.assertGreater(errors(summary, "stream").get("timeout", 0), 0)

    def test_a_server_that_ignores_connection_close_is_kept_open(self):
        s = self.server("keep")
        summary = run(s.port, aborts=0, extra=["--per-connection", "1"])
        self.assertEqual(set(errors(summary, "upload")), {"kept_open"})
        self.assertEqual(set(errors(summary, "stream")), {"kept_open"})

    def test_an_answer_to_an_incomplete_request_is_a_status_error(self):
        s = self.server("early")
        summary = run(s.port, uploads=0, streams=0, aborts=2,
                      extra=["--abort-hold-ms", "300"])
        self.assertGreater(errors(summary, "abort").get("status", 0), 0)

    def test_rejects_a_missing_port(self):
        r = subprocess.run([SOAK_CLIENT, "--duration", "1"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--port is required", r.stderr)


if __name__ == "__main__":
    unittest.main()
