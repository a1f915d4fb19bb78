#include "http/status_codes.h"

#include <gtest/gtest.h>

#include <climits>
#include <string>

namespace http {
namespace {

// Captured from v12.22.9: node -e 'console.log(JSON.stringify(require("http").STATUS_CODES))'
constexpr std::string_view kV12StatusCodesJson =
    R"({"100":"Continue","101":"Switching Protocols","102":"Processing","103":"Early Hints",)"
    R"("200":"OK","201":"Created","202":"Accepted","203":"Non-Authoritative Information",)"
    R"("204":"No Content","205":"Reset Content","206":"Partial Content","207":"Multi-Status",)"
    R"("208":"Already Reported","226":"IM Used","300":"Multiple Choices",)"
    R"("301":"Moved Permanently","302":"Found","303":"See Other","304":"Not Modified",)"
    R"("305":"Use Proxy","307":"Temporary Redirect","308":"Permanent Redirect",)"
    R"("400":"Bad Request","401":"Unauthorized","402":"Payment Required","403":"Forbidden",)"
    R"("404":"Not Found","405":"Method Not Allowed","406":"Not Acceptable",)"
    R"("407":"Proxy Authentication Required","408":"Request Timeout","409":"Conflict",)"
    R"("410":"Gone","411":"Length Required","412":"Precondition Failed",)"
    R"("413":"Payload Too Large","414":"URI Too Long","415":"Unsupported Media Type",)"
    R"("416":"Range Not Satisfiable","417":"Expectation Failed","418":"I'm a Teapot",)"
    R"("421":"Misdirected Request","422":"Unprocessable Entity","423":"Locked",)"
    R"("424":"Failed Dependency","425":"Unordered Collection","426":"Upgrade Required",)"
    R"("428":"Precondition Required","429":"Too Many Requests",)"
    R"("431":"Request Header Fields Too Large","451":"Unavailable For Legal Reasons",)"
    R"("500":"Internal Server Error","501":"Not Implemented","502":"Bad Gateway",)"
    R"("503":"Service Unavailable","504":"Gateway Timeout","505":"HTTP Version Not Supported",)"
    R"("506":"Variant Also Negotiates","507":"Insufficient Storage","508":"Loop Detected",)"
    R"("509":"Bandwidth Limit Exceeded","510":"Not Extended",)"
    R"("511":"Network Authentication Required"})";

// JSON.stringify of an object with integer keys: ascending keys, as the table is.
std::string ToJson() {
  std::string out = "{";
  for (const StatusCodeEntry& e : STATUS_CODES) {
    if (out.size() > 1) out += ",";
    out += "\"" + std::to_string(e.code) + "\":\"" + std::string(e.reason) + "\"";
  }
  return out + "}";
}

TEST(StatusCodes, TableIsExactlyV12s) {
  EXPECT_EQ(STATUS_CODES.size(), 63u);
  EXPECT_EQ(ToJson(), kV12StatusCodesJson);
}

TEST(StatusCodes, TableIsAscendingWithoutDuplicates) {
  for (size_t i = 1; i < STATUS_CODES.size(); ++i) {
    EXPECT_LT(STATUS_CODES[i - 1].code, STATUS_CODES[i].code);
  }
}

TEST(StatusCodes, StatusTextReturnsEveryTableEntry) {
  for (const StatusCodeEntry& e : STATUS_CODES) {
    EXPECT_EQ(StatusText(e.code), e.reason) << e.code;
    EXPECT_EQ(ReasonPhraseOrUnknown(e.code), e.reason) << e.code;
  }
}

TEST(StatusCodes, StatusTextKeepsV12WordingWhereLaterNodeChanged) {
  EXPECT_EQ(StatusText(418), "I'm a Teapot");
  EXPECT_EQ(StatusText(425), "Unordered Collection");
  EXPECT_EQ(StatusText(413), "Payload Too Large");
}

TEST(StatusCodes, StatusTextIsEmptyForEveryCodeNotInTheTable) {
  int found = 0;
  for (int code = -1000; code < 2000; ++code) {
    bool in_table = false;
    for (const StatusCodeEntry& e : STATUS_CODES) in_table = in_table || e.code == code;
    if (in_table) {
      ++found;
      continue;
    }
    EXPECT_TRUE(StatusText(code).empty()) << code;
    EXPECT_EQ(ReasonPhraseOrUnknown(code), "unknown") << code;
  }
  EXPECT_EQ(found, 63);
  EXPECT_TRUE(StatusText(INT_MIN).empty());
  EXPECT_TRUE(StatusText(INT_MAX).empty());
}

TEST(StatusCodes, ReasonPhraseOrUnknownSaysUnknownForUnlistedCodes) {
  EXPECT_EQ(ReasonPhraseOrUnknown(299), "unknown");
  EXPECT_EQ(ReasonPhraseOrUnknown(306), "unknown");
  EXPECT_EQ(ReasonPhraseOrUnknown(999), "unknown");
  EXPECT_EQ(ReasonPhraseOrUnknown(200), "OK");
}

}  // namespace
}  // namespace http
