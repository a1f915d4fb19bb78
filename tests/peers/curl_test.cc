// curl against a real http::Server: keep-alive reuse (GET, HEAD, chunked POST),
// chunked uploads, Expect: 100-continue (with and without a 'checkContinue'
// listener) and a large response written on 'drain' to a slow reader, with every
// byte of every body checked.
//
// The server runs in this process (one loop on 127.0.0.1, an ephemeral port); curl
// runs as a child with a deadline. The server's handlers note what they saw (the
// framing headers, the body's length, the peer's port); the test compares those
// notes with what curl reports and with the files it sent and received.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "http/server.h"
#include "tests/http/loopback.h"
#include "tests/peers/peer_util.h"

namespace {

constexpr int kCurlTimeoutMs = 20000;

// What a handler saw of one request.
struct Seen {
  std::string method, url, transfer_encoding, content_length, expect;
  uint16_t remote_port = 0;
  size_t body_bytes = 0;
  bool via_check_continue = false;
};

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + needle.size())) {
    ++n;
  }
  return n;
}

class CurlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    curl_ = peers::FindBinary("curl");
    ASSERT_FALSE(curl_.empty())
        << "curl is not on PATH nor in /usr/bin: install Debian's curl (tools/bazel does)";
    dir_ = peers::MakeTempDir("curl");
    ASSERT_FALSE(dir_.empty());
  }

  void TearDown() override {
    if (server_) {
      server_->close();
      server_->join();
    }
  }

  using Handler = std::function<void(http::IncomingMessage&, http::ServerResponse&)>;

  // Starts the server with `handler` as its 'request' listener (Handle() when
  // empty); `setup` may add listeners before it listens.
  void StartServer(std::function<void(http::Server&)> setup = {}, Handler handler = {}) {
    if (!handler) {
      handler = [this](http::IncomingMessage& req, http::ServerResponse& res) {
        Handle(req, res, false);
      };
    }
    server_ = http::createServer(std::move(handler));
    server_->on<"connection">([this](http::Socket&) { ++connections_; });
    if (setup) setup(*server_);
    server_->listen(0, "127.0.0.1", 1);
    ASSERT_TRUE(server_->listening());
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }

  // GET (and HEAD): "hello <url>\n". Otherwise the request body comes back whole, with its
  // length in X-Body-Length.
  void Handle(http::IncomingMessage& req, http::ServerResponse& res, bool via_check_continue) {
    auto seen = std::make_shared<Seen>();
    seen->method = std::string(req.method);
    seen->url = std::string(req.url);
    seen->transfer_encoding = std::string(req.headers().get("transfer-encoding").value_or(""));
    seen->content_length = std::string(req.headers().get("content-length").value_or(""));
    seen->expect = std::string(req.headers().get("expect").value_or(""));
    seen->remote_port = req.socket()->remotePort();
    seen->via_check_continue = via_check_continue;
    if (req.method == "GET" || req.method == "HEAD") {
      Note(*seen);
      res.setHeader("Content-Type", "text/plain");
      res.end("hello " + seen->url + "\n");
      return;
    }
    auto body = std::make_shared<std::string>();
    req.on<"data">([body](std::string_view chunk) { body->append(chunk); });
    req.on<"end">([this, body, seen, &res] {
      seen->body_bytes = body->size();
      Note(*seen);
      res.setHeader("Content-Type", "application/octet-stream");
      res.setHeader("X-Body-Length", static_cast<int64_t>(body->size()));
      res.end(std::move(*body));
    });
  }

  void Note(const Seen& s) {
    std::lock_guard<std::mutex> lock(mu_);
    seen_.push_back(s);
  }
  std::vector<Seen> Notes() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

  // curl with `args`; -q first so that no ~/.curlrc applies, and no proxy from the
  // environment.
  peers::RunResult Curl(std::vector<std::string> args) {
    std::vector<std::string> all = {curl_, "-q", "--noproxy", "*", "--max-time", "15"};
    all.insert(all.end(), args.begin(), args.end());
    return peers::Run(all, kCurlTimeoutMs);
  }

  // A file of `n` pseudo-random bytes in this test's folder.
  std::string MakeBody(const std::string& name, size_t n, uint64_t seed, std::string* bytes) {
    *bytes = peers::PseudoRandomBytes(n, seed);
    std::string path = dir_ + "/" + name;
    EXPECT_TRUE(peers::WriteFile(path, *bytes));
    return path;
  }

  std::string curl_, dir_, base_;
  std::unique_ptr<http::Server> server_;
  std::atomic<int> connections_{0};
  std::mutex mu_;
  std::vector<Seen> seen_;
};

