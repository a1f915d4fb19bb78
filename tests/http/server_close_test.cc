// server.close() under load, end to end: keep-alive clients ask as fast as they can
// while the server closes. A response the server began is never cut short, and no
// connection is reset (a reset makes the peer's kernel drop what it had not read
// yet, so it would cut responses short too): connections close with a FIN. As in
// v12 (and Node 19, which also ends the idle ones at once), a connection busy at the
// close is served on; its client stops a little later.
#include <gtest/gtest.h>
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
// `stop` is set; each response is "HTTP/1.1 200 ..." with a 4 KiB body, read whole.
ClientTally AskUntilClosed(int fd, const std::atomic<bool>& stop) {
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
  }
  return t;
}

TEST_F(ServerClose, CloseUnderLoadCutsNoResponseShortAndResetsNoConnection) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) { res.end(std::string(4096, 'x')); });
  constexpr int kClients = 16;
  std::vector<int> fds;
  for (int i = 0; i < kClients; ++i) fds.push_back(Connect());
  std::vector<ClientTally> tallies(kClients);
  std::vector<std::thread> clients;
  std::atomic<bool> stop{false};
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] { tallies[i] = AskUntilClosed(fds[i], stop); });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // load, not ordering
  server_->close();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
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
  EXPECT_GT(sum.complete, kClients) << "the clients were not under way when the server closed";
  EXPECT_EQ(sum.truncated, 0);
  EXPECT_EQ(sum.resets, 0);
  for (int fd : fds) close(fd);
}

}  // namespace
