// Fuzz target for the whole server connection path: the parser, every callback of
// ServerConnection, IncomingMessage and ServerResponse, the response writer and the
// engine's receive and send paths, on one connection (tests/fuzz/server_harness.h
// has the transport). The handler is a program read from the input
// (tests/fuzz/fuzz_handler.h).
//
// Each input is served twice, its stream whole and cut into pieces (each piece one
// receive); the bytes sent back, their Date values masked, must be the same, when the
// program answers every request within its own events, or when the stream holds no
// parse error and no upgrade (see fuzz_handler.h, "Split-invariance"). Whatever the
// program: no crash, no sanitizer report, no leak, no busy loop, and what the server
// sends starts as a response does.
//
// Input: byte 0: bit 0 insecureHTTPParser, bits 1-4 the number of pieces less one;
// byte 1: the cut positions' seed; bytes 2-6: the handler's program; the rest: the
// stream.
//   tests/fuzz:server_fuzz_test   runs it over seeds, mutations and the regression
//                                 corpus (gcc; also under ASan in CI)
//   tools/fuzz.sh server_fuzz N   runs it under libFuzzer (clang) for N seconds
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "http/parser.h"
#include "http/server.h"
#include "http/uncaught.h"
#include "tests/fuzz/fuzz_handler.h"
#include "tests/fuzz/server_harness.h"

namespace {

constexpr size_t kHeader = 2 + fuzz::FuzzHandler::kProgramBytes;

[[noreturn]] void Fail(const char* what, const std::string& a, const std::string& b) {
  std::fprintf(stderr, "server_fuzz: %s\n--- whole:\n%s\n--- split:\n%s\n", what, a.c_str(),
               b.c_str());
  std::abort();
}

// Node's Date value (29 bytes) after every "\r\nDate: ".
std::string MaskDates(std::string s) {
  static constexpr std::string_view kDate = "\r\nDate: ";
  for (size_t at = s.find(kDate); at != std::string::npos; at = s.find(kDate, at + 1)) {
    size_t value = at + kDate.size();
    if (value + 29 <= s.size()) s.replace(value, 29, 29, '*');
  }
  return s;
}

// Whether the stream, parsed as the server parses it, holds a parse error or an
// upgrade (after which what is sent may depend on how the stream was cut, for
// programs that answer late).
class Breaks final : public http::ParserEvents {
 public:
  http::MessageHead* OnMessageBegin() override {
    heads_.emplace_back();
    return &heads_.back();
  }
  void OnRetainInput() override {}
  int OnHeadersComplete(http::MessageHead&) override { return 0; }
  void OnBody(std::string_view) override {}
  void OnMessageComplete(http::MessageHead&) override {}

 private:
  std::deque<http::MessageHead> heads_;
};

bool StreamBreaks(std::string_view stream, const http::Server& server) {
  Breaks events;
  http::Parser parser(http::ParserType::kRequest,
                      http::ParserOptions{server.options().insecureHTTPParser,
                                          server.max_header_size()},
                      &events);
  http::ParseResult r = parser.Execute(stream);
  return r.error != 0 || r.upgraded;
}

// The parse's first error, the stream whole or cut (empty: none). The two may differ
// where a size limit is passed and another error follows (parser_fuzz.cc,
// OnlyTheLimitMoved); the answers then differ too (431 or 413, or 400).
std::string FirstError(std::string_view stream, const std::vector<size_t>& pieces,
                       const http::ServerOptions& options) {
  Breaks events;
  http::Parser parser(http::ParserType::kRequest,
                      http::ParserOptions{options.insecureHTTPParser, http::maxHeaderSize.load()},
                      &events);
  for (size_t n : pieces) {
    http::ParseResult r = parser.Execute(stream.substr(0, n));
    stream.remove_prefix(n);
    if (r.error != 0) return r.code;
    if (r.upgraded) break;
  }
  return {};
}

// Exceptions listeners threw so far (each destroyed its socket).
size_t g_uncaught = 0;

struct Outcome {
  std::string sent;
  bool threw = false;
  bool deferred = false;
  bool paused = false;
  bool breaks = false;
};

Outcome Serve(std::string_view stream, const std::vector<size_t>& pieces, const uint8_t* program,
              bool insecure) {
  http::ServerOptions options;
  options.insecureHTTPParser = insecure;
  http::Server server(std::move(options));
  fuzz::FuzzHandler handler(program);
  handler.Install(server);
  Outcome o;
  size_t uncaught = g_uncaught;
  o.sent = fuzz::ServerHarness::Get().Serve(server, stream, pieces,
                                             [&handler] { handler.BetweenPieces(); });
  o.threw = g_uncaught != uncaught;
  o.deferred = handler.Deferred();
  o.paused = handler.Paused();
  o.breaks = o.deferred && StreamBreaks(stream, server);
  return o;
}

void CheckSent(const Outcome& o, const char* run) {
  // Every answer, interim ones and the listeners' own included, is a status line.
  if (!o.sent.empty() && o.sent.compare(0, 9, "HTTP/1.1 ") != 0) {
    Fail(run, o.sent, "(the bytes sent do not start with a status line)");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A listener's exception is part of the program (API misuse throws, as in Node): it
  // destroys the socket and is reported; here the report is only counted.
  static const bool quiet = [] {
    http::setUncaughtExceptionHandler([](std::exception_ptr) { ++g_uncaught; });
    return true;
  }();
  (void)quiet;
  if (size <= kHeader) return 0;
  bool insecure = (data[0] & 1) != 0;
  size_t count = 1 + (data[0] >> 1) % 16;
  uint32_t seed = data[1] | 1u;
  const uint8_t* program = data + 2;
  std::string_view stream(reinterpret_cast<const char*>(data + kHeader), size - kHeader);

  std::vector<size_t> pieces;
  size_t at = 0;
  for (size_t i = 0; i < count && at < stream.size(); ++i) {
    seed = seed * 1103515245u + 12345u;
    size_t left = stream.size() - at;
    size_t n = i + 1 == count ? left : 1 + (seed >> 8) % left;
    pieces.push_back(n);
    at += n;
  }

  Outcome whole = Serve(stream, {stream.size()}, program, insecure);
  CheckSent(whole, "whole");
  if (pieces.size() == 1) return 0;
  Outcome split = Serve(stream, pieces, program, insecure);
  CheckSent(split, "split");
  http::ServerOptions options;
  options.insecureHTTPParser = insecure;
  // (A listener that throws destroys its socket: an answer made later is then lost
  // or not, depending on whether the throwing request came before it was sent.)
  bool threw_after_deferral = (whole.deferred || split.deferred) && (whole.threw || split.threw);
  bool comparable = !whole.paused && !split.paused && !whole.breaks && !split.breaks &&
                    !threw_after_deferral &&
                    FirstError(stream, {stream.size()}, options) == FirstError(stream, pieces, options);
  if (comparable && MaskDates(whole.sent) != MaskDates(split.sent)) {
    Fail("the bytes sent for the split stream differ from the whole stream's", whole.sent,
         split.sent);
  }
  return 0;
}
