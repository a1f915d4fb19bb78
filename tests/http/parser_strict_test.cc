// The Parser's two modes on malformed, closing and valid-but-unusual requests: every
// case is parsed whole, split in two at every byte, and a byte per Execute(), in the
// default mode and in lenient mode (insecureHTTPParser, v12's parser), and must give
// the same outcome each time. Each request is followed by a second one,
// "GET /smuggled", which the default mode must never report after a request it
// refuses or that closes the connection.
//
// As in parser_test.cc, an input the parser did not ask to keep is overwritten after
// Execute(), as a recycled receive buffer would be; at the end every view of every
// message begun, a refused one's too, must still read its bytes.
//
// The lenient outcomes are v12.22.9's (checked against it with insecureHTTPParser,
// through a net client as in tools/record_fixtures): where v12 read a body to the end
// of the stream, the trace ends with that body still open.
#include <gtest/gtest.h>
#include <llhttp.h>

#include <deque>
#include <string>
#include <vector>

#include "http/parser.h"

namespace {

const std::string kSmuggled = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";

class Trace final : public http::ParserEvents {
 public:
  http::MessageHead* OnMessageBegin() override {
    heads_.emplace_back();
    return &heads_.back();
  }
  void OnRetainInput() override { retained_ = true; }
  int OnHeadersComplete(http::MessageHead& h) override {
    line_ = std::string(llhttp_method_name(static_cast<llhttp_method_t>(h.method))) + " " +
            std::string(h.url) + " " + std::to_string(h.http_major) + "." +
            std::to_string(h.http_minor) + (h.keep_alive ? " ka" : " close");
    log_.push_back("head " + line_);
    return 0;
  }
  void OnBody(std::string_view data) override { body_.append(data); }
  void OnMessageComplete(http::MessageHead&) override {
    log_.push_back("complete body=" + body_);
    body_.clear();
  }
  // Whether a view of any head begun reads an overwritten input.
  bool ViewsReadFreedBytes() const {
    auto freed = [](std::string_view v) { return v.find(kFreed) != std::string_view::npos; };
    for (const http::MessageHead& h : heads_) {
      if (freed(h.url)) return true;
      for (const auto& f : h.headers) {
        if (freed(f.name) || freed(f.value)) return true;
      }
      for (const auto& f : h.trailers) {
        if (freed(f.name) || freed(f.value)) return true;
      }
    }
    return false;
  }
  static constexpr char kFreed = '\x7f';  // no case sends it
  bool retained_ = false;

  std::vector<std::string> Log() const {
    std::vector<std::string> log = log_;
    if (!body_.empty()) log.push_back("open body=" + body_);
    return log;
  }

 private:
  std::deque<http::MessageHead> heads_;
  std::vector<std::string> log_;
  std::string line_;
  std::string body_;
};

struct Outcome {
  std::vector<std::string> log;
  std::string code;  // "" when every input parsed
  uint16_t status = 0;
  bool operator==(const Outcome& o) const {
    return log == o.log && code == o.code && status == o.status;
  }
};

std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  os << "{";
  for (const auto& l : o.log) os << "\"" << l << "\" ";
  return os << "code=" << o.code << " status=" << o.status << "}";
}

// Parses `input` in pieces ending at `cuts` (and the end), stopping at an error.
Outcome Run(const std::string& input, const std::vector<size_t>& cuts, bool lenient) {
  Trace trace;
  http::ParserOptions options;
  options.lenient = lenient;
  http::Parser parser(http::ParserType::kRequest, options, &trace);
  std::deque<std::string> pieces;
  Outcome out;
  size_t start = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(input.size());
  for (size_t end : ends) {
    pieces.push_back(input.substr(start, end - start));
    start = end;
    trace.retained_ = false;
    http::ParseResult r = parser.Execute(pieces.back());
    if (!trace.retained_) pieces.back().assign(pieces.back().size(), Trace::kFreed);
    if (r.error != 0) {
      out.code = r.code;
      out.status = r.status;
      break;
    }
  }
  out.log = trace.Log();
  EXPECT_FALSE(trace.ViewsReadFreedBytes()) << "a view outlived its input";
  return out;
}

