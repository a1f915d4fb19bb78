// Server::shutdown() (a C++ addition, http/server.h): the close for a restart, where
// no client may see its request lost. After it, every request is its connection's
// last and is answered with Connection: close; an idle keep-alive connection is kept
// for the grace, so that a request already on its way is answered rather than met by
// a closed connection. Each connection ends with a FIN, never a reset.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <string>
#include <thread>

#include "http/server.h"
#include "tests/http/loopback.h"

namespace {

using Clock = std::chrono::steady_clock;

class ServerShutdown : public http_test::LoopbackTest {
 protected:
  // What the connection received until the server ended it, or 5 s passed; `end`
  // says how: "FIN" (recv returned 0), "RESET" (ECONNRESET), or "OPEN".
  static std::string ReadToEnd(int fd, std::string* end) {
    std::string out;
    char buf[65536];
    *end = "OPEN";
    Clock::time_point deadline = Clock::now() + std::chrono::seconds(5);
    while (Clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n > 0) {
        out.append(buf, static_cast<size_t>(n));
        continue;
      }
      *end = n == 0 ? "FIN" : (errno == ECONNRESET ? "RESET" : "ERROR");
      break;
    }
    return NormaliseDate(out);
  }

  // Waits (at most 5 s) for the close callback.
  static bool WaitFor(const std::atomic<bool>& flag) {
    Clock::time_point deadline = Clock::now() + std::chrono::seconds(5);
    while (!flag && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return flag;
  }

  std::atomic<int> requests_{0};
};

constexpr char kGet[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
constexpr char kKeptAlive[] =
    "HTTP/1.1 200 OK\r\nDate: DATE\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
    "Content-Length: 2\r\n\r\nok";
constexpr char kClosing[] =
    "HTTP/1.1 200 OK\r\nDate: DATE\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok";

TEST_F(ServerShutdown, AnIdleConnectionsNextRequestIsAnsweredWithCloseAndThenAFin) {
  Start([this](http::IncomingMessage&, http::ServerResponse& res) {
    ++requests_;
    res.end("ok");
  });
  int fd = Connect();
  Send(fd, kGet);
  EXPECT_EQ(NormaliseDate(ReadUntil(fd, "ok")), kKeptAlive);
  std::atomic<bool> closed{false};
  const http::Error* error = reinterpret_cast<const http::Error*>(1);
  server_->shutdown(5000, [&](const http::Error* e) {
    error = e;
    closed = true;
  });
  // The request a client sent as the shutdown began (here: after it) is answered.
  Send(fd, kGet);
  std::string end;
  EXPECT_EQ(ReadToEnd(fd, &end), kClosing);
  EXPECT_EQ(end, "FIN");
  close(fd);  // (the server lingers until the peer's FIN: engine/connection.h)
  EXPECT_TRUE(WaitFor(closed)) << "'close' did not follow once the last connection ended";
  EXPECT_EQ(error, nullptr);
  EXPECT_EQ(requests_, 2);
}

TEST_F(ServerShutdown, AConnectionThatStaysIdleEndsWhenTheGraceIsOverNotBefore) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) { res.end("ok"); });
  int fd = Connect();
  Send(fd, kGet);
  EXPECT_EQ(NormaliseDate(ReadUntil(fd, "ok")), kKeptAlive);
  int fresh = Connect();  // accepted, no request yet
  std::atomic<bool> closed{false};
  Clock::time_point began = Clock::now();
  server_->shutdown(400, [&](const http::Error*) { closed = true; });
  std::string end;
  EXPECT_EQ(ReadToEnd(fd, &end), "");
  EXPECT_EQ(end, "FIN");
  auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - began);
  // Timers never fire early; the upper bound is only against a hang.
  EXPECT_GE(waited.count(), 400);
  EXPECT_EQ(ReadToEnd(fresh, &end), "");
  EXPECT_EQ(end, "FIN");
  close(fd);
  close(fresh);
  EXPECT_TRUE(WaitFor(closed));
}

