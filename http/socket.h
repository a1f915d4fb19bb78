// Socket: the server side of one TCP connection, as Node's net.Socket shows it to
// http listeners ('connection', 'connect', 'upgrade', clientError, req.socket).
//
// Lifetime and threads: owned by the server; valid until it emits 'close'. All
// calls and callbacks on the loop thread of the connection; no callback runs from
// inside a call into the socket. Bytes passed as std::string_view are copied before
// write() returns. The view a 'data' listener gets (the bytes of a socket taken by
// 'connect' or 'upgrade') points into a receive buffer and is valid only during the
// listener: copy what you keep.
#ifndef HTTP_SOCKET_H_
#define HTTP_SOCKET_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "http/events.h"

namespace http {

class Socket : public EventEmitter<Event<"data", std::string_view>, Event<"end">,
                                   Event<"close", bool>, Event<"timeout">,
                                   Event<"drain">> {
 public:
  virtual ~Socket() = default;

  // Raw bytes, outside HTTP framing (for 'connect', 'upgrade', clientError). Returns
  // false once 16 KiB or more wait to be sent (a stream's high-water mark); 'drain'
  // follows when all of it has been sent.
  virtual bool write(std::string_view data) = 0;
  // Sends what is queued, then closes (Node's end()).
  virtual void end(std::string_view data = {}) = 0;
  // Closes now; queued bytes are dropped.
  virtual void destroy() = 0;
  // Node's TIMEOUT_MAX: longer socket timeouts are clamped to it, as Node clamps them
  // (with a TimeoutOverflowWarning there), rather than wrapped.
  static constexpr uint64_t kTimeoutMax = 2147483647;
  // Idle timeout: 'timeout' fires after ms without traffic (0 disables; at most
  // kTimeoutMax); cb is added with once(), as v12's. As v12's socketOnTimeout, the
  // server first offers the timeout to the request being received, the response and
  // the server's 'timeout' listeners, and destroys the socket when none takes it;
  // the socket's own 'timeout' listeners run after that and do not keep it open.
  virtual Socket& setTimeout(uint64_t ms, std::function<void()> cb = {}) = 0;
  virtual Socket& pause() = 0;
  virtual Socket& resume() = 0;
  // C++ addition, standing in for Node's global setTimeout: runs cb once, on this
  // socket's loop thread (never synchronously), ms from now (at most kTimeoutMax).
  // Dropped if the socket closes first.
  virtual void runAfter(uint64_t ms, std::function<void()> cb) = 0;

  std::string remoteAddress() const;
  uint16_t remotePort() const;
  bool destroyed() const { return destroyed_; }
  uint64_t bytesWritten() const { return bytes_written_; }

 protected:
  int fd_ = -1;
  bool destroyed_ = false;
  uint64_t bytes_written_ = 0;
};

}  // namespace http

#endif  // HTTP_SOCKET_H_
