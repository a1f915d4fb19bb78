// RFC 9112's request-head rules (http/request_rules.h), on heads built by hand. The
// Parser's use of them, fed whole and split, is in parser_strict_test.cc; the server's
// answers in server_framing_test.cc.
#include "http/request_rules.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using http::CheckRequestHead;
using http::HeaderView;
using http::IsValidHost;
using http::MessageHead;
using http::TransferCodings;

TEST(RequestRules, HostFormsOfRfc3986AreValid) {
  for (const char* host :
       {"example.com", "example.com:8080", "x:", ":80", "", "1.2.3.4", "1.2.3.4:80",
        "999.1.1.1", "ex_ample.com", "a-b.c~d", "%41b", "a!$&'()*+,;=b", "[::1]", "[::1]:8080",
        "[::]", "[1::]", "[1:2:3:4:5:6:7:8]", "[1:2:3:4:5:6:7::]", "[::2:3:4:5:6:7:8]",
        "[fe80::1]", "[::ffff:1.2.3.4]", "[1:2:3:4:5:6:1.2.3.4]", "[v1.fe]", "[V7.a:b]",
        "\tx\t", " [::1]:1 "}) {
    EXPECT_TRUE(IsValidHost(host)) << "'" << host << "'";
  }
}

TEST(RequestRules, HostValuesOutsideUriHostAndPortAreInvalid) {
  for (const char* host :
       {"a b", "x:y", "x:80:90", "[::1", "::1", "x/y", "x@y", "x?", "x#", "%4", "%zz", "\x80",
        "h\xc3\xa9", "[fe80::1%25eth0]", "[1:2:3:4:5:6:7:8:9]", "[1::2::3]", "[:::]", "[:1]",
        "[1:]", "[12345::]", "[g::]", "[1.2.3.4]", "[::1.2.3]", "[::1.2.3.256]", "[::01.2.3.4]",
        "[1:2:3:4:5:6:7:1.2.3.4]", "[v1]", "[v.x]", "[vg.x]", "[v1.]", "[::1]x", "[::1]:x",
        "x:8 0"}) {
    EXPECT_FALSE(IsValidHost(host)) << "'" << host << "'";
  }
}

// A parsed head, as the Parser fills it (MessageHead itself does not move).
class Head {
 public:
  Head(int major, int minor, std::vector<HeaderView> headers, bool chunked = false) {
    h_.http_major = static_cast<uint8_t>(major);
    h_.http_minor = static_cast<uint8_t>(minor);
    h_.headers = std::move(headers);
    h_.chunked = chunked;
  }
  operator const MessageHead&() const { return h_; }

 private:
  MessageHead h_;
};

void ExpectBreak(const MessageHead& head, bool has_version, uint16_t status, const char* code) {
  http::RuleBreak b = CheckRequestHead(head, has_version);
  EXPECT_EQ(b.status, status);
  EXPECT_STREQ(b.code, code);
  EXPECT_STRNE(b.reason, "");
}

TEST(RequestRules, AValidHeadBreaksNoRule) {
  EXPECT_EQ(CheckRequestHead(Head(1, 1, {{"Host", "h"}}), true).status, 0);
  EXPECT_EQ(CheckRequestHead(Head(1, 0, {}), true).status, 0);
  EXPECT_EQ(CheckRequestHead(Head(1, 1, {{"Host", "h"}, {"Transfer-Encoding", "gzip, chunked"}},
                                 /*chunked=*/true),
                            true)
                .status,
            0);
}

TEST(RequestRules, VersionsOtherThanOneGet505AndNoVersion400) {
  ExpectBreak(Head(0, 9, {}), /*has_version=*/false, 400, "HPE_INVALID_VERSION");
  ExpectBreak(Head(0, 9, {}), true, 505, "HPE_INVALID_VERSION");
  ExpectBreak(Head(2, 0, {{"Host", "h"}}), true, 505, "HPE_INVALID_VERSION");
  // The version is judged first: this head breaks the Host rule as well.
  ExpectBreak(Head(2, 0, {{"Host", "a b"}}), true, 505, "HPE_INVALID_VERSION");
}

