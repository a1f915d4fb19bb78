#include "http/message_head.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace http {

// --- Arena ---------------------------------------------------------------------

Arena::Block& Arena::Room(size_t more) {
  size_t open = open_ ? blocks_.back().used - span_start_ : 0;
  if (!blocks_.empty() && blocks_.back().used + more <= blocks_.back().size) {
    return blocks_.back();
  }
  // The open span moves to a fresh block big enough for it and `more`; nothing
  // points at it yet, since its view is handed out only by Finish().
  size_t next = blocks_.empty() ? kFirstBlock : std::min(kBlock, 2 * blocks_.back().size);
  size_t size = std::max(next, open + more);
  Block fresh{std::make_unique_for_overwrite<char[]>(size), size, open};
  if (open != 0) {
    Block& last = blocks_.back();
    std::memcpy(fresh.data.get(), last.data.get() + span_start_, open);
    last.used = span_start_;
  }
  blocks_.push_back(std::move(fresh));
  span_start_ = 0;
  return blocks_.back();
}

void Arena::Begin() {
  if (blocks_.empty()) Room(0);
  open_ = true;
  span_start_ = blocks_.back().used;
}

void Arena::Append(std::string_view piece) {
  Block& b = Room(piece.size());
  std::memcpy(b.data.get() + b.used, piece.data(), piece.size());
  b.used += piece.size();
  total_ += piece.size();
}

std::string_view Arena::Finish() {
  const Block& b = blocks_.back();
  open_ = false;
  return {b.data.get() + span_start_, b.used - span_start_};
}

std::string_view Arena::Keep(std::string_view bytes) {
  if (!open_) {
    Begin();
    Append(bytes);
    return Finish();
  }
  Block& b = Room(bytes.size());
  char* at = b.data.get() + span_start_;
  size_t open = b.used - span_start_;
  std::memmove(at + bytes.size(), at, open);
  std::memcpy(at, bytes.data(), bytes.size());
  span_start_ += bytes.size();
  b.used += bytes.size();
  total_ += bytes.size();
  return {at, bytes.size()};
}

void Arena::Reset() {
  if (total_ == 0 && !open_) return;  // (as a rule: nothing was copied)
  if (blocks_.size() > 1) blocks_.erase(blocks_.begin() + 1, blocks_.end());
  if (!blocks_.empty()) blocks_.front().used = 0;
  span_start_ = 0;
  open_ = false;
  total_ = 0;
}

void MessageHead::Clear() {
  method = 0;
  status = 0;
  http_major = http_minor = 1;
  url = status_text = {};
  headers.clear();
  trailers.clear();
  keep_alive = upgrade = chunked = has_content_length = false;
  content_length = 0;
  arena.Reset();
}

// --- moving views out of a receive buffer ------------------------------------------

void ViewMove::Add(const char* from, size_t len, const char* to) {
  if (count_ < kMaxSpans) spans_[count_++] = Span{from, len, to};
}

std::string_view ViewMove::operator()(std::string_view v) const {
  for (int i = 0; i < count_; ++i) {
    const Span& s = spans_[i];
    if (v.data() >= s.from && v.data() + v.size() <= s.from + s.len) {
      return {s.to + (v.data() - s.from), v.size()};
    }
  }
  return v;
}

size_t MessageHead::MoveOut(std::string_view buffer, ViewMove* move) {
  const char* begin = buffer.data();
  const char* end = begin + buffer.size();
  size_t copied = 0;
  // The smallest span of the buffer holding every view of `fields` that lies in it.
  auto copy_span = [&](auto&& for_each_view) {
    const char* lo = nullptr;
    const char* hi = nullptr;
    for_each_view([&](std::string_view v) {
      if (v.data() < begin || v.data() >= end) return;
      if (lo == nullptr || v.data() < lo) lo = v.data();
      if (hi == nullptr || v.data() + v.size() > hi) hi = v.data() + v.size();
    });
    if (lo == nullptr) return;
    std::string_view kept = arena.Keep(std::string_view(lo, static_cast<size_t>(hi - lo)));
    move->Add(lo, kept.size(), kept.data());
    copied += kept.size();
  };
  copy_span([&](auto&& f) {
    f(url);
    f(status_text);
    for (const HeaderView& h : headers) {
      f(h.name);
      f(h.value);
    }
  });
  copy_span([&](auto&& f) {
    for (const HeaderView& h : trailers) {
      f(h.name);
      f(h.value);
    }
  });
  if (copied == 0) return 0;
  url = (*move)(url);
  status_text = (*move)(status_text);
  for (std::vector<HeaderView>* fields : {&headers, &trailers}) {
    for (HeaderView& h : *fields) {
      h.name = (*move)(h.name);
      h.value = (*move)(h.value);
    }
  }
  return copied;
}

std::string_view VersionString(int major, int minor) {
  static const auto kVersions = [] {
    std::array<std::array<char, 3>, 100> v{};
    for (int i = 0; i < 100; ++i) {
      v[i] = {static_cast<char>('0' + i / 10), '.', static_cast<char>('0' + i % 10)};
    }
    return v;
  }();
  if (major < 0 || major > 9 || minor < 0 || minor > 9) return "1.1";
  return {kVersions[major * 10 + minor].data(), 3};
}

}  // namespace http
