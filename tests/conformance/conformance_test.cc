// Replays every recorded scenario (tests/conformance/scenarios/NNN_name/) against
// the C++ server running the same handler, and compares the bytes with what Node
// v12.22.9 wrote (the Date value normalised to DATE):
//   1. the request sent whole;
//   2. split in two at every byte offset (the halves arrive as separate receives);
//   3. sent twice back to back (pipelined behind itself), expecting the response
//      twice, for scenarios that keep the connection open.
// For the strict-parser scenarios, and the headersTimeout ones (Node 18's timer
// replaced v12's check on arrival), the expected bytes are current Node's
// (response.v20.bin) unless the scenario runs with insecureHTTPParser. A scenario
// whose default mode diverges on purpose (Scenario::strict) is replayed twice: the
// default mode against its own answer, insecureHTTPParser against v12's bytes.
// A scenario without a C++ handler is skipped, by name, and fails the count test.
#include <arpa/inet.h>
#include <dirent.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/conformance/scenario.h"
#include "tests/http/loopback.h"

namespace conformance {

namespace {
std::map<std::string, Factory>& MutableRegistry() {
  static std::map<std::string, Factory> registry;
  return registry;
}
}  // namespace

bool Register(const char* name, Factory factory) {
  MutableRegistry()[name] = factory;
  return true;
}
const std::map<std::string, Factory>& Registry() { return MutableRegistry(); }

namespace {

std::string ScenarioRoot() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* ws = std::getenv("TEST_WORKSPACE");
  std::string base = srcdir != nullptr ? std::string(srcdir) + "/" + (ws ? ws : "") + "/" : "";
  return base + "tests/conformance/scenarios";
}

std::vector<std::string> ScenarioNames() {
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

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct Meta {
  bool closed = false;
  int idle_ms = 300;
  bool strict = false;       // has strict_expect: current Node's answer applies
  bool strict_close = false;  // ... and current Node closes the connection after it
  size_t pause_at = 0;       // send_pause=AT:MS: the request goes in two parts,
  int pause_ms = 0;          // MS apart (timeouts, slow clients)
  size_t max_header_size = 0;  // node_args=--max-http-header-size=N
};

Meta ReadMeta(const std::string& dir) {
  Meta m;
  std::istringstream in(ReadFile(dir + "/meta.txt"));
  for (std::string line; std::getline(in, line);) {
    if (line == "closed=1") m.closed = true;
    if (line.rfind("idle_ms=", 0) == 0) m.idle_ms = std::stoi(line.substr(8));
    if (line.rfind("strict_expect=", 0) == 0) {
      m.strict = true;
      m.strict_close = line.size() >= 6 && line.compare(line.size() - 6, 6, " close") == 0;
    }
    if (line.rfind("send_pause=", 0) == 0) {
      size_t colon = line.find(':');
      m.pause_at = std::stoul(line.substr(11, colon - 11));
      m.pause_ms = std::stoi(line.substr(colon + 1));
    }
    static const std::string kMaxHeader = "node_args=--max-http-header-size=";
    if (line.rfind(kMaxHeader, 0) == 0) m.max_header_size = std::stoul(line.substr(kMaxHeader.size()));
  }
  return m;
}

// Only a Date in the shape Node generates (its utcDate(), the server's clock), as
// the recorder masks it (tools/record_fixtures/harness.js): a Date a handler set
// itself is compared as it is.
std::string NormaliseDate(const std::string& s) {
  static const std::regex date(
      "\r\nDate: (?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d\\d "
      "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \\d{4} \\d\\d:\\d\\d:\\d\\d GMT\r\n");
  return std::regex_replace(s, date, "\r\nDate: DATE\r\n");
}

int Connect(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Sends the pieces, each once the server has received the one before, so that each
// arrives in a receive of its own however loaded the machine (or, for a slow client
// whose recorded timing is part of the scenario, pause_ms after it). Then reads until
// the server closes, or until idle_ms pass without a byte. With `quick`, once
// `expected` bytes came on a connection that stays open, it waits only for anything
// that follows at once: the split and pipelined runs, where the whole request's run
// has watched the connection stay open for the recorded idle time already.
std::string Exchange(uint16_t port, const std::vector<std::string>& pieces, size_t expected,
                     const Meta& meta, int pause_ms = 0, bool quick = true) {
  int fd = Connect(port);
  if (fd < 0) return "<connect failed>";
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (i > 0 && pause_ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
    } else if (i > 0) {
      EXPECT_TRUE(http_test::WaitUntilServerReceived(port, {fd}))
          << "piece " << i - 1 << " was not received";
    }
    send(fd, pieces[i].data(), pieces[i].size(), MSG_NOSIGNAL);
  }
  std::string out;
  char buf[65536];
  for (;;) {
    int wait = meta.idle_ms + 200;
    if (quick && !meta.closed && out.size() >= expected) wait = 10;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, wait) <= 0) break;
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      out += "<closed>";
      break;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return NormaliseDate(out);
}

// One server with `options` for the scenario, and its request sent whole, split at
// every byte (or sampled) and pipelined behind itself, each expected to get
// `expected` (and a close when meta.closed).
void Replay(const Scenario& scenario, http::ServerOptions options, const std::string& request,
            const std::string& expected, const Meta& meta) {
  std::string expected_wire = expected + (meta.closed ? "<closed>" : "");
  auto server = std::make_unique<http::Server>(std::move(options));
  if (scenario.setup) scenario.setup(*server);
  server->listen(0, "127.0.0.1", 1);
  ASSERT_TRUE(server->listening());
  uint16_t port = server->port();

  if (meta.pause_at != 0) {
    // A slow client: the recorded timing is part of the scenario, so only that.
    EXPECT_EQ(Exchange(port, {request.substr(0, meta.pause_at), request.substr(meta.pause_at)},
                       expected.size(), meta, meta.pause_ms, /*quick=*/false),
              expected_wire)
        << "sent in two parts " << meta.pause_ms << " ms apart";
    server->close();
    server->join();
    return;
  }
  EXPECT_EQ(Exchange(port, {request}, expected.size(), meta, 0, /*quick=*/false), expected_wire)
      << "sent whole";
  if (scenario.split && !::testing::Test::HasFailure()) {
    for (size_t cut = 1; cut < request.size(); ++cut) {
      bool sampled = cut <= 64 || cut + 64 >= request.size() || cut % 251 == 0;
      if (scenario.split_sampled && !sampled) continue;
      std::string got = Exchange(port, {request.substr(0, cut), request.substr(cut)},
                                 expected.size(), meta);
      EXPECT_EQ(got, expected_wire) << "split at byte " << cut;
      if (::testing::Test::HasFailure()) break;
    }
  }
  if (scenario.pipeline && !::testing::Test::HasFailure()) {
    // Twice in one send: both answered, in order; or, where the first closes the
    // connection, the first answered and nothing read after it.
    std::string twice = meta.closed ? expected_wire : expected + expected;
    EXPECT_EQ(Exchange(port, {request + request}, twice.size(), meta), twice)
        << "pipelined behind itself";
  }
  server->close();
  server->join();
}

class Conformance : public ::testing::TestWithParam<std::string> {};

TEST_P(Conformance, MatchesNodeV12Bytes) {
  const std::string& name = GetParam();
  auto it = Registry().find(name);
  if (it == Registry().end()) GTEST_SKIP() << "no C++ handler for " << name;
  std::string dir = ScenarioRoot() + "/" + name;
  Meta meta = ReadMeta(dir);
  std::string request = ReadFile(dir + "/request.bin");
  bool insecure = name.find("insecure") != std::string::npos;
  bool use_v20 = meta.strict && !insecure;
  std::string expected_file = dir + (use_v20 ? "/response.v20.bin" : "/response.bin");
  Meta expected_meta = meta;
  // Current Node closes after rejecting a request (strict_expect says "... close").
  if (use_v20) expected_meta.closed = meta.strict_close;
  std::string expected = NormaliseDate(ReadFile(expected_file));

  Scenario scenario = it->second();
  if (scenario.known_gap != nullptr) GTEST_SKIP() << "known gap: " << scenario.known_gap;
  bool diverges = scenario.strict.why != nullptr && !insecure;
  if (diverges) {
    if (scenario.strict.response != nullptr) expected = scenario.strict.response;
    expected_meta.closed = scenario.strict.closed;
  }
  // The global limit, as Node's --max-http-header-size sets it, for this server only.
  struct RestoreMaxHeaderSize {
    size_t saved = http::maxHeaderSize.load();
    ~RestoreMaxHeaderSize() { http::maxHeaderSize = saved; }
  } restore;
  if (meta.max_header_size != 0) http::maxHeaderSize = meta.max_header_size;

  {
    SCOPED_TRACE(diverges ? std::string("default mode, diverging from v12: ") + scenario.strict.why
                          : std::string("as recorded"));
    Replay(scenario, scenario.options, request, expected, expected_meta);
  }
  if (diverges && !HasFailure()) {
    SCOPED_TRACE("insecureHTTPParser: v12's recorded bytes");
    http::ServerOptions v12 = scenario.options;
    v12.insecureHTTPParser = true;
    Replay(scenario, std::move(v12), request, NormaliseDate(ReadFile(dir + "/response.bin")),
           meta);
  }
}

INSTANTIATE_TEST_SUITE_P(Scenarios, Conformance, ::testing::ValuesIn(ScenarioNames()),
                         [](const auto& info) { return info.param; });

TEST(ConformanceSuite, ReportsHowManyScenariosHaveHandlers) {
  size_t total = ScenarioNames().size();
  size_t with = 0;
  for (const auto& n : ScenarioNames()) with += Registry().count(n);
  std::printf("conformance: %zu of %zu recorded scenarios have a C++ handler\n", with, total);
  EXPECT_GT(total, 0u) << "no scenarios found under " << ScenarioRoot();
  // A scenario without a handler, or with a known gap, is skipped by the test above;
  // here it fails, so that coverage cannot shrink unseen.
  EXPECT_EQ(with, total) << "recorded scenarios without a C++ handler";
  for (const auto& [n, f] : Registry()) {
    EXPECT_EQ(f().known_gap, nullptr) << n << " is marked as a known gap";
  }
  for (const auto& [n, f] : Registry()) {
    EXPECT_TRUE(std::find(ScenarioNames().begin(), ScenarioNames().end(), n) !=
                ScenarioNames().end())
        << "handler registered for a scenario that was not recorded: " << n;
  }
}

}  // namespace
}  // namespace conformance
