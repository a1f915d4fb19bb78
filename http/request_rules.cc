#include "http/request_rules.h"

#include <algorithm>
#include <array>

#include "http/ascii.h"

namespace http {
namespace {

bool IsOws(char c) { return c == ' ' || c == '\t'; }

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && IsOws(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsOws(s.back())) s.remove_suffix(1);
  return s;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// RFC 9110 §5.6.2.
bool IsTchar(char c) {
  static constexpr std::string_view kOthers = "!#$%&'*+-.^_`|~";
  return IsDigit(c) || IsAlpha(c) || kOthers.find(c) != std::string_view::npos;
}

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsTchar(c)) return false;
  }
  return true;
}

// RFC 3986 §2.2 and §2.3.
bool IsUnreserved(char c) {
  return IsAlpha(c) || IsDigit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}
bool IsSubDelim(char c) { return std::string_view("!$&'()*+,;=").find(c) != std::string_view::npos; }

// Calls fn(element) for every non-empty element of the comma-separated lists in the
// lines named `name`, with the whitespace around it removed; stops when fn returns
// false, and then returns false.
template <typename Fn>
bool ForEachElement(const std::vector<HeaderView>& headers, std::string_view name, Fn&& fn) {
  for (const HeaderView& h : headers) {
    if (!EqualsIgnoreCase(h.name, name)) continue;
    std::string_view rest = h.value;
    for (;;) {
      size_t comma = rest.find(',');
      std::string_view element = TrimOws(rest.substr(0, comma));
      if (!element.empty() && !fn(element)) return false;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return true;
}

// dec-octet "." dec-octet "." dec-octet "." dec-octet, no leading zeros (RFC 3986).
bool IsIpv4(std::string_view s) {
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (s.empty() || s.front() != '.') return false;
      s.remove_prefix(1);
    }
    size_t n = 0;
    while (n < s.size() && n < 4 && IsDigit(s[n])) ++n;
    if (n == 0 || n > 3 || (n > 1 && s[0] == '0')) return false;
    int value = 0;
    for (size_t i = 0; i < n; ++i) value = value * 10 + (s[i] - '0');
    if (value > 255) return false;
    s.remove_prefix(n);
  }
  return s.empty();
}

// The h16 groups of one side of an IPv6 address, counting a trailing IPv4 address
// (allowed only at the end of the address) as two. False when a group is malformed.
bool CountGroups(std::string_view s, bool v4_may_end, int* groups) {
  *groups = 0;
  if (s.empty()) return true;
  for (;;) {
    size_t colon = s.find(':');
    std::string_view g = s.substr(0, colon);
    if (colon == std::string_view::npos && v4_may_end && g.find('.') != std::string_view::npos) {
      *groups += 2;
      return IsIpv4(g);
    }
    if (g.empty() || g.size() > 4) return false;
    for (char c : g) {
      if (!IsHex(c)) return false;
    }
    ++*groups;
    if (colon == std::string_view::npos) return true;
    s.remove_prefix(colon + 1);
  }
}

// RFC 3986's IPv6address: eight groups, or fewer around one "::".
bool IsIpv6(std::string_view s) {
  size_t gap = s.find("::");
  int left = 0;
  int right = 0;
  if (gap == std::string_view::npos) return CountGroups(s, true, &left) && left == 8;
  std::string_view after = s.substr(gap + 2);
  if (after.find("::") != std::string_view::npos) return false;
  return CountGroups(s.substr(0, gap), false, &left) && CountGroups(after, true, &right) &&
         left + right <= 7;
}

// "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" ).
bool IsIpvFuture(std::string_view s) {
  if (s.size() < 4 || (s[0] != 'v' && s[0] != 'V')) return false;
  size_t dot = s.find('.');
  if (dot == std::string_view::npos || dot < 2 || dot + 1 == s.size()) return false;
  for (size_t i = 1; i < dot; ++i) {
    if (!IsHex(s[i])) return false;
  }
  for (size_t i = dot + 1; i < s.size(); ++i) {
    if (!IsUnreserved(s[i]) && !IsSubDelim(s[i]) && s[i] != ':') return false;
  }
  return true;
}

// *( unreserved / pct-encoded / sub-delims ).
bool IsRegName(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size() || !IsHex(s[i + 1]) || !IsHex(s[i + 2])) return false;
      i += 2;
    } else if (!IsUnreserved(c) && !IsSubDelim(c)) {
      return false;
    }
  }
  return true;
}

