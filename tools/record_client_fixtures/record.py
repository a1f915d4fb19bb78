#!/usr/bin/env python3
"""Records the client fixtures from the reference runtime. Run it through record.sh.

For each scenario directory under tests/client_conformance/scenarios/, runs harness.js
under Node v12.22.9 and writes what it recorded (sent.N.bin, events.txt) into the
directory, with the files the C++ peer reads (response.N.bin, answers.txt,
listen.txt). With --check nothing is written: each scenario is recorded into a
temporary directory and compared with the fixtures on disk.
"""

import argparse
import filecmp
import glob
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SCENARIOS = os.path.join(ROOT, "tests", "client_conformance", "scenarios")
HARNESS = os.path.join(HERE, "harness.js")
RECORDED = ("sent.*.bin", "events.txt", "answers.txt", "response.*.bin", "listen.txt")


def recorded_files(directory):
    names = []
    for pattern in RECORDED:
        names += [os.path.basename(p) for p in glob.glob(os.path.join(directory, pattern))]
    return sorted(names)


def record(node, scenario_dir, out_dir):
    # The harness resets a connection through a Python child (harness.js, PYTHON).
    env = dict(os.environ, CLIENT_HARNESS_PYTHON=sys.executable)
    proc = subprocess.run([node, HARNESS, scenario_dir, out_dir],
                          capture_output=True, text=True, timeout=60, env=env)
    if proc.returncode != 0:
        raise RuntimeError("%s failed:\n%s" % (os.path.basename(scenario_dir), proc.stderr))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--node12", required=True)
    p.add_argument("--check", action="store_true")
    p.add_argument("names", nargs="*", help="scenario numbers or full names (default: all)")
    args = p.parse_args()
    dirs = sorted(d for d in glob.glob(os.path.join(SCENARIOS, "*")) if os.path.isdir(d))
    if args.names:
        dirs = [d for d in dirs
                if any(os.path.basename(d) == n or os.path.basename(d).startswith(n + "_")
                       for n in args.names)]
    differing = 0
    for d in dirs:
        name = os.path.basename(d)
        with tempfile.TemporaryDirectory() as tmp:
            record(args.node12, d, tmp)
            fresh = recorded_files(tmp)
            if args.check:
                same = fresh == recorded_files(d) and all(
                    filecmp.cmp(os.path.join(tmp, f), os.path.join(d, f), shallow=False)
                    for f in fresh)
                print("%s: %s" % (name, "same" if same else "differs"))
                differing += 0 if same else 1
                continue
            for f in recorded_files(d):
                os.remove(os.path.join(d, f))
            for f in fresh:
                shutil.copy(os.path.join(tmp, f), os.path.join(d, f))
            print("%s: %s" % (name, ", ".join(fresh)))
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
