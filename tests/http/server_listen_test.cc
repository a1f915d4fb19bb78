// http::Server's listen() and its port (http/server.cc): the loops of one server take
// turns on one socket, and no other server, in this process or another, gets the
// port unless each one sets ServerOptions::reusePort. Checked against v12.22.9: a
// second http server on a port in use, in the same process or in a child process,
// emits 'error' with code EADDRINUSE, syscall "listen" and the message "listen
// EADDRINUSE: address already in use 127.0.0.1:<port>".
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http/server.h"

namespace {

// What listen() on `port` gave: "listening", or the 'error' event's code, syscall
// and message (emitted on another thread: join() waits for it).
std::string ListenOutcome(http::Server& server, uint16_t port, int threads) {
  std::string outcome = "no event";
  server.on<"error">([&outcome](const http::Error& e) {
    outcome = std::string(e.code()) + " " + std::string(e.syscall()) + ": " +
              std::string(e.message());
  });
  server.listen(port, "127.0.0.1", threads);
  if (server.listening()) return "listening";
  server.join();
  return outcome;
}

std::string InUse(uint16_t port) {
  return "EADDRINUSE listen: listen EADDRINUSE: address already in use 127.0.0.1:" +
         std::to_string(port);
}

std::unique_ptr<http::Server> ReusePortServer() {
  http::ServerOptions options;
  options.reusePort = true;
  return http::createServer(options, [](http::IncomingMessage&, http::ServerResponse& res) {
    res.end("ok");
  });
}

// One request on a new connection; true when it was answered.
bool Answered(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  std::string request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  ok = ok && send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
                 static_cast<ssize_t>(request.size());
  char buf[512];
  pollfd p{fd, POLLIN, 0};
  ok = ok && poll(&p, 1, 2000) == 1 && recv(fd, buf, sizeof(buf), 0) > 0;
  close(fd);
  return ok;
}

TEST(ServerListen, ASecondServerOnThePortFailsWithEaddrinuse) {
  auto first = http::createServer();
  ASSERT_EQ(ListenOutcome(*first, 0, 2), "listening");
  uint16_t port = first->port();
  for (int threads : {1, 2}) {
    auto second = http::createServer();
    EXPECT_EQ(ListenOutcome(*second, port, threads), InUse(port)) << threads << " threads";
    EXPECT_FALSE(second->listening());
  }
  // So does a server that asks for the port to be shared: the first did not.
  auto sharing = ReusePortServer();
  EXPECT_EQ(ListenOutcome(*sharing, port, 2), InUse(port));
  first->close();
  first->join();
}

// Checked against v12.22.9: the 'error' of a listen() that fails comes on the next
// tick (net.js's emitErrorNT), never from inside listen(), with server.listening
// false; a close() right after it emits 'close' after the 'error'. Here there is no
// loop, so a thread of the server's own emits it (http/server.h).
TEST(ServerListen, AFailedListenEmitsErrorLaterOnAThreadOfTheServersOwn) {
  auto first = http::createServer();
  ASSERT_EQ(ListenOutcome(*first, 0, 1), "listening");
  uint16_t port = first->port();
  for (int threads : {1, 2}) {
    auto second = http::createServer();
    std::mutex mu;
    std::vector<std::string> seen;
    std::thread::id error_thread;
    const std::thread::id caller = std::this_thread::get_id();
    second->on<"error">([&](const http::Error& e) {
      std::lock_guard<std::mutex> lock(mu);
      error_thread = std::this_thread::get_id();
      seen.push_back("error " + std::string(e.code()) + " " + std::string(e.syscall()) +
                     (second->listening() ? " listening" : ""));
    });
    second->on<"close">([&] {
      std::lock_guard<std::mutex> lock(mu);
      seen.push_back("close");
    });
    second->listen(port, "127.0.0.1", threads);
    EXPECT_FALSE(second->listening());
    second->close();
    second->join();
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_THAT(seen, ::testing::ElementsAre("error EADDRINUSE listen", "close")) << threads;
    EXPECT_NE(error_thread, caller) << "'error' ran inside listen(), on the caller's thread";
    EXPECT_NE(error_thread, std::thread::id()) << "'error' was never emitted";
  }
  first->close();
  first->join();
}

// The child of the next test: waits for the port on `in`, listens on it with two
// loops, writes the outcome on `out` and exits. It does not use gtest, whose state
// belongs to the parent.
[[noreturn]] void ListenInChild(int in, int out) {
  uint16_t port = 0;
  pollfd p{in, POLLIN, 0};
  if (poll(&p, 1, 10000) != 1 || read(in, &port, sizeof(port)) != sizeof(port)) _exit(2);
  auto server = http::createServer();
  std::string outcome = ListenOutcome(*server, port, 2);
  if (write(out, outcome.data(), outcome.size()) < 0) _exit(3);
  _exit(0);  // a server still listening is closed with the process
}

// Forked before the parent's server starts its loop threads: a child of a process with
// one thread may start threads of its own (the sanitizers' rule too).
TEST(ServerListen, AnotherProcessOnThePortFailsWithEaddrinuse) {
  int to_child[2];
  int from_child[2];
  ASSERT_EQ(pipe(to_child), 0);
  ASSERT_EQ(pipe(from_child), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0) << strerror(errno);
  if (pid == 0) {
    close(to_child[1]);
    close(from_child[0]);
    ListenInChild(to_child[0], from_child[1]);
  }
  close(to_child[0]);
  close(from_child[1]);
  auto server =
      http::createServer([](http::IncomingMessage&, http::ServerResponse& res) { res.end("ok"); });
  ASSERT_EQ(ListenOutcome(*server, 0, 2), "listening");
  uint16_t port = server->port();
  ASSERT_EQ(write(to_child[1], &port, sizeof(port)), static_cast<ssize_t>(sizeof(port)));
  std::string outcome;
  char buf[256];
  for (ssize_t n; (n = read(from_child[0], buf, sizeof(buf))) > 0;) outcome.append(buf, n);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  EXPECT_EQ(outcome, InUse(port));
  EXPECT_TRUE(Answered(port)) << "the first server no longer answers";
  close(to_child[1]);
  close(from_child[0]);
  server->close();
  server->join();
}

// Servers that all set reusePort share the port (to hand it over to a new process),
// and the kernel spreads the connections over their sockets; a server without it
// still fails there.
TEST(ServerListen, ServersThatAllSetReusePortShareThePort) {
  std::atomic<int> requests[2] = {0, 0};
  http::ServerOptions options;
  options.reusePort = true;
  auto first = http::createServer(options, [&requests](http::IncomingMessage&,
                                                       http::ServerResponse& res) {
    ++requests[0];
    res.end("first");
  });
  auto second = http::createServer(options, [&requests](http::IncomingMessage&,
                                                        http::ServerResponse& res) {
    ++requests[1];
    res.end("second");
  });
  ASSERT_EQ(ListenOutcome(*first, 0, 2), "listening");
  uint16_t port = first->port();
  ASSERT_EQ(ListenOutcome(*second, port, 1), "listening");
  EXPECT_EQ(second->port(), port);
  auto plain = http::createServer();
  EXPECT_EQ(ListenOutcome(*plain, port, 1), InUse(port));

  // Three sockets, picked by a hash of each connection's address: 64 connections all
  // missing the second server's one socket has odds of (2/3)^64, about 1e-11.
  int answered = 0;
  for (int i = 0; i < 64; ++i) answered += Answered(port);
  EXPECT_EQ(answered, 64);
  EXPECT_GT(requests[0].load(), 0);
  EXPECT_GT(requests[1].load(), 0);
  first->close();
  second->close();
  first->join();
  second->join();
}

// As a v12 net.Server: a second listen() while listening throws
// ERR_SERVER_ALREADY_LISTEN; once closed, the server listens again (here on the same
// port, with more loops), serves, and closes again with a second 'close'.
TEST(ServerListen, AClosedServerListensAgainAndServes) {
  auto server = http::createServer([](http::IncomingMessage&, http::ServerResponse& res) {
    res.end("ok");
  });
  std::atomic<int> closes{0};
  server->on<"close">([&closes] { ++closes; });
  ASSERT_EQ(ListenOutcome(*server, 0, 1), "listening");
  uint16_t port = server->port();
  EXPECT_TRUE(Answered(port));
  try {
    server->listen(0);
    ADD_FAILURE() << "a second listen() did not throw";
  } catch (const http::Error& e) {
    EXPECT_EQ(e.code(), "ERR_SERVER_ALREADY_LISTEN");
  }
  EXPECT_TRUE(Answered(port)) << "the failed listen() disturbed the server";
  server->close();
  server->join();
  EXPECT_FALSE(server->listening());
  EXPECT_FALSE(Answered(port));
  ASSERT_EQ(ListenOutcome(*server, port, 2), "listening");
  EXPECT_EQ(server->port(), port);
  EXPECT_TRUE(Answered(port));
  server->close();
  server->join();
  EXPECT_EQ(closes.load(), 2);
}

// Node allows a listen() from the 'close' listener; here the closed loops' threads
// must end first, so it throws, with a code that says so, and the server stays
// closed and usable from another thread.
TEST(ServerListen, AListenFromACloseListenerThrowsAndTheServerListensLater) {
  auto server = http::createServer([](http::IncomingMessage&, http::ServerResponse& res) {
    res.end("ok");
  });
  std::string code;
  server->once<"close">([&] {
    try {
      server->listen(0);
    } catch (const http::Error& e) {
      code = std::string(e.code());
    }
  });
  ASSERT_EQ(ListenOutcome(*server, 0, 1), "listening");
  server->close();
  server->join();
  EXPECT_EQ(code, "ERR_SERVER_LISTEN_FROM_LOOP");
  ASSERT_EQ(ListenOutcome(*server, 0, 1), "listening");
  EXPECT_TRUE(Answered(server->port()));
  server->close();
  server->join();
}

}  // namespace
