// http::ServerResponse end to end: a real Server on loopback, raw request bytes,
// responses compared byte for byte with what Node v12.22.9 writes for the same
// handler (the scenario named next to each test is the recorded fixture in
// tests/conformance/scenarios/; the others were checked against the v12 runtime).
#include "http/server_response.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "http/server.h"
#include "tests/http/server_response_util.h"

namespace {

using ::testing::ElementsAre;
using namespace http_test;

// --- end, write, writeHead ---------------------------------------------------------

// 001_hello_end
TEST_F(ServerResponse, EndWithDataSendsContentLengthAfterDateAndConnection) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) {
    res.setHeader("Content-Type", "text/plain");
    res.end("Hello, World!");
  });
  EXPECT_EQ(RoundTrip(kGet),
            WithLength("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n", "Hello, World!"));
}

// 002_end_empty
TEST_F(ServerResponse, EndWithoutDataSendsContentLengthZero) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) { res.end(); });
  EXPECT_EQ(RoundTrip(kGet), WithLength("HTTP/1.1 200 OK\r\n", ""));
}

// 086_end_twice_ignored
TEST_F(ServerResponse, EndTwiceIsIgnored) {
  Start([this](http::IncomingMessage&, http::ServerResponse& res) {
    res.on<"error">([this](const http::Error& e) { Note(std::string(e.code())); });
    res.end("once");
    res.end("twice");
  });
  EXPECT_EQ(RoundTrip(kGet), WithLength("HTTP/1.1 200 OK\r\n", "once"));
  EXPECT_TRUE(Notes().empty());
}

TEST_F(ServerResponse, EndCallbackRunsOnceTheResponseIsSent) {
  Start([this](http::IncomingMessage&, http::ServerResponse& res) {
    res.end("ok",
            [this, &res] { Note(std::string("cb ended=") + (res.writableEnded() ? "1" : "0")); });
    Note("end returned");
  });
  EXPECT_EQ(RoundTrip(kGet), WithLength("HTTP/1.1 200 OK\r\n", "ok"));
  EXPECT_THAT(WaitForNotes(2), ElementsAre("end returned", "cb ended=1"));
}

// 003_write_then_end_chunked
TEST_F(ServerResponse, WriteFirstSendsEachWriteAsOneChunk) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) {
    res.write("ab");
    res.write(std::string("cde"));
    res.end("f");
  });
  EXPECT_EQ(RoundTrip(kGet),
            Chunked("HTTP/1.1 200 OK\r\n", "2\r\nab\r\n3\r\ncde\r\n1\r\nf\r\n0\r\n\r\n"));
}

TEST_F(ServerResponse, WriteAdoptsALargeStringAndSendsItWhole) {
  std::string big(100000, 'z');
  Start([big](http::IncomingMessage&, http::ServerResponse& res) {
    res.write(std::string(big));
    res.end();
  });
  EXPECT_EQ(RoundTrip(kGet), Chunked("HTTP/1.1 200 OK\r\n", "186a0\r\n" + big + "\r\n0\r\n\r\n"));
}

// The C++ stand-in for a Buffer: the bytes leave from the shared string itself, and
// the response lets go of it once they are sent.
TEST_F(ServerResponse, EndAndWriteWithSharedBytesSendThemAndReleaseThem) {
  auto big = std::make_shared<const std::string>(200000, 'b');
  auto small = std::make_shared<const std::string>("tail");
  Start([big, small](http::IncomingMessage& req, http::ServerResponse& res) {
    if (req.url == "/end") {
      res.end(big);
    } else if (req.url == "/count") {
      // The test's pointer and this handler's: the responses gave theirs back.
      res.end(std::to_string(big.use_count()) + " " + std::to_string(small.use_count()));
    } else {
      res.write(big);
      res.end(small);
    }
  });
  EXPECT_EQ(RoundTrip("GET /end HTTP/1.1\r\nHost: x\r\n\r\n"),
            WithLength("HTTP/1.1 200 OK\r\n", *big));
  EXPECT_EQ(RoundTrip("GET /write HTTP/1.1\r\nHost: x\r\n\r\n"),
            Chunked("HTTP/1.1 200 OK\r\n", "30d40\r\n" + *big + "\r\n4\r\ntail\r\n0\r\n\r\n"));
  EXPECT_EQ(RoundTrip("GET /count HTTP/1.1\r\nHost: x\r\n\r\n"),
            WithLength("HTTP/1.1 200 OK\r\n", "2 2"));
  StopServer();  // the handler's copies go with the server
  EXPECT_EQ(big.use_count(), 1);
  EXPECT_EQ(small.use_count(), 1);
}