TEST_F(CurlTest, SeveralUrlsInOneInvocationShareOneConnection) {
  StartServer();
  if (HasFatalFailure()) return;
  constexpr int kUrls = 6;
  std::vector<std::string> args = {"-sS", "-v", "-w", "%{num_connects} %{http_code}\\n"};
  std::string expected;
  for (int i = 0; i < kUrls; ++i) {
    args.push_back(base_ + "/k/" + std::to_string(i));
    expected += "hello /k/" + std::to_string(i) + "\n" + (i == 0 ? "1" : "0") + " 200\n";
  }
  peers::RunResult r = Curl(args);
  ASSERT_TRUE(r.ok()) << r.Describe();
  // Bodies in order, and curl connected once: num_connects is 1, then 0.
  EXPECT_EQ(r.out, expected);
  EXPECT_EQ(Count(r.err, "Re-using existing connection"), size_t{kUrls - 1}) << r.err;
  EXPECT_EQ(Count(r.err, "Connection: keep-alive"), size_t{kUrls}) << r.err;

  std::vector<Seen> seen = Notes();
  ASSERT_EQ(seen.size(), size_t{kUrls});
  std::set<uint16_t> ports;
  for (int i = 0; i < kUrls; ++i) {
    EXPECT_EQ(seen[i].url, "/k/" + std::to_string(i));
    ports.insert(seen[i].remote_port);
  }
  EXPECT_EQ(ports.size(), 1u) << "the requests came from more than one client port";
  EXPECT_EQ(connections_.load(), 1);
}

// A HEAD response has no body although the handler passes one to end(): had any
// byte of it gone out, the GET after it on the same connection would be misread.
TEST_F(CurlTest, HeadAndGetRequestsAlternatingShareOneConnection) {
  StartServer();
  if (HasFatalFailure()) return;
  constexpr int kUrls = 6;
  std::vector<std::string> args;
  std::string expected;
  for (int i = 0; i < kUrls; ++i) {
    if (i > 0) args.push_back("--next");
    std::string path = "/m/" + std::to_string(i);
    std::string connects = i == 0 ? "1" : "0";
    args.push_back("-sS");
    if (i % 2 == 0) {
      args.insert(args.end(), {"-I", "-o", "/dev/null"});
      expected += "HEAD " + connects + " 200 0\n";
    } else {
      std::string body = "hello " + path + "\n";
      expected += body + "GET " + connects + " 200 " + std::to_string(body.size()) + "\n";
    }
    args.insert(args.end(),
                {"-w", "%{method} %{num_connects} %{http_code} %{size_download}\\n", base_ + path});
  }
  peers::RunResult r = Curl(args);
  ASSERT_TRUE(r.ok()) << r.Describe();
  EXPECT_EQ(r.out, expected);

  std::vector<Seen> seen = Notes();
  ASSERT_EQ(seen.size(), size_t{kUrls});
  std::set<uint16_t> ports;
  for (int i = 0; i < kUrls; ++i) {
    EXPECT_EQ(seen[i].method, i % 2 == 0 ? "HEAD" : "GET");
    ports.insert(seen[i].remote_port);
  }
  EXPECT_EQ(ports.size(), 1u);
  EXPECT_EQ(connections_.load(), 1);
}

