// Tests for engine/timer.cc. The wheel runs on a fake clock: each test picks the
// start time and moves time itself with Advance(), so every millisecond is exact.
#include "engine/timer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <random>
#include <vector>

namespace engine {
namespace {

// Deadline offsets in each of the four levels and on their edges: level 0 (< 64 ms),
// level 1 (< 4096), level 2 (< 262144), level 3, and one beyond the top level's reach
// (parked in level 3, then placed again when it cascades).
constexpr uint64_t kDeltas[] = {1, 63, 64, 65, 4095, 4096, 300000, 20000000};
constexpr size_t kNumDeltas = std::size(kDeltas);

// Start times on and around the block boundaries of every level.
constexpr uint64_t kStarts[] = {0, 1, 63, 64, 4095, 4096, 262143, 16777215, 1000000007};

struct Firing {
  int id;
  uint64_t at;  // the wheel's time while the callback ran
  bool operator==(const Firing&) const = default;
};

void PrintTo(const Firing& f, std::ostream* os) {
  *os << "{timer " << f.id << " at " << f.at << "}";
}

// n timers whose callbacks append to one log.
class LoggedTimers {
 public:
  LoggedTimers(TimerWheel& wheel, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      timers_.push_back(std::make_unique<Timer>([this, &wheel, i] {
        log.push_back({static_cast<int>(i), wheel.now_ms()});
      }));
    }
  }
  Timer* operator[](size_t i) { return timers_[i].get(); }
  std::vector<Firing> log;

