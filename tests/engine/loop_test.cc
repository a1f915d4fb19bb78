// Tests for engine/loop.cc: timers, Post(), Stop() and Defer() on a real Loop, and
// its teardown.
//
// A loop is created on the thread that runs it (the ring is single-issuer). Tests
// that block in Run() have a watchdog: a loop stuck in the kernel cannot be joined,
// so a missed wake-up ends the test binary with a message instead of hanging it.
#include "engine/loop.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/engine/test_util.h"

// Linked with --wrap=io_uring_unregister_buf_ring (tests/engine/BUILD.bazel). The
// real function reads ring->ring_fd in liburing's uninstrumented code; the wrapper
// reads it here, so that ASan reports an io_uring that was already freed, and counts
// calls made through a ring whose descriptor is already closed.
std::atomic<int> g_unregister_calls{0};
std::atomic<int> g_unregister_through_closed_ring{0};
extern "C" int __real_io_uring_unregister_buf_ring(io_uring* ring, int bgid);
extern "C" int __wrap_io_uring_unregister_buf_ring(io_uring* ring, int bgid) {
  ++g_unregister_calls;
  if (fcntl(ring->ring_fd, F_GETFD) < 0) ++g_unregister_through_closed_ring;
  return __real_io_uring_unregister_buf_ring(ring, bgid);
}

