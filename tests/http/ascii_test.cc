// Tests of http/ascii.h: case is ignored for ASCII letters only, lengths must match.
#include "http/ascii.h"

#include <gtest/gtest.h>

#include <string>

namespace {

TEST(Ascii, EqualsIgnoreCaseFoldsAsciiLettersOnly) {
  EXPECT_TRUE(http::EqualsIgnoreCase("Transfer-Encoding", "transfer-ENCODING"));
  EXPECT_TRUE(http::EqualsIgnoreCase("", ""));
  EXPECT_FALSE(http::EqualsIgnoreCase("close", "closed"));
  EXPECT_FALSE(http::EqualsIgnoreCase("close", "clos"));
  EXPECT_FALSE(http::EqualsIgnoreCase("a-b", "a_b"));
  // Bytes above 0x7F compare exactly: "\xC9" (É in latin1) is not "\xE9" (é).
  EXPECT_FALSE(http::EqualsIgnoreCase("\xC9", "\xE9"));
  EXPECT_TRUE(http::EqualsIgnoreCase("\xC9", "\xC9"));
  EXPECT_EQ(http::kCrlf, "\r\n");
}

TEST(Ascii, AppendDecimalWritesEveryDigit) {
  std::string s = "Content-Length: ";
  http::AppendDecimal(s, 0);
  http::AppendDecimal(s, 18446744073709551615u);
  EXPECT_EQ(s, "Content-Length: 018446744073709551615");
}

}  // namespace
