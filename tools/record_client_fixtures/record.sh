#!/usr/bin/env bash
# Re-records the client fixtures under tests/client_conformance/scenarios/ from the
# reference runtime, Node v12.22.9 (installed on first use by tools/node_v12/install.sh).
#
#   tools/record_client_fixtures/record.sh              # every scenario
#   tools/record_client_fixtures/record.sh 001 004_foo  # some, by number or full name
#   tools/record_client_fixtures/record.sh --check      # compare with the fixtures, write nothing
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/../.." && pwd)"
node12="$("${root}/tools/node_v12/install.sh")"
exec python3 "${here}/record.py" --node12 "${node12}" "$@"
