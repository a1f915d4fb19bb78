// The Socket surface of a connection (http/server_connection_socket.cc, with its
// 'end', 'close' and 'drain' from server_connection.cc), on a socket taken by
// 'upgrade' or 'connect' and on req.socket(). Each expectation was checked against
// v12.22.9 running the same listeners.
//
// Synchronisation: where the test needs the server to have acted before it goes on,
// it waits for a note or an answer; a "fence" request on another connection of the
// server's one loop, sent after some bytes, is answered only after the loop took
// those bytes' receive (if it took it at all).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>

#include "http/server.h"
#include "http/socket.h"
#include "tests/http/loopback.h"

namespace {

using ::testing::ElementsAre;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr const char* kUpgrade =
    "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n";
constexpr const char* k101 = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n";
constexpr const char* kConnect = "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n";
constexpr const char* k200 = "HTTP/1.1 200 Connection Established\r\n\r\n";

class Socket : public http_test::LoopbackTest {
 protected:
  // Reads until the server ends the stream: the bytes, then "<FIN>" (recv returned
  // 0) or "<RST>" (ECONNRESET), or "<open>" when `ms` pass first.
  static std::string ReadToEnd(int fd, int ms = 5000) {
    std::string out;
    char buf[65536];
    for (auto until = steady_clock::now() + milliseconds(ms); steady_clock::now() < until;) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n == 0) return out + "<FIN>";
      if (n < 0) return out + (errno == ECONNRESET ? "<RST>" : "<error>");
      out.append(buf, static_cast<size_t>(n));
    }
    return out + "<open>";
  }

  // Sends a request on a new connection and returns its body: the answer of a
  // handler on the same loop, after the loop took what was sent before it.
  std::string Fence(const std::string& url = "/fence") {
    std::string got = RoundTrip("GET " + url + " HTTP/1.1\r\nHost: x\r\n\r\n");
    size_t body = got.find("\r\n\r\n");
    return body == std::string::npos ? got : got.substr(body + 4);
  }

  // Notes each of the socket's events.
  void Watch(http::Socket& socket) {
    socket.on<"data">([this](std::string_view d) { Note("data " + std::string(d)); });
    socket.on<"end">([this] { Note("end"); });
    socket.on<"close">([this](bool had_error) {
      Note(std::string("close ") + (had_error ? "true" : "false"));
    });
  }

  http::Socket* taken_ = nullptr;  // the socket a listener took (loop thread only)
};

// v12: the client's FIN is 'end' on the upgraded socket (allowHalfOpen: it stays
// open); the listener's end() then sends a FIN, not a reset, and 'close' comes
// with hadError false.
TEST_F(Socket, AnUpgradedSocketsEndIsTheClientsFinAndItsEndClosesWithoutError) {
  Start({}, [this](http::Server& s) {
    s.on<"upgrade">([this](http::IncomingMessage&, http::Socket& socket, std::string_view) {
      socket.write(k101);
      Watch(socket);
      socket.on<"end">([&socket] { socket.end("bye"); });
    });
  });
  int fd = Connect();
  Send(fd, kUpgrade);
  ASSERT_EQ(ReadUntil(fd, "\r\n\r\n"), k101);
  Send(fd, "hi");
  ASSERT_THAT(WaitForNotes(1), ElementsAre("data hi"));
  shutdown(fd, SHUT_WR);
  EXPECT_EQ(ReadToEnd(fd), "bye<FIN>");
  EXPECT_THAT(WaitForNotes(3), ElementsAre("data hi", "end", "close false"));
  close(fd);
}

