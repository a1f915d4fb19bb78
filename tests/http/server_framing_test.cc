// End to end through a loopback server: what the default mode answers to requests
// whose framing it refuses, to requests that close the connection, and to valid but
// unusual ones; and what insecureHTTPParser (v12's parser, checked against v12.22.9)
// does with the same bytes. Every request is followed in the same send by
// "GET /smuggled", and is sent whole and a byte per send(); in the default mode the
// 'request' listener must never see /smuggled after a refused or closing request,
// and the bytes on the wire must be exactly the answer, then a close (not a reset).
// The parser's own outcomes at every split are in parser_strict_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "tests/http/loopback.h"

namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;

const std::string kSmuggled = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
const std::string kBadRequest = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n";
const std::string kNotImplemented = "HTTP/1.1 501 Not Implemented\r\nConnection: close\r\n\r\n";
const std::string kVersionNotSupported =
    "HTTP/1.1 505 HTTP Version Not Supported\r\nConnection: close\r\n\r\n";
const std::string kPayloadTooLarge = "HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\n\r\n";

// The echo's answer on a kept-alive connection, and on one it closes.
std::string Ok(const std::string& url, const std::string& body = "") {
  std::string content = url + "|" + body + "|end";
  return "HTTP/1.1 200 OK\r\nDate: DATE\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
         "Content-Length: " + std::to_string(content.size()) + "\r\n\r\n" + content;
}
std::string Closed(const std::string& url, const std::string& version = "1.1") {
  std::string content = url + "||end";
  std::string length =
      version == "1.1" ? "Content-Length: " + std::to_string(content.size()) + "\r\n" : "";
  return "HTTP/1.1 200 OK\r\nDate: DATE\r\nConnection: close\r\n" + length + "\r\n" + content;
}

enum class Feed { kWhole, kBytes };

class ServerFraming : public http_test::LoopbackTest {
 protected:
  // A 'request' listener that notes the URL, reads the body and answers
  // "URL|BODY|end"; a 'clientError' listener (when `client_errors`) that notes the
  // code and ends the socket without a word.
  void StartEcho(bool insecure, bool client_errors = false) {
    http::ServerOptions options;
    options.insecureHTTPParser = insecure;
    Start(
        [this](http::IncomingMessage& req, http::ServerResponse& res) {
          std::string url(req.url);
          Note("request " + url);
          auto body = std::make_shared<std::string>();
          req.on<"data">([body](std::string_view d) { body->append(d); });
          req.on<"end">([&res, body, url] { res.end(url + "|" + *body + "|end"); });
        },
        [this, client_errors](http::Server& s) {
          if (!client_errors) return;
          s.on<"clientError">([this](const http::ClientError& e, http::Socket& socket) {
            Note("clientError " + e.code);
            socket.end();
          });
        },
        std::move(options));
  }

  // Sends the bytes whole or a byte per send() (each its own segment: TCP_NODELAY).
  // A server that has closed may refuse the rest: send errors are ignored.
  static void Push(int fd, const std::string& bytes, Feed feed) {
    if (feed == Feed::kWhole) {
      send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      return;
    }
    for (char c : bytes) {
      if (send(fd, &c, 1, MSG_NOSIGNAL) != 1) return;
    }
  }
  // Reads until the server closes ("<closed>"), resets ("<reset>"), or `idle_ms`
  // pass without bytes; Date values are masked.
  static std::string ReadToEnd(int fd, int idle_ms = 2000) {
    std::string out;
    char buf[65536];
    for (;;) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, idle_ms) <= 0) break;
      ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n == 0) return NormaliseDate(out) + "<closed>";
      if (n < 0) return NormaliseDate(out) + "<reset>";
      out.append(buf, static_cast<size_t>(n));
    }
    return NormaliseDate(out);
  }
  std::string SendAndRead(const std::string& bytes, Feed feed) {
    int fd = ConnectNoDelay();
    Push(fd, bytes, feed);
    std::string out = ReadToEnd(fd);
    close(fd);
    return out;
  }
};

// --- requests the default mode refuses ---------------------------------------------

struct Refusal {
  const char* name;
  std::string request;   // sent with kSmuggled after it
  std::string answer;    // the default mode's bytes, before the close
  const char* code;      // its 'clientError' code
  // What v12 (insecureHTTPParser) emits: the URLs its 'request' listener sees.
  std::vector<std::string> v12_requests;
  // Refused in its body: its head (/a) was emitted before the body went wrong.
  bool head_emitted = false;
};