 private:
  std::vector<std::unique_ptr<Timer>> timers_;
};

TEST(TimerWheel, FiresInDeadlineOrderAcrossAllLevels) {
  for (uint64_t start : kStarts) {
    SCOPED_TRACE(testing::Message() << "start " << start);
    TimerWheel wheel(start);
    LoggedTimers timers(wheel, kNumDeltas);
    // Latest first, so that arming order cannot pass for deadline order.
    for (size_t i = kNumDeltas; i-- > 0;) wheel.Arm(timers[i], start + kDeltas[i]);
    ASSERT_EQ(wheel.armed_count(), kNumDeltas);

    EXPECT_EQ(wheel.Advance(start + kDeltas[kNumDeltas - 1]), kNumDeltas);

    std::vector<Firing> expected;
    for (size_t i = 0; i < kNumDeltas; ++i)
      expected.push_back({static_cast<int>(i), start + kDeltas[i]});
    EXPECT_EQ(timers.log, expected);
    EXPECT_EQ(wheel.armed_count(), 0u);
  }
}

TEST(TimerWheel, FiresAtItsExactMillisecondNeverEarlyNeverLate) {
  for (uint64_t start :
       {uint64_t{0}, uint64_t{63}, uint64_t{4095}, uint64_t{262143}, uint64_t{1000000007}}) {
    SCOPED_TRACE(testing::Message() << "start " << start);
    TimerWheel wheel(start);
    LoggedTimers timers(wheel, kNumDeltas);
    for (size_t i = 0; i < kNumDeltas; ++i) wheel.Arm(timers[i], start + kDeltas[i]);

    // One millisecond at a time up to past the level-3 deadline, then a jump to just
    // before the farthest one and single steps across it.
    size_t due = 0;  // timers whose deadline has been reached
    auto step_to = [&](uint64_t t) {
      size_t fired = wheel.Advance(t);
      size_t due_before = due;
      while (due < kNumDeltas && start + kDeltas[due] <= t) ++due;
      ASSERT_EQ(fired, due - due_before) << "at " << t;
      ASSERT_EQ(timers.log.size(), due) << "at " << t;
      if (fired == 1) {
        EXPECT_EQ(timers.log.back(), (Firing{static_cast<int>(due - 1), t}));
      }
    };
    for (uint64_t t = start + 1; t <= start + 300002; ++t) ASSERT_NO_FATAL_FAILURE(step_to(t));
    const uint64_t last = start + kDeltas[kNumDeltas - 1];
    ASSERT_NO_FATAL_FAILURE(step_to(last - 3));
    for (uint64_t t = last - 2; t <= last + 2; ++t) ASSERT_NO_FATAL_FAILURE(step_to(t));
    EXPECT_EQ(due, kNumDeltas);
  }
}

TEST(TimerWheel, RearmingEarlierMovesTheDeadline) {
  TimerWheel wheel(1000);
  LoggedTimers timers(wheel, 1);
  wheel.Arm(timers[0], 1000 + 300000);
  wheel.Arm(timers[0], 1000 + 70);
  EXPECT_EQ(wheel.armed_count(), 1u);
  EXPECT_EQ(timers[0]->deadline_ms(), 1070u);

  EXPECT_EQ(wheel.Advance(1069), 0u);
  EXPECT_EQ(wheel.Advance(1000 + 400000), 1u);
  EXPECT_EQ(timers.log, (std::vector<Firing>{{0, 1070}}));
}

TEST(TimerWheel, RearmingLaterMovesTheDeadline) {
  TimerWheel wheel(1000);
  LoggedTimers timers(wheel, 1);
  wheel.Arm(timers[0], 1070);
  EXPECT_EQ(wheel.Advance(1050), 0u);
  wheel.Arm(timers[0], 1050 + 5000);
  EXPECT_EQ(wheel.armed_count(), 1u);

  EXPECT_EQ(wheel.Advance(6049), 0u);
  EXPECT_TRUE(timers.log.empty());
  EXPECT_EQ(wheel.Advance(6050), 1u);
  EXPECT_EQ(timers.log, (std::vector<Firing>{{0, 6050}}));
}

TEST(TimerWheel, CancelledTimerDoesNotFireAndLeavesArmedCount) {
  TimerWheel wheel(500);
  LoggedTimers timers(wheel, kNumDeltas);
  for (size_t i = 0; i < kNumDeltas; ++i) wheel.Arm(timers[i], 500 + kDeltas[i]);
  for (size_t i = 1; i < kNumDeltas; i += 2) {
    wheel.Cancel(timers[i]);
    EXPECT_FALSE(timers[i]->armed());
  }
  EXPECT_EQ(wheel.armed_count(), kNumDeltas / 2);
  wheel.Cancel(timers[1]);  // cancelling a timer that is not armed changes nothing
  EXPECT_EQ(wheel.armed_count(), kNumDeltas / 2);

  EXPECT_EQ(wheel.Advance(500 + 30000000), kNumDeltas / 2);
  std::vector<Firing> expected;
  for (size_t i = 0; i < kNumDeltas; i += 2)
    expected.push_back({static_cast<int>(i), 500 + kDeltas[i]});
  EXPECT_EQ(timers.log, expected);
  EXPECT_EQ(wheel.armed_count(), 0u);
}

TEST(TimerWheel, CallbackCanRearmItself) {
  TimerWheel wheel(0);
  std::vector<uint64_t> fired_at;
  Timer t;
  t.set_callback([&] {
    fired_at.push_back(wheel.now_ms());
    if (fired_at.size() < 5) wheel.Arm(&t, wheel.now_ms() + 100);
  });
  wheel.Arm(&t, 100);
  EXPECT_EQ(wheel.Advance(10000), 5u);
  EXPECT_EQ(fired_at, (std::vector<uint64_t>{100, 200, 300, 400, 500}));
  EXPECT_FALSE(t.armed());
  EXPECT_EQ(wheel.armed_count(), 0u);
}

TEST(TimerWheel, CallbackRearmingItselfForNowFiresOnTheNextMillisecond) {
  TimerWheel wheel(0);
  std::vector<uint64_t> fired_at;
  Timer t;
  t.set_callback([&] {
    fired_at.push_back(wheel.now_ms());
    if (fired_at.size() < 4) wheel.Arm(&t, wheel.now_ms());  // a deadline just reached
  });
  wheel.Arm(&t, 62);  // crosses the 64-ms block boundary while re-arming
  EXPECT_EQ(wheel.Advance(1000), 4u);
  EXPECT_EQ(fired_at, (std::vector<uint64_t>{62, 63, 64, 65}));
}

TEST(TimerWheel, CallbackCanCancelOtherTimersDueInTheSameTick) {
  TimerWheel wheel(0);
  Timer timers[3];
  int fired = 0;
  for (Timer& self : timers) {
    self.set_callback([&] {
      ++fired;
      for (Timer& other : timers) wheel.Cancel(&other);
    });
    wheel.Arm(&self, 500);
  }
  EXPECT_EQ(wheel.Advance(1000), 1u);
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(wheel.armed_count(), 0u);
  for (Timer& t : timers) EXPECT_FALSE(t.armed());
}

TEST(TimerWheel, CallbackCanDestroyAnotherTimerDueInTheSameTick) {
  TimerWheel wheel(0);
  int fired = 0;
  std::unique_ptr<Timer> a, b;
  a = std::make_unique<Timer>([&] {
    ++fired;
    b.reset();
  });
  b = std::make_unique<Timer>([&] {
    ++fired;
    a.reset();
  });
  wheel.Arm(a.get(), 4096);
  wheel.Arm(b.get(), 4096);
  EXPECT_EQ(wheel.Advance(5000), 1u);
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(wheel.armed_count(), 0u);
}

TEST(TimerWheel, PassedDeadlineFiresAtTheNextAdvanceBeforeLaterTimers) {
  TimerWheel wheel(5000);
  LoggedTimers timers(wheel, 3);
  wheel.Arm(timers[2], 5002);
  wheel.Arm(timers[0], 100);   // long past
  wheel.Arm(timers[1], 5000);  // reached already
  EXPECT_EQ(wheel.NextWakeMs(), 1);

  EXPECT_EQ(wheel.Advance(9000), 3u);
  ASSERT_EQ(timers.log.size(), 3u);
  // The two passed deadlines fire together, on the first millisecond after arming.
  EXPECT_EQ(timers.log[0].at, 5001u);
  EXPECT_EQ(timers.log[1].at, 5001u);
  EXPECT_EQ(timers.log[2], (Firing{2, 5002}));
}

TEST(TimerWheel, NextWakeIsMinusOneWithNothingArmed) {
  TimerWheel wheel(123);
  EXPECT_EQ(wheel.NextWakeMs(), -1);
  Timer t;
  wheel.Arm(&t, 5000);
  wheel.Cancel(&t);
  EXPECT_EQ(wheel.NextWakeMs(), -1);
  wheel.Arm(&t, 200);
  wheel.Advance(200);
  EXPECT_EQ(wheel.NextWakeMs(), -1);
}

TEST(TimerWheel, NextWakeIsExactForTimersWithin63Ms) {
  for (uint64_t start : kStarts) {
    for (uint64_t delta = 1; delta < 64; ++delta) {
      SCOPED_TRACE(testing::Message() << "start " << start << " delta " << delta);
      TimerWheel wheel(start);
      Timer t, later;
      wheel.Arm(&later, start + 63);
      wheel.Arm(&t, start + delta);
      EXPECT_EQ(wheel.NextWakeMs(), static_cast<int64_t>(delta));
      wheel.Advance(start + delta / 2);
      EXPECT_EQ(wheel.NextWakeMs(), static_cast<int64_t>(delta - delta / 2));
    }
  }
}

TEST(TimerWheel, NextWakeIgnoresCancelledAndFiredTimers) {
  TimerWheel wheel(1000);
  Timer cancelled, fired, waiting;
  wheel.Arm(&cancelled, 1005);
  wheel.Arm(&fired, 1010);
  wheel.Arm(&waiting, 1050);
  wheel.Cancel(&cancelled);
  EXPECT_EQ(wheel.NextWakeMs(), 10);
  wheel.Advance(1010);
  EXPECT_EQ(wheel.NextWakeMs(), 40);
}

TEST(TimerWheel, NextWakeNeverOvershootsAndReachesFarDeadlinesExactly) {
  for (uint64_t start : kStarts) {
    for (uint64_t delta : kDeltas) {
      SCOPED_TRACE(testing::Message() << "start " << start << " delta " << delta);
      TimerWheel wheel(start);
      const uint64_t deadline = start + delta;
      uint64_t fired_at = 0;
      Timer t([&] { fired_at = wheel.now_ms(); });
      wheel.Arm(&t, deadline);
      int wakes = 0;
      while (t.armed()) {
        int64_t wait = wheel.NextWakeMs();
        ASSERT_GE(wait, 1);
        ASSERT_LE(static_cast<uint64_t>(wait), deadline - wheel.now_ms());
        // An idle wheel does not poll: one wake per level, one more for a parked timer.
        ASSERT_LE(++wakes, TimerWheel::kLevels + 1);
        wheel.Advance(wheel.now_ms() + static_cast<uint64_t>(wait));
      }
      EXPECT_EQ(fired_at, deadline);
      EXPECT_EQ(wheel.NextWakeMs(), -1);
    }
  }
}

TEST(TimerWheel, DestroyedTimerIsCancelled) {
  TimerWheel wheel(0);
  int kept_fired = 0;
  int destroyed_fired = 0;
  Timer first([&] { ++kept_fired; });
  Timer last([&] { ++kept_fired; });
  wheel.Arm(&first, 50);
  {
    Timer middle([&] { ++destroyed_fired; });  // linked between the other two
    Timer far([&] { ++destroyed_fired; });
    wheel.Arm(&middle, 50);
    wheel.Arm(&last, 50);
    wheel.Arm(&far, 300000);
    EXPECT_EQ(wheel.armed_count(), 4u);
  }
  EXPECT_EQ(wheel.armed_count(), 2u);
  EXPECT_EQ(wheel.Advance(400000), 2u);
  EXPECT_EQ(kept_fired, 2);
  EXPECT_EQ(destroyed_fired, 0);
}

TEST(TimerWheel, DestroyedWheelDisarmsItsTimers) {
  Timer t;  // outlives the wheel; its destructor must not touch it
  {
    TimerWheel wheel(0);
    wheel.Arm(&t, 10);
    EXPECT_TRUE(t.armed());
  }
  EXPECT_FALSE(t.armed());
}

// 10,000 random arms, re-arms, cancels, destructions and advances, checked against a
// reference model: a multimap of the armed timers by effective deadline (a deadline
// that has passed counts as the next millisecond). Each callback checks that it is
// the earliest armed timer and that its deadline is now; callbacks also re-arm and
// cancel timers.
TEST(TimerWheel, MatchesReferenceModelUnderRandomOperations) {
  for (uint64_t seed : {1, 2, 3}) {
    SCOPED_TRACE(testing::Message() << "seed " << seed);
    std::mt19937_64 rng(seed);
    constexpr int kTimers = 64;
    TimerWheel wheel(rng() % 1000000000);
    std::multimap<uint64_t, int> model;
    std::vector<std::optional<std::multimap<uint64_t, int>::iterator>> where(kTimers);
    std::vector<std::unique_ptr<Timer>> timers(kTimers);
    int failures = 0;
    size_t fired = 0;

    // Deadlines: passed (or now), within each level, or beyond the top level's reach.
    auto random_deadline = [&]() -> uint64_t {
      constexpr uint64_t kSpans[] = {64, 4096, 262144, 16777216, 40000000};
      uint64_t now = wheel.now_ms();
      size_t kind = rng() % (std::size(kSpans) + 1);
      if (kind == 0) return now - std::min<uint64_t>(now, rng() % 100);
      return now + rng() % kSpans[kind - 1];
    };
    auto forget = [&](int id) {
      if (where[id]) model.erase(*where[id]);
      where[id].reset();
    };
    auto arm = [&](int id, uint64_t deadline) {
      wheel.Arm(timers[id].get(), deadline);
      forget(id);
      where[id] = model.emplace(std::max(deadline, wheel.now_ms() + 1), id);
    };
    auto cancel = [&](int id) {
      wheel.Cancel(timers[id].get());
      forget(id);
    };
    auto on_fire = [&](int id) {
      ++fired;
      uint64_t now = wheel.now_ms();
      if (!where[id]) {
        ADD_FAILURE() << "timer " << id << " fired at " << now << " but is not armed";
        ++failures;
      } else if ((*where[id])->first != now || model.begin()->first < now) {
        ADD_FAILURE() << "timer " << id << " fired at " << now << "; due at " << (*where[id])->first
                      << ", earliest due " << model.begin()->first;
        ++failures;
      }
      forget(id);
      // Callbacks arm and cancel too: themselves or others.
      uint64_t action = rng() % 8;
      if (action == 0) arm(id, random_deadline());
      if (action == 1) cancel(static_cast<int>(rng() % kTimers));
      if (action == 2) arm(static_cast<int>(rng() % kTimers), random_deadline());
    };
    auto make_timer = [&](int id) {
      timers[id] = std::make_unique<Timer>([&on_fire, id] { on_fire(id); });
    };
    for (int id = 0; id < kTimers; ++id) make_timer(id);

    for (int op = 0; op < 10000; ++op) {
      int id = static_cast<int>(rng() % kTimers);
      uint32_t kind = rng() % 20;
      if (kind < 8) {
        arm(id, random_deadline());
      } else if (kind < 11) {
        cancel(id);
      } else if (kind < 12) {
        forget(id);
        make_timer(id);  // destroys the old timer, which must cancel it
      } else {
        constexpr uint64_t kSteps[] = {3, 64, 5000, 1000000};
        uint64_t step = rng() % kSteps[rng() % std::size(kSteps)];
        uint64_t target = wheel.now_ms() + step;
        size_t fired_before = fired;
        size_t returned = wheel.Advance(target);
        ASSERT_EQ(failures, 0) << "op " << op;
        ASSERT_EQ(returned, fired - fired_before) << "op " << op;
        ASSERT_EQ(wheel.now_ms(), target);
        // Nothing that was due is left.
        ASSERT_TRUE(model.empty() || model.begin()->first > target) << "op " << op;
      }
      ASSERT_EQ(wheel.armed_count(), model.size()) << "op " << op;
      for (int i = 0; i < kTimers; ++i) ASSERT_EQ(timers[i]->armed(), where[i].has_value());
      int64_t wait = wheel.NextWakeMs();
      if (model.empty()) {
        ASSERT_EQ(wait, -1) << "op " << op;
      } else {
        ASSERT_GE(wait, 1) << "op " << op;
        ASSERT_LE(static_cast<uint64_t>(wait), model.begin()->first - wheel.now_ms())
            << "op " << op;
      }
    }
    EXPECT_GT(fired, 1000u);  // the run did exercise firing
  }
}

}  // namespace
}  // namespace engine