// Framing never copies a body: the chunk size line, its CRLF and the trailers are
// iovecs of their own around the caller's bytes. Seen from outside: bytes changed
// after write()/end() returned, before the loop sends, are the bytes that leave.
TEST_F(ServerResponse, ChunkedFramingSendsTheCallersBytesInPlace) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) {
    auto first = std::make_shared<std::string>(100000, 'a');
    auto last = std::make_shared<std::string>(1000, 'c');
    res.write(std::shared_ptr<const std::string>(first));
    res.addTrailers({{"X-T", "1"}});
    res.end(std::shared_ptr<const std::string>(last));
    // Still queued: the loop sends once this listener returns.
    (*first)[0] = 'A';
    (*last)[999] = 'C';
  });
  std::string first = "A" + std::string(99999, 'a');
  std::string last = std::string(999, 'c') + "C";
  EXPECT_EQ(RoundTrip(kGet), Chunked("HTTP/1.1 200 OK\r\n", "186a0\r\n" + first + "\r\n3e8\r\n" +
                                                               last + "\r\n0\r\nX-T: 1\r\n\r\n"));
}

// 129_write_backpressure_drain
TEST_F(ServerResponse, WriteReturnsFalsePastTheHighWaterMarkThenDrainFires) {
  std::string big(100000, 'a');
  Start([big](http::IncomingMessage&, http::ServerResponse& res) {
    bool ret = res.write(std::string_view(big));
    res.on<"drain">([&res, ret] {
      res.end(std::string("\nwrite returned ") + (ret ? "true" : "false") + ", then drain");
    });
  });
  EXPECT_EQ(RoundTrip(kGet),
            Chunked("HTTP/1.1 200 OK\r\n", "186a0\r\n" + big +
                                               "\r\n21\r\n\nwrite returned false, then drain\r\n"
                                               "0\r\n\r\n"));
}

// 085_err_write_after_end
TEST_F(ServerResponse, WriteAfterEndEmitsErrStreamWriteAfterEnd) {
  Start([this](http::IncomingMessage&, http::ServerResponse& res) {
    res.on<"error">([this](const http::Error& e) {
      Note(std::string(e.code()) + ": " + std::string(e.message()));
    });
    res.end("first");
    res.write("late");
  });
  EXPECT_EQ(RoundTrip(kGet), WithLength("HTTP/1.1 200 OK\r\n", "first"));
  EXPECT_THAT(Notes(), ElementsAre("ERR_STREAM_WRITE_AFTER_END: write after end"));
}

// The deferred 'error' belongs to the response that wrote: with a factory, each
// request's objects are freed once the next request takes the exchange, which here
// happens within microseconds of the write. Nothing of a freed response is read
// (ASan checks), and each response gets its one error before its 'finish'.
TEST_F(ServerResponse, WriteAfterEndErrorIsEmittedBeforeTheResponseIsFreed) {
  http::ServerOptions options;
  options.ServerResponse = [] { return std::make_unique<http::ServerResponse>(); };
  Start(
      [this](http::IncomingMessage&, http::ServerResponse& res) {
        res.on<"error">([this](const http::Error& e) { Note(std::string(e.code())); });
        res.on<"finish">([this] { Note("finish"); });
        res.end("a");
        res.write("b");
      },
      {}, std::move(options));
  constexpr int kRequests = 50;
  int fd = Connect();
  const std::string response = WithLength("HTTP/1.1 200 OK\r\n", "a");
  for (int i = 0; i < kRequests; ++i) {
    Send(fd, kGet);
    std::string got;
    char buf[4096];
    while (got.size() < response.size()) {  // the next request goes at once
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 2000) <= 0) break;
      ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
    ASSERT_EQ(NormaliseDate(got), response) << "request " << i;
  }
  std::vector<std::string> notes = WaitForNotes(2 * kRequests);
  close(fd);
  ASSERT_EQ(notes.size(), 2u * kRequests);
  for (int i = 0; i < kRequests; ++i) {
    EXPECT_EQ(notes[2 * i], "ERR_STREAM_WRITE_AFTER_END") << "request " << i;
    EXPECT_EQ(notes[2 * i + 1], "finish") << "request " << i;
  }
}

