// http/server_connection.cc end to end: what it decides from a request's head (TE,
// Expect), and the Socket it gives 'connect' and 'upgrade' listeners, whose events
// follow Node's net.Socket. Bytes as Node v12.22.9 writes them (checked against the
// v12 runtime with a raw net client).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http/server.h"
#include "tests/http/loopback.h"

namespace {

using std::chrono::milliseconds;

class RequestHead : public http_test::LoopbackTest {
 protected:
  // The response of a server that writes "a" then ends with "b", to an HTTP/1.0
  // request with these header lines.
  std::string Http10Response(const std::string& lines) {
    if (!server_) {
      Start([](http::IncomingMessage&, http::ServerResponse& res) {
        res.write("a");
        res.end("b");
      });
    }
    return RoundTrip("GET / HTTP/1.0\r\n" + lines + "\r\n");
  }
  static constexpr const char* kChunked =
      "HTTP/1.1 200 OK\r\nDate: DATE\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
      "1\r\na\r\n1\r\nb\r\n0\r\n\r\n<closed>";
  static constexpr const char* kToTheClose =
      "HTTP/1.1 200 OK\r\nDate: DATE\r\nConnection: close\r\n\r\nab<closed>";
};

// --- TE on an HTTP/1.0 request -------------------------------------------------------
// v12's ServerResponse: useChunkedEncodingByDefault = /(?:^|\W)chunked(?:$|\W)/i
// tested on req.headers.te (its lines joined with ", "). Without it the body runs
// to the close.

TEST_F(RequestHead, Http10TeAsksForChunkedWithTheWordInAnyCase) {
  EXPECT_EQ(Http10Response("TE: chunked\r\n"), kChunked);
  EXPECT_EQ(Http10Response("TE: Chunked\r\n"), kChunked);
  EXPECT_EQ(Http10Response("TE: trailers, CHUNKED;q=1\r\n"), kChunked);
  EXPECT_EQ(Http10Response("TE: chunked-x\r\n"), kChunked);  // '-' is not a word byte
  EXPECT_EQ(Http10Response("TE: x\r\nte: chunked\r\n"), kChunked);
}

TEST_F(RequestHead, Http10TeWithChunkedInsideAWordGetsTheBodyToTheClose) {
  EXPECT_EQ(Http10Response("TE: notchunked\r\n"), kToTheClose);
  EXPECT_EQ(Http10Response("TE: chunkedx\r\n"), kToTheClose);
  EXPECT_EQ(Http10Response("TE: chunked_\r\n"), kToTheClose);  // '_' is a word byte
  EXPECT_EQ(Http10Response("TE: trailers\r\n"), kToTheClose);
}

// --- Expect on an HTTP/1.1 request -----------------------------------------------------
// v12's parserOnIncoming: a request with req.headers.expect defined (its lines joined
// with ", "; an empty line counts) either continues, when
// /(?:^|\W)100-continue(?:$|\W)/i matches, or goes to 'checkExpectation' (417
// without a listener).

constexpr const char* kContinueThenOk =
    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nDate: DATE\r\nConnection: keep-alive\r\n"
    "Keep-Alive: timeout=5\r\nContent-Length: 2\r\n\r\nok";
constexpr const char* k417 =
    "HTTP/1.1 417 Expectation Failed\r\nDate: DATE\r\nConnection: keep-alive\r\n"
    "Keep-Alive: timeout=5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";

void EndOk(http::IncomingMessage&, http::ServerResponse& res) { res.end("ok"); }

TEST_F(RequestHead, ExpectWith100ContinueAmongOtherValuesGets100Continue) {
  Start(EndOk);
  EXPECT_EQ(RoundTrip("GET / HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue, x\r\n\r\n"),
            kContinueThenOk);
  EXPECT_EQ(RoundTrip("GET / HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\n"
                      "Expect: x\r\n\r\n"),
            kContinueThenOk);
  EXPECT_EQ(RoundTrip("GET / HTTP/1.1\r\nHost: localhost\r\nExpect: x\r\n"
                      "Expect: 100-Continue\r\n\r\n"),
            kContinueThenOk);
}

TEST_F(RequestHead, ExpectWith100ContinueInAnyCaseGoesToCheckContinue) {
  Start(EndOk, [](http::Server& s) {
    s.on<"checkContinue">([](http::IncomingMessage& req, http::ServerResponse& res) {
      res.end("checkContinue: " + std::string(req.headers().get("expect").value_or("<none>")));
    });
  });
  // Answered without 100 Continue: v12 closes (the client may still send the body).
  EXPECT_EQ(RoundTrip("GET / HTTP/1.1\r\nHost: localhost\r\nExpect: 100-CONTINUE, x\r\n\r\n"),
            "HTTP/1.1 200 OK\r\nDate: DATE\r\nConnection: close\r\nContent-Length: 30\r\n\r\n"
            "checkContinue: 100-CONTINUE, x<closed>");
}

TEST_F(RequestHead, ExpectWithout100ContinueAsAWordGets417EvenWhenEmpty) {
  Start([this](http::IncomingMessage& req, http::ServerResponse& res) {
    Note(std::string(req.url));
    res.end("ok");
  });
  EXPECT_EQ(RoundTrip("GET /a HTTP/1.1\r\nHost: localhost\r\nExpect: x100-continue\r\n\r\n"), k417);
  EXPECT_EQ(RoundTrip("GET /b HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue_\r\n\r\n"), k417);
  EXPECT_EQ(RoundTrip("GET /c HTTP/1.1\r\nHost: localhost\r\nExpect:\r\n\r\n"), k417);
  EXPECT_TRUE(Notes().empty()) << "the request listener ran for " << Notes().front();
}

class Socket : public http_test::LoopbackTest {};

// 'end' is emitted once per stream, as in Node: a socket paused and resumed after
// its peer's FIN (a proxy throttling its client) must not see it again.
TEST_F(Socket, AnUpgradedSocketEmitsEndOnceAcrossPauseAndResume) {
  auto ends = std::make_shared<std::atomic<int>>(0);
  auto closed = std::make_shared<std::atomic<bool>>(false);
  Start({}, [ends, closed](http::Server& s) {
    s.on<"upgrade">([ends, closed](http::IncomingMessage&, http::Socket& socket, std::string_view) {
      socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n");
      socket.on<"close">([closed](bool) { *closed = true; });
      socket.on<"end">([ends, &socket] {
        if (++*ends > 5) {  // enough to tell; the socket must close all the same
          socket.end();
          return;
        }
        socket.pause();
        socket.runAfter(5, [&socket] { socket.resume(); });
        socket.runAfter(100, [&socket] { socket.end(); });
      });
    });
  });
  int fd = Connect();
  Send(fd, "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n");
  ASSERT_NE(ReadUntil(fd, "\r\n\r\n").find("101 Switching Protocols"), std::string::npos);
  shutdown(fd, SHUT_WR);
  // The server ends the socket 100 ms after 'end': by its close, every 'end' the
  // pauses and resumes could bring has been emitted.
  EXPECT_NE(Read(fd, 2000).find("<closed>"), std::string::npos);
  for (int waited = 0; waited < 1000 && !*closed; waited += 5) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_TRUE(*closed);
  EXPECT_EQ(ends->load(), 1) << "'end' emitted " << ends->load() << " times";
  close(fd);
}

constexpr const char* kUpgrade =
    "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n";

// Checked against v12.22.9: bytes arriving on an upgraded socket restart the
// server's timeout, which still applies to it after the hand-over (v12 keeps
// socketOnTimeout): 'timeout' comes 400 ms after the last byte, with the socket.
TEST_F(Socket, AnUpgradedSocketsIncomingBytesRestartTheServersTimeout) {
  const auto t0 = std::chrono::steady_clock::now();  // before every byte is sent
  auto since = [t0] {
    return std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - t0)
        .count();
  };
  Start({}, [this, since](http::Server& s) {
    s.timeout = 400;
    s.on<"timeout">([this, since](http::Socket& socket) {
      Note(std::to_string(since()));
      socket.destroy();
    });
    s.on<"upgrade">([this](http::IncomingMessage&, http::Socket& socket, std::string_view) {
      socket.on<"data">([this](std::string_view d) { Note(std::string(d)); });
    });
  });
  int fd = ConnectNoDelay();
  Send(fd, kUpgrade);
  // A byte every 100 ms for 600 ms: longer than the timeout, with room between the
  // bytes for a loaded machine.
  for (int i = 0; i < 6; ++i) {
    std::this_thread::sleep_for(milliseconds(100));
    Send(fd, std::to_string(i));
  }
  EXPECT_EQ(Read(fd, 3000), "<closed>");
  std::vector<std::string> notes = Notes();
  ASSERT_EQ(notes.size(), 7u);  // the 6 bytes, then the timeout
  EXPECT_EQ(notes[5], "5");
  // The last byte left 600 ms or more after t0, and the timeout counts from its
  // arrival: no earlier than 1000 ms (without the restart it fires at 400); the upper
  // bound only rules out a timeout that does not come.
  EXPECT_GE(std::stol(notes.back()), 1000);
  EXPECT_LT(std::stol(notes.back()), 3000);
  close(fd);
}

