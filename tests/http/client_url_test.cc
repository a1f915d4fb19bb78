// The pieces of v12's ClientRequest constructor and Agent in http/client_url.cc.
// Every expected value was printed by Node v12.22.9: from http.request(options)
// with an agent whose addRequest() does nothing (req.method, req.path,
// req.getHeader('host'), req.getHeader('authorization'),
// req.useChunkedEncodingByDefault, or the error thrown), from
// new http.Agent().getName(options), and from net.isIP.
#include "http/client_url.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "http/errors.h"

namespace http {
namespace {

// Runs f, which must throw an http::Error, and returns it.
template <typename F>
Error Thrown(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no http::Error thrown";
  return Error(ErrorType::kError, "", "");
}

TEST(CheckProtocol, PassesTheExpectedProtocolAndNamesBothOtherwise) {
  CheckProtocol("http:", "http:");
  Error e = Thrown([] { CheckProtocol("ftp:", "http:"); });
  EXPECT_EQ(e.code(), "ERR_INVALID_PROTOCOL");
  EXPECT_EQ(e.name(), "TypeError");
  EXPECT_EQ(e.message(), "Protocol \"ftp:\" not supported. Expected \"http:\"");
  // v12 compares exactly: http.request('https://a/') on the http agent throws.
  e = Thrown([] { CheckProtocol("https:", "http:"); });
  EXPECT_EQ(e.message(), "Protocol \"https:\" not supported. Expected \"http:\"");
  EXPECT_THROW(CheckProtocol("HTTP:", "http:"), Error);
}

TEST(CheckRequestPath, ThrowsForEveryByteUpToSpace) {
  for (int b = 0; b <= 0x20; ++b) {
    std::string path = "/a";
    path += static_cast<char>(b);
    Error e = Thrown([&] { CheckRequestPath(path); });
    EXPECT_EQ(e.code(), "ERR_UNESCAPED_CHARACTERS") << b;
    EXPECT_EQ(e.name(), "TypeError");
    EXPECT_EQ(e.message(), "Request path contains unescaped characters");
  }
}

TEST(CheckRequestPath, PassesEveryByteFrom0x21To0xFF) {
  // v12 passes path '/\x7f' and '/é' (U+00E9, a latin1 code unit) alike.
  std::string path;
  for (int b = 0x21; b <= 0xFF; ++b) path += static_cast<char>(b);
  CheckRequestPath(path);
  CheckRequestPath("/\x7f");
  CheckRequestPath("/\xC3\xA9");
  // v12 throws for the JavaScript string "/€" (U+20AC, above U+00FF); its UTF-8
  // bytes are all above 0x20, and pass (client_url.h).
  CheckRequestPath("/\xE2\x82\xAC");
}

TEST(CheckRequestPath, PassesAnEmptyPathWhichIsSentAsSlash) {
  CheckRequestPath("");
  EXPECT_EQ(RequestPath(""), "/");
  EXPECT_EQ(RequestPath("/a?b"), "/a?b");
}

TEST(RequestMethod, DefaultsToGetAndUpperCases) {
  EXPECT_EQ(RequestMethod(""), "GET");
  EXPECT_EQ(RequestMethod("get"), "GET");
  EXPECT_EQ(RequestMethod("patch"), "PATCH");
  EXPECT_EQ(RequestMethod("Post"), "POST");
  EXPECT_EQ(RequestMethod("m-search"), "M-SEARCH");
  // Any token, known to http.METHODS or not.
  EXPECT_EQ(RequestMethod("x_y!#$%&'*+.^`|~9"), "X_Y!#$%&'*+.^`|~9");
}

TEST(RequestMethod, ThrowsInvalidHttpTokenQuotingTheMethodAsGiven) {
  Error e = Thrown([] { RequestMethod("g t"); });
  EXPECT_EQ(e.code(), "ERR_INVALID_HTTP_TOKEN");
  EXPECT_EQ(e.name(), "TypeError");
  EXPECT_EQ(e.message(), "Method must be a valid HTTP token [\"g t\"]");
  for (std::string_view bad : {"GET\r\n", "a:b", "(", "\"", "\xC3\xA9", "G\x7f"}) {
    e = Thrown([&] { RequestMethod(bad); });
    EXPECT_EQ(e.message(), "Method must be a valid HTTP token [\"" + std::string(bad) + "\"]");
  }
}

TEST(UsesChunkedEncodingByDefault, FalseOnlyForV12sSixBodylessMethods) {
  for (std::string_view m : {"GET", "HEAD", "DELETE", "OPTIONS", "TRACE", "CONNECT"}) {
    EXPECT_FALSE(UsesChunkedEncodingByDefault(m)) << m;
  }
  for (std::string_view m : {"POST", "PUT", "PATCH", "PROPFIND", "M-SEARCH", "X"}) {
    EXPECT_TRUE(UsesChunkedEncodingByDefault(m)) << m;
  }
}

TEST(RequestHost, PrefersHostnameThenHostThenLocalhost) {
  // v12: {hostname: 'h', host: 'x'} connects to and names 'h'.
  EXPECT_EQ(RequestHost("h", "x"), "h");
  EXPECT_EQ(RequestHost("", "x"), "x");
  EXPECT_EQ(RequestHost("", ""), "localhost");
}

TEST(RequestPort, PrefersPortThenDefaultPortThen80) {
  EXPECT_EQ(RequestPort(8080, 443), 8080);
  EXPECT_EQ(RequestPort(0, 443), 443);
  EXPECT_EQ(RequestPort(0, 0), 80);
}

TEST(HostHeader, OmitsTheDefaultPortAndAppendsAnyOther) {
  EXPECT_EQ(HostHeader("a", 80, 80), "a");
  EXPECT_EQ(HostHeader("a", 8080, 80), "a:8080");
  EXPECT_EQ(HostHeader("h", 8080, 80), "h:8080");
  EXPECT_EQ(HostHeader("localhost", 443, 443), "localhost");
  EXPECT_EQ(HostHeader("a", 0, 80), "a");
}

TEST(HostHeader, WithoutADefaultPortAppendsEvenPort80) {
  // v12 without an agent (createConnection): {host: 'a', port: 80} sends "a:80".
  EXPECT_EQ(HostHeader("a", 80, 0), "a:80");
}

TEST(HostHeader, BracketsIPv6LiteralsOnly) {
  EXPECT_EQ(HostHeader("::1", 80, 80), "[::1]");
  EXPECT_EQ(HostHeader("::1", 8080, 80), "[::1]:8080");
  EXPECT_EQ(HostHeader("fe80::1%eth0", 80, 80), "[fe80::1%eth0]");
  // Already bracketed: kept.
  EXPECT_EQ(HostHeader("[::1]", 8080, 80), "[::1]:8080");
  // One colon is no IPv6 literal to v12.
  EXPECT_EQ(HostHeader("a:b", 8080, 80), "a:b:8080");
  EXPECT_EQ(HostHeader("1.2.3.4", 81, 80), "1.2.3.4:81");
}

TEST(BasicAuthorization, IsBasicAndBase64OfTheBytes) {
  EXPECT_EQ(BasicAuthorization("u:p"), "Basic dTpw");
  // v12's auth 'é:€' (UTF-8 by Buffer.from).
  EXPECT_EQ(BasicAuthorization("\xC3\xA9:\xE2\x82\xAC"), "Basic w6k64oKs");
  // From a URL, as urlToOptions leaves it: http://a%20b:c%3Ad@h/.
  EXPECT_EQ(BasicAuthorization("a%20b:c%3Ad"), "Basic YSUyMGI6YyUzQWQ=");
  EXPECT_EQ(BasicAuthorization("User:P%40SS"), "Basic VXNlcjpQJTQwU1M=");
}

TEST(BasicAuthorization, PadsTheLastGroup) {
  // Buffer.from(s).toString('base64') in v12.
  EXPECT_EQ(BasicAuthorization(""), "Basic ");
  EXPECT_EQ(BasicAuthorization("a"), "Basic YQ==");
  EXPECT_EQ(BasicAuthorization("ab"), "Basic YWI=");
  EXPECT_EQ(BasicAuthorization("abc"), "Basic YWJj");
  EXPECT_EQ(BasicAuthorization("abcd"), "Basic YWJjZA==");
  EXPECT_EQ(BasicAuthorization(std::string_view("\0\xff\xfe", 3)), "Basic AP/+");
}

TEST(AgentName, MatchesV12sGetName) {
  EXPECT_EQ(AgentName("", 0, "", 0, ""), "localhost::");
  EXPECT_EQ(AgentName("a", 80, "", 0, ""), "a:80:");
  EXPECT_EQ(AgentName("a", 80, "", 4, ""), "a:80::4");
  EXPECT_EQ(AgentName("", 8080, "1.2.3.4", 0, ""), "localhost:8080:1.2.3.4");
  EXPECT_EQ(AgentName("::1", 1, "::2", 6, "/tmp/s"), "::1:1:::2:6:/tmp/s");
  EXPECT_EQ(AgentName("", 0, "", 0, "/s"), "localhost:::/s");
}

TEST(AgentName, AppendsTheFamilyOnlyWhenItIs4Or6) {
  EXPECT_EQ(AgentName("", 0, "", 5, ""), "localhost::");
  EXPECT_EQ(AgentName("", 0, "", -1, ""), "localhost::");
  EXPECT_EQ(AgentName("", 0, "", 6, ""), "localhost:::6");
}

TEST(IsIP, DottedDecimalIsFour) {
  for (std::string_view s : {"1.2.3.4", "0.0.0.0", "255.255.255.255", "127.0.0.1"}) {
    EXPECT_EQ(IsIP(s), 4) << s;
    EXPECT_TRUE(IsIPv4(s));
    EXPECT_FALSE(IsIPv6(s));
  }
  for (std::string_view s : {"256.0.0.0", "01.2.3.4", "1.2.3", "1.2.3.4.5", "1.2.3.4 ", "0x1.2.3.4",
                             "1..2.3", "", "a"}) {
    EXPECT_EQ(IsIP(s), 0) << s;
    EXPECT_FALSE(IsIPv4(s)) << s;
  }
}

TEST(IsIP, Rfc4291TextIsSix) {
  for (std::string_view s :
       {"::", "::1", "1::", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1::8",
        "FFFF::abcd", "::ffff:1.2.3.4", "1:2:3:4:5:6:1.2.3.4", "1::1.2.3.4", "::1.2.3.4"}) {
    EXPECT_EQ(IsIP(s), 6) << s;
    EXPECT_TRUE(IsIPv6(s)) << s;
  }
  for (std::string_view s : {":::", "1:2:3:4:5:6:7:8:9", "1::2::3", ":1", "1:", "1:2:3:4:5:6:7",
                             "12345::", "1:2:3:4:5:6:7:1.2.3.4", "1:2:3:4:5:6::1.2.3.4",
                             "::01.2.3.4", "::1.2.3", "g::", "1.2.3.4::", "::1.2.3.4:1"}) {
    EXPECT_EQ(IsIP(s), 0) << s;
    EXPECT_FALSE(IsIPv6(s)) << s;
  }
}

TEST(IsIP, AZoneFollowsAnIPv6AddressOnly) {
  EXPECT_EQ(IsIP("fe80::1%eth0"), 6);
  EXPECT_EQ(IsIP("fe80::1%a.b:c-d"), 6);
  EXPECT_EQ(IsIP("::1%1"), 6);
  EXPECT_EQ(IsIP("fe80::1%"), 0);
  EXPECT_EQ(IsIP("fe80::1%a b"), 0);
  EXPECT_EQ(IsIP("fe80::1%a%b"), 0);
  EXPECT_EQ(IsIP("1.2.3.4%eth0"), 0);
}

}  // namespace
}  // namespace http
