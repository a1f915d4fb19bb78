// http/uncaught.h end to end: an exception thrown by a listener, wherever the http
// layer called it from (parsing, a tick, a timer, the send path, the accept, a
// factory, the close), is passed to the uncaught-exception handler, the socket it was
// thrown for is destroyed, and the server goes on serving other clients.
#include "http/uncaught.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <atomic>
#include <memory>
#include <mutex>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "http/errors.h"
#include "http/server.h"
#include "tests/http/loopback.h"

namespace {

enum class Where {
  kRequest, kData, kEnd, kFinish, kTimer, kClose, kConnection, kTimeout, kCheckContinue,
  kClientError, kUpgrade, kConnect, kDrain, kWriteCallback, kEndCallback, kFactory,
  kDataPipelined
};

struct Case {
  Where where;
  const char* name;
  std::string request;
  const char* reported;  // the exception's code (http::Error) or what()
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

std::vector<Case> Cases() {
  const std::string get = "GET /throw HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string post = "POST /throw HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc";
  return {
      {Where::kRequest, "Request", get, "ERR_HTTP_HEADERS_SENT"},
      {Where::kData, "Data", post, "in data"},
      {Where::kEnd, "End", post, "in end"},
      {Where::kFinish, "Finish", get, "in finish"},
      {Where::kTimer, "Timer", get, "in timer"},
      {Where::kClose, "RequestClose", get, "in close"},
      {Where::kConnection, "Connection", get, "in connection"},
      {Where::kTimeout, "Timeout", "", "in timeout"},
      {Where::kCheckContinue, "CheckContinue",
       "POST /throw HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n",
       "in checkContinue"},
      {Where::kClientError, "ClientError", "BAD\r\n\r\n", "in clientError"},
      {Where::kUpgrade, "Upgrade",
       "GET /throw HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: z\r\n\r\nrest",
       "in upgrade"},
      {Where::kConnect, "Connect", "CONNECT h:1 HTTP/1.1\r\nHost: h:1\r\n\r\nrest", "in connect"},
      {Where::kDrain, "Drain", get, "in drain"},
      {Where::kWriteCallback, "WriteCallback", get, "in write callback"},
      {Where::kEndCallback, "EndCallback", get, "in end callback"},
      // The options' IncomingMessage factory, as the head completes.
      {Where::kFactory, "Factory", get, "in factory"},
      // The listener throws while the body is parsed: the request that follows it in
      // the same receive is not served on the destroyed socket.
      {Where::kDataPipelined, "DataWithAPipelinedRequest",
       post + "GET /fine HTTP/1.1\r\nHost: x\r\n\r\n", "in data"},
  };
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
  http::ServerOptions options;
  if (c.where == Where::kFactory) {
    options.IncomingMessage = [this]() -> std::unique_ptr<http::IncomingMessage> {
      if (first_connection_.exchange(false)) throw std::runtime_error("in factory");
      return std::make_unique<http::IncomingMessage>();
    };
  }
  Start(
      [w = c.where](http::IncomingMessage& req, http::ServerResponse& res) {
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
          case Where::kDataPipelined:
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
          case Where::kDrain:
            // Past the high-water mark: 'drain' comes once the engine has sent it.
            res.on<"drain">([] { throw std::runtime_error("in drain"); });
            res.write(std::string(64 * 1024, 'd'));
            break;
          case Where::kWriteCallback:
            res.write("abc", [](const http::Error*) { throw std::runtime_error("in write callback"); });
            res.write("def", [](const http::Error*) {});
            break;
          case Where::kEndCallback:
            res.end("x", [] { throw std::runtime_error("in end callback"); });
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
        if (w == Where::kCheckContinue) {
          s.on<"checkContinue">([](http::IncomingMessage&, http::ServerResponse&) {
            throw std::runtime_error("in checkContinue");
          });
        }
        if (w == Where::kClientError) {
          s.on<"clientError">([](const http::ClientError&, http::Socket&) {
            throw std::runtime_error("in clientError");
          });
        }
        if (w == Where::kUpgrade) {
          s.on<"upgrade">([](http::IncomingMessage&, http::Socket&, std::string_view) {
            throw std::runtime_error("in upgrade");
          });
        }
        if (w == Where::kConnect) {
          s.on<"connect">([](http::IncomingMessage&, http::Socket&, std::string_view) {
            throw std::runtime_error("in connect");
          });
        }
      },
      std::move(options));
  int fd = Connect();
  Send(fd, c.request);
  // Its socket is destroyed: the client sees the end, after what was sent, and
  // nothing more is served on it.
  std::string got = Read(fd, 1000);
  EXPECT_NE(got.find("<closed>"), std::string::npos) << got;
  EXPECT_EQ(got.find("fine"), std::string::npos) << got;
  close(fd);
  EXPECT_EQ(Reported(), std::vector<std::string>{c.reported});
  // Other clients are served on.
  int other = Connect();
  Send(other, "GET /fine HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string fine = ReadUntil(other, "\r\n\r\nfine");
  EXPECT_NE(fine.find("\r\n\r\nfine"), std::string::npos) << fine;
  close(other);
}

INSTANTIATE_TEST_SUITE_P(EachPlace, Uncaught, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return std::string(info.param.name); });

// A throwing handler does not lose the other completions of its batch: two clients
// send at once; the first's listener throws, the second is answered.
class UncaughtBatch : public Uncaught {};

TEST_F(UncaughtBatch, AThrowDoesNotLoseTheRestOfTheCompletionBatch) {
  std::atomic<int> accepted{0};
  Start(
      [](http::IncomingMessage& req, http::ServerResponse& res) {
        if (req.url == "/throw") throw std::runtime_error("first");
        res.end("second");
      },
      [&accepted](http::Server& s) {
        s.on<"connection">([&accepted](http::Socket&) { ++accepted; });
      });
  int a = Connect();
  int b = Connect();
  // Both are accepted before either sends, so that the two requests can reach the
  // loop together.
  for (int waited = 0; waited < 10000 && accepted < 2; ++waited) usleep(1000);
  ASSERT_EQ(accepted.load(), 2);
  std::string both = "GET /throw HTTP/1.1\r\nHost: x\r\n\r\n";
  std::string other = "GET /other HTTP/1.1\r\nHost: x\r\n\r\n";
  Send(a, both);
  Send(b, other);
  EXPECT_NE(Read(b, 500).find("\r\n\r\nsecond"), std::string::npos);
  EXPECT_EQ(Reported(), std::vector<std::string>{"first"});
  close(a);
  close(b);
}

// The server's 'close' listeners and close() callbacks run on the loop that closes
// last, for no socket: what one of them throws is reported, and the others still run
// and the server still stops, so that join() returns.
class UncaughtServerClose : public Uncaught {
 protected:
  static bool WaitFor(const std::atomic<bool>& flag) {
    for (int waited = 0; waited < 2000 && !flag; waited += 5) usleep(5 * 1000);
    return flag;
  }
};

TEST_F(UncaughtServerClose, AThrowingCloseListenerLeavesTheCloseCallbacksToRun) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) { res.end("ok"); },
        [](http::Server& s) { s.on<"close">([] { throw std::runtime_error("in close listener"); }); });
  std::atomic<bool> called{false};
  server_->close([&] { called = true; });
  EXPECT_TRUE(WaitFor(called));
  EXPECT_EQ(Reported(), std::vector<std::string>{"in close listener"});
  // Not join(): a server that failed to stop would hang it (the next test checks
  // join()). ~Server stops the runtime itself.
  server_.reset();
}