// The handler writes 64 KiB at a time and waits for 'drain' whenever write() says
// the queue is full, while curl reads slowly: every byte arrives, in order, and
// every full write is followed by one 'drain'.
TEST_F(CurlTest, ResponseWrittenOnDrainReachesASlowReaderIntact) {
  constexpr size_t kBytes = 8 << 20;
  constexpr size_t kPiece = 64 * 1024;
  const std::string expected = peers::PseudoRandomBytes(kBytes, 7);
  std::atomic<int> drains{0}, full_writes{0};
  StartServer({}, [&](http::IncomingMessage&, http::ServerResponse& res) {
    auto sent = std::make_shared<size_t>(0);
    auto pump = std::make_shared<std::function<void()>>([&, sent, &res = res] {
      while (*sent < kBytes) {
        bool more = res.write(std::string_view(expected).substr(*sent, kPiece));
        *sent += kPiece;
        if (!more) {
          ++full_writes;
          return;  // 'drain' calls again
        }
      }
      res.end();
    });
    res.on<"drain">([&, pump] {
      ++drains;
      (*pump)();
    });
    (*pump)();
  });
  if (HasFatalFailure()) return;
  // curl writes the body to a pipe that this thread drains 64 KiB at a time every
  // few milliseconds: curl stops reading while the pipe is full, the socket's
  // buffers fill, and the server's sends wait (--limit-rate is too bursty for this).
  std::string head = dir_ + "/head";
  peers::Process curl;
  ASSERT_TRUE(curl.Start({curl_, "-q", "--noproxy", "*", "--max-time", "15", "-sS", "-D", head,
                          "-o", "-", base_ + "/big"}));
  std::string received;
  int64_t start = peers::NowMs();
  for (;;) {
    std::string piece = curl.ReadSome(64 * 1024, 10000);
    if (piece.empty()) break;
    received += piece;
    usleep(3000);
  }
  int status = curl.Wait(5000);
  std::printf("%zu bytes read slowly in %lld ms\n", received.size(),
              static_cast<long long>(peers::NowMs() - start));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "curl's wait status " << status;
  EXPECT_EQ(http_test::NormaliseDate(peers::ReadFile(head)),
            "HTTP/1.1 200 OK\r\nDate: DATE\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
            "Transfer-Encoding: chunked\r\n\r\n");
  EXPECT_EQ(received.size(), kBytes);
  EXPECT_TRUE(received == expected) << "the body differs from what was written";
  EXPECT_GT(full_writes.load(), 0);
  EXPECT_EQ(drains.load(), full_writes.load());
}

TEST_F(CurlTest, ChunkedUploadOfHundredsOfKiBArrivesIntactAndComesBack) {
  StartServer();
  if (HasFatalFailure()) return;
  std::string sent;
  std::string file = MakeBody("upload", 300 * 1024 + 17, 1, &sent);
  std::string out = dir_ + "/echo", head = dir_ + "/head";
  // "Expect:" keeps curl from adding Expect: 100-continue: this is plain chunking.
  peers::RunResult r =
      Curl({"-sS", "-H", "Transfer-Encoding: chunked", "-H", "Expect:", "--data-binary", "@" + file,
            "-o", out, "-D", head, "-w", "%{http_code} %{size_upload}", base_ + "/upload"});
  ASSERT_TRUE(r.ok()) << r.Describe();
  EXPECT_EQ(r.out.substr(0, 4), "200 ");
  // curl's count includes the chunk framing, so it exceeds the file.
  EXPECT_GT(std::stoll(r.out.substr(4)), static_cast<long long>(sent.size())) << r.out;
  std::string echoed = peers::ReadFile(out);
  EXPECT_EQ(echoed.size(), sent.size());
  EXPECT_TRUE(echoed == sent) << "the echoed body differs from the file sent";
  const std::string length = std::to_string(sent.size());
  EXPECT_EQ(http_test::NormaliseDate(peers::ReadFile(head)),
            "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nX-Body-Length: " + length +
                "\r\nDate: DATE\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
                "Content-Length: " + length + "\r\n\r\n");

  std::vector<Seen> seen = Notes();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].transfer_encoding, "chunked");
  EXPECT_EQ(seen[0].content_length, "");
  EXPECT_EQ(seen[0].expect, "");
  EXPECT_EQ(seen[0].body_bytes, sent.size());
}

