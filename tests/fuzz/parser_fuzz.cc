// Fuzz target for the llhttp glue (http/parser.cc): a request stream, in one of the
// two modes, cut into pieces; every piece lives in its own heap block, freed right
// after Execute() unless the parser asked to keep it (OnRetainInput), as a recycled
// receive buffer would be. Every view the parser hands out (method, URL, header
// names and values, trailers, body) is read byte by byte, when it is handed out and
// again at the end: under ASan, a view into a freed or overrun block fails.
//
// Input: byte 0 picks the mode (bit 0: lenient) and the number of pieces; byte 1 the
// cut positions' seed; the rest is the stream.
//   tests/fuzz:parser_fuzz_test   runs it over mutated seed requests (CI, also ASan)
//   tests/fuzz/README.md          runs it under libFuzzer (clang)
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string_view>
#include <vector>

#include "http/parser.h"

namespace {

volatile uint64_t g_sink;  // what reading the views adds up to (kept from the optimizer)

uint64_t Touch(std::string_view v) {
  uint64_t s = v.size();
  for (char c : v) s = s * 31 + static_cast<unsigned char>(c);
  return s;
}

uint64_t TouchHead(const http::MessageHead& h) {
  uint64_t s = Touch(h.url) + Touch(h.status_text);
  for (const http::HeaderView& f : h.headers) s += Touch(f.name) + Touch(f.value);
  for (const http::HeaderView& f : h.trailers) s += Touch(f.name) + Touch(f.value);
  return s;
}

class Events final : public http::ParserEvents {
 public:
  http::MessageHead* OnMessageBegin() override {
    heads_.emplace_back();
    return &heads_.back();
  }
  void OnRetainInput() override { retain_ = true; }
  int OnHeadersComplete(http::MessageHead& h) override {
    g_sink = g_sink + TouchHead(h);
    return 0;
  }
  void OnBody(std::string_view data) override { g_sink = g_sink + Touch(data); }
  void OnMessageComplete(http::MessageHead& h) override { g_sink = g_sink + TouchHead(h); }

  // Heads of messages whose inputs are still kept (all of them: retained pieces live
  // until the end).
  const std::deque<http::MessageHead>& heads() const { return heads_; }
  bool retain_ = false;

 private:
  std::deque<http::MessageHead> heads_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  http::ParserOptions options;
  options.lenient = (data[0] & 1) != 0;
  options.max_header_size = 8192;
  size_t pieces = 1 + (data[0] >> 1) % 16;
  uint32_t seed = data[1] | 1u;
  std::string_view stream(reinterpret_cast<const char*>(data + 2), size - 2);

  Events events;
  http::Parser parser(http::ParserType::kRequest, options, &events);
  std::vector<std::unique_ptr<char[]>> kept;
  size_t at = 0;
  for (size_t i = 0; i < pieces && at < stream.size(); ++i) {
    seed = seed * 1103515245u + 12345u;
    size_t left = stream.size() - at;
    size_t n = i + 1 == pieces ? left : 1 + (seed >> 8) % left;
    auto block = std::make_unique<char[]>(n);  // exactly n bytes: overruns show
    std::copy(stream.data() + at, stream.data() + at + n, block.get());
    at += n;
    events.retain_ = false;
    http::ParseResult r = parser.Execute(std::string_view(block.get(), n));
    if (events.retain_) kept.push_back(std::move(block));
    if (r.error != 0 || r.upgraded) break;
    if (at == stream.size()) parser.Finish();
  }
  // Every view of every message begun, read once more at the end.
  for (const http::MessageHead& h : events.heads()) g_sink = g_sink + TouchHead(h);
  return 0;
}
