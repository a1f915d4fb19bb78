// Tests for engine/runtime.cc: loops on threads, CPU pinning, shutdown, and loops
// sharing a port: accepting on one socket in turns, or on SO_REUSEPORT sockets.
#include "engine/runtime.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "engine/listener.h"
#include "tests/engine/test_util.h"

namespace engine {
namespace {

using std::chrono::milliseconds;

// Runs fn on loop i's thread and returns its result (or `otherwise` after 5 s).
template <typename T>
T OnLoop(Runtime& rt, int i, std::function<T()> fn, T otherwise) {
  auto done = std::make_shared<std::promise<T>>();
  std::future<T> result = done->get_future();
  if (!rt.Post(i, [done, fn] { done->set_value(fn()); })) {
    ADD_FAILURE() << "loop " << i << " has ended";
    return otherwise;
  }
  if (result.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    ADD_FAILURE() << "a Post()ed function did not run within 5 s";
    return otherwise;
  }
  return result.get();
}

bool CpusAvailable(std::initializer_list<int> cpus) {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return false;
  for (int cpu : cpus) {
    if (!CPU_ISSET(cpu, &set)) return false;
  }
  return true;
}

// Joins the runtime, failing (instead of hanging) when that takes over timeout_ms.
void StopAndJoinWithin(Runtime& rt, int timeout_ms) {
  std::promise<void> joined;
  std::future<void> done = joined.get_future();
  std::thread joiner([&] {
    rt.Stop();
    rt.Join();
    joined.set_value();
  });
  if (done.wait_for(milliseconds(timeout_ms)) != std::future_status::ready) {
    std::fprintf(stderr, "FAILED: Stop() + Join() did not return within %d ms\n", timeout_ms);
    std::_Exit(1);  // the loop threads cannot be joined: end the binary
  }
  joiner.join();
}

struct InitCall {
  int index;
  std::thread::id thread;
  Loop* loop;
};

TEST(Runtime, StartRunsInitOnEachLoopThreadWithItsIndexAndLoop) {
  std::mutex mu;
  std::vector<InitCall> calls;
  Runtime rt;
  SetupError err;
  RuntimeOptions options;
  options.threads = 2;
  ASSERT_EQ(rt.Start(
                options,
                [&](Loop& loop, int index) {
                  std::lock_guard<std::mutex> lock(mu);
                  calls.push_back({index, std::this_thread::get_id(), &loop});
                },
                &err),
            0)
      << err.message;

  // Start() returned only after both inits ran.
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(calls.size(), 2u);
  ASSERT_EQ(rt.size(), 2);
  std::set<int> indices;
  for (const InitCall& c : calls) {
    indices.insert(c.index);
    EXPECT_NE(c.thread, std::this_thread::get_id());
    EXPECT_EQ(rt.loop(c.index), c.loop);
  }
  EXPECT_EQ(indices, (std::set<int>{0, 1}));
  EXPECT_NE(calls[0].thread, calls[1].thread);
  EXPECT_NE(calls[0].loop, calls[1].loop);
  // Each loop runs on the thread that ran its init.
  for (const InitCall& c : calls) {
    std::thread::id runs_on = OnLoop<std::thread::id>(
        rt, c.index, [] { return std::this_thread::get_id(); }, std::thread::id());
    EXPECT_EQ(runs_on, c.thread) << "loop " << c.index;
  }
  StopAndJoinWithin(rt, 5000);
}

TEST(Runtime, PinnedThreadRunsOnItsCpu) {
  if (!CpusAvailable({0})) GTEST_SKIP() << "CPU 0 is not in this process's affinity mask";
  Runtime rt;
  SetupError err;
  RuntimeOptions options;
  options.threads = 1;
  options.cpus = {0};
  ASSERT_EQ(rt.Start(
                options, [](Loop&, int) {}, &err),
            0)
      << err.message;
  int cpu = OnLoop<int>(
      rt, 0, [] { return sched_getcpu(); }, -1);
  EXPECT_EQ(cpu, 0);
  StopAndJoinWithin(rt, 5000);
}

TEST(Runtime, ThreadIIsPinnedToCpusIModuloTheirCount) {
  if (!CpusAvailable({0, 1})) GTEST_SKIP() << "needs CPUs 0 and 1";
  Runtime rt;
  SetupError err;
  RuntimeOptions options;
  options.threads = 3;
  options.cpus = {1, 0};
  ASSERT_EQ(rt.Start(
                options, [](Loop&, int) {}, &err),
            0)
      << err.message;
  const int want[] = {1, 0, 1};
  for (int i = 0; i < 3; ++i) {
    // The affinity mask, not just where it happens to run right now.
    int only_cpu = OnLoop<int>(
        rt, i,
        [] {
          cpu_set_t set;
          CPU_ZERO(&set);
          sched_getaffinity(0, sizeof(set), &set);
          if (CPU_COUNT(&set) != 1) return -CPU_COUNT(&set);
          return sched_getcpu();
        },
        -100);
    EXPECT_EQ(only_cpu, want[i]) << "thread " << i;
  }
  StopAndJoinWithin(rt, 5000);
}

TEST(Runtime, StopAndJoinReturnWhileLoopsAreIdle) {
  Runtime rt;
  SetupError err;
  RuntimeOptions options;
  options.threads = 2;
  ASSERT_EQ(rt.Start(
                options, [](Loop&, int) {}, &err),
            0)
      << err.message;
  for (int i = 0; i < 2; ++i) {  // both loops block in the kernel
    pid_t tid = OnLoop<pid_t>(rt, i, [] { return gettid(); }, 0);
    EXPECT_TRUE(engine_test::WaitUntilWaitingInKernel(tid)) << "loop " << i << " did not wait";
  }
  StopAndJoinWithin(rt, 5000);
}

class CountingAcceptor : public AcceptHandler {
 public:
  void OnAccept(Connection&) override { ++accepted; }  // no handler: the engine closes it
  std::atomic<int> accepted{0};
};

TEST(Runtime, TwoLoopsListenOnOnePortWithReusePort) {
  const uint16_t port = engine_test::UnusedPort();
  ASSERT_NE(port, 0);
  CountingAcceptor acceptors[2];  // outlive the runtime
  std::atomic<int> listen_result[2] = {1, 1};
  std::atomic<int> bound_port[2] = {0, 0};
  Runtime rt;
  SetupError err;
  RuntimeOptions options;
  options.threads = 2;
  ASSERT_EQ(rt.Start(
                options,
                [&](Loop& loop, int i) {
                  ListenOptions listen;
                  listen.host = "127.0.0.1";
                  listen.port = port;
                  listen.reuse_port = true;
                  Listener* listener = nullptr;
                  listen_result[i] = loop.Listen(listen, &acceptors[i], &listener);
                  if (listener != nullptr) bound_port[i] = listener->port();
                },
                &err),
            0)
      << err.message;
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(listen_result[i].load(), 0) << "loop " << i;
    EXPECT_EQ(bound_port[i].load(), port) << "loop " << i;
  }