// v12: a client that resets the connection gives 'close' with hadError true
// (after an 'error' ECONNRESET, which this Socket does not emit), and no 'end'.
TEST_F(Socket, AnUpgradedSocketResetByTheClientClosesWithHadErrorTrue) {
  Start({}, [this](http::Server& s) {
    s.on<"upgrade">([this](http::IncomingMessage&, http::Socket& socket, std::string_view) {
      socket.write(k101);
      Watch(socket);
      socket.on<"end">([&socket] { socket.end(); });
    });
  });
  int fd = Connect();
  Send(fd, kUpgrade);
  ASSERT_EQ(ReadUntil(fd, "\r\n\r\n"), k101);
  Reset(fd);
  EXPECT_THAT(WaitForNotes(1), ElementsAre("close true"));
}

// v12: pause() on the socket a 'connect' listener took stops its 'data' (the
// bytes wait in the kernel); resume() delivers them, in order.
TEST_F(Socket, AConnectSocketPausedEmitsNoDataUntilResumed) {
  Start(
      [this](http::IncomingMessage& req, http::ServerResponse& res) {
        if (req.url == "/resume") {
          Note("resume");
          taken_->resume();
        }
        res.end("ok");
      },
      [this](http::Server& s) {
        s.on<"connect">([this](http::IncomingMessage&, http::Socket& socket, std::string_view) {
          socket.write(k200);
          socket.pause();
          taken_ = &socket;
          socket.on<"data">([this](std::string_view d) { Note(std::string(d)); });
          socket.on<"end">([&socket] { socket.end(); });  // half-open, as in Node
        });
      });
  int fd = ConnectNoDelay();
  Send(fd, kConnect);
  ASSERT_EQ(ReadUntil(fd, "\r\n\r\n"), k200);
  Send(fd, "abc");
  EXPECT_EQ(Fence(), "ok");  // the loop has had the bytes, and emitted nothing
  EXPECT_TRUE(Notes().empty()) << "'data' while paused: " << Notes().front();
  EXPECT_EQ(Fence("/resume"), "ok");
  std::vector<std::string> notes = WaitForNotes(2);
  std::string data;
  for (size_t i = 1; i < notes.size(); ++i) data += notes[i];
  ASSERT_FALSE(notes.empty());
  EXPECT_EQ(notes[0], "resume");
  EXPECT_EQ(data, "abc");
  close(fd);
}

// v12: on a CONNECT socket as on an upgraded one, a write() past the high-water
// mark returns false, 'drain' follows once the peer has read it all, and end()
// sends everything, then a FIN.
TEST_F(Socket, AConnectSocketsWriteReturnsFalsePastTheHighWaterMarkThenDrain) {
  constexpr size_t kBig = size_t{4} << 20;
  Start({}, [this](http::Server& s) {
    s.on<"connect">([this](http::IncomingMessage&, http::Socket& socket, std::string_view) {
      Note(socket.write(k200) ? "true" : "false");
      Note(socket.write(std::string(kBig, 'x')) ? "true" : "false");
      socket.on<"drain">([this, &socket] {
        Note("drain");
        socket.end();
      });
    });
  });
  int fd = Connect();
  Send(fd, kConnect);
  std::string got = ReadToEnd(fd, 30000);
  EXPECT_EQ(got, k200 + std::string(kBig, 'x') + "<FIN>");
  EXPECT_THAT(WaitForNotes(3), ElementsAre("true", "false", "drain"));
  close(fd);
}

// v12: req.socket emits 'close' (hadError false) when the client ends a kept-alive
// connection, after which the server's FIN follows.
TEST_F(Socket, ARequestsSocketEmitsCloseWhenTheClientEndsTheConnection) {
  Start([this](http::IncomingMessage& req, http::ServerResponse& res) {
    Watch(*req.socket());
    res.end("ok");
  });
  int fd = Connect();
  Send(fd, kGet);
  ASSERT_NE(ReadUntil(fd, "\r\n\r\nok").find("\r\n\r\nok"), std::string::npos);
  shutdown(fd, SHUT_WR);
  EXPECT_EQ(ReadToEnd(fd), "<FIN>");
  EXPECT_THAT(WaitForNotes(1), ElementsAre("close false"));
  close(fd);
}

