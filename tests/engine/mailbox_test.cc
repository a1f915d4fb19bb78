// Tests for engine/mailbox.cc: posts reach the loop's thread until Close(), and none
// after it, however the posters race with Close() or with the loop's destructor.
#include "engine/mailbox.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "engine/loop.h"
#include "tests/engine/test_util.h"

namespace engine {
namespace {

std::unique_ptr<Loop> NewLoop() {
  SetupError err;
  std::unique_ptr<Loop> loop = Loop::Create(LoopOptions{}, &err);
  EXPECT_NE(loop, nullptr) << err.message;
  return loop;
}

// Records the thread that destroyed it.
struct DestroyedOn {
  explicit DestroyedOn(std::thread::id* out) : out(out) {}
  ~DestroyedOn() { *out = std::this_thread::get_id(); }
  std::thread::id* out;
};

// Waits (polling, for a condition another thread makes true) up to 5 s.
bool WaitFor(const std::function<bool()>& pred) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::yield();
  }
  return true;
}

TEST(Mailbox, PostFromTheLoopThreadRunsInALaterDeferredPhaseNotSynchronously) {
  std::unique_ptr<Loop> loop = NewLoop();
  ASSERT_NE(loop, nullptr);
  std::shared_ptr<Mailbox> mb = Mailbox::Create(*loop);
  bool ran = false;
  EXPECT_TRUE(mb->Post([&] { ran = true; }));
  EXPECT_FALSE(ran);
  EXPECT_TRUE(engine_test::RunUntil(*loop, [&] { return ran; }));
}

TEST(Mailbox, PostFromAnotherThreadRunsOnTheLoopThreadInOrder) {
  constexpr int kPosts = 1000;
  std::unique_ptr<Loop> loop = NewLoop();
  ASSERT_NE(loop, nullptr);
  std::shared_ptr<Mailbox> mb = Mailbox::Create(*loop);
  const std::thread::id loop_thread = std::this_thread::get_id();
  // Loop thread only.
  int ran = 0;
  int off_thread = 0;
  int out_of_order = 0;
  std::atomic<int> accepted{0};
  std::thread poster([&] {
    for (int i = 0; i < kPosts; ++i) {
      bool ok = mb->Post([&, i] {
        if (std::this_thread::get_id() != loop_thread) ++off_thread;
        if (ran != i) ++out_of_order;
        ++ran;
      });
      if (ok) ++accepted;
    }
  });
  bool all = engine_test::RunUntil(*loop, [&] { return ran == kPosts; });
  poster.join();
  EXPECT_TRUE(all) << ran;
  EXPECT_EQ(accepted.load(), kPosts);
  EXPECT_EQ(off_thread, 0);
  EXPECT_EQ(out_of_order, 0);
}

TEST(Mailbox, PostAfterCloseReturnsFalseAndDestroysTheFunctionOnThePostingThread) {
  std::unique_ptr<Loop> loop = NewLoop();
  ASSERT_NE(loop, nullptr);
  std::shared_ptr<Mailbox> mb = Mailbox::Create(*loop);
  mb->Close();
  EXPECT_TRUE(mb->closed());
  std::thread::id destroyed_on;
  std::thread::id poster_id;
  bool accepted = true;
  bool destroyed_before_return = false;
  std::thread poster([&] {
    poster_id = std::this_thread::get_id();
    auto capture = std::make_shared<DestroyedOn>(&destroyed_on);
    std::weak_ptr<DestroyedOn> alive = capture;
    accepted = mb->Post([capture = std::move(capture)] {});
    destroyed_before_return = alive.expired();
  });
  poster.join();
  EXPECT_FALSE(accepted);
  EXPECT_TRUE(destroyed_before_return);
  EXPECT_EQ(destroyed_on, poster_id);
  engine_test::RunFor(*loop, 10);  // and nothing reached the loop
}

// A refused function's destructor posts again: it must not find the mailbox's lock
// held (this would deadlock, and the test time out).
TEST(Mailbox, RefusedFunctionIsDestroyedWithNoLockHeld) {
  std::unique_ptr<Loop> loop = NewLoop();
  ASSERT_NE(loop, nullptr);
  std::shared_ptr<Mailbox> mb = Mailbox::Create(*loop);
  mb->Close();
  struct PostsWhenDestroyed {
    Mailbox* mb;
    bool* second_accepted;
    ~PostsWhenDestroyed() {
      *second_accepted = mb->Post([] {});
    }
  };
  bool second_accepted = true;
  auto p = std::make_shared<PostsWhenDestroyed>(PostsWhenDestroyed{mb.get(), &second_accepted});
  EXPECT_FALSE(mb->Post([p = std::move(p)] {}));
  EXPECT_FALSE(second_accepted);
}

