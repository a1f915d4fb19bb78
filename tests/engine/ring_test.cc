// Tests for engine/ring.cc: setup flags, GetSqe() on a full submission queue, and
// setup that waits out the kernel's deferred free of closed rings.
#include "engine/ring.h"

#include <gtest/gtest.h>
#include <liburing.h>
#include <sys/resource.h>
#include <sys/utsname.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <set>
#include <string>

namespace engine {
namespace {

bool KernelAtLeast(int want_major, int want_minor) {
  utsname u;
  if (uname(&u) != 0) return false;
  int major = 0;
  int minor = 0;
  if (std::sscanf(u.release, "%d.%d", &major, &minor) != 2) return false;
  return major > want_major || (major == want_major && minor >= want_minor);
}

// Prepares n NOPs through GetSqe() without reaping anything in between, then reaps
// them all. Returns the distinct user_data values seen; *completions counts every
// completion and *failed those with res != 0.
std::set<uint64_t> RunNops(Ring& ring, unsigned n, unsigned* completions, unsigned* failed) {
  for (unsigned i = 0; i < n; ++i) {
    io_uring_sqe* sqe = ring.GetSqe();
    if (sqe == nullptr) {
      ADD_FAILURE() << "GetSqe() returned null for entry " << i;
      break;
    }
    io_uring_prep_nop(sqe);
    io_uring_sqe_set_data64(sqe, i + 1);
  }
  io_uring_submit(ring.raw());

  std::set<uint64_t> seen;
  *completions = 0;
  *failed = 0;
  while (*completions < n) {
    io_uring_cqe* cqe = nullptr;
    __kernel_timespec ts{.tv_sec = 2, .tv_nsec = 0};
    if (io_uring_wait_cqe_timeout(ring.raw(), &cqe, &ts) != 0) break;
    ++*completions;
    if (cqe->res != 0) ++*failed;
    seen.insert(io_uring_cqe_get_data64(cqe));
    io_uring_cqe_seen(ring.raw(), cqe);
  }
  return seen;
}

TEST(Ring, InitUsesDeferTaskrunAndSingleIssuerOnLinux61AndNewer) {
  if (!KernelAtLeast(6, 1)) GTEST_SKIP() << "DEFER_TASKRUN needs Linux 6.1";
  Ring ring;
  SetupError err;
  ASSERT_EQ(ring.Init(64, &err), 0) << err.message;
  const unsigned want = IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SINGLE_ISSUER;
  EXPECT_EQ(ring.setup_flags() & want, want);
  EXPECT_TRUE(ring.defer_taskrun());
}

TEST(Ring, CompletionQueueIsFourTimesTheSubmissionQueue) {
  Ring ring;
  SetupError err;
  ASSERT_EQ(ring.Init(64, &err), 0) << err.message;
  EXPECT_NE(ring.setup_flags() & IORING_SETUP_CQSIZE, 0u);
  EXPECT_EQ(ring.raw()->sq.ring_entries, 64u);
  EXPECT_EQ(ring.raw()->cq.ring_entries, 256u);
}

TEST(Ring, GetSqeNeverReturnsNullPastAFullSubmissionQueue) {
  Ring ring;
  SetupError err;
  ASSERT_EQ(ring.Init(8, &err), 0) << err.message;
  const unsigned n = 3 * ring.raw()->sq.ring_entries;

  unsigned completions = 0;
  unsigned failed = 0;
  std::set<uint64_t> seen = RunNops(ring, n, &completions, &failed);

  EXPECT_EQ(completions, n);
  EXPECT_EQ(failed, 0u);
  ASSERT_EQ(seen.size(), n);  // every entry completed once, none was lost or reused
  EXPECT_EQ(*seen.begin(), 1u);
  EXPECT_EQ(*seen.rbegin(), n);
}

// More unreaped completions than the completion queue holds: the kernel keeps the
// overflow, and GetSqe() must still hand out entries.
TEST(Ring, GetSqeKeepsWorkingWhenTheCompletionQueueOverflows) {
  Ring ring;
  SetupError err;
  ASSERT_EQ(ring.Init(8, &err), 0) << err.message;
  const unsigned n = 2 * ring.raw()->cq.ring_entries;

  unsigned completions = 0;
  unsigned failed = 0;
  std::set<uint64_t> seen = RunNops(ring, n, &completions, &failed);

  EXPECT_EQ(completions, n);
  EXPECT_EQ(failed, 0u);
  EXPECT_EQ(seen.size(), n);
}

// Rings set up one after another as others close, as a test suite or a quick restart
// does: the closed ones' pages count against RLIMIT_MEMLOCK until the kernel's work
// queue frees them, after close() returned. Each setup must still succeed. (Where
// the process may lock memory without limit, CAP_IPC_LOCK, nothing is counted.)
TEST(Ring, RingsSetUpRightAfterOthersClosedAllSucceed) {
  rlimit saved;
  ASSERT_EQ(getrlimit(RLIMIT_MEMLOCK, &saved), 0);
  rlimit none = saved;
  none.rlim_cur = 0;
  ASSERT_EQ(setrlimit(RLIMIT_MEMLOCK, &none), 0);
  io_uring probe;
  bool counted = io_uring_queue_init(8, &probe, 0) == -ENOMEM;
  if (!counted) io_uring_queue_exit(&probe);
  setrlimit(RLIMIT_MEMLOCK, &saved);
  if (!counted) GTEST_SKIP() << "this process may lock memory without limit (CAP_IPC_LOCK)";
  rlimit low = saved;
  low.rlim_cur = std::min<rlim_t>(saved.rlim_cur, 2u << 20);  // room for a few rings
  ASSERT_EQ(setrlimit(RLIMIT_MEMLOCK, &low), 0);
  int failures = 0;
  std::string first_error;
  for (int i = 0; i < 200; ++i) {
    Ring ring;
    SetupError err;
    if (ring.Init(1024, &err) != 0) {
      if (failures++ == 0) first_error = err.message;
    }
  }
  setrlimit(RLIMIT_MEMLOCK, &saved);
  EXPECT_EQ(failures, 0) << first_error;
}

TEST(Ring, RetryWhileMemoryIsFreedStopsAtTheFirstOtherResult) {
  int n = 0;
  int enomem_first = 2;
  auto fn = [&] { return ++n <= enomem_first ? -ENOMEM : -EINVAL; };
  EXPECT_EQ(RetryWhileMemoryIsFreed(fn), -EINVAL);
  EXPECT_EQ(n, 3);
  n = 0;
  enomem_first = 0;
  EXPECT_EQ(RetryWhileMemoryIsFreed(fn), -EINVAL);
  EXPECT_EQ(n, 1);
}

// Memory that never comes back: the wait ends, with ENOMEM and its fix in the text.
TEST(Ring, RetryWhileMemoryIsFreedGivesUpAfterTheWait) {
  int calls = 0;
  auto start = std::chrono::steady_clock::now();
  int ret = RetryWhileMemoryIsFreed([&] {
    ++calls;
    return -ENOMEM;
  });
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(ret, -ENOMEM);
  EXPECT_GE(waited, std::chrono::milliseconds(kMemoryWaitMs));
  EXPECT_LT(waited, std::chrono::milliseconds(kMemoryWaitMs + 5000));
  EXPECT_GT(calls, 5) << "backed off too far to catch a ring freed meanwhile";
}

}  // namespace
}  // namespace engine
