#include "engine/buf_ring.h"

#include <mimalloc.h>

#include <cassert>
#include <cerrno>
#include <cstring>

#include "engine/ring.h"

#if defined(__SANITIZE_ADDRESS__)
#define ENGINE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ENGINE_ASAN 1
#endif
#endif
#ifdef ENGINE_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace engine {
namespace {
constexpr size_t kPage = 4096;

// Under AddressSanitizer a ring buffer is poisoned while the kernel owns it (from
// Init or its last Unref until a completion hands it back: MarkInUse). The memory
// itself is never freed while the loop runs, so without this a view kept past the
// buffer's release would read whatever the next receive wrote there, unnoticed.
// (The kernel's writes do not check the shadow.) Overflow blocks are freed at their
// last Unref, but into mimalloc, which ASan does not watch: they are left alone.
void Poison(const char* p, size_t n) {
#ifdef ENGINE_ASAN
  ASAN_POISON_MEMORY_REGION(p, n);
#else
  (void)p, (void)n;
#endif
}
void Unpoison(const char* p, size_t n) {
#ifdef ENGINE_ASAN
  ASAN_UNPOISON_MEMORY_REGION(p, n);
#else
  (void)p, (void)n;
#endif
}
}  // namespace

BufRing::~BufRing() {
  if (registered_) io_uring_unregister_buf_ring(ring_, group_);
  if (base_ != nullptr) Unpoison(base_, size_t{count_} * size_);
  mi_free(br_);
  mi_free(base_);
  for (Block& b : overflow_) mi_free(b.data);
}

void BufRing::ForgetRing() {
  registered_ = false;
  ring_ = nullptr;
}

int BufRing::Init(io_uring* ring, uint16_t group, uint32_t count, uint32_t size,
                  SetupError* error) {
  // (A buffer's reference count is 16 bits: 64 KiB holds fewer pieces than that.)
  if (count == 0 || count > 32768 || (count & (count - 1)) != 0 || size == 0 ||
      size > kMaxBufferSize) {
    if (error) {
      *error = SetupError{-EINVAL, "buffer ring: count must be a power of two from 1 to "
                                   "32768 and size from 1 to 65536"};
    }
    return -EINVAL;
  }
  ring_ = ring;
  group_ = group;
  count_ = count;
  size_ = size;
  mask_ = io_uring_buf_ring_mask(count);
  // The ring of buffer descriptors must be page aligned; the buffers need not be,
  // but page alignment keeps each one off its neighbours' cache lines.
  br_ = static_cast<io_uring_buf_ring*>(
      mi_malloc_aligned(sizeof(io_uring_buf) * count, kPage));
  base_ = static_cast<char*>(mi_malloc_aligned(size_t{count} * size, kPage));
  if (br_ == nullptr || base_ == nullptr) {
    if (error) *error = DescribeSetupError("allocating receive buffers", -ENOMEM);
    return -ENOMEM;
  }
  std::memset(br_, 0, sizeof(io_uring_buf) * count);
  io_uring_buf_ring_init(br_);

  io_uring_buf_reg reg;
  std::memset(&reg, 0, sizeof(reg));
  reg.ring_addr = reinterpret_cast<uint64_t>(br_);
  reg.ring_entries = count;
  reg.bgid = group;
  // (Its pinned descriptors count against RLIMIT_MEMLOCK, as a ring does: ring.h.)
  int ret = RetryWhileMemoryIsFreed([&] { return io_uring_register_buf_ring(ring, &reg, 0); });
  if (ret < 0) {
    if (error) *error = DescribeSetupError("io_uring_register_buf_ring", ret);
    return ret;
  }
  registered_ = true;
  refs_.assign(count, 0);
  for (uint32_t bid = 0; bid < count; ++bid) {
    io_uring_buf_ring_add(br_, buffer(static_cast<uint16_t>(bid)), size,
                          static_cast<uint16_t>(bid), mask_, static_cast<int>(bid));
  }
  io_uring_buf_ring_advance(br_, static_cast<int>(count));
  Poison(base_, size_t{count} * size);
  available_ = count;
  return 0;
}

void BufRing::MarkInUse(uint16_t bid) {
  assert(bid < count_ && refs_[bid] == 0);
  refs_[bid] = 1;
  Unpoison(buffer(bid), size_);
  if (available_ > 0) --available_;
}

void BufRing::Unref(uint16_t bid) {
  assert(refs_[bid] > 0);
  if (--refs_[bid] != 0) return;
  if (bid < count_) {
    Recycle(bid);
  } else {
    FreeOverflow(bid);
  }
}

int BufRing::TakeOverflow(size_t size, bool beyond_cap) {
  if (size == 0 || (!beyond_cap && overflow_bytes_ + size > overflow_cap_)) return -1;
  uint32_t id;
  if (!free_overflow_.empty()) {
    id = free_overflow_.back();
    free_overflow_.pop_back();
  } else {
    if (count_ + overflow_.size() >= kMaxIds) return -1;
    id = count_ + static_cast<uint32_t>(overflow_.size());
    overflow_.emplace_back();
    refs_.push_back(0);
  }
  char* data = static_cast<char*>(mi_malloc(size));
  if (data == nullptr) {
    free_overflow_.push_back(static_cast<uint16_t>(id));
    return -1;
  }
  overflow_[id - count_] = Block{data, size};
  overflow_bytes_ += size;
  refs_[id] = 1;
  return static_cast<int>(id);
}

void BufRing::FreeOverflow(uint16_t bid) {
  Block& b = overflow_[bid - count_];
  overflow_bytes_ -= b.size;
  mi_free(b.data);
  b = Block{};
  free_overflow_.push_back(bid);
}

void BufRing::Recycle(uint16_t bid) {
  Poison(buffer(bid), size_);
  io_uring_buf_ring_add(br_, buffer(bid), size_, bid, mask_, static_cast<int>(pending_));
  ++pending_;
}

uint32_t BufRing::Commit() {
  uint32_t n = pending_;
  if (n == 0) return 0;
  io_uring_buf_ring_advance(br_, static_cast<int>(n));
  available_ += n;
  pending_ = 0;
  recycled_total_ += n;
  return n;
}

}  // namespace engine
