// examples/hello_http under wrk: 64 kept-alive connections for 3 seconds, with no
// socket error, no status outside 2xx and the right body on every response, each
// connection kept for the whole run (no more connections than wrk's 64); and
// curl's view of one GET /.
//
// The example runs as a child from the runfiles on a free loopback port, with one
// loop (wrk takes the other core); the test waits for its "listening on" line.
// wrk runs a Lua script that checks each response's status, Content-Type and body
// and prints its counts at the end, next to wrk's own summary.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <regex>
#include <string>

#include "tests/peers/peer_util.h"

namespace {

constexpr int kConnections = 64;
constexpr int kSeconds = 3;
// Far below what the example serves even under ASan on a shared 2-core machine,
// far above what a server that stalls or drops connections would manage.
constexpr long kMinRequests = 1000;

// Counts, per wrk thread, the responses whose status is not 2xx, those whose
// Content-Type or body is not the example's, and those without "Connection:
// keep-alive"; done() sums the threads.
constexpr char kScript[] = R"lua(
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  responses = 0
  non2xx = 0
  wrong = 0
  closing = 0
end
function response(status, headers, body)
  responses = responses + 1
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
  if body ~= "Hello, World!" or headers["Content-Type"] ~= "text/plain" then
    wrong = wrong + 1
  end
  if headers["Connection"] ~= "keep-alive" then
    closing = closing + 1
  end
end
function done(summary, latency, requests)
  local r, n, w, c = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    r = r + t:get("responses")
    n = n + t:get("non2xx")
    w = w + t:get("wrong")
    c = c + t:get("closing")
  end
  io.write(string.format("lua: responses=%d non2xx=%d wrong=%d closing=%d\n", r, n, w, c))
  local e = summary.errors
  io.write(string.format("summary: requests=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
                         summary.requests, e.connect, e.read, e.write, e.status, e.timeout))
end
)lua";

// The TCP sockets of this network namespace (/proc/net/tcp) with `port` at either
// end, in any state but LISTEN: open connections, and closed ones in TIME_WAIT, which
// the end that closed first keeps for a minute. A connection counts once or twice
// (both ends are on loopback), or not at all when a reset ended it.
long TcpSocketsOnPort(int port) {
  FILE* f = std::fopen("/proc/net/tcp", "r");
  if (f == nullptr) return -1;
  long n = 0;
  char line[512];
  while (std::fgets(line, sizeof(line), f) != nullptr) {
    unsigned local_port = 0, remote_port = 0, state = 0;
    if (std::sscanf(line, " %*d: %*8s:%x %*8s:%x %x", &local_port, &remote_port, &state) != 3) {
      continue;  // the header line
    }
    if (state != 0x0A && (local_port == static_cast<unsigned>(port) ||
                          remote_port == static_cast<unsigned>(port))) {
      ++n;
    }
  }
  std::fclose(f);
  return n;
}

long Match(const std::string& text, const std::string& pattern, long absent) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex(pattern))) return absent;
  return std::stol(m[1].str());
}

class HelloHttpWrkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    wrk_ = peers::FindBinary("wrk");
    curl_ = peers::FindBinary("curl");
    ASSERT_FALSE(wrk_.empty())
        << "wrk is not on PATH nor in /usr/bin: install Debian's wrk (tools/bazel does)";
    ASSERT_FALSE(curl_.empty())
        << "curl is not on PATH nor in /usr/bin: install Debian's curl (tools/bazel does)";
    for (int attempt = 0; attempt < 3; ++attempt) {
      // The port may be taken between FreePort() and the example's bind: try again.
      port_ = peers::FreePort();
      ASSERT_GT(port_, 0);
      ASSERT_TRUE(server_.Start({peers::Runfile("examples/hello_http"), "--host", "127.0.0.1",
                                 "--port", std::to_string(port_), "--threads", "1"}));
      std::string line = server_.ReadLine(10000);
      if (line == "listening on 127.0.0.1:" + std::to_string(port_) + "\n") break;
      std::fprintf(stderr, "hello_http printed \"%s\"\n", line.c_str());
      server_.Kill();
    }
    ASSERT_TRUE(server_.Running()) << "examples/hello_http did not print \"listening on\"";
    url_ = "http://127.0.0.1:" + std::to_string(port_) + "/";
  }

  void TearDown() override {
    // It stops only by a signal; SIGTERM's default action ends it.
    server_.Stop(SIGTERM, 5000);
  }

  std::string wrk_, curl_, url_;
  int port_ = -1;
  peers::Process server_;
};

