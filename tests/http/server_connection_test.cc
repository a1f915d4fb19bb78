// The Socket that http/server_connection.cc gives 'connect' and 'upgrade' listeners,
// end to end: its events follow Node's net.Socket.
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
// socketOnTimeout): 'timeout' comes 300 ms after the last byte, with the socket.
TEST_F(Socket, AnUpgradedSocketsIncomingBytesRestartTheServersTimeout) {
  auto t0 = std::chrono::steady_clock::now();
  auto since = [t0] {
    return std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - t0)
        .count();
  };
  Start({}, [this, since](http::Server& s) {
    s.timeout = 300;
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
  t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 6; ++i) {  // a byte every 100 ms for 600 ms: longer than the timeout
    std::this_thread::sleep_for(milliseconds(100));
    Send(fd, std::to_string(i));
  }
  EXPECT_EQ(Read(fd, 2000), "<closed>");
  std::vector<std::string> notes = Notes();
  ASSERT_EQ(notes.size(), 7u);  // the 6 bytes, then the timeout
  EXPECT_EQ(notes[5], "5");
  // 600 ms of bytes, then 300 ms of silence (the bound above is generous for a loaded
  // machine; without the restart it fires at 300).
  EXPECT_GE(std::stol(notes.back()), 890);
  EXPECT_LT(std::stol(notes.back()), 2000);
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
