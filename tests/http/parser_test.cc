// Golden traces for the llhttp glue: each input is parsed whole and split at every
// byte offset, and must give the same trace. Inputs that were not retained are
// overwritten right after Execute(), as a recycled ring buffer would be, so a view
// that points into an unretained input shows up as garbage in the trace.
#include "http/parser.h"

#include <gtest/gtest.h>
#include <llhttp.h>

#include <deque>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

class Trace final : public http::ParserEvents {
 public:
  http::MessageHead* OnMessageBegin() override {
    heads_.emplace_back();
    return &heads_.back();
  }
  void OnRetainInput() override { retained_ = true; }
  int OnHeadersComplete(http::MessageHead& h) override {
    head_lines_.push_back(Describe(h));
    return skip_body_ ? 1 : 0;
  }
  void OnBody(std::string_view data) override { body_.append(data); }
  void OnMessageComplete(http::MessageHead& h) override {
    // Views of the head must still be intact at the end of the message.
    std::string line = "complete " + Describe(h) + " body=" + body_;
    for (const auto& t : h.trailers) line += " trailer[" + std::string(t.name) + "=" + std::string(t.value) + "]";
    log_.push_back(line);
    body_.clear();
  }

  static std::string Describe(const http::MessageHead& h) {
    std::string s = std::string(llhttp_method_name(static_cast<llhttp_method_t>(h.method))) + " " +
                    std::string(h.url) + " " + std::to_string(h.http_major) + "." +
                    std::to_string(h.http_minor) + (h.keep_alive ? " ka" : " close");
    for (const auto& f : h.headers) s += " [" + std::string(f.name) + ": " + std::string(f.value) + "]";
    return s;
  }

  bool retained_ = false;
  bool skip_body_ = false;
  std::deque<http::MessageHead> heads_;
  std::vector<std::string> head_lines_;
  std::vector<std::string> log_;
  std::string body_;
};

struct Outcome {
  std::vector<std::string> log;
  std::vector<bool> retained;  // per input, whether the parser asked to keep it
  uint64_t copied = 0;
  http::ParseResult last;
};

// Feeds `input` in pieces cut at `cuts`; an unretained piece is scribbled over.
Outcome Parse(const std::string& input, const std::vector<size_t>& cuts, http::ParserOptions opts = {}) {
  Trace trace;
  http::Parser parser(http::ParserType::kRequest, opts, &trace);
  std::deque<std::string> pieces;
  size_t start = 0;
  Outcome run;
  std::vector<size_t> ends = cuts;
  ends.push_back(input.size());
  for (size_t end : ends) {
    pieces.push_back(input.substr(start, end - start));
    start = end;
    trace.retained_ = false;
    run.last = parser.Execute(pieces.back());
    run.retained.push_back(trace.retained_);
    if (!trace.retained_) pieces.back().assign(pieces.back().size(), '#');
    if (run.last.error != 0) break;
  }
  run.log = trace.log_;
  run.copied = parser.copied_bytes();
  return run;
}

void ExpectSameAtEverySplit(const std::string& input, const std::vector<std::string>& expected,
                            http::ParserOptions opts = {}) {
  Outcome whole = Parse(input, {}, opts);
  ASSERT_EQ(whole.last.error, 0) << whole.last.code << ": " << whole.last.reason;
  EXPECT_EQ(whole.log, expected);
  EXPECT_EQ(whole.copied, 0u) << "a request inside one buffer must not be copied";
  for (size_t cut = 1; cut < input.size(); ++cut) {
    Outcome split = Parse(input, {cut}, opts);
    ASSERT_EQ(split.last.error, 0) << "cut at " << cut << ": " << split.last.reason;
    EXPECT_EQ(split.log, expected) << "cut at " << cut;
  }
  // Three pieces: every pair of cuts over a short prefix of offsets.
  for (size_t a = 1; a < input.size() && a < 40; ++a) {
    for (size_t b = a + 1; b < input.size(); b += 3) {
      Outcome split = Parse(input, {a, b}, opts);
      EXPECT_EQ(split.log, expected) << "cuts at " << a << "," << b;
    }
  }
}