TEST(Mailbox, TheLoopsDestructorClosesItsMailboxes) {
  std::unique_ptr<Loop> loop = NewLoop();
  ASSERT_NE(loop, nullptr);
  std::shared_ptr<Mailbox> a = Mailbox::Create(*loop);
  std::shared_ptr<Mailbox> b = Mailbox::Create(*loop);
  std::shared_ptr<Mailbox> dropped = Mailbox::Create(*loop);
  dropped.reset();  // nobody holds it: the loop's teardown entry finds it gone
  loop.reset();
  EXPECT_TRUE(a->closed());
  EXPECT_TRUE(b->closed());
  EXPECT_FALSE(a->Post([] {}));
}

// Posts accepted before Close() all run; none is accepted after it returns, though
// the posters keep going.
TEST(Mailbox, NoPostIsAcceptedAfterCloseReturnsWhilePostersRace) {
  constexpr int kPosters = 3;
  std::unique_ptr<Loop> loop = NewLoop();
  ASSERT_NE(loop, nullptr);
  std::shared_ptr<Mailbox> mb = Mailbox::Create(*loop);
  std::atomic<int> accepted{0};
  std::atomic<int> refused{0};
  std::atomic<bool> stop{false};
  int ran = 0;
  std::vector<std::thread> posters;
  for (int t = 0; t < kPosters; ++t) {
    posters.emplace_back([&] {
      while (!stop.load()) {
        if (mb->Post([&] { ++ran; })) {
          ++accepted;
        } else {
          ++refused;
        }
      }
    });
  }
  ASSERT_TRUE(engine_test::RunUntil(*loop, [&] { return ran > 1000; }));
  mb->Close();
  const int accepted_at_close = accepted.load();
  // The posters go on posting for a while after the close.
  bool refused_seen = WaitFor([&] { return refused.load() >= kPosters * 10; });
  stop = true;
  for (std::thread& t : posters) t.join();
  ASSERT_TRUE(refused_seen);
  // A Post() that returned true after Close() returned would make accepted grow;
  // only the posts already past their check when Close() took the lock (at most one
  // per poster, still counting) may be added.
  EXPECT_LE(accepted.load(), accepted_at_close + kPosters);
  EXPECT_TRUE(engine_test::RunUntil(*loop, [&] { return ran == accepted.load(); }));
  engine_test::RunFor(*loop, 10);
  EXPECT_EQ(ran, accepted.load());  // each accepted post ran once, and only those
}

// The case the mailbox exists for: other threads post while the loop is destroyed.
// Under ASan and TSan, a post that reached the loop after its destructor began would
// show as a use after free or a race.
TEST(Mailbox, PostersRacingWithTheLoopsDestructorAreRefusedAfterIt) {
  constexpr int kPosters = 3;
  std::unique_ptr<Loop> loop = NewLoop();
  ASSERT_NE(loop, nullptr);
  std::shared_ptr<Mailbox> mb = Mailbox::Create(*loop);
  std::atomic<int> accepted{0};
  std::atomic<int> refused{0};
  std::atomic<bool> stop{false};
  std::atomic<int> ran{0};
  std::vector<std::thread> posters;
  for (int t = 0; t < kPosters; ++t) {
    posters.emplace_back([&] {
      while (!stop.load()) {
        if (mb->Post([&] { ++ran; })) {
          ++accepted;
        } else {
          ++refused;
        }
      }
    });
  }
  ASSERT_TRUE(engine_test::RunUntil(*loop, [&] { return ran.load() > 1000; }));
  loop.reset();
  EXPECT_TRUE(mb->closed());
  const int accepted_at_end = accepted.load();
  bool refused_seen = WaitFor([&] { return refused.load() >= kPosters * 10; });
  stop = true;
  for (std::thread& t : posters) t.join();
  EXPECT_TRUE(refused_seen);
  EXPECT_LE(accepted.load(), accepted_at_end + kPosters);
}

}  // namespace
}  // namespace engine
