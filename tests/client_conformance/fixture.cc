#include "tests/client_conformance/fixture.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace client_conformance {

namespace {

bool Exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The lines of `text`, each without its "\n"; a last line without one counts too.
std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    lines.push_back(text.substr(pos, eol - pos));
    pos = eol + 1;
  }
  return lines;
}

}  // namespace

std::string ScenarioRoot() {
  // Under `bazel test` the files are in the runfiles tree; run by hand from the
  // workspace, the relative path finds the sources.
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* ws = std::getenv("TEST_WORKSPACE");
  std::string base = srcdir != nullptr ? std::string(srcdir) + "/" + (ws ? ws : "") + "/" : "";
  return base + "tests/client_conformance/scenarios";
}

std::vector<std::string> FixtureNames() {
  std::vector<std::string> names;
  if (DIR* d = opendir(ScenarioRoot().c_str())) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] != '.') names.push_back(e->d_name);
    }
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

Fixture LoadFixture(std::string name) {
  if (name.find('_') == std::string::npos) {
    for (const std::string& full : FixtureNames()) {
      if (full.compare(0, name.size() + 1, name + "_") == 0) name = full;
    }
  }
  const std::string dir = ScenarioRoot() + "/" + name;
  if (!Exists(dir + "/events.txt")) throw std::runtime_error("no recorded scenario at " + dir);

  Fixture f;
  f.name = name;
  if (Exists(dir + "/listen.txt")) {
    std::vector<std::string> lines = Lines(ReadFile(dir + "/listen.txt"));
    if (lines.size() != 1) throw std::runtime_error(dir + "/listen.txt: not one line");
    f.listen = lines[0];
  }
  for (int i = 0; Exists(dir + "/response." + std::to_string(i) + ".bin"); ++i) {
    f.responses.push_back(ReadFile(dir + "/response." + std::to_string(i) + ".bin"));
  }
  for (int i = 0; Exists(dir + "/sent." + std::to_string(i) + ".bin"); ++i) {
    f.sent.push_back(ReadFile(dir + "/sent." + std::to_string(i) + ".bin"));
  }
  f.events = Lines(ReadFile(dir + "/events.txt"));
  const std::string kConnections = "connections ";
  if (f.events.empty() || f.events.back().compare(0, kConnections.size(), kConnections) != 0) {
    throw std::runtime_error(dir + "/events.txt: the last line is not \"connections N\"");
  }
  f.connections = std::atoi(f.events.back().c_str() + kConnections.size());
  f.events.pop_back();
  if (static_cast<size_t>(f.connections) != f.sent.size()) {
    throw std::runtime_error(dir + ": " + std::to_string(f.connections) + " connections but " +
                             std::to_string(f.sent.size()) + " sent.N.bin files");
  }
  f.answers = Lines(ReadFile(dir + "/answers.txt"));
  return f;
}

}  // namespace client_conformance
