// Tests for engine/loop.cc's Loop::current() and Loop::AtTeardown() (loop_test.cc
// holds the rest of the loop's tests).
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "engine/loop.h"
#include "engine/runtime.h"
#include "tests/engine/test_util.h"

namespace engine {
namespace {

std::unique_ptr<Loop> NewLoop() {
  SetupError err;
  std::unique_ptr<Loop> loop = Loop::Create(LoopOptions{}, &err);
  EXPECT_NE(loop, nullptr) << err.message;
  return loop;
}

TEST(LoopCurrent, IsNullOnAThreadThatNeverMadeALoop) { EXPECT_EQ(Loop::current(), nullptr); }

TEST(LoopCurrent, IsTheLoopJustCreatedAndNullOnceItIsDestroyed) {
  std::unique_ptr<Loop> loop = NewLoop();
  ASSERT_NE(loop, nullptr);
  EXPECT_EQ(Loop::current(), loop.get());
  loop.reset();
  EXPECT_EQ(Loop::current(), nullptr);
}

// Thread-local: a loop on this thread is not another thread's current loop.
TEST(LoopCurrent, IsNullOnAnotherThreadWhileThisThreadHasALoop) {
  std::unique_ptr<Loop> loop = NewLoop();
  ASSERT_NE(loop, nullptr);
  Loop* seen = loop.get();
  std::thread([&] { seen = Loop::current(); }).join();
  EXPECT_EQ(seen, nullptr);
}

TEST(LoopCurrent, FallsBackToTheOlderLoopWhenTheNewestIsDestroyed) {
  std::unique_ptr<Loop> a = NewLoop();
  std::unique_ptr<Loop> b = NewLoop();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(Loop::current(), b.get());
  b.reset();
  EXPECT_EQ(Loop::current(), a.get());
  a.reset();
  EXPECT_EQ(Loop::current(), nullptr);
}

// Loops destroyed out of creation order: the destroyed one leaves the thread's list
// and is never current again.
TEST(LoopCurrent, DestroyingALoopInTheMiddleLeavesTheNewestCurrentAndSkipsItLater) {
  std::unique_ptr<Loop> a = NewLoop();
  std::unique_ptr<Loop> b = NewLoop();
  std::unique_ptr<Loop> c = NewLoop();
  ASSERT_TRUE(a && b && c);
  b.reset();
  EXPECT_EQ(Loop::current(), c.get());
  c.reset();
  EXPECT_EQ(Loop::current(), a.get());
  a.reset();
  EXPECT_EQ(Loop::current(), nullptr);
}

TEST(LoopCurrent, OldestDestroyedFirstLeavesTheNewestCurrent) {
  std::unique_ptr<Loop> a = NewLoop();
  std::unique_ptr<Loop> b = NewLoop();
  ASSERT_TRUE(a && b);
  a.reset();
  EXPECT_EQ(Loop::current(), b.get());
  b.reset();
  EXPECT_EQ(Loop::current(), nullptr);
}

// A failed Create() makes nothing current.
TEST(LoopCurrent, FailedCreateLeavesThePreviousLoopCurrent) {
  std::unique_ptr<Loop> a = NewLoop();
  ASSERT_NE(a, nullptr);
  SetupError err;
  EXPECT_EQ(Loop::Create(LoopOptions{.buffer_count = 3}, &err), nullptr);
  EXPECT_EQ(Loop::current(), a.get());
}

TEST(LoopCurrent, EachRuntimeThreadSeesItsOwnLoop) {
  constexpr int kThreads = 2;
  Runtime rt;
  std::vector<Loop*> loops(kThreads, nullptr);
  std::vector<Loop*> current(kThreads, nullptr);
  RuntimeOptions options;
  options.threads = kThreads;
  SetupError err;
  // Runs on loop i's thread, before Start() returns.
  auto init = [&](Loop& loop, int i) {
    loops[i] = &loop;
    current[i] = Loop::current();
  };
  ASSERT_EQ(rt.Start(options, init, &err), 0) << err.message;
  rt.Stop();
  rt.Join();
  for (int i = 0; i < kThreads; ++i) {
    EXPECT_NE(loops[i], nullptr);
    EXPECT_EQ(current[i], loops[i]) << "thread " << i;
  }
  EXPECT_NE(loops[0], loops[1]);
}

TEST(LoopAtTeardown, RunsInTheOrderAddedWhenTheLoopIsDestroyedAndNotBefore) {
  std::vector<int> ran;
  std::unique_ptr<Loop> loop = NewLoop();
  ASSERT_NE(loop, nullptr);
  loop->AtTeardown([&] { ran.push_back(1); });
  loop->AtTeardown([&] { ran.push_back(2); });
  engine_test::RunFor(*loop, 10);
  EXPECT_TRUE(ran.empty());
  loop.reset();
  EXPECT_EQ(ran, (std::vector<int>{1, 2}));
}

// The loop is still current for its teardown functions: code that finds its loop
// through current() must not reach the loop created before it.
TEST(LoopAtTeardown, RunsWithTheLoopBeingDestroyedStillCurrent) {
  std::unique_ptr<Loop> older = NewLoop();
  std::unique_ptr<Loop> loop = NewLoop();
  ASSERT_TRUE(older && loop);
  Loop* expected = loop.get();
  Loop* seen = nullptr;
  loop->AtTeardown([&] { seen = Loop::current(); });
  loop.reset();
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(Loop::current(), older.get());
}

// What Mailbox::Close() relies on: its turn comes while connections are open and
// functions posted earlier are still queued (so none can be posted after the queue
// is dropped).
TEST(LoopAtTeardown, RunsBeforeConnectionsAreClosedAndPostedFunctionsDropped) {
  engine_test::EchoServer server;
  engine_test::RecordingHandler client;
  auto token = std::make_shared<int>(0);
  std::weak_ptr<int> posted_alive = token;
  int closes_at_teardown = -1;
  bool posted_alive_at_teardown = false;
  {
    std::unique_ptr<Loop> loop = NewLoop();
    ASSERT_NE(loop, nullptr);
    Listener* listener = engine_test::ListenLoopback(*loop, &server);
    ASSERT_NE(listener, nullptr);
    ASSERT_NE(engine_test::ConnectWithLoop(*loop, listener->port(), &client), nullptr);
    ASSERT_TRUE(engine_test::RunUntil(*loop, [&] { return client.connects == 1; }));
    std::thread([&, token = std::move(token)] { loop->Post([token] {}); }).join();
    loop->AtTeardown([&] {
      closes_at_teardown = client.closes;
      posted_alive_at_teardown = !posted_alive.expired();
    });
  }
  EXPECT_EQ(closes_at_teardown, 0);
  EXPECT_TRUE(posted_alive_at_teardown);
  EXPECT_EQ(client.closes, 1);
  EXPECT_TRUE(posted_alive.expired());
}

TEST(LoopAtTeardown, FunctionAddedByATeardownFunctionRunsAfterIt) {
  std::vector<int> ran;
  {
    std::unique_ptr<Loop> loop = NewLoop();
    ASSERT_NE(loop, nullptr);
    Loop* l = loop.get();
    loop->AtTeardown([&, l] {
      ran.push_back(1);
      l->AtTeardown([&] { ran.push_back(3); });
    });
    loop->AtTeardown([&] { ran.push_back(2); });
  }
  EXPECT_EQ(ran, (std::vector<int>{1, 2, 3}));
}

// Adds a teardown function from OnClose, which the destructor's draining turns call,
// and records whether it ran before AtTeardown() returned.
class AddsTeardownOnClose : public ConnectionHandler {
 public:
  void OnConnect(Connection&, int) override { connected = true; }
  void OnData(Connection&, const RecvBuf&) override {}
  void OnClose(Connection& c, int) override {
    c.loop().AtTeardown([this] { ran = true; });
    ran_inside_call = ran;
  }
  bool connected = false;
  bool ran = false;
  bool ran_inside_call = false;
};

// Teardown has begun, so fn runs inside AtTeardown(), before the destructor goes on.
TEST(LoopAtTeardown, AddedOnceTeardownBeganRunsAtOnce) {
  engine_test::EchoServer server;
  AddsTeardownOnClose client;
  {
    std::unique_ptr<Loop> loop = NewLoop();
    ASSERT_NE(loop, nullptr);
    Listener* listener = engine_test::ListenLoopback(*loop, &server);
    ASSERT_NE(listener, nullptr);
    ASSERT_NE(engine_test::ConnectWithLoop(*loop, listener->port(), &client), nullptr);
    ASSERT_TRUE(engine_test::RunUntil(*loop, [&] { return client.connected; }));
  }
  EXPECT_TRUE(client.ran);
  EXPECT_TRUE(client.ran_inside_call);
}

TEST(LoopAtTeardown, ATeardownFunctionThatThrowsIsReportedAndTheNextStillRuns) {
  std::vector<std::string> reported;
  bool next_ran = false;
  {
    std::unique_ptr<Loop> loop = NewLoop();
    ASSERT_NE(loop, nullptr);
    loop->set_exception_handler([&](std::exception_ptr e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        reported.push_back(x.what());
      }
    });
    loop->AtTeardown([] { throw std::runtime_error("teardown"); });
    loop->AtTeardown([&] { next_ran = true; });
  }
  EXPECT_EQ(reported, (std::vector<std::string>{"teardown"}));
  EXPECT_TRUE(next_ran);
}

}  // namespace
}  // namespace engine
