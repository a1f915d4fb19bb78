// The connection timer (http/server_connection_timers.cc) end to end: the request's
// deadlines (headersTimeout, requestTimeout), as Node 18 enforces them with a timer,
// and timeouts above Node's TIMEOUT_MAX, clamped as Node clamps them. Each
// expectation was checked against Node v20.20 (its connectionsCheckingInterval set
// to 50 ms, so that its check runs near the deadline) or, where it says so, v12.22.9.
// The idle timeout (server.timeout) and keepAliveTimeout are in server_events_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "http/server.h"
#include "tests/http/loopback.h"

namespace {

using ::testing::ElementsAre;
using Clock = std::chrono::steady_clock;

constexpr const char* k408 = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n";

std::string Ok(const std::string& body) {
  return "HTTP/1.1 200 OK\r\nDate: DATE\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

void EndOk(http::IncomingMessage&, http::ServerResponse& res) { res.end("ok"); }

class ServerTimeouts : public http_test::LoopbackTest {
 protected:
  // Reads until the server closes or 3 s pass; `elapsed_ms` is the time until the
  // close (or the end of the wait).
  static std::string ReadToClose(int fd, long* elapsed_ms) {
    auto start = Clock::now();
    std::string out = Read(fd, 3000);
    *elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start)
                      .count();
    return out;
  }
  static long Since(Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
  }
};

// v12 checked headersTimeout only when bytes arrived (151_headers_timeout_incomplete_
// no_more_data: still open after 600 ms); the timer closes it, even with
// server.timeout 0 and a 'timeout' listener, which is not called.
TEST_F(ServerTimeouts, HeadersTimeoutAnswersAPartialHeadThatStopsWith408AndCloses) {
  Start(EndOk, [this](http::Server& s) {
    Note(std::to_string(s.headersTimeout));
    s.headersTimeout = 200;
    s.timeout = 0;
    s.on<"timeout">([this](http::Socket&) { Note("timeout"); });
  });
  // The deadline runs from the accept, after this; in the loop's whole milliseconds,
  // so it may fall up to 1 ms short of the timeout.
  auto connecting = Clock::now();
  int fd = Connect();
  Send(fd, "GET / HTTP/1.1\r\nHost: localhost\r\n");
  long elapsed = 0;
  EXPECT_EQ(ReadToClose(fd, &elapsed), std::string(k408) + "<closed>");
  EXPECT_GE(Since(connecting), 199);
  EXPECT_LT(elapsed, 2000);
  close(fd);
  EXPECT_THAT(Notes(), ElementsAre("60000"));
}

// 153_headers_timeout_slow_headers, where v12 destroyed the socket without a word
// when the late bytes came: the deadline passes before they do.
TEST_F(ServerTimeouts, HeadersTimeoutPassesBeforeLateHeaderBytesArrive) {
  Start(EndOk, [](http::Server& s) { s.headersTimeout = 200; });
  int fd = Connect();
  EXPECT_EQ(Exchange(fd, "GET / HTTP/1.1\r\nHost: localhost\r\n", 600),
            std::string(k408) + "<closed>");
  close(fd);
}

// 155_headers_timeout_in_time
TEST_F(ServerTimeouts, HeadersTimeoutLeavesAHeadThatCompletesInTime) {
  Start(EndOk, [](http::Server& s) { s.headersTimeout = 500; });
  int fd = Connect();
  EXPECT_EQ(Exchange(fd, "GET / HTTP/1.1\r\nHost: localhost\r\n", 100), "");
  EXPECT_EQ(Exchange(fd, "\r\n"), Ok("ok"));
  close(fd);
}

// Node 18 counts a new connection's first request from the accept: a peer that
// connects and sends nothing gets the 408 too.
TEST_F(ServerTimeouts, HeadersTimeoutRunsFromTheAcceptForTheFirstRequest) {
  Start(EndOk, [](http::Server& s) {
    s.headersTimeout = 200;
    s.timeout = 0;
  });
  auto connecting = Clock::now();
  int fd = Connect();
  long elapsed = 0;
  EXPECT_EQ(ReadToClose(fd, &elapsed), std::string(k408) + "<closed>");
  EXPECT_GE(Since(connecting), 199);
  close(fd);
}

// Between requests the keep-alive timeout applies, not the headers timeout.
TEST_F(ServerTimeouts, HeadersTimeoutDoesNotApplyBetweenKeptAliveRequests) {
  Start(EndOk, [](http::Server& s) { s.headersTimeout = 200; });
  int fd = Connect();
  EXPECT_EQ(Exchange(fd, kGet, 600), Ok("ok"));
  EXPECT_EQ(Exchange(fd, kGet), Ok("ok"));
  close(fd);
}

TEST_F(ServerTimeouts, RequestTimeoutAnswersABodyThatStopsWith408AndAbortsTheRequest) {
  Start(
      [this](http::IncomingMessage& req, http::ServerResponse& res) {
        req.on<"aborted">([this] { Note("aborted"); });
        req.on<"end">([&res] { res.end("ok"); });
        req.resume();
      },
      [this](http::Server& s) {
        Note(std::to_string(s.requestTimeout));
        s.requestTimeout = 300;
        s.headersTimeout = 100;  // the head is complete: it no longer applies
      });
  auto connecting = Clock::now();
  int fd = Connect();
  Send(fd, "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\nab");
  long elapsed = 0;
  EXPECT_EQ(ReadToClose(fd, &elapsed), std::string(k408) + "<closed>");
  EXPECT_GE(Since(connecting), 299);
  close(fd);
  EXPECT_THAT(WaitForNotes(2), ElementsAre("300000", "aborted"));
}

// A response already on the wire is not followed by a 408; the socket just closes.
TEST_F(ServerTimeouts, RequestTimeoutAfterTheResponseBeganWritesNothingMore) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) { res.write("partial"); },
        [](http::Server& s) { s.requestTimeout = 300; });
  int fd = Connect();
  Send(fd, "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\nab");
  long elapsed = 0;
  EXPECT_EQ(ReadToClose(fd, &elapsed),
            "HTTP/1.1 200 OK\r\nDate: DATE\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
            "Transfer-Encoding: chunked\r\n\r\n7\r\npartial\r\n<closed>");
  close(fd);
}