void PrintTo(const Refusal& r, std::ostream* os) { *os << r.name; }

class ServerFramingRefusal : public ServerFraming,
                             public ::testing::WithParamInterface<std::tuple<Refusal, Feed>> {};

TEST_P(ServerFramingRefusal, IsAnsweredAndClosedAndNothingReachesAHandler) {
  const auto& [c, feed] = GetParam();
  StartEcho(/*insecure=*/false);
  EXPECT_EQ(SendAndRead(c.request + kSmuggled, feed), c.answer + "<closed>");
  if (c.head_emitted) {
    EXPECT_THAT(Notes(), ElementsAre("request /a"));
  } else {
    EXPECT_THAT(Notes(), IsEmpty());
  }
}

TEST_P(ServerFramingRefusal, EmitsClientErrorWithItsCode) {
  const auto& [c, feed] = GetParam();
  StartEcho(/*insecure=*/false, /*client_errors=*/true);
  EXPECT_EQ(SendAndRead(c.request + kSmuggled, feed), "<closed>");
  std::vector<std::string> expected;
  if (c.head_emitted) expected.push_back("request /a");
  expected.push_back(std::string("clientError ") + c.code);
  EXPECT_THAT(Notes(), ElementsAreArray(expected));
}

// v12's parser: the same bytes reach the listener as they did in v12.22.9 (where its
// body runs to the end of the stream, /smuggled is that body, not a request). Sent
// whole: a byte at a time, where the first answer closes the connection, what
// follows races the close (parser_strict_test.cc has every split).
class ServerFramingRefusalV12 : public ServerFraming,
                                public ::testing::WithParamInterface<Refusal> {};

TEST_P(ServerFramingRefusalV12, IsEmittedAsV12DidWithInsecureParser) {
  const Refusal& c = GetParam();
  StartEcho(/*insecure=*/true);
  int fd = ConnectNoDelay();
  Push(fd, c.request + kSmuggled, Feed::kWhole);
  std::vector<std::string> expected;
  for (const std::string& url : c.v12_requests) expected.push_back("request " + url);
  EXPECT_THAT(WaitForNotes(expected.size()), ElementsAreArray(expected));
  ReadToEnd(fd, 100);  // whatever else comes, nothing more reaches the listener
  close(fd);
  EXPECT_THAT(Notes(), ElementsAreArray(expected));
}

const std::string kPost = "POST /a HTTP/1.1\r\nHost: x\r\n";
const std::string kChunkedPost = kPost + "Transfer-Encoding: chunked\r\n\r\n";

