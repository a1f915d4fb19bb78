// Runs tests/fuzz/parser_fuzz.cc's target over seed requests and responses (a few
// written here, and every request and response of the conformance fixtures), many
// deterministic mutations of them,
// and the regression corpus, in both modes, with random cuts: a short fuzzing pass
// that needs no libFuzzer (gcc). The target aborts when the split stream's trace
// differs from the whole stream's or an invariant breaks, and the ASan run of the
// tests makes it a memory-safety check too. A longer run: tools/fuzz.sh parser_fuzz.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_corpus.h"

namespace {

const std::vector<std::string>& Seeds() {
  static const std::vector<std::string> seeds = [] {
    std::vector<std::string> s = {
        "GET / HTTP/1.1\r\nHost: a\r\nUser-Agent: x\r\n\r\n",
        "POST /p?q=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
        "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;e=1\r\nhello\r\n"
        "0\r\nX-T: 1\r\nx-t: 2\r\n\r\n",
        "GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.0\r\n\r\nGET /c HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.7\r\n Host: a\r\nX: y\r\n folded\r\n\r\n",
        "GET /\r\nContent-Length: 3\r\n\r\nabc",
        "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\ntunnel",
        "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\nraw",
        "PUT /x HTTP/1.1\r\nContent-Length: 2\r\nTransfer-Encoding: "
        "chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n",
        "M-SEARCH * HTTP/1.1\r\nHost: a\r\nCookie: a=1\r\nCookie: b=2\r\nSet-Cookie: c\r\n\r\n",
    };
    for (std::string& r : fuzz::ConformanceRequests()) s.push_back(std::move(r));
    return s;
  }();
  return seeds;
}

// Responses, fed with bit 5 of the mode byte set.
const std::vector<std::string>& ResponseSeeds() {
  static const std::vector<std::string> seeds = [] {
    std::vector<std::string> s = {
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 204 No Content\r\n\r\n",
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "3;a=\"b c\"\r\nabc\r\n0\r\nX-T: 1\r\n\r\n",
        "HTTP/1.0 200 OK\r\nServer: x\r\n\r\nto the end",
        "HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\nHTTP/1.1 099 Odd\r\n\r\n",
        "HTTP/1.1 0200 OK\r\n\r\n",
        "HTTP/1.1 200 OK\n\n",
    };
    for (std::string& r : fuzz::ConformanceResponses()) s.push_back(std::move(r));
    return s;
  }();
  return seeds;
}

std::string Prefix(uint8_t mode, uint8_t cuts) {
  return {static_cast<char>(mode), static_cast<char>(cuts)};
}

TEST(ParserFuzz, ConformanceRequestsAndResponsesAreThere) {
  EXPECT_GE(fuzz::ConformanceRequests().size(), 198u);
  size_t responses = 0;
  for (const std::string& r : fuzz::ConformanceResponses())
    responses += r.rfind("HTTP/1.1 ", 0) == 0;
  EXPECT_GE(responses, 150u) << "the recorded responses are not in the runfiles";
}

TEST(ParserFuzz, SeedsInEveryModeAndCut) {
  for (const std::string& seed : Seeds()) {
    for (int mode = 0; mode < 32; ++mode) {
      for (int cuts = 0; cuts < 4; ++cuts) {
        fuzz::RunTarget(Prefix(static_cast<uint8_t>(mode), static_cast<uint8_t>(cuts * 37)), seed);
      }
    }
  }
}

TEST(ParserFuzz, ResponseSeedsInEveryModeAndCut) {
  for (const std::string& seed : ResponseSeeds()) {
    for (int mode = 0; mode < 32; ++mode) {
      for (int cuts = 0; cuts < 4; ++cuts) {
        fuzz::RunTarget(Prefix(static_cast<uint8_t>(mode | 0x20), static_cast<uint8_t>(cuts * 37)),
                        seed);
      }
    }
  }
}

TEST(ParserFuzz, MutatedResponseSeeds) {
  fuzz::Rng rng(0x2545f4914f6cdd1dull);
  for (int i = 0; i < 20000; ++i) {
    const std::string& seed = ResponseSeeds()[rng.Below(ResponseSeeds().size())];
    fuzz::RunTarget(
        Prefix(static_cast<uint8_t>(rng.Next() | 0x20), static_cast<uint8_t>(rng.Next())),
        fuzz::Mutate(seed, rng));
  }
}

TEST(ParserFuzz, MutatedSeeds) {
  fuzz::Rng rng(0x9e3779b97f4a7c15ull);
  for (int i = 0; i < 50000; ++i) {
    const std::string& seed = Seeds()[rng.Below(Seeds().size())];
    fuzz::RunTarget(Prefix(static_cast<uint8_t>(rng.Next()), static_cast<uint8_t>(rng.Next())),
                    fuzz::Mutate(seed, rng));
  }
}

TEST(ParserFuzz, RegressionCorpus) {
  for (const std::string& input : fuzz::ReadCorpus("tests/fuzz/regressions/parser_fuzz")) {
    fuzz::RunTarget("", input);
  }
}

}  // namespace
