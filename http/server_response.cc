#include "http/server_response.h"

#include <charconv>
#include <cstring>
#include <strings.h>

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

bool ContainsTokenIgnoreCase(std::string_view value, std::string_view token) {
  for (size_t i = 0; i + token.size() <= value.size(); ++i) {
    if (strncasecmp(value.data() + i, token.data(), token.size()) == 0) return true;
  }
  return false;
}

char* AppendDecimal(char* p, uint64_t v) { return std::to_chars(p, p + 20, v).ptr; }

char* AppendHex(char* p, uint64_t v) { return std::to_chars(p, p + 16, v, 16).ptr; }

}  // namespace

void ServerResponse::Attach(ServerConnection* conn, Socket* socket, bool head_request,
                            int http_minor, int http_major, bool keep_alive, bool chunked_ok,
                            uint64_t keep_alive_ms) {
  conn_ = conn;
  socket_ = socket;
  head_request_ = head_request;
  has_body_ = !head_request;
  keep_alive_ = keep_alive;
  chunked_ok_ = chunked_ok;
  keep_alive_ms_ = keep_alive_ms;
  (void)http_minor;
  (void)http_major;
}

void ServerResponse::Reset() {
  statusCode = 200;
  statusMessage.clear();
  sendDate = true;
  headers_.clear();
  trailers_.clear();
  out_.Reset();
  end_cb_ = nullptr;
  head_request_ = false;
  has_body_ = true;
  keep_alive_ = true;
  chunked_ok_ = true;
  chunked_ = last_ = head_written_ = ended_ = finished_ = corked_ = need_drain_ = active_ = false;
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
}

void ServerResponse::setHeader(std::string_view name, std::vector<std::string> values) {
  if (head_written_) throw Error::HeadersSent("set");
  headers_.set(name, std::move(values));
}

void ServerResponse::setHeader(std::string_view name, int64_t value) {
  char buf[24];
  char* end = std::to_chars(buf, buf + sizeof(buf), value).ptr;
  setHeader(name, std::string_view(buf, static_cast<size_t>(end - buf)));
}

const OutgoingHeaders::Entry* ServerResponse::getHeader(std::string_view name) const {
  return headers_.get(name);
}

std::vector<std::string> ServerResponse::getHeaderNames() const { return headers_.names(); }

bool ServerResponse::hasHeader(std::string_view name) const { return headers_.has(name); }

void ServerResponse::removeHeader(std::string_view name) {
  if (head_written_) throw Error::HeadersSent("remove");
  headers_.remove(name);
}

ServerResponse& ServerResponse::writeHead(int status_code, std::string_view status_message,
                                          HeaderList headers) {
  if (head_written_) throw Error::HeadersSent("render");
  if (status_code < 100 || status_code > 999) throw Error::InvalidStatusCode(status_code);
  statusCode = status_code;
  if (!status_message.empty()) statusMessage = std::string(status_message);
  for (const auto& [name, value] : headers) headers_.set(name, value);
  if (status_code == 204 || status_code == 304 || (status_code >= 100 && status_code <= 199)) {
    has_body_ = false;
  }
  // Node renders the head here: a later end(data) no longer sets Content-Length.
  RenderHead(false, 0);
  return *this;
}

// Node's _storeHeader: the status line, the user's headers in order, then Date,
// Connection (+ Keep-Alive), and Content-Length or Transfer-Encoding when the user
// set neither.
void ServerResponse::RenderHead(bool from_end, size_t end_length) {
  if (statusCode < 100 || statusCode > 999) throw Error::InvalidStatusCode(statusCode);
  if (statusCode == 204 || statusCode == 304 || (statusCode >= 100 && statusCode <= 199)) {
    has_body_ = false;
  }
  head_written_ = true;
  bool user_connection = false, user_length = false, user_te = false, user_date = false;
  bool user_trailer = false;
  for (const auto& e : headers_) {
    std::string_view n = e.name;
    if (EqualsIgnoreCase(n, "connection")) {
      user_connection = true;
      for (const auto& v : e.values) {
        if (ContainsTokenIgnoreCase(v, "close")) last_ = true;
        else keep_alive_ = true;
      }
    } else if (EqualsIgnoreCase(n, "content-length")) {
      user_length = true;
    } else if (EqualsIgnoreCase(n, "transfer-encoding")) {
      user_te = true;
      for (const auto& v : e.values) {
        if (ContainsTokenIgnoreCase(v, "chunked")) chunked_ = true;
      }
    } else if (EqualsIgnoreCase(n, "date")) {
      user_date = true;
    } else if (EqualsIgnoreCase(n, "trailer")) {
      user_trailer = true;
    }
  }
  std::string_view reason =
      statusMessage.empty() ? ReasonPhraseOrUnknown(statusCode) : std::string_view(statusMessage);
  std::string_view date = UtcDate();
  size_t size = 32 + reason.size() + headers_.SerializedSize() + date.size() + 128;
  char* start = out_.Reserve(size);
  char* p = start;
  std::memcpy(p, "HTTP/1.1 ", 9);
  p = AppendDecimal(p + 9, static_cast<uint64_t>(statusCode));
  *p++ = ' ';
  std::memcpy(p, reason.data(), reason.size());
  p += reason.size();
  std::memcpy(p, kCrlf.data(), 2);
  p = headers_.SerializeTo(p + 2);
  auto put = [&p](std::string_view s) {
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  };
  if (sendDate && !user_date) {
    put("Date: ");
    put(date);
    put(kCrlf);
  }
  if (!user_connection) {
    // Node keeps the connection only when the length is known in advance: the user
    // set Content-Length, or chunked is usable. end(data)'s computed length does not
    // count (an HTTP/1.0 keep-alive request gets Connection: close).
    if (keep_alive_ && (user_length || chunked_ok_)) {
      put("Connection: keep-alive\r\n");
      if (keep_alive_ms_ != 0) {
        put("Keep-Alive: timeout=");
        p = AppendDecimal(p, keep_alive_ms_ / 1000);
        put(kCrlf);
      }
    } else {
      last_ = true;
      put("Connection: close\r\n");
    }
  }
  if (!user_length && !user_te) {
    if (!has_body_) {
      chunked_ = false;
    } else if (!chunked_ok_) {
      last_ = true;  // HTTP/1.0 without chunked: the body runs to the close
    } else if (from_end && !user_trailer) {
      put("Content-Length: ");
      p = AppendDecimal(p, end_length);
      put(kCrlf);
    } else {
      put("Transfer-Encoding: chunked\r\n");
      chunked_ = true;
    }
  }
  put(kCrlf);
  out_.Commit(p);
}

