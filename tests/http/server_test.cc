// End-to-end: a Server on loopback, driven by raw request bytes from a blocking
// socket; responses compared byte for byte with the Date value normalised.
#include "http/server.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "http/errors.h"
#include "tests/http/loopback.h"

namespace {

class ServerTest : public ::testing::Test {
 protected:
  void Start(std::function<void(http::IncomingMessage&, http::ServerResponse&)> handler) {
    server_ = http::createServer(std::move(handler));
    server_->listen(0, "127.0.0.1", 1);
    ASSERT_TRUE(server_->listening());
  }
  void TearDown() override {
    if (server_) {
      server_->close();
      server_->join();
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

  // Sends `request`, reads until the server closes or `idle_ms` pass without bytes.
  static std::string Exchange(int fd, const std::string& request, int idle_ms = 300) {
    EXPECT_EQ(send(fd, request.data(), request.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(request.size()));
    std::string out;
    char buf[65536];
    for (;;) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, idle_ms) <= 0) break;
      ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) {
        out += "<closed>";
        break;
      }
      out.append(buf, static_cast<size_t>(n));
    }
    return std::regex_replace(out, std::regex("Date: [^\r]*\r\n"), "Date: DATE\r\n");
  }

  std::unique_ptr<http::Server> server_;
};

TEST_F(ServerTest, HelloWorldMatchesNodeV12Bytes) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) {
    res.setHeader("Content-Type", "text/plain");
    res.end("Hello, World!");
  });
  int fd = Connect();
  EXPECT_EQ(Exchange(fd, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: DATE\r\n"
            "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\nContent-Length: 13\r\n\r\n"
            "Hello, World!");
  close(fd);
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  Start([](http::IncomingMessage& req, http::ServerResponse& res) {
    res.end(std::string(req.url));
  });
  int fd = Connect();
  std::string out = Exchange(fd,
                             "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /bb HTTP/1.1\r\nHost: x\r\n\r\n"
                             "GET /ccc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::string head = "HTTP/1.1 200 OK\r\nDate: DATE\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n";
  EXPECT_EQ(out, head + "Content-Length: 2\r\n\r\n/a" + head + "Content-Length: 3\r\n\r\n/bb" +
                     "HTTP/1.1 200 OK\r\nDate: DATE\r\nConnection: close\r\n"
                     "Content-Length: 4\r\n\r\n/ccc<closed>");
  close(fd);
}

// All responses ready in one loop turn leave in one sendmsg: 16 requests that
// arrive in one receive are answered by one sendmsg, and so is a chunked response
// whose chunks, last chunk and trailers are written in one listener call.
TEST_F(ServerTest, ResponsesReadyInOneTurnLeaveInOneSendmsg) {
  Start([](http::IncomingMessage& req, http::ServerResponse& res) {
    if (req.url == "/chunked") {
      res.write("hello");
      res.write(" world");
      res.addTrailers({{"X-Sum", "abc"}});
      res.end();
    } else {
      res.end(std::string(req.url));
    }
  });
  int fd = Connect();
  EXPECT_NE(Exchange(fd, "GET /warm HTTP/1.1\r\nHost: x\r\n\r\n"), "");
  uint64_t before = server_->sendCalls();
  std::string requests;
  for (int i = 0; i < 16; ++i) requests += "GET /" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n";
  std::string out = Exchange(fd, requests);
  size_t responses = 0;
  for (size_t at = out.find("HTTP/1.1 200 OK"); at != std::string::npos;
       at = out.find("HTTP/1.1 200 OK", at + 1)) {
    ++responses;
  }
  EXPECT_EQ(responses, 16u);
  EXPECT_EQ(server_->sendCalls() - before, 1u);
  before = server_->sendCalls();
  EXPECT_NE(Exchange(fd, "GET /chunked HTTP/1.1\r\nHost: x\r\n\r\n").find("0\r\nX-Sum: abc\r\n\r\n"),
            std::string::npos);
  EXPECT_EQ(server_->sendCalls() - before, 1u);
  close(fd);
}

TEST_F(ServerTest, WriteFirstGivesChunkedWithTrailers) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) {
    res.write("hello");
    res.write(" world");
    res.addTrailers({{"X-Sum", "abc"}});
    res.end();
  });
  int fd = Connect();
  EXPECT_EQ(Exchange(fd, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
            "HTTP/1.1 200 OK\r\nDate: DATE\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
            "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: abc\r\n\r\n");
  close(fd);
}

