// Helpers for the end-to-end http tests: a real http::Server on 127.0.0.1 (one
// loop), driven by raw request bytes from blocking client sockets, as in
// server_test.cc. Expected bytes are what Node v12.22.9 writes (the fixtures in
// tests/conformance/scenarios/, or the reference runtime), with the Date value
// normalised to DATE.
//
// Threads: handlers run on the server's loop thread, the test body on the main
// thread. Handlers report what they saw through Note() (mutex-guarded); the test
// reads Notes() once the exchange is over.
#ifndef TESTS_HTTP_LOOPBACK_H_
#define TESTS_HTTP_LOOPBACK_H_

#include <arpa/inet.h>
#include <dirent.h>
#include <gtest/gtest.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http/server.h"

namespace http_test {

// Replaces the value of every "\r\nDate: ...\r\n" line with DATE.
inline std::string NormaliseDate(const std::string& in) {
  std::string out;
  size_t pos = 0;
  for (;;) {
    size_t at = in.find("\r\nDate: ", pos);
    size_t eol = at == std::string::npos ? at : in.find("\r\n", at + 8);
    if (eol == std::string::npos) break;
    out.append(in, pos, at + 8 - pos).append("DATE");
    pos = eol;
  }
  return out.append(in, pos, std::string::npos);
}

// True once the server has ended the connection of the client socket `fd` (its FIN
// or a reset arrived): what it has not read by then, it never will.
inline bool ServerEnded(int fd) {
  tcp_info info{};
  socklen_t len = sizeof(info);
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return true;
  switch (info.tcpi_state) {
    case TCP_CLOSE_WAIT:
    case TCP_LAST_ACK:
    case TCP_CLOSING:
    case TCP_TIME_WAIT:
    case TCP_CLOSE:
      return true;
    default:
      return false;
  }
}

// Waits up to `ms` until the server listening on `port` has taken every byte sent so
// far on each of `fds` out of its socket (a receive of the server's loop has
// completed with them), so that what is sent next arrives in a later receive, however
// loaded the machine. The server runs in this process, so its end of each connection
// is among this process's descriptors: the one whose peer is the client's port. Done
// for a client when its send queue is empty (all acknowledged: in the server's
// socket) and so is the receive queue of the server's end, or once the server has
// ended the connection. Returns false on the deadline.
inline bool WaitUntilServerReceived(uint16_t port, const std::vector<int>& fds,
                                    int ms = 10000) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  auto local_port = [](int fd) {
    sockaddr_in a{};
    socklen_t len = sizeof(a);
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    return ntohs(a.sin_port);
  };
  for (;;) {
    std::map<uint16_t, int> server_ends;  // client port -> server's descriptor
    if (DIR* dir = opendir("/proc/self/fd")) {
      while (dirent* e = readdir(dir)) {
        int sfd = std::atoi(e->d_name);
        sockaddr_in local{}, peer{};
        socklen_t len = sizeof(local), plen = sizeof(peer);
        if (sfd <= 2 || getsockname(sfd, reinterpret_cast<sockaddr*>(&local), &len) != 0 ||
            local.sin_family != AF_INET || ntohs(local.sin_port) != port ||
            getpeername(sfd, reinterpret_cast<sockaddr*>(&peer), &plen) != 0) {
          continue;
        }
        server_ends[ntohs(peer.sin_port)] = sfd;
      }
      closedir(dir);
    }
    bool all = true;
    for (int fd : fds) {
      if (ServerEnded(fd)) continue;
      int unacked = -1, unread = -1;
      auto end = server_ends.find(local_port(fd));
      if (ioctl(fd, SIOCOUTQ, &unacked) != 0 || unacked != 0 || end == server_ends.end() ||
          ioctl(end->second, FIONREAD, &unread) != 0 || unread != 0) {
        all = false;
        break;
      }
    }
    if (all) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

using Handler = std::function<void(http::IncomingMessage&, http::ServerResponse&)>;

class LoopbackTest : public ::testing::Test {
 protected:
  // Creates the server with `handler` (may be empty), lets `setup` add listeners and
  // settings, and listens on an ephemeral port.
  void Start(Handler handler, std::function<void(http::Server&)> setup = {},
             http::ServerOptions options = {}) {
    server_ = http::createServer(std::move(options), std::move(handler));
    if (setup) setup(*server_);
    // A failed listen emits 'error' later, on the server's own thread: join() waits
    // for it, so that the failure says why.
    auto error = std::make_shared<std::string>();
    server_->on<"error">([error](const http::Error& e) {
      *error = std::string(e.code()) + ": " + std::string(e.message());
    });
    server_->listen(0, "127.0.0.1", 1);
    if (!server_->listening()) server_->join();
    ASSERT_TRUE(server_->listening()) << *error;
  }
  void TearDown() override { StopServer(); }
  void StopServer() {
    if (server_) {
      server_->close();
      server_->join();
      server_.reset();
    }
  }

  int Connect() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(server_->port());
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    return fd;
  }
  // A connection whose every send leaves as its own segment (one receive each, as a
  // rule), for tests that shape what the server's receives contain.
  int ConnectNoDelay() {
    int fd = Connect();
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
  }
  static uint16_t LocalPort(int fd) {
    sockaddr_in a{};
    socklen_t len = sizeof(a);
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    return ntohs(a.sin_port);
  }

  // Waits up to `ms` until the server has taken every byte sent so far on each of
  // `fds` out of its socket: see the function of the same name above.
  bool WaitUntilServerReceived(const std::vector<int>& fds, int ms = 10000) {
    return http_test::WaitUntilServerReceived(server_->port(), fds, ms);
  }
  bool WaitUntilServerReceived(int fd, int ms = 10000) {
    return WaitUntilServerReceived(std::vector<int>{fd}, ms);
  }

  // Runs fn on the socket's loop once ready() holds, looking every `every_ms` ms: a
  // handler that waits on something the test controls. Dropped if the socket closes
  // first (its timers go with it).
  static void RunWhen(http::Socket& socket, std::function<bool()> ready,
                      std::function<void()> fn, uint64_t every_ms = 1) {
    if (ready()) {
      fn();
      return;
    }
    socket.runAfter(every_ms, [&socket, ready = std::move(ready), fn = std::move(fn),
                               every_ms]() mutable {
      RunWhen(socket, std::move(ready), std::move(fn), every_ms);
    });
  }

  // Closes with a reset (SO_LINGER 0): the server sees ECONNRESET, not a FIN.
  static void Reset(int fd) {
    linger l{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
    close(fd);
  }

  static void Send(int fd, const std::string& bytes) {
    EXPECT_EQ(send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }
  // Reads until the server closes or `idle_ms` pass without bytes. A close is
  // appended as "<closed>" when it is a FIN (the stream's end), as "<reset>" when it is
  // a reset (which can destroy bytes the client had not read yet).
  static std::string Read(int fd, int idle_ms = 300) {
    std::string out;
    char buf[65536];
    for (;;) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, idle_ms) <= 0) break;
      ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) {
        out += n == 0 ? "<closed>" : (errno == ECONNRESET ? "<reset>" : "<error>");
        break;
      }
      out.append(buf, static_cast<size_t>(n));
    }
    return NormaliseDate(out);
  }
  // Reads until `end` has arrived `count` times, the server closes, or the deadline
  // (by default 2 s from now) passes. The bytes are returned as received.
  static std::string ReadUntil(int fd, const std::string& end,
                               std::chrono::steady_clock::time_point deadline =
                                   std::chrono::steady_clock::now() +
                                   std::chrono::milliseconds(2000),
                               int count = 1) {
    std::string out;
    char buf[65536];
    while (Count(out, end) < count && std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }
  // How many times `what` occurs in `in`, without overlaps.
  static int Count(const std::string& in, const std::string& what) {
    int n = 0;
    for (size_t p = in.find(what); p != std::string::npos; p = in.find(what, p + what.size())) ++n;
    return n;
  }
  static std::string NormaliseDate(const std::string& in) { return http_test::NormaliseDate(in); }
  static std::string Exchange(int fd, const std::string& request, int idle_ms = 300) {
    Send(fd, request);
    return Read(fd, idle_ms);
  }
  // One connection, one exchange, closed afterwards.
  std::string RoundTrip(const std::string& request, int idle_ms = 300) {
    int fd = Connect();
    std::string out = Exchange(fd, request, idle_ms);
    close(fd);
    return out;
  }

  void Note(std::string s) {
    std::lock_guard<std::mutex> lock(mu_);
    notes_.push_back(std::move(s));
  }
  std::vector<std::string> Notes() {
    std::lock_guard<std::mutex> lock(mu_);
    return notes_;
  }
  void ClearNotes() {
    std::lock_guard<std::mutex> lock(mu_);
    notes_.clear();
  }
  // Waits up to `ms` for at least `n` notes; returns the notes.
  std::vector<std::string> WaitForNotes(size_t n, int ms = 2000) {
    for (int waited = 0; waited < ms; waited += 10) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (notes_.size() >= n) return notes_;
      }
      usleep(10 * 1000);
    }
    return Notes();
  }

  static constexpr const char* kGet = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
  // What Node v12 puts after the user's headers on a kept-alive HTTP/1.1 response.
  static constexpr const char* kKeepAlive =
      "Date: DATE\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n";

  std::unique_ptr<http::Server> server_;

 private:
  std::mutex mu_;
  std::vector<std::string> notes_;
};

}  // namespace http_test

#endif  // TESTS_HTTP_LOOPBACK_H_
