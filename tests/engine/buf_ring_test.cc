// Tests of engine/buf_ring.cc and engine/buffer.cc: the provided buffer ring, the
// references that keep buffers out of it, overflow blocks, and receiving when the
// ring runs dry without overflow memory (tests/engine/loop_buffers_test.cc has the
// loop's buffers phase with it).
#include "engine/buf_ring.h"

#include <gtest/gtest.h>
#include <liburing.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "engine/buffer.h"
#include "engine/connection.h"
#include "engine/loop.h"
#include "tests/engine/test_util.h"

namespace engine_test {
namespace {

using engine::BufRef;
using engine::BufRing;
using engine::Connection;
using engine::Loop;
using engine::LoopOptions;
using engine::RecvBuf;

// A bare io_uring, for using BufRing without a loop.
class RawRing {
 public:
  RawRing() { ret_ = io_uring_queue_init(8, &ring_, 0); }
  ~RawRing() {
    if (ret_ == 0) io_uring_queue_exit(&ring_);
  }
  int status() const { return ret_; }
  io_uring* get() { return &ring_; }

 private:
  io_uring ring_{};
  int ret_;
};

TEST(BufRing, InitRejectsCountsThatAreNotPowersOfTwoAndZeroSize) {
  RawRing ring;
  ASSERT_EQ(ring.status(), 0);
  struct Case {
    uint32_t count;
    uint32_t size;
  };
  for (Case c : {Case{3, 256}, Case{0, 256}, Case{1000, 256}, Case{65536, 256}, Case{4, 0},
                 Case{4, BufRing::kMaxBufferSize + 1}}) {
    BufRing br;
    engine::SetupError error;
    EXPECT_EQ(br.Init(ring.get(), 0, c.count, c.size, &error), -EINVAL)
        << "count " << c.count << ", size " << c.size;
    EXPECT_EQ(error.err, -EINVAL);
    EXPECT_FALSE(error.message.empty());
  }
  for (uint32_t count : {1u, 4u, 32768u}) {
    BufRing br;
    ASSERT_EQ(br.Init(ring.get(), static_cast<uint16_t>(count), count, 64, nullptr), 0)
        << "count " << count;
    EXPECT_EQ(br.available(), count);
    EXPECT_EQ(br.in_use(), 0u);
  }
}

TEST(BufRing, BufferReturnsToTheRingOnlyWhenTheLastReferenceGoes) {
  RawRing ring;
  ASSERT_EQ(ring.status(), 0);
  BufRing br;
  ASSERT_EQ(br.Init(ring.get(), 0, 4, 128, nullptr), 0);
  // As a receive completion does: the kernel took buffer 2 (and wrote into it), the
  // handler holds it.
  br.MarkInUse(2);
  std::memcpy(br.buffer(2), "0123456789abcdefghij", 20);
  BufRef a;
  {
    RecvBuf piece(&br, 2, br.buffer(2), 20);
    a = piece.Retain();
    br.Unref(2);  // the handler returns
  }
  EXPECT_EQ(br.in_use(), 1u);
  EXPECT_EQ(br.available(), 3u);
  EXPECT_EQ(a.view(), "0123456789abcdefghij");

  BufRef shared = a.Share();
  shared.Narrow(10, 5);
  EXPECT_EQ(shared.view(), "abcde");
  EXPECT_EQ(a.view(), "0123456789abcdefghij") << "Narrow changed the other reference";
  shared.Narrow(1, 2);
  EXPECT_EQ(shared.view(), "bc");

  BufRef moved = std::move(a);
  EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): a moved-from BufRef is empty
  EXPECT_EQ(a.size(), 0u);
  EXPECT_FALSE(a.Share());
  a.Release();  // no reference, no effect
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved.view(), "0123456789abcdefghij");

  moved.Release();
  EXPECT_EQ(br.in_use(), 1u) << "released while a shared reference still held it";
  EXPECT_EQ(shared.view(), "bc");

  shared = BufRef();  // move-assigning drops the last reference
  EXPECT_EQ(br.in_use(), 0u);
  EXPECT_EQ(br.available(), 3u) << "published before Commit()";
  EXPECT_EQ(br.Commit(), 1u);
  EXPECT_EQ(br.available(), 4u);
  EXPECT_EQ(br.recycled_total(), 1u);
  EXPECT_EQ(br.Commit(), 0u);
}

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAsan = true;
#else
constexpr bool kAsan = false;
#endif

// Under ASan a buffer the kernel owns is poisoned, so that a view kept past its
// release fails at once instead of reading the next receive's bytes.
TEST(BufRing, ReadingABufferAfterItsReleaseFailsUnderAsan) {
  if (!kAsan) GTEST_SKIP() << "poisoning is an AddressSanitizer build's";
  RawRing ring;
  ASSERT_EQ(ring.status(), 0);
  BufRing br;
  ASSERT_EQ(br.Init(ring.get(), 0, 4, 128, nullptr), 0);
  br.MarkInUse(1);
  std::memcpy(br.buffer(1), "abc", 3);
  const volatile char* stale = br.buffer(1);
  EXPECT_EQ(stale[0], 'a') << "a buffer in use reads as usual";
  br.Unref(1);
  EXPECT_DEATH((void)stale[0], "use-after-poison");
  br.Commit();
  br.MarkInUse(1);  // the kernel hands it out again
  EXPECT_EQ(stale[1], 'b');
  br.Unref(1);
}

