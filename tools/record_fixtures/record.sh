#!/usr/bin/env bash
# Re-records the conformance fixtures under tests/conformance/scenarios/ from the
# reference runtime, Node v12.22.9 (installed on first use by tools/node_v12/install.sh).
#
#   tools/record_fixtures/record.sh                 # every scenario
#   tools/record_fixtures/record.sh 001 042_foo     # some, by number or full name
#   tools/record_fixtures/record.sh --check         # compare with the fixtures, write nothing
#
# The parser scenarios are also run under the current Node: `node` on PATH, or
# $NODE_STRICT. See README.md in this directory.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/../.." && pwd)"

node12="$("${root}/tools/node_v12/install.sh")"
node_strict="${NODE_STRICT:-$(command -v node || true)}"
if [[ -z "${node_strict}" ]]; then
  echo "record.sh: no current node on PATH for the strict parser cases (set NODE_STRICT)" >&2
  exit 1
fi

exec python3 "${here}/record.py" --node12 "${node12}" --node-strict "${node_strict}" "$@"
