// Tests of engine/listener.cc: multishot accept, its re-arming, the back-off when
// the process runs out of descriptors, Close(), which sockets may share a port, and
// accepting on a socket opened elsewhere. (Loops taking turns on one socket:
// runtime_test.cc.)
#include "engine/listener.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "engine/connection.h"
#include "engine/loop.h"
#include "tests/engine/test_util.h"

namespace engine_test {
namespace {

using engine::Listener;
using engine::Loop;
using engine::LoopOptions;

// Opens n blocking clients. Loopback handshakes complete in the kernel, so they all
// wait in the listener's backlog until the loop accepts them.
std::vector<Fd> OpenClients(uint16_t port, int n) {
  std::vector<Fd> clients;
  for (int i = 0; i < n; ++i) {
    clients.push_back(ConnectLoopback(port));
    if (!clients.back().valid()) {
      ADD_FAILURE() << "client " << i << ": " << strerror(errno);
      break;
    }
  }
  return clients;
}

TEST(Listener, AcceptsHundredsOfConnectionsWithoutRearmingPerConnection) {
  constexpr int kClients = 500;
  RaiseFdLimit();
  RecordingHandler server;
  std::unique_ptr<Loop> loop = Loop::CreateOrDie(LoopOptions{});
  Listener* listener = ListenLoopback(*loop, &server);
  ASSERT_NE(listener, nullptr);
  std::vector<Fd> clients = OpenClients(listener->port(), kClients);
  ASSERT_EQ(clients.size(), size_t{kClients});

  EXPECT_TRUE(RunUntil(*loop, [&] { return server.accepts == kClients; }));
  RunFor(*loop, 50);
  EXPECT_EQ(server.accepts, kClients);
  EXPECT_EQ(listener->stats().accepted, uint64_t{kClients});
  EXPECT_EQ(loop->live_connections(), size_t{kClients});
  // One multishot accept serves them all; a handful of re-arms at most.
  EXPECT_LT(listener->stats().arms, 5u);
  EXPECT_EQ(server.closes, 0);
}

TEST(Listener, RearmsWhenTheKernelEndsMultishotAccept) {
  constexpr int kClients = 500;
  RaiseFdLimit();
  RecordingHandler server;
  // A 32-entry completion queue: when it is full the kernel cannot post another
  // accept with IORING_CQE_F_MORE, so it ends the multishot accept (its last
  // completion, without F_MORE, still carries a connection), and the listener must
  // arm a new one to accept the rest.
  std::unique_ptr<Loop> loop = Loop::CreateOrDie(LoopOptions{.sq_entries = 8});
  Listener* listener = ListenLoopback(*loop, &server);
  ASSERT_NE(listener, nullptr);
  std::vector<Fd> clients = OpenClients(listener->port(), kClients);
  ASSERT_EQ(clients.size(), size_t{kClients});

  EXPECT_TRUE(RunUntil(*loop, [&] { return server.accepts == kClients; }));
  RunFor(*loop, 50);
  EXPECT_EQ(listener->stats().accepted, uint64_t{kClients});
  EXPECT_EQ(loop->live_connections(), size_t{kClients});
  EXPECT_GT(listener->stats().arms, 1u) << "the multishot accept never ended";
  EXPECT_EQ(listener->stats().last_error, 0);
  // Every accepted connection is served, the last one included.
  ASSERT_TRUE(WriteAll(clients.back().get(), "last"));
  EXPECT_TRUE(RunUntil(*loop, [&] { return server.received == "last"; }));
}

TEST(Listener, CloseStopsAcceptingAndClosesTheSocket) {
  RecordingHandler server;
  std::unique_ptr<Loop> loop = Loop::CreateOrDie(LoopOptions{});
  Listener* listener = ListenLoopback(*loop, &server);
  ASSERT_NE(listener, nullptr);
  uint16_t port = listener->port();
  int listen_fd = listener->fd();
  Fd first = ConnectLoopback(port);
  ASSERT_TRUE(RunUntil(*loop, [&] { return server.accepts == 1; }));

  listener->Close();
  Fd pending = ConnectLoopback(port);  // reaches the backlog before the socket closes
  // Until the reap has freed the listener and closed its socket (no test code opens an
  // fd meanwhile); its accepts' completions all came before.
  RunUntil(*loop, [&] { return fcntl(listen_fd, F_GETFD) == -1; });
  EXPECT_EQ(server.accepts, 1) << "accepted after Close()";
  int ret = fcntl(listen_fd, F_GETFD);
  int err = errno;
  EXPECT_EQ(ret, -1);
  EXPECT_EQ(err, EBADF);
  Fd refused = ConnectLoopback(port);
  err = errno;
  EXPECT_FALSE(refused.valid());
  EXPECT_EQ(err, ECONNREFUSED);
  if (pending.valid()) {
    EXPECT_TRUE(WaitEofOrReset(pending.get(), 2000));
  }
  // Connections accepted before Close() stay open.
  ASSERT_TRUE(WriteAll(first.get(), "still here"));
  EXPECT_TRUE(RunUntil(*loop, [&] { return server.received == "still here"; }));
  EXPECT_EQ(server.closes, 0);
}

// A handler that closes the listener while the same batch of completions holds
// more accepts (as a server closed from its 'connection' listener, or from a post
// that runs between completions) still gets those connections: the kernel accepted
// them before the close, and dropping them would lose clients that came in time.
TEST(Listener, ConnectionsAcceptedBeforeTheCloseTookEffectAreStillHandedOver) {
  RecordingHandler server;
  std::unique_ptr<Loop> loop = Loop::CreateOrDie(LoopOptions{});
  Listener* listener = ListenLoopback(*loop, &server);
  ASSERT_NE(listener, nullptr);
  RunFor(*loop, 10);  // the multishot accept is armed
  server.on_accept = [&](engine::Connection&) {
    if (server.accepts == 1) listener->Close();
  };
  // Both wait in the backlog; one wake-up of the armed accept takes them both, and
  // their completions come in one batch.
  std::vector<Fd> clients = OpenClients(listener->port(), 2);
  ASSERT_EQ(clients.size(), 2u);
  ASSERT_TRUE(RunUntil(*loop, [&] { return server.accepts == 2; }))
      << "the second connection, accepted in the batch that closed the listener, was dropped";
  // It is served like any other: it is open, and its bytes arrive.
  ASSERT_TRUE(WriteAll(clients[1].get(), "in time"));
  EXPECT_TRUE(RunUntil(*loop, [&] { return server.received == "in time"; }));
  EXPECT_EQ(server.closes, 0);
}

// Without SO_REUSEPORT (the default) a port that a socket holds cannot be bound
// again: EADDRINUSE, as Node's listen() fails. Sockets that all set it share the port.
TEST(Listener, ListenOnAPortInUseFailsUnlessEverySocketSetsReusePort) {
  RecordingHandler server;
  std::unique_ptr<Loop> loop = Loop::CreateOrDie(LoopOptions{});
  engine::ListenOptions plain;
  plain.host = "127.0.0.1";
  plain.port = UnusedPort();
  ASSERT_NE(plain.port, 0);
  engine::ListenOptions shared = plain;
  shared.reuse_port = true;

  Listener* first = nullptr;
  ASSERT_EQ(loop->Listen(plain, &server, &first), 0);
  Listener* other = nullptr;
  EXPECT_EQ(loop->Listen(plain, &server, &other), -EADDRINUSE);
  EXPECT_EQ(loop->Listen(shared, &server, &other), -EADDRINUSE);  // the first did not set it
  int first_fd = first->fd();
  first->Close();
  ASSERT_TRUE(RunUntil(*loop, [&] { return fcntl(first_fd, F_GETFD) == -1; }));

  Listener* a = nullptr;
  Listener* b = nullptr;
  ASSERT_EQ(loop->Listen(shared, &server, &a), 0);
  ASSERT_EQ(loop->Listen(shared, &server, &b), 0);
  EXPECT_EQ(a->port(), plain.port);
  EXPECT_EQ(b->port(), plain.port);
  EXPECT_EQ(loop->Listen(plain, &server, &other), -EADDRINUSE);  // it does not set it
}

// A listener on a socket opened elsewhere accepts on a duplicate of its own: the
// socket goes on listening after the caller closes its descriptor, and stops once
// the listener closes.
TEST(Listener, AcceptOnTakesADuplicateOfTheSocket) {
  RecordingHandler server;
  std::unique_ptr<Loop> loop = Loop::CreateOrDie(LoopOptions{});
  engine::ListenOptions options;
  options.host = "127.0.0.1";
  uint16_t port = 0;
  int fd = engine::OpenListenSocket(options, &port);
  ASSERT_GE(fd, 0) << strerror(-fd);
  Listener* listener = nullptr;
  ASSERT_EQ(loop->AcceptOn(fd, engine::AcceptMode::kMultishot, &server, &listener), 0);
  EXPECT_NE(listener->fd(), fd);
  EXPECT_EQ(listener->port(), port);
  close(fd);
  Fd client = ConnectLoopback(port);
  ASSERT_TRUE(client.valid());
  EXPECT_TRUE(RunUntil(*loop, [&] { return server.accepts == 1; }));
  int listen_fd = listener->fd();
  listener->Close();
  RunUntil(*loop, [&] { return fcntl(listen_fd, F_GETFD) == -1; });  // the reap closed it
  Fd refused = ConnectLoopback(port);
  int err = errno;
  EXPECT_FALSE(refused.valid());
  EXPECT_EQ(err, ECONNREFUSED);
}

int NoDelay(int fd) {
  int v = -1;
  socklen_t len = sizeof(v);
  if (getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len) != 0) return -errno;
  return v;
}

// The listening socket carries TCP_NODELAY, so no accept pays a setsockopt of its own.
TEST(Listener, AcceptedSocketsInheritTcpNoDelayFromTheListeningSocket) {
  RecordingHandler server;
  int accepted_nodelay = -2;
  server.on_accept = [&](engine::Connection& c) { accepted_nodelay = NoDelay(c.fd()); };
  std::unique_ptr<Loop> loop = Loop::CreateOrDie(LoopOptions{});
  Listener* listener = ListenLoopback(*loop, &server);
  ASSERT_NE(listener, nullptr);
  EXPECT_EQ(NoDelay(listener->fd()), 1);
  Fd client = ConnectLoopback(listener->port());
  ASSERT_TRUE(client.valid());
  EXPECT_TRUE(RunUntil(*loop, [&] { return server.accepts == 1; }));
  EXPECT_EQ(accepted_nodelay, 1);
}

// A socket opened elsewhere, without it: AcceptOn sets it on the shared socket.
TEST(Listener, AcceptOnASocketWithoutTcpNoDelayStillAcceptsWithIt) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  ASSERT_EQ(listen(fd, 16), 0);
  ASSERT_EQ(NoDelay(fd), 0);
  RecordingHandler server;
  int accepted_nodelay = -2;
  server.on_accept = [&](engine::Connection& c) { accepted_nodelay = NoDelay(c.fd()); };
  std::unique_ptr<Loop> loop = Loop::CreateOrDie(LoopOptions{});
  Listener* listener = nullptr;
  ASSERT_EQ(loop->AcceptOn(fd, engine::AcceptMode::kMultishot, &server, &listener), 0);
  EXPECT_EQ(NoDelay(fd), 1);
  Fd client = ConnectLoopback(engine::BoundPort(fd));
  close(fd);
  ASSERT_TRUE(client.valid());
  EXPECT_TRUE(RunUntil(*loop, [&] { return server.accepts == 1; }));
  EXPECT_EQ(accepted_nodelay, 1);
}

