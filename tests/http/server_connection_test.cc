// The Socket that http/server_connection.cc gives 'connect' and 'upgrade' listeners,
// end to end: its events follow Node's net.Socket.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

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

}  // namespace