TEST_F(HelloHttpWrkTest, GetRootAnswers200HelloWorldAsTextPlain) {
  peers::RunResult r =
      peers::Run({curl_, "-q", "--noproxy", "*", "--max-time", "10", "-sS", "-i", url_}, 15000);
  ASSERT_TRUE(r.ok()) << r.Describe();
  size_t end = r.out.find("\r\n\r\n");
  ASSERT_NE(end, std::string::npos) << r.out;
  std::string head = r.out.substr(0, end + 2);
  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << head;
  EXPECT_NE(head.find("\r\nContent-Type: text/plain\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("\r\nContent-Length: 13\r\n"), std::string::npos) << head;
  EXPECT_EQ(r.out.substr(end + 4), "Hello, World!");
}

TEST_F(HelloHttpWrkTest, Serves64KeptAliveConnectionsForThreeSecondsWithoutErrors) {
  std::string script = peers::MakeTempDir("wrk") + "/check.lua";
  ASSERT_TRUE(peers::WriteFile(script, kScript));
  const long sockets_before = TcpSocketsOnPort(port_);
  ASSERT_GE(sockets_before, 0) << "cannot read /proc/net/tcp";
  peers::RunResult r =
      peers::Run({wrk_, "-t1", "-c" + std::to_string(kConnections),
                  "-d" + std::to_string(kSeconds) + "s", "--timeout", "2s", "-s", script, url_},
                 (kSeconds + 15) * 1000);
  std::printf("%s", r.out.c_str());
  ASSERT_TRUE(r.ok()) << r.Describe();

  // wrk's own summary; the "Socket errors" and "Non-2xx or 3xx" lines appear only
  // when there are some.
  long requests = Match(r.out, R"((\d+) requests in )", -1);
  EXPECT_GT(requests, kMinRequests) << r.out;
  EXPECT_EQ(r.out.find("Socket errors:"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("Non-2xx or 3xx responses:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(std::to_string(kConnections) + " connections"), std::string::npos) << r.out;

  // The script's counts: every response 2xx with the example's body.
  long responses = Match(r.out, R"(lua: responses=(\d+))", -1);
  EXPECT_EQ(responses, requests) << r.out;
  EXPECT_EQ(Match(r.out, R"(lua: .* non2xx=(\d+))", -1), 0) << r.out;
  EXPECT_EQ(Match(r.out, R"(lua: .* wrong=(\d+))", -1), 0) << r.out;
  // Kept alive: every response says so, and no more connections than wrk's 64 were
  // made (a connection the server closes stays listed in TIME_WAIT for a minute: a
  // server that closed after each response would show about one per request).
  EXPECT_EQ(Match(r.out, R"(lua: .* closing=(\d+))", -1), 0) << r.out;
  const long sockets = TcpSocketsOnPort(port_) - sockets_before;
  std::printf("tcp sockets on the port after the run: %ld\n", sockets);
  EXPECT_LE(sockets, 2 * kConnections) << "connections were not kept: " << sockets
                                       << " sockets on the port for " << requests << " requests";
  for (const char* error : {"connect", "read", "write", "status", "timeout"}) {
    EXPECT_EQ(Match(r.out, std::string("summary: .* ") + error + R"(=(\d+))", -1), 0)
        << error << " errors\n"
        << r.out;
  }
  EXPECT_TRUE(server_.Running()) << "examples/hello_http died under wrk";
}

}  // namespace
