// http::IncomingMessage end to end: what a 'request' listener sees of the request a
// raw client sent to a real Server on loopback. Values as Node v12.22.9 gives them
// (the scenario named next to a test is the recorded fixture in
// tests/conformance/scenarios/; the others were checked against the v12 runtime).
#include "http/incoming_message.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "http/server.h"
#include "tests/http/loopback.h"

namespace {

using ::testing::ElementsAre;

class IncomingMessage : public http_test::LoopbackTest {};

std::string Ok(const std::string& body) {
  return "HTTP/1.1 200 OK\r\nDate: DATE\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

// --- the request line --------------------------------------------------------------

// 124_echo_methods
TEST_F(IncomingMessage, MethodIsTheRequestLinesMethod) {
  Start([this](http::IncomingMessage& req, http::ServerResponse& res) {
    Note(std::string(req.method));
    res.end();
  });
  int fd = Connect();
  Exchange(
      fd,
      "DELETE /a HTTP/1.1\r\nHost: localhost\r\n\r\nPATCH /b HTTP/1.1\r\nHost: "
      "localhost\r\nContent-Length: 0\r\n\r\n"
      "M-SEARCH * HTTP/1.1\r\nHost: localhost\r\n\r\nGET /c HTTP/1.1\r\nHost: localhost\r\n\r\n");
  close(fd);
  EXPECT_THAT(Notes(), ElementsAre("DELETE", "PATCH", "M-SEARCH", "GET"));
}

// 123_echo_absolute_url
TEST_F(IncomingMessage, UrlIsTheRequestTargetAsSent) {
  Start([this](http::IncomingMessage& req, http::ServerResponse& res) {
    Note(std::string(req.url));
    res.end();
  });
  int fd = Connect();
  Exchange(fd,
           "GET http://example.com:8080/a/b?c=d#frag HTTP/1.1\r\nHost: example.com:8080\r\n\r\n"
           "GET /a%20b/../c?x=1&y HTTP/1.1\r\nHost: localhost\r\n\r\n");
  close(fd);
  EXPECT_THAT(Notes(), ElementsAre("http://example.com:8080/a/b?c=d#frag", "/a%20b/../c?x=1&y"));
}

TEST_F(IncomingMessage, UrlIsWritableByTheListener) {
  Start([](http::IncomingMessage& req, http::ServerResponse& res) {
    req.url = "/rewritten";
    res.end(std::string(req.url));
  });
  EXPECT_EQ(RoundTrip(kGet), Ok("/rewritten"));
}

// 115_echo_http10
TEST_F(IncomingMessage, HttpVersionIsMajorDotMinor) {
  Start([this](http::IncomingMessage& req, http::ServerResponse& res) {
    Note(std::string(req.httpVersion) + " " + std::to_string(req.httpVersionMajor) + " " +
         std::to_string(req.httpVersionMinor));
    res.end();
  });
  RoundTrip("GET / HTTP/1.0\r\n\r\n");
  RoundTrip("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
  EXPECT_THAT(Notes(), ElementsAre("1.0 1 0", "1.1 1 1"));
}

// --- headers -------------------------------------------------------------------------

// 116_echo_dropped_duplicates, 119_echo_cookie_joined, 120_echo_other_duplicates_joined.
// With insecureHTTPParser, v12's parser: the default mode refuses a second Host line
// (RFC 9112 §3.2, ServerFraming tests), so v12's rule for it is seen only there.
TEST_F(IncomingMessage, HeadersAreLowerCasedAndMergedByV12sDuplicateRules) {
  http::ServerOptions v12;
  v12.insecureHTTPParser = true;
  Start([this](http::IncomingMessage& req, http::ServerResponse& res) {
    const http::IncomingHeaders& h = req.headers();
    for (const char* name : {"host", "user-agent", "accept", "x-custom", "cookie", "missing"}) {
      auto v = h.get(name);
      Note(std::string(name) + "=" + (v ? std::string(*v) : "<none>"));
    }
    std::string cookies = "set-cookie=";
    for (std::string_view c : h.setCookie()) cookies += "[" + std::string(c) + "]";
    Note(cookies);
    Note(std::string("has Host: ") + (h.has("host") ? "yes" : "no"));
    res.end();
  }, {}, std::move(v12));
  RoundTrip(
      "GET / HTTP/1.1\r\nHost: first\r\nHost: second\r\nUser-Agent: ua1\r\nuser-agent: ua2\r\n"
      "Accept: text/html\r\nAccept: text/plain\r\nX-Custom: 1\r\nx-custom: 2\r\nX-CUSTOM: 3\r\n"
      "Cookie: a=1\r\nCookie: b=2\r\nSet-Cookie: s=1\r\nSet-Cookie: t=2\r\n\r\n");
  EXPECT_THAT(Notes(), ElementsAre("host=first", "user-agent=ua1", "accept=text/html, text/plain",
                                   "x-custom=1, 2, 3", "cookie=a=1; b=2", "missing=<none>",
                                   "set-cookie=[s=1][t=2]", "has Host: yes"));
}

TEST_F(IncomingMessage, HeadersListEntriesInFirstSeenOrder) {
  Start([this](http::IncomingMessage& req, http::ServerResponse& res) {
    for (const auto& [name, value] : req.headers().entries()) Note(std::string(name) + "=" + std::string(value));
    res.end();
  });
  RoundTrip("GET / HTTP/1.1\r\nX-B: 1\r\nHost: h\r\nx-b: 2\r\nA: 3\r\n\r\n");
  EXPECT_THAT(Notes(), ElementsAre("x-b=1, 2", "host=h", "a=3"));
}

// (Two Host lines: insecureHTTPParser, as above.)
TEST_F(IncomingMessage, RawHeadersKeepsNamesAsSent) {
  http::ServerOptions v12;
  v12.insecureHTTPParser = true;
  Start([this](http::IncomingMessage& req, http::ServerResponse& res) {
    for (const http::HeaderView& h : req.rawHeaders()) {
      Note(std::string(h.name) + "|" + std::string(h.value));
    }
    res.end();
  }, {}, std::move(v12));
  RoundTrip(
      "GET / HTTP/1.1\r\nHost: first\r\nhOST: second\r\nX-CUSTOM: 1\r\n"
      "x-custom: 2\r\n\r\n");
  EXPECT_THAT(Notes(), ElementsAre("Host|first", "hOST|second", "X-CUSTOM|1", "x-custom|2"));
}

// 121_echo_header_whitespace; checked against v12.22.9.
TEST_F(IncomingMessage, RawHeadersValuesAreTrimmedOfSurroundingWhitespace) {
  Start([this](http::IncomingMessage& req, http::ServerResponse& res) {
    for (const http::HeaderView& h : req.rawHeaders()) {
      Note(std::string(h.name) + "|" + std::string(h.value));
    }
    auto v = req.headers().get("x-custom");
    Note(v ? std::string(*v) : "<none>");
    res.end();
  });
  RoundTrip("GET / HTTP/1.1\r\nHost: localhost\r\nX-CUSTOM:  padded \t \r\n\r\n");
  EXPECT_THAT(Notes(), ElementsAre("Host|localhost", "X-CUSTOM|padded", "padded"));
}

// 133_max_headers_count: rawHeaders is not cut by maxHeadersCount.
TEST_F(IncomingMessage, RawHeadersHoldsEveryFieldBeyondMaxHeadersCount) {
  Start(
      [this](http::IncomingMessage& req, http::ServerResponse& res) {
        Note(std::to_string(req.rawHeaders().size()) + " raw, " +
             std::to_string(req.headers().entries().size()) + " merged");
        res.end();
      },
      [](http::Server& s) { s.maxHeadersCount = 3; });
  RoundTrip(
      "GET / HTTP/1.1\r\nHost: localhost\r\nX-1: 1\r\nX-2: 2\r\nX-3: 3\r\nX-4: 4\r\n"
      "X-5: 5\r\n\r\n");
  EXPECT_THAT(Notes(), ElementsAre("6 raw, 3 merged"));
}

// Header line i of ManyFields: every merge rule of v12's _addHeaderLine, in mixed
// case (Set-Cookie kept as a list, Cookie joined with "; ", Host and User-Agent
// keeping the first, X-Forwarded-For joined), between 97 X- names on about every
// other line, each repeated in both cases.
std::pair<std::string, std::string> ManyFieldsLine(int i) {
  std::string n = std::to_string(i);
  switch (i % 10) {
    case 0:
      return {"Set-Cookie", "s" + n};
    case 1:
      return {i % 20 == 1 ? "Cookie" : "cookie", "c" + n};
    case 2:
      return {"HOST", "h" + n};
    case 3:
      return {"X-Forwarded-For", "f" + n};
    case 4:
      return {"user-agent", "u" + n};
    default: {
      char a = static_cast<char>('a' + i % 97 / 26), b = static_cast<char>('a' + i % 97 % 26);
      return {
          i % 2 ? std::string{'X', '-', char(a - 32), char(b - 32)} : std::string{'x', '-', a, b},
          "v" + n};
    }
  }
}

std::string ManyFields(int lines) {
  std::string r = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < lines; ++i) {
    auto [name, value] = ManyFieldsLine(i);
    r += name + ": " + value + "\r\n";
  }
  return r + "\r\n";
}

// v12's _addHeaderLine over ManyFields (set-cookie as the engine lists it: once, its
// values joined with ", "). Checked against v12.22.9's req.headers for 32, 33 and
// 1,000 lines (maxHeaderSize 1 MiB, maxHeadersCount 0).
std::vector<std::string> V12Headers(int lines) {
  std::vector<std::pair<std::string, std::string>> entries;
  for (int i = 0; i < lines; ++i) {
    auto [name, value] = ManyFieldsLine(i);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto e = std::find_if(entries.begin(), entries.end(), [&](auto& x) { return x.first == name; });
    if (e == entries.end()) {
      entries.emplace_back(name, value);
    } else if (name != "host" && name != "user-agent") {  // two of v12's first-wins names
      e->second += (name == "cookie" ? "; " : ", ") + value;
    }
  }
  std::vector<std::string> out;
  for (auto& [name, value] : entries) out.push_back(name + "=" + value);
  return out;
}

std::vector<std::string> EngineHeaders(const http::IncomingHeaders& h) {
  std::vector<std::string> out;
  for (const auto& [name, value] : h.entries()) {
    out.push_back(std::string(name) + "=" + std::string(value));
  }
  std::string cookies = "set-cookie list:";
  for (std::string_view c : h.setCookie()) cookies += " " + std::string(c);
  out.push_back(cookies);
  return out;
}

// Heads of up to 32 fields are merged by a scan, larger ones by a sort: both as v12.
TEST_F(IncomingMessage, HeadersOfManyFieldsAreMergedAsV12MergesThem) {
  http::ServerOptions options;
  options.maxHeaderSize = 1 << 20;
  options.insecureHTTPParser = true;  // v12's parser: the repeated Host lines are kept
  std::vector<std::vector<std::string>> seen;
  Start(
      [&seen](http::IncomingMessage& req, http::ServerResponse& res) {
        seen.push_back(EngineHeaders(req.headers()));
        res.end();
      },
      [](http::Server& s) { s.maxHeadersCount = 0; }, options);
  const std::vector<int> sizes = {31, 32, 33, 1000, 3000};
  int fd = Connect();
  for (int lines : sizes) {
    Send(fd, ManyFields(lines));
    ReadUntil(fd, "\r\n\r\n");
  }
  close(fd);
  StopServer();  // the handler's writes happen before the server's close
  ASSERT_EQ(seen.size(), sizes.size());
  for (size_t k = 0; k < sizes.size(); ++k) {
    std::vector<std::string> want = V12Headers(sizes[k]);
    std::string cookies = "set-cookie list:";
    for (int i = 0; i < sizes[k]; i += 10) cookies += " s" + std::to_string(i);
    want.push_back(cookies);
    EXPECT_EQ(seen[k], want) << sizes[k] << " lines";
  }
}

// --- trailers ------------------------------------------------------------------------

constexpr const char* kChunkedWithTrailers =
    "POST /trailers HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n"
    "Trailer: X-Sum\r\n\r\n3\r\nabc\r\n0\r\nX-Sum: 42\r\nx-sum: 43\r\nX-Other: z\r\n\r\n";

// 113_echo_request_trailers
TEST_F(IncomingMessage, TrailersAreMergedAndReadyAtEnd) {
  Start([this](http::IncomingMessage& req, http::ServerResponse& res) {
    req.on<"end">([this, &req, &res] {
      for (const auto& [name, value] : req.trailers().entries()) Note(std::string(name) + "=" + std::string(value));
      res.end();
    });
    req.resume();
  });
  RoundTrip(kChunkedWithTrailers);
  EXPECT_THAT(Notes(), ElementsAre("x-sum=42, 43", "x-other=z"));
}

// 113_echo_request_trailers
TEST_F(IncomingMessage, RawTrailersKeepsNamesAsSent) {
  Start([this](http::IncomingMessage& req, http::ServerResponse& res) {
    req.on<"end">([this, &req, &res] {
      for (const http::HeaderView& h : req.rawTrailers()) {
        Note(std::string(h.name) + "|" + std::string(h.value));
      }
      res.end();
    });
    req.resume();
  });
  RoundTrip(kChunkedWithTrailers);
  EXPECT_THAT(Notes(), ElementsAre("X-Sum|42", "x-sum|43", "X-Other|z"));
}

// --- body state ----------------------------------------------------------------------

TEST_F(IncomingMessage, CompleteTurnsTrueOnceTheWholeBodyArrived) {
  Start([this](http::IncomingMessage& req, http::ServerResponse& res) {
    Note(std::string("request complete=") + (req.complete ? "1" : "0"));
    auto body = std::make_shared<std::string>();
    req.on<"data">([this, &req, body](std::string_view d) {
      body->append(d);
      Note("data " + std::string(d) + " complete=" + (req.complete ? "1" : "0"));
    });
    req.on<"end">([this, &req, &res, body] {
      Note(std::string("end complete=") + (req.complete ? "1" : "0"));
      res.end(*body);
    });
  });
  int fd = ConnectNoDelay();
  Send(fd, "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhel");
  ASSERT_TRUE(WaitUntilServerReceived(fd));  // the rest arrives in a later receive
  EXPECT_EQ(Exchange(fd, "lo"), Ok("hello"));
  close(fd);
  EXPECT_THAT(Notes(), ElementsAre("request complete=0", "data hel complete=0",
                                   "data lo complete=0", "end complete=1"));
}

TEST_F(IncomingMessage, AbortedIsSetAndAbortedFiresWhenTheClientLeavesMidBody) {
  Start([this](http::IncomingMessage& req, http::ServerResponse&) {
    req.on<"aborted">([this, &req] {
      Note(std::string("aborted, aborted=") + (req.aborted ? "1" : "0") +
           " complete=" + (req.complete ? "1" : "0"));
    });
    Note(std::string("request aborted=") + (req.aborted ? "1" : "0"));
  });
  int fd = Connect();
  Send(fd, "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\nabc");
  ASSERT_TRUE(WaitUntilServerReceived(fd));  // then the reset, which would drop it
  Reset(fd);
  EXPECT_THAT(WaitForNotes(2), ElementsAre("request aborted=0", "aborted, aborted=1 complete=0"));
}

// Checked against v12.22.9: a client that ends its side (FIN) mid-body cuts the
// message short: v12's parser.finish() fails with HPE_INVALID_EOF_STATE, the default
// clientError answer (400, close) goes out, and the request is aborted.
TEST_F(IncomingMessage, ClientEndingMidBodyGets400AndAbortsTheRequest) {
  Start([this](http::IncomingMessage& req, http::ServerResponse&) {
    req.on<"data">([this](std::string_view d) { Note("data " + std::string(d)); });
    req.on<"aborted">([this] { Note("aborted"); });
    req.on<"close">([this] { Note("close"); });
  });
  int fd = Connect();
  Send(fd, "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\nabc");
  EXPECT_EQ(Read(fd, 100), "");
  shutdown(fd, SHUT_WR);
  EXPECT_EQ(Read(fd, 1000), "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n<closed>");
  close(fd);
  EXPECT_THAT(WaitForNotes(3), ElementsAre("data abc", "aborted", "close"));
}

// Checked against v12.22.9: the same for a head cut short (no request was emitted).
TEST_F(IncomingMessage, ClientEndingMidHeadGets400) {
  Start([this](http::IncomingMessage&, http::ServerResponse&) { Note("request"); });
  int fd = Connect();
  Send(fd, "GET / HTTP/1.1\r\nHost: localhost\r\nX-Part");
  shutdown(fd, SHUT_WR);
  EXPECT_EQ(Read(fd, 1000), "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n<closed>");
  close(fd);
  EXPECT_TRUE(Notes().empty());
}

// Checked against v12.22.9: with a 'clientError' listener, it gets the error (message
// "Parse Error", nothing parsed, no packet) and answers; the request is aborted only
// when the socket closes.
TEST_F(IncomingMessage, ClientEndingMidBodyReachesTheClientErrorListener) {
  Start(
      [this](http::IncomingMessage& req, http::ServerResponse&) {
        req.on<"aborted">([this] { Note("aborted"); });
        req.on<"close">([this] { Note("close"); });
      },
      [this](http::Server& s) {
        s.on<"clientError">([this](const http::ClientError& err, http::Socket& socket) {
          Note(err.code + "|" + err.reason + "|" + err.message + "|" +
               std::to_string(err.bytesParsed) + "|" + err.rawPacket);
          socket.end("HTTP/1.1 400 X\r\n\r\n");
        });
      });
  int fd = Connect();
  Send(fd, "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\nabc");
  EXPECT_EQ(Read(fd, 100), "");
  shutdown(fd, SHUT_WR);
  EXPECT_EQ(Read(fd, 1000), "HTTP/1.1 400 X\r\n\r\n<closed>");
  close(fd);
  EXPECT_THAT(WaitForNotes(3),
              ElementsAre("HPE_INVALID_EOF_STATE|Invalid EOF state|Parse Error|0|", "aborted",
                          "close"));
}

// Checked against v12.22.9 (abortIncoming): a complete request whose response has not
// finished is aborted too when the client leaves, whether by FIN or by reset.
TEST_F(IncomingMessage, CompleteRequestWithoutItsResponseIsAbortedWhenTheClientLeaves) {
  Start([this](http::IncomingMessage& req, http::ServerResponse& res) {
    req.resume();
    req.on<"end">([this] { Note("end"); });
    req.on<"aborted">([this, &req] {
      Note(std::string("aborted complete=") + (req.complete ? "1" : "0"));
    });
    req.on<"close">([this] { Note("req close"); });
    res.on<"close">([this] { Note("res close"); });
  });
  for (bool reset : {false, true}) {
    int fd = Connect();
    Send(fd, "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\n\r\nabc");
    ASSERT_THAT(WaitForNotes(1), ElementsAre("end"));
    if (reset) {
      Reset(fd);
    } else {
      shutdown(fd, SHUT_WR);
      EXPECT_EQ(Read(fd, 1000), "<closed>");
      close(fd);
    }
    EXPECT_THAT(WaitForNotes(4),
                ElementsAre("end", "aborted complete=1", "req close", "res close"))
        << (reset ? "reset" : "FIN");
    ClearNotes();
  }
}

TEST_F(IncomingMessage, AbortedStaysFalseForACompleteRequest) {
  Start([this](http::IncomingMessage& req, http::ServerResponse& res) {
    req.on<"aborted">([this] { Note("aborted"); });
    req.on<"end">([this, &req, &res] {
      Note(std::string("end aborted=") + (req.aborted ? "1" : "0"));
      res.end();
    });
    req.resume();
  });
  RoundTrip("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\nhi");
  EXPECT_THAT(Notes(), ElementsAre("end aborted=0"));
}

TEST_F(IncomingMessage, CloseFiresAfterAbortedWhenTheConnectionDrops) {
  Start([this](http::IncomingMessage& req, http::ServerResponse&) {
    req.on<"aborted">([this] { Note("aborted"); });
    req.on<"close">([this] { Note("close"); });
  });
  int fd = Connect();
  Send(fd, "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\nabc");
  ASSERT_TRUE(WaitUntilServerReceived(fd));  // then the reset, which would drop it
  Reset(fd);
  EXPECT_THAT(WaitForNotes(2), ElementsAre("aborted", "close"));
}

// 126_event_order: after end(data, cb) the request emits 'close' once the response
// has closed.
TEST_F(IncomingMessage, CloseFiresAfterTheResponseFinishes) {
  Start([this](http::IncomingMessage& req, http::ServerResponse& res) {
    res.on<"finish">([this] { Note("res finish"); });
    req.on<"close">([this] { Note("req close"); });
    res.end("x");
  });
  int fd = Connect();
  Exchange(fd, kGet);
  EXPECT_THAT(WaitForNotes(2), ElementsAre("res finish", "req close"));
  close(fd);
}

// Checked against v12.22.9: the socket closes with nothing written.
TEST_F(IncomingMessage, DestroyClosesTheConnectionWithoutAResponse) {
  Start([this](http::IncomingMessage& req, http::ServerResponse& res) {
    res.on<"close">([this] { Note("res close"); });
    req.destroy();
  });
  EXPECT_EQ(RoundTrip(kGet), "<closed>");
  EXPECT_THAT(WaitForNotes(1), ElementsAre("res close"));
}

// 158_req_settimeout
TEST_F(IncomingMessage, SetTimeoutCallsTheCallbackWhenTheBodyStalls) {
  Start([](http::IncomingMessage& req, http::ServerResponse& res) {
    req.setTimeout(150, [&res] {
      res.statusCode = 408;
      res.setHeader("Connection", "close");
      res.end("body timed out");
    });
  });
  EXPECT_EQ(RoundTrip("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 7\r\n\r\npar", 600),
            "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nDate: DATE\r\n"
            "Content-Length: 14\r\n\r\nbody timed out<closed>");
}

TEST_F(IncomingMessage, SocketIsTheConnectionForEveryRequestOnIt) {
  auto seen = std::make_shared<std::vector<http::Socket*>>();
  Start([this, seen](http::IncomingMessage& req, http::ServerResponse& res) {
    seen->push_back(req.socket());
    Note(req.socket() == nullptr ? "null" : std::to_string(req.socket()->remotePort()));
    Note(req.connection() == req.socket() ? "connection same" : "connection different");
    res.end();
  });
  int fd = Connect();
  Exchange(fd,
           "GET /1 HTTP/1.1\r\nHost: localhost\r\n\r\nGET /2 HTTP/1.1\r\nHost: localhost\r\n\r\n");
  uint16_t port = LocalPort(fd);
  close(fd);
  std::string p = std::to_string(port);
  EXPECT_THAT(Notes(), ElementsAre(p, "connection same", p, "connection same"));
  ASSERT_EQ(seen->size(), 2u);
  EXPECT_EQ((*seen)[0], (*seen)[1]);
}

}  // namespace
