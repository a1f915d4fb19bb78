// ParseUrl (http/client_url_parse.cc and client_url_host.cc). Every expected value
// was printed by Node v12.22.9: urlToOptions(new URL(input)), from internal/url
// (node --expose-internals), with the port as a string; or the message of the error
// new URL(input) threw. The integration test's values are v12's http.request(url)
// with an agent that never connects.
#include <gtest/gtest.h>

#include <span>
#include <string>
#include <string_view>

#include "http/client_url.h"
#include "http/errors.h"

namespace http {
namespace {

// The inputs with a NUL byte are string_view literals (sv), so that it counts.
using std::string_view_literals::operator""sv;

struct Case {
  std::string_view input;
  UrlOptions want;  // protocol, hostname, port, path, auth, hash, search, pathname, href
};

struct Invalid {
  std::string_view input;
  std::string_view message;
};

void ExpectParses(std::span<const Case> cases) {
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << "input: \"" << c.input << "\"");
    UrlOptions got;
    try {
      got = ParseUrl(c.input);
    } catch (const Error& e) {
      ADD_FAILURE() << "threw " << e.code() << ": " << e.message();
      continue;
    }
    EXPECT_EQ(got.protocol, c.want.protocol);
    EXPECT_EQ(got.hostname, c.want.hostname);
    EXPECT_EQ(got.port, c.want.port);
    EXPECT_EQ(got.path, c.want.path);
    EXPECT_EQ(got.auth, c.want.auth);
    EXPECT_EQ(got.hash, c.want.hash);
    EXPECT_EQ(got.search, c.want.search);
    EXPECT_EQ(got.pathname, c.want.pathname);
    EXPECT_EQ(got.href, c.want.href);
  }
}

void ExpectInvalid(std::span<const Invalid> cases) {
  for (const Invalid& c : cases) {
    SCOPED_TRACE(testing::Message() << "input: \"" << c.input << "\"");
    try {
      UrlOptions got = ParseUrl(c.input);
      ADD_FAILURE() << "parsed, href " << got.href;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), "ERR_INVALID_URL");
      EXPECT_EQ(e.name(), "TypeError");
      EXPECT_EQ(e.message(), c.message);
    }
  }
}

TEST(ParseUrl, LowerCasesSchemeAndHost) {
  const Case cases[] = {
      {"HTTP://EXAMPLE.COM/Path",
       {"http:", "example.com", "", "/Path", "", "", "", "/Path", "http://example.com/Path"}},
      {"HtTp://A.b.C:8080/X?Y#Z",
       {"http:", "a.b.c", "8080", "/X?Y", "", "#Z", "?Y", "/X", "http://a.b.c:8080/X?Y#Z"}},
  };
  ExpectParses(cases);
}

TEST(ParseUrl, DropsTheSchemesDefaultPort) {
  const Case cases[] = {
      {"http://a:80/", {"http:", "a", "", "/", "", "", "", "/", "http://a/"}},
      {"https://a:443/", {"https:", "a", "", "/", "", "", "", "/", "https://a/"}},
      {"http://a:00080/", {"http:", "a", "", "/", "", "", "", "/", "http://a/"}},
      {"ws://a:80/", {"ws:", "a", "", "/", "", "", "", "/", "ws://a/"}},
      {"wss://a:443/", {"wss:", "a", "", "/", "", "", "", "/", "wss://a/"}},
      {"ftp://a:21/", {"ftp:", "a", "", "/", "", "", "", "/", "ftp://a/"}},
      {"gopher://a:70/", {"gopher:", "a", "", "/", "", "", "", "/", "gopher://a/"}},
  };
  ExpectParses(cases);
}

TEST(ParseUrl, KeepsAnyOtherPortAndIgnoresAnEmptyOne) {
  const Case cases[] = {
      {"http://a:8080", {"http:", "a", "8080", "/", "", "", "", "/", "http://a:8080/"}},
      {"https://a:80/", {"https:", "a", "80", "/", "", "", "", "/", "https://a:80/"}},
      {"http://a:0/", {"http:", "a", "0", "/", "", "", "", "/", "http://a:0/"}},
      {"http://a:/", {"http:", "a", "", "/", "", "", "", "/", "http://a/"}},
      {"foo://a:1/", {"foo:", "a", "1", "/", "", "", "", "/", "foo://a:1/"}},
      {"http://a:65535/", {"http:", "a", "65535", "/", "", "", "", "/", "http://a:65535/"}},
  };
  ExpectParses(cases);
}

