// Tests of engine/connection.cc: receiving, sending, pausing, closing, connecting.
//
// The loop runs on the test thread; peers are plain loopback sockets, driven from
// std::threads when they must run while the loop does.
#include "engine/connection.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "engine/buf_ring.h"
#include "engine/listener.h"
#include "engine/loop.h"
#include "tests/engine/test_util.h"

namespace engine_test {
namespace {

using engine::Connection;
using engine::Loop;
using engine::LoopOptions;
using engine::RecvBuf;

// --- echo under load -------------------------------------------------------------

TEST(Connection, EchoesEveryByteOverHundredsOfConcurrentConnections) {
  constexpr int kClients = 300;
  constexpr int kThreads = 4;
  constexpr size_t kMaxWrite = 256 * 1024;
  RaiseFdLimit();
  EchoServer server;
  std::unique_ptr<Loop> loop = Loop::CreateOrDie(LoopOptions{});
  engine::Listener* listener = ListenLoopback(*loop, &server);
  ASSERT_NE(listener, nullptr);

  // Message sizes are log-uniform from 1 byte to 256 KiB (every tenth client sends
  // one full 256 KiB message); each message is cut at random points into send()s.
  std::mt19937_64 rng(20240601);
  std::vector<EchoClient> clients(kClients);
  for (int i = 0; i < kClients; ++i) {
    EchoClient& c = clients[i];
    c.seed = 1000 + i;
    c.fd = ConnectLoopbackNonBlocking(listener->port());
    ASSERT_TRUE(c.fd.valid()) << "client " << i;
    int messages = 1 + static_cast<int>(rng() % 4);
    for (int m = 0; m < messages; ++m) {
      double e = std::uniform_real_distribution<double>(0, 18)(rng);
      size_t size = (i % 10 == 0 && m == 0) ? kMaxWrite : static_cast<size_t>(std::exp2(e));
      size = std::clamp<size_t>(size, 1, kMaxWrite);
      int pieces = 1 + static_cast<int>(rng() % 4);
      for (int p = 0; p < pieces - 1 && size > 1; ++p) {
        size_t cut = 1 + rng() % (size - 1);
        c.writes.push_back(cut);
        size -= cut;
      }
      c.writes.push_back(size);
    }
    for (size_t w : c.writes) c.total += w;
  }

  std::atomic<int> running{kThreads};
  std::vector<std::jthread> threads;
  for (int t = 0; t < kThreads; ++t) {
    std::vector<EchoClient*> mine;
    for (int i = t; i < kClients; i += kThreads) mine.push_back(&clients[i]);
    threads.emplace_back([mine, &running] {
      DriveEchoClients(mine, 30000);
      running.fetch_sub(1);
    });
  }
  EXPECT_TRUE(RunUntil(*loop, [&] { return running.load() == 0; }, 35000));
  for (std::jthread& t : threads) t.join();

  size_t total = 0;
  for (int i = 0; i < kClients; ++i) {
    EXPECT_EQ(clients[i].error, "") << "client " << i << " after " << clients[i].received
                                    << " of " << clients[i].total << " bytes";
    EXPECT_TRUE(clients[i].eof) << "client " << i;
    total += clients[i].total;
  }
  EXPECT_TRUE(RunUntil(*loop, [&] { return server.closed == kClients; }));
  EXPECT_EQ(server.accepted, kClients);
  EXPECT_EQ(server.closed_with_error, 0) << "last error " << server.last_error;
  EXPECT_EQ(server.bytes, total);
  ExpectAllFreed(*loop);
}

// --- sending ---------------------------------------------------------------------

TEST(Connection, SendsThousandsOfIovecsInOrderAcrossPartialSends) {
  constexpr int kIovecs = 3000;  // three times what one sendmsg carries
  std::mt19937 rng(7);
  std::vector<size_t> lengths(kIovecs);
  size_t total = 0;
  for (size_t& n : lengths) total += n = rng() % 4096;  // zero-length ones included
  std::string bytes = Pattern(5, 0, total);
  std::vector<iovec> iov(kIovecs);
  for (size_t i = 0, off = 0; i < iov.size(); off += lengths[i++]) {
    iov[i] = {bytes.data() + off, lengths[i]};
  }
  struct Done {
    int calls = 0;
    int err = 1;
  } done;
  engine::SendReq req;
  req.iov = iov.data();
  req.iovcnt = kIovecs;
  req.user = &done;
  req.on_done = [](engine::SendReq* r, int err) {
    auto* d = static_cast<Done*>(r->user);
    ++d->calls;
    d->err = err;
  };

  RecordingHandler server;
  uint64_t sendmsgs_before = 0;
  server.on_accept = [&](Connection& c) {
    sendmsgs_before = c.loop().stats().sendmsgs;
    c.Send(&req);
  };
  std::unique_ptr<Loop> loop = Loop::CreateOrDie(LoopOptions{});
  engine::Listener* listener = ListenLoopback(*loop, &server);
  ASSERT_NE(listener, nullptr);

  // A slow reader with a small receive buffer: the sender's socket fills, so
  // sendmsgs end part-way through an iovec and must resume from there.
  Fd client = ConnectLoopback(listener->port(), /*rcvbuf=*/4096);
  ASSERT_TRUE(client.valid());
  std::string got;
  std::atomic<bool> reader_done{false};
  std::jthread reader([&] {
    char buf[8192];
    while (got.size() < total) {
      ssize_t r = recv(client.get(), buf, sizeof(buf), 0);
      if (r <= 0) break;
      got.append(buf, static_cast<size_t>(r));
      std::this_thread::sleep_for(std::chrono::microseconds(300));
    }
    reader_done = true;
  });
  EXPECT_TRUE(RunUntil(*loop, [&] { return done.calls > 0 && reader_done; }, 20000));
  reader.join();

  EXPECT_EQ(done.calls, 1);
  EXPECT_EQ(done.err, 0);
  ASSERT_EQ(got.size(), total);
  EXPECT_TRUE(got == bytes) << "bytes arrived out of order or changed";
  // 3000 iovecs need at least three sendmsgs; the slow reader forces more.
  EXPECT_GT(loop->stats().sendmsgs - sendmsgs_before, 3u);
  RunFor(*loop, 50);
  EXPECT_EQ(done.calls, 1);
}

// A handler that queues an answer and closes at once (Node's write, then destroy):
// every queued byte reaches the kernel first, however many iovecs it takes (more
// than one sendmsg's 64 here).
TEST(Connection, CloseSendsEveryQueuedByteFirstWhateverTheIovecs) {
  constexpr int kReqs = 150;
  constexpr size_t kEach = 100;
  std::vector<std::unique_ptr<TestSend>> sends;
  for (int i = 0; i < kReqs; ++i) {
    sends.push_back(std::make_unique<TestSend>(Pattern(7, i * kEach, kEach)));
  }
  RecordingHandler server;
  server.on_data = [&](Connection& c, const RecvBuf&) {
    for (auto& s : sends) c.Send(&s->req);
    c.Close();
  };
  std::unique_ptr<Loop> loop = Loop::CreateOrDie(LoopOptions{});
  engine::Listener* listener = ListenLoopback(*loop, &server);
  ASSERT_NE(listener, nullptr);
  Fd client = ConnectLoopback(listener->port());
  ASSERT_TRUE(client.valid());
  ASSERT_TRUE(WriteAll(client.get(), "go"));
  ASSERT_TRUE(RunUntil(*loop, [&] { return server.closes == 1; }));
  std::string got;
  ASSERT_TRUE(ReadExactly(client.get(), kReqs * kEach, &got));
  EXPECT_TRUE(MatchesPattern(7, 0, got));
}

TEST(Connection, SendsQueuedInOneTurnLeaveInOneSendmsg) {
  constexpr int kReqs = 100;
  constexpr size_t kEach = 100;
  std::vector<std::unique_ptr<TestSend>> sends;
  for (int i = 0; i < kReqs; ++i) {
    sends.push_back(std::make_unique<TestSend>(Pattern(9, i * kEach, kEach)));
  }
  RecordingHandler server;
  uint64_t sendmsgs_before = 0;
  server.on_data = [&](Connection& c, const RecvBuf&) {
    sendmsgs_before = c.loop().stats().sendmsgs;
    for (auto& s : sends) c.Send(&s->req);
    EXPECT_EQ(c.queued_bytes(), kReqs * kEach);
  };
  std::unique_ptr<Loop> loop = Loop::CreateOrDie(LoopOptions{});
  engine::Listener* listener = ListenLoopback(*loop, &server);
  ASSERT_NE(listener, nullptr);
  Fd client = ConnectLoopback(listener->port());
  ASSERT_TRUE(client.valid());
  ASSERT_TRUE(WriteAll(client.get(), "go"));

  auto all_done = [&] {
    return std::all_of(sends.begin(), sends.end(), [](auto& s) { return s->done_calls > 0; });
  };
  ASSERT_TRUE(RunUntil(*loop, all_done));
  EXPECT_EQ(loop->stats().sendmsgs - sendmsgs_before, 1u);
  for (auto& s : sends) {
    EXPECT_EQ(s->done_calls, 1);
    EXPECT_EQ(s->err, 0);
  }
  std::string got;
  ASSERT_TRUE(ReadExactly(client.get(), kReqs * kEach, &got));
  EXPECT_TRUE(MatchesPattern(9, 0, got));
}

// --- pausing ---------------------------------------------------------------------

// Bytes in a socket's receive queue that nobody has read.
int UnreadBytes(int fd) {
  int n = 0;
  return ioctl(fd, FIONREAD, &n) == 0 ? n : 0;
}

TEST(Connection, PausedRecvDeliversNothingUntilResumedThenEverythingInOrder) {
  constexpr size_t kTotal = 4 << 20;
  RecordingHandler server;
  std::unique_ptr<Loop> loop = Loop::CreateOrDie(LoopOptions{});
  engine::Listener* listener = ListenLoopback(*loop, &server);
  ASSERT_NE(listener, nullptr);
  Fd client = ConnectLoopback(listener->port());
  ASSERT_TRUE(client.valid());
  // A first piece is received; the connection pauses; only then does the bulk come
  // (had it come first, a turn could have taken all of it before the pause).
  const std::string stream = Pattern(3, 0, kTotal);
  constexpr size_t kFirst = 1024;
  ASSERT_TRUE(WriteAll(client.get(), stream.substr(0, kFirst)));
  ASSERT_TRUE(RunUntil(*loop, [&] { return server.received.size() == kFirst; }));
  Connection* conn = server.conn;
  ASSERT_NE(conn, nullptr);
  conn->PauseRecv();
  EXPECT_TRUE(conn->recv_paused());
  int calls_at_pause = server.data_calls;
  size_t bytes_at_pause = server.received.size();
  std::atomic<bool> wrote_all{false};
  std::jthread writer([&] { wrote_all = WriteAll(client.get(), stream.substr(kFirst)); });
  // The writer's bytes wait in the socket, there to be taken by a receive that a
  // pause did not stop; then a few more turns.
  EXPECT_TRUE(RunUntil(*loop, [&] { return UnreadBytes(conn->fd()) >= 16384; }))
      << "the writer's bytes did not wait in the socket";
  RunFor(*loop, 50);
  EXPECT_EQ(server.data_calls, calls_at_pause);
  EXPECT_EQ(server.received.size(), bytes_at_pause);

  conn->ResumeRecv();
  EXPECT_TRUE(RunUntil(*loop, [&] { return server.received.size() >= kTotal; }, 10000));
  writer.join();
  EXPECT_TRUE(wrote_all);
  ASSERT_EQ(server.received.size(), kTotal);
  EXPECT_TRUE(MatchesPattern(3, 0, server.received)) << "bytes lost or reordered";
  EXPECT_EQ(server.closes, 0);
}

// Pieces that raced the pause are copied out of the ring (even with no overflow memory
// allowed: they are what the kernel had received before the pause took effect), so a
// paused connection keeps no ring buffer while its handler waits.
TEST(Connection, PauseInsideOnDataHoldsLaterPiecesInOrderOutOfTheRing) {
  constexpr size_t kTotal = 64 * 1024;
  RecordingHandler server;
  server.on_data = [&](Connection& c, const RecvBuf&) {
    if (server.data_calls == 1) c.PauseRecv();
  };
  // Small buffers: the 64 KiB arrive as many pieces completed together, so pieces
  // are already on their way when the first OnData pauses.
  std::unique_ptr<Loop> loop =
      Loop::CreateOrDie(LoopOptions{.buffer_size = 512, .overflow_bytes = 0});
  engine::Listener* listener = ListenLoopback(*loop, &server);
  ASSERT_NE(listener, nullptr);
  Fd client = ConnectLoopback(listener->port());
  ASSERT_TRUE(client.valid());
  ASSERT_TRUE(WriteAll(client.get(), Pattern(4, 0, kTotal)));

  ASSERT_TRUE(RunUntil(*loop, [&] { return server.data_calls > 0; }));
  RunFor(*loop, 100);
  EXPECT_EQ(server.data_calls, 1);
  // The pieces completed after the pause wait, out of the ring when they can.
  Loop::RecvMemory held = loop->recv_memory();
  EXPECT_GT(held.overflow_bytes, 0u) << "nothing held: the pause was not mid-batch";
  EXPECT_EQ(held.ring_in_use, 0u) << "a pause kept ring buffers";

  ASSERT_NE(server.conn, nullptr);
  server.conn->ResumeRecv();
  EXPECT_TRUE(RunUntil(*loop, [&] { return server.received.size() >= kTotal; }));
  ASSERT_EQ(server.received.size(), kTotal);
  EXPECT_TRUE(MatchesPattern(4, 0, server.received)) << "held pieces lost or reordered";
  EXPECT_EQ(loop->buffers().in_use(), 0u);
  EXPECT_EQ(loop->buffers().overflow_bytes(), 0u);
}


// OnEof runs once (connection.h, "Receiving" step 5): a pause and resume after the
// end of stream do not report it again.
TEST(Connection, EofIsReportedOnceWhenPausedAndResumedAfterIt) {
  RecordingHandler server;
  server.on_eof = [](Connection&) {};  // half-open: the handler keeps the connection
  std::unique_ptr<Loop> loop = Loop::CreateOrDie(LoopOptions{});
  engine::Listener* listener = ListenLoopback(*loop, &server);
  ASSERT_NE(listener, nullptr);
  Fd client = ConnectLoopback(listener->port());
  ASSERT_TRUE(client.valid());
  ASSERT_TRUE(WriteAll(client.get(), "x"));
  shutdown(client.get(), SHUT_WR);
  ASSERT_TRUE(RunUntil(*loop, [&] { return server.eofs == 1; }));
  ASSERT_NE(server.conn, nullptr);
  server.conn->PauseRecv();
  server.conn->ResumeRecv();
  RunFor(*loop, 50);
  EXPECT_EQ(server.eofs, 1) << "OnEof ran again after a pause and resume";
  server.conn->PauseRecv();
  server.conn->ResumeRecv();
  RunFor(*loop, 50);
  EXPECT_EQ(server.eofs, 1);
  server.conn->Close();
  RunFor(*loop, 20);
}

// The same from inside OnEof (a proxy that stops reading its client until the upstream
// is ready): reported again, the handler would pause and resume again, and the loop
// would never leave its deferred phase. The handler closes after 1000 reports, so
// that the test ends even then.
TEST(Connection, PauseAndResumeInsideOnEofDoNotReportItAgain) {
  RecordingHandler server;
  int turns_at_last_eof = -1;
  server.on_eof = [&](Connection& c) {
    if (server.eofs >= 1000) {
      c.Close();
      return;
    }
    c.PauseRecv();
    c.ResumeRecv();
    turns_at_last_eof = static_cast<int>(c.loop().stats().enters);
  };
  std::unique_ptr<Loop> loop = Loop::CreateOrDie(LoopOptions{});
  engine::Listener* listener = ListenLoopback(*loop, &server);
  ASSERT_NE(listener, nullptr);
  Fd client = ConnectLoopback(listener->port());
  ASSERT_TRUE(client.valid());
  shutdown(client.get(), SHUT_WR);
  ASSERT_TRUE(RunUntil(*loop, [&] { return server.eofs >= 1; }));
  RunFor(*loop, 50);
  EXPECT_EQ(server.eofs, 1) << "OnEof reported " << server.eofs << " times, last at loop "
                            << "enter " << turns_at_last_eof;
  if (server.conn != nullptr) server.conn->Close();
  RunFor(*loop, 20);
}

// --- closing ---------------------------------------------------------------------

TEST(Connection, CloseWithRecvAndSendInFlightFreesOnce) {
  constexpr int kReqs = 16;
  const std::string chunk = Pattern(6, 0, 1 << 20);
  std::vector<std::unique_ptr<TestSend>> sends;
  for (int i = 0; i < kReqs; ++i) sends.push_back(std::make_unique<TestSend>(chunk));
  RecordingHandler server;
  server.on_data = [&](Connection& c, const RecvBuf& data) {
    if (data.view().find('S') != std::string_view::npos) {
      for (auto& s : sends) c.Send(&s->req);  // 16 MiB to a peer that does not read
    }
    if (data.view().find('C') != std::string_view::npos) c.Close();
  };
  std::unique_ptr<Loop> loop = Loop::CreateOrDie(LoopOptions{});
  engine::Listener* listener = ListenLoopback(*loop, &server);
  ASSERT_NE(listener, nullptr);
  Fd client = ConnectLoopback(listener->port(), /*rcvbuf=*/4096);
  ASSERT_TRUE(client.valid());

  ASSERT_TRUE(WriteAll(client.get(), "S"));
  uint64_t sendmsgs_before = loop->stats().sendmsgs;
  ASSERT_TRUE(RunUntil(*loop, [&] { return loop->stats().sendmsgs > sendmsgs_before; }));
  RunFor(*loop, 100);  // the socket fills; a sendmsg waits in the kernel
  ASSERT_NE(server.conn, nullptr);
  EXPECT_GT(server.conn->queued_bytes(), 0u);
  EXPECT_EQ(server.closes, 0);

  ASSERT_TRUE(WriteAll(client.get(), "C"));  // Close() from inside OnData
  ASSERT_TRUE(RunUntil(*loop, [&] { return server.closes > 0; }));
  RunFor(*loop, 50);
  EXPECT_EQ(server.closes, 1);
  EXPECT_EQ(server.close_err, 0);
  int failed = 0;
  for (auto& s : sends) {
    EXPECT_EQ(s->done_calls, 1);
    EXPECT_TRUE(s->err == 0 || s->err == -ECANCELED) << "err " << s->err;
    failed += s->err < 0;
  }
  EXPECT_GT(failed, 0) << "every send finished: nothing was in flight at Close()";
  ExpectAllFreed(*loop);
  EXPECT_TRUE(WaitEofOrReset(client.get(), 5000));
}

TEST(Connection, CloseTwiceReportsOneCloseWithTheFirstError) {
  RecordingHandler server;
  server.on_data = [](Connection& c, const RecvBuf&) {
    c.Close();
    EXPECT_TRUE(c.closing());
    c.Close(-EIO);
  };
  std::unique_ptr<Loop> loop = Loop::CreateOrDie(LoopOptions{});
  engine::Listener* listener = ListenLoopback(*loop, &server);
  ASSERT_NE(listener, nullptr);
  Fd client = ConnectLoopback(listener->port());
  ASSERT_TRUE(WriteAll(client.get(), "x"));
  ASSERT_TRUE(RunUntil(*loop, [&] { return server.closes > 0; }));
  RunFor(*loop, 50);
  EXPECT_EQ(server.closes, 1);
  EXPECT_EQ(server.close_err, 0);
  ExpectAllFreed(*loop);
}

TEST(Connection, CloseInsideOnDataStopsDeliveryAndReturnsBuffers) {
  RecordingHandler server;
  server.on_data = [](Connection& c, const RecvBuf&) { c.Close(); };
  std::unique_ptr<Loop> loop = Loop::CreateOrDie(LoopOptions{.buffer_size = 512});
  engine::Listener* listener = ListenLoopback(*loop, &server);
  ASSERT_NE(listener, nullptr);
  Fd client = ConnectLoopback(listener->port());
  ASSERT_TRUE(WriteAll(client.get(), Pattern(8, 0, 64 * 1024)));  // many pieces at once
  ASSERT_TRUE(RunUntil(*loop, [&] { return server.closes > 0; }));
  RunFor(*loop, 50);
  EXPECT_EQ(server.data_calls, 1);
  EXPECT_EQ(server.closes, 1);
  EXPECT_EQ(loop->buffers().in_use(), 0u);
  ExpectAllFreed(*loop);
}

TEST(Connection, EndSendsEveryQueuedByteThenEof) {
  constexpr int kReqs = 4;
  constexpr size_t kEach = 512 * 1024;
  std::vector<std::unique_ptr<TestSend>> sends;
  for (int i = 0; i < kReqs; ++i) {
    sends.push_back(std::make_unique<TestSend>(Pattern(10, i * kEach, kEach)));
  }
  RecordingHandler server;
  server.on_accept = [&](Connection& c) {
    for (auto& s : sends) c.Send(&s->req);
    c.End();
  };
  std::unique_ptr<Loop> loop = Loop::CreateOrDie(LoopOptions{});
  engine::Listener* listener = ListenLoopback(*loop, &server);
  ASSERT_NE(listener, nullptr);
  Fd client = ConnectLoopback(listener->port());
  ASSERT_TRUE(client.valid());
  std::string got;
  std::atomic<bool> read_ok{false};
  std::atomic<bool> reader_done{false};
  std::jthread reader([&] {
    read_ok = ReadToEof(client.get(), &got);
    shutdown(client.get(), SHUT_WR);  // the server lingers until this FIN
    reader_done = true;
  });
  EXPECT_TRUE(RunUntil(*loop, [&] { return reader_done && server.closes > 0; }, 10000));
  reader.join();
  EXPECT_TRUE(read_ok) << "no EOF after the data";
  ASSERT_EQ(got.size(), kReqs * kEach);
  EXPECT_TRUE(MatchesPattern(10, 0, got));
  EXPECT_EQ(server.closes, 1);
  EXPECT_EQ(server.close_err, 0);
  for (auto& s : sends) EXPECT_EQ(s->err, 0);
  ExpectAllFreed(*loop);
}

// --- connecting ------------------------------------------------------------------

TEST(Connection, ConnectToListenerOnSameLoopCarriesDataBothWays) {
  constexpr size_t kSize = 100 * 1024;
  TestSend to_client(Pattern(21, 0, kSize));
  TestSend to_server(Pattern(22, 0, kSize));
  RecordingHandler server;
  server.on_accept = [&](Connection& c) { c.Send(&to_client.req); };
  RecordingHandler client;
  std::unique_ptr<Loop> loop = Loop::CreateOrDie(LoopOptions{});
  engine::Listener* listener = ListenLoopback(*loop, &server);
  ASSERT_NE(listener, nullptr);

  Connection* out = ConnectWithLoop(*loop, listener->port(), &client);
  ASSERT_NE(out, nullptr);
  out->Send(&to_server.req);  // queued until the connect finishes

  EXPECT_TRUE(RunUntil(*loop, [&] {
    return client.received.size() >= kSize && server.received.size() >= kSize;
  }));
  EXPECT_EQ(client.connects, 1);
  EXPECT_EQ(client.connect_err, 0);
  EXPECT_TRUE(MatchesPattern(21, 0, client.received));
  EXPECT_TRUE(MatchesPattern(22, 0, server.received));
  EXPECT_EQ(client.received.size(), kSize);
  EXPECT_EQ(server.received.size(), kSize);

  out->Close();  // the server sees EOF and closes too
  EXPECT_TRUE(RunUntil(*loop, [&] { return client.closes > 0 && server.closes > 0; }));
  EXPECT_EQ(client.closes, 1);
  EXPECT_EQ(server.closes, 1);
  EXPECT_EQ(server.eofs, 1);
  ExpectAllFreed(*loop);
}

TEST(Connection, ConnectToClosedPortReportsRefusedThenClosesOnce) {
  RecordingHandler client;
  std::unique_ptr<Loop> loop = Loop::CreateOrDie(LoopOptions{});
  uint16_t port = UnusedPort();
  ASSERT_NE(port, 0);
  ASSERT_NE(ConnectWithLoop(*loop, port, &client), nullptr);
  EXPECT_TRUE(RunUntil(*loop, [&] { return client.closes > 0; }));
  RunFor(*loop, 50);
  EXPECT_EQ(client.connects, 1);
  EXPECT_EQ(client.connect_err, -ECONNREFUSED);
  EXPECT_EQ(client.closes, 1);
  EXPECT_EQ(client.close_err, -ECONNREFUSED);
  EXPECT_EQ(client.data_calls, 0);
  ExpectAllFreed(*loop);
}

// "PauseRecv() cancels the recv": a connection paused as soon as it connects must
// leave the peer's bytes in the socket, not hold them in ring buffers.
TEST(Connection, PauseInsideOnConnectLeavesDataInTheSocket) {
  constexpr size_t kSize = 256 * 1024;
  TestSend to_client(Pattern(23, 0, kSize));
  RecordingHandler server;
  server.on_accept = [&](Connection& c) { c.Send(&to_client.req); };
  RecordingHandler client;
  client.on_connect = [](Connection& c, int err) {
    if (err == 0) c.PauseRecv();
  };
  std::unique_ptr<Loop> loop = Loop::CreateOrDie(LoopOptions{});
  engine::Listener* listener = ListenLoopback(*loop, &server);
  ASSERT_NE(listener, nullptr);
  ASSERT_NE(ConnectWithLoop(*loop, listener->port(), &client), nullptr);

  ASSERT_TRUE(RunUntil(*loop, [&] { return client.connects == 1; }));
  // The server sends meanwhile: its bytes reach the client's socket, and wait there;
  // then a few more turns.
  ASSERT_NE(client.conn, nullptr);
  EXPECT_TRUE(RunUntil(*loop, [&] { return UnreadBytes(client.conn->fd()) >= 16384; }))
      << "the server's bytes did not wait in the socket";
  RunFor(*loop, 50);
  EXPECT_EQ(client.data_calls, 0);
  EXPECT_EQ(loop->buffers().in_use(), 0u) << "the paused connection kept receiving";
  ASSERT_NE(client.conn, nullptr);
  client.conn->ResumeRecv();
  EXPECT_TRUE(RunUntil(*loop, [&] { return client.received.size() >= kSize; }));
  EXPECT_EQ(client.received.size(), kSize);
  EXPECT_TRUE(MatchesPattern(23, 0, client.received));
}

TEST(Connection, PeerResetClosesOnce) {
  RecordingHandler server;
  std::unique_ptr<Loop> loop = Loop::CreateOrDie(LoopOptions{});
  engine::Listener* listener = ListenLoopback(*loop, &server);
  ASSERT_NE(listener, nullptr);
  Fd client = ConnectLoopback(listener->port());
  ASSERT_TRUE(WriteAll(client.get(), "x"));
  ASSERT_TRUE(RunUntil(*loop, [&] { return server.data_calls > 0; }));
  ResetAndClose(client);
  ASSERT_TRUE(RunUntil(*loop, [&] { return server.closes > 0; }));
  RunFor(*loop, 50);
  EXPECT_EQ(server.closes, 1);
  EXPECT_TRUE(server.close_err < 0 || server.eofs == 1)
      << "close_err " << server.close_err << ", eofs " << server.eofs;
  EXPECT_LE(server.eofs, 1);
  ExpectAllFreed(*loop);
}

}  // namespace
}  // namespace engine_test