TEST_F(ServerTest, HeadResponseHasNoBodyAndNoFraming) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) { res.end("ignored"); });
  int fd = Connect();
  EXPECT_EQ(Exchange(fd, "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n"),
            "HTTP/1.1 200 OK\r\nDate: DATE\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n");
  close(fd);
}

TEST_F(ServerTest, Http10GetsRawBodyAndClose) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) {
    res.write("a");
    res.end("b");
  });
  int fd = Connect();
  EXPECT_EQ(Exchange(fd, "GET / HTTP/1.0\r\n\r\n"),
            "HTTP/1.1 200 OK\r\nDate: DATE\r\nConnection: close\r\n\r\nab<closed>");
  close(fd);
}

TEST_F(ServerTest, RequestBodyArrivesAsDataThenEnd) {
  Start([](http::IncomingMessage& req, http::ServerResponse& res) {
    auto body = std::make_shared<std::string>();
    req.on<"data">([body](std::string_view d) { body->append(d); });
    req.on<"end">([body, &res] { res.end(*body); });
  });
  int fd = Connect();
  EXPECT_EQ(Exchange(fd,
                     "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"),
            "HTTP/1.1 200 OK\r\nDate: DATE\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
            "Content-Length: 5\r\n\r\nabcde");
  close(fd);
}

TEST_F(ServerTest, MalformedRequestGets400AndClose) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) { res.end(); });
  int fd = Connect();
  EXPECT_EQ(Exchange(fd, "GE T / HTTP/1.1\r\nHost: x\r\n\r\n"),
            "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n<closed>");
  close(fd);
}

TEST_F(ServerTest, OversizedHeadersGet431AndClose) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) { res.end(); });
  int fd = Connect();
  EXPECT_EQ(Exchange(fd, "GET / HTTP/1.1\r\nHost: x\r\nX: " + std::string(9000, 'a') + "\r\n\r\n"),
            "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n<closed>");
  close(fd);
}

TEST_F(ServerTest, SetHeaderReplacingKeepsPositionAndTakesNewSpelling) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) {
    res.setHeader("X-A", "1");
    res.setHeader("X-B", "2");
    res.setHeader("x-a", "3");
    res.end();
  });
  int fd = Connect();
  EXPECT_EQ(Exchange(fd, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
            "HTTP/1.1 200 OK\r\nx-a: 3\r\nX-B: 2\r\nDate: DATE\r\nConnection: keep-alive\r\n"
            "Keep-Alive: timeout=5\r\nContent-Length: 0\r\n\r\n");
  close(fd);
}

TEST_F(ServerTest, ExpectContinueWritesContinueWithoutListener) {
  Start([](http::IncomingMessage& req, http::ServerResponse& res) {
    req.on<"end">([&res] { res.end("ok"); });
    req.resume();  // v12 emits 'end' only once the body is read
  });
  int fd = Connect();
  EXPECT_EQ(Exchange(fd, "POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi"),
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nDate: DATE\r\nConnection: keep-alive\r\n"
            "Keep-Alive: timeout=5\r\nContent-Length: 2\r\n\r\nok");
  close(fd);
}

