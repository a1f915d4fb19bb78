// ClientSocket: connecting (name resolution off the loop, then the ring's connect),
// the Socket surface (raw writes, timeouts, pause), and the close.
#include "http/client_socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/un.h>

#include <cstring>

#include "engine/loop.h"
#include "engine/resolver.h"
#include "http/agent.h"
#include "http/ascii.h"
#include "http/client_loop.h"
#include "http/client_request.h"
#include "http/uncaught.h"

namespace http {
namespace {

// The handler of a connection whose socket went with its loop's client (teardown).
class InertHandler final : public engine::ConnectionHandler {
 public:
  void OnData(engine::Connection&, const engine::RecvBuf&) override {}
  void OnEof(engine::Connection& c) override { c.Close(); }
  void OnClose(engine::Connection&, int) override {}
};

InertHandler& Inert() {
  static InertHandler h;
  return h;
}

}  // namespace

ClientSocket::ClientSocket(ClientLoop* loop) : loop_(loop), alive_(std::make_shared<bool>(true)) {
  idle_timer_.set_callback([this] { OnIdleTimeout(); });
}

ClientSocket::~ClientSocket() { *alive_ = false; }

// --- connecting ----------------------------------------------------------------------

void ClientSocket::Connect(const RequestOptions& options) {
  options_ = options;
  connecting_ = true;
  if (!options.socketPath.empty()) {
    sockaddr_un un{};
    un.sun_family = AF_UNIX;
    if (options.socketPath.size() >= sizeof(un.sun_path)) {
      Fail(Error::ExceptionWithHostPort(-ENAMETOOLONG, "connect", options.socketPath));
      return;
    }
    std::memcpy(un.sun_path, options.socketPath.data(), options.socketPath.size());
    address_ = options.socketPath;
    StartConnect(reinterpret_cast<sockaddr*>(&un), sizeof(un));
    return;
  }
  const std::string& host = options.host;
  port_ = options.port;
  if (auto numeric = engine::Resolver::ParseNumeric(host, options.port)) {
    address_ = host;
    StartConnect(numeric->sa(), numeric->len);
    return;
  }
  std::weak_ptr<bool> alive = alive_;
  if (options.lookup) {
    options.lookup(host, options.family,
                   [this, alive](const Error* err, const std::string& address, int family) {
                     auto a = alive.lock();
                     if (!a || !*a || destroyed_) return;
                     if (err != nullptr) return Fail(*err);
                     ConnectResolved(address, family);
                   });
    return;
  }
  engine::LookupOptions lo;
  lo.family = options.family;
  lookup_ = engine::Resolver::Lookup(
      loop_->mailbox(), host, options.port, lo, [this, alive, host](engine::LookupResult found) {
        auto a = alive.lock();
        if (!a || !*a || destroyed_) return;
        if (found.err != 0) {
          const char* code = engine::Resolver::ErrorCode(found.err, found.sys_errno);
          Fail(Error(ErrorType::kError, code, engine::Resolver::ErrorMessage(found, host)));
          return;
        }
        const engine::Address& first = found.addresses.front();
        address_ = first.ip();
        StartConnect(first.sa(), first.len);
      });
}

void ClientSocket::ConnectResolved(const std::string& address, int family) {
  (void)family;
  auto numeric = engine::Resolver::ParseNumeric(address, options_.port);
  if (!numeric) {
    Fail(Error(ErrorType::kTypeError, "ERR_INVALID_IP_ADDRESS", "Invalid IP address: " + address));
    return;
  }
  address_ = address;
  StartConnect(numeric->sa(), numeric->len);
}

void ClientSocket::StartConnect(const sockaddr* addr, socklen_t len) {
  std::optional<engine::Address> local;
  if (!options_.localAddress.empty()) {
    local = engine::Resolver::ParseNumeric(options_.localAddress, 0);
    if (!local) {
      Fail(Error(ErrorType::kTypeError, "ERR_INVALID_IP_ADDRESS",
                 "Invalid IP address: " + options_.localAddress));
      return;
    }
  }
  engine::Connection* c = nullptr;
  int rc = loop_->loop().Connect(addr, len, this, &c,
                                 local ? local->sa() : nullptr,
                                 local ? local->len : 0);
  if (rc < 0) {
    Fail(Error::ExceptionWithHostPort(rc, local && rc == -EADDRNOTAVAIL ? "bind" : "connect",
                                      address_, port_));
    return;
  }
  conn_ = c;
  fd_ = c->fd();
  conn_->user_data = this;
  for (Batch* b : unsent_) conn_->Send(&b->req);
  unsent_.clear();
  if (ended_) conn_->End();
  if (addr->sa_family != AF_UNIX && no_delay_) {
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
}

void ClientSocket::OnConnect(engine::Connection& c, int err) {
  (void)c;
  connecting_ = false;
  if (err < 0) {
    Fail(Error::ExceptionWithHostPort(err, "connect", address_, port_));
    return;
  }
  connected_ = true;
  ArmIdleTimer();
  if (req_ != nullptr) {
    ClientRequest* r = req_;
    RunReportingExceptions([r] { r->OnSocketConnect(); });
  }
}

// v12's socket 'error' (socketErrorListener on the request), then the close.
void ClientSocket::Fail(const Error& err) {
  if (had_error_ || closed_) return;
  had_error_ = true;
  connecting_ = false;
  if (req_ != nullptr) {
    ClientRequest* r = req_;
    RunReportingExceptions([&] { r->OnSocketError(err); });
  } else {
    // No request listens yet (the socket's tick is due): it hears the error when it
    // attaches, as v12's request finds its socket failed.
    pending_error_ = err;
  }
  destroy();
}

// --- the Socket surface ----------------------------------------------------------------

bool ClientSocket::write(std::string_view data) {
  if (destroyed_ || ended_) return false;
  raw_out_.Copy(data);
  Batch* b = NewBatch();
  raw_out_.TakePending(&b->iov);
  for (const iovec& v : b->iov) b->bytes += v.iov_len;
  Send(b);
  bool ok = conn_ == nullptr || conn_->queued_bytes() < OutgoingMessage::kHighWaterMark;
  if (!ok) need_drain_ = true;
  return ok;
}

void ClientSocket::end(std::string_view data) {
  if (!data.empty()) write(data);
  if (ended_ || destroyed_) return;
  ended_ = true;
  if (conn_ != nullptr) conn_->End();
}

void ClientSocket::destroy() {
  if (destroyed_) return;
  destroyed_ = true;
  ref();  // as a closing handle in Node, it keeps the loop until its close is reported
  ended_ = true;
  connecting_ = false;
  *alive_ = false;
  lookup_.Cancel();
  if (conn_ != nullptr) {
    conn_->Close();
  } else {
    // Not connected (still resolving, or the connect could not start): the close
    // comes in the deferred phase, as the engine's would.
    loop_->loop().Defer([this, alive = std::weak_ptr<bool>(alive_)] {
      if (!alive.expired()) Closed(0);
    });
  }
}

Socket& ClientSocket::setTimeout(uint64_t ms, std::function<void()> cb) {
  idle_ms_ = ms > kTimeoutMax ? kTimeoutMax : ms;
  if (cb) once<"timeout">(std::move(cb));
  ArmIdleTimer();
  return *this;
}

void ClientSocket::ArmIdleTimer() {
  if (idle_ms_ == 0 || closed_) {
    loop_->loop().timers().Cancel(&idle_timer_);
    return;
  }
  loop_->loop().ArmTimer(&idle_timer_, idle_ms_);
}

// v12's socket 'timeout': the agent's listener (a free socket is destroyed), then
// the request's (it emits 'timeout'), then the socket's own.
void ClientSocket::OnIdleTimeout() {
  if (closed_) return;
  RunReportingExceptions([this] {
    if (agent_ != nullptr && req_ == nullptr) agent_->OnSocketTimeout(*this);
    if (req_ != nullptr) req_->OnSocketTimeout();
    if (!closed_) emit<"timeout">();
  });
}

Socket& ClientSocket::pause() {
  paused_by_user_ = true;
  UpdateReceiving();
  return *this;
}

Socket& ClientSocket::resume() {
  paused_by_user_ = false;
  UpdateReceiving();
  return *this;
}

void ClientSocket::UpdateReceiving() {
  if (conn_ == nullptr || closed_) return;
  bool stop = paused_by_user_ || held_stops_ != 0;
  if (stop && !conn_->recv_paused()) conn_->PauseRecv();
  else if (!stop && conn_->recv_paused()) conn_->ResumeRecv();
}

void ClientSocket::runAfter(uint64_t ms, std::function<void()> cb) {
  std::weak_ptr<bool> alive = alive_;
  loop_->SetTimeout(
      [alive, cb = std::move(cb)] {
        auto a = alive.lock();
        if (a && *a) cb();
      },
      ms > kTimeoutMax ? kTimeoutMax : ms);
}

void ClientSocket::setNoDelay(bool noDelay) {
  no_delay_ = noDelay;
  if (fd_ < 0) return;
  int v = noDelay ? 1 : 0;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v));
}

