#include "http/out_buffer.h"

#include <algorithm>
#include <cstring>

namespace http {
namespace {
constexpr size_t kBlock = 2048;
// Blocks double in size, so a response of n copied bytes takes O(log n) of them;
// Reset() keeps the largest block up to this size, so the next response of that size
// allocates nothing.
constexpr size_t kKeepBelow = 16384;
// Strings up to this size are copied rather than adopted: no bookkeeping, and a small
// body joins the head's iovec. Well above std::string's in-object capacity.
constexpr size_t kCopyBelow = 256;
}  // namespace

char* OutBuf::Reserve(size_t n) {
  if (blocks_.empty() || blocks_.back().size - blocks_.back().used < n) {
    size_t size = std::max(blocks_.empty() ? kBlock : 2 * blocks_.back().size, n);
    blocks_.push_back(Block{std::make_unique_for_overwrite<char[]>(size), size, 0});
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
  adopted_.push_back(std::move(bytes));
  Push(adopted_.back().data(), adopted_.back().size());
}

void OutBuf::Share(std::shared_ptr<const std::string> bytes) {
  if (!bytes || bytes->empty()) return;
  Push(bytes->data(), bytes->size());
  shared_.push_back(std::move(bytes));
}

void OutBuf::Reference(std::string_view bytes) {
  if (!bytes.empty()) Push(bytes.data(), bytes.size());
}

void OutBuf::Push(const char* p, size_t n) {
  if (n == 0) return;
  pending_bytes_ += n;
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

void OutBuf::Reset() {
  if (blocks_.size() > 1) {
    size_t keep = 0;
    for (size_t i = 1; i < blocks_.size(); ++i) {
      if (blocks_[i].size <= kKeepBelow) keep = i;
    }
    if (keep != 0) std::swap(blocks_[0], blocks_[keep]);
    blocks_.resize(1);
  }
  if (!blocks_.empty()) blocks_.front().used = 0;
  adopted_.clear();
  shared_.clear();
  pending_.clear();
  pending_bytes_ = 0;
}

}  // namespace http
