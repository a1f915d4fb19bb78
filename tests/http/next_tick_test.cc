#include "http/next_tick.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace {

using http::Tick;
using http::TickQueue;
using ::testing::ElementsAre;

// A tick that records its name and then runs `then`.
struct Named {
  explicit Named(std::string n, std::vector<std::string>* log) : name(std::move(n)), log(log) {}
  std::string name;
  std::vector<std::string>* log;
  std::function<void()> then;
  Tick tick{this, [](void* p) {
              auto* self = static_cast<Named*>(p);
              self->log->push_back(self->name);
              if (self->then) self->then();
            }};
};

TEST(TickQueue, RunsTicksInPushOrderOnceScheduled) {
  std::vector<std::string> log;
  Named a("a", &log), b("b", &log), c("c", &log);
  TickQueue q;
  EXPECT_TRUE(q.Push(a.tick));  // the owner schedules a run
  EXPECT_FALSE(q.Push(b.tick));
  EXPECT_FALSE(q.Push(c.tick));
  EXPECT_TRUE(log.empty());
  q.RunScheduled();
  EXPECT_THAT(log, ElementsAre("a", "b", "c"));
  EXPECT_TRUE(q.empty());
  EXPECT_TRUE(q.Push(a.tick));  // idle again: a new run is needed
}

TEST(TickQueue, PushingAQueuedTickAgainDoesNothing) {
  std::vector<std::string> log;
  Named a("a", &log), b("b", &log);
  TickQueue q;
  EXPECT_TRUE(q.Push(a.tick));
  EXPECT_FALSE(q.Push(b.tick));
  EXPECT_FALSE(q.Push(a.tick));
  q.RunScheduled();
  EXPECT_THAT(log, ElementsAre("a", "b"));
}

TEST(TickQueue, TicksPushedWhileRunningRunInTheSamePassAfterTheOthers) {
  std::vector<std::string> log;
  TickQueue q;
  Named a("a", &log), b("b", &log), c("c", &log);
  a.then = [&] { EXPECT_FALSE(q.Push(c.tick)); };
  EXPECT_TRUE(q.Push(a.tick));
  EXPECT_FALSE(q.Push(b.tick));
  q.RunScheduled();
  EXPECT_THAT(log, ElementsAre("a", "b", "c"));
}

TEST(TickQueue, HeldTickStopsTheQueueUntilReleasedThenRunsAtOnce) {
  std::vector<std::string> log;
  TickQueue q;
  Named finish("finish", &log), end("end", &log);
  finish.tick.held = true;
  EXPECT_FALSE(q.Push(finish.tick));  // nothing can run: no run to schedule
  EXPECT_FALSE(q.Push(end.tick));
  q.RunScheduled();
  EXPECT_TRUE(log.empty());
  q.Release(finish.tick);
  EXPECT_THAT(log, ElementsAre("finish", "end"));
}

TEST(TickQueue, ReleasingATickBehindRunnableOnesLeavesThemToTheScheduledRun) {
  std::vector<std::string> log;
  TickQueue q;
  Named a("a", &log), held("held", &log);
  held.tick.held = true;
  EXPECT_TRUE(q.Push(a.tick));
  EXPECT_FALSE(q.Push(held.tick));
  q.Release(held.tick);
  EXPECT_TRUE(log.empty());
  q.RunScheduled();
  EXPECT_THAT(log, ElementsAre("a", "held"));
}

TEST(TickQueue, RemoveTakesATickOutAndAsksForARunWhenTheNewFrontCanRun) {
  std::vector<std::string> log;
  TickQueue q;
  Named held("held", &log), a("a", &log), b("b", &log);
  held.tick.held = true;
  EXPECT_FALSE(q.Push(held.tick));
  EXPECT_FALSE(q.Push(a.tick));
  EXPECT_FALSE(q.Push(b.tick));
  EXPECT_FALSE(q.Remove(b.tick));    // not the front
  EXPECT_TRUE(q.Remove(held.tick));  // a can run now
  EXPECT_FALSE(held.tick.queued);
  q.RunScheduled();
  EXPECT_THAT(log, ElementsAre("a"));
  EXPECT_TRUE(q.empty());
  EXPECT_FALSE(q.Remove(a.tick));  // not queued
}

TEST(TickQueue, RunAllReleasesEveryHeldTick) {
  std::vector<std::string> log;
  TickQueue q;
  Named f1("f1", &log), a("a", &log), f2("f2", &log);
  f1.tick.held = true;
  f2.tick.held = true;
  EXPECT_FALSE(q.Push(f1.tick));
  EXPECT_FALSE(q.Push(a.tick));
  EXPECT_FALSE(q.Push(f2.tick));
  q.RunAll();
  EXPECT_THAT(log, ElementsAre("f1", "a", "f2"));
  EXPECT_TRUE(q.empty());
}

// A tick may take the ticks of the object it belongs to out of the queue (the
// exchange is reused): the run goes on with what is left.
TEST(TickQueue, ARunningTickMayRemoveLaterTicks) {
  std::vector<std::string> log;
  TickQueue q;
  Named a("a", &log), b("b", &log), c("c", &log);
  a.then = [&] { EXPECT_FALSE(q.Remove(b.tick)); };
  EXPECT_TRUE(q.Push(a.tick));
  EXPECT_FALSE(q.Push(b.tick));
  EXPECT_FALSE(q.Push(c.tick));
  q.RunScheduled();
  EXPECT_THAT(log, ElementsAre("a", "c"));
}

}  // namespace