  // The kernel spreads connections across both sockets; each loop accepts some.
  std::vector<engine_test::Fd> clients;
  for (int i = 0; i < 200 && (acceptors[0].accepted == 0 || acceptors[1].accepted == 0); ++i) {
    clients.push_back(engine_test::ConnectLoopback(port));
    ASSERT_TRUE(clients.back().valid());
    int total = static_cast<int>(clients.size());
    for (int wait = 0; wait < 500 && acceptors[0].accepted + acceptors[1].accepted < total;
         ++wait) {
      std::this_thread::sleep_for(milliseconds(1));
    }
  }
  EXPECT_GT(acceptors[0].accepted.load(), 0);
  EXPECT_GT(acceptors[1].accepted.load(), 0);
  StopAndJoinWithin(rt, 5000);
}

// The loops accept on one socket (each on a duplicate of it), one accept armed at a
// time: the kernel wakes the accept that has waited longest, so connections opened one
// after another alternate between the loops. (With a multishot accept each, the
// first loop's would take them all: 200 of 200 on Linux 6.18.)
TEST(Runtime, TwoLoopsTakeTurnsAcceptingOnOneSharedSocket) {
  ListenOptions listen;
  listen.host = "127.0.0.1";
  uint16_t port = 0;
  int fd = OpenListenSocket(listen, &port);
  ASSERT_GE(fd, 0) << strerror(-fd);
  CountingAcceptor acceptors[2];  // outlive the runtime
  std::atomic<int> accept_result[2] = {1, 1};
  std::atomic<uint16_t> accept_port[2] = {0, 0};
  Runtime rt;
  SetupError err;
  RuntimeOptions options;
  options.threads = 2;
  ASSERT_EQ(rt.Start(
                options,
                [&](Loop& loop, int i) {
                  Listener* listener = nullptr;
                  accept_result[i] =
                      loop.AcceptOn(fd, AcceptMode::kOneAtATime, &acceptors[i], &listener);
                  if (listener != nullptr) accept_port[i] = listener->port();
                },
                &err),
            0)
      << err.message;
  close(fd);  // each loop holds a duplicate
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(accept_result[i].load(), 0) << "loop " << i;
    EXPECT_EQ(accept_port[i].load(), port) << "loop " << i;
  }