void ClientSocket::setKeepAlive(bool enable, uint64_t initialDelay) {
  if (fd_ < 0) return;
  int v = enable ? 1 : 0;
  setsockopt(fd_, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof(v));
  if (enable && initialDelay != 0) {
    int secs = static_cast<int>(initialDelay / 1000 > 0 ? initialDelay / 1000 : 1);
    setsockopt(fd_, IPPROTO_TCP, TCP_KEEPIDLE, &secs, sizeof(secs));
  }
}

void ClientSocket::ref() {
  if (refed_) return;
  refed_ = true;
  loop_->Ref();
}

void ClientSocket::unref() {
  if (!refed_) return;
  refed_ = false;
  loop_->Unref();
}

uint16_t ClientSocket::localPort() const {
  if (fd_ < 0) return 0;
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  return 0;
}

void ClientSocket::NoteKeepAliveTimeout(const MessageHead& head) {
  server_keep_alive_ms_ = 0;
  for (const HeaderView& h : head.headers) {
    if (h.name.size() != 10 || !EqualsIgnoreCase(h.name, "keep-alive")) continue;
    size_t at = h.value.find("timeout=");
    if (at == std::string_view::npos) continue;
    uint64_t secs = 0;
    for (size_t i = at + 8; i < h.value.size() && h.value[i] >= '0' && h.value[i] <= '9'; ++i) {
      secs = secs * 10 + static_cast<uint64_t>(h.value[i] - '0');
      if (secs > kTimeoutMax / 1000) break;
    }
    server_keep_alive_ms_ = secs * 1000;
  }
}

