// OutgoingMessage's body: write(), end(), the chunked framing, and the path of the
// bytes to the transport and back (Flush, OnSent, 'finish', 'close').
#include "http/outgoing_message.h"

#include <charconv>

#include "http/ascii.h"
#include "http/encodings.h"
#include "http/header_validation.h"
#include "http/socket.h"
#include "http/uncaught.h"

namespace http {
void OutgoingMessage::AttachOutgoing(MessageTransport* transport, Socket* socket, bool has_body,
                                     bool keep_alive, bool chunked_ok, uint64_t keep_alive_ms) {
  transport_ = transport;
  socket_ = socket;
  has_body_ = has_body;
  keep_alive_ = keep_alive;
  chunked_ok_ = chunked_ok;
  keep_alive_ms_ = keep_alive_ms;
}

void OutgoingMessage::BindTransport(MessageTransport* transport, Socket* socket, bool flush) {
  transport_ = transport;
  socket_ = socket;
  active_ = true;
  if (!pending_errors_.empty()) transport_->NextTick(error_tick_);
  if (flush) Flush();
}

void OutgoingMessage::DetachTransport() {
  if (transport_ == nullptr) return;
  CountWaiting(0);
  for (Tick* t : {&finish_tick_, &close_tick_, &error_tick_}) {
    if (t->queued) transport_->CancelTick(*t);
  }
  finish_tick_.held = false;
  transport_ = nullptr;
  socket_ = nullptr;
  active_ = false;
}

bool OutgoingMessage::RewindHeadOnly() {
  if (wrote_body_ || !ended_ || !head_written_) return false;
  out_.Reset();
  sent_total_ = 0;
  queued_ = 0;
  header_sent_ = false;
  write_cbs_.clear();
  Send(std::string_view());
  if (has_body_ && chunked_) {
    Send("0\r\n");
    out_.Copy(trailers_);
    out_.Reference(kCrlf);
  }
  return true;
}

void OutgoingMessage::ResetOutgoing() {
  // (Its listeners may throw: the reset must still happen, whoever recycles it.)
  RunReportingExceptions([this] { EmitPendingErrors(); });
  if (transport_ != nullptr) {
    CountWaiting(0);
    for (Tick* t : {&finish_tick_, &close_tick_, &error_tick_}) {
      if (t->queued) transport_->CancelTick(*t);
    }
  }
  finish_tick_.held = false;
  headers_.clear();
  headers_object_ = false;
  sendDate = false;
  header_.clear();
  trailers_.clear();
  out_.Reset();
  content_length_ = -1;
  sent_total_ = 0;
  write_cbs_.clear();
  has_body_ = true;
  keep_alive_ = true;
  chunked_ok_ = true;
  default_keep_alive_ = true;
  chunked_ = last_ = head_written_ = header_sent_ = ended_ = finished_ = corked_ = false;
  close_emitted_ = false;
  need_drain_ = active_ = wrote_body_ = false;
  removed_connection_ = removed_content_length_ = removed_te_ = false;
  keep_alive_ms_ = 0;
  via_agent_ = false;
  queued_ = 0;
  counted_waiting_ = 0;
  transport_ = nullptr;
  socket_ = nullptr;
}

// --- body ----------------------------------------------------------------------

void OutgoingMessage::Send(Chunk chunk) {
  if (!header_sent_) {
    out_.Copy(header_);
    header_sent_ = true;
  }
  if (chunk.share != nullptr)
    out_.Share(std::move(*chunk.share));
  else if (chunk.adopt != nullptr)
    out_.Adopt(std::move(*chunk.adopt));
  else if (!chunk.bytes.empty())
    out_.Copy(chunk.bytes);
}

// v12's write_: the head if none yet, then the chunk (framed when chunked).
bool OutgoingMessage::WriteChunk(Chunk piece, WriteCallback cb, bool from_end) {
  std::string_view chunk = piece.bytes;
  if (!head_written_) ImplicitHeader();
  if (!has_body_) {
    // v12 drops the bytes and calls back on the next tick.
    if (cb) RunCallbacks({std::move(cb)});
    return true;
  }
  if (!chunk.empty()) wrote_body_ = true;
  if (chunked_ && !chunk.empty()) {
    char size[20];
    char* e = std::to_chars(size, size + 16, chunk.size(), 16).ptr;
    *e++ = '\r';
    *e++ = '\n';
    Send(std::string_view(size, static_cast<size_t>(e - size)));
    Send(piece);
    out_.Reference(kCrlf);
  } else {
    Send(piece);
  }
  if (cb) {
    write_cbs_.emplace_back(sent_total_ + queued_ + out_.pending_bytes(), std::move(cb));
  }
  if (!from_end) Flush();
  bool ok = writableLength() < kHighWaterMark;
  if (!ok && !from_end) need_drain_ = true;
  return ok;
}

// v12: ERR_STREAM_WRITE_AFTER_END as an 'error' event on the next tick, and true.
// The tick is embedded in this message and queued on its connection: ResetOutgoing() takes
// it off before the object is reused or freed (a factory's objects are freed when
// the next request takes the exchange), so no deferred call outlives the message.
// A 'finish' tick queued before it emits the errors first (FinishTick).
bool OutgoingMessage::WriteAfterEnd(WriteCallback cb) {
  pending_errors_.push_back(std::move(cb));
  if (transport_ != nullptr) transport_->NextTick(error_tick_);
  return true;
}

void OutgoingMessage::EmitPendingErrors() {
  while (!pending_errors_.empty()) {
    std::vector<WriteCallback> cbs = std::move(pending_errors_);
    pending_errors_.clear();
    Error err = Error::WriteAfterEnd();
    for (auto& cb : cbs) {
      Emit(OutgoingEvent::kError, &err);
      if (cb) cb(&err);
    }
  }
}

void OutgoingMessage::RunCallbacks(std::vector<WriteCallback> cbs) {
  if (socket_ == nullptr) {
    for (auto& cb : cbs) cb(nullptr);
    return;
  }
  socket_->runAfter(0, [cbs = std::move(cbs)] {
    for (auto& cb : cbs) cb(nullptr);
  });
}

bool OutgoingMessage::write(std::string_view chunk) {
  if (ended_) return WriteAfterEnd({});
  return WriteChunk(Chunk{chunk}, {}, false);
}

bool OutgoingMessage::write(std::string&& chunk) {
  if (ended_) return WriteAfterEnd({});
  return WriteChunk(Chunk{chunk, &chunk}, {}, false);
}

bool OutgoingMessage::write(std::shared_ptr<const std::string> chunk) {
  if (ended_) return WriteAfterEnd({});
  if (!chunk) return WriteChunk(Chunk{}, {}, false);
  return WriteChunk(Chunk{*chunk, nullptr, &chunk}, {}, false);
}

bool OutgoingMessage::write(std::string_view chunk, WriteCallback cb) {
  if (ended_) return WriteAfterEnd({});  // v12 never calls cb here
  return WriteChunk(Chunk{chunk}, std::move(cb), false);
}

bool OutgoingMessage::write(std::string_view chunk, std::string_view encoding, WriteCallback cb) {
  if (ended_) return WriteAfterEnd(std::move(cb));
  std::string bytes = DecodeChunk(chunk, encoding);
  return WriteChunk(Chunk{bytes}, std::move(cb), false);
}

void OutgoingMessage::end(std::function<void()> cb) { EndImpl(Chunk{}, std::move(cb)); }

void OutgoingMessage::end(std::string_view chunk, std::function<void()> cb) {
  EndImpl(Chunk{chunk}, std::move(cb));
}

void OutgoingMessage::end(std::string&& chunk, std::function<void()> cb) {
  EndImpl(Chunk{chunk, &chunk}, std::move(cb));
}

void OutgoingMessage::end(std::shared_ptr<const std::string> chunk, std::function<void()> cb) {
  if (!chunk) return EndImpl(Chunk{}, std::move(cb));
  EndImpl(Chunk{*chunk, nullptr, &chunk}, std::move(cb));
}

void OutgoingMessage::end(std::string_view chunk, std::string_view encoding,
                          std::function<void()> cb) {
  if (ended_) return;
  std::string bytes = DecodeChunk(chunk, encoding);
  EndImpl(Chunk{bytes}, std::move(cb));
}

// v12's end: the length is known only if the head is not rendered yet.
void OutgoingMessage::EndImpl(Chunk piece, std::function<void()> cb) {
  if (ended_) return;
  std::string_view chunk = piece.bytes;
  if (!chunk.empty()) {
    if (!head_written_) content_length_ = static_cast<int64_t>(chunk.size());
    WriteChunk(piece, {}, true);
  } else if (!head_written_) {
    content_length_ = 0;
    ImplicitHeader();
  }
  if (cb) OnceFinish(std::move(cb));
  if (has_body_ && chunked_) {
    Send("0\r\n");
    out_.Copy(trailers_);
    out_.Reference(kCrlf);
  } else {
    Send(std::string_view());
  }
  ended_ = true;
  corked_ = false;
  Flush();
}

void OutgoingMessage::addTrailers(HeaderList trailers) {
  trailers_.clear();
  for (const auto& [name, value] : trailers) {
    ValidateTrailerName(name);
    ValidateTrailerValue(name, value);
    trailers_.append(name).append(": ").append(value).append(kCrlf);
  }
}

void OutgoingMessage::flushHeaders() {
  if (!head_written_) ImplicitHeader();
  Send(std::string_view());
  Flush();
}

void OutgoingMessage::cork() { corked_ = true; }

void OutgoingMessage::uncork() {
  corked_ = false;
  Flush();
}

size_t OutgoingMessage::writableLength() const { return out_.pending_bytes() + queued_; }

// Hands pending bytes to the connection when this message may send (it is the
// first in its connection's queue) and is not corked. Once an ended message has
// handed over its last bytes, its 'finish' tick is queued (v12 queues it when the
// socket write of those bytes returns), held until they have been sent.
void OutgoingMessage::Flush() {
  if (transport_ == nullptr) return;
  // A message waiting behind an earlier one buffers its bytes; the connection counts
  // them (v12's outgoingData) to stop reading requests that pile up.
  CountWaiting(active_ ? 0 : out_.pending_bytes());
  if (!active_ || (corked_ && !ended_)) return;
  // Once the socket's output has ended, v12 writes nothing more, and emits no 'finish'.
  if (!out_.empty() && !transport_->SendMessageBytes(this)) return;
  if (ended_) {
    finish_tick_.held = queued_ != 0;
    transport_->NextTick(finish_tick_);
    transport_->MessageEnded(this);
  }
}

void OutgoingMessage::CountWaiting(size_t bytes) {
  if (bytes == counted_waiting_) return;
  transport_->CountWaitingBytes(static_cast<int64_t>(bytes) -
                                static_cast<int64_t>(counted_waiting_));
  counted_waiting_ = bytes;
}

void OutgoingMessage::OnSent(size_t bytes) {
  queued_ -= bytes;
  sent_total_ += bytes;
  // What has left needs no storage: a long stream stays small. (A message that has
  // ended and left whole is reset as it is recycled, which frees the same.)
  if (!ended_ || queued_ != 0) out_.Release(sent_total_);
  if (!write_cbs_.empty()) {
    size_t n = 0;
    while (n < write_cbs_.size() && write_cbs_[n].first <= sent_total_) ++n;
    if (n != 0) {
      std::vector<std::pair<uint64_t, WriteCallback>> done(
          std::make_move_iterator(write_cbs_.begin()),
          std::make_move_iterator(write_cbs_.begin() + static_cast<std::ptrdiff_t>(n)));
      write_cbs_.erase(write_cbs_.begin(), write_cbs_.begin() + static_cast<std::ptrdiff_t>(n));
      for (auto& [mark, cb] : done) cb(nullptr);
    }
  }
  if (need_drain_ && writableLength() < kHighWaterMark && !ended_) {
    need_drain_ = false;
    Emit(OutgoingEvent::kDrain, nullptr);
  }
  if (ended_ && queued_ == 0 && out_.empty() && finish_tick_.held) {
    transport_->ReleaseTick(finish_tick_);  // may run the ticks, and reuse this message
  }
}

void OutgoingMessage::FinishTick() {
  if (queued_ != 0 || !out_.empty()) {
    EmitClose();  // run by the connection's close: the bytes never left
    return;
  }
  EmitPendingErrors();
  if (finished_) return;  // a message sent again (RewindHeadOnly) finishes once
  finished_ = true;
  BeforeFinish();
  if (ClosesAfterFinish()) transport_->NextTick(close_tick_);  // v12's emitCloseNT
  Emit(OutgoingEvent::kFinish, nullptr);
}

void OutgoingMessage::EmitClose() {
  if (close_emitted_) return;
  close_emitted_ = true;
  Emit(OutgoingEvent::kClose, nullptr);
  AfterClose();
}

}  // namespace http
