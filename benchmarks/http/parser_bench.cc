// What parsing requests costs, with http::Parser driven as ServerConnection drives it:
//   1. The received bytes sit in a buffer of the engine's buffer ring, lent as a
//      RecvBuf (the benchmark holds the handler's reference throughout, so no buffer
//      ever goes back to the ring).
//   2. Per receive, the connection takes a pooled parser (Parser::Rebind) and runs
//      Execute() over the whole receive.
//   3. OnMessageBegin hands out a pooled MessageHead (the parser clears it; its
//      vectors keep their capacity); OnRetainInput retains the receive buffer for the
//      message (a BufRef); once the message is complete the BufRef is released, as
//      ServerConnection::Recycle does when the response is done.
// What the connection does around the parser (IncomingMessage and ServerResponse
// setup, the 'request' event) is not included.
//
//   BM_ParseBrowser/pipelined:N/lenient:L  N copies of a Chrome GET with 15 headers
//                                          (requests.h, 748 bytes each) in one receive;
//                                          L=1 is the lenient machine
//                                          (insecureHTTPParser), L=0 the strict default.
//   BM_ParseWrk/pipelined:N                N copies of wrk's 40-byte GET in one receive:
//                                          the load harness's pipeline-16 input.
// bytes/s: request bytes parsed; items/s: requests parsed; allocs/req: heap
// allocations per request (0 once the pooled heads have grown).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "benchmarks/http/alloc_count.h"
#include "benchmarks/http/requests.h"
#include "engine/buf_ring.h"
#include "engine/buffer.h"
#include "engine/ring.h"
#include "http/parser.h"

namespace {

constexpr double kMinTime = 0.5;
constexpr uint32_t kBufferSize = 16 * 1024;  // as large as 16 pipelined browser requests
constexpr size_t kSlots = 16;                // pooled exchanges (heads) in use at once

// The parts of ServerConnection that the parser calls.
class Events final : public http::ParserEvents {
 public:
  explicit Events(const engine::RecvBuf* input) : input_(input) {}

  http::MessageHead* OnMessageBegin() override {
    current_ = &slots_[next_++ % kSlots];
    return &current_->head;
  }
  void OnRetainInput() override { current_->buf = input_->Retain(); }
  int OnHeadersComplete(http::MessageHead&) override { return 0; }
  void OnBody(std::string_view) override {}
  void OnMessageComplete(http::MessageHead& head) override {
    ++completed_;
    last_ = &head;
    current_->buf.Release();
  }

  uint64_t completed() const { return completed_; }
  const http::MessageHead* last() const { return last_; }

 private:
  struct Slot {
    http::MessageHead head;
    engine::BufRef buf;
  };
  const engine::RecvBuf* input_;
  Slot slots_[kSlots];
  Slot* current_ = nullptr;
  uint64_t next_ = 0;
  uint64_t completed_ = 0;
  const http::MessageHead* last_ = nullptr;
};

// A ring with one receive buffer holding `copies` requests, or the reason there is none.
struct Input {
  engine::Ring ring;
  engine::BufRing buffers;
  engine::SetupError error;
  bool ok = false;
  std::string_view bytes;

  Input(std::string_view request, int copies) {
    ok = ring.Init(8, &error) == 0 && buffers.Init(ring.raw(), 0, 1, kBufferSize, &error) == 0;
    if (!ok) return;
    buffers.MarkInUse(0);  // a completion handed it over; the handler's reference
    char* p = buffers.buffer(0);
    for (int i = 0; i < copies; ++i)
      std::memcpy(p + i * request.size(), request.data(), request.size());
    bytes = {p, request.size() * static_cast<size_t>(copies)};
  }
  ~Input() {
    if (ok) buffers.Unref(0);
  }
};

// Parses the input once and checks what came out; an empty string when all is well.
std::string Check(http::Parser& parser, Events& events, const Input& in, int copies,
                  int header_count) {
  uint64_t before = events.completed();
  parser.Rebind(&events);
  http::ParseResult r = parser.Execute(in.bytes);
  if (r.error != 0) return std::string("parse failed: ") + r.code + " " + r.reason;
  if (r.consumed != in.bytes.size()) return "did not consume the whole input";
  if (events.completed() - before != static_cast<uint64_t>(copies)) return "wrong request count";
  if (parser.copied_bytes() != 0) return "copied bytes of a request inside one buffer";
  const http::MessageHead& h = *events.last();
  if (h.headers.size() != static_cast<size_t>(header_count) || !h.keep_alive || h.url.empty() ||
      h.url.data() < in.bytes.data() ||
      h.headers.back().value.data() + h.headers.back().value.size() >
          in.bytes.data() + in.bytes.size()) {
    return "unexpected head";
  }
  return {};
}

void Run(benchmark::State& state, std::string_view request, int header_count, bool lenient) {
  const int copies = static_cast<int>(state.range(0));
  if (request.size() * static_cast<size_t>(copies) > kBufferSize) {
    state.SkipWithError("input larger than the receive buffer");
    return;
  }
  Input in(request, copies);
  if (!in.ok) {
    state.SkipWithError(in.error.message.c_str());
    return;
  }
  engine::RecvBuf piece(&in.buffers, 0, in.bytes.data(), in.bytes.size());
  Events events(&piece);
  http::ParserOptions options;
  options.lenient = lenient;
  http::Parser parser(http::ParserType::kRequest, options, &events);
  // Every pooled head takes its first request here, so the timed loop sees them grown.
  for (size_t i = 0; i < kSlots; ++i) {
    if (std::string error = Check(parser, events, in, copies, header_count); !error.empty()) {
      state.SkipWithError(error.c_str());
      return;
    }
  }

  const uint64_t completed_before = events.completed();
  const uint64_t allocs_before = bench::AllocCount();
  for (auto _ : state) {
    parser.Rebind(&events);
    http::ParseResult r = parser.Execute(piece.view());
    if (r.error != 0) {
      state.SkipWithError(r.code);
      break;
    }
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(events.last()->headers.data());
  }
  const uint64_t allocs = bench::AllocCount() - allocs_before;
  const auto requests = static_cast<int64_t>(state.iterations()) * copies;
  if (events.completed() - completed_before != static_cast<uint64_t>(requests)) {
    state.SkipWithError("requests went missing");
  }
  state.SetItemsProcessed(requests);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(in.bytes.size()));
  state.counters["allocs/req"] = static_cast<double>(allocs) / static_cast<double>(requests);
}

void BM_ParseBrowser(benchmark::State& state) {
  Run(state, bench::kBrowserRequest, bench::kBrowserHeaders, state.range(1) != 0);
}
BENCHMARK(BM_ParseBrowser)
    ->ArgNames({"pipelined", "lenient"})
    ->Args({1, 0})
    ->Args({16, 0})
    ->Args({1, 1})
    ->Args({16, 1})
    ->MinTime(kMinTime);

void BM_ParseWrk(benchmark::State& state) {
  Run(state, bench::kWrkRequest, bench::kWrkHeaders, false);
}
BENCHMARK(BM_ParseWrk)->ArgNames({"pipelined"})->Arg(1)->Arg(16)->MinTime(kMinTime);

}  // namespace