// A request whose body was still arriving when the shutdown began is answered with
// Connection: close. The shutdown is called from a listener on the loop thread (a
// second connection's request), so it has run on the loop before the body's last
// byte is sent.
TEST_F(ServerShutdown, ARequestUnderWayIsTheConnectionsLast) {
  std::atomic<bool> in_body{false};
  Start([&](http::IncomingMessage& req, http::ServerResponse& res) {
    if (req.url == "/shutdown") {
      server_->shutdown(5000);
      res.end("ok");
      return;
    }
    in_body = true;
    req.on<"data">([](std::string_view) {});
    req.on<"end">([&res] { res.end("ok"); });
  });
  int uploader = Connect();
  Send(uploader, "POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nx");
  ASSERT_TRUE(WaitFor(in_body));
  int admin = Connect();
  Send(admin, "GET /shutdown HTTP/1.1\r\nHost: a\r\n\r\n");
  std::string end;
  // Its response was ended in the listener that called shutdown(): kept alive.
  EXPECT_EQ(NormaliseDate(ReadUntil(admin, "ok")), kKeptAlive);
  Send(uploader, "y");
  EXPECT_EQ(ReadToEnd(uploader, &end), kClosing);
  EXPECT_EQ(end, "FIN");
  close(uploader);
  close(admin);
}

// Requests pipelined behind the one that became the last are not read, nor emitted.
TEST_F(ServerShutdown, NothingPipelinedBehindTheLastRequestIsEmitted) {
  Start([this](http::IncomingMessage&, http::ServerResponse& res) {
    ++requests_;
    res.end("ok");
  });
  int fd = Connect();
  Send(fd, kGet);
  EXPECT_EQ(NormaliseDate(ReadUntil(fd, "ok")), kKeptAlive);
  server_->shutdown(5000);
  Send(fd, std::string(kGet) + "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n");
  std::string end;
  EXPECT_EQ(ReadToEnd(fd, &end), kClosing);
  EXPECT_EQ(end, "FIN");
  EXPECT_EQ(requests_, 2);
  close(fd);
}

// HTTP/1.0 keeps a connection alive only on its Connection: keep-alive, and v12 then
// answers keep-alive when the length is known; that too is overruled.
TEST_F(ServerShutdown, AnHttp10KeepAliveRequestIsAnsweredWithClose) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) {
    res.setHeader("Content-Length", "2");
    res.end("ok");
  });
  const std::string request = "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
  int fd = Connect();
  Send(fd, request);
  EXPECT_EQ(NormaliseDate(ReadUntil(fd, "ok")),
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nDate: DATE\r\nConnection: keep-alive\r\n"
            "Keep-Alive: timeout=5\r\n\r\nok");
  server_->shutdown(5000);
  Send(fd, request);
  std::string end;
  EXPECT_EQ(ReadToEnd(fd, &end),
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nDate: DATE\r\nConnection: close\r\n\r\nok");
  EXPECT_EQ(end, "FIN");
  close(fd);
}

// In insecureHTTPParser mode too (where a request's Connection: close does not end
// the parse): nothing behind the last request runs a handler.
TEST_F(ServerShutdown, NothingPipelinedBehindTheLastRequestIsEmittedInTheLenientMode) {
  http::ServerOptions options;
  options.insecureHTTPParser = true;
  Start(
      [this](http::IncomingMessage&, http::ServerResponse& res) {
        ++requests_;
        res.end("ok");
      },
      {}, options);
  int fd = Connect();
  server_->shutdown(5000);
  Send(fd, std::string(kGet) + "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n");
  std::string end;
  EXPECT_EQ(ReadToEnd(fd, &end), kClosing);
  EXPECT_EQ(end, "FIN");
  EXPECT_EQ(requests_, 1);
  close(fd);
}

