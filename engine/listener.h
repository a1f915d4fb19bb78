// Listener: one loop's accepting on a listening TCP socket.
//
// Several loops of one process serve one port by accepting on one socket, each on a
// descriptor of its own (Loop::AcceptOn, AcceptMode::kOneAtATime): no other socket
// can bind the port meanwhile, so a second server, or another process, fails with
// EADDRINUSE, as Node's does. Only sockets that all ask for SO_REUSEPORT
// (ListenOptions::reuse_port) share a port, each loop then with a socket of its own
// (Loop::Listen), and the kernel spreads the connections over them by a hash of the
// peer's address, whichever process holds them. A connection stays on the loop that
// accepted it.
//
// Accepting:
//   1. kMultishot, a socket's only acceptor: one multishot accept stays armed; each
//      completion is a new connection, handed to AcceptHandler::OnAccept with its
//      receive armed. kOneAtATime, one of the loops sharing a socket: one
//      single-shot accept is armed at a time.
//   2. When a completion arrives without IORING_CQE_F_MORE (for kOneAtATime, every
//      one), the accept is re-armed: one more submission per connection, in the
//      loop's next batch, for kOneAtATime.
//   3. On EMFILE/ENFILE (out of descriptors), accepting pauses for a back-off that
//      doubles from 10 ms up to 1 s, then re-arms. Connections already open keep
//      being served; pending ones wait in the kernel's backlog.
// Why single-shot on a shared socket: the kernel wakes one waiting accept per
// connection, the first in the socket's wait queue, and a new accept waits at the
// end of it. Single-shot accepts leave the queue when woken and come back at its end,
// so the loops take turns (a busy loop, slow to re-arm, takes fewer). A multishot
// accept stays where it waits, and the first one armed takes every connection: on
// Linux 6.18, 200 of 200 for the first of two rings.
//
// Ownership: the loop owns listeners, and each listener its descriptor. Close()
// stops accepting; the descriptor is closed and the object freed in the loop's reap
// phase once the accept has drained. A connection whose accept completes after
// Close() (the kernel took it before the cancel) still goes to OnAccept: the handler
// must outlive the listener's reap. A shared socket stops listening when the last
// descriptor of it closes.
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
  // SO_REUSEPORT: the port may be bound by other sockets that set it too (of the
  // same user, in any process), and the kernel spreads connections over them.
  // Without it, binding a port that any socket holds fails with EADDRINUSE.
  bool reuse_port = false;
};

enum class AcceptMode {
  kMultishot,   // the socket's only acceptor
  kOneAtATime,  // one of several loops accepting on the socket (see the top)
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
  // Accepts, at once and without the ring, every connection waiting in the socket's
  // backlog (at most kMaxBacklogTaken, the kernel's largest backlog), handing each to
  // OnAccept; returns how many. Before a Close() that must not drop clients that
  // connected in time: closing the socket resets those still in its backlog (unless
  // the kernel moves them to another socket of a SO_REUSEPORT group:
  // net.ipv4.tcp_migrate_req). Stops early on EMFILE/ENFILE. Makes the socket
  // non-blocking (it is closing).
  static constexpr size_t kMaxBacklogTaken = 4096;
  size_t TakeBacklog();
  void Close();

 private:
  friend class Loop;
  Listener(Loop* loop, int fd, uint16_t port, AcceptMode mode, AcceptHandler* handler);
  ~Listener();
  void Arm();
  void Deliver(int fd);  // an accepted connection, to the handler
  void OnCompletion(Op& op, const Completion& c) override;
  bool Reapable() const {
    return closed_ && accept_op_.in_flight == 0 && cancel_op_.in_flight == 0;
  }

  Loop* loop_;
  int fd_;
  uint16_t port_;
  AcceptMode mode_;
  AcceptHandler* handler_;
  Op accept_op_;
  Op cancel_op_;
  Timer backoff_timer_;
  uint32_t backoff_ms_ = 0;
  bool closed_ = false;
  ListenerStats stats_;
};

// Creates, binds and listens on a TCP socket (non-blocking, close-on-exec,
// SO_REUSEADDR, SO_REUSEPORT when asked, and TCP_NODELAY, which every accepted
// socket inherits: responses leave whole, and Nagle would only delay the next one,
// so no accept pays a setsockopt of its own). Returns the fd or a negative errno;
// *port receives the bound port. The caller owns the fd.
int OpenListenSocket(const ListenOptions& options, uint16_t* port);

// The port the socket `fd` is bound to; 0 if it is not a bound IPv4 or IPv6 socket.
uint16_t BoundPort(int fd);

// Parses an IPv4/IPv6 literal or "localhost" into *addr. Returns 0 or -EINVAL.
int ParseAddress(const std::string& host, uint16_t port, sockaddr_storage* addr,
                 socklen_t* len);

}  // namespace engine

#endif  // ENGINE_LISTENER_H_
