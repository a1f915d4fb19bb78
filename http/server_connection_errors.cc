// ServerConnection's answers to input it will not serve: a parse error (Node's bare
// status line, then the close), and the bytes after a request that closes the
// connection (dropped), including one that Server::shutdown() made the last.
// See http/server_connection.h.
#include <llhttp.h>

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
  // Bytes after a request that closes the connection (default mode): not a request,
  // nor an error to answer. They are dropped; the response to that request still
  // goes out, and the connection ends after it (OnMessageComplete).
  if (r.error == HPE_CLOSED_CONNECTION) return;
  ClientError e;
  e.code = r.code;
  e.reason = r.reason;
  e.message = message != nullptr ? message : "Parse Error: " + e.reason;
  e.rawPacket = std::string(data);
  e.bytesParsed = r.consumed;
  ignore_input_ = true;  // the parser stays failed: later bytes are not parsed
  if (server()->emit<"clientError">(e, static_cast<Socket&>(*this))) return;
  // Node's default: a bare 400 (431 for oversized headers, 413 for oversized chunk
  // extensions; 501 and 505 where RFC 9112 asks for them) with Connection: close,
  // only when nothing was written on this socket yet; then the socket is destroyed.
  // Node's earlier writes have reached the kernel by then, so what is queued here
  // (responses to requests before the bad one) still goes out before the close.
  if (!wrote_anything_) write(ErrorResponse(r.status));
  EndOutput();
}

// The default mode has read a request that closes the connection (HTTP/1.0 without
// keep-alive, Connection: close). RFC 9112 §9.6: nothing after it is processed, and
// the connection closes once it is answered, even when a listener's response says
// keep-alive (v12, as insecureHTTPParser here, parsed and emitted what followed, and
// kept the connection open after such a response).
void ServerConnection::ReadLastRequest() {
  ignore_input_ = true;
  last_request_read_ = true;
  if (queue_head_ == nullptr && !output_ended_) EndOutput();
}

void ServerConnection::StartShutdown() {
  if (upgraded_ || output_ended_ || ignore_input_ || queue_tail_ == nullptr) return;
  ServerResponse& res = *queue_tail_->res;
  // Its head still arriving: OnHeadersComplete makes it the last.
  if (parsing_ != nullptr && parsing_ != queue_tail_) return;
  // A response whose head is rendered says keep-alive already: the next request, if
  // one comes within the grace, is the last.
  if (res.head_written_) return;
  res.keep_alive_ = false;
  if (parsing_ != nullptr) {
    parser().CloseAfterMessage();  // in its body: the last once it completes
    last_for_shutdown_ = true;
  } else {
    ReadLastRequest();
  }
}

}  // namespace http