TEST(ParseUrl, ThrowsForAPortOutOfRangeOrNotDecimal) {
  // v12's ClientRequest falls back to url.parse() for these (client_url.h).
  const Invalid cases[] = {
      {"http://a:65536/", "Invalid URL: http://a:65536/"},
      {"http://a:8x/", "Invalid URL: http://a:8x/"},
      {"http://a:-1/", "Invalid URL: http://a:-1/"},
      {"http://a:99999999999999999999/", "Invalid URL: http://a:99999999999999999999/"},
  };
  ExpectInvalid(cases);
}

TEST(ParseUrl, GivesIPv6HostsCompressedAndWithoutBrackets) {
  // urlToOptions strips the brackets; href keeps them.
  const Case cases[] = {
      {"http://[::1]:3000/x",
       {"http:", "::1", "3000", "/x", "", "", "", "/x", "http://[::1]:3000/x"}},
      {"http://[1:0:0:0:0:0:0:1]/", {"http:", "1::1", "", "/", "", "", "", "/", "http://[1::1]/"}},
      {"http://[0:0::1:0:0]/", {"http:", "::1:0:0", "", "/", "", "", "", "/", "http://[::1:0:0]/"}},
      {"http://[::ffff:1.2.3.4]/",
       {"http:", "::ffff:102:304", "", "/", "", "", "", "/", "http://[::ffff:102:304]/"}},
      {"http://[FFFF::ABCD]/",
       {"http:", "ffff::abcd", "", "/", "", "", "", "/", "http://[ffff::abcd]/"}},
      {"http://[1:0:1:0:1:0:1:0]/",
       {"http:", "1:0:1:0:1:0:1:0", "", "/", "", "", "", "/", "http://[1:0:1:0:1:0:1:0]/"}},
      {"http://[0:0:1:0:0:0:1:0]/",
       {"http:", "0:0:1::1:0", "", "/", "", "", "", "/", "http://[0:0:1::1:0]/"}},
      {"http://[::]/", {"http:", "::", "", "/", "", "", "", "/", "http://[::]/"}},
      {"foo://[::1]/", {"foo:", "::1", "", "/", "", "", "", "/", "foo://[::1]/"}},
  };
  ExpectParses(cases);
}

TEST(ParseUrl, ThrowsForMalformedIPv6) {
  const Invalid cases[] = {
      {"http://[::1/", "Invalid URL: http://[::1/"},
      {"http://[::1]x/", "Invalid URL: http://[::1]x/"},
      {"http://[1::2::3]/", "Invalid URL: http://[1::2::3]/"},
      {"http://[::1.2.3.256]/", "Invalid URL: http://[::1.2.3.256]/"},
      {"http://[12345::]/", "Invalid URL: http://[12345::]/"},
      {"http://[1:2:3:4:5:6:7:8:9]/", "Invalid URL: http://[1:2:3:4:5:6:7:8:9]/"},
      {"http://[::01.2.3.4]/", "Invalid URL: http://[::01.2.3.4]/"},
      {"http://[]/", "Invalid URL: http://[]/"},
  };
  ExpectInvalid(cases);
}

