// IncomingMessage: a request as the server's 'request' listener sees it (Node v12's
// http.IncomingMessage). Public names follow Node's spelling; see docs/API.md.
//
// Lifetime and threads:
//   - The server owns every IncomingMessage. It is valid from the 'request' event
//     until its ServerResponse has emitted 'finish' or 'close' and this message has
//     been read to its end (or the connection closed).
//   - Callbacks run on the loop thread of the message's connection, never from
//     inside a call into the message.
//   - method, url, and the views of rawHeaders()/rawTrailers() point into receive
//     buffers the message retains (see http/parser.h); they stay valid as long as the
//     message. The std::string_view passed to 'data' is valid only during the
//     listener: copy what you keep.
#ifndef HTTP_INCOMING_MESSAGE_H_
#define HTTP_INCOMING_MESSAGE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/buffer.h"
#include "http/events.h"
#include "http/parser.h"

namespace http {

class ServerConnection;
class Socket;

// Node's req.headers: names lower-cased; duplicates merged by Node's rules.
class IncomingHeaders {
 public:
  // The value of a single-valued header (joined where Node joins), or nullopt.
  std::optional<std::string_view> get(std::string_view lower_name) const;
  // set-cookie's values (Node keeps it as an array); empty if absent.
  const std::vector<std::string>& setCookie() const { return set_cookie_; }
  bool has(std::string_view lower_name) const;
  // Name/value pairs in first-seen order (set-cookie once, joined by ", " here).
  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }

 private:
  friend class IncomingMessage;
  void Build(const std::vector<HeaderView>& raw, size_t max_count);
  std::vector<std::pair<std::string, std::string>> entries_;
  std::vector<std::string> set_cookie_;
};

class IncomingMessage
    : public EventEmitter<Event<"data", std::string_view>, Event<"end">, Event<"aborted">,
                          Event<"close">> {
 public:
  IncomingMessage() = default;
  virtual ~IncomingMessage() = default;
  IncomingMessage(const IncomingMessage&) = delete;
  IncomingMessage& operator=(const IncomingMessage&) = delete;

  // Node's plain properties.
  std::string_view method;
  std::string_view url;      // writable, as in Node (routers rewrite it)
  std::string_view httpVersion;
  int httpVersionMajor = 1;
  int httpVersionMinor = 1;
  bool complete = false;     // the whole body was received
  bool aborted = false;      // the connection closed before the message completed
  int statusCode = 0;        // responses (client side) only
  std::string_view statusMessage;

  // Built on first use (so a handler that never looks pays nothing).
  const IncomingHeaders& headers();
  const IncomingHeaders& trailers();
  const std::vector<HeaderView>& rawHeaders() const { return head_->headers; }
  const std::vector<HeaderView>& rawTrailers() const { return head_->trailers; }

  Socket* socket() const { return socket_; }
  Socket* connection() const { return socket_; }

  // Stop or restart the flow of 'data': pausing stops reading from the socket.
  IncomingMessage& pause();
  IncomingMessage& resume();
  bool isPaused() const { return paused_; }
  // Sets the socket's idle timeout; cb is added as a 'timeout' listener.
  IncomingMessage& setTimeout(uint64_t ms, std::function<void()> cb = {});
  // Destroys the socket (the connection closes; the response emits 'close').
  void destroy();

 private:
  friend class ServerConnection;
  void Attach(ServerConnection* conn, Socket* socket, MessageHead* head, size_t max_headers);
  void Detach();

  ServerConnection* conn_ = nullptr;
  Socket* socket_ = nullptr;
  MessageHead* head_ = nullptr;
  size_t max_headers_ = 2000;
  bool paused_ = false;
  bool headers_built_ = false;
  bool trailers_built_ = false;
  IncomingHeaders headers_;
  IncomingHeaders trailers_;
};

}  // namespace http

#endif  // HTTP_INCOMING_MESSAGE_H_
