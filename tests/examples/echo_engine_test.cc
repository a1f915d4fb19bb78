// examples/echo_engine under load: every byte of many concurrent connections comes back.
//
// Each test starts the example on a free loopback port, waits for its "listening on"
// line, runs tools/echo_load against it, checks the load's verdict and that the
// server survived, then kills the server. Both binaries come from the runfiles.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern char** environ;

namespace {

constexpr int kSpareFds = 100;  // rings, eventfds, listeners, stdio

std::string Runfile(const std::string& path) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  if (srcdir == nullptr || workspace == nullptr) return path;  // run by hand from bazel-bin
  return std::string(srcdir) + "/" + workspace + "/" + path;
}

int64_t NowMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1000000;
}

// Raises the soft RLIMIT_NOFILE to the hard one, so that children inherit it too,
// and returns it.
rlim_t RaiseNoFileLimit() {
  rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  return rl.rlim_max;
}

long EphemeralPorts() {
  long lo = 0, hi = -1;
  if (FILE* f = std::fopen("/proc/sys/net/ipv4/ip_local_port_range", "r")) {
    if (std::fscanf(f, "%ld %ld", &lo, &hi) != 2) hi = -1;
    std::fclose(f);
  }
  return hi >= lo ? hi - lo + 1 : -1;
}

// A port nothing listens on right now (the kernel's pick for an ephemeral bind).
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

// A child process whose stdout we read; its stderr goes to the test log.
class Child {
 public:
  Child() = default;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() { Kill(); }

  bool Spawn(const std::vector<std::string>& args) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return false;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    int ret = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    out_ = fds[0];
    if (ret != 0) pid_ = -1;
    return ret == 0;
  }

  // Reads stdout until a newline, EOF or the deadline; returns what was read.
  std::string ReadLine(int timeout_ms) { return Read(timeout_ms, true); }
  std::string ReadAll(int timeout_ms) { return Read(timeout_ms, false); }

  // Waits for the exit; returns the status, or -1 after killing it at the deadline.
  int Wait(int timeout_ms) {
    int64_t deadline = NowMs() + timeout_ms;
    while (pid_ > 0) {
      int status;
      pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        return status;
      }
      if (NowMs() > deadline) break;
      usleep(10000);
    }
    Kill();
    return -1;
  }

  bool Running() {
    int status;
    return pid_ > 0 && waitpid(pid_, &status, WNOHANG) == 0;
  }

  void Kill() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
    if (out_ >= 0) close(out_);
    out_ = -1;
  }

 private:
  std::string Read(int timeout_ms, bool one_line) {
    std::string s;
    int64_t deadline = NowMs() + timeout_ms;
    while (out_ >= 0 && !(one_line && !s.empty() && s.back() == '\n')) {
      int64_t left = deadline - NowMs();
      pollfd p{out_, POLLIN, 0};
      if (left <= 0 || poll(&p, 1, static_cast<int>(left)) <= 0) break;
      char c[4096];
      ssize_t n = read(out_, c, one_line ? 1 : sizeof(c));  // a line: not a byte more
      if (n <= 0) break;
      s.append(c, static_cast<size_t>(n));
    }
    return s;
  }

  pid_t pid_ = -1;
  int out_ = -1;
};

struct LoadResult {
  int status = -1;
  std::string line;
  long connections = -1, bytes = -1, errors = -1, mismatches = -1;
  double seconds = -1;
};

class EchoEngineTest : public ::testing::Test {
 protected:
  // Starts the server on a free port; a few tries, since the port may be taken
  // between FreePort() and the server's bind.
  void StartServer() {
    for (int attempt = 0; attempt < 3; ++attempt) {
      port_ = FreePort();
      ASSERT_GT(port_, 0);
      ASSERT_TRUE(server_.Spawn({Runfile("examples/echo_engine"), "--host", "127.0.0.1", "--port",
                                 std::to_string(port_), "--threads", "2"}));
      std::string line = server_.ReadLine(10000);
      if (line.rfind("listening on", 0) == 0) return;
      server_.Kill();
    }
    FAIL() << "examples/echo_engine did not print \"listening on\"";
  }