std::vector<Refusal> Refusals() {
  return {
            Refusal{"UnknownTransferCoding", kPost + "Transfer-Encoding: nonsense\r\n\r\n",
                    kNotImplemented, "HPE_INVALID_TRANSFER_ENCODING", {"/a"}},
            Refusal{"KnownCodingNotChunked", kPost + "Transfer-Encoding: gzip\r\n\r\n",
                    kBadRequest, "HPE_INVALID_TRANSFER_ENCODING", {"/a"}},
            Refusal{"ChunkedNotLast",
                    kPost + "Transfer-Encoding: chunked, gzip\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                    kBadRequest, "HPE_INVALID_TRANSFER_ENCODING", {"/a"}},
            Refusal{"TabAfterChunked", kPost + "Transfer-Encoding: chunked\t\r\n\r\n0\r\n\r\n",
                    kBadRequest, "HPE_INVALID_TRANSFER_ENCODING", {"/a"}},
            Refusal{"TransferEncodingInHttp10",
                    "POST /a HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                    kBadRequest, "HPE_INVALID_TRANSFER_ENCODING", {"/a", "/smuggled"}},
            Refusal{"ContentLengthWithTransferEncoding",
                    kPost + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                    kBadRequest, "HPE_UNEXPECTED_CONTENT_LENGTH", {}},
            Refusal{"TwoHostLines", "GET /a HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", kBadRequest,
                    "HPE_INVALID_HOST", {"/a", "/smuggled"}},
            Refusal{"InvalidHost", "GET /a HTTP/1.1\r\nHost: x/y\r\n\r\n", kBadRequest,
                    "HPE_INVALID_HOST", {"/a", "/smuggled"}},
            Refusal{"NoVersion", "GET /a\r\n\r\n", kBadRequest, "HPE_INVALID_VERSION",
                    {"/a", "/smuggled"}},
            Refusal{"Version20", "GET /a HTTP/2.0\r\nHost: x\r\n\r\n", kVersionNotSupported,
                    "HPE_INVALID_VERSION", {"/a", "/smuggled"}},
            Refusal{"Version30", "GET /a HTTP/3.0\r\nHost: x\r\n\r\n", kVersionNotSupported,
                    "HPE_INVALID_VERSION", {"/a", "/smuggled"}},
            Refusal{"Version17", "GET /a HTTP/1.7\r\nHost: x\r\n\r\n", kBadRequest,
                    "HPE_INVALID_VERSION", {"/a", "/smuggled"}},
            Refusal{"BareLf", "GET /a HTTP/1.1\nHost: x\n\n", kBadRequest,
                    "HPE_INVALID_HEADER_TOKEN", {"/a", "/smuggled"}},
            Refusal{"FoldedHeader", "GET /a HTTP/1.1\r\nHost: x\r\nX-F: a\r\n b\r\n\r\n",
                    kBadRequest, "HPE_INVALID_HEADER_TOKEN", {"/a", "/smuggled"}},
            Refusal{"SpaceBeforeColon", "GET /a HTTP/1.1\r\nHost: x\r\nX-A : 1\r\n\r\n",
                    kBadRequest, "HPE_INVALID_HEADER_TOKEN", {"/a", "/smuggled"}},
            Refusal{"InvalidMethod", "GE T /a HTTP/1.1\r\nHost: x\r\n\r\n", kBadRequest,
                    "HPE_INVALID_METHOD", {}},
            Refusal{"InvalidChunkExtension", kChunkedPost + "2;a=b \r\nab\r\n0\r\n\r\n",
                    kBadRequest, "HPE_STRICT", {"/a", "/smuggled"}, /*head_emitted=*/true},
            Refusal{"ChunkExtensionsOver16KiB",
                    kChunkedPost + "5;e=" + std::string(20000, 'e') + "\r\nhello\r\n0\r\n\r\n",
                    kPayloadTooLarge, "HPE_CHUNK_EXTENSIONS_OVERFLOW", {"/a", "/smuggled"}, true},
            Refusal{"ChunkDataNotEndedByCrlf", kChunkedPost + "5\r\nhelloXX0\r\n\r\n",
                    kBadRequest, "HPE_STRICT", {"/a", "/smuggled"}, true}};
}

std::string FeedName(Feed f) { return f == Feed::kWhole ? "Whole" : "ByteByByte"; }

INSTANTIATE_TEST_SUITE_P(Requests, ServerFramingRefusal,
                         ::testing::Combine(::testing::ValuesIn(Refusals()),
                                            ::testing::Values(Feed::kWhole, Feed::kBytes)),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param).name) +
                                  FeedName(std::get<1>(info.param));
                         });
INSTANTIATE_TEST_SUITE_P(Requests, ServerFramingRefusalV12, ::testing::ValuesIn(Refusals()),
                         [](const auto& info) { return std::string(info.param.name); });

// --- requests that close the connection ------------------------------------------

struct Closing {
  const char* name;
  std::string request;  // sent with kSmuggled after it
  std::string answer;   // what the default mode sends before it closes
  std::vector<std::string> requests;      // what its listener sees
  std::vector<std::string> v12_requests;  // what v12's sees
};

void PrintTo(const Closing& c, std::ostream* os) { *os << c.name; }

class ServerFramingClosing : public ServerFraming,
                             public ::testing::WithParamInterface<std::tuple<Closing, Feed>> {};

TEST_P(ServerFramingClosing, AnswersItThenClosesAndEmitsNothingAfterIt) {
  const auto& [c, feed] = GetParam();
  StartEcho(/*insecure=*/false, /*client_errors=*/true);
  EXPECT_EQ(SendAndRead(c.request + kSmuggled, feed), c.answer + "<closed>");
  // Bytes after a closing request are no client error either.
  EXPECT_THAT(Notes(), ElementsAreArray(c.requests));
}

// Sent whole, as for the refusals above.
class ServerFramingClosingV12 : public ServerFraming,
                                public ::testing::WithParamInterface<Closing> {};

TEST_P(ServerFramingClosingV12, GoesOnParsingAsV12DidWithInsecureParser) {
  const Closing& c = GetParam();
  StartEcho(/*insecure=*/true);
  SendAndRead(c.request + kSmuggled, Feed::kWhole);
  EXPECT_THAT(Notes(), ElementsAreArray(c.v12_requests));
}

