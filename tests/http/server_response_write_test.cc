// http::ServerResponse's write(chunk[, encoding][, callback]) and writableLength()
// end to end (http/server_response.cc), each checked against v12.22.9 running the
// same handler: the callbacks' success path and their order with 'finish', the
// bytes each encoding sends, and what writableLength() counts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http/server.h"
#include "http/server_response.h"
#include "tests/http/server_response_util.h"

namespace {

using ::testing::ElementsAre;
using namespace http_test;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

std::string Arg(const http::Error* e) { return e == nullptr ? "null" : std::string(e->code()); }

// v12: res.write('a', cb1); res.write('6869', 'hex', cb2); res.end('z', cb3) with a
// 'finish' listener logs "handler returns", cb1, cb2 (each with no error), 'finish',
// cb3: a write's callback comes once its bytes are written, before 'finish'.
TEST_F(ServerResponse, WriteCallbacksRunOnceSentInOrderBeforeFinishAndTheEndCallback) {
  Start([this](http::IncomingMessage&, http::ServerResponse& res) {
    res.on<"finish">([this] { Note("finish"); });
    res.write("a", [this](const http::Error* e) { Note("write cb a " + Arg(e)); });
    res.write("6869", "hex", [this](const http::Error* e) { Note("write cb hex " + Arg(e)); });
    res.end("z", [this] { Note("end cb"); });
    Note("handler returns");
  });
  EXPECT_EQ(RoundTrip(kGet),
            Chunked("HTTP/1.1 200 OK\r\n", "1\r\na\r\n2\r\nhi\r\n1\r\nz\r\n0\r\n\r\n"));
  EXPECT_THAT(WaitForNotes(5), ElementsAre("handler returns", "write cb a null",
                                           "write cb hex null", "finish", "end cb"));
}

// A write far larger than the kernel's socket buffers, to a client that does not
// read: v12 calls back once the last byte has gone to the kernel, when the client
// has read the rest; by then nothing of it is left to send (writableLength 0).
TEST_F(ServerResponse, AWriteCallbackWaitsUntilItsBytesAreHandedToTheKernel) {
  constexpr size_t kBig = size_t{32} << 20;
  Start([this](http::IncomingMessage&, http::ServerResponse& res) {
    bool ret = res.write(std::string(kBig, 'w'), [this, &res](const http::Error* e) {
      Note("write cb " + Arg(e) + " " + std::to_string(res.writableLength()));
      res.end();
    });
    Note(std::string("write returned ") + (ret ? "true" : "false") +
         (res.writableLength() > kBig ? ", holding it all" : ", holding less than the chunk"));
  });
  int fd = Connect();
  Send(fd, kGet);
  EXPECT_THAT(WaitForNotes(1), ElementsAre("write returned false, holding it all"));
  // The client reads nothing yet: whatever the machine's speed, 32 MiB cannot all be
  // in its socket buffers, so the callback must not have run. (Without the wait it
  // would run, if at all, at once: the check cannot pass by being slow.)
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_EQ(Notes().size(), 1u) << "the callback ran before the client read: " << Notes().back();
  std::string got = ReadUntil(fd, "\r\n0\r\n\r\n", steady_clock::now() + milliseconds(30000));
  EXPECT_EQ(NormaliseDate(got),
            Chunked("HTTP/1.1 200 OK\r\n", "2000000\r\n" + std::string(kBig, 'w') + "\r\n0\r\n\r\n"));
  EXPECT_THAT(WaitForNotes(2), ElementsAre("write returned false, holding it all",
                                           "write cb null 0"));
  close(fd);
}

// The bytes v12 sends for each encoding (the C++ chunk is the bytes of the JS
// string: one byte per character for latin1, binary and ascii): as given for utf8,
// utf-8, latin1, binary and ascii, decoded for hex (in any case), and, for an
// encoding name v12 does not know, as utf8 (the stream hands the name to its
// handle, which falls back to utf8; nothing throws). end(data, encoding) counts the
// decoded bytes in Content-Length.
TEST_F(ServerResponse, WriteWithAnEncodingSendsTheBytesV12Sends) {
  Start([](http::IncomingMessage& req, http::ServerResponse& res) {
    if (req.url == "/end") {
      res.end("6869", "hex");
      return;
    }
    if (req.url == "/base64") {
      res.write("aGk=", "base64");
      res.write("hi", "utf16le");
      res.end("aGk=", "Base64");
      return;
    }
    if (req.url == "/end-base64") {
      res.end("aGVsbG8=", "base64");
      return;
    }
    res.write("\xe9", "latin1");
    res.write("\xc3\xa9", "utf8");
    res.write("\xe9", "ascii");
    res.write("\xe9", "binary");
    res.write("48656C6c6F", "HEX");
    res.write("x", "UTF-8");
    res.write("y", "bogus");
    res.end("z", "bogus");
  });
  EXPECT_EQ(RoundTrip(kGet), Chunked("HTTP/1.1 200 OK\r\n",
                                     "1\r\n\xe9\r\n2\r\n\xc3\xa9\r\n1\r\n\xe9\r\n1\r\n\xe9\r\n"
                                     "5\r\nHello\r\n1\r\nx\r\n1\r\ny\r\n1\r\nz\r\n0\r\n\r\n"));
  EXPECT_EQ(RoundTrip("GET /end HTTP/1.1\r\nHost: x\r\n\r\n"), WithLength("HTTP/1.1 200 OK\r\n", "hi"));
  // Decoded before framing: chunk sizes and Content-Length count the decoded bytes.
  EXPECT_EQ(RoundTrip("GET /base64 HTTP/1.1\r\nHost: x\r\n\r\n"),
            Chunked("HTTP/1.1 200 OK\r\n",
                    std::string("2\r\nhi\r\n4\r\nh\0i\0\r\n2\r\nhi\r\n0\r\n\r\n", 28)));
  EXPECT_EQ(RoundTrip("GET /end-base64 HTTP/1.1\r\nHost: x\r\n\r\n"),
            WithLength("HTTP/1.1 200 OK\r\n", "hello"));
}

// v12's writableLength is the bytes written and not yet taken by the kernel: 0
// before any write; while corked, the head, the chunk's framing and its bytes (76
// for v12's own head); 0 in the callback of a write with nothing after it.
TEST_F(ServerResponse, WritableLengthCountsTheHeadFramingAndBytesNotYetSent) {
  Start([this](http::IncomingMessage&, http::ServerResponse& res) {
    Note(std::to_string(res.writableLength()));
    res.cork();
    res.write("hello");
    Note(std::to_string(res.writableLength()));
    res.uncork();
    res.write("x", [this, &res](const http::Error*) {
      Note(std::to_string(res.writableLength()));
      res.end();
    });
  });
  int fd = Connect();
  Send(fd, kGet);
  std::string got = ReadUntil(fd, "\r\n0\r\n\r\n");
  EXPECT_EQ(NormaliseDate(got),
            Chunked("HTTP/1.1 200 OK\r\n", "5\r\nhello\r\n1\r\nx\r\n0\r\n\r\n"));
  // What was corked: everything before the second chunk.
  std::string corked = std::to_string(got.find("1\r\nx\r\n"));
  EXPECT_THAT(WaitForNotes(3), ElementsAre("0", corked, "0"));
  close(fd);
}

}  // namespace
