#include "tests/fuzz/fuzz_corpus.h"

#include <dirent.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace fuzz {
namespace {

constexpr char kInteresting[] = "\r\n :;/.0123456789HTTP-\t\x80\xff";

std::string Runfile(const std::string& path) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* ws = std::getenv("TEST_WORKSPACE");
  if (srcdir == nullptr) return path;
  return std::string(srcdir) + "/" + (ws != nullptr ? ws : "") + "/" + path;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> Entries(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] != '.') names.push_back(e->d_name);
    }
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

std::string Mutate(std::string s, Rng& rng) {
  size_t edits = 1 + rng.Below(4);
  for (size_t e = 0; e < edits; ++e) {
    size_t at = rng.Below(s.size() + 1);
    switch (rng.Below(5)) {
      case 0:
        if (at < s.size()) s[at] = kInteresting[rng.Below(sizeof(kInteresting) - 1)];
        break;
      case 1:
        s.insert(at, 1, kInteresting[rng.Below(sizeof(kInteresting) - 1)]);
        break;
      case 2:
        s.erase(at, rng.Below(8));
        break;
      case 3:
        if (at < s.size()) s.insert(at, s.substr(at, 1 + rng.Below(64)));
        break;
      default:
        s.insert(at, 1, static_cast<char>(rng.Next()));
        break;
    }
  }
  return s;
}

std::vector<std::string> ReadCorpus(const std::string& dir) {
  std::string root = Runfile(dir);
  std::vector<std::string> inputs;
  for (const std::string& name : Entries(root)) inputs.push_back(ReadFile(root + "/" + name));
  return inputs;
}

std::vector<std::string> ConformanceRequests() {
  std::string root = Runfile("tests/conformance/scenarios");
  std::vector<std::string> requests;
  for (const std::string& name : Entries(root)) {
    requests.push_back(ReadFile(root + "/" + name + "/request.bin"));
  }
  return requests;
}

std::vector<std::string> ConformanceResponses() {
  std::string root = Runfile("tests/conformance/scenarios");
  std::vector<std::string> responses;
  for (const std::string& name : Entries(root)) {
    responses.push_back(ReadFile(root + "/" + name + "/response.bin"));
  }
  return responses;
}

void RunTarget(const std::string& prefix, const std::string& stream) {
  std::string input = prefix + stream;
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

}  // namespace fuzz
