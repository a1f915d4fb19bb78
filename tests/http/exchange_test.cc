// The receive-buffer rule for requests (http/exchange.h), end to end, on a server
// whose loop has a ring of 8 receive buffers and no overflow memory: if the server
// kept a buffer while a connection waits on its peer or its handler, far more such
// connections than buffers would hold the ring dry and stop the loop. For every kind
// of waiting connection: a good client is served throughout, every connection is
// answered once it completes its message, and once the peers leave, every socket of
// theirs is closed at once (within 3 s, a bound for a loaded machine: before any
// timer of theirs would, the keep-alive's 5 s being the first).
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http/server.h"
#include "tests/http/loopback.h"

namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr uint32_t kRingBuffers = 8;
constexpr int kWaiting = 8 * kRingBuffers;  // far more connections than buffers

// A server with a small ring, and what the tests need to watch it.
class SmallRingTest : public http_test::LoopbackTest {
 protected:
  static http::ServerOptions SmallRing(size_t overflow_bytes = 0) {
    http::ServerOptions o;
    o.recvBuffers = kRingBuffers;
    o.recvBufferSize = 4096;
    o.recvOverflowBytes = overflow_bytes;  // 0: a ring held dry would stay dry
    return o;
  }

  // Counts the server's sockets as they open and close, on the loop thread.
  void CountCloses(http::Server& s) {
    s.on<"connection">([this](http::Socket& socket) {
      socket.on<"close">([this](bool) { ++closed_; });
      ++opened_;
    });
  }
  // Waits up to `ms` for `done()`; returns its last value.
  static bool WaitUntil(const std::function<bool()>& done, int ms) {
    auto deadline = steady_clock::now() + milliseconds(ms);
    while (!done() && steady_clock::now() < deadline) std::this_thread::sleep_for(milliseconds(5));
    return done();
  }

  // Runs `fn` on the socket's loop once the test sets released_ (looked at every
  // 20 ms), as a handler that waits on something slow (a database, an upstream).
  // Dropped if the socket closes first.
  void WhenReleased(http::Socket& socket, std::function<void()> fn) {
    if (released_) {
      fn();
      return;
    }
    socket.runAfter(20, [this, &socket, fn = std::move(fn)]() mutable {
      WhenReleased(socket, std::move(fn));
    });
  }

  // The server's receive memory once at most `ring_in_use` buffers are referenced, or
  // as it is after 2 s.
  http::Server::RecvMemory SettledRecvMemory(uint64_t ring_in_use) {
    http::Server::RecvMemory m = server_->recvMemory();
    for (int waited = 0; waited < 2000 && m.ringInUse > ring_in_use; waited += 5) {
      std::this_thread::sleep_for(milliseconds(5));
      m = server_->recvMemory();
    }
    return m;
  }

