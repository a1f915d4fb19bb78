// nginx as a reverse proxy in front of a real http::Server, its upstream
// connections kept alive: thousands of GETs and POSTs (bodies of random sizes up
// to 256 KiB, Content-Length and chunked) over several client connections at once,
// every response checked byte for byte, and the upstream connections reused. HEADs
// are among them: nothing may follow their heads, or the kept-alive upstream
// connection would be out of step.
//
// The server runs in this process (one loop on 127.0.0.1). nginx (Debian's
// nginx-light) runs as a child with its own prefix, configuration, pid file, logs
// and temporary folders in this test's folder. It runs as a single process
// (master_process off): no worker to outlive the test if the test is killed, and
// no switch to the `nobody` user, which could not reach a test folder under a
// private home directory. Its HTTP proxying is the same as a worker's.
//
// Two locations pass to the same upstream:
//   /buffered/  nginx's defaults: it reads each request body whole before passing
//               it on with a Content-Length, and buffers responses (to temporary
//               files past its memory buffers).
//   /streamed/  proxy_request_buffering and proxy_buffering off: request bodies
//               pass as they arrive (chunked upstream when the client chunked),
//               responses likewise.
// The server's routes, under either prefix:
//   GET  gen?n=N&seed=S  N bytes derived from S; odd seeds as several write()s
//                        (chunked), even ones in one end() (Content-Length).
//                        HEAD too: the same calls, no body on the wire.
//   POST echo            the body, once it is whole, in one end().
//   POST echo-stream     each piece of the body written back as it arrives.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "http/server.h"
#include "tests/peers/peer_util.h"

namespace {

constexpr int kClients = 8;              // client connections to nginx, in parallel
constexpr int kRequestsPerClient = 250;  // 2,000 in all
constexpr int kUpstreamKeepalive = 16;   // nginx's idle upstream connection cache
constexpr size_t kMaxBody = 256 * 1024;
constexpr int kRunDeadlineMs = 20000;  // all requests, or the test fails
constexpr int kExchangeTimeoutMs = 10000;

// nginx's configuration; Config() fills in the @NAMES@.
constexpr char kConfig[] = R"conf(@USER@
master_process off;
pid @DIR@/nginx.pid;
error_log @ERROR_LOG@ warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path @DIR@/client_body_temp;
  proxy_temp_path @DIR@/proxy_temp;
  fastcgi_temp_path @DIR@/fastcgi_temp;
  uwsgi_temp_path @DIR@/uwsgi_temp;
  scgi_temp_path @DIR@/scgi_temp;
  client_max_body_size 1m;
  keepalive_requests 100000;
  upstream engine {
    server @UPSTREAM@;
    keepalive @KEEPALIVE@;
    keepalive_requests 100000;
  }
  server {
    listen @LISTEN@;
    location /buffered/ {
      proxy_pass http://engine;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
    location /streamed/ {
      proxy_pass http://engine;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_request_buffering off;
      proxy_buffering off;
    }
  }
}
)conf";

// The query parameter `name` of `url` as a number (0 when absent).
uint64_t Param(std::string_view url, std::string_view name) {
  size_t q = url.find('?');
  while (q != std::string_view::npos) {
    size_t start = q + 1;
    if (url.substr(start, name.size()) == name && url.substr(start + name.size(), 1) == "=") {
      return std::strtoull(std::string(url.substr(start + name.size() + 1)).c_str(), nullptr, 10);
    }
    q = url.find('&', start);
  }
  return 0;
}

bool EndsWith(std::string_view path, std::string_view suffix) {
  return path.size() >= suffix.size() && path.substr(path.size() - suffix.size()) == suffix;
}

class NginxProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    nginx_ = peers::FindBinary("nginx");
    ASSERT_FALSE(nginx_.empty()) << "nginx is not on PATH nor in /usr/sbin: install Debian's "
                                    "nginx-light (tools/bazel does)";
    StartServer();
    if (HasFatalFailure()) return;
    StartNginx();
  }

  void TearDown() override {
    if (nginx_process_.pid() > 0) {
      int status = nginx_process_.Stop(SIGTERM, 5000);
      EXPECT_NE(status, -1) << "nginx did not stop on SIGTERM within 5 s; killed";
    }
    if (server_) {
      server_->close();
      server_->join();
    }
  }

  void StartServer() {
    server_ = http::createServer(
        [this](http::IncomingMessage& req, http::ServerResponse& res) { Handle(req, res); });
    server_->on<"connection">([this](http::Socket&) { ++connections_; });
    server_->on<"clientError">([this](const http::ClientError& e, http::Socket& socket) {
      Problem("clientError " + e.code + ": " + e.message);
      socket.destroy();
    });
    server_->listen(0, "127.0.0.1", 1);
    ASSERT_TRUE(server_->listening());
  }

  void Handle(http::IncomingMessage& req, http::ServerResponse& res) {
    ++requests_;
    std::string_view url = req.url;
    std::string_view path = url.substr(0, url.find('?'));
    res.setHeader("Content-Type", "application/octet-stream");
    if ((req.method == "GET" || req.method == "HEAD") && EndsWith(path, "/gen")) {
      uint64_t seed = Param(url, "seed");
      std::string body = peers::PseudoRandomBytes(Param(url, "n"), seed);
      if (seed % 2 == 1) {
        for (size_t at = 0; at < body.size(); at += 16 * 1024) {
          res.write(std::string_view(body).substr(at, 16 * 1024));
        }
        res.end();
      } else {
        res.end(std::move(body));
      }
      return;
    }
    if (req.method == "POST" && EndsWith(path, "/echo")) {
      auto body = std::make_shared<std::string>();
      req.on<"data">([body](std::string_view chunk) { body->append(chunk); });
      req.on<"end">([body, &res] {
        res.setHeader("X-Body-Length", static_cast<int64_t>(body->size()));
        res.end(std::move(*body));
      });
      return;
    }
    if (req.method == "POST" && EndsWith(path, "/echo-stream")) {
      req.on<"data">([&res](std::string_view chunk) { res.write(chunk); });
      req.on<"end">([&res] { res.end(); });
      return;
    }
    Problem("unexpected request " + std::string(req.method) + " " + std::string(url));
    res.statusCode = 404;
    res.end();
  }

  void StartNginx() {
    dir_ = peers::MakeTempDir("nginx");
    ASSERT_FALSE(dir_.empty());
    error_log_ = dir_ + "/error.log";
    int status = -1;
    for (int attempt = 0; attempt < 3; ++attempt) {
      // The port may be taken between FreePort() and nginx's bind: try again.
      port_ = peers::FreePort();
      ASSERT_GT(port_, 0);
      unlink(error_log_.c_str());  // only this attempt's lines are checked at the end
      std::string conf = dir_ + "/nginx.conf";
      ASSERT_TRUE(peers::WriteFile(conf, Config()));
      ASSERT_TRUE(nginx_process_.Start(
          {nginx_, "-p", dir_ + "/", "-c", conf, "-e", error_log_, "-g", "daemon off;"}));
      int64_t deadline = peers::NowMs() + 10000;
      while (peers::NowMs() < deadline && nginx_process_.Running()) {
        if (peers::Accepts(port_)) return;
        usleep(20000);
      }
      status = nginx_process_.Stop(SIGTERM, 2000);
    }
    FAIL() << "nginx (" << nginx_ << ") did not start (wait status " << status
           << "); its error log:\n"
           << peers::ReadFile(error_log_);
  }

  // nginx.conf: kConfig with its @NAMES@ replaced.
  std::string Config() const {
    std::string conf = kConfig;
    auto replace = [&conf](const std::string& name, const std::string& value) {
      for (size_t at; (at = conf.find(name)) != std::string::npos;) {
        conf.replace(at, name.size(), value);
      }
    };
    // As root, nginx would still chown its temporary folders to `nobody`, which a
    // sandbox's user namespace may not map (chown fails with EINVAL): name root.
    // Otherwise the directive is left out, as it means nothing without root.
    replace("@USER@", geteuid() == 0 ? "user root;" : "");
    replace("@DIR@", dir_);
    replace("@ERROR_LOG@", error_log_);
    replace("@LISTEN@", "127.0.0.1:" + std::to_string(port_));
    replace("@UPSTREAM@", "127.0.0.1:" + std::to_string(server_->port()));
    replace("@KEEPALIVE@", std::to_string(kUpstreamKeepalive));
    return conf;
  }

  void Problem(std::string what) {
    std::lock_guard<std::mutex> lock(mu_);
    ++problems_;
    if (first_problems_.size() < 10) first_problems_.push_back(std::move(what));
  }

  // One client connection: `kRequestsPerClient` random requests, each checked.
  void Client(int id, int64_t deadline) {
    std::mt19937_64 rng(1000 + id);
    auto uniform = [&rng](uint64_t lo, uint64_t hi) {  // [lo, hi]
      return std::uniform_int_distribution<uint64_t>(lo, hi)(rng);
    };
    peers::HttpClient client;
    for (int i = 0; i < kRequestsPerClient; ++i) {
      if (peers::NowMs() > deadline) {
        Problem("client " + std::to_string(id) + " ran out of time after " + std::to_string(i) +
                " requests");
        return;
      }
      if (!client.connected() && !client.Connect(port_, 5000)) {
        Problem("client " + std::to_string(id) + ": " + client.error());
        return;
      }
      std::string prefix = uniform(0, 1) ? "/buffered/" : "/streamed/";
      // Half the sizes small, half up to kMaxBody.
      size_t size = uniform(0, 1) ? uniform(0, 4095) : uniform(4096, kMaxBody);
      uint64_t seed = uniform(1, 1u << 30);
      uint64_t kind = uniform(0, 9);  // 0-2 GET, 3 HEAD, 4-6 echo, 7-9 echo-stream
      std::string head, body, expected;
      size_t chunk = 0;
      if (kind < 4) {
        head = std::string(kind < 3 ? "GET " : "HEAD ") + prefix + "gen?n=" + std::to_string(size) +
               "&seed=" + std::to_string(seed) + " HTTP/1.1\r\n";
        if (kind < 3) expected = peers::PseudoRandomBytes(size, seed);
      } else {
        head = "POST " + prefix + (kind < 7 ? "echo" : "echo-stream") + " HTTP/1.1\r\n";
        body = peers::PseudoRandomBytes(size, seed);
        expected = body;
        if (uniform(0, 1)) chunk = uniform(1000, 70000);
      }
      head +=
          "Host: peers.test\r\nX-Client: " + std::to_string(id) + "-" + std::to_string(i) + "\r\n";
      peers::Response response;
      std::string what = "client " + std::to_string(id) + " request " + std::to_string(i) + " (" +
                         head.substr(0, head.find('\r')) + ", " + std::to_string(size) + " bytes" +
                         (chunk ? ", chunked" : "") + "): ";
      int timeout =
          static_cast<int>(std::clamp<int64_t>(deadline - peers::NowMs(), 1, kExchangeTimeoutMs));
      bool ok = client.Exchange(head, body, chunk, timeout, &response);
      if (!ok) {
        Problem(what + client.error());
        client.Close();
        continue;
      }
      ++responses_;
      if (response.status != 200) {
        Problem(what + "status " + std::to_string(response.status) + ", body " +
                response.body.substr(0, 200));
      } else if (response.body.size() != expected.size()) {
        Problem(what + "body of " + std::to_string(response.body.size()) + " bytes, expected " +
                std::to_string(expected.size()));
      } else if (response.body != expected) {
        auto diff = std::mismatch(expected.begin(), expected.end(), response.body.begin());
        Problem(what + "body differs from byte " + std::to_string(diff.first - expected.begin()));
      } else {
        ++good_;
        bytes_ += expected.size() + body.size();
      }
      if (response.close) client.Close();
    }
  }

  std::string nginx_, dir_, error_log_;
  int port_ = -1;
  peers::Process nginx_process_;
  std::unique_ptr<http::Server> server_;
  std::atomic<int> connections_{0}, requests_{0}, responses_{0}, good_{0};
  std::atomic<uint64_t> bytes_{0};
  std::mutex mu_;
  int problems_ = 0;
  std::vector<std::string> first_problems_;
};

