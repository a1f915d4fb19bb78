// Tests of engine/loop_buffers.cc: the loop's buffers phase. Waiters for receive
// memory are served oldest first, one per free buffer; a ring held dry by retained
// buffers calls the pressure handlers, then receives into overflow memory up to its
// cap; past the cap, a waiter still sees its peer's reset or FIN.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/buffer.h"
#include "engine/connection.h"
#include "engine/loop.h"
#include "tests/engine/test_util.h"

namespace engine_test {
namespace {

using engine::BufRef;
using engine::Connection;
using engine::Loop;
using engine::LoopOptions;
using engine::RecvBuf;

// Keeps every received piece while `retain` is set, and records each connection's
// bytes, eofs and close errors in accept order.
struct Keeper : engine::AcceptHandler, engine::ConnectionHandler {
  void OnAccept(Connection& c) override {
    c.user_data = reinterpret_cast<void*>(conns.size());
    c.set_handler(this);
    conns.push_back(&c);
    bytes.emplace_back();
    eof.push_back(false);
    close_err.push_back(1);
  }
  void OnData(Connection& c, const RecvBuf& data) override {
    size_t i = Index(c);
    bytes[i].append(data.view());
    served.push_back(i);
    if (retain) held.push_back(data.Retain());
  }
  void OnEof(Connection& c) override {
    eof[Index(c)] = true;
    eof_order.push_back(Index(c));
    if (close_on_eof) c.Close();
  }
  void OnClose(Connection& c, int err) override {
    size_t i = Index(c);
    close_err[i] = err;
    conns[i] = nullptr;
    if (drop_on_close) held.clear();
  }
  static size_t Index(const Connection& c) { return reinterpret_cast<size_t>(c.user_data); }

  bool retain = true;
  bool close_on_eof = false;
  bool drop_on_close = false;  // OnClose lets go of every held piece
  std::vector<BufRef> held;
  std::vector<Connection*> conns;
  std::vector<std::string> bytes;
  std::vector<bool> eof;
  std::vector<int> close_err;
  std::vector<size_t> served;     // connection index of each OnData, in order
  std::vector<size_t> eof_order;  // connection index of each OnEof, in order
};

// Declared after the loop: drops the references before the loop goes.
struct DropHeld {
  Keeper& k;
  ~DropHeld() { k.held.clear(); }
};

// Connects one more client and waits until the loop has accepted it.
Fd Accept(Loop& loop, Keeper& k, uint16_t port) {
  size_t before = k.conns.size();
  Fd fd = ConnectLoopback(port);
  EXPECT_TRUE(RunUntil(loop, [&] { return k.conns.size() == before + 1; }));
  RunFor(loop, 10);
  return fd;
}

// The one ring buffer is kept by a first connection, so every later one waits.
struct DryRing {
  Keeper k;
  std::unique_ptr<Loop> loop;
  DropHeld drop{k};
  uint16_t port = 0;
  Fd holder;