// --- out of descriptors ------------------------------------------------------------

// What the child of the fd-limit test reports through its pipe, step by step.
struct Report {
  uint32_t port = 0;
  uint32_t slots = 0;      // free descriptor numbers below the limit, once set up
  uint32_t accepted = 0;
  uint32_t backoffs = 0;
  uint32_t arms = 0;         // accept arms during one second at the limit
  uint32_t completions = 0;  // completions during that second
};

struct Command {
  char op = 0;  // 'G': clients are connected; 'C': some closed; 'Q': quit
  uint32_t clients = 0;
};

// Runs the loop until a command arrives on the (non-blocking) pipe.
bool AwaitCommand(Loop& loop, int fd, char op, Command* cmd) {
  return RunUntil(loop, [&] {
    return read(fd, cmd, sizeof(*cmd)) == static_cast<ssize_t>(sizeof(*cmd)) && cmd->op == op;
  }, 10000);
}

// The child: an echo server under RLIMIT_NOFILE = 64. Returns its exit status; it
// must not use gtest, whose state belongs to the parent.
int FdLimitChild(int cmd_fd, int report_fd) {
  rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = 64;
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0) return 20;
  EchoServer server;
  engine::SetupError error;
  std::unique_ptr<Loop> loop = Loop::Create(LoopOptions{.sq_entries = 64}, &error);
  if (!loop) return 21;
  engine::ListenOptions options;
  options.host = "127.0.0.1";
  Listener* listener = nullptr;
  if (loop->Listen(options, &server, &listener) != 0) return 22;
  SetNonBlocking(cmd_fd);

  // One round trip while descriptors are free. Besides showing the server works,
  // it primes UBSan's vptr check (under the sanitizer build), which opens a pipe the
  // first time it sees each type and would misreport once no descriptor is left.
  {
    Fd c = ConnectLoopback(listener->port());
    if (!c.valid() || !WriteAll(c.get(), "w")) return 30;
    loop->Post([] {});  // a completion for the loop itself
    char byte;
    if (!RunUntil(*loop, [&] { return recv(c.get(), &byte, 1, MSG_DONTWAIT) == 1; })) {
      return 31;
    }
    shutdown(c.get(), SHUT_WR);
    if (!RunUntil(*loop, [&] { return server.closed == 1; })) return 32;
    RunFor(*loop, 20);  // the server side's socket is closed by the ring
  }
  const uint64_t warm_up = listener->stats().accepted;

  Report report;
  report.port = listener->port();
  for (int fd = 0; fd < 64; ++fd) report.slots += fcntl(fd, F_GETFD) == -1;
  if (write(report_fd, &report, sizeof(report)) != sizeof(report)) return 23;

  Command cmd;
  if (!AwaitCommand(*loop, cmd_fd, 'G', &cmd)) return 24;
  // 1. At the limit: accepting backs off instead of spinning.
  if (!RunUntil(*loop, [&] { return listener->stats().backoffs > 0; })) return 25;
  const engine::ListenerStats& stats = listener->stats();
  uint64_t arms = stats.arms;
  uint64_t completions = loop->stats().completions;
  RunFor(*loop, 1000);
  report.accepted = static_cast<uint32_t>(stats.accepted - warm_up);
  report.backoffs = static_cast<uint32_t>(stats.backoffs);
  report.arms = static_cast<uint32_t>(stats.arms - arms);
  report.completions = static_cast<uint32_t>(loop->stats().completions - completions);
  if (write(report_fd, &report, sizeof(report)) != sizeof(report)) return 26;
  // 2. The parent echoes on an open connection, then closes some: the pending
  //    connections get accepted.
  if (!AwaitCommand(*loop, cmd_fd, 'C', &cmd)) return 27;
  RunUntil(*loop, [&] { return stats.accepted - warm_up == cmd.clients; }, 5000);
  report.accepted = static_cast<uint32_t>(stats.accepted - warm_up);
  if (write(report_fd, &report, sizeof(report)) != sizeof(report)) return 28;
  // 3. Serve the parent's last echo.
  if (!AwaitCommand(*loop, cmd_fd, 'Q', &cmd)) return 29;
  return 0;
}

