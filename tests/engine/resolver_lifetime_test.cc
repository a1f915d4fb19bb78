// Tests for engine/resolver.cc, part two: a lookup's life when its loop ends first,
// when it is cancelled, when the pool is full, when many run at once, and the
// workers' own life (started lazily, gone when idle). Fixture and fake getaddrinfo():
// resolver_fixture.h.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "engine/resolver.h"
#include "tests/engine/resolver_fixture.h"

namespace engine {
namespace {

using resolver_test::ResolverTest;
using resolver_test::WaitFor;

// Records where it was destroyed; captured (through a shared_ptr) by a callback, it
// shows where the callback went.
struct Tracer {
  explicit Tracer(std::shared_ptr<std::atomic<bool>> destroyed,
                  std::shared_ptr<std::thread::id> destroyed_on)
      : destroyed(std::move(destroyed)), destroyed_on(std::move(destroyed_on)) {}
  ~Tracer() {
    *destroyed_on = std::this_thread::get_id();
    destroyed->store(true);
  }
  std::shared_ptr<std::atomic<bool>> destroyed;
  std::shared_ptr<std::thread::id> destroyed_on;
};

struct Traced {
  std::shared_ptr<std::atomic<bool>> destroyed = std::make_shared<std::atomic<bool>>(false);
  std::shared_ptr<std::thread::id> destroyed_on = std::make_shared<std::thread::id>();
  std::shared_ptr<Tracer> tracer = std::make_shared<Tracer>(destroyed, destroyed_on);
};

// The loop ends while its lookup is in getaddrinfo(): the answer finds the mailbox
// closed, the callback never runs, and it is destroyed on the worker (the loop is
// gone; nothing may reach it).
TEST_F(ResolverTest, LookupWhoseLoopEndedNeverRunsItsCallback) {
  UseGate();
  SetupError err;
  std::unique_ptr<Loop> loop = Loop::Create(LoopOptions{}, &err);
  ASSERT_NE(loop, nullptr) << err.message;
  std::shared_ptr<Mailbox> mb = Mailbox::Create(*loop);
  auto ran = std::make_shared<std::atomic<bool>>(false);
  Traced t;
  Resolver::Lookup(mb, "slow.test", 80, {},
                   [ran, tracer = std::move(t.tracer)](LookupResult) { ran->store(true); });
  mb.reset();  // the worker's job holds the only other reference
  ASSERT_TRUE(gate_.WaitEntered(1));
  loop.reset();  // closes the mailbox (AtTeardown)
  gate_.Open();
  ASSERT_TRUE(WaitFor([&] { return t.destroyed->load(); }));
  EXPECT_FALSE(ran->load());
  EXPECT_NE(*t.destroyed_on, std::this_thread::get_id());
}

// Close() on a loop that goes on turning: the late answer is not run either.
TEST_F(ResolverTest, LookupWhoseMailboxClosedNeverRunsItsCallback) {
  UseGate();
  bool ran = false;
  Traced t;
  Resolver::Lookup(mb_, "slow.test", 80, {},
                   [&ran, tracer = std::move(t.tracer)](LookupResult) { ran = true; });
  ASSERT_TRUE(gate_.WaitEntered(1));
  mb_->Close();
  gate_.Open();
  ASSERT_TRUE(WaitFor([&] { return t.destroyed->load(); }));
  engine_test::RunFor(*loop_, 20);
  EXPECT_FALSE(ran);
}

// Cancelled while in getaddrinfo(): the callback goes at once, on the loop thread,
// and the answer that comes later runs nothing.
TEST_F(ResolverTest, CancelledLookupNeverRunsItsCallbackWhichGoesAtOnce) {
  UseGate();
  bool ran = false;
  Traced t;
  LookupToken token = Resolver::Lookup(
      mb_, "slow.test", 80, {}, [&ran, tracer = std::move(t.tracer)](LookupResult) { ran = true; });
  ASSERT_TRUE(gate_.WaitEntered(1));
  token.Cancel();
  EXPECT_TRUE(t.destroyed->load());
  EXPECT_EQ(*t.destroyed_on, std::this_thread::get_id());
  gate_.Open();
  ASSERT_TRUE(WaitFor([] { return Resolver::pending() == 0; }));
  engine_test::RunFor(*loop_, 20);
  EXPECT_FALSE(ran);
  token.Cancel();  // again, after the answer: nothing to do
}

// Cancelled while queued behind busy workers: no worker resolves it.
TEST_F(ResolverTest, LookupCancelledWhileQueuedIsNeverResolved) {
  UseGate();
  int answered = 0;
  for (int i = 0; i < Resolver::kMaxThreads; ++i) {
    Resolver::Lookup(mb_, "busy" + std::to_string(i) + ".test", 80, {},
                     [&](LookupResult) { ++answered; });
  }
  ASSERT_TRUE(gate_.WaitEntered(Resolver::kMaxThreads));
  bool ran = false;
  LookupToken token =
      Resolver::Lookup(mb_, "queued.test", 80, {}, [&](LookupResult) { ran = true; });
  EXPECT_EQ(Resolver::pending(), static_cast<size_t>(Resolver::kMaxThreads) + 1);
  token.Cancel();
  gate_.Open();
  ASSERT_TRUE(WaitFor([] { return Resolver::pending() == 0; }));
  EXPECT_TRUE(engine_test::RunUntil(*loop_, [&] { return answered == Resolver::kMaxThreads; }));
  engine_test::RunFor(*loop_, 20);
  EXPECT_FALSE(ran);
  for (const std::string& host : gate_.entered()) EXPECT_NE(host, "queued.test");
}

// kMaxPending lookups wait (kMaxThreads in the gate, the rest queued); one more is
// refused with EAI_AGAIN, posted like an answer, and never reaches a worker. Once
// the gate opens every waiting lookup is answered.
TEST_F(ResolverTest, LookupPastThePendingBoundFailsWithEaiAgainPostedNotSynchronously) {
  UseGate();
  int ok = 0;
  for (size_t i = 0; i < Resolver::kMaxPending; ++i) {
    Resolver::Lookup(mb_, "held.test", 80, {}, [&](LookupResult r) {
      if (r.err == 0) ++ok;
    });
  }
  ASSERT_TRUE(gate_.WaitEntered(Resolver::kMaxThreads));
  EXPECT_EQ(Resolver::pending(), Resolver::kMaxPending);
  bool refused_done = false;
  LookupResult refused;
  Resolver::Lookup(mb_, "one-too-many.test", 80, {}, [&](LookupResult r) {
    refused = std::move(r);
    refused_done = true;
  });
  EXPECT_FALSE(refused_done);
  ASSERT_TRUE(engine_test::RunUntil(*loop_, [&] { return refused_done; }));
  EXPECT_EQ(refused.err, EAI_AGAIN);
  EXPECT_EQ(Resolver::ErrorMessage(refused, "one-too-many.test"),
            "getaddrinfo EAI_AGAIN one-too-many.test");
  EXPECT_EQ(ok, 0);
  gate_.Open();
  EXPECT_TRUE(engine_test::RunUntil(
      *loop_, [&] { return ok == static_cast<int>(Resolver::kMaxPending); }, 30000))
      << ok;
  for (const std::string& host : gate_.entered()) ASSERT_NE(host, "one-too-many.test");
  EXPECT_EQ(Resolver::pending(), 0u);
}

// Real getaddrinfo() calls from the loop's thread and from two other threads; every
// answer arrives once, on the loop's thread.
TEST_F(ResolverTest, ManyConcurrentLookupsAllCompleteOnTheLoopThread) {
  constexpr int kPerThread = 300;
  constexpr int kThreads = 3;
  const std::thread::id loop_thread = std::this_thread::get_id();
  // Loop thread only.
  int ok = 0;
  int failed = 0;
  int off_thread = 0;
  auto cb = [&](LookupResult r) {
    if (std::this_thread::get_id() != loop_thread) ++off_thread;
    if (r.err == 0 && !r.addresses.empty() && r.addresses[0].ip() == "127.0.0.1") {
      ++ok;
    } else {
      ++failed;
    }
  };
  std::vector<std::thread> others;
  for (int t = 1; t < kThreads; ++t) {
    others.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i)
        Resolver::Lookup(mb_, "localhost", 80, {.family = 4}, cb);
    });
  }
  for (int i = 0; i < kPerThread; ++i) Resolver::Lookup(mb_, "localhost", 80, {.family = 4}, cb);
  bool all = engine_test::RunUntil(
      *loop_, [&] { return ok + failed == kThreads * kPerThread; }, 60000);
  for (std::thread& t : others) t.join();
  ASSERT_TRUE(all) << ok + failed;
  engine_test::RunFor(*loop_, 20);
  EXPECT_EQ(ok, kThreads * kPerThread);
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(off_thread, 0);
  EXPECT_LE(Resolver::threads(), Resolver::kMaxThreads);
}

// An idle worker exits; the next lookup starts one again.
TEST_F(ResolverTest, IdleWorkersExitAndALaterLookupStartsOneAgain) {
  UseGate();
  gate_.Open();
  LookupAndWait("first.test");
  EXPECT_GE(Resolver::threads(), 1);
  Resolver::SetIdleMsForTest(10);
  ASSERT_TRUE(WaitFor([] { return Resolver::threads() == 0; }));
  Resolver::SetIdleMsForTest(Resolver::kIdleMs);
  LookupResult r = LookupAndWait("second.test");
  EXPECT_EQ(r.err, 0);
  EXPECT_GE(Resolver::threads(), 1);
}

}  // namespace
}  // namespace engine
