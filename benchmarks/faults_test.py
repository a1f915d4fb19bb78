#!/usr/bin/env python3
"""Tests of benchmarks/faults_report.py: /proc/net/tcp read on made-up rows and on a
real loopback connection, the engine's bound, each criterion of both scenarios met
and missed, figures over rounds and the table. tools/bazel test //benchmarks:faults_test

Python 3 standard library only.
"""

import os
import re
import socket
import time
import unittest

import faults_report as report

TCP = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F90 0100007F:C350 01 00001000:00000200 00:00000000 00000000     0        0 2 1 0000000000000000 20 4 30 10 -1
   2: 0100007F:C350 0100007F:1F90 01 00003000:00000040 00:00000000 00000000     0        0 3 1 0000000000000000 20 4 30 10 -1
   3: garbage
"""


def flood_run(**over):
    f = {"settled": True, "rss_limit_hit": False, "read_max": 1000, "payload": 5400000,
         "backlog_max": 100 * 1024, "rss_growth_kib": 256, "good_answered": 5,
         "good_tried": 5, "wrk_requests": 100, "wrk_errors": 0, "fd_return_s": 0.1,
         "alive": True}
    f.update(over)
    return f


def fd_run(**over):
    f = {"alive": True, "cpu_us_per_req": 12.0, "ref_cpu_us_per_req": 10.0,
         "idle_cpu_use": 0.0, "probe_tried": 20, "probe_answered": 20, "probe_max_s": 0.01,
         "resume_after_wrk_s": 0.1, "resume_after_hold_s": 0.8}
    f.update(over)
    return f


def missed(checks):
    return [label for label, ok in checks if not ok]


class TcpTable(unittest.TestCase):
    def test_rows_by_ports_and_queues(self):
        t = report.parse_tcp_table(TCP)
        self.assertEqual(len(t), 3)  # the garbage row is skipped
        self.assertEqual(t[(8080, 0)]["state"], 0x0A)
        self.assertEqual(t[(8080, 50000)], {"tx": 0x1000, "rx": 0x200, "state": 1})
        self.assertEqual(t[(50000, 8080)], {"tx": 0x3000, "rx": 0x40, "state": 1})

    def test_read_is_sent_less_both_queues(self):
        t = report.parse_tcp_table(TCP)
        q = report.flood_queues(t, 8080, 50000, 100000)
        self.assertEqual(q["read"], 100000 - 0x3000 - 0x200)
        self.assertEqual(q["answers_in_kernel"], 0x1000 + 0x40)
        self.assertIsNone(report.flood_queues(t, 8080, 50001, 100000))

    def test_a_real_connection(self):
        """What a server has read, seen from /proc/net/tcp: nothing until it reads."""
        with socket.socket() as ls:
            ls.bind(("127.0.0.1", 0))
            ls.listen(1)
            port = ls.getsockname()[1]
            c = socket.create_connection(("127.0.0.1", port))
            s, _ = ls.accept()
            with c, s:
                c.sendall(b"x" * 5000)
                time.sleep(0.1)
                cport = c.getsockname()[1]

                def queues():
                    with open("/proc/net/tcp") as f:
                        return report.flood_queues(report.parse_tcp_table(f.read()), port,
                                                   cport, 5000)
                self.assertEqual(queues()["read"], 0)
                got = 0
                while got < 3000:
                    got += len(s.recv(3000 - got))
                self.assertEqual(queues()["read"], 3000)
                s.sendall(b"y" * 700)
                time.sleep(0.1)
                self.assertEqual(queues()["answers_in_kernel"], 700)


class Bound(unittest.TestCase):
    def test_max_live_is_the_servers(self):
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "http",
                            "server_connection.h")
        with open(path) as f:
            found = re.search(r"kMaxLive = (\d+);", f.read())
        self.assertIsNotNone(found, "no kMaxLive in http/server_connection.h")
        self.assertEqual(report.MAX_LIVE, int(found.group(1)))

    def test_max_live_plus_two_receives_of_answers(self):
        # 16384 // 27 = 606 requests (and one cut short) in each of two receive buffers.
        self.assertEqual(report.answer_backlog_bound(27, 158),
                         (report.MAX_LIVE + 2 * 607) * 158)
        self.assertEqual(report.answer_backlog_bound(10, 1, max_live=0, recv_buffer=100), 22)


class FloodChecks(unittest.TestCase):
    bound = report.answer_backlog_bound(27, 158)

    def test_a_good_run_meets_every_target(self):
        self.assertEqual(missed(report.flood_checks(flood_run(), self.bound, 1)), [])

    def test_each_failure_misses_its_target(self):
        cases = {
            "stops reading": [dict(settled=False), dict(read_max=5400000),
                              dict(rss_limit_hit=True), dict(read_max=None)],
            "answers queued": [dict(backlog_max=self.bound + 1), dict(backlog_max=None)],
            "RSS growth": [dict(rss_growth_kib=3 * self.bound // 1024)],
            "good client": [dict(good_answered=4), dict(wrk_requests=0), dict(wrk_errors=1)],
            "descriptors": [dict(fd_return_s=None), dict(fd_return_s=6.0)],
            "alive": [dict(alive=False)],
        }
        for name, overs in cases.items():
            for over in overs:
                m = missed(report.flood_checks(flood_run(**over), self.bound, 1))
                self.assertEqual(len(m), 1, (name, over, m))
                self.assertIn(name, m[0], over)

    def test_rss_growth_is_per_flooder(self):
        growth = 50 * self.bound // 1024  # 50 flooders, each within the bound
        self.assertEqual(missed(report.flood_checks(
            flood_run(rss_growth_kib=growth), self.bound, 50)), [])
        self.assertEqual(len(missed(report.flood_checks(
            flood_run(rss_growth_kib=growth), self.bound, 10))), 1)


class FdChecks(unittest.TestCase):
    def test_a_good_run_meets_every_target(self):
        self.assertEqual(missed(report.fd_checks(fd_run())), [])

    def test_each_failure_misses_its_target(self):
        cases = {
            "alive": [dict(alive=False)],
            "CPU per request": [dict(cpu_us_per_req=25.0), dict(cpu_us_per_req=None),
                                dict(ref_cpu_us_per_req=None)],
            "while connections wait": [dict(idle_cpu_use=0.9), dict(idle_cpu_use=None)],
            "keep-alive": [dict(probe_answered=19), dict(probe_max_s=1.5),
                           dict(probe_tried=0, probe_answered=0)],
            "resumes": [dict(resume_after_wrk_s=None), dict(resume_after_hold_s=1.2)],
        }
        for name, overs in cases.items():
            for over in overs:
                m = missed(report.fd_checks(fd_run(**over)))
                self.assertEqual(len(m), 1, (name, over, m))
                self.assertIn(name, m[0], over)


class Rounds(unittest.TestCase):
    def test_medians_ranges_and_checks_met_in_every_round(self):
        runs = [{"figures": [("rss", v, "kib"), ("fds", s, "str"), ("n", None, "int")],
                 "checks": [("alive", True), ("bounded", ok)]}
                for v, s, ok in ((30, "6 / 9", True), (10, "6 / 9", False), (20, "6 / 8", True))]
        c = report.combine_runs(runs)
        self.assertEqual(c["figures"][0], ("rss", "kib", {"median": 20, "min": 10, "max": 30}))
        self.assertEqual(c["figures"][1][2]["median"], "6 / 9 | 6 / 8")
        self.assertIsNone(c["figures"][2][2])
        self.assertEqual(c["checks"], [("alive", True, [True] * 3),
                                       ("bounded", False, [True, False, True])])

    def test_table(self):
        def runs(rss, ok):
            return [{"figures": [("RSS peak", rss, "kib")], "checks": [("bounded", ok)]}]
        combined = {"engine": report.combine_runs(runs(74412, False) + runs(70000, True)),
                    "nginx": report.combine_runs(runs(20, True))}
        rows = report.table_rows("pipeline-flood", combined, ["engine", "nginx"])
        self.assertEqual(rows[0], ("pipeline-flood", "RSS peak",
                                   "72,206 KiB (70,000 KiB-74,412 KiB)", "20 KiB"))
        self.assertEqual(rows[1], ("", "target: bounded", "MISSED (1 of 2 rounds)", "met"))
        lines = report.format_table(rows, ["engine", "nginx"])
        self.assertTrue(lines[0].startswith("scenario"))
        self.assertEqual(len({len(l) for l in lines[:3]}), 1)  # aligned columns

    def test_formats(self):
        self.assertEqual(report.fmt_value(1536, "bytes"), "2 KiB")
        self.assertEqual(report.fmt_value(20 << 20, "bytes"), "20.0 MiB")
        self.assertEqual(report.fmt_value(0.0125, "ms"), "12.5 ms")
        self.assertEqual(report.fmt_value(0.05, "pct"), "5.0%")
        self.assertEqual(report.fmt_value(None, "s"), "n/a")


if __name__ == "__main__":
    unittest.main()
