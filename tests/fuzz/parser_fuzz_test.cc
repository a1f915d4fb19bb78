// Runs tests/fuzz/parser_fuzz.cc's target over seed requests and many deterministic
// mutations of them, in both modes, with random cuts: a short fuzzing pass that needs
// no libFuzzer (gcc), and that the ASan run of the tests makes a memory-safety check.
// A longer run under libFuzzer: tests/fuzz/README.md.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

const std::vector<std::string>& Seeds() {
  static const std::vector<std::string> seeds = {
      "GET / HTTP/1.1\r\nHost: a\r\nUser-Agent: x\r\n\r\n",
      "POST /p?q=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
      "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;e=1\r\nhello\r\n"
      "0\r\nX-T: 1\r\nx-t: 2\r\n\r\n",
      "GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.0\r\n\r\nGET /c HTTP/1.1\r\n\r\n",
      "GET / HTTP/1.7\r\n Host: a\r\nX: y\r\n folded\r\n\r\n",
      "GET /\r\nContent-Length: 3\r\n\r\nabc",
      "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\ntunnel",
      "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\nraw",
      "PUT /x HTTP/1.1\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n",
      "M-SEARCH * HTTP/1.1\r\nHost: a\r\nCookie: a=1\r\nCookie: b=2\r\nSet-Cookie: c\r\n\r\n",
  };
  return seeds;
}

// Bytes that steer an HTTP parser.
constexpr char kInteresting[] = "\r\n :;/.0123456789HTTP-\t\x80\xff";

class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    s_ ^= s_ << 13;
    s_ ^= s_ >> 7;
    s_ ^= s_ << 17;
    return s_;
  }
  size_t Below(size_t n) { return n == 0 ? 0 : Next() % n; }

 private:
  uint64_t s_;
};

std::string Mutate(std::string s, Rng& rng) {
  size_t edits = 1 + rng.Below(4);
  for (size_t e = 0; e < edits; ++e) {
    size_t at = rng.Below(s.size() + 1);
    switch (rng.Below(5)) {
      case 0:  // replace a byte
        if (at < s.size()) s[at] = kInteresting[rng.Below(sizeof(kInteresting) - 1)];
        break;
      case 1:  // insert a byte
        s.insert(at, 1, kInteresting[rng.Below(sizeof(kInteresting) - 1)]);
        break;
      case 2:  // delete a run
        s.erase(at, rng.Below(8));
        break;
      case 3:  // repeat a run (long headers, pipelining)
        if (at < s.size()) s.insert(at, s.substr(at, 1 + rng.Below(64)), 0, std::string::npos);
        break;
      default:  // a random byte
        s.insert(at, 1, static_cast<char>(rng.Next()));
        break;
    }
  }
  return s;
}

void Feed(const std::string& stream, uint8_t mode, uint8_t cuts) {
  std::string input;
  input.push_back(static_cast<char>(mode));
  input.push_back(static_cast<char>(cuts));
  input += stream;
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

TEST(ParserFuzz, SeedsInEveryModeAndCut) {
  for (const std::string& seed : Seeds()) {
    for (int mode = 0; mode < 32; ++mode) {
      for (int cuts = 0; cuts < 8; ++cuts) {
        Feed(seed, static_cast<uint8_t>(mode), static_cast<uint8_t>(cuts * 37));
      }
    }
  }
}

TEST(ParserFuzz, MutatedSeeds) {
  Rng rng(0x9e3779b97f4a7c15ull);
  for (int i = 0; i < 50000; ++i) {
    const std::string& seed = Seeds()[rng.Below(Seeds().size())];
    Feed(Mutate(seed, rng), static_cast<uint8_t>(rng.Next()), static_cast<uint8_t>(rng.Next()));
  }
}

}  // namespace