std::vector<Closing> ClosingRequests() {
  return {
            Closing{"ConnectionClose", "GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                    Closed("/a"), {"request /a"}, {"request /a", "request /smuggled"}},
            Closing{"ConnectionCloseAndATab",
                    "GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\t\r\n\r\n", Closed("/a"),
                    {"request /a"}, {"request /a", "request /smuggled"}},
            Closing{"Http10", "GET /a HTTP/1.0\r\n\r\n", Closed("/a", "1.0"), {"request /a"},
                    {"request /a", "request /smuggled"}},
            Closing{"SecondOfTwo",
                    "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n"
                    "Connection: close\r\n\r\n",
                    Ok("/a") + Closed("/b"), {"request /a", "request /b"},
                    {"request /a", "request /b", "request /smuggled"}},
            // Current Node's answer to a missing Host (conformance 195), written by the
            // server itself: nothing after it is read.
            Closing{"MissingHost", "GET /a HTTP/1.1\r\n\r\n",
                    "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nDate: DATE\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                    {}, {"request /a", "request /smuggled"}}};
}

INSTANTIATE_TEST_SUITE_P(Requests, ServerFramingClosing,
                         ::testing::Combine(::testing::ValuesIn(ClosingRequests()),
                                            ::testing::Values(Feed::kWhole, Feed::kBytes)),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param).name) +
                                  FeedName(std::get<1>(info.param));
                         });
INSTANTIATE_TEST_SUITE_P(Requests, ServerFramingClosingV12, ::testing::ValuesIn(ClosingRequests()),
                         [](const auto& info) { return std::string(info.param.name); });

// RFC 9112 §9.6: the server closes after answering a Connection: close request even
// when the listener's response says keep-alive (v12 kept the connection open, and
// answered what followed: conformance 048), and even when that response is ended
// before the request's body has all arrived.
TEST_F(ServerFraming, ClosesAfterAClosingRequestWhoseResponseSaysKeepAlive) {
  Start([this](http::IncomingMessage& req, http::ServerResponse& res) {
    Note("request " + std::string(req.url));
    res.setHeader("Connection", "keep-alive");
    res.end("ok");
  });
  int fd = ConnectNoDelay();
  Push(fd, "POST /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 5\r\n\r\nab",
       Feed::kWhole);
  const std::string answer =
      "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nDate: DATE\r\nContent-Length: 2\r\n\r\nok";
  EXPECT_EQ(NormaliseDate(ReadUntil(fd, "\r\n\r\nok")), answer);
  Push(fd, "cde" + kSmuggled, Feed::kWhole);
  EXPECT_EQ(ReadToEnd(fd), "<closed>");
  close(fd);
  EXPECT_THAT(Notes(), ElementsAre("request /a"));
}

// A closing request answered later than the bytes after it arrived: they are dropped
// meanwhile, its answer still goes out, then the close.
TEST_F(ServerFraming, AClosingRequestAnsweredLaterIsAnsweredThenClosed) {
  Start([this](http::IncomingMessage& req, http::ServerResponse& res) {
    Note("request " + std::string(req.url));
    req.socket()->runAfter(50, [&res] { res.end("late"); });
  });
  EXPECT_EQ(SendAndRead("GET /a HTTP/1.0\r\n\r\n" + kSmuggled, Feed::kWhole),
            "HTTP/1.1 200 OK\r\nDate: DATE\r\nConnection: close\r\n\r\nlate<closed>");
  EXPECT_THAT(Notes(), ElementsAre("request /a"));
}

// Bytes that arrive in a later receive than the closing request, while its answer is
// pending: not parsed either (the connection keeps its failed parser, it takes no
// fresh one).
TEST_F(ServerFraming, ALaterReceiveAfterAClosingRequestIsNotParsed) {
  auto received = std::make_shared<std::atomic<bool>>(false);  // outlives the server
  Start([this, received](http::IncomingMessage& req, http::ServerResponse& res) {
    Note("request " + std::string(req.url));
    RunWhen(*req.socket(), [received] { return received->load(); }, [&res] { res.end("late"); });
  });
  int fd = ConnectNoDelay();
  Push(fd, "GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", Feed::kWhole);
  ASSERT_THAT(WaitForNotes(1), ElementsAre("request /a"));
  Push(fd, kSmuggled, Feed::kWhole);
  // The answer waits until the server has received the later bytes.
  EXPECT_TRUE(WaitUntilServerReceived(fd));
  *received = true;
  EXPECT_EQ(ReadToEnd(fd),
            "HTTP/1.1 200 OK\r\nDate: DATE\r\nConnection: close\r\nContent-Length: 4\r\n\r\n"
            "late<closed>");
  close(fd);
  EXPECT_THAT(Notes(), ElementsAre("request /a"));
}

