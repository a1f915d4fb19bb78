// The loop's buffers phase (phase 7 in engine/loop.h) and its queue of connections
// waiting for receive memory: see "Receiving" in engine/connection.h.
#include <algorithm>

#include "engine/buf_ring.h"
#include "engine/connection.h"
#include "engine/loop.h"

namespace engine {

// Phase 7. Recycled buffers go back to the kernel in one store. Then the receives
// that found the ring empty, oldest first:
//   1. one waiter is re-armed per free buffer, poll-first, so that one whose socket
//      has nothing to read takes no buffer and cannot fail with ENOBUFS again; the
//      rest wait for the next turn (a burst of receives is served in order);
//   2. with fewer than a quarter of the buffers free, the pressure handlers are asked
//      to release what they retain, before step 1;
//   3. a ring that is still dry is held by retained buffers, which come back only when
//      their holders let go: the oldest waiters receive into overflow blocks instead,
//      up to the cap;
//   4. past the cap, every waiter watches for its peer's hang-up (a reset or a FIN
//      must not wait for memory that may never come).
// A ring held empty arms no multishot receive, so the loop cannot spin.
void Loop::RefillBuffers() {
  BufRing& ring = *buffers_;
  ring.Commit();
  if (buffer_waiters_ != 0) {
    uint32_t low = std::max<uint32_t>(1, ring.count() / 4);
    if (ring.available() < low && !pressure_handlers_.empty()) {
      ++stats_.recv_pressure;
      for (auto& fn : pressure_handlers_) RunGuarded(fn);
      ring.Commit();
    }
    for (uint32_t budget = ring.available(); budget > 0; --budget) {
      Connection* c = NextWaiter();
      if (c == nullptr) break;
      c->ArmRecv(/*poll_first=*/true);
    }
    while (ring.available() == 0 && buffer_waiters_ != 0) {
      int bid = ring.TakeOverflow(ring.buffer_size());
      if (bid < 0) break;
      Connection* c = NextWaiter();
      if (c == nullptr) {
        ring.Unref(static_cast<uint16_t>(bid));
        break;
      }
      c->ArmOwnRecv(static_cast<uint16_t>(bid));
    }
  }
  bool stalled = buffer_waiters_ != 0 && ring.available() == 0;
  if (stalled && !recv_stalled_) {
    for (const Waiter& w : buffer_wait_) {
      if (w.c->generation() == w.generation && w.c->waiting_buffers_) w.c->WatchHangup();
    }
  }
  recv_stalled_ = stalled;
  stats_.ring_in_use.Set(ring.in_use());
  stats_.overflow_bytes.Set(ring.overflow_bytes());
  stats_.recv_waiters.Set(buffer_waiters_);
}

Connection* Loop::NextWaiter() {
  while (!buffer_wait_.empty()) {
    Waiter w = buffer_wait_.front();
    buffer_wait_.pop_front();
    Connection* c = w.c;
    if (c->generation() != w.generation || !c->waiting_buffers_) continue;
    UnlistForBuffers(c);
    if (c->closing_ || c->paused_ || c->eof_ || c->recv_op_.in_flight != 0) continue;
    return c;
  }
  return nullptr;
}

Loop::RecvMemory Loop::recv_memory() const {
  RecvMemory m;
  m.ring_buffers = buffers_->count();
  m.ring_free = buffers_->available();
  m.ring_in_use = buffers_->in_use();
  m.overflow_bytes = buffers_->overflow_bytes();
  m.overflow_cap = buffers_->overflow_cap();
  m.waiters = buffer_waiters_;
  return m;
}

void Loop::AddRecvPressureHandler(std::function<void()> fn) {
  pressure_handlers_.push_back(std::move(fn));
}

void Loop::ListForBuffers(Connection* c) {
  if (c->waiting_buffers_) return;
  c->waiting_buffers_ = true;
  ++buffer_waiters_;
  // Entries of connections that left the queue are skipped when reached; while the
  // ring stays dry nothing is reached, so they are dropped here once they outnumber
  // the waiters: the queue stays within twice the waiters.
  if (buffer_wait_.size() > 2 * buffer_waiters_ + 64) {
    std::erase_if(buffer_wait_, [](const Waiter& w) {
      return w.c->generation() != w.generation || !w.c->waiting_buffers_;
    });
  }
  buffer_wait_.push_back(Waiter{c, c->generation()});
  if (recv_stalled_) c->WatchHangup();
}

// Its earlier entry stays in the queue; whichever is reached first serves it, and
// the other is skipped (it is no longer waiting then).
void Loop::PrioritiseForBuffers(Connection* c) {
  if (!c->waiting_buffers_) return;
  buffer_wait_.push_front(Waiter{c, c->generation()});
}

void Loop::UnlistForBuffers(Connection* c) {
  if (!c->waiting_buffers_) return;
  c->waiting_buffers_ = false;
  --buffer_waiters_;
}

}  // namespace engine
