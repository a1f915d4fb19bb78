#include "http/loop_pools.h"

#include "http/server.h"

namespace http {

// A pooled exchange keeps its request and response objects, except those a
// subclassing factory makes: as in Node, each request gets new ones (a subclass may
// keep per-request state that reuse would carry over).
Exchange* LoopPools::TakeExchange() {
  const ServerOptions& o = server_->options();
  std::unique_ptr<Exchange> ex;  // (a factory that throws must not leak it)
  if (exchanges_.empty()) {
    ex = std::make_unique<Exchange>();
  } else {
    ex = std::move(exchanges_.back());
    exchanges_.pop_back();
  }
  if (!ex->req || o.IncomingMessage) {
    ex->req = o.IncomingMessage ? o.IncomingMessage() : std::make_unique<IncomingMessage>();
  }
  if (!ex->res || o.ServerResponse) {
    ex->res = o.ServerResponse ? o.ServerResponse() : std::make_unique<ServerResponse>();
  }
  return ex.release();
}

// (The connection has released its buffer and taken it off the list: Recycle.)
void LoopPools::Give(Exchange* ex) {
  std::unique_ptr<Exchange> owned(ex);
  if (exchanges_.size() < kKeep) exchanges_.push_back(std::move(owned));
}

SendBatch* LoopPools::TakeBatch() {
  if (batches_.empty()) return new SendBatch();
  SendBatch* b = batches_.back().release();
  batches_.pop_back();
  return b;
}

void LoopPools::Give(SendBatch* b) {
  std::unique_ptr<SendBatch> owned(b);
  owned->iov.clear();
  if (batches_.size() < kKeep) batches_.push_back(std::move(owned));
}

Parser* LoopPools::TakeParser(ParserEvents* events) {
  if (parsers_.empty()) {
    return new Parser(ParserType::kRequest,
                      ParserOptions{server_->options().insecureHTTPParser,
                                    server_->max_header_size()},
                      events);
  }
  Parser* p = parsers_.back().release();
  parsers_.pop_back();
  p->Rebind(events);
  return p;
}

void LoopPools::Give(Parser* p) {
  std::unique_ptr<Parser> owned(p);
  AddCopied(p->copied_bytes());
  if (parsers_.size() < kKeep) parsers_.push_back(std::move(owned));
}

// One writer (the loop's thread): no locked instruction.
void LoopPools::AddCopied(uint64_t n) {
  if (n == 0) return;
  copied_bytes_.store(copied_bytes_.load(std::memory_order_relaxed) + n,
                      std::memory_order_relaxed);
}

void LoopPools::ListRetaining(Exchange* ex) {
  if (ex->retaining) return;
  ex->retaining = true;
  ex->retaining_next = nullptr;
  ex->retaining_prev = retaining_tail_;
  if (retaining_tail_ != nullptr) retaining_tail_->retaining_next = ex;
  else retaining_head_ = ex;
  retaining_tail_ = ex;
}

void LoopPools::UnlistRetaining(Exchange* ex) {
  if (!ex->retaining) return;
  ex->retaining = false;
  if (ex->retaining_prev != nullptr) ex->retaining_prev->retaining_next = ex->retaining_next;
  else retaining_head_ = ex->retaining_next;
  if (ex->retaining_next != nullptr) ex->retaining_next->retaining_prev = ex->retaining_prev;
  else retaining_tail_ = ex->retaining_prev;
  ex->retaining_prev = ex->retaining_next = nullptr;
}

void LoopPools::MoveOutRetaining() {
  while (retaining_head_ != nullptr) {
    Exchange* ex = retaining_head_;
    UnlistRetaining(ex);
    AddCopied(ex->MoveOutOfReceiveBuffer());
  }
}

bool LoopPools::TakeHeldBuffer() {
  if (held_buffers_ >= held_budget_) return false;
  ++held_buffers_;
  return true;
}

}  // namespace http