TEST(ParseUrl, KeepsUserinfoPercentEncodedInAuth) {
  // v12's urlToOptions joins username and password as the URL holds them, encoded.
  const Case cases[] = {
      {"http://a%20b:c%3Ad@h/",
       {"http:", "h", "", "/", "a%20b:c%3Ad", "", "", "/", "http://a%20b:c%3Ad@h/"}},
      {"HTTP://User:P@SS@H.COM:80/a b",
       {"http:", "h.com", "", "/a%20b", "User:P%40SS", "", "", "/a%20b",
        "http://User:P%40SS@h.com/a%20b"}},
      {"http://a:b:c@d/", {"http:", "d", "", "/", "a:b%3Ac", "", "", "/", "http://a:b%3Ac@d/"}},
      {"http://a@b@c/", {"http:", "c", "", "/", "a%40b:", "", "", "/", "http://a%40b@c/"}},
      {"http://@a/", {"http:", "a", "", "/", "", "", "", "/", "http://a/"}},
      {"http://:@a/", {"http:", "a", "", "/", "", "", "", "/", "http://a/"}},
      {"http://a:80@b/", {"http:", "b", "", "/", "a:80", "", "", "/", "http://a:80@b/"}},
      {"http://u s\"e<r:p{a}s|s^@h/",
       {"http:", "h", "", "/", "u%20s%22e%3Cr:p%7Ba%7Ds%7Cs%5E", "", "", "/",
        "http://u%20s%22e%3Cr:p%7Ba%7Ds%7Cs%5E@h/"}},
      {"http://\xC3\xA9:\xE2\x82\xAC@h/",
       {"http:", "h", "", "/", "%C3%A9:%E2%82%AC", "", "", "/", "http://%C3%A9:%E2%82%AC@h/"}},
      {"http://u:@h/", {"http:", "h", "", "/", "u:", "", "", "/", "http://u@h/"}},
      {"http://:p@h/", {"http:", "h", "", "/", ":p", "", "", "/", "http://:p@h/"}},
  };
  ExpectParses(cases);
}

TEST(ParseUrl, ThrowsForUserinfoWithoutAHost) {
  const Invalid cases[] = {
      {"http://a@/", "Invalid URL: http://a@/"},
      {"http://a:b@/", "Invalid URL: http://a:b@/"},
  };
  ExpectInvalid(cases);
}

TEST(ParseUrl, PercentEncodesThePathSetAndNonAscii) {
  // Space " < > ` { } and controls, DEL and non-ASCII bytes; an existing or a stray
  // '%' stays as it is.
  const Case cases[] = {
      {"http://a/ \"<>`{}|^[]'~!$&()*+,;=:@%zz%4",
       {"http:", "a", "", "/%20%22%3C%3E%60%7B%7D|^[]'~!$&()*+,;=:@%zz%4", "", "", "",
        "/%20%22%3C%3E%60%7B%7D|^[]'~!$&()*+,;=:@%zz%4",
        "http://a/%20%22%3C%3E%60%7B%7D|^[]'~!$&()*+,;=:@%zz%4"}},
      {"http://a/\xC3\xA9\xE2\x82\xAC",
       {"http:", "a", "", "/%C3%A9%E2%82%AC", "", "", "", "/%C3%A9%E2%82%AC",
        "http://a/%C3%A9%E2%82%AC"}},
      {"http://a/\x01\x7F",
       {"http:", "a", "", "/%01%7F", "", "", "", "/%01%7F", "http://a/%01%7F"}},
      {"http://a/%41%2F", {"http:", "a", "", "/%41%2F", "", "", "", "/%41%2F", "http://a/%41%2F"}},
  };
  ExpectParses(cases);
}

TEST(ParseUrl, PercentEncodesTheQueryAndFragmentSets) {
  // The query set adds ' for the special schemes; an empty query or fragment is
  // "" in search and hash, and stays in href.
  const Case cases[] = {
      {"http://a/?x y\"<>`{}'|^#f g",
       {"http:", "a", "", "/?x%20y%22%3C%3E`{}%27|^", "", "#f%20g", "?x%20y%22%3C%3E`{}%27|^", "/",
        "http://a/?x%20y%22%3C%3E`{}%27|^#f%20g"}},
      {"foo://h/?x y'", {"foo:", "h", "", "/?x%20y'", "", "", "?x%20y'", "/", "foo://h/?x%20y'"}},
      {"http://a/?\xC3\xA9",
       {"http:", "a", "", "/?%C3%A9", "", "", "?%C3%A9", "/", "http://a/?%C3%A9"}},
      {"http://a/?", {"http:", "a", "", "/", "", "", "", "/", "http://a/?"}},
      {"http://a/#", {"http:", "a", "", "/", "", "", "", "/", "http://a/#"}},
      {"http://a/?a#b?c#d",
       {"http:", "a", "", "/?a", "", "#b?c#d", "?a", "/", "http://a/?a#b?c#d"}},
      {"http://a/#x y\"<>`{}'",
       {"http:", "a", "", "/", "", "#x%20y%22%3C%3E%60{}'", "", "/",
        "http://a/#x%20y%22%3C%3E%60{}'"}},
  };
  ExpectParses(cases);
}