  // A good client on a fresh connection is answered at once.
  void ExpectGoodClientServed(const char* when) {
    int fd = ConnectNoDelay();
    Send(fd, "GET /good HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string got = ReadUntil(fd, "\r\n\r\ngood");
    EXPECT_NE(got.find("\r\n\r\ngood"), std::string::npos) << "good client not served " << when;
    close(fd);
  }

  std::atomic<bool> released_{false};
  std::atomic<int> requests_{0};  // requests that reached the handler, but /good
  std::atomic<int> opened_{0};
  std::atomic<int> closed_{0};
};

enum class Kind {
  kHead, kBody, kChunked, kPaused, kLongPoll, kUpgrade, kExpect, kTrailers, kBodyUnread,
  kSmallChunksPaused, kHeadLongPoll, kPipelined, kPipelinedPausedSocket
};

struct Case {
  Kind kind;
  const char* name;
  std::string first;   // sent, then the connection waits
  std::string second;  // completes the message
  std::string answer;  // what the response ends with
  int answers = 1;     // how many responses end so
};

std::string SmallChunks(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += "1\r\nc\r\n";
  return s;
}

std::vector<Case> Cases() {
  const std::string get = "GET /w HTTP/1.1\r\nHost: x\r\n\r\n";
  return {
      {Kind::kHead, "PartialHead", "GET /w HTTP/1.1\r\nHost: x\r\nX-A: 1", "\r\n\r\n",
       "\r\n\r\nok /w"},
      {Kind::kBody, "PartialBody",
       "POST /w HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n0123456789", "abcdefghij",
       "\r\n\r\nbody 20"},
      {Kind::kChunked, "PartialChunkedBody",
       "POST /w HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1", "0\r\n"
       "0123456789abcdef\r\n0\r\n\r\n",
       "\r\n\r\nbody 21"},
      {Kind::kPaused, "PausedRequest",
       "POST /w HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n0123456789", "abcdefghij",
       "\r\n\r\nbody 20"},
      {Kind::kLongPoll, "LongPoll", get, "", "\r\n\r\nok /w"},
      {Kind::kUpgrade, "UpgradedSocket",
       "GET /w HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n", "ping",
       "\r\n\r\nping"},
      // The client sends its body once the 100 Continue has come.
      {Kind::kExpect, "ExpectContinue",
       "POST /w HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n", "body",
       "\r\n\r\nbody 4"},
      {Kind::kTrailers, "PartialTrailers",
       "POST /w HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: a",
       "b\r\nX-U: c\r\n\r\n", "\r\n\r\nbody 3 ab c"},
      {Kind::kBodyUnread, "BodyNeverRead",
       "POST /w HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n0123456789", "abcdefghij",
       "\r\n\r\nunread"},
      {Kind::kSmallChunksPaused, "ManySmallChunksPaused",
       "POST /w HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + SmallChunks(300),
       "0\r\n\r\n", "\r\n\r\nbody 300"},
      // HEAD: the response has no body, so the answer is the end of its head.
      {Kind::kHeadLongPoll, "HeadLongPoll", "HEAD /w HTTP/1.1\r\nHost: x\r\n\r\n", "",
       "Keep-Alive: timeout=5\r\n\r\n"},
      {Kind::kPipelined, "PipelinedLongPolls", get + get + get, "", "\r\n\r\nok /w", 3},
      {Kind::kPipelinedPausedSocket, "PipelinedLongPollsPausedSocket", get + get + get, "",
       "\r\n\r\nok /w", 3},
  };
}

// Kinds whose requests hold unread body chunks while they wait: those keep at most
// their loop's budget of buffers (a quarter of the ring, http/incoming_message.h).
bool HoldsBody(Kind kind) {
  return kind == Kind::kPaused || kind == Kind::kBodyUnread || kind == Kind::kSmallChunksPaused;
}

class ExchangeTest : public SmallRingTest, public ::testing::WithParamInterface<Case> {
 protected:
  // Reads the body; answers "body <bytes>", then the trailers' values.
  static void AnswerWithBody(http::IncomingMessage& req, http::ServerResponse& res) {
    auto bytes = std::make_shared<size_t>(0);
    req.on<"data">([bytes](std::string_view d) { *bytes += d.size(); });
    req.on<"end">([&req, &res, bytes] {
      std::string answer = "body " + std::to_string(*bytes);
      for (const auto& [name, value] : req.trailers().entries()) answer += " " + std::string(value);
      res.end(answer);
    });
  }
};

TEST_P(ExchangeTest, FarMoreWaitingConnectionsThanBuffersDoNotStopTheLoop) {
  const Case& c = GetParam();
  Start(
      [this, kind = c.kind](http::IncomingMessage& req, http::ServerResponse& res) {
        if (req.url == "/good") {
          res.end("good");
          return;
        }
        http::Socket& socket = *req.socket();
        switch (kind) {
          case Kind::kHead:
            res.end("ok " + std::string(req.url));
            break;
          case Kind::kLongPoll:
          case Kind::kHeadLongPoll:
          case Kind::kPipelined:
            WhenReleased(socket, [&req, &res] { res.end("ok " + std::string(req.url)); });
            break;
          case Kind::kPipelinedPausedSocket:
            // As a handler that stops reading its client while it waits.
            socket.pause();
            WhenReleased(socket, [&req, &res, &socket] {
              socket.resume();
              res.end("ok " + std::string(req.url));
            });
            break;
          case Kind::kPaused:
            req.pause();  // until the checks are made
            WhenReleased(socket, [&req] { req.resume(); });
            AnswerWithBody(req, res);
            break;
          case Kind::kSmallChunksPaused:
            req.pause();
            WhenReleased(socket, [&req] { req.resume(); });
            AnswerWithBody(req, res);
            break;
          case Kind::kBodyUnread:
            WhenReleased(socket, [&res] { res.end("unread"); });
            break;
          default:
            AnswerWithBody(req, res);
        }
      },
      [this](http::Server& s) {
        CountCloses(s);
        s.on<"upgrade">([](http::IncomingMessage&, http::Socket& socket, std::string_view) {
          socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\n\r\n");
          socket.on<"data">([&socket](std::string_view d) { socket.write(d); });
          // As in Node, an upgraded socket is half-open: its user ends it.
          socket.on<"end">([&socket] { socket.end(); });
        });
        s.on<"checkContinue">([this](http::IncomingMessage& req, http::ServerResponse& res) {
          AnswerWithBody(req, res);
          WhenReleased(*req.socket(), [&res] { res.writeContinue(); });
        });
      },
      SmallRing());

  std::vector<int> fds;
  for (int i = 0; i < kWaiting; ++i) {
    fds.push_back(ConnectNoDelay());
    Send(fds.back(), c.first);
  }
  // Every first part is with the server (received) before the checks.
  ASSERT_TRUE(WaitUntilServerReceived(fds)) << "first parts not received";
  ExpectGoodClientServed("while the others wait");
  // No receive buffer waits with them; held bodies keep at most their loop's budget.
  // (The good client's request keeps its buffer until its response's send completes:
  // the loop's next turn.)
  uint64_t bound = HoldsBody(c.kind) ? kRingBuffers / 4 : 0u;
  http::Server::RecvMemory waiting = SettledRecvMemory(bound);
  EXPECT_LE(waiting.ringInUse, bound);
  EXPECT_EQ(waiting.waiters, 0u);

  // Every waiting connection completes its message and is answered.
  released_ = true;
  auto answered_by = steady_clock::now() + milliseconds(3000);
  for (int fd : fds) {
    if (c.kind == Kind::kExpect) {
      std::string got = ReadUntil(fd, "HTTP/1.1 100 Continue\r\n\r\n", answered_by);
      EXPECT_NE(got.find("100 Continue"), std::string::npos) << got;
    }
    if (!c.second.empty()) Send(fd, c.second);
  }
  for (int i = 0; i < kWaiting; ++i) {
    std::string got = ReadUntil(fds[i], c.answer, answered_by, c.answers);
    EXPECT_EQ(Count(got, c.answer), c.answers) << "connection " << i << " got: " << got;
  }
  ExpectGoodClientServed("after the others were answered");

  // The peers leave: every socket of theirs closes, before any timeout.
  for (int fd : fds) close(fd);
  int expected = kWaiting + 2;
  WaitUntil([&] { return closed_ >= expected; }, 3000);
  EXPECT_EQ(opened_.load(), expected);
  EXPECT_EQ(closed_.load(), expected) << "sockets left open 3 s after their peers left";
  http::Server::RecvMemory after = SettledRecvMemory(0);
  EXPECT_EQ(after.ringInUse, 0u);
  EXPECT_EQ(after.overflowBytes, 0u);
}

INSTANTIATE_TEST_SUITE_P(EachWait, ExchangeTest, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return std::string(info.param.name); });

