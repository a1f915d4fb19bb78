// ServerResponse: the response to one request (Node v12's http.ServerResponse), an
// OutgoingMessage (http/outgoing_message.h has the headers, write(), end() and the
// order of 'finish' and 'close'). Public names follow Node's spelling; see
// docs/API.md.
//
// Lifetime and threads:
//   - The server owns it, alongside its IncomingMessage. It is valid from the
//     'request' event until it has emitted 'close'; do not touch it after that.
//   - All calls and callbacks on the loop thread of its connection. Events are
//     emitted from the loop, never from inside the call that causes them, except
//     where noted.
//   - After 'finish' and 'close', the request's 'end' and 'close' (see
//     incoming_message.h); then the exchange goes back to its connection.
//
// Errors Node throws are thrown here as http::Error with Node's code and message:
// those of OutgoingMessage, and ERR_HTTP_INVALID_STATUS_CODE.
#ifndef HTTP_SERVER_RESPONSE_H_
#define HTTP_SERVER_RESPONSE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "http/errors.h"
#include "http/events.h"
#include "http/outgoing_message.h"

namespace http {

class IncomingMessage;
class ServerConnection;
class Socket;

class ServerResponse : public OutgoingMessage,
                       public EventEmitter<Event<"finish">, Event<"close">, Event<"drain">,
                                           Event<"error", const Error&>, Event<"timeout">> {
 public:
  ServerResponse();

  // Node's plain properties (and OutgoingMessage's sendDate, true here).
  int statusCode = 200;
  std::string statusMessage;  // empty: STATUS_CODES[statusCode], or "unknown"

  // v12's writeHead. As in v12: a status message given once stays for a later
  // writeHead without one ("HTTP/1.1 404 OK"); without setHeader() a second
  // writeHead before any body replaces the head, with setHeader() it throws
  // ERR_HTTP_HEADERS_SENT. An empty status_message means none was given. Before any
  // setHeader() the headers are rendered as given, duplicates included (v12's array
  // of [name, value] pairs); after one, each goes through setHeader().
  ServerResponse& writeHead(int status_code, std::string_view status_message = {},
                            HeaderList headers = {});
  ServerResponse& writeHead(int status_code, HeaderList headers) {
    return writeHead(status_code, {}, headers);
  }
  ServerResponse& writeHead(int status_code, std::string_view status_message,
                            HeaderValuesList headers);
  ServerResponse& writeHead(int status_code, HeaderValuesList headers) {
    return writeHead(status_code, {}, headers);
  }

  void writeContinue();
  void writeProcessing();

  ServerResponse& setTimeout(uint64_t ms, std::function<void()> cb = {});

 private:
  friend class ServerConnection;
  friend class IncomingMessage;
  void Attach(ServerConnection* conn, Socket* socket, bool head_request, bool keep_alive,
              bool chunked_ok, uint64_t keep_alive_ms);
  void Reset();
  ServerResponse& WriteHeadFields(int status_code, std::string_view status_message,
                                  const HeadField* fields, size_t count);
  // OutgoingMessage
  void ImplicitHeader() override;
  void AppendFirstLine(std::string& head) const override;
  bool BodilessStatus() const override;
  void Emit(OutgoingEvent event, const Error* err) override;
  void OnceFinish(std::function<void()> cb) override;
  void BeforeFinish() override;
  void AfterClose() override;
  // Hands the exchange back to the connection once this response has emitted
  // 'close' after 'finish' and its request 'end' and 'close'. Nothing of this
  // response (or its request) may be touched after the call.
  void MaybeRecycle();

  static constexpr uint64_t kDefaultKeepAliveMs = 5000;  // v12's server.keepAliveTimeout

  // Set by the connection when the request has Expect: 100-continue (v12's
  // _expect_continue): a final status before writeContinue() closes the connection.
  bool expect_continue_ = false;
  bool sent100_ = false;
  void* exchange_ = nullptr;  // the connection's record of this request
};

}  // namespace http

#endif  // HTTP_SERVER_RESPONSE_H_