// The outcome whole, then split at every byte (every 97th past the first and last
// 200 bytes of a long input), then a byte per Execute(): all the same.
void ExpectEverywhere(const std::string& input, bool lenient, const Outcome& expected) {
  SCOPED_TRACE(lenient ? "lenient" : "default");
  ASSERT_EQ(Run(input, {}, lenient), expected) << "whole";
  for (size_t cut = 1; cut < input.size(); ++cut) {
    if (cut > 200 && cut + 200 < input.size() && cut % 97 != 0) continue;
    ASSERT_EQ(Run(input, {cut}, lenient), expected) << "split at " << cut;
  }
  std::vector<size_t> every;
  for (size_t i = 1; i < input.size(); ++i) every.push_back(i);
  ASSERT_EQ(Run(input, every, lenient), expected) << "a byte per Execute()";
}

Outcome Refused(const char* code, uint16_t status, std::vector<std::string> log = {}) {
  return {std::move(log), code, status};
}
Outcome Parsed(std::vector<std::string> log) { return {std::move(log), "", 0}; }

const std::vector<std::string> kSmuggledServed = {"head GET /smuggled 1.1 ka", "complete body="};

std::vector<std::string> Then(std::vector<std::string> log, const std::vector<std::string>& more) {
  log.insert(log.end(), more.begin(), more.end());
  return log;
}