TEST(ParseUrl, RemovesDotSegmentsIncludingEncodedOnes) {
  const Case cases[] = {
      {"http://a/b/./../c/%2e%2E/d", {"http:", "a", "", "/d", "", "", "", "/d", "http://a/d"}},
      {"http://a/..", {"http:", "a", "", "/", "", "", "", "/", "http://a/"}},
      {"http://a/../b/../../c/./d/.",
       {"http:", "a", "", "/c/d/", "", "", "", "/c/d/", "http://a/c/d/"}},
      {"http://a/%2e%2E/x/.%2e/y/%2e", {"http:", "a", "", "/y/", "", "", "", "/y/", "http://a/y/"}},
      {"http://a/b/..", {"http:", "a", "", "/", "", "", "", "/", "http://a/"}},
      {"http://a/b/.", {"http:", "a", "", "/b/", "", "", "", "/b/", "http://a/b/"}},
      {"http://a/b/...", {"http:", "a", "", "/b/...", "", "", "", "/b/...", "http://a/b/..."}},
      {"http://a/b/%2e%2e%2e",
       {"http:", "a", "", "/b/%2e%2e%2e", "", "", "", "/b/%2e%2e%2e", "http://a/b/%2e%2e%2e"}},
  };
  ExpectParses(cases);
}

TEST(ParseUrl, ReadsBackslashesAsSlashesForSpecialSchemesOnly) {
  const Case cases[] = {
      {"http:\\\\a\\b\\..\\c", {"http:", "a", "", "/c", "", "", "", "/c", "http://a/c"}},
      {"http://a\\b/c", {"http:", "a", "", "/b/c", "", "", "", "/b/c", "http://a/b/c"}},
      {"https:\\\\a:81\\x", {"https:", "a", "81", "/x", "", "", "", "/x", "https://a:81/x"}},
      {"foo://h/a\\b", {"foo:", "h", "", "/a\\b", "", "", "", "/a\\b", "foo://h/a\\b"}},
  };
  ExpectParses(cases);
}

TEST(ParseUrl, GivesSlashForAnEmptyPath) {
  const Case cases[] = {
      {"http://a", {"http:", "a", "", "/", "", "", "", "/", "http://a/"}},
      {"http://a?b", {"http:", "a", "", "/?b", "", "", "?b", "/", "http://a/?b"}},
      {"http://a#b", {"http:", "a", "", "/", "", "#b", "", "/", "http://a/#b"}},
      {"http://a:8080", {"http:", "a", "8080", "/", "", "", "", "/", "http://a:8080/"}},
      {"https://a", {"https:", "a", "", "/", "", "", "", "/", "https://a/"}},
  };
  ExpectParses(cases);
}

TEST(ParseUrl, ReadsIPv4NumberForms) {
  // Hex, octal, fewer than four parts, one trailing dot; a part that is no number
  // makes the host a domain (v12; today's standard fails "1.2.3.09").
  const Case cases[] = {
      {"http://0x7f.1/", {"http:", "127.0.0.1", "", "/", "", "", "", "/", "http://127.0.0.1/"}},
      {"http://127.1/", {"http:", "127.0.0.1", "", "/", "", "", "", "/", "http://127.0.0.1/"}},
      {"http://2130706433/", {"http:", "127.0.0.1", "", "/", "", "", "", "/", "http://127.0.0.1/"}},
      {"http://0177.0.0.1/", {"http:", "127.0.0.1", "", "/", "", "", "", "/", "http://127.0.0.1/"}},
      {"http://0x7F.0.0.1/", {"http:", "127.0.0.1", "", "/", "", "", "", "/", "http://127.0.0.1/"}},
      {"http://1.2.3./", {"http:", "1.2.0.3", "", "/", "", "", "", "/", "http://1.2.0.3/"}},
      {"http://4294967295/",
       {"http:", "255.255.255.255", "", "/", "", "", "", "/", "http://255.255.255.255/"}},
      {"http://0x/", {"http:", "0.0.0.0", "", "/", "", "", "", "/", "http://0.0.0.0/"}},
      {"http://0x7f.0x0.0x0.0x1/",
       {"http:", "127.0.0.1", "", "/", "", "", "", "/", "http://127.0.0.1/"}},
      {"http://1.2.3.09/", {"http:", "1.2.3.09", "", "/", "", "", "", "/", "http://1.2.3.09/"}},
      {"http://1.2.3.4.5/", {"http:", "1.2.3.4.5", "", "/", "", "", "", "/", "http://1.2.3.4.5/"}},
      {"http://1..2/", {"http:", "1..2", "", "/", "", "", "", "/", "http://1..2/"}},
  };
  ExpectParses(cases);
}

