#include "http/errors.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <type_traits>

namespace http {
namespace {

// Every expectation below was printed by v12.22.9 for the same error, as
// JSON.stringify([e.name, e.code, e.message, String(e)]), from the http module in
// use (setHeader, writeHead, ...) and from require('internal/errors') directly.
struct Expected {
  std::string_view name;
  std::string_view code;
  std::string_view message;
  std::string_view to_string;
};

void ExpectError(const Error& e, const Expected& want) {
  EXPECT_EQ(e.name(), want.name);
  EXPECT_EQ(e.code(), want.code);
  EXPECT_EQ(e.message(), want.message);
  EXPECT_STREQ(e.what(), std::string(want.message).c_str());
  EXPECT_EQ(e.ToString(), want.to_string);
}

TEST(Errors, HeadersSentHasV12MessageForEachAction) {
  ExpectError(
      Error::HeadersSent("set"),
      {"Error", "ERR_HTTP_HEADERS_SENT", "Cannot set headers after they are sent to the client",
       "Error [ERR_HTTP_HEADERS_SENT]: Cannot set headers after they are sent to the "
       "client"});
  ExpectError(
      Error::HeadersSent("remove"),
      {"Error", "ERR_HTTP_HEADERS_SENT", "Cannot remove headers after they are sent to the client",
       "Error [ERR_HTTP_HEADERS_SENT]: Cannot remove headers after they are sent to the "
       "client"});
  ExpectError(
      Error::HeadersSent("render"),
      {"Error", "ERR_HTTP_HEADERS_SENT", "Cannot render headers after they are sent to the client",
       "Error [ERR_HTTP_HEADERS_SENT]: Cannot render headers after they are sent to the "
       "client"});
}

TEST(Errors, InvalidHttpTokenQuotesTheToken) {
  ExpectError(Error::InvalidHttpToken("Header name", "bad name"),
              {"TypeError", "ERR_INVALID_HTTP_TOKEN",
               "Header name must be a valid HTTP token [\"bad name\"]",
               "TypeError [ERR_INVALID_HTTP_TOKEN]: Header name must be a valid HTTP token "
               "[\"bad name\"]"});
  ExpectError(
      Error::InvalidHttpToken("Header name", ""),
      {"TypeError", "ERR_INVALID_HTTP_TOKEN", "Header name must be a valid HTTP token [\"\"]",
       "TypeError [ERR_INVALID_HTTP_TOKEN]: Header name must be a valid HTTP token "
       "[\"\"]"});
  ExpectError(
      Error::InvalidHttpToken("Trailer name", "a:b"),
      {"TypeError", "ERR_INVALID_HTTP_TOKEN", "Trailer name must be a valid HTTP token [\"a:b\"]",
       "TypeError [ERR_INVALID_HTTP_TOKEN]: Trailer name must be a valid HTTP token "
       "[\"a:b\"]"});
  ExpectError(Error::InvalidHttpToken("Method", "G T"),
              {"TypeError", "ERR_INVALID_HTTP_TOKEN", "Method must be a valid HTTP token [\"G T\"]",
               "TypeError [ERR_INVALID_HTTP_TOKEN]: Method must be a valid HTTP token [\"G T\"]"});
}

TEST(Errors, InvalidCharNamesTheFieldOnlyWhenGiven) {
  ExpectError(Error::InvalidChar("header content", "X-A"),
              {"TypeError", "ERR_INVALID_CHAR", "Invalid character in header content [\"X-A\"]",
               "TypeError [ERR_INVALID_CHAR]: Invalid character in header content [\"X-A\"]"});
  ExpectError(Error::InvalidChar("trailer content", "x"),
              {"TypeError", "ERR_INVALID_CHAR", "Invalid character in trailer content [\"x\"]",
               "TypeError [ERR_INVALID_CHAR]: Invalid character in trailer content [\"x\"]"});
  ExpectError(Error::InvalidChar("statusMessage"),
              {"TypeError", "ERR_INVALID_CHAR", "Invalid character in statusMessage",
               "TypeError [ERR_INVALID_CHAR]: Invalid character in statusMessage"});
}

TEST(Errors, InvalidHeaderValueQuotesValueThenName) {
  ExpectError(Error::InvalidHeaderValue("undefined", "X-A"),
              {"TypeError", "ERR_HTTP_INVALID_HEADER_VALUE",
               "Invalid value \"undefined\" for header \"X-A\"",
               "TypeError [ERR_HTTP_INVALID_HEADER_VALUE]: Invalid value \"undefined\" for header "
               "\"X-A\""});
}

TEST(Errors, InvalidStatusCodeIsARangeErrorPrintingTheOriginal) {
  ExpectError(Error::InvalidStatusCode(99),
              {"RangeError", "ERR_HTTP_INVALID_STATUS_CODE", "Invalid status code: 99",
               "RangeError [ERR_HTTP_INVALID_STATUS_CODE]: Invalid status code: 99"});
  ExpectError(Error::InvalidStatusCode(1000),
              {"RangeError", "ERR_HTTP_INVALID_STATUS_CODE", "Invalid status code: 1000",
               "RangeError [ERR_HTTP_INVALID_STATUS_CODE]: Invalid status code: 1000"});
  ExpectError(Error::InvalidStatusCode(-5),
              {"RangeError", "ERR_HTTP_INVALID_STATUS_CODE", "Invalid status code: -5",
               "RangeError [ERR_HTTP_INVALID_STATUS_CODE]: Invalid status code: -5"});
  ExpectError(Error::InvalidStatusCode("abc"),
              {"RangeError", "ERR_HTTP_INVALID_STATUS_CODE", "Invalid status code: abc",
               "RangeError [ERR_HTTP_INVALID_STATUS_CODE]: Invalid status code: abc"});
}

TEST(Errors, StreamAndTrailerErrorsHaveV12Messages) {
  ExpectError(
      Error::TrailerInvalid(),
      {"Error", "ERR_HTTP_TRAILER_INVALID", "Trailers are invalid with this transfer encoding",
       "Error [ERR_HTTP_TRAILER_INVALID]: Trailers are invalid with this transfer "
       "encoding"});
  ExpectError(Error::WriteAfterEnd(), {"Error", "ERR_STREAM_WRITE_AFTER_END", "write after end",
                                       "Error [ERR_STREAM_WRITE_AFTER_END]: write after end"});
  ExpectError(Error::StreamDestroyed("write"),
              {"Error", "ERR_STREAM_DESTROYED", "Cannot call write after a stream was destroyed",
               "Error [ERR_STREAM_DESTROYED]: Cannot call write after a stream was destroyed"});
  ExpectError(Error::StreamDestroyed("pipe"),
              {"Error", "ERR_STREAM_DESTROYED", "Cannot call pipe after a stream was destroyed",
               "Error [ERR_STREAM_DESTROYED]: Cannot call pipe after a stream was destroyed"});
  ExpectError(Error::CannotPipe(), {"Error", "ERR_STREAM_CANNOT_PIPE", "Cannot pipe, not readable",
                                    "Error [ERR_STREAM_CANNOT_PIPE]: Cannot pipe, not readable"});
  ExpectError(
      Error::MethodNotImplemented("_implicitHeader()"),
      {"Error", "ERR_METHOD_NOT_IMPLEMENTED", "The _implicitHeader() method is not implemented",
       "Error [ERR_METHOD_NOT_IMPLEMENTED]: The _implicitHeader() method is not "
       "implemented"});
}

TEST(Errors, ServerNotRunningHasV12sMessage) {
  ExpectError(Error::ServerNotRunning(),
              {"Error", "ERR_SERVER_NOT_RUNNING", "Server is not running.",
               "Error [ERR_SERVER_NOT_RUNNING]: Server is not running."});
}

TEST(Errors, InvalidArgTypeSaysArgumentPropertyOrBareNameAsV12) {
  ExpectError(Error::InvalidArgType("name", "of type string", "type number (5)"),
              {"TypeError", "ERR_INVALID_ARG_TYPE",
               "The \"name\" argument must be of type string. Received type number (5)",
               "TypeError [ERR_INVALID_ARG_TYPE]: The \"name\" argument must be of type string. "
               "Received type number (5)"});
  ExpectError(Error::InvalidArgType("options.method", "of type string", "type number (5)"),
              {"TypeError", "ERR_INVALID_ARG_TYPE",
               "The \"options.method\" property must be of type string. Received type number (5)",
               "TypeError [ERR_INVALID_ARG_TYPE]: The \"options.method\" property must be of "
               "type string. Received type number (5)"});
  ExpectError(Error::InvalidArgType("first argument",
                                    "of type string or an instance of Buffer or Uint8Array",
                                    "type number (5)"),
              {"TypeError", "ERR_INVALID_ARG_TYPE",
               "The first argument must be of type string or an instance of Buffer or Uint8Array. "
               "Received type number (5)",
               "TypeError [ERR_INVALID_ARG_TYPE]: The first argument must be of type string or an "
               "instance of Buffer or Uint8Array. Received type number (5)"});
}

TEST(Errors, ClientRequestErrorsHaveV12Messages) {
  ExpectError(
      Error::UnescapedCharacters("Request path"),
      {"TypeError", "ERR_UNESCAPED_CHARACTERS", "Request path contains unescaped characters",
       "TypeError [ERR_UNESCAPED_CHARACTERS]: Request path contains unescaped "
       "characters"});
  ExpectError(
      Error::InvalidProtocol("https:", "http:"),
      {"TypeError", "ERR_INVALID_PROTOCOL", "Protocol \"https:\" not supported. Expected \"http:\"",
       "TypeError [ERR_INVALID_PROTOCOL]: Protocol \"https:\" not supported. Expected "
       "\"http:\""});
}

// From v12's new URL('http://a b/') and new URL('').
TEST(Errors, InvalidUrlAppendsTheInput) {
  ExpectError(Error::InvalidUrl("http://a b/"),
              {"TypeError", "ERR_INVALID_URL", "Invalid URL: http://a b/",
               "TypeError [ERR_INVALID_URL]: Invalid URL: http://a b/"});
  ExpectError(Error::InvalidUrl(""), {"TypeError", "ERR_INVALID_URL", "Invalid URL: ",
                                      "TypeError [ERR_INVALID_URL]: Invalid URL: "});
}

TEST(Errors, ConnResetIsAPlainErrorWithCodeEconnreset) {
  ExpectError(Error::ConnReset("socket hang up"),
              {"Error", "ECONNRESET", "socket hang up", "Error: socket hang up"});
  EXPECT_EQ(Error::ConnReset("socket hang up").syscall(), "");
}

TEST(Errors, ErrnoExceptionNamesTheErrnoAsLibuvDoesEitherSign) {
  Error reset = Error::ErrnoException(-ECONNRESET, "read");
  ExpectError(reset, {"Error", "ECONNRESET", "read ECONNRESET", "Error: read ECONNRESET"});
  EXPECT_EQ(reset.syscall(), "read");
  ExpectError(Error::ErrnoException(EPIPE, "write"),
              {"Error", "EPIPE", "write EPIPE", "Error: write EPIPE"});
  ExpectError(Error::ErrnoException(-EPIPE, "write", "extra"),
              {"Error", "EPIPE", "write EPIPE extra", "Error: write EPIPE extra"});
  // libuv's name for 95 (glibc: EOPNOTSUPP).
  ExpectError(Error::ErrnoException(-95, "write"),
              {"Error", "ENOTSUP", "write ENOTSUP", "Error: write ENOTSUP"});
  ExpectError(Error::ErrnoException(-9999, "read"),
              {"Error", "Unknown system error -9999", "read Unknown system error -9999",
               "Error: read Unknown system error -9999"});
  // 35 (EDEADLK) is an errno libuv does not name.
  EXPECT_EQ(Error::ErrnoException(-35, "read").code(), "Unknown system error -35");
}

TEST(Errors, ExceptionWithHostPortAppendsAddressAndPort) {
  Error refused = Error::ExceptionWithHostPort(-ECONNREFUSED, "connect", "127.0.0.1", 1);
  ExpectError(refused, {"Error", "ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:1",
                        "Error: connect ECONNREFUSED 127.0.0.1:1"});
  EXPECT_EQ(refused.syscall(), "connect");
  EXPECT_EQ(refused.address(), "127.0.0.1");
  EXPECT_EQ(refused.port(), 1);
  ExpectError(Error::ExceptionWithHostPort(-EADDRINUSE, "listen", "::1"),
              {"Error", "EADDRINUSE", "listen EADDRINUSE ::1", "Error: listen EADDRINUSE ::1"});
  ExpectError(Error::ExceptionWithHostPort(-EADDRINUSE, "listen", ""),
              {"Error", "EADDRINUSE", "listen EADDRINUSE", "Error: listen EADDRINUSE"});
}

TEST(Errors, UvExceptionWithHostPortAddsLibuvsDescription) {
  // What v12's server.listen() emits for a port in use (checked by running it).
  Error in_use = Error::UvExceptionWithHostPort(-EADDRINUSE, "listen", "127.0.0.1", 38477);
  ExpectError(in_use,
              {"Error", "EADDRINUSE", "listen EADDRINUSE: address already in use 127.0.0.1:38477",
               "Error: listen EADDRINUSE: address already in use 127.0.0.1:38477"});
  EXPECT_EQ(in_use.syscall(), "listen");
  EXPECT_EQ(in_use.address(), "127.0.0.1");
  EXPECT_EQ(in_use.port(), 38477);
  ExpectError(Error::UvExceptionWithHostPort(-EACCES, "listen", "0.0.0.0", 80),
              {"Error", "EACCES", "listen EACCES: permission denied 0.0.0.0:80",
               "Error: listen EACCES: permission denied 0.0.0.0:80"});
  ExpectError(Error::UvExceptionWithHostPort(-EADDRINUSE, "listen", "/tmp/sock", -1),
              {"Error", "EADDRINUSE", "listen EADDRINUSE: address already in use /tmp/sock",
               "Error: listen EADDRINUSE: address already in use /tmp/sock"});
  ExpectError(Error::UvExceptionWithHostPort(-9999, "listen", "0.0.0.0", 80),
              {"Error", "UNKNOWN", "listen UNKNOWN: unknown error 0.0.0.0:80",
               "Error: listen UNKNOWN: unknown error 0.0.0.0:80"});
}

TEST(Errors, ParseErrorPrefixesTheReason) {
  ExpectError(Error::ParseError("HPE_INVALID_METHOD", "Invalid method encountered"),
              {"Error", "HPE_INVALID_METHOD", "Parse Error: Invalid method encountered",
               "Error: Parse Error: Invalid method encountered"});
}

TEST(Errors, CustomErrorKeepsTypeCodeAndMessage) {
  ExpectError(
      Error(ErrorType::kRangeError, "ERR_OUT_OF_RANGE", "too big"),
      {"RangeError", "ERR_OUT_OF_RANGE", "too big", "RangeError [ERR_OUT_OF_RANGE]: too big"});
}

TEST(Errors, CopiesNeverThrowAndShareTheirText) {
  static_assert(std::is_nothrow_copy_constructible_v<Error>);
  static_assert(std::is_nothrow_copy_assignable_v<Error>);
  Error a = Error::HeadersSent("set");
  Error b = a;
  EXPECT_EQ(b.code(), "ERR_HTTP_HEADERS_SENT");
  EXPECT_EQ(b.code().data(), a.code().data());
}

TEST(Errors, IsCatchableAsRuntimeError) {
  try {
    throw Error::WriteAfterEnd();
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "write after end");
  }
}

}  // namespace
}  // namespace http
