// Scenarios 021-035 replayed with the engine's client: abort() at each stage, a
// server that leaves (FIN, reset, mid-body), a refused connect, 1xx responses,
// trailers, timeouts, upgrade and CONNECT. Each test is its scenario's client.js in
// C++, and must log v12's events and send v12's bytes.
#include <gtest/gtest.h>

#include "http/client.h"
#include "tests/client_conformance/replay.h"
#include "tests/http/client_util.h"

namespace client_conformance {
namespace {

using http::RequestHeader;

std::string Bool(bool b) { return b ? "true" : "false"; }

TEST(ClientReplay, S021AbortBeforeSocket) {
  Replay r("021");
  r.Run([&] {
    auto req = http::get(At(r.port()));
    Watch(*req, r.log());
    req->abort();
    r.log()("aborted=" + Bool(req->aborted));
  });
  r.ExpectAll();
}

TEST(ClientReplay, S022AbortOnSocket) {
  Replay r("022");
  r.Run([&] {
    auto req = http::get(At(r.port()));
    Watch(*req, r.log());
    req->on<"socket">([req = req.get()](http::ClientSocket&) { req->abort(); });
  });
  r.ExpectAll();
}

TEST(ClientReplay, S023AbortAwaitingResponse) {
  Replay r("023");
  r.Run([&] {
    auto req = http::get(At(r.port()));
    Watch(*req, r.log());
    req->on<"finish">([req = req.get()] { req->abort(); });
  });
  r.ExpectAll();
}

TEST(ClientReplay, S024AbortDuringBody) {
  Replay r("024");
  r.Run([&] {
    auto req = http::get(At(r.port()));
    Watch(*req, r.log());
    req->on<"response">([req = req.get()](http::IncomingMessage& res) {
      res.once<"data">([req](std::string_view) { req->abort(); });
    });
  });
  r.ExpectAll();
}

TEST(ClientReplay, S025ServerFinWithoutResponse) {
  Replay r("025");
  r.Run([&] {
    auto req = http::get(At(r.port()));
    Watch(*req, r.log());
    req->on<"error">([&](const http::Error& e) { r.log()("error message " + Json(e.message())); });
  });
  r.ExpectAll();
}

TEST(ClientReplay, S026ServerResetWithoutResponse) {
  Replay r("026");
  r.Run([&] {
    auto req = http::get(At(r.port()));
    Watch(*req, r.log());
    req->on<"error">([&](const http::Error& e) {
      r.log()("error message " + Json(e.message()) + " syscall=" + std::string(e.syscall()));
    });
  });
  r.ExpectAll();
}

TEST(ClientReplay, S027ServerFinMidBody) {
  Replay r("027");
  r.Run([&] { Watch(*http::get(At(r.port())), r.log()); });
  r.ExpectAll();
}

TEST(ClientReplay, S028ConnectionRefused) {
  Replay r("028");
  r.Run([&] {
    uint16_t closed = http_test::UnusedPort();  // bound, then closed
    auto req = http::get(At(closed));
    Watch(*req, r.log());
    req->on<"error">([&, closed](const http::Error& e) {
      r.log()("error syscall=" + std::string(e.syscall()) + " address=" + std::string(e.address()) +
              " port=" + (e.port() == closed ? std::string("PORT") : std::to_string(e.port())));
    });
  });
  r.ExpectAll();
}

TEST(ClientReplay, S029Information102And103) {
  Replay r("029");
  r.Run([&] {
    auto req = http::get(At(r.port()));
    Watch(*req, r.log());
    req->on<"information">([&](const http::InformationMessage& info) {
      r.log()("information " + std::to_string(info.statusCode) + " " + Json(info.statusMessage) +
              " " + std::string(info.httpVersion) + " " + JsonRaw(info.rawHeaders));
    });
  });
  r.ExpectAll();
}

TEST(ClientReplay, S030ExpectContinueBodyAfterContinue) {
  Replay r("030");
  r.Run([&] {
    http::RequestOptions o = At(r.port());
    o.method = "PUT";
    o.headers = {RequestHeader("Expect", "100-continue")};
    auto req = http::request(o);
    Watch(*req, r.log());
    req->on<"continue">([req = req.get()] { req->end("hello"); });
  });
  r.ExpectAll();
}

TEST(ClientReplay, S031ChunkedResponseTrailers) {
  Replay r("031");
  r.Run([&] {
    auto req = http::get(At(r.port()));
    Watch(*req, r.log());
    req->on<"response">([&](http::IncomingMessage& res) {
      r.log()("trailers at response " + JsonHeaders(res.trailers()) + " " + JsonRaw(res.rawTrailers()));
      res.on<"end">([&, res = &res] {
        r.log()("trailers at end " + JsonHeaders(res->trailers()) + " " + JsonRaw(res->rawTrailers()));
      });
    });
  });
  r.ExpectAll();
}

TEST(ClientReplay, S032TimeoutOptionOnlyEmits) {
  Replay r("032");
  r.Run([&] {
    http::RequestOptions o = At(r.port());
    o.timeout = 100;
    Watch(*http::get(o), r.log());
  });
  r.ExpectAll();
}

TEST(ClientReplay, S033SetTimeoutAbort) {
  Replay r("033");
  r.Run([&] {
    auto req = http::get(At(r.port()));
    Watch(*req, r.log());
    req->setTimeout(100, [&, req = req.get()] {
      r.log()("timeout callback");
      req->abort();
    });
  });
  r.ExpectAll();
}

TEST(ClientReplay, S034Upgrade) {
  Replay r("034");
  r.Run([&] {
    http::RequestOptions o = At(r.port());
    o.headers = {RequestHeader("Connection", "Upgrade"), RequestHeader("Upgrade", "websocket")};
    auto req = http::request(o);
    Watch(*req, r.log());
    req->on<"upgrade">([&](http::IncomingMessage& res, http::Socket& socket, std::string_view head) {
      r.log()("upgrade " + std::to_string(res.statusCode) + " " + JsonRaw(res.rawHeaders()) +
              " head " + std::to_string(head.size()) + " " + Json(head));
      socket.destroy();
    });
    req->end();
  });
  r.ExpectAll();
}

TEST(ClientReplay, S035ConnectMethod) {
  Replay r("035");
  r.Run([&] {
    http::RequestOptions o = At(r.port(), "example.com:443");
    o.method = "CONNECT";
    auto req = http::request(o);
    Watch(*req, r.log());
    req->on<"connect">([&](http::IncomingMessage& res, http::Socket& socket, std::string_view head) {
      r.log()("connect " + std::to_string(res.statusCode) + " " + Json(res.statusMessage) + " " +
              JsonRaw(res.rawHeaders()) + " head " + std::to_string(head.size()) + " " + Json(head));
      socket.destroy();
    });
    req->end();
  });
  r.ExpectAll();
}

}  // namespace
}  // namespace client_conformance
