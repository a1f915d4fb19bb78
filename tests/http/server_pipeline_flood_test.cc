// A peer that pipelines far more requests than it reads responses (http/
// server_connection.h, "Backpressure"): the requests the server holds at once stay
// bounded by ServerConnection::kMaxLive, whatever the responses' size, and none is
// lost: once the peer reads, every request it sent is answered, in order.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <string>
#include <thread>

#include "http/server.h"
#include "http/server_connection.h"
#include "tests/http/loopback.h"

namespace {

using Clock = std::chrono::steady_clock;

class PipelineFlood : public http_test::LoopbackTest {};

TEST_F(PipelineFlood, RequestsHeldAtOnceStayBoundedAndEveryOneIsAnsweredOnceThePeerReads) {
  // On the loop thread: requests emitted, responses handed to the kernel ('finish'),
  // and the most requests ever held between the two.
  int emitted = 0;
  int finished = 0;
  std::atomic<int> most_held{0};
  std::atomic<int> total{0};
  Start([&](http::IncomingMessage& req, http::ServerResponse& res) {
    ++emitted;
    most_held = std::max(most_held.load(), emitted - finished);
    total = emitted;
    res.on<"finish">([&] { ++finished; });
    res.end(req.url);  // small responses: the byte bound alone would allow thousands
  }, [](http::Server& s) { s.keepAliveTimeout = 1000; });
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int small = 16384;  // a small window: the kernel's share of the backlog stays small
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(server_->port());
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  fcntl(fd, F_SETFL, O_NONBLOCK);

  // Pipeline requests, reading nothing, until the server has stopped taking them
  // for half a second.
  std::string batch;
  for (int i = 0; i < 100; ++i) batch += "GET /r HTTP/1.1\r\nHost: a\r\n\r\n";
  size_t sent = 0;
  size_t at = 0;  // into batch
  Clock::time_point last_progress = Clock::now();
  while (Clock::now() - last_progress < std::chrono::milliseconds(500) &&
         sent < batch.size() * 5000) {
    ssize_t n = send(fd, batch.data() + at, batch.size() - at, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      at = (at + static_cast<size_t>(n)) % batch.size();
      last_progress = Clock::now();
    } else {
      ASSERT_TRUE(errno == EAGAIN || errno == EWOULDBLOCK) << errno;
      pollfd p{fd, POLLOUT, 0};
      poll(&p, 1, 50);
    }
  }
  // Whole requests only: the one cut short is finished while the peer reads (below),
  // so that each request sent is answered.
  const size_t request_size = batch.size() / 100;
  size_t partial = sent % request_size;
  std::string rest = batch.substr(at, partial == 0 ? 0 : request_size - partial);
  size_t requests = (sent + rest.size()) / request_size;
  std::printf("%zu requests sent before the server stopped reading; %d emitted; at most %d held\n",
              requests, total.load(), most_held.load());
  EXPECT_LT(static_cast<size_t>(total.load()), requests) << "the server never stopped reading";
  EXPECT_LE(most_held.load(), static_cast<int>(http::ServerConnection::kMaxLive));

  // A connection whose requests wait unparsed is not idle: it outlasts the keep-alive
  // timeout while the peer does not read.
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));

  // Now the peer reads: every request it sent is answered, in order.
  const std::string response =
      "HTTP/1.1 200 OK\r\nDate: DATE\r\nConnection: keep-alive\r\nKeep-Alive: timeout=1\r\n"
      "Content-Length: 2\r\n\r\n/r";
  std::string in;
  size_t answered = 0;
  char buf[65536];
  Clock::time_point deadline = Clock::now() + std::chrono::seconds(60);
  while (answered < requests && Clock::now() < deadline) {
    if (!rest.empty()) {
      ssize_t n = send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
      if (n > 0) rest.erase(0, static_cast<size_t>(n));
    }
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    ASSERT_GT(n, 0) << "the server closed after " << answered << " responses";
    in.append(buf, static_cast<size_t>(n));
    // Whole responses, each compared (the Date value normalised).
    for (;;) {
      size_t end = in.find("\r\n\r\n");
      if (end == std::string::npos || in.size() < end + 4 + 2) break;
      ASSERT_EQ(NormaliseDate(in.substr(0, end + 6)), response) << "response " << answered;
      in.erase(0, end + 6);
      ++answered;
    }
  }
  EXPECT_EQ(answered, requests);
  EXPECT_EQ(in, "");
  EXPECT_EQ(total.load(), static_cast<int>(requests));
  close(fd);
}

// The request that reaches kMaxLive ends the parse, unless it is an upgrade: then the
// socket is handed over as ever ('upgrade' is emitted), and with no listener to take
// it, nothing after it is read as HTTP.
std::string Pipelined(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += "GET /r HTTP/1.1\r\nHost: a\r\n\r\n";
  return out;
}

TEST_F(PipelineFlood, AnUpgradeThatReachesTheLimitIsStillHandedOver) {
  std::atomic<int> upgrades{0};
  std::atomic<int> requests{0};
  Start(
      [&](http::IncomingMessage&, http::ServerResponse& res) {
        ++requests;
        res.end("ok");
      },
      [&](http::Server& s) {
        s.on<"upgrade">([&](http::IncomingMessage&, http::Socket& socket, std::string_view) {
          ++upgrades;
          socket.end("upgraded");
        });
      });
  int fd = ConnectNoDelay();
  const int before = static_cast<int>(http::ServerConnection::kMaxLive) - 1;
  Send(fd, Pipelined(before) +
               "GET /up HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\n");
  std::string in = Read(fd, 2000);
  EXPECT_EQ(Count(in, "HTTP/1.1 200 OK"), before);
  EXPECT_EQ(requests.load(), before);
  EXPECT_EQ(upgrades.load(), 1);
  EXPECT_NE(in.find("upgraded<closed>"), std::string::npos);
  close(fd);
}

TEST_F(PipelineFlood, AfterAnUpgradeNobodyTakesAtTheLimitNothingIsRead) {
  std::atomic<int> requests{0};
  Start([&](http::IncomingMessage&, http::ServerResponse& res) {
    ++requests;
    res.end("ok");
  });
  int fd = ConnectNoDelay();
  const int before = static_cast<int>(http::ServerConnection::kMaxLive) - 1;
  // v12 serves an Upgrade nobody takes as a request, and ignores what follows it.
  Send(fd, Pipelined(before) +
               "GET /up HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\n" +
               Pipelined(3));
  std::string in = Read(fd, 1000);
  EXPECT_EQ(Count(in, "HTTP/1.1 200 OK"), before + 1);
  EXPECT_EQ(requests.load(), before + 1);
  close(fd);
}

}  // namespace
