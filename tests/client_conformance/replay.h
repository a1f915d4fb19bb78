// Replaying a recorded client scenario with the engine's client: the C++ twins of
// watch.js's watch() and pool(), and a Replay that plays the scenario's peer, runs
// the client code in http::run(), and compares what the peer received and the events
// logged with what v12 did (events.txt, sent.N.bin).
//
// Threads: the peer runs on its own thread; the client code, and the log, on the
// test's thread (inside http::run()).
#ifndef TESTS_CLIENT_CONFORMANCE_REPLAY_H_
#define TESTS_CLIENT_CONFORMANCE_REPLAY_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/client.h"
#include "tests/client_conformance/fixture.h"
#include "tests/client_conformance/peer.h"

namespace client_conformance {

// JSON.stringify(bytes.toString('latin1')): each byte is the code point of its value,
// written as UTF-8, with JSON's escapes.
std::string Json(std::string_view bytes);
// JSON.stringify(res.rawHeaders): the names and values, flat.
std::string JsonRaw(const std::vector<http::HeaderView>& raw);
// JSON.stringify of an IncomingHeaders (as res.headers or res.trailers).
std::string JsonHeaders(const http::IncomingHeaders& headers);

// The scenario's log: lines in order; done() ends it (later lines are not kept, as
// the harness exits there).
class Log {
 public:
  void operator()(std::string line) {
    if (!done_) lines_.push_back(std::move(line));
  }
  void done() { done_ = true; }
  // A function that ends the log (watch()'s done).
  std::function<void()> Done() {
    return [this] { done(); };
  }
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  std::vector<std::string> lines_;
  bool done_ = false;
};

// watch.js's watch(req, log, done, label): logs req's events as "req EVENT" and its
// response's as "res EVENT"; at_close runs after the request's 'close' is logged.
void Watch(http::ClientRequest& req, Log& log, std::function<void()> at_close = {},
           std::string label = {});
// watch.js's pool(agent, port).
std::string Pool(const http::Agent& agent, uint16_t port);

// One scenario: its fixture, its peer (started), and the comparison.
class Replay {
 public:
  explicit Replay(const std::string& name);
  uint16_t port() const { return peer_->port(); }
  Log& log() { return log_; }
  const Fixture& fixture() const { return fixture_; }
  // Runs fn in http::run(), then waits until the peer is quiet.
  void Run(const std::function<void()>& fn);
  // The events as v12 logged them, and what each connection received.
  void ExpectEvents() const;
  void ExpectSent() const;
  void ExpectAll() const {
    ExpectEvents();
    ExpectSent();
  }

 private:
  Fixture fixture_;
  std::unique_ptr<ScriptedPeer> peer_;
  Log log_;
};

// http::RequestOptions for the peer: host 127.0.0.1, the port, a path.
http::RequestOptions At(uint16_t port, std::string path = {},
                        std::shared_ptr<http::Agent> agent = {});

}  // namespace client_conformance

#endif  // TESTS_CLIENT_CONFORMANCE_REPLAY_H_