TEST(BufRing, OverflowBlocksStayWithinTheCapAndAreFreedByTheLastRelease) {
  RawRing ring;
  ASSERT_EQ(ring.status(), 0);
  BufRing br;
  ASSERT_EQ(br.Init(ring.get(), 0, 4, 128, nullptr), 0);
  EXPECT_EQ(br.TakeOverflow(10), -1) << "no cap was set: no overflow memory";
  br.SetOverflowCap(300);
  int a = br.TakeOverflow(200);
  ASSERT_GE(a, 4) << "overflow ids follow the ring's";
  EXPECT_EQ(br.TakeOverflow(101), -1) << "past the cap";
  int b = br.TakeOverflow(100);
  ASSERT_GE(b, 4);
  EXPECT_NE(a, b);
  EXPECT_EQ(br.overflow_bytes(), 300u);
  EXPECT_EQ(br.in_use(), 0u) << "overflow blocks are not ring buffers";
  auto ida = static_cast<uint16_t>(a);
  std::memcpy(br.buffer(ida), "overflow", 8);
  BufRef kept;
  {
    RecvBuf piece(&br, ida, br.buffer(ida), 8);
    kept = piece.Retain();
    br.Unref(ida);  // TakeOverflow's reference, as a receive's handler drops it
  }
  EXPECT_EQ(br.overflow_bytes(), 300u) << "freed while a reference held it";
  EXPECT_EQ(kept.view(), "overflow");
  kept.Release();
  EXPECT_EQ(br.overflow_bytes(), 100u);
  EXPECT_EQ(br.Commit(), 0u) << "an overflow block never goes to the kernel";
  int c = br.TakeOverflow(200);
  EXPECT_EQ(c, a) << "a freed id is reused";
  br.Unref(static_cast<uint16_t>(c));
  br.Unref(static_cast<uint16_t>(b));
  EXPECT_EQ(br.overflow_bytes(), 0u);
}

// A server that keeps every received piece (retain = true) and records each
// connection's bytes, in accept order.
struct Hoarder : RecordingHandler {
  Hoarder() {
    on_accept = [this](Connection& c) {
      c.user_data = reinterpret_cast<void*>(bytes.size());
      bytes.emplace_back();
    };
    on_data = [this](Connection& c, const RecvBuf& data) {
      bytes[reinterpret_cast<size_t>(c.user_data)].append(data.view());
      if (!retain) return;
      held.push_back(data.Retain());
      if (batch > 0 && held.size() == batch) {
        c.loop().Defer([this] { held.clear(); });  // later in this turn, all at once
      }
    };
  }
  bool retain = true;
  size_t batch = 0;  // when non-zero: release everything once this many are held
  std::vector<BufRef> held;
  std::vector<std::string> bytes;
};

// Declared after the loop: drops the Hoarder's references before the loop (and its
// ring) goes, even when a test stops early.
struct DropHeld {
  Hoarder& server;
  ~DropHeld() { server.held.clear(); }
};

TEST(BufRing, RetainedBuffersStarveReceivesUntilOneIsReleased) {
  constexpr size_t kSize = 256;
  Hoarder server;  // declared before the loop: it outlives the loop's connections
  std::unique_ptr<Loop> loop =
      Loop::CreateOrDie(LoopOptions{.buffer_count = 4, .buffer_size = kSize, .overflow_bytes = 0});
  DropHeld drop_held{server};
  engine::Listener* listener = ListenLoopback(*loop, &server);
  ASSERT_NE(listener, nullptr);
  Fd client = ConnectLoopback(listener->port());
  ASSERT_TRUE(WriteAll(client.get(), Pattern(1, 0, 16 * kSize)));

  // Four pieces fill the four buffers; the fifth receive finds the ring empty.
  ASSERT_TRUE(RunUntil(*loop, [&] { return loop->stats().enobufs > 0; }));
  RunFor(*loop, 100);
  EXPECT_EQ(server.data_calls, 4);
  EXPECT_EQ(loop->buffers().in_use(), 4u);
  EXPECT_EQ(loop->buffers().available(), 0u);
  size_t before = server.received.size();

  server.held.erase(server.held.begin());  // one buffer back
  ASSERT_TRUE(RunUntil(*loop, [&] { return server.data_calls == 5; }));
  RunFor(*loop, 100);
  EXPECT_EQ(server.data_calls, 5) << "more than the one released buffer was used";
  EXPECT_GT(server.received.size(), before);
  EXPECT_TRUE(MatchesPattern(1, 0, server.received));

  server.retain = false;
  server.held.clear();
  EXPECT_TRUE(RunUntil(*loop, [&] { return server.received.size() == 16 * kSize; }));
  EXPECT_TRUE(MatchesPattern(1, 0, server.received));
  EXPECT_EQ(server.closes, 0);
  EXPECT_EQ(loop->buffers().in_use(), 0u);
}

