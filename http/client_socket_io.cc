// ClientSocket's traffic: the request's bytes out (one send per turn and connection,
// as the engine batches them), the response's bytes in through the Parser, and the
// hand-back of the socket to its Agent once the exchange is over.
#include <llhttp.h>

#include "engine/loop.h"
#include "http/agent.h"
#include "http/client_loop.h"
#include "http/client_request.h"
#include "http/client_socket.h"
#include "http/incoming_message.h"
#include "http/server.h"
#include "http/uncaught.h"

namespace http {

// --- requests attached -----------------------------------------------------------------

Parser& ClientSocket::parser() {
  if (!parser_) {
    ParserOptions o;
    o.lenient = parser_lenient_;
    o.max_header_size = maxHeaderSize.load(std::memory_order_relaxed);
    parser_ = std::make_unique<Parser>(ParserType::kResponse, o, this);
  }
  return *parser_;
}

// v12's tickOnSocket.
void ClientSocket::Attach(ClientRequest* req) {
  req_ = req;
  ++requests_served_;
  ref();
  response_done_ = false;
  bool lenient = req->options_.insecureHTTPParser.value_or(false);
  if (parser_ && lenient != parser_lenient_) parser_.reset();
  parser_lenient_ = lenient;
  if (parser_) parser_->Reset();
}

// v12's responseKeepAlive: the request lets go of the socket; 'free' on the next
// tick, after the user's 'end' listeners have run.
void ClientSocket::Release() {
  if (free_pending_ || req_ == nullptr) return;
  free_pending_ = true;
  if (req_->timeout_listened_) {
    idle_ms_ = 0;
    ArmIdleTimer();
  }
  NextTick(free_tick_);
}

void ClientSocket::FreeTick() {
  free_pending_ = false;
  ClientRequest* r = req_;
  if (r == nullptr || closed_) return;
  req_keep_alive_ = r->keep_alive_;
  req_ = nullptr;
  r->DetachFromSocket();
  r->Done();
  if (agent_ != nullptr) {
    agent_->OnFree(*this);
  } else {
    destroy();
  }
  req_keep_alive_ = false;
}

// An 'upgrade' or 'connect' listener takes the socket: from now on its bytes are
// the listener's ('data'), and no parser reads them.
void ClientSocket::HandOver() {
  upgraded_ = true;
  req_ = nullptr;
  parser_.reset();
}

// --- receiving ---------------------------------------------------------------------------

void ClientSocket::OnData(engine::Connection& c, const engine::RecvBuf& data) {
  (void)c;
  ArmIdleTimer();  // receiving is activity
  if (upgraded_) {
    RunReportingExceptions([&] { emit<"data">(data.view()); });
    return;
  }
  if (req_ == nullptr || response_done_) {
    // Nobody asked for these bytes (a pooled socket, or past a whole response): a
    // later request must not read them as its answer.
    destroy();
    return;
  }
  Parse(data.view(), &data);
}

void ClientSocket::Parse(std::string_view bytes, const engine::RecvBuf* input) {
  current_input_ = input;
  ParseResult r;
  bool threw = !RunReportingExceptions([&] { r = parser().Execute(bytes); });
  if (threw) {
    current_input_ = nullptr;
    ReleaseInput();
    destroy();
    return;
  }
  if (r.error != 0) {
    ClientRequest* req = req_;
    current_input_ = nullptr;
    ReleaseInput();
    Error err = Error::ParseError(r.code, r.reason);
    if (req != nullptr) RunReportingExceptions([&] { req->OnParseError(err); });
    destroy();
    return;
  }
  if (r.upgraded && req_ != nullptr) {
    ClientRequest* req = req_;
    std::string_view rest = bytes.substr(r.consumed);
    RunReportingExceptions([&] { req->OnUpgrade(rest); });
    current_input_ = nullptr;
    ReleaseInput();
    return;
  }
  current_input_ = nullptr;
  ReleaseInput();
  if (r.stopped && r.consumed < bytes.size() && !destroyed_) {
    // A second response to one request (v12: the socket is destroyed).
    destroy();
  }
}

// The end of a receive: the response's head moves out of the receive buffer, which
// must not wait on the user (the response lives as long as the request).
void ClientSocket::ReleaseInput() {
  ClientRequest* r = req_;
  if (r == nullptr || !r->head_buf_) return;
  r->MoveResponseOut(r->head_buf_.view());
  r->head_buf_.Release();
}

void ClientSocket::OnEof(engine::Connection& c) {
  (void)c;
  if (upgraded_) {
    RunReportingExceptions([this] { emit<"end">(); });
    return;
  }
  // v12's socketOnEnd: no response yet is a hang-up; a body that runs to the close
  // completes. (v12 ignores what finish() returns: a body cut short is the response's
  // 'aborted', at the close, not an error.)
  ClientRequest* r = req_;
  if (r != nullptr && !response_done_) {
    RunReportingExceptions([r] { r->OnSocketEnd(); });
    if (req_ != nullptr && parser_) RunReportingExceptions([this] { parser_->Finish(); });
  }
  RunReportingExceptions([this] { emit<"end">(); });
  destroy();
}

// --- the parser's events ------------------------------------------------------------------

MessageHead* ClientSocket::OnMessageBegin() {
  req_->head_.Clear();
  req_->head_buf_.Release();
  return &req_->head_;
}

void ClientSocket::OnRetainInput() {
  if (current_input_ == nullptr) return;
  if (req_->head_buf_ && req_->head_buf_.data() == current_input_->data()) return;
  req_->head_buf_ = current_input_->Retain();
}

int ClientSocket::OnHeadersComplete(MessageHead& head) { return req_->OnResponseHead(head); }

void ClientSocket::OnBody(std::string_view data) {
  if (req_ == nullptr || !req_->has_response_ || current_input_ == nullptr) return;
  req_->response_.PushData(data, *current_input_);
}

void ClientSocket::OnMessageComplete(MessageHead& head) {
  ClientRequest* r = req_;
  if (r == nullptr) return;
  if (head.status >= 100 && head.status < 200 && head.status != 101) return;  // the final one follows
  IncomingMessage& res = r->response_;
  res.complete = true;
  res.PushEnd();
  response_done_ = true;
  parser().StopAfterMessage();
}

bool ClientSocket::IsParserIncoming(const IncomingMessage* m) const {
  return req_ != nullptr && &req_->response_ == m && !response_done_;
}

void ClientSocket::IncomingEnded(IncomingMessage* m) {
  if (req_ != nullptr && &req_->response_ == m) req_->OnResponseEnd();
}

bool ClientSocket::TakeHeldBuffer() {
  if (held_buffers_ >= IncomingMessage::kMaxHeldBuffers || !loop_->TakeHeldBuffer()) return false;
  ++held_buffers_;
  return true;
}

void ClientSocket::GiveHeldBuffer() {
  --held_buffers_;
  loop_->GiveHeldBuffer();
}

void ClientSocket::CountCopied(size_t n) { loop_->CountCopied(n); }

void ClientSocket::HoldReceiving(bool stop) {
  if (stop) ++held_stops_;
  else --held_stops_;
  UpdateReceiving();
}

// --- sending -------------------------------------------------------------------------------

bool ClientSocket::SendMessageBytes(OutgoingMessage* m) {
  if (destroyed_ || ended_) return false;
  Batch* b = NewBatch();
  m->out_.TakePending(&b->iov);
  for (const iovec& v : b->iov) b->bytes += v.iov_len;
  b->message = m;
  m->queued_ += b->bytes;
  Send(b);
  return true;
}

// v12's prefinish: the request handed everything over.
void ClientSocket::MessageEnded(OutgoingMessage* m) {
  if (req_ != nullptr && static_cast<OutgoingMessage*>(req_) == m) req_->MaybeRelease();
}

ClientSocket::Batch* ClientSocket::NewBatch() {
  Batch* b;
  if (batches_.empty()) {
    b = new Batch();
  } else {
    b = batches_.back().release();
    batches_.pop_back();
  }
  b->owner = this;
  b->bytes = 0;
  b->message = nullptr;
  b->iov.clear();
  return b;
}

void ClientSocket::Send(Batch* b) {
  b->req.iov = b->iov.data();
  b->req.iovcnt = static_cast<uint32_t>(b->iov.size());
  b->req.on_done = &ClientSocket::OnBatchSent;
  b->req.user = b;
  bytes_written_ += b->bytes;
  ArmIdleTimer();
  if (conn_ == nullptr) {
    // Still resolving: the bytes wait with the batch until the connection exists.
    unsent_.push_back(b);
    return;
  }
  conn_->Send(&b->req);
}

void ClientSocket::OnBatchSent(engine::SendReq* req, int err) {
  auto* b = static_cast<Batch*>(req->user);
  ClientSocket* self = b->owner;
  OutgoingMessage* m = b->message;
  size_t bytes = b->bytes;
  self->batches_.emplace_back(b);
  if (m == nullptr) {
    self->raw_sent_ += bytes;
    self->raw_out_.Release(self->raw_sent_);
    if (err == 0 && self->need_drain_ && self->conn_ != nullptr &&
        self->conn_->queued_bytes() == 0) {
      self->need_drain_ = false;
      RunReportingExceptions([self] { self->emit<"drain">(); });
    }
    return;
  }
  if (err == 0 && !self->closed_) RunReportingExceptions([&] { m->OnSent(bytes); });
}

// --- ticks -------------------------------------------------------------------------------------

void ClientSocket::NextTick(Tick& t) {
  if (ticks_.Push(t)) ScheduleTicks();
}

void ClientSocket::CancelTick(Tick& t) {
  if (ticks_.Remove(t)) ScheduleTicks();
}

void ClientSocket::ScheduleTicks() {
  std::weak_ptr<bool> alive = alive_;
  loop_->loop().Defer([this, alive] {
    auto a = alive.lock();
    if (!a) return;
    RunReportingExceptions([this] { ticks_.RunScheduled(); });
  });
}

}  // namespace http