TEST_F(CurlTest, ChunkedUploadsToSeveralUrlsShareOneConnection) {
  StartServer();
  if (HasFatalFailure()) return;
  constexpr int kUrls = 4;
  std::string sent;
  std::string file = MakeBody("upload", 96 * 1024 + 5, 2, &sent);
  std::vector<std::string> args = {"-sS",      "-H",      "Transfer-Encoding: chunked",
                                   "-H",       "Expect:", "--data-binary",
                                   "@" + file, "-w",      "%{num_connects} %{http_code}\\n"};
  std::string expected;
  for (int i = 0; i < kUrls; ++i) {
    args.push_back(base_ + "/u/" + std::to_string(i));
    args.push_back("-o");
    args.push_back(dir_ + "/echo" + std::to_string(i));
    expected += std::string(i == 0 ? "1" : "0") + " 200\n";
  }
  peers::RunResult r = Curl(args);
  ASSERT_TRUE(r.ok()) << r.Describe();
  EXPECT_EQ(r.out, expected);
  for (int i = 0; i < kUrls; ++i) {
    EXPECT_TRUE(peers::ReadFile(dir_ + "/echo" + std::to_string(i)) == sent)
        << "echo " << i << " differs from the file sent";
  }
  std::vector<Seen> seen = Notes();
  ASSERT_EQ(seen.size(), size_t{kUrls});
  std::set<uint16_t> ports;
  for (const Seen& s : seen) {
    EXPECT_EQ(s.transfer_encoding, "chunked");
    EXPECT_EQ(s.body_bytes, sent.size());
    ports.insert(s.remote_port);
  }
  EXPECT_EQ(ports.size(), 1u);
  EXPECT_EQ(connections_.load(), 1);
}

TEST_F(CurlTest, ExpectContinueIsAnsweredWith100AndTheBodyArrivesIntact) {
  StartServer();
  if (HasFatalFailure()) return;
  std::string sent;
  std::string file = MakeBody("upload", 512 * 1024 + 3, 3, &sent);
  std::string out = dir_ + "/echo";
  peers::RunResult r =
      Curl({"-sS", "-v", "--expect100-timeout", "5", "-H", "Expect: 100-continue", "--data-binary",
            "@" + file, "-o", out, "-w", "%{http_code}", base_ + "/expect"});
  ASSERT_TRUE(r.ok()) << r.Describe();
  EXPECT_EQ(r.out, "200");
  EXPECT_EQ(Count(r.err, "< HTTP/1.1 100 Continue"), 1u) << r.err;
  // curl gives up waiting for 100 after --expect100-timeout and sends anyway; it must
  // not have had to.
  EXPECT_EQ(Count(r.err, "Done waiting for 100-continue"), 0u) << r.err;
  EXPECT_TRUE(peers::ReadFile(out) == sent) << "the echoed body differs from the file sent";

  std::vector<Seen> seen = Notes();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].expect, "100-continue");
  EXPECT_EQ(seen[0].content_length, std::to_string(sent.size()));
  EXPECT_EQ(seen[0].body_bytes, sent.size());
  EXPECT_FALSE(seen[0].via_check_continue);
}

