#include "engine/ring.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

namespace engine {
namespace {

// Flag sets to try, best first; see ring.h.
constexpr unsigned kFlagChoices[] = {
    IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG,
    0,
};

}  // namespace

int RetryWhileMemoryIsFreed(const std::function<int()>& fn) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kMemoryWaitMs);
  int delay_ms = 1;
  for (;;) {
    int ret = fn();
    if (ret != -ENOMEM || std::chrono::steady_clock::now() >= deadline) return ret;
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    delay_ms = std::min(delay_ms * 2, 100);
  }
}

Ring::~Ring() {
  if (initialized_) io_uring_queue_exit(&ring_);
}

int Ring::Init(unsigned sq_entries, SetupError* error) {
  int ret = -EINVAL;
  for (unsigned flags : kFlagChoices) {
    io_uring_params p;
    std::memset(&p, 0, sizeof(p));
    p.flags = flags | IORING_SETUP_SUBMIT_ALL | IORING_SETUP_CQSIZE;
    p.cq_entries = sq_entries * 4;
    ret = RetryWhileMemoryIsFreed(
        [&] { return io_uring_queue_init_params(sq_entries, &ring_, &p); });
    if (ret == 0) {
      flags_ = p.flags;
      break;
    }
    // EINVAL: this kernel does not know a flag; try the next set. Anything else
    // (ENOSYS, EPERM, ENOMEM) will not get better with fewer flags.
    if (ret != -EINVAL) break;
  }
  if (ret < 0) {
    if (error) *error = DescribeSetupError("io_uring_setup", ret);
    return ret;
  }
  initialized_ = true;
  // Registering the ring fd saves an fd table lookup on every enter; a kernel
  // without it (before 5.18) still works.
  io_uring_register_ring_fd(&ring_);
  return 0;
}

io_uring_sqe* Ring::GetSqe() {
  for (;;) {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    if (sqe != nullptr) return sqe;
    // The submission queue is full: hand it to the kernel. -EBUSY means the
    // completion queue overflowed; flushing completions makes room.
    int ret = io_uring_submit(&ring_);
    if (ret == -EBUSY || ret == -EAGAIN) io_uring_get_events(&ring_);
  }
}

}  // namespace engine
