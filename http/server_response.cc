// ServerResponse: the server's side of an OutgoingMessage. Binding to a request's
// exchange, 100 Continue and 102 Processing, the response's events, and its return
// to the connection once both halves of the exchange are done.
#include "http/server_response.h"

#include "http/incoming_message.h"
#include "http/server_connection.h"
#include "http/socket.h"

namespace http {

// A response not attached to a connection renders as the default server's would.
ServerResponse::ServerResponse() {
  sendDate = true;
  keep_alive_ms_ = kDefaultKeepAliveMs;
}

void ServerResponse::Attach(ServerConnection* conn, Socket* socket, bool head_request,
                            bool keep_alive, bool chunked_ok, uint64_t keep_alive_ms) {
  AttachOutgoing(conn, socket, /*has_body=*/!head_request, keep_alive, chunked_ok, keep_alive_ms);
}

void ServerResponse::Reset() {
  ResetOutgoing();
  // As a new object (a subclass's objects are not reused: http/loop_pools.cc).
  statusCode = 200;
  statusMessage.clear();
  sendDate = true;
  keep_alive_ms_ = kDefaultKeepAliveMs;
  expect_continue_ = sent100_ = false;
  removeAllListeners<"finish">();
  removeAllListeners<"close">();
  removeAllListeners<"drain">();
  removeAllListeners<"error">();
  removeAllListeners<"timeout">();
}

// v12 writes these raw, ahead of any head not yet sent.
void ServerResponse::writeContinue() {
  out_.Reference("HTTP/1.1 100 Continue\r\n\r\n");
  sent100_ = true;
  Flush();
}

void ServerResponse::writeProcessing() {
  out_.Reference("HTTP/1.1 102 Processing\r\n\r\n");
  Flush();
}

ServerResponse& ServerResponse::setTimeout(uint64_t ms, std::function<void()> cb) {
  if (cb) on<"timeout">(std::move(cb));
  if (socket_ != nullptr) socket_->setTimeout(ms);
  return *this;
}

void ServerResponse::Emit(OutgoingEvent event, const Error* err) {
  switch (event) {
    case OutgoingEvent::kFinish:
      emit<"finish">();
      break;
    case OutgoingEvent::kClose:
      emit<"close">();
      break;
    case OutgoingEvent::kDrain:
      emit<"drain">();
      break;
    case OutgoingEvent::kError:
      emit<"error">(*err);
      break;
  }
}

void ServerResponse::OnceFinish(std::function<void()> cb) { once<"finish">(std::move(cb)); }

// v12's resOnFinish, the server's 'finish' listener, added before 'request'.
void ServerResponse::BeforeFinish() {
  static_cast<Exchange*>(exchange_)->req->OnResponseFinish(this);
}

void ServerResponse::AfterClose() { MaybeRecycle(); }

// Hands the exchange back once this response has emitted 'close' after 'finish' and
// its request 'end' and 'close'. While the connection is closing it recycles every
// exchange itself.
void ServerResponse::MaybeRecycle() {
  if (!finished_ || !close_emitted_ || transport_ == nullptr || socket_->destroyed()) return;
  const IncomingMessage& req = *static_cast<Exchange*>(exchange_)->req;
  if (!req.end_emitted_ || !req.close_emitted_) return;
  // (The transport of a server's response is its ServerConnection: Attach.)
  static_cast<ServerConnection*>(transport_)->ResponseFinished(this);
}

}  // namespace http