// 018_writehead_reason_phrase
TEST_F(ServerResponse, WriteHeadSendsReasonAndHeadersAndMakesEndChunked) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) {
    res.writeHead(201, "Made It", {{"X-Id", "7"}});
    res.end("created");
  });
  EXPECT_EQ(RoundTrip(kGet),
            Chunked("HTTP/1.1 201 Made It\r\nX-Id: 7\r\n", "7\r\ncreated\r\n0\r\n\r\n"));
}

// 005_writehead_content_length
TEST_F(ServerResponse, WriteHeadWithContentLengthSendsTheBodyUnchunked) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) {
    res.writeHead(200, {{"Content-Length", "5"}});
    res.end("hello");
  });
  EXPECT_EQ(RoundTrip(kGet),
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n" + std::string(kKeepAlive) + "\r\nhello");
}

// 083_err_invalid_status_writehead
TEST_F(ServerResponse, WriteHeadThrowsErrHttpInvalidStatusCodeOutside100To999) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) {
    std::string report;
    for (int code : {99, 1000}) {
      try {
        res.writeHead(code);
        report += "no error";
      } catch (const http::Error& e) {
        if (!report.empty()) report += "\n";
        report += std::string(e.code()) + ": " + std::string(e.message());
      }
    }
    res.writeHead(200);
    res.end(report);
  });
  EXPECT_EQ(RoundTrip(kGet),
            Chunked("HTTP/1.1 200 OK\r\n",
                    "6d\r\nERR_HTTP_INVALID_STATUS_CODE: Invalid status code: 99\n"
                    "ERR_HTTP_INVALID_STATUS_CODE: Invalid status code: 1000\r\n0\r\n\r\n"));
}

// --- state -------------------------------------------------------------------------

// 130_state_flags
TEST_F(ServerResponse, HeadersSentTurnsTrueOnceTheHeadIsRendered) {
  Start([this](http::IncomingMessage& req, http::ServerResponse& res) {
    Note(res.headersSent() ? "true" : "false");
    if (req.url == "/write") {
      res.write("x");
    } else {
      res.writeHead(200);
    }
    Note(res.headersSent() ? "true" : "false");
    res.end();
  });
  int fd = Connect();
  Exchange(fd,
           "GET /write HTTP/1.1\r\nHost: localhost\r\n\r\nGET /writehead HTTP/1.1\r\nHost: "
           "localhost\r\n\r\n");
  close(fd);
  EXPECT_THAT(Notes(), ElementsAre("false", "true", "false", "true"));
}

// 130_state_flags, and after end().
TEST_F(ServerResponse, FinishedTurnsTrueWhenEndIsCalled) {
  Start([this](http::IncomingMessage&, http::ServerResponse& res) {
    Note(res.finished() ? "true" : "false");
    res.write("x");
    Note(res.finished() ? "true" : "false");
    res.end();
    Note(res.finished() ? "true" : "false");
  });
  RoundTrip(kGet);
  EXPECT_THAT(Notes(), ElementsAre("false", "false", "true"));
}

TEST_F(ServerResponse, WritableEndedTurnsTrueWhenEndIsCalled) {
  Start([this](http::IncomingMessage&, http::ServerResponse& res) {
    Note(res.writableEnded() ? "true" : "false");
    res.write("x");
    Note(res.writableEnded() ? "true" : "false");
    res.end();
    Note(res.writableEnded() ? "true" : "false");
  });
  RoundTrip(kGet);
  EXPECT_THAT(Notes(), ElementsAre("false", "false", "true"));
}

TEST_F(ServerResponse, WritableFinishedIsTrueByFinish) {
  Start([this](http::IncomingMessage&, http::ServerResponse& res) {
    Note(res.writableFinished() ? "true" : "false");
    res.write("x");
    Note(res.writableFinished() ? "true" : "false");
    res.on<"finish">([this, &res] { Note(res.writableFinished() ? "true" : "false"); });
    res.end();
  });
  RoundTrip(kGet);
  EXPECT_THAT(WaitForNotes(3), ElementsAre("false", "false", "true"));
}

// --- events ------------------------------------------------------------------------

