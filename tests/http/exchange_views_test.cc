// A request's views after its bytes move out of the receive buffer (http/exchange.h,
// rule 3; http/incoming_message.h): method, url, rawHeaders(), headers() and the
// trailers, read again in a later callback, must show the request as it was sent,
// wherever the receives split it and whatever the ring's buffers hold since.
//
// Each request is sent in two or three pieces cut at every byte, on its own
// connection, while a noise connection keeps refilling the small ring (8 x 1 KiB)
// with 'Z' bytes. Each piece is sent once the server has received the one before, so
// each is its own receive. The handler reads the request when its head arrives and
// again once the noise has taken 16 ring buffers after its end (after the move, once
// every buffer was handed out again), and answers
// with both readings; every split must answer as the unsplit request does. Ring
// memory is never freed, so ASan cannot see a stale view: it shows as 'Z's.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "http/server.h"
#include "tests/http/loopback.h"

namespace {

using std::chrono::milliseconds;

// What the request shows: its request line, raw and built headers, and with
// `with_trailers` its raw and built trailers.
std::string Dump(http::IncomingMessage& req, bool with_trailers) {
  std::string out = std::string(req.method) + " " + std::string(req.url) + " " +
                    std::string(req.httpVersion) + "\n";
  for (const http::HeaderView& h : req.rawHeaders()) {
    out += "R[" + std::string(h.name) + "=" + std::string(h.value) + "]";
  }
  out += "\n";
  for (const auto& [n, v] : req.headers().entries()) {
    out += "H[" + std::string(n) + "=" + std::string(v) + "]";
  }
  for (std::string_view c : req.headers().setCookie()) out += "SC[" + std::string(c) + "]";
  if (auto host = req.headers().get("host")) out += "host=" + std::string(*host);
  out += "\n";
  if (with_trailers) {
    for (const http::HeaderView& h : req.rawTrailers()) {
      out += "RT[" + std::string(h.name) + "=" + std::string(h.value) + "]";
    }
    for (const auto& [n, v] : req.trailers().entries()) {
      out += "T[" + std::string(n) + "=" + std::string(v) + "]";
    }
  }
  return out;
}

struct Case {
  const char* name;
  std::string request;  // one or more requests; each gets one response
  int responses;
  bool lenient;         // insecureHTTPParser (folded header lines)
  bool early_headers;   // headers() built in 'request', before the bytes move
  bool rewrite_url;     // the handler re-points req.url into the request's bytes
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

std::vector<Case> Cases() {
  std::string get =
      "GET /split/path?q=1 HTTP/1.1\r\nHost: example.org\r\nX-Mixed-Case: Value-One\r\n"
      "Cookie: a=1\r\nCookie: b=2\r\nSet-Cookie: s1\r\nSet-Cookie: s2\r\nX-Empty:\r\n"
      "x-dup: 1\r\nX-Dup: 2\r\nAccept: */*\r\n\r\n";
  std::string chunked =
      "POST /chunked HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nX-Head: hv\r\n\r\n"
      "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: tv\r\nX-Mixed-Trailer: MV\r\n"
      "X-Trailer: tv2\r\n\r\n";
  std::string lenient =
      "GET /lenient HTTP/1.1\r\n Host: h\r\nX-Fold: a\r\n  b\r\n\tc\r\nX-After: 1\r\n\r\n";
  return {
      {"Get", get, 1, false, false, false},
      {"GetEarlyHeaders", get, 1, false, true, false},
      {"GetRewrittenUrl", get, 1, false, true, true},
      {"Chunked", chunked, 1, false, false, false},
      {"ChunkedEarlyHeaders", chunked, 1, false, true, true},
      {"Pipelined", get + chunked, 2, false, true, false},
      {"PipelinedChunkedFirst", chunked + get, 2, false, false, true},
      {"Lenient", lenient, 1, true, true, false},
  };
}

// An upgraded connection whose bytes the server reads and drops: each send takes a
// ring buffer and overwrites it with 'Z's.
class Noise {
 public:
  explicit Noise(int fd) : fd_(fd), thread_([this] {
    std::string z(900, 'Z');
    while (!stop_) {
      send(fd_, z.data(), z.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      std::this_thread::sleep_for(std::chrono::microseconds(300));
    }
  }) {}
  ~Noise() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }

 private:
  int fd_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class ExchangeViews : public http_test::LoopbackTest,
                      public ::testing::WithParamInterface<Case> {
 protected:
  std::atomic<uint64_t> noise_receives_{0};  // the noise connection's 'data' events
  // The bodies of the responses on `fd` (the heads carry dates), once `responses`
  // have arrived or 3 s have passed.
  static std::string Answers(int fd, int responses) {
    std::string got = ReadUntil(fd, ">>", std::chrono::steady_clock::now() + milliseconds(3000),
                                responses);
    std::string bodies;
    for (size_t a = got.find("<<"); a != std::string::npos; a = got.find("<<", a + 2)) {
      size_t b = got.find(">>", a);
      if (b == std::string::npos) break;
      bodies += got.substr(a, b + 2 - a);
    }
    return bodies;
  }
};

TEST_P(ExchangeViews, EverySplitReadsTheSameRequestInALaterCallback) {
  const Case& c = GetParam();
  http::ServerOptions o;
  o.recvBuffers = 8;
  o.recvBufferSize = 1024;
  o.insecureHTTPParser = c.lenient;
  Start(
      [this, c](http::IncomingMessage& req, http::ServerResponse& res) {
        if (c.rewrite_url && req.url.size() > 1) req.url = req.url.substr(1);
        auto first = std::make_shared<std::string>(c.early_headers ? Dump(req, false)
                                                                   : std::string(req.url));
        auto body = std::make_shared<std::string>();
        req.on<"data">([body](std::string_view d) { body->append(d); });
        req.on<"end">([this, &req, &res, first, body] {
          // Twice the ring's 8 receives of noise: every buffer was handed out again.
          uint64_t reused_at = noise_receives_ + 2 * 8;
          RunWhen(
              *req.socket(), [this, reused_at] { return noise_receives_ >= reused_at; },
              [&req, &res, first, body] {
                res.end("<<" + *first + "|" + Dump(req, true) + "|" + *body + ">>");
              });
        });
      },
      [this](http::Server& s) {
        s.on<"upgrade">([this](http::IncomingMessage&, http::Socket& socket, std::string_view) {
          socket.on<"data">([this](std::string_view) { ++noise_receives_; });
          socket.on<"end">([&socket] { socket.end(); });
        });
      },
      o);
  int noise_fd = ConnectNoDelay();
  Send(noise_fd, "GET /noise HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: z\r\n\r\n");
  Noise noise(noise_fd);

  int whole = ConnectNoDelay();
  Send(whole, c.request);
  const std::string expected = Answers(whole, c.responses);
  close(whole);
  ASSERT_EQ(std::count(expected.begin(), expected.end(), '<'), 2 * c.responses) << expected;
  ASSERT_EQ(expected.find('Z'), std::string::npos) << expected;

  // Two pieces cut at every byte; then three: every first cut, with the second 1, 2,
  // 3 or 7 bytes later.
  const std::string& r = c.request;
  std::vector<std::pair<size_t, size_t>> cuts;
  for (size_t k = 1; k < r.size(); ++k) cuts.emplace_back(k, r.size());
  for (size_t k = 1; k < r.size(); ++k) {
    for (size_t d : {1, 2, 3, 7}) {
      if (k + d < r.size()) cuts.emplace_back(k, k + d);
    }
  }
  // A batch of connections at a time, each piece its own receive: the next is sent once
  // the server has received the one before.
  constexpr size_t kBatch = 64;
  for (size_t from = 0; from < cuts.size(); from += kBatch) {
    struct Conn {
      size_t a, b;
      int fd;
    };
    std::vector<Conn> conns;
    for (size_t i = from; i < std::min(cuts.size(), from + kBatch); ++i) {
      conns.push_back({cuts[i].first, cuts[i].second, ConnectNoDelay()});
      Send(conns.back().fd, r.substr(0, cuts[i].first));
    }
    std::vector<int> fds;
    for (const Conn& conn : conns) fds.push_back(conn.fd);
    ASSERT_TRUE(WaitUntilServerReceived(fds)) << "first pieces not received";
    for (Conn& conn : conns) {
      if (conn.b < r.size()) Send(conn.fd, r.substr(conn.a, conn.b - conn.a));
    }
    ASSERT_TRUE(WaitUntilServerReceived(fds)) << "second pieces not received";
    for (Conn& conn : conns) Send(conn.fd, r.substr(conn.b < r.size() ? conn.b : conn.a));
    for (Conn& conn : conns) {
      EXPECT_EQ(Answers(conn.fd, c.responses), expected) << "cuts at " << conn.a << "," << conn.b;
      close(conn.fd);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(EachRequest, ExchangeViews, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