TEST_F(NginxProxyTest, ThousandsOfRequestsThroughNginxArriveIntactOnReusedUpstreamConnections) {
  if (HasFatalFailure()) return;
  constexpr int kRequests = kClients * kRequestsPerClient;
  int64_t start = peers::NowMs();
  int64_t deadline = start + kRunDeadlineMs;
  std::vector<std::thread> clients;
  for (int id = 0; id < kClients; ++id)
    clients.emplace_back([this, id, deadline] { Client(id, deadline); });
  for (std::thread& t : clients) t.join();
  int64_t elapsed = peers::NowMs() - start;
  std::printf("%d requests through nginx in %lld ms, %.1f MiB of bodies; %d upstream connections\n",
              responses_.load(), static_cast<long long>(elapsed), bytes_.load() / 1048576.0,
              connections_.load());

  std::string problems;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const std::string& p : first_problems_) problems += "  " + p + "\n";
    EXPECT_EQ(problems_, 0) << "first problems:\n" << problems;
  }
  EXPECT_EQ(good_.load(), kRequests) << "responses with status 200 and the expected body";
  EXPECT_EQ(requests_.load(), kRequests) << "requests the server saw";
  // nginx opens an upstream connection only when none is idle: at most one per
  // client connection in flight, each kept for the next request.
  EXPECT_GE(connections_.load(), 1);
  EXPECT_LE(connections_.load(), kClients + kUpstreamKeepalive)
      << "nginx did not reuse its upstream connections";

  // nginx itself saw no upstream trouble ("upstream prematurely closed connection",
  // "upstream sent invalid chunked response", ...): nothing at [error] or worse.
  std::string log = peers::ReadFile(error_log_);
  // Warnings are expected: bodies past nginx's memory buffers go to temporary files.
  size_t temp_files = 0, other_warnings = 0;
  for (size_t at = 0, eol; at < log.size(); at = eol + 1) {
    eol = log.find('\n', at);
    if (eol == std::string::npos) eol = log.size();
    std::string_view line(log.data() + at, eol - at);
    if (line.find("[warn]") == std::string_view::npos) continue;
    if (line.find("buffered to a temporary file") != std::string_view::npos) {
      ++temp_files;
    } else if (other_warnings++ < 5) {
      std::printf("nginx: %.*s\n", static_cast<int>(line.size()), line.data());
    }
  }
  std::printf("nginx buffered %zu bodies to temporary files; %zu other warnings\n", temp_files,
              other_warnings);
  for (const char* level : {"[error]", "[crit]", "[alert]", "[emerg]"}) {
    EXPECT_EQ(log.find(level), std::string::npos) << "nginx's error log:\n" << log;
  }
}

}  // namespace
