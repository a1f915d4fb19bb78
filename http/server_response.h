// ServerResponse: the response to one request (Node v12's http.ServerResponse).
// Public names follow Node's spelling; see docs/API.md.
//
// Lifetime and threads:
//   - The server owns it, alongside its IncomingMessage. It is valid from the
//     'request' event until it has emitted 'finish' (after end()) or 'close' (the
//     connection went away first); do not touch it after either.
//   - All calls and callbacks on the loop thread of its connection. Events are
//     emitted from the loop, never from inside the call that causes them, except
//     where noted.
//   - Bytes passed as std::string_view are copied before the call returns; a
//     std::string&& is adopted without a copy.
//
// Errors Node throws are thrown here as http::Error with Node's code and message:
// ERR_HTTP_HEADERS_SENT, ERR_INVALID_HTTP_TOKEN, ERR_INVALID_CHAR,
// ERR_HTTP_INVALID_HEADER_VALUE, ERR_HTTP_INVALID_STATUS_CODE,
// ERR_HTTP_TRAILER_INVALID. Errors Node emits (ERR_STREAM_WRITE_AFTER_END) are
// emitted as 'error' events.
#ifndef HTTP_SERVER_RESPONSE_H_
#define HTTP_SERVER_RESPONSE_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/errors.h"
#include "http/events.h"
#include "http/out_buffer.h"
#include "http/outgoing_headers.h"

namespace http {

class ServerConnection;
class Socket;

using HeaderList = std::initializer_list<std::pair<std::string_view, std::string_view>>;

class ServerResponse
    : public EventEmitter<Event<"finish">, Event<"close">, Event<"drain">,
                          Event<"error", const Error&>, Event<"timeout">> {
 public:
  ServerResponse() = default;
  virtual ~ServerResponse() = default;
  ServerResponse(const ServerResponse&) = delete;
  ServerResponse& operator=(const ServerResponse&) = delete;

  // Node's plain properties.
  int statusCode = 200;
  std::string statusMessage;  // empty: STATUS_CODES[statusCode], or "unknown"
  bool sendDate = true;

  void setHeader(std::string_view name, std::string_view value);
  void setHeader(std::string_view name, std::vector<std::string> values);
  void setHeader(std::string_view name, int64_t value);
  // nullptr when absent; else the name as last set and its values (is_array tells
  // whether it was set from a list, as v12's getHeader returns an array then).
  const OutgoingHeaders::Entry* getHeader(std::string_view name) const;
  std::vector<std::string> getHeaderNames() const;
  bool hasHeader(std::string_view name) const;
  void removeHeader(std::string_view name);
  const OutgoingHeaders& getHeaders() const { return headers_; }
  bool headersSent() const { return head_written_; }

  ServerResponse& writeHead(int status_code, std::string_view status_message = {},
                            HeaderList headers = {});
  ServerResponse& writeHead(int status_code, HeaderList headers) {
    return writeHead(status_code, {}, headers);
  }

  // Returns false once the queued bytes pass the high-water mark (16 KiB); 'drain'
  // follows when they have been sent.
  bool write(std::string_view chunk);
  bool write(std::string&& chunk);
  bool write(const char* chunk) { return write(std::string_view(chunk)); }
  void end(std::function<void()> cb = {});
  void end(std::string_view chunk, std::function<void()> cb = {});
  void end(std::string&& chunk, std::function<void()> cb = {});
  void end(const char* chunk, std::function<void()> cb = {}) {
    end(std::string_view(chunk), std::move(cb));
  }

  void addTrailers(HeaderList trailers);
  void writeContinue();
  void writeProcessing();
  void flushHeaders();
  void cork();
  void uncork();

  bool finished() const { return ended_; }
  bool writableEnded() const { return ended_; }
  bool writableFinished() const { return finished_; }
  size_t writableLength() const;
  size_t writableHighWaterMark() const { return kHighWaterMark; }

  ServerResponse& setTimeout(uint64_t ms, std::function<void()> cb = {});
  Socket* socket() const { return socket_; }
  Socket* connection() const { return socket_; }

  static constexpr size_t kHighWaterMark = 16 * 1024;

 private:
  friend class ServerConnection;
  void Attach(ServerConnection* conn, Socket* socket, bool head_request, int http_minor,
              int http_major, bool keep_alive, bool chunked_ok, uint64_t keep_alive_ms);
  void Reset();
  // Renders the status line and headers into out_ (Node's _storeHeader).
  void RenderHead(bool from_end, size_t end_length);
  void WriteBody(std::string_view chunk, std::string* adopt);
  void Flush();
  void OnSent(size_t bytes);
  bool HasBody() const { return has_body_; }

  ServerConnection* conn_ = nullptr;
  Socket* socket_ = nullptr;
  OutgoingHeaders headers_;
  std::string trailers_;     // rendered "Name: value\r\n" lines
  OutBuf out_;
  std::function<void()> end_cb_;

  bool head_request_ = false;
  bool has_body_ = true;
  bool keep_alive_ = true;        // the request allows keeping the connection
  bool chunked_ok_ = true;        // HTTP/1.1, or 1.0 with TE: chunked
  bool chunked_ = false;
  bool last_ = false;             // close the connection after this response
  bool head_written_ = false;
  bool ended_ = false;
  bool finished_ = false;
  bool corked_ = false;
  bool need_drain_ = false;
  bool active_ = false;           // first in its connection's queue: may send
  uint64_t keep_alive_ms_ = 5000;
  size_t queued_ = 0;             // bytes handed to the socket and not yet sent
  void* exchange_ = nullptr;      // the connection's record of this request
};

}  // namespace http

#endif  // HTTP_SERVER_RESPONSE_H_