// One connection sends a head one short line per segment: no receive of it is kept
// while it waits for the next, so a ring of 8 buffers serves it and everyone else.
class ExchangeLines : public SmallRingTest {};

TEST_F(ExchangeLines, AHeadSentALinePerSegmentKeepsNoBuffer) {
  Start([](http::IncomingMessage& req, http::ServerResponse& res) {
    res.end(req.url == "/good" ? "good" : "lines " + std::to_string(req.rawHeaders().size()));
  },
        [this](http::Server& s) { CountCloses(s); }, SmallRing());
  int fd = ConnectNoDelay();
  Send(fd, "GET /lines HTTP/1.1\r\nHost: x\r\n");
  constexpr int kLines = 300;
  for (int i = 0; i < kLines; ++i) {
    Send(fd, "a: " + std::to_string(i % 10) + "\r\n");
    ASSERT_TRUE(WaitUntilServerReceived(fd)) << "line " << i;  // one receive each
    if (i % 100 == 99) ExpectGoodClientServed("while the head trickles in");
  }
  Send(fd, "\r\n");
  std::string want = "\r\n\r\nlines " + std::to_string(kLines + 1);
  EXPECT_NE(ReadUntil(fd, want).find(want), std::string::npos);
  close(fd);
  // What was copied is the head's fields: far below what keeping a 4 KiB buffer per
  // line would have pinned.
  EXPECT_LT(server_->copiedBytes(), 8u * 1024);
}

