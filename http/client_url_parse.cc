// ParseUrl (client_url.h): the URL Standard's basic URL parser, without a base URL
// or a state override, as Node v12's node_url.cc (URL::Parse) runs it for
// new URL(input); then v12's urlToOptions. The states keep the standard's names, so
// the code reads against https://url.spec.whatwg.org/#concept-basic-url-parser;
// where v12's parser differs from today's standard, v12 is followed (the notes say
// where).
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "http/ascii.h"
#include "http/client_url.h"
#include "http/client_url_host.h"
#include "http/errors.h"

namespace http {
namespace {

// The percent-encode sets, as byte tables. Every set holds the C0 controls, DEL and
// all non-ASCII bytes; the others add to that.
using EncodeSet = std::array<bool, 256>;

constexpr EncodeSet BuildEncodeSet(std::string_view extra) {
  EncodeSet set{};
  for (int c = 0; c < 0x20; ++c) set[c] = true;
  for (int c = 0x7F; c < 0x100; ++c) set[c] = true;
  for (char c : extra) set[static_cast<unsigned char>(c)] = true;
  return set;
}

constexpr EncodeSet kC0ControlSet = BuildEncodeSet("");
constexpr EncodeSet kFragmentSet = BuildEncodeSet(" \"<>`");
constexpr EncodeSet kQuerySet = BuildEncodeSet(" \"#<>");
constexpr EncodeSet kSpecialQuerySet = BuildEncodeSet(" \"#<>'");
constexpr EncodeSet kPathSet = BuildEncodeSet(" \"#<>?`{}");
constexpr EncodeSet kUserinfoSet = BuildEncodeSet(" \"#<>?`{}/:;=@[\\]^|");

void AppendEncoded(std::string& out, char c, const EncodeSet& set) {
  constexpr std::string_view kHex = "0123456789ABCDEF";
  auto byte = static_cast<unsigned char>(c);
  if (!set[byte]) {
    out += c;
    return;
  }
  out += '%';
  out += kHex[byte >> 4];
  out += kHex[byte & 0xF];
}

bool IsAlpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(int c) { return c >= '0' && c <= '9'; }

// The special schemes of v12's parser (gopher still among them) and their default
// ports; -1 for none.
bool SpecialScheme(std::string_view scheme, int& default_port) {
  struct Special {
    std::string_view scheme;
    int port;
  };
  static constexpr std::array<Special, 7> kSpecial = {{
      {"ftp", 21},
      {"file", -1},
      {"gopher", 70},
      {"http", 80},
      {"https", 443},
      {"ws", 80},
      {"wss", 443},
  }};
  for (const Special& s : kSpecial) {
    if (s.scheme == scheme) {
      default_port = s.port;
      return true;
    }
  }
  return false;
}

bool IsWindowsDriveLetter(std::string_view s) {
  return s.size() == 2 && IsAlpha(s[0]) && (s[1] == ':' || s[1] == '|');
}

bool IsSingleDot(std::string_view s) { return s == "." || EqualsIgnoreCase(s, "%2e"); }

bool IsDoubleDot(std::string_view s) {
  return s == ".." || EqualsIgnoreCase(s, ".%2e") || EqualsIgnoreCase(s, "%2e.") ||
         EqualsIgnoreCase(s, "%2e%2e");
}

// A URL record. The path list is kept as its serialisation: each segment after a
// '/', so [] is "", [""] is "/" and ["a", "b"] is "/a/b"; an opaque path (a
// cannot-be-a-base URL's) is kept as it is.
struct Url {
  std::string scheme;  // without its ':'
  bool special = false;
  int default_port = -1;
  std::string username;
  std::string password;
  bool has_host = false;  // the host is null when false
  std::string host;
  int port = -1;  // -1 for null
  std::string path;
  bool has_query = false;
  std::string query;
  bool has_fragment = false;
  std::string fragment;

  bool is_file() const { return scheme == "file"; }

