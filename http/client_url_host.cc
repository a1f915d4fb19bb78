// Host parsing for ParseUrl, following the URL Standard as Node v12's node_url.cc
// implements it (URLHost::ParseHost), which predates later revisions of the
// standard: its forbidden host code points are only NUL, TAB, LF, CR, space and
// #%/:?@[\] (so "a|b" and "a<b" are domains), and a host that is not all numbers
// falls back to a domain ("1.2.3.09" is a domain; today's standard fails it).
#include "http/client_url_host.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "http/ascii.h"

namespace http::url_host {
namespace {

constexpr std::string_view kUpperHex = "0123456789ABCDEF";
constexpr std::string_view kLowerHex = "0123456789abcdef";

bool IsForbidden(char c) {
  switch (c) {
    case '\0':
    case '\t':
    case '\n':
    case '\r':
    case ' ':
    case '#':
    case '%':
    case '/':
    case ':':
    case '?':
    case '@':
    case '[':
    case '\\':
    case ']':
      return true;
    default:
      return false;
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// '%' and two hex digits become their byte; any other '%' stays as it is.
std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// One part of an IPv4 host in the forms the URL Standard reads: "0x" hex, a leading
// "0" octal, else decimal; "0x" alone is 0. -1 when the part is no such number.
// Saturates well above 2^32, which is beyond every valid part.
int64_t ParseIPv4Number(std::string_view s) {
  int radix = 10;
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s.remove_prefix(2);
    radix = 16;
    if (s.empty()) return 0;
  } else if (s.size() > 1 && s[0] == '0') {
    s.remove_prefix(1);
    radix = 8;
  }
  constexpr int64_t kSaturated = int64_t{1} << 40;
  int64_t value = 0;
  for (char c : s) {
    int digit = HexValue(c);
    if (digit < 0 || digit >= radix) return -1;
    value = value >= kSaturated ? kSaturated : value * radix + digit;
  }
  return value;
}

enum class IPv4Result { kNotIPv4, kFailure, kIPv4 };

// v12's URLHost::ParseIPv4Host: up to four numbers separated by dots (one trailing
// dot ignored), the last filling the remaining bytes ("127.1" is 127.0.0.1). A part
// that is not a number makes the host no IPv4 address (a domain); numbers out of
// range fail the host.
IPv4Result ParseIPv4(std::string_view s, uint32_t& address) {
  if (s.empty()) return IPv4Result::kNotIPv4;
  if (s.back() == '.') s.remove_suffix(1);
  std::array<int64_t, 4> numbers{};
  size_t parts = 0;
  int too_big = 0;
  while (true) {
    size_t dot = s.find('.');
    std::string_view part = s.substr(0, dot);
    if (parts == numbers.size() || part.empty()) return IPv4Result::kNotIPv4;
    int64_t n = ParseIPv4Number(part);
    if (n < 0) return IPv4Result::kNotIPv4;
    if (n > 255) ++too_big;
    numbers[parts++] = n;
    if (dot == std::string_view::npos) break;
    s.remove_prefix(dot + 1);
  }
  int64_t last = numbers[parts - 1];
  // Every part but the last is one byte; the last fills the 5 - parts bytes left.
  if (too_big > 1 || (too_big == 1 && last <= 255) || last >= (int64_t{1} << (8 * (5 - parts)))) {
    return IPv4Result::kFailure;
  }
  uint64_t value = static_cast<uint64_t>(last);
  for (size_t i = 0; i + 1 < parts; ++i) {
    value += static_cast<uint64_t>(numbers[i]) << (8 * (3 - i));
  }
  address = static_cast<uint32_t>(value);
  return IPv4Result::kIPv4;
}

void SerializeIPv4(uint32_t address, std::string& out) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    AppendDecimal(out, (address >> shift) & 0xFF);
    if (shift > 0) out += '.';
  }
}

// The URL Standard's IPv6 parser, on the text between the brackets.
bool ParseIPv6(std::string_view s, std::array<uint16_t, 8>& address) {
  address.fill(0);
  size_t p = 0;
  auto at = [&](size_t i) { return i < s.size() ? s[i] : '\0'; };
  auto at_end = [&] { return p >= s.size(); };
  int piece = 0;
  int compress = -1;
  if (at(p) == ':') {
    if (at(p + 1) != ':') return false;
    p += 2;
    compress = ++piece;
  }
  while (!at_end()) {
    if (piece == 8) return false;
    if (s[p] == ':') {
      if (compress != -1) return false;
      ++p;
      compress = ++piece;
      continue;
    }
    unsigned value = 0;
    int length = 0;
    while (length < 4 && !at_end() && HexValue(s[p]) >= 0) {
      value = value * 16 + static_cast<unsigned>(HexValue(s[p]));
      ++p;
      ++length;
    }
    if (at(p) == '.') {
      // An IPv4 tail, re-read from the start of this piece as four decimal bytes.
      if (length == 0) return false;
      p -= static_cast<size_t>(length);
      if (piece > 6) return false;
      int numbers_seen = 0;
      while (!at_end()) {
        if (numbers_seen > 0) {
          if (s[p] != '.' || numbers_seen >= 4) return false;
          ++p;
        }
        if (!IsDigit(at(p))) return false;
        int byte = -1;
        while (!at_end() && IsDigit(s[p])) {
          int digit = s[p] - '0';
          if (byte == 0) return false;  // no leading zero
          byte = byte < 0 ? digit : byte * 10 + digit;
          if (byte > 255) return false;
          ++p;
        }
        address[piece] = static_cast<uint16_t>(address[piece] * 0x100 + byte);
        ++numbers_seen;
        if (numbers_seen == 2 || numbers_seen == 4) ++piece;
      }
      if (numbers_seen != 4) return false;
      break;
    }
    if (at(p) == ':') {
      ++p;
      if (at_end()) return false;
    } else if (!at_end()) {
      return false;
    }
    address[piece++] = static_cast<uint16_t>(value);
  }
  if (compress != -1) {
    // Move the pieces after "::" to the end; the zeros they leave are the gap.
    int swaps = piece - compress;
    for (int i = 7; i != 0 && swaps > 0; --i, --swaps) {
      std::swap(address[i], address[compress + swaps - 1]);
    }
  } else if (piece != 8) {
    return false;
  }
  return true;
}

void SerializeIPv6(const std::array<uint16_t, 8>& address, std::string& out) {
  // "::" replaces the first longest run of two zero pieces or more.
  int compress = -1;
  int longest = 1;
  for (int i = 0; i < 8;) {
    int j = i;
    while (j < 8 && address[j] == 0) ++j;
    if (j - i > longest) {
      longest = j - i;
      compress = i;
    }
    i = j == i ? i + 1 : j;
  }
  out += '[';
  for (int i = 0; i < 8; ++i) {
    if (i == compress) {
      out += i == 0 ? "::" : ":";
      i += longest - 1;
      continue;
    }
    uint16_t v = address[i];
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      int digit = (v >> shift) & 0xF;
      if (digit != 0 || started || shift == 0) {
        out += kLowerHex[static_cast<size_t>(digit)];
        started = true;
      }
    }
    if (i != 7) out += ':';
  }
  out += ']';
}