namespace engine {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

std::unique_ptr<Loop> NewLoop() {
  SetupError err;
  std::unique_ptr<Loop> loop = Loop::Create(LoopOptions{}, &err);
  EXPECT_NE(loop, nullptr) << err.message;
  return loop;
}

// A loop whose set-up fails part way (here at the buffer ring, after the ring) is
// refused with the reason, and its half-built parts go without a crash.
TEST(Loop, CreateFailingAtTheBufferRingReturnsNullWithTheReason) {
  SetupError err;
  std::unique_ptr<Loop> loop = Loop::Create(LoopOptions{.buffer_count = 3}, &err);
  EXPECT_EQ(loop, nullptr);
  EXPECT_EQ(err.err, -EINVAL);
  EXPECT_NE(err.message.find("power of two"), std::string::npos) << err.message;
}

// Exits the process, naming `what`, unless destroyed within timeout_ms.
class Watchdog {
 public:
  Watchdog(int timeout_ms, const char* what)
      : thread_([this, timeout_ms, what] {
          std::unique_lock<std::mutex> lock(mu_);
          if (!cv_.wait_for(lock, milliseconds(timeout_ms), [this] { return done_; })) {
            std::fprintf(stderr, "FAILED: %s within %d ms\n", what, timeout_ms);
            std::_Exit(1);
          }
        }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

// Measured in real time from the ArmTimer() call, as a user of a timeout would.
TEST(Loop, ArmedTimerFiresNoEarlierThanItsDelay) {
  std::unique_ptr<Loop> loop = NewLoop();
  ASSERT_NE(loop, nullptr);
  steady_clock::time_point fired_at{};
  Timer timer([&] { fired_at = steady_clock::now(); });

  loop->Defer([] {});
  loop->RunOnce();  // a turn that does not wait: the loop's clock is fresh
  const steady_clock::time_point start = steady_clock::now();
  loop->ArmTimer(&timer, 20);
  ASSERT_TRUE(engine_test::RunUntil(
      *loop, [&] { return !timer.armed(); }, 5000));

  EXPECT_GE(fired_at - start, milliseconds(20));
  EXPECT_LT(fired_at - start, milliseconds(1000));
}

// A handler that works for a while and then arms a timeout: the delay must count
// from when ArmTimer() is called, not from the start of the turn.
TEST(Loop, TimerArmedLateInATurnFiresNoEarlierThanItsDelay) {
  std::unique_ptr<Loop> loop = NewLoop();
  ASSERT_NE(loop, nullptr);
  steady_clock::time_point armed_at{};
  steady_clock::time_point fired_at{};
  Timer timer([&] { fired_at = steady_clock::now(); });
  loop->Defer([&] {
    const steady_clock::time_point busy_until = steady_clock::now() + milliseconds(10);
    while (steady_clock::now() < busy_until) {
    }
    armed_at = steady_clock::now();
    loop->ArmTimer(&timer, 20);
  });
  ASSERT_TRUE(engine_test::RunUntil(
      *loop, [&] { return fired_at != steady_clock::time_point{}; }, 5000));
  EXPECT_GE(fired_at - armed_at, milliseconds(20));
}

TEST(Loop, IdleLoopWaitsInTheKernelUntilTheTimerIsDue) {
  std::unique_ptr<Loop> loop = NewLoop();
  ASSERT_NE(loop, nullptr);
  bool fired = false;
  Timer timer([&] { fired = true; });
  loop->ArmTimer(&timer, 100);
  const uint64_t enters_before = loop->stats().enters;
  int turns = 0;
  const steady_clock::time_point give_up = steady_clock::now() + milliseconds(5000);
  while (!fired && steady_clock::now() < give_up) {
    loop->RunOnce();
    ++turns;
  }
  ASSERT_TRUE(fired);
  // A polling loop would take thousands of turns over 100 ms.
  EXPECT_LE(turns, 5);
  EXPECT_LE(loop->stats().enters - enters_before, 5u);
}

TEST(Loop, PostsFromManyThreadsRunOnceOnTheLoopThreadInOrder) {
  constexpr int kThreads = 4;
  constexpr int kPostsEach = 10000;
  std::unique_ptr<Loop> loop = NewLoop();
  ASSERT_NE(loop, nullptr);
  const std::thread::id loop_thread = std::this_thread::get_id();

  // Only the loop thread touches these.
  int ran = 0;
  int off_thread = 0;
  int out_of_order = 0;
  std::vector<int> next_seq(kThreads, 0);

  std::vector<std::thread> posters;
  for (int t = 0; t < kThreads; ++t) {
    posters.emplace_back([&, t] {
      for (int seq = 0; seq < kPostsEach; ++seq) {
        loop->Post([&, t, seq] {
          ++ran;
          if (std::this_thread::get_id() != loop_thread) ++off_thread;
          if (next_seq[t] != seq) ++out_of_order;
          next_seq[t] = seq + 1;
        });
      }
    });
  }
  bool all_ran = engine_test::RunUntil(
      *loop, [&] { return ran >= kThreads * kPostsEach; }, 30000);
  for (std::thread& t : posters) t.join();
  ASSERT_TRUE(all_ran) << ran << " of " << kThreads * kPostsEach << " ran";
  engine_test::RunFor(*loop, 30);  // nothing runs twice

  EXPECT_EQ(ran, kThreads * kPostsEach);
  EXPECT_EQ(off_thread, 0);
  EXPECT_EQ(out_of_order, 0);
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(next_seq[t], kPostsEach) << "thread " << t;
}

TEST(Loop, StopFromAnotherThreadMakesRunReturn) {
  std::unique_ptr<Loop> loop = NewLoop();
  ASSERT_NE(loop, nullptr);
  Watchdog watchdog(10000, "Run() did not return after Stop() from another thread");
  const pid_t loop_thread = gettid();
  std::thread stopper([&] {
    // Once Run() blocks in the kernel (else the test would not be the one it names).
    EXPECT_TRUE(engine_test::WaitUntilWaitingInKernel(loop_thread))
        << "Run() did not wait in the kernel";
    loop->Stop();
  });
  loop->Run();
  stopper.join();
  EXPECT_TRUE(loop->stopping());
}

TEST(Loop, PostWakesALoopBlockedInTheKernelWithNoTimers) {
  std::promise<Loop*> created;
  std::promise<void> post_returned;  // the loop must outlive the Post() call
  std::atomic<bool> ran{false};
  std::atomic<pid_t> runner_thread{0};
  Watchdog watchdog(10000, "a Post()ed function did not run on a loop blocked in the kernel");
  std::thread runner([&] {
    runner_thread = gettid();
    std::unique_ptr<Loop> loop = NewLoop();
    created.set_value(loop.get());
    if (!loop) return;
    loop->Run();
    post_returned.get_future().wait();
  });
  Loop* loop = created.get_future().get();
  if (loop != nullptr) {
    EXPECT_TRUE(engine_test::WaitUntilWaitingInKernel(runner_thread))
        << "Run() did not wait in the kernel";
    // Post() alone must wake it: nothing else (no timer, no I/O) would.
    loop->Post([&ran, loop] {
      ran = true;
      loop->Stop();
    });
    post_returned.set_value();
  }
  runner.join();
  ASSERT_NE(loop, nullptr);
  EXPECT_TRUE(ran);
}

TEST(Loop, DeferredFunctionRunsInTheDeferredPhaseOfTheSameTurn) {
  std::unique_ptr<Loop> loop = NewLoop();
  ASSERT_NE(loop, nullptr);
  bool deferred_ran = false;
  bool ran_during_timer = false;
  bool timer_fired = false;
  Timer timer([&] {
    timer_fired = true;
    loop->Defer([&] { deferred_ran = true; });
    ran_during_timer = deferred_ran;  // Defer never runs fn synchronously
  });
  loop->ArmTimer(&timer, 5);
  const steady_clock::time_point give_up = steady_clock::now() + milliseconds(5000);
  while (!timer_fired && steady_clock::now() < give_up) loop->RunOnce();
  ASSERT_TRUE(timer_fired);
  EXPECT_FALSE(ran_during_timer);
  // The deferred phase follows the timer phase in the same RunOnce().
  EXPECT_TRUE(deferred_ran);
}

TEST(Loop, DeferredWorkIsBoundedPerTurn) {
  std::unique_ptr<Loop> loop = NewLoop();
  ASSERT_NE(loop, nullptr);
  constexpr int kExtra = 100;
  int ran = 0;
  bool nested_ran = false;
  loop->Defer([&] {
    ++ran;
    loop->Defer([&] { nested_ran = true; });  // goes to the next turn
  });
  for (int i = 1; i < Loop::kMaxDeferredPerTurn + kExtra; ++i) loop->Defer([&] { ++ran; });

  loop->RunOnce();  // deferred work pending: this turn does not wait
  EXPECT_EQ(ran, Loop::kMaxDeferredPerTurn);
  EXPECT_FALSE(nested_ran);
  loop->RunOnce();
  EXPECT_EQ(ran, Loop::kMaxDeferredPerTurn + kExtra);
  EXPECT_TRUE(nested_ran);
}

TEST(Loop, SelfDeferringCallbackDoesNotStarveTimersOrPosts) {
  // Declared before the loop: the loop's destructor runs turns.
  bool keep_spinning = true;
  std::atomic<int> spins{0};  // read by the poster
  bool timer_fired = false;
  std::atomic<bool> post_ran{false};
  std::function<void()> spin;
  std::unique_ptr<Loop> loop = NewLoop();
  ASSERT_NE(loop, nullptr);

  spin = [&] {
    ++spins;
    if (keep_spinning) loop->Defer(spin);
  };
  loop->Defer(spin);
  Timer timer([&] { timer_fired = true; });
  loop->ArmTimer(&timer, 20);
  std::thread poster([&] {
    // While the loop spins: once it has deferred itself through 100 turns.
    for (int waited = 0; waited < 5000 && spins < 100; ++waited) {
      std::this_thread::sleep_for(milliseconds(1));
    }
    loop->Post([&] { post_ran = true; });
  });
  bool served = engine_test::RunUntil(
      *loop, [&] { return timer_fired && post_ran; }, 5000);
  poster.join();
  keep_spinning = false;
  loop->RunOnce();
  EXPECT_TRUE(served) << "timer fired: " << timer_fired << ", post ran: " << post_ran;
  EXPECT_GT(spins.load(), 1);  // it did keep deferring meanwhile
}

// The destructor does not run functions posted earlier: what they would reach is
// being closed. It destroys them, on the loop's thread.
TEST(Loop, FunctionsPostedButNotRunAreDroppedByTheDestructor) {
  bool ran = false;
  auto token = std::make_shared<int>(0);
  std::weak_ptr<int> alive = token;
  {
    std::unique_ptr<Loop> loop = NewLoop();
    ASSERT_NE(loop, nullptr);
    std::thread poster(
        [&, token = std::move(token)] { loop->Post([&ran, token] { ran = true; }); });
    poster.join();
    EXPECT_FALSE(alive.expired());  // queued, holding its capture
  }
  EXPECT_FALSE(ran);
  EXPECT_TRUE(alive.expired());
}

int OpenFds() {
  int n = 0;
  DIR* d = opendir("/proc/self/fd");
  if (d == nullptr) return -1;
  while (readdir(d) != nullptr) ++n;
  closedir(d);
  return n;
}

// Never lets its loop drain: each OnClose starts a new connection, to a port nothing
// listens on, which fails and closes in its turn.
class Respawner : public ConnectionHandler {
 public:
  explicit Respawner(uint16_t port) : port_(port) {}
  void OnData(Connection&, const RecvBuf&) override {}
  void OnClose(Connection& c, int) override {
    ++closes;
    Spawn(c.loop());
  }
  void Spawn(Loop& loop) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port_);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    Connection* c = nullptr;
    if (loop.Connect(reinterpret_cast<sockaddr*>(&a), sizeof(a), this, &c) != 0) ++failed;
  }
  int closes = 0;
  int failed = 0;

