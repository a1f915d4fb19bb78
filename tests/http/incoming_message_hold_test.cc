// The body pieces a paused request holds (http/incoming_message.cc, PushData and
// HoldsTooMuch): a request stops its socket's receiving once it holds
// IncomingMessage::kMaxHeldBuffers receive buffers or kMaxHeldChunks chunks, below
// v12's 16 KiB (readableHighWaterMark, the only limit v12 has), and resume() reads
// on and delivers every byte in order, as v12 delivers what it buffered.
//
// Synchronisation: each piece is sent once the server holds the one before (its
// receive buffers in use, Server::recvMemory()); that the socket is no longer read is
// checked after a request on another connection of the same loop has been answered,
// sent after the piece (a fence: the loop took the piece's receive first, if it took
// it at all).
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "http/incoming_message.h"
#include "http/server.h"
#include "tests/http/loopback.h"

namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

class IncomingMessageHold : public http_test::LoopbackTest {
 protected:
  // /paused pauses its request and answers with what it got once it ends; /resume
  // resumes it; /fence notes the server's receive memory in use and copied bytes.
  // All run on the server's one loop thread, which alone touches paused_.
  void StartServer() {
    Start([this](http::IncomingMessage& req, http::ServerResponse& res) {
      if (req.url == "/paused") {
        req.pause();
        paused_ = &req;
        auto bytes = std::make_shared<size_t>(0);
        auto pieces = std::make_shared<size_t>(0);
        req.on<"data">([bytes, pieces](std::string_view d) {
          *bytes += d.size();
          ++*pieces;
        });
        req.on<"end">([&res, bytes, pieces] {
          res.end("got " + std::to_string(*bytes) + " in " + std::to_string(*pieces));
        });
      } else if (req.url == "/resume") {
        paused_->resume();
        res.end("resumed");
      } else {
        // (The fence's own buffer is being handled, not retained: not counted.)
        http::Server::RecvMemory m = server_->recvMemory();
        res.end(std::to_string(m.ringInUse) + " " + std::to_string(server_->copiedBytes()));
      }
    });
  }

  // Waits (up to 2 s) for the server's loop to hold `n` receive buffers.
  bool WaitForBuffersHeld(uint64_t n) {
    for (auto until = steady_clock::now() + milliseconds(2000); steady_clock::now() < until;) {
      if (server_->recvMemory().ringInUse == n) return true;
      std::this_thread::sleep_for(milliseconds(2));
    }
    return false;
  }

  // "<buffers held> <copied bytes>", from a request on a new connection.
  std::string Fence() {
    std::string got = RoundTrip("GET /fence HTTP/1.1\r\nHost: x\r\n\r\n");
    size_t body = got.find("\r\n\r\n");
    return body == std::string::npos ? got : got.substr(body + 4);
  }

  std::string Resume() {
    std::string got = RoundTrip("GET /resume HTTP/1.1\r\nHost: x\r\n\r\n");
    return got.substr(got.size() - 7);
  }

  // Closes the client's socket however the test ends (a paused request left open
  // would keep the server's close waiting).
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  };

  http::IncomingMessage* paused_ = nullptr;
};

// Five pieces of 100 bytes, each in its own receive: the first four are held, each
// keeping its buffer (no copy), and then the socket is not read, so the fifth stays
// in the kernel (not held, not copied) until resume(). Without the limit the fifth
// would be received and, the connection's budget spent, copied.
TEST_F(IncomingMessageHold, APausedRequestStopsTheSocketAtFourHeldBuffers) {
  static_assert(http::IncomingMessage::kMaxHeldBuffers == 4);
  StartServer();
  int fd = ConnectNoDelay();
  Closer closer{fd};
  Send(fd, "POST /paused HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n");
  for (uint64_t held = 1; held <= 4; ++held) {
    Send(fd, std::string(100, static_cast<char>('a' + held)));
    ASSERT_TRUE(WaitForBuffersHeld(held)) << "piece " << held << " not held";
  }
  std::string before = Fence();
  ASSERT_EQ(before.substr(0, 2), "4 ");
  Send(fd, std::string(100, 'e'));
  // Left in the server's socket for 200 ms, many turns of its loop.
  EXPECT_FALSE(WaitUntilServerReceived(fd, 200)) << "the fifth piece was received";
  EXPECT_EQ(Fence(), before) << "the fifth piece was received while the request held four";
  EXPECT_EQ(Resume(), "resumed");
  EXPECT_EQ(NormaliseDate(ReadUntil(fd, "got 500 in 5")),
            std::string("HTTP/1.1 200 OK\r\n") + kKeepAlive + "Content-Length: 12\r\n\r\ngot 500 in 5");
}

// 1,100 one-byte chunks in one receive: past the 1,024th the socket is not read (the
// rest of that receive is still parsed and held, in the same buffer), so the last
// chunk and the terminator, sent later, stay in the kernel until resume(). Without
// the limit they would be received and held in a second buffer.
TEST_F(IncomingMessageHold, APausedRequestStopsTheSocketAt1024HeldChunks) {
  static_assert(http::IncomingMessage::kMaxHeldChunks == 1024);
  StartServer();
  int fd = ConnectNoDelay();
  Closer closer{fd};
  std::string first = "POST /paused HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 1100; ++i) first += "1\r\nc\r\n";
  Send(fd, first);
  ASSERT_TRUE(WaitForBuffersHeld(1));
  std::string before = Fence();
  ASSERT_EQ(before.substr(0, 2), "1 ");
  Send(fd, "1\r\nz\r\n0\r\n\r\n");
  EXPECT_FALSE(WaitUntilServerReceived(fd, 200)) << "the last chunk was received";
  EXPECT_EQ(Fence(), before) << "the last chunk was received while the request held 1,100";
  EXPECT_EQ(Resume(), "resumed");
  EXPECT_EQ(NormaliseDate(ReadUntil(fd, "got 1101 in 1101")),
            std::string("HTTP/1.1 200 OK\r\n") + kKeepAlive +
                "Content-Length: 16\r\n\r\ngot 1101 in 1101");
}

}  // namespace
