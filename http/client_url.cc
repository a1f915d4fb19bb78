// The small pieces of v12's ClientRequest constructor and Agent (client_url.h); the
// URL parser is in client_url_parse.cc.
#include "http/client_url.h"

#include <cstddef>

#include "http/ascii.h"
#include "http/errors.h"
#include "http/header_validation.h"

namespace http {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsHexDigit(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// One part of v12's v4Seg, /[0-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-5]/: 0-255
// without a leading zero. Consumes it from the front of s.
bool ConsumeIPv4Part(std::string_view& s) {
  size_t n = 0;
  while (n < s.size() && n < 3 && IsDigit(s[n])) ++n;
  if (n == 0 || (n > 1 && s[0] == '0')) return false;
  int value = 0;
  for (size_t i = 0; i < n; ++i) value = value * 10 + (s[i] - '0');
  if (value > 255) return false;
  s.remove_prefix(n);
  return true;
}

// v12's v4Str at the front of s, consumed.
bool ConsumeIPv4(std::string_view& s) {
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (s.empty() || s[0] != '.') return false;
      s.remove_prefix(1);
    }
    if (!ConsumeIPv4Part(s)) return false;
  }
  return true;
}

// v12's IPv6Reg without the zone: pieces of 1-4 hex digits separated by ':', at most
// one "::" standing for one piece or more, an IPv4 tail counting as two pieces; eight
// pieces without "::", at most seven written with it.
bool IsIPv6Address(std::string_view s) {
  int pieces = 0;
  bool compressed = false;
  if (s.starts_with("::")) {
    compressed = true;
    s.remove_prefix(2);
    if (s.empty()) return true;
  } else if (s.starts_with(":")) {
    return false;
  }
  while (true) {
    size_t n = 0;
    while (n < s.size() && n < 5 && IsHexDigit(s[n])) ++n;
    // An IPv4 tail: where a piece would be, a run of digits followed by a '.'.
    if (n < s.size() && s[n] == '.') {
      if (!ConsumeIPv4(s) || !s.empty()) return false;
      pieces += 2;
      break;
    }
    if (n == 0 || n > 4) return false;
    s.remove_prefix(n);
    ++pieces;
    if (s.empty()) break;
    if (s[0] != ':') return false;
    s.remove_prefix(1);
    if (s.starts_with(":")) {
      if (compressed) return false;
      compressed = true;
      s.remove_prefix(1);
      if (s.empty()) break;
    } else if (s.empty()) {
      return false;
    }
  }
  return compressed ? pieces <= 7 : pieces == 8;
}

bool IsZoneChar(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '.' ||
         c == ':';
}

constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

void CheckProtocol(std::string_view protocol, std::string_view expected) {
  if (protocol != expected) throw Error::InvalidProtocol(protocol, expected);
}

void CheckRequestPath(std::string_view path) {
  for (char c : path) {
    if (static_cast<unsigned char>(c) <= 0x20) throw Error::UnescapedCharacters("Request path");
  }
}

std::string_view RequestPath(std::string_view path) noexcept {
  return path.empty() ? std::string_view("/") : path;
}

std::string RequestMethod(std::string_view method) {
  if (method.empty()) return "GET";
  if (!IsHttpToken(method)) throw Error::InvalidHttpToken("Method", method);
  std::string upper(method);
  for (char& c : upper) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - ('a' - 'A'));
  }
  return upper;
}

bool UsesChunkedEncodingByDefault(std::string_view method) noexcept {
  return !(method == "GET" || method == "HEAD" || method == "DELETE" || method == "OPTIONS" ||
           method == "TRACE" || method == "CONNECT");
}

std::string_view RequestHost(std::string_view hostname, std::string_view host) noexcept {
  if (!hostname.empty()) return hostname;
  if (!host.empty()) return host;
  return "localhost";
}

uint16_t RequestPort(uint16_t port, uint16_t default_port) noexcept {
  if (port != 0) return port;
  if (default_port != 0) return default_port;
  return 80;
}

std::string HostHeader(std::string_view host, uint16_t port, uint16_t default_port) {
  // RFC 3986 section 3.2.2: an IPv6 literal in a URI authority is bracketed. v12 takes
  // two colons or more as the sign of one.
  size_t colon = host.find(':');
  bool bracket = colon != std::string_view::npos &&
                 host.find(':', colon + 1) != std::string_view::npos && host[0] != '[';
  std::string header;
  header.reserve(host.size() + 8);
  if (bracket) header += '[';
  header += host;
  if (bracket) header += ']';
  if (port != 0 && port != default_port) {
    header += ':';
    AppendDecimal(header, port);
  }
  return header;
}

std::string BasicAuthorization(std::string_view auth) {
  constexpr std::string_view kPrefix = "Basic ";
  std::string out;
  out.reserve(kPrefix.size() + (auth.size() + 2) / 3 * 4);
  out += kPrefix;
  size_t i = 0;
  auto byte = [&](size_t k) { return static_cast<unsigned char>(auth[k]); };
  for (; i + 3 <= auth.size(); i += 3) {
    uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    for (int shift = 18; shift >= 0; shift -= 6) out += kBase64Alphabet[(v >> shift) & 63];
  }
  size_t rest = auth.size() - i;
  if (rest > 0) {
    uint32_t v = byte(i) << 16;
    if (rest == 2) v |= byte(i + 1) << 8;
    out += kBase64Alphabet[(v >> 18) & 63];
    out += kBase64Alphabet[(v >> 12) & 63];
    out += rest == 2 ? kBase64Alphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string AgentName(std::string_view host, uint16_t port, std::string_view local_address,
                      int family, std::string_view socket_path) {
  std::string name(host.empty() ? std::string_view("localhost") : host);
  name += ':';
  if (port != 0) AppendDecimal(name, port);
  name += ':';
  name += local_address;
  // v12 appends the family only when it is set, so that names from before the
  // option existed stay the same (its comment cites test-http-agent-getname).
  if (family == 4 || family == 6) {
    name += ':';
    AppendDecimal(name, static_cast<uint64_t>(family));
  }
  if (!socket_path.empty()) {
    name += ':';
    name += socket_path;
  }
  return name;
}

bool IsIPv4(std::string_view s) noexcept { return ConsumeIPv4(s) && s.empty(); }

bool IsIPv6(std::string_view s) noexcept {
  size_t percent = s.find('%');
  if (percent != std::string_view::npos) {
    std::string_view zone = s.substr(percent + 1);
    if (zone.empty()) return false;
    for (char c : zone) {
      if (!IsZoneChar(c)) return false;
    }
    s = s.substr(0, percent);
  }
  return IsIPv6Address(s);
}

int IsIP(std::string_view s) noexcept {
  if (IsIPv4(s)) return 4;
  if (IsIPv6(s)) return 6;
  return 0;
}

}  // namespace http
