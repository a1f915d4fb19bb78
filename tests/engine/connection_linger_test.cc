// Tests of End()'s lingering close (engine/connection.h, "Closing"): after its last
// byte and its FIN, a connection reads and drops what the peer still sends until
// the peer's FIN or the loop's linger time, so the peer never gets a reset, which
// would make its kernel drop what it had not read yet.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <string>
#include <thread>

#include "engine/buf_ring.h"
#include "engine/connection.h"
#include "engine/listener.h"
#include "engine/loop.h"
#include "tests/engine/test_util.h"

namespace engine_test {
namespace {

using engine::Connection;
using engine::Loop;
using engine::LoopOptions;
using engine::RecvBuf;

// The peer sends a pipelined request that the server will not read, and reads the
// response slowly (a small receive buffer): when End()'s sends complete, much of the
// response is still in the server's kernel buffer. Closing then, with the request
// unread, would reset the connection and drop that part; lingering, every byte and
// the FIN arrive. The server closes once the peer's FIN comes.
TEST(ConnectionLinger, ARequestUnreadAtEndCutsNoResponseShort) {
  constexpr size_t kSize = 512 * 1024;
  TestSend response(Pattern(7, 0, kSize));
  RecordingHandler server;
  server.on_accept = [&](Connection& c) {
    c.Send(&response.req);
    c.End();
  };
  std::unique_ptr<Loop> loop = Loop::CreateOrDie(LoopOptions{});
  engine::Listener* listener = ListenLoopback(*loop, &server);
  ASSERT_NE(listener, nullptr);
  Fd client = ConnectLoopback(listener->port(), /*rcvbuf=*/4096);
  ASSERT_TRUE(client.valid());
  std::atomic<bool> sent{false};
  std::atomic<bool> done{false};
  std::string got;
  bool read_ok = false;
  std::jthread peer([&] {
    WriteAll(client.get(), "GET /ignored HTTP/1.1\r\n\r\n");
    // The server's sends complete into its kernel buffer first.
    for (int waited = 0; waited < 5000 && !sent; ++waited) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    read_ok = ReadToEof(client.get(), &got);
    shutdown(client.get(), SHUT_WR);
    done = true;
  });
  EXPECT_TRUE(RunUntil(*loop, [&] { return response.done_calls > 0; }, 5000))
      << "the response did not fit in the kernel's buffers";
  sent = true;
  EXPECT_TRUE(RunUntil(*loop, [&] { return done && server.closes > 0; }, 5000));
  peer.join();
  EXPECT_TRUE(read_ok) << "the peer saw an error, not the end of the stream";
  EXPECT_EQ(got.size(), kSize);
  EXPECT_TRUE(MatchesPattern(7, 0, got));
  EXPECT_EQ(response.err, 0);
  EXPECT_EQ(server.closes, 1);
  EXPECT_EQ(server.close_err, 0);
  EXPECT_EQ(loop->stats().linger_timeouts, 0u);
  ExpectAllFreed(*loop);
}

// A peer that never closes is closed when the loop's linger time is up.
TEST(ConnectionLinger, APeerThatNeverClosesIsClosedAtTheLingerTime) {
  TestSend bye("bye");
  RecordingHandler server;
  server.on_accept = [&](Connection& c) {
    c.Send(&bye.req);
    c.End();
  };
  LoopOptions options;
  options.linger_ms = 200;
  std::unique_ptr<Loop> loop = Loop::CreateOrDie(options);
  engine::Listener* listener = ListenLoopback(*loop, &server);
  ASSERT_NE(listener, nullptr);
  Fd client = ConnectLoopback(listener->port());
  ASSERT_TRUE(client.valid());
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(RunUntil(*loop, [&] { return server.closes > 0; }, 3000));
  auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - start)
                    .count();
  EXPECT_GE(waited, 190);
  EXPECT_EQ(server.close_err, 0);
  EXPECT_EQ(loop->stats().linger_timeouts, 1u);
  std::string got;
  EXPECT_TRUE(ReadToEof(client.get(), &got));
  EXPECT_EQ(got, "bye");
  ExpectAllFreed(*loop);
}

// linger_ms 0: End() closes once its sends are out, as a plain close does.
TEST(ConnectionLinger, NoLingerTimeClosesOnceTheSendsAreOut) {
  TestSend bye("bye");
  RecordingHandler server;
  server.on_accept = [&](Connection& c) {
    c.Send(&bye.req);
    c.End();
  };
  LoopOptions options;
  options.linger_ms = 0;
  std::unique_ptr<Loop> loop = Loop::CreateOrDie(options);
  engine::Listener* listener = ListenLoopback(*loop, &server);
  ASSERT_NE(listener, nullptr);
  Fd client = ConnectLoopback(listener->port());
  ASSERT_TRUE(client.valid());
  EXPECT_TRUE(RunUntil(*loop, [&] { return server.closes > 0; }, 1000));
  EXPECT_EQ(loop->stats().linger_timeouts, 0u);
  ExpectAllFreed(*loop);
}

// A handler that ends the connection while its held pieces are being handed over
// (after a pause): the connection lingers, the rest of what was held is dropped, and
// the hand-over stops there (before, the drop emptied the list under the hand-over,
// which then erased past its end: a crash at the reap).
TEST(ConnectionLinger, EndWhileHeldPiecesAreHandedOverDropsTheRest) {
  RecordingHandler server;
  server.on_data = [&](Connection& c, const RecvBuf&) {
    if (server.data_calls == 1) c.PauseRecv();
    if (server.data_calls == 2) c.End();
  };
  std::unique_ptr<Loop> loop =
      Loop::CreateOrDie(LoopOptions{.buffer_size = 512, .overflow_bytes = 0});
  engine::Listener* listener = ListenLoopback(*loop, &server);
  ASSERT_NE(listener, nullptr);
  Fd client = ConnectLoopback(listener->port());
  ASSERT_TRUE(client.valid());
  ASSERT_TRUE(WriteAll(client.get(), Pattern(4, 0, 64 * 1024)));
  ASSERT_TRUE(RunUntil(*loop, [&] { return server.data_calls > 0; }));
  RunFor(*loop, 100);
  ASSERT_GT(loop->recv_memory().overflow_bytes, 0u) << "nothing held: the pause was not mid-batch";
  ASSERT_NE(server.conn, nullptr);
  server.conn->ResumeRecv();
  shutdown(client.get(), SHUT_WR);  // the FIN ends the linger
  EXPECT_TRUE(RunUntil(*loop, [&] { return server.closes > 0; }, 3000));
  EXPECT_EQ(server.data_calls, 2);
  EXPECT_EQ(server.close_err, 0);
  EXPECT_EQ(loop->buffers().overflow_bytes(), 0u);
  ExpectAllFreed(*loop);
}

}  // namespace
}  // namespace engine_test
