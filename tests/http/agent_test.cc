// http::Agent: pooling by name and every limit, against the project's own server.
#include "http/agent.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "http/client.h"
#include "tests/http/client_util.h"

namespace {

using http_test::TestServer;

http::RequestOptions To(uint16_t port, std::shared_ptr<http::Agent> agent,
                        std::string host = "127.0.0.1") {
  http::RequestOptions o;
  o.host = std::move(host);
  o.port = port;
  o.agent = std::move(agent);
  return o;
}

std::function<void(http::IncomingMessage&)> Drain(std::function<void()> at_end = {}) {
  return [at_end](http::IncomingMessage& res) {
    res.resume();
    if (at_end) res.on<"end">(at_end);
  };
}

TEST(Agent, GetNameIsHostPortLocalAddressFamilyAndSocketPath) {
  http::Agent agent;
  http::RequestOptions o;
  o.host = "example.com";
  o.port = 8080;
  EXPECT_EQ(agent.getName(o), "example.com:8080:");
  o.localAddress = "127.0.0.2";
  o.family = 6;
  EXPECT_EQ(agent.getName(o), "example.com:8080:127.0.0.2:6");
  http::RequestOptions u;
  u.socketPath = "/tmp/s";
  EXPECT_EQ(agent.getName(u), "localhost:::/tmp/s");
}

TEST(Agent, OptionsDefaultAsV12) {
  http::Agent agent;
  EXPECT_EQ(agent.maxSockets, http::Agent::kInfinity);
  EXPECT_EQ(agent.maxTotalSockets, http::Agent::kInfinity);
  EXPECT_EQ(agent.maxFreeSockets, 256u);
  EXPECT_FALSE(agent.keepAlive);
  EXPECT_EQ(agent.keepAliveMsecs, 1000u);
  EXPECT_EQ(agent.defaultPort, 80);
  EXPECT_EQ(agent.protocol, "http:");
}

TEST(Agent, MaxSocketsQueuesRequestsInRequestsAndTheFreedSocketServesTheNext) {
  TestServer srv;
  size_t queued_at_start = 0;
  size_t sockets_at_start = 0;
  int done = 0;
  std::vector<bool> reused;
  http::run([&] {
    auto agent = std::make_shared<http::Agent>(http::AgentOptions{.maxSockets = 1});
    auto a = http::get(To(srv.port(), agent), Drain([&] { ++done; }));
    auto b = http::get(To(srv.port(), agent), Drain([&] { ++done; }));
    std::string name = agent->getName(To(srv.port(), agent));
    queued_at_start = agent->requests().count(name) ? agent->requests().at(name).size() : 0;
    sockets_at_start = agent->sockets().count(name) ? agent->sockets().at(name).size() : 0;
    b->on<"socket">([&, b = b.get()](http::ClientSocket&) { reused.push_back(b->reusedSocket); });
  });
  EXPECT_EQ(queued_at_start, 1u);
  EXPECT_EQ(sockets_at_start, 1u);
  EXPECT_EQ(done, 2);
  EXPECT_EQ(srv.connections.load(), 1);  // a bounded agent keeps the socket alive
  EXPECT_EQ(reused, (std::vector<bool>{false}));  // handed over, not reused from the pool
}

TEST(Agent, MaxTotalSocketsHoldsAcrossNames) {
  TestServer srv;
  std::vector<std::string> order;
  size_t waiting_other = 0;
  http::run([&] {
    auto agent = std::make_shared<http::Agent>(http::AgentOptions{.maxTotalSockets = 1});
    http::get(To(srv.port(), agent, "127.0.0.1"), Drain([&] { order.push_back("a"); }));
    http::get(To(srv.port(), agent, "localhost"), Drain([&] { order.push_back("b"); }));
    std::string other = agent->getName(To(srv.port(), agent, "localhost"));
    waiting_other = agent->requests().count(other) ? agent->requests().at(other).size() : 0;
    EXPECT_EQ(agent->totalSocketCount(), 1u);
  });
  EXPECT_EQ(waiting_other, 1u);
  EXPECT_EQ(order, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(srv.connections.load(), 2);
}

TEST(Agent, MaxFreeSocketsPoolsOnlySoManyAndDestroysTheRest) {
  TestServer srv;
  size_t free_count = 99;
  size_t total = 99;
  int ended = 0;
  http::run([&] {
    auto agent = std::make_shared<http::Agent>(
        http::AgentOptions{.keepAlive = true, .maxFreeSockets = 1});
    auto check = [&, agent] {
      if (++ended < 2) return;
      http::setTimeout(
          [&, agent] {
            std::string name = agent->getName(To(srv.port(), agent));
            free_count = agent->freeSockets().count(name) ? agent->freeSockets().at(name).size() : 0;
            total = agent->totalSocketCount();
            agent->destroy();
          },
          30);
    };
    http::get(To(srv.port(), agent), Drain(check));
    http::get(To(srv.port(), agent), Drain(check));
  });
  EXPECT_EQ(srv.connections.load(), 2);
  EXPECT_EQ(free_count, 1u);
  EXPECT_EQ(total, 1u);
}

// Two sockets in use at once, freed in a known order (the server answers /slow
// later); a third request then takes the oldest free one (fifo) or the newest (lifo).
// Returns the local ports: freed first, freed second, taken by the third.
std::vector<uint16_t> FreedThenTaken(http::AgentOptions::Scheduling scheduling, uint16_t port) {
  std::vector<uint16_t> ports;
  int ended = 0;
  http::run([&] {
    auto agent = std::make_shared<http::Agent>(
        http::AgentOptions{.keepAlive = true, .scheduling = scheduling});
    auto start = [&, agent](const char* path) {
      http::RequestOptions o = To(port, agent);
      o.path = path;
      auto req = http::get(o);
      req->on<"response">([&, agent, r = req.get()](http::IncomingMessage& res) {
        uint16_t local = r->socket()->localPort();
        res.resume();
        res.on<"end">([&, agent, local] {
          ports.push_back(local);
          if (++ended < 2) return;
          http::setTimeout(
              [&, agent] {
                auto third = http::get(To(port, agent));
                third->on<"socket">([&](http::ClientSocket& s) { ports.push_back(s.localPort()); });
                third->on<"response">([agent](http::IncomingMessage& r3) {
                  r3.resume();
                  r3.on<"end">([agent] { agent->destroy(); });
                });
              },
              20);
        });
      });
    };
    start("/fast");
    start("/slow");
  });
  return ports;
}

TEST(Agent, SchedulingFifoReusesTheOldestFreeSocketAndLifoTheNewest) {
  TestServer srv([](http::IncomingMessage& req, http::ServerResponse& res) {
    if (req.url == "/slow") {
      req.socket()->runAfter(40, [&res] { res.end("slow"); });
    } else {
      res.end("fast");
    }
  });
  std::vector<uint16_t> fifo = FreedThenTaken(http::AgentOptions::Scheduling::kFifo, srv.port());
  ASSERT_EQ(fifo.size(), 3u);
  EXPECT_NE(fifo[0], fifo[1]);
  EXPECT_EQ(fifo[2], fifo[0]);
  std::vector<uint16_t> lifo = FreedThenTaken(http::AgentOptions::Scheduling::kLifo, srv.port());
  ASSERT_EQ(lifo.size(), 3u);
  EXPECT_NE(lifo[0], lifo[1]);
  EXPECT_EQ(lifo[2], lifo[1]);
}

TEST(Agent, AFreeSocketTheServerClosesLeavesThePoolQuietly) {
  TestServer srv({}, [](http::Server& s) { s.keepAliveTimeout = 50; });
  std::vector<std::string> errors;
  size_t free_before = 0;
  size_t free_after = 99;
  size_t total_after = 99;
  http::run([&] {
    auto agent = std::make_shared<http::Agent>(http::AgentOptions{.keepAlive = true});
    auto req = http::get(To(srv.port(), agent));
    req->on<"error">([&](const http::Error& e) { errors.push_back(std::string(e.code())); });
    req->on<"response">([&, agent](http::IncomingMessage& res) {
      res.resume();
      res.on<"end">([&, agent] {
        http::setTimeout(
            [&, agent] {
              std::string name = agent->getName(To(srv.port(), agent));
              free_before = agent->freeSockets().count(name);
            },
            5);
        http::setTimeout(
            [&, agent] {
              free_after = agent->freeSockets().size();
              total_after = agent->totalSocketCount();
            },
            400);
      });
    });
  });
  EXPECT_EQ(free_before, 1u);
  EXPECT_EQ(free_after, 0u);
  EXPECT_EQ(total_after, 0u);  // v12 counted this socket out twice, to -1
  EXPECT_TRUE(errors.empty());
}

TEST(Agent, AResponseWithConnectionCloseIsNeverPooled) {
  TestServer srv([](http::IncomingMessage&, http::ServerResponse& res) {
    res.setHeader("Connection", "close");
    res.end("ok");
  });
  size_t pooled = 99;
  http::run([&] {
    auto agent = std::make_shared<http::Agent>(http::AgentOptions{.keepAlive = true});
    http::get(To(srv.port(), agent), Drain([&, agent] {
                http::setTimeout([&, agent] { pooled = agent->freeSockets().size(); }, 20);
              }));
  });
  EXPECT_EQ(pooled, 0u);
}

TEST(Agent, UsingAnAgentFromAnotherLoopThrowsWrongLoop) {
  auto agent = std::make_shared<http::Agent>();
  TestServer srv;
  http::run([&] { http::get(To(srv.port(), agent), Drain()); });
  std::string code;
  http::run([&] {
    try {
      http::get(To(srv.port(), agent), Drain());
    } catch (const http::Error& e) {
      code = std::string(e.code());
    }
  });
  EXPECT_EQ(code, "ERR_HTTP_WRONG_LOOP");
}

// A subclass overrides the three hooks, as in Node.
class CountingAgent final : public http::Agent {
 public:
  explicit CountingAgent(bool pool) : http::Agent({.keepAlive = true}), pool_(pool) {}
  http::ClientSocket* createConnection(const http::RequestOptions& o) override {
    ++created;
    return http::Agent::createConnection(o);
  }
  bool keepSocketAlive(http::ClientSocket& s) override {
    ++kept;
    return pool_ && http::Agent::keepSocketAlive(s);
  }
  void reuseSocket(http::ClientSocket& s, http::ClientRequest& req) override {
    ++reused;
    http::Agent::reuseSocket(s, req);
  }
  int created = 0, kept = 0, reused = 0;

 private:
  bool pool_;
};

void TwoInTurn(uint16_t port, std::shared_ptr<CountingAgent> agent) {
  http::run([&] {
    http::get(To(port, agent), Drain([&, agent] {
                http::setTimeout(
                    [&, agent] {
                      http::get(To(port, agent), Drain([agent] {
                                  http::setTimeout([agent] { agent->destroy(); }, 5);
                                }));
                    },
                    5);
              }));
  });
}

TEST(Agent, ASubclassesCreateConnectionKeepSocketAliveAndReuseSocketAreCalled) {
  TestServer srv;
  auto pooling = std::make_shared<CountingAgent>(true);
  TwoInTurn(srv.port(), pooling);
  EXPECT_EQ(pooling->created, 1);
  EXPECT_EQ(pooling->kept, 2);
  EXPECT_EQ(pooling->reused, 1);
  EXPECT_EQ(srv.connections.load(), 1);
}

TEST(Agent, KeepSocketAliveReturningFalseDestroysTheSocket) {
  TestServer srv;
  auto refusing = std::make_shared<CountingAgent>(false);
  TwoInTurn(srv.port(), refusing);
  EXPECT_EQ(refusing->created, 2);
  EXPECT_EQ(refusing->reused, 0);
  EXPECT_EQ(srv.connections.load(), 2);
}

TEST(Agent, DestroyClosesFreeSocketsAndEmptiesThePool) {
  TestServer srv;
  size_t before = 0, after = 99;
  http::run([&] {
    auto agent = std::make_shared<http::Agent>(http::AgentOptions{.keepAlive = true});
    http::get(To(srv.port(), agent), Drain([&, agent] {
                http::setTimeout(
                    [&, agent] {
                      before = agent->freeSockets().size();
                      agent->destroy();
                      http::setTimeout([&, agent] { after = agent->totalSocketCount(); }, 20);
                    },
                    5);
              }));
  });
  EXPECT_EQ(before, 1u);
  EXPECT_EQ(after, 0u);
}

}  // namespace
