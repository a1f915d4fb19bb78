#include "http/header_validation.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "http/errors.h"

namespace http {
namespace {

// Captured from v12.22.9 by testing each String.fromCharCode(0..255) with
// require('_http_common')._checkIsHttpToken and ._checkInvalidHeaderChar.
constexpr std::string_view kV12TokenChars =
    "!#$%&'*+-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ^_`abcdefghijklmnopqrstuvwxyz|~";
// v12's invalid header bytes: 0x00-0x08, 0x0a-0x1f, 0x7f.
bool V12InvalidValueByte(int c) { return (c < 0x20 && c != 0x09) || c == 0x7F; }

std::string Byte(int c) { return std::string(1, static_cast<char>(c)); }

TEST(HeaderValidation, IsHttpTokenAcceptsExactlyV12sTokenBytes) {
  for (int c = 0; c < 256; ++c) {
    bool want = kV12TokenChars.find(static_cast<char>(c)) != std::string_view::npos;
    EXPECT_EQ(IsHttpToken(Byte(c)), want) << "byte " << c;
    EXPECT_EQ(IsHttpToken("X-" + Byte(c) + "-Y"), want) << "byte " << c;
  }
}

TEST(HeaderValidation, IsHttpTokenRejectsTheEmptyName) { EXPECT_FALSE(IsHttpToken("")); }

TEST(HeaderValidation, IsHttpTokenAcceptsCommonNames) {
  EXPECT_TRUE(IsHttpToken("Content-Type"));
  EXPECT_TRUE(IsHttpToken("x-custom_header.v2~"));
  EXPECT_FALSE(IsHttpToken("Content Type"));
  EXPECT_FALSE(IsHttpToken("Content-Type:"));
  EXPECT_FALSE(IsHttpToken(std::string_view("a\0b", 3)));
}

TEST(HeaderValidation, HasInvalidHeaderCharFlagsExactlyV12sInvalidBytes) {
  for (int c = 0; c < 256; ++c) {
    EXPECT_EQ(HasInvalidHeaderChar(Byte(c)), V12InvalidValueByte(c)) << "byte " << c;
  }
}

TEST(HeaderValidation, HasInvalidHeaderCharFindsEachByteAtEveryPosition) {
  // Long enough for several eight-byte words plus a tail; the filler mixes tabs and
  // high bytes, which are valid but make a word take the slow path.
  for (size_t len = 1; len <= 40; ++len) {
    std::string filler;
    for (size_t i = 0; i < len; ++i) filler += "a\t \x80~\xff"[i % 6];
    EXPECT_FALSE(HasInvalidHeaderChar(filler)) << len;
    for (size_t pos = 0; pos < len; ++pos) {
      for (int c = 0; c < 256; ++c) {
        std::string s = filler;
        s[pos] = static_cast<char>(c);
        ASSERT_EQ(HasInvalidHeaderChar(s), V12InvalidValueByte(c))
            << "len " << len << " pos " << pos << " byte " << c;
      }
    }
  }
}

TEST(HeaderValidation, HasInvalidHeaderCharAgreesWithBytewiseCheckOnRandomInput) {
  std::mt19937 rng(12);
  for (int round = 0; round < 20000; ++round) {
    size_t len = rng() % 64;
    std::string s;
    bool want = false;
    for (size_t i = 0; i < len; ++i) {
      // Mostly valid bytes, so that an invalid one is rare and its position varies.
      int c =
          (rng() % 16 == 0) ? static_cast<int>(rng() % 256) : 0x20 + static_cast<int>(rng() % 0x5F);
      s += static_cast<char>(c);
      want = want || V12InvalidValueByte(c);
    }
    ASSERT_EQ(HasInvalidHeaderChar(s), want) << round;
  }
}

TEST(HeaderValidation, EmptyValueIsValid) { EXPECT_FALSE(HasInvalidHeaderChar("")); }

TEST(HeaderValidation, ValidateHeaderNameThrowsInvalidHttpToken) {
  EXPECT_NO_THROW(ValidateHeaderName("Content-Type"));
  try {
    ValidateHeaderName("bad name");
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "ERR_INVALID_HTTP_TOKEN");
    EXPECT_EQ(e.message(), "Header name must be a valid HTTP token [\"bad name\"]");
  }
  try {
    ValidateHeaderName("");
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), "Header name must be a valid HTTP token [\"\"]");
  }
}

TEST(HeaderValidation, ValidateHeaderValueThrowsInvalidCharNamingTheHeader) {
  EXPECT_NO_THROW(ValidateHeaderValue("X-A", "fine\tvalue \xe2\x82\xac"));
  try {
    ValidateHeaderValue("X-A", "a\nb");
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "ERR_INVALID_CHAR");
    EXPECT_EQ(e.name(), "TypeError");
    EXPECT_EQ(e.message(), "Invalid character in header content [\"X-A\"]");
  }
}

TEST(HeaderValidation, TrailerChecksUseV12sTrailerWording) {
  try {
    ValidateTrailerName("bad name");
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "ERR_INVALID_HTTP_TOKEN");
    EXPECT_EQ(e.message(), "Trailer name must be a valid HTTP token [\"bad name\"]");
  }
  try {
    ValidateTrailerValue("x", "a\rb");
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "ERR_INVALID_CHAR");
    EXPECT_EQ(e.message(), "Invalid character in trailer content [\"x\"]");
  }
  EXPECT_NO_THROW(ValidateTrailerName("X-Checksum"));
  EXPECT_NO_THROW(ValidateTrailerValue("X-Checksum", "abc"));
}

// Captured from v12.22.9: the bytes c for which require('_http_common')
// .chunkExpression.test(String.fromCharCode(c) + 'chunked') is false (JavaScript's
// \w without the u flag).
constexpr std::string_view kV12WordBytes =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

TEST(HeaderValidation, HasWordIgnoreCaseNeedsANonWordByteOrTheEdgeOnEachSide) {
  for (int c = 0; c < 256; ++c) {
    bool word_byte = kV12WordBytes.find(static_cast<char>(c)) != std::string_view::npos;
    EXPECT_EQ(HasWordIgnoreCase(Byte(c) + "chunked", "chunked"), !word_byte) << "byte " << c;
    EXPECT_EQ(HasWordIgnoreCase("chunked" + Byte(c), "chunked"), !word_byte) << "byte " << c;
  }
}

// Each as v12's continueExpression and chunkExpression answer it.
TEST(HeaderValidation, HasWordIgnoreCaseMatchesAsV12sRegularExpressions) {
  EXPECT_TRUE(HasWordIgnoreCase("100-continue, x", "100-continue"));
  EXPECT_TRUE(HasWordIgnoreCase("x,100-CONTINUE", "100-continue"));
  EXPECT_TRUE(HasWordIgnoreCase(" 100-Continue ", "100-continue"));
  EXPECT_FALSE(HasWordIgnoreCase("x100-continue", "100-continue"));
  EXPECT_FALSE(HasWordIgnoreCase("100-continue_", "100-continue"));
  EXPECT_FALSE(HasWordIgnoreCase("", "100-continue"));
  EXPECT_TRUE(HasWordIgnoreCase("ChUnKeD", "chunked"));
  EXPECT_TRUE(HasWordIgnoreCase("gzip,chunked", "chunked"));
  EXPECT_TRUE(HasWordIgnoreCase("chunkedx, chunked", "chunked"));  // the second one
  EXPECT_FALSE(HasWordIgnoreCase("chunke", "chunked"));
}

}  // namespace
}  // namespace http