TEST_F(ServerResponse, FinishFiresOnceAfterEnd) {
  Start([this](http::IncomingMessage&, http::ServerResponse& res) {
    res.on<"finish">([this] { Note("finish"); });
    res.write("a");
    Note("wrote");
    res.end("b");
  });
  RoundTrip(kGet);
  EXPECT_THAT(WaitForNotes(2), ElementsAre("wrote", "finish"));
}

TEST_F(ServerResponse, CloseFiresWhenTheConnectionDropsBeforeEnd) {
  Start([this](http::IncomingMessage&, http::ServerResponse& res) {
    res.on<"finish">([this] { Note("finish"); });
    res.on<"close">([this] { Note("close"); });
  });
  int fd = Connect();
  EXPECT_EQ(Exchange(fd, kGet, 100), "");
  Reset(fd);
  EXPECT_THAT(WaitForNotes(1), ElementsAre("close"));
}

// Checked against v12.22.9: after end(data, cb), 'finish', then the callback, then
// 'close' (126_event_order records the same order).
TEST_F(ServerResponse, FinishThenEndCallbackThenCloseAfterANormalEnd) {
  Start([this](http::IncomingMessage&, http::ServerResponse& res) {
    res.on<"finish">([this] { Note("finish"); });
    res.on<"close">([this] { Note("close"); });
    res.end("x", [this] { Note("callback"); });
  });
  RoundTrip(kGet);
  EXPECT_THAT(WaitForNotes(3), ElementsAre("finish", "callback", "close"));
}

// Checked against v12.22.9: end()'s callback is a 'finish' listener added by end().
TEST_F(ServerResponse, EndCallbackRunsAfterFinishListenersAddedBeforeEndAndBeforeLaterOnes) {
  Start([this](http::IncomingMessage&, http::ServerResponse& res) {
    res.on<"finish">([this] { Note("finish 1"); });
    res.on<"close">([this] { Note("close"); });
    res.end("x", [this] { Note("callback"); });
    res.on<"finish">([this] { Note("finish 2"); });
  });
  RoundTrip(kGet);
  EXPECT_THAT(WaitForNotes(4), ElementsAre("finish 1", "callback", "finish 2", "close"));
}

// Checked against v12.22.9: an end() that adds no bytes (the body went out before)
// still finishes.
TEST_F(ServerResponse, FinishFiresWhenEndHasNothingLeftToSend) {
  Start([this](http::IncomingMessage& req, http::ServerResponse& res) {
    res.writeHead(200, {{"Content-Length", "2"}});
    res.write("hi");
    res.on<"finish">([this] { Note("finish"); });
    res.on<"close">([this] { Note("close"); });
    req.socket()->runAfter(50, [this, &res] {
      Note("end");
      res.end();
    });
  });
  EXPECT_EQ(RoundTrip(kGet),
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n" + std::string(kKeepAlive) + "\r\nhi");
  EXPECT_THAT(WaitForNotes(3), ElementsAre("end", "finish", "close"));
}

// --- trailers, interim responses, flushing -------------------------------------------

// 065_trailers_chunked
TEST_F(ServerResponse, AddTrailersWritesThemAfterTheLastChunk) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) {
    res.writeHead(200, {{"Content-Type", "text/plain"}, {"Trailer", "X-Checksum"}});
    res.write("abc");
    res.addTrailers({{"X-Checksum", "123"}});
    res.end();
  });
  EXPECT_EQ(RoundTrip(kGet),
            Chunked("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTrailer: X-Checksum\r\n",
                    "3\r\nabc\r\n0\r\nX-Checksum: 123\r\n\r\n"));
}

// 069_trailers_dropped_content_length
TEST_F(ServerResponse, AddTrailersAreDroppedWhenTheBodyIsNotChunked) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) {
    res.addTrailers({{"X-A", "1"}});
    res.end("data");
  });
  EXPECT_EQ(RoundTrip(kGet), WithLength("HTTP/1.1 200 OK\r\n", "data"));
}

// 094_write_continue_manual
TEST_F(ServerResponse, WriteContinueSends100ContinueBeforeTheResponse) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) {
    res.writeContinue();
    res.end("ok");
  });
  EXPECT_EQ(RoundTrip(kGet),
            "HTTP/1.1 100 Continue\r\n\r\n" + WithLength("HTTP/1.1 200 OK\r\n", "ok"));
}

