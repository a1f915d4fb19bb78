// server.close() under load, end to end: keep-alive clients ask as fast as they can
// while the server closes. A response the server began is never cut short, and no
// connection is reset (a reset makes the peer's kernel drop what it had not read
// yet, so it would cut responses short too): connections close with a FIN. As in
// v12 (and Node 19, which also ends the idle ones at once), a connection busy at the
// close is served on; its client stops a little later.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "http/server.h"
#include "tests/http/loopback.h"

namespace {

class ServerClose : public http_test::LoopbackTest {};

struct ClientTally {
  int complete = 0;   // responses read whole
  int truncated = 0;  // a response begun, then the end of the stream or a reset
  int resets = 0;     // ECONNRESET (or EPIPE) on a connection
  int unanswered = 0;  // the end of the stream with a request out and no byte of it
};

// One keep-alive connection asking again and again until the server closes it or
// `stop` is set; each response is "HTTP/1.1 200 ..." with a 4 KiB body, read whole,
// and counted in `answered` as it completes.
ClientTally AskUntilClosed(int fd, const std::atomic<bool>& stop, std::atomic<int>& answered) {
  ClientTally t;
  const std::string request = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
  std::string in;
  char buf[65536];
  while (!stop) {
    if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) < 0) {
      ++t.resets;  // EPIPE or ECONNRESET: the server's side is gone
      return t;
    }
    in.clear();
    for (;;) {
      size_t head_end = in.find("\r\n\r\n");
      if (head_end != std::string::npos && in.size() >= head_end + 4 + 4096) break;
      ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n > 0) {
        in.append(buf, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == ECONNRESET) ++t.resets;
      if (!in.empty()) ++t.truncated;
      else if (n == 0) ++t.unanswered;
      return t;
    }
    ++t.complete;
    ++answered;
  }
  return t;
}

// True once `port` refuses connections: the listener's socket is closed. Tries every
// millisecond for up to 10 s; a connect that lands in the backlog first is closed.
bool WaitUntilRefused(uint16_t port) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool refused = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 &&
                   errno == ECONNREFUSED;
    close(fd);
    if (refused) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

TEST_F(ServerClose, CloseUnderLoadCutsNoResponseShortAndResetsNoConnection) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) { res.end(std::string(4096, 'x')); });
  constexpr int kClients = 16;
  std::vector<int> fds;
  for (int i = 0; i < kClients; ++i) fds.push_back(Connect());
  std::vector<ClientTally> tallies(kClients);
  std::vector<std::atomic<int>> answered(kClients);
  std::vector<std::thread> clients;
  std::atomic<bool> stop{false};
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] { tallies[i] = AskUntilClosed(fds[i], stop, answered[i]); });
  }
  // The close comes once every client is under way: each has had ten answers.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  auto all_under_way = [&] {
    for (const auto& a : answered) {
      if (a < 10) return false;
    }
    return true;
  };
  while (!all_under_way() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_TRUE(all_under_way()) << "the clients were not under way when the server closed";
  uint16_t port = server_->port();
  server_->close();
  // The clients ask on until the close has run on the loop (its listener's socket is
  // gone): every connection then has met it, idle or busy. Each finishes the request
  // it has out, whatever `stop` says.
  EXPECT_TRUE(WaitUntilRefused(port)) << "the close did not reach the loop";
  stop = true;
  for (auto& c : clients) c.join();
  ClientTally sum;
  for (const ClientTally& t : tallies) {
    sum.complete += t.complete;
    sum.truncated += t.truncated;
    sum.resets += t.resets;
    sum.unanswered += t.unanswered;
  }
  // A connection ended between requests may have had the next one on its way: it is
  // read and dropped (the client sees the end of the stream), not reset.
  std::printf("%d responses; %d connections ended with a request out\n", sum.complete,
              sum.unanswered);
  EXPECT_EQ(sum.truncated, 0);
  EXPECT_EQ(sum.resets, 0);
  for (int fd : fds) close(fd);
}

}  // namespace
