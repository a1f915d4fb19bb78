#include "http/out_buffer.h"

#include <algorithm>
#include <cstring>

namespace http {
namespace {
// Reset() keeps the largest block up to this size, so the next response of that size
// allocates nothing.
constexpr size_t kKeepBelow = 16384;
// Strings up to this size are copied rather than adopted: no bookkeeping, and a small
// body joins the head's iovec. Well above std::string's in-object capacity.
constexpr size_t kCopyBelow = 256;
}  // namespace

char* OutBuf::Reserve(size_t n) {
  if (blocks_.empty() || blocks_.back().size - blocks_.back().used < n) {
    size_t next = blocks_.empty() ? kFirstBlock : std::min(2 * blocks_.back().size, kMaxBlock);
    size_t size = std::max(next, n);
    blocks_.push_back(Block{std::make_unique_for_overwrite<char[]>(size), size, 0, pushed_});
  }
  Block& b = blocks_.back();
  return b.data.get() + b.used;
}

void OutBuf::Commit(char* end) {
  Block& b = blocks_.back();
  char* start = b.data.get() + b.used;
  size_t n = static_cast<size_t>(end - start);
  b.used += n;
  Push(start, n);
  b.end = pushed_;
}

void OutBuf::Copy(std::string_view bytes) {
  if (bytes.empty()) return;
  char* p = Reserve(bytes.size());
  std::memcpy(p, bytes.data(), bytes.size());
  Commit(p + bytes.size());
}

void OutBuf::Adopt(std::string&& bytes) {
  if (bytes.size() <= kCopyBelow) {
    Copy(bytes);
    return;
  }
  adopted_.emplace_back(0, std::move(bytes));
  Push(adopted_.back().second.data(), adopted_.back().second.size());
  adopted_.back().first = pushed_;
}

void OutBuf::Share(std::shared_ptr<const std::string> bytes) {
  if (!bytes || bytes->empty()) return;
  Push(bytes->data(), bytes->size());
  shared_.emplace_back(pushed_, std::move(bytes));
}

void OutBuf::Reference(std::string_view bytes) {
  if (!bytes.empty()) Push(bytes.data(), bytes.size());
}

void OutBuf::Push(const char* p, size_t n) {
  if (n == 0) return;
  pending_bytes_ += n;
  pushed_ += n;
  if (!pending_.empty()) {
    iovec& last = pending_.back();
    if (static_cast<const char*>(last.iov_base) + last.iov_len == p) {
      last.iov_len += n;
      return;
    }
  }
  pending_.push_back(iovec{const_cast<char*>(p), n});
}

void OutBuf::TakePending(std::vector<iovec>* out) {
  out->insert(out->end(), pending_.begin(), pending_.end());
  pending_.clear();
  pending_bytes_ = 0;
}

void OutBuf::Release(uint64_t sent) {
  if (blocks_.size() > 1) {
    size_t gone = 0;
    while (gone + 1 < blocks_.size() && blocks_[gone].end <= sent) ++gone;
    blocks_.erase(blocks_.begin(), blocks_.begin() + static_cast<std::ptrdiff_t>(gone));
  }
  if (blocks_.size() == 1 && blocks_.front().end <= sent) {
    // Every byte written into the last block has left: it starts over.
    blocks_.front().used = 0;
  }
  if (!adopted_.empty()) {
    size_t gone = 0;
    while (gone < adopted_.size() && adopted_[gone].first <= sent) ++gone;
    adopted_.erase(adopted_.begin(), adopted_.begin() + static_cast<std::ptrdiff_t>(gone));
  }
  if (!shared_.empty()) {
    size_t gone = 0;
    while (gone < shared_.size() && shared_[gone].first <= sent) ++gone;
    shared_.erase(shared_.begin(), shared_.begin() + static_cast<std::ptrdiff_t>(gone));
  }
}

void OutBuf::Reset() {
  // The last block no larger than kKeepBelow, or none: a pooled response must not
  // keep a block as large as some earlier write (a block is as big as one piece).
  size_t keep = blocks_.size();
  for (size_t i = 0; i < blocks_.size(); ++i) {
    if (blocks_[i].size <= kKeepBelow) keep = i;
  }
  if (keep == blocks_.size()) {
    blocks_.clear();
  } else {
    if (keep != 0) std::swap(blocks_[0], blocks_[keep]);
    blocks_.resize(1);
  }
  if (!blocks_.empty()) {
    blocks_.front().used = 0;
    blocks_.front().end = 0;
  }
  if (!adopted_.empty()) adopted_.clear();
  if (!shared_.empty()) shared_.clear();
  pending_.clear();
  pending_bytes_ = 0;
  pushed_ = 0;
}

size_t OutBuf::held_bytes() const {
  size_t n = 0;
  for (const Block& b : blocks_) n += b.size;
  for (const auto& [end, s] : adopted_) n += s.size();
  for (const auto& [end, s] : shared_) n += s->size();
  return n;
}

}  // namespace http
