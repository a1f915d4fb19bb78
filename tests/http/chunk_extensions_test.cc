// The two chunk-extension grammars (http/chunk_extensions.h), each extension fed
// whole and a byte per Scan(). The Parser's use of them is in parser_strict_test.cc.
#include "http/chunk_extensions.h"

#include <gtest/gtest.h>

#include <string>

namespace {

using Grammar = http::ChunkExtensions::Grammar;

struct Verdict {
  bool valid = false;
  size_t stop = 0;  // where the scan stopped: the CR, or the byte in error
  bool bad_size = false;
};

// `line` is what follows the chunk size, up to and with its CRLF.
Verdict Scan(const std::string& line, Grammar g, bool byte_per_scan) {
  http::ChunkExtensions x;
  x.Begin(g);
  const char* begin = line.data();
  const char* end = line.data() + line.size();
  const char* p = begin;
  while (p < end) {
    const char* piece_end = byte_per_scan ? p + 1 : end;
    const char* r = x.Scan(p, piece_end);
    if (r == nullptr) return {false, static_cast<size_t>(x.error_at() - begin), x.bad_size()};
    if (r != piece_end) return {true, static_cast<size_t>(r - begin), false};
    p = piece_end;
  }
  ADD_FAILURE() << "no CR ended " << line;
  return {};
}

void ExpectValid(const std::string& ext, Grammar g) {
  for (bool bytes : {false, true}) {
    Verdict v = Scan(ext + "\r\n", g, bytes);
    EXPECT_TRUE(v.valid) << "'" << ext << "' byte per scan: " << bytes;
    EXPECT_EQ(v.stop, ext.size()) << "'" << ext << "' must end at its CR";
  }
}

void ExpectInvalidAt(const std::string& ext, Grammar g, size_t at, bool bad_size = false) {
  for (bool bytes : {false, true}) {
    Verdict v = Scan(ext + "\r\n", g, bytes);
    EXPECT_FALSE(v.valid) << "'" << ext << "' byte per scan: " << bytes;
    EXPECT_EQ(v.stop, at) << "'" << ext << "'";
    EXPECT_EQ(v.bad_size, bad_size) << "'" << ext << "'";
  }
}

TEST(ChunkExtensions, Rfc9112AcceptsTokensQuotedStringsAndBadWhitespace) {
  for (const char* ext :
       {";a", ";a=b", ";name=\"a b\"", ";n=\"a\\\"b\"", ";n=\"\\\\\"", ";n=\"\"", ";a;b=c",
        ";x=y;z=w", ";x=y;z=\"q r\"", ";x=\"ab\";y=z", " ;a", "\t;a", " \t ;a", "; a", ";a =b",
        ";a= b", ";a = \"b\"", ";a=b ;c", ";a=\"b\"\t;c", ";n=\"a\tb\"", ";n=\"a\xe9\xff\"",
        ";n=\"a\\\xe9\"", ";!#$%&'*+-.^_`|~=!#$%&'*+-.^_`|~",
        ";ilovew3=\"I \\\"love\\\"; \\\\extensions\\\\\";somuchlove=\"aretheseparametersfor\";"
        "blah;foo=bar"}) {
    ExpectValid(ext, Grammar::kRfc9112);
  }
}

TEST(ChunkExtensions, Rfc9112RefusesWhatItsGrammarDoesNot) {
  ExpectInvalidAt(" ", Grammar::kRfc9112, 1, /*bad_size=*/true);  // "2 \r\n"
  ExpectInvalidAt(" x", Grammar::kRfc9112, 1, true);              // "2 x"
  ExpectInvalidAt(";", Grammar::kRfc9112, 1);                     // no name
  ExpectInvalidAt(";;", Grammar::kRfc9112, 1);
  ExpectInvalidAt(";=", Grammar::kRfc9112, 1);
  ExpectInvalidAt(";a=", Grammar::kRfc9112, 3);                   // no value
  ExpectInvalidAt(";a ", Grammar::kRfc9112, 3);                   // whitespace at the end
  ExpectInvalidAt(";a=b ", Grammar::kRfc9112, 5);
  ExpectInvalidAt(";a=\"b\" ", Grammar::kRfc9112, 7);
  ExpectInvalidAt(";a=\"b", Grammar::kRfc9112, 5);                // unterminated: CR inside
  ExpectInvalidAt(";a=\"b\"c", Grammar::kRfc9112, 6);
  ExpectInvalidAt(";a b", Grammar::kRfc9112, 3);
  ExpectInvalidAt(";a=b c", Grammar::kRfc9112, 5);
  ExpectInvalidAt(";\"a\"", Grammar::kRfc9112, 1);
  ExpectInvalidAt(";a=b\"c\"", Grammar::kRfc9112, 4);
  ExpectInvalidAt(";a=\x7f", Grammar::kRfc9112, 3);
  ExpectInvalidAt(";a=\"\x7f\"", Grammar::kRfc9112, 4);
  ExpectInvalidAt(";a=\"\\\x01\"", Grammar::kRfc9112, 5);
  ExpectInvalidAt(";a@b", Grammar::kRfc9112, 2);
  ExpectInvalidAt(";a\x80", Grammar::kRfc9112, 2);
  // A bare LF, within a value or ending the line, is not a line end.
  ExpectInvalidAt(";a=\"b\nc\"", Grammar::kRfc9112, 5);
  ExpectInvalidAt(";a\n", Grammar::kRfc9112, 2);
}

// v12.22.9 (checked with its insecureHTTPParser and without): after a space or ";",
// any tab, visible or obs-text byte up to the CR; a tab right after the size, a control
// byte, DEL or a bare LF is refused.
TEST(ChunkExtensions, V12TakesAnyTextAfterASpaceOrSemicolon) {
  for (const char* ext : {";name=\"a b\"", ";n=\"a\\\"b\"", " ;name=\"ab\"", "; name=\"ab\"",
                          ";x=y;z=\"q r\"", ";x=y ", " ", " x", ";;", ";=", ";x=", ";\"x\"",
                          ";x=\"q r\"\t", ";\x80\xff", ";x=\t"}) {
    ExpectValid(ext, Grammar::kV12);
  }
  ExpectInvalidAt("\t;x=y", Grammar::kV12, 0, /*bad_size=*/true);
  ExpectInvalidAt(";x=\x7f", Grammar::kV12, 3);
  ExpectInvalidAt(";x=\x01", Grammar::kV12, 3);
  ExpectInvalidAt(";x=\"q\nr\"", Grammar::kV12, 5);
}

TEST(ChunkExtensions, AFailedScanStaysFailedUntilBegin) {
  http::ChunkExtensions x;
  x.Begin(Grammar::kRfc9112);
  std::string bad = ";;";
  EXPECT_EQ(x.Scan(bad.data(), bad.data() + bad.size()), nullptr);
  std::string good = "\r\n";
  EXPECT_EQ(x.Scan(good.data(), good.data() + good.size()), nullptr);
  x.Begin(Grammar::kRfc9112);
  std::string again = ";a\r\n";
  EXPECT_EQ(x.Scan(again.data(), again.data() + again.size()), again.data() + 2);
}

}  // namespace
