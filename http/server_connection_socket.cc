// ServerConnection's Socket surface: raw writes, end and destroy, the idle timeout,
// pause and resume, and the user's timers (runAfter). See http/socket.h.
#include <memory>
#include <vector>

#include "engine/loop.h"
#include "http/server_connection.h"

namespace http {

bool ServerConnection::write(std::string_view data) {
  if (closed_ || output_ended_ || conn_->closing()) return false;
  SendBatch* batch = NewBatch();
  Extras& x = extras();
  x.raw_out.Copy(data);
  x.raw_out.TakePending(&batch->iov);
  batch->bytes = data.size();
  Send(batch);
  return conn_->queued_bytes() < ServerResponse::kHighWaterMark;
}

void ServerConnection::end(std::string_view data) {
  if (!data.empty()) write(data);
  EndOutput();
}

void ServerConnection::destroy() {
  if (!closed_) conn_->Close();
}

Socket& ServerConnection::setTimeout(uint64_t ms, std::function<void()> cb) {
  if (cb) on<"timeout">(std::move(cb));
  idle_ms_ = ms;
  ArmIdleTimer(ms);
  return *this;
}

Socket& ServerConnection::pause() {
  paused_by_user_ = true;
  UpdateReceiving();
  return *this;
}

Socket& ServerConnection::resume() {
  paused_by_user_ = false;
  UpdateReceiving();
  return *this;
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
  conn_->loop().ArmTimer(&t->timer, ms);
}

// Restarts the socket timeout, as Node does on activity, in loop time (read once per
// turn, as libuv's). Activity comes once or twice a request, so the timer itself moves
// only when the new deadline is earlier than the one it is armed for; when it fires
// early it re-arms for the rest. No clock read and no timer-wheel work per request.
void ServerConnection::ArmIdleTimer(uint64_t ms) {
  engine::TimerWheel& timers = conn_->loop().timers();
  if (ms == 0) {
    idle_deadline_ = 0;
    timers.Cancel(&idle_timer_);
    return;
  }
  idle_deadline_ = conn_->loop().now_ms() + 1 + ms;
  if (!idle_timer_.armed() || idle_timer_.deadline_ms() > idle_deadline_) {
    timers.Arm(&idle_timer_, idle_deadline_);
  }
}

}  // namespace http