void ClientSocket::agentRemove() {
  if (agent_ == nullptr) return;
  Agent* a = agent_;
  a->RemoveSocket(*this);
  agent_ = nullptr;
}

// --- the close ---------------------------------------------------------------------

void ClientSocket::OnClose(engine::Connection& c, int err) {
  (void)c;
  conn_ = nullptr;
  if (err < 0 && err != -ECANCELED && !had_error_ && !destroyed_) {
    had_error_ = true;
    Error e = Error::ErrnoException(err, "read");
    if (req_ != nullptr) {
      ClientRequest* r = req_;
      RunReportingExceptions([&] { r->OnSocketError(e); });
    }
    // v12: the error on a tick, the close from the handle's close callback, after the
    // ticks that the error's listeners queued (a retry's 'socket').
    loop_->loop().Defer([this, err, alive = std::weak_ptr<bool>(alive_)] {
      if (!alive.expired()) Closed(err);
    });
    return;
  }
  Closed(err);
}

// v12's order at a socket's close: the agent forgets it (its listener came first),
// then the request hears it (socketCloseListener), then the socket's own 'close'.
void ClientSocket::Closed(int err) {
  if (closed_) return;
  closed_ = true;
  destroyed_ = true;
  *alive_ = false;
  loop_->loop().timers().Cancel(&idle_timer_);
  for (Batch* b : unsent_) batches_.emplace_back(b);
  unsent_.clear();
  if (agent_ != nullptr) {
    Agent* a = agent_;
    agent_ = nullptr;
    RunReportingExceptions([&] { a->RemoveSocket(*this); });
  }
  if (req_ != nullptr) {
    ClientRequest* r = req_;
    RunReportingExceptions([&] { r->OnSocketClose(); });
    while (!ticks_.empty()) RunReportingExceptions([this] { ticks_.RunAll(); });
    req_ = nullptr;
    r->DetachFromSocket();
    if (r->retrying_) r->Resend();
    else r->Done();
  }
  while (!ticks_.empty()) RunReportingExceptions([this] { ticks_.RunAll(); });
  RunReportingExceptions([&] { emit<"close">(err != 0 || had_error_); });
  loop_->SocketClosed(this);
}

void ClientSocket::Abandon() {
  *alive_ = false;
  if (agent_ != nullptr) {
    agent_->Forget(*this);
    agent_ = nullptr;
  }
  if (req_ != nullptr) {
    req_->DetachFromSocket();
    req_ = nullptr;
  }
  if (conn_ != nullptr) {
    conn_->set_handler(&Inert());
    conn_->Close();
    conn_ = nullptr;
  }
  closed_ = true;
}

}  // namespace http