TEST(RequestRules, ASecondHostLineOrAnInvalidHostGets400) {
  ExpectBreak(Head(1, 1, {{"Host", "a"}, {"host", "a"}}), true, 400, "HPE_INVALID_HOST");
  ExpectBreak(Head(1, 0, {{"HOST", "a"}, {"Host", "b"}}), true, 400, "HPE_INVALID_HOST");
  ExpectBreak(Head(1, 1, {{"Host", "a b"}}), true, 400, "HPE_INVALID_HOST");
  ExpectBreak(Head(1, 0, {{"Host", "x:y"}}), true, 400, "HPE_INVALID_HOST");
  EXPECT_EQ(CheckRequestHead(Head(1, 1, {{"Host", ""}}), true).status, 0);
  EXPECT_EQ(CheckRequestHead(Head(1, 1, {{"X-Host", "a b"}, {"Hosts", "a b"}}), true).status, 0);
}

TEST(RequestRules, TransferEncodingInHttp10Gets400EvenWhenChunked) {
  ExpectBreak(Head(1, 0, {{"Transfer-Encoding", "chunked"}}, true), true, 400,
              "HPE_INVALID_TRANSFER_ENCODING");
}

TEST(RequestRules, AFinalCodingOtherThanChunkedGets400Or501WhenUnknown) {
  for (const char* te : {"gzip", "GZIP", "chunked, gzip", "x-gzip;q=1", "deflate, compress",
                         "chunked\t", "chunked;x=1", "", " , ", "gzip;", "gzip;q", "a b",
                         "\"gzip\"", "gzip, \"x\""}) {
    SCOPED_TRACE(te);
    ExpectBreak(Head(1, 1, {{"Host", "h"}, {"Transfer-Encoding", te}}), true, 400,
                "HPE_INVALID_TRANSFER_ENCODING");
  }
  for (const char* te : {"nonsense", "identity", "gzip, pigeons", "chunked, foo", "br;q=1"}) {
    SCOPED_TRACE(te);
    ExpectBreak(Head(1, 1, {{"Host", "h"}, {"Transfer-Encoding", te}}), true, 501,
                "HPE_INVALID_TRANSFER_ENCODING");
  }
  // The codings of several lines are one list.
  ExpectBreak(Head(1, 1, {{"Transfer-Encoding", "gzip"}, {"transfer-encoding", "foo"}}), true,
              501, "HPE_INVALID_TRANSFER_ENCODING");
}

TEST(RequestRules, TransferCodingsAreReadAsOneListIgnoringEmptyElements) {
  EXPECT_EQ(http::ClassifyTransferCodings({{"Transfer-Encoding", "gzip ,\tChunked"}}),
            TransferCodings::kKnown);
  EXPECT_EQ(http::ClassifyTransferCodings({{"Transfer-Encoding", ", gzip,,"}}),
            TransferCodings::kKnown);
  EXPECT_EQ(http::ClassifyTransferCodings(
                {{"Transfer-Encoding", "x-compress"}, {"Transfer-Encoding", "zstd"}}),
            TransferCodings::kUnknown);
  EXPECT_EQ(http::ClassifyTransferCodings({{"Transfer-Encoding", "gzip; level = 9"}}),
            TransferCodings::kKnown);
  EXPECT_EQ(http::ClassifyTransferCodings({{"Transfer-Encoding", "gzip;=9"}}),
            TransferCodings::kMalformed);
  EXPECT_EQ(http::ClassifyTransferCodings({{"Content-Encoding", "gzip"}}),
            TransferCodings::kMalformed)
      << "no Transfer-Encoding line names no coding";
}

TEST(RequestRules, ConnectionOptionsAreReadWithTabsAndAnyCase) {
  auto o = http::ReadConnectionOptions({{"Connection", "close\t"}});
  EXPECT_TRUE(o.close);
  EXPECT_FALSE(o.keep_alive);
  o = http::ReadConnectionOptions({{"connection", "\tKeep-Alive\t, Upgrade"}});
  EXPECT_FALSE(o.close);
  EXPECT_TRUE(o.keep_alive);
  EXPECT_TRUE(o.upgrade);
  o = http::ReadConnectionOptions({{"Connection", "upgrade\t"}});
  EXPECT_TRUE(o.upgrade);
  o = http::ReadConnectionOptions({{"Connection", "upgraded, h2c-upgrade"}});
  EXPECT_FALSE(o.upgrade);
  o = http::ReadConnectionOptions({{"Connection", "x"}, {"CONNECTION", "CLOSE"}});
  EXPECT_TRUE(o.close);
  o = http::ReadConnectionOptions({{"Connection", "closed, keep-alive2"}, {"X-Connection", "close"}});
  EXPECT_FALSE(o.close);
  EXPECT_FALSE(o.keep_alive);
}

}  // namespace
