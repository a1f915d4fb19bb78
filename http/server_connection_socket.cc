// ServerConnection's Socket surface: raw writes, end and destroy, setTimeout, pause
// and resume. See http/socket.h; the timers themselves are in
// server_connection_timers.cc.
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
  if (conn_->queued_bytes() < ServerResponse::kHighWaterMark) return true;
  need_drain_ = true;
  return false;
}

void ServerConnection::end(std::string_view data) {
  if (!data.empty()) write(data);
  EndOutput();
}

void ServerConnection::destroy() {
  if (!closed_) conn_->Close();
}

Socket& ServerConnection::setTimeout(uint64_t ms, std::function<void()> cb) {
  if (cb) once<"timeout">(std::move(cb));  // as v12's setStreamTimeout
  SetIdleTimeout(ms);
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

}  // namespace http