TEST(ParseUrl, ThrowsForIPv4NumbersOutOfRange) {
  const Invalid cases[] = {
      {"http://4294967296/", "Invalid URL: http://4294967296/"},
      {"http://1.256.1.1/", "Invalid URL: http://1.256.1.1/"},
      {"http://256.1.1.1/", "Invalid URL: http://256.1.1.1/"},
      {"http://1.2.65536/", "Invalid URL: http://1.2.65536/"},
      {"http://0x100000000/", "Invalid URL: http://0x100000000/"},
  };
  ExpectInvalid(cases);
}

TEST(ParseUrl, TrimsC0AndSpaceAndDropsTabsAndNewlines) {
  const Case cases[] = {
      {" http://a/ ", {"http:", "a", "", "/", "", "", "", "/", "http://a/"}},
      {"\x00\x1F http://a/b\x01 "sv, {"http:", "a", "", "/b", "", "", "", "/b", "http://a/b"}},
      {"\x09http://a/\x09"
       "b\x0A",
       {"http:", "a", "", "/b", "", "", "", "/b", "http://a/b"}},
      {"ht\x0Atp://a\x0D/b", {"http:", "a", "", "/b", "", "", "", "/b", "http://a/b"}},
      {"http://a/?q\x09q#f\x0A"
       "f",
       {"http:", "a", "", "/?qq", "", "#ff", "?qq", "/", "http://a/?qq#ff"}},
      {"http://a:8\x09"
       "0/",
       {"http:", "a", "", "/", "", "", "", "/", "http://a/"}},
  };
  ExpectParses(cases);
}

TEST(ParseUrl, IgnoresMissingOrExtraSlashesAfterASpecialScheme) {
  const Case cases[] = {
      {"http:a/b", {"http:", "a", "", "/b", "", "", "", "/b", "http://a/b"}},
      {"http:/a/b", {"http:", "a", "", "/b", "", "", "", "/b", "http://a/b"}},
      {"http:///a/", {"http:", "a", "", "/", "", "", "", "/", "http://a/"}},
      {"http:\\\\\\a", {"http:", "a", "", "/", "", "", "", "/", "http://a/"}},
      {"http:////a", {"http:", "a", "", "/", "", "", "", "/", "http://a/"}},
  };
  ExpectParses(cases);
}

TEST(ParseUrl, ParsesOtherSchemesForTheirProtocol) {
  // Non-special schemes keep an opaque path ("foo:a b", spaces and all) or an opaque
  // host; file URLs have no port and drop "localhost".
  const Case cases[] = {
      {"ftp://x/", {"ftp:", "x", "", "/", "", "", "", "/", "ftp://x/"}},
      {"foo:a b", {"foo:", "", "", "a b", "", "", "", "a b", "foo:a b"}},
      {"foo://h/a b?c d#e f",
       {"foo:", "h", "", "/a%20b?c%20d", "", "#e%20f", "?c%20d", "/a%20b",
        "foo://h/a%20b?c%20d#e%20f"}},
      {"foo://H%41/", {"foo:", "H%41", "", "/", "", "", "", "/", "foo://H%41/"}},
      {"foo:/x/../y", {"foo:", "", "", "/y", "", "", "", "/y", "foo:/y"}},
      {"foo:", {"foo:", "", "", "", "", "", "", "", "foo:"}},
      {"mailto:a@b", {"mailto:", "", "", "a@b", "", "", "", "a@b", "mailto:a@b"}},
      {"file:///etc/passwd",
       {"file:", "", "", "/etc/passwd", "", "", "", "/etc/passwd", "file:///etc/passwd"}},
      {"file://localhost/x", {"file:", "", "", "/x", "", "", "", "/x", "file:///x"}},
      {"file://HOST/x", {"file:", "host", "", "/x", "", "", "", "/x", "file://host/x"}},
      {"file:c:\\x", {"file:", "", "", "/c:/x", "", "", "", "/c:/x", "file:///c:/x"}},
      {"file:///C|/x/../..", {"file:", "", "", "/C:/", "", "", "", "/C:/", "file:///C:/"}},
      {"data:text/plain,a b",
       {"data:", "", "", "text/plain,a b", "", "", "", "text/plain,a b", "data:text/plain,a b"}},
      {"foo://\xC3\xA9/", {"foo:", "%C3%A9", "", "/", "", "", "", "/", "foo://%C3%A9/"}},
      {"foo:a\x00"
       "b c\x7F\xC3\xA9"sv,
       {"foo:", "", "", "a%00b c%7F%C3%A9", "", "", "", "a%00b c%7F%C3%A9",
        "foo:a%00b c%7F%C3%A9"}},
      {"a+b-c.d:x", {"a+b-c.d:", "", "", "x", "", "", "", "x", "a+b-c.d:x"}},
      {"foo://", {"foo:", "", "", "", "", "", "", "", "foo://"}},
  };
  ExpectParses(cases);
}

