// Helpers for the client's tests: a real http::Server on 127.0.0.1 (its own loop
// thread) that counts its connections, and a port nobody listens on.
#ifndef TESTS_HTTP_CLIENT_UTIL_H_
#define TESTS_HTTP_CLIENT_UTIL_H_

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "http/server.h"

namespace http_test {

// A server answering "ok" (or what `handler` says), and counting connections.
struct TestServer {
  explicit TestServer(std::function<void(http::IncomingMessage&, http::ServerResponse&)> h = {},
                      std::function<void(http::Server&)> configure = {}) {
    server = http::createServer([h](http::IncomingMessage& req, http::ServerResponse& res) {
      if (h) return h(req, res);
      res.setHeader("Content-Type", "text/plain");
      res.end("ok");
    });
    server->on<"connection">([this](http::Socket&) { ++connections; });
    if (configure) configure(*server);
    server->listen(0, "127.0.0.1");
    for (int i = 0; i < 2000 && !server->listening(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  ~TestServer() {
    server->close();
    server->join();
  }
  uint16_t port() const { return server->port(); }
  std::unique_ptr<http::Server> server;
  std::atomic<int> connections{0};
};

// Text that a server handler (on the server's loop thread) records and the test
// thread reads once the exchange is over. The only ordering between the two is the
// socket, which ThreadSanitizer cannot see, so the handoff takes a lock.
class Recorded {
 public:
  void set(std::string_view v) {
    std::lock_guard lock(mu_);
    text_.assign(v);
  }
  void append(std::string_view v) {
    std::lock_guard lock(mu_);
    text_.append(v);
  }
  std::string get() const {
    std::lock_guard lock(mu_);
    return text_;
  }

 private:
  mutable std::mutex mu_;
  std::string text_;
};

// A port nobody listens on: bound, then closed.
inline uint16_t UnusedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

}  // namespace http_test

#endif  // TESTS_HTTP_CLIENT_UTIL_H_
