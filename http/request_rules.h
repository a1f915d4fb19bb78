// RFC 9112's rules for a request head that llhttp 8.1 leaves to its user: the default
// (strict) Parser applies them to each request head before handing it on, so that a
// request that breaks one is answered and closed without ever reaching a listener
// (http/parser.h). insecureHTTPParser, v12's parser, applies none of them.
//
// Pure functions over a parsed head (http/message_head.h); no llhttp here.
#ifndef HTTP_REQUEST_RULES_H_
#define HTTP_REQUEST_RULES_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "http/message_head.h"

namespace http {

// A rule a request head breaks: the status to answer it with before closing, and the
// code and reason its 'clientError' carries. status 0: no rule is broken.
struct RuleBreak {
  uint16_t status = 0;
  const char* code = "";
  const char* reason = "";
};

// In this order (the first broken rule is reported):
//   1. a request line without a version (HTTP/0.9): 400; a major version other than
//      1: 505 (§2.3);
//   2. more than one Host line, or a Host value that is not uri-host [":" port]: 400
//      (§3.2; an empty value is valid, RFC 9110 §7.2);
//   3. Transfer-Encoding in an HTTP/1.0 request: 400 (§6.1); one whose final coding is
//      not chunked (`chunked` is llhttp's verdict, head.chunked): 501 when it names a
//      coding this server does not know (§6.1), else 400 (§6.3).
// `has_version`: the request line carried "HTTP/x.y".
RuleBreak CheckRequestHead(const MessageHead& head, bool has_version);

// RFC 9112 §3.2's Host value: uri-host [ ":" port ] (RFC 3986: IP-literal, IPv4address
// or reg-name; port = *DIGIT). Surrounding whitespace is not part of the value.
bool IsValidHost(std::string_view value);

// What a request's Transfer-Encoding lines name, read as one list of codings (empty
// list elements are skipped, RFC 9110 §5.6.1).
enum class TransferCodings : uint8_t {
  kMalformed,  // a list element that is not a token (with parameters), or no coding
  kUnknown,    // a coding other than chunked, compress, deflate, gzip, x-compress, x-gzip
  kKnown,      // only codings from that list
};
TransferCodings ClassifyTransferCodings(const std::vector<HeaderView>& headers);

// The close, keep-alive and upgrade options of a message's Connection lines, read as
// a list with optional whitespace (spaces and tabs) around each option, ignoring case.
struct ConnectionOptions {
  bool close = false;
  bool keep_alive = false;
  bool upgrade = false;
};
ConnectionOptions ReadConnectionOptions(const std::vector<HeaderView>& headers);

}  // namespace http

#endif  // HTTP_REQUEST_RULES_H_
