#include "engine/listener.h"

#include <arpa/inet.h>
#include <liburing.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "engine/connection.h"
#include "engine/loop.h"
#include "engine/ring.h"

namespace engine {
namespace {
constexpr uint32_t kFirstBackoffMs = 10;
constexpr uint32_t kMaxBackoffMs = 1000;
}  // namespace

int ParseAddress(const std::string& host, uint16_t port, sockaddr_storage* addr,
                 socklen_t* len) {
  std::memset(addr, 0, sizeof(*addr));
  std::string h = host == "localhost" ? "127.0.0.1" : host;
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  auto* v4 = reinterpret_cast<sockaddr_in*>(addr);
  if (inet_pton(AF_INET, h.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    *len = sizeof(sockaddr_in);
    return 0;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(addr);
  if (inet_pton(AF_INET6, h.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    *len = sizeof(sockaddr_in6);
    return 0;
  }
  return -EINVAL;
}

int OpenListenSocket(const ListenOptions& options, uint16_t* port) {
  sockaddr_storage addr;
  socklen_t len;
  int ret = ParseAddress(options.host, options.port, &addr, &len);
  if (ret < 0) return ret;
  int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (options.reuse_port) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), len) < 0 ||
      listen(fd, options.backlog) < 0) {
    ret = -errno;
    close(fd);
    return ret;
  }
  *port = BoundPort(fd);
  return fd;
}

uint16_t BoundPort(int fd) {
  sockaddr_storage bound;
  socklen_t bound_len = sizeof(bound);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bound_len) != 0) return 0;
  return ntohs(bound.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                                          : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
}

Listener::Listener(Loop* loop, int fd, uint16_t port, AcceptMode mode, AcceptHandler* handler)
    : loop_(loop), fd_(fd), port_(port), mode_(mode), handler_(handler) {
  accept_op_ = Op{OpKind::kAccept, 0, generation_, this};
  cancel_op_ = Op{OpKind::kCancel, 0, generation_, this};
  backoff_timer_.set_callback([this] {
    if (!closed_ && accept_op_.in_flight == 0) Arm();
  });
}

Listener::~Listener() {
  if (fd_ >= 0) close(fd_);
}

void Listener::Arm() {
  io_uring_sqe* sqe = loop_->ring().GetSqe();
  if (mode_ == AcceptMode::kMultishot) {
    io_uring_prep_multishot_accept(sqe, fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  } else {
    io_uring_prep_accept(sqe, fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  }
  io_uring_sqe_set_data(sqe, &accept_op_);
  ++accept_op_.in_flight;
  ++stats_.arms;
}

void Listener::Deliver(int fd) {
  ++stats_.accepted;
  backoff_ms_ = 0;
  Connection* conn = loop_->NewConnection(fd, false);
  try {
    handler_->OnAccept(*conn);
  } catch (...) {
    loop_->ReportException(std::current_exception());
    conn->Close(-ECONNABORTED);
  }
  if (conn->handler() == nullptr) conn->Close();
}

void Listener::OnCompletion(Op& op, const Completion& c) {
  if (op.kind == OpKind::kCancel) return;
  // After Close() too: the kernel accepted it before the cancel took effect, and
  // closing it unserved would drop a client that connected in time. Not while the
  // loop tears down: nothing would close it then.
  if (c.res >= 0) {
    if (loop_->tearing_down()) {
      close(c.res);
    } else {
      Deliver(c.res);
    }
  }
  if (closed_) return;
  if (c.res == -EMFILE || c.res == -ENFILE) {
    // Out of descriptors: the accept ended. Wait, then try again; the pending
    // connection stays in the backlog meanwhile.
    stats_.last_error = c.res;
    ++stats_.backoffs;
    backoff_ms_ = backoff_ms_ == 0 ? kFirstBackoffMs : std::min(backoff_ms_ * 2, kMaxBackoffMs);
    if (accept_op_.in_flight == 0) loop_->ArmTimer(&backoff_timer_, backoff_ms_);
    return;
  } else if (c.res < 0) {
    stats_.last_error = c.res;  // e.g. ECONNABORTED: that one connection is gone
  }
  if (!c.more() && accept_op_.in_flight == 0 && !backoff_timer_.armed()) Arm();
}

size_t Listener::TakeBacklog() {
  // A socket handed to AcceptOn may be a blocking one, and another acceptor may take
  // a connection between a poll and the accept: the accepts must not block.
  int flags = fcntl(fd_, F_GETFL);
  if (flags >= 0 && (flags & O_NONBLOCK) == 0) fcntl(fd_, F_SETFL, flags | O_NONBLOCK);
  size_t n = 0;
  while (!closed_ && n < kMaxBacklogTaken) {
    int fd = accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      break;  // EAGAIN (another acceptor took it), or EMFILE: the rest stays
    }
    Deliver(fd);
    ++n;
  }
  return n;
}

void Listener::Close() {
  if (closed_) return;
  closed_ = true;
  loop_->timers().Cancel(&backoff_timer_);
  if (accept_op_.in_flight) {
    io_uring_sqe* sqe = loop_->ring().GetSqe();
    io_uring_prep_cancel(sqe, &accept_op_, 0);
    io_uring_sqe_set_data(sqe, &cancel_op_);
    ++cancel_op_.in_flight;
  }
  loop_->ListListenerForReap(this);
}

}  // namespace engine