 private:
  uint16_t port_;
};

// A loop whose connections never reach zero within the destructor's bounded turns
// is still torn down cleanly: the buffer ring is not unregistered through the
// io_uring that was exited (and freed) before it, and no socket is left open.
TEST(Loop, DestructorThatCannotDrainFreesTheBufferRingWithoutTheRing) {
  const uint16_t port = engine_test::UnusedPort();
  ASSERT_NE(port, 0);
  Respawner respawner(port);  // outlives the loop: its destructor runs OnClose
  const int fds_before = OpenFds();
  const int closed_before = g_unregister_through_closed_ring.load();
  {
    std::unique_ptr<Loop> loop = NewLoop();
    ASSERT_NE(loop, nullptr);
    respawner.Spawn(*loop);
    ASSERT_TRUE(engine_test::RunUntil(*loop, [&] { return respawner.closes >= 3; }));
    Watchdog watchdog(60000, "~Loop did not return");
    loop.reset();
  }
  EXPECT_EQ(respawner.failed, 0);
  EXPECT_GT(respawner.closes, 1000);  // it really kept the loop busy to the end
  EXPECT_EQ(g_unregister_through_closed_ring.load(), closed_before);
  EXPECT_EQ(OpenFds(), fds_before);
}

TEST(Loop, DestructorThatDrainsUnregistersTheBufferRingThroughALiveRing) {
  const int calls_before = g_unregister_calls.load();
  const int closed_before = g_unregister_through_closed_ring.load();
  int closes = 0;
  {
    engine_test::RecordingHandler handler;  // outlives the loop
    std::unique_ptr<Loop> loop = NewLoop();
    ASSERT_NE(loop, nullptr);
    Listener* l = engine_test::ListenLoopback(*loop, &handler);
    ASSERT_NE(l, nullptr);
    engine_test::Fd client = engine_test::ConnectLoopback(l->port());
    ASSERT_TRUE(engine_test::RunUntil(*loop, [&] { return handler.accepts == 1; }));
    loop.reset();  // closes the connection and the listener, then drains
    closes = handler.closes;
  }
  EXPECT_EQ(closes, 1);
  EXPECT_EQ(g_unregister_calls.load(), calls_before + 1);
  EXPECT_EQ(g_unregister_through_closed_ring.load(), closed_before);
}

}  // namespace
}  // namespace engine

