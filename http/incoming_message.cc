#include "http/incoming_message.h"

#include <strings.h>

#include <cctype>

#include "http/server_connection.h"

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

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

void IncomingHeaders::Build(const std::vector<HeaderView>& raw, size_t max_count) {
  entries_.clear();
  set_cookie_.clear();
  size_t n = max_count == 0 ? raw.size() : std::min(raw.size(), max_count);
  for (size_t i = 0; i < n; ++i) {
    std::string name = Lower(raw[i].name);
    std::string_view value = raw[i].value;
    if (name == "set-cookie") {
      set_cookie_.emplace_back(value);
    }
    auto it = entries_.begin();
    for (; it != entries_.end(); ++it) {
      if (it->first == name) break;
    }
    if (it == entries_.end()) {
      entries_.emplace_back(std::move(name), std::string(value));
      continue;
    }
    if (DropsDuplicates(name)) continue;
    it->second.append(name == "cookie" ? "; " : ", ").append(value);
  }
}

std::optional<std::string_view> IncomingHeaders::get(std::string_view lower_name) const {
  for (const auto& [name, value] : entries_) {
    if (name == lower_name) return std::string_view(value);
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

IncomingMessage& IncomingMessage::pause() {
  paused_ = true;
  if (conn_ != nullptr) conn_->PauseRequest(this, true);
  return *this;
}

IncomingMessage& IncomingMessage::resume() {
  paused_ = false;
  if (conn_ != nullptr) conn_->PauseRequest(this, false);
  return *this;
}

IncomingMessage& IncomingMessage::setTimeout(uint64_t ms, std::function<void()> cb) {
  if (socket_ != nullptr) socket_->setTimeout(ms, std::move(cb));
  return *this;
}

void IncomingMessage::destroy() {
  if (socket_ != nullptr) socket_->destroy();
}

void IncomingMessage::Attach(ServerConnection* conn, Socket* socket, MessageHead* head,
                             size_t max_headers) {
  conn_ = conn;
  socket_ = socket;
  head_ = head;
  max_headers_ = max_headers;
}

void IncomingMessage::Detach() {
  conn_ = nullptr;
  socket_ = nullptr;
  head_ = nullptr;
  method = {};
  url = {};
  httpVersion = {};
  complete = aborted = paused_ = headers_built_ = trailers_built_ = false;
  removeAllListeners<"data">();
  removeAllListeners<"end">();
  removeAllListeners<"aborted">();
  removeAllListeners<"close">();
}

}  // namespace http