bool IsKnownCoding(std::string_view coding) {
  static constexpr std::array<std::string_view, 6> kKnown = {
      "chunked", "compress", "deflate", "gzip", "x-compress", "x-gzip"};
  for (std::string_view k : kKnown) {
    if (EqualsIgnoreCase(coding, k)) return true;
  }
  return false;
}

// transfer-parameter *( OWS ";" OWS transfer-parameter ), each token BWS "=" BWS token.
// (A quoted-string value is not taken: no coding this server knows has parameters.)
bool AreParameters(std::string_view s) {
  for (;;) {
    size_t semi = s.find(';');
    std::string_view param = s.substr(0, semi);
    size_t eq = param.find('=');
    if (eq == std::string_view::npos || !IsToken(TrimOws(param.substr(0, eq))) ||
        !IsToken(TrimOws(param.substr(eq + 1)))) {
      return false;
    }
    if (semi == std::string_view::npos) return true;
    s.remove_prefix(semi + 1);
  }
}

}  // namespace

bool IsValidHost(std::string_view value) {
  value = TrimOws(value);
  size_t host_end = 0;
  if (!value.empty() && value.front() == '[') {
    size_t close = value.find(']');
    if (close == std::string_view::npos) return false;
    std::string_view literal = value.substr(1, close - 1);
    if (!IsIpv6(literal) && !IsIpvFuture(literal)) return false;
    host_end = close + 1;
  } else {
    host_end = std::min(value.find(':'), value.size());
    if (!IsRegName(value.substr(0, host_end))) return false;
  }
  std::string_view port = value.substr(host_end);
  if (port.empty()) return true;
  if (port.front() != ':') return false;
  for (char c : port.substr(1)) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

TransferCodings ClassifyTransferCodings(const std::vector<HeaderView>& headers) {
  bool any = false;
  bool unknown = false;
  bool well_formed = ForEachElement(headers, "transfer-encoding", [&](std::string_view e) {
    size_t semi = e.find(';');
    std::string_view coding = TrimOws(e.substr(0, semi));
    if (!IsToken(coding)) return false;
    if (semi != std::string_view::npos && !AreParameters(e.substr(semi + 1))) return false;
    any = true;
    unknown |= !IsKnownCoding(coding);
    return true;
  });
  if (!well_formed || !any) return TransferCodings::kMalformed;
  return unknown ? TransferCodings::kUnknown : TransferCodings::kKnown;
}

ConnectionOptions ReadConnectionOptions(const std::vector<HeaderView>& headers) {
  ConnectionOptions o;
  ForEachElement(headers, "connection", [&](std::string_view option) {
    o.close |= EqualsIgnoreCase(option, "close");
    o.keep_alive |= EqualsIgnoreCase(option, "keep-alive");
    o.upgrade |= EqualsIgnoreCase(option, "upgrade");
    return true;
  });
  return o;
}

RuleBreak CheckRequestHead(const MessageHead& head, bool has_version) {
  if (!has_version) return {400, "HPE_INVALID_VERSION", "Missing HTTP version"};
  if (head.http_major != 1) return {505, "HPE_INVALID_VERSION", "HTTP version not supported"};
  bool has_host = false;
  bool has_transfer_encoding = false;
  for (const HeaderView& h : head.headers) {
    if (EqualsIgnoreCase(h.name, "host")) {
      if (has_host) return {400, "HPE_INVALID_HOST", "Duplicate Host header"};
      if (!IsValidHost(h.value)) return {400, "HPE_INVALID_HOST", "Invalid Host header"};
      has_host = true;
    } else if (EqualsIgnoreCase(h.name, "transfer-encoding")) {
      has_transfer_encoding = true;
    }
  }
  if (!has_transfer_encoding) return {};
  if (head.http_minor == 0) {
    return {400, "HPE_INVALID_TRANSFER_ENCODING", "Transfer-Encoding in an HTTP/1.0 request"};
  }
  if (head.chunked) return {};
  if (ClassifyTransferCodings(head.headers) == TransferCodings::kUnknown) {
    return {501, "HPE_INVALID_TRANSFER_ENCODING", "Request has unknown `Transfer-Encoding`"};
  }
  return {400, "HPE_INVALID_TRANSFER_ENCODING", "Request has invalid `Transfer-Encoding`"};
}

}  // namespace http
