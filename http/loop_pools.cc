#include "http/loop_pools.h"

#include "http/server.h"

namespace http {

// A pooled exchange keeps its request and response objects, except those a
// subclassing factory makes: as in Node, each request gets new ones (a subclass may
// keep per-request state that reuse would carry over).
Exchange* LoopPools::TakeExchange() {
  const ServerOptions& o = server_->options();
  Exchange* ex;
  if (exchanges_.empty()) {
    ex = new Exchange();
  } else {
    ex = exchanges_.back().release();
    exchanges_.pop_back();
  }
  if (!ex->req || o.IncomingMessage) {
    ex->req = o.IncomingMessage ? o.IncomingMessage() : std::make_unique<IncomingMessage>();
  }
  if (!ex->res || o.ServerResponse) {
    ex->res = o.ServerResponse ? o.ServerResponse() : std::make_unique<ServerResponse>();
  }
  return ex;
}

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
  if (p->copied_bytes() != 0) copied_bytes_.fetch_add(p->copied_bytes(), std::memory_order_relaxed);
  if (parsers_.size() < kKeep) parsers_.push_back(std::move(owned));
}

}  // namespace http