  // The standard's "shorten a URL's path": drop the last segment, except a file URL's
  // only segment when it is a drive letter ("/C:").
  void ShortenPath() {
    if (path.empty()) return;
    if (is_file() && path.size() == 3 && IsAlpha(path[1]) && path[2] == ':') return;
    path.erase(path.rfind('/'));
  }
};

enum class State {
  kSchemeStart,
  kScheme,
  kSpecialAuthoritySlashes,
  kSpecialAuthorityIgnoreSlashes,
  kPathOrAuthority,
  kAuthority,
  kHost,
  kPort,
  kFile,
  kFileSlash,
  kFileHost,
  kPathStart,
  kPath,
  kCannotBeABaseUrlPath,
  kQuery,
  kFragment,
};

constexpr int kEof = -1;

// Runs the state machine over the cleaned input (no leading or trailing C0 control
// or space, no tab or newline). Returns false where the standard returns failure.
bool RunParser(std::string_view in, Url& url) {
  State state = State::kSchemeStart;
  std::string buffer;
  buffer.reserve(in.size());
  bool at_sign_seen = false;
  bool inside_brackets = false;
  bool password_token_seen = false;
  const size_t n = in.size();
  auto at = [&](size_t k) {
    return k < n ? static_cast<int>(static_cast<unsigned char>(in[k])) : kEof;
  };

  // `continue` runs the same code point again in the new state, as the standard's
  // "decrease pointer by 1" does; a `break` from the switch goes on to the next one.
  size_t i = 0;
  while (i <= n) {
    const int c = at(i);
    const bool special_backslash = url.special && c == '\\';
    switch (state) {
      case State::kSchemeStart:
        if (!IsAlpha(c)) return false;  // "no scheme state", which fails without a base
        buffer += ToLowerAscii(static_cast<char>(c));
        state = State::kScheme;
        break;

      case State::kScheme:
        if (IsAlpha(c) || IsDigit(c) || c == '+' || c == '-' || c == '.') {
          buffer += ToLowerAscii(static_cast<char>(c));
          break;
        }
        if (c != ':') return false;
        url.scheme = std::move(buffer);
        buffer.clear();
        url.special = SpecialScheme(url.scheme, url.default_port);
        if (url.is_file()) {
          state = State::kFile;
        } else if (url.special) {
          state = State::kSpecialAuthoritySlashes;
        } else if (at(i + 1) == '/') {
          state = State::kPathOrAuthority;
          ++i;
        } else {
          state = State::kCannotBeABaseUrlPath;
        }
        break;

      case State::kSpecialAuthoritySlashes:
        state = State::kSpecialAuthorityIgnoreSlashes;
        if (c == '/' && at(i + 1) == '/') {
          ++i;
          break;
        }
        continue;

      case State::kSpecialAuthorityIgnoreSlashes:
        if (c != '/' && c != '\\') {
          state = State::kAuthority;
          continue;
        }
        break;

      case State::kPathOrAuthority:
        if (c == '/') {
          state = State::kAuthority;
          break;
        }
        state = State::kPath;
        continue;

      case State::kAuthority:
        if (c == '@') {
          // At a later '@', the one before it was userinfo after all: it goes back
          // in, encoded.
          if (at_sign_seen) buffer.insert(0, "%40");
          at_sign_seen = true;
          for (char b : buffer) {
            if (b == ':' && !password_token_seen) {
              password_token_seen = true;
              continue;
            }
            AppendEncoded(password_token_seen ? url.password : url.username, b, kUserinfoSet);
          }
          buffer.clear();
        } else if (c == kEof || c == '/' || c == '?' || c == '#' || special_backslash) {
          if (at_sign_seen && buffer.empty()) return false;
          // Back to the start of the host, which the buffer held since the last '@'.
          i -= buffer.size();
          buffer.clear();
          state = State::kHost;
          continue;
        } else {
          buffer += static_cast<char>(c);
        }
        break;

      case State::kHost:
        if (c == ':' && !inside_brackets) {
          if (buffer.empty()) return false;
          if (!url_host::ParseHost(buffer, url.special, url.host)) return false;
          url.has_host = true;
          buffer.clear();
          state = State::kPort;
        } else if (c == kEof || c == '/' || c == '?' || c == '#' || special_backslash) {
          if (url.special && buffer.empty()) return false;
          if (!url_host::ParseHost(buffer, url.special, url.host)) return false;
          url.has_host = true;
          buffer.clear();
          state = State::kPathStart;
          continue;
        } else {
          if (c == '[') inside_brackets = true;
          if (c == ']') inside_brackets = false;
          buffer += static_cast<char>(c);
        }
        break;

      case State::kPort:
        if (IsDigit(c)) {
          buffer += static_cast<char>(c);
        } else if (c == kEof || c == '/' || c == '?' || c == '#' || special_backslash) {
          if (!buffer.empty()) {
            int port = 0;
            for (char d : buffer) {
              port = port * 10 + (d - '0');
              if (port > 0xFFFF) return false;
            }
            url.port = port == url.default_port ? -1 : port;
            buffer.clear();
          }
          state = State::kPathStart;
          continue;
        } else {
          return false;
        }
        break;

      case State::kFile:
        if (c == '/' || c == '\\') {
          state = State::kFileSlash;
          break;
        }
        state = State::kPath;
        continue;

      case State::kFileSlash:
        if (c == '/' || c == '\\') {
          state = State::kFileHost;
          break;
        }
        state = State::kPath;
        continue;

      case State::kFileHost:
        if (c != kEof && c != '/' && c != '\\' && c != '?' && c != '#') {
          buffer += static_cast<char>(c);
          break;
        }
        if (IsWindowsDriveLetter(buffer)) {
          // "file://C:/x": no host; the drive letter, still in the buffer, starts
          // the path.
          state = State::kPath;
          continue;
        }
        if (!url_host::ParseHost(buffer, true, url.host)) return false;
        if (url.host == "localhost") url.host.clear();
        url.has_host = true;
        buffer.clear();
        state = State::kPathStart;
        continue;

      case State::kPathStart:
        if (url.special) {
          state = State::kPath;
          if (c != '/' && c != '\\') continue;
        } else if (c == '?') {
          url.has_query = true;
          state = State::kQuery;
        } else if (c == '#') {
          url.has_fragment = true;
          state = State::kFragment;
        } else if (c != kEof) {
          state = State::kPath;
          if (c != '/') continue;
        }
        break;

      case State::kPath: {
        const bool slash = c == '/' || special_backslash;
        if (!slash && c != kEof && c != '?' && c != '#') {
          AppendEncoded(buffer, static_cast<char>(c), kPathSet);
          break;
        }
        if (IsDoubleDot(buffer)) {
          url.ShortenPath();
          if (!slash) url.path += '/';
        } else if (IsSingleDot(buffer)) {
          if (!slash) url.path += '/';
        } else {
          if (url.is_file() && url.path.empty() && IsWindowsDriveLetter(buffer)) {
            // v12 (as the standard then) drops a host before a drive letter.
            if (url.has_host) url.host.clear();
            buffer[1] = ':';
          }
          url.path += '/';
          url.path += buffer;
        }
        buffer.clear();
        // v12 (as the standard then) drops a file URL's leading empty segments.
        if (url.is_file() && !slash) {
          while (url.path.starts_with("//")) url.path.erase(0, 1);
        }
        if (c == '?') {
          url.has_query = true;
          state = State::kQuery;
        } else if (c == '#') {
          url.has_fragment = true;
          state = State::kFragment;
        }
        break;
      }

      case State::kCannotBeABaseUrlPath:
        if (c == '?') {
          url.has_query = true;
          state = State::kQuery;
        } else if (c == '#') {
          url.has_fragment = true;
          state = State::kFragment;
        } else if (c != kEof) {
          AppendEncoded(url.path, static_cast<char>(c), kC0ControlSet);
        }
        break;

      case State::kQuery:
        if (c == kEof || c == '#') {
          url.query = std::move(buffer);
          buffer.clear();
          if (c == '#') {
            url.has_fragment = true;
            state = State::kFragment;
          }
        } else {
          AppendEncoded(buffer, static_cast<char>(c), url.special ? kSpecialQuerySet : kQuerySet);
        }
        break;

      case State::kFragment:
        if (c == kEof) {
          url.fragment = std::move(buffer);
          buffer.clear();
        } else if (c != 0) {  // v12 drops NUL from the fragment
          AppendEncoded(buffer, static_cast<char>(c), kFragmentSet);
        }
        break;
    }
    ++i;
  }
  return true;
}

bool IsC0ControlOrSpace(char c) { return static_cast<unsigned char>(c) <= 0x20; }
bool IsTabOrNewline(char c) { return c == '\t' || c == '\n' || c == '\r'; }

// urlToOptions over the record, with v12's getters (pathname, search, hash, port)
// and its href serialiser.
UrlOptions ToOptions(const Url& url) {
  UrlOptions o;
  o.protocol.append(url.scheme).append(1, ':');
  std::string_view hostname = url.host;
  if (hostname.starts_with('[')) hostname = hostname.substr(1, hostname.size() - 2);
  o.hostname = hostname;
  if (url.port != -1) AppendDecimal(o.port, static_cast<uint64_t>(url.port));
  if (!url.username.empty() || !url.password.empty()) {
    o.auth.append(url.username).append(1, ':').append(url.password);
  }
  if (!url.query.empty()) o.search.append(1, '?').append(url.query);
  if (!url.fragment.empty()) o.hash.append(1, '#').append(url.fragment);
  o.pathname = url.path;
  o.path.append(o.pathname).append(o.search);

  std::string& href = o.href;
  href.reserve(o.protocol.size() + o.auth.size() + url.host.size() + o.port.size() +
               url.path.size() + url.query.size() + url.fragment.size() + 8);
  href.append(o.protocol);
  if (url.has_host) {
    href.append("//");
    if (!url.username.empty() || !url.password.empty()) {
      href.append(url.username);
      if (!url.password.empty()) href.append(1, ':').append(url.password);
      href.append(1, '@');
    }
    href.append(url.host);
    if (url.port != -1) href.append(1, ':').append(o.port);
  } else if (url.is_file()) {
    href.append("//");
  }
  href.append(url.path);
  if (url.has_query) href.append(1, '?').append(url.query);
  if (url.has_fragment) href.append(1, '#').append(url.fragment);
  return o;
}

}  // namespace

UrlOptions ParseUrl(std::string_view input) {
  std::string_view in = input;
  while (!in.empty() && IsC0ControlOrSpace(in.front())) in.remove_prefix(1);
  while (!in.empty() && IsC0ControlOrSpace(in.back())) in.remove_suffix(1);
  // Tabs and newlines anywhere are dropped; most inputs have none, and need no copy.
  std::string cleaned;
  if (in.find_first_of("\t\n\r") != std::string_view::npos) {
    cleaned.reserve(in.size());
    for (char c : in) {
      if (!IsTabOrNewline(c)) cleaned += c;
    }
    in = cleaned;
  }

  Url url;
  if (!RunParser(in, url)) {
    // v12 builds the message from the input as a C string: it ends at a NUL.
    throw Error::InvalidUrl(input.substr(0, input.find('\0')));
  }
  return ToOptions(url);
}

}  // namespace http