TEST_F(CurlTest, ChunkedUploadWithExpectContinueIsAnsweredWith100) {
  StartServer();
  if (HasFatalFailure()) return;
  std::string sent;
  std::string file = MakeBody("upload", 200 * 1024 + 9, 4, &sent);
  std::string out = dir_ + "/echo";
  peers::RunResult r = Curl({"-sS", "-v", "--expect100-timeout", "5", "-H", "Expect: 100-continue",
                             "-H", "Transfer-Encoding: chunked", "--data-binary", "@" + file, "-o",
                             out, "-w", "%{http_code}", base_ + "/expect-chunked"});
  ASSERT_TRUE(r.ok()) << r.Describe();
  EXPECT_EQ(r.out, "200");
  EXPECT_EQ(Count(r.err, "< HTTP/1.1 100 Continue"), 1u) << r.err;
  EXPECT_TRUE(peers::ReadFile(out) == sent) << "the echoed body differs from the file sent";
  std::vector<Seen> seen = Notes();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].transfer_encoding, "chunked");
  EXPECT_EQ(seen[0].body_bytes, sent.size());
}

TEST_F(CurlTest, CheckContinueListenerThatCallsWriteContinueGetsTheBody) {
  std::atomic<int> check_continue{0};
  std::atomic<int> request_events{0};
  StartServer([&](http::Server& s) {
    s.on<"request">([&](http::IncomingMessage&, http::ServerResponse&) { ++request_events; });
    s.on<"checkContinue">([&](http::IncomingMessage& req, http::ServerResponse& res) {
      ++check_continue;
      res.writeContinue();
      Handle(req, res, true);
    });
  });
  if (HasFatalFailure()) return;
  std::string sent;
  std::string file = MakeBody("upload", 384 * 1024 + 1, 5, &sent);
  std::string out = dir_ + "/echo";
  peers::RunResult r =
      Curl({"-sS", "-v", "--expect100-timeout", "5", "-H", "Expect: 100-continue", "--data-binary",
            "@" + file, "-o", out, "-w", "%{http_code}", base_ + "/check"});
  ASSERT_TRUE(r.ok()) << r.Describe();
  EXPECT_EQ(r.out, "200");
  EXPECT_EQ(Count(r.err, "< HTTP/1.1 100 Continue"), 1u) << r.err;
  EXPECT_TRUE(peers::ReadFile(out) == sent) << "the echoed body differs from the file sent";

  EXPECT_EQ(check_continue.load(), 1);
  // With a 'checkContinue' listener, 'request' is not emitted (v12).
  EXPECT_EQ(request_events.load(), 0);
  std::vector<Seen> seen = Notes();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_TRUE(seen[0].via_check_continue);
  EXPECT_EQ(seen[0].body_bytes, sent.size());
}

TEST_F(CurlTest, CheckContinueListenerThatAnswers417GetsNoBodyAndClosesTheConnection) {
  std::atomic<int> check_continue{0};
  StartServer([&](http::Server& s) {
    s.on<"checkContinue">([&](http::IncomingMessage&, http::ServerResponse& res) {
      ++check_continue;
      res.statusCode = 417;
      res.end("no thanks\n");
    });
  });
  if (HasFatalFailure()) return;
  std::string sent;
  std::string file = MakeBody("upload", 256 * 1024, 6, &sent);
  std::string out = dir_ + "/reply", head = dir_ + "/head";
  peers::RunResult r = Curl({"-sS", "-v", "--expect100-timeout", "5", "-H", "Expect: 100-continue",
                             "--data-binary", "@" + file, "-o", out, "-D", head, "-w",
                             "%{http_code} %{size_upload}", base_ + "/reject"});
  ASSERT_TRUE(r.ok()) << r.Describe();
  EXPECT_EQ(r.out, "417 0") << "curl sent body bytes after a final status";
  EXPECT_EQ(Count(r.err, "100 Continue"), 0u) << r.err;
  EXPECT_EQ(peers::ReadFile(out), "no thanks\n");
  // v12: a final status before writeContinue() ends keep-alive.
  EXPECT_NE(peers::ReadFile(head).find("Connection: close\r\n"), std::string::npos)
      << peers::ReadFile(head);
  EXPECT_EQ(check_continue.load(), 1);
}

}  // namespace