  LoadResult RunLoad(int connections, long bytes, int seconds) {
    Child load;
    LoadResult r;
    if (!load.Spawn({Runfile("tools/echo_load/echo_load"), "--host", "127.0.0.1", "--port",
                     std::to_string(port_), "--connections", std::to_string(connections),
                     "--bytes-per-connection", std::to_string(bytes), "--seconds",
                     std::to_string(seconds)})) {
      return r;
    }
    // echo_load stops itself after `seconds` and 10 s of closing; allow some more.
    r.line = load.ReadAll((seconds + 20) * 1000);
    r.status = load.Wait(5000);
    std::sscanf(r.line.c_str(), "connections=%ld bytes=%ld errors=%ld mismatches=%ld seconds=%lf",
                &r.connections, &r.bytes, &r.errors, &r.mismatches, &r.seconds);
    std::printf("echo_load: %s", r.line.c_str());
    return r;
  }

  // Skips unless this process and its children can each hold `fds` descriptors and
  // loopback has `ports` ephemeral ports.
  void RequireRoom(int fds, int ports) {
    rlim_t hard = RaiseNoFileLimit();
    if (hard != RLIM_INFINITY && hard < static_cast<rlim_t>(fds + kSpareFds)) {
      GTEST_SKIP() << "the hard RLIMIT_NOFILE is " << hard << ", but the server and the "
                   << "load client each need more than " << fds + kSpareFds
                   << " descriptors; raise it (ulimit -Hn) to run this test";
    }
    long available = EphemeralPorts();
    if (available >= 0 && available < ports) {
      GTEST_SKIP() << "net.ipv4.ip_local_port_range holds " << available << " ports, but " << ports
                   << " connections need one each";
    }
  }

  void ExpectEveryByteBack(const LoadResult& r, int connections, long bytes) {
    EXPECT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0)
        << "echo_load status " << r.status << ", output: " << r.line;
    EXPECT_EQ(r.connections, connections);
    EXPECT_EQ(r.errors, 0);
    EXPECT_EQ(r.mismatches, 0);
    EXPECT_EQ(r.bytes, connections * bytes);
    EXPECT_TRUE(server_.Running()) << "the server died under load";
  }

  Child server_;
  int port_ = -1;
};

TEST_F(EchoEngineTest, EchoesEveryByteOf10000ConcurrentConnections) {
  constexpr int kConnections = 10000;
  constexpr long kBytes = 4096;
  RequireRoom(kConnections, kConnections);
  if (IsSkipped()) return;
  StartServer();
  if (HasFatalFailure()) return;
  LoadResult r = RunLoad(kConnections, kBytes, 40);
  ExpectEveryByteBack(r, kConnections, kBytes);
}

TEST_F(EchoEngineTest, EchoesEveryByteOf1MiBOn200Connections) {
  constexpr int kConnections = 200;
  constexpr long kBytes = 1 << 20;
  RequireRoom(kConnections, kConnections);
  if (IsSkipped()) return;
  StartServer();
  if (HasFatalFailure()) return;
  LoadResult r = RunLoad(kConnections, kBytes, 40);
  ExpectEveryByteBack(r, kConnections, kBytes);
}

// Peers that send and never read their echo: the server stops reading them once it
// holds enough of their echo, and a good client is still echoed at once.
TEST_F(EchoEngineTest, PeersThatNeverReadTheirEchoLeaveTheOthersServed) {
  constexpr int kSlow = 1500;
  constexpr size_t kEach = 64 * 1024;  // far more than a 4 KiB receive window holds
  RequireRoom(kSlow + 10, kSlow + 10);
  if (IsSkipped()) return;
  StartServer();
  if (HasFatalFailure()) return;
  auto connect_to = [this](int rcvbuf) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    return fd;
  };
  std::vector<int> slow;
  std::string bytes(kEach, 's');
  for (int i = 0; i < kSlow; ++i) {
    slow.push_back(connect_to(4096));
    // As much as the server takes; it stops reading a peer that does not read.
    size_t sent = 0;
    for (int tries = 0; sent < kEach && tries < 20; ++tries) {
      ssize_t n = send(slow.back(), bytes.data() + sent, kEach - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) sent += static_cast<size_t>(n);
      else usleep(100);
    }
  }
  int good = connect_to(0);
  ASSERT_EQ(send(good, "hello", 5, MSG_NOSIGNAL), 5);
  std::string echoed;
  int64_t deadline = NowMs() + 2000;
  while (echoed.size() < 5 && NowMs() < deadline) {
    pollfd p{good, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char buf[16];
    ssize_t n = recv(good, buf, sizeof(buf), 0);
    if (n <= 0) break;
    echoed.append(buf, static_cast<size_t>(n));
  }
  EXPECT_EQ(echoed, "hello") << "a good client was not echoed while " << kSlow
                             << " peers did not read";
  EXPECT_TRUE(server_.Running());
  close(good);
  for (int fd : slow) close(fd);
}

}  // namespace
