#include "tests/engine/test_util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>

namespace engine_test {

bool RunUntil(engine::Loop& loop, const std::function<bool()>& pred, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  // A timer bounds each turn's wait, so the deadline is honoured even when idle.
  engine::Timer tick([] {});
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return pred();
    if (!tick.armed()) loop.ArmTimer(&tick, 10);
    loop.RunOnce();
  }
  return true;
}

void RunFor(engine::Loop& loop, int ms) {
  constexpr int kMinTurns = 3;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  engine::Timer tick([] {});  // bounds each turn's wait
  for (int turns = 0; turns < kMinTurns || std::chrono::steady_clock::now() < deadline;
       ++turns) {
    if (!tick.armed()) loop.ArmTimer(&tick, 10);
    loop.RunOnce();
  }
}

namespace {

// True while thread `tid` sleeps ('S') in io_uring_enter.
bool WaitingInKernel(pid_t tid) {
  std::string task = "/proc/self/task/" + std::to_string(tid);
  std::ifstream stat(task + "/stat");
  std::string line;
  std::getline(stat, line);
  size_t paren = line.rfind(')');  // the name, in parentheses, may hold spaces
  if (paren == std::string::npos || line.compare(paren, 3, ") S") != 0) return false;
  std::ifstream syscall(task + "/syscall");
  long nr = -1;
  return static_cast<bool>(syscall >> nr) && nr == __NR_io_uring_enter;
}

}  // namespace