// The zero-copy core: method, URL, names and values are views into the receive
// buffers; only a field split between two receives is copied (into the arena).
TEST_F(ServerTest, RequestsInsideOneBufferAreParsedWithoutCopying) {
  Start([](http::IncomingMessage& req, http::ServerResponse& res) {
    res.end(std::string(req.headers().get("x-long").value_or("")));
  });
  const std::string browser =
      "GET /search?q=io_uring&lang=en HTTP/1.1\r\nHost: example.com\r\n"
      "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0\r\n"
      "Accept: text/html,application/xhtml+xml;q=0.9,*/*;q=0.8\r\n"
      "Accept-Encoding: gzip, deflate, br\r\nAccept-Language: en-GB,en;q=0.9\r\n"
      "Cookie: session=abc123; theme=dark\r\nX-Long: 0123456789\r\n\r\n";
  // Reads one response: up to its body, which ends it.
  auto read_response = [](int fd) {
    std::string out;
    char buf[4096];
    while (out.find("\r\n\r\n0123456789") == std::string::npos) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 2000) <= 0) break;
      ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  };
  int fd = Connect();
  for (int i = 0; i < 200; ++i) {
    ASSERT_EQ(send(fd, browser.data(), browser.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(browser.size()));
    ASSERT_NE(read_response(fd).find("\r\n\r\n0123456789"), std::string::npos) << i;
  }
  EXPECT_EQ(server_->copiedBytes(), 0u);

  // The same request with the X-Long value cut in two receives: the first receive is
  // not kept while the peer sends the rest, so its fields (the URL, every name and
  // value up to the cut, without the separators) are copied, and so is the rest of
  // the value cut in two; nothing after it.
  size_t fields = std::string_view("/search?q=io_uring&lang=en").size();
  for (size_t at = browser.find("\r\n") + 2; browser.compare(at, 2, "\r\n") != 0;) {
    size_t colon = browser.find(": ", at);
    size_t eol = browser.find("\r\n", at);
    fields += (colon - at) + (eol - colon - 2);
    at = eol + 2;
  }
  // The rest is sent once the server has received the first part: two receives,
  // however loaded the machine. (The parser's copies are counted as the connection
  // goes idle, before the response is sent.)
  size_t cut = browser.find("01234") + 5;
  std::string rest = browser.substr(cut);
  uint64_t before = server_->copiedBytes();
  ASSERT_EQ(send(fd, browser.data(), cut, MSG_NOSIGNAL), static_cast<ssize_t>(cut));
  ASSERT_TRUE(http_test::WaitUntilServerReceived(server_->port(), {fd}));
  ASSERT_EQ(send(fd, rest.data(), rest.size(), MSG_NOSIGNAL), static_cast<ssize_t>(rest.size()));
  ASSERT_NE(read_response(fd).find("\r\n\r\n0123456789"), std::string::npos);
  EXPECT_EQ(server_->copiedBytes() - before, fields);
  close(fd);
}

// server.timeout counts from the socket's last activity: requests every 100 ms keep
// a connection with a 500 ms timeout open for well past 500 ms (the gaps leave room
// for a loaded machine); once they stop, it closes 500 ms after the last one, not
// earlier.
TEST_F(ServerTest, SocketTimeoutCountsFromTheLastActivity) {
  server_ = http::createServer([](http::IncomingMessage&, http::ServerResponse& res) {
    res.end("ok");
  });
  server_->timeout = 500;
  server_->keepAliveTimeout = 0;  // the socket timeout alone, between requests too
  server_->listen(0, "127.0.0.1", 1);
  ASSERT_TRUE(server_->listening());
  int fd = Connect();
  using Clock = std::chrono::steady_clock;
  Clock::time_point last_sent;  // the server's last activity comes after it
  for (int i = 0; i < 10; ++i) {
    last_sent = Clock::now();
    ASSERT_NE(Exchange(fd, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 100).find("\r\n\r\nok"),
              std::string::npos)
        << "request " << i << " at about " << i * 100 << " ms";
  }
  char c;
  pollfd p{fd, POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 3000), 1);
  EXPECT_EQ(recv(fd, &c, 1, 0), 0);  // closed by the server
  auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - last_sent);
  EXPECT_GE(waited.count(), 500);
  EXPECT_LT(waited.count(), 2000);
  close(fd);
}

// closeIdleConnections() (without close(): the server goes on accepting) closes
// the connections between requests, and leaves one whose request is still being
// answered to finish.
TEST_F(ServerTest, CloseIdleConnectionsClosesOnlyConnectionsBetweenRequests) {
  std::atomic<http::ServerResponse*> held{nullptr};
  Start([&held](http::IncomingMessage& req, http::ServerResponse& res) {
    if (req.url == "/slow") {  // answered once the test asks for /release
      held = &res;
    } else if (req.url == "/release") {  // on the same loop thread as /slow
      held.load()->end("late");
      res.end("released");
    } else {
      res.end("ok");
    }
  });
  int idle = Connect();
  ASSERT_NE(Exchange(idle, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 100).find("\r\n\r\nok"),
            std::string::npos);
  int busy = Connect();
  const std::string slow = "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(send(busy, slow.data(), slow.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(slow.size()));
  for (int i = 0; i < 200 && held.load() == nullptr; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_NE(held.load(), nullptr);
  int fresh = Connect();  // no request yet: idle too

  server_->closeIdleConnections();
  char c;
  pollfd p{idle, POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 2000), 1);
  EXPECT_EQ(recv(idle, &c, 1, 0), 0);
  p = {fresh, POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 2000), 1);
  EXPECT_EQ(recv(fresh, &c, 1, 0), 0);
  p = {busy, POLLIN, 0};
  EXPECT_EQ(poll(&p, 1, 100), 0);  // still open, still waiting for its response
  int releaser = Connect();
  EXPECT_NE(Exchange(releaser, "GET /release HTTP/1.1\r\nHost: x\r\n\r\n", 100)
                .find("\r\n\r\nreleased"),
            std::string::npos);
  close(releaser);
  std::string late = Exchange(busy, "", 1000);
  EXPECT_NE(late.find("\r\n\r\nlate"), std::string::npos) << late;
  close(idle);
  close(fresh);
  close(busy);
}