TEST(Parser, SimpleGetGivesTheSameTraceAtEverySplit) {
  ExpectSameAtEverySplit("GET /hello?x=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t/1\r\n\r\n",
                         {"complete GET /hello?x=1 1.1 ka [Host: example.com] [User-Agent: t/1] body="});
}

TEST(Parser, ContentLengthBodyIsDeliveredWhole) {
  ExpectSameAtEverySplit("POST /p HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello world",
                         {"complete POST /p 1.1 ka [Content-Length: 11] body=hello world"});
}

TEST(Parser, ChunkedBodyWithTrailersIsDeliveredWhole) {
  ExpectSameAtEverySplit(
      "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n"
      "X-Sum: abc\r\n\r\n",
      {"complete POST /c 1.1 ka [Transfer-Encoding: chunked] body=hello world trailer[X-Sum=abc]"});
}

TEST(Parser, PipelinedRequestsComeOutInOrder) {
  ExpectSameAtEverySplit(
      "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n"
      "POST /c HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /d HTTP/1.0\r\n\r\n",
      {"complete GET /a 1.1 ka [Host: h] body=", "complete GET /b 1.1 ka [Host: h] body=",
       "complete POST /c 1.1 ka [Content-Length: 3] body=abc", "complete GET /d 1.0 close body="});
}

TEST(Parser, EmptyHeaderValueIsEmpty) {
  ExpectSameAtEverySplit("GET / HTTP/1.1\r\nX-Empty:\r\nX-B: b\r\n\r\n",
                         {"complete GET / 1.1 ka [X-Empty: ] [X-B: b] body="});
}

TEST(Parser, ConnectionCloseAndHttp10KeepAliveAreReported) {
  ExpectSameAtEverySplit("GET / HTTP/1.1\r\nConnection: close\r\n\r\n",
                         {"complete GET / 1.1 close [Connection: close] body="});
  ExpectSameAtEverySplit("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
                         {"complete GET / 1.0 ka [Connection: keep-alive] body="});
}

// An input that ends inside a head is not kept: the fields it holds move to the
// message's arena (the field cut in two continues there), and the input where the
// head completes is kept and read in place.
TEST(Parser, AHeadCutBetweenTwoInputsCopiesOnlyWhatTheFirstHeld) {
  std::string input = "GET /path HTTP/1.1\r\nHost: example.com\r\nX-After: yes\r\n\r\n";
  size_t cut = input.find("example") + 3;  // inside the Host value
  Outcome split = Parse(input, {cut});
  ASSERT_EQ(split.log.size(), 1u);
  EXPECT_EQ(split.log[0], "complete GET /path 1.1 ka [Host: example.com] [X-After: yes] body=");
  EXPECT_EQ(split.retained, (std::vector<bool>{false, true}));
  // "/path", "Host" and "exa" from the first input, then "mple.com" appended.
  EXPECT_EQ(split.copied, std::string("/path" "Host" "example.com").size());
}

TEST(Parser, AHeadSentALinePerInputKeepsNoInputUntilItCompletes) {
  std::vector<std::string> lines = {"GET /x HTTP/1.1\r\n", "Host: h\r\n", "A: 1\r\n",
                                    "B: 22\r\n", "\r\n"};
  std::string input;
  std::vector<size_t> cuts;
  for (const std::string& l : lines) {
    if (!input.empty()) cuts.push_back(input.size());
    input += l;
  }
  Outcome run = Parse(input, cuts);
  ASSERT_EQ(run.log.size(), 1u);
  EXPECT_EQ(run.log[0], "complete GET /x 1.1 ka [Host: h] [A: 1] [B: 22] body=");
  EXPECT_EQ(run.retained, (std::vector<bool>{false, false, false, false, false}))
      << "the last input holds no field, so nothing is kept at all";
  EXPECT_EQ(run.copied, std::string("/x" "Host" "h" "A" "1" "B" "22").size());
}

