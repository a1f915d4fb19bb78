// Ring: one io_uring instance, set up with the best flags the kernel offers.
//
// Setup tries, in order:
//   1. SINGLE_ISSUER | DEFER_TASKRUN (6.1): completions are posted only when this
//      thread enters the kernel to wait, so no interrupts steal time from the loop;
//   2. COOP_TASKRUN | TASKRUN_FLAG (5.19): the same idea, less strict;
//   3. no flags.
// Each attempt adds SUBMIT_ALL (keep submitting past a failing entry) and CQSIZE (a
// completion queue four times the submission queue, for bursts of multishot
// completions). The ring fd is registered, which saves an fd lookup per enter.
//
// ENOMEM is retried for up to kMemoryWaitMs (RetryWhileMemoryIsFreed): the kernel
// frees a closed ring after the close returns, on a work queue, and counts its pages
// against RLIMIT_MEMLOCK until then, so a server closed and started again at once
// (or a test suite that starts hundreds) can find the limit full for a few
// milliseconds. A limit that stays full fails after the wait, with the fix in the
// error's text.
//
// Engine-internal: the only header besides buf_ring.h that includes <liburing.h>.
#ifndef ENGINE_RING_H_
#define ENGINE_RING_H_

#include <liburing.h>

#include <cstdint>
#include <functional>
#include <string>

#include "engine/setup_error.h"

namespace engine {

constexpr int kMemoryWaitMs = 2000;
// Calls fn until it returns something other than -ENOMEM, or kMemoryWaitMs have
// passed; returns its last result. Blocks the calling thread meanwhile (setup only).
int RetryWhileMemoryIsFreed(const std::function<int()>& fn);

class Ring {
 public:
  Ring() = default;
  ~Ring();
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;

  // Returns 0, or a negative errno with *error describing cause and fix.
  int Init(unsigned sq_entries, SetupError* error);

  // A free submission entry, submitting what is queued when the queue is full.
  // Never null: when even that fails, completions are flushed and it retries.
  io_uring_sqe* GetSqe();

  io_uring* raw() { return &ring_; }
  unsigned setup_flags() const { return flags_; }
  bool defer_taskrun() const { return (flags_ & IORING_SETUP_DEFER_TASKRUN) != 0; }

 private:
  io_uring ring_{};
  bool initialized_ = false;
  unsigned flags_ = 0;
};

}  // namespace engine

#endif  // ENGINE_RING_H_