  constexpr int kClients = 100;
  std::vector<engine_test::Fd> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(engine_test::ConnectLoopback(port));
    ASSERT_TRUE(clients.back().valid());
    for (int wait = 0; wait < 2000 && acceptors[0].accepted + acceptors[1].accepted <= i; ++wait) {
      std::this_thread::sleep_for(milliseconds(1));
    }
  }
  EXPECT_EQ(acceptors[0].accepted + acceptors[1].accepted, kClients);
  // Strict turns give 50 each; a loop slow to re-arm may lose a few turns.
  EXPECT_GE(acceptors[0].accepted.load(), kClients / 4) << acceptors[1].accepted << " to loop 1";
  EXPECT_GE(acceptors[1].accepted.load(), kClients / 4) << acceptors[0].accepted << " to loop 0";
  RecordProperty("accepted_by_loop_0", acceptors[0].accepted.load());
  RecordProperty("accepted_by_loop_1", acceptors[1].accepted.load());
  StopAndJoinWithin(rt, 5000);
}

// Counts the functions it is captured in: run, or destroyed without running.
struct PostProbe {
  std::atomic<int> ran{0};
  std::atomic<int> destroyed{0};
};
struct ProbeToken {
  explicit ProbeToken(PostProbe* p) : probe(p) {}
  ProbeToken(const ProbeToken&) = delete;
  ~ProbeToken() { ++probe->destroyed; }
  PostProbe* probe;
};

TEST(Runtime, PostAfterLoopEndedFails) {
  Runtime rt;
  SetupError err;
  RuntimeOptions options;
  options.threads = 2;
  ASSERT_EQ(rt.Start(
                options, [](Loop&, int) {}, &err),
            0)
      << err.message;
  EXPECT_EQ(OnLoop<int>(rt, 1, [] { return 7; }, -1), 7);
  StopAndJoinWithin(rt, 5000);
  PostProbe probe;
  auto token = std::make_shared<ProbeToken>(&probe);
  for (int i : {0, 1}) {
    EXPECT_FALSE(rt.Post(i, [token] { ++token->probe->ran; })) << "loop " << i;
    EXPECT_EQ(rt.loop(i), nullptr) << "loop " << i;
  }
  EXPECT_FALSE(rt.Post(2, [] {}));  // no such loop
  EXPECT_FALSE(rt.Post(-1, [] {}));
  token.reset();
  EXPECT_EQ(probe.ran.load(), 0);
  EXPECT_EQ(probe.destroyed.load(), 1);  // the refused functions were dropped
  EXPECT_EQ(rt.size(), 2);
}

// The loop is destroyed by its thread when its Run() returns, not at Join(): from
// then on the runtime no longer hands it out.
TEST(Runtime, LoopEndsWhenItsRunReturnsBeforeJoin) {
  Runtime rt;
  SetupError err;
  RuntimeOptions options;
  options.threads = 1;
  ASSERT_EQ(rt.Start(
                options, [](Loop&, int) {}, &err),
            0)
      << err.message;
  EXPECT_NE(rt.loop(0), nullptr);
  rt.Stop();
  for (int i = 0; i < 500 && rt.loop(0) != nullptr; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_EQ(rt.loop(0), nullptr);
  EXPECT_FALSE(rt.Post(0, [] {}));
  StopAndJoinWithin(rt, 5000);
}

// Posting while the loops stop: each function is refused, or accepted and then run
// or destroyed on its loop's thread; none touches a loop that is gone (ASan, TSan).
TEST(Runtime, PostRacingWithStopRunsOrDropsEveryFunction) {
  for (int round = 0; round < 10; ++round) {
    Runtime rt;
    SetupError err;
    RuntimeOptions options;
    options.threads = 2;
    ASSERT_EQ(rt.Start(
                  options, [](Loop&, int) {}, &err),
              0)
        << err.message;
    PostProbe probe;
    std::atomic<int> accepted{0};
    std::atomic<bool> go{false};
    std::thread poster([&] {
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < 2000; ++i) {
        auto token = std::make_shared<ProbeToken>(&probe);
        if (rt.Post(i % 2, [token] { ++token->probe->ran; })) ++accepted;
      }
    });
    go = true;
    std::this_thread::sleep_for(std::chrono::microseconds(200 * round));
    rt.Stop();
    poster.join();
    StopAndJoinWithin(rt, 5000);
    EXPECT_EQ(probe.destroyed.load(), 2000);
    EXPECT_LE(probe.ran.load(), accepted.load());
  }
}

}  // namespace
// totals() sums the loops that run and keeps what the ended ones did.
TEST(Runtime, TotalsKeepTheWorkOfLoopsThatEnded) {
  Runtime rt;
  SetupError err;
  RuntimeOptions options;
  options.threads = 2;
  ASSERT_EQ(rt.Start(
                options, [](Loop&, int) {}, &err),
            0)
      << err.message;
  for (int i = 0; i < 2; ++i) {
    OnLoop<int>(rt, i, [] { return 0; }, -1);  // a wake-up: the loop enters
  }
  uint64_t running = rt.totals().enters;
  EXPECT_GE(running, 2u);
  EXPECT_EQ(rt.totals().sendmsgs, 0u);
  rt.Stop();
  rt.Join();
  EXPECT_GE(rt.totals().enters, running);
}

}  // namespace engine