// --- valid requests, however unusual ---------------------------------------------

struct Valid {
  const char* name;
  std::string request;  // answered, and then "GET /next" too
  std::string answer;   // the echo's answer to it
  bool v12_refused = false;  // v12 answered 400 instead (and so does insecureHTTPParser)
};

void PrintTo(const Valid& v, std::ostream* os) { *os << v.name; }

class ServerFramingValid : public ServerFraming,
                           public ::testing::WithParamInterface<std::tuple<Valid, Feed, bool>> {};

TEST_P(ServerFramingValid, IsServedAndSoIsTheNextRequest) {
  const auto& [v, feed, insecure] = GetParam();
  StartEcho(insecure);
  int fd = ConnectNoDelay();
  Push(fd, v.request + "GET /next HTTP/1.1\r\nHost: x\r\n\r\n", feed);
  if (insecure && v.v12_refused) {
    EXPECT_EQ(ReadToEnd(fd), kBadRequest + "<closed>");
  } else {
    std::string expected = v.answer + Ok("/next");
    std::string got = NormaliseDate(ReadUntil(fd, "/next||end"));
    EXPECT_EQ(got, expected);
  }
  close(fd);
}

INSTANTIATE_TEST_SUITE_P(
    Requests, ServerFramingValid,
    ::testing::Combine(
        ::testing::Values(
            Valid{"TabsAroundValues", "GET /a HTTP/1.1\r\nHost:\tx\t\r\nX-A:\t1\t\r\n\r\n",
                  Ok("/a")},
            Valid{"TabsInTransferEncoding",
                  kPost + "Transfer-Encoding:\tgzip ,\tchunked\r\n\r\n2\r\nab\r\n0\r\n\r\n",
                  Ok("/a", "ab")},
            Valid{"MixedCaseCodings", kPost + "Transfer-Encoding: Chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n",
                  Ok("/a", "ab")},
            Valid{"LeadingZerosInContentLength", kPost + "Content-Length: 0003\r\n\r\nabc",
                  Ok("/a", "abc")},
            Valid{"LeadingZerosInChunkSizes", kChunkedPost + "0003\r\nabc\r\n000\r\n\r\n",
                  Ok("/a", "abc")},
            Valid{"ObsTextInAValue", "GET /a HTTP/1.1\r\nHost: x\r\nX-O: \xe9\xff\x80\r\n\r\n",
                  Ok("/a")},
            Valid{"Ipv6HostAndPort", "GET /a HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n",
                  Ok("/a")},
            Valid{"Ipv4HostAndPort", "GET /a HTTP/1.1\r\nHost: 127.0.0.1:80\r\n\r\n",
                  Ok("/a")},
            Valid{"EmptyHost", "GET /a HTTP/1.1\r\nHost:\r\n\r\n", Ok("/a")},
            Valid{"AbsoluteForm", "GET http://h:8/p HTTP/1.1\r\nHost: h:8\r\n\r\n",
                  Ok("http://h:8/p")},
            Valid{"OptionsStar", "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", Ok("*")},
            Valid{"QuotedChunkExtensions",
                  kChunkedPost + "2;name=\"a b\"\r\nab\r\n1;q=\"x\\\"y\";t=v;u=\"w z\"\r\nc\r\n0\r\n\r\n",
                  Ok("/a", "abc")},
            Valid{"ChunkExtensionsWithWhitespace",
                  kChunkedPost + "2 ; a = b\r\nab\r\n0\r\n\r\n", Ok("/a", "ab")},
            Valid{"ChunkExtensionAfterATab", kChunkedPost + "2\t;a=b\r\nab\r\n0\r\n\r\n",
                  Ok("/a", "ab"), /*v12_refused=*/true}),
        ::testing::Values(Feed::kWhole, Feed::kBytes), ::testing::Bool()),
    [](const auto& info) {
      return std::string(std::get<0>(info.param).name) + FeedName(std::get<1>(info.param)) +
             (std::get<2>(info.param) ? "Insecure" : "Default");
    });

}  // namespace
