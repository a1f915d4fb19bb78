// ServerConnection's pipelining queue: responses leave in request order, each turn's
// bytes in one send per connection; a peer that does not read its responses stops
// being read; the v12 tick queue that orders the exchanges' events; and each
// exchange's return to the loop's pools (http/server_connection.h has the life of a
// request).
#include "engine/loop.h"
#include "http/server.h"
#include "http/server_connection.h"

namespace http {

// --- responses -----------------------------------------------------------------

bool ServerConnection::SendMessageBytes(OutgoingMessage* res) {
  // (A connection closing already, destroyed by a listener, sends nothing more: its
  // engine connection fails only the sends queued before its reap.)
  if (output_ended_ || closed_ || conn_->closing()) return false;
  SendBatch* batch = NewBatch();
  res->out_.TakePending(&batch->iov);
  for (const iovec& v : batch->iov) batch->bytes += v.iov_len;
  batch->res = res;
  res->queued_ += batch->bytes;
  Send(batch);
  return true;
}

// v12 ends (or destroys) the socket: what was written goes out, nothing written
// after it does (a later response is never given the socket; writes fail).
void ServerConnection::EndOutput() {
  output_ended_ = true;
  conn_->End();
}

void ServerConnection::MessageEnded(OutgoingMessage* res) {
  if (queue_head_ == nullptr || queue_head_->res.get() != res) return;
  PopQueue();
  res->active_ = false;
  if (res->last_ || (last_request_read_ && queue_head_ == nullptr)) {
    // Nothing after a last response is answered (Node: the socket is ended).
    EndOutput();
    return;
  }
  if (queue_head_ != nullptr) {
    ServerResponse* next = queue_head_->res.get();
    next->active_ = true;
    next->Flush();  // may end it too, which moves on again
  } else {
    EnterKeepAliveWait();
    if (output_ended_) return;  // shutdown()'s grace was over
  }
  // Once the next response has handed its waiting bytes over (they no longer count).
  UpdateBackpressure();
}

void ServerConnection::CountWaitingBytes(int64_t delta) {
  Extras& x = extras();
  x.waiting_bytes = static_cast<size_t>(static_cast<int64_t>(x.waiting_bytes) + delta);
  if (delta < 0 && paused_by_backpressure_) UpdateBackpressure();
}

void ServerConnection::ResponseFinished(ServerResponse* res) {
  auto* ex = static_cast<Exchange*>(res->exchange_);
  ex->response_done = true;
  if (ex->request_done) Recycle(ex);
}

// --- ticks and backpressure ------------------------------------------------------

void ServerConnection::NextTick(Tick& t) {
  if (ticks_.Push(t)) ScheduleTicks();
}

void ServerConnection::CancelTick(Tick& t) {
  if (ticks_.Remove(t)) ScheduleTicks();
}

// v12 runs nextTick callbacks once the callback that queued them returns; here the
// loop's deferred phase runs them. A connection reaped before then has a new
// generation (the engine reuses its Connection), and its queue went with it.
void ServerConnection::ScheduleTicks() {
  conn_->loop().Defer([c = conn_, gen = conn_->generation()] {
    if (c->generation() == gen) {
      auto* self = static_cast<ServerConnection*>(c->handler());
      self->Guarded([self] { self->ticks_.RunScheduled(); });
    }
  });
}

// A peer that sends requests but does not read responses stops being read, and what
// waits for it must not keep receive buffers meanwhile: the exchanges retaining one
// move out at the end of the receive (ReleaseInput), or in the deferred phase when the
// pause comes from elsewhere (never under a listener still reading its views).
void ServerConnection::UpdateBackpressure() {
  // (Live exchanges: paused at kMaxLive, resumed at half, so that a pipelining peer
  // is not stopped and resumed once per request.)
  bool too_many = live_count_ >= (paused_by_backpressure_ ? kMaxLive / 2 + 1 : kMaxLive);
  bool over = too_many || conn_->queued_bytes() > kMaxQueuedBytes ||
              (extras_ && extras_->waiting_bytes >= ServerResponse::kHighWaterMark);
  if (over == paused_by_backpressure_) return;
  paused_by_backpressure_ = over;
  if (over && current_input_ == nullptr) ReleaseInputLater();
  UpdateReceiving();
  // Answered everything, and nothing held back: between requests after all.
  if (!over) MaybeEnterKeepAliveWait();
}

// --- exchanges and sends ---------------------------------------------------------

void ServerConnection::PushQueue(Exchange* ex) {
  ex->next = nullptr;
  ex->queued = true;
  if (queue_tail_ != nullptr) queue_tail_->next = ex;
  else queue_head_ = ex;
  queue_tail_ = ex;
  ++queued_;
}

Exchange* ServerConnection::PopQueue() {
  Exchange* ex = queue_head_;
  queue_head_ = ex->next;
  if (queue_head_ == nullptr) queue_tail_ = nullptr;
  ex->next = nullptr;
  ex->queued = false;
  --queued_;
  return ex;
}

Exchange* ServerConnection::NewExchange() {
  Exchange* ex = pools_->TakeExchange();
  ex->request_done = ex->response_done = ex->queued = false;
  ex->live_prev = nullptr;
  ex->live_next = live_;
  if (live_ != nullptr) live_->live_prev = ex;
  live_ = ex;
  ++live_count_;
  return ex;
}

void ServerConnection::Recycle(Exchange* ex) {
  ex->req->Detach();
  ex->res->Reset();
  ex->head.Clear();
  pools_->UnlistRetaining(ex);
  ex->buf.Release();  // the receive buffer goes back to the ring
  if (ex->live_prev != nullptr) ex->live_prev->live_next = ex->live_next;
  else live_ = ex->live_next;
  if (ex->live_next != nullptr) ex->live_next->live_prev = ex->live_prev;
  ex->live_next = ex->live_prev = nullptr;
  --live_count_;
  pools_->Give(ex);
  if (closed_) return;
  if (paused_by_backpressure_) UpdateBackpressure();
  // The last bytes of a connection that went idle have left after shutdown()'s
  // grace ran out (its timer found the connection busy).
  if (live_ == nullptr && keep_alive_wait_ && !output_ended_ && server()->GraceOver(loop_index_)) {
    CloseIfIdle();
  }
}

SendBatch* ServerConnection::NewBatch() {
  SendBatch* b = pools_->TakeBatch();
  b->owner = this;
  b->bytes = 0;
  b->res = nullptr;
  return b;
}

void ServerConnection::Send(SendBatch* batch) {
  batch->req.iov = batch->iov.data();
  batch->req.iovcnt = static_cast<uint32_t>(batch->iov.size());
  batch->req.on_done = &ServerConnection::OnBatchSent;
  batch->req.user = batch;
  wrote_anything_ = true;
  bytes_written_ += batch->bytes;
  // Writing is activity: Node's socket timeout restarts.
  if (idle_ms_ != 0 && !keep_alive_wait_) ArmIdleTimer(idle_ms_);
  conn_->Send(&batch->req);
}

void ServerConnection::OnBatchSent(engine::SendReq* req, int err) {
  auto* batch = static_cast<SendBatch*>(req->user);
  ServerConnection* self = batch->owner;
  OutgoingMessage* res = batch->res;
  size_t bytes = batch->bytes;
  self->pools_->Give(batch);
  if (res == nullptr) {
    Extras& x = *self->extras_;
    x.raw_sent += bytes;
    x.raw_out.Release(x.raw_sent);
    // A stream's 'drain': after a write() that returned false, once nothing is left
    // to send.
    if (err == 0 && self->need_drain_ && !self->closed_ && self->conn_->queued_bytes() == 0) {
      self->need_drain_ = false;
      self->Guarded([self] { self->emit<"drain">(); });
    }
  }
  if (err == 0 && res != nullptr && !self->closed_) res->OnSent(bytes);
  if (err == 0 && self->paused_by_backpressure_) self->UpdateBackpressure();
}

}  // namespace http
