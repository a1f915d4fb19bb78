// Listener: a listening TCP socket with multishot accept, one per loop.
//
// Several loops listening on one port each get their own socket (SO_REUSEPORT), and
// the kernel spreads new connections across them; a connection stays on the loop
// that accepted it.
//
// Accepting:
//   1. One multishot accept stays armed; each completion is a new connection,
//      handed to AcceptHandler::OnAccept with its receive armed.
//   2. When a completion arrives without IORING_CQE_F_MORE, the accept is re-armed.
//   3. On EMFILE/ENFILE (out of descriptors), accepting pauses for a back-off that
//      doubles from 10 ms up to 1 s, then re-arms. Connections already open keep
//      being served; pending ones wait in the kernel's backlog.
//
// Ownership: the loop owns listeners. Close() stops accepting; the socket is closed
// and the object freed in the loop's reap phase once the accept has drained.
#ifndef ENGINE_LISTENER_H_
#define ENGINE_LISTENER_H_

#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "engine/op.h"
#include "engine/timer.h"

namespace engine {

class Connection;
class Loop;

struct ListenOptions {
  std::string host = "0.0.0.0";  // IPv4 or IPv6 literal, or "localhost"
  uint16_t port = 0;             // 0: the kernel picks one; see Listener::port()
  int backlog = 511;             // Node's default
  bool reuse_port = true;
};

class AcceptHandler {
 public:
  virtual ~AcceptHandler() = default;
  // Loop thread, dispatch phase. Give `c` a handler (set_handler) or close it; a
  // connection left without a handler is closed.
  virtual void OnAccept(Connection& c) = 0;
};

struct ListenerStats {
  uint64_t accepted = 0;
  uint64_t arms = 0;       // accept submissions, the first one included
  uint64_t backoffs = 0;   // pauses after EMFILE/ENFILE
  int last_error = 0;
};

class Listener final : public OpOwner {
 public:
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  uint16_t port() const { return port_; }
  int fd() const { return fd_; }
  const ListenerStats& stats() const { return stats_; }
  void Close();

 private:
  friend class Loop;
  Listener(Loop* loop, int fd, uint16_t port, AcceptHandler* handler);
  ~Listener();
  void Arm();
  void OnCompletion(Op& op, const Completion& c) override;
  bool Reapable() const {
    return closed_ && accept_op_.in_flight == 0 && cancel_op_.in_flight == 0;
  }

  Loop* loop_;
  int fd_;
  uint16_t port_;
  AcceptHandler* handler_;
  Op accept_op_;
  Op cancel_op_;
  Timer backoff_timer_;
  uint32_t backoff_ms_ = 0;
  bool closed_ = false;
  ListenerStats stats_;
};

// Creates, binds and listens on a TCP socket (non-blocking, close-on-exec,
// SO_REUSEADDR, and SO_REUSEPORT when asked). Returns the fd or a negative errno;
// *port receives the bound port.
int OpenListenSocket(const ListenOptions& options, uint16_t* port);

// Parses an IPv4/IPv6 literal or "localhost" into *addr. Returns 0 or -EINVAL.
int ParseAddress(const std::string& host, uint16_t port, sockaddr_storage* addr,
                 socklen_t* len);

}  // namespace engine

#endif  // ENGINE_LISTENER_H_
