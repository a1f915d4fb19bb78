// The byte-level text helpers that the parser and the message layers share: one
// case-insensitive comparison (ASCII letters only, as HTTP field names and tokens
// compare), one CRLF, and decimal numbers appended without a locale. Pure and
// header-only; safe from any thread.
#ifndef HTTP_ASCII_H_
#define HTTP_ASCII_H_

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace http {

inline constexpr std::string_view kCrlf = "\r\n";

inline constexpr char ToLowerAscii(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
}

// True when a and b have the same length and equal bytes, ignoring ASCII case.
// (Not strncasecmp, which folds by the process's locale.)
inline constexpr bool EqualsIgnoreCase(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ToLowerAscii(a[i]) != ToLowerAscii(b[i])) return false;
  }
  return true;
}

// Appends v in decimal (a status code, a Content-Length), without a locale.
inline void AppendDecimal(std::string& s, uint64_t v) {
  char buf[24];
  char* e = std::to_chars(buf, buf + sizeof(buf), v).ptr;
  s.append(buf, static_cast<size_t>(e - buf));
}

}  // namespace http

#endif  // HTTP_ASCII_H_