// Paused requests whose bodies span several receive buffers: the kernel completes
// several receives of a body at once, so pieces arrive after the handler paused. They
// are held within the body budget or copied, never kept in the ring for as long as
// the handler waits, so the ring serves everyone else. Without overflow memory 4 such
// requests would hold the ring dry; with 64 KiB of it, 16 use it up first.
class ExchangePaused : public SmallRingTest, public ::testing::WithParamInterface<size_t> {
 protected:
  void ExpectPausedBodiesKeepTheRingFree(bool pause_socket);
};

void ExchangePaused::ExpectPausedBodiesKeepTheRingFree(bool pause_socket) {
  const size_t overflow = GetParam();
  Start(
      [this, pause_socket](http::IncomingMessage& req, http::ServerResponse& res) {
        if (req.url == "/good") {
          res.end("good");
          return;
        }
        req.pause();  // the handler reads later (after a slow upstream)
        if (pause_socket) req.socket()->pause();
        auto bytes = std::make_shared<size_t>(0);
        req.on<"data">([bytes](std::string_view d) { *bytes += d.size(); });
        req.on<"end">([&res, bytes] { res.end("body " + std::to_string(*bytes)); });
        WhenReleased(*req.socket(), [&req, pause_socket] {
          if (pause_socket) req.socket()->resume();
          req.resume();
        });
        ++requests_;
      },
      {}, SmallRing(overflow));
  constexpr size_t kBody = 48 * 1024;
  const int clients = overflow == 0 ? 4 : 16;
  const std::string request = "POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                              std::to_string(kBody) + "\r\n\r\n" + std::string(kBody, 'b');
  std::vector<int> fds;
  std::vector<std::string> unsent;
  for (int i = 0; i < clients; ++i) {
    fds.push_back(ConnectNoDelay());
    // All at once, so that the body arrives as several receive completions together.
    // Non-blocking: what the kernel does not take now is sent once the handler reads.
    ssize_t n = send(fds.back(), request.data(), request.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    unsent.push_back(request.substr(n < 0 ? 0 : static_cast<size_t>(n)));
    // One request at a time: the next client sends once this one's is paused.
    ASSERT_TRUE(WaitUntil([&] { return requests_ > i; }, 10000)) << "request " << i;
  }
  ExpectGoodClientServed("while the paused requests wait");
  http::Server::RecvMemory waiting = SettledRecvMemory(kRingBuffers / 4);
  EXPECT_LE(waiting.ringInUse, kRingBuffers / 4);
  EXPECT_EQ(waiting.waiters, 0u);

  released_ = true;
  for (size_t i = 0; i < fds.size(); ++i) {
    if (!unsent[i].empty()) Send(fds[i], unsent[i]);
  }
  const std::string answer = "body " + std::to_string(kBody);
  auto answered_by = steady_clock::now() + milliseconds(5000);
  for (int fd : fds) {
    EXPECT_NE(ReadUntil(fd, answer, answered_by).find(answer), std::string::npos);
    close(fd);
  }
  http::Server::RecvMemory after = SettledRecvMemory(0);
  EXPECT_EQ(after.ringInUse, 0u);
}

TEST_P(ExchangePaused, PausedRequestsWithBodiesOfSeveralBuffersKeepTheRingFree) {
  ExpectPausedBodiesKeepTheRingFree(/*pause_socket=*/false);
}

// As a handler that waits for an upstream before it reads does (Node:
// req.socket.pause()): the socket is paused too.
TEST_P(ExchangePaused, PausedSocketsWithBodiesOfSeveralBuffersKeepTheRingFree) {
  ExpectPausedBodiesKeepTheRingFree(/*pause_socket=*/true);
}

INSTANTIATE_TEST_SUITE_P(OverflowBytes, ExchangePaused,
                         ::testing::Values(size_t{0}, size_t{64} << 10));

// A few clients pipeline one request per segment for responses they never read:
// their responses wait on them, so their requests must not keep receive buffers.
class ExchangePipelines : public SmallRingTest {};

TEST_F(ExchangePipelines, ClientsThatPipelineAndNeverReadKeepNoBuffer) {
  // Far more than the kernel's socket buffers hold: the sends stall.
  constexpr size_t kBody = 256 * 1024;
  auto body = std::make_shared<const std::string>(kBody, 'b');
  Start([body](http::IncomingMessage& req, http::ServerResponse& res) {
    if (req.url == "/good") {
      res.end("good");
      return;
    }
    res.end(body);
  },
        [this](http::Server& s) { CountCloses(s); }, SmallRing());
  constexpr int kClients = 4;
  constexpr int kRequests = 200;
  std::vector<int> fds;
  for (int i = 0; i < kClients; ++i) fds.push_back(ConnectNoDelay());
  // Each request is sent once the server has received the client's one before (a
  // receive each), until it stops reading that client: once a request stays unread
  // for 100 ms, the client's later ones go without waiting.
  std::vector<bool> read_on(kClients, true);
  for (int r = 0; r < kRequests; ++r) {
    for (int i = 0; i < kClients; ++i) {
      // Non-blocking: once the server stops reading a client, its sends would block.
      std::string req = "GET /p" + std::to_string(r) + " HTTP/1.1\r\nHost: x\r\n\r\n";
      send(fds[i], req.data(), req.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    for (int i = 0; i < kClients; ++i) {
      if (read_on[i]) read_on[i] = WaitUntilServerReceived(fds[i], 100);
    }
    if (r % 50 == 49) ExpectGoodClientServed("while clients pipeline without reading");
  }
  ExpectGoodClientServed("after the pipelines stopped");
  for (int fd : fds) close(fd);
}

// The same through backpressure at once: a client that pipelines a burst and does
// not read its responses is paused (ServerConnection::kMaxQueuedBytes), and the
// pieces of the burst that raced the pause must not keep ring buffers while it waits
// on its peer.
TEST_F(ExchangePipelines, ABurstFromPeersThatDoNotReadKeepsNoBuffer) {
  auto body = std::make_shared<const std::string>(64 * 1024, 'r');
  Start([this, body](http::IncomingMessage& req, http::ServerResponse& res) {
    if (req.url == "/good") {
      res.end("good");
      return;
    }
    ++requests_;
    res.end(body);
  },
        {}, SmallRing());
  std::string burst;
  for (int i = 0; i < 400; ++i) burst += "GET /p" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n";
  std::vector<int> fds;
  for (int i = 0; i < 3; ++i) {
    int fd = ConnectNoDelay();
    int small = 4096;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    send(fd, burst.data(), burst.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    fds.push_back(fd);
  }
  // Every client is paused once no request has reached the handler for 300 ms (long
  // beside the loop's turn, even on a loaded machine: a server that went on reading
  // would emit all 1200 well within the 10 s).
  int seen = -1;
  auto deadline = steady_clock::now() + milliseconds(10000);
  while (requests_ != seen && steady_clock::now() < deadline) {
    seen = requests_;
    std::this_thread::sleep_for(milliseconds(300));
  }
  EXPECT_LT(requests_.load(), 3 * 400) << "no client was paused";
  ExpectGoodClientServed("while peers that do not read are paused");
  http::Server::RecvMemory waiting = SettledRecvMemory(0);
  EXPECT_EQ(waiting.ringInUse, 0u);
  EXPECT_EQ(waiting.waiters, 0u);
  for (int fd : fds) close(fd);
}

// A client that pipelines requests to a handler that answers later, and resets the
// connection with a request partly sent: its socket closes, with every request of
// it, and the server goes on.
TEST_F(ExchangePipelines, AClientThatResetsMidPipelineLeavesNoSocketOpen) {
  Start([this](http::IncomingMessage& req, http::ServerResponse& res) {
    if (req.url == "/good") {
      res.end("good");
      return;
    }
    ++requests_;
    WhenReleased(*req.socket(), [&res] { res.end("late"); });
  },
        [this](http::Server& s) { CountCloses(s); }, SmallRing());
  std::string burst;
  for (int i = 0; i < 20; ++i) burst += "GET /w HTTP/1.1\r\nHost: x\r\n\r\n";
  burst += "GET /partial HTTP/1.1\r\nHo";
  constexpr int kClients = 4 * kRingBuffers;
  std::vector<int> fds;
  for (int i = 0; i < kClients; ++i) {
    fds.push_back(ConnectNoDelay());
    Send(fds.back(), burst);
  }
  // Reset once every client is mid-pipeline: its first request is with the handler.
  EXPECT_TRUE(WaitUntil([&] { return requests_ >= kClients; }, 2000)) << requests_;
  for (int fd : fds) Reset(fd);
  ExpectGoodClientServed("after the clients reset");
  released_ = true;
  EXPECT_TRUE(WaitUntil([&] { return closed_ >= kClients + 1; }, 3000))
      << closed_ << " of " << kClients + 1 << " sockets closed";
  http::Server::RecvMemory after = SettledRecvMemory(0);
  EXPECT_EQ(after.ringInUse, 0u);
  EXPECT_EQ(after.overflowBytes, 0u);
}

}  // namespace