// --- the reap phase ------------------------------------------------------------------

namespace engine {
namespace {

using engine_test::ConnectLoopback;
using engine_test::Fd;
using engine_test::ListenLoopback;
using engine_test::RunFor;
using engine_test::RunUntil;
using engine_test::WriteAll;

// The first connection's OnClose (the reap phase) resumes the second, which is paused
// with its end of stream held, and closes it: the resume lists it for delivery, the
// close lets the same reap phase free it. The delivery must not reach it afterwards.
struct ResumeOtherOnClose : AcceptHandler, ConnectionHandler {
  void OnAccept(Connection& c) override {
    c.set_handler(this);
    conns.push_back(&c);
  }
  void OnData(Connection& c, const RecvBuf&) override {
    if (&c == conns[1]) {
      c.PauseRecv();  // its EOF then waits, held
      ++paused;
    }
  }
  void OnEof(Connection& c) override { ++eofs; (void)c; }
  void OnClose(Connection& c, int) override {
    ++closes;
    if (&c == conns[0] && conns.size() > 1) {
      conns[1]->ResumeRecv();
      conns[1]->Close();
    }
  }
  std::vector<Connection*> conns;
  int paused = 0;
  int eofs = 0;
  int closes = 0;
};

// True once the peer has acknowledged the FIN that `fd` sent (FIN_WAIT2): the FIN is
// in the peer's kernel.
bool FinAcknowledged(int fd) {
  tcp_info info{};
  socklen_t len = sizeof(info);
  return getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) == 0 &&
         info.tcpi_state == TCP_FIN_WAIT2;
}

TEST(Loop, ConnectionResumedAndReapedInOneReapPhaseGetsNoLaterDelivery) {
  ResumeOtherOnClose h;
  std::unique_ptr<Loop> loop = NewLoop();
  ASSERT_NE(loop, nullptr);
  Listener* listener = ListenLoopback(*loop, &h);
  ASSERT_NE(listener, nullptr);
  Fd a = ConnectLoopback(listener->port());
  ASSERT_TRUE(RunUntil(*loop, [&] { return h.conns.size() == 1; }));
  Fd b = ConnectLoopback(listener->port());
  ASSERT_TRUE(RunUntil(*loop, [&] { return h.conns.size() == 2; }));
  ASSERT_TRUE(WriteAll(b.get(), "x"));
  shutdown(b.get(), SHUT_WR);
  // b's data pauses it, and its FIN arrives while it is paused; then a few turns, for
  // what was on its way.
  ASSERT_TRUE(RunUntil(*loop, [&] { return h.paused == 1 && FinAcknowledged(b.get()); }));
  RunFor(*loop, 20);
  ASSERT_EQ(h.eofs, 0);
  h.conns[0]->Close();
  ASSERT_TRUE(RunUntil(*loop, [&] { return h.closes == 2; }));
  RunFor(*loop, 50);  // the turns that would deliver to the freed connection
  EXPECT_EQ(h.eofs, 0) << "the end of stream reached a connection after its close";
  EXPECT_EQ(loop->live_connections(), 0u);
}

}  // namespace
}  // namespace engine