bool WaitUntilWaitingInKernel(pid_t tid, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (WaitingInKernel(tid)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      if (WaitingInKernel(tid)) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

void RaiseFdLimit() {
  rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    Close();
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

void Fd::Close() {
  if (fd_ >= 0) close(std::exchange(fd_, -1));
}

// --- test bytes --------------------------------------------------------------------

char PatternByte(uint64_t seed, uint64_t i) {
  // splitmix64 of (seed, i): no short period, so shifted data never matches.
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + i;
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  x ^= x >> 31;
  return static_cast<char>(x);
}

void FillPattern(uint64_t seed, uint64_t offset, char* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = PatternByte(seed, offset + i);
}

std::string Pattern(uint64_t seed, uint64_t offset, size_t n) {
  std::string s(n, '\0');
  FillPattern(seed, offset, s.data(), n);
  return s;
}

bool MatchesPattern(uint64_t seed, uint64_t offset, std::string_view data) {
  for (size_t i = 0; i < data.size(); ++i) {
    if (data[i] != PatternByte(seed, offset + i)) return false;
  }
  return true;
}

// --- sockets -----------------------------------------------------------------------

engine::Listener* ListenLoopback(engine::Loop& loop, engine::AcceptHandler* handler) {
  engine::ListenOptions options;
  options.host = "127.0.0.1";
  // Without SO_REUSEPORT: a port the kernel picks must not be shared with a listener
  // of a test running alongside (port 0 with SO_REUSEPORT can be given out twice).
  options.reuse_port = false;
  engine::Listener* listener = nullptr;
  int ret = loop.Listen(options, handler, &listener);
  EXPECT_EQ(ret, 0) << "Listen: " << strerror(-ret);
  return ret == 0 ? listener : nullptr;
}

namespace {

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

}  // namespace

Fd ConnectLoopback(uint16_t port, int rcvbuf, int timeout_ms) {
  Fd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return fd;
  if (rcvbuf > 0) setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  sockaddr_in addr = Loopback(port);
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) return fd;
  // Interrupted (a ring's task work can interrupt this thread's blocking calls): the
  // connect goes on; wait for it and read its outcome.
  if (errno != EINTR) return Fd();
  pollfd p{fd.get(), POLLOUT, 0};
  int r;
  do {
    r = poll(&p, 1, timeout_ms);
  } while (r < 0 && errno == EINTR);
  int err = 0;
  socklen_t len = sizeof(err);
  if (r != 1 || getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
    errno = err != 0 ? err : ETIMEDOUT;
    return Fd();
  }
  return fd;
}

Fd ConnectLoopbackNonBlocking(uint16_t port) {
  Fd fd = ConnectLoopback(port);
  if (fd.valid()) SetNonBlocking(fd.get());
  return fd;
}

void SetNonBlocking(int fd, bool non_blocking) {
  int flags = fcntl(fd, F_GETFL);
  fcntl(fd, F_SETFL, non_blocking ? flags | O_NONBLOCK : flags & ~O_NONBLOCK);
}

uint16_t UnusedPort() {
  Fd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr = Loopback(0);
  socklen_t len = sizeof(addr);
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return 0;
  }
  return ntohs(addr.sin_port);
}

engine::Connection* ConnectWithLoop(engine::Loop& loop, uint16_t port,
                                    engine::ConnectionHandler* handler) {
  sockaddr_storage addr;
  socklen_t len;
  engine::Connection* out = nullptr;
  EXPECT_EQ(engine::ParseAddress("127.0.0.1", port, &addr, &len), 0);
  int ret = loop.Connect(reinterpret_cast<sockaddr*>(&addr), len, handler, &out);
  EXPECT_EQ(ret, 0) << "Connect: " << strerror(-ret);
  return ret == 0 ? out : nullptr;
}

void ExpectAllFreed(engine::Loop& loop) {
  EXPECT_TRUE(RunUntil(loop, [&] { return loop.live_connections() == 0; }));
  EXPECT_EQ(loop.stats().connections_freed, loop.stats().connections_opened);
  EXPECT_EQ(loop.stats().stale_completions, 0u);
}

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool ReadExactly(int fd, size_t n, std::string* out) {
  size_t start = out->size();
  out->resize(start + n);
  size_t got = 0;
  while (got < n) {
    ssize_t r = recv(fd, out->data() + start + got, n - got, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      out->resize(start + got);
      return false;
    }
    got += static_cast<size_t>(r);
  }
  return true;
}

bool ReadToEof(int fd, std::string* out) {
  char buf[65536];
  for (;;) {
    ssize_t r = recv(fd, buf, sizeof(buf), 0);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return false;
    if (r == 0) return true;
    out->append(buf, static_cast<size_t>(r));
  }
}

bool WaitEofOrReset(int fd, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  char buf[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    ssize_t r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (r == 0 || (r < 0 && errno == ECONNRESET)) return true;
  }
  return false;
}

void ResetAndClose(Fd& fd) {
  linger lg{1, 0};
  setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  fd.Close();
}

// --- echo client ------------------------------------------------------------------

namespace {

void SendSome(EchoClient* c, std::vector<char>& buf) {
  size_t n = c->writes[c->next] - c->next_off;
  FillPattern(c->seed, c->sent, buf.data(), n);
  ssize_t r = send(c->fd.get(), buf.data(), n, MSG_NOSIGNAL | MSG_DONTWAIT);
  if (r < 0) {
    if (errno != EAGAIN) c->error = std::string("send: ") + strerror(errno);
    return;
  }
  c->sent += static_cast<size_t>(r);
  c->next_off += static_cast<size_t>(r);
  if (c->next_off == c->writes[c->next]) {
    ++c->next;
    c->next_off = 0;
  }
  if (c->sent == c->total) shutdown(c->fd.get(), SHUT_WR);
}

void ReceiveSome(EchoClient* c, std::vector<char>& buf) {
  ssize_t r = recv(c->fd.get(), buf.data(), buf.size(), MSG_DONTWAIT);
  if (r < 0) {
    if (errno != EAGAIN) c->error = std::string("recv: ") + strerror(errno);
  } else if (r == 0) {
    c->eof = true;
    if (c->received != c->total) c->error = "EOF before every byte came back";
  } else {
    std::string_view got(buf.data(), static_cast<size_t>(r));
    if (c->received + got.size() > c->total) {
      c->error = "more bytes echoed than sent";
    } else if (!MatchesPattern(c->seed, c->received, got)) {
      c->error = "echoed bytes differ from offset " + std::to_string(c->received) + " on";
    }
    c->received += got.size();
  }
}

}  // namespace

void DriveEchoClients(const std::vector<EchoClient*>& clients, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  size_t max_write = 1;
  for (EchoClient* c : clients) {
    for (size_t w : c->writes) max_write = std::max(max_write, w);
  }
  std::vector<char> out(max_write), in(256 * 1024);
  std::vector<pollfd> pfds;
  std::vector<EchoClient*> active;
  for (;;) {
    pfds.clear();
    active.clear();
    for (EchoClient* c : clients) {
      if (c->eof || !c->error.empty()) continue;
      short events = c->sent < c->total ? POLLIN | POLLOUT : POLLIN;
      pfds.push_back({c->fd.get(), events, 0});
      active.push_back(c);
    }
    if (active.empty()) return;
    if (std::chrono::steady_clock::now() > deadline) {
      for (EchoClient* c : active) c->error = "timed out";
      return;
    }
    if (poll(pfds.data(), pfds.size(), 50) <= 0) continue;
    for (size_t i = 0; i < active.size(); ++i) {
      if ((pfds[i].revents & POLLOUT) && active[i]->sent < active[i]->total) {
        SendSome(active[i], out);
      }
      if (pfds[i].revents & (POLLIN | POLLHUP | POLLERR)) ReceiveSome(active[i], in);
    }
  }
}

// --- echo server -------------------------------------------------------------------

namespace {

// One send per received piece: it owns the buffer until the send is done.
struct Echo {
  engine::SendReq req;
  iovec iov;
  engine::BufRef buf;
};

}  // namespace

void EchoServer::OnAccept(engine::Connection& c) {
  ++accepted;
  c.set_handler(this);
}

void EchoServer::OnData(engine::Connection& c, const engine::RecvBuf& data) {
  bytes += data.size();
  auto* e = new Echo{};
  e->buf = data.Retain();
  e->iov = {const_cast<char*>(e->buf.data()), e->buf.size()};
  e->req.iov = &e->iov;
  e->req.iovcnt = 1;
  e->req.user = e;
  e->req.on_done = [](engine::SendReq* r, int) { delete static_cast<Echo*>(r->user); };
  c.Send(&e->req);
}

void EchoServer::OnEof(engine::Connection& c) {
  ++eofs;
  c.End();
}

void EchoServer::OnClose(engine::Connection&, int err) {
  ++closed;
  if (err < 0) {
    ++closed_with_error;
    last_error = err;
  }
}

// --- recording handler -------------------------------------------------------------

void RecordingHandler::OnAccept(engine::Connection& c) {
  ++accepts;
  conn = &c;
  c.set_handler(this);
  if (on_accept) on_accept(c);
}

void RecordingHandler::OnConnect(engine::Connection& c, int err) {
  ++connects;
  connect_err = err;
  conn = &c;
  if (on_connect) on_connect(c, err);
}

void RecordingHandler::OnData(engine::Connection& c, const engine::RecvBuf& data) {
  ++data_calls;
  received.append(data.view());
  if (on_data) on_data(c, data);
}

void RecordingHandler::OnEof(engine::Connection& c) {
  ++eofs;
  if (on_eof) {
    on_eof(c);
  } else {
    c.Close();
  }
}

void RecordingHandler::OnClose(engine::Connection& c, int err) {
  ++closes;
  close_err = err;
  if (conn == &c) conn = nullptr;
}

TestSend::TestSend(std::string data) : bytes(std::move(data)) {
  iov = {bytes.data(), bytes.size()};
  req.iov = &iov;
  req.iovcnt = 1;
  req.user = this;
  req.on_done = [](engine::SendReq* r, int err) {
    auto* self = static_cast<TestSend*>(r->user);
    ++self->done_calls;
    self->err = err;
  };
}

}  // namespace engine_test
