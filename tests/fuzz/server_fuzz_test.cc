// Runs tests/fuzz/server_fuzz.cc's target over every request of the conformance
// fixtures under several handler programs and cuts, deterministic mutations of them,
// and the regression corpus: a short fuzzing pass that needs no libFuzzer (gcc). The
// target aborts when the bytes sent for the split stream differ from the whole
// stream's, or when the server does not go quiet; the ASan run of the tests makes it
// a memory-safety and leak check too. A longer run: tools/fuzz.sh server_fuzz.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_corpus.h"

namespace {

// Byte 0 (mode and pieces), byte 1 (cuts), then the handler's five program bytes.
std::string Prefix(uint8_t mode, uint8_t cuts, uint8_t listeners, uint8_t a0, uint8_t a1,
                   uint8_t a2, uint8_t a3) {
  return {static_cast<char>(mode), static_cast<char>(cuts), static_cast<char>(listeners),
          static_cast<char>(a0),   static_cast<char>(a1),   static_cast<char>(a2),
          static_cast<char>(a3)};
}

// Programs that answer within each request's events (compared on every stream), and
// ones that answer late or pause.
const std::vector<std::string>& Programs() {
  static const std::vector<std::string> programs = {
      Prefix(0, 0, 0x00, 0x00, 0x01, 0x02, 0x06),
      Prefix(0, 0, 0x1f, 0x21, 0x45, 0x4e, 0x18),
      Prefix(0, 0, 0x3b, 0x0c, 0x11, 0x26, 0x5a),
      Prefix(0, 0, 0x40, 0x03, 0x07, 0x13, 0x47),
      Prefix(0, 0, 0x7f, 0x83, 0xc1, 0x9b, 0x27),
  };
  return programs;
}

std::string WithCuts(std::string program, uint8_t mode, uint8_t cuts) {
  program[0] = static_cast<char>(mode);
  program[1] = static_cast<char>(cuts);
  return program;
}

TEST(ServerFuzz, ConformanceRequestsUnderEachProgram) {
  std::vector<std::string> requests = fuzz::ConformanceRequests();
  ASSERT_GE(requests.size(), 198u);
  for (const std::string& request : requests) {
    for (const std::string& program : Programs()) {
      for (uint8_t mode : {0x00, 0x0f, 0x1e, 0x1d}) {
        fuzz::RunTarget(WithCuts(program, mode, static_cast<uint8_t>(request.size())), request);
      }
    }
  }
}

TEST(ServerFuzz, MutatedRequests) {
  std::vector<std::string> requests = fuzz::ConformanceRequests();
  ASSERT_FALSE(requests.empty());
  fuzz::Rng rng(0x2545f4914f6cdd1dull);
  for (int i = 0; i < 10000; ++i) {
    std::string prefix;
    for (int b = 0; b < 7; ++b) prefix.push_back(static_cast<char>(rng.Next()));
    fuzz::RunTarget(prefix, fuzz::Mutate(requests[rng.Below(requests.size())], rng));
  }
}

TEST(ServerFuzz, RegressionCorpus) {
  for (const std::string& input : fuzz::ReadCorpus("tests/fuzz/regressions/server_fuzz")) {
    fuzz::RunTarget("", input);
  }
}

}  // namespace
