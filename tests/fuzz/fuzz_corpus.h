// What the deterministic passes over the fuzz targets share (parser_fuzz_test.cc,
// server_fuzz_test.cc): a small deterministic mutator, and the inputs read from
// files: the regression corpus (tests/fuzz/regressions/<target>/, one input a file,
// each a crash or failure once found) and the requests Node v12 was recorded
// answering (tests/conformance/scenarios/*/request.bin).
#ifndef TESTS_FUZZ_FUZZ_CORPUS_H_
#define TESTS_FUZZ_FUZZ_CORPUS_H_

#include <cstdint>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace fuzz {

class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {  // xorshift64
    s_ ^= s_ << 13;
    s_ ^= s_ >> 7;
    s_ ^= s_ << 17;
    return s_;
  }
  size_t Below(size_t n) { return n == 0 ? 0 : Next() % n; }

 private:
  uint64_t s_;
};

// One to four edits of bytes that steer an HTTP parser: replace, insert, delete a
// run, repeat a run (long headers, pipelining), insert a random byte.
std::string Mutate(std::string s, Rng& rng);

// The files of `dir` (relative to the workspace, found through the test's runfiles),
// in name order. Empty when there are none.
std::vector<std::string> ReadCorpus(const std::string& dir);

// Every tests/conformance/scenarios/*/request.bin; the test fails without them.
std::vector<std::string> ConformanceRequests();
// Every tests/conformance/scenarios/*/response.bin: what v12 answered them.
std::vector<std::string> ConformanceResponses();

// Runs the target on `prefix` followed by `stream`.
void RunTarget(const std::string& prefix, const std::string& stream);

}  // namespace fuzz

#endif  // TESTS_FUZZ_FUZZ_CORPUS_H_