TEST(ParseUrl, ThrowsInvalidUrlNamingTheInputAsGiven) {
  // The message has the input untrimmed, and ends at a NUL as v12's does.
  const Invalid cases[] = {
      {"", "Invalid URL: "},
      {"a", "Invalid URL: a"},
      {"1http://a/", "Invalid URL: 1http://a/"},
      {"http:", "Invalid URL: http:"},
      {"http:/", "Invalid URL: http:/"},
      {"http://", "Invalid URL: http://"},
      {"http://a b/", "Invalid URL: http://a b/"},
      {"http://a%25b/", "Invalid URL: http://a%25b/"},
      {"http://h:99999/", "Invalid URL: http://h:99999/"},
      {"//a/", "Invalid URL: //a/"},
      {"/path", "Invalid URL: /path"},
      {"foo://:1/", "Invalid URL: foo://:1/"},
      {" http://a b ", "Invalid URL:  http://a b "},
      {"http://a\x00"
       "b/"sv,
       "Invalid URL: http://a"},
      {"http://a%00b/", "Invalid URL: http://a%00b/"},
      {"http://a%2fb/", "Invalid URL: http://a%2fb/"},
      {"foo://a b/", "Invalid URL: foo://a b/"},
      {"foo://a[b/", "Invalid URL: foo://a[b/"},
  };
  ExpectInvalid(cases);
}

TEST(ParseUrl, ForbidsOnlyV12sHostCodePoints) {
  // v12's forbidden host code points are NUL, tab, LF, CR, space and #%/:?@[\]
  // (after percent-decoding); later standards forbid more.
  const Case cases[] = {
      {"http://a|b/", {"http:", "a|b", "", "/", "", "", "", "/", "http://a|b/"}},
      {"http://a<b/", {"http:", "a<b", "", "/", "", "", "", "/", "http://a<b/"}},
      {"http://a^b/", {"http:", "a^b", "", "/", "", "", "", "/", "http://a^b/"}},
      {"http://a'b/", {"http:", "a'b", "", "/", "", "", "", "/", "http://a'b/"}},
      {"http://a%01b/",
       {"http:",
        "a\x01"
        "b",
        "", "/", "", "", "", "/",
        "http://a\x01"
        "b/"}},
      {"http://a%7Fb/",
       {"http:",
        "a\x7F"
        "b",
        "", "/", "", "", "", "/",
        "http://a\x7F"
        "b/"}},
      {"http://a./", {"http:", "a.", "", "/", "", "", "", "/", "http://a./"}},
      {"http://./", {"http:", ".", "", "/", "", "", "", "/", "http://./"}},
      {"http://a..b/", {"http:", "a..b", "", "/", "", "", "", "/", "http://a..b/"}},
      {"http://a_b-c/", {"http:", "a_b-c", "", "/", "", "", "", "/", "http://a_b-c/"}},
      {"http://%41.com/", {"http:", "a.com", "", "/", "", "", "", "/", "http://a.com/"}},
  };
  ExpectParses(cases);
}

TEST(ParseUrl, DropsNulFromTheFragmentOnly) {
  const Case cases[] = {
      {"http://a/#c\x00"
       "d"sv,
       {"http:", "a", "", "/", "", "#cd", "", "/", "http://a/#cd"}},
      {"http://a/\x00x"sv, {"http:", "a", "", "/%00x", "", "", "", "/%00x", "http://a/%00x"}},
      {"http://a/?\x00x"sv, {"http:", "a", "", "/?%00x", "", "", "?%00x", "/", "http://a/?%00x"}},
  };
  ExpectParses(cases);
}

