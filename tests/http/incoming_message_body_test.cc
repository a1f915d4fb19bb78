// http::IncomingMessage's body as v12's Readable: when 'data', 'end' and 'close'
// come, pause()/resume(), the held body and the socket's receiving, end to end
// against a real Server on loopback. Orders and outcomes as Node v12.22.9 gives
// them (each test says which fixture or check against the v12 runtime it follows).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "http/incoming_message.h"
#include "http/server.h"
#include "tests/http/loopback.h"

namespace {

using ::testing::ElementsAre;

class IncomingMessageBody : public http_test::LoopbackTest {};

std::string Ok(const std::string& body) {
  return "HTTP/1.1 200 OK\r\nDate: DATE\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

// An upload's bytes and their checksum (each byte weighted by its position), and
// the same checksum kept over the 'data' chunks as they arrive.
struct Upload {
  Upload(size_t size, size_t step) : bytes(size, '\0') {
    for (size_t i = 0; i < size; ++i) {
      bytes[i] = static_cast<char>('a' + (i * step) % 26);
      sum += static_cast<unsigned char>(bytes[i]) * ((i % 251) + 1);
    }
  }
  std::string bytes;
  uint64_t sum = 0;
};

struct Received {
  void Add(std::string_view chunk) {  // on the loop thread
    uint64_t s = sum.load();
    uint64_t at = bytes.load();
    for (unsigned char c : chunk) s += c * ((at++ % 251) + 1);
    sum = s;
    bytes = at;
  }
  std::atomic<uint64_t> bytes{0};
  std::atomic<uint64_t> sum{0};
};

// Sends bytes[*sent..] while the socket takes them within wait_ms; returns *sent.
size_t SendWhileTaken(int fd, const std::string& bytes, size_t* sent, int wait_ms) {
  pollfd p{fd, POLLOUT, 0};
  while (*sent < bytes.size() && poll(&p, 1, wait_ms) == 1) {
    ssize_t n = send(fd, bytes.data() + *sent, bytes.size() - *sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n <= 0) break;
    *sent += static_cast<size_t>(n);
  }
  return *sent;
}

std::string PostHead(size_t length) {
  return "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + std::to_string(length) +
         "\r\n\r\n";
}

// --- when 'end' and 'close' come (v12's Readable; 127_event_order_resume) ----------

// Checked against v12.22.9.
TEST_F(IncomingMessageBody, EndIsEmittedAfterTheRequestListenerReturns) {
  Start([this](http::IncomingMessage& req, http::ServerResponse& res) {
    req.resume();
    req.on<"end">([this] { Note("req end"); });
    Note("listener returns");
    res.end();
  });
  RoundTrip(kGet);
  EXPECT_THAT(WaitForNotes(2), ElementsAre("listener returns", "req end"));
}

// Checked against v12.22.9 (126_event_order for a GET): a body nobody reads is read
// to nowhere once the response has finished, and only then ends.
TEST_F(IncomingMessageBody, UnreadBodyEndsOnlyAfterTheResponseFinishes) {
  Start([this](http::IncomingMessage& req, http::ServerResponse& res) {
    req.on<"end">([this] { Note("req end"); });
    req.on<"close">([this] { Note("req close"); });
    res.on<"finish">([this] { Note("res finish"); });
    res.on<"close">([this] { Note("res close"); });
    req.socket()->runAfter(50, [this, &res] {
      Note("respond");
      res.end("late");
    });
  });
  RoundTrip("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\nhi");
  EXPECT_THAT(WaitForNotes(5),
              ElementsAre("respond", "res finish", "res close", "req end", "req close"));
}

// Checked against v12.22.9: once 'end' was emitted, 'close' comes as the response
// finishes, before its 'finish' listeners.
TEST_F(IncomingMessageBody, ReadBodyClosesAsTheResponseFinishes) {
  Start([this](http::IncomingMessage& req, http::ServerResponse& res) {
    req.on<"data">([this](std::string_view d) { Note("data " + std::string(d)); });
    req.on<"end">([this, &res] {
      Note("req end");
      res.end("ok");
    });
    req.on<"close">([this] { Note("req close"); });
    res.on<"finish">([this] { Note("res finish"); });
    res.on<"close">([this] { Note("res close"); });
  });
  RoundTrip("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\nhi");
  EXPECT_THAT(WaitForNotes(5),
              ElementsAre("data hi", "req end", "req close", "res finish", "res close"));
}

// Checked against v12.22.9: a 'data' listener added after pause() does not resume.
TEST_F(IncomingMessageBody, PausedRequestEndsOnlyAfterResume) {
  Start([this](http::IncomingMessage& req, http::ServerResponse& res) {
    req.pause();
    req.on<"data">([](std::string_view) {});
    Note(req.isPaused() ? "paused" : "flowing");
    req.on<"end">([this, &res] {
      Note("req end");
      res.end("ok");
    });
    req.socket()->runAfter(50, [this, &req] {
      Note("resume");
      req.resume();
    });
  });
  EXPECT_EQ(RoundTrip("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\nhi"),
            "HTTP/1.1 200 OK\r\n" + std::string(kKeepAlive) + "Content-Length: 2\r\n\r\nok");
  EXPECT_THAT(Notes(), ElementsAre("paused", "resume", "req end"));
}

// v12's Readable: after pause() no 'data' comes, not even for chunks that arrived in
// the same receive; resume() delivers the held chunks in order, then 'end'.
TEST_F(IncomingMessageBody, PauseHoldsDataFromTheSameReceiveUntilResume) {
  Start([this](http::IncomingMessage& req, http::ServerResponse& res) {
    req.on<"data">([this, &req](std::string_view chunk) {
      Note("data " + std::string(chunk));
      if (chunk == "a") {
        req.pause();
        req.socket()->runAfter(50, [this, &req] {
          Note("resume");
          req.resume();
        });
      }
    });
    req.on<"end">([this, &res] {
      Note("end");
      res.end("ok");
    });
  });
  EXPECT_EQ(RoundTrip("POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "1\r\na\r\n1\r\nb\r\n2\r\ncd\r\n1\r\ne\r\n0\r\n\r\n"),
            Ok("ok"));
  EXPECT_THAT(Notes(), ElementsAre("data a", "resume", "data b", "data cd", "data e", "end"));
}

// Bytes that arrive before anyone reads are kept (as v12's readable buffer keeps
// them) and reach a 'data' listener added later, before 'end'.
TEST_F(IncomingMessageBody, BodyArrivingBeforeAnyListenerReachesALateListener) {
  Start([this](http::IncomingMessage& req, http::ServerResponse& res) {
    req.socket()->runAfter(50, [this, &req, &res] {
      req.on<"data">([this](std::string_view chunk) { Note("data " + std::string(chunk)); });
      req.on<"end">([this, &res] {
        Note("end");
        res.end("ok");
      });
    });
  });
  EXPECT_EQ(RoundTrip("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello"),
            Ok("ok"));
  EXPECT_THAT(Notes(), ElementsAre("data hello", "end"));
}

// A paused request stops the server reading once 16 KiB of its body are held (v12's
// readableHighWaterMark): a 32 MiB upload stalls (the kernel's buffers take a few
// MiB), and after resume() every byte arrives, in order.
TEST_F(IncomingMessageBody, PausedRequestStopsReadingAndResumeDeliversEveryByte) {
  const Upload upload(32 << 20, 7);
  Received received;
  std::atomic<bool> resume_now{false};
  Start([&](http::IncomingMessage& req, http::ServerResponse& res) {
    req.pause();
    req.on<"data">([&](std::string_view chunk) { received.Add(chunk); });
    req.on<"end">([&res] { res.end("done"); });
    // Resumed when the test says so, checked every 10 ms on the loop thread.
    struct Poll {
      static void Arm(http::IncomingMessage* r, std::atomic<bool>* now) {
        r->socket()->runAfter(10, [r, now] {
          if (*now) r->resume();
          else Arm(r, now);
        });
      }
    };
    Poll::Arm(&req, &resume_now);
  });
  int fd = Connect();
  Send(fd, PostHead(upload.bytes.size()));
  size_t sent = 0;
  SendWhileTaken(fd, upload.bytes, &sent, 300);  // until the socket stays full for 300 ms
  EXPECT_LT(sent, upload.bytes.size() / 2) << "the server kept reading a paused request";
  EXPECT_EQ(received.bytes.load(), 0u);
  resume_now = true;
  while (sent < upload.bytes.size()) SendWhileTaken(fd, upload.bytes, &sent, 5000);
  EXPECT_EQ(Read(fd, 2000), Ok("done"));
  EXPECT_EQ(received.bytes.load(), upload.bytes.size());
  EXPECT_EQ(received.sum.load(), upload.sum);
  close(fd);
}

// Checked against v12.22.9: pause() stops the flow, not the socket (a few bytes held
// do not reach the high-water mark), so a client that leaves is still seen.
TEST_F(IncomingMessageBody, PausedRequestIsAbortedWhenTheClientLeaves) {
  Start([this](http::IncomingMessage& req, http::ServerResponse&) {
    req.pause();
    req.on<"data">([this](std::string_view) { Note("data"); });
    req.on<"aborted">([this] { Note("aborted"); });
    req.on<"close">([this] { Note("close"); });
  });
  int fd = Connect();
  Send(fd, "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\nabc");
  ASSERT_TRUE(WaitUntilServerReceived(fd));  // so that it is paused before the FIN comes
  close(fd);
  EXPECT_THAT(WaitForNotes(2), ElementsAre("aborted", "close"));
}

// Checked against v12.22.9: a request sent after one that is paused (and not yet
// answered) is parsed and reaches the 'request' listener; the responses leave in
// order once the first is answered.
TEST_F(IncomingMessageBody, RequestBehindAPausedOneIsStillRead) {
  auto first = std::make_shared<http::ServerResponse*>(nullptr);
  Start([this, first](http::IncomingMessage& req, http::ServerResponse& res) {
    Note("request " + std::string(req.url));
    if (req.url == "/paused") {
      req.pause();
      *first = &res;
      return;
    }
    res.end("second");
    // The first is answered only once the second has arrived.
    req.socket()->runAfter(20, [this, first] {
      Note("answer first");
      (*first)->end("first");
    });
  });
  int fd = Connect();
  Send(fd, "POST /paused HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\nhi");
  EXPECT_EQ(Read(fd, 100), "");
  Send(fd, "GET /next HTTP/1.1\r\nHost: localhost\r\n\r\n");
  EXPECT_EQ(Read(fd, 300), Ok("first") + Ok("second"));
  close(fd);
  EXPECT_THAT(Notes(), ElementsAre("request /paused", "request /next", "answer first"));
}

// A listener that pauses in every 'data' and resumes a moment later: each chunk's
// receive buffer goes back to the ring as its 'data' returns, so an upload larger
// than the whole ring (1,024 x 16 KiB) arrives whole, in order.
TEST_F(IncomingMessageBody, PausingInEveryDataReleasesEachChunksBuffer) {
  const Upload upload(24 << 20, 11);
  Received received;
  Start([&](http::IncomingMessage& req, http::ServerResponse& res) {
    req.on<"data">([&](std::string_view chunk) {
      received.Add(chunk);
      req.pause();
      req.socket()->runAfter(1, [&req] { req.resume(); });
    });
    req.on<"end">([&res] { res.end("done"); });
  });
  int fd = Connect();
  Send(fd, PostHead(upload.bytes.size()));
  size_t sent = 0;
  ASSERT_EQ(SendWhileTaken(fd, upload.bytes, &sent, 10000), upload.bytes.size())
      << "the upload stalled at " << received.bytes.load() << " bytes read";
  // The whole response (read up to its end: the kept-alive connection stays open).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(10000);
  EXPECT_EQ(NormaliseDate(ReadUntil(fd, "\r\n\r\ndone", deadline)), Ok("done"));
  EXPECT_EQ(received.bytes.load(), upload.bytes.size());
  EXPECT_EQ(received.sum.load(), upload.sum);
  close(fd);
}

// Checked against v12.22.9 (054_pipelined_unread_body for a small body): a body
// nobody reads is dropped once its response has finished, however large, and the
// request behind it is served.
TEST_F(IncomingMessageBody, UnreadLargeBodyIsDroppedAndTheNextRequestServed) {
  constexpr size_t kSize = 8 << 20;
  Start([](http::IncomingMessage& req, http::ServerResponse& res) {
    res.end(std::string(req.url));
  });
  int fd = Connect();
  std::string bytes = "POST /big HTTP/1.1\r\nHost: localhost\r\nContent-Length: " +
                      std::to_string(kSize) + "\r\n\r\n" + std::string(kSize, 'x') +
                      "GET /next HTTP/1.1\r\nHost: localhost\r\n\r\n";
  size_t sent = 0;
  ASSERT_EQ(SendWhileTaken(fd, bytes, &sent, 10000), bytes.size());
  EXPECT_EQ(Read(fd, 1000), Ok("/big") + Ok("/next"));
  close(fd);
}

}  // namespace