// --- the server's lifetime -------------------------------------------------------
// A closed server's loops have ended: what is called on it afterwards reaches no
// loop (ASan and TSan check), whatever its threads are doing.

// Node 18's shutdown idiom: close(), then closeIdleConnections() at once.
TEST_F(ServerTest, CloseIdleConnectionsRightAfterCloseIsSafe) {
  for (int i = 0; i < 20; ++i) {
    auto server = http::createServer(
        [](http::IncomingMessage&, http::ServerResponse& res) { res.end("ok"); });
    server->listen(0, "127.0.0.1", 2);
    ASSERT_TRUE(server->listening());
    server->close();
    server->closeIdleConnections();  // races with the loops ending
    server->join();
  }
}

TEST_F(ServerTest, CloseIdleConnectionsAfterTheServerClosedReachesNoLoop) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) { res.end("ok"); });
  int fd = Connect();
  EXPECT_NE(Exchange(fd, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 100), "");
  std::atomic<int> closed{0};
  server_->close([&closed] { ++closed; });
  server_->join();  // every loop has ended
  EXPECT_EQ(closed.load(), 1);
  server_->closeIdleConnections();
  server_->close();
  server_->join();
  EXPECT_EQ(closed.load(), 1);
  close(fd);
}

// Checked against v12.22.9: with a request in flight, a second close() adds no 'close'
// of its own; the one 'close' comes once the connection is gone. (On a server with no
// connection left, v12 emits 'close' for each call, as close() does here once the
// server has closed.)
TEST_F(ServerTest, CloseTwiceClosesOnce) {
  std::atomic<bool> requested{false};
  Start([&requested](http::IncomingMessage& req, http::ServerResponse& res) {
    requested = true;
    req.on<"end">([&res] { res.end("ok"); });
    req.resume();
  });
  std::atomic<int> close_events{0};
  server_->on<"close">([&close_events] { ++close_events; });
  int fd = Connect();
  std::string head = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n";
  ASSERT_EQ(send(fd, head.data(), head.size(), MSG_NOSIGNAL), static_cast<ssize_t>(head.size()));
  for (int waited = 0; waited < 2000 && !requested; ++waited) usleep(1000);
  ASSERT_TRUE(requested);
  server_->close();
  server_->close();
  EXPECT_EQ(Exchange(fd, "ok"),
            "HTTP/1.1 200 OK\r\nDate: DATE\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
            "Content-Length: 2\r\n\r\nok");
  close(fd);
  server_->join();
  EXPECT_EQ(close_events.load(), 1);
}

// What the close callbacks were given, in the order they ran: "no error", or the
// error's code and message. A callback run on the thread that called close() says so.
class CloseCalls {
 public:
  std::function<void(const http::Error*)> Callback() {
    return [this, caller = std::this_thread::get_id()](const http::Error* err) {
      std::string call =
          err ? std::string(err->code()) + ": " + std::string(err->message()) : "no error";
      if (std::this_thread::get_id() == caller) call += " (inside close())";
      std::lock_guard<std::mutex> lock(mu_);
      calls_.push_back(std::move(call));
      cv_.notify_all();
    };
  }
  // The calls once there are n of them, or those made within 2 s.
  std::vector<std::string> WaitFor(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(2), [&] { return calls_.size() >= n; });
    return calls_;
  }
  std::vector<std::string> Now() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> calls_;
};

constexpr const char* kNotRunning = "ERR_SERVER_NOT_RUNNING: Server is not running.";