TEST(BufRing, ExhaustedRingLosesNoBytesAndRecoversWhenBuffersReturn) {
  constexpr int kClients = 4;
  constexpr size_t kEach = 64 * 1024;  // 64 times what the ring holds, per client
  Hoarder server;
  std::unique_ptr<Loop> loop =
      Loop::CreateOrDie(LoopOptions{.buffer_count = 4, .buffer_size = 256, .overflow_bytes = 0});
  DropHeld drop_held{server};
  engine::Listener* listener = ListenLoopback(*loop, &server);
  ASSERT_NE(listener, nullptr);

  std::vector<Fd> clients;
  for (int i = 0; i < kClients; ++i) clients.push_back(ConnectLoopback(listener->port()));
  ASSERT_TRUE(RunUntil(*loop, [&] { return server.accepts == kClients; }));
  std::atomic<int> writers_ok{0};
  std::vector<std::jthread> writers;
  for (int i = 0; i < kClients; ++i) {
    writers.emplace_back([&, i] {
      if (WriteAll(clients[i].get(), Pattern(100 + i, 0, kEach))) ++writers_ok;
      shutdown(clients[i].get(), SHUT_WR);
    });
  }

  // 1. Nothing is released: the ring runs dry and receiving stops.
  ASSERT_TRUE(RunUntil(*loop, [&] { return server.held.size() == 4; }));
  RunFor(*loop, 100);
  EXPECT_EQ(server.held.size(), 4u);
  EXPECT_GT(loop->stats().enobufs, 0u);
  // 2. Buffers come back in batches: all four once four are held (the last pieces
  //    between turns).
  server.batch = 4;
  server.held.clear();
  uint64_t enobufs_before = loop->stats().enobufs;
  auto all_in = [&] {
    server.held.clear();
    return server.eofs == kClients;
  };
  EXPECT_TRUE(RunUntil(*loop, all_in, 10000));
  for (std::jthread& t : writers) t.join();
  EXPECT_EQ(writers_ok, kClients);
  for (int i = 0; i < kClients; ++i) {
    EXPECT_EQ(server.bytes[i].size(), kEach) << "connection " << i;
    EXPECT_TRUE(MatchesPattern(100 + i, 0, server.bytes[i])) << "connection " << i;
  }
  // The ring kept running dry while the traffic flowed, and nothing was lost.
  EXPECT_GT(loop->stats().enobufs - enobufs_before, 10u);
  server.held.clear();
  EXPECT_TRUE(RunUntil(*loop, [&] { return server.closes == kClients; }));
  EXPECT_EQ(server.close_err, 0);
  EXPECT_EQ(loop->buffers().in_use(), 0u);
}

// Buffers that come back must reach every receive waiting for them, and only those
// with bytes to read wait: a connection accepted while the ring is empty must not
// take the place of one with data pending (the kernel picks the buffer before it
// looks for data, unless the receive polls first).
TEST(BufRing, RefillArmsWaiterWithDataQueuedBehindIdleWaiters) {
  Hoarder server;
  std::unique_ptr<Loop> loop =
      Loop::CreateOrDie(LoopOptions{.buffer_count = 1, .buffer_size = 256, .overflow_bytes = 0});
  DropHeld drop_held{server};
  engine::Listener* listener = ListenLoopback(*loop, &server);
  ASSERT_NE(listener, nullptr);
  Fd holder = ConnectLoopback(listener->port());
  ASSERT_TRUE(RunUntil(*loop, [&] { return server.accepts == 1; }));
  RunFor(*loop, 20);
  ASSERT_TRUE(WriteAll(holder.get(), "h"));  // takes the one buffer, kept
  ASSERT_TRUE(RunUntil(*loop, [&] { return server.held.size() == 1; }));
  ASSERT_EQ(loop->buffers().available(), 0u);

  // Accepted while the ring is empty: each receive waits for data first, so the
  // idle one never queues for a buffer; the other queues once its data arrives.
  Fd idle = ConnectLoopback(listener->port());
  ASSERT_TRUE(RunUntil(*loop, [&] { return server.accepts == 2; }));
  Fd with_data = ConnectLoopback(listener->port());
  ASSERT_TRUE(RunUntil(*loop, [&] { return server.accepts == 3; }));
  RunFor(*loop, 20);
  EXPECT_EQ(loop->recv_memory().waiters, 0u);
  ASSERT_TRUE(WriteAll(with_data.get(), "data"));
  ASSERT_TRUE(RunUntil(*loop, [&] { return loop->recv_memory().waiters == 1; }));

  server.retain = false;
  server.held.clear();  // the buffer comes back
  EXPECT_TRUE(RunUntil(*loop, [&] { return server.bytes[2] == "data"; }, 2000))
      << "the receive with data pending was never re-armed; buffers available: "
      << loop->buffers().available();
  // The idle connection is still served too.
  ASSERT_TRUE(WriteAll(idle.get(), "idle"));
  EXPECT_TRUE(RunUntil(*loop, [&] { return server.bytes[1] == "idle"; }, 2000));
}

}  // namespace
}  // namespace engine_test
