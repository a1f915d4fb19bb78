#include "engine/buffer.h"

#include <cassert>

#include "engine/buf_ring.h"

namespace engine {

BufRef& BufRef::operator=(BufRef&& other) noexcept {
  if (this != &other) {
    Release();
    ring_ = std::exchange(other.ring_, nullptr);
    bid_ = other.bid_;
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

BufRef BufRef::Share() const {
  if (ring_ == nullptr) return BufRef();
  ring_->Ref(bid_);
  return BufRef(ring_, bid_, data_, size_);
}

void BufRef::Narrow(size_t offset, size_t len) {
  assert(offset + len <= size_);
  data_ += offset;
  size_ = len;
}

void BufRef::Release() {
  if (ring_ == nullptr) return;
  std::exchange(ring_, nullptr)->Unref(bid_);
  data_ = nullptr;
  size_ = 0;
}

BufRef RecvBuf::Retain() const {
  ring_->Ref(bid_);
  return BufRef(ring_, bid_, data_, size_);
}

}  // namespace engine