// Checked against v12.22.9 (net.Server.close() on a server without a handle): close(cb)
// before listen() emits 'close' on a later tick and passes cb ERR_SERVER_NOT_RUNNING;
// listen() then works, close(cb) closes it (no error), and close(cb) once closed passes
// ERR_SERVER_NOT_RUNNING again: three 'close' events.
TEST_F(ServerTest, CloseBeforeListenPassesErrServerNotRunningThenListenAndCloseWork) {
  server_ =
      http::createServer([](http::IncomingMessage&, http::ServerResponse& res) { res.end("ok"); });
  std::atomic<int> close_events{0};
  server_->on<"close">([&close_events] { ++close_events; });
  CloseCalls calls;
  server_->close(calls.Callback());
  EXPECT_THAT(calls.WaitFor(1), ::testing::ElementsAre(kNotRunning));
  EXPECT_FALSE(server_->listening());

  server_->listen(0, "127.0.0.1", 1);
  ASSERT_TRUE(server_->listening());
  int fd = Connect();
  EXPECT_EQ(Exchange(fd, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
            "HTTP/1.1 200 OK\r\nDate: DATE\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
            "Content-Length: 2\r\n\r\nok");
  close(fd);
  server_->close(calls.Callback());
  std::vector<std::string> after = calls.WaitFor(2);
  EXPECT_THAT(after, ::testing::ElementsAre(kNotRunning, "no error"));
  if (after.size() < 2) {
    server_.reset();  // it never closed: the destructor stops its loops
    return;
  }
  server_->join();

  server_->close(calls.Callback());
  server_->join();  // also waits for the callbacks of a server that does not run
  EXPECT_THAT(calls.Now(), ::testing::ElementsAre(kNotRunning, "no error", kNotRunning));
  EXPECT_EQ(close_events.load(), 3);
}

// Checked against v12.22.9: a close(cb) while the server closes passes cb
// ERR_SERVER_NOT_RUNNING (its handle is gone), after the first close's callback. A
// callback without the error parameter is called as well.
TEST_F(ServerTest, CloseWhileClosingPassesErrServerNotRunningToTheLaterCallback) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) { res.end("ok"); });
  CloseCalls calls;
  std::atomic<int> plain{0};
  server_->close(calls.Callback());
  server_->close(calls.Callback());
  server_->close([&plain] { ++plain; });
  server_->join();
  EXPECT_THAT(calls.Now(), ::testing::ElementsAre("no error", kNotRunning));
  EXPECT_EQ(plain.load(), 1);
}

// A listening socket on 127.0.0.1 without SO_REUSEPORT: every loop's listen on its
// port fails. Returns the socket; *port gets its port.
int HoldPort(uint16_t* port) {
  int holder = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(holder, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  EXPECT_EQ(listen(holder, 1), 0);
  socklen_t len = sizeof(a);
  getsockname(holder, reinterpret_cast<sockaddr*>(&a), &len);
  *port = ntohs(a.sin_port);
  return holder;
}

// listen() on the port fails; then close() and closeIdleConnections() are safe.
void ListenErrorThenClose(uint16_t port, int threads) {
  auto server = http::createServer();
  std::string error;
  server->on<"error">([&error](const http::Error& e) { error = std::string(e.code()); });
  server->listen(port, "127.0.0.1", threads);
  EXPECT_FALSE(server->listening());
  server->closeIdleConnections();
  server->close();
  server->closeIdleConnections();
  server->join();  // and the 'error', which comes from a thread of the server's own
  EXPECT_EQ(error, "EADDRINUSE") << threads << " threads";
}

TEST_F(ServerTest, CloseAndCloseIdleConnectionsAfterAListenErrorAreSafe) {
  uint16_t port = 0;
  int holder = HoldPort(&port);
  for (int threads : {1, 2}) ListenErrorThenClose(port, threads);
  close(holder);
}

// io_uring_setup fails when no descriptor is left: no loop was ever made.
TEST_F(ServerTest, CloseAndCloseIdleConnectionsAfterASetupErrorAreSafe) {
  // UBSan checks an object's vtable the first time it meets its type, through a
  // pipe(), which fails too once no descriptor is left (a false "invalid vptr"): a
  // listen() that fails with descriptors to spare meets the same types first.
  uint16_t port = 0;
  int holder = HoldPort(&port);
  ListenErrorThenClose(port, 1);
  close(holder);

  auto server = http::createServer();
  std::string error;
  server->on<"error">([&error](const http::Error& e) { error = std::string(e.code()); });
  rlimit saved;
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  int lowest_free = dup(0);
  ASSERT_GE(lowest_free, 0);
  close(lowest_free);
  rlimit none = saved;
  none.rlim_cur = static_cast<rlim_t>(lowest_free);  // every descriptor below is taken
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &none), 0);
  server->listen(0, "127.0.0.1", 1);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  EXPECT_FALSE(server->listening());
  server->closeIdleConnections();
  server->close();
  server->closeIdleConnections();
  server->join();
  EXPECT_EQ(error, "EMFILE");
}

}  // namespace