// The URL Standard's opaque-host parser, for the non-special schemes: no forbidden
// code point but '%', controls and non-ASCII bytes percent-encoded.
bool ParseOpaqueHost(std::string_view s, std::string& out) {
  out.clear();
  out.reserve(s.size());
  for (char c : s) {
    if (c != '%' && IsForbidden(c)) return false;
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7F) {
      out += '%';
      out += kUpperHex[byte >> 4];
      out += kUpperHex[byte & 0xF];
    } else {
      out += c;
    }
  }
  return true;
}

// RFC 3492's parameters for Punycode.
constexpr uint32_t kBase = 36;
constexpr uint32_t kTMin = 1;
constexpr uint32_t kTMax = 26;
constexpr uint32_t kSkew = 38;
constexpr uint32_t kDamp = 700;
constexpr uint32_t kInitialBias = 72;

// RFC 3492's bias adaptation.
uint32_t AdaptBias(uint32_t delta, uint32_t points, bool first) {
  delta = first ? delta / kDamp : delta / 2;
  delta += delta / points;
  uint32_t k = 0;
  while (delta > ((kBase - kTMin) * kTMax) / 2) {
    delta /= kBase - kTMin;
    k += kBase;
  }
  return k + (kBase - kTMin + 1) * delta / (delta + kSkew);
}

int PunycodeDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0' + 26;
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= 'A' && c <= 'Z') return c - 'A';
  return -1;
}

// True when `s`, a label after its "xn--", decodes as Punycode (RFC 3492) the way
// ICU's u_strFromPunycode does: the basic code points before the last '-', then
// digits whose deltas stay in range and give no surrogate, nothing past U+10FFFF,
// and (ICU's UTS #46 check) no U+FFFD.
bool IsPunycode(std::string_view s) {
  size_t delimiter = s.rfind('-');
  size_t basic = delimiter == std::string_view::npos ? 0 : delimiter;
  uint32_t n = 0x80;
  uint32_t i = 0;
  uint32_t bias = kInitialBias;
  uint32_t points = static_cast<uint32_t>(basic);
  for (size_t in = basic > 0 ? basic + 1 : 0; in < s.size();) {
    uint32_t old_i = i;
    uint32_t w = 1;
    for (uint32_t k = kBase;; k += kBase) {
      if (in >= s.size()) return false;
      int digit = PunycodeDigit(s[in++]);
      if (digit < 0) return false;
      auto d = static_cast<uint32_t>(digit);
      if (d > (0x7FFFFFFF - i) / w) return false;
      i += d * w;
      uint32_t t = k <= bias ? kTMin : (k >= bias + kTMax ? kTMax : k - bias);
      if (d < t) break;
      if (w > 0x7FFFFFFF / (kBase - t)) return false;
      w *= kBase - t;
    }
    ++points;
    bias = AdaptBias(i - old_i, points, old_i == 0);
    if (i / points > 0x7FFFFFFF - n) return false;
    n += i / points;
    i %= points;
    if (n > 0x10FFFF || (n >= 0xD800 && n <= 0xDFFF) || n == 0xFFFD) return false;
    ++i;
  }
  return true;
}

// What ICU's UTS #46 ToASCII, as v12 calls it, does to a domain, for ASCII domains
// only (false for any other: their IDNA mapping is left out). It lower-cases, and
// checks that each "xn--" label decodes; it empties a bare "xn--" label (ICU maps it
// to an empty label and v12 ignores that error). ICU's further checks on a decoded
// label (UTS #46 validity and NFC, leading combining marks, bidi and joiner rules)
// are not made, so such a label passes here where v12 fails the host.
bool AsciiDomainToAscii(std::string& domain) {
  for (char& c : domain) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
    c = ToLowerAscii(c);
  }
  size_t start = 0;
  while (start <= domain.size()) {
    size_t end = domain.find('.', start);
    if (end == std::string::npos) end = domain.size();
    std::string_view label = std::string_view(domain).substr(start, end - start);
    if (label == "xn--") {
      domain.erase(start, 4);
      end = start;
    } else if (label.starts_with("xn--") && !IsPunycode(label.substr(4))) {
      return false;
    }
    start = end + 1;
  }
  return true;
}

}  // namespace

bool ParseHost(std::string_view input, bool special, std::string& out) {
  out.clear();
  if (input.empty()) return true;
  if (input[0] == '[') {
    if (input.size() < 2 || input.back() != ']') return false;
    std::array<uint16_t, 8> address;
    if (!ParseIPv6(input.substr(1, input.size() - 2), address)) return false;
    SerializeIPv6(address, out);
    return true;
  }
  if (!special) return ParseOpaqueHost(input, out);

  std::string domain = PercentDecode(input);
  if (!AsciiDomainToAscii(domain)) return false;
  for (char c : domain) {
    if (IsForbidden(c)) return false;
  }
  uint32_t ipv4 = 0;
  switch (ParseIPv4(domain, ipv4)) {
    case IPv4Result::kIPv4:
      SerializeIPv4(ipv4, out);
      return true;
    case IPv4Result::kFailure:
      return false;
    case IPv4Result::kNotIPv4:
      break;
  }
  out = std::move(domain);
  return true;
}

}  // namespace http::url_host