// 095_write_processing
TEST_F(ServerResponse, WriteProcessingSends102ProcessingBeforeTheResponse) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) {
    res.writeProcessing();
    res.end("done");
  });
  EXPECT_EQ(RoundTrip(kGet),
            "HTTP/1.1 102 Processing\r\n\r\n" + WithLength("HTTP/1.1 200 OK\r\n", "done"));
}

// 031_flush_headers_then_end; the head alone checked against v12.22.9.
TEST_F(ServerResponse, FlushHeadersSendsTheHeadAtOnceSoEndIsChunked) {
  Start([](http::IncomingMessage& req, http::ServerResponse& res) {
    res.flushHeaders();
    req.on<"end">([&res] { res.end("hello"); });
    req.resume();  // as in v12, 'end' needs the body read
  });
  int fd = Connect();
  // The head arrives while the body does not exist yet.
  EXPECT_EQ(Exchange(fd, "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\n", 100),
            Chunked("HTTP/1.1 200 OK\r\n", ""));
  EXPECT_EQ(Exchange(fd, "hi"), "5\r\nhello\r\n0\r\n\r\n");
  close(fd);
}

// 035_cork_uncork
TEST_F(ServerResponse, CorkedWritesStillGoOutAsOneChunkPerWrite) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) {
    res.cork();
    res.write("one");
    res.write("two");
    res.uncork();
    res.end("three");
  });
  EXPECT_EQ(RoundTrip(kGet),
            Chunked("HTTP/1.1 200 OK\r\n", "3\r\none\r\n3\r\ntwo\r\n5\r\nthree\r\n0\r\n\r\n"));
}

// Checked against v12.22.9: nothing reaches the client until uncork().
TEST_F(ServerResponse, CorkHoldsWritesUntilUncork) {
  Start([](http::IncomingMessage& req, http::ServerResponse& res) {
    res.cork();
    res.write("one");
    req.on<"end">([&res] {
      res.uncork();
      res.end();
    });
    req.resume();
  });
  int fd = Connect();
  EXPECT_EQ(Exchange(fd, "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\n", 100),
            "");
  EXPECT_EQ(Exchange(fd, "hi"), Chunked("HTTP/1.1 200 OK\r\n", "3\r\none\r\n0\r\n\r\n"));
  close(fd);
}

// --- timeouts and the socket ---------------------------------------------------------

// 157_res_settimeout
TEST_F(ServerResponse, SetTimeoutCallsTheCallbackWhenTheSocketIdles) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) {
    res.setTimeout(150, [&res] {
      res.statusCode = 503;
      res.end("timed out");
    });
  });
  EXPECT_EQ(RoundTrip(kGet, 600), WithLength("HTTP/1.1 503 Service Unavailable\r\n", "timed out"));
}

// Checked against v12.22.9: a response 'timeout' listener keeps the socket open.
TEST_F(ServerResponse, SetTimeoutListenerRunsWhenTheSocketIdlesAndKeepsItOpen) {
  Start([this](http::IncomingMessage&, http::ServerResponse& res) {
    res.setTimeout(150, [this] { Note("timeout"); });
  });
  int fd = Connect();
  EXPECT_EQ(Exchange(fd, kGet, 500), "");  // not closed
  EXPECT_THAT(Notes(), ElementsAre("timeout"));
  Reset(fd);
}

TEST_F(ServerResponse, SocketIsTheRequestsConnection) {
  Start([this](http::IncomingMessage& req, http::ServerResponse& res) {
    http::Socket* s = res.socket();
    Note(s != nullptr && s == req.socket() ? "same" : "different");
    Note(s == nullptr ? "0" : std::to_string(s->remotePort()));
    Note(s == nullptr ? "" : s->remoteAddress());
    res.end();
  });
  int fd = Connect();
  Exchange(fd, kGet);
  uint16_t port = LocalPort(fd);
  close(fd);
  EXPECT_THAT(Notes(), ElementsAre("same", std::to_string(port), "127.0.0.1"));
}

TEST_F(ServerResponse, ConnectionIsTheSameSocketAsSocket) {
  Start([this](http::IncomingMessage&, http::ServerResponse& res) {
    Note(res.connection() != nullptr && res.connection() == res.socket() ? "same" : "different");
    res.end();
  });
  RoundTrip(kGet);
  EXPECT_THAT(Notes(), ElementsAre("same"));
}

}  // namespace