// v12: req.socket.pause() stops the reading of the connection: a request sent
// after it is not parsed (no 'request') until req.socket.resume(). (Paused from the
// response's 'close': in v12 the response's finish resumes the socket, as it dumps
// the request, so a pause before it would not last.)
TEST_F(Socket, ARequestsSocketPausedReadsNoFurtherRequestUntilResumed) {
  Start([this](http::IncomingMessage& req, http::ServerResponse& res) {
    if (req.url == "/resume") {
      Note("resume");
      taken_->resume();
    } else if (req.url != "/fence") {
      Note(std::string(req.url));
      if (req.url == "/first") {
        taken_ = req.socket();
        res.on<"close">([this] {
          taken_->pause();
          Note("paused");
        });
      }
    }
    res.end("ok");
  });
  int fd = ConnectNoDelay();
  Send(fd, "GET /first HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_NE(ReadUntil(fd, "\r\n\r\nok").find("\r\n\r\nok"), std::string::npos);
  ASSERT_THAT(WaitForNotes(2), ElementsAre("/first", "paused"));
  Send(fd, "GET /second HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(Fence(), "ok");
  EXPECT_THAT(Notes(), ElementsAre("/first", "paused"));
  EXPECT_EQ(Fence("/resume"), "ok");
  EXPECT_NE(ReadUntil(fd, "\r\n\r\nok").find("\r\n\r\nok"), std::string::npos);
  EXPECT_THAT(WaitForNotes(4), ElementsAre("/first", "paused", "resume", "/second"));
  close(fd);
}

// v12: socket.setTimeout(ms, cb) adds cb with once(); the server's socketOnTimeout
// still decides: with no 'timeout' listener on the server, request or response it
// destroys the socket (the client gets a FIN), and cb runs after that.
TEST_F(Socket, SetTimeoutWithoutAServerListenerRunsTheCallbackAndDestroysTheSocket) {
  Start({}, [this](http::Server& s) {
    s.on<"upgrade">([this](http::IncomingMessage&, http::Socket& socket, std::string_view) {
      socket.write(k101);
      socket.on<"close">([this](bool had_error) {
        Note(std::string("close ") + (had_error ? "true" : "false"));
      });
      socket.setTimeout(200, [this] { Note("timeout"); });
    });
  });
  int fd = Connect();
  Send(fd, kUpgrade);
  EXPECT_EQ(ReadToEnd(fd), std::string(k101) + "<FIN>");
  EXPECT_THAT(WaitForNotes(2), ElementsAre("timeout", "close false"));
  close(fd);
}

// v12: with a server 'timeout' listener the socket stays open, and a setTimeout
// callback runs at the first timeout only (once()), the server's listener at each
// (the next one 100 ms after the next activity: a byte from the client).
TEST_F(Socket, SetTimeoutsCallbackRunsOnceWhileTheServersListenerRunsEachTime) {
  Start({}, [this](http::Server& s) {
    s.on<"timeout">([this](http::Socket& socket) {
      Note("server timeout");
      if (Notes().size() >= 4) socket.end();
    });
    s.on<"upgrade">([this](http::IncomingMessage&, http::Socket& socket, std::string_view) {
      socket.write(k101);
      socket.on<"data">([this](std::string_view d) { Note("data " + std::string(d)); });
      socket.setTimeout(100, [this] { Note("callback"); });
    });
  });
  int fd = Connect();
  Send(fd, kUpgrade);
  ASSERT_EQ(ReadUntil(fd, "\r\n\r\n"), k101);
  ASSERT_EQ(WaitForNotes(2).size(), 2u);
  Send(fd, "z");
  EXPECT_EQ(ReadToEnd(fd), "<FIN>");
  EXPECT_THAT(Notes(), ElementsAre("server timeout", "callback", "data z", "server timeout"));
  close(fd);
}

}  // namespace
