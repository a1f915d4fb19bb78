// Received bytes, as views into the loop's receive memory (engine/buf_ring.h).
//
// The buffer rule, stated once for the whole engine:
//   1. The kernel picks a free buffer from the loop's ring and writes received bytes
//      into it; the loop hands them to ConnectionHandler::OnData as a RecvBuf.
//   2. A RecvBuf borrows that buffer. It is valid until OnData returns.
//   3. To keep the bytes longer, either copy them, or call Retain(): the returned
//      BufRef holds a reference that keeps the buffer out of the ring. Any number of
//      BufRefs may share one buffer.
//   4. When OnData has returned and the last BufRef is released, the buffer goes back
//      to the ring for the kernel to reuse.
//   5. Retain only for work the server itself finishes soon (a send to a peer that
//      reads, within the loop turn or the next). Bytes that must wait on a peer (a
//      partial message, an echo the peer has not read) or on a slow handler are
//      copied into memory of their own, and the buffer is released: the ring is
//      shared by every connection of the loop, and is only as good as its worst
//      holder. The http layer keeps this rule with stated bounds (http/exchange.h).
// What bounds the buffers retained at once is their holders' rule 5. When the ring
// runs low anyway, the loop asks its pressure handlers to let go, then receives into
// overflow memory up to LoopOptions::overflow_bytes, then makes waiting connections
// wait (still seeing their peers' resets and FINs): engine/connection.h, "Receiving".
// BufRef must be released on the thread of the loop that produced it.
#ifndef ENGINE_BUFFER_H_
#define ENGINE_BUFFER_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

namespace engine {

class BufRing;

// A counted reference to one ring buffer's received bytes. Move-only.
class BufRef {
 public:
  BufRef() = default;
  BufRef(BufRef&& other) noexcept { *this = std::move(other); }
  BufRef& operator=(BufRef&& other) noexcept;
  BufRef(const BufRef&) = delete;
  BufRef& operator=(const BufRef&) = delete;
  ~BufRef() { Release(); }

  const char* data() const { return data_; }
  size_t size() const { return size_; }
  std::string_view view() const { return {data_, size_}; }
  explicit operator bool() const { return ring_ != nullptr; }

  // Another reference to the same buffer (the bytes are not copied).
  BufRef Share() const;
  // Narrows the view to [offset, offset + len) of the current view; keeps the buffer.
  void Narrow(size_t offset, size_t len);
  // Drops the reference now; the buffer returns to the ring if it was the last one.
  void Release();

 private:
  friend class RecvBuf;
  friend class BufRing;
  friend class Connection;
  BufRef(BufRing* ring, uint16_t bid, const char* data, size_t size)
      : ring_(ring), bid_(bid), data_(data), size_(size) {}

  BufRing* ring_ = nullptr;
  uint16_t bid_ = 0;
  const char* data_ = nullptr;
  size_t size_ = 0;
};

// Bytes just received, borrowed from the ring until the callback that received it
// returns.
class RecvBuf {
 public:
  RecvBuf(BufRing* ring, uint16_t bid, const char* data, size_t size)
      : ring_(ring), bid_(bid), data_(data), size_(size) {}

  const char* data() const { return data_; }
  size_t size() const { return size_; }
  std::string_view view() const { return {data_, size_}; }
  uint16_t buffer_id() const { return bid_; }

  // Keeps the buffer out of the ring until the returned reference is released.
  BufRef Retain() const;

 private:
  BufRing* ring_;
  uint16_t bid_;
  const char* data_;
  size_t size_;
};

}  // namespace engine

#endif  // ENGINE_BUFFER_H_
