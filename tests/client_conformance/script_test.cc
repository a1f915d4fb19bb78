// The peer's rules (script.h), each against the cases harness.js decides the same
// way; a case here that harness.js would decide otherwise is a bug in one of them.
#include "tests/client_conformance/script.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace client_conformance {
namespace {

TEST(RequestLength, IsUnknownUntilTheHeadEnds) {
  EXPECT_EQ(RequestLength(""), -1);
  EXPECT_EQ(RequestLength("GET / HTTP/1.1\r\nHost: a\r\n"), -1);
  EXPECT_EQ(RequestLength("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), 27);
}

TEST(RequestLength, IsTheHeadAloneWithoutFraming) {
  EXPECT_EQ(RequestLength("GET / HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n"), 18);
  // GET's unframed body (v12 sends one for GET with end(data)) is the next request's
  // start, as in harness.js.
  EXPECT_EQ(RequestLength("GET / HTTP/1.1\r\n\r\nq=1"), 18);
}

TEST(RequestLength, TakesTheContentLengthBody) {
  const std::string head = "POST / HTTP/1.1\r\ncontent-LENGTH:   5\r\n\r\n";
  EXPECT_EQ(RequestLength(head + "hell"), -1);
  EXPECT_EQ(RequestLength(head + "hello"), static_cast<long>(head.size() + 5));
  EXPECT_EQ(RequestLength(head + "helloGET"), static_cast<long>(head.size() + 5));
}

TEST(RequestLength, UsesTheFirstContentLengthWithDigits) {
  // /\r\ncontent-length: *(\d+)/ skips a line whose value is not digits.
  const std::string head = "POST / HTTP/1.1\r\nContent-Length: x\r\nContent-Length: 2\r\n\r\n";
  EXPECT_EQ(RequestLength(head + "ab"), static_cast<long>(head.size() + 2));
}

TEST(RequestLength, IgnoresAContentLengthOnTheRequestLine) {
  // The pattern needs a CRLF before the name, so the request line never matches.
  EXPECT_EQ(RequestLength("content-length: 4 / HTTP/1.1\r\n\r\n"), 32);
}

TEST(RequestLength, EndsAChunkedBodyAtTheZeroChunk) {
  const std::string head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  EXPECT_EQ(RequestLength(head + "3\r\nhel\r\n"), -1);
  EXPECT_EQ(RequestLength(head + "3\r\nhel\r\n0\r\n\r"), -1);
  EXPECT_EQ(RequestLength(head + "3\r\nhel\r\n0\r\n\r\n"), static_cast<long>(head.size() + 13));
  EXPECT_EQ(RequestLength(head + "0\r\n\r\n"), static_cast<long>(head.size() + 5));
}

TEST(RequestLength, PrefersContentLengthToChunked) {
  const std::string head =
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n";
  EXPECT_EQ(RequestLength(head + "x"), static_cast<long>(head.size() + 1));
}

TEST(HeadLength, RunsThroughTheBlankLine) {
  EXPECT_EQ(HeadLength("PUT / HTTP/1.1\r\nExpect: 100-continue\r\n\r\nbody"), 40);
  EXPECT_EQ(HeadLength("PUT / HTTP/1.1\r\n"), -1);
}

TEST(FramingEnds, KeepsAFramedResponseOpen) {
  EXPECT_FALSE(FramingEnds("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
  EXPECT_FALSE(FramingEnds("HTTP/1.1 200 OK\r\ntransfer-encoding: gzip\r\n\r\n"));
}

TEST(FramingEnds, EndsAnUnframedResponse) {
  EXPECT_TRUE(FramingEnds("HTTP/1.1 200 OK\r\nServer: x\r\n\r\nuntil the end"));
  EXPECT_TRUE(FramingEnds(""));
  // Only the first head counts.
  EXPECT_TRUE(FramingEnds("HTTP/1.1 200 OK\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
}

TEST(FramingEnds, KeepsOpenAfterAStatusWithoutBody) {
  EXPECT_FALSE(FramingEnds("HTTP/1.1 100 Continue\r\n\r\n"));
  EXPECT_FALSE(FramingEnds("HTTP/1.1 101 Switching Protocols\r\n\r\nhello"));
  EXPECT_FALSE(FramingEnds("HTTP/1.1 204 No Content\r\n\r\n"));
  EXPECT_FALSE(FramingEnds("HTTP/1.1 304 Not Modified\r\n\r\n"));
  EXPECT_TRUE(FramingEnds("HTTP/1.1 205 Reset Content\r\n\r\n"));
  EXPECT_TRUE(FramingEnds("HTTP/1.0 204 No Content\r\n\r\n"));
}

TEST(ParseResponse, WithoutDirectiveSendsTheStringAndFollowsFraming) {
  Plan plan = ParseResponse("HTTP/1.1 200 OK\r\n\r\nx");
  EXPECT_EQ(plan.bytes, "HTTP/1.1 200 OK\r\n\r\nx");
  EXPECT_EQ(plan.end, Plan::End::kFin);
  EXPECT_EQ(plan.delay_ms, 0);
  EXPECT_FALSE(plan.on_head);
  EXPECT_EQ(ParseResponse("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx").end, Plan::End::kKeep);
}

TEST(ParseResponse, ReadsEveryWord) {
  Plan plan = ParseResponse("!delay=300  fin=20\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx");
  EXPECT_EQ(plan.bytes, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx");
  EXPECT_EQ(plan.delay_ms, 300);
  EXPECT_EQ(plan.end, Plan::End::kFin);
  EXPECT_EQ(plan.end_delay_ms, 20);

  plan = ParseResponse("!head\nHTTP/1.1 100 Continue\r\n\r\n");
  EXPECT_TRUE(plan.on_head);
  EXPECT_EQ(plan.end, Plan::End::kKeep);

  EXPECT_EQ(ParseResponse("!keep\nHTTP/1.1 200 OK\r\n\r\ntunnel").end, Plan::End::kKeep);
  EXPECT_EQ(ParseResponse("!reset=5\n").end_delay_ms, 5);
}

TEST(ParseResponse, ALineAloneSendsNothing) {
  Plan plan = ParseResponse("!reset");
  EXPECT_EQ(plan.bytes, "");
  EXPECT_EQ(plan.end, Plan::End::kReset);
  EXPECT_EQ(ParseResponse("!fin").end, Plan::End::kFin);
  // An empty line: the bytes' framing decides.
  EXPECT_EQ(ParseResponse("!\n").end, Plan::End::kFin);
}

TEST(ParseResponse, RefusesWhatHarnessJsRefuses) {
  for (const char* bad : {"!delay\n", "!fin=\n", "!fin=x\n", "!keep=1\n", "!head=1\n",
                          "!fin keep\n", "!fin reset\n", "!finish\n", "!fin\r\n"}) {
    EXPECT_THROW(ParseResponse(bad), std::invalid_argument) << bad;
  }
}

TEST(Port, IsNamedAndFilledBack) {
  EXPECT_EQ(NamePort("Host: 127.0.0.1:4321\r\nX: :4321:4321", 4321),
            "Host: 127.0.0.1:PORT\r\nX: :PORT:PORT");
  EXPECT_EQ(FillPort("Host: 127.0.0.1:PORT\r\n", 80), "Host: 127.0.0.1:80\r\n");
  // Not a number boundary, as in harness.js: ":43210" holds ":4321".
  EXPECT_EQ(NamePort(":43210", 4321), ":PORT0");
}

}  // namespace
}  // namespace client_conformance
