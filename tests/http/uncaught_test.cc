// http/uncaught.h end to end: an exception thrown by a listener, wherever the http
// layer called it from (parsing, a tick, a timer, the send path, the accept, the
// close), is passed to the uncaught-exception handler, the socket it was thrown for is
// destroyed, and the server goes on serving other clients.
#include "http/uncaught.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "http/errors.h"
#include "http/server.h"
#include "tests/http/loopback.h"

namespace {

enum class Where { kRequest, kData, kEnd, kFinish, kTimer, kClose, kConnection, kTimeout };

struct Case {
  Where where;
  const char* name;
  const char* request;
};

std::vector<Case> Cases() {
  const char* get = "GET /throw HTTP/1.1\r\nHost: x\r\n\r\n";
  const char* post = "POST /throw HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc";
  return {{Where::kRequest, "Request", get}, {Where::kData, "Data", post},
          {Where::kEnd, "End", post},        {Where::kFinish, "Finish", get},
          {Where::kTimer, "Timer", get},     {Where::kClose, "RequestClose", get},
          {Where::kConnection, "Connection", get}, {Where::kTimeout, "Timeout", ""}};
}

class Uncaught : public http_test::LoopbackTest, public ::testing::WithParamInterface<Case> {
 protected:
  void SetUp() override {
    http::setUncaughtExceptionHandler([this](std::exception_ptr e) {
      std::lock_guard<std::mutex> lock(mu_);
      try {
        std::rethrow_exception(e);
      } catch (const http::Error& x) {
        reported_.push_back(std::string(x.code()));
      } catch (const std::exception& x) {
        reported_.push_back(x.what());
      }
    });
  }
  void TearDown() override {
    StopServer();
    http::setUncaughtExceptionHandler({});
  }
  std::vector<std::string> Reported() {
    for (int waited = 0; waited < 2000; waited += 10) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (!reported_.empty()) return reported_;
      }
      usleep(10 * 1000);
    }
    std::lock_guard<std::mutex> lock(mu_);
    return reported_;
  }

  std::mutex mu_;
  std::vector<std::string> reported_;
  std::atomic<bool> first_connection_{true};
};

TEST_P(Uncaught, ListenerExceptionIsReportedItsSocketDestroyedAndOthersServed) {
  const Case c = GetParam();
  Start(
      [this, w = c.where](http::IncomingMessage& req, http::ServerResponse& res) {
        if (req.url != "/throw") {
          res.end("fine");
          return;
        }
        switch (w) {
          case Where::kRequest:
            res.end();
            res.setHeader("X-Late", "1");  // ERR_HTTP_HEADERS_SENT, thrown
            break;
          case Where::kData:
            req.on<"data">([](std::string_view) { throw std::runtime_error("in data"); });
            break;
          case Where::kEnd:
            req.on<"data">([](std::string_view) {});
            req.on<"end">([] { throw std::runtime_error("in end"); });
            break;
          case Where::kFinish:
            res.on<"finish">([] { throw std::runtime_error("in finish"); });
            res.end("done");
            break;
          case Where::kTimer:
            req.socket()->runAfter(1, [] { throw std::runtime_error("in timer"); });
            break;
          case Where::kClose:
            req.on<"close">([] { throw std::runtime_error("in close"); });
            req.socket()->runAfter(1, [&req] { req.destroy(); });
            break;
          default:
            res.end("unexpected");
        }
      },
      [this, w = c.where](http::Server& s) {
        if (w == Where::kConnection) {
          s.on<"connection">([this](http::Socket&) {
            if (first_connection_.exchange(false)) throw std::runtime_error("in connection");
          });
        }
        if (w == Where::kTimeout) {
          s.timeout = 50;
          s.on<"timeout">([this](http::Socket&) {
            if (first_connection_.exchange(false)) throw std::runtime_error("in timeout");
          });
        }
      });
  int fd = Connect();
  Send(fd, c.request);
  std::vector<std::string> reported = Reported();
  ASSERT_EQ(reported.size(), 1u);
  const char* expected[] = {"ERR_HTTP_HEADERS_SENT", "in data", "in end", "in finish",
                            "in timer", "in close", "in connection", "in timeout"};
  EXPECT_EQ(reported[0], expected[static_cast<int>(c.where)]);
  // Its socket is destroyed: the client sees the end, after what was sent.
  std::string got = Read(fd, 1000);
  EXPECT_NE(got.find("<closed>"), std::string::npos) << got;
  close(fd);
  // Other clients are served on.
  std::string fine = RoundTrip("GET /fine HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(fine.find("\r\n\r\nfine"), std::string::npos) << fine;
}

INSTANTIATE_TEST_SUITE_P(EachPlace, Uncaught, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return std::string(info.param.name); });

// A throwing handler does not lose the other completions of its batch: two clients
// send at once; the first's listener throws, the second is answered.
class UncaughtBatch : public Uncaught {};

TEST_F(UncaughtBatch, AThrowDoesNotLoseTheRestOfTheCompletionBatch) {
  Start([](http::IncomingMessage& req, http::ServerResponse& res) {
    if (req.url == "/throw") throw std::runtime_error("first");
    res.end("second");
  });
  int a = Connect();
  int b = Connect();
  usleep(20 * 1000);
  std::string both = "GET /throw HTTP/1.1\r\nHost: x\r\n\r\n";
  std::string other = "GET /other HTTP/1.1\r\nHost: x\r\n\r\n";
  Send(a, both);
  Send(b, other);
  EXPECT_NE(Read(b, 500).find("\r\n\r\nsecond"), std::string::npos);
  EXPECT_EQ(Reported(), std::vector<std::string>{"first"});
  close(a);
  close(b);
}

}  // namespace
