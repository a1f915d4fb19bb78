// What the header store behind setHeader() costs on its own (http/outgoing_headers.h):
//   BM_OutgoingHeadersSet8Serialize  clear(), set() of 8 typical response headers,
//                                    then SerializedSize() and SerializeTo(), as
//                                    ServerResponse's head rendering uses them. The
//                                    store is reused, as a pooled response's is.
//   BM_OutgoingHeadersReplace        set() of a header that is already there (a
//                                    middleware overriding Content-Type): a
//                                    case-insensitive lookup and an in-place replace.
// items/s: header sets (or replacements); bytes/s: serialised bytes; allocs/set:
// heap allocations per set (0 while the headers fit the inline space).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>

#include "benchmarks/http/alloc_count.h"
#include "benchmarks/http/requests.h"
#include "http/outgoing_headers.h"

namespace {

constexpr double kMinTime = 0.5;


std::string Expected() {
  std::string s;
  for (const auto& [name, value] : bench::kEightHeaders) s.append(name).append(": ").append(value).append("\r\n");
  return s;
}

size_t SetAndSerialize(http::OutgoingHeaders& h, char* out) {
  h.clear();
  for (const auto& [name, value] : bench::kEightHeaders) h.set(name, value);
  size_t size = h.SerializedSize();
  char* end = h.SerializeTo(out);
  return static_cast<size_t>(end - out) == size ? size : 0;
}

void BM_OutgoingHeadersSet8Serialize(benchmark::State& state) {
  http::OutgoingHeaders h;
  char out[1024];
  const std::string expected = Expected();
  size_t size = SetAndSerialize(h, out);
  if (size != expected.size() || std::string_view(out, size) != expected) {
    state.SkipWithError("unexpected serialisation");
    return;
  }
  int64_t bytes = 0;
  const uint64_t allocs_before = bench::AllocCount();
  for (auto _ : state) {
    bytes += static_cast<int64_t>(SetAndSerialize(h, out));
    benchmark::DoNotOptimize(out);
    benchmark::ClobberMemory();
  }
  const uint64_t allocs = bench::AllocCount() - allocs_before;
  const auto n = static_cast<int64_t>(state.iterations());
  if (bytes != n * static_cast<int64_t>(expected.size())) state.SkipWithError("a set went wrong");
  state.SetItemsProcessed(n);
  state.SetBytesProcessed(bytes);
  state.counters["allocs/set"] = static_cast<double>(allocs) / static_cast<double>(n);
}
BENCHMARK(BM_OutgoingHeadersSet8Serialize)->MinTime(kMinTime);

void BM_OutgoingHeadersReplace(benchmark::State& state) {
  http::OutgoingHeaders h;
  for (const auto& [name, value] : bench::kEightHeaders) h.set(name, value);
  constexpr std::string_view kTypes[] = {"application/json", "text/html; charset=utf-8"};
  size_t i = 0;
  for (auto _ : state) {
    h.set("content-type", kTypes[i++ & 1]);
    benchmark::DoNotOptimize(h.begin());
    benchmark::ClobberMemory();
  }
  const http::OutgoingHeaders::Entry* e = h.get("Content-Type");
  if (h.size() != std::size(bench::kEightHeaders) || e == nullptr || e->values[0] != kTypes[(i - 1) & 1]) {
    state.SkipWithError("the replacement went wrong");
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_OutgoingHeadersReplace)->MinTime(kMinTime);

}  // namespace
