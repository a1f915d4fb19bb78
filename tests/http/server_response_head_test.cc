// http::ServerResponse's head end to end (http/server_response_head.cc): headers and
// the status line, on a real Server on loopback, compared byte for byte with what
// Node v12.22.9 writes (the scenario named next to a test is its recorded fixture
// in tests/conformance/scenarios/; the others were checked against the v12 runtime).
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

// --- headers ---------------------------------------------------------------------

// 006_setheader_replace_keeps_position
TEST_F(ServerResponse, SetHeaderReplacesCaseInsensitivelyKeepingPosition) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) {
    res.setHeader("X-First", "1");
    res.setHeader("X-Second", "2");
    res.setHeader("X-Third", "3");
    res.setHeader("x-FIRST", "replaced");
    res.end("ok");
  });
  EXPECT_EQ(
      RoundTrip(kGet),
      WithLength("HTTP/1.1 200 OK\r\nx-FIRST: replaced\r\nX-Second: 2\r\nX-Third: 3\r\n", "ok"));
}

// 073_err_headers_sent_setheader
TEST_F(ServerResponse, SetHeaderAfterTheHeadIsSentThrowsErrHttpHeadersSent) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) {
    res.write("a");
    EndWithThrownError(res, [&res] { res.setHeader("X-Late", "1"); });
  });
  EXPECT_EQ(RoundTrip(kGet),
            Chunked("HTTP/1.1 200 OK\r\n",
                    "1\r\na\r\n4b\r\nERR_HTTP_HEADERS_SENT: Cannot set headers after they are sent "
                    "to the client\r\n0\r\n\r\n"));
}

// 076_err_invalid_http_token
TEST_F(ServerResponse, SetHeaderThrowsErrInvalidHttpTokenForABadName) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) {
    EndWithThrownError(res, [&res] { res.setHeader("Bad Name", "x"); });
  });
  EXPECT_EQ(RoundTrip(kGet),
            WithLength("HTTP/1.1 200 OK\r\n",
                       "ERR_INVALID_HTTP_TOKEN: Header name must be a valid HTTP token "
                       "[\"Bad Name\"]"));
}

// 078_err_invalid_char
TEST_F(ServerResponse, SetHeaderThrowsErrInvalidCharForABadValue) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) {
    EndWithThrownError(res, [&res] { res.setHeader("X-A", "a\nb"); });
  });
  EXPECT_EQ(RoundTrip(kGet),
            WithLength("HTTP/1.1 200 OK\r\n",
                       "ERR_INVALID_CHAR: Invalid character in header content [\"X-A\"]"));
}

// 075_err_headers_sent_writehead
TEST_F(ServerResponse, WriteHeadAfterTheHeadIsSentThrowsErrHttpHeadersSent) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) {
    res.setHeader("X-A", "1");
    res.write("a");
    EndWithThrownError(res, [&res] { res.writeHead(200); });
  });
  EXPECT_EQ(RoundTrip(kGet),
            Chunked("HTTP/1.1 200 OK\r\nX-A: 1\r\n",
                    "1\r\na\r\n4e\r\nERR_HTTP_HEADERS_SENT: Cannot render headers after they are "
                    "sent to the client\r\n0\r\n\r\n"));
}

// 131_get_headers_api (the head); the getters as v12 answers them.
TEST_F(ServerResponse, GetHeaderReturnsTheValuesAsSetOrNullWhenAbsent) {
  Start([this](http::IncomingMessage&, http::ServerResponse& res) {
    res.setHeader("X-A", "one");
    res.setHeader("Set-Cookie", std::vector<std::string>{"a=1", "b=2"});
    res.setHeader("X-Num", int64_t{5});
    const auto* a = res.getHeader("x-a");
    Note(a == nullptr ? "null" : std::string(a->values[0]) + (a->is_array ? " array" : " single"));
    const auto* c = res.getHeader("SET-COOKIE");
    Note(c == nullptr ? "null"
                      : std::string(c->values[0]) + "," + std::string(c->values[1]) +
                            (c->is_array ? " array" : " single"));
    const auto* n = res.getHeader("x-num");
    Note(n == nullptr ? "null" : std::string(n->values[0]) + (n->is_number ? " number" : ""));
    Note(res.getHeader("x-missing") == nullptr ? "missing null" : "missing found");
    res.end();
  });
  EXPECT_EQ(RoundTrip(kGet),
            WithLength("HTTP/1.1 200 OK\r\nX-A: one\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n"
                       "X-Num: 5\r\n",
                       ""));
  EXPECT_THAT(Notes(), ElementsAre("one single", "a=1,b=2 array", "5 number", "missing null"));
}

TEST_F(ServerResponse, GetHeaderNamesListsLowerCasedNamesInOrder) {
  Start([this](http::IncomingMessage&, http::ServerResponse& res) {
    res.setHeader("X-A", "one");
    res.setHeader("Set-Cookie", std::vector<std::string>{"a=1", "b=2"});
    res.setHeader("X-Num", int64_t{5});
    for (const std::string& name : res.getHeaderNames()) Note(name);
    res.end();
  });
  RoundTrip(kGet);
  EXPECT_THAT(Notes(), ElementsAre("x-a", "set-cookie", "x-num"));
}

