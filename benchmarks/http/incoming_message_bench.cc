// What building req.headers costs (IncomingMessage::headers(), which runs
// IncomingHeaders::Build once per request over the raw header views): names
// lower-cased, duplicates merged by Node v12's rules (later Host, User-Agent, ... are
// dropped; Cookie joined with "; "; Set-Cookie kept as a list; others joined with ", ").
//   BM_IncomingHeadersBuild/proxied  requests.h's kProxiedRequest: 21 lines, 16 names,
//                                    five of them repeated.
//   BM_IncomingHeadersBuild/browser  requests.h's kBrowserRequest: 15 lines, no
//                                    repeats.
//   BM_IncomingHeadersBuild/distinct1000
//                                    requests.h's ManyFieldsRequest(1000, 1000):
//                                    1,000 short distinct names, about as many as fit
//                                    in 8 KiB (the cost must grow linearly).
//   BM_IncomingHeadersBuild/repeated1000
//                                    ManyFieldsRequest(1000, 250): 250 names on four
//                                    lines each, every one joined with ", ".
// The raw views come from the real Parser over the request, as the server's do. The
// IncomingHeaders is reused, as a pooled IncomingMessage's is. Build() is private
// (IncomingMessage::headers() needs a connection to have a head); it is reached
// through private_access.h, so the code measured is the server's own.
// items/s: header sets built; allocs/req: heap allocations per build.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "benchmarks/http/alloc_count.h"
#include "benchmarks/http/private_access.h"
#include "benchmarks/http/requests.h"
#include "http/incoming_message.h"
#include "http/parser.h"

namespace bench {
struct HeadersBuild {
  using type = void (http::IncomingHeaders::*)(const std::vector<http::HeaderView>&, size_t);
  friend type Get(HeadersBuild);
};
template struct Expose<HeadersBuild, &http::IncomingHeaders::Build>;
}  // namespace bench

namespace {

constexpr double kMinTime = 0.5;
constexpr size_t kMaxHeadersCount = 2000;  // Node's default server.maxHeadersCount

void Build(http::IncomingHeaders& h, const std::vector<http::HeaderView>& raw) {
  (h.*Get(bench::HeadersBuild{}))(raw, kMaxHeadersCount);
}

// One request's head, parsed by the real Parser; its views point into `bytes`.
class Head final : public http::ParserEvents {
 public:
  explicit Head(std::string_view request) : bytes(request) {
    http::Parser parser(http::ParserType::kRequest, {}, this);
    http::ParseResult r = parser.Execute(bytes);
    ok = r.error == 0 && complete;
  }
  http::MessageHead* OnMessageBegin() override { return &head; }
  void OnRetainInput() override {}
  int OnHeadersComplete(http::MessageHead&) override { return 0; }
  void OnBody(std::string_view) override {}
  void OnMessageComplete(http::MessageHead&) override { complete = true; }

  std::string bytes;
  http::MessageHead head;
  bool complete = false;
  bool ok = false;
};

std::string CheckProxied(const http::IncomingHeaders& h) {
  auto is = [&](std::string_view name, std::string_view value) {
    auto v = h.get(name);
    return v && *v == value;
  };
  if (h.entries().size() != 16)
    return "expected 16 names, got " + std::to_string(h.entries().size());
  if (!is("cookie",
          "_ga=GA1.2.1716503217.1700481123; _gid=GA1.2.90214117.1700481123; "
          "session=eyJ1aWQiOjQyLCJleHAiOjE3MDA1Njc1MjN9.q3FxZ0m9oQ8kR2; theme=dark") ||
      !is("x-forwarded-for", "203.0.113.7, 10.1.2.3") ||
      !is("accept", "application/json, text/plain;q=0.5") || !is("host", "shop.example.com") ||
      !h.get("user-agent").value_or("").starts_with("Mozilla/5.0") || h.setCookie().size() != 2 ||
      h.setCookie()[1] != "b=2") {
    return "the duplicates were not merged as Node merges them";
  }
  return {};
}

// ManyFieldsRequest(lines, names)'s merged headers: each name once, in order, with
// its values 0, 1, ... joined.
std::string CheckMany(const http::IncomingHeaders& h, int lines, int names) {
  if (h.entries().size() != static_cast<size_t>(names)) {
    return "expected " + std::to_string(names) + " names, got " +
           std::to_string(h.entries().size());
  }
  for (int i = 0; i < names; ++i) {
    std::string value;
    for (int line = i; line < lines; line += names) {
      value += (value.empty() ? "" : ", ") + std::to_string(line / names);
    }
    if (h.entries()[static_cast<size_t>(i)].first != bench::ShortName(i) ||
        h.entries()[static_cast<size_t>(i)].second != value) {
      return "name " + std::to_string(i) + " was not merged as Node merges it";
    }
  }
  return {};
}
std::string CheckDistinct(const http::IncomingHeaders& h) { return CheckMany(h, 1000, 1000); }
std::string CheckRepeated(const http::IncomingHeaders& h) { return CheckMany(h, 1000, 250); }

std::string CheckBrowser(const http::IncomingHeaders& h) {
  if (h.entries().size() != static_cast<size_t>(bench::kBrowserHeaders) ||
      !h.has("sec-fetch-dest") || h.get("if-none-match") != "W/\"5e1-18bf2c3a9d0\"") {
    return "unexpected headers";
  }
  return {};
}

void Run(benchmark::State& state, std::string_view request,
         std::string (*check)(const http::IncomingHeaders&)) {
  Head in(request);
  if (!in.ok) {
    state.SkipWithError("the request did not parse");
    return;
  }
  http::IncomingHeaders h;
  Build(h, in.head.headers);
  if (std::string error = check(h); !error.empty()) {
    state.SkipWithError(error.c_str());
    return;
  }
  const uint64_t allocs_before = bench::AllocCount();
  for (auto _ : state) {
    Build(h, in.head.headers);
    benchmark::DoNotOptimize(h.entries().data());
    benchmark::ClobberMemory();
  }
  const uint64_t allocs = bench::AllocCount() - allocs_before;
  const auto n = static_cast<int64_t>(state.iterations());
  if (!check(h).empty()) state.SkipWithError("the last build went wrong");
  state.SetItemsProcessed(n);
  state.counters["allocs/req"] = static_cast<double>(allocs) / static_cast<double>(n);
  state.counters["fields/s"] =
      benchmark::Counter(static_cast<double>(n) * static_cast<double>(in.head.headers.size()),
                         benchmark::Counter::kIsRate);
}

void BM_IncomingHeadersBuild(benchmark::State& state, std::string_view request,
                             std::string (*check)(const http::IncomingHeaders&)) {
  Run(state, request, check);
}
BENCHMARK_CAPTURE(BM_IncomingHeadersBuild, proxied, bench::kProxiedRequest, CheckProxied)
    ->MinTime(kMinTime);
BENCHMARK_CAPTURE(BM_IncomingHeadersBuild, browser, bench::kBrowserRequest, CheckBrowser)
    ->MinTime(kMinTime);
const std::string kDistinct = bench::ManyFieldsRequest(1000, 1000);
const std::string kRepeated = bench::ManyFieldsRequest(1000, 250);
BENCHMARK_CAPTURE(BM_IncomingHeadersBuild, distinct1000, kDistinct, CheckDistinct)
    ->MinTime(kMinTime);
BENCHMARK_CAPTURE(BM_IncomingHeadersBuild, repeated1000, kRepeated, CheckRepeated)
    ->MinTime(kMinTime);

}  // namespace