TEST_F(UncaughtServerClose, AThrowingCloseCallbackLeavesTheOthersToRun) {
  Start([](http::IncomingMessage&, http::ServerResponse& res) { res.end("ok"); });
  std::atomic<bool> second{false};
  server_->close([] { throw std::runtime_error("in close callback"); });
  server_->close([&] { second = true; });
  EXPECT_TRUE(WaitFor(second));
  EXPECT_EQ(Reported(), std::vector<std::string>{"in close callback"});
  server_.reset();
}

// In a child process, so that a join() that never returns fails the test instead of
// hanging it: close() then join(), as a program does.
TEST_F(UncaughtServerClose, JoinReturnsAfterCloseWhenACloseListenerThrows) {
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    http::setUncaughtExceptionHandler([](std::exception_ptr) {});
    auto s = http::createServer([](http::IncomingMessage&, http::ServerResponse& res) {
      res.end("ok");
    });
    s->on<"close">([] { throw std::runtime_error("in close listener"); });
    s->listen(0, "127.0.0.1", 1);
    s->close();
    s->join();
    _exit(0);
  }
  int status = 0;
  bool exited = false;
  for (int waited = 0; waited < 2000 && !exited; waited += 10) {
    exited = waitpid(pid, &status, WNOHANG) == pid;
    if (!exited) usleep(10 * 1000);
  }
  if (!exited) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  EXPECT_TRUE(exited) << "join() did not return within 2 s of close()";
  EXPECT_TRUE(exited && WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

}  // namespace
