// Tests of http/encodings.cc: each expected value is what Node v12.22.9's
// Buffer.from(string, encoding) gives for the same input (recorded with the reference
// runtime, tools/node_v12/install.sh).
#include "http/encodings.h"

#include <gtest/gtest.h>

#include <string>

namespace {

std::string Hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) out.append({digits[c >> 4], digits[c & 15]});
  return out;
}

std::string Decode(std::string_view chunk, std::string_view encoding) {
  return Hex(http::DecodeChunk(chunk, encoding));
}

TEST(Encodings, Base64DecodesAsV12Does) {
  EXPECT_EQ(Decode("aGVsbG8gd29ybGQ=", "base64"), "68656c6c6f20776f726c64");
  EXPECT_EQ(Decode("aGVsbG8gd29ybGQ", "base64"), "68656c6c6f20776f726c64");
  EXPECT_EQ(Decode("BASE64", "BASE64"), "040484eb");
  // Characters outside the alphabet are skipped; an '=' ends the data.
  EXPECT_EQ(Decode("aGVs*bG8", "base64"), "68656c6c6f");
  EXPECT_EQ(Decode("aGVs bG8g\nd29y bGQ=", "base64"), "68656c6c6f20776f726c64");
  EXPECT_EQ(Decode("aGVsbG8=d29y", "base64"), "68656c6c6f");
  // Both alphabets.
  EXPECT_EQ(Decode("_-__", "base64"), "ffefff");
  EXPECT_EQ(Decode("+/+/", "base64"), "fbffbf");
  // A last group of 1, 2 or 3 characters.
  EXPECT_EQ(Decode("a", "base64"), "");
  EXPECT_EQ(Decode("ab", "base64"), "69");
  EXPECT_EQ(Decode("abc", "base64"), "69b7");
  EXPECT_EQ(Decode("", "base64"), "");
}

TEST(Encodings, Utf16leEncodesEachCodePointOfTheUtf8Chunk) {
  // "héllo €😀": a 2-byte, a 3-byte and a 4-byte UTF-8 sequence; the last becomes a
  // surrogate pair.
  EXPECT_EQ(Decode("h\xc3\xa9llo \xe2\x82\xac\xf0\x9f\x98\x80", "utf16le"),
            "6800e9006c006c006f002000ac203dd800de");
  for (const char* name : {"ucs2", "UCS-2", "utf-16le", "UTF16LE"}) {
    EXPECT_EQ(Decode("hi", name), "68006900") << name;
  }
  // Not UTF-8 (a C++ chunk can be; a JavaScript string cannot): U+FFFD per byte.
  EXPECT_EQ(Decode("a\xff"
                   "b",
                   "utf16le"),
            "6100fdff6200");
  EXPECT_EQ(Decode("\xe2\x82", "utf16le"), "fdfffdff");
  EXPECT_EQ(Decode("\xed\xa0\x80", "utf16le"), "fdfffdfffdff") << "an encoded surrogate";
  EXPECT_EQ(Decode("\xc0\xaf", "utf16le"), "fdfffdff") << "an overlong sequence";
}

TEST(Encodings, HexStopsAtTheFirstPairThatIsNotHex) {
  EXPECT_EQ(Decode("48656C6c6F", "HEX"), "48656c6c6f");
  EXPECT_EQ(Decode("4865zz6c", "hex"), "4865");
  EXPECT_EQ(Decode("486", "hex"), "48");
}

TEST(Encodings, OtherNamesGiveTheBytesAsGiven) {
  for (const char* name : {"utf8", "UTF-8", "latin1", "binary", "ascii", "bogus", "base64url"}) {
    EXPECT_EQ(http::DecodeChunk("\xc3\xa9z", name), "\xc3\xa9z") << name;
  }
}

}  // namespace
