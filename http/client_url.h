// What Node v12.22.9's ClientRequest constructor and Agent compute from the request's
// arguments before any socket exists: the options a URL string stands for
// (urlToOptions(new URL(input))), the checks v12 throws from, and the Host header,
// Authorization header and agent key it builds.
//
// Every function here is pure: it holds no state, borrows its arguments only for the
// call, and runs on whatever thread calls it. The checks throw http::Error exactly
// where v12's constructor throws (code and message as Node's), and anything may
// throw std::bad_alloc; the predicates are noexcept.
//
// Bytes, not characters: v12 works on JavaScript strings (UTF-16); here a string is
// bytes, read as UTF-8 where v12 would encode to UTF-8 (the URL parser) and as
// latin1 code units where v12 compares code units (the path check). Each
// declaration says what differs from v12 because of it.
#ifndef HTTP_CLIENT_URL_H_
#define HTTP_CLIENT_URL_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace http {

// urlToOptions(new URL(input)), v12's internal/url.js, with every field a string.
// The fields not listed by v12 are empty.
struct UrlOptions {
  std::string protocol;  // the scheme, lower-cased, with its ':': "http:"
  std::string hostname;  // the host as serialised, IPv6 without its brackets: "::1"
  std::string port;      // decimal, "" when absent or the scheme's default ("http://a:80/")
  std::string path;      // pathname + search: "/a%20b?q"
  // "<username>:<password>" when either is non-empty, else "". Percent-encoded, as the
  // URL holds them: v12's urlToOptions does not decode (http://a%20b@h/ -> "a%20b:").
  std::string auth;
  std::string hash;      // "#frag", or "" when the fragment is absent or empty
  std::string search;    // "?q", or "" when the query is absent or empty
  std::string pathname;  // "/a%20b"; "" only for a non-special URL without a path
  std::string href;      // the whole URL, serialised
};

// The options ClientRequest makes from a URL string: v12's WHATWG URL parser (the
// URL Standard as Node 12's node_url.cc implements it, without a base URL), then
// urlToOptions. Every scheme parses, so that the caller can report its protocol
// (CheckProtocol); the special schemes (ftp, file, gopher, http, https, ws, wss) get
// their default ports, backslashes as slashes and their percent-encode sets.
//
// Throws Error::InvalidUrl (ERR_INVALID_URL, "Invalid URL: <input>", the input as
// given, up to a first NUL byte as v12's message) when the parser fails. Differences
// from v12, all in inputs a client rarely sends:
//   - v12's ClientRequest, when new URL() throws, falls back to the legacy
//     url.parse() and goes on if that finds a hostname ("http://a b/",
//     "http://h:99999/"), with deprecation warning DEP0109. Here such input throws
//     ERR_INVALID_URL: the caller throws it where v12 would fall back.
//   - Hosts must be ASCII (after percent-decoding) for the special schemes: v12 maps
//     a non-ASCII host through ICU's IDNA ("http://é/" -> "xn--9ca"), and here it
//     throws ERR_INVALID_URL. A host already in Punycode ("xn--9ca") is lower-cased
//     and kept when each "xn--" label decodes (else ERR_INVALID_URL, as v12); v12's
//     ICU also checks what a label decodes to (UTS #46 validity, NFC, bidi rules) and
//     rejects, say, "xn--a" (U+0080) or "xn--7ba" ("Ä", not lower case), which pass
//     here.
//   - The input is bytes, read as UTF-8; an invalid UTF-8 byte is percent-encoded on
//     its own where v12 would have had U+FFFD (a JavaScript string has no such byte).
UrlOptions ParseUrl(std::string_view input);

// Throws Error::InvalidProtocol (ERR_INVALID_PROTOCOL, "Protocol \"ftp:\" not
// supported. Expected \"http:\"") unless protocol == expected. v12 compares
// options.protocol (or the default agent's) with the agent's protocol, exactly.
void CheckProtocol(std::string_view protocol, std::string_view expected);

// Throws Error::UnescapedCharacters("Request path") (ERR_UNESCAPED_CHARACTERS) when
// the path holds a byte 0x00-0x20: v12's INVALID_PATH_REGEX, /[^\u0021-\u00ff]/, with
// each byte a latin1 code unit. So every byte 0x21-0xFF passes, and UTF-8 text does:
// v12 accepts the JavaScript string "é" (U+00E9, sent as the latin1 byte E9) and
// throws for "€" (U+20AC); here the UTF-8 bytes of either pass and are sent as
// given. v12 checks only a non-empty path; an empty one passes (it sends "/").
void CheckRequestPath(std::string_view path);

// The path ClientRequest sends: options.path || '/'. noexcept.
std::string_view RequestPath(std::string_view path) noexcept;

// The method ClientRequest sends: "GET" for an empty method, else the method in ASCII
// upper case (v12's toUpperCase; a token is ASCII). Throws Error::InvalidHttpToken
// ("Method", method) (ERR_INVALID_HTTP_TOKEN, "Method must be a valid HTTP token
// [\"<method>\"]") when a non-empty method is not an RFC 7230 token.
std::string RequestMethod(std::string_view method);

// Whether v12 sends the body chunked when the user sets no framing header:
// useChunkedEncodingByDefault, false for GET, HEAD, DELETE, OPTIONS, TRACE and
// CONNECT and true for every other method. Takes RequestMethod's result. noexcept.
bool UsesChunkedEncodingByDefault(std::string_view method) noexcept;

// The host ClientRequest connects to and names: options.hostname || options.host ||
// 'localhost', an empty string standing for a missing option. noexcept.
std::string_view RequestHost(std::string_view hostname, std::string_view host) noexcept;

// The port ClientRequest connects to: options.port || defaultPort || 80, 0 standing
// for a missing option. noexcept.
uint16_t RequestPort(uint16_t port, uint16_t default_port) noexcept;

// The Host header v12's ClientRequest sets: the host, in brackets when it is an IPv6
// literal (two ':' or more and no leading '['), then ":<port>" unless port is 0 or
// equals default_port. default_port 0 stands for none (v12 without an agent), so any
// non-zero port is appended.
std::string HostHeader(std::string_view host, uint16_t port, uint16_t default_port);

// The Authorization header v12 sets for options.auth: "Basic " followed by the
// standard base64 (with '=' padding) of the bytes of auth.
std::string BasicAuthorization(std::string_view auth);

// The key v12's Agent files a request's sockets under, Agent.prototype.getName:
// (host || "localhost") ":" [port, omitted when 0] ":" [local_address] then
// ":4" or ":6" only when family is 4 or 6, then ":<socket_path>" when non-empty.
// E.g. ("", 0, "", 0, "") -> "localhost::", ("a", 80, "", 4, "") -> "a:80::4".
std::string AgentName(std::string_view host, uint16_t port, std::string_view local_address,
                      int family, std::string_view socket_path);

// v12's net.isIPv4, net.isIPv6 and net.isIP (4, 6 or 0). IPv4 is dotted decimal,
// four parts 0-255 without leading zeros. IPv6 is the RFC 4291 text form (at most
// one "::", an IPv4 tail allowed), optionally with a zone, "%" and one or more of
// [0-9A-Za-z.:-]. noexcept.
bool IsIPv4(std::string_view s) noexcept;
bool IsIPv6(std::string_view s) noexcept;
int IsIP(std::string_view s) noexcept;

}  // namespace http

#endif  // HTTP_CLIENT_URL_H_