// Reads one report, waiting at most timeout_ms.
bool ReadReport(int fd, Report* report, int timeout_ms = 10000) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, timeout_ms) != 1) return false;
  return read(fd, report, sizeof(*report)) == static_cast<ssize_t>(sizeof(*report));
}

bool Echoes(int fd, std::string_view msg) {
  std::string got;
  return WriteAll(fd, msg) && ReadExactly(fd, msg.size(), &got) && got == msg;
}

// Kills and reaps the child if the test ends early.
struct Child {
  pid_t pid = -1;
  ~Child() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
  // The exit status, or -1 when it did not exit within timeout_ms.
  int Wait(int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      if (waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }
};

TEST(Listener, BacksOffAtTheDescriptorLimitKeepsServingAndRecovers) {
  int cmd[2], rep[2];
  ASSERT_EQ(pipe2(cmd, O_CLOEXEC), 0);
  ASSERT_EQ(pipe2(rep, O_CLOEXEC), 0);
  Child child;
  child.pid = fork();
  ASSERT_GE(child.pid, 0);
  if (child.pid == 0) {
    close(cmd[1]);
    close(rep[0]);
    _exit(FdLimitChild(cmd[0], rep[1]));
  }
  close(cmd[0]);
  close(rep[1]);
  Fd cmd_fd(cmd[1]), report_fd(rep[0]);
  auto send_command = [&](char op, uint32_t clients) {
    Command c{op, clients};
    return write(cmd_fd.get(), &c, sizeof(c)) == static_cast<ssize_t>(sizeof(c));
  };

  Report report;
  ASSERT_TRUE(ReadReport(report_fd.get(), &report)) << "child exit " << child.Wait(1000);
  ASSERT_GE(report.slots, 24u) << "too many inherited descriptors for the test";
  // More clients than the child has descriptors: the rest wait in the backlog.
  const uint32_t kPending = 12;
  const uint32_t n = report.slots + kPending;
  std::vector<Fd> clients = OpenClients(static_cast<uint16_t>(report.port), n);
  ASSERT_EQ(clients.size(), n);
  ASSERT_TRUE(send_command('G', n));

  ASSERT_TRUE(ReadReport(report_fd.get(), &report)) << "child exit " << child.Wait(1000);
  EXPECT_LT(report.accepted, n);
  EXPECT_GT(report.accepted, 0u);
  EXPECT_GT(report.backoffs, 0u);
  // The back-off doubles from 10 ms to 1 s: a handful of arms in a second, not a spin.
  EXPECT_LT(report.arms, 20u);
  EXPECT_LT(report.completions, 100u);

  // The first client was accepted first (the backlog is FIFO) and is still served.
  EXPECT_TRUE(Echoes(clients[0].get(), "ping"));
  // Closing some frees descriptors for every pending connection.
  for (uint32_t i = 1; i <= kPending + 4; ++i) clients[i].Close();
  ASSERT_TRUE(send_command('C', n));
  ASSERT_TRUE(ReadReport(report_fd.get(), &report)) << "child exit " << child.Wait(1000);
  EXPECT_EQ(report.accepted, n);
  EXPECT_TRUE(Echoes(clients[n - 1].get(), "pong"));

  ASSERT_TRUE(send_command('Q', 0));
  EXPECT_EQ(child.Wait(5000), 0);
}

}  // namespace
}  // namespace engine_test