// Checked against v12.22.9: a write() past the high-water mark returns false, and
// 'drain' follows once the peer has read it all.
TEST_F(Socket, AWriteThatReturnedFalseIsFollowedByDrain) {
  Start({}, [this](http::Server& s) {
    s.on<"upgrade">([this](http::IncomingMessage&, http::Socket& socket, std::string_view) {
      Note(socket.write("small") ? "true" : "false");
      Note(socket.write(std::string(1 << 20, 'x')) ? "true" : "false");
      socket.on<"drain">([this, &socket] {
        Note("drain");
        socket.end();
      });
    });
  });
  int fd = Connect();
  Send(fd, kUpgrade);
  std::string got = Read(fd, 2000);
  EXPECT_EQ(got.size(), 5 + (1u << 20) + std::string("<closed>").size());
  EXPECT_THAT(Notes(), ::testing::ElementsAre("true", "false", "drain"));
  close(fd);
}

// Checked against v12.22.9: res.end("answer") then req.socket.destroy() in one
// handler sends the answer (Node writes it to the kernel inside end()); the engine
// offers what is queued to the kernel before the close.
TEST_F(Socket, ADestroyRightAfterAnAnswerStillSendsIt) {
  Start([](http::IncomingMessage& req, http::ServerResponse& res) {
    res.end("answer");
    req.socket()->destroy();
  });
  EXPECT_EQ(RoundTrip("GET / HTTP/1.1\r\nHost: x\r\n\r\n", 1000),
            "HTTP/1.1 200 OK\r\nDate: DATE\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
            "Content-Length: 6\r\n\r\nanswer<closed>");
}

}  // namespace
