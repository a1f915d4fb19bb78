// Fuzz target for the llhttp glue (http/parser.cc): a request or response stream, in
// one of the two modes, parsed twice, whole and cut into pieces; the two traces of what the
// parser reported must be the same. Each trace logs every message's method, URL,
// version, flags, header fields, body bytes (joined: how a body is cut into OnBody
// calls depends on the cuts), trailers and completion, and the first error (code and
// reason) or upgrade (and where the head ended). The parse result's invariants are checked as each
// Execute() returns.
//
// Memory: every piece lives in its own heap block of exactly its size, freed right
// after Execute() unless the parser asked to keep it (OnRetainInput), as a recycled
// receive buffer would be. Every view the parser hands out is read when it is handed
// out and again at the end: under ASan, a view into a freed or overrun block fails.
//
// Input: byte 0 picks the mode (bit 0: lenient), the number of pieces (bits 1-4) and
// the stream's type (bit 5: responses, parsed as a client does: no body for 1xx, 204
// and 304); byte 1 the cut positions' seed; the rest is the stream.
//   tests/fuzz:parser_fuzz_test   runs it over seeds, mutations and the regression
//                                 corpus (gcc; also under ASan in CI)
//   tools/fuzz.sh parser_fuzz N   runs it under libFuzzer (clang) for N seconds
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <string>
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

// Fails the run with both traces on stderr (libFuzzer and the gtest pass both report
// an abort as a failure, with the input).
[[noreturn]] void Fail(const char* what, const std::string& a, const std::string& b) {
  std::fprintf(stderr, "parser_fuzz: %s\n--- whole:\n%s\n--- split:\n%s\n", what, a.c_str(),
               b.c_str());
  std::abort();
}

void Check(bool ok, const char* what, const std::string& trace) {
  if (!ok) Fail(what, trace, "(not run)");
}

void LogFields(std::string* log, const char* kind, const std::vector<http::HeaderView>& fields) {
  for (const http::HeaderView& f : fields) {
    *log += kind;
    *log += f.name;
    *log += ": ";
    *log += f.value;
    *log += '\n';
  }
}

class Events final : public http::ParserEvents {
 public:
  http::MessageHead* OnMessageBegin() override {
    Check(!open_, "a message began inside another", log_);
    open_ = true;
    log_ += "begin\n";
    heads_.emplace_back();
    return &heads_.back();
  }
  void OnRetainInput() override {
    Check(open_, "OnRetainInput outside a message", log_);
    retain_ = true;
  }
  int OnHeadersComplete(http::MessageHead& h) override {
    Check(open_ && !in_body_, "a head completed outside its message", log_);
    in_body_ = true;
    g_sink = g_sink + TouchHead(h);
    log_ += "head " + std::to_string(h.method) + ' ' + std::to_string(h.status) + ' ' +
            std::to_string(h.http_major) + '.' + std::to_string(h.http_minor) +
            " ka=" + std::to_string(h.keep_alive) + " up=" + std::to_string(h.upgrade) +
            " chunked=" + std::to_string(h.chunked) +
            " cl=" + (h.has_content_length ? std::to_string(h.content_length) : "-") + '\n';
    log_ += "url ";
    log_ += h.url;
    log_ += '\n';
    LogFields(&log_, "h ", h.headers);
    bool bodiless = (h.status >= 100 && h.status < 200) || h.status == 204 || h.status == 304;
    return response_ && bodiless ? 1 : 0;
  }
  void OnBody(std::string_view data) override {
    Check(in_body_ && !data.empty(), "body bytes outside a body, or none", log_);
    g_sink = g_sink + Touch(data);
    body_ += data;
  }
  void OnMessageComplete(http::MessageHead& h) override {
    Check(open_ && in_body_, "a message completed before its head", log_);
    g_sink = g_sink + TouchHead(h);
    FlushBody();
    LogFields(&log_, "t ", h.trailers);
    log_ += "complete\n";
    open_ = in_body_ = false;
  }
  // Body bytes are logged joined, before whatever ends them.
  void FlushBody() {
    if (body_.empty()) return;
    log_ += "body " + std::to_string(body_.size()) + ' ' + body_ + '\n';
    body_.clear();
  }

  // Heads of messages whose inputs are still kept (all of them: retained pieces live
  // until the end).
  const std::deque<http::MessageHead>& heads() const { return heads_; }
  std::string& log() { return log_; }
  bool retain_ = false;
  bool response_ = false;  // answer as a client: no body for 1xx, 204 and 304

 private:
  std::deque<http::MessageHead> heads_;
  std::string log_;
  std::string body_;
  bool open_ = false;
  bool in_body_ = false;
};