// A folded value (lenient) is built in the arena while the fields completed before it
// in the same input move there at the input's end: both must come out whole.
TEST(Parser, FieldsMoveToTheArenaWhileAFoldedValueIsBeingJoined) {
  std::string input = "GET / HTTP/1.1\r\nX-A: 1\r\nX-F: a\r\n b\r\n c\r\nX-B: 2\r\n\r\n";
  http::ParserOptions lenient;
  lenient.lenient = true;
  std::vector<std::string> expected = {"complete GET / 1.1 ka [X-A: 1] [X-F: a b c] [X-B: 2] body="};
  for (size_t a = 1; a < input.size(); ++a) {
    EXPECT_EQ(Parse(input, {a}, lenient).log, expected) << "cut at " << a;
    for (size_t b = a + 1; b < input.size(); ++b) {
      EXPECT_EQ(Parse(input, {a, b}, lenient).log, expected) << "cuts at " << a << "," << b;
    }
  }
}

TEST(Parser, HeadersOverTheLimitFailWithHeaderOverflow) {
  http::ParserOptions opts;
  opts.max_header_size = 64;
  std::string input = "GET / HTTP/1.1\r\nX-Long: " + std::string(100, 'a') + "\r\n\r\n";
  Outcome run = Parse(input, {}, opts);
  EXPECT_EQ(run.last.error, http::Parser::kHeaderOverflow);
  EXPECT_STREQ(run.last.code, "HPE_HEADER_OVERFLOW");
  EXPECT_TRUE(run.log.empty());
}

TEST(Parser, DefaultLimitCountsUrlNamesAndValuesLikeNode) {
  // Node counts the bytes of the URL, names and values (not the method, the
  // version, separators or CRLFs) and fails once the count reaches 8192.
  std::string name = "X-Fill";
  std::string under(8192 - 1 - 1 - name.size(), 'v');  // "/" + name + value = 8191
  Outcome ok = Parse("GET / HTTP/1.1\r\n" + name + ": " + under + "\r\n\r\n", {});
  EXPECT_EQ(ok.last.error, 0) << ok.last.code;
  Outcome over = Parse("GET / HTTP/1.1\r\n" + name + ": " + under + "v\r\n\r\n", {});
  EXPECT_EQ(over.last.error, http::Parser::kHeaderOverflow);
}

TEST(Parser, MalformedRequestLineReportsLlhttpCode) {
  Outcome run = Parse("GE T / HTTP/1.1\r\n\r\n", {});
  EXPECT_NE(run.last.error, 0);
  EXPECT_EQ(std::string(run.last.code).rfind("HPE_", 0), 0u) << run.last.code;
}

// Request smuggling: v12.22.9 rejects Content-Length with Transfer-Encoding even with
// insecureHTTPParser (scenario 176), and so does lenient mode here.
TEST(Parser, ContentLengthWithTransferEncodingIsRejectedEvenWhenLenient) {
  std::string smuggle =
      "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
  Outcome strict = Parse(smuggle, {});
  EXPECT_NE(strict.last.error, 0);
  http::ParserOptions lenient;
  lenient.lenient = true;
  Outcome loose = Parse(smuggle, {}, lenient);
  EXPECT_NE(loose.last.error, 0);
}

TEST(Parser, FoldedValueIsRejectedByDefaultAndJoinedWhenLenient) {
  std::string folded = "GET / HTTP/1.1\r\nX-F: a\r\n b\r\n\r\n";
  Outcome strict = Parse(folded, {});
  EXPECT_EQ(std::string(strict.last.code), "HPE_INVALID_HEADER_TOKEN");
  std::string folded_empty = "GET / HTTP/1.1\r\nX-F:\r\n b\r\n\r\n";
  for (const std::string& input : {folded, folded_empty}) {
    for (size_t cut = 1; cut < input.size(); ++cut) {
      EXPECT_NE(Parse(input, {cut}).last.error, 0) << input << " cut at " << cut;
    }
  }
  http::ParserOptions lenient;
  lenient.lenient = true;
  Outcome loose = Parse(folded, {}, lenient);
  ASSERT_EQ(loose.last.error, 0) << loose.last.code;
  ASSERT_EQ(loose.log.size(), 1u);
  EXPECT_EQ(loose.log[0], "complete GET / 1.1 ka [X-F: a b] body=");
}

