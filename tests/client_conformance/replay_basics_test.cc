// Scenarios 001-020 replayed with the engine's client: default headers, framing by
// method, Expect and 1xx, HEAD, pooling and reuse, Connection: close, a malformed
// response. Each test is its scenario's client.js in C++, and must log v12's events
// and send v12's bytes (events.txt, sent.N.bin).
#include <gtest/gtest.h>

#include "http/client.h"
#include "tests/client_conformance/replay.h"

namespace client_conformance {
namespace {

using http::RequestHeader;

TEST(ClientReplay, S001GetGlobalAgent) {
  Replay r("001");
  r.Run([&] { Watch(*http::get(At(r.port(), "/a?b=1")), r.log(), r.log().Done()); });
  r.ExpectAll();
}

// 002, 003: keep-alive and bounded agents say Connection: keep-alive.
void AgentScenario(const char* name, http::AgentOptions options) {
  Replay r(name);
  r.Run([&] {
    auto agent = std::make_shared<http::Agent>(options);
    auto req = http::get(At(r.port(), {}, agent));
    Watch(*req, r.log());
    req->on<"response">([&, agent](http::IncomingMessage& res) {
      res.on<"end">([&, agent] {
        http::setTimeout(
            [&, agent] {
              agent->destroy();
              r.log().done();
            },
            50);
      });
    });
  });
  r.ExpectAll();
}

TEST(ClientReplay, S002GetKeepAliveAgent) { AgentScenario("002", {.keepAlive = true}); }
TEST(ClientReplay, S003GetBoundedAgent) { AgentScenario("003", {.maxSockets = 4}); }

TEST(ClientReplay, S004HostDefaultPort) {
  Replay r("004");
  r.Run([&] {
    http::RequestOptions o = At(r.port());
    o.defaultPort = r.port();
    Watch(*http::get(o), r.log(), r.log().Done());
  });
  r.ExpectAll();
}

TEST(ClientReplay, S005HostIpv6) {
  Replay r("005");
  r.Run([&] {
    http::RequestOptions o = At(r.port());
    o.host = "::1";
    Watch(*http::get(o), r.log(), r.log().Done());
  });
  r.ExpectAll();
}

TEST(ClientReplay, S006SetHostFalse) {
  Replay r("006");
  r.Run([&] {
    http::RequestOptions o = At(r.port());
    o.setHost = false;
    Watch(*http::get(o), r.log(), r.log().Done());
  });
  r.ExpectAll();
}

TEST(ClientReplay, S007HeadersAsPairs) {
  Replay r("007");
  r.Run([&] {
    http::RequestOptions o = At(r.port());
    o.headers = {RequestHeader("X-A", "1"), RequestHeader("x-a", "2"), RequestHeader("Accept", "*/*")};
    o.headersArePairs = true;
    auto req = http::request(o);
    Watch(*req, r.log(), r.log().Done());
    req->end();
  });
  r.ExpectAll();
}

TEST(ClientReplay, S008AuthBasic) {
  Replay r("008");
  r.Run([&] {
    http::RequestOptions o = At(r.port());
    o.auth = "user:pa ss";
    o.headers = {RequestHeader("X-First", "a")};
    Watch(*http::get(o), r.log(), r.log().Done());
  });
  r.ExpectAll();
}

// 009-012: the body's framing by method.
std::shared_ptr<http::ClientRequest> Request(Replay& r, const char* method) {
  http::RequestOptions o = At(r.port());
  o.method = method;
  auto req = http::request(o);
  Watch(*req, r.log(), r.log().Done());
  return req;
}

TEST(ClientReplay, S009PostEndDataContentLength) {
  Replay r("009");
  r.Run([&] { Request(r, "POST")->end("hello"); });
  r.ExpectAll();
}

TEST(ClientReplay, S010PostWriteChunked) {
  Replay r("010");
  r.Run([&] {
    auto req = Request(r, "POST");
    req->write("hel");
    req->end("lo");
  });
  r.ExpectAll();
}

TEST(ClientReplay, S011DeleteWriteNotChunked) {
  Replay r("011");
  r.Run([&] {
    auto req = Request(r, "DELETE");
    req->write("abc");
    req->end();
  });
  r.ExpectAll();
}

TEST(ClientReplay, S012GetEndData) {
  Replay r("012");
  r.Run([&] { Request(r, "")->end("q=1"); });
  r.ExpectAll();
}

TEST(ClientReplay, S013ChunkedResponse) {
  Replay r("013");
  r.Run([&] { Watch(*http::get(At(r.port())), r.log(), r.log().Done()); });
  r.ExpectAll();
}

TEST(ClientReplay, S014ResponseToEof) {
  Replay r("014");
  r.Run([&] { Watch(*http::get(At(r.port())), r.log(), r.log().Done()); });
  r.ExpectAll();
}

TEST(ClientReplay, S015ContinueThenResponse) {
  Replay r("015");
  r.Run([&] {
    http::RequestOptions o = At(r.port());
    o.method = "PUT";
    o.headers = {RequestHeader("Expect", "100-continue"), RequestHeader("Content-Length", "0")};
    auto req = http::request(o);
    Watch(*req, r.log(), r.log().Done());
    req->on<"continue">([req = req.get()] { req->end(); });
  });
  r.ExpectAll();
}

TEST(ClientReplay, S016HeadResponseNoBody) {
  Replay r("016");
  r.Run([&] { Request(r, "HEAD")->end(); });
  r.ExpectAll();
}

TEST(ClientReplay, S017FlushHeaders) {
  Replay r("017");
  r.Run([&] {
    auto req = Request(r, "POST");
    req->flushHeaders();
    http::setTimeout([req] { req->end("late"); }, 100);
  });
  r.ExpectAll();
}

TEST(ClientReplay, S018KeepAliveReuse) {
  Replay r("018");
  r.Run([&] {
    auto agent = std::make_shared<http::Agent>(http::AgentOptions{.keepAlive = true});
    auto first = http::get(At(r.port(), "/1", agent));
    Watch(*first, r.log());
    first->on<"response">([&, agent](http::IncomingMessage& res) {
      res.on<"end">([&, agent] {
        http::setTimeout(
            [&, agent] {
              auto second = http::get(At(r.port(), "/2", agent));
              second->on<"socket">([&, s = second.get()](http::ClientSocket&) {
                r.log()(std::string("second reusedSocket=") + (s->reusedSocket ? "true" : "false"));
              });
              Watch(*second, r.log());
              second->on<"response">([&, agent](http::IncomingMessage& res2) {
                res2.on<"end">([&, agent] {
                  http::setTimeout(
                      [&, agent] {
                        agent->destroy();
                        r.log().done();
                      },
                      50);
                });
              });
            },
            50);
      });
    });
  });
  r.ExpectAll();
}

TEST(ClientReplay, S019ConnectionCloseNotPooled) {
  Replay r("019");
  r.Run([&] {
    auto agent = std::make_shared<http::Agent>(http::AgentOptions{.keepAlive = true});
    auto first = http::get(At(r.port(), "/1", agent));
    Watch(*first, r.log(), [&, agent] {
      http::setTimeout(
          [&, agent] {
            auto second = http::get(At(r.port(), "/2", agent));
            second->on<"socket">([&, s = second.get()](http::ClientSocket&) {
              r.log()(std::string("second reusedSocket=") + (s->reusedSocket ? "true" : "false"));
            });
            Watch(*second, r.log(), [&, agent] {
              agent->destroy();
              r.log().done();
            });
            // The second's socket is pooled (no 'close'): the harness ended on quiet.
            second->on<"response">([agent](http::IncomingMessage& res) {
              res.on<"end">([agent] { http::setTimeout([agent] { agent->destroy(); }, 50); });
            });
          },
          50);
    });
  });
  r.ExpectAll();
}

TEST(ClientReplay, S020MalformedResponse) {
  Replay r("020");
  r.Run([&] { Watch(*http::get(At(r.port())), r.log(), r.log().Done()); });
  r.ExpectAll();
}

}  // namespace
}  // namespace client_conformance