TEST_F(ServerResponse, GetHeadersHoldsEveryHeaderWithItsValues) {
  Start([this](http::IncomingMessage&, http::ServerResponse& res) {
    res.setHeader("X-A", "one");
    res.setHeader("Set-Cookie", std::vector<std::string>{"a=1", "b=2"});
    res.removeHeader("x-a");
    res.setHeader("X-Num", int64_t{5});
    for (const auto& e : res.getHeaders()) {
      std::string line(e.name);
      for (std::string_view v : e.values) line += " " + std::string(v);
      Note(line);
    }
    res.end();
  });
  RoundTrip(kGet);
  EXPECT_THAT(Notes(), ElementsAre("Set-Cookie a=1 b=2", "X-Num 5"));
}

TEST_F(ServerResponse, HasHeaderIsCaseInsensitive) {
  Start([this](http::IncomingMessage&, http::ServerResponse& res) {
    res.setHeader("X-A", "one");
    Note(std::string(res.hasHeader("X-A") ? "1" : "0") + (res.hasHeader("x-a") ? "1" : "0") +
         (res.hasHeader("x-missing") ? "1" : "0"));
    res.removeHeader("X-a");
    Note(res.hasHeader("x-a") ? "1" : "0");
    res.end();
  });
  RoundTrip(kGet);
  EXPECT_THAT(Notes(), ElementsAre("110", "0"));
}

// 007_removeheader
TEST_F(ServerResponse, RemoveHeaderDropsItAndSettingAgainMovesItToTheEnd) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) {
    res.setHeader("A", "a");
    res.setHeader("B", "b");
    res.setHeader("C", "c");
    res.removeHeader("b");
    res.setHeader("D", "d");
    res.setHeader("b", "again");
    res.end("ok");
  });
  EXPECT_EQ(RoundTrip(kGet),
            WithLength("HTTP/1.1 200 OK\r\nA: a\r\nC: c\r\nD: d\r\nb: again\r\n", "ok"));
}

// 074_err_headers_sent_removeheader
TEST_F(ServerResponse, RemoveHeaderAfterTheHeadIsSentThrowsErrHttpHeadersSent) {
  Start([this](http::IncomingMessage&, http::ServerResponse& res) {
    res.flushHeaders();
    try {
      res.removeHeader("Date");
      Note("no error");
    } catch (const http::Error& e) {
      Note(std::string(e.code()) + ": " + std::string(e.message()));
    }
    res.end();
  });
  RoundTrip(kGet);
  EXPECT_THAT(Notes(),
              ElementsAre("ERR_HTTP_HEADERS_SENT: Cannot remove headers after they are sent to "
                          "the client"));
}

// 009_senddate_false
TEST_F(ServerResponse, SendDateFalseLeavesOutTheDateHeader) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) {
    res.sendDate = false;
    res.end("ok");
  });
  EXPECT_EQ(RoundTrip(kGet),
            "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
            "Content-Length: 2\r\n\r\nok");
}

TEST_F(ServerResponse, SendDateTrueSendsAnImfFixdateDate) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) { res.end(); });
  int fd = Connect();
  Send(fd, kGet);
  std::string raw;
  char buf[4096];
  ssize_t n = recv(fd, buf, sizeof(buf), 0);
  if (n > 0) raw.assign(buf, static_cast<size_t>(n));
  close(fd);
  // IMF-fixdate, as v12's utcDate(): "Mon, 23 Nov 2026 21:03:31 GMT".
  size_t at = raw.find("\r\nDate: ");
  ASSERT_NE(at, std::string::npos) << raw;
  std::string date = raw.substr(at + 8, raw.find("\r\n", at + 8) - (at + 8));
  ASSERT_EQ(date.size(), 29u) << date;
  const std::string days = "Mon,Tue,Wed,Thu,Fri,Sat,Sun";
  const std::string months = "Jan,Feb,Mar,Apr,May,Jun,Jul,Aug,Sep,Oct,Nov,Dec";
  EXPECT_NE(days.find(date.substr(0, 3)), std::string::npos) << date;
  EXPECT_NE(months.find(date.substr(8, 3)), std::string::npos) << date;
  std::string shape = date.substr(3, 2);
  for (size_t i : {7u, 11u, 16u, 19u, 22u}) shape += date[i];
  shape += date.substr(25);
  EXPECT_EQ(shape, ",    :: GMT") << date;
  for (size_t i : {5u, 6u, 12u, 13u, 14u, 15u, 17u, 18u, 20u, 21u, 23u, 24u}) {
    EXPECT_TRUE(date[i] >= '0' && date[i] <= '9') << date;
  }
}

// --- status ------------------------------------------------------------------------

// 016_status_code_404
TEST_F(ServerResponse, StatusCodeSetsTheStatusLineWithItsReasonPhrase) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) {
    res.statusCode = 404;
    res.end("nope");
  });
  EXPECT_EQ(RoundTrip(kGet), WithLength("HTTP/1.1 404 Not Found\r\n", "nope"));
}

// 017_status_message_custom
TEST_F(ServerResponse, StatusMessageReplacesTheReasonPhrase) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) {
    res.statusCode = 202;
    res.statusMessage = "Totally Fine";
    res.end("ok");
  });
  EXPECT_EQ(RoundTrip(kGet), WithLength("HTTP/1.1 202 Totally Fine\r\n", "ok"));
}

}  // namespace