  explicit DryRing(size_t overflow_bytes, uint32_t buffers = 1) {
    loop = Loop::CreateOrDie(
        LoopOptions{.buffer_count = buffers, .buffer_size = 256, .overflow_bytes = overflow_bytes});
    engine::Listener* listener = ListenLoopback(*loop, &k);
    if (listener == nullptr) return;
    port = listener->port();
    holder = Accept(*loop, k, port);
    for (uint32_t i = 0; i < buffers; ++i) {
      WriteAll(holder.get(), "h");
      RunUntil(*loop, [&] { return k.held.size() == i + 1; });
    }
  }
};

TEST(LoopBuffers, WaitersAreServedOldestFirstOnePerReturnedBuffer) {
  DryRing r(/*overflow_bytes=*/0);
  ASSERT_EQ(r.loop->recv_memory().ring_free, 0u);
  constexpr int kWaiters = 6;
  std::vector<Fd> clients;
  for (int i = 0; i < kWaiters; ++i) clients.push_back(Accept(*r.loop, r.k, r.port));
  // Only a connection with bytes to read queues for a buffer, in the order its data
  // found the ring empty.
  EXPECT_EQ(r.loop->recv_memory().waiters, 0u);
  for (int i = 0; i < kWaiters; ++i) {
    ASSERT_TRUE(WriteAll(clients[i].get(), "w" + std::to_string(i)));
    ASSERT_TRUE(RunUntil(*r.loop, [&] { return r.loop->recv_memory().waiters == size_t(i) + 1; }));
  }
  r.k.served.clear();
  uint64_t enobufs = r.loop->stats().enobufs;

  for (int i = 0; i < kWaiters; ++i) {
    r.k.held.erase(r.k.held.begin());  // one buffer back; the piece it gets is kept
    ASSERT_TRUE(RunUntil(*r.loop, [&] { return r.k.served.size() == size_t(i) + 1; }))
        << "buffer " << i << " served nobody";
    RunFor(*r.loop, 30);
    ASSERT_EQ(r.k.served.size(), size_t(i) + 1) << "one buffer served two waiters";
    EXPECT_EQ(r.k.served.back(), size_t(i) + 1) << "served out of order";
  }
  // Each returned buffer re-armed one waiter, not all of them.
  EXPECT_EQ(r.loop->stats().enobufs, enobufs);
  for (int i = 0; i < kWaiters; ++i) EXPECT_EQ(r.k.bytes[i + 1], "w" + std::to_string(i));
}

TEST(LoopBuffers, PressureHandlersReleaseRetainedBuffersBeforeOverflowIsUsed) {
  constexpr size_t kTotal = 64 * 1024;
  Keeper k;
  std::unique_ptr<Loop> loop =
      Loop::CreateOrDie(LoopOptions{.buffer_count = 4, .buffer_size = 256});
  DropHeld drop{k};
  int calls = 0;
  loop->AddRecvPressureHandler([&] {
    ++calls;
    k.held.clear();
  });
  engine::Listener* listener = ListenLoopback(*loop, &k);
  ASSERT_NE(listener, nullptr);
  Fd client = Accept(*loop, k, listener->port());
  ASSERT_TRUE(WriteAll(client.get(), Pattern(7, 0, kTotal)));
  ASSERT_TRUE(RunUntil(*loop, [&] { return k.bytes[0].size() == kTotal; }));
  EXPECT_TRUE(MatchesPattern(7, 0, k.bytes[0]));
  EXPECT_GT(calls, 0);
  EXPECT_EQ(loop->stats().recv_pressure, static_cast<uint64_t>(calls));
  EXPECT_EQ(loop->stats().own_recvs, 0u) << "overflow memory used though the handler let go";
}

TEST(LoopBuffers, RingHeldDryReceivesIntoOverflowMemoryUpToItsCap) {
  constexpr size_t kCapBlocks = 4;
  DryRing r(/*overflow_bytes=*/kCapBlocks * 256, /*buffers=*/2);
  Fd client = Accept(*r.loop, r.k, r.port);
  ASSERT_TRUE(WriteAll(client.get(), Pattern(8, 0, 16 * 256)));
  // Everything kept: the cap's four blocks fill, then the connection waits.
  ASSERT_TRUE(RunUntil(*r.loop, [&] { return r.k.bytes[1].size() == kCapBlocks * 256; }));
  RunFor(*r.loop, 100);
  Loop::RecvMemory m = r.loop->recv_memory();
  EXPECT_EQ(r.k.bytes[1].size(), kCapBlocks * 256);
  EXPECT_EQ(m.overflow_bytes, kCapBlocks * 256);
  EXPECT_EQ(m.waiters, 1u);
  EXPECT_EQ(r.loop->stats().own_recvs, kCapBlocks);
  // Let go: the rest arrives, in order, and every block is freed.
  r.k.retain = false;
  r.k.held.clear();
  ASSERT_TRUE(RunUntil(*r.loop, [&] { return r.k.bytes[1].size() == 16 * 256; }));
  EXPECT_TRUE(MatchesPattern(8, 0, r.k.bytes[1]));
  RunFor(*r.loop, 20);
  EXPECT_EQ(r.loop->recv_memory().overflow_bytes, 0u);
  EXPECT_EQ(r.loop->recv_memory().ring_in_use, 0u);
}

// A handler that lets go of its buffers in OnClose does so in the reap phase. The
// same turn publishes them and re-arms a waiter: a loop that went on to wait in the
// kernel would keep them from it until some other completion came.
TEST(LoopBuffers, BuffersLetGoOfByAClosedConnectionServeAWaiterInTheSameTurn) {
  DryRing r(/*overflow_bytes=*/0);
  r.k.close_on_eof = true;
  r.k.drop_on_close = true;
  r.k.retain = false;
  Fd waiter = Accept(*r.loop, r.k, r.port);
  ASSERT_TRUE(WriteAll(waiter.get(), "waiting"));
  ASSERT_TRUE(RunUntil(*r.loop, [&] { return r.loop->recv_memory().waiters == 1; }));
  shutdown(r.holder.get(), SHUT_WR);
  // RunUntil returns after the turn in which the holder's OnClose ran.
  ASSERT_TRUE(RunUntil(*r.loop, [&] { return r.k.close_err[0] != 1; }, 1000));
  EXPECT_EQ(r.loop->recv_memory().waiters, 0u) << "the waiter was not re-armed in that turn";
  EXPECT_EQ(r.loop->stats().ring_in_use, 0u) << "the gauge missed what the reap let go of";
  ASSERT_TRUE(RunUntil(*r.loop, [&] { return r.k.bytes[1] == "waiting"; }, 1000));
}

TEST(LoopBuffers, StalledWaiterSeesItsPeersReset) {
  DryRing r(/*overflow_bytes=*/0);
  Fd client = Accept(*r.loop, r.k, r.port);
  ASSERT_TRUE(WriteAll(client.get(), "unread"));
  ASSERT_TRUE(RunUntil(*r.loop, [&] { return r.loop->recv_memory().waiters == 1; }));
  linger l{1, 0};
  setsockopt(client.get(), SOL_SOCKET, SO_LINGER, &l, sizeof(l));
  client.Close();  // a reset
  ASSERT_TRUE(RunUntil(*r.loop, [&] { return r.k.close_err[1] != 1; }, 1000))
      << "a waiter's reset was not seen";
  EXPECT_EQ(r.k.close_err[1], -ECONNRESET);
  EXPECT_GT(r.loop->stats().hangup_polls, 0u);
  EXPECT_EQ(r.loop->recv_memory().waiters, 0u);
}

TEST(LoopBuffers, StalledWaiterSeesAFinWithNothingUnreadAtOnce) {
  DryRing r(/*overflow_bytes=*/0);
  Fd client = Accept(*r.loop, r.k, r.port);
  RunFor(*r.loop, 20);
  ASSERT_EQ(r.loop->recv_memory().ring_free, 0u);
  shutdown(client.get(), SHUT_WR);
  ASSERT_TRUE(RunUntil(*r.loop, [&] { return r.k.eof[1]; }, 1000)) << "a waiter's FIN was not seen";
  EXPECT_EQ(r.loop->recv_memory().waiters, 0u);
  EXPECT_EQ(r.loop->recv_memory().ring_free, 0u) << "no buffer was needed";
}

TEST(LoopBuffers, StalledWaiterWhosePeerFinishedIsServedFirst) {
  DryRing r(/*overflow_bytes=*/0);
  Fd older = Accept(*r.loop, r.k, r.port);
  Fd finished = Accept(*r.loop, r.k, r.port);
  ASSERT_TRUE(WriteAll(older.get(), "older"));
  ASSERT_TRUE(WriteAll(finished.get(), "last words"));
  shutdown(finished.get(), SHUT_WR);
  ASSERT_TRUE(RunUntil(*r.loop, [&] { return r.loop->recv_memory().waiters == 2; }));
  RunFor(*r.loop, 50);  // the finished one's watch for a hang-up sees its FIN
  ASSERT_EQ(r.loop->recv_memory().waiters, 2u);
  r.k.served.clear();
  r.k.retain = false;
  r.k.held.clear();
  ASSERT_TRUE(RunUntil(*r.loop, [&] { return r.k.eof[2] && r.k.bytes[1] == "older"; }));
  EXPECT_EQ(r.k.bytes[2], "last words");
  ASSERT_FALSE(r.k.served.empty());
  EXPECT_EQ(r.k.served.front(), 2u) << "the finished peer's bytes did not come first";
}

}  // namespace
}  // namespace engine_test
