#!/usr/bin/env bash
# tools/fuzz.sh TARGET SECONDS: builds a fuzz target of tests/fuzz with clang-14 and
# libFuzzer (AddressSanitizer and UndefinedBehaviorSanitizer on) and runs it for
# SECONDS seconds. TARGET: parser_fuzz or server_fuzz.
#
# Seeds: the requests of the conformance fixtures (tests/conformance/scenarios), each
# behind a few input headers, and the target's regression corpus
# (tests/fuzz/regressions/TARGET); dictionary: tests/fuzz/http.dict. The corpus the
# run grows, the objects and any crash live under $FUZZ_WORK (default
# /tmp/uring_http_fuzz/TARGET), so a later run goes on from there.
#
# Exit status: 0 when the run found nothing; otherwise libFuzzer's, after it printed
# the failing input's file (copy it into tests/fuzz/regressions/TARGET/ to make it a
# regression test, once fixed). clang-14 missing is an error, never a silent pass: it
# is installed as tools/bazel installs packages (as root or with sudo), or the script
# fails saying so.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: tools/fuzz.sh parser_fuzz|server_fuzz SECONDS" >&2; exit 2; }
[[ $# -eq 2 ]] || usage
target=$1
seconds=$2
[[ $seconds =~ ^[0-9]+$ ]] || usage

# The .cc sources of //http:parser, read from http/BUILD.bazel so that this list
# cannot fall behind it.
parser_library_sources() {
  python3 - <<'PY'
import re
build = open("http/BUILD.bazel").read()
block = re.search(r'cc_library\(\s*name = "parser",(.*?)\n\)', build, re.S).group(1)
srcs = re.search(r"srcs = \[(.*?)\]", block, re.S).group(1)
print(" ".join("http/" + f for f in re.findall(r'"([^"]+\.cc)"', srcs)))
PY
}

# Sources per target, besides llhttp (the sources of the gcc test target, without
# its gtest main).
case "$target" in
  parser_fuzz)
    read -r -a parser_srcs <<< "$(parser_library_sources)"
    sources=(tests/fuzz/parser_fuzz.cc "${parser_srcs[@]}")
    libs=()
    ;;
  server_fuzz)
    sources=(tests/fuzz/server_fuzz.cc tests/fuzz/fuzz_handler.cc tests/fuzz/server_harness.cc
             http/*.cc engine/*.cc)
    libs=(/usr/lib/x86_64-linux-gnu/liburing.a -lmimalloc -pthread)
    ;;
  *) usage ;;
esac

# --- the compiler ------------------------------------------------------------------
readonly CXX=clang++-14 CC=clang-14
fuzzer_rt() { compgen -G "/usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a" >/dev/null; }
if ! command -v "$CXX" >/dev/null || ! fuzzer_rt; then
  if [[ $(id -u) -eq 0 ]]; then
    apt=(env DEBIAN_FRONTEND=noninteractive apt-get)
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    apt=(sudo env DEBIAN_FRONTEND=noninteractive apt-get)
  else
    echo "tools/fuzz.sh: clang-14 with libFuzzer is missing; install it as root: apt-get install clang-14" >&2
    exit 1
  fi
  echo "tools/fuzz.sh: installing clang-14" >&2
  "${apt[@]}" update -qq >&2
  "${apt[@]}" install -y -qq --no-install-recommends clang-14 >&2
  command -v "$CXX" >/dev/null && fuzzer_rt || { echo "tools/fuzz.sh: clang-14 has no libFuzzer" >&2; exit 1; }
fi
llhttp=/usr/share/llhttp
[[ -e $llhttp/llhttp.c ]] || { echo "tools/fuzz.sh: no $llhttp/llhttp.c (node-llhttp; tools/bazel installs it)" >&2; exit 1; }

work=${FUZZ_WORK:-/tmp/uring_http_fuzz}/$target
mkdir -p "$work/obj" "$work/corpus" "$work/seeds" "$work/crashes"

# --- the build ---------------------------------------------------------------------
# Our code: coverage, ASan and UBSan, every UB report fatal. llhttp (generated C):
# coverage and ASan only. Its strict machine is built as third_party/llhttp.BUILD
# builds it, with the symbol prefixes read from there.
sanitize=(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all)
cxxflags=(-std=c++20 -O1 -g -fno-omit-frame-pointer -I. -I/usr/share/include/llhttp -w "${sanitize[@]}")
cflags=(-O2 -g -w -fsanitize=fuzzer-no-link,address -I/usr/share/include/llhttp)
mapfile -t strict_symbols < <(grep -o '"llhttp__internal[a-z0-9_]*"' third_party/llhttp.BUILD | tr -d '"')
(( ${#strict_symbols[@]} > 0 )) || { echo "tools/fuzz.sh: no strict llhttp symbols in third_party/llhttp.BUILD" >&2; exit 1; }
strict_defs=(-DLLHTTP_STRICT_MODE=1)
for s in "${strict_symbols[@]}"; do strict_defs+=("-D$s=strict_$s"); done

# An object is rebuilt when its source, or any header of ours, is newer.
newest_header=$(find http engine tests/fuzz -name '*.h' -printf '%T@\n' | sort -n | tail -1)
stale() {  # stale OBJECT SOURCE
  [[ ! -e $1 || $2 -nt $1 ]] && return 0
  (( $(stat -c %Y "$1") < ${newest_header%.*} ))
}
objects=()
jobs=()
for src in "${sources[@]}"; do
  obj=$work/obj/$(echo "$src" | tr / _).o
  objects+=("$obj")
  if stale "$obj" "$src"; then jobs+=("$CXX ${cxxflags[*]} -c $src -o $obj"); fi
done
for c in api http llhttp; do
  obj=$work/obj/llhttp_$c.o
  objects+=("$obj")
  [[ -e $obj ]] || jobs+=("$CC ${cflags[*]} -c $llhttp/$c.c -o $obj")
done
obj=$work/obj/llhttp_strict.o
objects+=("$obj")
[[ -e $obj ]] || jobs+=("$CC ${cflags[*]} ${strict_defs[*]} -c $llhttp/llhttp.c -o $obj")
if (( ${#jobs[@]} > 0 )); then
  echo "tools/fuzz.sh: compiling ${#jobs[@]} files for $target" >&2
  printf '%s\n' "${jobs[@]}" | xargs -P 2 -I{} sh -c '{}'
fi
binary=$work/$target
"$CXX" "${sanitize[@]/fuzzer-no-link/fuzzer}" "${objects[@]}" "${libs[@]}" -o "$binary"

# --- the seeds ---------------------------------------------------------------------
# Input headers (tests/fuzz/<target>.cc): parser_fuzz has 2 bytes (mode and pieces,
# cuts); server_fuzz 7 (the same two, then the handler's program).
case "$target" in
  parser_fuzz) headers=('\x00\x00' '\x1f\x25' '\x0a\x91')
               response_headers=('\x20\x00' '\x3f\x25' '\x2a\x91') ;;
  server_fuzz) headers=('\x00\x00\x00\x00\x01\x02\x06' '\x1f\x25\x1f\x21\x45\x4e\x18'
                        '\x0a\x91\x7f\x83\xc1\x9b\x27') ;;
esac
if [[ ! -e $work/seeds/.done ]]; then
  for req in tests/conformance/scenarios/*/request.bin; do
    name=$(basename "$(dirname "$req")")
    for i in "${!headers[@]}"; do
      { printf "${headers[$i]}"; head -c 4000 "$req"; } >"$work/seeds/$name.$i"
    done
  done
  # parser_fuzz also parses responses (bit 5 of its first byte): v12's recorded ones.
  if [[ $target == parser_fuzz ]]; then
    for res in tests/conformance/scenarios/*/response.bin; do
      name=$(basename "$(dirname "$res")")
      for i in "${!response_headers[@]}"; do
        { printf "${response_headers[$i]}"; head -c 4000 "$res"; } >"$work/seeds/$name.r$i"
      done
    done
  fi
  touch "$work/seeds/.done"
fi

# --- the run -----------------------------------------------------------------------
mkdir -p "tests/fuzz/regressions/$target"
echo "tools/fuzz.sh: running $target for $seconds s (corpus $work/corpus)" >&2
set +e
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
  "$binary" -max_total_time="$seconds" -max_len=4096 -timeout=20 -rss_limit_mb=2048 \
  -dict=tests/fuzz/http.dict -print_final_stats=1 -artifact_prefix="$work/crashes/" \
  "$work/corpus" "$work/seeds" "tests/fuzz/regressions/$target"
status=$?
set -e
if (( status != 0 )); then
  echo "tools/fuzz.sh: $target failed (status $status); the input is in $work/crashes/" >&2
fi
exit "$status"