// A response whose head said keep-alive before the shutdown began: its connection is
// not ended behind the client's back; its next request (within the grace) is the last.
TEST_F(ServerShutdown, AResponseThatSaidKeepAliveLeavesItsConnectionOpenForTheGrace) {
  std::atomic<bool> head_out{false};
  Start([&](http::IncomingMessage& req, http::ServerResponse& res) {
    if (req.url == "/shutdown") {
      server_->shutdown(5000);
      res.end("ok");
      return;
    }
    if (req.method == "POST") {
      res.writeHead(200, {{"Content-Length", "2"}});
      res.flushHeaders();
      head_out = true;
      req.on<"data">([](std::string_view) {});
      req.on<"end">([&res] { res.end("ok"); });
      return;
    }
    res.end("ok");
  });
  int uploader = Connect();
  Send(uploader, "POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nx");
  ASSERT_TRUE(WaitFor(head_out));
  int admin = Connect();
  Send(admin, "GET /shutdown HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(NormaliseDate(ReadUntil(admin, "ok")), kKeptAlive);
  Send(uploader, "y");
  EXPECT_EQ(NormaliseDate(ReadUntil(uploader, "ok")),
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nDate: DATE\r\nConnection: keep-alive\r\n"
            "Keep-Alive: timeout=5\r\n\r\nok");
  // Still open: the request the client sends next is answered, as the last.
  Send(uploader, kGet);
  std::string end;
  EXPECT_EQ(ReadToEnd(uploader, &end), kClosing);
  EXPECT_EQ(end, "FIN");
  close(uploader);
  close(admin);
}

// The grace ran out while a response was still leaving (its connection busy): the
// connection ends once its last byte has gone, not at some later timeout (here there
// is none: keepAliveTimeout 0). Read before the grace ran out, the response would
// leave first and the connection end as an idle one, so the client reads only once
// the grace is over: once an idle connection has ended with it.
TEST_F(ServerShutdown, AConnectionBusyWhenTheGraceRanOutEndsOnceItsResponseHasLeft) {
  const std::string body(8 << 20, 'x');
  std::atomic<bool> requested{false};
  Start(
      [&](http::IncomingMessage&, http::ServerResponse& res) {
        requested = true;
        res.end(body);
      },
      [](http::Server& s) { s.keepAliveTimeout = 0; });
  int fd = Connect();
  Send(fd, kGet);
  ASSERT_TRUE(WaitFor(requested));
  int idle = Connect();
  std::atomic<bool> closed{false};
  server_->shutdown(100, [&](const http::Error*) { closed = true; });
  std::string end;
  EXPECT_EQ(ReadToEnd(idle, &end), "");
  EXPECT_EQ(end, "FIN") << "the grace did not run out";
  std::string got = ReadToEnd(fd, &end);
  EXPECT_EQ(end, "FIN");
  EXPECT_EQ(got.size(), got.find("\r\n\r\n") + 4 + body.size());
  close(fd);
  close(idle);
  EXPECT_TRUE(WaitFor(closed));
}

TEST_F(ServerShutdown, NewConnectionsAreRefusedOnceItRan) {
  std::atomic<bool> closed{false};
  Start([](http::IncomingMessage&, http::ServerResponse& res) { res.end("ok"); });
  uint16_t port = server_->port();
  server_->shutdown(5000, [&](const http::Error*) { closed = true; });
  // No connection is left: the server closes at once, not after the grace.
  EXPECT_TRUE(WaitFor(closed));
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), -1);
  EXPECT_EQ(errno, ECONNREFUSED);
  close(fd);
}

TEST(ServerShutdownNotRunning, PassesErrServerNotRunningAsClose) {
  auto server = http::createServer();
  std::atomic<bool> called{false};
  std::string code;
  server->shutdown(1000, [&](const http::Error* e) {
    if (e != nullptr) code = e->code();
    called = true;
  });
  server->join();
  EXPECT_TRUE(called);
  EXPECT_EQ(code, "ERR_SERVER_NOT_RUNNING");
}

}  // namespace