TEST(Parser, TrailingWhitespaceOfValuesIsDropped) {
  Outcome run = Parse("GET / HTTP/1.1\r\nX-A: a b \t\r\n\r\n", {});
  ASSERT_EQ(run.last.error, 0) << run.last.code;
  ASSERT_EQ(run.log.size(), 1u);
  EXPECT_EQ(run.log[0], "complete GET / 1.1 ka [X-A: a b] body=");
}

TEST(Parser, UpgradeStopsAfterTheHeadAndReportsConsumedBytes) {
  std::string head = "GET /ws HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n";
  Outcome run = Parse(head + "RAWBYTES", {});
  EXPECT_TRUE(run.last.upgraded);
  EXPECT_EQ(run.last.consumed, head.size());
}

// RFC 9110's list reads "upgrade" followed by a tab as the option (llhttp 8.1 alone,
// and so v12, does not: the raw bytes would be parsed as a next request).
TEST(Parser, UpgradeOptionFollowedByATabIsAnUpgradeByDefaultAndNotWhenLenient) {
  std::string head = "GET /ws HTTP/1.1\r\nConnection: Upgrade\t\r\nUpgrade: websocket\r\n\r\n";
  for (size_t split = 1; split < head.size(); ++split) {
    Outcome run = Parse(head + "RAWBYTES", {split});
    EXPECT_TRUE(run.last.upgraded) << split;
    EXPECT_EQ(run.last.consumed, head.size() - split) << split;  // of the last piece
  }
  http::ParserOptions lenient;
  lenient.lenient = true;
  Outcome v12 = Parse(head, {}, lenient);
  EXPECT_FALSE(v12.last.upgraded);
  // Without an Upgrade header the option alone is no upgrade.
  Outcome plain = Parse("GET / HTTP/1.1\r\nConnection: upgrade\t\r\n\r\n", {});
  EXPECT_FALSE(plain.last.upgraded);
  EXPECT_EQ(plain.last.error, 0) << plain.last.code;
}

// 170_parser_space_before_first_header_insecure: v12's insecureHTTPParser kept a
// space before the first header line in the name; the default mode refuses it, as
// current Node does.
TEST(Parser, SpaceBeforeTheFirstHeaderIsRefusedByDefaultAndKeptInTheNameWhenLenient) {
  const std::string input = "GET / HTTP/1.1\r\n Host: h\r\nX-A: 1\r\n\r\n";
  Outcome strict = Parse(input, {});
  EXPECT_STREQ(strict.last.code, "HPE_UNEXPECTED_SPACE");
  http::ParserOptions lenient;
  lenient.lenient = true;
  ExpectSameAtEverySplit(input, {"complete GET / 1.1 ka [ Host: h] [X-A: 1] body="}, lenient);
}

// 172_parser_unknown_http_version_insecure: v12's insecureHTTPParser took any
// single-digit version, with the keep-alive rules of 1.1 when major and minor are
// both above 0, else of 1.0; the default mode refuses them, as current Node does.
TEST(Parser, UnknownVersionIsRefusedByDefaultAndReportedAsSentWhenLenient) {
  Outcome strict = Parse("GET / HTTP/1.7\r\nHost: h\r\n\r\n", {});
  EXPECT_STREQ(strict.last.code, "HPE_INVALID_VERSION");
  http::ParserOptions lenient;
  lenient.lenient = true;
  ExpectSameAtEverySplit(
      "GET /a HTTP/1.7\r\nHost: h\r\n\r\nGET /b HTTP/2.1\r\n\r\n"
      "GET /c HTTP/0.5\r\nConnection: keep-alive\r\n\r\nGET /d HTTP/2.0\r\nConnection: "
      "keep-alive\r\n\r\nGET /e HTTP/1.1\r\n\r\nGET /f HTTP/3.0\r\n\r\n",
      {"complete GET /a 1.7 ka [Host: h] body=", "complete GET /b 2.1 ka body=",
       "complete GET /c 0.5 ka [Connection: keep-alive] body=",
       "complete GET /d 2.0 ka [Connection: keep-alive] body=", "complete GET /e 1.1 ka body=",
       "complete GET /f 3.0 close body="},
      lenient);
}

