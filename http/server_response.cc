#include "http/server_response.h"

#include <strings.h>

#include <charconv>
#include <cstring>

#include "http/date_cache.h"
#include "http/header_validation.h"
#include "http/server_connection.h"
#include "http/status_codes.h"

namespace http {
namespace {

constexpr std::string_view kCrlf = "\r\n";

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// v12's RE_CONN_CLOSE and RE_TE_CHUNKED: /(?:^|\W)token(?:$|\W)/i.
bool HasWordIgnoreCase(std::string_view value, std::string_view word) {
  for (size_t i = 0; i + word.size() <= value.size(); ++i) {
    if (strncasecmp(value.data() + i, word.data(), word.size()) != 0) continue;
    bool start_ok = i == 0 || !IsWordChar(value[i - 1]);
    size_t end = i + word.size();
    bool end_ok = end == value.size() || !IsWordChar(value[end]);
    if (start_ok && end_ok) return true;
  }
  return false;
}

void AppendDecimal(std::string& s, uint64_t v) {
  char buf[24];
  char* e = std::to_chars(buf, buf + sizeof(buf), v).ptr;
  s.append(buf, static_cast<size_t>(e - buf));
}

bool NoBody(int code) { return code == 204 || code == 304 || (code >= 100 && code <= 199); }

// The bytes Buffer.from(chunk, encoding) gives, for the encodings the C++ API takes.
std::string Decode(std::string_view chunk, std::string_view encoding) {
  if (EqualsIgnoreCase(encoding, "hex")) {
    auto nibble = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    std::string out;
    for (size_t i = 0; i + 1 < chunk.size(); i += 2) {
      int hi = nibble(chunk[i]), lo = nibble(chunk[i + 1]);
      if (hi < 0 || lo < 0) break;  // Node stops at the first non-hex pair
      out.push_back(static_cast<char>(hi * 16 + lo));
    }
    return out;
  }
  if (EqualsIgnoreCase(encoding, "utf8") || EqualsIgnoreCase(encoding, "utf-8") ||
      EqualsIgnoreCase(encoding, "latin1") || EqualsIgnoreCase(encoding, "binary") ||
      EqualsIgnoreCase(encoding, "ascii")) {
    return std::string(chunk);
  }
  throw Error(ErrorType::kTypeError, "ERR_UNKNOWN_ENCODING",
              "Unknown encoding: " + std::string(encoding));
}

}  // namespace

void ServerResponse::Attach(ServerConnection* conn, Socket* socket, bool head_request,
                            bool keep_alive, bool chunked_ok, uint64_t keep_alive_ms) {
  if (!initial_saved_) {
    initial_saved_ = true;
    if (headers_object_ || statusCode != 200 || !statusMessage.empty() || !sendDate) {
      initial_ = std::make_unique<Initial>(
          Initial{headers_, headers_object_, statusCode, statusMessage, sendDate});
    }
  }
  conn_ = conn;
  socket_ = socket;
  head_request_ = head_request;
  has_body_ = !head_request;
  keep_alive_ = keep_alive;
  chunked_ok_ = chunked_ok;
  keep_alive_ms_ = keep_alive_ms;
}

void ServerResponse::Reset() {
  EmitPendingErrors();
  ++generation_;
  if (initial_) {
    headers_ = initial_->headers;
    headers_object_ = initial_->headers_object;
    statusCode = initial_->statusCode;
    statusMessage = initial_->statusMessage;
    sendDate = initial_->sendDate;
  } else {
    headers_.clear();
    headers_object_ = false;
    statusCode = 200;
    statusMessage.clear();
    sendDate = true;
  }
  header_.clear();
  trailers_.clear();
  out_.Reset();
  end_cb_ = nullptr;
  content_length_ = -1;
  sent_total_ = 0;
  write_cbs_.clear();
  head_request_ = false;
  has_body_ = true;
  keep_alive_ = true;
  chunked_ok_ = true;
  default_keep_alive_ = true;
  chunked_ = last_ = head_written_ = header_sent_ = ended_ = finished_ = corked_ = false;
  need_drain_ = active_ = false;
  removed_connection_ = removed_content_length_ = removed_te_ = false;
  expect_continue_ = sent100_ = false;
  queued_ = 0;
  conn_ = nullptr;
  socket_ = nullptr;
  removeAllListeners<"finish">();
  removeAllListeners<"close">();
  removeAllListeners<"drain">();
  removeAllListeners<"error">();
  removeAllListeners<"timeout">();
}

// --- headers -------------------------------------------------------------------

void ServerResponse::setHeader(std::string_view name, std::string_view value) {
  if (head_written_) throw Error::HeadersSent("set");
  headers_.set(name, value);
  headers_object_ = true;
}

void ServerResponse::setHeader(std::string_view name, std::vector<std::string> values) {
  if (head_written_) throw Error::HeadersSent("set");
  headers_.set(name, values);
  headers_object_ = true;
}

void ServerResponse::setHeader(std::string_view name, int64_t value) {
  char buf[24];
  char* end = std::to_chars(buf, buf + sizeof(buf), value).ptr;
  setHeader(name, std::string_view(buf, static_cast<size_t>(end - buf)));
}

void ServerResponse::setHeader(std::string_view name, std::nullopt_t) {
  if (head_written_) throw Error::HeadersSent("set");
  ValidateHeaderName(name);
  throw Error::InvalidHeaderValue("undefined", name);
}

const OutgoingHeaders::Entry* ServerResponse::getHeader(std::string_view name) const {
  return headers_.get(name);
}

std::vector<std::string> ServerResponse::getHeaderNames() const { return headers_.names(); }

bool ServerResponse::hasHeader(std::string_view name) const { return headers_.has(name); }

void ServerResponse::removeHeader(std::string_view name) {
  if (head_written_) throw Error::HeadersSent("remove");
  if (EqualsIgnoreCase(name, "connection")) {
    removed_connection_ = true;
  } else if (EqualsIgnoreCase(name, "content-length")) {
    removed_content_length_ = true;
  } else if (EqualsIgnoreCase(name, "transfer-encoding")) {
    removed_te_ = true;
  } else if (EqualsIgnoreCase(name, "date")) {
    sendDate = false;
  }
  headers_.remove(name);
}

// --- the head --------------------------------------------------------------------

ServerResponse& ServerResponse::writeHead(int status_code, std::string_view status_message,
                                          HeaderList headers) {
  HeadField fields[64];
  std::vector<HeadField> many;
  HeadField* f = fields;
  if (headers.size() > std::size(fields)) {
    many.resize(headers.size());
    f = many.data();
  }
  size_t i = 0;
  for (const auto& h : headers) f[i++] = HeadField{h.first, &h.second, 1, false};
  return WriteHeadFields(status_code, status_message, f, i);
}

ServerResponse& ServerResponse::writeHead(int status_code, std::string_view status_message,
                                          HeaderValuesList headers) {
  std::vector<HeadField> f;
  f.reserve(headers.size());
  for (const auto& h : headers) f.push_back({h.first, h.second.begin(), h.second.size(), true});
  return WriteHeadFields(status_code, status_message, f.data(), f.size());
}

// v12's writeHead (also its _implicitHeader, with no fields).
ServerResponse& ServerResponse::WriteHeadFields(int status_code, std::string_view status_message,
                                                const HeadField* fields, size_t count) {
  if (status_code < 100 || status_code > 999) throw Error::InvalidStatusCode(status_code);
  if (!status_message.empty()) {
    statusMessage = std::string(status_message);
  } else if (statusMessage.empty()) {
    statusMessage = std::string(ReasonPhraseOrUnknown(status_code));
  }
  statusCode = status_code;
  if (headers_object_) {
    // v12's slow case: the fields go through setHeader, and the store is rendered.
    bool any = false;
    for (size_t i = 0; i < count; ++i) {
      const HeadField& h = fields[i];
      if (h.name.empty()) continue;
      any = true;
      if (head_written_) throw Error::HeadersSent("set");
      if (h.is_array) {
        headers_.set(h.name, std::span<const std::string_view>(h.values, h.count));
      } else {
        headers_.set(h.name, h.values[0]);
      }
    }
    if (!any && head_written_) throw Error::HeadersSent("render");
    fields = nullptr;
    count = 0;
  }
  if (HasInvalidHeaderChar(statusMessage)) throw Error::InvalidChar("statusMessage");
  if (NoBody(status_code)) has_body_ = false;
  // A final status before 100 Continue: the client may still send the body.
  if (expect_continue_ && !sent100_) keep_alive_ = false;
  StoreHeader(fields, count);
  return *this;
}

void ServerResponse::MatchHeader(HeadState& st, std::string_view name, std::string_view value) {
  if (name.size() < 4 || name.size() > 17) return;
  if (EqualsIgnoreCase(name, "connection")) {
    st.connection = true;
    removed_connection_ = false;
    if (HasWordIgnoreCase(value, "close"))
      last_ = true;
    else
      keep_alive_ = true;
  } else if (EqualsIgnoreCase(name, "transfer-encoding")) {
    st.te = true;
    removed_te_ = false;
    if (HasWordIgnoreCase(value, "chunked")) chunked_ = true;
  } else if (EqualsIgnoreCase(name, "content-length")) {
    st.content_length = true;
    removed_content_length_ = false;
  } else if (EqualsIgnoreCase(name, "date")) {
    st.date = true;
  } else if (EqualsIgnoreCase(name, "expect")) {
    st.expect = true;
  } else if (EqualsIgnoreCase(name, "trailer")) {
    st.trailer = true;
  } else if (EqualsIgnoreCase(name, "keep-alive")) {
    default_keep_alive_ = false;
  }
}

// v12's _storeHeader: the status line, the headers in order, then Date, Connection
// (+ Keep-Alive), and Content-Length or Transfer-Encoding when the user set neither.
// `fields` null: the setHeader() store. The head replaces header_ only when nothing
// threw; the state it changed before a throw stays changed, as in v12.
void ServerResponse::StoreHeader(const HeadField* fields, size_t count) {
  HeadState st;
  std::string& h = scratch_;
  h.clear();
  h.append("HTTP/1.1 ");
  AppendDecimal(h, static_cast<uint64_t>(statusCode));
  h.push_back(' ');
  h.append(statusMessage);
  h.append(kCrlf);
  auto line = [&](std::string_view name, std::string_view value) {
    h.append(name).append(": ").append(value).append(kCrlf);
    MatchHeader(st, name, value);
  };
  if (fields == nullptr) {
    size_t at = h.size();
    h.resize(at + headers_.SerializedSize());
    headers_.SerializeTo(h.data() + at);
    for (const auto& e : headers_) {
      for (std::string_view v : e.values) MatchHeader(st, e.name, v);
    }
  } else {
    for (size_t i = 0; i < count; ++i) {
      const HeadField& f = fields[i];
      ValidateHeaderName(f.name);
      if (f.is_array && f.count >= 2 && EqualsIgnoreCase(f.name, "cookie")) {
        std::string joined;
        for (size_t j = 0; j < f.count; ++j) joined.append(j ? "; " : "").append(f.values[j]);
        ValidateHeaderValue(f.name, joined);
        line(f.name, joined);
        continue;
      }
      for (size_t j = 0; j < f.count; ++j) {
        ValidateHeaderValue(f.name, f.values[j]);
        line(f.name, f.values[j]);
      }
    }
  }
  if (sendDate && !st.date) h.append("Date: ").append(UtcDate()).append(kCrlf);
  // A chunked 204 or 304 would carry a zero chunk that proxies misread: v12 drops
  // the chunking and closes instead.
  if (chunked_ && (statusCode == 204 || statusCode == 304)) {
    chunked_ = false;
    keep_alive_ = false;
  }
  if (removed_connection_) {
    last_ = true;
    keep_alive_ = false;
  } else if (!st.connection) {
    // Kept alive only when the length is known in advance: a user Content-Length,
    // or chunked usable. end(data)'s computed length does not count.
    if (keep_alive_ && (st.content_length || chunked_ok_)) {
      h.append("Connection: keep-alive\r\n");
      if (keep_alive_ms_ != 0 && default_keep_alive_) {
        h.append("Keep-Alive: timeout=");
        AppendDecimal(h, keep_alive_ms_ / 1000);
        h.append(kCrlf);
      }
    } else {
      last_ = true;
      h.append("Connection: close\r\n");
    }
  }
  if (!st.content_length && !st.te) {
    if (!has_body_) {
      chunked_ = false;
    } else if (!chunked_ok_) {
      last_ = true;  // HTTP/1.0 without chunked: the body runs to the close
    } else if (!st.trailer && !removed_content_length_ && content_length_ >= 0) {
      h.append("Content-Length: ");
      AppendDecimal(h, static_cast<uint64_t>(content_length_));
      h.append(kCrlf);
    } else if (!removed_te_) {
      h.append("Transfer-Encoding: chunked\r\n");
      chunked_ = true;
    }
  }
  if (!chunked_ && st.trailer) throw Error::TrailerInvalid();
  h.append(kCrlf);
  header_.swap(scratch_);
  head_written_ = true;
  header_sent_ = false;
  if (st.expect) {
    Send({});
    Flush();
  }
}

// --- body ----------------------------------------------------------------------

void ServerResponse::Send(std::string_view bytes, std::string* adopt) {
  if (!header_sent_) {
    out_.Copy(header_);
    header_sent_ = true;
  }
  if (adopt != nullptr)
    out_.Adopt(std::move(*adopt));
  else if (!bytes.empty())
    out_.Copy(bytes);
}

// v12's write_: the head if none yet, then the chunk (framed when chunked).
bool ServerResponse::WriteChunk(std::string_view chunk, std::string* adopt, WriteCallback cb,
                                bool from_end) {
  if (!head_written_) WriteHeadFields(statusCode, {}, nullptr, 0);
  if (!has_body_) {
    // v12 drops the bytes and calls back on the next tick.
    if (cb) RunCallbacks({std::move(cb)});
    return true;
  }
  if (chunked_ && !chunk.empty()) {
    char size[20];
    char* e = std::to_chars(size, size + 16, chunk.size(), 16).ptr;
    *e++ = '\r';
    *e++ = '\n';
    Send(std::string_view(size, static_cast<size_t>(e - size)));
    Send(chunk, adopt);
    out_.Reference(kCrlf);
  } else {
    Send(chunk, adopt);
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
bool ServerResponse::WriteAfterEnd(WriteCallback cb) {
  pending_errors_.push_back(std::move(cb));
  if (socket_ != nullptr && pending_errors_.size() == 1) {
    socket_->runAfter(0, [this, gen = generation_] {
      if (gen == generation_) EmitPendingErrors();
    });
  }
  return true;
}

void ServerResponse::EmitPendingErrors() {
  while (!pending_errors_.empty()) {
    std::vector<WriteCallback> cbs = std::move(pending_errors_);
    pending_errors_.clear();
    Error err = Error::WriteAfterEnd();
    for (auto& cb : cbs) {
      emit<"error">(err);
      if (cb) cb(&err);
    }
  }
}

void ServerResponse::RunCallbacks(std::vector<WriteCallback> cbs) {
  if (socket_ == nullptr) {
    for (auto& cb : cbs) cb(nullptr);
    return;
  }
  socket_->runAfter(0, [cbs = std::move(cbs)] {
    for (auto& cb : cbs) cb(nullptr);
  });
}

bool ServerResponse::write(std::string_view chunk) {
  if (ended_) return WriteAfterEnd({});
  return WriteChunk(chunk, nullptr, {}, false);
}

bool ServerResponse::write(std::string&& chunk) {
  if (ended_) return WriteAfterEnd({});
  std::string_view view(chunk);
  return WriteChunk(view, chunk.size() < 256 ? nullptr : &chunk, {}, false);
}

bool ServerResponse::write(std::string_view chunk, WriteCallback cb) {
  if (ended_) return WriteAfterEnd({});  // v12 never calls cb here
  return WriteChunk(chunk, nullptr, std::move(cb), false);
}

bool ServerResponse::write(std::string_view chunk, std::string_view encoding, WriteCallback cb) {
  if (ended_) return WriteAfterEnd(std::move(cb));
  std::string bytes = Decode(chunk, encoding);
  return WriteChunk(bytes, nullptr, std::move(cb), false);
}

void ServerResponse::end(std::function<void()> cb) { EndImpl({}, nullptr, std::move(cb)); }

void ServerResponse::end(std::string_view chunk, std::function<void()> cb) {
  EndImpl(chunk, nullptr, std::move(cb));
}

void ServerResponse::end(std::string&& chunk, std::function<void()> cb) {
  std::string_view view(chunk);
  EndImpl(view, chunk.size() < 256 ? nullptr : &chunk, std::move(cb));
}

void ServerResponse::end(std::string_view chunk, std::string_view encoding,
                         std::function<void()> cb) {
  if (ended_) return;
  std::string bytes = Decode(chunk, encoding);
  EndImpl(bytes, nullptr, std::move(cb));
}

// v12's end: the length is known only if the head is not rendered yet.
void ServerResponse::EndImpl(std::string_view chunk, std::string* adopt, std::function<void()> cb) {
  if (ended_) return;
  if (!chunk.empty()) {
    if (!head_written_) content_length_ = static_cast<int64_t>(chunk.size());
    WriteChunk(chunk, adopt, {}, true);
  } else if (!head_written_) {
    content_length_ = 0;
    WriteHeadFields(statusCode, {}, nullptr, 0);
  }
  end_cb_ = std::move(cb);
  if (has_body_ && chunked_) {
    Send("0\r\n");
    out_.Copy(trailers_);
    out_.Reference(kCrlf);
  } else {
    Send({});
  }
  ended_ = true;
  corked_ = false;
  Flush();
}

void ServerResponse::addTrailers(HeaderList trailers) {
  trailers_.clear();
  for (const auto& [name, value] : trailers) {
    ValidateTrailerName(name);
    ValidateTrailerValue(name, value);
    trailers_.append(name).append(": ").append(value).append(kCrlf);
  }
}

// v12 writes these raw, ahead of any head not yet sent.
void ServerResponse::writeContinue() {
  out_.Reference("HTTP/1.1 100 Continue\r\n\r\n");
  sent100_ = true;
  Flush();
}

void ServerResponse::writeProcessing() {
  out_.Reference("HTTP/1.1 102 Processing\r\n\r\n");
  Flush();
}

void ServerResponse::flushHeaders() {
  if (!head_written_) WriteHeadFields(statusCode, {}, nullptr, 0);
  Send({});
  Flush();
}

void ServerResponse::cork() { corked_ = true; }

void ServerResponse::uncork() {
  corked_ = false;
  Flush();
}

size_t ServerResponse::writableLength() const { return out_.pending_bytes() + queued_; }

ServerResponse& ServerResponse::setTimeout(uint64_t ms, std::function<void()> cb) {
  if (cb) on<"timeout">(std::move(cb));
  if (socket_ != nullptr) socket_->setTimeout(ms);
  return *this;
}

// Hands pending bytes to the connection when this response may send (it is the
// first in its connection's queue) and is not corked.
void ServerResponse::Flush() {
  if (!active_ || conn_ == nullptr || (corked_ && !ended_)) return;
  if (!out_.empty()) conn_->SendResponseBytes(this);
  if (ended_) conn_->ResponseEnded(this);
}

void ServerResponse::OnSent(size_t bytes) {
  queued_ -= bytes;
  sent_total_ += bytes;
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
    emit<"drain">();
  }
  if (ended_ && queued_ == 0 && out_.empty() && !finished_) {
    EmitPendingErrors();
    finished_ = true;
    if (end_cb_) end_cb_();
    emit<"finish">();
    conn_->ResponseFinished(this);
  }
}

}  // namespace http
