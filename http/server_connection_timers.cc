// ServerConnection's timers: the one connection timer that serves the socket's idle
// timeout and the request's deadlines, and the user's timers (runAfter).
//
// The connection timer is armed no later than the earliest deadline it serves, and
// re-arms for the rest when it fires early, so neither deadline moves it on the
// per-request path:
//   - the idle deadline moves on with activity, once or twice a request
//     (Loop::DeadlineAfter: a clock read, never a syscall); the timer moves only when
//     the new deadline is earlier than the one it is armed for;
//   - the request deadline is checked at the end of each receive, and only while a
//     message is still incomplete there: a request that arrives within one receive
//     never arms it.
#include <algorithm>
#include <memory>
#include <vector>

#include "engine/loop.h"
#include "http/server.h"
#include "http/server_connection.h"

namespace http {
namespace {

constexpr std::string_view kRequestTimeout =
    "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n";

// A deadline `ms` after `start`, or never (0) for 0; clamped as the socket timeouts
// are, which keeps it from wrapping.
uint64_t DeadlineFrom(uint64_t start, uint64_t ms) {
  return ms == 0 ? 0 : start + std::min(ms, Socket::kTimeoutMax);
}

uint64_t Earlier(uint64_t a, uint64_t b) {
  if (a == 0) return b;
  if (b == 0) return a;
  return std::min(a, b);
}

}  // namespace

void ServerConnection::ArmTimerBy(uint64_t deadline) {
  if (deadline == 0) return;
  if (!idle_timer_.armed() || idle_timer_.deadline_ms() > deadline) {
    conn_->loop().timers().Arm(&idle_timer_, deadline);
  }
}

void ServerConnection::SetIdleTimeout(uint64_t ms) {
  idle_ms_ = static_cast<uint32_t>(std::min(ms, kTimeoutMax));
  ArmIdleTimer(idle_ms_);
}

void ServerConnection::ArmIdleTimer(uint64_t ms) {
  if (ms == 0) {
    idle_deadline_ = 0;
    uint64_t request = RequestDeadline();
    if (request == 0) {
      conn_->loop().timers().Cancel(&idle_timer_);
    } else {
      ArmTimerBy(request);
    }
    return;
  }
  idle_deadline_ = conn_->loop().DeadlineAfter(std::min(ms, kTimeoutMax));
  ArmTimerBy(idle_deadline_);
}

// The message being received, from its first byte (the first request's, from the
// connection's accept, as Node 18's): its head within headersTimeout, all of it
// within requestTimeout. None between requests on a kept-alive connection (its
// keep-alive timeout applies), once it is complete, handed to an upgrade listener,
// or no longer parsed (after a parse error, or its own timeout).
uint64_t ServerConnection::RequestDeadline() const {
  if (ignore_input_ || upgraded_ || closed_) return 0;
  uint64_t start;
  bool in_head;
  if (parsing_ != nullptr) {
    start = parsing_->head_started_ms;
    in_head = parser_ != nullptr && parser_->in_head();
  } else if (!began_) {
    uint64_t now = conn_->loop().now_ms();
    start = now - static_cast<uint32_t>(static_cast<uint32_t>(now) - accepted_ms_);
    in_head = true;
  } else {
    return 0;
  }
  uint64_t whole = DeadlineFrom(start, server()->requestTimeout);
  return in_head ? Earlier(whole, DeadlineFrom(start, server()->headersTimeout)) : whole;
}

void ServerConnection::ArmRequestTimer() {
  if (parsing_ != nullptr) ArmTimerBy(RequestDeadline());
}

void ServerConnection::OnTimer() {
  uint64_t now = conn_->loop().now_ms();
  uint64_t request = RequestDeadline();
  if (request != 0 && request <= now) {
    OnRequestTimeout();
  } else if (idle_deadline_ != 0 && idle_deadline_ <= now) {
    idle_deadline_ = 0;  // once; activity arms it again
    OnIdleTimeout();
  }
  if (closed_ || conn_->closing()) return;
  ArmTimerBy(Earlier(idle_deadline_, RequestDeadline()));
}

// Node's socketOnTimeout, the socket's first 'timeout' listener: the request being
// parsed (while incomplete), the response and the server may each handle it; when
// none does, the socket is destroyed. The socket's own listeners run after it and do
// not count. (Whether it was idle is read first: a listener that ends the response
// makes the connection idle, and its bytes must still go out.)
void ServerConnection::OnIdleTimeout() {
  Guarded([this] {
    bool was_idle = keep_alive_wait_;
    bool handled = false;
    if (parsing_ != nullptr && parsing_->req->socket() != nullptr && !parsing_->req->complete) {
      handled = parsing_->req->emit<"timeout">();
    }
    if (queue_head_ != nullptr) handled |= queue_head_->res->emit<"timeout">();
    handled |= server()->emit<"timeout">(static_cast<Socket&>(*this));
    if (!handled || was_idle) destroy();
    emit<"timeout">();
  });
}

// Node 18's onRequestTimeout, through its socketOnError: the message is not parsed
// further; a 'clientError' listener gets ERR_HTTP_REQUEST_TIMEOUT and the socket;
// without one, a 408 goes out unless the response being sent has begun, and the
// socket ends after what was queued before it.
void ServerConnection::OnRequestTimeout() {
  ignore_input_ = true;
  Guarded([this] {
    ClientError e;
    e.code = "ERR_HTTP_REQUEST_TIMEOUT";
    e.message = "Request timeout";
    if (server()->emit<"clientError">(e, static_cast<Socket&>(*this))) return;
    if (queue_head_ == nullptr || !queue_head_->res->header_sent_) write(kRequestTimeout);
    EndOutput();
  });
}

void ServerConnection::runAfter(uint64_t ms, std::function<void()> cb) {
  UserTimer* t = nullptr;
  std::vector<std::unique_ptr<UserTimer>>& user_timers = extras().user_timers;
  for (auto& u : user_timers) {
    if (!u->running && !u->timer.armed()) t = u.get();
  }
  if (t == nullptr) {
    user_timers.push_back(std::make_unique<UserTimer>());
    t = user_timers.back().get();
    t->timer.set_callback([this, t] {
      std::function<void()> fn = std::move(t->cb);
      t->cb = nullptr;
      t->running = true;
      Guarded(fn);
      t->running = false;
    });
  }
  t->cb = std::move(cb);
  conn_->loop().ArmTimer(&t->timer, std::min(ms, kTimeoutMax));
}

void ServerConnection::MaybeEnterKeepAliveWait() {
  if (began_ && queue_head_ == nullptr && parsing_ == nullptr && !keep_alive_wait_ &&
      !output_ended_ && !upgraded_ && !ignore_input_ && !closed_ && !conn_->holds_input()) {
    EnterKeepAliveWait();
  }
}

void ServerConnection::EnterKeepAliveWait() {
  if (paused_by_backpressure_) return;
  if (server()->GraceOver(loop_index_)) {
    EndOutput();  // idle once shutdown()'s grace is over
    return;
  }
  keep_alive_wait_ = true;
  if (server()->keepAliveTimeout != 0) ArmIdleTimer(server()->keepAliveTimeout);
}

}  // namespace http
