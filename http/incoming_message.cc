#include "http/incoming_message.h"

#include <algorithm>

#include "http/server_response.h"
#include "http/socket.h"

namespace http {
namespace {

// Node v12 drops later duplicates of these (_http_incoming.js matchKnownFields).
bool DropsDuplicates(std::string_view n) {
  static constexpr std::string_view kNames[] = {
      "content-type", "content-length", "user-agent",  "referer",
      "host",         "authorization",  "proxy-authorization", "if-modified-since",
      "if-unmodified-since", "from",    "location",    "max-forwards",
      "retry-after",  "etag",           "last-modified", "server",
      "age",          "expires"};
  for (std::string_view k : kNames) {
    if (k == n) return true;
  }
  return false;
}

bool HasUpper(std::string_view s) {
  for (char c : s) {
    if (c >= 'A' && c <= 'Z') return true;
  }
  return false;
}

}  // namespace

// The name as it came when it has no upper-case letter, else lower-cased into the
// arena.
std::string_view IncomingHeaders::Lowered(std::string_view name) {
  if (!HasUpper(name)) return name;
  arena_.Begin();
  char buf[128];
  while (!name.empty()) {
    size_t n = std::min(name.size(), sizeof(buf));
    for (size_t i = 0; i < n; ++i) {
      char c = name[i];
      buf[i] = c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;
    }
    arena_.Append(std::string_view(buf, n));
    name.remove_prefix(n);
  }
  return arena_.Finish();
}

// The value of the entry whose first line is `line`: that line's value, or, for a
// name Node joins, the values of its chain of lines (next[]) joined in the arena.
std::string_view IncomingHeaders::Merged(const std::vector<HeaderView>& raw, std::string_view name,
                                         uint32_t line, const uint32_t* next) {
  if (next[line] == kNoLine || DropsDuplicates(name)) return raw[line].value;
  std::string_view separator = name == "cookie" ? "; " : ", ";
  arena_.Begin();
  arena_.Append(raw[line].value);
  for (line = next[line]; line != kNoLine; line = next[line]) {
    arena_.Append(separator);
    arena_.Append(raw[line].value);
  }
  return arena_.Finish();
}

// Up to kScanLines lines, in one pass: each name is looked up among the entries made
// so far (at most 496 comparisons), and the lines of a name are chained on the stack.
void IncomingHeaders::BuildByScan(const std::vector<HeaderView>& raw, uint32_t n) {
  uint32_t first[kScanLines];
  uint32_t last[kScanLines];
  uint32_t next[kScanLines];
  bool repeats = false;
  for (uint32_t i = 0; i < n; ++i) {
    std::string_view name = Lowered(raw[i].name);
    if (name == "set-cookie") set_cookie_.push_back(raw[i].value);
    next[i] = kNoLine;
    size_t e = 0;
    while (e < entries_.size() && entries_[e].first != name) ++e;
    if (e == entries_.size()) {
      entries_.emplace_back(name, raw[i].value);
      first[e] = i;
    } else {
      next[last[e]] = i;
      repeats = true;
    }
    last[e] = i;
  }
  if (!repeats) return;
  for (size_t e = 0; e < entries_.size(); ++e) {
    entries_[e].second = Merged(raw, entries_[e].first, first[e], next);
  }
}

// More lines, in three passes, none of them quadratic:
//   1. each line's lower-cased name (and set-cookie's values, in order);
//   2. the lines sorted by name, ties in line order, so that the lines of a name are
//      neighbours (n log n comparisons, most of them settled by the lengths): each
//      line is chained to the next line of its name, and marked if it is not the
//      first;
//   3. the first line of each name, in line order, makes its entry.
void IncomingHeaders::BuildBySort(const std::vector<HeaderView>& raw, uint32_t n) {
  names_.clear();
  for (uint32_t i = 0; i < n; ++i) {
    std::string_view name = Lowered(raw[i].name);
    names_.push_back(name);
    if (name == "set-cookie") set_cookie_.push_back(raw[i].value);
  }
  order_.resize(n);
  for (uint32_t i = 0; i < n; ++i) order_[i] = i;
  std::sort(order_.begin(), order_.end(), [this](uint32_t a, uint32_t b) {
    std::string_view x = names_[a];
    std::string_view y = names_[b];
    if (x.size() != y.size()) return x.size() < y.size();
    int c = x.compare(y);
    return c != 0 ? c < 0 : a < b;
  });
  next_.assign(n, kNoLine);
  repeat_.assign(n, 0);
  for (uint32_t k = 1; k < n; ++k) {
    if (names_[order_[k]] == names_[order_[k - 1]]) {
      next_[order_[k - 1]] = order_[k];
      repeat_[order_[k]] = 1;
    }
  }
  for (uint32_t i = 0; i < n; ++i) {
    if (!repeat_[i]) entries_.emplace_back(names_[i], Merged(raw, names_[i], i, next_.data()));
  }
}

void IncomingHeaders::Build(const std::vector<HeaderView>& raw, size_t max_count) {
  entries_.clear();
  set_cookie_.clear();
  arena_.Reset();
  const uint32_t n =
      static_cast<uint32_t>(max_count == 0 ? raw.size() : std::min(raw.size(), max_count));
  if (n <= kScanLines) {
    BuildByScan(raw, n);
  } else {
    BuildBySort(raw, n);
  }
}

void IncomingHeaders::MoveViews(const ViewMove& move) {
  for (auto& [name, value] : entries_) {
    name = move(name);
    value = move(value);
  }
  for (std::string_view& v : set_cookie_) v = move(v);
}

std::optional<std::string_view> IncomingHeaders::get(std::string_view lower_name) const {
  for (const auto& [name, value] : entries_) {
    if (name == lower_name) return value;
  }
  return std::nullopt;
}

bool IncomingHeaders::has(std::string_view lower_name) const {
  return get(lower_name).has_value();
}

const IncomingHeaders& IncomingMessage::headers() {
  if (!headers_built_ && head_ != nullptr) {
    headers_.Build(head_->headers, max_headers_);
    headers_built_ = true;
  }
  return headers_;
}

const IncomingHeaders& IncomingMessage::trailers() {
  if (!trailers_built_ && head_ != nullptr && complete) {
    trailers_.Build(head_->trailers, 0);  // v12 limits only the head's fields
    trailers_built_ = true;
  }
  return trailers_;
}

// v12's Readable.pause(): the flag only; the socket goes on being read until the
// held chunks reach a limit (PushData).
IncomingMessage& IncomingMessage::pause() {
  flowing_ = Flowing::kNo;
  return *this;
}

IncomingMessage& IncomingMessage::resume() {
  ResumeFlow();
  return *this;
}

IncomingMessage& IncomingMessage::setTimeout(uint64_t ms, std::function<void()> cb) {
  if (cb) on<"timeout">(std::move(cb));
  if (socket_ != nullptr) socket_->setTimeout(ms);
  return *this;
}

void IncomingMessage::destroy() {
  if (socket_ != nullptr) socket_->destroy();
}

void IncomingMessage::Attach(MessageTransport* transport, Socket* socket, MessageHead* head,
                             size_t max_headers) {
  transport_ = transport;
  socket_ = socket;
  head_ = head;
  max_headers_ = max_headers;
}

void IncomingMessage::MoveViews(const ViewMove& move) {
  url = move(url);
  statusMessage = move(statusMessage);
  if (headers_built_) headers_.MoveViews(move);
  if (trailers_built_) trailers_.MoveViews(move);
}

void IncomingMessage::Detach() {
  StopReceiving(false);
  while (held_buffers_ != 0) ReleaseHeldBuffer();
  if (transport_ != nullptr) {
    transport_->CancelTick(resume_tick_);
    transport_->CancelTick(readable_tick_);
    transport_->CancelTick(end_tick_);
  }
  transport_ = nullptr;
  socket_ = nullptr;
  head_ = nullptr;
  response_ = nullptr;
  method = {};
  url = {};
  httpVersion = {};
  complete = aborted = headers_built_ = trailers_built_ = false;
  flowing_ = Flowing::kNull;
  eof_ = end_emitted_ = close_emitted_ = close_after_end_ = false;
  resume_scheduled_ = consuming_ = dumped_ = false;
  held_.clear();
  held_next_ = held_bytes_ = 0;
  held_copies_ = false;
  copies_.Reset();
  removeAllListeners<"data">();
  removeAllListeners<"end">();
  removeAllListeners<"aborted">();
  removeAllListeners<"close">();
  removeAllListeners<"timeout">();
}

// --- v12's Readable, as far as 'end' goes ------------------------------------------
//
// v12 emits 'end' from endReadableNT, a tick queued by read() once the stream has
// ended and flows: resume() reads on the next tick (resume_), and push(null) either
// reads at once (the stream was already being read) or on the next tick
// (emitReadable_). So 'end' comes one or two ticks after the later of the two.

void IncomingMessage::NextTick(Tick& t) {
  if (transport_ != nullptr) transport_->NextTick(t);
}

// Readable.on('data'): flowing starts unless the stream was paused.
void IncomingMessage::OnDataListener() {
  if (flowing_ != Flowing::kNo) ResumeFlow();
}

// Readable.resume(): the flag at once, the reading on the next tick.
void IncomingMessage::ResumeFlow() {
  if (flowing_ != Flowing::kYes) {
    flowing_ = Flowing::kYes;
    if (!resume_scheduled_) {
      resume_scheduled_ = true;
      NextTick(resume_tick_);
    }
  }
}

// Readable.read(): at the end, queue 'end'; before it, the first read is v12's
// _read(), which marks the message as being consumed and starts the socket's
// receiving again (readStart) once less than the limits is held.
void IncomingMessage::Read() {
  // flow(): the held chunks, in order, while the request keeps flowing (a 'data'
  // listener may pause it). Each chunk's buffer is released once its 'data' returns.
  while (flowing_ == Flowing::kYes && held_next_ < held_.size()) {
    HeldChunk chunk = std::move(held_[held_next_++]);
    held_bytes_ -= chunk.data.size();
    if (chunk.counted) {
      // The buffer stays held while a later chunk lies in it: that one carries it.
      HeldChunk* after = held_next_ < held_.size() ? &held_[held_next_] : nullptr;
      if (after != nullptr && after->buf && after->buf.data() == chunk.buf.data()) {
        after->counted = true;
      } else {
        ReleaseHeldBuffer();
      }
    }
    emit<"data">(chunk.data);
  }
  if (held_next_ == held_.size() || held_next_ >= 64) {
    // Emitted chunks leave the vector (a request that keeps pausing while its body
    // keeps arriving must not grow it).
    held_.erase(held_.begin(), held_.begin() + static_cast<std::ptrdiff_t>(held_next_));
    held_next_ = 0;
  }
  if (held_.empty() && held_copies_) {
    held_copies_ = false;
    copies_.Reset();
  }
  if (flowing_ == Flowing::kYes && !HoldsTooMuch()) StopReceiving(false);
  if (held_next_ < held_.size()) return;
  if (eof_) {
    if (!end_emitted_) NextTick(end_tick_);
  } else {
    consuming_ = true;
  }
}

void IncomingMessage::ReleaseHeldBuffer() {
  --held_buffers_;
  if (transport_ != nullptr) transport_->GiveHeldBuffer();
}

// v12's addChunk: straight to 'data' only when flowing, nothing is buffered, and the
// stream has been read once (before that, Readable's state.sync holds it back).
// Otherwise the chunk is held: in the receive buffer it lies in while that buffer is
// held already or the budgets allow, else copied. Past the high-water mark (v12's
// push() returning false, then readStop), kMaxHeldBuffers buffers, kMaxHeldChunks
// chunks, or once a chunk had to be copied, the socket stops being read.
void IncomingMessage::PushData(std::string_view chunk, const engine::RecvBuf& input) {
  if (dumped_) return;  // v12's parserOnBody skips a dumped message
  if (flowing_ == Flowing::kYes && consuming_ && held_next_ == held_.size()) {
    emit<"data">(chunk);
    return;
  }
  HeldChunk held;
  held.data = chunk;
  const HeldChunk* last = held_next_ < held_.size() ? &held_.back() : nullptr;
  if (last != nullptr && last->buf && last->buf.data() == input.data()) {
    held.buf = last->buf.Share();
  } else if (transport_ != nullptr && transport_->TakeHeldBuffer()) {
    held.buf = input.Retain();
    held.counted = true;
    ++held_buffers_;
  } else {
    held.data = copies_.Keep(chunk);
    held_copies_ = true;
    if (transport_ != nullptr) transport_->CountCopied(chunk.size());
  }
  held_.push_back(std::move(held));
  held_bytes_ += chunk.size();
  if (HoldsTooMuch()) StopReceiving(true);
}

bool IncomingMessage::HoldsTooMuch() const {
  return held_bytes_ >= kHighWaterMark || held_buffers_ >= kMaxHeldBuffers ||
         held_.size() - held_next_ >= kMaxHeldChunks || held_copies_;
}

// A request asks its connection not to read while it holds too much; the
// connection reads again once no request asks.
void IncomingMessage::StopReceiving(bool stop) {
  if (stop == stops_receiving_ || transport_ == nullptr) return;
  stops_receiving_ = stop;
  transport_->HoldReceiving(stop);
}

void IncomingMessage::Flow() {
  if (flowing_ == Flowing::kYes) Read();
}

void IncomingMessage::ResumeTick() {
  resume_scheduled_ = false;
  Read();
}

void IncomingMessage::PushEnd() {
  if (eof_) return;
  eof_ = true;
  if (consuming_) {
    Flow();  // v12's onEofChunk outside a read(): emitReadable_ at once
  } else {
    NextTick(readable_tick_);  // ... inside one (state.sync): on the next tick
  }
}

void IncomingMessage::EndTick() {
  if (end_emitted_) return;
  end_emitted_ = true;
  if (transport_ != nullptr) transport_->IncomingEnded(this);
  emit<"end">();
  if (close_after_end_) {
    EmitClose();
  } else if (response_ != nullptr) {
    response_->MaybeRecycle();  // may reuse this message: nothing follows
  }
}

// --- after the response -------------------------------------------------------------

void IncomingMessage::OnResponseFinish(ServerResponse* res) {
  response_ = res;
  if (!consuming_ && !resume_scheduled_) Dump();
  // v12's clearIncoming(): at once unless this is still the parser's message and its
  // 'end' has not been emitted yet.
  if (transport_ != nullptr && transport_->IsParserIncoming(this) && !end_emitted_) {
    close_after_end_ = true;
  } else {
    EmitClose();
  }
}

void IncomingMessage::Dump() {
  if (dumped_) return;
  dumped_ = true;
  removeAllListeners<"data">();
  ResumeFlow();
}

void IncomingMessage::EmitClose() {
  if (close_emitted_) return;
  close_emitted_ = true;
  emit<"close">();
  if (response_ != nullptr) response_->MaybeRecycle();  // may reuse this message
}

}  // namespace http
