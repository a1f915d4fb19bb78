// BufRing: the loop's receive memory. The provided buffer ring registered with the
// kernel, and a bounded amount of memory beyond it (overflow blocks) for the rare
// receive that the ring cannot serve.
//
// Life of a ring buffer:
//   1. Init() allocates `count` buffers of `size` bytes (from mimalloc, page aligned)
//      and publishes all of them in the ring for buffer group `group`.
//   2. A multishot recv with IOSQE_BUFFER_SELECT takes one; its completion carries
//      the buffer id. From then on the buffer belongs to the engine: MarkInUse().
//   3. The completion's handler holds one reference while it runs; RecvBuf::Retain
//      adds more. While any reference is held, the buffer stays out of the ring.
//   4. The last Unref() queues it for the ring again; Commit() publishes every queued
//      buffer to the kernel with one store (called once per loop turn).
// available() counts buffers the kernel may still use; when it reaches zero, recvs
// complete with ENOBUFS and connections wait (see Loop's buffers phase).
//
// Life of an overflow block (ids count() and up, never seen by the kernel):
//   1. TakeOverflow(n) allocates n bytes, holding one reference, while the blocks in
//      use stay within the cap (SetOverflowCap; 0: none); otherwise it fails.
//   2. A plain recv fills it, or the engine copies bytes into it; references work as
//      for ring buffers (the same BufRef and RecvBuf).
//   3. The last Unref() frees it at once.
// Bound: the ring's count * size bytes, plus at most the cap in overflow blocks.
// Teardown: the destructor unregisters the buffer ring through its io_uring, which
// must then still be alive; a loop that tears its ring down first calls ForgetRing().
//
// Engine-internal. Lives on its loop's thread.
#ifndef ENGINE_BUF_RING_H_
#define ENGINE_BUF_RING_H_

#include <liburing.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/setup_error.h"

namespace engine {

class BufRing {
 public:
  BufRing() = default;
  ~BufRing();
  BufRing(const BufRing&) = delete;
  BufRing& operator=(const BufRing&) = delete;

  // Each buffer's references are counted in 16 bits; the http layer's counts per
  // buffer (held body pieces, requests) stay below that up to this size.
  static constexpr uint32_t kMaxBufferSize = 65536;
  // Buffer ids are 16 bits: the ring's and the overflow blocks' together.
  static constexpr uint32_t kMaxIds = 65536;

  // count: a power of two, at most 32768; size: at most kMaxBufferSize. Returns 0 or a
  // negative errno.
  int Init(io_uring* ring, uint16_t group, uint32_t count, uint32_t size,
           SetupError* error);

  uint16_t group() const { return group_; }
  uint32_t count() const { return count_; }
  uint32_t buffer_size() const { return size_; }
  // The memory of buffer `bid`, a ring buffer or an overflow block.
  char* buffer(uint16_t bid) const {
    return bid < count_ ? base_ + size_t{bid} * size_ : overflow_[bid - count_].data;
  }

  // Called when a completion hands ring buffer `bid` to the engine. The completion's
  // handler holds the first reference and drops it with Unref() when done.
  void MarkInUse(uint16_t bid);
  void Ref(uint16_t bid) { ++refs_[bid]; }
  // Drops a reference; at zero a ring buffer is queued for the ring, an overflow
  // block is freed.
  void Unref(uint16_t bid);
  // Publishes queued buffers to the kernel. Returns how many were published.
  uint32_t Commit();
  // The io_uring is about to be exited with the buffer ring still registered (its
  // exit drops the registration): from now on nothing goes through it, and the
  // destructor only frees memory. Call before the io_uring goes.
  void ForgetRing();

  uint32_t available() const { return available_; }
  // Ring buffers handed out and still referenced.
  uint32_t in_use() const { return count_ - available_ - pending_; }
  uint64_t recycled_total() const { return recycled_total_; }

  // Overflow blocks: an id holding one reference to `size` fresh bytes, or -1 when
  // that would pass the cap (unless beyond_cap: for copies whose size the caller
  // bounds) or the ids run out.
  int TakeOverflow(size_t size, bool beyond_cap = false);
  void SetOverflowCap(size_t bytes) { overflow_cap_ = bytes; }
  size_t overflow_cap() const { return overflow_cap_; }
  size_t overflow_bytes() const { return overflow_bytes_; }

 private:
  struct Block {
    char* data = nullptr;
    size_t size = 0;
  };
  void Recycle(uint16_t bid);
  void FreeOverflow(uint16_t bid);

  io_uring* ring_ = nullptr;
  io_uring_buf_ring* br_ = nullptr;
  char* base_ = nullptr;
  uint16_t group_ = 0;
  uint32_t count_ = 0;
  uint32_t size_ = 0;
  uint32_t mask_ = 0;
  uint32_t available_ = 0;  // published and not yet taken by the kernel (as far as we know)
  uint32_t pending_ = 0;    // recycled, waiting for Commit()
  uint64_t recycled_total_ = 0;
  std::vector<uint16_t> refs_;  // ring buffers, then overflow ids
  bool registered_ = false;

  std::vector<Block> overflow_;           // by id - count_; grows up to kMaxIds - count_
  std::vector<uint16_t> free_overflow_;   // ids whose block was freed
  size_t overflow_cap_ = 0;
  size_t overflow_bytes_ = 0;
};

}  // namespace engine

#endif  // ENGINE_BUF_RING_H_