// Only the bytes right after the URL are a version: an HTTP/0.9 request line (its
// URL ends the line) leaves the digits of the headers after it alone.
TEST(Parser, LenientVersionFeedingLooksOnlyAtTheRequestLinesVersion) {
  http::ParserOptions lenient;
  lenient.lenient = true;
  Outcome run = Parse("GET /\r\nContent-Length: 25\r\n\r\n" + std::string(25, 'x'), {}, lenient);
  ASSERT_EQ(run.last.error, 0) << run.last.reason;
  ASSERT_EQ(run.log.size(), 1u);
  EXPECT_NE(run.log[0].find("[Content-Length: 25] body=" + std::string(25, 'x')), std::string::npos)
      << run.log[0];
  // Digits of the URL, or of a protocol other than HTTP, are not touched either.
  ExpectSameAtEverySplit("GET /v7/25 HTTP/1.1\r\nHost: h\r\n\r\n",
                         {"complete GET /v7/25 1.1 ka [Host: h] body="}, lenient);
}

// A parser given back to the pool in the middle of a request line (the client left)
// starts the next connection afresh.
TEST(Parser, ReboundParserForgetsAHalfReadVersion) {
  http::ParserOptions lenient;
  lenient.lenient = true;
  Trace first;
  http::Parser parser(http::ParserType::kRequest, lenient, &first);
  std::string part = "GET / HTTP/";
  EXPECT_EQ(parser.Execute(part).error, 0);
  Trace second;
  parser.Rebind(&second);
  std::string next = "GET /item/25 HTTP/1.7\r\nHost: h\r\n\r\n";
  EXPECT_EQ(parser.Execute(next).error, 0);
  EXPECT_EQ(second.log_, std::vector<std::string>{"complete GET /item/25 1.7 ka [Host: h] body="});
}

}  // namespace

namespace {

// An event that throws must not unwind through llhttp's frames: Execute() rethrows it
// once llhttp has returned, with the input's fields already out of the input, and
// the parser stays failed until Reset().
class Thrower final : public http::ParserEvents {
 public:
  http::MessageHead* OnMessageBegin() override { return &head_; }
  void OnRetainInput() override {}
  int OnHeadersComplete(http::MessageHead& h) override {
    url_ = std::string(h.url);
    throw std::runtime_error("listener");
  }
  void OnBody(std::string_view) override {}
  void OnMessageComplete(http::MessageHead&) override { ++completed_; }
  http::MessageHead head_;
  std::string url_;
  int completed_ = 0;
};

TEST(Parser, AnEventThatThrowsIsRethrownByExecuteAfterLlhttpReturns) {
  Thrower events;
  http::Parser parser(http::ParserType::kRequest, {}, &events);
  std::string input = "GET /x HTTP/1.1\r\nHost: h\r\n\r\nGET /y HTTP/1.1\r\nHost: h\r\n\r\n";
  EXPECT_THROW(parser.Execute(input), std::runtime_error);
  EXPECT_EQ(events.url_, "/x");
  EXPECT_EQ(events.completed_, 0) << "parsing went on after the event threw";
  EXPECT_NE(parser.Execute("GET / HTTP/1.1\r\n\r\n").error, 0) << "a failed parser parsed on";
  parser.Reset();
  EXPECT_THROW(parser.Execute("GET /z HTTP/1.1\r\nHost: h\r\n\r\n"), std::runtime_error);
  EXPECT_EQ(events.url_, "/z");
}

}  // namespace

namespace {

// A head that completes in its input is read there, even when the body follows in a
// later input: nothing of it is copied (not even the last header's name).
TEST(Parser, AHeadKeptInItsInputCopiesNothingWhenTheBodyFollowsLater) {
  Trace trace;
  http::Parser parser(http::ParserType::kRequest, {}, &trace);
  std::string input = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n01234";
  ASSERT_EQ(parser.Execute(input).error, 0);
  EXPECT_TRUE(trace.retained_);
  EXPECT_EQ(parser.copied_bytes(), 0u) << "bytes copied for a head read in place";
  ASSERT_EQ(parser.Execute("56789").error, 0);
  EXPECT_EQ(parser.copied_bytes(), 0u);
}

}  // namespace