// --- body ----------------------------------------------------------------------

void ServerResponse::WriteBody(std::string_view chunk, std::string* adopt) {
  if (chunk.empty() || !has_body_) return;
  if (chunked_) {
    char* p = out_.Reserve(20);
    char* e = AppendHex(p, chunk.size());
    *e++ = '\r';
    *e++ = '\n';
    out_.Commit(e);
  }
  if (adopt != nullptr) out_.Adopt(std::move(*adopt));
  else out_.Copy(chunk);
  if (chunked_) out_.Reference(kCrlf);
}

bool ServerResponse::write(std::string_view chunk) {
  if (ended_) {
    Error err = Error::WriteAfterEnd();
    emit<"error">(err);
    return false;
  }
  if (!head_written_) RenderHead(false, 0);
  WriteBody(chunk, nullptr);
  Flush();
  bool ok = writableLength() < kHighWaterMark;
  if (!ok) need_drain_ = true;
  return ok;
}

bool ServerResponse::write(std::string&& chunk) {
  if (ended_ || chunk.size() < 256) return write(std::string_view(chunk));
  if (!head_written_) RenderHead(false, 0);
  std::string_view view(chunk);
  WriteBody(view, &chunk);
  Flush();
  bool ok = writableLength() < kHighWaterMark;
  if (!ok) need_drain_ = true;
  return ok;
}

void ServerResponse::end(std::function<void()> cb) { end(std::string_view(), std::move(cb)); }

void ServerResponse::end(std::string_view chunk, std::function<void()> cb) {
  if (ended_) return;
  if (!head_written_) RenderHead(true, chunk.size());
  WriteBody(chunk, nullptr);
  ended_ = true;
  end_cb_ = std::move(cb);
  if (chunked_) {
    out_.Reference("0\r\n");
    out_.Copy(trailers_);
    out_.Reference(kCrlf);
  }
  corked_ = false;
  Flush();
}

void ServerResponse::end(std::string&& chunk, std::function<void()> cb) {
  if (ended_ || chunk.size() < 256 || head_written_) {
    end(std::string_view(chunk), std::move(cb));
    return;
  }
  RenderHead(true, chunk.size());
  std::string_view view(chunk);
  WriteBody(view, &chunk);
  ended_ = true;
  end_cb_ = std::move(cb);
  corked_ = false;
  Flush();
}

void ServerResponse::addTrailers(HeaderList trailers) {
  for (const auto& [name, value] : trailers) {
    ValidateTrailerName(name);
    ValidateTrailerValue(name, value);
    trailers_.append(name).append(": ").append(value).append("\r\n");
  }
}

void ServerResponse::writeContinue() {
  out_.Reference("HTTP/1.1 100 Continue\r\n\r\n");
  Flush();
}

void ServerResponse::writeProcessing() {
  out_.Reference("HTTP/1.1 102 Processing\r\n\r\n");
  Flush();
}

void ServerResponse::flushHeaders() {
  if (!head_written_) RenderHead(false, 0);
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
  if (need_drain_ && writableLength() < kHighWaterMark && !ended_) {
    need_drain_ = false;
    emit<"drain">();
  }
  if (ended_ && queued_ == 0 && out_.empty() && !finished_) {
    finished_ = true;
    if (end_cb_) end_cb_();
    emit<"finish">();
    conn_->ResponseFinished(this);
  }
}

}  // namespace http