// --- exceptions --------------------------------------------------------------------

namespace engine {
namespace {

using engine_test::ConnectLoopback;
using engine_test::Fd;
using engine_test::ListenLoopback;
using engine_test::RecordingHandler;
using engine_test::RunFor;
using engine_test::RunUntil;
using engine_test::WriteAll;

// No exception crosses the loop: each one a callback throws reaches the exception
// handler, the rest of the phase goes on, and a connection whose handler threw is
// closed (-ECONNABORTED) while the others are served.
TEST(Loop, ExceptionsFromCallbacksAreReportedAndTheLoopGoesOn) {
  RecordingHandler server;
  server.on_data = [&](Connection& c, const RecvBuf& data) {
    if (data.view().find("throw") != std::string_view::npos) throw std::runtime_error("data");
    struct Owned {
      SendReq req;
      iovec iov;
      std::string bytes;
    };
    auto* o = new Owned{{}, {}, std::string(data.view())};
    o->iov = {o->bytes.data(), o->bytes.size()};
    o->req.iov = &o->iov;
    o->req.iovcnt = 1;
    o->req.user = o;
    o->req.on_done = [](SendReq* r, int) { delete static_cast<Owned*>(r->user); };
    c.Send(&o->req);
  };
  std::unique_ptr<Loop> loop = NewLoop();
  ASSERT_NE(loop, nullptr);
  std::vector<std::string> reported;
  loop->set_exception_handler([&](std::exception_ptr e) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      reported.push_back(x.what());
    }
  });
  Listener* listener = ListenLoopback(*loop, &server);
  ASSERT_NE(listener, nullptr);
  Fd bad = ConnectLoopback(listener->port());
  Fd good = ConnectLoopback(listener->port());
  ASSERT_TRUE(RunUntil(*loop, [&] { return server.accepts == 2; }));
  // Both pieces arrive in one turn: the second is handled after the first threw.
  ASSERT_TRUE(WriteAll(bad.get(), "throw"));
  ASSERT_TRUE(WriteAll(good.get(), "echo"));
  Timer timer([] { throw std::runtime_error("timer"); });
  Timer later([&] { reported.push_back("later timer ran"); });
  loop->ArmTimer(&timer, 1);
  loop->ArmTimer(&later, 1);
  loop->Defer([] { throw std::runtime_error("deferred"); });
  loop->Post([] { throw std::runtime_error("posted"); });
  ASSERT_TRUE(RunUntil(*loop, [&] { return server.closes == 1 && reported.size() >= 5; }));
  char buf[8];
  ASSERT_EQ(recv(good.get(), buf, sizeof(buf), 0), 4);
  EXPECT_EQ(std::string(buf, 4), "echo");
  EXPECT_EQ(server.close_err, -ECONNABORTED);
  // The reap's close goes to the kernel with the loop's next submission.
  ASSERT_TRUE(RunUntil(*loop, [&] {
    pollfd p{bad.get(), POLLIN, 0};
    return poll(&p, 1, 0) == 1;
  }));
  EXPECT_EQ(recv(bad.get(), buf, sizeof(buf), 0), 0) << "the throwing handler's socket is closed";
  EXPECT_THAT(reported, ::testing::UnorderedElementsAre("data", "timer", "later timer ran",
                                                       "deferred", "posted"));
}

}  // namespace
}  // namespace engine