// Parses `stream` in the given pieces (sizes), returning the trace.
std::string Parse(std::string_view stream, const std::vector<size_t>& pieces,
                  const http::ParserOptions& options, http::ParserType type) {
  Events events;
  events.response_ = type == http::ParserType::kResponse;
  http::Parser parser(type, options, &events);
  std::vector<std::unique_ptr<char[]>> kept;
  size_t at = 0;
  for (size_t n : pieces) {
    auto block = std::make_unique<char[]>(n);  // exactly n bytes: overruns show
    std::copy(stream.data() + at, stream.data() + at + n, block.get());
    events.retain_ = false;
    http::ParseResult r = parser.Execute(std::string_view(block.get(), n));
    if (events.retain_) kept.push_back(std::move(block));
    std::string& log = events.log();
    // What an Execute() may return.
    Check(r.consumed <= n, "consumed more than the input", log);
    Check(r.error != 0 || r.upgraded || r.consumed == n, "stopped early without a reason", log);
    Check((r.error != 0) == (std::string_view(r.code).substr(0, 4) == "HPE_"),
          "an error without an HPE_ code, or a code without an error", log);
    Check(r.error == 0 || !r.upgraded, "both an error and an upgrade", log);
    if (r.error != 0 || r.upgraded) {
      events.FlushBody();
      // An upgrade's offset is where the head ends; an error's is not logged: one that
      // a span callback raises (a folded value, say) is placed by llhttp at the end
      // of the span's piece, which moves with the cuts.
      log += r.upgraded ? "upgrade at " + std::to_string(at + r.consumed)
                        : std::string("error ") + r.code + ' ' + r.reason;
      log += '\n';
      break;
    }
    at += n;
    if (at == stream.size()) {
      http::ParseResult f = parser.Finish();
      events.FlushBody();
      if (f.error != 0) log += std::string("finish ") + f.code + '\n';
    }
  }
  // Every view of every message begun, read once more at the end.
  for (const http::MessageHead& h : events.heads()) g_sink = g_sink + TouchHead(h);
  return std::move(events.log());
}

// A size limit (the head's, or the chunk extensions') is counted as llhttp reports
// spans: at the end of each span, or of each input that a span runs past. So a
// stream that passes a limit and also holds another error further on may report
// either, depending on the cuts (as Node's parser does). Both are errors; the trace
// that stopped at the limit must then be the other's up to where it stopped.
bool OnlyTheLimitMoved(const std::string& a, const std::string& b) {
  auto last_line = [](const std::string& t) {
    size_t from = t.rfind('\n', t.size() - 2);
    return from == std::string::npos ? 0 : from + 1;
  };
  if (a.empty() || b.empty()) return false;
  size_t ea = last_line(a), eb = last_line(b);
  auto is_error = [](const std::string& t, size_t at) { return t.compare(at, 6, "error ") == 0; };
  auto is_limit = [](const std::string& t, size_t at) {
    return t.compare(at, 26, "error HPE_HEADER_OVERFLOW ") == 0 ||
           t.compare(at, 36, "error HPE_CHUNK_EXTENSIONS_OVERFLOW ") == 0;
  };
  if (!is_error(a, ea) || !is_error(b, eb)) return false;
  if (is_limit(a, ea) && b.compare(0, ea, a, 0, ea) == 0) return true;
  return is_limit(b, eb) && a.compare(0, eb, b, 0, eb) == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  http::ParserOptions options;
  options.lenient = (data[0] & 1) != 0;
  options.max_header_size = 8192;
  size_t count = 1 + (data[0] >> 1) % 16;
  http::ParserType type =
      (data[0] & 0x20) != 0 ? http::ParserType::kResponse : http::ParserType::kRequest;
  uint32_t seed = data[1] | 1u;
  std::string_view stream(reinterpret_cast<const char*>(data + 2), size - 2);

  std::vector<size_t> pieces;
  size_t at = 0;
  for (size_t i = 0; i < count && at < stream.size(); ++i) {
    seed = seed * 1103515245u + 12345u;
    size_t left = stream.size() - at;
    size_t n = i + 1 == count ? left : 1 + (seed >> 8) % left;
    pieces.push_back(n);
    at += n;
  }
  std::string whole = Parse(stream, {stream.size()}, options, type);
  std::string split = pieces.size() == 1 ? whole : Parse(stream, pieces, options, type);
  if (whole != split && !OnlyTheLimitMoved(whole, split))
    Fail("the split stream's trace differs from the whole stream's", whole, split);
  return 0;
}
