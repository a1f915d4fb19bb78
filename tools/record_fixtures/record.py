#!/usr/bin/env python3
"""Records the conformance fixtures from the reference runtime. Run it through record.sh.

For each scenario directory it runs harness.js under Node v12.22.9 and writes
response.bin and meta.txt. A scenario whose handler.js exports `recordStrict: true`
(the parser cases) is also run under the machine's current Node: its bytes go to
response.v20.bin and a summary of them to the meta.txt line `strict_expect=`.

With --check nothing is written: every scenario is recorded into a temporary
directory and compared with the fixtures on disk, and any difference is reported.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SCENARIOS = os.path.join(ROOT, "tests", "conformance", "scenarios")
HARNESS = os.path.join(HERE, "harness.js")
DEFAULT_IDLE_MS = 300

# The fields of handler.js that record.py needs, read by the runtime itself so that
# handler.js stays the single source.
EXPORTS_JS = r"""
const m = require(process.argv[1]);
process.stdout.write(JSON.stringify({
  description: m.description || '',
  idleMs: m.idleMs || 0,
  nodeArgs: m.nodeArgs || [],
  recordStrict: !!m.recordStrict,
  pause: m.pause || null,
}));
"""


def scenario_exports(node, scenario_dir):
    out = subprocess.run(
        [node, "-e", EXPORTS_JS, os.path.join(scenario_dir, "handler.js")],
        check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def run_harness(node, scenario_dir, out_file):
    proc = subprocess.run([node, HARNESS, scenario_dir, out_file],
                          capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise RuntimeError("%s under %s failed:\n%s" %
                           (os.path.basename(scenario_dir), node, proc.stderr))
    return json.loads(proc.stdout.strip().splitlines()[-1])


def summarise(data, closed):
    """'400 close', '200,200 keep-alive', 'none close': the status codes of the
    responses in `data` and whether the server closed the connection."""
    statuses = []
    pos = 0
    while pos < len(data):
        head_end = data.find(b"\r\n\r\n", pos)
        m = re.match(rb"HTTP/\d\.\d (\d{3})", data[pos:pos + 12])
        if head_end < 0 or not m:
            statuses.append("garbage")
            break
        status = int(m.group(1))
        statuses.append(str(status))
        head = data[pos:head_end].decode("latin1").lower()
        pos = head_end + 4
        if status < 200 or status in (204, 304):
            continue
        cl = re.search(r"\r\ncontent-length: *(\d+)", head)
        if cl:
            pos += int(cl.group(1))
        elif re.search(r"\r\ntransfer-encoding: *chunked", head):
            while True:
                line_end = data.find(b"\r\n", pos)
                if line_end < 0:
                    pos = len(data)
                    break
                size = int(data[pos:line_end].split(b";")[0], 16)
                pos = line_end + 2
                if size == 0:
                    trailer_end = data.find(b"\r\n\r\n", pos - 2)
                    pos = len(data) if trailer_end < 0 else trailer_end + 4
                    break
                pos += size + 2
        else:
            pos = len(data)
    return "%s %s" % (",".join(statuses) or "none", "close" if closed else "keep-alive")


def record_one(name, node12, node_strict, out_dir):
    """Records scenario `name` into out_dir (the scenario directory itself, or a
    temporary one for --check). Returns the file names written and a note for the log."""
    scenario_dir = os.path.join(SCENARIOS, name)
    exports = scenario_exports(node12, scenario_dir)
    if not exports["description"]:
        raise RuntimeError("%s: handler.js exports no description" % name)
    result = run_harness(node12, scenario_dir, os.path.join(out_dir, "response.bin"))
    meta = [
        "closed=%d" % (1 if result["closed"] else 0),
        "idle_ms=%d" % (exports["idleMs"] or DEFAULT_IDLE_MS),
    ]
    if exports["pause"]:
        meta.append("send_pause=%d:%d" % (exports["pause"]["at"], exports["pause"]["ms"]))
    if exports["nodeArgs"]:
        meta.append("node_args=%s" % " ".join(exports["nodeArgs"]))
    written = ["response.bin", "meta.txt"]
    note = [meta[0] + (" (reset)" if result["reset"] else "")]
    if exports["recordStrict"]:
        v20_file = os.path.join(out_dir, "response.v20.bin")
        strict = run_harness(node_strict, scenario_dir, v20_file)
        with open(v20_file, "rb") as f:
            strict_expect = "strict_expect=" + summarise(f.read(), strict["closed"])
        meta.append(strict_expect)
        note.append(strict_expect)
        written.append("response.v20.bin")
    meta.append("description=%s" % exports["description"])
    with open(os.path.join(out_dir, "meta.txt"), "w") as f:
        f.write("\n".join(meta) + "\n")
    return written, " ".join(note)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--node12", required=True, help="the Node v12.22.9 binary")
    parser.add_argument("--node-strict", required=True, help="the current Node binary")
    parser.add_argument("--check", action="store_true",
                        help="record into a temporary directory and compare, write nothing")
    parser.add_argument("names", nargs="*", help="scenario directory names (default: all)")
    args = parser.parse_args()

    all_names = sorted(d for d in os.listdir(SCENARIOS)
                       if os.path.isfile(os.path.join(SCENARIOS, d, "handler.js")))
    names = []
    for n in args.names or all_names:
        n = os.path.basename(n.rstrip("/"))
        matches = [a for a in all_names if a == n or a.startswith(n + "_") or a[4:] == n]
        if len(matches) != 1:
            sys.exit("record.py: no single scenario named %r" % n)
        names.append(matches[0])

    differing = []
    for name in names:
        if args.check:
            with tempfile.TemporaryDirectory() as tmp:
                files, _ = record_one(name, args.node12, args.node_strict, tmp)
                changed = []
                for fname in files:
                    with open(os.path.join(tmp, fname), "rb") as f:
                        new = f.read()
                    path = os.path.join(SCENARIOS, name, fname)
                    old = open(path, "rb").read() if os.path.exists(path) else None
                    if new != old:
                        changed.append(fname)
            status = "differs: " + ", ".join(changed) if changed else "same"
            if changed:
                differing.append(name)
        else:
            _, status = record_one(name, args.node12, args.node_strict,
                                   os.path.join(SCENARIOS, name))
        print("%-45s %s" % (name, status), flush=True)

    if differing:
        sys.exit("record.py: %d scenario(s) differ from their fixtures: %s" %
                 (len(differing), " ".join(differing)))


if __name__ == "__main__":
    main()