TEST(ParseUrl, ThrowsForNonAsciiHostsWhichV12MapsToPunycode) {
  // Not v12 (client_url.h): v12 gives "xn--9ca" for the first two and
  // "xn--mnchen-3ya.de" for the third; it fails the fourth too (U+00A0 maps to a
  // space).
  const Invalid cases[] = {
      {"http://\xC3\xA9/", "Invalid URL: http://\xC3\xA9/"},
      {"http://%C3%A9/", "Invalid URL: http://%C3%A9/"},
      {"https://m\xC3\xBCnchen.de/", "Invalid URL: https://m\xC3\xBCnchen.de/"},
      {"http://a\xC2\xA0"
       "b/",
       "Invalid URL: http://a\xC2\xA0"
       "b/"},
  };
  ExpectInvalid(cases);
}

TEST(ParseUrl, GivesWhatClientRequestNeedsForAUrlString) {
  // v12: http.request('http://user:p%40ss@[::1]:8080/a b?x y#z') sends path
  // "/a%20b?x%20y", Host "[::1]:8080", Authorization "Basic dXNlcjpwJTQwc3M=", and
  // files the request under "::1:8080:".
  UrlOptions o = ParseUrl("http://user:p%40ss@[::1]:8080/a b?x y#z");
  CheckProtocol(o.protocol, "http:");
  CheckRequestPath(o.path);
  EXPECT_EQ(o.path, "/a%20b?x%20y");
  EXPECT_EQ(HostHeader(o.hostname, 8080, 80), "[::1]:8080");
  EXPECT_EQ(BasicAuthorization(o.auth), "Basic dXNlcjpwJTQwc3M=");
  EXPECT_EQ(AgentName(o.hostname, 8080, "", 0, ""), "::1:8080:");

  // v12: 'foo:a b' throws ERR_UNESCAPED_CHARACTERS (the path check comes first),
  // 'ftp://x/' ERR_INVALID_PROTOCOL.
  o = ParseUrl("foo:a b");
  EXPECT_THROW(CheckRequestPath(o.path), Error);
  o = ParseUrl("ftp://x/");
  CheckRequestPath(o.path);
  EXPECT_THROW(CheckProtocol(o.protocol, "http:"), Error);
}

TEST(ParseUrl, KeepsPunycodeLabelsThatDecode) {
  // A bare "xn--" label becomes empty, as v12's ICU makes it.
  const Case cases[] = {
      {"http://xn--9ca/", {"http:", "xn--9ca", "", "/", "", "", "", "/", "http://xn--9ca/"}},
      {"http://XN--9CA.COM/",
       {"http:", "xn--9ca.com", "", "/", "", "", "", "/", "http://xn--9ca.com/"}},
      {"http://xn--mnchen-3ya.de/",
       {"http:", "xn--mnchen-3ya.de", "", "/", "", "", "", "/", "http://xn--mnchen-3ya.de/"}},
      {"http://xn--/", {"http:", "", "", "/", "", "", "", "/", "http:///"}},
      {"http://a.xn--.b/", {"http:", "a..b", "", "/", "", "", "", "/", "http://a..b/"}},
      {"http://xn--abc-/", {"http:", "xn--abc-", "", "/", "", "", "", "/", "http://xn--abc-/"}},
  };
  ExpectParses(cases);
}

TEST(ParseUrl, ThrowsForPunycodeThatDoesNotDecode) {
  const Invalid cases[] = {
      {"http://xn--9ca^/", "Invalid URL: http://xn--9ca^/"},
      {"http://xn---abc/", "Invalid URL: http://xn---abc/"},
  };
  ExpectInvalid(cases);
}

TEST(ParseUrl, KeepsPunycodeThatV12sIcuRejectsForWhatItDecodesTo) {
  // Not v12 (client_url.h): v12 throws ERR_INVALID_URL for both (U+0080; "Ä", which
  // UTS #46 maps to "ä").
  EXPECT_EQ(ParseUrl("http://xn--a/").hostname, "xn--a");
  EXPECT_EQ(ParseUrl("http://xn--7ba/").hostname, "xn--7ba");
}

}  // namespace
}  // namespace http
