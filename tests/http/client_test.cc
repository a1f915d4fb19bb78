// http::request, http::get, globalAgent and http::run against the project's own
// server on loopback (its own loop thread), the client on the test's thread.
#include "http/client.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "http/server.h"
#include "tests/http/client_util.h"

namespace {

using http_test::TestServer;
using http_test::UnusedPort;

TEST(Client, GetReceivesTheResponseAndRunReturnsOnceItIsDone) {
  TestServer srv;
  std::vector<std::string> events;
  std::string body;
  http::run([&] {
    http::RequestOptions o;
    o.host = "127.0.0.1";
    o.port = srv.port();
    o.path = "/x";
    auto req = http::get(o, [&](http::IncomingMessage& res) {
      events.push_back("response " + std::to_string(res.statusCode) + " " +
                       std::string(res.statusMessage));
      res.on<"data">([&](std::string_view d) { body.append(d); });
      res.on<"end">([&] { events.push_back("end"); });
    });
    req->on<"socket">([&](http::ClientSocket&) { events.push_back("socket"); });
    req->on<"finish">([&] { events.push_back("finish"); });
    req->on<"close">([&] { events.push_back("close"); });
  });
  EXPECT_EQ(body, "ok");
  std::vector<std::string> want = {"socket", "finish", "response 200 OK", "end", "close"};
  EXPECT_EQ(events, want);
}

TEST(Client, GetByUrlParsesHostPortAndPath) {
  http_test::Recorded seen_url;
  TestServer srv([&](http::IncomingMessage& req, http::ServerResponse& res) {
    seen_url.set(req.url);
    res.end("u");
  });
  std::string body;
  http::run([&] {
    http::get("http://127.0.0.1:" + std::to_string(srv.port()) + "/a/b?c=d",
              [&](http::IncomingMessage& res) {
                res.on<"data">([&](std::string_view d) { body.append(d); });
              });
  });
  EXPECT_EQ(body, "u");
  EXPECT_EQ(seen_url.get(), "/a/b?c=d");
}

TEST(Client, KeepAliveAgentReusesItsSocketAndRunDoesNotWaitForThePool) {
  TestServer srv;
  std::vector<bool> reused;
  http::run([&] {
    auto agent = std::make_shared<http::Agent>(http::AgentOptions{.keepAlive = true});
    http::RequestOptions o;
    o.host = "127.0.0.1";
    o.port = srv.port();
    o.agent = agent;
    auto first = http::get(o, [&, o](http::IncomingMessage& res) {
      res.resume();
      res.on<"end">([&, o] {
        http::setTimeout(
            [&, o] {
              auto second = http::get(o, [](http::IncomingMessage& r) { r.resume(); });
              second->on<"socket">(
                  [&, r = second.get()](http::ClientSocket&) { reused.push_back(r->reusedSocket); });
            },
            20);
      });
    });
    first->on<"socket">(
        [&, r = first.get()](http::ClientSocket&) { reused.push_back(r->reusedSocket); });
  });
  EXPECT_EQ(reused, (std::vector<bool>{false, true}));
  EXPECT_EQ(srv.connections.load(), 1);
}

TEST(Client, ConnectionRefusedEmitsTheErrorThenClose) {
  uint16_t port = UnusedPort();
  std::vector<std::string> events;
  http::run([&] {
    http::RequestOptions o;
    o.host = "127.0.0.1";
    o.port = port;
    auto req = http::get(o);
    req->on<"error">([&](const http::Error& e) {
      events.push_back(std::string(e.code()) + " " + std::string(e.message()));
    });
    req->on<"close">([&] { events.push_back("close"); });
  });
  std::vector<std::string> want = {
      "ECONNREFUSED connect ECONNREFUSED 127.0.0.1:" + std::to_string(port), "close"};
  EXPECT_EQ(events, want);
}

TEST(Client, RequestFromAThreadWithoutALoopThrowsNoLoop) {
  try {
    http::get("http://127.0.0.1:1/");
    FAIL() << "no throw";
  } catch (const http::Error& e) {
    EXPECT_EQ(e.code(), "ERR_HTTP_NO_LOOP");
  }
}

TEST(Client, PostWithWriteIsChunkedAndTheServerReadsTheBody) {
  http_test::Recorded seen;
  http_test::Recorded te;
  TestServer srv([&](http::IncomingMessage& req, http::ServerResponse& res) {
    te.set(req.headers().get("transfer-encoding").value_or(""));
    req.on<"data">([&](std::string_view d) { seen.append(d); });
    req.on<"end">([&res] { res.end("done"); });
  });
  std::string body;
  http::run([&] {
    http::RequestOptions o;
    o.host = "127.0.0.1";
    o.port = srv.port();
    o.method = "post";
    auto req = http::request(o, [&](http::IncomingMessage& res) {
      res.on<"data">([&](std::string_view d) { body.append(d); });
    });
    req->write("hello ");
    req->end("world");
  });
  EXPECT_EQ(seen.get(), "hello world");
  EXPECT_EQ(te.get(), "chunked");
  EXPECT_EQ(body, "done");
}

TEST(Client, LocalAddressIsTheSourceOfTheConnection) {
  http_test::Recorded peer;
  TestServer srv([&](http::IncomingMessage& req, http::ServerResponse& res) {
    peer.set(req.socket()->remoteAddress());
    res.end("ok");
  });
  http::run([&] {
    http::RequestOptions o;
    o.host = "127.0.0.1";
    o.port = srv.port();
    o.localAddress = "127.0.0.2";
    http::get(o, [](http::IncomingMessage& res) { res.resume(); });
  });
  EXPECT_EQ(peer.get(), "127.0.0.2");
}

TEST(Client, AHostNameIsResolvedOffTheLoop) {
  TestServer srv;
  std::string body;
  http::run([&] {
    http::RequestOptions o;
    o.host = "localhost";  // /etc/hosts: 127.0.0.1 first (v12 orders IPv4 first)
    o.port = srv.port();
    http::get(o, [&](http::IncomingMessage& res) {
      res.on<"data">([&](std::string_view d) { body.append(d); });
    });
  });
  EXPECT_EQ(body, "ok");
}

TEST(Client, AnUnknownHostFailsWithNodesLookupError) {
  std::string error;
  http::run([&] {
    auto req = http::get("http://nonexistent.invalid/");
    req->on<"error">([&](const http::Error& e) {
      error = std::string(e.code()) + " " + std::string(e.message());
    });
  });
  // Offline, getaddrinfo says EAI_NONAME (ENOTFOUND); without a DNS server answering,
  // EAI_AGAIN.
  EXPECT_TRUE(error == "ENOTFOUND getaddrinfo ENOTFOUND nonexistent.invalid" ||
              error == "EAI_AGAIN getaddrinfo EAI_AGAIN nonexistent.invalid")
      << error;
}

}  // namespace
