// ServerConnection's answers to input it will not serve: a parse error (Node's bare
// status line, then the close). See http/server_connection.h.
#include "http/server.h"
#include "http/server_connection.h"

namespace http {
namespace {

// Node's answers to a parse error (and, with the same form, RFC 9112's 501 and 505).
std::string_view ErrorResponse(uint16_t status) {
  switch (status) {
    case 413: return "HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\n\r\n";
    case 431:
      return "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n";
    case 501: return "HTTP/1.1 501 Not Implemented\r\nConnection: close\r\n\r\n";
    case 505: return "HTTP/1.1 505 HTTP Version Not Supported\r\nConnection: close\r\n\r\n";
    default: return "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n";
  }
}

}  // namespace

void ServerConnection::OnParseError(const ParseResult& r, std::string_view data,
                                    const char* message) {
  ClientError e;
  e.code = r.code;
  e.reason = r.reason;
  e.message = message != nullptr ? message : "Parse Error: " + e.reason;
  e.rawPacket = std::string(data);
  e.bytesParsed = r.consumed;
  ignore_input_ = true;  // the parser stays failed: later bytes are not parsed
  if (server_->emit<"clientError">(e, static_cast<Socket&>(*this))) return;
  // Node's default: a bare 400 (431 for oversized headers, 413 for oversized chunk
  // extensions; 501 and 505 where RFC 9112 asks for them) with Connection: close,
  // only when nothing was written on this socket yet; then the socket is destroyed.
  // Node's earlier writes have reached the kernel by then, so what is queued here
  // (responses to requests before the bad one) still goes out before the close.
  if (!wrote_anything_) write(ErrorResponse(r.status));
  EndOutput();
}

}  // namespace http