TEST_F(ServerTimeouts, RequestTimeoutGoesToAClientErrorListenerWithItsSocket) {
  Start(EndOk, [this](http::Server& s) {
    s.headersTimeout = 200;
    s.on<"clientError">([this](const http::ClientError& err, http::Socket& socket) {
      Note(err.code);
      Note(err.message);
      socket.end("HTTP/1.1 408 Request Timeout\r\nContent-Length: 4\r\nConnection: close\r\n\r\nslow");
    });
  });
  int fd = Connect();
  Send(fd, "GET / HTTP/1.1\r\nHost: localhost\r\n");
  long elapsed = 0;
  EXPECT_EQ(ReadToClose(fd, &elapsed),
            "HTTP/1.1 408 Request Timeout\r\nContent-Length: 4\r\nConnection: close\r\n\r\nslow"
            "<closed>");
  close(fd);
  EXPECT_THAT(Notes(), ElementsAre("ERR_HTTP_REQUEST_TIMEOUT", "Request timeout"));
}

// A listener that leaves the socket open is not called again, and the request is
// not parsed further.
TEST_F(ServerTimeouts, RequestTimeoutReachesAClientErrorListenerOnce) {
  Start(EndOk, [this](http::Server& s) {
    s.headersTimeout = 100;
    s.on<"clientError">([this](const http::ClientError& err, http::Socket&) { Note(err.code); });
  });
  int fd = Connect();
  EXPECT_EQ(Exchange(fd, "GET / HTTP/1.1\r\nHost: localhost\r\n", 400), "");
  EXPECT_EQ(Exchange(fd, "\r\n", 300), "");
  close(fd);
  EXPECT_THAT(Notes(), ElementsAre("ERR_HTTP_REQUEST_TIMEOUT"));
}

// Checked against v12.22.9: server.setTimeout(2 ** 40) and socket.setTimeout(2 ** 40)
// are truncated to 2147483647 ms (a TimeoutOverflowWarning), so the socket stays open.
TEST_F(ServerTimeouts, TimeoutsAboveTimeoutMaxAreClampedNotWrapped) {
  Start(
      [](http::IncomingMessage& req, http::ServerResponse& res) {
        req.socket()->setTimeout(uint64_t{1} << 40);
        res.end("ok");
      },
      [](http::Server& s) {
        s.setTimeout(UINT64_MAX);
        s.headersTimeout = UINT64_MAX;
        s.requestTimeout = UINT64_MAX;
      });
  int fd = Connect();
  EXPECT_EQ(Exchange(fd, "GET / HTTP/1.1\r\nHost: localhost\r\n", 300), "");
  EXPECT_EQ(Exchange(fd, "\r\n", 300), Ok("ok"));
  EXPECT_EQ(Exchange(fd, kGet, 300), Ok("ok"));
  close(fd);
}

}  // namespace
