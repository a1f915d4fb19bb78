// The C++ side of a conformance scenario: the same handler as the scenario's
// handler.js (tests/conformance/scenarios/NNN_name/), registered under the
// directory's name.
//
//   CONFORMANCE_SCENARIO("001_hello_end", HelloEnd) {
//     return {.setup = [](http::Server& s) {
//       s.on<"request">([](http::IncomingMessage&, http::ServerResponse& res) {
//         res.setHeader("Content-Type", "text/plain");
//         res.end("Hello, World!");
//       });
//     }};
//   }
#ifndef TESTS_CONFORMANCE_SCENARIO_H_
#define TESTS_CONFORMANCE_SCENARIO_H_

#include <functional>
#include <map>
#include <string>

#include "http/server.h"

namespace conformance {

struct Scenario {
  std::function<void(http::Server&)> setup;  // listeners, timeouts, limits
  http::ServerOptions options = {};
  bool split = true;      // also run with the request split at every byte
  // A request of many KiB: split at its first and last 64 bytes and every 251st
  // byte between (every byte would take minutes).
  bool split_sampled = false;
  bool pipeline = true;   // also run with the request sent twice back to back
  // Set when the C++ server does not match yet: the scenario is skipped with this
  // reason (visible in the test log) instead of failing.
  const char* known_gap = nullptr;
  // Set where the default (strict) mode answers otherwise on purpose: RFC 9112 over
  // v12's leniency, on closing or malformed traffic. `why` says which rule; the
  // default mode must send `response` (nullptr: the recorded bytes) and then close
  // or not; and the scenario runs again with insecureHTTPParser, which must give
  // v12's recorded bytes.
  struct Divergence {
    const char* why = nullptr;
    const char* response = nullptr;
    bool closed = true;
  };
  Divergence strict = {};
};

using Factory = Scenario (*)();

bool Register(const char* name, Factory factory);
const std::map<std::string, Factory>& Registry();

}  // namespace conformance

#define CONFORMANCE_SCENARIO(dir, fn)                                    \
  static ::conformance::Scenario fn();                                   \
  [[maybe_unused]] static const bool fn##_registered =                   \
      ::conformance::Register(dir, &fn);                                 \
  static ::conformance::Scenario fn()

#endif  // TESTS_CONFORMANCE_SCENARIO_H_