struct Case {
  const char* name;
  std::string request;  // followed by kSmuggled
  Outcome strict;
  Outcome lenient;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class ParserStrict : public ::testing::TestWithParam<Case> {};

TEST_P(ParserStrict, SameOutcomeAtEverySplitInBothModes) {
  const Case& c = GetParam();
  std::string input = c.request + kSmuggled;
  ExpectEverywhere(input, false, c.strict);
  ExpectEverywhere(input, true, c.lenient);
  // The default mode reports nothing of a refused request, and nothing after a
  // refused or closing one.
  if (!c.strict.code.empty()) {
    for (const std::string& line : c.strict.log) {
      EXPECT_EQ(line.find("/smuggled"), std::string::npos) << line;
    }
  }
}

const std::string kPost = "POST /a HTTP/1.1\r\nHost: x\r\n";
const std::string kChunkedPost = kPost + "Transfer-Encoding: chunked\r\n\r\n";
const std::vector<std::string> kPostHead = {"head POST /a 1.1 ka"};
const std::vector<std::string> kGetHead = {"head GET /a 1.1 ka"};

// Requests that the default mode refuses before their head is reported.
INSTANTIATE_TEST_SUITE_P(
    Refused, ParserStrict,
    ::testing::Values(
        Case{"TransferEncodingUnknown", kPost + "Transfer-Encoding: nonsense\r\n\r\n",
             Refused("HPE_INVALID_TRANSFER_ENCODING", 501),
             Parsed({"head POST /a 1.1 ka", "open body=" + kSmuggled})},
        Case{"TransferEncodingKnownNotChunked", kPost + "Transfer-Encoding: gzip\r\n\r\n",
             Refused("HPE_INVALID_TRANSFER_ENCODING", 400),
             Parsed({"head POST /a 1.1 ka", "open body=" + kSmuggled})},
        Case{"TransferEncodingChunkedNotLast",
             kPost + "Transfer-Encoding: chunked, gzip\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
             Refused("HPE_INVALID_TRANSFER_ENCODING", 400),
             Parsed({"head POST /a 1.1 ka", "open body=5\r\nhello\r\n0\r\n\r\n" + kSmuggled})},
        Case{"TransferEncodingChunkedTwice",
             kPost + "Transfer-Encoding: chunked, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
             Refused("HPE_INVALID_TRANSFER_ENCODING", 400),
             Parsed(Then({"head POST /a 1.1 ka", "complete body=hello"}, kSmuggledServed))},
        Case{"TransferEncodingTabAfterChunked",
             kPost + "Transfer-Encoding: chunked\t\r\n\r\n0\r\n\r\n",
             Refused("HPE_INVALID_TRANSFER_ENCODING", 400),
             Parsed({"head POST /a 1.1 ka", "open body=0\r\n\r\n" + kSmuggled})},
        Case{"TransferEncodingFolded",
             kPost + "Transfer-Encoding:\r\n chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
             Refused("HPE_INVALID_HEADER_TOKEN", 400),
             Parsed(Then({"head POST /a 1.1 ka", "complete body=hello"}, kSmuggledServed))},
        Case{"TransferEncodingInHttp10",
             "POST /a HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
             Refused("HPE_INVALID_TRANSFER_ENCODING", 400),
             Parsed(Then({"head POST /a 1.0 close", "complete body=hello"}, kSmuggledServed))},
        Case{"ContentLengthWithTransferEncoding",
             kPost + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
             Refused("HPE_UNEXPECTED_CONTENT_LENGTH", 400),
             Refused("HPE_UNEXPECTED_CONTENT_LENGTH", 400)},
        Case{"ContentLengthTwiceDifferent",
             kPost + "Content-Length: 3\r\nContent-Length: 5\r\n\r\nhello",
             Refused("HPE_UNEXPECTED_CONTENT_LENGTH", 400),
             Refused("HPE_UNEXPECTED_CONTENT_LENGTH", 400)},
        Case{"ContentLengthTabAfterIt", kPost + "Content-Length: 5\t\r\n\r\nhello",
             Refused("HPE_INVALID_CONTENT_LENGTH", 400),
             Refused("HPE_INVALID_CONTENT_LENGTH", 400)},
        Case{"HostTwice", "GET /a HTTP/1.1\r\nHost: x\r\nhost: x\r\n\r\n",
             Refused("HPE_INVALID_HOST", 400),
             Parsed(Then({"head GET /a 1.1 ka", "complete body="}, kSmuggledServed))},
        Case{"HostWithSpace", "GET /a HTTP/1.1\r\nHost: a b\r\n\r\n",
             Refused("HPE_INVALID_HOST", 400),
             Parsed(Then({"head GET /a 1.1 ka", "complete body="}, kSmuggledServed))},
        Case{"HostUnclosedIpv6", "GET /a HTTP/1.0\r\nHost: [::1\r\n\r\n",
             Refused("HPE_INVALID_HOST", 400),
             Parsed(Then({"head GET /a 1.0 close", "complete body="}, kSmuggledServed))},
        Case{"HostWithUserinfo", "GET /a HTTP/1.1\r\nHost: u@x\r\n\r\n",
             Refused("HPE_INVALID_HOST", 400),
             Parsed(Then({"head GET /a 1.1 ka", "complete body="}, kSmuggledServed))},
        Case{"NoVersionHttp09", "GET /a\r\n\r\n", Refused("HPE_INVALID_VERSION", 400),
             Parsed(Then({"head GET /a 0.9 close", "complete body="}, kSmuggledServed))},
        Case{"Version09", "GET /a HTTP/0.9\r\n\r\n", Refused("HPE_INVALID_VERSION", 505),
             Parsed(Then({"head GET /a 0.9 close", "complete body="}, kSmuggledServed))},
        Case{"Version20", "GET /a HTTP/2.0\r\nHost: x\r\n\r\n",
             Refused("HPE_INVALID_VERSION", 505),
             Parsed(Then({"head GET /a 2.0 close", "complete body="}, kSmuggledServed))},
        Case{"Version30", "GET /a HTTP/3.0\r\nHost: x\r\n\r\n",
             Refused("HPE_INVALID_VERSION", 505),
             Parsed(Then({"head GET /a 3.0 close", "complete body="}, kSmuggledServed))},
        Case{"VersionMalformed", "GET /a HTTP/31.1\r\nHost: x\r\n\r\n",
             Refused("HPE_INVALID_VERSION", 400), Refused("HPE_INVALID_VERSION", 400)},
        Case{"Version17", "GET /a HTTP/1.7\r\nHost: x\r\n\r\n",
             Refused("HPE_INVALID_VERSION", 400),
             Parsed(Then({"head GET /a 1.7 ka", "complete body="}, kSmuggledServed))},
        Case{"BareLf", "GET /a HTTP/1.1\nHost: x\nX-A: 1\n\n",
             Refused("HPE_INVALID_HEADER_TOKEN", 400),
             Parsed(Then({"head GET /a 1.1 ka", "complete body="}, kSmuggledServed))},
        Case{"BareLfAfterAHeader", "GET /a HTTP/1.1\r\nHost: x\r\nX-A: 1\n\r\n",
             Refused("HPE_INVALID_HEADER_TOKEN", 400),
             Parsed(Then({"head GET /a 1.1 ka", "complete body="}, kSmuggledServed))},
        Case{"BareCr", "GET /a HTTP/1.1\r\nHost: x\rX-A: 1\r\n\r\n",
             Refused("HPE_LF_EXPECTED", 400), Refused("HPE_LF_EXPECTED", 400)},
        Case{"SpaceBeforeTheFirstHeader", "GET /a HTTP/1.1\r\n Host: x\r\n\r\n",
             Refused("HPE_UNEXPECTED_SPACE", 400),
             Parsed(Then({"head GET /a 1.1 ka", "complete body="}, kSmuggledServed))},
        Case{"SpaceBeforeColon", "GET /a HTTP/1.1\r\nHost: x\r\nX-A : 1\r\n\r\n",
             Refused("HPE_INVALID_HEADER_TOKEN", 400),
             Parsed(Then({"head GET /a 1.1 ka", "complete body="}, kSmuggledServed))},
        Case{"SpaceInAHeaderName", "GET /a HTTP/1.1\r\nHost: x\r\nBad Name: x\r\n\r\n",
             Refused("HPE_INVALID_HEADER_TOKEN", 400),
             Parsed(Then({"head GET /a 1.1 ka", "complete body="}, kSmuggledServed))},
        Case{"EmptyHeaderName", "GET /a HTTP/1.1\r\nHost: x\r\n: empty\r\n\r\n",
             Refused("HPE_INVALID_HEADER_TOKEN", 400),
             Parsed(Then({"head GET /a 1.1 ka", "complete body="}, kSmuggledServed))},
        Case{"FoldedHeader", "GET /a HTTP/1.1\r\nHost: x\r\nX-F: a\r\n b\r\n\r\n",
             Refused("HPE_INVALID_HEADER_TOKEN", 400),
             Parsed(Then({"head GET /a 1.1 ka", "complete body="}, kSmuggledServed))},
        Case{"InvalidMethod", "GE T /a HTTP/1.1\r\nHost: x\r\n\r\n",
             Refused("HPE_INVALID_METHOD", 400), Refused("HPE_INVALID_METHOD", 400)},
        Case{"BareLfInAChunkSize", kChunkedPost + "5\nhello\n0\n\n",
             Refused("HPE_INVALID_CHUNK_SIZE", 400, kPostHead),
             Refused("HPE_INVALID_CHUNK_SIZE", 400, kPostHead)},
        // (The head was handed on before the body went wrong.)
        Case{"ChunkDataNotEndedByCrlf", kChunkedPost + "5\r\nhelloXX0\r\n\r\n",
             Refused("HPE_STRICT", 400, {"head POST /a 1.1 ka", "open body=hello"}),
             Parsed(Then({"head POST /a 1.1 ka", "complete body=hello"}, kSmuggledServed))},
        Case{"ChunkExtensionWithTrailingSpace", kChunkedPost + "2;a=b \r\nab\r\n0\r\n\r\n",
             Refused("HPE_STRICT", 400, kPostHead),
             Parsed(Then({"head POST /a 1.1 ka", "complete body=ab"}, kSmuggledServed))},
        Case{"ChunkExtensionWithoutName", kChunkedPost + "2;=x\r\nab\r\n0\r\n\r\n",
             Refused("HPE_STRICT", 400, kPostHead),
             Parsed(Then({"head POST /a 1.1 ka", "complete body=ab"}, kSmuggledServed))},
        Case{"ChunkSizeThenText", kChunkedPost + "2 x\r\nab\r\n0\r\n\r\n",
             Refused("HPE_INVALID_CHUNK_SIZE", 400, kPostHead),
             Parsed(Then({"head POST /a 1.1 ka", "complete body=ab"}, kSmuggledServed))},
        Case{"ChunkExtensionsOver16KiB",
             kChunkedPost + "5;ext=" + std::string(20000, 'e') + "\r\nhello\r\n0\r\n\r\n",
             Refused("HPE_CHUNK_EXTENSIONS_OVERFLOW", 413, kPostHead),
             Parsed(Then({"head POST /a 1.1 ka", "complete body=hello"}, kSmuggledServed))},
        Case{"HeadersOver8KiB", "GET /a HTTP/1.1\r\nX: " + std::string(9000, 'a') + "\r\n\r\n",
             Refused("HPE_HEADER_OVERFLOW", 431), Refused("HPE_HEADER_OVERFLOW", 431)}),
    [](const auto& info) { return std::string(info.param.name); });

// Requests that close the connection: the default mode reports them and nothing
// after them (what follows fails with HPE_CLOSED_CONNECTION, which a server drops);
// v12 went on parsing.
INSTANTIATE_TEST_SUITE_P(
    Closing, ParserStrict,
    ::testing::Values(
        Case{"ConnectionClose", "GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
             Refused("HPE_CLOSED_CONNECTION", 400, {"head GET /a 1.1 close", "complete body="}),
             Parsed(Then({"head GET /a 1.1 close", "complete body="}, kSmuggledServed))},
        Case{"ConnectionCloseInAList",
             "GET /a HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Close\r\n\r\n",
             Refused("HPE_CLOSED_CONNECTION", 400, {"head GET /a 1.1 close", "complete body="}),
             Parsed(Then({"head GET /a 1.1 close", "complete body="}, kSmuggledServed))},
        // llhttp 8.1, as v12, misses "close" followed by a tab: RFC 9110 reads it.
        Case{"ConnectionCloseAndATab", "GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\t\r\n\r\n",
             Refused("HPE_CLOSED_CONNECTION", 400, {"head GET /a 1.1 close", "complete body="}),
             Parsed(Then({"head GET /a 1.1 ka", "complete body="}, kSmuggledServed))},
        Case{"Http10", "GET /a HTTP/1.0\r\n\r\n",
             Refused("HPE_CLOSED_CONNECTION", 400, {"head GET /a 1.0 close", "complete body="}),
             Parsed(Then({"head GET /a 1.0 close", "complete body="}, kSmuggledServed))},
        Case{"Http10PostWithItsBody", "POST /a HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc",
             Refused("HPE_CLOSED_CONNECTION", 400,
                     {"head POST /a 1.0 close", "complete body=abc"}),
             Parsed(Then({"head POST /a 1.0 close", "complete body=abc"}, kSmuggledServed))},
        // Empty lines after the last request are no data: nothing fails before "GET".
        Case{"Http10ThenEmptyLines", "GET /a HTTP/1.0\r\n\r\n\r\n\r\n",
             Refused("HPE_CLOSED_CONNECTION", 400, {"head GET /a 1.0 close", "complete body="}),
             Parsed(Then({"head GET /a 1.0 close", "complete body="}, kSmuggledServed))},
        Case{"PipelinedThenConnectionClose",
             "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: "
             "close\r\n\r\n",
             Refused("HPE_CLOSED_CONNECTION", 400,
                     {"head GET /a 1.1 ka", "complete body=", "head GET /b 1.1 close",
                      "complete body="}),
             Parsed(Then({"head GET /a 1.1 ka", "complete body=", "head GET /b 1.1 close",
                          "complete body="},
                         kSmuggledServed))}),
    [](const auto& info) { return std::string(info.param.name); });

// Valid requests, however unusual: parsed alike in both modes (the next request too),
// but where v12 differed.
INSTANTIATE_TEST_SUITE_P(
    Valid, ParserStrict,
    ::testing::Values(
        Case{"TabsAroundValues", "GET /a HTTP/1.1\r\nHost:\tx\t\r\nX-A:\t1 \t\r\n\r\n",
             Parsed(Then(Then(kGetHead, {"complete body="}), kSmuggledServed)),
             Parsed(Then(Then(kGetHead, {"complete body="}), kSmuggledServed))},
        Case{"TabsInTransferEncoding",
             kPost + "Transfer-Encoding:\tgzip ,\tchunked\r\n\r\n2\r\nab\r\n0\r\n\r\n",
             Parsed(Then(Then(kPostHead, {"complete body=ab"}), kSmuggledServed)),
             Parsed(Then(Then(kPostHead, {"complete body=ab"}), kSmuggledServed))},
        Case{"MixedCaseCodings",
             kPost + "Transfer-Encoding: GZip, Chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n",
             Parsed(Then(Then(kPostHead, {"complete body=ab"}), kSmuggledServed)),
             Parsed(Then(Then(kPostHead, {"complete body=ab"}), kSmuggledServed))},
        Case{"CodingsOnTwoLines",
             kPost + "Transfer-Encoding: x-gzip\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab"
                     "\r\n0\r\n\r\n",
             Parsed(Then(Then(kPostHead, {"complete body=ab"}), kSmuggledServed)),
             Parsed(Then(Then(kPostHead, {"complete body=ab"}), kSmuggledServed))},
        Case{"LeadingZerosInLengths",
             kPost + "Content-Length: 005\r\n\r\nabcde",
             Parsed(Then(Then(kPostHead, {"complete body=abcde"}), kSmuggledServed)),
             Parsed(Then(Then(kPostHead, {"complete body=abcde"}), kSmuggledServed))},
        Case{"LeadingZerosInChunkSizes", kChunkedPost + "0005\r\nabcde\r\n000\r\n\r\n",
             Parsed(Then(Then(kPostHead, {"complete body=abcde"}), kSmuggledServed)),
             Parsed(Then(Then(kPostHead, {"complete body=abcde"}), kSmuggledServed))},
        Case{"ObsTextInAValue", "GET /a HTTP/1.1\r\nHost: x\r\nX-O: a\xe9\xff b\x80\r\n\r\n",
             Parsed(Then(Then(kGetHead, {"complete body="}), kSmuggledServed)),
             Parsed(Then(Then(kGetHead, {"complete body="}), kSmuggledServed))},
        Case{"HostForms",
             "GET /a HTTP/1.1\r\nHost: [::1]:8080\r\n\r\nGET /b HTTP/1.1\r\nHost: [fe80::1]\r\n"
             "\r\nGET /c HTTP/1.1\r\nHost: 1.2.3.4:80\r\n\r\nGET /d HTTP/1.1\r\nHost: x:\r\n\r\n"
             "GET /e HTTP/1.1\r\nHost:\r\n\r\nGET /f HTTP/1.1\r\nHost: [v1.x]\r\n\r\n",
             Parsed(Then({"head GET /a 1.1 ka", "complete body=", "head GET /b 1.1 ka",
                          "complete body=", "head GET /c 1.1 ka", "complete body=",
                          "head GET /d 1.1 ka", "complete body=", "head GET /e 1.1 ka",
                          "complete body=", "head GET /f 1.1 ka", "complete body="},
                         kSmuggledServed)),
             Parsed(Then({"head GET /a 1.1 ka", "complete body=", "head GET /b 1.1 ka",
                          "complete body=", "head GET /c 1.1 ka", "complete body=",
                          "head GET /d 1.1 ka", "complete body=", "head GET /e 1.1 ka",
                          "complete body=", "head GET /f 1.1 ka", "complete body="},
                         kSmuggledServed))},
        Case{"AbsoluteForm", "GET http://h:8/p?q HTTP/1.1\r\nHost: h:8\r\n\r\n",
             Parsed(Then({"head GET http://h:8/p?q 1.1 ka", "complete body="}, kSmuggledServed)),
             Parsed(Then({"head GET http://h:8/p?q 1.1 ka", "complete body="}, kSmuggledServed))},
        Case{"OptionsStar", "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n",
             Parsed(Then({"head OPTIONS * 1.1 ka", "complete body="}, kSmuggledServed)),
             Parsed(Then({"head OPTIONS * 1.1 ka", "complete body="}, kSmuggledServed))},
        Case{"ChunkExtensionsQuoted",
             kChunkedPost + "2;name=\"a b\"\r\nab\r\n2;n=\"a\\\"b\";x=y;z=\"q r\"\r\ncd\r\n"
                            "0;last=\"\xe9\"\r\n\r\n",
             Parsed(Then(Then(kPostHead, {"complete body=abcd"}), kSmuggledServed)),
             Parsed(Then(Then(kPostHead, {"complete body=abcd"}), kSmuggledServed))},
        Case{"ChunkExtensionsWithBadWhitespace",
             kChunkedPost + "2 ; a = b\r\nab\r\n2; c =\t\"d\" ;e\r\ncd\r\n0\r\n\r\n",
             Parsed(Then(Then(kPostHead, {"complete body=abcd"}), kSmuggledServed)),
             Parsed(Then(Then(kPostHead, {"complete body=abcd"}), kSmuggledServed))},
        // v12 refused a tab right after the size; RFC 9112 allows it before ";".
        Case{"ChunkExtensionAfterATab", kChunkedPost + "2\t;x=y\r\nab\r\n0\r\n\r\n",
             Parsed(Then(Then(kPostHead, {"complete body=ab"}), kSmuggledServed)),
             Refused("HPE_INVALID_CHUNK_SIZE", 400, kPostHead)},
        Case{"ChunkedTrailers", kChunkedPost + "2;e\r\nab\r\n0\r\nX-T: 1\r\n\r\n",
             Parsed(Then(Then(kPostHead, {"complete body=ab"}), kSmuggledServed)),
             Parsed(Then(Then(kPostHead, {"complete body=ab"}), kSmuggledServed))},
        // A keep-alive option that a tab follows: llhttp 8.1, as v12, missed it.
        Case{"Http10KeepAliveAndATab", "GET /a HTTP/1.0\r\nConnection: keep-alive\t\r\n\r\n",
             Parsed(Then({"head GET /a 1.0 ka", "complete body="}, kSmuggledServed)),
             Parsed(Then({"head GET /a 1.0 close", "complete body="}, kSmuggledServed))}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
